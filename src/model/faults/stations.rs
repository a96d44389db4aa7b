//! Faults that strike at a station: an outage (drop, refuse, hang) or a partial failure
//! meeting a message, a slow station stretching a service, an attack's junk requests and a
//! partial failure's synchronisation messages, and a station that went down while it served.
//! Each hook runs only when the scenario has faults at that station.

use crate::engine::Nanos;
use crate::model::PaymentId;
use crate::model::World;
use crate::model::event::NO_FAULT;
use crate::model::event::{Ev, Msg, ToChannel, ToGateway, ToIssuer};
use crate::model::faults::{keyed_chance, keyed_unit, path_key, purpose};
use crate::model::station::{Admit, JUNK};
use crate::model::topology::{StationId, StationKind};
use crate::model::trace::{Step, Tracer};
use crate::scenario::{FaultEffect, OutageMode};

/// What a fault on a station does to a message reaching it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(in crate::model) enum Hit {
    Drop,
    /// Refused with this code.
    Reject(u8),
    /// The station hangs: no server works until the window ends (the request queues).
    Hang,
}

impl<T: Tracer> World<'_, T> {
    /// What a fault on a station does to a message reaching it now: nothing, a drop, a
    /// refusal with a code, or a hang until the window ends. Counts and traces a hit; marks a
    /// payment passing a degraded station (slow, short of servers, under attack) as struck.
    #[inline(always)]
    pub(in crate::model) fn station_hit(
        &mut self,
        pid: PaymentId,
        st: StationId,
        msg: Msg,
    ) -> Option<Hit> {
        if !self.faults_on {
            return None;
        }
        self.station_faults(pid, st, msg)
    }

    #[inline(never)]
    fn station_faults(&mut self, pid: PaymentId, st: StationId, msg: Msg) -> Option<Hit> {
        if !self.faults.synced[st.index()].is_empty() {
            self.synced_struck(pid, st);
        }
        if self.faults.station[st.index()].is_empty() {
            return None;
        }
        let now = self.q.now();
        let request = msg.is_request();
        let p = self.arena[pid];
        let key = path_key(&p, self.topo.groups);
        let kind = self.station_kind_index(st);
        let mut hit = None;
        let mut struck = None;
        let mut sync = None;
        for &k in &self.faults.station[st.index()] {
            let f = &self.faults.all[k as usize];
            if !f.active(now) {
                continue;
            }
            match f.effect {
                FaultEffect::Outage { mode, code } => {
                    hit = Some((
                        match mode {
                            OutageMode::Drop => Hit::Drop,
                            OutageMode::Reject => Hit::Reject(code),
                            OutageMode::Hang if request => Hit::Hang,
                            OutageMode::Hang => Hit::Drop,
                        },
                        f.cause,
                    ));
                    break;
                }
                FaultEffect::Partial {
                    servers_lost,
                    fail_share,
                    mode,
                    code,
                    sync: y,
                } => {
                    if request && let Some(y) = y {
                        sync = Some((k, y.load));
                    }
                    if request && keyed_chance(f, key, purpose::PARTIAL + kind, fail_share) {
                        let h = match mode {
                            OutageMode::Reject => Hit::Reject(code),
                            _ => Hit::Drop,
                        };
                        hit = Some((h, f.cause));
                        break;
                    }
                    if servers_lost > 0 {
                        struck = Some(f.cause);
                    }
                }
                FaultEffect::Slow { .. } | FaultEffect::Attack { .. } => struck = Some(f.cause),
                _ => {}
            }
        }
        if let Some(c) = struck {
            self.arena[pid].struck = c;
        }
        if let Some((k, load)) = sync {
            self.send_sync(k, key, load);
        }
        let (h, cause) = hit?;
        if let Hit::Hang = h {
            // Not a failure yet: the answer will come late.
            self.arena[pid].struck = cause;
            if T::ON {
                self.trace(pid, |w| Step::Hangs {
                    kind: w.station_word(st),
                    at: w.nodes.stations[st.index()].id.clone(),
                });
            }
            return Some(h);
        }
        self.nodes.stations[st.index()].note_outage_hit();
        self.blame(pid, cause);
        if T::ON {
            self.trace_outage_hit(pid, msg, st, h);
        }
        Some(h)
    }

    /// A request reached a station in a partial failure that keeps synchronising with its twin:
    /// `load` messages on average (the whole part always, the fraction by the request's keyed
    /// draw) join the twin's queue now, each for one of the twin's service times.
    #[inline(never)]
    fn send_sync(&mut self, k: u16, key: u64, load: f64) {
        let f = &self.faults.all[k as usize];
        let Some(at) = f.sync_at else {
            return;
        };
        let whole = load.floor();
        let n = whole as u32 + u32::from(keyed_unit(f, key, purpose::SYNC) < load - whole);
        for _ in 0..n {
            self.sync_message(at, k);
        }
    }

    /// A payment passing a station loaded by another station's synchronisation carries that
    /// fault while it lasts: a timeout there, or a refusal by the station's full bulkhead, is
    /// counted against it, as behind a slow station.
    #[inline(never)]
    pub(in crate::model) fn synced_struck(&mut self, pid: PaymentId, st: StationId) {
        let now = self.q.now();
        let cause = self.faults.synced[st.index()].iter().find_map(|&k| {
            let f = &self.faults.all[k as usize];
            f.active(now).then_some(f.cause)
        });
        if let Some(c) = cause {
            self.arena[pid].struck = c;
        }
    }

    /// A service time under the station's active slow faults: multiplied, then delayed.
    #[inline(never)]
    pub(in crate::model) fn slowed(
        &mut self,
        pid: PaymentId,
        st: StationId,
        kind: usize,
        mut service: Nanos,
    ) -> Nanos {
        let now = self.q.now();
        let p = self.arena[pid];
        let key = path_key(&p, self.topo.groups);
        for &k in &self.faults.station[st.index()] {
            let f = &self.faults.all[k as usize];
            if let FaultEffect::Slow { multiplier, added } = &f.effect
                && f.active(now)
            {
                service = (service as f64 * multiplier) as Nanos;
                if let Some(a) = added {
                    let u = keyed_unit(f, key, purpose::SLOW + kind);
                    service = service.saturating_add(a.quantile_ns(u));
                }
            }
        }
        service
    }

    /// A junk request reaches a station (an attack's, or a duplicated message): it takes a
    /// server's time like a payment and is then forgotten. An attack schedules its next one.
    #[inline(never)]
    pub(in crate::model) fn junk(
        &mut self,
        st: StationId,
        fault: u16,
    ) -> Result<(), crate::model::Violation> {
        let now = self.q.now();
        let service = if fault == NO_FAULT {
            self.nodes.stations[st.index()].own_service()
        } else {
            let f = &mut self.faults.all[fault as usize];
            let FaultEffect::Attack { rate } = f.effect else {
                return Ok(());
            };
            let gap = ((f.rng.exp1() / rate) * 1e9).ceil().max(1.0) as Nanos;
            let next = now.saturating_add(gap);
            let next = if f.windows.active(next) {
                Some(next)
            } else {
                f.windows.next_start(next).map(|w| w.0)
            };
            let service = self.nodes.stations[st.index()]
                .service()
                .sample_ns(&mut f.rng);
            if let Some(t) = next
                && t <= self.horizon
            {
                self.schedule(t, Ev::Junk { station: st, fault });
            }
            if !self.faults.all[fault as usize].active(now) {
                return Ok(());
            }
            service
        };
        self.out.junk_requests += 1;
        if let Admit::Started(end) = self.nodes.stations[st.index()].arrive(now, JUNK, service) {
            self.schedule(end, Ev::JunkDone { station: st });
        }
        Ok(())
    }

    /// A synchronisation message of partial failure `k` joins station `st`'s queue now: it takes
    /// one of the station's service times (drawn from the fault's own stream) like a junk
    /// request, and is counted with them.
    pub(in crate::model) fn sync_message(&mut self, st: StationId, k: u16) {
        let now = self.q.now();
        let f = &mut self.faults.all[k as usize];
        let service = self.nodes.stations[st.index()]
            .service()
            .sample_ns(&mut f.rng);
        self.out.junk_requests += 1;
        if let Admit::Started(end) = self.nodes.stations[st.index()].arrive(now, JUNK, service) {
            self.schedule(end, Ev::JunkDone { station: st });
        }
    }

    /// An outage (drop or reject) in force at a station now, for a request it finished
    /// serving.
    #[inline(never)]
    pub(in crate::model) fn down_now(&mut self, pid: PaymentId, st: StationId) -> Option<Hit> {
        let now = self.q.now();
        let (h, cause) = self.faults.station[st.index()].iter().find_map(|&k| {
            let f = &self.faults.all[k as usize];
            match f.effect {
                FaultEffect::Outage { mode, code } if f.active(now) => match mode {
                    OutageMode::Drop => Some((Hit::Drop, f.cause)),
                    OutageMode::Reject => Some((Hit::Reject(code), f.cause)),
                    OutageMode::Hang => None,
                },
                _ => None,
            }
        })?;
        self.nodes.stations[st.index()].note_outage_hit();
        self.blame(pid, cause);
        if T::ON {
            let msg = match self.topo.kind(st) {
                StationKind::Gateway => Msg::Gateway(ToGateway::Request),
                StationKind::Channel(_) => Msg::Channel(ToChannel::Request),
                StationKind::Issuer(_) => Msg::Issuer(ToIssuer::Request),
            };
            self.trace_outage_hit(pid, msg, st, h);
        }
        Some(h)
    }

    /// The trace of a message an outage stopped at a station: a reject-mode outage refuses
    /// with its code (not a drop); the others drop it.
    fn trace_outage_hit(&mut self, pid: PaymentId, msg: Msg, st: StationId, h: Hit) {
        match h {
            Hit::Reject(c) => self.trace(pid, |w| Step::Rejected {
                what: w.msg_name(pid, msg),
                kind: w.station_word(st),
                at: w.nodes.stations[st.index()].id.clone(),
                code: c,
            }),
            _ => self.trace(pid, |w| Step::Dropped {
                what: w.msg_name(pid, msg),
                at: w.nodes.stations[st.index()].id.clone(),
                reason: "outage",
            }),
        }
    }
}

//! Messages on links and requests at stations: the parts of the journey every node shares.

use crate::engine::Nanos;
use crate::engine::rng::unit;
use crate::model::PaymentId;
use crate::model::World;
use crate::model::cause;
use crate::model::event::NO_FAULT;
use crate::model::event::{Ev, Msg, ToChannel, ToGateway, ToIssuer};
use crate::model::faults::{keyed_chance, keyed_unit, path_key, purpose};
use crate::model::invariants::Violation;
use crate::model::payment::{AcquirerState as Acq, slot, used};
use crate::model::station::Admit;
use crate::model::station::JUNK;
use crate::model::topology::Topology;
use crate::model::topology::{Dir, LinkId, StationId, StationKind};
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
    /// Puts a message on a link, in a direction.
    #[inline]
    pub(in crate::model) fn send(&mut self, pid: PaymentId, via: LinkId, dir: Dir, msg: Msg) {
        if self.faults_on {
            self.send_faulted(pid, via, dir, msg);
        } else {
            self.send_via::<false>(pid, via, dir, msg);
        }
    }

    /// `send` when the scenario has faults (kept out of line: the fault-free path has no
    /// trace of the hook).
    #[inline(never)]
    fn send_faulted(&mut self, pid: PaymentId, via: LinkId, dir: Dir, msg: Msg) {
        self.send_via::<true>(pid, via, dir, msg);
    }

    #[inline(always)]
    fn send_via<const FAULTS: bool>(&mut self, pid: PaymentId, via: LinkId, dir: Dir, msg: Msg) {
        let now = self.q.now();
        // The payment's own draws for its first message on this link and direction.
        let hop = match via {
            LinkId::Terminal(_) => 0,
            LinkId::GatewayChannel(_) => 1,
            LinkId::ChannelIssuer(..) => 2,
        };
        let k = 2 * hop + dir as usize;
        let bit = used::LINK << k;
        let p = &mut self.arena[pid];
        let first = p.used & bit == 0;
        p.used |= bit;
        let own = if first {
            let (g, gserial) = (p.group as usize, p.path_serial());
            let words = self.nodes.groups[g].words;
            Some((
                move || words.word(gserial, slot::LATENCY + k),
                move || words.word(gserial, slot::LOSS + k),
            ))
        } else {
            None
        };
        let mut delay = self.nodes.link(via).traverse(now, dir, own);
        if FAULTS && delay.is_some() {
            // A fault that loses the message blames itself first (the loss below does not
            // replace it).
            delay = self.link_faults(pid, via, dir, k, first, msg, delay);
        }
        match delay {
            // A zero-latency hop is a function call: the message arrives now, before any other
            // event of this instant (the caller holds a reference to the payment).
            Some(0) => {
                if T::ON {
                    self.trace(pid, |w| Step::Sent {
                        what: w.msg_name(pid, msg),
                        to: msg.to().into(),
                    });
                }
                self.deliver(pid, msg);
            }
            Some(d) => {
                self.schedule(now.saturating_add(d), Ev::Deliver { pid, msg });
                if T::ON {
                    self.trace(pid, |w| Step::Sent {
                        what: w.msg_name(pid, msg),
                        to: msg.to().into(),
                    });
                }
            }
            None => {
                self.out.messages_lost += 1;
                self.blame(pid, cause::id::MESSAGE_LOSS);
                if T::ON {
                    self.trace(pid, |w| Step::Lost {
                        what: w.msg_name(pid, msg),
                        link: w.nodes.link_name(via).to_owned(),
                    });
                }
            }
        }
    }

    /// A message's name in the network's language (its ISO 8583 type: the terminal group's
    /// messages on its link, the payment's channel's beyond), for the trace only.
    pub(in crate::model) fn msg_name(&self, pid: PaymentId, msg: Msg) -> &'static str {
        let p = &self.arena[pid];
        let channel = self.s.channels.get(p.channel as usize).map(|c| c.flow);
        msg.name(
            self.s.terminal_messages(p.group as usize),
            channel.unwrap_or_default(),
        )
    }

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

    /// What a station is called in a sentence.
    pub(in crate::model) fn station_word(&self, st: StationId) -> &'static str {
        match self.topo.kind(st) {
            StationKind::Gateway => "gateway",
            StationKind::Channel(_) => "channel",
            StationKind::Issuer(_) => "issuer",
        }
    }

    /// 0 for the gateway, 1 for a channel, 2 for an issuer: the index of a payment's
    /// per-kind draws.
    #[inline(always)]
    fn station_kind_index(&self, st: StationId) -> usize {
        match self.topo.kind(st) {
            StationKind::Gateway => 0,
            StationKind::Channel(_) => 1,
            StationKind::Issuer(_) => 2,
        }
    }

    /// The faults on a link in a direction act on a message that the link itself delivered
    /// after `delay`: it may be lost (and by which cause), delayed more, or duplicated.
    #[allow(clippy::too_many_arguments)]
    #[inline(never)]
    fn link_faults(
        &mut self,
        pid: PaymentId,
        via: LinkId,
        dir: Dir,
        k: usize,
        first: bool,
        msg: Msg,
        delay: Option<Nanos>,
    ) -> Option<Nanos> {
        let list = self.faults.on_link(via, dir);
        if list.is_empty() {
            return delay;
        }
        let now = self.q.now();
        let p = self.arena[pid];
        let key = path_key(&p, self.topo.groups);
        let mut d = delay.unwrap_or(0);
        let mut dup = false;
        let mut struck = None;
        for i in 0..list.len() {
            let kf = self.faults.on_link(via, dir)[i] as usize;
            let f = &mut self.faults.all[kf];
            if !f.windows.active(now) {
                continue;
            }
            let draw = |f: &mut crate::model::faults::Fault, base: usize, prob: f64| {
                if first {
                    keyed_chance(f, key, base + k, prob)
                } else {
                    f.rng.chance(prob)
                }
            };
            match &f.effect {
                FaultEffect::Partition => {
                    let c = f.cause;
                    self.blame(pid, c);
                    return None;
                }
                FaultEffect::Loss { probability } => {
                    let pr = *probability;
                    if draw(f, purpose::LINK, pr) {
                        let c = f.cause;
                        self.blame(pid, c);
                        return None;
                    }
                }
                FaultEffect::Latency { added } => {
                    let extra = if first {
                        added.quantile_ns(keyed_unit(f, key, purpose::LINK_LATENCY + k))
                    } else {
                        let a = added.clone();
                        a.sample_ns(&mut f.rng)
                    };
                    d = d.saturating_add(extra);
                    struck = Some(f.cause);
                }
                FaultEffect::Duplicate { probability } => {
                    let pr = *probability;
                    dup |= draw(f, purpose::LINK_DUP, pr);
                }
                _ => {}
            }
        }
        if let Some(c) = struck {
            self.arena[pid].struck = c;
        }
        if dup {
            self.out.duplicates += 1;
            // The receiver recognises the copy by its trace number and answers nothing, but
            // spends a server's time on it.
            let at = match msg {
                Msg::Gateway(_) => Some(Topology::GATEWAY),
                Msg::Channel(_) => Some(self.topo.channel(p.channel)),
                Msg::Issuer(_) => Some(self.topo.issuer(p.issuer)),
                Msg::Terminal(_) => None,
            };
            if let Some(station) = at {
                self.schedule(
                    now.saturating_add(d),
                    Ev::Junk {
                        station,
                        fault: NO_FAULT,
                    },
                );
            }
        }
        Some(d)
    }

    /// Whether a message other than a request gets through a station (it is dropped if the
    /// station is down).
    #[inline]
    pub(in crate::model) fn reachable(&mut self, pid: PaymentId, st: StationId, msg: Msg) -> bool {
        self.station_hit(pid, st, msg).is_none()
    }

    /// A request (`msg`) reaches a station: served at once, queued, dropped or refused.
    #[inline]
    pub(in crate::model) fn request_at(&mut self, pid: PaymentId, st: StationId, msg: Msg) {
        let hit = self.station_hit(pid, st, msg);
        match hit {
            // A hung station has no working server until it recovers: the request queues.
            None | Some(Hit::Hang) => {
                let now = self.q.now();
                let service = self.service_time(pid, st);
                match self.nodes.stations[st.index()].arrive(now, pid, service) {
                    Admit::Started(end) => self.schedule(end, Ev::ServiceDone { station: st, pid }),
                    Admit::Queued => {
                        self.hold(pid); // its queue place
                        if T::ON {
                            self.trace(pid, |w| Step::Queued {
                                kind: w.station_word(st),
                                at: w.nodes.stations[st.index()].id.clone(),
                            });
                        }
                    }
                }
            }
            Some(Hit::Drop) => {}
            Some(Hit::Reject(c)) => self.reject(pid, st, c),
        }
    }

    /// The service a request needs at a station: the payment's own draw for this kind of
    /// station the first time, the station's stream for a repeat.
    #[inline]
    fn service_time(&mut self, pid: PaymentId, st: StationId) -> Nanos {
        let kind = self.station_kind_index(st);
        let bit = used::SERVICE << kind;
        let p = &mut self.arena[pid];
        let service = if p.used & bit == 0 {
            p.used |= bit;
            let u = unit(self.path_word(pid, slot::SERVICE + kind));
            self.nodes.stations[st.index()].service().quantile_ns(u)
        } else {
            self.nodes.stations[st.index()].own_service()
        };
        if self.faults_on && !self.faults.station[st.index()].is_empty() {
            self.slowed(pid, st, kind, service)
        } else {
            service
        }
    }

    /// A service time under the station's active slow faults: multiplied, then delayed.
    #[inline(never)]
    fn slowed(&mut self, pid: PaymentId, st: StationId, kind: usize, mut service: Nanos) -> Nanos {
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
    fn sync_message(&mut self, st: StationId, k: u16) {
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

    /// A lost-server window starts or ends: the station counts its servers again, and the
    /// queue moves on if some came back.
    #[inline(never)]
    pub(in crate::model) fn kick(&mut self, st: StationId) -> Result<(), crate::model::Violation> {
        let now = self.q.now();
        for (pid, end) in self.nodes.stations[st.index()].recount(now) {
            self.start_next(st, pid, end)?;
        }
        Ok(())
    }

    /// The station starts serving `pid` (a payment, or junk) until `end`.
    #[inline]
    fn start_next(&mut self, st: StationId, pid: PaymentId, end: Nanos) -> Result<(), Violation> {
        let (pid, end) = if self.guard_on && self.guard.shedding {
            match self.shed_queued(st, pid, end)? {
                Some(next) => next,
                None => return Ok(()),
            }
        } else {
            (pid, end)
        };
        if pid == JUNK {
            self.schedule(end, Ev::JunkDone { station: st });
            return Ok(());
        }
        self.schedule(end, Ev::ServiceDone { station: st, pid });
        self.release(pid) // its queue place
    }

    /// A junk request's service ends: the next in the queue starts.
    #[inline(never)]
    pub(in crate::model) fn junk_done(&mut self, st: StationId) -> Result<(), Violation> {
        let now = self.q.now();
        match self.nodes.stations[st.index()].depart(now) {
            Some((next, end)) => self.start_next(st, next, end),
            None => Ok(()),
        }
    }

    /// A station finishes a service: the next request in its queue starts, and this one goes
    /// on (unless the station went down meanwhile).
    pub(in crate::model) fn service_done(
        &mut self,
        st: StationId,
        pid: PaymentId,
    ) -> Result<(), crate::model::Violation> {
        let now = self.q.now();
        if let Some((next, end)) = self.nodes.stations[st.index()].depart(now) {
            self.start_next(st, next, end)?;
        }
        // A station that went down while serving loses the request (a hang does not: the
        // request was already being processed).
        if self.faults_on {
            match self.down_now(pid, st) {
                Some(Hit::Drop) => return Ok(()),
                Some(Hit::Reject(c)) => {
                    self.reject(pid, st, c);
                    return Ok(());
                }
                _ => {}
            }
        }
        if T::ON {
            self.trace(pid, |w| Step::Served {
                kind: w.station_word(st),
                at: w.nodes.stations[st.index()].id.clone(),
            });
        }
        match self.topo.kind(st) {
            StationKind::Gateway => self.risk_check(pid),
            StationKind::Channel(_) => self.channel_forward(pid),
            StationKind::Issuer(_) => self.issuer_decide(pid),
        }
        Ok(())
    }

    /// An outage (drop or reject) in force at a station now, for a request it finished
    /// serving.
    #[inline(never)]
    fn down_now(&mut self, pid: PaymentId, st: StationId) -> Option<Hit> {
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
            match h {
                // A reject-mode outage refuses with its code: not a drop.
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
        Some(h)
    }

    /// A down station in "reject" mode answers a request at once with its code (91 issuer or
    /// switch inoperative, 96 system malfunction), back towards the terminal.
    pub(in crate::model) fn reject(&mut self, pid: PaymentId, st: StationId, c91: u8) {
        use crate::model::event::ToTerminal;
        let p = self.arena[pid];
        let (via, msg) = match self.topo.kind(st) {
            StationKind::Gateway => {
                let q = &mut self.arena[pid];
                q.acquirer = Acq::Declined;
                q.code = c91;
                (
                    LinkId::Terminal(p.group),
                    Msg::Terminal(ToTerminal::Response(c91)),
                )
            }
            StationKind::Channel(c) => {
                self.arena[pid].set(crate::model::payment::Flags::CHANNEL_REFUSED);
                (
                    LinkId::GatewayChannel(c),
                    Msg::Gateway(ToGateway::Response(c91)),
                )
            }
            StationKind::Issuer(i) => (
                LinkId::ChannelIssuer(p.channel, i),
                Msg::Channel(ToChannel::Response(c91)),
            ),
        };
        self.send(pid, via, Dir::Down, msg);
    }
}

//! Upkeep strategies during a run (see `scenario::strategies::upkeep`): autoscaling of
//! stations, the support desk, the terminal's Luhn check, review SLAs, and store-and-forward
//! tuning (attempts, head-of-line blocking). Every hook here is out of line and called only
//! when `World::upkeep_on` (computed once per run) and its own setting say so, so a scenario
//! without upkeep strategies runs exactly as before and draws nothing more.

use crate::engine::Nanos;
use crate::engine::rng::chance;
use crate::model::PaymentId;
use crate::model::World;
use crate::model::event::Ev;
use crate::model::payment::slot;
use crate::model::topology::StationId;
use crate::model::trace::Tracer;
use crate::scenario::Scenario;
use crate::scenario::strategies::upkeep::AutoscaleSpec;

/// One autoscaled station's controller.
pub(in crate::model) struct Scaler {
    spec: AutoscaleSpec,
    /// Servers ordered and not yet working.
    pending: u32,
    /// The station's busy-server integral at the last check, and when that was.
    last_busy: u128,
    last_check: Nanos,
}

/// The per-run state of the upkeep strategies.
#[derive(Default)]
pub(in crate::model) struct Upkeep {
    /// Per station in report order; `None` where it does not scale.
    scalers: Vec<Option<Scaler>>,
    /// Store-and-forward: the queue is blocked by bad records until this time.
    saf_blocked_until: Nanos,
}

impl Upkeep {
    pub(in crate::model) fn new(s: &Scenario) -> Self {
        Upkeep {
            scalers: s
                .upkeep
                .autoscale
                .iter()
                .map(|a| {
                    a.clone().map(|spec| Scaler {
                        spec,
                        pending: 0,
                        last_busy: 0,
                        last_check: 0,
                    })
                })
                .collect(),
            saf_blocked_until: 0,
        }
    }
}

impl<T: Tracer> World<'_, T> {
    /// The first utilisation check of every autoscaled station.
    #[inline(never)]
    pub(in crate::model) fn schedule_upkeep_events(&mut self) {
        for i in 0..self.upkeep.scalers.len() {
            if let Some(sc) = &self.upkeep.scalers[i] {
                let at = sc.spec.check;
                if at <= self.horizon {
                    let station = self.topo.station(i);
                    self.schedule(at, Ev::ScaleCheck { station });
                }
            }
        }
    }

    /// A station's utilisation over the last check interval decides whether servers are
    /// ordered (working after the reaction delay) or removed (at once).
    #[inline(never)]
    pub(in crate::model) fn scale_check(
        &mut self,
        st: StationId,
    ) -> Result<(), crate::model::Violation> {
        let now = self.q.now();
        let station = &mut self.nodes.stations[st.index()];
        let busy = station.busy_integral(now);
        let working = station.working();
        let extra = station.extra();
        let in_window = now < self.s.traffic_window;
        let Some(sc) = self.upkeep.scalers[st.index()].as_mut() else {
            return Ok(());
        };
        let dt = now.saturating_sub(sc.last_check);
        let util = if working > 0 && dt > 0 {
            (busy - sc.last_busy) as f64 / (dt as f64 * working as f64)
        } else {
            f64::NAN // no server working (a hang): nothing to judge
        };
        sc.last_busy = busy;
        sc.last_check = now;
        let room = (sc.spec.max - sc.spec.base).saturating_sub(extra + sc.pending);
        let mut remove = 0;
        let mut order = 0;
        if util > sc.spec.above && room > 0 {
            order = sc.spec.step.min(room).min(u16::MAX as u32);
            sc.pending += order;
        } else if util < sc.spec.below && extra > 0 && sc.pending == 0 {
            remove = sc.spec.step.min(extra);
        }
        let (check, delay) = (sc.spec.check, sc.spec.delay);
        // Checks go on while traffic may come, and until the station is back to its base.
        let more = in_window || extra > remove || sc.pending > 0;
        if order > 0 {
            self.schedule(
                now.saturating_add(delay),
                Ev::ScaleUp {
                    station: st,
                    servers: order as u16,
                },
            );
        }
        if more && now.saturating_add(check) <= self.horizon {
            self.schedule(now.saturating_add(check), Ev::ScaleCheck { station: st });
        }
        if remove > 0 {
            self.nodes.stations[st.index()].set_extra(now, extra - remove);
            self.kick(st)?;
        }
        Ok(())
    }

    /// Ordered servers start working: the queue moves on to them.
    #[inline(never)]
    pub(in crate::model) fn scale_up(
        &mut self,
        st: StationId,
        n: u16,
    ) -> Result<(), crate::model::Violation> {
        let now = self.q.now();
        if let Some(sc) = self.upkeep.scalers[st.index()].as_mut() {
            sc.pending = sc.pending.saturating_sub(n as u32);
        }
        let station = &mut self.nodes.stations[st.index()];
        let extra = station.extra() + n as u32;
        station.set_extra(now, extra);
        self.out.scale_ups += 1;
        self.kick(st)
    }

    /// The terminal's Luhn check on a mis-keyed card number of payment `gserial` of group
    /// `g`: whether it catches it (the cardholder then keys the number again, correctly).
    #[inline(never)]
    pub(in crate::model) fn luhn_caught(&mut self, g: usize, gserial: u64) -> bool {
        let Some(p) = self.s.upkeep.luhn_catch else {
            return false;
        };
        let w = self.nodes.groups[g].words.word(gserial, slot::LUHN);
        let caught = chance(w, p);
        if caught {
            self.out.luhn_catches += 1;
        }
        caught
    }

    /// The card risk engine's review delay, capped by its SLA (an escalated review ends at
    /// the SLA; it is counted as a breach).
    #[inline(never)]
    pub(in crate::model) fn risk_review_capped(&mut self, delay: Nanos) -> Nanos {
        match self.s.upkeep.risk_review_sla {
            Some(sla) if delay > sla => {
                self.out.review_sla_breaches += 1;
                sla
            }
            _ => delay,
        }
    }

    /// A merchant-risk review: capped by its SLA, then shortened by the support desk the
    /// merchant contacts.
    #[inline(never)]
    pub(in crate::model) fn merchant_review_capped(&mut self, review: Nanos) -> Nanos {
        let review = match self.s.upkeep.merchant_review_sla {
            Some(sla) if review > sla => {
                self.out.review_sla_breaches += 1;
                sla
            }
            _ => review,
        };
        self.support_case(review)
    }

    /// A merchant whose payout was returned or held contacts the support desk: the case is
    /// settled after the desk's response time, or by the usual path if that is sooner.
    #[inline(never)]
    pub(in crate::model) fn support_case(&mut self, usual: Nanos) -> Nanos {
        match self.s.upkeep.support {
            Some(r) => {
                self.out.support_cases += 1;
                usual.min(r)
            }
            None => usual,
        }
    }

    /// Store-and-forward: whether the host may send another reversal for this payment (its
    /// attempts are not used up). A payment out of attempts is given up like an expired one.
    #[inline(never)]
    pub(in crate::model) fn saf_out_of_attempts(&mut self, sent: u32) -> bool {
        self.s.upkeep.saf_attempts.is_some_and(|a| sent >= a)
    }

    /// Store-and-forward head-of-line blocking: a reversal entering the queue may be a bad
    /// record, which blocks the queue for `unblock_after` once the records ahead of it have
    /// cleared (it is then moved aside, repaired, and sent like the others).
    #[inline(never)]
    pub(in crate::model) fn saf_enqueued(&mut self, pid: PaymentId) {
        let Some(b) = self.s.upkeep.saf_blocking.as_ref() else {
            return;
        };
        if chance(self.word(pid, slot::SAF_BAD_RECORD), b.bad_record_share) {
            let now = self.q.now();
            let from = self.upkeep.saf_blocked_until.max(now);
            self.upkeep.saf_blocked_until = from.saturating_add(b.unblock_after);
            self.out.saf_bad_records += 1;
        }
    }

    /// Whether the store-and-forward queue is blocked now: the time the send waits for.
    #[inline(never)]
    pub(in crate::model) fn saf_blocked(&mut self) -> Option<Nanos> {
        self.s.upkeep.saf_blocking.as_ref()?;
        let until = self.upkeep.saf_blocked_until;
        (self.q.now() < until).then(|| {
            self.out.saf_blocked += 1;
            until
        })
    }
}

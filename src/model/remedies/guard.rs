//! Circuit breakers, bulkheads, load shedding and failover (see `scenario::strategies::guard`).
//!
//! Everything here runs only when the scenario switches a guard on (`World::guard` is `Some`,
//! decided once per run): the journey calls in through a handful of hooks, each behind that
//! check, and the functions are out of line. The only random draws are the echoes' (their own named
//! streams, `guard/echo/<channel>/...`): a design without health checks draws nothing more.
//!
//! A *call* is one request from a caller to a callee: the acquirer to a channel (the channel's
//! bulkhead, the acquirer's breaker for the channel, observed failover), or a channel to an
//! issuer (the issuer's bulkhead, the channel's breaker for the issuer). A call ends with the
//! callee's answer, or at the caller's timeout (the acquirer's `acquirer_timeout`, the
//! channel's `issuer_timeout`), or at the payment's deadline (the terminal's: sale +
//! `terminal_timeout`) when the caller has none. It failed if it timed out or was answered 91
//! or 96.

use crate::model::PaymentId;

/// The guards' state (`World::guard`), in a hook that runs only when a guard is on; borrows
/// that field alone, so the world's other fields stay at hand.
macro_rules! on {
    ($w:ident) => {
        match $w.guard.as_mut() {
            Some(g) => g,
            None => unreachable!("a guard hook ran with no guard on"),
        }
    };
}

/// The same, read only.
macro_rules! on_ref {
    ($w:ident) => {
        match $w.guard.as_ref() {
            Some(g) => g,
            None => unreachable!("a guard hook ran with no guard on"),
        }
    };
}

mod acquirer_call;
mod channel_call;
mod health;
mod shed;

use super::breaker::{Breaker, State};
use crate::engine::{Nanos, Stream};
use crate::model::World;
use crate::model::event::Ev;
use crate::model::trace::Tracer;
use crate::scenario::Scenario;
use crate::scenario::strategies::guard::FailoverMode;
use health::{EchoRng, Health};

/// Bits of a payment's calls (see [`Guard::calls`]).
mod bit {
    /// A call from the acquirer to the payment's channel is open.
    pub const ACQ_OPEN: u8 = 1;
    /// It is a half-open breaker's trial call.
    pub const ACQ_TRIAL: u8 = 2;
    /// It probes a channel marked down by observed failures.
    pub const ACQ_PROBE: u8 = 4;
    /// A call from the channel to the payment's issuer is open.
    pub const CHAN_OPEN: u8 = 8;
    pub const CHAN_TRIAL: u8 = 16;
    /// The payment's deadline event is scheduled.
    pub const EXPIRE: u8 = 32;
}

/// The step of a health-check echo that `Ev::Echo` carries: send it, or judge it answered in
/// time or failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(in crate::model) enum EchoStep {
    Send,
    Ok,
    Failed,
}

/// How a call ended, for the caller's breaker and for observed failover.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum CallEnd {
    /// Answered, and not with a failure.
    Ok,
    /// Answered 91 or 96 from behind the callee: a failure for the breaker only.
    Failed,
    /// Timed out, or refused by the callee itself: a failure for the breaker and for
    /// observed failover.
    CalleeFailed,
}

impl CallEnd {
    /// A failure for the caller's breaker.
    fn failed(self) -> bool {
        self != CallEnd::Ok
    }
}

/// The guards' state in one run.
pub(in crate::model) struct Guard {
    pub shedding: bool,
    /// Per arena slot: (the payment's serial, its call bits). A slot reused by another
    /// payment reads as no bits.
    calls: Vec<(u64, u8)>,
    chan_in_flight: Vec<u32>,
    iss_in_flight: Vec<u32>,
    acq_breakers: Vec<Breaker>,
    /// Per channel and issuer, `[c * issuers + i]`.
    pair_breakers: Vec<Breaker>,
    issuers: usize,
    health: Vec<Health>,
    /// Per channel: announced outage windows `[start, end)`, sorted.
    announced: Vec<Vec<(Nanos, Nanos)>>,
    echo: Vec<EchoRng>,
}

impl Guard {
    pub fn new(s: &Scenario, faults: &crate::model::faults::Faults, master: u64, run: u64) -> Self {
        let g = &s.strategy.guard;
        let nc = s.channels.len();
        let ni = s.issuers.len();
        let (acq, pair) = match &g.breaker {
            Some(b) => (
                if b.at_acquirer() {
                    (0..nc).map(|_| Breaker::new(b)).collect()
                } else {
                    vec![]
                },
                if b.at_channel() {
                    (0..nc * ni).map(|_| Breaker::new(b)).collect()
                } else {
                    vec![]
                },
            ),
            None => (vec![], vec![]),
        };
        let mut announced = vec![vec![]; nc];
        if g.failover.announced {
            for &(k, c) in &g.announced {
                announced[c].extend_from_slice(faults.all[k].windows.list());
            }
            for a in &mut announced {
                a.sort_unstable();
            }
        }
        let echo = if g.failover.mode == FailoverMode::HealthCheck {
            s.channels
                .iter()
                .map(|c| {
                    let id = &c.station.id;
                    EchoRng {
                        up: Stream::new(master, run, &format!("guard/echo/{id}/up")),
                        down: Stream::new(master, run, &format!("guard/echo/{id}/down")),
                    }
                })
                .collect()
        } else {
            vec![]
        };
        Guard {
            shedding: g.shedding,
            calls: vec![],
            chan_in_flight: vec![0; nc],
            iss_in_flight: vec![0; ni],
            acq_breakers: acq,
            pair_breakers: pair,
            issuers: ni,
            health: (0..nc).map(|_| Health::default()).collect(),
            announced,
            echo,
        }
    }

    fn bits(&self, pid: PaymentId, serial: u64) -> u8 {
        match self.calls.get(pid.index()) {
            Some(&(s, b)) if s == serial => b,
            _ => 0,
        }
    }

    fn set_bits(&mut self, pid: PaymentId, serial: u64, b: u8) {
        let i = pid.index();
        if i >= self.calls.len() {
            self.calls.resize(i + 1, (u64::MAX, 0));
        }
        self.calls[i] = (serial, b);
    }

    fn announced_at(&self, c: usize, t: Nanos) -> bool {
        let w = &self.announced[c];
        let i = w.partition_point(|x| x.0 <= t);
        i > 0 && t < w[i - 1].1
    }
}

impl<T: Tracer> World<'_, T> {
    fn call_bits(&self, pid: PaymentId) -> u8 {
        on_ref!(self).bits(pid, self.arena[pid].serial)
    }

    fn put_bits(&mut self, pid: PaymentId, b: u8) {
        let serial = self.arena[pid].serial;
        on!(self).set_bits(pid, serial, b);
    }

    /// The deadline of a payment's calls: the acquirer's timeout for its first request if it
    /// has one, else the terminal's.
    fn deadline(&self, pid: PaymentId) -> Nanos {
        let p = &self.arena[pid];
        p.t_sale.saturating_add(self.s.strategy.terminal_timeout)
    }

    /// Makes sure the payment's deadline event is scheduled.
    fn ensure_expire(&mut self, pid: PaymentId, at: Nanos) {
        let b = self.call_bits(pid);
        if b & bit::EXPIRE == 0 {
            self.put_bits(pid, b | bit::EXPIRE);
            let at = at.max(self.q.now());
            self.schedule(at, Ev::GuardExpire { pid });
        }
    }

    /// The payment's deadline: every call still open failed.
    #[inline(never)]
    pub(in crate::model) fn guard_expire(&mut self, pid: PaymentId) {
        let b = self.call_bits(pid);
        self.put_bits(pid, b & !bit::EXPIRE);
        if b & bit::ACQ_OPEN != 0 {
            self.end_acq_call(pid, CallEnd::CalleeFailed);
        }
        if b & bit::CHAN_OPEN != 0 {
            self.end_chan_call(pid, CallEnd::CalleeFailed);
        }
    }

    /// At the end of the run: time still marked down or not closed counts up to the horizon.
    #[inline(never)]
    pub(in crate::model) fn guard_finish(&mut self) {
        let end = self.horizon;
        for h in &on_ref!(self).health {
            if h.down {
                self.out.channel_down_time += end.saturating_sub(h.since);
            }
        }
        let g = on_ref!(self);
        for b in g.acq_breakers.iter().chain(&g.pair_breakers) {
            if b.state != State::Closed {
                self.out.breaker_open_time += end.saturating_sub(b.since);
            }
        }
    }
}

impl<T: Tracer> World<'_, T> {
    /// Whether the acquirer's breaker for channel `c` would refuse a call now.
    pub(super) fn breaker_refuses(&self, c: usize, now: Nanos) -> bool {
        match (
            &self.s.strategy.guard.breaker,
            on_ref!(self).acq_breakers.get(c),
        ) {
            (Some(spec), Some(b)) => b.refuses(now, spec),
            _ => false,
        }
    }

    /// Counts a breaker's move: opened, or closed after this long not closed.
    pub(super) fn breaker_moved(&mut self, opened: bool, closed_after: Nanos) {
        if opened {
            self.out.breaker_opens += 1;
        }
        self.out.breaker_open_time += closed_after;
    }
}

//! The count-based circuit breaker, as a pure state machine: it is asked whether a call may
//! go (`admit`, `refuses`) and told each call's result (`record`), and knows nothing of the
//! world. The guards (`remedies::guard`) keep one per caller and callee, and count what it does.

use crate::engine::Nanos;
use crate::scenario::strategies::guard::BreakerSpec;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum State {
    Closed,
    Open,
    HalfOpen,
}

pub(super) enum Admit {
    Yes,
    Trial,
    No,
}

/// A count-based circuit breaker.
pub(super) struct Breaker {
    pub(super) state: State,
    opened_at: Nanos,
    /// Since when it has not been closed (open or half-open).
    pub(super) since: Nanos,
    ring: Vec<bool>,
    pos: usize,
    n: usize,
    fails: usize,
    permits: u32,
    pending: u32,
    /// The cause of the last failure it recorded: blamed for its fast fails.
    pub(super) cause: u8,
}

impl Breaker {
    pub(super) fn new(spec: &BreakerSpec) -> Self {
        Breaker {
            state: State::Closed,
            opened_at: 0,
            since: 0,
            ring: vec![false; spec.window as usize],
            pos: 0,
            n: 0,
            fails: 0,
            permits: 0,
            pending: 0,
            cause: 0,
        }
    }

    /// Whether a call now would be refused (without taking a permit).
    pub(super) fn refuses(&self, now: Nanos, spec: &BreakerSpec) -> bool {
        match self.state {
            State::Closed => false,
            State::Open => now < self.opened_at.saturating_add(spec.open_for),
            State::HalfOpen => self.permits == 0,
        }
    }

    pub(super) fn admit(&mut self, now: Nanos, spec: &BreakerSpec) -> Admit {
        if self.state == State::Open && now >= self.opened_at.saturating_add(spec.open_for) {
            self.state = State::HalfOpen;
            self.permits = spec.half_open_calls;
            self.pending = 0;
        }
        match self.state {
            State::Closed => Admit::Yes,
            State::Open => Admit::No,
            State::HalfOpen if self.permits > 0 => {
                self.permits -= 1;
                self.pending += 1;
                Admit::Trial
            }
            State::HalfOpen => Admit::No,
        }
    }

    /// A trial permit taken but not used (the call was refused by a bulkhead).
    pub(super) fn give_back(&mut self) {
        if self.state == State::HalfOpen && self.pending > 0 {
            self.pending -= 1;
            self.permits += 1;
        }
    }

    fn clear(&mut self) {
        self.ring.iter_mut().for_each(|b| *b = false);
        (self.pos, self.n, self.fails) = (0, 0, 0);
    }

    /// Records a call's result; returns (opened now, time it spent not closed if it closed).
    pub(super) fn record(
        &mut self,
        now: Nanos,
        failed: bool,
        trial: bool,
        cause: u8,
        spec: &BreakerSpec,
    ) -> (bool, Nanos) {
        if failed && cause != 0 {
            self.cause = cause;
        }
        match self.state {
            State::Closed if !trial => {
                if self.n == self.ring.len() {
                    self.fails -= self.ring[self.pos] as usize;
                } else {
                    self.n += 1;
                }
                self.ring[self.pos] = failed;
                self.fails += failed as usize;
                self.pos = (self.pos + 1) % self.ring.len();
                if self.n >= spec.min_calls as usize
                    && self.fails as f64 >= spec.failure_rate * self.n as f64
                {
                    self.state = State::Open;
                    self.opened_at = now;
                    self.since = now;
                    self.clear();
                    return (true, 0);
                }
                (false, 0)
            }
            State::HalfOpen if trial => {
                self.pending = self.pending.saturating_sub(1);
                if failed {
                    self.state = State::Open;
                    self.opened_at = now;
                    return (true, 0);
                }
                if self.permits == 0 && self.pending == 0 {
                    self.state = State::Closed;
                    self.clear();
                    return (false, now - self.since);
                }
                (false, 0)
            }
            _ => (false, 0),
        }
    }
}

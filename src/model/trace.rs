//! Per-payment traces: the story of one payment, step by step.
//!
//! The simulation is generic over a [`Tracer`]. With [`NoTrace`] (`ON = false`) every trace
//! call is behind `if T::ON`, a constant, so the compiler removes it: tracing off costs nothing.

use crate::engine::Nanos;

/// One step of a payment's journey.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    Created {
        amount: i64,
        group: String,
        fraud: bool,
        payable: bool,
    },
    Sent {
        what: &'static str,
        to: String,
    },
    Lost {
        what: &'static str,
        link: String,
    },
    Dropped {
        what: &'static str,
        at: String,
        reason: &'static str,
    },
    Queued {
        at: String,
    },
    Served {
        at: String,
    },
    Decided {
        at: String,
        code: u8,
    },
    Answered {
        code: u8,
    },
    LateAnswer {
        code: u8,
    },
    TimedOut,
    Held,
    Released,
    Cleared,
    Settled {
        on_time: bool,
    },
    HoldExpired,
    /// The acquirer host acknowledged the terminal's reversal and stored it for delivery.
    SafQueued,
    /// The host repeats its stored reversal (0421).
    SafRepeat,
    /// The issuer side acknowledged the host's reversal.
    SafAcked,
    /// The host gave up its stored reversal after the expiry.
    SafExpired,
    /// The payout to the merchant's account was returned and waits in suspense.
    PayoutReturned,
    /// Something happened that one fixed sentence tells.
    Note(&'static str),
    /// Something happened that a sentence built at run time tells (naming a component).
    Says(String),
    /// The acquirer refused a response that came after it had given up (68).
    Refused {
        code: u8,
    },
    /// The acquirer sent the request to the backup channel.
    FailedOver {
        to: String,
    },
    /// The cause the outcome is counted against (its name in the results).
    Cause {
        name: String,
        /// What the cause means (for a fault: its kind and what it struck).
        meaning: String,
    },
    /// The three views at the end: the till, the cardholder's money, the merchant's money.
    Views {
        till: String,
        cardholder: &'static str,
        merchant: &'static str,
    },
    Outcome {
        outcome: &'static str,
    },
}

pub trait Tracer {
    /// `false` compiles every trace call away.
    const ON: bool;
    /// Whether payment `serial` is traced (asked once, when it is created).
    fn wants(&self, serial: u64) -> bool;
    fn record(&mut self, t: Nanos, serial: u64, step: Step);
    /// `true` makes the dispatch loop hand [`Tracer::sample`] a snapshot of the world at fixed
    /// instants (see `model::probe`); `false` compiles the sampling away.
    const SAMPLES: bool = false;
    /// A snapshot of the world (only called when `SAMPLES`).
    fn sample(&mut self, _snap: &super::probe::Snapshot) {}
    /// How many evenly spaced instants over the horizon to sample (only read when `SAMPLES`).
    fn sample_points(&self) -> usize {
        super::probe::DEFAULT_POINTS
    }
}

/// Tracing off.
pub struct NoTrace;

impl Tracer for NoTrace {
    const ON: bool = false;
    #[inline(always)]
    fn wants(&self, _: u64) -> bool {
        false
    }
    #[inline(always)]
    fn record(&mut self, _: Nanos, _: u64, _: Step) {}
}

/// Records the steps of a chosen set of payments.
#[derive(Default)]
pub struct Recorder {
    pub serials: Vec<u64>,
    /// Trace every payment (for small scenarios and tests).
    pub all: bool,
    pub steps: Vec<(Nanos, u64, Step)>,
}

impl Tracer for Recorder {
    const ON: bool = true;
    fn wants(&self, serial: u64) -> bool {
        self.all || self.serials.contains(&serial)
    }
    fn record(&mut self, t: Nanos, serial: u64, step: Step) {
        if self.wants(serial) {
            self.steps.push((t, serial, step));
        }
    }
}

/// Finds the first payment (in simulated time) to end with a given outcome. Every payment is
/// "wanted" until one is found, so the search run is slower than a normal one; replaying the
/// same run with a [`Recorder`] for that payment then tells its story (runs are deterministic).
pub struct OutcomeFinder {
    pub outcome: &'static str,
    pub found: Option<u64>,
}

impl Tracer for OutcomeFinder {
    const ON: bool = true;
    fn wants(&self, _: u64) -> bool {
        self.found.is_none()
    }
    fn record(&mut self, _: Nanos, serial: u64, step: Step) {
        if matches!(step, Step::Outcome { outcome } if outcome == self.outcome)
            && self.found.is_none()
        {
            self.found = Some(serial);
        }
    }
}

//! Per-payment traces: the story of one payment, step by step.
//!
//! The simulation is generic over a [`Tracer`]. With [`NoTrace`] (`ON = false`) every trace
//! call is behind `if T::ON`, a constant, so the compiler removes it: tracing off costs nothing.

use crate::engine::Nanos;
use crate::model::ledger::Account;

/// Every name a message of the trace can have: its ISO 8583 message type and what it is (a QR
/// aggregator's API calls beyond the acquirer: `Msg::qr_name`). The
/// story reads each as the catalogue key `trace.what.<name, spaces as _>`.
pub const MESSAGE_NAMES: [&str; 29] = [
    "0100 request",
    "0110 response",
    "0200 request",
    "0210 response",
    "0400 reversal",
    "0401 repeat reversal",
    "0410 reversal ack",
    "0420 reversal",
    "0421 repeat reversal",
    "0420 reversal 68",
    "0430 reversal ack",
    "0120 stand-in advice",
    "0121 repeat stand-in advice",
    "0130 advice ack",
    "0220 stand-in advice",
    "0221 repeat stand-in advice",
    "0230 advice ack",
    "0200 void",
    "0210 void response",
    "0220 refund",
    "0230 refund response",
    "0200 completion",
    "0210 completion response",
    "QR order",
    "QR wallet debit",
    "QR wallet result",
    "QR payment notification",
    "QR cancel order",
    "QR cancel result",
];

/// One step of a payment's journey.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    Created {
        amount: i64,
        group: String,
        fraud: bool,
        payable: bool,
        /// The issuer's and the channel's station ids.
        issuer: String,
        channel: String,
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
    /// A station in a reject-mode outage refuses the message at once with `code`.
    Rejected {
        what: &'static str,
        /// The station's kind: "gateway", "channel" or "issuer".
        kind: &'static str,
        at: String,
        code: u8,
    },
    /// A hung station holds the request until it recovers.
    Hangs {
        kind: &'static str,
        at: String,
    },
    Queued {
        kind: &'static str,
        at: String,
    },
    Served {
        kind: &'static str,
        at: String,
    },
    /// A decision with a response code. `by`: "issuer" (station `at`), "gateway", "risk",
    /// "breaker" or "bulkhead" (the acquirer's own refusals).
    Decided {
        by: &'static str,
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
    /// The issuer side acknowledged the host's own stored reversal (0430).
    SafAcked,
    /// The issuer acknowledged the reversal that `by` ("channel" or "acquirer") sent itself,
    /// without store-and-forward (0430); the acknowledgement goes no further.
    ReversalAcked {
        by: &'static str,
    },
    /// The host gave up its stored reversal after the expiry.
    SafExpired,
    /// The payout to the merchant's account was returned and waits in suspense.
    PayoutReturned,
    /// Money moved for this payment: one posting of the ledger.
    Posting {
        from: Account,
        to: Account,
        amount: i64,
    },
    /// The presentment found the issuer's hold and the issuer paid it.
    Presented,
    /// Something happened that one fixed sentence tells: the sentence's catalogue key
    /// (`trace.note.*` in `src/i18n/<lang>/trace.toml`).
    Note(&'static str),
    /// Something happened that a sentence with values tells: its catalogue key (`trace.says.*`)
    /// and its named arguments.
    Says(&'static str, Vec<(&'static str, String)>),
    /// A response reached `by` ("acquirer" or "channel") after it had given up: it is not
    /// passed on, and `then` says what becomes of it (a key of `trace.late.<by>`): "dropped"
    /// (not an approval), "reversed" (an approval, reversed with reason 68, response received
    /// too late), "stored" (an approval the acquirer's stored reversal undoes), "declined" (a
    /// second answer, an approval, for a sale the acquirer declined: reversed) or "stood_in"
    /// (an approval after the channel stood in).
    LateResponse {
        by: &'static str,
        code: u8,
        then: &'static str,
    },
    /// A fixed sentence (its catalogue key) with one response code, `{code}`, read in the
    /// payment's channel's code set.
    Coded(&'static str, u8),
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
    /// Another cause that struck the payment, not the one its outcome is counted against.
    AlsoCause {
        name: String,
    },
    /// The three views at the end: the till, the cardholder's money, the merchant's money.
    /// `till`: the code the till showed (None: no answer); `cardholder` and `merchant`: keys
    /// of `trace.view.cardholder.*` and `trace.view.merchant.*`.
    Views {
        till: Option<u8>,
        till_ok: bool,
        cardholder: &'static str,
        merchant: &'static str,
    },
    /// The outcome, recorded when it became final (or, `at_end`, when observation ended).
    Outcome {
        outcome: &'static str,
        /// Judged at the end of observation rather than when the payment's life ended.
        at_end: bool,
        /// Declined although the payment was payable.
        false_decline: bool,
        /// What the merchant was credited.
        credited: i64,
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
    /// `true` once the tracer has everything it wants: the replay ends there, and its output
    /// covers the run only up to that point, unchecked by the end-of-run invariants (asked
    /// after each event, only when `ON`; a tracer that samples runs to the end).
    fn enough(&self) -> bool {
        false
    }
    /// A snapshot of the world (only called when `SAMPLES`).
    fn sample(&mut self, _snap: &super::probe::Snapshot) {}
    /// How many evenly spaced instants over the horizon to sample (only read when `SAMPLES`).
    fn sample_points(&self) -> usize {
        super::probe::DEFAULT_POINTS
    }
    /// A sale was made at `t_sale` (`repeat`: a cardholder paying again). Only when `SAMPLES`.
    fn sale(&mut self, _t_sale: Nanos, _repeat: bool) {}
    /// The till of the sale made at `t_sale` showed a system failure
    /// (`payment::code::is_system_failure`). Only when `SAMPLES`.
    fn till_failure(&mut self, _t_sale: Nanos) {}
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
    /// End the replay once every chosen payment has its outcome (nothing more is recorded for
    /// a payment after it): a replay for stories, which needs nothing else of the run. Off, the
    /// run goes to its end (a developer replaying up to a violation needs the violation).
    pub stop_when_done: bool,
    /// How many of the chosen payments have their outcome recorded (the recorder counts).
    pub done: usize,
}

impl Recorder {
    /// A recorder of `serials` that ends the replay when it has them all.
    pub fn stopping(serials: Vec<u64>) -> Self {
        Recorder {
            serials,
            stop_when_done: true,
            ..Recorder::default()
        }
    }
}

/// The catalogue key of the note that ends a superseded attempt's steps (instead of an
/// outcome).
pub const SUPERSEDED: &str = "trace.note.outcome_this_attempt_was_superseded";

impl Tracer for Recorder {
    const ON: bool = true;
    fn wants(&self, serial: u64) -> bool {
        self.all || self.serials.contains(&serial)
    }
    fn record(&mut self, t: Nanos, serial: u64, step: Step) {
        if self.wants(serial) {
            if matches!(step, Step::Outcome { .. } | Step::Note(SUPERSEDED)) {
                self.done += 1;
            }
            self.steps.push((t, serial, step));
        }
    }
    fn enough(&self) -> bool {
        self.stop_when_done && !self.all && self.done >= self.serials.len()
    }
}

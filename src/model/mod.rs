//! The payment network: its components and the journey of a payment through them, on top of
//! the domain-free engine.
//!
//! - [`world`]: the world of one run (nodes, payments in flight, books) and its construction;
//! - [`event`]: the events and the dispatch loop; [`journey`]: the handlers, one file per part
//!   of the path (terminal, gateway, channel, issuer, settlement, outcome);
//! - [`faults`]: the scenario's faults in a run and where they strike (stations, links, a
//!   payment's terminal, account or merchant); [`remedies`]: what a design switches on against
//!   them (guards and the circuit breaker, retries, upkeep);
//! - [`cause`]: why a payment did not settle on time;
//! - [`topology`]: typed ids of stations, links and routes; [`link`]: network links;
//! - [`payment`]: one payment's state, facts ([`payment::Flags`]) and response codes;
//!   [`lifetime`]: the arena of payments in flight, indexed by [`PaymentId`],
//!   and the references that keep them there;
//! - [`arrivals`]: traffic from terminal groups; [`station`]: FIFO multi-server queues;
//! - [`accounts`]: cardholder accounts and the issuer's decision;
//! - [`ledger`]: double-entry postings; [`clearing`]: batches awaiting settlement;
//! - [`invariants`]: what every run must satisfy; [`trace`]: the step-by-step story of chosen
//!   payments; [`probe`]: snapshots of balances and stations over a run (for charts);
//! - [`output`]: what one run measured (the result the metrics read).

pub mod accounts;
pub mod arrivals;
pub mod cause;
mod clearing;
mod event;
pub mod faults;
pub mod invariants;
mod journey;
pub mod ledger;
mod lifetime;
mod link;
pub mod output;
pub mod payment;
pub mod probe;
mod remedies;
pub mod station;
pub mod topology;
pub mod trace;
mod world;

pub use invariants::{Invariant, Violation};
pub use lifetime::PaymentId;
pub use output::{Outcome, RunOutput, StationStats};
pub use trace::{NoTrace, Recorder, Step, Tracer};

use crate::scenario::Scenario;
use world::World;

/// Why a run could not complete.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// A named invariant failed: a bug in the simulator (exit 1).
    #[error(transparent)]
    Invariant(#[from] Violation),
    /// A table of the scenario does not fit in the memory at hand (bad input: exit 2).
    #[error(
        "not enough memory for {what} ({bytes} bytes); reduce the account pools \
         (issuers.accounts.count) or run fewer worker threads (--threads)"
    )]
    Memory { what: String, bytes: u64 },
    /// A stop was asked for (SIGINT, SIGTERM) during the run: it has no result.
    #[error("interrupted")]
    Interrupted,
}

/// Whether approved sales can be folded into their clearing batch's totals (the memory of a
/// run then stays flat in its traffic); otherwise each stays a whole payment until it is
/// paid out. A scenario whose wrong-account faults may strike keeps them whole too (as the
/// run does when a fault's window is drawn: see `World::new`).
pub fn folds_sales(s: &Scenario) -> bool {
    let wrong_details = s.faults.iter().any(
        |f| matches!(f.effect, crate::scenario::FaultEffect::WrongAccount { share } if share > 0.0),
    );
    world::retire_ok(s) && !wrong_details && !remedies::retry::Retries::new(s).on
}

/// Simulates run `run` of `scenario` under `master` seed, tracing with `tracer`.
///
/// Deterministic: the result depends only on `(scenario, master, run)`.
pub fn simulate<T: Tracer>(
    scenario: &Scenario,
    master: u64,
    run: u64,
    tracer: &mut T,
) -> Result<RunOutput, RunError> {
    World::new(scenario, master, run, tracer)?.run()
}

//! The journey of a payment, split by where it happens. Each file is an `impl World` block for
//! one part of the path, so the hot path stays statically dispatched:
//!
//! - [`network`]: messages on links, stations' queues and outages;
//! - [`terminal`]: the sale, the answer at the till, the timeout and the terminal's reversals;
//! - [`gateway`]: the acquirer's gateway, risk engine and routing, and what it believes;
//! - [`channel`]: the card-scheme switch or third-party channel;
//! - [`issuer`]: the issuing bank's decision and reversals;
//! - [`settlement`]: clearing batches and files at each cut-off, presentments, and the T+N
//!   interbank settlement;
//! - [`payout`]: the payout to the merchant (T+N or D+0), merchant risk holds, maintenance
//!   windows, returned payouts and chargebacks;
//! - [`struck`]: faults that strike a payment through its terminal, account, merchant or a
//!   card risk rule;
//! - [`reconcile`]: reconciliation runs that find and repair breaks;
//! - [`retry`]: request retries, idempotency keys, and the cardholder who pays again;
//! - [`outcome`]: the outcome of each payment and the end of the run.

mod channel;
mod gateway;
pub(in crate::model) mod guard;
mod issuer;
mod network;
mod outcome;
mod payout;
pub(super) mod reconcile;
pub(super) mod retry;
mod settlement;
mod struck;
mod terminal;
pub(super) mod upkeep;

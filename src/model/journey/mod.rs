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
//! - [`fees`]: the split of a payout into the merchant's net and the fees (`[fees]`);
//! - [`payout`]: the payout to the merchant (T+N or D+0), merchant risk holds, maintenance
//!   windows, returned payouts and chargebacks;
//! - [`rail`]: the payout channel's orders (代付): status unknown, inquiries, re-sends and
//!   duplicate payouts;
//! - [`returns`]: a payout to a wrong account coming back, at once or after its delay;
//! - [`reconcile`]: reconciliation runs that find and repair breaks;
//! - [`qr`]: QR payments through an aggregator: lost notifications, status queries;
//! - [`txn`]: the merchant's voids and refunds (`[transactions]`);
//! - [`disputes`]: retrieval requests, chargebacks by reason and representment (`[disputes]`);
//! - [`outcome`]: the outcome of each payment and the end of the run.
//!
//! The faults that strike on the way live in `model::faults`, the remedies a design switches
//! on (guards, retries, upkeep) in `model::remedies`.

mod channel;
pub(super) mod disputes;
mod fees;
mod gateway;
mod issuer;
mod network;
mod outcome;
mod payout;
pub(super) mod qr;
pub(super) mod rail;
pub(super) mod reconcile;
mod returns;
mod settlement;
mod terminal;
pub(super) mod txn;

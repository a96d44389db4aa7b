//! The journey of a payment, split by where it happens. Each file is an `impl World` block for
//! one part of the path, so the hot path stays statically dispatched:
//!
//! - [`network`]: messages on links, stations' queues and outages;
//! - [`terminal`]: the sale, the answer at the till, the timeout and the terminal's reversals;
//! - [`gateway`]: the acquirer's gateway, risk engine and routing, and what it believes;
//! - [`channel`]: the card-scheme switch or third-party channel;
//! - [`issuer`]: the issuing bank's decision and reversals;
//! - [`settlement`]: clearing batches at each cut-off and the T+N credit;
//! - [`outcome`]: the outcome of each payment and the end of the run.

mod channel;
mod gateway;
mod issuer;
mod network;
mod outcome;
mod settlement;
mod terminal;

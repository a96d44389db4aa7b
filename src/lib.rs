//! payfault: an end-to-end discrete-event simulator of card payment networks.
//!
//! The modules are layered, each using only those before it: [`engine`] < [`scenario`] <
//! [`model`] < [`metrics`] < [`runner`] < [`check`] and [`report`] (report reads check's
//! results) < [`cli`]. [`atomic`] (all-or-nothing output) and [`i18n`] (the message catalogue)
//! use none of them, and any may use them. `tests/layout.rs` keeps the rule. What reading a
//! scenario cannot settle alone (`[expect]`'s metric names, a timeout given as a percentile) is
//! left pending and settled by [`runner::prepare`]; see docs/ARCHITECTURE.md.
pub mod atomic;
pub mod check;
pub mod cli;
pub mod engine;
pub mod i18n;
pub mod metrics;
pub mod model;
pub mod report;
pub mod runner;
pub mod scenario;

//! payfault: an end-to-end discrete-event simulator of card payment networks.
//!
//! The modules are layered, each using only those before it: [`engine`] < [`scenario`] <
//! [`model`] < [`metrics`] < [`runner`] < [`check`] and [`report`] (report reads check's
//! results) < [`cli`]. [`atomic`] (all-or-nothing output) and [`i18n`] (the message catalogue)
//! use none of them, and any may use them. Three uses still run the other way: the model fills
//! the metrics' run output, scenario validation reads the metric catalogue, and a terminal
//! timeout given as a percentile is found by a pilot run while the scenario is read.
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

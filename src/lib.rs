//! payfault: an end-to-end discrete-event simulator of card payment networks.
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

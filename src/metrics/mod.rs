//! Metrics: what one run measured ([`run`], filled by the model), the catalogue of named metrics read from it
//! ([`catalogue`]), their summaries across runs ([`stats`]) and the result of a batch
//! ([`batch`]), which every report reads.

pub mod applies;
pub mod batch;
pub mod catalogue;
pub mod comparison;
pub mod costs;
pub mod expect;
pub mod interval;
pub mod stats;
pub mod verdict;

/// What one run measured lives with the model that fills it; re-exported under its old name.
pub use crate::model::output as run;
pub use crate::model::output::{
    AUTH_LATENCY_MAX_US, HIST_SIGFIG, Outcome, RunOutput, SETTLE_DELAY_MAX_MS, StationStats,
    latency_histogram, settle_histogram,
};
pub use batch::{BatchResult, Folder};
pub use catalogue::{CAUSES, Catalogue, LOSS, Metric, Unit};
pub use stats::{Accumulator, Summary, t975};

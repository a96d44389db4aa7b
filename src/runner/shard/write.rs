//! Running one shard of a design's batch and keeping what a merge needs.

use super::super::{BatchError, BatchOptions, run_batch_range};
use super::DesignRows;
use super::codec::{encode_histogram, encode_row};
use crate::metrics::BatchResult;
use crate::scenario::Scenario;
use std::ops::Range;
use std::sync::atomic::AtomicBool;

/// Runs the runs `range` of the batch `opts` of one design and keeps what a merge needs.
pub fn shard_design(
    name: &str,
    scenario: &Scenario,
    opts: &BatchOptions,
    range: Range<u64>,
    cancel: &AtomicBool,
    progress: impl FnMut(u64),
) -> Result<DesignRows, BatchError> {
    let metrics = crate::metrics::Catalogue::for_scenario(scenario)
        .names()
        .len() as u64;
    super::super::memory::Estimate::batch(scenario, super::super::memory::workers(opts.threads))
        .keeping(super::super::memory::Kept {
            runs: range.end - range.start,
            // An encoded row: about 24 characters a metric, and the string's own header.
            bytes_per_run: 24 + 24 * metrics,
        })
        .check()
        .map_err(BatchError::Memory)?;
    let mut rows = Vec::with_capacity((range.end - range.start) as usize);
    let b: BatchResult = run_batch_range(
        scenario,
        opts,
        range,
        cancel,
        |_, vals| {
            rows.push(encode_row(vals));
            Ok(())
        },
        progress,
    )?;
    Ok(DesignRows {
        name: name.to_owned(),
        metrics: b.catalogue.names(),
        rows,
        settle_delay_ms: encode_histogram(&b.settle_delay_ms),
        auth_latency_us: encode_histogram(&b.auth_latency_us),
    })
}

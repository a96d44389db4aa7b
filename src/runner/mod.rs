//! Monte Carlo batches: many independent runs of one scenario, in parallel with rayon; and
//! [`job`], what every command shares around them (cancellation, progress, the errors).
//!
//! Runs execute in chunks; within a chunk they run on any thread, then their per-run metric rows
//! are folded in run order (Welford accumulators, rows handed to the caller). Histograms are
//! merged by the workers (integer addition: the order does not matter).
//! Memory is therefore flat in the number of runs, and the output is byte-identical whatever the
//! thread count.

pub mod compare;
pub mod job;
pub mod memory;
pub mod prepare;
pub mod replay;
pub mod shard;
pub mod stories;

use crate::engine::time::as_secs_f64;
use crate::metrics::{self, BatchResult, Catalogue, Folder};
use crate::model::probe::{DEFAULT_POINTS, TimeSeries};
use crate::model::{self, NoTrace, RunError, Violation};
use crate::scenario::Scenario;
use rayon::prelude::*;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

/// Most worker threads a batch may ask for. More than a few per core only adds overhead, and
/// an absurd count would exhaust the operating system's threads.
pub const MAX_THREADS: usize = 1024;

/// What to run.
#[derive(Clone, Debug)]
pub struct BatchOptions {
    pub runs: u64,
    pub seed: u64,
    /// Worker threads (0 = one per core).
    pub threads: usize,
}

/// Why a batch stopped early.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    #[error(transparent)]
    Invariant(#[from] Violation),
    #[error("interrupted after {completed} of {runs} runs")]
    Interrupted { completed: u64, runs: u64 },
    #[error("{0}")]
    Sink(String),
    /// The scenario still has a percentile timeout to measure: read it with
    /// [`prepare`] (a programming error, not bad input).
    #[error(
        "the scenario's terminal timeout is a percentile not yet measured: read the scenario \
         with runner::prepare (as every command does) before running it"
    )]
    Unprepared,
    /// The scenario's tables do not fit in memory (bad input).
    #[error("{0}")]
    Memory(String),
    #[error("cannot start {0} worker threads: {1}")]
    Threads(usize, String),
}

/// Runs `opts.runs` replications. `on_run(run, values)` receives each run's metric values in run
/// order (to write rows); `progress(done)` is called after each chunk; `cancel` stops the batch
/// between chunks.
pub fn run_batch(
    scenario: &Scenario,
    opts: &BatchOptions,
    cancel: &AtomicBool,
    on_run: impl FnMut(u64, &[Option<f64>]) -> Result<(), String>,
    progress: impl FnMut(u64),
) -> Result<BatchResult, BatchError> {
    run_batch_range(scenario, opts, 0..opts.runs, cancel, on_run, progress)
}

/// [`run_batch`] restricted to the runs `range` of the `opts.runs` (a shard of the batch: see
/// [`shard`]): run `i` uses `(opts.seed, i)` as in the whole batch, so the rows of the slices
/// of a batch, put end to end, are the rows of the batch. `progress(done)` counts the runs of
/// the range done; the result summarises the range's runs only.
pub fn run_batch_range(
    scenario: &Scenario,
    opts: &BatchOptions,
    range: std::ops::Range<u64>,
    cancel: &AtomicBool,
    on_run: impl FnMut(u64, &[Option<f64>]) -> Result<(), String>,
    progress: impl FnMut(u64),
) -> Result<BatchResult, BatchError> {
    batch(scenario, opts, range, cancel, (on_run, progress), false)
}

/// [`run_batch`] for a report: with `charts`, run 0 is also sampled over time as it runs
/// (`BatchResult::series`, the same as `replay::series`), so the charts need no replay of it.
pub fn run_batch_for_report(
    scenario: &Scenario,
    opts: &BatchOptions,
    cancel: &AtomicBool,
    (on_run, progress): (
        impl FnMut(u64, &[Option<f64>]) -> Result<(), String>,
        impl FnMut(u64),
    ),
    charts: bool,
) -> Result<BatchResult, BatchError> {
    batch(
        scenario,
        opts,
        0..opts.runs,
        cancel,
        (on_run, progress),
        charts,
    )
}

/// Run 0 of a batch, sampled over time when `series`; the others as they are.
fn simulate_one(
    scenario: &Scenario,
    seed: u64,
    run: u64,
    series: bool,
) -> Result<(model::RunOutput, Option<TimeSeries>), RunError> {
    if series && run == 0 {
        let (out, ts) = model::probe::simulate_sampled(scenario, seed, 0, DEFAULT_POINTS)?;
        Ok((out, Some(ts)))
    } else {
        Ok((model::simulate(scenario, seed, run, &mut NoTrace)?, None))
    }
}

/// The batch loop behind [`run_batch_range`] and [`run_batch_for_report`]: the runs of `range`
/// in chunks, folded in run order; run 0's candidate stories kept, and its series when
/// `series`.
fn batch(
    scenario: &Scenario,
    opts: &BatchOptions,
    range: std::ops::Range<u64>,
    cancel: &AtomicBool,
    (mut on_run, mut progress): (
        impl FnMut(u64, &[Option<f64>]) -> Result<(), String>,
        impl FnMut(u64),
    ),
    series: bool,
) -> Result<BatchResult, BatchError> {
    if scenario.pending.timeout_percentile().is_some() {
        return Err(BatchError::Unprepared);
    }
    if opts.threads > MAX_THREADS {
        return Err(BatchError::Threads(
            opts.threads,
            format!("at most {MAX_THREADS} are allowed"),
        ));
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads)
        .build()
        .map_err(|e| BatchError::Threads(opts.threads, e.to_string()))?;
    memory::Estimate::batch(scenario, pool.current_num_threads())
        .check()
        .map_err(BatchError::Memory)?;
    let catalogue = Catalogue::for_scenario(scenario);
    let mut folder = Folder::new(catalogue.clone());
    // Histograms merge by integer addition, which does not depend on order: workers add their
    // run's histograms here as soon as the run ends, so only small per-run rows travel back.
    let hists = Mutex::new((metrics::settle_histogram(), metrics::latency_histogram()));
    // Chunks are large enough that the in-order fold between them costs little, small enough
    // for a live progress bar. Ctrl-C is noticed before each run starts.
    let chunk = (pool.current_num_threads() as u64 * 16).max(1);
    let mut done = range.start;
    // The candidate stories of the first runs (`stories::STORY_RUNS`), when the batch starts at
    // run 0 and its runs keep them.
    let keep = range.start == 0 && !scenario.strategy.retry.on();
    let (mut exemplars, mut run0_series) = (keep.then(Vec::new), None);
    while done < range.end {
        let end = (done + chunk).min(range.end);
        type Row = (
            Vec<Option<f64>>,
            Option<Vec<model::output::Exemplar>>,
            Option<TimeSeries>,
        );
        let rows: Vec<Option<Result<Row, RunError>>> = pool.install(|| {
            (done..end)
                .into_par_iter()
                .map(|run| {
                    if cancel.load(Ordering::Relaxed) {
                        return None;
                    }
                    Some(
                        simulate_one(scenario, opts.seed, run, series).map(|(out, ts)| {
                            let vals = catalogue.values(&out);
                            let mut h = hists.lock().unwrap_or_else(|e| e.into_inner());
                            h.0.add(&out.settle_delay_ms)
                                .expect("histograms share bounds");
                            h.1.add(&out.auth_latency_us)
                                .expect("histograms share bounds");
                            let ex = (run < stories::STORY_RUNS && !out.exemplars.off)
                                .then_some(out.exemplars.list);
                            (vals, ex, ts)
                        }),
                    )
                })
                .collect()
        });
        for (run, row) in (done..end).zip(rows) {
            let Some(vals) = row else {
                return Err(BatchError::Interrupted {
                    completed: run - range.start,
                    runs: range.end - range.start,
                });
            };
            let vals = vals.map_err(|e| match e {
                RunError::Interrupted => BatchError::Interrupted {
                    completed: run - range.start,
                    runs: range.end - range.start,
                },
                RunError::Invariant(v) => BatchError::Invariant(v),
                e @ RunError::Memory { .. } => BatchError::Memory(e.to_string()),
            })?;
            let (vals, ex, ts) = vals;
            if let (Some(kept), Some(ex)) = (exemplars.as_mut(), ex) {
                kept.push(ex);
            }
            run0_series = run0_series.or(ts);
            folder.push(&vals);
            on_run(run, &vals).map_err(BatchError::Sink)?;
        }
        done = end;
        progress(done - range.start);
    }
    let (settle, latency) = hists.into_inner().unwrap_or_else(|e| e.into_inner());
    folder.settle_delay_ms = settle;
    folder.auth_latency_us = latency;
    let mut result = folder.finish(
        &scenario.name,
        opts.seed,
        range.end - range.start,
        as_secs_f64(crate::scenario::calendar::horizon(scenario)),
    );
    result.exemplars = exemplars;
    result.series = run0_series;
    Ok(result)
}

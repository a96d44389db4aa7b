//! Monte Carlo batches: many independent runs of one scenario, in parallel with rayon.
//!
//! Runs execute in chunks; within a chunk they run on any thread, then their per-run metric rows
//! are folded in run order (Welford accumulators, rows handed to the caller). Histograms are
//! merged by the workers (integer addition: the order does not matter).
//! Memory is therefore flat in the number of runs, and the output is byte-identical whatever the
//! thread count.

use crate::engine::time::as_secs_f64;
use crate::metrics::{self, Accumulator, Summary};
use crate::model::{self, NoTrace, Violation};
use crate::scenario::Scenario;
use hdrhistogram::Histogram;
use rayon::prelude::*;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

/// What to run.
#[derive(Clone, Debug)]
pub struct BatchOptions {
    pub runs: u64,
    pub seed: u64,
    /// Worker threads (0 = one per core).
    pub threads: usize,
}

/// The merged result of a batch.
pub struct Batch {
    pub scenario: String,
    pub seed: u64,
    pub runs: u64,
    pub horizon_s: f64,
    pub names: Vec<String>,
    pub summaries: Vec<Summary>,
    /// Settlement delays of every settled payment of every run, milliseconds.
    pub settle_delay_ms: Histogram<u64>,
    /// Authorisation latencies at the terminal of every run, microseconds.
    pub auth_latency_us: Histogram<u64>,
}

impl Batch {
    pub fn summary(&self, name: &str) -> Option<&Summary> {
        self.names
            .iter()
            .position(|n| n == name)
            .map(|i| &self.summaries[i])
    }
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
    mut on_run: impl FnMut(u64, &[Option<f64>]) -> Result<(), String>,
    mut progress: impl FnMut(u64),
) -> Result<Batch, BatchError> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads)
        .build()
        .map_err(|e| BatchError::Threads(opts.threads, e.to_string()))?;
    let names = metrics::names(scenario);
    let mut acc = vec![Accumulator::default(); names.len()];
    // Histograms merge by integer addition, which does not depend on order: workers add their
    // run's histograms here as soon as the run ends, so only small per-run rows travel back.
    let hists = Mutex::new((model::settle_histogram(), model::latency_histogram()));
    let window_s = as_secs_f64(scenario.traffic_window);
    // Chunks are large enough that the in-order fold between them costs little, small enough
    // for a live progress bar. Ctrl-C is noticed before each run starts.
    let chunk = (pool.current_num_threads() as u64 * 16).max(1);
    let mut done = 0u64;
    while done < opts.runs {
        let end = (done + chunk).min(opts.runs);
        let rows: Vec<Option<Result<Vec<Option<f64>>, Violation>>> = pool.install(|| {
            (done..end)
                .into_par_iter()
                .map(|run| {
                    if cancel.load(Ordering::Relaxed) {
                        return None;
                    }
                    Some(
                        model::simulate(scenario, opts.seed, run, &mut NoTrace).map(|out| {
                            let vals = metrics::values(&out, window_s);
                            let mut h = hists.lock().unwrap_or_else(|e| e.into_inner());
                            h.0.add(&out.settle_delay_ms)
                                .expect("histograms share bounds");
                            h.1.add(&out.auth_latency_us)
                                .expect("histograms share bounds");
                            vals
                        }),
                    )
                })
                .collect()
        });
        for (run, row) in (done..end).zip(rows) {
            let Some(vals) = row else {
                return Err(BatchError::Interrupted {
                    completed: run,
                    runs: opts.runs,
                });
            };
            let vals = vals?;
            for (a, v) in acc.iter_mut().zip(&vals) {
                if let Some(x) = v {
                    a.push(*x);
                }
            }
            on_run(run, &vals).map_err(BatchError::Sink)?;
        }
        done = end;
        progress(done);
    }
    let (settle, latency) = hists.into_inner().unwrap_or_else(|e| e.into_inner());
    Ok(Batch {
        scenario: scenario.name.clone(),
        seed: opts.seed,
        runs: opts.runs,
        horizon_s: as_secs_f64(model::horizon(scenario)),
        names,
        summaries: acc.iter().map(|a| a.summary()).collect(),
        settle_delay_ms: settle,
        auth_latency_us: latency,
    })
}

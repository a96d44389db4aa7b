//! One batch of a scenario written to an output folder: the orchestration that `run` (and the
//! commands built on it) share. The scenario is read once and the text that ran is written
//! beside the results; Ctrl-C stops the batch between runs; a progress bar shows on a
//! terminal; every file is written atomically, so a failure or an interruption leaves nothing
//! behind.

use super::{BatchError, BatchOptions, run_batch};
use crate::metrics::BatchResult;
use crate::report::{self, AtomicDir, RunsCsv};
use crate::scenario::Scenario;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

/// Why a job failed, classified for its exit code.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// The output folder cannot be used (bad input: exit 2).
    #[error("{0}")]
    Output(String),
    /// The user stopped the batch (exit 130).
    #[error("stopped after {completed} of {runs} runs; no output was written")]
    Interrupted { completed: u64, runs: u64 },
    /// The simulator or the file system failed (exit 1).
    #[error("{0}")]
    Failed(String),
    /// The options cannot be honoured (bad input: exit 2).
    #[error("{0}")]
    Options(String),
}

impl From<BatchError> for JobError {
    fn from(e: BatchError) -> Self {
        match e {
            BatchError::Interrupted { completed, runs } => {
                JobError::Interrupted { completed, runs }
            }
            BatchError::Threads(..) | BatchError::Memory(_) => JobError::Options(e.to_string()),
            e => JobError::Failed(e.to_string()),
        }
    }
}

/// The process-wide cancellation flag, set by Ctrl-C (the handler is installed on first use).
pub fn cancel_flag() -> &'static AtomicBool {
    static FLAG: OnceLock<&'static AtomicBool> = OnceLock::new();
    FLAG.get_or_init(|| {
        let flag: &'static AtomicBool = Box::leak(Box::new(AtomicBool::new(false)));
        // A handler may already be installed in this process (tests); then Ctrl-C is theirs.
        let _ = ctrlc::set_handler(move || flag.store(true, Ordering::Relaxed));
        flag
    })
}

/// A progress bar over runs, hidden when quiet.
pub fn progress_bar(runs: u64, label: &str, quiet: bool) -> indicatif::ProgressBar {
    let bar = if quiet {
        indicatif::ProgressBar::hidden()
    } else {
        indicatif::ProgressBar::new(runs)
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{msg} [{bar:40}] {pos}/{len} runs, {elapsed} (eta {eta})",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    bar.set_message(label.to_owned());
    bar
}

/// What a finished job produced.
pub struct JobOutput {
    pub batch: BatchResult,
    pub written: Vec<PathBuf>,
}

/// Runs a batch of `scenario` and writes `summary.json`, `runs.csv`, `histograms.json` and
/// `scenario.toml` (the text that ran) to `dir`.
pub fn run_to_dir(
    scenario: &Scenario,
    opts: &BatchOptions,
    dir: &Path,
    quiet: bool,
) -> Result<JobOutput, JobError> {
    let mut out = AtomicDir::create(dir).map_err(|e| JobError::Output(e.to_string()))?;
    let cancel = cancel_flag();
    let bar = progress_bar(opts.runs, &scenario.name, quiet);
    let io = |e: std::io::Error| JobError::Failed(e.to_string());
    // runs.csv has one column per metric except the per-cause breakdown (summary.json has it).
    let all = crate::metrics::Catalogue::for_scenario(scenario).names();
    let keep: Vec<bool> = all
        .iter()
        .map(|n| !n.starts_with(crate::metrics::CAUSES))
        .collect();
    let names: Vec<String> = all
        .into_iter()
        .zip(&keep)
        .filter_map(|(n, &k)| k.then_some(n))
        .collect();
    let mut csv = RunsCsv::new(out.file("runs.csv").map_err(io)?, &names)
        .map_err(|e| JobError::Failed(e.to_string()))?;
    let seed = opts.seed;
    let batch = run_batch(
        scenario,
        opts,
        cancel,
        |run, vals| {
            let row: Vec<Option<f64>> = vals
                .iter()
                .zip(&keep)
                .filter_map(|(v, &k)| k.then_some(*v))
                .collect();
            csv.row(run, seed, &row).map_err(|e| e.to_string())
        },
        |done| bar.set_position(done),
    );
    bar.finish_and_clear();
    let batch = batch?;
    csv.finish()
        .map_err(io)?
        .into_inner()
        .map_err(|e| JobError::Failed(e.to_string()))?
        .sync_all()
        .map_err(io)?;
    out.write("summary.json", report::summary_json(&batch).as_bytes())
        .map_err(io)?;
    out.write(
        "histograms.json",
        report::histograms_json(&batch).as_bytes(),
    )
    .map_err(io)?;
    out.write("scenario.toml", scenario.source.as_bytes())
        .map_err(io)?;
    let written = out.commit().map_err(io)?;
    Ok(JobOutput { batch, written })
}

//! The options several commands share, each declared and documented once here and added to
//! a command with `#[command(flatten)]`.
//!
//! They are grouped by what they decide: which runs a batch makes (`Batch`), how many
//! threads make them (`Workers`), how large a scenario may be (`Sizes`), how the results are
//! printed (`Print`, `Quiet`) and which files are written (`Files`). A command takes the
//! groups it needs; `check` keeps its own `--runs` and `--seed`, whose defaults are the
//! scenario's `[expect]` ones.

use crate::i18n::Lang;
use crate::runner::MAX_THREADS;
use crate::scenario::Limits;
use clap::Args;
use std::path::PathBuf;

/// Which runs a batch makes: `--runs` and `--seed` (run, compare, sweep, trace).
#[derive(Args, Debug, Clone, Copy)]
pub(super) struct Batch {
    /// Number of runs, of each design where several run (default: the scenario's
    /// `simulation.runs`).
    #[arg(long, short = 'n')]
    pub runs: Option<u64>,
    /// Master seed; run i (of every design) uses (seed, i) (default: the scenario's
    /// `simulation.seed`).
    #[arg(long, short = 's')]
    pub seed: Option<u64>,
}

/// How many threads run the batch: `--threads` (run, compare, sweep, check).
#[derive(Args, Debug, Clone, Copy)]
pub(super) struct Workers {
    /// Worker threads; 0 means one per core (at most 1024). Results do not depend on it.
    #[arg(long, short = 't', default_value_t = 0, value_parser = parse_threads)]
    pub threads: usize,
}

/// How large a scenario may be: `--allow-large` (run, compare, sweep, trace, check,
/// validate).
#[derive(Args, Debug, Clone, Copy)]
pub(super) struct Sizes {
    /// Accept scenarios above the default size limits (runs, payments per run, terminals,
    /// accounts, servers, simulated days), up to a hundredfold.
    #[arg(long)]
    pub allow_large: bool,
}

impl Sizes {
    /// The size limits the scenarios are checked against.
    pub fn limits(self) -> Limits {
        if self.allow_large {
            Limits::large()
        } else {
            Limits::default()
        }
    }
}

/// How the results are printed: `--json` and `--lang` (every command that prints results).
#[derive(Args, Debug, Clone, Copy)]
pub(super) struct Print {
    /// Print the results as JSON on standard output instead of the table or text (run,
    /// compare, sweep and merge: the content of summary.json, compare.json or sweep.json).
    #[arg(long)]
    pub json: bool,
    /// Language of what the command prints and draws (tables, stories, charts, report,
    /// Markdown summary): en (English) or zh (简体中文).
    #[arg(long, value_enum, default_value_t = Lang::En)]
    pub lang: Lang,
}

/// Silence on the terminal but for errors: `--quiet` (run, compare, sweep, merge, check).
#[derive(Args, Debug, Clone, Copy)]
pub(super) struct Quiet {
    /// No progress bar and no table; only errors and warnings (the exit code tells the
    /// result).
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// Where the result files go and whether charts are drawn: `--out` and `--no-charts` (run,
/// compare, sweep, merge).
#[derive(Args, Debug, Clone)]
pub(super) struct Files {
    /// Output folder (default: output/<scenario name>/, its <variant>/, compare/ or sweep/
    /// subfolder, and shard-K-of-M/ below that with --shard; merge: the merged command's).
    #[arg(long, short = 'o')]
    pub out: Option<PathBuf>,
    /// Do not draw the charts (nor, for one scenario's report, replay run 0 to sample its
    /// time series).
    #[arg(long)]
    pub no_charts: bool,
}

/// Thread counts from 0 (one per core) to [`MAX_THREADS`]; anything else is refused with the
/// accepted range, before any thread is started.
fn parse_threads(s: &str) -> Result<usize, String> {
    let n: u64 = s.parse().map_err(|_| {
        format!("`{s}` is not a whole number; use 0 (one per core) to {MAX_THREADS}")
    })?;
    if n > MAX_THREADS as u64 {
        return Err(format!(
            "{n} threads is too many; use 0 (one per core) to {MAX_THREADS}"
        ));
    }
    Ok(n as usize)
}

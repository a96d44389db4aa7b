//! The command line: `payfault run` and `payfault validate`.
//!
//! Exit codes: 0 success; 1 the simulator failed (an invariant was violated, or output could not
//! be written); 2 bad input (usage, scenario file, output folder); 130 interrupted.

mod trace;

use crate::report::{self, AtomicDir, RunsCsv};
use crate::runner::{self, BatchError, BatchOptions};
use crate::scenario::{self, Limits, Scenario, ScenarioError};
use clap::{Args, Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

#[derive(Parser, Debug)]
#[command(
    name = "payfault",
    version,
    about = "Simulate card payment networks end to end: why merchants' money does not arrive, and what it costs.",
    long_about = None,
    arg_required_else_help = true
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run a scenario's Monte Carlo batch; write summary.json, runs.csv, histograms.json and
    /// scenario.toml to output/<scenario name>/.
    Run(RunArgs),
    /// Tell the story of one payment step by step: by number, or the first to end with an
    /// outcome (default: the first stuck payment).
    Trace(TraceArgs),
    /// Check scenario files without running them.
    Validate {
        /// Scenario files (TOML).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Accept scenarios above the default size limits.
        #[arg(long)]
        allow_large: bool,
    },
}

#[derive(Args, Debug)]
struct TraceArgs {
    /// Scenario file (TOML). Without it, the built-in baseline scenario.
    scenario: Option<PathBuf>,
    /// Which run of the batch (runs are numbered from 0).
    #[arg(long, short = 'r', default_value_t = 0)]
    run: u64,
    /// Master seed (default: the scenario's `simulation.seed`).
    #[arg(long, short = 's')]
    seed: Option<u64>,
    /// The payment's number within the run (from 0).
    #[arg(long, short = 'p', conflicts_with = "outcome")]
    payment: Option<u64>,
    /// Trace the first payment to end with this outcome: settled, declined, reversed, stuck,
    /// duplicate_charge, fraud_loss, pending.
    #[arg(long, default_value = "stuck")]
    outcome: String,
    /// Accept scenarios above the default size limits.
    #[arg(long)]
    allow_large: bool,
}

#[derive(Args, Debug)]
struct RunArgs {
    /// Scenario file (TOML). Without it, the built-in baseline scenario runs.
    scenario: Option<PathBuf>,
    /// Number of runs (default: the scenario's `simulation.runs`).
    #[arg(long, short = 'n')]
    runs: Option<u64>,
    /// Master seed; run i uses (seed, i) (default: the scenario's `simulation.seed`).
    #[arg(long, short = 's')]
    seed: Option<u64>,
    /// Worker threads; 0 means one per core. Results do not depend on it.
    #[arg(long, short = 't', default_value_t = 0)]
    threads: usize,
    /// Output folder (default: output/<scenario name>/).
    #[arg(long, short = 'o')]
    out: Option<PathBuf>,
    /// Accept scenarios above the default size limits (runs, payments per run, terminals,
    /// accounts, servers, simulated days), up to a hundredfold.
    #[arg(long)]
    allow_large: bool,
    /// No progress bar and no table; only errors.
    #[arg(long, short = 'q')]
    quiet: bool,
}

/// A failure, classified for its exit code.
enum Failure {
    BadInput(String),
    Runtime(String),
    Interrupted(String),
}

impl From<ScenarioError> for Failure {
    fn from(e: ScenarioError) -> Self {
        Failure::BadInput(e.to_string())
    }
}

/// Parses the command line, runs it, prints any error once, and returns the exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(a) => run(a),
        Command::Trace(a) => trace_cmd(a),
        Command::Validate { files, allow_large } => validate(&files, allow_large),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::BadInput(m)) => {
            eprintln!("error: {m}");
            ExitCode::from(2)
        }
        Err(Failure::Runtime(m)) => {
            eprintln!("error: {m}");
            ExitCode::from(1)
        }
        Err(Failure::Interrupted(m)) => {
            eprintln!("interrupted: {m}");
            ExitCode::from(130)
        }
    }
}

fn trace_cmd(a: TraceArgs) -> Result<(), Failure> {
    let (scn, _) = load(a.scenario.as_deref(), &limits(a.allow_large))?;
    let pick = match a.payment {
        Some(n) => trace::Pick::Serial(n),
        None => trace::Pick::FirstWith(trace::parse_outcome(&a.outcome)?),
    };
    print!(
        "{}",
        trace::story(&scn, a.seed.unwrap_or(scn.seed), a.run, pick)?
    );
    Ok(())
}

fn limits(allow_large: bool) -> Limits {
    if allow_large {
        Limits::large()
    } else {
        Limits::default()
    }
}

fn validate(files: &[PathBuf], allow_large: bool) -> Result<(), Failure> {
    let mut bad = vec![];
    for f in files {
        match scenario::load(f, &limits(allow_large)) {
            Ok(s) => {
                println!("ok: {} ({})", f.display(), s.name);
                for w in crate::model::capacity::warnings(&s) {
                    eprintln!("warning: {}: {w}", f.display());
                }
            }
            Err(e) => bad.push(e.to_string()),
        }
    }
    if bad.is_empty() {
        Ok(())
    } else {
        Err(Failure::BadInput(bad.join("\n\nerror: ")))
    }
}

fn load(path: Option<&Path>, limits: &Limits) -> Result<(Scenario, String), Failure> {
    match path {
        Some(p) => {
            let s = scenario::load(p, limits)?;
            let text = std::fs::read_to_string(p).unwrap_or_default();
            Ok((s, text))
        }
        None => {
            let s = scenario::parse(scenario::BASELINE, "<built-in baseline>", limits)?;
            Ok((s, scenario::BASELINE.to_owned()))
        }
    }
}

fn run(a: RunArgs) -> Result<(), Failure> {
    let limits = limits(a.allow_large);
    let (scn, text) = load(a.scenario.as_deref(), &limits)?;
    for w in crate::model::capacity::warnings(&scn) {
        eprintln!("warning: {w}");
    }
    let runs = a.runs.unwrap_or(scn.runs);
    if runs == 0 {
        return Err(Failure::BadInput(format!(
            "--runs {runs}: must be at least 1"
        )));
    }
    if runs > limits.max_runs {
        return Err(Failure::BadInput(format!(
            "--runs {runs} is above the limit of {}{}",
            limits.max_runs,
            limits.hint()
        )));
    }
    let opts = BatchOptions {
        runs,
        seed: a.seed.unwrap_or(scn.seed),
        threads: a.threads,
    };
    let dir = a
        .out
        .clone()
        .unwrap_or_else(|| Path::new("output").join(&scn.name));
    let mut out = AtomicDir::create(&dir).map_err(|e| Failure::BadInput(e.to_string()))?;

    let cancel = Arc::new(AtomicBool::new(false));
    {
        let c = Arc::clone(&cancel);
        // A second handler cannot be installed in the same process (tests); ignore that.
        let _ = ctrlc::set_handler(move || c.store(true, Ordering::Relaxed));
    }

    let bar = if a.quiet {
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
    bar.set_message(scn.name.clone());

    let io = |e: std::io::Error| Failure::Runtime(e.to_string());
    let names = crate::metrics::names(&scn);
    let mut csv = RunsCsv::new(out.file("runs.csv").map_err(io)?, &names)
        .map_err(|e| Failure::Runtime(e.to_string()))?;
    let seed = opts.seed;
    let batch = runner::run_batch(
        &scn,
        &opts,
        &cancel,
        |run, vals| csv.row(run, seed, vals).map_err(|e| e.to_string()),
        |done| bar.set_position(done),
    );
    bar.finish_and_clear();
    let batch = match batch {
        Ok(b) => b,
        Err(BatchError::Interrupted { completed, runs }) => {
            return Err(Failure::Interrupted(format!(
                "stopped after {completed} of {runs} runs; no output was written"
            )));
        }
        Err(e) => return Err(Failure::Runtime(e.to_string())),
    };
    csv.finish()
        .map_err(io)?
        .into_inner()
        .map_err(|e| Failure::Runtime(e.to_string()))?
        .sync_all()
        .map_err(io)?;
    out.write("summary.json", report::summary_json(&batch).as_bytes())
        .map_err(io)?;
    out.write(
        "histograms.json",
        report::histograms_json(&batch).as_bytes(),
    )
    .map_err(io)?;
    out.write("scenario.toml", text.as_bytes()).map_err(io)?;
    let written = out.commit().map_err(io)?;
    if !a.quiet {
        println!(
            "{}: {} runs, seed {}\n",
            batch.scenario, batch.runs, batch.seed
        );
        print!("{}", report::console_table(&batch));
        println!(
            "\nwrote {}",
            written
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(())
}

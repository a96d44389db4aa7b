//! The command line: `payfault run`, `compare`, `sweep`, `merge`, `trace`, `list`, `check`
//! and `validate`.
//!
//! Exit codes: 0 success; 1 the simulator failed (an invariant was violated), or `check`
//! found a bound violated or a significant change; 2 bad input (usage, scenario file, an
//! output place unusable before any work); 3 the results could not be written (the error
//! names the path; the earlier results are left whole); 130 interrupted (SIGINT or SIGTERM).

mod args;
mod check;
mod compare;
mod list;
mod merge;
mod trace;

use crate::i18n::Lang;
use crate::report;
use crate::report::folder;
use crate::runner::job::{self, JobError};
use crate::runner::{self, BatchOptions};
use crate::scenario::{self, Limits, Scenario, ScenarioError};
use crate::tr;
use clap::{Args, Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "payfault",
    version,
    about = "Simulate card payment networks end to end: why merchants' money does not arrive, and \
             what it costs.",
    long_about = None,
    after_help = "Exit codes: 0 success; 1 a bound failed, a significant change, or the simulator \
                  failed; 2 bad input; 3 could not write the results (the earlier ones are left \
                  whole); 130 interrupted (Ctrl-C or SIGTERM; no output written).",
    arg_required_else_help = true
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run a scenario's Monte Carlo batch; write summary.json, runs.csv, histograms.json,
    /// scenario.toml, the charts (PNG and SVG) and report.html to output/<scenario name>/.
    Run(RunArgs),
    /// Run designs head to head on common random numbers: a scenario's [[variant]] blocks, or
    /// two or more scenario files. Reports each metric per design and the paired difference
    /// against the first design with a 95% confidence interval; writes compare.json,
    /// compare.csv and each design's scenario to output/<scenario name>/compare/.
    Compare(compare::CompareArgs),
    /// Run a grid of settings (`--set path=v1,v2,...`, repeatable) on common random numbers;
    /// writes sweep.csv (a row per grid point: each metric's mean and 95% interval) and
    /// sweep.json to output/<scenario name>/sweep/.
    Sweep(compare::SweepArgs),
    /// Tell the stories of payments step by step, for trainers: by number, or the first to
    /// match --outcome / --cause / --code (default: the first not settled on time), searching
    /// the batch's runs; --csv writes a row per payment of the run, --json the stories.
    Trace(trace::TraceArgs),
    /// The built-in scenarios: each one's name, description and the causes it demonstrates.
    /// Any command takes a built-in's name in place of a file: `payfault run outage`.
    List(list::ListArgs),
    /// Run every scenario that carries expectations ([expect]) and judge its bounds: a table
    /// of pass / fail / undecided (the interval straddles the bound; --decide adds runs). Exit
    /// 0 when none fails, 1 when one does, 2 on bad input, 3 when a file cannot be written.
    /// For CI: --junit, --markdown.
    Check(check::CheckArgs),
    /// Merge the partial results of `run`, `compare` or `sweep --shard K/M` (run on one or many
    /// machines) into exactly the files the command writes when it runs whole, byte for byte.
    Merge(merge::MergeArgs),
    /// Check scenario files without running them.
    Validate(ValidateArgs),
}

#[derive(Args, Debug)]
struct ValidateArgs {
    /// Scenario files (TOML), or a built-in scenario's name (`payfault list` shows them all: baseline, outage, disputes, failover ...).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    #[command(flatten)]
    sizes: args::Sizes,
    /// Also print the memory `run` would need, stage by stage, on this many worker threads
    /// (0: one per core).
    #[arg(long, value_name = "THREADS")]
    memory: Option<usize>,
}

#[derive(Args, Debug)]
struct RunArgs {
    /// Scenario file (TOML), or a built-in scenario's name (`payfault list` shows them all: baseline, outage, disputes, failover ...). Without it, the built-in baseline scenario runs.
    scenario: Option<PathBuf>,
    #[command(flatten)]
    batch: args::Batch,
    #[command(flatten)]
    workers: args::Workers,
    #[command(flatten)]
    files: args::Files,
    /// Run one of the scenario's [[variant]] designs instead of the scenario itself.
    #[arg(long)]
    variant: Option<String>,
    #[command(flatten)]
    sizes: args::Sizes,
    #[command(flatten)]
    quiet: args::Quiet,
    #[command(flatten)]
    print: args::Print,
    /// Run only the K-th of M equal slices of the runs (e.g. `--shard 2/8`), each run with the
    /// seed it has in the whole batch, and write a partial result (partial.json, default
    /// folder output/<scenario name>/shard-K-of-M/); `payfault merge` makes the whole batch's
    /// files from the M partial results.
    #[arg(long, value_name = "K/M", value_parser = runner::shard::Shard::parse)]
    shard: Option<runner::shard::Shard>,
}

/// A failure, classified for its exit code.
enum Failure {
    BadInput(String),
    Runtime(String),
    Interrupted(String),
    /// The results could not be written (exit 3); the message names the path.
    Write(String),
    /// The command ran and found what it checks for wanting (exit 1, not an error).
    Checked(String),
}

impl From<JobError> for Failure {
    fn from(e: JobError) -> Self {
        match e {
            JobError::Output(_) | JobError::Options(_) => Failure::BadInput(e.to_string()),
            JobError::Interrupted { .. } => Failure::Interrupted(e.to_string()),
            JobError::Failed(_) => Failure::Runtime(e.to_string()),
            JobError::Write(_) => Failure::Write(e.to_string()),
        }
    }
}

impl From<ScenarioError> for Failure {
    fn from(e: ScenarioError) -> Self {
        Failure::BadInput(e.to_string())
    }
}

impl Command {
    /// The language the command speaks (`--lang`; `validate` has none: English).
    fn lang(&self) -> Lang {
        match self {
            Command::Run(a) => a.print.lang,
            Command::Compare(a) => a.lang(),
            Command::Sweep(a) => a.lang(),
            Command::Trace(a) => a.lang(),
            Command::List(a) => a.lang(),
            Command::Check(a) => a.lang(),
            Command::Merge(a) => a.lang(),
            Command::Validate(_) => Lang::En,
        }
    }
}

/// Parses the command line, runs it, prints any error once, and returns the exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let lang = cli.command.lang();
    let result = match cli.command {
        Command::Run(a) => run(a),
        Command::Compare(a) => compare::compare_cmd(a),
        Command::Sweep(a) => compare::sweep_cmd(a),
        Command::Trace(a) => trace::trace_cmd(a),
        Command::List(a) => list::list_cmd(a),
        Command::Check(a) => check::check_cmd(a),
        Command::Merge(a) => merge::merge_cmd(a),
        Command::Validate(a) => validate(&a.files, a.sizes.limits(), a.memory),
    };
    let error = tr!(lang, "cli.error");
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::BadInput(m)) => {
            eprintln!("{error}: {m}");
            ExitCode::from(2)
        }
        Err(Failure::Runtime(m)) => {
            eprintln!("{error}: {m}");
            ExitCode::from(1)
        }
        Err(Failure::Checked(m)) => {
            eprintln!("{m}");
            ExitCode::from(1)
        }
        Err(Failure::Write(m)) => {
            eprintln!("{error}: {m}");
            ExitCode::from(3)
        }
        Err(Failure::Interrupted(m)) => {
            eprintln!("{}: {m}", tr!(lang, "cli.interrupted"));
            ExitCode::from(130)
        }
    }
}

fn validate(files: &[PathBuf], limits: Limits, memory: Option<usize>) -> Result<(), Failure> {
    let mut bad = vec![];
    for f in files {
        match runner::prepare::load(f, &limits) {
            Ok(s) => {
                println!("ok: {} ({})", f.display(), s.name);
                if let Some(t) = memory {
                    let threads = crate::runner::memory::workers(t);
                    let e = crate::runner::memory::Estimate::batch(&s, threads).with_report(&s);
                    println!("{}", e.table());
                }
                for w in crate::scenario::capacity::warnings(&s) {
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

/// A scenario file's text (or a built-in's, by name); in Chinese, a name that is neither is
/// refused in Chinese, with the built-in it may mean (in English, the scenario layer's own
/// message, which also says the system's reason).
fn read_scenario(p: &Path, lang: Lang) -> Result<String, Failure> {
    let file = p.display().to_string();
    if lang != Lang::En && !p.exists() && scenario::library::find(&file).is_none() {
        let stem = file.strip_suffix(".toml").unwrap_or(&file);
        let names = scenario::library::names();
        let hint = scenario::error::did_you_mean_in(lang, stem, &names);
        return Err(Failure::BadInput(tr!(
            lang,
            "cli.not_found",
            file = file,
            hint = hint
        )));
    }
    Ok(scenario::read_source(p)?)
}

/// The text a run reads: the file's, or the built-in baseline's.
fn read_input(path: Option<&Path>, lang: Lang) -> Result<runner::shard::Input, Failure> {
    Ok(match path {
        Some(p) => runner::shard::Input {
            text: read_scenario(p, lang)?,
            file: p.display().to_string(),
        },
        None => runner::shard::Input {
            text: scenario::BASELINE.to_owned(),
            file: "<built-in baseline>".to_owned(),
        },
    })
}

/// The scenario a run uses: the text it read (a file's, or the built-in baseline's), or one
/// of its variants (`merge` derives it the same way).
fn design_from(
    input: &runner::shard::Input,
    variant: Option<&str>,
    limits: &Limits,
    lang: Lang,
) -> Result<(Scenario, Option<String>), Failure> {
    let (src, file) = (&input.text, &input.file);
    let Some(name) = variant else {
        return Ok((runner::prepare::parse(src, file, limits)?, None));
    };
    let v = runner::prepare::parse_variants(src, file, limits)?;
    let names: Vec<&str> = v.designs.iter().map(|d| d.name.as_str()).collect();
    let Some(k) = names.iter().position(|n| *n == name) else {
        return Err(Failure::BadInput(tr!(
            lang,
            "cli.no_such_variant",
            name = name,
            file = file,
            hint = scenario::error::did_you_mean_in(lang, name, &names),
            variants = if names.is_empty() {
                tr!(lang, "cli.none").to_owned()
            } else {
                names.join(", ")
            }
        )));
    };
    let d = v.designs.into_iter().nth(k).expect("found above");
    Ok((d.scenario, Some(d.name)))
}

fn run(a: RunArgs) -> Result<(), Failure> {
    let limits = a.sizes.limits();
    let lang = a.print.lang;
    let input = read_input(a.scenario.as_deref(), lang)?;
    let (scn, variant) = design_from(&input, a.variant.as_deref(), &limits, lang)?;
    for w in crate::scenario::capacity::warnings(&scn) {
        eprintln!("{}: {w}", tr!(lang, "cli.warning"));
    }
    let runs = a.batch.runs.unwrap_or(scn.runs);
    if runs == 0 {
        return Err(Failure::BadInput(tr!(lang, "cli.runs_zero", runs = runs)));
    }
    // A shard runs only its slice: the limit is on the runs one machine does.
    let here = a
        .shard
        .map_or(runs, |s| s.range(runs).end - s.range(runs).start);
    if here > limits.max_runs {
        return Err(Failure::BadInput(format!(
            "--runs {runs}{} is above the limit of {}{}",
            a.shard.map_or(String::new(), |s| format!(
                " --shard {}/{}: {here} runs on this machine",
                s.k, s.m
            )),
            limits.max_runs,
            limits.hint()
        )));
    }
    let opts = BatchOptions {
        runs,
        seed: a.batch.seed.unwrap_or(scn.seed),
        threads: a.workers.threads,
    };
    let dir = a.files.out.clone().unwrap_or_else(|| {
        let d = Path::new("output").join(&scn.name);
        let d = match &variant {
            Some(v) => d.join(v),
            None => d,
        };
        match a.shard {
            Some(sh) => d.join(sh.folder()),
            None => d,
        }
    });
    if let Some(shard) = a.shard {
        let head = shard_header(
            runner::shard::Kind::Run,
            shard,
            &opts,
            vec![input],
            variant.clone(),
            vec![],
            None,
            a.sizes.allow_large,
            vec![variant.clone().unwrap_or_else(|| scn.name.clone())],
            a.print.lang,
        )?;
        let designs = [(head.designs[0].clone(), &scn)];
        return write_shard(
            head,
            &designs,
            &opts,
            &dir,
            a.quiet.quiet,
            a.print.json,
            a.print.lang,
        );
    }
    let view = folder::View {
        lang: a.print.lang,
        charts: !a.files.no_charts,
    };
    // A folder with an earlier result is replaced whole: said so below, not silently.
    let replaced = dir.join("summary.json").is_file();
    let done = folder::run_to_dir(&scn, &opts, &dir, a.quiet.quiet || a.print.json, view)?;
    if a.print.json {
        print!("{}", report::summary_json(&done.batch));
    } else if !a.quiet.quiet {
        let batch = &done.batch;
        println!(
            "{}\n",
            tr!(
                lang,
                "summary.header",
                scenario = batch.scenario,
                runs = batch.runs,
                seed = batch.seed
            )
        );
        print!("{}", report::console_table(batch, lang));
        let files = done
            .written
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ");
        println!("\n{}", tr!(lang, "summary.wrote", files = files));
        if replaced {
            println!("{}", tr!(lang, "summary.replaced", dir = dir.display()));
        }
    }
    Ok(())
}

/// The header of a shard's partial result; refuses a split with empty shards (M > N).
#[allow(clippy::too_many_arguments)]
fn shard_header(
    kind: runner::shard::Kind,
    shard: runner::shard::Shard,
    opts: &BatchOptions,
    inputs: Vec<runner::shard::Input>,
    variant: Option<String>,
    sets: Vec<String>,
    objective: Option<String>,
    allow_large: bool,
    designs: Vec<String>,
    lang: Lang,
) -> Result<runner::shard::Header, Failure> {
    use runner::shard;
    if shard.m > opts.runs {
        return Err(Failure::BadInput(tr!(
            lang,
            "shard.too_many",
            k = shard.k,
            m = shard.m,
            runs = opts.runs
        )));
    }
    let range = shard.range(opts.runs);
    Ok(shard::Header {
        format: shard::FORMAT,
        payfault_version: shard::VERSION.to_owned(),
        kind,
        scenario_hash: shard::input_hash(&inputs, variant.as_deref(), &sets, objective.as_deref()),
        inputs,
        variant,
        sets,
        objective,
        allow_large,
        seed: opts.seed,
        runs: opts.runs,
        shard,
        start: range.start,
        end: range.end,
        designs,
    })
}

/// Runs a shard of each design (name, scenario) and writes its partial result to `dir`.
fn write_shard(
    head: runner::shard::Header,
    designs: &[(String, &Scenario)],
    opts: &BatchOptions,
    dir: &Path,
    quiet: bool,
    json: bool,
    lang: Lang,
) -> Result<(), Failure> {
    use runner::shard;
    let mut out =
        crate::atomic::AtomicDir::create(dir).map_err(|e| Failure::BadInput(e.to_string()))?;
    let range = head.start..head.end;
    let len = range.end - range.start;
    let bar = job::progress_bar(
        len * designs.len() as u64,
        &designs[0].1.name,
        quiet || json,
        lang,
    );
    let mut rows = vec![];
    for (k, (name, scn)) in designs.iter().enumerate() {
        let r = shard::shard_design(name, scn, opts, range.clone(), job::cancel_flag(), |d| {
            bar.set_position(k as u64 * len + d)
        });
        match r {
            Ok(r) => rows.push(r),
            Err(e) => {
                bar.finish_and_clear();
                return Err(JobError::from(e).into());
            }
        }
    }
    bar.finish_and_clear();
    let partial = shard::Partial::new(head, rows);
    let text = serde_json::to_string(&partial).expect("a partial result serialises") + "\n";
    let failed = |e: std::io::Error| Failure::Write(e.to_string());
    out.write(shard::FILE, text.as_bytes()).map_err(failed)?;
    let written = out.commit().map_err(failed)?;
    let h = &partial.header;
    if json {
        let head = serde_json::to_string_pretty(h).expect("a header serialises");
        println!("{head}");
    } else if !quiet {
        println!(
            "{}",
            tr!(
                lang,
                "shard.wrote",
                k = h.shard.k,
                m = h.shard.m,
                runs_held = shard::show_range((h.start, h.end)),
                runs = h.runs,
                seed = h.seed,
                file = written[0].display()
            )
        );
        println!("{}", tr!(lang, "shard.next"));
    }
    Ok(())
}

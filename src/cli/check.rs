//! `payfault check`: runs every scenario that carries expectations (`[expect]`) and judges its
//! bounds; for CI (exit 1 when a bound fails), with JUnit XML and a Markdown summary.

use super::Failure;
use super::args::{Print, Quiet, Sizes, Workers};
use crate::atomic::AtomicFile;
use crate::check::baseline::{self, Baseline, Family, MinChanges, Pair};
use crate::check::{self, BaselineOutcome, ScenarioCheck, Verdict};
use crate::i18n::Lang;
use crate::report::check as out;
use crate::runner::job::{JobError, cancel_flag, progress_bar};
use crate::runner::{BatchOptions, run_batch_range};
use crate::scenario::expect::parse_min_change;
use crate::scenario::{self, Limits, Scenario, library};
use crate::tr;
use clap::Args;
use std::path::{Path, PathBuf};

#[derive(Args, Debug)]
pub(super) struct CheckArgs {
    /// Scenario files, built-in scenario names, or folders (every *.toml in them, at any
    /// depth). Default: the folder scenarios/, or the built-in scenarios where there is none.
    paths: Vec<PathBuf>,
    /// Runs of every scenario (default: each scenario's `expect.runs`).
    #[arg(long, short = 'n')]
    runs: Option<u64>,
    /// Master seed of every scenario (default: each scenario's `expect.seed`).
    #[arg(long, short = 's')]
    seed: Option<u64>,
    #[command(flatten)]
    workers: Workers,
    /// Add runs while a bound is undecided, up to 4 looks at the data or --max-runs; each
    /// look then uses a 98.75% interval, so that over all looks a bound is wrongly decided
    /// with a chance of at most 5% (Bonferroni).
    #[arg(long)]
    decide: bool,
    /// Most runs of a scenario with --decide (default: 8 times its runs).
    #[arg(long)]
    max_runs: Option<u64>,
    /// Undecided bounds fail the check too (exit 1), and so do exploratory changes from the
    /// baseline.
    #[arg(long)]
    strict: bool,
    /// Write the results as JUnit XML (a testsuite per scenario, a testcase per bound).
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Write a Markdown summary (for a pull request comment or a CI job summary).
    #[arg(long, value_name = "FILE")]
    markdown: Option<PathBuf>,
    /// Store each checked scenario's observed summaries in DIR (DIR/<scenario>.json): the
    /// baseline later checks compare with.
    #[arg(long, value_name = "DIR")]
    save_baseline: Option<PathBuf>,
    /// Compare each scenario with its baseline in DIR: the metrics that vary across runs are
    /// tested (paired run by run at the baseline's seed, else Welch), in a headline and an
    /// exploratory family, each Holm-corrected at 5%. A headline change fails the check
    /// (exit 1); an exploratory one only with --strict. With a baseline option, scenarios
    /// without [expect] run too.
    #[arg(long, value_name = "DIR")]
    against_baseline: Option<PathBuf>,
    /// With --against-baseline: check even if no scenario has a baseline in DIR (a missing
    /// or empty folder), or a baseline has no metrics (it is then ignored). Without it, both
    /// are errors (exit 2).
    #[arg(long, requires = "against_baseline")]
    allow_missing_baseline: bool,
    /// The smallest change from the baseline that matters: `1%` (of the baseline's mean) or
    /// `0.5` (in the metric's unit) for every metric, or `METRIC=VALUE` for one (which then
    /// joins the headline family). Repeatable; beats [expect] min_change.
    #[arg(long, value_name = "[METRIC=]VALUE", requires = "against_baseline")]
    min_change: Vec<String>,
    #[command(flatten)]
    sizes: Sizes,
    #[command(flatten)]
    quiet: Quiet,
    #[command(flatten)]
    print: Print,
}

impl CheckArgs {
    /// The language of what the command prints (`--lang`).
    pub(super) fn lang(&self) -> crate::i18n::Lang {
        self.print.lang
    }
}

/// The family-wise false-alarm rate of a baseline comparison.
const ALPHA: f64 = 0.05;

/// A scenario to check: where it came from and what it is.
struct Target {
    file: String,
    scenario: Scenario,
}

/// The scenario files a path stands for: a folder's *.toml files (sorted, at any depth), or
/// the path itself (a file or a built-in scenario's name). Links to folders inside the
/// folder are not followed (a link to a parent would loop forever); links to files are.
fn files_of(path: &Path, out: &mut Vec<PathBuf>) -> Result<(), Failure> {
    if !path.is_dir() {
        out.push(path.to_owned());
        return Ok(());
    }
    walk(path, out)
}

fn walk(path: &Path, out: &mut Vec<PathBuf>) -> Result<(), Failure> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(|e| Failure::BadInput(format!("cannot read folder {}: {e}", path.display())))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        let link = std::fs::symlink_metadata(&p).is_ok_and(|m| m.file_type().is_symlink());
        if p.is_dir() {
            if !link {
                walk(&p, out)?;
            }
        } else if p.extension().is_some_and(|x| x == "toml") {
            out.push(p);
        }
    }
    Ok(())
}

/// Reads every scenario first, so that a bad file stops the check before anything runs.
/// The scenarios to check, and the files that failed to load (file, message).
type Loaded = (Vec<Target>, Vec<(String, String)>);

fn targets(a: &CheckArgs, limits: &Limits) -> Result<Loaded, Failure> {
    let mut files = vec![];
    if a.paths.is_empty() {
        let dir = Path::new("scenarios");
        if dir.is_dir() {
            files_of(dir, &mut files)?;
        } else {
            files.extend(library::names().into_iter().map(PathBuf::from));
        }
    } else {
        for p in &a.paths {
            files_of(p, &mut files)?;
        }
    }
    let mut errors = vec![];
    let mut targets = vec![];
    for f in files {
        let file = f.display().to_string();
        match scenario::read_source(&f)
            .and_then(|src| crate::runner::prepare::parse(&src, &file, limits))
        {
            Ok(scenario) => targets.push(Target { file, scenario }),
            Err(e) => errors.push((file, e.to_string())),
        }
    }
    Ok((targets, errors))
}

/// Some scenarios failed to load: the check stops with their messages (exit 2), after
/// writing `--junit` with an `<error>` testcase per file, so that a CI panel shows why.
fn load_failed(a: &CheckArgs, errors: &[(String, String)]) -> Failure {
    let lang = a.print.lang;
    let messages: Vec<&str> = errors.iter().map(|(_, m)| m.as_str()).collect();
    let failure = Failure::BadInput(messages.join("\n\nerror: "));
    let junit = match prepare(lang, &a.junit) {
        Ok(Some(j)) => j,
        Ok(None) => return failure,
        Err(e) => return e,
    };
    let (f, path) = junit;
    if let Err(e) = f.write(out::junit_load_errors(errors).as_bytes()) {
        return Failure::Write(write_message(lang, path, e));
    }
    if !a.quiet.quiet {
        eprintln!("{}", tr!(lang, "check.wrote", file = path.display()));
    }
    failure
}

/// `--min-change`: a default and per-metric values, each metric a metric of some scenario.
fn cli_min_changes(a: &CheckArgs, targets: &[Target]) -> Result<MinChanges, Failure> {
    let mut out = MinChanges::default();
    if a.min_change.is_empty() {
        return Ok(out);
    }
    let names: std::collections::BTreeSet<String> = targets
        .iter()
        .flat_map(|t| crate::metrics::Catalogue::for_scenario(&t.scenario).names())
        .collect();
    for text in &a.min_change {
        let (metric, value) = match text.rsplit_once('=') {
            Some((m, v)) => (Some(m.trim()), v),
            None => (None, text.as_str()),
        };
        let margin = parse_min_change(value)
            .map_err(|e| Failure::BadInput(format!("--min-change {text}: {e}")))?;
        match metric {
            None => out.default = Some(margin),
            Some(m) if names.contains(m) => {
                out.per_metric.insert(m.to_owned(), margin);
            }
            Some(m) => {
                let all: Vec<&str> = names.iter().map(String::as_str).collect();
                return Err(Failure::BadInput(format!(
                    "--min-change {text}: \"{m}\" is not a metric of the scenarios checked{}",
                    scenario::error::did_you_mean(m, &all)
                )));
            }
        }
    }
    Ok(out)
}

/// An output file of the check, prepared before any run.
fn prepare(lang: Lang, path: &Option<PathBuf>) -> Result<Option<(AtomicFile, &Path)>, Failure> {
    path.as_deref()
        .map(|p| {
            AtomicFile::prepare(p)
                .map(|f| (f, p))
                .map_err(|e| write_error(lang, p, e))
        })
        .transpose()
}

fn write_error(lang: Lang, path: &Path, e: impl std::fmt::Display) -> Failure {
    Failure::BadInput(write_message(lang, path, e))
}

fn write_message(lang: Lang, path: &Path, e: impl std::fmt::Display) -> String {
    tr!(lang, "check.error.write", file = path.display(), error = e)
}

pub(super) fn check_cmd(a: CheckArgs) -> Result<(), Failure> {
    let lang = a.print.lang;
    let limits = a.sizes.limits();
    let (all, errors) = targets(&a, &limits)?;
    if !errors.is_empty() {
        return Err(load_failed(&a, &errors));
    }
    let total = all.len();
    let baselines = a.save_baseline.is_some() || a.against_baseline.is_some();
    let targets: Vec<Target> = all
        .into_iter()
        .filter(|t| baselines || t.scenario.expect.is_some())
        .collect();
    if targets.is_empty() {
        return Err(Failure::BadInput(tr!(
            lang,
            "check.error.none",
            count = total
        )));
    }
    for (flag, v) in [("--runs", a.runs), ("--max-runs", a.max_runs)] {
        match v {
            Some(n) if n < 2 => {
                return Err(Failure::BadInput(format!(
                    "{flag} {n}: checking needs at least 2 runs (a confidence interval)"
                )));
            }
            Some(n) if n > limits.max_runs => {
                return Err(Failure::BadInput(format!(
                    "{flag} {n} is above the limit of {}{}",
                    limits.max_runs,
                    limits.hint()
                )));
            }
            _ => {}
        }
    }
    let cli_min = cli_min_changes(&a, &targets)?;
    let junit = prepare(lang, &a.junit)?;
    let markdown = prepare(lang, &a.markdown)?;
    // The baselines are read, and the folder to save them in is tried, before anything runs.
    let old: Vec<Option<Baseline>> = match &a.against_baseline {
        Some(dir) => load_baselines(dir, &targets, a.allow_missing_baseline, lang)?,
        None => vec![],
    };
    if let Some(dir) = &a.save_baseline {
        crate::atomic::AtomicDir::create(dir).map_err(|e| write_error(lang, dir, e))?;
    }
    if !a.quiet.quiet && targets.len() < total {
        eprintln!(
            "{}",
            tr!(lang, "check.skipped", count = total - targets.len())
        );
    }
    let confidence = check::look_confidence(a.decide);
    let mut checks = vec![];
    let mut batches = vec![];
    let mut nows = vec![];
    for t in &targets {
        let (bounds, spec_runs, spec_seed) = match &t.scenario.expect {
            Some(e) => (&e.bounds[..], e.runs, e.seed),
            None => (&[][..], t.scenario.runs.max(2), t.scenario.seed),
        };
        let seed = a.seed.unwrap_or(spec_seed);
        let mut runs = a.runs.unwrap_or(spec_runs);
        let cap = a
            .max_runs
            .unwrap_or(runs.saturating_mul(8))
            .clamp(runs, limits.max_runs.max(runs));
        let started = std::time::Instant::now();
        let mut looks = 0;
        let mut growing = Growing::new(&t.scenario, seed, a.workers.threads, a.quiet.quiet, lang);
        let (judgements, result) = loop {
            looks += 1;
            let batch = growing.grow_to(runs)?;
            let judgements = check::judge_all(bounds, &batch, confidence);
            match check::next_runs(&judgements, runs, cap) {
                Some(next) if a.decide && looks < check::LOOKS => runs = next,
                _ => break (judgements, batch),
            }
        };
        if baselines {
            nows.push(Baseline::of(&result, &growing.rows));
        }
        batches.push(result);
        checks.push(ScenarioCheck {
            file: t.file.clone(),
            name: t.scenario.name.clone(),
            runs,
            seed,
            looks,
            seconds: started.elapsed().as_secs_f64(),
            judgements,
            baseline: None,
        });
    }
    if a.against_baseline.is_some() {
        let sides = Sides {
            old: &old,
            nows: &nows,
            targets: &targets,
            batches: &batches,
        };
        compare_baselines(&mut checks, &sides, &cli_min, a.strict);
    }
    if let Some(dir) = &a.save_baseline {
        for b in &nows {
            b.save(dir)
                .map_err(|e| Failure::Write(write_message(lang, dir, e)))?;
        }
        if !a.quiet.quiet {
            eprintln!(
                "{}",
                tr!(
                    lang,
                    "check.baseline.saved",
                    count = batches.len(),
                    dir = dir.display()
                )
            );
        }
    }
    finish(&a, &checks, [junit, markdown])
}

/// Prints the results (the table, or JSON), writes the JUnit and Markdown files, and says
/// whether the check failed.
fn finish(
    a: &CheckArgs,
    checks: &[ScenarioCheck],
    files: [Option<(AtomicFile, &Path)>; 2],
) -> Result<(), Failure> {
    let lang = a.print.lang;
    let [junit, markdown] = files;
    if a.print.json {
        print!("{}", out::json(checks));
    } else if !a.quiet.quiet {
        print!("{}", out::table(checks, lang));
        print!("{}", out::headline_table(checks, lang));
        let (_, _, undecided) = out::totals(checks);
        if undecided > 0 && !a.decide {
            println!("{}", tr!(lang, "check.hint_decide"));
        }
    }
    for (file, text) in [
        (junit, out::junit(checks, lang)),
        (markdown, out::markdown(checks, lang)),
    ] {
        if let Some((f, path)) = file {
            f.write(text.as_bytes())
                .map_err(|e| Failure::Write(write_message(lang, path, e)))?;
            if !a.quiet.quiet {
                eprintln!("{}", tr!(lang, "check.wrote", file = path.display()));
            }
        }
    }
    let (_, fail, undecided) = out::totals(checks);
    if fail > 0 || (a.strict && undecided > 0) {
        let first = checks
            .iter()
            .flat_map(|c| c.judgements.iter().map(move |j| (c, j)))
            .find(|(_, j)| {
                j.verdict == Verdict::Fail || (a.strict && j.verdict == Verdict::Undecided)
            })
            .map(|(c, j)| format!("{}: {}", c.name, out::finding(lang, j)))
            .or_else(|| {
                checks.iter().find_map(|c| {
                    let b = c.baseline.as_ref()?;
                    let failed = b.verdict() == Verdict::Fail
                        || (a.strict && b.verdict() == Verdict::Undecided);
                    failed.then(|| {
                        let (name, observed, _) = out::baseline_cells(lang, b);
                        format!("{}: {name}: {observed}", c.name)
                    })
                })
            })
            .unwrap_or_default();
        return Err(Failure::Checked(tr!(
            lang,
            "check.failed",
            fail = fail,
            undecided = undecided,
            first = first
        )));
    }
    Ok(())
}

/// The baselines of `targets` in `dir`. A baseline without metrics, or none for any target
/// (a missing or empty folder), is an error unless `allow_missing` (then it counts as absent).
fn load_baselines(
    dir: &Path,
    targets: &[Target],
    allow_missing: bool,
    lang: Lang,
) -> Result<Vec<Option<Baseline>>, Failure> {
    let mut old = vec![];
    for t in targets {
        let b = Baseline::load(dir, &t.scenario.name, lang).map_err(Failure::BadInput)?;
        let b = match b {
            Some(b) if b.metrics.is_empty() && !allow_missing => {
                let file = dir.join(format!("{}.json", t.scenario.name));
                return Err(Failure::BadInput(tr!(
                    lang,
                    "check.error.empty_metrics",
                    file = file.display(),
                    dir = dir.display()
                )));
            }
            Some(b) if b.metrics.is_empty() => None,
            b => b,
        };
        old.push(b);
    }
    if !allow_missing && old.iter().all(Option::is_none) {
        let files: Vec<String> = targets
            .iter()
            .map(|t| format!("{}.json", t.scenario.name))
            .collect();
        return Err(Failure::BadInput(tr!(
            lang,
            "check.error.no_baseline",
            dir = dir.display(),
            count = targets.len(),
            files = files.join(", ")
        )));
    }
    Ok(old)
}

/// The two sides of the baseline comparisons, aligned with the checks: the baselines found
/// (`None` where a scenario has none), and the new batches with their per-run values.
struct Sides<'a> {
    old: &'a [Option<Baseline>],
    nows: &'a [Baseline],
    targets: &'a [Target],
    batches: &'a [crate::metrics::BatchResult],
}

/// Compares every scenario that has a baseline (both families corrected over the whole
/// command) and gives each check its outcome.
fn compare_baselines(
    checks: &mut [ScenarioCheck],
    sides: &Sides,
    cli_min: &MinChanges,
    strict: bool,
) {
    let mut pairs: Vec<Pair> = vec![];
    let mut paired = vec![false; checks.len()];
    for (i, b) in sides.old.iter().enumerate() {
        let Some(b) = b else { continue };
        let pair = Pair::new(
            b,
            &sides.nows[i],
            &sides.batches[i].catalogue,
            sides.targets[i].scenario.expect.as_ref(),
            cli_min,
        );
        paired[i] = pair.paired();
        pairs.push(pair);
    }
    let cmp = baseline::compare(&pairs, ALPHA);
    let families = [
        cmp.family(Family::Headline),
        cmp.family(Family::Exploratory),
    ];
    for (i, c) in checks.iter_mut().enumerate() {
        let b = sides.old[i].as_ref();
        let mine = |s: &str| s == c.name;
        c.baseline = Some(BaselineOutcome {
            found: b.map(|b| (b.seed, b.runs, b.payfault.clone())),
            format: b.map_or(baseline::FORMAT, |b| b.format),
            paired: paired[i],
            shifts: cmp
                .shifts
                .iter()
                .filter(|s| mine(&s.scenario))
                .cloned()
                .collect(),
            constant: cmp
                .constant
                .iter()
                .filter(|(s, _, _)| mine(s))
                .map(|(_, m, f)| (m.clone(), *f))
                .collect(),
            not_tested: cmp
                .not_tested
                .iter()
                .filter(|n| mine(&n.scenario))
                .cloned()
                .collect(),
            families,
            alpha: ALPHA,
            strict,
        });
    }
}

/// A check's batch, grown look by look: the runs already made are kept (their metric rows
/// and histograms) and only the new ones run. The batch of n runs is then exactly the batch a
/// fresh `n`-run check makes: the rows are folded in run order through the same
/// [`Folder`](crate::metrics::Folder), and histograms add exactly.
struct Growing<'a> {
    scenario: &'a Scenario,
    seed: u64,
    threads: usize,
    quiet: bool,
    lang: Lang,
    rows: Vec<Vec<Option<f64>>>,
    hists: Option<(hdrhistogram::Histogram<u64>, hdrhistogram::Histogram<u64>)>,
}

impl<'a> Growing<'a> {
    fn new(scenario: &'a Scenario, seed: u64, threads: usize, quiet: bool, lang: Lang) -> Self {
        Growing {
            scenario,
            seed,
            lang,
            threads,
            quiet,
            rows: vec![],
            hists: None,
        }
    }

    /// Runs the runs up to `runs` not made yet; the batch of runs `0..runs`.
    fn grow_to(&mut self, runs: u64) -> Result<crate::metrics::BatchResult, Failure> {
        let done = self.rows.len() as u64;
        let bar = progress_bar(runs - done, &self.scenario.name, self.quiet, self.lang);
        let opts = BatchOptions {
            runs,
            seed: self.seed,
            threads: self.threads,
        };
        let rows = &mut self.rows;
        let part = run_batch_range(
            self.scenario,
            &opts,
            done..runs,
            cancel_flag(),
            |_, v| {
                rows.push(v.to_vec());
                Ok(())
            },
            |d| bar.set_position(d),
        );
        bar.finish_and_clear();
        let part = part.map_err(|e| Failure::from(JobError::from(e)))?;
        let (settle, latency) = self.hists.get_or_insert_with(|| {
            (
                crate::metrics::settle_histogram(),
                crate::metrics::latency_histogram(),
            )
        });
        settle
            .add(&part.settle_delay_ms)
            .expect("histograms share bounds");
        latency
            .add(&part.auth_latency_us)
            .expect("histograms share bounds");
        let mut folder = crate::metrics::Folder::new(part.catalogue);
        for r in &self.rows {
            folder.push(r);
        }
        folder.settle_delay_ms = settle.clone();
        folder.auth_latency_us = latency.clone();
        Ok(folder.finish(&self.scenario.name, self.seed, runs, part.horizon_s))
    }
}

//! `payfault trace`: the stories of chosen payments, step by step, for trainers.
//!
//! A census of a run finds the payments that match the filters (outcome, cause, code); a
//! replay of the same run (runs are deterministic) records their steps (both
//! `runner::replay`), which `report::story` tells. The search spans the batch's runs until
//! `--limit` stories are found.

use super::Failure;
use super::args::{Batch, Print, Sizes};
use crate::atomic::AtomicFile;
use crate::i18n::Lang;
use crate::model::{Outcome, RunError};
use crate::report::story::{self, Story};
use crate::runner::replay::{self, Filter};
use crate::scenario::Scenario;
use crate::tr;
use clap::Args;
use std::path::{Path, PathBuf};

#[derive(Args, Debug)]
pub struct TraceArgs {
    /// Scenario file (TOML), or a built-in scenario's name (`payfault list` shows them all: baseline, outage, disputes, failover ...). Without it, the built-in baseline scenario.
    scenario: Option<PathBuf>,
    /// Only this run of the batch (runs are numbered from 0). Without it, the search spans
    /// runs 0, 1, ... up to the batch's runs.
    #[arg(long, short = 'r')]
    run: Option<u64>,
    /// Tell the payments of one of the scenario's [[variant]] designs instead of the scenario
    /// itself (the same payments, met by that design).
    #[arg(long)]
    variant: Option<String>,
    #[command(flatten)]
    batch: Batch,
    /// The payment's number within the run (from 0; the run is --run, or 0).
    #[arg(long, short = 'p', conflicts_with_all = ["outcome", "cause", "code"])]
    payment: Option<u64>,
    /// Only payments that ended with this outcome: settled_on_time, settled_late, declined,
    /// reversed, not_arrived, charged_without_sale, chargeback, pending, paid_short, voided,
    /// refunded, or false_decline
    /// (declined although payable). Without any filter: payments struck by a cause the
    /// scenario demonstrates (in its first 10 runs), else payments not settled on time.
    #[arg(long)]
    outcome: Option<String>,
    /// Only payments counted against this cause (a name as in summary.json, or a fault id).
    #[arg(long)]
    cause: Option<String>,
    /// Only payments answered or decided with this response code (e.g. 62), or, for 68
    /// (response received too late), reversed with it as the reason.
    #[arg(long)]
    code: Option<String>,
    /// How many matching payments to tell.
    #[arg(long, short = 'k', default_value_t = 1)]
    limit: usize,
    /// Write one row per payment of the traced run to this CSV file.
    #[arg(long)]
    csv: Option<PathBuf>,
    /// Write the swimlane of the first told payment (one lane per party, the messages as
    /// arrows in time order, the money's postings) to this SVG file.
    #[arg(long, value_name = "FILE")]
    svg: Option<PathBuf>,
    #[command(flatten)]
    print: Print,
    #[command(flatten)]
    sizes: Sizes,
}

impl TraceArgs {
    /// The language of what the command prints (`--lang`).
    pub(super) fn lang(&self) -> crate::i18n::Lang {
        self.print.lang
    }
}

/// The response codes a `--code` may name.
const CODES: [u8; 17] = [
    0, 5, 14, 30, 51, 54, 55, 57, 59, 61, 62, 65, 68, 91, 94, 96, 98,
];

fn run_error(e: RunError) -> Failure {
    match e {
        RunError::Memory { .. } => Failure::BadInput(e.to_string()),
        RunError::Invariant(_) => Failure::Runtime(e.to_string()),
        RunError::Interrupted => Failure::Interrupted("interrupted: nothing written".into()),
    }
}

/// A value among `names`, case-insensitively; else a bad-input error with did-you-mean and
/// the accepted values.
fn pick_name(
    lang: Lang,
    flag: &str,
    what: &str,
    value: &str,
    names: &[&str],
) -> Result<String, Failure> {
    let lower = value.to_lowercase();
    if let Some(n) = names.iter().find(|n| n.to_lowercase() == lower) {
        return Ok(n.to_string());
    }
    Err(Failure::BadInput(tr!(
        lang,
        "trace.error.unknown",
        flag = flag,
        value = value,
        what = what,
        hint = crate::scenario::error::did_you_mean_in(lang, &lower, names),
        accepted = names.join(", ")
    )))
}

/// The filters of the command line, checked against the scenario.
pub fn filter(
    s: &Scenario,
    lang: Lang,
    outcome: Option<&str>,
    cause: Option<&str>,
    code_arg: Option<&str>,
) -> Result<Filter, Failure> {
    let mut f = Filter::default();
    if let Some(o) = outcome {
        let mut names: Vec<&str> = Outcome::ALL.iter().map(|o| o.name()).collect();
        names.push("false_decline");
        f.outcome = Some(pick_name(
            lang,
            "outcome",
            tr!(lang, "trace.error.what_outcome"),
            o,
            &names,
        )?);
    }
    if let Some(c) = cause {
        let all = crate::model::cause::names(s);
        let names: Vec<&str> = all.iter().skip(1).map(|n| n.as_str()).collect();
        f.cause = Some(pick_name(
            lang,
            "cause",
            tr!(lang, "trace.error.what_cause"),
            c,
            &names,
        )?);
    }
    if let Some(c) = code_arg {
        let accepted: Vec<String> = CODES.iter().map(|c| format!("{c:02}")).collect();
        match c.trim().parse::<u8>() {
            Ok(n) if CODES.contains(&n) => f.code = Some(n),
            _ => {
                return Err(Failure::BadInput(tr!(
                    lang,
                    "trace.error.code",
                    value = c,
                    accepted = accepted.join(", ")
                )));
            }
        }
    }
    Ok(f)
}

/// A CSV (or SVG) output prepared before any simulation, so that an unwritable place fails at once and
/// nothing partial is left on error.
struct CsvOut {
    file: AtomicFile,
    path: PathBuf,
}

fn prepare_csv(lang: Lang, path: &Path) -> Result<CsvOut, Failure> {
    let file = AtomicFile::prepare(path).map_err(|e| {
        Failure::BadInput(tr!(
            lang,
            "trace.error.csv",
            file = path.display(),
            error = e
        ))
    })?;
    Ok(CsvOut {
        file,
        path: path.to_owned(),
    })
}

pub fn trace_cmd(a: TraceArgs) -> Result<(), Failure> {
    let lang = a.print.lang;
    let input = super::read_input(a.scenario.as_deref(), lang)?;
    let (scn, _) = super::design_from(&input, a.variant.as_deref(), &a.sizes.limits(), lang)?;
    let (seed, runs) = check_args(&a, &scn)?;
    let f = filter(
        &scn,
        lang,
        a.outcome.as_deref(),
        a.cause.as_deref(),
        a.code.as_deref(),
    )?;
    let csv = match &a.csv {
        Some(p) => Some(prepare_csv(lang, p)?),
        None => None,
    };
    let svg = match &a.svg {
        Some(p) => Some(CsvOut {
            file: AtomicFile::prepare(p).map_err(|e| {
                Failure::BadInput(tr!(lang, "teach.error_svg", file = p.display(), error = e))
            })?,
            path: p.clone(),
        }),
        None => None,
    };
    // Without any filter, the stories show the point: a payment struck by a cause the
    // scenario demonstrates, if its first runs have one.
    let unfiltered = f.outcome.is_none() && f.cause.is_none() && f.code.is_none();
    let shown = match unfiltered && a.payment.is_none() && csv.is_none() {
        true => demonstrated(&a, &scn, (seed, runs))?,
        false => None,
    };
    let (stories, csv_rows) = match shown {
        Some(stories) => (stories, None),
        None => find(&a, &scn, (seed, runs), &f, csv.is_some())?,
    };
    print_stories(&a, &stories, seed, runs);
    if let (Some(out), Some((run, rows))) = (csv, csv_rows) {
        write_csv(lang, out, &scn, run, &rows)?;
    }
    if let (Some(out), Some(first)) = (svg, stories.first()) {
        write_svg(lang, out, &scn, seed, first)?;
    }
    Ok(())
}

/// Writes the swimlane of the story `st` (its steps recorded again: runs are deterministic)
/// to the SVG file prepared before the simulation.
fn write_svg(
    lang: Lang,
    out: CsvOut,
    scn: &Scenario,
    seed: u64,
    st: &Story,
) -> Result<(), Failure> {
    let CsvOut { file, path } = out;
    let recorded = replay::record(scn, seed, st.run, &[st.serial]).map_err(run_error)?;
    let Some(r) = recorded.first() else {
        return Ok(());
    };
    let svg = crate::report::swimlane::swimlane_svg(scn, r.serial, &r.steps, lang);
    file.write(svg.as_bytes()).map_err(|e| {
        Failure::Runtime(tr!(
            lang,
            "teach.error_svg",
            file = path.display(),
            error = e
        ))
    })?;
    eprintln!(
        "{}",
        tr!(
            lang,
            "teach.wrote_svg",
            file = path.display(),
            serial = st.serial,
            run = st.run
        )
    );
    Ok(())
}

/// The runs searched for a demonstrated cause's payments when no filter is given (each run a
/// replay: the search stays bounded on a large batch).
const DEMONSTRATED_RUNS: u64 = 10;

/// The stories of the first cause the scenario demonstrates that struck a payment in its first
/// runs (said on stderr), or `None`.
fn demonstrated(
    a: &TraceArgs,
    scn: &Scenario,
    (seed, runs): (u64, u64),
) -> Result<Option<Vec<Story>>, Failure> {
    let names = crate::model::cause::names(scn);
    for c in scn.demonstrates.iter().filter(|c| names.contains(c)) {
        let f = Filter {
            cause: Some(c.clone()),
            ..Filter::default()
        };
        let span = (seed, runs.min(DEMONSTRATED_RUNS));
        let (stories, _) = find(a, scn, span, &f, false)?;
        if !stories.is_empty() {
            if !a.print.json {
                eprintln!("{}", tr!(a.print.lang, "trace.demonstrated", cause = c));
            }
            return Ok(Some(stories));
        }
    }
    Ok(None)
}

/// The batch's seed and runs, once the options are checked against the scenario; refuses up
/// front a census that would not fit.
fn check_args(a: &TraceArgs, scn: &Scenario) -> Result<(u64, u64), Failure> {
    let lang = a.print.lang;
    let seed = a.batch.seed.unwrap_or(scn.seed);
    let runs = a.batch.runs.unwrap_or(scn.runs);
    if runs == 0 {
        return Err(Failure::BadInput(tr!(lang, "trace.error.runs_zero").into()));
    }
    let max = a.sizes.limits().max_runs;
    if runs > max {
        return Err(Failure::BadInput(format!(
            "--runs {runs} is above the limit of {max}{}",
            a.sizes.limits().hint()
        )));
    }
    if let Some(r) = a.run
        && r >= runs
    {
        return Err(Failure::BadInput(tr!(
            lang,
            "trace.error.run_beyond",
            run = r,
            runs = runs,
            last = runs - 1
        )));
    }
    if a.limit == 0 {
        return Err(Failure::BadInput(tr!(lang, "trace.error.limit").into()));
    }
    // A SIGINT or SIGTERM from here on stops the replays (exit 130) and removes the CSV's
    // temporary file.
    crate::runner::job::cancel_flag();
    // The census keeps a row per payment of a run: refuse up front what would not fit.
    let need = replay::census_bytes(scn);
    if need > replay::CENSUS_MAX_BYTES && !a.sizes.allow_large {
        return Err(Failure::BadInput(format!(
            "tracing needs a row per payment of a run: about {} MB for up to about \
             {:.0} payments a run, above the {} MB trace allows; shorten the traffic window \
             (simulation.traffic_window) or the rates for the lesson, or pass --allow-large",
            need / 1_000_000,
            need as f64 / replay::ROW_BYTES as f64,
            replay::CENSUS_MAX_BYTES / 1_000_000
        )));
    }
    Ok((seed, runs))
}

/// The stories of a trace, and, when `csv`, the census of the run the CSV tells (the run
/// asked for, or where the first match was).
#[allow(clippy::type_complexity)]
fn find(
    a: &TraceArgs,
    scn: &Scenario,
    (seed, runs): (u64, u64),
    f: &Filter,
    csv: bool,
) -> Result<(Vec<Story>, Option<(u64, Vec<replay::Row>)>), Failure> {
    let lang = a.print.lang;
    let mut stories: Vec<Story> = vec![];
    let mut csv_rows: Option<(u64, Vec<replay::Row>)> = None;
    if let Some(serial) = a.payment {
        let run = a.run.unwrap_or(0);
        if csv {
            let rows = replay::census(scn, seed, run).map_err(run_error)?;
            csv_rows = Some((run, rows));
        }
        let recorded = replay::record(scn, seed, run, &[serial]).map_err(run_error)?;
        let told = story::tell(scn, seed, &recorded, lang);
        if told.is_empty() {
            let count = replay::payments(scn, seed, run).map_err(run_error)?;
            return Err(Failure::BadInput(tr!(
                lang,
                "trace.error.payment",
                serial = serial,
                run = run,
                count = count
            )));
        }
        return Ok((told, csv_rows));
    }
    let span: Vec<u64> = match a.run {
        Some(r) => vec![r],
        None => (0..runs).collect(),
    };
    for run in span {
        // Without a spreadsheet, the search ends at the last payment it needs.
        let (want, rows) = if csv && csv_rows.is_none() {
            let rows = replay::census(scn, seed, run).map_err(run_error)?;
            let found = replay::matching(&rows, f);
            (
                found.into_iter().take(a.limit - stories.len()).collect(),
                Some(rows),
            )
        } else {
            let n = a.limit - stories.len();
            let want = replay::first_matching(scn, seed, run, f, n).map_err(run_error)?;
            (want, None)
        };
        if !want.is_empty() {
            let recorded = replay::record(scn, seed, run, &want).map_err(run_error)?;
            stories.extend(story::tell(scn, seed, &recorded, lang));
        }
        if let Some(rows) = rows
            && (!stories.is_empty() || a.run.is_some())
        {
            csv_rows = Some((run, rows));
        }
        if stories.len() >= a.limit {
            break;
        }
    }
    if csv && csv_rows.is_none() {
        let rows = replay::census(scn, seed, 0).map_err(run_error)?;
        csv_rows = Some((0, rows));
    }
    Ok((stories, csv_rows))
}

/// Prints the stories (text or JSON), or the sentence saying none was found.
fn print_stories(a: &TraceArgs, stories: &[Story], seed: u64, runs: u64) {
    let lang = a.print.lang;
    if a.print.json {
        print!("{}", story::json(stories));
    } else {
        for (i, st) in stories.iter().enumerate() {
            if i > 0 {
                println!();
            }
            print!("{}", story::text(st, lang));
        }
    }
    if stories.is_empty() {
        // Nothing found is an answer, not a failure (exit 0).
        let what = describe_filter(lang, a);
        let msg = match a.run {
            Some(r) => tr!(
                lang,
                "trace.none_found_one",
                filter = what,
                run = r,
                seed = seed
            ),
            None => tr!(
                lang,
                "trace.none_found",
                filter = what,
                first = 0,
                last = runs - 1,
                seed = seed
            ),
        };
        if a.print.json {
            eprintln!("{msg}");
        } else {
            println!("{msg}");
        }
    }
}

/// Writes the census of run `run` to the CSV file prepared before the simulation.
fn write_csv(
    lang: Lang,
    out: CsvOut,
    scn: &Scenario,
    run: u64,
    rows: &[replay::Row],
) -> Result<(), Failure> {
    let CsvOut { file, path } = out;
    let bad = |e: std::io::Error| {
        Failure::Runtime(tr!(
            lang,
            "trace.error.csv",
            file = path.display(),
            error = e
        ))
    };
    file.write(story::csv(scn, rows).as_bytes()).map_err(bad)?;
    eprintln!(
        "{}",
        tr!(
            lang,
            "trace.wrote_csv",
            file = path.display(),
            rows = rows.len(),
            run = run
        )
    );
    Ok(())
}

/// The filters in words, for the "none found" sentence.
fn describe_filter(lang: Lang, a: &TraceArgs) -> String {
    let mut parts = vec![];
    if let Some(o) = &a.outcome {
        parts.push(format!("--outcome {o}"));
    }
    if let Some(c) = &a.cause {
        parts.push(format!("--cause {c}"));
    }
    if let Some(c) = &a.code {
        parts.push(format!("--code {c}"));
    }
    if parts.is_empty() {
        tr!(lang, "trace.not_settled").to_string()
    } else {
        parts.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_code_has_a_meaning_in_both_languages() {
        for c in CODES {
            for lang in Lang::ALL {
                assert!(lang.has(&format!("code.{c:02}")), "code {c:02} in {lang:?}");
            }
        }
    }
}

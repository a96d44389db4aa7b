//! One batch of a scenario written to an output folder: the orchestration that `run` (and the
//! commands built on it, `merge` among them) share. The scenario is read once and the text that
//! ran is written beside the results; Ctrl-C stops the batch between runs; a progress bar shows
//! on a terminal; every file is written atomically, so a failure or an interruption leaves
//! nothing behind. The batch and the replays behind the charts and the example stories are the
//! runner's (`runner`, `runner::replay`); the files are written here.

use crate::atomic::{self, AtomicDir};
use crate::metrics::BatchResult;
use crate::report::{self, RunsCsv};
use crate::runner::job::{JobError, cancel_flag, progress_bar};
use crate::runner::{BatchOptions, memory, replay, run_batch_for_report, stories};
use crate::scenario::Scenario;
use crate::tr;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

/// What a finished job produced.
pub struct JobOutput {
    pub batch: BatchResult,
    pub written: Vec<PathBuf>,
}

/// How the results are presented to people: the language of the report and the charts, and
/// whether to draw the charts.
#[derive(Clone, Copy, Debug, Default)]
pub struct View {
    pub lang: crate::i18n::Lang,
    pub charts: bool,
}

/// Runs a batch of `scenario` and writes `summary.json`, `runs.csv`, `histograms.json`,
/// `scenario.toml` (the text that ran), `topology.svg`, `report.html` and (unless switched off) the charts to
/// `dir`.
pub fn run_to_dir(
    scenario: &Scenario,
    opts: &BatchOptions,
    dir: &Path,
    quiet: bool,
    view: View,
) -> Result<JobOutput, JobError> {
    // Every stage's memory, before anything is created or run.
    memory::Estimate::batch(scenario, memory::workers(opts.threads))
        .with_report(scenario)
        .check()
        .map_err(JobError::Options)?;
    // The handler first: a SIGINT or SIGTERM from here on removes the temporaries.
    let cancel = cancel_flag();
    let mut out = AtomicDir::create(dir).map_err(|e| JobError::Output(e.to_string()))?;
    let bar = progress_bar(opts.runs, &scenario.name, quiet, view.lang);
    let mut rows = RunsWriter::new(scenario, opts.seed, &mut out).map_err(io)?;
    // With charts, run 0 is sampled as it runs, so the report needs no second replay of it.
    let batch = run_batch_for_report(
        scenario,
        opts,
        cancel,
        (
            |run, vals| rows.push(run, vals),
            |done| bar.set_position(done),
        ),
        view.charts,
    );
    bar.finish_and_clear();
    write_batch(scenario, batch?, rows, view, out, None)
}

fn io(e: std::io::Error) -> JobError {
    JobError::Write(e.to_string())
}

/// `runs.csv` being written, one run's row at a time, in run order.
///
/// It has one column per metric; of the per-cause breakdown, only the causes that struck in
/// some run (as in summary.json), so a fault that never fires changes nothing. Rows are
/// streamed to a working file without the cause columns; the causes' non-zero cells go to a
/// second working file, one line a run, and the two are joined at the end ([`write_batch`]).
/// Memory stays flat in the number of runs: only the set of causes that struck is kept.
pub struct RunsWriter {
    all: Vec<String>,
    is_cause: Vec<bool>,
    body_path: PathBuf,
    csv: RunsCsv<atomic::OutFile>,
    cells_path: PathBuf,
    cells: atomic::OutFile,
    struck: std::collections::BTreeSet<usize>,
    seed: u64,
}

impl RunsWriter {
    /// A writer for the runs of `scenario` with `seed`, its working files in `out`.
    pub fn new(scenario: &Scenario, seed: u64, out: &mut AtomicDir) -> std::io::Result<Self> {
        let all = crate::metrics::Catalogue::for_scenario(scenario).names();
        let is_cause = all
            .iter()
            .map(|n| n.starts_with(crate::metrics::CAUSES))
            .collect();
        let (body_path, body) = out.scratch("runs.csv")?;
        let (cells_path, cells) = out.scratch("runs-causes.txt")?;
        Ok(RunsWriter {
            all,
            is_cause,
            body_path,
            csv: RunsCsv::body(body),
            cells_path,
            cells,
            struck: Default::default(),
            seed,
        })
    }

    /// Adds run `run`'s metric values (the catalogue's order).
    pub fn push(&mut self, run: u64, vals: &[Option<f64>]) -> Result<(), String> {
        use std::io::Write;
        let row: Vec<Option<f64>> = vals
            .iter()
            .zip(&self.is_cause)
            .filter_map(|(v, &c)| (!c).then_some(*v))
            .collect();
        let mut line = String::new();
        for (i, (v, &c)) in vals.iter().zip(&self.is_cause).enumerate() {
            if let Some(x) = v
                && c
                && *x != 0.0
            {
                self.struck.insert(i);
                line.push_str(&format!("{i}={x} "));
            }
        }
        line.push('\n');
        self.cells
            .write_all(line.as_bytes())
            .map_err(|e| atomic::with_path("cannot write", &self.cells_path, e))
            .map_err(|e| e.to_string())?;
        self.csv
            .row(run, self.seed, &row)
            .map_err(|e| e.to_string())
    }

    fn finish(self, out: &mut AtomicDir) -> std::io::Result<()> {
        use std::io::Write;
        self.csv
            .finish()?
            .into_inner()
            .map_err(|e| e.into_error())?
            .sync_all()?;
        let mut cells = self.cells;
        cells.flush()?;
        drop(cells);
        let runs_csv = out.file("runs.csv")?;
        join_runs_csv(
            &self.all,
            &self.is_cause,
            &self.struck,
            (&self.body_path, &self.cells_path),
            runs_csv,
        )
    }
}

/// Writes the files of a finished batch into `out` and commits them: `runs.csv` (from `rows`,
/// which saw every run of `batch` in order), `summary.json`, `histograms.json`,
/// `scenario.toml`, the charts and `report.html` (which replay run 0 of `scenario` with the
/// batch's seed). `run` and `merge` both end here, so a merged batch's files are those of the
/// batch run on one machine. `missing`: the run ranges a partial merge lacks (`None` for a
/// whole batch), said in summary.json.
pub fn write_batch(
    scenario: &Scenario,
    batch: BatchResult,
    rows: RunsWriter,
    view: View,
    mut out: AtomicDir,
    missing: Option<&[(u64, u64)]>,
) -> Result<JobOutput, JobError> {
    rows.finish(&mut out).map_err(io)?;
    out.write(
        "summary.json",
        report::summary_json_missing(&batch, missing).as_bytes(),
    )
    .map_err(io)?;
    out.write(
        "histograms.json",
        report::histograms_json(&batch).as_bytes(),
    )
    .map_err(io)?;
    out.write("scenario.toml", scenario.source.as_bytes())
        .map_err(io)?;
    let presented = present(scenario, batch.seed, &batch, view, &mut out);
    // A signal during the report stage (its replays stop with an error of their own): stop
    // before anything is put in place, as interrupted.
    if cancel_flag().load(Ordering::Relaxed) {
        return Err(JobError::Interrupted {
            completed: batch.runs,
            runs: batch.runs,
        });
    }
    presented?;
    let written = out.commit().map_err(io)?;
    Ok(JobOutput { batch, written })
}

/// The files for people: the charts (unless switched off), `topology.svg` (the network
/// diagram) and `report.html` (with each example story's swimlane and the glossary).
///
/// The example stories show the point of the scenario: its demonstrated causes and the bad
/// outcomes of the batch, searched for in its first runs (`runner::stories`). The batch kept
/// its first runs' candidates (`RunOutput::exemplars`) and, with charts, run 0's series; a
/// merged batch kept neither, and a scenario that retries keeps no candidates: replays of the
/// first runs give exactly what the whole batch would have kept, so a merge writes the whole
/// run's report. One replay per chosen run records the chosen payments.
fn present(
    scenario: &Scenario,
    seed: u64,
    batch: &BatchResult,
    view: View,
    out: &mut AtomicDir,
) -> Result<(), JobError> {
    let failed = |e: crate::model::RunError| JobError::Failed(e.to_string());
    // What the batch kept of its first runs; a merged batch kept nothing and replays run 0.
    let (first, series) = match (&batch.exemplars, &batch.series) {
        (Some(ex), Some(ts)) => (ex.clone(), Some(ts.clone())),
        (Some(ex), None) if !view.charts => (ex.clone(), None),
        (None, Some(ts)) if scenario.strategy.retry.on() => {
            let ex = replay::census_exemplars(scenario, seed, 0, replay::STORY_SAMPLE);
            (vec![ex.map_err(failed)?], Some(ts.clone()))
        }
        _ => {
            let (ex, ts) = replay::run0_extras(scenario, seed, view.charts).map_err(failed)?;
            (vec![ex], ts)
        }
    };
    let picked = stories::for_report(scenario, seed, batch, first).map_err(failed)?;
    let charts = match series {
        Some(series) if view.charts => {
            let charts = report::charts::run_charts(batch, scenario, &series, view.lang)
                .map_err(JobError::Failed)?;
            report::charts::write(&charts, out).map_err(io)?;
            charts
        }
        _ => vec![],
    };
    let figures: Vec<report::html::Figure> = charts
        .iter()
        .map(|c| report::html::Figure {
            title: &c.title,
            svg: &c.svg,
        })
        .collect();
    let names = crate::model::cause::names(scenario);
    let stories: Vec<report::html::Example> =
        report::story::tell(scenario, seed, &picked, view.lang)
            .iter()
            .map(|st| {
                let text = report::story::text(st, view.lang);
                let (title, body) = text.split_once('\n').unwrap_or((&text, ""));
                report::html::Example {
                    title: tr!(
                        view.lang,
                        "report.story_title",
                        title = title.trim_end_matches([':', '：']),
                        outcome = view.lang.get(&format!("outcome.{}", st.outcome)),
                        cause = (names.iter().position(|n| *n == st.cause))
                            .map(|i| report::html::cause_meaning(view.lang, scenario, i))
                            .unwrap_or_else(|| st.cause.clone())
                    ),
                    text: body.to_owned(),
                    swimlane: String::new(),
                }
            })
            .collect();
    // Each story's swimlane, from the same recorded steps.
    let mut stories = stories;
    for (st, r) in stories.iter_mut().zip(&picked) {
        st.swimlane = report::swimlane::swimlane_svg(scenario, r.serial, &r.steps, view.lang);
    }
    out.write(
        "topology.svg",
        report::topology::topology_svg(scenario, view.lang).as_bytes(),
    )
    .map_err(io)?;
    let html = report::html::report_html(scenario, batch, &figures, &stories, view.lang);
    out.write("report.html", html.as_bytes()).map_err(io)
}

/// Writes runs.csv: the header, then each streamed row with the columns of the causes that
/// struck in some run appended (every outcome of such a cause, zero where it did not strike).
/// `files`: the working files of the rows and of the causes' non-zero cells, read line by line.
fn join_runs_csv(
    all: &[String],
    is_cause: &[bool],
    struck: &std::collections::BTreeSet<usize>,
    files: (&Path, &Path),
    out: atomic::OutFile,
) -> std::io::Result<()> {
    use std::io::{BufRead, Write};
    let cause_of = |i: usize| {
        all[i]
            .strip_prefix(crate::metrics::CAUSES)
            .and_then(|r| r.split_once('.'))
            .map(|(c, _)| c)
    };
    let struck: std::collections::BTreeSet<&str> =
        struck.iter().filter_map(|&i| cause_of(i)).collect();
    let cols: Vec<usize> = (0..all.len())
        .filter(|&i| is_cause[i] && cause_of(i).is_some_and(|c| struck.contains(c)))
        .collect();
    let mut w = csv::Writer::from_writer(out);
    let mut header = vec!["run", "seed"];
    header.extend(
        all.iter()
            .zip(is_cause)
            .filter(|(_, c)| !**c)
            .map(|(n, _)| n.as_str()),
    );
    header.extend(cols.iter().map(|&i| all[i].as_str()));
    w.write_record(&header)?;
    let mut out = w.into_inner().map_err(|e| e.into_error())?;
    let open = |p: &Path| -> std::io::Result<_> {
        let f = std::fs::File::open(p).map_err(|e| atomic::with_path("cannot read", p, e))?;
        Ok(std::io::BufReader::new(f).lines())
    };
    let (rows, cells) = (open(files.0)?, open(files.1)?);
    for (line, cell) in rows.zip(cells) {
        let mut line = line.map_err(|e| atomic::with_path("cannot read", files.0, e))?;
        let cell = cell.map_err(|e| atomic::with_path("cannot read", files.1, e))?;
        let vals: Vec<(usize, &str)> = cell
            .split_whitespace()
            .filter_map(|c| c.split_once('='))
            .filter_map(|(i, x)| Some((i.parse().ok()?, x)))
            .collect();
        for &i in &cols {
            let v = vals.iter().find(|&&(j, _)| j == i).map_or("0", |&(_, x)| x);
            line.push(',');
            line.push_str(v);
        }
        line.push('\n');
        out.write_all(line.as_bytes())?;
    }
    out.flush()?;
    out.into_inner().map_err(|e| e.into_error())?.sync_all()
}

//! `payfault compare` and `payfault sweep`: designs run head to head on common random numbers.

use super::Failure;
use super::args::{Batch, Files, Print, Quiet, Sizes, Workers};
use crate::atomic::AtomicDir;
use crate::metrics::comparison::Comparison;
use crate::metrics::verdict::Objective;
use crate::report::compare as out;
use crate::runner::BatchOptions;
use crate::runner::compare::compare_on;
use crate::runner::job::{JobError, cancel_flag, progress_bar};
use crate::runner::shard::{Input, Kind};
use crate::scenario::Limits;
use crate::scenario::variants::{self, Design, MAX_DESIGNS, Override};
use crate::tr;
use clap::Args;
use std::path::{Path, PathBuf};

/// The options `compare` and `sweep` share.
#[derive(Args, Debug)]
pub(super) struct Common {
    #[command(flatten)]
    batch: Batch,
    #[command(flatten)]
    workers: Workers,
    #[command(flatten)]
    files: Files,
    #[command(flatten)]
    sizes: Sizes,
    #[command(flatten)]
    quiet: Quiet,
    #[command(flatten)]
    print: Print,
    /// Run only the K-th of M equal slices of the runs of every design (e.g. `--shard 2/8`)
    /// and write a partial result (partial.json, default folder .../shard-K-of-M/);
    /// `payfault merge` makes the whole command's files from the M partial results.
    #[arg(long, value_name = "K/M", value_parser = crate::runner::shard::Shard::parse)]
    shard: Option<crate::runner::shard::Shard>,
    /// What the verdict ranks the designs by: a metric of summary.json, lower is better, or
    /// with `:max` higher is better (`:min` to say lower). Default: loss_total (money not
    /// arrived, charged without a sale and charged twice, paid twice to merchants and not
    /// taken back, plus cost_total with [costs]).
    /// The settled_on_time metrics default to `:max`.
    #[arg(long, value_name = "METRIC[:min|:max]")]
    objective: Option<String>,
}

impl Common {
    /// The objective of the verdict, checked against every design's metrics.
    fn objective(&self, designs: &[Design]) -> Result<Objective, Failure> {
        let o = match &self.objective {
            Some(spec) => Objective::parse(spec).map_err(Failure::BadInput)?,
            None => Objective::default(),
        };
        let cats: Vec<crate::metrics::Catalogue> = designs
            .iter()
            .map(|d| crate::metrics::Catalogue::for_scenario(&d.scenario))
            .collect();
        o.check(designs.iter().map(|d| d.name.as_str()).zip(&cats))
            .map_err(Failure::BadInput)?;
        Ok(o)
    }
}

#[derive(Args, Debug)]
pub(super) struct CompareArgs {
    /// One scenario file with [[variant]] blocks, or two or more scenario files to compare
    /// with each other; each may be a built-in scenario's name (`payfault list` shows them all: baseline, outage, disputes, failover ...). The first design is the reference of every
    /// difference.
    #[arg(required = true)]
    scenarios: Vec<PathBuf>,
    #[command(flatten)]
    common: Common,
}

impl CompareArgs {
    /// The language of what the command prints (`--lang`).
    pub(super) fn lang(&self) -> crate::i18n::Lang {
        self.common.print.lang
    }
}

#[derive(Args, Debug)]
pub(super) struct SweepArgs {
    /// Scenario file (its [[variant]] blocks are ignored), or a built-in scenario's name (`payfault list` shows them all: baseline, outage, disputes, failover ...).
    scenario: PathBuf,
    /// A setting and the values to try: `path=v1,v2,...`, e.g.
    /// `--set strategy.terminal_timeout=10s,30s,60s` or `--set channels.scheme.servers=4,8`.
    /// Repeat for a grid: every combination runs. Values are TOML values; a bare word is a
    /// string.
    #[arg(long = "set", required = true)]
    sets: Vec<String>,
    #[command(flatten)]
    common: Common,
}

impl SweepArgs {
    /// The language of what the command prints (`--lang`).
    pub(super) fn lang(&self) -> crate::i18n::Lang {
        self.common.print.lang
    }
}

/// The texts of the files a command reads.
fn read_inputs(paths: &[PathBuf], lang: crate::i18n::Lang) -> Result<Vec<Input>, Failure> {
    paths
        .iter()
        .map(|p| {
            Ok(Input {
                text: super::read_scenario(p, lang)?,
                file: p.display().to_string(),
            })
        })
        .collect()
}

/// The designs of `payfault compare`: a file's variants, or one design per file (from the
/// files' texts; `merge` derives them the same way).
pub(super) fn designs(inputs: &[Input], limits: &Limits) -> Result<Vec<Design>, Failure> {
    if let [one] = inputs {
        let v = crate::runner::prepare::parse_variants(&one.text, &one.file, limits)?;
        if v.designs.len() < 2 {
            return Err(Failure::BadInput(format!(
                "{}: declares {} [[variant]] block(s); comparing needs at least two (e.g. \
                 [[variant]] name = \"none\" and [[variant]] name = \"failover\" with its \
                 overrides), or give two or more scenario files",
                one.file,
                v.designs.len()
            )));
        }
        return Ok(v.designs);
    }
    let mut out: Vec<Design> = vec![];
    for i in inputs {
        let s = crate::runner::prepare::parse(&i.text, &i.file, limits)?;
        let mut name = s.name.clone();
        if out.iter().any(|d| d.name == name) {
            name = Path::new(&i.file)
                .file_stem()
                .map_or(name.clone(), |x| x.to_string_lossy().into_owned());
        }
        while out.iter().any(|d| d.name == name) {
            name.push('\'');
        }
        out.push(Design {
            name,
            description: s.description.clone(),
            description_zh: s.description_zh.clone(),
            scenario: s,
        });
    }
    Ok(out)
}

pub(super) fn compare_cmd(a: CompareArgs) -> Result<(), Failure> {
    let limits = a.common.sizes.limits();
    let inputs = read_inputs(&a.scenarios, a.lang())?;
    let designs = designs(&inputs, &limits)?;
    let objective = a.common.objective(&designs)?;
    let dir = a.common.files.out.clone().unwrap_or_else(|| {
        let d = Path::new("output")
            .join(&designs[0].scenario.name)
            .join("compare");
        shard_folder(d, &a.common)
    });
    if a.common.shard.is_some() {
        return shard(
            Kind::Compare,
            (inputs, vec![]),
            &designs,
            &a.common,
            (&limits, &objective),
            &dir,
        );
    }
    let c = run(&designs, &a.common, &limits, &objective)?;
    let files = compare_files(&designs, &c, a.common.print.lang, !a.common.files.no_charts)?;
    finish(
        &dir,
        files,
        &c,
        (
            a.common.print.json,
            a.common.quiet.quiet,
            a.common.print.lang,
        ),
        "compare.json",
    )
}

/// The files of `payfault compare`: compare.json, compare.csv, each design's scenario and the
/// charts.
pub(super) fn compare_files(
    designs: &[Design],
    c: &Comparison,
    lang: crate::i18n::Lang,
    draw: bool,
) -> Result<Vec<(String, Vec<u8>)>, Failure> {
    let mut files: Vec<(String, Vec<u8>)> = vec![
        ("compare.json".into(), out::compare_json(c).into_bytes()),
        ("compare.csv".into(), out::compare_csv(c).into_bytes()),
    ];
    for d in designs {
        files.push((
            format!("{}.scenario.toml", d.name),
            d.scenario.source.clone().into_bytes(),
        ));
    }
    if draw {
        charts(&mut files, crate::report::charts::compare_charts(c, lang))?;
    }
    Ok(files)
}

/// The grid of a sweep: its designs (every combination, the last setting varying fastest),
/// the swept settings' names and each point's values.
pub(super) struct Grid {
    pub base: crate::scenario::Scenario,
    pub designs: Vec<Design>,
    pub axes: Vec<String>,
    pub labels: Vec<Vec<String>>,
}

/// The grid of `sweep --set ...` on the scenario `input` (`merge` derives it the same way).
pub(super) fn grid(input: &Input, sets: &[String], limits: &Limits) -> Result<Grid, Failure> {
    let (file, src) = (&input.file, &input.text);
    let base = crate::runner::prepare::parse(src, file, limits)?;
    let mut axes: Vec<(Vec<String>, Vec<toml::Value>)> = vec![];
    for s in sets {
        let (path, values) = variants::parse_set(s).map_err(Failure::BadInput)?;
        if axes.iter().any(|(p, _)| *p == path) {
            return Err(Failure::BadInput(format!(
                "--set {}: this setting is already swept; give all its values in one --set, \
                 separated by commas",
                path.join(".")
            )));
        }
        axes.push((path, values));
    }
    let points: usize = axes
        .iter()
        .map(|(_, v)| v.len())
        .try_fold(1usize, |acc, n| acc.checked_mul(n))
        .unwrap_or(usize::MAX);
    if points > MAX_DESIGNS {
        return Err(Failure::BadInput(format!(
            "the grid has {points} points; at most {MAX_DESIGNS} are allowed (sweep fewer values)"
        )));
    }
    // Every combination, the last setting varying fastest.
    let mut designs = vec![];
    let mut labels: Vec<Vec<String>> = vec![];
    for k in 0..points {
        let mut rest = k;
        let mut overrides = vec![];
        let mut label = vec![];
        for (path, values) in axes.iter().rev() {
            let v = &values[rest % values.len()];
            rest /= values.len();
            overrides.push(Override {
                path: path.clone(),
                value: v.clone(),
                span: None,
            });
            label.push(variants::show(v));
        }
        overrides.reverse();
        label.reverse();
        let name = axes
            .iter()
            .zip(&label)
            .map(|((p, _), v)| format!("{}={v}", p.join(".")))
            .collect::<Vec<_>>()
            .join(" ");
        let scenario = crate::runner::prepare::prepare(variants::apply(
            src,
            &format!("{file} with --set {name}"),
            &base,
            &overrides,
            &name,
            limits,
        )?)?;
        if designs.iter().any(|d: &Design| d.name == name) {
            return Err(Failure::BadInput(format!(
                "--set: the grid point {} is given twice (a value repeated in a --set); give \
                 each value once",
                name
            )));
        }
        designs.push(Design {
            name,
            description: String::new(),
            description_zh: None,
            scenario,
        });
        labels.push(label);
    }
    Ok(Grid {
        base,
        designs,
        axes: axes.iter().map(|(p, _)| p.join(".")).collect(),
        labels,
    })
}

pub(super) fn sweep_cmd(a: SweepArgs) -> Result<(), Failure> {
    let limits = a.common.sizes.limits();
    let input = read_inputs(std::slice::from_ref(&a.scenario), a.lang())?.remove(0);
    let g = grid(&input, &a.sets, &limits)?;
    let objective = a.common.objective(&g.designs)?;
    let dir = a.common.files.out.clone().unwrap_or_else(|| {
        shard_folder(
            Path::new("output").join(&g.base.name).join("sweep"),
            &a.common,
        )
    });
    if a.common.shard.is_some() {
        let sets = a.sets.clone();
        return shard(
            Kind::Sweep,
            (vec![input], sets),
            &g.designs,
            &a.common,
            (&limits, &objective),
            &dir,
        );
    }
    let c = run(&g.designs, &a.common, &limits, &objective)?;
    let files = sweep_files(
        &input.text,
        &g,
        &c,
        a.common.print.lang,
        !a.common.files.no_charts,
    )?;
    finish(
        &dir,
        files,
        &c,
        (
            a.common.print.json,
            a.common.quiet.quiet,
            a.common.print.lang,
        ),
        "sweep.json",
    )
}

/// The files of `payfault sweep`: sweep.csv, sweep.json, the scenario and the charts.
pub(super) fn sweep_files(
    src: &str,
    g: &Grid,
    c: &Comparison,
    lang: crate::i18n::Lang,
    draw: bool,
) -> Result<Vec<(String, Vec<u8>)>, Failure> {
    let mut files = vec![
        (
            "sweep.csv".to_owned(),
            out::sweep_csv(c, &g.axes, &g.labels).into_bytes(),
        ),
        ("sweep.json".to_owned(), out::compare_json(c).into_bytes()),
        ("scenario.toml".to_owned(), src.to_owned().into_bytes()),
    ];
    if draw {
        charts(
            &mut files,
            crate::report::charts::sweep_charts(c, &g.axes, &g.labels, lang),
        )?;
    }
    Ok(files)
}

/// `dir`, or its `shard-K-of-M` subfolder with `--shard`.
fn shard_folder(dir: PathBuf, a: &Common) -> PathBuf {
    match a.shard {
        Some(s) => dir.join(s.folder()),
        None => dir,
    }
}

/// `--shard`: runs the shard's runs of every design and writes the partial result.
fn shard(
    kind: Kind,
    (inputs, sets): (Vec<Input>, Vec<String>),
    designs: &[Design],
    a: &Common,
    (limits, objective): (&Limits, &Objective),
    dir: &Path,
) -> Result<(), Failure> {
    let shard = a.shard.expect("sharded");
    let opts = options(designs, a, limits)?;
    let head = super::shard_header(
        kind,
        shard,
        &opts,
        inputs,
        None,
        sets,
        objective.spec(),
        a.sizes.allow_large,
        designs.iter().map(|d| d.name.clone()).collect(),
        a.print.lang,
    )?;
    let named: Vec<(String, &crate::scenario::Scenario)> = designs
        .iter()
        .map(|d| (d.name.clone(), &d.scenario))
        .collect();
    super::write_shard(
        head,
        &named,
        &opts,
        dir,
        a.quiet.quiet,
        a.print.json,
        a.print.lang,
    )
}

/// Adds each chart's SVG and PNG to the files to write.
fn charts(
    files: &mut Vec<(String, Vec<u8>)>,
    charts: Result<Vec<crate::report::charts::Chart>, String>,
) -> Result<(), Failure> {
    for c in charts.map_err(|e| Failure::from(JobError::Failed(e)))? {
        files.push((format!("{}.svg", c.name), c.svg.into_bytes()));
        files.push((format!("{}.png", c.name), c.png));
    }
    Ok(())
}

/// Writes the files and, unless quiet, prints the comparison and what was written.
///
/// With `--json`, prints the file named `json` instead of the table.
pub(super) fn finish(
    dir: &Path,
    files: Vec<(String, Vec<u8>)>,
    c: &Comparison,
    (json_flag, quiet, lang): (bool, bool, crate::i18n::Lang),
    json: &str,
) -> Result<(), Failure> {
    let written = write(dir, &files)?;
    if json_flag {
        if let Some((_, text)) = files.iter().find(|(n, _)| n == json) {
            print!("{}", String::from_utf8_lossy(text));
        }
    } else if !quiet {
        let b = &c.batches[0];
        println!(
            "{}\n",
            tr!(
                lang,
                "compare.header",
                scenario = b.scenario,
                designs = c.names.len(),
                runs = b.runs,
                seed = b.seed
            )
        );
        print!("{}", out::verdict_text(c, lang));
        print!("{}", out::compare_table(c, lang));
        println!("\n{}", tr!(lang, "summary.wrote", files = written));
    }
    Ok(())
}

/// The batch options of the command line (defaults from the first design).
fn options(designs: &[Design], a: &Common, limits: &Limits) -> Result<BatchOptions, Failure> {
    let first = &designs[0].scenario;
    for d in designs {
        for w in crate::scenario::capacity::warnings(&d.scenario) {
            eprintln!("warning: {}: {w}", d.name);
        }
    }
    let runs = a.batch.runs.unwrap_or(first.runs);
    // A shard runs only its slice: the limit is on the runs one machine does.
    let here = a
        .shard
        .map_or(runs, |s| s.range(runs).end - s.range(runs).start);
    if runs == 0 || here > limits.max_runs {
        return Err(Failure::BadInput(format!(
            "--runs {runs}{}: use 1 to {}{}{}",
            a.shard.map_or(String::new(), |s| format!(
                " --shard {}/{} ({here} runs on this machine)",
                s.k, s.m
            )),
            limits.max_runs,
            a.shard.map_or("", |_| " per shard"),
            limits.hint()
        )));
    }
    Ok(BatchOptions {
        runs,
        seed: a.batch.seed.unwrap_or(first.seed),
        threads: a.workers.threads,
    })
}

/// Runs the designs with the options of the command line.
fn run(
    designs: &[Design],
    a: &Common,
    limits: &Limits,
    objective: &Objective,
) -> Result<Comparison, Failure> {
    let opts = options(designs, a, limits)?;
    let first = &designs[0].scenario;
    let runs = opts.runs;
    let total = runs.saturating_mul(designs.len() as u64);
    let bar = progress_bar(
        total,
        &first.name,
        a.quiet.quiet || a.print.json,
        a.print.lang,
    );
    let c = compare_on(designs, &opts, objective, cancel_flag(), |done| {
        bar.set_position(done)
    });
    bar.finish_and_clear();
    c.map_err(|e| Failure::from(JobError::from(e)))
}

/// Writes the files atomically into `dir`; returns the list of what was written.
fn write(dir: &Path, files: &[(String, Vec<u8>)]) -> Result<String, Failure> {
    let job = |e: std::io::Error| Failure::from(JobError::Write(e.to_string()));
    // A signal from here on is honoured before the commit, and the temporaries removed.
    let stop = cancel_flag();
    let mut d = AtomicDir::create(dir).map_err(|e| Failure::Write(e.to_string()))?;
    for (name, text) in files {
        d.write(name, text).map_err(job)?;
    }
    if stop.load(std::sync::atomic::Ordering::Relaxed) {
        return Err(Failure::Interrupted(
            "interrupted: no output was written".into(),
        ));
    }
    let written = d.commit().map_err(job)?;
    Ok(written
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", "))
}

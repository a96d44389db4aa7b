//! `payfault merge`: the partial results of `--shard K/M` made into the files of the whole
//! command, byte for byte (see `runner::shard`).

use super::Failure;
use super::args::{Files, Print, Quiet, Sizes};
use crate::atomic::AtomicDir;
use crate::i18n::Lang;
use crate::metrics::comparison::{Comparison, Differ, reference_differences};
use crate::metrics::verdict::{Objective, verdict};
use crate::report;
use crate::report::folder::{self, RunsWriter};
use crate::runner::job;
use crate::runner::shard::{self, DesignFold, Header, Kind, MergeError};
use crate::scenario::variants::Design;
use crate::tr;
use clap::Args;
use std::path::{Path, PathBuf};

#[derive(Args, Debug)]
pub(super) struct MergeArgs {
    /// The partial results: the folders `--shard K/M` wrote (or their partial.json), in any
    /// order.
    #[arg(required = true)]
    partials: Vec<PathBuf>,
    #[command(flatten)]
    files: Files,
    /// Merge even if runs are missing: say on standard error which, and report the runs there
    /// are (summary.json or compare.json / sweep.json list the missing ones in runs_missing).
    #[arg(long)]
    partial: bool,
    /// Only say which shards are missing and write nothing: their numbers K on standard
    /// output in Slurm's `--array` syntax (`2,5-7`; an empty line when none is), for a script
    /// to run just those again (`sbatch --array=$(payfault merge --missing ...)`); with --json,
    /// the runs and shards missing as JSON. The partial results must be of one split
    /// (`--shard K/M` with one M).
    #[arg(long, conflicts_with = "partial")]
    missing: bool,
    #[command(flatten)]
    quiet: Quiet,
    #[command(flatten)]
    print: Print,
}

impl MergeArgs {
    /// The language of what the command prints (`--lang`).
    pub(super) fn lang(&self) -> crate::i18n::Lang {
        self.print.lang
    }
}

pub(super) fn merge_cmd(a: MergeArgs) -> Result<(), Failure> {
    let lang = a.print.lang;
    let bad = |e: MergeError| Failure::BadInput(e.message(lang));
    let files: Vec<PathBuf> = a.partials.iter().map(|p| shard::partial_file(p)).collect();
    let heads = files
        .iter()
        .map(|f| shard::read_header(f).map(|h| (f.clone(), h)))
        .collect::<Result<Vec<_>, _>>()
        .map_err(bad)?;
    let plan = shard::plan(&heads, a.partial || a.missing).map_err(bad)?;
    let h0 = &heads[0].1;
    if a.missing {
        return print_missing(&plan, h0.runs, a.print.json, lang);
    }
    say_missing(&plan, h0.runs, lang);
    let limits = Sizes {
        allow_large: heads.iter().any(|(_, h)| h.allow_large),
    }
    .limits();
    // The designs, derived from the scenario text as the command derived them.
    let (designs, grid) = match h0.kind {
        Kind::Run => {
            let (scenario, variant) =
                super::design_from(&h0.inputs[0], h0.variant.as_deref(), &limits, lang)?;
            let name = variant.unwrap_or_else(|| scenario.name.clone());
            (
                vec![Design {
                    name,
                    description: String::new(),
                    description_zh: None,
                    scenario,
                }],
                None,
            )
        }
        Kind::Compare => (super::compare::designs(&h0.inputs, &limits)?, None),
        Kind::Sweep => {
            let g = super::compare::grid(&h0.inputs[0], &h0.sets, &limits)?;
            (g.designs.clone(), Some(g))
        }
    };
    let names: Vec<String> = designs.iter().map(|d| d.name.clone()).collect();
    if names != h0.designs {
        return Err(bad(MergeError::Damaged {
            file: heads[0].0.clone(),
            damage: shard::Damage::Designs {
                found: h0.designs.len(),
                expected: names.len(),
            },
        }));
    }
    let catalogues: Vec<Vec<String>> = designs
        .iter()
        .map(|d| crate::metrics::Catalogue::for_scenario(&d.scenario).names())
        .collect();
    let missing = (!plan.missing.is_empty()).then(|| plan.missing.clone());
    let ordered: Vec<(&Path, &Header)> = plan
        .order
        .iter()
        .map(|&i| (heads[i].0.as_path(), &heads[i].1))
        .collect();
    let dir = a.files.out.clone().unwrap_or_else(|| {
        let d = Path::new("output").join(&designs[0].scenario.name);
        match (h0.kind, &h0.variant) {
            (Kind::Run, Some(v)) => d.join(v),
            (Kind::Run, None) => d,
            (Kind::Compare, _) => d.join("compare"),
            (Kind::Sweep, _) => d.join("sweep"),
        }
    });
    let view = folder::View {
        lang,
        charts: !a.files.no_charts,
    };
    if h0.kind == Kind::Run {
        let scn = &designs[0].scenario;
        // A signal from here on is honoured before the commit, and the temporaries removed.
        job::cancel_flag();
        let mut out = AtomicDir::create(&dir).map_err(|e| Failure::BadInput(e.to_string()))?;
        let mut rows =
            RunsWriter::new(scn, h0.seed, &mut out).map_err(|e| Failure::Write(e.to_string()))?;
        let mut fold = DesignFold::new(scn);
        for (file, _) in &ordered {
            let p = shard::read_partial(file, &catalogues).map_err(bad)?;
            fold.add_histograms(file, &p.designs[0]).map_err(bad)?;
            for i in 0..p.designs[0].rows.len() {
                let row = shard::row_of(file, &p, (0, i), &fold.check).map_err(bad)?;
                fold.folder.push(&row);
                rows.push(p.header.start + i as u64, &row)
                    .map_err(Failure::Write)?;
            }
        }
        let batch = fold.finish(scn, h0.seed, plan.have);
        let done = folder::write_batch(scn, batch, rows, view, out, missing.as_deref())?;
        if a.print.json {
            print!(
                "{}",
                report::summary_json_missing(&done.batch, missing.as_deref())
            );
        } else if !a.quiet.quiet {
            let b = &done.batch;
            println!(
                "{}\n",
                tr!(
                    lang,
                    "merge.header",
                    kind = "run",
                    scenario = b.scenario,
                    files = heads.len(),
                    runs = b.runs,
                    seed = b.seed
                )
            );
            print!("{}", report::console_table(b, lang));
            let files = done
                .written
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ");
            println!("\n{}", tr!(lang, "summary.wrote", files = files));
        }
        return Ok(());
    }
    // A signal during the fold is honoured before anything is written (see compare's write).
    job::cancel_flag();
    let c = fold_comparison(&designs, h0, &ordered, (plan.have, missing), lang)?;
    let (files, json) = match &grid {
        None => (
            super::compare::compare_files(&designs, &c, lang, view.charts)?,
            "compare.json",
        ),
        Some(g) => (
            super::compare::sweep_files(&h0.inputs[0].text, g, &c, lang, view.charts)?,
            "sweep.json",
        ),
    };
    super::compare::finish(&dir, files, &c, (a.print.json, a.quiet.quiet, lang), json)
}

/// Says on stderr which runs a partial merge lacks, and which shards to run again.
fn say_missing(plan: &shard::Plan, runs: u64, lang: Lang) {
    if plan.missing.is_empty() {
        return;
    }
    eprintln!(
        "{}",
        tr!(
            lang,
            "merge.missing",
            have = plan.have,
            runs = runs,
            missing = shard::show_ranges(&plan.missing)
        )
    );
    if let Some(s) = &plan.shards {
        eprintln!("{}", s.message(lang));
    }
}

/// `merge --missing`: the shards to run again, on standard output.
fn print_missing(plan: &shard::Plan, runs: u64, json: bool, lang: Lang) -> Result<(), Failure> {
    // Nothing missing is fine whatever the splits; missing runs need one split to be named.
    let (m, ks, array) = match &plan.shards {
        Some(s) => (Some(s.m), s.ks.clone(), s.array()),
        None if plan.missing.is_empty() => (None, vec![], String::new()),
        None => {
            return Err(Failure::BadInput(tr!(
                lang,
                "merge.mixed",
                missing = shard::show_ranges(&plan.missing)
            )));
        }
    };
    if json {
        let v = serde_json::json!({
            "runs": runs,
            "runs_held": plan.have,
            "runs_missing": plan.missing,
            "shards": m,
            "shards_missing": ks,
            "array": array,
        });
        println!("{}", serde_json::to_string_pretty(&v).expect("JSON"));
    } else {
        println!("{array}");
    }
    Ok(())
}

/// compare and sweep: every design folded in run order, and each paired with the first run by
/// run, as `runner::compare::compare_on` does; the verdict on the objective the shards
/// recorded (`have` runs held, `missing` the ranges lacking with `--partial`).
fn fold_comparison(
    designs: &[Design],
    h0: &Header,
    ordered: &[(&Path, &Header)],
    (have, missing): (u64, Option<Vec<(u64, u64)>>),
    lang: Lang,
) -> Result<Comparison, Failure> {
    let bad = |e: MergeError| Failure::BadInput(e.message(lang));
    let mut folds: Vec<DesignFold> = designs
        .iter()
        .map(|d| DesignFold::new(&d.scenario))
        .collect();
    let objective = match &h0.objective {
        Some(spec) => Objective::parse(spec).map_err(Failure::BadInput)?,
        None => Objective::default(),
    };
    let cats: Vec<crate::metrics::Catalogue> = designs
        .iter()
        .map(|d| crate::metrics::Catalogue::for_scenario(&d.scenario))
        .collect();
    let names: Vec<String> = designs.iter().map(|d| d.name.clone()).collect();
    objective
        .check(names.iter().map(String::as_str).zip(&cats))
        .map_err(Failure::BadInput)?;
    let catalogues: Vec<Vec<String>> = cats.iter().map(|c| c.names()).collect();
    let at: Vec<Option<usize>> = cats.iter().map(|c| c.position(&objective.metric)).collect();
    let mut objective_runs: Vec<Vec<Option<f64>>> = vec![vec![]; designs.len()];
    let reference = crate::metrics::Catalogue::for_scenario(&designs[0].scenario);
    let mut differs: Vec<Differ> = designs[1..]
        .iter()
        .map(|d| Differ::new(&reference, &d.scenario))
        .collect();
    for (file, _) in ordered {
        let p = shard::read_partial(file, &catalogues).map_err(bad)?;
        for (k, fold) in folds.iter_mut().enumerate() {
            fold.add_histograms(file, &p.designs[k]).map_err(bad)?;
        }
        // Run by run: each design's fold and its pairing with the reference see the runs in
        // order, as in `compare` (each fold is independent of the others).
        for i in 0..p.designs[0].rows.len() {
            let base = shard::row_of(file, &p, (0, i), &folds[0].check).map_err(bad)?;
            folds[0].folder.push(&base);
            objective_runs[0].push(at[0].and_then(|j| base[j]));
            for (k, differ) in differs.iter_mut().enumerate() {
                let row = shard::row_of(file, &p, (k + 1, i), &folds[k + 1].check).map_err(bad)?;
                folds[k + 1].folder.push(&row);
                objective_runs[k + 1].push(at[k + 1].and_then(|j| row[j]));
                differ.push(&base, &row);
            }
        }
    }
    let batches: Vec<_> = folds
        .into_iter()
        .zip(designs)
        .map(|(f, d)| f.finish(&d.scenario, h0.seed, have))
        .collect();
    let mut differences = vec![reference_differences(&batches[0])];
    for (k, differ) in differs.iter().enumerate() {
        differences.push(differ.finish(&batches[0], &batches[k + 1]));
    }
    Ok(Comparison {
        verdict: verdict(&objective, &names, &objective_runs, h0.seed),
        names,
        descriptions: designs.iter().map(|d| d.description.clone()).collect(),
        descriptions_zh: designs.iter().map(|d| d.description_zh.clone()).collect(),
        batches,
        differences,
        runs_missing: missing,
        objective_runs,
    })
}

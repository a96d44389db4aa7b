//! Writers for head-to-head comparisons and sweeps: `compare.json`, `compare.csv`,
//! `sweep.csv` and the terminal tables.

use crate::metrics::comparison::{Comparison, Difference};
use crate::metrics::verdict::Verdict;
use crate::metrics::{CAUSES, Summary, Unit};
use crate::report::format;

pub use super::verdict::verdict_text;
use serde::Serialize;
use std::collections::BTreeMap;

/// One metric across the designs: its unit, each design's summary (`None` where the design
/// does not have it) and each design's paired difference against the first.
struct Row<'a> {
    name: &'a str,
    unit: Unit,
    label: Option<&'static str>,
    per_design: Vec<Option<&'a Summary>>,
    diffs: Vec<Option<&'a Difference>>,
}

/// The metrics every report shows: the reference design's, then any a later design adds;
/// of the per-cause metrics, only those of causes that struck in some run of some design.
fn rows(c: &Comparison) -> Vec<Row<'_>> {
    let mut names: Vec<(&str, Unit, Option<&'static str>)> = vec![];
    for b in &c.batches {
        for m in &b.catalogue.metrics {
            if !names.iter().any(|(n, ..)| *n == m.name) {
                names.push((m.name.as_str(), m.unit, m.label));
            }
        }
    }
    let struck = |cause: &str| {
        c.batches.iter().any(|b| {
            b.catalogue.metrics.iter().zip(&b.summaries).any(|(m, s)| {
                m.name
                    .strip_prefix(CAUSES)
                    .and_then(|r| r.split_once('.'))
                    .is_some_and(|(x, _)| x == cause)
                    && s.max.is_some_and(|v| v > 0.0)
            })
        })
    };
    names
        .into_iter()
        .filter(|(n, ..)| {
            n.strip_prefix(CAUSES)
                .and_then(|r| r.split_once('.'))
                .is_none_or(|(cause, _)| struck(cause))
        })
        .map(|(name, unit, label)| {
            let per_design = c.batches.iter().map(|b| b.summary(name)).collect();
            let j = c.batches[0].catalogue.position(name);
            let diffs = c
                .differences
                .iter()
                .map(|d| j.and_then(|j| d[j].as_ref()))
                .collect();
            Row {
                name,
                unit,
                label,
                per_design,
                diffs,
            }
        })
        .collect()
}

#[derive(Serialize)]
struct CompareFile<'a> {
    scenario: &'a str,
    seed: u64,
    runs: u64,
    /// The run ranges `[start, end)` a partial merge lacks (absent for a whole comparison).
    #[serde(skip_serializing_if = "Option::is_none")]
    runs_missing: Option<Vec<[u64; 2]>>,
    /// The design every difference is taken against.
    reference: &'a str,
    /// Which design is best on the objective, with its ranking (see `metrics::verdict`).
    verdict: &'a Verdict,
    designs: Vec<DesignOut<'a>>,
}

#[derive(Serialize)]
struct DesignOut<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    description: &'a str,
    /// Each metric's summary across runs.
    metrics: BTreeMap<&'a str, &'a Summary>,
    /// Each metric's paired difference (this design minus the reference), run by run;
    /// absent for the reference itself.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    difference: BTreeMap<&'a str, &'a Difference>,
}

/// `compare.json`.
pub fn compare_json(c: &Comparison) -> String {
    let rows = rows(c);
    let b0 = &c.batches[0];
    let designs = (0..c.batches.len())
        .map(|k| DesignOut {
            name: &c.names[k],
            description: &c.descriptions[k],
            metrics: rows
                .iter()
                .filter_map(|r| r.per_design[k].map(|s| (r.name, s)))
                .collect(),
            difference: if k == 0 {
                BTreeMap::new()
            } else {
                rows.iter()
                    .filter_map(|r| r.diffs[k].map(|d| (r.name, d)))
                    .collect()
            },
        })
        .collect();
    let f = CompareFile {
        scenario: &b0.scenario,
        seed: b0.seed,
        runs: b0.runs,
        runs_missing: c
            .runs_missing
            .as_ref()
            .map(|m| m.iter().map(|&(s, e)| [s, e]).collect()),
        reference: &c.names[0],
        verdict: &c.verdict,
        designs,
    };
    serde_json::to_string_pretty(&f).expect("compare serialises") + "\n"
}

fn num(v: Option<f64>) -> String {
    v.map_or(String::new(), |x| x.to_string())
}

/// `compare.csv`: one row per metric and design, with its summary and its paired difference
/// against the reference design.
pub fn compare_csv(c: &Comparison) -> String {
    let mut w = csv::Writer::from_writer(vec![]);
    w.write_record([
        "metric",
        "design",
        "n",
        "mean",
        "ci95_low",
        "ci95_high",
        "diff_mean",
        "diff_ci95_low",
        "diff_ci95_high",
        "diff_excludes_zero",
        "diff_unpaired_ci95_low",
        "diff_unpaired_ci95_high",
    ])
    .expect("in memory");
    for r in rows(c) {
        for (k, name) in c.names.iter().enumerate() {
            let Some(s) = r.per_design[k] else { continue };
            let d = r.diffs[k].filter(|_| k > 0);
            w.write_record([
                r.name.to_owned(),
                name.clone(),
                s.n.to_string(),
                num(s.mean),
                num(s.ci95_low),
                num(s.ci95_high),
                num(d.and_then(|d| d.mean)),
                num(d.and_then(|d| d.ci95_low)),
                num(d.and_then(|d| d.ci95_high)),
                d.map_or(String::new(), |d| d.excludes_zero.to_string()),
                num(d.and_then(|d| d.unpaired_ci95_low)),
                num(d.and_then(|d| d.unpaired_ci95_high)),
            ])
            .expect("in memory");
        }
    }
    String::from_utf8(w.into_inner().expect("in memory")).expect("utf-8")
}

/// A metric's label in `lang`: the catalogue's `metric.<name>`; an outcome's label; an
/// outcome's amount as "<outcome> (amount)"; else `fallback`.
fn row_label(lang: crate::i18n::Lang, name: &str, fallback: &str) -> String {
    let has = |k: &str| lang.has(k).then(|| lang.get(k));
    if let Some(l) = has(&format!("metric.{name}")) {
        return l.to_owned();
    }
    let outcome = |metric: &str| {
        crate::metrics::Outcome::ALL
            .iter()
            .find(|o| o.metric() == metric)
            .and_then(|o| has(&format!("outcome_label.{}", o.name())))
    };
    if let Some(l) = outcome(name) {
        return l.to_owned();
    }
    if let Some(l) = name.strip_suffix("_amount").and_then(outcome) {
        return crate::tr!(lang, "compare.amount_of", label = l);
    }
    // A station's figure: `utilization.gateway` is "utilisation of gateway".
    if let Some((kind, station)) = name.split_once('.')
        && let Some(l) = has(&format!("compare.station.{kind}"))
    {
        return l.replace("{station}", station);
    }
    fallback.trim().to_owned()
}

/// The terminal table in `lang`: the labelled metrics (and every strategy metric that moved),
/// each by its label in the language (never its raw key), each design's mean, and each design's
/// paired difference against the first with its interval; `*` marks a difference whose
/// interval excludes zero.
pub fn compare_table(c: &Comparison, lang: crate::i18n::Lang) -> String {
    use crate::tr;
    let rows = rows(c);
    let mut out = tr!(lang, "compare.reference", name = c.names[0]) + "\n";
    let width = c.names.iter().map(|n| n.len()).max().unwrap_or(8).max(8);
    // What each design is, in the language, when the file says.
    for (k, name) in c.names.iter().enumerate() {
        let zh = c.descriptions_zh.get(k).and_then(|d| d.as_deref());
        let d = crate::scenario::described(&c.descriptions[k], zh, lang);
        if !d.is_empty() {
            out.push_str(&format!("  {name:<width$}  {d}\n"));
        }
    }
    for r in &rows {
        let moved = r
            .diffs
            .iter()
            .skip(1)
            .any(|d| d.is_some_and(|d| d.excludes_zero));
        let Some(label) = r.label.or(moved.then_some(r.name)) else {
            continue;
        };
        // Causes have their own table (report.html); a metric off in every design is noise.
        let off = r
            .per_design
            .iter()
            .all(|s| s.is_none_or(|s| s.mean.is_none()));
        if r.name.starts_with(CAUSES) || off {
            continue;
        }
        let label = row_label(lang, r.name, label);
        out.push_str(&format!("\n{label}\n"));
        for (k, name) in c.names.iter().enumerate() {
            // Durations in the language's unit words.
            let timed = matches!(r.unit, Unit::Seconds | Unit::Millis);
            let words = |v: &str| {
                if timed {
                    super::console::units_in(lang, v)
                } else {
                    v.to_owned()
                }
            };
            let f =
                |v: Option<f64>| v.map_or("-".to_string(), |x| words(&format::value(r.unit, x)));
            let mean = f(r.per_design[k].and_then(|s| s.mean));
            let diff = match (k, r.diffs[k]) {
                (0, _) => String::new(),
                (_, Some(d)) => match (d.mean, d.ci95_low, d.ci95_high) {
                    (Some(m), Some(l), Some(h)) => {
                        // A significant difference shows the digits that make it non-zero.
                        let s = super::verdict::shown(r.unit, &[m, l, h], true, d.excludes_zero);
                        let s: Vec<String> = s.iter().map(|v| words(v)).collect();
                        format!(
                            "{} [{}, {}]{}",
                            super::console::pad_left(&s[0], 14),
                            s[1],
                            s[2],
                            if d.excludes_zero { " *" } else { "" }
                        )
                    }
                    (Some(m), ..) => {
                        let m = words(&super::verdict::shown(r.unit, &[m], true, false)[0]);
                        super::console::pad_left(&m, 14)
                    }
                    _ => String::new(),
                },
                (_, None) => tr!(lang, "compare.not_in_reference").to_owned(),
            };
            out.push_str(&format!(
                "  {name:<width$} {}  {diff}\n",
                super::console::pad_left(&mean, 16)
            ));
        }
    }
    out.push('\n');
    out.push_str(tr!(lang, "compare.footer"));
    out.push('\n');
    out
}

/// `sweep.csv`: one row per grid point: the value of each swept setting, then each metric's
/// mean and 95% interval, then its paired difference against the first grid point.
pub fn sweep_csv(c: &Comparison, axes: &[String], values: &[Vec<String>]) -> String {
    let rows = rows(c);
    let mut w = csv::Writer::from_writer(vec![]);
    let mut header: Vec<String> = vec!["point".into()];
    header.extend(axes.iter().cloned());
    for r in &rows {
        for s in [
            "mean",
            "ci95_low",
            "ci95_high",
            "diff_mean",
            "diff_ci95_low",
        ] {
            header.push(format!("{}.{s}", r.name));
        }
        header.push(format!("{}.diff_ci95_high", r.name));
    }
    w.write_record(&header).expect("in memory");
    for (k, vals) in values.iter().enumerate() {
        let mut rec = vec![k.to_string()];
        rec.extend(vals.iter().cloned());
        for r in &rows {
            let s = r.per_design[k];
            let d = r.diffs[k];
            rec.push(num(s.and_then(|s| s.mean)));
            rec.push(num(s.and_then(|s| s.ci95_low)));
            rec.push(num(s.and_then(|s| s.ci95_high)));
            rec.push(num(d.and_then(|d| d.mean)));
            rec.push(num(d.and_then(|d| d.ci95_low)));
            rec.push(num(d.and_then(|d| d.ci95_high)));
        }
        w.write_record(&rec).expect("in memory");
    }
    String::from_utf8(w.into_inner().expect("in memory")).expect("utf-8")
}

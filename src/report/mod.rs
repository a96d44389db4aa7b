//! Writers: one batch result ([`BatchResult`]), several outputs. `summary.json` (metrics across
//! runs with 95% confidence intervals), `runs.csv` (one row per run), `histograms.json`
//! (distributions merged across runs) and the terminal table, all generated from the metric
//! catalogue.

pub mod charts;
pub mod check;
pub mod compare;
pub mod console;
pub mod folder;
pub mod format;
pub mod glossary;
pub mod html;
pub mod story;
pub mod swimlane;
pub mod topology;
pub mod verdict;
pub mod webfont;

pub use console::console_table;

use crate::metrics::{BatchResult, Summary};
use hdrhistogram::Histogram;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;

#[derive(Serialize)]
struct SummaryFile<'a> {
    scenario: &'a str,
    seed: u64,
    runs: u64,
    /// The run ranges `[start, end)` a partial merge (`payfault merge --partial`) lacks: the
    /// summaries cover the other runs only. Absent for a whole batch.
    #[serde(skip_serializing_if = "Option::is_none")]
    runs_missing: Option<Vec<[u64; 2]>>,
    horizon_s: f64,
    metrics: BTreeMap<&'a str, &'a Summary>,
    /// By cause, then by outcome (`<outcome>` count and `<outcome>_amount`); only causes that
    /// struck at least one payment in some run, so a fault that never fires changes nothing.
    causes: BTreeMap<&'a str, BTreeMap<&'a str, &'a Summary>>,
    /// The faults among those causes: what each is and what it strikes.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    faults: BTreeMap<&'a str, FaultInfo<'a>>,
}

#[derive(Serialize)]
struct FaultInfo<'a> {
    kind: &'a str,
    target: &'a str,
}

/// `summary.json`.
pub fn summary_json(b: &BatchResult) -> String {
    summary_json_missing(b, None)
}

/// `summary.json` of a batch that lacks the run ranges `missing` (a partial merge), which it
/// lists; with `None`, exactly [`summary_json`].
pub fn summary_json_missing(b: &BatchResult, missing: Option<&[(u64, u64)]>) -> String {
    let mut metrics = BTreeMap::new();
    let mut causes: BTreeMap<&str, BTreeMap<&str, &Summary>> = BTreeMap::new();
    for (m, s) in b.catalogue.metrics.iter().zip(&b.summaries) {
        match m
            .name
            .strip_prefix(crate::metrics::CAUSES)
            .and_then(|r| r.split_once('.'))
        {
            Some((cause, outcome)) => {
                causes.entry(cause).or_default().insert(outcome, s);
            }
            None => {
                metrics.insert(m.name.as_str(), s);
            }
        }
    }
    let causes: BTreeMap<_, _> = causes
        .into_iter()
        .filter(|(_, m)| m.values().any(|s| s.max.is_some_and(|x| x > 0.0)))
        .collect();
    let faults = b
        .catalogue
        .faults
        .iter()
        .filter(|(id, ..)| causes.contains_key(id.as_str()))
        .map(|(id, kind, target)| (id.as_str(), FaultInfo { kind, target }))
        .collect();
    let f = SummaryFile {
        scenario: &b.scenario,
        seed: b.seed,
        runs: b.runs,
        runs_missing: missing.map(|m| m.iter().map(|&(s, e)| [s, e]).collect()),
        horizon_s: b.horizon_s,
        metrics,
        causes,
        faults,
    };
    serde_json::to_string_pretty(&f).expect("summary serialises") + "\n"
}

#[derive(Serialize)]
struct Distribution {
    unit: &'static str,
    count: u64,
    mean: Option<f64>,
    min: Option<f64>,
    max: Option<f64>,
    percentiles: BTreeMap<&'static str, f64>,
}

fn distribution(h: &Histogram<u64>, unit: &'static str, scale: f64) -> Distribution {
    let n = h.len();
    let mut percentiles = BTreeMap::new();
    if n > 0 {
        for (name, q) in [("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("p99.9", 0.999)] {
            percentiles.insert(name, h.value_at_quantile(q) as f64 / scale);
        }
    }
    Distribution {
        unit,
        count: n,
        mean: (n > 0).then(|| h.mean() / scale),
        min: (n > 0).then(|| h.min() as f64 / scale),
        max: (n > 0).then(|| h.max() as f64 / scale),
        percentiles,
    }
}

/// `histograms.json`: settlement delay and authorisation latency over all runs together.
pub fn histograms_json(b: &BatchResult) -> String {
    let mut m = BTreeMap::new();
    m.insert(
        "settlement_delay",
        distribution(&b.settle_delay_ms, "s", 1e3),
    );
    m.insert("auth_latency", distribution(&b.auth_latency_us, "ms", 1e3));
    serde_json::to_string_pretty(&m).expect("histograms serialise") + "\n"
}

/// Writes `runs.csv` row by row.
pub struct RunsCsv<W: Write> {
    w: csv::Writer<W>,
}

impl<W: Write> RunsCsv<W> {
    pub fn new(inner: W, names: &[String]) -> csv::Result<Self> {
        let mut w = csv::Writer::from_writer(inner);
        let mut header = vec!["run".to_string(), "seed".to_string()];
        header.extend(names.iter().cloned());
        w.write_record(&header)?;
        Ok(RunsCsv { w })
    }

    /// Rows without a header (a body to be completed later).
    pub fn body(inner: W) -> Self {
        RunsCsv {
            w: csv::WriterBuilder::new()
                .has_headers(false)
                .from_writer(inner),
        }
    }

    pub fn row(&mut self, run: u64, seed: u64, values: &[Option<f64>]) -> csv::Result<()> {
        let mut rec = vec![run.to_string(), seed.to_string()];
        rec.extend(
            values
                .iter()
                .map(|v| v.map(|x| x.to_string()).unwrap_or_default()),
        );
        self.w.write_record(&rec)
    }

    pub fn finish(self) -> std::io::Result<W> {
        self.w.into_inner().map_err(|e| e.into_error())
    }
}

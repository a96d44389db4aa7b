//! The result of a batch of runs: every metric summarised across runs, and the distributions
//! merged over all runs. Reports (`crate::report`) read this type and nothing else.

use super::catalogue::Catalogue;
use super::run::{latency_histogram, settle_histogram};
use super::stats::{Accumulator, Summary};
use crate::model::output::Exemplar;
use crate::model::probe::TimeSeries;
use hdrhistogram::Histogram;

/// The merged result of a batch.
pub struct BatchResult {
    pub scenario: String,
    pub seed: u64,
    pub runs: u64,
    pub horizon_s: f64,
    pub catalogue: Catalogue,
    /// Aligned with `catalogue.metrics`.
    pub summaries: Vec<Summary>,
    /// Settlement delays of every settled payment of every run, milliseconds.
    pub settle_delay_ms: Histogram<u64>,
    /// Authorisation latencies at the terminal of every run, microseconds.
    pub auth_latency_us: Histogram<u64>,
    /// The candidate stories (`RunOutput::exemplars`) of the batch's first runs, run 0 first
    /// (`runner::stories::STORY_RUNS` at most), when the batch starts at run 0 and its runs
    /// keep them.
    pub exemplars: Option<Vec<Vec<Exemplar>>>,
    /// Run 0 sampled over time for the charts, when the batch was asked to
    /// (`runner::run_batch_for_report`).
    pub series: Option<TimeSeries>,
}

impl BatchResult {
    pub fn summary(&self, name: &str) -> Option<&Summary> {
        self.catalogue.position(name).map(|i| &self.summaries[i])
    }
}

/// Folds per-run metric rows, in run order, into a [`BatchResult`].
pub struct Folder {
    catalogue: Catalogue,
    acc: Vec<Accumulator>,
    /// Per metric, the sum over runs of its denominator (shares with one, see
    /// `Metric::den`), and the runs that defined it.
    den: Vec<(f64, u64)>,
    /// The metrics that have a denominator.
    shares: Vec<usize>,
    pub settle_delay_ms: Histogram<u64>,
    pub auth_latency_us: Histogram<u64>,
}

impl Folder {
    pub fn new(catalogue: Catalogue) -> Self {
        Folder {
            acc: vec![Accumulator::default(); catalogue.metrics.len()],
            den: vec![(0.0, 0); catalogue.metrics.len()],
            shares: (catalogue.metrics.iter().enumerate())
                .filter(|(_, m)| !m.den.is_empty())
                .map(|(i, _)| i)
                .collect(),
            catalogue,
            settle_delay_ms: settle_histogram(),
            auth_latency_us: latency_histogram(),
        }
    }

    /// Adds one run's row. Rows must come in run order for the result not to depend on
    /// scheduling (floating-point sums are order-sensitive).
    pub fn push(&mut self, row: &[Option<f64>]) {
        for (a, v) in self.acc.iter_mut().zip(row) {
            if let Some(x) = v {
                a.push(*x);
            }
        }
        for &i in &self.shares {
            if row[i].is_some() {
                let d: f64 = self.catalogue.metrics[i]
                    .den
                    .iter()
                    .filter_map(|&j| row[j])
                    .sum();
                self.den[i].0 += d;
                self.den[i].1 += 1;
            }
        }
    }

    pub fn finish(self, scenario: &str, seed: u64, runs: u64, horizon_s: f64) -> BatchResult {
        let summaries = self
            .acc
            .iter()
            .zip(&self.catalogue.metrics)
            .enumerate()
            .map(|(i, (a, m))| match m.off {
                // A metric off by construction that moved would be a mistake of the map:
                // the figures are then shown as measured.
                Some(why) if a.never_moved() => Summary {
                    n: a.n(),
                    off: Some(why),
                    ..Summary::default()
                },
                _ => a.summary_of(m.unit, self.catalogue.scale(i, self.den[i], horizon_s)),
            })
            .collect();
        BatchResult {
            scenario: scenario.to_owned(),
            seed,
            runs,
            horizon_s,
            catalogue: self.catalogue,
            summaries,
            settle_delay_ms: self.settle_delay_ms,
            auth_latency_us: self.auth_latency_us,
            exemplars: None,
            series: None,
        }
    }
}

//! The result of a comparison of designs: every design's batch and the paired differences of
//! each against the first, folded run by run ([`Differ`]). `runner::compare` runs the designs;
//! `payfault merge` folds saved rows through the same [`Differ`]; the reports read
//! [`Comparison`].

use crate::metrics::verdict::Verdict;
use crate::metrics::{Accumulator, BatchResult, Summary, t975};

/// The paired difference of one metric between a design and the reference design.
#[derive(Clone, Debug, Default, serde::Serialize, PartialEq)]
pub struct Difference {
    /// Runs in which both designs defined the metric.
    pub n: u64,
    /// Mean over runs of (design − reference).
    pub mean: Option<f64>,
    pub std: Option<f64>,
    pub ci95_low: Option<f64>,
    pub ci95_high: Option<f64>,
    /// Whether the paired interval excludes zero: the designs differ at the 5% level.
    pub excludes_zero: bool,
    /// The interval the same two batches would give if they were independent (Welch): what
    /// the pairing saves.
    pub unpaired_ci95_low: Option<f64>,
    pub unpaired_ci95_high: Option<f64>,
}

/// Every design's batch, and the paired differences against the first.
pub struct Comparison {
    pub names: Vec<String>,
    pub descriptions: Vec<String>,
    /// Each design's description in Simplified Chinese, where the file gives one.
    pub descriptions_zh: Vec<Option<String>>,
    pub batches: Vec<BatchResult>,
    /// Per design (the first: against itself, all zero), per metric of the first design's
    /// catalogue: `None` where the design does not have the metric.
    pub differences: Vec<Vec<Option<Difference>>>,
    /// The run ranges `[start, end)` a partial merge (`payfault merge --partial`) lacks;
    /// `None` for a whole comparison.
    pub runs_missing: Option<Vec<(u64, u64)>>,
    /// The objective's value in each run, per design (`None` where a run or a design does not
    /// define it): runs × designs numbers, from which the verdict is made.
    pub objective_runs: Vec<Vec<Option<f64>>>,
    /// Which design is best on the objective (see `metrics::verdict`).
    pub verdict: Verdict,
}

impl Comparison {
    /// The metrics of the reference design, in catalogue order.
    pub fn metric_names(&self) -> Vec<String> {
        self.batches[0].catalogue.names()
    }
}

/// The paired differences of one design against the reference, folded run by run (in run
/// order: the sums are order-sensitive). `compare` and `payfault merge` both fold with it.
pub struct Differ {
    /// Where each of the reference's metrics sits in this design's rows.
    map: Vec<Option<usize>>,
    acc: Vec<Accumulator>,
}

impl Differ {
    /// Pairs the rows of `design` with those of the reference, whose catalogue is `reference`.
    pub fn new(reference: &crate::metrics::Catalogue, design: &crate::scenario::Scenario) -> Self {
        let cat = crate::metrics::Catalogue::for_scenario(design);
        let map: Vec<Option<usize>> = reference
            .metrics
            .iter()
            .map(|m| cat.position(&m.name))
            .collect();
        Differ {
            acc: vec![Accumulator::default(); map.len()],
            map,
        }
    }

    /// One run: the reference's row and the design's row of the same run.
    pub fn push(&mut self, base: &[Option<f64>], vals: &[Option<f64>]) {
        for (j, pos) in self.map.iter().enumerate() {
            if let (Some(p), Some(x0)) = (pos, base[j])
                && let Some(x) = vals[*p]
            {
                self.acc[j].push(x - x0);
            }
        }
    }

    /// The differences, per metric of the reference (`None` where the design lacks it), given
    /// both designs' batches (for the unpaired interval).
    pub fn finish(&self, reference: &BatchResult, design: &BatchResult) -> Vec<Option<Difference>> {
        self.map
            .iter()
            .zip(&self.acc)
            .enumerate()
            .map(|(j, (pos, a))| {
                pos.map(|p| {
                    let s = a.summary();
                    let excludes_zero = matches!((s.ci95_low, s.ci95_high),
                        (Some(l), Some(h)) if l > 0.0 || h < 0.0);
                    let (ul, uh) = welch(&reference.summaries[j], &design.summaries[p]);
                    Difference {
                        n: s.n,
                        mean: s.mean,
                        std: s.std,
                        ci95_low: s.ci95_low,
                        ci95_high: s.ci95_high,
                        excludes_zero,
                        unpaired_ci95_low: ul,
                        unpaired_ci95_high: uh,
                    }
                })
            })
            .collect()
    }
}

/// The differences of the reference against itself: all zero.
pub fn reference_differences(reference: &BatchResult) -> Vec<Option<Difference>> {
    reference
        .catalogue
        .metrics
        .iter()
        .map(|_| Some(Difference::default()))
        .collect()
}

/// The 95% interval of the difference of two means from independent samples (Welch's
/// approximation for the degrees of freedom).
fn welch(a: &Summary, b: &Summary) -> (Option<f64>, Option<f64>) {
    let (Some(ma), Some(sa), Some(mb), Some(sb)) = (a.mean, a.std, b.mean, b.std) else {
        return (None, None);
    };
    let (va, vb) = (sa * sa / a.n as f64, sb * sb / b.n as f64);
    let se = (va + vb).sqrt();
    let d = mb - ma;
    if se == 0.0 {
        return (Some(d), Some(d));
    }
    let df = (va + vb).powi(2)
        / (va * va / (a.n as f64 - 1.0).max(1.0) + vb * vb / (b.n as f64 - 1.0).max(1.0));
    let t = t975(df.floor().max(1.0) as u64);
    (Some(d - t * se), Some(d + t * se))
}

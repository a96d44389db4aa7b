//! Several designs of one scenario run head to head on common random numbers, and their
//! paired differences.
//!
//! Run `i` of every design uses the same `(seed, i)`: every payment, account, merchant and
//! fault realisation is drawn from keyed words and named streams (see `engine::rng`), so each
//! design sees the same payments and the same faults, and only what the design changes moves.
//! The difference of a metric between a design and the first one is then taken run by run,
//! and its mean gets a Student-t interval over the runs (a paired comparison). Because the
//! common noise cancels, that interval is narrower than the one of two independent batches
//! (Law, *Simulation Modeling and Analysis*, 5th ed., §11.2, common random numbers), which is
//! reported beside it.

use super::{BatchError, BatchOptions, run_batch};
use crate::metrics::{Accumulator, BatchResult, Summary, t975};
use crate::scenario::variants::Design;
use std::sync::atomic::AtomicBool;

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
    pub batches: Vec<BatchResult>,
    /// Per design (the first: against itself, all zero), per metric of the first design's
    /// catalogue: `None` where the design does not have the metric.
    pub differences: Vec<Vec<Option<Difference>>>,
}

impl Comparison {
    /// The metrics of the reference design, in catalogue order.
    pub fn metric_names(&self) -> Vec<String> {
        self.batches[0].catalogue.names()
    }
}

/// Runs every design with the same options (same runs, same seed) and pairs them run by run.
/// `progress(done)` counts runs over all designs.
pub fn compare(
    designs: &[Design],
    opts: &BatchOptions,
    cancel: &AtomicBool,
    mut progress: impl FnMut(u64),
) -> Result<Comparison, BatchError> {
    let mut reference: Vec<Vec<Option<f64>>> = Vec::with_capacity(opts.runs as usize);
    let mut batches = vec![];
    let mut differences = vec![];
    for (k, d) in designs.iter().enumerate() {
        let offset = k as u64 * opts.runs;
        if k == 0 {
            let b = run_batch(
                &d.scenario,
                opts,
                cancel,
                |_, vals| {
                    reference.push(vals.to_vec());
                    Ok(())
                },
                |done| progress(offset + done),
            )?;
            differences.push(
                b.catalogue
                    .metrics
                    .iter()
                    .map(|_| Some(Difference::default()))
                    .collect(),
            );
            batches.push(b);
            continue;
        }
        // Where each of the reference's metrics sits in this design's rows.
        let cat = crate::metrics::Catalogue::for_scenario(&d.scenario);
        let map: Vec<Option<usize>> = batches[0]
            .catalogue
            .metrics
            .iter()
            .map(|m| cat.position(&m.name))
            .collect();
        let mut acc = vec![Accumulator::default(); map.len()];
        let b = run_batch(
            &d.scenario,
            opts,
            cancel,
            |run, vals| {
                let base = &reference[run as usize];
                for (j, pos) in map.iter().enumerate() {
                    if let (Some(p), Some(x0)) = (pos, base[j])
                        && let Some(x) = vals[*p]
                    {
                        acc[j].push(x - x0);
                    }
                }
                Ok(())
            },
            |done| progress(offset + done),
        )?;
        let diffs = map
            .iter()
            .zip(&acc)
            .enumerate()
            .map(|(j, (pos, a))| {
                pos.map(|p| {
                    let s = a.summary();
                    let excludes_zero = matches!((s.ci95_low, s.ci95_high),
                        (Some(l), Some(h)) if l > 0.0 || h < 0.0);
                    let (ul, uh) = welch(&batches[0].summaries[j], &b.summaries[p]);
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
            .collect();
        differences.push(diffs);
        batches.push(b);
    }
    Ok(Comparison {
        names: designs.iter().map(|d| d.name.clone()).collect(),
        descriptions: designs.iter().map(|d| d.description.clone()).collect(),
        batches,
        differences,
    })
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

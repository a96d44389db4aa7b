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
use crate::metrics::comparison::{Comparison, Differ, reference_differences};
use crate::metrics::verdict::{Objective, verdict};
use crate::scenario::variants::Design;
use std::sync::atomic::AtomicBool;

/// Runs every design with the same options (same runs, same seed) and pairs them run by run;
/// the verdict is on the default objective (`loss_total`, lower is better).
/// `progress(done)` counts runs over all designs.
pub fn compare(
    designs: &[Design],
    opts: &BatchOptions,
    cancel: &AtomicBool,
    progress: impl FnMut(u64),
) -> Result<Comparison, BatchError> {
    compare_on(designs, opts, &Objective::default(), cancel, progress)
}

/// [`compare`], with the verdict on `objective` (a design that lacks its metric has no value
/// in any run: check the objective first, see `Objective::check`).
pub fn compare_on(
    designs: &[Design],
    opts: &BatchOptions,
    objective: &Objective,
    cancel: &AtomicBool,
    mut progress: impl FnMut(u64),
) -> Result<Comparison, BatchError> {
    check_memory(designs, opts)?;
    let mut reference: Vec<Vec<Option<f64>>> = Vec::with_capacity(opts.runs as usize);
    let mut batches = vec![];
    let mut differences = vec![];
    let mut objective_runs: Vec<Vec<Option<f64>>> = vec![];
    for (k, d) in designs.iter().enumerate() {
        let offset = k as u64 * opts.runs;
        let at = crate::metrics::Catalogue::for_scenario(&d.scenario).position(&objective.metric);
        let mut own: Vec<Option<f64>> = Vec::with_capacity(opts.runs as usize);
        if k == 0 {
            let b = run_batch(
                &d.scenario,
                opts,
                cancel,
                |_, vals| {
                    own.push(at.and_then(|j| vals[j]));
                    reference.push(vals.to_vec());
                    Ok(())
                },
                |done| progress(offset + done),
            )?;
            objective_runs.push(own);
            differences.push(reference_differences(&b));
            batches.push(b);
            continue;
        }
        let mut differ = Differ::new(&batches[0].catalogue, &d.scenario);
        let b = run_batch(
            &d.scenario,
            opts,
            cancel,
            |run, vals| {
                own.push(at.and_then(|j| vals[j]));
                differ.push(&reference[run as usize], vals);
                Ok(())
            },
            |done| progress(offset + done),
        )?;
        objective_runs.push(own);
        let diffs = differ.finish(&batches[0], &b);
        differences.push(diffs);
        batches.push(b);
    }
    let names: Vec<String> = designs.iter().map(|d| d.name.clone()).collect();
    Ok(Comparison {
        verdict: verdict(objective, &names, &objective_runs, opts.seed),
        names,
        descriptions: designs.iter().map(|d| d.description.clone()).collect(),
        descriptions_zh: designs.iter().map(|d| d.description_zh.clone()).collect(),
        batches,
        differences,
        runs_missing: None,
        objective_runs,
    })
}

/// Refuses up front a comparison that would not fit: the largest design's runs on every
/// worker, with the reference design's rows (every metric, to pair the others with) and every
/// design's objective kept until the end.
fn check_memory(designs: &[Design], opts: &BatchOptions) -> Result<(), BatchError> {
    use super::memory::{Estimate, Kept, workers};
    let Some(largest) = designs
        .iter()
        .max_by_key(|d| super::memory::run_bytes(&d.scenario))
    else {
        return Ok(());
    };
    let metrics = designs.first().map_or(0, |d| {
        crate::metrics::Catalogue::for_scenario(&d.scenario)
            .names()
            .len() as u64
    });
    Estimate::batch(&largest.scenario, workers(opts.threads))
        .keeping(Kept {
            runs: opts.runs,
            bytes_per_run: 24 + 16 * metrics + 16 * designs.len() as u64,
        })
        .check()
        .map_err(BatchError::Memory)
}

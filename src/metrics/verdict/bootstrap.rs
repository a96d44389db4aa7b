//! The paired bootstrap over runs (Efron & Tibshirani 1993, ch. 6 and 12): whole runs (every
//! design's value of one run together, so the common random numbers stay paired) drawn with
//! replacement from the named stream [`STREAM`] of the comparison's master seed, in one thread.
//!
//! Each resample gives (a) which design has the lowest mean (the designs' shares of wins), and
//! (b) for each pair of designs the studentized difference
//! `T* = (d̄* − d̄) / (s*/√n)` of their run-by-run differences, whose quantiles are the
//! bootstrap-t critical values of the pair's one-sided bounds (§12.5): unlike Student's t they
//! follow the skewness of the differences, which a rare, large loss makes strong.

use super::STREAM;
use crate::engine::rng::Stream;

/// The bootstrap draws at most this many resamples, at least [`MIN_RESAMPLES`], and about
/// [`WORK`] values in all (runs × designs × resamples): a fixed function of the size, so the
/// verdict does not depend on the machine.
pub const MAX_RESAMPLES: u64 = 2000;
pub const MIN_RESAMPLES: u64 = 200;
pub const WORK: u64 = 200_000_000;

/// The studentized differences are kept (pairs × resamples numbers) up to this many; beyond,
/// or beyond [`WORK`] pair-runs, the bounds use Student's t alone.
pub const MAX_KEPT: u64 = 4_000_000;

/// Below this many runs the resamples are too few and too alike for the tails of `T*`: the
/// bounds use Student's t alone.
pub const MIN_RUNS_STUDENTIZED: usize = 10;

/// The number of bootstrap resamples for `n` runs of `k` designs.
pub fn resamples(n: usize, k: usize) -> u64 {
    (WORK / (n as u64 * k as u64).max(1)).clamp(MIN_RESAMPLES, MAX_RESAMPLES)
}

/// What the resamples say.
pub struct Resampled {
    /// Each design's share of resamples in which its mean was the lowest (ties share).
    pub share: Vec<f64>,
    /// Per ordered pair `(i, j)`: the bootstrap-t multiplier of `s_ij/√n` for the upper bound
    /// of `μ_i − μ_j` at one-sided level `1 − β` (minus the β-quantile of `T*_ij`); `None`
    /// when the resamples were too many to keep (then Student's t serves alone).
    pub upper: Option<Vec<Vec<f64>>>,
    pub resamples: u64,
}

/// Resamples the rows (`rows[design][run]`, lower is better) `b` times. `beta`: the one-sided
/// level of the bounds, when the studentized differences are wanted.
pub fn resample(rows: &[Vec<f64>], seed: u64, b: u64, beta: Option<f64>) -> Resampled {
    let k = rows.len();
    let n = rows.iter().map(Vec::len).min().unwrap_or(0);
    let mut share = vec![0.0; k];
    if k == 0 || n == 0 || b == 0 {
        return Resampled {
            share,
            upper: None,
            resamples: 0,
        };
    }
    let pairs = (k * (k - 1) / 2) as u64;
    let keep = beta.is_some()
        && n >= MIN_RUNS_STUDENTIZED
        && pairs * b <= MAX_KEPT
        && pairs.saturating_mul(n as u64).saturating_mul(b) <= WORK;
    let full: Vec<f64> = rows
        .iter()
        .map(|r| r.iter().sum::<f64>() / n as f64)
        .collect();
    let mut t_star: Vec<Vec<f64>> = if keep {
        vec![Vec::with_capacity(b as usize); pairs as usize]
    } else {
        vec![]
    };
    let mut stream = Stream::new(seed, 0, STREAM);
    let mut idx = vec![0usize; n];
    let mut sums = vec![0.0; k];
    for _ in 0..b {
        idx.iter_mut()
            .for_each(|r| *r = stream.below(n as u64) as usize);
        for (s, row) in sums.iter_mut().zip(rows) {
            *s = idx.iter().map(|&r| row[r]).sum();
        }
        let low = sums.iter().copied().fold(f64::INFINITY, f64::min);
        let tied = sums.iter().filter(|&&s| s == low).count() as f64;
        for (c, &s) in share.iter_mut().zip(&sums) {
            if s == low {
                *c += 1.0 / tied;
            }
        }
        if keep {
            studentize(rows, &idx, &sums, &full, &mut t_star);
        }
    }
    share.iter_mut().for_each(|c| *c /= b as f64);
    let upper = keep.then(|| quantiles(k, &mut t_star, beta.unwrap_or(0.05)));
    Resampled {
        share,
        upper,
        resamples: b,
    }
}

/// Adds each pair's studentized difference of one resample (`idx`, the designs' resampled
/// sums `sums`) to `t_star`, pairs `(i, j)`, `i < j`, in order. A resample whose differences
/// are all equal has no spread: it is left out of that pair's distribution.
fn studentize(
    rows: &[Vec<f64>],
    idx: &[usize],
    sums: &[f64],
    full: &[f64],
    t_star: &mut [Vec<f64>],
) {
    let (k, n) = (rows.len(), idx.len() as f64);
    let mut at = 0;
    for i in 0..k {
        for j in i + 1..k {
            let mean = (sums[i] - sums[j]) / n;
            let ss: f64 = idx
                .iter()
                .map(|&r| (rows[i][r] - rows[j][r] - mean).powi(2))
                .sum();
            let se = (ss / (n - 1.0)).sqrt() / n.sqrt();
            let t = (mean - (full[i] - full[j])) / se;
            if se > 0.0 && t.is_finite() {
                t_star[at].push(t);
            }
            at += 1;
        }
    }
}

/// The upper-bound multipliers of every ordered pair from the pairs' studentized differences.
fn quantiles(k: usize, t_star: &mut [Vec<f64>], beta: f64) -> Vec<Vec<f64>> {
    let mut upper = vec![vec![0.0; k]; k];
    let pairs = (0..k).flat_map(|i| (i + 1..k).map(move |j| (i, j)));
    for ((i, j), t) in pairs.zip(t_star.iter_mut()) {
        {
            if t.is_empty() {
                continue;
            }
            t.sort_by(f64::total_cmp);
            let lo = ((beta * t.len() as f64).floor() as usize).min(t.len() - 1);
            // The upper bound of μ_i − μ_j uses T*'s β-quantile, that of μ_j − μ_i (whose T* is
            // −T*) its (1 − β)-quantile.
            upper[i][j] = -t[lo];
            upper[j][i] = t[t.len() - 1 - lo];
        }
    }
    upper
}

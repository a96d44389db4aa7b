//! Across-run statistics: Welford's running mean and variance (Welford 1962; Knuth TAOCP vol. 2
//! §4.2.2), accumulated in run order so the result does not depend on thread scheduling, and a
//! Student-t 95% confidence interval for the mean.

use super::catalogue::Unit;
use serde::Serialize;
use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

/// Running summary of one metric over runs.
#[derive(Clone, Debug, Default)]
pub struct Accumulator {
    n: u64,
    mean: f64,
    m2: f64,
    min: f64,
    max: f64,
}

impl Accumulator {
    pub fn push(&mut self, x: f64) {
        if self.n == 0 {
            self.min = x;
            self.max = x;
        } else {
            self.min = self.min.min(x);
            self.max = self.max.max(x);
        }
        self.n += 1;
        let d = x - self.mean;
        self.mean += d / self.n as f64;
        self.m2 += d * (x - self.mean);
    }

    pub fn summary(&self) -> Summary {
        if self.n == 0 {
            return Summary::default();
        }
        let (std, half) = if self.n >= 2 {
            let var = (self.m2 / (self.n - 1) as f64).max(0.0);
            let std = var.sqrt();
            (
                Some(std),
                Some(t975(self.n - 1) * std / (self.n as f64).sqrt()),
            )
        } else {
            (None, None)
        };
        Summary {
            n: self.n,
            mean: Some(self.mean),
            std,
            ci95_low: half.map(|h| self.mean - h),
            ci95_high: half.map(|h| self.mean + h),
            min: Some(self.min),
            max: Some(self.max),
        }
    }
}

impl Accumulator {
    /// The summary of a quantity whose values lie in `[lo, hi]` (counts and amounts cannot be
    /// negative, a ratio lies in [0, 1]): the Student-t interval is clipped to that range, so
    /// it never claims values the quantity cannot take. Clipping keeps the coverage of the
    /// interval (the true mean lies in the range too) and only removes impossible values.
    pub fn summary_within(&self, (lo, hi): (f64, f64)) -> Summary {
        let mut s = self.summary();
        s.ci95_low = s.ci95_low.map(|x| x.clamp(lo, hi));
        s.ci95_high = s.ci95_high.map(|x| x.clamp(lo, hi));
        s
    }
}

/// The 0.975 quantile of Student's t with `df` degrees of freedom (two-sided 95%).
pub fn t975(df: u64) -> f64 {
    StudentsT::new(0.0, 1.0, df as f64)
        .map(|t| t.inverse_cdf(0.975))
        .unwrap_or(1.959_963_984_540_054)
}

/// The two-sided quantile of Student's t at `confidence` with `df` degrees of freedom.
/// Beyond 10⁵ degrees of freedom the normal quantile is used (they agree to 5 digits, and the
/// t inversion is slow there).
pub fn t_quantile(confidence: f64, df: f64) -> f64 {
    let p = 1.0 - (1.0 - confidence) / 2.0;
    if df > 1e5 {
        return Normal::standard().inverse_cdf(p);
    }
    StudentsT::new(0.0, 1.0, df.max(1.0))
        .map(|t| t.inverse_cdf(p))
        .unwrap_or(f64::NAN)
}

/// The interval of the mean at `confidence`, clipped to the unit's range.
pub fn interval(s: &Summary, unit: Unit, confidence: f64) -> Option<(f64, f64)> {
    let (mean, std) = (s.mean?, s.std?);
    if s.n < 2 {
        return None;
    }
    let half = t_quantile(confidence, (s.n - 1) as f64) * std / (s.n as f64).sqrt();
    let (lo, hi) = unit.bounds();
    Some(((mean - half).clamp(lo, hi), (mean + half).clamp(lo, hi)))
}

/// About how many runs in all would make the interval of the mean exclude `bound`, if the
/// mean and the standard deviation stayed as observed: the smallest n with
/// t(n−1)·σ/√n < |mean − bound|. `None` when the mean is on the bound.
pub fn runs_to_decide(mean: f64, std: f64, bound: f64, confidence: f64) -> Option<u64> {
    let gap = (mean - bound).abs();
    if gap == 0.0 || !gap.is_finite() {
        return None;
    }
    // Start from the normal approximation, then correct the t quantile for n a few times.
    let mut n = (t_quantile(confidence, f64::INFINITY) * std / gap)
        .powi(2)
        .max(2.0);
    if n > 1e12 {
        return None;
    }
    for _ in 0..8 {
        let next = (t_quantile(confidence, (n - 1.0).max(1.0)) * std / gap)
            .powi(2)
            .max(2.0);
        if (next - n).abs() < 0.5 {
            n = next;
            break;
        }
        n = next;
    }
    let n = n.floor() + 1.0;
    (n < 1e15).then_some(n as u64)
}

/// Mean, spread and 95% confidence interval of a metric across runs. `None` (JSON `null`) where
/// a value is undefined: no run defined the metric, or one run gives no spread.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Summary {
    /// Runs in which the metric was defined.
    pub n: u64,
    pub mean: Option<f64>,
    pub std: Option<f64>,
    pub ci95_low: Option<f64>,
    pub ci95_high: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_quantiles_match_tables() {
        // Standard t-table values (two-sided 95%).
        assert!((t975(1) - 12.706).abs() < 1e-3);
        assert!((t975(9) - 2.262).abs() < 1e-3);
        assert!((t975(29) - 2.045).abs() < 1e-3);
        assert!((t975(100_000) - 1.960).abs() < 1e-3);
    }

    #[test]
    fn welford_matches_two_pass() {
        let xs = [3.0, 7.0, 7.0, 19.0, 24.0, 1.5];
        let mut a = Accumulator::default();
        xs.iter().for_each(|&x| a.push(x));
        let s = a.summary();
        let mean = xs.iter().sum::<f64>() / 6.0;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / 5.0;
        assert!((s.mean.unwrap() - mean).abs() < 1e-12);
        assert!((s.std.unwrap() - var.sqrt()).abs() < 1e-12);
        assert_eq!((s.min, s.max, s.n), (Some(1.5), Some(24.0), 6));
        let half = t975(5) * var.sqrt() / 6f64.sqrt();
        assert!((s.ci95_high.unwrap() - (mean + half)).abs() < 1e-9);
    }

    #[test]
    fn intervals_respect_natural_bounds() {
        // One stuck payment in 20 runs: the unclipped interval goes below zero.
        let mut a = Accumulator::default();
        (0..20).for_each(|i| a.push(if i == 0 { 1.0 } else { 0.0 }));
        assert!(a.summary().ci95_low.unwrap() < 0.0);
        let s = a.summary_within((0.0, f64::INFINITY));
        assert_eq!(s.ci95_low, Some(0.0));
        assert_eq!(s.ci95_high, a.summary().ci95_high);
        // A ratio near 1 stays at or below 1.
        let mut r = Accumulator::default();
        (0..10).for_each(|i| r.push(if i == 0 { 0.9 } else { 1.0 }));
        assert_eq!(r.summary_within((0.0, 1.0)).ci95_high, Some(1.0));
    }

    #[test]
    fn single_run_has_no_interval() {
        let mut a = Accumulator::default();
        a.push(4.0);
        let s = a.summary();
        assert_eq!((s.mean, s.std, s.ci95_low), (Some(4.0), None, None));
        assert_eq!(Accumulator::default().summary().n, 0);
    }
}

//! Across-run statistics: Welford's running mean and variance (Welford 1962; Knuth TAOCP vol. 2
//! §4.2.2) and third moment (Terriberry 2007), accumulated in run order so the result does not
//! depend on thread scheduling, and a 95% confidence interval for the mean by the method that
//! fits the metric's kind (see [`super::interval`]).

use super::catalogue::Unit;
use super::interval::{self, Method, Scale, Warning};
use serde::Serialize;
use statrs::distribution::{ContinuousCDF, StudentsT};

/// Running summary of one metric over runs.
#[derive(Clone, Debug, Default)]
pub struct Accumulator {
    n: u64,
    mean: f64,
    m2: f64,
    m3: f64,
    min: f64,
    max: f64,
    /// Values other than 0.
    nonzero: u64,
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
        self.nonzero += u64::from(x != 0.0);
        let n = self.n as f64;
        let d = x - self.mean;
        let dn = d / n;
        // The third moment before the second is updated (Terriberry's order).
        self.m3 += d * dn * dn * (n - 1.0) * (n - 2.0) - 3.0 * dn * self.m2;
        self.mean += d / n;
        self.m2 += d * (x - self.mean);
    }

    /// Values pushed.
    pub fn n(&self) -> u64 {
        self.n
    }

    /// Whether every value pushed was 0 (or none was pushed).
    pub fn never_moved(&self) -> bool {
        self.nonzero == 0
    }

    /// The sample skewness `g₁ = √n·M₃ / M₂^{3/2}`; `None` without spread.
    pub fn skewness(&self) -> Option<f64> {
        (self.n >= 3 && self.m2 > 0.0).then(|| (self.n as f64).sqrt() * self.m3 / self.m2.powf(1.5))
    }

    /// The summary of a metric of `unit`, with the 95% interval of the method its kind calls
    /// for (named in `ci_method`) and the warnings that apply; `scale` is what the metric's kind
    /// tells the interval (see [`interval::Scale`]).
    pub fn summary_of(&self, unit: Unit, scale: Scale) -> Summary {
        let mut s = self.summary();
        if self.n == 0 {
            return s;
        }
        let all_one = unit == Unit::Ratio && self.min == 1.0 && self.max == 1.0;
        let method = interval::method(unit, scale.phi.is_some(), self.nonzero == 0 || all_one);
        let sample = interval::Sample {
            n: self.n,
            mean: self.mean,
            std: s.std.unwrap_or(0.0),
            scale,
        };
        let ci = interval::of(method, sample, unit.bounds(), 0.95);
        s.ci95_low = ci.map(|c| c.0);
        s.ci95_high = ci.map(|c| c.1);
        s.ci_method = ci.map(|_| method);
        s.scale = scale;
        let varies = self.m2 > 0.0;
        s.warnings = interval::warnings(method, self.n, self.skewness(), self.nonzero, varies);
        s
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
            ci_method: half.map(|_| Method::StudentT),
            ..Summary::default()
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

pub use super::interval::t_quantile;

/// The interval of the mean at `confidence` by the summary's method (`ci_method`), clipped to
/// the unit's range; `None` where the summary has none (fewer than two runs, or off).
pub fn interval(s: &Summary, unit: Unit, confidence: f64) -> Option<(f64, f64)> {
    let sample = interval::Sample {
        n: s.n,
        mean: s.mean?,
        std: s.std?,
        scale: s.scale,
    };
    interval::of(s.ci_method?, sample, unit.bounds(), confidence)
}

/// About how many runs in all would make the interval of summary `s` exclude `bound`, by its
/// method: for a figure never seen (rule of three) the smallest n whose upper bound falls
/// below a positive `bound` (if the runs keep showing nothing), otherwise
/// [`runs_to_decide`]. `None` when no number of runs would.
pub fn runs_to_decide_summary(s: &Summary, bound: f64, confidence: f64) -> Option<u64> {
    let mean = s.mean?;
    if s.ci_method == Some(Method::RuleOfThree) && mean == 0.0 {
        if bound <= 0.0 {
            return None;
        }
        let per_event = -((1.0 - confidence) / 2.0).ln() * s.scale.zero;
        let n = (per_event / bound).floor() + 1.0;
        return (n < 1e15).then_some(n as u64);
    }
    runs_to_decide(mean, s.std.unwrap_or(0.0), bound, confidence)
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
    /// How the interval was computed; `None` without one.
    pub ci_method: Option<Method>,
    /// Why the interval deserves less trust than it claims (small n, skew, few runs with
    /// events, nothing observed).
    pub warnings: Vec<Warning>,
    /// Why the metric cannot be non-zero in this scenario (its mechanism is off): the
    /// figures are then `null`, never a certain 0.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub off: Option<&'static str>,
    /// What the metric's kind tells the interval (see [`Accumulator::summary_of`]); not
    /// written.
    #[serde(skip)]
    pub scale: Scale,
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
    fn runs_to_decide_a_bound_on_a_figure_never_seen() {
        let mut a = Accumulator::default();
        (0..10).for_each(|_| a.push(0.0));
        let count = crate::metrics::interval::Scale {
            zero: 1.0,
            phi: Some(1.0),
        };
        let s = a.summary_of(Unit::Count, count);
        // 3.69 / n < 0.1 from n = 37 on.
        assert_eq!(runs_to_decide_summary(&s, 0.1, 0.95), Some(37));
        let mut more = Accumulator::default();
        (0..37).for_each(|_| more.push(0.0));
        assert!(more.summary_of(Unit::Count, count).ci95_high.unwrap() < 0.1);
        assert_eq!(runs_to_decide_summary(&s, 0.0, 0.95), None);
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

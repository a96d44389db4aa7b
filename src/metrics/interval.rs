//! Confidence intervals of a metric's mean across runs, one method per kind of metric.
//!
//! - **Student's t** ([`Method::StudentT`]) for figures that vary continuously from run to run
//!   (delays, latencies, utilisations, shares): `mean ± t(n−1)·s/√n`, clipped to the metric's
//!   natural range. It rests on the run means being close to normal, which fails for small `n`
//!   and skewed figures: the summary then carries a warning ([`Warning::SmallN`],
//!   [`Warning::Skewed`], the latter by Cochran's rule `n < 25·g₁²`, with `g₁` the sample
//!   skewness).
//! - **Quasi-Poisson** ([`Method::QuasiPoisson`]) for counts and amounts (events per run: rare
//!   ones too). The total `T` of all runs is a count; Garwood's exact Poisson interval for it
//!   (Garwood 1936: the `α/2` and `1−α/2` quantiles of Gamma(`T`) and Gamma(`T+1`)) divided by
//!   `n` covers the mean per run at least at the stated level when the counts are Poisson. Runs
//!   are often more variable than Poisson (an outage strikes many payments at once; amounts
//!   vary), so the total is first scaled by the dispersion `φ = max(1, s²/x̄)`: `T/φ` is treated
//!   as the Poisson count and the interval scaled back by `φ` (the quasi-Poisson model,
//!   McCullagh & Nelder 1989 §6.2). For large totals this is the normal interval with variance
//!   `s²/n`; for small ones it keeps Garwood's skewed shape, which the t interval lacks (its
//!   coverage fell to 53–80 % for counts of a fraction of one per run). The interval is also
//!   widened to contain the Student-t one, which protects small `n` where `φ` is poorly known.
//! - **No event in any run** ([`Method::RuleOfThree`]): a count seen in none of `n` runs gets
//!   Garwood's upper bound for a total of 0, `−ln(α/2)/n` (3.69/n at 95 %: the "rule of three"
//!   of Hanley & Lippman-Hand 1983, two-sided), and an amount that bound times the scenario's
//!   mean payment amount. A share that was 0 (or 1) in every run gets the same bound per
//!   payment of its denominator (settled payments, payouts); a duration the bound times its
//!   largest possible value (the observation, per station). The bound is an order of
//!   magnitude, never a certain 0.
//!
//! Measured coverage of each method is in `docs/STATISTICS.md` (reproduce with
//! `cargo run --release --example interval_coverage`) and checked in this module's tests.

use super::catalogue::Unit;
use serde::Serialize;
use statrs::distribution::{ContinuousCDF, Gamma, Normal, StudentsT};

/// How a summary's interval was computed (`ci_method` in summary.json).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    #[default]
    StudentT,
    QuasiPoisson,
    RuleOfThree,
}

impl Method {
    /// Its name in summary.json.
    pub fn name(self) -> &'static str {
        match self {
            Method::StudentT => "student-t",
            Method::QuasiPoisson => "quasi-poisson",
            Method::RuleOfThree => "rule-of-three",
        }
    }
}

/// Why an interval deserves less trust than it claims (`warnings` in summary.json).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Warning {
    /// Fewer than [`SMALL_N`] runs: the spread itself is poorly known.
    SmallN,
    /// The runs are too skewed for Student's t at this `n` (`n < 25·g₁²`).
    Skewed,
    /// A count or amount carried by fewer than [`FEW_RUNS`] runs: the dispersion rests on them.
    FewNonzeroRuns,
    /// Nothing happened in any run: the upper bound is the rule-of-three order of magnitude.
    NotObserved,
}

impl Warning {
    pub fn name(self) -> &'static str {
        match self {
            Warning::SmallN => "small_n",
            Warning::Skewed => "skewed",
            Warning::FewNonzeroRuns => "few_nonzero_runs",
            Warning::NotObserved => "not_observed",
        }
    }
}

/// Below this many runs an interval is flagged [`Warning::SmallN`].
pub const SMALL_N: u64 = 10;

/// Below this many runs with a non-zero count an interval is flagged
/// [`Warning::FewNonzeroRuns`].
pub const FEW_RUNS: u64 = 5;

/// What an interval needs of a sample: its size, mean and standard deviation, and the largest
/// value the mean could take when every run was 0 (for [`Method::RuleOfThree`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sample {
    pub n: u64,
    pub mean: f64,
    pub std: f64,
    pub scale: Scale,
}

/// What a metric's kind tells its interval beyond the sample (not written to summary.json).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Scale {
    /// The largest mean per event never seen: 1 for a count, the mean payment amount for an
    /// amount, the longest possible value for a duration ([`Method::RuleOfThree`]).
    pub zero: f64,
    /// For a metric whose runs are sums of events (counts, amounts of payments), the least
    /// dispersion `φ` of its quasi-Poisson interval: 1 for a count (Poisson), `E[A²]/E[A]` of
    /// the payment amount `A` for an amount (a compound Poisson sum's). `None`: a figure
    /// that varies continuously (Student's t).
    pub phi: Option<f64>,
}

/// The method for a metric of `unit` (`events`: a count or a sum of payment amounts, whose
/// runs are sums of events); `unseen`: every run was 0 (or, for a share, every run was 1:
/// what never happened is then the complement).
pub fn method(unit: Unit, events: bool, unseen: bool) -> Method {
    match (unit, unseen) {
        (Unit::Level | Unit::PerSecond, _) => Method::StudentT,
        (_, true) => Method::RuleOfThree,
        _ if events => Method::QuasiPoisson,
        _ => Method::StudentT,
    }
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

/// The interval of the mean at `confidence` by `method`, clipped to `range`; `None` with fewer
/// than two runs.
pub fn of(method: Method, x: Sample, range: (f64, f64), confidence: f64) -> Option<(f64, f64)> {
    if x.n < 2 {
        return None;
    }
    let n = x.n as f64;
    let alpha = 1.0 - confidence;
    let (lo, hi) = match method {
        Method::StudentT => student(x, confidence),
        Method::QuasiPoisson => {
            let (tl, th) = student(x, confidence);
            // The estimated dispersion has n − 1 degrees of freedom: widened by (t/z)², so
            // that for large totals the interval is Student's rather than the normal one.
            let z = t_quantile(confidence, f64::INFINITY);
            let small = (t_quantile(confidence, n - 1.0) / z).powi(2);
            let data = if x.mean > 0.0 {
                x.std * x.std / x.mean * small
            } else {
                0.0
            };
            let phi = data.max(x.scale.phi.unwrap_or(1.0)).max(1e-300);
            let total = n * x.mean / phi;
            let (gl, gh) = garwood(total, alpha);
            ((phi * gl / n).min(tl), (phi * gh / n).max(th))
        }
        // Every run at the ceiling (a share of 1): the complement was never seen.
        Method::RuleOfThree if x.mean > 0.0 => {
            (x.mean - x.scale.zero * zero_share(n, alpha), x.mean)
        }
        Method::RuleOfThree => (0.0, x.scale.zero * zero_share(n, alpha)),
    };
    let (a, b) = range;
    Some((lo.clamp(a, b), hi.clamp(a, b)))
}

fn student(x: Sample, confidence: f64) -> (f64, f64) {
    let half = t_quantile(confidence, (x.n - 1) as f64) * x.std / (x.n as f64).sqrt();
    (x.mean - half, x.mean + half)
}

/// Garwood's exact two-sided interval for the mean of a Poisson count of which `total` was
/// observed (a real `total` interpolates, for the quasi-Poisson scaling).
pub fn garwood(total: f64, alpha: f64) -> (f64, f64) {
    let q = |shape: f64, p: f64| {
        Gamma::new(shape, 1.0)
            .map(|g| g.inverse_cdf(p))
            .unwrap_or(f64::NAN)
    };
    let lo = if total > 0.0 {
        q(total, alpha / 2.0)
    } else {
        0.0
    };
    (lo, q(total + 1.0, 1.0 - alpha / 2.0))
}

/// The upper bound of the chance per run of something seen in none of `n` runs, times the
/// number of events a run with it would have at least (1): for counts Garwood's
/// `−ln(α/2)/n`, the larger of the two (Clopper–Pearson's `1 − (α/2)^(1/n)` is below it).
fn zero_share(n: f64, alpha: f64) -> f64 {
    -(alpha / 2.0).ln() / n
}

/// The warnings for a sample of `unit` by `method`: `skew` is the sample skewness (`None`
/// without spread), `nonzero` the runs with a non-zero value.
pub fn warnings(
    method: Method,
    n: u64,
    skew: Option<f64>,
    nonzero: u64,
    varies: bool,
) -> Vec<Warning> {
    let mut w = vec![];
    if n < 2 {
        return w;
    }
    let small = n < SMALL_N && varies;
    if small {
        w.push(Warning::SmallN);
    }
    match method {
        // Below SMALL_N the skewness itself is too noisy to judge by.
        Method::StudentT if !small => {
            if skew.is_some_and(|g| n as f64 <= 25.0 * g * g) {
                w.push(Warning::Skewed);
            }
        }
        Method::QuasiPoisson => {
            if nonzero < FEW_RUNS && nonzero < n && varies {
                w.push(Warning::FewNonzeroRuns);
            }
        }
        Method::RuleOfThree => w.push(Warning::NotObserved),
        Method::StudentT => {}
    }
    w
}

#[cfg(test)]
mod tests;

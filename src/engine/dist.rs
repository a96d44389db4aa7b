//! Parameterised distributions and how they are sampled: domain-free, beside the random
//! streams they draw from. Scenarios build them (`crate::scenario::dist` parses and validates);
//! the model samples them in base units (nanoseconds or minor units).

use super::rng::Stream;

/// The standard normal quantile Φ⁻¹(u) = −√2 · erfc⁻¹(2u) (statrs' `erfc_inv`, after Boost's
/// rational approximations, accurate to a few ulps).
#[inline]
pub fn std_normal_quantile(u: f64) -> f64 {
    -std::f64::consts::SQRT_2 * statrs::function::erf::erfc_inv(2.0 * u)
}

#[inline]
fn to_ns(v: f64) -> u64 {
    if v >= u64::MAX as f64 {
        u64::MAX
    } else {
        (v.max(0.0) + 0.5) as u64
    }
}

#[inline]
fn to_minor(v: f64, min: i64) -> i64 {
    if v >= 9.0e15 {
        9_000_000_000_000_000
    } else {
        ((v.max(0.0) + 0.5) as i64).max(min)
    }
}

/// A validated distribution over a base unit (nanoseconds or minor units).
#[derive(Clone, Debug, PartialEq)]
pub enum Dist {
    Constant(f64),
    Uniform {
        lo: f64,
        width: f64,
    },
    Exponential {
        mean: f64,
    },
    /// `exp(mu + sigma * Z)` in base units.
    LogNormal {
        mu: f64,
        sigma: f64,
    },
    /// Discrete values with cumulative probabilities (last = 1).
    Empirical {
        values: Vec<f64>,
        cdf: Vec<f64>,
    },
}

impl Dist {
    /// The value at quantile `u` in (0, 1), in base units, never negative. Every draw is made
    /// by inversion, so one uniform gives one value: draws stay synchronised across designs
    /// (see `rng`), and no rejection step consumes a varying number of words.
    #[inline]
    pub fn quantile(&self, u: f64) -> f64 {
        match self {
            Dist::Constant(v) => *v,
            Dist::Uniform { lo, width } => lo + width * u,
            Dist::Exponential { mean } => -mean * (1.0 - u).ln(),
            Dist::LogNormal { mu, sigma } => (mu + sigma * std_normal_quantile(u)).exp(),
            Dist::Empirical { values, cdf } => {
                let i = cdf.partition_point(|&c| c <= u).min(values.len() - 1);
                values[i]
            }
        }
    }

    /// One draw from a stream, in base units, never negative.
    #[inline]
    pub fn sample(&self, s: &mut Stream) -> f64 {
        match self {
            Dist::Constant(v) => *v,
            _ => self.quantile(s.uniform_open0().min(1.0 - f64::EPSILON / 2.0)),
        }
    }

    /// The mean, in base units (used for load checks and for theory in tests).
    pub fn mean(&self) -> f64 {
        match self {
            Dist::Constant(v) => *v,
            Dist::Uniform { lo, width } => lo + width / 2.0,
            Dist::Exponential { mean } => *mean,
            Dist::LogNormal { mu, sigma } => (mu + sigma * sigma / 2.0).exp(),
            Dist::Empirical { values, cdf } => expect(values, cdf, |v| v),
        }
    }

    /// The second moment `E[X²]`, in base units squared (the scale of sums of draws, for the
    /// intervals of amounts).
    pub fn second_moment(&self) -> f64 {
        match self {
            Dist::Constant(v) => v * v,
            Dist::Uniform { lo, width } => lo * lo + lo * width + width * width / 3.0,
            Dist::Exponential { mean } => 2.0 * mean * mean,
            Dist::LogNormal { mu, sigma } => (2.0 * mu + 2.0 * sigma * sigma).exp(),
            Dist::Empirical { values, cdf } => expect(values, cdf, |v| v * v),
        }
    }

    /// True when every draw is exactly zero (lets the model skip work).
    pub fn is_zero(&self) -> bool {
        matches!(self, Dist::Constant(v) if *v == 0.0)
    }

    /// A duration draw in nanoseconds, rounded half up (draws are never negative), saturating
    /// at `u64::MAX`.
    #[inline]
    pub fn sample_ns(&self, s: &mut Stream) -> u64 {
        to_ns(self.sample(s))
    }

    /// The duration at quantile `u`, in nanoseconds (rounded as [`Dist::sample_ns`]).
    #[inline]
    pub fn quantile_ns(&self, u: f64) -> u64 {
        to_ns(self.quantile(u))
    }

    /// A money draw in minor units, rounded half up, at least `min`.
    #[inline]
    pub fn sample_minor(&self, s: &mut Stream, min: i64) -> i64 {
        to_minor(self.sample(s), min)
    }

    /// The amount at quantile `u`, in minor units (rounded as [`Dist::sample_minor`]).
    #[inline]
    pub fn quantile_minor(&self, u: f64, min: i64) -> i64 {
        to_minor(self.quantile(u), min)
    }
}

/// `E[f(X)]` of an empirical distribution: `values` with cumulative probabilities `cdf`.
fn expect(values: &[f64], cdf: &[f64], f: impl Fn(f64) -> f64) -> f64 {
    let mut prev = 0.0;
    values
        .iter()
        .zip(cdf)
        .map(|(v, c)| {
            let p = c - prev;
            prev = *c;
            f(*v) * p
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_quantile_matches_tables() {
        // Abramowitz & Stegun table 26.1.
        assert!((std_normal_quantile(0.5)).abs() < 1e-15);
        assert!((std_normal_quantile(0.975) - 1.959_963_984_540_054).abs() < 1e-12);
        assert!((std_normal_quantile(0.99) - 2.326_347_874_040_841).abs() < 1e-12);
        assert!((std_normal_quantile(0.001) + 3.090_232_306_167_813_5).abs() < 1e-11);
    }

    #[test]
    fn quantiles_invert_the_cdf() {
        let e = Dist::Exponential { mean: 2.0 };
        assert!((e.quantile(1.0 - (-1.0f64).exp()) - 2.0).abs() < 1e-12);
        let u = Dist::Uniform {
            lo: 1.0,
            width: 4.0,
        };
        assert_eq!(u.quantile(0.25), 2.0);
        let ln = Dist::LogNormal {
            mu: 1.0,
            sigma: 0.5,
        };
        assert!((ln.quantile(0.5) - 1f64.exp()).abs() < 1e-12);
        let emp = Dist::Empirical {
            values: vec![1.0, 10.0],
            cdf: vec![0.5, 1.0],
        };
        assert_eq!((emp.quantile(0.49), emp.quantile(0.5)), (1.0, 10.0));
    }
}

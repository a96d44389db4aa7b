//! Parameterised distributions and how they are sampled: domain-free, beside the random
//! streams they draw from. Scenarios build them (`crate::scenario::dist` parses and validates);
//! the model samples them in base units (nanoseconds or minor units).

use super::rng::Stream;
use rand_distr::{Distribution, Exp1, StandardNormal};

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
    /// One draw, in base units, never negative.
    #[inline]
    pub fn sample(&self, s: &mut Stream) -> f64 {
        match self {
            Dist::Constant(v) => *v,
            Dist::Uniform { lo, width } => lo + width * s.uniform(),
            Dist::Exponential { mean } => {
                let e: f64 = Exp1.sample(s.rng());
                mean * e
            }
            Dist::LogNormal { mu, sigma } => {
                let z: f64 = StandardNormal.sample(s.rng());
                (mu + sigma * z).exp()
            }
            Dist::Empirical { values, cdf } => {
                let u = s.uniform();
                let i = cdf.partition_point(|&c| c <= u).min(values.len() - 1);
                values[i]
            }
        }
    }

    /// The mean, in base units (used for load checks and for theory in tests).
    pub fn mean(&self) -> f64 {
        match self {
            Dist::Constant(v) => *v,
            Dist::Uniform { lo, width } => lo + width / 2.0,
            Dist::Exponential { mean } => *mean,
            Dist::LogNormal { mu, sigma } => (mu + sigma * sigma / 2.0).exp(),
            Dist::Empirical { values, cdf } => {
                let mut prev = 0.0;
                values
                    .iter()
                    .zip(cdf)
                    .map(|(v, c)| {
                        let p = c - prev;
                        prev = *c;
                        v * p
                    })
                    .sum()
            }
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
        let v = self.sample(s);
        if v >= u64::MAX as f64 {
            u64::MAX
        } else {
            (v.max(0.0) + 0.5) as u64
        }
    }

    /// A money draw in minor units, rounded half up, at least `min`.
    #[inline]
    pub fn sample_minor(&self, s: &mut Stream, min: i64) -> i64 {
        let v = self.sample(s);
        if v >= 9.0e15 {
            9_000_000_000_000_000
        } else {
            ((v.max(0.0) + 0.5) as i64).max(min)
        }
    }
}

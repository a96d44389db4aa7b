//! Parameterised distributions and how they are sampled: domain-free, beside the random
//! streams they draw from. Scenarios build them (`crate::scenario::dist` parses and validates);
//! the model samples them in base units (nanoseconds or minor units).

use super::rng::Stream;

/// The standard normal quantile Φ⁻¹(u), by Wichura's algorithm AS 241 (PPND16, Applied
/// Statistics 37, 1988): rational approximations of degree 7 in three ranges, relative error
/// about 1e-16. It replaced statrs' `erfc_inv` (Boost's approximations, two to three times the
/// instructions): every log-normal draw takes one. The coefficients are the paper's, as
/// printed (more digits than an f64 holds).
#[inline]
#[allow(clippy::excessive_precision)]
pub fn std_normal_quantile(u: f64) -> f64 {
    const A: [f64; 8] = [
        3.387_132_872_796_366_608,
        1.331_416_678_917_843_774_5e2,
        1.971_590_950_306_551_442_7e3,
        1.373_169_376_550_946_112_5e4,
        4.592_195_393_154_987_145_7e4,
        6.726_577_092_700_870_085_3e4,
        3.343_057_558_358_812_810_5e4,
        2.509_080_928_730_122_672_7e3,
    ];
    const B: [f64; 8] = [
        1.0,
        4.231_333_070_160_091_125_2e1,
        6.871_870_074_920_579_083e2,
        5.394_196_021_424_751_107_7e3,
        2.121_379_430_158_659_586_7e4,
        3.930_789_580_009_271_061e4,
        2.872_908_573_572_194_267_4e4,
        5.226_495_278_852_854_561e3,
    ];
    const C: [f64; 8] = [
        1.423_437_110_749_683_577_34,
        4.630_337_846_156_545_295_9,
        5.769_497_221_460_691_405_5,
        3.647_848_324_763_204_605_04,
        1.270_458_252_452_368_382_58,
        2.417_807_251_774_506_117_7e-1,
        2.272_384_498_926_918_458_33e-2,
        7.745_450_142_783_414_076_4e-4,
    ];
    const D: [f64; 8] = [
        1.0,
        2.053_191_626_637_758_821_87,
        1.676_384_830_183_803_849_4,
        6.897_673_349_851_000_045_5e-1,
        1.481_039_764_274_800_745_9e-1,
        1.519_866_656_361_645_719_66e-2,
        5.475_938_084_995_344_946e-4,
        1.050_750_071_644_416_843_24e-9,
    ];
    const E: [f64; 8] = [
        6.657_904_643_501_103_777_2,
        5.463_784_911_164_114_369_9,
        1.784_826_539_917_291_335_8,
        2.965_605_718_285_048_912_3e-1,
        2.653_218_952_657_612_309_3e-2,
        1.242_660_947_388_078_438_6e-3,
        2.711_555_568_743_487_578_15e-5,
        2.010_334_399_292_288_132_65e-7,
    ];
    const F: [f64; 8] = [
        1.0,
        5.998_322_065_558_879_376_9e-1,
        1.369_298_809_227_358_053_1e-1,
        1.487_536_129_085_061_485_25e-2,
        7.868_691_311_456_132_591e-4,
        1.846_318_317_510_054_681_8e-5,
        1.421_511_758_316_445_888_7e-7,
        2.044_263_103_389_939_785_64e-15,
    ];
    // Horner's rule, highest degree first.
    fn poly(c: &[f64; 8], x: f64) -> f64 {
        c.iter().rev().fold(0.0, |acc, &k| acc * x + k)
    }
    let q = u - 0.5;
    if q.abs() <= 0.425 {
        let r = 0.180_625 - q * q;
        return q * poly(&A, r) / poly(&B, r);
    }
    let tail = if q < 0.0 { u } else { 1.0 - u };
    let r = (-tail.ln()).sqrt();
    let x = if r <= 5.0 {
        let r = r - 1.6;
        poly(&C, r) / poly(&D, r)
    } else {
        let r = r - 5.0;
        poly(&E, r) / poly(&F, r)
    };
    if q < 0.0 { -x } else { x }
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
    /// The lognormal with this median and 99th percentile (both above zero, `p99 > median`).
    pub fn lognormal_p99(median: f64, p99: f64) -> Dist {
        /// z of the standard normal's 99th percentile.
        const Z99: f64 = 2.326_347_874_040_841;
        Dist::LogNormal {
            mu: median.ln(),
            sigma: (p99.ln() - median.ln()) / Z99,
        }
    }

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
    fn normal_quantile_agrees_with_boosts_everywhere() {
        // Against statrs' erfc_inv (Boost's approximations, which it replaced) over the whole
        // range, the far tails included: a mistyped coefficient would show here.
        let boost = |u: f64| -std::f64::consts::SQRT_2 * statrs::function::erf::erfc_inv(2.0 * u);
        let mut worst: f64 = 0.0;
        let mut check = |u: f64| {
            let (a, b) = (std_normal_quantile(u), boost(u));
            let rel = (a - b).abs() / b.abs().max(1e-300);
            worst = worst.max(if b.abs() < 1e-12 { (a - b).abs() } else { rel });
        };
        for i in 1..200_000 {
            check(i as f64 / 200_000.0);
        }
        for k in 1..300 {
            let u = 10f64.powf(-(k as f64));
            check(u);
            check(1.0 - u.max(f64::EPSILON));
        }
        assert!(worst < 1e-14, "worst relative difference {worst:e}");
        // Symmetry and the median.
        assert_eq!(std_normal_quantile(0.5), 0.0);
        assert!((std_normal_quantile(0.2) + std_normal_quantile(0.8)).abs() < 1e-15);
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

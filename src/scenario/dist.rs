//! Named, parameterised distributions.
//!
//! In a scenario a distribution is a table with a `kind` and its parameters, or a bare value
//! meaning a constant:
//!
//! ```toml
//! latency = { kind = "exponential", mean = "50ms" }
//! service = { kind = "lognormal", median = "40ms", p99 = "300ms" }
//! amount  = { kind = "empirical", values = ["4.50", "25.00", "120.00"], weights = [5, 3, 1] }
//! timeout = "30s"                      # constant
//! ```
//!
//! A distribution is validated once, while the scenario is read, for the unit of the field it
//! sits in (durations or money); the engine then samples in that unit's base (nanoseconds or
//! minor units) with no further checks.

use super::units::{money_from_f64, parse_duration, parse_money};
pub use crate::engine::Dist;
use crate::engine::SECOND;
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use std::fmt;
use std::marker::PhantomData;

/// z such that P(N(0,1) <= z) = 0.99 (Abramowitz & Stegun table 26.1), for the tests of the
/// median-and-p99 form (`Dist::lognormal_p99`).
#[cfg(test)]
const Z99: f64 = 2.326_347_874_040_841;

/// The unit a distribution's parameters are written in.
pub trait Unit {
    /// What the unit is called in messages.
    const NAME: &'static str;
    /// How many base units one "natural" unit is (1 s = 1e9 ns; 1.00 = 100 minor units), for
    /// `mu`/`sigma` of a lognormal.
    const NATURAL: f64;
    /// Parses a parameter given as a string.
    fn parse_str(s: &str) -> Result<f64, String>;
    /// Parses a parameter given as a bare number.
    fn parse_num(v: f64) -> Result<f64, String>;
}

/// Durations: parameters are strings like "50ms"; base unit nanoseconds.
#[derive(Clone, Debug, PartialEq)]
pub struct Time;
impl Unit for Time {
    const NAME: &'static str = "duration";
    const NATURAL: f64 = SECOND as f64;
    fn parse_str(s: &str) -> Result<f64, String> {
        parse_duration(s).map(|v| v as f64)
    }
    fn parse_num(v: f64) -> Result<f64, String> {
        if v == 0.0 {
            Ok(0.0)
        } else {
            Err(format!(
                "invalid duration {v}: a number needs a unit, e.g. \"{v}ms\" or \"{v}s\""
            ))
        }
    }
}

/// Money: parameters in major units ("25.00" or 25); base unit minor units.
#[derive(Clone, Debug, PartialEq)]
pub struct Cash;
impl Unit for Cash {
    const NAME: &'static str = "amount";
    const NATURAL: f64 = 100.0;
    fn parse_str(s: &str) -> Result<f64, String> {
        parse_money(s).map(|v| v as f64)
    }
    fn parse_num(v: f64) -> Result<f64, String> {
        money_from_f64(v).map(|v| v as f64)
    }
}

/// A distribution whose parameters are in unit `U`, validated on deserialisation.
#[derive(Clone, Debug, PartialEq)]
pub struct DistOf<U> {
    pub dist: Dist,
    _unit: PhantomData<U>,
}

pub type DurationDist = DistOf<Time>;
pub type MoneyDist = DistOf<Cash>;

impl<U> DistOf<U> {
    pub fn new(dist: Dist) -> Self {
        DistOf {
            dist,
            _unit: PhantomData,
        }
    }
}

/// A parameter as written: string or number.
#[derive(Clone, Debug)]
enum Param {
    Str(String),
    Num(f64),
}

impl Param {
    fn value<U: Unit>(&self, name: &str) -> Result<f64, String> {
        match self {
            Param::Str(s) => U::parse_str(s),
            Param::Num(v) => U::parse_num(*v),
        }
        .map_err(|e| format!("`{name}`: {e}"))
    }
    fn plain(&self, name: &str) -> Result<f64, String> {
        match self {
            Param::Num(v) if v.is_finite() => Ok(*v),
            Param::Num(v) => Err(format!("`{name}` must be a finite number, got {v}")),
            Param::Str(s) => Err(format!("`{name}` must be a plain number, got \"{s}\"")),
        }
    }
}

impl fmt::Display for Param {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Param::Str(s) => write!(f, "\"{s}\""),
            Param::Num(v) => write!(f, "{v}"),
        }
    }
}

impl<'de> Deserialize<'de> for Param {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Param;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number or a string such as \"50ms\" or \"25.00\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Param, E> {
                Ok(Param::Str(v.to_owned()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Param, E> {
                Ok(Param::Num(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Param, E> {
                Ok(Param::Num(v as f64))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Param, E> {
                Ok(Param::Num(v))
            }
        }
        d.deserialize_any(V)
    }
}

/// The kinds of distribution a scenario can name, each with the parameters it takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DistKind {
    Constant,
    Uniform,
    Exponential,
    LogNormal,
    Empirical,
}

impl DistKind {
    const ALL: [DistKind; 5] = [
        DistKind::Constant,
        DistKind::Uniform,
        DistKind::Exponential,
        DistKind::LogNormal,
        DistKind::Empirical,
    ];

    /// The kind's name as a scenario writes it.
    const fn name(self) -> &'static str {
        match self {
            DistKind::Constant => "constant",
            DistKind::Uniform => "uniform",
            DistKind::Exponential => "exponential",
            DistKind::LogNormal => "lognormal",
            DistKind::Empirical => "empirical",
        }
    }

    /// The parameters the kind takes.
    fn params(self) -> &'static [&'static str] {
        match self {
            DistKind::Constant => &["value"],
            DistKind::Uniform => &["min", "max"],
            DistKind::Exponential => &["mean"],
            DistKind::LogNormal => &["median", "p99", "mu", "sigma"],
            DistKind::Empirical => &["values", "weights"],
        }
    }

    /// The kind named `name` (already trimmed and in lowercase).
    fn parse(name: &str) -> Option<DistKind> {
        DistKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// The names of the kinds of distribution, in the order messages list them.
pub const KINDS: &[&str] = &{
    let mut names = [""; DistKind::ALL.len()];
    let mut i = 0;
    while i < names.len() {
        names[i] = DistKind::ALL[i].name();
        i += 1;
    }
    names
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDist {
    kind: String,
    value: Option<Param>,
    min: Option<Param>,
    max: Option<Param>,
    mean: Option<Param>,
    median: Option<Param>,
    p99: Option<Param>,
    mu: Option<Param>,
    sigma: Option<Param>,
    values: Option<Vec<Param>>,
    weights: Option<Vec<f64>>,
}

impl RawDist {
    fn present(&self) -> Vec<&'static str> {
        let mut v = vec![];
        macro_rules! p {
            ($($f:ident),*) => { $( if self.$f.is_some() { v.push(stringify!($f)); } )* };
        }
        p!(
            value, min, max, mean, median, p99, mu, sigma, values, weights
        );
        v
    }

    fn build<U: Unit>(self) -> Result<Dist, String> {
        let kind = self.kind.trim().to_ascii_lowercase();
        let Some(which) = DistKind::parse(&kind) else {
            let hint = super::error::did_you_mean(&kind, KINDS);
            return Err(format!(
                "unknown distribution kind \"{}\"{hint}; expected one of {}",
                self.kind,
                KINDS.join(", ")
            ));
        };
        let allowed = which.params();
        if let Some(extra) = self.present().into_iter().find(|p| !allowed.contains(p)) {
            return Err(format!(
                "`{extra}` does not apply to a {kind} distribution, which takes {}",
                allowed.join(", ")
            ));
        }
        let need = |p: &Option<Param>, name: &str| {
            p.clone()
                .ok_or_else(|| format!("a {kind} distribution needs `{name}`"))
        };
        let nonneg = |v: f64, name: &str| {
            if v < 0.0 || !v.is_finite() {
                Err(format!("`{name}` must not be negative"))
            } else {
                Ok(v)
            }
        };
        let d = match which {
            DistKind::Constant => Dist::Constant(nonneg(
                need(&self.value, "value")?.value::<U>("value")?,
                "value",
            )?),
            DistKind::Uniform => {
                let lo = nonneg(need(&self.min, "min")?.value::<U>("min")?, "min")?;
                let hi = nonneg(need(&self.max, "max")?.value::<U>("max")?, "max")?;
                if hi < lo {
                    return Err(format!(
                        "`max` ({}) must not be below `min` ({})",
                        self.max.as_ref().expect("present"),
                        self.min.as_ref().expect("present")
                    ));
                }
                Dist::Uniform { lo, width: hi - lo }
            }
            DistKind::Exponential => {
                let raw = need(&self.mean, "mean")?;
                let m = raw.value::<U>("mean")?;
                if m <= 0.0 || !m.is_finite() {
                    return Err(format!("`mean` must be greater than zero, got {raw}"));
                }
                Dist::Exponential { mean: m }
            }
            DistKind::LogNormal => match (&self.median, &self.p99, &self.mu, &self.sigma) {
                (Some(med_raw), Some(p99_raw), None, None) => {
                    let med = med_raw.value::<U>("median")?;
                    let p99 = p99_raw.value::<U>("p99")?;
                    if med <= 0.0 {
                        return Err(format!("`median` must be greater than zero, got {med_raw}"));
                    }
                    if p99 <= med {
                        return Err(format!(
                            "`p99` ({p99_raw}) must be greater than `median` ({med_raw})"
                        ));
                    }
                    Dist::lognormal_p99(med, p99)
                }
                (None, None, Some(mu), Some(sigma)) => {
                    let mu = mu.plain("mu")?;
                    let sigma = sigma.plain("sigma")?;
                    if sigma <= 0.0 {
                        return Err(format!("`sigma` must be greater than zero, got {sigma}"));
                    }
                    if mu.abs() > 50.0 || sigma > 10.0 {
                        return Err(format!(
                            "`mu` = {mu} / `sigma` = {sigma} are out of range (|mu| <= 50, sigma \
                             <= 10, in {}s of natural units)",
                            U::NAME
                        ));
                    }
                    Dist::LogNormal {
                        mu: mu + U::NATURAL.ln(),
                        sigma,
                    }
                }
                _ => {
                    return Err(
                        "a lognormal distribution takes either `median` and `p99`, or `mu` and \
                         `sigma` (of the natural log of seconds / major units)"
                            .into(),
                    );
                }
            },
            DistKind::Empirical => {
                let Some(values) = self.values else {
                    return Err("an empirical distribution needs `values`".into());
                };
                if values.is_empty() {
                    return Err("`values` must not be empty".into());
                }
                if values.len() > 100_000 {
                    return Err("`values` may hold at most 100000 entries".into());
                }
                let vals = values
                    .iter()
                    .map(|p| p.value::<U>("values").and_then(|v| nonneg(v, "values")))
                    .collect::<Result<Vec<_>, _>>()?;
                let weights = self.weights.unwrap_or_else(|| vec![1.0; vals.len()]);
                if weights.len() != vals.len() {
                    return Err(format!(
                        "`weights` has {} entries but `values` has {}",
                        weights.len(),
                        vals.len()
                    ));
                }
                if weights.iter().any(|w| !w.is_finite() || *w < 0.0) {
                    return Err("`weights` must be finite and not negative".into());
                }
                let total: f64 = weights.iter().sum();
                if total <= 0.0 {
                    return Err("`weights` must not all be zero".into());
                }
                let mut acc = 0.0;
                let mut cdf: Vec<f64> = weights
                    .iter()
                    .map(|w| {
                        acc += w;
                        acc / total
                    })
                    .collect();
                *cdf.last_mut().expect("non-empty") = 1.0;
                Dist::Empirical { values: vals, cdf }
            }
        };
        Ok(d)
    }
}

impl<'de, U: Unit> Deserialize<'de> for DistOf<U> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<U>(PhantomData<U>);
        impl<'de, U: Unit> Visitor<'de> for V<U> {
            type Value = DistOf<U>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                write!(
                    f,
                    "a {} or a distribution table such as {{ kind = \"exponential\", mean = ... }}",
                    U::NAME
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                let x = U::parse_str(v).map_err(E::custom)?;
                if x < 0.0 {
                    return Err(E::custom(format!(
                        "{} \"{v}\" must not be negative",
                        U::NAME
                    )));
                }
                Ok(DistOf::new(Dist::Constant(x)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                self.visit_f64(v as f64)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                let x = U::parse_num(v).map_err(E::custom)?;
                if x < 0.0 {
                    return Err(E::custom(format!("{} {v} must not be negative", U::NAME)));
                }
                Ok(DistOf::new(Dist::Constant(x)))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                let raw = RawDist::deserialize(de::value::MapAccessDeserializer::new(map))?;
                raw.build::<U>().map(DistOf::new).map_err(de::Error::custom)
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{MILLI, Stream};

    fn parse<U: Unit>(s: &str) -> Result<Dist, String> {
        #[derive(Deserialize)]
        #[serde(bound = "")]
        struct W<U: Unit> {
            d: DistOf<U>,
        }
        toml::from_str::<W<U>>(&format!("d = {s}"))
            .map(|w| w.d.dist)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn parses_each_kind() {
        assert_eq!(parse::<Time>("\"30ms\""), Ok(Dist::Constant(30e6)));
        assert_eq!(
            parse::<Time>("{ kind = \"exponential\", mean = \"50ms\" }"),
            Ok(Dist::Exponential { mean: 50e6 })
        );
        assert_eq!(
            parse::<Time>("{ kind = \"uniform\", min = \"1ms\", max = \"3ms\" }"),
            Ok(Dist::Uniform {
                lo: 1e6,
                width: 2e6
            })
        );
        assert_eq!(
            parse::<Cash>("{ kind = \"constant\", value = \"12.50\" }"),
            Ok(Dist::Constant(1250.0))
        );
        let Dist::LogNormal { mu, sigma } =
            parse::<Time>("{ kind = \"lognormal\", median = \"40ms\", p99 = \"300ms\" }").unwrap()
        else {
            panic!()
        };
        assert!((mu.exp() - 40e6).abs() < 1.0);
        assert!(((mu + sigma * Z99).exp() - 300e6).abs() < 10.0);
        let Dist::LogNormal { mu, .. } =
            parse::<Cash>("{ kind = \"lognormal\", mu = 0.0, sigma = 1.0 }").unwrap()
        else {
            panic!()
        };
        assert!((mu.exp() - 100.0).abs() < 1e-9, "mu is in ln(major units)");
        let d = parse::<Cash>("{ kind = \"empirical\", values = [\"1.00\", 5], weights = [3, 1] }")
            .unwrap();
        assert_eq!(
            d,
            Dist::Empirical {
                values: vec![100.0, 500.0],
                cdf: vec![0.75, 1.0]
            }
        );
        assert_eq!(d.mean(), 200.0);
    }

    #[test]
    fn rejects_impossible_parameters() {
        for (s, needle) in [
            (
                "{ kind = \"exponential\", mean = \"0ms\" }",
                "greater than zero",
            ),
            (
                "{ kind = \"uniform\", min = \"3ms\", max = \"1ms\" }",
                "below",
            ),
            (
                "{ kind = \"lognormal\", median = \"40ms\", p99 = \"10ms\" }",
                "greater than `median`",
            ),
            ("{ kind = \"lognormal\", median = \"40ms\" }", "either"),
            (
                "{ kind = \"expo\", mean = \"1ms\" }",
                "did you mean \"exponential\"",
            ),
            (
                "{ kind = \"exponential\", mean = \"1ms\", max = \"2ms\" }",
                "does not apply",
            ),
            ("{ kind = \"exponential\", mean = \"-1ms\" }", "negative"),
            ("{ kind = \"empirical\", values = [] }", "empty"),
            (
                "{ kind = \"empirical\", values = [\"1ms\"], weights = [0] }",
                "all be zero",
            ),
            ("{ kind = \"exponential\", mean = 5 }", "needs a unit"),
            (
                "{ kind = \"exponential\", mean = \"5ms\", colour = 1 }",
                "unknown field",
            ),
        ] {
            let e = parse::<Time>(s).unwrap_err();
            assert!(e.contains(needle), "{s}: {e}");
        }
    }

    #[test]
    fn sample_means_agree_with_parameters() {
        let mut s = Stream::new(5, 0, "dist-test");
        let n = 200_000;
        for d in [
            Dist::Exponential {
                mean: 50.0 * MILLI as f64,
            },
            Dist::Uniform {
                lo: 10.0,
                width: 20.0,
            },
            Dist::LogNormal {
                mu: 3.0,
                sigma: 0.5,
            },
            Dist::Empirical {
                values: vec![1.0, 10.0],
                cdf: vec![0.5, 1.0],
            },
        ] {
            let samples: Vec<f64> = (0..n).map(|_| d.sample(&mut s)).collect();
            let mean = samples.iter().sum::<f64>() / n as f64;
            let var = samples.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
            // 5 standard errors of the mean.
            let tol = 5.0 * (var / n as f64).sqrt();
            assert!(
                (mean - d.mean()).abs() < tol,
                "{d:?}: sample mean {mean} vs {}",
                d.mean()
            );
        }
    }
}

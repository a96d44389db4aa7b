//! `[expect]`: the outcomes a scenario promises, checked by `payfault check`.
//!
//! ```toml
//! [expect]
//! runs = 40          # default: simulation.runs
//! seed = 7           # default: simulation.seed
//! bounds = [
//!   "not_arrived_amount.mean < 500.00",
//!   "settled_on_time_ratio.ci95_low >= 0.995",
//!   "causes.scheme-outage.not_arrived.mean > 0",
//!   "causes.bad-card.chargeback == 0",
//! ]
//! ```
//!
//! A bound is `<metric>[.<statistic>] <op> <number>`: a metric of the scenario's catalogue
//! (the names of `summary.json`, causes as `causes.<cause>.<outcome>`), a statistic of it over
//! the runs (`mean`, the default, `ci95_low`, `ci95_high`, `std`, `min`, `max`), one of
//! `<`, `<=`, `>`, `>=`, `==`, and a number (`99.5%` is 0.995). How each is judged is in
//! `crate::check`.

use super::check::Ctx;
use super::error::{ScenarioError, did_you_mean};
use serde::Deserialize;
use std::fmt;
use toml::Spanned;

/// `[expect]` as written.
#[derive(Deserialize, Debug, Clone, Default)]
#[serde(deny_unknown_fields)]
pub struct RawExpect {
    pub runs: Option<Spanned<u64>>,
    pub seed: Option<u64>,
    #[serde(default)]
    pub bounds: Vec<Spanned<String>>,
}

/// The statistic of a metric over the runs that a bound constrains.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stat {
    Mean,
    Ci95Low,
    Ci95High,
    Std,
    Min,
    Max,
}

impl Stat {
    pub const ALL: [Stat; 6] = [
        Stat::Mean,
        Stat::Ci95Low,
        Stat::Ci95High,
        Stat::Std,
        Stat::Min,
        Stat::Max,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Stat::Mean => "mean",
            Stat::Ci95Low => "ci95_low",
            Stat::Ci95High => "ci95_high",
            Stat::Std => "std",
            Stat::Min => "min",
            Stat::Max => "max",
        }
    }
}

/// A comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
}

impl Op {
    /// Longest first, so `<=` is not read as `<`.
    const SYMBOLS: [(&'static str, Op); 5] = [
        ("<=", Op::Le),
        (">=", Op::Ge),
        ("==", Op::Eq),
        ("<", Op::Lt),
        (">", Op::Gt),
    ];

    pub fn symbol(self) -> &'static str {
        Op::SYMBOLS
            .iter()
            .find(|(_, o)| *o == self)
            .map_or("?", |(s, _)| s)
    }

    /// `x <op> bound`.
    pub fn holds(self, x: f64, bound: f64) -> bool {
        match self {
            Op::Lt => x < bound,
            Op::Le => x <= bound,
            Op::Gt => x > bound,
            Op::Ge => x >= bound,
            Op::Eq => x == bound,
        }
    }
}

/// One bound of `[expect]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Bound {
    /// The bound as written.
    pub text: String,
    pub metric: String,
    pub stat: Stat,
    pub op: Op,
    pub value: f64,
    /// Line of the bound in the scenario file (1-based), for reports.
    pub line: usize,
}

impl fmt::Display for Bound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}.{} {} {}",
            self.metric,
            self.stat.name(),
            self.op.symbol(),
            self.value
        )
    }
}

/// A scenario's expectations: the batch to run and the bounds its summary must meet.
#[derive(Clone, Debug, PartialEq)]
pub struct ExpectSpec {
    pub runs: u64,
    pub seed: u64,
    pub bounds: Vec<Bound>,
}

/// Reads one bound; `metrics` are the names of the scenario's catalogue.
pub fn parse_bound(text: &str, metrics: &[String]) -> Result<(String, Stat, Op, f64), String> {
    let form = "write a bound as `<metric>[.<statistic>] <op> <number>`, e.g. \
                \"not_arrived_amount.mean < 500\"";
    let Some((at, sym, op)) = Op::SYMBOLS
        .iter()
        .filter_map(|&(sym, op)| text.find(sym).map(|i| (i, sym, op)))
        .min_by_key(|&(i, sym, _)| (i, usize::MAX - sym.len()))
    else {
        return Err(format!(
            "\"{text}\" has no comparison (<, <=, >, >=, ==); {form}"
        ));
    };
    let lhs = text[..at].trim();
    let rhs = text[at + sym.len()..].trim();
    if rhs.starts_with(['=', '<', '>']) || lhs.ends_with(['=', '!']) {
        return Err(format!(
            "\"{text}\": the comparison is not one of <, <=, >, >=, ==; {form}"
        ));
    }
    let number = rhs.replace('_', "");
    let value = match number.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().map(|x| x / 100.0),
        None => number.parse::<f64>(),
    }
    .ok()
    .filter(|x| x.is_finite())
    .ok_or_else(|| {
        format!(
            "\"{text}\": `{rhs}` is not a number (write e.g. 500, 0.995, 99.5% or 1e-3); {form}"
        )
    })?;
    if lhs.is_empty() {
        return Err(format!("\"{text}\" names no metric; {form}"));
    }
    let (metric, stat) = match lhs.rsplit_once('.').and_then(|(m, s)| {
        Stat::ALL
            .into_iter()
            .find(|st| st.name() == s)
            .map(|st| (m, st))
    }) {
        Some((m, st)) if metrics.iter().any(|n| n == m) => (m, st),
        _ if metrics.iter().any(|n| n == lhs) => (lhs, Stat::Mean),
        found => {
            let name = found.map_or(lhs, |(m, _)| m);
            let names: Vec<&str> = metrics.iter().map(String::as_str).collect();
            let mut hint = did_you_mean(name, &names);
            if hint.is_empty() {
                hint = did_you_mean(lhs, &names);
            }
            return Err(format!(
                "\"{name}\" is not a metric of this scenario{hint}; the metrics are the names of \
                 summary.json (causes as causes.<cause>.<outcome>), optionally followed by a \
                 statistic: {}",
                Stat::ALL.map(Stat::name).join(", ")
            ));
        }
    };
    Ok((metric.to_owned(), stat, op, value))
}

/// Validates `[expect]` against the scenario's metrics.
pub(super) fn validate(
    cx: &Ctx,
    raw: &Spanned<RawExpect>,
    metrics: &[String],
    runs: u64,
    seed: u64,
    max_runs: u64,
) -> Result<ExpectSpec, ScenarioError> {
    let e = raw.get_ref();
    let runs = match &e.runs {
        Some(r) => cx.count(r, "expect.runs", 2, max_runs, true)?,
        None => runs,
    };
    if runs < 2 {
        return Err(cx.err(
            raw.span(),
            "expect.runs",
            format!(
                "checking needs at least 2 runs for a confidence interval, and \
                 simulation.runs is {runs}; set expect.runs"
            ),
        ));
    }
    if e.bounds.is_empty() {
        return Err(cx.err(
            raw.span(),
            "expect.bounds",
            "[expect] has no bounds; add e.g. bounds = [\"not_arrived.mean < 1\"], or remove \
             the table",
        ));
    }
    let mut bounds = Vec::with_capacity(e.bounds.len());
    for (i, b) in e.bounds.iter().enumerate() {
        let field = format!("expect.bounds[{i}]");
        let (metric, stat, op, value) =
            parse_bound(b.get_ref(), metrics).map_err(|m| cx.err(b.span(), &field, m))?;
        let line = cx.src[..b.span().start.min(cx.src.len())]
            .matches('\n')
            .count()
            + 1;
        bounds.push(Bound {
            text: b.get_ref().trim().to_owned(),
            metric,
            stat,
            op,
            value,
            line,
        });
    }
    Ok(ExpectSpec {
        runs,
        seed: e.seed.unwrap_or(seed),
        bounds,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Vec<String> {
        [
            "not_arrived",
            "not_arrived_amount",
            "settled_on_time_ratio",
            "causes.scheme-outage.not_arrived",
            "utilization.scheme",
        ]
        .map(String::from)
        .to_vec()
    }

    #[test]
    fn reads_bounds() {
        let n = names();
        assert_eq!(
            parse_bound("not_arrived_amount.mean < 500.00", &n).unwrap(),
            ("not_arrived_amount".into(), Stat::Mean, Op::Lt, 500.0)
        );
        assert_eq!(
            parse_bound("settled_on_time_ratio.ci95_low >= 99.5%", &n).unwrap(),
            ("settled_on_time_ratio".into(), Stat::Ci95Low, Op::Ge, 0.995)
        );
        assert_eq!(
            parse_bound("causes.scheme-outage.not_arrived == 0", &n).unwrap(),
            (
                "causes.scheme-outage.not_arrived".into(),
                Stat::Mean,
                Op::Eq,
                0.0
            )
        );
        assert_eq!(
            parse_bound("utilization.scheme.max<=1_000", &n).unwrap(),
            ("utilization.scheme".into(), Stat::Max, Op::Le, 1000.0)
        );
    }

    #[test]
    fn refuses_bad_bounds_with_a_hint() {
        let n = names();
        let e = parse_bound("not_arived.mean < 1", &n).unwrap_err();
        assert!(e.contains("did you mean \"not_arrived\""), "{e}");
        let e = parse_bound("not_arrived.mean = 1", &n).unwrap_err();
        assert!(e.contains("no comparison"), "{e}");
        let e = parse_bound("not_arrived.mean =< 1", &n).unwrap_err();
        assert!(e.contains("not one of"), "{e}");
        let e = parse_bound("not_arrived.mean < lots", &n).unwrap_err();
        assert!(e.contains("`lots` is not a number"), "{e}");
        let e = parse_bound("not_arrived.median < 1", &n).unwrap_err();
        assert!(e.contains("not a metric") && e.contains("ci95_low"), "{e}");
        assert!(parse_bound("< 1", &n).is_err());
        assert!(parse_bound("not_arrived < nan", &n).is_err());
    }
}

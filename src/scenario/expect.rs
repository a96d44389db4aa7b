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
//!   "utilization.scheme ~= 0.42 ± 5%",
//! ]
//! min_change = { "utilization.issuer-a" = "0.5%", not_arrived_amount = 10.0 }
//! ```
//!
//! A bound is `<metric>[.<statistic>] <op> <number>`: a metric of the scenario's catalogue
//! (the names of `summary.json`, causes as `causes.<cause>.<outcome>`), a statistic of it over
//! the runs (`mean`, the default, `ci95_low`, `ci95_high`, `std`, `min`, `max`), one of
//! `<`, `<=`, `>`, `>=`, `==`, and a number (`99.5%` is 0.995); or `<metric> ~= <number> ±
//! <width>` (also written `+-`), where the width is absolute (`0.01`) or relative to the number
//! (`5%`). How each is judged is in `crate::check`.
//!
//! `min_change` gives, per metric, the smallest change from a baseline that matters
//! (`payfault check --against-baseline`): a number in the metric's unit, or a share of the
//! baseline's mean (`"0.5%"`); the key `"*"` gives the scenario's default.

use super::check::Ctx;
use super::error::{ScenarioError, did_you_mean};
use serde::Deserialize;
use std::collections::BTreeMap;
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
    /// Per metric (or `"*"`): the smallest change from a baseline that matters.
    #[serde(default)]
    pub min_change: BTreeMap<Spanned<String>, Spanned<toml::Value>>,
}

/// A width that is absolute (in the metric's unit) or relative to a reference value: the
/// tolerance of a `~=` bound (relative to its number) and a minimum meaningful change
/// (relative to the baseline's mean).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Margin {
    Absolute(f64),
    /// A share of the reference's magnitude (`0.05` for `5%`).
    Relative(f64),
}

impl Margin {
    /// The width around `reference`.
    pub fn of(self, reference: f64) -> f64 {
        match self {
            Margin::Absolute(w) => w,
            Margin::Relative(r) => r * reference.abs(),
        }
    }

    /// Reads `0.01` (absolute) or `5%` (relative); `None` unless a finite number >= 0.
    pub fn parse(text: &str) -> Option<Margin> {
        let t = text.trim().replace('_', "");
        let m = match t.strip_suffix('%') {
            Some(p) => Margin::Relative(p.trim().parse::<f64>().ok()? / 100.0),
            None => Margin::Absolute(t.parse::<f64>().ok()?),
        };
        let x = match m {
            Margin::Absolute(x) | Margin::Relative(x) => x,
        };
        (x.is_finite() && x >= 0.0).then_some(m)
    }
}

impl fmt::Display for Margin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Margin::Absolute(w) => write!(f, "{w}"),
            Margin::Relative(r) => {
                // 0.07 · 100 is 7.000000000000001: ten decimals, trailing zeros dropped.
                let p = format!("{:.10}", r * 100.0);
                let p = p.trim_end_matches('0').trim_end_matches('.');
                write!(f, "{p}%")
            }
        }
    }
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
    /// `~=`: within a tolerance (the bound's [`Bound::tolerance`]).
    Approx,
}

impl Op {
    /// Longest first, so `<=` is not read as `<`.
    const SYMBOLS: [(&'static str, Op); 6] = [
        ("<=", Op::Le),
        (">=", Op::Ge),
        ("==", Op::Eq),
        ("~=", Op::Approx),
        ("<", Op::Lt),
        (">", Op::Gt),
    ];

    pub fn symbol(self) -> &'static str {
        Op::SYMBOLS
            .iter()
            .find(|(_, o)| *o == self)
            .map_or("?", |(s, _)| s)
    }

    /// `x <op> bound`, with `width` the tolerance of `~=` (0 for the others).
    pub fn holds(self, x: f64, bound: f64, width: f64) -> bool {
        match self {
            Op::Lt => x < bound,
            Op::Le => x <= bound,
            Op::Gt => x > bound,
            Op::Ge => x >= bound,
            Op::Eq => x == bound,
            Op::Approx => (x - bound).abs() <= width,
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
    /// The tolerance of a `~=` bound (`None` for the other comparisons).
    pub tolerance: Option<Margin>,
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
        )?;
        match self.tolerance {
            Some(t) => write!(f, " ± {t}"),
            None => Ok(()),
        }
    }
}

/// A scenario's expectations: the batch to run and the bounds its summary must meet.
#[derive(Clone, Debug, PartialEq)]
pub struct ExpectSpec {
    pub runs: u64,
    pub seed: u64,
    pub bounds: Vec<Bound>,
    /// The smallest change from a baseline that matters, per metric.
    pub min_change: BTreeMap<String, Margin>,
    /// `min_change`'s `"*"`: the scenario's default.
    pub min_change_default: Option<Margin>,
}

impl ExpectSpec {
    /// The metrics the expectations name (by a bound or a minimum change): they join the
    /// headline family of a baseline comparison.
    pub fn named_metrics(&self) -> impl Iterator<Item = &str> {
        self.bounds
            .iter()
            .map(|b| b.metric.as_str())
            .chain(self.min_change.keys().map(String::as_str))
    }
}

/// A bound as read: metric, statistic, comparison, number and (for `~=`) tolerance.
pub type ParsedBound = (String, Stat, Op, f64, Option<Margin>);

/// Reads a number as a bound writes it: `500`, `0.995`, `99.5%` (0.995), `1e-3`, `10_000`.
fn number(text: &str) -> Option<f64> {
    let t = text.trim().replace('_', "");
    match t.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().ok().map(|x| x / 100.0),
        None => t.parse::<f64>().ok(),
    }
    .filter(|x| x.is_finite())
}

/// Reads one bound; `metrics` are the names of the scenario's catalogue.
pub fn parse_bound(text: &str, metrics: &[String]) -> Result<ParsedBound, String> {
    let form = "write a bound as `<metric>[.<statistic>] <op> <number>`, e.g. \
                \"not_arrived_amount.mean < 500\", or `<metric> ~= <number> ± <width>`, e.g. \
                \"utilization.scheme ~= 0.42 ± 5%\"";
    let Some((at, sym, op)) = Op::SYMBOLS
        .iter()
        .filter_map(|&(sym, op)| text.find(sym).map(|i| (i, sym, op)))
        .min_by_key(|&(i, sym, _)| (i, usize::MAX - sym.len()))
    else {
        return Err(format!(
            "\"{text}\" has no comparison (<, <=, >, >=, ==, ~=); {form}"
        ));
    };
    let lhs = text[..at].trim();
    let rhs = text[at + sym.len()..].trim();
    if rhs.starts_with(['=', '<', '>', '~']) || lhs.ends_with(['=', '!', '~']) {
        return Err(format!(
            "\"{text}\": the comparison is not one of <, <=, >, >=, ==, ~=; {form}"
        ));
    }
    let pm = rhs
        .find('±')
        .map(|i| (i, '±'.len_utf8()))
        .or_else(|| rhs.find("+-").map(|i| (i, 2)));
    let (rhs, tolerance) = match (op, pm) {
        (Op::Approx, Some((i, len))) => {
            let width = rhs[i + len..].trim();
            let t = Margin::parse(width).ok_or_else(|| {
                format!(
                    "\"{text}\": the tolerance `{width}` is not a width (write e.g. 0.01, or 5% \
                     for 5% of the number); {form}"
                )
            })?;
            (rhs[..i].trim(), Some(t))
        }
        (Op::Approx, None) => {
            return Err(format!(
                "\"{text}\": `~=` needs a tolerance, absolute or relative: write e.g. \
                 \"{lhs} ~= {rhs} ± 5%\" or \"{lhs} ~= {rhs} +- 0.01\""
            ));
        }
        (_, Some(_)) => {
            return Err(format!(
                "\"{text}\": a tolerance (± or +-) goes with `~=`, not with `{sym}`; {form}"
            ));
        }
        (_, None) => (rhs, None),
    };
    let value = number(rhs).ok_or_else(|| {
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
    Ok((metric.to_owned(), stat, op, value, tolerance))
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
    if e.bounds.is_empty() && e.min_change.is_empty() {
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
        let (metric, stat, op, value, tolerance) =
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
            tolerance,
            line,
        });
    }
    let (min_change, min_change_default) = min_changes(cx, &e.min_change, metrics)?;
    Ok(ExpectSpec {
        runs,
        seed: e.seed.unwrap_or(seed),
        bounds,
        min_change,
        min_change_default,
    })
}

/// Reads one minimum change as `[expect]` or `--min-change` writes it: a number in the
/// metric's unit (`10`, `0.002`) or a share of the baseline's mean (`"0.5%"`).
pub fn parse_min_change(text: &str) -> Result<Margin, String> {
    Margin::parse(text).ok_or_else(|| {
        format!(
            "`{text}` is not a minimum change: write a number >= 0 in the metric's unit (e.g. \
             10 or 0.002) or a share of the baseline's mean (e.g. \"0.5%\")"
        )
    })
}

/// `[expect] min_change`: per metric (validated against the catalogue), and the default `"*"`.
type MinChanges = (BTreeMap<String, Margin>, Option<Margin>);

fn min_changes(
    cx: &Ctx,
    raw: &BTreeMap<Spanned<String>, Spanned<toml::Value>>,
    metrics: &[String],
) -> Result<MinChanges, ScenarioError> {
    let mut per_metric = BTreeMap::new();
    let mut default = None;
    for (k, v) in raw {
        let name = k.get_ref();
        let field = format!("expect.min_change.{name}");
        let margin = match v.get_ref() {
            toml::Value::Integer(i) => parse_min_change(&i.to_string()),
            toml::Value::Float(x) => parse_min_change(&x.to_string()),
            toml::Value::String(s) => parse_min_change(s),
            other => Err(format!(
                "a minimum change is a number or a text like \"0.5%\", not a {}",
                other.type_str()
            )),
        }
        .map_err(|m| cx.err(v.span(), &field, m))?;
        if name == "*" {
            default = Some(margin);
        } else if metrics.iter().any(|m| m == name) {
            per_metric.insert(name.clone(), margin);
        } else {
            let names: Vec<&str> = metrics.iter().map(String::as_str).collect();
            return Err(cx.err(
                k.span(),
                &field,
                format!(
                    "\"{name}\" is not a metric of this scenario{}; min_change's keys are the \
                     names of summary.json (causes as causes.<cause>.<outcome>), or \"*\" for \
                     every metric",
                    did_you_mean(name, &names)
                ),
            ));
        }
    }
    Ok((per_metric, default))
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
            ("not_arrived_amount".into(), Stat::Mean, Op::Lt, 500.0, None)
        );
        assert_eq!(
            parse_bound("settled_on_time_ratio.ci95_low >= 99.5%", &n).unwrap(),
            (
                "settled_on_time_ratio".into(),
                Stat::Ci95Low,
                Op::Ge,
                0.995,
                None
            )
        );
        assert_eq!(
            parse_bound("causes.scheme-outage.not_arrived == 0", &n).unwrap(),
            (
                "causes.scheme-outage.not_arrived".into(),
                Stat::Mean,
                Op::Eq,
                0.0,
                None
            )
        );
        assert_eq!(
            parse_bound("utilization.scheme.max<=1_000", &n).unwrap(),
            ("utilization.scheme".into(), Stat::Max, Op::Le, 1000.0, None)
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

    #[test]
    fn reads_approximate_bounds_with_either_plus_minus() {
        let n = names();
        let rel = parse_bound("utilization.scheme ~= 0.42 ± 5%", &n).unwrap();
        assert_eq!(
            rel,
            (
                "utilization.scheme".into(),
                Stat::Mean,
                Op::Approx,
                0.42,
                Some(Margin::Relative(0.05))
            )
        );
        let abs = parse_bound("utilization.scheme.mean~=0.42+-0.01", &n).unwrap();
        assert_eq!(abs.2, Op::Approx);
        assert_eq!((abs.3, abs.4), (0.42, Some(Margin::Absolute(0.01))));
        // A negative centre and a percentage centre read as in other bounds.
        let neg = parse_bound("not_arrived ~= -5 +- 1", &n).unwrap();
        assert_eq!((neg.3, neg.4), (-5.0, Some(Margin::Absolute(1.0))));
        let pc = parse_bound("settled_on_time_ratio ~= 99.5% ± 0.1%", &n).unwrap();
        assert_eq!((pc.3, pc.4), (0.995, Some(Margin::Relative(0.001))));
        assert_eq!(Margin::Relative(0.07).to_string(), "7%");
        // Errors: no tolerance, a bad one, a tolerance on another comparison.
        let e = parse_bound("utilization.scheme ~= 0.42", &n).unwrap_err();
        assert!(e.contains("needs a tolerance") && e.contains("± 5%"), "{e}");
        let e = parse_bound("utilization.scheme ~= 0.42 ± lots", &n).unwrap_err();
        assert!(e.contains("`lots` is not a width"), "{e}");
        let e = parse_bound("utilization.scheme ~= 0.42 ± -1", &n).unwrap_err();
        assert!(e.contains("not a width"), "{e}");
        let e = parse_bound("utilization.scheme < 0.42 ± 1%", &n).unwrap_err();
        assert!(e.contains("goes with `~=`"), "{e}");
        let e = parse_bound("utilization.scheme ~== 1 ± 1", &n).unwrap_err();
        assert!(e.contains("not one of"), "{e}");
    }

    #[test]
    fn reads_minimum_changes() {
        assert_eq!(parse_min_change("0.5%"), Ok(Margin::Relative(0.005)));
        assert_eq!(parse_min_change("10"), Ok(Margin::Absolute(10.0)));
        assert_eq!(parse_min_change(" 1_000 "), Ok(Margin::Absolute(1000.0)));
        assert!(
            parse_min_change("-1")
                .unwrap_err()
                .contains("not a minimum change")
        );
        assert!(parse_min_change("big").is_err());
        assert!(parse_min_change("inf").is_err());
        assert_eq!(Margin::Relative(0.005).of(-200.0), 1.0);
        assert_eq!(Margin::Absolute(3.0).of(-200.0), 3.0);
    }
}

//! `payfault check --json`: every bound and every baseline comparison, whole (never
//! abbreviated: every changed metric is listed).

use crate::check::baseline::{Family, Moments, Shift};
use crate::check::{BaselineOutcome, Doubt, Judgement, ScenarioCheck, Verdict};
use crate::scenario::expect::Margin;
use serde_json::{Value, json};

fn margin(m: Option<Margin>) -> Value {
    match m {
        None => Value::Null,
        Some(Margin::Absolute(w)) => json!({ "absolute": w }),
        Some(Margin::Relative(r)) => json!({ "relative": r }),
    }
}

fn doubt(d: Option<Doubt>) -> (Value, Value) {
    match d {
        None => (Value::Null, Value::Null),
        Some(Doubt::Straddles(n)) => (json!("straddles"), json!(n)),
        Some(Doubt::OnTheBound) => (json!("on_the_bound"), Value::Null),
        Some(Doubt::Undefined) => (json!("undefined"), Value::Null),
        Some(Doubt::OneRun) => (json!("one_run"), Value::Null),
        Some(Doubt::NeedsTolerance) => (json!("needs_tolerance"), Value::Null),
    }
}

fn bound(j: &Judgement) -> Value {
    let (why, runs) = doubt(j.doubt);
    json!({
        "bound": j.bound.text,
        "line": j.bound.line,
        "metric": j.bound.metric,
        "statistic": j.bound.stat.name(),
        "op": j.bound.op.symbol(),
        "value": j.bound.value,
        "tolerance": margin(j.bound.tolerance),
        "verdict": j.verdict.name(),
        "observed": j.value,
        "mean": j.mean,
        "interval": j.interval.map(|(l, h)| [l, h]),
        "confidence": j.confidence,
        "doubt": why,
        "runs_to_decide": runs,
        "needs_tolerance": j.needs_tolerance,
    })
}

fn moments(m: &Moments) -> Value {
    json!({ "n": m.n, "mean": m.mean, "std": m.std })
}

/// One compared metric.
pub fn shift(s: &Shift) -> Value {
    json!({
        "metric": s.metric,
        "family": s.family.name(),
        "test": s.method.name(),
        "before": moments(&s.before),
        "after": moments(&s.after),
        "pairs": s.pairs,
        "change": s.diff,
        "relative_change": s.relative,
        "standardised_change": s.standardised,
        "se": s.se,
        "df": s.df,
        "min_change": margin(Some(s.min_change)),
        "min_change_absolute": s.delta,
        "p_value": s.p_value,
        "adjusted_p": s.adjusted_p,
        "changed": s.changed,
        "min_detectable_change": s.mdc,
    })
}

fn family(b: &BaselineOutcome, f: Family, every: bool) -> Value {
    let mut v = json!({
        "family_size": b.family(f),
        "tested": b.tested(f),
        "changed": b.changed(f).map(shift).collect::<Vec<_>>(),
    });
    if every {
        v["metrics"] = b
            .shifts
            .iter()
            .filter(|s| s.family == f)
            .map(shift)
            .collect();
    }
    v
}

fn baseline(b: &BaselineOutcome) -> Value {
    let Some((seed, runs, version)) = &b.found else {
        return json!({ "found": false, "verdict": b.verdict().name() });
    };
    json!({
        "found": true,
        "seed": seed,
        "runs": runs,
        "payfault": version,
        "format": b.format,
        "paired": b.paired,
        "verdict": b.verdict().name(),
        "alpha": b.alpha,
        "strict": b.strict,
        "headline": family(b, Family::Headline, true),
        "exploratory": family(b, Family::Exploratory, false),
        "left_out": b.constant.iter().map(|(m, f)| json!({ "metric": m, "family": f.name() })).collect::<Vec<_>>(),
        "not_tested": b.not_tested.iter().map(|n| json!({ "metric": n.metric, "reason": n.reason.name() })).collect::<Vec<_>>(),
    })
}

/// The whole check as JSON (pretty, with a final newline).
pub fn json(checks: &[ScenarioCheck]) -> String {
    let (p, f, u) = super::totals(checks);
    let verdict = |c: &ScenarioCheck| {
        [Verdict::Fail, Verdict::Undecided, Verdict::Pass]
            .into_iter()
            .find(|&v| c.count(v) > 0)
            .map(Verdict::name)
    };
    let v = json!({
        "payfault": env!("CARGO_PKG_VERSION"),
        "totals": { "pass": p, "fail": f, "undecided": u },
        "scenarios": checks.iter().map(|c| json!({
            "name": c.name,
            "file": c.file,
            "runs": c.runs,
            "seed": c.seed,
            "looks": c.looks,
            "bounds": c.judgements.iter().map(bound).collect::<Vec<_>>(),
            "baseline": c.baseline.as_ref().map(baseline),
            "verdict": verdict(c),
        })).collect::<Vec<_>>(),
    });
    serde_json::to_string_pretty(&v).expect("JSON serialises") + "\n"
}

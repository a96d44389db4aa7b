//! Regression checks of scenario outcomes: the bounds a scenario promises (`[expect]`, see
//! [`crate::scenario::expect`]) judged against a batch's summaries, and baselines of earlier
//! results compared with new ones ([`baseline`]).
//!
//! # How a bound is judged
//!
//! A bound on a metric's **mean** is a claim about the true mean, which a batch only
//! estimates. It is judged with the confidence interval of the mean (Student's t, clipped to
//! the metric's natural range), never with the point estimate alone:
//! - **pass** when the whole interval satisfies the bound;
//! - **fail** when the whole interval violates it;
//! - **undecided** when the interval straddles the bound: the batch cannot tell, and more runs
//!   would. [`runs_to_decide`] estimates how many, assuming the mean and the spread stay as
//!   observed (the interval's half-width shrinks as 1/√n).
//!
//! Two facts need no statistics: a quantity that cannot be negative and was positive in some
//! run has a mean above 0 (likewise below a ratio's 1). And a bare `==` on the mean is an
//! exact statement about the batch, judged by the runs' minimum and maximum: when every run
//! had the same value it passes if that value is the bound (`causes.x.not_arrived == 0`
//! passes when no run had one, whatever interval a count never seen is given) and fails
//! otherwise. On a figure that varies across runs `==` can only fail (its interval excludes
//! the bound) or stay undecided, and the finding says to write `~=` with a tolerance.
//!
//! `x ~= v ± w` is judged with the mean's interval against the band `[v − w, v + w]`: pass
//! when the interval lies within it, fail when it lies wholly outside, else undecided.
//!
//! A bound on another statistic (`ci95_low`, `ci95_high`, `std`, `min`, `max`) is a plain
//! comparison of the value the batch reports (as in summary.json): it says something about
//! this batch, so it passes or fails, and is undecided only when the statistic is undefined
//! (fewer than two runs, or no run defined the metric).
//!
//! With `--decide`, a check adds runs while bounds are undecided, up to [`LOOKS`] looks at the
//! data. Looking several times and stopping when decided would raise the chance of a wrong
//! decision, so each look then uses a `1 − 0.05/LOOKS` interval (Bonferroni): over all looks
//! the chance that any given bound is wrongly decided stays at most 5%.

pub mod baseline;

pub use crate::metrics::stats::{interval, runs_to_decide, runs_to_decide_summary, t_quantile};
use crate::metrics::{BatchResult, Summary, Unit};
use crate::scenario::expect::{Bound, Op, Stat};

/// The confidence of a single look.
pub const CONFIDENCE: f64 = 0.95;

/// Most looks at the data with `--decide` (the first batch included).
pub const LOOKS: u32 = 4;

/// The result of one bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    Pass,
    Undecided,
    Fail,
}

impl Verdict {
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Undecided => "undecided",
            Verdict::Fail => "fail",
        }
    }
}

/// Why an undecided bound is undecided.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Doubt {
    /// The interval straddles the bound; about this many runs in all would decide it.
    Straddles(Option<u64>),
    /// The observed mean sits exactly on the bound (with some spread): no number of runs
    /// would decide it on this evidence.
    OnTheBound,
    /// No run defined the metric (e.g. a settlement delay when nothing settled).
    Undefined,
    /// One run gives no interval.
    OneRun,
    /// A bare `==` on a figure that varies across runs: it can never pass; write `~=` with a
    /// tolerance.
    NeedsTolerance,
}

/// A bound, judged.
#[derive(Clone, Debug, PartialEq)]
pub struct Judgement {
    pub bound: Bound,
    pub verdict: Verdict,
    /// The value compared: the mean, or the statistic the bound names.
    pub value: Option<f64>,
    /// The mean's interval at the confidence used (`None` with fewer than two runs).
    pub interval: Option<(f64, f64)>,
    /// The confidence of `interval`.
    pub confidence: f64,
    pub mean: Option<f64>,
    pub unit: Unit,
    pub doubt: Option<Doubt>,
    /// A bare `==` on the mean of a figure that varies across runs: the finding says to write
    /// `~=` with a tolerance.
    pub needs_tolerance: bool,
}

/// Judges `bound` against the batch's summary of its metric.
pub fn judge(bound: &Bound, batch: &BatchResult, confidence: f64) -> Judgement {
    let i = batch
        .catalogue
        .position(&bound.metric)
        .expect("bounds are validated against the scenario's catalogue");
    judge_summary(
        bound,
        &batch.summaries[i],
        batch.catalogue.metrics[i].unit,
        confidence,
    )
}

/// Judges `bound` against one summary of a metric of unit `unit`.
pub fn judge_summary(bound: &Bound, s: &Summary, unit: Unit, confidence: f64) -> Judgement {
    // A metric whose mechanism the scenario does not have is 0 by construction, in every run:
    // judged as that exact 0.
    let structural;
    let s = match s.off {
        Some(_) => {
            structural = Summary {
                n: s.n,
                mean: Some(0.0),
                std: Some(0.0),
                ci95_low: Some(0.0),
                ci95_high: Some(0.0),
                min: Some(0.0),
                max: Some(0.0),
                ci_method: Some(crate::metrics::interval::Method::StudentT),
                ..Summary::default()
            };
            &structural
        }
        None => s,
    };
    let interval = interval(s, unit, confidence);
    let mut j = Judgement {
        bound: bound.clone(),
        verdict: Verdict::Undecided,
        value: None,
        interval,
        confidence,
        mean: s.mean,
        unit,
        doubt: None,
        needs_tolerance: false,
    };
    let width = bound.tolerance.map_or(0.0, |t| t.of(bound.value));
    if bound.stat != Stat::Mean {
        j.value = match bound.stat {
            Stat::Ci95Low => s.ci95_low,
            Stat::Ci95High => s.ci95_high,
            Stat::Std => s.std,
            Stat::Min => s.min,
            Stat::Max => s.max,
            Stat::Mean => unreachable!(),
        };
        match j.value {
            Some(x) => {
                j.verdict = if bound.op.holds(x, bound.value, width) {
                    Verdict::Pass
                } else {
                    Verdict::Fail
                }
            }
            None => {
                j.doubt = Some(if s.n == 0 {
                    Doubt::Undefined
                } else {
                    Doubt::OneRun
                })
            }
        }
        return j;
    }
    j.value = s.mean;
    let (Some(mean), Some((lo, hi))) = (s.mean, interval) else {
        j.doubt = Some(if s.n == 0 {
            Doubt::Undefined
        } else {
            Doubt::OneRun
        });
        return j;
    };
    // Certain facts: a quantity above its natural floor in some run has a mean above the
    // floor, and one below its ceiling in some run has a mean below the ceiling.
    let (floor, ceil) = unit.bounds();
    let above_floor = s.max.is_some_and(|m| m > floor);
    let below_ceil = s.min.is_some_and(|m| m < ceil);
    let v = bound.value;
    // Whether the true mean is surely above / at least / below / at most v, on this evidence.
    let surely_gt = lo > v || (above_floor && lo == floor && v <= floor);
    let surely_ge = lo >= v || surely_gt;
    let surely_lt = hi < v || (below_ceil && hi == ceil && v >= ceil);
    let surely_le = hi <= v || surely_lt;
    // Every run had the same value: `==` is an exact statement about the batch.
    let constant = s.min.is_some() && s.min == s.max;
    j.needs_tolerance = bound.op == Op::Eq && !constant;
    // The edge of the bound that more runs would have to clear.
    let mut edge = v;
    let (pass, fail) = match bound.op {
        Op::Lt => (surely_lt, surely_ge),
        Op::Le => (surely_le, surely_gt),
        Op::Gt => (surely_gt, surely_le),
        Op::Ge => (surely_ge, surely_lt),
        Op::Eq if constant => (s.min == Some(v), s.min != Some(v)),
        Op::Eq => (false, surely_gt || surely_lt),
        Op::Approx => {
            let (low, high) = (v - width, v + width);
            edge = if (mean - low).abs() < (high - mean).abs() {
                low
            } else {
                high
            };
            (lo >= low && hi <= high, hi < low || lo > high)
        }
    };
    j.verdict = if pass {
        Verdict::Pass
    } else if fail {
        Verdict::Fail
    } else if j.needs_tolerance {
        j.doubt = Some(Doubt::NeedsTolerance);
        Verdict::Undecided
    } else {
        j.doubt = Some(match runs_to_decide_summary(s, edge, confidence) {
            None => Doubt::OnTheBound,
            Some(n) => Doubt::Straddles(Some(n.max(s.n + 1))),
        });
        Verdict::Undecided
    };
    j
}

/// A scenario's check: the batch that ran and its bounds, judged.
#[derive(Clone, Debug)]
pub struct ScenarioCheck {
    /// The file as given (or the built-in scenario's name).
    pub file: String,
    pub name: String,
    pub runs: u64,
    pub seed: u64,
    /// Looks at the data (1 without `--decide`).
    pub looks: u32,
    /// Wall time of the batches, seconds (JUnit's `time`; nothing else depends on it).
    pub seconds: f64,
    pub judgements: Vec<Judgement>,
    /// The comparison with its baseline, when `--against-baseline` was given.
    pub baseline: Option<BaselineOutcome>,
}

/// A scenario's comparison with its baseline.
#[derive(Clone, Debug)]
pub struct BaselineOutcome {
    /// The baseline's seed, runs and payfault version; `None` when the scenario has none.
    pub found: Option<(u64, u64, String)>,
    /// The baseline file's format (1: no per-run values).
    pub format: u32,
    /// Whether the comparison was paired run by run (same seed, per-run values).
    pub paired: bool,
    /// Every tested metric of the scenario and every deterministic change, in catalogue order.
    pub shifts: Vec<baseline::Shift>,
    /// The metrics with the same value in every run on both sides, and the family each would
    /// be in: left out.
    pub constant: Vec<(String, baseline::Family)>,
    pub not_tested: Vec<baseline::NotTested>,
    /// The sizes of the headline and the exploratory family over the whole command.
    pub families: [usize; 2],
    pub alpha: f64,
    /// With `--strict`, an exploratory change fails too.
    pub strict: bool,
}

impl BaselineOutcome {
    /// The changed metrics of a family.
    pub fn changed(&self, f: baseline::Family) -> impl Iterator<Item = &baseline::Shift> {
        self.shifts
            .iter()
            .filter(move |s| s.changed && s.family == f)
    }

    /// How many of this scenario's metrics of a family were tested (deterministic changes
    /// excepted).
    pub fn tested(&self, f: baseline::Family) -> usize {
        self.shifts
            .iter()
            .filter(|s| s.family == f && s.method != baseline::Method::Exact)
            .count()
    }

    /// The size of a family over the command.
    pub fn family(&self, f: baseline::Family) -> usize {
        self.families[f as usize]
    }

    /// The result of the comparison: a headline change fails (an exploratory one too with
    /// `--strict`); no baseline is undecided.
    pub fn verdict(&self) -> Verdict {
        use baseline::Family::*;
        if self.found.is_none() {
            Verdict::Undecided
        } else if self.changed(Headline).next().is_some()
            || (self.strict && self.changed(Exploratory).next().is_some())
        {
            Verdict::Fail
        } else {
            Verdict::Pass
        }
    }
}

impl ScenarioCheck {
    /// How many bounds (and the baseline comparison, which counts as one) had `verdict`.
    pub fn count(&self, verdict: Verdict) -> usize {
        self.judgements
            .iter()
            .filter(|j| j.verdict == verdict)
            .count()
            + self
                .baseline
                .as_ref()
                .map_or(0, |b| usize::from(b.verdict() == verdict))
    }
}

/// The judgements of every bound of a scenario on one batch.
pub fn judge_all(bounds: &[Bound], batch: &BatchResult, confidence: f64) -> Vec<Judgement> {
    bounds.iter().map(|b| judge(b, batch, confidence)).collect()
}

/// With `--decide`: the number of runs of the next look, or `None` when there is nothing more
/// to learn (every bound decided, or undecidable by more runs, or `cap` reached).
pub fn next_runs(judgements: &[Judgement], runs: u64, cap: u64) -> Option<u64> {
    let wanted = judgements
        .iter()
        .filter_map(|j| match j.doubt {
            Some(Doubt::Straddles(Some(n))) => Some(n),
            _ => None,
        })
        .max()?;
    if runs >= cap {
        return None;
    }
    // A little beyond the estimate (it is itself uncertain), and at least half as many again.
    let next = (wanted + wanted / 10).max(runs + runs / 2).min(cap);
    (next > runs).then_some(next)
}

/// The confidence of each look: 95%, or with `--decide` the Bonferroni share over [`LOOKS`].
pub fn look_confidence(decide: bool) -> f64 {
    if decide {
        1.0 - (1.0 - CONFIDENCE) / LOOKS as f64
    } else {
        CONFIDENCE
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::Accumulator;
    use crate::scenario::expect::parse_bound;

    #[test]
    fn a_metric_whose_mechanism_is_off_is_an_exact_zero() {
        let off = Summary {
            n: 20,
            off: Some("no circuit breaker"),
            ..Summary::default()
        };
        let v = |t: &str| judge_summary(&bound(t), &off, Unit::Count, CONFIDENCE).verdict;
        assert_eq!(v("x == 0"), Verdict::Pass);
        assert_eq!(v("x < 0.5"), Verdict::Pass);
        assert_eq!(v("x > 0"), Verdict::Fail);
        // Never seen but possible: the rule-of-three bound leaves `< 0.1` undecided at 20
        // runs (3.69 / 20 = 0.18), with the runs that would decide it.
        let mut a = crate::metrics::Accumulator::default();
        (0..20).for_each(|_| a.push(0.0));
        let scale = crate::metrics::interval::Scale {
            zero: 1.0,
            phi: Some(1.0),
        };
        let seen = a.summary_of(Unit::Count, scale);
        let j = judge_summary(&bound("x < 0.1"), &seen, Unit::Count, CONFIDENCE);
        assert_eq!(j.verdict, Verdict::Undecided);
        assert_eq!(j.doubt, Some(Doubt::Straddles(Some(37))));
        assert_eq!(
            judge_summary(&bound("x == 0"), &seen, Unit::Count, CONFIDENCE).verdict,
            Verdict::Pass,
            "a bare == on a figure equal in every run is exact"
        );
    }

    fn bound(text: &str) -> Bound {
        let names = ["x", "r"].map(String::from);
        let (metric, stat, op, value, tolerance) = parse_bound(text, &names).unwrap();
        Bound {
            text: text.into(),
            metric,
            stat,
            op,
            value,
            tolerance,
            line: 1,
        }
    }

    fn summary(xs: &[f64], unit: Unit) -> Summary {
        let mut a = Accumulator::default();
        xs.iter().for_each(|&x| a.push(x));
        a.summary_within(unit.bounds())
    }

    fn verdict(text: &str, xs: &[f64], unit: Unit) -> Verdict {
        judge_summary(&bound(text), &summary(xs, unit), unit, CONFIDENCE).verdict
    }

    #[test]
    fn means_are_judged_by_their_interval() {
        // Mean 10, sd ≈ 1.05, n = 10: the 95% interval is about [9.25, 10.75].
        let xs = [9.0, 11.0, 10.0, 10.0, 9.0, 11.0, 10.0, 10.0, 9.0, 11.0];
        let s = summary(&xs, Unit::Count);
        let (lo, hi) = interval(&s, Unit::Count, CONFIDENCE).unwrap();
        assert_eq!((Some(lo), Some(hi)), (s.ci95_low, s.ci95_high));
        assert_eq!(verdict("x < 11", &xs, Unit::Count), Verdict::Pass);
        assert_eq!(verdict("x < 9", &xs, Unit::Count), Verdict::Fail);
        assert_eq!(verdict("x < 10.5", &xs, Unit::Count), Verdict::Undecided);
        assert_eq!(verdict("x > 9", &xs, Unit::Count), Verdict::Pass);
        assert_eq!(verdict("x >= 11", &xs, Unit::Count), Verdict::Fail);
        assert_eq!(verdict("x == 10", &xs, Unit::Count), Verdict::Undecided);
        assert_eq!(verdict("x == 12", &xs, Unit::Count), Verdict::Fail);
        // The statistic itself, not the true mean: decided either way.
        assert_eq!(verdict("x.max <= 11", &xs, Unit::Count), Verdict::Pass);
        assert_eq!(
            verdict("x.ci95_low >= 9.5", &xs, Unit::Count),
            Verdict::Fail
        );
    }

    #[test]
    fn certain_facts_about_natural_bounds() {
        // Never in any run: equal to zero, exactly.
        let zeros = [0.0; 20];
        assert_eq!(verdict("x == 0", &zeros, Unit::Count), Verdict::Pass);
        assert_eq!(verdict("x < 1", &zeros, Unit::Count), Verdict::Pass);
        assert_eq!(verdict("x > 0", &zeros, Unit::Count), Verdict::Fail);
        // Once in 20 runs: the clipped interval reaches 0, yet the mean is surely above 0.
        let mut once = [0.0; 20];
        once[3] = 1.0;
        assert_eq!(verdict("x > 0", &once, Unit::Count), Verdict::Pass);
        assert_eq!(verdict("x == 0", &once, Unit::Count), Verdict::Fail);
        assert_eq!(verdict("x <= 0", &once, Unit::Count), Verdict::Fail);
        // A ratio below 1 in some run is surely below 1.
        let mut r = [1.0; 10];
        r[0] = 0.9;
        assert_eq!(verdict("r < 1", &r, Unit::Ratio), Verdict::Pass);
        assert_eq!(verdict("r == 1", &r, Unit::Ratio), Verdict::Fail);
    }

    #[test]
    fn undecided_bounds_estimate_the_runs_that_decide_them() {
        // Mean 10, sd 2 (n = 10): a bound at 11 is half a standard deviation away. The
        // interval's half-width t·2/√n falls below 1 at n = 18 (t(17) = 2.110; at n = 17,
        // t(16)·2/√17 = 1.028).
        let xs = [8.0, 12.0, 8.0, 12.0, 8.0, 12.0, 8.0, 12.0, 10.0, 10.0];
        let s = summary(&xs, Unit::Count);
        let j = judge_summary(&bound("x < 11"), &s, Unit::Count, CONFIDENCE);
        assert_eq!(j.verdict, Verdict::Undecided);
        let std = s.std.unwrap();
        let n = runs_to_decide(10.0, std, 11.0, CONFIDENCE).unwrap();
        let half = |n: u64| t_quantile(CONFIDENCE, (n - 1) as f64) * std / (n as f64).sqrt();
        assert!(half(n) < 1.0 && half(n - 1) >= 1.0, "n = {n}");
        assert_eq!(j.doubt, Some(Doubt::Straddles(Some(n))));
        // With the estimated runs and the same mean and spread, it is decided.
        let mut wide = vec![];
        for _ in 0..n.div_ceil(10) {
            wide.extend_from_slice(&xs);
        }
        let j = judge_summary(
            &bound("x < 11"),
            &summary(&wide, Unit::Count),
            Unit::Count,
            CONFIDENCE,
        );
        assert_eq!(j.verdict, Verdict::Pass);
        // On the bound: no number of runs decides it.
        let j = judge_summary(&bound("x < 10"), &s, Unit::Count, CONFIDENCE);
        assert_eq!(j.doubt, Some(Doubt::OnTheBound));
        // Undefined and one-run metrics are undecided, not passed.
        let j = judge_summary(&bound("x < 10"), &Summary::default(), Unit::Count, 0.95);
        assert_eq!(
            (j.verdict, j.doubt),
            (Verdict::Undecided, Some(Doubt::Undefined))
        );
        let j = judge_summary(
            &bound("x.std < 10"),
            &summary(&[1.0], Unit::Count),
            Unit::Count,
            0.95,
        );
        assert_eq!(
            (j.verdict, j.doubt),
            (Verdict::Undecided, Some(Doubt::OneRun))
        );
    }

    #[test]
    fn approximate_bounds_are_judged_by_the_interval_against_the_band() {
        // Mean 10, interval about [9.25, 10.75].
        let xs = [9.0, 11.0, 10.0, 10.0, 9.0, 11.0, 10.0, 10.0, 9.0, 11.0];
        let v = |t: &str| verdict(t, &xs, Unit::Count);
        assert_eq!(v("x ~= 10 ± 10%"), Verdict::Pass); // [9, 11] holds the interval
        assert_eq!(v("x ~= 10.2 +- 1"), Verdict::Pass);
        assert_eq!(v("x ~= 13 ± 1"), Verdict::Fail); // [12, 14]: wholly outside
        assert_eq!(v("x ~= 8 +- 0.5"), Verdict::Fail);
        // The band holds the mean but not the whole interval: more runs would decide it.
        let j = judge_summary(
            &bound("x ~= 10 ± 5%"),
            &summary(&xs, Unit::Count),
            Unit::Count,
            CONFIDENCE,
        );
        assert_eq!(j.verdict, Verdict::Undecided);
        assert!(
            matches!(j.doubt, Some(Doubt::Straddles(Some(n))) if n > 10),
            "{j:?}"
        );
        assert!(!j.needs_tolerance);
        // Other statistics: the value within the band.
        assert_eq!(v("x.max ~= 11.5 ± 0.5"), Verdict::Pass);
        assert_eq!(v("x.max ~= 12 ± 0.5"), Verdict::Fail);
    }

    #[test]
    fn a_bare_equality_on_a_varying_figure_asks_for_a_tolerance() {
        let xs = [9.0, 11.0, 10.0, 10.0, 9.0, 11.0, 10.0, 10.0, 9.0, 11.0];
        let s = summary(&xs, Unit::Count);
        // Inside the interval: undecided, and more runs cannot make it pass.
        let j = judge_summary(&bound("x == 10"), &s, Unit::Count, CONFIDENCE);
        assert_eq!(
            (j.verdict, j.doubt),
            (Verdict::Undecided, Some(Doubt::NeedsTolerance))
        );
        assert!(j.needs_tolerance);
        assert_eq!(next_runs(std::slice::from_ref(&j), 10, 1000), None);
        // Outside: fails, and still says to write `~=`.
        let j = judge_summary(&bound("x == 12"), &s, Unit::Count, CONFIDENCE);
        assert_eq!(j.verdict, Verdict::Fail);
        assert!(j.needs_tolerance);
        // Equal in every run: exact, judged by the runs' minimum and maximum, even if the
        // interval of a count never seen is not [0, 0].
        let mut zeros = summary(&[0.0; 20], Unit::Count);
        assert_eq!(verdict("x == 0", &[0.0; 20], Unit::Count), Verdict::Pass);
        zeros.ci95_high = Some(0.185);
        let j = judge_summary(&bound("x == 0"), &zeros, Unit::Count, CONFIDENCE);
        assert_eq!(j.verdict, Verdict::Pass);
        assert!(!j.needs_tolerance);
        assert_eq!(verdict("x == 3", &[3.0; 5], Unit::Count), Verdict::Pass);
        assert_eq!(verdict("x == 3", &[4.0; 5], Unit::Count), Verdict::Fail);
    }

    #[test]
    fn decide_plans_looks_within_the_cap() {
        let xs = [8.0, 12.0, 8.0, 12.0, 8.0, 12.0, 8.0, 12.0, 10.0, 10.0];
        let conf = look_confidence(true);
        assert!((conf - 0.9875).abs() < 1e-12);
        let j = judge_summary(
            &bound("x < 11"),
            &summary(&xs, Unit::Count),
            Unit::Count,
            conf,
        );
        let Some(Doubt::Straddles(Some(n))) = j.doubt else {
            panic!("{j:?}")
        };
        let next = next_runs(std::slice::from_ref(&j), 10, 1000).unwrap();
        assert!(next >= n && next <= n + n / 10, "{next} for {n}");
        assert_eq!(next_runs(std::slice::from_ref(&j), 10, 12), Some(12));
        assert_eq!(next_runs(std::slice::from_ref(&j), 12, 12), None);
        let pass = judge_summary(
            &bound("x < 20"),
            &summary(&xs, Unit::Count),
            Unit::Count,
            conf,
        );
        assert_eq!(next_runs(&[pass], 10, 1000), None);
    }
}

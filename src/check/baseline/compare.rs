//! The comparison of a check with its baselines: which metrics are tested, in which family,
//! with which test, and when a change counts.
//!
//! # What is tested
//!
//! A scenario has a hundred metrics or more, most of them 0 in every run (causes that did not
//! strike, stations without queues). A metric **equal in every run on both sides** is not a
//! test: when the two values are equal it is unchanged and left out of the families
//! ([`Comparison::constant`], listed as such); when they differ the change is deterministic
//! ([`Method::Exact`]) and counts whenever it is larger than the metric's minimum change, with
//! no p-value and outside the families. Every other metric — one that varies across runs on
//! at least one side — is tested.
//!
//! # Two families
//!
//! The tested metrics are split in two families, each corrected with **Holm's step-down
//! method** (Holm 1979) on its own at `alpha`, over every scenario of the command:
//! - **headline**: the metrics with a row in the terminal table (the catalogue's labels:
//!   payments, each outcome, the money not arrived or charged without a sale, the ratios and
//!   delays a team reads first, the money lost), plus every metric the scenario's `[expect]`
//!   names (in a bound or in `min_change`) and every metric `--min-change METRIC=…` names;
//! - **exploratory**: every other tested metric (per-cause figures, station figures, costs).
//!
//! A headline change fails the check; an exploratory one is reported, and fails the check
//! only with `--strict` (the command decides: see [`crate::check::BaselineOutcome`]). Each
//! family's chance of a false alarm when nothing changed is at most `alpha`, whatever the
//! dependence between its metrics.
//!
//! # The tests
//!
//! - **Paired** ([`Method::Paired`]): when the new batch has the baseline's seed and the
//!   baseline keeps per-run values (format 2), run `i` of both sides used the same random
//!   numbers `(seed, i)` (common random numbers). The test is then Student's paired t-test on
//!   the differences `d_i = after_i − before_i` over the runs both sides made and defined:
//!   `se = s_d / √k`, `df = k − 1`. Common random numbers make the differences far less
//!   spread than the runs themselves, so a small real change is seen.
//! - **Welch** ([`Method::Welch`], Welch 1947): otherwise, the two-sample test of the means
//!   without assuming equal variances: `se = √(s₁²/n₁ + s₂²/n₂)`, Welch–Satterthwaite `df`.
//!
//! # Minimum meaningful change
//!
//! Each metric has a minimum change `δ` (absolute, or relative to the baseline's mean; 0 by
//! default): a change counts only if it is significantly larger than `δ`. The null hypothesis
//! is `|Δ| ≤ δ` (a minimum-effect test, e.g. Murphy & Myors 1999; Lakens 2017): with
//! `t = (|Δ̂| − δ) / se`, `p = min(1, 2 · P(T_df > t))`. A metric is **changed** when its
//! Holm-adjusted p-value is below `alpha`; at `δ = 0` this is the usual two-sided test. The
//! test rejects exactly when the `1 − alpha` confidence interval of `Δ` lies wholly outside
//! `[−δ, δ]`; at the boundary `|Δ| = δ` it rejects with a chance of at most `alpha / 2`.
//!
//! # Effect sizes and power
//!
//! Each tested metric reports its difference `Δ` (paired: the mean difference), the relative
//! difference `Δ / |mean_before|`, and a standardised one `Δ / √((s₁² + s₂²) / 2)` (in
//! run-to-run standard deviations). The **minimum detectable change** is the true `|Δ|` this
//! comparison would flag with a chance of 80%:
//! `MDC = δ + (t(1 − α'/2; df) + t(0.80; df)) · se`, where `α' = alpha / m` (`m` the size of
//! the metric's family, the level of Holm's first step, so the figure is conservative) and
//! `se`, `df` those of the test used. When paired differences have no spread at all (the
//! change did not touch this metric's runs), it is instead the change independent runs at
//! the baseline's spread would detect (`se = s_before·√(2/n)`, `df = 2(n − 1)`): an upper
//! bound.
//!
//! # Edge cases
//!
//! - A metric defined in fewer than 2 runs on either side is not tested
//!   ([`Untested::TooFewRuns`]); one defined in no run on either side is left out silently.
//! - A metric on one side only is listed as [`Untested::New`] or [`Untested::Gone`].
//! - Paired with fewer than 2 runs defined on both sides: Welch instead.
//! - Paired differences without spread: equal to `δ` or less, p = 1; more, p = 0.

use super::{Baseline, Moments};
use crate::metrics::Catalogue;
use crate::metrics::stats::t_quantile;
use crate::scenario::expect::{ExpectSpec, Margin};
use statrs::distribution::{ContinuousCDF, Normal, StudentsT};
use std::collections::{BTreeMap, BTreeSet};

/// The power the minimum detectable change is computed at.
pub const POWER: f64 = 0.8;

/// Minimum changes per metric, and a default for the others.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MinChanges {
    pub per_metric: BTreeMap<String, Margin>,
    pub default: Option<Margin>,
}

impl MinChanges {
    /// The minimum change of `metric`.
    pub fn get(&self, metric: &str) -> Margin {
        self.per_metric
            .get(metric)
            .copied()
            .or(self.default)
            .unwrap_or(Margin::Absolute(0.0))
    }
}

/// One scenario's comparison: its baseline, its new batch (with per-run values), the
/// catalogue's order, its headline metrics and its minimum changes.
pub struct Pair<'a> {
    pub base: &'a Baseline,
    pub now: &'a Baseline,
    /// The new batch's metric names in catalogue order.
    pub order: Vec<String>,
    pub headline: BTreeSet<String>,
    pub min_change: MinChanges,
}

impl<'a> Pair<'a> {
    /// The pair of `base` and `now` (the new batch of catalogue `catalogue`): headline metrics
    /// are the catalogue's labelled ones, those the expectations name, and those `cli` names;
    /// minimum changes come from `cli` per metric, then `expect` per metric, then `cli`'s
    /// default, then `expect`'s default, else 0.
    pub fn new(
        base: &'a Baseline,
        now: &'a Baseline,
        catalogue: &Catalogue,
        expect: Option<&ExpectSpec>,
        cli: &MinChanges,
    ) -> Self {
        let order = catalogue.names();
        let mut headline: BTreeSet<String> = order
            .iter()
            .filter(|n| catalogue.is_headline(n))
            .cloned()
            .collect();
        let mut min_change = MinChanges::default();
        if let Some(e) = expect {
            headline.extend(e.named_metrics().map(str::to_owned));
            min_change.per_metric = e.min_change.clone();
            min_change.default = e.min_change_default;
        }
        for (m, v) in &cli.per_metric {
            if catalogue.position(m).is_some() {
                headline.insert(m.clone());
                min_change.per_metric.insert(m.clone(), *v);
            }
        }
        min_change.default = cli.default.or(min_change.default);
        Pair {
            base,
            now,
            order,
            headline,
            min_change,
        }
    }

    /// Whether the comparison is paired: the same seed, and per-run values on both sides.
    pub fn paired(&self) -> bool {
        self.base.seed == self.now.seed
            && self.base.metrics.values().any(|m| m.runs.is_some())
            && self.now.metrics.values().any(|m| m.runs.is_some())
    }
}

/// Which family a metric belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Family {
    Headline,
    Exploratory,
}

impl Family {
    pub fn name(self) -> &'static str {
        match self {
            Family::Headline => "headline",
            Family::Exploratory => "exploratory",
        }
    }
}

/// How a metric was compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// Student's paired t-test on the run-by-run differences (same seed).
    Paired,
    /// Welch's two-sample t-test.
    Welch,
    /// No spread on either side: the change is deterministic, no test.
    Exact,
}

impl Method {
    pub fn name(self) -> &'static str {
        match self {
            Method::Paired => "paired",
            Method::Welch => "welch",
            Method::Exact => "exact",
        }
    }
}

/// One compared metric: a tested one, or a deterministic change.
#[derive(Clone, Debug, PartialEq)]
pub struct Shift {
    pub scenario: String,
    pub metric: String,
    pub family: Family,
    pub method: Method,
    /// Both sides' summaries (without per-run values).
    pub before: Moments,
    pub after: Moments,
    /// Paired: how many runs were paired (0 otherwise).
    pub pairs: u64,
    /// The estimated change `after − before` (paired: the mean of the differences).
    pub diff: f64,
    /// `diff / |mean before|` (`None` when the baseline's mean is 0).
    pub relative: Option<f64>,
    /// `diff` in run-to-run standard deviations, `√((s₁² + s₂²) / 2)` (`None` without spread).
    pub standardised: Option<f64>,
    /// The standard error of `diff` and its degrees of freedom (0 for [`Method::Exact`]).
    pub se: f64,
    pub df: f64,
    /// The minimum change as given, and in the metric's unit.
    pub min_change: Margin,
    pub delta: f64,
    /// The minimum-effect test's p-value (`None` for [`Method::Exact`]), and Holm's adjustment
    /// over the family.
    pub p_value: Option<f64>,
    pub adjusted_p: Option<f64>,
    /// Significant after the correction and beyond the minimum change (exact: `|diff| > δ`).
    pub changed: bool,
    /// The minimum detectable change at 80% power (`None` for [`Method::Exact`]).
    pub mdc: Option<f64>,
}

/// Why a metric was not tested.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Untested {
    /// Defined in fewer than 2 runs on one side or both.
    TooFewRuns,
    /// Only in the new results (a new metric: a cause or station the baseline did not have).
    New,
    /// Only in the baseline (gone from the new results).
    Gone,
}

impl Untested {
    pub fn name(self) -> &'static str {
        match self {
            Untested::TooFewRuns => "too_few_runs",
            Untested::New => "new",
            Untested::Gone => "gone",
        }
    }
}

/// A metric that was not tested, and why.
#[derive(Clone, Debug, PartialEq)]
pub struct NotTested {
    pub scenario: String,
    pub metric: String,
    pub reason: Untested,
    pub before: Option<Moments>,
    pub after: Option<Moments>,
}

/// The comparison of a check with its baselines.
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    /// Every tested metric and every deterministic change, in the pairs' order then catalogue
    /// order.
    pub shifts: Vec<Shift>,
    /// (scenario, metric, the family it would be in): the same value in every run on both
    /// sides, left out.
    pub constant: Vec<(String, String, Family)>,
    pub not_tested: Vec<NotTested>,
    pub alpha: f64,
}

impl Comparison {
    /// The changed metrics.
    pub fn changed(&self) -> impl Iterator<Item = &Shift> {
        self.shifts.iter().filter(|s| s.changed)
    }

    /// The size of a family: its tested metrics (deterministic changes are outside).
    pub fn family(&self, f: Family) -> usize {
        self.shifts
            .iter()
            .filter(|s| s.family == f && s.method != Method::Exact)
            .count()
    }
}

/// Compares each pair metric by metric (see the module documentation) and corrects each family
/// with Holm's method at `alpha` over every pair.
pub fn compare(pairs: &[Pair], alpha: f64) -> Comparison {
    let mut c = Comparison {
        shifts: vec![],
        constant: vec![],
        not_tested: vec![],
        alpha,
    };
    for pair in pairs {
        compare_pair(pair, &mut c);
    }
    for family in [Family::Headline, Family::Exploratory] {
        let idx: Vec<usize> = (0..c.shifts.len())
            .filter(|&i| c.shifts[i].family == family && c.shifts[i].method != Method::Exact)
            .collect();
        let p: Vec<f64> = idx
            .iter()
            .map(|&i| c.shifts[i].p_value.unwrap_or(1.0))
            .collect();
        // The level of Holm's first step, at which the detectable change is computed.
        let first = alpha / idx.len().max(1) as f64;
        for (&i, adj) in idx.iter().zip(holm(&p)) {
            let s = &mut c.shifts[i];
            s.adjusted_p = Some(adj);
            s.changed = adj < alpha;
            s.mdc = Some(if s.se > 0.0 {
                mdc(s.delta, s.se, s.df, first)
            } else {
                // Paired differences without spread (the change did not touch this metric's
                // runs): what independent runs at the baseline's spread would detect, an
                // upper bound.
                let (n, sd) = (s.before.n as f64, s.before.std.unwrap_or(0.0));
                mdc(s.delta, sd * (2.0 / n).sqrt(), 2.0 * (n - 1.0), first)
            });
        }
    }
    c
}

/// One pair's metrics, tested or sorted out (Holm's correction comes after every pair).
fn compare_pair(pair: &Pair, c: &mut Comparison) {
    let scenario = &pair.now.scenario;
    let paired = pair.paired();
    let untested =
        |metric: &str, reason, before: Option<&Moments>, after: Option<&Moments>| NotTested {
            scenario: scenario.clone(),
            metric: metric.to_owned(),
            reason,
            before: before.map(Moments::summary_only),
            after: after.map(Moments::summary_only),
        };
    for metric in &pair.order {
        let Some(a) = pair.now.metrics.get(metric) else {
            continue;
        };
        let Some(b) = pair.base.metrics.get(metric) else {
            c.not_tested
                .push(untested(metric, Untested::New, None, Some(a)));
            continue;
        };
        // Undefined both times (no run defined it, or its mechanism is off: `null` figures):
        // nothing to compare, nothing changed.
        if a.mean.is_none() && b.mean.is_none() {
            continue; // undefined both times: nothing to compare, nothing changed
        }
        let (Some(mb), Some(ma), Some(sb), Some(sa)) = (b.mean, a.mean, b.std, a.std) else {
            c.not_tested
                .push(untested(metric, Untested::TooFewRuns, Some(b), Some(a)));
            continue;
        };
        let margin = pair.min_change.get(metric);
        let delta = margin.of(mb);
        let family = if pair.headline.contains(metric) {
            Family::Headline
        } else {
            Family::Exploratory
        };
        let spread = ((sb * sb + sa * sa) / 2.0).sqrt();
        let mut shift = Shift {
            scenario: scenario.clone(),
            metric: metric.clone(),
            family,
            method: Method::Exact,
            before: b.summary_only(),
            after: a.summary_only(),
            pairs: 0,
            diff: ma - mb,
            relative: None,
            standardised: None,
            se: 0.0,
            df: 0.0,
            min_change: margin,
            delta,
            p_value: None,
            adjusted_p: None,
            changed: false,
            mdc: None,
        };
        if sb == 0.0 && sa == 0.0 {
            if ma == mb {
                c.constant.push((scenario.clone(), metric.clone(), family));
                continue;
            }
            shift.changed = shift.diff.abs() > delta;
        } else {
            let test = paired
                .then(|| paired_test(b.runs.as_deref()?, a.runs.as_deref()?))
                .flatten();
            let (method, diff, se, df, k) = match (test, welch_parts(b, a)) {
                (Some((d, se, df, k)), _) => (Method::Paired, d, se, df, k),
                (None, Some((d, se, df))) => (Method::Welch, d, se, df, 0),
                (None, None) => {
                    c.not_tested
                        .push(untested(metric, Untested::TooFewRuns, Some(b), Some(a)));
                    continue;
                }
            };
            shift.method = method;
            shift.diff = diff;
            shift.se = se;
            shift.df = df;
            shift.pairs = k;
            shift.p_value = Some(min_effect_p(diff, delta, se, df));
            shift.standardised = (spread > 0.0).then(|| diff / spread);
        }
        shift.relative = (mb != 0.0).then(|| shift.diff / mb.abs());
        c.shifts.push(shift);
    }
    for (metric, b) in &pair.base.metrics {
        if !pair.now.metrics.contains_key(metric) {
            c.not_tested
                .push(untested(metric, Untested::Gone, Some(b), None));
        }
    }
}

/// Student's paired t-test's parts over the runs both sides defined: (mean difference, its
/// standard error, degrees of freedom, pairs); `None` with fewer than 2 pairs.
pub fn paired_test(before: &[Option<f64>], after: &[Option<f64>]) -> Option<(f64, f64, f64, u64)> {
    let d: Vec<f64> = before
        .iter()
        .zip(after)
        .filter_map(|(b, a)| Some((*a)? - (*b)?))
        .collect();
    if d.len() < 2 {
        return None;
    }
    let k = d.len() as f64;
    let mean = d.iter().sum::<f64>() / k;
    let var = d.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (k - 1.0);
    Some((mean, (var / k).sqrt(), k - 1.0, d.len() as u64))
}

/// Welch's parts: (mean after − mean before, standard error, Welch–Satterthwaite degrees of
/// freedom); `None` when a side has fewer than 2 runs (or no spread recorded).
fn welch_parts(before: &Moments, after: &Moments) -> Option<(f64, f64, f64)> {
    let side = |m: &Moments| match (m.n, m.mean, m.std) {
        (n, Some(mean), Some(std)) if n >= 2 => Some((n as f64, mean, std)),
        _ => None,
    };
    let (n1, m1, s1) = side(before)?;
    let (n2, m2, s2) = side(after)?;
    let (v1, v2) = (s1 * s1 / n1, s2 * s2 / n2);
    let se2 = v1 + v2;
    let df = if se2 == 0.0 {
        f64::INFINITY
    } else {
        se2 * se2 / (v1 * v1 / (n1 - 1.0) + v2 * v2 / (n2 - 1.0))
    };
    Some((m2 - m1, se2.sqrt(), df))
}

/// Welch's two-sided p-value for a difference of means between `before` and `after`; `None`
/// when a side has fewer than 2 runs (or no spread recorded). Both sides without spread: 1 if
/// the means are equal, else 0.
pub fn welch(before: &Moments, after: &Moments) -> Option<f64> {
    let (d, se, df) = welch_parts(before, after)?;
    Some(min_effect_p(d, 0.0, se, df))
}

/// The upper tail of Student's t with `df` degrees of freedom at `t` (the normal beyond a
/// million degrees of freedom, or where a denominator underflowed to an infinite df).
fn upper_tail(t: f64, df: f64) -> f64 {
    match StudentsT::new(0.0, 1.0, df) {
        Ok(d) if df <= 1e6 => d.sf(t),
        _ => Normal::standard().sf(t),
    }
}

/// The minimum-effect test's p-value of H0 `|Δ| ≤ δ` for an estimate `diff` with standard
/// error `se`: `min(1, 2 · P(T_df > (|diff| − δ) / se))`; without spread, 0 beyond δ, else 1.
pub fn min_effect_p(diff: f64, delta: f64, se: f64, df: f64) -> f64 {
    let excess = diff.abs() - delta;
    if se == 0.0 || !se.is_finite() {
        return if excess > 0.0 { 0.0 } else { 1.0 };
    }
    let t = excess / se;
    if t <= 0.0 {
        return 1.0;
    }
    (2.0 * upper_tail(t, df)).clamp(0.0, 1.0)
}

/// The minimum detectable change at [`POWER`] of a two-sided test at `level`: the true `|Δ|`
/// flagged with that chance, `δ + (t(1 − level/2; df) + t(POWER; df)) · se`.
pub fn mdc(delta: f64, se: f64, df: f64, level: f64) -> f64 {
    let df = if df.is_finite() { df } else { 1e9 };
    // t_quantile takes a two-sided confidence: 1 − level gives t(1 − level/2), and
    // 2·POWER − 1 gives t(POWER).
    delta + (t_quantile(1.0 - level, df) + t_quantile(2.0 * POWER - 1.0, df)) * se
}

/// Holm's step-down adjustment (Holm 1979) of a family of p-values, in their order: the `i`-th
/// smallest (from 1) times `m − i + 1`, capped at 1, made non-decreasing in that order.
/// Reject (flag) where the adjusted value is below the level.
pub fn holm(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]).then(a.cmp(&b)));
    let mut adjusted = vec![1.0; m];
    let mut running = 0.0f64;
    for (rank, &i) in order.iter().enumerate() {
        running = running.max(((m - rank) as f64 * p[i]).min(1.0));
        adjusted[i] = running;
    }
    adjusted
}

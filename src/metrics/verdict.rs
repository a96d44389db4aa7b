//! The verdict of a comparison: which design is best on one objective, and how sure that is.
//!
//! Every design ran the same runs on common random numbers, so the objective's values come in
//! rows: run `r` of every design saw the same payments and faults. The verdict reads only those
//! rows (designs × runs: small), and says:
//!
//! - **the ranking**: the designs by their mean objective, best first;
//! - **which designs can still be the best**: Hsu's *multiple comparisons with the best* (MCB;
//!   Hsu 1996, ch. 4), on the paired differences run by run. With common random numbers the
//!   differences of different pairs have different variances and are correlated, so the
//!   critical value is Bonferroni's: each of the k − 1 one-sided bounds against the best is
//!   taken at level α/(k − 1), which holds whatever the covariance of the designs (Nelson &
//!   Matejcik 1995; Kim & Nelson 2006). Each bound is Student's t's, widened to the paired
//!   bootstrap-t's where that is wider (skewed differences: see [`bootstrap`]). With
//!   probability about 1 − α every design's interval for "this design minus the best of the
//!   others" holds at once, so the designs not eliminated (the *contenders*) include the true
//!   best. When one contender is left, it is the best at that confidence (`decided`);
//! - **the two leaders' difference**, paired run by run, with the same simultaneous bounds;
//! - **how many runs would decide** when the leaders cannot be told apart: for each other
//!   contender, [`runs_to_decide`] (the estimate of `check --decide`) at the one-sided level
//!   the MCB uses, assuming its mean difference and spread stay as measured;
//! - **how often each design wins on resampled runs** (`p_best`): the share of paired
//!   bootstrap resamples in which it has the best mean. A measure of stability, not a
//!   guarantee: the MCB's confidence is the guarantee;
//! - **a warning when a difference is too skewed** for the runs made (Cochran's rule: fewer
//!   than 25 × skewness² runs), where the bounds are known to be too narrow.
//!
//! The resamples come from the named, seeded stream [`STREAM`] of the comparison's master
//! seed, drawn in one thread: the verdict is the same bytes on every machine and thread count.
//! docs/STATISTICS.md (§3) explains the method, its measured error rates and its limits.

use super::stats::{Accumulator, runs_to_decide, t_quantile};
use serde::Serialize;

mod bootstrap;
pub use bootstrap::{
    MAX_KEPT, MAX_RESAMPLES, MIN_RESAMPLES, MIN_RUNS_STUDENTIZED, Resampled, WORK, resample,
    resamples,
};

/// The joint confidence of the verdict's intervals and decisions.
pub const CONFIDENCE: f64 = 0.95;

/// The name of the bootstrap's random stream (of the comparison's master seed, run 0).
pub const STREAM: &str = "compare/verdict/bootstrap";

/// The metrics for which more is better when `--objective` names one without a direction.
pub const HIGHER_IS_BETTER: [&str; 3] = [
    "settled_on_time",
    "settled_on_time_amount",
    "settled_on_time_ratio",
];

/// Whether a lower or a higher objective is better.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Min,
    Max,
}

impl Direction {
    /// +1 when lower is better: the verdict ranks `sign × value`, lowest first.
    fn sign(self) -> f64 {
        match self {
            Direction::Min => 1.0,
            Direction::Max => -1.0,
        }
    }
}

/// What the designs are ranked by: a metric of the catalogue and its direction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Objective {
    pub metric: String,
    pub direction: Direction,
}

impl Default for Objective {
    /// The money lost plus the design's cost (`loss_total`), lower is better.
    fn default() -> Self {
        Objective {
            metric: super::LOSS.to_owned(),
            direction: Direction::Min,
        }
    }
}

impl Objective {
    /// `METRIC`, `METRIC:min` or `METRIC:max`. Without a direction, lower is better, except
    /// for the metrics of [`HIGHER_IS_BETTER`].
    pub fn parse(spec: &str) -> Result<Objective, String> {
        let (metric, dir) = match spec.rsplit_once(':') {
            Some((m, d)) => (m.trim(), Some(d.trim())),
            None => (spec.trim(), None),
        };
        if metric.is_empty() {
            return Err(format!(
                "--objective `{spec}`: name a metric, e.g. `--objective loss_total` or \
                 `--objective settled_on_time_ratio:max`"
            ));
        }
        let direction = match dir {
            None if HIGHER_IS_BETTER.contains(&metric) => Direction::Max,
            None => Direction::Min,
            Some("min") => Direction::Min,
            Some("max") => Direction::Max,
            Some(d) => {
                return Err(format!(
                    "--objective `{spec}`: `{d}` is not a direction; after `:` write `min` \
                     (lower is better) or `max` (higher is better)"
                ));
            }
        };
        Ok(Objective {
            metric: metric.to_owned(),
            direction,
        })
    }

    /// `METRIC:min` or `METRIC:max` (which [`Objective::parse`] reads back), or `None` for the
    /// default objective.
    pub fn spec(&self) -> Option<String> {
        let dir = match self.direction {
            Direction::Min => "min",
            Direction::Max => "max",
        };
        (*self != Objective::default()).then(|| format!("{}:{dir}", self.metric))
    }

    /// Checks that every design (name, catalogue) has the metric; the error names the first
    /// design that lacks it, with a did-you-mean among its metrics.
    pub fn check<'a>(
        &self,
        designs: impl IntoIterator<Item = (&'a str, &'a super::Catalogue)>,
    ) -> Result<(), String> {
        for (name, cat) in designs {
            if cat.position(&self.metric).is_none() {
                let names = cat.names();
                let refs: Vec<&str> = names.iter().map(String::as_str).collect();
                return Err(format!(
                    "--objective {}: design \"{name}\" has no metric \"{}\"{}; the objective is \
                     a metric of summary.json's `metrics` (e.g. {}, not_arrived_amount, \
                     settled_on_time_ratio:max{})",
                    self.metric,
                    self.metric,
                    crate::scenario::error::did_you_mean(&self.metric, &refs),
                    super::LOSS,
                    if cat.position("cost_total").is_some() {
                        ", cost_total"
                    } else {
                        ""
                    },
                ));
            }
        }
        Ok(())
    }
}

/// A paired difference: its mean over runs and its simultaneous bounds.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Interval {
    pub mean: f64,
    pub low: f64,
    pub high: f64,
}

/// What the MCB says of a design.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The only contender left: the best, at the verdict's confidence.
    Best,
    /// May be the best: not told apart from the leader.
    Contender,
    /// Worse than some other design, at the verdict's confidence.
    Worse,
}

/// One design in the ranking.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Ranked {
    /// 1 for the leader.
    pub rank: usize,
    pub design: String,
    /// The objective's mean over the runs the verdict uses.
    pub mean: Option<f64>,
    pub std: Option<f64>,
    /// This design minus the leader, paired run by run (absent for the leader).
    pub vs_best: Option<Interval>,
    /// Hsu's MCB interval of "this design minus the best of the others" (for `max`: minus the
    /// highest of the others); it always contains 0.
    pub mcb_low: Option<f64>,
    pub mcb_high: Option<f64>,
    pub status: Status,
    /// The share of bootstrap resamples in which this design had the best mean.
    pub p_best: Option<f64>,
}

/// The two leaders: the first minus the second, paired run by run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Leaders {
    pub first: String,
    pub second: String,
    pub mean: f64,
    pub std: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
}

/// The most skewed of the leader's paired differences, when too skewed for the runs made.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Skew {
    /// The other design of the pair (the leader is `best`).
    pub design: String,
    /// The sample skewness of the run-by-run differences.
    pub skewness: f64,
    /// Cochran's rule for the mean of a skewed sample: more than 25 × skewness² runs.
    pub runs_advised: u64,
}

/// The verdict of a comparison (compare.json's `verdict`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Verdict {
    pub objective: Objective,
    pub confidence: f64,
    pub method: &'static str,
    /// The runs in which every design defined the objective: the verdict's runs.
    pub runs: u64,
    /// The runs left out because some design did not define the objective in them.
    pub runs_without_value: u64,
    /// The one-sided Student-t quantile of the bounds: level 1 − α/(k − 1), runs − 1 df.
    pub critical_t: Option<f64>,
    /// How each pair's bound is made: `bootstrap-t` (the larger of Student's t and the
    /// paired bootstrap-t critical value, per pair and side), `student-t` (fewer than 10 runs,
    /// or too many designs and runs to keep the resamples) or `none` (fewer than two runs or
    /// designs).
    pub bounds: &'static str,
    /// The leader: the design with the best mean (`None` without runs).
    pub best: Option<String>,
    /// Whether the leader is the only contender: the best at the verdict's confidence.
    pub decided: bool,
    /// The designs that may be the best, leader first.
    pub contenders: Vec<String>,
    /// Contenders whose objective equals the leader's in every run: no number of runs tells
    /// them apart.
    pub identical: Vec<String>,
    /// The leader's share of bootstrap resamples in which it had the best mean.
    pub p_best: Option<f64>,
    pub bootstrap_resamples: u64,
    pub leaders: Option<Leaders>,
    /// When undecided: about how many runs in all would tell the leader from every other
    /// contender (but those in `identical`), if the differences and their spread stayed as
    /// measured.
    pub runs_needed: Option<u64>,
    /// Present when a difference between the leader and another design is so skewed that
    /// its bounds may be too narrow with the runs made (see docs/STATISTICS.md, §3).
    pub skew: Option<Skew>,
    pub ranking: Vec<Ranked>,
}

/// The most skewed of the run-by-run differences between design `l` and the others, if more
/// skewed than Cochran's rule allows at these runs (n ≤ 25 g₁²): (design, g₁, advised runs).
fn skew(rows: &[Vec<f64>], l: usize) -> Option<(usize, f64, u64)> {
    let n = rows[l].len();
    let worst = (0..rows.len())
        .filter(|&j| j != l)
        .filter_map(|j| {
            let d: Vec<f64> = rows[j].iter().zip(&rows[l]).map(|(a, b)| a - b).collect();
            let mean = d.iter().sum::<f64>() / n as f64;
            let m2 = d.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
            let m3 = d.iter().map(|x| (x - mean).powi(3)).sum::<f64>() / n as f64;
            let g = m3 / m2.powf(1.5);
            (m2 > 0.0 && g.is_finite()).then_some((j, g))
        })
        .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))?;
    let advised = (25.0 * worst.1 * worst.1).floor() as u64 + 1;
    (n >= 2 && (n as u64) < advised).then_some((worst.0, worst.1, advised))
}

/// The method's name, as compare.json states it.
pub const METHOD: &str = "Hsu's multiple comparisons with the best (MCB) on common random \
                          numbers: Bonferroni one-sided bounds of the paired differences \
                          (Student's t, widened to the paired bootstrap-t where larger); \
                          p_best from the same paired bootstrap over runs";

/// The designs' rows of the objective (`values[design][run]`) kept where every design defined
/// it, in `sign × value` form (lower is better). Returns the rows and the runs left out.
fn common_rows(values: &[Vec<Option<f64>>], sign: f64) -> (Vec<Vec<f64>>, u64) {
    let runs = values.iter().map(Vec::len).min().unwrap_or(0);
    let mut rows: Vec<Vec<f64>> = vec![Vec::with_capacity(runs); values.len()];
    let mut dropped = 0;
    for r in 0..runs {
        let run: Option<Vec<f64>> = values
            .iter()
            .map(|v| v[r].filter(|x| x.is_finite()).map(|x| sign * x))
            .collect();
        match run {
            Some(run) => rows.iter_mut().zip(run).for_each(|(row, x)| row.push(x)),
            None => dropped += 1,
        }
    }
    (rows, dropped)
}

/// Mean and standard deviation of `xs` (in order, as the batch's summaries).
fn summary(xs: impl Iterator<Item = f64>) -> (Option<f64>, Option<f64>) {
    let mut a = Accumulator::default();
    xs.for_each(|x| a.push(x));
    let s = a.summary();
    (s.mean, s.std)
}

/// The pairwise statistics of the rows `c` (lower is better): `mean[i]`, and for each pair
/// the mean difference `d[i][j] = mean[i] − mean[j]` and the standard deviation of the
/// run-by-run differences `s[i][j]`.
struct Pairs {
    mean: Vec<f64>,
    std: Vec<Option<f64>>,
    d: Vec<Vec<f64>>,
    s: Vec<Vec<f64>>,
}

fn pairs(c: &[Vec<f64>]) -> Pairs {
    let k = c.len();
    let stats: Vec<(Option<f64>, Option<f64>)> =
        c.iter().map(|row| summary(row.iter().copied())).collect();
    let mean: Vec<f64> = stats.iter().map(|s| s.0.unwrap_or(0.0)).collect();
    let mut d = vec![vec![0.0; k]; k];
    let mut s = vec![vec![0.0; k]; k];
    for i in 0..k {
        for j in i + 1..k {
            let (_, sd) = summary(c[i].iter().zip(&c[j]).map(|(a, b)| a - b));
            d[i][j] = mean[i] - mean[j];
            d[j][i] = mean[j] - mean[i];
            s[i][j] = sd.unwrap_or(0.0);
            s[j][i] = s[i][j];
        }
    }
    Pairs {
        mean,
        std: stats.iter().map(|s| s.1).collect(),
        d,
        s,
    }
}

/// The MCB of the rows (lower is better), at [`CONFIDENCE`]: per design its interval for
/// "this design minus the best of the others" and whether it is still a contender, with the
/// critical t and each ordered pair's bound width.
pub struct Mcb {
    pub t: f64,
    pub low: Vec<f64>,
    pub high: Vec<f64>,
    pub contender: Vec<bool>,
    /// `plus[i][j]`: the upper bound of `μ_i − μ_j` is `d̄_ij + plus[i][j]`; its lower bound
    /// is `d̄_ij − plus[j][i]`.
    pub plus: Vec<Vec<f64>>,
}

/// The one-sided level of each of the k − 1 bounds: α/(k − 1).
fn beta(k: usize) -> f64 {
    (1.0 - CONFIDENCE) / (k.max(2) - 1) as f64
}

/// The MCB of the pairs `p` of `n` runs; each pair's critical value is Student's t at
/// `1 − β`, or the bootstrap-t multiplier `upper` where it is larger. Needs two designs and
/// two runs.
fn mcb(p: &Pairs, n: usize, upper: Option<&Vec<Vec<f64>>>) -> Mcb {
    let k = p.mean.len();
    // t_quantile is two-sided: its level 1 − 2β is the one-sided quantile 1 − β.
    let t = t_quantile(1.0 - 2.0 * beta(k), (n - 1) as f64);
    let plus: Vec<Vec<f64>> = (0..k)
        .map(|i| {
            (0..k)
                .map(|j| {
                    let c = upper.map_or(t, |u| t.max(u[i][j]));
                    c * p.s[i][j] / (n as f64).sqrt()
                })
                .collect()
        })
        .collect();
    // Per design: the largest lower and upper bound of "this design minus another".
    let (lo, hi): (Vec<f64>, Vec<f64>) = (0..k)
        .map(|i| {
            (0..k)
                .filter(|&j| j != i)
                .map(|j| (p.d[i][j] - plus[j][i], p.d[i][j] + plus[i][j]))
                .fold((f64::NEG_INFINITY, f64::NEG_INFINITY), |a, b| {
                    (a.0.max(b.0), a.1.max(b.1))
                })
        })
        .unzip();
    Mcb {
        t,
        low: lo.iter().map(|x| x.min(0.0)).collect(),
        high: hi.iter().map(|x| x.max(0.0)).collect(),
        contender: lo.iter().map(|&x| x <= 0.0).collect(),
        plus,
    }
}

/// The MCB of designs' rows (`rows[design][run]`, lower is better), for tests and studies,
/// with Student's t alone (`resamples` 0) or the bootstrap-t from that many resamples of
/// `seed`'s stream: `None` with fewer than two designs or two runs.
pub fn mcb_of(rows: &[Vec<f64>], seed: u64, resamples: u64) -> Option<Mcb> {
    let n = rows.iter().map(Vec::len).min()?;
    if rows.len() < 2 || n < 2 {
        return None;
    }
    let r = resample(rows, seed, resamples, Some(beta(rows.len())));
    Some(mcb(&pairs(rows), n, r.upper.as_ref()))
}

/// Each design's share of paired bootstrap resamples (whole runs drawn with replacement from
/// [`STREAM`] of `seed`) in which its mean is the lowest; designs tied at the lowest share
/// the resample.
pub fn bootstrap(rows: &[Vec<f64>], seed: u64) -> Vec<f64> {
    let n = rows.iter().map(Vec::len).min().unwrap_or(0);
    resample(rows, seed, resamples(n, rows.len()), None).share
}

/// The verdict on `objective` of the designs `names`, from their objective's value in each run
/// (`values[design][run]`, `None` where a run does not define it); `seed` keys the bootstrap.
pub fn verdict(
    objective: &Objective,
    names: &[String],
    values: &[Vec<Option<f64>>],
    seed: u64,
) -> Verdict {
    let sign = objective.direction.sign();
    let (rows, dropped) = common_rows(values, sign);
    let (k, n) = (rows.len(), rows.first().map_or(0, Vec::len));
    let p = pairs(&rows);
    // Best first; ties keep the designs' order.
    let mut order: Vec<usize> = (0..k).collect();
    order.sort_by(|&a, &b| p.mean[a].total_cmp(&p.mean[b]));
    let boot = (n >= 2 && k >= 2).then(|| resample(&rows, seed, resamples(n, k), Some(beta(k))));
    let m = boot.as_ref().map(|b| mcb(&p, n, b.upper.as_ref()));
    let share = boot.as_ref().map(|b| &b.share);
    let lead = order.first().copied().filter(|_| n > 0);
    let contenders: Vec<usize> = match (&m, lead) {
        (Some(m), _) => order.iter().copied().filter(|&i| m.contender[i]).collect(),
        (None, Some(l)) if k == 1 => vec![l],
        (None, _) => order.iter().copied().filter(|_| n > 0).collect(),
    };
    let decided = contenders.len() == 1;
    // Raw units: a (low, high) of sign × value back to the value's (low, high).
    // (Adding 0.0 turns a −0 into 0: JSON prints them differently.)
    let raw = |lo: f64, hi: f64| {
        if sign > 0.0 {
            (lo + 0.0, hi + 0.0)
        } else {
            (-hi + 0.0, -lo + 0.0)
        }
    };
    // The bounds of μ_i − μ_j, in raw units.
    let bounds = |i: usize, j: usize| {
        m.as_ref()
            .map(|m| raw(p.d[i][j] - m.plus[j][i], p.d[i][j] + m.plus[i][j]))
    };
    let ranking = order
        .iter()
        .enumerate()
        .map(|(r, &i)| {
            let vs_best = lead.filter(|&l| l != i).and_then(|l| {
                let (lo, hi) = bounds(i, l)?;
                Some(Interval {
                    mean: sign * p.d[i][l] + 0.0,
                    low: lo,
                    high: hi,
                })
            });
            let (mcb_low, mcb_high) = match &m {
                Some(m) => {
                    let (lo, hi) = raw(m.low[i], m.high[i]);
                    (Some(lo), Some(hi))
                }
                None => (None, None),
            };
            Ranked {
                rank: r + 1,
                design: names[i].clone(),
                mean: (n > 0).then(|| sign * p.mean[i] + 0.0),
                std: p.std[i],
                vs_best,
                mcb_low,
                mcb_high,
                status: match (decided, contenders.contains(&i)) {
                    (true, true) => Status::Best,
                    (false, true) => Status::Contender,
                    _ => Status::Worse,
                },
                p_best: share.as_ref().map(|s| s[i]),
            }
        })
        .collect();
    let leaders = match (lead, order.get(1)) {
        (Some(l), Some(&s)) => {
            let bounds = bounds(l, s);
            Some(Leaders {
                first: names[l].clone(),
                second: names[s].clone(),
                mean: sign * p.d[l][s] + 0.0,
                std: (n >= 2).then_some(p.s[l][s]),
                low: bounds.map(|b| b.0),
                high: bounds.map(|b| b.1),
            })
        }
        _ => None,
    };
    let others: Vec<usize> = contenders.iter().copied().skip(1).collect();
    let identical: Vec<usize> = match lead {
        Some(l) if n >= 2 => others
            .iter()
            .copied()
            .filter(|&j| p.d[j][l] == 0.0 && p.s[j][l] == 0.0)
            .collect(),
        _ => vec![],
    };
    // The runs that would tell the leader from every other contender but those identical
    // to it (which no number of runs tells apart).
    let apart: Vec<usize> = others
        .iter()
        .copied()
        .filter(|j| !identical.contains(j))
        .collect();
    let runs_needed = match lead {
        Some(l) if !decided && n >= 2 && !apart.is_empty() => apart
            .iter()
            .map(|&j| runs_to_decide(p.d[j][l], p.s[j][l], 0.0, 1.0 - 2.0 * beta(k)))
            .try_fold(0u64, |acc, r| r.map(|r| acc.max(r))),
        _ => None,
    };
    Verdict {
        objective: objective.clone(),
        confidence: CONFIDENCE,
        method: METHOD,
        runs: n as u64,
        runs_without_value: dropped,
        critical_t: m.as_ref().map(|m| m.t),
        best: lead.map(|l| names[l].clone()),
        decided: decided && n > 0,
        contenders: contenders.iter().map(|&i| names[i].clone()).collect(),
        identical: identical.iter().map(|&i| names[i].clone()).collect(),
        p_best: lead.and_then(|l| share.as_ref().map(|s| s[l])),
        bootstrap_resamples: boot.as_ref().map_or(0, |b| b.resamples),
        bounds: match &boot {
            Some(Resampled { upper: Some(_), .. }) => "bootstrap-t",
            Some(_) => "student-t",
            None => "none",
        },
        leaders,
        runs_needed,
        skew: lead
            .filter(|_| k >= 2 && n >= 2)
            .and_then(|l| skew(&rows, l))
            .map(|(j, g, r)| Skew {
                design: names[j].clone(),
                skewness: g,
                runs_advised: r,
            }),
        ranking,
    }
}

#[cfg(test)]
mod tests;

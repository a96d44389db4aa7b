//! Baselines: the observed summaries of a check, saved, and a later check compared with them.
//!
//! `payfault check --save-baseline DIR` stores, for each checked scenario, what a two-sample
//! test needs of every metric of the catalogue (per-cause figures included): the number of
//! runs that defined it, its mean and its standard deviation across runs ([`Baseline`], one
//! JSON file per scenario, `DIR/<scenario name>.json`). `--against-baseline DIR` runs the
//! scenarios again and [`compare`]s each metric with its baseline.
//!
//! # The test
//!
//! Each metric is compared with **Welch's two-sample t-test** (Welch 1947; unequal variances,
//! Welch–Satterthwaite degrees of freedom): with `v = s² / n` on each side,
//! `t = (mean_after − mean_before) / √(v_before + v_after)` and
//! `df = (v_before + v_after)² / (v_before² / (n_before − 1) + v_after² / (n_after − 1))`; the
//! p-value is two-sided, `2 · P(T_df > |t|)`. Run means across 20 or more runs are close to
//! normal (the central limit theorem), which is what the test assumes.
//!
//! A check tests many metrics at once (a scenario has a hundred or more, and a check has
//! several scenarios), so some raw p-values are small by chance alone. The p-values are
//! therefore corrected with **Holm's step-down method** (Holm 1979, *A simple sequentially
//! rejective multiple test procedure*) over the whole family — every tested metric of every
//! scenario of the check: sorted ascending, the `i`-th smallest (from 1) is multiplied by
//! `m − i + 1` (`m` the family's size), capped at 1 and made non-decreasing. A metric is
//! flagged when its adjusted p-value is below `alpha`. Holm's method holds the chance of
//! flagging *anything* when nothing changed (the family-wise error rate) at most `alpha`,
//! whatever the dependence between the metrics (and they are strongly dependent: declined
//! and its amount move together), and it is uniformly more powerful than Bonferroni's.
//!
//! # Edge cases
//!
//! - **Too few runs.** A metric defined in fewer than 2 runs on either side has no spread to
//!   test against: it is not tested, and is listed in [`Comparison::not_tested`] with
//!   [`Untested::TooFewRuns`]. It is not part of the family. A metric defined in no run on
//!   either side (a repair age where nothing was repaired) is the same nothing twice: it is
//!   left out of both lists.
//! - **No spread on either side.** A metric with the same value in every run on both sides is
//!   deterministic (a capacity, a calendar delay): equal means give p = 1, different means
//!   p = 0 (a deterministic change, always flagged). Both are part of the family.
//! - **No spread on one side.** Welch's test still applies (its degrees of freedom become
//!   those of the side with spread, `n − 1`): a rare event seen in none of the baseline's runs
//!   and in one run now is not flagged.
//! - **A metric on one side only** (a cause or a station added or removed): not tested,
//!   listed as [`Untested::New`] (only in the new results) or [`Untested::Gone`] (only in the
//!   baseline).
//! - **Another seed or payfault version.** Still compared: that is the point, a re-run with
//!   another seed must not be flagged beyond the rate `alpha`. [`Baseline::seed`] and
//!   [`Baseline::payfault`] are kept so the command can say so. With the same seed the runs of
//!   both sides share their random numbers (common random numbers), so the samples are
//!   positively correlated rather than independent; Welch's test then overestimates the
//!   spread of the difference and is conservative, never too quick to flag; an unchanged
//!   scenario at the same seed gives identical results and flags nothing.
//! - Only the runs that define a metric count (a settlement delay is undefined in a run where
//!   nothing settled): a change in how many runs define it is seen by the counts behind it.
//!
//! The output is in a stable order: the pairs' order, then the new batch's catalogue order
//! (metrics gone from the catalogue last, by name).

use crate::i18n::Lang;
use crate::metrics::BatchResult;
use crate::report::AtomicDir;
use crate::tr;
use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal, StudentsT};
use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

/// The version of the baseline file's layout this payfault writes and reads.
pub const FORMAT: u32 = 1;

/// The largest magnitude a baseline's mean or spread may have (so the test's squares stay
/// finite); no simulated metric comes near it.
const MAX_VALUE: f64 = 1e150;

/// What a baseline keeps of one scenario's batch: enough for a two-sample test.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Baseline {
    /// The layout's version, [`FORMAT`].
    pub format: u32,
    /// The payfault version that wrote it.
    pub payfault: String,
    /// The scenario's name.
    pub scenario: String,
    pub seed: u64,
    pub runs: u64,
    /// Every metric of the scenario's catalogue (per-cause figures included), by name.
    pub metrics: BTreeMap<String, Moments>,
}

/// One metric across runs: the runs that defined it, its mean and its standard deviation
/// (`None` where undefined: no run, or a single run for the spread).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Moments {
    pub n: u64,
    pub mean: Option<f64>,
    pub std: Option<f64>,
}

impl Baseline {
    /// The baseline of a batch's result.
    pub fn of(batch: &BatchResult) -> Self {
        Baseline {
            format: FORMAT,
            payfault: env!("CARGO_PKG_VERSION").to_owned(),
            scenario: batch.scenario.clone(),
            seed: batch.seed,
            runs: batch.runs,
            metrics: moments_of(batch).into_iter().collect(),
        }
    }

    /// Writes `DIR/<scenario name>.json` atomically (a temporary file renamed into place, so an
    /// earlier baseline stays whole if anything fails), creating `DIR`; returns the path.
    /// A scenario name that is not a file name (validated scenarios always have one) is an
    /// `InvalidInput` error.
    pub fn save(&self, dir: &Path) -> io::Result<PathBuf> {
        let file = file_name(&self.scenario).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                tr!(
                    Lang::En,
                    "baseline.error.name",
                    name = self.scenario.escape_debug()
                ),
            )
        })?;
        let json = serde_json::to_string_pretty(self).expect("a baseline serialises") + "\n";
        let mut out = AtomicDir::create(dir)?;
        out.write(&file, json.as_bytes())?;
        let mut written = out.commit()?;
        Ok(written.pop().expect("one file was written"))
    }

    /// Reads `DIR/<name>.json`: `Ok(None)` if there is no such file; `Err(message)` (in
    /// `lang`, naming the file and what is wrong) if it cannot be read or is not a baseline of
    /// scenario `name` in a format this payfault reads.
    pub fn load(dir: &Path, name: &str, lang: Lang) -> Result<Option<Baseline>, String> {
        let Some(file) = file_name(name) else {
            return Err(tr!(lang, "baseline.error.name", name = name.escape_debug()));
        };
        let path = dir.join(file);
        let shown = path.display();
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(tr!(
                    lang,
                    "baseline.error.unreadable",
                    file = shown,
                    error = e
                ));
            }
        };
        let dir_shown = dir.display();
        // The format first, so that a later layout is reported as such, not as a bad file.
        #[derive(Deserialize)]
        struct Head {
            format: u32,
        }
        match serde_json::from_str::<Head>(&text) {
            Ok(h) if h.format != FORMAT => {
                return Err(tr!(
                    lang,
                    "baseline.error.format",
                    file = shown,
                    found = h.format,
                    expected = FORMAT,
                    version = env!("CARGO_PKG_VERSION"),
                    dir = dir_shown
                ));
            }
            _ => {}
        }
        let b: Baseline = serde_json::from_str(&text).map_err(|e| {
            tr!(
                lang,
                "baseline.error.not_baseline",
                file = shown,
                error = e,
                dir = dir_shown
            )
        })?;
        if b.scenario != name {
            return Err(tr!(
                lang,
                "baseline.error.scenario",
                file = shown,
                found = b.scenario.escape_debug(),
                expected = name
            ));
        }
        for (metric, m) in &b.metrics {
            if !m.is_possible() {
                let show = |v: Option<f64>| v.map_or("null".to_owned(), |x| x.to_string());
                return Err(tr!(
                    lang,
                    "baseline.error.moments",
                    file = shown,
                    metric = metric,
                    n = m.n,
                    mean = show(m.mean),
                    std = show(m.std)
                ));
            }
        }
        Ok(Some(b))
    }
}

impl Moments {
    /// Whether these could be a metric's summary: a mean needs a run, a spread two runs and is
    /// not negative, and both are finite and below [`MAX_VALUE`].
    fn is_possible(&self) -> bool {
        let fine = |v: Option<f64>| v.is_none_or(|x| x.abs() <= MAX_VALUE);
        fine(self.mean)
            && fine(self.std)
            && (self.mean.is_none() || self.n >= 1)
            && self.std.is_none_or(|s| s >= 0.0 && self.n >= 2)
    }
}

/// `<name>.json` if `name` is a scenario name (letters, digits, `_`, `-`, `+`, `.`, not
/// starting with `.`), so the file stays in its folder.
fn file_name(name: &str) -> Option<String> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '+' | '.'));
    ok.then(|| format!("{name}.json"))
}

/// A batch's metrics in catalogue order.
fn moments_of(batch: &BatchResult) -> Vec<(String, Moments)> {
    batch
        .catalogue
        .metrics
        .iter()
        .zip(&batch.summaries)
        .map(|(m, s)| {
            (
                m.name.clone(),
                Moments {
                    n: s.n,
                    mean: s.mean,
                    std: s.std,
                },
            )
        })
        .collect()
}

/// One tested metric's comparison.
#[derive(Clone, Debug, PartialEq)]
pub struct Shift {
    pub scenario: String,
    pub metric: String,
    pub before: Moments,
    pub after: Moments,
    /// Welch's two-sided p-value, uncorrected.
    pub p_value: f64,
    /// After Holm's correction over the whole family.
    pub adjusted_p: f64,
    /// `adjusted_p < alpha`.
    pub significant: bool,
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
    /// Every tested metric (the family Holm's correction is over), flagged or not.
    pub shifts: Vec<Shift>,
    pub not_tested: Vec<NotTested>,
    pub alpha: f64,
}

impl Comparison {
    /// The metrics whose change is significant.
    pub fn significant(&self) -> impl Iterator<Item = &Shift> {
        self.shifts.iter().filter(|s| s.significant)
    }

    /// The family's size: how many metrics were tested.
    pub fn family(&self) -> usize {
        self.shifts.len()
    }
}

/// Compares each (baseline, new batch) pair metric by metric with Welch's two-sample t-test and
/// corrects for testing many metrics at once with Holm's method over the whole family, every
/// tested metric of every pair: the chance of flagging anything when nothing changed is at
/// most `alpha` per call. See the module documentation for the edge cases.
pub fn compare(pairs: &[(&Baseline, &BatchResult)], alpha: f64) -> Comparison {
    let mut shifts = vec![];
    let mut not_tested = vec![];
    for (base, batch) in pairs {
        let after = moments_of(batch);
        let untested =
            |metric: &str, reason, before: Option<&Moments>, after: Option<&Moments>| NotTested {
                scenario: batch.scenario.clone(),
                metric: metric.to_owned(),
                reason,
                before: before.cloned(),
                after: after.cloned(),
            };
        for (metric, a) in &after {
            let Some(b) = base.metrics.get(metric) else {
                not_tested.push(untested(metric, Untested::New, None, Some(a)));
                continue;
            };
            if a.mean.is_none() && b.mean.is_none() {
                // Undefined both times (no run defined it, or its mechanism is off): nothing
                // to compare, nothing changed.
                continue;
            }
            match welch(b, a) {
                Some(p) => shifts.push(Shift {
                    scenario: batch.scenario.clone(),
                    metric: metric.clone(),
                    before: b.clone(),
                    after: a.clone(),
                    p_value: p,
                    adjusted_p: p,
                    significant: false,
                }),
                None => not_tested.push(untested(metric, Untested::TooFewRuns, Some(b), Some(a))),
            }
        }
        for (metric, b) in &base.metrics {
            if batch.catalogue.position(metric).is_none() {
                not_tested.push(untested(metric, Untested::Gone, Some(b), None));
            }
        }
    }
    let adjusted = holm(&shifts.iter().map(|s| s.p_value).collect::<Vec<_>>());
    for (s, adj) in shifts.iter_mut().zip(adjusted) {
        s.adjusted_p = adj;
        s.significant = adj < alpha;
    }
    Comparison {
        shifts,
        not_tested,
        alpha,
    }
}

/// Welch's two-sided p-value for a difference of means between `before` and `after`; `None`
/// when a side has fewer than 2 runs (or no spread recorded). Both sides without spread: 1 if
/// the means are equal, else 0.
pub fn welch(before: &Moments, after: &Moments) -> Option<f64> {
    let side = |m: &Moments| match (m.n, m.mean, m.std) {
        (n, Some(mean), Some(std)) if n >= 2 => Some((n as f64, mean, std)),
        _ => None,
    };
    let (n1, m1, s1) = side(before)?;
    let (n2, m2, s2) = side(after)?;
    let (v1, v2) = (s1 * s1 / n1, s2 * s2 / n2);
    let se2 = v1 + v2;
    if se2 == 0.0 {
        return Some(if m1 == m2 { 1.0 } else { 0.0 });
    }
    let t = ((m2 - m1) / se2.sqrt()).abs();
    let df = se2 * se2 / (v1 * v1 / (n1 - 1.0) + v2 * v2 / (n2 - 1.0));
    // Beyond a million degrees of freedom Student's t is the normal distribution (and a
    // denominator that underflowed gives an infinite df).
    let tail = match StudentsT::new(0.0, 1.0, df) {
        Ok(d) if df <= 1e6 => d.sf(t),
        _ => Normal::standard().sf(t),
    };
    Some((2.0 * tail).clamp(0.0, 1.0))
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

#[cfg(test)]
mod tests;

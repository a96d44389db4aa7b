//! Baselines: the observed results of a check, saved, and a later check compared with them.
//!
//! `payfault check --save-baseline DIR` stores, for each checked scenario, every metric of the
//! catalogue (per-cause figures included): the number of runs that defined it, its mean, its
//! standard deviation and (format 2) its value in every run, in run order, `null` where the
//! run did not define it ([`Baseline`], one JSON file per scenario, `DIR/<scenario name>.json`,
//! a metric per line, numbers in their shortest exact form). `--against-baseline DIR` runs the
//! scenarios again and [`compare`]s each metric with its baseline (see [`compare`]'s module
//! for the tests, the families and the effect sizes).
//!
//! Format 1 (n, mean and std only, payfault before per-run values) is still read: its
//! comparisons use Welch's test, never the paired one. A later format is refused with a
//! message saying to save the baseline again.

pub mod compare;

pub use compare::{
    Comparison, Family, Method, MinChanges, NotTested, Pair, Shift, Untested, compare, holm, welch,
};

use crate::i18n::Lang;
use crate::metrics::BatchResult;
use crate::report::AtomicDir;
use crate::tr;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

/// The version of the baseline file's layout this payfault writes (and reads, with format 1).
pub const FORMAT: u32 = 2;

/// The oldest layout this payfault reads: format 1, without per-run values.
pub const OLDEST_FORMAT: u32 = 1;

/// The largest magnitude a baseline's mean or spread may have (so the test's squares stay
/// finite); no simulated metric comes near it.
const MAX_VALUE: f64 = 1e150;

/// What a baseline keeps of one scenario's batch: enough for a paired or a two-sample test.
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
/// (`None` where undefined: no run, or a single run for the spread), and (format 2) its value
/// in every run, in run order (`None` where the run did not define it).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Moments {
    pub n: u64,
    pub mean: Option<f64>,
    pub std: Option<f64>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "shortest"
    )]
    pub runs: Option<Vec<Option<f64>>>,
}

/// Per-run values as short as they can be written and read back exactly: a whole number
/// without `.0` (most metrics are counts), any other number in its shortest round-trip form.
fn shortest<S: serde::Serializer>(
    runs: &Option<Vec<Option<f64>>>,
    ser: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeSeq;
    let Some(runs) = runs else {
        return ser.serialize_none();
    };
    let mut seq = ser.serialize_seq(Some(runs.len()))?;
    for v in runs {
        match v {
            Some(x) if x.fract() == 0.0 && x.abs() < 9e15 => seq.serialize_element(&(*x as i64))?,
            other => seq.serialize_element(other)?,
        }
    }
    seq.end()
}

impl Baseline {
    /// The baseline of a batch's result; `rows` are its runs' metric rows in run order (as
    /// [`crate::runner::run_batch`] hands them over), kept when there is one per run.
    pub fn of(batch: &BatchResult, rows: &[Vec<Option<f64>>]) -> Self {
        Baseline {
            format: FORMAT,
            payfault: env!("CARGO_PKG_VERSION").to_owned(),
            scenario: batch.scenario.clone(),
            seed: batch.seed,
            runs: batch.runs,
            metrics: moments_of(batch, rows).into_iter().collect(),
        }
    }

    /// The file's text: the head, then a metric per line (a baseline of 40 runs and 400
    /// metrics stays near 100 kB and reads well in a diff).
    pub fn to_json(&self) -> String {
        let text = |v: &str| serde_json::to_string(v).expect("a string serialises");
        let mut s = format!(
            "{{\n  \"format\": {},\n  \"payfault\": {},\n  \"scenario\": {},\n  \"seed\": {},\n  \
             \"runs\": {},\n  \"metrics\": {{",
            self.format,
            text(&self.payfault),
            text(&self.scenario),
            self.seed,
            self.runs
        );
        for (i, (name, m)) in self.metrics.iter().enumerate() {
            s.push_str(if i == 0 { "\n    " } else { ",\n    " });
            s.push_str(&text(name));
            s.push_str(": ");
            s.push_str(&serde_json::to_string(m).expect("moments serialise"));
        }
        s.push_str("\n  }\n}\n");
        s
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
        let json = self.to_json();
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
            Ok(h) if !(OLDEST_FORMAT..=FORMAT).contains(&h.format) => {
                return Err(tr!(
                    lang,
                    "baseline.error.format",
                    file = shown,
                    found = h.format,
                    expected = format!("{OLDEST_FORMAT}-{FORMAT}"),
                    version = env!("CARGO_PKG_VERSION"),
                    dir = dir_shown
                ));
            }
            _ => {}
        }
        let mut b: Baseline = serde_json::from_str(&text).map_err(|e| {
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
        if b.format == OLDEST_FORMAT {
            // Format 1 had no per-run values: whatever such a field says is not read.
            b.metrics.values_mut().for_each(|m| m.runs = None);
        } else if let Some((metric, m)) = b.metrics.iter().find(|(_, m)| !m.runs_fit(b.runs)) {
            let given = m.runs.as_ref().map_or(0, Vec::len);
            return Err(tr!(
                lang,
                "baseline.error.runs",
                file = shown,
                metric = metric,
                runs = b.runs,
                given = given,
                n = m.n,
                dir = dir_shown
            ));
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

    /// Whether the per-run values (format 2) are a value or `null` for each of `runs` runs,
    /// `n` of them defined, each finite and below [`MAX_VALUE`].
    fn runs_fit(&self, runs: u64) -> bool {
        self.runs.as_ref().is_some_and(|v| {
            v.len() as u64 == runs
                && v.iter().flatten().count() as u64 == self.n
                && v.iter().flatten().all(|x| x.abs() <= MAX_VALUE)
        })
    }

    /// The same without the per-run values (for reports).
    pub fn summary_only(&self) -> Moments {
        Moments {
            runs: None,
            ..self.clone()
        }
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

/// A batch's metrics in catalogue order, with the per-run values of `rows` when there is a
/// row per run.
fn moments_of(batch: &BatchResult, rows: &[Vec<Option<f64>>]) -> Vec<(String, Moments)> {
    let per_run = rows.len() as u64 == batch.runs;
    batch
        .catalogue
        .metrics
        .iter()
        .zip(&batch.summaries)
        .enumerate()
        .map(|(i, (m, s))| {
            (
                m.name.clone(),
                Moments {
                    n: s.n,
                    mean: s.mean,
                    std: s.std,
                    runs: per_run
                        .then(|| rows.iter().map(|r| r.get(i).copied().flatten()).collect()),
                },
            )
        })
        .collect()
}

#[cfg(test)]
mod tests;

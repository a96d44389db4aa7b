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
//! Format 3 adds a `checksum` line: FNV-1a 64 (hex) of the file's content as this payfault
//! writes it without that line ([`Baseline::checksum`]). It catches accidental damage and
//! naive edits (a changed digit), not someone who recomputes it: it has no key. Every value is
//! checked on reading too: n, mean, std and the per-run values must agree with each other and
//! with the runs, and no metric may be `null`.
//!
//! Format 2 (per-run values, no checksum) and format 1 (n, mean and std only, payfault before
//! per-run values) are still read, their values checked but without a checksum: format 1's
//! comparisons use Welch's test, never the paired one. A later format is refused with a
//! message saying to save the baseline again.

pub mod compare;

pub use compare::{
    Comparison, Family, Method, MinChanges, NotTested, Pair, Shift, Untested, compare, holm, welch,
};

use crate::atomic::AtomicDir;
use crate::i18n::Lang;
use crate::metrics::BatchResult;
use crate::tr;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

/// The version of the baseline file's layout this payfault writes (and reads, with format 1).
pub const FORMAT: u32 = 3;

/// The first format with a checksum.
pub const CHECKSUM_FORMAT: u32 = 3;

/// The largest baseline file read (256 MiB): a larger one is refused before it is loaded.
pub const MAX_BYTES: u64 = 256 << 20;

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
    /// metrics stays near 100 kB and reads well in a diff); from format 3, with the
    /// [`checksum`](Self::checksum) of the rest of it.
    pub fn to_json(&self) -> String {
        if self.format < CHECKSUM_FORMAT {
            return self.content(None);
        }
        self.content(Some(&self.checksum()))
    }

    /// FNV-1a 64 (hex) of the file's text without its checksum line.
    pub fn checksum(&self) -> String {
        format!(
            "{:016x}",
            crate::runner::shard::fnv1a64(self.content(None).as_bytes())
        )
    }

    /// The file's text, with a checksum line if `checksum` is given.
    fn content(&self, checksum: Option<&str>) -> String {
        let text = |v: &str| serde_json::to_string(v).expect("a string serialises");
        let sum = checksum.map_or(String::new(), |c| format!("\n  \"checksum\": {},", text(c)));
        let mut s = format!(
            "{{\n  \"format\": {},{sum}\n  \"payfault\": {},\n  \"scenario\": {},\n  \
             \"seed\": {},\n  \"runs\": {},\n  \"metrics\": {{",
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
    /// `lang`, naming the file and what is wrong) if it cannot be read (or is larger than
    /// [`MAX_BYTES`]), is not a baseline of scenario `name` in a format this payfault reads,
    /// does not have its checksum (format 3), or holds a value that is not possible (a `null`
    /// metric, moments that disagree with each other or with the per-run values).
    pub fn load(dir: &Path, name: &str, lang: Lang) -> Result<Option<Baseline>, String> {
        let Some(file) = file_name(name) else {
            return Err(tr!(lang, "baseline.error.name", name = name.escape_debug()));
        };
        let path = dir.join(file);
        let shown = path.display();
        let text = match read_bounded(&path) {
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
        // The format first, so that a later layout is reported as such, not as a bad file;
        // then a `null` metric, named (the full parse would only say "invalid type").
        #[derive(Deserialize)]
        struct Head {
            format: u32,
            #[serde(default)]
            checksum: Option<String>,
            #[serde(default)]
            metrics: BTreeMap<String, Option<serde::de::IgnoredAny>>,
        }
        let head = serde_json::from_str::<Head>(&text).ok();
        if let Some(h) = &head {
            if !(OLDEST_FORMAT..=FORMAT).contains(&h.format) {
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
            if let Some((metric, _)) = h.metrics.iter().find(|(_, m)| m.is_none()) {
                return Err(tr!(
                    lang,
                    "baseline.error.null",
                    file = shown,
                    metric = metric
                ));
            }
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
        let recorded = head.and_then(|h| h.checksum);
        if b.format >= CHECKSUM_FORMAT && recorded.as_deref() != Some(&b.checksum()) {
            return Err(tr!(
                lang,
                "baseline.error.checksum",
                file = shown,
                found = b.checksum(),
                recorded = recorded.as_deref().unwrap_or("none"),
                dir = dir_shown
            ));
        }
        if b.format == OLDEST_FORMAT {
            // Format 1 had no per-run values: whatever such a field says is not read.
            b.metrics.values_mut().for_each(|m| m.runs = None);
        }
        b.check_values(lang, &shown.to_string(), &dir_shown.to_string())?;
        Ok(Some(b))
    }

    /// Checks every metric's values: possible moments (see [`Moments::is_possible`]), at most
    /// one defined value per run, and (format 2 on) one value or `null` per run that the
    /// moments summarise.
    fn check_values(&self, lang: Lang, shown: &str, dir: &str) -> Result<(), String> {
        for (metric, m) in &self.metrics {
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
            let inconsistent = |detail: String| {
                tr!(
                    lang,
                    "baseline.error.inconsistent",
                    file = shown,
                    metric = metric,
                    detail = detail,
                    dir = dir
                )
            };
            if m.n > self.runs {
                return Err(inconsistent(format!(
                    "n = {} is more than the {} runs",
                    m.n, self.runs
                )));
            }
            if self.format == OLDEST_FORMAT {
                continue;
            }
            if !m.runs_fit(self.runs) {
                let given = m.runs.as_ref().map_or(0, Vec::len);
                return Err(tr!(
                    lang,
                    "baseline.error.runs",
                    file = shown,
                    metric = metric,
                    runs = self.runs,
                    given = given,
                    n = m.n,
                    dir = dir
                ));
            }
            m.summarises_runs().map_err(inconsistent)?;
        }
        Ok(())
    }
}

/// The text of `path`, at most [`MAX_BYTES`] of it (a larger file, or a stream that goes on,
/// is an `InvalidData` error, not loaded).
fn read_bounded(path: &Path) -> io::Result<String> {
    use std::io::Read;
    let too_large = || {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("it is larger than {MAX_BYTES} bytes, the most a baseline may be"),
        )
    };
    let f = std::fs::File::open(path)?;
    if f.metadata().is_ok_and(|m| m.len() > MAX_BYTES) {
        return Err(too_large());
    }
    let mut text = String::new();
    f.take(MAX_BYTES + 1).read_to_string(&mut text)?;
    if text.len() as u64 > MAX_BYTES {
        return Err(too_large());
    }
    Ok(text)
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

    /// Whether the mean and the spread are those of the per-run values (up to the rounding
    /// of the running sums the batch keeps); the per-run values must fit (`runs_fit`).
    fn summarises_runs(&self) -> Result<(), String> {
        let xs: Vec<f64> = self.runs.iter().flatten().flatten().copied().collect();
        let show = |v: Option<f64>| v.map_or("null".to_owned(), |x| x.to_string());
        // A metric whose mechanism is off keeps its zeros but no summary.
        if self.mean.is_none() && self.std.is_none() && xs.iter().all(|x| *x == 0.0) {
            return Ok(());
        }
        // A metric whose mechanism is off keeps its zeros but no summary.
        if self.mean.is_none() && self.std.is_none() && xs.iter().all(|x| *x == 0.0) {
            return Ok(());
        }
        let n = xs.len() as f64;
        let scale = xs.iter().fold(0.0f64, |a, x| a.max(x.abs()));
        let mean = (!xs.is_empty()).then(|| xs.iter().sum::<f64>() / n);
        match (self.mean, mean) {
            (Some(a), Some(b)) if (a - b).abs() <= 1e-9 * scale => {}
            (None, None) => {}
            (a, b) => {
                return Err(format!(
                    "mean = {} is not the mean of its per-run values ({})",
                    show(a),
                    show(b)
                ));
            }
        }
        let std = mean.filter(|_| xs.len() >= 2).map(|m| {
            let ss: f64 = xs.iter().map(|x| (x - m) * (x - m)).sum();
            (ss / (n - 1.0)).sqrt()
        });
        match (self.std, std) {
            // The batch's running sums (Welford) round differently from this two-pass sum.
            (Some(a), Some(b)) if (a - b).abs() <= 1e-6 * b + 1e-7 * scale => Ok(()),
            (None, None) => Ok(()),
            (a, b) => Err(format!(
                "std = {} is not the spread of its per-run values ({})",
                show(a),
                show(b)
            )),
        }
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

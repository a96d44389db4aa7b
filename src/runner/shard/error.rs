//! Why partial results cannot be merged, and how to say it to people.

use super::{FORMAT, Shard};
use crate::i18n::Lang;
use crate::tr;
use std::path::PathBuf;

/// Why a set of partial results cannot be merged (bad input: exit 2).
#[derive(Debug, Clone, PartialEq)]
pub enum MergeError {
    /// A file cannot be read or is not a partial result.
    Unreadable { file: PathBuf, error: String },
    /// A partial result of another format version.
    Format { file: PathBuf, found: u32 },
    /// Two partial results of different batches: `what` is one of [`FIELDS`].
    Differ {
        what: &'static str,
        a: PathBuf,
        x: String,
        b: PathBuf,
        y: String,
    },
    /// A partial result that contradicts itself or this payfault's scenario.
    Damaged { file: PathBuf, damage: Damage },
    /// Two partial results hold the same runs.
    Overlap {
        a: PathBuf,
        ra: (u64, u64),
        b: PathBuf,
        rb: (u64, u64),
    },
    /// Runs are missing (and `--partial` was not given).
    Incomplete {
        have: u64,
        runs: u64,
        missing: Vec<(u64, u64)>,
        /// The shards holding them, when the partial results are of one split.
        shards: Option<super::MissingShards>,
    },
}

/// What is wrong with a damaged partial result (message keys `merge.damage.*`).
#[derive(Debug, Clone, PartialEq)]
pub enum Damage {
    /// Its runs are not the slice its shard says.
    Slice {
        start: u64,
        end: u64,
        shard: Shard,
        runs: u64,
    },
    /// Its scenario text does not have the hash it records.
    Hash { found: String, recorded: String },
    /// It holds another number of designs than its scenario has.
    Designs { found: usize, expected: usize },
    /// A design's metrics are not those of its scenario.
    Metrics { design: String },
    /// A design has another number of rows than runs.
    Rows {
        design: String,
        found: usize,
        start: u64,
        end: u64,
    },
    /// A row is not a row of numbers of the catalogue's width.
    Row { design: String, run: u64 },
    /// A histogram bucket is out of the histogram's bounds, or its counts are impossible.
    Histogram { design: String, detail: String },
    /// A value of a row is out of its metric's range, or breaks a relation every run keeps.
    Value {
        design: String,
        run: u64,
        detail: String,
    },
    /// Its content does not have the checksum it records: it was changed after it was written.
    Checksum { found: String, recorded: String },
}

impl Damage {
    pub fn message(&self, lang: Lang) -> String {
        match self {
            Damage::Slice {
                start,
                end,
                shard,
                runs,
            } => tr!(
                lang,
                "merge.damage.slice",
                runs_held = show_range((*start, *end)),
                k = shard.k,
                m = shard.m,
                runs = runs
            ),
            Damage::Hash { found, recorded } => tr!(
                lang,
                "merge.damage.hash",
                found = found,
                recorded = recorded
            ),
            Damage::Designs { found, expected } => tr!(
                lang,
                "merge.damage.designs",
                found = found,
                expected = expected
            ),
            Damage::Metrics { design } => tr!(lang, "merge.damage.metrics", design = design),
            Damage::Rows {
                design,
                found,
                start,
                end,
            } => tr!(
                lang,
                "merge.damage.rows",
                design = design,
                found = found,
                runs_held = show_range((*start, *end))
            ),
            Damage::Row { design, run } => {
                tr!(lang, "merge.damage.row", design = design, run = run)
            }
            Damage::Histogram { design, detail } => {
                tr!(
                    lang,
                    "merge.damage.histogram",
                    design = design,
                    detail = detail
                )
            }
            Damage::Value {
                design,
                run,
                detail,
            } => tr!(
                lang,
                "merge.damage.value",
                design = design,
                run = run,
                detail = detail
            ),
            Damage::Checksum { found, recorded } => tr!(
                lang,
                "merge.damage.checksum",
                found = found,
                recorded = recorded
            ),
        }
    }
}

/// The properties every partial result of a merge must share (message keys `merge.field.*`).
pub const FIELDS: [&str; 6] = ["kind", "version", "scenario", "seed", "runs", "designs"];

/// Runs `[s, e)` for people: `12–99`, or `12` for one run.
pub fn show_range((s, e): (u64, u64)) -> String {
    if e == s + 1 {
        s.to_string()
    } else {
        format!("{s}–{}", e - 1)
    }
}

/// A list of run ranges for people.
pub fn show_ranges(r: &[(u64, u64)]) -> String {
    r.iter()
        .map(|&x| show_range(x))
        .collect::<Vec<_>>()
        .join(", ")
}

impl super::MissingShards {
    /// Which shards to run again, and how (`--shard K/M`, or a Slurm array of just those).
    pub fn message(&self, lang: Lang) -> String {
        tr!(lang, "merge.shards", m = self.m, list = self.array())
    }
}

impl MergeError {
    /// The message, in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        match self {
            MergeError::Unreadable { file, error } => tr!(
                lang,
                "merge.unreadable",
                file = file.display(),
                error = error
            ),
            MergeError::Format { file, found } => tr!(
                lang,
                "merge.format",
                file = file.display(),
                found = found,
                expected = FORMAT
            ),
            MergeError::Differ { what, a, x, b, y } => tr!(
                lang,
                "merge.differ",
                what = lang.get(&format!("merge.field.{what}")),
                a = a.display(),
                x = x,
                b = b.display(),
                y = y
            ),
            MergeError::Damaged { file, damage } => tr!(
                lang,
                "merge.damaged",
                file = file.display(),
                detail = damage.message(lang)
            ),
            MergeError::Overlap { a, ra, b, rb } => tr!(
                lang,
                "merge.overlap",
                a = a.display(),
                a_runs = show_range(*ra),
                b = b.display(),
                b_runs = show_range(*rb),
                both = show_range((ra.0.max(rb.0), ra.1.min(rb.1)))
            ),
            MergeError::Incomplete {
                have,
                runs,
                missing,
                shards,
            } => {
                let mut m = tr!(
                    lang,
                    "merge.incomplete",
                    have = have,
                    runs = runs,
                    missing = show_ranges(missing)
                );
                if let Some(s) = shards {
                    m.push('\n');
                    m.push_str(&s.message(lang));
                }
                m
            }
        }
    }
}

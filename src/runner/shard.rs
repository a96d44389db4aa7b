//! Sharding a batch across machines, and merging the shards exactly.
//!
//! `--shard K/M` runs only the K-th of M contiguous, disjoint slices of the run indices
//! `0..N` (slice `k` is `[k·N/M, (k+1)·N/M)`, `k` counted from 0), each run `i` with the same
//! `(seed, i)` as the whole batch, and writes a [`Partial`] result: the per-run metric rows
//! (every value exactly: Rust's shortest round-trip decimal form), the histograms (their
//! buckets and counts: lossless), and what identifies the batch (the payfault version, the
//! scenario text and its hash, the seed, N, the slice).
//!
//! `payfault merge` checks a set of partial results ([`plan`]) and refolds their rows in run
//! order through the same code as the whole batch (`metrics::Folder`, `compare::Differ`): the
//! summaries are order-sensitive floating-point folds, so combining partial summaries would
//! not give the same bytes, while refolding the rows does. Histograms add exactly.

use super::{BatchError, BatchOptions, run_batch_range};
use crate::i18n::Lang;
use crate::metrics::{self, BatchResult};
use crate::scenario::Scenario;
use crate::tr;
use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

/// The version of the partial result format this payfault writes and reads.
pub const FORMAT: u32 = 1;

/// The file a shard writes in its output folder.
pub const FILE: &str = "partial.json";

/// The version of payfault, which every partial result of a merge must share.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// One shard of M: `k` counted from 1 (as on the command line).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub k: u64,
    pub m: u64,
}

impl Shard {
    /// Parses `K/M` (1 ≤ K ≤ M); the message says what is accepted.
    pub fn parse(s: &str) -> Result<Shard, String> {
        let bad = || {
            format!(
                "`{s}` is not a shard; use K/M with 1 ≤ K ≤ M, e.g. `--shard 2/8` (the second \
                 of eight)"
            )
        };
        let (k, m) = s.split_once('/').ok_or_else(bad)?;
        let k: u64 = k.trim().parse().map_err(|_| bad())?;
        let m: u64 = m.trim().parse().map_err(|_| bad())?;
        if k == 0 || m == 0 || k > m {
            return Err(bad());
        }
        Ok(Shard { k, m })
    }

    /// The runs of this shard among `runs`: `[(k−1)·N/M, k·N/M)`. Every run is in exactly one
    /// shard, and the shards' sizes differ by at most one.
    pub fn range(self, runs: u64) -> Range<u64> {
        let at = |j: u64| ((j as u128 * runs as u128) / self.m as u128) as u64;
        at(self.k - 1)..at(self.k)
    }

    /// The default folder of this shard's partial result: `shard-K-of-M`.
    pub fn folder(self) -> String {
        format!("shard-{}-of-{}", self.k, self.m)
    }
}

/// FNV-1a, 64 bits: a small, stable hash (the same on every machine and version).
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Which command a partial result is a shard of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Run,
    Compare,
    Sweep,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Run => "run",
            Kind::Compare => "compare",
            Kind::Sweep => "sweep",
        }
    }
}

/// A scenario file as the command read it: the name it was given by, and its text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Input {
    pub file: String,
    pub text: String,
}

/// What identifies the batch a partial result belongs to, and which runs it holds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// [`FORMAT`].
    pub format: u32,
    pub payfault_version: String,
    pub kind: Kind,
    /// [`input_hash`] of the inputs, the variant and the settings: hex FNV-1a 64.
    pub scenario_hash: String,
    /// The scenario file(s) the command read, as given.
    pub inputs: Vec<Input>,
    /// `run --variant`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    /// `sweep --set`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sets: Vec<String>,
    pub allow_large: bool,
    pub seed: u64,
    /// N: the runs of the whole batch.
    pub runs: u64,
    pub shard: Shard,
    /// The runs held: `[start, end)`.
    pub start: u64,
    pub end: u64,
    /// The designs, in order (one for `run`).
    pub designs: Vec<String>,
}

/// One design's runs in a partial result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DesignRows {
    pub name: String,
    /// The metric catalogue's names, in the order of each row's values.
    pub metrics: Vec<String>,
    /// One row per run, from `start`: the values separated by commas, each in Rust's shortest
    /// form that reads back to the same bits; empty where the run does not define the metric.
    pub rows: Vec<String>,
    /// The histograms' buckets: (highest value of the bucket, count).
    pub settle_delay_ms: Vec<[u64; 2]>,
    pub auth_latency_us: Vec<[u64; 2]>,
}

/// A partial result: `partial.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Partial {
    pub header: Header,
    pub designs: Vec<DesignRows>,
}

/// Only the header of a partial result (its rows are skipped, not kept).
#[derive(Deserialize)]
struct HeadOnly {
    header: Header,
}

/// The hash that says two partial results ran the same scenario(s): FNV-1a 64 of the texts,
/// the variant and the sweep's settings (not of the files' names, which may differ between
/// machines), in hex.
pub fn input_hash(inputs: &[Input], variant: Option<&str>, sets: &[String]) -> String {
    let mut bytes = vec![];
    let mut add = |tag: &[u8], s: &str| {
        bytes.extend_from_slice(tag);
        bytes.extend_from_slice(&(s.len() as u64).to_le_bytes());
        bytes.extend_from_slice(s.as_bytes());
    };
    for i in inputs {
        add(b"text", &i.text);
    }
    if let Some(v) = variant {
        add(b"variant", v);
    }
    for s in sets {
        add(b"set", s);
    }
    format!("{:016x}", fnv1a64(&bytes))
}

/// A row of metric values as text (see [`DesignRows::rows`]).
pub fn encode_row(vals: &[Option<f64>]) -> String {
    let mut s = String::with_capacity(vals.len() * 8);
    for (i, v) in vals.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        if let Some(x) = v {
            s.push_str(&x.to_string());
        }
    }
    s
}

/// Reads a row back: exactly the values encoded, or why not.
pub fn decode_row(s: &str, width: usize) -> Result<Vec<Option<f64>>, String> {
    let vals: Vec<Option<f64>> = s
        .split(',')
        .map(|v| {
            if v.is_empty() {
                Ok(None)
            } else {
                v.parse::<f64>()
                    .map(Some)
                    .map_err(|_| format!("`{v}` is not a number"))
            }
        })
        .collect::<Result<_, _>>()?;
    if vals.len() != width {
        return Err(format!("{} values, expected {width}", vals.len()));
    }
    Ok(vals)
}

/// A histogram's buckets: (highest value of the bucket, count), lossless.
pub fn encode_histogram(h: &Histogram<u64>) -> Vec<[u64; 2]> {
    h.iter_recorded()
        .map(|v| [v.value_iterated_to(), v.count_at_value()])
        .collect()
}

/// Adds encoded buckets to `h` (a histogram of the same bounds as the encoded one).
pub fn add_histogram(h: &mut Histogram<u64>, buckets: &[[u64; 2]]) -> Result<(), String> {
    for &[v, n] in buckets {
        h.record_n(v, n)
            .map_err(|e| format!("histogram value {v}: {e:?}"))?;
    }
    Ok(())
}

/// Runs the runs `range` of the batch `opts` of one design and keeps what a merge needs.
pub fn shard_design(
    name: &str,
    scenario: &Scenario,
    opts: &BatchOptions,
    range: Range<u64>,
    cancel: &AtomicBool,
    progress: impl FnMut(u64),
) -> Result<DesignRows, BatchError> {
    let mut rows = Vec::with_capacity((range.end - range.start) as usize);
    let b: BatchResult = run_batch_range(
        scenario,
        opts,
        range,
        cancel,
        |_, vals| {
            rows.push(encode_row(vals));
            Ok(())
        },
        progress,
    )?;
    Ok(DesignRows {
        name: name.to_owned(),
        metrics: b.catalogue.names(),
        rows,
        settle_delay_ms: encode_histogram(&b.settle_delay_ms),
        auth_latency_us: encode_histogram(&b.auth_latency_us),
    })
}

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
    /// A histogram bucket is out of the histogram's bounds.
    Histogram { design: String },
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
            Damage::Histogram { design } => {
                tr!(lang, "merge.damage.histogram", design = design)
            }
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
            } => tr!(
                lang,
                "merge.incomplete",
                have = have,
                runs = runs,
                missing = show_ranges(missing)
            ),
        }
    }
}

/// The partial result file of `path`: `path/partial.json` for a folder, else `path` itself.
pub fn partial_file(path: &Path) -> PathBuf {
    if path.is_dir() {
        path.join(FILE)
    } else {
        path.to_owned()
    }
}

fn unreadable(file: &Path, error: impl std::fmt::Display) -> MergeError {
    MergeError::Unreadable {
        file: file.to_owned(),
        error: error.to_string(),
    }
}

/// Reads the header of a partial result, checking its format and that it agrees with itself.
pub fn read_header(file: &Path) -> Result<Header, MergeError> {
    let bytes = std::fs::read(file).map_err(|e| unreadable(file, e))?;
    let h: HeadOnly = serde_json::from_slice(&bytes).map_err(|e| unreadable(file, e))?;
    let h = h.header;
    if h.format != FORMAT {
        return Err(MergeError::Format {
            file: file.to_owned(),
            found: h.format,
        });
    }
    let damaged = |damage: Damage| MergeError::Damaged {
        file: file.to_owned(),
        damage,
    };
    if h.shard.k == 0
        || h.shard.k > h.shard.m
        || h.start >= h.end
        || h.shard.range(h.runs) != (h.start..h.end)
    {
        return Err(damaged(Damage::Slice {
            start: h.start,
            end: h.end,
            shard: h.shard,
            runs: h.runs,
        }));
    }
    let hash = input_hash(&h.inputs, h.variant.as_deref(), &h.sets);
    if hash != h.scenario_hash {
        return Err(damaged(Damage::Hash {
            found: hash,
            recorded: h.scenario_hash,
        }));
    }
    Ok(h)
}

/// Reads a whole partial result and checks that its rows fit its header and `catalogues`
/// (the metric names of each design, as this payfault derives them from the scenario).
pub fn read_partial(file: &Path, catalogues: &[Vec<String>]) -> Result<Partial, MergeError> {
    let bytes = std::fs::read(file).map_err(|e| unreadable(file, e))?;
    let p: Partial = serde_json::from_slice(&bytes).map_err(|e| unreadable(file, e))?;
    drop(bytes);
    let damaged = |damage: Damage| MergeError::Damaged {
        file: file.to_owned(),
        damage,
    };
    let h = &p.header;
    if p.designs.len() != catalogues.len() || p.designs.len() != h.designs.len() {
        return Err(damaged(Damage::Designs {
            found: p.designs.len(),
            expected: catalogues.len(),
        }));
    }
    for (d, names) in p.designs.iter().zip(catalogues) {
        if d.metrics != *names {
            return Err(damaged(Damage::Metrics {
                design: d.name.clone(),
            }));
        }
        if d.rows.len() as u64 != h.end - h.start {
            return Err(damaged(Damage::Rows {
                design: d.name.clone(),
                found: d.rows.len(),
                start: h.start,
                end: h.end,
            }));
        }
    }
    Ok(p)
}

/// Decodes row `i` (run `start + i`) of design `k` of a partial result read by
/// [`read_partial`] (`file` names it in errors). Rows are decoded one at a time, so a merge
/// holds a shard's text, not its values.
pub fn row_of(
    file: &Path,
    p: &Partial,
    k: usize,
    i: usize,
) -> Result<Vec<Option<f64>>, MergeError> {
    let d = &p.designs[k];
    decode_row(&d.rows[i], d.metrics.len()).map_err(|_| MergeError::Damaged {
        file: file.to_owned(),
        damage: Damage::Row {
            design: d.name.clone(),
            run: p.header.start + i as u64,
        },
    })
}

/// Which partial results to fold, in run order, and what they lack.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Indices into the headers, by their first run.
    pub order: Vec<usize>,
    /// The run ranges no partial result holds.
    pub missing: Vec<(u64, u64)>,
    /// The runs held.
    pub have: u64,
}

/// Checks that the partial results `heads` (file, header) are shards of one batch that do not
/// overlap, and (unless `incomplete_ok`) that together they hold every run.
pub fn plan(heads: &[(PathBuf, Header)], incomplete_ok: bool) -> Result<Plan, MergeError> {
    let (f0, h0) = &heads[0];
    for (f, h) in &heads[1..] {
        let checks: [(&str, String, String); 6] = [
            ("kind", h0.kind.name().into(), h.kind.name().into()),
            (
                "version",
                h0.payfault_version.clone(),
                h.payfault_version.clone(),
            ),
            (
                "scenario",
                h0.scenario_hash.clone(),
                h.scenario_hash.clone(),
            ),
            ("seed", h0.seed.to_string(), h.seed.to_string()),
            ("runs", h0.runs.to_string(), h.runs.to_string()),
            ("designs", h0.designs.join(", "), h.designs.join(", ")),
        ];
        for (what, x, y) in checks {
            if x != y {
                return Err(MergeError::Differ {
                    what: FIELDS.iter().find(|w| **w == what).expect("a field"),
                    a: f0.clone(),
                    x,
                    b: f.clone(),
                    y,
                });
            }
        }
    }
    let mut order: Vec<usize> = (0..heads.len()).collect();
    order.sort_by_key(|&i| (heads[i].1.start, heads[i].1.end));
    let mut missing = vec![];
    let mut at = 0u64;
    let mut prev: Option<usize> = None;
    for &i in &order {
        let h = &heads[i].1;
        if h.start < at {
            let p = prev.expect("a previous shard ends after 0");
            return Err(MergeError::Overlap {
                a: heads[p].0.clone(),
                ra: (heads[p].1.start, heads[p].1.end),
                b: heads[i].0.clone(),
                rb: (h.start, h.end),
            });
        }
        if h.start > at {
            missing.push((at, h.start));
        }
        at = h.end;
        prev = Some(i);
    }
    if at < h0.runs {
        missing.push((at, h0.runs));
    }
    let have = h0.runs - missing.iter().map(|(s, e)| e - s).sum::<u64>();
    if !missing.is_empty() && !incomplete_ok {
        return Err(MergeError::Incomplete {
            have,
            runs: h0.runs,
            missing,
        });
    }
    Ok(Plan {
        order,
        missing,
        have,
    })
}

/// Folds one design's runs, partial result after partial result, in run order: the same
/// fold as the whole batch's.
pub struct DesignFold {
    pub folder: metrics::Folder,
    pub width: usize,
}

impl DesignFold {
    pub fn new(scenario: &Scenario) -> Self {
        let cat = metrics::Catalogue::for_scenario(scenario);
        DesignFold {
            width: cat.metrics.len(),
            folder: metrics::Folder::new(cat),
        }
    }

    /// Adds the histograms of this design of a partial result (`file`).
    pub fn add_histograms(&mut self, file: &Path, d: &DesignRows) -> Result<(), MergeError> {
        add_histogram(&mut self.folder.settle_delay_ms, &d.settle_delay_ms)
            .and_then(|_| add_histogram(&mut self.folder.auth_latency_us, &d.auth_latency_us))
            .map_err(|_| MergeError::Damaged {
                file: file.to_owned(),
                damage: Damage::Histogram {
                    design: d.name.clone(),
                },
            })
    }

    /// The batch of the runs folded (`runs` of them).
    pub fn finish(self, scenario: &Scenario, seed: u64, runs: u64) -> BatchResult {
        self.folder.finish(
            &scenario.name,
            seed,
            runs,
            crate::engine::time::as_secs_f64(crate::scenario::calendar::horizon(scenario)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_tile_the_runs() {
        for runs in [1u64, 2, 7, 10, 1000, 1_000_003] {
            for m in 1..=runs.min(9) {
                let mut at = 0;
                for k in 1..=m {
                    let r = Shard { k, m }.range(runs);
                    assert_eq!(r.start, at, "{k}/{m} of {runs}");
                    assert!(!r.is_empty(), "{k}/{m} of {runs} is empty");
                    assert!(r.end - r.start <= runs / m + 1);
                    at = r.end;
                }
                assert_eq!(at, runs);
            }
        }
        let big = Shard { k: 3, m: 3 }.range(u64::MAX);
        assert_eq!(big.end, u64::MAX);
    }

    #[test]
    fn shard_parsing_refuses_what_is_not_k_of_m() {
        assert_eq!(Shard::parse("2/8"), Ok(Shard { k: 2, m: 8 }));
        assert_eq!(Shard::parse("1/1"), Ok(Shard { k: 1, m: 1 }));
        for bad in ["0/3", "4/3", "3", "a/b", "1/0", "-1/3", "", "1/3/4"] {
            let e = Shard::parse(bad).unwrap_err();
            assert!(e.contains("K/M") && e.contains(bad), "{bad}: {e}");
        }
    }

    #[test]
    fn fnv1a_matches_its_reference_values() {
        // The FNV reference test vectors (Fowler, Noll, Vo).
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn rows_round_trip_bit_for_bit() {
        let vals = vec![
            Some(0.1 + 0.2),
            None,
            Some(1e-310),
            Some(-0.0),
            Some(123_456_789.123_456_78),
            Some(f64::MAX),
            Some(f64::INFINITY),
            Some(1.0 / 3.0),
        ];
        let back = decode_row(&encode_row(&vals), vals.len()).unwrap();
        for (a, b) in vals.iter().zip(&back) {
            assert_eq!(a.map(f64::to_bits), b.map(f64::to_bits));
        }
        assert!(decode_row("1,x", 2).is_err());
        assert!(decode_row("1,2", 3).is_err());
        assert_eq!(decode_row("", 1).unwrap(), vec![None]);
    }

    #[test]
    fn histograms_round_trip_and_add_exactly() {
        let mut a = metrics::settle_histogram();
        let mut b = metrics::settle_histogram();
        for (i, v) in [1u64, 7, 999, 1_000_003, 86_400_000, 3, 3]
            .iter()
            .enumerate()
        {
            if i % 2 == 0 {
                a.record(*v).unwrap();
            } else {
                b.record(*v).unwrap();
            }
        }
        let mut whole = a.clone();
        whole.add(&b).unwrap();
        let mut merged = metrics::settle_histogram();
        add_histogram(&mut merged, &encode_histogram(&a)).unwrap();
        add_histogram(&mut merged, &encode_histogram(&b)).unwrap();
        assert_eq!(encode_histogram(&merged), encode_histogram(&whole));
        for q in [0.0, 0.5, 0.9, 0.99, 1.0] {
            assert_eq!(merged.value_at_quantile(q), whole.value_at_quantile(q));
        }
        assert_eq!(
            (merged.len(), merged.min(), merged.max(), merged.mean()),
            (whole.len(), whole.min(), whole.max(), whole.mean())
        );
    }

    fn header(start: u64, end: u64, k: u64, m: u64) -> Header {
        let inputs = vec![Input {
            file: "x.toml".into(),
            text: "name = \"x\"".into(),
        }];
        Header {
            format: FORMAT,
            payfault_version: VERSION.into(),
            kind: Kind::Run,
            scenario_hash: input_hash(&inputs, None, &[]),
            inputs,
            variant: None,
            sets: vec![],
            allow_large: false,
            seed: 1,
            runs: 9,
            shard: Shard { k, m },
            start,
            end,
            designs: vec!["x".into()],
        }
    }

    #[test]
    fn plans_refuse_mixed_overlapping_or_incomplete_sets() {
        let f = |n: &str| PathBuf::from(n);
        let all = vec![
            (f("c"), header(6, 9, 3, 3)),
            (f("a"), header(0, 3, 1, 3)),
            (f("b"), header(3, 6, 2, 3)),
        ];
        let p = plan(&all, false).unwrap();
        assert_eq!((p.order, p.missing, p.have), (vec![1, 2, 0], vec![], 9));
        // Missing the middle shard.
        let gap = vec![all[0].clone(), all[1].clone()];
        let e = plan(&gap, false).unwrap_err();
        assert_eq!(
            e,
            MergeError::Incomplete {
                have: 6,
                runs: 9,
                missing: vec![(3, 6)]
            }
        );
        assert!(
            e.message(Lang::En).contains("3–5"),
            "{}",
            e.message(Lang::En)
        );
        let p = plan(&gap, true).unwrap();
        assert_eq!((p.missing, p.have), (vec![(3, 6)], 6));
        // Overlap: shard 1 of 2 (runs 0–3) with shard 1 of 3.
        let over = vec![all[1].clone(), (f("d"), header(0, 4, 1, 2))];
        assert!(matches!(
            plan(&over, false),
            Err(MergeError::Overlap { .. })
        ));
        // A different seed.
        let mut other = header(3, 6, 2, 3);
        other.seed = 2;
        let e = plan(&[all[1].clone(), (f("e"), other)], false).unwrap_err();
        assert!(matches!(e, MergeError::Differ { what: "seed", .. }));
        for lang in Lang::ALL {
            assert!(e.message(lang).contains('e'));
        }
    }

    #[test]
    fn every_merge_message_exists_in_both_languages() {
        for lang in Lang::ALL {
            for w in FIELDS {
                let key = format!("merge.field.{w}");
                assert!(lang.has(&key), "{key} missing in {lang:?}");
            }
        }
    }
}

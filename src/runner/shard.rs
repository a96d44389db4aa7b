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
//! order through the same code as the whole batch (`metrics::Folder`, `metrics::comparison::Differ`): the
//! summaries are order-sensitive floating-point folds, so combining partial summaries would
//! not give the same bytes, while refolding the rows does. Histograms add exactly.

mod check;
mod codec;
mod error;
mod merge;
mod read;
#[cfg(test)]
mod tests;
mod write;

pub use check::{MAX_COUNT, MAX_HISTOGRAM_TOTAL, RowCheck, check_buckets};
pub use codec::{add_histogram, decode_row, encode_histogram, encode_row};
pub use error::{Damage, FIELDS, MergeError, show_range, show_ranges};
pub use merge::{DesignFold, MissingShards, Plan, plan};
pub use read::{MAX_BYTES, partial_file, read_header, read_partial, row_of};
pub use write::shard_design;

use serde::{Deserialize, Serialize};
use std::ops::Range;

/// The version of the partial result format this payfault writes and reads (2: with the
/// content's checksum).
pub const FORMAT: u32 = 2;

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
    /// `--objective` of compare and sweep (`METRIC:min` or `METRIC:max`), when it is not the
    /// default: the verdict the merge makes is on it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub objective: Option<String>,
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
    /// [`checksum`] of the header and the designs: hex FNV-1a 64.
    pub checksum: String,
}

impl Partial {
    /// A partial result with the checksum of its content.
    pub fn new(header: Header, designs: Vec<DesignRows>) -> Self {
        let checksum = checksum(&header, &designs);
        Partial {
            header,
            designs,
            checksum,
        }
    }
}

/// The checksum of a partial result's content: FNV-1a 64 (hex) of the JSON of its header and
/// designs, as this payfault writes them. It catches accidental damage (a changed digit, a
/// cut file) and naive edits, not someone who recomputes it: it has no key.
pub fn checksum(header: &Header, designs: &[DesignRows]) -> String {
    #[derive(Serialize)]
    struct Content<'a> {
        header: &'a Header,
        designs: &'a [DesignRows],
    }
    struct Fnv(u64);
    impl std::io::Write for Fnv {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            for &b in buf {
                self.0 ^= b as u64;
                self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
            }
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut h = Fnv(fnv1a64(b""));
    serde_json::to_writer(&mut h, &Content { header, designs }).expect("a partial serialises");
    format!("{:016x}", h.0)
}

/// The hash that says two partial results ran the same scenario(s): FNV-1a 64 of the texts,
/// the variant, the sweep's settings and the objective of the verdict (not of the files'
/// names, which may differ between machines), in hex.
pub fn input_hash(
    inputs: &[Input],
    variant: Option<&str>,
    sets: &[String],
    objective: Option<&str>,
) -> String {
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
    if let Some(o) = objective {
        add(b"objective", o);
    }
    format!("{:016x}", fnv1a64(&bytes))
}

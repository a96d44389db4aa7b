//! Planning a merge of partial results and refolding their runs in order.

use super::check::{RowCheck, check_buckets};
use super::codec::add_histogram;
use super::error::{Damage, FIELDS, MergeError};
use super::{DesignRows, Header};
use crate::metrics::{self, BatchResult};
use crate::scenario::Scenario;
use std::path::{Path, PathBuf};

/// Which partial results to fold, in run order, and what they lack.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Indices into the headers, by their first run.
    pub order: Vec<usize>,
    /// The run ranges no partial result holds.
    pub missing: Vec<(u64, u64)>,
    /// The runs held.
    pub have: u64,
    /// The shards to run again when every partial result is of one split (`--shard K/M`
    /// with the same M): M and the missing K, counted from 1. `None` when the partial
    /// results are of different splits (then only the missing runs can be named).
    pub shards: Option<MissingShards>,
}

/// The shards of one split `--shard K/M` that hold the missing runs.
#[derive(Debug, Clone, PartialEq)]
pub struct MissingShards {
    pub m: u64,
    /// The missing K, increasing.
    pub ks: Vec<u64>,
}

impl MissingShards {
    /// The shards of `m` (of `runs` runs) whose runs are in the `missing` ranges.
    pub fn of(m: u64, runs: u64, missing: &[(u64, u64)]) -> Self {
        let ks = (1..=m)
            .filter(|&k| {
                let r = super::Shard { k, m }.range(runs);
                missing.iter().any(|&(s, e)| r.start < e && s < r.end)
            })
            .collect();
        MissingShards { m, ks }
    }

    /// The missing K in Slurm's `--array` syntax: `2,5-7` (also read by people).
    pub fn array(&self) -> String {
        let mut parts = vec![];
        let mut i = 0;
        while i < self.ks.len() {
            let mut j = i;
            while j + 1 < self.ks.len() && self.ks[j + 1] == self.ks[j] + 1 {
                j += 1;
            }
            parts.push(if j == i {
                self.ks[i].to_string()
            } else {
                format!("{}-{}", self.ks[i], self.ks[j])
            });
            i = j + 1;
        }
        parts.join(",")
    }
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
    let one_split = heads.iter().all(|(_, h)| h.shard.m == h0.shard.m);
    let shards = one_split.then(|| MissingShards::of(h0.shard.m, h0.runs, &missing));
    if !missing.is_empty() && !incomplete_ok {
        return Err(MergeError::Incomplete {
            have,
            runs: h0.runs,
            missing,
            shards,
        });
    }
    Ok(Plan {
        order,
        missing,
        have,
        shards,
    })
}

/// Folds one design's runs, partial result after partial result, in run order: the same
/// fold as the whole batch's.
pub struct DesignFold {
    pub folder: metrics::Folder,
    pub width: usize,
    /// What the design's rows may hold.
    pub check: RowCheck,
}

impl DesignFold {
    pub fn new(scenario: &Scenario) -> Self {
        let cat = metrics::Catalogue::for_scenario(scenario);
        DesignFold {
            width: cat.metrics.len(),
            check: RowCheck::new(&cat),
            folder: metrics::Folder::new(cat),
        }
    }

    /// Adds the histograms of this design of a partial result (`file`).
    /// Their buckets are checked first: values increasing, counts from 1, and no total
    /// reaching 2^53 (so no count overflows when the shards' buckets are added).
    pub fn add_histograms(&mut self, file: &Path, d: &DesignRows) -> Result<(), MergeError> {
        let f = &mut self.folder;
        check_buckets(&d.settle_delay_ms, f.settle_delay_ms.len())
            .and_then(|_| check_buckets(&d.auth_latency_us, f.auth_latency_us.len()))
            .and_then(|_| add_histogram(&mut f.settle_delay_ms, &d.settle_delay_ms))
            .and_then(|_| add_histogram(&mut f.auth_latency_us, &d.auth_latency_us))
            .map_err(|detail| MergeError::Damaged {
                file: file.to_owned(),
                damage: Damage::Histogram {
                    design: d.name.clone(),
                    detail,
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

//! Reading partial results and checking that they agree with themselves.

use super::codec::decode_row;
use super::error::{Damage, MergeError};
use super::{FILE, FORMAT, Header, Partial, input_hash};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// Only the header of a partial result (its rows are skipped, not kept).
#[derive(Deserialize)]
struct HeadOnly {
    header: Header,
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
    let hash = input_hash(
        &h.inputs,
        h.variant.as_deref(),
        &h.sets,
        h.objective.as_deref(),
    );
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

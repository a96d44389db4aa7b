//! Reading partial results and checking that they agree with themselves.

use super::check::RowCheck;
use super::codec::decode_row;
use super::error::{Damage, MergeError};
use super::{FILE, FORMAT, Header, Partial, checksum, input_hash};
use serde::Deserialize;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The largest partial result read (2 GiB): a larger file is refused before it is loaded.
pub const MAX_BYTES: u64 = 2 << 30;

/// The bytes of `file`, at most [`MAX_BYTES`] of them (a larger file, or a stream that goes on,
/// is refused, not loaded).
fn read_bounded(file: &Path) -> Result<Vec<u8>, MergeError> {
    let too_large = || {
        unreadable(
            file,
            format!("it is larger than {MAX_BYTES} bytes, the most a partial result may be"),
        )
    };
    let f = std::fs::File::open(file).map_err(|e| unreadable(file, e))?;
    if f.metadata().is_ok_and(|m| m.len() > MAX_BYTES) {
        return Err(too_large());
    }
    let mut bytes = vec![];
    f.take(MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| unreadable(file, e))?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(too_large());
    }
    Ok(bytes)
}

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
    let bytes = read_bounded(file)?;
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

/// Reads a whole partial result and checks its checksum, and that its rows fit its header and
/// `catalogues` (the metric names of each design, as this payfault derives them from the
/// scenario).
pub fn read_partial(file: &Path, catalogues: &[Vec<String>]) -> Result<Partial, MergeError> {
    let bytes = read_bounded(file)?;
    let p: Partial = serde_json::from_slice(&bytes).map_err(|e| unreadable(file, e))?;
    drop(bytes);
    let damaged = |damage: Damage| MergeError::Damaged {
        file: file.to_owned(),
        damage,
    };
    let sum = checksum(&p.header, &p.designs);
    if sum != p.checksum {
        return Err(damaged(Damage::Checksum {
            found: sum,
            recorded: p.checksum.clone(),
        }));
    }
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
/// [`read_partial`] (`file` names it in errors), and checks its values with `check` (the
/// design's). Rows are decoded one at a time, so a merge holds a shard's text, not its values.
pub fn row_of(
    file: &Path,
    p: &Partial,
    (k, i): (usize, usize),
    check: &RowCheck,
) -> Result<Vec<Option<f64>>, MergeError> {
    let d = &p.designs[k];
    let run = p.header.start + i as u64;
    let damaged = |damage: Damage| MergeError::Damaged {
        file: file.to_owned(),
        damage,
    };
    let row = decode_row(&d.rows[i], d.metrics.len()).map_err(|_| {
        damaged(Damage::Row {
            design: d.name.clone(),
            run,
        })
    })?;
    check.check(&row).map_err(|detail| {
        damaged(Damage::Value {
            design: d.name.clone(),
            run,
            detail,
        })
    })?;
    Ok(row)
}

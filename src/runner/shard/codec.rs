//! Metric rows and histograms as text: encoded exactly, read back exactly.

use hdrhistogram::Histogram;

/// A row of metric values as text (see [`DesignRows::rows`](super::DesignRows::rows)).
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

//! What a partial result's numbers may be: every value in its unit's range, and the relations
//! every run keeps between its counts (see `tests/properties/`,
//! `random_scenarios_keep_every_invariant`). A row that breaks one was not written by a run.

use crate::metrics::{Catalogue, Outcome, Unit};

/// The largest count a row may hold: below 2^53, every whole number is exact in an `f64`.
pub const MAX_COUNT: f64 = 9_007_199_254_740_992.0;

/// The largest total a histogram may reach over a merge (as for counts: exact in an `f64`,
/// and far from `u64` overflow when buckets are added).
pub const MAX_HISTOGRAM_TOTAL: u64 = 1 << 53;

/// The checks of one design's rows, built from its catalogue.
#[derive(Clone, Debug)]
pub struct RowCheck {
    names: Vec<String>,
    units: Vec<Unit>,
    /// The outcome counts, `payments`, `retry_attempts`, `attempts_without_outcome`.
    outcomes: Vec<usize>,
    payments: Option<usize>,
    retries: Option<usize>,
    without: Option<usize>,
    /// (at most, at least): a count that never exceeds another.
    bounded: Vec<(usize, usize)>,
    /// (share, numerator, denominators): a share that is its numerator over their sum.
    shares: Vec<(usize, usize, Vec<usize>)>,
}

impl RowCheck {
    pub fn new(cat: &Catalogue) -> Self {
        let at = |n: &str| cat.position(n);
        let pair = |a: &str, b: &str| Some((at(a)?, at(b)?));
        let share = |s: &str, num: &str, den: &[&str]| {
            let d: Option<Vec<usize>> = den.iter().map(|n| at(n)).collect();
            Some((at(s)?, at(num)?, d?))
        };
        RowCheck {
            names: cat.names(),
            units: cat.metrics.iter().map(|m| m.unit).collect(),
            outcomes: Outcome::ALL.iter().filter_map(|o| at(o.metric())).collect(),
            payments: at("payments"),
            retries: at("retry_attempts"),
            without: at("attempts_without_outcome"),
            bounded: [
                pair("duplicate_charges", "payments"),
                pair("false_declines", "declined"),
                pair("payouts_returned", "payouts"),
            ]
            .into_iter()
            .flatten()
            .collect(),
            shares: [
                share(
                    "settled_on_time_ratio",
                    "settled_on_time",
                    &["settled_on_time", "settled_late"],
                ),
                share("payout_return_share", "payouts_returned", &["payouts"]),
                share(
                    "settled_on_time_share",
                    "settled_on_time",
                    &crate::metrics::catalogue::ALL_OUTCOMES,
                ),
            ]
            .into_iter()
            .flatten()
            .collect(),
        }
    }

    /// The first thing wrong with `row` (the metric and why), if any.
    pub fn check(&self, row: &[Option<f64>]) -> Result<(), String> {
        for ((v, unit), name) in row.iter().zip(&self.units).zip(&self.names) {
            let Some(x) = *v else { continue };
            let why = if !x.is_finite() {
                Some("is not a finite number")
            } else {
                match unit {
                    Unit::Count if !(0.0..MAX_COUNT).contains(&x) || x.fract() != 0.0 => {
                        Some("is not a count (a whole number from 0 to below 2^53)")
                    }
                    Unit::Ratio if !(0.0..=1.0).contains(&x) => Some("is not a share in [0, 1]"),
                    Unit::Seconds | Unit::Millis if x < 0.0 => Some("is a negative duration"),
                    _ => None,
                }
            };
            if let Some(why) = why {
                return Err(format!("metric {name} = {x} {why}"));
            }
        }
        let get = |i: usize| row.get(i).copied().flatten();
        let count = |i: Option<usize>| i.map_or(Some(0.0), get);
        // Each payment and retried attempt ends in one outcome, or in none (counted apart).
        if let (Some(p), Some(r), Some(w)) = (
            count(self.payments),
            count(self.retries),
            count(self.without),
        ) && self.payments.is_some()
        {
            let outcomes: Option<f64> = self.outcomes.iter().map(|&i| get(i)).sum();
            if let Some(o) = outcomes
                && o + w != p + r
            {
                return Err(format!(
                    "the outcome counts ({o}) plus attempts_without_outcome ({w}) are not \
                     payments ({p}) plus retry_attempts ({r})"
                ));
            }
        }
        for &(a, b) in &self.bounded {
            if let (Some(x), Some(y)) = (get(a), get(b))
                && x > y
            {
                return Err(format!(
                    "metric {} = {x} exceeds {} = {y}",
                    self.names[a], self.names[b]
                ));
            }
        }
        for (s, num, den) in &self.shares {
            let n = get(*num).unwrap_or(0.0);
            let d: f64 = den.iter().map(|&i| get(i).unwrap_or(0.0)).sum();
            let expected = (d > 0.0).then(|| n / d);
            if get(*s).map(f64::to_bits) != expected.map(f64::to_bits) {
                let show = |v: Option<f64>| v.map_or("undefined".to_owned(), |x| x.to_string());
                return Err(format!(
                    "metric {} = {} is not {} over its denominator ({})",
                    self.names[*s],
                    show(get(*s)),
                    self.names[*num],
                    show(expected)
                ));
            }
        }
        Ok(())
    }
}

/// Checks encoded histogram buckets before they are added to a histogram holding `total`
/// counts: values strictly increasing, counts from 1, the new total below
/// [`MAX_HISTOGRAM_TOTAL`]; returns the new total.
pub fn check_buckets(buckets: &[[u64; 2]], total: u64) -> Result<u64, String> {
    let mut sum = total;
    let mut last: Option<u64> = None;
    for &[v, n] in buckets {
        if last.is_some_and(|l| v <= l) {
            return Err(format!("bucket {v} is not above the previous one"));
        }
        last = Some(v);
        if n == 0 {
            return Err(format!("bucket {v} has a count of 0"));
        }
        sum = sum
            .checked_add(n)
            .filter(|s| *s < MAX_HISTOGRAM_TOTAL)
            .ok_or_else(|| format!("bucket {v} has a count of {n}: the total passes 2^53"))?;
    }
    Ok(sum)
}

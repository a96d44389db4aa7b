//! The promise a payout product makes to the merchant: by when a payout counts as on time.
//! Merchants judge it by the day, not to the minute: T+1 is kept by a credit at any time of
//! the promised business day, unless the promise names an earlier deadline that day.
//!
//! Written in `[payout] promise` (the payout with the settlement) and `[payout] d0_promise`
//! (the D+0 advance) as:
//!
//! - `"T+N"`: by the end (24:00) of the N-th business day after the sale's cut-off day;
//! - `"D+N"`: by the end of the N-th calendar day after the day of the sale;
//! - either followed by a time of day, the deadline on that day: `"T+1 18:00"`, `"D+0 22:00"`;
//! - `"D+0"` followed by a duration, within that long after the sale: `"D+0 2h"`.
//!
//! The deadline arithmetic needs the settlement calendar (`Calendar::promised_by`, which keeps
//! a per-day table of these deadlines so that the judgement of a payout is a lookup).

use super::calendar::Calendar;
use super::postauth::time_of_day;
use super::units::{parse_duration, parse_time_of_day};
use crate::engine::{DAY, HOUR, MINUTE, Nanos, SECOND};
use std::fmt;

/// The largest N of "T+N" and "D+N" (as for `settlement.promise_days`).
pub const MAX_PROMISE_DAYS: u32 = 30;

/// What is accepted, for error messages.
pub const PROMISE_HELP: &str = "expected \"T+N\" (by the end of the N-th business day after \
     the sale's cut-off day) or \"D+N\" (by the end of the N-th calendar day after the sale), \
     N from 0 to 30, optionally followed by a deadline time of day on that day (\"T+1 18:00\"; \
     the default is 24:00, the end of the day), or \"D+0\" followed by a duration after the \
     sale (\"D+0 2h\")";

/// By when a payout keeps the promise made for a sale.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Promise {
    /// T+N: `days` business days after the sale's cut-off day, by time of day `by` (`DAY`:
    /// the end of the day).
    Business { days: u32, by: Nanos },
    /// D+N: `days` calendar days after the day of the sale, by time of day `by` (`DAY`: the
    /// end of the day).
    Natural { days: u32, by: Nanos },
    /// D+0 within this long after the sale.
    Within(Nanos),
}

impl Default for Promise {
    /// T+1 by the end of the day.
    fn default() -> Self {
        Promise::Business { days: 1, by: DAY }
    }
}

impl Promise {
    /// Whether the deadline depends only on the day of the sale and on which side of one
    /// time of day the sale falls (all but `Within`): it can then be looked up in a per-day
    /// table, and sales with the same deadline can be counted together.
    pub fn is_daily(self) -> bool {
        !matches!(self, Promise::Within(_))
    }

    /// The latest credit that keeps the promise for a sale at `t`.
    ///
    /// - T+N: the day N business days after the sale's cut-off day, at `by`. A deadline that
    ///   would not be after the cut-off itself (T+0 by a time before the cut-off) moves on to
    ///   the next business day, as a credit does (`Calendar::credit_at`).
    /// - D+N: the day of the sale plus N days, at `by`. A deadline not after the sale (a D+0
    ///   sale at or after `by`) moves on to the same time the next day.
    /// - Within: `t` plus the duration.
    pub fn deadline(self, cal: &Calendar, t: Nanos) -> Nanos {
        match self {
            Promise::Business { days, by } => {
                let cut = cal.cutoff_day(t);
                let mut day = cal.add_business_days(cut, days);
                if day * DAY + by <= cal.cutoff_at(cut) {
                    day = cal.add_business_days(day, 1);
                }
                day * DAY + by
            }
            Promise::Natural { days, by } => {
                let at = (t / DAY + days as u64) * DAY + by;
                if at <= t { at + DAY } else { at }
            }
            Promise::Within(d) => t.saturating_add(d),
        }
    }

    /// The time of day that splits a day's sales into two deadlines (those before it, and
    /// those at or after it): the cut-off for T+N, the deadline time for D+N (`DAY`, none,
    /// for the end of the day). Unused for `Within`.
    pub fn split(self, cutoff: Nanos) -> Nanos {
        match self {
            Promise::Business { .. } => cutoff,
            Promise::Natural { by, .. } => by,
            Promise::Within(_) => DAY,
        }
    }
}

/// A duration as a scenario writes it, e.g. "2h", "1h30m", "90s" (whole seconds; a
/// remainder in milliseconds is written "ms").
fn duration(d: Nanos) -> String {
    let mut out = String::new();
    let parts = [(HOUR, "h"), (MINUTE, "m"), (SECOND, "s"), (1_000_000, "ms")];
    let mut rest = d;
    for (unit, name) in parts {
        if rest >= unit {
            out.push_str(&format!("{}{name}", rest / unit));
            rest %= unit;
        }
    }
    if out.is_empty() {
        out.push_str("0s");
    }
    out
}

impl fmt::Display for Promise {
    /// The canonical text, which parses back to the same promise: "T+1", "T+1 18:00",
    /// "D+0 2h".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (kind, days, by) = match *self {
            Promise::Business { days, by } => ('T', days, by),
            Promise::Natural { days, by } => ('D', days, by),
            Promise::Within(d) => return write!(f, "D+0 {}", duration(d)),
        };
        if by == DAY {
            write!(f, "{kind}+{days}")
        } else {
            write!(f, "{kind}+{days} {}", time_of_day(by))
        }
    }
}

/// Parses a promise (see the module's documentation). Case and spaces around the parts do
/// not matter.
pub fn parse_promise(input: &str) -> Result<Promise, String> {
    let bad = |why: &str| format!("invalid promise \"{input}\": {why}; {PROMISE_HELP}");
    let parts: Vec<&str> = input.split_whitespace().collect();
    let (head, tail) = match parts[..] {
        [h] => (h, None),
        [h, t] => (h, Some(t)),
        [] => return Err(bad("it is empty")),
        _ => return Err(bad("too many parts")),
    };
    let head = head.to_ascii_uppercase();
    let (business, n) = if let Some(n) = head.strip_prefix("T+") {
        (true, n)
    } else if let Some(n) = head.strip_prefix("D+") {
        (false, n)
    } else {
        return Err(bad("it must start with \"T+\" or \"D+\""));
    };
    if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad(&format!("\"{n}\" is not a number of days")));
    }
    let days = match n.parse::<u64>() {
        Ok(d) if d <= MAX_PROMISE_DAYS as u64 => d as u32,
        _ => return Err(bad(&format!("{n} days is above the limit of 30"))),
    };
    let by = match tail {
        None => DAY,
        Some("24:00") => DAY,
        Some(t) if t.contains(':') => parse_time_of_day(t).map_err(|e| bad(&e))?,
        Some(t) => {
            if business || days != 0 {
                let kind = if business { 'T' } else { 'D' };
                return Err(bad(&format!(
                    "after \"{kind}+{days}\" comes a deadline time of day \"HH:MM\" (e.g. \
                     \"{kind}+{days} 18:00\"), got \"{t}\"; a duration after the sale goes with \
                     \"D+0\" only"
                )));
            }
            let d = parse_duration(t).map_err(|e| bad(&e))?;
            if d == 0 || d > DAY {
                return Err(bad(&format!(
                    "\"{t}\" after the sale must be longer than zero and at most 24h (for a \
                     later promise use \"D+1\" or \"T+1\")"
                )));
            }
            return Ok(Promise::Within(d));
        }
    };
    Ok(if business {
        Promise::Business { days, by }
    } else {
        Promise::Natural { days, by }
    })
}

#[cfg(test)]
mod tests;

//! The settlement calendar: business days (weekdays, holidays and extra business days),
//! clearing cut-offs, T+N credit dates, the deadlines of the promises made to merchants, and
//! the default end of observation.

use super::check::Ctx;
use super::promise::Promise;
use super::raw::RawSettlement;
use super::units::Date;
use crate::engine::{DAY, HOUR, Nanos};
use crate::scenario::{Scenario, ScenarioError, SettlementSpec};
use toml::Spanned;

/// The most days of sale a promise's deadline table covers (beyond them, a deadline is
/// computed when asked).
const MAX_TABLE_DAYS: u64 = 4000;

/// A promise and its deadlines by day of sale: each day splits at one time of day into the
/// sales before it and those at or after it (`Promise::split`), and each half has one
/// deadline. Empty until `Calendar::tabled` fills it, and always for a `Within` promise.
#[derive(Clone, Debug, Default)]
struct Deadlines {
    promise: Promise,
    split: Nanos,
    days: Vec<[Nanos; 2]>,
}

#[derive(Clone, Debug)]
pub struct Calendar {
    spec: SettlementSpec,
    start_weekday: u8,
    /// The promise of the payout with the settlement (`payout.promise`).
    promise: Deadlines,
    /// The promise of the D+0 advance (`payout.d0_promise`).
    d0_promise: Deadlines,
}

impl Calendar {
    /// The calendar of `spec`, with the default promises (T+1 and D+0, by the end of the day).
    pub fn new(spec: &SettlementSpec, start_weekday: u8) -> Self {
        let d0 = Promise::Natural { days: 0, by: DAY };
        Calendar {
            spec: spec.clone(),
            start_weekday,
            promise: Deadlines::default(),
            d0_promise: Deadlines {
                promise: d0,
                ..Deadlines::default()
            },
        }
    }

    /// The calendar of a scenario, with its payout promises.
    pub fn of(s: &Scenario) -> Self {
        Calendar::new(&s.settlement, s.start_weekday)
            .promising(s.payout.promise, s.payout.d0_promise)
    }

    /// The same calendar with other promises (their tables emptied).
    pub fn promising(mut self, promise: Promise, d0_promise: Promise) -> Self {
        self.promise = Deadlines {
            promise,
            ..Deadlines::default()
        };
        self.d0_promise = Deadlines {
            promise: d0_promise,
            ..Deadlines::default()
        };
        self
    }

    /// The same calendar with the deadlines of its promises precomputed for sales on days
    /// `0..days` (at most `MAX_TABLE_DAYS`), so that judging a payout is a lookup.
    pub fn tabled(mut self, days: u64) -> Self {
        let days = days.min(MAX_TABLE_DAYS);
        for which in [false, true] {
            let d = if which {
                &self.d0_promise
            } else {
                &self.promise
            };
            let p = d.promise;
            if !p.is_daily() {
                continue;
            }
            let split = p.split(self.spec.cutoff);
            // A day's deadline before the split, and at or after it (the latter only read
            // when the split is within the day).
            let table: Vec<[Nanos; 2]> = (0..days)
                .map(|day| {
                    let t = day * DAY;
                    [
                        p.deadline(&self, t),
                        p.deadline(&self, t + split.min(DAY - 1)),
                    ]
                })
                .collect();
            let d = if which {
                &mut self.d0_promise
            } else {
                &mut self.promise
            };
            d.split = split;
            d.days = table;
        }
        self
    }

    /// The promise of the payout with the settlement, and the D+0 advance's.
    pub fn promises(&self) -> (Promise, Promise) {
        (self.promise.promise, self.d0_promise.promise)
    }

    fn lookup(&self, d: &Deadlines, t: Nanos) -> Nanos {
        match d.days.get((t / DAY) as usize) {
            Some(both) => both[usize::from(t % DAY >= d.split)],
            None => d.promise.deadline(self, t),
        }
    }

    /// The latest credit that keeps the promise of the payout with the settlement
    /// (`payout.promise`) for a sale at `t`.
    pub fn promised_by(&self, t: Nanos) -> Nanos {
        self.lookup(&self.promise, t)
    }

    /// The latest credit that keeps the promise of the D+0 advance (`payout.d0_promise`) for
    /// a sale at `t`.
    pub fn d0_promised_by(&self, t: Nanos) -> Nanos {
        self.lookup(&self.d0_promise, t)
    }

    /// Whether `day` (counted from day 0) has a cut-off and credits: its weekday is a business
    /// day and it is not a holiday, or it is an extra business day.
    pub fn is_business_day(&self, day: u64) -> bool {
        let weekday = ((self.start_weekday as u64 + day) % 7) as usize;
        (self.spec.business_days[weekday] && self.spec.holidays.binary_search(&day).is_err())
            || self.spec.extra_business_days.binary_search(&day).is_ok()
    }

    /// The business day `n` business days after `day` (n = 0: `day` itself).
    pub fn add_business_days(&self, mut day: u64, n: u32) -> u64 {
        for _ in 0..n {
            day += 1;
            while !self.is_business_day(day) {
                day += 1;
            }
        }
        day
    }

    /// The day whose clearing cut-off is the first one at or after `t` (a sale exactly at the
    /// cut-off misses it).
    pub fn cutoff_day(&self, t: Nanos) -> u64 {
        let mut day = t / DAY;
        if t % DAY >= self.spec.cutoff || !self.is_business_day(day) {
            day += 1;
        }
        while !self.is_business_day(day) {
            day += 1;
        }
        day
    }

    /// The instant of the cut-off of `day`.
    pub fn cutoff_at(&self, day: u64) -> Nanos {
        day * DAY + self.spec.cutoff
    }

    /// When the batch cut on `cutoff_day` is credited, `lag` business days later. A credit time
    /// that would fall before the cut-off itself moves to the next business day.
    pub fn credit_at(&self, cutoff_day: u64, lag: u32) -> Nanos {
        let mut day = self.add_business_days(cutoff_day, lag);
        if day * DAY + self.spec.credit_time <= self.cutoff_at(cutoff_day) {
            day = self.add_business_days(day, 1);
        }
        day * DAY + self.spec.credit_time
    }

    /// Whether the settlement bank works on `day`.
    pub fn bank_up(&self, day: u64) -> bool {
        self.spec.bank_down.binary_search(&day).is_err()
    }

    /// When the batch cut on `cutoff_day` is really credited: `credit_at`, moved on to the next
    /// business day while the settlement bank is down that day.
    pub fn settlement_at(&self, cutoff_day: u64, lag: u32) -> Nanos {
        let mut at = self.credit_at(cutoff_day, lag);
        while !self.bank_up(at / DAY) {
            let day = self.add_business_days(at / DAY, 1);
            at = day * DAY + self.spec.credit_time;
        }
        at
    }

    /// The normal credit time of a sale at `t`.
    pub fn normal_settlement(&self, t: Nanos) -> Nanos {
        self.credit_at(self.cutoff_day(t), self.spec.lag_days)
    }
}

/// The end of observation: the scenario's, or by default an hour after the latest of these, so
/// that nothing in the normal cycle is left pending:
///
/// - the settlement of the latest sale that can still be cleared (its timeout, reversal retries
///   and review included). When clearing files can be late or rejected (`file_reject_share` or
///   `file_late_share` above 0, or any `file_rejected` date), from the next business day's
///   cut-off, and on again while that day's file is one of the `file_rejected`. Then, in turn:
///   plus `correction_delay` when account details can be wrong (`wrong_account_share` > 0),
///   and the 99.9th percentile of `return_delay` if set, plus the longest `bank_maintenance` window,
///   plus `payout.channel`'s longest payout (`max_orders` times the latency's 99.9th
///   percentile and the inquiry interval or resend delay) when set, plus the merchant-risk
///   review (the 99.9th
///   percentile of `review_time`) when enabled, plus one reconciliation cycle after the last
///   settlement (`interval + detection_delay + repair_time`) when enabled;
/// - the expiry of the host's stored reversals of the last sales (`saf.expiry`);
/// - the expiry of the stand-in advices of the last sales (each stand-in channel's
///   `issuer_timeout + advice_expiry` after the last sale's terminal timeout);
/// - the deadline of the promise made for the last sale of the traffic window (`payout.promise`,
///   and `payout.d0_promise` under D+0), so that a payout not made by then is judged late or
///   not arrived, not pending.
///
/// With pre-authorisations (`[transactions] preauth_share`), the last sale is taken to be a
/// completion the longest issuer `hold_expiry` after the end of the traffic window.
///
/// With `[disputes]`, observation goes on after that for the disputes of the last credits: the
/// time limit, the retrieval request's deadline and the representment's decision
/// (`DisputesSpec::longest`); [`cycle_end`] is the end without them (the charts' span).
pub fn horizon(s: &Scenario) -> Nanos {
    let end = cycle_end(s);
    match &s.disputes {
        Some(d) if s.observation.is_none() => end.saturating_add(d.longest()),
        _ => end,
    }
}

/// The end of the normal cycle of payments: the scenario's observation, or the automatic
/// horizon without the disputes' tail (see [`horizon`]).
pub fn cycle_end(s: &Scenario) -> Nanos {
    if let Some(o) = s.observation {
        return o;
    }
    let cal = Calendar::of(s);
    // With pre-authorisations the last sale is a completion, as late as the longest hold after
    // the last pre-authorisation.
    let preauth_hold = match &s.transactions {
        Some(t) if t.preauth_share > 0.0 => s.issuers.iter().map(|i| i.hold_expiry).max(),
        _ => None,
    }
    .unwrap_or(0);
    let mut extra = s.strategy.terminal_timeout + HOUR + preauth_hold;
    let mut reversals = 0;
    if let Some(r) = &s.strategy.reversal {
        reversals = r.interval * r.attempts as u64;
        extra += reversals;
    }
    if let Some(r) = s
        .risk
        .as_ref()
        .filter(|r| r.action == crate::scenario::RiskAction::Review)
    {
        extra += r.review_delay;
    }
    let mut last = cal.cutoff_day(s.traffic_window + extra);
    let st = &s.settlement;
    if st.file_reject_share > 0.0 || st.file_late_share > 0.0 || !st.file_rejected.is_empty() {
        // A late or rejected file goes with the next business day's.
        last = cal.add_business_days(last, 1);
        while st.file_rejected.binary_search(&last).is_ok() {
            last = cal.add_business_days(last, 1);
        }
    }
    let mut end = cal.settlement_at(last, s.settlement.lag_days);
    if s.payout.wrong_account_share > 0.0 {
        // A returned payout is paid again once the merchant has corrected the details, after
        // it came back (its 99.9th percentile return delay).
        end = end.saturating_add(s.payout.correction_delay);
        if let Some(d) = &s.payout.return_delay {
            end = end.saturating_add(d.quantile_ns(0.999));
        }
    }
    // A payout due inside a maintenance window waits for its end.
    let window_len = |&(a, b): &(Nanos, Nanos)| if b > a { b - a } else { b + DAY - a };
    let maintenance = s.payout.bank_maintenance.iter().map(window_len).max();
    end = end.saturating_add(maintenance.unwrap_or(0));
    if let Some(c) = &s.payout.channel {
        // Every order of a payout waits for its final status and then for the acquirer to
        // learn it (an inquiry, or the resend delay).
        end = end.saturating_add(c.longest());
    }
    if let Some(m) = &s.merchant_risk {
        end = end.saturating_add(m.review_time.quantile_ns(0.999));
    }
    if let Some(r) = &s.reconciliation {
        end = end.saturating_add(r.interval + r.detection_delay + r.repair_time);
    }
    let last_sale = s.traffic_window + s.strategy.terminal_timeout;
    if let Some(saf) = &s.strategy.saf {
        // The host's stored reversals of the last sales run until they expire.
        end = end.max(last_sale + reversals + saf.expiry);
    }
    for c in &s.channels {
        if let Some(si) = &c.stand_in {
            // The advices of the last stand-in approvals are repeated until they expire.
            end = end.max(last_sale + c.issuer_timeout.unwrap_or(0) + si.advice_expiry);
        }
    }
    // Every promise of the traffic window has come due (deadlines never fall as sales get
    // later, so the last sale's is the latest).
    let t = s.traffic_window.saturating_sub(1) + preauth_hold;
    end = end.max(cal.promised_by(t));
    if s.payout.schedule.advances() {
        end = end.max(cal.d0_promised_by(t));
    }
    end.saturating_add(HOUR)
}

/// A list of dates of `[settlement]` (`field` names it) as sorted, distinct day indices from
/// day 0; dates before day 0 are dropped. A non-empty list needs `simulation.start_date`.
pub(super) fn day_indices(
    cx: &Ctx,
    dates: &Spanned<Vec<Spanned<Date>>>,
    field: &str,
    start_date: Option<i64>,
) -> Result<Vec<u64>, ScenarioError> {
    let Some(start) = start_date else {
        if dates.get_ref().is_empty() {
            return Ok(vec![]);
        }
        return Err(cx.err(
            dates.span(),
            field,
            format!(
                "{field} lists calendar dates, and placing them on the simulated days needs \
                 simulation.start_date, the date of day 0 (e.g. start_date = \"2026-09-30\" \
                 under [simulation])"
            ),
        ));
    };
    let mut v: Vec<u64> = dates
        .get_ref()
        .iter()
        .filter_map(|d| u64::try_from(d.get_ref().0 - start).ok())
        .collect();
    v.sort_unstable();
    v.dedup();
    Ok(v)
}

/// Holidays, extra business days and settlement-bank down days, as day indices.
type SettlementDays = (Vec<u64>, Vec<u64>, Vec<u64>);

/// The validated `holidays`, `extra_business_days` and `bank_down` of `[settlement]`, as
/// sorted, distinct day indices from day 0 (dates before day 0 are dropped). Dates need
/// `simulation.start_date` to be placed, and no date may be both a holiday and an extra
/// business day.
pub(super) fn settlement_dates(
    cx: &Ctx,
    s: &RawSettlement,
    start_date: Option<i64>,
) -> Result<SettlementDays, ScenarioError> {
    let days = |dates: &Spanned<Vec<Spanned<Date>>>, field: &str| {
        day_indices(cx, dates, field, start_date)
    };
    let holidays = days(&s.holidays, "settlement.holidays")?;
    let extra = days(&s.extra_business_days, "settlement.extra_business_days")?;
    let bank_down = days(&s.bank_down, "settlement.bank_down")?;
    let is_holiday = |d: &Spanned<Date>| {
        s.holidays
            .get_ref()
            .iter()
            .any(|h| h.get_ref() == d.get_ref())
    };
    if let Some(d) = s
        .extra_business_days
        .get_ref()
        .iter()
        .find(|d| is_holiday(d))
    {
        return Err(cx.err(
            d.span(),
            "settlement.extra_business_days",
            format!(
                "{} is also listed in settlement.holidays; a day is either a holiday or an extra \
                 business day",
                d.get_ref()
            ),
        ));
    }
    Ok((holidays, extra, bank_down))
}

#[cfg(test)]
mod tests;

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
pub fn horizon(s: &Scenario) -> Nanos {
    if let Some(o) = s.observation {
        return o;
    }
    let cal = Calendar::of(s);
    let mut extra = s.strategy.terminal_timeout + HOUR;
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
    let t = s.traffic_window.saturating_sub(1);
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
mod tests {
    use super::*;
    use crate::engine::{MINUTE, SECOND};
    use crate::scenario::Limits;
    use crate::scenario::units::{parse_date, weekday_from_days};

    fn spec(lag: u32) -> SettlementSpec {
        SettlementSpec {
            cutoff: 22 * HOUR,
            lag_days: lag,
            credit_time: 9 * HOUR,
            business_days: [true, true, true, true, true, false, false],
            holidays: vec![],
            extra_business_days: vec![],
            bank_down: vec![],
            file_reject_share: 0.0,
            file_late_share: 0.0,
            file_rejected: vec![],
            pos_batch: false,
            pos_batch_upload: false,
        }
    }

    fn cal(lag: u32) -> Calendar {
        Calendar::new(&spec(lag), 0) // day 0 is a Monday
    }

    /// The day index of `date` in a run whose day 0 is `start` (both "YYYY-MM-DD").
    fn day(start: &str, date: &str) -> u64 {
        u64::try_from(parse_date(date).unwrap() - parse_date(start).unwrap()).unwrap()
    }

    /// A calendar whose day 0 is `start`, with holidays and extra business days as dates.
    fn dated(start: &str, holidays: &[&str], extra: &[&str]) -> (Calendar, SettlementSpec) {
        let mut sp = spec(1);
        sp.holidays = holidays.iter().map(|d| day(start, d)).collect();
        sp.extra_business_days = extra.iter().map(|d| day(start, d)).collect();
        let weekday = weekday_from_days(parse_date(start).unwrap());
        (Calendar::new(&sp, weekday), sp)
    }

    const NATIONAL_DAY_2026: [&str; 7] = [
        "2026-10-01",
        "2026-10-02",
        "2026-10-03",
        "2026-10-04",
        "2026-10-05",
        "2026-10-06",
        "2026-10-07",
    ];

    #[test]
    fn monday_sale_settles_tuesday() {
        let c = cal(1);
        let t = 10 * HOUR;
        assert_eq!(c.cutoff_day(t), 0);
        assert_eq!(c.normal_settlement(t), DAY + 9 * HOUR);
    }

    #[test]
    fn after_cutoff_goes_to_next_batch() {
        let c = cal(1);
        assert_eq!(c.cutoff_day(22 * HOUR), 1);
        assert_eq!(c.cutoff_day(22 * HOUR - MINUTE), 0);
    }

    #[test]
    fn friday_evening_sale_waits_for_monday_and_tuesday() {
        let c = cal(1);
        let friday_evening = 4 * DAY + 23 * HOUR;
        assert_eq!(c.cutoff_day(friday_evening), 7, "next Monday's batch");
        assert_eq!(
            c.normal_settlement(friday_evening),
            8 * DAY + 9 * HOUR,
            "credited Tuesday"
        );
        let saturday = 5 * DAY + 12 * HOUR;
        assert_eq!(c.cutoff_day(saturday), 7);
    }

    #[test]
    fn same_day_credit_before_cutoff_moves_on() {
        let c = cal(0);
        // T+0 with a 09:00 credit time after a 22:00 cut-off: credited the next business day.
        assert_eq!(c.normal_settlement(10 * HOUR), DAY + 9 * HOUR);
    }

    #[test]
    fn friday_evening_sale_before_a_monday_holiday_is_credited_wednesday() {
        let mut sp = spec(1);
        sp.holidays = vec![7]; // the Monday after Friday, day 4
        let c = Calendar::new(&sp, 0);
        assert!(!c.is_business_day(7) && c.is_business_day(8));
        let after_cutoff = 4 * DAY + sp.cutoff + MINUTE;
        assert_eq!(c.cutoff_day(after_cutoff), 8, "Tuesday's batch");
        let wednesday = 8 + sp.lag_days as u64;
        assert_eq!(
            c.normal_settlement(after_cutoff),
            wednesday * DAY + sp.credit_time,
            "credited Wednesday at T+1"
        );
        // T+1 counts business days, so the promise moves with the holiday and is kept: by the
        // end of Wednesday.
        assert_eq!(c.promised_by(after_cutoff), (wednesday + 1) * DAY);
        assert!(c.normal_settlement(after_cutoff) < c.promised_by(after_cutoff));
        // Without the holiday the same sale would be cut on Monday and credited on Tuesday.
        assert_eq!(
            cal(1).normal_settlement(after_cutoff),
            8 * DAY + sp.credit_time
        );
    }

    #[test]
    fn sale_on_the_eve_of_national_day_waits_a_week() {
        let start = "2026-09-30";
        assert_eq!(
            weekday_from_days(parse_date(start).unwrap()),
            2,
            "a Wednesday"
        );
        let (c, sp) = dated(start, &NATIONAL_DAY_2026, &[]);
        for d in NATIONAL_DAY_2026 {
            assert!(!c.is_business_day(day(start, d)), "{d}");
        }
        let first_after = day(start, "2026-10-08"); // a Thursday
        assert!(c.is_business_day(first_after));
        // Before the cut-off: Wednesday's batch, credited on the first business day after it.
        let before = sp.cutoff - MINUTE;
        assert_eq!(c.cutoff_day(before), 0);
        assert_eq!(
            c.normal_settlement(before),
            first_after * DAY + sp.credit_time
        );
        // After the cut-off: the batch of the first business day after the holiday, credited
        // T+1 after it, on Friday 9 October.
        let after = sp.cutoff + MINUTE;
        assert_eq!(c.cutoff_day(after), first_after);
        let credit = c.add_business_days(first_after, sp.lag_days);
        assert_eq!(credit, day(start, "2026-10-09"));
        assert_eq!(c.normal_settlement(after), credit * DAY + sp.credit_time);
        assert!(c.normal_settlement(after) - after > 8 * DAY);
    }

    #[test]
    fn extra_business_days_have_a_cutoff_and_credits() {
        let start = "2026-09-30";
        let (c, sp) = dated(start, &NATIONAL_DAY_2026, &["2026-10-10"]);
        let (saturday, sunday) = (day(start, "2026-10-10"), day(start, "2026-10-11"));
        assert!(c.is_business_day(saturday) && !c.is_business_day(sunday));
        // A sale after Friday's cut-off is cut on the working Saturday and credited T+1 on
        // Monday (Sunday is not a business day).
        let friday_evening = day(start, "2026-10-09") * DAY + sp.cutoff + MINUTE;
        assert_eq!(c.cutoff_day(friday_evening), saturday);
        let monday = day(start, "2026-10-12");
        assert_eq!(
            c.normal_settlement(friday_evening),
            monday * DAY + sp.credit_time
        );
        // Without the working Saturday: cut on Monday, credited on Tuesday.
        let (plain, _) = dated(start, &NATIONAL_DAY_2026, &[]);
        assert_eq!(plain.cutoff_day(friday_evening), monday);
        assert_eq!(
            plain.normal_settlement(friday_evening),
            (monday + 1) * DAY + sp.credit_time
        );
        // An extra business day on a weekday changes nothing; one on a holiday wins (the
        // validator refuses a date in both lists, so this only pins the rule).
        let (both, _) = dated(start, &NATIONAL_DAY_2026, &["2026-10-02", "2026-10-09"]);
        assert!(!both.is_business_day(1) && both.is_business_day(2));
        assert!(both.is_business_day(day(start, "2026-10-09")));
    }

    fn scenario(extra: &str) -> Scenario {
        let src = format!("name = \"h\"\n{extra}");
        crate::scenario::parse(&src, "h.toml", &Limits::default()).unwrap()
    }

    #[test]
    fn dates_become_sorted_day_indices_from_day_0() {
        let s = scenario(
            "[simulation]\nstart_date = \"2026-09-30\"\n[settlement]\nholidays = \
             [\"2026-10-02\", \"2026-10-01\", \"2026-10-01\", \"2026-09-25\"]\n\
             extra_business_days = [2026-10-10, \"2026-09-20\"]\n",
        );
        assert_eq!(s.start_weekday, 2, "taken from start_date");
        assert_eq!(s.start_date, parse_date("2026-09-30").ok());
        assert_eq!(
            s.settlement.holidays,
            vec![1, 2],
            "sorted, deduplicated, none before day 0"
        );
        assert_eq!(s.settlement.extra_business_days, vec![10]);
        let s = scenario("[simulation]\nstart_date = 2026-09-30\nstart_weekday = \"wed\"\n");
        assert_eq!(s.start_weekday, 2);
        assert!(s.settlement.holidays.is_empty());
        assert_eq!(scenario("").start_weekday, 0, "Monday without a date");
        assert_eq!(
            scenario("[simulation]\nstart_weekday = \"fri\"").start_weekday,
            4
        );
    }

    #[test]
    fn default_horizon_covers_a_sale_before_a_long_holiday() {
        // One day of traffic on Wednesday 30 September, then the 7-day National Day holiday.
        let holidays: Vec<String> = NATIONAL_DAY_2026
            .iter()
            .map(|d| format!("\"{d}\""))
            .collect();
        let s = scenario(&format!(
            "[simulation]\nstart_date = \"2026-09-30\"\ntraffic_window = \"24h\"\n\
             [settlement]\nholidays = [{}]\n",
            holidays.join(", ")
        ));
        let c = Calendar::of(&s);
        let h = horizon(&s);
        // The latest sale, and the latest instant a payment can still join a batch (after its
        // timeout and reversals), are both credited on Friday 9 October, before the horizon,
        // and promised T+1 by the end of that day.
        let last_sale = s.traffic_window - 1;
        let friday = day("2026-09-30", "2026-10-09");
        let credit = friday * DAY + s.settlement.credit_time;
        assert_eq!(c.normal_settlement(last_sale), credit);
        assert_eq!(c.promised_by(last_sale), (friday + 1) * DAY);
        assert_eq!(h, (friday + 1) * DAY + HOUR);
        // The same scenario without holidays ends a week earlier.
        let plain = scenario("[simulation]\nstart_date = \"2026-09-30\"\n");
        assert_eq!(horizon(&plain), 3 * DAY + HOUR);
    }

    /// With every default the horizon is day 3 01:00 (docs/scenarios.md, time model): the
    /// last sale (Monday evening, cut on Tuesday) is promised T+1 by the end of Wednesday,
    /// plus an hour.
    const BASE: Nanos = 3 * DAY + HOUR;
    /// The credit of the last batch, Wednesday 09:00, plus an hour: the delays of the
    /// scenario's mechanisms count from there.
    const SETTLED: Nanos = 2 * DAY + 10 * HOUR;

    #[test]
    fn horizon_is_unchanged_by_default() {
        assert_eq!(horizon(&scenario("")), BASE);
        // Fields that do not lengthen the normal cycle.
        let s = scenario(
            "[risk]\nliability = \"issuer\"\n[strategy]\nacquirer_timeout = \"25s\"\n\
             [payout]\nschedule = \"d0\"\nd0_daily_cap = 100\n\
             [[channels]]\nflow = \"single\"\nissuer_timeout = \"10s\"\n",
        );
        assert_eq!(horizon(&s), BASE);
    }

    #[test]
    fn horizon_covers_the_new_delays() {
        let h = |extra: &str| horizon(&scenario(extra));
        // One reconciliation cycle after the last settlement: 24h + 12h + 24h.
        assert_eq!(h("[reconciliation]\nenabled = true"), SETTLED + 60 * HOUR);
        // The review of a held payout.
        assert_eq!(
            h("[merchant_risk]\nenabled = true\nmisfire_share = 0.1\nreview_time = \"1d\""),
            SETTLED + DAY
        );
        let lognormal = scenario("[merchant_risk]\nenabled = true\nmisfire_share = 0.1");
        let p999 = lognormal
            .merchant_risk
            .as_ref()
            .unwrap()
            .review_time
            .quantile_ns(0.999);
        assert!(p999 > 13 * DAY && p999 < 14 * DAY, "{p999}");
        assert_eq!(horizon(&lognormal), SETTLED + p999);
        // A late or rejected file: the last batch is presented a business day later.
        assert_eq!(h("[settlement]\nfile_late_share = 0.1"), SETTLED + DAY);
        assert_eq!(h("[settlement]\nfile_reject_share = 0.1"), SETTLED + DAY);
        // Day 0 a Monday: the last batch is Tuesday's, its file moves on to Wednesday's, which
        // is rejected, and so is Thursday's: presented on Friday, credited on Monday.
        let s = "[simulation]\nstart_date = \"2026-09-28\"\n[settlement]\n";
        assert_eq!(
            h(&format!(
                "{s}file_rejected = [\"2026-09-30\", \"2026-10-01\"]"
            )),
            7 * DAY + 10 * HOUR
        );
        assert_eq!(
            h(&format!("{s}file_rejected = [\"2026-10-30\"]")),
            SETTLED + DAY
        );
        // A payout due inside the longest maintenance window waits for its end (here still
        // before the promise's deadline).
        let windows = "[payout]\nbank_maintenance = [{ start = \"23:30\", end = \"01:00\" }, \
               { start = \"08:00\", end = \"09:00\" }]";
        assert_eq!(h(windows), BASE);
        assert_eq!(
            h(&format!("{windows}\npromise = \"T+1 09:00\"")),
            SETTLED + 90 * MINUTE
        );
        // The promise's deadline: an earlier one leaves the settlement's horizon, a later one
        // lengthens it; D+0's under D+0 only.
        assert_eq!(h("[payout]\npromise = \"T+1 09:00\""), SETTLED);
        assert_eq!(h("[payout]\npromise = \"T+2\""), BASE + DAY);
        assert_eq!(h("[payout]\npromise = \"D+3 12:00\""), 3 * DAY + 13 * HOUR);
        assert_eq!(h("[settlement]\npromise_days = 2"), BASE + DAY);
        assert_eq!(
            h("[payout]\nschedule = \"d0\"\nd0_promise = \"D+4\""),
            5 * DAY + HOUR
        );
        // The last stand-in advices run until they expire: 24h + 30s + 10s + 3d, plus an hour.
        assert_eq!(
            h("[[channels]]\nissuer_timeout = \"10s\"\n\
               stand_in = { enabled = true, advice_expiry = \"3d\" }"),
            4 * DAY + HOUR + 40 * SECOND
        );
        // Everything together: the settlement a day later, then each delay in turn.
        let all = h(
            "[settlement]\nfile_late_share = 0.1\n[reconciliation]\nenabled = true\n\
                     [merchant_risk]\nenabled = true\nmisfire_share = 0.1\nreview_time = \"2d\"",
        );
        assert_eq!(all, SETTLED + DAY + 60 * HOUR + 2 * DAY);
    }

    #[test]
    fn a_long_review_time_is_refused_by_the_horizon_limit() {
        let err = crate::scenario::parse(
            "name = \"h\"\n[merchant_risk]\nenabled = true\nmisfire_share = 0.1\n\
             review_time = \"400d\"",
            "h.toml",
            &Limits::default(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("the limit is 366 days"), "{err}");
    }
}

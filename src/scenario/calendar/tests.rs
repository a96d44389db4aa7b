//! The calendar's business days, cut-offs, credits and horizon.

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

#[test]
fn horizon_covers_the_completion_of_the_last_pre_authorisation() {
    // Voids and refunds do not lengthen the normal cycle; pre-authorisations do: the last one
    // may be completed a hold expiry (7 days by default) after the traffic window.
    let refunds = scenario("[transactions]\nvoid_share = 0.1\nrefund_share = 0.1\n");
    assert_eq!(horizon(&refunds), BASE);
    let preauths = horizon(&scenario("[transactions]\npreauth_share = 0.1\n"));
    assert!(preauths >= BASE + 7 * DAY, "{preauths}");
    assert!(preauths <= BASE + 10 * DAY, "{preauths}");
}

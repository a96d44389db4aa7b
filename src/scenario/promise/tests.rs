//! Unit tests of `promise`: the syntax (and its errors), and the deadline arithmetic on the
//! settlement calendar: business days, weekends, holidays, the deadline time, natural days,
//! within hours, and the per-day table against the direct computation.

use super::*;
use crate::scenario::SettlementSpec;

/// Day 0 is a Monday; cut-off 22:00, credits T+1 at 09:00, Monday to Friday.
fn spec() -> SettlementSpec {
    SettlementSpec {
        cutoff: 22 * HOUR,
        lag_days: 1,
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

fn cal() -> Calendar {
    Calendar::new(&spec(), 0)
}

fn p(text: &str) -> Promise {
    parse_promise(text).unwrap()
}

/// The end of day `d` (24:00, the start of the next day).
fn end_of(d: u64) -> Nanos {
    (d + 1) * DAY
}

#[test]
fn the_forms_parse_into_their_promises() {
    let business = |days, by| Promise::Business { days, by };
    let natural = |days, by| Promise::Natural { days, by };
    assert_eq!(p("T+1"), business(1, DAY), "by the end of the day");
    assert_eq!(p("T+1"), Promise::default());
    assert_eq!(p("t+2 18:00"), business(2, 18 * HOUR));
    assert_eq!(p("  T+0   24:00 "), business(0, DAY));
    assert_eq!(
        p("T+1 17:30:15"),
        business(1, 17 * HOUR + 30 * MINUTE + 15 * SECOND)
    );
    assert_eq!(p("D+0"), natural(0, DAY));
    assert_eq!(p("d+1 09:00"), natural(1, 9 * HOUR));
    assert_eq!(p("D+30"), natural(30, DAY));
    assert_eq!(p("D+0 2h"), Promise::Within(2 * HOUR));
    assert_eq!(p("D+0 1h30m"), Promise::Within(90 * MINUTE));
    assert_eq!(p("D+0 24h"), Promise::Within(DAY));
    assert!(p("T+1").is_daily() && p("D+1 18:00").is_daily() && !p("D+0 2h").is_daily());
}

#[test]
fn the_text_of_a_promise_parses_back_to_it() {
    for text in [
        "T+1",
        "T+0 18:00",
        "T+2 17:30:15",
        "D+0",
        "D+1 09:00",
        "D+0 2h",
        "D+0 1h30m",
        "D+0 45m10s",
        "D+0 1s500ms",
    ] {
        assert_eq!(p(text).to_string(), text);
        assert_eq!(p(&p(text).to_string()), p(text));
    }
    assert_eq!(p("t+1 24:00").to_string(), "T+1");
    assert_eq!(p("D+0 90m").to_string(), "D+0 1h30m");
}

#[test]
fn bad_promises_say_why_and_what_is_accepted() {
    for (text, why) in [
        ("", "it is empty"),
        ("T+1 18:00 sharp", "too many parts"),
        ("W+1", "it must start with \"T+\" or \"D+\""),
        ("T1", "it must start with \"T+\" or \"D+\""),
        ("T+", "\"\" is not a number of days"),
        ("T+x", "\"X\" is not a number of days"),
        ("T+-1", "\"-1\" is not a number of days"),
        ("T+31", "31 days is above the limit of 30"),
        ("D+99999999999999999999", "days is above the limit of 30"),
        ("T+1 25:00", "invalid time of day \"25:00\""),
        (
            "T+1 2h",
            "after \"T+1\" comes a deadline time of day \"HH:MM\" (e.g. \"T+1 18:00\"), got \"2h\"",
        ),
        ("D+1 2h", "a duration after the sale goes with \"D+0\" only"),
        ("D+0 2 parsecs", "too many parts"),
        ("D+0 2parsecs", "unknown unit \"parsecs\""),
        ("D+0 0s", "must be longer than zero and at most 24h"),
        ("D+0 25h", "must be longer than zero and at most 24h"),
    ] {
        let e = parse_promise(text).unwrap_err();
        assert!(e.contains(why), "{text:?}: {e}");
        assert!(e.contains(&format!("invalid promise \"{text}\"")), "{e}");
        assert!(e.contains(PROMISE_HELP), "{text:?}: {e}");
    }
}

#[test]
fn t_plus_n_is_kept_until_the_end_of_the_promised_business_day() {
    let c = cal();
    let t1 = p("T+1");
    // Monday 10:00: cut on Monday, promised by the end of Tuesday.
    assert_eq!(t1.deadline(&c, 10 * HOUR), end_of(1));
    // So a credit delayed from 09:00 to 09:30 on Tuesday (a maintenance window) is on time.
    let credit = c.normal_settlement(10 * HOUR);
    assert_eq!(credit, DAY + 9 * HOUR);
    assert!(credit + 30 * MINUTE <= t1.deadline(&c, 10 * HOUR));
    // Judged to the minute (a deadline at the credit time) it would not be.
    assert!(credit + 30 * MINUTE > p("T+1 09:00").deadline(&c, 10 * HOUR));
    // After the cut-off: Tuesday's batch, promised by the end of Wednesday.
    assert_eq!(t1.deadline(&c, 22 * HOUR), end_of(2));
    assert_eq!(t1.deadline(&c, 22 * HOUR - 1), end_of(1));
    // A deadline time on the day.
    assert_eq!(p("T+1 18:00").deadline(&c, 10 * HOUR), DAY + 18 * HOUR);
    assert_eq!(p("T+2").deadline(&c, 10 * HOUR), end_of(2));
}

#[test]
fn weekends_and_holidays_move_a_t_plus_n_promise() {
    let c = cal();
    let t1 = p("T+1");
    // Friday evening and Saturday: Monday's batch, promised by the end of Tuesday.
    assert_eq!(t1.deadline(&c, 4 * DAY + 23 * HOUR), end_of(8));
    assert_eq!(t1.deadline(&c, 5 * DAY + 12 * HOUR), end_of(8));
    // Friday before the cut-off: Friday's batch, promised by the end of Monday.
    assert_eq!(t1.deadline(&c, 4 * DAY + 12 * HOUR), end_of(7));
    // A holiday on that Monday: the batch and the promise move on a business day each.
    let mut sp = spec();
    sp.holidays = vec![7];
    let hol = Calendar::new(&sp, 0);
    assert_eq!(t1.deadline(&hol, 4 * DAY + 12 * HOUR), end_of(8));
    assert_eq!(t1.deadline(&hol, 4 * DAY + 23 * HOUR), end_of(9));
    // A working Sunday (an extra business day) is a business day like any other (the Monday
    // holiday stays).
    sp.extra_business_days = vec![6];
    let swap = Calendar::new(&sp, 0);
    assert_eq!(t1.deadline(&swap, 4 * DAY + 12 * HOUR), end_of(6));
    assert_eq!(t1.deadline(&swap, 4 * DAY + 23 * HOUR), end_of(8));
}

#[test]
fn a_t_plus_0_deadline_before_the_cutoff_moves_to_the_next_business_day() {
    let c = cal();
    // By the end of the cut-off day: after the 22:00 cut-off, so it stays.
    assert_eq!(p("T+0").deadline(&c, 10 * HOUR), end_of(0));
    // By 18:00 on the cut-off day would be before the batch is cut: the next business day,
    // as for a credit (`Calendar::credit_at`).
    assert_eq!(p("T+0 18:00").deadline(&c, 10 * HOUR), DAY + 18 * HOUR);
    assert_eq!(p("T+0 22:00").deadline(&c, 10 * HOUR), DAY + 22 * HOUR);
    assert_eq!(
        p("T+0 22:00:01").deadline(&c, 10 * HOUR),
        22 * HOUR + SECOND
    );
    // Friday: on to Monday.
    assert_eq!(
        p("T+0 18:00").deadline(&c, 4 * DAY + 10 * HOUR),
        7 * DAY + 18 * HOUR
    );
}

#[test]
fn d_plus_n_counts_calendar_days_from_the_day_of_the_sale() {
    let c = cal();
    // Saturday's sale: D+1 is Sunday, whatever the business days.
    assert_eq!(p("D+1").deadline(&c, 5 * DAY + 12 * HOUR), end_of(6));
    assert_eq!(p("D+0").deadline(&c, 5 * DAY + 23 * HOUR), end_of(5));
    // A sale late in the evening is not moved to the next day, unlike T+N's cut-off.
    assert_eq!(p("D+1").deadline(&c, 23 * HOUR), end_of(1));
    assert_eq!(p("D+2 12:00").deadline(&c, 23 * HOUR), 2 * DAY + 12 * HOUR);
    // D+0 by a time: the same day, or that time the next day for a sale at or after it.
    let d0 = p("D+0 18:00");
    assert_eq!(d0.deadline(&c, 10 * HOUR), 18 * HOUR);
    assert_eq!(d0.deadline(&c, 18 * HOUR - 1), 18 * HOUR);
    assert_eq!(d0.deadline(&c, 18 * HOUR), DAY + 18 * HOUR);
    assert_eq!(d0.deadline(&c, 23 * HOUR), DAY + 18 * HOUR);
    assert_eq!(p("D+0 00:00").deadline(&c, 0), DAY);
    // Within hours of the sale.
    assert_eq!(p("D+0 2h").deadline(&c, 23 * HOUR), DAY + HOUR);
}

#[test]
fn the_per_day_table_gives_the_computed_deadline() {
    let mut sp = spec();
    sp.holidays = vec![3, 10];
    sp.extra_business_days = vec![12];
    let promises = [
        "T+1",
        "T+0",
        "T+0 18:00",
        "T+2 12:00",
        "D+0",
        "D+1",
        "D+0 18:00",
        "D+0 00:00",
        "D+0 2h",
    ];
    for text in promises {
        let pr = p(text);
        let plain = Calendar::new(&sp, 3).promising(pr, pr);
        let tabled = plain.clone().tabled(14);
        assert_eq!(tabled.promises(), (pr, pr));
        // Every hour and around each split, inside the table and beyond it.
        let mut times: Vec<Nanos> = (0..20 * 24).map(|h| h * HOUR + 7 * MINUTE).collect();
        for d in 0..20 {
            for at in [0, 18 * HOUR, 22 * HOUR] {
                times.extend([d * DAY + at, (d * DAY + at).saturating_sub(1)]);
            }
        }
        for t in times {
            let want = pr.deadline(&plain, t);
            assert_eq!(tabled.promised_by(t), want, "{text} at {t}");
            assert_eq!(tabled.d0_promised_by(t), want, "{text} at {t}");
            assert_eq!(plain.promised_by(t), want, "{text} at {t}");
            assert!(want > t, "{text} at {t}: the deadline is after the sale");
        }
    }
}

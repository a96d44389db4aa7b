//! Public holidays in the settlement calendar, end to end: the shipped `scenarios/holiday.toml`
//! (one day of traffic on the eve of China's 2026 National Day holiday) run with and without its
//! holidays, on the same seed, so both see the same payments.

use payfault::runner::{BatchOptions, run_batch};
use payfault::scenario::Scenario;
use payfault::scenario::calendar::horizon;
use payfault::scenario::units::parse_date;
use std::sync::atomic::AtomicBool;

use crate::common::load;

const DAY_S: f64 = 86_400.0;

fn holiday_scenario() -> Scenario {
    let mut s = load("scenarios/holiday.toml");
    // A tenth of the terminals keeps the test quick; the calendar is what is under test.
    let g = &mut s.terminals[0];
    g.rate /= 10.0;
    g.count /= 10;
    s
}

fn run(s: &Scenario) -> payfault::metrics::BatchResult {
    let opts = BatchOptions {
        runs: 4,
        seed: 11,
        threads: 0,
    };
    run_batch(s, &opts, &AtomicBool::new(false), |_, _| Ok(()), |_| {}).unwrap()
}

fn mean(b: &payfault::metrics::BatchResult, name: &str) -> f64 {
    b.summary(name).unwrap().mean.unwrap()
}

#[test]
fn a_week_of_holidays_after_the_traffic_window_delays_every_payout_by_a_week() {
    let hol = holiday_scenario();
    let days = |date: &str| (parse_date(date).unwrap() - parse_date("2026-09-30").unwrap()) as u64;
    let holidays: Vec<u64> = (1..=7).collect();
    assert_eq!(hol.settlement.holidays, holidays, "1 to 7 October");
    assert_eq!(hol.settlement.extra_business_days, vec![days("2026-10-10")]);
    assert_eq!(hol.start_weekday, 2, "Wednesday");
    let mut plain = hol.clone();
    plain.settlement.holidays.clear();
    plain.settlement.extra_business_days.clear();

    // The default horizon follows the calendar: the last sales, after Wednesday's cut-off, are
    // cut on Thursday 8 October, credited on Friday 9 October at credit_time and promised T+1
    // by the end of that day; the horizon is an hour after the promise.
    let credit_time_s = hol.settlement.credit_time as f64 / 1e9;
    let h = horizon(&hol) as f64 / 1e9;
    assert_eq!(h, (days("2026-10-09") + 1) as f64 * DAY_S + 3600.0);
    assert_eq!(h - horizon(&plain) as f64 / 1e9, 7.0 * DAY_S);

    let (b_hol, b_plain) = (run(&hol), run(&plain));
    // Nothing is left pending at the default horizon, and the same payments settle.
    assert_eq!(b_hol.summary("pending").unwrap().max, Some(0.0));
    assert_eq!(b_plain.summary("pending").unwrap().max, Some(0.0));
    let settled = |b| mean(b, "settled_on_time") + mean(b, "settled_late");
    assert!(settled(&b_hol) > 0.0);
    assert_eq!(settled(&b_hol), settled(&b_plain));
    // Every credit moves from 1 or 2 October to 8 or 9 October: exactly seven days later, up to
    // the resolution of the delay histogram (3 significant digits).
    for q in ["settlement_delay_p50_s", "settlement_delay_p99_s"] {
        let (with, without) = (mean(&b_hol, q), mean(&b_plain, q));
        let shift = with - without;
        assert!(
            (shift - 7.0 * DAY_S).abs() <= 0.002 * with,
            "{q}: {with} s with the holiday, {without} s without: shift {shift} s"
        );
    }
    // The median sale, made on 30 September before the cut-off, is paid on 8 October at
    // credit_time: more than a week after the end of the traffic window.
    let p50 = mean(&b_hol, "settlement_delay_p50_s");
    let first_credit = days("2026-10-08") as f64 * DAY_S + credit_time_s;
    assert!(p50 > first_credit - DAY_S && p50 < first_credit, "{p50}");
    // T+1 counts business days: the payouts keep the acquirer's promise.
    assert!(mean(&b_hol, "settled_on_time_ratio") > 0.999);
}

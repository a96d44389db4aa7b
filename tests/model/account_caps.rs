//! Personal Class II settlement accounts with a daily inflow cap (`[payout]
//! personal_account_share`, `personal_daily_cap`): a payout beyond the day's cap is returned
//! into suspense and paid again at the next day's credit. Expectations from the cap itself:
//! with constant amounts each account takes exactly ⌊cap / amount⌋ payouts a day.

use payfault::model::{self, NoTrace, Outcome, RunOutput};
use payfault::scenario::Scenario;

use crate::common::{self, FLAT, QUIET_PATH};

/// 100 merchants, 60 sales of 10.00 an hour each for 4 hours on Monday (240 each), paid T+1
/// at Tuesday 09:00; observation ends Friday 04:00 (credits on Tuesday, Wednesday and
/// Thursday). `payout` adds `[payout]` fields.
fn scen(payout: &str) -> Scenario {
    let text = format!(
        "name = \"account_caps\"\n\
         [simulation]\nruns = 1\nseed = 5\ntraffic_window = \"4h\"\nobservation = \"100h\"\n\
         start_weekday = \"monday\"\n\
         [[terminals]]\nid = \"shops\"\ncount = 100\nrate = \"60/h\"\namount = \"10.00\"\n\
         miskey_share = 0.0\nprofile = {FLAT}\n\
         {QUIET_PATH}\
         [payout]\n{payout}\n"
    );
    common::parse(&text, "account_caps")
}

fn run(s: &Scenario) -> RunOutput {
    model::simulate(s, 29, 0, &mut NoTrace).unwrap_or_else(|v| panic!("{v}"))
}

fn count(o: &RunOutput, x: Outcome) -> u64 {
    o.outcomes[x as usize]
}

/// Every merchant personal, a cap of ten sales: ten payouts a merchant on Tuesday (on time),
/// ten on Wednesday and ten on Thursday (late), the rest in suspense; each day's returns are
/// the merchant's backlog beyond ten.
#[test]
fn a_personal_account_takes_its_cap_a_day_and_the_rest_waits() {
    let o = run(&scen(
        "personal_account_share = 1.0\npersonal_daily_cap = \"100.00\"",
    ));
    let (merchants, cap) = (100u64, 10u64);
    assert_eq!(count(&o, Outcome::SettledOnTime), merchants * cap);
    assert_eq!(count(&o, Outcome::SettledLate), 2 * merchants * cap);
    let waiting = o.payments - 3 * merchants * cap;
    assert_eq!(
        count(&o, Outcome::NotArrived) + count(&o, Outcome::Pending),
        waiting
    );
    assert_eq!(o.suspense_at_end, waiting as i64 * 1_000);
    // Tuesday returns all but ten of each merchant's sales, Wednesday and Thursday ten fewer.
    assert_eq!(
        o.payouts_over_account_cap,
        3 * o.payments - (1 + 2 + 3) * merchants * cap
    );
}

/// No personal accounts, or a cap above a merchant's day: nothing is returned, and the run is
/// the same as without the fields.
#[test]
fn a_cap_nobody_reaches_changes_nothing() {
    let base = run(&scen(""));
    let high = run(&scen(
        "personal_account_share = 1.0\npersonal_daily_cap = \"1000000.00\"",
    ));
    assert_eq!(high.payouts_over_account_cap, 0);
    assert_eq!(base.outcomes, high.outcomes);
    assert_eq!(base.payments, high.payments);
}

/// A share of personal merchants and a cap below any sale: exactly their sales never arrive,
/// and about that share of the merchants is struck (binomial over 100 merchants).
#[test]
fn a_share_of_personal_accounts_strikes_that_share_of_merchants() {
    let o = run(&scen(
        "personal_account_share = 0.3\npersonal_daily_cap = \"5.00\"",
    ));
    let stuck = count(&o, Outcome::NotArrived) + count(&o, Outcome::Pending);
    let share = stuck as f64 / o.payments as f64;
    // 100 merchants of 240 sales: the share of merchants has a standard error of about 0.046.
    assert!((share - 0.3).abs() < 5.0 * 0.046, "share {share}");
    assert_eq!(count(&o, Outcome::SettledOnTime) + stuck, o.payments);
}

/// Class III accounts take their own, smaller cap; a mix of Class II and III takes each
/// merchant's cap by its class, drawn once per merchant from one word.
#[test]
fn a_class_iii_account_takes_its_own_cap() {
    let o = run(&scen(
        "class3_account_share = 1.0\nclass3_daily_cap = \"50.00\"",
    ));
    assert_eq!(count(&o, Outcome::SettledOnTime), 100 * 5);
    // Half and half: Tuesday's on-time payouts are 10 per Class II merchant and 5 per Class
    // III merchant, so they give the number of Class II merchants.
    let o = run(&scen(
        "personal_account_share = 0.5\npersonal_daily_cap = \"100.00\"\n\
         class3_account_share = 0.5\nclass3_daily_cap = \"50.00\"",
    ));
    let on_time = count(&o, Outcome::SettledOnTime);
    assert_eq!(on_time % 5, 0, "{on_time}");
    let class2 = on_time / 5 - 100;
    assert!(
        common::binomial_ok(class2, 100, 0.5),
        "{class2} Class II merchants"
    );
    assert!(class2 > 0 && class2 < 100);
}

//! The path after authorisation: payouts returned by wrong merchant accounts, and a settlement
//! bank that is down for a day. Expectations come from each scenario's own parameters.

use payfault::engine::{DAY, HOUR};
use payfault::metrics::BatchResult;
use payfault::model::{self, NoTrace, Outcome};
use payfault::runner::{BatchOptions, run_batch};
use payfault::scenario::{self, Limits, Scenario};
use std::sync::atomic::AtomicBool;

use crate::common;
use common::assert_in_ci;

fn load(name: &str) -> Scenario {
    let mut s = scenario::load(
        format!("scenarios/{name}.toml").as_ref(),
        &Limits::default(),
    )
    .unwrap();
    s.traffic_window = 4 * HOUR;
    s
}

fn batch(s: &Scenario, runs: u64) -> BatchResult {
    let opts = BatchOptions {
        runs,
        seed: 9,
        threads: 0,
    };
    run_batch(s, &opts, &AtomicBool::new(false), |_, _| Ok(()), |_| {}).unwrap()
}

#[test]
fn a_share_of_wrong_accounts_returns_that_share_of_payouts_and_they_arrive_late() {
    let s = load("wrong_account");
    let p = s.payout.wrong_account_share;
    // Each run draws its own merchants: the share of returned payouts has mean p.
    let b = batch(&s, 12);
    assert_in_ci(&b, "payout_return_share", p);
    for run in 0..3 {
        let out = model::simulate(&s, 9, run, &mut NoTrace).unwrap();
        assert!(out.payouts_returned > 0);
        // Corrected after `correction_delay` (3 days), every returned payout of an approved sale
        // is credited, and late against the T+1 promise; nothing is left in suspense.
        let late = out.count(Outcome::SettledLate);
        assert!(late <= out.payouts_returned, "run {run}");
        assert!(
            late as f64 >= 0.95 * out.payouts_returned as f64,
            "run {run}"
        );
        assert_eq!(out.suspense_at_end, 0);
        assert_eq!(out.count(Outcome::NotArrived), 0);
    }
}

#[test]
fn a_correction_after_the_end_of_observation_leaves_the_money_in_suspense() {
    let mut s = load("wrong_account");
    s.payout.correction_delay = 30 * DAY;
    s.observation = Some(5 * DAY);
    let out = model::simulate(&s, 9, 0, &mut NoTrace).unwrap();
    let not_arrived = out.count(Outcome::NotArrived);
    assert!(not_arrived > 0);
    // Approved sales whose payout bounced: the merchant was not paid, the money sits in
    // suspense, and nothing else is missing.
    let phantom_in_suspense = out.count(Outcome::ChargedWithoutSale);
    assert_eq!(not_arrived + phantom_in_suspense, out.payouts_returned);
    assert!(out.suspense_at_end >= out.amount(Outcome::NotArrived));
    assert!(out.not_arrived_oldest >= 4 * DAY, "observed for 5 days");
    assert_eq!(out.count(Outcome::Pending), 0);
}

#[test]
fn a_settlement_bank_day_down_shifts_exactly_that_days_credits_by_one_business_day() {
    let down = load("bank_down");
    let mut up = down.clone();
    up.settlement.bank_down.clear();
    let (b_down, b_up) = (batch(&down, 4), batch(&up, 4));
    let mean = |b: &BatchResult, k: &str| b.summary(k).unwrap().mean.unwrap();
    // Same payments (common random numbers): every on-time credit of Monday's sales becomes a
    // late one, and the delays move by one day (to the histogram's 3 significant digits).
    assert_eq!(
        mean(&b_up, "settled_on_time"),
        mean(&b_down, "settled_late")
    );
    assert_eq!(mean(&b_down, "settled_on_time"), 0.0);
    for q in ["settlement_delay_p50_s", "settlement_delay_p99_s"] {
        let shift = mean(&b_down, q) - mean(&b_up, q);
        assert!(
            (shift - 86_400.0).abs() <= 0.002 * mean(&b_down, q),
            "{q}: shift {shift} s"
        );
    }
    assert_in_ci(&b_down, "pending", 0.0);
}

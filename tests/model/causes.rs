//! Attribution: every payment that does not settle on time is counted against the first cause
//! on its path, and `summary.json` breaks outcomes down by cause.

use payfault::model::{self, NoTrace, Outcome};
use payfault::runner::{BatchOptions, run_batch};
use payfault::scenario::{self, Limits, Scenario};
use std::sync::atomic::AtomicBool;

/// 6,000 payments an hour (flat) for six hours; an issuer that approves everything; the
/// issuer refuses (reject mode) from 02:00 to 03:00.
fn scenario() -> Scenario {
    let src = r#"
name = "causes"
[simulation]
runs = 6
traffic_window = "6h"
[[terminals]]
id = "shops"
count = 50
rate = "120/h"
miskey_share = 0.0
profile = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]
[risk]
enabled = false
fraud_share = 0.0
[[issuers]]
id = "bank"
do_not_honour_share = 0.0
[issuers.accounts]
balance = { kind = "constant", value = "100000000.00" }
frozen_share = 0.0
[[faults]]
id = "bank-down"
kind = "outage"
target = "bank"
start = "2h"
duration = "1h"
mode = "reject"
"#;
    scenario::parse(src, "causes", &Limits::default()).unwrap()
}

#[test]
fn an_issuer_outage_declines_the_payments_of_its_window_and_is_named_their_cause() {
    let s = scenario();
    let names = payfault::scenario::cause::names(&s);
    let fault = names.iter().position(|n| n == "bank-down").unwrap();
    let declined = Outcome::Declined as usize;
    let mut total = 0;
    for r in 0..s.runs {
        let out = model::simulate(&s, 5, r, &mut NoTrace).unwrap();
        // Every decline is the outage's (the accounts always pay): about rate x duration.
        let (n, amount) = out.by_cause[fault][declined];
        assert_eq!(n, out.count(Outcome::Declined));
        assert_eq!(amount, out.amount(Outcome::Declined));
        total += n;
    }
    let expected = 6000.0 * s.runs as f64; // 6,000 an hour for one hour, per run
    let sd = expected.sqrt();
    assert!(
        (total as f64 - expected).abs() < 4.0 * sd,
        "{total} declines over {} runs; rate x duration gives {expected}",
        s.runs
    );
}

#[test]
fn summary_json_lists_the_causes_that_struck() {
    let s = scenario();
    let opts = BatchOptions {
        runs: 3,
        seed: 5,
        threads: 0,
    };
    let b = run_batch(&s, &opts, &AtomicBool::new(false), |_, _| Ok(()), |_| {}).unwrap();
    let json: serde_json::Value =
        serde_json::from_str(&payfault::report::summary_json(&b)).unwrap();
    let causes = json["causes"].as_object().unwrap();
    assert!(causes.contains_key("bank-down"), "{causes:?}");
    let mean = causes["bank-down"]["declined"]["mean"].as_f64().unwrap();
    assert_eq!(mean, json["metrics"]["declined"]["mean"].as_f64().unwrap());
    assert!(causes["bank-down"]["declined_amount"]["ci95_high"].is_number());
    // Causes that never struck are left out.
    assert!(!causes.contains_key("insufficient_funds"));
    assert!(!causes.contains_key("wrong_account"));
}

#[test]
fn a_daily_maintenance_window_strikes_every_day_inside_its_window_only() {
    // The issuer refuses for 30 minutes from 01:00, every day; traffic runs for three days.
    let src = scenario().source.replace(
        "start = \"2h\"\nduration = \"1h\"\nmode = \"reject\"",
        "start = \"1h\"\nduration = \"30m\"\nmode = \"reject\"\nrepeat = \"daily\"",
    );
    let src = src.replace("traffic_window = \"6h\"", "traffic_window = \"3d\"");
    let s = scenario::parse(&src, "daily", &Limits::default()).unwrap();
    let fault = &s.faults[0];
    assert_eq!(fault.timing.repeat, Some(payfault::engine::DAY));
    let (mut total, runs) = (0, 4);
    for r in 0..runs {
        let out = model::simulate(&s, 5, r, &mut NoTrace).unwrap();
        total += out.count(Outcome::Declined);
    }
    // Three windows of 30 minutes at 6,000 payments an hour: 9,000 declines a run.
    let expected = 9000.0 * runs as f64;
    assert!(
        (total as f64 - expected).abs() < 4.0 * expected.sqrt(),
        "{total} declines; three half-hour windows give {expected}"
    );
}

/// Issue 21, defect 3: an outcome is counted against the cause that produced it. A fraud's
/// chargeback whose payout had first bounced off a wrong account was counted against
/// `wrong_account` ("first cause on the path"); it is the fraud's, and the wrong account is
/// kept as `also`. A late payout is counted against what delayed it, even when an earlier
/// cause struck the payment on its way to the issuer.
#[test]
fn a_chargeback_is_the_frauds_and_a_late_payout_is_what_delayed_it() {
    let src = r#"
name = "precedence"
[simulation]
runs = 2
traffic_window = "6h"
[[terminals]]
id = "shops"
count = 50
rate = "60/h"
miskey_share = 0.0
[risk]
enabled = false
fraud_share = 0.05
liability = "merchant"
[[issuers]]
id = "bank"
do_not_honour_share = 0.0
[issuers.accounts]
balance = { kind = "constant", value = "100000000.00" }
frozen_share = 0.0
[payout]
wrong_account_share = 0.3
correction_delay = "1d"
"#;
    let s = scenario::parse(src, "precedence", &Limits::default()).unwrap();
    let names = payfault::scenario::cause::names(&s);
    let at = |n: &str| names.iter().position(|x| x == n).unwrap();
    let (fraud, wrong) = (at("fraud"), at("wrong_account"));
    let cb = Outcome::Chargeback as usize;
    let late = Outcome::SettledLate as usize;
    let (mut chargebacks, mut also) = (0, 0);
    for r in 0..s.runs {
        let out = model::simulate(&s, 9, r, &mut NoTrace).unwrap();
        // Every chargeback is the fraud's, whatever delayed its payout first.
        assert_eq!(out.by_cause[fraud][cb].0, out.count(Outcome::Chargeback));
        assert_eq!(
            out.by_cause[wrong][cb].0, 0,
            "a chargeback is not the wrong account's"
        );
        // Every late payout is the wrong account's (nothing else delays one here).
        assert_eq!(out.by_cause[wrong][late].0, out.count(Outcome::SettledLate));
        chargebacks += out.count(Outcome::Chargeback);
        also += out.cause_also[wrong];
    }
    // About 30% of the frauds' payouts bounced first: those are the wrong account's `also`.
    assert!(
        chargebacks > 50,
        "the scenario makes chargebacks ({chargebacks})"
    );
    let expected = 0.3 * chargebacks as f64;
    let sd = (chargebacks as f64 * 0.3 * 0.7).sqrt();
    assert!(
        (also as f64 - expected).abs() < 5.0 * sd,
        "wrong_account struck {also} charged-back payments, expected about {expected:.0}"
    );
}

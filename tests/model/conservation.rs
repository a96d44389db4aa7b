//! Money conservation and one outcome per payment, on every run of a variety of scenarios.
//! `simulate` checks the named invariants itself and fails with the invariant, run and seed;
//! these tests exercise it across features and also check the outcome arithmetic from outside.

use payfault::engine::{HOUR, MINUTE};
use payfault::model::{self, NoTrace, Outcome};
use payfault::scenario::{self, OutageMode, RiskAction, Scenario};

use crate::common::load;

fn shrink(mut s: Scenario) -> Scenario {
    s.terminals[0].rate *= 0.25;
    s
}

fn variants() -> Vec<(&'static str, Scenario)> {
    let base = shrink(scenario::baseline());
    let mut v = vec![("baseline", base.clone())];
    let outage = shrink(load("scenarios/outage.toml"));
    v.push(("outage", outage.clone()));
    let mut reject = outage.clone();
    reject.faults[0].effect = payfault::scenario::FaultEffect::Outage {
        mode: OutageMode::Reject,
        code: 91,
    };
    v.push(("reject", reject));
    let mut review = base.clone();
    review.risk.as_mut().unwrap().action = RiskAction::Review;
    review.fraud_share = 0.01;
    v.push(("review", review));
    let mut lossy = base.clone();
    for l in &mut lossy.links.terminal {
        l.loss = 0.05;
    }
    lossy.links.gateway_channel[0].loss = 0.02;
    lossy.links.channel_issuer[0][0].loss = 0.02;
    v.push(("lossy", lossy.clone()));
    let mut no_reversal = lossy.clone();
    no_reversal.strategy.reversal = None;
    // Nothing else ends a phantom charge before the end of observation: no reconciliation, and
    // an observation shorter than the holds (merchant-risk reviews and payout corrections
    // would lengthen it past their expiry).
    no_reversal.reconciliation = None;
    no_reversal.merchant_risk = None;
    no_reversal.payout.wrong_account_share = 0.0;
    v.push(("lossy-no-reversal", no_reversal));
    let mut expiring = lossy.clone();
    expiring.strategy.reversal = None;
    expiring.issuers[0].hold_expiry = 3 * HOUR;
    v.push(("lossy-holds-expire", expiring));
    let mut gateway_down = base.clone();
    gateway_down.faults = vec![payfault::scenario::FaultSpec::outage(
        "test-fault",
        payfault::scenario::Component::Gateway,
        10 * HOUR,
        10 * HOUR + 20 * MINUTE,
        OutageMode::Drop,
        None,
    )];
    v.push(("gateway-down", gateway_down));
    let mut short_obs = base;
    short_obs.observation = Some(26 * HOUR);
    v.push(("short-observation", short_obs));
    // Every mechanism after authorisation at once (flows, routing, timeouts, stand-in, file
    // faults, D+0 with a cap, maintenance, merchant risk, reconciliation), on a busier fleet,
    // then with lossy links, an issuer outage and fraud on top.
    let mut all = load("tests/fixtures/postauth.toml");
    all.terminals[0].count = 400;
    v.push(("postauth", all.clone()));
    // A fault of every kind of the catalogue, each active for a stretch of the hour.
    let every = load("tests/fixtures/every_fault.toml");
    v.push(("every-fault", every));
    let mut rough = all;
    for l in &mut rough.links.terminal {
        l.loss = 0.05;
    }
    for l in &mut rough.links.gateway_channel {
        l.loss = 0.02;
    }
    rough.fraud_share = 0.01;
    rough.payout.wrong_account_share = 0.02;
    rough.faults = vec![payfault::scenario::FaultSpec::outage(
        "test-fault",
        payfault::scenario::Component::Issuer(0),
        10 * HOUR,
        11 * HOUR,
        OutageMode::Drop,
        None,
    )];
    v.push(("postauth-rough", rough));
    // D+0 payouts with lossy terminal links: a terminal's last reversal can arrive after the
    // advance, and the payout must be taken back from the merchant.
    let mut d0 = load("scenarios/d0_payout.toml");
    for l in &mut d0.links.terminal {
        l.loss = 0.05;
    }
    v.push(("d0-lossy", d0.clone()));
    // Stand-in approvals paid D+0 whose advices expire before the issuer is back, observed
    // before any presentment: credited, not yet charged.
    let mut stood = d0;
    stood.observation = Some(20 * HOUR);
    stood.faults = vec![payfault::scenario::FaultSpec::outage(
        "issuer-down",
        payfault::scenario::Component::Issuer(0),
        10 * HOUR,
        11 * HOUR,
        OutageMode::Drop,
        None,
    )];
    for c in &mut stood.channels {
        c.issuer_timeout = Some(5 * payfault::engine::SECOND);
        c.stand_in = Some(payfault::scenario::StandInSpec {
            limit: 20_000,
            advice_interval: MINUTE,
            advice_expiry: 10 * MINUTE,
        });
    }
    v.push(("d0-stand-in", stood));
    v
}

#[test]
fn every_run_balances_and_classifies_every_payment_once() {
    for (name, s) in variants() {
        for run in 0..2 {
            let out = model::simulate(&s, 17, run, &mut NoTrace)
                .unwrap_or_else(|v| panic!("{name}: {v}"));
            let total: u64 = Outcome::ALL.iter().map(|&o| out.count(o)).sum();
            assert_eq!(total, out.payments, "{name}: outcomes sum to payments");
            assert!(out.payments > 1000, "{name}: the scenario made traffic");
            assert!(out.false_declines <= out.count(Outcome::Declined), "{name}");
            // Every payment that did not settle on time is counted against one cause.
            assert!(
                out.by_cause[0].iter().all(|&(n, _)| n == 0),
                "{name}: payments without a cause: {:?}",
                out.by_cause[0]
            );
            for o in Outcome::ALL
                .into_iter()
                .filter(|&o| o != Outcome::SettledOnTime)
            {
                let (n, a) = out.by_cause.iter().fold((0, 0), |(n, a), row| {
                    (n + row[o as usize].0, a + row[o as usize].1)
                });
                assert_eq!(
                    (n, a),
                    (out.count(o), out.amount(o)),
                    "{name}: {o:?} by cause"
                );
            }
            // Every settled payment is credited; the merchants also keep the chargebacks they are
            // not liable for and sales credited for a failed till.
            let credited: i64 = [Outcome::SettledOnTime, Outcome::SettledLate]
                .iter()
                .map(|&o| out.amount(o))
                .sum();
            assert!(credited <= out.merchant_credited, "{name}");
        }
    }
}

#[test]
fn the_features_actually_fire() {
    // Guards the test above against vacuity: each variant produces what it is meant to.
    let get = |n: &str| variants().into_iter().find(|(k, _)| *k == n).unwrap().1;
    let run = |s: &Scenario| model::simulate(s, 17, 0, &mut NoTrace).unwrap();
    let lossy = run(&get("lossy"));
    assert!(lossy.count(Outcome::Reversed) > 0 && lossy.timeouts > 0 && lossy.messages_lost > 0);
    let nr = run(&get("lossy-no-reversal"));
    assert!(
        nr.count(Outcome::ChargedWithoutSale) > 0,
        "without reversals, approvals lost on the way back charge cardholders without a sale"
    );
    let exp = run(&get("lossy-holds-expire"));
    assert!(
        exp.holds_expired > 0
            && exp.count(Outcome::ChargedWithoutSale) < nr.count(Outcome::ChargedWithoutSale),
        "3 h holds all lapse before the horizon"
    );
    let review = run(&get("review"));
    assert!(
        review.risk_reviews > 0 && review.count(Outcome::SettledLate) > 0,
        "reviewed payments settle late"
    );
    let short = run(&get("short-observation"));
    assert!(
        short.count(Outcome::Pending) > 0,
        "observation ending before settlement leaves payments pending"
    );
    let reject = run(&get("reject"));
    assert!(reject.count(Outcome::Declined) > run(&get("baseline")).count(Outcome::Declined));
    let rough = run(&get("postauth-rough"));
    let fired = [
        ("stand-ins", rough.stand_ins),
        ("advices", rough.advices_sent),
        ("channel timeouts", rough.channel_timeouts),
        ("refunds after posting", rough.refunds),
        ("D+0 payouts", rough.advances),
        ("merchant holds", rough.merchant_holds),
        ("payouts delayed by maintenance", rough.payouts_delayed),
        ("chargebacks", rough.count(Outcome::Chargeback)),
        ("breaks found", rough.breaks_found.iter().sum()),
        ("breaks repaired", rough.breaks_repaired),
        (
            "rejected or late files",
            rough.files_rejected + rough.files_late,
        ),
    ];
    for (what, n) in fired {
        assert!(n > 0, "postauth-rough: no {what}");
    }
}

/// Issue 21, defect 1: terminal retries with idempotency keys, a channel's issuer timeout,
/// loss between the channel and the issuer and an observation that ends before presentment
/// stopped every seed with `beliefs_agree_or_break`. The channel's timeout reversal of a first
/// attempt reverses the authorisation its key's retry was approved on: the acquirer holds a
/// sale the issuer no longer backs. That is a real mismatch (a reversal mismatch until
/// presentment, an unmatched presentment after it), and the books must say so.
#[test]
fn a_timeout_reversal_of_a_retried_key_is_a_break_not_a_violation() {
    let s = load("tests/fixtures/retry_key_reversed.toml");
    let mut open_mismatches = 0;
    for seed in 1..=4 {
        for run in 0..2 {
            let out = model::simulate(&s, seed, run, &mut NoTrace)
                .unwrap_or_else(|v| panic!("seed {seed} run {run}: {v}"));
            assert!(out.idempotent_replays > 0 && out.channel_timeouts > 0);
            open_mismatches += out.breaks_open[1];
        }
    }
    assert!(
        open_mismatches > 0,
        "the mismatch is counted as an open break"
    );
    // Observed past presentment, the same sales are unmatched presentments.
    let mut long = s.clone();
    long.observation = None;
    let out = model::simulate(&long, 1, 0, &mut NoTrace).unwrap_or_else(|v| panic!("{v}"));
    assert!(out.breaks_open[2] > 0, "unmatched presentments at clearing");
    assert_eq!(out.breaks_open[1], 0);
}

/// Issue 21, defect 1's siblings, found by the wider random-scenario generator: D+0 payouts,
/// idempotent retries at the terminal and at the acquirer, a channel that times out on the
/// issuer and stands in, lossy links everywhere, two-hour holds, late and rejected clearing
/// files and reconciliation. Each combination once broke the books: a D+0 advance kept by the
/// merchant after the terminal's reversal or a written-off presentment; a stand-in approval
/// shown at the till after the acquirer had declined the key; an idempotent owner classified
/// twice at the end of observation; a first attempt decided again after its retry was
/// answered; an advanced sale the issuer no longer backs.
#[test]
fn d0_payouts_with_idempotent_retries_stand_in_and_late_files_keep_the_books() {
    let base = load("tests/fixtures/retry_key_reversed.toml");
    let mut s = base.clone();
    s.observation = None;
    s.payout.schedule = payfault::scenario::PayoutSchedule::D0;
    s.settlement.file_late_share = 0.3;
    s.settlement.file_reject_share = 0.2;
    s.issuers[0].hold_expiry = 2 * HOUR;
    s.links.terminal[0].loss = 0.05;
    s.links.gateway_channel[0].loss = 0.02;
    s.channels[0].stand_in = Some(payfault::scenario::StandInSpec {
        limit: 20_000,
        advice_interval: MINUTE,
        advice_expiry: 10 * MINUTE,
    });
    s.reconciliation = scenario::baseline().reconciliation;
    s.strategy.reversal = None;
    let mut acquirer = s.clone();
    acquirer.strategy.retry.layer = payfault::scenario::strategies::retry::RetryLayer::Acquirer;
    acquirer.strategy.acquirer_timeout = Some(5 * payfault::engine::SECOND);
    acquirer.strategy.terminal_timeout = 30 * payfault::engine::SECOND;
    let mut reversing = s.clone();
    reversing.strategy.reversal = scenario::baseline().strategy.reversal;
    let mut short = s.clone();
    short.observation = base.observation;
    let (mut advances, mut taken_back, mut exceptions) = (0, 0, 0);
    for (name, v) in [
        ("terminal", &s),
        ("acquirer", &acquirer),
        ("reversing", &reversing),
        ("short", &short),
    ] {
        for seed in 1..=3 {
            let out = model::simulate(v, seed, 0, &mut NoTrace)
                .unwrap_or_else(|e| panic!("{name} seed {seed}: {e}"));
            let total: u64 = Outcome::ALL.iter().map(|&o| out.count(o)).sum();
            assert_eq!(
                total + out.attempts_without_outcome,
                out.payments + out.retry_attempts,
                "{name}"
            );
            advances += out.advances;
            taken_back += out.merchant_debits;
            exceptions += out.exceptions;
        }
    }
    assert!(advances > 0 && taken_back > 0 && exceptions > 0);
}

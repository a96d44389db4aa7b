//! An outage plus terminal timeouts and reversals charges cardholders without a sale in the
//! numbers its parameters imply: the till showed no answer, yet the cardholder's money stays
//! held (the approval died at the dead channel on its way back, and so did every reversal).
//!
//! Set-up (all times constant so the arithmetic is exact): Poisson arrivals at λ = 50/s for 2 h;
//! instantaneous links; the issuer takes D = 2 s per payment with ample servers (no queueing);
//! the channel is black-holed ("drop") during [1h, 1h + L). A payment is charged without a sale exactly when the
//! issuer approved it but the approval reached the dead channel on its way back (its request
//! passed the channel in [1h − D, 1h)), and every reversal the terminal sends also reaches the
//! channel while it is dead. The number of requests passing the channel in a window of length D
//! is Poisson with mean λD = 100.

use payfault::metrics::BatchResult as Batch;
use payfault::model::{self, NoTrace, Outcome};
use payfault::runner::{BatchOptions, run_batch};
use payfault::scenario::{self, Limits, Scenario};
use std::sync::atomic::AtomicBool;

use crate::common;
use common::assert_in_ci;

const LAMBDA: f64 = 50.0;
const D: f64 = 2.0;

fn scenario(outage: &str, attempts: u32) -> Scenario {
    let text = format!(
        r#"
name = "outage-theory"
[simulation]
traffic_window = "2h"
[[terminals]]
id = "pos"
count = 1
rate = "50/s"
profile = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]
amount = "25.00"
miskey_share = 0
[gateway]
servers = 1000
service = "10ms"
[risk]
enabled = false
fraud_share = 0
[[channels]]
id = "scheme"
servers = 1000
service = "10ms"
[[issuers]]
id = "bank"
servers = 1000
service = "2s"
do_not_honour_share = 0
[issuers.accounts]
count = 100
balance = "100000000.00"
frozen_share = 0
[network]
latency = "0ms"
[strategy]
terminal_timeout = "30s"
[strategy.reversal]
until = "attempts"
attempts = {attempts}
interval = "60s"
[strategy.saf]
enabled = false
[[faults]]
kind = "outage"
target = "scheme"
start = "1h"
duration = "{outage}"
mode = "drop"
"#
    );
    scenario::parse(&text, "outage-theory", &Limits::default()).unwrap()
}

fn batch(s: &Scenario, runs: u64) -> Batch {
    run_batch(
        s,
        &BatchOptions {
            runs,
            seed: 99,
            threads: 0,
        },
        &AtomicBool::new(false),
        |_, _| Ok(()),
        |_| {},
    )
    .unwrap()
}

#[test]
fn long_outage_strands_the_approvals_in_flight() {
    // 30 min outage: the timeout (30 s) and all three reversals (at +30 s, +90 s, +150 s) fall
    // inside it, so every approval lost on the way back stays stuck.
    let b = batch(&scenario("30m", 3), 30);
    assert_in_ci(&b, "charged_without_sale", LAMBDA * D);
    assert_in_ci(&b, "charged_without_sale_amount", LAMBDA * D * 25.0);
    // Requests reaching the dead channel (those finishing channel service in the window) are
    // never charged: declined after a timeout.
    assert_in_ci(&b, "declined", LAMBDA * 1800.0);
    assert_in_ci(&b, "reversed", 0.0);
    // Poisson counts: variance equals the mean (allow the sampling error of a variance).
    let s = b.summary("charged_without_sale").unwrap();
    let var = s.std.unwrap().powi(2);
    assert!(
        var > 0.4 * LAMBDA * D && var < 2.0 * LAMBDA * D,
        "charged_without_sale variance {var} not Poisson-like"
    );
}

#[test]
fn short_outage_lets_the_retried_reversal_through() {
    // 60 s outage: the first reversal (≈ +30 s) dies, the retry (≈ +90 s) passes and releases
    // the hold: the same payments end reversed, not charged without a sale.
    let b = batch(&scenario("60s", 3), 30);
    assert_in_ci(&b, "charged_without_sale", 0.0);
    assert_in_ci(&b, "reversed", LAMBDA * D);
    // With a single reversal attempt nothing retries: the holds stay.
    let b = batch(&scenario("60s", 1), 30);
    assert_in_ci(&b, "charged_without_sale", LAMBDA * D);
    assert_in_ci(&b, "reversed", 0.0);
}

/// Issue 21, defect 5: a terminal built to the usual specifications keeps its pending
/// reversal until it is acknowledged (the default, `until = "acknowledged"`): the same
/// 30-minute outage strands nothing, because the first repeat after the switch is back
/// releases each hold. (The old terminal above gives up after three tries.)
#[test]
fn terminals_that_keep_their_reversal_strand_nothing_after_the_outage() {
    let mut s = scenario("30m", 3);
    s.strategy.reversal.as_mut().unwrap().until = payfault::scenario::ReversalUntil::Acknowledged;
    let b = batch(&s, 12);
    assert_in_ci(&b, "charged_without_sale", 0.0);
    assert_in_ci(&b, "reversed", LAMBDA * D);
    // By default (no `until` written) a terminal keeps its reversal.
    let text = "name = \"d\"\n";
    let d = scenario::parse(text, "d", &Limits::default()).unwrap();
    assert_eq!(
        d.strategy.reversal.unwrap().until,
        payfault::scenario::ReversalUntil::Acknowledged
    );
}

#[test]
fn store_and_forward_turns_the_phantom_charges_into_reversals_after_the_outage() {
    // The same 30-minute outage, but the acquirer host owns the reversals: it acknowledges the
    // terminal at once and repeats the reversal every 60 s for 24 h. The first repeat after
    // the switch comes back reaches the issuer: every phantom charge is reversed, none
    // expires, and the cardholders get their money back within about a minute of the end of
    // the outage instead of when the hold lapses.
    let mut s = scenario("30m", 3);
    s.strategy.saf = Some(payfault::scenario::SafSpec {
        interval: 60 * payfault::engine::SECOND,
        expiry: payfault::engine::DAY,
    });
    let b = batch(&s, 12);
    assert_in_ci(&b, "charged_without_sale", 0.0);
    assert_in_ci(&b, "reversed", LAMBDA * D);
    assert_in_ci(&b, "saf_expired", 0.0);
    // Every sale whose terminal times out during the outage (L = 1800 s of them at λ per
    // second) is reversed through the host, which repeats once a minute until the switch is
    // back: a sale u seconds before the end sends about u / 60 + 1/2 times, so the host sends
    // about λ (L² / 120 + L / 2) reversals in all.
    let l = 1800.0;
    let expected = LAMBDA * (l * l / 120.0 + l / 2.0);
    let sent = b.summary("saf_reversals_sent").unwrap().mean.unwrap();
    assert!((sent / expected - 1.0).abs() < 0.1, "{sent} vs {expected}");
}

#[test]
fn phantom_charges_sit_with_the_issuer_and_match_the_payments() {
    let s = scenario("30m", 3);
    let out = model::simulate(&s, 5, 0, &mut NoTrace).unwrap();
    let stuck = out.count(Outcome::ChargedWithoutSale);
    assert!(
        stuck > 50,
        "expected about 100 phantom charges, got {stuck}"
    );
    assert_eq!(
        out.amount(Outcome::ChargedWithoutSale),
        stuck as i64 * 2500,
        "each phantom charge is 25.00"
    );
    let total: u64 = Outcome::ALL.iter().map(|&o| out.count(o)).sum();
    assert_eq!(total, out.payments);
}

//! The path after authorisation, mechanism by mechanism. Each test builds a small scenario that
//! isolates one mechanism and checks what it must do against the scenario's own parameters
//! (a share, a delay, a limit), or against the same payments without the mechanism: every
//! design sees the same payments (common random numbers), so differences are exact.

use payfault::engine::{DAY, HOUR, SECOND};
use payfault::metrics::RunOutput;
use payfault::model::{self, NoTrace, Outcome};
use payfault::scenario::{self, Scenario};

use crate::common;

/// Asserts that `k` successes out of `n` are consistent with probability `p` (99.9% normal
/// approximation to the binomial).
fn assert_binomial_99_9(what: &str, k: u64, n: u64, p: f64) {
    common::assert_binomial_within(what, k, n, p, 3.29, 1.0);
}

/// One terminal group of 50 terminals making 6,000 payments an hour (flat over the day) for
/// six hours on a Monday, amounts uniform in (0, 200]; a gateway, a channel and an issuer with fixed service
/// times and ample servers; 10 ms links; accounts that always pay; no fraud and no risk rules.
/// `extra` adds or overrides tables (a table given in `extra` replaces the base's).
fn scen(extra: &str) -> Scenario {
    let mut base = String::from("name = \"t\"\n");
    let unless = |base: &mut String, header: &str, text: &str| {
        if !extra.contains(header) {
            base.push_str(text);
        }
    };
    unless(
        &mut base,
        "[simulation]",
        "[simulation]\nruns = 4\nseed = 3\ntraffic_window = \"6h\"\nstart_weekday = \"monday\"\n",
    );
    unless(
        &mut base,
        "[[terminals]]",
        "[[terminals]]\nid = \"shops\"\ncount = 50\nrate = \"120/h\"\n\
         amount = { kind = \"uniform\", min = \"0.01\", max = \"200.00\" }\nmiskey_share = 0.0\n\
         profile = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n",
    );
    base.push_str(
        "[gateway]\nservers = 64\nservice = { kind = \"constant\", value = \"1ms\" }\n\
         [network]\nlatency = { kind = \"constant\", value = \"10ms\" }\n",
    );
    unless(
        &mut base,
        "[risk]",
        "[risk]\nenabled = false\nfraud_share = 0.0\n",
    );
    unless(
        &mut base,
        "[[channels]]",
        "[[channels]]\nid = \"scheme\"\nservers = 64\n\
         service = { kind = \"constant\", value = \"1ms\" }\n",
    );
    if !extra.contains("[[issuers]]") {
        base.push_str(&issuer("bank", ""));
    }
    base.push_str(extra);
    common::parse(&base, "test")
}

/// An issuer with fixed 5 ms service, ample servers, no declines and accounts that always
/// pay; `fields` adds fields to its table.
fn issuer(id: &str, fields: &str) -> String {
    format!(
        r#"
[[issuers]]
id = "{id}"
servers = 100000
service = {{ kind = "constant", value = "5ms" }}
do_not_honour_share = 0.0
{fields}
[issuers.accounts]
count = 1000
balance = {{ kind = "constant", value = "100000000.00" }}
frozen_share = 0.0
"#
    )
}

fn run(s: &Scenario, run: u64) -> RunOutput {
    model::simulate(s, 11, run, &mut NoTrace).unwrap_or_else(|v| panic!("{v}"))
}

fn settled(o: &RunOutput) -> u64 {
    o.count(Outcome::SettledOnTime) + o.count(Outcome::SettledLate)
}

#[test]
fn a_reversal_after_posting_refunds_the_cardholder() {
    // Responses lost on the terminal link make the till time out; the host's stored reversal
    // reaches the issuer after the single-message debit was posted: a refund. On a
    // dual-message channel the same reversals release holds instead.
    let lossy = r#"
[[network.links]]
from = "shops"
to = "gateway"
loss = 0.02
"#;
    let single = scen(&format!(
        "{lossy}\n[[channels]]\nid = \"cup\"\nservers = 64\nflow = \"single\"\n\
         service = {{ kind = \"constant\", value = \"1ms\" }}\n"
    ));
    let dual = scen(lossy);
    for r in 0..2 {
        let (s, d) = (run(&single, r), run(&dual, r));
        assert!(s.refunds > 50, "run {r}: {} refunds", s.refunds);
        assert_eq!(
            d.refunds, 0,
            "a reversal before the presentment releases a hold"
        );
        // The same payments time out and are reversed in both designs; none stays charged.
        assert_eq!(s.count(Outcome::Reversed), d.count(Outcome::Reversed));
        assert!(s.count(Outcome::Reversed) >= s.refunds);
        assert_eq!(s.count(Outcome::ChargedWithoutSale), 0);
        assert_eq!(d.count(Outcome::ChargedWithoutSale), 0);
        assert_eq!(settled(&s), settled(&d));
    }
}

#[test]
fn a_reversal_after_the_merchant_was_paid_takes_the_money_back_from_the_merchant() {
    // Half the messages on the terminal link are lost, so many tills time out and reverse.
    // The cut-off is at 00:10 and merchants are credited at 00:20 the same day; the issuer is
    // unreachable from 00:10 to 00:30, so the host's stored reversals of sales timed out
    // around the cut-off reach it only after the merchant was paid: the refund is funded by
    // taking the payout back from the merchant.
    let s = scen(
        r#"
[simulation]
runs = 4
seed = 3
traffic_window = "15m"
start_weekday = "monday"

[[terminals]]
id = "shops"
count = 50
rate = "1200/h"
amount = { kind = "uniform", min = "0.01", max = "200.00" }
miskey_share = 0.0
profile = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]

[[network.links]]
from = "shops"
to = "gateway"
loss = 0.5

[settlement]
cutoff = "00:10"
credit_time = "00:20"
lag_days = 0
promise_days = 0

[[faults]]
kind = "outage"
target = "bank"
start = "10m"
duration = "20m"
mode = "drop"
"#,
    );
    for r in 0..2 {
        let o = run(&s, r);
        assert!(
            o.merchant_debits > 5,
            "run {r}: {} merchants debited",
            o.merchant_debits
        );
        assert!(o.refunds >= o.merchant_debits);
        // Store-and-forward got every reversal that reached the host through in the end.
        assert_eq!(o.saf_expired, 0);
    }
}

/// Responses lost between the channel and the acquirer (2% of messages on that link), and
/// no reversals: approvals lost on the way back leave phantom holds.
fn phantom_scenario(recon: &str) -> Scenario {
    scen(&format!(
        r#"
[[network.links]]
from = "gateway"
to = "scheme"
loss = 0.02

[strategy]
terminal_timeout = "30s"
[strategy.reversal]
enabled = false
{recon}
"#
    ))
}

#[test]
fn reconciliation_bounds_the_age_of_a_phantom_charge() {
    let (detection, interval, repair) = (HOUR, 12 * HOUR, 4 * HOUR);
    let without = phantom_scenario("");
    let with = phantom_scenario(
        r#"
[reconciliation]
enabled = true
at = "06:00"
interval = "12h"
detection_delay = "1h"
repair_time = "4h"
"#,
    );
    let hold_expiry = without.issuers[0].hold_expiry;
    for r in 0..3 {
        let (a, b) = (run(&without, r), run(&with, r));
        let phantoms = a.count(Outcome::ChargedWithoutSale);
        assert!(
            phantoms > 100,
            "run {r}: lost responses make phantom charges"
        );
        // Without reconciliation each phantom hold stays open, as old as the run allows
        // (the holds last 7 days, longer than observation).
        assert!(a.horizon < hold_expiry);
        assert_eq!(a.breaks_open.iter().sum::<u64>(), phantoms);
        assert!(a.open_break_oldest > a.horizon - 3 * HOUR);
        assert_eq!(a.breaks_repaired, 0);
        // With it, the same payments are found and repaired: none is left charged.
        assert_eq!(b.count(Outcome::ChargedWithoutSale), 0);
        assert_eq!(b.breaks_repaired, phantoms);
        assert_eq!(b.breaks_found[0], phantoms);
        assert_eq!(
            b.count(Outcome::Reversed),
            a.count(Outcome::Reversed) + phantoms
        );
        // Found by the first run at least the detection delay after the break arose, repaired
        // the repair time later: no break is older than that when repaired.
        assert!(b.repaired_age_max <= detection + interval + repair);
        assert!(b.repaired_age_max >= detection + repair);
        assert_eq!(b.breaks_open.iter().sum::<u64>(), 0);
    }
}

#[test]
fn an_acquirer_timeout_answers_91_and_refuses_the_late_response_with_68() {
    // Issuer service uniform in [0, 20] s; the acquirer gives up after 10 s. The rest of the
    // path takes 4 links x 10 ms + 2 x 1 ms, so a request times out when its service exceeds
    // 10 s - 42 ms: probability (20 - 9.958) / 20.
    let mut s = scen(
        r#"
[strategy]
acquirer_timeout = "10s"
terminal_timeout = "30s"
"#,
    );
    s.issuers[0].station.service = payfault::engine::Dist::Uniform {
        lo: 0.0,
        width: 20.0 * SECOND as f64,
    };
    let p = (20.0 - 9.958) / 20.0;
    let (mut k, mut n) = (0, 0);
    for r in 0..2 {
        let o = run(&s, r);
        k += o.acquirer_timeouts;
        n += o.payments;
        // Every request the acquirer gave up on is answered later, and refused with 68.
        assert_eq!(o.late_refused, o.acquirer_timeouts);
        // The acquirer answered first: the terminal never waits for its own timer.
        assert_eq!(o.timeouts, 0);
        // Its store-and-forward reversal undoes each late approval: the tills showed 91 and
        // nobody is left charged.
        // (A reversal that overtakes the slow request makes the issuer refuse it: declined.)
        assert_eq!(o.count(Outcome::ChargedWithoutSale), 0);
        assert_eq!(
            o.count(Outcome::Reversed) + o.count(Outcome::Declined),
            o.acquirer_timeouts
        );
        assert!(o.count(Outcome::Reversed) > 0);
        assert_eq!(settled(&o) + o.acquirer_timeouts, o.payments);
    }
    assert_binomial_99_9("acquirer timeouts", k, n, p);
}

#[test]
fn stand_in_approves_within_its_limit_while_the_issuer_is_down() {
    let s = scen(
        r#"
[[channels]]
id = "scheme"
servers = 64
service = { kind = "constant", value = "1ms" }
issuer_timeout = "5s"
stand_in = { enabled = true, limit = "50.00" }

[[faults]]
kind = "outage"
target = "bank"
start = "1h"
duration = "1h"
mode = "drop"
"#,
    );
    let (mut k, mut n) = (0, 0);
    for r in 0..2 {
        let o = run(&s, r);
        assert!(
            o.channel_timeouts > 5000,
            "an hour of traffic meets the dead issuer"
        );
        k += o.stand_ins;
        n += o.channel_timeouts;
        // Over the limit: 91, declined. Within it: approved, and the advice charges the
        // cardholder once the issuer is back, so every stand-in settles.
        assert_eq!(o.count(Outcome::Declined), o.channel_timeouts - o.stand_ins);
        assert_eq!(settled(&o), o.payments - o.count(Outcome::Declined));
        assert_eq!(o.advices_expired, 0);
        assert!(o.advices_sent >= o.stand_ins);
        assert_eq!(o.count(Outcome::ChargedWithoutSale), 0);
    }
    // Amounts are uniform on (0, 200]: a quarter are within the 50.00 limit.
    assert_binomial_99_9("stand-ins among timeouts", k, n, 0.25);
}

#[test]
fn a_rejected_clearing_file_delays_that_days_sales_by_one_business_day() {
    let cal = |rejected: &str| {
        scen(&format!(
            r#"
[simulation]
runs = 4
seed = 3
traffic_window = "24h"
start_date = "2026-11-23"

[settlement]
cutoff = "22:00"
lag_days = 1
promise_days = 1
file_rejected = [{rejected}]
"#
        ))
    };
    let plain = cal("");
    let rejected = cal("\"2026-11-23\"");
    let h = |s: &Scenario| scenario::calendar::horizon(s);
    // Observation covers the extra day: the last batch (Tuesday's) is presented with
    // Wednesday's file and credited on Thursday at 09:00, plus an hour. Without the fault it
    // ends an hour after the last sale's promise, T+1 by the end of Wednesday.
    let credit = plain.settlement.credit_time;
    assert_eq!(h(&rejected), 3 * DAY + credit + HOUR);
    assert_eq!(h(&plain), 3 * DAY + HOUR);
    for r in 0..2 {
        let (a, b) = (run(&plain, r), run(&rejected, r));
        assert_eq!(b.files_rejected, 1);
        assert_eq!(settled(&a), settled(&b));
        // Without the fault only a sale approved a moment after the cut-off it was made before
        // is late.
        assert!(a.count(Outcome::SettledLate) < 5);
        // Monday's sales (before the 22:00 cut-off) are credited on Wednesday instead of
        // Tuesday: late against T+1. The sales after the cut-off keep their Wednesday credit.
        let late_share = (b.count(Outcome::SettledLate) - a.count(Outcome::SettledLate)) as f64
            / settled(&b) as f64;
        // 22 of the day's 24 hours of (flat) traffic come before the cut-off.
        let p = 22.0 / 24.0;
        assert!((late_share - p).abs() < 0.01, "{late_share}");
        assert_eq!(
            b.exceptions, 0,
            "a one-day delay does not outlast 7-day holds"
        );
    }
}

#[test]
fn d0_payouts_go_out_within_minutes_up_to_each_merchants_daily_cap() {
    let d0 = |cap: &str| {
        scen(&format!(
            r#"
[[terminals]]
id = "shops"
count = 10
rate = "30/h"
amount = {{ kind = "constant", value = "100.00" }}
miskey_share = 0.0
profile = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]

[payout]
schedule = "d0"
{cap}
"#
        ))
    };
    let uncapped = d0("");
    let capped = d0("d0_daily_cap = \"500.00\"");
    for r in 0..2 {
        let (a, b) = (run(&uncapped, r), run(&capped, r));
        // Without a cap every approval is paid instantly: the terminal timeout plus a minute
        // after the approval.
        assert_eq!(a.advances, settled(&a));
        let p50 = a.settle_delay_ms.value_at_quantile(0.5) as f64 / 1e3;
        let expected = (uncapped.strategy.terminal_timeout + 60 * SECOND) as f64 / 1e9;
        assert!((p50 - expected).abs() < 1.0, "{p50} s");
        // With a cap of 500.00 and sales of 100.00, each of the 10 merchants gets at most 5
        // instant payouts a day; the rest wait for T+1.
        assert!(b.advances <= 10 * 5);
        assert_eq!(b.advances + b.d0_over_cap, a.advances);
        assert_eq!(settled(&a), settled(&b));
    }
}

#[test]
fn merchant_risk_holds_large_sales_for_their_review_time() {
    let s = scen(
        r#"
[merchant_risk]
enabled = true
large_sale = "150.00"
review_time = { kind = "constant", value = "3d" }
"#,
    );
    let review = 3 * DAY;
    let (mut k, mut n) = (0, 0);
    for r in 0..2 {
        let o = run(&s, r);
        k += o.merchant_holds;
        n += o.payments;
        // A held payout is released after the review: three days, past the T+1 promise.
        assert_eq!(o.count(Outcome::SettledLate), o.merchant_holds);
        assert_eq!(o.count(Outcome::NotArrived), 0);
        assert!(o.horizon >= review, "observation covers the review");
        let p99 = o.settle_delay_ms.value_at_quantile(0.999) as f64 / 1e3;
        assert!(
            p99 >= (review / SECOND) as f64,
            "held payouts wait the review: {p99} s"
        );
    }
    // Amounts are uniform on (0, 200]: a quarter are 150.00 or more.
    assert_binomial_99_9("held payouts", k, n, 0.25);
}

#[test]
fn a_maintenance_window_at_credit_time_delays_every_payout_to_its_end() {
    let base = scen("");
    let window = scen(
        r#"
[payout]
bank_maintenance = [{ start = "08:30", end = "10:00" }]
"#,
    );
    assert_eq!(base.settlement.credit_time, 9 * HOUR);
    for r in 0..2 {
        let (a, b) = (run(&base, r), run(&window, r));
        assert_eq!(b.payouts_delayed, b.payouts);
        assert_eq!(settled(&a), settled(&b));
        // Every credit moves from 09:00 to 10:00: the delay distribution shifts by one hour,
        // up to the histogram's resolution (3 significant digits).
        for q in [0.01, 0.5, 0.99] {
            let (x, y) = (
                a.settle_delay_ms.value_at_quantile(q) as f64,
                b.settle_delay_ms.value_at_quantile(q) as f64,
            );
            let shift = y - x;
            assert!(
                (shift - HOUR as f64 / 1e6).abs() <= 0.002 * y,
                "q{q}: {x} ms -> {y} ms"
            );
        }
    }
}

#[test]
fn the_routing_table_sends_each_issuers_cards_to_its_channel_and_fails_over_to_the_backup() {
    let two = |backup: &str, outage: bool| {
        let fault = if outage {
            "[[faults]]\nkind = \"outage\"\ntarget = \"cup\"\nstart = \"1h\"\n\
             duration = \"1h\"\nmode = \"reject\"\n"
        } else {
            ""
        };
        scen(&format!(
            r#"
[[channels]]
id = "cup"
servers = 64
service = {{ kind = "constant", value = "1ms" }}
[[channels]]
id = "tpp"
servers = 64
service = {{ kind = "constant", value = "1ms" }}
{}
{}

[[routing]]
issuer = "bank"
channel = "cup"
{backup}
[[routing]]
issuer = "bank-b"
channel = "tpp"
{fault}
"#,
            issuer("bank", "share = 0.3"),
            issuer("bank-b", "share = 0.7"),
        ))
    };
    let routed = two("", false);
    let (mut cup, mut all) = (0, 0);
    for r in 0..2 {
        let o = run(&routed, r);
        let at = |id: &str| {
            o.stations
                .iter()
                .find(|(name, _)| name == id)
                .unwrap()
                .1
                .arrivals_in_window
        };
        cup += at("cup");
        all += at("cup") + at("tpp");
        assert_eq!(
            at("cup"),
            at("bank"),
            "every card of `bank` goes through `cup`"
        );
    }
    assert_binomial_99_9("cards of bank through cup", cup, all, 0.3);

    // `cup` refuses everything for an hour: without a backup those sales are declined 91;
    // with `tpp` as backup, the same sales are re-sent there and settle.
    let no_backup = two("", true);
    let backup = two("backup = \"tpp\"", true);
    for r in 0..2 {
        let (a, b) = (run(&no_backup, r), run(&backup, r));
        assert!(b.failovers > 1000);
        assert_eq!(a.count(Outcome::Declined), b.failovers);
        assert_eq!(b.count(Outcome::Declined), 0);
        assert_eq!(settled(&b), b.payments);
    }
}

#[test]
fn the_liability_rule_decides_who_bears_a_chargeback() {
    let with = |who: &str| {
        scen(&format!(
            "[risk]\nenabled = false\nfraud_share = 0.01\nliability = \"{who}\"\n"
        ))
    };
    let (m, a, i) = (with("merchant"), with("acquirer"), with("issuer"));
    for r in 0..2 {
        let (om, oa, oi) = (run(&m, r), run(&a, r), run(&i, r));
        let amount = om.amount(Outcome::Chargeback);
        assert!(om.count(Outcome::Chargeback) > 100);
        // The same frauds in each design; the refund comes from the liable party.
        assert_eq!(oa.amount(Outcome::Chargeback), amount);
        assert_eq!(oi.amount(Outcome::Chargeback), amount);
        assert_eq!(om.chargeback_loss, [amount, 0, 0]);
        assert_eq!(oa.chargeback_loss, [0, amount, 0]);
        assert_eq!(oi.chargeback_loss, [0, 0, amount]);
        // The merchant keeps the money when someone else is liable.
        assert_eq!(oa.merchant_credited, om.merchant_credited + amount);
    }
}

#[test]
fn holds_left_by_a_late_file_lapse_into_exceptions_that_reconciliation_repairs() {
    // Holds expire after 2 hours and Monday's file is late: the presentment comes a day later
    // and finds the holds lapsed. Without reconciliation the sales never reach the merchants;
    // with it the issuer posts them after all and the merchants are paid late.
    let s = |recon: &str| {
        scen(&format!(
            r#"
[simulation]
runs = 4
seed = 3
traffic_window = "6h"
start_date = "2026-11-23"
observation = "6d"

{}
[settlement]
file_rejected = ["2026-11-23"]
{recon}
"#,
            issuer("bank", "hold_expiry = \"2h\""),
        ))
    };
    let without = s("");
    let with = s(
        "[reconciliation]\nenabled = true\nat = \"06:00\"\ninterval = \"24h\"\n\
                  detection_delay = \"1h\"\nrepair_time = \"4h\"\n",
    );
    for r in 0..2 {
        let (a, b) = (run(&without, r), run(&with, r));
        assert_eq!(
            a.exceptions, a.payments,
            "every hold lapsed before its presentment"
        );
        assert_eq!(a.count(Outcome::NotArrived), a.payments);
        assert_eq!(a.breaks_open[2], a.payments);
        assert_eq!(b.exceptions, a.exceptions);
        assert_eq!(b.breaks_repaired, b.exceptions);
        assert_eq!(b.count(Outcome::SettledLate), b.payments);
    }
}

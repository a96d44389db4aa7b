//! `[fees]`, against the scenario's own rates: each sale's gross splits into the merchant's net
//! and the fees at the rates given (each rounded to the cent, so a total is within half a cent
//! a sale of the rate times the gross); credit cards take their share of interchange; D+0
//! costs its surcharge on every advanced sale; a mis-set rate pays its merchants short by the
//! difference of the rates. The books' check of every run compares each fee account with the
//! payments' splits (`model::invariants`), so each run here also checks conservation.

use payfault::metrics::RunOutput;
use payfault::model::{self, NoTrace, Outcome};
use payfault::scenario::Scenario;

use crate::common;

/// 40 terminals making 120 sales an hour each, flat over six hours on a Monday, amounts
/// uniform in (0, 200] (never near a cap); ample servers, accounts that always pay, no fraud;
/// T+1 payouts. `fees` is the `[fees]` table, `extra` more tables.
pub(crate) fn scen(fees: &str, extra: &str) -> Scenario {
    let src = format!(
        r#"name = "fees-test"
[simulation]
runs = 2
seed = 5
traffic_window = "6h"
start_weekday = "monday"

[[terminals]]
id = "shops"
count = 40
rate = "120/h"
amount = {{ kind = "uniform", min = "0.01", max = "200.00" }}
miskey_share = 0.0
profile = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]

[gateway]
servers = 64
service = {{ kind = "constant", value = "1ms" }}

[risk]
enabled = false
fraud_share = 0.0

[[channels]]
id = "scheme"
servers = 64
service = {{ kind = "constant", value = "1ms" }}

[[issuers]]
id = "bank"
servers = 100000
service = {{ kind = "constant", value = "5ms" }}
do_not_honour_share = 0.0

[issuers.accounts]
count = 1000
balance = {{ kind = "constant", value = "100000000.00" }}
frozen_share = 0.0

{fees}
{extra}
"#
    );
    common::parse(&src, "fees-test")
}

pub(crate) fn run(s: &Scenario, run: u64) -> RunOutput {
    model::simulate(s, 9, run, &mut NoTrace).unwrap_or_else(|v| panic!("{v}"))
}

/// Sales paid out (all settle in these scenarios, on time or short) and their gross, cents.
fn paid_out(o: &RunOutput) -> (u64, i64) {
    let outcomes = [
        Outcome::SettledOnTime,
        Outcome::SettledLate,
        Outcome::PaidShort,
    ];
    let n = outcomes.iter().map(|&k| o.count(k)).sum();
    let gross = outcomes.iter().map(|&k| o.amount(k)).sum();
    (n, gross)
}

/// Asserts that a total of `n` amounts each rounded to the cent is `rate` × `gross` to within
/// half a cent an amount.
fn assert_rate(what: &str, total: i64, gross: i64, rate: f64, n: u64) {
    let expected = gross as f64 * rate;
    let tol = n as f64 * 0.5 + 1.0;
    assert!(
        (total as f64 - expected).abs() <= tol,
        "{what}: {total} cents, {rate} of {gross} is {expected:.0} ± {tol:.0}"
    );
}

#[test]
fn each_sale_splits_at_the_rates_given() {
    let s = scen(
        r#"[fees]
mdr = "0.6%"
interchange_debit = "0.35%"
scheme = "0.0325%"
credit_share = 0.0"#,
        "",
    );
    for r in 0..2 {
        let o = run(&s, r);
        let (n, gross) = paid_out(&o);
        assert!(n > 20_000, "run {r}: {n} sales paid out");
        assert_eq!(o.count(Outcome::PaidShort), 0);
        let f = o.fees;
        assert_eq!(
            f.net + f.fee,
            gross,
            "run {r}: net and fees add up to the gross"
        );
        assert_eq!(f.interchange + f.scheme_acquirer + f.revenue, f.fee);
        assert_eq!(
            f.scheme_issuer, f.scheme_acquirer,
            "the same fee on both sides"
        );
        assert_eq!(o.merchant_credited, f.net, "the merchants got the net");
        assert_rate("discount", f.fee, gross, 0.006, n);
        assert_rate("interchange", f.interchange, gross, 0.0035, n);
        assert_rate("scheme fee", f.scheme_acquirer, gross, 0.000325, n);
        assert_rate(
            "revenue",
            f.revenue,
            gross,
            0.006 - 0.0035 - 0.000325,
            3 * n,
        );
    }
}

#[test]
fn credit_cards_take_their_share_of_interchange() {
    // Debit cards pay no interchange, credit cards 1%: interchange over the gross is the
    // credit cards' share of the money, about `credit_share` (the draws are per sale; amounts
    // uniform, so the amount-weighted share has variance p(1 - p) × 4/3 / n).
    let share = 0.3;
    let s = scen(
        &format!(
            r#"[fees]
interchange_debit = "0%"
interchange_credit = "1%"
credit_share = {share}"#
        ),
        "",
    );
    for r in 0..2 {
        let o = run(&s, r);
        let (n, gross) = paid_out(&o);
        let got = o.fees.interchange as f64 / (gross as f64 * 0.01);
        let sd = (share * (1.0 - share) * 4.0 / 3.0 / n as f64).sqrt();
        common::assert_near("credit cards' share of the money", got, share, 5.0 * sd);
    }
}

#[test]
fn d0_costs_its_surcharge_on_every_advanced_sale() {
    // The same payments paid T+1 and D+0 (no cap: every sale is advanced): the discounts
    // differ by the 0.1% surcharge of every sale, and nothing else moves.
    let fees = "[fees]\nmdr = \"0.6%\"\nd0_extra = \"0.1%\"";
    let t1 = scen(fees, "");
    let d0 = scen(fees, "[payout]\nschedule = \"d0\"");
    for r in 0..2 {
        let (a, b) = (run(&t1, r), run(&d0, r));
        let (n, gross) = paid_out(&b);
        assert_eq!(
            paid_out(&a),
            (n, gross),
            "run {r}: the same sales are paid out"
        );
        assert_eq!(b.advances, n, "every sale is advanced");
        assert_rate("D+0 surcharge", b.fees.fee - a.fees.fee, gross, 0.001, n);
        assert_eq!(a.fees.interchange, b.fees.interchange);
        assert_eq!(b.fees.net + b.fees.fee, gross);
    }
}

#[test]
fn a_mis_set_rate_pays_its_merchants_short_by_the_difference() {
    // From 02:00 to 04:00 the fee table charges every merchant 1% instead of the agreed 0.6%:
    // a third of the sales of the flat six hours are paid short, each by 0.4% of its amount
    // (within a cent: two roundings), and the fault is their cause.
    let s = scen(
        "[fees]\nmdr = \"0.6%\"",
        r#"[[faults]]
id = "fee-table"
kind = "fee_misconfigured"
target = "shops"
start = "2h"
duration = "2h"
mdr = "1%""#,
    );
    let fault = payfault::scenario::cause::names(&s)
        .iter()
        .position(|c| c == "fee-table")
        .unwrap();
    for r in 0..2 {
        let o = run(&s, r);
        let (n, _) = paid_out(&o);
        let short = o.count(Outcome::PaidShort);
        common::assert_binomial("sales in the fault's window", short, n, 1.0 / 3.0);
        let short_gross = o.amount(Outcome::PaidShort);
        let tol = short as f64 + 1.0;
        let expected = short_gross as f64 * 0.004;
        assert!(
            (o.shortfall as f64 - expected).abs() <= tol,
            "run {r}: paid short by {} cents, 0.4% of {short_gross} is {expected:.0} ± {tol}",
            o.shortfall
        );
        assert_eq!(o.by_cause[fault][Outcome::PaidShort as usize].0, short);
        assert_eq!(
            o.count(Outcome::SettledLate) + o.count(Outcome::NotArrived),
            0
        );
    }
    // With half the merchants struck, about half as many (merchants are drawn, not sales).
    let half = scen(
        "[fees]\nmdr = \"0.6%\"",
        r#"[[faults]]
id = "fee-table"
kind = "fee_misconfigured"
target = "shops"
start = "2h"
duration = "2h"
share = 0.5
mdr = "1%""#,
    );
    let (all, some) = (run(&s, 0), run(&half, 0));
    let ratio = some.count(Outcome::PaidShort) as f64 / all.count(Outcome::PaidShort) as f64;
    // 40 merchants: the share struck is Binomial(40, 0.5) / 40, sd 0.08.
    common::assert_near("share of merchants struck", ratio, 0.5, 0.4);
}

#[test]
fn a_payout_taken_back_takes_its_fees_back() {
    // D+0 with lossy terminal links: tills time out after the advance is planned, and the
    // reversal takes the advance back; fraud confirmed by merchant risk refunds a held payout.
    // Whatever is taken back, the books' check (every run) finds each fee account equal to
    // the splits of the payouts that stayed out.
    let s = scen(
        "[fees]\nmdr = \"0.6%\"\nd0_extra = \"0.2%\"",
        r#"[payout]
schedule = "d0"

[[network.links]]
from = "shops"
to = "gateway"
loss = 0.05

[merchant_risk]
enabled = true
misfire_share = 0.2
review_time = { kind = "constant", value = "2h" }"#,
    );
    for r in 0..2 {
        let o = run(&s, r);
        assert!(o.merchant_debits > 0, "run {r}: no advance taken back");
        assert!(o.merchant_holds > 0, "run {r}: no payout held");
        assert!(o.fees.fee > 0);
    }
}

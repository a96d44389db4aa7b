//! The acquirer's limits on a merchant (`[[terminals]] sale_limit`, `daily_limit`), against
//! the scenario's own parameters: a sale above the limit per sale is declined with 61, so
//! their share is the amount distribution's tail; a merchant's approvals stop at the daily
//! limit, so the declines are what each terminal's Poisson day brings beyond it.

use payfault::model::Outcome;
use payfault::scenario::Dist;

use crate::common;
use crate::fees::{run, scen};

#[test]
fn sales_above_the_limit_per_sale_are_declined() {
    // Amounts uniform in (0.01, 200.00]: a 150.00 limit refuses a quarter of the sales.
    let mut s = scen("", "");
    s.terminals[0].sale_limit = Some(15_000);
    for r in 0..2 {
        let o = run(&s, r);
        common::assert_binomial(
            "sales over 150.00",
            o.merchant_limit_declines,
            o.payments,
            0.25,
        );
        let c = payfault::model::cause::id::MERCHANT_LIMIT as usize;
        assert_eq!(
            o.by_cause[c][Outcome::Declined as usize].0,
            o.merchant_limit_declines
        );
        assert_eq!(o.count(Outcome::Declined), o.merchant_limit_declines);
        // Not a false decline: the merchant's agreement refuses them (61).
        assert_eq!(o.false_declines, 0);
    }
}

#[test]
fn a_merchant_s_approvals_stop_at_the_daily_limit() {
    // Sales of 100.00, at most 1,000.00 a merchant a day: ten. Each of the 40 terminals makes
    // a Poisson number N of sales in the six hours (mean 24): max(0, N - 10) are declined.
    let mut s = scen("", "");
    s.terminals[0].amount = Dist::Constant(10_000.0);
    s.terminals[0].rate = 40.0 * 4.0 / 3600.0;
    s.terminals[0].daily_limit = Some(100_000);
    let lambda: f64 = 24.0;
    // E and Var of max(0, N - 10) for N ~ Poisson(24), from the probability mass function.
    let (mut mean, mut sq, mut p) = (0.0, 0.0, (-lambda).exp());
    for n in 0..200u32 {
        if n > 0 {
            p *= lambda / n as f64;
        }
        let over = n.saturating_sub(10) as f64;
        mean += p * over;
        sq += p * over * over;
    }
    let (m, var) = (40.0 * mean, 40.0 * (sq - mean * mean));
    for r in 0..2 {
        let o = run(&s, r);
        let settled = o.count(Outcome::SettledOnTime) + o.count(Outcome::SettledLate);
        assert!(
            settled <= 40 * 10,
            "run {r}: {settled} approved, at most 400"
        );
        assert_eq!(settled + o.merchant_limit_declines, o.payments);
        let k = o.merchant_limit_declines as f64;
        assert!(
            (k - m).abs() <= 5.0 * var.sqrt() + 2.0,
            "run {r}: {k} declined over the daily limit, the parameters imply {m:.1} ± {:.1}",
            5.0 * var.sqrt() + 2.0
        );
    }
}

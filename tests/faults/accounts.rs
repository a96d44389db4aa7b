//! Faults of accounts: frozen accounts, amount and count limits, spending elsewhere.

use super::*;

#[test]
fn frozen_accounts_are_refused_with_their_code_in_proportion_to_the_share() {
    // 100,000 accounts, a fifth of them frozen: the share of payments refused is the share of
    // accounts frozen, which itself varies by √(s(1 − s)/accounts) around the parameter.
    let accounts = 100_000.0;
    for (code, genuine) in [(62u8, true), (57, true)] {
        let s = scen(&format!(
            "{}[[faults]]\nid = \"frozen\"\nkind = \"frozen_accounts\"\ntarget = \"bank\"\n\
             share = 0.2\ncode = {code}\n",
            issuer("bank", "", "count = 100000\n")
        ));
        let (mut n, mut k) = (0, 0);
        for r in 0..2 {
            let (out, v) = stories(&s, r);
            for p in &v {
                match p.till.unwrap().0 {
                    0 => {}
                    c => {
                        assert_eq!(c, code);
                        assert_eq!(p.cause.as_deref(), Some("frozen"));
                    }
                }
            }
            let d = out.count(Outcome::Declined);
            assert_eq!(d, n_of(&s, &out, "frozen", Outcome::Declined));
            // The issuer's own refusal, a genuine decline: not a false one.
            assert_eq!(out.false_declines, if genuine { 0 } else { d });
            n += out.payments;
            k += d;
        }
        let sd = (0.2 * 0.8 * (1.0 / n as f64 + 1.0 / accounts)).sqrt();
        assert_near(
            &format!("share refused {code}"),
            k as f64 / n as f64,
            0.2,
            5.0 * sd,
        );
    }
}

#[test]
fn an_amount_limit_refuses_larger_sales_with_61_inside_its_window() {
    let s = scen(
        "[[faults]]\nid = \"cap\"\nkind = \"limits\"\ntarget = \"bank\"\nstart = \"1h\"\n\
         duration = \"1h\"\namount_limit = \"150.00\"\n",
    );
    let window = (HOUR, 2 * HOUR);
    // Amounts uniform on [0.01, 200.00]: P(amount > 150.00) = 50 / 199.99.
    let p_over = 50.0 / 199.99;
    let (mut n, mut k) = (0, 0);
    for r in 0..2 {
        let (out, v) = stories(&s, r);
        for p in &v {
            let hit = p.till.unwrap().0 == 61;
            if inside(p.t_sale + TO_ISSUER, window) {
                n += 1;
                k += hit as u64;
            } else {
                assert!(!hit);
            }
        }
        assert_eq!(out.count(Outcome::Declined), k_of(&s, &out, "cap"));
        assert_eq!(out.false_declines, 0, "61 is a genuine decline");
    }
    assert_binomial("61 refusals in the window", k, n, p_over);
}

#[test]
fn a_daily_count_limit_approves_at_most_n_per_account_and_calendar_day() {
    // 10 accounts, 100 sales an hour for two days: every account reaches its 3 approvals on
    // each day, so exactly 3 × 10 × 2 are approved and the rest refused with 65.
    let s = scen(
        &format!(
            "[simulation]\nruns = 2\nseed = 3\ntraffic_window = \"2d\"\n\
         [[terminals]]\nid = \"shops\"\ncount = 10\nrate = \"10/h\"\nminiskey\nprofile = {FLAT}\n\
         {}[[faults]]\nid = \"count\"\nkind = \"limits\"\ntarget = \"bank\"\ndaily_count = 3\n",
            issuer("bank", "", "count = 10\n")
        )
        .replace("miniskey", "miskey_share = 0.0"),
    );
    for r in 0..s.runs {
        let (out, v) = stories(&s, r);
        let mut per_day = [0u32; 2];
        for p in &v {
            match p.till.unwrap().0 {
                0 => per_day[((p.t_sale + TO_ISSUER) / DAY) as usize] += 1,
                c => assert_eq!(c, 65),
            }
        }
        assert_eq!(per_day, [30, 30], "run {r}");
        assert_eq!(k_of(&s, &out, "count"), out.payments - 60);
    }

    // 20,000 accounts and 48,000 sales in 4 hours: each account has Poisson(μ = 2.4) sales,
    // of which min(X, 2) are approved: E = 2 − (2 + μ)e^−μ per account.
    let a = 20_000.0;
    let s = scen(&format!(
        "{}[[faults]]\nid = \"count\"\nkind = \"limits\"\ntarget = \"bank\"\ndaily_count = 2\n",
        issuer("bank", "", "count = 20000\n")
    ));
    let mu = LAMBDA * 4.0 * 3600.0 / a;
    let e = (-mu).exp();
    let mean = 2.0 - (2.0 + mu) * e;
    let second = mu * e + 4.0 * (1.0 - e - mu * e);
    let var = second - mean * mean;
    let approved = total(&s, |o| o.count(Outcome::SettledOnTime));
    let runs = s.runs as f64;
    assert_near(
        "approvals",
        approved as f64,
        runs * a * mean,
        5.0 * (runs * a * var).sqrt(),
    );
}

#[test]
fn spending_elsewhere_makes_51_more_likely_as_the_pay_cycle_goes_on() {
    // Balances of 300.00, 20.00 spent elsewhere each day, paid again every 10 days: u days
    // into the cycle a sale of amount A (uniform on (0, 200]) is refused with 51 when
    // A > 300 − 20u. So no 51 on days 0–4, then a share growing to 0.45 on day 9, and none
    // again after the payday on day 10. 1,000,000 accounts, so hardly any account pays twice.
    let s = scen(&format!(
        "[simulation]\nruns = 1\nseed = 3\ntraffic_window = \"12d\"\n\
         [[terminals]]\nid = \"shops\"\ncount = 100\nrate = \"1/h\"\n\
         amount = {{ kind = \"uniform\", min = \"0.01\", max = \"200.00\" }}\n\
         miskey_share = 0.0\nprofile = {FLAT}\n\
         {}[[faults]]\nid = \"spend\"\nkind = \"spending\"\ntarget = \"bank\"\n\
         per_day = \"20.00\"\npayday = \"10d\"\n",
        issuer("bank", "", "count = 1000000\nbalance = \"300.00\"\n")
    ));
    let (out, v) = stories(&s, 0);
    let share = |u: f64| ((20.0 * u - 100.0) / 199.99).clamp(0.0, 1.0);
    let mut shares = vec![];
    for d in 0..12u64 {
        let day: Vec<&Story> = v
            .iter()
            .filter(|p| (p.t_sale + TO_ISSUER) / DAY == d)
            .collect();
        let n = day.len() as u64;
        let k = day
            .iter()
            .filter(|p| p.cause.as_deref() == Some("spend"))
            .inspect(|p| assert_eq!(p.till.unwrap().0, 51))
            .count() as u64;
        let u0 = (d % 10) as f64;
        let expected = (0..1000)
            .map(|i| share(u0 + (i as f64 + 0.5) / 1000.0))
            .sum::<f64>()
            / 1000.0;
        let x = k as f64 / n as f64;
        let sd = (expected.max(0.01) * (1.0 - expected) / n as f64).sqrt();
        // (+0.02: the few accounts that paid before have less left.)
        assert_near(
            &format!("day {d}: share of 51"),
            x,
            expected,
            5.0 * sd + 0.02,
        );
        shares.push(x);
    }
    assert!(shares[5..10].windows(2).all(|w| w[0] < w[1]), "{shares:?}");
    assert_eq!(
        k_of(&s, &out, "spend") + k_of(&s, &out, "insufficient_funds"),
        out.count(Outcome::Declined)
    );
    assert_eq!(out.false_declines, 0, "51 is a genuine decline");
}

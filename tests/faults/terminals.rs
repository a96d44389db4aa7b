//! Terminal faults: software upgrades and hardware out of service.

use super::*;

/// Whether the terminal refused the sale (out of service or old software).
fn refused(p: &Story) -> bool {
    p.told.iter().any(|(_, x)| x.contains("out of service"))
}

#[test]
fn a_sign_on_upgrade_fails_its_share_of_terminals_from_its_start() {
    let terminals = 20_000.0;
    let s = scen(&format!(
        "{}[[faults]]\nid = \"upgrade\"\nkind = \"terminal_upgrade\"\ntarget = \"shops\"\n\
         start = \"1h\"\nold_share = 0.3\nfailure = \"sign_on\"\n",
        many_merchants()
    ));
    let (mut n, mut k) = (0, 0);
    for r in 0..2 {
        let (out, v) = stories(&s, r);
        for p in &v {
            if refused(p) {
                assert!(p.t_sale >= HOUR);
                assert_eq!(p.outcome, "declined");
                assert_eq!(p.cause.as_deref(), Some("upgrade"));
            }
            if p.t_sale >= HOUR {
                n += 1;
            }
        }
        assert_eq!(out.terminal_refusals, k_of(&s, &out, "upgrade"));
        assert_eq!(out.count(Outcome::Declined), out.terminal_refusals);
        k += out.terminal_refusals;
    }
    let sd = (0.3 * 0.7 * (1.0 / n as f64 + 1.0 / terminals)).sqrt();
    assert_near(
        "refused share after the start",
        k as f64 / n as f64,
        0.3,
        5.0 * sd,
    );

    // Rolled out over a uniform 0–2 h: u hours after the start a share 0.3 (1 − u/2) is still
    // old, so 0.3 × 3/4 in the first hour, 0.3 × 1/4 in the second, none after.
    let s = scen(&format!(
        "{}[[faults]]\nid = \"upgrade\"\nkind = \"terminal_upgrade\"\ntarget = \"shops\"\n\
         start = \"1h\"\nold_share = 0.3\nfailure = \"sign_on\"\n\
         rollout = {{ kind = \"uniform\", min = \"0s\", max = \"2h\" }}\n",
        many_merchants()
    ));
    let (_, v) = stories(&s, 0);
    for (h, expected) in [(0, 0.0), (1, 0.3 * 0.75), (2, 0.3 * 0.25), (3, 0.0)] {
        let hour: Vec<&Story> = v.iter().filter(|p| p.t_sale / HOUR == h).collect();
        let n = hour.len() as f64;
        let x = hour.iter().filter(|p| refused(p)).count() as f64 / n;
        let sd = (0.3 * 0.7 * (1.0 / n + 1.0 / terminals)).sqrt();
        assert_near(&format!("hour {h}: refused share"), x, expected, 5.0 * sd);
    }
}

#[test]
fn a_mid_payment_upgrade_crashes_old_terminals_with_the_approval_in_hand() {
    let terminals = 20_000.0;
    // Old terminals (`until = "attempts"`): restarted, they have no record to reverse.
    let s = scen(&format!(
        "{}[[faults]]\nid = \"upgrade\"\nkind = \"terminal_upgrade\"\ntarget = \"shops\"\n\
         start = \"1h\"\nold_share = 0.3\nfailure = \"mid_payment\"\n\
         [strategy.reversal]\nuntil = \"attempts\"\n",
        many_merchants()
    ));
    let (mut n, mut k) = (0, 0);
    for r in 0..2 {
        let (out, v) = stories(&s, r);
        n += v.iter().filter(|p| p.t_sale >= HOUR).count() as u64;
        let cws = out.count(Outcome::ChargedWithoutSale);
        // The till shows nothing and no reversal is sent: charged, and even paid out.
        assert_eq!(cws, out.terminal_crashes);
        assert_eq!(n_of(&s, &out, "upgrade", Outcome::ChargedWithoutSale), cws);
        assert_eq!(out.reversals_sent, 0);
        assert_eq!(out.timeouts, 0);
        assert_eq!(
            out.merchant_credited,
            settled_amount(&out) + out.amount(Outcome::ChargedWithoutSale)
        );
        k += out.terminal_crashes;
    }
    let sd = (0.3 * 0.7 * (1.0 / n as f64 + 1.0 / terminals)).sqrt();
    assert_near(
        "crashed share after the start",
        k as f64 / n as f64,
        0.3,
        5.0 * sd,
    );
    // Issue 21, defect 5: terminals built to the usual specifications (the default) wrote the
    // pending reversal before the sale: restarted, they send it, and every crash ends
    // reversed instead of charged without a sale (the same payments crash: same draws).
    let mut keep = s.clone();
    keep.strategy.reversal.as_mut().unwrap().until =
        payfault::scenario::ReversalUntil::Acknowledged;
    for r in 0..2 {
        let old = run(&s, r);
        let out = run(&keep, r);
        assert_eq!(out.terminal_crashes, old.terminal_crashes);
        assert_eq!(out.count(Outcome::ChargedWithoutSale), 0);
        assert_eq!(
            n_of(&keep, &out, "upgrade", Outcome::Reversed),
            out.terminal_crashes
        );
        assert!(out.reversals_sent >= out.terminal_crashes);
    }
}

#[test]
fn terminal_hardware_is_out_of_service_for_mttr_over_mtbf_plus_mttr_of_the_time() {
    // 4,000 terminals, each failing after Exp(mean 2 h) up and repaired after Exp(mean 30 m):
    // down with probability π(1 − e^−rt) at t, π = mttr / (mtbf + mttr) = 0.2 and
    // r = 1/mtbf + 1/mttr = 2.5 an hour. 5% of the sales crash their terminal.
    let s = scen(&format!(
        "[[terminals]]\nid = \"shops\"\ncount = 4000\nrate = \"3/h\"\n\
         amount = {{ kind = \"uniform\", min = \"0.01\", max = \"200.00\" }}\n\
         miskey_share = 0.0\nprofile = {FLAT}\n\
         [[faults]]\nid = \"hw\"\nkind = \"terminal_hardware\"\ntarget = \"all\"\n\
         terminal_mtbf = {{ kind = \"exponential\", mean = \"2h\" }}\n\
         terminal_mttr = {{ kind = \"exponential\", mean = \"30m\" }}\ncrash_share = 0.05\n\
         [strategy.reversal]\nuntil = \"attempts\"\n"
    ));
    let (pi, rate) = (0.5 / 2.5, 2.5);
    let down = |t: Nanos| pi * (1.0 - (-rate * t as f64 / HOUR as f64).exp());
    let (mut expected, mut var, mut k, mut up, mut crashes) = (0.0, 0.0, 0, 0, 0);
    for r in 0..2 {
        let (out, v) = stories(&s, r);
        for p in &v {
            let q = down(p.t_sale);
            expected += q;
            var += q * (1.0 - q);
            if refused(p) {
                assert_eq!(p.cause.as_deref(), Some("hw"));
            }
        }
        assert_eq!(
            out.terminal_refusals,
            v.iter().filter(|p| refused(p)).count() as u64
        );
        assert_eq!(out.count(Outcome::ChargedWithoutSale), out.terminal_crashes);
        assert_eq!(
            struck(&s, &out, "hw"),
            out.terminal_refusals + out.terminal_crashes
        );
        k += out.terminal_refusals;
        up += out.payments - out.terminal_refusals;
        crashes += out.terminal_crashes;
    }
    // Each terminal's down time is correlated over about 1/r: over the 4 h, the share of
    // time down varies by about 2π(1 − π)/(rT) per terminal, over 4,000 terminals and 2 runs.
    let n = 2.0 * LAMBDA * 4.0 * 3600.0;
    let terminal_var = 2.0 * pi * (1.0 - pi) / (rate * 4.0) / 8000.0 * n * n;
    assert_near(
        "sales refused",
        k as f64,
        expected,
        5.0 * (var + terminal_var).sqrt(),
    );
    assert_binomial("crashes", crashes, up, 0.05);
}

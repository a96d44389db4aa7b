//! Faults of terminal groups: surges, bad input and fraud waves.

use super::*;

#[test]
fn a_surge_multiplies_the_arrivals_of_its_window() {
    let s = scen(
        "[[faults]]\nid = \"rush\"\nkind = \"surge\"\ntarget = \"shops\"\nstart = \"1h\"\n\
         duration = \"1h\"\nmultiplier = 3\n",
    );
    let window = (HOUR, 2 * HOUR);
    let (out, v) = stories(&s, 0);
    let inside_n = v.iter().filter(|p| inside(p.t_sale, window)).count() as u64;
    assert_poisson("sales in the window", inside_n, 3.0 * LAMBDA * 3600.0);
    assert_poisson(
        "sales outside",
        out.payments - inside_n,
        LAMBDA * 3.0 * 3600.0,
    );
    let all = total(&s, |o| o.payments);
    assert_poisson("all sales", all, s.runs as f64 * LAMBDA * 6.0 * 3600.0);

    // At a one-server issuer that serves 10 a second, six times the base rate (20 a second)
    // saturates it for the two minutes: the timeouts of the window's sales are the surge's.
    let one = issuer("bank", "", "")
        .replace("servers = 100000", "servers = 1")
        .replace("service = \"5ms\"", "service = \"100ms\"");
    let s = scen(&format!(
        "{one}[[faults]]\nid = \"rush\"\nkind = \"surge\"\ntarget = \"all\"\nstart = \"1h\"\n\
         duration = \"2m\"\nmultiplier = 6\n"
    ));
    let (out, v) = stories(&s, 0);
    assert!(out.timeouts > 100, "{} timeouts", out.timeouts);
    for p in &v {
        if p.timed_out.is_some() && inside(p.t_sale, (HOUR, HOUR + 2 * MINUTE)) {
            assert_eq!(p.cause.as_deref(), Some("rush"));
        }
    }
    assert_eq!(out.count(Outcome::ChargedWithoutSale), 0);
    assert_causes_add_up(&s, &out);
}

/// Four groups of 100 terminals at 60 an hour, each with bad input of one code.
fn bad_input_scenario(p: f64) -> Scenario {
    let mut text = String::new();
    for c in [14, 30, 54, 55] {
        text.push_str(&format!(
            "[[terminals]]\nid = \"g{c}\"\ncount = 100\nrate = \"60/h\"\n\
             amount = {{ kind = \"uniform\", min = \"0.01\", max = \"200.00\" }}\n\
             miskey_share = 0.0\nprofile = {FLAT}\n"
        ));
    }
    for c in [14, 30, 54, 55] {
        text.push_str(&format!(
            "[[faults]]\nid = \"bad{c}\"\nkind = \"bad_input\"\ntarget = \"g{c}\"\ncode = {c}\n\
             probability = {p}\n"
        ));
    }
    scen(&text)
}

#[test]
fn bad_input_declines_with_its_code_and_only_30_is_a_false_decline() {
    let s = bad_input_scenario(0.1);
    let per_group = 100.0 * 60.0 * 4.0; // sales per group and run
    let mut declined = [0u64; 4];
    for r in 0..2 {
        let (out, v) = stories(&s, r);
        for p in &v {
            let c: u8 = p.group[1..].parse().unwrap();
            match p.till {
                Some((0, _)) => assert_eq!(p.outcome, "settled_on_time"),
                Some((code, _)) => {
                    assert_eq!(code, c, "{}: bad input answered with its code", p.group);
                    assert_eq!(p.cause.as_deref(), Some(format!("bad{c}").as_str()));
                    assert_eq!(p.outcome, "declined");
                }
                None => panic!("no answer"),
            }
        }
        let mut sum = 0;
        for (k, c) in [14, 30, 54, 55].into_iter().enumerate() {
            let n = n_of(&s, &out, &format!("bad{c}"), Outcome::Declined);
            declined[k] += n;
            sum += n;
        }
        assert_eq!(out.bad_input, sum);
        assert_eq!(out.count(Outcome::Declined), sum);
        // 30 is the system's failure (a false decline); 14, 54, 55 are the cardholder's.
        assert_eq!(
            out.false_declines,
            n_of(&s, &out, "bad30", Outcome::Declined)
        );
        assert_causes_add_up(&s, &out);
    }
    for (k, c) in [14, 30, 54, 55].into_iter().enumerate() {
        assert_poisson(&format!("{c} declines"), declined[k], 2.0 * 0.1 * per_group);
    }
}

#[test]
fn a_fraud_wave_adds_its_share_of_fraud_to_the_sales_of_its_window() {
    // Base fraud 1 in 100; the wave adds 10% from 01:00 to 02:00. Without a risk engine,
    // every fraud is approved, settled and charged back.
    let s = scen(
        "[risk]\nenabled = false\nfraud_share = 0.01\n\
         [[faults]]\nid = \"wave\"\nkind = \"fraud_wave\"\ntarget = \"all\"\nstart = \"1h\"\n\
         duration = \"1h\"\nshare = 0.1\n",
    );
    let window = (HOUR, 2 * HOUR);
    let (mut n_in, mut f_in, mut n_out, mut f_out, mut w) = (0, 0, 0, 0, 0);
    for r in 0..2 {
        let (out, v) = stories(&s, r);
        for p in &v {
            if inside(p.t_sale, window) {
                n_in += 1;
                f_in += p.fraud as u64;
            } else {
                n_out += 1;
                f_out += p.fraud as u64;
            }
        }
        let frauds = v.iter().filter(|p| p.fraud).count() as u64;
        assert_eq!(out.count(Outcome::Chargeback), frauds);
        // The wave's own frauds are counted against it, the base share against `fraud`.
        let wave = n_of(&s, &out, "wave", Outcome::Chargeback);
        assert_eq!(
            wave + n_of(&s, &out, "fraud", Outcome::Chargeback),
            out.count(Outcome::Chargeback)
        );
        assert!(
            v.iter()
                .all(|p| p.cause.as_deref() != Some("wave") || inside(p.t_sale, window))
        );
        assert_causes_add_up(&s, &out);
        w += wave;
    }
    assert_binomial("fraud in the window", f_in, n_in, 0.01 + 0.1);
    assert_binomial("fraud outside it", f_out, n_out, 0.01);
    assert_binomial("the wave's frauds", w, n_in, 0.1);
}

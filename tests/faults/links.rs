//! Link faults: latency spikes, lost responses, duplicates and partitions.

use super::*;

#[test]
fn a_latency_spike_beyond_the_timeout_times_out_the_windows_sales_only() {
    // 40 s more towards the issuer between the scheme and the bank, for 30 minutes.
    let s = scen(
        "[[faults]]\nid = \"spike\"\nkind = \"latency\"\ntarget = \"scheme-bank\"\n\
         direction = \"up\"\nstart = \"1h\"\nduration = \"30m\"\nadded = \"40s\"\n",
    );
    let window = (HOUR, HOUR + 30 * MINUTE);
    // The request leaves the scheme towards the bank 22 ms after the sale.
    let crosses = 22 * MILLI;
    let mut timeouts = 0;
    for r in 0..2 {
        let (out, v) = stories(&s, r);
        for (i, p) in v.iter().enumerate() {
            let hit = inside(p.t_sale + crosses, window);
            assert_eq!(
                p.timed_out.is_some(),
                hit,
                "payment {i} at {}s",
                secs(p.t_sale)
            );
            if hit {
                assert_eq!(p.till, None);
                assert_eq!(p.late_answers, 1, "payment {i}: the answer comes late");
                assert!(matches!(p.outcome, "reversed" | "declined"));
                assert_eq!(p.cause.as_deref(), Some("spike"));
            }
        }
        assert_eq!(out.late_answers, out.timeouts);
        assert_eq!(out.count(Outcome::ChargedWithoutSale), 0);
        assert_causes_add_up(&s, &out);
        timeouts += out.timeouts;
    }
    assert_poisson("timeouts over 2 runs", timeouts, 2.0 * LAMBDA * 1800.0);

    // 5 s, under the timeout: answers are late but in time.
    let s = scen(
        "[[faults]]\nid = \"spike\"\nkind = \"latency\"\ntarget = \"scheme-bank\"\n\
         start = \"1h\"\nduration = \"30m\"\nadded = \"5s\"\n",
    );
    let out = run(&s, 0);
    assert_eq!(out.timeouts, 0);
    assert_eq!(out.count(Outcome::SettledOnTime), out.payments);
    // Both ways: 10 s more than the 42 ms round trip.
    assert!(
        out.auth_latency_us.max() >= 10_000_000,
        "{}",
        out.auth_latency_us.max()
    );
}

#[test]
fn response_loss_leaves_reversed_or_charged_payments_and_never_credits_a_failed_sale() {
    // 30% of the messages from the bank towards the scheme are lost for an hour: a lost
    // response after the approval times the till out.
    let fault = "[[faults]]\nid = \"lossy\"\nkind = \"loss\"\ntarget = \"scheme-bank\"\n\
                 direction = \"down\"\nprobability = 0.3\nstart = \"1h\"\nduration = \"1h\"\n";
    let window = (HOUR, 2 * HOUR);
    // The response leaves the bank 37 ms after the sale.
    let leaves = TO_ISSUER + ISSUER_SERVICE;
    let no_reversals = "[strategy.reversal]\nenabled = false\n[strategy.saf]\nenabled = false\n";
    for (design, strategy) in [("reversals", ""), ("none", no_reversals)] {
        let s = scen(&format!("{strategy}{fault}"));
        let (mut n, mut k) = (0, 0);
        for r in 0..2 {
            let (out, v) = stories(&s, r);
            for (i, p) in v.iter().enumerate() {
                let exposed = inside(p.t_sale + leaves, window);
                n += exposed as u64;
                if p.timed_out.is_some() {
                    assert!(exposed, "{design}: payment {i} at {}s", secs(p.t_sale));
                    assert_eq!(p.cause.as_deref(), Some("lossy"));
                    let expect = if strategy.is_empty() {
                        "reversed"
                    } else {
                        "charged_without_sale"
                    };
                    assert_eq!(p.outcome, expect, "{design}: payment {i}");
                }
            }
            k += out.timeouts;
            let failed = out.count(Outcome::Reversed) + out.count(Outcome::ChargedWithoutSale);
            assert_eq!(failed, out.timeouts, "{design}");
            assert_eq!(settled(&out), out.payments - out.timeouts, "{design}");
            // Never more money credited to merchants than the sales their tills approved.
            assert_eq!(out.merchant_credited, settled_amount(&out), "{design}");
            assert!(out.messages_lost >= out.timeouts);
            assert_eq!(struck(&s, &out, "lossy"), out.timeouts, "{design}");
            assert_causes_add_up(&s, &out);
        }
        assert_binomial(&format!("{design}: responses lost"), k, n, 0.3);
    }
}

#[test]
fn duplicates_load_the_receiving_station_and_charge_nobody_twice() {
    let base = scen("");
    // Both directions between the gateway and the scheme: every request and every response
    // may be doubled, and each copy lands on a station (scheme, gateway).
    let s = scen(
        "[[faults]]\nid = \"echo\"\nkind = \"duplicate\"\ntarget = \"gateway-scheme\"\n\
         probability = 0.2\n",
    );
    let (mut dups, mut messages) = (0, 0);
    for r in 0..2 {
        let (out, b) = (run(&s, r), run(&base, r));
        assert_eq!(
            out.junk_requests, out.duplicates,
            "every copy reached a station"
        );
        // The same payments settle, with the same money: no extra charge.
        assert_eq!(out.outcomes, b.outcomes);
        assert_eq!(out.outcome_amounts, b.outcome_amounts);
        assert_eq!(out.merchant_credited, b.merchant_credited);
        assert!(out.stations[1].1.utilization > b.stations[1].1.utilization);
        dups += out.duplicates;
        messages += 2 * out.payments; // a request up, a response down
    }
    assert_binomial("duplicates", dups, messages, 0.2);

    // On a terminal link, copies towards the terminal reach no station: junk only from the
    // requests going up.
    let s = scen(
        "[[faults]]\nid = \"echo\"\nkind = \"duplicate\"\ntarget = \"shops-gateway\"\n\
         probability = 0.2\n",
    );
    let out = run(&s, 0);
    assert!(out.junk_requests < out.duplicates);
    assert_binomial("copies of requests", out.junk_requests, out.payments, 0.2);
    assert_binomial("copies both ways", out.duplicates, 2 * out.payments, 0.2);
    assert_eq!(out.count(Outcome::SettledOnTime), out.payments);
}

#[test]
fn a_partition_is_a_drop_outage_of_the_far_end_both_ways() {
    // The bank takes 2 s per request, so responses are on their way when the link is cut:
    // they are lost too (the partition is both ways), as a drop outage of the bank loses the
    // requests whose service ends while it is down.
    let slow = issuer("bank", "", "").replace("service = \"5ms\"", "service = \"2s\"");
    let part = scen(&format!(
        "{slow}[[faults]]\nid = \"cut\"\nkind = \"partition\"\ntarget = \"scheme-bank\"\n\
         start = \"1h\"\nduration = \"1h\"\n"
    ));
    let down = scen(&format!(
        "{slow}[[faults]]\nid = \"cut\"\nkind = \"outage\"\ntarget = \"bank\"\n\
         start = \"1h\"\nduration = \"1h\"\n"
    ));
    let window = (HOUR, 2 * HOUR);
    let mut timeouts = 0;
    let mut responses_lost = 0;
    for r in 0..2 {
        let (out, v) = stories(&part, r);
        let o = run(&down, r);
        // The same sales fail (but for the few whose messages cross the 10 ms link edge).
        assert!(
            out.timeouts.abs_diff(o.timeouts) <= 5,
            "{} vs {}",
            out.timeouts,
            o.timeouts
        );
        for p in &v {
            for (t, what) in &p.told {
                if what.ends_with("lost on scheme-bank") {
                    assert!(inside(*t, window), "{what} at {}s", secs(*t));
                    responses_lost += what.starts_with("0110") as u64;
                }
            }
        }
        assert_eq!(out.count(Outcome::ChargedWithoutSale), 0);
        assert_eq!(struck(&part, &out, "cut"), out.timeouts);
        timeouts += out.timeouts;
    }
    // Requests that crossed before the cut, answered inside it: λ × 2 s per run.
    assert!(responses_lost > 0);
    assert_poisson("responses lost", responses_lost, 2.0 * LAMBDA * 2.0);
    assert_poisson("timeouts over 2 runs", timeouts, 2.0 * LAMBDA * 3602.0);
}

//! Partial failures, slow stations and attacks: shares of requests refused, waits and junk
//! load.

use super::*;

#[test]
fn a_partial_failure_refuses_its_share_of_the_windows_requests() {
    let s = scen(
        "[[faults]]\nid = \"flaky\"\nkind = \"partial\"\ntarget = \"bank\"\nstart = \"1h\"\n\
         duration = \"1h\"\nfail_share = 0.25\nmode = \"reject\"\ncode = 96\n",
    );
    let window = (HOUR, 2 * HOUR);
    let (mut n, mut k) = (0, 0);
    for r in 0..2 {
        let (out, v) = stories(&s, r);
        for p in &v {
            let code = p.till.map(|c| c.0);
            if inside(p.t_sale + TO_ISSUER, window) {
                n += 1;
                k += (code == Some(96)) as u64;
                assert!(matches!(code, Some(0 | 96)));
            } else {
                assert_eq!(code, Some(0));
            }
        }
        assert_eq!(
            out.count(Outcome::Declined),
            n_of(&s, &out, "flaky", Outcome::Declined)
        );
        assert_causes_add_up(&s, &out);
    }
    assert_binomial("96 refusals in the window", k, n, 0.25);

    // Drop mode: the same share times out instead.
    let s = scen(
        "[[faults]]\nid = \"flaky\"\nkind = \"partial\"\ntarget = \"bank\"\nstart = \"1h\"\n\
         duration = \"1h\"\nfail_share = 0.25\n",
    );
    let t = total(&s, |o| {
        assert_eq!(o.count(Outcome::Declined), o.timeouts);
        assert_eq!(n_of(&s, o, "flaky", Outcome::Declined), o.timeouts);
        o.timeouts
    });
    assert_poisson("timeouts", t, s.runs as f64 * 0.25 * LAMBDA * 3600.0);
}

#[test]
fn servers_lost_make_requests_wait_for_the_end_of_the_window_and_all_are_served() {
    // All 1,000 servers of the issuer are gone for ten minutes: every request reaching it in
    // the window waits until the window ends (then 1,000 start at once, the rest 5 ms later).
    // The total wait is the sum over those arrivals of (end − arrival): λD²/2 on average,
    // with variance λD³/3.
    let s = scen(&format!(
        "{}[[faults]]\nid = \"half-rack\"\nkind = \"partial\"\ntarget = \"bank\"\n\
         start = \"1h\"\nduration = \"10m\"\nservers_lost = 1000\n",
        issuer("bank", "", "").replace("servers = 100000", "servers = 1000")
    ));
    let d = 600.0;
    let base = scen(&issuer("bank", "", "").replace("servers = 100000", "servers = 1000"));
    let (mut wait, mut timeouts) = (0.0, 0);
    for r in 0..s.runs {
        let (out, b) = (run(&s, r), run(&base, r));
        let st = &out.stations[2].1;
        // No payment stuck: every request that arrived was served, every payment classified.
        assert_eq!(st.started, st.arrivals_in_window);
        assert_eq!(out.count(Outcome::Pending), 0);
        assert_eq!(out.count(Outcome::ChargedWithoutSale), 0);
        assert_eq!(out.payments, b.payments);
        assert!(st.wait_sum > b.stations[2].1.wait_sum);
        // Waits of more than the terminal's timeout: the timeouts are the fault's.
        assert_eq!(struck(&s, &out, "half-rack"), out.timeouts);
        assert_eq!(
            out.count(Outcome::Declined) + out.count(Outcome::Reversed),
            out.timeouts
        );
        assert_causes_add_up(&s, &out);
        wait += st.wait_sum as f64 / 1e9;
        timeouts += out.timeouts;
    }
    let runs = s.runs as f64;
    let (mean, sd) = (LAMBDA * d * d / 2.0, (LAMBDA * d * d * d / 3.0).sqrt());
    assert_near(
        "issuer wait, s per run",
        wait / runs,
        mean,
        5.0 * sd / runs.sqrt() + 10.0,
    );
    // Those that waited longer than the timeout (less the 32 ms on the way).
    assert_poisson(
        "timeouts",
        timeouts,
        runs * LAMBDA * (d - secs(s.strategy.terminal_timeout)),
    );
}

#[test]
fn a_partial_failures_synchronisation_loads_its_twin_by_its_share() {
    // Two channels share the payments by weight; `dc1` fails partly for two hours without
    // losing anything (`fail_share = 0`) but sends 1.5 synchronisation messages per request to
    // `dc2`, each one of dc2's 10 ms services. The twin's utilisation rises by exactly the
    // work of the messages, and their number is 1.5 × the requests dc1 received in the window.
    let chans = "[[channels]]\nid = \"dc1\"\nservers = 4\nservice = \"10ms\"\n\
                 [[channels]]\nid = \"dc2\"\nservers = 4\nservice = \"10ms\"\n";
    let base = scen(chans);
    let s = scen(&format!(
        "{chans}[[faults]]\nid = \"dc1-switch\"\nkind = \"partial\"\ntarget = \"dc1\"\n\
         start = \"1h\"\nduration = \"2h\"\nfail_share = 0.0\nsync_to = \"dc2\"\n\
         sync_load = 1.5\n"
    ));
    let (mut sync, mut received) = (0, 0);
    for r in 0..s.runs {
        let (out, b) = (run(&s, r), run(&base, r));
        assert_eq!(b.junk_requests, 0);
        let (dc1, dc2) = (&out.stations[1].1, &out.stations[2].1);
        // Each message kept one of dc2's 4 servers busy 10 ms, over the 4 h window.
        let extra = out.junk_requests as f64 * 0.010 / (4.0 * 4.0 * 3600.0);
        let added = dc2.utilization - b.stations[2].1.utilization;
        assert_near(
            "dc2's utilisation added by the messages",
            added,
            extra,
            1e-6,
        );
        assert!(dc2.wait_sum > b.stations[2].1.wait_sum);
        // dc1 itself loses nothing and works as before; every payment settles.
        assert_eq!(
            dc1.utilization.to_bits(),
            b.stations[1].1.utilization.to_bits()
        );
        assert_eq!(out.payments, b.payments);
        assert_eq!(out.count(Outcome::SettledOnTime), out.payments);
        // The requests dc1 received in the window: its arrival rate over the traffic window,
        // less what came outside the fault's two hours (half the window, by the flat profile).
        sync += out.junk_requests;
        received += (dc1.arrivals_in_window as f64 * 0.5).round() as u64;
    }
    let expected = s.runs as f64 * 1.5 * LAMBDA / 2.0 * 7200.0;
    assert_poisson("synchronisation messages", sync, expected);
    assert_near(
        "messages per request received",
        sync as f64 / received as f64,
        1.5,
        0.03,
    );
    // Against the parameters: dc2's utilisation rises by sync_load × dc1's share of the
    // payments × the fault's share of the window × a service time ÷ the servers.
    let share = 1.5 * (LAMBDA / 2.0) * 0.5 * 0.010 / 4.0;
    let (u, ub) = (
        run(&s, 0).stations[2].1.utilization,
        run(&base, 0).stations[2].1.utilization,
    );
    assert_near(
        "utilisation added (parameters)",
        u - ub,
        share,
        0.15 * share,
    );
}

#[test]
fn a_slow_station_delays_without_declining() {
    // The issuer takes 40 s more per request for 30 minutes: every sale whose request reaches
    // it then times out at the terminal (30 s); none is declined at the till.
    let s = scen(
        "[[faults]]\nid = \"sluggish\"\nkind = \"slow\"\ntarget = \"bank\"\nstart = \"1h\"\n\
         duration = \"30m\"\nadded = \"40s\"\n",
    );
    let window = (HOUR, HOUR + 30 * MINUTE);
    let (out, v) = stories(&s, 0);
    for (i, p) in v.iter().enumerate() {
        assert!(
            matches!(p.till, None | Some((0, _))),
            "payment {i}: {:?}",
            p.till
        );
        let timed_out = p.timed_out.is_some();
        assert_eq!(
            timed_out,
            inside(p.t_sale + TO_ISSUER, window),
            "payment {i} at {}s",
            secs(p.t_sale)
        );
        if timed_out {
            assert_eq!(p.cause.as_deref(), Some("sluggish"));
            assert!(matches!(p.outcome, "reversed" | "declined"));
        }
    }
    assert_eq!(out.count(Outcome::ChargedWithoutSale), 0);
    assert_eq!(struck(&s, &out, "sluggish"), out.timeouts);
    assert_poisson("timeouts", out.timeouts, LAMBDA * 1800.0);

    // A one-server issuer 20 times slower (5 ms → 100 ms) for an hour: utilisation λS = 1/3,
    // the M/D/1 mean wait ρS / (2(1 − ρ)) = 25 ms in the window. No timeout, no decline.
    let one = issuer("bank", "", "").replace("servers = 100000", "servers = 1");
    let base = scen(&one);
    let s = scen(&format!(
        "{one}[[faults]]\nid = \"sluggish\"\nkind = \"slow\"\ntarget = \"bank\"\n\
         start = \"1h\"\nduration = \"1h\"\nmultiplier = 20\n",
    ));
    let service = 0.005;
    let wq = |sv: f64| {
        let rho = LAMBDA * sv;
        rho * sv / (2.0 * (1.0 - rho))
    };
    let expected = LAMBDA * 3600.0 * wq(20.0 * service) + LAMBDA * 3.0 * 3600.0 * wq(service);
    let mut wait = 0.0;
    for r in 0..s.runs {
        let (out, b) = (run(&s, r), run(&base, r));
        assert_eq!(out.timeouts, 0);
        assert_eq!(out.count(Outcome::SettledOnTime), out.payments);
        // Upstream, the same payments at the same times (common random numbers).
        for st in 0..2 {
            assert_eq!(out.stations[st].1.wait_sum, b.stations[st].1.wait_sum);
        }
        assert!(out.stations[2].1.utilization > b.stations[2].1.utilization);
        wait += out.stations[2].1.wait_sum as f64 / 1e9;
    }
    assert_near(
        "issuer wait, s per run (M/D/1)",
        wait / s.runs as f64,
        expected,
        0.25 * expected,
    );
}

#[test]
fn an_attack_sends_rate_times_duration_junk_requests_that_take_servers_time() {
    // 200 junk requests a second for ten minutes at a gateway of 4 servers taking 10 ms.
    let gw = "[gateway]\nservers = 4\nservice = \"10ms\"\n";
    let base = scen(gw);
    let s = scen(&format!(
        "{gw}[[faults]]\nid = \"ddos\"\nkind = \"attack\"\ntarget = \"gateway\"\n\
         start = \"1h\"\nduration = \"10m\"\nrate = \"200/s\"\n"
    ));
    let mut junk = 0;
    for r in 0..s.runs {
        let (out, b) = (run(&s, r), run(&base, r));
        assert_eq!(b.junk_requests, 0);
        // Each junk request kept a server busy 10 ms, over 4 servers and the 4 h window.
        let extra = out.junk_requests as f64 * 0.010 / (4.0 * 4.0 * 3600.0);
        let (u, ub) = (out.stations[0].1.utilization, b.stations[0].1.utilization);
        assert_near("utilisation added by the junk", u - ub, extra, 1e-6);
        assert!(out.stations[0].1.wait_sum > b.stations[0].1.wait_sum);
        // The payments themselves are the same and all settle.
        assert_eq!(out.payments, b.payments);
        assert_eq!(out.count(Outcome::SettledOnTime), out.payments);
        junk += out.junk_requests;
    }
    assert_poisson("junk requests", junk, s.runs as f64 * 200.0 * 600.0);

    // Every hour, ten minutes of 5 a second, until the end of observation: the junk follows
    // the windows (one request at the start of each, then a Poisson stream inside it).
    let s = scen(
        "[[faults]]\nid = \"ddos\"\nkind = \"attack\"\ntarget = \"gateway\"\n\
         start = \"30m\"\nduration = \"10m\"\nrepeat = \"1h\"\nrate = \"5/s\"\n",
    );
    let out = run(&s, 0);
    let w = windows_of(&s, 0, 0, out.horizon);
    assert!(w.len() > 20, "{} windows", w.len());
    let covered: f64 = w.iter().map(|&(a, b)| secs(b.min(out.horizon) - a)).sum();
    assert_poisson(
        "junk over the recurring windows",
        out.junk_requests,
        5.0 * covered + w.len() as f64,
    );
}

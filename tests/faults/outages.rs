//! Outages of a station: reject, drop and hang, each against the rate times the window.

use super::*;

/// A reject outage of the issuer from 01:00 to 02:00, with `code` if given.
fn issuer_reject(code: Option<u8>) -> Scenario {
    let code = code.map_or(String::new(), |c| format!("code = {c}\n"));
    scen(&format!(
        "[[faults]]\nid = \"bank-down\"\nkind = \"outage\"\ntarget = \"bank\"\nstart = \"1h\"\n\
         duration = \"1h\"\nmode = \"reject\"\n{code}"
    ))
}

#[test]
fn a_reject_outage_declines_with_91_inside_its_window_only_about_rate_times_duration() {
    let s = issuer_reject(None);
    let window = (HOUR, 2 * HOUR);
    let mut declined = 0;
    for r in 0..2 {
        let (out, v) = stories(&s, r);
        for (i, p) in v.iter().enumerate() {
            // A request reaching the issuer inside the window is refused with 91 at once (and
            // one whose service ends inside it, as it ends).
            let code = p.till.map(|c| c.0);
            if struck_at_issuer(p.t_sale, window) {
                assert_eq!(code, Some(91), "payment {i} sold at {}s", secs(p.t_sale));
                assert_eq!(p.outcome, "declined");
                assert_eq!(p.cause.as_deref(), Some("bank-down"));
            } else {
                assert_eq!(code, Some(0), "payment {i} sold at {}s", secs(p.t_sale));
                assert_eq!(p.outcome, "settled_on_time");
            }
        }
        assert_eq!(out.timeouts, 0);
        assert_eq!(
            out.count(Outcome::Declined),
            n_of(&s, &out, "bank-down", Outcome::Declined)
        );
        // A 91 is the system's failure: a false decline.
        assert_eq!(out.false_declines, out.count(Outcome::Declined));
        assert_eq!(out.stations[2].1.outage_hits, out.count(Outcome::Declined));
        assert_causes_add_up(&s, &out);
        declined += out.count(Outcome::Declined);
    }
    assert_poisson("91 declines over 2 runs", declined, 2.0 * LAMBDA * 3600.0);
}

#[test]
fn a_reject_outage_with_code_96_declines_with_96() {
    let s = issuer_reject(Some(96));
    let window = (HOUR, 2 * HOUR);
    let (out, v) = stories(&s, 0);
    let mut n96 = 0;
    for p in &v {
        let code = p.till.map(|c| c.0);
        if struck_at_issuer(p.t_sale, window) {
            assert_eq!(code, Some(96));
            n96 += 1;
        } else {
            assert_eq!(code, Some(0));
        }
    }
    assert_eq!(n96, out.count(Outcome::Declined));
    assert_eq!(n96, n_of(&s, &out, "bank-down", Outcome::Declined));
    assert_eq!(out.false_declines, n96, "96 is the system's failure");
    assert_poisson("96 declines", n96, LAMBDA * 3600.0);
}

#[test]
fn a_drop_outage_times_out_the_sales_of_its_window_and_leaves_no_charge() {
    let s = scen(
        "[[faults]]\nkind = \"outage\"\ntarget = \"bank\"\nstart = \"1h\"\nduration = \"1h\"\n",
    );
    assert_eq!(
        s.faults[0].id, "bank-outage",
        "the default id is <target>-<kind>"
    );
    let window = (HOUR, 2 * HOUR);
    let (out, v) = stories(&s, 0);
    for (i, p) in v.iter().enumerate() {
        if struck_at_issuer(p.t_sale, window) {
            assert!(p.timed_out.is_some(), "payment {i} at {}s", secs(p.t_sale));
            assert_eq!(p.till, None);
            // The request never reached the issuer: nobody's money moved.
            assert_eq!(p.outcome, "declined");
            assert_eq!(p.cause.as_deref(), Some("bank-outage"));
        } else {
            assert_eq!(p.till.map(|c| c.0), Some(0), "payment {i}");
        }
    }
    assert_eq!(out.count(Outcome::ChargedWithoutSale), 0);
    assert_eq!(out.count(Outcome::Declined), out.timeouts);
    // Every dropped request, and the stored reversals repeated while it was down.
    assert!(out.stations[2].1.outage_hits >= out.timeouts);
    assert_eq!(out.messages_lost, 0, "outage drops are not message loss");
    assert_poisson("timeouts", out.timeouts, LAMBDA * 3600.0);
    assert_causes_add_up(&s, &out);
}

#[test]
fn a_hang_answers_late_after_its_window_and_the_late_approvals_are_reversed() {
    // The issuer freezes for ten minutes: a request reaching it waits for the end of the
    // window, and its answer comes after the terminal's 30 s timeout unless it arrived in the
    // last 30 s of the window.
    let s = scen(
        "[[faults]]\nid = \"freeze\"\nkind = \"outage\"\nmode = \"hang\"\ntarget = \"bank\"\n\
         start = \"1h\"\nduration = \"10m\"\n",
    );
    let (a, b) = (HOUR, HOUR + 10 * MINUTE);
    let timeout = s.strategy.terminal_timeout;
    let mut timeouts = 0;
    for r in 0..2 {
        let (out, v) = stories(&s, r);
        for (i, p) in v.iter().enumerate() {
            let reaches = p.t_sale + TO_ISSUER;
            // Served at the end of the window, answered 5 ms + three links later.
            let answer = b + ISSUER_SERVICE + 30 * MILLI;
            if inside(reaches, (a, b)) && answer - p.t_sale > timeout {
                assert!(p.timed_out.is_some(), "payment {i} at {}s", secs(p.t_sale));
                assert_eq!(
                    p.late_answers, 1,
                    "payment {i}: one answer, after the window"
                );
                assert!(
                    matches!(p.outcome, "reversed" | "declined"),
                    "payment {i}: {}",
                    p.outcome
                );
                if p.outcome == "reversed" {
                    // The stored reversal gets through only once the issuer is back.
                    assert!(p.released.unwrap() >= b, "payment {i}");
                }
                assert_eq!(p.cause.as_deref(), Some("freeze"));
            } else if inside(reaches, (a, b)) {
                // Late in the window: answered in time, late.
                let (code, at) = p.till.unwrap();
                assert_eq!(code, 0);
                assert!(at >= b, "payment {i}");
            } else if !inside(reaches + ISSUER_SERVICE, (a, b)) {
                assert!(p.timed_out.is_none(), "payment {i} at {}s", secs(p.t_sale));
            }
        }
        assert_eq!(out.late_answers, out.timeouts);
        assert_eq!(out.count(Outcome::ChargedWithoutSale), 0);
        assert_eq!(
            out.stations[2].1.arrivals_in_window,
            out.stations[2].1.started
        );
        assert_eq!(struck(&s, &out, "freeze"), out.timeouts);
        assert_causes_add_up(&s, &out);
        timeouts += out.timeouts;
    }
    let d = secs(b - a) - secs(timeout);
    assert_poisson("timeouts over 2 runs", timeouts, 2.0 * LAMBDA * d);
}

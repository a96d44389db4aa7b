//! Fault timing: recurring windows, stochastic failures and windows that last until repaired.

use super::*;

/// Checks that the sales refused with 91 are exactly those the windows strike, and returns
/// how many there were and the time the windows cover while requests arrive.
fn refused_in_windows(s: &Scenario, r: u64) -> (u64, f64) {
    let (out, v) = stories(s, r);
    let w = windows_of(s, 0, r, out.horizon);
    for (i, p) in v.iter().enumerate() {
        let hit = w.iter().any(|&x| struck_at_issuer(p.t_sale, x));
        assert_eq!(
            p.till.unwrap().0 == 91,
            hit,
            "payment {i} at {}s, windows {w:?}",
            secs(p.t_sale)
        );
    }
    assert_causes_add_up(s, &out);
    let (lo, hi) = (TO_ISSUER, s.traffic_window + TO_ISSUER);
    let covered: Nanos = w
        .iter()
        .map(|&(a, b)| b.min(hi).saturating_sub(a.max(lo)))
        .sum();
    (out.count(Outcome::Declined), secs(covered))
}

#[test]
fn a_recurring_window_strikes_every_period() {
    let s = scen(
        "[[faults]]\nid = \"maint\"\nkind = \"outage\"\nmode = \"reject\"\ntarget = \"bank\"\n\
         start = \"30m\"\nduration = \"10m\"\nrepeat = \"1h\"\n",
    );
    let (d, covered) = refused_in_windows(&s, 0);
    assert_eq!(covered, 4.0 * 600.0, "four windows in the four hours");
    assert_poisson("91s", d, LAMBDA * covered);
}

#[test]
fn stochastic_failures_are_down_mttr_over_mtbf_plus_mttr_of_the_time() {
    let s = scen(
        "[[faults]]\nid = \"flap\"\nkind = \"outage\"\nmode = \"reject\"\ntarget = \"bank\"\n\
         mtbf = { kind = \"exponential\", mean = \"30m\" }\n\
         mttr = { kind = \"exponential\", mean = \"10m\" }\n",
    );
    let (mut d, mut covered) = (0, 0.0);
    for r in 0..3 {
        let (k, c) = refused_in_windows(&s, r);
        d += k;
        covered += c;
    }
    assert!(covered > 0.0);
    assert_poisson("91s in the drawn windows", d, LAMBDA * covered);
    // Over 1,000 days the windows cover mttr / (mtbf + mttr) = 1/4 of the time; the share
    // of an alternating renewal process varies by √(2a²b² / ((a + b)³ T)).
    let span = 1000 * DAY;
    let w = windows_of(&s, 0, 0, span);
    let down: Nanos = w.iter().map(|&(a, b)| b.min(span) - a).sum();
    let (a, b, t): (f64, f64, f64) = (30.0, 10.0, span as f64 / MINUTE as f64);
    let sd = (2.0 * a * a * b * b / ((a + b).powi(3) * t)).sqrt();
    assert_near(
        "share of time down",
        down as f64 / span as f64,
        0.25,
        5.0 * sd,
    );
    // Windows never overlap: each failure is repaired before the next.
    assert!(w.windows(2).all(|x| x[0].1 < x[1].0));
}

#[test]
fn an_until_repaired_window_lasts_detection_plus_a_drawn_repair() {
    let s = scen(
        "[[faults]]\nid = \"broken\"\nkind = \"outage\"\nmode = \"reject\"\ntarget = \"bank\"\n\
         start = \"1h\"\ndetection = \"10m\"\nrepair = { kind = \"exponential\", mean = \"20m\" }\n",
    );
    let (mut d, mut covered) = (0, 0.0);
    for r in 0..2 {
        let (k, c) = refused_in_windows(&s, r);
        d += k;
        covered += c;
    }
    assert_poisson("91s in the window", d, LAMBDA * covered);
    // One window a run, from the start, lasting 10 m + Exp(20 m): 30 m on average.
    let n = 4000;
    let mut sum = 0.0;
    for r in 0..n {
        let w = windows_of(&s, 0, r, DAY);
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].0, HOUR);
        assert!(w[0].1 - w[0].0 >= 10 * MINUTE);
        sum += (w[0].1 - w[0].0) as f64 / MINUTE as f64;
    }
    assert_near(
        "mean length, minutes",
        sum / n as f64,
        30.0,
        5.0 * 20.0 / (n as f64).sqrt(),
    );
}

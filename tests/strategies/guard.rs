//! The guards (`[strategy.failover]`, `[strategy.breaker]`, bulkheads, `[strategy.shedding]`,
//! announced outages), checked against the scenario's own parameters: how long detection can
//! take, how long a breaker stays open, how many requests a bulkhead lets through.
//!
//! The scenarios are `scenarios/failover.toml` and `scenarios/breaker.toml`, shortened: a flat
//! traffic profile (so the rate is the group's mean rate at every hour) and the fault moved to
//! the first minutes of the run.

use payfault::engine::{MINUTE, Nanos, SECOND};
use payfault::model::{self, NoTrace, Outcome, RunOutput};
use payfault::scenario::faults::Length;
use payfault::scenario::strategies::guard::{BreakerAt, BreakerSpec, FailoverMode, GuardSpec};
use payfault::scenario::{FaultEffect, OutageMode, Scenario};

use crate::common::load;

const RUNS: u64 = 3;
const SEED: u64 = 42;

/// A scenario with a flat profile, `window` of traffic and its first fault over
/// `[start, start + len)`.
fn shaped(path: &str, window: Nanos, start: Nanos, len: Nanos) -> Scenario {
    let mut s = load(path);
    for g in &mut s.terminals {
        g.hourly = [1.0; 24];
        g.peak = None;
    }
    s.traffic_window = window;
    s.faults[0].timing.start = start;
    s.faults[0].timing.length = Length::Fixed(len);
    s
}

/// The same scenario without its faults (the reference approval share).
fn fault_free(s: &Scenario) -> Scenario {
    let mut s = s.clone();
    s.faults.clear();
    s.strategy.guard.announced.clear();
    s
}

/// Runs `RUNS` runs and returns their outputs.
fn runs(s: &Scenario) -> Vec<RunOutput> {
    (0..RUNS)
        .map(|r| model::simulate(s, SEED, r, &mut NoTrace).unwrap())
        .collect()
}

/// Payments the till approved.
fn approved(o: &RunOutput) -> u64 {
    [
        Outcome::SettledOnTime,
        Outcome::SettledLate,
        Outcome::NotArrived,
        Outcome::Chargeback,
        Outcome::Pending,
    ]
    .iter()
    .map(|&k| o.count(k))
    .sum()
}

fn total(v: &[RunOutput], f: impl Fn(&RunOutput) -> u64) -> f64 {
    v.iter().map(f).sum::<u64>() as f64
}

fn station_hits(o: &RunOutput, id: &str) -> u64 {
    o.stations
        .iter()
        .find(|(n, _)| n == id)
        .map(|(_, s)| s.outage_hits)
        .unwrap()
}

/// Payments per second, all groups together.
fn rate(s: &Scenario) -> f64 {
    s.mean_arrival_rate()
}

fn secs(n: Nanos) -> f64 {
    n as f64 / 1e9
}

fn failover(mode: FailoverMode, announced: bool) -> Scenario {
    // The outage covers the whole traffic window: every approval is the backup's.
    let mut s = shaped("scenarios/failover.toml", 30 * MINUTE, 0, 30 * MINUTE);
    s.strategy.guard.failover.mode = mode;
    s.strategy.guard.failover.announced = announced;
    s
}

#[test]
fn health_checks_keep_approvals_flowing_through_an_outage() {
    let base = failover(FailoverMode::HealthCheck, false);
    let reference = runs(&fault_free(&base));
    let share = total(&reference, approved) / total(&reference, |o| o.payments);
    assert!(share > 0.9, "fault-free approval share {share}");

    let none = runs(&failover(FailoverMode::None, false));
    let refusal = runs(&failover(FailoverMode::Refusal, false));
    let hc = runs(&base);
    let pays = total(&hc, |o| o.payments);
    // Without failover (or with failover on refusals only: a dark switch refuses nothing)
    // almost nothing is approved in the window.
    for (name, v) in [("none", &none), ("refusal", &refusal)] {
        let a = total(v, approved);
        assert!(a <= 0.01 * pays, "{name}: {a} approvals of {pays} payments");
        assert_eq!(total(v, |o| o.failovers), 0.0, "{name}");
    }
    // With health checks, the approvals lost are those before detection, which takes between
    // (down_after - 1) echo intervals + the echo timeout (here the outage starts with the
    // first echo) and down_after intervals + the echo timeout.
    let fo = &base.strategy.guard.failover;
    let lag_max = secs(fo.down_after as u64 * fo.echo_interval + fo.echo_timeout);
    let lag_min = secs((fo.down_after as u64 - 1) * fo.echo_interval + fo.echo_timeout);
    let per_run = rate(&base) * share;
    let lost = (share * pays - total(&hc, approved)) / RUNS as f64;
    assert!(
        lost <= per_run * (lag_max + 5.0),
        "lost {lost:.0} approvals a run; detection within {lag_max} s allows {:.0}",
        per_run * (lag_max + 5.0)
    );
    assert!(
        lost >= per_run * lag_min * 0.8,
        "lost {lost:.0} approvals a run: detection cannot be faster than {lag_min} s"
    );
    // Marked down from detection until `up_after` echoes succeed after the outage.
    let window = secs(base.traffic_window);
    for o in &hc {
        assert_eq!(o.channels_marked_down, 1);
        let down = secs(o.channel_down_time);
        let up_lag = secs(fo.up_after as u64 * fo.echo_interval);
        assert!(
            down >= window - lag_max && down <= window - lag_min + up_lag + 1.0,
            "marked down for {down} s"
        );
        assert!(o.echoes_sent > 0 && o.echoes_failed >= fo.down_after as u64);
    }
}

#[test]
fn echoes_draw_nothing_from_the_payments() {
    // With no fault no channel is ever marked down: the payments' fates are those of the
    // design without health checks, to the payment (common random numbers).
    let hc = fault_free(&failover(FailoverMode::HealthCheck, false));
    let plain = fault_free(&failover(FailoverMode::Refusal, false));
    let a = model::simulate(&hc, SEED, 0, &mut NoTrace).unwrap();
    let b = model::simulate(&plain, SEED, 0, &mut NoTrace).unwrap();
    assert!(a.echoes_sent > 0);
    assert_eq!(a.outcomes, b.outcomes);
    assert_eq!(a.outcome_amounts, b.outcome_amounts);
    assert_eq!(a.postings, b.postings);
    assert_eq!(a.failovers, 0);
}

#[test]
fn switched_off_guards_change_nothing() {
    // Every guard written out but off is the scenario without guards, event for event.
    let mut s = shaped(
        "scenarios/breaker.toml",
        20 * MINUTE,
        5 * MINUTE,
        5 * MINUTE,
    );
    let off = GuardSpec::off(s.channels.len(), s.issuers.len());
    let mut written = off.clone();
    written.failover.echo_interval = 10 * SECOND;
    written.failover.announced = false;
    s.strategy.guard = off;
    let a = model::simulate(&s, SEED, 0, &mut NoTrace).unwrap();
    s.strategy.guard = written;
    let b = model::simulate(&s, SEED, 0, &mut NoTrace).unwrap();
    assert_eq!(format!("{a:?}"), format!("{b:?}"));
}

#[test]
fn announced_maintenance_is_routed_around() {
    // The switch refuses with 91 for ten minutes in the middle of the traffic; the outage is
    // announced, and the acquirer routes around it.
    let mut s = shaped(
        "scenarios/failover.toml",
        30 * MINUTE,
        10 * MINUTE,
        10 * MINUTE,
    );
    s.faults[0].effect = FaultEffect::Outage {
        mode: OutageMode::Reject,
        code: 91,
    };
    s.strategy.guard.failover.mode = FailoverMode::Refusal;
    s.strategy.guard.failover.announced = true;
    let reference = runs(&fault_free(&s));
    let share = total(&reference, approved) / total(&reference, |o| o.payments);
    let v = runs(&s);
    let len = 600.0;
    // Without the announcement, refusal failover saves the sales too, but every request of
    // the window is refused by the switch first (and re-sent).
    let mut unannounced = s.clone();
    unannounced.strategy.guard.failover.announced = false;
    let u = runs(&unannounced);
    for ((o, r), u) in v.iter().zip(&reference).zip(&u) {
        // Every request of the window goes to the backup directly.
        let expected = rate(&s) * len;
        let around = o.routed_around as f64;
        assert!(
            (around - expected).abs() <= 0.1 * expected,
            "routed around {around}, about {expected:.0} expected"
        );
        // No 91 from the switch: the only requests it refuses (each re-sent to the backup, a
        // failover that is not a routing around) are those already on their way when the
        // window opens (the link's latency is well below a second).
        let refused = (o.failovers - o.routed_around) as f64;
        assert!(
            refused <= rate(&s),
            "{refused} requests refused by the switch"
        );
        assert_eq!(u.routed_around, 0);
        assert!(u.failovers as f64 >= 0.9 * expected);
        assert!(station_hits(o, "scheme") * 20 < station_hits(u, "scheme"));
        // And is approved as usual.
        let a = approved(o) as f64 / o.payments as f64;
        assert!(
            (a - share).abs() < 0.01,
            "approval share {a} vs {share} without the outage (run {})",
            r.run
        );
    }
}

fn breaker_spec() -> BreakerSpec {
    BreakerSpec {
        at: BreakerAt::Acquirer,
        failure_rate: 0.5,
        window: 100,
        min_calls: 20,
        open_for: 60 * SECOND,
        half_open_calls: 10,
    }
}

#[test]
fn a_breaker_fails_fast_during_an_outage_and_recovers_after_it() {
    // The switch is dark from minute 5 to 25; no backup is used.
    let (start, len) = (5 * MINUTE, 20 * MINUTE);
    let mut s = shaped("scenarios/failover.toml", 45 * MINUTE, start, len);
    s.strategy.guard.failover.mode = FailoverMode::None;
    let without = runs(&s);
    s.strategy.guard.breaker = Some(breaker_spec());
    let with = runs(&s);
    let b = breaker_spec();
    let deadline = secs(s.strategy.terminal_timeout);
    let reference = runs(&fault_free(&s));
    let share = total(&reference, approved) / total(&reference, |o| o.payments);
    for (w, n) in with.iter().zip(&without) {
        assert!(w.breaker_opens >= 1);
        // Fast fails during the window: most of its requests once the breaker has opened.
        let window_reqs = rate(&s) * secs(len);
        assert!(
            w.breaker_fast_fails as f64 >= 0.5 * window_reqs,
            "{} fast fails of about {window_reqs:.0} requests in the window",
            w.breaker_fast_fails
        );
        // It opens within the deadline plus the calls it needs, and closes within a deadline,
        // open_for and the trials after the outage ends.
        let trials = b.half_open_calls as f64 / rate(&s);
        let open = secs(w.breaker_open_time);
        let most = secs(len) + deadline + secs(b.open_for) + trials + 5.0;
        let least = secs(len) - deadline - b.min_calls as f64 / rate(&s) - 5.0;
        assert!(open <= most && open >= least, "open for {open} s");
        // The approvals it costs beyond the outage's are those of its recovery, at most.
        let extra = approved(n) as f64 - approved(w) as f64;
        let bound = rate(&s) * share * (deadline + secs(b.open_for) + trials + 5.0);
        assert!(
            extra <= bound,
            "{extra} approvals lost to the breaker; at most {bound:.0}"
        );
        // And the terminals were answered instead of timing out.
        assert!(
            w.timeouts < n.timeouts / 2,
            "{} vs {}",
            w.timeouts,
            n.timeouts
        );
    }
}

fn slow_issuer(window: Nanos) -> Scenario {
    // The issuer is 40 s slower (more than the terminal waits) from minute 5 to minute 25.
    shaped("scenarios/breaker.toml", window, 5 * MINUTE, 20 * MINUTE)
}

#[test]
fn a_breaker_spares_terminals_the_wait_for_a_slow_issuer() {
    let mut s = slow_issuer(40 * MINUTE);
    assert!(
        s.strategy.guard.breaker.is_none(),
        "the base is unprotected"
    );
    let without = runs(&s);
    s.strategy.guard.breaker = Some(breaker_spec());
    let with = runs(&s);
    for (w, n) in with.iter().zip(&without) {
        assert!(w.breaker_opens >= 1 && w.breaker_fast_fails > 0);
        assert!(
            w.timeouts * 5 < n.timeouts,
            "terminal timeouts {} with the breaker, {} without",
            w.timeouts,
            n.timeouts
        );
    }
}

#[test]
fn a_channel_breaker_protects_the_issuer_too() {
    // The same at the channel (per issuer): the channel answers 91 at once while it is open.
    let mut s = slow_issuer(40 * MINUTE);
    let without = runs(&s);
    s.strategy.guard.breaker = Some(BreakerSpec {
        at: BreakerAt::Channel,
        ..breaker_spec()
    });
    for (w, n) in runs(&s).iter().zip(&without) {
        assert!(w.breaker_opens >= 1 && w.breaker_fast_fails > 0);
        assert!(w.timeouts * 5 < n.timeouts);
    }
}

#[test]
fn a_bulkhead_caps_requests_in_flight() {
    let s = slow_issuer(40 * MINUTE);
    // Under the slow issuer every request stays in flight for the terminal's 30 s: about
    // rate x 30 requests are in flight at once (Little's law).
    let need = rate(&s) * secs(s.strategy.terminal_timeout);
    for (limit, slow) in [(20u32, true), (20, false), ((need * 3.0) as u32, true)] {
        let mut s = if slow { s.clone() } else { fault_free(&s) };
        s.strategy.guard.channel_bulkhead = vec![Some(limit)];
        for o in runs(&s) {
            assert!(
                o.bulkhead_in_flight_max <= limit as u64,
                "{} in flight with a bulkhead of {limit}",
                o.bulkhead_in_flight_max
            );
            if slow && (limit as f64) < need {
                // The offered load exceeds it: it fills up and refuses.
                assert_eq!(o.bulkhead_in_flight_max, limit as u64);
                assert!(o.bulkhead_rejections > 0);
            } else {
                // It does not: nothing is refused.
                assert_eq!(o.bulkhead_rejections, 0, "limit {limit}, slow {slow}");
            }
        }
    }
    // An issuer's bulkhead, counted from the channels.
    let mut s = s.clone();
    s.strategy.guard.issuer_bulkhead = vec![Some(20)];
    for o in runs(&s) {
        assert_eq!(o.bulkhead_in_flight_max, 20);
        assert!(o.bulkhead_rejections > 0);
    }
}

#[test]
fn shedding_drops_requests_whose_terminal_gave_up() {
    // The slow issuer's queue grows far beyond what it can serve within the terminal's 30 s.
    let mut s = slow_issuer(40 * MINUTE);
    let without = runs(&s);
    s.strategy.guard.shedding = true;
    let with = runs(&s);
    for (w, n) in with.iter().zip(&without) {
        assert_eq!(n.requests_shed, 0);
        assert!(w.requests_shed > 0);
        // Answers the terminals no longer wait for: the served requests of payments that
        // already timed out.
        assert!(
            w.late_answers * 2 < n.late_answers,
            "late answers {} with shedding, {} without",
            w.late_answers,
            n.late_answers
        );
        // The same payments.
        assert_eq!(w.payments, n.payments);
    }
}

#[test]
fn shipped_scenarios_run_with_their_guards() {
    for path in ["scenarios/failover.toml", "scenarios/breaker.toml"] {
        let mut s = load(path);
        s.traffic_window = 20 * MINUTE;
        let o = model::simulate(&s, 1, 0, &mut NoTrace).unwrap();
        assert!(o.payments > 0);
    }
    let s = load("scenarios/failover.toml");
    assert_eq!(s.strategy.guard.failover.mode, FailoverMode::HealthCheck);
    assert_eq!(s.strategy.guard.announced, vec![(0, 0)]);
}

#[test]
fn observed_failures_move_cards_to_the_backup() {
    // No echoes: the acquirer marks the switch down after `down_after` real requests in a row
    // failed (here: timed out at the terminal's deadline, there is no acquirer timeout), and
    // lets one request probe it every `probe_after`.
    let s = failover(FailoverMode::Observed, false);
    let reference = runs(&fault_free(&s));
    let share = total(&reference, approved) / total(&reference, |o| o.payments);
    let fo = &s.strategy.guard.failover;
    let deadline = secs(s.strategy.terminal_timeout);
    let window = secs(s.traffic_window);
    // Requests sent before the first failures are judged are lost, and each probe sent while
    // the switch is still dark.
    let probes = window / secs(fo.probe_after);
    for o in runs(&s) {
        assert_eq!(o.echoes_sent, 0);
        assert!(o.channels_marked_down >= 1);
        let lost = share * o.payments as f64 - approved(&o) as f64;
        let bound = rate(&s) * share * (deadline + 5.0) + fo.down_after as f64 + probes;
        assert!(lost <= bound, "lost {lost:.0}, at most {bound:.0}");
        assert!(lost >= rate(&s) * share * deadline * 0.8, "lost {lost:.0}");
    }
    // Probes find the switch back after the outage (only traffic probes it: with none after
    // the window it would stay marked down): marked down from the first judged failures until
    // the first probe after the outage answers.
    let mut long = s.clone();
    long.traffic_window = 40 * MINUTE;
    for o in runs(&long) {
        let down = secs(o.channel_down_time);
        assert!(
            down >= window - deadline - 5.0
                && down <= window + deadline + secs(fo.probe_after) + 5.0,
            "down {down}"
        );
    }
}

//! Common random numbers, synchronised per payment: every random quantity of a payment is keyed
//! by (run, terminal group, serial within the group, purpose), so designs compared on the same
//! seed see the same payments, whatever else differs between them.

use payfault::engine::{DAY, MILLI, MINUTE, Nanos};
use payfault::model::{self, NoTrace, Recorder, RunOutput, Step};
use payfault::scenario::{self, Component, Dist, FaultSpec, OutageMode, Scenario};

use crate::common;
use crate::common::load;

fn pipeline(window_min: u64) -> Scenario {
    let mut s = load("scenarios/pipeline.toml");
    s.traffic_window = window_min * MINUTE;
    s
}

fn run(s: &Scenario, r: u64) -> RunOutput {
    model::simulate(s, 11, r, &mut NoTrace).unwrap()
}

#[test]
fn a_slower_issuer_leaves_everything_upstream_unchanged() {
    let a = pipeline(20);
    let mut b = a.clone();
    // Issuer service mean 60 ms -> 70 ms (utilisation 0.75 -> 0.875).
    b.issuers[0].station.service = Dist::Exponential {
        mean: 70.0 * MILLI as f64,
    };
    let mut issuer_waits_differ = 0;
    for r in 0..5 {
        let (x, y) = (run(&a, r), run(&b, r));
        assert_eq!(x.payments, y.payments, "run {r}: same payments");
        // Gateway and channel: identical arrivals, waits, queue lengths and utilisation.
        for st in 0..2 {
            let (sx, sy) = (&x.stations[st].1, &y.stations[st].1);
            assert_eq!(sx.arrivals_in_window, sy.arrivals_in_window, "run {r} {st}");
            assert_eq!(sx.started, sy.started, "run {r} station {st}");
            assert_eq!(sx.wait_sum, sy.wait_sum, "run {r} station {st}: waits");
            assert_eq!(sx.mean_queue_len, sy.mean_queue_len, "run {r} station {st}");
            assert_eq!(sx.utilization, sy.utilization, "run {r} station {st}");
        }
        // The issuer itself is slower: its waits move (the test is not vacuous).
        issuer_waits_differ += (x.stations[2].1.wait_sum != y.stations[2].1.wait_sum) as u32;
        assert!(y.stations[2].1.utilization > x.stations[2].1.utilization);
    }
    assert_eq!(issuer_waits_differ, 5);
}

fn fingerprint(s: &Scenario, r: u64) -> common::Fingerprint {
    common::fingerprint(s, &run(s, r))
}

#[test]
fn a_fault_that_never_fires_changes_nothing() {
    let mut s = scenario::baseline();
    s.traffic_window = 2 * 60 * MINUTE;
    let mut past = s.clone();
    let beyond: Nanos = 40 * DAY;
    past.faults.push(FaultSpec::outage(
        "test-fault",
        Component::Issuer(0),
        beyond,
        beyond + MINUTE,
        OutageMode::Drop,
        None,
    ));
    for r in 0..3 {
        let f = fingerprint(&s, r);
        assert_eq!(fingerprint(&past, r), f, "outage past the horizon, run {r}");
    }
}

/// (time, amount, fraud) of each payment of `group`, in order.
fn payments_of(s: &Scenario, group: &str) -> Vec<(Nanos, i64, bool)> {
    let mut rec = Recorder {
        all: true,
        ..Default::default()
    };
    model::simulate(s, 3, 0, &mut rec).unwrap();
    rec.steps
        .iter()
        .filter_map(|(t, _, step)| match step {
            Step::Created {
                amount,
                group: g,
                fraud,
                ..
            } if g == group => Some((*t, *amount, *fraud)),
            _ => None,
        })
        .collect()
}

#[test]
fn a_second_terminal_group_leaves_the_first_groups_payments_unchanged() {
    let mut one = scenario::baseline();
    one.traffic_window = 10 * MINUTE;
    one.terminals[0].rate *= 4.0;
    one.fraud_share = 0.05; // so the fraud flag varies within a few hundred payments
    let mut two = one.clone();
    let mut extra = two.terminals[0].clone();
    extra.id = "kiosks".into();
    two.terminals.push(extra);
    two.links.terminal.push(two.links.terminal[0].clone());
    let a = payments_of(&one, &one.terminals[0].id);
    let b = payments_of(&two, &one.terminals[0].id);
    assert!(a.len() > 100, "{} payments", a.len());
    assert!(a.iter().any(|p| p.2), "some fraud among them");
    assert_eq!(a, b);
    assert!(!payments_of(&two, "kiosks").is_empty());
}

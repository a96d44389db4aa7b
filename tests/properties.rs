//! Random valid scenarios with faults and strategies switched on at random: every run conserves
//! money, classifies each payment once, settles nothing twice (all checked inside `simulate`),
//! produces no NaN or infinity, and gives the same output on one thread or two.

use payfault::engine::{DAY, HOUR, MILLI, MINUTE, SECOND};
use payfault::metrics;
use payfault::model::{self, NoTrace, Outcome};
use payfault::runner::{BatchOptions, run_batch};
use payfault::scenario::{
    self, ChannelSpec, Component, Dist, FaultSpec, IssuerSpec, OutageMode, ReversalSpec,
    RiskAction, RiskSpec, Scenario,
};
use proptest::prelude::*;

mod common;
use common::{cases, seed};
use std::sync::atomic::AtomicBool;

fn dist() -> impl Strategy<Value = Dist> {
    prop_oneof![
        (0u64..200).prop_map(|ms| Dist::Constant((ms * MILLI) as f64)),
        (1u64..300).prop_map(|ms| Dist::Exponential {
            mean: (ms * MILLI) as f64
        }),
        (0u64..100, 0u64..200).prop_map(|(a, w)| Dist::Uniform {
            lo: (a * MILLI) as f64,
            width: (w * MILLI) as f64
        }),
        (1u64..100, 1u64..20).prop_map(|(med, k)| Dist::LogNormal {
            mu: ((med * MILLI) as f64).ln(),
            sigma: k as f64 / 10.0
        }),
    ]
}

fn fault(channels: usize, issuers: usize) -> impl Strategy<Value = FaultSpec> {
    (0..3usize, 0..4usize, 0u64..180, 1u64..90, any::<bool>()).prop_map(
        move |(kind, k, start, len, reject)| FaultSpec {
            id: "test-fault".into(),
            target: match kind {
                0 => Component::Gateway,
                1 => Component::Channel(k % channels),
                _ => Component::Issuer(k % issuers),
            },
            start: start * MINUTE,
            end: (start + len) * MINUTE,
            mode: if reject {
                OutageMode::Reject
            } else {
                OutageMode::Drop
            },
            // One fault in three recurs (a maintenance window), with a period longer than it.
            repeat: (start % 3 == 0).then(|| (len + 30) * MINUTE),
        },
    )
}

prop_compose! {
    fn random_scenario()(
        channels in 1..4usize,
        issuers in 1..4usize,
    )(
        window_min in 10u64..120,
        rate in 1u32..20,
        services in proptest::collection::vec((1u32..20, dist()), 1 + channels + issuers),
        weights in proptest::collection::vec(0u32..5, channels + issuers),
        losses in proptest::collection::vec(prop_oneof![Just(0.0), 0.0..0.2f64], 3),
        faults in proptest::collection::vec(fault(channels, issuers), 0..4),
        timeout_s in 1u64..60,
        reversal in proptest::option::of((1u32..5, 1u64..120)),
        risk in proptest::option::of((0.0..0.3f64, 0.0..1.0f64, 0.0..0.2f64, any::<bool>(), 1u64..48)),
        fraud in 0.0..0.05f64,
        hold_h in 1u64..240,
        observation_h in proptest::option::of(1u64..60),
        start_weekday in 0u8..7,
        frozen in 0.0..0.2f64,
        dnh in 0.0..0.2f64,
        miskey in 0.0..0.1f64,
        lag in 0u32..3,
        channels in Just(channels),
        issuers in Just(issuers),
    ) -> Scenario {
        let mut s = scenario::baseline();
        s.traffic_window = window_min * MINUTE;
        s.observation = observation_h.map(|h| s.traffic_window + h * HOUR);
        s.start_weekday = start_weekday;
        s.terminals[0].rate = rate as f64;
        s.terminals[0].hourly = [1.0; 24];
        s.terminals[0].miskey_share = miskey;
        s.fraud_share = fraud;
        s.gateway.servers = services[0].0;
        s.gateway.service = services[0].1.clone();
        let chan0 = s.channels[0].clone();
        s.channels = (0..channels).map(|c| {
            let mut ch: ChannelSpec = chan0.clone();
            ch.station.id = format!("ch{c}");
            ch.station.servers = services[1 + c].0;
            ch.station.service = services[1 + c].1.clone();
            ch.weight = weights[c] as f64 + if c == 0 { 1.0 } else { 0.0 };
            ch
        }).collect();
        let iss0 = s.issuers[0].clone();
        s.issuers = (0..issuers).map(|i| {
            let mut is: IssuerSpec = iss0.clone();
            is.station.id = format!("iss{i}");
            is.station.servers = services[1 + channels + i].0;
            is.station.service = services[1 + channels + i].1.clone();
            is.share = weights[channels + i] as f64 + if i == 0 { 1.0 } else { 0.0 };
            is.hold_expiry = hold_h * HOUR;
            is.accounts.count = 500;
            is.accounts.frozen_share = frozen;
            is.do_not_honour_share = dnh;
            is
        }).collect();
        let link = s.links.terminal[0].clone();
        s.links.terminal[0].loss = losses[0];
        s.links.gateway_channel = (0..channels).map(|_| { let mut l = link.clone(); l.loss = losses[1]; l }).collect();
        s.links.channel_issuer = (0..channels).map(|_| (0..issuers).map(|_| { let mut l = link.clone(); l.loss = losses[2]; l }).collect()).collect();
        s.faults = faults;
        s.strategy.terminal_timeout = timeout_s * SECOND;
        s.strategy.reversal = reversal.map(|(attempts, interval)| ReversalSpec { attempts, interval: interval * SECOND });
        s.risk = risk.map(|(_, det, fp, review, delay)| RiskSpec {
            detection_rate: det,
            false_positive_rate: fp,
            action: if review { RiskAction::Review } else { RiskAction::Decline },
            review_delay: delay * HOUR,
        });
        s.settlement.lag_days = lag;
        assert!(payfault::scenario::calendar::horizon(&s) < 40 * DAY);
        s
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(48), failure_persistence: None, rng_seed: seed(), ..ProptestConfig::default() })]

    #[test]
    fn random_scenarios_keep_every_invariant(s in random_scenario(), seed in any::<u64>()) {
        let out = model::simulate(&s, seed, 0, &mut NoTrace).map_err(|v| TestCaseError::fail(v.to_string()))?;
        let total: u64 = Outcome::ALL.iter().map(|&o| out.count(o)).sum();
        prop_assert_eq!(total, out.payments);
        prop_assert!(out.false_declines <= out.count(Outcome::Declined));
        if s.observation.is_none() {
            prop_assert_eq!(out.count(Outcome::Pending), 0, "the default observation leaves nothing pending");
        }
        let catalogue = metrics::Catalogue::for_scenario(&s);
        for (name, v) in catalogue.names().iter().zip(catalogue.values(&out)) {
            if let Some(x) = v {
                prop_assert!(x.is_finite(), "{} = {}", name, x);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(8), failure_persistence: None, rng_seed: seed(), ..ProptestConfig::default() })]

    #[test]
    fn random_scenarios_are_thread_count_independent(s in random_scenario(), seed in any::<u64>()) {
        let batch = |threads| {
            let mut rows = vec![];
            let b = run_batch(&s, &BatchOptions { runs: 4, seed, threads }, &AtomicBool::new(false), |run, v| {
                rows.push((run, format!("{v:?}")));
                Ok(())
            }, |_| {}).unwrap();
            (rows, format!("{:?}", b.summaries), b.settle_delay_ms.len())
        };
        prop_assert_eq!(batch(1), batch(2));
    }
}

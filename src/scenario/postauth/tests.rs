//! Unit tests of `postauth`: the typed values of a scenario that sets every new field, the
//! defaults, and the error messages the CLI tests do not cover.

use super::*;
use crate::engine::DAY;

const FULL: &str = include_str!("../../../tests/fixtures/postauth.toml");

fn parse(src: &str) -> Result<Scenario, ScenarioError> {
    crate::scenario::parse(src, "t.toml", &Limits::default())
}

fn scenario(extra: &str) -> Scenario {
    parse(&format!("name = \"t\"\n{extra}")).unwrap()
}

#[test]
fn every_field_parses_into_its_typed_value() {
    let s = parse(FULL).unwrap();
    assert_eq!(s.liability, Liability::Acquirer);

    let (cup, tpp) = (&s.channels[0], &s.channels[1]);
    assert_eq!(cup.flow, MessageFlow::Single);
    assert_eq!(cup.issuer_timeout, Some(10 * SECOND));
    let si = cup.stand_in.as_ref().expect("stand-in enabled");
    assert_eq!(si.limit, 15_050, "minor units");
    assert_eq!(si.advice_interval, 30 * SECOND);
    assert_eq!(si.advice_expiry, 12 * HOUR);
    assert_eq!(tpp.flow, MessageFlow::Dual);
    assert_eq!(tpp.issuer_timeout, Some(8 * SECOND));
    assert!(tpp.stand_in.is_none());

    // Indexed by issuer (bank-a = 0, bank-b = 1), whatever the order of the entries.
    let routes = s.routing.as_ref().expect("a routing table");
    assert_eq!(
        routes,
        &vec![
            RouteSpec {
                channel: 0,
                backup: Some(1)
            },
            RouteSpec {
                channel: 1,
                backup: None
            },
        ]
    );

    let st = &s.settlement;
    assert_eq!((st.file_reject_share, st.file_late_share), (0.01, 0.02));
    // Day 0 is 2026-09-30: sorted, distinct, the date before day 0 dropped.
    assert_eq!(st.file_rejected, vec![1, 2]);

    let p = &s.payout;
    assert_eq!(p.schedule, PayoutSchedule::D0);
    assert_eq!(p.d0_daily_cap, Some(500_000));
    assert_eq!(
        p.bank_maintenance,
        vec![
            (23 * HOUR + 30 * MINUTE, 30 * MINUTE),
            (12 * HOUR, 12 * HOUR + 15 * MINUTE + 30 * SECOND)
        ]
    );
    assert_eq!(
        p.promise,
        Promise::Business {
            days: 1,
            by: 18 * HOUR
        }
    );
    assert_eq!(p.d0_promise, Promise::Within(2 * HOUR));

    let m = s.merchant_risk.as_ref().expect("merchant risk enabled");
    assert_eq!(m.large_sale, Some(300_000));
    assert_eq!(m.night, Some((0, 5 * HOUR)));
    assert_eq!(m.daily_count, Some(200));
    assert_eq!(m.misfire_share, 0.001);
    assert_eq!(
        m.review_time,
        Dist::Exponential {
            mean: (2 * HOUR) as f64
        }
    );

    let r = s.reconciliation.as_ref().expect("reconciliation enabled");
    assert_eq!(r.at, 6 * HOUR + 30 * MINUTE);
    assert_eq!(r.interval, 12 * HOUR);
    assert_eq!(r.detection_delay, 6 * HOUR);
    assert_eq!(r.repair_time, DAY);

    assert_eq!(s.strategy.acquirer_timeout, Some(25 * SECOND));
}

#[test]
fn defaults_keep_todays_behaviour() {
    let s = scenario("");
    assert_eq!(s.liability, Liability::Merchant);
    let c = &s.channels[0];
    assert_eq!(c.flow, MessageFlow::Dual);
    assert_eq!(c.issuer_timeout, None);
    assert!(c.stand_in.is_none());
    assert!(s.routing.is_none());
    let st = &s.settlement;
    assert_eq!((st.file_reject_share, st.file_late_share), (0.0, 0.0));
    assert!(st.file_rejected.is_empty());
    assert_eq!(s.payout.schedule, PayoutSchedule::T1);
    assert_eq!(s.payout.d0_daily_cap, None);
    assert!(s.payout.bank_maintenance.is_empty());
    // T+1 and D+0, each by the end of the day; `promise_days` sets the first's day.
    assert_eq!(s.payout.promise, Promise::Business { days: 1, by: DAY });
    assert_eq!(s.payout.d0_promise, Promise::Natural { days: 0, by: DAY });
    let days = scenario("[settlement]\npromise_days = 3").payout.promise;
    assert_eq!(days, Promise::Business { days: 3, by: DAY });
    assert!(s.merchant_risk.is_none());
    assert!(s.reconciliation.is_none());
    assert_eq!(s.strategy.acquirer_timeout, None);
    // Disabled tables are not checked further; an empty routing array is no table.
    let s = scenario(
        "routing = []\n[merchant_risk]\nnight = { start = \"01:00\", end = \"01:00\" }\n\
         [reconciliation]\ninterval = \"0s\"\n\
         [[channels]]\nstand_in = { enabled = false, advice_interval = \"0s\" }\n",
    );
    assert!(s.routing.is_none() && s.merchant_risk.is_none() && s.reconciliation.is_none());
    assert!(s.channels[0].stand_in.is_none());
}

#[test]
fn defaults_of_enabled_tables() {
    let s = scenario(
        "[merchant_risk]\nenabled = true\nmisfire_share = 0.01\n[reconciliation]\n\
         enabled = true\n[[channels]]\nissuer_timeout = \"10s\"\nstand_in.enabled = true\n",
    );
    let m = s.merchant_risk.unwrap();
    assert_eq!((m.large_sale, m.night, m.daily_count), (None, None, None));
    let written = scenario(
        "[merchant_risk]\nenabled = true\nmisfire_share = 0.01\n\
         review_time = { kind = \"lognormal\", median = \"1d\", p99 = \"7d\" }\n",
    );
    let q = |d: &Dist| d.quantile(0.999);
    let (a, b) = (
        q(&m.review_time),
        q(&written.merchant_risk.unwrap().review_time),
    );
    assert!((a - b).abs() < 1e-6 * b, "{a} vs {b}");
    let r = s.reconciliation.unwrap();
    assert_eq!((r.at, r.interval), (6 * HOUR, DAY));
    assert_eq!((r.detection_delay, r.repair_time), (12 * HOUR, DAY));
    let si = s.channels[0].stand_in.clone().unwrap();
    assert_eq!(
        (si.limit, si.advice_interval, si.advice_expiry),
        (20_000, 60 * SECOND, DAY)
    );
}

#[test]
fn routing_as_an_inline_array() {
    let s = scenario(
        "routing = [{ issuer = \"issuer\", channel = \"b\", backup = \"a\" }]\n\
         [[channels]]\nid = \"a\"\n[[channels]]\nid = \"b\"\n",
    );
    assert_eq!(
        s.routing,
        Some(vec![RouteSpec {
            channel: 1,
            backup: Some(0)
        }])
    );
}

/// Errors the CLI tests do not cover: the field path and the bad value are named.
#[test]
fn other_errors_name_field_and_value() {
    let two = "[[channels]]\nid = \"a\"\n[[channels]]\nid = \"b\"\n";
    let cases: &[(&str, &str, &str)] = &[
        (
            "[[channels]]\nissuer_timeout = \"0s\"",
            "channels[0].issuer_timeout",
            "got 0",
        ),
        (
            "[[channels]]\nissuer_timeout = \"1s\"\nstand_in = { enabled = true, limit = 0 }",
            "channels[0].stand_in.limit",
            "got 0.00",
        ),
        (
            "[[channels]]\nissuer_timeout = \"1s\"\n\
             stand_in = { enabled = true, advice_interval = \"0s\" }",
            "channels[0].stand_in.advice_interval",
            "got 0",
        ),
        (
            "[payout]\nschedule = \"d0\"\nd0_daily_cap = \"-1.5\"",
            "payout.d0_daily_cap",
            "got -1.50",
        ),
        (
            "[payout]\npromise = \"T+1 6pm\"",
            "payout.promise",
            "invalid promise \"T+1 6pm\": after \"T+1\" comes a deadline time of day",
        ),
        (
            "[payout]\nschedule = \"d0\"\nd0_promise = \"D+0 0h\"",
            "payout.d0_promise",
            "must be longer than zero and at most 24h",
        ),
        (
            "[payout]\nd0_promise = \"D+0\"",
            "payout.d0_promise",
            "but payout.schedule is \"t1\"",
        ),
        (
            "[settlement]\npromise_days = 2\n[payout]\npromise = \"T+1\"",
            "payout.promise",
            "both set the promise of the payout; keep one (promise_days = 2 is the same as \
             promise = \"T+2\")",
        ),
        (
            "[settlement]\npromise_days = 31",
            "settlement.promise_days",
            "31 is above the limit of 30",
        ),
        (
            "[merchant_risk]\nenabled = true\nlarge_sale = 0",
            "merchant_risk.large_sale",
            "got 0.00",
        ),
        (
            "[merchant_risk]\nenabled = true\nnight = { start = \"01:00\", end = \"01:00\" }",
            "merchant_risk.night",
            "both \"01:00\"",
        ),
        (
            "[merchant_risk]\nenabled = true\ndaily_count = 0",
            "merchant_risk.daily_count",
            "got 0",
        ),
        (
            "[strategy]\nacquirer_timeout = \"0ms\"",
            "strategy.acquirer_timeout",
            "got 0",
        ),
        (
            "[settlement]\nfile_rejected = [\"2026-10-01\"]",
            "settlement.file_rejected",
            "needs simulation.start_date",
        ),
        (
            "[settlement]\nfile_reject_share = 0.75\nfile_late_share = 0.5",
            "settlement.file_late_share",
            "0.75 + 0.5 = 1.25",
        ),
        (
            "[settlement]\nfile_reject_share = 1.1",
            "settlement.file_reject_share",
            "invalid probability 1.1",
        ),
        (
            "[[routing]]\nissuer = \"issuer\"\nchannel = \"scheme\"\nbackup = \"schme\"",
            "routing[0].backup",
            "unknown channel id \"schme\" (did you mean \"scheme\"?); channels: scheme",
        ),
        (
            "[[routing]]\nissuer = \"scheme\"\nchannel = \"scheme\"",
            "routing[0].issuer",
            "\"scheme\" is a channel, not an issuer; issuers: issuer",
        ),
        (
            "[[routing]]\nissuer = \"issuer\"\nchannel = \"gateway\"",
            "routing[0].channel",
            "\"gateway\" is the gateway, not a channel",
        ),
        (
            &format!("{two}[[routing]]\nissuer = \"issuer\"\nchannel = \"a\"\nbackup = \"a\""),
            "routing[0].backup",
            "backup \"a\" is the same channel as routing[0].channel",
        ),
    ];
    for (extra, field, needle) in cases {
        let err = parse(&format!("name = \"t\"\n{extra}")).unwrap_err();
        let ScenarioError::Invalid(d) = err else {
            panic!("{extra}: not a located error")
        };
        assert_eq!(d.field, *field, "{extra}: {d}");
        assert!(d.message.contains(needle), "{extra}: {d}");
        assert!(d.location.is_some(), "{extra}: {d}");
    }
    // Shares written in decimals that add up to exactly 1 are accepted.
    for (a, b) in [
        ("0.7", "0.3"),
        ("0.35", "0.65"),
        ("0.1", "0.9"),
        ("0.01", "0.99"),
    ] {
        scenario(&format!(
            "[settlement]\nfile_reject_share = {a}\nfile_late_share = {b}"
        ));
    }
}

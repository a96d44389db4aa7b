//! The comparison's power and its families: a small real change seen run by run, constant
//! metrics left out, deterministic changes, minimum changes and the detectable change.

use super::*;
use crate::scenario::expect::Margin;
use std::collections::BTreeSet;

/// The power measurement's scenario (scripts/check-power.sh): a busy issuer.
fn power_scenario() -> String {
    std::fs::read_to_string("tests/fixtures/check_power.toml").unwrap()
}

/// The issuer's service 0.4% slower.
fn slower(src: &str) -> String {
    let s = src.replace("mean = \"150ms\"", "mean = \"150.6ms\"");
    assert_ne!(s, src);
    s
}

/// The check before the families: Welch's test on every metric, Holm over all of them.
fn welch_over_everything(base: &Baseline, now: &Baseline) -> BTreeMap<String, f64> {
    let names: Vec<&String> = base
        .metrics
        .keys()
        .filter(|k| now.metrics.contains_key(*k))
        .filter(|k| welch(&base.metrics[*k], &now.metrics[*k]).is_some())
        .collect();
    let p: Vec<f64> = names
        .iter()
        .map(|k| welch(&base.metrics[*k], &now.metrics[*k]).unwrap())
        .collect();
    names.into_iter().cloned().zip(holm(&p)).collect()
}

#[test]
fn a_small_real_shift_is_seen_paired_and_not_by_welch_over_every_metric() {
    let src = power_scenario();
    let base = base(&src, 5, 30);
    let after = batch(&slower(&src), 5, 30);
    // Before: Welch over every metric (hundreds, most 0 in every run) sees nothing.
    let old = welch_over_everything(&base, &after.1);
    assert!(old.len() > 300, "{}", old.len());
    assert!(
        old["utilization.bank"] >= 0.05,
        "{}",
        old["utilization.bank"]
    );
    assert!(old.values().all(|&p| p >= 0.05));
    // Now: the comparison is paired, the family is the metrics that vary, and the issuer's
    // utilisation is seen to rise by about 0.4%.
    let c = cmp(&[(&base, &after)], 0.05);
    let family = c.family(Family::Headline) + c.family(Family::Exploratory);
    assert!(family < 60 && c.constant.len() > 300, "{family}");
    let u = c
        .shifts
        .iter()
        .find(|s| s.metric == "utilization.bank")
        .unwrap();
    assert_eq!((u.method, u.family), (Method::Paired, Family::Exploratory));
    assert!(u.changed, "{u:?}");
    let rel = u.relative.unwrap();
    assert!(rel > 0.002 && rel < 0.006, "{rel}");
    assert!(u.mdc.unwrap() < u.diff, "{u:?}");
    // Another seed (independent runs): Welch, and the change is too small for 30 runs.
    let other = batch(&slower(&src), 6, 30);
    let c = cmp(&[(&base, &other)], 0.05);
    let u = c
        .shifts
        .iter()
        .find(|s| s.metric == "utilization.bank")
        .unwrap();
    assert_eq!(u.method, Method::Welch);
    assert!(!u.changed && u.mdc.unwrap() > 10.0 * u.diff.abs().max(1e-4));
}

#[test]
fn expectations_name_headline_metrics_and_their_minimum_changes() {
    let src = power_scenario();
    let base = base(&src, 5, 30);
    let after = batch(&slower(&src), 5, 30);
    let expect = crate::scenario::expect::ExpectSpec {
        runs: 30,
        seed: 5,
        bounds: vec![],
        min_change: [("utilization.bank".to_owned(), Margin::Relative(0.01))].into(),
        min_change_default: None,
    };
    let run = |expect: Option<&crate::scenario::expect::ExpectSpec>, cli: &MinChanges| {
        let pair = Pair::new(&base, &after.1, &after.0.catalogue, expect, cli);
        assert!(pair.paired());
        let c = compare(&[pair], 0.05);
        c.shifts
            .into_iter()
            .find(|s| s.metric == "utilization.bank")
            .unwrap()
    };
    // Named by [expect]: headline; a change of 0.4% is below the 1% that matters.
    let u = run(Some(&expect), &MinChanges::default());
    assert_eq!(u.family, Family::Headline);
    assert!(!u.changed && u.p_value == Some(1.0), "{u:?}");
    assert!((u.delta - 0.01 * u.before.mean.unwrap()).abs() < 1e-12);
    // The command line beats [expect]: 0.1% matters, and the 0.4% change counts.
    let cli = MinChanges {
        per_metric: [("utilization.bank".to_owned(), Margin::Relative(0.001))].into(),
        default: Some(Margin::Relative(0.5)),
    };
    let u = run(Some(&expect), &cli);
    assert!(u.changed && u.family == Family::Headline, "{u:?}");
    // A default of 1% for every metric: nothing of this size counts.
    let cli = MinChanges {
        per_metric: BTreeMap::new(),
        default: Some(Margin::Relative(0.01)),
    };
    let u = run(None, &cli);
    assert!(!u.changed && u.family == Family::Exploratory, "{u:?}");
}

/// A hand-made baseline of `metrics` (name, per-run values).
fn made(seed: u64, metrics: &[(&str, Vec<f64>)]) -> Baseline {
    let runs = metrics[0].1.len() as u64;
    Baseline {
        format: FORMAT,
        payfault: "test".into(),
        scenario: "s".into(),
        seed,
        runs,
        metrics: metrics
            .iter()
            .map(|(k, xs)| {
                let mut mo = moments(xs);
                mo.runs = Some(xs.iter().map(|&x| Some(x)).collect());
                (k.to_string(), mo)
            })
            .collect(),
    }
}

fn pair<'a>(base: &'a Baseline, now: &'a Baseline, headline: &[&str], min: MinChanges) -> Pair<'a> {
    Pair {
        base,
        now,
        order: now.metrics.keys().cloned().collect(),
        headline: headline
            .iter()
            .map(|s| s.to_string())
            .collect::<BTreeSet<_>>(),
        min_change: min,
    }
}

#[test]
fn constant_metrics_are_left_out_and_deterministic_changes_stand_outside_the_families() {
    let xs: Vec<f64> = (0..20).map(|i| 100.0 + (i % 5) as f64).collect();
    let before = made(
        1,
        &[
            ("a", xs.clone()),
            ("zero", vec![0.0; 20]),
            ("servers", vec![4.0; 20]),
        ],
    );
    let after = made(
        1,
        &[
            ("a", xs.clone()),
            ("zero", vec![0.0; 20]),
            ("servers", vec![5.0; 20]),
        ],
    );
    let c = compare(
        &[pair(&before, &after, &["a"], MinChanges::default())],
        0.05,
    );
    assert_eq!(
        c.constant,
        [("s".into(), "zero".into(), Family::Exploratory)]
    );
    assert_eq!(
        (c.family(Family::Headline), c.family(Family::Exploratory)),
        (1, 0)
    );
    let servers = c.shifts.iter().find(|s| s.metric == "servers").unwrap();
    assert_eq!(servers.method, Method::Exact);
    assert!(servers.changed && servers.p_value.is_none() && servers.diff == 1.0);
    // A minimum change of 2 servers: a deterministic change of 1 does not count.
    let min = MinChanges {
        per_metric: [("servers".to_owned(), Margin::Absolute(2.0))].into(),
        default: None,
    };
    let c = compare(&[pair(&before, &after, &["a"], min)], 0.05);
    assert!(!c.changed().any(|s| s.metric == "servers"));
}

#[test]
fn a_minimum_change_gates_a_significant_change() {
    // A +1% shift with run-to-run noise that cancels in the pairs (common random numbers).
    let xs: Vec<f64> = (0..30).map(|i| 100.0 + ((i * 7) % 11) as f64).collect();
    let ys: Vec<f64> = xs
        .iter()
        .enumerate()
        .map(|(i, x)| x * 1.01 + 0.01 * (i % 3) as f64)
        .collect();
    let before = made(3, &[("a", xs)]);
    let after = made(3, &[("a", ys)]);
    let run = |m: Option<Margin>| {
        let min = MinChanges {
            per_metric: BTreeMap::new(),
            default: m,
        };
        compare(&[pair(&before, &after, &["a"], min)], 0.05).shifts[0].clone()
    };
    let s = run(None);
    assert!(
        s.changed && s.method == Method::Paired && s.pairs == 30,
        "{s:?}"
    );
    assert!(s.standardised.unwrap() > 0.0);
    assert!(run(Some(Margin::Relative(0.005))).changed);
    assert!(!run(Some(Margin::Relative(0.02))).changed);
    assert!(!run(Some(Margin::Absolute(5.0))).changed);
    // Another seed: Welch, and the same 1% is lost in the spread of 30 runs.
    let other = made(
        4,
        &[(
            "a",
            after.metrics["a"]
                .runs
                .clone()
                .unwrap()
                .into_iter()
                .map(Option::unwrap)
                .collect(),
        )],
    );
    let s = compare(
        &[pair(&before, &other, &["a"], MinChanges::default())],
        0.05,
    )
    .shifts[0]
        .clone();
    assert!(s.method == Method::Welch && !s.changed, "{s:?}");
}

#[test]
fn the_minimum_effect_test_and_the_detectable_change() {
    use super::super::compare::{mdc, min_effect_p};
    use statrs::distribution::ContinuousCDF;
    // At δ = 0 it is the two-sided test; beyond, the excess over δ is tested.
    let t = crate::metrics::t975(15);
    assert!((min_effect_p(t, 0.0, 1.0, 15.0) - 0.05).abs() < 1e-9);
    assert!((min_effect_p(-(t + 2.0), 2.0, 1.0, 15.0) - 0.05).abs() < 1e-9);
    assert_eq!(min_effect_p(1.5, 2.0, 1.0, 15.0), 1.0);
    assert_eq!(min_effect_p(3.0, 2.0, 0.0, 15.0), 0.0);
    assert_eq!(min_effect_p(2.0, 2.0, 0.0, 15.0), 1.0);
    // Many degrees of freedom: z(0.975) + z(0.80) = 1.95996 + 0.84162.
    assert!((mdc(0.0, 1.0, 1e9, 0.05) - 2.801_585).abs() < 1e-4);
    assert!((mdc(0.5, 2.0, 1e9, 0.05) - (0.5 + 2.0 * 2.801_585)).abs() < 1e-3);
    // A true change of the MDC is flagged about 80% of the time (normal approximation).
    let z = |p: f64| statrs::distribution::Normal::standard().inverse_cdf(p);
    let m = mdc(0.0, 1.0, 1e9, 0.01);
    let power = statrs::distribution::Normal::standard().sf(z(0.995) - m);
    assert!((power - 0.8).abs() < 1e-3, "{power}");
}

#[test]
fn a_format_1_baseline_is_compared_with_welch() {
    let src = power_scenario();
    let mut base = base(&src, 5, 10);
    base.format = 1;
    base.metrics.values_mut().for_each(|m| m.runs = None);
    let after = batch(&src, 5, 10);
    let c = cmp(&[(&base, &after)], 0.05);
    assert!(c.shifts.iter().all(|s| s.method == Method::Welch));
    assert_eq!(c.changed().count(), 0);
}

#[test]
fn baselines_stay_small() {
    // 40 runs of a scenario with about 760 metrics (28 fixed causes): under 190 bytes each.
    let b = base(&power_scenario(), 1, 40);
    assert!(b.metrics.len() > 350, "{}", b.metrics.len());
    let text = b.to_json();
    let limit = 190 * b.metrics.len();
    assert!(
        text.len() < limit,
        "{} bytes, {} metrics",
        text.len(),
        b.metrics.len()
    );
    // Counts are written without ".0", one metric a line.
    assert!(text.contains("\"runs\":[0,0,0"), "{}", &text[..400]);
    assert_eq!(text.lines().count(), b.metrics.len() + 10); // with the checksum line
    let back: Baseline = serde_json::from_str(&text).unwrap();
    assert!(back == b);
}

use super::*;
use crate::runner::{BatchOptions, run_batch};
use crate::scenario::{self, Limits};
use std::sync::atomic::AtomicBool;

/// A small scenario (two minutes of traffic, about 1,200 payments a run): a busy issuer that
/// declines some payments, the risk engine's declines and fraud, and response loss on the
/// issuer link, so the catalogue has counts, amounts, ratios, queue figures and causes.
const SCENARIO: &str = r#"
name = "baseline_test"
description = "Test scenario of the baselines: a busy issuer with declines and response loss"

[simulation]
runs = 30
seed = 1
traffic_window = "2m"

[[terminals]]
id = "pos"
count = 100
rate = "0.1/s"
profile = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]

[[channels]]
id = "scheme"
servers = 8

[[issuers]]
id = "bank"
servers = 2
service = { kind = "exponential", mean = "150ms" }
do_not_honour_share = 0.02

[issuers.accounts]
count = 2000

[[faults]]
id = "lossy"
kind = "loss"
target = "scheme-bank"
direction = "down"
probability = 0.02
start = "0s"
"#;

const RUNS: u64 = 30;

/// A batch of `src` and its baseline (with per-run values).
fn batch(src: &str, seed: u64, runs: u64) -> (BatchResult, Baseline) {
    let s = scenario::parse(src, "baseline_test.toml", &Limits::default()).unwrap();
    let opts = BatchOptions {
        runs,
        seed,
        threads: 1,
    };
    let mut rows = vec![];
    let b = run_batch(
        &s,
        &opts,
        &AtomicBool::new(false),
        |_, r| {
            rows.push(r.to_vec());
            Ok(())
        },
        |_| {},
    )
    .unwrap();
    let base = Baseline::of(&b, &rows);
    (b, base)
}

/// The baseline of a batch of `src`.
fn base(src: &str, seed: u64, runs: u64) -> Baseline {
    batch(src, seed, runs).1
}

/// Compares pairs of (baseline, new batch) with no [expect] and no minimum change.
fn cmp(pairs: &[(&Baseline, &(BatchResult, Baseline))], alpha: f64) -> Comparison {
    let none = MinChanges::default();
    let pairs: Vec<Pair> = pairs
        .iter()
        .map(|(b, (r, now))| Pair::new(b, now, &r.catalogue, None, &none))
        .collect();
    compare(&pairs, alpha)
}

fn moments(xs: &[f64]) -> Moments {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    Moments {
        n: xs.len() as u64,
        mean: Some(mean),
        std: Some(var.sqrt()),
        runs: None,
    }
}

fn m(n: u64, mean: f64, std: f64) -> Moments {
    Moments {
        n,
        mean: Some(mean),
        std: Some(std),
        runs: None,
    }
}

#[test]
fn welch_matches_r_on_the_sleep_data() {
    // Student's sleep data (Cushny & Peebles 1905, R's `sleep`): extra hours of sleep under
    // two drugs. R: t.test(extra ~ group, data = sleep) gives Welch's t = -1.8608,
    // df = 17.776, p-value = 0.07939.
    let g1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0];
    let g2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];
    let p = welch(&moments(&g1), &moments(&g2)).unwrap();
    assert!((p - 0.07939).abs() < 5e-6, "{p}");
    // Symmetric in its sides.
    assert_eq!(welch(&moments(&g2), &moments(&g1)), Some(p));
}

#[test]
fn welch_with_one_side_without_spread_has_the_other_sides_degrees_of_freedom() {
    // Before: constant 0 over 10 runs. After: 16 runs, std 2, so the standard error is 0.5 and
    // df = 15; a mean of 0.5 · t975(15) sits exactly on the two-sided 5% boundary.
    let t = crate::metrics::t975(15);
    let p = welch(&m(10, 0.0, 0.0), &m(16, 0.5 * t, 2.0)).unwrap();
    assert!((p - 0.05).abs() < 1e-9, "{p}");
    // Half of it: well inside.
    assert!(welch(&m(10, 0.0, 0.0), &m(16, 0.25 * t, 2.0)).unwrap() > 0.2);
}

#[test]
fn welch_edge_cases() {
    // No spread on either side: a deterministic comparison.
    assert_eq!(welch(&m(5, 3.5, 0.0), &m(8, 3.5, 0.0)), Some(1.0));
    assert_eq!(welch(&m(5, 3.5, 0.0), &m(8, 3.6, 0.0)), Some(0.0));
    // Fewer than 2 runs on a side: not testable.
    let one = Moments {
        n: 1,
        mean: Some(2.0),
        std: None,
        runs: None,
    };
    let none = Moments {
        n: 0,
        mean: None,
        std: None,
        runs: None,
    };
    assert_eq!(welch(&one, &m(8, 3.6, 1.0)), None);
    assert_eq!(welch(&m(8, 3.6, 1.0), &none), None);
    // Identical sides: nothing to see.
    assert_eq!(welch(&m(30, 7.0, 2.0), &m(30, 7.0, 2.0)), Some(1.0));
    // An enormous effect gives a tiny p-value, not zero or NaN.
    let p = welch(&m(30, 0.0, 1.0), &m(30, 3.0, 1.0)).unwrap();
    assert!(p > 0.0 && p < 1e-12, "{p}");
}

#[test]
fn holm_matches_a_worked_example() {
    // R: p.adjust(c(0.01, 0.04, 0.03, 0.005), "holm") = 0.03 0.06 0.06 0.02. By hand: sorted
    // 0.005 × 4 = 0.02, 0.01 × 3 = 0.03, 0.03 × 2 = 0.06, 0.04 × 1 = 0.04 -> 0.06 (monotone).
    let adj = holm(&[0.01, 0.04, 0.03, 0.005]);
    let want = [0.03, 0.06, 0.06, 0.02];
    for (a, w) in adj.iter().zip(want) {
        assert!((a - w).abs() < 1e-15, "{adj:?}");
    }
    // At 5%: the step-down stops at 0.03 > 0.05 / 2, so only the two smallest are rejected.
    let rejected: Vec<bool> = adj.iter().map(|&a| a < 0.05).collect();
    assert_eq!(rejected, [true, false, false, true]);
    // Capped at 1; an empty family is empty.
    assert_eq!(holm(&[0.5, 0.9]), [1.0, 1.0]);
    assert!(holm(&[]).is_empty());
}

#[test]
fn save_and_load_round_trip() {
    let b = base(SCENARIO, 3, 4);
    assert_eq!((b.format, b.seed, b.runs), (FORMAT, 3, 4));
    assert_eq!(b.scenario, "baseline_test");
    assert!(b.metrics.contains_key("declined"));
    assert!(b.metrics.contains_key("causes.lossy.reversed"));
    // Every metric keeps its value in each run.
    assert!(
        b.metrics
            .values()
            .all(|m| m.runs.as_ref().is_some_and(|r| r.len() == 4))
    );
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("nested/baselines");
    let path = b.save(&dir).unwrap();
    assert_eq!(path, dir.join("baseline_test.json"));
    // Exactly the same numbers back (the file keeps every digit).
    let back = Baseline::load(&dir, "baseline_test", Lang::En)
        .unwrap()
        .unwrap();
    let differ: Vec<_> = b
        .metrics
        .iter()
        .filter(|(k, v)| back.metrics.get(*k) != Some(*v))
        .map(|(k, _)| k)
        .collect();
    assert!(differ.is_empty(), "read back differently: {differ:?}");
    assert!(back == b);
    // Saving again replaces it; nothing else is left in the folder.
    b.save(&dir).unwrap();
    let files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(files, ["baseline_test.json"]);
    // No baseline for another scenario: not an error.
    assert_eq!(Baseline::load(&dir, "other", Lang::En), Ok(None));
    assert_eq!(
        Baseline::load(&tmp.path().join("absent"), "other", Lang::En),
        Ok(None)
    );
}

#[test]
fn bad_baselines_are_errors_naming_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let file = dir.join("s.json");
    let shown = file.display().to_string();
    let load = |text: &str, lang| {
        std::fs::write(&file, text).unwrap();
        Baseline::load(dir, "s", lang).unwrap_err()
    };
    let good = Baseline {
        format: FORMAT,
        payfault: "0.1.0".into(),
        scenario: "s".into(),
        seed: 1,
        runs: 2,
        metrics: [(
            "declined".to_owned(),
            Moments {
                runs: Some(vec![Some(0.5), Some(1.5)]),
                ..m(2, 1.0, 0.5f64.sqrt())
            },
        )]
        .into(),
    };
    // Written as payfault writes them (with their checksum): the values are what is wrong.
    let json = |b: &Baseline| b.to_json();
    // Not JSON, or JSON that is not a baseline.
    let e = load("{ not json", Lang::En);
    assert!(
        e.contains(&shown) && e.contains("not a payfault baseline"),
        "{e}"
    );
    let e = load(r#"{"format": 1, "seed": 3}"#, Lang::En);
    assert!(e.contains(&shown) && e.contains("missing field"), "{e}");
    let e = load("{ not json", Lang::Zh);
    assert!(
        e.contains(&shown) && e.contains("不是 payfault 基线"),
        "{e}"
    );
    // Another format: said as such.
    let mut later = good.clone();
    later.format = FORMAT + 1;
    let e = load(&json(&later), Lang::En);
    assert!(
        e.contains(&shown) && e.contains(&format!("format {}", FORMAT + 1)),
        "{e}"
    );
    // Another scenario's baseline under this name.
    let mut other = good.clone();
    other.scenario = "t".into();
    let e = load(&json(&other), Lang::En);
    assert!(e.contains(&shown) && e.contains("\"t\""), "{e}");
    // Impossible moments.
    let mut neg = good.clone();
    neg.metrics.insert("payments".into(), m(3, 1.0, -1.0));
    let e = load(&json(&neg), Lang::En);
    assert!(e.contains(&shown) && e.contains("payments"), "{e}");
    let mut lone = good.clone();
    lone.metrics.insert("payments".into(), m(1, 1.0, 0.0));
    assert!(load(&json(&lone), Lang::En).contains("payments"));
    // Per-run values that do not fit the runs.
    let mut short = good.clone();
    short.metrics.get_mut("declined").unwrap().runs = Some(vec![Some(1.0)]);
    let e = load(&json(&short), Lang::En);
    assert!(
        e.contains(&shown) && e.contains("declined") && e.contains("1 values for 2 runs"),
        "{e}"
    );
    let mut missing = good.clone();
    missing.metrics.get_mut("declined").unwrap().runs = None;
    assert!(load(&json(&missing), Lang::En).contains("0 values for 2 runs"));
    // Format 1 (no per-run values) is still read.
    let mut old = missing.clone();
    old.format = 1;
    std::fs::write(&file, serde_json::to_string(&old).unwrap()).unwrap();
    assert_eq!(Baseline::load(dir, "s", Lang::En), Ok(Some(old)));
    // The good one loads.
    std::fs::write(&file, good.to_json()).unwrap();
    assert_eq!(Baseline::load(dir, "s", Lang::En), Ok(Some(good.clone())));
    // A name that is not a file name in the folder.
    let e = Baseline::load(dir, "../s", Lang::En).unwrap_err();
    assert!(
        e.contains("../s") && e.contains("not a scenario name"),
        "{e}"
    );
    let mut bad = good;
    bad.scenario = "../escape".into();
    let err = bad.save(dir).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    // A folder where the file should be: unreadable, said so.
    std::fs::create_dir(dir.join("d.json")).unwrap();
    let e = Baseline::load(dir, "d", Lang::En).unwrap_err();
    assert!(
        e.contains("cannot read the baseline") && e.contains("d.json"),
        "{e}"
    );
}

#[test]
fn metrics_on_one_side_or_with_too_few_runs_are_listed_not_tested() {
    let now = batch(SCENARIO, 1, 3);
    let mut base = now.1.clone();
    base.metrics.remove("declined");
    base.metrics.insert("retired_metric".into(), m(3, 1.0, 0.0));
    base.metrics.insert(
        "payments".into(),
        Moments {
            n: 1,
            mean: Some(1.0),
            std: None,
            runs: None,
        },
    );
    let c = cmp(&[(&base, &now)], 0.05);
    let why = |name: &str| {
        c.not_tested
            .iter()
            .find(|t| t.metric == name)
            .map(|t| t.reason)
    };
    assert_eq!(why("declined"), Some(Untested::New));
    assert_eq!(why("retired_metric"), Some(Untested::Gone));
    assert_eq!(why("payments"), Some(Untested::TooFewRuns));
    // Metrics defined in no run on either side (nothing was repaired) are in no list.
    let names = now.0.catalogue.names();
    let summary = |n: &str| now.0.summary(n).unwrap();
    let undefined: Vec<&String> = names.iter().filter(|n| summary(n).mean.is_none()).collect();
    assert!(undefined.iter().any(|n| *n == "break_repair_age_mean_s"));
    assert_eq!(c.not_tested.len(), 3, "{:?}", c.not_tested);
    // The metrics that vary are tested, in catalogue order; those equal in every run are left
    // out as constant (the same on both sides).
    let varies = |n: &str| summary(n).std.is_some_and(|s| s > 0.0);
    let tested: Vec<_> = c.shifts.iter().map(|s| s.metric.clone()).collect();
    let expected: Vec<_> = names
        .iter()
        .filter(|n| *n != "declined" && *n != "payments" && varies(n))
        .cloned()
        .collect();
    assert!(tested == expected, "tested {tested:?}");
    let constant: Vec<_> = c.constant.iter().map(|(_, m, _)| m.clone()).collect();
    let expected: Vec<_> = names
        .iter()
        .filter(|n| *n != "declined" && *n != "payments" && summary(n).std == Some(0.0))
        .cloned()
        .collect();
    assert!(constant == expected && !constant.is_empty(), "{constant:?}");
    assert_eq!(
        c.family(Family::Headline) + c.family(Family::Exploratory),
        tested.len()
    );
    assert_eq!(c.changed().count(), 0);
}

#[test]
fn an_unchanged_scenario_at_the_same_seed_flags_nothing() {
    // Through a saved file: the numbers read back are exactly those written, so even the
    // deterministic metrics (no spread on either side) compare equal.
    let before = batch(SCENARIO, 7, RUNS);
    let tmp = tempfile::tempdir().unwrap();
    before.1.save(tmp.path()).unwrap();
    let base = Baseline::load(tmp.path(), "baseline_test", Lang::En)
        .unwrap()
        .unwrap();
    let after = batch(SCENARIO, 7, RUNS);
    let c = cmp(&[(&base, &after)], 0.05);
    assert!(
        c.shifts.len() > 15,
        "only {} metrics tested",
        c.shifts.len()
    );
    for s in &c.shifts {
        assert_eq!(s.method, Method::Paired, "{s:?}");
        assert!(s.p_value == Some(1.0) && !s.changed, "{s:?}");
    }
}

#[test]
fn an_injected_shift_is_flagged() {
    // The issuer refuses (05) five times as often: the declines and their cause rise, fewer
    // payments settle; the arrivals are the same (same seed, the same arrival streams).
    let share = "do_not_honour_share = 0.02";
    assert!(SCENARIO.contains(share));
    let shifted = SCENARIO.replace(share, "do_not_honour_share = 0.10");
    let base = base(SCENARIO, 11, RUNS);
    let after = batch(&shifted, 11, RUNS);
    let c = cmp(&[(&base, &after)], 0.05);
    let get = |name: &str| c.shifts.iter().find(|s| s.metric == name).unwrap();
    let mean = |m: &Moments| m.mean.unwrap();
    for (name, up, family) in [
        ("declined", true, Family::Headline),
        ("declined_amount", true, Family::Exploratory),
        ("causes.do_not_honour.declined", true, Family::Exploratory),
        ("settled_on_time", false, Family::Headline),
    ] {
        let s = get(name);
        assert!(s.changed && s.family == family, "{s:?}");
        assert_eq!(mean(&s.after) > mean(&s.before), up, "{s:?}");
        assert_eq!(s.diff > 0.0, up);
        assert_eq!(s.relative.unwrap() > 0.0, up);
    }
    assert!(!get("payments").changed);
    assert_eq!(get("payments").p_value, Some(1.0));
    assert_eq!(get("payments").diff, 0.0);
    // The same comparison at a far smaller level still flags the declines: the effect is large.
    assert!(
        cmp(&[(&base, &after)], 1e-6)
            .changed()
            .any(|s| s.metric == "declined")
    );
}

#[test]
fn a_change_of_seed_is_not_flagged_in_19_of_20_tries() {
    let base = base(SCENARIO, 1, RUNS);
    let mut flagged = vec![];
    let mut family = 0;
    let mut uncorrected = 0;
    for seed in 2..22 {
        let after = batch(SCENARIO, seed, RUNS);
        let c = cmp(&[(&base, &after)], 0.05);
        family = c.family(Family::Headline) + c.family(Family::Exploratory);
        assert!(c.shifts.iter().all(|s| s.method != Method::Paired));
        uncorrected += c.shifts.iter().any(|s| s.p_value < Some(0.05)) as u32;
        let hits: Vec<_> = c.changed().map(|s| s.metric.clone()).collect();
        if !hits.is_empty() {
            flagged.push((seed, hits));
        }
    }
    println!(
        "baseline seed 1 against seeds 2-21 ({RUNS} runs each, {family} metrics tested, \
         alpha 0.05 per family): {} of 20 tries flagged something {flagged:?}; without Holm's \
         correction {uncorrected} of 20 would have",
        flagged.len()
    );
    assert!(family > 15, "only {family} metrics tested");
    assert!(flagged.len() <= 1, "{flagged:?}");
}

#[test]
fn several_scenarios_form_one_family() {
    // Two pairs: each family spans both, in the pairs' order, and a shift in the second is
    // still found.
    let a = batch(SCENARIO, 1, 10);
    let shifted = SCENARIO.replace("do_not_honour_share = 0.02", "do_not_honour_share = 0.10");
    let b = batch(&shifted, 1, 10);
    let (ba, bb) = (a.1.clone(), base(SCENARIO, 1, 10));
    let c = cmp(&[(&ba, &a), (&bb, &b)], 0.05);
    let single = cmp(&[(&bb, &b)], 0.05);
    let first = c.shifts.len() - single.shifts.len();
    assert!(c.family(Family::Headline) > single.family(Family::Headline));
    assert_eq!(c.shifts[0].metric, a.0.catalogue.metrics[0].name);
    assert!(c.changed().any(|s| s.metric == "declined"));
    // A bigger family never makes a metric easier to flag.
    for (s, one) in c.shifts[first..].iter().zip(&single.shifts) {
        assert_eq!(s.metric, one.metric);
        assert!(s.adjusted_p >= one.adjusted_p, "{s:?} {one:?}");
    }
}

mod power;

#[test]
fn tampered_baselines_are_refused_naming_the_file_and_the_metric() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let b = base(SCENARIO, 3, 4);
    let path = b.save(dir).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("\"checksum\": \""), "{text}");
    let load = |text: &str| {
        std::fs::write(&path, text).unwrap();
        Baseline::load(dir, "baseline_test", Lang::En)
    };
    assert_eq!(load(&text), Ok(Some(b.clone())));
    // A changed digit of a mean: the checksum.
    let line = text.lines().find(|l| l.contains("\"payments\"")).unwrap();
    let at = line.find("\"mean\":").unwrap() + 7;
    let d = line.as_bytes()[at];
    let changed = format!(
        "{}{}{}",
        &line[..at],
        if d == b'9' { '8' } else { '9' },
        &line[at + 1..]
    );
    let e = load(&text.replace(line, &changed)).unwrap_err();
    assert!(
        e.contains("baseline_test.json") && e.contains("checksum"),
        "{e}"
    );
    // No checksum at all in format 3.
    let start = text.find("\n  \"checksum\"").unwrap();
    let end = start + text[start + 1..].find('\n').unwrap() + 1;
    let e = load(&format!("{}{}", &text[..start], &text[end..])).unwrap_err();
    assert!(e.contains("checksum") && e.contains("none"), "{e}");
    // A tampered value with its checksum recomputed: the values disagree.
    let mut t = b.clone();
    t.metrics.get_mut("payments").unwrap().mean = Some(1e6);
    let e = load(&t.to_json()).unwrap_err();
    assert!(
        e.contains("payments") && e.contains("mean = 1000000 is not"),
        "{e}"
    );
    let mut t = b.clone();
    let p = t.metrics.get_mut("payments").unwrap();
    p.std = p.std.map(|s| s * 1.5 + 1.0);
    let e = load(&t.to_json()).unwrap_err();
    assert!(e.contains("payments") && e.contains("std"), "{e}");
    let mut t = b.clone();
    t.metrics.get_mut("declined").unwrap().n = 9;
    let e = load(&t.to_json()).unwrap_err();
    assert!(
        e.contains("declined") && e.contains("more than the 4 runs"),
        "{e}"
    );
    // A null metric is named, not dropped.
    let line = text.lines().find(|l| l.contains("\"declined\"")).unwrap();
    let e = load(&text.replace(line, "    \"declined\": null,")).unwrap_err();
    assert!(
        e.contains("baseline_test.json") && e.contains("\"declined\" is null"),
        "{e}"
    );
    // Empty metrics load (the check decides: an error unless --allow-missing-baseline).
    let mut t = b.clone();
    t.metrics.clear();
    assert!(load(&t.to_json()).unwrap().unwrap().metrics.is_empty());
    // A file larger than the bound is refused before it is read.
    std::fs::File::create(&path)
        .unwrap()
        .set_len(MAX_BYTES + 1)
        .unwrap();
    let e = Baseline::load(dir, "baseline_test", Lang::En).unwrap_err();
    assert!(e.contains("larger than"), "{e}");
}

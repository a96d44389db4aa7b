//! Designs head to head: `[[variant]]` overrides, common random numbers, paired differences,
//! `payfault compare` and `payfault sweep`.

use payfault::runner::BatchOptions;
use payfault::runner::compare::compare;
use payfault::scenario::variants::{self, Design};
use payfault::scenario::{self, Limits};
use std::sync::atomic::AtomicBool;

use crate::common::load;
use crate::common::payfault;

const FIXTURE: &str = "tests/fixtures/compare_small.toml";

fn designs() -> Vec<Design> {
    let src = std::fs::read_to_string(FIXTURE).unwrap();
    variants::parse_variants(&src, FIXTURE, &Limits::default())
        .unwrap()
        .designs
}

fn opts(runs: u64) -> BatchOptions {
    BatchOptions {
        runs,
        seed: 5,
        threads: 2,
    }
}

#[test]
fn identical_designs_differ_by_exactly_zero_in_every_run_and_metric() {
    // "reference" and "same" are the same design, written differently (the second sets the
    // default terminal timeout explicitly): with common random numbers every run of one is
    // the run of the other.
    let d = designs();
    assert_eq!(d[0].name, "reference");
    assert_eq!(d[1].name, "same");
    assert_ne!(
        d[0].scenario.source, d[1].scenario.source,
        "not trivially equal"
    );
    let c = compare(&d[..2], &opts(6), &AtomicBool::new(false), |_| {}).unwrap();
    let mut checked = 0;
    for (j, diff) in c.differences[1].iter().enumerate() {
        let diff = diff.as_ref().expect("same metrics");
        let base = &c.batches[0].summaries[j];
        assert_eq!(diff.n, base.n, "metric {j}: paired over every run");
        if diff.n > 0 {
            assert_eq!(diff.mean, Some(0.0), "metric {j}");
            assert_eq!(diff.std.unwrap_or(0.0), 0.0, "metric {j}");
            assert!(!diff.excludes_zero);
            checked += 1;
        }
    }
    assert!(checked > 50, "only {checked} metrics compared");
    // And the batches themselves are identical.
    assert_eq!(c.batches[0].summaries, c.batches[1].summaries);
}

#[test]
fn paired_intervals_are_narrower_than_unpaired_and_find_what_moved() {
    let d = designs();
    let c = compare(&d, &opts(12), &AtomicBool::new(false), |_| {}).unwrap();
    let j = |name: &str| c.batches[0].catalogue.position(name).unwrap();
    // More issuer servers: the issuer's queue wait falls; the timeouts caused by response
    // loss do not move (the loss does not depend on the servers).
    let wait = c.differences[2][j("queue_wait_mean_s.bank")]
        .clone()
        .unwrap();
    assert!(wait.excludes_zero && wait.mean.unwrap() < 0.0, "{wait:?}");
    let timeouts = c.differences[2][j("timeouts")].clone().unwrap();
    assert_eq!(timeouts.mean, Some(0.0), "{timeouts:?}");
    // A 1 s terminal timeout times out the slow tail of the busy issuer: more timeouts.
    let short = c.differences[3][j("timeouts")].clone().unwrap();
    assert!(
        short.excludes_zero && short.mean.unwrap() > 0.0,
        "{short:?}"
    );
    // Pairing removes the noise both designs share. Print both intervals.
    for (k, name) in [
        (2, "queue_wait_mean_s.bank"),
        (3, "timeouts"),
        (3, "payments"),
    ] {
        let d = c.differences[k][j(name)].clone().unwrap();
        let paired = d.ci95_high.unwrap() - d.ci95_low.unwrap();
        let unpaired = d.unpaired_ci95_high.unwrap() - d.unpaired_ci95_low.unwrap();
        println!(
            "{} vs {}: {name}: paired CI width {paired:.6}, unpaired {unpaired:.6}",
            c.names[k], c.names[0]
        );
        assert!(
            paired < unpaired,
            "{name}: paired {paired} not narrower than unpaired {unpaired}"
        );
    }
}

#[test]
fn a_variant_overrides_only_what_it_names() {
    let d = designs();
    let (a, b) = (&d[0].scenario, &d[2].scenario);
    assert_eq!(a.issuers[0].station.servers, 3);
    assert_eq!(b.issuers[0].station.servers, 5);
    assert_eq!(a.channels[0].station.servers, b.channels[0].station.servers);
    assert_eq!(a.faults.len(), b.faults.len());
    assert_eq!(a.traffic_window, b.traffic_window);
    // The base scenario is the file without its variants.
    let base = load(FIXTURE);
    assert_eq!(base.issuers[0].station.servers, 3);
}

#[test]
fn compare_writes_its_files_and_prints_the_differences() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("cmp");
    let o = payfault()
        .args(["compare", FIXTURE, "-n", "4", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8(o.stdout).unwrap();
    assert!(stdout.contains("reference design: reference"), "{stdout}");
    // The verdict comes first: after the header line, before the table.
    let verdict = stdout.find("Verdict on loss_total").expect("a verdict");
    assert!(
        verdict < stdout.find("reference design:").unwrap(),
        "{stdout}"
    );
    assert!(
        stdout.lines().nth(2).unwrap().starts_with("Verdict on"),
        "{stdout}"
    );
    // A `*` never sits beside a difference printed as zero.
    for line in stdout.lines().filter(|l| l.ends_with(" *")) {
        // The difference: the last column before its interval.
        let before = line.split('[').next().unwrap().trim_end();
        let diff = before.rsplit("  ").next().unwrap();
        assert!(
            diff.chars().any(|c| c.is_ascii_digit() && c != '0'),
            "{line}"
        );
    }
    assert!(stdout.contains("short-timeout"), "{stdout}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("compare.json")).unwrap()).unwrap();
    assert_eq!(json["reference"], "reference");
    assert_eq!(json["designs"].as_array().unwrap().len(), 4);
    let v = &json["verdict"];
    assert_eq!(v["objective"]["metric"], "loss_total");
    assert_eq!(v["objective"]["direction"], "min");
    assert_eq!(v["ranking"].as_array().unwrap().len(), 4);
    assert!(v["best"].is_string(), "{v}");
    assert_eq!(v["ranking"][0]["design"], v["best"]);
    let t = &json["designs"][3]["difference"]["timeouts"];
    assert!(t["ci95_low"].as_f64().unwrap() > 0.0, "{t}");
    assert_eq!(t["excludes_zero"], true);
    let csv = std::fs::read_to_string(out.join("compare.csv")).unwrap();
    assert!(csv.starts_with("metric,design,n,mean,ci95_low,ci95_high,diff_mean"));
    // 4 designs per metric.
    assert_eq!(
        csv.lines().filter(|l| l.starts_with("timeouts,")).count(),
        4
    );
    // The charts, each design named in the CDF's legend.
    for c in ["compare_delay_cdf", "compare_differences"] {
        assert!(out.join(format!("{c}.png")).is_file(), "{c}.png");
        assert!(out.join(format!("{c}.svg")).is_file(), "{c}.svg");
    }
    let cdf = std::fs::read_to_string(out.join("compare_delay_cdf.svg")).unwrap();
    assert!(cdf.contains("short-timeout") && cdf.contains("more-servers"));
    for d in ["reference", "same", "more-servers", "short-timeout"] {
        let t = std::fs::read_to_string(out.join(format!("{d}.scenario.toml"))).unwrap();
        // Each design's scenario runs on its own.
        scenario::parse(&t, d, &Limits::default()).unwrap();
    }
}

#[test]
fn compare_two_files_pairs_them() {
    let dir = tempfile::tempdir().unwrap();
    let src = std::fs::read_to_string(FIXTURE).unwrap();
    let base = src.split("[[variant]]").next().unwrap().to_owned();
    let a = dir.path().join("a.toml");
    let b = dir.path().join("b.toml");
    std::fs::write(&a, &base).unwrap();
    std::fs::write(&b, base.replace("servers = 3", "servers = 4")).unwrap();
    let out = dir.path().join("o");
    payfault()
        .args(["compare", "-n", "3", "-q", "--out"])
        .arg(&out)
        .arg(&a)
        .arg(&b)
        .assert()
        .success();
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("compare.json")).unwrap()).unwrap();
    // Same scenario name in both files: the designs are named by their files.
    assert_eq!(json["designs"][0]["name"], "compare_small");
    assert_eq!(json["designs"][1]["name"], "b");
    assert_eq!(json["designs"][1]["difference"]["payments"]["mean"], 0.0);
}

#[test]
fn sweep_runs_the_grid() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sw");
    payfault()
        .args([
            "sweep",
            FIXTURE,
            "-n",
            "3",
            "-q",
            "--set",
            "issuers.bank.servers=3,4",
            "--set",
            "strategy.terminal_timeout=1s,30s",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    let charts: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with("sweep_") && n.ends_with(".svg"))
        .collect();
    assert!(
        charts.contains(&"sweep_declined.svg".to_owned()),
        "{charts:?}"
    );
    let csv = std::fs::read_to_string(out.join("sweep.csv")).unwrap();
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    let h = r.headers().unwrap().clone();
    assert_eq!(&h[1], "issuers.bank.servers");
    assert_eq!(&h[2], "strategy.terminal_timeout");
    let col = h.iter().position(|c| c == "timeouts.mean").unwrap();
    let rows: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
    assert_eq!(rows.len(), 4);
    let grid: Vec<(&str, &str)> = rows.iter().map(|r| (&r[1], &r[2])).collect();
    assert_eq!(
        grid,
        [("3", "1s"), ("3", "30s"), ("4", "1s"), ("4", "30s")],
        "the last setting varies fastest"
    );
    let t = |i: usize| rows[i][col].parse::<f64>().unwrap();
    // A 1 s timeout times out more payments than 30 s, at either server count; 4 servers
    // time out fewer than 3 at 1 s (shorter waits).
    assert!(t(0) > t(1) && t(2) > t(3), "{csv}");
    assert!(t(2) < t(0), "{csv}");
}

fn fails_with(args: &[&str], needle: &str) {
    let o = payfault().args(args).output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains(needle), "expected {needle:?} in:\n{err}");
}

#[test]
fn bad_designs_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str, text: &str| {
        let f = dir.path().join(name);
        std::fs::write(&f, text).unwrap();
        f.display().to_string()
    };
    let src = std::fs::read_to_string(FIXTURE).unwrap();
    // No variants.
    let none = p("none.toml", src.split("[[variant]]").next().unwrap());
    fails_with(&["compare", &none], "declares 0 [[variant]] block(s)");
    // An unknown entry: its line, a did-you-mean and the entries there are.
    let typo = p("typo.toml", &src.replace("issuers.bank.", "issuers.bnak."));
    fails_with(&["compare", &typo], "did you mean \"bank\"");
    fails_with(&["compare", &typo], "typo.toml:44:1");
    // A bad value: reported at the override, with the field and the design.
    let zero = p("zero.toml", &src.replace("servers = 5", "servers = 0"));
    fails_with(&["compare", &zero], "zero.toml:44:1");
    fails_with(&["compare", &zero], "issuers[0].servers");
    fails_with(&["compare", &zero], "design \"more-servers\"");
    // A repeated name.
    let twice = p("twice.toml", &src.replace("\"same\"", "\"reference\""));
    fails_with(&["compare", &twice], "already declared");
    // --variant that does not exist.
    fails_with(
        &["run", FIXTURE, "--variant", "more-server", "-q"],
        "did you mean \"more-servers\"",
    );
    // A sweep of a value the field does not accept names the --set and the field.
    fails_with(
        &[
            "sweep",
            FIXTURE,
            "--set",
            "strategy.terminal_timeout=1s,soon",
        ],
        "strategy.terminal_timeout",
    );
    fails_with(
        &["sweep", FIXTURE, "--set", "strategy"],
        "expected path=value",
    );
}

#[test]
fn run_variant_runs_that_design() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("v");
    payfault()
        .args(["run", FIXTURE, "--variant", "more-servers", "-n", "2", "-q"])
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let toml = std::fs::read_to_string(out.join("scenario.toml")).unwrap();
    let s = scenario::parse(&toml, "x", &Limits::default()).unwrap();
    assert_eq!(s.issuers[0].station.servers, 5);
}

#[test]
fn the_verdict_ranks_by_the_objective_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let o = payfault()
        .args([
            "compare",
            FIXTURE,
            "-n",
            "6",
            "--no-charts",
            "--json",
            "--objective",
            "timeouts",
            "--out",
        ])
        .arg(dir.path().join("t"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let v = &json["verdict"];
    assert_eq!(v["objective"]["metric"], "timeouts");
    // A 1 s terminal timeout times out the slow tail: it is last, and told apart; "reference"
    // and "same" are the same design: identical in every run.
    let ranking = v["ranking"].as_array().unwrap();
    assert_eq!(ranking[3]["design"], "short-timeout", "{v}");
    assert_eq!(ranking[3]["status"], "worse", "{v}");
    assert!(ranking[3]["vs_best"]["low"].as_f64().unwrap() > 0.0, "{v}");
    // Higher is better, with `:max`: the short timeout is now first.
    let o = payfault()
        .args([
            "compare",
            FIXTURE,
            "-n",
            "6",
            "--no-charts",
            "-q",
            "--objective",
        ])
        .arg("timeouts:max")
        .arg("--out")
        .arg(dir.path().join("m"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("m").join("compare.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(json["verdict"]["best"], "short-timeout");
    assert_eq!(json["verdict"]["decided"], true);
}

#[test]
fn a_bad_objective_is_a_clear_error() {
    fails_with(
        &["compare", FIXTURE, "-n", "2", "--objective", "los_total"],
        "did you mean \"loss_total\"",
    );
    fails_with(
        &[
            "compare",
            FIXTURE,
            "-n",
            "2",
            "--objective",
            "loss_total:lower",
        ],
        "after `:` write `min`",
    );
    fails_with(
        &[
            "sweep",
            FIXTURE,
            "--set",
            "issuers.bank.servers=3,4",
            "--objective",
            ":max",
        ],
        "name a metric",
    );
}

//! `payfault check --against-baseline` trusts no baseline it reads: a missing or empty folder
//! (no baseline for any checked scenario) and a baseline without metrics are errors (exit 2)
//! unless `--allow-missing-baseline`; a `null` metric or a changed digit (the checksum) is an
//! error naming the file, and the metric.

use std::path::Path;

use crate::common::payfault;
use crate::common::refused;

const FIXTURE: &str = "tests/fixtures/check_small.toml";

fn check(dir: &Path, extra: &[&str]) -> std::process::Output {
    payfault()
        .args(["check", FIXTURE, "-n", "3", "-q", "--against-baseline"])
        .arg(dir)
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn baselines_missing_empty_null_or_tampered_are_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let allow = ["--allow-missing-baseline"];
    // A folder that does not exist, and an empty one.
    let missing = tmp.path().join("missing");
    refused(&check(&missing, &[]), &["no baseline", "check_small.json"]);
    assert_eq!(check(&missing, &allow).status.code(), Some(0));
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    refused(&check(&empty, &[]), &["--allow-missing-baseline"]);
    assert_eq!(check(&empty, &allow).status.code(), Some(0));
    // A real baseline, then damaged copies of it.
    let base = tmp.path().join("base");
    let out = payfault()
        .args(["check", FIXTURE, "-n", "3", "-q", "--save-baseline"])
        .arg(&base)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(check(&base, &[]).status.code(), Some(0));
    let file = base.join("check_small.json");
    let text = std::fs::read_to_string(&file).unwrap();
    let mut b: payfault::check::baseline::Baseline = serde_json::from_str(&text).unwrap();
    // No metrics (re-signed, so only the emptiness is wrong).
    let whole = b.clone();
    b.metrics.clear();
    std::fs::write(&file, b.to_json()).unwrap();
    refused(&check(&base, &[]), &["check_small.json", "no metrics"]);
    assert_eq!(check(&base, &allow).status.code(), Some(0));
    // A null metric.
    let line = text.lines().find(|l| l.contains("\"payments\"")).unwrap();
    std::fs::write(&file, text.replace(line, "    \"payments\": null,")).unwrap();
    refused(
        &check(&base, &allow),
        &["check_small.json", "\"payments\" is null"],
    );
    // A changed digit of a per-run value: the checksum.
    let at = line.find("\"runs\":[").unwrap() + 8;
    let d = line.as_bytes()[at];
    let digit = if d == b'9' { "8" } else { "9" };
    let changed = format!("{}{digit}{}", &line[..at], &line[at + 1..]);
    std::fs::write(&file, text.replace(line, &changed)).unwrap();
    refused(&check(&base, &allow), &["check_small.json", "checksum"]);
    // The same change re-signed: the mean no longer summarises the runs.
    let mut t = whole;
    let p = t.metrics.get_mut("payments").unwrap();
    p.runs.as_mut().unwrap()[0] = Some(p.runs.as_ref().unwrap()[0].unwrap() + 1000.0);
    std::fs::write(&file, t.to_json()).unwrap();
    refused(
        &check(&base, &allow),
        &["check_small.json", "payments", "mean"],
    );
}

//! `payfault check` as a CI job uses it: bounds that hold, one that fails (exit 1, named),
//! one the batch cannot decide (said so, with the runs that would decide it, and `--decide`
//! deciding it), the JUnit file's elements and counts, the Markdown summary, and bad
//! expectations refused before anything runs (exit 2).
//!
//! The fixture's bounds follow from its parameters (10 payments a second for five minutes:
//! 3,000 expected per run); the undecided bound is placed inside the interval the batch itself
//! reports.

use std::path::{Path, PathBuf};

use crate::common::{payfault, table_block as block};

const FIXTURE: &str = "tests/fixtures/check_small.toml";

/// The fixture with another name and other bounds, written into `dir`.
fn fixture(dir: &Path, name: &str, bounds: &[String]) -> PathBuf {
    let src = std::fs::read_to_string(FIXTURE).unwrap();
    let head = src.split("bounds = [").next().unwrap();
    let head = head.replace("name = \"check_small\"", &format!("name = \"{name}\""));
    let list: Vec<String> = bounds.iter().map(|b| format!("  {b:?},")).collect();
    let p = dir.join(format!("{name}.toml"));
    std::fs::write(&p, format!("{head}bounds = [\n{}\n]\n", list.join("\n"))).unwrap();
    p
}

fn strings(b: &[&str]) -> Vec<String> {
    b.iter().map(|s| s.to_string()).collect()
}

/// The fixture's summary of `payments` for its own expect batch (8 runs, seed 3): mean and std.
fn payments_summary(dir: &Path) -> (f64, f64, f64, f64) {
    let out = payfault()
        .args([
            "run",
            FIXTURE,
            "-n",
            "8",
            "--json",
            "-q",
            "--no-charts",
            "--out",
        ])
        .arg(dir.join("run"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let p = &v["metrics"]["payments"];
    let f = |k: &str| p[k].as_f64().unwrap();
    (f("mean"), f("std"), f("ci95_low"), f("ci95_high"))
}

#[test]
fn the_fixtures_bounds_hold() {
    let out = payfault().args(["check", FIXTURE]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("4 passed, 0 failed, 0 undecided"),
        "{stdout}"
    );
}

#[test]
fn a_violated_bound_fails_the_check_and_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let f = fixture(
        dir.path(),
        "check_small",
        &strings(&["payments.mean > 3500", "payments.mean < 3200"]),
    );
    let out = payfault().arg("check").arg(&f).output().unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    let row = stdout
        .lines()
        .find(|l| l.contains("payments.mean > 3500"))
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(row.starts_with("FAIL"), "{row}");
    assert!(
        stdout.contains("1 passed, 1 failed, 0 undecided"),
        "{stdout}"
    );
    assert!(
        stderr.contains("check failed: 1 bound(s) failed")
            && stderr.contains("check_small")
            && stderr.contains("payments.mean > 3500"),
        "{stderr}"
    );
}

#[test]
fn an_undecided_bound_is_reported_with_the_runs_that_would_decide_it() {
    let dir = tempfile::tempdir().unwrap();
    let (mean, std, _, hi) = payments_summary(dir.path());
    // Inside the batch's own interval, halfway between the mean and the upper end.
    let bound = mean + (hi - mean) / 2.0;
    let f = fixture(
        dir.path(),
        "check_small",
        &[format!("payments.mean < {bound}")],
    );
    let out = payfault().arg("check").arg(&f).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "undecided is not failed: {stdout}"
    );
    let n = payfault::check::runs_to_decide(mean, std, bound, 0.95).unwrap();
    assert!(n > 8, "{n}");
    let row = block(&stdout, "undecided").unwrap();
    assert!(
        row.contains(&format!("about {n} runs would decide it")),
        "{row} (expected {n})"
    );
    assert!(stdout.contains("--decide"), "{stdout}");
    // --strict makes it fail.
    let out = payfault()
        .arg("check")
        .arg(&f)
        .arg("--strict")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));

    // --decide adds runs until it is decided, within its cap.
    let junit = dir.path().join("decide.xml");
    let out = payfault()
        .arg("check")
        .arg(&f)
        .args(["--decide", "--max-runs", "400", "--junit"])
        .arg(&junit)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains("undecided  "), "{stdout}");
    assert!(stdout.contains("98.75% CI"), "{stdout}");
    let xml = std::fs::read_to_string(&junit).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let prop = |name: &str| -> u64 {
        doc.descendants()
            .find(|e| e.has_tag_name("property") && e.attribute("name") == Some(name))
            .and_then(|e| e.attribute("value"))
            .unwrap()
            .parse()
            .unwrap()
    };
    assert!(prop("looks") >= 2 && prop("runs") > 8 && prop("runs") <= 400);
    // Each look adds runs to those already made: the final batch is the batch of that many
    // runs made at once (the same observed mean, to the last digit shown).
    let observed = |out: &str| -> String {
        let row = out.lines().find(|l| l.contains("payments.mean <")).unwrap();
        row.split_whitespace().nth(4).unwrap().to_owned()
    };
    let once = payfault()
        .arg("check")
        .arg(&f)
        .args(["-n", &prop("runs").to_string()])
        .output()
        .unwrap();
    assert_eq!(
        observed(&stdout),
        observed(&String::from_utf8_lossy(&once.stdout))
    );
}

#[test]
fn junit_has_the_schemas_elements_and_counts() {
    let dir = tempfile::tempdir().unwrap();
    let suites = dir.path().join("suites");
    std::fs::create_dir_all(suites.join("more")).unwrap();
    let (mean, ..) = payments_summary(dir.path());
    // Scenario a: two pass, one fails, one is undecided (the bound is the observed mean).
    fixture(
        &suites,
        "a_first",
        &[
            "payments.mean > 2800".into(),
            "charged_without_sale == 0".into(),
            "payments.mean > 3500".into(),
            format!("payments.mean == {mean}"),
        ],
    );
    // Scenario b, in a subfolder: one pass.
    fixture(
        &suites.join("more"),
        "b_second",
        &strings(&["payments.mean < 3200"]),
    );
    let junit = dir.path().join("out/junit.xml");
    let md = dir.path().join("out/summary.md");
    let out = payfault()
        .arg("check")
        .arg(&suites)
        .arg("--junit")
        .arg(&junit)
        .arg("--markdown")
        .arg(&md)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let xml = std::fs::read_to_string(&junit).unwrap();
    let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
    // Only element names of the JUnit XML schema.
    let allowed = [
        "testsuites",
        "testsuite",
        "properties",
        "property",
        "testcase",
        "failure",
        "skipped",
    ];
    for e in doc.descendants().filter(|n| n.is_element()) {
        assert!(allowed.contains(&e.tag_name().name()), "{:?}", e.tag_name());
    }
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let attr = |e: roxmltree::Node, k: &str| e.attribute(k).unwrap().to_owned();
    assert_eq!(
        ["tests", "failures", "errors", "skipped"].map(|k| attr(root, k)),
        ["5", "1", "0", "1"].map(String::from)
    );
    let suites: Vec<_> = root
        .children()
        .filter(|n| n.has_tag_name("testsuite"))
        .collect();
    assert_eq!(
        suites.iter().map(|s| attr(*s, "name")).collect::<Vec<_>>(),
        ["a_first", "b_second"]
    );
    assert_eq!(
        ["tests", "failures", "errors", "skipped"].map(|k| attr(suites[0], k)),
        ["4", "1", "0", "1"].map(String::from)
    );
    let cases: Vec<_> = suites[0]
        .children()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert_eq!(cases.len(), 4);
    for c in &cases {
        assert_eq!(attr(*c, "classname"), "a_first");
        assert!(attr(*c, "file").ends_with("a_first.toml"));
        assert!(attr(*c, "line").parse::<u64>().unwrap() > 1);
        assert!(attr(*c, "time").parse::<f64>().is_ok());
    }
    let failed: Vec<_> = cases
        .iter()
        .filter(|c| c.children().any(|n| n.has_tag_name("failure")))
        .collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(attr(*failed[0], "name"), "payments.mean > 3500");
    let failure = failed[0]
        .children()
        .find(|n| n.has_tag_name("failure"))
        .unwrap();
    assert!(attr(failure, "message").contains("3500"));
    let skipped: Vec<_> = cases
        .iter()
        .filter(|c| c.children().any(|n| n.has_tag_name("skipped")))
        .collect();
    assert_eq!(skipped.len(), 1);
    assert!(attr(*skipped[0], "name").starts_with("payments.mean == "));
    assert_eq!(
        suites[1]
            .children()
            .filter(|n| n.has_tag_name("testcase"))
            .count(),
        1
    );

    // The Markdown summary lists what did not pass first, then everything.
    let md = std::fs::read_to_string(&md).unwrap();
    assert!(
        md.starts_with("### payfault check: 3 passed, 1 failed, 1 undecided"),
        "{md}"
    );
    let (first, all) = md.split_once("<details>").unwrap();
    assert!(first.contains("`payments.mean > 3500`") && first.contains("undecided"));
    assert!(!first.contains("`payments.mean < 3200`"));
    assert!(all.contains("`payments.mean < 3200`"));
}

#[test]
fn scenarios_without_expectations_are_skipped_and_bad_bounds_are_refused() {
    // A folder with one checked scenario and one without [expect].
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(FIXTURE, dir.path().join("a.toml")).unwrap();
    std::fs::copy(
        "tests/fixtures/compare_small.toml",
        dir.path().join("b.toml"),
    )
    .unwrap();
    let out = payfault().arg("check").arg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("1 scenario(s) without [expect] skipped")
    );
    // Nothing to check is bad input.
    let out = payfault()
        .args(["check", "tests/fixtures/compare_small.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("has an [expect] table"));

    // A misspelt metric: exit 2 at its line and column, with a did-you-mean; nothing runs
    // and no JUnit file is left behind.
    let bad = fixture(
        dir.path(),
        "bad",
        &strings(&["payments.mean > 2800", "charged_without_sael == 0"]),
    );
    let junit = dir.path().join("junit.xml");
    let out = payfault()
        .arg("check")
        .arg(&bad)
        .arg("--junit")
        .arg(&junit)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    let text = std::fs::read_to_string(&bad).unwrap();
    let line = text
        .lines()
        .position(|l| l.contains("charged_without_sael"))
        .unwrap()
        + 1;
    assert!(
        stderr.contains(&format!("bad.toml:{line}:3: field `expect.bounds[1]`"))
            && stderr.contains("did you mean \"charged_without_sale\""),
        "{stderr}"
    );
    // (The JUnit file still tells why: `progress::junit_names_a_file_that_fails_to_load`.)

    // A design cannot carry expectations.
    let src = std::fs::read_to_string(FIXTURE).unwrap()
        + "\n[[variant]]\nname = \"x\"\nexpect.runs = 4\n";
    let v = dir.path().join("variant.toml");
    std::fs::write(&v, src).unwrap();
    let out = payfault().arg("compare").arg(&v).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("a design cannot set expectations"),
        "{stderr}"
    );
}

#[test]
fn baselines_flag_a_real_change_and_not_a_new_seed() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("baselines");
    // A scenario without [expect] runs too when a baseline option is given.
    let out = payfault()
        .args([
            "check",
            FIXTURE,
            "tests/fixtures/compare_small.toml",
            "-n",
            "6",
        ])
        .arg("--save-baseline")
        .arg(&base)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("saved the baselines of 2 scenario(s)"),
        "{stderr}"
    );
    assert!(base.join("check_small.json").is_file() && base.join("compare_small.json").is_file());

    // The same batch again: nothing changed.
    let out = payfault()
        .args(["check", FIXTURE, "-n", "6", "--against-baseline"])
        .arg(&base)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    let row = block(&stdout, "no significant change from the baseline")
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(row.starts_with("pass") && row.contains("0 of "), "{row}");

    // Another seed is another sample of the same behaviour: not flagged.
    let out = payfault()
        .args([
            "check",
            FIXTURE,
            "-n",
            "6",
            "-s",
            "99",
            "--against-baseline",
        ])
        .arg(&base)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    // Ten times the loss on the issuer link: the reversals it causes are flagged, exit 1,
    // and the JUnit file has the baseline's failure.
    let src = std::fs::read_to_string(FIXTURE)
        .unwrap()
        .replace("probability = 0.02", "probability = 0.2");
    let shifted = dir.path().join("check_small.toml");
    std::fs::write(&shifted, src).unwrap();
    let junit = dir.path().join("junit.xml");
    let out = payfault()
        .arg("check")
        .arg(&shifted)
        .args(["-n", "6", "--against-baseline"])
        .arg(&base)
        .arg("--junit")
        .arg(&junit)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let row = block(&stdout, "no significant change from the baseline").unwrap();
    assert!(
        row.starts_with("FAIL") && row.contains("reversed 54.833 → "),
        "{row}"
    );
    let xml = std::fs::read_to_string(&junit).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    assert!(
        doc.descendants()
            .any(|n| n.has_tag_name("failure") && n.attribute("type") == Some("baseline"))
    );

    // No baseline for a scenario: with --allow-missing-baseline, said, not failed (without
    // it, an error: see baselines_missing_empty_or_null_are_errors); a corrupt one is bad
    // input.
    let empty = dir.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let out = payfault()
        .args(["check", FIXTURE, "-n", "4", "--against-baseline"])
        .arg(&empty)
        .arg("--allow-missing-baseline")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("no baseline for this scenario"));
    std::fs::write(empty.join("check_small.json"), "{ not json").unwrap();
    let out = payfault()
        .args(["check", FIXTURE, "-n", "4", "--against-baseline"])
        .arg(&empty)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("check_small.json"));
}

#[test]
fn json_lists_every_changed_metric_and_min_change_gates_them() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("baselines");
    let out = payfault()
        .args(["check", FIXTURE, "-n", "6", "-q", "--save-baseline"])
        .arg(&base)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    // Format 3: the value of every run, and the checksum.
    let saved: serde_json::Value =
        serde_json::from_slice(&std::fs::read(base.join("check_small.json")).unwrap()).unwrap();
    assert_eq!(saved["format"], 3);
    assert_eq!(saved["checksum"].as_str().map(str::len), Some(16));
    assert_eq!(
        saved["metrics"]["payments"]["runs"]
            .as_array()
            .unwrap()
            .len(),
        6
    );

    // Ten times the loss: many metrics change; the table names every one (wrapped within 100
    // columns), and so does --json.
    let src = std::fs::read_to_string(FIXTURE)
        .unwrap()
        .replace("probability = 0.02", "probability = 0.2");
    let shifted = dir.path().join("check_small.toml");
    std::fs::write(&shifted, src).unwrap();
    let run = |extra: &[&str]| {
        payfault()
            .arg("check")
            .arg(&shifted)
            .args(["-n", "6", "--against-baseline"])
            .arg(&base)
            .args(extra)
            .output()
            .unwrap()
    };
    let table = run(&[]);
    let stdout = String::from_utf8_lossy(&table.stdout);
    assert!(
        !stdout.contains("with --json)"),
        "no list is cut short: {stdout}"
    );
    // Every line fits 100 columns: the check table and the headline table below it (whose
    // long metric names go on a line of their own), in both languages.
    for l in stdout.lines() {
        assert!(l.chars().count() <= 100, "wider than 100 columns: {l}");
    }
    let zh = String::from_utf8_lossy(&run(&["--lang", "zh"]).stdout).into_owned();
    for l in zh.lines() {
        let w = payfault::report::console::display_width(l);
        assert!(w <= 100, "wider than 100 columns ({w}): {l}");
    }
    assert!(
        stdout.contains("headline metrics against the baseline"),
        "{stdout}"
    );
    assert!(stdout.contains("detectable"), "{stdout}");
    let out = run(&["--json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let b = &v["scenarios"][0]["baseline"];
    assert_eq!(b["paired"], true);
    assert_eq!(b["verdict"], "fail");
    let changed = |f: &str| b[f]["changed"].as_array().unwrap().len();
    let total = changed("headline") + changed("exploratory");
    assert!(total > 5, "{b}");
    let listed = block(&stdout, "baseline: seed").unwrap_or_default();
    for f in ["headline", "exploratory"] {
        for m in b[f]["changed"].as_array().unwrap() {
            let metric = m["metric"].as_str().unwrap();
            assert!(listed.contains(metric), "{metric} not in {listed}");
        }
    }
    let reversed = b["headline"]["changed"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["metric"] == "reversed")
        .unwrap();
    assert_eq!(reversed["test"], "paired");
    assert!(reversed["relative_change"].as_f64().unwrap() > 5.0);
    assert!(reversed["min_detectable_change"].as_f64().unwrap() > 0.0);
    assert!(!b["left_out"].as_array().unwrap().is_empty());
    assert!(b["headline"]["metrics"].as_array().unwrap().len() >= changed("headline"));

    // A minimum change of 2000% for every metric: nothing of this size counts, exit 0.
    let out = run(&["--json", "--min-change", "2000%"]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let b = &v["scenarios"][0]["baseline"];
    assert_eq!(b["headline"]["changed"].as_array().unwrap().len(), 0, "{b}");
    // One metric named: it joins the headline family, with its own minimum change.
    let out = run(&[
        "--json",
        "--min-change",
        "2000%",
        "--min-change",
        "timeouts=10",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let b = &v["scenarios"][0]["baseline"];
    assert_eq!(out.status.code(), Some(1), "{b}");
    assert_eq!(b["headline"]["changed"][0]["metric"], "timeouts");
    // Bad values and names are bad input.
    for bad in [
        &["--min-change", "lots"][..],
        &["--min-change", "timeuts=1%"],
    ] {
        let out = run(bad);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("--min-change"), "{stderr}");
    }
    assert!(
        String::from_utf8_lossy(&run(&["--min-change", "timeuts=1%"]).stderr)
            .contains("did you mean \"timeouts\"")
    );
    // --min-change means nothing without a baseline.
    let out = payfault()
        .args(["check", FIXTURE, "--min-change", "1%"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn approximate_bounds_and_min_change_in_expect() {
    let dir = tempfile::tempdir().unwrap();
    // ~= with a relative and an absolute width, and a bare == on a figure that varies.
    let f = fixture(
        dir.path(),
        "check_small",
        &strings(&[
            "payments ~= 3000 ± 5%",
            "payments ~= 3100 +- 1",
            "payments == 3000",
            "charged_without_sale == 0",
        ]),
    );
    let out = payfault()
        .arg("check")
        .arg(&f)
        .args(["--json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let verdicts: Vec<&str> = v["scenarios"][0]["bounds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["verdict"].as_str().unwrap())
        .collect();
    assert_eq!(verdicts, ["pass", "fail", "undecided", "pass"], "{v}");
    assert_eq!(v["scenarios"][0]["bounds"][2]["doubt"], "needs_tolerance");
    assert_eq!(out.status.code(), Some(1));
    let out = payfault().arg("check").arg(&f).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("write `~=` with a tolerance"), "{stdout}");
    let out = payfault()
        .arg("check")
        .arg(&f)
        .args(["--lang", "zh"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("容差"));

    // min_change in [expect]: a bad metric name is located, with a did-you-mean.
    let src = std::fs::read_to_string(&f).unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        format!("{src}min_change = {{ timeuts = \"1%\", payments = 5 }}\n"),
    )
    .unwrap();
    let out = payfault().arg("check").arg(&bad).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("expect.min_change.timeuts")
            && stderr.contains("did you mean \"timeouts\""),
        "{stderr}"
    );
    std::fs::write(&bad, format!("{src}min_change = {{ payments = \"-1\" }}\n")).unwrap();
    let out = payfault().arg("check").arg(&bad).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a minimum change"));
}

/// `check DIR` does not follow links to folders (issue 23.3): a link back to the folder
/// itself used to walk forever. A link to a scenario file is still read.
#[test]
#[cfg(unix)]
fn a_link_to_a_folder_is_not_followed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("scenarios");
    std::fs::create_dir(&dir).unwrap();
    fixture(&dir, "one", &strings(&["payments.mean > 0"]));
    std::os::unix::fs::symlink(&dir, dir.join("loop")).unwrap();
    std::os::unix::fs::symlink(tmp.path(), dir.join("up")).unwrap();
    let out = payfault()
        .arg("check")
        .arg(&dir)
        .args(["--runs", "2"])
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("1 passed, 0 failed"), "{stdout}");
}

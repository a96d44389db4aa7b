//! Size limits, several files, command-line errors and output folders, and the shipped
//! scenarios.

use super::*;

#[test]
fn too_many_runs_on_the_command_line() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    let (out, stdout, stderr) = exec(
        payfault_quick()
            .args([
                "run",
                "scenarios/pipeline.toml",
                "--runs",
                "1000000000",
                "--out",
            ])
            .arg(&dir),
    );
    let what = "run --runs 1000000000";
    let e = assert_bad_input(what, &out, &stdout, &stderr);
    assert_contains_all(
        what,
        &e,
        needles![
            "--runs 1000000000 is above the limit of 100000",
            "pass --allow-large"
        ],
    );
    assert_no_output(what, &dir);
}

/// `--threads` is checked by the argument parser before any scenario is read or any thread
/// is started: far too many threads is a usage error naming the accepted range, at once.
#[test]
fn too_many_threads_on_the_command_line() {
    for n in ["99999999999", "20000"] {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("out");
        let (out, stdout, stderr) = exec(
            payfault_quick()
                .args(["run", "scenarios/pipeline.toml", "--threads", n, "--out"])
                .arg(&dir),
        );
        let what = format!("run --threads {n}");
        let e = assert_bad_input(&what, &out, &stdout, &stderr);
        assert_contains_all(
            &what,
            &e,
            needles![
                format!("invalid value '{n}' for '--threads <THREADS>'"),
                format!("{n} threads is too many"),
                "0 (one per core) to 1024"
            ],
        );
        assert_no_output(&what, &dir);
    }
}

#[test]
fn account_tables_too_large_for_the_memory_limit() {
    // 400 million accounts need 6.4 GB per run; the process may use 2 GB (`ulimit -v`).
    let tmp = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string("scenarios/pipeline.toml")
        .unwrap()
        .replace("count = 1000\n", "count = 400000000\n");
    assert!(text.contains("count = 400000000"));
    let file = tmp.path().join("huge.toml");
    std::fs::write(&file, text).unwrap();
    let dir = tmp.path().join("out");
    let bin = assert_cmd::cargo::cargo_bin("payfault");
    let script = format!(
        "ulimit -v 2000000; exec '{}' run '{}' --allow-large --runs 1 --threads 1 --out '{}'",
        bin.display(),
        file.display(),
        dir.display()
    );
    let (out, stdout, stderr) = exec(Command::new("bash").args(["-c", &script]));
    let what = "run with 400 million accounts under ulimit -v";
    let e = assert_bad_input(what, &out, &stdout, &stderr);
    assert_contains_all(
        what,
        &e,
        needles!["account tables", "issuers.accounts.count", "--threads"],
    );
    assert_no_output(what, &dir);
}

#[test]
fn too_many_runs_in_the_file() {
    let f = "limit_runs.toml";
    expect_bad(
        f,
        needles![
            loc(f, "1000000000"),
            field("simulation.runs"),
            "1000000000 is above the limit of 100000",
            "pass --allow-large",
        ],
    );
}

#[test]
fn absurd_traffic() {
    let f = "limit_traffic.toml";
    expect_bad(
        f,
        needles![
            loc(f, "rate = |\"1000/s\""),
            field("terminals[0].rate"),
            "about 86400000000000 payments per run; the limit is 20000000",
            "Lower terminals.count, terminals.rate or simulation.traffic_window",
            "--allow-large",
        ],
    );
}

#[test]
fn too_many_terminals() {
    let f = "limit_terminals.toml";
    expect_bad(
        f,
        needles![
            loc(f, "id = \"online\"\ncount = |600000"),
            field("terminals[1].count"),
            "1200000 terminals in all is above the limit of 1000000",
            "pass --allow-large",
        ],
    );
}

#[test]
fn too_many_accounts() {
    let f = "limit_accounts.toml";
    expect_bad(
        f,
        needles![
            loc(f, "50000000"),
            field("issuers[0].accounts.count"),
            "50000000 is above the limit of 20000000",
            "pass --allow-large",
        ],
    );
}

// ---------------------------------------------------------------------------------------------
// Several files, command-line errors, output folders
// ---------------------------------------------------------------------------------------------

#[test]
fn validate_reports_good_and_bad_files() {
    let bad = bad_fixture("probability_loss_above_one.toml");
    let (out, stdout, stderr) = exec(payfault_quick().args([
        "validate",
        "scenarios/pipeline.toml",
        &bad,
        "scenarios/outage.toml",
    ]));
    let e = assert_bad_input("validate good bad good", &out, &stdout, &stderr);
    assert!(
        stdout.contains("ok: scenarios/pipeline.toml (pipeline)")
            && stdout.contains("ok: scenarios/outage.toml (outage)"),
        "the good files are reported ok\n{stdout}"
    );
    assert!(!stdout.contains(&bad), "the bad file is not ok\n{stdout}");
    assert_contains_all(
        "validate good bad good",
        &e,
        needles![
            loc("probability_loss_above_one.toml", "1.5"),
            "invalid probability 1.5"
        ],
    );
    assert!(
        !stderr.contains("pipeline.toml") && !stderr.contains("outage.toml"),
        "{stderr}"
    );
}

#[test]
fn validate_reports_every_bad_file() {
    let a = bad_fixture("probability_loss_above_one.toml");
    let b = bad_fixture("dist_unknown_kind.toml");
    let (out, stdout, stderr) = exec(payfault_quick().args(["validate", &a, &b]));
    let e = assert_bad_input("validate bad bad", &out, &stdout, &stderr);
    assert!(stdout.is_empty(), "{stdout}");
    assert_contains_all(
        "validate bad bad",
        &e,
        needles![
            loc("probability_loss_above_one.toml", "1.5"),
            loc("dist_unknown_kind.toml", "{ kind"),
        ],
    );
    assert_eq!(
        stderr.matches("error: ").count(),
        2,
        "one error per file\n{stderr}"
    );
}

#[test]
fn run_with_zero_runs() {
    for flag in ["--runs", "-n"] {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("out");
        let (out, stdout, stderr) = exec(
            payfault_quick()
                .args(["run", "scenarios/pipeline.toml", flag, "0", "--out"])
                .arg(&dir),
        );
        let what = format!("run {flag} 0");
        let e = assert_bad_input(&what, &out, &stdout, &stderr);
        assert_contains_all(&what, &e, needles!["--runs", "must be at least 1"]);
        assert_no_output(&what, &dir);
    }
}

#[test]
fn usage_errors_exit_2() {
    let cases: &[(&[&str], &str)] = &[
        (&["run", "--bogus"], "unexpected argument '--bogus'"),
        (
            &["validate", "--bogus", "scenarios/pipeline.toml"],
            "unexpected argument '--bogus'",
        ),
        (&["validate"], "required arguments were not provided"),
        (&["simulate"], "unrecognized subcommand 'simulate'"),
        (
            &["run", "--runs", "abc"],
            "invalid value 'abc' for '--runs <RUNS>'",
        ),
        (&["run", "--runs", "-5"], "-5"),
        (
            &["run", "--seed", "1.5"],
            "invalid value '1.5' for '--seed <SEED>'",
        ),
    ];
    for (args, needle) in cases {
        let (out, stdout, stderr) = exec(payfault_quick().args(*args));
        let what = format!("payfault {}", args.join(" "));
        assert_bad_input(&what, &out, &stdout, &stderr);
        assert!(
            stderr.contains(needle),
            "{what}: lacks {needle:?}\n{stderr}"
        );
        assert!(
            stderr.contains("Usage:") || stderr.contains("--help"),
            "{what}\n{stderr}"
        );
    }
    // No arguments at all: help, exit 2.
    let (out, stdout, stderr) = exec(&mut payfault_quick());
    assert_eq!(out.status.code(), Some(2), "{stdout}{stderr}");
    assert!(stderr.contains("Usage:"), "{stderr}");
}

#[test]
fn output_folder_that_is_a_file() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("out");
    fs::write(&file, "keep me").unwrap();
    let (out, stdout, stderr) = exec(
        payfault_quick()
            .args(["run", "scenarios/pipeline.toml", "--runs", "1", "--out"])
            .arg(&file),
    );
    let what = "run --out <a file>";
    let e = assert_bad_input(what, &out, &stdout, &stderr);
    assert_contains_all(
        what,
        &e,
        needles![format!("cannot create output folder {}", file.display())],
    );
    assert_eq!(fs::read_to_string(&file).unwrap(), "keep me");
}

#[test]
fn bad_input_leaves_earlier_results_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    fs::create_dir(&dir).unwrap();
    fs::write(dir.join("summary.json"), "{\"earlier\": true}").unwrap();
    let (out, stdout, stderr) = exec(
        payfault_quick()
            .arg("run")
            .arg(bad_fixture("dist_unknown_kind.toml"))
            .arg("--out")
            .arg(&dir),
    );
    assert_bad_input("run bad --out <earlier results>", &out, &stdout, &stderr);
    let names: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["summary.json"]);
    assert_eq!(
        fs::read_to_string(dir.join("summary.json")).unwrap(),
        "{\"earlier\": true}"
    );
}

/// Every shipped scenario, by file stem (each one's `name` is its stem).
const SHIPPED_SCENARIOS: [&str; 53] = [
    "qr_aggregator",
    "disputes",
    "preauth",
    "pos_batch",
    "refunds",
    "personal_accounts",
    "payout_channel",
    "payout_products",
    "merchant_limits",
    "fees",
    "retry_idempotency",
    "recon_schedule",
    "baseline",
    "failover",
    "breaker",
    "pipeline",
    "outage",
    "holiday",
    "bank_down",
    "wrong_account",
    "clearing_reject",
    "merchant_hold",
    "d0_payout",
    "single_message",
    "reconciliation",
    "issuer_reject",
    "hang",
    "maintenance",
    "until_repaired",
    "partial_failure",
    "slow_issuer",
    "latency_spike",
    "response_loss",
    "duplicates",
    "partition",
    "surge",
    "attack",
    "third_party",
    "bad_input",
    "frozen_accounts",
    "limits",
    "spending",
    "card_rule",
    "risk_review",
    "merchant_rule",
    "fraud_wave",
    "bank_migration",
    "terminal_upgrade",
    "terminal_hardware",
    "visa_2018",
    "dbs_2023",
    "autoscale",
    "timeouts",
];

#[test]
fn shipped_scenarios_validate() {
    let files: Vec<String> = SHIPPED_SCENARIOS
        .iter()
        .map(|n| format!("scenarios/{n}.toml"))
        .collect();
    let expected: String = SHIPPED_SCENARIOS
        .iter()
        .map(|n| format!("ok: scenarios/{n}.toml ({n})\n"))
        .collect();
    payfault_quick()
        .arg("validate")
        .args(&files)
        .assert()
        .code(0)
        .stdout(expected)
        .stderr("");
    // The list is complete: every file in scenarios/ is on it.
    let mut on_disk: Vec<String> = std::fs::read_dir("scenarios")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = SHIPPED_SCENARIOS.iter().map(|s| s.to_string()).collect();
    listed.sort();
    assert_eq!(on_disk, listed, "scenarios/ and SHIPPED_SCENARIOS differ");
}

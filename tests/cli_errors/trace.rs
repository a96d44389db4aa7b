//! `payfault trace` on bad input: a run beyond the batch, a census too large, unknown filters.

use super::*;

#[test]
fn trace_run_beyond_the_batch_is_refused() {
    let (out, stdout, stderr) =
        exec(payfault_quick().args(["trace", "scenarios/outage.toml", "--run", "50"]));
    let msg = assert_bad_input("trace --run 50", &out, &stdout, &stderr);
    assert_contains_all(
        "trace --run 50",
        &msg,
        &["--run 50".into(), "50 runs".into(), "0 to 49".into()],
    );
    let (out, stdout, stderr) = exec(payfault_quick().args([
        "trace",
        "scenarios/outage.toml",
        "--runs",
        "3",
        "--run",
        "3",
    ]));
    assert_bad_input("trace --runs 3 --run 3", &out, &stdout, &stderr);
}

#[test]
fn trace_refuses_a_census_that_would_not_fit_before_simulating() {
    // Issue 23.1: about 12 M payments a run (inside the default limits) would need some 3 GB
    // of census rows; trace refuses at once with the estimate instead of failing minutes in.
    let dir = tempfile::tempdir().unwrap();
    let text = fs::read_to_string(root().join("scenarios/baseline.toml"))
        .unwrap()
        .replacen("rate = \"8/h\" ", "rate = \"250/h\"", 1);
    assert!(text.contains("250/h"));
    let file = dir.path().join("big.toml");
    fs::write(&file, text).unwrap();
    let started = std::time::Instant::now();
    let (out, stdout, stderr) = exec(payfault_quick().arg("trace").arg(&file));
    let msg = assert_bad_input("trace of a huge run", &out, &stdout, &stderr);
    assert_contains_all(
        "trace of a huge run",
        &msg,
        &["MB".into(), "payments a run".into(), "--allow-large".into()],
    );
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "refused before simulating"
    );
}

#[test]
fn trace_unknown_filters_list_the_accepted_values() {
    let (out, stdout, stderr) = exec(payfault_quick().args(["trace", "--outcome", "declind"]));
    let msg = assert_bad_input("trace --outcome declind", &out, &stdout, &stderr);
    assert_contains_all(
        "trace --outcome declind",
        &msg,
        &[
            "declind".into(),
            "did you mean".into(),
            "settled_on_time".into(),
            "false_decline".into(),
        ],
    );
    let (out, stdout, stderr) = exec(payfault_quick().args([
        "trace",
        "scenarios/issuer_reject.toml",
        "--cause",
        "bank-dwn",
    ]));
    let msg = assert_bad_input("trace --cause bank-dwn", &out, &stdout, &stderr);
    assert_contains_all(
        "trace --cause bank-dwn",
        &msg,
        &["bank-down".into(), "insufficient_funds".into()],
    );
    for bad in ["63", "x", "256"] {
        let (out, stdout, stderr) = exec(payfault_quick().args(["trace", "--code", bad]));
        let msg = assert_bad_input("trace --code", &out, &stdout, &stderr);
        assert_contains_all("trace --code", &msg, &[bad.into(), "62".into()]);
    }
    let (out, stdout, stderr) =
        exec(payfault_quick().args(["trace", "scenarios/pipeline.toml", "--payment", "99999999"]));
    let msg = assert_bad_input("trace --payment", &out, &stdout, &stderr);
    assert_contains_all("trace --payment", &msg, &["has only".into()]);
}

#[test]
fn trace_tells_a_variant_and_refuses_an_unknown_one() {
    // The `upload` design of pos_batch.toml reverses the sales its tills never showed: a story
    // the base scenario (`count`) cannot tell.
    let (out, stdout, _) = exec(payfault_quick().args([
        "trace",
        "scenarios/pos_batch.toml",
        "--variant",
        "upload",
        "--outcome",
        "reversed",
        "--runs",
        "1",
    ]));
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("批上送"), "{stdout}");
    let (out, stdout, stderr) =
        exec(payfault_quick().args(["trace", "scenarios/pos_batch.toml", "--variant", "uplod"]));
    let msg = assert_bad_input("trace --variant uplod", &out, &stdout, &stderr);
    assert_contains_all(
        "trace --variant uplod",
        &msg,
        &["did you mean \"upload\"".into(), "count, upload".into()],
    );
}

/// Without a filter, `trace` tells a payment struck by a cause the scenario demonstrates (not
/// the first ordinary decline), and says so on stderr.
#[test]
fn without_a_filter_trace_tells_a_demonstrated_cause() {
    let out = payfault_quick()
        .args(["trace", "wrong_account"])
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("struck by `wrong_account`"), "{stderr}");
    assert!(stdout.contains("because of `wrong_account`"), "{stdout}");
}

//! Regressions: bugs found by this suite, now fixed, and fault parameters.

use super::*;

/// The first line of an error (the message, without the source snippet).
fn message_line(stderr: &str) -> &str {
    stderr.lines().next().unwrap_or("")
}

fn validate_stderr(name: &str) -> String {
    let (out, stdout, stderr) = exec(payfault_quick().args(["validate", &bad_fixture(name)]));
    assert_bad_input(&format!("validate {name}"), &out, &stdout, &stderr);
    stderr
}

#[test]
fn bug_field_paths_leak_serde_internals() {
    for (f, path) in [
        ("wrong_type_servers.toml", "gateway.servers"),
        ("duration_negative.toml", "strategy.terminal_timeout"),
        ("rate_nan.toml", "terminals[0].rate"),
        (
            "probability_frozen_share_negative.toml",
            "issuers[0].accounts.frozen_share",
        ),
    ] {
        let e = validate_stderr(f);
        assert!(!e.contains("$__serde"), "{f}: {e}");
        assert!(e.contains(&field(path)), "{f}: lacks {path}\n{e}");
    }
}

#[test]
fn bug_duration_unknown_unit_after_space() {
    let e = validate_stderr("duration_unknown_unit.toml");
    assert!(e.contains("unknown unit \"parsecs\""), "{e}");
    assert!(!e.contains("a number needs a unit"), "{e}");
}

#[test]
fn bug_traffic_limit_without_window_has_no_location() {
    let f = "limit_traffic_default_window.toml";
    let e = validate_stderr(f);
    let at_count = loc(f, "count = |1000000");
    let at_rate = loc(f, "rate = |\"1000/s\"");
    assert!(
        e.contains(&at_count) || e.contains(&at_rate),
        "expected {at_count} or {at_rate}\n{e}"
    );
    assert!(e.contains("--allow-large"), "{e}");
}

#[test]
fn bug_reversal_interval_location() {
    let f = "reversal_interval_zero.toml";
    let e = validate_stderr(f);
    assert!(e.contains(&loc(f, "interval = |\"0s\"")), "{e}");
    assert!(e.contains(&field("strategy.reversal.interval")), "{e}");
    assert!(e.contains("longer than zero"), "{e}");
}

#[test]
fn bug_peak_end_before_start_location() {
    let f = "peak_end_before_start.toml";
    let e = validate_stderr(f);
    let at_end = loc(f, "end = |\"12:00\"");
    let at_table = loc(f, "peak = |{");
    assert!(
        e.contains(&at_end) || e.contains(&at_table),
        "expected {at_end} or {at_table}\n{e}"
    );
}

#[test]
fn bug_allow_large_hint_when_already_given() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    let (out, stdout, stderr) = exec(
        payfault_quick()
            .args(["run", "scenarios/pipeline.toml", "--runs", "1000000000"])
            .args(["--allow-large", "--out"])
            .arg(&dir),
    );
    let e = assert_bad_input("run --allow-large", &out, &stdout, &stderr);
    assert_no_output("run --allow-large", &dir);
    assert!(e.contains("above the limit of 10000000"), "{e}");
    assert!(!e.contains("pass --allow-large"), "{e}");

    let (out, stdout, stderr) =
        exec(payfault_quick().args(["validate", "--allow-large", &bad_fixture("limit_runs.toml")]));
    let e = assert_bad_input("validate --allow-large", &out, &stdout, &stderr);
    assert!(e.contains("above the limit of 10000000"), "{e}");
    assert!(!e.contains("pass --allow-large"), "{e}");
}

#[test]
fn bug_fault_target_terminal_group_message() {
    let e = validate_stderr("fault_target_terminal_group.toml");
    assert!(!e.contains("unknown component id"), "{e}");
    assert!(e.contains("terminal group"), "{e}");
}

#[test]
fn bug_duplicate_key_message() {
    let e = validate_stderr("duplicate_key.toml");
    let m = message_line(&e);
    assert!(m.contains("servers"), "{m}");
    assert!(m.contains("once") || m.contains("unique"), "{m}");
    let e = validate_stderr("duplicate_table.toml");
    let m = message_line(&e);
    assert!(m.contains("gateway"), "{m}");
    assert!(m.contains("once") || m.contains("unique"), "{m}");
}

#[test]
fn bug_wrong_type_message_uses_rust_types() {
    let e = validate_stderr("wrong_type_servers.toml");
    assert!(!e.contains("u64"), "{e}");
    assert!(e.contains("integer") || e.contains("whole number"), "{e}");
}

#[test]
fn bug_runs_zero_message_lacks_value() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, stdout, stderr) = exec(
        payfault_quick()
            .args(["run", "scenarios/pipeline.toml", "--runs", "0", "--out"])
            .arg(tmp.path().join("out")),
    );
    let e = assert_bad_input("run --runs 0", &out, &stdout, &stderr);
    assert!(e.contains("--runs 0") || e.contains("got 0"), "{e}");
}

#[test]
fn bug_missing_value_message() {
    let f = "syntax_missing_value.toml";
    let e = validate_stderr(f);
    assert!(e.contains(&loc(f, "runs =|")), "{e}");
    assert!(!e.contains("must be quoted"), "{e}");
    assert!(message_line(&e).contains("value"), "{e}");
}

#[test]
fn bug_sub_table_distribution_lacks_value() {
    let f = "dist_subtable_mean_zero.toml";
    let e = validate_stderr(f);
    assert!(e.contains("0ms"), "{e}");
}

#[test]
fn a_recurring_outage_shorter_than_its_period() {
    let f = "fault_repeat_too_short.toml";
    expect_bad(
        f,
        needles![
            loc(f, "\"90m\""),
            field("faults[0].repeat"),
            "\"90m\" is shorter than the fault itself",
        ],
    );
}

#[test]
fn a_fault_id_that_names_a_built_in_cause() {
    let f = "fault_id_builtin.toml";
    expect_bad(
        f,
        needles![
            loc(f, "\"timeout\""),
            field("faults[0].id"),
            "\"timeout\" is the name of a built-in cause",
        ],
    );
}

#[test]
fn a_fault_parameter_its_kind_does_not_take() {
    let f = "fault_foreign_param.toml";
    expect_bad(
        f,
        needles![
            loc(f, "0.1"),
            field("faults[0].probability"),
            "an outage fault does not take `probability`; it takes `mode`, `code`",
        ],
    );
}

#[test]
fn a_fault_without_a_required_parameter() {
    let f = "fault_missing_param.toml";
    expect_bad(
        f,
        needles![
            loc(f, "\"loss\""),
            field("faults[0].probability"),
            "a loss fault needs `probability`",
        ],
    );
}

#[test]
fn a_bad_input_code_that_is_not_one() {
    let f = "fault_bad_input_code.toml";
    expect_bad(
        f,
        needles![
            loc(f, "51"),
            field("faults[0].code"),
            "51 is not accepted here; one of 14, 30, 54, 55",
        ],
    );
}

#[test]
fn a_link_fault_on_an_unknown_link_suggests_one() {
    let f = "fault_unknown_link.toml";
    expect_bad(
        f,
        needles![
            loc(f, "\"gateway-schem\""),
            field("faults[0].target"),
            "unknown link",
            "(did you mean \"gateway-scheme\"?)",
            "terminals-gateway, gateway-scheme, scheme-issuer",
        ],
    );
}

#[test]
fn a_repair_time_needs_a_time_between_failures() {
    let f = "fault_mttr_without_mtbf.toml";
    expect_bad(
        f,
        needles![
            loc(f, "\"20m\""),
            field("faults[0].mttr"),
            "an `mttr` needs an `mtbf`",
        ],
    );
}

#[test]
fn an_attack_beyond_the_payments_limit() {
    let f = "fault_attack_too_big.toml";
    expect_bad(
        f,
        needles![
            loc(f, "\"100000/s\""),
            field("faults[0].rate"),
            "requests per run; the limit is",
        ],
    );
}

#[test]
fn a_synchronisation_load_on_an_unknown_station() {
    let f = "fault_sync_unknown_station.toml";
    expect_bad(
        f,
        needles![
            loc(f, "sync_to = |\"visa-dc3\""),
            field("faults[0].sync_to"),
            "unknown station \"visa-dc3\" (did you mean \"visa-dc2\"?)",
            "gateway, visa-dc1, visa-dc2, issuer",
        ],
    );
}

#[test]
fn a_synchronisation_load_on_the_failing_station_itself() {
    let f = "fault_sync_to_itself.toml";
    expect_bad(
        f,
        needles![
            loc(f, "sync_to = |\"visa-dc1\""),
            field("faults[0].sync_to"),
            "is the failing station itself",
        ],
    );
}

#[test]
fn a_synchronisation_load_without_its_station_or_out_of_range() {
    let f = "fault_sync_load_without_to.toml";
    expect_bad(
        f,
        needles![
            loc(f, "2.0"),
            field("faults[0].sync_load"),
            "needs `sync_to`",
        ],
    );
    let f = "fault_sync_load_too_big.toml";
    expect_bad(
        f,
        needles![
            loc(f, "sync_load = |20"),
            field("faults[0].sync_load"),
            "must be a number from 0 to 10",
        ],
    );
}

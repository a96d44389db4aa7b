//! Issue 23, items 5 and 6: designs are checked wherever a scenario is read, and input is
//! bounded by reading, not by what the file system claims.
//!
//! Every bad `[[variant]]` block is refused by `validate`, `run`, `trace`, `compare` and
//! `check` with a located message and exit 2; `sweep --set` refuses the seed, the runs,
//! repeated values and values that smuggle extra TOML; `/dev/zero`, a pipe and a file beyond the
//! size limit are refused after reading at most the limit; every message fits on a screen and
//! echoes no control character from the input. Fixtures live in `tests/fixtures/bad/`.

use std::process::Output;

mod common;

use common::{bad_fixture, payfault_quick};

/// Runs `args`, asserts exit 2 with one clear error and nothing raw from the input, and
/// returns stderr.
fn refused(args: &[&str]) -> String {
    let out: Output = payfault_quick()
        .args(args)
        .output()
        .expect("payfault starts");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let what = args.join(" ");
    assert_eq!(
        out.status.code(),
        Some(2),
        "{what}: expected exit 2\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{what}: panic\n{stderr}");
    assert!(stderr.starts_with("error: "), "{what}:\n{stderr}");
    assert!(
        stderr.len() < 4000,
        "{what}: {} bytes of error",
        stderr.len()
    );
    assert!(
        !stderr.chars().any(|c| c.is_control() && c != '\n'),
        "{what}: a raw control character on stderr: {stderr:?}"
    );
    stderr
}

fn assert_has(what: &str, stderr: &str, needles: &[&str]) {
    for n in needles {
        assert!(stderr.contains(n), "{what}: stderr lacks {n:?}\n{stderr}");
    }
}

/// A bad design is refused by every command that reads the scenario, at its place.
fn expect_bad_design(name: &str, needles: &[&str]) {
    let path = bad_fixture(name);
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let out = out.to_str().unwrap();
    for args in [
        vec!["validate", &path],
        vec!["run", &path, "--out", out, "-n", "1"],
        vec!["trace", &path],
        vec!["compare", &path, "--out", out, "-n", "1"],
        vec!["check", &path],
    ] {
        let stderr = refused(&args);
        assert_has(&args.join(" "), &stderr, needles);
    }
    assert!(!tmp.path().join("out").exists(), "{name}: output written");
}

#[test]
fn a_design_with_an_unknown_setting() {
    expect_bad_design(
        "variant_unknown_path.toml",
        &[
            "variant_unknown_path.toml:6:1:",
            "terminal_timeot",
            "did you mean \"terminal_timeout\"",
            "design \"fast\"",
        ],
    );
}

#[test]
fn designs_with_the_same_name() {
    expect_bad_design(
        "variant_duplicate_name.toml",
        &[
            "variant_duplicate_name.toml:8:8:",
            "variant[1].name",
            "already declared",
        ],
    );
}

#[test]
fn a_design_with_an_empty_name_or_none() {
    expect_bad_design(
        "variant_empty_name.toml",
        &[
            "variant_empty_name.toml:5:8:",
            "invalid variant name \"\"",
            "1 to 64 characters",
        ],
    );
    expect_bad_design(
        "variant_without_name.toml",
        &["variant_without_name.toml:4:", "needs a name"],
    );
}

#[test]
fn a_design_named_like_a_path_or_a_folder_of_other_results() {
    expect_bad_design(
        "variant_name_parent_dirs.toml",
        &["variant_name_parent_dirs.toml:5:8:", "\"../../x\""],
    );
    expect_bad_design(
        "variant_name_compare.toml",
        &["variant_name_compare.toml:5:8:", "\"compare\" is reserved"],
    );
    expect_bad_design(
        "variant_name_shard.toml",
        &[
            "variant_name_shard.toml:5:8:",
            "\"Shard-1-of-2\" is reserved",
        ],
    );
}

#[test]
fn a_design_name_with_escape_sequences_is_shown_escaped() {
    expect_bad_design(
        "variant_name_control.toml",
        &["variant_name_control.toml:5:8:", "\\u{1b}[2J"],
    );
}

#[test]
fn a_design_cannot_set_what_would_be_ignored() {
    expect_bad_design(
        "variant_sets_seed.toml",
        &[
            "variant_sets_seed.toml:9:1:",
            "field `simulation.seed`",
            "cannot set the seed",
            "--seed",
        ],
    );
    expect_bad_design(
        "variant_sets_runs.toml",
        &[
            "variant_sets_runs.toml:6:",
            "field `simulation.runs`",
            "--runs",
        ],
    );
    expect_bad_design(
        "variant_replaces_simulation.toml",
        &[
            "variant_replaces_simulation.toml:10:1:",
            "replacing [simulation]",
        ],
    );
    expect_bad_design(
        "variant_sets_expect.toml",
        &["variant_sets_expect.toml:6:1:", "cannot set expectations"],
    );
    expect_bad_design(
        "variant_sets_variant.toml",
        &["variant_sets_variant.toml:6:1:", "cannot declare designs"],
    );
}

#[test]
fn variant_must_be_an_array_of_tables() {
    expect_bad_design("variant_not_a_table.toml", &["variant_not_a_table.toml:3:"]);
}

#[test]
fn too_many_designs_are_refused_at_the_first_one_too_many() {
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("many.toml");
    let mut text = String::from("name = \"many\"\n");
    for i in 0..10_000 {
        text.push_str(&format!("[[variant]]\nname = \"v{i}\"\n"));
    }
    std::fs::write(&f, text).unwrap();
    let f = f.to_str().unwrap();
    for cmd in ["validate", "trace"] {
        let e = refused(&[cmd, f]);
        assert_has(
            cmd,
            &e,
            &["many.toml:514:1:", "10000 variants", "at most 256"],
        );
    }
}

#[test]
fn sweep_refuses_the_seed_the_runs_and_repeated_values() {
    let s = "scenarios/baseline.toml";
    let e = refused(&["sweep", s, "--set", "simulation.seed=1,2"]);
    assert_has(
        "seed",
        &e,
        &["simulation.seed", "cannot set the seed", "--seed"],
    );
    let e = refused(&["sweep", s, "--set", "simulation.runs=1,2"]);
    assert_has("runs", &e, &["simulation.runs", "--runs"]);
    let e = refused(&["sweep", s, "--set", "expect.loss_total=\"< 1\""]);
    assert_has("expect", &e, &["cannot set expectations"]);
    let e = refused(&["sweep", s, "--set", "strategy.terminal_timeout=30s,\"30s\""]);
    assert_has("twice", &e, &["given twice"]);
}

#[test]
fn sweep_values_cannot_smuggle_toml() {
    let s = "scenarios/baseline.toml";
    for set in [
        "strategy.terminal_timeout=\"10s\"\n[simulation]\nseed = 3",
        "strategy.terminal_timeout=10s\rx",
        "strategy.terminal_timeout=\u{1b}[2J",
    ] {
        let e = refused(&["sweep", s, "--set", set]);
        assert_has("newline", &e, &["control character", "one line"]);
    }
    let e = refused(&["sweep", s, "--set", "strategy.terminal_timeout=\"10s"]);
    assert_has("unclosed", &e, &["is not a TOML value"]);
}

#[test]
fn dev_zero_is_refused_after_the_limit() {
    if !std::path::Path::new("/dev/zero").exists() {
        return;
    }
    let e = refused(&["validate", "/dev/zero"]);
    assert_has("/dev/zero", &e, &["/dev/zero", "more than 16777216 bytes"]);
}

#[test]
fn a_pipe_beyond_the_limit_is_refused() {
    if !std::path::Path::new("/dev/stdin").exists() {
        return;
    }
    let mut text = String::from("name = \"piped\"\n");
    text.push_str(&"# padding padding padding padding padding padding padding\n".repeat(300_000));
    assert!(text.len() > 16 << 20);
    let out = payfault_quick()
        .args(["validate", "/dev/stdin"])
        .write_stdin(text)
        .output()
        .unwrap();
    let e = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{e}");
    assert!(
        e.contains("/dev/stdin") && e.contains("more than 16777216 bytes"),
        "{e}"
    );
}

#[test]
fn a_huge_one_line_error_fits_on_a_screen() {
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("long.toml");
    let long = "x".repeat(15_000_000);
    // An unknown value, a bad key and a syntax error at the end of a 15 MB line.
    for (i, text) in [
        format!("name = \"long\"\n[gateway]\nservers = \"{long}\"\n"),
        format!("name = \"long\"\n[gateway]\n{long} = 1\n"),
        format!("name = \"long\"\ndescription = \"{long}\" ]\n"),
    ]
    .iter()
    .enumerate()
    {
        std::fs::write(&f, text).unwrap();
        let e = refused(&["validate", f.to_str().unwrap()]);
        assert!(e.contains("long.toml:"), "case {i}: {e}");
        assert!(e.contains('…'), "case {i}: nothing was cut: {e}");
    }
}

#[test]
fn control_characters_from_the_file_are_escaped() {
    let e = refused(&["validate", &bad_fixture("control_chars.toml")]);
    assert_has("control", &e, &["control_chars.toml:5:", "\\u{1b}"]);
}

//! What a CI job sees: progress when standard error is not a terminal (CI, `nohup`, a
//! redirect): plain lines with the runs done, the rate and the time left, then the time taken;
//! none when quiet (`PAYFAULT_PROGRESS_SECS=0` asks for a line at every step; the default is
//! every 5 s). A JUnit file even when a scenario fails to load; a run that replaces earlier
//! results says so.

use crate::common::payfault;

const FIXTURE: &str = "tests/fixtures/check_small.toml";

fn stderr_of(args: &[&str], out_dir: Option<&std::path::Path>) -> String {
    let mut c = payfault();
    c.env("PAYFAULT_PROGRESS_SECS", "0").args(args);
    if let Some(d) = out_dir {
        c.arg("--out").arg(d);
    }
    let out = c.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    stderr
}

#[test]
fn progress_lines_appear_when_stderr_is_not_a_terminal() {
    let stderr = stderr_of(&["check", FIXTURE, "-n", "4", "-t", "1"], None);
    assert!(
        stderr.contains("check_small: 4/4 runs, ") && stderr.contains(" runs/s, about "),
        "{stderr}"
    );
    assert!(
        stderr.contains("check_small: all runs done in "),
        "{stderr}"
    );

    let dir = tempfile::tempdir().unwrap();
    let stderr = stderr_of(
        &["run", FIXTURE, "-n", "3", "--no-charts"],
        Some(&dir.path().join("out")),
    );
    assert!(stderr.contains("check_small: 3/3 runs"), "{stderr}");
    // In Chinese too.
    let stderr = stderr_of(
        &["compare", FIXTURE, FIXTURE, "-n", "2", "--lang", "zh"],
        Some(&dir.path().join("cmp")),
    );
    assert!(stderr.contains("次运行，每秒"), "{stderr}");
    // Quiet: no progress at all.
    let stderr = stderr_of(&["check", FIXTURE, "-n", "4", "-q"], None);
    assert!(!stderr.contains("runs/s"), "{stderr}");
}

#[test]
fn junit_names_a_file_that_fails_to_load() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "name = \"bad\"\n[simulation]\nruns = \"many\"\n").unwrap();
    let junit = dir.path().join("junit.xml");
    let out = payfault()
        .args(["check", FIXTURE])
        .arg(&bad)
        .arg("--junit")
        .arg(&junit)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("bad.toml:3:"), "{stderr}");
    // The CI panel shows why: an error testcase naming the file, with the loader's message.
    let xml = std::fs::read_to_string(&junit).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    assert_eq!(doc.root_element().attribute("errors"), Some("1"), "{xml}");
    let error = doc.descendants().find(|n| n.has_tag_name("error")).unwrap();
    let case = error.parent().unwrap();
    assert!(
        case.attribute("classname").unwrap().ends_with("bad.toml"),
        "{xml}"
    );
    let message = error.attribute("message").unwrap();
    assert!(
        message.contains("bad.toml:3:") && message.contains("runs"),
        "{xml}"
    );
}

/// A second run into the same folder replaces the first's results, and says so.
#[test]
fn a_run_says_when_it_replaced_earlier_results() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    let run = || {
        let out = payfault()
            .args(["run", FIXTURE, "-n", "2", "--no-charts", "--out"])
            .arg(&out_dir)
            .output()
            .unwrap();
        assert!(out.status.success());
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert!(!run().contains("were replaced"));
    let second = run();
    assert!(
        second.contains(&format!(
            "the earlier results in {} were replaced",
            out_dir.display()
        )),
        "{second}"
    );
}

/// compare's terminal table speaks the language: `--lang zh` gives every row a Chinese label
/// (never a raw metric key), and its header, reference and footer lines are in Chinese too.
#[test]
fn compare_labels_every_row_in_the_language() {
    let dir = tempfile::tempdir().unwrap();
    let out = payfault()
        .args([
            "compare",
            "retry_idempotency",
            "-n",
            "2",
            "--lang",
            "zh",
            "--out",
        ])
        .arg(dir.path().join("cmp"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("参照方案：no-retry"), "{stdout}");
    assert!(stdout.contains("表示区间不含零"), "{stdout}");
    let table = stdout.split("参照方案").nth(1).unwrap();
    let raw: Vec<&str> = table
        .lines()
        .filter(|l| !l.starts_with(' ') && !l.is_empty())
        .filter(|l| {
            l.chars()
                .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
        })
        .collect();
    assert!(raw.is_empty(), "rows without a label: {raw:?}");
}

//! Progress of a long job when standard error is not a terminal (CI, `nohup`, a redirect):
//! plain lines with the runs done, the rate and the time left, then the time taken; none when
//! quiet. `PAYFAULT_PROGRESS_SECS=0` asks for a line at every step (the default is every 5 s).

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

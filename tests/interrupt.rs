//! Ctrl-C (SIGINT) and SIGTERM stop a batch cleanly: exit code 130, a message saying how far
//! it got, and no output files, not even temporary ones.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
#[cfg(unix)]
fn sigint_stops_cleanly_and_leaves_nothing() {
    stops_cleanly_and_leaves_nothing("-INT");
}

#[test]
#[cfg(unix)]
fn sigterm_stops_cleanly_and_leaves_nothing() {
    stops_cleanly_and_leaves_nothing("-TERM");
}

#[cfg(unix)]
fn stops_cleanly_and_leaves_nothing(signal: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let child = Command::new(env!("CARGO_BIN_EXE_payfault"))
        .args([
            "run",
            "scenarios/baseline.toml",
            "--runs",
            "5000",
            "--quiet",
            "--out",
        ])
        .arg(&out)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the run has started writing (its temporary files exist), then interrupt.
    let start = Instant::now();
    while std::fs::read_dir(&out).map_or(0, |d| d.count()) == 0
        && start.elapsed() < Duration::from_secs(30)
    {
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    let status = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let result = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert_eq!(result.status.code(), Some(130), "stderr: {stderr}");
    assert!(
        stderr.contains("interrupted: stopped after")
            && stderr.contains("of 5000 runs; no output was written"),
        "{stderr}"
    );
    let left: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "files left behind: {left:?}");
}

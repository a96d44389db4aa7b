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

/// SIGTERM in the middle of one long run (issue 23.3): the event loop polls the stop request
/// (`engine::interrupt`), so the process ends within moments, not when the run would have
/// ended, with exit code 130 and nothing written.
#[test]
#[cfg(unix)]
fn sigterm_stops_inside_a_long_run() {
    let tmp = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string("scenarios/baseline.toml")
        .unwrap()
        .replacen("rate = \"8/h\" ", "rate = \"80/h\"", 1);
    assert!(text.contains("rate = \"80/h\""));
    let file = tmp.path().join("big.toml");
    std::fs::write(&file, text).unwrap();
    let out = tmp.path().join("out");
    let started = Instant::now();
    let child = Command::new(env!("CARGO_BIN_EXE_payfault"))
        .args([
            "run",
            "--runs",
            "1",
            "--threads",
            "1",
            "--quiet",
            "--no-charts",
        ])
        .arg(&file)
        .arg("--out")
        .arg(&out)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // One run of this scenario takes about 20 s; stop it 1.5 s in.
    std::thread::sleep(Duration::from_millis(1500));
    let signalled = Instant::now();
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let result = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert_eq!(result.status.code(), Some(130), "stderr: {stderr}");
    assert!(
        signalled.elapsed() < Duration::from_secs(5),
        "stopped {:?} after the signal ({:?} after the start)",
        signalled.elapsed(),
        started.elapsed()
    );
    assert!(
        stderr.contains("of 1 runs; no output was written"),
        "{stderr}"
    );
    let left: Vec<_> = std::fs::read_dir(&out)
        .map(|d| d.map(|e| e.unwrap().file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "files left behind: {left:?}");
}

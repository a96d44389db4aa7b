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

/// The baseline with ten times its traffic: one run takes about 10 s on this machine.
#[cfg(unix)]
fn slow_scenario(dir: &std::path::Path) -> std::path::PathBuf {
    let text = std::fs::read_to_string("scenarios/baseline.toml")
        .unwrap()
        .replacen("rate = \"8/h\" ", "rate = \"40/h\"", 1);
    assert!(text.contains("rate = \"40/h\""));
    let file = dir.join("slow.toml");
    std::fs::write(&file, text).unwrap();
    file
}

/// Starts `payfault args --out out`, sends SIGTERM `after` it started, and checks that it
/// stopped with exit code 130, within seconds, and that `out` holds nothing (not even
/// temporary files).
#[cfg(unix)]
fn terminated_leaves_nothing(args: &[&std::ffi::OsStr], out: &std::path::Path, after: Duration) {
    let mut with_out = args.to_vec();
    with_out.extend(["--out".as_ref(), out.as_os_str()]);
    terminated_leaves(&with_out, out, after);
}

/// Starts `payfault args`, sends SIGTERM `after` it started, and checks that it stopped with
/// exit code 130, within seconds, and that the folder `left` holds nothing.
#[cfg(unix)]
fn terminated_leaves(args: &[&std::ffi::OsStr], left: &std::path::Path, after: Duration) {
    let child = Command::new(env!("CARGO_BIN_EXE_payfault"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(after);
    let signalled = Instant::now();
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let result = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert_eq!(result.status.code(), Some(130), "{args:?}: {stderr}");
    assert!(
        signalled.elapsed() < Duration::from_secs(5),
        "{args:?} stopped {:?} after the signal",
        signalled.elapsed()
    );
    let files: Vec<_> = std::fs::read_dir(left)
        .map(|d| d.map(|e| e.unwrap().file_name()).collect())
        .unwrap_or_default();
    assert!(files.is_empty(), "{args:?} left files behind: {files:?}");
}

/// SIGTERM in the middle of a compare and of a sweep (issue 23.3): nothing written.
#[test]
#[cfg(unix)]
fn compare_and_sweep_stop_cleanly_and_leave_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let slow = slow_scenario(tmp.path());
    let s = slow.as_os_str();
    let common = ["--runs", "4", "--threads", "1", "--quiet"].map(std::ffi::OsStr::new);
    let mut compare: Vec<&std::ffi::OsStr> = vec!["compare".as_ref(), s, s];
    compare.extend(common);
    terminated_leaves_nothing(
        &compare,
        &tmp.path().join("compare"),
        Duration::from_millis(1500),
    );
    let mut sweep: Vec<&std::ffi::OsStr> = vec![
        "sweep".as_ref(),
        s,
        "--set".as_ref(),
        "risk.detection_rate=0.5,0.9".as_ref(),
    ];
    sweep.extend(common);
    terminated_leaves_nothing(
        &sweep,
        &tmp.path().join("sweep"),
        Duration::from_millis(1500),
    );
}

/// SIGTERM while `merge` replays run 0 for its report (issue 23.3): the merged folder is not
/// committed, and nothing is left in it.
#[test]
#[cfg(unix)]
fn merge_stops_cleanly_and_leaves_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let slow = slow_scenario(tmp.path());
    // Two one-run shards, side by side (about 10 s each).
    let shards: Vec<_> = (1..=2)
        .map(|k| {
            let dir = tmp.path().join(format!("shard-{k}"));
            let child = Command::new(env!("CARGO_BIN_EXE_payfault"))
                .args(["run", "--runs", "2", "--threads", "1", "--quiet", "--shard"])
                .arg(format!("{k}/2"))
                .arg(&slow)
                .arg("--out")
                .arg(&dir)
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            (dir, child)
        })
        .collect();
    let mut dirs = vec![];
    for (dir, child) in shards {
        let r = child.wait_with_output().unwrap();
        assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
        dirs.push(dir);
    }
    let mut args: Vec<&std::ffi::OsStr> = vec!["merge".as_ref(), "--quiet".as_ref()];
    args.extend(dirs.iter().map(|d| d.as_os_str()));
    terminated_leaves_nothing(
        &args,
        &tmp.path().join("merged"),
        Duration::from_millis(1500),
    );
}

/// SIGTERM while `trace --csv` replays a run: exit 130, no CSV and no temporary file.
#[test]
#[cfg(unix)]
fn trace_stops_cleanly_and_leaves_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let slow = slow_scenario(tmp.path());
    let out = tmp.path().join("traced");
    std::fs::create_dir(&out).unwrap();
    let csv = out.join("payments.csv");
    let args = [
        "trace".as_ref(),
        "--runs".as_ref(),
        "1".as_ref(),
        "--csv".as_ref(),
        csv.as_os_str(),
        slow.as_os_str(),
    ];
    terminated_leaves(&args, &out, Duration::from_millis(1500));
}

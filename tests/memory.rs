//! The memory estimate made before a command runs (`runner::memory`) against the memory the
//! command really used: every shipped scenario is run as a user would (`payfault run`, two
//! worker threads, the report stage included), its peak resident memory read from the
//! operating system (`wait4`), and the estimate must bound it without being absurd. And a
//! scenario inside the default limits that would not fit is refused up front, with the table.
#![cfg(target_os = "linux")]

use payfault::runner::memory::{Estimate, PROCESS_BYTES};
use std::path::Path;
use std::process::{Command, Stdio};

mod common;

use common::load;

/// `payfault` with `args`.
fn payfault(args: &[&str]) -> Command {
    let mut c = Command::new(assert_cmd::cargo::cargo_bin("payfault"));
    c.args(args);
    c
}

/// Runs `cmd`; returns its exit code, its peak resident memory (bytes) and its standard error.
#[allow(clippy::zombie_processes)] // wait4 reaps it: std's wait would lose the rusage
fn measured(mut cmd: Command, tmp: &Path) -> (i32, u64, String) {
    let err = tmp.join("stderr.txt");
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&err).unwrap())
        .spawn()
        .unwrap();
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: `rusage` is plain data; wait4 fills it for our own child, which `child` never
    // waits for (it is dropped without `wait`).
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let got = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(got, pid, "wait4 failed");
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    // ru_maxrss is in kilobytes on Linux.
    (
        code,
        usage.ru_maxrss as u64 * 1024,
        std::fs::read_to_string(err).unwrap(),
    )
}

#[test]
fn the_estimate_bounds_what_every_shipped_scenario_uses() {
    let tmp = tempfile::tempdir().unwrap();
    let mut files: Vec<_> = std::fs::read_dir("scenarios")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 40, "{} scenarios", files.len());
    let mut report = vec![];
    for f in &files {
        let s = load(f);
        let est = Estimate::batch(&s, 2).with_report(&s).peak();
        let out = tmp.path().join(&s.name);
        let (code, rss, err) = measured(
            payfault(&[
                "run",
                f.to_str().unwrap(),
                "--runs",
                "2",
                "--threads",
                "2",
                "--no-charts",
                "-q",
                "--out",
                out.to_str().unwrap(),
            ]),
            tmp.path(),
        );
        assert_eq!(code, 0, "{}: {err}", f.display());
        report.push(format!(
            "{}: used {} MB, estimated {} MB",
            s.name,
            rss / 1_000_000,
            est / 1_000_000
        ));
        // The estimate must bound the use, and not by so much that it refuses what would fit:
        // beyond the process's fixed share (a generous constant, which small scenarios like
        // these cannot measure), at most 4× what was used.
        assert!(
            rss <= est && est <= 4 * rss + PROCESS_BYTES,
            "{}: used {rss} bytes, estimated {est}\n{}",
            s.name,
            report.join("\n")
        );
    }
    eprintln!("{}", report.join("\n"));
}

#[test]
fn a_scenario_inside_the_limits_that_would_not_fit_is_refused_before_it_runs() {
    // 20 million accounts (the default limit) take 320 MB a run; eight worker threads need
    // 2.6 GB, more than the 2 GB the process may use here (`ulimit -v`).
    let tmp = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string("scenarios/pipeline.toml")
        .unwrap()
        .replace("count = 1000\n", "count = 20000000\n");
    assert!(text.contains("count = 20000000"));
    let file = tmp.path().join("wide.toml");
    std::fs::write(&file, text).unwrap();
    let s = load(&file);
    assert!(Estimate::batch(&s, 8).peak() > 2_048_000_000);
    let dir = tmp.path().join("out");
    let script = format!(
        "ulimit -v 2000000; exec '{}' run '{}' --runs 1 --threads 8 --out '{}'",
        assert_cmd::cargo::cargo_bin("payfault").display(),
        file.display(),
        dir.display()
    );
    let mut bash = Command::new("bash");
    bash.args(["-c", &script]);
    let (code, _, err) = measured(bash, tmp.path());
    assert_eq!(code, 2, "{err}");
    for needle in [
        "simulation (account tables, payments in flight)",
        "× 8 worker thread(s)",
        "report stage",
        "peak: about",
        "issuers.accounts.count",
        "--threads",
    ] {
        assert!(err.contains(needle), "`{needle}` not in: {err}");
    }
    assert!(!dir.exists(), "the refused run left {}", dir.display());
}

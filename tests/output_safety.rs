//! Output is written all or nothing and never through a planted link (issue 23, items 2 and
//! 4): links planted where a temporary or output file would go leave the files they point
//! to untouched; a folder in the way of `report.html` leaves the earlier results whole, with
//! an error that names it and exit code 3.

use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

mod common;

use common::root;

/// The files `run --no-charts` writes.
const RUN_FILES: [&str; 6] = [
    "summary.json",
    "runs.csv",
    "histograms.json",
    "scenario.toml",
    "report.html",
    "topology.svg",
];

/// Runs payfault with `args` under a process id known in advance (a shell that waits for a
/// line, then `exec`s payfault), so that `plant(pid)` can plant links under the names a
/// predictable implementation would use (`<name>.tmp-<pid>`, ...) before payfault starts.
#[cfg(unix)]
fn run_with_known_pid(args: &[&str], plant: impl FnOnce(u32)) -> Output {
    let mut cmd = format!("read x; exec '{}'", env!("CARGO_BIN_EXE_payfault"));
    for a in args {
        cmd.push_str(&format!(" '{a}'"));
    }
    let mut child = Command::new("sh")
        .args(["-c", &cmd])
        .current_dir(root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    plant(child.id());
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"go\n").unwrap();
    drop(stdin);
    child.wait_with_output().unwrap()
}

#[cfg(unix)]
/// The victim still holds "precious" (said briefly: a failure must not print megabytes).
fn assert_untouched(victim: &Path) {
    let now = fs::read(victim).unwrap();
    assert!(
        now == b"precious",
        "the file behind the link was written through: {} bytes now",
        now.len()
    );
}

#[cfg(unix)]
fn link(target: &Path, at: &Path) {
    std::os::unix::fs::symlink(target, at).unwrap();
}

fn show(o: &Output) -> String {
    format!(
        "exit {:?}\nstdout: {}\nstderr: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn leftovers(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect()
}

#[test]
#[cfg(unix)]
fn links_planted_in_the_output_folder_are_never_followed() {
    let tmp = tempfile::tempdir().unwrap();
    let victim = tmp.path().join("victim");
    fs::write(&victim, "precious").unwrap();
    let out = tmp.path().join("out");
    fs::create_dir(&out).unwrap();
    // Links at the final names too: they are replaced, not written through.
    for name in RUN_FILES {
        link(&victim, &out.join(name));
    }
    let out_s = out.to_str().unwrap();
    let args = [
        "run",
        "scenarios/pipeline.toml",
        "--runs",
        "2",
        "--no-charts",
        "--quiet",
        "--out",
        out_s,
    ];
    let mut planted = vec![];
    let o = run_with_known_pid(&args, |pid| {
        let mut names = vec![
            format!(".payfault-write-test-{pid}"),
            format!(".runs.csv.scratch-{pid}"),
        ];
        names.extend(RUN_FILES.iter().map(|n| format!(".{n}.tmp-{pid}")));
        for n in names {
            link(&victim, &out.join(&n));
            planted.push(n);
        }
    });
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    assert_untouched(&victim);
    for name in RUN_FILES {
        let m = fs::symlink_metadata(out.join(name)).unwrap();
        assert!(m.is_file(), "{name} is a file now, not the link");
    }
    let mut left = leftovers(&out);
    left.sort();
    planted.sort();
    assert_eq!(left, planted, "only the planted links are left, untouched");
}

#[test]
#[cfg(unix)]
fn links_planted_beside_a_single_output_file_are_never_followed() {
    let tmp = tempfile::tempdir().unwrap();
    let victim = tmp.path().join("victim");
    fs::write(&victim, "precious").unwrap();
    let csv = tmp.path().join("trace.csv");
    link(&victim, &csv);
    let csv_s = csv.to_str().unwrap();
    let args = ["trace", "scenarios/pipeline.toml", "--csv", csv_s];
    let o = run_with_known_pid(&args, |pid| {
        for n in [
            format!(".payfault-write-test-{pid}"),
            format!(".trace.csv.tmp-{pid}"),
        ] {
            link(&victim, &tmp.path().join(n));
        }
    });
    assert_eq!(o.status.code(), Some(0), "{}", show(&o));
    assert_untouched(&victim);
    assert!(fs::symlink_metadata(&csv).unwrap().is_file());
    assert!(fs::read_to_string(&csv).unwrap().lines().count() > 1);
}

#[test]
fn a_folder_in_the_way_leaves_the_old_results_whole_with_exit_3() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    fs::create_dir(&out).unwrap();
    for name in RUN_FILES {
        if name != "report.html" {
            fs::write(out.join(name), format!("old {name}")).unwrap();
        }
    }
    fs::create_dir(out.join("report.html")).unwrap();
    fs::write(out.join("report.html").join("inside"), "kept").unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_payfault"))
        .current_dir(root())
        .args([
            "run",
            "scenarios/pipeline.toml",
            "--runs",
            "2",
            "--no-charts",
            "--quiet",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(3), "{}", show(&o));
    let stderr = String::from_utf8_lossy(&o.stderr);
    let named = out.join("report.html").display().to_string();
    assert!(stderr.contains(&named), "names {named}: {}", show(&o));
    for name in RUN_FILES {
        if name != "report.html" {
            assert_eq!(
                fs::read_to_string(out.join(name)).unwrap(),
                format!("old {name}"),
                "{name} is the old one"
            );
        }
    }
    assert_eq!(
        fs::read_to_string(out.join("report.html").join("inside")).unwrap(),
        "kept"
    );
    assert!(leftovers(&out).is_empty(), "{:?}", leftovers(&out));
}

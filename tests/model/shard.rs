//! Sharding: `run`, `compare` and `sweep --shard K/M` run as separate processes (at the same
//! time, as on the machines of a cluster), and `payfault merge` makes of their partial results
//! exactly the files of the whole command, byte for byte; merge refuses what is not one
//! batch's complete set of shards with exit 2 and a message naming the problem.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::{payfault_output as payfault, refused};

const FIXTURE: &str = "tests/fixtures/shard_small.toml";

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("payfault")
}

fn ok(args: &[&str]) -> Output {
    let out = payfault(args);
    assert!(
        out.status.success(),
        "payfault {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// `args` with `--shard K/M -o dir/sK` for each K, as M processes running at once; returns
/// the shards' folders.
fn shards(args: &[&str], m: u64, dir: &Path) -> Vec<PathBuf> {
    let children: Vec<(PathBuf, std::process::Child)> = (1..=m)
        .map(|k| {
            let out = dir.join(format!("s{k}"));
            let child = Command::new(bin())
                .args(args)
                .args(["--shard", &format!("{k}/{m}"), "-t", "1", "-q", "-o"])
                .arg(&out)
                .spawn()
                .unwrap();
            (out, child)
        })
        .collect();
    children
        .into_iter()
        .map(|(out, mut c)| {
            assert!(c.wait().unwrap().success(), "shard {}", out.display());
            out
        })
        .collect()
}

fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect()
}

/// Every file of `a` is in `b` with the same bytes, and `b` has no other.
fn assert_same_files(a: &Path, b: &Path, expect: &[&str]) {
    let (fa, fb) = (files(a), files(b));
    for e in expect {
        assert!(fa.contains_key(*e), "{} lacks {e}", a.display());
    }
    assert_eq!(
        fa.keys().collect::<Vec<_>>(),
        fb.keys().collect::<Vec<_>>(),
        "the same files"
    );
    for (name, bytes) in &fa {
        assert!(
            bytes == &fb[name],
            "{name} differs between whole and merged"
        );
    }
}

fn merge(parts: &[PathBuf], extra: &[&str]) -> Output {
    Command::new(bin())
        .arg("merge")
        .args(parts)
        .args(extra)
        .output()
        .unwrap()
}

/// The per-run sums of the counts of `cause` in a partial result's rows.
fn strikes(partial: &Path, cause: &str) -> Vec<f64> {
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(partial.join("partial.json")).unwrap())
            .unwrap();
    let d = &v["designs"][0];
    let prefix = format!("causes.{cause}.");
    let cols: Vec<usize> = d["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .filter(|(_, m)| {
            let m = m.as_str().unwrap();
            m.starts_with(&prefix) && !m.ends_with("_amount")
        })
        .map(|(i, _)| i)
        .collect();
    assert!(!cols.is_empty(), "the scenario has the cause {cause}");
    d["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let vals: Vec<&str> = r.as_str().unwrap().split(',').collect();
            cols.iter().map(|&i| vals[i].parse::<f64>().unwrap()).sum()
        })
        .collect()
}

#[test]
fn run_shards_merge_into_the_whole_runs_files_with_charts_and_report() {
    let dir = tempfile::tempdir().unwrap();
    let whole = dir.path().join("whole");
    ok(&[
        "run",
        FIXTURE,
        "-t",
        "2",
        "-q",
        "-o",
        whole.to_str().unwrap(),
    ]);
    let parts = shards(&["run", FIXTURE], 3, dir.path());
    // The fixture's rare loss strikes in some runs only: not in the first shard's, but in
    // another's, so runs.csv's columns of that cause come from the other shards' runs.
    let per_shard: Vec<f64> = parts
        .iter()
        .map(|p| strikes(p, "rare_loss").iter().sum())
        .collect();
    assert_eq!(per_shard[0], 0.0, "strikes per shard: {per_shard:?}");
    assert!(per_shard[1..].iter().any(|&n| n > 0.0), "{per_shard:?}");
    let csv = std::fs::read_to_string(whole.join("runs.csv")).unwrap();
    assert!(csv.lines().next().unwrap().contains("causes.rare_loss."));
    // Merged in any order.
    let merged = dir.path().join("merged");
    let mut shuffled = parts.clone();
    shuffled.reverse();
    let out = merge(&shuffled, &["-q", "-o", merged.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_same_files(
        &whole,
        &merged,
        &[
            "summary.json",
            "runs.csv",
            "histograms.json",
            "scenario.toml",
            "report.html",
            "topology.svg",
            "outcomes_by_cause.svg",
            "outcomes_by_cause.png",
        ],
    );
    // A shard per run is the same batch too.
    let dir2 = tempfile::tempdir().unwrap();
    let singles = shards(&["run", FIXTURE, "-n", "4", "--no-charts"], 4, dir2.path());
    let m4 = dir2.path().join("m");
    let w4 = dir2.path().join("w");
    ok(&[
        "run",
        FIXTURE,
        "-n",
        "4",
        "--no-charts",
        "-q",
        "-o",
        w4.to_str().unwrap(),
    ]);
    let out = merge(&singles, &["-q", "--no-charts", "-o", m4.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_same_files(&w4, &m4, &["runs.csv", "summary.json", "report.html"]);
}

/// Runs `cmd` whole into `root/name`, then in `m` shards merged into `root/name_m`, and asserts
/// that the two folders hold the same files, byte for byte, among them `expect`.
fn assert_shards_merge_into_the_whole(
    cmd: &[&str],
    m: u64,
    root: &Path,
    name: &str,
    expect: &[&str],
) {
    let whole = root.join(name);
    let merged = root.join(format!("{name}_m"));
    ok(&[cmd, &["-q", "-o", whole.to_str().unwrap()]].concat());
    let sub = root.join(format!("{name}_shards"));
    std::fs::create_dir(&sub).unwrap();
    let parts = shards(cmd, m, &sub);
    let out = merge(
        &parts,
        &["-q", "--no-charts", "-o", merged.to_str().unwrap()],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_same_files(&whole, &merged, expect);
}

#[test]
fn compare_and_sweep_shards_merge_into_the_whole_commands_files() {
    let dir = tempfile::tempdir().unwrap();
    // compare: the fixture's two variants, 7 runs in 3 uneven shards.
    assert_shards_merge_into_the_whole(
        &["compare", FIXTURE, "-n", "7", "--no-charts"],
        3,
        dir.path(),
        "cmp",
        &["compare.json", "compare.csv", "reference.scenario.toml"],
    );
    // The verdict is in compare.json (so it came out byte for byte from the merge too).
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("cmp").join("compare.json")).unwrap(),
    )
    .unwrap();
    let v = &json["verdict"];
    assert_eq!(v["objective"]["metric"], "loss_total", "{v}");
    assert_eq!(v["ranking"].as_array().unwrap().len(), 2, "{v}");
    assert!(v["p_best"].as_f64().is_some(), "{v}");
    // Another objective: the shards record it, and the merge ranks by it.
    assert_shards_merge_into_the_whole(
        &[
            "compare",
            FIXTURE,
            "-n",
            "12",
            "--no-charts",
            "--objective",
            "settled_on_time_ratio",
        ],
        3,
        dir.path(),
        "cmp_obj",
        &["compare.json", "compare.csv"],
    );
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("cmp_obj_m").join("compare.json")).unwrap(),
    )
    .unwrap();
    let o = &json["verdict"]["objective"];
    assert_eq!(
        (o["metric"].as_str(), o["direction"].as_str()),
        (Some("settled_on_time_ratio"), Some("max")),
        "{o}"
    );
    // sweep: a 2 × 2 grid, 5 runs in 2 shards.
    assert_shards_merge_into_the_whole(
        &[
            "sweep",
            FIXTURE,
            "--set",
            "issuers.bank.servers=3,4",
            "--set",
            "strategy.terminal_timeout=10s,30s",
            "-n",
            "5",
            "--no-charts",
        ],
        2,
        dir.path(),
        "sw",
        &["sweep.csv", "sweep.json", "scenario.toml"],
    );
    let sweep: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("sw").join("sweep.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(sweep["verdict"]["ranking"].as_array().unwrap().len(), 4);
}

/// A merged batch's report tells the same stories as the whole run's: the baseline (more than
/// 330,000 payments a run, where a census of run 0 would be sampled and could choose other
/// payments than the ones the whole batch keeps as it runs).
#[test]
fn a_merged_report_tells_the_whole_runs_stories() {
    let dir = tempfile::tempdir().unwrap();
    let scn = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/baseline.toml");
    assert_shards_merge_into_the_whole(
        &["run", scn, "-n", "2", "--no-charts"],
        2,
        dir.path(),
        "baseline",
        &["report.html", "summary.json"],
    );
}

#[test]
fn shards_of_another_objective_do_not_merge() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n);
    let base = [
        "compare",
        FIXTURE,
        "-n",
        "4",
        "--no-charts",
        "-q",
        "-t",
        "1",
    ];
    let one = p("one");
    let two = p("two");
    ok(&[&base[..], &["--shard", "1/2", "-o", one.to_str().unwrap()]].concat());
    ok(&[
        &base[..],
        &[
            "--shard",
            "2/2",
            "--objective",
            "declined",
            "-o",
            two.to_str().unwrap(),
        ],
    ]
    .concat());
    refused(
        &merge(&[one, two], &["-q", "-o", p("m").to_str().unwrap()]),
        &["scenario"],
    );
}

#[test]
fn merge_refuses_what_is_not_one_complete_batch() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n);
    let s = |n: &str| p(n).to_str().unwrap().to_owned();
    let base = ["run", FIXTURE, "--no-charts", "-q", "-t", "1"];
    let shard = |k: &str, extra: &[&str], out: &str| {
        ok(&[&base[..], &["--shard", k, "-o", &s(out)], extra].concat());
        p(out)
    };
    let s1 = shard("1/3", &[], "s1");
    let s2 = shard("2/3", &[], "s2");
    let s3 = shard("3/3", &[], "s3");
    let out = ["--no-charts", "-q", "-o"];
    let m =
        |parts: &[PathBuf], extra: &[&str]| merge(parts, &[&out[..], &[&s("m")], extra].concat());

    // Another seed.
    let seed = shard("2/3", &["-s", "99"], "seed");
    refused(
        &m(&[s1.clone(), seed, s3.clone()], &[]),
        &["seed", "seed/partial.json"],
    );
    // Another scenario (its text differs: one more server).
    let text = std::fs::read_to_string(FIXTURE)
        .unwrap()
        .replace("servers = 8", "servers = 9");
    std::fs::write(p("other.toml"), text).unwrap();
    let other = {
        ok(&[
            "run",
            &s("other.toml"),
            "--no-charts",
            "-q",
            "--shard",
            "2/3",
            "-o",
            &s("other"),
        ]);
        p("other")
    };
    refused(
        &m(&[s1.clone(), other, s3.clone()], &[]),
        &["scenario", "other/partial.json"],
    );
    // Overlapping slices: shard 1 of 2 holds runs 0–3, shard 1 of 3 runs 0–2.
    let half = shard("1/2", &[], "half");
    refused(
        &m(&[s1.clone(), half, s3.clone()], &[]),
        &["overlap", "half/partial.json", "s1/partial.json"],
    );
    // The same shard twice.
    refused(
        &m(&[s1.clone(), s1.clone(), s2.clone(), s3.clone()], &[]),
        &["overlap"],
    );
    // Incomplete: says which runs are missing (shard 2 of 3 of 9 runs: 3–5).
    let r = shard_ranges(9, 3);
    let missing = format!("{}–{}", r[1].0, r[1].1 - 1);
    refused(
        &m(&[s1.clone(), s3.clone()], &[]),
        &["missing", &missing, "--partial"],
    );
    assert!(!p("m").exists(), "nothing written");
    // It names the shard to run again, and --missing prints just it (Slurm's --array syntax).
    let got = m(&[s1.clone(), s3.clone()], &[]);
    assert!(String::from_utf8_lossy(&got.stderr).contains("--array=2 --export=ALL,M=3"));
    let got = merge(&[s3.clone(), s1.clone()], &["--missing"]);
    assert!(got.status.success());
    assert_eq!(String::from_utf8_lossy(&got.stdout), "2\n");
    let got = merge(&[s3.clone(), s1.clone()], &["--missing", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&got.stdout).unwrap();
    assert_eq!(v["shards_missing"], serde_json::json!([2]));
    assert_eq!(v["runs_missing"], serde_json::json!([[r[1].0, r[1].1]]));
    let got = merge(&[s1.clone(), s2.clone(), s3.clone()], &["--missing"]);
    assert_eq!(String::from_utf8_lossy(&got.stdout), "\n", "none missing");
    assert!(!p("m").exists(), "--missing writes nothing");
    // --partial merges what there is, says what is missing, and summary.json lists it.
    let got = m(&[s3.clone(), s1.clone()], &["--partial"]);
    assert!(
        got.status.success(),
        "{}",
        String::from_utf8_lossy(&got.stderr)
    );
    assert!(String::from_utf8_lossy(&got.stderr).contains(&missing));
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(p("m").join("summary.json")).unwrap())
            .unwrap();
    assert_eq!(
        summary["runs_missing"],
        serde_json::json!([[r[1].0, r[1].1]])
    );
    let held = 9 - (r[1].1 - r[1].0);
    assert_eq!(summary["runs"], held);
    assert_eq!(summary["metrics"]["payments"]["n"], held);
    let csv = std::fs::read_to_string(p("m").join("runs.csv")).unwrap();
    let runs: Vec<u64> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().parse().unwrap())
        .collect();
    let expect: Vec<u64> = (0..9).filter(|i| *i < r[1].0 || *i >= r[1].1).collect();
    assert_eq!(runs, expect, "the runs there are, in order");
    // A corrupted file: cut short, and a row that is not numbers.
    let text = std::fs::read_to_string(s2.join("partial.json")).unwrap();
    std::fs::write(p("cut.json"), &text[..text.len() / 2]).unwrap();
    refused(
        &m(&[s1.clone(), p("cut.json"), s3.clone()], &[]),
        &["cut.json"],
    );
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let row = v["designs"][0]["rows"][0]
        .as_str()
        .unwrap()
        .replacen(',', ",x", 1);
    v["designs"][0]["rows"][0] = row.into();
    std::fs::write(p("row.json"), v.to_string()).unwrap();
    // (Its checksum no longer fits: see shard_tamper.rs for values checked one by one.)
    refused(
        &m(&[s1.clone(), p("row.json"), s3.clone()], &[]),
        &["row.json", "damaged", "checksum"],
    );
    // A scenario text edited after the run no longer has its hash.
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let t = v["header"]["inputs"][0]["text"]
        .as_str()
        .unwrap()
        .replace("seed = 11", "seed = 12");
    v["header"]["inputs"][0]["text"] = t.into();
    std::fs::write(p("hash.json"), v.to_string()).unwrap();
    refused(
        &m(&[s1.clone(), p("hash.json"), s3.clone()], &[]),
        &["hash.json", "hash"],
    );
    // Not a partial result at all.
    refused(&m(&[p("nowhere")], &[]), &["nowhere"]);
    // And the complete set merges.
    let got = m(&[s2, s3, s1], &[]);
    assert!(
        got.status.success(),
        "{}",
        String::from_utf8_lossy(&got.stderr)
    );
}

/// The slices `[k·N/M, (k+1)·N/M)` the documentation promises.
fn shard_ranges(n: u64, m: u64) -> Vec<(u64, u64)> {
    (0..m).map(|k| (k * n / m, (k + 1) * n / m)).collect()
}

#[test]
fn shard_refuses_bad_splits() {
    for bad in ["0/3", "4/3", "3", "x/3", "1/0"] {
        let out = payfault(&["run", FIXTURE, "--shard", bad, "-q", "-o", "/nonexistent/x"]);
        refused(&out, &[bad, "K/M"]);
    }
    // The size limit is on the runs of one machine: a million runs in a million shards run one
    // each (shard 5 holds run 4), while half of 300,000 is above the default limit.
    let dir = tempfile::tempdir().unwrap();
    let one = dir.path().join("one");
    ok(&[
        "run",
        FIXTURE,
        "-n",
        "1000000",
        "--shard",
        "5/1000000",
        "--no-charts",
        "-q",
        "-o",
        one.to_str().unwrap(),
    ]);
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(one.join("partial.json")).unwrap()).unwrap();
    assert_eq!(
        (v["header"]["start"].as_u64(), v["header"]["end"].as_u64()),
        (Some(4), Some(5))
    );
    let out = payfault(&[
        "run",
        FIXTURE,
        "-n",
        "300000",
        "--shard",
        "1/2",
        "-o",
        "/nonexistent/x",
    ]);
    refused(&out, &["150000 runs on this machine", "limit"]);
    // More shards than runs would leave shards empty.
    let out = payfault(&[
        "run",
        FIXTURE,
        "-n",
        "2",
        "--shard",
        "1/3",
        "-o",
        "/nonexistent/x",
    ]);
    refused(&out, &["3 shards of 2 runs"]);
    let out = payfault(&[
        "compare",
        FIXTURE,
        "-n",
        "2",
        "--shard",
        "3/3",
        "-o",
        "/nonexistent/x",
    ]);
    refused(&out, &["3 shards of 2 runs"]);
}

#[test]
fn a_shard_holds_its_slice_of_the_runs() {
    let dir = tempfile::tempdir().unwrap();
    let (n, m) = (7u64, 3u64);
    let parts = shards(
        &["run", FIXTURE, "-n", &n.to_string(), "--no-charts"],
        m,
        dir.path(),
    );
    let ranges = shard_ranges(n, m);
    for (p, (start, end)) in parts.iter().zip(&ranges) {
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(p.join("partial.json")).unwrap())
                .unwrap();
        let h = &v["header"];
        assert_eq!(
            (h["start"].as_u64(), h["end"].as_u64()),
            (Some(*start), Some(*end))
        );
        assert_eq!(h["runs"], n);
        assert_eq!(h["payfault_version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(
            h["inputs"][0]["text"].as_str().unwrap(),
            std::fs::read_to_string(FIXTURE).unwrap()
        );
        assert_eq!(
            v["designs"][0]["rows"].as_array().unwrap().len() as u64,
            end - start
        );
    }
}

/// The shipped scripts of docs/scaling: the Slurm array job's tasks (as Slurm would start them:
/// the same script with SLURM_ARRAY_TASK_ID = 1..M, at once) and its merge step; and GNU
/// parallel on this machine where it is installed (it is not by default).
#[test]
fn the_scaling_scripts_shard_and_merge_into_the_whole_run() {
    let dir = tempfile::tempdir().unwrap();
    let whole = dir.path().join("whole");
    let seed = "7";
    ok(&[
        "run",
        FIXTURE,
        "-n",
        "5",
        "-s",
        seed,
        "--no-charts",
        "-q",
        "-o",
        whole.to_str().unwrap(),
    ]);
    let script = |name: &str| std::fs::canonicalize(format!("docs/scaling/{name}")).unwrap();
    let fixture = std::fs::canonicalize(FIXTURE).unwrap();
    let env = |c: &mut Command| {
        c.current_dir(dir.path())
            .env("PAYFAULT", bin())
            .env("SCENARIO", &fixture)
            .env("RUNS", "5")
            .env("SEED", seed)
            .env("ARGS", "--no-charts")
            .env("MERGE_ARGS", "--no-charts");
    };
    let tasks: Vec<_> = (1..=3)
        .map(|k| {
            let mut c = Command::new("bash");
            c.arg(script("slurm.sh"))
                .env("SLURM_ARRAY_TASK_ID", k.to_string())
                .env("SLURM_ARRAY_TASK_COUNT", "3")
                .env("OUT", "slurm");
            env(&mut c);
            c.spawn().unwrap()
        })
        .collect();
    for mut t in tasks {
        assert!(t.wait().unwrap().success());
    }
    // A re-submission of some tasks (sbatch --array=2: an array of one) must say M.
    let again = |m: Option<&str>| {
        let mut c = Command::new("bash");
        c.arg(script("slurm.sh"))
            .env("SLURM_ARRAY_TASK_ID", "2")
            .env("SLURM_ARRAY_TASK_COUNT", "1")
            .env("SLURM_ARRAY_TASK_MIN", "2")
            .env("SLURM_ARRAY_TASK_MAX", "2")
            .env("OUT", "again");
        env(&mut c);
        if let Some(m) = m {
            c.env("M", m);
        }
        c.output().unwrap()
    };
    let out = again(None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("M="));
    assert!(again(Some("3")).status.success());
    assert_eq!(
        std::fs::read(dir.path().join("again/shard-2-of-3/partial.json")).unwrap(),
        std::fs::read(dir.path().join("slurm/shard-2-of-3/partial.json")).unwrap()
    );
    let mut c = Command::new("bash");
    c.arg(script("slurm-merge.sh")).env("OUT", "slurm");
    env(&mut c);
    assert!(c.status().unwrap().success());
    assert_same_files(
        &whole,
        &dir.path().join("slurm/merged"),
        &["runs.csv", "summary.json"],
    );
    let has_parallel = Command::new("parallel")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if has_parallel {
        let mut c = Command::new("bash");
        c.arg(script("parallel.sh"))
            .env("HOSTS", ":")
            .env("M", "3")
            .env("THREADS", "1")
            .env("OUT", "par");
        env(&mut c);
        let out = c.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_same_files(
            &whole,
            &dir.path().join("par/merged"),
            &["runs.csv", "summary.json"],
        );
    } else {
        eprintln!("GNU parallel is not installed: docs/scaling/parallel.sh not tried");
    }
}

//! Same scenario and seed → byte-identical output, on one thread or many, run after run.

use payfault::model::{self, NoTrace};
use payfault::scenario::{self};
use std::fs;
use std::path::Path;

use crate::common::{load, payfault};

fn run_cli(out: &Path, threads: &str) {
    payfault()
        .args([
            "run",
            "scenarios/pipeline.toml",
            "--runs",
            "6",
            "--seed",
            "11",
            "--quiet",
            "--threads",
            threads,
            "--out",
        ])
        .arg(out)
        .assert()
        .success();
}

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn output_is_byte_identical_across_thread_counts_and_repeats() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b, c) = (
        tmp.path().join("t1"),
        tmp.path().join("t2"),
        tmp.path().join("t2-again"),
    );
    run_cli(&a, "1");
    run_cli(&b, "2");
    run_cli(&c, "2");
    let fa = files(&a);
    let names: Vec<&str> = fa.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "failure_share.png",
            "failure_share.svg",
            "histograms.json",
            "money_over_time.png",
            "money_over_time.svg",
            "outcomes_by_cause.png",
            "outcomes_by_cause.svg",
            "report.html",
            "runs.csv",
            "scenario.toml",
            "settlement_delay_cdf.png",
            "settlement_delay_cdf.svg",
            "station_utilisation.png",
            "station_utilisation.svg",
            "summary.json",
            "topology.svg"
        ],
        "exactly the promised files (charts and report included), no temporaries"
    );
    assert_eq!(fa, files(&b), "1 thread vs 2 threads");
    assert_eq!(fa, files(&c), "repeat");
    let csv = String::from_utf8(fa[8].1.clone()).unwrap();
    assert_eq!(csv.lines().count(), 7, "header and one row per run");
}

#[test]
fn a_run_depends_only_on_seed_and_index() {
    let s = scenario::baseline();
    let mut small = s.clone();
    small.traffic_window = payfault::engine::HOUR * 2;
    let a = model::simulate(&small, 3, 5, &mut NoTrace).unwrap();
    // Other runs in between must not matter.
    let _ = model::simulate(&small, 3, 4, &mut NoTrace).unwrap();
    let b = model::simulate(&small, 3, 5, &mut NoTrace).unwrap();
    assert_eq!(format!("{:?}", a.outcomes), format!("{:?}", b.outcomes));
    assert_eq!(
        (a.events, a.postings, a.payments),
        (b.events, b.postings, b.payments)
    );
    assert_eq!(a.settle_delay_ms, b.settle_delay_ms);
    let c = model::simulate(&small, 3, 6, &mut NoTrace).unwrap();
    assert_ne!(
        (a.events, a.payments),
        (c.events, c.payments),
        "different runs differ"
    );
}

#[test]
fn changing_one_knob_leaves_other_streams_alone() {
    // Turning on link loss must not change the traffic: same arrivals, same amounts.
    let s = load("scenarios/pipeline.toml");
    let mut lossy = s.clone();
    lossy.links.channel_issuer[0][0].loss = 0.01;
    let mut rec_a = model::Recorder {
        serials: (0..50).collect(),
        ..Default::default()
    };
    let mut rec_b = model::Recorder {
        serials: (0..50).collect(),
        ..Default::default()
    };
    let mut short = s.clone();
    short.traffic_window = payfault::engine::SECOND * 30;
    lossy.traffic_window = short.traffic_window;
    let a = model::simulate(&short, 1, 0, &mut rec_a).unwrap();
    let b = model::simulate(&lossy, 1, 0, &mut rec_b).unwrap();
    assert_eq!(a.payments, b.payments, "same arrivals");
    let created = |r: &model::Recorder| -> Vec<(u64, u64, String)> {
        r.steps
            .iter()
            .filter(|(_, _, s)| matches!(s, model::Step::Created { .. }))
            .map(|(t, n, s)| (*t, *n, format!("{s:?}")))
            .collect()
    };
    assert_eq!(
        created(&rec_a),
        created(&rec_b),
        "same sale times and amounts"
    );
}

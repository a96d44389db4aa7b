//! The engine against queueing theory. On fault-free tandems with Poisson arrivals and
//! exponential service, every station is an M/M/c queue (Burke's theorem: the departures of a
//! stable M/M/c queue are Poisson; iid link delays keep a Poisson stream Poisson), so its mean
//! wait in queue is given by the Erlang C formula, its utilisation is λ/(cμ), and Little's law
//! L_q = λ W_q holds in every run.
//!
//! Tolerance: the theoretical value must lie inside the 99.9% Student-t confidence interval of
//! the across-run mean (a fixed seed range, so the test is deterministic; 99.9% rather than 95%
//! because several quantities are checked at once).

use payfault::metrics::BatchResult as Batch;
use payfault::runner::{BatchOptions, run_batch};
use payfault::scenario::{self, Limits, Scenario};
use std::sync::atomic::AtomicBool;

use crate::common;
use common::assert_in_ci;
use common::load;

/// Erlang C: probability that an arrival waits in an M/M/c queue with offered load `a = λ/μ`.
fn erlang_c(c: u32, a: f64) -> f64 {
    let rho = a / c as f64;
    assert!(rho < 1.0);
    let mut term = 1.0; // a^k / k!
    let mut sum = 0.0;
    for k in 0..c {
        if k > 0 {
            term *= a / k as f64;
        }
        sum += term;
    }
    let top = term * a / c as f64 / (1.0 - rho); // a^c / c! / (1 - rho)
    top / (sum + top)
}

/// Mean wait in queue of M/M/c (seconds).
fn mmc_wait(lambda: f64, mu: f64, c: u32) -> f64 {
    erlang_c(c, lambda / mu) / (c as f64 * mu - lambda)
}

#[test]
fn erlang_c_matches_textbook_values() {
    // M/M/1: P(wait) = rho, Wq = rho / (mu - lambda).
    assert!((erlang_c(1, 0.5) - 0.5).abs() < 1e-12);
    assert!((mmc_wait(5.0, 10.0, 1) - 0.1).abs() < 1e-12);
    // M/M/2 with a = 1: C = 1/3 (Kleinrock, Queueing Systems vol. 1, eq. 3.40).
    assert!((erlang_c(2, 1.0) - 1.0 / 3.0).abs() < 1e-12);
}

fn run(s: &Scenario, runs: u64) -> Batch {
    let opts = BatchOptions {
        runs,
        seed: 2024,
        threads: 0,
    };
    run_batch(s, &opts, &AtomicBool::new(false), |_, _| Ok(()), |_| {})
        .expect("fault-free runs satisfy every invariant")
}

fn check_tandem(s: &Scenario, runs: u64, lambda: f64, stations: &[(&str, f64, u32)]) {
    let b = run(s, runs);
    for &(id, mean_service_s, c) in stations {
        let mu = 1.0 / mean_service_s;
        assert_in_ci(
            &b,
            &format!("queue_wait_mean_s.{id}"),
            mmc_wait(lambda, mu, c),
        );
        assert_in_ci(&b, &format!("utilization.{id}"), lambda / (c as f64 * mu));
        assert_in_ci(&b, &format!("arrival_rate.{id}"), lambda);
        // Little's law: L_q = λ W_q, within 2% (the wait and the queue length are measured
        // independently: one per customer, one as a time integral).
        let lq = b
            .summary(&format!("queue_len_mean.{id}"))
            .unwrap()
            .mean
            .unwrap();
        let wq = b
            .summary(&format!("queue_wait_mean_s.{id}"))
            .unwrap()
            .mean
            .unwrap();
        let lam = b
            .summary(&format!("arrival_rate.{id}"))
            .unwrap()
            .mean
            .unwrap();
        assert!(
            (lq - lam * wq).abs() <= 0.02 * lq,
            "{id}: Little's law L_q = {lq:.5} vs λW_q = {:.5}",
            lam * wq
        );
    }
    assert_eq!(
        b.summary("settled_on_time").unwrap().mean,
        b.summary("payments").unwrap().mean,
        "fault-free: every payment settles on time"
    );
}

#[test]
fn pipeline_stations_are_erlang_c_queues() {
    let s = load("scenarios/pipeline.toml");
    check_tandem(
        &s,
        24,
        50.0,
        &[
            ("gateway", 0.100, 8),
            ("scheme", 0.040, 4),
            ("bank", 0.060, 4),
        ],
    );
}

#[test]
fn a_second_tandem_with_heavier_load() {
    // Own parameters: 20/s through M/M/2 at rho 0.8, M/M/1 at rho 0.5, M/M/3 at rho 2/3.
    let text = std::fs::read_to_string("scenarios/pipeline.toml")
        .unwrap()
        .replace("name = \"pipeline\"", "name = \"tandem2\"")
        .replace("traffic_window = \"1h\"", "traffic_window = \"3h\"")
        .replace("rate = \"50/s\"", "rate = \"20/s\"")
        .replace(
            "servers = 8\nservice = { kind = \"exponential\", mean = \"100ms\" }",
            "servers = 2\nservice = { kind = \"exponential\", mean = \"80ms\" }",
        )
        .replace(
            "servers = 4\nservice = { kind = \"exponential\", mean = \"40ms\" }",
            "servers = 1\nservice = { kind = \"exponential\", mean = \"25ms\" }",
        )
        .replace(
            "servers = 4\nservice = { kind = \"exponential\", mean = \"60ms\" }",
            "servers = 3\nservice = { kind = \"exponential\", mean = \"100ms\" }",
        );
    let s = scenario::parse(&text, "tandem2", &Limits::default()).unwrap();
    assert_eq!(
        (
            s.gateway.servers,
            s.channels[0].station.servers,
            s.issuers[0].station.servers
        ),
        (2, 1, 3),
        "replacements applied"
    );
    check_tandem(
        &s,
        24,
        20.0,
        &[
            ("gateway", 0.080, 2),
            ("scheme", 0.025, 1),
            ("bank", 0.100, 3),
        ],
    );
}

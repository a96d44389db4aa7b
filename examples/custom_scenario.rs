//! A scenario built in code: a small network whose card-scheme switch is down for 20 minutes
//! at the lunch peak, run as a Monte Carlo batch from the library, with the money that did not
//! arrive printed with its 95% interval.
//!
//! ```sh
//! cargo run --release --example custom_scenario -- [TERMINALS] [OUTAGE_MINUTES]
//! ```
//!
//! The scenario is TOML text assembled from the arguments and validated exactly as a file
//! would be (`scenario::parse`): every field not given takes its documented default
//! (docs/scenarios.md). A batch's runs are independent replications keyed by (seed, run), so
//! the figures are the same on any number of threads.

use payfault::runner::{BatchOptions, run_batch};
use payfault::scenario::{self, Limits};
use std::sync::atomic::AtomicBool;

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let number = |i: usize, default: u32| -> Result<u32, String> {
        args.get(i)
            .map_or(Ok(default), |a| a.parse().map_err(|e| format!("{a}: {e}")))
    };
    let terminals = number(0, 200)?;
    let outage = number(1, 20)?;
    let text = format!(
        r#"
name = "custom"
description = "{terminals} terminals; the scheme is down for {outage} min at 12:00"

[simulation]
runs = 20
seed = 7
traffic_window = "24h"

[[terminals]]
id = "shops"
count = {terminals}
rate = "10/h"
amount = {{ kind = "lognormal", median = "30.00", p99 = "500.00" }}

[[channels]]
id = "scheme"
servers = 8
service = {{ kind = "lognormal", median = "25ms", p99 = "200ms" }}

[[issuers]]
id = "banks"
servers = 8
service = {{ kind = "lognormal", median = "40ms", p99 = "400ms" }}

[issuers.accounts]
count = 20000

[[faults]]
id = "scheme_down"
kind = "outage"
target = "scheme"
start = "12h"
duration = "{outage}m"
"#
    );
    let s = scenario::parse(&text, "<custom>", &Limits::default()).map_err(|e| e.to_string())?;
    let opts = BatchOptions {
        runs: s.runs,
        seed: s.seed,
        threads: 0,
    };
    let batch = run_batch(&s, &opts, &AtomicBool::new(false), |_, _| Ok(()), |_| {})
        .map_err(|e| e.to_string())?;
    println!("{}: {} runs", s.description, batch.runs);
    for name in [
        "payments",
        "timeouts",
        "reversed",
        "charged_without_sale",
        "settled_on_time_ratio",
        "loss_total",
    ] {
        let m = batch.summary(name).ok_or(format!("no metric {name}"))?;
        let f = |x: Option<f64>| x.map_or("-".to_owned(), |v| format!("{v:.4}"));
        println!(
            "  {name:<24} mean {:>14}  95% interval [{}, {}]",
            f(m.mean),
            f(m.ci95_low),
            f(m.ci95_high)
        );
    }
    Ok(())
}

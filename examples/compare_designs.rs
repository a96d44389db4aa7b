//! Designs compared from code: a scenario file's `[[variant]]` blocks run head to head on
//! common random numbers (run i of every design sees the same payments), then the verdict on
//! the money lost and the paired difference of a few metrics against the first design.
//!
//! ```sh
//! cargo run --release --example compare_designs -- [SCENARIO] [RUNS]
//! ```
//!
//! SCENARIO defaults to `scenarios/retry_idempotency.toml`, RUNS to 20. The same numbers as
//! `payfault compare SCENARIO --runs RUNS`, without its files.

use payfault::runner::BatchOptions;
use payfault::runner::compare::compare;
use payfault::scenario::{Limits, variants};
use std::sync::atomic::AtomicBool;

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let path = args
        .first()
        .map_or("scenarios/retry_idempotency.toml", String::as_str);
    let runs = args
        .get(1)
        .map_or(Ok(20), |a| a.parse().map_err(|e| format!("{a}: {e}")))?;
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let v = variants::parse_variants(&text, path, &Limits::default()).map_err(|e| e.to_string())?;
    if v.designs.len() < 2 {
        return Err(format!(
            "{path} declares fewer than two [[variant]] designs"
        ));
    }
    let opts = BatchOptions {
        runs,
        seed: v.base.seed,
        threads: 0,
    };
    let c =
        compare(&v.designs, &opts, &AtomicBool::new(false), |_| {}).map_err(|e| e.to_string())?;
    let verdict = &c.verdict;
    println!(
        "{} designs, {} runs each; objective {} (lower is better)",
        c.names.len(),
        runs,
        verdict.objective.metric
    );
    match (&verdict.best, verdict.decided) {
        (Some(best), true) => println!(
            "verdict: {best} is the best at {:.0}% confidence",
            100.0 * verdict.confidence
        ),
        (Some(best), false) => println!(
            "verdict: undecided; {best} leads, the contenders are {}",
            verdict.contenders.join(", ")
        ),
        (None, _) => println!("verdict: none (no runs)"),
    }
    let names = c.metric_names();
    for metric in ["loss_total", "charged_without_sale", "duplicate_charges"] {
        let Some(i) = names.iter().position(|n| n == metric) else {
            continue;
        };
        println!("{metric}, difference against {}:", c.names[0]);
        for (k, design) in c.names.iter().enumerate().skip(1) {
            let Some(d) = &c.differences[k][i] else {
                continue;
            };
            let f = |x: Option<f64>| x.map_or("-".to_owned(), |v| format!("{v:+.2}"));
            println!(
                "  {design:<20} {:>10}  95% [{}, {}]{}",
                f(d.mean),
                f(d.ci95_low),
                f(d.ci95_high),
                if d.excludes_zero { "  (differs)" } else { "" }
            );
        }
    }
    Ok(())
}

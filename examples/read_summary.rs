//! Reading a result folder's `summary.json` from a program: what a dashboard or a notebook
//! does with `payfault run`'s output. It prints the headline figures with their intervals,
//! the method each interval was made with and its warnings, and the metrics the scenario
//! cannot produce (`off`, with the reason).
//!
//! ```sh
//! payfault run scenarios/outage.toml --out output/outage
//! cargo run --release --example read_summary -- output/outage
//! ```
//!
//! Without a folder, it runs the built-in baseline (5 runs) into a temporary folder first. The
//! file's fields are described in docs/STATISTICS.md (section 1).

use payfault::report::folder::{View, run_to_dir};
use payfault::runner::BatchOptions;
use serde_json::Value;
use std::path::PathBuf;

fn main() -> Result<(), String> {
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let dir = match std::env::args().nth(1) {
        Some(d) => PathBuf::from(d),
        None => {
            let s = payfault::scenario::baseline();
            let opts = BatchOptions {
                runs: 5,
                seed: s.seed,
                threads: 0,
            };
            let view = View {
                lang: payfault::i18n::Lang::En,
                charts: false,
            };
            run_to_dir(&s, &opts, tmp.path(), true, view).map_err(|e| e.to_string())?;
            tmp.path().to_owned()
        }
    };
    let file = dir.join("summary.json");
    let text = std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
    let summary: Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", file.display()))?;
    println!(
        "{}: {} runs, seed {}",
        summary["scenario"].as_str().unwrap_or("?"),
        summary["runs"],
        summary["seed"]
    );
    let metrics = summary["metrics"]
        .as_object()
        .ok_or(format!("{}: no metrics", file.display()))?;
    for name in [
        "payments",
        "settled_on_time_ratio",
        "not_arrived_amount",
        "loss_total",
    ] {
        let Some(m) = metrics.get(name) else {
            continue;
        };
        let warnings: Vec<&str> = m["warnings"]
            .as_array()
            .map(|w| w.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        println!(
            "  {name:<24} mean {:<12} 95% [{}, {}] by {}{}",
            num(&m["mean"]),
            num(&m["ci95_low"]),
            num(&m["ci95_high"]),
            m["ci_method"].as_str().unwrap_or("-"),
            if warnings.is_empty() {
                String::new()
            } else {
                format!("; warnings: {}", warnings.join(", "))
            }
        );
    }
    let off: Vec<String> = metrics
        .iter()
        .filter_map(|(k, m)| Some(format!("{k} ({})", m.get("off")?.as_str()?)))
        .collect();
    println!("{} metrics off in this scenario, e.g.:", off.len());
    for o in off.iter().take(5) {
        println!("  {o}");
    }
    Ok(())
}

/// A figure to four decimals, or `null` as `-`.
fn num(v: &Value) -> String {
    v.as_f64().map_or("-".to_owned(), |x| format!("{x:.4}"))
}

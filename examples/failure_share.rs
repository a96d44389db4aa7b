//! The share of sales that failed at the till, over a scenario's fault windows and by quarter
//! hour, summed over several runs: the figures and the chart of the Visa reconstruction in
//! `scenarios/README.md`.
//!
//! ```sh
//! cargo run --release --example failure_share -- scenarios/visa_2018.toml [RUNS] [SEED] [OUT]
//! ```
//!
//! RUNS defaults to the scenario's `[expect]` runs (else `simulation.runs`), SEED to its seed.
//! Each run is replayed with the sampling tracer (`model::probe::sample_run`, the run of the
//! batch), whose counts say, by the minute of the sale, how many sales were made, how many of
//! their tills showed a system failure (no answer, or a decline that is neither the issuer's
//! genuine one nor a suspected fraud) and how many were a cardholder's repeat. The window is
//! from the earliest start to the latest end of the faults' first windows. With OUT, the
//! quarter-hour chart is written there as `failure_share.svg` and `.png` (English).

use payfault::engine::{MINUTE, Nanos};
use payfault::i18n::Lang;
use payfault::model::probe::{BUCKET, TillBuckets, sample_run};
use payfault::scenario::{self, Limits};
use rayon::prelude::*;

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let path = args
        .first()
        .ok_or("usage: failure_share SCENARIO [RUNS] [SEED] [OUT]")?;
    let s = scenario::load(path.as_ref(), &Limits::default()).map_err(|e| e.to_string())?;
    let number = |i: usize, default: u64| -> Result<u64, String> {
        args.get(i)
            .map_or(Ok(default), |a| a.parse().map_err(|e| format!("{a}: {e}")))
    };
    let expect = s.expect.as_ref();
    let runs = number(1, expect.map_or(s.runs, |e| e.runs))?;
    let seed = number(2, expect.map_or(s.seed, |e| e.seed))?;
    let series: Vec<_> = (0..runs)
        .into_par_iter()
        .map(|run| sample_run(&s, seed, run, 2).map_err(|e| e.to_string()))
        .collect::<Result<_, _>>()?;
    let mut till = TillBuckets::default();
    for ts in &series {
        till.add(&ts.till);
    }
    let firsts: Vec<(Nanos, Nanos)> = series[0]
        .faults
        .iter()
        .filter_map(|f| f.windows.first().copied())
        .collect();
    let from = firsts.iter().map(|w| w.0).min().unwrap_or(0);
    let to = firsts
        .iter()
        .map(|w| w.1)
        .max()
        .unwrap_or(s.traffic_window)
        .min(s.traffic_window);
    let (a, b) = ((from / BUCKET) as usize, to.div_ceil(BUCKET) as usize);
    let (sales, failed, repeats) = till.totals(a, b);
    let n = runs as f64;
    println!("{} ({runs} runs, seed {seed})", s.name);
    println!(
        "window {} to {}: {:.0} sales a run, {:.0} failed at the till: {:.2}%",
        clock(from),
        clock(to),
        sales as f64 / n,
        failed as f64 / n,
        100.0 * failed as f64 / sales.max(1) as f64
    );
    let purchases = sales - repeats;
    let lost = failed - repeats;
    println!(
        "failed attempts {:.0} of {:.0} sales; failed purchases {:.0} of {:.0} purchases \
         ({:.2}%); repeats {:.0}; purchases/attempts failed {:.3}",
        failed as f64 / n,
        sales as f64 / n,
        lost as f64 / n,
        purchases as f64 / n,
        100.0 * lost as f64 / purchases.max(1) as f64,
        repeats as f64 / n,
        lost as f64 / failed.max(1) as f64
    );
    println!("quarter hour  sales/run  failed share");
    // The quarter hours wholly inside the window.
    let q = till.coarse(15);
    let (qa, qb) = (a.div_ceil(15), b / 15);
    let mut shares = vec![];
    for k in qa..qb.min(q.sales.len()) {
        let share = q.failed.get(k).copied().unwrap_or(0) as f64 / q.sales[k].max(1) as f64;
        shares.push(share);
        println!(
            "{}        {:>8.0}  {:>6.2}%",
            clock(k as u64 * 15 * BUCKET),
            q.sales[k] as f64 / n,
            100.0 * share
        );
    }
    let lo = shares.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = shares.iter().copied().fold(0.0, f64::max);
    println!(
        "quarter hours wholly in the window: from {:.2}% to {:.2}%",
        100.0 * lo,
        100.0 * hi
    );
    if let Some(out) = args.get(3) {
        let chart = payfault::report::charts::failure_share_chart(
            &till,
            &series[0].faults,
            s.traffic_window,
            runs as usize,
            Lang::En,
        )?;
        std::fs::create_dir_all(out).map_err(|e| e.to_string())?;
        for (ext, bytes) in [("svg", chart.svg.as_bytes()), ("png", &chart.png[..])] {
            let p = std::path::Path::new(out).join(format!("{}.{ext}", chart.name));
            std::fs::write(&p, bytes).map_err(|e| format!("{}: {e}", p.display()))?;
            println!("wrote {}", p.display());
        }
    }
    Ok(())
}

/// A time as `hh:mm` from the start of its day (with the day when it is not day 0).
fn clock(t: Nanos) -> String {
    let m = t / MINUTE;
    let (d, h, mm) = (m / 1440, (m / 60) % 24, m % 60);
    if d == 0 {
        format!("{h:02}:{mm:02}")
    } else {
        format!("d{d} {h:02}:{mm:02}")
    }
}

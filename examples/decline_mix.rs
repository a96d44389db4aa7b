//! The approval rate and the decline mix by response code of one run of a scenario, as the
//! terminals saw them: the figures behind the calibration of `scenarios/baseline.toml`.
//!
//! ```sh
//! cargo run --release --example decline_mix -- scenarios/baseline.toml [RUN] [SEED]
//! ```
//!
//! Every payment is traced (only its answer and outcome are kept), so the run is a few times
//! slower than an untraced one.

use payfault::engine::Nanos;
use payfault::model::payment::code;
use payfault::model::{self, Step, Tracer};
use payfault::scenario::{self, Limits};
use std::collections::{BTreeMap, HashMap};

#[derive(Default)]
struct Mix {
    /// What each payment's till showed so far (absent: no answer yet).
    till: HashMap<u64, u8>,
    /// Till answers by code, over all payments.
    answers: BTreeMap<u8, u64>,
    /// Payments the terminal gave up on.
    timeouts: u64,
    /// Declined payments (outcome `declined`) by the code their till showed (255: no answer).
    declined: BTreeMap<u8, u64>,
    outcomes: BTreeMap<&'static str, u64>,
}

impl Tracer for Mix {
    const ON: bool = true;
    fn wants(&self, _: u64) -> bool {
        true
    }
    fn record(&mut self, _: Nanos, serial: u64, step: Step) {
        match step {
            Step::Answered { code } => {
                self.till.insert(serial, code);
                *self.answers.entry(code).or_default() += 1;
            }
            Step::TimedOut => self.timeouts += 1,
            Step::Outcome { outcome, .. } => {
                let c = self.till.remove(&serial).unwrap_or(code::NONE);
                *self.outcomes.entry(outcome).or_default() += 1;
                if outcome == "declined" {
                    *self.declined.entry(c).or_default() += 1;
                }
            }
            _ => {}
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let path = args
        .first()
        .map_or("scenarios/baseline.toml", String::as_str);
    let run: u64 = args.get(1).map_or(0, |a| a.parse().expect("RUN: a number"));
    let s = scenario::load(path.as_ref(), &Limits::default()).unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(2)
    });
    let seed: u64 = args
        .get(2)
        .map_or(s.seed, |a| a.parse().expect("SEED: a number"));
    let mut mix = Mix::default();
    let out = model::simulate(&s, seed, run, &mut mix).unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(1)
    });
    let n = out.payments as f64;
    let pct = |k: u64, of: f64| 100.0 * k as f64 / of;
    println!(
        "{} (run {run}, seed {seed}): {} payments",
        s.name, out.payments
    );
    let approved = mix.answers.get(&code::APPROVED).copied().unwrap_or(0);
    let answered: u64 = mix.answers.values().sum();
    println!(
        "till approved {approved} ({:.2}% of payments); declined {} ({:.2}%); no answer {} ({:.3}%)",
        pct(approved, n),
        answered - approved,
        pct(answered - approved, n),
        mix.timeouts,
        pct(mix.timeouts, n),
    );
    let declined: u64 = mix.declined.values().sum();
    println!("\ndeclined payments ({declined}) by the code the till showed:");
    println!("code  meaning                            count   % of declines  % of payments");
    for (&c, &k) in &mix.declined {
        let label = if c == code::NONE {
            "--".to_string()
        } else {
            format!("{c:02}")
        };
        println!(
            "{label:<5} {:<32} {k:>8} {:>14.1} {:>14.3}",
            if c == code::NONE {
                "no answer (timed out)"
            } else {
                code::describe(c)
            },
            pct(k, declined as f64),
            pct(k, n),
        );
    }
    println!("\noutcomes:");
    for (o, k) in &mix.outcomes {
        println!("  {o:<22} {k:>8} {:>8.3}%", pct(*k, n));
    }
}

//! Coverage of the 95% intervals of a mean across runs, measured by simulation against known
//! truths: for each kind of figure, batches of `n` runs drawn from a distribution whose mean is
//! known, and the share of batches whose interval contains it. Compares Student's t alone (the
//! method before issue 22) with the method payfault now uses for that kind (see
//! `src/metrics/interval.rs` and docs/STATISTICS.md).
//!
//! ```sh
//! cargo run --release --example interval_coverage            # 4000 batches per cell
//! cargo run --release --example interval_coverage -- 20000   # more
//! ```

use payfault::metrics::interval::{Method, Sample, Scale, of};
use payfault::metrics::{Accumulator, Unit};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Exp, Gamma, Poisson};

type Draw = Box<dyn Fn(&mut ChaCha8Rng) -> f64>;

fn poisson(l: f64) -> Draw {
    let p = Poisson::new(l).unwrap();
    Box::new(move |r| p.sample(r))
}

fn neg_binomial(m: f64, k: f64) -> Draw {
    let g = Gamma::new(k, m / k).unwrap();
    Box::new(move |r| Poisson::new(g.sample(r).max(1e-12)).unwrap().sample(r))
}

fn compound(l: f64) -> Draw {
    let p = Poisson::new(l).unwrap();
    let a = Gamma::new(2.0, 150.0).unwrap();
    Box::new(move |r| (0..p.sample(r) as u64).map(|_| a.sample(r)).sum())
}

/// Mean wait of 200 customers of a stationary M/M/1 queue with ρ = 0.5, μ = 1 (W_q = 1).
fn mm1() -> Draw {
    let (ia, sv, tail) = (
        Exp::new(0.5).unwrap(),
        Exp::new(1.0).unwrap(),
        Exp::new(0.5).unwrap(),
    );
    Box::new(move |r| {
        let mut w: f64 = if r.random::<f64>() < 0.5 {
            tail.sample(r)
        } else {
            0.0
        };
        let mut sum = 0.0;
        for _ in 0..200 {
            sum += w;
            w = (w + sv.sample(r) - ia.sample(r)).max(0.0);
        }
        sum / 200.0
    })
}

fn main() {
    let reps: u32 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(4000);
    let count = Scale {
        zero: 1.0,
        phi: Some(1.0),
    };
    let money = Scale {
        zero: 300.0,
        phi: Some(450.0),
    };
    let cont = Scale {
        zero: 1.0,
        phi: None,
    };
    let cases: Vec<(String, Unit, Scale, f64, Draw)> = vec![
        (
            "Poisson 0.02".into(),
            Unit::Count,
            count,
            0.02,
            poisson(0.02),
        ),
        ("Poisson 0.1".into(), Unit::Count, count, 0.1, poisson(0.1)),
        ("Poisson 0.3".into(), Unit::Count, count, 0.3, poisson(0.3)),
        ("Poisson 1".into(), Unit::Count, count, 1.0, poisson(1.0)),
        ("Poisson 3".into(), Unit::Count, count, 3.0, poisson(3.0)),
        ("Poisson 30".into(), Unit::Count, count, 30.0, poisson(30.0)),
        (
            "NB mean 0.3 k 1".into(),
            Unit::Count,
            count,
            0.3,
            neg_binomial(0.3, 1.0),
        ),
        (
            "NB mean 3 k 1".into(),
            Unit::Count,
            count,
            3.0,
            neg_binomial(3.0, 1.0),
        ),
        (
            "NB mean 3 k 0.5".into(),
            Unit::Count,
            count,
            3.0,
            neg_binomial(3.0, 0.5),
        ),
        (
            "NB mean 30 k 2".into(),
            Unit::Count,
            count,
            30.0,
            neg_binomial(30.0, 2.0),
        ),
        (
            "amounts, 0.2 a run".into(),
            Unit::Money,
            money,
            60.0,
            compound(0.2),
        ),
        (
            "amounts, 1 a run".into(),
            Unit::Money,
            money,
            300.0,
            compound(1.0),
        ),
        (
            "amounts, 5 a run".into(),
            Unit::Money,
            money,
            1500.0,
            compound(5.0),
        ),
        ("M/M/1 mean wait".into(), Unit::Seconds, cont, 1.0, mm1()),
    ];
    println!("coverage of 95% intervals, {reps} batches per cell (standard error about 0.004)");
    println!(
        "{:<22} {:>4}  {:>9}  {:>9}  {:>14}",
        "runs per batch: truth", "n", "t alone", "payfault", "payfault method"
    );
    for (name, unit, scale, truth, draw) in &cases {
        for n in [5u64, 10, 30, 100] {
            let mut rng = ChaCha8Rng::seed_from_u64(n * 1000 + truth.to_bits() % 997);
            let (mut t_hit, mut p_hit) = (0u32, 0u32);
            let mut used = Method::StudentT;
            for _ in 0..reps {
                let mut a = Accumulator::default();
                (0..n).for_each(|_| a.push(draw(&mut rng)));
                let s = a.summary_of(*unit, *scale);
                let sample = Sample {
                    n,
                    mean: s.mean.unwrap(),
                    std: s.std.unwrap(),
                    scale: *scale,
                };
                let (tl, th) = of(Method::StudentT, sample, unit.bounds(), 0.95).unwrap();
                t_hit += u32::from(tl <= *truth && *truth <= th);
                let (pl, ph) = (s.ci95_low.unwrap(), s.ci95_high.unwrap());
                p_hit += u32::from(pl <= *truth && *truth <= ph);
                if s.ci_method != Some(Method::RuleOfThree) {
                    used = s.ci_method.unwrap();
                }
            }
            println!(
                "{:<22} {:>4}  {:>9.3}  {:>9.3}  {:>14}",
                name,
                n,
                t_hit as f64 / reps as f64,
                p_hit as f64 / reps as f64,
                used.name()
            );
        }
    }
}

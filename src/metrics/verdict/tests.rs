//! The verdict on constructed rows, and the error rates of its ranking measured by simulation
//! on synthetic designs with known means (docs/STATISTICS.md (§3) quotes these figures;
//! `cargo test --profile ci --lib verdict -- --nocapture` prints them).

use super::*;
use crate::engine::rng::Stream;

fn names(k: usize) -> Vec<String> {
    (0..k).map(|i| format!("d{i}")).collect()
}

fn some(rows: &[Vec<f64>]) -> Vec<Vec<Option<f64>>> {
    rows.iter()
        .map(|r| r.iter().map(|&x| Some(x)).collect())
        .collect()
}

/// A standard normal variate (Box–Muller, one of the pair).
fn normal(s: &mut Stream) -> f64 {
    let (u, v) = (s.uniform_open0(), s.uniform());
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

/// `n` runs of designs with `means`: a shared noise per run (common random numbers, sd
/// `common`) plus each design's own noise (sd `own`).
fn normal_rows(s: &mut Stream, means: &[f64], n: usize, common: f64, own: f64) -> Vec<Vec<f64>> {
    let shared: Vec<f64> = (0..n).map(|_| common * normal(s)).collect();
    means
        .iter()
        .map(|m| shared.iter().map(|c| m + c + own * normal(s)).collect())
        .collect()
}

/// A Poisson count of mean `lambda` by inversion of the uniform `u`.
fn poisson(lambda: f64, u: f64) -> u64 {
    let (mut k, mut p) = (0u64, (-lambda).exp());
    let mut cdf = p;
    while u > cdf && k < 10_000 {
        k += 1;
        p *= lambda / k as f64;
        cdf += p;
    }
    k
}

/// Skewed rows like `loss_total`: each design loses `count × amount` per run, where the count
/// of incidents is Poisson with the design's rate, drawn by inversion of one uniform shared by
/// every design (common random numbers: a bad run is bad for all), and the amounts are
/// lognormal (σ = 1), shared too. True mean of design i: `rates[i] × e^{1/2}`.
fn loss_rows(s: &mut Stream, rates: &[f64], n: usize) -> Vec<Vec<f64>> {
    let runs: Vec<(f64, Vec<f64>)> = (0..n)
        .map(|_| {
            let u = s.uniform();
            let amounts = (0..16).map(|_| normal(s).exp()).collect();
            (u, amounts)
        })
        .collect();
    rates
        .iter()
        .map(|&l| {
            runs.iter()
                .map(|(u, a)| a[..poisson(l, *u).min(16) as usize].iter().sum())
                .collect()
        })
        .collect()
}

#[test]
fn a_clear_best_is_named_with_high_confidence() {
    let mut s = Stream::new(1, 0, "test/verdict/clear");
    let rows = normal_rows(&mut s, &[15.0, 10.0, 12.0], 20, 5.0, 0.5);
    let v = verdict(&Objective::default(), &names(3), &some(&rows), 7);
    assert_eq!(v.best.as_deref(), Some("d1"));
    assert!(v.decided, "{v:#?}");
    assert_eq!(v.contenders, ["d1"]);
    assert!(v.p_best.unwrap() > 0.99, "{v:#?}");
    let order: Vec<&str> = v.ranking.iter().map(|r| r.design.as_str()).collect();
    assert_eq!(order, ["d1", "d2", "d0"]);
    assert_eq!(v.ranking[0].status, Status::Best);
    assert!(v.ranking[1..].iter().all(|r| r.status == Status::Worse));
    // The leaders: d1 − d2 about −2, its bounds below zero; d2 − d1 bounds above zero.
    let l = v.leaders.as_ref().unwrap();
    assert_eq!((l.first.as_str(), l.second.as_str()), ("d1", "d2"));
    assert!(l.high.unwrap() < 0.0 && (l.mean + 2.0).abs() < 0.6, "{l:?}");
    let vs = v.ranking[1].vs_best.as_ref().unwrap();
    assert!(vs.low > 0.0, "{vs:?}");
    // MCB: the best's interval is [negative, 0], the others' [0, positive].
    assert_eq!(v.ranking[0].mcb_high, Some(0.0));
    assert!(v.ranking[0].mcb_low.unwrap() < 0.0);
    assert_eq!(v.ranking[2].mcb_low, Some(0.0));
    assert!(v.runs_needed.is_none());
    // Without common random numbers' pairing the shared noise (sd 5) would hide a gap of 2
    // at 20 runs; paired, it does not.
    assert_eq!((v.runs, v.runs_without_value), (20, 0));
    // The same rows give the same verdict, byte for byte.
    let again = verdict(&Objective::default(), &names(3), &some(&rows), 7);
    assert_eq!(
        serde_json::to_string(&v).unwrap(),
        serde_json::to_string(&again).unwrap()
    );
}

#[test]
fn identical_designs_cannot_be_told_apart_by_any_number_of_runs() {
    let mut s = Stream::new(2, 0, "test/verdict/same");
    let mut rows = normal_rows(&mut s, &[10.0, 20.0], 15, 3.0, 1.0);
    rows.push(rows[0].clone());
    let v = verdict(&Objective::default(), &names(3), &some(&rows), 7);
    assert!(!v.decided);
    assert_eq!(v.contenders, ["d0", "d2"]);
    assert_eq!(v.identical, ["d2"]);
    assert_eq!(v.runs_needed, None, "no number of runs separates them");
    assert_eq!(v.ranking[0].p_best, Some(0.5));
    assert_eq!(v.ranking[1].p_best, Some(0.5));
    assert_eq!(v.ranking[2].status, Status::Worse);
    let l = v.leaders.unwrap();
    assert_eq!((l.mean, l.low, l.high), (0.0, Some(0.0), Some(0.0)));
}

#[test]
fn a_twin_and_a_close_contender_each_get_their_answer() {
    // d0 leads; d1 is d0 again; d2 is close: 0.3 dearer on average, ±1 run by run.
    let mut s = Stream::new(4, 0, "test/verdict/twin");
    let base = normal_rows(&mut s, &[10.0], 12, 4.0, 1.0).remove(0);
    let close: Vec<f64> = (0..12)
        .map(|r| base[r] + 0.3 + if r % 2 == 0 { 1.0 } else { -1.0 })
        .collect();
    let rows = vec![base.clone(), base, close];
    let v = verdict(&Objective::default(), &names(3), &some(&rows), 7);
    assert!(!v.decided);
    assert_eq!(v.identical, ["d1"]);
    assert_eq!(v.contenders.len(), 3, "{v:#?}");
    assert!(v.runs_needed.unwrap() > 12, "{v:#?}");
}

#[test]
fn close_designs_are_undecided_with_the_runs_that_would_decide() {
    // A true gap of 0.3 with a paired spread of about 1.4: 12 runs cannot tell; about
    // (1.96 + …)² · 2 / 0.09 ≈ 100 runs would.
    let mut s = Stream::new(3, 0, "test/verdict/close");
    let rows = normal_rows(&mut s, &[10.0, 10.3], 12, 4.0, 1.0);
    let v = verdict(&Objective::default(), &names(2), &some(&rows), 7);
    assert!(!v.decided, "{v:#?}");
    assert_eq!(v.contenders.len(), 2);
    assert!(v.identical.is_empty());
    let need = v.runs_needed.expect("an estimate");
    assert!(need > 12, "{need}");
    assert!(v.p_best.unwrap() < 0.99, "{v:#?}");
    // With the runs it asked for (from the same designs), the verdict is usually reached.
    let mut decided = 0;
    for rep in 0..20 {
        let mut s = Stream::new(3, rep, "test/verdict/close-more");
        let rows = normal_rows(&mut s, &[10.0, 10.3], 1000, 4.0, 1.0);
        let v = verdict(&Objective::default(), &names(2), &some(&rows), 7);
        decided += v.decided as u32;
    }
    assert!(decided >= 15, "{decided} of 20 decided with 1000 runs");
}

#[test]
fn higher_is_better_ranks_the_other_way_and_keeps_raw_units() {
    let rows = vec![
        vec![0.90, 0.92, 0.91, 0.93, 0.90],
        vec![0.95, 0.96, 0.96, 0.97, 0.95],
    ];
    let o = Objective::parse("settled_on_time_ratio").unwrap();
    assert_eq!(o.direction, Direction::Max);
    let v = verdict(&o, &names(2), &some(&rows), 1);
    assert_eq!(v.best.as_deref(), Some("d1"));
    assert!(v.decided);
    let l = v.leaders.unwrap();
    assert!(l.mean > 0.04 && l.low.unwrap() > 0.0, "{l:?}");
    let worse = &v.ranking[1];
    assert!((worse.mean.unwrap() - 0.912).abs() < 1e-9);
    assert!(worse.vs_best.as_ref().unwrap().high < 0.0);
    // MCB for max: the best minus the highest of the others is [0, positive].
    assert_eq!(v.ranking[0].mcb_low, Some(0.0));
    assert!(v.ranking[0].mcb_high.unwrap() > 0.0);
}

#[test]
fn objectives_parse_with_a_direction_and_refuse_nonsense() {
    let o = Objective::parse("loss_total").unwrap();
    assert_eq!(
        (o.metric.as_str(), o.direction),
        ("loss_total", Direction::Min)
    );
    let o = Objective::parse("payments:max").unwrap();
    assert_eq!(o.direction, Direction::Max);
    let o = Objective::parse("settled_on_time_ratio:min").unwrap();
    assert_eq!(o.direction, Direction::Min);
    let e = Objective::parse("loss_total:down").unwrap_err();
    assert!(e.contains("`min`") && e.contains("`max`"), "{e}");
    assert!(
        Objective::parse(":max")
            .unwrap_err()
            .contains("name a metric")
    );
    let s = crate::scenario::baseline();
    let cat = crate::metrics::Catalogue::for_scenario(&s);
    let e = Objective::parse("los_total")
        .unwrap()
        .check([("a", &cat)])
        .unwrap_err();
    assert!(e.contains("did you mean \"loss_total\""), "{e}");
    assert!(e.contains("design \"a\""), "{e}");
    Objective::default().check([("a", &cat)]).unwrap();
}

#[test]
fn runs_without_the_objective_are_left_out_and_tiny_batches_say_nothing() {
    let v = verdict(
        &Objective::default(),
        &names(2),
        &[
            vec![Some(1.0), None, Some(2.0)],
            vec![Some(3.0), Some(1.0), Some(4.0)],
        ],
        1,
    );
    assert_eq!((v.runs, v.runs_without_value), (2, 1));
    let one = verdict(
        &Objective::default(),
        &names(2),
        &[vec![Some(1.0)], vec![Some(3.0)]],
        1,
    );
    assert!(!one.decided && one.critical_t.is_none() && one.p_best.is_none());
    assert_eq!(one.best.as_deref(), Some("d0"));
    let none = verdict(
        &Objective::default(),
        &names(2),
        &[vec![None], vec![None]],
        1,
    );
    assert_eq!((none.best, none.decided, none.runs), (None, false, 0));
    assert!(none.ranking.iter().all(|r| r.mean.is_none()));
    let single = verdict(&Objective::default(), &names(1), &[vec![Some(1.0)]], 1);
    assert_eq!(single.best.as_deref(), Some("d0"));
}

/// Error rates of the MCB over `reps` synthetic comparisons drawn by `draw`, whose true means
/// are `truth` (lower is better), with `resamples` bootstrap resamples for the bootstrap-t
/// (0: Student's t alone): (simultaneous coverage of the k intervals of "design minus the
/// best of the others", share of comparisons whose contenders hold the true best, share
/// decided on the true best, share decided on a wrong design).
fn error_rates(
    reps: u64,
    truth: &[f64],
    resamples: u64,
    mut draw: impl FnMut(&mut Stream) -> Vec<Vec<f64>>,
    name: &str,
) -> (f64, f64, f64, f64) {
    let k = truth.len();
    let best = (0..k)
        .min_by(|&a, &b| truth[a].total_cmp(&truth[b]))
        .unwrap();
    let theta: Vec<f64> = (0..k)
        .map(|i| {
            let other = (0..k)
                .filter(|&j| j != i)
                .map(|j| truth[j])
                .fold(f64::INFINITY, f64::min);
            truth[i] - other
        })
        .collect();
    let (mut cover, mut held, mut right, mut wrong) = (0u64, 0u64, 0u64, 0u64);
    for rep in 0..reps {
        let mut s = Stream::new(rep, 0, name);
        let rows = draw(&mut s);
        let m = mcb_of(&rows, rep, resamples).unwrap();
        cover += (0..k).all(|i| m.low[i] <= theta[i] && theta[i] <= m.high[i]) as u64;
        held += m.contender[best] as u64;
        let left: Vec<usize> = (0..k).filter(|&i| m.contender[i]).collect();
        if left.len() == 1 {
            if left[0] == best {
                right += 1;
            } else {
                wrong += 1;
            }
        }
    }
    let r = reps as f64;
    let out = (
        cover as f64 / r,
        held as f64 / r,
        right as f64 / r,
        wrong as f64 / r,
    );
    println!(
        "{name} ({} bounds, {resamples} resamples): {reps} comparisons: simultaneous \
         coverage {:.3}, best among contenders {:.3}, decided on the best {:.3}, decided on \
         another {:.3}",
        if resamples > 0 { "bootstrap-t" } else { "t" },
        out.0,
        out.1,
        out.2,
        out.3
    );
    out
}

#[test]
fn mcb_covers_at_its_nominal_level_on_normal_designs() {
    // Least favourable: every design equal (the coverage of the best's bound is tightest).
    for n in [5, 10, 30] {
        let (cover, held, _, wrong) = error_rates(
            2000,
            &[0.0; 4],
            0,
            |s| normal_rows(s, &[0.0; 4], n, 3.0, 1.0),
            &format!("normal, 4 equal designs, {n} runs"),
        );
        assert!(cover >= 0.94, "n = {n}: coverage {cover}");
        assert!(held >= 0.94 && wrong <= 0.06, "n = {n}: {held}, {wrong}");
    }
    // Spread means, unequal spreads, strong common noise: 5 designs, the best 1 σ ahead.
    let truth = [2.0, 0.0, 1.0, 3.0, 1.6];
    for resamples in [0, 400] {
        let (cover, held, right, wrong) = error_rates(
            1000,
            &truth,
            resamples,
            |s| {
                let mut rows = normal_rows(s, &truth, 10, 5.0, 1.0);
                // Design 3 is twice as noisy as the others.
                let extra: Vec<f64> = (0..10).map(|_| normal(s)).collect();
                rows[3].iter_mut().zip(extra).for_each(|(x, e)| *x += e);
                rows
            },
            "normal, 5 spread designs, 10 runs",
        );
        assert!(cover >= 0.94, "coverage {cover}");
        assert!(held >= 0.94 && wrong <= 0.06, "{held}, {wrong}");
        assert!(right > 0.2, "{right}");
    }
}

#[test]
fn mcb_on_skewed_losses_with_common_random_numbers() {
    // Rare, large, positively correlated losses (like loss_total): 0.5, 0.8, 1.2 and 2
    // incidents per run, lognormal amounts. The differences are mostly 0 with rare large
    // values: Student's t bounds are too narrow at 30 runs (coverage about 0.78); the
    // bootstrap-t brings them to about 0.89. The too-narrow bounds understate how far apart
    // the designs are; they do not put a wrong design ahead: the best stays among the
    // contenders and no comparison is decided on another design.
    let e = 0.5f64.exp();
    let rates = [0.8, 0.5, 1.2, 2.0];
    let truth: Vec<f64> = rates.iter().map(|r| r * e).collect();
    let name = "skewed losses, 4 designs, 30 runs";
    let (t_cover, ..) = error_rates(1000, &truth, 0, |s| loss_rows(s, &rates, 30), name);
    let (cover, held, right, wrong) =
        error_rates(1000, &truth, 400, |s| loss_rows(s, &rates, 30), name);
    assert!(
        cover >= 0.86 && cover >= t_cover + 0.05,
        "{cover} vs {t_cover}"
    );
    assert!(held >= 0.95 && wrong <= 0.05, "{held}, {wrong}");
    assert!(right > 0.3, "{right}");
}

/// The figures of docs/STATISTICS.md (§3): `cargo test --profile ci --lib
/// verdict_study -- --ignored --nocapture` (a few minutes).
#[test]
#[ignore]
fn verdict_study() {
    let e = 0.5f64.exp();
    let rates = [0.8, 0.5, 1.2, 2.0];
    let truth: Vec<f64> = rates.iter().map(|r| r * e).collect();
    for n in [10, 30, 100, 300] {
        for b in [0, 2000] {
            let name = format!("skewed losses, 4 designs, {n} runs");
            error_rates(1000, &truth, b, |s| loss_rows(s, &rates, n), &name);
        }
    }
    for n in [5, 10, 30] {
        for b in [0, 2000] {
            let name = format!("normal, 4 equal designs, {n} runs");
            error_rates(
                2000,
                &[0.0; 4],
                b,
                |s| normal_rows(s, &[0.0; 4], n, 3.0, 1.0),
                &name,
            );
        }
    }
    let truth = [2.0, 0.0, 1.0, 3.0, 1.6];
    for n in [10, 30] {
        for b in [0, 2000] {
            let name = format!("normal, 5 spread designs, {n} runs");
            error_rates(
                2000,
                &truth,
                b,
                |s| normal_rows(s, &truth, n, 5.0, 1.0),
                &name,
            );
        }
    }
    // A trap: design 1 is 0.2 cheaper in most runs, but 5% of its runs lose 6 more: its true
    // mean is 0.1 dearer. Runs without its rare loss make it look best.
    for n in [30, 100, 300] {
        for b in [0, 2000] {
            let name = format!("a rare loss hides, 2 designs, {n} runs");
            error_rates(1000, &[1.0, 1.1], b, |s| trap_rows(s, n), &name);
        }
    }
    // p_best against the truth: how often the leader is the true best, beside the mean
    // p_best the bootstrap gave it, and how often a verdict names a wrong best.
    let close = [0.3, 0.0, 0.6, 1.0];
    for n in [10, 30, 100] {
        let name = format!("normal, 4 close designs, {n} runs");
        calibration(1000, &close, |s| normal_rows(s, &close, n, 5.0, 1.0), &name);
    }
    for n in [30, 100] {
        let name = format!("skewed losses, 4 designs, {n} runs");
        let truth: Vec<f64> = rates.iter().map(|r| r * e).collect();
        calibration(1000, &truth, |s| loss_rows(s, &rates, n), &name);
    }
}

/// Two designs: 1.0 a run, and 0.8 a run with a loss of 6 in 5% of the runs (mean 1.1), with
/// a shared noise (sd 1) and their own (sd 0.1).
fn trap_rows(s: &mut Stream, n: usize) -> Vec<Vec<f64>> {
    let mut rows = normal_rows(s, &[1.0, 0.8], n, 1.0, 0.1);
    for x in rows[1].iter_mut() {
        if s.uniform() < 0.05 {
            *x += 6.0;
        }
    }
    rows
}

/// Prints the share of comparisons whose leader is the true best, the mean p_best of the
/// leader, and the shares decided, and decided on a wrong design.
fn calibration(
    reps: u64,
    truth: &[f64],
    mut draw: impl FnMut(&mut Stream) -> Vec<Vec<f64>>,
    name: &str,
) {
    let k = truth.len();
    let best = (0..k)
        .min_by(|&a, &b| truth[a].total_cmp(&truth[b]))
        .unwrap();
    let (mut right, mut p_sum, mut decided, mut wrong) = (0u64, 0.0, 0u64, 0u64);
    for rep in 0..reps {
        let mut s = Stream::new(rep, 1, name);
        let rows = draw(&mut s);
        let v = verdict(&Objective::default(), &names(k), &some(&rows), rep);
        let lead: usize = v.best.as_ref().unwrap()[1..].parse().unwrap();
        right += (lead == best) as u64;
        p_sum += v.p_best.unwrap();
        if v.decided {
            decided += 1;
            wrong += (lead != best) as u64;
        }
    }
    let r = reps as f64;
    println!(
        "{name}: {reps} comparisons: leader is the true best {:.3}, mean p_best of the leader \
         {:.3}, decided {:.3}, decided on a wrong design {:.4}",
        right as f64 / r,
        p_sum / r,
        decided as f64 / r,
        wrong as f64 / r
    );
}

#[test]
fn the_bootstrap_is_seeded_and_ties_share() {
    let mut s = Stream::new(9, 0, "test/verdict/boot");
    let rows = normal_rows(&mut s, &[0.0, 0.2, 5.0], 30, 3.0, 1.0);
    let a = bootstrap(&rows, 42);
    assert_eq!(a, bootstrap(&rows, 42), "same seed, same shares");
    assert_ne!(a, bootstrap(&rows, 43));
    assert!((a.iter().sum::<f64>() - 1.0).abs() < 1e-9);
    assert!(a[2] < 0.01 && a[0] > a[1], "{a:?}");
    assert_eq!(resamples(30, 3), MAX_RESAMPLES);
    assert_eq!(resamples(100_000, 256), MIN_RESAMPLES);
}

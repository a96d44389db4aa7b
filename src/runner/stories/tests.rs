use super::*;
use crate::runner::{BatchOptions, run_batch};
use std::sync::atomic::AtomicBool;

fn outage() -> Scenario {
    let mut s = crate::scenario::load(
        std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/scenarios/outage.toml"
        )),
        &Default::default(),
    )
    .unwrap();
    for g in &mut s.terminals {
        g.rate /= 20.0;
    }
    s
}

fn ex(serial: u64, cause: u8, outcome: Outcome) -> Exemplar {
    Exemplar {
        serial,
        cause,
        outcome: outcome as u8,
    }
}

/// A demonstrated cause that struck only in run 2 and a phantom charge only in run 3 are both
/// told, from those runs; run 0's own candidates fill the rest, other causes first.
#[test]
fn the_pick_searches_later_runs_for_what_run_0_lacks() {
    let s = outage();
    let names = model::cause::names(&s);
    let demo = names
        .iter()
        .position(|n| s.demonstrates.contains(n))
        .unwrap() as u8;
    let other = (1..names.len() as u8).find(|&c| c != demo).unwrap();
    let third = (1..names.len() as u8)
        .find(|&c| c != demo && c != other)
        .unwrap();
    let w = Wanted {
        causes: vec![demo],
        outcomes: vec![Outcome::ChargedWithoutSale as u8, Outcome::Declined as u8],
    };
    let runs = vec![
        vec![
            ex(1, other, Outcome::Declined),
            ex(2, other, Outcome::Declined),
            ex(3, third, Outcome::Declined),
        ],
        vec![],
        vec![
            ex(10, demo, Outcome::Declined),
            ex(11, demo, Outcome::Reversed),
        ],
        vec![
            ex(20, other, Outcome::ChargedWithoutSale),
            ex(21, demo, Outcome::ChargedWithoutSale),
        ],
    ];
    assert!(w.met(&runs));
    assert!(!w.met(&runs[..3]));
    let picks = pick(&s, &w, &runs);
    // The demonstrated cause's worst outcome of its first run; the phantom charge of run 3 of
    // the demonstrated cause; declines are shown already (run 2's); one of run 0's fills.
    assert_eq!(picks, vec![(2, 11), (3, 21), (0, 1)]);
    // Without anything wanted: run 0's, different causes first.
    let plain = pick(&s, &Wanted::default(), &runs);
    assert_eq!(plain, vec![(0, 1), (0, 3), (0, 2)]);
    // Never more than MAX_STORIES.
    let many: Vec<Exemplar> = (0..20)
        .map(|i| ex(i, (i % 7 + 1) as u8, Outcome::Declined))
        .collect();
    assert!(pick(&s, &Wanted::all(&s), &[many]).len() <= MAX_STORIES);
}

/// The whole batch's kept candidates and a merged batch's search by replays choose the same
/// stories, and the search stops once everything wanted is found.
#[test]
fn a_search_by_replays_picks_what_the_whole_batch_kept() {
    let s = outage();
    let opts = BatchOptions {
        runs: 6,
        seed: 11,
        threads: 2,
    };
    let stop = AtomicBool::new(false);
    let batch = run_batch(&s, &opts, &stop, |_, _| Ok(()), |_| {}).unwrap();
    let kept = batch.exemplars.clone().unwrap();
    assert_eq!(kept.len(), 6);
    let w = Wanted::of(&s, &batch);
    assert!(!w.causes.is_empty(), "the outage struck: {w:?}");
    let run0 = model::simulate(&s, 11, 0, &mut NoTrace)
        .unwrap()
        .exemplars
        .list;
    assert_eq!(run0, kept[0]);
    let searched = search(&s, 11, 6, &w, vec![run0]).unwrap();
    assert_eq!(searched[..], kept[..searched.len()]);
    assert!(w.met(&searched) || searched.len() == 6);
    if searched.len() > 1 {
        assert!(!w.met(&searched[..searched.len() - 1]), "stopped late");
    }
    assert_eq!(pick(&s, &w, &searched), pick(&s, &w, &kept));
    // Every wanted cause and outcome the first runs had is told.
    let picks = pick(&s, &w, &kept);
    let of = |p: &(u64, u64)| kept[p.0 as usize].iter().find(|e| e.serial == p.1).unwrap();
    for &c in &w.causes {
        assert!(
            picks.iter().any(|p| of(p).cause == c),
            "cause {c}: {picks:?}"
        );
    }
    for &o in &w.outcomes {
        let had = kept.iter().flatten().any(|e| e.outcome == o);
        assert_eq!(had, picks.iter().any(|p| of(p).outcome == o), "outcome {o}");
    }
    // The replays tell those payments, in that order.
    let told = record(&s, 11, &picks).unwrap();
    let got: Vec<(u64, u64)> = told.iter().map(|r| (r.run, r.serial)).collect();
    assert_eq!(got, picks);
}

//! The report's example stories: which payments to tell. They should show the point of the
//! scenario, so they are searched for across the batch's first runs (at most [`STORY_RUNS`]),
//! not only in run 0: a story for each cause the scenario demonstrates and for each bad
//! outcome the batch produced (a phantom charge in 27 runs of 50 is told even when run 0 had
//! none), then more of run 0's up to [`MIN_STORIES`].
//!
//! A whole batch keeps the candidates of its first runs as they run (`BatchResult::exemplars`,
//! no replay); a merged batch, or a scenario that retries (whose runs keep none), finds them by
//! replaying runs one by one until every wanted cause and outcome has a candidate. Both give
//! the same stories: each is the earliest run's candidate, and the search stops only once
//! every wanted one is found.

use super::replay::{self, Replayed, STORY_SAMPLE};
use crate::metrics::{BatchResult, CAUSES};
use crate::model::output::{Exemplar, Outcome};
use crate::model::{self, NoTrace, RunError};
use crate::scenario::Scenario;

/// The runs searched for stories.
pub const STORY_RUNS: u64 = 10;
/// The stories told when the batch has enough candidates.
pub const MIN_STORIES: usize = 3;
/// The most stories told (one per demonstrated cause and bad outcome, within this).
pub const MAX_STORIES: usize = 6;

/// The bad outcomes, the worst first: a story is wanted for each the batch produced.
pub const BAD: [Outcome; 7] = [
    Outcome::ChargedWithoutSale,
    Outcome::NotArrived,
    Outcome::Chargeback,
    Outcome::PaidShort,
    Outcome::SettledLate,
    Outcome::Reversed,
    Outcome::Declined,
];

/// What the stories should show: causes (indexed like `model::cause::names`) and outcomes
/// (indexed like `Outcome::ALL`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Wanted {
    pub causes: Vec<u8>,
    pub outcomes: Vec<u8>,
}

impl Wanted {
    /// The causes `s` demonstrates that struck a payment in the batch, and the bad outcomes the
    /// batch produced (read from its metrics).
    pub fn of(s: &Scenario, batch: &BatchResult) -> Self {
        let struck = |name: &str| {
            batch
                .summary(name)
                .and_then(|m| m.max)
                .is_some_and(|x| x > 0.0)
        };
        let names = model::cause::names(s);
        let causes = (names.iter().enumerate())
            .filter(|(_, n)| s.demonstrates.contains(n))
            .filter(|(_, n)| (BAD.iter()).any(|o| struck(&format!("{CAUSES}{n}.{}", o.metric()))))
            .map(|(c, _)| c as u8)
            .collect();
        let outcomes = (BAD.iter())
            .filter(|o| struck(o.metric()))
            .map(|&o| o as u8)
            .collect();
        Wanted { causes, outcomes }
    }

    /// Every cause `s` demonstrates and every bad outcome (without a batch to say which
    /// happened).
    pub fn all(s: &Scenario) -> Self {
        let names = model::cause::names(s);
        Wanted {
            causes: (names.iter().enumerate())
                .filter(|(_, n)| s.demonstrates.contains(n))
                .map(|(c, _)| c as u8)
                .collect(),
            outcomes: BAD.iter().map(|&o| o as u8).collect(),
        }
    }

    /// Whether the candidates of `runs` have one of every wanted cause and outcome.
    pub fn met(&self, runs: &[Vec<Exemplar>]) -> bool {
        let any = |f: &dyn Fn(&Exemplar) -> bool| runs.iter().flatten().any(f);
        self.causes.iter().all(|&c| any(&|e| e.cause == c))
            && self.outcomes.iter().all(|&o| any(&|e| e.outcome == o))
    }
}

/// The rank of an outcome in [`BAD`] (the worst is 0; outcomes not in it after them all).
fn severity(o: u8) -> usize {
    BAD.iter().position(|&b| b as u8 == o).unwrap_or(BAD.len())
}

/// Chooses the payments to tell, as `(run, serial)`, from the candidates of the first runs
/// (`runs[i]`: run i's, in the order their outcomes were judged): for each wanted cause, the
/// earliest run's candidate of it with the worst outcome; for each wanted outcome not yet told,
/// the earliest run's candidate of it, a demonstrated cause's first; then run 0's candidates,
/// other causes first, up to [`MIN_STORIES`]. At most [`MAX_STORIES`].
pub fn pick(s: &Scenario, w: &Wanted, runs: &[Vec<Exemplar>]) -> Vec<(u64, u64)> {
    let mut picks: Vec<(u64, u64, Exemplar)> = vec![];
    let add = |run: usize, e: &Exemplar, picks: &mut Vec<(u64, u64, Exemplar)>| {
        let key = (run as u64, e.serial);
        if picks.len() < MAX_STORIES && !picks.iter().any(|p| (p.0, p.1) == key) {
            picks.push((key.0, key.1, *e));
        }
    };
    // The earliest run with a candidate `f` accepts, and the best of them by `rank`.
    let earliest = |f: &dyn Fn(&Exemplar) -> bool, rank: &dyn Fn(&Exemplar) -> usize| {
        runs.iter().enumerate().find_map(|(run, list)| {
            let e = list.iter().filter(|e| f(e)).min_by_key(|e| rank(e))?;
            Some((run, *e))
        })
    };
    for &c in &w.causes {
        if let Some((run, e)) = earliest(&|e| e.cause == c, &|e| severity(e.outcome)) {
            add(run, &e, &mut picks);
        }
    }
    let demonstrated = |e: &Exemplar| usize::from(!w.causes.contains(&e.cause));
    for o in BAD.map(|o| o as u8) {
        if !w.outcomes.contains(&o) || picks.iter().any(|p| p.2.outcome == o) {
            continue;
        }
        if let Some((run, e)) = earliest(&|e| e.outcome == o, &demonstrated) {
            add(run, &e, &mut picks);
        }
    }
    let names = model::cause::names(s);
    let run0 = runs.first().map(Vec::as_slice).unwrap_or_default();
    let mut fill: Vec<&Exemplar> = run0.iter().collect();
    // Demonstrated causes first (stable: in judging order within each), as before.
    fill.sort_by_key(|e| !s.demonstrates.contains(&names[e.cause as usize]));
    for e in &fill {
        if picks.len() < MIN_STORIES && !picks.iter().any(|p| p.2.cause == e.cause) {
            add(0, e, &mut picks);
        }
    }
    for e in &fill {
        if picks.len() < MIN_STORIES {
            add(0, e, &mut picks);
        }
    }
    picks
        .into_iter()
        .map(|(run, serial, _)| (run, serial))
        .collect()
}

/// The candidates of the first runs, `first` extended by replaying the next runs (a census for
/// a scenario that retries) until `w` is met or [`STORY_RUNS`] (or the batch's `runs`) runs
/// are searched.
pub fn search(
    s: &Scenario,
    seed: u64,
    runs: u64,
    w: &Wanted,
    first: Vec<Vec<Exemplar>>,
) -> Result<Vec<Vec<Exemplar>>, RunError> {
    let mut found = first;
    let limit = runs.min(STORY_RUNS);
    while (found.len() as u64) < limit && !w.met(&found) {
        let run = found.len() as u64;
        let list = match s.strategy.retry.on() {
            true => replay::census_exemplars(s, seed, run, STORY_SAMPLE)?,
            false => model::simulate(s, seed, run, &mut NoTrace)?.exemplars.list,
        };
        found.push(list);
    }
    Ok(found)
}

/// The report's stories of `batch`: the payments chosen ([`pick`]) from the candidates of
/// its first runs (`first`, extended by [`search`]), recorded by replays.
pub fn for_report(
    s: &Scenario,
    seed: u64,
    batch: &BatchResult,
    first: Vec<Vec<Exemplar>>,
) -> Result<Vec<Replayed>, RunError> {
    let wanted = Wanted::of(s, batch);
    let found = search(s, seed, batch.runs, &wanted, first)?;
    record(s, seed, &pick(s, &wanted, &found))
}

/// Replays the runs of `picks` (one replay per run) and gives the recorded payments in the
/// order of `picks`.
pub fn record(s: &Scenario, seed: u64, picks: &[(u64, u64)]) -> Result<Vec<Replayed>, RunError> {
    let mut runs: Vec<u64> = picks.iter().map(|p| p.0).collect();
    runs.sort_unstable();
    runs.dedup();
    let mut told: Vec<Option<Replayed>> = vec![None; picks.len()];
    for run in runs {
        let serials: Vec<u64> = (picks.iter()).filter(|p| p.0 == run).map(|p| p.1).collect();
        for r in replay::record(s, seed, run, &serials)? {
            if let Some(i) = picks.iter().position(|p| *p == (run, r.serial)) {
                told[i] = Some(r);
            }
        }
    }
    Ok(told.into_iter().flatten().collect())
}

#[cfg(test)]
mod tests;

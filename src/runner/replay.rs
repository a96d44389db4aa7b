//! Replays for the report and for `payfault trace`: runs are deterministic, so a run of the
//! batch can be run again with a tracer to see more of it. A census of a run ([`census`]) keeps
//! one [`Row`] per payment, to filter ([`Filter`], [`matching`]) and to write a spreadsheet; a
//! replay with a recorder ([`record`]) keeps the steps of chosen payments, which
//! `report::story` tells; [`examples`] picks the report's example payments; [`series`] samples
//! run 0 over time for the charts.

use crate::engine::Nanos;
use crate::engine::time::as_secs_f64;
use crate::model::output::{Exemplar, Outcome};
use crate::model::payment::code;
use crate::model::probe::{DEFAULT_POINTS, TimeSeries, sample_run};
use crate::model::{self, NoTrace, Recorder, RunError, Step, Tracer};
use crate::scenario::Scenario;
use std::collections::HashMap;

/// What a census knows of one payment, enough to filter and to write a spreadsheet row.
#[derive(Clone, Debug, Default)]
pub struct Row {
    pub serial: u64,
    pub group: String,
    pub amount: i64,
    pub created: Nanos,
    pub issuer: String,
    pub channel: String,
    /// The code the till showed, if it got an answer in time.
    pub till_code: Option<u8>,
    /// Every code the payment was answered or decided with, and 68 when a reversal of it
    /// carried that reason (response received too late).
    pub codes: Vec<u8>,
    pub outcome: Option<&'static str>,
    pub cause: String,
    pub settled_at: Option<Nanos>,
    pub credited: i64,
    pub false_decline: bool,
    /// The order in which outcomes were judged (the payment's rank in the run).
    pub rank: u64,
}

/// A tracer that keeps a [`Row`] per payment of a run, or of one payment in `one_in` (every
/// traced payment costs a row, so a census run is slower than a normal one, but its numbers
/// are the same).
///
/// Rows are kept in a vector indexed by `serial / one_in` (serials are dense from 0), so the
/// census costs one row per followed payment and no index, and hands its rows over without a
/// copy.
#[derive(Default)]
pub struct Census {
    pub rows: Vec<Row>,
    judged: u64,
    /// Keep payments whose serial is a multiple of it (0 or 1: every payment).
    pub one_in: u64,
    /// End the replay once this many payments match this filter (a search for the first few),
    /// and how many have so far.
    pub until: Option<(Filter, usize)>,
    found: usize,
}

/// The most payments the census behind the report's example stories follows in one run: a
/// run with more is sampled (one payment in N), so the report stage's memory stays bounded
/// (about 450 bytes a row: some 150 MB) whatever the scenario's size.
pub const STORY_SAMPLE: f64 = 500_000.0;

/// About the bytes one census row takes: the row (about 200 bytes), its four short strings and
/// its codes on the heap, and the vector's slack (measured with heaptrack on
/// `scenarios/pipeline.toml`: 75 MB of heap for 180,000 rows, some 420 bytes a row).
pub const ROW_BYTES: u64 = 448;

/// The most memory a full census of one run may take (`payfault trace`, whose filters and
/// spreadsheet need every payment): beyond it, trace refuses up front with the estimate.
pub const CENSUS_MAX_BYTES: u64 = 2 << 30;

/// The memory a full census of one run of `s` needs, estimated before it runs: the expected
/// payments of a run (with room for peaks) times [`ROW_BYTES`].
pub fn census_bytes(s: &Scenario) -> u64 {
    let expected = 1.5 * s.mean_arrival_rate() * as_secs_f64(s.traffic_window);
    (expected * ROW_BYTES as f64).min(u64::MAX as f64) as u64
}

impl Tracer for Census {
    const ON: bool = true;
    fn wants(&self, serial: u64) -> bool {
        self.one_in <= 1 || serial.is_multiple_of(self.one_in)
    }
    fn record(&mut self, t: Nanos, serial: u64, step: Step) {
        let i = (serial / self.one_in.max(1)) as usize;
        if i >= self.rows.len() {
            self.rows.resize_with(i + 1, Row::default);
        }
        let r = &mut self.rows[i];
        match step {
            Step::Created {
                amount,
                group,
                issuer,
                channel,
                ..
            } => {
                r.serial = serial;
                r.amount = amount;
                r.group = group;
                r.created = t;
                r.issuer = issuer;
                r.channel = channel;
            }
            Step::FailedOver { to } => r.channel = to,
            Step::Answered { code } => {
                r.till_code = Some(code);
                r.codes.push(code);
            }
            Step::Decided { code, .. }
            | Step::Rejected { code, .. }
            | Step::LateAnswer { code } => r.codes.push(code),
            Step::LateResponse { code: c, then, .. } => {
                r.codes.push(c);
                if then == "reversed" {
                    // The reversal that follows carries 68 as its reason.
                    r.codes.push(code::TOO_LATE);
                }
            }
            Step::Settled { .. } => r.settled_at = Some(t),
            Step::Cause { name, .. } => r.cause = name,
            Step::Outcome {
                outcome,
                false_decline,
                credited,
                ..
            } => {
                r.outcome = Some(outcome);
                r.false_decline = false_decline;
                r.credited = credited;
                r.rank = self.judged;
                self.judged += 1;
                if r.cause.is_empty() {
                    r.cause = "none".into();
                }
                if self.until.as_ref().is_some_and(|(f, _)| f.matches(r)) {
                    self.found += 1;
                }
            }
            _ => {}
        }
    }
    fn enough(&self) -> bool {
        self.until.as_ref().is_some_and(|(_, n)| self.found >= *n)
    }
}

/// Which payments to tell.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// An outcome's name, or `false_decline`; `None` with no other filter: not settled on time.
    pub outcome: Option<String>,
    pub cause: Option<String>,
    pub code: Option<u8>,
}

impl Filter {
    pub fn matches(&self, r: &Row) -> bool {
        let Some(o) = r.outcome else {
            return false; // a superseded attempt: no outcome of its own
        };
        let none = self.outcome.is_none() && self.cause.is_none() && self.code.is_none();
        if none {
            return o != "settled_on_time";
        }
        let outcome_ok = match self.outcome.as_deref() {
            None => true,
            Some("false_decline") => r.false_decline,
            Some(x) => x == o,
        };
        outcome_ok
            && self.cause.as_deref().is_none_or(|c| c == r.cause)
            && self.code.is_none_or(|c| r.codes.contains(&c))
    }
}

/// Runs a census of run `run`: the rows of its payments, in serial order.
pub fn census(s: &Scenario, seed: u64, run: u64) -> Result<Vec<Row>, RunError> {
    census_sampled(s, seed, run, 1)
}

/// A census of the payments of run `run` whose serial is a multiple of `one_in`.
pub fn census_sampled(
    s: &Scenario,
    seed: u64,
    run: u64,
    one_in: u64,
) -> Result<Vec<Row>, RunError> {
    // Room for the expected rows and a little more, so the vector rarely doubles.
    let expected = s.mean_arrival_rate() * as_secs_f64(s.traffic_window) / one_in.max(1) as f64;
    let mut c = Census {
        one_in,
        rows: Vec::with_capacity((expected * 1.05 + 16.0).min(1e8) as usize),
        ..Census::default()
    };
    model::simulate(s, seed, run, &mut c)?;
    let mut rows = c.rows;
    // Rows of serials that were never created (an index past the run's last) are dropped;
    // the rest are in serial order already.
    rows.retain(|r| !r.group.is_empty());
    Ok(rows)
}

/// The first `n` payments of run `run` that match `f`, in the order their outcomes were
/// judged: a census that ends as soon as it has found them (unless the scenario retries: a
/// retried sale's later attempt may change its serial's outcome, so that census runs to the
/// end).
pub fn first_matching(
    s: &Scenario,
    seed: u64,
    run: u64,
    f: &Filter,
    n: usize,
) -> Result<Vec<u64>, RunError> {
    let mut c = Census {
        until: (!s.strategy.retry.on()).then(|| (f.clone(), n)),
        ..Census::default()
    };
    model::simulate(s, seed, run, &mut c)?;
    let mut found = matching(&c.rows, f);
    found.truncate(n);
    Ok(found)
}

/// The serials of a census's rows that match, in the order their outcomes were judged.
pub fn matching(rows: &[Row], f: &Filter) -> Vec<u64> {
    let mut m: Vec<&Row> = rows.iter().filter(|r| f.matches(r)).collect();
    m.sort_by_key(|r| r.rank);
    m.into_iter().map(|r| r.serial).collect()
}

/// The recorded steps of one payment of a run, in order: what `report::story` tells.
#[derive(Clone, Debug)]
pub struct Replayed {
    pub run: u64,
    pub serial: u64,
    pub steps: Vec<(Nanos, Step)>,
}

/// Replays run `run` and records the steps of `serials` (in that order); a serial the run does
/// not have gives nothing.
/// The replay ends as soon as every chosen payment has its outcome (`Recorder::stopping`),
/// unless the scenario retries: a retried sale's attempts share its serial, so its first
/// outcome need not be its last.
pub fn record(
    s: &Scenario,
    seed: u64,
    run: u64,
    serials: &[u64],
) -> Result<Vec<Replayed>, RunError> {
    let mut rec = Recorder::stopping(serials.to_vec());
    rec.stop_when_done = !s.strategy.retry.on();
    model::simulate(s, seed, run, &mut rec)?;
    Ok(replayed(run, serials, rec))
}

/// Like [`record`], but a run stopped by a violated invariant still gives the steps up to the
/// violation (for a developer replaying the payment the violation names), with the error.
pub fn record_until_violation(
    s: &Scenario,
    seed: u64,
    run: u64,
    serials: &[u64],
) -> (Vec<Replayed>, Option<RunError>) {
    let mut rec = Recorder {
        serials: serials.to_vec(),
        ..Default::default()
    };
    let err = model::simulate(s, seed, run, &mut rec).err();
    (replayed(run, serials, rec), err)
}

/// A recorder's steps by payment, in the order of `serials` (a serial with no steps gives
/// nothing).
fn replayed(run: u64, serials: &[u64], rec: Recorder) -> Vec<Replayed> {
    let mut by: HashMap<u64, Vec<(Nanos, Step)>> = HashMap::new();
    for (t, serial, step) in rec.steps {
        by.entry(serial).or_default().push((t, step));
    }
    serials
        .iter()
        .filter_map(|n| {
            by.remove(n).map(|steps| Replayed {
                run,
                serial: *n,
                steps,
            })
        })
        .collect()
}

/// The number of payments run `run` created (a plain replay, nothing traced).
pub fn payments(s: &Scenario, seed: u64, run: u64) -> Result<u64, RunError> {
    Ok(model::simulate(s, seed, run, &mut NoTrace)?.payments)
}

/// Run 0 sampled over time ([`DEFAULT_POINTS`] points): where the money is and how the
/// stations fare, for the charts.
pub fn series(s: &Scenario, seed: u64) -> Result<TimeSeries, RunError> {
    sample_run(s, seed, 0, DEFAULT_POINTS)
}

/// Run 0's candidate stories and, when `charts`, its series, for a batch that did not keep
/// them (a merged batch): one replay of run 0 (sampled when `charts`), which gives exactly
/// the candidates the whole batch would have kept. A scenario that retries keeps none
/// (`Exemplars::off`): its candidates come from a census of run 0 ([`census_exemplars`]).
#[allow(clippy::type_complexity)]
pub fn run0_extras(
    s: &Scenario,
    seed: u64,
    charts: bool,
) -> Result<(Vec<Exemplar>, Option<TimeSeries>), RunError> {
    let (out, series) = if charts {
        let (out, series) = model::probe::simulate_sampled(s, seed, 0, DEFAULT_POINTS)?;
        (out, Some(series))
    } else {
        (model::simulate(s, seed, 0, &mut NoTrace)?, None)
    };
    let exemplars = match out.exemplars.off {
        false => out.exemplars.list,
        true => census_exemplars(s, seed, 0, STORY_SAMPLE)?,
    };
    Ok((exemplars, series))
}

/// The candidates for stories of a census's rows (see `runner::stories`), for a scenario that retries
/// (whose runs keep none): at most `EXEMPLARS_PER_CAUSE` per cause, as a run keeps.
pub fn exemplars_of(s: &Scenario, rows: &[Row]) -> Vec<Exemplar> {
    let names = model::cause::names(s);
    let f = Filter::default();
    let mut bad: Vec<&Row> = rows.iter().filter(|r| f.matches(r)).collect();
    bad.sort_by_key(|r| r.rank);
    let mut ex = model::output::Exemplars::default();
    for r in bad {
        let outcome = Outcome::ALL
            .into_iter()
            .find(|o| Some(o.name()) == r.outcome);
        if let (Some(c), Some(o)) = (names.iter().position(|c| *c == r.cause), outcome) {
            ex.offer(r.serial, c as u8, o);
        }
    }
    ex.list
}

/// One payment in how many the census of a run follows so as to keep about `budget` rows:
/// from the scenario's expected payments a run (its mean rate over the traffic window, with
/// room for peaks).
pub fn sample_rate(s: &Scenario, budget: f64) -> u64 {
    let expected = 1.5 * s.mean_arrival_rate() * as_secs_f64(s.traffic_window);
    (expected / budget).ceil().max(1.0) as u64
}

/// The candidate stories of run `run` found by a census of about `budget` rows at most (a run
/// with more payments is sampled): for a scenario that retries, whose runs keep none (see
/// [`exemplars_of`]).
pub fn census_exemplars(
    s: &Scenario,
    seed: u64,
    run: u64,
    budget: f64,
) -> Result<Vec<Exemplar>, RunError> {
    let rows = census_sampled(s, seed, run, sample_rate(s, budget))?;
    Ok(exemplars_of(s, &rows))
}

#[cfg(test)]
mod tests;

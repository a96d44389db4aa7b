//! Snapshots of a run over time, for charts: the ledger's balances and each station's load at
//! evenly spaced instants over the horizon.
//!
//! A tracer whose `SAMPLES` is `true` (the [`Sampler`]) makes the dispatch loop take a
//! [`Snapshot`] at each instant, before it handles the first event past that instant, and
//! hears of every sale and every system failure the tills show ([`TillBuckets`]). Nothing is
//! scheduled and nothing is drawn for it: the run is the same event for event (a test checks
//! it), and with `SAMPLES` false (every other tracer) the loop is the plain one and the hooks
//! are compiled away.

use super::invariants::Violation;
use super::ledger::Account;
use super::trace::{Step, Tracer};
use super::world::World;
use super::{RunError, simulate};
use crate::engine::{MINUTE, Nanos};
use crate::scenario::Scenario;

/// Instants sampled over the horizon unless the tracer asks for another number.
pub const DEFAULT_POINTS: usize = 400;

/// Where the money is at one instant (minor units). Every account of the ledger is in one
/// field, so the fields sum to zero ([`Money::total`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Money {
    /// All cardholders (minus what they paid).
    pub cardholders: i64,
    /// Held by issuers: authorised, not yet paid on to a channel.
    pub issuer_holds: i64,
    /// In settlement: the channels' positions and the acquirer's settlement account.
    pub in_settlement: i64,
    /// In the acquirer's suspense account (returned payouts), or on the payout rail on the
    /// way back.
    pub suspense: i64,
    /// Payouts held by the acquirer's merchant risk control.
    pub risk_hold: i64,
    /// Credited to merchants.
    pub merchants: i64,
    /// Chargebacks absorbed by the acquirer and the issuers.
    pub losses: i64,
    /// Fees (`[fees]`): the issuers' interchange, the scheme's fees, the acquirer's revenue.
    pub fees: i64,
}

impl Money {
    /// Money taken from cardholders that has not reached a merchant: held, in settlement, in
    /// suspense or held by merchant risk.
    pub fn on_the_way(&self) -> i64 {
        self.issuer_holds + self.in_settlement + self.suspense + self.risk_hold
    }

    /// The sum of every account: zero whenever the books balance.
    pub fn total(&self) -> i128 {
        [
            self.cardholders,
            self.issuer_holds,
            self.in_settlement,
            self.suspense,
            self.risk_hold,
            self.merchants,
            self.losses,
            self.fees,
        ]
        .iter()
        .map(|&x| x as i128)
        .sum()
    }
}

/// One station at one instant.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StationSnap {
    /// Servers busy, and working (fewer while servers are lost; more when autoscaled).
    pub busy: u32,
    pub working: u32,
    /// Requests waiting.
    pub queue: usize,
    /// Busy-server integral (server-nanoseconds) over the traffic window so far.
    pub busy_area: u128,
}

/// The world at one instant.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Snapshot {
    pub t: Nanos,
    pub money: Money,
    /// Indexed like the scenario's stations (`Scenario::stations`).
    pub stations: Vec<StationSnap>,
}

/// A fault's windows in the sampled run.
#[derive(Clone, Debug, PartialEq)]
pub struct FaultWindows {
    pub id: String,
    /// `[start, end)`, nanoseconds; an end may lie past the horizon.
    pub windows: Vec<(Nanos, Nanos)>,
}

/// The width of a [`TillBuckets`] bucket: a minute (the charts show quarter hours,
/// [`TillBuckets::coarse`]).
pub const BUCKET: Nanos = MINUTE;

/// Sales and the system failures their tills showed, by the minute of the sale (bucket `k`
/// holds the sales made in `[k × BUCKET, (k + 1) × BUCKET)`). A failure is no answer, or
/// a decline that is neither the issuer's genuine one nor a suspected fraud
/// (`payment::code::is_system_failure`). A cardholder's repeat is a sale of its own, counted
/// in `repeats` too, so the failed purchases are `failed − repeats` (every repeat follows a
/// failure, and is not repeated again).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TillBuckets {
    pub sales: Vec<u64>,
    pub failed: Vec<u64>,
    pub repeats: Vec<u64>,
}

impl TillBuckets {
    fn bump(v: &mut Vec<u64>, t: Nanos) {
        let k = (t / BUCKET) as usize;
        if v.len() <= k {
            v.resize(k + 1, 0);
        }
        v[k] += 1;
    }

    /// Adds another run's counts (of the same scenario) bucket by bucket.
    pub fn add(&mut self, other: &TillBuckets) {
        for (a, b) in [
            (&mut self.sales, &other.sales),
            (&mut self.failed, &other.failed),
            (&mut self.repeats, &other.repeats),
        ] {
            if a.len() < b.len() {
                a.resize(b.len(), 0);
            }
            for (x, y) in a.iter_mut().zip(b) {
                *x += y;
            }
        }
    }

    /// The same counts in buckets `n` times as wide.
    pub fn coarse(&self, n: usize) -> TillBuckets {
        let n = n.max(1);
        let merge = |v: &[u64]| v.chunks(n).map(|c| c.iter().sum()).collect();
        TillBuckets {
            sales: merge(&self.sales),
            failed: merge(&self.failed),
            repeats: merge(&self.repeats),
        }
    }

    /// Sales, failed sales and repeats in buckets `[from, to)`.
    pub fn totals(&self, from: usize, to: usize) -> (u64, u64, u64) {
        let sum = |v: &[u64]| v.iter().take(to).skip(from).sum::<u64>();
        (sum(&self.sales), sum(&self.failed), sum(&self.repeats))
    }

    /// The failure share of each bucket with sales: (bucket, failed ÷ sales).
    pub fn shares(&self) -> Vec<(usize, f64)> {
        self.sales
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0)
            .map(|(k, &n)| {
                (
                    k,
                    self.failed.get(k).copied().unwrap_or(0) as f64 / n as f64,
                )
            })
            .collect()
    }
}

/// Snapshots of one run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TimeSeries {
    pub run: u64,
    pub horizon: Nanos,
    /// Payments arrive in `[0, traffic_window)`; station integrals cover only that window.
    pub traffic_window: Nanos,
    /// Station ids, in the order of each snapshot's `stations`.
    pub stations: Vec<String>,
    pub points: Vec<Snapshot>,
    /// Each fault of the scenario, with its windows in this run.
    pub faults: Vec<FaultWindows>,
    /// Sales and failures at the tills by minute.
    pub till: TillBuckets,
}

impl TimeSeries {
    /// Utilisation of station `k` over each interval between consecutive snapshots, with the
    /// interval's end time: busy servers over working servers, averaged over the interval (the
    /// working servers are the mean of the two ends). An interval with no working server
    /// counts as saturated (1) if requests wait, else idle (0). Only intervals inside the
    /// traffic window (where stations have traffic and integrals are kept).
    pub fn utilisation(&self, k: usize) -> Vec<(Nanos, f64)> {
        let mut out = vec![];
        for w in self.points.windows(2) {
            let (a, b) = (&w[0], &w[1]);
            if b.t > self.traffic_window || b.t <= a.t {
                break;
            }
            let (sa, sb) = (&a.stations[k], &b.stations[k]);
            let dt = (b.t - a.t) as f64;
            let busy = (sb.busy_area - sa.busy_area) as f64 / dt;
            let working = (sa.working as f64 + sb.working as f64) / 2.0;
            let u = if working > 0.0 {
                (busy / working).clamp(0.0, 1.0)
            } else if sa.queue + sb.queue > 0 {
                1.0
            } else {
                0.0
            };
            out.push((b.t, u));
        }
        out
    }
}

/// A tracer that keeps a snapshot at `points` evenly spaced instants and counts the sales and
/// the till failures by minute; it traces no payment.
pub struct Sampler {
    pub points: usize,
    pub snaps: Vec<Snapshot>,
    pub till: TillBuckets,
}

impl Sampler {
    pub fn new(points: usize) -> Self {
        Sampler {
            points,
            snaps: Vec::with_capacity(points),
            till: TillBuckets::default(),
        }
    }
}

impl Tracer for Sampler {
    const ON: bool = false;
    const SAMPLES: bool = true;
    fn wants(&self, _serial: u64) -> bool {
        false
    }
    fn record(&mut self, _t: Nanos, _serial: u64, _step: Step) {}
    fn sample(&mut self, snap: &Snapshot) {
        self.snaps.push(snap.clone());
    }
    fn sample_points(&self) -> usize {
        self.points
    }
    fn sale(&mut self, t_sale: Nanos, repeat: bool) {
        TillBuckets::bump(&mut self.till.sales, t_sale);
        if repeat {
            TillBuckets::bump(&mut self.till.repeats, t_sale);
        }
    }
    fn till_failure(&mut self, t_sale: Nanos) {
        TillBuckets::bump(&mut self.till.failed, t_sale);
    }
}

/// The `k`-th of `n` evenly spaced instants over `[0, horizon]` (the first is 0, the last the
/// horizon).
fn instant(horizon: Nanos, k: usize, n: usize) -> Nanos {
    if n <= 1 {
        return horizon;
    }
    (horizon as u128 * k as u128 / (n - 1) as u128) as Nanos
}

impl<T: Tracer> World<'_, T> {
    /// The dispatch loop with snapshots (see the module): the same events in the same order.
    pub(super) fn dispatch_sampled(&mut self) -> Result<(), Violation> {
        let n = self.tracer.sample_points();
        let mut k = 0;
        while let Some(t) = self.q.peek_time() {
            if t > self.horizon {
                break;
            }
            while k < n && instant(self.cycle_end, k, n) < t {
                self.take_sample(instant(self.cycle_end, k, n));
                k += 1;
            }
            let (_, ev) = self.q.pop().expect("peeked");
            self.handle(ev)?;
            if self.q.popped() & (crate::engine::interrupt::POLL_EVERY - 1) == 0
                && crate::engine::interrupt::requested()
            {
                self.interrupted = true;
                return Ok(());
            }
        }
        while k < n {
            self.take_sample(instant(self.cycle_end, k, n));
            k += 1;
        }
        Ok(())
    }

    fn take_sample(&mut self, t: Nanos) {
        let l = &self.books.ledger;
        let in_settlement = (0..l.channels())
            .map(|c| l.balance(Account::Channel(c)))
            .sum::<i64>()
            + l.balance(Account::Acquirer);
        let money = Money {
            cardholders: l.balance(Account::Cardholders),
            issuer_holds: l.held(),
            in_settlement,
            suspense: l.balance(Account::Suspense) + l.balance(Account::PayoutRail),
            risk_hold: l.balance(Account::RiskHold),
            merchants: l.balance(Account::Merchants),
            losses: l.balance(Account::AcquirerLoss) + l.balance(Account::IssuerLoss),
            fees: l.balance(Account::IssuerFees)
                + l.balance(Account::SchemeFees)
                + l.balance(Account::AcquirerRevenue),
        };
        let stations = self
            .nodes
            .stations
            .iter()
            .map(|s| StationSnap {
                busy: s.busy(),
                working: s.working(),
                queue: s.queue_len(),
                busy_area: s.busy_area_at(t),
            })
            .collect();
        let snap = Snapshot { t, money, stations };
        self.tracer.sample(&snap);
    }
}

/// Replays run `run` of `s` under `seed` (deterministic: the same run as in the batch) and
/// samples it at `points` evenly spaced instants over the horizon (at least 2).
pub fn sample_run(
    s: &Scenario,
    seed: u64,
    run: u64,
    points: usize,
) -> Result<TimeSeries, RunError> {
    simulate_sampled(s, seed, run, points).map(|(_, series)| series)
}

/// Runs run `run` of `s` under `seed` sampled as [`sample_run`] does: its output (the same as
/// unsampled) and its series.
pub fn simulate_sampled(
    s: &Scenario,
    seed: u64,
    run: u64,
    points: usize,
) -> Result<(super::RunOutput, TimeSeries), RunError> {
    let mut sampler = Sampler::new(points.max(2));
    let out = simulate(s, seed, run, &mut sampler)?;
    let horizon = out.horizon;
    let faults = {
        let topo = super::topology::Topology::new(s);
        let f = super::faults::Faults::new(s, &topo, seed, run, horizon);
        s.faults
            .iter()
            .zip(&f.all)
            .map(|(spec, f)| FaultWindows {
                id: spec.id.clone(),
                windows: f.windows.list().to_vec(),
            })
            .collect()
    };
    let series = TimeSeries {
        run,
        // The charts span the normal cycle: the disputes' months-long tail is not drawn.
        horizon: crate::scenario::calendar::cycle_end(s).min(horizon),
        traffic_window: s.traffic_window,
        stations: s.stations().iter().map(|st| st.id.clone()).collect(),
        points: sampler.snaps,
        faults,
        till: sampler.till,
    };
    Ok((out, series))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::NoTrace;

    fn small(name: &str) -> Scenario {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/");
        let mut s = crate::scenario::load(
            std::path::Path::new(&format!("{path}{name}.toml")),
            &Default::default(),
        )
        .unwrap();
        // A shorter day keeps the test quick; the fault windows stay inside it.
        for g in &mut s.terminals {
            g.rate /= 20.0;
        }
        s
    }

    #[test]
    fn sampling_does_not_change_the_run() {
        for name in ["outage", "partial_failure", "wrong_account"] {
            let s = small(name);
            let plain = simulate(&s, 7, 1, &mut NoTrace).unwrap();
            let mut sampler = Sampler::new(123);
            let sampled = simulate(&s, 7, 1, &mut sampler).unwrap();
            assert_eq!(plain.outcomes, sampled.outcomes, "{name}");
            assert_eq!(plain.outcome_amounts, sampled.outcome_amounts, "{name}");
            assert_eq!(plain.events, sampled.events, "{name}");
            assert_eq!(plain.payments, sampled.payments, "{name}");
            assert_eq!(plain.merchant_credited, sampled.merchant_credited, "{name}");
            for ((_, a), (_, b)) in plain.stations.iter().zip(&sampled.stations) {
                assert_eq!(a.utilization.to_bits(), b.utilization.to_bits(), "{name}");
            }
            assert_eq!(sampler.snaps.len(), 123);
        }
    }

    #[test]
    fn till_buckets_count_every_sale_and_each_failure_once() {
        // Partial failures (servers lost, then a share of requests refused): every timeout and
        // every refusal is a failure at the till; the issuer's declines are not.
        let s = small("partial_failure");
        let mut sampler = Sampler::new(2);
        let out = simulate(&s, 7, 0, &mut sampler).unwrap();
        let t = &sampler.till;
        let (sales, failed, repeats) = t.totals(0, t.sales.len());
        assert_eq!(sales, out.payments);
        assert_eq!(repeats, out.cardholder_repeats);
        assert!(failed >= out.timeouts && failed > 0 && failed < sales);
        // Coarser buckets keep the totals; adding a run doubles them.
        let q = t.coarse(15);
        assert_eq!(q.totals(0, q.sales.len()), (sales, failed, repeats));
        let mut two = t.clone();
        two.add(t);
        assert_eq!(two.totals(0, two.sales.len()), (2 * sales, 2 * failed, 0));
        let shares = q.shares();
        assert!(shares.iter().all(|&(_, x)| (0.0..=1.0).contains(&x)));
        assert_eq!(shares.len(), q.sales.iter().filter(|&&n| n > 0).count());
    }

    #[test]
    fn sampled_money_balances_and_instants_are_even() {
        let s = small("wrong_account");
        let ts = sample_run(&s, 3, 0, 50).unwrap();
        assert_eq!(ts.points.len(), 50);
        assert_eq!(ts.points[0].t, 0);
        assert_eq!(ts.points.last().unwrap().t, ts.horizon);
        for w in ts.points.windows(2) {
            assert!(w[0].t < w[1].t);
        }
        for p in &ts.points {
            assert_eq!(p.money.total(), 0, "books balance at {}", p.t);
            assert_eq!(p.stations.len(), ts.stations.len());
        }
        // Money moved: cardholders paid and merchants were credited by the end.
        let last = ts.points.last().unwrap().money;
        assert!(last.cardholders < 0 && last.merchants > 0);
        // Busy integrals never decrease.
        for k in 0..ts.stations.len() {
            for w in ts.points.windows(2) {
                assert!(w[0].stations[k].busy_area <= w[1].stations[k].busy_area);
            }
            for (_, u) in ts.utilisation(k) {
                assert!((0.0..=1.0).contains(&u));
            }
        }
        assert_eq!(ts.faults.len(), s.faults.len());
    }
}

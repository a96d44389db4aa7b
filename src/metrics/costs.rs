//! The cost of a design (`[costs]` in a scenario): each run's counts priced, so a comparison
//! can say what a remedy saves in money that did not arrive and what it costs to run.

use super::run::{Outcome, RunOutput};
use crate::engine::Nanos;
use crate::scenario::Scenario;
use crate::scenario::costs::CostSpec;

/// The cost metrics: name and terminal label. `cost_total` is their sum.
pub const ITEMS: [(&str, Option<&str>); 9] = [
    ("cost_servers", None),
    ("cost_messages", None),
    ("cost_backup_routes", None),
    ("cost_reconciliation", None),
    ("cost_support", None),
    ("cost_chargebacks", None),
    ("cost_lost_sales", None),
    ("cost_till_wait", None),
    ("cost_total", Some("cost of the design (all items)")),
];

/// Prices and what they apply to, fixed for a scenario.
#[derive(Clone, Debug)]
pub struct CostModel {
    spec: CostSpec,
    /// Report-order station index of each channel.
    channel_station: Vec<usize>,
    /// Reconciliation's first run and interval, if it runs.
    recon: Option<(Nanos, Nanos)>,
    /// How long a till waits before it gives up.
    terminal_timeout: Nanos,
}

impl CostModel {
    pub fn new(s: &Scenario) -> Option<Self> {
        let spec = s.costs.clone()?;
        Some(CostModel {
            spec,
            channel_station: (0..s.channels.len()).map(|c| 1 + c).collect(),
            recon: s.reconciliation.as_ref().map(|r| (r.at, r.interval)),
            terminal_timeout: s.strategy.terminal_timeout,
        })
    }

    /// Reconciliation runs before `horizon`: at `at`, then every `interval`.
    fn recon_runs(&self, horizon: Nanos) -> u64 {
        match self.recon {
            Some((at, interval)) if at < horizon && interval > 0 => {
                (horizon - 1 - at) / interval + 1
            }
            _ => 0,
        }
    }

    /// Hours the tills waited for an answer: every answer's wait (from the authorisation
    /// latency's histogram) and the full timeout of every attempt that got none.
    fn till_wait_hours(&self, o: &RunOutput) -> f64 {
        let h = &o.auth_latency_us;
        let answered_us = h.mean() * h.len() as f64;
        let timed_out_ns = o.timeouts as f64 * self.terminal_timeout as f64;
        (answered_us * 1e3 + timed_out_ns) / crate::engine::HOUR as f64
    }

    /// The cost items of one run, aligned with [`ITEMS`], in major units.
    pub fn items(&self, o: &RunOutput) -> [f64; ITEMS.len()] {
        let p = &self.spec;
        let servers: f64 = o.stations.iter().map(|(_, st)| st.server_hours).sum();
        let messages: f64 = self
            .channel_station
            .iter()
            .zip(&p.channel_fee)
            .map(|(&i, fee)| {
                o.stations.get(i).map_or(0, |(_, st)| st.arrivals_in_window) as f64 * fee
            })
            .sum();
        let mut v = [
            servers * p.server_hour,
            messages,
            o.failovers as f64 * p.backup_route,
            self.recon_runs(o.horizon) as f64 * p.reconciliation_run,
            o.support_cases as f64 * p.support_case,
            o.count(Outcome::Chargeback) as f64 * p.chargeback,
            o.false_declines as f64 * p.lost_sale,
            self.till_wait_hours(o) * p.till_wait_hour,
            0.0,
        ];
        v[ITEMS.len() - 1] = v[..ITEMS.len() - 1].iter().sum();
        v
    }
}

//! The metric catalogue: every metric a run reports, declared once (name, unit, how it is read
//! from a run, and whether the terminal table shows it). `summary.json`, `runs.csv` and the
//! terminal table are all generated from it, so adding a metric is one entry here.
//!
//! Amounts are in major currency units; durations in seconds (latencies in milliseconds, as
//! named); counts are per run.

use super::run::{Outcome, RunOutput, StationStats};
use crate::scenario::Scenario;

/// What a metric measures, which fixes its natural bounds and how it is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// A number of things per run.
    Count,
    /// Money, major units.
    Money,
    /// A share in [0, 1].
    Ratio,
    /// A duration in seconds.
    Seconds,
    /// A duration in milliseconds.
    Millis,
    /// Events per second.
    PerSecond,
    /// A time-average number (queue length).
    Level,
}

impl Unit {
    /// The interval every value of this unit lies in (confidence intervals are clipped to it).
    pub fn bounds(self) -> (f64, f64) {
        match self {
            Unit::Ratio => (0.0, 1.0),
            _ => (0.0, f64::INFINITY),
        }
    }
}

type RunRead = fn(&RunOutput) -> Option<f64>;
type StationRead = fn(&StationStats, f64) -> Option<f64>;

/// How a metric's value is read from one run.
#[derive(Clone, Copy)]
enum Read {
    Run(RunRead),
    /// A station's statistic (station index in report order; the traffic window in seconds).
    Station(usize, StationRead),
    /// An outcome's count (`false`) or amount (`true`).
    Outcome(Outcome, bool),
    /// The count or amount of an outcome's payments with a given cause.
    Cause(usize, Outcome, bool),
    /// The payments a cause struck whose outcome is counted against another cause.
    CauseAlso(usize),
    /// A cost item of the design (`[costs]`), by its index in `costs::ITEMS`.
    Cost(usize),
    /// The money the business loses, plus the design's cost: [`LOSS`].
    Loss,
}

/// The objective `payfault compare` ranks designs by (unless told another): the money lost to
/// the merchant and the cardholder — not arrived, charged without a sale, charged twice — plus
/// the design's cost (`cost_total`, which prices lost sales, servers, messages, ...) when the
/// scenario has `[costs]`. Major units per run.
pub const LOSS: &str = "loss_total";

/// The prefix of the per-cause metrics: `causes.<cause>.<outcome>` and `..._amount`.
pub const CAUSES: &str = "causes.";

/// One metric.
#[derive(Clone)]
pub struct Metric {
    pub name: String,
    pub unit: Unit,
    /// The label of its row in the terminal table, if it has one.
    pub label: Option<&'static str>,
    /// Why this scenario cannot make it non-zero (its mechanism is off), see
    /// [`super::applies`].
    pub off: Option<&'static str>,
    /// For a share: the metrics whose sum per run is its denominator (empty for others).
    pub den: Vec<usize>,
    read: Read,
}

mod table;
pub use table::ALL_OUTCOMES;
use table::{DENOMINATORS, OUTCOMES, RUN, STATION, major};

/// The metrics of one scenario, in report order.
#[derive(Clone)]
pub struct Catalogue {
    pub metrics: Vec<Metric>,
    /// The scenario's faults: (id, kind, what it strikes), for the report.
    pub faults: Vec<(String, &'static str, String)>,
    traffic_window_s: f64,
    costs: Option<super::costs::CostModel>,
    /// The scenario's mean payment amount, major units (the scale of an amount never seen).
    pub mean_amount: f64,
    /// `E[A²]/E[A]` of the payment amount `A`, major units: the dispersion of a compound
    /// Poisson sum of amounts per unit of its mean.
    pub amount_dispersion: f64,
    /// Queueing stations (the scale of a duration never seen: each can be down at most the
    /// whole observation).
    pub stations: usize,
}

impl Catalogue {
    pub fn for_scenario(s: &Scenario) -> Self {
        let mut metrics: Vec<Metric> = vec![];
        let mut run = RUN.iter().map(|&(name, unit, label, read)| Metric {
            name: name.into(),
            unit,
            label,
            off: None,
            den: vec![],
            read: Read::Run(read),
        });
        metrics.extend(run.next()); // payments first
        for (o, label) in OUTCOMES {
            metrics.push(Metric {
                name: o.metric().into(),
                unit: Unit::Count,
                label: Some(label),
                off: None,
                den: vec![],
                read: Read::Outcome(o, false),
            });
            metrics.push(Metric {
                name: format!("{}_amount", o.metric()),
                unit: Unit::Money,
                label: matches!(o, Outcome::NotArrived | Outcome::ChargedWithoutSale)
                    .then_some("  amount"),
                off: None,
                den: vec![],
                read: Read::Outcome(o, true),
            });
        }
        metrics.extend(run);
        // Per cause (not "none"), every outcome but settling on time.
        for (c, name) in crate::scenario::cause::names(s).iter().enumerate().skip(1) {
            for o in Outcome::ALL
                .into_iter()
                .filter(|&o| o != Outcome::SettledOnTime)
            {
                for amount in [false, true] {
                    let suffix = if amount { "_amount" } else { "" };
                    metrics.push(Metric {
                        name: format!("{CAUSES}{name}.{}{suffix}", o.metric()),
                        unit: if amount { Unit::Money } else { Unit::Count },
                        label: None,
                        off: None,
                        den: vec![],
                        read: Read::Cause(c, o, amount),
                    });
                }
            }
            metrics.push(Metric {
                name: format!("{CAUSES}{name}.also"),
                unit: Unit::Count,
                label: None,
                off: None,
                den: vec![],
                read: Read::CauseAlso(c),
            });
        }
        for (i, st) in s.stations().into_iter().enumerate() {
            for &(prefix, unit, read) in STATION {
                metrics.push(Metric {
                    name: format!("{prefix}.{}", st.id),
                    unit,
                    label: None,
                    off: None,
                    den: vec![],
                    read: Read::Station(i, read),
                });
            }
        }
        let costs = super::costs::CostModel::new(s);
        if costs.is_some() {
            for (k, (name, label)) in super::costs::ITEMS.into_iter().enumerate() {
                metrics.push(Metric {
                    name: name.into(),
                    unit: Unit::Money,
                    label,
                    off: None,
                    den: vec![],
                    read: Read::Cost(k),
                });
            }
        }
        metrics.push(Metric {
            name: LOSS.into(),
            unit: Unit::Money,
            label: Some("money lost (+ design cost)"),
            off: None,
            den: vec![],
            read: Read::Loss,
        });
        for m in &mut metrics {
            m.off = super::applies::off(s, &m.name);
        }
        for (name, parts) in DENOMINATORS {
            let pos = |n: &str| metrics.iter().position(|m| m.name == n);
            if let Some(i) = pos(name) {
                metrics[i].den = parts.iter().filter_map(|p| pos(p)).collect();
            }
        }
        // The payment amount's first two moments over the terminal groups' mix, major units.
        let rate: f64 = s.terminals.iter().map(|g| g.rate).sum();
        let moment = |f: fn(&crate::engine::dist::Dist) -> f64| {
            let m: f64 = s.terminals.iter().map(|g| g.rate * f(&g.amount)).sum();
            if rate > 0.0 { m / rate } else { 0.0 }
        };
        let mean_amount = moment(|d| d.mean()) / 100.0;
        let amount_dispersion = if mean_amount > 0.0 {
            moment(|d| d.second_moment()) / 1e4 / mean_amount
        } else {
            1.0
        };
        Catalogue {
            metrics,
            costs,
            mean_amount,
            amount_dispersion,
            stations: s.stations().len(),
            faults: s
                .faults
                .iter()
                .map(|f| {
                    (
                        f.id.clone(),
                        crate::scenario::faults::kind_name(f.kind),
                        crate::scenario::faults::describe_target(s, &f.target),
                    )
                })
                .collect(),
            traffic_window_s: crate::engine::time::as_secs_f64(s.traffic_window),
        }
    }

    /// What metric `i`'s kind tells its interval: whether its runs are sums of events and
    /// their least dispersion, and the scale of a mean never seen (see
    /// [`super::interval::Scale`]). `den` is the sum over runs of a share's denominator and
    /// the runs that defined it; `horizon_s` the observation's length.
    pub fn scale(&self, i: usize, den: (f64, u64), horizon_s: f64) -> super::interval::Scale {
        let m = &self.metrics[i];
        let (zero, phi) = match (m.unit, m.read) {
            (Unit::Count, _) => (1.0, Some(1.0)),
            // Prices times counts vary like continuous figures.
            (Unit::Money, Read::Cost(_)) => (self.mean_amount, None),
            (Unit::Money, _) => (self.mean_amount, Some(self.amount_dispersion)),
            (Unit::Ratio, _) => match den {
                (sum, runs) if sum > 0.0 => (runs as f64 / sum, None),
                _ => (1.0, None),
            },
            (Unit::Seconds, _) => (horizon_s * self.stations.max(1) as f64, None),
            (Unit::Millis, _) => (horizon_s * 1e3, None),
            (Unit::Level | Unit::PerSecond, _) => (1.0, None),
        };
        super::interval::Scale { zero, phi }
    }

    pub fn names(&self) -> Vec<String> {
        self.metrics.iter().map(|m| m.name.clone()).collect()
    }

    pub fn position(&self, name: &str) -> Option<usize> {
        self.metrics.iter().position(|m| m.name == name)
    }

    /// One run's values, aligned with the metrics; `None` where a metric is undefined in this
    /// run (e.g. settlement delay when nothing settled).
    pub fn values(&self, out: &RunOutput) -> Vec<Option<f64>> {
        self.metrics
            .iter()
            .map(|m| match m.read {
                Read::Run(f) => f(out),
                Read::Outcome(o, false) => Some(out.count(o) as f64),
                Read::Outcome(o, true) => Some(major(out.amount(o))),
                Read::Cause(c, o, amount) => out.by_cause.get(c).map(|row| {
                    let (n, a) = row[o as usize];
                    if amount { major(a) } else { n as f64 }
                }),
                Read::CauseAlso(c) => out.cause_also.get(c).map(|&n| n as f64),
                Read::Station(i, f) => out
                    .stations
                    .get(i)
                    .and_then(|(_, st)| f(st, self.traffic_window_s)),
                Read::Cost(k) => self.costs.as_ref().map(|c| c.items(out)[k]),
                Read::Loss => Some(self.loss(out)),
            })
            .collect()
    }

    /// Whether `name` is a headline metric: one with a row in the terminal table (the
    /// curated family `payfault check --against-baseline` judges apart from the rest).
    pub fn is_headline(&self, name: &str) -> bool {
        self.metrics
            .iter()
            .any(|m| m.name == name && m.label.is_some())
    }
}

impl Catalogue {
    /// [`LOSS`] of one run: money not arrived, charged without a sale and charged twice, paid
    /// twice to merchants and not taken back, plus the design's total cost when the scenario
    /// prices it.
    pub fn loss(&self, out: &RunOutput) -> f64 {
        let money = out.amount(Outcome::NotArrived)
            + out.amount(Outcome::ChargedWithoutSale)
            + out.duplicate_charge_amount
            + out.duplicate_open;
        let cost = self
            .costs
            .as_ref()
            .map_or(0.0, |c| c.items(out)[super::costs::ITEMS.len() - 1]);
        major(money) + cost
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{NoTrace, simulate};

    #[test]
    fn values_align_with_names() {
        let mut s = crate::scenario::baseline();
        s.traffic_window = crate::engine::HOUR;
        let out = simulate(&s, 1, 0, &mut NoTrace).unwrap();
        let c = Catalogue::for_scenario(&s);
        let v = c.values(&out);
        assert_eq!(c.metrics.len(), v.len());
        let get = |k: &str| v[c.position(k).unwrap()];
        assert_eq!(get("payments"), Some(out.payments as f64));
        assert_eq!(
            get("not_arrived"),
            Some(out.count(Outcome::NotArrived) as f64)
        );
        assert!(c.position("charged_without_sale_amount").is_some());
        assert!(c.position("utilization.scheme").is_some());
        let loss = out.amount(Outcome::NotArrived)
            + out.amount(Outcome::ChargedWithoutSale)
            + out.duplicate_charge_amount;
        assert_eq!(
            get(LOSS),
            Some(major(loss)),
            "no [costs]: the money lost alone"
        );
        let names = c.names();
        let mut sorted = names.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), names.len(), "metric names are unique");
    }
}

//! The metric catalogue: every metric a run reports, declared once (name, unit, how it is read
//! from a run, and whether the terminal table shows it). `summary.json`, `runs.csv` and the
//! terminal table are all generated from it, so adding a metric is one entry here.
//!
//! Amounts are in major currency units; durations in seconds (latencies in milliseconds, as
//! named); counts are per run.

use super::run::{Outcome, RunOutput, StationStats};
use crate::scenario::Scenario;
use hdrhistogram::Histogram;

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
}

/// One metric.
#[derive(Clone)]
pub struct Metric {
    pub name: String,
    pub unit: Unit,
    /// The label of its row in the terminal table, if it has one.
    pub label: Option<&'static str>,
    read: Read,
}

fn major(minor: i64) -> f64 {
    minor as f64 / 100.0
}

fn quantile(h: &Histogram<u64>, q: f64, per_unit: f64) -> Option<f64> {
    (!h.is_empty()).then(|| h.value_at_quantile(q) as f64 / per_unit)
}

/// The outcome metrics: for each outcome its count and `<name>_amount`, with the label of the
/// count's row in the terminal table.
const OUTCOMES: [(Outcome, &str); Outcome::COUNT] = [
    (Outcome::SettledOnTime, "settled on time"),
    (Outcome::SettledLate, "settled late"),
    (Outcome::Declined, "declined"),
    (Outcome::Reversed, "reversed (held, then released)"),
    (Outcome::NotArrived, "not arrived (approved, not paid)"),
    (Outcome::ChargedWithoutSale, "charged without a sale"),
    (Outcome::Chargeback, "chargebacks (fraud)"),
    (Outcome::Pending, "pending at end of observation"),
];

/// The run-level metrics besides the outcomes: (name, unit, table label, reader).
const RUN: &[(&str, Unit, Option<&str>, RunRead)] = &[
    ("payments", Unit::Count, Some("payments per run"), |o| {
        Some(o.payments as f64)
    }),
    (
        "settled_on_time_ratio",
        Unit::Ratio,
        Some("settled on time (share of settled)"),
        |o| {
            let on_time = o.count(Outcome::SettledOnTime);
            let n = on_time + o.count(Outcome::SettledLate);
            (n > 0).then(|| on_time as f64 / n as f64)
        },
    ),
    (
        "false_declines",
        Unit::Count,
        Some("false declines (payable, refused)"),
        |o| Some(o.false_declines as f64),
    ),
    (
        "not_arrived_oldest_age_s",
        Unit::Seconds,
        Some("oldest money not arrived, age"),
        |o| Some(o.not_arrived_oldest as f64 / 1e9),
    ),
    ("saf_reversals_sent", Unit::Count, None, |o| {
        Some(o.saf_sent as f64)
    }),
    ("saf_expired", Unit::Count, None, |o| {
        Some(o.saf_expired as f64)
    }),
    ("payouts_returned", Unit::Count, None, |o| {
        Some(o.payouts_returned as f64)
    }),
    (
        "payout_return_share",
        Unit::Ratio,
        Some("payouts returned (share)"),
        |o| (o.payouts > 0).then(|| o.payouts_returned as f64 / o.payouts as f64),
    ),
    (
        "suspense_amount",
        Unit::Money,
        Some("in suspense at the end"),
        |o| Some(major(o.suspense_at_end)),
    ),
    ("holds_expired", Unit::Count, None, |o| {
        Some(o.holds_expired as f64)
    }),
    ("timeouts", Unit::Count, None, |o| Some(o.timeouts as f64)),
    ("reversals_sent", Unit::Count, None, |o| {
        Some(o.reversals_sent as f64)
    }),
    ("messages_lost", Unit::Count, None, |o| {
        Some(o.messages_lost as f64)
    }),
    ("risk_declines", Unit::Count, None, |o| {
        Some(o.risk_declines as f64)
    }),
    ("risk_reviews", Unit::Count, None, |o| {
        Some(o.risk_reviews as f64)
    }),
    ("late_answers", Unit::Count, None, |o| {
        Some(o.late_answers as f64)
    }),
    (
        "settlement_delay_p50_s",
        Unit::Seconds,
        Some("settlement delay p50"),
        |o| quantile(&o.settle_delay_ms, 0.5, 1e3),
    ),
    (
        "settlement_delay_p99_s",
        Unit::Seconds,
        Some("settlement delay p99"),
        |o| quantile(&o.settle_delay_ms, 0.99, 1e3),
    ),
    ("auth_latency_p50_ms", Unit::Millis, None, |o| {
        quantile(&o.auth_latency_us, 0.5, 1e3)
    }),
    (
        "auth_latency_p99_ms",
        Unit::Millis,
        Some("authorisation latency p99"),
        |o| quantile(&o.auth_latency_us, 0.99, 1e3),
    ),
    ("events", Unit::Count, None, |o| Some(o.events as f64)),
];

/// The per-station metrics, named `<prefix>.<station id>`.
const STATION: &[(&str, Unit, StationRead)] = &[
    ("queue_wait_mean_s", Unit::Seconds, |s, _| s.mean_wait_s()),
    ("queue_len_mean", Unit::Level, |s, _| Some(s.mean_queue_len)),
    ("utilization", Unit::Ratio, |s, _| Some(s.utilization)),
    ("arrival_rate", Unit::PerSecond, |s, w| {
        Some(s.arrivals_in_window as f64 / w)
    }),
    ("outage_drops", Unit::Count, |s, _| {
        Some(s.outage_hits as f64)
    }),
];

/// The metrics of one scenario, in report order.
#[derive(Clone)]
pub struct Catalogue {
    pub metrics: Vec<Metric>,
    traffic_window_s: f64,
}

impl Catalogue {
    pub fn for_scenario(s: &Scenario) -> Self {
        let mut metrics: Vec<Metric> = vec![];
        let mut run = RUN.iter().map(|&(name, unit, label, read)| Metric {
            name: name.into(),
            unit,
            label,
            read: Read::Run(read),
        });
        metrics.extend(run.next()); // payments first
        for (o, label) in OUTCOMES {
            metrics.push(Metric {
                name: o.metric().into(),
                unit: Unit::Count,
                label: Some(label),
                read: Read::Outcome(o, false),
            });
            metrics.push(Metric {
                name: format!("{}_amount", o.metric()),
                unit: Unit::Money,
                label: matches!(o, Outcome::NotArrived | Outcome::ChargedWithoutSale)
                    .then_some("  amount"),
                read: Read::Outcome(o, true),
            });
        }
        metrics.extend(run);
        for (i, st) in s.stations().into_iter().enumerate() {
            for &(prefix, unit, read) in STATION {
                metrics.push(Metric {
                    name: format!("{prefix}.{}", st.id),
                    unit,
                    label: None,
                    read: Read::Station(i, read),
                });
            }
        }
        Catalogue {
            metrics,
            traffic_window_s: crate::engine::time::as_secs_f64(s.traffic_window),
        }
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
                Read::Station(i, f) => out
                    .stations
                    .get(i)
                    .and_then(|(_, st)| f(st, self.traffic_window_s)),
            })
            .collect()
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
        let names = c.names();
        let mut sorted = names.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), names.len(), "metric names are unique");
    }
}

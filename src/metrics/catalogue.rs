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
    ("messages_duplicated", Unit::Count, None, |o| {
        Some(o.duplicates as f64)
    }),
    ("junk_requests", Unit::Count, None, |o| {
        Some(o.junk_requests as f64)
    }),
    ("terminal_refusals", Unit::Count, None, |o| {
        Some(o.terminal_refusals as f64)
    }),
    ("terminal_crashes", Unit::Count, None, |o| {
        Some(o.terminal_crashes as f64)
    }),
    ("bad_input", Unit::Count, None, |o| Some(o.bad_input as f64)),
    ("risk_declines", Unit::Count, None, |o| {
        Some(o.risk_declines as f64)
    }),
    ("risk_reviews", Unit::Count, None, |o| {
        Some(o.risk_reviews as f64)
    }),
    ("server_hours", Unit::Level, None, |o| {
        Some(o.stations.iter().map(|(_, s)| s.server_hours).sum())
    }),
    ("scale_ups", Unit::Count, None, |o| Some(o.scale_ups as f64)),
    ("luhn_catches", Unit::Count, None, |o| {
        Some(o.luhn_catches as f64)
    }),
    ("review_sla_breaches", Unit::Count, None, |o| {
        Some(o.review_sla_breaches as f64)
    }),
    ("support_cases", Unit::Count, None, |o| {
        Some(o.support_cases as f64)
    }),
    ("saf_bad_records", Unit::Count, None, |o| {
        Some(o.saf_bad_records as f64)
    }),
    ("saf_blocked", Unit::Count, None, |o| {
        Some(o.saf_blocked as f64)
    }),
    ("late_answers", Unit::Count, None, |o| {
        Some(o.late_answers as f64)
    }),
    ("late_responses_refused", Unit::Count, None, |o| {
        Some(o.late_refused as f64)
    }),
    ("acquirer_timeouts", Unit::Count, None, |o| {
        Some(o.acquirer_timeouts as f64)
    }),
    ("channel_timeouts", Unit::Count, None, |o| {
        Some(o.channel_timeouts as f64)
    }),
    ("failovers", Unit::Count, None, |o| Some(o.failovers as f64)),
    ("routed_around", Unit::Count, None, |o| {
        Some(o.routed_around as f64)
    }),
    ("echoes_sent", Unit::Count, None, |o| {
        Some(o.echoes_sent as f64)
    }),
    ("echoes_failed", Unit::Count, None, |o| {
        Some(o.echoes_failed as f64)
    }),
    ("channels_marked_down", Unit::Count, None, |o| {
        Some(o.channels_marked_down as f64)
    }),
    ("channel_down_time_s", Unit::Seconds, None, |o| {
        Some(o.channel_down_time as f64 / 1e9)
    }),
    ("breaker_opens", Unit::Count, None, |o| {
        Some(o.breaker_opens as f64)
    }),
    ("breaker_fast_fails", Unit::Count, None, |o| {
        Some(o.breaker_fast_fails as f64)
    }),
    ("breaker_open_time_s", Unit::Seconds, None, |o| {
        Some(o.breaker_open_time as f64 / 1e9)
    }),
    ("bulkhead_rejections", Unit::Count, None, |o| {
        Some(o.bulkhead_rejections as f64)
    }),
    ("bulkhead_in_flight_max", Unit::Count, None, |o| {
        Some(o.bulkhead_in_flight_max as f64)
    }),
    ("requests_shed", Unit::Count, None, |o| {
        Some(o.requests_shed as f64)
    }),
    ("retry_attempts", Unit::Count, None, |o| {
        Some(o.retry_attempts as f64)
    }),
    ("retries_denied_by_budget", Unit::Count, None, |o| {
        Some(o.retries_denied_by_budget as f64)
    }),
    ("attempts_without_outcome", Unit::Count, None, |o| {
        Some(o.attempts_without_outcome as f64)
    }),
    ("duplicate_charges", Unit::Count, None, |o| {
        Some(o.duplicate_charges as f64)
    }),
    ("duplicate_charge_amount", Unit::Money, None, |o| {
        Some(major(o.duplicate_charge_amount))
    }),
    ("idempotent_replays", Unit::Count, None, |o| {
        Some(o.idempotent_replays as f64)
    }),
    ("cardholder_repeats", Unit::Count, None, |o| {
        Some(o.cardholder_repeats as f64)
    }),
    ("stand_ins", Unit::Count, None, |o| Some(o.stand_ins as f64)),
    ("advices_sent", Unit::Count, None, |o| {
        Some(o.advices_sent as f64)
    }),
    ("advices_expired", Unit::Count, None, |o| {
        Some(o.advices_expired as f64)
    }),
    ("refunds_after_posting", Unit::Count, None, |o| {
        Some(o.refunds as f64)
    }),
    ("merchant_debits", Unit::Count, None, |o| {
        Some(o.merchant_debits as f64)
    }),
    ("clearing_files_rejected", Unit::Count, None, |o| {
        Some(o.files_rejected as f64)
    }),
    ("clearing_files_late", Unit::Count, None, |o| {
        Some(o.files_late as f64)
    }),
    (
        "presentment_exceptions",
        Unit::Count,
        Some("unmatched presentments (exceptions)"),
        |o| Some(o.exceptions as f64),
    ),
    ("payouts_delayed_by_maintenance", Unit::Count, None, |o| {
        Some(o.payouts_delayed as f64)
    }),
    ("d0_payouts", Unit::Count, None, |o| Some(o.advances as f64)),
    ("d0_over_cap", Unit::Count, None, |o| {
        Some(o.d0_over_cap as f64)
    }),
    (
        "merchant_risk_holds",
        Unit::Count,
        Some("payouts held by merchant risk"),
        |o| Some(o.merchant_holds as f64),
    ),
    ("merchant_risk_fraud_refunds", Unit::Count, None, |o| {
        Some(o.merchant_fraud_refunds as f64)
    }),
    ("risk_hold_amount", Unit::Money, None, |o| {
        Some(major(o.risk_hold_at_end))
    }),
    ("chargeback_loss_merchant", Unit::Money, None, |o| {
        Some(major(o.chargeback_loss[0]))
    }),
    ("chargeback_loss_acquirer", Unit::Money, None, |o| {
        Some(major(o.chargeback_loss[1]))
    }),
    ("chargeback_loss_issuer", Unit::Money, None, |o| {
        Some(major(o.chargeback_loss[2]))
    }),
    (
        "breaks_found",
        Unit::Count,
        Some("breaks found by reconciliation"),
        |o| Some(o.breaks_found.iter().sum::<u64>() as f64),
    ),
    ("breaks_found_phantom_charge", Unit::Count, None, |o| {
        Some(o.breaks_found[0] as f64)
    }),
    ("breaks_found_reversal_mismatch", Unit::Count, None, |o| {
        Some(o.breaks_found[1] as f64)
    }),
    (
        "breaks_found_unmatched_presentment",
        Unit::Count,
        None,
        |o| Some(o.breaks_found[2] as f64),
    ),
    ("breaks_found_returned_payout", Unit::Count, None, |o| {
        Some(o.breaks_found[3] as f64)
    }),
    (
        "breaks_repaired",
        Unit::Count,
        Some("breaks repaired"),
        |o| Some(o.breaks_repaired as f64),
    ),
    ("break_repair_age_mean_s", Unit::Seconds, None, |o| {
        (o.breaks_repaired > 0).then(|| o.repaired_age_sum as f64 / o.breaks_repaired as f64 / 1e9)
    }),
    ("break_repair_age_max_s", Unit::Seconds, None, |o| {
        (o.breaks_repaired > 0).then(|| o.repaired_age_max as f64 / 1e9)
    }),
    (
        "breaks_open",
        Unit::Count,
        Some("breaks open at the end"),
        |o| Some(o.breaks_open.iter().sum::<u64>() as f64),
    ),
    ("breaks_open_phantom_charge", Unit::Count, None, |o| {
        Some(o.breaks_open[0] as f64)
    }),
    ("breaks_open_reversal_mismatch", Unit::Count, None, |o| {
        Some(o.breaks_open[1] as f64)
    }),
    (
        "breaks_open_unmatched_presentment",
        Unit::Count,
        None,
        |o| Some(o.breaks_open[2] as f64),
    ),
    ("breaks_open_returned_payout", Unit::Count, None, |o| {
        Some(o.breaks_open[3] as f64)
    }),
    (
        "open_break_oldest_age_s",
        Unit::Seconds,
        Some("oldest open break, age"),
        |o| Some(o.open_break_oldest as f64 / 1e9),
    ),
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
    ("server_hours", Unit::Level, |s, _| Some(s.server_hours)),
];

/// The metrics of one scenario, in report order.
#[derive(Clone)]
pub struct Catalogue {
    pub metrics: Vec<Metric>,
    /// The scenario's faults: (id, kind, what it strikes), for the report.
    pub faults: Vec<(String, &'static str, String)>,
    traffic_window_s: f64,
    costs: Option<super::costs::CostModel>,
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
                        read: Read::Cause(c, o, amount),
                    });
                }
            }
            metrics.push(Metric {
                name: format!("{CAUSES}{name}.also"),
                unit: Unit::Count,
                label: None,
                read: Read::CauseAlso(c),
            });
        }
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
        let costs = super::costs::CostModel::new(s);
        if costs.is_some() {
            for (k, (name, label)) in super::costs::ITEMS.into_iter().enumerate() {
                metrics.push(Metric {
                    name: name.into(),
                    unit: Unit::Money,
                    label,
                    read: Read::Cost(k),
                });
            }
        }
        metrics.push(Metric {
            name: LOSS.into(),
            unit: Unit::Money,
            label: Some(if costs.is_some() {
                "money lost + cost of the design"
            } else {
                "money lost (not arrived, wrong charges)"
            }),
            read: Read::Loss,
        });
        Catalogue {
            metrics,
            costs,
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
    /// [`LOSS`] of one run: money not arrived, charged without a sale and charged twice, plus
    /// the design's total cost when the scenario prices it.
    pub fn loss(&self, out: &RunOutput) -> f64 {
        let money = out.amount(Outcome::NotArrived)
            + out.amount(Outcome::ChargedWithoutSale)
            + out.duplicate_charge_amount;
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

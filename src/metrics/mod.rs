//! Metrics: the named per-run values a run produces, and their summaries across runs.
//!
//! Amounts are reported in major currency units; durations in seconds (latencies in
//! milliseconds, as named).

pub mod stats;

pub use stats::{Accumulator, Summary};

use crate::model::{Outcome, RunOutput};
use crate::scenario::Scenario;

/// The metric names of a scenario, in report order. Every run of the scenario produces values
/// for exactly these names (see [`values`]).
pub fn names(s: &Scenario) -> Vec<String> {
    let mut v: Vec<String> = FIXED.iter().map(|s| s.to_string()).collect();
    for st in s.stations() {
        for prefix in STATION {
            v.push(format!("{prefix}.{}", st.id));
        }
    }
    v
}

const FIXED: &[&str] = &[
    "payments",
    "settled",
    "settled_amount",
    "settled_on_time_ratio",
    "declined",
    "false_declines",
    "reversed",
    "stuck",
    "stuck_amount",
    "duplicate_charges",
    "fraud_loss",
    "fraud_loss_amount",
    "pending",
    "pending_amount",
    "holds_expired",
    "timeouts",
    "reversals_sent",
    "messages_lost",
    "risk_declines",
    "risk_reviews",
    "late_answers",
    "settlement_delay_p50_s",
    "settlement_delay_p99_s",
    "auth_latency_p50_ms",
    "auth_latency_p99_ms",
    "events",
];

const STATION: &[&str] = &[
    "queue_wait_mean_s",
    "queue_len_mean",
    "utilization",
    "arrival_rate",
    "outage_drops",
];

fn major(minor: i64) -> f64 {
    minor as f64 / 100.0
}

/// Per-run values, aligned with [`names`]; `None` where the metric is undefined in this run
/// (e.g. settlement delay when nothing settled).
pub fn values(out: &RunOutput, traffic_window_s: f64) -> Vec<Option<f64>> {
    let c = |o| Some(out.count(o) as f64);
    let a = |o| Some(major(out.amount(o)));
    let settled = out.count(Outcome::Settled) + out.count(Outcome::FraudLoss);
    let q = |h: &hdrhistogram::Histogram<u64>, p: f64, scale: f64| {
        (!h.is_empty()).then(|| h.value_at_quantile(p) as f64 / scale)
    };
    let mut v = vec![
        Some(out.payments as f64),
        c(Outcome::Settled),
        a(Outcome::Settled),
        (settled > 0).then(|| out.settled_on_time as f64 / settled as f64),
        c(Outcome::Declined),
        Some(out.false_declines as f64),
        c(Outcome::Reversed),
        c(Outcome::Stuck),
        a(Outcome::Stuck),
        c(Outcome::DuplicateCharge),
        c(Outcome::FraudLoss),
        a(Outcome::FraudLoss),
        c(Outcome::Pending),
        a(Outcome::Pending),
        Some(out.holds_expired as f64),
        Some(out.timeouts as f64),
        Some(out.reversals_sent as f64),
        Some(out.messages_lost as f64),
        Some(out.risk_declines as f64),
        Some(out.risk_reviews as f64),
        Some(out.late_answers as f64),
        q(&out.settle_delay_ms, 0.5, 1e3),
        q(&out.settle_delay_ms, 0.99, 1e3),
        q(&out.auth_latency_us, 0.5, 1e3),
        q(&out.auth_latency_us, 0.99, 1e3),
        Some(out.events as f64),
    ];
    for (_, st) in &out.stations {
        v.push(st.mean_wait_s());
        v.push(Some(st.mean_queue_len));
        v.push(Some(st.utilization));
        v.push(Some(st.arrivals_in_window as f64 / traffic_window_s));
        v.push(Some(st.outage_hits as f64));
    }
    v
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
        let n = names(&s);
        let v = values(&out, 3600.0);
        assert_eq!(n.len(), v.len());
        let get = |k: &str| v[n.iter().position(|x| x == k).unwrap()];
        assert_eq!(get("payments"), Some(out.payments as f64));
        assert_eq!(get("stuck"), Some(out.count(Outcome::Stuck) as f64));
        assert!(n.contains(&"utilization.scheme".to_string()));
    }
}

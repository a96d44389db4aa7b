//! The catalogue's tables: the outcome, run-level and per-station metrics, each with its unit,
//! terminal label and reader (moved out of `catalogue.rs` for size; see there).

use super::{RunRead, StationRead, Unit};
use crate::metrics::run::Outcome;
use hdrhistogram::Histogram;

/// The shares whose denominators are sums of other metrics of the same run: what a share
/// that never moved is bounded with (see `interval`, the rule of three).
pub(super) const DENOMINATORS: &[(&str, &[&str])] = &[
    (
        "settled_on_time_ratio",
        &["settled_on_time", "settled_late"],
    ),
    ("payout_return_share", &["payouts"]),
    ("settled_on_time_share", &ALL_OUTCOMES),
];

/// Every outcome's count metric: together, every payment's one outcome (the denominator of
/// `settled_on_time_share` and of the report's outcome table).
pub const ALL_OUTCOMES: [&str; Outcome::COUNT] = [
    "settled_on_time",
    "settled_late",
    "declined",
    "reversed",
    "not_arrived",
    "charged_without_sale",
    "chargebacks",
    "pending",
    "paid_short",
    "voided",
    "refunded",
];

pub(super) fn major(minor: i64) -> f64 {
    minor as f64 / 100.0
}

fn quantile(h: &Histogram<u64>, q: f64, per_unit: f64) -> Option<f64> {
    (!h.is_empty()).then(|| h.value_at_quantile(q) as f64 / per_unit)
}

/// The outcome metrics: for each outcome its count and `<name>_amount`, with the label of the
/// count's row in the terminal table.
pub(super) const OUTCOMES: [(Outcome, &str); Outcome::COUNT] = [
    (Outcome::SettledOnTime, "settled on time"),
    (Outcome::SettledLate, "settled late"),
    (Outcome::Declined, "declined"),
    (Outcome::Reversed, "reversed (held, then released)"),
    (Outcome::NotArrived, "not arrived (approved, not paid)"),
    (Outcome::ChargedWithoutSale, "charged without a sale"),
    (Outcome::Chargeback, "chargebacks"),
    (Outcome::Pending, "pending at end of observation"),
    (Outcome::PaidShort, "paid short (less than the agreement)"),
    (Outcome::Voided, "voided by the merchant"),
    (Outcome::Refunded, "refunded by the merchant"),
];

/// The run-level metrics besides the outcomes: (name, unit, table label, reader).
pub(super) const RUN: &[(&str, Unit, Option<&str>, RunRead)] = &[
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
        "settled_on_time_share",
        Unit::Ratio,
        Some("settled on time (share of all payments)"),
        |o| {
            let n: u64 = Outcome::ALL.iter().map(|&x| o.count(x)).sum();
            (n > 0).then(|| o.count(Outcome::SettledOnTime) as f64 / n as f64)
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
    ("payouts", Unit::Count, None, |o| Some(o.payouts as f64)),
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
        "pos_batch_mismatches",
        Unit::Count,
        Some("terminal batch settlements that did not balance"),
        |o| Some(o.pos_batch_mismatches as f64),
    ),
    (
        "pos_batch_mismatch_amount",
        Unit::Money,
        Some("terminal batches out of balance by"),
        |o| Some(major(o.pos_batch_mismatch_amount)),
    ),
    (
        "pos_batch_reversals",
        Unit::Count,
        Some("sales reversed after a terminal's batch upload"),
        |o| Some(o.pos_batch_reversals as f64),
    ),
    ("voids", Unit::Count, Some("voids the host accepted"), |o| {
        Some(o.voids as f64)
    }),
    (
        "voids_refused",
        Unit::Count,
        Some("voids refused (already cleared, or no such sale)"),
        |o| Some(o.voids_refused as f64),
    ),
    (
        "voids_unanswered",
        Unit::Count,
        Some("voids whose answer never reached the till"),
        |o| Some(o.voids_unanswered as f64),
    ),
    (
        "merchant_refunds",
        Unit::Count,
        Some("refunds the host accepted"),
        |o| Some(o.merchant_refunds as f64),
    ),
    (
        "merchant_refund_amount",
        Unit::Money,
        Some("refunded by merchants"),
        |o| Some(major(o.merchant_refund_amount)),
    ),
    (
        "refunds_refused",
        Unit::Count,
        Some("refunds refused (sale not settled, or no such sale)"),
        |o| Some(o.refunds_refused as f64),
    ),
    (
        "refunds_unanswered",
        Unit::Count,
        Some("refunds whose answer never reached the till"),
        |o| Some(o.refunds_unanswered as f64),
    ),
    (
        "refunds_netted",
        Unit::Count,
        Some("refunds taken from merchants already paid"),
        |o| Some(o.refunds_netted as f64),
    ),
    (
        "refunds_credited",
        Unit::Count,
        Some("refunds credited to the cardholder"),
        |o| Some(o.refunds_credited as f64),
    ),
    (
        "preauths",
        Unit::Count,
        Some("pre-authorisations the till approved"),
        |o| Some(o.preauths as f64),
    ),
    (
        "preauth_completions",
        Unit::Count,
        Some("pre-authorisations completed in time"),
        |o| Some(o.preauth_completions as f64),
    ),
    (
        "preauth_expired",
        Unit::Count,
        Some("pre-authorisations expired before their completion"),
        |o| Some(o.preauth_expired as f64),
    ),
    (
        "completions_unanswered",
        Unit::Count,
        Some("completions whose answer never reached the till"),
        |o| Some(o.completions_unanswered as f64),
    ),
    (
        "disputes",
        Unit::Count,
        Some("disputes raised (retrieval request or chargeback)"),
        |o| Some(o.disputes as f64),
    ),
    (
        "disputes_time_barred",
        Unit::Count,
        Some("disputes barred by the time limit"),
        |o| Some(o.disputes_time_barred as f64),
    ),
    (
        "retrieval_requests",
        Unit::Count,
        Some("retrieval requests (调单) the issuers sent"),
        |o| Some(o.retrieval_requests as f64),
    ),
    (
        "retrievals_unanswered",
        Unit::Count,
        Some("retrieval requests the merchant did not answer by the deadline"),
        |o| Some(o.retrievals_unanswered as f64),
    ),
    (
        "retrievals_resolved",
        Unit::Count,
        Some("retrieval requests whose slip settled the dispute"),
        |o| Some(o.retrievals_resolved as f64),
    ),
    (
        "chargebacks_fraud",
        Unit::Count,
        Some("chargebacks for fraud"),
        |o| Some(o.chargebacks_by[0] as f64),
    ),
    (
        "chargebacks_processing",
        Unit::Count,
        Some("chargebacks for processing errors"),
        |o| Some(o.chargebacks_by[1] as f64),
    ),
    (
        "chargebacks_late_presentment",
        Unit::Count,
        Some("chargebacks for late presentment"),
        |o| Some(o.chargebacks_by[2] as f64),
    ),
    (
        "chargebacks_goods",
        Unit::Count,
        Some("chargebacks for goods or services"),
        |o| Some(o.chargebacks_by[3] as f64),
    ),
    (
        "chargebacks_duplicate",
        Unit::Count,
        Some("chargebacks of a purchase charged twice"),
        |o| Some(o.chargebacks_by[4] as f64),
    ),
    (
        "representments",
        Unit::Count,
        Some("chargebacks the acquirer represented (再请款)"),
        |o| Some(o.representments as f64),
    ),
    (
        "representments_won",
        Unit::Count,
        Some("representments the issuer accepted"),
        |o| Some(o.representments_won as f64),
    ),
    (
        "disputes_open",
        Unit::Count,
        Some("disputes still under way at the end of observation"),
        |o| Some(o.disputes_open as f64),
    ),
    (
        "qr_payments",
        Unit::Count,
        Some("QR payments through an aggregator"),
        |o| Some(o.qr_payments as f64),
    ),
    (
        "qr_notifications_lost",
        Unit::Count,
        Some("QR payment notifications lost"),
        |o| Some(o.qr_notifications_lost as f64),
    ),
    (
        "qr_queries",
        Unit::Count,
        Some("status queries of QR orders"),
        |o| Some(o.qr_queries as f64),
    ),
    (
        "qr_resolved_by_query",
        Unit::Count,
        Some("QR payments whose result a status query found"),
        |o| Some(o.qr_resolved_by_query as f64),
    ),
    (
        "qr_paid_not_shown",
        Unit::Count,
        Some("QR payments the wallet paid that the till never showed"),
        |o| Some(o.qr_paid_not_shown as f64),
    ),
    (
        "payouts_over_account_cap",
        Unit::Count,
        Some("payouts returned over a personal account's daily cap"),
        |o| Some(o.payouts_over_account_cap as f64),
    ),
    ("payout_orders", Unit::Count, None, |o| {
        Some(o.payout_orders as f64)
    }),
    (
        "payout_status_unknown",
        Unit::Count,
        Some("payout orders answered \"status unknown\""),
        |o| Some(o.payout_status_unknown as f64),
    ),
    (
        "payout_inquiries",
        Unit::Count,
        Some("payout status inquiries"),
        |o| Some(o.payout_inquiries as f64),
    ),
    (
        "payout_resends",
        Unit::Count,
        Some("payout orders sent again"),
        |o| Some(o.payout_resends as f64),
    ),
    (
        "duplicate_payouts",
        Unit::Count,
        Some("duplicate payouts (merchants paid twice)"),
        |o| Some(o.duplicate_payouts as f64),
    ),
    (
        "duplicate_payout_amount",
        Unit::Money,
        Some("paid twice to merchants"),
        |o| Some(major(o.duplicate_payout_amount)),
    ),
    (
        "duplicate_payout_open_amount",
        Unit::Money,
        Some("paid twice and not taken back at the end"),
        |o| Some(major(o.duplicate_open)),
    ),
    ("duplicates_recovered", Unit::Count, None, |o| {
        Some(o.duplicates_recovered as f64)
    }),
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
    (
        "merchant_limit_declines",
        Unit::Count,
        Some("declined over a merchant's limit"),
        |o| Some(o.merchant_limit_declines as f64),
    ),
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
    (
        "merchant_fees_amount",
        Unit::Money,
        Some("merchants' fees (discounts taken)"),
        |o| Some(major(o.fees.fee)),
    ),
    ("net_paid_amount", Unit::Money, None, |o| {
        Some(major(o.fees.net))
    }),
    ("acquirer_revenue_amount", Unit::Money, None, |o| {
        Some(major(o.fees.revenue))
    }),
    ("interchange_amount", Unit::Money, None, |o| {
        Some(major(o.fees.interchange))
    }),
    ("scheme_fees_amount", Unit::Money, None, |o| {
        Some(major(o.fees.scheme_acquirer + o.fees.scheme_issuer))
    }),
    (
        "paid_short_shortfall_amount",
        Unit::Money,
        Some("paid short: below the agreements by"),
        |o| Some(major(o.shortfall)),
    ),
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
pub(super) const STATION: &[(&str, Unit, StationRead)] = &[
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

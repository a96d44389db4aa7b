//! Which metrics a scenario can produce at all. A figure whose mechanism the scenario does not
//! have (store-and-forward counts without `[strategy.saf]`, breaker openings without a
//! breaker, chargebacks without fraud) is 0 in every run by construction: its summary then says
//! why (`off` in summary.json) instead of reporting a measured 0 with a zero-width interval,
//! which would read as evidence that the design prevents it.
//!
//! The map is conservative: a metric is marked off only where the model cannot move it. The
//! property test `tests/properties/` checks on random scenarios, which draw every mechanism
//! on and off, that a metric marked off is 0 or undefined in every run.

use crate::scenario::strategies::guard::FailoverMode;
use crate::scenario::strategies::retry::RetryLayer;
use crate::scenario::{FaultKind, Scenario};

type On = fn(&Scenario) -> bool;

fn fault(s: &Scenario, kind: FaultKind) -> bool {
    s.faults.iter().any(|f| f.kind == kind)
}

/// (metrics, whether the scenario has their mechanism, why not when it has not).
const MECHANISMS: &[(&[&str], On, &str)] = &[
    (
        &["saf_reversals_sent", "saf_expired"],
        |s| s.strategy.saf.is_some(),
        "no store-and-forward ([strategy.saf])",
    ),
    (
        &["saf_bad_records", "saf_blocked"],
        |s| s.strategy.saf.is_some() && s.upkeep.saf_blocking.is_some(),
        "no store-and-forward blocking (saf_blocking)",
    ),
    (
        &["payouts_returned", "payout_return_share"],
        |s| s.payout.wrong_account_share > 0.0 || fault(s, FaultKind::WrongAccount),
        "no wrong settlement accounts (payout.wrong_account_share, wrong_account faults)",
    ),
    (
        &[
            "breaks_found_returned_payout",
            "breaks_open_returned_payout",
        ],
        |s| {
            s.payout.wrong_account_share > 0.0
                || fault(s, FaultKind::WrongAccount)
                || s.payout.personal_accounts()
        },
        "no returned payouts (payout.wrong_account_share, wrong_account faults, \
         payout.personal_account_share)",
    ),
    (
        &["pos_batch_mismatches", "pos_batch_mismatch_amount"],
        |s| s.settlement.pos_batch,
        "no terminal batch settlement (settlement.pos_batch)",
    ),
    (
        &["pos_batch_reversals"],
        |s| s.settlement.pos_batch_upload,
        "no batch upload (settlement.pos_batch_upload)",
    ),
    (
        &[
            "voids",
            "voids_refused",
            "voids_unanswered",
            "voided",
            "voided_amount",
        ],
        |s| s.transactions.as_ref().is_some_and(|t| t.void_share > 0.0),
        "no voids ([transactions] void_share)",
    ),
    (
        &[
            "merchant_refunds",
            "merchant_refund_amount",
            "refunds_refused",
            "refunds_unanswered",
            "refunds_netted",
            "refunds_credited",
            "refunded",
            "refunded_amount",
        ],
        |s| {
            s.transactions
                .as_ref()
                .is_some_and(|t| t.refund_share > 0.0)
        },
        "no refunds ([transactions] refund_share)",
    ),
    (
        &[
            "preauths",
            "preauth_completions",
            "preauth_expired",
            "completions_unanswered",
        ],
        |s| {
            s.transactions
                .as_ref()
                .is_some_and(|t| t.preauth_share > 0.0)
        },
        "no pre-authorisations ([transactions] preauth_share)",
    ),
    (
        &[
            "disputes",
            "disputes_time_barred",
            "retrieval_requests",
            "retrievals_unanswered",
            "retrievals_resolved",
            "chargebacks_fraud",
            "chargebacks_processing",
            "chargebacks_late_presentment",
            "chargebacks_goods",
            "chargebacks_duplicate",
            "representments",
            "representments_won",
            "disputes_open",
        ],
        |s| s.disputes.is_some(),
        "no dispute cycle ([disputes])",
    ),
    (
        &[
            "qr_payments",
            "qr_notifications_lost",
            "qr_queries",
            "qr_resolved_by_query",
            "qr_paid_not_shown",
        ],
        |s| s.channels.iter().any(|c| c.qr.is_some()),
        "no QR aggregator ([channels.qr])",
    ),
    (
        &["payouts_over_account_cap"],
        |s| s.payout.personal_accounts(),
        "no personal settlement accounts (payout.personal_account_share)",
    ),
    (
        &[
            "payout_orders",
            "payout_status_unknown",
            "payout_inquiries",
            "payout_resends",
            "duplicate_payouts",
            "duplicate_payout_amount",
            "duplicate_payout_open_amount",
            "duplicates_recovered",
        ],
        |s| s.payout.channel.is_some(),
        "no payout channel ([payout.channel])",
    ),
    (
        &["scale_ups"],
        |s| s.upkeep.autoscale.iter().any(Option::is_some),
        "no autoscaling",
    ),
    (
        &["support_cases"],
        |s| s.upkeep.support.is_some(),
        "no support desk",
    ),
    (
        &["luhn_catches"],
        |s| s.upkeep.luhn_catch.is_some(),
        "no Luhn check at the terminal",
    ),
    (
        &["review_sla_breaches"],
        |s| s.upkeep.risk_review_sla.is_some() || s.upkeep.merchant_review_sla.is_some(),
        "no review SLA",
    ),
    (
        &["echoes_sent", "echoes_failed"],
        |s| s.strategy.guard.failover.mode == FailoverMode::HealthCheck,
        "no echo health checks (failover.mode = \"health_check\")",
    ),
    (
        &["channels_marked_down", "channel_down_time_s"],
        |s| {
            matches!(
                s.strategy.guard.failover.mode,
                FailoverMode::HealthCheck | FailoverMode::Observed
            )
        },
        "no channel marked down by health checks or observed failures (failover.mode)",
    ),
    (
        &["breaker_opens", "breaker_fast_fails", "breaker_open_time_s"],
        |s| s.strategy.guard.breaker.is_some(),
        "no circuit breaker",
    ),
    (
        &["bulkhead_rejections", "bulkhead_in_flight_max"],
        |s| {
            let g = &s.strategy.guard;
            g.channel_bulkhead
                .iter()
                .chain(&g.issuer_bulkhead)
                .any(Option::is_some)
        },
        "no bulkhead",
    ),
    (
        &["requests_shed"],
        |s| s.strategy.guard.shedding,
        "no load shedding",
    ),
    (
        &["retry_attempts"],
        |s| s.strategy.retry.layer != RetryLayer::None,
        "no retries ([strategy.retry])",
    ),
    (
        &["retries_denied_by_budget"],
        |s| s.strategy.retry.layer != RetryLayer::None && s.strategy.retry.budget.is_some(),
        "no retry budget",
    ),
    (
        &["idempotent_replays"],
        |s| s.strategy.idempotency.is_some(),
        "no idempotency keys",
    ),
    (
        &["cardholder_repeats"],
        |s| s.strategy.cardholder.pay_again_share > 0.0,
        "no cardholder paying again",
    ),
    (
        &["stand_ins", "advices_sent", "advices_expired"],
        |s| s.channels.iter().any(|c| c.stand_in.is_some()),
        "no stand-in at any channel",
    ),
    (
        &[
            "merchant_fees_amount",
            "net_paid_amount",
            "acquirer_revenue_amount",
            "interchange_amount",
            "scheme_fees_amount",
        ],
        |s| s.fees.is_some(),
        "no fees ([fees])",
    ),
    (
        &[
            "paid_short",
            "paid_short_amount",
            "paid_short_shortfall_amount",
        ],
        |s| s.fees.is_some() && fault(s, FaultKind::FeeMisconfigured),
        "no mis-set fee rate (fee_misconfigured faults, with [fees])",
    ),
    (
        &["merchant_limit_declines"],
        |s| {
            s.terminals
                .iter()
                .any(|g| g.sale_limit.is_some() || g.daily_limit.is_some())
        },
        "no merchant limits (terminals' sale_limit, daily_limit)",
    ),
    (
        &["d0_payouts"],
        |s| s.payout.schedule.advances(),
        "payouts are not advanced (D+0, D+1)",
    ),
    (
        &["d0_over_cap"],
        |s| s.payout.schedule.advances() && s.payout.d0_daily_cap.is_some(),
        "no D+0 daily cap",
    ),
    (
        &[
            "merchant_risk_holds",
            "merchant_risk_fraud_refunds",
            "risk_hold_amount",
        ],
        |s| s.merchant_risk.is_some() || fault(s, FaultKind::MerchantRule),
        "no merchant risk control (nor merchant_rule faults)",
    ),
    (
        &[
            "chargebacks",
            "chargebacks_amount",
            "chargeback_loss_merchant",
            "chargeback_loss_acquirer",
            "chargeback_loss_issuer",
        ],
        |s| s.fraud_share > 0.0 || fault(s, FaultKind::FraudWave),
        "no fraud (fraud_share, fraud_wave faults)",
    ),
    (
        &[
            "breaks_found",
            "breaks_found_phantom_charge",
            "breaks_found_reversal_mismatch",
            "breaks_found_unmatched_presentment",
            "breaks_repaired",
        ],
        |s| s.reconciliation.is_some(),
        "no reconciliation",
    ),
    (
        &["payouts_delayed_by_maintenance"],
        |s| !s.payout.bank_maintenance.is_empty(),
        "no receiving-bank maintenance window",
    ),
    (
        &["clearing_files_rejected"],
        |s| s.settlement.file_reject_share > 0.0 || !s.settlement.file_rejected.is_empty(),
        "no clearing file rejected",
    ),
    (
        &["clearing_files_late"],
        |s| s.settlement.file_late_share > 0.0,
        "no clearing file late",
    ),
    (
        &["acquirer_timeouts"],
        |s| s.strategy.acquirer_timeout.is_some(),
        "no acquirer timeout",
    ),
    (
        &["channel_timeouts"],
        |s| s.channels.iter().any(|c| c.issuer_timeout.is_some()),
        "no channel-to-issuer timeout",
    ),
];

/// Why metric `name` cannot be non-zero in scenario `s`; `None` when it can (or the map does
/// not know it). A cause's outcome (`causes.<cause>.<outcome>`) is off when its outcome is.
pub fn off(s: &Scenario, name: &str) -> Option<&'static str> {
    let own = name
        .strip_prefix(super::CAUSES)
        .and_then(|rest| rest.rsplit_once('.'))
        .map_or(name, |(_, outcome)| outcome);
    MECHANISMS
        .iter()
        .find(|(names, _, _)| names.contains(&own))
        .and_then(|&(_, on, why)| (!on(s)).then_some(why))
}

/// The catalogue key that translates an `off` reason: `off.<its mechanism's first metric>`.
pub fn off_key(why: &str) -> Option<String> {
    MECHANISMS
        .iter()
        .find(|(_, _, w)| *w == why)
        .map(|(names, _, _)| format!("off.{}", names[0]))
}

/// Every metric name the map knows (for the test that each is a metric of the catalogue).
pub fn known() -> impl Iterator<Item = &'static str> {
    MECHANISMS
        .iter()
        .flat_map(|(names, _, _)| names.iter().copied())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each reason is in the catalogue, the English word for word.
    #[test]
    fn every_reason_is_in_the_catalogue() {
        for (_, _, why) in MECHANISMS {
            let key = off_key(why).unwrap();
            assert_eq!(crate::i18n::Lang::En.get(&key), *why, "{key}");
            assert!(crate::i18n::Lang::Zh.has(&key), "{key}");
        }
    }

    /// A cause's share of an outcome that cannot happen cannot happen either; one that can,
    /// can.
    #[test]
    fn a_cause_outcome_is_off_when_its_outcome_is() {
        let s = crate::scenario::baseline();
        assert!(s.transactions.is_none() && s.fees.is_none());
        for name in [
            "voided",
            "causes.timeout.voided",
            "causes.a.b.refunded_amount",
        ] {
            assert!(off(&s, name).is_some(), "{name}");
        }
        assert_eq!(off(&s, "causes.timeout.paid_short"), off(&s, "paid_short"));
        for name in [
            "causes.timeout.declined",
            "causes.fraud.chargebacks",
            "declined",
        ] {
            assert_eq!(off(&s, name), None, "{name}");
        }
    }
}

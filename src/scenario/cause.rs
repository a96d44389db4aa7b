//! The causes a scenario's results are broken down by: why a payment did not end settled on
//! time. The fixed causes (legitimate reasons and the model's own mechanisms) come first, then
//! one per fault of the scenario, named after the fault's id.

use super::Scenario;

/// The names of the fixed causes, in the order of `model::cause::id`.
pub const FIXED_NAMES: [&str; 28] = [
    "none",
    "insufficient_funds",
    "invalid_card",
    "restricted_card",
    "over_limit",
    "do_not_honour",
    "fraud_declined",
    "risk_false_positive",
    "risk_review",
    "fraud",
    "message_loss",
    "timeout",
    "wrong_account",
    "merchant_risk_hold",
    "clearing_file",
    "settlement_bank_down",
    "bank_maintenance",
    "missed_cutoff",
    "observation_ended",
    "merchant_limit",
    "payout_unknown",
    "account_cap",
    "preauth_expired",
    "wrong_pin",
    "expired_card",
    "processing_error",
    "late_presentment",
    "goods_dispute",
];

/// What each fixed cause means, for documentation and the trace.
pub fn describe(name: &str) -> &'static str {
    match name {
        "insufficient_funds" => "the cardholder's balance was too low (51)",
        "invalid_card" => "a mis-keyed card number (14)",
        "restricted_card" => "a frozen or restricted account (62)",
        "over_limit" => "over the account's amount limit (61)",
        "do_not_honour" => "the issuer's own refusal (05)",
        "fraud_declined" => "fraud, correctly declined by the risk engine (59)",
        "risk_false_positive" => "a legitimate payment declined by a risk rule (59)",
        "risk_review" => "held for manual review by a card risk rule",
        "fraud" => "fraud that was approved: refunded or charged back",
        "message_loss" => "a message lost on a link",
        "timeout" => "an answer too slow for a timeout (queueing or slow processing)",
        "wrong_account" => "wrong merchant settlement account details: the payout came back",
        "merchant_risk_hold" => "the payout held by the acquirer's merchant risk control",
        "clearing_file" => "the clearing file was rejected or late",
        "settlement_bank_down" => "the settlement bank was down on the credit day",
        "bank_maintenance" => "the merchant's bank was in a maintenance window",
        "missed_cutoff" => {
            "approved just after the cut-off it was sold before (or paid D+0 just after the \
             promised day ended)"
        }
        "observation_ended" => "still in its normal cycle when observation ended",
        "merchant_limit" => "over the acquirer's limit for the merchant, per sale or per day (61)",
        "account_cap" => {
            "the merchant's personal account (Class II) had reached its daily inflow cap: its \
             bank returned the payout, paid again the next day"
        }
        "preauth_expired" => {
            "the merchant completed a pre-authorisation after its hold had expired, or never: the \
             money was never taken"
        }
        "wrong_pin" => "the cardholder entered a wrong PIN (55)",
        "expired_card" => "the card had expired (54)",
        "processing_error" => {
            "the cardholder disputed a processing error (a wrong amount, paid twice, paid by \
             other means): charged back"
        }
        "late_presentment" => {
            "the sale was presented to the issuer too late (`disputes.late_presentment`): \
             charged back, the acquirer bears it"
        }
        "goods_dispute" => {
            "the cardholder disputed the goods or services (not received, not as described): \
             charged back"
        }
        "payout_unknown" => {
            "the payout channel answered \"status unknown\": the payout waited for its status, \
             was sent again, or was paid twice"
        }
        _ => "a fault injected by the scenario (its `[[faults]]` entry with this id)",
    }
}

/// The causes of one scenario: the fixed ones, then one per fault.
pub fn names(s: &Scenario) -> Vec<String> {
    let mut v: Vec<String> = FIXED_NAMES.iter().map(|s| s.to_string()).collect();
    v.extend(s.faults.iter().map(|f| f.id.clone()));
    v
}

/// What cause number `i` of scenario `s` means: a fixed cause's description, or for a fault
/// its kind and what it struck ("an outage fault on scheme").
pub fn meaning(s: &Scenario, i: usize) -> String {
    match i
        .checked_sub(FIXED_NAMES.len())
        .and_then(|k| s.faults.get(k))
    {
        Some(f) => format!(
            "{} on {}",
            super::faults::a_kind(f.kind),
            super::faults::describe_target(s, &f.target)
        ),
        None => FIXED_NAMES.get(i).map_or("", |n| describe(n)).to_string(),
    }
}

/// `demonstrates`: a cause name or a list of them, each a cause of this scenario (a fixed
/// cause or a fault's id).
pub(super) fn demonstrates(
    cx: &super::check::Ctx,
    d: &toml::Spanned<toml::Value>,
    causes: &[String],
) -> Result<Vec<String>, super::ScenarioError> {
    let names: Vec<&str> = causes.iter().skip(1).map(String::as_str).collect();
    let bad = |what: String| cx.err(d.span(), "demonstrates", what);
    let list: Vec<&toml::Value> = match d.get_ref() {
        toml::Value::Array(a) => a.iter().collect(),
        v => vec![v],
    };
    let mut out = vec![];
    for v in list {
        let Some(name) = v.as_str() else {
            return Err(bad(format!(
                "expected a cause name or a list of them, found {v}"
            )));
        };
        if !names.contains(&name) {
            return Err(bad(format!(
                "\"{name}\" is not a cause of this scenario{}; its causes are the fixed ones \
                 ({}) and its faults' ids",
                super::error::did_you_mean(name, &names),
                FIXED_NAMES[1..].join(", ")
            )));
        }
        out.push(name.to_owned());
    }
    Ok(out)
}

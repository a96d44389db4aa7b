//! `[disputes]`: the dispute cycle after a sale has settled. The cardholder (or the issuer on
//! their behalf) disputes a sale some time after it; the issuer may first send a retrieval
//! request (调单) asking for the sale slip by a deadline, then charges the sale back (拒付);
//! the acquirer may represent it (再请款) with the merchant's evidence, and the issuer accepts
//! the representment or not. Disputes fall into three reason families: fraud (the real
//! cardholder never made the sale), processing errors (a wrong amount, a sale paid twice, a
//! sale presented too late) and goods or services (not received, not as described). A
//! dispute raised after the time limit is barred.
//!
//! Absent, a fraud that settled is charged back when the merchant is credited (the simple
//! model of the earlier versions), and nothing else is disputed.

use super::check::Ctx;
use super::dist::{Dist, DurationDist};
use super::error::ScenarioError;
use super::units::{Duration, Probability};
use crate::engine::{DAY, Nanos};
use serde::Deserialize;
use toml::Spanned;

/// `[disputes]` as written.
#[derive(Deserialize, Debug, Clone)]
#[serde(default, deny_unknown_fields)]
pub struct RawDisputes {
    /// Of the legitimate sales that settled, the share the cardholder disputes for goods or
    /// services (not received, not as described).
    pub goods_share: Probability,
    /// Of the legitimate sales that settled, the share disputed as a processing error (a
    /// wrong amount, paid twice, paid by other means).
    pub processing_share: Spanned<Probability>,
    /// Of the purchases charged twice (a retry or a second payment the model itself made:
    /// `duplicate_charges`), the share whose cardholder disputes the second charge as a
    /// duplicate (a processing error the merchant bears, never represented).
    pub duplicate_share: Probability,
    /// A sale the issuer paid on later than this after the sale is charged back as late
    /// presentment (a processing error the acquirer bears). Absent: never.
    pub late_presentment: Option<Duration>,
    /// Of the sales presented late, the share the issuer charges back (Mastercard allows it
    /// only when the account is closed or not in good standing).
    pub late_presentment_share: Probability,
    /// From the merchant's credit to the real cardholder's dispute of a fraud.
    pub fraud_after: Option<DurationDist>,
    /// From the merchant's credit to any other dispute.
    pub dispute_after: Option<DurationDist>,
    /// Disputes raised later than this after the merchant's credit are barred.
    pub time_limit: Duration,
    /// The share of disputes that begin with a retrieval request (调单).
    pub retrieval_share: Probability,
    /// The merchant's deadline to answer a retrieval request.
    pub retrieval_deadline: Duration,
    /// The share of retrieval requests the merchant answers by the deadline.
    pub merchant_answers: Probability,
    /// Of the answered retrieval requests about goods or a processing error, the share the
    /// slip settles (the dispute ends without a chargeback).
    pub answer_resolves: Probability,
    /// Of the chargebacks the acquirer side bears, the share it represents.
    pub represent_share: Probability,
    /// How long after the chargeback the issuer decides on the representment.
    pub representment_time: Duration,
    /// The share of representments the issuer accepts.
    pub represent_wins: Probability,
}

impl Default for RawDisputes {
    fn default() -> Self {
        RawDisputes {
            goods_share: Probability(0.0),
            processing_share: Spanned::new(0..0, Probability(0.0)),
            duplicate_share: Probability(0.5),
            late_presentment: None,
            late_presentment_share: Probability(1.0),
            fraud_after: None,
            dispute_after: None,
            time_limit: Duration(120 * DAY),
            retrieval_share: Probability(0.0),
            retrieval_deadline: Duration(30 * DAY),
            merchant_answers: Probability(0.8),
            answer_resolves: Probability(0.5),
            represent_share: Probability(0.0),
            representment_time: Duration(30 * DAY),
            represent_wins: Probability(0.4),
        }
    }
}

/// Validated `[disputes]`.
#[derive(Clone, Debug, PartialEq)]
pub struct DisputesSpec {
    pub goods_share: f64,
    pub processing_share: f64,
    pub duplicate_share: f64,
    pub late_presentment: Option<Nanos>,
    pub late_presentment_share: f64,
    /// From the merchant's credit to a fraud's dispute, nanoseconds.
    pub fraud_after: Dist,
    /// From the merchant's credit to any other dispute, nanoseconds.
    pub dispute_after: Dist,
    pub time_limit: Nanos,
    pub retrieval_share: f64,
    pub retrieval_deadline: Nanos,
    pub merchant_answers: f64,
    pub answer_resolves: f64,
    pub represent_share: f64,
    pub representment_time: Nanos,
    pub represent_wins: f64,
}

impl DisputesSpec {
    /// Default delay of a fraud's dispute: a median of 30 days, 1 in 100 later than 100 days
    /// (the real cardholder reads a statement or two).
    pub fn default_fraud_after() -> Dist {
        Dist::lognormal_p99((30 * DAY) as f64, (100 * DAY) as f64)
    }

    /// Default delay of any other dispute: a median of 20 days, 1 in 100 later than 90 days.
    pub fn default_dispute_after() -> Dist {
        Dist::lognormal_p99((20 * DAY) as f64, (90 * DAY) as f64)
    }

    /// The longest a dispute's cycle runs after the merchant's credit: raised by the time
    /// limit, then the retrieval request's deadline and the representment's decision.
    pub fn longest(&self) -> Nanos {
        let retrieval = if self.retrieval_share > 0.0 {
            self.retrieval_deadline
        } else {
            0
        };
        let represent = if self.represent_share > 0.0 {
            self.representment_time
        } else {
            0
        };
        self.time_limit
            .saturating_add(retrieval)
            .saturating_add(represent)
    }
}

/// Validates `[disputes]`.
pub(super) fn disputes(cx: &Ctx, r: &RawDisputes) -> Result<DisputesSpec, ScenarioError> {
    let (g, p) = (r.goods_share.0, r.processing_share.get_ref().0);
    if g + p > 1.0 {
        return Err(cx.err(
            r.processing_share.span(),
            "disputes.processing_share",
            format!(
                "goods_share + processing_share must be at most 1, got {g} + {p}; a sale is \
                 disputed for one reason at most"
            ),
        ));
    }
    let dist = |d: &Option<DurationDist>, default: fn() -> Dist| {
        d.as_ref().map_or_else(default, |d| d.dist.clone())
    };
    Ok(DisputesSpec {
        goods_share: g,
        processing_share: p,
        duplicate_share: r.duplicate_share.0,
        late_presentment: r.late_presentment.map(|d| d.0),
        late_presentment_share: r.late_presentment_share.0,
        fraud_after: dist(&r.fraud_after, DisputesSpec::default_fraud_after),
        dispute_after: dist(&r.dispute_after, DisputesSpec::default_dispute_after),
        time_limit: r.time_limit.0,
        retrieval_share: r.retrieval_share.0,
        retrieval_deadline: r.retrieval_deadline.0,
        merchant_answers: r.merchant_answers.0,
        answer_resolves: r.answer_resolves.0,
        represent_share: r.represent_share.0,
        representment_time: r.representment_time.0,
        represent_wins: r.represent_wins.0,
    })
}

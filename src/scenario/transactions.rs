//! `[transactions]`: what the merchant does after a sale besides keeping it. A void (撤销)
//! cancels a sale the same day, before its batch is cleared; a refund (退货) gives the money
//! back later, against a sale that has settled. Each is a message from the terminal to the
//! acquirer's host, which looks for the original: a void of a sale already cleared, or a
//! refund of one that has not settled (or that the host never recorded), is refused. A
//! pre-authorisation (预授权) holds the cardholder's money without a sale; the merchant's
//! completion (预授权完成) makes it one, if it comes before the hold expires.
//!
//! Absent, only sales exist, as before the section was modelled.

use super::check::Ctx;
use super::dist::{Dist, DurationDist};
use super::error::ScenarioError;
use super::units::Probability;
use crate::engine::{DAY, MINUTE};
use serde::Deserialize;
use toml::Spanned;

/// `[transactions]` as written.
#[derive(Deserialize, Debug, Clone)]
#[serde(default, deny_unknown_fields)]
pub struct RawTransactions {
    /// Of the sales the till approved, the share the merchant voids.
    pub void_share: Probability,
    /// How long after the sale the merchant voids it.
    pub void_after: Option<DurationDist>,
    /// Of the sales the till approved (and not voided), the share the merchant refunds.
    pub refund_share: Spanned<Probability>,
    /// How long after the sale the merchant refunds it.
    pub refund_after: Option<DurationDist>,
    /// The share of the payments that are pre-authorisations (hotels, car hire) rather than
    /// sales.
    pub preauth_share: Probability,
    /// How long after the pre-authorisation the merchant completes it.
    pub complete_after: Option<DurationDist>,
}

impl Default for RawTransactions {
    fn default() -> Self {
        RawTransactions {
            void_share: Probability(0.0),
            void_after: None,
            refund_share: Spanned::new(0..0, Probability(0.0)),
            refund_after: None,
            preauth_share: Probability(0.0),
            complete_after: None,
        }
    }
}

/// Validated `[transactions]`.
#[derive(Clone, Debug, PartialEq)]
pub struct TransactionsSpec {
    pub void_share: f64,
    /// From the sale to its void, nanoseconds.
    pub void_after: Dist,
    pub refund_share: f64,
    /// From the sale to its refund, nanoseconds.
    pub refund_after: Dist,
    pub preauth_share: f64,
    /// From the pre-authorisation to its completion, nanoseconds.
    pub complete_after: Dist,
}

impl TransactionsSpec {
    /// Default delay of a void: a median of 10 minutes, 1 in 100 later than 3 hours (a
    /// cashier who keyed the wrong amount, a customer who changed their mind at the till).
    pub fn default_void_after() -> Dist {
        Dist::lognormal_p99((10 * MINUTE) as f64, (180 * MINUTE) as f64)
    }

    /// Default delay of a refund: a median of 3 days, 1 in 100 later than 30 days (goods
    /// returned).
    pub fn default_refund_after() -> Dist {
        Dist::lognormal_p99((3 * DAY) as f64, (30 * DAY) as f64)
    }

    /// Default delay of a completion: a median of 2 days, 1 in 100 later than 10 days (a
    /// hotel stay, a car hire).
    pub fn default_complete_after() -> Dist {
        Dist::lognormal_p99((2 * DAY) as f64, (10 * DAY) as f64)
    }
}

/// Validates `[transactions]`.
pub(super) fn transactions(
    cx: &Ctx,
    r: &RawTransactions,
) -> Result<TransactionsSpec, ScenarioError> {
    let (v, f) = (r.void_share.0, r.refund_share.get_ref().0);
    if v + f > 1.0 {
        return Err(cx.err(
            r.refund_share.span(),
            "transactions.refund_share",
            format!(
                "void_share + refund_share must be at most 1, got {v} + {f}; a sale is voided, \
                 refunded or kept"
            ),
        ));
    }
    Ok(TransactionsSpec {
        void_share: v,
        void_after: r
            .void_after
            .as_ref()
            .map_or_else(TransactionsSpec::default_void_after, |d| d.dist.clone()),
        refund_share: f,
        refund_after: r
            .refund_after
            .as_ref()
            .map_or_else(TransactionsSpec::default_refund_after, |d| d.dist.clone()),
        preauth_share: r.preauth_share.0,
        complete_after: r
            .complete_after
            .as_ref()
            .map_or_else(TransactionsSpec::default_complete_after, |d| d.dist.clone()),
    })
}

//! `[payout.channel]`: the payout channel (代付) through which the acquirer pays its merchants,
//! a bank's or a payment company's transfer interface. A payout order takes time to execute;
//! a share of the orders is answered "status unknown" (a timeout, or "processing"), and of
//! those only some were in fact executed. The acquirer either asks for the status until it is
//! final (an inquiry loop, the remedy) and re-sends only an order that failed, or re-sends an
//! unknown order after a while without asking: the merchant is then paid twice whenever the
//! first order had gone through (a duplicate payout, the acquirer's loss until it recovers it).
//!
//! Absent, a payout reaches the merchant's bank at once, as before the channel was modelled.

use super::check::Ctx;
use super::dist::{Dist, DurationDist};
use super::error::ScenarioError;
use super::units::{Duration, Probability};
use crate::engine::{MILLI, MINUTE, Nanos, SECOND};
use serde::Deserialize;
use toml::Spanned;

/// `[payout.channel]` as written.
#[derive(Deserialize, Debug, Clone)]
#[serde(default, deny_unknown_fields)]
pub struct RawPayoutChannel {
    /// From the order to its final status at the bank (executed or failed).
    pub latency: Option<DurationDist>,
    pub unknown_share: Probability,
    pub unknown_executed: Probability,
    pub inquiry: bool,
    pub inquiry_interval: Spanned<Duration>,
    pub resend_after: Spanned<Duration>,
    pub max_orders: Spanned<u32>,
}

impl Default for RawPayoutChannel {
    fn default() -> Self {
        RawPayoutChannel {
            latency: None,
            unknown_share: Probability(0.0),
            unknown_executed: Probability(0.5),
            inquiry: true,
            inquiry_interval: Spanned::new(0..0, Duration(10 * MINUTE)),
            resend_after: Spanned::new(0..0, Duration(30 * MINUTE)),
            max_orders: Spanned::new(0..0, 3),
        }
    }
}

/// Validated `[payout.channel]`.
#[derive(Clone, Debug, PartialEq)]
pub struct PayoutChannelSpec {
    /// From the order to its final status at the bank, nanoseconds.
    pub latency: Dist,
    /// The share of orders the channel answers "status unknown".
    pub unknown_share: f64,
    /// Of those, the share the bank executed all the same.
    pub unknown_executed: f64,
    /// Whether the acquirer asks for the status of an unknown order until it is final.
    pub inquiry: bool,
    /// Time between two status inquiries (the first one after the order).
    pub inquiry_interval: Nanos,
    /// Without inquiry: the acquirer re-sends an unknown order after this long.
    pub resend_after: Nanos,
    /// The most orders per payout, the first included (after that the acquirer stops and the
    /// payout waits for a person: not arrived).
    pub max_orders: u8,
}

impl PayoutChannelSpec {
    /// Default latency: a median of 5 s, 1 order in 100 slower than 2 min.
    pub fn default_latency() -> Dist {
        Dist::lognormal_p99((5 * SECOND) as f64, (2 * MINUTE) as f64)
    }

    /// The longest the acquirer can take to settle one payout through the channel: every
    /// order waits for its latency's 99.9th percentile and then an inquiry interval (or the
    /// resend delay), whichever is longer. The horizon adds it.
    pub fn longest(&self) -> Nanos {
        let wait = if self.inquiry {
            self.inquiry_interval
        } else {
            self.resend_after
        };
        let one = self.latency.quantile_ns(0.999).saturating_add(wait);
        one.saturating_mul(self.max_orders as u64)
    }
}

/// Validates `[payout.channel]`.
pub(super) fn payout_channel(
    cx: &Ctx,
    r: &RawPayoutChannel,
) -> Result<PayoutChannelSpec, ScenarioError> {
    for (d, field, help) in [
        (
            &r.inquiry_interval,
            "payout.channel.inquiry_interval",
            "the time between two status inquiries, e.g. \"10m\"",
        ),
        (
            &r.resend_after,
            "payout.channel.resend_after",
            "how long the acquirer waits before it re-sends an unknown order, e.g. \"30m\"",
        ),
    ] {
        if d.get_ref().0 < SECOND {
            return Err(cx.err(
                d.span(),
                field,
                format!(
                    "must be at least 1s, got {} ms; {help}",
                    d.get_ref().0 / MILLI
                ),
            ));
        }
    }
    let n = *r.max_orders.get_ref();
    if !(1..=7).contains(&n) {
        return Err(cx.err(
            r.max_orders.span(),
            "payout.channel.max_orders",
            format!("must be 1 to 7, got {n}; the most orders per payout, the first included"),
        ));
    }
    Ok(PayoutChannelSpec {
        latency: r
            .latency
            .as_ref()
            .map_or_else(PayoutChannelSpec::default_latency, |d| d.dist.clone()),
        unknown_share: r.unknown_share.0,
        unknown_executed: r.unknown_executed.0,
        inquiry: r.inquiry,
        inquiry_interval: r.inquiry_interval.get_ref().0,
        resend_after: r.resend_after.get_ref().0,
        max_orders: n as u8,
    })
}

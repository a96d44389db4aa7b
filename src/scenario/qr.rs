//! `[channels.qr]`: a channel that is a QR-code aggregator (扫码). The customer's wallet pays
//! at once (a single-message channel) and shows "paid" on the phone; the merchant's device
//! learns it from the aggregator's payment notification (支付结果通知), which can be lost.
//! The acquirer's platform then polls the aggregator with status queries (查询订单) every
//! `query_interval`, counted from the order's creation, up to `query_attempts`; a query finds
//! the wallet's answer unless the aggregator is down at that moment. Without queries (or
//! after the last one), the merchant's device times out: the phone says paid, the merchant
//! says not received.

use super::check::Ctx;
use super::units::{Duration, Probability};
use crate::engine::{Nanos, SECOND};
use serde::Deserialize;
use toml::Spanned;

/// `[channels.qr]` as written.
#[derive(Deserialize, Debug, Clone)]
#[serde(default, deny_unknown_fields)]
pub struct RawQr {
    /// The share of the payment notifications the aggregator's side loses.
    pub notify_loss: Probability,
    /// The time between two status queries, from the order's creation.
    pub query_interval: Spanned<Duration>,
    /// The most status queries of one order (0: the merchant relies on the notification).
    pub query_attempts: Spanned<u64>,
}

impl Default for RawQr {
    fn default() -> Self {
        RawQr {
            notify_loss: Probability(0.0),
            query_interval: Spanned::new(0..0, Duration(5 * SECOND)),
            query_attempts: Spanned::new(0..0, 6),
        }
    }
}

/// Validated `[channels.qr]`.
#[derive(Clone, Debug, PartialEq)]
pub struct QrSpec {
    pub notify_loss: f64,
    pub query_interval: Nanos,
    pub query_attempts: u8,
}

/// Validates channel `f`'s `qr` table.
pub(super) fn qr(cx: &Ctx, f: &str, r: &RawQr) -> Result<QrSpec, super::error::ScenarioError> {
    let attempts = *r.query_attempts.get_ref();
    if attempts > 100 {
        return Err(cx.err(
            r.query_attempts.span(),
            &format!("{f}.qr.query_attempts"),
            format!("must be at most 100 (status queries of one order), got {attempts}"),
        ));
    }
    let interval = cx.period(
        r.query_interval.span(),
        &format!("{f}.qr.query_interval"),
        r.query_interval.get_ref().0,
        SECOND,
        "the time between two status queries of an order",
    )?;
    Ok(QrSpec {
        notify_loss: r.notify_loss.0,
        query_interval: interval,
        query_attempts: attempts as u8,
    })
}

//! `[costs]`: what a design costs to run, so a comparison can set the money a remedy saves
//! against what it costs. Costs are estimates in major currency units, computed from each
//! run's counts after it ends; they are never postings (the ledger stays in whole minor units).

use super::check::Ctx;
use super::error::{ScenarioError, did_you_mean};
use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

/// `[costs]` as written. Every price is a number ≥ 0 in major units (fractions of a cent are
/// allowed: message fees often are).
#[derive(Deserialize, Debug, Clone, Default)]
#[serde(default, deny_unknown_fields)]
pub struct RawCosts {
    pub server_hour: Option<Spanned<f64>>,
    pub message_fee: Option<Spanned<f64>>,
    pub channel_fees: BTreeMap<String, Spanned<f64>>,
    pub backup_route: Option<Spanned<f64>>,
    pub reconciliation_run: Option<Spanned<f64>>,
    pub support_case: Option<Spanned<f64>>,
    pub chargeback: Option<Spanned<f64>>,
    pub lost_sale: Option<Spanned<f64>>,
    pub till_wait_hour: Option<Spanned<f64>>,
}

/// Validated prices, major units.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CostSpec {
    /// Per server and hour of every queueing station (autoscaled servers included).
    pub server_hour: f64,
    /// Per request a channel carries, by channel index.
    pub channel_fee: Vec<f64>,
    /// Per request sent to a backup channel (failover, routing around).
    pub backup_route: f64,
    /// Per reconciliation run.
    pub reconciliation_run: f64,
    /// Per merchant support case.
    pub support_case: f64,
    /// Handling fee per chargeback (the disputed money itself is in `chargeback_loss_*`).
    pub chargeback: f64,
    /// Value of a lost sale: a legitimate, payable sale refused or failed at the till.
    pub lost_sale: f64,
    /// Per hour the tills wait for an answer (the cashier's and the customer's time).
    pub till_wait_hour: f64,
}

pub(super) fn costs(
    cx: &Ctx,
    raw: Option<&Spanned<RawCosts>>,
    channels: &[&str],
) -> Result<Option<CostSpec>, ScenarioError> {
    let Some(raw) = raw else { return Ok(None) };
    let r = raw.get_ref();
    let price = |v: &Option<Spanned<f64>>, field: &str| -> Result<f64, ScenarioError> {
        match v {
            None => Ok(0.0),
            Some(x) => check(cx, x, &format!("costs.{field}")),
        }
    };
    let fee = price(&r.message_fee, "message_fee")?;
    let mut channel_fee = vec![fee; channels.len()];
    for (id, v) in &r.channel_fees {
        let Some(c) = channels.iter().position(|c| c == id) else {
            return Err(cx.err(
                v.span(),
                &format!("costs.channel_fees.{id}"),
                format!(
                    "unknown channel \"{id}\"{}; channels: {}",
                    did_you_mean(id, channels),
                    channels.join(", ")
                ),
            ));
        };
        channel_fee[c] = check(cx, v, &format!("costs.channel_fees.{id}"))?;
    }
    Ok(Some(CostSpec {
        server_hour: price(&r.server_hour, "server_hour")?,
        channel_fee,
        backup_route: price(&r.backup_route, "backup_route")?,
        reconciliation_run: price(&r.reconciliation_run, "reconciliation_run")?,
        support_case: price(&r.support_case, "support_case")?,
        chargeback: price(&r.chargeback, "chargeback")?,
        lost_sale: price(&r.lost_sale, "lost_sale")?,
        till_wait_hour: price(&r.till_wait_hour, "till_wait_hour")?,
    }))
}

fn check(cx: &Ctx, v: &Spanned<f64>, field: &str) -> Result<f64, ScenarioError> {
    let x = *v.get_ref();
    if x.is_finite() && (0.0..=1e12).contains(&x) {
        Ok(x)
    } else {
        Err(cx.err(
            v.span(),
            field,
            format!(
                "invalid price {x}: a number from 0 to 10^12 in major currency units, e.g. 0.45"
            ),
        ))
    }
}

//! The `[strategy]` tables read while validating: the terminal's timeout, store-and-forward
//! and reversals; the faults with monitoring and fleet upkeep applied; the upkeep strategies;
//! and the guards (failover, breakers, bulkheads, shedding).

use super::super::check::Ctx;
use super::super::error::ScenarioError;
use super::super::faults::{self, FaultSpec, Names};
use super::super::raw::{RawChannel, RawFault, RawIssuer, RawMerchantRisk, RawRisk, RawStrategy};
use super::super::strategies::guard::{self, GuardSpec};
use super::super::strategies::upkeep::{self, AutoscaleSpec, RawSupport, TimeoutSetting};
use super::super::{ReversalSpec, ReversalUntil, RouteSpec, SafSpec};
use crate::engine::{Nanos, SECOND};
use toml::Spanned;

/// The terminal's side of `[strategy]`.
pub(super) struct Terminal {
    /// A terminal timeout given as a percentile, resolved by a pilot run at the end.
    pub timeout_pct: Option<f64>,
    pub timeout: Nanos,
    pub saf: Option<SafSpec>,
    pub reversal: Option<ReversalSpec>,
}

/// The terminal timeout, the host's store-and-forward and the terminal's reversals.
pub(super) fn terminal(cx: &Ctx, st: &RawStrategy) -> Result<Terminal, ScenarioError> {
    let timeout_pct =
        upkeep::timeout_percentile(cx, &st.terminal_timeout, "strategy.terminal_timeout")?;
    // A percentile is resolved by a pilot run once the scenario is whole.
    let timeout = match *st.terminal_timeout.get_ref() {
        TimeoutSetting::Fixed(d) => d.0,
        TimeoutSetting::Percentile(_) => 30 * SECOND,
    };
    if timeout == 0 {
        return Err(cx.err(
            st.terminal_timeout.span(),
            "strategy.terminal_timeout",
            "must be longer than zero, e.g. \"30s\"",
        ));
    }
    Ok(Terminal {
        timeout_pct,
        timeout,
        saf: saf(cx, st)?,
        reversal: reversal(cx, st)?,
    })
}

/// `[strategy.saf]`: `None` when disabled.
fn saf(cx: &Ctx, st: &RawStrategy) -> Result<Option<SafSpec>, ScenarioError> {
    let sf = &st.saf;
    if !sf.enabled {
        return Ok(None);
    }
    if sf.interval.get_ref().0 == 0 {
        return Err(cx.err(
            sf.interval.span(),
            "strategy.saf.interval",
            "must be longer than zero (the time between two repeats of a reversal)",
        ));
    }
    Ok(Some(SafSpec {
        interval: cx.period(
            sf.interval.span(),
            "strategy.saf.interval",
            sf.interval.get_ref().0,
            SECOND,
            "the time between two repeats of a reversal",
        )?,
        expiry: sf.expiry.get_ref().0,
    }))
}

/// `[strategy.reversal]`: `None` when disabled.
fn reversal(cx: &Ctx, st: &RawStrategy) -> Result<Option<ReversalSpec>, ScenarioError> {
    let rv = &st.reversal;
    if !rv.enabled {
        return Ok(None);
    }
    let attempts = cx.count(&rv.attempts, "strategy.reversal.attempts", 1, 100, false)? as u32;
    let repeats = attempts > 1 || rv.until == ReversalUntil::Acknowledged;
    if repeats && rv.interval.get_ref().0 == 0 {
        let span = if rv.interval.span() == (0..0) {
            rv.attempts.span()
        } else {
            rv.interval.span()
        };
        return Err(cx.err(
            span,
            "strategy.reversal.interval",
            "must be longer than zero when the terminal repeats its reversal (until = \
             \"acknowledged\", or attempts > 1)",
        ));
    }
    Ok(Some(ReversalSpec {
        attempts,
        interval: rv.interval.get_ref().0,
        until: rv.until,
    }))
}

/// The faults, with monitoring's detection and repair and fleet upkeep applied.
pub(super) fn faults(
    cx: &Ctx,
    raw: &[RawFault],
    st: &RawStrategy,
    names: &Names,
) -> Result<Vec<FaultSpec>, ScenarioError> {
    let mut faults = faults::faults(cx, raw, names)?;
    upkeep::apply_to_faults(
        cx,
        st.monitoring.as_ref(),
        st.fleet.as_ref(),
        raw,
        &mut faults,
    )?;
    Ok(faults)
}

/// The upkeep strategies read during a run; `autoscale` holds each station's, in order.
pub(super) fn upkeep(
    cx: &Ctx,
    st: &RawStrategy,
    support: &RawSupport,
    risk: &RawRisk,
    merchant_risk: &RawMerchantRisk,
    autoscale: Vec<Option<AutoscaleSpec>>,
    saf_on: bool,
) -> Result<upkeep::UpkeepSpec, ScenarioError> {
    let (saf_attempts, saf_blocking) = upkeep::saf(cx, &st.saf, saf_on)?;
    Ok(upkeep::UpkeepSpec {
        autoscale,
        support: upkeep::support(cx, support)?,
        luhn_catch: upkeep::luhn(st.luhn_check, st.luhn_catch),
        risk_review_sla: upkeep::review_sla(cx, risk.review_sla.as_ref(), "risk.review_sla")?,
        merchant_review_sla: upkeep::review_sla(
            cx,
            merchant_risk.review_sla.as_ref(),
            "merchant_risk.review_sla",
        )?,
        saf_attempts,
        saf_blocking,
    })
}

/// The guards, with the channels' and issuers' bulkheads.
pub(super) fn guard(
    cx: &Ctx,
    st: &RawStrategy,
    chans_raw: &Spanned<Vec<RawChannel>>,
    iss_raw: &Spanned<Vec<RawIssuer>>,
    raw_faults: &[RawFault],
    faults: &[FaultSpec],
    routing: Option<&Vec<RouteSpec>>,
) -> Result<GuardSpec, ScenarioError> {
    let chan_bulkheads: Vec<_> = chans_raw
        .get_ref()
        .iter()
        .map(|c| c.bulkhead.as_ref())
        .collect();
    let iss_bulkheads: Vec<_> = iss_raw
        .get_ref()
        .iter()
        .map(|c| c.bulkhead.as_ref())
        .collect();
    guard::validate(
        cx,
        &st.failover,
        &st.breaker,
        &st.shedding,
        &chan_bulkheads,
        &iss_bulkheads,
        raw_faults,
        faults,
        routing,
    )
}

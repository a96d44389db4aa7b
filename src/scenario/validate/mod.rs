//! Raw scenario → validated [`Scenario`]: ids resolved, cross-field rules checked, limits
//! enforced. Every error names the field and, where the file has it, the line and column.
//!
//! The checks run in a fixed order, and the first error found is the one reported: the name
//! and `[simulation]` (`simulation`), the terminal groups, risk engine, channels and issuers
//! (`components`), the network links (`links`), routing, settlement (`settlement`), the
//! strategies and faults (`strategy`), then the checks that need the whole scenario: its
//! horizon, the faults' extra load and `demonstrates`. `[expect]` (whose metric names the
//! metrics catalogue knows) and a terminal timeout given as a percentile (which a pilot run
//! measures) are left pending for the layers above (`scenario::pending`, `runner::prepare`).

mod components;
mod links;
mod settlement;
mod simulation;
mod strategy;

use super::check::Ctx;
use super::error::ScenarioError;
use super::postauth;
use super::raw::RawScenario;
use super::strategies::upkeep;
use super::*;
pub(super) use simulation::horizon_error;

pub(super) fn validate(
    mut raw: RawScenario,
    file: &str,
    src: &str,
    limits: &Limits,
) -> Result<Scenario, ScenarioError> {
    let cx = Ctx {
        file,
        src,
        hint: limits.hint(),
    };
    let name = simulation::name(&cx, &raw.name)?;
    let sim = simulation::simulation(&cx, &raw.simulation, limits)?;

    let mut ids = components::Ids::new();
    let terms_raw = &cx.list(raw.terminals.take(), "terminals", "terminal group")?;
    let terminals = components::terminals(
        &cx,
        terms_raw,
        &raw.simulation,
        sim.window,
        &mut ids,
        limits,
    )?;
    let gateway = cx.station(
        "gateway".into(),
        &raw.gateway.servers,
        &raw.gateway.service,
        "gateway",
        limits,
    )?;
    let mut autoscale = vec![upkeep::autoscale(
        &cx,
        raw.gateway.autoscale.as_ref(),
        gateway.servers,
        "gateway",
        limits,
    )?];
    let risk = components::risk(&cx, &raw.risk)?;
    let chans_raw = &cx.list(raw.channels.take(), "channels", "channel")?;
    let channels = components::channels(&cx, chans_raw, &mut ids, &mut autoscale, limits)?;
    let iss_raw = &cx.list(raw.issuers.take(), "issuers", "issuer")?;
    let issuers = components::issuers(&cx, iss_raw, &mut ids, &mut autoscale, limits)?;
    let links = links::links(&cx, &raw.network, &ids, &terminals, &channels, &issuers)?;
    let routing = postauth::routing(&cx, raw.routing.take(), &channels, &issuers, &ids.0)?;
    let settlement = settlement::settlement(&cx, &raw.settlement, sim.start_date)?;

    let st = &raw.strategy;
    let terminal = strategy::terminal(&cx, st)?;
    let (retry, idempotency, cardholder) = super::strategies::retry::validate(
        &cx,
        &st.retry,
        &st.idempotency,
        &st.cardholder,
        terminal
            .timeout
            .max(postauth::acquirer_timeout(&cx, st)?.unwrap_or(0)),
    )?;
    let names = super::faults::Names {
        terminals: &terminals,
        channels: &channels,
        issuers: &issuers,
    };
    let faults = strategy::faults(&cx, &raw.faults, st, &names)?;
    let upkeep = strategy::upkeep(
        &cx,
        st,
        &raw.support,
        &raw.risk,
        &raw.merchant_risk,
        autoscale,
        terminal.saf.is_some(),
    )?;
    let channel_ids: Vec<&str> = channels.iter().map(|c| c.station.id.as_str()).collect();
    let costs = super::costs::costs(&cx, raw.costs.as_ref(), &channel_ids)?;
    let categories: Vec<_> = terms_raw
        .get_ref()
        .iter()
        .map(|t| (t.id.get_ref().clone(), t.category.clone()))
        .collect();
    let fees = super::fees::fees(&cx, raw.fees.as_ref(), &categories)?;
    faults_need_their_tables(&cx, &raw, fees.is_some())?;
    let guard = strategy::guard(
        &cx,
        st,
        chans_raw,
        iss_raw,
        &raw.faults,
        &faults,
        routing.as_ref(),
    )?;

    let scenario = Scenario {
        name,
        description: std::mem::take(&mut raw.description),
        description_zh: raw.description_zh.take(),
        demonstrates: vec![],
        runs: sim.runs,
        seed: raw.simulation.seed,
        traffic_window: sim.window,
        observation: sim.observation,
        start_weekday: sim.start_weekday,
        start_date: sim.start_date,
        terminals,
        gateway,
        fraud_share: raw.risk.fraud_share.0,
        liability: raw.risk.liability,
        risk,
        channels,
        issuers,
        links,
        settlement,
        payout: postauth::payout(&cx, &raw.payout, &raw.settlement.promise_days)?,
        merchant_risk: postauth::merchant_risk(&cx, &raw.merchant_risk)?,
        routing,
        reconciliation: postauth::reconciliation(&cx, &raw.reconciliation)?,
        strategy: StrategySpec {
            terminal_timeout: terminal.timeout,
            acquirer_timeout: postauth::acquirer_timeout(&cx, st)?,
            reversal: terminal.reversal,
            saf: terminal.saf,
            guard,
            retry,
            idempotency,
            cardholder,
        },
        faults,
        costs,
        fees,
        transactions: match &raw.transactions {
            Some(t) => Some(super::transactions::transactions(&cx, t)?),
            None => None,
        },
        disputes: match &raw.disputes {
            Some(d) => Some(super::disputes::disputes(&cx, d)?),
            None => None,
        },
        upkeep,
        expect: None,
        pending: Default::default(),
        source: src.to_owned(),
    };
    finish(&cx, &raw, scenario, terminal.timeout_pct, limits)
}

/// The checks that need the whole scenario: its horizon, the faults' extra load,
/// `demonstrates`, `[expect]`, and a terminal timeout given as a percentile (`timeout_pct`).
fn finish(
    cx: &Ctx,
    raw: &RawScenario,
    mut scenario: Scenario,
    timeout_pct: Option<f64>,
    limits: &Limits,
) -> Result<Scenario, ScenarioError> {
    // The default observation period follows the settlement calendar (lags, weekends, review
    // delays): check the horizon the run will really have.
    let horizon = super::calendar::horizon(&scenario);
    if horizon > limits.max_horizon {
        return Err(horizon_error(cx, &raw.simulation, limits, horizon));
    }
    super::faults::check_load(cx, &raw.faults, &scenario, horizon, limits)?;
    if let Some(d) = &raw.demonstrates {
        scenario.demonstrates = super::cause::demonstrates(cx, d, &super::cause::names(&scenario))?;
    }
    // `[expect]` and a percentile timeout are left to the layers above (`scenario::pending`).
    let timeout = timeout_pct.map(|p| (p, raw.strategy.terminal_timeout.span()));
    scenario.pending = super::pending::Pending::new(
        cx.file,
        limits,
        &raw.simulation,
        raw.expect.as_ref(),
        timeout,
    );
    Ok(scenario)
}

/// A fault kind that departs from a table needs that table: `fee_misconfigured` the agreed
/// rates of `[fees]`, `payout_channel_down` the `[payout.channel]` it strikes.
fn faults_need_their_tables(cx: &Ctx, raw: &RawScenario, fees: bool) -> Result<(), ScenarioError> {
    use crate::scenario::FaultKind;
    let needs = [
        (
            FaultKind::FeeMisconfigured,
            fees,
            "a fee_misconfigured fault needs the scenario's [fees] (the agreed rates it departs \
             from); add a [fees] table",
        ),
        (
            FaultKind::PayoutChannelDown,
            raw.payout.channel.is_some(),
            "a payout_channel_down fault needs the scenario's payout channel (the orders it \
             leaves unanswered); add a [payout.channel] table",
        ),
    ];
    for (kind, present, msg) in needs {
        if present {
            continue;
        }
        let found = raw
            .faults
            .iter()
            .enumerate()
            .find(|(_, f)| f.kind.as_ref().is_some_and(|k| *k.get_ref() == kind));
        if let Some((i, fl)) = found {
            let at = fl.kind.as_ref().map_or(fl.target.span(), |k| k.span());
            return Err(cx.err(at, &format!("faults[{i}].kind"), msg.to_owned()));
        }
    }
    Ok(())
}

//! Raw scenario → validated [`Scenario`]: ids resolved, cross-field rules checked, limits
//! enforced. Every error names the field and, where the file has it, the line and column.

use super::check::Ctx;
use super::error::{ScenarioError, did_you_mean};
use super::postauth;
use super::raw::{self, DEFAULT_PROFILE, RawScenario};
use super::*;
use crate::engine::{DAY, Nanos};
use toml::Spanned;

pub(super) fn validate(
    raw: RawScenario,
    file: &str,
    src: &str,
    limits: &Limits,
) -> Result<Scenario, ScenarioError> {
    let cx = Ctx {
        file,
        src,
        hint: limits.hint(),
    };

    // The name becomes a folder under output/: it must never be able to leave it.
    let name = raw.name.get_ref().clone();
    let name_ok = !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.');
    if !name_ok {
        return Err(cx.err(
            raw.name.span(),
            "name",
            format!(
                "invalid scenario name \"{}\": use letters, digits, '_', '-' and '.', not starting \
                 with '.', at most 64 characters (it names the output folder)",
                name.escape_debug()
            ),
        ));
    }

    let sim = &raw.simulation;
    let runs = cx.count(&sim.runs, "simulation.runs", 1, limits.max_runs, true)?;
    let window = sim.traffic_window.get_ref().0;
    if window == 0 {
        return Err(cx.err(
            sim.traffic_window.span(),
            "simulation.traffic_window",
            "must be longer than zero, e.g. \"24h\"",
        ));
    }
    let observation = sim.observation.as_ref().map(|o| o.get_ref().0);
    if let Some(o) = sim.observation.as_ref().filter(|o| o.get_ref().0 < window) {
        return Err(cx.err(
            o.span(),
            "simulation.observation",
            "the observation period must not end before the traffic window (it is measured from \
             the start of the run)",
        ));
    }
    // Day 0's weekday: given, or that of the start date; both must agree.
    let start_date = sim.start_date.as_ref().map(|d| d.get_ref().0);
    let date_weekday = start_date.map(units::weekday_from_days);
    let start_weekday = match (&sim.start_weekday, &sim.start_date) {
        (Some(w), Some(d)) if Some(w.get_ref().0) != date_weekday => {
            let name = |i: u8| units::WEEKDAYS[i as usize];
            return Err(cx.err(
                w.span(),
                "simulation.start_weekday",
                format!(
                    "simulation.start_weekday is \"{}\" but simulation.start_date \"{}\" is a {}; \
                     give only start_date (the weekday follows from it) or make them agree",
                    name(w.get_ref().0),
                    d.get_ref(),
                    name(date_weekday.unwrap_or_default())
                ),
            ));
        }
        (Some(w), _) => w.get_ref().0,
        (None, _) => date_weekday.unwrap_or(0),
    };
    // A lower bound of the horizon, checked early; the exact horizon is checked at the end.
    let horizon_error = |horizon: Nanos| {
        let span = sim
            .observation
            .as_ref()
            .map_or(sim.traffic_window.span(), |o| o.span());
        cx.err(
            span,
            "simulation",
            format!(
                "the run would cover {} days (traffic, then observation until settlement \
                 completes); the limit is {} days{}",
                horizon.div_ceil(DAY),
                limits.max_horizon / DAY,
                limits.hint()
            ),
        )
    };
    let horizon_guess = observation.unwrap_or(window);
    if horizon_guess > limits.max_horizon {
        return Err(horizon_error(horizon_guess));
    }

    // Every id lives in one namespace, with "gateway" reserved.
    let mut ids: Vec<(String, &'static str)> = vec![("gateway".into(), "gateway")];
    let mut claim = |id: &Spanned<String>,
                     field: &str,
                     kind: &'static str,
                     cx: &Ctx|
     -> Result<String, ScenarioError> {
        let s = cx.id(id, field)?;
        if let Some((_, k)) = ids.iter().find(|(x, _)| *x == s) {
            return Err(cx.err(
                id.span(),
                field,
                format!(
                    "id \"{s}\" is already taken (by the {k}); ids must be unique across the \
                     gateway, terminal groups, channels and issuers"
                ),
            ));
        }
        ids.push((s.clone(), kind));
        Ok(s)
    };

    let terms_raw = &cx.list(raw.terminals, "terminals", "terminal group")?;
    let mut terminals = vec![];
    let mut total_terminals = 0u64;
    let mut expected_payments = 0.0;
    for (i, t) in terms_raw.get_ref().iter().enumerate() {
        let f = format!("terminals[{i}]");
        let id = claim(&t.id, &format!("{f}.id"), "terminal group", &cx)?;
        let count = cx.count(
            &t.count,
            &format!("{f}.count"),
            1,
            limits.max_terminals,
            true,
        )?;
        total_terminals += count;
        if total_terminals > limits.max_terminals {
            return Err(cx.err(
                t.count.span(),
                &format!("{f}.count"),
                format!(
                    "{total_terminals} terminals in all is above the limit of {}{}",
                    limits.max_terminals,
                    limits.hint()
                ),
            ));
        }
        let per_terminal = t.rate.get_ref().0;
        let hourly = match &t.profile {
            None => normalise(&DEFAULT_PROFILE),
            Some(p) => {
                let v = p.get_ref();
                if v.len() != 24 {
                    return Err(cx.err(
                        p.span(),
                        &format!("{f}.profile"),
                        format!("needs 24 weights, one per hour of the day; got {}", v.len()),
                    ));
                }
                if v.iter().any(|w| !w.is_finite() || *w < 0.0) || v.iter().sum::<f64>() <= 0.0 {
                    return Err(cx.err(
                        p.span(),
                        &format!("{f}.profile"),
                        "weights must be finite, not negative, and not all zero",
                    ));
                }
                let mut a = [0.0; 24];
                a.copy_from_slice(v);
                normalise(&a)
            }
        };
        let peak = match &t.peak {
            None => None,
            Some(p) => {
                let m = *p.multiplier.get_ref();
                if !m.is_finite() || m <= 0.0 || m > 1000.0 {
                    return Err(cx.err(
                        p.multiplier.span(),
                        &format!("{f}.peak.multiplier"),
                        format!("must be a number in (0, 1000], got {m}"),
                    ));
                }
                if p.end.get_ref().0 <= p.start.0 {
                    return Err(cx.err(
                        p.end.span(),
                        &format!("{f}.peak"),
                        "`end` must be later in the day than `start`",
                    ));
                }
                Some((p.start.0, p.end.get_ref().0, m))
            }
        };
        let rate = per_terminal * count as f64;
        let peak_factor = peak.map_or(1.0, |p| p.2.max(1.0));
        expected_payments += rate * (window as f64 / 1e9) * peak_factor;
        if t.amount.get_ref().dist.mean() < 1.0 {
            return Err(cx.err(
                t.amount.span(),
                &format!("{f}.amount"),
                "the mean payment amount must be at least 0.01",
            ));
        }
        terminals.push(TerminalGroup {
            id,
            count: count as u32,
            rate,
            hourly,
            peak,
            amount: t.amount.get_ref().dist.clone(),
            miskey_share: t.miskey_share.0,
            messages: t.messages,
        });
    }
    if expected_payments > limits.max_payments_per_run {
        // Point at what the file says: the busiest group's rate or count, else the window.
        let busiest = terms_raw.get_ref().iter().enumerate().max_by(|a, b| {
            let r = |t: &raw::RawTerminals| t.rate.get_ref().0 * *t.count.get_ref() as f64;
            r(a.1).total_cmp(&r(b.1))
        });
        let (span, field) = match busiest {
            Some((i, t)) if t.rate.span() != (0..0) => {
                (t.rate.span(), format!("terminals[{i}].rate"))
            }
            Some((i, t)) if t.count.span() != (0..0) => {
                (t.count.span(), format!("terminals[{i}].count"))
            }
            _ if sim.traffic_window.span() != (0..0) => (
                sim.traffic_window.span(),
                "simulation.traffic_window".into(),
            ),
            _ => (terms_raw.span(), "terminals".into()),
        };
        return Err(cx.err(
            span,
            &field,
            format!(
                "the terminals would make about {expected_payments:.0} payments per run; the limit \
                 is {:.0}. Lower terminals.count, terminals.rate or simulation.traffic_window{}",
                limits.max_payments_per_run,
                limits.hint()
            ),
        ));
    }

    let gateway = cx.station(
        "gateway".into(),
        &raw.gateway.servers,
        &raw.gateway.service,
        "gateway",
        limits,
    )?;

    use super::strategies::upkeep;
    let mut autoscale = vec![upkeep::autoscale(
        &cx,
        raw.gateway.autoscale.as_ref(),
        gateway.servers,
        "gateway",
        limits,
    )?];
    let rates = upkeep::risk_rates(&cx, &raw.risk)?;
    let rate =
        |r: &Option<Spanned<units::Probability>>, d: f64| r.as_ref().map_or(d, |p| p.get_ref().0);
    let risk = if raw.risk.enabled {
        Some(RiskSpec {
            detection_rate: rates.map_or(rate(&raw.risk.detection_rate, 0.7), |r| r.0),
            false_positive_rate: rates.map_or(rate(&raw.risk.false_positive_rate, 0.003), |r| r.1),
            action: raw.risk.action,
            review_delay: raw.risk.review_delay.0,
        })
    } else {
        None
    };

    let chans_raw = &cx.list(raw.channels, "channels", "channel")?;
    let mut channels = vec![];
    for (i, c) in chans_raw.get_ref().iter().enumerate() {
        let f = format!("channels[{i}]");
        let id = claim(&c.id, &format!("{f}.id"), "channel", &cx)?;
        let station = cx.station(id, &c.servers, &c.service, &f, limits)?;
        autoscale.push(upkeep::autoscale(
            &cx,
            c.autoscale.as_ref(),
            station.servers,
            &f,
            limits,
        )?);
        let weight = cx.weight(&c.weight, &format!("{f}.weight"))?;
        channels.push(postauth::channel(&cx, c, &f, station, weight)?);
    }
    if channels.iter().all(|c| c.weight == 0.0) {
        return Err(cx.err(
            chans_raw.span(),
            "channels",
            "at least one channel needs a weight above zero",
        ));
    }

    let iss_raw = &cx.list(raw.issuers, "issuers", "issuer")?;
    let mut issuers = vec![];
    let mut total_accounts = 0u64;
    for (i, r) in iss_raw.get_ref().iter().enumerate() {
        let f = format!("issuers[{i}]");
        let id = claim(&r.id, &format!("{f}.id"), "issuer", &cx)?;
        let station = cx.station(id, &r.servers, &r.service, &f, limits)?;
        autoscale.push(upkeep::autoscale(
            &cx,
            r.autoscale.as_ref(),
            station.servers,
            &f,
            limits,
        )?);
        let count = cx.count(
            &r.accounts.count,
            &format!("{f}.accounts.count"),
            1,
            limits.max_accounts,
            true,
        )?;
        total_accounts += count;
        if total_accounts > limits.max_accounts {
            return Err(cx.err(
                r.accounts.count.span(),
                &format!("{f}.accounts.count"),
                format!(
                    "{total_accounts} accounts in all is above the limit of {}{}",
                    limits.max_accounts,
                    limits.hint()
                ),
            ));
        }
        if let Some(l) = r
            .accounts
            .amount_limit
            .as_ref()
            .filter(|l| l.get_ref().0 <= 0)
        {
            return Err(cx.err(
                l.span(),
                &format!("{f}.accounts.amount_limit"),
                "must be greater than zero",
            ));
        }
        issuers.push(IssuerSpec {
            station,
            share: cx.weight(&r.share, &format!("{f}.share"))?,
            do_not_honour_share: r.do_not_honour_share.0,
            hold_expiry: r.hold_expiry.0,
            accounts: AccountsSpec {
                count: count as u32,
                balance: r.accounts.balance.dist.clone(),
                frozen_share: r.accounts.frozen_share.0,
                amount_limit: r.accounts.amount_limit.as_ref().map(|m| m.get_ref().0),
            },
        });
    }
    if issuers.iter().all(|i| i.share == 0.0) {
        return Err(cx.err(
            iss_raw.span(),
            "issuers",
            "at least one issuer needs a share above zero",
        ));
    }

    // Links: defaults, then overrides by (from, to).
    let def = LinkSpec {
        latency: raw.network.latency.dist.clone(),
        loss: raw.network.loss.0,
    };
    let mut links = Links {
        terminal: vec![def.clone(); terminals.len()],
        gateway_channel: vec![def.clone(); channels.len()],
        channel_issuer: vec![vec![def.clone(); issuers.len()]; channels.len()],
    };
    let all_ids: Vec<&str> = ids.iter().map(|(s, _)| s.as_str()).collect();
    for (i, l) in raw.network.links.iter().enumerate() {
        let f = format!("network.links[{i}]");
        let find = |s: &Spanned<String>, field: &str| -> Result<String, ScenarioError> {
            let v = s.get_ref();
            if all_ids.contains(&v.as_str()) {
                Ok(v.clone())
            } else {
                Err(cx.err(
                    s.span(),
                    field,
                    format!(
                        "unknown component id \"{v}\"{}; known ids: {}",
                        did_you_mean(v, &all_ids),
                        all_ids.join(", ")
                    ),
                ))
            }
        };
        let from = find(&l.from, &format!("{f}.from"))?;
        let to = find(&l.to, &format!("{f}.to"))?;
        let pos = |id: &str| -> Option<(char, usize)> {
            if id == "gateway" {
                return Some(('g', 0));
            }
            if let Some(k) = terminals.iter().position(|t| t.id == id) {
                return Some(('t', k));
            }
            if let Some(k) = channels.iter().position(|c| c.station.id == id) {
                return Some(('c', k));
            }
            issuers
                .iter()
                .position(|x| x.station.id == id)
                .map(|k| ('i', k))
        };
        let (a, b) = (pos(&from).expect("known id"), pos(&to).expect("known id"));
        // A link is undirected: accept either order.
        let slot: &mut LinkSpec = match (a, b) {
            (('t', t), ('g', _)) | (('g', _), ('t', t)) => &mut links.terminal[t],
            (('g', _), ('c', c)) | (('c', c), ('g', _)) => &mut links.gateway_channel[c],
            (('c', c), ('i', k)) | (('i', k), ('c', c)) => &mut links.channel_issuer[c][k],
            _ => {
                return Err(cx.err(
                    l.to.span(),
                    &format!("{f}.to"),
                    format!(
                        "there is no link between \"{from}\" and \"{to}\"; links join a terminal \
                         group and the gateway, the gateway and a channel, or a channel and an \
                         issuer"
                    ),
                ));
            }
        };
        if let Some(lat) = &l.latency {
            slot.latency = lat.dist.clone();
        }
        if let Some(p) = l.loss {
            slot.loss = p.0;
        }
    }

    let routing = postauth::routing(&cx, raw.routing, &channels, &issuers, &ids)?;

    let s = &raw.settlement;
    let lag = cx.count(&s.lag_days, "settlement.lag_days", 0, 30, false)? as u32;
    let mut business_days = [false; 7];
    for d in s.business_days.get_ref() {
        business_days[d.0 as usize] = true;
    }
    if !business_days.iter().any(|b| *b) {
        return Err(cx.err(
            s.business_days.span(),
            "settlement.business_days",
            "at least one business day is needed, e.g. [\"mon\", \"tue\", \"wed\", \"thu\", \
             \"fri\"]",
        ));
    }

    let (holidays, extra_business_days, bank_down) =
        super::calendar::settlement_dates(&cx, s, start_date)?;
    let (file_reject_share, file_late_share, file_rejected) =
        postauth::file_faults(&cx, s, start_date)?;

    let timeout_pct = super::strategies::upkeep::timeout_percentile(
        &cx,
        &raw.strategy.terminal_timeout,
        "strategy.terminal_timeout",
    )?;
    // A percentile is resolved by a pilot run once the scenario is whole (below).
    let timeout = match *raw.strategy.terminal_timeout.get_ref() {
        super::strategies::upkeep::TimeoutSetting::Fixed(d) => d.0,
        super::strategies::upkeep::TimeoutSetting::Percentile(_) => 30 * crate::engine::SECOND,
    };
    if timeout == 0 {
        return Err(cx.err(
            raw.strategy.terminal_timeout.span(),
            "strategy.terminal_timeout",
            "must be longer than zero, e.g. \"30s\"",
        ));
    }
    let sf = &raw.strategy.saf;
    let saf = if sf.enabled {
        if sf.interval.get_ref().0 == 0 {
            return Err(cx.err(
                sf.interval.span(),
                "strategy.saf.interval",
                "must be longer than zero (the time between two repeats of a reversal)",
            ));
        }
        Some(SafSpec {
            interval: cx.period(
                sf.interval.span(),
                "strategy.saf.interval",
                sf.interval.get_ref().0,
                crate::engine::SECOND,
                "the time between two repeats of a reversal",
            )?,
            expiry: sf.expiry.get_ref().0,
        })
    } else {
        None
    };
    let rv = &raw.strategy.reversal;
    let reversal = if rv.enabled {
        let attempts = cx.count(&rv.attempts, "strategy.reversal.attempts", 1, 100, false)? as u32;
        let repeats = attempts > 1 || rv.until == super::ReversalUntil::Acknowledged;
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
        Some(ReversalSpec {
            attempts,
            interval: rv.interval.get_ref().0,
            until: rv.until,
        })
    } else {
        None
    };

    let (retry, idempotency, cardholder) = super::strategies::retry::validate(
        &cx,
        &raw.strategy.retry,
        &raw.strategy.idempotency,
        &raw.strategy.cardholder,
        timeout.max(postauth::acquirer_timeout(&cx, &raw.strategy)?.unwrap_or(0)),
    )?;

    let names = super::faults::Names {
        terminals: &terminals,
        channels: &channels,
        issuers: &issuers,
    };
    let mut faults = super::faults::faults(&cx, &raw.faults, &names)?;
    let st = &raw.strategy;
    upkeep::apply_to_faults(
        &cx,
        st.monitoring.as_ref(),
        st.fleet.as_ref(),
        &raw.faults,
        &mut faults,
    )?;
    let (saf_attempts, saf_blocking) = upkeep::saf(&cx, &st.saf, saf.is_some())?;
    let upkeep = upkeep::UpkeepSpec {
        autoscale,
        support: upkeep::support(&cx, &raw.support)?,
        luhn_catch: upkeep::luhn(st.luhn_check, st.luhn_catch),
        risk_review_sla: upkeep::review_sla(&cx, raw.risk.review_sla.as_ref(), "risk.review_sla")?,
        merchant_review_sla: upkeep::review_sla(
            &cx,
            raw.merchant_risk.review_sla.as_ref(),
            "merchant_risk.review_sla",
        )?,
        saf_attempts,
        saf_blocking,
    };
    let channel_ids: Vec<&str> = channels.iter().map(|c| c.station.id.as_str()).collect();
    let costs = super::costs::costs(&cx, raw.costs.as_ref(), &channel_ids)?;
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
    let guard = super::strategies::guard::validate(
        &cx,
        &raw.strategy.failover,
        &raw.strategy.breaker,
        &raw.strategy.shedding,
        &chan_bulkheads,
        &iss_bulkheads,
        &raw.faults,
        &faults,
        routing.as_ref(),
    )?;

    let mut scenario = Scenario {
        name,
        description: raw.description,
        demonstrates: vec![],
        runs,
        seed: sim.seed,
        traffic_window: window,
        observation,
        start_weekday,
        start_date,
        terminals,
        gateway,
        fraud_share: raw.risk.fraud_share.0,
        liability: raw.risk.liability,
        risk,
        channels,
        issuers,
        links,
        settlement: SettlementSpec {
            cutoff: s.cutoff.0,
            lag_days: lag,
            credit_time: s.credit_time.0,
            business_days,
            holidays,
            extra_business_days,
            bank_down,
            file_reject_share,
            file_late_share,
            file_rejected,
        },
        payout: postauth::payout(&cx, &raw.payout, &s.promise_days)?,
        merchant_risk: postauth::merchant_risk(&cx, &raw.merchant_risk)?,
        routing,
        reconciliation: postauth::reconciliation(&cx, &raw.reconciliation)?,
        strategy: StrategySpec {
            terminal_timeout: timeout,
            acquirer_timeout: postauth::acquirer_timeout(&cx, &raw.strategy)?,
            reversal,
            saf,
            guard,
            retry,
            idempotency,
            cardholder,
        },
        faults,
        costs,
        upkeep,
        expect: None,
        source: src.to_owned(),
    };
    // The default observation period follows the settlement calendar (lags, weekends, review
    // delays): check the horizon the run will really have.
    let horizon = super::calendar::horizon(&scenario);
    if horizon > limits.max_horizon {
        return Err(horizon_error(horizon));
    }
    super::faults::check_load(&cx, &raw.faults, &scenario, horizon, limits)?;
    // A terminal timeout given as a percentile: a pilot run of the checked scenario finds it.
    if let Some(d) = &raw.demonstrates {
        scenario.demonstrates =
            super::cause::demonstrates(&cx, d, &super::cause::names(&scenario))?;
    }
    if let Some(e) = &raw.expect {
        let metrics = crate::metrics::Catalogue::for_scenario(&scenario).names();
        scenario.expect = Some(super::expect::validate(
            &cx,
            e,
            &metrics,
            scenario.runs,
            scenario.seed,
            limits.max_runs,
        )?);
    }
    if let Some(p) = timeout_pct {
        scenario.strategy.terminal_timeout = super::strategies::upkeep::pilot_terminal_timeout(
            &cx,
            &scenario,
            p,
            raw.strategy.terminal_timeout.span(),
        )?;
        let horizon = super::calendar::horizon(&scenario);
        if horizon > limits.max_horizon {
            return Err(horizon_error(horizon));
        }
    }
    Ok(scenario)
}

fn normalise(w: &[f64; 24]) -> [f64; 24] {
    let mean = w.iter().sum::<f64>() / 24.0;
    let mut out = [0.0; 24];
    for (o, x) in out.iter_mut().zip(w) {
        *o = x / mean;
    }
    out
}

//! The components of the payment path: terminal groups, the risk engine, channels and
//! issuers, each with its id claimed in the one namespace of ids, its counts within the
//! limits, and its autoscaling.

use super::super::check::Ctx;
use super::super::error::ScenarioError;
use super::super::postauth;
use super::super::raw::{self, DEFAULT_PROFILE, RawChannel, RawIssuer, RawRisk, RawTerminals};
use super::super::strategies::upkeep::{self, AutoscaleSpec};
use super::super::{AccountsSpec, ChannelSpec, IssuerSpec, Limits, RiskSpec, TerminalGroup, units};
use toml::Spanned;

/// Every id lives in one namespace, with "gateway" reserved: each id with what it names.
pub(super) struct Ids(pub Vec<(String, &'static str)>);

impl Ids {
    pub(super) fn new() -> Self {
        Ids(vec![("gateway".into(), "gateway")])
    }

    /// Checks an id and takes it, refusing one already taken.
    fn claim(
        &mut self,
        id: &Spanned<String>,
        field: &str,
        kind: &'static str,
        cx: &Ctx,
    ) -> Result<String, ScenarioError> {
        let s = cx.id(id, field)?;
        if let Some((_, k)) = self.0.iter().find(|(x, _)| *x == s) {
            return Err(cx.err(
                id.span(),
                field,
                format!(
                    "id \"{s}\" is already taken (by the {k}); ids must be unique across the \
                     gateway, terminal groups, channels and issuers"
                ),
            ));
        }
        self.0.push((s.clone(), kind));
        Ok(s)
    }
}

/// The terminal groups, and the payments they would make in a run within the limit.
pub(super) fn terminals(
    cx: &Ctx,
    terms_raw: &Spanned<Vec<RawTerminals>>,
    sim: &raw::RawSimulation,
    window: crate::engine::Nanos,
    ids: &mut Ids,
    limits: &Limits,
) -> Result<Vec<TerminalGroup>, ScenarioError> {
    let mut terminals = vec![];
    let mut total_terminals = 0u64;
    let mut expected_payments = 0.0;
    for (i, t) in terms_raw.get_ref().iter().enumerate() {
        let f = format!("terminals[{i}]");
        let id = ids.claim(&t.id, &format!("{f}.id"), "terminal group", cx)?;
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
        let hourly = profile(cx, t, &f)?;
        let peak = peak(cx, t, &f)?;
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
            sale_limit: merchant_limit(cx, t.sale_limit.as_ref(), &format!("{f}.sale_limit"))?,
            daily_limit: merchant_limit(cx, t.daily_limit.as_ref(), &format!("{f}.daily_limit"))?,
        });
    }
    if expected_payments > limits.max_payments_per_run {
        return Err(too_many_payments(
            cx,
            terms_raw,
            sim,
            expected_payments,
            limits,
        ));
    }
    Ok(terminals)
}

/// A group's hourly profile (`profile`, 24 weights), normalised to a mean of 1.
fn profile(cx: &Ctx, t: &RawTerminals, f: &str) -> Result<[f64; 24], ScenarioError> {
    Ok(match &t.profile {
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
    })
}

/// A group's daily peak: its window and multiplier.
type Peak = Option<(crate::engine::Nanos, crate::engine::Nanos, f64)>;

/// A group's daily `peak`, if it has one.
fn peak(cx: &Ctx, t: &RawTerminals, f: &str) -> Result<Peak, ScenarioError> {
    Ok(match &t.peak {
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
    })
}

/// The error of terminals that would make too many payments per run. It points at what the
/// file says: the busiest group's rate or count, else the window.
fn too_many_payments(
    cx: &Ctx,
    terms_raw: &Spanned<Vec<RawTerminals>>,
    sim: &raw::RawSimulation,
    expected_payments: f64,
    limits: &Limits,
) -> ScenarioError {
    let busiest = terms_raw.get_ref().iter().enumerate().max_by(|a, b| {
        let r = |t: &RawTerminals| t.rate.get_ref().0 * *t.count.get_ref() as f64;
        r(a.1).total_cmp(&r(b.1))
    });
    let (span, field) = match busiest {
        Some((i, t)) if t.rate.span() != (0..0) => (t.rate.span(), format!("terminals[{i}].rate")),
        Some((i, t)) if t.count.span() != (0..0) => {
            (t.count.span(), format!("terminals[{i}].count"))
        }
        _ if sim.traffic_window.span() != (0..0) => (
            sim.traffic_window.span(),
            "simulation.traffic_window".into(),
        ),
        _ => (terms_raw.span(), "terminals".into()),
    };
    cx.err(
        span,
        &field,
        format!(
            "the terminals would make about {expected_payments:.0} payments per run; the limit \
             is {:.0}. Lower terminals.count, terminals.rate or simulation.traffic_window{}",
            limits.max_payments_per_run,
            limits.hint()
        ),
    )
}

/// The acquirer's risk engine, `None` when disabled: its rates given, or derived from a
/// threshold.
pub(super) fn risk(cx: &Ctx, r: &RawRisk) -> Result<Option<RiskSpec>, ScenarioError> {
    let rates = upkeep::risk_rates(cx, r)?;
    let rate =
        |r: &Option<Spanned<units::Probability>>, d: f64| r.as_ref().map_or(d, |p| p.get_ref().0);
    Ok(if r.enabled {
        Some(RiskSpec {
            detection_rate: rates.map_or(rate(&r.detection_rate, 0.7), |r| r.0),
            false_positive_rate: rates.map_or(rate(&r.false_positive_rate, 0.003), |r| r.1),
            action: r.action,
            review_delay: r.review_delay.0,
        })
    } else {
        None
    })
}

/// The channels, at least one with a weight above zero; each one's autoscaling is added to
/// `autoscale`.
pub(super) fn channels(
    cx: &Ctx,
    chans_raw: &Spanned<Vec<RawChannel>>,
    ids: &mut Ids,
    autoscale: &mut Vec<Option<AutoscaleSpec>>,
    limits: &Limits,
) -> Result<Vec<ChannelSpec>, ScenarioError> {
    let mut channels = vec![];
    for (i, c) in chans_raw.get_ref().iter().enumerate() {
        let f = format!("channels[{i}]");
        let id = ids.claim(&c.id, &format!("{f}.id"), "channel", cx)?;
        let station = cx.station(id, &c.servers, &c.service, &f, limits)?;
        autoscale.push(upkeep::autoscale(
            cx,
            c.autoscale.as_ref(),
            station.servers,
            &f,
            limits,
        )?);
        let weight = cx.weight(&c.weight, &format!("{f}.weight"))?;
        channels.push(postauth::channel(cx, c, &f, station, weight)?);
    }
    if channels.iter().all(|c| c.weight == 0.0) {
        return Err(cx.err(
            chans_raw.span(),
            "channels",
            "at least one channel needs a weight above zero",
        ));
    }
    Ok(channels)
}

/// The issuers and their accounts, at least one with a share above zero; each one's
/// autoscaling is added to `autoscale`.
pub(super) fn issuers(
    cx: &Ctx,
    iss_raw: &Spanned<Vec<RawIssuer>>,
    ids: &mut Ids,
    autoscale: &mut Vec<Option<AutoscaleSpec>>,
    limits: &Limits,
) -> Result<Vec<IssuerSpec>, ScenarioError> {
    let mut issuers = vec![];
    let mut total_accounts = 0u64;
    for (i, r) in iss_raw.get_ref().iter().enumerate() {
        let f = format!("issuers[{i}]");
        let id = ids.claim(&r.id, &format!("{f}.id"), "issuer", cx)?;
        let station = cx.station(id, &r.servers, &r.service, &f, limits)?;
        autoscale.push(upkeep::autoscale(
            cx,
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
        let (dnh, pin, exp) = (
            r.do_not_honour_share.0,
            r.wrong_pin_share.0,
            r.expired_card_share.get_ref().0,
        );
        if dnh + pin + exp > 1.0 {
            return Err(cx.err(
                r.expired_card_share.span(),
                &format!("{f}.expired_card_share"),
                format!(
                    "do_not_honour_share + wrong_pin_share + expired_card_share must be at most \
                     1, got {dnh} + {pin} + {exp}; a payment is declined for one of them at most"
                ),
            ));
        }
        issuers.push(IssuerSpec {
            station,
            share: cx.weight(&r.share, &format!("{f}.share"))?,
            do_not_honour_share: dnh,
            wrong_pin_share: pin,
            expired_card_share: exp,
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
    Ok(issuers)
}

/// Hourly weights scaled to a mean of 1.
fn normalise(w: &[f64; 24]) -> [f64; 24] {
    let mean = w.iter().sum::<f64>() / 24.0;
    let mut out = [0.0; 24];
    for (o, x) in out.iter_mut().zip(w) {
        *o = x / mean;
    }
    out
}

/// A merchant limit: an amount above zero, or none.
fn merchant_limit(
    cx: &Ctx,
    m: Option<&toml::Spanned<crate::scenario::units::Money>>,
    field: &str,
) -> Result<Option<i64>, ScenarioError> {
    match m {
        None => Ok(None),
        Some(m) if m.get_ref().0 > 0 => Ok(Some(m.get_ref().0)),
        Some(m) => Err(cx.err(
            m.span(),
            field,
            format!(
                "{} is not a limit; a merchant limit must be above zero (e.g. \"5000.00\"), or \
                 left out for none",
                crate::scenario::units::format_money(m.get_ref().0)
            ),
        )),
    }
}

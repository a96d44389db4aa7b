//! Validation of the path after authorisation: each channel's message flow, issuer timeout and
//! stand-in, the routing table, clearing-file faults, the payout schedule and the receiving
//! bank's maintenance windows, merchant risk control, reconciliation and the acquirer's
//! timeout. Called by `validate` once the components are known.

use super::check::Ctx;
use super::error::{ScenarioError, did_you_mean};
use super::promise::{self, Promise};
use super::raw::{
    RawChannel, RawMerchantRisk, RawPayout, RawRecon, RawRoute, RawSettlement, RawStrategy,
    RawWindow,
};
use super::units::{Duration, Money};
use super::*;
use crate::engine::{DAY, HOUR, MINUTE, Nanos, SECOND};
use toml::Spanned;

/// "HH:MM", or "HH:MM:SS" when there are seconds: a time of day as a scenario writes it.
pub(super) fn time_of_day(t: Nanos) -> String {
    let (h, m, s) = (t / HOUR, t % HOUR / MINUTE, t % MINUTE / SECOND);
    if s == 0 {
        format!("{h:02}:{m:02}")
    } else {
        format!("{h:02}:{m:02}:{s:02}")
    }
}

use super::units::format_money as money;

/// An optional duration that must be above zero when given.
fn positive_duration(
    cx: &Ctx,
    d: Option<&Spanned<Duration>>,
    field: &str,
    help: &str,
) -> Result<Option<Nanos>, ScenarioError> {
    match d {
        None => Ok(None),
        Some(d) if d.get_ref().0 == 0 => Err(cx.err(
            d.span(),
            field,
            format!("must be longer than zero, got 0; {help}"),
        )),
        Some(d) => Ok(Some(d.get_ref().0)),
    }
}

/// An amount that must be above zero.
fn positive_money(
    cx: &Ctx,
    m: &Spanned<Money>,
    field: &str,
    help: &str,
) -> Result<i64, ScenarioError> {
    let v = m.get_ref().0;
    if v <= 0 {
        return Err(cx.err(
            m.span(),
            field,
            format!("must be greater than zero, got {}; {help}", money(v)),
        ));
    }
    Ok(v)
}

/// A daily window `[start, end)`; `end` before `start` spans midnight, `end == start` is an
/// error (it would be empty or the whole day: which is unclear).
fn window(cx: &Ctx, w: &RawWindow, field: &str) -> Result<(Nanos, Nanos), ScenarioError> {
    let (a, b) = (w.start.get_ref().0, w.end.get_ref().0);
    if a == b {
        return Err(cx.err(
            w.end.span(),
            field,
            format!(
                "start and end are both \"{}\"; a window needs an end different from its start \
                 (an end earlier than the start spans midnight, e.g. start = \"23:30\", end = \
                 \"00:30\")",
                time_of_day(a)
            ),
        ));
    }
    Ok((a, b))
}

/// A channel, given its station and weight: its `flow`, `issuer_timeout` and `stand_in` are
/// checked here (`f` is its path, e.g. `channels[0]`).
pub(super) fn channel(
    cx: &Ctx,
    c: &RawChannel,
    f: &str,
    station: StationSpec,
    weight: f64,
) -> Result<ChannelSpec, ScenarioError> {
    let issuer_timeout = positive_duration(
        cx,
        c.issuer_timeout.as_ref(),
        &format!("{f}.issuer_timeout"),
        "e.g. \"10s\" (leave it out for a channel that waits for the issuer however long it \
         takes)",
    )?;
    let si = &c.stand_in;
    let stand_in = if *si.enabled.get_ref() {
        if issuer_timeout.is_none() {
            return Err(cx.err(
                si.enabled.span(),
                &format!("{f}.stand_in.enabled"),
                format!(
                    "stand_in.enabled = true needs {f}.issuer_timeout: stand-in acts after the \
                     channel's issuer_timeout, e.g. issuer_timeout = \"10s\" (or set enabled = \
                     false)"
                ),
            ));
        }
        let limit = positive_money(
            cx,
            &si.limit,
            &format!("{f}.stand_in.limit"),
            "the largest amount the channel approves on the issuer's behalf, e.g. \"200.00\"",
        )?;
        let interval = si.advice_interval.get_ref().0;
        if interval == 0 {
            return Err(cx.err(
                si.advice_interval.span(),
                &format!("{f}.stand_in.advice_interval"),
                "must be longer than zero, got 0 (the time between two repeats of an \
                 unacknowledged advice), e.g. \"60s\"",
            ));
        }
        let interval = cx.period(
            si.advice_interval.span(),
            &format!("{f}.stand_in.advice_interval"),
            interval,
            SECOND,
            "the time between two repeats of an unacknowledged advice",
        )?;
        Some(StandInSpec {
            limit,
            advice_interval: interval,
            advice_expiry: si.advice_expiry.0,
        })
    } else {
        None
    };
    let qr = match &c.qr {
        Some(q) if c.flow != MessageFlow::Single => {
            return Err(cx.err(
                q.span(),
                &format!("{f}.qr"),
                "a QR aggregator debits the wallet at once: it needs flow = \"single\" on the \
                 channel",
            ));
        }
        Some(q) => Some(super::qr::qr(cx, f, q.get_ref())?),
        None => None,
    };
    Ok(ChannelSpec {
        station,
        weight,
        flow: c.flow,
        codes: c.codes,
        issuer_timeout,
        stand_in,
        qr,
    })
}

/// The routing table, indexed by issuer; `None` without `[[routing]]` entries. `ids` are all
/// the scenario's ids with their kinds, to say what a misplaced id is.
pub(super) fn routing(
    cx: &Ctx,
    raw: Option<Spanned<Vec<RawRoute>>>,
    channels: &[ChannelSpec],
    issuers: &[IssuerSpec],
    ids: &[(String, &'static str)],
) -> Result<Option<Vec<RouteSpec>>, ScenarioError> {
    let Some(table) = raw.filter(|t| !t.get_ref().is_empty()) else {
        return Ok(None);
    };
    let chan_ids: Vec<&str> = channels.iter().map(|c| c.station.id.as_str()).collect();
    let iss_ids: Vec<&str> = issuers.iter().map(|i| i.station.id.as_str()).collect();
    // The index of `id` among `known` (a list of `what`s), or an error naming them.
    let find = |id: &Spanned<String>, field: &str, what: &str, known: &[&str]| {
        let v = id.get_ref();
        if let Some(k) = known.iter().position(|k| k == v) {
            return Ok(k);
        }
        let list = known.join(", ");
        let a = |kind: &str| match kind {
            "gateway" => "the",
            "issuer" => "an",
            _ => "a",
        };
        let msg = match ids.iter().find(|(x, _)| x == v) {
            Some((_, kind)) => format!(
                "\"{v}\" is {} {kind}, not {} {what}; {what}s: {list}",
                a(kind),
                a(what)
            ),
            None => format!(
                "unknown {what} id \"{v}\"{}; {what}s: {list}",
                did_you_mean(v, known)
            ),
        };
        Err(cx.err(id.span(), field, msg))
    };
    let mut routes: Vec<Option<(RouteSpec, usize)>> = vec![None; issuers.len()];
    for (n, r) in table.get_ref().iter().enumerate() {
        let f = format!("routing[{n}]");
        let issuer = find(&r.issuer, &format!("{f}.issuer"), "issuer", &iss_ids)?;
        if let Some((_, first)) = routes[issuer] {
            return Err(cx.err(
                r.issuer.span(),
                &format!("{f}.issuer"),
                format!(
                    "issuer \"{}\" is already routed by routing[{first}]; each issuer appears \
                     exactly once in the routing table",
                    iss_ids[issuer]
                ),
            ));
        }
        let channel = find(&r.channel, &format!("{f}.channel"), "channel", &chan_ids)?;
        let backup = match &r.backup {
            None => None,
            Some(b) => {
                let k = find(b, &format!("{f}.backup"), "channel", &chan_ids)?;
                if k == channel {
                    return Err(cx.err(
                        b.span(),
                        &format!("{f}.backup"),
                        format!(
                            "backup \"{}\" is the same channel as {f}.channel; the backup must \
                             be another channel (or leave it out)",
                            chan_ids[k]
                        ),
                    ));
                }
                Some(k)
            }
        };
        routes[issuer] = Some((RouteSpec { channel, backup }, n));
    }
    if let Some(i) = routes.iter().position(Option::is_none) {
        return Err(cx.err(
            table.span(),
            "routing",
            format!(
                "issuer \"{}\" is missing from the routing table; once there is a [[routing]] \
                 entry every issuer needs exactly one (issuers: {})",
                iss_ids[i],
                iss_ids.join(", ")
            ),
        ));
    }
    Ok(Some(routes.into_iter().flatten().map(|(r, _)| r).collect()))
}

/// Clearing-file faults of `[settlement]`: reject share, late share, rejected days.
pub(super) fn file_faults(
    cx: &Ctx,
    s: &RawSettlement,
    start_date: Option<i64>,
) -> Result<(f64, f64, Vec<u64>), ScenarioError> {
    let (reject, late) = (
        s.file_reject_share.get_ref().0,
        s.file_late_share.get_ref().0,
    );
    if reject + late > 1.0 {
        let (span, field) = if s.file_late_share.span() == (0..0) {
            (s.file_reject_share.span(), "settlement.file_reject_share")
        } else {
            (s.file_late_share.span(), "settlement.file_late_share")
        };
        return Err(cx.err(
            span,
            field,
            format!(
                "file_reject_share + file_late_share is {reject} + {late} = {}; a clearing file is \
                 rejected, late or on time, so the two shares must add up to at most 1",
                reject + late
            ),
        ));
    }
    let rejected =
        super::calendar::day_indices(cx, &s.file_rejected, "settlement.file_rejected", start_date)?;
    Ok((reject, late, rejected))
}

/// A promise of `[payout]` (`field` names it), parsed with its place in the file.
fn promise(cx: &Ctx, text: &Spanned<String>, field: &str) -> Result<Promise, ScenarioError> {
    promise::parse_promise(text.get_ref()).map_err(|e| cx.err(text.span(), field, e))
}

/// The promises of `[payout]`: `promise`, by default T+`settlement.promise_days` (which may
/// not be given too), and `d0_promise`, D+0 by default, only with `schedule = "d0"`.
fn promises(
    cx: &Ctx,
    p: &RawPayout,
    promise_days: &Spanned<u64>,
) -> Result<(Promise, Promise), ScenarioError> {
    let days = cx.count(
        promise_days,
        "settlement.promise_days",
        0,
        promise::MAX_PROMISE_DAYS as u64,
        false,
    )? as u32;
    let main = match &p.promise {
        None => Promise::Business { days, by: DAY },
        Some(text) if promise_days.span() != (0..0) => {
            return Err(cx.err(
                text.span(),
                "payout.promise",
                format!(
                    "payout.promise = \"{}\" and settlement.promise_days = {days} both set the \
                     promise of the payout; keep one (promise_days = {days} is the same as \
                     promise = \"T+{days}\")",
                    text.get_ref()
                ),
            ));
        }
        Some(text) => promise(cx, text, "payout.promise")?,
    };
    let d0 = match &p.d0_promise {
        // D+0 by the end of the day of the sale; D+1 by the end of the next.
        None => Promise::Natural {
            days: u32::from(p.schedule == PayoutSchedule::D1),
            by: DAY,
        },
        Some(text) if p.schedule == PayoutSchedule::T1 => {
            return Err(cx.err(
                text.span(),
                "payout.d0_promise",
                format!(
                    "d0_promise = \"{}\" is the promise of D+0 instant payouts, but \
                     payout.schedule is \"t1\" (T+N with the settlement, whose promise is \
                     payout.promise); set schedule = \"d0\" or remove d0_promise",
                    text.get_ref()
                ),
            ));
        }
        Some(text) => promise(cx, text, "payout.d0_promise")?,
    };
    Ok((main, d0))
}

/// A personal Class II account's cap on inflows from unbound accounts per day: 10,000.00
/// (docs/background.md, the payout rail).
pub const PERSONAL_DAILY_CAP: i64 = 1_000_000;

/// The default daily inflow cap of a personal Class III account: 5,000.00 (the People's Bank
/// of China's limit on a Class III account's inflows from unbound accounts; docs/background.md).
pub const CLASS3_DAILY_CAP: i64 = 500_000;

/// `[payout]`, and `settlement.promise_days`, the default of its promise.
pub(super) fn payout(
    cx: &Ctx,
    p: &RawPayout,
    promise_days: &Spanned<u64>,
) -> Result<PayoutSpec, ScenarioError> {
    let (promise, d0_promise) = promises(cx, p, promise_days)?;
    let cap = match &p.d0_daily_cap {
        None => None,
        Some(c) if p.schedule == PayoutSchedule::T1 => {
            return Err(cx.err(
                c.span(),
                "payout.d0_daily_cap",
                format!(
                    "d0_daily_cap = {} caps D+0 instant payouts, but payout.schedule is \"t1\" \
                     (T+N with the settlement); set schedule = \"d0\" or remove d0_daily_cap",
                    money(c.get_ref().0)
                ),
            ));
        }
        Some(c) => Some(positive_money(
            cx,
            c,
            "payout.d0_daily_cap",
            "the most one merchant is paid instantly per day (leave it out for no cap)",
        )?),
    };
    let mut bank_maintenance = vec![];
    for (i, w) in p.bank_maintenance.iter().enumerate() {
        bank_maintenance.push(window(cx, w, &format!("payout.bank_maintenance[{i}]"))?);
    }
    let (class2, class3) = (
        p.personal_account_share.0,
        p.class3_account_share.get_ref().0,
    );
    if class2 + class3 > 1.0 {
        return Err(cx.err(
            p.class3_account_share.span(),
            "payout.class3_account_share",
            format!(
                "personal_account_share + class3_account_share must be at most 1, got {class2} \
                 + {class3}; a merchant settles to one account"
            ),
        ));
    }
    Ok(PayoutSpec {
        wrong_account_share: p.wrong_account_share.0,
        account_verification: p.account_verification.0,
        return_delay: p.return_delay.as_ref().map(|d| d.dist.clone()),
        correction_delay: p.correction_delay.0,
        schedule: p.schedule,
        d0_daily_cap: cap,
        bank_maintenance,
        promise,
        d0_promise,
        personal_account_share: p.personal_account_share.0,
        personal_daily_cap: match &p.personal_daily_cap {
            None => PERSONAL_DAILY_CAP,
            Some(c) => positive_money(
                cx,
                c,
                "payout.personal_daily_cap",
                "a personal Class II account's cap on inflows per day, e.g. \"10000.00\"",
            )?,
        },
        class3_account_share: class3,
        class3_daily_cap: match &p.class3_daily_cap {
            None => CLASS3_DAILY_CAP,
            Some(c) => positive_money(
                cx,
                c,
                "payout.class3_daily_cap",
                "a personal Class III account's cap on inflows per day, e.g. \"5000.00\"",
            )?,
        },
        channel: match &p.channel {
            None => None,
            Some(c) => Some(super::payout_channel::payout_channel(cx, c)?),
        },
    })
}

/// `[merchant_risk]`; `None` when disabled (its other fields are then not checked).
pub(super) fn merchant_risk(
    cx: &Ctx,
    m: &RawMerchantRisk,
) -> Result<Option<MerchantRiskSpec>, ScenarioError> {
    if !*m.enabled.get_ref() {
        return Ok(None);
    }
    let large_sale = match &m.large_sale {
        None => None,
        Some(l) => Some(positive_money(
            cx,
            l,
            "merchant_risk.large_sale",
            "a sale of at least this amount has its payout held, e.g. \"3000.00\"",
        )?),
    };
    let night = match &m.night {
        None => None,
        Some(w) => Some(window(cx, w, "merchant_risk.night")?),
    };
    let daily_count = match &m.daily_count {
        None => None,
        Some(d) => {
            Some(cx.count(d, "merchant_risk.daily_count", 1, u32::MAX as u64, false)? as u32)
        }
    };
    let misfire_share = m.misfire_share.0;
    if large_sale.is_none() && night.is_none() && daily_count.is_none() && misfire_share == 0.0 {
        return Err(cx.err(
            m.enabled.span(),
            "merchant_risk.enabled",
            "merchant_risk.enabled = true, but no rule can hold a payout: set large_sale, night \
             or daily_count, or misfire_share above 0 (or set enabled = false)",
        ));
    }
    Ok(Some(MerchantRiskSpec {
        large_sale,
        night,
        daily_count,
        misfire_share,
        review_time: m.review_time.dist.clone(),
    }))
}

/// `[reconciliation]`; `None` when disabled (its other fields are then not checked).
pub(super) fn reconciliation(cx: &Ctx, r: &RawRecon) -> Result<Option<ReconSpec>, ScenarioError> {
    if !r.enabled {
        return Ok(None);
    }
    let interval = r.interval.get_ref().0;
    if interval == 0 {
        return Err(cx.err(
            r.interval.span(),
            "reconciliation.interval",
            "must be longer than zero, got 0 (the time between two reconciliation runs), e.g. \
             \"24h\"",
        ));
    }
    let interval = cx.period(
        r.interval.span(),
        "reconciliation.interval",
        interval,
        MINUTE,
        "the time between two reconciliation runs",
    )?;
    Ok(Some(ReconSpec {
        at: r.at.0,
        interval,
        detection_delay: r.detection_delay.0,
        repair_time: r.repair_time.0,
        source: r.source,
    }))
}

/// `[strategy] acquirer_timeout`.
pub(super) fn acquirer_timeout(cx: &Ctx, s: &RawStrategy) -> Result<Option<Nanos>, ScenarioError> {
    positive_duration(
        cx,
        s.acquirer_timeout.as_ref(),
        "strategy.acquirer_timeout",
        "e.g. \"25s\" (leave it out for an acquirer that waits however long it takes)",
    )
}

#[cfg(test)]
mod tests;

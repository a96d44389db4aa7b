//! Validation of the path after authorisation: each channel's message flow, issuer timeout and
//! stand-in, the routing table, clearing-file faults, the payout schedule and the receiving
//! bank's maintenance windows, merchant risk control, reconciliation and the acquirer's
//! timeout. Called by `validate` once the components are known.

use super::check::Ctx;
use super::error::{ScenarioError, did_you_mean};
use super::raw::{
    RawChannel, RawMerchantRisk, RawPayout, RawRecon, RawRoute, RawSettlement, RawStrategy,
    RawWindow,
};
use super::units::{Duration, Money};
use super::*;
use crate::engine::{HOUR, MINUTE, Nanos, SECOND};
use toml::Spanned;

/// "HH:MM", or "HH:MM:SS" when there are seconds: a time of day as a scenario writes it.
fn time_of_day(t: Nanos) -> String {
    let (h, m, s) = (t / HOUR, t % HOUR / MINUTE, t % MINUTE / SECOND);
    if s == 0 {
        format!("{h:02}:{m:02}")
    } else {
        format!("{h:02}:{m:02}:{s:02}")
    }
}

/// An amount in minor units as major units with two decimals, e.g. "-3.10".
fn money(m: i64) -> String {
    let sign = if m < 0 { "-" } else { "" };
    format!(
        "{sign}{}.{:02}",
        m.unsigned_abs() / 100,
        m.unsigned_abs() % 100
    )
}

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
        Some(StandInSpec {
            limit,
            advice_interval: interval,
            advice_expiry: si.advice_expiry.0,
        })
    } else {
        None
    };
    Ok(ChannelSpec {
        station,
        weight,
        flow: c.flow,
        issuer_timeout,
        stand_in,
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

/// `[payout]`.
pub(super) fn payout(cx: &Ctx, p: &RawPayout) -> Result<PayoutSpec, ScenarioError> {
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
    Ok(PayoutSpec {
        wrong_account_share: p.wrong_account_share.0,
        correction_delay: p.correction_delay.0,
        schedule: p.schedule,
        d0_daily_cap: cap,
        bank_maintenance,
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
    Ok(Some(ReconSpec {
        at: r.at.0,
        interval,
        detection_delay: r.detection_delay.0,
        repair_time: r.repair_time.0,
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
mod tests {
    use super::*;
    use crate::engine::DAY;
    use crate::scenario::calendar::horizon;

    const FULL: &str = include_str!("../../tests/fixtures/postauth.toml");

    fn parse(src: &str) -> Result<Scenario, ScenarioError> {
        crate::scenario::parse(src, "t.toml", &Limits::default())
    }

    fn scenario(extra: &str) -> Scenario {
        parse(&format!("name = \"t\"\n{extra}")).unwrap()
    }

    #[test]
    fn every_field_parses_into_its_typed_value() {
        let s = parse(FULL).unwrap();
        assert_eq!(s.liability, Liability::Acquirer);

        let (cup, tpp) = (&s.channels[0], &s.channels[1]);
        assert_eq!(cup.flow, MessageFlow::Single);
        assert_eq!(cup.issuer_timeout, Some(10 * SECOND));
        let si = cup.stand_in.as_ref().expect("stand-in enabled");
        assert_eq!(si.limit, 15_050, "minor units");
        assert_eq!(si.advice_interval, 30 * SECOND);
        assert_eq!(si.advice_expiry, 12 * HOUR);
        assert_eq!(tpp.flow, MessageFlow::Dual);
        assert_eq!(tpp.issuer_timeout, Some(8 * SECOND));
        assert!(tpp.stand_in.is_none());

        // Indexed by issuer (bank-a = 0, bank-b = 1), whatever the order of the entries.
        let routes = s.routing.as_ref().expect("a routing table");
        assert_eq!(
            routes,
            &vec![
                RouteSpec {
                    channel: 0,
                    backup: Some(1)
                },
                RouteSpec {
                    channel: 1,
                    backup: None
                },
            ]
        );

        let st = &s.settlement;
        assert_eq!((st.file_reject_share, st.file_late_share), (0.01, 0.02));
        // Day 0 is 2026-09-30: sorted, distinct, the date before day 0 dropped.
        assert_eq!(st.file_rejected, vec![1, 2]);

        let p = &s.payout;
        assert_eq!(p.schedule, PayoutSchedule::D0);
        assert_eq!(p.d0_daily_cap, Some(500_000));
        assert_eq!(
            p.bank_maintenance,
            vec![
                (23 * HOUR + 30 * MINUTE, 30 * MINUTE),
                (12 * HOUR, 12 * HOUR + 15 * MINUTE + 30 * SECOND)
            ]
        );

        let m = s.merchant_risk.as_ref().expect("merchant risk enabled");
        assert_eq!(m.large_sale, Some(300_000));
        assert_eq!(m.night, Some((0, 5 * HOUR)));
        assert_eq!(m.daily_count, Some(200));
        assert_eq!(m.misfire_share, 0.001);
        assert_eq!(
            m.review_time,
            Dist::Exponential {
                mean: (2 * HOUR) as f64
            }
        );

        let r = s.reconciliation.as_ref().expect("reconciliation enabled");
        assert_eq!(r.at, 6 * HOUR + 30 * MINUTE);
        assert_eq!(r.interval, 12 * HOUR);
        assert_eq!(r.detection_delay, 6 * HOUR);
        assert_eq!(r.repair_time, DAY);

        assert_eq!(s.strategy.acquirer_timeout, Some(25 * SECOND));
    }

    #[test]
    fn defaults_keep_todays_behaviour() {
        let s = scenario("");
        assert_eq!(s.liability, Liability::Merchant);
        let c = &s.channels[0];
        assert_eq!(c.flow, MessageFlow::Dual);
        assert_eq!(c.issuer_timeout, None);
        assert!(c.stand_in.is_none());
        assert!(s.routing.is_none());
        let st = &s.settlement;
        assert_eq!((st.file_reject_share, st.file_late_share), (0.0, 0.0));
        assert!(st.file_rejected.is_empty());
        assert_eq!(s.payout.schedule, PayoutSchedule::T1);
        assert_eq!(s.payout.d0_daily_cap, None);
        assert!(s.payout.bank_maintenance.is_empty());
        assert!(s.merchant_risk.is_none());
        assert!(s.reconciliation.is_none());
        assert_eq!(s.strategy.acquirer_timeout, None);
        // Disabled tables are not checked further; an empty routing array is no table.
        let s = scenario(
            "routing = []\n[merchant_risk]\nnight = { start = \"01:00\", end = \"01:00\" }\n\
             [reconciliation]\ninterval = \"0s\"\n\
             [[channels]]\nstand_in = { enabled = false, advice_interval = \"0s\" }\n",
        );
        assert!(s.routing.is_none() && s.merchant_risk.is_none() && s.reconciliation.is_none());
        assert!(s.channels[0].stand_in.is_none());
    }

    #[test]
    fn defaults_of_enabled_tables() {
        let s = scenario(
            "[merchant_risk]\nenabled = true\nmisfire_share = 0.01\n[reconciliation]\n\
             enabled = true\n[[channels]]\nissuer_timeout = \"10s\"\nstand_in.enabled = true\n",
        );
        let m = s.merchant_risk.unwrap();
        assert_eq!((m.large_sale, m.night, m.daily_count), (None, None, None));
        let written = scenario(
            "[merchant_risk]\nenabled = true\nmisfire_share = 0.01\n\
             review_time = { kind = \"lognormal\", median = \"1d\", p99 = \"7d\" }\n",
        );
        let q = |d: &Dist| d.quantile(0.999);
        let (a, b) = (
            q(&m.review_time),
            q(&written.merchant_risk.unwrap().review_time),
        );
        assert!((a - b).abs() < 1e-6 * b, "{a} vs {b}");
        let r = s.reconciliation.unwrap();
        assert_eq!((r.at, r.interval), (6 * HOUR, DAY));
        assert_eq!((r.detection_delay, r.repair_time), (12 * HOUR, DAY));
        let si = s.channels[0].stand_in.clone().unwrap();
        assert_eq!(
            (si.limit, si.advice_interval, si.advice_expiry),
            (20_000, 60 * SECOND, DAY)
        );
    }

    #[test]
    fn routing_as_an_inline_array() {
        let s = scenario(
            "routing = [{ issuer = \"issuer\", channel = \"b\", backup = \"a\" }]\n\
             [[channels]]\nid = \"a\"\n[[channels]]\nid = \"b\"\n",
        );
        assert_eq!(
            s.routing,
            Some(vec![RouteSpec {
                channel: 1,
                backup: Some(0)
            }])
        );
    }

    /// Errors the CLI tests do not cover: the field path and the bad value are named.
    #[test]
    fn other_errors_name_field_and_value() {
        let two = "[[channels]]\nid = \"a\"\n[[channels]]\nid = \"b\"\n";
        let cases: &[(&str, &str, &str)] = &[
            (
                "[[channels]]\nissuer_timeout = \"0s\"",
                "channels[0].issuer_timeout",
                "got 0",
            ),
            (
                "[[channels]]\nissuer_timeout = \"1s\"\nstand_in = { enabled = true, limit = 0 }",
                "channels[0].stand_in.limit",
                "got 0.00",
            ),
            (
                "[[channels]]\nissuer_timeout = \"1s\"\n\
                 stand_in = { enabled = true, advice_interval = \"0s\" }",
                "channels[0].stand_in.advice_interval",
                "got 0",
            ),
            (
                "[payout]\nschedule = \"d0\"\nd0_daily_cap = \"-1.5\"",
                "payout.d0_daily_cap",
                "got -1.50",
            ),
            (
                "[merchant_risk]\nenabled = true\nlarge_sale = 0",
                "merchant_risk.large_sale",
                "got 0.00",
            ),
            (
                "[merchant_risk]\nenabled = true\nnight = { start = \"01:00\", end = \"01:00\" }",
                "merchant_risk.night",
                "both \"01:00\"",
            ),
            (
                "[merchant_risk]\nenabled = true\ndaily_count = 0",
                "merchant_risk.daily_count",
                "got 0",
            ),
            (
                "[strategy]\nacquirer_timeout = \"0ms\"",
                "strategy.acquirer_timeout",
                "got 0",
            ),
            (
                "[settlement]\nfile_rejected = [\"2026-10-01\"]",
                "settlement.file_rejected",
                "needs simulation.start_date",
            ),
            (
                "[settlement]\nfile_reject_share = 0.75\nfile_late_share = 0.5",
                "settlement.file_late_share",
                "0.75 + 0.5 = 1.25",
            ),
            (
                "[settlement]\nfile_reject_share = 1.1",
                "settlement.file_reject_share",
                "invalid probability 1.1",
            ),
            (
                "[[routing]]\nissuer = \"issuer\"\nchannel = \"scheme\"\nbackup = \"schme\"",
                "routing[0].backup",
                "unknown channel id \"schme\" (did you mean \"scheme\"?); channels: scheme",
            ),
            (
                "[[routing]]\nissuer = \"scheme\"\nchannel = \"scheme\"",
                "routing[0].issuer",
                "\"scheme\" is a channel, not an issuer; issuers: issuer",
            ),
            (
                "[[routing]]\nissuer = \"issuer\"\nchannel = \"gateway\"",
                "routing[0].channel",
                "\"gateway\" is the gateway, not a channel",
            ),
            (
                &format!("{two}[[routing]]\nissuer = \"issuer\"\nchannel = \"a\"\nbackup = \"a\""),
                "routing[0].backup",
                "backup \"a\" is the same channel as routing[0].channel",
            ),
        ];
        for (extra, field, needle) in cases {
            let err = parse(&format!("name = \"t\"\n{extra}")).unwrap_err();
            let ScenarioError::Invalid(d) = err else {
                panic!("{extra}: not a located error")
            };
            assert_eq!(d.field, *field, "{extra}: {d}");
            assert!(d.message.contains(needle), "{extra}: {d}");
            assert!(d.location.is_some(), "{extra}: {d}");
        }
        // Shares written in decimals that add up to exactly 1 are accepted.
        for (a, b) in [
            ("0.7", "0.3"),
            ("0.35", "0.65"),
            ("0.1", "0.9"),
            ("0.01", "0.99"),
        ] {
            scenario(&format!(
                "[settlement]\nfile_reject_share = {a}\nfile_late_share = {b}"
            ));
        }
    }

    /// With every default the horizon is day 2 10:00 (docs/scenarios.md, time model).
    const BASE: Nanos = 2 * DAY + 10 * HOUR;

    #[test]
    fn horizon_is_unchanged_by_default() {
        assert_eq!(horizon(&scenario("")), BASE);
        // Fields that do not lengthen the normal cycle.
        let s = scenario(
            "[risk]\nliability = \"issuer\"\n[strategy]\nacquirer_timeout = \"25s\"\n\
             [payout]\nschedule = \"d0\"\nd0_daily_cap = 100\n\
             [[channels]]\nflow = \"single\"\nissuer_timeout = \"10s\"\n",
        );
        assert_eq!(horizon(&s), BASE);
    }

    #[test]
    fn horizon_covers_the_new_delays() {
        let h = |extra: &str| horizon(&scenario(extra));
        // One reconciliation cycle after the last settlement: 24h + 12h + 24h.
        assert_eq!(h("[reconciliation]\nenabled = true"), BASE + 60 * HOUR);
        // The review of a held payout.
        assert_eq!(
            h("[merchant_risk]\nenabled = true\nmisfire_share = 0.1\nreview_time = \"1d\""),
            BASE + DAY
        );
        let lognormal = scenario("[merchant_risk]\nenabled = true\nmisfire_share = 0.1");
        let p999 = lognormal
            .merchant_risk
            .as_ref()
            .unwrap()
            .review_time
            .quantile_ns(0.999);
        assert!(p999 > 13 * DAY && p999 < 14 * DAY, "{p999}");
        assert_eq!(horizon(&lognormal), BASE + p999);
        // A late or rejected file: the last batch is presented a business day later.
        assert_eq!(h("[settlement]\nfile_late_share = 0.1"), BASE + DAY);
        assert_eq!(h("[settlement]\nfile_reject_share = 0.1"), BASE + DAY);
        // Day 0 a Monday: the last batch is Tuesday's, its file moves on to Wednesday's, which
        // is rejected, and so is Thursday's: presented on Friday, credited on Monday.
        let s = "[simulation]\nstart_date = \"2026-09-28\"\n[settlement]\n";
        assert_eq!(
            h(&format!(
                "{s}file_rejected = [\"2026-09-30\", \"2026-10-01\"]"
            )),
            7 * DAY + 10 * HOUR
        );
        assert_eq!(
            h(&format!("{s}file_rejected = [\"2026-10-30\"]")),
            BASE + DAY
        );
        // A payout due inside the longest maintenance window waits for its end.
        assert_eq!(
            h(
                "[payout]\nbank_maintenance = [{ start = \"23:30\", end = \"01:00\" }, \
               { start = \"08:00\", end = \"09:00\" }]"
            ),
            BASE + 90 * MINUTE
        );
        // The last stand-in advices run until they expire: 24h + 30s + 10s + 3d, plus an hour.
        assert_eq!(
            h("[[channels]]\nissuer_timeout = \"10s\"\n\
               stand_in = { enabled = true, advice_expiry = \"3d\" }"),
            4 * DAY + HOUR + 40 * SECOND
        );
        // Everything together: the settlement a day later, then each delay in turn.
        let all = h(
            "[settlement]\nfile_late_share = 0.1\n[reconciliation]\nenabled = true\n\
                     [merchant_risk]\nenabled = true\nmisfire_share = 0.1\nreview_time = \"2d\"",
        );
        assert_eq!(all, BASE + DAY + 60 * HOUR + 2 * DAY);
    }

    #[test]
    fn a_long_review_time_is_refused_by_the_horizon_limit() {
        let err = parse(
            "name = \"t\"\n[merchant_risk]\nenabled = true\nmisfire_share = 0.1\n\
             review_time = \"400d\"",
        )
        .unwrap_err();
        assert!(err.to_string().contains("the limit is 366 days"), "{err}");
    }
}

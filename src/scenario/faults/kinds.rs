//! The kinds of fault and their parameters: which parameters each kind takes, their ranges,
//! and the validated effect.

use super::{FaultTarget, Names, a_kind};
use crate::engine::{DAY, Dist, Nanos};
use crate::scenario::check::Ctx;
use crate::scenario::error::ScenarioError;
use crate::scenario::raw::{FaultKind, OutageMode, RawFault, RiskAction, UpgradeFailure};
use crate::scenario::units::parse_duration;

/// What a fault does while it is active.
#[derive(Clone, Debug, PartialEq)]
pub enum FaultEffect {
    /// Drops, refuses with `code` (91 or 96), or hangs.
    Outage { mode: OutageMode, code: u8 },
    /// `servers_lost` of the station's servers gone; `fail_share` of requests dropped or
    /// refused (by `mode`, with `code`); with `sync`, every request reaching the station also
    /// loads its twin with synchronisation messages.
    Partial {
        servers_lost: u32,
        fail_share: f64,
        mode: OutageMode,
        code: u8,
        sync: Option<SyncLoad>,
    },
    /// Service time × `multiplier`, plus an `added` delay.
    Slow {
        multiplier: f64,
        added: Option<Dist>,
    },
    /// An added delay on every message crossing the link.
    Latency { added: Dist },
    /// Each message crossing the link is lost with this probability.
    Loss { probability: f64 },
    /// Each message crossing the link is delivered twice with this probability.
    Duplicate { probability: f64 },
    /// Every message crossing the link is lost.
    Partition,
    /// Arrival rate × `multiplier`.
    Surge { multiplier: f64 },
    /// Junk requests per second at the station.
    Attack { rate: f64 },
    /// A share of sales carry bad input answered with `code`.
    BadInput { code: u8, probability: f64 },
    /// A share of merchants have wrong settlement details.
    WrongAccount { share: f64 },
    /// A share of accounts refused with `code` (62 or 57).
    FrozenAccounts { share: f64, code: u8 },
    /// An amount limit (61) and/or a count per account per day (65).
    Limits {
        amount_limit: Option<i64>,
        daily_count: Option<u32>,
    },
    /// Each account spends a drawn amount per day elsewhere; its balance comes back on payday.
    Spending { per_day: Dist, payday: Nanos },
    /// A card rule that flags legitimate sales with this probability.
    CardRule {
        false_positive_rate: f64,
        action: RiskAction,
        /// How long a review of a sale this rule holds takes (action review); `None`: the
        /// `[risk]` review delay (a day without a risk engine).
        review_time: Option<Dist>,
    },
    /// A merchant rule that holds the payouts of a share of merchants for review.
    MerchantRule { share: f64, review_time: Dist },
    /// An added share of fraudulent sales.
    FraudWave { share: f64 },
    /// A share of terminals on old software that fails after the upgrade, each updated after
    /// a drawn roll-out delay.
    TerminalUpgrade {
        old_share: f64,
        failure: UpgradeFailure,
        rollout: Option<Dist>,
    },
    /// Each terminal fails after drawn times and is out for drawn repair times; a share of
    /// payments crash the terminal after the issuer approved.
    TerminalHardware {
        mtbf: Dist,
        mttr: Dist,
        crash_share: f64,
    },
}

/// A partial failure's synchronisation load: the station that keeps trying to synchronise its
/// messages with its twin `to` sends it `load` messages per request it receives (on average),
/// each taking one of the twin's service times in its queue, with the payments.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SyncLoad {
    pub to: crate::scenario::Component,
    pub load: f64,
}

/// The most synchronisation messages per request (`sync_load`).
pub const MAX_SYNC_LOAD: f64 = 10.0;

/// The parameters each kind takes (besides id, kind, target and the timing fields).
fn params(kind: FaultKind) -> &'static [&'static str] {
    use FaultKind::*;
    match kind {
        Outage => &["mode", "code"],
        Partial => &[
            "servers_lost",
            "fail_share",
            "mode",
            "code",
            "sync_to",
            "sync_load",
        ],
        Slow => &["multiplier", "added"],
        Latency => &["added", "direction"],
        Loss | Duplicate => &["probability", "direction"],
        Partition => &[],
        Surge => &["multiplier"],
        Attack => &["rate"],
        BadInput => &["code", "probability"],
        WrongAccount => &["share"],
        FrozenAccounts => &["share", "code"],
        Limits => &["amount_limit", "daily_count"],
        Spending => &["per_day", "payday"],
        CardRule => &["false_positive_rate", "action", "review_time"],
        MerchantRule => &["share", "review_time"],
        FraudWave => &["share"],
        TerminalUpgrade => &["old_share", "failure", "rollout"],
        TerminalHardware => &["terminal_mtbf", "terminal_mttr", "crash_share"],
    }
}

/// The kind-specific parameters given, with their spans.
fn given(fl: &RawFault) -> Vec<(&'static str, std::ops::Range<usize>)> {
    let mut v = vec![];
    macro_rules! g {
        ($($f:ident),*) => {$(
            if let Some(x) = &fl.$f {
                v.push((stringify!($f), x.span()));
            }
        )*};
    }
    g!(
        direction,
        mode,
        code,
        servers_lost,
        fail_share,
        sync_to,
        sync_load,
        multiplier,
        added,
        probability,
        rate,
        share,
        amount_limit,
        daily_count,
        per_day,
        payday,
        false_positive_rate,
        action,
        old_share,
        failure,
        rollout,
        terminal_mtbf,
        terminal_mttr,
        crash_share,
        review_time
    );
    v
}

/// Refuses a parameter the kind does not take, naming those it does.
pub(super) fn refuse_foreign(
    cx: &Ctx,
    fl: &RawFault,
    kind: FaultKind,
    f: &str,
) -> Result<(), ScenarioError> {
    let takes = params(kind);
    for (name, span) in given(fl) {
        if !takes.contains(&name) {
            let list = takes;
            return Err(cx.err(
                span,
                &format!("{f}.{name}"),
                format!(
                    "{} does not take `{name}`; it takes {}",
                    a_kind(kind),
                    if list.is_empty() {
                        "no parameters besides its target and timing".to_string()
                    } else {
                        list.iter()
                            .map(|p| format!("`{p}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    }
                ),
            ));
        }
    }
    Ok(())
}

/// A response code among the accepted ones.
fn code_of(
    cx: &Ctx,
    fl: &RawFault,
    f: &str,
    accepted: &[u8],
    default: Option<u8>,
) -> Result<u8, ScenarioError> {
    let list = accepted
        .iter()
        .map(|c| format!("{c:02}"))
        .collect::<Vec<_>>()
        .join(", ");
    match &fl.code {
        None => default.ok_or_else(|| {
            cx.err(
                fl.target.span(),
                &format!("{f}.code"),
                format!("is required: one of {list}"),
            )
        }),
        Some(c) => {
            let v = *c.get_ref();
            match accepted.iter().find(|&&a| a as u64 == v) {
                Some(&a) => Ok(a),
                None => Err(cx.err(
                    c.span(),
                    &format!("{f}.code"),
                    format!("{v} is not accepted here; one of {list}"),
                )),
            }
        }
    }
}

/// Builds the effect, with each kind's required parameters and ranges.
pub(super) fn effect(
    cx: &Ctx,
    fl: &RawFault,
    kind: FaultKind,
    target: &FaultTarget,
    names: &Names,
    f: &str,
) -> Result<FaultEffect, ScenarioError> {
    use FaultKind as K;
    let at = fl.kind.as_ref().map_or(fl.target.span(), |k| k.span());
    let req = |name: &str| {
        cx.err(
            at.clone(),
            &format!("{f}.{name}"),
            format!("{} needs `{name}`", a_kind(kind)),
        )
    };
    // A required probability parameter.
    let prob = |v: &Option<toml::Spanned<crate::scenario::units::Probability>>, name: &str| {
        v.as_ref().map(|p| p.get_ref().0).ok_or_else(|| req(name))
    };
    let mode = fl.mode.as_ref().map_or(OutageMode::Drop, |m| *m.get_ref());
    Ok(match kind {
        K::Outage => {
            let code = code_of(cx, fl, f, &[91, 96], Some(91))?;
            if fl.code.is_some() && mode != OutageMode::Reject {
                let span = fl.code.as_ref().map_or(0..0, |c| c.span());
                return Err(cx.err(
                    span,
                    &format!("{f}.code"),
                    "only a \"reject\" outage answers with a code; set mode = \"reject\"",
                ));
            }
            FaultEffect::Outage { mode, code }
        }
        K::Partial => {
            let servers = match target {
                FaultTarget::Station(c) => match c {
                    crate::scenario::Component::Gateway => None,
                    crate::scenario::Component::Channel(k) => {
                        Some(names.channels[*k].station.servers)
                    }
                    crate::scenario::Component::Issuer(k) => {
                        Some(names.issuers[*k].station.servers)
                    }
                },
                _ => None,
            };
            let lost = match &fl.servers_lost {
                None => 0,
                Some(s) => {
                    let v = *s.get_ref();
                    if v == 0 || servers.is_some_and(|n| v > n as u64) || v > u32::MAX as u64 {
                        return Err(cx.err(
                            s.span(),
                            &format!("{f}.servers_lost"),
                            format!(
                                "{v} servers lost; must be from 1 to the station's servers{}",
                                servers.map_or(String::new(), |n| format!(" ({n})"))
                            ),
                        ));
                    }
                    v as u32
                }
            };
            let share = fl.fail_share.as_ref().map_or(0.0, |s| s.get_ref().0);
            if fl.servers_lost.is_none() && fl.fail_share.is_none() {
                return Err(cx.err(
                    fl.target.span(),
                    &format!("{f}.servers_lost"),
                    "a partial fault needs `servers_lost` (servers gone) and/or `fail_share` \
                     (share of requests failing)",
                ));
            }
            if mode == OutageMode::Hang {
                let span = fl.mode.as_ref().map_or(0..0, |m| m.span());
                return Err(cx.err(
                    span,
                    &format!("{f}.mode"),
                    "a partial failure drops or rejects its share of requests: \"drop\" or \
                     \"reject\"",
                ));
            }
            FaultEffect::Partial {
                servers_lost: lost,
                fail_share: share,
                mode,
                code: code_of(cx, fl, f, &[91, 96], Some(91))?,
                sync: sync_load(cx, fl, target, names, f)?,
            }
        }
        K::Slow => {
            let multiplier = match &fl.multiplier {
                None => 1.0,
                Some(m) => positive(cx, m, f, "multiplier", 1.0, 1000.0)?,
            };
            if fl.multiplier.is_none() && fl.added.is_none() {
                return Err(req("multiplier` and/or `added"));
            }
            FaultEffect::Slow {
                multiplier,
                added: fl.added.as_ref().map(|a| a.get_ref().dist.clone()),
            }
        }
        K::Latency => FaultEffect::Latency {
            added: fl
                .added
                .as_ref()
                .ok_or_else(|| req("added"))?
                .get_ref()
                .dist
                .clone(),
        },
        K::Loss => FaultEffect::Loss {
            probability: prob(&fl.probability, "probability")?,
        },
        K::Duplicate => FaultEffect::Duplicate {
            probability: prob(&fl.probability, "probability")?,
        },
        K::Partition => FaultEffect::Partition,
        K::Surge => {
            let m = fl.multiplier.as_ref().ok_or_else(|| req("multiplier"))?;
            FaultEffect::Surge {
                multiplier: positive(cx, m, f, "multiplier", 0.0, 100.0)?,
            }
        }
        K::Attack => {
            let r = fl.rate.as_ref().ok_or_else(|| req("rate"))?;
            let rate = r.get_ref().0;
            if !(rate > 0.0 && rate <= 100_000.0) {
                return Err(cx.err(
                    r.span(),
                    &format!("{f}.rate"),
                    format!("{rate}/s; must be above 0 and at most 100000/s"),
                ));
            }
            FaultEffect::Attack { rate }
        }
        K::BadInput => FaultEffect::BadInput {
            code: code_of(cx, fl, f, &[14, 30, 54, 55], None)?,
            probability: prob(&fl.probability, "probability")?,
        },
        K::WrongAccount => FaultEffect::WrongAccount {
            share: prob(&fl.share, "share")?,
        },
        K::FrozenAccounts => FaultEffect::FrozenAccounts {
            share: prob(&fl.share, "share")?,
            code: code_of(cx, fl, f, &[62, 57], Some(62))?,
        },
        K::Limits => {
            if fl.amount_limit.is_none() && fl.daily_count.is_none() {
                return Err(req("amount_limit` and/or `daily_count"));
            }
            let daily_count = match &fl.daily_count {
                None => None,
                Some(c) if *c.get_ref() >= 1 && *c.get_ref() <= 10_000 => Some(*c.get_ref() as u32),
                Some(c) => {
                    return Err(cx.err(
                        c.span(),
                        &format!("{f}.daily_count"),
                        format!("{}; must be from 1 to 10000", c.get_ref()),
                    ));
                }
            };
            FaultEffect::Limits {
                amount_limit: fl.amount_limit.as_ref().map(|m| m.get_ref().0),
                daily_count,
            }
        }
        K::Spending => {
            let payday = match &fl.payday {
                None => 30 * DAY,
                Some(p) if p.get_ref().0 >= DAY => p.get_ref().0,
                Some(p) => {
                    return Err(cx.err(
                        p.span(),
                        &format!("{f}.payday"),
                        "the period between paydays must be at least a day",
                    ));
                }
            };
            FaultEffect::Spending {
                per_day: fl
                    .per_day
                    .as_ref()
                    .ok_or_else(|| req("per_day"))?
                    .get_ref()
                    .dist
                    .clone(),
                payday,
            }
        }
        K::CardRule => FaultEffect::CardRule {
            false_positive_rate: prob(&fl.false_positive_rate, "false_positive_rate")?,
            action: fl
                .action
                .as_ref()
                .map_or(RiskAction::Decline, |a| *a.get_ref()),
            review_time: fl.review_time.as_ref().map(|r| r.get_ref().dist.clone()),
        },
        K::MerchantRule => FaultEffect::MerchantRule {
            share: prob(&fl.share, "share")?,
            review_time: fl
                .review_time
                .as_ref()
                .map_or(Dist::Constant(2.0 * DAY as f64), |r| {
                    r.get_ref().dist.clone()
                }),
        },
        K::FraudWave => FaultEffect::FraudWave {
            share: prob(&fl.share, "share")?,
        },
        K::TerminalUpgrade => FaultEffect::TerminalUpgrade {
            old_share: prob(&fl.old_share, "old_share")?,
            failure: *fl.failure.as_ref().ok_or_else(|| req("failure"))?.get_ref(),
            rollout: fl.rollout.as_ref().map(|r| r.get_ref().dist.clone()),
        },
        K::TerminalHardware => {
            let mtbf = fl
                .terminal_mtbf
                .as_ref()
                .ok_or_else(|| req("terminal_mtbf"))?;
            if mtbf.get_ref().dist.mean() < parse_duration("1h").unwrap_or(0) as f64 {
                return Err(cx.err(
                    mtbf.span(),
                    &format!("{f}.terminal_mtbf"),
                    "a terminal's mean time between failures must be at least an hour",
                ));
            }
            FaultEffect::TerminalHardware {
                mtbf: mtbf.get_ref().dist.clone(),
                mttr: fl
                    .terminal_mttr
                    .as_ref()
                    .ok_or_else(|| req("terminal_mttr"))?
                    .get_ref()
                    .dist
                    .clone(),
                crash_share: fl.crash_share.as_ref().map_or(0.0, |c| c.get_ref().0),
            }
        }
    })
}

/// A partial failure's synchronisation load: `sync_to`, another station (the gateway, a
/// channel or an issuer), and `sync_load` messages per request, in (0, 10] (default 1).
fn sync_load(
    cx: &Ctx,
    fl: &RawFault,
    target: &FaultTarget,
    names: &Names,
    f: &str,
) -> Result<Option<SyncLoad>, ScenarioError> {
    use crate::scenario::Component;
    let Some(to) = &fl.sync_to else {
        return match &fl.sync_load {
            None => Ok(None),
            Some(l) => Err(cx.err(
                l.span(),
                &format!("{f}.sync_load"),
                "a synchronisation load needs `sync_to`: the station it lands on",
            )),
        };
    };
    let id = to.get_ref().as_str();
    let mut ids = vec!["gateway"];
    ids.extend(names.channels.iter().map(|c| c.station.id.as_str()));
    ids.extend(names.issuers.iter().map(|c| c.station.id.as_str()));
    let (nc, k) = (names.channels.len(), ids.iter().position(|&x| x == id));
    let component = match k {
        None => {
            return Err(cx.err(
                to.span(),
                &format!("{f}.sync_to"),
                format!(
                    "unknown station \"{id}\"{}; `sync_to` names the gateway, a channel or an \
                     issuer: {}",
                    crate::scenario::error::did_you_mean(id, &ids),
                    ids.join(", ")
                ),
            ));
        }
        Some(0) => Component::Gateway,
        Some(k) if k <= nc => Component::Channel(k - 1),
        Some(k) => Component::Issuer(k - 1 - nc),
    };
    if *target == FaultTarget::Station(component) {
        return Err(cx.err(
            to.span(),
            &format!("{f}.sync_to"),
            format!("\"{id}\" is the failing station itself; name its twin (another station)"),
        ));
    }
    let load = match &fl.sync_load {
        None => 1.0,
        Some(l) => positive(cx, l, f, "sync_load", 0.0, MAX_SYNC_LOAD)?,
    };
    Ok(Some(SyncLoad {
        to: component,
        load,
    }))
}

/// A finite number in `(lo, hi]`.
fn positive(
    cx: &Ctx,
    v: &toml::Spanned<f64>,
    f: &str,
    name: &str,
    lo: f64,
    hi: f64,
) -> Result<f64, ScenarioError> {
    let x = *v.get_ref();
    if x.is_finite() && x >= lo && x > 0.0 && x <= hi {
        Ok(x)
    } else {
        Err(cx.err(
            v.span(),
            &format!("{f}.{name}"),
            format!("{x}; must be a number from {lo} to {hi} (and above 0)"),
        ))
    }
}

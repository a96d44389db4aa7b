//! The kinds of fault, each declared once in the table below: its name as a scenario writes
//! it, what it strikes, the parameters it takes (besides id, kind, target and the timing
//! fields), and the builder of its validated [`FaultEffect`] with its required parameters and
//! ranges. The [`FaultKind`] enum, its names in scenario files, and the list of parameters in
//! the error of a parameter a kind does not take all come from this one table.
//!
//! To add a kind of fault:
//! 1. add its entry to the `fault_kinds!` table below (the position sets the order in the
//!    error of an unknown kind): documentation, variant, name, target family, parameters and
//!    builder;
//! 2. add its effect to [`FaultEffect`] (`effect.rs`) and make the model act on it
//!    (`src/model/faults/` and the stages it strikes); monitoring notices a kind whose target
//!    family is a station or a link (`monitored` in `strategies/upkeep.rs` reads `strikes`);
//! 3. only if it takes a parameter no kind takes yet: add the field to `RawFault`
//!    (`raw/fault.rs`) and its name to `param_fields!` (`params.rs`); the compiler points at
//!    the second if the first is done alone;
//! 4. document it in `docs/scenarios.md` ("Faults"), name it in each language's
//!    `trace.fault_kind` messages (`src/i18n/*/trace.toml`), and demonstrate it in a shipped
//!    scenario (a test checks that every kind has one).

use super::FaultEffect;
use super::params::{Args, Build};
use crate::engine::{DAY, Dist};
use crate::scenario::raw::{OutageMode, RiskAction};
use crate::scenario::units::parse_duration;
use serde::Deserialize;

/// What a kind of fault strikes: the family of targets its `target` names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strikes {
    /// A station: the gateway, a channel or an issuer.
    Station,
    /// A link, named `from-to`, in one direction or both.
    Link,
    /// Terminal groups (an id or `"all"`), with their merchants and cardholders.
    Groups,
    /// An issuer's accounts.
    Issuer,
    /// The acquirer's risk engine (on the gateway).
    Risk,
}

/// One kind of fault, as declared in the table.
pub struct KindSpec {
    /// The kind's name as a scenario writes it (`kind = "surge"`).
    pub name: &'static str,
    /// What its `target` names.
    pub strikes: Strikes,
    /// The parameters it takes, in the order the error of a foreign parameter lists them.
    pub params: &'static [&'static str],
    /// Builds the effect from the entry.
    pub(super) build: Build,
}

/// Declares every kind of fault once: generates [`FaultKind`] (with its names in scenario
/// files) and the table of [`KindSpec`]s, indexed by kind.
macro_rules! fault_kinds {
    ($(
        $(#[$doc:meta])*
        $kind:ident = $name:literal, strikes $strikes:ident, params [$($param:literal),*],
        build $build:expr;
    )*) => {
        /// What a fault does (see `docs/scenarios.md`, "Faults"). Each kind takes its own
        /// parameters; the table in `scenario::faults::kinds` declares them.
        #[derive(Deserialize, Debug, Clone, Copy, PartialEq, Eq, Default)]
        pub enum FaultKind {
            $($(#[$doc])* #[serde(rename = $name)] $kind,)*
        }

        /// Every kind's declaration, in the order of [`FaultKind`].
        static KINDS: &[KindSpec] = &[$(
            KindSpec {
                name: $name,
                strikes: Strikes::$strikes,
                params: &[$($param),*],
                build: $build,
            },
        )*];

        impl FaultKind {
            /// Every kind, in declaration order.
            pub const ALL: &[FaultKind] = &[$(FaultKind::$kind),*];
        }
    };
}

impl FaultKind {
    /// The kind's declaration: name, target family, parameters and builder.
    pub fn spec(self) -> &'static KindSpec {
        &KINDS[self as usize]
    }

    /// The kind's name as written in a scenario.
    pub fn name(self) -> &'static str {
        self.spec().name
    }
}

/// "an outage fault", "a slow fault": the kind with its article, for messages.
pub fn a_kind(kind: FaultKind) -> String {
    let n = kind.name();
    let article = if n.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {n} fault")
}

/// Builds the effect of an entry of kind `a.kind`.
pub(super) fn effect(a: &Args) -> Result<FaultEffect, super::ScenarioError> {
    (a.kind.spec().build)(a)
}

fault_kinds! {
    /// A component is unavailable: it drops, refuses (91 or 96) or hangs.
    #[default]
    Outage = "outage", strikes Station, params ["mode", "code"],
    build |a| {
        let code = a.code(&[91, 96], Some(91))?;
        if a.fl.code.is_some() && a.mode() != OutageMode::Reject {
            let span = a.fl.code.as_ref().map_or(0..0, |c| c.span());
            return Err(a.cx.err(
                span,
                &format!("{}.code", a.f),
                "only a \"reject\" outage answers with a code; set mode = \"reject\"",
            ));
        }
        Ok(FaultEffect::Outage { mode: a.mode(), code })
    };

    /// A share of a component's servers lost, or a share of its requests failing.
    Partial = "partial", strikes Station,
    params ["servers_lost", "fail_share", "mode", "code", "sync_to", "sync_load"],
    build |a| {
        let (fl, f) = (a.fl, a.f);
        let servers = a.station_servers();
        let lost = match &fl.servers_lost {
            None => 0,
            Some(s) => {
                let v = *s.get_ref();
                if v == 0 || servers.is_some_and(|n| v > n as u64) || v > u32::MAX as u64 {
                    return Err(a.cx.err(
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
            return Err(a.cx.err(
                fl.target.span(),
                &format!("{f}.servers_lost"),
                "a partial fault needs `servers_lost` (servers gone) and/or `fail_share` \
                 (share of requests failing)",
            ));
        }
        if a.mode() == OutageMode::Hang {
            let span = fl.mode.as_ref().map_or(0..0, |m| m.span());
            return Err(a.cx.err(
                span,
                &format!("{f}.mode"),
                "a partial failure drops or rejects its share of requests: \"drop\" or \
                 \"reject\"",
            ));
        }
        Ok(FaultEffect::Partial {
            servers_lost: lost,
            fail_share: share,
            mode: a.mode(),
            code: a.code(&[91, 96], Some(91))?,
            sync: a.sync_load()?,
        })
    };

    /// A component processes slower: a service-time multiplier and/or an added delay.
    Slow = "slow", strikes Station, params ["multiplier", "added"],
    build |a| {
        let multiplier = match &a.fl.multiplier {
            None => 1.0,
            Some(m) => a.positive(m, "multiplier", 1.0, 1000.0)?,
        };
        if a.fl.multiplier.is_none() && a.fl.added.is_none() {
            return Err(a.req("multiplier` and/or `added"));
        }
        Ok(FaultEffect::Slow {
            multiplier,
            added: a.fl.added.as_ref().map(|d| d.get_ref().dist.clone()),
        })
    };

    /// Added delay on a link, in one direction or both.
    Latency = "latency", strikes Link, params ["added", "direction"],
    build |a| Ok(FaultEffect::Latency { added: a.dist(&a.fl.added, "added")? });

    /// Messages lost on a link with a probability, in one direction or both.
    Loss = "loss", strikes Link, params ["probability", "direction"],
    build |a| Ok(FaultEffect::Loss { probability: a.prob(&a.fl.probability, "probability")? });

    /// Messages delivered twice on a link; the receiver spends a service on the copy.
    Duplicate = "duplicate", strikes Link, params ["probability", "direction"],
    build |a| Ok(FaultEffect::Duplicate {
        probability: a.prob(&a.fl.probability, "probability")?,
    });

    /// Nothing crosses a link in either direction.
    Partition = "partition", strikes Link, params [],
    build |_| Ok(FaultEffect::Partition);

    /// More payments: an arrival-rate multiplier on terminal groups.
    Surge = "surge", strikes Groups, params ["multiplier"],
    build |a| {
        let m = a.fl.multiplier.as_ref().ok_or_else(|| a.req("multiplier"))?;
        Ok(FaultEffect::Surge { multiplier: a.positive(m, "multiplier", 0.0, 100.0)? })
    };

    /// Junk requests that take a component's capacity without being payments.
    Attack = "attack", strikes Station, params ["rate"],
    build |a| {
        let r = a.fl.rate.as_ref().ok_or_else(|| a.req("rate"))?;
        let rate = r.get_ref().0;
        if !(rate > 0.0 && rate <= 100_000.0) {
            return Err(a.cx.err(
                r.span(),
                &format!("{}.rate", a.f),
                format!("{rate}/s; must be above 0 and at most 100000/s"),
            ));
        }
        Ok(FaultEffect::Attack { rate })
    };

    /// Bad input at the terminal: mis-keyed number (14), malformed message (30), expired card
    /// (54), wrong PIN (55).
    BadInput = "bad_input", strikes Groups, params ["code", "probability"],
    build |a| Ok(FaultEffect::BadInput {
        code: a.code(&[14, 30, 54, 55], None)?,
        probability: a.prob(&a.fl.probability, "probability")?,
    });

    /// A share of merchants' settlement details become wrong: their payouts are returned.
    WrongAccount = "wrong_account", strikes Groups, params ["share"],
    build |a| Ok(FaultEffect::WrongAccount { share: a.prob(&a.fl.share, "share")? });

    /// The acquirer's fee table mis-set for a share of the target groups' merchants: their
    /// sales in the window are charged discount rate `mdr` instead of the agreed one.
    FeeMisconfigured = "fee_misconfigured", strikes Groups, params ["share", "mdr"],
    build |a| Ok(FaultEffect::FeeMisconfigured {
        share: a.fl.share.as_ref().map_or(1.0, |p| p.get_ref().0),
        ppm: a.fl.mdr.as_ref().ok_or_else(|| a.req("mdr"))?.get_ref().0,
    });

    /// The payout channel (`[payout.channel]`) down for the target groups' merchants: every
    /// payout order sent while it is active goes unanswered ("status unknown") and is not
    /// executed, and status inquiries go unanswered.
    PayoutChannelDown = "payout_channel_down", strikes Groups, params [],
    build |_| Ok(FaultEffect::PayoutChannelDown);

    /// A share of an issuer's accounts frozen (62) or not permitted (57).
    FrozenAccounts = "frozen_accounts", strikes Issuer, params ["share", "code"],
    build |a| Ok(FaultEffect::FrozenAccounts {
        share: a.prob(&a.fl.share, "share")?,
        code: a.code(&[62, 57], Some(62))?,
    });

    /// Account limits imposed: an amount limit (61) and/or a daily count (65).
    Limits = "limits", strikes Issuer, params ["amount_limit", "daily_count"],
    build |a| {
        if a.fl.amount_limit.is_none() && a.fl.daily_count.is_none() {
            return Err(a.req("amount_limit` and/or `daily_count"));
        }
        let daily_count = match &a.fl.daily_count {
            None => None,
            Some(c) if *c.get_ref() >= 1 && *c.get_ref() <= 10_000 => Some(*c.get_ref() as u32),
            Some(c) => {
                return Err(a.cx.err(
                    c.span(),
                    &format!("{}.daily_count", a.f),
                    format!("{}; must be from 1 to 10000", c.get_ref()),
                ));
            }
        };
        Ok(FaultEffect::Limits {
            amount_limit: a.fl.amount_limit.as_ref().map(|m| m.get_ref().0),
            daily_count,
        })
    };

    /// Cardholders spend their balances elsewhere between paydays, so 51 depends on the day.
    Spending = "spending", strikes Issuer, params ["per_day", "payday"],
    build |a| {
        let payday = match &a.fl.payday {
            None => 30 * DAY,
            Some(p) if p.get_ref().0 >= DAY => p.get_ref().0,
            Some(p) => {
                return Err(a.cx.err(
                    p.span(),
                    &format!("{}.payday", a.f),
                    "the period between paydays must be at least a day",
                ));
            }
        };
        Ok(FaultEffect::Spending { per_day: a.dist(&a.fl.per_day, "per_day")?, payday })
    };

    /// A card risk rule deployed that raises the false-positive rate.
    CardRule = "card_rule", strikes Risk,
    params ["false_positive_rate", "action", "review_time"],
    build |a| Ok(FaultEffect::CardRule {
        false_positive_rate: a.prob(&a.fl.false_positive_rate, "false_positive_rate")?,
        action: a.fl.action.as_ref().map_or(RiskAction::Decline, |x| *x.get_ref()),
        review_time: a.fl.review_time.as_ref().map(|r| r.get_ref().dist.clone()),
    });

    /// A merchant risk rule that misfires: a share of merchants' payouts held for review.
    MerchantRule = "merchant_rule", strikes Groups, params ["share", "review_time"],
    build |a| Ok(FaultEffect::MerchantRule {
        share: a.prob(&a.fl.share, "share")?,
        review_time: a
            .fl
            .review_time
            .as_ref()
            .map_or(Dist::Constant(2.0 * DAY as f64), |r| r.get_ref().dist.clone()),
    });

    /// A wave of real fraud: an added fraud share on terminal groups.
    FraudWave = "fraud_wave", strikes Groups, params ["share"],
    build |a| Ok(FaultEffect::FraudWave { share: a.prob(&a.fl.share, "share")? });

    /// A platform upgrade after which old terminal software fails.
    TerminalUpgrade = "terminal_upgrade", strikes Groups,
    params ["old_share", "failure", "rollout"],
    build |a| Ok(FaultEffect::TerminalUpgrade {
        old_share: a.prob(&a.fl.old_share, "old_share")?,
        failure: *a.fl.failure.as_ref().ok_or_else(|| a.req("failure"))?.get_ref(),
        rollout: a.fl.rollout.as_ref().map(|r| r.get_ref().dist.clone()),
    });

    /// Terminal hardware that fails and is repaired, per terminal; crashes in mid-payment.
    TerminalHardware = "terminal_hardware", strikes Groups,
    params ["terminal_mtbf", "terminal_mttr", "crash_share"],
    build |a| {
        let mtbf = a.fl.terminal_mtbf.as_ref().ok_or_else(|| a.req("terminal_mtbf"))?;
        if mtbf.get_ref().dist.mean() < parse_duration("1h").unwrap_or(0) as f64 {
            return Err(a.cx.err(
                mtbf.span(),
                &format!("{}.terminal_mtbf", a.f),
                "a terminal's mean time between failures must be at least an hour",
            ));
        }
        Ok(FaultEffect::TerminalHardware {
            mtbf: mtbf.get_ref().dist.clone(),
            mttr: a.dist(&a.fl.terminal_mttr, "terminal_mttr")?,
            crash_share: a.fl.crash_share.as_ref().map_or(0.0, |c| c.get_ref().0),
        })
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each kind reads from its name in a scenario, and finds its own declaration.
    #[test]
    fn each_kind_reads_from_its_name() {
        #[derive(Deserialize)]
        struct W {
            kind: FaultKind,
        }
        assert_eq!(FaultKind::ALL.len(), KINDS.len());
        for (i, &k) in FaultKind::ALL.iter().enumerate() {
            assert_eq!(k as usize, i);
            let w: W = toml::from_str(&format!("kind = \"{}\"", k.name())).expect("a kind");
            assert_eq!(w.kind, k);
        }
        assert_eq!(FaultKind::default(), FaultKind::Outage);
    }
}

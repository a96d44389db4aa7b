//! The faults of the random scenarios, built from a few random choices: one kind of each of
//! the catalogue's families on a target it can strike.

use super::*;

/// The random choices a fault is built from: `k` picks targets and small options, `x` in
/// [0, 1) scales shares and rates, `m` picks one of three modes.
pub(super) struct Pick {
    pub k: usize,
    pub x: f64,
    pub m: usize,
    pub channels: usize,
    pub issuers: usize,
}

pub(super) type Built = (FaultKind, FaultTarget, FaultEffect);

/// Faults of stations and links (kinds 0 to 8).
pub(super) fn network_fault(kind: usize, p: &Pick, d: Dist) -> Built {
    let (k, x, m) = (p.k, p.x, p.m);
    let (channels, issuers) = (p.channels, p.issuers);
    let station = match k % 3 {
        0 => Component::Gateway,
        1 => Component::Channel(k % channels),
        _ => Component::Issuer(k % issuers),
    };
    let mode = [OutageMode::Drop, OutageMode::Reject, OutageMode::Hang][m];
    let link = match k % 3 {
        0 => LinkRef::Terminal(0),
        1 => LinkRef::GatewayChannel(k % channels),
        _ => LinkRef::ChannelIssuer(k % channels, k % issuers),
    };
    let dir = [LinkDirection::Up, LinkDirection::Down, LinkDirection::Both][m];
    let groups = FaultTarget::Groups(vec![0]);
    let share = x * 0.5;
    use FaultEffect as E;
    match kind {
        0 => (
            FaultKind::Outage,
            FaultTarget::Station(station),
            E::Outage {
                mode,
                code: if k % 2 == 0 { 91 } else { 96 },
            },
        ),
        1 => (
            FaultKind::Partial,
            FaultTarget::Station(station),
            E::Partial {
                servers_lost: (k % 2) as u32,
                fail_share: share,
                mode: if m == 1 {
                    OutageMode::Reject
                } else {
                    OutageMode::Drop
                },
                code: 96,
                // Now and then a synchronisation load on another station.
                sync: (k % 4 == 3).then_some(payfault::scenario::SyncLoad {
                    to: match station {
                        Component::Gateway => Component::Issuer(0),
                        _ => Component::Gateway,
                    },
                    load: 0.5 + x,
                }),
            },
        ),
        2 => (
            FaultKind::Slow,
            FaultTarget::Station(station),
            E::Slow {
                multiplier: 1.0 + 10.0 * x,
                added: (k % 2 == 0).then_some(d),
            },
        ),
        3 => (
            FaultKind::Latency,
            FaultTarget::Link(link, dir),
            E::Latency { added: d },
        ),
        4 => (
            FaultKind::Loss,
            FaultTarget::Link(link, dir),
            E::Loss { probability: share },
        ),
        5 => (
            FaultKind::Duplicate,
            FaultTarget::Link(link, dir),
            E::Duplicate { probability: share },
        ),
        6 => (
            FaultKind::Partition,
            FaultTarget::Link(link, LinkDirection::Both),
            E::Partition,
        ),
        7 => (
            FaultKind::Surge,
            groups,
            E::Surge {
                multiplier: 0.5 + 3.0 * x,
            },
        ),
        _ => (
            FaultKind::Attack,
            FaultTarget::Station(station),
            E::Attack {
                rate: 1.0 + 30.0 * x,
            },
        ),
    }
}

/// Faults of the terminals' populations, accounts and rules (kinds 9 to 20).
pub(super) fn population_fault(kind: usize, p: &Pick, d: Dist) -> Built {
    let (k, x, m) = (p.k, p.x, p.m);
    let groups = FaultTarget::Groups(vec![0]);
    let issuer = FaultTarget::Issuer(k % p.issuers);
    let share = x * 0.5;
    use FaultEffect as E;
    match kind {
        9 => (
            FaultKind::BadInput,
            groups,
            E::BadInput {
                code: [14, 30, 54, 55][k % 4],
                probability: share,
            },
        ),
        10 => (FaultKind::WrongAccount, groups, E::WrongAccount { share }),
        11 => (
            FaultKind::FrozenAccounts,
            issuer,
            E::FrozenAccounts {
                share,
                code: if k % 2 == 0 { 62 } else { 57 },
            },
        ),
        12 => (
            FaultKind::Limits,
            issuer,
            E::Limits {
                amount_limit: (k % 2 == 0).then_some(5_000),
                daily_count: (k % 3 != 0).then_some(1 + k as u32),
            },
        ),
        13 => (
            FaultKind::Spending,
            issuer,
            E::Spending {
                per_day: Dist::Uniform {
                    lo: 0.0,
                    width: 5_000.0,
                },
                payday: (1 + k as u64) * DAY,
            },
        ),
        14 => (
            FaultKind::CardRule,
            FaultTarget::Station(Component::Gateway),
            E::CardRule {
                false_positive_rate: share,
                action: if m == 0 {
                    RiskAction::Review
                } else {
                    RiskAction::Decline
                },
                review_time: (k % 2 == 0).then_some(d.clone()),
            },
        ),
        15 => (
            FaultKind::MerchantRule,
            groups,
            E::MerchantRule {
                share,
                review_time: d,
            },
        ),
        16 => (
            FaultKind::FraudWave,
            groups,
            E::FraudWave { share: share / 5.0 },
        ),
        18 => (
            FaultKind::FeeMisconfigured,
            groups,
            E::FeeMisconfigured {
                share: x,
                ppm: (k as u32) * 2_500,
            },
        ),
        17 => (
            FaultKind::TerminalUpgrade,
            groups,
            E::TerminalUpgrade {
                old_share: share,
                failure: if m == 0 {
                    UpgradeFailure::SignOn
                } else {
                    UpgradeFailure::MidPayment
                },
                rollout: (k % 2 == 0).then_some(Dist::Exponential { mean: HOUR as f64 }),
            },
        ),
        // (Inert without a payout channel; D+0 advances in the window meet it.)
        19 => (FaultKind::PayoutChannelDown, groups, E::PayoutChannelDown),
        _ => (
            FaultKind::TerminalHardware,
            groups,
            E::TerminalHardware {
                mtbf: Dist::Exponential {
                    mean: (3 * HOUR) as f64,
                },
                mttr: Dist::Exponential {
                    mean: (20 * MINUTE) as f64,
                },
                crash_share: share / 10.0,
            },
        ),
    }
}

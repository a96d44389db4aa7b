//! What a fault does while it is active: the validated effect of each kind, which the model
//! reads, and a partial failure's synchronisation load.

use crate::engine::{Dist, Nanos};
use crate::scenario::raw::{OutageMode, RiskAction, UpgradeFailure};

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
    /// A share of merchants charged discount rate `ppm` (millionths) instead of the agreed.
    FeeMisconfigured { share: f64, ppm: u32 },
    /// The payout channel does not answer the merchants' payout orders, nor executes them.
    PayoutChannelDown,
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

//! The raw `[[faults]]` table and the enums of its fields, as the TOML file writes them.

use super::RiskAction;
use crate::scenario::dist::{DurationDist, MoneyDist};
use crate::scenario::units::{Duration, FeeRate, Money, Probability, Rate};
use serde::Deserialize;
use toml::Spanned;

/// What a fault does: declared, kind by kind, in the table of `scenario::faults::kinds`.
pub use crate::scenario::faults::FaultKind;

#[derive(Deserialize, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum OutageMode {
    /// Messages reaching or leaving the target vanish (the sender times out).
    #[default]
    Drop,
    /// Requests reaching the target are answered at once with a refusal (91 issuer or switch
    /// inoperative, or 96 system malfunction); responses passing through it still vanish.
    Reject,
    /// The target freezes: requests reaching it wait until the window ends, then are served
    /// (their answers come late).
    Hang,
}

/// The direction of a link fault.
#[derive(Deserialize, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum LinkDirection {
    /// Towards the issuer (requests, reversals, advices).
    Up,
    /// Towards the terminal (responses, acknowledgements).
    Down,
    #[default]
    Both,
}

/// When an old terminal software version fails after a platform upgrade.
#[derive(Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum UpgradeFailure {
    /// At sign-on: the terminal takes no cards.
    SignOn,
    /// In the middle of a payment, after the issuer approved: the till shows no approval.
    MidPayment,
}

/// One `[[faults]]` entry as written. The parameters a kind does not take are refused by the
/// validator with the list of those it does.
#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawFault {
    pub id: Option<Spanned<String>>,
    pub kind: Option<Spanned<FaultKind>>,
    pub target: Spanned<String>,
    pub direction: Option<Spanned<LinkDirection>>,
    // Timing.
    /// Offset from the start of the run (midnight of day 0), e.g. "10h" or "1d 14h".
    pub start: Option<Spanned<Duration>>,
    pub duration: Option<Spanned<Duration>>,
    /// `"daily"`, `"weekly"` or a duration: the fault recurs with this period.
    pub repeat: Option<Spanned<String>>,
    /// Time between failures (stochastic timing).
    pub mtbf: Option<Spanned<DurationDist>>,
    /// Time to repair (stochastic timing).
    pub mttr: Option<Spanned<DurationDist>>,
    /// Until repaired: time until the fault is noticed, then the repair time.
    pub detection: Option<Spanned<Duration>>,
    pub repair: Option<Spanned<DurationDist>>,
    // Parameters of the kinds.
    pub mode: Option<Spanned<OutageMode>>,
    pub code: Option<Spanned<u64>>,
    pub servers_lost: Option<Spanned<u64>>,
    pub fail_share: Option<Spanned<Probability>>,
    /// A partial failure's twin station and its synchronisation messages per request.
    pub sync_to: Option<Spanned<String>>,
    pub sync_load: Option<Spanned<f64>>,
    pub multiplier: Option<Spanned<f64>>,
    pub added: Option<Spanned<DurationDist>>,
    pub probability: Option<Spanned<Probability>>,
    pub rate: Option<Spanned<Rate>>,
    pub share: Option<Spanned<Probability>>,
    pub amount_limit: Option<Spanned<Money>>,
    pub daily_count: Option<Spanned<u64>>,
    pub per_day: Option<Spanned<MoneyDist>>,
    pub payday: Option<Spanned<Duration>>,
    pub false_positive_rate: Option<Spanned<Probability>>,
    pub action: Option<Spanned<RiskAction>>,
    pub old_share: Option<Spanned<Probability>>,
    pub failure: Option<Spanned<UpgradeFailure>>,
    pub rollout: Option<Spanned<DurationDist>>,
    pub terminal_mtbf: Option<Spanned<DurationDist>>,
    pub terminal_mttr: Option<Spanned<DurationDist>>,
    pub crash_share: Option<Spanned<Probability>>,
    pub review_time: Option<Spanned<DurationDist>>,
    /// The discount rate a mis-set fee configuration applies.
    pub mdr: Option<Spanned<FeeRate>>,
    /// An outage of a channel announced in advance (see `[strategy.failover] announced`).
    pub announced: Option<Spanned<bool>>,
}

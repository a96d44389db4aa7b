//! The raw `[[faults]]` table and the enums of its fields, as the TOML file writes them.

use super::RiskAction;
use crate::scenario::dist::{DurationDist, MoneyDist};
use crate::scenario::units::{Duration, Money, Probability, Rate};
use serde::Deserialize;
use toml::Spanned;

/// What a fault does (see `docs/scenarios.md`, "Faults"). Each kind takes its own parameters.
#[derive(Deserialize, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// A component is unavailable: it drops, refuses (91 or 96) or hangs.
    #[default]
    Outage,
    /// A share of a component's servers lost, or a share of its requests failing.
    Partial,
    /// A component processes slower: a service-time multiplier and/or an added delay.
    Slow,
    /// Added delay on a link, in one direction or both.
    Latency,
    /// Messages lost on a link with a probability, in one direction or both.
    Loss,
    /// Messages delivered twice on a link; the receiver spends a service on the copy.
    Duplicate,
    /// Nothing crosses a link in either direction.
    Partition,
    /// More payments: an arrival-rate multiplier on terminal groups.
    Surge,
    /// Junk requests that take a component's capacity without being payments.
    Attack,
    /// Bad input at the terminal: mis-keyed number (14), malformed message (30), expired card
    /// (54), wrong PIN (55).
    BadInput,
    /// A share of merchants' settlement details become wrong: their payouts are returned.
    WrongAccount,
    /// A share of an issuer's accounts frozen (62) or not permitted (57).
    FrozenAccounts,
    /// Account limits imposed: an amount limit (61) and/or a daily count (65).
    Limits,
    /// Cardholders spend their balances elsewhere between paydays, so 51 depends on the day.
    Spending,
    /// A card risk rule deployed that raises the false-positive rate.
    CardRule,
    /// A merchant risk rule that misfires: a share of merchants' payouts held for review.
    MerchantRule,
    /// A wave of real fraud: an added fraud share on terminal groups.
    FraudWave,
    /// A platform upgrade after which old terminal software fails.
    TerminalUpgrade,
    /// Terminal hardware that fails and is repaired, per terminal; crashes in mid-payment.
    TerminalHardware,
}

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
    /// An outage of a channel announced in advance (see `[strategy.failover] announced`).
    pub announced: Option<Spanned<bool>>,
}

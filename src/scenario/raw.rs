//! The scenario file as written: serde structs that mirror the TOML, with the defaults of
//! docs/background.md (calibration figures). Unknown fields are rejected everywhere. Nothing
//! here is trusted by the engine: `validate` turns it into a [`super::Scenario`].

use super::dist::{Dist, DistOf, DurationDist, MoneyDist};
use super::strategies::upkeep::{
    RawAutoscale, RawFleet, RawMonitoring, RawSupport, TimeoutSetting,
};
use super::units::{Date, Duration, Money, Probability, Rate, TimeOfDay, Weekday};
use super::{CodeSet, Liability, MessageFlow, PayoutSchedule};
use crate::engine::{DAY, HOUR, MILLI, SECOND};
use serde::Deserialize;
use toml::Spanned;

mod fault;
pub use fault::{FaultKind, LinkDirection, OutageMode, RawFault, UpgradeFailure};

/// A lognormal default written by its median and p99.
fn lognormal(median: f64, p99: f64) -> Dist {
    Dist::lognormal_p99(median, p99)
}

fn ms_lognormal(median_ms: f64, p99_ms: f64) -> DurationDist {
    DistOf::new(lognormal(median_ms * MILLI as f64, p99_ms * MILLI as f64))
}

fn id(s: &str) -> Spanned<String> {
    Spanned::new(0..0, s.to_owned())
}

#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    pub name: Spanned<String>,
    #[serde(default)]
    pub description: String,
    /// The description in Simplified Chinese (`payfault list --lang zh`, report.html).
    pub description_zh: Option<String>,
    /// The causes the scenario demonstrates: a cause name or a list of them.
    pub demonstrates: Option<Spanned<toml::Value>>,
    #[serde(default)]
    pub simulation: RawSimulation,
    pub terminals: Option<Spanned<Vec<RawTerminals>>>,
    #[serde(default)]
    pub gateway: RawGateway,
    #[serde(default)]
    pub risk: RawRisk,
    pub channels: Option<Spanned<Vec<RawChannel>>>,
    pub issuers: Option<Spanned<Vec<RawIssuer>>>,
    #[serde(default)]
    pub network: RawNetwork,
    #[serde(default)]
    pub settlement: RawSettlement,
    #[serde(default)]
    pub strategy: RawStrategy,
    #[serde(default)]
    pub payout: RawPayout,
    /// `[[routing]]`: the routing table; absent or empty = channels picked by weight.
    pub routing: Option<Spanned<Vec<RawRoute>>>,
    #[serde(default)]
    pub merchant_risk: RawMerchantRisk,
    #[serde(default)]
    pub reconciliation: RawRecon,
    /// `[support]`: the merchant support desk (see `strategies::upkeep`).
    #[serde(default)]
    pub support: RawSupport,
    #[serde(default)]
    pub faults: Vec<RawFault>,
    /// `[[variant]]`: named designs to compare, each a set of overrides of this scenario's
    /// settings (read by `scenario::variants`; validation of the base ignores them).
    #[serde(default)]
    pub variant: Vec<toml::Table>,
    /// `[costs]`: prices of running the design.
    pub costs: Option<Spanned<super::costs::RawCosts>>,
    /// `[fees]`: what the merchant, the acquirer, the issuer and the scheme each take.
    pub fees: Option<Spanned<super::fees::RawFees>>,
    /// `[transactions]`: voids and refunds (see `scenario::transactions`).
    pub transactions: Option<super::transactions::RawTransactions>,
    /// `[disputes]`: the dispute cycle (see `scenario::disputes`).
    pub disputes: Option<super::disputes::RawDisputes>,
    /// `[expect]`: the outcomes `payfault check` holds the scenario to.
    pub expect: Option<Spanned<super::expect::RawExpect>>,
}

#[derive(Deserialize, Debug, Clone)]
#[serde(default, deny_unknown_fields)]
pub struct RawSimulation {
    pub runs: Spanned<u64>,
    pub seed: u64,
    pub traffic_window: Spanned<Duration>,
    /// `None`: long enough for every normal settlement cycle to finish.
    pub observation: Option<Spanned<Duration>>,
    /// Calendar date of day 0; needed by holidays and extra business days.
    pub start_date: Option<Spanned<Date>>,
    /// Weekday of day 0; `None`: that of `start_date`, else Monday.
    pub start_weekday: Option<Spanned<Weekday>>,
}

impl Default for RawSimulation {
    fn default() -> Self {
        RawSimulation {
            runs: Spanned::new(0..0, 100),
            seed: 1,
            traffic_window: Spanned::new(0..0, Duration(DAY)),
            observation: None,
            start_date: None,
            start_weekday: None,
        }
    }
}

#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawPeak {
    pub start: TimeOfDay,
    pub end: Spanned<TimeOfDay>,
    pub multiplier: Spanned<f64>,
}

#[derive(Deserialize, Debug, Clone)]
#[serde(default, deny_unknown_fields)]
pub struct RawTerminals {
    pub id: Spanned<String>,
    pub count: Spanned<u64>,
    /// Payments per terminal, averaged over the day.
    pub rate: Spanned<Rate>,
    pub amount: Spanned<MoneyDist>,
    pub miskey_share: Probability,
    /// 24 relative weights, one per hour of the day.
    pub profile: Option<Spanned<Vec<f64>>>,
    pub peak: Option<RawPeak>,
    /// `"dual"` (0100/0110) or `"single"` (0200/0210) to the host; none: as the channels.
    pub messages: Option<MessageFlow>,
    /// The merchants' category: its discount rate is `[fees.categories.<category>]`'s.
    pub category: Option<Spanned<String>>,
    /// The acquirer's limits on each merchant of the group: per sale, and approved per
    /// calendar day.
    pub sale_limit: Option<Spanned<Money>>,
    pub daily_limit: Option<Spanned<Money>>,
}

impl Default for RawTerminals {
    fn default() -> Self {
        RawTerminals {
            id: id("terminals"),
            count: Spanned::new(0..0, 2000),
            rate: Spanned::new(0..0, Rate(8.0 / 3600.0)),
            amount: Spanned::new(0..0, DistOf::new(lognormal(2500.0, 40000.0))),
            miskey_share: Probability(0.001),
            profile: None,
            peak: None,
            messages: None,
            category: None,
            sale_limit: None,
            daily_limit: None,
        }
    }
}

/// Relative card-present traffic by hour of day (a typical high-street retail day: quiet at
/// night, a lunch peak and an evening peak). Normalised to mean 1 by the validator.
pub const DEFAULT_PROFILE: [f64; 24] = [
    0.10, 0.05, 0.05, 0.05, 0.05, 0.10, 0.30, 0.70, 1.10, 1.30, 1.50, 1.80, //
    2.20, 2.00, 1.60, 1.50, 1.60, 1.90, 2.00, 1.70, 1.20, 0.80, 0.50, 0.20,
];

#[derive(Deserialize, Debug, Clone)]
#[serde(default, deny_unknown_fields)]
pub struct RawGateway {
    pub servers: Spanned<u64>,
    pub service: DurationDist,
    pub autoscale: Option<RawAutoscale>,
}

impl Default for RawGateway {
    fn default() -> Self {
        RawGateway {
            servers: Spanned::new(0..0, 16),
            service: ms_lognormal(15.0, 120.0),
            autoscale: None,
        }
    }
}

#[derive(Deserialize, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum RiskAction {
    /// Decline with 59 (suspected fraud) at the gateway.
    #[default]
    Decline,
    /// Let the payment through but hold it out of clearing until a manual review.
    Review,
}

#[derive(Deserialize, Debug, Clone)]
#[serde(default, deny_unknown_fields)]
pub struct RawRisk {
    pub enabled: bool,
    pub fraud_share: Probability,
    /// Default 0.7 (and 0.003 below) unless a `threshold` gives both.
    pub detection_rate: Option<Spanned<Probability>>,
    pub false_positive_rate: Option<Spanned<Probability>>,
    /// A score threshold on the binormal ROC curve of separation `d_prime`, instead of the
    /// two rates (see `strategies::upkeep`).
    pub threshold: Option<Spanned<f64>>,
    pub d_prime: Option<Spanned<f64>>,
    pub action: RiskAction,
    pub review_delay: Duration,
    /// Reviews longer than this are escalated and end at it.
    pub review_sla: Option<Spanned<Duration>>,
    /// Who bears chargebacks.
    pub liability: Liability,
}

impl Default for RawRisk {
    fn default() -> Self {
        RawRisk {
            enabled: true,
            fraud_share: Probability(0.0005),
            detection_rate: None,
            false_positive_rate: None,
            threshold: None,
            d_prime: None,
            action: RiskAction::Decline,
            review_delay: Duration(DAY),
            review_sla: None,
            liability: Liability::Merchant,
        }
    }
}

#[derive(Deserialize, Debug, Clone)]
#[serde(default, deny_unknown_fields)]
pub struct RawChannel {
    pub id: Spanned<String>,
    pub servers: Spanned<u64>,
    pub service: DurationDist,
    /// Share of the acquirer's traffic routed here (relative weight).
    pub weight: Spanned<f64>,
    pub flow: MessageFlow,
    pub codes: CodeSet,
    /// Channel -> issuer timeout; none when absent.
    pub issuer_timeout: Option<Spanned<Duration>>,
    pub stand_in: RawStandIn,
    pub autoscale: Option<RawAutoscale>,
    /// Most requests in flight from the acquirer to this channel; none when absent.
    pub bulkhead: Option<Spanned<u64>>,
    /// `[channels.qr]`: a QR-code aggregator (see `scenario::qr`).
    pub qr: Option<Spanned<super::qr::RawQr>>,
}

impl Default for RawChannel {
    fn default() -> Self {
        RawChannel {
            id: id("scheme"),
            servers: Spanned::new(0..0, 24),
            service: ms_lognormal(25.0, 200.0),
            weight: Spanned::new(0..0, 1.0),
            flow: MessageFlow::Dual,
            codes: CodeSet::Iso,
            issuer_timeout: None,
            stand_in: RawStandIn::default(),
            autoscale: None,
            bulkhead: None,
            qr: None,
        }
    }
}

/// `stand_in` of a channel: approval on the issuer's behalf after `issuer_timeout`.
#[derive(Deserialize, Debug, Clone)]
#[serde(default, deny_unknown_fields)]
pub struct RawStandIn {
    pub enabled: Spanned<bool>,
    pub limit: Spanned<Money>,
    pub advice_interval: Spanned<Duration>,
    pub advice_expiry: Duration,
}

impl Default for RawStandIn {
    fn default() -> Self {
        RawStandIn {
            enabled: Spanned::new(0..0, false),
            limit: Spanned::new(0..0, Money(20_000)),
            advice_interval: Spanned::new(0..0, Duration(60 * SECOND)),
            advice_expiry: Duration(DAY),
        }
    }
}

/// One `[[routing]]` entry: the channel (and backup) of one issuer's cards.
#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawRoute {
    pub issuer: Spanned<String>,
    pub channel: Spanned<String>,
    pub backup: Option<Spanned<String>>,
}

/// A daily window `[start, end)` of times of day (`end` before `start` wraps midnight).
#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawWindow {
    pub start: Spanned<TimeOfDay>,
    pub end: Spanned<TimeOfDay>,
}

#[derive(Deserialize, Debug, Clone)]
#[serde(default, deny_unknown_fields)]
pub struct RawAccounts {
    pub count: Spanned<u64>,
    pub balance: MoneyDist,
    pub frozen_share: Probability,
    /// Per-payment amount limit (61 over amount limit); none when absent.
    pub amount_limit: Option<Spanned<Money>>,
}

impl Default for RawAccounts {
    fn default() -> Self {
        RawAccounts {
            count: Spanned::new(0..0, 200_000),
            balance: DistOf::new(lognormal(120_000.0, 1_500_000.0)),
            frozen_share: Probability(0.003),
            amount_limit: None,
        }
    }
}

#[derive(Deserialize, Debug, Clone)]
#[serde(default, deny_unknown_fields)]
pub struct RawIssuer {
    pub id: Spanned<String>,
    pub servers: Spanned<u64>,
    pub service: DurationDist,
    /// Share of cards issued by this issuer (relative weight).
    pub share: Spanned<f64>,
    pub do_not_honour_share: Probability,
    /// Share of the payments declined 55: the cardholder entered a wrong PIN.
    pub wrong_pin_share: Probability,
    /// Share of the payments declined 54: the card had expired.
    pub expired_card_share: Spanned<Probability>,
    /// How long an authorisation hold lasts if it is neither cleared nor reversed.
    pub hold_expiry: Duration,
    pub accounts: RawAccounts,
    pub autoscale: Option<RawAutoscale>,
    /// Most requests in flight from the channels to this issuer; none when absent.
    pub bulkhead: Option<Spanned<u64>>,
}

impl Default for RawIssuer {
    fn default() -> Self {
        RawIssuer {
            id: id("issuer"),
            servers: Spanned::new(0..0, 24),
            service: ms_lognormal(40.0, 400.0),
            share: Spanned::new(0..0, 1.0),
            do_not_honour_share: Probability(0.005),
            wrong_pin_share: Probability(0.0),
            expired_card_share: Spanned::new(0..0, Probability(0.0)),
            hold_expiry: Duration(7 * DAY),
            accounts: RawAccounts::default(),
            autoscale: None,
            bulkhead: None,
        }
    }
}

#[derive(Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawLink {
    pub from: Spanned<String>,
    pub to: Spanned<String>,
    pub latency: Option<DurationDist>,
    pub loss: Option<Probability>,
}

#[derive(Deserialize, Debug, Clone)]
#[serde(default, deny_unknown_fields)]
pub struct RawNetwork {
    /// Default one-way latency of every link.
    pub latency: DurationDist,
    /// Default loss probability of every link, per message.
    pub loss: Probability,
    pub links: Vec<RawLink>,
}

impl Default for RawNetwork {
    fn default() -> Self {
        RawNetwork {
            latency: ms_lognormal(20.0, 150.0),
            loss: Probability(0.0),
            links: vec![],
        }
    }
}

#[derive(Deserialize, Debug, Clone)]
#[serde(default, deny_unknown_fields)]
pub struct RawSettlement {
    pub cutoff: TimeOfDay,
    pub lag_days: Spanned<u64>,
    pub credit_time: TimeOfDay,
    pub promise_days: Spanned<u64>,
    pub business_days: Spanned<Vec<Weekday>>,
    /// Dates that are not business days although their weekday is.
    pub holidays: Spanned<Vec<Spanned<Date>>>,
    /// Dates that are business days although their weekday is not.
    pub extra_business_days: Spanned<Vec<Spanned<Date>>>,
    /// Dates on which the settlement bank is down.
    pub bank_down: Spanned<Vec<Spanned<Date>>>,
    /// Chance that a cut-off's clearing file is rejected.
    pub file_reject_share: Spanned<Probability>,
    /// Chance that a cut-off's clearing file is late.
    pub file_late_share: Spanned<Probability>,
    /// Dates whose clearing file is rejected.
    pub file_rejected: Spanned<Vec<Spanned<Date>>>,
    /// Each terminal settles its batch against the host at the cut-off (批结算).
    pub pos_batch: bool,
    /// A terminal whose batch did not balance uploads its sales (批上送), and the host reverses
    /// the approvals the till never showed.
    pub pos_batch_upload: Spanned<bool>,
}

/// `[payout]`: the payout to the merchant's settlement account.
#[derive(Deserialize, Debug, Clone)]
#[serde(default, deny_unknown_fields)]
pub struct RawPayout {
    pub wrong_account_share: Probability,
    /// The share of wrong settlement details the acquirer's account verification at
    /// onboarding catches (a remedy); 0: no verification.
    pub account_verification: Probability,
    /// How long a payout to a wrong account takes to come back; none: at once.
    pub return_delay: Option<DurationDist>,
    pub correction_delay: Duration,
    pub schedule: PayoutSchedule,
    /// D+0 only: the most paid instantly to one merchant per day; no cap when absent.
    pub d0_daily_cap: Option<Spanned<Money>>,
    /// The receiving bank's daily maintenance windows.
    pub bank_maintenance: Vec<RawWindow>,
    /// The promise of the payout with the settlement ("T+1", "T+1 18:00", "D+1", "D+0 2h"),
    /// and of the D+0 advance; parsed by `promise::parse_promise`.
    pub promise: Option<Spanned<String>>,
    pub d0_promise: Option<Spanned<String>>,
    /// `[payout.channel]`: the payout channel (代付); none: payouts reach the bank at once.
    pub channel: Option<super::payout_channel::RawPayoutChannel>,
    /// The share of merchants paid into a personal Class II account, and that account's cap
    /// on inflows per day.
    pub personal_account_share: Probability,
    pub personal_daily_cap: Option<Spanned<Money>>,
    /// The share of merchants paid into a personal Class III account, and its daily cap.
    pub class3_account_share: Spanned<Probability>,
    pub class3_daily_cap: Option<Spanned<Money>>,
}

impl Default for RawPayout {
    fn default() -> Self {
        RawPayout {
            wrong_account_share: Probability(0.0),
            account_verification: Probability(0.0),
            return_delay: None,
            correction_delay: Duration(3 * DAY),
            schedule: PayoutSchedule::T1,
            d0_daily_cap: None,
            bank_maintenance: vec![],
            promise: None,
            d0_promise: None,
            channel: None,
            personal_account_share: Probability(0.0),
            personal_daily_cap: None,
            class3_account_share: Spanned::new(0..0, Probability(0.0)),
            class3_daily_cap: None,
        }
    }
}

/// `[merchant_risk]`: the acquirer's rules that hold a merchant's payout for review.
#[derive(Deserialize, Debug, Clone)]
#[serde(default, deny_unknown_fields)]
pub struct RawMerchantRisk {
    pub enabled: Spanned<bool>,
    pub large_sale: Option<Spanned<Money>>,
    pub night: Option<RawWindow>,
    pub daily_count: Option<Spanned<u64>>,
    pub misfire_share: Probability,
    pub review_time: DurationDist,
    /// Reviews longer than this are escalated and end at it.
    pub review_sla: Option<Spanned<Duration>>,
}

impl Default for RawMerchantRisk {
    fn default() -> Self {
        RawMerchantRisk {
            enabled: Spanned::new(0..0, false),
            large_sale: None,
            night: None,
            daily_count: None,
            misfire_share: Probability(0.0),
            review_time: DistOf::new(lognormal(DAY as f64, 7.0 * DAY as f64)),
            review_sla: None,
        }
    }
}

/// `[reconciliation]`: scheduled runs that find breaks and have them repaired.
#[derive(Deserialize, Debug, Clone)]
#[serde(default, deny_unknown_fields)]
pub struct RawRecon {
    pub enabled: bool,
    pub at: TimeOfDay,
    pub interval: Spanned<Duration>,
    pub detection_delay: Duration,
    pub repair_time: Duration,
    /// What the runs compare: every party's records, or the scheme's file.
    pub source: super::ReconSource,
}

impl Default for RawRecon {
    fn default() -> Self {
        RawRecon {
            enabled: false,
            at: TimeOfDay(6 * HOUR),
            interval: Spanned::new(0..0, Duration(DAY)),
            detection_delay: Duration(12 * HOUR),
            repair_time: Duration(DAY),
            source: super::ReconSource::Records,
        }
    }
}

impl Default for RawSettlement {
    fn default() -> Self {
        RawSettlement {
            cutoff: TimeOfDay(22 * HOUR),
            lag_days: Spanned::new(0..0, 1),
            credit_time: TimeOfDay(9 * HOUR),
            promise_days: Spanned::new(0..0, 1),
            business_days: Spanned::new(0..0, (0..5).map(Weekday).collect()),
            holidays: Spanned::new(0..0, vec![]),
            extra_business_days: Spanned::new(0..0, vec![]),
            bank_down: Spanned::new(0..0, vec![]),
            file_reject_share: Spanned::new(0..0, Probability(0.0)),
            file_late_share: Spanned::new(0..0, Probability(0.0)),
            file_rejected: Spanned::new(0..0, vec![]),
            pos_batch: false,
            pos_batch_upload: Spanned::new(0..0, false),
        }
    }
}

#[derive(Deserialize, Debug, Clone)]
#[serde(default, deny_unknown_fields)]
pub struct RawReversal {
    pub enabled: bool,
    pub attempts: Spanned<u64>,
    pub interval: Spanned<Duration>,
    pub until: super::ReversalUntil,
}

impl Default for RawReversal {
    fn default() -> Self {
        RawReversal {
            enabled: true,
            attempts: Spanned::new(0..0, 3),
            interval: Spanned::new(0..0, Duration(60 * SECOND)),
            until: super::ReversalUntil::Acknowledged,
        }
    }
}

#[derive(Deserialize, Debug, Clone)]
#[serde(default, deny_unknown_fields)]
pub struct RawStrategy {
    /// A duration, or a latency percentile measured by a pilot run (`strategies::upkeep`).
    pub terminal_timeout: Spanned<TimeoutSetting>,
    /// Acquirer -> channel timeout; none when absent.
    pub acquirer_timeout: Option<Spanned<Duration>>,
    pub reversal: RawReversal,
    pub saf: RawSaf,
    /// Input validation at the terminal: a Luhn check of the card number.
    pub luhn_check: bool,
    pub luhn_catch: Probability,
    pub monitoring: Option<RawMonitoring>,
    pub fleet: Option<RawFleet>,
    /// `[strategy.failover]`, `[strategy.breaker]`, `[strategy.shedding]`: see
    /// `strategies::guard`.
    pub failover: super::strategies::guard::RawFailover,
    pub breaker: super::strategies::guard::RawBreaker,
    pub shedding: super::strategies::guard::RawShedding,
    /// `[strategy.retry]`, `[strategy.idempotency]`, `[strategy.cardholder]` (see
    /// `strategies::retry`).
    pub retry: super::strategies::retry::RawRetry,
    pub idempotency: super::strategies::retry::RawIdempotency,
    pub cardholder: super::strategies::retry::RawCardholder,
}

/// `[strategy.saf]`: the acquirer host's store-and-forward queue for reversals.
#[derive(Deserialize, Debug, Clone)]
#[serde(default, deny_unknown_fields)]
pub struct RawSaf {
    pub enabled: bool,
    pub interval: Spanned<Duration>,
    pub expiry: Spanned<Duration>,
    /// Most reversals sent for one payment (besides the expiry); no limit when absent.
    pub attempts: Option<Spanned<u64>>,
    /// Head-of-line blocking by bad records (see `strategies::upkeep`).
    pub blocking: bool,
    pub bad_record_share: Spanned<Probability>,
    pub unblock_after: Spanned<Duration>,
}

impl Default for RawSaf {
    fn default() -> Self {
        // A well-known switch's defaults: a retry every 60 s, given up after 24 h.
        RawSaf {
            enabled: true,
            interval: Spanned::new(0..0, Duration(60 * SECOND)),
            expiry: Spanned::new(0..0, Duration(DAY)),
            attempts: None,
            blocking: false,
            bad_record_share: Spanned::new(0..0, Probability(0.001)),
            unblock_after: Spanned::new(0..0, Duration(HOUR)),
        }
    }
}

impl Default for RawStrategy {
    fn default() -> Self {
        RawStrategy {
            terminal_timeout: Spanned::new(0..0, TimeoutSetting::Fixed(Duration(30 * SECOND))),
            acquirer_timeout: None,
            reversal: RawReversal::default(),
            saf: RawSaf::default(),
            luhn_check: false,
            luhn_catch: Probability(0.9),
            monitoring: None,
            fleet: None,
            failover: Default::default(),
            breaker: Default::default(),
            shedding: Default::default(),
            retry: Default::default(),
            idempotency: Default::default(),
            cardholder: Default::default(),
        }
    }
}

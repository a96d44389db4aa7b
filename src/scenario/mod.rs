//! Scenario files: the TOML schema (`raw`), its units and distributions, validation into the
//! typed [`Scenario`] the model runs, and the errors a user sees when a file is wrong.
//!
//! The field-by-field reference with defaults and units is `docs/scenarios.md`.

pub mod calendar;
pub mod capacity;
pub mod cause;
mod check;
pub mod costs;
pub mod date;
pub mod disputes;
pub mod dist;
pub mod error;
pub mod expect;
pub mod faults;
pub mod fees;
pub mod library;
pub mod limits;
pub mod payout_channel;
pub mod pending;
mod postauth;
pub mod promise;
pub mod qr;
pub mod raw;
pub mod strategies;
pub mod transactions;
pub mod units;
mod validate;
pub mod variants;

pub use dist::Dist;
pub use error::{Diagnostic, ScenarioError};
pub use faults::{
    FaultEffect, FaultSpec, FaultTarget, Length, LinkRef, MAX_SYNC_LOAD, SyncLoad, Timing,
};
pub use limits::Limits;
pub use raw::{FaultKind, LinkDirection, OutageMode, RiskAction, UpgradeFailure};

use crate::engine::Nanos;
use std::path::Path;

/// The built-in default scenario (also shipped as `scenarios/baseline.toml`).
pub const BASELINE: &str = include_str!("../../scenarios/baseline.toml");

/// A validated scenario: every id resolved, every value in range, every unit converted.
#[derive(Clone, Debug)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    /// `description_zh`: the description in Simplified Chinese, if the file gives one.
    pub description_zh: Option<String>,
    /// The causes the scenario demonstrates (`demonstrates`; names of its causes).
    pub demonstrates: Vec<String>,
    /// Default number of Monte Carlo runs (the CLI may override).
    pub runs: u64,
    /// Default master seed (the CLI may override).
    pub seed: u64,
    /// Payments arrive in `[0, traffic_window)`.
    pub traffic_window: Nanos,
    /// End of observation; `None` = long enough for normal settlement to finish.
    pub observation: Option<Nanos>,
    /// Weekday of day 0 (Monday = 0).
    pub start_weekday: u8,
    /// Calendar date of day 0, as days from 1970-01-01, if the scenario gives one.
    pub start_date: Option<i64>,
    pub terminals: Vec<TerminalGroup>,
    pub gateway: StationSpec,
    /// Share of payments that are fraudulent (made with stolen cards), whether or not the
    /// risk engine is enabled to look for them.
    pub fraud_share: f64,
    /// Who bears chargebacks on fraud that was approved and settled.
    pub liability: Liability,
    /// `None` when the risk engine is disabled.
    pub risk: Option<RiskSpec>,
    pub channels: Vec<ChannelSpec>,
    pub issuers: Vec<IssuerSpec>,
    pub links: Links,
    pub settlement: SettlementSpec,
    pub strategy: StrategySpec,
    pub payout: PayoutSpec,
    /// The acquirer's merchant risk control; `None` when disabled.
    pub merchant_risk: Option<MerchantRiskSpec>,
    /// Routing by card: the channel (and backup) of each issuer's cards, indexed by issuer;
    /// `None` when the scenario has no routing table (a channel is then picked by weight).
    pub routing: Option<Vec<RouteSpec>>,
    /// Reconciliation; `None` when disabled (breaks then stay until something else ends them).
    pub reconciliation: Option<ReconSpec>,
    pub faults: Vec<FaultSpec>,
    /// Prices of running the design (`[costs]`); `None`: no cost metrics.
    pub costs: Option<costs::CostSpec>,
    /// `[fees]`: the merchant's discount, interchange and the scheme's fees; `None`: the
    /// merchant is paid the gross amount.
    pub fees: Option<fees::FeeSpec>,
    /// `[transactions]`: voids and refunds besides sales; `None`: only sales.
    pub transactions: Option<transactions::TransactionsSpec>,
    /// `[disputes]`: retrieval requests, chargebacks by reason, representment; `None`: a
    /// settled fraud is charged back when the merchant is credited, nothing else disputed.
    pub disputes: Option<disputes::DisputesSpec>,
    /// Upkeep strategies read during a run (autoscaling, support desk, Luhn check, review
    /// SLAs, store-and-forward tuning); all off by default.
    pub upkeep: strategies::upkeep::UpkeepSpec,
    /// `[expect]`: what `payfault check` holds the scenario to; `None` when it has none.
    pub expect: Option<expect::ExpectSpec>,
    /// What reading leaves to the layers above (`[expect]`, a percentile timeout): settled by
    /// `runner::prepare` before anything runs.
    pub pending: pending::Pending,
    /// The scenario text exactly as read (written beside the results of a run).
    pub source: String,
}

/// A pool of identical servers in front of one FIFO queue.
#[derive(Clone, Debug)]
pub struct StationSpec {
    pub id: String,
    pub servers: u32,
    /// Service time, nanoseconds.
    pub service: Dist,
}

#[derive(Clone, Debug)]
pub struct TerminalGroup {
    pub id: String,
    pub count: u32,
    /// Mean payments per second of the whole group, averaged over the day.
    pub rate: f64,
    /// Rate multiplier for each hour of the day (mean 1 over the day).
    pub hourly: [f64; 24],
    /// Extra multiplier inside a daily window `[start, end)` (times of day).
    pub peak: Option<(Nanos, Nanos, f64)>,
    /// Payment amount, minor units.
    pub amount: Dist,
    pub miskey_share: f64,
    /// The terminals' messages to the acquirer host (`messages`); `None`: as the channels',
    /// see [`Scenario::terminal_messages`].
    pub messages: Option<MessageFlow>,
    /// The acquirer's limits on each of the group's merchants (minor units): per sale, and
    /// approved per calendar day. Over either, the acquirer declines the sale with 61.
    pub sale_limit: Option<i64>,
    pub daily_limit: Option<i64>,
}

#[derive(Clone, Debug)]
pub struct RiskSpec {
    pub detection_rate: f64,
    pub false_positive_rate: f64,
    pub action: RiskAction,
    pub review_delay: Nanos,
}

/// Who bears a chargeback (fraud that was approved and settled, disputed by the real
/// cardholder): the refund to the cardholder is funded from that party's account.
/// `[risk] liability` in a scenario: `"merchant"`, `"acquirer"` or `"issuer"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Liability {
    /// The merchant is debited (credited, then charged back).
    #[default]
    Merchant,
    /// The acquirer absorbs the loss.
    Acquirer,
    /// The issuer absorbs the loss (for example under the chip liability shift).
    Issuer,
}

impl Liability {
    pub fn name(self) -> &'static str {
        match self {
            Liability::Merchant => "merchant",
            Liability::Acquirer => "acquirer",
            Liability::Issuer => "issuer",
        }
    }
}

/// What reconciliation compares. `source` of `[reconciliation]`: `"records"` or
/// `"scheme_file"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReconSource {
    /// Every party's records: the terminals', the acquirer's, the channels' and the issuers'.
    #[default]
    Records,
    /// The acquirer's records against the scheme's (channel's) daily file: what the network
    /// cleared or posted. A hold on a dual-message network that nobody presented is not in
    /// the file: such a break is not found (the hold lapses at the issuer's expiry).
    SchemeFile,
}

/// How a channel carries a payment. `flow` of a `[[channels]]` entry: `"dual"` or `"single"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageFlow {
    /// 0100/0110 authorisation places a hold; the clearing presentment posts it.
    #[default]
    Dual,
    /// 0200/0210 financial message: the issuer posts the debit at once (domestic debit, China
    /// UnionPay POS). A reversal after that is a refund; nothing lapses.
    Single,
}

/// The response codes a channel answers with. `codes` of a `[[channels]]` entry: `"iso"` or
/// `"unionpay"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CodeSet {
    /// ISO 8583: 91 when the issuer does not answer the switch in time.
    #[default]
    Iso,
    /// China UnionPay's table, where it differs from ISO 8583: 98 when the switch gets no
    /// answer from the issuer; 91 the issuer inoperative, 96 the switch's own malfunction.
    UnionPay,
}

/// Stand-in processing: when the issuer has not answered within the channel's
/// `issuer_timeout`, the channel approves on its behalf up to a limit and tells the issuer
/// later with an 0120 advice, repeated until acknowledged.
#[derive(Clone, Debug)]
pub struct StandInSpec {
    /// Largest amount the channel approves on the issuer's behalf, minor units.
    pub limit: i64,
    /// Interval between repeats of an unacknowledged advice.
    pub advice_interval: Nanos,
    /// Age after which an unacknowledged advice is given up.
    pub advice_expiry: Nanos,
}

#[derive(Clone, Debug)]
pub struct ChannelSpec {
    pub station: StationSpec,
    pub weight: f64,
    pub flow: MessageFlow,
    /// The response codes the channel answers with (`codes`).
    pub codes: CodeSet,
    /// Channel → issuer timeout: with no answer by then the channel stands in (if enabled and
    /// within its limit) or answers 91 and reverses the request towards the issuer. `None`:
    /// the channel waits for the issuer however long it takes.
    pub issuer_timeout: Option<Nanos>,
    pub stand_in: Option<StandInSpec>,
    /// `[channels.qr]`: the channel is a QR-code aggregator (payment notifications, status
    /// queries); `None`: a card channel.
    pub qr: Option<qr::QrSpec>,
}

/// The route of one issuer's cards (its BIN range) through the routing table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RouteSpec {
    /// Index of the primary channel.
    pub channel: usize,
    /// Index of the backup channel, used when the primary channel itself refuses a request
    /// (91 from the channel, not from the issuer behind it).
    pub backup: Option<usize>,
}

#[derive(Clone, Debug)]
pub struct AccountsSpec {
    pub count: u32,
    /// Opening balance, minor units.
    pub balance: Dist,
    pub frozen_share: f64,
    pub amount_limit: Option<i64>,
}

#[derive(Clone, Debug)]
pub struct IssuerSpec {
    pub station: StationSpec,
    pub share: f64,
    pub do_not_honour_share: f64,
    /// Of the payments this issuer sees, the shares declined 55 (wrong PIN) and 54 (expired
    /// card): the cardholder's own errors, before the account is looked at.
    pub wrong_pin_share: f64,
    pub expired_card_share: f64,
    pub hold_expiry: Nanos,
    pub accounts: AccountsSpec,
}

/// One network link: latency each way (drawn independently per message) and loss.
#[derive(Clone, Debug)]
pub struct LinkSpec {
    pub latency: Dist,
    pub loss: f64,
}

/// Every link of the topology, resolved from defaults and overrides.
#[derive(Clone, Debug)]
pub struct Links {
    /// Terminal group g <-> gateway.
    pub terminal: Vec<LinkSpec>,
    /// Gateway <-> channel c.
    pub gateway_channel: Vec<LinkSpec>,
    /// Channel c <-> issuer i, indexed `[c][i]`.
    pub channel_issuer: Vec<Vec<LinkSpec>>,
}

#[derive(Clone, Debug)]
pub struct SettlementSpec {
    /// Clearing cut-off, time of day.
    pub cutoff: Nanos,
    /// T+N: business days between the cut-off and the credit.
    pub lag_days: u32,
    /// Time of day the merchant is credited.
    pub credit_time: Nanos,
    /// Business days, Monday = index 0.
    pub business_days: [bool; 7],
    /// Days (counted from day 0) that are not business days whatever their weekday: sorted,
    /// without duplicates.
    pub holidays: Vec<u64>,
    /// Days (counted from day 0) that are business days whatever their weekday: sorted,
    /// without duplicates, none of them a holiday.
    pub extra_business_days: Vec<u64>,
    /// Days (counted from day 0) on which the settlement bank is down: credits due that day
    /// move to the next business day it is up. Sorted, without duplicates.
    pub bank_down: Vec<u64>,
    /// Chance that a cut-off's clearing file is rejected by the channel: it is resubmitted
    /// with the next cut-off's file.
    pub file_reject_share: f64,
    /// Chance that a cut-off's clearing file is late: it misses the cut-off and is presented
    /// at the next business day's.
    pub file_late_share: f64,
    /// Days (counted from day 0) whose clearing file is rejected whatever the chance. Sorted,
    /// without duplicates.
    pub file_rejected: Vec<u64>,
    /// Each terminal's day-end batch settlement (批结算) against the host's records, at every
    /// cut-off.
    pub pos_batch: bool,
    /// After a batch that did not balance, the terminal uploads its sales (批上送) and the host
    /// reverses the approvals the till never showed, before clearing.
    pub pos_batch_upload: bool,
}

/// The payout to the merchant's settlement account: the last mile.
#[derive(Clone, Debug)]
pub struct PayoutSpec {
    /// Share of merchants whose settlement account details are wrong (a wrong or closed card):
    /// their payouts are returned and wait in suspense until they correct them.
    pub wrong_account_share: f64,
    /// The share of those wrong details that account verification at onboarding catches
    /// (the merchant corrects them before any payout); 0: no verification.
    pub account_verification: f64,
    /// How long a payout to a wrong account takes to come back (on the payout rail
    /// meanwhile); `None`: returned at once.
    pub return_delay: Option<Dist>,
    /// How long a merchant takes to notice and correct wrong details; the returned payout is
    /// then paid again.
    pub correction_delay: Nanos,
    pub schedule: PayoutSchedule,
    /// D+0 only: the most one merchant is paid instantly per calendar day, minor units; sales
    /// beyond it wait for the normal settlement. `None`: no cap.
    pub d0_daily_cap: Option<i64>,
    /// The receiving bank's daily maintenance windows `[start, end)` (times of day; `end` may
    /// be earlier than `start` for a window across midnight): a payout due inside one is made
    /// when it ends.
    pub bank_maintenance: Vec<(Nanos, Nanos)>,
    /// By when the payout with the settlement keeps its promise (on time vs late): T+N by
    /// default, from `settlement.promise_days`, by the end of the day.
    pub promise: promise::Promise,
    /// By when a D+0 advance keeps its promise (D+0 by the end of the day by default).
    pub d0_promise: promise::Promise,
    /// The payout channel (代付) the payouts go through; `None`: they reach the bank at once.
    pub channel: Option<payout_channel::PayoutChannelSpec>,
    /// The share of merchants paid into a personal Class II account, whose bank returns the
    /// inflows of a calendar day beyond `personal_daily_cap` (minor units).
    pub personal_account_share: f64,
    pub personal_daily_cap: i64,
    /// The share of merchants paid into a personal Class III account (after the Class II
    /// share, from the same draw), and that account's daily inflow cap (minor units).
    pub class3_account_share: f64,
    pub class3_daily_cap: i64,
}

impl PayoutSpec {
    /// Whether some merchants are paid into capped personal accounts (Class II or III).
    pub fn personal_accounts(&self) -> bool {
        self.personal_account_share > 0.0 || self.class3_account_share > 0.0
    }
}

/// When the acquirer pays a merchant. `[payout] schedule`: `"t1"`, `"d0"` or `"d1"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PayoutSchedule {
    /// With the interbank settlement, T+N business days after the cut-off (the usual default).
    #[default]
    T1,
    /// D+0 instant payout: the acquirer advances the money as soon as it sees the approval
    /// (up to the daily cap), and recovers it at settlement.
    D0,
    /// D+1: the acquirer advances the money at the credit time of the next natural day,
    /// weekends and holidays included (up to the daily cap), and recovers it at settlement.
    D1,
}

impl PayoutSchedule {
    /// Whether the acquirer advances payouts from its own funds (D+0, D+1).
    pub fn advances(self) -> bool {
        matches!(self, PayoutSchedule::D0 | PayoutSchedule::D1)
    }
}

/// The acquirer's merchant risk control: rules that hold a merchant's payout for review.
#[derive(Clone, Debug)]
pub struct MerchantRiskSpec {
    /// A sale of at least this amount (minor units) has its payout held.
    pub large_sale: Option<i64>,
    /// Sales inside this daily window `[start, end)` (times of day, may wrap midnight) have
    /// their payouts held.
    pub night: Option<(Nanos, Nanos)>,
    /// A merchant's sales beyond this many in one calendar day have their payouts held.
    pub daily_count: Option<u32>,
    /// Share of merchants a misfiring rule holds entirely (every payout held).
    pub misfire_share: f64,
    /// How long a review takes, nanoseconds. After it a fraudulent sale is refunded to the
    /// cardholder and any other is paid to the merchant.
    pub review_time: Dist,
}

/// Reconciliation: a scheduled comparison of the acquirer's, the channels' and the issuers'
/// records and the suspense account. A break is found by the first run at least
/// `detection_delay` after it arose, and repaired `repair_time` after it was found.
#[derive(Clone, Debug)]
pub struct ReconSpec {
    /// Time of day of the first run.
    pub at: Nanos,
    /// Time between runs.
    pub interval: Nanos,
    /// How old a break must be before a run sees it (the records' lag).
    pub detection_delay: Nanos,
    /// From finding a break to its repair (credit the merchant, or refund the cardholder).
    pub repair_time: Nanos,
    /// What the runs compare.
    pub source: ReconSource,
}

#[derive(Clone, Debug)]
pub struct ReversalSpec {
    /// The most reversal messages a terminal sends when `until` is `Attempts`.
    pub attempts: u32,
    pub interval: Nanos,
    pub until: ReversalUntil,
}

/// How long a terminal keeps a pending reversal. `[strategy.reversal] until`:
/// `"acknowledged"` (the default) or `"attempts"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReversalUntil {
    /// A terminal built to the usual specifications: it writes the pending reversal before it
    /// sends the sale, and sends it every `interval` (after a restart too) until acknowledged.
    #[default]
    Acknowledged,
    /// An old terminal: it gives up after `attempts` messages.
    Attempts,
}

#[derive(Clone, Debug)]
pub struct StrategySpec {
    pub terminal_timeout: Nanos,
    /// Acquirer → channel timeout: with no answer by then the acquirer answers the terminal
    /// 91, reverses towards the issuer (store-and-forward), and refuses a later response with
    /// 68. `None`: the acquirer waits however long it takes.
    pub acquirer_timeout: Option<Nanos>,
    /// `None` when reversals are disabled.
    pub reversal: Option<ReversalSpec>,
    /// The acquirer host's store-and-forward of reversals; `None` when disabled (the terminal's
    /// reversal then travels end to end).
    pub saf: Option<SafSpec>,
    /// Failover, announced maintenance, circuit breakers, bulkheads, load shedding.
    pub guard: strategies::guard::GuardSpec,
    /// Request retries (`RetryLayer::None` when off), idempotency keys (`None`: retries carry
    /// no key) and the cardholder who pays again (see `strategies::retry`).
    pub retry: strategies::retry::RetrySpec,
    pub idempotency: Option<strategies::retry::IdempotencySpec>,
    pub cardholder: strategies::retry::CardholderSpec,
}

/// Store-and-forward: the acquirer host acknowledges the terminal's reversal at once and
/// repeats it (0420, then 0421) towards the issuer until acknowledged or expired.
#[derive(Clone, Debug)]
pub struct SafSpec {
    pub interval: Nanos,
    pub expiry: Nanos,
}

/// A component that faults can target and that reports queue metrics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Component {
    Gateway,
    Channel(usize),
    Issuer(usize),
}

/// A description in `lang`: the Chinese text when `lang` is Chinese and there is one (not
/// blank), else the English.
pub fn described<'a>(en: &'a str, zh: Option<&'a str>, lang: crate::i18n::Lang) -> &'a str {
    match zh {
        Some(zh) if lang == crate::i18n::Lang::Zh && !zh.trim().is_empty() => zh,
        _ => en,
    }
}

impl Scenario {
    /// The description in `lang` (`description_zh` in Chinese, falling back to `description`).
    pub fn description_in(&self, lang: crate::i18n::Lang) -> &str {
        described(&self.description, self.description_zh.as_deref(), lang)
    }

    /// Mean payments per second over the traffic window, all groups together.
    pub fn mean_arrival_rate(&self) -> f64 {
        self.terminals.iter().map(|g| g.rate).sum()
    }

    /// Every queueing station, in report order: gateway, channels, issuers.
    pub fn stations(&self) -> Vec<&StationSpec> {
        let mut v = vec![&self.gateway];
        v.extend(self.channels.iter().map(|c| &c.station));
        v.extend(self.issuers.iter().map(|i| &i.station));
        v
    }

    /// The messages terminal group `g` sends its host: its `messages`, else single (0200/0210)
    /// when every channel is single-message, else dual (0100/0110).
    pub fn terminal_messages(&self, g: usize) -> MessageFlow {
        match self.terminals.get(g).and_then(|t| t.messages) {
            Some(m) => m,
            None if self.channels.iter().all(|c| c.flow == MessageFlow::Single) => {
                MessageFlow::Single
            }
            None => MessageFlow::Dual,
        }
    }
}

/// Parses and validates scenario text, its `[[variant]]` designs included (a file with a bad
/// design is refused wherever it is read). `file` names the source in messages.
pub fn parse(src: &str, file: &str, limits: &Limits) -> Result<Scenario, ScenarioError> {
    variants::parse_variants(src, file, limits).map(|v| v.base)
}

/// Parses and validates scenario text, ignoring its `[[variant]]` blocks.
pub(crate) fn parse_base(
    src: &str,
    file: &str,
    limits: &Limits,
) -> Result<Scenario, ScenarioError> {
    let de = toml::Deserializer::parse(src).map_err(|e| {
        let mut msg = error::enrich_syntax_message(e.message(), src, e.span());
        let span = e.span().or_else(|| {
            msg.push_str(
                " (tables, arrays and dotted keys are nested too deeply; scenarios need only a few \
                 levels)",
            );
            error::deepest_line(src)
        });
        Diagnostic::new(file, src, span, "", &msg).into_error()
    })?;
    let raw: raw::RawScenario = serde_path_to_error::deserialize(de).map_err(|e| {
        // `Spanned<T>` fields add an internal segment to the path; users never wrote it.
        let path = e
            .path()
            .to_string()
            .replace(".$__serde_spanned_private_value", "");
        let inner = e.into_inner();
        let field = if path == "." { String::new() } else { path };
        let mut msg = error::enrich_serde_message(inner.message());
        // Errors the reader raises without a place (nesting too deep): point at the most
        // deeply nested line.
        let span = inner.span().or_else(|| {
            msg.push_str(
                " (tables, arrays and dotted keys are nested too deeply; scenarios need only a few \
                 levels)",
            );
            error::deepest_line(src)
        });
        Diagnostic::new(file, src, span, &field, &msg).into_error()
    })?;
    validate::validate(raw, file, src, limits)
}

/// Largest scenario file accepted, so a stray multi-gigabyte file is refused, not read.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Reads, parses and validates a scenario file.
pub fn load(path: &Path, limits: &Limits) -> Result<Scenario, ScenarioError> {
    let src = read_source(path)?;
    parse(&src, &path.display().to_string(), limits)
}

/// Reads a scenario file's text: refused if missing, a folder, too large or not UTF-8.
///
/// A path that does not exist but names a built-in scenario (`outage`, `outage.toml`) reads
/// that scenario's text (see [`library`]).
pub fn read_source(path: &Path) -> Result<String, ScenarioError> {
    let file = path.display().to_string();
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(source) => {
            if source.kind() == std::io::ErrorKind::NotFound {
                if let Some(b) = library::find(&file) {
                    return Ok(b.source.to_owned());
                }
                let stem = file.strip_suffix(".toml").unwrap_or(&file);
                let hint = error::did_you_mean(stem, &library::names());
                return Err(ScenarioError::Read {
                    path: path.to_owned(),
                    source: std::io::Error::new(
                        source.kind(),
                        format!(
                            "{source}, and no built-in scenario has that name{hint} \
                             (`payfault list` shows them)"
                        ),
                    ),
                });
            }
            return Err(ScenarioError::Read {
                path: path.to_owned(),
                source,
            });
        }
    };
    if meta.is_dir() {
        return Err(ScenarioError::Read {
            path: path.to_owned(),
            source: std::io::Error::other("is a directory, not a scenario file"),
        });
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(ScenarioError::Read {
            path: path.to_owned(),
            source: std::io::Error::other(format!(
                "file is {} bytes; scenario files are limited to {MAX_FILE_BYTES}",
                meta.len()
            )),
        });
    }
    let bytes = read_bounded(path)?;
    let src = match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let prefix = String::from_utf8_lossy(&e.as_bytes()[..valid]).into_owned();
            let line = prefix.matches('\n').count() + 1;
            let col = prefix.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            let mut d = Diagnostic::new(
                &file,
                "",
                None,
                "",
                &format!(
                    "the file is not valid UTF-8 (byte {valid}); scenario files must be UTF-8 text"
                ),
            );
            d.location = Some((line, col));
            return Err(d.into_error());
        }
    };
    Ok(src)
}

/// The bytes of `path`, reading at most [`MAX_FILE_BYTES`] (and one more to know): the size
/// a file claims is not trusted, so `/dev/zero`, a pipe or a file that grows are refused
/// after the limit, not read until memory fails.
fn read_bounded(path: &Path) -> Result<Vec<u8>, ScenarioError> {
    use std::io::Read;
    let fail = |source| ScenarioError::Read {
        path: path.to_owned(),
        source,
    };
    let file = std::fs::File::open(path).map_err(fail)?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(fail)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(fail(std::io::Error::other(format!(
            "more than {MAX_FILE_BYTES} bytes ({} MiB); scenario files are limited to \
             {MAX_FILE_BYTES} bytes",
            MAX_FILE_BYTES >> 20
        ))));
    }
    Ok(bytes)
}

/// The built-in baseline scenario.
pub fn baseline() -> Scenario {
    parse(BASELINE, "<built-in baseline>", &Limits::default())
        .expect("the built-in baseline scenario is valid (tested)")
}

//! Scenario files: the TOML schema (`raw`), its units and distributions, validation into the
//! typed [`Scenario`] the model runs, and the errors a user sees when a file is wrong.
//!
//! The field-by-field reference with defaults and units is `docs/scenarios.md`.

pub mod calendar;
pub mod capacity;
mod check;
pub mod date;
pub mod dist;
pub mod error;
pub mod limits;
pub mod raw;
pub mod units;
mod validate;

pub use dist::Dist;
pub use error::{Diagnostic, ScenarioError};
pub use limits::Limits;
pub use raw::{OutageMode, RiskAction};

use crate::engine::Nanos;
use std::path::Path;

/// The built-in default scenario (also shipped as `scenarios/baseline.toml`).
pub const BASELINE: &str = include_str!("../../scenarios/baseline.toml");

/// A validated scenario: every id resolved, every value in range, every unit converted.
#[derive(Clone, Debug)]
pub struct Scenario {
    pub name: String,
    pub description: String,
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
    /// `None` when the risk engine is disabled.
    pub risk: Option<RiskSpec>,
    pub channels: Vec<ChannelSpec>,
    pub issuers: Vec<IssuerSpec>,
    pub links: Links,
    pub settlement: SettlementSpec,
    pub strategy: StrategySpec,
    pub payout: PayoutSpec,
    pub faults: Vec<FaultSpec>,
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
}

#[derive(Clone, Debug)]
pub struct RiskSpec {
    pub detection_rate: f64,
    pub false_positive_rate: f64,
    pub action: RiskAction,
    pub review_delay: Nanos,
}

#[derive(Clone, Debug)]
pub struct ChannelSpec {
    pub station: StationSpec,
    pub weight: f64,
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
    /// T+N the acquirer promises merchants (on time vs late).
    pub promise_days: u32,
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
}

/// The payout to the merchant's settlement account: the last mile.
#[derive(Clone, Debug)]
pub struct PayoutSpec {
    /// Share of merchants whose settlement account details are wrong (a wrong or closed card):
    /// their payouts are returned and wait in suspense until they correct them.
    pub wrong_account_share: f64,
    /// How long a merchant takes to notice and correct wrong details; the returned payout is
    /// then paid again.
    pub correction_delay: Nanos,
}

#[derive(Clone, Debug)]
pub struct ReversalSpec {
    pub attempts: u32,
    pub interval: Nanos,
}

#[derive(Clone, Debug)]
pub struct StrategySpec {
    pub terminal_timeout: Nanos,
    /// `None` when reversals are disabled.
    pub reversal: Option<ReversalSpec>,
    /// The acquirer host's store-and-forward of reversals; `None` when disabled (the terminal's
    /// reversal then travels end to end).
    pub saf: Option<SafSpec>,
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

#[derive(Clone, Debug)]
pub struct FaultSpec {
    pub target: Component,
    pub start: Nanos,
    pub end: Nanos,
    pub mode: OutageMode,
}

impl Scenario {
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
}

/// Parses and validates scenario text. `file` names the source in messages.
pub fn parse(src: &str, file: &str, limits: &Limits) -> Result<Scenario, ScenarioError> {
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
    let file = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|source| ScenarioError::Read {
        path: path.to_owned(),
        source,
    })?;
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
    let bytes = std::fs::read(path).map_err(|source| ScenarioError::Read {
        path: path.to_owned(),
        source,
    })?;
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
    parse(&src, &file, limits)
}

/// The built-in baseline scenario.
pub fn baseline() -> Scenario {
    parse(BASELINE, "<built-in baseline>", &Limits::default())
        .expect("the built-in baseline scenario is valid (tested)")
}

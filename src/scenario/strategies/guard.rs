//! Guards of the acquirer and the channels (see `super`): failover driven by refusals, health
//! checks or observed failures; announced maintenance routed around; circuit breakers per hop;
//! bulkheads per channel and issuer; load shedding of requests whose terminal gave up.
//!
//! The raw tables (`[strategy.failover]`, `[strategy.breaker]`, `[strategy.shedding]`, the
//! `bulkhead` of a channel or issuer, the `announced` flag of an outage fault) are read here
//! and validated into [`GuardSpec`]. Defaults: docs/scenarios.md, `[strategy.failover]` and
//! what follows.

use crate::engine::{Nanos, SECOND};
use crate::scenario::check::Ctx;
use crate::scenario::error::ScenarioError;
use crate::scenario::raw::{FaultKind, RawFault};
use crate::scenario::units::{Duration, Probability};
use crate::scenario::{Component, FaultSpec, FaultTarget, RouteSpec};
use serde::Deserialize;
use toml::Spanned;

/// How the acquirer decides to send a card's requests to its route's backup channel.
#[derive(Deserialize, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum FailoverMode {
    /// Never: the backup channel of a route is not used.
    None,
    /// Re-send a request to the backup when the primary channel itself refuses it (91/96).
    #[default]
    Refusal,
    /// As `refusal`, and echo (0800) each channel every `echo_interval`: a channel that misses
    /// `down_after` echoes in a row is marked down (its cards go to their backup) until
    /// `up_after` echoes in a row succeed.
    HealthCheck,
    /// As `refusal`, and mark a channel down after `down_after` consecutive failures of real
    /// requests (a timeout, or 91/96 from the channel itself); one request probes it again
    /// every `probe_after`.
    Observed,
}

impl FailoverMode {
    pub fn name(self) -> &'static str {
        match self {
            FailoverMode::None => "none",
            FailoverMode::Refusal => "refusal",
            FailoverMode::HealthCheck => "health_check",
            FailoverMode::Observed => "observed",
        }
    }
}

/// `[strategy.failover]` as written.
#[derive(Deserialize, Debug, Clone)]
#[serde(default, deny_unknown_fields)]
pub struct RawFailover {
    pub mode: Spanned<FailoverMode>,
    pub echo_interval: Spanned<Duration>,
    pub echo_timeout: Spanned<Duration>,
    pub down_after: Spanned<u64>,
    pub up_after: Spanned<u64>,
    pub probe_after: Spanned<Duration>,
    pub announced: bool,
}

impl Default for RawFailover {
    fn default() -> Self {
        RawFailover {
            mode: Spanned::new(0..0, FailoverMode::Refusal),
            echo_interval: Spanned::new(0..0, Duration(30 * SECOND)),
            echo_timeout: Spanned::new(0..0, Duration(5 * SECOND)),
            down_after: Spanned::new(0..0, 3),
            up_after: Spanned::new(0..0, 2),
            probe_after: Spanned::new(0..0, Duration(30 * SECOND)),
            announced: true,
        }
    }
}

/// Where circuit breakers sit.
#[derive(Deserialize, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum BreakerAt {
    /// At the acquirer, one per channel.
    #[default]
    Acquirer,
    /// At each channel, one per issuer behind it.
    Channel,
    Both,
}

/// `[strategy.breaker]` as written (defaults: resilience4j's, except the window and minimum
/// calls, which are its defaults of 100 calls and 100 minimum lowered to 20).
#[derive(Deserialize, Debug, Clone)]
#[serde(default, deny_unknown_fields)]
pub struct RawBreaker {
    pub enabled: bool,
    pub at: BreakerAt,
    pub failure_rate: Spanned<Probability>,
    pub window: Spanned<u64>,
    pub min_calls: Spanned<u64>,
    pub open_for: Spanned<Duration>,
    pub half_open_calls: Spanned<u64>,
}

impl Default for RawBreaker {
    fn default() -> Self {
        RawBreaker {
            enabled: false,
            at: BreakerAt::Acquirer,
            failure_rate: Spanned::new(0..0, Probability(0.5)),
            window: Spanned::new(0..0, 100),
            min_calls: Spanned::new(0..0, 20),
            open_for: Spanned::new(0..0, Duration(60 * SECOND)),
            half_open_calls: Spanned::new(0..0, 10),
        }
    }
}

/// `[strategy.shedding]` as written.
#[derive(Deserialize, Debug, Clone, Default)]
#[serde(default, deny_unknown_fields)]
pub struct RawShedding {
    pub enabled: bool,
}

/// Failover settings, validated.
#[derive(Clone, Debug, PartialEq)]
pub struct FailoverSpec {
    pub mode: FailoverMode,
    pub echo_interval: Nanos,
    pub echo_timeout: Nanos,
    pub down_after: u32,
    pub up_after: u32,
    pub probe_after: Nanos,
    /// Route around outages announced in advance.
    pub announced: bool,
}

/// A circuit breaker's settings, validated.
#[derive(Clone, Debug, PartialEq)]
pub struct BreakerSpec {
    pub at: BreakerAt,
    pub failure_rate: f64,
    pub window: u32,
    pub min_calls: u32,
    pub open_for: Nanos,
    pub half_open_calls: u32,
}

impl BreakerSpec {
    pub fn at_acquirer(&self) -> bool {
        matches!(self.at, BreakerAt::Acquirer | BreakerAt::Both)
    }
    pub fn at_channel(&self) -> bool {
        matches!(self.at, BreakerAt::Channel | BreakerAt::Both)
    }
}

/// Every guard of a scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct GuardSpec {
    pub failover: FailoverSpec,
    /// `None` when circuit breakers are off.
    pub breaker: Option<BreakerSpec>,
    pub shedding: bool,
    /// Per channel: the most requests in flight from the acquirer to it (`None`: no limit).
    pub channel_bulkhead: Vec<Option<u32>>,
    /// Per issuer: the most requests in flight from the channels to it.
    pub issuer_bulkhead: Vec<Option<u32>>,
    /// Outage faults announced in advance: (fault index, channel index).
    pub announced: Vec<(usize, usize)>,
}

impl GuardSpec {
    /// The guards that change nothing (today's behaviour: failover on refusal only).
    pub fn off(channels: usize, issuers: usize) -> Self {
        GuardSpec {
            failover: FailoverSpec {
                mode: FailoverMode::Refusal,
                echo_interval: 30 * SECOND,
                echo_timeout: 5 * SECOND,
                down_after: 3,
                up_after: 2,
                probe_after: 30 * SECOND,
                announced: true,
            },
            breaker: None,
            shedding: false,
            channel_bulkhead: vec![None; channels],
            issuer_bulkhead: vec![None; issuers],
            announced: vec![],
        }
    }

    /// Whether any guard acts during a run (beyond failover on refusal, which the gateway
    /// does itself). When false, the journey never calls into the guards.
    pub fn active(&self) -> bool {
        matches!(
            self.failover.mode,
            FailoverMode::HealthCheck | FailoverMode::Observed
        ) || self.breaker.is_some()
            || self.shedding
            || self.channel_bulkhead.iter().any(Option::is_some)
            || self.issuer_bulkhead.iter().any(Option::is_some)
            || (self.failover.announced && !self.announced.is_empty())
    }
}

fn duration_pos(cx: &Ctx, d: &Spanned<Duration>, field: &str) -> Result<Nanos, ScenarioError> {
    let v = d.get_ref().0;
    if v == 0 {
        return Err(cx.err(d.span(), field, "must be longer than zero, e.g. \"30s\""));
    }
    Ok(v)
}

/// Validates the guards. `chan_bulkheads` and `iss_bulkheads` are the `bulkhead` fields of the
/// `[[channels]]` and `[[issuers]]` entries in order.
#[allow(clippy::too_many_arguments)]
pub(in crate::scenario) fn validate(
    cx: &Ctx,
    failover: &RawFailover,
    breaker: &RawBreaker,
    shedding: &RawShedding,
    chan_bulkheads: &[Option<&Spanned<u64>>],
    iss_bulkheads: &[Option<&Spanned<u64>>],
    raw_faults: &[RawFault],
    faults: &[FaultSpec],
    routing: Option<&Vec<RouteSpec>>,
) -> Result<GuardSpec, ScenarioError> {
    let failover = failover_spec(cx, failover, routing)?;
    let breaker = breaker_spec(cx, breaker)?;
    let channel_bulkhead = bulkheads(cx, chan_bulkheads, "channels")?;
    let issuer_bulkhead = bulkheads(cx, iss_bulkheads, "issuers")?;
    let announced = announced(cx, raw_faults, faults)?;
    Ok(GuardSpec {
        failover,
        breaker,
        shedding: shedding.enabled,
        channel_bulkhead,
        issuer_bulkhead,
        announced,
    })
}

/// `[strategy.failover]`: the mode, the echoes, the thresholds and the probes.
fn failover_spec(
    cx: &Ctx,
    f: &RawFailover,
    routing: Option<&Vec<RouteSpec>>,
) -> Result<FailoverSpec, ScenarioError> {
    let mode = *f.mode.get_ref();
    let echo_interval = duration_pos(cx, &f.echo_interval, "strategy.failover.echo_interval")?;
    let echo_interval = cx.period(
        f.echo_interval.span(),
        "strategy.failover.echo_interval",
        echo_interval,
        SECOND,
        "the time between two echoes of a channel",
    )?;
    let echo_timeout = duration_pos(cx, &f.echo_timeout, "strategy.failover.echo_timeout")?;
    if echo_timeout > echo_interval {
        return Err(cx.err(
            f.echo_timeout.span(),
            "strategy.failover.echo_timeout",
            format!(
                "{} s is longer than strategy.failover.echo_interval ({} s); the echo timeout \
                 must not be longer than the interval (an echo is judged before the next is sent)",
                echo_timeout as f64 / 1e9,
                echo_interval as f64 / 1e9
            ),
        ));
    }
    let down_after = cx.count(
        &f.down_after,
        "strategy.failover.down_after",
        1,
        1000,
        false,
    )?;
    let up_after = cx.count(&f.up_after, "strategy.failover.up_after", 1, 1000, false)?;
    let probe_after = duration_pos(cx, &f.probe_after, "strategy.failover.probe_after")?;
    let probe_after = cx.period(
        f.probe_after.span(),
        "strategy.failover.probe_after",
        probe_after,
        100 * crate::engine::SECOND / 1000,
        "the time between two probes of a channel marked down",
    )?;
    if matches!(mode, FailoverMode::HealthCheck | FailoverMode::Observed)
        && !routing.is_some_and(|r| r.iter().any(|r| r.backup.is_some()))
    {
        return Err(cx.err(
            f.mode.span(),
            "strategy.failover.mode",
            format!(
                "mode \"{}\" moves cards to their route's backup channel, but no [[routing]] \
                 entry has a `backup`; add one (e.g. backup = \"other-channel\") or use mode \
                 \"refusal\"",
                mode.name()
            ),
        ));
    }
    Ok(FailoverSpec {
        mode,
        echo_interval,
        echo_timeout,
        down_after: down_after as u32,
        up_after: up_after as u32,
        probe_after,
        announced: f.announced,
    })
}

/// `[strategy.breaker]`: `None` when disabled.
fn breaker_spec(cx: &Ctx, b: &RawBreaker) -> Result<Option<BreakerSpec>, ScenarioError> {
    if !b.enabled {
        return Ok(None);
    }
    let rate = b.failure_rate.get_ref().0;
    if rate <= 0.0 {
        return Err(cx.err(
            b.failure_rate.span(),
            "strategy.breaker.failure_rate",
            "must be above 0 and at most 1 (the share of failed calls that opens the \
             breaker, e.g. 0.5)",
        ));
    }
    let window = cx.count(&b.window, "strategy.breaker.window", 1, 100_000, false)? as u32;
    let min_calls = cx.count(
        &b.min_calls,
        "strategy.breaker.min_calls",
        1,
        100_000,
        false,
    )?;
    if min_calls > window as u64 {
        return Err(cx.err(
            b.min_calls.span(),
            "strategy.breaker.min_calls",
            format!(
                "{min_calls} is more than strategy.breaker.window ({window}): the breaker \
                 could never open"
            ),
        ));
    }
    Ok(Some(BreakerSpec {
        at: b.at,
        failure_rate: rate,
        window,
        min_calls: min_calls as u32,
        open_for: duration_pos(cx, &b.open_for, "strategy.breaker.open_for")?,
        half_open_calls: cx.count(
            &b.half_open_calls,
            "strategy.breaker.half_open_calls",
            1,
            100_000,
            false,
        )? as u32,
    }))
}

/// The `bulkhead` of each channel or issuer (`what`), in order.
fn bulkheads(
    cx: &Ctx,
    v: &[Option<&Spanned<u64>>],
    what: &str,
) -> Result<Vec<Option<u32>>, ScenarioError> {
    v.iter()
        .enumerate()
        .map(|(i, b)| match b {
            None => Ok(None),
            Some(b) => cx
                .count(b, &format!("{what}[{i}].bulkhead"), 1, 1_000_000, false)
                .map(|n| Some(n as u32)),
        })
        .collect()
}

/// The outages announced in advance: (fault index, channel index). Only an outage of a
/// channel at a known time can be announced.
fn announced(
    cx: &Ctx,
    raw_faults: &[RawFault],
    faults: &[FaultSpec],
) -> Result<Vec<(usize, usize)>, ScenarioError> {
    let mut announced = vec![];
    for (k, (rf, spec)) in raw_faults.iter().zip(faults).enumerate() {
        let Some(a) = &rf.announced else { continue };
        let field = format!("faults[{k}].announced");
        let channel = match (&spec.kind, &spec.target) {
            (FaultKind::Outage, FaultTarget::Station(Component::Channel(c))) => *c,
            _ => {
                return Err(cx.err(
                    a.span(),
                    &field,
                    "only an outage fault of a channel can be announced (the acquirer routes \
                     that channel's cards to their backup during it)",
                ));
            }
        };
        if rf.mtbf.is_some() || rf.detection.is_some() || rf.repair.is_some() {
            return Err(cx.err(
                a.span(),
                &field,
                "an announced outage needs a known time: give `start` and `duration` (and \
                 `repeat` for a recurring window), not mtbf or detection/repair",
            ));
        }
        if *a.get_ref() {
            announced.push((k, channel));
        }
    }
    Ok(announced)
}

//! Upkeep strategies: capacity and autoscaling, monitoring and repair of incidents, the support
//! desk, terminal fleet upkeep, input validation (Luhn), risk-engine tuning (a threshold on a
//! binormal ROC curve), review SLAs, and store-and-forward tuning. Each is off by default; the
//! fields are documented in `docs/scenarios.md` ("Upkeep strategies").
//!
//! Some are applied once, at validation (monitoring and fleet upkeep change the faults'
//! timings and parameters; the risk threshold gives the risk engine's two rates); the others
//! are read by the model each run ([`UpkeepSpec`], see `model::remedies::upkeep`).

use super::super::check::Ctx;
use super::super::dist::DurationDist;
use super::super::error::ScenarioError;
use super::super::faults::{FaultEffect, FaultSpec, Length};
use super::super::raw::{FaultKind, RawFault, RawRisk, RawSaf};
use super::super::units::{Duration, Probability};
use super::super::{Dist, Limits};
use crate::engine::dist::std_normal_quantile;
use crate::engine::{DAY, HOUR, MINUTE, Nanos};
use serde::Deserialize;
use toml::Spanned;

// ---------------------------------------------------------------------------------------------
// The fields as written.

/// `autoscale = { ... }` of the gateway, a channel or an issuer.
#[derive(Deserialize, Debug, Clone)]
#[serde(default, deny_unknown_fields)]
pub struct RawAutoscale {
    pub enabled: bool,
    /// Most servers the station may have; default twice its base `servers`.
    pub max: Option<Spanned<u64>>,
    pub step: Spanned<u64>,
    pub above: Spanned<f64>,
    pub below: Spanned<f64>,
    pub check: Spanned<Duration>,
    pub delay: Duration,
}

impl Default for RawAutoscale {
    fn default() -> Self {
        RawAutoscale {
            enabled: true,
            max: None,
            step: Spanned::new(0..0, 4),
            above: Spanned::new(0..0, 0.8),
            below: Spanned::new(0..0, 0.3),
            check: Spanned::new(0..0, Duration(MINUTE)),
            delay: Duration(5 * MINUTE),
        }
    }
}

/// `[strategy.monitoring]`: how incidents that last "until repaired" are noticed and fixed.
#[derive(Deserialize, Debug, Clone)]
#[serde(default, deny_unknown_fields)]
pub struct RawMonitoring {
    pub enabled: bool,
    pub detection: Duration,
    pub repair: DurationDist,
}

impl Default for RawMonitoring {
    fn default() -> Self {
        RawMonitoring {
            enabled: true,
            detection: Duration(15 * MINUTE),
            repair: DurationDist::new(Dist::Constant(2.0 * HOUR as f64)),
        }
    }
}

/// `[strategy.fleet]`: terminal software roll-out and hardware maintenance.
#[derive(Deserialize, Debug, Clone)]
#[serde(default, deny_unknown_fields)]
pub struct RawFleet {
    pub enabled: bool,
    pub update_rollout: Option<Spanned<DurationDist>>,
    pub maintenance_factor: Option<Spanned<f64>>,
}

impl Default for RawFleet {
    fn default() -> Self {
        RawFleet {
            enabled: true,
            update_rollout: None,
            maintenance_factor: None,
        }
    }
}

/// `[support]`: the acquirer's merchant support desk.
#[derive(Deserialize, Debug, Clone)]
#[serde(default, deny_unknown_fields)]
pub struct RawSupport {
    pub enabled: bool,
    pub response_time: Spanned<Duration>,
}

impl Default for RawSupport {
    fn default() -> Self {
        RawSupport {
            enabled: false,
            response_time: Spanned::new(0..0, Duration(4 * HOUR)),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The validated settings the model reads.

/// Autoscaling of one station.
#[derive(Clone, Debug, PartialEq)]
pub struct AutoscaleSpec {
    /// Base servers (the station's `servers`) and the most it may have.
    pub base: u32,
    pub max: u32,
    pub step: u32,
    /// Utilisation thresholds over one check interval.
    pub above: f64,
    pub below: f64,
    pub check: Nanos,
    /// From the decision to add servers to their taking work.
    pub delay: Nanos,
}

/// Store-and-forward head-of-line blocking.
#[derive(Clone, Debug, PartialEq)]
pub struct SafBlocking {
    /// Share of stored reversals that are bad records: at the head of the queue, one blocks
    /// the repeats behind it.
    pub bad_record_share: f64,
    /// How long a bad record blocks the queue before an operator moves it aside.
    pub unblock_after: Nanos,
}

/// The upkeep settings the model reads during a run (everything off by default).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct UpkeepSpec {
    /// Per station in report order (gateway, channels, issuers); `None` where off.
    pub autoscale: Vec<Option<AutoscaleSpec>>,
    /// The support desk's response time; `None` without a desk.
    pub support: Option<Nanos>,
    /// The share of mis-keyed card numbers the terminal's Luhn check catches; `None`: no check.
    pub luhn_catch: Option<f64>,
    /// Caps of the card risk engine's and the merchant risk control's reviews.
    pub risk_review_sla: Option<Nanos>,
    pub merchant_review_sla: Option<Nanos>,
    /// Most reversals the host sends for one payment from store-and-forward.
    pub saf_attempts: Option<u32>,
    pub saf_blocking: Option<SafBlocking>,
}

impl UpkeepSpec {
    /// Whether any upkeep strategy acts during a run (computed once per run).
    pub fn any(&self) -> bool {
        self.autoscale.iter().any(Option::is_some)
            || self.support.is_some()
            || self.luhn_catch.is_some()
            || self.risk_review_sla.is_some()
            || self.merchant_review_sla.is_some()
            || self.saf_attempts.is_some()
            || self.saf_blocking.is_some()
    }
}

// ---------------------------------------------------------------------------------------------
// Validation.

fn positive_duration(cx: &Ctx, d: &Spanned<Duration>, field: &str) -> Result<Nanos, ScenarioError> {
    let v = d.get_ref().0;
    if v == 0 {
        return Err(cx.err(d.span(), field, "must be longer than zero"));
    }
    Ok(v)
}

/// A station's `autoscale` table.
pub(in crate::scenario) fn autoscale(
    cx: &Ctx,
    a: Option<&RawAutoscale>,
    base: u32,
    field: &str,
    limits: &Limits,
) -> Result<Option<AutoscaleSpec>, ScenarioError> {
    let Some(a) = a.filter(|a| a.enabled) else {
        return Ok(None);
    };
    let f = |x: &str| format!("{field}.autoscale.{x}");
    let max = match &a.max {
        Some(m) => cx.count(m, &f("max"), base as u64, limits.max_servers, true)? as u32,
        None => (base as u64 * 2).min(limits.max_servers.max(base as u64)) as u32,
    };
    let step = cx.count(&a.step, &f("step"), 1, limits.max_servers, false)? as u32;
    let above = *a.above.get_ref();
    let below = *a.below.get_ref();
    if !above.is_finite() || above <= 0.0 || above > 1.0 {
        return Err(cx.err(
            a.above.span(),
            &f("above"),
            format!("must be a utilisation in (0, 1], got {above}"),
        ));
    }
    if !below.is_finite() || !(0.0..above).contains(&below) {
        return Err(cx.err(
            a.below.span(),
            &f("below"),
            format!(
                "must be a utilisation in [0, above) = [0, {above}), got {below} (servers are \
                 removed below it and added above `above`)"
            ),
        ));
    }
    let check = positive_duration(cx, &a.check, &f("check"))?;
    let check = cx.period(
        a.check.span(),
        &f("check"),
        check,
        crate::engine::SECOND,
        "the time between two checks of the load",
    )?;
    Ok(Some(AutoscaleSpec {
        base,
        max,
        step,
        above,
        below,
        check,
        delay: a.delay.0,
    }))
}

/// `[risk] threshold` (with `d_prime`): the detection and false-positive rates on a binormal
/// ROC curve, `fpr = Φ(−z)`, `tpr = Φ(d′ − z)`. `None` when no threshold is given.
pub(in crate::scenario) fn risk_rates(
    cx: &Ctx,
    r: &RawRisk,
) -> Result<Option<(f64, f64)>, ScenarioError> {
    let Some(z) = &r.threshold else {
        if let Some(d) = &r.d_prime {
            return Err(cx.err(
                d.span(),
                "risk.d_prime",
                "d_prime shapes the ROC curve of `threshold`; give a threshold too (or leave \
                 d_prime out and give detection_rate and false_positive_rate)",
            ));
        }
        return Ok(None);
    };
    let zv = *z.get_ref();
    if !zv.is_finite() || zv.abs() > 10.0 {
        return Err(cx.err(
            z.span(),
            "risk.threshold",
            format!("must be a score threshold in [-10, 10] (standard deviations), got {zv}"),
        ));
    }
    if let Some(span) = r
        .detection_rate
        .as_ref()
        .map(|x| x.span())
        .or(r.false_positive_rate.as_ref().map(|x| x.span()))
    {
        return Err(cx.err(
            span,
            "risk.threshold",
            "give either `threshold` (the rates follow from the ROC curve) or \
             `detection_rate` and `false_positive_rate`, not both",
        ));
    }
    let d = r.d_prime.as_ref().map_or(DEFAULT_D_PRIME, |d| *d.get_ref());
    if !d.is_finite() || !(0.0..=10.0).contains(&d) {
        let span = r.d_prime.as_ref().map_or(0..0, |d| d.span());
        return Err(cx.err(
            span,
            "risk.d_prime",
            format!("must be a separation in [0, 10], got {d}"),
        ));
    }
    Ok(Some((std_normal_cdf(d - zv), std_normal_cdf(-zv))))
}

/// The separation of the default ROC curve: at threshold 2.75 it gives the default rates
/// (false positives 0.3%, detection about 70%).
pub const DEFAULT_D_PRIME: f64 = 3.27;

/// Φ, the standard normal distribution function, by bisection on the quantile function the
/// engine already has (exact to far below the model's needs).
pub fn std_normal_cdf(x: f64) -> f64 {
    if x > 8.5 {
        return 1.0;
    }
    if x < -8.5 {
        return 0.0;
    }
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    for _ in 0..80 {
        let mid = 0.5 * (lo + hi);
        if mid <= 0.0 || mid >= 1.0 || std_normal_quantile(mid) < x {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// A review SLA: longer than zero.
pub(in crate::scenario) fn review_sla(
    cx: &Ctx,
    sla: Option<&Spanned<Duration>>,
    field: &str,
) -> Result<Option<Nanos>, ScenarioError> {
    sla.map(|s| positive_duration(cx, s, field)).transpose()
}

/// `[support]`.
pub(in crate::scenario) fn support(
    cx: &Ctx,
    s: &RawSupport,
) -> Result<Option<Nanos>, ScenarioError> {
    if !s.enabled {
        return Ok(None);
    }
    positive_duration(cx, &s.response_time, "support.response_time").map(Some)
}

/// `[strategy] luhn_check` and `luhn_catch`.
pub(in crate::scenario) fn luhn(check: bool, catch: Probability) -> Option<f64> {
    (check && catch.0 > 0.0).then_some(catch.0)
}

/// The store-and-forward tuning: `attempts`, and head-of-line blocking.
pub(in crate::scenario) fn saf(
    cx: &Ctx,
    s: &RawSaf,
    saf_on: bool,
) -> Result<(Option<u32>, Option<SafBlocking>), ScenarioError> {
    if !saf_on {
        return Ok((None, None));
    }
    let attempts = s
        .attempts
        .as_ref()
        .map(|a| cx.count(a, "strategy.saf.attempts", 1, 10_000, false))
        .transpose()?
        .map(|a| a as u32);
    let blocking = if s.blocking {
        let unblock = positive_duration(cx, &s.unblock_after, "strategy.saf.unblock_after")?;
        Some(SafBlocking {
            bad_record_share: s.bad_record_share.get_ref().0,
            unblock_after: unblock,
        })
    } else {
        None
    };
    Ok((attempts, blocking))
}

/// Multiplies every value of a duration distribution by `k`.
fn scaled(d: &Dist, k: f64) -> Dist {
    match d {
        Dist::Constant(v) => Dist::Constant(v * k),
        Dist::Uniform { lo, width } => Dist::Uniform {
            lo: lo * k,
            width: width * k,
        },
        Dist::Exponential { mean } => Dist::Exponential { mean: mean * k },
        Dist::LogNormal { mu, sigma } => Dist::LogNormal {
            mu: mu + k.ln(),
            sigma: *sigma,
        },
        Dist::Empirical { values, cdf } => Dist::Empirical {
            values: values.iter().map(|v| v * k).collect(),
            cdf: cdf.clone(),
        },
    }
}

/// The kinds of incident that monitoring notices (a component or a link failing); the others
/// (traffic, cardholders, merchants, terminals) have no alarm to raise.
fn monitored(kind: FaultKind) -> bool {
    use crate::scenario::faults::Strikes;
    matches!(kind.spec().strikes, Strikes::Station | Strikes::Link)
}

/// `[strategy.monitoring]` and `[strategy.fleet]`, applied to the validated faults (indexed
/// like `raw`): monitoring gives an incident its detection and repair times where the fault
/// gives none; fleet upkeep changes terminal faults' roll-out and failure rate.
pub(in crate::scenario) fn apply_to_faults(
    cx: &Ctx,
    mon: Option<&RawMonitoring>,
    fleet: Option<&RawFleet>,
    raw: &[RawFault],
    faults: &mut [FaultSpec],
) -> Result<(), ScenarioError> {
    if let Some(m) = mon.filter(|m| m.enabled) {
        if m.repair.dist.mean() > 365.0 * DAY as f64 {
            return Err(cx.err(
                0..0,
                "strategy.monitoring.repair",
                "the mean repair time must be at most a year",
            ));
        }
        for (fl, f) in raw.iter().zip(faults.iter_mut()) {
            if !monitored(f.kind) {
                continue;
            }
            let given_length = fl.duration.is_some() || fl.mttr.is_some();
            if given_length {
                continue;
            }
            // Until repaired: the fault's own detection and repair where it gives them, the
            // monitoring's otherwise. A fault with no length at all (it would last to the end
            // of observation) is noticed and repaired too.
            f.timing.length = Length::Repaired {
                detection: fl
                    .detection
                    .as_ref()
                    .map_or(m.detection.0, |d| d.get_ref().0),
                repair: fl
                    .repair
                    .as_ref()
                    .map_or(m.repair.dist.clone(), |r| r.get_ref().dist.clone()),
            };
        }
    }
    if let Some(fl) = fleet.filter(|f| f.enabled) {
        let factor = match &fl.maintenance_factor {
            None => None,
            Some(k) => {
                let v = *k.get_ref();
                if !v.is_finite() || v <= 0.0 || v > 1000.0 {
                    return Err(cx.err(
                        k.span(),
                        "strategy.fleet.maintenance_factor",
                        format!(
                            "must be a number in (0, 1000] (it multiplies the terminals' failure \
                             rate), got {v}"
                        ),
                    ));
                }
                Some(v)
            }
        };
        for f in faults.iter_mut() {
            match &mut f.effect {
                FaultEffect::TerminalUpgrade { rollout, .. } => {
                    if let Some(r) = &fl.update_rollout {
                        *rollout = Some(r.get_ref().dist.clone());
                    }
                }
                FaultEffect::TerminalHardware { mtbf, .. } => {
                    if let Some(k) = factor {
                        *mtbf = scaled(mtbf, 1.0 / k);
                    }
                }
                _ => {}
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_cdf_matches_known_values() {
        assert!((std_normal_cdf(0.0) - 0.5).abs() < 1e-12);
        assert!((std_normal_cdf(1.959_963_985) - 0.975).abs() < 1e-9);
        assert!((std_normal_cdf(-2.326_347_874) - 0.01).abs() < 1e-9);
    }

    #[test]
    fn default_curve_gives_the_default_rates() {
        let fpr = std_normal_cdf(-2.75);
        let tpr = std_normal_cdf(DEFAULT_D_PRIME - 2.75);
        assert!((fpr - 0.003).abs() < 0.0002, "{fpr}");
        assert!((tpr - 0.70).abs() < 0.01, "{tpr}");
    }

    #[test]
    fn scaling_multiplies_the_mean() {
        for d in [
            Dist::Constant(3.0),
            Dist::Exponential { mean: 3.0 },
            Dist::LogNormal {
                mu: 1.0,
                sigma: 0.5,
            },
            Dist::Uniform {
                lo: 1.0,
                width: 2.0,
            },
        ] {
            let k = 2.5;
            assert!((scaled(&d, k).mean() - k * d.mean()).abs() < 1e-9 * d.mean());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Timeouts chosen from a latency percentile.

/// `[strategy] terminal_timeout`: a duration, or `{ percentile = 99.9 }` for the percentile of
/// the authorisation latency at the terminal measured by a pilot run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TimeoutSetting {
    Fixed(Duration),
    Percentile(f64),
}

impl<'de> Deserialize<'de> for TimeoutSetting {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::{self, MapAccess, Visitor};
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = TimeoutSetting;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(
                    "a duration string such as \"30s\", or { percentile = 99.9 } (the timeout \
                     from a pilot run's latency percentile)",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                super::super::units::parse_duration(v)
                    .map(|n| TimeoutSetting::Fixed(Duration(n)))
                    .map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Duration::deserialize(de::value::I64Deserializer::<E>::new(v))
                    .map(TimeoutSetting::Fixed)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Duration::deserialize(de::value::F64Deserializer::<E>::new(v))
                    .map(TimeoutSetting::Fixed)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
                let mut pct = None;
                while let Some(k) = m.next_key::<String>()? {
                    if k != "percentile" {
                        return Err(de::Error::custom(format!(
                            "unknown field `{k}`, expected `percentile`"
                        )));
                    }
                    pct = Some(m.next_value::<f64>()?);
                }
                pct.map(TimeoutSetting::Percentile)
                    .ok_or_else(|| de::Error::custom("missing field `percentile`"))
            }
        }
        d.deserialize_any(V)
    }
}

/// The percentile of a timeout setting, checked: in (0, 100).
pub(in crate::scenario) fn timeout_percentile(
    cx: &Ctx,
    t: &Spanned<TimeoutSetting>,
    field: &str,
) -> Result<Option<f64>, ScenarioError> {
    match *t.get_ref() {
        TimeoutSetting::Fixed(_) => Ok(None),
        TimeoutSetting::Percentile(p) if p.is_finite() && p > 0.0 && p < 100.0 => Ok(Some(p)),
        TimeoutSetting::Percentile(p) => Err(cx.err(
            t.span(),
            field,
            format!("the percentile must be in (0, 100), e.g. 99.9; got {p}"),
        )),
    }
}

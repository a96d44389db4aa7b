//! `[strategy.retry]`, `[strategy.idempotency]` and `[strategy.cardholder]`: request retries
//! at one layer (the terminal or the acquirer) with backoff, jitter and a retry budget;
//! idempotency keys that let the issuer answer a retry from its first decision; and the
//! cardholder who pays again after the till showed a failure. The raw tables as written, and
//! their validation into the spec the model reads. Everything is off by default.

use crate::engine::{DAY, MINUTE, Nanos, SECOND};
use crate::scenario::ScenarioError;
use crate::scenario::check::Ctx;
use crate::scenario::dist::{Dist, DistOf, DurationDist};
use crate::scenario::units::{Duration, Probability};
use serde::Deserialize;
use toml::Spanned;

/// Which layer retries a failed request (one only: retries at several layers multiply).
#[derive(Deserialize, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum RetryLayer {
    /// Nobody retries (the default).
    #[default]
    None,
    /// The terminal re-sends its request after its own timeout or a 91/96/68 answer.
    Terminal,
    /// The acquirer re-sends to the channel after its own timeout (`strategy.acquirer_timeout`)
    /// or a 91/96/68 from the channel, before answering the terminal.
    Acquirer,
}

/// How the wait before a retry grows.
#[derive(Deserialize, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum Backoff {
    /// Every retry waits `base`.
    Constant,
    /// Retry n waits `base` × 2^(n−1), at most `max_backoff`.
    #[default]
    Exponential,
}

/// Randomisation of the backoff (M. Brooker, "Exponential Backoff and Jitter", AWS
/// Architecture Blog, 2015).
#[derive(Deserialize, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum Jitter {
    /// Wait exactly the backoff.
    None,
    /// Wait uniform in [0, backoff].
    #[default]
    Full,
    /// Wait min(max_backoff, uniform in [base, 3 × previous wait]), the first previous wait
    /// being `base`.
    Decorrelated,
}

/// `[strategy.retry]` as written.
#[derive(Deserialize, Debug, Clone)]
#[serde(default, deny_unknown_fields)]
pub struct RawRetry {
    pub layer: RetryLayer,
    pub attempts: Spanned<u64>,
    pub backoff: Backoff,
    pub base: Spanned<Duration>,
    pub max_backoff: Spanned<Duration>,
    pub jitter: Jitter,
    /// Tokens each first attempt earns; none = no budget.
    pub budget: Option<Spanned<f64>>,
    pub budget_burst: Spanned<f64>,
}

impl Default for RawRetry {
    fn default() -> Self {
        // docs/background.md, calibration figures: about 3 attempts, a budget near 10%.
        RawRetry {
            layer: RetryLayer::None,
            attempts: Spanned::new(0..0, 3),
            backoff: Backoff::Exponential,
            base: Spanned::new(0..0, Duration(SECOND)),
            max_backoff: Spanned::new(0..0, Duration(30 * SECOND)),
            jitter: Jitter::Full,
            budget: None,
            budget_burst: Spanned::new(0..0, 10.0),
        }
    }
}

/// `[strategy.idempotency]` as written.
#[derive(Deserialize, Debug, Clone)]
#[serde(default, deny_unknown_fields)]
pub struct RawIdempotency {
    pub enabled: bool,
    pub retention: Spanned<Duration>,
}

impl Default for RawIdempotency {
    fn default() -> Self {
        // Stripe keeps keys at least 24 hours (docs/background.md, calibration figures).
        RawIdempotency {
            enabled: false,
            retention: Spanned::new(0..0, Duration(DAY)),
        }
    }
}

/// `[strategy.cardholder]` as written.
#[derive(Deserialize, Debug, Clone)]
#[serde(default, deny_unknown_fields)]
pub struct RawCardholder {
    pub pay_again_share: Probability,
    pub pay_again_delay: Spanned<DurationDist>,
}

impl Default for RawCardholder {
    fn default() -> Self {
        RawCardholder {
            pay_again_share: Probability(0.0),
            pay_again_delay: Spanned::new(0..0, DistOf::new(Dist::Constant((2 * MINUTE) as f64))),
        }
    }
}

/// The retry policy the model reads.
#[derive(Clone, Debug)]
pub struct RetrySpec {
    pub layer: RetryLayer,
    /// Total attempts per sale, the first included (1–10).
    pub attempts: u32,
    pub backoff: Backoff,
    pub base: Nanos,
    pub max_backoff: Nanos,
    pub jitter: Jitter,
    /// (tokens earned per first attempt, bucket size); `None`: no budget.
    pub budget: Option<(f64, f64)>,
}

impl RetrySpec {
    pub fn off() -> Self {
        RetrySpec {
            layer: RetryLayer::None,
            attempts: 1,
            backoff: Backoff::Constant,
            base: 0,
            max_backoff: 0,
            jitter: Jitter::None,
            budget: None,
        }
    }

    /// Whether anybody retries.
    pub fn on(&self) -> bool {
        self.layer != RetryLayer::None && self.attempts > 1
    }

    /// The wait before retry number `n` (1 for the first retry), given a uniform draw `u` in
    /// (0, 1) and, for decorrelated jitter, the previous wait (`base` before the first retry).
    pub fn wait(&self, n: u32, u: f64, previous: Nanos) -> Nanos {
        let b = match self.backoff {
            Backoff::Constant => self.base,
            Backoff::Exponential => {
                let shift = (n.saturating_sub(1)).min(62);
                self.base.saturating_mul(1u64 << shift)
            }
        }
        .min(self.max_backoff.max(self.base));
        match self.jitter {
            Jitter::None => b,
            Jitter::Full => (b as f64 * u) as Nanos,
            Jitter::Decorrelated => {
                let lo = self.base as f64;
                let hi = (previous.max(self.base) as f64 * 3.0).max(lo);
                ((lo + (hi - lo) * u) as Nanos).min(self.max_backoff.max(self.base))
            }
        }
    }
}

/// Idempotency keys: `None` when retries carry no key.
#[derive(Clone, Debug)]
pub struct IdempotencySpec {
    pub retention: Nanos,
}

/// The cardholder who pays again after the till showed a failure.
#[derive(Clone, Debug)]
pub struct CardholderSpec {
    pub pay_again_share: f64,
    pub pay_again_delay: Dist,
}

/// Validates the three tables.
pub(in crate::scenario) fn validate(
    cx: &Ctx,
    retry: &RawRetry,
    idem: &RawIdempotency,
    holder: &RawCardholder,
    longest_wait: Nanos,
) -> Result<(RetrySpec, Option<IdempotencySpec>, CardholderSpec), ScenarioError> {
    let attempts = cx.count(&retry.attempts, "strategy.retry.attempts", 1, 10, false)? as u32;
    let base = retry.base.get_ref().0;
    let max_backoff = retry.max_backoff.get_ref().0;
    if max_backoff < base {
        return Err(cx.err(
            retry.max_backoff.span(),
            "strategy.retry.max_backoff",
            format!(
                "must not be shorter than strategy.retry.base ({} s), got {} s",
                base as f64 / 1e9,
                max_backoff as f64 / 1e9
            ),
        ));
    }
    let budget = match &retry.budget {
        None => None,
        Some(b) => {
            let x = *b.get_ref();
            if !x.is_finite() || x < 0.0 {
                return Err(cx.err(
                    b.span(),
                    "strategy.retry.budget",
                    format!(
                        "must be a finite number >= 0 (tokens each first attempt earns, e.g. \
                         0.1 for retries at most about 10% of the load), got {x}"
                    ),
                ));
            }
            let burst = *retry.budget_burst.get_ref();
            if !burst.is_finite() || burst < 1.0 {
                return Err(cx.err(
                    retry.budget_burst.span(),
                    "strategy.retry.budget_burst",
                    format!(
                        "must be a finite number >= 1 (the most tokens the bucket holds), got \
                         {burst}"
                    ),
                ));
            }
            Some((x, burst))
        }
    };
    let spec = RetrySpec {
        layer: retry.layer,
        attempts,
        backoff: retry.backoff,
        base,
        max_backoff,
        jitter: retry.jitter,
        budget,
    };
    let idempotency = if idem.enabled {
        let r = idem.retention.get_ref().0;
        if r == 0 {
            return Err(cx.err(
                idem.retention.span(),
                "strategy.idempotency.retention",
                "must be longer than zero (how long the issuer remembers a key), e.g. \"24h\"",
            ));
        }
        // Keys must outlive the longest retry (docs/background.md, remedies): every attempt's
        // wait for an answer and every backoff, for all attempts.
        let span =
            (spec.attempts as u64).saturating_mul(longest_wait.saturating_add(spec.max_backoff));
        if spec.on() && r < span {
            return Err(cx.err(
                idem.retention.span(),
                "strategy.idempotency.retention",
                format!(
                    "{} s is shorter than the longest retry ({} attempts x (timeout {} s + \
                     max_backoff {} s) = {} s): a key must outlive every retry of its sale",
                    r as f64 / 1e9,
                    spec.attempts,
                    longest_wait as f64 / 1e9,
                    spec.max_backoff as f64 / 1e9,
                    span as f64 / 1e9
                ),
            ));
        }
        Some(IdempotencySpec { retention: r })
    } else {
        None
    };
    let holder = CardholderSpec {
        pay_again_share: holder.pay_again_share.0,
        pay_again_delay: holder.pay_again_delay.get_ref().dist.clone(),
    };
    Ok((spec, idempotency, holder))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(backoff: Backoff, jitter: Jitter) -> RetrySpec {
        RetrySpec {
            layer: RetryLayer::Terminal,
            attempts: 5,
            backoff,
            base: SECOND,
            max_backoff: 5 * SECOND,
            jitter,
            budget: None,
        }
    }

    #[test]
    fn backoff_schedules() {
        let c = spec(Backoff::Constant, Jitter::None);
        assert_eq!(c.wait(1, 0.5, 0), SECOND);
        assert_eq!(c.wait(4, 0.5, 0), SECOND);
        let e = spec(Backoff::Exponential, Jitter::None);
        assert_eq!(e.wait(1, 0.5, 0), SECOND);
        assert_eq!(e.wait(2, 0.5, 0), 2 * SECOND);
        assert_eq!(e.wait(3, 0.5, 0), 4 * SECOND);
        assert_eq!(e.wait(4, 0.5, 0), 5 * SECOND, "capped at max_backoff");
        assert_eq!(e.wait(60, 0.5, 0), 5 * SECOND, "no overflow");
        let f = spec(Backoff::Exponential, Jitter::Full);
        assert_eq!(f.wait(2, 0.25, 0), SECOND / 2);
        let d = spec(Backoff::Exponential, Jitter::Decorrelated);
        // uniform in [base, 3 × previous], capped.
        assert_eq!(d.wait(1, 0.5, SECOND), 2 * SECOND);
        assert_eq!(d.wait(2, 0.99, 4 * SECOND), 5 * SECOND);
    }
}

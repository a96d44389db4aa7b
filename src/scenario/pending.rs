//! What reading a scenario leaves to the layers above it, so that the scenario layer neither
//! runs the model nor asks the metrics catalogue: `[expect]`, whose metric names only the
//! catalogue knows (`metrics::expect` settles it), and a terminal timeout given as a
//! percentile, which only a pilot run can measure (`runner::prepare` runs it).
//!
//! [`Scenario::pending`] carries both with their place in the file, so that the errors they
//! may still raise name the file, the line and the column like every other. `runner::prepare`
//! settles them, `[expect]` first, as validation did before; every command calls it right after
//! reading a scenario, and a batch refuses a scenario that still has something pending.

use super::check::Ctx;
use super::error::ScenarioError;
use super::expect::{self, ExpectSpec, RawExpect};
use super::raw::RawSimulation;
use super::validate::horizon_error;
use super::{Limits, Scenario};
use crate::engine::{DAY, Nanos};
use toml::Spanned;

/// What is left to settle, with what its errors need: the file's name and the limits it was
/// read with.
#[derive(Clone, Default)]
pub struct Pending {
    file: String,
    limits: Limits,
    simulation: Option<RawSimulation>,
    /// `[expect]` as written.
    expect: Option<Spanned<RawExpect>>,
    /// A terminal timeout given as a percentile, and where the file gives it.
    timeout: Option<(f64, std::ops::Range<usize>)>,
}

/// What is pending, without where the file says it (two readings of one scenario written
/// differently are the same scenario).
impl std::fmt::Debug for Pending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pending")
            .field("expect", &self.expect.is_some())
            .field("timeout_percentile", &self.timeout_percentile())
            .finish()
    }
}

impl Pending {
    /// What validation leaves: `[expect]` and the timeout's percentile, if the file has them.
    pub(super) fn new(
        file: &str,
        limits: &Limits,
        simulation: &RawSimulation,
        expect: Option<&Spanned<RawExpect>>,
        timeout: Option<(f64, std::ops::Range<usize>)>,
    ) -> Self {
        Pending {
            file: file.to_owned(),
            limits: limits.clone(),
            simulation: Some(simulation.clone()),
            expect: expect.cloned(),
            timeout,
        }
    }

    /// Whether nothing is left to settle.
    pub fn is_settled(&self) -> bool {
        self.expect.is_none() && self.timeout.is_none()
    }

    /// The percentile of a terminal timeout still to be measured.
    pub fn timeout_percentile(&self) -> Option<f64> {
        self.timeout.as_ref().map(|t| t.0)
    }
}

fn ctx<'a>(p: &'a Pending, src: &'a str) -> Ctx<'a> {
    Ctx {
        file: &p.file,
        src,
        hint: p.limits.hint(),
    }
}

/// Settles `[expect]` with `metrics`, the names of the metrics the scenario reports.
pub fn settle_expect(s: &mut Scenario, metrics: &[String]) -> Result<(), ScenarioError> {
    let Some(raw) = s.pending.expect.take() else {
        return Ok(());
    };
    let spec: ExpectSpec = expect::validate(
        &ctx(&s.pending, &s.source),
        &raw,
        metrics,
        s.runs,
        s.seed,
        s.pending.limits.max_runs,
    )?;
    s.expect = Some(spec);
    Ok(())
}

/// The scenario of the pilot run that measures a percentile timeout: `s` with its faults
/// removed and a terminal that waits a day. Run 0 of the scenario's own seed.
pub fn pilot(s: &Scenario) -> Scenario {
    let mut p = s.clone();
    p.faults.clear();
    p.strategy.terminal_timeout = DAY;
    p.pending = Pending::default();
    p
}

/// Settles a percentile timeout with the pilot run's answer: the sale-to-answer time's
/// percentile in microseconds (`Ok(None)`: the pilot answered no payment), or why it failed.
/// The timeout is never below 1 ms, and the horizon it gives is checked again.
pub fn settle_timeout(
    s: &mut Scenario,
    measured: Result<Option<u64>, String>,
) -> Result<(), ScenarioError> {
    let Some((_, span)) = s.pending.timeout.take() else {
        return Ok(());
    };
    let field = "strategy.terminal_timeout";
    let cx = ctx(&s.pending, &s.source);
    let us = match measured {
        Ok(Some(us)) => us,
        Ok(None) => {
            return Err(cx.err(
                span,
                field,
                "the pilot run (faults off) answered no payment: give the timeout as a duration",
            ));
        }
        Err(e) => return Err(cx.err(span, field, format!("the pilot run failed: {e}"))),
    };
    let timeout: Nanos = (us * 1_000).max(1_000_000);
    s.strategy.terminal_timeout = timeout;
    let horizon = super::calendar::horizon(s);
    if horizon > s.pending.limits.max_horizon {
        let cx = ctx(&s.pending, &s.source);
        let sim = s.pending.simulation.as_ref();
        return Err(match sim {
            Some(sim) => horizon_error(&cx, sim, &s.pending.limits, horizon),
            None => cx.err(0..0, "simulation", "the simulated span is too long"),
        });
    }
    Ok(())
}

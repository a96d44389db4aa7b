//! The scenario's name and its `[simulation]` table: the number of runs, the traffic window,
//! the observation period, the weekday and date of day 0, and the limit on the run's horizon.

use super::super::check::Ctx;
use super::super::error::ScenarioError;
use super::super::raw::RawSimulation;
use super::super::{Limits, units};
use crate::engine::{DAY, Nanos};
use toml::Spanned;

/// The `[simulation]` table, validated.
pub(super) struct Sim {
    pub runs: u64,
    pub window: Nanos,
    pub observation: Option<Nanos>,
    pub start_weekday: u8,
    pub start_date: Option<i64>,
}

/// The scenario's name. It becomes a folder under output/: it must never be able to leave it.
pub(super) fn name(cx: &Ctx, raw: &Spanned<String>) -> Result<String, ScenarioError> {
    let name = raw.get_ref().clone();
    let name_ok = !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.');
    if !name_ok {
        return Err(cx.err(
            raw.span(),
            "name",
            format!(
                "invalid scenario name \"{}\": use letters, digits, '_', '-' and '.', not starting \
                 with '.', at most 64 characters (it names the output folder)",
                name.escape_debug()
            ),
        ));
    }
    Ok(name)
}

/// The runs, the traffic window and observation, and day 0's weekday and date; a lower bound
/// of the horizon is checked here, the exact horizon once the scenario is whole.
pub(super) fn simulation(
    cx: &Ctx,
    sim: &RawSimulation,
    limits: &Limits,
) -> Result<Sim, ScenarioError> {
    let runs = cx.count(&sim.runs, "simulation.runs", 1, limits.max_runs, true)?;
    let window = sim.traffic_window.get_ref().0;
    if window == 0 {
        return Err(cx.err(
            sim.traffic_window.span(),
            "simulation.traffic_window",
            "must be longer than zero, e.g. \"24h\"",
        ));
    }
    let observation = sim.observation.as_ref().map(|o| o.get_ref().0);
    if let Some(o) = sim.observation.as_ref().filter(|o| o.get_ref().0 < window) {
        return Err(cx.err(
            o.span(),
            "simulation.observation",
            "the observation period must not end before the traffic window (it is measured from \
             the start of the run)",
        ));
    }
    let start_date = sim.start_date.as_ref().map(|d| d.get_ref().0);
    let start_weekday = start_weekday(cx, sim, start_date)?;
    // A lower bound of the horizon, checked early; the exact horizon is checked at the end.
    let horizon_guess = observation.unwrap_or(window);
    if horizon_guess > limits.max_horizon {
        return Err(horizon_error(cx, sim, limits, horizon_guess));
    }
    Ok(Sim {
        runs,
        window,
        observation,
        start_weekday,
        start_date,
    })
}

/// Day 0's weekday: given, or that of the start date; both must agree.
fn start_weekday(
    cx: &Ctx,
    sim: &RawSimulation,
    start_date: Option<i64>,
) -> Result<u8, ScenarioError> {
    let date_weekday = start_date.map(units::weekday_from_days);
    Ok(match (&sim.start_weekday, &sim.start_date) {
        (Some(w), Some(d)) if Some(w.get_ref().0) != date_weekday => {
            let name = |i: u8| units::WEEKDAYS[i as usize];
            return Err(cx.err(
                w.span(),
                "simulation.start_weekday",
                format!(
                    "simulation.start_weekday is \"{}\" but simulation.start_date \"{}\" is a {}; \
                     give only start_date (the weekday follows from it) or make them agree",
                    name(w.get_ref().0),
                    d.get_ref(),
                    name(date_weekday.unwrap_or_default())
                ),
            ));
        }
        (Some(w), _) => w.get_ref().0,
        (None, _) => date_weekday.unwrap_or(0),
    })
}

/// The error of a run whose horizon passes the limit, at the observation period if the file
/// gives one, else at the traffic window.
pub(in crate::scenario) fn horizon_error(
    cx: &Ctx,
    sim: &RawSimulation,
    limits: &Limits,
    horizon: Nanos,
) -> ScenarioError {
    let span = sim
        .observation
        .as_ref()
        .map_or(sim.traffic_window.span(), |o| o.span());
    cx.err(
        span,
        "simulation",
        format!(
            "the run would cover {} days (traffic, then observation until settlement \
             completes); the limit is {} days{}",
            horizon.div_ceil(DAY),
            limits.max_horizon / DAY,
            limits.hint()
        ),
    )
}

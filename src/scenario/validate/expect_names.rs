//! The `[expect]` table, checked against the metrics the scenario reports. It is the one
//! place where validation asks the metrics catalogue for names, kept apart so that it can move
//! out of `scenario` later.

use super::super::check::Ctx;
use super::super::error::ScenarioError;
use super::super::expect::{ExpectSpec, RawExpect};
use super::super::{Limits, Scenario};
use toml::Spanned;

/// Validates `[expect]` with the names of the metrics `scenario` reports.
pub(super) fn check_expect_names(
    cx: &Ctx,
    e: &Spanned<RawExpect>,
    scenario: &Scenario,
    limits: &Limits,
) -> Result<ExpectSpec, ScenarioError> {
    let metrics = crate::metrics::Catalogue::for_scenario(scenario).names();
    super::super::expect::validate(
        cx,
        e,
        &metrics,
        scenario.runs,
        scenario.seed,
        limits.max_runs,
    )
}

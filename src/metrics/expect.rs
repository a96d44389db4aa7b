//! `[expect]` checked where the metric names live: a scenario's expectations name metrics of
//! its catalogue ([`Catalogue::for_scenario`]), so the scenario layer leaves them pending
//! (`scenario::pending`) and this settles them, with the same located errors.

use super::Catalogue;
use crate::scenario::Scenario;
use crate::scenario::error::ScenarioError;

/// Settles `s`'s pending `[expect]` against the names of the metrics it reports.
pub fn settle(s: &mut Scenario) -> Result<(), ScenarioError> {
    let names = Catalogue::for_scenario(s).names();
    crate::scenario::pending::settle_expect(s, &names)
}

//! A scenario made ready to run: what reading it left pending (`scenario::pending`) settled,
//! `[expect]` against the metrics catalogue first, then a terminal timeout given as a
//! percentile, measured by a pilot run. Every command calls [`prepare`] right after reading a
//! scenario (and each of its designs), so its errors come before anything runs, as validation
//! errors do.

use crate::model::{NoTrace, simulate};
use crate::scenario::error::ScenarioError;
use crate::scenario::variants::Variants;
use crate::scenario::{Scenario, pending};

/// Settles what `s` left pending.
pub fn prepare(mut s: Scenario) -> Result<Scenario, ScenarioError> {
    crate::metrics::expect::settle(&mut s)?;
    if let Some(p) = s.pending.timeout_percentile() {
        // Run 0 of the scenario's own seed, faults off, a terminal that waits a day: the
        // timeout is the sale-to-answer time's percentile (to the histogram's 3 digits).
        let measured = simulate(&pending::pilot(&s), s.seed, 0, &mut NoTrace)
            .map(|out| {
                (!out.auth_latency_us.is_empty())
                    .then(|| out.auth_latency_us.value_at_quantile(p / 100.0))
            })
            .map_err(|e| e.to_string());
        pending::settle_timeout(&mut s, measured)?;
    }
    Ok(s)
}

/// [`prepare`] for a file's base and every one of its designs.
pub fn prepare_variants(v: Variants) -> Result<Variants, ScenarioError> {
    let base = prepare(v.base)?;
    let designs = v
        .designs
        .into_iter()
        .map(|mut d| {
            d.scenario = prepare(d.scenario)?;
            Ok(d)
        })
        .collect::<Result<_, ScenarioError>>()?;
    Ok(Variants { base, designs })
}

/// Reads and prepares the scenario file `path` (see [`parse`]).
pub fn load(
    path: &std::path::Path,
    limits: &crate::scenario::Limits,
) -> Result<Scenario, ScenarioError> {
    let src = crate::scenario::read_source(path)?;
    parse(&src, &path.display().to_string(), limits)
}

/// Parses and prepares scenario text: its base, after every one of its designs was read and
/// prepared too (as `scenario::parse` reads them), so a design's errors are the file's.
pub fn parse(
    src: &str,
    file: &str,
    limits: &crate::scenario::Limits,
) -> Result<Scenario, ScenarioError> {
    parse_variants(src, file, limits).map(|v| v.base)
}

/// Parses a file's base and designs (`scenario::variants::parse_variants`) and prepares them.
pub fn parse_variants(
    src: &str,
    file: &str,
    limits: &crate::scenario::Limits,
) -> Result<Variants, ScenarioError> {
    prepare_variants(crate::scenario::variants::parse_variants(
        src, file, limits,
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::{BatchError, BatchOptions, run_batch};
    use std::sync::atomic::AtomicBool;

    #[test]
    fn a_percentile_timeout_is_measured_by_prepare_and_refused_before_it() {
        let text = std::fs::read_to_string("scenarios/pipeline.toml")
            .unwrap()
            .replace(
                "[expect]",
                "[strategy]\nterminal_timeout = { percentile = 99 }\n\n[expect]",
            );
        let s = crate::scenario::parse(&text, "p.toml", &Default::default()).unwrap();
        assert_eq!(s.pending.timeout_percentile(), Some(99.0));
        let opts = BatchOptions {
            runs: 1,
            seed: 1,
            threads: 1,
        };
        let stop = AtomicBool::new(false);
        let refused = run_batch(&s, &opts, &stop, |_, _| Ok(()), |_| {});
        assert!(matches!(refused, Err(BatchError::Unprepared)));
        let ready = prepare(s).unwrap();
        assert!(ready.pending.is_settled() && ready.expect.is_some());
        // The pilot's answer: well above the pipeline's minimum hops, far below a day.
        let t = ready.strategy.terminal_timeout;
        assert!(
            t > crate::engine::SECOND / 10 && t < 60 * crate::engine::SECOND,
            "{t}"
        );
        assert!(run_batch(&ready, &opts, &stop, |_, _| Ok(()), |_| {}).is_ok());
    }
}

//! Helpers shared by the integration tests.
#![allow(dead_code)] // each test file uses a different subset

use payfault::metrics::BatchResult as Batch;
use proptest::test_runner::{Config as ProptestConfig, RngSeed};
use statrs::distribution::{ContinuousCDF, StudentsT};

/// Cases per property: the default given, or `PROPTEST_CASES` for a longer fuzzing session.
pub fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A fixed seed, so CI sees the same cases every time; set `PROPTEST_RNG_SEED` to explore
/// others (a failure prints the seed to replay).
pub fn seed() -> RngSeed {
    if std::env::var_os("PROPTEST_RNG_SEED").is_some() {
        ProptestConfig::default().rng_seed
    } else {
        RngSeed::Fixed(20_261_125)
    }
}

/// Asserts that `theory` lies in the 99.9% Student-t confidence interval of the across-run mean
/// of metric `name` (99.9% rather than 95% because tests check several quantities at once).
pub fn assert_in_ci(b: &Batch, name: &str, theory: f64) {
    let s = b
        .summary(name)
        .unwrap_or_else(|| panic!("no metric {name}"));
    let (mean, std) = (s.mean.unwrap(), s.std.unwrap_or(0.0));
    let t = StudentsT::new(0.0, 1.0, (s.n - 1) as f64)
        .unwrap()
        .inverse_cdf(0.9995);
    let half = (t * std / (s.n as f64).sqrt()).max(1e-9);
    assert!(
        (mean - theory).abs() <= half,
        "{name}: simulated {mean:.6} ± {half:.6} (99.9% CI), theory / parameters imply {theory:.6}"
    );
}

/// Every metric value (but the per-cause breakdown, whose causes depend on the scenario's
/// faults), the payments of each built-in cause, and the event and posting counts of one run:
/// what must not move when a fault that never fires is added.
pub type Fingerprint = (Vec<Option<f64>>, Vec<[(u64, i64); 8]>, u64, u64);

pub fn fingerprint(
    s: &payfault::scenario::Scenario,
    out: &payfault::model::RunOutput,
) -> Fingerprint {
    let c = payfault::metrics::Catalogue::for_scenario(s);
    let v = c
        .values(out)
        .into_iter()
        .zip(&c.metrics)
        .filter(|(_, m)| !m.name.starts_with(payfault::metrics::CAUSES))
        .map(|(v, _)| v)
        .collect();
    let fixed = payfault::scenario::cause::FIXED_NAMES.len();
    let causes = out.by_cause[..fixed].to_vec();
    // A fault's own cause is empty when it never fires.
    assert!(out.by_cause[fixed..].iter().flatten().all(|&c| c == (0, 0)));
    (v, causes, out.events, out.postings)
}

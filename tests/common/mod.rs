//! Helpers shared by the integration tests: every test binary declares `mod common;` (a
//! directory binary reaches this file with `#[path]`, the one way Rust shares a module
//! between crates without a crate of its own). Each binary uses a different subset.
#![allow(dead_code)]

use payfault::metrics::BatchResult as Batch;
use payfault::scenario::{self, Limits, Scenario};
use proptest::test_runner::{Config as ProptestConfig, RngSeed};
use statrs::distribution::{ContinuousCDF, StudentsT};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

/// Flat hourly profile: a homogeneous Poisson process.
pub const FLAT: &str = "[1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]";

/// A path that never fails by itself: a fast gateway and channel `scheme`, 10 ms links, no
/// risk engine, an issuer `bank` whose 1,000 accounts always pay (the tables after
/// `[[terminals]]` of the small scenarios of the model tests).
pub const QUIET_PATH: &str = "[gateway]\nservers = 64\nservice = \"1ms\"\n[network]\nlatency = \"10ms\"\n\
     [risk]\nenabled = false\nfraud_share = 0.0\n\
     [[channels]]\nid = \"scheme\"\nservers = 64\nservice = \"1ms\"\n\
     [[issuers]]\nid = \"bank\"\nservers = 1000\nservice = \"5ms\"\ndo_not_honour_share = 0.0\n\
     [issuers.accounts]\ncount = 1000\nbalance = \"100000000.00\"\nfrozen_share = 0.0\n";

/// The crate root; commands run there so that file names in messages are predictable.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fixture of `tests/fixtures/bad/` as passed on the command line (relative to the crate
/// root).
pub fn bad_fixture(name: &str) -> String {
    format!("tests/fixtures/bad/{name}")
}

/// The `payfault` binary, run in the crate root.
pub fn payfault() -> assert_cmd::Command {
    let mut c = assert_cmd::Command::cargo_bin("payfault").expect("the payfault binary is built");
    c.current_dir(root());
    c
}

/// The `payfault` binary for a command that must end at once, such as an error case, which
/// never simulates: the 60-second timeout keeps a regression from hanging the suite.
pub fn payfault_quick() -> assert_cmd::Command {
    let mut c = payfault();
    c.timeout(Duration::from_secs(60));
    c
}

/// Runs `args` with the `payfault` binary (in the current folder) and returns its output.
pub fn payfault_output(args: &[&str]) -> Output {
    std::process::Command::new(assert_cmd::cargo::cargo_bin("payfault"))
        .args(args)
        .output()
        .unwrap()
}

/// Runs `c`; returns its output, its standard output and its standard error.
pub fn exec(c: &mut assert_cmd::Command) -> (Output, String, String) {
    let out = c.output().expect("payfault starts");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (out, stdout, stderr)
}

/// Asserts exit 2, no panic, and that standard error says each of `says`.
pub fn refused(out: &Output, says: &[&str]) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    for s in says {
        assert!(err.contains(s), "`{s}` not in: {err}");
    }
}

/// The scenario file at `path` (relative to the crate root), with the default size limits.
pub fn load(path: impl AsRef<Path>) -> Scenario {
    let path = path.as_ref();
    scenario::load(path, &Limits::default()).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The scenario of the TOML text `src` (named `file` in messages), with the default size
/// limits; a mistake panics with the message and the text.
pub fn parse(src: &str, file: &str) -> Scenario {
    scenario::parse(src, file, &Limits::default()).unwrap_or_else(|e| panic!("{e}\n{src}"))
}

/// A count or a sum of counts, for the tolerance checks.
pub trait Count: Copy + std::fmt::Display {
    fn value(self) -> f64;
}

impl Count for u64 {
    fn value(self) -> f64 {
        self as f64
    }
}

impl Count for f64 {
    fn value(self) -> f64 {
        self
    }
}

/// Asserts a Poisson count: `k` within five standard deviations (plus 2) of `mean`.
pub fn assert_poisson(what: &str, k: impl Count, mean: f64) {
    let tol = 5.0 * mean.sqrt() + 2.0;
    assert!(
        (k.value() - mean).abs() <= tol,
        "{what}: {k}, the parameters imply {mean:.1} ± {tol:.1}"
    );
}

/// `k` is within 4.5 standard deviations of a binomial(`n`, `p`) count (at least 1).
pub fn binomial_ok(k: u64, n: u64, p: f64) -> bool {
    let (mean, sd) = (n as f64 * p, (n as f64 * p * (1.0 - p)).sqrt());
    (k as f64 - mean).abs() <= 4.5 * sd.max(1.0)
}

/// The count of outcome `x` in run output `o`.
pub fn count(o: &payfault::model::RunOutput, x: payfault::model::Outcome) -> u64 {
    o.outcomes[x as usize]
}

/// Asserts a binomial count: `k` successes out of `n` within five standard deviations (plus 2)
/// of `n × p`.
pub fn assert_binomial(what: &str, k: u64, n: u64, p: f64) {
    assert_binomial_within(what, k, n, p, 5.0, 2.0);
}

/// Asserts a binomial count: `k` successes out of `n` within `z` standard deviations (plus
/// `slack`) of `n × p`.
pub fn assert_binomial_within(what: &str, k: u64, n: u64, p: f64, z: f64, slack: f64) {
    let mean = n as f64 * p;
    let tol = z * (n as f64 * p * (1.0 - p)).sqrt() + slack;
    assert!(
        (k as f64 - mean).abs() <= tol,
        "{what}: {k} of {n}, the parameters (p = {p}) imply {mean:.1} ± {tol:.1}"
    );
}

/// Asserts `x` within `tol` of `expected`.
pub fn assert_near(what: &str, x: f64, expected: f64, tol: f64) {
    assert!(
        (x - expected).abs() <= tol,
        "{what}: {x:.5}, the parameters imply {expected:.5} ± {tol:.5}"
    );
}

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
pub type Fingerprint = (
    Vec<Option<f64>>,
    Vec<[(u64, i64); payfault::model::Outcome::COUNT]>,
    u64,
    u64,
);

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

/// Replays run `run` and tells the stories of `serials` (`runner::replay` records the steps,
/// `report::story` tells them).
pub fn tell(
    s: &payfault::scenario::Scenario,
    seed: u64,
    run: u64,
    serials: &[u64],
    lang: payfault::i18n::Lang,
) -> Result<Vec<payfault::report::story::Story>, payfault::model::RunError> {
    let recorded = payfault::runner::replay::record(s, seed, run, serials)?;
    Ok(payfault::report::story::tell(s, seed, &recorded, lang))
}

/// The table's row that mentions `needle` with its continuation lines (the wrapped
/// expectation, the note), joined by spaces: rows start at the first column, continuations
/// are indented.
pub fn table_block(stdout: &str, needle: &str) -> Option<String> {
    let mut blocks: Vec<String> = vec![];
    for l in stdout.lines() {
        match blocks.last_mut() {
            Some(b) if l.starts_with(' ') => {
                b.push(' ');
                b.push_str(l.trim());
            }
            _ => blocks.push(l.to_owned()),
        }
    }
    blocks.into_iter().find(|b| b.contains(needle))
}

//! Hostile input, by property: whatever bytes a scenario file holds, reading it never panics,
//! never hangs, and every rejection says where. Run longer with `PROPTEST_CASES=20000 cargo
//! test --release --test fuzz_scenarios` (figures in docs/RELIABILITY.md).

use payfault::scenario::{self, Limits, ScenarioError};
use proptest::prelude::*;

mod common;
use common::{cases, seed};
use std::io::Write;

/// The shipped scenarios, and a fixture that sets every field of the path after authorisation
/// (routing table, stand-in, clearing-file faults, payouts, merchant risk, reconciliation).
const SHIPPED: [&str; 12] = [
    include_str!("../scenarios/baseline.toml"),
    include_str!("../scenarios/pipeline.toml"),
    include_str!("../scenarios/outage.toml"),
    include_str!("../scenarios/holiday.toml"),
    include_str!("../scenarios/bank_down.toml"),
    include_str!("../scenarios/wrong_account.toml"),
    include_str!("../scenarios/clearing_reject.toml"),
    include_str!("../scenarios/merchant_hold.toml"),
    include_str!("../scenarios/d0_payout.toml"),
    include_str!("../scenarios/single_message.toml"),
    include_str!("../scenarios/reconciliation.toml"),
    include_str!("fixtures/postauth.toml"),
];

/// Values that have broken parsers before: signs, overflow, special floats, empty and odd
/// strings, structure tokens, unknown ids, huge sizes.
const NASTY: &[&str] = &[
    "-1",
    "0",
    "1e309",
    "-0.0",
    "nan",
    "inf",
    "-inf",
    "18446744073709551616",
    "9223372036854775807",
    "\"\"",
    "\"-5ms\"",
    "\"1/s\"",
    "\"0/s\"",
    "\"1e400/s\"",
    "\"99999999999999999999d\"",
    "\"1.5.5s\"",
    "\"25.001\"",
    "\"24:00\"",
    "\"nowhere\"",
    "\"gateway\"",
    "[",
    "]]",
    "{",
    "}",
    "[[",
    "= =",
    "\"\\u0000\"",
    "\"\u{feff}\"",
    "true",
    "[]",
    "{}",
    "{ kind = \"exponential\", mean = \"0ms\" }",
    "{ kind = \"empirical\", values = [] }",
    "1000000000",
    "\"../x\"",
    "'''",
];

fn check(text: &[u8]) -> Result<(), TestCaseError> {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(text).unwrap();
    f.flush().unwrap();
    match scenario::load(f.path(), &Limits::default()) {
        Ok(_) => {}
        Err(ScenarioError::Read { .. }) => {
            prop_assert!(false, "a readable file must not fail to read")
        }
        Err(ScenarioError::Invalid(d)) => {
            prop_assert!(d.location.is_some(), "rejection without a location: {d}");
            prop_assert!(!d.message.is_empty());
        }
    }
    Ok(())
}

fn mutate(base: &str, at: usize, len: usize, token: &str) -> String {
    let mut at = at % (base.len() + 1);
    while !base.is_char_boundary(at) {
        at -= 1;
    }
    let mut end = (at + len).min(base.len());
    while !base.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{}{}", &base[..at], token, &base[end..])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(512), failure_persistence: None, rng_seed: seed(), ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        check(&bytes)?;
    }

    #[test]
    fn arbitrary_toml_like_text_never_panics(text in "(name = \"x\"\n)?(\\[[a-z.]{1,12}\\]\n)?([a-z_]{1,12} = [-0-9.a-z\"\\[\\]{}=, /:]{0,20}\n){0,8}") {
        check(text.as_bytes())?;
    }

    #[test]
    fn mutated_shipped_scenarios_never_panic(which in 0..SHIPPED.len(), edits in proptest::collection::vec((any::<usize>(), 0..12usize, 0..NASTY.len()), 1..4)) {
        let mut text = SHIPPED[which].to_owned();
        for (at, len, tok) in edits {
            text = mutate(&text, at, len, NASTY[tok]);
        }
        check(text.as_bytes())?;
    }
}

#[test]
fn deep_nesting_is_refused_not_a_stack_overflow() {
    for text in [
        format!(
            "name = \"x\"\ndescription = {}{}",
            "[".repeat(100_000),
            "]".repeat(100_000)
        ),
        format!(
            "name = \"x\"\ndescription = {}1{}",
            "{a=".repeat(100_000),
            "}".repeat(100_000)
        ),
        format!("name = \"x\"\n[{}]\n", vec!["a"; 10_000].join(".")),
    ] {
        check(text.as_bytes()).unwrap();
    }
}

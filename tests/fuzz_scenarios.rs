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

/// Settings a `[[variant]]` or a `--set` overrides: real ones, entries by id and index, ones
/// a design may not set, and ones that do not exist.
const PATHS: &[&str] = &[
    "strategy.terminal_timeout",
    "strategy.retry.attempts",
    "gateway.servers",
    "gateway",
    "channels.scheme.servers",
    "channels.0.servers",
    "channels.9.servers",
    "channels.scheme",
    "channels",
    "faults",
    "simulation.seed",
    "simulation.runs",
    "simulation",
    "simulation.traffic_window",
    "expect.runs",
    "variant",
    "name",
    "description",
    "nowhere.at.all",
];

/// Names of designs: good, reserved, path-like, empty, hostile.
const NAMES: &[&str] = &[
    "a",
    "b",
    "compare",
    "shard-1-of-2",
    "../../x",
    "",
    ".hidden",
    "\\u001b[31m",
    "x/y",
];

/// Lines of an `[expect]` table.
const EXPECT: &[&str] = &[
    "runs = 3",
    "seed = 9",
    "bounds = [\"not_arrived == 0\"]",
    "bounds = [\"nope.mean > \"]",
    "bounds = [\"loss_total.p99 < 1e309\"]",
    "bounds = [\"pending == 0 ± 5%\"]",
    "min_change = { loss_total = \"5%\" }",
    "min_change = { nowhere = -1 }",
    "runs = 0",
];

/// A scenario with `[[variant]]` blocks built from the pieces above, and an `[expect]`.
fn with_designs(which: usize, designs: &[(usize, usize, usize)], expect: &[usize]) -> String {
    let mut text = SHIPPED[which].to_owned();
    if !expect.is_empty() && !text.contains("[expect]") {
        text.push_str("\n[expect]\n");
        for e in expect {
            text.push_str(EXPECT[*e]);
            text.push('\n');
        }
    }
    for (name, path, value) in designs {
        text.push_str(&format!(
            "\n[[variant]]\nname = \"{}\"\n{} = {}\n",
            NAMES[*name], PATHS[*path], NASTY[*value]
        ));
    }
    text
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

    #[test]
    fn variants_and_expectations_never_panic(which in 0..SHIPPED.len(), designs in proptest::collection::vec((0..NAMES.len(), 0..PATHS.len(), 0..NASTY.len()), 1..4), expect in proptest::collection::vec(0..EXPECT.len(), 0..3)) {
        check(with_designs(which, &designs, &expect).as_bytes())?;
    }

    #[test]
    fn set_arguments_never_panic(path in 0..PATHS.len(), values in proptest::collection::vec(0..NASTY.len(), 1..3), noise in "[ ,=\"'\\[\\]{}\n\r\u{1b}a-z0-9.]{0,8}") {
        let arg = format!("{}={}{noise}", PATHS[path], values.iter().map(|v| NASTY[*v]).collect::<Vec<_>>().join(","));
        set_argument(&arg)?;
    }

    #[test]
    fn arbitrary_set_arguments_never_panic(arg in "\\PC{0,40}") {
        set_argument(&arg)?;
    }
}

/// A `--set` argument is parsed and applied to the baseline: refused or taken, never a panic,
/// and never with a control character (which could carry more TOML).
fn set_argument(arg: &str) -> Result<(), TestCaseError> {
    use payfault::scenario::variants::{Override, apply, parse_set};
    let Ok((path, values)) = parse_set(arg) else {
        return Ok(());
    };
    prop_assert!(!arg.chars().any(char::is_control), "{arg:?} was taken");
    let src = SHIPPED[0];
    let base = scenario::parse(src, "b.toml", &Limits::default()).unwrap();
    for value in values {
        let o = Override {
            path: path.clone(),
            value,
            span: None,
        };
        if let Err(e) = apply(src, "b.toml", &base, &[o], "point", &Limits::default()) {
            prop_assert!(!e.to_string().is_empty());
        }
    }
    Ok(())
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

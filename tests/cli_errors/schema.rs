//! TOML syntax and schema, and units: probabilities, durations, rates and weights.

use super::*;

#[test]
fn toml_syntax_error_has_file_line_column() {
    let f = "syntax_missing_equals.toml";
    expect_bad(
        f,
        needles![loc(f, "3"), "key with no value", "expected `=`", "runs 3"],
    );
}

#[test]
fn unknown_field_suggests_latency() {
    let f = "unknown_field_latency.toml";
    expect_bad(
        f,
        needles![
            loc(f, "latncy"),
            field("network.latncy"),
            "unknown field `latncy`",
            "(did you mean \"latency\"?)",
            "expected one of `latency`, `loss`, `links`",
        ],
    );
}

#[test]
fn unknown_field_suggests_servers() {
    let f = "unknown_field_servers.toml";
    expect_bad(
        f,
        needles![
            loc(f, "serverz"),
            field("gateway.serverz"),
            "unknown field `serverz`",
            "(did you mean \"servers\"?)",
            "expected one of `servers`, `service`, `autoscale`",
        ],
    );
}

#[test]
fn unknown_table_suggests_simulation() {
    let f = "unknown_table.toml";
    expect_bad(
        f,
        needles![
            loc(f, "simulaton"),
            field("simulaton"),
            "unknown field `simulaton`",
            "(did you mean \"simulation\"?)",
            "`simulation`",
        ],
    );
}

#[test]
fn duplicate_key_is_located() {
    let f = "duplicate_key.toml";
    expect_bad(
        f,
        needles![loc(f, "servers = 5"), "duplicate key", "servers = 5"],
    );
}

#[test]
fn duplicate_table_is_located() {
    let f = "duplicate_table.toml";
    expect_bad(
        f,
        needles![loc(f, "[|gateway]\nservice"), "duplicate key", "[gateway]"],
    );
}

#[test]
fn string_where_integer_expected() {
    let f = "wrong_type_servers.toml";
    expect_bad(
        f,
        needles![
            loc(f, "\"eight\""),
            field("gateway.servers"),
            "invalid type: string \"eight\", expected",
        ],
    );
}

// ---------------------------------------------------------------------------------------------
// Units: probabilities, durations, rates, weights
// ---------------------------------------------------------------------------------------------

const PROBABILITY_HELP: &str = "must be between 0 and 1 inclusive";

#[test]
fn probability_above_one() {
    let f = "probability_loss_above_one.toml";
    expect_bad(
        f,
        needles![
            loc(f, "1.5"),
            field("network.loss"),
            "invalid probability 1.5",
            PROBABILITY_HELP
        ],
    );
}

#[test]
fn probability_below_zero() {
    let f = "probability_frozen_share_negative.toml";
    expect_bad(
        f,
        needles![
            loc(f, "-0.1"),
            field("issuers[0].accounts.frozen_share"),
            "invalid probability -0.1",
            PROBABILITY_HELP
        ],
    );
}

#[test]
fn probability_above_one_on_a_link() {
    let f = "probability_link_loss.toml";
    expect_bad(
        f,
        needles![
            loc(f, "1.5"),
            field("network.links[0].loss"),
            "invalid probability 1.5",
            PROBABILITY_HELP
        ],
    );
}

#[test]
fn probability_nan() {
    let f = "probability_nan.toml";
    expect_bad(
        f,
        needles![
            loc(f, "nan"),
            field("network.loss"),
            "invalid probability NaN",
            PROBABILITY_HELP
        ],
    );
}

const DURATION_HELP: &str = "expected a duration such as \"250ms\", \"30s\", \"1h30m\", \"2d\" (units: ns, us, ms, s, m, h, d)";

#[test]
fn negative_duration() {
    let f = "duration_negative.toml";
    expect_bad(
        f,
        needles![
            loc(f, "\"-5s\""),
            field("strategy.terminal_timeout"),
            "invalid duration \"-5s\"",
            "durations cannot be negative",
            DURATION_HELP,
        ],
    );
}

#[test]
fn negative_fault_start() {
    let f = "duration_negative_fault_start.toml";
    expect_bad(
        f,
        needles![
            loc(f, "\"-1h\""),
            field("faults[0].start"),
            "invalid duration \"-1h\"",
            "durations cannot be negative",
            DURATION_HELP,
        ],
    );
}

#[test]
fn unparseable_duration() {
    let f = "duration_unknown_unit.toml";
    expect_bad(
        f,
        needles![
            loc(f, "\"5 parsecs\""),
            field("strategy.terminal_timeout"),
            "invalid duration \"5 parsecs\"",
            DURATION_HELP,
        ],
    );
}

#[test]
fn duration_without_unit() {
    let f = "duration_without_unit.toml";
    expect_bad(
        f,
        needles![
            loc(f, "5"),
            field("strategy.terminal_timeout"),
            "invalid duration 5",
            "a number needs a unit",
            DURATION_HELP,
        ],
    );
}

const RATE_HELP: &str = "expected a rate such as \"50/s\", \"30/h\", \"1200/d\"";

#[test]
fn nan_rate() {
    let f = "rate_nan.toml";
    expect_bad(
        f,
        needles![
            loc(f, "\"NaN/s\""),
            field("terminals[0].rate"),
            "invalid rate \"NaN/s\"",
            "must be a finite number",
            RATE_HELP,
        ],
    );
}

#[test]
fn infinite_rate() {
    let f = "rate_inf.toml";
    expect_bad(
        f,
        needles![
            loc(f, "\"inf/h\""),
            field("terminals[0].rate"),
            "invalid rate \"inf/h\"",
            "must be a finite number",
            RATE_HELP,
        ],
    );
}

#[test]
fn infinite_weight() {
    let f = "weight_inf.toml";
    expect_bad(
        f,
        needles![
            loc(f, "inf"),
            field("channels[0].weight"),
            "must be a finite number >= 0, got inf",
        ],
    );
}

//! Upkeep strategies.

use super::*;

#[test]
fn upkeep_autoscale_below_not_under_above() {
    let f = "upkeep_autoscale_below.toml";
    expect_bad(
        f,
        needles![
            loc(f, "below = |0.9"),
            field("gateway.autoscale.below"),
            "got 0.9",
            "[0, above)",
        ],
    );
}

#[test]
fn upkeep_autoscale_max_below_servers() {
    let f = "upkeep_autoscale_max.toml";
    expect_bad(
        f,
        needles![
            loc(f, "max = |2"),
            field("channels[0].autoscale.max"),
            "must be at least 4, got 2",
        ],
    );
}

#[test]
fn upkeep_threshold_with_rates() {
    let f = "upkeep_threshold_with_rates.toml";
    expect_bad(
        f,
        needles![
            loc(f, "detection_rate = |0.8"),
            field("risk.threshold"),
            "not both",
        ],
    );
}

#[test]
fn upkeep_fleet_factor_zero() {
    let f = "upkeep_fleet_factor.toml";
    expect_bad(
        f,
        needles![
            loc(f, "maintenance_factor = |0.0"),
            field("strategy.fleet.maintenance_factor"),
            "must be a number in (0, 1000]",
            "got 0",
        ],
    );
}

#[test]
fn upkeep_support_response_zero() {
    let f = "upkeep_support_zero.toml";
    expect_bad(
        f,
        needles![
            loc(f, "response_time = |\"0s\""),
            field("support.response_time"),
            "must be longer than zero",
        ],
    );
}

#[test]
fn upkeep_saf_attempts_zero() {
    let f = "upkeep_saf_attempts.toml";
    expect_bad(
        f,
        needles![
            loc(f, "attempts = |0"),
            field("strategy.saf.attempts"),
            "must be at least 1, got 0",
        ],
    );
}

#[test]
fn upkeep_timeout_percentile_out_of_range() {
    let f = "upkeep_timeout_percentile.toml";
    expect_bad(
        f,
        needles![
            loc(f, "terminal_timeout = |{ percentile"),
            field("strategy.terminal_timeout"),
            "the percentile must be in (0, 100)",
            "got 100",
        ],
    );
}

//! Ids, links and faults, and distributions.

use super::*;

#[test]
fn fault_target_unknown_suggests_scheme() {
    let f = "fault_unknown_target.toml";
    expect_bad(
        f,
        needles![
            loc(f, "\"schme\""),
            field("faults[0].target"),
            "unknown component id \"schme\"",
            "(did you mean \"scheme\"?)",
            "an outage fault can target: gateway, scheme",
        ],
    );
}

#[test]
fn fault_target_terminal_group_is_rejected() {
    let f = "fault_target_terminal_group.toml";
    expect_bad(
        f,
        needles![
            loc(f, "target = |\"shops\""),
            field("faults[0].target"),
            "\"shops\"",
            "is a terminal group; an outage fault targets the gateway, a channel or an issuer",
        ],
    );
}

#[test]
fn link_unknown_id_suggests_gateway() {
    let f = "link_unknown_id.toml";
    expect_bad(
        f,
        needles![
            loc(f, "\"gatway\""),
            field("network.links[0].to"),
            "unknown component id \"gatway\"",
            "(did you mean \"gateway\"?)",
            "known ids: gateway, shops",
        ],
    );
}

#[test]
fn link_between_terminals_and_issuer_is_rejected() {
    let f = "link_not_allowed.toml";
    expect_bad(
        f,
        needles![
            loc(f, "to = |\"bank\""),
            field("network.links[0].to"),
            "there is no link between \"shops\" and \"bank\"",
            "links join a terminal group and the gateway, the gateway and a channel, or a channel and an issuer",
        ],
    );
}

#[test]
fn duplicate_ids_are_rejected() {
    let f = "duplicate_id.toml";
    expect_bad(
        f,
        needles![
            loc(f, "[[issuers]]\nid = |\"bank\""),
            field("issuers[0].id"),
            "id \"bank\" is already taken (by the channel)",
            "ids must be unique",
        ],
    );
}

#[test]
fn reserved_gateway_id_is_rejected() {
    let f = "duplicate_id_gateway.toml";
    expect_bad(
        f,
        needles![
            loc(f, "\"gateway\""),
            field("channels[0].id"),
            "id \"gateway\" is already taken (by the gateway)",
            "ids must be unique",
        ],
    );
}

#[test]
fn amount_limit_zero() {
    let f = "amount_limit_zero.toml";
    expect_bad(
        f,
        needles![
            loc(f, "amount_limit = |\"0.00\""),
            field("issuers[0].accounts.amount_limit"),
            "amount_limit = \"0.00\"",
            "must be greater than zero",
        ],
    );
}

#[test]
fn mean_payment_amount_zero() {
    let f = "amount_mean_zero.toml";
    expect_bad(
        f,
        needles![
            loc(f, "amount = |\"0.00\""),
            field("terminals[0].amount"),
            "amount = \"0.00\"",
            "the mean payment amount must be at least 0.01",
        ],
    );
}

// ---------------------------------------------------------------------------------------------
// Distributions
// ---------------------------------------------------------------------------------------------

#[test]
fn exponential_mean_zero() {
    let f = "dist_exponential_mean_zero.toml";
    expect_bad(
        f,
        needles![
            loc(f, "{ kind"),
            field("gateway.service"),
            "mean = \"0ms\"",
            "`mean` must be greater than zero",
        ],
    );
}

#[test]
fn exponential_mean_zero_in_a_sub_table() {
    let f = "dist_subtable_mean_zero.toml";
    expect_bad(
        f,
        needles![
            loc(f, "[gateway.service]"),
            field("gateway.service"),
            "`mean` must be greater than zero",
        ],
    );
}

#[test]
fn lognormal_p99_not_above_median() {
    let f = "dist_lognormal_p99_not_above_median.toml";
    expect_bad(
        f,
        needles![
            loc(f, "{ kind"),
            field("gateway.service"),
            "median = \"40ms\", p99 = \"40ms\"",
            "`p99` (\"40ms\") must be greater than `median` (\"40ms\")",
        ],
    );
}

#[test]
fn uniform_max_below_min() {
    let f = "dist_uniform_max_below_min.toml";
    expect_bad(
        f,
        needles![
            loc(f, "{ kind"),
            field("gateway.service"),
            "min = \"3ms\", max = \"1ms\"",
            "`max` (\"1ms\") must not be below `min` (\"3ms\")",
        ],
    );
}

#[test]
fn unknown_distribution_kind() {
    let f = "dist_unknown_kind.toml";
    expect_bad(
        f,
        needles![
            loc(f, "{ kind"),
            field("gateway.service"),
            "unknown distribution kind \"expo\"",
            "(did you mean \"exponential\"?)",
            "expected one of constant, uniform, exponential, lognormal, empirical",
        ],
    );
}

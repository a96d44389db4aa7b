//! The path after authorisation (routing table, channels, clearing files, payouts, merchant
//! risk, reconciliation, liability) and the retry strategies.

use super::*;

#[test]
fn routing_unknown_channel_suggests_the_close_one() {
    let f = "routing_unknown_channel.toml";
    expect_bad(
        f,
        needles![
            loc(f, "\"unionpy\""),
            field("routing[0].channel"),
            "unknown channel id \"unionpy\"",
            "(did you mean \"unionpay\"?)",
            "channels: unionpay",
        ],
    );
}

#[test]
fn guard_health_check_needs_a_backup() {
    let f = "guard_health_check_without_backup.toml";
    expect_bad(
        f,
        needles![
            loc(f, "mode = |\"health_check\""),
            field("strategy.failover.mode"),
            "mode \"health_check\" moves cards to their route's backup channel",
            "no [[routing]] entry has a `backup`",
        ],
    );
}

#[test]
fn guard_echo_timeout_longer_than_the_interval() {
    let f = "guard_echo_timeout_above_interval.toml";
    expect_bad(
        f,
        needles![
            loc(f, "echo_timeout = |\"30s\""),
            field("strategy.failover.echo_timeout"),
            "30 s is longer than strategy.failover.echo_interval (10 s)",
        ],
    );
}

#[test]
fn guard_unknown_failover_mode() {
    let f = "guard_failover_unknown_mode.toml";
    expect_bad(
        f,
        needles![
            loc(f, "mode = |\"ping\""),
            field("strategy.failover.mode"),
            "`ping`",
            "`none`, `refusal`, `health_check`, `observed`",
        ],
    );
}

#[test]
fn guard_breaker_min_calls_above_its_window() {
    let f = "guard_breaker_min_calls_above_window.toml";
    expect_bad(
        f,
        needles![
            loc(f, "min_calls = |20"),
            field("strategy.breaker.min_calls"),
            "20 is more than strategy.breaker.window (10): the breaker could never open",
        ],
    );
}

#[test]
fn guard_bulkhead_of_zero() {
    let f = "guard_bulkhead_zero.toml";
    expect_bad(
        f,
        needles![
            loc(f, "bulkhead = |0"),
            field("channels[0].bulkhead"),
            "must be at least 1, got 0",
        ],
    );
}

#[test]
fn guard_announced_outage_of_an_issuer() {
    let f = "guard_announced_issuer_outage.toml";
    expect_bad(
        f,
        needles![
            loc(f, "announced = |true"),
            field("faults[0].announced"),
            "only an outage fault of a channel can be announced",
        ],
    );
}

#[test]
fn routing_table_missing_an_issuer() {
    let f = "routing_missing_issuer.toml";
    expect_bad(
        f,
        needles![
            loc(f, "[[routing]]"),
            field("routing"),
            "issuer \"bank-b\" is missing from the routing table",
            "every issuer needs exactly one (issuers: bank-a, bank-b)",
        ],
    );
}

#[test]
fn routing_table_with_an_issuer_twice() {
    let f = "routing_duplicate_issuer.toml";
    expect_bad(
        f,
        needles![
            loc(f, "channel = \"cup\"\n\n[[routing]]\nissuer = |\"bank-a\""),
            field("routing[1].issuer"),
            "issuer \"bank-a\" is already routed by routing[0]",
            "each issuer appears exactly once",
        ],
    );
}

#[test]
fn routing_backup_is_the_channel_itself() {
    let f = "routing_backup_is_channel.toml";
    expect_bad(
        f,
        needles![
            loc(f, "backup = |\"cup\""),
            field("routing[0].backup"),
            "backup \"cup\" is the same channel as routing[0].channel",
            "the backup must be another channel",
        ],
    );
}

#[test]
fn stand_in_needs_an_issuer_timeout() {
    let f = "stand_in_without_issuer_timeout.toml";
    expect_bad(
        f,
        needles![
            loc(f, "enabled = |true"),
            field("channels[0].stand_in.enabled"),
            "stand_in.enabled = true needs channels[0].issuer_timeout",
            "stand-in acts after the channel's issuer_timeout, e.g. issuer_timeout = \"10s\"",
        ],
    );
}

#[test]
fn file_reject_and_late_shares_above_one() {
    let f = "file_shares_above_one.toml";
    expect_bad(
        f,
        needles![
            loc(f, "file_late_share = |0.5"),
            field("settlement.file_late_share"),
            "file_reject_share + file_late_share is 0.6 + 0.5 = 1.1",
            "must add up to at most 1",
        ],
    );
}

#[test]
fn d0_daily_cap_with_a_t1_schedule() {
    let f = "d0_cap_with_t1.toml";
    expect_bad(
        f,
        needles![
            loc(f, "\"5000.00\""),
            field("payout.d0_daily_cap"),
            "d0_daily_cap = 5000.00 caps D+0 instant payouts, but payout.schedule is \"t1\"",
            "set schedule = \"d0\" or remove d0_daily_cap",
        ],
    );
}

#[test]
fn bank_maintenance_window_that_ends_when_it_starts() {
    let f = "bank_maintenance_empty_window.toml";
    expect_bad(
        f,
        needles![
            loc(f, "end = |\"23:30\""),
            field("payout.bank_maintenance[0]"),
            "start and end are both \"23:30\"",
            "a window needs an end different from its start",
        ],
    );
}

#[test]
fn payout_promise_with_a_duration_after_t_plus_1() {
    let f = "payout_promise_duration_after_t1.toml";
    expect_bad(
        f,
        needles![
            loc(f, "\"T+1 2h\""),
            field("payout.promise"),
            "invalid promise \"T+1 2h\"",
            "after \"T+1\" comes a deadline time of day \"HH:MM\" (e.g. \"T+1 18:00\"), got \"2h\"",
            "expected \"T+N\" (by the end of the N-th business day after the sale's cut-off day)",
            "or \"D+0\" followed by a duration after the sale (\"D+0 2h\")",
        ],
    );
}

#[test]
fn merchant_risk_enabled_without_a_rule() {
    let f = "merchant_risk_no_rule.toml";
    expect_bad(
        f,
        needles![
            loc(f, "enabled = |true"),
            field("merchant_risk.enabled"),
            "merchant_risk.enabled = true, but no rule can hold a payout",
            "set large_sale, night or daily_count, or misfire_share above 0",
        ],
    );
}

#[test]
fn reconciliation_interval_zero() {
    let f = "reconciliation_interval_zero.toml";
    expect_bad(
        f,
        needles![
            loc(f, "\"0s\""),
            field("reconciliation.interval"),
            "interval = \"0s\"",
            "must be longer than zero, got 0",
            "e.g. \"24h\"",
        ],
    );
}

#[test]
fn unknown_message_flow_suggests_single() {
    let f = "flow_unknown.toml";
    expect_bad(
        f,
        needles![
            loc(f, "\"singel\""),
            field("channels[0].flow"),
            "unknown variant `singel`",
            "(did you mean \"single\"?)",
            "expected `dual` or `single`",
        ],
    );
}

#[test]
fn unknown_terminal_messages_suggests_single() {
    let f = "messages_unknown.toml";
    expect_bad(
        f,
        needles![
            loc(f, "\"singel\""),
            field("terminals[0].messages"),
            "unknown variant `singel`",
            "(did you mean \"single\"?)",
            "expected `dual` or `single`",
        ],
    );
}

#[test]
fn unknown_channel_codes_suggests_unionpay() {
    let f = "codes_unknown.toml";
    expect_bad(
        f,
        needles![
            loc(f, "\"union_pay\""),
            field("channels[0].codes"),
            "unknown variant `union_pay`",
            "(did you mean \"unionpay\"?)",
            "expected `iso` or `unionpay`",
        ],
    );
}

#[test]
fn unknown_liability() {
    let f = "liability_unknown.toml";
    expect_bad(
        f,
        needles![
            loc(f, "\"cardholder\""),
            field("risk.liability"),
            "unknown variant `cardholder`",
            "expected one of `merchant`, `acquirer`, `issuer`",
        ],
    );
}

#[test]
fn unknown_retry_layer() {
    let f = "retry_layer_unknown.toml";
    expect_bad(
        f,
        needles![
            loc(f, "\"gateway\""),
            field("strategy.retry.layer"),
            "unknown variant `gateway`",
            "expected one of `none`, `terminal`, `acquirer`",
        ],
    );
}

#[test]
fn unknown_retry_jitter() {
    let f = "retry_jitter_unknown.toml";
    expect_bad(
        f,
        needles![
            loc(f, "\"equal\""),
            field("strategy.retry.jitter"),
            "unknown variant `equal`",
            "expected one of `none`, `full`, `decorrelated`",
        ],
    );
}

#[test]
fn retry_attempts_out_of_range() {
    let f = "retry_attempts_too_many.toml";
    expect_bad(
        f,
        needles![
            loc(f, "attempts = |11"),
            field("strategy.retry.attempts"),
            "11 is above the limit of 10",
        ],
    );
}

#[test]
fn retry_max_backoff_below_base() {
    let f = "retry_max_backoff_short.toml";
    expect_bad(
        f,
        needles![
            loc(f, "max_backoff = |\"1s\""),
            field("strategy.retry.max_backoff"),
            "must not be shorter than strategy.retry.base (5 s), got 1 s",
        ],
    );
}

#[test]
fn retry_budget_negative_and_burst_too_small() {
    let f = "retry_budget_negative.toml";
    expect_bad(
        f,
        needles![
            loc(f, "budget = |-0.1"),
            field("strategy.retry.budget"),
            "must be a finite number >= 0",
            "got -0.1",
        ],
    );
    let f = "retry_burst_zero.toml";
    expect_bad(
        f,
        needles![
            loc(f, "budget_burst = |0.5"),
            field("strategy.retry.budget_burst"),
            "must be a finite number >= 1",
            "got 0.5",
        ],
    );
}

#[test]
fn idempotency_retention_shorter_than_the_longest_retry() {
    let f = "idempotency_retention_short.toml";
    expect_bad(
        f,
        needles![
            loc(f, "retention = |\"1m\""),
            field("strategy.idempotency.retention"),
            "60 s is shorter than the longest retry (3 attempts x (timeout 30 s + max_backoff \
             30 s) = 180 s)",
        ],
    );
}

#[test]
fn pay_again_share_above_one() {
    let f = "pay_again_share_above_one.toml";
    expect_bad(
        f,
        needles![
            loc(f, "pay_again_share = |1.5"),
            field("strategy.cardholder.pay_again_share"),
            "1.5",
        ],
    );
}

#[test]
fn transactions_whose_shares_exceed_one() {
    let f = "transactions_shares_above_one.toml";
    expect_bad(
        f,
        needles![
            loc(f, "refund_share = |0.7"),
            field("transactions.refund_share"),
            "void_share + refund_share must be at most 1, got 0.4 + 0.7",
        ],
    );
}

#[test]
fn transactions_with_an_unknown_field() {
    let f = "transactions_unknown_field.toml";
    expect_bad(
        f,
        needles![loc(f, "|refund_days"), "refund_days", "void_share",],
    );
}

#[test]
fn pos_batch_upload_needs_the_batch_settlement() {
    let f = "pos_batch_upload_without_batch.toml";
    expect_bad(
        f,
        needles![
            loc(f, "pos_batch_upload = |true"),
            field("settlement.pos_batch_upload"),
            "needs settlement.pos_batch = true",
        ],
    );
}

#[test]
fn disputes_whose_shares_exceed_one() {
    let f = "disputes_shares_above_one.toml";
    expect_bad(
        f,
        needles![
            loc(f, "processing_share = |0.5"),
            field("disputes.processing_share"),
            "goods_share + processing_share must be at most 1, got 0.6 + 0.5",
        ],
    );
}

#[test]
fn issuer_card_shares_that_exceed_one() {
    let f = "issuer_card_shares_above_one.toml";
    expect_bad(
        f,
        needles![
            loc(f, "expired_card_share = |0.2"),
            field("issuers[0].expired_card_share"),
            "do_not_honour_share + wrong_pin_share + expired_card_share must be at most 1",
        ],
    );
}

#[test]
fn qr_needs_a_single_message_channel() {
    let f = "qr_on_a_dual_message_channel.toml";
    expect_bad(
        f,
        needles![
            loc(f, "|[channels.qr]"),
            field("channels[0].qr"),
            "needs flow = \"single\"",
        ],
    );
}

#[test]
fn personal_account_shares_that_exceed_one() {
    let f = "personal_account_shares_above_one.toml";
    expect_bad(
        f,
        needles![
            loc(f, "class3_account_share = |0.5"),
            field("payout.class3_account_share"),
            "personal_account_share + class3_account_share must be at most 1, got 0.7 + 0.5",
        ],
    );
}

#[test]
fn unknown_reconciliation_source_suggests_scheme_file() {
    let f = "recon_source_unknown.toml";
    expect_bad(
        f,
        needles![
            loc(f, "\"scheme_fil\""),
            field("reconciliation.source"),
            "unknown variant `scheme_fil`",
            "(did you mean \"scheme_file\"?)",
            "expected `records` or `scheme_file`",
        ],
    );
}

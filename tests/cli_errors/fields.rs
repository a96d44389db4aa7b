//! Other fields: enums, ids, times, weekdays, profiles and horizons.

use super::*;

#[test]
fn unknown_outage_mode() {
    let f = "fault_unknown_mode.toml";
    expect_bad(
        f,
        needles![
            loc(f, "\"explode\""),
            field("faults[0].mode"),
            "unknown variant `explode`",
            "expected one of `drop`, `reject`, `hang`",
        ],
    );
}

#[test]
fn invalid_id() {
    let f = "invalid_id.toml";
    expect_bad(
        f,
        needles![
            loc(f, "\"Visa Net\""),
            field("channels[0].id"),
            "invalid id \"Visa Net\"",
            "ids use lowercase letters, digits, '_' and '-'",
        ],
    );
}

#[test]
fn time_of_day_out_of_range() {
    let f = "time_of_day_24.toml";
    expect_bad(
        f,
        needles![
            loc(f, "\"24:00\""),
            field("settlement.cutoff"),
            "invalid time of day \"24:00\"",
            "between 00:00 and 23:59:59",
        ],
    );
}

#[test]
fn unknown_weekday() {
    let f = "weekday_unknown.toml";
    expect_bad(
        f,
        needles![
            loc(f, "\"funday\""),
            field("simulation.start_weekday"),
            "invalid weekday \"funday\"",
            "expected one of monday..sunday or mon..sun",
        ],
    );
}

#[test]
fn malformed_start_date() {
    let f = "date_malformed.toml";
    expect_bad(
        f,
        needles![
            loc(f, "\"30/09/2026\""),
            field("simulation.start_date"),
            "invalid date \"30/09/2026\"",
            "expected a calendar date \"YYYY-MM-DD\" such as \"2026-10-01\"",
        ],
    );
}

#[test]
fn holiday_on_a_day_the_month_does_not_have() {
    let f = "date_day_out_of_range.toml";
    expect_bad(
        f,
        needles![
            loc(f, "\"2026-09-31\""),
            field("settlement.holidays[1]"),
            "invalid date \"2026-09-31\": month 9 of 2026 has days 1 to 30",
            "\"YYYY-MM-DD\"",
        ],
    );
}

#[test]
fn holidays_need_a_start_date() {
    let f = "holidays_without_start_date.toml";
    expect_bad(
        f,
        needles![
            loc(f, "[\"2026-10-01\", \"2026-10-02\"]"),
            field("settlement.holidays"),
            "settlement.holidays lists calendar dates, and placing them on the simulated days \
             needs simulation.start_date, the date of day 0",
        ],
    );
}

#[test]
fn extra_business_days_need_a_start_date() {
    let f = "extra_business_days_without_start_date.toml";
    expect_bad(
        f,
        needles![
            loc(f, "[\"2026-10-10\"]"),
            field("settlement.extra_business_days"),
            "needs simulation.start_date",
        ],
    );
}

#[test]
fn start_weekday_inconsistent_with_start_date() {
    let f = "start_weekday_mismatch.toml";
    expect_bad(
        f,
        needles![
            loc(f, "\"monday\""),
            field("simulation.start_weekday"),
            "simulation.start_weekday is \"monday\" but simulation.start_date \"2026-09-30\" is \
             a wednesday",
            "give only start_date",
        ],
    );
}

#[test]
fn date_both_holiday_and_extra_business_day() {
    let f = "holiday_and_extra_business_day.toml";
    expect_bad(
        f,
        needles![
            loc(f, "extra_business_days = [\"2026-10-10\", |\"2026-10-02\""),
            field("settlement.extra_business_days"),
            "2026-10-02 is also listed in settlement.holidays",
        ],
    );
}

#[test]
fn hourly_profile_of_the_wrong_length() {
    let f = "profile_length.toml";
    expect_bad(
        f,
        needles![
            loc(f, "[1, 2]"),
            field("terminals[0].profile"),
            "needs 24 weights, one per hour of the day; got 2",
        ],
    );
}

#[test]
fn observation_before_traffic_window_ends() {
    let f = "observation_before_window.toml";
    expect_bad(
        f,
        needles![
            loc(f, "\"1h\""),
            field("simulation.observation"),
            "observation = \"1h\"",
            "must not end before the traffic window",
        ],
    );
}

#[test]
fn horizon_above_the_limit() {
    let f = "horizon_too_long.toml";
    expect_bad(
        f,
        needles![
            loc(f, "\"400d\""),
            field("simulation"),
            "the run would cover 400 days (traffic, then observation until settlement completes); the limit is 366 days",
            "--allow-large",
        ],
    );
}

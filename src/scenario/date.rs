//! Calendar dates ("YYYY-MM-DD") as days since 1970-01-01, for `simulation.start_date` and the
//! settlement calendar's holidays, extra business days and bank-down days.

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use std::fmt;

const DATE_HELP: &str = "expected a calendar date \"YYYY-MM-DD\" such as \"2026-10-01\"";

/// Days from 1970-01-01 to the proleptic Gregorian date `y`-`m`-`d` (negative before 1970).
/// Howard Hinnant's `days_from_civil`; `m` in 1..=12 and `d` in 1..=31.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400; // [0, 399]
    let mp = (m as i64 + 9) % 12; // March = 0
    let doy = (153 * mp + 2) / 5 + d as i64 - 1; // [0, 365]
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; // [0, 146096]
    era * 146_097 + doe - 719_468
}

/// The date (year, month, day) of a day counted from 1970-01-01: Hinnant's `civil_from_days`.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097; // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // March = 0
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// The weekday of a day counted from 1970-01-01 (a Thursday), Monday = 0.
pub fn weekday_from_days(z: i64) -> u8 {
    (z + 3).rem_euclid(7) as u8
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Parses "YYYY-MM-DD" (four-digit year, two-digit month and day) into days from 1970-01-01.
pub fn parse_date(input: &str) -> Result<i64, String> {
    let s = input.trim();
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if b.len() != 10
        || b[4] != b'-'
        || b[7] != b'-'
        || !digits(0..4)
        || !digits(5..7)
        || !digits(8..10)
    {
        return Err(format!("invalid date \"{input}\"; {DATE_HELP}"));
    }
    let num = |r: std::ops::Range<usize>| s[r].parse::<u32>().expect("ASCII digits");
    let (y, m, d) = (num(0..4) as i64, num(5..7), num(8..10));
    if !(1..=12).contains(&m) {
        return Err(format!(
            "invalid date \"{input}\": there is no month {m}; {DATE_HELP}"
        ));
    }
    let last = days_in_month(y, m);
    if d == 0 || d > last {
        return Err(format!(
            "invalid date \"{input}\": month {m} of {y} has days 1 to {last}; {DATE_HELP}"
        ));
    }
    Ok(days_from_civil(y, m, d))
}

/// A calendar date from a scenario file, as days from 1970-01-01. Written as a string
/// "2026-10-01" or as an unquoted TOML local date (2026-10-01).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Date(pub i64);

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let (y, m, d) = civil_from_days(self.0);
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Date;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(DATE_HELP.trim_start_matches("expected "))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Date, E> {
                parse_date(v).map(Date).map_err(E::custom)
            }
            // An unquoted TOML date-time reaches serde as a one-entry map; only a plain local
            // date is accepted. Any other map is a TOML table written where a date belongs.
            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Date, A::Error> {
                toml::value::Datetime::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map_err(|_: A::Error| de::Error::invalid_type(de::Unexpected::Map, &self))
                    .and_then(|dt| self.visit_str(&dt.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(parse_date("1970-01-01"), Ok(0));
        assert_eq!(parse_date("2000-03-01"), Ok(11_017));
        let d = parse_date("2026-09-30").unwrap();
        assert_eq!(weekday_from_days(d), 2, "2026-09-30 is a Wednesday");
        assert_eq!(
            weekday_from_days(parse_date("2026-10-10").unwrap()),
            5,
            "a Saturday"
        );
        assert_eq!(weekday_from_days(parse_date("1969-12-31").unwrap()), 2);
        assert_eq!(
            parse_date("2024-02-29").map(civil_from_days),
            Ok((2024, 2, 29))
        );
        assert_eq!(
            Date(parse_date("0001-01-01").unwrap()).to_string(),
            "0001-01-01"
        );
        for bad in [
            "2026-9-30",
            "2026/09/30",
            "30-09-2026",
            "2026-13-01",
            "2026-00-10",
            "2026-02-29",
            "1900-02-29",
            "2026-04-31",
            "2026-10-00",
            "",
            "2026-10-01T00:00:00",
            "+2026-10-01",
        ] {
            let e = parse_date(bad).unwrap_err();
            assert!(e.contains("\"YYYY-MM-DD\""), "{bad}: {e}");
        }
        // days_from_civil and civil_from_days are inverse on every day of four centuries
        // around the present, and consecutive days have consecutive weekdays.
        let start = days_from_civil(1800, 1, 1);
        for z in start..start + 146_097 * 2 {
            let (y, m, d) = civil_from_days(z);
            assert!(d >= 1 && d <= days_in_month(y, m), "{z}");
            assert_eq!(days_from_civil(y, m, d), z);
            assert_eq!(weekday_from_days(z + 1), (weekday_from_days(z) + 1) % 7);
        }
    }
}

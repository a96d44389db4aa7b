//! Human-readable quantities in scenario files: durations ("250ms", "1h30m"), rates ("30/h"),
//! money ("25.00"), probabilities, times of day ("22:00"), weekdays and calendar dates
//! ("2026-10-01").
//!
//! Each type parses in its `Deserialize` impl, so a bad value is reported by the TOML reader
//! with the exact line and column of the value.

pub use super::date::{Date, civil_from_days, days_from_civil, parse_date, weekday_from_days};
use crate::engine::{DAY, HOUR, MICRO, MILLI, MINUTE, Nanos, SECOND};
use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use std::fmt;

/// Longest duration a scenario may name: 100 years. Far beyond any sensible horizon, far below
/// `u64` nanoseconds (584 years), so sums of a few durations cannot overflow.
pub const MAX_DURATION: Nanos = 100 * 365 * DAY;

const DURATION_HELP: &str = "expected a duration such as \"250ms\", \"30s\", \"1h30m\", \"2d\" \
                             (units: ns, us, ms, s, m, h, d)";

fn unit_ns(unit: &str) -> Option<u128> {
    Some(match unit {
        "ns" => 1,
        "us" | "µs" => MICRO as u128,
        "ms" => MILLI as u128,
        "s" | "sec" | "secs" => SECOND as u128,
        "m" | "min" | "mins" => MINUTE as u128,
        "h" | "hr" | "hrs" => HOUR as u128,
        "d" | "day" | "days" => DAY as u128,
        _ => return None,
    })
}

/// Parses "1h30m", "250ms", "1.5s", "0". Exact decimal arithmetic: "0.1s" is 100,000,000 ns.
pub fn parse_duration(input: &str) -> Result<Nanos, String> {
    let s = input.trim();
    if s.is_empty() {
        return Err(format!("empty duration; {DURATION_HELP}"));
    }
    if s.starts_with('-') {
        return Err(format!(
            "invalid duration \"{input}\": durations cannot be negative; {DURATION_HELP}"
        ));
    }
    if s == "0" {
        return Ok(0);
    }
    let bytes = s.as_bytes();
    let mut i = 0;
    let mut total: u128 = 0;
    let mut parts = 0;
    while i < bytes.len() {
        while i < bytes.len() && bytes[i] == b' ' {
            i += 1;
        }
        if i >= bytes.len() {
            break;
        }
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        let int_part = &s[start..i];
        let mut frac_part = "";
        if i < bytes.len() && bytes[i] == b'.' {
            i += 1;
            let fs = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            frac_part = &s[fs..i];
        }
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(format!(
                "invalid duration \"{input}\": expected a number at \"{}\"; {DURATION_HELP}",
                &s[start..]
            ));
        }
        while i < bytes.len() && bytes[i] == b' ' {
            i += 1;
        }
        let ustart = i;
        while i < bytes.len() && !bytes[i].is_ascii_digit() && bytes[i] != b' ' && bytes[i] != b'.'
        {
            i += 1;
        }
        let unit = &s[ustart..i];
        if unit.is_empty() {
            return Err(format!(
                "invalid duration \"{input}\": a number needs a unit; {DURATION_HELP}"
            ));
        }
        let Some(mult) = unit_ns(unit) else {
            return Err(format!(
                "invalid duration \"{input}\": unknown unit \"{unit}\"; {DURATION_HELP}"
            ));
        };
        let too_large =
            || format!("invalid duration \"{input}\": too large (the limit is 100 years)");
        if int_part.len() > 20 || frac_part.len() > 18 {
            return Err(too_large());
        }
        let int_v: u128 = if int_part.is_empty() {
            0
        } else {
            int_part.parse().map_err(|_| too_large())?
        };
        let mut v = int_v.checked_mul(mult).ok_or_else(too_large)?;
        if !frac_part.is_empty() {
            let frac_v: u128 = frac_part.parse().map_err(|_| too_large())?;
            let scale = 10u128.pow(frac_part.len() as u32);
            v += frac_v * mult / scale;
        }
        total = total.checked_add(v).ok_or_else(too_large)?;
        if total > MAX_DURATION as u128 {
            return Err(too_large());
        }
        parts += 1;
    }
    if parts == 0 {
        return Err(format!("invalid duration \"{input}\"; {DURATION_HELP}"));
    }
    Ok(total as Nanos)
}

/// A duration from a scenario file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Duration(pub Nanos);

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Duration;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a duration string such as \"250ms\" or \"1h30m\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Duration, E> {
                parse_duration(v).map(Duration).map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Duration, E> {
                if v == 0 {
                    Ok(Duration(0))
                } else {
                    Err(E::custom(format!(
                        "invalid duration {v}: a number needs a unit; {DURATION_HELP}"
                    )))
                }
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Duration, E> {
                if v == 0.0 {
                    return Ok(Duration(0));
                }
                Err(E::custom(format!(
                    "invalid duration {v}: a number needs a unit; {DURATION_HELP}"
                )))
            }
        }
        d.deserialize_any(V)
    }
}

const RATE_HELP: &str = "expected a rate such as \"50/s\", \"30/h\", \"1200/d\" (per s, min, h, d)";

/// Parses "30/h" into events per second.
pub fn parse_rate(input: &str) -> Result<f64, String> {
    let s = input.trim();
    let Some((num, unit)) = s.split_once('/') else {
        return Err(format!(
            "invalid rate \"{input}\": missing \"/unit\"; {RATE_HELP}"
        ));
    };
    let num = num.trim();
    let v: f64 = num
        .parse()
        .map_err(|_| format!("invalid rate \"{input}\": \"{num}\" is not a number; {RATE_HELP}"))?;
    if !v.is_finite() {
        return Err(format!(
            "invalid rate \"{input}\": must be a finite number; {RATE_HELP}"
        ));
    }
    if v < 0.0 {
        return Err(format!(
            "invalid rate \"{input}\": rates cannot be negative; {RATE_HELP}"
        ));
    }
    let per = match unit.trim() {
        "s" | "sec" | "second" => 1.0,
        "m" | "min" | "minute" => 60.0,
        "h" | "hr" | "hour" => 3600.0,
        "d" | "day" => 86400.0,
        other => {
            return Err(format!(
                "invalid rate \"{input}\": unknown unit \"{other}\"; {RATE_HELP}"
            ));
        }
    };
    Ok(v / per)
}

/// A rate, in events per second.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Rate(pub f64);

impl<'de> Deserialize<'de> for Rate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Rate;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a rate string such as \"30/h\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Rate, E> {
                parse_rate(v).map(Rate).map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Rate, E> {
                Err(E::custom(format!(
                    "invalid rate {v}: a rate needs a unit; {RATE_HELP}"
                )))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Rate, E> {
                Err(E::custom(format!(
                    "invalid rate {v}: a rate needs a unit; {RATE_HELP}"
                )))
            }
        }
        d.deserialize_any(V)
    }
}

/// Money in minor units (cents). Amounts are integers everywhere in the model.
pub type Minor = i64;

/// The largest amount a scenario may name: 10^13 major units, so sums of millions of payments
/// stay far from `i64` overflow.
pub const MAX_MONEY: Minor = 1_000_000_000_000_000;

const MONEY_HELP: &str = "expected an amount in major units such as \"25.00\", \"0.99\" or 1200";

/// Parses "25.00" / "25" / "0.5" into minor units, exactly (at most two decimals).
pub fn parse_money(input: &str) -> Result<Minor, String> {
    let s = input.trim();
    let (neg, body) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (int_part, frac_part) = body.split_once('.').unwrap_or((body, ""));
    let digits_ok = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if int_part.is_empty() && frac_part.is_empty() || !digits_ok(int_part) || !digits_ok(frac_part)
    {
        return Err(format!("invalid amount \"{input}\"; {MONEY_HELP}"));
    }
    if frac_part.len() > 2 {
        return Err(format!(
            "invalid amount \"{input}\": at most two decimals (minor units); {MONEY_HELP}"
        ));
    }
    if int_part.len() > 13 {
        return Err(format!(
            "invalid amount \"{input}\": too large (the limit is 10^13)"
        ));
    }
    let int_v: i64 = if int_part.is_empty() {
        0
    } else {
        int_part
            .parse()
            .map_err(|e| format!("invalid amount \"{input}\": {e}"))?
    };
    let mut frac_v: i64 = if frac_part.is_empty() {
        0
    } else {
        frac_part
            .parse()
            .map_err(|e| format!("invalid amount \"{input}\": {e}"))?
    };
    if frac_part.len() == 1 {
        frac_v *= 10;
    }
    let v = int_v * 100 + frac_v;
    Ok(if neg { -v } else { v })
}

/// An amount in minor units as major units with two decimals, e.g. "-3.10".
pub fn format_money(m: Minor) -> String {
    let sign = if m < 0 { "-" } else { "" };
    format!(
        "{sign}{}.{:02}",
        m.unsigned_abs() / 100,
        m.unsigned_abs() % 100
    )
}

/// Converts a float in major units to minor units (rounded), rejecting NaN, infinities and
/// values beyond [`MAX_MONEY`].
pub fn money_from_f64(v: f64) -> Result<Minor, String> {
    if !v.is_finite() {
        return Err(format!("invalid amount {v}: must be a finite number"));
    }
    let m = (v * 100.0).round();
    if m.abs() > MAX_MONEY as f64 {
        return Err(format!(
            "invalid amount {v}: too large (the limit is 10^13)"
        ));
    }
    Ok(m as Minor)
}

/// An amount of money from a scenario file, in minor units.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Money(pub Minor);

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Money;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an amount such as \"25.00\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Money, E> {
                parse_money(v).map(Money).map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Money, E> {
                v.checked_mul(100)
                    .filter(|m| m.abs() <= MAX_MONEY)
                    .map(Money)
                    .ok_or_else(|| {
                        E::custom(format!(
                            "invalid amount {v}: too large (the limit is 10^13)"
                        ))
                    })
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Money, E> {
                i64::try_from(v)
                    .map_err(|_| E::custom(format!("invalid amount {v}: too large")))
                    .and_then(|v| self.visit_i64(v))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Money, E> {
                money_from_f64(v).map(Money).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

/// A probability in `[0, 1]`.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Probability(pub f64);

pub fn check_probability(v: f64) -> Result<f64, String> {
    if v.is_nan() || !(0.0..=1.0).contains(&v) {
        Err(format!(
            "invalid probability {v}: must be between 0 and 1 inclusive (e.g. 0.002 for 0.2%)"
        ))
    } else {
        Ok(v)
    }
}

impl<'de> Deserialize<'de> for Probability {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Probability;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a probability between 0 and 1")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Probability, E> {
                check_probability(v).map(Probability).map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Probability, E> {
                self.visit_f64(v as f64)
            }
        }
        d.deserialize_any(V)
    }
}

/// A time of day, "HH:MM" or "HH:MM:SS", as nanoseconds after midnight.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct TimeOfDay(pub Nanos);

pub fn parse_time_of_day(input: &str) -> Result<Nanos, String> {
    let help = "expected a time of day \"HH:MM\" or \"HH:MM:SS\" between 00:00 and 23:59:59";
    let parts: Vec<&str> = input.trim().split(':').collect();
    if parts.len() < 2
        || parts.len() > 3
        || parts
            .iter()
            .any(|p| p.is_empty() || p.len() > 2 || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(format!("invalid time of day \"{input}\"; {help}"));
    }
    let n: Vec<u64> = parts.iter().map(|p| p.parse().unwrap_or(99)).collect();
    let (h, m, s) = (n[0], n[1], n.get(2).copied().unwrap_or(0));
    if h > 23 || m > 59 || s > 59 {
        return Err(format!("invalid time of day \"{input}\"; {help}"));
    }
    Ok(h * HOUR + m * MINUTE + s * SECOND)
}

impl<'de> Deserialize<'de> for TimeOfDay {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        parse_time_of_day(&s)
            .map(TimeOfDay)
            .map_err(de::Error::custom)
    }
}

/// A day of the week, Monday = 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Weekday(pub u8);

pub const WEEKDAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

impl<'de> Deserialize<'de> for Weekday {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let l = s.trim().to_ascii_lowercase();
        WEEKDAYS
            .iter()
            .position(|w| *w == l || (l.len() == 3 && w.starts_with(&l)))
            .map(|i| Weekday(i as u8))
            .ok_or_else(|| {
                de::Error::custom(format!(
                    "invalid weekday \"{s}\": expected one of monday..sunday or mon..sun"
                ))
            })
    }
}

/// A fee rate, in millionths of the amount (parts per million): `"0.6%"` or a fraction such
/// as `0.006`; from 0 up to (not including) 50%.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct FeeRate(pub u32);

/// The largest fee rate a scenario may set, in millionths (exclusive): a fee of half the sale
/// or more would leave the merchant nothing for a one-cent sale.
pub const MAX_FEE_PPM: u32 = 500_000;

pub fn parse_fee_rate(input: &str) -> Result<u32, String> {
    let help = "expected a rate such as \"0.6%\" or a fraction such as 0.006, from 0 up to 50%";
    let s = input.trim();
    let (num, per) = match s.strip_suffix('%') {
        Some(n) => (n.trim(), 100.0),
        None => (s, 1.0),
    };
    let v: f64 = num
        .parse()
        .map_err(|_| format!("invalid fee rate \"{input}\": {help}"))?;
    fee_ppm(v / per).map_err(|_| format!("invalid fee rate \"{input}\": {help}"))
}

fn fee_ppm(v: f64) -> Result<u32, String> {
    let ppm = (v * 1e6).round();
    if !v.is_finite() || v < 0.0 || ppm >= MAX_FEE_PPM as f64 {
        return Err(format!(
            "invalid fee rate {v}: expected a rate such as \"0.6%\" or a fraction such as \
             0.006, from 0 up to 50%"
        ));
    }
    Ok(ppm as u32)
}

impl<'de> Deserialize<'de> for FeeRate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = FeeRate;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a fee rate such as \"0.6%\" or 0.006")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<FeeRate, E> {
                parse_fee_rate(v).map(FeeRate).map_err(E::custom)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<FeeRate, E> {
                fee_ppm(v).map(FeeRate).map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<FeeRate, E> {
                self.visit_f64(v as f64)
            }
        }
        d.deserialize_any(V)
    }
}

/// `amount × ppm / 10⁶`, rounded half up to the minor unit (integer arithmetic throughout).
#[inline]
pub fn apply_rate(amount: Minor, ppm: u32) -> Minor {
    ((amount as i128 * ppm as i128 + 500_000).div_euclid(1_000_000)) as Minor
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("250ms"), Ok(250 * MILLI));
        assert_eq!(parse_duration("1h30m"), Ok(90 * MINUTE));
        assert_eq!(parse_duration("1h 30m"), Ok(90 * MINUTE));
        assert_eq!(parse_duration("1.5s"), Ok(1500 * MILLI));
        assert_eq!(parse_duration("0.1s"), Ok(100 * MILLI));
        assert_eq!(parse_duration("2d"), Ok(2 * DAY));
        assert_eq!(parse_duration("0"), Ok(0));
        assert_eq!(parse_duration("100us"), Ok(100 * MICRO));
        assert_eq!(parse_duration("5 ms"), Ok(5 * MILLI));
        assert!(
            parse_duration("5 parsecs")
                .unwrap_err()
                .contains("unknown unit \"parsecs\"")
        );
        for bad in [
            "-5ms",
            "5",
            "5 parsecs",
            "5 5ms",
            "",
            "ms",
            "NaN",
            "inf",
            "1e9h",
            "99999999999999999999999d",
            "200y",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad} accepted");
        }
        assert!(parse_duration("101y").is_err());
        assert!(parse_duration("40000d").unwrap_err().contains("too large"));
    }

    #[test]
    fn rates() {
        assert_eq!(parse_rate("50/s"), Ok(50.0));
        assert_eq!(parse_rate("30/h"), Ok(30.0 / 3600.0));
        assert_eq!(parse_rate("1.5/min"), Ok(1.5 / 60.0));
        for bad in ["50", "-1/s", "NaN/s", "inf/h", "5/fortnight", "x/s"] {
            assert!(parse_rate(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn money() {
        assert_eq!(parse_money("25.00"), Ok(2500));
        assert_eq!(parse_money("25"), Ok(2500));
        assert_eq!(parse_money("0.5"), Ok(50));
        assert_eq!(parse_money(".99"), Ok(99));
        assert_eq!(parse_money("-3.10"), Ok(-310));
        for bad in ["1.234", "abc", "", "1.2.3", "12345678901234"] {
            assert!(parse_money(bad).is_err(), "{bad} accepted");
        }
        assert_eq!(money_from_f64(12.345), Ok(1235));
        assert!(money_from_f64(f64::NAN).is_err());
    }

    #[test]
    fn times_and_probabilities() {
        assert_eq!(parse_time_of_day("22:00"), Ok(22 * HOUR));
        assert_eq!(
            parse_time_of_day("09:30:15"),
            Ok(9 * HOUR + 30 * MINUTE + 15 * SECOND)
        );
        assert!(parse_time_of_day("24:00").is_err());
        assert!(parse_time_of_day("9").is_err());
        assert!(check_probability(1.5).is_err());
        assert!(check_probability(f64::NAN).is_err());
        assert!(check_probability(-0.1).is_err());
        assert_eq!(check_probability(0.25), Ok(0.25));
    }

    #[test]
    fn fee_rates() {
        assert_eq!(parse_fee_rate("0.6%"), Ok(6_000));
        assert_eq!(parse_fee_rate(" 0.0325 % "), Ok(325));
        assert_eq!(parse_fee_rate("0.0045"), Ok(4_500));
        assert!(parse_fee_rate("50%").is_err());
        assert!(parse_fee_rate("-1%").is_err());
        assert!(parse_fee_rate("abc").is_err());
        assert!(fee_ppm(f64::NAN).is_err());
        // Rounded half up to the cent: 0.6% of 1.25 is 0.0075, one cent.
        assert_eq!(apply_rate(125, 6_000), 1);
        assert_eq!(apply_rate(124, 6_000), 1);
        assert_eq!(apply_rate(83, 6_000), 0);
        assert_eq!(apply_rate(10_000_000, 3_500), 35_000);
        assert_eq!(apply_rate(0, 6_000), 0);
    }
}

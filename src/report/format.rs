//! Numbers for people: counts, money, ratios and durations formatted consistently, with
//! thousands separators.

use crate::metrics::Unit;

/// `x` with `decimals` decimals and a comma between thousands: `1234567.8` → `1,234,567.80`.
pub fn grouped(x: f64, decimals: usize) -> String {
    let s = format!("{:.*}", decimals, x.abs());
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (s.as_str(), None),
    };
    let mut g = String::with_capacity(int.len() + int.len() / 3 + 4);
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            g.push(',');
        }
        g.push(ch);
    }
    if let Some(f) = frac {
        g.push('.');
        g.push_str(f);
    }
    // No "-0.0": a value that rounds to zero is shown unsigned.
    if x < 0.0 && g.chars().any(|c| c.is_ascii_digit() && c != '0') {
        g.insert(0, '-');
    }
    g
}

/// A duration in seconds, in the largest unit that keeps it readable: `0.25` → `250 ms`,
/// `93.0` → `1.6 min`, `100800` → `1 d 4 h`.
pub fn duration(secs: f64) -> String {
    let s = secs.max(0.0);
    // One decimal, none when it is 0 (`12 h`, not `12.0 h`).
    let one = |x: f64| {
        let t = format!("{x:.1}");
        t.strip_suffix(".0").map(str::to_owned).unwrap_or(t)
    };
    if s < 1.0 {
        format!("{:.0} ms", s * 1e3)
    } else if s < 60.0 {
        format!("{} s", one(s))
    } else if s < 3600.0 {
        format!("{} min", one(s / 60.0))
    } else if s < 86_400.0 {
        format!("{} h", one(s / 3600.0))
    } else {
        let total_h = (s / 3600.0).round() as u64;
        let (d, h) = (total_h / 24, total_h % 24);
        if h == 0 {
            format!("{d} d")
        } else {
            format!("{d} d {h} h")
        }
    }
}

/// A value of `unit` for the terminal: counts with one decimal (they are means over runs),
/// money with two, ratios with four, durations in readable units.
pub fn value(unit: Unit, x: f64) -> String {
    match unit {
        Unit::Count | Unit::Level | Unit::PerSecond => grouped(x, 1),
        Unit::Money => grouped(x, 2),
        Unit::Ratio => format!("{x:.4}"),
        Unit::Seconds => duration(x),
        Unit::Millis => duration(x / 1e3),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_and_decimals() {
        assert_eq!(grouped(1_234_567.826, 2), "1,234,567.83");
        assert_eq!(grouped(881.0, 1), "881.0");
        assert_eq!(grouped(1046.0, 1), "1,046.0");
        assert_eq!(grouped(-1500.0, 0), "-1,500");
        assert_eq!(grouped(-0.001, 1), "0.0");
        assert_eq!(grouped(999.96, 1), "1,000.0");
    }

    #[test]
    fn durations_read_as_people_say_them() {
        assert_eq!(duration(0.25), "250 ms");
        assert_eq!(duration(12.34), "12.3 s");
        assert_eq!(duration(93.0), "1.6 min");
        assert_eq!(duration(7200.0), "2 h");
        assert_eq!(duration(5400.0), "1.5 h");
        assert_eq!(duration(100_800.0), "1 d 4 h");
        assert_eq!(duration(172_800.0), "2 d");
    }

    #[test]
    fn units_are_formatted_consistently() {
        assert_eq!(value(Unit::Count, 1046.0), "1,046.0");
        assert_eq!(value(Unit::Count, 881.0), "881.0");
        assert_eq!(value(Unit::Money, 12_345.5), "12,345.50");
        assert_eq!(value(Unit::Ratio, 0.99871), "0.9987");
        assert_eq!(value(Unit::Millis, 480.0), "480 ms");
    }
}

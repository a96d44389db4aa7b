//! Simulated time: `u64` nanoseconds since the start of the run (midnight of day 0).

/// A point in simulated time, or a span of it, in nanoseconds.
pub type Nanos = u64;

pub const MICRO: Nanos = 1_000;
pub const MILLI: Nanos = 1_000_000;
pub const SECOND: Nanos = 1_000_000_000;
pub const MINUTE: Nanos = 60 * SECOND;
pub const HOUR: Nanos = 60 * MINUTE;
pub const DAY: Nanos = 24 * HOUR;

/// Seconds as a float, for reporting only (never for ordering).
#[inline]
pub fn as_secs_f64(t: Nanos) -> f64 {
    t as f64 / SECOND as f64
}

/// Converts a non-negative, finite number of seconds to nanoseconds, rounding to the nearest
/// nanosecond and saturating at `u64::MAX`.
#[inline]
pub fn from_secs_f64(s: f64) -> Nanos {
    if s.is_nan() || s <= 0.0 {
        0
    } else {
        let ns = s * SECOND as f64;
        if ns >= u64::MAX as f64 {
            u64::MAX
        } else {
            ns.round() as u64
        }
    }
}

/// Formats a time as `d<day> hh:mm:ss.mmm`, for traces and messages.
pub fn format_clock(t: Nanos) -> String {
    let day = t / DAY;
    let rem = t % DAY;
    let h = rem / HOUR;
    let m = (rem % HOUR) / MINUTE;
    let s = (rem % MINUTE) / SECOND;
    let ms = (rem % SECOND) / MILLI;
    format!("d{day} {h:02}:{m:02}:{s:02}.{ms:03}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_format() {
        assert_eq!(format_clock(0), "d0 00:00:00.000");
        assert_eq!(
            format_clock(DAY + 10 * HOUR + 5 * MINUTE + 3 * SECOND + 7 * MILLI),
            "d1 10:05:03.007"
        );
    }

    #[test]
    fn secs_roundtrip() {
        assert_eq!(from_secs_f64(0.25), 250 * MILLI);
        assert_eq!(from_secs_f64(-1.0), 0);
        assert_eq!(from_secs_f64(f64::NAN), 0);
        assert_eq!(from_secs_f64(1e30), u64::MAX);
        assert_eq!(as_secs_f64(1500 * MILLI), 1.5);
    }
}

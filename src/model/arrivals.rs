//! Payment arrivals of one terminal group: a non-homogeneous Poisson process whose rate is
//! piecewise constant (hour-of-day profile × an optional daily peak window).
//!
//! Sampled exactly by inverting the integrated rate: one unit exponential per arrival, walked
//! across segment boundaries (Cinlar's method), so no draws are wasted as in thinning.

use crate::engine::{DAY, HOUR, Nanos, SECOND, Stream};
use crate::scenario::TerminalGroup;

pub struct Arrivals {
    /// Payments per nanosecond for each hour of the day, outside the peak.
    hourly: [f64; 24],
    peak: Option<(Nanos, Nanos, f64)>,
    /// Surge windows `[start, end)` with their rate multiplier (faults); usually empty.
    surges: Vec<(Nanos, Nanos, f64)>,
    window: Nanos,
    rng: Stream,
}

impl Arrivals {
    pub fn new(g: &TerminalGroup, window: Nanos, rng: Stream) -> Self {
        let mut hourly = [0.0; 24];
        for (h, m) in hourly.iter_mut().zip(&g.hourly) {
            *h = g.rate * m / SECOND as f64;
        }
        Arrivals {
            hourly,
            peak: g.peak,
            surges: vec![],
            window,
            rng,
        }
    }

    /// Rate (per ns) at `t` and the end of the constant-rate segment containing `t`.
    #[inline]
    fn segment(&self, t: Nanos) -> (f64, Nanos) {
        let day_start = t - t % DAY;
        let tod = t % DAY;
        let hour = (tod / HOUR) as usize;
        let mut rate = self.hourly[hour];
        let mut end = day_start + (hour as u64 + 1) * HOUR;
        if let Some((ps, pe, m)) = self.peak {
            if tod >= ps && tod < pe {
                rate *= m;
                end = end.min(day_start + pe);
            } else if tod < ps {
                end = end.min(day_start + ps);
            }
        }
        for &(s, e, m) in &self.surges {
            if t >= s && t < e {
                rate *= m;
                end = end.min(e);
            } else if t < s {
                end = end.min(s);
            }
        }
        (rate, end.min(self.window))
    }

    /// Adds surge windows (an arrival-rate multiplier over a window).
    pub fn set_surges(&mut self, surges: Vec<(Nanos, Nanos, f64)>) {
        self.surges = surges;
    }

    /// The first arrival after `now`, or `None` once the traffic window is over.
    pub fn next(&mut self, now: Nanos) -> Option<Nanos> {
        let mut e = self.rng.exp1();
        let mut t = now;
        while t < self.window {
            let (rate, end) = self.segment(t);
            if rate > 0.0 {
                let dt = e / rate;
                if (t as f64 + dt) < end as f64 {
                    return Some(t + (dt.ceil() as Nanos).max(1));
                }
                e -= rate * (end - t) as f64;
            }
            t = end;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Dist;

    fn group(rate: f64, hourly: [f64; 24], peak: Option<(Nanos, Nanos, f64)>) -> TerminalGroup {
        TerminalGroup {
            id: "g".into(),
            count: 1,
            rate,
            hourly,
            peak,
            amount: Dist::Constant(100.0),
            miskey_share: 0.0,
            messages: None,
            sale_limit: None,
            daily_limit: None,
        }
    }

    fn count_per_hour(a: &mut Arrivals) -> [u64; 24] {
        let mut counts = [0u64; 24];
        let mut t = 0;
        while let Some(n) = a.next(t) {
            counts[((n % DAY) / HOUR) as usize] += 1;
            t = n;
        }
        counts
    }

    #[test]
    fn counts_follow_the_profile() {
        // Hours 0-11 at weight 0.5, hours 12-23 at 1.5: mean 1; base rate 2/s.
        let mut hourly = [0.5; 24];
        for h in hourly.iter_mut().skip(12) {
            *h = 1.5;
        }
        let g = group(2.0, hourly, Some((18 * HOUR, 19 * HOUR, 3.0)));
        let mut a = Arrivals::new(&g, DAY, Stream::new(1, 0, "arrivals"));
        let c = count_per_hour(&mut a);
        // Expected per hour: 2 * 3600 * weight (* 3 in the peak hour). Poisson: allow 5 sd.
        for (h, &n) in c.iter().enumerate() {
            let w = if h < 12 { 0.5 } else { 1.5 } * if h == 18 { 3.0 } else { 1.0 };
            let mean = 2.0 * 3600.0 * w;
            assert!(
                (n as f64 - mean).abs() < 5.0 * mean.sqrt(),
                "hour {h}: {n} vs {mean}"
            );
        }
    }

    #[test]
    fn stops_at_the_window_and_is_strictly_increasing() {
        let g = group(50.0, [1.0; 24], None);
        let mut a = Arrivals::new(&g, HOUR, Stream::new(2, 0, "arrivals"));
        let mut t = 0;
        let mut n = 0u64;
        while let Some(x) = a.next(t) {
            assert!(x > t && x < HOUR);
            t = x;
            n += 1;
        }
        let mean = 50.0 * 3600.0;
        assert!((n as f64 - mean).abs() < 5.0 * f64::sqrt(mean), "{n}");
    }
}

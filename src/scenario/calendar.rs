//! The settlement calendar: business days, clearing cut-offs, T+N credit dates, the promise a
//! merchant is given, and the default end of observation.

use crate::engine::{DAY, HOUR, Nanos};
use crate::scenario::{Scenario, SettlementSpec};

#[derive(Clone, Debug)]
pub struct Calendar {
    spec: SettlementSpec,
    start_weekday: u8,
}

impl Calendar {
    pub fn new(spec: &SettlementSpec, start_weekday: u8) -> Self {
        Calendar {
            spec: spec.clone(),
            start_weekday,
        }
    }

    pub fn is_business_day(&self, day: u64) -> bool {
        self.spec.business_days[((self.start_weekday as u64 + day) % 7) as usize]
    }

    /// The business day `n` business days after `day` (n = 0: `day` itself).
    pub fn add_business_days(&self, mut day: u64, n: u32) -> u64 {
        for _ in 0..n {
            day += 1;
            while !self.is_business_day(day) {
                day += 1;
            }
        }
        day
    }

    /// The day whose clearing cut-off is the first one at or after `t` (a sale exactly at the
    /// cut-off misses it).
    pub fn cutoff_day(&self, t: Nanos) -> u64 {
        let mut day = t / DAY;
        if t % DAY >= self.spec.cutoff || !self.is_business_day(day) {
            day += 1;
        }
        while !self.is_business_day(day) {
            day += 1;
        }
        day
    }

    /// The instant of the cut-off of `day`.
    pub fn cutoff_at(&self, day: u64) -> Nanos {
        day * DAY + self.spec.cutoff
    }

    /// When the batch cut on `cutoff_day` is credited, `lag` business days later. A credit time
    /// that would fall before the cut-off itself moves to the next business day.
    pub fn credit_at(&self, cutoff_day: u64, lag: u32) -> Nanos {
        let mut day = self.add_business_days(cutoff_day, lag);
        if day * DAY + self.spec.credit_time <= self.cutoff_at(cutoff_day) {
            day = self.add_business_days(day, 1);
        }
        day * DAY + self.spec.credit_time
    }

    /// The normal credit time of a sale at `t`.
    pub fn normal_settlement(&self, t: Nanos) -> Nanos {
        self.credit_at(self.cutoff_day(t), self.spec.lag_days)
    }

    /// The latest credit time that keeps the acquirer's promise (T+promise_days) for a sale at
    /// `t`.
    pub fn promised_by(&self, t: Nanos) -> Nanos {
        self.credit_at(self.cutoff_day(t), self.spec.promise_days)
    }
}

/// The end of observation: the scenario's, or by default an hour after the normal settlement of
/// the latest sale that can still be cleared (its timeout, reversal retries and review
/// included), so that nothing is left pending.
pub fn horizon(s: &Scenario) -> Nanos {
    if let Some(o) = s.observation {
        return o;
    }
    let cal = Calendar::new(&s.settlement, s.start_weekday);
    let mut extra = s.strategy.terminal_timeout + HOUR;
    if let Some(r) = &s.strategy.reversal {
        extra += r.interval * r.attempts as u64;
    }
    if let Some(r) = s
        .risk
        .as_ref()
        .filter(|r| r.action == crate::scenario::RiskAction::Review)
    {
        extra += r.review_delay;
    }
    cal.normal_settlement(s.traffic_window + extra) + HOUR
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::MINUTE;

    fn cal(lag: u32) -> Calendar {
        let spec = SettlementSpec {
            cutoff: 22 * HOUR,
            lag_days: lag,
            credit_time: 9 * HOUR,
            promise_days: 1,
            business_days: [true, true, true, true, true, false, false],
        };
        Calendar::new(&spec, 0) // day 0 is a Monday
    }

    #[test]
    fn monday_sale_settles_tuesday() {
        let c = cal(1);
        let t = 10 * HOUR;
        assert_eq!(c.cutoff_day(t), 0);
        assert_eq!(c.normal_settlement(t), DAY + 9 * HOUR);
    }

    #[test]
    fn after_cutoff_goes_to_next_batch() {
        let c = cal(1);
        assert_eq!(c.cutoff_day(22 * HOUR), 1);
        assert_eq!(c.cutoff_day(22 * HOUR - MINUTE), 0);
    }

    #[test]
    fn friday_evening_sale_waits_for_monday_and_tuesday() {
        let c = cal(1);
        let friday_evening = 4 * DAY + 23 * HOUR;
        assert_eq!(c.cutoff_day(friday_evening), 7, "next Monday's batch");
        assert_eq!(
            c.normal_settlement(friday_evening),
            8 * DAY + 9 * HOUR,
            "credited Tuesday"
        );
        let saturday = 5 * DAY + 12 * HOUR;
        assert_eq!(c.cutoff_day(saturday), 7);
    }

    #[test]
    fn same_day_credit_before_cutoff_moves_on() {
        let c = cal(0);
        // T+0 with a 09:00 credit time after a 22:00 cut-off: credited the next business day.
        assert_eq!(c.normal_settlement(10 * HOUR), DAY + 9 * HOUR);
    }
}

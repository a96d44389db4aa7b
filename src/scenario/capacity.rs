//! Offered load at each queueing station, from the scenario's own parameters, to warn about
//! configurations that cannot keep up.
//!
//! A FIFO station with `c` servers, arrival rate λ and mean service time S is stable only if its
//! utilisation ρ = λS/c is below 1; at or above 1 its queue grows for as long as the load lasts.
//! The check uses the busiest part of the traffic window (hour-of-day profile and peak
//! multiplier included, only where they overlap the window), the routing weights and issuer
//! shares.

use crate::scenario::{Scenario, StationSpec};

/// Offered load of one station at the busiest time of the traffic window.
#[derive(Clone, Debug, PartialEq)]
pub struct Load {
    pub station: String,
    /// Requests per second reaching the station at the busiest time of the traffic window.
    pub arrival_rate: f64,
    pub mean_service_s: f64,
    pub servers: u32,
    /// ρ = λ S / c.
    pub utilization: f64,
}

/// The peak payment rate (per second) offered inside the traffic window, all terminal groups
/// together.
///
/// The arrival rate is piecewise constant over the day: each hour of the day has its profile
/// weight, and a group's peak window (times of day, repeating daily) multiplies its rate (a
/// multiplier below 1 counts as 1, so the estimate errs on the high side). The day is cut at
/// every hour and every peak boundary, and a segment counts only if it overlaps the traffic
/// window `[0, traffic_window)`, which may be a fraction of an hour or span several days. A
/// one-minute window at midnight therefore sees midnight's rate, not the lunch peak.
pub fn peak_rate(s: &Scenario) -> f64 {
    use crate::engine::{DAY, HOUR};
    let mut cuts: Vec<u64> = (0..24).map(|h| h * HOUR).collect();
    for (start, end, _) in s.terminals.iter().filter_map(|g| g.peak) {
        cuts.extend([start, end].into_iter().filter(|&t| t < DAY));
    }
    cuts.sort_unstable();
    cuts.dedup();
    // A segment `[a, b)` of the day (repeating daily) overlaps `[0, traffic_window)` iff its
    // first occurrence starts inside the window.
    cuts.into_iter()
        .filter(|&a| a < s.traffic_window)
        .map(|a| {
            let hour = (a / HOUR) as usize;
            s.terminals
                .iter()
                .map(|g| {
                    let peak = g
                        .peak
                        .filter(|&(start, end, _)| (start..end).contains(&a))
                        .map_or(1.0, |(_, _, m)| m.max(1.0));
                    g.rate * g.hourly[hour] * peak
                })
                .sum::<f64>()
        })
        .fold(0.0, f64::max)
}

fn load(st: &StationSpec, rate: f64) -> Load {
    let mean_service_s = st.service.mean() / 1e9;
    Load {
        station: st.id.clone(),
        arrival_rate: rate,
        mean_service_s,
        servers: st.servers,
        utilization: rate * mean_service_s / st.servers as f64,
    }
}

/// Offered load of every station at the busiest time of the traffic window.
pub fn loads(s: &Scenario) -> Vec<Load> {
    let lambda = peak_rate(s);
    let wsum: f64 = s.channels.iter().map(|c| c.weight).sum();
    let isum: f64 = s.issuers.iter().map(|i| i.share).sum();
    let mut v = vec![load(&s.gateway, lambda)];
    v.extend(
        s.channels
            .iter()
            .map(|c| load(&c.station, lambda * c.weight / wsum)),
    );
    v.extend(
        s.issuers
            .iter()
            .map(|i| load(&i.station, lambda * i.share / isum)),
    );
    v
}

/// Bytes of the large tables one run allocates: every issuer's cardholder accounts (a balance
/// and a status, 16 bytes each). Everything else a run holds is small and flat in its size.
pub fn table_bytes(s: &Scenario) -> u64 {
    s.issuers.iter().map(|i| i.accounts.count as u64 * 16).sum()
}

/// Human-readable warnings for stations at or above full load.
pub fn warnings(s: &Scenario) -> Vec<String> {
    loads(s)
        .into_iter()
        .filter(|l| l.utilization >= 1.0)
        .map(|l| {
            format!(
                "station `{}` is overloaded in the busiest hour: {:.1} requests/s × {:.3} s mean \
                 service / {} servers = utilisation {:.2} (>= 1). Its queue grows for as long as \
                 the peak lasts, so waits will exceed the terminal timeout and payments will time \
                 out; add servers or shorten the service time if that is not what you want to \
                 study",
                l.station, l.arrival_rate, l.mean_service_s, l.servers, l.utilization
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine;
    use crate::scenario::{self, Limits};

    #[test]
    fn pipeline_loads_match_hand_computation() {
        let s = scenario::load("scenarios/pipeline.toml".as_ref(), &Limits::default()).unwrap();
        let l = loads(&s);
        let rho: Vec<f64> = l
            .iter()
            .map(|x| (x.utilization * 1000.0).round() / 1000.0)
            .collect();
        assert_eq!(rho, vec![0.625, 0.5, 0.75]);
        assert!(warnings(&s).is_empty());
    }

    #[test]
    fn overload_is_reported() {
        let mut s = scenario::load("scenarios/pipeline.toml".as_ref(), &Limits::default()).unwrap();
        s.issuers[0].station.servers = 2; // 50/s × 0.06 s / 2 = 1.5
        let w = warnings(&s);
        assert_eq!(w.len(), 1);
        assert!(
            w[0].contains("`bank`") && w[0].contains("utilisation 1.50"),
            "{}",
            w[0]
        );
    }

    /// Baseline traffic offered in a one-minute window starting at midnight: the midnight
    /// hour's rate, not the lunch peak (which reported utilisation 1.64 where the simulated
    /// utilisation was 0.08).
    #[test]
    fn midnight_minute_window_sees_midnight_traffic() {
        let mut s = scenario::load("scenarios/baseline.toml".as_ref(), &Limits::default()).unwrap();
        // One issuer server and more traffic: utilisation 1.64 in the busiest hour of the day.
        s.issuers[0].station.servers = 1;
        let busiest = loads(&s).last().unwrap().utilization;
        for g in &mut s.terminals {
            g.rate *= 1.64 / busiest;
        }
        let w = warnings(&s);
        assert!(
            w.len() == 1 && w[0].contains("`issuers`") && w[0].contains("utilisation 1.64"),
            "{w:?}"
        );
        s.traffic_window = engine::MINUTE;
        let expected: f64 = s.terminals.iter().map(|g| g.rate * g.hourly[0]).sum();
        assert!((peak_rate(&s) - expected).abs() < 1e-9 * expected);
        let w = warnings(&s);
        for st in s.stations() {
            let share = if let Some(c) = s.channels.iter().find(|c| c.station.id == st.id) {
                c.weight / s.channels.iter().map(|c| c.weight).sum::<f64>()
            } else if let Some(i) = s.issuers.iter().find(|i| i.station.id == st.id) {
                i.share / s.issuers.iter().map(|i| i.share).sum::<f64>()
            } else {
                1.0
            };
            let rho = expected * share * st.service.mean() / 1e9 / st.servers as f64;
            let warned = w.iter().any(|m| m.contains(&format!("`{}`", st.id)));
            assert_eq!(warned, rho >= 1.0, "{}: utilisation {rho}; {w:?}", st.id);
        }
        assert!(w.is_empty(), "{w:?}");
    }

    #[test]
    fn window_over_several_days_counts_every_hour() {
        let mut s = scenario::baseline();
        s.traffic_window = 3 * engine::DAY + 30 * engine::MINUTE;
        let max_w = s.terminals[0].hourly.iter().cloned().fold(0.0, f64::max);
        assert!((peak_rate(&s) - s.mean_arrival_rate() * max_w).abs() < 1e-9);
    }

    #[test]
    fn peak_window_counts_only_where_it_overlaps_the_traffic_window() {
        use engine::{HOUR, MINUTE};
        let mut s = scenario::load("scenarios/pipeline.toml".as_ref(), &Limits::default()).unwrap();
        // Flat 50/s; a ×3 peak from 00:30 to 02:00.
        s.terminals[0].peak = Some((30 * MINUTE, 2 * HOUR, 3.0));
        s.traffic_window = 20 * MINUTE;
        assert!((peak_rate(&s) - 50.0).abs() < 1e-9);
        s.traffic_window = 30 * MINUTE;
        assert!((peak_rate(&s) - 50.0).abs() < 1e-9);
        s.traffic_window = 31 * MINUTE;
        assert!((peak_rate(&s) - 150.0).abs() < 1e-9);
        // A peak late in the day counts once a window over several days reaches it.
        s.terminals[0].peak = Some((23 * HOUR, 23 * HOUR + 10 * MINUTE, 2.0));
        s.traffic_window = 23 * HOUR;
        assert!((peak_rate(&s) - 50.0).abs() < 1e-9);
        s.traffic_window = 2 * engine::DAY;
        assert!((peak_rate(&s) - 100.0).abs() < 1e-9);
        // A multiplier below 1 counts as 1 (documented: the estimate errs on the high side).
        s.terminals[0].peak = Some((0, HOUR, 0.5));
        s.traffic_window = 30 * MINUTE;
        assert!((peak_rate(&s) - 50.0).abs() < 1e-9);
    }

    #[test]
    fn busiest_hour_counts_the_profile_and_peak() {
        let s = scenario::baseline();
        let mean = s.mean_arrival_rate();
        let peak = peak_rate(&s);
        let max_w = s.terminals[0].hourly.iter().cloned().fold(0.0, f64::max);
        assert!((peak - mean * max_w).abs() < 1e-9);
    }
}

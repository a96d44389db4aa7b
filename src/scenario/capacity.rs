//! Offered load at each queueing station, from the scenario's own parameters, to warn about
//! configurations that cannot keep up.
//!
//! A FIFO station with `c` servers, arrival rate λ and mean service time S is stable only if its
//! utilisation ρ = λS/c is below 1; at or above 1 its queue grows for as long as the load lasts.
//! The check uses the busiest hour of the day (hour-of-day profile and peak multiplier
//! included), the routing weights and issuer shares.

use crate::scenario::{Scenario, StationSpec};

/// Offered load of one station in the busiest hour.
#[derive(Clone, Debug, PartialEq)]
pub struct Load {
    pub station: String,
    /// Requests per second reaching the station in the busiest hour.
    pub arrival_rate: f64,
    pub mean_service_s: f64,
    pub servers: u32,
    /// ρ = λ S / c.
    pub utilization: f64,
}

/// The peak payment rate (per second): the busiest hour of the day over all terminal groups.
pub fn peak_rate(s: &Scenario) -> f64 {
    (0..24)
        .map(|h| {
            s.terminals
                .iter()
                .map(|g| {
                    let peak = g.peak.map_or(1.0, |(start, end, m)| {
                        let (hs, he) = (
                            h as u64 * crate::engine::HOUR,
                            (h as u64 + 1) * crate::engine::HOUR,
                        );
                        if start < he && end > hs {
                            m.max(1.0)
                        } else {
                            1.0
                        }
                    });
                    g.rate * g.hourly[h] * peak
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

/// Offered load of every station in the busiest hour.
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
                "station `{}` is overloaded in the busiest hour: {:.1} requests/s × {:.3} s mean service / {} servers = utilisation {:.2} (>= 1). \
                 Its queue grows for as long as the peak lasts, so waits will exceed the terminal timeout and payments will time out; \
                 add servers or shorten the service time if that is not what you want to study",
                l.station, l.arrival_rate, l.mean_service_s, l.servers, l.utilization
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
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

    #[test]
    fn busiest_hour_counts_the_profile_and_peak() {
        let s = scenario::baseline();
        let mean = s.mean_arrival_rate();
        let peak = peak_rate(&s);
        let max_w = s.terminals[0].hourly.iter().cloned().fold(0.0, f64::max);
        assert!((peak - mean * max_w).abs() < 1e-9);
    }
}

//! A queueing station: `c` identical servers in front of one FIFO queue (the gateway, each
//! channel, each issuer). It keeps the statistics that queueing theory speaks about: waits,
//! time-average queue length and busy servers, measured over the traffic window.

use crate::engine::{Nanos, Stream};
use crate::model::PaymentId;
pub use crate::model::output::StationStats;
use crate::scenario::{Dist, StationSpec};
use std::collections::VecDeque;

/// The payment id of a junk request (an attack's, a duplicated message's): it takes a
/// server's time and is then forgotten.
pub const JUNK: PaymentId = PaymentId(u32::MAX);

pub struct Station {
    pub id: String,
    servers: u32,
    /// Servers working now (fewer while a partial failure or a hang lasts; see `recount`).
    working: u32,
    /// Servers added by autoscaling, since `extra_since`.
    extra: u32,
    extra_since: Nanos,
    /// Their integral (server-nanoseconds) over the statistics window (the traffic window) up
    /// to `extra_since`: for the utilisation and the server-hours.
    extra_area_window: u128,
    busy: u32,
    queue: VecDeque<(PaymentId, Nanos, Nanos)>,
    service: Dist,
    rng: Stream,
    /// Windows `[start, end)` in which some servers are lost, with how many (partial
    /// failures); empty for most stations.
    lost: Vec<(Nanos, Nanos, u32)>,
    /// Statistics are integrated over `[0, stats_end)`.
    stats_end: Nanos,
    last_change: Nanos,
    busy_area: u128,
    queue_area: u128,
    pub stats: StationStats,
}

/// What happened to a request that arrived at a station.
pub enum Admit {
    /// A server was free: service starts now and ends at the given time.
    Started(Nanos),
    /// All servers busy: the request waits in the queue.
    Queued,
}

impl Station {
    pub fn new(spec: &StationSpec, rng: Stream, stats_end: Nanos) -> Self {
        Station {
            id: spec.id.clone(),
            servers: spec.servers,
            working: spec.servers,
            extra: 0,
            extra_since: 0,
            extra_area_window: 0,
            busy: 0,
            queue: VecDeque::with_capacity(64),
            service: spec.service.clone(),
            rng,
            lost: vec![],
            stats_end,
            last_change: 0,
            busy_area: 0,
            queue_area: 0,
            stats: StationStats::default(),
        }
    }

    /// Adds a window in which `n` servers are lost (a partial failure).
    pub fn add_lost(&mut self, start: Nanos, end: Nanos, n: u32) {
        self.lost.push((start, end, n));
    }

    /// Servers working at `t`, from the lost-server windows.
    fn capacity(&self, t: Nanos) -> u32 {
        let lost: u32 = self
            .lost
            .iter()
            .filter(|w| t >= w.0 && t < w.1)
            .fold(0u32, |a, w| a.saturating_add(w.2));
        (self.servers + self.extra).saturating_sub(lost)
    }

    /// Servers added by autoscaling now.
    pub fn extra(&self) -> u32 {
        self.extra
    }

    /// Servers working now.
    pub fn working(&self) -> u32 {
        self.working
    }

    /// Servers busy now.
    pub fn busy(&self) -> u32 {
        self.busy
    }

    /// Requests waiting now.
    pub fn queue_len(&self) -> usize {
        self.queue.len()
    }

    /// The busy-server integral (server-nanoseconds) over the traffic window up to `now`,
    /// without changing anything (what [`Station::busy_integral`] returns, read-only).
    pub fn busy_area_at(&self, now: Nanos) -> u128 {
        let a = self.last_change.min(self.stats_end);
        let b = now.min(self.stats_end);
        self.busy_area + b.saturating_sub(a) as u128 * self.busy as u128
    }

    /// Autoscaling sets the added servers; `recount` (a kick) then puts them to work, and a
    /// server removed while busy finishes its request first.
    pub fn set_extra(&mut self, now: Nanos, extra: u32) {
        let (a, b) = (
            self.extra_since.min(self.stats_end),
            now.min(self.stats_end),
        );
        self.extra_area_window += b.saturating_sub(a) as u128 * self.extra as u128;
        self.extra_since = now;
        self.extra = extra;
    }

    /// The busy-server integral (server-nanoseconds) over the traffic window up to `now`.
    pub fn busy_integral(&mut self, now: Nanos) -> u128 {
        self.advance(now);
        self.busy_area
    }

    /// A lost-server window starts or ends: the working servers are counted again, and
    /// queued requests start on any that are free. Returns what started, with each completion
    /// time.
    pub fn recount(&mut self, now: Nanos) -> Vec<(PaymentId, Nanos)> {
        self.advance(now);
        self.working = self.capacity(now);
        let mut started = vec![];
        while self.busy < self.working {
            let Some((pid, arrived, service)) = self.queue.pop_front() else {
                break;
            };
            self.busy += 1;
            started.push((pid, self.start(now, arrived, service)));
        }
        started
    }

    pub fn note_outage_hit(&mut self) {
        self.stats.outage_hits += 1;
    }

    /// Integrates busy servers and queue length up to `now` (clipped to the stats window).
    #[inline]
    fn advance(&mut self, now: Nanos) {
        let a = self.last_change.min(self.stats_end);
        let b = now.min(self.stats_end);
        if b > a {
            let dt = (b - a) as u128;
            self.busy_area += dt * self.busy as u128;
            self.queue_area += dt * self.queue.len() as u128;
        }
        self.last_change = now;
    }

    #[inline]
    fn start(&mut self, now: Nanos, arrived: Nanos, service: Nanos) -> Nanos {
        if arrived < self.stats_end {
            self.stats.started += 1;
            self.stats.wait_sum += (now - arrived) as u128;
        }
        now.saturating_add(service)
    }

    /// The service time distribution.
    #[inline]
    pub fn service(&self) -> &Dist {
        &self.service
    }

    /// A service time from the station's own stream (for a request that already used its own
    /// draw for this kind of station, e.g. a repeat).
    #[inline]
    pub fn own_service(&mut self) -> Nanos {
        self.service.sample_ns(&mut self.rng)
    }

    /// A request for payment `pid` arrives; it will need `service` once a server takes it.
    #[inline]
    pub fn arrive(&mut self, now: Nanos, pid: PaymentId, service: Nanos) -> Admit {
        self.advance(now);
        if now < self.stats_end {
            self.stats.arrivals_in_window += 1;
        }
        if self.busy < self.working {
            self.busy += 1;
            Admit::Started(self.start(now, now, service))
        } else {
            self.queue.push_back((pid, now, service));
            Admit::Queued
        }
    }

    /// A service completes; returns the next payment to serve and its completion time.
    #[inline]
    pub fn depart(&mut self, now: Nanos) -> Option<(PaymentId, Nanos)> {
        self.advance(now);
        if self.busy > self.working {
            self.busy -= 1; // a lost server: it takes nothing new
            return None;
        }
        match self.queue.pop_front() {
            Some((pid, arrived, service)) => Some((pid, self.start(now, arrived, service))),
            None => {
                self.busy -= 1;
                None
            }
        }
    }

    /// Closes the statistics at the end of the run.
    pub fn finish(&mut self, now: Nanos) {
        self.advance(now);
        let w = self.stats_end.max(1) as f64;
        self.stats.mean_queue_len = self.queue_area as f64 / w;
        self.set_extra(now, self.extra);
        // Busy servers over provisioned servers (the base, plus any added by autoscaling).
        self.stats.utilization =
            self.busy_area as f64 / (w * self.servers as f64 + self.extra_area_window as f64);
        // Provisioned while the traffic flows (the traffic window), not over the days of
        // observation after it, when a real platform would have scaled down.
        let end = now.min(self.stats_end);
        let area = self.servers as u128 * end as u128 + self.extra_area_window;
        self.stats.server_hours = area as f64 / crate::engine::HOUR as f64;
    }
}

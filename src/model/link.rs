//! Network links: latency and loss of the messages that cross them.
//!
//! A link is traversed at a time and in a direction ([`Dir`]), so time-bounded and one-way
//! faults (latency spikes, loss in one direction, partitions) have a place to act.

use super::topology::Dir;
use crate::engine::{Dist, Nanos, Stream};
use crate::scenario::LinkSpec;

pub struct Link {
    pub name: String,
    latency: Dist,
    loss: f64,
    lat_rng: Stream,
    loss_rng: Stream,
}

impl Link {
    pub fn new(spec: &LinkSpec, name: String, master: u64, run: u64) -> Self {
        Link {
            lat_rng: Stream::new(master, run, &format!("latency/{name}")),
            loss_rng: Stream::new(master, run, &format!("loss/{name}")),
            latency: spec.latency.clone(),
            loss: spec.loss,
            name,
        }
    }

    /// Delay of one message sent at `now` in direction `dir`, or `None` if it is lost.
    #[inline]
    pub fn traverse(&mut self, _now: Nanos, _dir: Dir) -> Option<Nanos> {
        if self.loss > 0.0 && self.loss_rng.chance(self.loss) {
            return None;
        }
        if self.latency.is_zero() {
            Some(0)
        } else {
            Some(self.latency.sample_ns(&mut self.lat_rng))
        }
    }
}

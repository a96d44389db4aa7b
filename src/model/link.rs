//! Network links: latency and loss of the messages that cross them, one state per direction.
//!
//! A link is traversed at a time and in a direction ([`Dir`]), so time-bounded and one-way
//! faults (latency spikes, loss in one direction, partitions) have a place to act. The first
//! message of a payment in each direction uses the payment's own draws (see `engine::rng`);
//! later ones (reversals, acknowledgements) draw from the direction's own streams.

use super::topology::Dir;
use crate::engine::rng::{chance, unit};
use crate::engine::{Dist, Nanos, Stream};
use crate::scenario::LinkSpec;

/// The random streams of one direction.
struct Way {
    lat_rng: Stream,
    loss_rng: Stream,
}

pub struct Link {
    pub name: String,
    latency: Dist,
    loss: f64,
    ways: [Way; 2],
}

impl Link {
    pub fn new(spec: &LinkSpec, name: String, master: u64, run: u64) -> Self {
        let way = |d: &str| Way {
            lat_rng: Stream::new(master, run, &format!("latency/{name}/{d}")),
            loss_rng: Stream::new(master, run, &format!("loss/{name}/{d}")),
        };
        Link {
            ways: [way("up"), way("down")],
            latency: spec.latency.clone(),
            loss: spec.loss,
            name,
        }
    }

    /// The link's latency distribution and loss probability.
    pub fn spec(&self) -> (&Dist, f64) {
        (&self.latency, self.loss)
    }

    /// Delay of one message sent at `now` in direction `dir`, or `None` if it is lost.
    /// `own` gives the payment's (latency, loss) words for its first message this way; a word
    /// is computed only if the link needs it.
    #[inline]
    pub fn traverse(
        &mut self,
        _now: Nanos,
        dir: Dir,
        own: Option<(impl FnOnce() -> u64, impl FnOnce() -> u64)>,
    ) -> Option<Nanos> {
        match own {
            Some((lat, loss)) => {
                if self.loss > 0.0 && chance(loss(), self.loss) {
                    None
                } else if self.latency.is_zero() {
                    Some(0)
                } else {
                    Some(self.latency.quantile_ns(unit(lat())))
                }
            }
            None => {
                let w = &mut self.ways[dir as usize];
                if w.loss_rng.chance(self.loss) {
                    None
                } else {
                    Some(self.latency.sample_ns(&mut w.lat_rng))
                }
            }
        }
    }
}

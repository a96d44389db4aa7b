//! The shape of the network: typed ids for stations, links and routes, and the one place that
//! knows how they are numbered.
//!
//! Stations are numbered gateway first, then the channels, then the issuers (the report order
//! of `Scenario::stations`). A route is an (issuer, channel) pair; a link joins two neighbours
//! on the path and is traversed in a [`Dir`]ection.

use crate::scenario::Scenario;

/// A queueing station: the gateway, a channel or an issuer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StationId(u16);

impl StationId {
    #[inline]
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// What a station is, with its index among its kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StationKind {
    Gateway,
    Channel(u16),
    Issuer(u16),
}

/// The direction of a message on a link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dir {
    /// Towards the issuer (requests, reversals).
    Up,
    /// Towards the terminal (responses, acknowledgements).
    Down,
}

/// A link between two neighbours on the path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkId {
    /// A terminal group and the gateway.
    Terminal(u16),
    /// The gateway and a channel.
    GatewayChannel(u16),
    /// A channel and an issuer.
    ChannelIssuer(u16, u16),
}

/// An (issuer, channel) pair: the unit of clearing and settlement positions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RouteId(u32);

impl RouteId {
    #[inline]
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// Counts of each kind of component, and the numbering arithmetic.
#[derive(Clone, Copy, Debug)]
pub struct Topology {
    pub groups: usize,
    pub channels: usize,
    pub issuers: usize,
}

impl Topology {
    pub fn new(s: &Scenario) -> Self {
        Topology {
            groups: s.terminals.len(),
            channels: s.channels.len(),
            issuers: s.issuers.len(),
        }
    }

    pub const GATEWAY: StationId = StationId(0);

    /// The station with report index `i`.
    #[inline]
    pub fn station(&self, i: usize) -> StationId {
        StationId(i as u16)
    }

    #[inline]
    pub fn channel(&self, c: u16) -> StationId {
        StationId(1 + c)
    }

    #[inline]
    pub fn issuer(&self, i: u16) -> StationId {
        StationId(1 + self.channels as u16 + i)
    }

    #[inline]
    pub fn kind(&self, s: StationId) -> StationKind {
        let c = self.channels as u16;
        match s.0 {
            0 => StationKind::Gateway,
            x if x <= c => StationKind::Channel(x - 1),
            x => StationKind::Issuer(x - 1 - c),
        }
    }

    /// Number of routes (issuer × channel).
    pub fn routes(&self) -> usize {
        self.issuers * self.channels
    }

    #[inline]
    pub fn route(&self, issuer: u16, channel: u16) -> RouteId {
        RouteId(issuer as u32 * self.channels as u32 + channel as u32)
    }

    /// The (issuer, channel) of a route.
    #[inline]
    pub fn route_parts(&self, r: RouteId) -> (u16, u16) {
        let c = self.channels as u32;
        ((r.0 / c) as u16, (r.0 % c) as u16)
    }

    pub fn all_routes(&self) -> impl Iterator<Item = RouteId> {
        (0..self.routes() as u32).map(RouteId)
    }
}

/// A cumulative distribution over weights, for picking by a uniform draw.
pub fn cdf(weights: impl Iterator<Item = f64>) -> Vec<f64> {
    let w: Vec<f64> = weights.collect();
    let total: f64 = w.iter().sum();
    let mut acc = 0.0;
    let mut c: Vec<f64> = w
        .iter()
        .map(|x| {
            acc += x;
            acc / total
        })
        .collect();
    if let Some(l) = c.last_mut() {
        *l = 1.0;
    }
    c
}

/// The index a uniform draw `u` in `[0, 1)` picks from `cdf`.
#[inline]
pub fn pick(cdf: &[f64], u: f64) -> u16 {
    cdf.partition_point(|&c| c <= u).min(cdf.len() - 1) as u16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbering_round_trips() {
        let t = Topology {
            groups: 1,
            channels: 2,
            issuers: 3,
        };
        assert_eq!(t.kind(Topology::GATEWAY), StationKind::Gateway);
        assert_eq!(t.kind(t.channel(1)), StationKind::Channel(1));
        assert_eq!(t.kind(t.issuer(0)), StationKind::Issuer(0));
        assert_eq!(t.kind(t.issuer(2)), StationKind::Issuer(2));
        for r in t.all_routes() {
            let (i, c) = t.route_parts(r);
            assert_eq!(t.route(i, c), r);
        }
        assert_eq!(t.routes(), 6);
    }

    #[test]
    fn pick_follows_the_cdf() {
        let c = cdf([1.0, 3.0].into_iter());
        assert_eq!(c, vec![0.25, 1.0]);
        assert_eq!(pick(&c, 0.0), 0);
        assert_eq!(pick(&c, 0.2499), 0);
        assert_eq!(pick(&c, 0.25), 1);
        assert_eq!(pick(&c, 0.9999), 1);
    }
}

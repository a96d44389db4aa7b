//! The scenario's faults in one run: each fault's windows (drawn from its own streams, so
//! adding a fault never moves any other draw), which hook of the journey it acts at, and the
//! little state some kinds keep (terminal repairs, account counts).
//!
//! The journey asks here only when the scenario has faults (`World::faults_on`), and each hook
//! only looks at the faults registered for its station, link, group or issuer. Where they
//! strike: [`stations`] (outages, partial failures, slow stations, attacks), [`links`]
//! (loss, delay, duplicates), and [`struck`] (a payment's terminal, account, merchant and
//! card risk rules).

pub(in crate::model) mod links;
pub(in crate::model) mod stations;
pub(in crate::model) mod struck;

use super::topology::{Dir, LinkId, StationId, Topology};
use crate::engine::rng::{chance, unit};
use crate::engine::{DAY, KeyedWords, Nanos, Stream};
use crate::scenario::{
    Component, FaultEffect, FaultSpec, FaultTarget, LinkDirection, LinkRef, Scenario,
};
use std::collections::HashMap;

/// A fault's windows `[start, end)`, sorted and disjoint.
#[derive(Clone, Debug, Default)]
pub struct Windows {
    list: Vec<(Nanos, Nanos)>,
}

impl Windows {
    pub fn new(mut list: Vec<(Nanos, Nanos)>) -> Self {
        list.sort_unstable();
        // Merge overlaps (drawn windows never overlap; periods at least the duration).
        let mut out: Vec<(Nanos, Nanos)> = Vec::with_capacity(list.len());
        for (s, e) in list {
            match out.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => out.push((s, e)),
            }
        }
        Windows { list: out }
    }

    /// The window containing `t`, if any.
    #[inline]
    pub fn at(&self, t: Nanos) -> Option<(Nanos, Nanos)> {
        let i = self.list.partition_point(|w| w.0 <= t);
        (i > 0 && t < self.list[i - 1].1).then(|| self.list[i - 1])
    }

    #[inline]
    pub fn active(&self, t: Nanos) -> bool {
        self.at(t).is_some()
    }

    /// The first window starting at or after `t`.
    pub fn next_start(&self, t: Nanos) -> Option<(Nanos, Nanos)> {
        let i = self.list.partition_point(|w| w.0 < t);
        self.list.get(i).copied()
    }

    pub fn list(&self) -> &[(Nanos, Nanos)] {
        &self.list
    }
}

/// One terminal's hardware: when it next fails and when that failure is repaired.
#[derive(Clone, Copy, Debug, Default)]
pub struct Hardware {
    pub fails_at: Nanos,
    pub repaired_at: Nanos,
    /// Failures drawn so far (the key of the next draw).
    pub n: u32,
}

/// One fault in one run.
pub struct Fault {
    /// Its cause id (see `model::cause`).
    pub cause: u8,
    pub effect: FaultEffect,
    pub windows: Windows,
    /// Draws keyed by payment (or terminal, merchant, account): the same entity gets the same
    /// draw in every design.
    pub words: KeyedWords,
    /// Draws for things that have no key of their own (repeated messages, junk arrivals).
    pub rng: Stream,
    /// Terminal hardware state per group and terminal (only for terminal_hardware faults).
    pub hardware: Vec<Vec<Hardware>>,
    /// Per account: (day, sales that day), for a daily count limit.
    pub counts: Vec<(u32, u32)>,
    /// A partial failure's twin, which its synchronisation messages load (see
    /// `scenario::SyncLoad`).
    pub sync_at: Option<StationId>,
}

impl Fault {
    #[inline]
    pub fn active(&self, t: Nanos) -> bool {
        self.windows.active(t)
    }
}

/// The faults of a run and the hooks they act at (indices into `all`).
pub struct Faults {
    pub all: Vec<Fault>,
    pub station: Vec<Vec<u16>>,
    /// Per station: the partial failures elsewhere whose synchronisation messages load it.
    pub synced: Vec<Vec<u16>>,
    /// Per link (see [`Faults::link_index`]) and direction.
    pub link: Vec<[Vec<u16>; 2]>,
    pub group: Vec<Vec<u16>>,
    pub issuer: Vec<Vec<u16>>,
    pub risk: Vec<u16>,
    /// Payments (by [`payment_key`]) held for review by a rule fault (a card rule at the risk
    /// check, a merchant rule at screening), with that fault: its review time applies when
    /// the review starts, whatever cause the payment already carried.
    pub rule_holds: HashMap<u64, u16>,
    groups: usize,
    channels: usize,
    issuers: usize,
}

/// The key of a payment's fault draws: unique in the run, the same in every design.
#[inline]
pub fn payment_key(group: u16, gserial: u32, groups: usize) -> u64 {
    gserial as u64 * groups as u64 + group as u64
}

/// The fault key of one attempt's path: the payment's key, with the attempt (see
/// `Payment::attempt`) in bits no payment key reaches, so that a retry draws afresh.
#[inline]
pub fn path_key(p: &super::payment::Payment, groups: usize) -> u64 {
    payment_key(p.group, p.gserial, groups) | (p.attempt as u64) << 50
}

impl Faults {
    pub fn new(s: &Scenario, topo: &Topology, master: u64, run: u64, horizon: Nanos) -> Self {
        let n_links = topo.groups + topo.channels + topo.channels * topo.issuers;
        let mut f = Faults {
            all: vec![],
            station: vec![vec![]; 1 + topo.channels + topo.issuers],
            synced: vec![vec![]; 1 + topo.channels + topo.issuers],
            link: vec![[vec![], vec![]]; n_links],
            group: vec![vec![]; topo.groups],
            issuer: vec![vec![]; topo.issuers],
            risk: vec![],
            rule_holds: HashMap::new(),
            groups: topo.groups,
            channels: topo.channels,
            issuers: topo.issuers,
        };
        for (k, spec) in s.faults.iter().enumerate() {
            let name = format!("faults/{}", spec.id);
            let mut timing = Stream::new(master, run, &format!("{name}/timing"));
            let windows = Windows::new(spec.windows(horizon, &mut timing));
            let k16 = k as u16;
            let hardware = match (&spec.effect, &spec.target) {
                (FaultEffect::TerminalHardware { .. }, FaultTarget::Groups(gs)) => s
                    .terminals
                    .iter()
                    .enumerate()
                    .map(|(g, t)| {
                        if gs.contains(&g) {
                            vec![Hardware::default(); t.count as usize]
                        } else {
                            vec![]
                        }
                    })
                    .collect(),
                _ => vec![],
            };
            let counts = match (&spec.effect, &spec.target) {
                (
                    FaultEffect::Limits {
                        daily_count: Some(_),
                        ..
                    },
                    FaultTarget::Issuer(i),
                ) => vec![(u32::MAX, 0); s.issuers[*i].accounts.count as usize],
                _ => vec![],
            };
            f.register(spec, k16, topo);
            let sync_at = match spec.effect {
                FaultEffect::Partial { sync: Some(y), .. } => {
                    let st = station_of(y.to, topo);
                    f.synced[st.index()].push(k16);
                    Some(st)
                }
                _ => None,
            };
            f.all.push(Fault {
                cause: super::cause::id::FIRST_FAULT + k as u8,
                effect: spec.effect.clone(),
                windows,
                words: KeyedWords::new(master, run, &format!("{name}/draws")),
                rng: Stream::new(master, run, &format!("{name}/repeat")),
                hardware,
                counts,
                sync_at,
            });
        }
        f
    }

    fn register(&mut self, spec: &FaultSpec, k: u16, topo: &Topology) {
        match &spec.target {
            FaultTarget::Station(c) => {
                let st = station_of(*c, topo);
                if matches!(spec.effect, FaultEffect::CardRule { .. }) {
                    self.risk.push(k);
                } else {
                    self.station[st.index()].push(k);
                }
            }
            FaultTarget::Link(l, d) => {
                let id = match *l {
                    LinkRef::Terminal(g) => LinkId::Terminal(g as u16),
                    LinkRef::GatewayChannel(c) => LinkId::GatewayChannel(c as u16),
                    LinkRef::ChannelIssuer(c, i) => LinkId::ChannelIssuer(c as u16, i as u16),
                };
                let i = self.link_index_of(id);
                if matches!(d, LinkDirection::Up | LinkDirection::Both) {
                    self.link[i][Dir::Up as usize].push(k);
                }
                if matches!(d, LinkDirection::Down | LinkDirection::Both) {
                    self.link[i][Dir::Down as usize].push(k);
                }
            }
            FaultTarget::Groups(gs) => {
                for &g in gs {
                    self.group[g].push(k);
                }
            }
            FaultTarget::Issuer(i) => self.issuer[*i].push(k),
        }
    }

    fn link_index_of(&self, l: LinkId) -> usize {
        let (groups, channels) = (self.groups, self.channels);
        match l {
            LinkId::Terminal(g) => g as usize,
            LinkId::GatewayChannel(c) => groups + c as usize,
            LinkId::ChannelIssuer(c, i) => {
                groups + channels + c as usize * self.issuers + i as usize
            }
        }
    }

    /// The faults on a link in a direction.
    #[inline]
    pub fn on_link(&self, l: LinkId, dir: Dir) -> &[u16] {
        &self.link[self.link_index_of(l)][dir as usize]
    }

    /// Arrival-rate multipliers of a group: (start, end, multiplier) per surge window.
    pub fn surges(&self, g: usize) -> Vec<(Nanos, Nanos, f64)> {
        let mut v = vec![];
        for &k in &self.group[g] {
            let f = &self.all[k as usize];
            if let FaultEffect::Surge { multiplier } = f.effect {
                v.extend(f.windows.list().iter().map(|w| (w.0, w.1, multiplier)));
            }
        }
        v
    }
}

/// The station of a component.
fn station_of(c: Component, topo: &Topology) -> StationId {
    match c {
        Component::Gateway => Topology::GATEWAY,
        Component::Channel(c) => topo.channel(c as u16),
        Component::Issuer(i) => topo.issuer(i as u16),
    }
}

/// Per-payment or per-entity chance from a fault's keyed words.
#[inline]
pub fn keyed_chance(f: &Fault, key: u64, purpose: usize, p: f64) -> bool {
    p > 0.0 && chance(f.words.word(key, purpose), p)
}

/// A uniform number for a keyed entity.
#[inline]
pub fn keyed_unit(f: &Fault, key: u64, purpose: usize) -> f64 {
    unit(f.words.word(key, purpose))
}

/// Which purpose of a fault's keyed words serves which draw.
pub mod purpose {
    /// A station's partial failure: by station kind (0 gateway, 1 channel, 2 issuer).
    pub const PARTIAL: usize = 0;
    /// A link's loss, latency, duplicate: 3 + 2 × hop + direction (up to 8).
    pub const LINK: usize = 3;
    pub const LINK_LATENCY: usize = 9;
    pub const LINK_DUP: usize = 15;
    /// Per payment at the terminal: bad input, fraud wave, crash.
    pub const INPUT: usize = 21;
    pub const FRAUD: usize = 22;
    pub const CRASH: usize = 23;
    pub const CARD_RULE: usize = 24;
    /// A slow station's added delay, by station kind (25 to 27).
    pub const SLOW: usize = 25;
    /// A partial failure's synchronisation messages for a request: the fractional one.
    pub const SYNC: usize = 28;
    /// Per terminal: old software, its update time.
    pub const OLD: usize = 30;
    pub const UPDATE: usize = 31;
    /// Per merchant (group, terminal): wrong details, rule misfire, review time.
    pub const MERCHANT: usize = 32;
    pub const REVIEW: usize = 33;
    /// Per account: frozen, spending rate.
    pub const ACCOUNT: usize = 40;
    pub const SPEND: usize = 41;
    /// Per terminal hardware failure: time to fail, time to repair.
    pub const HW_FAIL: usize = 50;
    pub const HW_REPAIR: usize = 51;
}

/// The day number of `t` (for daily counts).
#[inline]
pub fn day_of(t: Nanos) -> u32 {
    (t / DAY) as u32
}

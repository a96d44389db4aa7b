//! Channels' health for failover: health-check echoes and what observed failures mark down.

use super::EchoStep;
use crate::engine::{Nanos, Stream};
use crate::model::World;
use crate::model::event::Ev;
use crate::model::invariants::Violation;
use crate::model::topology::{Dir, LinkId};
use crate::model::trace::Tracer;
use crate::scenario::FaultEffect;
use crate::scenario::strategies::guard::FailoverMode;

/// A channel's health as the acquirer sees it (health checks or observed failures).
#[derive(Default)]
pub(super) struct Health {
    pub(super) down: bool,
    pub(super) since: Nanos,
    pub(super) fails: u32,
    oks: u32,
    pub(super) probe_at: Nanos,
    pub(super) probing: bool,
}

/// The echoes' random streams of one channel: latency and loss each way.
pub(super) struct EchoRng {
    pub(super) up: Stream,
    pub(super) down: Stream,
}

impl<T: Tracer> World<'_, T> {
    /// Schedules the first echo of every channel (health checks).
    #[inline(never)]
    pub(in crate::model) fn guard_start(&mut self) {
        if on!(self).echo.is_empty() {
            return;
        }
        for c in 0..self.s.channels.len() {
            self.schedule(
                0,
                Ev::Echo {
                    channel: c as u16,
                    what: EchoStep::Send,
                },
            );
        }
    }

    /// Whether the channel is marked down and this request should avoid it; a request that
    /// may probe a channel marked down by observed failures goes to it (`probe` set).
    pub(super) fn health_avoids(&mut self, c: usize, now: Nanos, probe: &mut bool) -> bool {
        let h = &mut on!(self).health[c];
        if !h.down {
            return false;
        }
        if self.s.strategy.guard.failover.mode == FailoverMode::Observed
            && !h.probing
            && now >= h.probe_at
        {
            h.probing = true;
            *probe = true;
            return false;
        }
        true
    }

    /// An echo event: send the next echo of a channel, or judge one.
    #[inline(never)]
    pub(in crate::model) fn echo_event(&mut self, c: u16, what: EchoStep) -> Result<(), Violation> {
        let c = c as usize;
        let now = self.q.now();
        let fo = self.s.strategy.guard.failover.clone();
        match what {
            EchoStep::Send => {
                self.out.echoes_sent += 1;
                let back = self.echo_trip(c, now);
                let limit = now.saturating_add(fo.echo_timeout);
                let (at, what) = match back {
                    Some(t) if t <= limit => (t, EchoStep::Ok),
                    _ => (limit, EchoStep::Failed),
                };
                let channel = c as u16;
                self.schedule(at, Ev::Echo { channel, what });
                let next = now.saturating_add(fo.echo_interval);
                if next <= self.horizon {
                    self.schedule(
                        next,
                        Ev::Echo {
                            channel,
                            what: EchoStep::Send,
                        },
                    );
                }
            }
            EchoStep::Ok => {
                let h = &mut on!(self).health[c];
                h.fails = 0;
                h.oks += 1;
                if h.down && h.oks >= fo.up_after {
                    h.down = false;
                    self.out.channel_down_time += now - h.since;
                }
            }
            EchoStep::Failed => {
                self.out.echoes_failed += 1;
                let h = &mut on!(self).health[c];
                h.oks = 0;
                h.fails += 1;
                if !h.down && h.fails >= fo.down_after {
                    h.down = true;
                    h.since = now;
                    self.out.channels_marked_down += 1;
                }
            }
        }
        Ok(())
    }

    /// When an echo sent to channel `c` at `t0` comes back, or `None` if it is lost or the
    /// channel does not answer. An echo takes no server's time: the channel's line handler
    /// answers it, unless the channel is down or hung (any outage).
    fn echo_trip(&mut self, c: usize, t0: Nanos) -> Option<Nanos> {
        let t1 = t0.saturating_add(self.echo_leg(c, Dir::Up, t0)?);
        if self.faults_on {
            let st = self.topo.channel(c as u16);
            let down = self.faults.station[st.index()].iter().any(|&k| {
                let f = &self.faults.all[k as usize];
                matches!(f.effect, FaultEffect::Outage { .. }) && f.active(t1)
            });
            if down {
                return None;
            }
        }
        Some(t1.saturating_add(self.echo_leg(c, Dir::Down, t1)?))
    }

    /// One way of an echo on the gateway–channel link: its delay, or `None` if lost (the
    /// link's loss and latency, and its faults, drawn from the echo's own streams).
    fn echo_leg(&mut self, c: usize, dir: Dir, t: Nanos) -> Option<Nanos> {
        let (latency, loss) = self.nodes.gc_links[c].spec();
        let latency = latency.clone();
        let rng = match dir {
            Dir::Up => &mut on!(self).echo[c].up,
            Dir::Down => &mut on!(self).echo[c].down,
        };
        if rng.chance(loss) {
            return None;
        }
        let mut d = if latency.is_zero() {
            0
        } else {
            latency.sample_ns(rng)
        };
        if self.faults_on {
            for &k in self.faults.on_link(LinkId::GatewayChannel(c as u16), dir) {
                let f = &self.faults.all[k as usize];
                if !f.active(t) {
                    continue;
                }
                let rng = match dir {
                    Dir::Up => &mut on!(self).echo[c].up,
                    Dir::Down => &mut on!(self).echo[c].down,
                };
                match &f.effect {
                    FaultEffect::Partition => return None,
                    FaultEffect::Loss { probability } if rng.chance(*probability) => return None,
                    FaultEffect::Latency { added } => d = d.saturating_add(added.sample_ns(rng)),
                    _ => {}
                }
            }
        }
        Some(d)
    }
}

//! Messages on links and requests at stations: the parts of the journey every node shares.

use crate::engine::Nanos;
use crate::engine::rng::unit;
use crate::model::World;
use crate::model::cause;
use crate::model::event::{Ev, Msg, what};
use crate::model::payment::{AcquirerState as Acq, code, slot, used};
use crate::model::station::Admit;
use crate::model::topology::{Dir, LinkId, StationId, StationKind};
use crate::model::trace::{Step, Tracer};
use crate::scenario::OutageMode;

impl<T: Tracer> World<'_, T> {
    /// Puts a message on a link, in a direction.
    #[inline]
    pub(in crate::model) fn send(&mut self, pid: u32, via: LinkId, dir: Dir, msg: Msg) {
        let now = self.q.now();
        // The payment's own draws for its first message on this link and direction.
        let hop = match via {
            LinkId::Terminal(_) => 0,
            LinkId::GatewayChannel(_) => 1,
            LinkId::ChannelIssuer(..) => 2,
        };
        let k = 2 * hop + dir as usize;
        let bit = used::LINK << k;
        let p = &mut self.arena.pay[pid as usize];
        let first = p.used & bit == 0;
        p.used |= bit;
        let own = if first {
            let (g, gserial) = (p.group as usize, p.gserial as u64);
            let words = self.nodes.groups[g].words;
            Some((
                move || words.word(gserial, slot::LATENCY + k),
                move || words.word(gserial, slot::LOSS + k),
            ))
        } else {
            None
        };
        match self.nodes.link(via).traverse(now, dir, own) {
            // A zero-latency hop is a function call: the message arrives now, before any other
            // event of this instant (the caller holds a reference to the payment).
            Some(0) => {
                if T::ON {
                    self.trace(pid, |_| Step::Sent {
                        what: msg.name(),
                        to: msg.to().into(),
                    });
                }
                self.deliver(pid, msg);
            }
            Some(d) => {
                self.schedule(now.saturating_add(d), Ev::Deliver { pid, msg });
                if T::ON {
                    self.trace(pid, |_| Step::Sent {
                        what: msg.name(),
                        to: msg.to().into(),
                    });
                }
            }
            None => {
                self.out.messages_lost += 1;
                self.blame(pid, cause::id::MESSAGE_LOSS);
                if T::ON {
                    self.trace(pid, |w| Step::Lost {
                        what: msg.name(),
                        link: w.nodes.link_name(via).to_owned(),
                    });
                }
            }
        }
    }

    /// Whether a station is down now; counts and traces the message it drops if so.
    #[inline]
    pub(in crate::model) fn is_down(
        &mut self,
        pid: u32,
        st: StationId,
        what: &'static str,
    ) -> Option<OutageMode> {
        if !self.faults_on {
            return None;
        }
        let station = &mut self.nodes.stations[st.index()];
        let (mode, cause) = station.down(self.q.now())?;
        station.note_outage_hit();
        self.blame(pid, cause);
        if T::ON {
            self.trace(pid, |w| Step::Dropped {
                what,
                at: w.nodes.stations[st.index()].id.clone(),
                reason: "outage",
            });
        }
        Some(mode)
    }

    /// Whether a message other than a request gets through a station (it is dropped if the
    /// station is down).
    #[inline]
    pub(in crate::model) fn reachable(&mut self, pid: u32, st: StationId, msg: Msg) -> bool {
        self.is_down(pid, st, msg.name()).is_none()
    }

    /// A request reaches a station: served at once, queued, dropped or refused.
    #[inline]
    pub(in crate::model) fn request_at(&mut self, pid: u32, st: StationId) {
        match self.is_down(pid, st, what::REQUEST) {
            None => {
                let now = self.q.now();
                let service = self.service_time(pid, st);
                match self.nodes.stations[st.index()].arrive(now, pid, service) {
                    Admit::Started(end) => self.schedule(end, Ev::ServiceDone { station: st, pid }),
                    Admit::Queued => {
                        self.hold(pid); // its queue place
                        if T::ON {
                            self.trace(pid, |w| Step::Queued {
                                at: w.nodes.stations[st.index()].id.clone(),
                            });
                        }
                    }
                }
            }
            Some(OutageMode::Drop) => {}
            Some(OutageMode::Reject) => self.reject(pid, st),
        }
    }

    /// The service a request needs at a station: the payment's own draw for this kind of
    /// station the first time, the station's stream for a repeat.
    #[inline]
    fn service_time(&mut self, pid: u32, st: StationId) -> Nanos {
        let kind = match self.topo.kind(st) {
            StationKind::Gateway => 0,
            StationKind::Channel(_) => 1,
            StationKind::Issuer(_) => 2,
        };
        let bit = used::SERVICE << kind;
        let p = &mut self.arena.pay[pid as usize];
        if p.used & bit == 0 {
            p.used |= bit;
            let u = unit(self.word(pid, slot::SERVICE + kind));
            self.nodes.stations[st.index()].service().quantile_ns(u)
        } else {
            self.nodes.stations[st.index()].own_service()
        }
    }

    /// A station finishes a service: the next request in its queue starts, and this one goes
    /// on (unless the station went down meanwhile).
    pub(in crate::model) fn service_done(
        &mut self,
        st: StationId,
        pid: u32,
    ) -> Result<(), crate::model::Violation> {
        let now = self.q.now();
        if let Some((next, end)) = self.nodes.stations[st.index()].depart(now) {
            self.schedule(
                end,
                Ev::ServiceDone {
                    station: st,
                    pid: next,
                },
            );
            self.release(next)?; // its queue place
        }
        match self.is_down(pid, st, what::REQUEST) {
            Some(OutageMode::Drop) => return Ok(()),
            Some(OutageMode::Reject) => {
                self.reject(pid, st);
                return Ok(());
            }
            None => {}
        }
        if T::ON {
            self.trace(pid, |w| Step::Served {
                at: w.nodes.stations[st.index()].id.clone(),
            });
        }
        match self.topo.kind(st) {
            StationKind::Gateway => self.risk_check(pid),
            StationKind::Channel(_) => self.channel_forward(pid),
            StationKind::Issuer(_) => self.issuer_decide(pid),
        }
        Ok(())
    }

    /// A down station in "reject" mode answers a request at once with 91 (issuer or switch
    /// inoperative), back towards the terminal.
    pub(in crate::model) fn reject(&mut self, pid: u32, st: StationId) {
        use crate::model::event::{ToChannel, ToGateway, ToTerminal};
        let p = self.arena.pay[pid as usize];
        let c91 = code::INOPERATIVE;
        let (via, msg) = match self.topo.kind(st) {
            StationKind::Gateway => {
                let q = &mut self.arena.pay[pid as usize];
                q.acquirer = Acq::Declined;
                q.code = c91;
                (
                    LinkId::Terminal(p.group),
                    Msg::Terminal(ToTerminal::Response(c91)),
                )
            }
            StationKind::Channel(c) => {
                self.arena.pay[pid as usize].set(crate::model::payment::flag::CHANNEL_REFUSED);
                (
                    LinkId::GatewayChannel(c),
                    Msg::Gateway(ToGateway::Response(c91)),
                )
            }
            StationKind::Issuer(i) => (
                LinkId::ChannelIssuer(p.channel, i),
                Msg::Channel(ToChannel::Response(c91)),
            ),
        };
        self.send(pid, via, Dir::Down, msg);
    }
}

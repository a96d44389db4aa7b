//! Messages on links and requests at stations: the parts of the journey every node shares.

use crate::engine::Nanos;
use crate::engine::rng::unit;
use crate::model::PaymentId;
use crate::model::World;
use crate::model::cause;
use crate::model::event::{Ev, Msg, ToChannel, ToGateway};
use crate::model::faults::stations::Hit;
use crate::model::invariants::Violation;
use crate::model::payment::{AcquirerState as Acq, slot, used};
use crate::model::station::Admit;
use crate::model::station::JUNK;
use crate::model::topology::{Dir, LinkId, StationId, StationKind};
use crate::model::trace::{Step, Tracer};

impl<T: Tracer> World<'_, T> {
    /// Puts a message on a link, in a direction.
    #[inline]
    pub(in crate::model) fn send(&mut self, pid: PaymentId, via: LinkId, dir: Dir, msg: Msg) {
        if self.faults_on {
            self.send_faulted(pid, via, dir, msg);
        } else {
            self.send_via::<false>(pid, via, dir, msg);
        }
    }

    /// `send` when the scenario has faults (kept out of line: the fault-free path has no
    /// trace of the hook).
    #[inline(never)]
    fn send_faulted(&mut self, pid: PaymentId, via: LinkId, dir: Dir, msg: Msg) {
        self.send_via::<true>(pid, via, dir, msg);
    }

    #[inline(always)]
    fn send_via<const FAULTS: bool>(&mut self, pid: PaymentId, via: LinkId, dir: Dir, msg: Msg) {
        let now = self.q.now();
        // The payment's own draws for its first message on this link and direction.
        let hop = match via {
            LinkId::Terminal(_) => 0,
            LinkId::GatewayChannel(_) => 1,
            LinkId::ChannelIssuer(..) => 2,
        };
        let k = 2 * hop + dir as usize;
        let bit = used::LINK << k;
        let p = &mut self.arena[pid];
        let first = p.used & bit == 0;
        p.used |= bit;
        let own = if first {
            let (g, gserial) = (p.group as usize, p.path_serial());
            let words = self.nodes.groups[g].words;
            Some((
                move || words.word(gserial, slot::LATENCY + k),
                move || words.word(gserial, slot::LOSS + k),
            ))
        } else {
            None
        };
        let mut delay = self.nodes.link(via).traverse(now, dir, own);
        if FAULTS && delay.is_some() {
            // A fault that loses the message blames itself first (the loss below does not
            // replace it).
            delay = self.link_faults(pid, via, dir, k, first, msg, delay);
        }
        match delay {
            // A zero-latency hop is a function call: the message arrives now, before any other
            // event of this instant (the caller holds a reference to the payment).
            Some(0) => {
                if T::ON {
                    self.trace(pid, |w| Step::Sent {
                        what: w.msg_name(pid, msg),
                        to: msg.to().into(),
                    });
                }
                self.deliver(pid, msg);
            }
            Some(d) => {
                self.schedule(now.saturating_add(d), Ev::Deliver { pid, msg });
                if T::ON {
                    self.trace(pid, |w| Step::Sent {
                        what: w.msg_name(pid, msg),
                        to: msg.to().into(),
                    });
                }
            }
            None => {
                self.out.messages_lost += 1;
                self.blame(pid, cause::id::MESSAGE_LOSS);
                if T::ON {
                    self.trace(pid, |w| Step::Lost {
                        what: w.msg_name(pid, msg),
                        link: w.nodes.link_name(via).to_owned(),
                    });
                }
            }
        }
    }

    /// A message's name in the network's language (its ISO 8583 type: the terminal group's
    /// messages on its link, the payment's channel's beyond; a QR aggregator's API calls beyond
    /// the acquirer), for the trace only.
    pub(in crate::model) fn msg_name(&self, pid: PaymentId, msg: Msg) -> &'static str {
        let p = &self.arena[pid];
        let spec = self.s.channels.get(p.channel as usize);
        if let Some(n) = spec.filter(|c| c.qr.is_some()).and_then(|_| msg.qr_name()) {
            return n;
        }
        let channel = spec.map(|c| c.flow);
        msg.name(
            self.s.terminal_messages(p.group as usize),
            channel.unwrap_or_default(),
        )
    }

    /// What a station is called in a sentence.
    pub(in crate::model) fn station_word(&self, st: StationId) -> &'static str {
        match self.topo.kind(st) {
            StationKind::Gateway => "gateway",
            StationKind::Channel(_) => "channel",
            StationKind::Issuer(_) => "issuer",
        }
    }

    /// 0 for the gateway, 1 for a channel, 2 for an issuer: the index of a payment's
    /// per-kind draws.
    #[inline(always)]
    pub(in crate::model) fn station_kind_index(&self, st: StationId) -> usize {
        match self.topo.kind(st) {
            StationKind::Gateway => 0,
            StationKind::Channel(_) => 1,
            StationKind::Issuer(_) => 2,
        }
    }

    /// Whether a message other than a request gets through a station (it is dropped if the
    /// station is down).
    #[inline]
    pub(in crate::model) fn reachable(&mut self, pid: PaymentId, st: StationId, msg: Msg) -> bool {
        self.station_hit(pid, st, msg).is_none()
    }

    /// A request (`msg`) reaches a station: served at once, queued, dropped or refused.
    #[inline]
    pub(in crate::model) fn request_at(&mut self, pid: PaymentId, st: StationId, msg: Msg) {
        let hit = self.station_hit(pid, st, msg);
        match hit {
            // A hung station has no working server until it recovers: the request queues.
            None | Some(Hit::Hang) => {
                let now = self.q.now();
                let service = self.service_time(pid, st);
                match self.nodes.stations[st.index()].arrive(now, pid, service) {
                    Admit::Started(end) => self.schedule(end, Ev::ServiceDone { station: st, pid }),
                    Admit::Queued => {
                        self.hold(pid); // its queue place
                        if T::ON {
                            self.trace(pid, |w| Step::Queued {
                                kind: w.station_word(st),
                                at: w.nodes.stations[st.index()].id.clone(),
                            });
                        }
                    }
                }
            }
            Some(Hit::Drop) => {}
            Some(Hit::Reject(c)) => self.reject(pid, st, c),
        }
    }

    /// The service a request needs at a station: the payment's own draw for this kind of
    /// station the first time, the station's stream for a repeat.
    #[inline]
    fn service_time(&mut self, pid: PaymentId, st: StationId) -> Nanos {
        let kind = self.station_kind_index(st);
        let bit = used::SERVICE << kind;
        let p = &mut self.arena[pid];
        let service = if p.used & bit == 0 {
            p.used |= bit;
            let u = unit(self.path_word(pid, slot::SERVICE + kind));
            self.nodes.stations[st.index()].service().quantile_ns(u)
        } else {
            self.nodes.stations[st.index()].own_service()
        };
        if self.faults_on && !self.faults.station[st.index()].is_empty() {
            self.slowed(pid, st, kind, service)
        } else {
            service
        }
    }

    /// A lost-server window starts or ends: the station counts its servers again, and the
    /// queue moves on if some came back.
    #[inline(never)]
    pub(in crate::model) fn kick(&mut self, st: StationId) -> Result<(), crate::model::Violation> {
        let now = self.q.now();
        for (pid, end) in self.nodes.stations[st.index()].recount(now) {
            self.start_next(st, pid, end)?;
        }
        Ok(())
    }

    /// The station starts serving `pid` (a payment, or junk) until `end`.
    #[inline]
    fn start_next(&mut self, st: StationId, pid: PaymentId, end: Nanos) -> Result<(), Violation> {
        let (pid, end) = if self.guard.as_ref().is_some_and(|g| g.shedding) {
            match self.shed_queued(st, pid, end)? {
                Some(next) => next,
                None => return Ok(()),
            }
        } else {
            (pid, end)
        };
        if pid == JUNK {
            self.schedule(end, Ev::JunkDone { station: st });
            return Ok(());
        }
        self.schedule(end, Ev::ServiceDone { station: st, pid });
        self.release(pid) // its queue place
    }

    /// A junk request's service ends: the next in the queue starts.
    #[inline(never)]
    pub(in crate::model) fn junk_done(&mut self, st: StationId) -> Result<(), Violation> {
        let now = self.q.now();
        match self.nodes.stations[st.index()].depart(now) {
            Some((next, end)) => self.start_next(st, next, end),
            None => Ok(()),
        }
    }

    /// A station finishes a service: the next request in its queue starts, and this one goes
    /// on (unless the station went down meanwhile).
    pub(in crate::model) fn service_done(
        &mut self,
        st: StationId,
        pid: PaymentId,
    ) -> Result<(), crate::model::Violation> {
        let now = self.q.now();
        if let Some((next, end)) = self.nodes.stations[st.index()].depart(now) {
            self.start_next(st, next, end)?;
        }
        // A station that went down while serving loses the request (a hang does not: the
        // request was already being processed).
        if self.faults_on {
            match self.down_now(pid, st) {
                Some(Hit::Drop) => return Ok(()),
                Some(Hit::Reject(c)) => {
                    self.reject(pid, st, c);
                    return Ok(());
                }
                _ => {}
            }
        }
        if T::ON {
            self.trace(pid, |w| Step::Served {
                kind: w.station_word(st),
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

    /// A down station in "reject" mode answers a request at once with its code (91 issuer or
    /// switch inoperative, 96 system malfunction), back towards the terminal.
    pub(in crate::model) fn reject(&mut self, pid: PaymentId, st: StationId, c91: u8) {
        use crate::model::event::ToTerminal;
        let p = self.arena[pid];
        let (via, msg) = match self.topo.kind(st) {
            StationKind::Gateway => {
                let q = &mut self.arena[pid];
                q.acquirer = Acq::Declined;
                q.code = c91;
                (
                    LinkId::Terminal(p.group),
                    Msg::Terminal(ToTerminal::Response(c91)),
                )
            }
            StationKind::Channel(c) => {
                self.arena[pid].set(crate::model::payment::Flags::CHANNEL_REFUSED);
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

//! The acquirer's gateway: its queue, the risk engine, routing to a channel, and what the
//! acquirer believes about each payment.

use crate::engine::rng::chance;
use crate::model::World;
use crate::model::event::{Ev, Msg, ToChannel, ToGateway, ToTerminal};
use crate::model::payment::{AcquirerState as Acq, code, flag, slot};
use crate::model::topology::{Dir, LinkId, Topology};
use crate::model::trace::{Step, Tracer};
use crate::scenario::RiskAction;

impl<T: Tracer> World<'_, T> {
    /// A message reaches the gateway.
    pub(in crate::model) fn at_gateway(&mut self, pid: u32, m: ToGateway) {
        let st = Topology::GATEWAY;
        let p = self.arena.pay[pid as usize];
        match m {
            ToGateway::Request => self.request_at(pid, st),
            ToGateway::Response(c) => {
                if self.reachable(pid, st, Msg::Gateway(m)) {
                    self.acquirer_answer(pid, c);
                    self.send(
                        pid,
                        LinkId::Terminal(p.group),
                        Dir::Down,
                        Msg::Terminal(ToTerminal::Response(c)),
                    );
                }
            }
            ToGateway::Reversal => {
                if self.reachable(pid, st, Msg::Gateway(m)) {
                    let q = &mut self.arena.pay[pid as usize];
                    if q.acquirer != Acq::Cleared {
                        q.acquirer = Acq::Reversed;
                    }
                    if self.s.strategy.saf.is_some() {
                        // The host acknowledges at once and owns the delivery from here.
                        self.send(
                            pid,
                            LinkId::Terminal(p.group),
                            Dir::Down,
                            Msg::Terminal(ToTerminal::ReversalAck),
                        );
                        self.saf_start(pid);
                    } else {
                        self.send(
                            pid,
                            LinkId::GatewayChannel(p.channel),
                            Dir::Up,
                            Msg::Channel(ToChannel::Reversal),
                        );
                    }
                }
            }
            ToGateway::ReversalAck if self.s.strategy.saf.is_some() => {
                if self.reachable(pid, st, Msg::Gateway(m)) {
                    self.arena.pay[pid as usize].set(flag::SAF_ACKED);
                    if T::ON {
                        self.trace(pid, |_| Step::SafAcked);
                    }
                }
            }
            ToGateway::ReversalAck => {
                if self.reachable(pid, st, Msg::Gateway(m)) {
                    self.send(
                        pid,
                        LinkId::Terminal(p.group),
                        Dir::Down,
                        Msg::Terminal(ToTerminal::ReversalAck),
                    );
                }
            }
        }
    }

    /// The acquirer's risk engine, then routing to the payment's channel.
    pub(in crate::model) fn risk_check(&mut self, pid: u32) {
        let p = self.arena.pay[pid as usize];
        if let Some(r) = &self.s.risk {
            let fraud = p.has(flag::FRAUD);
            let flagged = chance(
                self.word(pid, slot::RISK),
                if fraud {
                    r.detection_rate
                } else {
                    r.false_positive_rate
                },
            );
            if flagged {
                match r.action {
                    RiskAction::Decline => {
                        let q = &mut self.arena.pay[pid as usize];
                        q.acquirer = Acq::Declined;
                        q.code = code::SUSPECTED_FRAUD;
                        self.out.risk_declines += 1;
                        if T::ON {
                            self.trace(pid, |_| Step::Decided {
                                at: "risk".into(),
                                code: code::SUSPECTED_FRAUD,
                            });
                        }
                        self.send(
                            pid,
                            LinkId::Terminal(p.group),
                            Dir::Down,
                            Msg::Terminal(ToTerminal::Response(code::SUSPECTED_FRAUD)),
                        );
                        return;
                    }
                    RiskAction::Review => {
                        self.arena.pay[pid as usize].set(flag::REVIEW);
                        self.out.risk_reviews += 1;
                    }
                }
            }
        }
        self.send(
            pid,
            LinkId::GatewayChannel(p.channel),
            Dir::Up,
            Msg::Channel(ToChannel::Request),
        );
    }

    /// The response reaches the acquirer's gateway: it records what it believes.
    fn acquirer_answer(&mut self, pid: u32, rcode: u8) {
        let p = &mut self.arena.pay[pid as usize];
        if p.acquirer != Acq::Unknown {
            return; // already reversed (or declined by an outage reject)
        }
        p.code = rcode;
        if rcode != code::APPROVED {
            p.acquirer = Acq::Declined;
            return;
        }
        p.acquirer = Acq::Approved;
        if p.has(flag::REVIEW) {
            let delay = self.s.risk.as_ref().map_or(0, |r| r.review_delay);
            self.schedule(self.q.now().saturating_add(delay), Ev::ReviewDone { pid });
        } else {
            self.join_open_batch(pid);
        }
    }

    /// The host puts a reversal in its store-and-forward queue (once per payment) and sends it.
    fn saf_start(&mut self, pid: u32) {
        let p = &mut self.arena.pay[pid as usize];
        if p.has(flag::SAF) {
            return;
        }
        p.set(flag::SAF);
        if T::ON {
            self.trace(pid, |_| Step::SafQueued);
        }
        self.saf_send(pid);
    }

    /// Sends the stored reversal (0420 the first time, 0421 after) unless it was acknowledged
    /// or has expired, and schedules the next repeat.
    pub(in crate::model) fn saf_send(&mut self, pid: u32) {
        let Some(saf) = &self.s.strategy.saf else {
            return;
        };
        let (interval, expiry) = (saf.interval, saf.expiry);
        let p = &mut self.arena.pay[pid as usize];
        if p.has(flag::SAF_ACKED) {
            return;
        }
        if p.saf_sent as u64 * interval >= expiry {
            self.out.saf_expired += 1;
            if T::ON {
                self.trace(pid, |_| Step::SafExpired);
            }
            return;
        }
        p.saf_sent += 1;
        let (c, repeat) = (p.channel, p.saf_sent > 1);
        self.out.saf_sent += 1;
        if T::ON && repeat {
            self.trace(pid, |_| Step::SafRepeat);
        }
        self.send(
            pid,
            LinkId::GatewayChannel(c),
            Dir::Up,
            Msg::Channel(ToChannel::Reversal),
        );
        self.schedule(self.q.now().saturating_add(interval), Ev::SafSend { pid });
    }

    /// A manual review ends: a confirmed fraud is reversed, anything else goes to clearing.
    pub(in crate::model) fn review_done(&mut self, pid: u32) {
        let p = &mut self.arena.pay[pid as usize];
        if p.acquirer != Acq::Approved {
            return;
        }
        if p.has(flag::FRAUD) {
            p.acquirer = Acq::Reversed;
            let c = p.channel;
            if self.s.strategy.saf.is_some() {
                self.saf_start(pid);
            } else {
                self.send(
                    pid,
                    LinkId::GatewayChannel(c),
                    Dir::Up,
                    Msg::Channel(ToChannel::Reversal),
                );
            }
        } else {
            self.join_open_batch(pid);
        }
    }
}

//! A channel (the card-scheme switch or a third-party channel): it queues requests and passes
//! every message on towards the issuer or back towards the acquirer, except the issuer's
//! acknowledgements of its own reversals, which it keeps. With an issuer timeout it gives up on
//! a silent issuer: it stands in (approves within its limit and advises the issuer later with
//! advices, 0120 or 0220) or answers 91 (98 in UnionPay's codes) and reverses the request
//! towards the issuer.

use crate::model::PaymentId;
use crate::model::World;
use crate::model::event::{Ev, Msg, Rev, Sending, ToChannel, ToGateway, ToIssuer};
use crate::model::payment::{Flags, code};
use crate::model::topology::{Dir, LinkId};
use crate::model::trace::{Step, Tracer};
use crate::scenario::CodeSet;

impl<T: Tracer> World<'_, T> {
    /// A message reaches the payment's channel.
    pub(in crate::model) fn at_channel(&mut self, pid: PaymentId, m: ToChannel) {
        let p = self.arena[pid];
        let st = self.topo.channel(p.channel);
        match m {
            ToChannel::Request => self.request_at(pid, st, Msg::Channel(m)),
            ToChannel::Response(c) => {
                if self.reachable(pid, st, Msg::Channel(m)) {
                    self.channel_response(pid, c);
                }
            }
            ToChannel::Reversal(r) => {
                if self.reachable(pid, st, Msg::Channel(m)) {
                    self.send(
                        pid,
                        LinkId::ChannelIssuer(p.channel, p.issuer),
                        Dir::Up,
                        Msg::Issuer(ToIssuer::Reversal(r)),
                    );
                }
            }
            // The switch keeps the acknowledgements of its own reversals and passes on the
            // others to the acquirer.
            ToChannel::ReversalAck(r) => {
                if !self.reachable(pid, st, Msg::Channel(m)) {
                } else if r.by_channel() {
                    if T::ON {
                        self.trace(pid, |_| Step::ReversalAcked { by: "channel" });
                    }
                } else {
                    self.send(
                        pid,
                        LinkId::GatewayChannel(p.channel),
                        Dir::Down,
                        Msg::Gateway(ToGateway::ReversalAck(r)),
                    );
                }
            }
            ToChannel::AdviceAck => {
                if self.reachable(pid, st, Msg::Channel(m)) {
                    self.arena[pid].set(Flags::ADVICE_ACKED);
                }
            }
        }
    }

    /// The channel has processed a request: on to the issuer, with its timer if it has one.
    pub(in crate::model) fn channel_forward(&mut self, pid: PaymentId) {
        if self.guard.is_some() && !self.guard_forward(pid) {
            return; // refused at once by a breaker or a bulkhead
        }
        let p = self.arena[pid];
        let c = p.channel as usize;
        if let (Some(t), Some(lane)) = (self.s.channels[c].issuer_timeout, self.lanes.channels[c]) {
            let at = self.q.now().saturating_add(t);
            self.schedule_in_lane(lane, at, Ev::ChannelTimeout { pid });
        }
        self.send(
            pid,
            LinkId::ChannelIssuer(p.channel, p.issuer),
            Dir::Up,
            Msg::Issuer(ToIssuer::Request),
        );
    }

    /// The issuer's response reaches the channel: passed on, unless the channel has given up
    /// (then an approval is reversed, or matched by the stand-in advice already on its way).
    fn channel_response(&mut self, pid: PaymentId, c: u8) {
        if self.guard.is_some() {
            self.guard_chan_answer(pid, c);
        }
        let p = &mut self.arena[pid];
        if self.lanes.channels[p.channel as usize].is_none() {
            // No timer at this channel: every answer is in time.
            let ch = p.channel;
            self.answer_gateway(pid, ch, c);
            return;
        }
        let late = p.has(Flags::CHAN_TIMED_OUT);
        if !late && p.has(Flags::ISSUER_ANSWERED) {
            return; // a second answer to the same request (a repeat): already passed on
        }
        p.set(Flags::ISSUER_ANSWERED);
        let p = *p;
        if !late {
            self.answer_gateway(pid, p.channel, c);
            return;
        }
        self.out.late_refused += 1;
        if T::ON {
            let then = match (c == code::APPROVED, p.has(Flags::STAND_IN)) {
                (false, _) => "dropped",
                (true, false) => "reversed",
                (true, true) => "stood_in",
            };
            self.trace(pid, |_| Step::LateResponse {
                by: "channel",
                code: c,
                then,
            });
        }
        if c == code::APPROVED && !p.has(Flags::STAND_IN) {
            self.send(
                pid,
                LinkId::ChannelIssuer(p.channel, p.issuer),
                Dir::Up,
                Msg::Issuer(ToIssuer::Reversal(Rev::ChannelLate)),
            );
        }
    }

    /// The channel's timer for the issuer expires with no answer: stand in within the limit,
    /// else answer 91 and reverse towards the issuer.
    pub(in crate::model) fn channel_timeout(&mut self, pid: PaymentId) {
        let p = &mut self.arena[pid];
        if p.has(Flags::ISSUER_ANSWERED) {
            return;
        }
        p.set(Flags::CHAN_TIMED_OUT);
        let p = *p;
        if self.guard.is_some() {
            self.guard_chan_timeout(pid);
        }
        self.out.channel_timeouts += 1;
        self.blame_timeout(pid);
        let spec = &self.s.channels[p.channel as usize];
        let stand_in =
            spec.stand_in.as_ref().is_some_and(|s| p.amount <= s.limit) && !p.has(Flags::MISKEYED); // stand-in checks the card number, not the account
        let answer = if stand_in {
            let q = &mut self.arena[pid];
            q.set(Flags::STAND_IN | Flags::ADVICE);
            self.out.stand_ins += 1;
            if T::ON {
                self.trace(pid, |_| {
                    Step::Note("trace.note.channel_issuer_has_not_answered")
                });
            }
            self.advice_send(pid);
            code::APPROVED
        } else {
            // A UnionPay switch says that it had no answer from the issuer (98); an ISO one
            // that the issuer or switch is inoperative (91).
            let answer = match spec.codes {
                CodeSet::Iso => code::INOPERATIVE,
                CodeSet::UnionPay => code::NO_ISSUER_ANSWER,
            };
            if T::ON {
                self.trace(pid, |_| {
                    Step::Coded("trace.note.channel_issuer_has_not_answered2", answer)
                });
            }
            self.send(
                pid,
                LinkId::ChannelIssuer(p.channel, p.issuer),
                Dir::Up,
                Msg::Issuer(ToIssuer::Reversal(Rev::Channel)),
            );
            answer
        };
        self.send(
            pid,
            LinkId::GatewayChannel(p.channel),
            Dir::Down,
            Msg::Gateway(ToGateway::Response(answer)),
        );
    }

    /// Sends (or repeats) the stand-in advice to the issuer until acknowledged or expired.
    pub(in crate::model) fn advice_send(&mut self, pid: PaymentId) {
        let p = &mut self.arena[pid];
        let Some(si) = &self.s.channels[p.channel as usize].stand_in else {
            return;
        };
        let (interval, expiry) = (si.advice_interval, si.advice_expiry);
        if p.has(Flags::ADVICE_ACKED) {
            return;
        }
        if p.advice_sent as u64 * interval >= expiry {
            self.out.advices_expired += 1;
            return;
        }
        p.advice_sent = p.advice_sent.saturating_add(1);
        let sending = if p.advice_sent > 1 {
            Sending::Repeat
        } else {
            Sending::First
        };
        let (c, i) = (p.channel, p.issuer);
        self.out.advices_sent += 1;
        self.send(
            pid,
            LinkId::ChannelIssuer(c, i),
            Dir::Up,
            Msg::Issuer(ToIssuer::Advice(sending)),
        );
        self.schedule(
            self.q.now().saturating_add(interval),
            Ev::AdviceSend { pid },
        );
    }
}

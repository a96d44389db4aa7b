//! The events of a run and the dispatch loop.
//!
//! Events are small `Copy` values: the queue never allocates per event, and one `match` sends
//! each to its handler (static dispatch, no trait objects). A message in flight names the node
//! it arrives at and what it is, typed so that only routes that exist can be written: a
//! terminal receives responses and acknowledgements, an issuer requests and reversals. A
//! reversal, and its acknowledgement, carries who sent it ([`Rev`]): each sender takes the
//! acknowledgements of its own reversals, and the trace names them as the network does.

use super::World;
use super::invariants::Violation;
use super::topology::StationId;
use super::trace::Tracer;
use crate::engine::interrupt::{self, POLL_EVERY};
use crate::model::PaymentId;
use crate::scenario::MessageFlow;

/// Who sent a reversal, and why: the terminal's is an 0400 (0401 repeated), acknowledged 0410;
/// the acquirer host's and the switch's an 0420 (0421 repeated), acknowledged 0430. A `Late`
/// reversal follows an approval that came after its sender gave up: its reason is 68
/// (response received too late).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Rev {
    Terminal,
    TerminalRepeat,
    Acquirer,
    AcquirerRepeat,
    AcquirerLate,
    Channel,
    ChannelLate,
}

impl Rev {
    /// Sent by the terminal (and passed on end to end by a host without store-and-forward).
    pub(super) fn by_terminal(self) -> bool {
        matches!(self, Rev::Terminal | Rev::TerminalRepeat)
    }

    /// Sent by the channel (the switch) itself.
    pub(super) fn by_channel(self) -> bool {
        matches!(self, Rev::Channel | Rev::ChannelLate)
    }
}

/// A message arriving at a terminal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ToTerminal {
    Response(u8),
    /// The acknowledgement of the terminal's own reversal (0410).
    ReversalAck,
    /// The host's answer to the merchant's void (0210) and refund (0230).
    VoidAnswer(u8),
    RefundAnswer(u8),
    /// The host's answer to the completion of a pre-authorisation (0210).
    CompletionAnswer(u8),
}

/// A message arriving at the acquirer's gateway.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ToGateway {
    Request,
    Response(u8),
    /// The terminal's reversal.
    Reversal(Rev),
    ReversalAck(Rev),
    /// The merchant's void (0200, processing code 20) and refund (0220) of a sale.
    Void,
    Refund,
    /// The merchant's completion of a pre-authorisation (0200, 预授权完成).
    Completion,
}

/// A message arriving at a channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ToChannel {
    Request,
    Response(u8),
    Reversal(Rev),
    ReversalAck(Rev),
    /// The issuer acknowledges a stand-in advice (0130, or 0230 on a single-message channel).
    AdviceAck,
}

/// Whether a message is sent for the first time or repeated (its number differs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Sending {
    First,
    Repeat,
}

/// A message arriving at an issuer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ToIssuer {
    Request,
    Reversal(Rev),
    /// A stand-in advice (0120, or 0220 on a single-message channel): the channel approved on
    /// the issuer's behalf; or its repeat (0121, 0221).
    Advice(Sending),
}

/// A message and the node it travels to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Msg {
    Terminal(ToTerminal),
    Gateway(ToGateway),
    Channel(ToChannel),
    Issuer(ToIssuer),
}

impl Msg {
    /// A request: the only message that queues and takes service at a station.
    #[inline(always)]
    pub(super) fn is_request(self) -> bool {
        matches!(
            self,
            Msg::Gateway(ToGateway::Request)
                | Msg::Channel(ToChannel::Request)
                | Msg::Issuer(ToIssuer::Request)
        )
    }

    /// The message's name beyond the acquirer when the channel is a QR aggregator, whose
    /// API is not ISO 8583 (`[channels.qr]`): the order, the wallet's debit and result, the
    /// aggregator's payment notification, the order's cancellation. `None` for a message on
    /// the terminal's link (the terminal speaks to its acquirer as for a card). Trace only.
    pub(super) fn qr_name(self) -> Option<&'static str> {
        Some(match self {
            Msg::Channel(ToChannel::Request) => "QR order",
            Msg::Issuer(ToIssuer::Request) => "QR wallet debit",
            Msg::Channel(ToChannel::Response(_)) => "QR wallet result",
            Msg::Gateway(ToGateway::Response(_)) => "QR payment notification",
            Msg::Channel(ToChannel::Reversal(_)) | Msg::Issuer(ToIssuer::Reversal(_)) => {
                "QR cancel order"
            }
            Msg::Gateway(ToGateway::ReversalAck(_)) | Msg::Channel(ToChannel::ReversalAck(_)) => {
                "QR cancel result"
            }
            _ => return None,
        })
    }

    /// The message's type and name (one of [`super::trace::MESSAGE_NAMES`]). A request and its response speak
    /// the terminal's messages on the terminal's link (`terminal`) and the channel's beyond
    /// (`channel`); a reversal is named by who sent it; an advice by the channel's flow. Only
    /// the trace asks.
    pub(super) fn name(self, terminal: MessageFlow, channel: MessageFlow) -> &'static str {
        use MessageFlow::{Dual, Single};
        let exchange = |flow: MessageFlow, request: bool| match (flow, request) {
            (Dual, true) => "0100 request",
            (Dual, false) => "0110 response",
            (Single, true) => "0200 request",
            (Single, false) => "0210 response",
        };
        let reversal = |r: Rev| match r {
            Rev::Terminal => "0400 reversal",
            Rev::TerminalRepeat => "0401 repeat reversal",
            Rev::Acquirer | Rev::Channel => "0420 reversal",
            Rev::AcquirerRepeat => "0421 repeat reversal",
            Rev::AcquirerLate | Rev::ChannelLate => "0420 reversal 68",
        };
        let ack = |r: Rev| match r.by_terminal() {
            true => "0410 reversal ack",
            false => "0430 reversal ack",
        };
        match self {
            Msg::Terminal(ToTerminal::Response(_)) => exchange(terminal, false),
            Msg::Gateway(ToGateway::Request) => exchange(terminal, true),
            Msg::Gateway(ToGateway::Response(_)) | Msg::Channel(ToChannel::Response(_)) => {
                exchange(channel, false)
            }
            Msg::Channel(ToChannel::Request) | Msg::Issuer(ToIssuer::Request) => {
                exchange(channel, true)
            }
            Msg::Terminal(ToTerminal::ReversalAck) => ack(Rev::Terminal),
            Msg::Gateway(ToGateway::Void) => "0200 void",
            Msg::Terminal(ToTerminal::VoidAnswer(_)) => "0210 void response",
            Msg::Gateway(ToGateway::Refund) => "0220 refund",
            Msg::Terminal(ToTerminal::RefundAnswer(_)) => "0230 refund response",
            Msg::Gateway(ToGateway::Completion) => "0200 completion",
            Msg::Terminal(ToTerminal::CompletionAnswer(_)) => "0210 completion response",
            Msg::Gateway(ToGateway::ReversalAck(r)) | Msg::Channel(ToChannel::ReversalAck(r)) => {
                ack(r)
            }
            Msg::Gateway(ToGateway::Reversal(r))
            | Msg::Channel(ToChannel::Reversal(r))
            | Msg::Issuer(ToIssuer::Reversal(r)) => reversal(r),
            Msg::Issuer(ToIssuer::Advice(sending)) => match (channel, sending) {
                (Dual, Sending::First) => "0120 stand-in advice",
                (Dual, Sending::Repeat) => "0121 repeat stand-in advice",
                (Single, Sending::First) => "0220 stand-in advice",
                (Single, Sending::Repeat) => "0221 repeat stand-in advice",
            },
            Msg::Channel(ToChannel::AdviceAck) => match channel {
                Dual => "0130 advice ack",
                Single => "0230 advice ack",
            },
        }
    }

    /// The kind of node the message travels to.
    pub(super) fn to(self) -> &'static str {
        match self {
            Msg::Terminal(_) => "terminal",
            Msg::Gateway(_) => "gateway",
            Msg::Channel(_) => "channel",
            Msg::Issuer(_) => "issuer",
        }
    }
}

/// Everything that can happen in a run.
#[derive(Clone, Copy, Debug)]
pub(super) enum Ev {
    /// The next payment of a terminal group is made.
    Arrival {
        group: u16,
    },
    /// A message reaches its node.
    Deliver {
        pid: PaymentId,
        msg: Msg,
    },
    /// A station finishes serving a request.
    ServiceDone {
        station: StationId,
        pid: PaymentId,
    },
    /// The terminal's timer for an answer expires.
    TerminalTimeout {
        pid: PaymentId,
    },
    /// The terminal (re)sends its reversal.
    ReversalSend {
        pid: PaymentId,
    },
    /// The acquirer host (re)sends a stored reversal.
    SafSend {
        pid: PaymentId,
    },
    /// A manual review of a held payment ends.
    ReviewDone {
        pid: PaymentId,
    },
    /// The daily clearing cut-off.
    Cutoff {
        day: u32,
    },
    /// A clearing batch is credited.
    Settle {
        batch: u32,
    },
    /// A merchant has corrected its account details: the returned payout is paid again.
    PayoutCorrected {
        pid: PaymentId,
    },
    /// The acquirer's timer for the channel's answer expires.
    AcquirerTimeout {
        pid: PaymentId,
    },
    /// A channel's timer for the issuer's answer expires.
    ChannelTimeout {
        pid: PaymentId,
    },
    /// The channel (re)sends its stand-in advice.
    AdviceSend {
        pid: PaymentId,
    },
    /// A D+0 instant payout is due (once the terminal can no longer reverse the sale).
    Advance {
        pid: PaymentId,
    },
    /// A payout delayed by the receiving bank's maintenance window is made.
    Payout {
        pid: PaymentId,
    },
    /// A payout to a wrong account comes back after its return delay.
    PayoutBounced {
        pid: PaymentId,
    },
    /// A step of a payout order through the payout channel (see `journey::rail`).
    Rail {
        pid: PaymentId,
        step: super::journey::rail::RailStep,
    },
    /// A step of the merchant's void or refund (see `journey::txn`).
    Txn {
        pid: PaymentId,
        step: super::journey::txn::TxnStep,
    },
    /// A status query of a QR order whose notification was lost (see `journey::qr`).
    Qr {
        pid: PaymentId,
        step: super::journey::qr::QrQuery,
    },
    /// A step of a sale's dispute (see `journey::disputes`).
    Dispute {
        pid: PaymentId,
        step: super::journey::disputes::DisputeStep,
    },
    /// The merchant risk review of a held payout ends.
    MerchantReviewDone {
        pid: PaymentId,
    },
    /// A reconciliation run finds the payment's break; and the break is repaired.
    BreakFound {
        pid: PaymentId,
    },
    BreakRepair {
        pid: PaymentId,
    },
    /// A junk request reaches a station: an attack's (`fault` is its index, and the next one
    /// is scheduled) or a duplicated message (`fault` is `NO_FAULT`).
    Junk {
        station: StationId,
        fault: u16,
    },
    /// A station finishes serving a junk request.
    JunkDone {
        station: StationId,
    },
    /// A failed attempt's retry is due (terminal or acquirer layer: `remedies::retry`).
    Retry {
        pid: PaymentId,
    },
    /// The cardholder pays again after the till showed a failure.
    PayAgain {
        pid: PaymentId,
    },
    /// Servers are lost or come back (a partial failure or a hang starts or ends): the
    /// station counts them again and queued requests start on free ones.
    Kick {
        station: StationId,
    },
    /// An autoscaled station's utilisation check; ordered servers start working.
    ScaleCheck {
        station: StationId,
    },
    ScaleUp {
        station: StationId,
        servers: u16,
    },
    /// A payment's deadline for the guards' calls (see `remedies::guard`).
    GuardExpire {
        pid: PaymentId,
    },
    /// A health-check echo of a channel: sent, or judged (see `remedies::guard::echo`).
    Echo {
        channel: u16,
        what: super::remedies::guard::EchoStep,
    },
}

/// `Ev::Junk` of a duplicated message: one request, no follow-up.
pub(super) const NO_FAULT: u16 = u16::MAX;

impl Ev {
    /// The payment an event refers to (and holds a reference on while scheduled).
    #[inline]
    pub(super) fn payment(&self) -> Option<PaymentId> {
        match *self {
            Ev::Deliver { pid, .. }
            | Ev::ServiceDone { pid, .. }
            | Ev::TerminalTimeout { pid }
            | Ev::ReversalSend { pid }
            | Ev::ReviewDone { pid }
            | Ev::PayoutCorrected { pid }
            | Ev::SafSend { pid }
            | Ev::AcquirerTimeout { pid }
            | Ev::ChannelTimeout { pid }
            | Ev::AdviceSend { pid }
            | Ev::Advance { pid }
            | Ev::Payout { pid }
            | Ev::PayoutBounced { pid }
            | Ev::Rail { pid, .. }
            | Ev::Txn { pid, .. }
            | Ev::Dispute { pid, .. }
            | Ev::Qr { pid, .. }
            | Ev::MerchantReviewDone { pid }
            | Ev::BreakFound { pid }
            | Ev::BreakRepair { pid }
            | Ev::GuardExpire { pid }
            | Ev::Retry { pid }
            | Ev::PayAgain { pid } => Some(pid),
            Ev::Arrival { .. }
            | Ev::Cutoff { .. }
            | Ev::Settle { .. }
            | Ev::Junk { .. }
            | Ev::JunkDone { .. }
            | Ev::Kick { .. }
            | Ev::ScaleCheck { .. }
            | Ev::ScaleUp { .. }
            | Ev::Echo { .. } => None,
        }
    }
}

impl<T: Tracer> World<'_, T> {
    /// Runs every event up to the horizon.
    pub(super) fn dispatch_all(&mut self) -> Result<(), Violation> {
        if T::SAMPLES {
            return self.dispatch_sampled();
        }
        while let Some((_, ev)) = self.q.pop_until(self.horizon) {
            self.handle(ev)?;
            if self.q.popped() & (POLL_EVERY - 1) == 0 && interrupt::requested() {
                self.interrupted = true;
                break;
            }
            if T::ON && self.tracer.enough() {
                break;
            }
        }
        Ok(())
    }

    #[inline(always)]
    pub(super) fn handle(&mut self, ev: Ev) -> Result<(), Violation> {
        match ev {
            Ev::Arrival { group } => return self.arrival(group as usize),
            Ev::Deliver { pid, msg } => self.deliver(pid, msg),
            Ev::ServiceDone { station, pid } => self.service_done(station, pid)?,
            Ev::TerminalTimeout { pid } => self.terminal_timeout(pid),
            Ev::ReversalSend { pid } => self.send_reversal(pid),
            Ev::ReviewDone { pid } => self.review_done(pid),
            Ev::Cutoff { day } => return self.cutoff(day as u64),
            Ev::Settle { batch } => return self.settle(batch as usize),
            Ev::PayoutCorrected { pid } => self.payout_corrected(pid),
            Ev::SafSend { pid } => self.saf_send(pid),
            Ev::AcquirerTimeout { pid } => self.acquirer_timeout(pid),
            Ev::ChannelTimeout { pid } => self.channel_timeout(pid),
            Ev::AdviceSend { pid } => self.advice_send(pid),
            Ev::Advance { pid } => self.advance(pid),
            Ev::Payout { pid } => self.payout_now(pid),
            Ev::PayoutBounced { pid } => self.payout_bounced(pid),
            Ev::Rail { pid, step } => self.rail_step(pid, step),
            Ev::Txn { pid, step } => self.txn_step(pid, step),
            Ev::Dispute { pid, step } => self.dispute_step(pid, step),
            Ev::Qr { pid, step } => self.qr_query(pid, step),
            Ev::MerchantReviewDone { pid } => self.merchant_review_done(pid),
            Ev::BreakFound { pid } => self.break_found(pid),
            Ev::BreakRepair { pid } => self.break_repair(pid),
            Ev::Junk { station, fault } => return self.junk(station, fault),
            Ev::JunkDone { station } => return self.junk_done(station),
            Ev::Kick { station } => return self.kick(station),
            Ev::ScaleCheck { station } => return self.scale_check(station),
            Ev::ScaleUp { station, servers } => return self.scale_up(station, servers),
            Ev::GuardExpire { pid } => self.guard_expire(pid),
            Ev::Echo { channel, what } => return self.echo_event(channel, what),
            Ev::Retry { pid } => self.retry_send(pid),
            Ev::PayAgain { pid } => self.pay_again(pid),
        }
        // The event's reference on its payment ends with it.
        match ev.payment() {
            Some(pid) => self.release(pid),
            None => Ok(()),
        }
    }

    /// A message reaches its node.
    #[inline]
    pub(super) fn deliver(&mut self, pid: PaymentId, msg: Msg) {
        match msg {
            Msg::Terminal(m) => self.at_terminal(pid, m),
            Msg::Gateway(m) => self.at_gateway(pid, m),
            Msg::Channel(m) => self.at_channel(pid, m),
            Msg::Issuer(m) => self.at_issuer(pid, m),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::trace::MESSAGE_NAMES;

    #[test]
    fn every_message_has_a_listed_name_and_an_event_stays_small() {
        let revs = [
            Rev::Terminal,
            Rev::TerminalRepeat,
            Rev::Acquirer,
            Rev::AcquirerRepeat,
            Rev::AcquirerLate,
            Rev::Channel,
            Rev::ChannelLate,
        ];
        let mut msgs = vec![
            Msg::Terminal(ToTerminal::Response(0)),
            Msg::Terminal(ToTerminal::ReversalAck),
            Msg::Terminal(ToTerminal::VoidAnswer(0)),
            Msg::Terminal(ToTerminal::RefundAnswer(0)),
            Msg::Terminal(ToTerminal::CompletionAnswer(0)),
            Msg::Gateway(ToGateway::Completion),
            Msg::Gateway(ToGateway::Void),
            Msg::Gateway(ToGateway::Refund),
            Msg::Gateway(ToGateway::Request),
            Msg::Gateway(ToGateway::Response(0)),
            Msg::Channel(ToChannel::Request),
            Msg::Channel(ToChannel::Response(0)),
            Msg::Channel(ToChannel::AdviceAck),
            Msg::Issuer(ToIssuer::Request),
            Msg::Issuer(ToIssuer::Advice(Sending::First)),
            Msg::Issuer(ToIssuer::Advice(Sending::Repeat)),
        ];
        for r in revs {
            msgs.push(Msg::Gateway(ToGateway::Reversal(r)));
            msgs.push(Msg::Gateway(ToGateway::ReversalAck(r)));
            msgs.push(Msg::Channel(ToChannel::Reversal(r)));
            msgs.push(Msg::Channel(ToChannel::ReversalAck(r)));
            msgs.push(Msg::Issuer(ToIssuer::Reversal(r)));
        }
        let mut seen = vec![];
        for &m in &msgs {
            if let Some(n) = m.qr_name() {
                assert!(MESSAGE_NAMES.contains(&n), "{m:?}: {n}");
                seen.push(n);
            }
        }
        for m in msgs {
            for t in [MessageFlow::Dual, MessageFlow::Single] {
                for c in [MessageFlow::Dual, MessageFlow::Single] {
                    let n = m.name(t, c);
                    assert!(MESSAGE_NAMES.contains(&n), "{m:?}: {n}");
                    seen.push(n);
                }
            }
        }
        for n in MESSAGE_NAMES {
            assert!(seen.contains(&n), "{n} is never used");
        }
        // The reversal's and the advice's tags fit in the bytes a message had before them: an
        // event stays 8 bytes.
        assert!(std::mem::size_of::<Msg>() <= 3);
        assert!(std::mem::size_of::<Ev>() <= 8);
    }
}

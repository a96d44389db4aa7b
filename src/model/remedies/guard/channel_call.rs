//! The channels' calls to issuers: their breakers for each issuer and the issuers' bulkheads.

use super::{CallEnd, bit};
use crate::model::PaymentId;
use crate::model::World;
use crate::model::event::{Msg, ToGateway};
use crate::model::payment::code;
use crate::model::remedies::breaker::Admit;
use crate::model::topology::{Dir, LinkId};
use crate::model::trace::{Step, Tracer};

impl<T: Tracer> World<'_, T> {
    /// The channel has served a request and is about to send it to the issuer: its breaker for
    /// the issuer or the issuer's bulkhead may refuse it (the channel answers 91 at once).
    /// Returns whether to send it.
    #[inline(never)]
    pub(in crate::model) fn guard_forward(&mut self, pid: PaymentId) -> bool {
        let now = self.q.now();
        let p = self.arena[pid];
        let (c, i) = (p.channel as usize, p.issuer as usize);
        let k = c * on!(self).issuers + i;
        let mut trial = false;
        if let Some(spec) = self.s.strategy.guard.breaker.as_ref()
            && !on!(self).pair_breakers.is_empty()
        {
            match on!(self).pair_breakers[k].admit(now, spec) {
                Admit::Yes => {}
                Admit::Trial => trial = true,
                Admit::No => {
                    let cause = on!(self).pair_breakers[k].cause;
                    self.out.breaker_fast_fails += 1;
                    self.fast_fail_at_channel(pid, cause, "trace.says.channel_breaker_open");
                    return false;
                }
            }
        }
        if let Some(limit) = self.s.strategy.guard.issuer_bulkhead[i]
            && on!(self).iss_in_flight[i] >= limit
        {
            if trial {
                on!(self).pair_breakers[k].give_back();
            }
            self.out.bulkhead_rejections += 1;
            self.fast_fail_at_channel(pid, 0, "trace.says.channel_bulkhead_full");
            return false;
        }
        on!(self).iss_in_flight[i] += 1;
        if self.s.strategy.guard.issuer_bulkhead[i].is_some() {
            let n = on!(self).iss_in_flight[i] as u64;
            self.out.bulkhead_in_flight_max = self.out.bulkhead_in_flight_max.max(n);
        }
        let mut b = self.call_bits(pid) | bit::CHAN_OPEN;
        if trial {
            b |= bit::CHAN_TRIAL;
        }
        self.put_bits(pid, b);
        let at = self.deadline(pid);
        self.ensure_expire(pid, at);
        true
    }

    fn fast_fail_at_channel(&mut self, pid: PaymentId, cause: u8, why: &'static str) {
        if cause != 0 {
            self.blame(pid, cause);
        } else {
            self.blame_timeout(pid);
        }
        if T::ON {
            self.trace(pid, |_| Step::Coded(why, code::INOPERATIVE));
        }
        let c = self.arena[pid].channel;
        self.send(
            pid,
            LinkId::GatewayChannel(c),
            Dir::Down,
            Msg::Gateway(ToGateway::Response(code::INOPERATIVE)),
        );
    }

    /// The issuer's answer reaches the channel: it ends the channel's call.
    #[inline(never)]
    pub(in crate::model) fn guard_chan_answer(&mut self, pid: PaymentId, rcode: u8) {
        let end = match rcode {
            code::INOPERATIVE | code::MALFUNCTION => CallEnd::Failed,
            _ => CallEnd::Ok,
        };
        self.end_chan_call(pid, end);
    }

    /// The channel's timeout for the issuer: its call failed.
    #[inline(never)]
    pub(in crate::model) fn guard_chan_timeout(&mut self, pid: PaymentId) {
        self.end_chan_call(pid, CallEnd::CalleeFailed);
    }

    /// Ends the channel's open call to the issuer (if any); a failure counts for its breaker.
    pub(super) fn end_chan_call(&mut self, pid: PaymentId, end: CallEnd) {
        let b = self.call_bits(pid);
        if b & bit::CHAN_OPEN == 0 {
            return;
        }
        self.put_bits(pid, b & !(bit::CHAN_OPEN | bit::CHAN_TRIAL));
        let p = self.arena[pid];
        let (c, i) = (p.channel as usize, p.issuer as usize);
        on!(self).iss_in_flight[i] -= 1;
        if let Some(spec) = self.s.strategy.guard.breaker.as_ref()
            && !on!(self).pair_breakers.is_empty()
        {
            let now = self.q.now();
            let cause = if p.cause != 0 { p.cause } else { p.struck };
            let k = c * on!(self).issuers + i;
            let (opened, closed_after) = on!(self).pair_breakers[k].record(
                now,
                end.failed(),
                b & bit::CHAN_TRIAL != 0,
                cause,
                spec,
            );
            self.breaker_moved(opened, closed_after);
        }
    }
}

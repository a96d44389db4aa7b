//! The acquirer's calls to channels: failover, its breakers and the channels' bulkheads.

use super::{CallEnd, bit};
use crate::model::PaymentId;
use crate::model::World;
use crate::model::payment::{Flags, code};
use crate::model::remedies::breaker::Admit;
use crate::model::trace::{Step, Tracer};
use crate::scenario::strategies::guard::FailoverMode;

impl<T: Tracer> World<'_, T> {
    /// The acquirer is about to send a request to the payment's channel: it may send it to the
    /// route's backup instead (announced outage, channel marked down, breaker open), or refuse
    /// it at once (breaker open, bulkhead full). Returns whether to send it.
    #[inline(never)]
    pub(in crate::model) fn guard_route(&mut self, pid: PaymentId, first: bool) -> bool {
        let now = self.q.now();
        let p = self.arena[pid];
        let mut c = p.channel as usize;
        let mut probe = false;
        if first && self.s.strategy.guard.failover.mode != FailoverMode::None {
            let backup = self
                .routing
                .table
                .as_ref()
                .and_then(|t| t[p.issuer as usize].backup)
                .filter(|&b| b != c);
            if let Some(b) = backup {
                let why: Option<&'static str> = if on!(self).announced_at(c, now) {
                    Some("announced")
                } else if self.health_avoids(c, now, &mut probe) {
                    Some("down")
                } else if self.breaker_refuses(c, now) {
                    Some("breaker")
                } else {
                    None
                };
                if let Some(why) = why {
                    let q = &mut self.arena[pid];
                    q.channel = b as u16;
                    q.set(Flags::FAILED_OVER);
                    self.out.failovers += 1;
                    if why == "announced" {
                        self.out.routed_around += 1;
                    }
                    if T::ON {
                        let (from, to) = (
                            self.s.channels[c].station.id.clone(),
                            self.s.channels[b].station.id.clone(),
                        );
                        self.trace(pid, |_| {
                            Step::Says(
                                match why {
                                    "announced" => "trace.says.failover_announced",
                                    "down" => "trace.says.failover_down",
                                    _ => "trace.says.failover_breaker",
                                },
                                vec![("from", from), ("to", to)],
                            )
                        });
                    }
                    c = b;
                }
            }
        }
        // Admission at the channel: its breaker, then its bulkhead.
        let mut trial = false;
        if let Some(spec) = self.s.strategy.guard.breaker.as_ref()
            && !on!(self).acq_breakers.is_empty()
        {
            match on!(self).acq_breakers[c].admit(now, spec) {
                Admit::Yes => {}
                Admit::Trial => trial = true,
                Admit::No => {
                    let cause = on!(self).acq_breakers[c].cause;
                    self.fast_fail_at_acquirer(pid, cause, "breaker");
                    self.out.breaker_fast_fails += 1;
                    return false;
                }
            }
        }
        if let Some(limit) = self.s.strategy.guard.channel_bulkhead[c]
            && on!(self).chan_in_flight[c] >= limit
        {
            if trial {
                on!(self).acq_breakers[c].give_back();
            }
            if probe {
                on!(self).health[c].probing = false;
            }
            if self.faults_on {
                self.synced_struck(pid, self.topo.channel(c as u16)); // a loaded twin's fault
            }
            self.out.bulkhead_rejections += 1;
            self.fast_fail_at_acquirer(pid, 0, "bulkhead");
            return false;
        }
        on!(self).chan_in_flight[c] += 1;
        if self.s.strategy.guard.channel_bulkhead[c].is_some() {
            let n = on!(self).chan_in_flight[c] as u64;
            self.out.bulkhead_in_flight_max = self.out.bulkhead_in_flight_max.max(n);
        }
        let mut b = self.call_bits(pid) | bit::ACQ_OPEN;
        if trial {
            b |= bit::ACQ_TRIAL;
        }
        if probe {
            b |= bit::ACQ_PROBE;
        }
        self.put_bits(pid, b);
        let at = match self.s.strategy.acquirer_timeout {
            Some(t) if first => now.saturating_add(t),
            _ => self.deadline(pid),
        };
        self.ensure_expire(pid, at);
        true
    }

    /// The acquirer refuses a request at once with 91.
    fn fast_fail_at_acquirer(&mut self, pid: PaymentId, cause: u8, by: &'static str) {
        if cause != 0 {
            self.blame(pid, cause);
        } else {
            self.blame_timeout(pid);
        }
        self.gateway_refuses(pid, code::INOPERATIVE, by);
    }

    /// A response reaches the acquirer: it ends the acquirer's call.
    #[inline(never)]
    pub(in crate::model) fn guard_acq_answer(&mut self, pid: PaymentId, rcode: u8) {
        let failed = matches!(
            rcode,
            code::INOPERATIVE | code::NO_ISSUER_ANSWER | code::MALFUNCTION
        );
        let own = self.arena[pid].has(Flags::CHANNEL_REFUSED);
        let end = match (failed, own) {
            (false, _) => CallEnd::Ok,
            (true, false) => CallEnd::Failed,
            (true, true) => CallEnd::CalleeFailed,
        };
        self.end_acq_call(pid, end);
    }

    /// The acquirer's timeout or the payment's deadline: the acquirer's call failed.
    #[inline(never)]
    pub(in crate::model) fn guard_acq_timeout(&mut self, pid: PaymentId) {
        self.end_acq_call(pid, CallEnd::CalleeFailed);
    }

    /// Ends the acquirer's open call (if any): any failure counts for its breaker, the
    /// channel's own (a timeout, or the channel's refusal) for observed failover.
    pub(super) fn end_acq_call(&mut self, pid: PaymentId, end: CallEnd) {
        let channel_failed = end == CallEnd::CalleeFailed;
        let b = self.call_bits(pid);
        if b & bit::ACQ_OPEN == 0 {
            return;
        }
        self.put_bits(pid, b & !(bit::ACQ_OPEN | bit::ACQ_TRIAL | bit::ACQ_PROBE));
        let now = self.q.now();
        let p = self.arena[pid];
        let c = p.channel as usize;
        on!(self).chan_in_flight[c] -= 1;
        let cause = if p.cause != 0 { p.cause } else { p.struck };
        if let Some(spec) = self.s.strategy.guard.breaker.as_ref()
            && !on!(self).acq_breakers.is_empty()
        {
            let (opened, closed_after) = on!(self).acq_breakers[c].record(
                now,
                end.failed(),
                b & bit::ACQ_TRIAL != 0,
                cause,
                spec,
            );
            self.breaker_moved(opened, closed_after);
        }
        if self.s.strategy.guard.failover.mode == FailoverMode::Observed {
            let down_after = self.s.strategy.guard.failover.down_after;
            let probe_after = self.s.strategy.guard.failover.probe_after;
            let h = &mut on!(self).health[c];
            if b & bit::ACQ_PROBE != 0 {
                h.probing = false;
                if channel_failed {
                    h.probe_at = now.saturating_add(probe_after);
                } else {
                    h.down = false;
                    h.fails = 0;
                    self.out.channel_down_time += now - h.since;
                }
            } else if !h.down {
                if channel_failed {
                    h.fails += 1;
                    if h.fails >= down_after {
                        h.down = true;
                        h.since = now;
                        h.probe_at = now.saturating_add(probe_after);
                        self.out.channels_marked_down += 1;
                    }
                } else {
                    h.fails = 0;
                }
            }
        }
    }
}

//! Retries at the acquirer: answers from its record, its responses and its timer.

use super::{bit, retryable};
use crate::model::PaymentId;
use crate::model::World;
use crate::model::event::{Msg, ToTerminal};
use crate::model::payment::{AcquirerState as Acq, Flags, TerminalState as Term, code};
use crate::model::topology::{Dir, LinkId};
use crate::model::trace::{Step, Tracer};
use crate::scenario::strategies::retry::RetryLayer;

impl<T: Tracer> World<'_, T> {
    /// A carrier's request has passed the gateway's queue: if the acquirer already has the
    /// key's answer it answers from its record (true); else the carrier goes on.
    #[inline(never)]
    pub(in crate::model) fn retry_carrier_at_gateway(&mut self, pid: PaymentId) -> bool {
        let owner = self.sale_entry(pid).owner;
        let o = self.arena[owner];
        if o.acquirer == Acq::Unknown {
            return false;
        }
        self.out.idempotent_replays += 1;
        let q = &mut self.arena[pid];
        q.acquirer = Acq::Declined; // the carrier itself is no sale
        let g = q.group;
        if T::ON {
            self.trace(pid, |_| {
                Step::Note("trace.note.retry_acquirer_knows_key_answers")
            });
        }
        self.send(
            pid,
            LinkId::Terminal(g),
            Dir::Down,
            Msg::Terminal(ToTerminal::Response(o.code)),
        );
        true
    }

    /// A response reaches the acquirer: a carrier's is the owner's; at the acquirer layer a
    /// retryable one is retried. True when handled here.
    #[inline(never)]
    pub(in crate::model) fn retry_gateway_response(&mut self, pid: PaymentId, c: u8) -> bool {
        let p = self.arena[pid];
        if p.retry & bit::CARRIER != 0 {
            let sale = self.sale_entry(pid);
            let owner = sale.owner;
            let o = self.arena[owner];
            self.arena[pid].acquirer = Acq::Declined; // the carrier is no sale
            if o.acquirer != Acq::Unknown {
                if o.has(Flags::ACQ_TIMED_OUT) {
                    // The acquirer gave up on the key and reversed it.
                    self.out.late_refused += 1;
                } else {
                    self.send(
                        pid,
                        LinkId::Terminal(p.group),
                        Dir::Down,
                        Msg::Terminal(ToTerminal::Response(o.code)),
                    );
                }
                return true;
            }
            if c != code::APPROVED && sale.current != pid {
                return true; // an earlier attempt's failure, already acted on
            }
            if self.retry.layer == RetryLayer::Acquirer
                && retryable(c)
                && self.may_retry(pid, &sale)
            {
                self.schedule_retry(pid, sale);
                return true;
            }
            // The review the risk engine asked for, and a stand-in given to this attempt, are
            // the sale's.
            self.arena[owner].flags |= p.flags.only(Flags::REVIEW | Flags::STAND_IN);
            self.acquirer_answer(owner, c);
            self.send(
                pid,
                LinkId::Terminal(p.group),
                Dir::Down,
                Msg::Terminal(ToTerminal::Response(c)),
            );
            return true;
        }
        if self.retry.idem
            && p.retry & bit::IN_SALE != 0
            && c != code::APPROVED
            && self.sale_entry(pid).current != pid
        {
            return true; // the owner's own failure after a retry took over: stale
        }
        if self.retry.layer != RetryLayer::Acquirer
            || !retryable(c)
            || p.has(Flags::ACQ_TIMED_OUT)
            || p.retry & bit::SUPERSEDED != 0
            || p.acquirer != Acq::Unknown
        {
            return false;
        }
        // The primary channel itself refused: the backup channel, if any, comes first.
        let backup = self
            .routing
            .table
            .as_ref()
            .and_then(|t| t[p.issuer as usize].backup);
        if c == code::INOPERATIVE
            && p.has(Flags::CHANNEL_REFUSED)
            && !p.has(Flags::FAILED_OVER)
            && backup.is_some()
        {
            return false;
        }
        let sale = self.sale_entry(pid);
        if sale.current != pid || !self.may_retry(pid, &sale) {
            return false;
        }
        if !self.retry.idem {
            // This attempt is declined for good; the till waits on the next one.
            self.acquirer_answer(pid, c);
            let q = &mut self.arena[pid];
            q.retry |= bit::SUPERSEDED;
            if q.terminal_state == Term::Waiting {
                q.terminal_state = Term::TimedOut;
            }
        }
        self.schedule_retry(pid, sale);
        true
    }

    /// The acquirer's timer for `pid` expires. True when handled here (a retry follows, the
    /// timer is stale, or a carrier's failure was applied to its owner).
    #[inline(never)]
    pub(in crate::model) fn retry_acquirer_timeout(&mut self, pid: PaymentId) -> bool {
        let p = self.arena[pid];
        if p.acquirer != Acq::Unknown {
            return false; // answered: the timer is void
        }
        if p.retry & bit::CARRIER != 0 {
            let sale = self.sale_entry(pid);
            let owner = sale.owner;
            self.arena[pid].acquirer = Acq::Declined;
            if self.arena[owner].acquirer != Acq::Unknown || sale.current != pid {
                return true;
            }
            self.out.acquirer_timeouts += 1;
            if self.retry.layer == RetryLayer::Acquirer && self.may_retry(pid, &sale) {
                self.schedule_retry(pid, sale);
                return true;
            }
            // The acquirer gives up on the key: the owner is declined 91 and reversed; the
            // terminal hears it through this attempt.
            let o = &mut self.arena[owner];
            o.set(Flags::ACQ_TIMED_OUT);
            o.acquirer = Acq::Declined;
            o.code = code::INOPERATIVE;
            self.blame_timeout(owner);
            if T::ON {
                self.trace(pid, |_| {
                    Step::Coded(
                        "trace.note.retry_acquirer_s_timer_channel",
                        code::INOPERATIVE,
                    )
                });
            }
            self.send(
                pid,
                LinkId::Terminal(p.group),
                Dir::Down,
                Msg::Terminal(ToTerminal::Response(code::INOPERATIVE)),
            );
            self.host_reversal(owner);
            return true;
        }
        if self.retry.layer != RetryLayer::Acquirer || p.retry & bit::SUPERSEDED != 0 {
            return false;
        }
        let sale = self.sale_entry(pid);
        if sale.current != pid || !self.may_retry(pid, &sale) {
            return false;
        }
        self.out.acquirer_timeouts += 1;
        if !self.retry.idem {
            // The acquirer gives up on this attempt (refuses its late answer, reverses it) and
            // sends a new authorisation; the till waits on that one.
            let q = &mut self.arena[pid];
            q.set(Flags::ACQ_TIMED_OUT);
            q.acquirer = Acq::Declined;
            q.code = code::INOPERATIVE;
            q.retry |= bit::SUPERSEDED;
            if q.terminal_state == Term::Waiting {
                q.terminal_state = Term::TimedOut;
            }
            self.blame_timeout(pid);
            self.host_reversal(pid);
        }
        self.schedule_retry(pid, sale);
        true
    }
}

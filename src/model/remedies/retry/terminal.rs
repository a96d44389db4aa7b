//! Retries at the terminal: its timer and answers, the till's failure, and paying again.

use super::{REPEAT_ATTEMPT, Sale, bit, fresh_record, retryable};
use crate::engine::rng::{chance, unit};
use crate::model::PaymentId;
use crate::model::World;
use crate::model::event::{Ev, Msg, ToGateway};
use crate::model::payment::{
    AcquirerState as Acq, Flags, Payment, TerminalState as Term, code, slot,
};
use crate::model::topology::{Dir, LinkId};
use crate::model::trace::{Step, Tracer};
use crate::scenario::strategies::retry::RetryLayer;

impl<T: Tracer> World<'_, T> {
    /// The terminal's timer for `pid` expires. Returns the record whose till times out, or
    /// `None` when the timer is stale or a retry follows.
    #[inline(never)]
    pub(in crate::model) fn retry_timeout(&mut self, pid: PaymentId) -> Option<PaymentId> {
        let p = self.arena[pid];
        if p.retry & bit::CARRIER != 0 {
            let sale = self.sale_entry(pid);
            let owner = sale.owner;
            if self.arena[owner].terminal_state != Term::Waiting || sale.current != pid {
                return None;
            }
            self.arena[pid].terminal_state = Term::TimedOut;
            return self.terminal_attempt_failed(pid, sale, code::NONE);
        }
        if p.retry & bit::SUPERSEDED != 0 || p.terminal_state != Term::Waiting {
            return if p.retry & bit::SUPERSEDED != 0 {
                None
            } else {
                Some(pid)
            };
        }
        if self.retry.layer != RetryLayer::Terminal {
            return Some(pid); // the terminal does not retry: the sale fails here
        }
        let sale = self.sale_entry(pid);
        if sale.current != pid {
            return None; // the timer of an attempt already answered (91) and retried
        }
        self.terminal_attempt_failed(pid, sale, code::NONE)
    }

    /// The current attempt `pid` of a sale failed at the terminal (timed out, `c` =
    /// `code::NONE`, or answered a retryable code): retry if allowed, else the failure is the
    /// sale's. Returns the record that shows the failure, or `None` if a retry follows.
    fn terminal_attempt_failed(&mut self, pid: PaymentId, sale: Sale, c: u8) -> Option<PaymentId> {
        let owner = sale.owner;
        let shows = if self.retry.idem { owner } else { pid };
        let retry_here = self.retry.layer == RetryLayer::Terminal
            && (c == code::NONE || retryable(c))
            && self.may_retry(pid, &sale);
        if !retry_here {
            if self.retry.idem && c != code::NONE {
                let o = &mut self.arena[owner];
                if o.acquirer == Acq::Unknown {
                    o.code = c;
                }
            }
            return Some(shows);
        }
        if c == code::NONE {
            self.out.timeouts += 1;
            if !self.retry.idem {
                // This attempt is its own authorisation: the terminal reverses it as after
                // any timeout, then tries again with a new one.
                let q = &mut self.arena[pid];
                q.terminal_state = Term::TimedOut;
                q.retry |= bit::SUPERSEDED;
                self.blame_timeout(pid);
                if T::ON {
                    self.trace(pid, |_| {
                        Step::Note("trace.note.retry_terminal_s_timer_this")
                    });
                }
                if self.s.strategy.reversal.is_some() {
                    self.send_reversal(pid);
                }
            } else if T::ON {
                self.trace(pid, |_| {
                    Step::Note("trace.note.retry_terminal_s_timer_expires")
                });
            }
        } else {
            let q = &mut self.arena[pid];
            if !self.retry.idem || pid != owner {
                q.terminal_state = Term::Answered;
                q.till_code = c;
            }
            if !self.retry.idem {
                q.retry |= bit::SUPERSEDED;
            }
        }
        self.schedule_retry(pid, sale);
        None
    }

    /// An answer reaches the terminal for `pid`. Returns the record whose till takes it (the
    /// existing logic then shows it, or counts it late), or `None` when it is stale or a retry
    /// follows.
    #[inline(never)]
    pub(in crate::model) fn retry_answer(&mut self, pid: PaymentId, c: u8) -> Option<PaymentId> {
        let p = self.arena[pid];
        if p.retry & bit::CARRIER != 0 {
            let sale = self.sale_entry(pid);
            let owner = sale.owner;
            let was_waiting = p.terminal_state == Term::Waiting;
            self.arena[pid].terminal_state = Term::Answered;
            let o = self.arena[owner];
            if c == code::APPROVED || o.terminal_state != Term::Waiting {
                return Some(owner); // an approval of the key is the sale's, whichever attempt
            }
            if sale.current != pid || !was_waiting {
                self.out.late_answers += 1;
                return None;
            }
            return self.terminal_attempt_failed(pid, sale, c);
        }
        if p.terminal_state != Term::Waiting || p.retry & bit::SUPERSEDED != 0 {
            return Some(pid); // counted late by the terminal
        }
        if p.retry & bit::IN_SALE == 0
            && (self.retry.layer != RetryLayer::Terminal || !retryable(c))
        {
            return Some(pid);
        }
        let sale = self.sale_entry(pid);
        if sale.current != pid {
            // The owner's own late answer after a retry began (idempotent): an approval is
            // the sale's; anything else is stale.
            if c == code::APPROVED {
                return Some(pid);
            }
            self.out.late_answers += 1;
            return None;
        }
        if c == code::APPROVED || self.retry.layer != RetryLayer::Terminal {
            return Some(pid);
        }
        self.terminal_attempt_failed(pid, sale, c)
    }

    /// The till of `pid` has shown a failure (`c`, or `code::NONE` for no answer): the
    /// cardholder may pay again at the same terminal.
    #[inline(never)]
    pub(in crate::model) fn till_failed(&mut self, pid: PaymentId, c: u8) {
        let share = self.s.strategy.cardholder.pay_again_share;
        let p = self.arena[pid];
        if share <= 0.0 || p.retry & bit::REPEAT != 0 || !code::is_system_failure(c) {
            return;
        }
        if !chance(self.word(pid, slot::PAY_AGAIN), share) {
            return;
        }
        let u = unit(self.word(pid, slot::PAY_AGAIN_DELAY));
        let delay = self.s.strategy.cardholder.pay_again_delay.quantile_ns(u);
        self.sale_entry(pid);
        if T::ON {
            self.trace(pid, |_| {
                Step::Says(
                    "trace.says.pay_again_in",
                    vec![("secs", format!("{:.0}", delay as f64 / 1e9))],
                )
            });
        }
        self.schedule(self.q.now().saturating_add(delay), Ev::PayAgain { pid });
    }

    /// The cardholder pays again for the purchase of `pid`: a new sale, same card, amount and
    /// terminal (its path draws its own words).
    pub(in crate::model) fn pay_again(&mut self, pid: PaymentId) {
        let now = self.q.now();
        let p = self.arena[pid];
        let sale = self.sale_entry(pid);
        let serial = self.out.payments;
        self.out.payments += 1;
        self.out.cardholder_repeats += 1;
        if T::SAMPLES {
            self.tracer.sale(now, true);
        }
        let fraud = p.has(Flags::FRAUD);
        let miskeyed = p.has(Flags::MISKEYED);
        let payable =
            !fraud && self.nodes.accounts[p.issuer as usize].payable(p.account, p.amount, miskeyed);
        let flags = p.flags.only(Flags::FRAUD | Flags::MISKEYED)
            | if payable { Flags::PAYABLE } else { Flags::NONE };
        let channel = self.primary_channel(pid);
        let rid = self.arena.insert(Payment {
            serial,
            t_sale: now,
            channel,
            flags,
            cause: 0,
            late: 0,
            crash: 0,
            attempt: REPEAT_ATTEMPT,
            retry: bit::IN_SALE | bit::REPEAT,
            ..fresh_record(&p)
        });
        self.put_sale(
            serial,
            Sale {
                owner: rid,
                current: rid,
                attempts: 1,
                prev_wait: self.s.strategy.retry.base,
                purchase: sale.purchase,
            },
        );
        if let Some(t) = self.retry.purchases.get_mut(&sale.purchase) {
            t.live += 1;
            t.repeat = Some(serial);
        }
        self.note_record(sale.purchase, rid);
        if T::ON {
            self.trace(pid, |_| {
                Step::Says(
                    "trace.says.pays_again",
                    vec![("serial", serial.to_string())],
                )
            });
        }
        self.start_request(rid, p.group);
    }

    /// The terminal sends a new record's request and starts its timer.
    pub(super) fn start_request(&mut self, rid: PaymentId, group: u16) {
        let at = self
            .q
            .now()
            .saturating_add(self.s.strategy.terminal_timeout);
        self.schedule_timeout(rid, at);
        self.send(
            rid,
            LinkId::Terminal(group),
            Dir::Up,
            Msg::Gateway(ToGateway::Request),
        );
    }
}

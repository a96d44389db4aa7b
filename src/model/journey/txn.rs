//! The merchant's voids and refunds (`[transactions]`): messages from the terminal to the
//! acquirer's host about a sale the till approved.
//!
//! - A **void** (撤销, "0200 void") cancels the sale the same day. The host looks for the sale
//!   in its open batch: found, it takes the sale out of the batch (and back from a D+0
//!   payout), answers 00, and reverses the authorisation towards the issuer itself (0420,
//!   through its store-and-forward queue when it has one). A sale already cleared answers 12
//!   (the merchant must refund it), one the host has no approval of 25 (original not found).
//!   A void answered 00 leaves the terminal's batch totals; an answer lost on the way leaves
//!   the terminal and the host disagreeing at the day's batch settlement.
//! - A **refund** (退货, "0220 refund") gives the money back later, against a settled sale.
//!   The host takes the merchant's net back (from the payout not yet made, else netted from
//!   the merchant's later payouts), the fees go back to the acquirer, and the gross goes to
//!   the cardholder with the next normal settlement (acquirer → channel → issuer →
//!   cardholder). A sale not yet settled, or unknown to the host, is refused (25).
//!
//! Which sales, and when, is drawn from the payment's keyed words: every design meets the same
//! voids and refunds. Without `[transactions]` a till approval tests one flag.

use crate::engine::rng::unit;
use crate::model::PaymentId;
use crate::model::World;
use crate::model::event::{Ev, Msg, ToGateway, ToTerminal};
use crate::model::ledger::Account;
use crate::model::payment::{AcquirerState as Acq, Flags, IssuerState as Iss, Payment, code, slot};
use crate::model::topology::{Dir, LinkId};
use crate::model::trace::{Step, Tracer};

/// The fields of `Payment::txn`.
pub(in crate::model) mod bits {
    /// The merchant voids the sale; refunds it.
    pub const VOID: u8 = 1;
    pub const REFUND: u8 = 2;
    /// The message left the terminal; its answer reached the till.
    pub const SENT: u8 = 4;
    pub const ANSWERED: u8 = 8;
    /// The host found the original and accepted the void or refund.
    pub const ACCEPTED: u8 = 16;
    /// The refund's money went back towards the cardholder.
    pub const SETTLED: u8 = 32;
    /// The payment is a pre-authorisation; it expired before its completion (or the
    /// completion came too late). A completed one is `ACCEPTED`.
    pub const PREAUTH: u8 = 64;
    pub const EXPIRED: u8 = 128;
}

/// What an `Ev::Txn` event does.
#[derive(Clone, Copy, Debug)]
pub(in crate::model) enum TxnStep {
    /// The merchant keys the void or refund at the terminal.
    Send,
    /// The refund's money reaches the issuer with the settlement of its clearing.
    RefundSettle,
}

/// Whether the payment is a pre-authorisation its merchant has completed.
pub(in crate::model) fn completed_preauth(p: &Payment) -> bool {
    p.txn & (bits::PREAUTH | bits::ACCEPTED) == bits::PREAUTH | bits::ACCEPTED
}

/// Whether the payment is a pre-authorisation awaiting its completion: held at the issuer,
/// approved at the host and at the till, not yet completed or expired.
pub(in crate::model) fn awaiting_completion(p: &Payment) -> bool {
    p.txn & (bits::PREAUTH | bits::ACCEPTED | bits::EXPIRED) == bits::PREAUTH
}

/// The outcome of a sale whose void or refund the host accepted: a void whose reversal has
/// not given the cardholder's money back is a charge without a sale.
pub(in crate::model) fn txn_outcome(p: &Payment) -> Option<crate::model::payment::Outcome> {
    use crate::model::payment::Outcome;
    if p.txn & bits::PREAUTH != 0 {
        // Completed, it is a sale like any other; expired, a sale whose money never came. One
        // still held, the till having approved it, waits for its completion.
        (awaiting_completion(p) && p.till_approved() && p.acquirer == Acq::Approved)
            .then_some(Outcome::Pending)
    } else if p.txn & bits::ACCEPTED == 0 {
        None
    } else if p.txn & bits::VOID != 0 {
        Some(if p.charged > 0 {
            Outcome::ChargedWithoutSale
        } else {
            Outcome::Voided
        })
    } else {
        Some(Outcome::Refunded)
    }
}

impl<T: Tracer> World<'_, T> {
    /// The till approved `pid`: whether its merchant will void or refund it, and when.
    pub(in crate::model) fn plan_txn(&mut self, pid: PaymentId) {
        let Some(t) = &self.s.transactions else {
            return;
        };
        if self.arena[pid].txn & bits::PREAUTH != 0 {
            // The merchant will complete the pre-authorisation.
            self.out.preauths += 1;
            let delay = t
                .complete_after
                .quantile_ns(unit(self.word(pid, slot::TXN_DELAY)));
            let at = self.arena[pid]
                .t_sale
                .saturating_add(delay)
                .max(self.q.now());
            if at <= self.horizon {
                self.schedule(
                    at,
                    Ev::Txn {
                        pid,
                        step: TxnStep::Send,
                    },
                );
            }
            return;
        }
        let u = unit(self.word(pid, slot::TXN));
        let (kind, after) = if u < t.void_share {
            (bits::VOID, &t.void_after)
        } else if u < t.void_share + t.refund_share && !self.arena[pid].has(Flags::FRAUD) {
            (bits::REFUND, &t.refund_after)
        } else {
            return;
        };
        let delay = after.quantile_ns(unit(self.word(pid, slot::TXN_DELAY)));
        let p = &mut self.arena[pid];
        let at = p.t_sale.saturating_add(delay).max(self.q.now());
        if at > self.horizon {
            return; // after the end of observation: never made
        }
        p.txn = kind;
        self.schedule(
            at,
            Ev::Txn {
                pid,
                step: TxnStep::Send,
            },
        );
    }

    pub(in crate::model) fn txn_step(&mut self, pid: PaymentId, step: TxnStep) {
        match step {
            TxnStep::Send => self.txn_send(pid),
            TxnStep::RefundSettle => self.refund_settle(pid),
        }
    }

    /// The merchant keys the void or refund: the terminal sends it to the host.
    fn txn_send(&mut self, pid: PaymentId) {
        let p = &mut self.arena[pid];
        p.txn |= bits::SENT;
        let (g, txn) = (p.group, p.txn);
        let (key, m) = if txn & bits::VOID != 0 {
            ("trace.note.terminal_merchant_voids", ToGateway::Void)
        } else if txn & bits::REFUND != 0 {
            ("trace.note.terminal_merchant_refunds", ToGateway::Refund)
        } else {
            (
                "trace.note.terminal_merchant_completes",
                ToGateway::Completion,
            )
        };
        if T::ON {
            self.trace(pid, |_| Step::Note(key));
        }
        self.send(pid, LinkId::Terminal(g), Dir::Up, Msg::Gateway(m));
    }

    /// The host receives a void: it takes the sale out of its open batch, answers, and
    /// reverses the authorisation towards the issuer; or refuses it.
    pub(in crate::model) fn void_at_gateway(&mut self, pid: PaymentId) {
        let p = self.arena[pid];
        let c = match p.acquirer {
            Acq::Approved => code::APPROVED,
            Acq::Cleared => code::INVALID_TRANSACTION,
            _ => code::ORIGINAL_NOT_FOUND,
        };
        if c == code::APPROVED {
            self.arena[pid].acquirer = Acq::Reversed;
            self.arena[pid].txn |= bits::ACCEPTED;
            self.out.voids += 1;
            if p.has(Flags::ADVANCED) && !p.has(Flags::PAID_ON) {
                self.take_back_advance(pid);
            }
            if T::ON {
                self.trace(pid, |_| Step::Note("trace.note.gateway_void_accepted"));
            }
            self.host_reversal(pid);
        } else {
            self.out.voids_refused += 1;
            if T::ON {
                self.trace(pid, |_| Step::Coded("trace.note.gateway_void_refused", c));
            }
        }
        self.send(
            pid,
            LinkId::Terminal(p.group),
            Dir::Down,
            Msg::Terminal(ToTerminal::VoidAnswer(c)),
        );
    }

    /// The host receives a refund: against a settled sale it takes the merchant's money back
    /// and sends the refund on with the next settlement; else it refuses it.
    pub(in crate::model) fn refund_at_gateway(&mut self, pid: PaymentId) {
        let p = self.arena[pid];
        let settled = p.acquirer == Acq::Cleared
            && p.has(Flags::PAID_ON)
            && !p.has(Flags::EXCEPTION | Flags::CHARGED_BACK);
        let c = if settled {
            code::APPROVED
        } else {
            code::ORIGINAL_NOT_FOUND
        };
        if settled {
            let net = self.net(&p);
            self.recover_payout(pid);
            let q = &mut self.arena[pid];
            q.txn |= bits::ACCEPTED;
            self.out.merchant_refunds += 1;
            self.out.merchant_refund_amount += p.amount;
            if p.credited > 0 {
                self.out.refunds_netted += 1;
            }
            if T::ON {
                let key = if p.credited > 0 {
                    "trace.note.gateway_refund_netted"
                } else {
                    "trace.note.gateway_refund_withheld"
                };
                self.trace(pid, |_| Step::Note(key));
                if p.credited > 0 {
                    self.trace_post(pid, Account::Merchants, Account::Acquirer, net);
                }
            }
            let at = self.calendar.normal_settlement(self.q.now());
            if at <= self.horizon {
                self.schedule(
                    at,
                    Ev::Txn {
                        pid,
                        step: TxnStep::RefundSettle,
                    },
                );
            }
        } else {
            self.out.refunds_refused += 1;
            if T::ON {
                self.trace(pid, |_| Step::Coded("trace.note.gateway_refund_refused", c));
            }
        }
        self.send(
            pid,
            LinkId::Terminal(p.group),
            Dir::Down,
            Msg::Terminal(ToTerminal::RefundAnswer(c)),
        );
    }

    /// Whether a new payment of group `g` is a pre-authorisation (its keyed draw).
    pub(in crate::model) fn preauth_bit(&self, g: usize, gserial: u64) -> u8 {
        let share = self
            .s
            .transactions
            .as_ref()
            .map_or(0.0, |t| t.preauth_share);
        let w = self.nodes.groups[g].words.word(gserial, slot::PREAUTH);
        if share > 0.0 && crate::engine::rng::chance(w, share) {
            bits::PREAUTH
        } else {
            0
        }
    }

    /// The host receives the merchant's completion of a pre-authorisation (预授权完成): while
    /// the hold lasts it becomes a sale, cleared with the day's batch and paid like any other
    /// (its sale time is the completion's); after the hold's expiry it is refused (25) and the
    /// merchant is never paid.
    pub(in crate::model) fn completion_at_gateway(&mut self, pid: PaymentId) {
        let p = self.arena[pid];
        let now = self.q.now();
        let expiry = self.s.issuers[p.issuer as usize].hold_expiry;
        let held = p.acquirer == Acq::Approved && awaiting_completion(&p);
        let c = if held && now < p.t_sale.saturating_add(expiry) {
            let q = &mut self.arena[pid];
            q.txn |= bits::ACCEPTED;
            q.t_sale = now;
            self.out.preauth_completions += 1;
            if T::ON {
                self.trace(pid, |_| {
                    Step::Note("trace.note.gateway_completion_accepted")
                });
            }
            self.approved_for_clearing(pid);
            code::APPROVED
        } else {
            if held {
                // The host's pre-authorisation has expired, as the issuer's hold has.
                self.preauth_expires(pid);
            }
            if T::ON {
                self.trace(pid, |_| {
                    Step::Coded(
                        "trace.note.gateway_completion_refused",
                        code::ORIGINAL_NOT_FOUND,
                    )
                });
            }
            code::ORIGINAL_NOT_FOUND
        };
        self.send(
            pid,
            LinkId::Terminal(p.group),
            Dir::Down,
            Msg::Terminal(ToTerminal::CompletionAnswer(c)),
        );
    }

    /// A pre-authorisation expires uncompleted: the host drops it, the issuer's hold is
    /// released (if it still held it), and the merchant will never be paid for it.
    #[cold]
    #[inline(never)]
    pub(in crate::model) fn preauth_expires(&mut self, pid: PaymentId) {
        let q = &mut self.arena[pid];
        q.txn |= bits::EXPIRED;
        let held = q.issuer_state == Iss::Held;
        if q.acquirer == Acq::Approved {
            q.acquirer = Acq::Reversed;
        }
        self.out.preauth_expired += 1;
        self.blame(pid, crate::model::cause::id::PREAUTH_EXPIRED);
        if held {
            self.lapse_hold(pid);
        }
    }

    /// The answer to a void or refund reaches the till. A void answered 00 leaves the
    /// terminal's batch totals.
    pub(in crate::model) fn txn_answer(&mut self, pid: PaymentId, c: u8) {
        let p = &mut self.arena[pid];
        p.txn |= bits::ANSWERED;
        let (void, preauth) = (p.txn & bits::VOID != 0, p.txn & bits::PREAUTH != 0);
        if self.pos_on && c == code::APPROVED && (void || preauth) {
            // A void leaves the terminal's batch totals; a completion joins them.
            self.pos_count(pid, if void { -1 } else { 1 });
        }
        if T::ON {
            let key = match (void, preauth, c == code::APPROVED) {
                (true, _, true) => "trace.note.terminal_void_shown",
                (true, _, false) => "trace.note.terminal_void_refused_shown",
                (_, true, true) => "trace.note.terminal_completion_shown",
                (_, true, false) => "trace.note.terminal_completion_refused_shown",
                (_, _, true) => "trace.note.terminal_refund_shown",
                (_, _, false) => "trace.note.terminal_refund_refused_shown",
            };
            self.trace(pid, |_| Step::Coded(key, c));
        }
    }

    /// The refund settles: the gross goes back acquirer → channel → issuer, which credits the
    /// cardholder (unless the money went back meanwhile by other means: a late reversal after
    /// posting, a reconciliation repair).
    fn refund_settle(&mut self, pid: PaymentId) {
        let p = self.arena[pid];
        let q = &mut self.arena[pid];
        q.txn |= bits::SETTLED;
        q.acquirer = Acq::Reversed;
        if p.has(Flags::PAID_ON) && p.issuer_state == Iss::Posted {
            self.out.refunds_credited += 1;
            if T::ON {
                self.trace(pid, |_| Step::Note("trace.note.settlement_refund_settled"));
            }
            self.money_back_to_cardholder(pid);
        } else if T::ON {
            self.trace(pid, |_| {
                Step::Note("trace.note.settlement_refund_already_back")
            });
        }
    }

    /// Counts what became of the payment's void or refund at its end.
    #[cold]
    #[inline(never)]
    pub(in crate::model) fn txn_at_end(&mut self, p: &Payment) {
        if p.txn & bits::SENT != 0 && p.txn & bits::ANSWERED == 0 {
            if p.txn & bits::VOID != 0 {
                self.out.voids_unanswered += 1;
            } else if p.txn & bits::REFUND != 0 {
                self.out.refunds_unanswered += 1;
            } else {
                self.out.completions_unanswered += 1;
            }
        }
    }
}

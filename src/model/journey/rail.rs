//! The payout channel (代付, `[payout.channel]`): the acquirer's payout orders to the merchants'
//! banks. An order takes the money from the acquirer onto the payout rail (an account of its
//! own); when the bank executes it the merchant is credited (or, for wrong details, it bounces:
//! see `returns`). A share of the orders is answered "status unknown", and of those only some
//! were executed. Then either
//!
//! - the acquirer **inquires**: it asks every `inquiry_interval` until the status is final, and
//!   only an order that failed is sent again (with the same money, still on the rail); or
//! - it **re-sends** the unknown order after `resend_after` without asking: new money leaves
//!   for the new order (unless the old one has failed by then and its money is back), and if
//!   the first order had gone through too the merchant is paid twice: a duplicate payout, the
//!   acquirer's loss until reconciliation finds it and takes it back from the merchant.
//!
//! After `max_orders` orders the acquirer stops: the money waits on the rail for a person.
//!
//! The payment records its orders in `Payment::rail` ([`bits`]); each order's fate is drawn
//! from the payment's keyed words with the order's number in the key, so a design with
//! inquiries and one without meet the same unknowns.

use crate::engine::rng::unit;
use crate::model::PaymentId;
use crate::model::World;
use crate::model::cause;
use crate::model::event::Ev;
use crate::model::ledger::Account;
use crate::model::payment::{Flags, slot};
use crate::model::trace::{Step, Tracer};

/// The fields of `Payment::rail`.
pub(in crate::model) mod bits {
    /// How many orders' money is on the payout rail (0–7).
    pub const ON_RAIL: u8 = 0b0000_0111;
    /// How many orders have been sent (0–7), in units of [`ORDER`].
    pub const ORDERS: u8 = 0b0011_1000;
    pub const ORDER: u8 = 0b0000_1000;
    /// The latest order has its final status at the bank.
    pub const FINAL: u8 = 0b0100_0000;
    /// The payout was taken back (a refund, a reversal after an advance): the orders still on
    /// their way are void.
    pub const VOID: u8 = 0b1000_0000;
}

/// What a `Ev::Rail` event does; `n` is the order's number (1 for the first).
#[derive(Clone, Copy, Debug)]
pub(in crate::model) enum RailStep {
    /// The order reaches its final status at the bank: executed or failed.
    Final(u8, Down),
    /// The acquirer asks for the status of an unknown order.
    Inquiry(u8, Down),
    /// The acquirer re-sends an unknown order without asking.
    Resend(u8, Down),
    /// Reconciliation takes a duplicate payout back from the merchant.
    Recover,
}

/// Whether the order was sent while a `payout_channel_down` fault struck the merchant: then it
/// is unanswered and never executed.
pub(in crate::model) type Down = bool;

/// One order's fate, drawn from the payment's keyed words.
struct Fate {
    unknown: bool,
    executed: bool,
    latency: u64,
}

impl<T: Tracer> World<'_, T> {
    /// The word for `purpose` of order `n` of the payment's payout.
    fn rail_word(&self, pid: PaymentId, purpose: usize, n: u8) -> u64 {
        let p = &self.arena[pid];
        self.nodes.groups[p.group as usize]
            .words
            .word(p.gserial as u64 | (n as u64) << 44, purpose)
    }

    fn fate(&self, pid: PaymentId, n: u8, down: Down) -> Fate {
        let Some(c) = &self.s.payout.channel else {
            unreachable!("a payout order without a payout channel")
        };
        let unknown = down || unit(self.rail_word(pid, slot::RAIL_UNKNOWN, n)) < c.unknown_share;
        let executed = !down
            && (!unknown || unit(self.rail_word(pid, slot::RAIL_EXECUTED, n)) < c.unknown_executed);
        let latency = c
            .latency
            .quantile_ns(unit(self.rail_word(pid, slot::RAIL_LATENCY, n)));
        Fate {
            unknown,
            executed,
            latency,
        }
    }

    /// The payout of `amount` leaves `from` as the first order through the payout channel.
    #[cold]
    #[inline(never)]
    pub(in crate::model) fn rail_submit(&mut self, pid: PaymentId, from: Account, amount: i64) {
        self.books.ledger.post(from, Account::PayoutRail, amount);
        self.trace_post(pid, from, Account::PayoutRail, amount);
        self.arena[pid].rail += 1; // its money on the rail
        self.rail_order(pid);
    }

    /// Sends the next order (its money is already on the rail).
    fn rail_order(&mut self, pid: PaymentId) {
        let q = &mut self.arena[pid];
        q.rail = (q.rail & !bits::FINAL) + bits::ORDER;
        let n = (q.rail & bits::ORDERS) / bits::ORDER;
        let fault = if self.faults_on {
            self.payout_channel_down(pid)
        } else {
            None
        };
        let down = fault.is_some();
        let f = self.fate(pid, n, down);
        self.out.payout_orders += 1;
        if T::ON {
            self.trace(pid, |_| {
                Step::Note(if n == 1 {
                    "trace.note.rail_order_sent"
                } else {
                    "trace.note.rail_order_again"
                })
            });
        }
        let now = self.q.now();
        self.schedule_rail(now.saturating_add(f.latency), pid, RailStep::Final(n, down));
        if !f.unknown {
            return;
        }
        self.out.payout_status_unknown += 1;
        self.blame(pid, fault.unwrap_or(cause::id::PAYOUT_UNKNOWN));
        if T::ON {
            self.trace(pid, |_| Step::Note("trace.note.rail_status_unknown"));
        }
        let Some(c) = &self.s.payout.channel else {
            return;
        };
        let (at, step) = if c.inquiry {
            (
                now.saturating_add(c.inquiry_interval),
                RailStep::Inquiry(n, down),
            )
        } else {
            (
                now.saturating_add(c.resend_after),
                RailStep::Resend(n, down),
            )
        };
        self.schedule_rail(at, pid, step);
    }

    fn schedule_rail(&mut self, at: u64, pid: PaymentId, step: RailStep) {
        if at <= self.horizon {
            self.schedule(at, Ev::Rail { pid, step });
        }
    }

    /// An `Ev::Rail` event.
    #[cold]
    #[inline(never)]
    pub(in crate::model) fn rail_step(&mut self, pid: PaymentId, step: RailStep) {
        if self.arena[pid].rail & bits::VOID != 0 && !matches!(step, RailStep::Recover) {
            return; // the payout was taken back (a duplicate is still recovered)
        }
        match step {
            RailStep::Final(n, down) => self.rail_final(pid, n, down),
            RailStep::Inquiry(n, down) => self.rail_inquiry(pid, n, down),
            RailStep::Resend(n, down) => self.rail_resend(pid, n, down),
            RailStep::Recover => self.rail_recover(pid),
        }
    }

    fn latest(&self, pid: PaymentId) -> u8 {
        (self.arena[pid].rail & bits::ORDERS) / bits::ORDER
    }

    /// Order `n` reaches its final status: executed (the merchant's bank is paid, twice if an
    /// earlier order was executed too), or failed (its money stays on the rail for the next
    /// order of this payout, or comes back if a later order has already taken new money).
    fn rail_final(&mut self, pid: PaymentId, n: u8, down: Down) {
        let f = self.fate(pid, n, down);
        let latest = n == self.latest(pid);
        if latest {
            self.arena[pid].rail |= bits::FINAL;
        }
        let p = self.arena[pid];
        let net = self.net(&p);
        if !f.executed {
            if T::ON {
                self.trace(pid, |_| Step::Note("trace.note.rail_order_failed"));
            }
            if !latest {
                self.rail_back(pid, net);
            }
            return;
        }
        self.arena[pid].rail -= 1; // its money leaves the rail
        let paid = p.has(Flags::SETTLED | Flags::RETURNED | Flags::ON_RAIL);
        if !paid {
            self.rail_executed(pid);
            return;
        }
        if self.wrong_account(pid) || p.has(Flags::RETURNED | Flags::ON_RAIL) {
            // A second order to wrong details bounces too: its money comes back.
            self.books
                .ledger
                .post(Account::PayoutRail, Account::Acquirer, net);
            self.trace_post(pid, Account::PayoutRail, Account::Acquirer, net);
            self.out.rail_extra_out -= net;
            return;
        }
        // The merchant is paid a second time.
        self.books
            .ledger
            .post(Account::PayoutRail, Account::Merchants, net);
        self.trace_post(pid, Account::PayoutRail, Account::Merchants, net);
        self.out.duplicate_payouts += 1;
        self.out.duplicate_payout_amount += net;
        self.out.duplicate_open += net;
        if T::ON {
            self.trace(pid, |_| Step::Note("trace.note.rail_duplicate_payout"));
        }
        if let Some(r) = &self.s.reconciliation {
            // The next run that sees the day's payout file finds it; it is taken back from the
            // merchant after the repair time.
            let now = self.q.now();
            let found = super::reconcile::run_at_or_after(r, now.saturating_add(r.detection_delay));
            self.schedule_rail(found.saturating_add(r.repair_time), pid, RailStep::Recover);
        }
    }

    /// The first executed order reaches the merchant's bank: credited, or bounced off wrong
    /// details.
    fn rail_executed(&mut self, pid: PaymentId) {
        let p = self.arena[pid];
        let net = self.net(&p);
        if T::ON {
            self.trace(pid, |_| Step::Note("trace.note.rail_order_executed"));
        }
        match self.wrong_details_now(pid) {
            None => self.credit_merchant(pid, Account::PayoutRail),
            Some(why) => {
                self.blame(pid, why);
                self.payout_bounces(pid, Account::PayoutRail, net);
            }
        }
    }

    /// One order's money comes back from the rail to the acquirer.
    fn rail_back(&mut self, pid: PaymentId, net: i64) {
        self.arena[pid].rail -= 1;
        self.books
            .ledger
            .post(Account::PayoutRail, Account::Acquirer, net);
        self.trace_post(pid, Account::PayoutRail, Account::Acquirer, net);
        self.out.rail_extra_out -= net;
    }

    /// The acquirer asks for the status of unknown order `n`: still processing (ask again),
    /// executed (done), or failed (the next order, with the same money).
    fn rail_inquiry(&mut self, pid: PaymentId, n: u8, down: Down) {
        self.out.payout_inquiries += 1;
        let p = self.arena[pid];
        let unanswered = self.faults_on && self.payout_channel_down(pid).is_some();
        if p.rail & bits::FINAL == 0 || unanswered {
            if T::ON {
                self.trace(pid, |_| {
                    Step::Note(if unanswered {
                        "trace.note.rail_inquiry_unanswered"
                    } else {
                        "trace.note.rail_inquiry_processing"
                    })
                });
            }
            if let Some(c) = &self.s.payout.channel {
                let at = self.q.now().saturating_add(c.inquiry_interval);
                self.schedule_rail(at, pid, RailStep::Inquiry(n, down));
            }
            return;
        }
        if self.fate(pid, n, down).executed {
            if T::ON {
                self.trace(pid, |_| Step::Note("trace.note.rail_inquiry_executed"));
            }
            return;
        }
        if T::ON {
            self.trace(pid, |_| Step::Note("trace.note.rail_inquiry_failed"));
        }
        self.rail_again(pid, false);
    }

    /// The acquirer re-sends unknown order `n` without asking: with the old order's money if
    /// it has failed already, else with new money.
    fn rail_resend(&mut self, pid: PaymentId, n: u8, down: Down) {
        let p = self.arena[pid];
        let failed = p.rail & bits::FINAL != 0 && !self.fate(pid, n, down).executed;
        if T::ON {
            self.trace(pid, |_| {
                Step::Note("trace.note.rail_resend_without_inquiry")
            });
        }
        self.rail_again(pid, !failed);
    }

    /// The next order of the payout, if the acquirer has orders left (`fresh`: new money
    /// leaves the acquirer for it).
    fn rail_again(&mut self, pid: PaymentId, fresh: bool) {
        let Some(c) = &self.s.payout.channel else {
            return;
        };
        if self.latest(pid) >= c.max_orders {
            if T::ON {
                self.trace(pid, |_| Step::Note("trace.note.rail_orders_exhausted"));
            }
            return;
        }
        self.out.payout_resends += 1;
        if fresh {
            let p = self.arena[pid];
            let net = self.net(&p);
            self.books
                .ledger
                .post(Account::Acquirer, Account::PayoutRail, net);
            self.trace_post(pid, Account::Acquirer, Account::PayoutRail, net);
            self.out.rail_extra_out += net;
            self.arena[pid].rail += 1;
        }
        self.rail_order(pid);
    }

    /// Reconciliation takes a duplicate payout back from the merchant.
    fn rail_recover(&mut self, pid: PaymentId) {
        let p = self.arena[pid];
        let net = self.net(&p);
        self.books
            .ledger
            .post(Account::Merchants, Account::Acquirer, net);
        self.trace_post(pid, Account::Merchants, Account::Acquirer, net);
        self.out.duplicate_open -= net;
        self.out.rail_extra_out -= net;
        self.out.duplicates_recovered += 1;
        if T::ON {
            self.trace(pid, |_| Step::Note("trace.note.rail_duplicate_recovered"));
        }
    }

    /// The payout is taken back (see `recover_payout`): the orders' money on the rail comes
    /// back, and the orders still on their way are void. `first_back`: the payout's own money
    /// came back another way (from the merchant, suspense or the risk hold).
    #[cold]
    #[inline(never)]
    pub(in crate::model) fn rail_void(&mut self, pid: PaymentId, first_back: bool) {
        let p = self.arena[pid];
        let on = (p.rail & bits::ON_RAIL) as i64;
        let net = self.net(&p);
        if on > 0 {
            self.books
                .ledger
                .post(Account::PayoutRail, Account::Acquirer, on * net);
            self.trace_post(pid, Account::PayoutRail, Account::Acquirer, on * net);
        }
        // Of the money that came back, one share is the payout's own (it cleared PAID_OUT);
        // the rest had left as extra orders.
        let own = if first_back { 0 } else { on.min(1) };
        self.out.rail_extra_out -= (on - own) * net;
        self.arena[pid].rail = (p.rail & !bits::ON_RAIL) | bits::VOID;
        if T::ON && on > 0 {
            self.trace(pid, |_| Step::Note("trace.note.rail_orders_void"));
        }
    }
}

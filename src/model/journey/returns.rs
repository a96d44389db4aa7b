//! A payout that bounces off the merchant's wrong account. The money goes back into the
//! acquirer's suspense account, where it waits until the merchant corrects its details or
//! reconciliation repairs the break. With `[payout] return_delay` the return is not at once:
//! the payout first travels the payout rail (an account of its own) and comes back after a
//! drawn delay (hours to a day, as interbank returns do); without it, it is returned at once.

use crate::engine::rng::unit;
use crate::model::PaymentId;
use crate::model::World;
use crate::model::event::Ev;
use crate::model::ledger::Account;
use crate::model::payment::{Flags, slot};
use crate::model::trace::{Step, Tracer};

impl<T: Tracer> World<'_, T> {
    /// The payout of `amount` from `from` cannot be credited: returned at once, or after the
    /// return delay (on the payout rail meanwhile).
    pub(in crate::model) fn payout_bounces(&mut self, pid: PaymentId, from: Account, amount: i64) {
        let Some(d) = &self.s.payout.return_delay else {
            self.payout_returned_from(pid, from, amount);
            return;
        };
        let delay = d.quantile_ns(unit(self.word(pid, slot::RETURN_DELAY)));
        if from != Account::PayoutRail {
            // (An order of the payout channel is on the rail already.)
            self.books.ledger.post(from, Account::PayoutRail, amount);
            self.trace_post(pid, from, Account::PayoutRail, amount);
        }
        self.arena[pid].set(Flags::ON_RAIL);
        if T::ON {
            self.trace(pid, |_| Step::Note("trace.note.payout_on_the_rail"));
        }
        let at = self.q.now().saturating_add(delay);
        if at <= self.horizon {
            self.schedule(at, Ev::PayoutBounced { pid });
        }
    }

    /// The return reaches the acquirer after its delay (unless the payout was taken back
    /// meanwhile).
    pub(in crate::model) fn payout_bounced(&mut self, pid: PaymentId) {
        let p = self.arena[pid];
        if !p.has(Flags::ON_RAIL) {
            return;
        }
        self.arena[pid].clear(Flags::ON_RAIL);
        let amount = self.net(&p);
        self.payout_returned_from(pid, Account::PayoutRail, amount);
    }

    /// The returned payout goes into suspense; the merchant corrects its details after the
    /// correction delay, and reconciliation may find the break first.
    fn payout_returned_from(&mut self, pid: PaymentId, from: Account, amount: i64) {
        self.books.ledger.post(from, Account::Suspense, amount);
        self.trace_post(pid, from, Account::Suspense, amount);
        let now = self.q.now();
        let q = &mut self.arena[pid];
        q.set(Flags::RETURNED);
        q.t_break = now;
        self.out.payouts_returned += 1;
        if T::ON {
            self.trace(pid, |_| Step::PayoutReturned);
        }
        let delay = if self.upkeep_on {
            self.support_case(self.s.payout.correction_delay)
        } else {
            self.s.payout.correction_delay
        };
        let at = now.saturating_add(delay);
        if at <= self.horizon {
            self.schedule(at, Ev::PayoutCorrected { pid });
        }
        self.schedule_break(pid);
    }
}

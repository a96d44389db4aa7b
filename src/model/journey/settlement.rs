//! Clearing and settlement: at each cut-off the acquirer clears what it believes approved; the
//! batch is credited T+N business days later, issuer → channel → acquirer → merchant.

use crate::engine::Nanos;
use crate::model::World;
use crate::model::clearing::{Batch, NO_BATCH, OPEN_BATCH, Retired};
use crate::model::event::Ev;
use crate::model::invariants::{Invariant, Violation};
use crate::model::ledger::Account;
use crate::model::payment::{AcquirerState as Acq, IssuerState as Iss, Outcome, flag};
use crate::model::trace::{Step, Tracer};

impl<T: Tracer> World<'_, T> {
    fn batch_mut(&mut self, b: u32) -> &mut Batch {
        if b == OPEN_BATCH {
            &mut self.books.open
        } else {
            &mut self.books.batches[b as usize]
        }
    }

    /// Puts an approved payment in the open batch.
    pub(in crate::model) fn join_open_batch(&mut self, pid: u32) {
        self.hold(pid); // its batch entry
        let pos = self.books.open.live.len() as u32;
        let p = &mut self.arena.pay[pid as usize];
        p.batch = OPEN_BATCH;
        p.batch_pos = pos;
        self.books.open.live.push(pid);
    }

    /// A payment whose only remaining reference is its batch, and whose fate is therefore
    /// sealed (it will be cleared and credited with the batch), is folded into the batch's
    /// aggregate and its slot freed (see `clearing`).
    pub(in crate::model) fn retire(&mut self, pid: u32) -> Result<(), Violation> {
        let p = self.arena.pay[pid as usize];
        // Only sales the till approved are folded: the others' outcome needs the payment.
        if p.issuer_state != Iss::Held
            || !matches!(p.acquirer, Acq::Approved | Acq::Cleared)
            || !p.till_approved()
            || self.wrong_account(pid)
        {
            return Ok(());
        }
        if T::ON && self.tracer.wants(p.serial) {
            return Ok(()); // traced payments stay whole so their settlement can be told
        }
        if (p.charged, p.credited) != (p.amount, 0) {
            return Err(self.violation(
                Invariant::OutcomeMatchesPostings,
                format!(
                    "payment #{} awaits settlement but its postings charged {} and credited {}",
                    p.serial, p.charged, p.credited
                ),
            ));
        }
        let route = self.topo.route(p.issuer, p.channel);
        let sale_day = self.calendar.cutoff_day(p.t_sale);
        let b = self.batch_mut(p.batch);
        let pos = p.batch_pos as usize;
        b.live.swap_remove(pos);
        let moved = b.live.get(pos).copied();
        b.retired.add(
            p.t_sale,
            p.amount,
            p.has(flag::FRAUD),
            route.index(),
            sale_day,
        );
        if let Some(m) = moved {
            self.arena.pay[m as usize].batch_pos = pos as u32;
        }
        self.arena.remove(pid);
        Ok(())
    }

    /// Schedules the first cut-off of the run.
    pub(in crate::model) fn schedule_first_cutoff(&mut self) {
        let first = self.calendar.cutoff_day(0);
        let at = self.calendar.cutoff_at(first);
        self.books.open.retired.reference = at;
        if at <= self.horizon {
            self.schedule(at, Ev::Cutoff { day: first as u32 });
        }
    }

    /// The daily cut-off: everything the acquirer believes approved goes into one batch.
    pub(in crate::model) fn cutoff(&mut self, day: u64) -> Result<(), Violation> {
        let next = self.calendar.cutoff_day(self.calendar.cutoff_at(day));
        let mut batch = std::mem::replace(
            &mut self.books.open,
            Batch::new(self.calendar.cutoff_at(next), self.topo.routes()),
        );
        let id = self.books.batches.len() as u32;
        let pids = std::mem::take(&mut batch.live);
        for pid in pids {
            let p = &mut self.arena.pay[pid as usize];
            if p.acquirer == Acq::Approved {
                p.acquirer = Acq::Cleared;
                p.batch = id;
                p.batch_pos = batch.live.len() as u32;
                batch.live.push(pid);
                if T::ON {
                    self.trace(pid, |_| Step::Cleared);
                }
            } else {
                p.batch = NO_BATCH;
                self.release(pid)?; // its batch entry
            }
        }
        if !batch.is_empty() {
            let at = self.calendar.settlement_at(day, self.s.settlement.lag_days);
            self.books.batches.push(batch);
            if at <= self.horizon {
                self.schedule(at, Ev::Settle { batch: id });
            }
        }
        let at = self.calendar.cutoff_at(next);
        if at <= self.horizon {
            self.schedule(at, Ev::Cutoff { day: next as u32 });
        }
        Ok(())
    }

    /// A batch is credited: issuer → channel → acquirer → merchant.
    pub(in crate::model) fn settle(&mut self, batch: usize) -> Result<(), Violation> {
        let now = self.q.now();
        let b = std::mem::replace(&mut self.books.batches[batch], Batch::new(0, 0));
        self.settle_retired(now, &b.retired);
        for pid in b.live {
            self.arena.pay[pid as usize].batch = NO_BATCH;
            let p = self.arena.pay[pid as usize];
            if p.has(flag::SETTLED) {
                return Err(self.violation(
                    Invariant::NoDoubleSettlement,
                    format!("payment #{} settled twice", p.serial),
                ));
            }
            if p.issuer_state != Iss::Held {
                return Err(self.violation(
                    Invariant::OutcomeMatchesPostings,
                    format!(
                        "payment #{} cleared but the issuer holds no funds for it ({:?})",
                        p.serial, p.issuer_state
                    ),
                ));
            }
            self.post_interbank(p.issuer, p.channel, p.amount);
            self.out.payouts += 1;
            if self.wrong_account(pid) {
                // The payout bounces off the merchant's wrong account into suspense.
                self.books
                    .ledger
                    .post(Account::Acquirer, Account::Suspense, p.amount);
                self.arena.pay[pid as usize].set(flag::RETURNED);
                self.out.payouts_returned += 1;
                if T::ON {
                    self.trace(pid, |_| Step::PayoutReturned);
                }
                let at = now.saturating_add(self.s.payout.correction_delay);
                if at <= self.horizon {
                    self.schedule(at, Ev::PayoutCorrected { pid });
                }
                self.release(pid)?; // its batch entry
                continue;
            }
            self.credit_merchant(pid, Account::Acquirer);
            self.release(pid)?; // its batch entry
        }
        Ok(())
    }

    /// The interbank postings of a credit on one route: issuer → channel → acquirer.
    fn post_interbank(&mut self, issuer: u16, channel: u16, amount: i64) {
        let l = &mut self.books.ledger;
        l.post(
            Account::IssuerHolds(issuer),
            Account::Channel(channel),
            amount,
        );
        l.post(Account::Channel(channel), Account::Acquirer, amount);
    }

    /// The merchant corrected its account details: the payout leaves suspense for the merchant.
    pub(in crate::model) fn payout_corrected(&mut self, pid: u32) {
        self.arena.pay[pid as usize].flags &= !flag::RETURNED;
        self.credit_merchant(pid, Account::Suspense);
    }

    /// The payout reaches the merchant's account (from the acquirer, or from suspense after a
    /// return): the payment is settled, on time or late against the promise.
    fn credit_merchant(&mut self, pid: u32, from: Account) {
        let now = self.q.now();
        let p = self.arena.pay[pid as usize];
        self.books.ledger.post(from, Account::Merchants, p.amount);
        let q = &mut self.arena.pay[pid as usize];
        q.credited += q.amount;
        q.set(flag::SETTLED);
        let on_time = now <= self.calendar.promised_by(p.t_sale);
        if on_time {
            q.set(flag::ON_TIME);
        }
        self.out.record_settlement(now - p.t_sale);
        if T::ON {
            self.trace(pid, |_| Step::Settled { on_time });
        }
    }

    /// Credits a batch's retired payments: one set of postings per route, outcomes by count.
    fn settle_retired(&mut self, now: Nanos, r: &Retired) {
        if r.count == 0 {
            return;
        }
        let topo = self.topo;
        for route in topo.all_routes() {
            let amount = r.routes[route.index()];
            if amount != 0 {
                let (i, c) = topo.route_parts(route);
                self.post_interbank(i, c, amount);
                self.books
                    .ledger
                    .post(Account::Acquirer, Account::Merchants, amount);
            }
        }
        // Retired payments are sales the till approved with ordinary payouts: settled, or
        // charged back if fraud.
        self.out.payouts += r.count;
        self.out.record_outcomes(
            Outcome::Chargeback,
            r.fraud_count,
            r.fraud_amount,
            r.fraud_amount,
        );
        for (&day, &(n, amount)) in &r.sale_days {
            let on_time = now <= self.calendar.credit_at(day, self.s.settlement.promise_days);
            let o = if on_time {
                Outcome::SettledOnTime
            } else {
                Outcome::SettledLate
            };
            self.out.record_outcomes(o, n, amount, amount);
        }
        if let Some(h) = &r.before_reference_ms {
            let shift_ms = now.saturating_sub(r.reference) / 1_000_000;
            for v in h.iter_recorded() {
                let ms = h.median_equivalent(v.value_iterated_to()) + shift_ms;
                self.out
                    .settle_delay_ms
                    .saturating_record_n(ms.max(1), v.count_at_value());
            }
        }
    }
}

//! The end of a sale's records: which record an outcome, and a carrier's hold released.

use super::bit;
use crate::model::World;
use crate::model::payment::{Flags, Payment};
use crate::model::trace::Tracer;

impl<T: Tracer> World<'_, T> {
    /// A record of a sale in the table is classified. Returns whether it records an outcome
    /// (a superseded attempt or carrier in which nobody's money moved does not).
    #[inline(never)]
    pub(in crate::model) fn retry_record_ends(&mut self, p: &Payment) -> bool {
        let empty = p.retry & bit::SUPERSEDED != 0
            && p.charged == 0
            && p.credited == 0
            && !p.has(Flags::CHARGED_BACK);
        if empty {
            self.out.attempts_without_outcome += 1;
        }
        if p.retry & bit::IN_SALE != 0
            && let Some(sale) = self.retry.sales.get(&p.serial).copied()
            && let Some(t) = self.retry.purchases.get_mut(&sale.purchase)
        {
            t.live -= 1;
            if p.charged > 0 {
                t.charged += 1;
            }
            if t.live == 0 {
                let t = *t;
                if t.charged >= 2 {
                    self.out.duplicate_charges += 1;
                    self.out.duplicate_charge_amount += t.amount * (t.charged as i64 - 1);
                }
                self.retry.purchases.remove(&sale.purchase);
                if let Some(r) = self.retry.records.as_mut() {
                    r.remove(&sale.purchase);
                }
                self.retry.sales.remove(&sale.purchase);
                if let Some(r) = t.repeat {
                    self.retry.sales.remove(&r);
                }
            }
        }
        !empty
    }

    /// Under `[disputes]`: whether the cardholder was charged for the purchase of `pid` by
    /// another record before `pid` (a charge still standing, or a record that ended with its
    /// money taken). If so, `pid` is the duplicate on the cardholder's statement.
    #[cold]
    #[inline(never)]
    pub(in crate::model) fn retry_charged_before(&self, pid: crate::model::PaymentId) -> bool {
        let p = &self.arena[pid];
        if p.retry & bit::IN_SALE == 0 {
            return false;
        }
        let Some(sale) = self.retry.sales.get(&p.serial) else {
            return false;
        };
        if self
            .retry
            .purchases
            .get(&sale.purchase)
            .is_some_and(|t| t.charged > 0)
        {
            return true;
        }
        let records = self
            .retry
            .records
            .as_ref()
            .and_then(|r| r.get(&sale.purchase));
        records.is_some_and(|rs| {
            rs.iter().any(|&(r, serial, attempt)| {
                let q = &self.arena[r];
                // (A freed slot keeps its last state until reused: the serial and attempt
                // tell whether it is still this record.)
                r != pid
                    && (q.serial, q.attempt) == (serial, attempt)
                    && q.charged > 0
                    && q.t_held < p.t_held
            })
        })
    }

    /// After a carrier's slot is freed: its hold on the owner ends.
    #[inline(never)]
    pub(in crate::model) fn retry_release_owner(
        &mut self,
        p: &Payment,
    ) -> Result<(), crate::model::invariants::Violation> {
        if p.retry & bit::CARRIER == 0 || self.finishing {
            // (At the end of observation the sweep classifies every live record itself, the
            // owner perhaps already: releasing it again would classify it twice.)
            return Ok(());
        }
        match self.retry.sales.get(&p.serial) {
            Some(s) => {
                let owner = s.owner;
                self.release(owner)
            }
            None => Ok(()),
        }
    }
}

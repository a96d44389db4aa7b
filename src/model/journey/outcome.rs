//! The outcome of each payment, judged when nothing refers to it any more or at the end of
//! observation, checked against its own postings; and the end of the run.

use crate::metrics::RunOutput;
use crate::model::World;
use crate::model::invariants::{self, Invariant, Violation};
use crate::model::ledger::Account;
use crate::model::payment::{AcquirerState as Acq, IssuerState as Iss, Outcome, code, flag};
use crate::model::trace::{Step, Tracer};

impl<T: Tracer> World<'_, T> {
    /// Classifies a finished payment (or, at the horizon, one still referenced), checks that its
    /// postings agree with its outcome, and frees its slot.
    pub(in crate::model) fn finalize(
        &mut self,
        pid: u32,
        at_horizon: bool,
    ) -> Result<(), Violation> {
        if !self.arena.live[pid as usize] {
            return Err(self.violation(
                Invariant::OneOutcomePerPayment,
                format!("payment slot {pid} classified twice"),
            ));
        }
        let mut p = self.arena.pay[pid as usize];
        let outcome = if p.has(flag::SETTLED) {
            if p.has(flag::FRAUD) {
                Outcome::FraudLoss
            } else {
                Outcome::Settled
            }
        } else {
            match p.issuer_state {
                Iss::Held => {
                    let in_cycle = matches!(p.acquirer, Acq::Approved | Acq::Cleared);
                    if at_horizon && in_cycle {
                        Outcome::Pending
                    } else if p
                        .t_held
                        .saturating_add(self.s.issuers[p.issuer as usize].hold_expiry)
                        <= self.horizon
                    {
                        // Never cleared nor reversed: the hold lapses and the funds come back.
                        self.books.ledger.post(
                            Account::IssuerHolds(p.issuer),
                            Account::Cardholders,
                            p.amount,
                        );
                        self.nodes.accounts[p.issuer as usize].release(p.account, p.amount);
                        p.charged -= p.amount;
                        p.set(flag::HOLD_EXPIRED);
                        self.out.holds_expired += 1;
                        Outcome::Reversed
                    } else {
                        Outcome::Stuck
                    }
                }
                Iss::Released => Outcome::Reversed,
                _ => Outcome::Declined,
            }
        };
        let expected = match outcome {
            Outcome::Settled | Outcome::FraudLoss => (p.amount, p.amount),
            Outcome::Stuck | Outcome::Pending => (p.amount, 0),
            Outcome::Declined | Outcome::Reversed => (0, 0),
            Outcome::DuplicateCharge => (2 * p.amount, p.amount),
        };
        if (p.charged, p.credited) != expected {
            let detail = format!(
                "payment #{} is {} but its postings charged {} and credited {} (expected {} and {})",
                p.serial,
                outcome.name(),
                p.charged,
                p.credited,
                expected.0,
                expected.1
            );
            return Err(self.violation(Invariant::OutcomeMatchesPostings, detail));
        }
        let false_decline = outcome == Outcome::Declined
            && p.has(flag::PAYABLE)
            && !code::is_genuine_decline(p.code);
        self.out
            .record_outcome(outcome, p.amount, false_decline, p.credited);
        if T::ON {
            if p.has(flag::HOLD_EXPIRED) {
                self.trace(pid, |_| Step::HoldExpired);
            }
            self.trace(pid, |_| Step::Outcome {
                outcome: outcome.name(),
            });
        }
        self.arena.pay[pid as usize] = p;
        self.arena.remove(pid);
        Ok(())
    }

    /// End of observation: classify what is still in flight, close statistics, check the books.
    pub(in crate::model) fn finish(mut self) -> Result<RunOutput, Violation> {
        for pid in 0..self.arena.pay.len() as u32 {
            if self.arena.live[pid as usize] {
                self.finalize(pid, true)?;
            }
        }
        // Retired payments of batches not yet credited are pending.
        let books = &self.books;
        for b in books.batches.iter().chain(std::iter::once(&books.open)) {
            self.out
                .record_outcomes(Outcome::Pending, b.retired.count, b.retired.amount, 0);
        }
        let horizon = self.horizon;
        for st in &mut self.nodes.stations {
            st.finish(horizon);
        }
        self.out.events = self.q.events_processed();
        self.out.postings = self.books.ledger.postings();
        self.out.stations = self
            .nodes
            .stations
            .iter()
            .map(|s| (s.id.clone(), s.stats.clone()))
            .collect();
        invariants::check_books(&self.out, &self.books.ledger, &self.nodes.accounts)
            .map_err(|(inv, detail)| self.violation(inv, detail))?;
        Ok(self.out)
    }
}

//! The outcome of each payment, judged when nothing refers to it any more or at the end of
//! observation, checked against its own postings; and the end of the run.

use crate::metrics::RunOutput;
use crate::model::World;
use crate::model::invariants::{self, Invariant, Violation};
use crate::model::ledger::Account;
use crate::model::payment::{
    AcquirerState as Acq, IssuerState as Iss, Outcome, TerminalState as Term, code, flag,
};
use crate::model::trace::{Step, Tracer};

impl<T: Tracer> World<'_, T> {
    /// Classifies a finished payment (or, at the horizon, one still referenced) from its three
    /// views, checks that its postings agree with its outcome, and frees its slot.
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
        let till_ok = p.till_approved();
        // A hold nobody cleared nor reversed lapses after the issuer's expiry, if that falls
        // inside observation: the funds go back to the cardholder.
        let in_cycle = matches!(p.acquirer, Acq::Approved | Acq::Cleared);
        let pending = at_horizon
            && in_cycle
            && !p.has(flag::SETTLED)
            && !p.has(flag::RETURNED)
            && p.issuer_state == Iss::Held;
        if p.issuer_state == Iss::Held
            && !p.has(flag::SETTLED)
            && !p.has(flag::RETURNED)
            && !pending
        {
            let expiry = self.s.issuers[p.issuer as usize].hold_expiry;
            if p.t_held.saturating_add(expiry) <= self.horizon {
                self.books.ledger.post(
                    Account::IssuerHolds(p.issuer),
                    Account::Cardholders,
                    p.amount,
                );
                self.nodes.accounts[p.issuer as usize].release(p.account, p.amount);
                p.charged -= p.amount;
                p.issuer_state = Iss::Released;
                p.set(flag::HOLD_EXPIRED);
                self.out.holds_expired += 1;
            }
        }
        let charged = p.charged > 0;
        let outcome = if p.has(flag::SETTLED) {
            if p.has(flag::FRAUD) {
                Outcome::Chargeback
            } else if !till_ok {
                Outcome::ChargedWithoutSale
            } else if p.has(flag::ON_TIME) {
                Outcome::SettledOnTime
            } else {
                Outcome::SettledLate
            }
        } else if pending {
            Outcome::Pending
        } else if till_ok {
            Outcome::NotArrived
        } else if charged {
            Outcome::ChargedWithoutSale
        } else if p.issuer_state == Iss::Released {
            Outcome::Reversed
        } else {
            Outcome::Declined
        };
        // What each outcome allows the payment's own postings to be: (charged, credited).
        let a = p.amount;
        let ok = match outcome {
            Outcome::SettledOnTime | Outcome::SettledLate | Outcome::Chargeback => {
                (p.charged, p.credited) == (a, a)
            }
            Outcome::ChargedWithoutSale => p.charged == a && (p.credited == 0 || p.credited == a),
            Outcome::NotArrived => p.credited == 0 && (p.charged == 0 || p.charged == a),
            Outcome::Pending => (p.charged, p.credited) == (a, 0),
            Outcome::Declined | Outcome::Reversed => (p.charged, p.credited) == (0, 0),
        };
        if !ok {
            let detail = format!(
                "payment #{} is {} but its postings charged {} and credited {} (amount {a})",
                p.serial,
                outcome.name(),
                p.charged,
                p.credited,
            );
            return Err(self.violation(Invariant::OutcomeMatchesPostings, detail));
        }
        if p.has(flag::RETURNED) {
            self.out.suspense_at_end += p.amount;
        } else if p.charged > 0 && p.credited == 0 {
            self.out.held_at_end += p.amount;
        }
        if outcome == Outcome::NotArrived {
            let age = self.horizon.saturating_sub(p.t_sale);
            self.out.not_arrived_oldest = self.out.not_arrived_oldest.max(age);
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
            let till = match p.terminal_state {
                Term::Answered => format!(
                    "{} ({:02} {})",
                    if till_ok { "approved" } else { "declined" },
                    p.till_code,
                    code::describe(p.till_code)
                ),
                _ => "no answer".to_string(),
            };
            let cardholder = match (p.charged > 0, p.issuer_state) {
                (true, _) => "charged",
                (false, Iss::Released) => "held, then released",
                _ => "never held",
            };
            let merchant = if p.credited > 0 {
                if p.has(flag::ON_TIME) {
                    "credited on time"
                } else {
                    "credited late"
                }
            } else if p.has(flag::RETURNED) {
                "payout returned, waiting in suspense"
            } else if pending {
                "awaiting its normal settlement"
            } else {
                "not credited"
            };
            self.trace(pid, |_| Step::Views {
                till,
                cardholder,
                merchant,
            });
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
            self.out.held_at_end += b.retired.amount;
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

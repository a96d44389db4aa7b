//! The outcome of each payment, judged when nothing refers to it any more or at the end of
//! observation, checked against its own postings; and the end of the run.

use crate::model::PaymentId;
use crate::model::World;
use crate::model::cause;
use crate::model::clearing::NO_BATCH;
use crate::model::invariants::{self, Invariant, Violation};
use crate::model::journey::{disputes, reconcile};
use crate::model::output::RunOutput;
use crate::model::payment::{
    AcquirerState as Acq, Flags, IssuerState as Iss, Outcome, Payment, TerminalState as Term, code,
};
use crate::model::trace::{Step, Tracer};
use crate::scenario::Liability;

impl<T: Tracer> World<'_, T> {
    /// Classifies a finished payment (or, at the horizon, one still referenced) from its three
    /// views, checks that its postings agree with its outcome, and frees its slot.
    pub(in crate::model) fn finalize(&mut self, pid: PaymentId) -> Result<(), Violation> {
        if !self.arena.live[pid.index()] {
            return Err(self.violation(
                Invariant::OneOutcomePerPayment,
                format!(
                    "payment #{} (slot {}) classified twice",
                    self.arena[pid].serial, pid.0
                ),
            ));
        }
        let p = self.arena[pid];
        // A hold nobody presented, released or repaired lapses at the issuer's expiry, if that
        // falls inside observation: the funds go back to the cardholder. (A payment still in a
        // batch, or waiting for its risk review, is in its normal cycle: its presentment, not
        // the horizon, decides.)
        // A pre-authorisation the host still holds, never completed, expires with its
        // validity (the issuer's hold expiry from the pre-authorisation).
        let preauth =
            p.txn != 0 && super::txn::awaiting_completion(&p) && p.acquirer == Acq::Approved;
        let in_review = p.has(Flags::REVIEW) && p.acquirer == Acq::Approved;
        let expiry = self.s.issuers[p.issuer as usize].hold_expiry;
        if preauth {
            if p.t_sale.saturating_add(expiry) <= self.horizon {
                self.preauth_expires(pid);
            }
        } else if p.issuer_state == Iss::Held
            && p.batch == NO_BATCH
            && !in_review
            && p.t_held.saturating_add(expiry) <= self.horizon
        {
            self.lapse_hold(pid);
        }
        let p = self.arena[pid];
        let advice_due = p.has(Flags::STAND_IN) && !p.has(Flags::ADVICE_APPLIED);
        let outcome = self.judge(&p);
        if !self.postings_fit(&p, outcome, advice_due) {
            return Err(self.postings_violation(&p, outcome));
        }
        let open_break = self.book_at_end(&p);
        if !self.beliefs_agree(&p, open_break, advice_due) {
            return Err(self.beliefs_violation(&p));
        }
        if p.txn != 0 {
            self.txn_at_end(&p);
        }
        if p.dispute != 0 && disputes::open(&p) {
            self.out.disputes_open += 1;
        }

        let (cause, also) = self.blamed(&p, outcome);
        // A superseded attempt of a retried sale in which nobody's money moved is no sale.
        let counted = !self.retry.on || p.retry == 0 || self.retry_record_ends(&p);
        if self.qr_on && counted {
            self.qr_at_end(&p);
        }
        if counted {
            self.count_outcome(&p, outcome, cause, also);
        }
        if T::ON && !counted {
            self.trace(pid, |_| Step::Note(crate::model::trace::SUPERSEDED));
        } else if T::ON {
            self.trace_outcome(pid, &p, outcome, cause, also);
        }
        self.arena.remove(pid);
        if self.retry.on && p.retry != 0 {
            return self.retry_release_owner(&p);
        }
        Ok(())
    }

    /// The one outcome of a payment from its three views (what the till showed, the
    /// cardholder's money, the merchant's).
    #[inline(always)]
    fn judge(&self, p: &Payment) -> Outcome {
        let till_ok = p.till_approved();
        if p.has(Flags::CHARGED_BACK) {
            Outcome::Chargeback
        } else if p.txn != 0
            && let Some(o) = super::txn::txn_outcome(p)
        {
            o
        } else if p.credited > 0 {
            // (A merchant paid D+0 for a sale that failed at the till and that the issuer
            // does not back charged nobody: it counts as paid, and its break stays open.)
            if !till_ok && p.charged > 0 {
                Outcome::ChargedWithoutSale
            } else if self.fee_faults && self.paid_short(p) {
                Outcome::PaidShort
            } else if p.has(Flags::ON_TIME) {
                Outcome::SettledOnTime
            } else {
                Outcome::SettledLate
            }
        } else if p.terminal_state == Term::Waiting {
            Outcome::Pending // observation ended while the till was still waiting
        } else if till_ok {
            if p.has(Flags::FRAUD) && p.charged == 0 && p.acquirer == Acq::Reversed {
                Outcome::Reversed // a fraud stopped after the sale: the cardholder refunded
            } else if self.horizon < self.promised_by(p) {
                Outcome::Pending
            } else {
                Outcome::NotArrived
            }
        } else if p.charged > 0 {
            Outcome::ChargedWithoutSale
        } else if matches!(p.issuer_state, Iss::Released | Iss::Refunded) {
            Outcome::Reversed
        } else {
            Outcome::Declined
        }
    }

    /// Whether the payment's own postings are what its outcome allows: (charged, credited).
    #[inline(always)]
    fn postings_fit(&self, p: &Payment, outcome: Outcome, advice_due: bool) -> bool {
        let a = p.amount;
        // What the merchant is paid: the amount less the fees (`[fees]`; else the amount).
        let net = self.net(p);
        match outcome {
            // (A stood-in sale paid D+0 whose advice has not reached the issuer yet is credited
            // before the cardholder is charged.)
            // (Nor is one paid D+0 that the issuer does not back: the acquirer advanced the
            // money, and the unmatched presentment or reversal mismatch is an open break.)
            Outcome::SettledOnTime | Outcome::SettledLate | Outcome::PaidShort => {
                let unbacked = advice_due
                    || p.has(Flags::ADVANCED)
                        && (p.has(Flags::EXCEPTION) || reconcile::unbacked_sale(p));
                p.credited == net && (p.charged == a || unbacked && p.charged == 0)
            }
            Outcome::Chargeback => {
                // The merchant liable pays the whole sale back, its discount lost with it.
                let kept = if self.liability_of(p) == Liability::Merchant {
                    net - a
                } else {
                    net
                };
                (p.charged, p.credited) == (0, kept)
            }
            Outcome::ChargedWithoutSale => p.charged == a && (p.credited == 0 || p.credited == net),
            Outcome::NotArrived | Outcome::Pending => {
                p.credited == 0 && (p.charged == 0 || p.charged == a)
            }
            Outcome::Declined | Outcome::Reversed | Outcome::Voided => {
                (p.charged, p.credited) == (0, 0)
            }
            // The merchant's money taken back; the cardholder's on its way back, or back.
            Outcome::Refunded => p.credited == 0 && (p.charged == a || p.charged == 0),
        }
    }

    #[cold]
    #[inline(never)]
    fn postings_violation(&self, p: &Payment, outcome: Outcome) -> Violation {
        let detail = format!(
            "payment #{} is {} but its postings charged {} and credited {} (amount {})",
            p.serial,
            outcome.name(),
            p.charged,
            p.credited,
            p.amount,
        );
        self.violation(Invariant::OutcomeMatchesPostings, detail)
    }

    /// Books where the payment's money is at the end and its open break, if any (returned).
    #[inline(always)]
    fn book_at_end(&mut self, p: &Payment) -> Option<reconcile::Break> {
        let a = p.amount;
        let net = if self.fees_on && p.has(Flags::PAID_OUT) {
            let split = self.split(p);
            self.out.add_fees(&split);
            self.out.shortfall += self.agreed_net(p) - split.net;
            split.net
        } else {
            a
        };
        let out = &mut self.out;
        if p.has(Flags::RETURNED) {
            out.suspense_at_end += net;
        }
        if p.has(Flags::IN_RISK_HOLD) {
            out.risk_hold_at_end += net;
        }
        if p.has(Flags::ON_RAIL) {
            out.rail_at_end += net;
        }
        // Payout orders on their way (`[payout.channel]`).
        if p.rail != 0 {
            out.rail_at_end += (p.rail & super::rail::bits::ON_RAIL) as i64 * net;
        }
        if p.charged > 0 && !p.has(Flags::PAID_ON) {
            out.held_at_end += a;
        }
        out.acquirer_at_end +=
            if p.has(Flags::PAID_ON) { a } else { 0 } - if p.has(Flags::PAID_OUT) { a } else { 0 };
        let open_break = reconcile::break_of(p);
        if let Some(k) = open_break {
            out.breaks_open[k as usize] += 1;
            let since = if p.t_break > 0 { p.t_break } else { p.t_sale };
            out.open_break_oldest = out
                .open_break_oldest
                .max(self.horizon.saturating_sub(since));
        }
        open_break
    }

    /// The acquirer's belief and the issuer's records agree, or a break says they do not.
    #[inline(always)]
    fn beliefs_agree(
        &self,
        p: &Payment,
        open_break: Option<reconcile::Break>,
        advice_due: bool,
    ) -> bool {
        let acquirer_sale = matches!(p.acquirer, Acq::Approved | Acq::Cleared);
        let issuer_took = p.charged > 0 || p.has(Flags::CHARGED_BACK);
        acquirer_sale == issuer_took || open_break.is_some() || p.has(Flags::REPAIRED) || advice_due
    }

    #[cold]
    #[inline(never)]
    fn beliefs_violation(&self, p: &Payment) -> Violation {
        let acquirer_sale = matches!(p.acquirer, Acq::Approved | Acq::Cleared);
        let issuer_took = p.charged > 0 || p.has(Flags::CHARGED_BACK);
        let detail = format!(
            "payment #{}: the acquirer believes it {} but the issuer {} the cardholder's \
             money, and no break records the mismatch",
            p.serial,
            if acquirer_sale { "a sale" } else { "no sale" },
            if issuer_took { "took" } else { "did not take" },
        );
        self.violation(Invariant::BeliefsAgreeOrBreak, detail)
    }

    /// The cause the outcome is counted against, and another cause that struck the payment.
    #[inline(always)]
    fn blamed(&self, p: &Payment, outcome: Outcome) -> (u8, Option<u8>) {
        let (first, also) = if outcome == Outcome::PaidShort {
            // The mis-set fee (a payment paid short has one), and what else struck it.
            let fee = self.fee_fault(p).map_or(cause::id::NONE, |(_, c)| c);
            (
                fee,
                if p.late != cause::id::NONE {
                    p.late
                } else {
                    p.cause
                },
            )
        } else if p.cause == cause::id::NONE
            && p.late == cause::id::NONE
            && outcome != Outcome::Chargeback
        {
            (cause::id::NONE, cause::id::NONE)
        } else {
            self.outcome_cause(p, outcome)
        };
        let cause = match (first, outcome) {
            (cause::id::NONE, Outcome::SettledLate) => cause::id::MISSED_CUTOFF,
            (cause::id::NONE, Outcome::Pending | Outcome::NotArrived) => {
                cause::id::OBSERVATION_ENDED
            }
            (c, _) => c,
        };
        let also = (also != cause)
            .then_some(also)
            .filter(|&a| a != cause::id::NONE);
        (cause, also)
    }

    /// Counts the outcome of a payment that is a sale (or an attempt in which money moved).
    #[inline(always)]
    fn count_outcome(&mut self, p: &Payment, outcome: Outcome, cause: u8, also: Option<u8>) {
        self.out.record_cause(cause, outcome, 1, p.amount);
        if outcome != Outcome::SettledOnTime {
            self.out.exemplars.offer(p.serial, cause, outcome);
        }
        if let Some(a) = also {
            self.out.cause_also[a as usize] += 1;
        }
        if outcome == Outcome::NotArrived {
            let age = self.horizon.saturating_sub(p.t_sale);
            self.out.not_arrived_oldest = self.out.not_arrived_oldest.max(age);
        }
        let false_decline = outcome == Outcome::Declined
            && p.has(Flags::PAYABLE)
            && !code::is_genuine_decline(p.code);
        self.out
            .record_outcome(outcome, p.amount, false_decline, p.credited);
    }

    /// Tells the trace the payment's views, its causes and its outcome.
    fn trace_outcome(
        &mut self,
        pid: PaymentId,
        p: &Payment,
        outcome: Outcome,
        cause: u8,
        also: Option<u8>,
    ) {
        if p.has(Flags::HOLD_EXPIRED) && !p.has(Flags::EXCEPTION | Flags::REPAIRED) {
            self.trace(pid, |_| Step::HoldExpired);
        }
        let till_ok = p.till_approved();
        let till = match p.terminal_state {
            Term::Answered => Some(p.till_code),
            _ => None,
        };
        // Catalogue keys of the views (`trace.view.*`).
        let cardholder = match (p.charged > 0, p.issuer_state) {
            (true, Iss::Held) => "held",
            (true, _) => "charged",
            (false, _) if p.has(Flags::CHARGED_BACK) => "charged_back",
            (false, Iss::Released) => "released",
            (false, Iss::Refunded) => "refunded",
            _ => "never_held",
        };
        let merchant = if p.has(Flags::CHARGED_BACK) && p.credited == 0 {
            "credited_charged_back"
        } else if p.credited > 0 {
            if outcome == Outcome::PaidShort {
                "credited_short"
            } else if p.has(Flags::ON_TIME) {
                "credited_on_time"
            } else {
                "credited_late"
            }
        } else if outcome == Outcome::Voided {
            "voided"
        } else if outcome == Outcome::Refunded {
            "refunded"
        } else if p.has(Flags::RETURNED) {
            "returned"
        } else if p.has(Flags::IN_RISK_HOLD) {
            "risk_hold"
        } else if outcome == Outcome::Pending {
            "awaiting"
        } else {
            "not_credited"
        };
        self.trace(pid, |_| Step::Views {
            till,
            till_ok,
            cardholder,
            merchant,
        });
        // A payment settled on time tells a cause too if one struck it on the way (an unknown
        // payout order resolved in time): a trainer can look for it by that cause.
        let merchant_did = matches!(
            outcome,
            Outcome::SettledOnTime | Outcome::Voided | Outcome::Refunded
        );
        if !merchant_did || cause != cause::id::NONE {
            let name = cause::names(self.s)[cause as usize].clone();
            let meaning = crate::scenario::cause::meaning(self.s, cause as usize);
            self.trace(pid, |_| Step::Cause { name, meaning });
            if let Some(a) = also {
                let name = cause::names(self.s)[a as usize].clone();
                self.trace(pid, |_| Step::AlsoCause { name });
            }
        }
        let (at_end, credited) = (self.finishing, p.credited);
        let false_decline = outcome == Outcome::Declined
            && p.has(Flags::PAYABLE)
            && !code::is_genuine_decline(p.code);
        self.trace(pid, |_| Step::Outcome {
            outcome: outcome.name(),
            at_end,
            false_decline,
            credited,
        });
    }

    /// The cause an outcome is counted against, and the other cause that struck the payment
    /// (or 0). Precedence (docs/scenarios.md, Causes): a chargeback is the fraud's (a fraud
    /// wave's id, else `fraud`); a late, missing or pending payout is what struck it after the
    /// acquirer approved it, if anything did, else its first cause; any other outcome is its
    /// first cause (what failed it on the way to the issuer and back).
    #[cold]
    #[inline(never)]
    fn outcome_cause(&self, p: &Payment, outcome: Outcome) -> (u8, u8) {
        match outcome {
            Outcome::Chargeback if p.dispute & disputes::bits::REASON > disputes::bits::FRAUD => {
                let reason = match p.dispute & disputes::bits::REASON {
                    disputes::bits::PROCESSING | disputes::bits::DUPLICATE => {
                        cause::id::PROCESSING_ERROR
                    }
                    disputes::bits::LATE => cause::id::LATE_PRESENTMENT,
                    _ => cause::id::GOODS_DISPUTE,
                };
                (reason, if p.late != 0 { p.late } else { p.cause })
            }
            Outcome::Chargeback => {
                let wave = p.cause >= cause::id::FIRST_FAULT
                    && self
                        .s
                        .faults
                        .get((p.cause - cause::id::FIRST_FAULT) as usize)
                        .is_some_and(|f| f.kind == crate::scenario::FaultKind::FraudWave);
                let fraud = if wave { p.cause } else { cause::id::FRAUD };
                let other = if p.cause != fraud { p.cause } else { p.late };
                (fraud, other)
            }
            Outcome::SettledLate | Outcome::NotArrived | Outcome::Pending
                if p.late != cause::id::NONE =>
            {
                (p.late, p.cause)
            }
            _ => (p.cause, p.late),
        }
    }

    /// End of observation: classify what is still in flight, close statistics, check the books.
    pub(in crate::model) fn finish(mut self) -> Result<RunOutput, Violation> {
        self.finishing = true;
        for pid in self.arena.ids() {
            if self.arena.live[pid.index()] {
                self.finalize(pid)?;
            }
        }
        // Money that left for extra payout orders (`[payout.channel]`) and is not back.
        self.out.acquirer_at_end -= self.out.rail_extra_out;
        // Retired payments of batches not yet credited: pending while their promise's
        // deadline is ahead, not arrived after it.
        let books = &self.books;
        for b in books.batches.iter().chain(std::iter::once(&books.open)) {
            for (&deadline, d) in &b.retired.deadlines {
                let o = if self.horizon < deadline {
                    Outcome::Pending
                } else {
                    Outcome::NotArrived
                };
                self.out.record_outcomes(o, d.n, d.amount, 0);
                self.out
                    .record_cause(cause::id::OBSERVATION_ENDED, o, d.n, d.amount);
                for &serial in d.first() {
                    self.out
                        .exemplars
                        .offer(serial, cause::id::OBSERVATION_ENDED, o);
                }
                if o == Outcome::NotArrived {
                    let oldest_ms = b
                        .retired
                        .before_reference_ms
                        .as_ref()
                        .map_or(0, |h| h.max());
                    let oldest = b.retired.reference.saturating_sub(oldest_ms * 1_000_000);
                    let age = self.horizon.saturating_sub(oldest);
                    self.out.not_arrived_oldest = self.out.not_arrived_oldest.max(age);
                }
            }
            self.out.held_at_end += b.retired.amount;
        }
        let horizon = self.horizon;
        if self.guard.is_some() {
            self.guard_finish();
        }
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

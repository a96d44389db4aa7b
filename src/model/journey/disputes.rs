//! The dispute cycle of a settled sale (`[disputes]`).
//!
//! When the merchant has been credited and the issuer has paid the sale on, the sale may be
//! disputed: a fraud always (the real cardholder), a sale the issuer received too late
//! (`late_presentment`) by its share, any other by the payment's own draw (`goods_share`,
//! `processing_share`). The dispute is raised after a drawn delay from the credit; one that
//! would come after `time_limit` is barred. Raised, it begins with a retrieval request (调单)
//! for the sale slip (`retrieval_share`), or goes straight to a chargeback. The merchant
//! answers the retrieval request by its deadline or not (`merchant_answers`): unanswered, the
//! sale is charged back; answered, the slip settles a dispute about goods or a processing
//! error (`answer_resolves`), while a fraud or a late presentment is charged back all the
//! same (a slip proves neither). A chargeback (拒付) takes the sale's amount back from whoever
//! bears the reason (the merchant for goods and processing errors, the acquirer for a late
//! presentment, `risk.liability` for fraud) and gives it to the cardholder. The acquirer side
//! may represent (再请款, `represent_share`) a chargeback it bears; the issuer decides after
//! `representment_time` and accepts (`represent_wins`) or not. Accepted, the cardholder is
//! debited again, except for a fraud, whose loss the issuer then bears. Pre-arbitration and
//! arbitration are not modelled: the representment's decision is final.
//!
//! Every draw is the payment's own keyed word: every design meets the same disputes.

use crate::engine::rng::unit;
use crate::model::PaymentId;
use crate::model::World;
use crate::model::event::Ev;
use crate::model::ledger::Account;
use crate::model::payment::{Flags, IssuerState as Iss, Payment, slot};
use crate::model::trace::{Step, Tracer};
use crate::scenario::Liability;

/// The fields of `Payment::dispute`.
pub(in crate::model) mod bits {
    /// The reason family (a number in the low three bits), 0 without a dispute.
    pub const REASON: u8 = 7;
    pub const FRAUD: u8 = 1;
    pub const PROCESSING: u8 = 2;
    pub const LATE: u8 = 3;
    pub const GOODS: u8 = 4;
    /// A second charge of one purchase (a processing error).
    pub const DUPLICATE: u8 = 5;
    /// The dispute was decided at the merchant's credit (whether one comes, and when).
    pub const PLANNED: u8 = 8;
    /// The issuer sent a retrieval request first.
    pub const RETRIEVAL: u8 = 16;
    /// The sale was charged back.
    pub const CHARGED: u8 = 32;
    /// The acquirer's representment awaits the issuer's decision; and the issuer accepted it.
    pub const REPRESENTED: u8 = 64;
    pub const WON: u8 = 128;
}

/// What an `Ev::Dispute` event does.
#[derive(Clone, Copy, Debug)]
pub(in crate::model) enum DisputeStep {
    /// The issuer raises the dispute: a retrieval request or a chargeback.
    Raise,
    /// The retrieval request's deadline: answered or not.
    RetrievalDue,
    /// The issuer decides on the acquirer's representment.
    Decide,
}

/// Whether the payment's dispute is still under way (raised or to come, not concluded):
/// counted as `disputes_open` when the payment is judged.
pub(in crate::model) fn open(p: &Payment) -> bool {
    let reason = p.dispute & bits::REASON;
    reason != 0 && (p.dispute & bits::CHARGED == 0 || p.dispute & bits::REPRESENTED != 0)
}

/// The index of a reason family in `chargebacks_by` (fraud, processing, late presentment,
/// goods or services, duplicate).
fn family(reason: u8) -> usize {
    (reason - 1) as usize
}

impl<T: Tracer> World<'_, T> {
    /// Who bears the chargeback of `p`: by its reason under `[disputes]` (a fraud whose
    /// representment the issuer accepted is the issuer's), else `risk.liability`.
    pub(in crate::model) fn liability_of(&self, p: &Payment) -> Liability {
        match p.dispute & bits::REASON {
            bits::PROCESSING | bits::GOODS | bits::DUPLICATE => Liability::Merchant,
            bits::LATE => Liability::Acquirer,
            bits::FRAUD if p.dispute & bits::WON != 0 => Liability::Issuer,
            _ => self.s.liability,
        }
    }

    /// Whether the settled sale `pid` (not a fraud) will be disputed by its own draw: such a
    /// sale keeps its record (it is not folded into its batch).
    #[cold]
    #[inline(never)]
    pub(in crate::model) fn disputable(&self, pid: PaymentId) -> bool {
        let Some(d) = self.s.disputes.as_ref() else {
            return false;
        };
        d.late_presentment.is_some()
            || unit(self.word(pid, slot::DISPUTE)) < d.goods_share + d.processing_share
    }

    /// The issuer paid the sale on at `now`: a presentment later than `late_presentment`
    /// after the sale will be charged back (by the payment's draw, `late_presentment_share`).
    #[cold]
    #[inline(never)]
    pub(in crate::model) fn check_presentment(&mut self, pid: PaymentId) {
        let Some(d) = self.s.disputes.as_ref() else {
            return;
        };
        let Some(limit) = d.late_presentment else {
            return;
        };
        let share = d.late_presentment_share;
        let now = self.q.now();
        let p = self.arena[pid];
        // (The low half of the dispute word decides it, independent of the reason's draw.)
        if now.saturating_sub(p.t_sale) > limit
            && p.dispute == 0
            && !p.has(Flags::FRAUD)
            && unit(self.word(pid, slot::DISPUTE).rotate_left(32)) < share
        {
            self.arena[pid].dispute = bits::LATE;
        }
    }

    /// The merchant has been credited and the issuer has paid the sale on: whether the sale
    /// will be disputed, for which reason, and when (once per payment).
    #[cold]
    #[inline(never)]
    pub(in crate::model) fn plan_dispute(&mut self, pid: PaymentId) {
        let Some(d) = self.s.disputes.as_ref() else {
            return;
        };
        let p = self.arena[pid];
        if !p.has(Flags::PAID_ON)
            || p.credited <= 0
            || p.dispute & bits::PLANNED != 0
            || p.has(Flags::CHARGED_BACK)
        {
            return;
        }
        let reason = if p.has(Flags::FRAUD) {
            bits::FRAUD
        } else if p.dispute & bits::REASON == bits::LATE {
            bits::LATE
        } else if self.retry.on
            && self.retry_charged_before(pid)
            && unit(self.path_word(pid, slot::DUPLICATE_DISPUTE)) < d.duplicate_share
        {
            // The cardholder's statement shows the purchase twice.
            bits::DUPLICATE
        } else {
            let u = unit(self.word(pid, slot::DISPUTE));
            if u < d.goods_share {
                bits::GOODS
            } else if u < d.goods_share + d.processing_share {
                bits::PROCESSING
            } else {
                0
            }
        };
        if reason == 0 {
            self.arena[pid].dispute = bits::PLANNED;
            return;
        }
        let after = if reason == bits::FRAUD {
            &d.fraud_after
        } else {
            &d.dispute_after
        };
        let delay = after.quantile_ns(unit(self.word(pid, slot::DISPUTE_DELAY)));
        if delay > d.time_limit {
            // Raised too late: the issuer may no longer charge it back.
            self.arena[pid].dispute = bits::PLANNED;
            self.out.disputes_time_barred += 1;
            return;
        }
        self.arena[pid].dispute = bits::PLANNED | reason;
        let at = self.q.now().saturating_add(delay);
        if at <= self.horizon {
            let step = DisputeStep::Raise;
            self.schedule(at, Ev::Dispute { pid, step });
        }
    }

    pub(in crate::model) fn dispute_step(&mut self, pid: PaymentId, step: DisputeStep) {
        if !self.still_disputed(pid) {
            return;
        }
        match step {
            DisputeStep::Raise => self.raise_dispute(pid),
            DisputeStep::RetrievalDue => self.retrieval_due(pid),
            DisputeStep::Decide => self.decide_representment(pid),
        }
    }

    /// A dispute ends by itself when the merchant's money went back meanwhile (a refund, a
    /// fraud stopped by a review): nothing is left to charge back.
    fn still_disputed(&mut self, pid: PaymentId) -> bool {
        let p = &mut self.arena[pid];
        let refunded = p.txn & (super::txn::bits::REFUND | super::txn::bits::ACCEPTED)
            == super::txn::bits::REFUND | super::txn::bits::ACCEPTED;
        let charged = p.dispute & bits::CHARGED != 0;
        if charged || (p.credited > 0 && !refunded && !p.has(Flags::CHARGED_BACK)) {
            return true;
        }
        p.dispute &= !bits::REASON;
        false
    }

    fn raise_dispute(&mut self, pid: PaymentId) {
        let Some(d) = self.s.disputes.as_ref() else {
            return;
        };
        self.out.disputes += 1;
        let u = unit(self.word(pid, slot::RETRIEVAL));
        if u < d.retrieval_share {
            let at = self.q.now().saturating_add(d.retrieval_deadline);
            self.arena[pid].dispute |= bits::RETRIEVAL;
            self.out.retrieval_requests += 1;
            if T::ON {
                self.trace(pid, |_| Step::Note("trace.note.issuer_retrieval_request"));
            }
            if at <= self.horizon {
                let step = DisputeStep::RetrievalDue;
                self.schedule(at, Ev::Dispute { pid, step });
            }
        } else {
            self.dispute_chargeback(pid);
        }
    }

    /// The retrieval request's deadline: the merchant's slip settles a dispute about goods or
    /// a processing error (by the payment's draw), anything else is charged back.
    fn retrieval_due(&mut self, pid: PaymentId) {
        let Some(d) = self.s.disputes.as_ref() else {
            return;
        };
        let answered = unit(self.word(pid, slot::RETRIEVAL_ANSWER)) < d.merchant_answers;
        let reason = self.arena[pid].dispute & bits::REASON;
        if !answered {
            self.out.retrievals_unanswered += 1;
            if T::ON {
                self.trace(pid, |_| {
                    Step::Note("trace.note.gateway_retrieval_unanswered")
                });
            }
            self.dispute_chargeback(pid);
            return;
        }
        // Given the retrieval request, its word's place below `retrieval_share` is uniform.
        let v = unit(self.word(pid, slot::RETRIEVAL)) / d.retrieval_share;
        if matches!(reason, bits::GOODS | bits::PROCESSING) && v < d.answer_resolves {
            self.out.retrievals_resolved += 1;
            self.arena[pid].dispute &= !bits::REASON;
            if T::ON {
                self.trace(pid, |_| Step::Note("trace.note.gateway_retrieval_resolves"));
            }
        } else {
            if T::ON {
                self.trace(pid, |_| Step::Note("trace.note.gateway_retrieval_answered"));
            }
            self.dispute_chargeback(pid);
        }
    }

    /// The issuer charges the sale back; the acquirer side, if it bears it, may represent.
    fn dispute_chargeback(&mut self, pid: PaymentId) {
        let Some(d) = self.s.disputes.as_ref() else {
            return;
        };
        let (represent_share, wait) = (d.represent_share, d.representment_time);
        let reason = self.arena[pid].dispute & bits::REASON;
        self.arena[pid].dispute |= bits::CHARGED;
        self.out.chargebacks_by[family(reason)] += 1;
        if T::ON {
            self.trace(pid, |_| {
                Step::Note(match reason {
                    bits::FRAUD => "trace.note.payout_real_cardholder_disputes_sale",
                    bits::PROCESSING => "trace.note.issuer_chargeback_processing",
                    bits::LATE => "trace.note.issuer_chargeback_late",
                    bits::DUPLICATE => "trace.note.issuer_chargeback_duplicate",
                    _ => "trace.note.issuer_chargeback_goods",
                })
            });
        }
        let liability = self.liability_of(&self.arena[pid]);
        self.chargeback(pid, liability);
        // (A duplicate is not represented: the acquirer's own records show the second charge.)
        let represent = liability != Liability::Issuer
            && reason != bits::DUPLICATE
            && unit(self.word(pid, slot::REPRESENT)) < represent_share;
        if represent {
            self.arena[pid].dispute |= bits::REPRESENTED;
            self.out.representments += 1;
            if T::ON {
                self.trace(pid, |_| Step::Note("trace.note.gateway_representment"));
            }
            let at = self.q.now().saturating_add(wait);
            if at <= self.horizon {
                self.schedule(
                    at,
                    Ev::Dispute {
                        pid,
                        step: DisputeStep::Decide,
                    },
                );
            }
        }
    }

    /// The issuer decides on the representment: accepted, the money goes back to whoever bore
    /// the chargeback, from the cardholder again (or, for a fraud, from the issuer).
    fn decide_representment(&mut self, pid: PaymentId) {
        let Some(d) = self.s.disputes.as_ref() else {
            return;
        };
        let won = unit(self.word(pid, slot::REPRESENT_WIN)) < d.represent_wins;
        let p = self.arena[pid];
        self.arena[pid].dispute &= !bits::REPRESENTED;
        if !won {
            if T::ON {
                self.trace(pid, |_| {
                    Step::Note("trace.note.issuer_representment_refused")
                });
            }
            return;
        }
        self.out.representments_won += 1;
        let bore = self.liability_of(&p);
        let to = loss_account(bore);
        let amt = p.amount;
        self.out.chargeback_loss[bore as usize] -= amt;
        let fraud = p.dispute & bits::REASON == bits::FRAUD;
        let from = if fraud {
            // The real cardholder keeps the refund: the issuer bears the fraud.
            self.out.chargeback_loss[Liability::Issuer as usize] += amt;
            Account::IssuerLoss
        } else {
            Account::Cardholders
        };
        let q = &mut self.arena[pid];
        q.dispute |= bits::WON;
        if bore == Liability::Merchant {
            q.credited += amt;
        }
        if !fraud {
            // The cardholder is debited again: the sale stands, as settled before.
            q.charged += amt;
            q.clear(Flags::CHARGED_BACK);
            q.issuer_state = Iss::Posted;
            let (i, a) = (q.issuer, q.account);
            self.nodes.accounts[i as usize].force_debit(a, amt);
        }
        self.books.ledger.post(from, to, amt);
        if T::ON {
            self.trace(pid, |_| {
                Step::Note("trace.note.issuer_representment_accepted")
            });
            self.trace_post(pid, from, to, amt);
        }
    }
}

/// The account a chargeback borne by `l` is taken from.
pub(in crate::model) fn loss_account(l: Liability) -> Account {
    match l {
        Liability::Merchant => Account::Merchants,
        Liability::Acquirer => Account::AcquirerLoss,
        Liability::Issuer => Account::IssuerLoss,
    }
}

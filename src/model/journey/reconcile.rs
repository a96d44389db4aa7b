//! Reconciliation: a scheduled comparison of the acquirer's, the channels' and the issuers'
//! records and the suspense account. A mismatch (a *break*) is found by the first run at least
//! the detection delay after it arose, and repaired a repair time later: the cardholder is
//! refunded, or the merchant credited. Without reconciliation the breaks stay until something
//! else ends them (a hold's expiry, a merchant's correction) or the end of observation.
//! Against the scheme's file only (`source = "scheme_file"`), a hold on a dual-message network
//! that nobody presented is not in the file: that break is never found.

use crate::engine::Nanos;
use crate::model::PaymentId;
use crate::model::World;
use crate::model::event::Ev;
use crate::model::ledger::Account;
use crate::model::payment::{AcquirerState as Acq, Flags, IssuerState as Iss, Payment};
use crate::model::trace::{Step, Tracer};
use crate::scenario::{ReconSource, ReconSpec};

/// What kind of mismatch a payment is (indexed like `RunOutput::breaks_found`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(in crate::model) enum Break {
    /// The till showed no sale, but the issuer holds or took the cardholder's money.
    PhantomCharge,
    /// The acquirer and the issuer disagree about a reversal: the acquirer host believes it
    /// reversed a payment the issuer still charges (its store-and-forward reversal expired
    /// unacknowledged), or the issuer applied a reversal the acquirer does not know of and
    /// the acquirer holds a sale the issuer no longer backs (a switch's timeout reversal of a
    /// first attempt whose idempotency key a retry had already reused).
    ReversalMismatch,
    /// The acquirer cleared a sale the issuer had no hold for (an exception).
    UnmatchedPresentment,
    /// A payout came back from the merchant's account and waits in suspense.
    ReturnedPayout,
}

/// The kind of break a payment is, if any.
pub(in crate::model) fn break_of(p: &Payment) -> Option<Break> {
    if p.has(Flags::RETURNED) {
        Some(Break::ReturnedPayout)
    } else if p.has(Flags::EXCEPTION) {
        Some(Break::UnmatchedPresentment)
    } else if (!p.till_approved() || p.acquirer == Acq::Reversed)
        && p.charged > 0
        && !p.has(Flags::CHARGED_BACK)
    {
        // A failed sale the cardholder paid for, or a sale the acquirer reversed after the
        // till approved it (a fraud stopped by its review) whose reversal has not arrived.
        if p.has(Flags::SAF) && !p.has(Flags::SAF_ACKED) {
            Some(Break::ReversalMismatch)
        } else {
            Some(Break::PhantomCharge)
        }
    } else if unbacked_sale(p) {
        Some(Break::ReversalMismatch)
    } else {
        None
    }
}

/// The acquirer holds a sale whose authorisation the issuer has reversed: it will surface at
/// presentment as an unmatched presentment (an exception), which reconciliation repairs; until
/// then it is an open reversal mismatch. The reversal may have come before the sale's approval
/// reached the issuer (`ReversedFirst`): a channel's timeout reversal of one attempt of an
/// idempotent sale overtaking the stand-in advice of another attempt under the same key.
pub(in crate::model) fn unbacked_sale(p: &Payment) -> bool {
    matches!(p.acquirer, Acq::Approved | Acq::Cleared)
        && !p.has(Flags::EXCEPTION)
        && p.charged == 0
        && matches!(
            p.issuer_state,
            Iss::Released | Iss::Refunded | Iss::ReversedFirst
        )
        && !p.has(Flags::CHARGED_BACK | Flags::REPAIRED)
}

/// The first reconciliation run at or after `t`.
pub(in crate::model) fn run_at_or_after(r: &ReconSpec, t: Nanos) -> Nanos {
    if t <= r.at {
        return r.at;
    }
    let k = (t - r.at).div_ceil(r.interval);
    r.at.saturating_add(k.saturating_mul(r.interval))
}

impl<T: Tracer> World<'_, T> {
    /// If reconciliation is on and the payment is a break it has not yet planned for, plans
    /// the run that will find it; returns whether it did (the event keeps the payment).
    pub(in crate::model) fn schedule_break(&mut self, pid: PaymentId) -> bool {
        let Some(r) = &self.s.reconciliation else {
            return false;
        };
        let now = self.q.now();
        let p = self.arena[pid];
        if p.has(Flags::BREAK_PENDING) {
            return false;
        }
        let Some(kind) = break_of(&p) else {
            return false;
        };
        if unbacked_sale(&p) {
            return false; // its presentment, not a run, finds it (an unmatched presentment)
        }
        let arose = if p.t_break > 0 { p.t_break } else { now };
        let found = run_at_or_after(r, arose.saturating_add(r.detection_delay).max(now));
        if kind == Break::PhantomCharge || kind == Break::ReversalMismatch {
            let expiry = self.s.issuers[p.issuer as usize].hold_expiry;
            if p.issuer_state == Iss::Held && p.t_held.saturating_add(expiry) <= found {
                return false; // the hold lapses before any run can see it
            }
            let presented = matches!(p.acquirer, Acq::Approved | Acq::Cleared);
            if p.issuer_state == Iss::Held && !presented && r.source == ReconSource::SchemeFile {
                // Nobody will present the hold: the scheme's file, all the run compares the
                // acquirer's records with, does not show it.
                return false;
            }
        }
        if found > self.horizon {
            return false;
        }
        let q = &mut self.arena[pid];
        q.t_break = arose;
        q.set(Flags::BREAK_PENDING);
        self.schedule(found, Ev::BreakFound { pid });
        true
    }

    /// A reconciliation run finds the break (if it is still one) and opens its repair.
    pub(in crate::model) fn break_found(&mut self, pid: PaymentId) {
        let Some(r) = &self.s.reconciliation else {
            return;
        };
        let repair = r.repair_time;
        let p = self.arena[pid];
        let Some(kind) = break_of(&p).filter(|_| !unbacked_sale(&p)) else {
            return; // resolved meanwhile (a late acknowledgement, a merchant's correction)
        };
        self.arena[pid].set(Flags::BREAK_FOUND);
        self.out.breaks_found[kind as usize] += 1;
        if T::ON {
            self.trace(pid, |_| {
                Step::Note(match kind {
                    Break::PhantomCharge | Break::ReversalMismatch => {
                        "trace.note.reconcile_reconciliation_finds_issuer_holding"
                    }
                    Break::UnmatchedPresentment => {
                        "trace.note.reconcile_reconciliation_finds_unmatched_presentment"
                    }
                    Break::ReturnedPayout => {
                        "trace.note.reconcile_reconciliation_finds_returned_payout"
                    }
                })
            });
        }
        let at = self.q.now().saturating_add(repair);
        if at <= self.horizon {
            self.schedule(at, Ev::BreakRepair { pid });
        }
    }

    /// The break is repaired: the cardholder refunded, or the merchant credited.
    pub(in crate::model) fn break_repair(&mut self, pid: PaymentId) {
        let now = self.q.now();
        let p = self.arena[pid];
        let Some(kind) = break_of(&p).filter(|_| !unbacked_sale(&p)) else {
            return;
        };
        match kind {
            Break::PhantomCharge | Break::ReversalMismatch => {
                self.refund_cardholder(pid);
                let q = &mut self.arena[pid];
                if q.has(Flags::SAF) {
                    q.set(Flags::SAF_ACKED); // the host's belief is corrected
                }
                q.acquirer = Acq::Reversed;
            }
            Break::UnmatchedPresentment => {
                let q = &mut self.arena[pid];
                q.clear(Flags::EXCEPTION);
                if p.till_approved() {
                    // The issuer posts the presentment after all; the sale is paid on.
                    q.issuer_state = Iss::Posted;
                    q.charged += q.amount;
                    q.set(Flags::PAID_ON);
                    self.nodes.accounts[p.issuer as usize].force_debit(p.account, p.amount);
                    if self.disputes_on {
                        self.check_presentment(pid);
                    }
                    self.books.ledger.post(
                        Account::Cardholders,
                        Account::IssuerHolds(p.issuer),
                        p.amount,
                    );
                    self.post_interbank(p.issuer, p.channel, p.amount);
                    if T::ON {
                        let (i, c, a) = (p.issuer, p.channel, p.amount);
                        self.trace_post(pid, Account::Cardholders, Account::IssuerHolds(i), a);
                        self.trace_post(pid, Account::IssuerHolds(i), Account::Channel(c), a);
                        self.trace_post(pid, Account::Channel(c), Account::Acquirer, a);
                    }
                    if p.has(Flags::ADVANCED) {
                        self.maybe_chargeback(pid);
                    } else {
                        self.payout_due(pid);
                    }
                } else {
                    // No sale at the till: the acquirer writes the presentment off, and takes
                    // back a D+0 advance the merchant was paid for it.
                    q.acquirer = Acq::Reversed;
                    if p.has(Flags::ADVANCED) {
                        self.recover_payout(pid);
                    }
                }
            }
            Break::ReturnedPayout => self.payout_corrected(pid),
        }
        self.arena[pid].set(Flags::REPAIRED);
        let age = now.saturating_sub(p.t_break);
        let out = &mut self.out;
        out.breaks_repaired += 1;
        out.repaired_age_sum += age as u128;
        out.repaired_age_max = out.repaired_age_max.max(age);
        if T::ON {
            self.trace(pid, |_| {
                Step::Note(match kind {
                    Break::UnmatchedPresentment if p.till_approved() => {
                        "trace.note.reconcile_break_repaired_issuer_posts"
                    }
                    Break::UnmatchedPresentment => {
                        "trace.note.reconcile_break_repaired_presentment_written"
                    }
                    Break::ReturnedPayout => "trace.note.reconcile_break_repaired_payout_sent",
                    _ => "trace.note.reconcile_break_repaired_cardholder_gets",
                })
            });
        }
    }
}

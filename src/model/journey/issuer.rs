//! The issuing bank: its queue, the authorisation decision on the cardholder's account (a hold
//! for a dual-message channel, a posted debit for a single-message one), stand-in advices, and
//! reversals: a hold is released, a posted debit refunded.

use crate::model::PaymentId;
use crate::model::World;
use crate::model::event::{Msg, ToChannel, ToIssuer};
use crate::model::ledger::Account;
use crate::model::payment::{Flags, IssuerState as Iss, code, slot};
use crate::model::topology::{Dir, LinkId};
use crate::model::trace::{Step, Tracer};
use crate::scenario::MessageFlow;

impl<T: Tracer> World<'_, T> {
    /// A message reaches the payment's issuer.
    pub(in crate::model) fn at_issuer(&mut self, pid: PaymentId, m: ToIssuer) {
        let p = self.arena[pid];
        let st = self.topo.issuer(p.issuer);
        let link = LinkId::ChannelIssuer(p.channel, p.issuer);
        match m {
            ToIssuer::Request => self.request_at(pid, st, Msg::Issuer(m)),
            ToIssuer::Reversal(r) => {
                if self.reachable(pid, st, Msg::Issuer(m)) {
                    let target = if self.retry.idem {
                        self.retry_reversal_target(pid)
                    } else {
                        pid
                    };
                    self.issuer_reversal(target);
                    let ack = Msg::Channel(ToChannel::ReversalAck(r));
                    self.send(pid, link, Dir::Down, ack);
                }
            }
            ToIssuer::Advice(_) => {
                if self.reachable(pid, st, Msg::Issuer(m)) {
                    let target = if self.retry.idem {
                        self.retry_reversal_target(pid)
                    } else {
                        pid
                    };
                    self.apply_stand_in(target);
                    self.send(pid, link, Dir::Down, Msg::Channel(ToChannel::AdviceAck));
                }
            }
        }
    }

    /// What the issuer's approval does to the cardholder's money on this payment's channel.
    /// (A pre-authorisation only holds the money, whatever the flow: its completion posts it.)
    fn approved_state(&self, p: &crate::model::payment::Payment) -> Iss {
        match self.s.channels[p.channel as usize].flow {
            MessageFlow::Dual => Iss::Held,
            _ if p.txn & super::txn::bits::PREAUTH != 0 => Iss::Held,
            MessageFlow::Single => Iss::Posted,
        }
    }

    /// The issuer decides; an approval holds (dual message) or posts (single message) the
    /// funds on the cardholder's account.
    pub(in crate::model) fn issuer_decide(&mut self, pid: PaymentId) {
        if self.retry.idem && self.retry_issuer_decide(pid) {
            return; // answered from the idempotency key
        }
        let rcode = self.issuer_decision(pid);
        let p = self.arena[pid];
        self.send(
            pid,
            LinkId::ChannelIssuer(p.channel, p.issuer),
            Dir::Down,
            Msg::Channel(ToChannel::Response(rcode)),
        );
    }

    /// The issuer's decision on a payment, and what it does to the cardholder's money.
    pub(in crate::model) fn issuer_decision(&mut self, pid: PaymentId) -> u8 {
        let now = self.q.now();
        let p = self.arena[pid];
        let rcode = if p.issuer_state == Iss::ReversedFirst {
            // The reversal overtook the request: the issuer refuses the late original.
            code::DO_NOT_HONOUR
        } else if p.has(Flags::ADVICE_APPLIED) || p.issuer_has_funds() {
            // The stand-in advice got here first: the original is a duplicate.
            code::DUPLICATE
        } else if p.input != 0 && matches!(p.input, code::EXPIRED_CARD | code::WRONG_PIN) {
            // The cardholder's own error, drawn at the sale (`wrong_pin_share`,
            // `expired_card_share`) or a fault's bad input: refused before the account.
            p.input
        } else if let Some(c) = self.faults_on.then(|| self.issuer_faults(pid)).flatten() {
            c
        } else {
            let dnh = self.word(pid, slot::DO_NOT_HONOUR);
            self.nodes.accounts[p.issuer as usize].authorise(
                p.account,
                p.amount,
                p.has(Flags::MISKEYED),
                dnh,
            )
        };
        let approved_state = self.approved_state(&p);
        let q = &mut self.arena[pid];
        if rcode == code::APPROVED {
            q.issuer_state = approved_state;
            q.t_held = now;
            q.charged += q.amount;
            self.books.ledger.post(
                Account::Cardholders,
                Account::IssuerHolds(p.issuer),
                p.amount,
            );
        } else if q.issuer_state == Iss::Unseen {
            q.issuer_state = Iss::Declined;
        }
        if rcode != code::APPROVED {
            self.blame(pid, crate::model::cause::of_code(rcode));
        }
        if T::ON {
            let st = self.topo.issuer(p.issuer);
            self.trace(pid, |w| Step::Decided {
                by: "issuer",
                at: w.nodes.stations[st.index()].id.clone(),
                code: rcode,
            });
            if rcode == code::APPROVED {
                self.trace(pid, |_| match approved_state {
                    Iss::Posted => Step::Note("trace.note.issuer_debit_posted_cardholder_s"),
                    _ => Step::Held,
                });
                self.trace_post(
                    pid,
                    Account::Cardholders,
                    Account::IssuerHolds(p.issuer),
                    p.amount,
                );
            }
        }
        rcode
    }

    /// What the scenario's faults make the issuer answer, if anything: an account fault
    /// (blamed here). (Bad input it checks, 54 and 55, is answered before: the fault was
    /// blamed at the sale.)
    #[inline(never)]
    fn issuer_faults(&mut self, pid: PaymentId) -> Option<u8> {
        let (c, cause) = self.account_faults(pid)?;
        self.blame(pid, cause);
        Some(c)
    }

    /// Takes the cardholder's money for a sale the channel approved on the issuer's behalf
    /// (the advice, or a presentment that arrives before it), whatever the balance: the
    /// account may go below zero, the stand-in risk the issuer accepts. Nothing is taken if
    /// the issuer already holds the funds or the payment was reversed.
    pub(in crate::model) fn apply_stand_in(&mut self, pid: PaymentId) {
        let p = self.arena[pid];
        if p.has(Flags::ADVICE_APPLIED) {
            return;
        }
        let approved_state = self.approved_state(&p);
        let q = &mut self.arena[pid];
        q.set(Flags::ADVICE_APPLIED);
        match q.issuer_state {
            Iss::Unseen | Iss::Declined => {}
            Iss::Held | Iss::Posted => return, // it approved the original itself
            _ => {
                // The sale was reversed first (with idempotency, a channel's timeout reversal
                // of another attempt under the same key can overtake the advice): nothing to
                // post, and the acquirer's sale will find no hold at presentment.
                if T::ON {
                    self.trace(pid, |_| {
                        Step::Note("trace.note.issuer_advice_finds_sale_reversed")
                    });
                }
                return;
            }
        }
        q.issuer_state = approved_state;
        q.t_held = self.q.now();
        q.charged += q.amount;
        self.nodes.accounts[p.issuer as usize].force_debit(p.account, p.amount);
        self.books.ledger.post(
            Account::Cardholders,
            Account::IssuerHolds(p.issuer),
            p.amount,
        );
        self.trace_post(
            pid,
            Account::Cardholders,
            Account::IssuerHolds(p.issuer),
            p.amount,
        );
        if T::ON {
            self.trace(pid, |_| {
                Step::Note("trace.note.issuer_issuer_applies_stand_advice")
            });
        }
    }

    /// A reversal reaches the issuer: a hold is released; a posted debit is refunded (a credit
    /// adjustment), and if the money had already gone on towards the merchant it is taken
    /// back from wherever it is.
    fn issuer_reversal(&mut self, pid: PaymentId) {
        let p = &mut self.arena[pid];
        match p.issuer_state {
            Iss::Held => {
                self.refund_cardholder(pid); // releases the hold
                if T::ON {
                    self.trace(pid, |_| Step::Released);
                }
            }
            Iss::Posted => {
                self.refund_cardholder(pid);
                self.out.refunds += 1;
                if T::ON {
                    self.trace(pid, |_| {
                        Step::Note("trace.note.issuer_reversal_arrives_after_debit")
                    });
                }
            }
            Iss::Unseen => p.issuer_state = Iss::ReversedFirst,
            _ => {}
        }
    }

    /// Money already paid out towards the merchant goes back to the acquirer: from the
    /// merchant if credited, else from suspense or the merchant-risk hold; a payout not yet
    /// made is cancelled.
    pub(in crate::model) fn recover_payout(&mut self, pid: PaymentId) {
        let p = self.arena[pid];
        if p.has(Flags::PAID_OUT) {
            self.return_fees(pid);
        }
        let amt = self.net(&p);
        let l = &mut self.books.ledger;
        let q = &mut self.arena[pid];
        let first_back =
            q.credited > 0 || q.has(Flags::RETURNED | Flags::ON_RAIL | Flags::IN_RISK_HOLD);
        if q.credited > 0 {
            l.post(Account::Merchants, Account::Acquirer, amt);
            q.credited -= amt;
            self.out.merchant_debits += 1;
        } else if q.has(Flags::RETURNED) {
            l.post(Account::Suspense, Account::Acquirer, amt);
        } else if q.has(Flags::ON_RAIL) {
            l.post(Account::PayoutRail, Account::Acquirer, amt);
        } else if q.has(Flags::IN_RISK_HOLD) {
            l.post(Account::RiskHold, Account::Acquirer, amt);
        }
        q.clear(
            Flags::RETURNED
                | Flags::ON_RAIL
                | Flags::IN_RISK_HOLD
                | Flags::PAYOUT_DUE
                | Flags::PAID_OUT,
        );
        if p.rail != 0 {
            self.rail_void(pid, first_back);
        }
    }

    /// Gives the cardholder the money back: a hold is released, a posted debit refunded. Money
    /// already paid out towards the merchant (a D+0 advance, a settled payout) is first taken
    /// back: from the merchant if credited, else from suspense or the merchant-risk hold; and
    /// money the issuer had paid on goes back acquirer → channel → issuer.
    #[inline(never)]
    pub(in crate::model) fn refund_cardholder(&mut self, pid: PaymentId) {
        let p = self.arena[pid];
        let net = self.net(&p);
        self.recover_payout(pid);
        if T::ON {
            let back = if p.credited > 0 {
                Some(Account::Merchants)
            } else if p.has(Flags::RETURNED) {
                Some(Account::Suspense)
            } else if p.has(Flags::ON_RAIL) {
                Some(Account::PayoutRail)
            } else if p.has(Flags::IN_RISK_HOLD) {
                Some(Account::RiskHold)
            } else {
                None
            };
            if let Some(from) = back {
                self.trace_post(pid, from, Account::Acquirer, net);
            }
        }
        self.money_back_to_cardholder(pid);
    }

    /// The cardholder's money goes back: acquirer → channel → issuer if the issuer had paid
    /// on, then the hold is released or the posted debit refunded.
    #[inline(never)]
    pub(in crate::model) fn money_back_to_cardholder(&mut self, pid: PaymentId) {
        let p = self.arena[pid];
        let (i, c, amt) = (p.issuer, p.channel, p.amount);
        let l = &mut self.books.ledger;
        let q = &mut self.arena[pid];
        if q.has(Flags::PAID_ON) {
            q.clear(Flags::PAID_ON);
            l.post(Account::Acquirer, Account::Channel(c), amt);
            l.post(Account::Channel(c), Account::IssuerHolds(i), amt);
        }
        q.issuer_state = if q.issuer_state == Iss::Held {
            Iss::Released
        } else {
            Iss::Refunded
        };
        q.charged -= amt;
        self.nodes.accounts[i as usize].release(p.account, amt);
        self.books
            .ledger
            .post(Account::IssuerHolds(i), Account::Cardholders, amt);
        if T::ON {
            if p.has(Flags::PAID_ON) {
                self.trace_post(pid, Account::Acquirer, Account::Channel(c), amt);
                self.trace_post(pid, Account::Channel(c), Account::IssuerHolds(i), amt);
            }
            self.trace_post(pid, Account::IssuerHolds(i), Account::Cardholders, amt);
        }
    }
}

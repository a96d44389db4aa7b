//! The merchant's money in full (`[fees]`): when the money leaves the acquirer towards the
//! merchant (its payout, or the risk hold before it), the sale's gross splits into the
//! merchant's net and the fees: interchange to the issuer (which pays the scheme its fee), the
//! scheme's fee on the acquirer's side, and the acquirer's revenue, each a posting. A payout
//! taken back (a reversal after a D+0 advance, a confirmed fraud) takes its fees back too.
//!
//! Without `[fees]` the split is the gross and nothing else: no posting, one test per payout.

use crate::model::PaymentId;
use crate::model::World;
use crate::model::ledger::Account;
use crate::model::payment::{Flags, Payment, slot};
use crate::model::trace::{Step, Tracer};
use crate::scenario::fees::{Discount, Split};

impl<T: Tracer> World<'_, T> {
    /// The split of the payment's gross as the acquirer pays it out (its actual discount
    /// rate, a mis-set one included); the gross alone without `[fees]`.
    #[inline]
    pub(in crate::model) fn split(&self, p: &Payment) -> Split {
        if self.fees_on {
            self.fee_split(p, true)
        } else {
            Split {
                net: p.amount,
                ..Split::default()
            }
        }
    }

    /// What the merchant is paid for `p`: the gross less its discount.
    #[inline]
    pub(in crate::model) fn net(&self, p: &Payment) -> i64 {
        if self.fees_on {
            self.fee_split(p, true).net
        } else {
            p.amount
        }
    }

    /// What the merchant's agreement says it is paid for `p` (at the agreed rate).
    pub(in crate::model) fn agreed_net(&self, p: &Payment) -> i64 {
        if self.fees_on {
            self.fee_split(p, false).net
        } else {
            p.amount
        }
    }

    #[cold]
    #[inline(never)]
    fn fee_split(&self, p: &Payment, actual: bool) -> Split {
        let Some(fees) = &self.s.fees else {
            return Split::default();
        };
        let mut discount = fees.discount[p.group as usize];
        if actual
            && self.faults_on
            && let Some((ppm, _)) = self.fee_fault(p)
        {
            discount = Discount { ppm, ..discount };
        }
        let word = self.nodes.groups[p.group as usize]
            .words
            .word(p.gserial as u64, slot::CARD_KIND);
        let credit = crate::engine::rng::chance(word, fees.credit_share);
        fees.split(p.amount, discount, credit, p.has(Flags::ADVANCED))
    }

    /// Whether the payment's merchant is paid less than its agreement says (a mis-set fee).
    #[inline(never)]
    pub(in crate::model) fn paid_short(&self, p: &Payment) -> bool {
        self.fee_faults && self.net(p) < self.agreed_net(p)
    }

    /// The money leaves the acquirer towards the merchant: the fees are taken (posted) and
    /// the merchant's net is returned, to be moved on by the caller.
    pub(in crate::model) fn take_fees(&mut self, pid: PaymentId) -> i64 {
        let p = self.arena[pid];
        if !self.fees_on {
            return p.amount;
        }
        let s = self.split(&p);
        self.post_fees(&s, false);
        if T::ON {
            let (gross, fee, net) = (p.amount, s.fee, s.net);
            let agreed = self.agreed_net(&p);
            self.trace(pid, |_| {
                let m = crate::scenario::units::format_money;
                let mut args = vec![("gross", m(gross)), ("fee", m(fee)), ("net", m(net))];
                if net < agreed {
                    args.push(("agreed", m(agreed)));
                    Step::Says("trace.says.fees_mis_set", args)
                } else {
                    Step::Says("trace.says.fees_taken", args)
                }
            });
            for (from, to, amount) in fee_postings(&s) {
                self.trace_post(pid, from, to, amount);
            }
        }
        s.net
    }

    /// A payout taken back: its fees go back to the acquirer.
    pub(in crate::model) fn return_fees(&mut self, pid: PaymentId) {
        if !self.fees_on {
            return;
        }
        let p = self.arena[pid];
        let s = self.split(&p);
        self.post_fees(&s, true);
        if T::ON {
            for (from, to, amount) in fee_postings(&s) {
                self.trace_post(pid, to, from, amount);
            }
        }
    }

    /// Posts a split's fees (or, `back`, their reversal).
    pub(in crate::model) fn post_fees(&mut self, s: &Split, back: bool) {
        for (from, to, amount) in fee_postings(s) {
            if back {
                self.books.ledger.post(to, from, amount);
            } else {
                self.books.ledger.post(from, to, amount);
            }
        }
    }
}

/// A split's fee postings: interchange to the issuers, the scheme's fees from both sides and
/// the acquirer's revenue (a negative revenue is posted the other way).
fn fee_postings(s: &Split) -> [(Account, Account, i64); 4] {
    let revenue = if s.revenue >= 0 {
        (Account::Acquirer, Account::AcquirerRevenue, s.revenue)
    } else {
        (Account::AcquirerRevenue, Account::Acquirer, -s.revenue)
    };
    [
        (Account::Acquirer, Account::IssuerFees, s.interchange),
        (Account::Acquirer, Account::SchemeFees, s.scheme_acquirer),
        (Account::IssuerFees, Account::SchemeFees, s.scheme_issuer),
        revenue,
    ]
}

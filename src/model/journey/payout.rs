//! The last mile: the payout to the merchant's settlement account. T+N with the interbank
//! settlement or D+0 instantly up to a daily cap; held by the acquirer's merchant risk control
//! for review; delayed by the receiving bank's maintenance windows; returned from a wrong
//! account into suspense until the merchant corrects it; and, for fraud, charged back.

use crate::engine::rng::unit;
use crate::engine::{DAY, Nanos};
use crate::model::PaymentId;
use crate::model::World;
use crate::model::cause;
use crate::model::event::Ev;
use crate::model::ledger::Account;
use crate::model::payment::{AcquirerState as Acq, Flags, Payment, slot};
use crate::model::trace::{Step, Tracer};
use crate::model::world::merchant_slot;
use crate::scenario::{Liability, PayoutSchedule};

/// Whether time of day `tod` lies in the daily window `[a, b)` (which may wrap midnight).
pub(in crate::model) fn in_window(tod: Nanos, (a, b): (Nanos, Nanos)) -> bool {
    if a <= b {
        (a..b).contains(&tod)
    } else {
        tod >= a || tod < b
    }
}

impl<T: Tracer> World<'_, T> {
    /// The first instant at or after `t` outside every maintenance window of the receiving
    /// bank.
    fn after_maintenance(&self, mut t: Nanos) -> Nanos {
        let windows = &self.s.payout.bank_maintenance;
        // Windows may touch one another: step out of each in turn (a few at most).
        for _ in 0..=windows.len() {
            let Some(&(a, b)) = windows.iter().find(|w| in_window(t % DAY, **w)) else {
                break;
            };
            let day = t - t % DAY;
            t = if a <= b || t % DAY < b {
                day + b
            } else {
                day + DAY + b
            };
        }
        t
    }

    /// The merchant's payout is due (the interbank money has reached the acquirer, or a D+0
    /// advance is made): held for review, delayed by a maintenance window, or made now.
    pub(in crate::model) fn payout_due(&mut self, pid: PaymentId) {
        let now = self.q.now();
        let p = self.arena[pid];
        if p.has(Flags::MERCHANT_HOLD) && !p.has(Flags::IN_RISK_HOLD) {
            self.blame(pid, cause::id::MERCHANT_RISK_HOLD);
            let net = self.take_fees(pid);
            self.books
                .ledger
                .post(Account::Acquirer, Account::RiskHold, net);
            self.trace_post(pid, Account::Acquirer, Account::RiskHold, net);
            let q = &mut self.arena[pid];
            q.set(Flags::IN_RISK_HOLD | Flags::PAID_OUT);
            let review = match (self.merchant_rule_review(pid), &self.s.merchant_risk) {
                (Some(r), _) => r,
                (None, Some(m)) => m
                    .review_time
                    .quantile_ns(unit(self.word(pid, slot::MERCHANT_REVIEW))),
                (None, None) => 0,
            };
            let review = if self.upkeep_on {
                self.merchant_review_capped(review)
            } else {
                review
            };
            if T::ON {
                self.trace(pid, |_| {
                    Step::Note("trace.note.payout_merchant_risk_control_holds")
                });
            }
            let at = now.saturating_add(review);
            if at <= self.horizon {
                self.schedule(at, Ev::MerchantReviewDone { pid });
            }
            return;
        }
        if self.pay_when_bank_open(pid) {
            self.out.payouts_delayed += 1;
            self.blame(pid, cause::id::BANK_MAINTENANCE);
            if T::ON {
                self.trace(pid, |_| {
                    Step::Note("trace.note.payout_merchant_s_bank_maintenance")
                });
            }
        }
    }

    /// Makes the due payout now, or schedules it for the end of the receiving bank's
    /// maintenance window; returns whether it had to wait.
    fn pay_when_bank_open(&mut self, pid: PaymentId) -> bool {
        self.arena[pid].set(Flags::PAYOUT_DUE);
        let now = self.q.now();
        let at = self.after_maintenance(now);
        if at == now {
            self.payout_now(pid);
            return false;
        }
        if at <= self.horizon {
            self.schedule(at, Ev::Payout { pid });
        }
        true
    }

    /// The payout goes to the merchant's account: credited, or returned into suspense if the
    /// account details are wrong.
    pub(in crate::model) fn payout_now(&mut self, pid: PaymentId) {
        let p = &mut self.arena[pid];
        if !p.has(Flags::PAYOUT_DUE) {
            return; // refunded meanwhile
        }
        p.clear(Flags::PAYOUT_DUE);
        let from = if p.has(Flags::IN_RISK_HOLD) {
            Account::RiskHold
        } else {
            Account::Acquirer
        };
        p.clear(Flags::IN_RISK_HOLD);
        p.set(Flags::PAID_OUT);
        let amount = if from == Account::Acquirer {
            self.take_fees(pid)
        } else {
            let p = self.arena[pid];
            self.net(&p)
        };
        self.out.payouts += 1;
        if self.rail_on {
            self.rail_submit(pid, from, amount);
            return;
        }
        let Some(why) = self.wrong_details_now(pid) else {
            self.credit_merchant(pid, from);
            return;
        };
        // The payout bounces off the merchant's wrong account (see `returns`).
        self.blame(pid, why);
        self.payout_bounces(pid, from, amount);
    }

    /// Whether a payout made now would bounce off the merchant's account details: wrong from
    /// onboarding, or made wrong by a fault. The cause, if so.
    #[inline]
    pub(in crate::model) fn wrong_details_now(&self, pid: PaymentId) -> Option<u8> {
        if self.wrong_account(pid) {
            Some(cause::id::WRONG_ACCOUNT)
        } else if self.faults_on {
            self.merchant_wrong_details(pid)
        } else {
            None
        }
    }

    /// The merchant corrected its account details: the payout leaves suspense for the merchant.
    pub(in crate::model) fn payout_corrected(&mut self, pid: PaymentId) {
        let p = &mut self.arena[pid];
        if !p.has(Flags::RETURNED) {
            return; // already repaired by reconciliation, or refunded
        }
        p.clear(Flags::RETURNED);
        self.credit_merchant(pid, Account::Suspense);
    }

    /// The payout reaches the merchant's account: the payment is settled, on time or late
    /// against the promise. A fraudulent sale paid on by its issuer is then charged back.
    pub(in crate::model) fn credit_merchant(&mut self, pid: PaymentId, from: Account) {
        if self.caps_on && self.over_account_cap(pid, from) {
            return;
        }
        let now = self.q.now();
        let p = self.arena[pid];
        let net = self.net(&p);
        self.books.ledger.post(from, Account::Merchants, net);
        self.trace_post(pid, from, Account::Merchants, net);
        let on_time = now <= self.promised_by(&p);
        let q = &mut self.arena[pid];
        q.credited += net;
        q.set(Flags::SETTLED);
        if on_time {
            q.set(Flags::ON_TIME);
        }
        self.out.record_settlement(now - p.t_sale);
        if T::ON {
            self.trace(pid, |_| Step::Settled { on_time });
        }
        self.maybe_chargeback(pid);
    }

    /// The latest credit that keeps the promise of the payout product that pays `p`: the
    /// D+0 advance's (`payout.d0_promise`) for an advanced sale, the payout with the
    /// settlement's (`payout.promise`) for any other, including a D+0 sale beyond the daily cap
    /// or held by merchant risk control. A table lookup (see `Calendar::tabled`).
    pub(in crate::model) fn promised_by(&self, p: &Payment) -> Nanos {
        if p.has(Flags::ADVANCED) {
            self.calendar.d0_promised_by(p.t_sale)
        } else {
            self.calendar.promised_by(p.t_sale)
        }
    }

    /// A fraudulent sale, once the issuer has paid it on and the merchant has been credited,
    /// is disputed by the real cardholder and charged back at once; under `[disputes]` any
    /// sale may be disputed, later (`journey::disputes`).
    #[inline]
    pub(in crate::model) fn maybe_chargeback(&mut self, pid: PaymentId) {
        if self.disputes_on {
            return self.plan_dispute(pid);
        }
        let p = &self.arena[pid];
        if p.has(Flags::FRAUD)
            && p.has(Flags::PAID_ON)
            && p.credited > 0
            && !p.has(Flags::CHARGED_BACK)
        {
            if T::ON {
                self.trace(pid, |_| {
                    Step::Note("trace.note.payout_real_cardholder_disputes_sale")
                });
            }
            self.chargeback(pid, self.s.liability);
        }
    }

    /// A chargeback: the sale's amount goes back to the cardholder from whoever `liability`
    /// names (without `[disputes]` a fraud's, posted when the merchant is credited).
    pub(in crate::model) fn chargeback(&mut self, pid: PaymentId, liability: Liability) {
        let p = &mut self.arena[pid];
        let (i, a, amt) = (p.issuer, p.account, p.amount);
        let from = super::disputes::loss_account(liability);
        if liability == Liability::Merchant {
            p.credited -= amt;
        }
        p.charged -= amt;
        p.set(Flags::CHARGED_BACK);
        if p.cause == cause::id::NONE && p.has(Flags::FRAUD) {
            p.cause = cause::id::FRAUD;
        }
        p.issuer_state = crate::model::payment::IssuerState::Refunded;
        self.nodes.accounts[i as usize].release(a, amt);
        self.books.ledger.post(from, Account::Cardholders, amt);
        self.trace_post(pid, from, Account::Cardholders, amt);
        self.out.chargeback_loss[liability as usize] += amt;
    }

    /// Plans the D+0 payout of an approval, once the terminal can no longer reverse the sale
    /// (its timeout plus a minute for the reversal to arrive).
    pub(in crate::model) fn plan_advance(&mut self, pid: PaymentId) {
        let schedule = self.s.payout.schedule;
        if !schedule.advances() || self.arena[pid].has(Flags::MERCHANT_HOLD) {
            return;
        }
        let now = self.q.now();
        let delay = self.s.strategy.terminal_timeout + 60 * crate::engine::SECOND;
        let mut at = now.saturating_add(delay);
        if schedule == PayoutSchedule::D1 {
            // The next natural day's credit time, weekends and holidays included.
            at = at.max((now / DAY + 1) * DAY + self.s.settlement.credit_time);
        }
        if at <= self.horizon {
            self.schedule(at, Ev::Advance { pid });
        }
    }

    /// The D+0 payout: the acquirer pays the merchant from its own funds, within the
    /// merchant's daily cap (beyond it, the sale waits for the normal settlement).
    pub(in crate::model) fn advance(&mut self, pid: PaymentId) {
        let now = self.q.now();
        let p = self.arena[pid];
        if !matches!(p.acquirer, Acq::Approved | Acq::Cleared) || p.has(Flags::PAID_ON) {
            return; // reversed meanwhile, or already settled the normal way
        }
        if let Some(cap) = self.s.payout.d0_daily_cap {
            let md = self.merchant_day(p.group, p.terminal, now);
            if md.advanced + p.amount > cap {
                self.out.d0_over_cap += 1;
                if T::ON {
                    let d1 = self.s.payout.schedule == PayoutSchedule::D1;
                    self.trace(pid, |_| {
                        Step::Note(if d1 {
                            "trace.note.payout_d_1_cap"
                        } else {
                            "trace.note.payout_merchant_s_d_0"
                        })
                    });
                }
                return;
            }
            md.advanced += p.amount;
        }
        self.arena[pid].set(Flags::ADVANCED);
        self.out.advances += 1;
        if T::ON {
            let d1 = self.s.payout.schedule == PayoutSchedule::D1;
            self.trace(pid, |_| {
                Step::Note(if d1 {
                    "trace.note.payout_d_1_acquirer_pays"
                } else {
                    "trace.note.payout_d_0_acquirer_pays"
                })
            });
        }
        self.payout_due(pid);
    }

    /// The terminal's reversal reaches the acquirer after it advanced the sale D+0: it takes
    /// the advance back from the merchant at once. (Waiting for the reversal to reach the
    /// issuer is not enough: if it never does and the hold lapses, the merchant would keep
    /// money for a sale nobody paid for.)
    #[inline(never)]
    pub(in crate::model) fn take_back_advance(&mut self, pid: PaymentId) {
        let p = self.arena[pid];
        self.recover_payout(pid);
        if T::ON && p.credited > 0 {
            self.trace(pid, |_| Step::Note("trace.note.payout_advance_taken_back"));
            self.trace_post(pid, Account::Merchants, Account::Acquirer, p.credited);
        }
    }

    /// A payout into a personal Class II account beyond the day's inflow cap: the merchant's
    /// bank returns it into suspense, and the acquirer pays it again at the next day's credit
    /// time (when it may meet the cap again). Returns whether it was returned; else the payout
    /// counts against the day's cap.
    #[cold]
    #[inline(never)]
    fn over_account_cap(&mut self, pid: PaymentId, from: Account) -> bool {
        // One draw of the merchant's: Class II below its share, Class III in the next.
        let po = &self.s.payout;
        let u = self.merchant_unit(pid, merchant_slot::PERSONAL);
        let cap = if u < po.personal_account_share {
            po.personal_daily_cap
        } else if u < po.personal_account_share + po.class3_account_share {
            po.class3_daily_cap
        } else {
            return false;
        };
        let now = self.q.now();
        let p = self.arena[pid];
        let net = self.net(&p);
        let md = self.merchant_day(p.group, p.terminal, now);
        if md.received + net <= cap {
            md.received += net;
            return false;
        }
        if from != Account::Suspense {
            self.books.ledger.post(from, Account::Suspense, net);
            self.trace_post(pid, from, Account::Suspense, net);
        }
        let q = &mut self.arena[pid];
        if !q.has(Flags::RETURNED) {
            q.t_break = now;
        }
        q.set(Flags::RETURNED);
        self.out.payouts_over_account_cap += 1;
        self.blame(pid, cause::id::ACCOUNT_CAP);
        if T::ON {
            self.trace(pid, |_| Step::Note("trace.note.payout_over_account_cap"));
        }
        let next = (now / DAY + 1) * DAY + self.s.settlement.credit_time;
        if next <= self.horizon {
            self.schedule(next, Ev::PayoutCorrected { pid });
        }
        self.schedule_break(pid);
        true
    }

    /// The merchant's running figures for the calendar day of `now`.
    fn merchant_day(
        &mut self,
        group: u16,
        terminal: u32,
        now: Nanos,
    ) -> &mut crate::model::world::MerchantDay {
        let md = &mut self.books.merchant_days[group as usize][terminal as usize];
        let day = now / DAY;
        if md.day != day {
            *md = crate::model::world::MerchantDay {
                day,
                ..Default::default()
            };
        }
        md
    }

    /// Whether a sale is over its merchant's limits at the acquirer: above the limit per sale,
    /// or beyond the day's limit with the sales approved so far that calendar day.
    #[cold]
    #[inline(never)]
    pub(in crate::model) fn over_merchant_limit(&mut self, pid: PaymentId) -> bool {
        let p = self.arena[pid];
        let g = &self.s.terminals[p.group as usize];
        let (per_sale, per_day) = (g.sale_limit, g.daily_limit);
        if per_sale.is_some_and(|l| p.amount > l) {
            return true;
        }
        let Some(l) = per_day else { return false };
        let now = self.q.now();
        self.merchant_day(p.group, p.terminal, now).approved + p.amount > l
    }

    /// An approval counts against its merchant's daily limit.
    #[cold]
    #[inline(never)]
    pub(in crate::model) fn count_against_daily_limit(&mut self, pid: PaymentId) {
        let p = self.arena[pid];
        if self.s.terminals[p.group as usize].daily_limit.is_none() {
            return;
        }
        let now = self.q.now();
        self.merchant_day(p.group, p.terminal, now).approved += p.amount;
    }

    /// Merchant risk control screens an approval: a rule may hold its payout for review.
    pub(in crate::model) fn merchant_screen(&mut self, pid: PaymentId) {
        if self.faults_on
            && let Some(c) = self.merchant_rule(pid)
        {
            self.blame(pid, c);
            self.hold_for_merchant_review(pid);
            return;
        }
        let Some(mr) = &self.s.merchant_risk else {
            return;
        };
        let (large, night, count) = (mr.large_sale, mr.night, mr.daily_count);
        let misfire_share = mr.misfire_share;
        let now = self.q.now();
        let p = self.arena[pid];
        let mut hold = self.merchant_chance(pid, merchant_slot::RISK_MISFIRE, misfire_share);
        hold |= large.is_some_and(|l| p.amount >= l);
        hold |= night.is_some_and(|w| in_window(p.t_sale % DAY, w));
        if let Some(n) = count {
            let md = self.merchant_day(p.group, p.terminal, now);
            md.sales += 1;
            hold |= md.sales > n;
        }
        if hold {
            self.hold_for_merchant_review(pid);
        }
    }

    fn hold_for_merchant_review(&mut self, pid: PaymentId) {
        self.arena[pid].set(Flags::MERCHANT_HOLD);
        self.out.merchant_holds += 1;
        if T::ON {
            self.trace(pid, |_| {
                Step::Note("trace.note.payout_merchant_risk_rule_flags")
            });
        }
    }

    /// A merchant-risk review ends: a confirmed fraud is refunded to the cardholder, anything
    /// else is paid to the merchant.
    pub(in crate::model) fn merchant_review_done(&mut self, pid: PaymentId) {
        let p = self.arena[pid];
        if !p.has(Flags::IN_RISK_HOLD) {
            return;
        }
        if p.has(Flags::FRAUD) {
            self.refund_cardholder(pid);
            self.arena[pid].acquirer = Acq::Reversed;
            self.blame(pid, cause::id::FRAUD);
            self.out.merchant_fraud_refunds += 1;
            if T::ON {
                self.trace(pid, |_| {
                    Step::Note("trace.note.payout_review_confirms_fraud_cardholder")
                });
            }
            return;
        }
        if T::ON {
            self.trace(pid, |_| {
                Step::Note("trace.note.payout_review_clears_sale_payout")
            });
        }
        self.pay_when_bank_open(pid);
    }
}

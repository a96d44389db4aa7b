//! Faults that strike a payment through what it is made of rather than the path it takes:
//! the terminal it is sold at (software, hardware, bad input, a fraud wave), the cardholder's
//! account (frozen, limits, spending elsewhere), the merchant it pays (wrong settlement
//! details, a misfiring merchant rule), and the card risk rules deployed at the acquirer.
//! Each hook runs only when the scenario has faults of its kind at that place.

use crate::engine::Nanos;
use crate::engine::rng::unit;
use crate::model::PaymentId;
use crate::model::World;
use crate::model::faults::{Hardware, day_of, keyed_chance, keyed_unit, payment_key, purpose};
use crate::model::payment::{Flags, TerminalState, code};
use crate::model::trace::Tracer;
use crate::scenario::{FaultEffect, RiskAction, UpgradeFailure};

/// What a sale's terminal-side faults decide at its creation.
#[derive(Clone, Copy, Debug, Default)]
pub(in crate::model) struct AtTerminal {
    /// Bad input (a response code) and the fault that caused it.
    pub input: Option<(u8, u8)>,
    /// A fraud wave made the sale fraudulent: its cause.
    pub fraud: Option<u8>,
    /// The terminal cannot take the card: the fault that put it out.
    pub down: Option<u8>,
    /// The terminal will crash once the issuer approved: the fault.
    pub crash: u8,
    /// A surge the sale arrived in.
    pub struck: u8,
}

/// The key of a terminal (or its merchant: one merchant per terminal).
#[inline]
fn terminal_key(group: u16, terminal: u32) -> u64 {
    ((group as u64) << 32) | terminal as u64
}

impl<T: Tracer> World<'_, T> {
    /// The faults of group `g` strike a new sale (already created, its timer running): bad
    /// input, a fraud wave, failing terminal software or hardware, a surge. Returns whether the
    /// terminal could not take the card (the till shows 96 and nothing is sent).
    #[inline(never)]
    pub(in crate::model) fn sale_faults(&mut self, pid: PaymentId, g: u16, gserial: u32) -> bool {
        let fraud_u = unit(self.word(pid, crate::model::payment::slot::FRAUD));
        let terminal = self.arena[pid].terminal;
        let mut at = self.at_terminal_faults(g, gserial, terminal, fraud_u);
        // A mis-keyed number caught by the terminal's Luhn check is keyed again.
        if self.upkeep_on
            && matches!(at.input, Some((code::INVALID_CARD, _)))
            && self.luhn_caught(g as usize, gserial as u64)
        {
            at.input = None;
        }
        let p = &mut self.arena[pid];
        p.struck = at.struck;
        p.crash = at.crash;
        if at.fraud.is_some() {
            p.set(Flags::FRAUD);
            p.clear(Flags::PAYABLE);
        }
        if let Some((c, _)) = at.input {
            p.input = c;
            match c {
                code::INVALID_CARD => {
                    p.set(Flags::MISKEYED);
                    p.clear(Flags::PAYABLE);
                }
                // The cardholder's own errors: the sale is not payable as presented. A
                // malformed message (30) is the system's fault.
                code::EXPIRED_CARD | code::WRONG_PIN => p.clear(Flags::PAYABLE),
                _ => {}
            }
            self.out.bad_input += 1;
        }
        if let Some(c) = at.fraud.or(at.input.map(|(_, c)| c)) {
            self.blame(pid, c);
        }
        let Some(c) = at.down else {
            return false;
        };
        self.blame(pid, c);
        self.out.terminal_refusals += 1;
        let p = &mut self.arena[pid];
        p.terminal_state = TerminalState::Answered;
        p.till_code = code::MALFUNCTION;
        p.code = code::MALFUNCTION;
        true
    }

    /// The faults of group `g` at a new sale: `fraud_u` is the sale's fraud draw (a wave adds
    /// its share on top of the scenario's, so the same sales are fraudulent in every design).
    #[inline(never)]
    pub(in crate::model) fn at_terminal_faults(
        &mut self,
        g: u16,
        gserial: u32,
        terminal: u32,
        fraud_u: f64,
    ) -> AtTerminal {
        let now = self.q.now();
        let key = payment_key(g, gserial, self.topo.groups);
        let tkey = terminal_key(g, terminal);
        let mut out = AtTerminal::default();
        let mut wave = self.s.fraud_share;
        for i in 0..self.faults.group[g as usize].len() {
            let k = self.faults.group[g as usize][i] as usize;
            let f = &mut self.faults.all[k];
            let Some((start, _)) = f.windows.at(now) else {
                continue;
            };
            match &f.effect {
                FaultEffect::Surge { .. } => out.struck = f.cause,
                FaultEffect::BadInput { code, probability }
                    if out.input.is_none()
                        && keyed_chance(f, key, purpose::INPUT, *probability) =>
                {
                    out.input = Some((*code, f.cause));
                }
                FaultEffect::FraudWave { share } => {
                    let before = wave;
                    wave += share;
                    if out.fraud.is_none() && fraud_u >= before && fraud_u < wave {
                        out.fraud = Some(f.cause);
                    }
                }
                FaultEffect::TerminalUpgrade {
                    old_share,
                    failure,
                    rollout,
                } => {
                    if !keyed_chance(f, tkey, purpose::OLD, *old_share) {
                        continue;
                    }
                    let updated = rollout.as_ref().map_or(Nanos::MAX, |r| {
                        let u = keyed_unit(f, tkey, purpose::UPDATE);
                        start.saturating_add(r.quantile_ns(u))
                    });
                    if now < updated {
                        match failure {
                            UpgradeFailure::SignOn => out.down = out.down.or(Some(f.cause)),
                            UpgradeFailure::MidPayment if out.crash == 0 => out.crash = f.cause,
                            UpgradeFailure::MidPayment => {}
                        }
                    }
                }
                FaultEffect::TerminalHardware {
                    mtbf,
                    mttr,
                    crash_share,
                } => {
                    let (mtbf, mttr, crash_share) = (mtbf.clone(), mttr.clone(), *crash_share);
                    let words = f.words;
                    let hw = &mut f.hardware[g as usize][terminal as usize];
                    let draw = |n: u32, p: usize| unit(words.word((tkey << 20) ^ n as u64, p));
                    if hw.n == 0 {
                        let fails =
                            start.saturating_add(mtbf.quantile_ns(draw(0, purpose::HW_FAIL)));
                        *hw = Hardware {
                            fails_at: fails,
                            repaired_at: fails
                                .saturating_add(mttr.quantile_ns(draw(0, purpose::HW_REPAIR))),
                            n: 1,
                        };
                    }
                    while now >= hw.repaired_at && hw.n < (1 << 20) {
                        let n = hw.n;
                        hw.fails_at = hw
                            .repaired_at
                            .saturating_add(mtbf.quantile_ns(draw(n, purpose::HW_FAIL)).max(1));
                        hw.repaired_at = hw
                            .fails_at
                            .saturating_add(mttr.quantile_ns(draw(n, purpose::HW_REPAIR)).max(1));
                        hw.n += 1;
                    }
                    if now >= hw.fails_at && now < hw.repaired_at {
                        out.down = out.down.or(Some(f.cause));
                    } else if out.crash == 0 && keyed_chance(f, key, purpose::CRASH, crash_share) {
                        out.crash = f.cause;
                    }
                }
                _ => {}
            }
        }
        out
    }

    /// An issuer's account faults on a request: a refusal code and its cause, if one applies.
    pub(in crate::model) fn account_faults(&mut self, pid: PaymentId) -> Option<(u8, u8)> {
        let p = self.arena[pid];
        let i = p.issuer as usize;
        if self.faults.issuer[i].is_empty() {
            return None;
        }
        let now = self.q.now();
        let akey = p.account as u64;
        let balance = self.nodes.accounts[i].accounts[p.account as usize].balance;
        for j in 0..self.faults.issuer[i].len() {
            let k = self.faults.issuer[i][j] as usize;
            let f = &mut self.faults.all[k];
            let Some((start, _)) = f.windows.at(now) else {
                continue;
            };
            match &f.effect {
                FaultEffect::FrozenAccounts { share, code }
                    if keyed_chance(f, akey, purpose::ACCOUNT, *share) =>
                {
                    return Some((*code, f.cause));
                }
                FaultEffect::Limits {
                    amount_limit,
                    daily_count,
                } => {
                    if amount_limit.is_some_and(|l| p.amount > l) {
                        return Some((code::OVER_LIMIT, f.cause));
                    }
                    if let Some(n) = *daily_count {
                        let today = day_of(now);
                        let c = &mut f.counts[p.account as usize];
                        if c.0 != today {
                            *c = (today, 0);
                        }
                        if c.1 >= n {
                            return Some((code::COUNT_LIMIT, f.cause));
                        }
                        c.1 += 1;
                    }
                }
                FaultEffect::Spending { per_day, payday } => {
                    let rate = per_day.quantile_minor(keyed_unit(f, akey, purpose::SPEND), 0);
                    let since = (now - start) % payday;
                    let spent = (rate as f64 * since as f64 / crate::engine::DAY as f64) as i64;
                    if balance >= p.amount && balance - spent < p.amount {
                        return Some((code::INSUFFICIENT_FUNDS, f.cause));
                    }
                }
                _ => {}
            }
        }
        None
    }

    /// A mis-set fee table for the payment's merchant when the acquirer booked the sale (its
    /// sale time): the rate it applies instead of the agreed one, and the fault's cause.
    pub(in crate::model) fn fee_fault(
        &self,
        p: &crate::model::payment::Payment,
    ) -> Option<(u32, u8)> {
        let mkey = terminal_key(p.group, p.terminal);
        self.faults.group[p.group as usize].iter().find_map(|&k| {
            let f = &self.faults.all[k as usize];
            match f.effect {
                FaultEffect::FeeMisconfigured { share, ppm }
                    if f.active(p.t_sale) && keyed_chance(f, mkey, purpose::MERCHANT, share) =>
                {
                    Some((ppm, f.cause))
                }
                _ => None,
            }
        })
    }

    /// A `payout_channel_down` fault active now for the payment's merchant: its cause.
    pub(in crate::model) fn payout_channel_down(&self, pid: PaymentId) -> Option<u8> {
        let p = &self.arena[pid];
        let now = self.q.now();
        self.faults.group[p.group as usize].iter().find_map(|&k| {
            let f = &self.faults.all[k as usize];
            (matches!(f.effect, FaultEffect::PayoutChannelDown) && f.active(now)).then_some(f.cause)
        })
    }

    /// A fault on the payment's merchant at payout time: wrong settlement details (the payout
    /// is returned). Returns the fault's cause.
    pub(in crate::model) fn merchant_wrong_details(&self, pid: PaymentId) -> Option<u8> {
        let p = self.arena[pid];
        let now = self.q.now();
        let mkey = terminal_key(p.group, p.terminal);
        self.faults.group[p.group as usize].iter().find_map(|&k| {
            let f = &self.faults.all[k as usize];
            match f.effect {
                FaultEffect::WrongAccount { share }
                    if f.active(now) && keyed_chance(f, mkey, purpose::MERCHANT, share) =>
                {
                    Some(f.cause)
                }
                _ => None,
            }
        })
    }

    /// A misfiring merchant rule on the payment's merchant at screening: the fault's cause.
    /// The fault is remembered for the payment, so its review time applies when the payout
    /// falls due (the payment's cause may be an earlier fault's, e.g. a card rule's review).
    pub(in crate::model) fn merchant_rule(&mut self, pid: PaymentId) -> Option<u8> {
        let p = self.arena[pid];
        let now = self.q.now();
        let mkey = terminal_key(p.group, p.terminal);
        let (k, cause) = self.faults.group[p.group as usize].iter().find_map(|&k| {
            let f = &self.faults.all[k as usize];
            match f.effect {
                FaultEffect::MerchantRule { share, .. }
                    if f.active(now) && keyed_chance(f, mkey, purpose::MERCHANT, share) =>
                {
                    Some((k, f.cause))
                }
                _ => None,
            }
        })?;
        let key = payment_key(p.group, p.gserial, self.topo.groups);
        self.faults.rule_holds.insert(key, k);
        Some(cause)
    }

    /// The review time of a payout held by a misfiring merchant rule, if that is why it is
    /// held (asked once, when the payout falls due).
    pub(in crate::model) fn merchant_rule_review(&mut self, pid: PaymentId) -> Option<Nanos> {
        let p = self.arena[pid];
        let key = payment_key(p.group, p.gserial, self.topo.groups);
        let k = self.faults.rule_holds.remove(&key)?;
        let f = &self.faults.all[k as usize];
        match &f.effect {
            FaultEffect::MerchantRule { review_time, .. } => {
                Some(review_time.quantile_ns(keyed_unit(f, key, purpose::REVIEW)))
            }
            _ => None,
        }
    }

    /// A card risk rule deployed by a fault flags this legitimate sale: its action and cause.
    /// A rule that holds for review is remembered for the payment, for its review time.
    pub(in crate::model) fn card_rule(&mut self, pid: PaymentId) -> Option<(RiskAction, u8)> {
        let p = self.arena[pid];
        let now = self.q.now();
        let key = payment_key(p.group, p.gserial, self.topo.groups);
        let (k, action, cause) = self.faults.risk.iter().find_map(|&k| {
            let f = &self.faults.all[k as usize];
            match f.effect {
                FaultEffect::CardRule {
                    false_positive_rate,
                    action,
                    ..
                } if f.active(now)
                    && keyed_chance(f, key, purpose::CARD_RULE, false_positive_rate) =>
                {
                    Some((k, action, f.cause))
                }
                _ => None,
            }
        })?;
        if action == RiskAction::Review {
            self.faults.rule_holds.insert(key, k);
        }
        Some((action, cause))
    }

    /// The review time of a sale held by a card rule with its own `review_time`, if that is
    /// why it is held (asked once, when the issuer's approval comes back).
    pub(in crate::model) fn card_rule_review(&mut self, pid: PaymentId) -> Option<Nanos> {
        if !self.faults_on || self.faults.risk.is_empty() {
            return None;
        }
        let p = self.arena[pid];
        let key = payment_key(p.group, p.gserial, self.topo.groups);
        let k = self.faults.rule_holds.remove(&key)?;
        match &self.faults.all[k as usize].effect {
            FaultEffect::CardRule {
                review_time: Some(r),
                ..
            } => {
                let u = keyed_unit(&self.faults.all[k as usize], key, purpose::REVIEW);
                Some(r.quantile_ns(u))
            }
            _ => None,
        }
    }
}

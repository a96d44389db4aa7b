//! The terminal: the sale, the answer the till shows, its timeout and its reversals.

use crate::engine::rng::{below, chance, unit};
use crate::model::PaymentId;
use crate::model::World;
use crate::model::clearing::NO_BATCH;
use crate::model::event::{Ev, Msg, Rev, ToGateway, ToTerminal};
use crate::model::invariants::Violation;
use crate::model::payment::{
    AcquirerState as Acq, Flags, IssuerState as Iss, Payment, TerminalState as Term, code, slot,
};
use crate::model::topology::{Dir, LinkId, pick};
use crate::model::trace::{Step, Tracer};
use crate::scenario::ReversalUntil;

impl<T: Tracer> World<'_, T> {
    /// A cardholder pays at a terminal of group `g`: the payment is created and its request
    /// sent to the gateway.
    pub(in crate::model) fn arrival(&mut self, g: usize) -> Result<(), Violation> {
        let now = self.q.now();
        if let Some(t) = self.nodes.groups[g].arrivals.next(now) {
            self.schedule_arrival(g, t);
        }
        // Everything random about the payment comes from its own words (see `engine::rng`).
        let grp = &mut self.nodes.groups[g];
        let gserial = grp.made;
        grp.made += 1;
        let w = |k| grp.words.word(gserial, k);
        let amount = grp.amount.quantile_minor(unit(w(slot::AMOUNT)), 1);
        let terminal = below(w(slot::TERMINAL), grp.terminals as u64) as u32;
        let mut miskeyed = chance(w(slot::MISKEY), grp.miskey_share);
        let fraud = chance(w(slot::FRAUD), self.s.fraud_share);
        let r = &self.routing;
        let issuer = pick(&r.issuer_cdf, unit(w(slot::ISSUER)));
        let by_weight = pick(&r.channel_cdf, unit(w(slot::CHANNEL)));
        let channel = match &r.table {
            Some(t) => t[issuer as usize].channel as u16,
            None => by_weight,
        };
        let account = self.nodes.accounts[issuer as usize].pick(w(slot::ACCOUNT));
        if miskeyed && self.upkeep_on && self.s.upkeep.luhn_catch.is_some() {
            miskeyed = !self.luhn_caught(g, gserial);
        }
        let acc = &self.nodes.accounts[issuer as usize];
        // An expired card or a wrong PIN (the issuer's word of its own declines) is bad input
        // the issuer will refuse: the cardholder's error, not payable as presented.
        let card_input = if acc.card_checks() {
            let w = self.nodes.groups[g]
                .words
                .word(gserial, slot::DO_NOT_HONOUR);
            acc.card_check(w).unwrap_or(0)
        } else {
            0
        };
        let payable = !fraud && acc.payable(account, amount, miskeyed) && card_input == 0;
        let mut flags = Flags::NONE;
        if fraud {
            flags |= Flags::FRAUD;
        }
        if payable {
            flags |= Flags::PAYABLE;
        }
        if miskeyed {
            flags |= Flags::MISKEYED;
        }
        let pid = self.arena.insert(Payment {
            serial: self.out.payments,
            gserial: gserial as u32,
            t_sale: now,
            t_held: 0,
            amount,
            charged: 0,
            credited: 0,
            account,
            terminal,
            refs: 0,
            batch: NO_BATCH,
            batch_pos: 0,
            group: g as u16,
            channel,
            issuer,
            code: code::NONE,
            till_code: code::NONE,
            flags,
            reversal_attempts: 0,
            terminal_state: Term::Waiting,
            acquirer: Acq::Unknown,
            issuer_state: Iss::Unseen,
            used: 0,
            saf_sent: 0,
            txn: if self.txn_on {
                self.preauth_bit(g, gserial)
            } else {
                0
            },
            rail: 0,
            dispute: 0,
            t_break: 0,
            advice_sent: 0,
            cause: 0,
            late: 0,
            struck: 0,
            input: card_input,
            crash: 0,
            attempt: 0,
            retry: 0,
        });
        self.out.payments += 1;
        if self.qr_on && self.s.channels[channel as usize].qr.is_some() {
            self.out.qr_payments += 1;
        }
        if T::SAMPLES {
            self.tracer.sale(now, false);
        }
        self.schedule_timeout(pid, now.saturating_add(self.s.strategy.terminal_timeout));
        // The terminal's faults may make the sale fraudulent, unpayable, or impossible.
        let down = self.faults_on
            && !self.faults.group[g].is_empty()
            && self.sale_faults(pid, g as u16, gserial as u32);
        if T::ON {
            let p = self.arena[pid];
            self.trace(pid, |w| Step::Created {
                amount,
                group: w.nodes.groups[g].id.clone(),
                fraud: p.has(Flags::FRAUD),
                payable: p.has(Flags::PAYABLE),
                issuer: w.s.issuers[p.issuer as usize].station.id.clone(),
                channel: w.s.channels[p.channel as usize].station.id.clone(),
            });
            if down {
                self.trace(pid, |_| {
                    Step::Coded(
                        "trace.note.terminal_terminal_out_service_cannot",
                        code::MALFUNCTION,
                    )
                });
            }
        }
        if down {
            self.till_shown(pid, code::MALFUNCTION);
            return Ok(()); // the till shows 96 and nothing is sent
        }
        self.send(
            pid,
            LinkId::Terminal(g as u16),
            Dir::Up,
            Msg::Gateway(ToGateway::Request),
        );
        Ok(())
    }

    /// A message reaches the terminal.
    pub(in crate::model) fn at_terminal(&mut self, pid: PaymentId, m: ToTerminal) {
        match m {
            ToTerminal::Response(c) => self.terminal_answer(pid, c),
            ToTerminal::ReversalAck => self.arena[pid].set(Flags::REVERSAL_ACKED),
            ToTerminal::VoidAnswer(c)
            | ToTerminal::RefundAnswer(c)
            | ToTerminal::CompletionAnswer(c) => self.txn_answer(pid, c),
        }
    }

    fn terminal_answer(&mut self, pid: PaymentId, rcode: u8) {
        let pid = if self.retry.on {
            match self.retry_answer(pid, rcode) {
                Some(p) => p,
                None => return,
            }
        } else {
            pid
        };
        let now = self.q.now();
        let p = &mut self.arena[pid];
        if p.terminal_state == Term::Waiting && p.crash != 0 && rcode == code::APPROVED {
            // The terminal fails with the approval in hand: the till shows nothing. An old
            // terminal, restarted, has no record to reverse; one that wrote the pending
            // reversal before sending the sale sends it once it is back (an `interval` later).
            p.terminal_state = Term::TimedOut;
            let c = p.crash;
            self.blame(pid, c);
            self.out.terminal_crashes += 1;
            self.reverse_after_restart(pid);
            self.till_shown(pid, code::NONE);
            if T::ON {
                self.trace(pid, |_| {
                    Step::Note("trace.note.terminal_terminal_fails_approval_arrives")
                });
            }
            if self.retry.on {
                self.till_failed(pid, code::NONE);
            }
            return;
        }
        if p.terminal_state == Term::Waiting {
            p.terminal_state = Term::Answered;
            p.till_code = rcode;
            let latency_us = (now - p.t_sale) / 1_000;
            self.out
                .auth_latency_us
                .saturating_record(latency_us.max(1));
            if T::ON {
                self.trace(pid, |_| Step::Answered { code: rcode });
            }
            self.till_shown(pid, rcode);
            if self.approval_hooks && rcode == code::APPROVED {
                self.after_till_approval(pid);
            }
            if self.retry.on && rcode != code::APPROVED {
                self.till_failed(pid, rcode);
            }
        } else {
            self.out.late_answers += 1;
            if T::ON {
                self.trace(pid, |_| Step::LateAnswer { code: rcode });
            }
        }
    }

    /// What follows an approval at the till when switched on: the sale counts in the
    /// terminal's batch totals (`settlement.pos_batch`); its merchant may void or refund it
    /// (`[transactions]`).
    #[cold]
    #[inline(never)]
    fn after_till_approval(&mut self, pid: PaymentId) {
        // (A pre-authorisation joins the terminal's totals when it is completed.)
        if self.pos_on && self.arena[pid].txn & super::txn::bits::PREAUTH == 0 {
            self.pos_count(pid, 1);
        }
        if self.txn_on {
            self.plan_txn(pid);
        }
    }

    /// The terminal's timer expires: with no answer yet, the sale failed at the till.
    pub(in crate::model) fn terminal_timeout(&mut self, pid: PaymentId) {
        let pid = if self.retry.on {
            match self.retry_timeout(pid) {
                Some(p) => p,
                None => return,
            }
        } else {
            pid
        };
        if self.arena[pid].terminal_state != Term::Waiting {
            return;
        }
        self.arena[pid].terminal_state = Term::TimedOut;
        self.out.timeouts += 1;
        self.till_shown(pid, code::NONE);
        self.blame_timeout(pid);
        if T::ON {
            self.trace(pid, |_| Step::TimedOut);
        }
        if self.s.strategy.reversal.is_some() {
            self.send_reversal(pid);
        }
        if self.retry.on {
            self.till_failed(pid, code::NONE);
        }
    }

    /// The till of `pid` shows `c` (`code::NONE`: no answer): a sampling tracer counts a
    /// system failure against the minute of the sale (compiled away otherwise).
    #[inline(always)]
    fn till_shown(&mut self, pid: PaymentId, c: u8) {
        if T::SAMPLES && code::is_system_failure(c) {
            let t = self.arena[pid].t_sale;
            self.tracer.till_failure(t);
        }
    }

    /// A terminal that crashed with an approval in hand and wrote its pending reversal before
    /// the sale sends it once restarted, an `interval` later.
    #[cold]
    #[inline(never)]
    fn reverse_after_restart(&mut self, pid: PaymentId) {
        if let Some(r) = &self.s.strategy.reversal
            && r.until == ReversalUntil::Acknowledged
        {
            let at = self.q.now().saturating_add(r.interval);
            if at <= self.horizon {
                self.schedule(at, Ev::ReversalSend { pid });
            }
        }
    }

    /// Sends (or re-sends) the terminal's reversal until it is acknowledged or out of attempts.
    pub(in crate::model) fn send_reversal(&mut self, pid: PaymentId) {
        let Some(r) = &self.s.strategy.reversal else {
            return;
        };
        let (attempts, interval) = (r.attempts, r.interval);
        let keep = r.until == ReversalUntil::Acknowledged;
        let p = &mut self.arena[pid];
        if p.has(Flags::REVERSAL_ACKED) || !keep && p.reversal_attempts as u32 >= attempts {
            return;
        }
        p.reversal_attempts = p.reversal_attempts.saturating_add(1);
        let (g, n) = (p.group, p.reversal_attempts as u32);
        self.out.reversals_sent += 1;
        let r = if n > 1 {
            Rev::TerminalRepeat
        } else {
            Rev::Terminal
        };
        self.send(
            pid,
            LinkId::Terminal(g),
            Dir::Up,
            Msg::Gateway(ToGateway::Reversal(r)),
        );
        let at = self.q.now().saturating_add(interval);
        if keep && at <= self.horizon || !keep && n < attempts {
            self.schedule(at, Ev::ReversalSend { pid });
        }
    }
}

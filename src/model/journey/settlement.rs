//! Clearing and settlement: at each cut-off the acquirer clears what it believes approved and
//! sends its file; the issuers match the presentments to their holds; the batch is credited
//! T+N business days later, issuer → channel → acquirer, and the merchants are paid (see
//! `payout`).

use crate::engine::Nanos;
use crate::model::PaymentId;
use crate::model::World;
use crate::model::cause;
use crate::model::clearing::{Batch, NO_BATCH, OPEN_BATCH, Retired};
use crate::model::event::Ev;
use crate::model::invariants::{Invariant, Violation};
use crate::model::ledger::Account;
use crate::model::payment::{AcquirerState as Acq, Flags, IssuerState as Iss, Outcome};

/// What becomes of a cut-off's clearing file.
#[derive(Clone, Copy, PartialEq, Eq)]
enum FileFate {
    Accepted,
    Rejected,
    Late,
}
use crate::model::trace::{Step, Tracer};

impl<T: Tracer> World<'_, T> {
    fn batch_mut(&mut self, b: u32) -> &mut Batch {
        if b == OPEN_BATCH {
            &mut self.books.open
        } else {
            &mut self.books.batches[b as usize]
        }
    }

    /// Puts an approved payment in the open batch.
    pub(in crate::model) fn join_open_batch(&mut self, pid: PaymentId) {
        self.hold(pid); // its batch entry
        let pos = self.books.open.live.len() as u32;
        let p = &mut self.arena[pid];
        p.batch = OPEN_BATCH;
        p.batch_pos = pos;
        self.books.open.live.push(pid);
    }

    /// A payment whose only remaining reference is its batch, and whose fate is therefore
    /// sealed (it will be cleared and credited with the batch), is folded into the batch's
    /// aggregate and its slot freed (see `clearing`).
    pub(in crate::model) fn retire(&mut self, pid: PaymentId) -> Result<(), Violation> {
        let p = self.arena[pid];
        // Only ordinary sales the till approved are folded: the others' fate needs the payment.
        const OWN_FATE: Flags = Flags::FRAUD
            .or(Flags::STAND_IN)
            .or(Flags::ADVANCED)
            .or(Flags::MERCHANT_HOLD)
            .or(Flags::EXCEPTION)
            .or(Flags::PAID_ON);
        if !self.retire_ok
            || !p.issuer_has_funds()
            || p.has(OWN_FATE)
            || !matches!(p.acquirer, Acq::Approved | Acq::Cleared)
            || !p.till_approved()
            || self.wrong_account(pid)
            // A payment with a cause on its path keeps it (the batch aggregate has none).
            || p.cause != crate::model::cause::id::NONE
            // So does one whose merchant is paid short: its outcome is its own.
            || self.fee_faults && self.paid_short(&p)
            // So does one that will be disputed (`[disputes]`).
            || self.disputes_on && self.disputable(pid)
        {
            return Ok(());
        }
        if T::ON && self.tracer.wants(p.serial) {
            return Ok(()); // traced payments stay whole so their settlement can be told
        }
        if (p.charged, p.credited) != (p.amount, 0) {
            return Err(self.violation(
                Invariant::OutcomeMatchesPostings,
                format!(
                    "payment #{} awaits settlement but its postings charged {} and credited {}",
                    p.serial, p.charged, p.credited
                ),
            ));
        }
        if self.pos_on && p.batch == OPEN_BATCH {
            // Folded: it balances on both sides of the day's batch settlement.
            self.pos_count(pid, -1);
        }
        let route = self.topo.route(p.issuer, p.channel);
        let deadline = self.calendar.promised_by(p.t_sale);
        let b = self.batch_mut(p.batch);
        let pos = p.batch_pos as usize;
        b.live.swap_remove(pos);
        let moved = b.live.get(pos).copied();
        b.retired
            .add(p.serial, p.t_sale, p.amount, route.index(), deadline);
        if self.fees_on {
            self.retire_fees(&p, deadline);
        }
        if let Some(m) = moved {
            self.arena[m].batch_pos = pos as u32;
        }
        self.arena.remove(pid);
        Ok(())
    }

    /// Adds a retired payment's split to its batch's (`[fees]`).
    #[cold]
    #[inline(never)]
    fn retire_fees(&mut self, p: &crate::model::payment::Payment, deadline: Nanos) {
        let split = self.split(p);
        self.batch_mut(p.batch).retired.add_split(deadline, &split);
    }

    /// A sale the till showed approved counts in its terminal's batch (`n` = 1), or leaves it
    /// folded into the clearing batch's totals (`n` = -1: it is on both sides).
    #[cold]
    #[inline(never)]
    pub(in crate::model) fn pos_count(&mut self, pid: PaymentId, n: i32) {
        let p = self.arena[pid];
        let t = &mut self.books.pos_totals[p.group as usize][p.terminal as usize];
        t.0 = t.0.wrapping_add_signed(n);
        t.1 += n as i64 * p.amount;
    }

    /// The terminals' day-end batch settlement (批结算) at the cut-off: each terminal's totals
    /// (the sales its till showed approved since the last cut-off) against the host's (the
    /// sales the acquirer holds approved in the open batch). A terminal whose count or amount
    /// differs did not balance: a break for the acquirer's operations to reconcile.
    #[cold]
    #[inline(never)]
    fn pos_batch_settlement(&mut self) {
        let mut host: std::collections::HashMap<(u16, u32), (u32, i64)> = Default::default();
        let live = std::mem::take(&mut self.books.open.live);
        for &pid in &live {
            let p = self.arena[pid];
            if p.acquirer != Acq::Approved {
                continue;
            }
            let h = host.entry((p.group, p.terminal)).or_default();
            h.0 += 1;
            h.1 += p.amount;
            if T::ON && !p.till_approved() {
                self.trace(pid, |_| {
                    Step::Note("trace.note.settlement_pos_batch_unbalanced")
                });
            }
        }
        let mut unbalanced = std::collections::HashSet::new();
        for (g, terms) in self.books.pos_totals.iter_mut().enumerate() {
            for (t, total) in terms.iter_mut().enumerate() {
                let (hn, ha) = host.get(&(g as u16, t as u32)).copied().unwrap_or((0, 0));
                if (hn, ha) != *total {
                    self.out.pos_batch_mismatches += 1;
                    self.out.pos_batch_mismatch_amount += (ha - total.1).abs();
                    unbalanced.insert((g as u16, t as u32));
                }
                *total = (0, 0); // the next day's batch starts empty
            }
        }
        if self.s.settlement.pos_batch_upload {
            for &pid in &live {
                let p = self.arena[pid];
                if unbalanced.contains(&(p.group, p.terminal)) {
                    self.pos_upload_check(pid);
                }
            }
        }
        self.books.open.live = live;
    }

    /// A terminal whose batch did not balance has uploaded its sales (批上送): the host reverses
    /// a sale it holds approved that the till showed failed (its answer lost, the terminal's
    /// reversal lost or never sent), before it goes for clearing. A sale whose answer is still
    /// on its way to the till is left alone.
    #[cold]
    #[inline(never)]
    fn pos_upload_check(&mut self, pid: PaymentId) {
        let p = self.arena[pid];
        if p.acquirer != Acq::Approved
            || p.till_approved()
            || p.terminal_state == crate::model::payment::TerminalState::Waiting
        {
            return;
        }
        self.arena[pid].acquirer = Acq::Reversed;
        self.out.pos_batch_reversals += 1;
        if p.has(Flags::ADVANCED) && !p.has(Flags::PAID_ON) {
            self.take_back_advance(pid);
        }
        if T::ON {
            self.trace(pid, |_| {
                Step::Note("trace.note.settlement_pos_batch_upload_reverses")
            });
        }
        self.host_reversal(pid);
    }

    /// Schedules the first cut-off of the run.
    pub(in crate::model) fn schedule_first_cutoff(&mut self) {
        let first = self.calendar.cutoff_day(0);
        let at = self.calendar.cutoff_at(first);
        self.books.open.retired.reference = at;
        if at <= self.horizon {
            self.schedule(at, Ev::Cutoff { day: first as u32 });
        }
    }

    /// The daily cut-off: everything the acquirer believes approved goes into one batch, and
    /// the acquirer sends its clearing file. A rejected or late file leaves its batches
    /// waiting: they go with the next cut-off's file.
    pub(in crate::model) fn cutoff(&mut self, day: u64) -> Result<(), Violation> {
        if self.pos_on {
            self.pos_batch_settlement();
        }
        let next = self.calendar.cutoff_day(self.calendar.cutoff_at(day));
        let mut batch = std::mem::replace(
            &mut self.books.open,
            Batch::new(self.calendar.cutoff_at(next), self.topo.routes()),
        );
        let id = self.books.batches.len() as u32;
        let pids = std::mem::take(&mut batch.live);
        for pid in pids {
            let p = &mut self.arena[pid];
            if p.acquirer == Acq::Approved {
                p.acquirer = Acq::Cleared;
                p.batch = id;
                p.batch_pos = batch.live.len() as u32;
                batch.live.push(pid);
                if T::ON {
                    self.trace(pid, |_| Step::Cleared);
                }
            } else {
                p.batch = NO_BATCH;
                self.release(pid)?; // its batch entry
            }
        }
        // Batches that waited on a rejected or late file go first.
        let waited = self.books.waiting.len();
        if !batch.is_empty() {
            self.books.batches.push(batch);
            self.books.waiting.push(id);
        }
        match self.file_fate(day) {
            FileFate::Accepted => {
                let at = self.calendar.settlement_at(day, self.s.settlement.lag_days);
                for (k, id) in std::mem::take(&mut self.books.waiting)
                    .into_iter()
                    .enumerate()
                {
                    self.present(id, k < waited)?;
                    if at <= self.horizon {
                        self.schedule(at, Ev::Settle { batch: id });
                    }
                }
            }
            fate => {
                if !self.books.waiting.is_empty() {
                    match fate {
                        FileFate::Rejected => self.out.files_rejected += 1,
                        _ => self.out.files_late += 1,
                    }
                    for i in 0..self.books.waiting.len() {
                        let b = self.books.waiting[i] as usize;
                        for j in 0..self.books.batches[b].live.len() {
                            let pid = self.books.batches[b].live[j];
                            self.blame(pid, cause::id::CLEARING_FILE);
                        }
                    }
                    if T::ON {
                        let text = match fate {
                            FileFate::Rejected => {
                                "trace.note.settlement_channel_rejects_clearing_file"
                            }
                            _ => "trace.note.settlement_clearing_file_misses_cut",
                        };
                        for i in 0..self.books.waiting.len() {
                            let b = self.books.waiting[i] as usize;
                            for j in 0..self.books.batches[b].live.len() {
                                let pid = self.books.batches[b].live[j];
                                self.trace(pid, |_| Step::Note(text));
                            }
                        }
                    }
                }
            }
        }
        let at = self.calendar.cutoff_at(next);
        if at <= self.horizon {
            self.schedule(at, Ev::Cutoff { day: next as u32 });
        }
        Ok(())
    }

    /// The fate of the clearing file of `day`'s cut-off.
    fn file_fate(&mut self, day: u64) -> FileFate {
        let st = &self.s.settlement;
        if st.file_reject_share <= 0.0 && st.file_late_share <= 0.0 && st.file_rejected.is_empty() {
            return FileFate::Accepted;
        }
        // One draw per cut-off whatever happens, so the fates of later files do not move.
        let u = self.books.files.uniform();
        if st.file_rejected.binary_search(&day).is_ok() || u < st.file_reject_share {
            FileFate::Rejected
        } else if u < st.file_reject_share + st.file_late_share {
            FileFate::Late
        } else {
            FileFate::Accepted
        }
    }

    /// The batch's presentments reach the issuers: each is matched to its hold, which becomes a
    /// posted debit. One with nothing to match (its hold lapsed or was released) goes to the
    /// exception queue and leaves the batch: the issuer will not pay it.
    ///
    /// Holds lapse here only in a batch that `waited` on a rejected or late file: schemes
    /// clear every calendar day, so the normal cycle (weekends and holidays included, which
    /// the acquirer's business-day cut-offs stand for) presents a sale before its hold lapses.
    fn present(&mut self, id: u32, waited: bool) -> Result<(), Violation> {
        let now = self.q.now();
        let live = std::mem::take(&mut self.books.batches[id as usize].live);
        let mut kept = Vec::with_capacity(live.len());
        let mut unmatched = vec![];
        for pid in live {
            if self.arena[pid].has(Flags::STAND_IN) {
                self.apply_stand_in(pid); // a presentment that overtakes the advice
            }
            let p = self.arena[pid];
            let expiry = self.s.issuers[p.issuer as usize].hold_expiry;
            let matched = match p.issuer_state {
                Iss::Held if waited && p.t_held.saturating_add(expiry) <= now => {
                    self.lapse_hold(pid);
                    false
                }
                Iss::Held | Iss::Posted => true,
                _ => false,
            };
            let q = &mut self.arena[pid];
            if matched {
                q.issuer_state = Iss::Posted;
                q.batch_pos = kept.len() as u32;
                kept.push(pid);
                if T::ON {
                    self.trace(pid, |_| Step::Presented);
                }
            } else {
                q.set(Flags::EXCEPTION);
                q.t_break = now;
                q.batch = NO_BATCH;
                self.out.exceptions += 1;
                if T::ON {
                    self.trace(pid, |_| {
                        Step::Note("trace.note.settlement_presentment_finds_no_hold")
                    });
                }
                unmatched.push(pid);
            }
        }
        self.books.batches[id as usize].live = kept;
        for pid in unmatched {
            self.release(pid)?; // its batch entry
        }
        Ok(())
    }

    /// A hold lapses at the issuer's expiry: the funds go back to the cardholder.
    pub(in crate::model) fn lapse_hold(&mut self, pid: PaymentId) {
        let p = &mut self.arena[pid];
        p.charged -= p.amount;
        p.issuer_state = Iss::Released;
        p.set(Flags::HOLD_EXPIRED);
        let (i, a, amt) = (p.issuer, p.account, p.amount);
        self.books
            .ledger
            .post(Account::IssuerHolds(i), Account::Cardholders, amt);
        self.nodes.accounts[i as usize].release(a, amt);
        self.out.holds_expired += 1;
        self.trace_post(pid, Account::IssuerHolds(i), Account::Cardholders, amt);
    }

    /// A batch is credited: issuer → channel → acquirer for each presentment still posted,
    /// then the payout to each merchant.
    pub(in crate::model) fn settle(&mut self, batch: usize) -> Result<(), Violation> {
        let now = self.q.now();
        let b = std::mem::replace(&mut self.books.batches[batch], Batch::new(0, 0));
        // Credits moved on by the settlement bank's down days.
        let day = b.retired.reference / crate::engine::DAY;
        let shifted = now != self.calendar.credit_at(day, self.s.settlement.lag_days);
        self.settle_retired(now, &b.retired, shifted);
        for pid in b.live {
            self.arena[pid].batch = NO_BATCH;
            if shifted {
                self.blame(pid, cause::id::SETTLEMENT_BANK_DOWN);
            }
            let p = self.arena[pid];
            if p.has(Flags::PAID_ON) {
                return Err(self.violation(
                    Invariant::NoDoubleSettlement,
                    format!("payment #{} settled twice", p.serial),
                ));
            }
            if p.issuer_state == Iss::Posted {
                self.post_interbank(p.issuer, p.channel, p.amount);
                if T::ON {
                    let (i, c, a) = (p.issuer, p.channel, p.amount);
                    self.trace(pid, |_| Step::Note("trace.note.settlement_batch_credited"));
                    self.trace_post(pid, Account::IssuerHolds(i), Account::Channel(c), a);
                    self.trace_post(pid, Account::Channel(c), Account::Acquirer, a);
                }
                self.arena[pid].set(Flags::PAID_ON);
                if self.disputes_on {
                    self.check_presentment(pid);
                }
                if p.has(Flags::ADVANCED) {
                    self.maybe_chargeback(pid); // an advanced payout (D+0) is recovered
                } else {
                    self.payout_due(pid);
                }
            }
            self.release(pid)?; // its batch entry
        }
        Ok(())
    }

    /// The interbank postings of a credit on one route: issuer → channel → acquirer.
    pub(in crate::model) fn post_interbank(&mut self, issuer: u16, channel: u16, amount: i64) {
        let l = &mut self.books.ledger;
        l.post(
            Account::IssuerHolds(issuer),
            Account::Channel(channel),
            amount,
        );
        l.post(Account::Channel(channel), Account::Acquirer, amount);
    }

    /// Credits a batch's retired payments: one set of postings per route, outcomes by count.
    fn settle_retired(&mut self, now: Nanos, r: &Retired, shifted: bool) {
        if r.count == 0 {
            return;
        }
        let topo = self.topo;
        for route in topo.all_routes() {
            let amount = r.routes[route.index()];
            if amount != 0 {
                let (i, c) = topo.route_parts(route);
                self.post_interbank(i, c, amount);
                if !self.fees_on {
                    self.books
                        .ledger
                        .post(Account::Acquirer, Account::Merchants, amount);
                }
            }
        }
        if self.fees_on {
            self.post_fees(&r.fees, false);
            self.books
                .ledger
                .post(Account::Acquirer, Account::Merchants, r.fees.net);
            self.out.add_fees(&r.fees);
        }
        // Retired payments are legitimate sales the till approved with ordinary payouts.
        self.out.payouts += r.count;
        for (&deadline, d) in &r.deadlines {
            let o = if now <= deadline {
                Outcome::SettledOnTime
            } else {
                Outcome::SettledLate
            };
            let credited = if self.fees_on { d.net } else { d.amount };
            self.out.record_outcomes(o, d.n, d.amount, credited);
            let c = if shifted {
                cause::id::SETTLEMENT_BANK_DOWN
            } else {
                cause::id::MISSED_CUTOFF
            };
            self.out.record_cause(c, o, d.n, d.amount);
            if o != Outcome::SettledOnTime {
                for &serial in d.first() {
                    self.out.exemplars.offer(serial, c, o);
                }
            }
        }
        if let Some(h) = &r.before_reference_ms {
            let shift_ms = now.saturating_sub(r.reference) / 1_000_000;
            for v in h.iter_recorded() {
                let ms = h.median_equivalent(v.value_iterated_to()) + shift_ms;
                self.out
                    .settle_delay_ms
                    .saturating_record_n(ms.max(1), v.count_at_value());
            }
        }
    }
}

//! Request retries and idempotency (see `scenario::strategies::retry`), and the cardholder who
//! pays again. Everything here runs only when `World::retry.on` (computed once per run):
//! with the strategies off the journey never calls in and no random word is drawn.
//!
//! # Records
//!
//! A sale starts as one payment record (attempt 0). A retry is a new record of the same sale
//! (same serial, amount, card, account, terminal, issuer; its own `attempt`, which keys fresh
//! draws for its path: latency, loss, service, faults):
//!
//! - **without idempotency** each attempt is its own authorisation with its own money and its
//!   own till state; the sale's latest attempt is *current*, the earlier ones are
//!   *superseded*. A superseded attempt the issuer approved keeps its hold unless a reversal
//!   undoes it: that is the duplicate charge.
//! - **with idempotency** the first record is the sale's *owner*: it holds what the till
//!   shows, what the acquirer believes and the cardholder's money. A retry is a *carrier*: a
//!   record for the messages of one attempt, carrying the owner's key. The acquirer answers a
//!   carrier from its record if it has the answer; the issuer answers it from the key (the
//!   owner's approval, without charging again), or decides for the owner if it has not yet;
//!   the answer the carrier brings back is the owner's.
//!
//! A superseded attempt or carrier in which nobody's money moved records no outcome (it is
//! counted in `attempts_without_outcome`); one that still holds money at the end records its
//! own outcome (charged without a sale). The books' check is then `outcomes +
//! attempts_without_outcome == payments + retry_attempts`.

use std::collections::HashMap;

use crate::engine::Nanos;
use crate::engine::rng::{chance, unit};
use crate::model::World;
use crate::model::clearing::NO_BATCH;
use crate::model::event::{Ev, Msg, ToChannel, ToGateway, ToTerminal};
use crate::model::payment::{
    AcquirerState as Acq, IssuerState as Iss, Payment, TerminalState as Term, code, flag, slot,
};
use crate::model::topology::{Dir, LinkId, pick};
use crate::model::trace::{Step, Tracer};
use crate::scenario::Scenario;
use crate::scenario::strategies::retry::RetryLayer;

/// Bits of `Payment::retry`.
pub(in crate::model) mod bit {
    /// The record's sale is in the sale table (it has, or will have, more than one record).
    pub const IN_SALE: u8 = 1;
    /// A later attempt took over from this one.
    pub const SUPERSEDED: u8 = 2;
    /// An idempotent retry: the sale's owner holds the till, the belief and the money.
    pub const CARRIER: u8 = 4;
    /// A sale the cardholder made again after a failure (it is not repeated again).
    pub const REPEAT: u8 = 8;
}

/// `Payment::attempt` of a repeat sale's first attempt (its retries add 1, 2 ...).
const REPEAT_ATTEMPT: u8 = 16;

/// `Sale::current` while a retry waits for its backoff: no attempt is in progress, so every
/// failure reported meanwhile is stale.
const NO_CURRENT: u32 = u32::MAX;

/// One sale that has (or will have) more than one record.
#[derive(Clone, Copy, Debug)]
struct Sale {
    /// The first record: with idempotency, the one that holds the sale.
    owner: u32,
    /// The record of the attempt in progress.
    current: u32,
    /// Attempts made so far, the first included.
    attempts: u8,
    /// The last wait before a retry (decorrelated jitter).
    prev_wait: Nanos,
    /// The serial of the purchase it belongs to (its own, or the failed sale it repeats).
    purchase: u64,
}

/// The records of one purchase (a sale, its retries, and its repeat by the cardholder).
#[derive(Clone, Copy, Debug, Default)]
struct Tally {
    live: u32,
    /// Records that ended with the cardholder's money taken (held or posted).
    charged: u32,
    amount: i64,
    repeat: Option<u64>,
}

/// A token bucket of retries.
#[derive(Clone, Copy, Debug)]
struct Bucket {
    tokens: f64,
    /// First attempts counted so far.
    seen: u64,
}

/// The per-run state of the retry strategies.
pub(in crate::model) struct Retries {
    /// Any of retries or paying again is on.
    pub on: bool,
    /// Retries carry idempotency keys.
    pub idem: bool,
    layer: RetryLayer,
    sales: HashMap<u64, Sale>,
    purchases: HashMap<u64, Tally>,
    /// One per terminal group (terminal layer), or one (acquirer layer).
    buckets: Vec<Bucket>,
}

impl Retries {
    pub fn new(s: &Scenario) -> Self {
        let st = &s.strategy;
        let retry_on = st.retry.on();
        let on = retry_on || st.cardholder.pay_again_share > 0.0;
        let buckets = match st.retry.budget {
            Some((_, burst)) if retry_on => {
                let n = match st.retry.layer {
                    RetryLayer::Terminal => s.terminals.len(),
                    _ => 1,
                };
                vec![
                    Bucket {
                        tokens: burst,
                        seen: 0
                    };
                    n
                ]
            }
            _ => vec![],
        };
        Retries {
            on,
            idem: retry_on && st.idempotency.is_some(),
            layer: if retry_on {
                st.retry.layer
            } else {
                RetryLayer::None
            },
            sales: HashMap::new(),
            purchases: HashMap::new(),
            buckets,
        }
    }
}

/// Codes a retry may help with: the issuer or switch inoperative, a malfunction, an answer too
/// late. Never a genuine (hard) decline, nor a suspected fraud, a format error or a duplicate.
pub(in crate::model) fn retryable(c: u8) -> bool {
    matches!(
        c,
        code::INOPERATIVE | code::NO_ISSUER_ANSWER | code::MALFUNCTION | code::TOO_LATE
    )
}

impl<T: Tracer> World<'_, T> {
    // ---------------------------------------------------------------- the sale table

    /// The sale of a record, entered in the table the first time it needs one.
    fn sale_entry(&mut self, pid: u32) -> Sale {
        let p = self.arena.pay[pid as usize];
        if p.retry & bit::IN_SALE == 0 {
            self.arena.pay[pid as usize].retry |= bit::IN_SALE;
            let sale = Sale {
                owner: pid,
                current: pid,
                attempts: 1,
                prev_wait: self.s.strategy.retry.base,
                purchase: p.serial,
            };
            self.retry.sales.insert(p.serial, sale);
            self.retry.purchases.insert(
                p.serial,
                Tally {
                    live: 1,
                    amount: p.amount,
                    ..Default::default()
                },
            );
            return sale;
        }
        self.retry.sales[&p.serial]
    }

    fn put_sale(&mut self, serial: u64, sale: Sale) {
        self.retry.sales.insert(serial, sale);
    }

    /// Whether the sale of `pid` may make another attempt now: attempts left, and a token in
    /// the budget (spent here).
    fn may_retry(&mut self, pid: u32, sale: &Sale) -> bool {
        let r = &self.s.strategy.retry;
        if sale.attempts as u32 >= r.attempts {
            return false;
        }
        let Some((rate, burst)) = r.budget else {
            return true;
        };
        let (b, seen_now) = match self.retry.layer {
            RetryLayer::Terminal => {
                let g = self.arena.pay[pid as usize].group as usize;
                (g, self.nodes.groups[g].made)
            }
            _ => (0, self.out.payments),
        };
        let bucket = &mut self.retry.buckets[b];
        let earned = seen_now.saturating_sub(bucket.seen) as f64 * rate;
        bucket.seen = seen_now;
        bucket.tokens = (bucket.tokens + earned).min(burst);
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            true
        } else {
            self.out.retries_denied_by_budget += 1;
            if T::ON {
                self.trace(pid, |_| Step::Note("trace.note.retry_retry_budget_has_no"));
            }
            false
        }
    }

    /// Schedules the retry that follows the failed attempt `pid`, after the backoff.
    fn schedule_retry(&mut self, pid: u32, mut sale: Sale) {
        let r = &self.s.strategy.retry;
        let n = sale.attempts as u32; // the retry's number: 1 for the first
        let u = unit(self.path_word(pid, slot::RETRY_JITTER));
        let wait = r.wait(n, u, sale.prev_wait);
        sale.prev_wait = wait;
        sale.current = NO_CURRENT;
        let serial = self.arena.pay[pid as usize].serial;
        self.put_sale(serial, sale);
        if T::ON {
            self.trace(pid, |w| {
                Step::Says(
                    match w.retry.layer {
                        RetryLayer::Acquirer => "trace.says.retry_acquirer",
                        _ => "trace.says.retry_terminal",
                    },
                    vec![("secs", format!("{:.3}", wait as f64 / 1e9))],
                )
            });
        }
        self.schedule(self.q.now().saturating_add(wait), Ev::Retry { pid });
    }

    /// The channel a new attempt takes: the primary one (a failed-over attempt's backup was
    /// its own choice).
    fn primary_channel(&self, pid: u32) -> u16 {
        let p = &self.arena.pay[pid as usize];
        match &self.routing.table {
            Some(t) => t[p.issuer as usize].channel as u16,
            None => pick(
                &self.routing.channel_cdf,
                unit(self.word(pid, slot::CHANNEL)),
            ),
        }
    }

    /// A new record for the next attempt of the sale of `from`.
    fn new_attempt(&mut self, from: u32, sale: &mut Sale) -> u32 {
        let p = self.arena.pay[from as usize];
        sale.attempts += 1;
        let base = p.attempt & !(REPEAT_ATTEMPT - 1);
        let keep = if self.retry.layer == RetryLayer::Acquirer {
            flag::FRAUD | flag::PAYABLE | flag::MISKEYED | flag::REVIEW
        } else {
            flag::FRAUD | flag::PAYABLE | flag::MISKEYED
        };
        let mut bits = bit::IN_SALE | (p.retry & bit::REPEAT);
        if self.retry.idem {
            bits |= bit::CARRIER | bit::SUPERSEDED;
        }
        let channel = self.primary_channel(from);
        let rid = self.arena.insert(Payment {
            channel,
            flags: p.flags & keep,
            attempt: base + sale.attempts - 1,
            retry: bits,
            ..fresh_record(&p)
        });
        if self.retry.idem {
            self.hold(sale.owner); // a carrier keeps its owner alive
        }
        sale.current = rid;
        self.out.retry_attempts += 1;
        let purchase = sale.purchase;
        if let Some(t) = self.retry.purchases.get_mut(&purchase) {
            t.live += 1;
        }
        rid
    }

    /// The retry's time has come: a new attempt of the sale is sent (the terminal's request
    /// up its link, or the acquirer's to the channel).
    pub(in crate::model) fn retry_send(&mut self, pid: u32) {
        let p = self.arena.pay[pid as usize];
        let mut sale = self.sale_entry(pid);
        if self.retry.idem && self.arena.pay[sale.owner as usize].terminal_state != Term::Waiting {
            return; // a late answer settled the sale meanwhile
        }
        if sale.current != NO_CURRENT {
            return;
        }
        let rid = self.new_attempt(pid, &mut sale);
        self.put_sale(p.serial, sale);
        let n = sale.attempts;
        if T::ON {
            self.trace(rid, |w| {
                Step::Says(
                    if w.retry.idem {
                        "trace.says.attempt_same_key"
                    } else {
                        "trace.says.attempt_new_auth"
                    },
                    vec![("n", n.to_string())],
                )
            });
        }
        match self.retry.layer {
            RetryLayer::Acquirer => {
                if !self.retry.idem {
                    // The till now waits on this attempt, until the terminal's own deadline.
                    let at = p
                        .t_sale
                        .saturating_add(self.s.strategy.terminal_timeout)
                        .max(self.q.now());
                    self.schedule(at, Ev::TerminalTimeout { pid: rid });
                }
                self.route_request(rid);
            }
            _ => self.start_request(rid, p.group),
        }
    }

    // ---------------------------------------------------------------- at the terminal

    /// The terminal's timer for `pid` expires. Returns the record whose till times out, or
    /// `None` when the timer is stale or a retry follows.
    #[inline(never)]
    pub(in crate::model) fn retry_timeout(&mut self, pid: u32) -> Option<u32> {
        let p = self.arena.pay[pid as usize];
        if p.retry & bit::CARRIER != 0 {
            let sale = self.sale_entry(pid);
            let owner = sale.owner;
            if self.arena.pay[owner as usize].terminal_state != Term::Waiting || sale.current != pid
            {
                return None;
            }
            self.arena.pay[pid as usize].terminal_state = Term::TimedOut;
            return self.terminal_attempt_failed(pid, sale, code::NONE);
        }
        if p.retry & bit::SUPERSEDED != 0 || p.terminal_state != Term::Waiting {
            return if p.retry & bit::SUPERSEDED != 0 {
                None
            } else {
                Some(pid)
            };
        }
        if self.retry.layer != RetryLayer::Terminal {
            return Some(pid); // the terminal does not retry: the sale fails here
        }
        let sale = self.sale_entry(pid);
        if sale.current != pid {
            return None; // the timer of an attempt already answered (91) and retried
        }
        self.terminal_attempt_failed(pid, sale, code::NONE)
    }

    /// The current attempt `pid` of a sale failed at the terminal (timed out, `c` =
    /// `code::NONE`, or answered a retryable code): retry if allowed, else the failure is the
    /// sale's. Returns the record that shows the failure, or `None` if a retry follows.
    fn terminal_attempt_failed(&mut self, pid: u32, sale: Sale, c: u8) -> Option<u32> {
        let owner = sale.owner;
        let shows = if self.retry.idem { owner } else { pid };
        let retry_here = self.retry.layer == RetryLayer::Terminal
            && (c == code::NONE || retryable(c))
            && self.may_retry(pid, &sale);
        if !retry_here {
            if self.retry.idem && c != code::NONE {
                let o = &mut self.arena.pay[owner as usize];
                if o.acquirer == Acq::Unknown {
                    o.code = c;
                }
            }
            return Some(shows);
        }
        if c == code::NONE {
            self.out.timeouts += 1;
            if !self.retry.idem {
                // This attempt is its own authorisation: the terminal reverses it as after
                // any timeout, then tries again with a new one.
                let q = &mut self.arena.pay[pid as usize];
                q.terminal_state = Term::TimedOut;
                q.retry |= bit::SUPERSEDED;
                self.blame_timeout(pid);
                if T::ON {
                    self.trace(pid, |_| {
                        Step::Note("trace.note.retry_terminal_s_timer_this")
                    });
                }
                if self.s.strategy.reversal.is_some() {
                    self.send_reversal(pid);
                }
            } else if T::ON {
                self.trace(pid, |_| {
                    Step::Note("trace.note.retry_terminal_s_timer_expires")
                });
            }
        } else {
            let q = &mut self.arena.pay[pid as usize];
            if !self.retry.idem || pid != owner {
                q.terminal_state = Term::Answered;
                q.till_code = c;
            }
            if !self.retry.idem {
                q.retry |= bit::SUPERSEDED;
            }
        }
        self.schedule_retry(pid, sale);
        None
    }

    /// An answer reaches the terminal for `pid`. Returns the record whose till takes it (the
    /// existing logic then shows it, or counts it late), or `None` when it is stale or a retry
    /// follows.
    #[inline(never)]
    pub(in crate::model) fn retry_answer(&mut self, pid: u32, c: u8) -> Option<u32> {
        let p = self.arena.pay[pid as usize];
        if p.retry & bit::CARRIER != 0 {
            let sale = self.sale_entry(pid);
            let owner = sale.owner;
            let was_waiting = p.terminal_state == Term::Waiting;
            self.arena.pay[pid as usize].terminal_state = Term::Answered;
            let o = self.arena.pay[owner as usize];
            if c == code::APPROVED || o.terminal_state != Term::Waiting {
                return Some(owner); // an approval of the key is the sale's, whichever attempt
            }
            if sale.current != pid || !was_waiting {
                self.out.late_answers += 1;
                return None;
            }
            return self.terminal_attempt_failed(pid, sale, c);
        }
        if p.terminal_state != Term::Waiting || p.retry & bit::SUPERSEDED != 0 {
            return Some(pid); // counted late by the terminal
        }
        if p.retry & bit::IN_SALE == 0
            && (self.retry.layer != RetryLayer::Terminal || !retryable(c))
        {
            return Some(pid);
        }
        let sale = self.sale_entry(pid);
        if sale.current != pid {
            // The owner's own late answer after a retry began (idempotent): an approval is
            // the sale's; anything else is stale.
            if c == code::APPROVED {
                return Some(pid);
            }
            self.out.late_answers += 1;
            return None;
        }
        if c == code::APPROVED || self.retry.layer != RetryLayer::Terminal {
            return Some(pid);
        }
        self.terminal_attempt_failed(pid, sale, c)
    }

    /// The till of `pid` has shown a failure (`c`, or `code::NONE` for no answer): the
    /// cardholder may pay again at the same terminal.
    #[inline(never)]
    pub(in crate::model) fn till_failed(&mut self, pid: u32, c: u8) {
        let share = self.s.strategy.cardholder.pay_again_share;
        let p = self.arena.pay[pid as usize];
        if share <= 0.0 || p.retry & bit::REPEAT != 0 || !code::is_system_failure(c) {
            return;
        }
        if !chance(self.word(pid, slot::PAY_AGAIN), share) {
            return;
        }
        let u = unit(self.word(pid, slot::PAY_AGAIN_DELAY));
        let delay = self.s.strategy.cardholder.pay_again_delay.quantile_ns(u);
        self.sale_entry(pid);
        if T::ON {
            self.trace(pid, |_| {
                Step::Says(
                    "trace.says.pay_again_in",
                    vec![("secs", format!("{:.0}", delay as f64 / 1e9))],
                )
            });
        }
        self.schedule(self.q.now().saturating_add(delay), Ev::PayAgain { pid });
    }

    /// The cardholder pays again for the purchase of `pid`: a new sale, same card, amount and
    /// terminal (its path draws its own words).
    pub(in crate::model) fn pay_again(&mut self, pid: u32) {
        let now = self.q.now();
        let p = self.arena.pay[pid as usize];
        let sale = self.sale_entry(pid);
        let serial = self.out.payments;
        self.out.payments += 1;
        self.out.cardholder_repeats += 1;
        if T::SAMPLES {
            self.tracer.sale(now, true);
        }
        let fraud = p.has(flag::FRAUD);
        let miskeyed = p.has(flag::MISKEYED);
        let payable =
            !fraud && self.nodes.accounts[p.issuer as usize].payable(p.account, p.amount, miskeyed);
        let flags =
            (p.flags & (flag::FRAUD | flag::MISKEYED)) | if payable { flag::PAYABLE } else { 0 };
        let channel = self.primary_channel(pid);
        let rid = self.arena.insert(Payment {
            serial,
            t_sale: now,
            channel,
            flags,
            cause: 0,
            late: 0,
            crash: 0,
            attempt: REPEAT_ATTEMPT,
            retry: bit::IN_SALE | bit::REPEAT,
            ..fresh_record(&p)
        });
        self.put_sale(
            serial,
            Sale {
                owner: rid,
                current: rid,
                attempts: 1,
                prev_wait: self.s.strategy.retry.base,
                purchase: sale.purchase,
            },
        );
        if let Some(t) = self.retry.purchases.get_mut(&sale.purchase) {
            t.live += 1;
            t.repeat = Some(serial);
        }
        if T::ON {
            self.trace(pid, |_| {
                Step::Says(
                    "trace.says.pays_again",
                    vec![("serial", serial.to_string())],
                )
            });
        }
        self.start_request(rid, p.group);
    }

    /// The terminal sends a new record's request and starts its timer.
    fn start_request(&mut self, rid: u32, group: u16) {
        let at = self
            .q
            .now()
            .saturating_add(self.s.strategy.terminal_timeout);
        self.schedule_timeout(rid, at);
        self.send(
            rid,
            LinkId::Terminal(group),
            Dir::Up,
            Msg::Gateway(ToGateway::Request),
        );
    }

    // ---------------------------------------------------------------- at the acquirer

    /// A carrier's request has passed the gateway's queue: if the acquirer already has the
    /// key's answer it answers from its record (true); else the carrier goes on.
    #[inline(never)]
    pub(in crate::model) fn retry_carrier_at_gateway(&mut self, pid: u32) -> bool {
        let owner = self.sale_entry(pid).owner;
        let o = self.arena.pay[owner as usize];
        if o.acquirer == Acq::Unknown {
            return false;
        }
        self.out.idempotent_replays += 1;
        let q = &mut self.arena.pay[pid as usize];
        q.acquirer = Acq::Declined; // the carrier itself is no sale
        let g = q.group;
        if T::ON {
            self.trace(pid, |_| {
                Step::Note("trace.note.retry_acquirer_knows_key_answers")
            });
        }
        self.send(
            pid,
            LinkId::Terminal(g),
            Dir::Down,
            Msg::Terminal(ToTerminal::Response(o.code)),
        );
        true
    }

    /// A response reaches the acquirer: a carrier's is the owner's; at the acquirer layer a
    /// retryable one is retried. True when handled here.
    #[inline(never)]
    pub(in crate::model) fn retry_gateway_response(&mut self, pid: u32, c: u8) -> bool {
        let p = self.arena.pay[pid as usize];
        if p.retry & bit::CARRIER != 0 {
            let sale = self.sale_entry(pid);
            let owner = sale.owner;
            let o = self.arena.pay[owner as usize];
            self.arena.pay[pid as usize].acquirer = Acq::Declined; // the carrier is no sale
            if o.acquirer != Acq::Unknown {
                if o.has(flag::ACQ_TIMED_OUT) {
                    // The acquirer gave up on the key and reversed it.
                    self.out.late_refused += 1;
                } else {
                    self.send(
                        pid,
                        LinkId::Terminal(p.group),
                        Dir::Down,
                        Msg::Terminal(ToTerminal::Response(o.code)),
                    );
                }
                return true;
            }
            if c != code::APPROVED && sale.current != pid {
                return true; // an earlier attempt's failure, already acted on
            }
            if self.retry.layer == RetryLayer::Acquirer
                && retryable(c)
                && self.may_retry(pid, &sale)
            {
                self.schedule_retry(pid, sale);
                return true;
            }
            // The review the risk engine asked for, and a stand-in given to this attempt, are
            // the sale's.
            self.arena.pay[owner as usize].flags |= p.flags & (flag::REVIEW | flag::STAND_IN);
            self.acquirer_answer(owner, c);
            self.send(
                pid,
                LinkId::Terminal(p.group),
                Dir::Down,
                Msg::Terminal(ToTerminal::Response(c)),
            );
            return true;
        }
        if self.retry.idem
            && p.retry & bit::IN_SALE != 0
            && c != code::APPROVED
            && self.sale_entry(pid).current != pid
        {
            return true; // the owner's own failure after a retry took over: stale
        }
        if self.retry.layer != RetryLayer::Acquirer
            || !retryable(c)
            || p.has(flag::ACQ_TIMED_OUT)
            || p.retry & bit::SUPERSEDED != 0
            || p.acquirer != Acq::Unknown
        {
            return false;
        }
        // The primary channel itself refused: the backup channel, if any, comes first.
        let backup = self
            .routing
            .table
            .as_ref()
            .and_then(|t| t[p.issuer as usize].backup);
        if c == code::INOPERATIVE
            && p.has(flag::CHANNEL_REFUSED)
            && !p.has(flag::FAILED_OVER)
            && backup.is_some()
        {
            return false;
        }
        let sale = self.sale_entry(pid);
        if sale.current != pid || !self.may_retry(pid, &sale) {
            return false;
        }
        if !self.retry.idem {
            // This attempt is declined for good; the till waits on the next one.
            self.acquirer_answer(pid, c);
            let q = &mut self.arena.pay[pid as usize];
            q.retry |= bit::SUPERSEDED;
            if q.terminal_state == Term::Waiting {
                q.terminal_state = Term::TimedOut;
            }
        }
        self.schedule_retry(pid, sale);
        true
    }

    /// The acquirer's timer for `pid` expires. True when handled here (a retry follows, the
    /// timer is stale, or a carrier's failure was applied to its owner).
    #[inline(never)]
    pub(in crate::model) fn retry_acquirer_timeout(&mut self, pid: u32) -> bool {
        let p = self.arena.pay[pid as usize];
        if p.acquirer != Acq::Unknown {
            return false; // answered: the timer is void
        }
        if p.retry & bit::CARRIER != 0 {
            let sale = self.sale_entry(pid);
            let owner = sale.owner;
            self.arena.pay[pid as usize].acquirer = Acq::Declined;
            if self.arena.pay[owner as usize].acquirer != Acq::Unknown || sale.current != pid {
                return true;
            }
            self.out.acquirer_timeouts += 1;
            if self.retry.layer == RetryLayer::Acquirer && self.may_retry(pid, &sale) {
                self.schedule_retry(pid, sale);
                return true;
            }
            // The acquirer gives up on the key: the owner is declined 91 and reversed; the
            // terminal hears it through this attempt.
            let o = &mut self.arena.pay[owner as usize];
            o.set(flag::ACQ_TIMED_OUT);
            o.acquirer = Acq::Declined;
            o.code = code::INOPERATIVE;
            self.blame_timeout(owner);
            if T::ON {
                self.trace(pid, |_| {
                    Step::Coded(
                        "trace.note.retry_acquirer_s_timer_channel",
                        code::INOPERATIVE,
                    )
                });
            }
            self.send(
                pid,
                LinkId::Terminal(p.group),
                Dir::Down,
                Msg::Terminal(ToTerminal::Response(code::INOPERATIVE)),
            );
            self.host_reversal(owner);
            return true;
        }
        if self.retry.layer != RetryLayer::Acquirer || p.retry & bit::SUPERSEDED != 0 {
            return false;
        }
        let sale = self.sale_entry(pid);
        if sale.current != pid || !self.may_retry(pid, &sale) {
            return false;
        }
        self.out.acquirer_timeouts += 1;
        if !self.retry.idem {
            // The acquirer gives up on this attempt (refuses its late answer, reverses it) and
            // sends a new authorisation; the till waits on that one.
            let q = &mut self.arena.pay[pid as usize];
            q.set(flag::ACQ_TIMED_OUT);
            q.acquirer = Acq::Declined;
            q.code = code::INOPERATIVE;
            q.retry |= bit::SUPERSEDED;
            if q.terminal_state == Term::Waiting {
                q.terminal_state = Term::TimedOut;
            }
            self.blame_timeout(pid);
            self.host_reversal(pid);
        }
        self.schedule_retry(pid, sale);
        true
    }

    // ---------------------------------------------------------------- at the issuer

    /// A request reaches the issuer's decision with idempotency on. True when answered here:
    /// from the key (the owner already approved: no second charge), or by deciding for the
    /// owner when a carrier arrives first.
    #[inline(never)]
    pub(in crate::model) fn retry_issuer_decide(&mut self, pid: u32) -> bool {
        let p = self.arena.pay[pid as usize];
        if p.retry & bit::IN_SALE == 0 {
            return false;
        }
        let owner = self.sale_entry(pid).owner;
        let o = self.arena.pay[owner as usize];
        let link = LinkId::ChannelIssuer(p.channel, p.issuer);
        if o.issuer_has_funds() {
            // A carrier, or the owner's own request arriving late after a carrier's.
            self.out.idempotent_replays += 1;
            if T::ON {
                self.trace(pid, |_| {
                    Step::Note("trace.note.retry_issuer_has_decided_this")
                });
            }
            self.send(
                pid,
                link,
                Dir::Down,
                Msg::Channel(ToChannel::Response(code::APPROVED)),
            );
            return true;
        }
        if pid == owner {
            return false;
        }
        // The first request under this key to be decided: the money is the owner's.
        let rcode = self.issuer_decision(owner);
        self.send(
            pid,
            link,
            Dir::Down,
            Msg::Channel(ToChannel::Response(rcode)),
        );
        true
    }

    /// The record a reversal reaching the issuer acts on: a carrier's reverses its key.
    #[inline(never)]
    pub(in crate::model) fn retry_reversal_target(&mut self, pid: u32) -> u32 {
        if self.arena.pay[pid as usize].retry & bit::CARRIER != 0 {
            self.sale_entry(pid).owner
        } else {
            pid
        }
    }

    // ---------------------------------------------------------------- the end

    /// A record of a sale in the table is classified. Returns whether it records an outcome
    /// (a superseded attempt or carrier in which nobody's money moved does not).
    #[inline(never)]
    pub(in crate::model) fn retry_record_ends(&mut self, p: &Payment) -> bool {
        let empty = p.retry & bit::SUPERSEDED != 0
            && p.charged == 0
            && p.credited == 0
            && !p.has(flag::CHARGED_BACK);
        if empty {
            self.out.attempts_without_outcome += 1;
        }
        if p.retry & bit::IN_SALE != 0
            && let Some(sale) = self.retry.sales.get(&p.serial).copied()
            && let Some(t) = self.retry.purchases.get_mut(&sale.purchase)
        {
            t.live -= 1;
            if p.charged > 0 {
                t.charged += 1;
            }
            if t.live == 0 {
                let t = *t;
                if t.charged >= 2 {
                    self.out.duplicate_charges += 1;
                    self.out.duplicate_charge_amount += t.amount * (t.charged as i64 - 1);
                }
                self.retry.purchases.remove(&sale.purchase);
                self.retry.sales.remove(&sale.purchase);
                if let Some(r) = t.repeat {
                    self.retry.sales.remove(&r);
                }
            }
        }
        !empty
    }

    /// After a carrier's slot is freed: its hold on the owner ends.
    #[inline(never)]
    pub(in crate::model) fn retry_release_owner(
        &mut self,
        p: &Payment,
    ) -> Result<(), crate::model::invariants::Violation> {
        if p.retry & bit::CARRIER == 0 || self.finishing {
            // (At the end of observation the sweep classifies every live record itself, the
            // owner perhaps already: releasing it again would classify it twice.)
            return Ok(());
        }
        match self.retry.sales.get(&p.serial) {
            Some(s) => {
                let owner = s.owner;
                self.release(owner)
            }
            None => Ok(()),
        }
    }
}

/// A new record of `p`'s sale (a retry, or the cardholder's repeat): the same card, amount,
/// account, terminal and purchase, with nothing yet sent, held, decided or posted.
fn fresh_record(p: &Payment) -> Payment {
    Payment {
        t_held: 0,
        charged: 0,
        credited: 0,
        refs: 0,
        batch: NO_BATCH,
        batch_pos: 0,
        code: code::NONE,
        till_code: code::NONE,
        t_break: 0,
        advice_sent: 0,
        struck: 0,
        reversal_attempts: 0,
        used: 0,
        saf_sent: 0,
        terminal_state: Term::Waiting,
        acquirer: Acq::Unknown,
        issuer_state: Iss::Unseen,
        ..*p
    }
}

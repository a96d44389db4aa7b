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

use crate::model::PaymentId;
use std::collections::HashMap;

use crate::engine::Nanos;
use crate::engine::rng::unit;
use crate::model::World;
use crate::model::clearing::NO_BATCH;
use crate::model::event::Ev;
use crate::model::payment::{
    AcquirerState as Acq, Flags, IssuerState as Iss, Payment, TerminalState as Term, code, slot,
};
use crate::model::topology::pick;
use crate::model::trace::{Step, Tracer};
use crate::scenario::Scenario;
use crate::scenario::strategies::retry::RetryLayer;

mod acquirer;
mod end;
mod issuer;
mod terminal;

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
const NO_CURRENT: PaymentId = PaymentId(u32::MAX);

/// One sale that has (or will have) more than one record.
#[derive(Clone, Copy, Debug)]
struct Sale {
    /// The first record: with idempotency, the one that holds the sale.
    owner: PaymentId,
    /// The record of the attempt in progress.
    current: PaymentId,
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

/// A record of a purchase: its slot, and the serial and attempt that tell whether the slot
/// still holds it.
type RecordKey = (PaymentId, u64, u8);

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
    /// The records of each purchase, as (slot, serial, attempt), kept only under `[disputes]`
    /// (a duplicate charge is disputed: see `retry_charged_before`).
    records: Option<HashMap<u64, Vec<RecordKey>>>,
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
            records: (on && s.disputes.is_some()).then(HashMap::new),
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
    fn sale_entry(&mut self, pid: PaymentId) -> Sale {
        let p = self.arena[pid];
        if p.retry & bit::IN_SALE == 0 {
            self.arena[pid].retry |= bit::IN_SALE;
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
            self.note_record(p.serial, pid);
            return sale;
        }
        self.retry.sales[&p.serial]
    }

    fn put_sale(&mut self, serial: u64, sale: Sale) {
        self.retry.sales.insert(serial, sale);
    }

    /// Whether the sale of `pid` may make another attempt now: attempts left, and a token in
    /// the budget (spent here).
    fn may_retry(&mut self, pid: PaymentId, sale: &Sale) -> bool {
        let r = &self.s.strategy.retry;
        if sale.attempts as u32 >= r.attempts {
            return false;
        }
        let Some((rate, burst)) = r.budget else {
            return true;
        };
        let (b, seen_now) = match self.retry.layer {
            RetryLayer::Terminal => {
                let g = self.arena[pid].group as usize;
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
    fn schedule_retry(&mut self, pid: PaymentId, mut sale: Sale) {
        let r = &self.s.strategy.retry;
        let n = sale.attempts as u32; // the retry's number: 1 for the first
        let u = unit(self.path_word(pid, slot::RETRY_JITTER));
        let wait = r.wait(n, u, sale.prev_wait);
        sale.prev_wait = wait;
        sale.current = NO_CURRENT;
        let serial = self.arena[pid].serial;
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
    fn primary_channel(&self, pid: PaymentId) -> u16 {
        let p = &self.arena[pid];
        match &self.routing.table {
            Some(t) => t[p.issuer as usize].channel as u16,
            None => pick(
                &self.routing.channel_cdf,
                unit(self.word(pid, slot::CHANNEL)),
            ),
        }
    }

    /// A new record for the next attempt of the sale of `from`.
    fn new_attempt(&mut self, from: PaymentId, sale: &mut Sale) -> PaymentId {
        let p = self.arena[from];
        sale.attempts += 1;
        let base = p.attempt & !(REPEAT_ATTEMPT - 1);
        let keep = if self.retry.layer == RetryLayer::Acquirer {
            Flags::FRAUD | Flags::PAYABLE | Flags::MISKEYED | Flags::REVIEW
        } else {
            Flags::FRAUD | Flags::PAYABLE | Flags::MISKEYED
        };
        let mut bits = bit::IN_SALE | (p.retry & bit::REPEAT);
        if self.retry.idem {
            bits |= bit::CARRIER | bit::SUPERSEDED;
        }
        let channel = self.primary_channel(from);
        let rid = self.arena.insert(Payment {
            channel,
            flags: p.flags.only(keep),
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
        self.note_record(purchase, rid);
        rid
    }

    /// Under `[disputes]`, `rid` is entered among the records of `purchase`.
    pub(super) fn note_record(&mut self, purchase: u64, rid: PaymentId) {
        if let Some(r) = self.retry.records.as_mut() {
            let p = &self.arena[rid];
            r.entry(purchase)
                .or_default()
                .push((rid, p.serial, p.attempt));
        }
    }

    /// The retry's time has come: a new attempt of the sale is sent (the terminal's request
    /// up its link, or the acquirer's to the channel).
    pub(in crate::model) fn retry_send(&mut self, pid: PaymentId) {
        let p = self.arena[pid];
        let mut sale = self.sale_entry(pid);
        if self.retry.idem && self.arena[sale.owner].terminal_state != Term::Waiting {
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
        txn: 0,
        rail: 0,
        dispute: 0,
        terminal_state: Term::Waiting,
        acquirer: Acq::Unknown,
        issuer_state: Iss::Unseen,
        ..*p
    }
}

//! QR payments through an aggregator (`[channels.qr]`): the wallet's answer reaches the
//! acquirer as the aggregator's payment notification, which can be lost; the acquirer's
//! platform then polls the aggregator with status queries on the order's grid (every
//! `query_interval` from the sale, up to `query_attempts`). A query finds the wallet's answer
//! unless the aggregator is down at that moment, and hands it on as if the notification had
//! arrived (a query's own round trip is not drawn). Without a query in time the merchant's
//! device times out: "paid" on the customer's phone, "not received" at the till.

use crate::engine::rng::chance;
use crate::model::PaymentId;
use crate::model::World;
use crate::model::event::{Ev, Msg, ToGateway};
use crate::model::payment::{Payment, code, slot};
use crate::model::topology::{Dir, LinkId};
use crate::model::trace::{Step, Tracer};

/// What an `Ev::Qr` event carries: the wallet's answer the aggregator holds, and the number
/// of the status query (1 for the first).
#[derive(Clone, Copy, Debug)]
pub(in crate::model) struct QrQuery {
    pub code: u8,
    pub k: u8,
}

impl<T: Tracer> World<'_, T> {
    /// The channel passes the issuer's (the wallet's) answer `c` on to the acquirer: on a QR
    /// aggregator, as a payment notification that may be lost.
    #[inline]
    pub(in crate::model) fn answer_gateway(&mut self, pid: PaymentId, ch: u16, c: u8) {
        if self.qr_on && self.s.channels[ch as usize].qr.is_some() {
            return self.notify(pid, ch, c);
        }
        self.send(
            pid,
            LinkId::GatewayChannel(ch),
            Dir::Down,
            Msg::Gateway(ToGateway::Response(c)),
        );
    }

    #[cold]
    #[inline(never)]
    fn notify(&mut self, pid: PaymentId, ch: u16, c: u8) {
        let Some(q) = self.s.channels[ch as usize].qr.as_ref() else {
            return;
        };
        let (loss, interval, attempts) = (q.notify_loss, q.query_interval, q.query_attempts);
        if !chance(self.path_word(pid, slot::QR_NOTIFY), loss) {
            self.send(
                pid,
                LinkId::GatewayChannel(ch),
                Dir::Down,
                Msg::Gateway(ToGateway::Response(c)),
            );
            return;
        }
        self.out.qr_notifications_lost += 1;
        self.blame(pid, crate::model::cause::id::MESSAGE_LOSS);
        if T::ON {
            self.trace(pid, |_| {
                Step::Note("trace.note.channel_qr_notification_lost")
            });
        }
        // The next status query on the order's grid, if the device still asks.
        let since = self.q.now().saturating_sub(self.arena[pid].t_sale);
        let k = since / interval + 1;
        if k <= attempts as u64 {
            self.schedule_query(pid, c, k as u8, interval);
        }
    }

    fn schedule_query(&mut self, pid: PaymentId, c: u8, k: u8, interval: u64) {
        let at = self.arena[pid]
            .t_sale
            .saturating_add(interval.saturating_mul(k as u64));
        if at <= self.horizon {
            let step = QrQuery { code: c, k };
            self.schedule(at, Ev::Qr { pid, step });
        }
    }

    /// A status query of the order: the aggregator answers with the wallet's decision, unless
    /// it is down; then the next query, if any.
    pub(in crate::model) fn qr_query(&mut self, pid: PaymentId, step: QrQuery) {
        let p = self.arena[pid];
        let Some(q) = self.s.channels[p.channel as usize].qr.as_ref() else {
            return;
        };
        let (interval, attempts) = (q.query_interval, q.query_attempts);
        self.out.qr_queries += 1;
        let st = self.topo.channel(p.channel);
        if self.faults_on && self.down_now(pid, st).is_some() {
            if T::ON {
                self.trace(pid, |_| {
                    Step::Note("trace.note.gateway_qr_query_unanswered")
                });
            }
            if step.k < attempts {
                self.schedule_query(pid, step.code, step.k + 1, interval);
            }
            return;
        }
        self.out.qr_resolved_by_query += 1;
        if T::ON {
            self.trace(pid, |_| Step::Note("trace.note.gateway_qr_query_answered"));
        }
        self.gateway_response(pid, step.code);
    }

    /// At the payment's end: a QR payment the wallet paid whose merchant's till never showed
    /// it (the phone says paid, the merchant says not received).
    #[cold]
    #[inline(never)]
    pub(in crate::model) fn qr_at_end(&mut self, p: &Payment) {
        if self.s.channels[p.channel as usize].qr.is_none() {
            return;
        }
        // (Counted at the sale: `qr_payments`. A payment folded into its batch was approved
        // at the till, so it never counts here.)
        let wallet_paid = p.charged > 0 || p.credited > 0;
        if wallet_paid && p.till_code != code::APPROVED {
            self.out.qr_paid_not_shown += 1;
        }
    }
}

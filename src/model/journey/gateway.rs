//! The acquirer's gateway: its queue, the risk engine, routing to a channel, and what the
//! acquirer believes about each payment.

use crate::engine::rng::chance;
use crate::model::PaymentId;
use crate::model::World;
use crate::model::event::{Ev, Msg, Rev, ToChannel, ToGateway, ToTerminal};
use crate::model::payment::{AcquirerState as Acq, Flags, code, slot};
use crate::model::topology::{Dir, LinkId, Topology};
use crate::model::trace::{Step, Tracer};
use crate::scenario::RiskAction;
use crate::scenario::strategies::guard::FailoverMode;

impl<T: Tracer> World<'_, T> {
    /// A message reaches the gateway.
    pub(in crate::model) fn at_gateway(&mut self, pid: PaymentId, m: ToGateway) {
        let st = Topology::GATEWAY;
        let p = self.arena[pid];
        match m {
            ToGateway::Request => self.request_at(pid, st, Msg::Gateway(m)),
            ToGateway::Response(c) => {
                if self.reachable(pid, st, Msg::Gateway(m)) {
                    self.gateway_response(pid, c);
                }
            }
            ToGateway::Reversal(r) => {
                if self.reachable(pid, st, Msg::Gateway(m)) {
                    // The acquirer records the reversal; a payment already cleared is undone by
                    // the issuer's refund when the reversal reaches it.
                    self.arena[pid].acquirer = Acq::Reversed;
                    if p.has(Flags::ADVANCED) && !p.has(Flags::PAID_ON) {
                        self.take_back_advance(pid);
                    }
                    if self.s.strategy.saf.is_some() {
                        // The host acknowledges at once and owns the delivery from here.
                        self.send(
                            pid,
                            LinkId::Terminal(p.group),
                            Dir::Down,
                            Msg::Terminal(ToTerminal::ReversalAck),
                        );
                        self.saf_start(pid);
                    } else {
                        // Without store-and-forward the terminal's own reversal goes on.
                        self.send(
                            pid,
                            LinkId::GatewayChannel(p.channel),
                            Dir::Up,
                            Msg::Channel(ToChannel::Reversal(r)),
                        );
                    }
                }
            }
            ToGateway::Void => {
                if self.reachable(pid, st, Msg::Gateway(m)) {
                    self.void_at_gateway(pid);
                }
            }
            ToGateway::Refund => {
                if self.reachable(pid, st, Msg::Gateway(m)) {
                    self.refund_at_gateway(pid);
                }
            }
            ToGateway::Completion => {
                if self.reachable(pid, st, Msg::Gateway(m)) {
                    self.completion_at_gateway(pid);
                }
            }
            // The terminal's reversal's acknowledgement goes back to it; the acquirer keeps
            // those of its own.
            ToGateway::ReversalAck(r) => {
                if !self.reachable(pid, st, Msg::Gateway(m)) {
                } else if r.by_terminal() {
                    self.send(
                        pid,
                        LinkId::Terminal(p.group),
                        Dir::Down,
                        Msg::Terminal(ToTerminal::ReversalAck),
                    );
                } else if self.s.strategy.saf.is_some() {
                    self.arena[pid].set(Flags::SAF_ACKED);
                    if T::ON {
                        self.trace(pid, |_| Step::SafAcked);
                    }
                } else if T::ON {
                    self.trace(pid, |_| Step::ReversalAcked { by: "acquirer" });
                }
            }
        }
    }

    /// The acquirer's risk engine, then routing to the payment's channel.
    pub(in crate::model) fn risk_check(&mut self, pid: PaymentId) {
        let p = self.arena[pid];
        if self.retry.idem
            && p.retry & crate::model::remedies::retry::bit::CARRIER != 0
            && self.retry_carrier_at_gateway(pid)
        {
            return; // the acquirer answered the retry from its record of the key
        }
        if self.retry.idem
            && p.retry & crate::model::remedies::retry::bit::IN_SALE != 0
            && p.acquirer != Acq::Unknown
        {
            // The first attempt's request reaches the acquirer after a retry of its key was
            // answered: it is answered from the record, not decided again.
            self.send(
                pid,
                LinkId::Terminal(p.group),
                Dir::Down,
                Msg::Terminal(ToTerminal::Response(p.code)),
            );
            return;
        }
        if p.input == code::FORMAT_ERROR {
            // The gateway cannot parse the request: refused at once (its fault was blamed at
            // the sale).
            self.gateway_refuses(pid, code::FORMAT_ERROR, "gateway");
            return;
        }
        use crate::model::cause::id;
        if self.limits_on && self.over_merchant_limit(pid) {
            self.blame(pid, id::MERCHANT_LIMIT);
            self.out.merchant_limit_declines += 1;
            self.gateway_refuses(pid, code::OVER_LIMIT, "merchant_limit");
            return;
        }
        let fraud = p.has(Flags::FRAUD);
        // The scenario's risk engine, then any rule a fault deployed.
        let mut flagged = self.s.risk.as_ref().and_then(|r| {
            let rate = if fraud {
                r.detection_rate
            } else {
                r.false_positive_rate
            };
            let c = match (fraud, r.action) {
                (true, RiskAction::Decline) => id::FRAUD_DECLINED,
                (false, RiskAction::Decline) => id::RISK_FALSE_POSITIVE,
                (_, RiskAction::Review) => id::RISK_REVIEW,
            };
            chance(self.word(pid, slot::RISK), rate).then_some((r.action, c))
        });
        if flagged.is_none() && !fraud && self.faults_on && !self.faults.risk.is_empty() {
            flagged = self.card_rule(pid);
        }
        match flagged {
            Some((RiskAction::Decline, c)) => {
                self.blame(pid, c);
                self.out.risk_declines += 1;
                self.gateway_refuses(pid, code::SUSPECTED_FRAUD, "risk");
                return;
            }
            Some((RiskAction::Review, c)) => {
                self.blame(pid, c);
                self.arena[pid].set(Flags::REVIEW);
                self.out.risk_reviews += 1;
            }
            None => {}
        }
        self.route_request(pid);
    }

    /// The acquirer refuses the request itself with `rcode` (`by`: who decided, for the trace)
    /// and answers the terminal.
    pub(in crate::model) fn gateway_refuses(
        &mut self,
        pid: PaymentId,
        rcode: u8,
        by: &'static str,
    ) {
        let q = &mut self.arena[pid];
        q.acquirer = Acq::Declined;
        q.code = rcode;
        let g = q.group;
        if T::ON {
            self.trace(pid, |_| Step::Decided {
                by,
                at: String::new(),
                code: rcode,
            });
        }
        self.send(
            pid,
            LinkId::Terminal(g),
            Dir::Down,
            Msg::Terminal(ToTerminal::Response(rcode)),
        );
    }

    /// Sends the request to the payment's channel and, if the acquirer has a timeout towards
    /// the channel, starts its timer.
    pub(in crate::model) fn route_request(&mut self, pid: PaymentId) {
        let first = !self.arena[pid].has(Flags::FAILED_OVER);
        if self.guard.is_some() && !self.guard_route(pid, first) {
            return; // refused at once, or nothing to send
        }
        let c = self.arena[pid].channel;
        let timer = (self.s.strategy.acquirer_timeout, self.lanes.acquirer);
        if let (Some(t), Some(lane)) = timer
            && first
        {
            let at = self.q.now().saturating_add(t);
            self.schedule_in_lane(lane, at, Ev::AcquirerTimeout { pid });
        }
        self.send(
            pid,
            LinkId::GatewayChannel(c),
            Dir::Up,
            Msg::Channel(ToChannel::Request),
        );
    }

    /// A response reaches the acquirer: refused if it comes too late, re-routed to the backup
    /// channel if the primary channel itself refused, otherwise recorded and passed to the
    /// terminal.
    #[inline(always)]
    pub(in crate::model) fn gateway_response(&mut self, pid: PaymentId, c: u8) {
        if self.guard.is_some() {
            self.guard_acq_answer(pid, c);
        }
        if self.retry.on && self.retry_gateway_response(pid, c) {
            return;
        }
        let p = self.arena[pid];
        if p.has(Flags::ACQ_TIMED_OUT) {
            // The acquirer answered the terminal already and reverses the request.
            self.out.late_refused += 1;
            let saf = self.s.strategy.saf.is_some();
            if T::ON {
                let then = match (c == code::APPROVED, saf) {
                    (false, _) => "dropped",
                    (true, false) => "reversed",
                    (true, true) => "stored",
                };
                self.trace(pid, |_| Step::LateResponse {
                    by: "acquirer",
                    code: c,
                    then,
                });
            }
            if c == code::APPROVED && !saf {
                self.send(
                    pid,
                    LinkId::GatewayChannel(p.channel),
                    Dir::Up,
                    Msg::Channel(ToChannel::Reversal(Rev::AcquirerLate)),
                );
            }
            return;
        }
        if p.acquirer == Acq::Declined && c == code::APPROVED {
            self.refuse_second_approval(pid, c);
            return;
        }
        if c == code::INOPERATIVE
            && p.has(Flags::CHANNEL_REFUSED)
            && !p.has(Flags::FAILED_OVER)
            && self.s.strategy.guard.failover.mode != FailoverMode::None
        {
            let backup = self
                .routing
                .table
                .as_ref()
                .and_then(|t| t[p.issuer as usize].backup);
            if let Some(b) = backup {
                let q = &mut self.arena[pid];
                q.channel = b as u16;
                q.clear(Flags::CHANNEL_REFUSED);
                q.set(Flags::FAILED_OVER);
                self.out.failovers += 1;
                if T::ON {
                    let to = self.s.channels[b].station.id.clone();
                    self.trace(pid, |_| Step::FailedOver { to });
                }
                self.route_request(pid);
                return;
            }
        }
        self.acquirer_answer(pid, c);
        self.send(
            pid,
            LinkId::Terminal(p.group),
            Dir::Down,
            Msg::Terminal(ToTerminal::Response(c)),
        );
    }

    /// A second answer for a sale the acquirer already declined (a stand-in approval of a
    /// first attempt after its idempotent retry was declined): the till must not show an
    /// approval the acquirer's records do not, so it is refused as too late and its funds
    /// reversed.
    #[cold]
    #[inline(never)]
    fn refuse_second_approval(&mut self, pid: PaymentId, c: u8) {
        self.out.late_refused += 1;
        if T::ON {
            self.trace(pid, |_| Step::LateResponse {
                by: "acquirer",
                code: c,
                then: "declined",
            });
        }
        self.host_reversal(pid);
    }

    /// The acquirer's timer for the channel expires: with no answer yet it answers the
    /// terminal 91 and reverses the request towards the issuer (which may have approved).
    pub(in crate::model) fn acquirer_timeout(&mut self, pid: PaymentId) {
        if self.retry.on && self.retry_acquirer_timeout(pid) {
            return;
        }
        let p = &mut self.arena[pid];
        if p.acquirer != Acq::Unknown {
            return;
        }
        p.set(Flags::ACQ_TIMED_OUT);
        p.acquirer = Acq::Declined;
        if self.guard.is_some() {
            self.guard_acq_timeout(pid);
        }
        let p = &mut self.arena[pid];
        p.code = code::INOPERATIVE;
        let g = p.group;
        self.blame_timeout(pid);
        self.out.acquirer_timeouts += 1;
        if T::ON {
            self.trace(pid, |_| {
                Step::Coded(
                    "trace.note.gateway_acquirer_s_timer_channel",
                    code::INOPERATIVE,
                )
            });
        }
        self.send(
            pid,
            LinkId::Terminal(g),
            Dir::Down,
            Msg::Terminal(ToTerminal::Response(code::INOPERATIVE)),
        );
        self.host_reversal(pid);
    }

    /// The host reverses a payment towards the issuer: through its store-and-forward queue if
    /// it has one, else one reversal.
    pub(in crate::model) fn host_reversal(&mut self, pid: PaymentId) {
        if self.s.strategy.saf.is_some() {
            self.saf_start(pid);
        } else {
            let c = self.arena[pid].channel;
            self.send(
                pid,
                LinkId::GatewayChannel(c),
                Dir::Up,
                Msg::Channel(ToChannel::Reversal(Rev::Acquirer)),
            );
        }
    }

    /// The response reaches the acquirer's gateway: it records what it believes.
    pub(in crate::model) fn acquirer_answer(&mut self, pid: PaymentId, rcode: u8) {
        let p = &mut self.arena[pid];
        if p.acquirer != Acq::Unknown {
            return; // already reversed (or declined by an outage reject)
        }
        p.code = rcode;
        if rcode != code::APPROVED {
            p.acquirer = Acq::Declined;
            return;
        }
        p.acquirer = Acq::Approved;
        if p.has(Flags::REVIEW) {
            // A card rule's own review time, else the risk engine's review delay (a day, the
            // default, with the risk engine switched off).
            let delay = match self.card_rule_review(pid) {
                Some(d) => d,
                None => self
                    .s
                    .risk
                    .as_ref()
                    .map_or(crate::engine::DAY, |r| r.review_delay),
            };
            let delay = if self.upkeep_on {
                self.risk_review_capped(delay)
            } else {
                delay
            };
            self.schedule(self.q.now().saturating_add(delay), Ev::ReviewDone { pid });
        } else if p.txn == 0 {
            self.approved_for_clearing(pid);
        } else {
            self.approved_txn(pid);
        }
    }

    /// An approval of a payment with a void, refund or pre-authorisation of its own
    /// (`[transactions]`): a pre-authorisation awaiting its completion is kept out of
    /// clearing.
    #[cold]
    #[inline(never)]
    fn approved_txn(&mut self, pid: PaymentId) {
        if super::txn::awaiting_completion(&self.arena[pid]) {
            if T::ON {
                self.trace(pid, |_| Step::Note("trace.note.gateway_preauth_held"));
            }
        } else {
            self.approved_for_clearing(pid);
        }
    }

    /// An approval the acquirer will clear: merchant risk screens it, it joins the open batch,
    /// and a D+0 payout is planned.
    pub(in crate::model) fn approved_for_clearing(&mut self, pid: PaymentId) {
        if self.limits_on {
            self.count_against_daily_limit(pid);
        }
        self.merchant_screen(pid);
        self.join_open_batch(pid);
        self.plan_advance(pid);
    }

    /// The host puts a reversal in its store-and-forward queue (once per payment) and sends it.
    pub(in crate::model) fn saf_start(&mut self, pid: PaymentId) {
        let p = &mut self.arena[pid];
        if p.has(Flags::SAF) {
            return;
        }
        p.set(Flags::SAF);
        if T::ON {
            self.trace(pid, |_| Step::SafQueued);
        }
        if self.upkeep_on {
            self.saf_enqueued(pid);
        }
        self.saf_send(pid);
    }

    /// Sends the stored reversal (0420 the first time, 0421 after) unless it was acknowledged
    /// or has expired, and schedules the next repeat.
    pub(in crate::model) fn saf_send(&mut self, pid: PaymentId) {
        let Some(saf) = &self.s.strategy.saf else {
            return;
        };
        let (interval, expiry) = (saf.interval, saf.expiry);
        let p = &mut self.arena[pid];
        if p.has(Flags::SAF_ACKED) {
            return;
        }
        let sent = p.saf_sent;
        // (A count that reached its 16-bit ceiling has expired too: 65,535 repeats.)
        if p.saf_sent as u64 * interval >= expiry
            || p.saf_sent == u16::MAX
            || (self.upkeep_on && self.saf_out_of_attempts(sent as u32))
        {
            self.out.saf_expired += 1;
            if T::ON {
                self.trace(pid, |_| Step::SafExpired);
            }
            return;
        }
        if self.upkeep_on
            && let Some(until) = self.saf_blocked()
        {
            // A bad record at the head of the queue holds this repeat up.
            self.schedule(until, Ev::SafSend { pid });
            return;
        }
        let p = &mut self.arena[pid];
        p.saf_sent += 1;
        let (c, repeat) = (p.channel, p.saf_sent > 1);
        self.out.saf_sent += 1;
        if T::ON && repeat {
            self.trace(pid, |_| Step::SafRepeat);
        }
        let r = if repeat {
            Rev::AcquirerRepeat
        } else {
            Rev::Acquirer
        };
        self.send(
            pid,
            LinkId::GatewayChannel(c),
            Dir::Up,
            Msg::Channel(ToChannel::Reversal(r)),
        );
        self.schedule(self.q.now().saturating_add(interval), Ev::SafSend { pid });
    }

    /// A manual review ends: a confirmed fraud is reversed, anything else goes to clearing.
    pub(in crate::model) fn review_done(&mut self, pid: PaymentId) {
        let p = &mut self.arena[pid];
        if p.acquirer != Acq::Approved {
            return;
        }
        if p.has(Flags::FRAUD) {
            p.acquirer = Acq::Reversed;
            if p.has(Flags::ADVANCED) && !p.has(Flags::PAID_ON) {
                // (A pre-authorisation completed during its review may have been paid D+0.)
                self.take_back_advance(pid);
            }
            self.host_reversal(pid);
        } else if p.txn == 0 {
            self.approved_for_clearing(pid);
        } else if !super::txn::completed_preauth(p) {
            // (A pre-authorisation completed during its review went for clearing then; one
            // awaiting its completion stays out of clearing.)
            self.approved_txn(pid);
        }
    }
}

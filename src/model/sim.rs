//! One run: the world (stations, links, accounts, ledger, payments) and the journey of every
//! payment through it, event by event.
//!
//! The path (domain.md §1): terminal →link→ gateway [queue, risk] →link→ channel [queue] →link→
//! issuer [queue, decision] and the response back the same way without queueing. A terminal
//! that hears nothing within its timeout sends reversals (0400) with retries; the acquirer clears
//! what it believes approved at each cut-off; the batch is credited T+N business days later.

use super::RunOutput;
use super::arrivals::Arrivals;
use super::calendar::{self, Calendar};
use super::clearing::{Batch, NO_BATCH, OPEN_BATCH};
use super::invariants::{Invariant, Violation};
use super::issuer::Accounts;
use super::ledger::{Account, Ledger};
use super::payment::{
    AcquirerState as Acq, IssuerState as Iss, Outcome, Payment, TerminalState as Term, code, flag,
};
use super::station::{Admit, Station};
use super::trace::{Step, Tracer};
use crate::engine::{EventQueue, Nanos, Stream};
use crate::scenario::{Component, Dist, LinkSpec, OutageMode, RiskAction, Scenario};

/// Message kinds travelling between nodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Msg {
    Request,
    Response,
    Reversal,
    ReversalAck,
}

impl Msg {
    fn name(self) -> &'static str {
        match self {
            Msg::Request => "0100 request",
            Msg::Response => "0110 response",
            Msg::Reversal => "0400 reversal",
            Msg::ReversalAck => "0410 reversal ack",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Node {
    Terminal,
    Gateway,
    Channel,
    Issuer,
}

/// Events. Small and `Copy`: the queue never allocates per event.
#[derive(Clone, Copy, Debug)]
enum Ev {
    Arrival {
        group: u16,
    },
    Hop {
        pid: u32,
        msg: Msg,
        node: Node,
        code: u8,
    },
    Done {
        station: u16,
        pid: u32,
    },
    Timeout {
        pid: u32,
    },
    ReversalSend {
        pid: u32,
    },
    ReviewDone {
        pid: u32,
    },
    Cutoff {
        day: u32,
    },
    Settle {
        batch: u32,
    },
}

/// A link with its own latency and loss streams.
struct Link {
    name: String,
    latency: Dist,
    loss: f64,
    lat_rng: Stream,
    loss_rng: Stream,
}

impl Link {
    fn new(spec: &LinkSpec, name: String, master: u64, run: u64) -> Self {
        Link {
            lat_rng: Stream::new(master, run, &format!("latency/{name}")),
            loss_rng: Stream::new(master, run, &format!("loss/{name}")),
            latency: spec.latency.clone(),
            loss: spec.loss,
            name,
        }
    }

    /// Delay of one message, or `None` if the message is lost.
    #[inline]
    fn traverse(&mut self) -> Option<Nanos> {
        if self.loss > 0.0 && self.loss_rng.chance(self.loss) {
            return None;
        }
        if self.latency.is_zero() {
            Some(0)
        } else {
            Some(self.latency.sample_ns(&mut self.lat_rng))
        }
    }
}

#[derive(Clone, Copy)]
enum LinkRef {
    Terminal(u16),
    GatewayChannel(u16),
    ChannelIssuer(u16, u16),
}

struct Group {
    id: String,
    arrivals: Arrivals,
    amount: Dist,
    terminals: u32,
    miskey_share: f64,
    amount_rng: Stream,
    terminal_rng: Stream,
    input_rng: Stream,
}

pub(super) struct World<'a, T: Tracer> {
    s: &'a Scenario,
    tracer: &'a mut T,
    run: u64,
    master: u64,
    q: EventQueue<Ev>,
    /// FIFO lane for terminal timeouts (all the same delay, so already in time order).
    timeout_lane: usize,
    horizon: Nanos,
    calendar: Calendar,
    groups: Vec<Group>,
    /// 0 = gateway, 1..=C channels, C+1.. issuers.
    stations: Vec<Station>,
    n_channels: usize,
    /// Whether the scenario has any fault (checked before any per-station lookup).
    faults_on: bool,
    term_links: Vec<Link>,
    gc_links: Vec<Link>,
    ci_links: Vec<Vec<Link>>,
    accounts: Vec<Accounts>,
    issuer_cdf: Vec<f64>,
    channel_cdf: Vec<f64>,
    route_issuer: Stream,
    route_channel: Stream,
    fraud_rng: Stream,
    risk_rng: Stream,
    ledger: Ledger,
    pay: Vec<Payment>,
    live: Vec<bool>,
    free: Vec<u32>,
    /// The batch the next cut-off clears, and the cleared batches by id.
    open: Batch,
    batches: Vec<Batch>,
    out: RunOutput,
}

fn cdf(weights: impl Iterator<Item = f64>) -> Vec<f64> {
    let w: Vec<f64> = weights.collect();
    let total: f64 = w.iter().sum();
    let mut acc = 0.0;
    let mut c: Vec<f64> = w
        .iter()
        .map(|x| {
            acc += x;
            acc / total
        })
        .collect();
    if let Some(l) = c.last_mut() {
        *l = 1.0;
    }
    c
}

#[inline]
fn pick(cdf: &[f64], rng: &mut Stream) -> u16 {
    if cdf.len() == 1 {
        return 0;
    }
    let u = rng.uniform();
    cdf.partition_point(|&c| c <= u).min(cdf.len() - 1) as u16
}

impl<'a, T: Tracer> World<'a, T> {
    pub(super) fn new(s: &'a Scenario, master: u64, run: u64, tracer: &'a mut T) -> Self {
        let st = |name: &str| Stream::new(master, run, name);
        let window = s.traffic_window;
        let horizon = calendar::horizon(s);
        let groups = s
            .terminals
            .iter()
            .map(|g| Group {
                id: g.id.clone(),
                arrivals: Arrivals::new(g, window, st(&format!("arrivals/{}", g.id))),
                amount: g.amount.clone(),
                terminals: g.count,
                miskey_share: g.miskey_share,
                amount_rng: st(&format!("amount/{}", g.id)),
                terminal_rng: st(&format!("terminal/{}", g.id)),
                input_rng: st(&format!("input/{}", g.id)),
            })
            .collect();
        let mut stations: Vec<Station> = s
            .stations()
            .into_iter()
            .map(|spec| Station::new(spec, st(&format!("service/{}", spec.id)), window))
            .collect();
        let n_channels = s.channels.len();
        for f in &s.faults {
            let idx = match f.target {
                Component::Gateway => 0,
                Component::Channel(c) => 1 + c,
                Component::Issuer(i) => 1 + n_channels + i,
            };
            stations[idx].add_outage(f.start, f.end, f.mode);
        }
        let term_links = s
            .terminals
            .iter()
            .zip(&s.links.terminal)
            .map(|(g, l)| Link::new(l, format!("{}-gateway", g.id), master, run))
            .collect();
        let gc_links = s
            .channels
            .iter()
            .zip(&s.links.gateway_channel)
            .map(|(c, l)| Link::new(l, format!("gateway-{}", c.station.id), master, run))
            .collect();
        let ci_links = s
            .channels
            .iter()
            .zip(&s.links.channel_issuer)
            .map(|(c, row)| {
                s.issuers
                    .iter()
                    .zip(row)
                    .map(|(i, l)| {
                        Link::new(l, format!("{}-{}", c.station.id, i.station.id), master, run)
                    })
                    .collect()
            })
            .collect();
        let accounts = s
            .issuers
            .iter()
            .map(|i| {
                let id = &i.station.id;
                Accounts::open(
                    i,
                    st(&format!("accounts/{id}/open")),
                    st(&format!("accounts/{id}/frozen")),
                    st(&format!("accounts/{id}/pick")),
                    st(&format!("issuer/{id}/decline")),
                )
            })
            .collect();
        let mut q = EventQueue::with_capacity(4096);
        let timeout_lane = q.add_lane();
        let mut out = RunOutput::new(run, master);
        out.horizon = horizon;
        World {
            s,
            tracer,
            run,
            master,
            q,
            timeout_lane,
            horizon,
            calendar: Calendar::new(&s.settlement, s.start_weekday),
            groups,
            stations,
            n_channels,
            faults_on: !s.faults.is_empty(),
            term_links,
            gc_links,
            ci_links,
            accounts,
            issuer_cdf: cdf(s.issuers.iter().map(|i| i.share)),
            channel_cdf: cdf(s.channels.iter().map(|c| c.weight)),
            route_issuer: st("route/issuer"),
            route_channel: st("route/channel"),
            fraud_rng: st("fraud"),
            risk_rng: st("risk"),
            ledger: Ledger::new(s.issuers.len(), s.channels.len()),
            pay: Vec::with_capacity(4096),
            live: Vec::with_capacity(4096),
            free: vec![],
            open: Batch::new(0, s.issuers.len() * s.channels.len()),
            batches: vec![],
            out,
        }
    }

    fn violation(&self, invariant: Invariant, detail: String) -> Violation {
        Violation {
            invariant,
            run: self.run,
            seed: self.master,
            detail,
        }
    }

    #[inline]
    fn trace(&mut self, pid: u32, step: impl FnOnce(&Self) -> Step) {
        if T::ON {
            let serial = self.pay[pid as usize].serial;
            if self.tracer.wants(serial) {
                let s = step(self);
                self.tracer.record(self.q.now(), serial, s);
            }
        }
    }

    #[inline]
    fn schedule(&mut self, at: Nanos, ev: Ev) {
        if let Ev::Hop { pid, .. }
        | Ev::Done { pid, .. }
        | Ev::Timeout { pid }
        | Ev::ReversalSend { pid }
        | Ev::ReviewDone { pid } = ev
        {
            self.pay[pid as usize].refs += 1;
        }
        self.q.schedule(at, ev);
    }

    /// Drops one reference; a payment nothing refers to any more is finished.
    #[inline]
    fn unref(&mut self, pid: u32) -> Result<(), Violation> {
        let p = &mut self.pay[pid as usize];
        p.refs -= 1;
        if p.refs == 0 {
            self.finalize(pid, false)
        } else if p.refs == 1 && p.batch != NO_BATCH {
            self.retire(pid)
        } else {
            Ok(())
        }
    }

    fn batch_mut(&mut self, b: u32) -> &mut Batch {
        if b == OPEN_BATCH {
            &mut self.open
        } else {
            &mut self.batches[b as usize]
        }
    }

    /// Puts an approved payment in the open batch.
    fn join_open_batch(&mut self, pid: u32) {
        let p = &mut self.pay[pid as usize];
        p.refs += 1;
        p.batch = OPEN_BATCH;
        p.batch_pos = self.open.live.len() as u32;
        self.open.live.push(pid);
    }

    /// A payment whose only remaining reference is its batch, and whose fate is therefore
    /// sealed (it will be cleared and credited with the batch), is folded into the batch's
    /// aggregate and its slot freed (see `clearing`).
    fn retire(&mut self, pid: u32) -> Result<(), Violation> {
        let p = self.pay[pid as usize];
        if p.issuer_state != Iss::Held || !matches!(p.acquirer, Acq::Approved | Acq::Cleared) {
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
        let route = p.issuer as usize * self.n_channels + p.channel as usize;
        let sale_day = self.calendar.cutoff_day(p.t_sale);
        let b = self.batch_mut(p.batch);
        let pos = p.batch_pos as usize;
        b.live.swap_remove(pos);
        let moved = b.live.get(pos).copied();
        b.retired
            .add(p.t_sale, p.amount, p.has(flag::FRAUD), route, sale_day);
        if let Some(m) = moved {
            self.pay[m as usize].batch_pos = pos as u32;
        }
        self.live[pid as usize] = false;
        self.free.push(pid);
        Ok(())
    }

    /// Runs to the horizon and checks the invariants.
    pub(super) fn run(mut self) -> Result<RunOutput, Violation> {
        for g in 0..self.groups.len() {
            if let Some(t) = self.groups[g].arrivals.next(0) {
                self.schedule(t, Ev::Arrival { group: g as u16 });
            }
        }
        let first = self.calendar.cutoff_day(0);
        self.open.retired.reference = self.calendar.cutoff_at(first);
        if self.calendar.cutoff_at(first) <= self.horizon {
            self.schedule(
                self.calendar.cutoff_at(first),
                Ev::Cutoff { day: first as u32 },
            );
        }
        while let Some(t) = self.q.peek_time() {
            if t > self.horizon {
                break;
            }
            let (_, ev) = self.q.pop().expect("peeked");
            self.handle(ev)?;
        }
        self.finish()
    }

    fn handle(&mut self, ev: Ev) -> Result<(), Violation> {
        match ev {
            Ev::Arrival { group } => self.arrival(group as usize),
            Ev::Hop {
                pid,
                msg,
                node,
                code,
            } => {
                self.hop(pid, msg, node, code);
                self.unref(pid)
            }
            Ev::Done { station, pid } => {
                self.done(station as usize, pid)?;
                self.unref(pid)
            }
            Ev::Timeout { pid } => {
                self.timeout(pid);
                self.unref(pid)
            }
            Ev::ReversalSend { pid } => {
                self.send_reversal(pid);
                self.unref(pid)
            }
            Ev::ReviewDone { pid } => {
                self.review_done(pid);
                self.unref(pid)
            }
            Ev::Cutoff { day } => self.cutoff(day as u64),
            Ev::Settle { batch } => self.settle(batch as usize),
        }
    }

    fn link_name(&self, l: LinkRef) -> &str {
        match l {
            LinkRef::Terminal(g) => &self.term_links[g as usize].name,
            LinkRef::GatewayChannel(c) => &self.gc_links[c as usize].name,
            LinkRef::ChannelIssuer(c, i) => &self.ci_links[c as usize][i as usize].name,
        }
    }

    fn link(&mut self, l: LinkRef) -> &mut Link {
        match l {
            LinkRef::Terminal(g) => &mut self.term_links[g as usize],
            LinkRef::GatewayChannel(c) => &mut self.gc_links[c as usize],
            LinkRef::ChannelIssuer(c, i) => &mut self.ci_links[c as usize][i as usize],
        }
    }

    /// Puts a message on a link towards `node`.
    #[inline]
    fn send(&mut self, pid: u32, via: LinkRef, msg: Msg, node: Node, code: u8) {
        match self.link(via).traverse() {
            // A zero-latency hop is a function call: the message arrives now, before any other
            // event of this instant (the caller holds a reference to the payment).
            Some(0) => {
                if T::ON {
                    self.trace(pid, |_| Step::Sent {
                        what: msg.name(),
                        to: format!("{node:?}").to_lowercase(),
                    });
                }
                self.hop(pid, msg, node, code);
            }
            Some(d) => {
                let at = self.q.now().saturating_add(d);
                self.schedule(
                    at,
                    Ev::Hop {
                        pid,
                        msg,
                        node,
                        code,
                    },
                );
                if T::ON {
                    self.trace(pid, |_| Step::Sent {
                        what: msg.name(),
                        to: format!("{node:?}").to_lowercase(),
                    });
                }
            }
            None => {
                self.out.messages_lost += 1;
                if T::ON {
                    self.trace(pid, |w| Step::Lost {
                        what: msg.name(),
                        link: w.link_name(via).to_owned(),
                    });
                }
            }
        }
    }

    fn station_index(&self, node: Node, p: &Payment) -> usize {
        match node {
            Node::Gateway => 0,
            Node::Channel => 1 + p.channel as usize,
            Node::Issuer => 1 + self.n_channels + p.issuer as usize,
            Node::Terminal => unreachable!("terminals are not stations"),
        }
    }

    /// Whether the node is down now; counts and traces the dropped message if so.
    #[inline]
    fn is_down(&mut self, pid: u32, idx: usize, msg: Msg) -> Option<OutageMode> {
        if !self.faults_on {
            return None;
        }
        let mode = self.stations[idx].down(self.q.now())?;
        self.stations[idx].note_outage_hit();
        if T::ON {
            self.trace(pid, |w| Step::Dropped {
                what: msg.name(),
                at: w.stations[idx].id.clone(),
                reason: "outage",
            });
        }
        Some(mode)
    }

    fn arrival(&mut self, g: usize) -> Result<(), Violation> {
        let now = self.q.now();
        if let Some(t) = self.groups[g].arrivals.next(now) {
            self.schedule(t, Ev::Arrival { group: g as u16 });
        }
        let grp = &mut self.groups[g];
        let amount = grp.amount.sample_minor(&mut grp.amount_rng, 1);
        let terminal = grp.terminal_rng.below(grp.terminals as u64) as u32;
        let miskeyed = grp.input_rng.chance(grp.miskey_share);
        let issuer = pick(&self.issuer_cdf, &mut self.route_issuer);
        let channel = pick(&self.channel_cdf, &mut self.route_channel);
        let fraud = self.fraud_rng.chance(self.s.fraud_share);
        let acc = &mut self.accounts[issuer as usize];
        let account = acc.pick();
        let payable = !fraud && acc.payable(account, amount, miskeyed);
        let mut flags = 0;
        if fraud {
            flags |= flag::FRAUD;
        }
        if payable {
            flags |= flag::PAYABLE;
        }
        if miskeyed {
            flags |= flag::MISKEYED;
        }
        let p = Payment {
            serial: self.out.payments,
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
            flags,
            reversal_attempts: 0,
            terminal_state: Term::Waiting,
            acquirer: Acq::Unknown,
            issuer_state: Iss::Unseen,
        };
        self.out.payments += 1;
        let pid = match self.free.pop() {
            Some(pid) => {
                self.pay[pid as usize] = p;
                self.live[pid as usize] = true;
                pid
            }
            None => {
                self.pay.push(p);
                self.live.push(true);
                (self.pay.len() - 1) as u32
            }
        };
        if T::ON {
            self.trace(pid, |w| Step::Created {
                amount,
                group: w.groups[g].id.clone(),
                fraud,
                payable,
            });
        }
        self.pay[pid as usize].refs += 1;
        let at = now.saturating_add(self.s.strategy.terminal_timeout);
        self.q
            .schedule_lane(self.timeout_lane, at, Ev::Timeout { pid });
        self.send(
            pid,
            LinkRef::Terminal(g as u16),
            Msg::Request,
            Node::Gateway,
            code::NONE,
        );
        Ok(())
    }

    fn hop(&mut self, pid: u32, msg: Msg, node: Node, rcode: u8) {
        let p = self.pay[pid as usize];
        if node == Node::Terminal {
            match msg {
                Msg::Response => self.terminal_answer(pid, rcode),
                Msg::ReversalAck => self.pay[pid as usize].set(flag::REVERSAL_ACKED),
                _ => unreachable!("only responses travel to terminals"),
            }
            return;
        }
        let idx = self.station_index(node, &p);
        let down = self.is_down(pid, idx, msg);
        let (c, i, g) = (p.channel, p.issuer, p.group);
        match msg {
            Msg::Request => match down {
                None => {
                    let now = self.q.now();
                    match self.stations[idx].arrive(now, pid) {
                        Admit::Started(end) => self.schedule(
                            end,
                            Ev::Done {
                                station: idx as u16,
                                pid,
                            },
                        ),
                        Admit::Queued => {
                            self.pay[pid as usize].refs += 1;
                            if T::ON {
                                self.trace(pid, |w| Step::Queued {
                                    at: w.stations[idx].id.clone(),
                                });
                            }
                        }
                    }
                }
                Some(OutageMode::Drop) => {}
                Some(OutageMode::Reject) => self.reject(pid, node),
            },
            _ if down.is_some() => {}
            Msg::Response => match node {
                Node::Channel => self.send(
                    pid,
                    LinkRef::GatewayChannel(c),
                    Msg::Response,
                    Node::Gateway,
                    rcode,
                ),
                Node::Gateway => {
                    self.acquirer_answer(pid, rcode);
                    self.send(
                        pid,
                        LinkRef::Terminal(g),
                        Msg::Response,
                        Node::Terminal,
                        rcode,
                    );
                }
                _ => unreachable!("responses travel issuer → terminal"),
            },
            Msg::Reversal => match node {
                Node::Gateway => {
                    let p = &mut self.pay[pid as usize];
                    if p.acquirer != Acq::Cleared {
                        p.acquirer = Acq::Reversed;
                    }
                    self.send(
                        pid,
                        LinkRef::GatewayChannel(c),
                        Msg::Reversal,
                        Node::Channel,
                        code::NONE,
                    );
                }
                Node::Channel => self.send(
                    pid,
                    LinkRef::ChannelIssuer(c, i),
                    Msg::Reversal,
                    Node::Issuer,
                    code::NONE,
                ),
                Node::Issuer => {
                    self.issuer_reversal(pid);
                    self.send(
                        pid,
                        LinkRef::ChannelIssuer(c, i),
                        Msg::ReversalAck,
                        Node::Channel,
                        code::NONE,
                    );
                }
                Node::Terminal => unreachable!(),
            },
            Msg::ReversalAck => match node {
                Node::Channel => self.send(
                    pid,
                    LinkRef::GatewayChannel(c),
                    Msg::ReversalAck,
                    Node::Gateway,
                    code::NONE,
                ),
                Node::Gateway => self.send(
                    pid,
                    LinkRef::Terminal(g),
                    Msg::ReversalAck,
                    Node::Terminal,
                    code::NONE,
                ),
                _ => unreachable!("acks travel issuer → terminal"),
            },
        }
    }

    /// A down node in "reject" mode answers a request at once with 91 (issuer or switch
    /// inoperative), back towards the terminal.
    fn reject(&mut self, pid: u32, node: Node) {
        let p = self.pay[pid as usize];
        let (c, i, g) = (p.channel, p.issuer, p.group);
        let (via, to) = match node {
            Node::Gateway => (LinkRef::Terminal(g), Node::Terminal),
            Node::Channel => (LinkRef::GatewayChannel(c), Node::Gateway),
            _ => (LinkRef::ChannelIssuer(c, i), Node::Channel),
        };
        if node == Node::Gateway {
            self.pay[pid as usize].acquirer = Acq::Declined;
            self.pay[pid as usize].code = code::INOPERATIVE;
        }
        self.send(pid, via, Msg::Response, to, code::INOPERATIVE);
    }

    /// A service completes at station `idx`.
    fn done(&mut self, idx: usize, pid: u32) -> Result<(), Violation> {
        let now = self.q.now();
        if let Some((next, end)) = self.stations[idx].depart(now) {
            self.schedule(
                end,
                Ev::Done {
                    station: idx as u16,
                    pid: next,
                },
            );
            self.unref(next)?; // its queue place
        }
        match self.is_down(pid, idx, Msg::Request) {
            Some(OutageMode::Drop) => return Ok(()),
            Some(OutageMode::Reject) => {
                let node = if idx == 0 {
                    Node::Gateway
                } else if idx <= self.n_channels {
                    Node::Channel
                } else {
                    Node::Issuer
                };
                self.reject(pid, node);
                return Ok(());
            }
            None => {}
        }
        if T::ON {
            self.trace(pid, |w| Step::Served {
                at: w.stations[idx].id.clone(),
            });
        }
        let p = self.pay[pid as usize];
        if idx == 0 {
            self.risk_check(pid);
        } else if idx <= self.n_channels {
            self.send(
                pid,
                LinkRef::ChannelIssuer(p.channel, p.issuer),
                Msg::Request,
                Node::Issuer,
                code::NONE,
            );
        } else {
            self.issuer_decide(pid);
        }
        Ok(())
    }

    /// The acquirer's risk engine, then routing to the payment's channel.
    fn risk_check(&mut self, pid: u32) {
        let p = self.pay[pid as usize];
        if let Some(r) = &self.s.risk {
            let fraud = p.has(flag::FRAUD);
            let flagged = self.risk_rng.chance(if fraud {
                r.detection_rate
            } else {
                r.false_positive_rate
            });
            if flagged {
                match r.action {
                    RiskAction::Decline => {
                        let q = &mut self.pay[pid as usize];
                        q.acquirer = Acq::Declined;
                        q.code = code::SUSPECTED_FRAUD;
                        self.out.risk_declines += 1;
                        if T::ON {
                            self.trace(pid, |_| Step::Decided {
                                at: "risk".into(),
                                code: code::SUSPECTED_FRAUD,
                            });
                        }
                        self.send(
                            pid,
                            LinkRef::Terminal(p.group),
                            Msg::Response,
                            Node::Terminal,
                            code::SUSPECTED_FRAUD,
                        );
                        return;
                    }
                    RiskAction::Review => {
                        self.pay[pid as usize].set(flag::REVIEW);
                        self.out.risk_reviews += 1;
                    }
                }
            }
        }
        self.send(
            pid,
            LinkRef::GatewayChannel(p.channel),
            Msg::Request,
            Node::Channel,
            code::NONE,
        );
    }

    fn issuer_decide(&mut self, pid: u32) {
        let now = self.q.now();
        let p = self.pay[pid as usize];
        let rcode = if p.issuer_state == Iss::ReversedFirst {
            // The reversal overtook the request: the issuer refuses the late original.
            code::DO_NOT_HONOUR
        } else {
            self.accounts[p.issuer as usize].authorise(p.account, p.amount, p.has(flag::MISKEYED))
        };
        let q = &mut self.pay[pid as usize];
        if rcode == code::APPROVED {
            q.issuer_state = Iss::Held;
            q.t_held = now;
            q.charged += q.amount;
            self.ledger.post(
                Account::Cardholders,
                Account::IssuerHolds(p.issuer),
                p.amount,
            );
        } else if q.issuer_state != Iss::ReversedFirst {
            q.issuer_state = Iss::Declined;
        }
        if T::ON {
            let idx = 1 + self.n_channels + p.issuer as usize;
            self.trace(pid, |w| Step::Decided {
                at: w.stations[idx].id.clone(),
                code: rcode,
            });
            if rcode == code::APPROVED {
                self.trace(pid, |_| Step::Held);
            }
        }
        self.send(
            pid,
            LinkRef::ChannelIssuer(p.channel, p.issuer),
            Msg::Response,
            Node::Channel,
            rcode,
        );
    }

    /// The response reaches the acquirer's gateway: it records what it believes.
    fn acquirer_answer(&mut self, pid: u32, rcode: u8) {
        let p = &mut self.pay[pid as usize];
        if p.acquirer != Acq::Unknown {
            return; // already reversed (or declined by an outage reject)
        }
        p.code = rcode;
        if rcode != code::APPROVED {
            p.acquirer = Acq::Declined;
            return;
        }
        p.acquirer = Acq::Approved;
        if p.has(flag::REVIEW) {
            let delay = self.s.risk.as_ref().map_or(0, |r| r.review_delay);
            self.schedule(self.q.now().saturating_add(delay), Ev::ReviewDone { pid });
        } else {
            self.join_open_batch(pid);
        }
    }

    fn terminal_answer(&mut self, pid: u32, rcode: u8) {
        let now = self.q.now();
        let p = &mut self.pay[pid as usize];
        if p.terminal_state == Term::Waiting {
            p.terminal_state = Term::Answered;
            let latency_us = (now - p.t_sale) / 1_000;
            self.out
                .auth_latency_us
                .saturating_record(latency_us.max(1));
            if T::ON {
                self.trace(pid, |_| Step::Answered { code: rcode });
            }
        } else {
            self.out.late_answers += 1;
            if T::ON {
                self.trace(pid, |_| Step::LateAnswer { code: rcode });
            }
        }
    }

    fn timeout(&mut self, pid: u32) {
        if self.pay[pid as usize].terminal_state != Term::Waiting {
            return;
        }
        self.pay[pid as usize].terminal_state = Term::TimedOut;
        self.out.timeouts += 1;
        if T::ON {
            self.trace(pid, |_| Step::TimedOut);
        }
        if self.s.strategy.reversal.is_some() {
            self.send_reversal(pid);
        }
    }

    /// Sends (or re-sends) the terminal's reversal until it is acknowledged or out of attempts.
    fn send_reversal(&mut self, pid: u32) {
        let Some(r) = &self.s.strategy.reversal else {
            return;
        };
        let (attempts, interval) = (r.attempts, r.interval);
        let p = &mut self.pay[pid as usize];
        if p.has(flag::REVERSAL_ACKED) || p.reversal_attempts as u32 >= attempts {
            return;
        }
        p.reversal_attempts += 1;
        let (g, n) = (p.group, p.reversal_attempts as u32);
        self.out.reversals_sent += 1;
        self.send(
            pid,
            LinkRef::Terminal(g),
            Msg::Reversal,
            Node::Gateway,
            code::NONE,
        );
        if n < attempts {
            self.schedule(
                self.q.now().saturating_add(interval),
                Ev::ReversalSend { pid },
            );
        }
    }

    fn issuer_reversal(&mut self, pid: u32) {
        let p = &mut self.pay[pid as usize];
        match p.issuer_state {
            // Clearing reaches the issuer at cut-off; a reversal after that is too late.
            Iss::Held if p.acquirer != Acq::Cleared => {
                p.issuer_state = Iss::Released;
                p.charged -= p.amount;
                let (i, a, amt) = (p.issuer, p.account, p.amount);
                self.accounts[i as usize].release(a, amt);
                self.ledger
                    .post(Account::IssuerHolds(i), Account::Cardholders, amt);
                if T::ON {
                    self.trace(pid, |_| Step::Released);
                }
            }
            Iss::Unseen => p.issuer_state = Iss::ReversedFirst,
            _ => {}
        }
    }

    fn review_done(&mut self, pid: u32) {
        let p = &mut self.pay[pid as usize];
        if p.acquirer != Acq::Approved {
            return;
        }
        if p.has(flag::FRAUD) {
            // The reviewer confirms the fraud: the acquirer reverses the authorisation.
            p.acquirer = Acq::Reversed;
            let c = p.channel;
            self.send(
                pid,
                LinkRef::GatewayChannel(c),
                Msg::Reversal,
                Node::Channel,
                code::NONE,
            );
        } else {
            self.join_open_batch(pid);
        }
    }

    /// The daily cut-off: everything the acquirer believes approved goes into one batch.
    fn cutoff(&mut self, day: u64) -> Result<(), Violation> {
        let next = self.calendar.cutoff_day(self.calendar.cutoff_at(day));
        let routes = self.s.issuers.len() * self.n_channels;
        let mut batch = std::mem::replace(
            &mut self.open,
            Batch::new(self.calendar.cutoff_at(next), routes),
        );
        let id = self.batches.len() as u32;
        let pids = std::mem::take(&mut batch.live);
        for pid in pids {
            let p = &mut self.pay[pid as usize];
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
                self.unref(pid)?;
            }
        }
        if !batch.is_empty() {
            let at = self.calendar.credit_at(day, self.s.settlement.lag_days);
            self.batches.push(batch);
            if at <= self.horizon {
                self.q.schedule(at, Ev::Settle { batch: id });
            }
        }
        if self.calendar.cutoff_at(next) <= self.horizon {
            self.q.schedule(
                self.calendar.cutoff_at(next),
                Ev::Cutoff { day: next as u32 },
            );
        }
        Ok(())
    }

    /// A batch is credited: issuer → channel → acquirer → merchant.
    fn settle(&mut self, batch: usize) -> Result<(), Violation> {
        let now = self.q.now();
        let routes = self.s.issuers.len() * self.n_channels;
        let b = std::mem::replace(&mut self.batches[batch], Batch::new(0, 0));
        self.settle_retired(now, &b.retired, routes);
        for pid in b.live {
            self.pay[pid as usize].batch = NO_BATCH;
            let p = self.pay[pid as usize];
            if p.has(flag::SETTLED) {
                return Err(self.violation(
                    Invariant::NoDoubleSettlement,
                    format!("payment #{} settled twice", p.serial),
                ));
            }
            if p.issuer_state != Iss::Held {
                return Err(self.violation(
                    Invariant::OutcomeMatchesPostings,
                    format!(
                        "payment #{} cleared but the issuer holds no funds for it ({:?})",
                        p.serial, p.issuer_state
                    ),
                ));
            }
            self.ledger.post(
                Account::IssuerHolds(p.issuer),
                Account::Channel(p.channel),
                p.amount,
            );
            self.ledger
                .post(Account::Channel(p.channel), Account::Acquirer, p.amount);
            self.ledger
                .post(Account::Acquirer, Account::Merchants, p.amount);
            let q = &mut self.pay[pid as usize];
            q.credited += q.amount;
            q.set(flag::SETTLED);
            let on_time = now <= self.calendar.promised_by(p.t_sale);
            self.out.record_settlement(now - p.t_sale, on_time);
            if T::ON {
                self.trace(pid, |_| Step::Settled { on_time });
            }
            self.unref(pid)?;
        }
        Ok(())
    }

    /// Credits a batch's retired payments: one set of postings per route, outcomes by count.
    fn settle_retired(&mut self, now: Nanos, r: &super::clearing::Retired, routes: usize) {
        if r.count == 0 {
            return;
        }
        for route in 0..routes {
            let amount = r.routes[route];
            if amount != 0 {
                let (i, c) = (
                    (route / self.n_channels) as u16,
                    (route % self.n_channels) as u16,
                );
                self.ledger
                    .post(Account::IssuerHolds(i), Account::Channel(c), amount);
                self.ledger
                    .post(Account::Channel(c), Account::Acquirer, amount);
                self.ledger
                    .post(Account::Acquirer, Account::Merchants, amount);
            }
        }
        self.out.record_outcomes(
            Outcome::Settled,
            r.count - r.fraud_count,
            r.amount - r.fraud_amount,
            r.amount - r.fraud_amount,
        );
        self.out.record_outcomes(
            Outcome::FraudLoss,
            r.fraud_count,
            r.fraud_amount,
            r.fraud_amount,
        );
        for (&day, &n) in &r.sale_days {
            if now <= self.calendar.credit_at(day, self.s.settlement.promise_days) {
                self.out.settled_on_time += n;
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

    /// Classifies a finished payment (or, at the horizon, one still referenced), checks that its
    /// postings agree with its outcome, and frees its slot.
    fn finalize(&mut self, pid: u32, at_horizon: bool) -> Result<(), Violation> {
        if !self.live[pid as usize] {
            return Err(self.violation(
                Invariant::OneOutcomePerPayment,
                format!("payment slot {pid} classified twice"),
            ));
        }
        let mut p = self.pay[pid as usize];
        let outcome = if p.has(flag::SETTLED) {
            if p.has(flag::FRAUD) {
                Outcome::FraudLoss
            } else {
                Outcome::Settled
            }
        } else {
            match p.issuer_state {
                Iss::Held => {
                    let in_cycle = matches!(p.acquirer, Acq::Approved | Acq::Cleared);
                    if at_horizon && in_cycle {
                        Outcome::Pending
                    } else if p
                        .t_held
                        .saturating_add(self.s.issuers[p.issuer as usize].hold_expiry)
                        <= self.horizon
                    {
                        // Never cleared nor reversed: the hold lapses and the funds come back.
                        self.ledger.post(
                            Account::IssuerHolds(p.issuer),
                            Account::Cardholders,
                            p.amount,
                        );
                        self.accounts[p.issuer as usize].release(p.account, p.amount);
                        p.charged -= p.amount;
                        p.set(flag::HOLD_EXPIRED);
                        self.out.holds_expired += 1;
                        Outcome::Reversed
                    } else {
                        Outcome::Stuck
                    }
                }
                Iss::Released => Outcome::Reversed,
                _ => Outcome::Declined,
            }
        };
        let expected = match outcome {
            Outcome::Settled | Outcome::FraudLoss => (p.amount, p.amount),
            Outcome::Stuck | Outcome::Pending => (p.amount, 0),
            Outcome::Declined | Outcome::Reversed => (0, 0),
            Outcome::DuplicateCharge => (2 * p.amount, p.amount),
        };
        if (p.charged, p.credited) != expected {
            return Err(self.violation(
                Invariant::OutcomeMatchesPostings,
                format!("payment #{} is {} but its postings charged {} and credited {} (expected {} and {})", p.serial, outcome.name(), p.charged, p.credited, expected.0, expected.1),
            ));
        }
        let false_decline = outcome == Outcome::Declined
            && p.has(flag::PAYABLE)
            && !code::is_genuine_decline(p.code);
        self.out
            .record_outcome(outcome, p.amount, false_decline, p.credited);
        if T::ON {
            if p.has(flag::HOLD_EXPIRED) {
                self.trace(pid, |_| Step::HoldExpired);
            }
            self.trace(pid, |_| Step::Outcome {
                outcome: outcome.name(),
            });
        }
        self.pay[pid as usize] = p;
        self.live[pid as usize] = false;
        self.free.push(pid);
        Ok(())
    }

    /// End of observation: classify what is still in flight, close statistics, check the books.
    fn finish(mut self) -> Result<RunOutput, Violation> {
        for pid in 0..self.pay.len() as u32 {
            if self.live[pid as usize] {
                self.finalize(pid, true)?;
            }
        }
        // Retired payments of batches not yet credited are pending.
        for b in self.batches.iter().chain(std::iter::once(&self.open)) {
            self.out
                .record_outcomes(Outcome::Pending, b.retired.count, b.retired.amount, 0);
        }
        let horizon = self.horizon;
        for st in &mut self.stations {
            st.finish(horizon);
        }
        self.out.events = self.q.events_processed();
        self.out.postings = self.ledger.postings();
        self.out.stations = self
            .stations
            .iter()
            .map(|s| (s.id.clone(), s.stats.clone()))
            .collect();
        super::invariants::check_books(&self.out, &self.ledger, &self.accounts)
            .map_err(|(inv, detail)| self.violation(inv, detail))?;
        Ok(self.out)
    }
}

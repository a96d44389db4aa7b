//! The world of one run: what runs it (scenario, clock, tracer), the network's shape and nodes,
//! the payments in flight, and the books. Built once per run from the validated scenario.

use super::RunError;
use super::accounts::Accounts;
use super::arrivals::Arrivals;
use super::clearing::Batch;
use super::event::Ev;
use super::faults::Faults;
use super::invariants::{Invariant, Violation};
use super::ledger::Ledger;
use super::lifetime::Arena;
use super::link::Link;
use super::station::Station;
use super::topology::{LinkId, Topology, cdf};
use super::trace::{Step, Tracer};
use crate::engine::{DAY, Dist, EventQueue, KeyedWords, Nanos, Stream};
use crate::model::PaymentId;
use crate::model::output::RunOutput;
use crate::scenario::calendar::{self, Calendar};
use crate::scenario::{FaultEffect, OutageMode, RouteSpec, Scenario};

/// A terminal group: where payments come from.
pub(super) struct Group {
    pub id: String,
    pub arrivals: Arrivals,
    pub amount: Dist,
    pub terminals: u32,
    pub miskey_share: f64,
    /// The per-payment words of this group (see `engine::rng`).
    pub words: KeyedWords,
    /// Payments made so far in this group: the next payment's serial within the group.
    pub made: u64,
    /// Per-merchant draws (each terminal is one merchant): whether its account details are
    /// wrong. Keyed by the terminal, so the same merchants are affected in every design.
    pub merchant_words: KeyedWords,
}

/// The nodes of the network and the links between them.
pub(super) struct Nodes {
    pub groups: Vec<Group>,
    /// Indexed by [`super::topology::StationId`].
    pub stations: Vec<Station>,
    pub term_links: Vec<Link>,
    pub gc_links: Vec<Link>,
    pub ci_links: Vec<Vec<Link>>,
    /// Cardholder accounts, one pool per issuer.
    pub accounts: Vec<Accounts>,
}

impl Nodes {
    pub fn link(&mut self, l: LinkId) -> &mut Link {
        match l {
            LinkId::Terminal(g) => &mut self.term_links[g as usize],
            LinkId::GatewayChannel(c) => &mut self.gc_links[c as usize],
            LinkId::ChannelIssuer(c, i) => &mut self.ci_links[c as usize][i as usize],
        }
    }

    pub fn link_name(&self, l: LinkId) -> &str {
        match l {
            LinkId::Terminal(g) => &self.term_links[g as usize].name,
            LinkId::GatewayChannel(c) => &self.gc_links[c as usize].name,
            LinkId::ChannelIssuer(c, i) => &self.ci_links[c as usize][i as usize].name,
        }
    }
}

impl Nodes {
    /// The terminal groups, stations (with the servers faults take out of action), links and
    /// cardholder accounts of run `run`.
    fn new(s: &Scenario, master: u64, run: u64, faults: &Faults) -> Result<Self, RunError> {
        let st = |name: &str| Stream::new(master, run, name);
        let window = s.traffic_window;
        let mut groups: Vec<Group> = s
            .terminals
            .iter()
            .map(|g| Group {
                id: g.id.clone(),
                arrivals: Arrivals::new(g, window, st(&format!("arrivals/{}", g.id))),
                amount: g.amount.clone(),
                terminals: g.count,
                miskey_share: g.miskey_share,
                words: KeyedWords::new(master, run, &format!("payments/{}", g.id)),
                merchant_words: KeyedWords::new(master, run, &format!("merchants/{}", g.id)),
                made: 0,
            })
            .collect();
        let mut stations: Vec<Station> = s
            .stations()
            .into_iter()
            .map(|spec| Station::new(spec, st(&format!("service/{}", spec.id)), window))
            .collect();
        for (st, list) in faults.station.iter().enumerate() {
            for &k in list {
                let f = &faults.all[k as usize];
                // Servers out of action: lost ones, or all of them while the station hangs.
                let lost = match f.effect {
                    FaultEffect::Partial { servers_lost, .. } => servers_lost,
                    FaultEffect::Outage {
                        mode: OutageMode::Hang,
                        ..
                    } => u32::MAX,
                    _ => 0,
                };
                if lost > 0 {
                    for &(a, b) in f.windows.list() {
                        stations[st].add_lost(a, b, lost);
                    }
                }
            }
        }
        for (g, grp) in groups.iter_mut().enumerate() {
            grp.arrivals.set_surges(faults.surges(g));
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
                )
            })
            .collect::<Result<_, _>>()?;
        Ok(Nodes {
            groups,
            stations,
            term_links,
            gc_links,
            ci_links,
            accounts,
        })
    }
}

/// Routing tables: which issuer a card belongs to, which channel a payment takes.
pub(super) struct Routing {
    pub issuer_cdf: Vec<f64>,
    pub channel_cdf: Vec<f64>,
    /// The routing table by issuer (card BIN range), if the scenario has one.
    pub table: Option<Vec<RouteSpec>>,
}

/// One merchant's running figures for the current calendar day (merchant risk's daily count,
/// the D+0 cap).
#[derive(Clone, Copy, Default)]
pub(super) struct MerchantDay {
    pub day: u64,
    pub sales: u32,
    pub advanced: i64,
    /// Sales the acquirer approved (its daily merchant limit).
    pub approved: i64,
    /// Paid into the merchant's account (a personal account's daily inflow cap).
    pub received: i64,
}

/// The books: the double-entry ledger and the clearing batches.
pub(super) struct Books {
    pub ledger: Ledger,
    /// The batch the next cut-off clears.
    pub open: Batch,
    /// Cleared batches by id.
    pub batches: Vec<Batch>,
    /// Batches cut but not yet presented (their file was rejected or late).
    pub waiting: Vec<u32>,
    /// Draws deciding each clearing file's fate.
    pub files: Stream,
    /// Per group and terminal (one merchant per terminal), allocated only when a rule needs it.
    pub merchant_days: Vec<Vec<MerchantDay>>,
    /// Per group and terminal, the sales the till showed approved since the last cut-off and
    /// their amount (`settlement.pos_batch`; empty otherwise).
    pub pos_totals: Vec<Vec<(u32, i64)>>,
}

/// The event queue's FIFO lanes for timeouts: events of one constant delay, so already in
/// time order.
pub(super) struct Lanes {
    /// Terminal timeouts.
    pub terminal: usize,
    /// The acquirer's timeout and each channel's issuer timeout, when set (an unused lane
    /// would still cost every pop a look).
    pub acquirer: Option<usize>,
    pub channels: Vec<Option<usize>>,
    /// Each terminal group's next arrival (a group's arrivals come in time order), when the
    /// scenario has at most [`ARRIVAL_LANES`] groups; otherwise they go to the heap.
    pub arrivals: Vec<usize>,
}

/// The most terminal groups whose arrivals get a lane each: every lane costs a look when a
/// lane's front is taken, so many groups are better served by the heap.
pub(super) const ARRIVAL_LANES: usize = 4;

pub(super) struct World<'a, T: Tracer> {
    // What runs the world.
    pub s: &'a Scenario,
    pub tracer: &'a mut T,
    pub run: u64,
    pub master: u64,
    pub q: EventQueue<Ev>,
    /// The event queue's FIFO lanes for timeouts.
    pub lanes: Lanes,
    /// Payments may be folded into their batch (see `clearing`): nothing after authorisation
    /// can give a payment an individual fate that the batch aggregate cannot tell.
    pub retire_ok: bool,
    pub horizon: Nanos,
    /// The end of the normal cycle (`calendar::cycle_end`): the span the charts sample.
    pub cycle_end: Nanos,
    /// Observation has ended: outcomes judged now are judged at the horizon (for the trace).
    pub finishing: bool,
    /// Whether the scenario has any fault (checked before any per-station lookup).
    pub faults_on: bool,
    pub faults: Faults,
    /// Whether any upkeep strategy acts in this run (see `remedies::upkeep`).
    pub upkeep_on: bool,
    /// `[fees]` is set: payouts are split into the merchant's net and fees; and with a mis-set
    /// fee fault among the faults (a merchant may be paid short).
    pub fees_on: bool,
    pub fee_faults: bool,
    /// Some terminal group has a merchant limit (per sale or per day).
    pub limits_on: bool,
    /// Payouts go through a payout channel (`[payout.channel]`).
    pub rail_on: bool,
    /// Some merchants are paid into personal accounts with a daily inflow cap.
    pub caps_on: bool,
    /// The terminals settle their batches at the cut-off (`settlement.pos_batch`).
    pub pos_on: bool,
    /// The merchants void and refund sales (`[transactions]`).
    pub txn_on: bool,
    /// Settled sales may be disputed (`[disputes]`).
    pub disputes_on: bool,
    /// A channel is a QR aggregator (`[channels.qr]`).
    pub qr_on: bool,
    /// Either of the two: an approval at the till has more to do.
    pub approval_hooks: bool,
    pub upkeep: super::remedies::upkeep::Upkeep,
    /// A stop was asked for during the run (`engine::interrupt`): it ends without a result.
    pub interrupted: bool,
    /// The guards' state, when any guard is on (breakers, bulkheads, shedding, health checks,
    /// observed failover, announced outages): the journey calls into `remedies::guard` only
    /// then.
    /// (Boxed: a null pointer is the cheapest "off" to test on the hot path.)
    pub guard: Option<Box<super::remedies::guard::Guard>>,
    /// Retries, idempotency keys and repeat sales (`retry.on` is false when all are off).
    pub retry: super::remedies::retry::Retries,
    // Shape.
    pub topo: Topology,
    pub calendar: Calendar,
    pub routing: Routing,
    // Nodes, payments, books.
    pub nodes: Nodes,
    pub arena: Arena,
    pub books: Books,
    pub out: RunOutput,
}

/// Which of a merchant's keyed words serves which purpose.
pub(super) mod merchant_slot {
    pub const WRONG_ACCOUNT: usize = 0;
    pub const RISK_MISFIRE: usize = 1;
    /// Whether account verification at onboarding catches the merchant's wrong details.
    pub const VERIFIED: usize = 2;
    /// Whether the merchant is paid into a personal Class II account (its daily inflow cap).
    pub const PERSONAL: usize = 3;
}

/// Whether payments can be folded into their clearing batch: no file can be rejected or late
/// (a waiting batch can find lapsed holds), no payout waits for a maintenance window or goes
/// through a payout channel, and the
/// promise's deadline depends on the day of the sale only (folded sales are counted by
/// deadline). (A wrong-details fault that can strike in the run also keeps them whole: see
/// `World::new`.)
pub(super) fn retire_ok(s: &Scenario) -> bool {
    let st = &s.settlement;
    st.file_reject_share <= 0.0
        && st.file_late_share <= 0.0
        && st.file_rejected.is_empty()
        && s.payout.bank_maintenance.is_empty()
        && s.payout.channel.is_none()
        && !s.payout.personal_accounts()
        && s.payout.promise.is_daily()
}

impl<'a, T: Tracer> World<'a, T> {
    pub(super) fn new(
        s: &'a Scenario,
        master: u64,
        run: u64,
        tracer: &'a mut T,
    ) -> Result<Self, RunError> {
        let st = |name: &str| Stream::new(master, run, name);
        let topo = Topology::new(s);
        let horizon = calendar::horizon(s);
        let faults = Faults::new(s, &topo, master, run, horizon);
        let nodes = Nodes::new(s, master, run, &faults)?;
        let mut q = EventQueue::with_capacity(4096);
        let lanes = Lanes {
            terminal: q.add_lane(),
            acquirer: s.strategy.acquirer_timeout.map(|_| q.add_lane()),
            channels: s
                .channels
                .iter()
                .map(|c| c.issuer_timeout.map(|_| q.add_lane()))
                .collect(),
            arrivals: match s.terminals.len() {
                n if n <= ARRIVAL_LANES => (0..n).map(|_| q.add_lane()).collect(),
                _ => vec![],
            },
        };
        let merchant_days = if s
            .merchant_risk
            .as_ref()
            .is_some_and(|m| m.daily_count.is_some())
            || s.payout.d0_daily_cap.is_some()
            || s.terminals.iter().any(|g| g.daily_limit.is_some())
            || s.payout.personal_accounts()
        {
            s.terminals
                .iter()
                .map(|g| vec![MerchantDay::default(); g.count as usize])
                .collect()
        } else {
            vec![]
        };
        // The promises' deadlines for every day a sale can be judged on, looked up per payout.
        let calendar = Calendar::of(s).tabled(horizon / DAY + 1);
        // A wrong-details fault that can strike in this run decides each payout when it is
        // made: payments stay whole.
        let wrong_details = faults.all.iter().any(|f| {
            matches!(f.effect, FaultEffect::WrongAccount { share } if share > 0.0)
                && !f.windows.list().is_empty()
        });
        let retry = super::remedies::retry::Retries::new(s);
        // With retries or repeats a sale's records are counted together at their end.
        let retire_ok = retire_ok(s) && !wrong_details && !retry.on;
        let guard = s
            .strategy
            .guard
            .active()
            .then(|| Box::new(super::remedies::guard::Guard::new(s, &faults, master, run)));
        let mut out = RunOutput::new(run, master);
        out.horizon = horizon;
        out.by_cause = vec![Default::default(); super::cause::names(s).len()];
        out.cause_also = vec![0; out.by_cause.len()];
        out.exemplars = super::output::Exemplars::for_scenario(s);
        Ok(World {
            s,
            tracer,
            run,
            master,
            q,
            lanes,
            retire_ok,
            horizon,
            cycle_end: calendar::cycle_end(s).min(horizon),
            finishing: false,
            faults_on: !s.faults.is_empty(),
            faults,
            upkeep_on: s.upkeep.any(),
            fees_on: s.fees.is_some(),
            fee_faults: s.fees.is_some()
                && s.faults
                    .iter()
                    .any(|f| f.kind == crate::scenario::FaultKind::FeeMisconfigured),
            limits_on: s
                .terminals
                .iter()
                .any(|g| g.sale_limit.is_some() || g.daily_limit.is_some()),
            rail_on: s.payout.channel.is_some(),
            caps_on: s.payout.personal_accounts(),
            pos_on: s.settlement.pos_batch,
            txn_on: s.transactions.is_some(),
            disputes_on: s.disputes.is_some(),
            qr_on: s.channels.iter().any(|c| c.qr.is_some()),
            approval_hooks: s.settlement.pos_batch || s.transactions.is_some(),
            upkeep: super::remedies::upkeep::Upkeep::new(s),
            interrupted: false,
            guard,
            retry,
            topo,
            calendar,
            routing: Routing {
                issuer_cdf: cdf(s.issuers.iter().map(|i| i.share)),
                channel_cdf: cdf(s.channels.iter().map(|c| c.weight)),
                table: s.routing.clone(),
            },
            nodes,
            arena: Arena::with_capacity(4096),
            books: Books {
                ledger: Ledger::new(s.issuers.len(), s.channels.len()),
                open: Batch::new(0, topo.routes()),
                batches: vec![],
                waiting: vec![],
                files: st("clearing/files"),
                merchant_days,
                pos_totals: if s.settlement.pos_batch {
                    s.terminals
                        .iter()
                        .map(|g| vec![(0, 0); g.count as usize])
                        .collect()
                } else {
                    vec![]
                },
            },
            out,
        })
    }

    /// Runs to the horizon and checks the invariants.
    pub(super) fn run(mut self) -> Result<RunOutput, super::RunError> {
        for g in 0..self.nodes.groups.len() {
            if let Some(t) = self.nodes.groups[g].arrivals.next(0) {
                self.schedule_arrival(g, t);
            }
        }
        self.schedule_first_cutoff();
        self.schedule_fault_events();
        if self.upkeep_on {
            self.schedule_upkeep_events();
        }
        if self.guard.is_some() {
            self.guard_start();
        }
        self.dispatch_all()?;
        if self.interrupted {
            return Err(super::RunError::Interrupted);
        }
        if T::ON && self.tracer.enough() {
            return Ok(self.out); // a replay that has what it wanted (`Tracer::enough`)
        }
        Ok(self.finish()?)
    }

    /// Events that faults need at fixed times: each attack's first junk request, and the start
    /// and end of each window in which servers are lost (a partial failure, a hang).
    fn schedule_fault_events(&mut self) {
        if !self.faults_on {
            return;
        }
        let mut evs = vec![];
        for (st, list) in self.faults.station.iter().enumerate() {
            let station = self.topo.station(st);
            for &k in list {
                let f = &self.faults.all[k as usize];
                match f.effect {
                    FaultEffect::Attack { .. } => {
                        if let Some(&(a, _)) = f.windows.list().first() {
                            evs.push((a, Ev::Junk { station, fault: k }));
                        }
                    }
                    FaultEffect::Partial { servers_lost, .. } if servers_lost > 0 => {
                        for &(a, b) in f.windows.list() {
                            evs.push((a, Ev::Kick { station }));
                            evs.push((b, Ev::Kick { station }));
                        }
                    }
                    FaultEffect::Outage {
                        mode: OutageMode::Hang,
                        ..
                    } => {
                        for &(a, b) in f.windows.list() {
                            evs.push((a, Ev::Kick { station }));
                            evs.push((b, Ev::Kick { station }));
                        }
                    }
                    _ => {}
                }
            }
        }
        for (t, ev) in evs {
            if t <= self.horizon {
                self.schedule(t, ev);
            }
        }
    }

    pub(super) fn violation(&self, invariant: Invariant, detail: String) -> Violation {
        Violation {
            invariant,
            run: self.run,
            seed: self.master,
            detail,
        }
    }

    /// The payment's own random word for `purpose` (see `engine::rng` and `payment::slot`).
    #[inline]
    pub(super) fn word(&self, pid: PaymentId, purpose: usize) -> u64 {
        let p = &self.arena[pid];
        self.nodes.groups[p.group as usize]
            .words
            .word(p.gserial as u64, purpose)
    }

    /// The word for `purpose` of the payment's current attempt's path (see
    /// `Payment::path_serial`): the same as [`Self::word`] for a first attempt.
    #[inline]
    pub(super) fn path_word(&self, pid: PaymentId, purpose: usize) -> u64 {
        let p = &self.arena[pid];
        self.nodes.groups[p.group as usize]
            .words
            .word(p.path_serial(), purpose)
    }

    /// Whether the merchant of a payment has wrong settlement account details (its payouts are
    /// returned).
    #[inline(always)]
    pub(super) fn wrong_account(&self, pid: PaymentId) -> bool {
        let p = &self.s.payout;
        self.merchant_chance(pid, merchant_slot::WRONG_ACCOUNT, p.wrong_account_share)
            // Verification at onboarding caught them: corrected before any payout.
            && !self.merchant_chance(pid, merchant_slot::VERIFIED, p.account_verification)
    }

    /// The merchant's own uniform draw for `slot` (see [`Self::merchant_chance`]).
    #[inline]
    pub(super) fn merchant_unit(&self, pid: PaymentId, slot: usize) -> f64 {
        let p = &self.arena[pid];
        let w = self.nodes.groups[p.group as usize]
            .merchant_words
            .word(p.terminal as u64, slot);
        crate::engine::rng::unit(w)
    }

    /// A per-merchant draw: the same merchants are affected in every design.
    #[inline(always)]
    pub(super) fn merchant_chance(&self, pid: PaymentId, slot: usize, share: f64) -> bool {
        share > 0.0 && (share >= 1.0 || self.merchant_unit(pid, slot) < share)
    }

    /// Records the first cause on a payment's path (later ones do not replace it), and the
    /// first other cause that strikes it once the acquirer has approved it (`Payment::late`).
    #[inline]
    pub(super) fn blame(&mut self, pid: PaymentId, cause: u8) {
        let p = &mut self.arena[pid];
        let approved = matches!(
            p.acquirer,
            super::payment::AcquirerState::Approved | super::payment::AcquirerState::Cleared
        );
        if p.cause == super::cause::id::NONE {
            p.cause = cause;
        }
        if approved && p.late == super::cause::id::NONE {
            p.late = cause;
        }
    }

    /// Records a timeout against the fault that degraded the payment's path (a slow station,
    /// a latency spike, a surge), if one did; else against timeouts as such.
    #[inline]
    pub(super) fn blame_timeout(&mut self, pid: PaymentId) {
        let s = self.arena[pid].struck;
        self.blame(pid, if s != 0 { s } else { super::cause::id::TIMEOUT });
    }

    /// Records a posting of a traced payment's money; compiled away when tracing is off.
    #[inline]
    pub(super) fn trace_post(
        &mut self,
        pid: PaymentId,
        from: crate::model::ledger::Account,
        to: crate::model::ledger::Account,
        amount: i64,
    ) {
        if T::ON {
            self.trace(pid, |_| Step::Posting { from, to, amount });
        }
    }

    /// Records a step of a traced payment; compiled away when tracing is off.
    #[inline]
    pub(super) fn trace(&mut self, pid: PaymentId, step: impl FnOnce(&Self) -> Step) {
        if T::ON {
            let serial = self.arena[pid].serial;
            if self.tracer.wants(serial) {
                let s = step(self);
                // What is judged at the end is judged at the horizon, not at the last event.
                let t = if self.finishing {
                    self.horizon
                } else {
                    self.q.now()
                };
                self.tracer.record(t, serial, s);
            }
        }
    }
}

//! Circuit breakers, bulkheads, load shedding and failover (see `scenario::strategies::guard`).
//!
//! Everything here runs only when the scenario switches a guard on (`World::guard_on`, computed
//! once per run): the journey calls in through a handful of hooks, each behind that bool, and
//! the functions are out of line. The only random draws are the echoes' (their own named
//! streams, `guard/echo/<channel>/...`): a design without health checks draws nothing more.
//!
//! A *call* is one request from a caller to a callee: the acquirer to a channel (the channel's
//! bulkhead, the acquirer's breaker for the channel, observed failover), or a channel to an
//! issuer (the issuer's bulkhead, the channel's breaker for the issuer). A call ends with the
//! callee's answer, or at the caller's timeout (the acquirer's `acquirer_timeout`, the
//! channel's `issuer_timeout`), or at the payment's deadline (the terminal's: sale +
//! `terminal_timeout`) when the caller has none. It failed if it timed out or was answered 91
//! or 96.

use crate::engine::{Nanos, Stream};
use crate::model::World;
use crate::model::event::{Ev, Msg, ToGateway};
use crate::model::invariants::Violation;
use crate::model::payment::{TerminalState as Term, code, flag};
use crate::model::topology::{Dir, LinkId, StationId};
use crate::model::trace::{Step, Tracer};
use crate::scenario::strategies::guard::{BreakerSpec, FailoverMode};
use crate::scenario::{FaultEffect, Scenario};

/// Bits of a payment's calls (see [`Guard::calls`]).
mod bit {
    /// A call from the acquirer to the payment's channel is open.
    pub const ACQ_OPEN: u8 = 1;
    /// It is a half-open breaker's trial call.
    pub const ACQ_TRIAL: u8 = 2;
    /// It probes a channel marked down by observed failures.
    pub const ACQ_PROBE: u8 = 4;
    /// A call from the channel to the payment's issuer is open.
    pub const CHAN_OPEN: u8 = 8;
    pub const CHAN_TRIAL: u8 = 16;
    /// The payment's deadline event is scheduled.
    pub const EXPIRE: u8 = 32;
}

/// What `Ev::Echo` says.
pub(in crate::model) mod echo {
    pub const SEND: u8 = 0;
    pub const OK: u8 = 1;
    pub const FAILED: u8 = 2;
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Closed,
    Open,
    HalfOpen,
}

enum Admit {
    Yes,
    Trial,
    No,
}

/// A count-based circuit breaker.
struct Breaker {
    state: State,
    opened_at: Nanos,
    /// Since when it has not been closed (open or half-open).
    since: Nanos,
    ring: Vec<bool>,
    pos: usize,
    n: usize,
    fails: usize,
    permits: u32,
    pending: u32,
    /// The cause of the last failure it recorded: blamed for its fast fails.
    cause: u8,
}

impl Breaker {
    fn new(spec: &BreakerSpec) -> Self {
        Breaker {
            state: State::Closed,
            opened_at: 0,
            since: 0,
            ring: vec![false; spec.window as usize],
            pos: 0,
            n: 0,
            fails: 0,
            permits: 0,
            pending: 0,
            cause: 0,
        }
    }

    /// Whether a call now would be refused (without taking a permit).
    fn refuses(&self, now: Nanos, spec: &BreakerSpec) -> bool {
        match self.state {
            State::Closed => false,
            State::Open => now < self.opened_at.saturating_add(spec.open_for),
            State::HalfOpen => self.permits == 0,
        }
    }

    fn admit(&mut self, now: Nanos, spec: &BreakerSpec) -> Admit {
        if self.state == State::Open && now >= self.opened_at.saturating_add(spec.open_for) {
            self.state = State::HalfOpen;
            self.permits = spec.half_open_calls;
            self.pending = 0;
        }
        match self.state {
            State::Closed => Admit::Yes,
            State::Open => Admit::No,
            State::HalfOpen if self.permits > 0 => {
                self.permits -= 1;
                self.pending += 1;
                Admit::Trial
            }
            State::HalfOpen => Admit::No,
        }
    }

    /// A trial permit taken but not used (the call was refused by a bulkhead).
    fn give_back(&mut self) {
        if self.state == State::HalfOpen && self.pending > 0 {
            self.pending -= 1;
            self.permits += 1;
        }
    }

    fn clear(&mut self) {
        self.ring.iter_mut().for_each(|b| *b = false);
        (self.pos, self.n, self.fails) = (0, 0, 0);
    }

    /// Records a call's result; returns (opened now, time it spent not closed if it closed).
    fn record(
        &mut self,
        now: Nanos,
        failed: bool,
        trial: bool,
        cause: u8,
        spec: &BreakerSpec,
    ) -> (bool, Nanos) {
        if failed && cause != 0 {
            self.cause = cause;
        }
        match self.state {
            State::Closed if !trial => {
                if self.n == self.ring.len() {
                    self.fails -= self.ring[self.pos] as usize;
                } else {
                    self.n += 1;
                }
                self.ring[self.pos] = failed;
                self.fails += failed as usize;
                self.pos = (self.pos + 1) % self.ring.len();
                if self.n >= spec.min_calls as usize
                    && self.fails as f64 >= spec.failure_rate * self.n as f64
                {
                    self.state = State::Open;
                    self.opened_at = now;
                    self.since = now;
                    self.clear();
                    return (true, 0);
                }
                (false, 0)
            }
            State::HalfOpen if trial => {
                self.pending = self.pending.saturating_sub(1);
                if failed {
                    self.state = State::Open;
                    self.opened_at = now;
                    return (true, 0);
                }
                if self.permits == 0 && self.pending == 0 {
                    self.state = State::Closed;
                    self.clear();
                    return (false, now - self.since);
                }
                (false, 0)
            }
            _ => (false, 0),
        }
    }
}

/// A channel's health as the acquirer sees it (health checks or observed failures).
#[derive(Default)]
struct Health {
    down: bool,
    since: Nanos,
    fails: u32,
    oks: u32,
    probe_at: Nanos,
    probing: bool,
}

/// The echoes' random streams of one channel: latency and loss each way.
struct EchoRng {
    up: Stream,
    down: Stream,
}

/// The guards' state in one run.
pub(in crate::model) struct Guard {
    pub shedding: bool,
    /// Per arena slot: (the payment's serial, its call bits). A slot reused by another
    /// payment reads as no bits.
    calls: Vec<(u64, u8)>,
    chan_in_flight: Vec<u32>,
    iss_in_flight: Vec<u32>,
    acq_breakers: Vec<Breaker>,
    /// Per channel and issuer, `[c * issuers + i]`.
    pair_breakers: Vec<Breaker>,
    issuers: usize,
    health: Vec<Health>,
    /// Per channel: announced outage windows `[start, end)`, sorted.
    announced: Vec<Vec<(Nanos, Nanos)>>,
    echo: Vec<EchoRng>,
}

impl Guard {
    pub fn new(s: &Scenario, faults: &crate::model::faults::Faults, master: u64, run: u64) -> Self {
        let g = &s.strategy.guard;
        let nc = s.channels.len();
        let ni = s.issuers.len();
        let (acq, pair) = match &g.breaker {
            Some(b) => (
                if b.at_acquirer() {
                    (0..nc).map(|_| Breaker::new(b)).collect()
                } else {
                    vec![]
                },
                if b.at_channel() {
                    (0..nc * ni).map(|_| Breaker::new(b)).collect()
                } else {
                    vec![]
                },
            ),
            None => (vec![], vec![]),
        };
        let mut announced = vec![vec![]; nc];
        if g.failover.announced {
            for &(k, c) in &g.announced {
                announced[c].extend_from_slice(faults.all[k].windows.list());
            }
            for a in &mut announced {
                a.sort_unstable();
            }
        }
        let echo = if g.failover.mode == FailoverMode::HealthCheck {
            s.channels
                .iter()
                .map(|c| {
                    let id = &c.station.id;
                    EchoRng {
                        up: Stream::new(master, run, &format!("guard/echo/{id}/up")),
                        down: Stream::new(master, run, &format!("guard/echo/{id}/down")),
                    }
                })
                .collect()
        } else {
            vec![]
        };
        Guard {
            shedding: g.shedding,
            calls: vec![],
            chan_in_flight: vec![0; nc],
            iss_in_flight: vec![0; ni],
            acq_breakers: acq,
            pair_breakers: pair,
            issuers: ni,
            health: (0..nc).map(|_| Health::default()).collect(),
            announced,
            echo,
        }
    }

    fn bits(&self, pid: u32, serial: u64) -> u8 {
        match self.calls.get(pid as usize) {
            Some(&(s, b)) if s == serial => b,
            _ => 0,
        }
    }

    fn set_bits(&mut self, pid: u32, serial: u64, b: u8) {
        let i = pid as usize;
        if i >= self.calls.len() {
            self.calls.resize(i + 1, (u64::MAX, 0));
        }
        self.calls[i] = (serial, b);
    }

    fn announced_at(&self, c: usize, t: Nanos) -> bool {
        let w = &self.announced[c];
        let i = w.partition_point(|x| x.0 <= t);
        i > 0 && t < w[i - 1].1
    }
}

impl<T: Tracer> World<'_, T> {
    /// Schedules the first echo of every channel (health checks).
    #[inline(never)]
    pub(in crate::model) fn guard_start(&mut self) {
        if self.guard.echo.is_empty() {
            return;
        }
        for c in 0..self.s.channels.len() {
            self.schedule(
                0,
                Ev::Echo {
                    channel: c as u16,
                    what: echo::SEND,
                },
            );
        }
    }

    fn call_bits(&self, pid: u32) -> u8 {
        self.guard.bits(pid, self.arena.pay[pid as usize].serial)
    }

    fn put_bits(&mut self, pid: u32, b: u8) {
        let serial = self.arena.pay[pid as usize].serial;
        self.guard.set_bits(pid, serial, b);
    }

    /// The deadline of a payment's calls: the acquirer's timeout for its first request if it
    /// has one, else the terminal's.
    fn deadline(&self, pid: u32) -> Nanos {
        let p = &self.arena.pay[pid as usize];
        p.t_sale.saturating_add(self.s.strategy.terminal_timeout)
    }

    /// Makes sure the payment's deadline event is scheduled.
    fn ensure_expire(&mut self, pid: u32, at: Nanos) {
        let b = self.call_bits(pid);
        if b & bit::EXPIRE == 0 {
            self.put_bits(pid, b | bit::EXPIRE);
            let at = at.max(self.q.now());
            self.schedule(at, Ev::GuardExpire { pid });
        }
    }

    /// The acquirer is about to send a request to the payment's channel: it may send it to the
    /// route's backup instead (announced outage, channel marked down, breaker open), or refuse
    /// it at once (breaker open, bulkhead full). Returns whether to send it.
    #[inline(never)]
    pub(in crate::model) fn guard_route(&mut self, pid: u32, first: bool) -> bool {
        let now = self.q.now();
        let p = self.arena.pay[pid as usize];
        let mut c = p.channel as usize;
        let mut probe = false;
        if first && self.s.strategy.guard.failover.mode != FailoverMode::None {
            let backup = self
                .routing
                .table
                .as_ref()
                .and_then(|t| t[p.issuer as usize].backup)
                .filter(|&b| b != c);
            if let Some(b) = backup {
                let why: Option<&'static str> = if self.guard.announced_at(c, now) {
                    Some("announced")
                } else if self.health_avoids(c, now, &mut probe) {
                    Some("down")
                } else if self.breaker_refuses(c, now) {
                    Some("breaker")
                } else {
                    None
                };
                if let Some(why) = why {
                    let q = &mut self.arena.pay[pid as usize];
                    q.channel = b as u16;
                    q.set(flag::FAILED_OVER);
                    self.out.failovers += 1;
                    if why == "announced" {
                        self.out.routed_around += 1;
                    }
                    if T::ON {
                        let (from, to) = (
                            self.s.channels[c].station.id.clone(),
                            self.s.channels[b].station.id.clone(),
                        );
                        self.trace(pid, |_| {
                            Step::Says(
                                match why {
                                    "announced" => "trace.says.failover_announced",
                                    "down" => "trace.says.failover_down",
                                    _ => "trace.says.failover_breaker",
                                },
                                vec![("from", from), ("to", to)],
                            )
                        });
                    }
                    c = b;
                }
            }
        }
        // Admission at the channel: its breaker, then its bulkhead.
        let mut trial = false;
        if let Some(spec) = self.s.strategy.guard.breaker.as_ref()
            && !self.guard.acq_breakers.is_empty()
        {
            match self.guard.acq_breakers[c].admit(now, spec) {
                Admit::Yes => {}
                Admit::Trial => trial = true,
                Admit::No => {
                    let cause = self.guard.acq_breakers[c].cause;
                    self.fast_fail_at_acquirer(pid, cause, "breaker");
                    self.out.breaker_fast_fails += 1;
                    return false;
                }
            }
        }
        if let Some(limit) = self.s.strategy.guard.channel_bulkhead[c]
            && self.guard.chan_in_flight[c] >= limit
        {
            if trial {
                self.guard.acq_breakers[c].give_back();
            }
            if probe {
                self.guard.health[c].probing = false;
            }
            if self.faults_on {
                self.synced_struck(pid, self.topo.channel(c as u16)); // a loaded twin's fault
            }
            self.out.bulkhead_rejections += 1;
            self.fast_fail_at_acquirer(pid, 0, "bulkhead");
            return false;
        }
        self.guard.chan_in_flight[c] += 1;
        if self.s.strategy.guard.channel_bulkhead[c].is_some() {
            let n = self.guard.chan_in_flight[c] as u64;
            self.out.bulkhead_in_flight_max = self.out.bulkhead_in_flight_max.max(n);
        }
        let mut b = self.call_bits(pid) | bit::ACQ_OPEN;
        if trial {
            b |= bit::ACQ_TRIAL;
        }
        if probe {
            b |= bit::ACQ_PROBE;
        }
        self.put_bits(pid, b);
        let at = match self.s.strategy.acquirer_timeout {
            Some(t) if first => now.saturating_add(t),
            _ => self.deadline(pid),
        };
        self.ensure_expire(pid, at);
        true
    }

    /// Whether the channel is marked down and this request should avoid it; a request that
    /// may probe a channel marked down by observed failures goes to it (`probe` set).
    fn health_avoids(&mut self, c: usize, now: Nanos, probe: &mut bool) -> bool {
        let h = &mut self.guard.health[c];
        if !h.down {
            return false;
        }
        if self.s.strategy.guard.failover.mode == FailoverMode::Observed
            && !h.probing
            && now >= h.probe_at
        {
            h.probing = true;
            *probe = true;
            return false;
        }
        true
    }

    fn breaker_refuses(&self, c: usize, now: Nanos) -> bool {
        match (
            &self.s.strategy.guard.breaker,
            self.guard.acq_breakers.get(c),
        ) {
            (Some(spec), Some(b)) => b.refuses(now, spec),
            _ => false,
        }
    }

    /// The acquirer refuses a request at once with 91.
    fn fast_fail_at_acquirer(&mut self, pid: u32, cause: u8, by: &'static str) {
        if cause != 0 {
            self.blame(pid, cause);
        } else {
            self.blame_timeout(pid);
        }
        self.gateway_refuses(pid, code::INOPERATIVE, by);
    }

    /// A response reaches the acquirer: it ends the acquirer's call.
    #[inline(never)]
    pub(in crate::model) fn guard_acq_answer(&mut self, pid: u32, rcode: u8) {
        let failed = matches!(
            rcode,
            code::INOPERATIVE | code::NO_ISSUER_ANSWER | code::MALFUNCTION
        );
        let own = self.arena.pay[pid as usize].has(flag::CHANNEL_REFUSED);
        self.end_acq_call(pid, failed, failed && own);
    }

    /// The acquirer's timeout or the payment's deadline: the acquirer's call failed.
    #[inline(never)]
    pub(in crate::model) fn guard_acq_timeout(&mut self, pid: u32) {
        self.end_acq_call(pid, true, true);
    }

    /// Ends the acquirer's open call (if any): `failed` for its breaker, `channel_failed` for
    /// observed failover (a timeout, or the channel's own refusal).
    fn end_acq_call(&mut self, pid: u32, failed: bool, channel_failed: bool) {
        let b = self.call_bits(pid);
        if b & bit::ACQ_OPEN == 0 {
            return;
        }
        self.put_bits(pid, b & !(bit::ACQ_OPEN | bit::ACQ_TRIAL | bit::ACQ_PROBE));
        let now = self.q.now();
        let p = self.arena.pay[pid as usize];
        let c = p.channel as usize;
        self.guard.chan_in_flight[c] -= 1;
        let cause = if p.cause != 0 { p.cause } else { p.struck };
        if let Some(spec) = self.s.strategy.guard.breaker.as_ref()
            && !self.guard.acq_breakers.is_empty()
        {
            let (opened, closed_after) = self.guard.acq_breakers[c].record(
                now,
                failed,
                b & bit::ACQ_TRIAL != 0,
                cause,
                spec,
            );
            self.breaker_moved(opened, closed_after);
        }
        if self.s.strategy.guard.failover.mode == FailoverMode::Observed {
            let down_after = self.s.strategy.guard.failover.down_after;
            let probe_after = self.s.strategy.guard.failover.probe_after;
            let h = &mut self.guard.health[c];
            if b & bit::ACQ_PROBE != 0 {
                h.probing = false;
                if channel_failed {
                    h.probe_at = now.saturating_add(probe_after);
                } else {
                    h.down = false;
                    h.fails = 0;
                    self.out.channel_down_time += now - h.since;
                }
            } else if !h.down {
                if channel_failed {
                    h.fails += 1;
                    if h.fails >= down_after {
                        h.down = true;
                        h.since = now;
                        h.probe_at = now.saturating_add(probe_after);
                        self.out.channels_marked_down += 1;
                    }
                } else {
                    h.fails = 0;
                }
            }
        }
    }

    fn breaker_moved(&mut self, opened: bool, closed_after: Nanos) {
        if opened {
            self.out.breaker_opens += 1;
        }
        self.out.breaker_open_time += closed_after;
    }

    /// The channel has served a request and is about to send it to the issuer: its breaker for
    /// the issuer or the issuer's bulkhead may refuse it (the channel answers 91 at once).
    /// Returns whether to send it.
    #[inline(never)]
    pub(in crate::model) fn guard_forward(&mut self, pid: u32) -> bool {
        let now = self.q.now();
        let p = self.arena.pay[pid as usize];
        let (c, i) = (p.channel as usize, p.issuer as usize);
        let k = c * self.guard.issuers + i;
        let mut trial = false;
        if let Some(spec) = self.s.strategy.guard.breaker.as_ref()
            && !self.guard.pair_breakers.is_empty()
        {
            match self.guard.pair_breakers[k].admit(now, spec) {
                Admit::Yes => {}
                Admit::Trial => trial = true,
                Admit::No => {
                    let cause = self.guard.pair_breakers[k].cause;
                    self.out.breaker_fast_fails += 1;
                    self.fast_fail_at_channel(pid, cause, "trace.says.channel_breaker_open");
                    return false;
                }
            }
        }
        if let Some(limit) = self.s.strategy.guard.issuer_bulkhead[i]
            && self.guard.iss_in_flight[i] >= limit
        {
            if trial {
                self.guard.pair_breakers[k].give_back();
            }
            self.out.bulkhead_rejections += 1;
            self.fast_fail_at_channel(pid, 0, "trace.says.channel_bulkhead_full");
            return false;
        }
        self.guard.iss_in_flight[i] += 1;
        if self.s.strategy.guard.issuer_bulkhead[i].is_some() {
            let n = self.guard.iss_in_flight[i] as u64;
            self.out.bulkhead_in_flight_max = self.out.bulkhead_in_flight_max.max(n);
        }
        let mut b = self.call_bits(pid) | bit::CHAN_OPEN;
        if trial {
            b |= bit::CHAN_TRIAL;
        }
        self.put_bits(pid, b);
        let at = self.deadline(pid);
        self.ensure_expire(pid, at);
        true
    }

    fn fast_fail_at_channel(&mut self, pid: u32, cause: u8, why: &'static str) {
        if cause != 0 {
            self.blame(pid, cause);
        } else {
            self.blame_timeout(pid);
        }
        if T::ON {
            self.trace(pid, |_| Step::Coded(why, code::INOPERATIVE));
        }
        let c = self.arena.pay[pid as usize].channel;
        self.send(
            pid,
            LinkId::GatewayChannel(c),
            Dir::Down,
            Msg::Gateway(ToGateway::Response(code::INOPERATIVE)),
        );
    }

    /// The issuer's answer reaches the channel: it ends the channel's call.
    #[inline(never)]
    pub(in crate::model) fn guard_chan_answer(&mut self, pid: u32, rcode: u8) {
        let failed = matches!(rcode, code::INOPERATIVE | code::MALFUNCTION);
        self.end_chan_call(pid, failed);
    }

    /// The channel's timeout for the issuer: its call failed.
    #[inline(never)]
    pub(in crate::model) fn guard_chan_timeout(&mut self, pid: u32) {
        self.end_chan_call(pid, true);
    }

    fn end_chan_call(&mut self, pid: u32, failed: bool) {
        let b = self.call_bits(pid);
        if b & bit::CHAN_OPEN == 0 {
            return;
        }
        self.put_bits(pid, b & !(bit::CHAN_OPEN | bit::CHAN_TRIAL));
        let p = self.arena.pay[pid as usize];
        let (c, i) = (p.channel as usize, p.issuer as usize);
        self.guard.iss_in_flight[i] -= 1;
        if let Some(spec) = self.s.strategy.guard.breaker.as_ref()
            && !self.guard.pair_breakers.is_empty()
        {
            let now = self.q.now();
            let cause = if p.cause != 0 { p.cause } else { p.struck };
            let k = c * self.guard.issuers + i;
            let (opened, closed_after) = self.guard.pair_breakers[k].record(
                now,
                failed,
                b & bit::CHAN_TRIAL != 0,
                cause,
                spec,
            );
            self.breaker_moved(opened, closed_after);
        }
    }

    /// The payment's deadline: every call still open failed.
    #[inline(never)]
    pub(in crate::model) fn guard_expire(&mut self, pid: u32) {
        let b = self.call_bits(pid);
        self.put_bits(pid, b & !bit::EXPIRE);
        if b & bit::ACQ_OPEN != 0 {
            self.end_acq_call(pid, true, true);
        }
        if b & bit::CHAN_OPEN != 0 {
            self.end_chan_call(pid, true);
        }
    }

    /// A station is about to serve a queued request: with shedding on, requests whose terminal
    /// has given up (sale + terminal timeout passed) are dropped unserved, and the server takes
    /// the next. Returns the request to serve, if any.
    #[inline(never)]
    pub(in crate::model) fn shed_queued(
        &mut self,
        st: StationId,
        mut pid: u32,
        mut end: Nanos,
    ) -> Result<Option<(u32, Nanos)>, Violation> {
        let now = self.q.now();
        loop {
            if pid == crate::model::station::JUNK || now < self.deadline(pid) {
                return Ok(Some((pid, end)));
            }
            self.out.requests_shed += 1;
            if T::ON {
                let gave_up = self.arena.pay[pid as usize].terminal_state != Term::Waiting;
                self.trace(pid, |w| {
                    Step::Says(
                        if gave_up {
                            "trace.says.shed_gave_up"
                        } else {
                            "trace.says.shed_deadline"
                        },
                        vec![
                            ("kind", w.station_word(st).to_string()),
                            ("at", w.nodes.stations[st.index()].id.clone()),
                        ],
                    )
                });
            }
            self.release(pid)?; // its queue place
            match self.nodes.stations[st.index()].depart(now) {
                Some((next, e)) => (pid, end) = (next, e),
                None => return Ok(None),
            }
        }
    }

    /// An echo event: send the next echo of a channel, or judge one.
    #[inline(never)]
    pub(in crate::model) fn echo_event(&mut self, c: u16, what: u8) -> Result<(), Violation> {
        let c = c as usize;
        let now = self.q.now();
        let fo = self.s.strategy.guard.failover.clone();
        match what {
            echo::SEND => {
                self.out.echoes_sent += 1;
                let back = self.echo_trip(c, now);
                let limit = now.saturating_add(fo.echo_timeout);
                let (at, what) = match back {
                    Some(t) if t <= limit => (t, echo::OK),
                    _ => (limit, echo::FAILED),
                };
                let channel = c as u16;
                self.schedule(at, Ev::Echo { channel, what });
                let next = now.saturating_add(fo.echo_interval);
                if next <= self.horizon {
                    self.schedule(
                        next,
                        Ev::Echo {
                            channel,
                            what: echo::SEND,
                        },
                    );
                }
            }
            echo::OK => {
                let h = &mut self.guard.health[c];
                h.fails = 0;
                h.oks += 1;
                if h.down && h.oks >= fo.up_after {
                    h.down = false;
                    self.out.channel_down_time += now - h.since;
                }
            }
            _ => {
                self.out.echoes_failed += 1;
                let h = &mut self.guard.health[c];
                h.oks = 0;
                h.fails += 1;
                if !h.down && h.fails >= fo.down_after {
                    h.down = true;
                    h.since = now;
                    self.out.channels_marked_down += 1;
                }
            }
        }
        Ok(())
    }

    /// When an echo sent to channel `c` at `t0` comes back, or `None` if it is lost or the
    /// channel does not answer. An echo takes no server's time: the channel's line handler
    /// answers it, unless the channel is down or hung (any outage).
    fn echo_trip(&mut self, c: usize, t0: Nanos) -> Option<Nanos> {
        let t1 = t0.saturating_add(self.echo_leg(c, Dir::Up, t0)?);
        if self.faults_on {
            let st = self.topo.channel(c as u16);
            let down = self.faults.station[st.index()].iter().any(|&k| {
                let f = &self.faults.all[k as usize];
                matches!(f.effect, FaultEffect::Outage { .. }) && f.active(t1)
            });
            if down {
                return None;
            }
        }
        Some(t1.saturating_add(self.echo_leg(c, Dir::Down, t1)?))
    }

    /// One way of an echo on the gateway–channel link: its delay, or `None` if lost (the
    /// link's loss and latency, and its faults, drawn from the echo's own streams).
    fn echo_leg(&mut self, c: usize, dir: Dir, t: Nanos) -> Option<Nanos> {
        let (latency, loss) = self.nodes.gc_links[c].spec();
        let latency = latency.clone();
        let rng = match dir {
            Dir::Up => &mut self.guard.echo[c].up,
            Dir::Down => &mut self.guard.echo[c].down,
        };
        if rng.chance(loss) {
            return None;
        }
        let mut d = if latency.is_zero() {
            0
        } else {
            latency.sample_ns(rng)
        };
        if self.faults_on {
            for &k in self.faults.on_link(LinkId::GatewayChannel(c as u16), dir) {
                let f = &self.faults.all[k as usize];
                if !f.active(t) {
                    continue;
                }
                let rng = match dir {
                    Dir::Up => &mut self.guard.echo[c].up,
                    Dir::Down => &mut self.guard.echo[c].down,
                };
                match &f.effect {
                    FaultEffect::Partition => return None,
                    FaultEffect::Loss { probability } if rng.chance(*probability) => return None,
                    FaultEffect::Latency { added } => d = d.saturating_add(added.sample_ns(rng)),
                    _ => {}
                }
            }
        }
        Some(d)
    }

    /// At the end of the run: time still marked down or not closed counts up to the horizon.
    #[inline(never)]
    pub(in crate::model) fn guard_finish(&mut self) {
        let end = self.horizon;
        for h in &self.guard.health {
            if h.down {
                self.out.channel_down_time += end.saturating_sub(h.since);
            }
        }
        for b in self
            .guard
            .acq_breakers
            .iter()
            .chain(&self.guard.pair_breakers)
        {
            if b.state != State::Closed {
                self.out.breaker_open_time += end.saturating_sub(b.since);
            }
        }
    }
}

//! A payment's lifetime, in one place.
//!
//! Payments live in an arena of slots reused through a free list. Everything that still refers
//! to a payment holds a reference on it: a scheduled event, a place in a station's queue, an
//! entry in a clearing batch. References are taken only by [`World::schedule`] (for events
//! about a payment), [`World::hold`] (queue places, batch entries) and dropped only by
//! [`World::release`]. When the last reference goes the payment is finished: classified and its
//! slot freed. When only its batch entry is left and its fate is sealed, it is folded into the
//! batch (see `clearing`). A new timer or queue therefore cannot forget either side.

use super::World;
use super::clearing::NO_BATCH;
use super::event::Ev;
use super::invariants::Violation;
use super::payment::Payment;
use super::trace::Tracer;
use crate::engine::Nanos;
use std::ops::{Index, IndexMut};

/// A payment's slot in the arena: what events, queue places and batch entries hold to refer
/// to a payment in flight. Slots are reused once their payment is finished, so a payment's
/// stable number is its `serial`, not its id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PaymentId(pub(crate) u32);

impl PaymentId {
    /// The slot's index in the arena.
    #[inline(always)]
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// The payments of a run that are still in flight.
pub(super) struct Arena {
    pay: Vec<Payment>,
    pub live: Vec<bool>,
    free: Vec<PaymentId>,
}

impl Index<PaymentId> for Arena {
    type Output = Payment;
    #[inline(always)]
    fn index(&self, pid: PaymentId) -> &Payment {
        &self.pay[pid.index()]
    }
}

impl IndexMut<PaymentId> for Arena {
    #[inline(always)]
    fn index_mut(&mut self, pid: PaymentId) -> &mut Payment {
        &mut self.pay[pid.index()]
    }
}

impl Arena {
    pub fn with_capacity(n: usize) -> Self {
        Arena {
            pay: Vec::with_capacity(n),
            live: Vec::with_capacity(n),
            free: vec![],
        }
    }

    /// Puts a new payment in a free slot.
    pub fn insert(&mut self, p: Payment) -> PaymentId {
        match self.free.pop() {
            Some(pid) => {
                self[pid] = p;
                self.live[pid.index()] = true;
                pid
            }
            None => {
                self.pay.push(p);
                self.live.push(true);
                PaymentId((self.pay.len() - 1) as u32)
            }
        }
    }

    /// Every slot, live or free (`live` tells which), in order.
    pub fn ids(&self) -> impl Iterator<Item = PaymentId> + use<> {
        (0..self.pay.len() as u32).map(PaymentId)
    }

    /// Frees a finished payment's slot.
    pub fn remove(&mut self, pid: PaymentId) {
        self.live[pid.index()] = false;
        self.free.push(pid);
    }
}

impl<T: Tracer> World<'_, T> {
    /// Schedules an event; an event about a payment holds a reference on it until handled.
    #[inline]
    pub(super) fn schedule(&mut self, at: Nanos, ev: Ev) {
        if let Some(pid) = ev.payment() {
            self.hold(pid);
        }
        self.q.schedule(at, ev);
    }

    /// Schedules terminal group `g`'s next arrival at `at`: in the group's lane, or in the heap
    /// when the scenario has too many groups for lanes (`Lanes::arrivals`).
    #[inline]
    pub(super) fn schedule_arrival(&mut self, g: usize, at: Nanos) {
        let ev = Ev::Arrival { group: g as u16 };
        match self.lanes.arrivals.get(g) {
            Some(&lane) => self.q.schedule_lane(lane, at, ev),
            None => self.q.schedule(at, ev),
        }
    }

    /// Schedules the terminal's timeout, in its FIFO lane.
    #[inline]
    pub(super) fn schedule_timeout(&mut self, pid: PaymentId, at: Nanos) {
        self.schedule_in_lane(self.lanes.terminal, at, Ev::TerminalTimeout { pid });
    }

    /// Schedules an event about a payment in a FIFO lane (events of one constant delay).
    #[inline]
    pub(super) fn schedule_in_lane(&mut self, lane: usize, at: Nanos, ev: Ev) {
        if let Some(pid) = ev.payment() {
            self.hold(pid);
        }
        self.q.schedule_lane(lane, at, ev);
    }

    /// Takes a reference on a payment (a queue place, a batch entry).
    #[inline]
    pub(super) fn hold(&mut self, pid: PaymentId) {
        self.arena[pid].refs += 1;
    }

    /// Drops one reference; a payment nothing refers to any more is finished.
    #[inline]
    pub(super) fn release(&mut self, pid: PaymentId) -> Result<(), Violation> {
        let p = &mut self.arena[pid];
        p.refs -= 1;
        if p.refs == 0 {
            if self.s.reconciliation.is_some() && self.schedule_break(pid) {
                return Ok(()); // reconciliation will look at it
            }
            self.finalize(pid)
        } else if p.refs == 1 && p.batch != NO_BATCH {
            self.retire(pid)
        } else {
            Ok(())
        }
    }
}

//! The future event list.
//!
//! A binary min-heap keyed on `(time, seq)`, where `seq` is a counter incremented at every
//! insertion. Two events at the same instant therefore run in the order they were scheduled
//! (FIFO), which makes a run a pure function of its inputs. Events are plain `Copy` values: no
//! boxing, no dynamic dispatch, no allocation once the heap has grown to its working size.
//!
//! Besides the heap there are FIFO *lanes*: for events scheduled with a constant delay (a
//! terminal timeout, say) the times arrive already in order, so a plain queue holds them and the
//! heap stays small. A lane is only storage: `pop` takes the smallest `(time, seq)` over the heap
//! and every lane front, so events run in exactly the order the heap alone would give.

use super::time::Nanos;
use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};

struct Entry<E> {
    /// `time << 64 | seq`: one integer comparison orders by time, then insertion.
    key: u128,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    fn cmp(&self, other: &Self) -> Ordering {
        // Reversed: BinaryHeap is a max-heap, we want the earliest key on top.
        other.key.cmp(&self.key)
    }
}

/// The event queue and the simulation clock.
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    lanes: Vec<VecDeque<Entry<E>>>,
    /// The smallest key at the front of a lane, and its lane (`u128::MAX` when every lane is
    /// empty): kept up to date as lanes change, so finding the next event looks at the heap's
    /// top and this, not at every lane.
    lane_min: (u128, usize),
    seq: u64,
    now: Nanos,
    popped: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    pub fn new() -> Self {
        Self::with_capacity(1024)
    }

    pub fn with_capacity(cap: usize) -> Self {
        EventQueue {
            heap: BinaryHeap::with_capacity(cap),
            lanes: vec![],
            lane_min: (u128::MAX, 0),
            seq: 0,
            now: 0,
            popped: 0,
        }
    }

    /// The current simulated time: the time of the event being handled.
    #[inline]
    pub fn now(&self) -> Nanos {
        self.now
    }

    #[inline]
    fn key(&mut self, at: Nanos) -> u128 {
        debug_assert!(
            at >= self.now,
            "event scheduled in the past: {at} < {}",
            self.now
        );
        let at = at.max(self.now);
        let key = ((at as u128) << 64) | self.seq as u128;
        self.seq += 1;
        key
    }

    /// Schedules `event` at absolute time `at`. Scheduling in the past is a model bug: the event
    /// is clamped to `now` in release builds and panics in debug builds.
    #[inline]
    pub fn schedule(&mut self, at: Nanos, event: E) {
        let key = self.key(at);
        self.heap.push(Entry { key, event });
    }

    /// Schedules `event` after `delay` from now (saturating).
    #[inline]
    pub fn schedule_in(&mut self, delay: Nanos, event: E) {
        self.schedule(self.now.saturating_add(delay), event);
    }

    /// Adds a FIFO lane and returns its number (see the module docs).
    pub fn add_lane(&mut self) -> usize {
        self.lanes.push(VecDeque::with_capacity(1024));
        self.lanes.len() - 1
    }

    /// Schedules `event` at `at` in `lane`. Events in a lane should come in time order; one that
    /// does not goes to the heap instead, so the order of events stays exact either way.
    #[inline]
    pub fn schedule_lane(&mut self, lane: usize, at: Nanos, event: E) {
        let key = self.key(at);
        let l = &mut self.lanes[lane];
        if l.back().is_none_or(|b| b.key <= key) {
            // Only a lane that was empty gets a new front.
            if l.is_empty() && key < self.lane_min.0 {
                self.lane_min = (key, lane);
            }
            l.push_back(Entry { key, event });
        } else {
            self.heap.push(Entry { key, event });
        }
    }

    /// The key of the next event and where it is: `None` = the heap, `Some(i)` = lane `i`.
    #[inline]
    fn next_source(&self) -> Option<(u128, Option<usize>)> {
        let (lane_key, lane) = self.lane_min;
        match self.heap.peek() {
            Some(e) if e.key < lane_key => Some((e.key, None)),
            _ if lane_key != u128::MAX => Some((lane_key, Some(lane))),
            _ => None,
        }
    }

    /// Takes the front of lane `i` and finds the lanes' new smallest front.
    #[inline]
    fn pop_lane(&mut self, i: usize) -> Option<Entry<E>> {
        let e = self.lanes[i].pop_front()?;
        self.lane_min = (u128::MAX, 0);
        for (j, l) in self.lanes.iter().enumerate() {
            if let Some(f) = l.front().filter(|f| f.key < self.lane_min.0) {
                self.lane_min = (f.key, j);
            }
        }
        Some(e)
    }

    /// Time of the next event, if any.
    #[inline]
    pub fn peek_time(&self) -> Option<Nanos> {
        self.next_source().map(|(k, _)| (k >> 64) as Nanos)
    }

    /// Events popped so far.
    #[inline]
    pub fn popped(&self) -> u64 {
        self.popped
    }

    /// Removes the next event and advances the clock to its time.
    #[inline]
    pub fn pop(&mut self) -> Option<(Nanos, E)> {
        let e = match self.next_source()?.1 {
            None => self.heap.pop()?,
            Some(i) => self.pop_lane(i)?,
        };
        let t = (e.key >> 64) as Nanos;
        self.now = t;
        self.popped += 1;
        Some((t, e.event))
    }

    /// Removes the next event if it is due at or before `limit`, and advances the clock to its
    /// time; `None` when there is none or it is later (the queue is then unchanged). One look
    /// at the heap and the lanes, where `peek_time` then `pop` take two.
    #[inline]
    pub fn pop_until(&mut self, limit: Nanos) -> Option<(Nanos, E)> {
        let (key, src) = self.next_source()?;
        let t = (key >> 64) as Nanos;
        if t > limit {
            return None;
        }
        let e = match src {
            None => self.heap.pop()?,
            Some(i) => self.pop_lane(i)?,
        };
        self.now = t;
        self.popped += 1;
        Some((t, e.event))
    }

    /// Events still scheduled.
    pub fn len(&self) -> usize {
        self.heap.len() + self.lanes.iter().map(VecDeque::len).sum::<usize>()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Events handled so far.
    pub fn events_processed(&self) -> u64 {
        self.popped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_by_time_then_fifo() {
        let mut q = EventQueue::new();
        q.schedule(10, 'a');
        q.schedule(5, 'b');
        q.schedule(10, 'c');
        q.schedule(5, 'd');
        q.schedule(0, 'e');
        let order: Vec<char> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, vec!['e', 'b', 'd', 'a', 'c']);
        assert_eq!(q.now(), 10);
        assert_eq!(q.events_processed(), 5);
    }

    #[test]
    fn lanes_interleave_exactly_like_the_heap() {
        // The same schedule through the heap alone and through heap + lane: same order.
        let schedule = [
            (5u64, 'a', true),
            (3, 'b', false),
            (5, 'c', false),
            (7, 'd', true),
            (5, 'e', true), // earlier than the lane's back: falls back to the heap
            (1, 'f', false),
            (7, 'g', false),
            (8, 'h', true),
        ];
        let mut plain = EventQueue::new();
        let mut laned = EventQueue::new();
        let lane = laned.add_lane();
        for (t, e, in_lane) in schedule {
            plain.schedule(t, e);
            if in_lane {
                laned.schedule_lane(lane, t, e);
            } else {
                laned.schedule(t, e);
            }
        }
        assert_eq!(laned.len(), 8);
        let a: Vec<_> = std::iter::from_fn(|| plain.pop()).collect();
        let b: Vec<_> = std::iter::from_fn(|| laned.pop()).collect();
        assert_eq!(a, b);
        assert_eq!(a.iter().map(|x| x.1).collect::<String>(), "fbacedgh");
    }

    #[test]
    fn pop_until_stops_at_the_limit_and_leaves_the_rest() {
        let mut q = EventQueue::new();
        let lane = q.add_lane();
        q.schedule(10, 'a');
        q.schedule_lane(lane, 5, 'b');
        q.schedule(20, 'c');
        assert_eq!(q.pop_until(10), Some((5, 'b')));
        assert_eq!(q.pop_until(10), Some((10, 'a')));
        assert_eq!(q.pop_until(10), None);
        assert_eq!((q.len(), q.now()), (1, 10));
        assert_eq!(q.pop_until(u64::MAX), Some((20, 'c')));
        assert_eq!(q.pop_until(u64::MAX), None);
    }

    #[test]
    fn many_lanes_interleave_exactly_like_the_heap_alone() {
        // Random schedules over three lanes (constant delays, as the model's timers) and the
        // heap, with pops in between: the same events in the same order as the heap alone.
        use rand::{RngExt, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        for round in 0..100 {
            let mut plain = EventQueue::new();
            let mut laned = EventQueue::new();
            let lanes: Vec<usize> = (0..3).map(|_| laned.add_lane()).collect();
            let delays = [7u64, 30, 30 + round];
            let (mut a, mut b) = (vec![], vec![]);
            for step in 0..3_000u32 {
                match rng.random_range(0..10) {
                    0..=2 => {
                        let at = plain.now() + rng.random_range(0..50);
                        plain.schedule(at, step);
                        laned.schedule(at, step);
                    }
                    3..=5 => {
                        let l = rng.random_range(0..3);
                        plain.schedule_in(delays[l], step);
                        let at = laned.now() + delays[l];
                        laned.schedule_lane(lanes[l], at, step);
                    }
                    _ => {
                        let limit = plain.now() + rng.random_range(0..40);
                        a.push(plain.pop_until(limit));
                        b.push(laned.pop_until(limit));
                    }
                }
                assert_eq!(plain.now(), laned.now());
            }
            a.extend(std::iter::from_fn(|| plain.pop()).map(Some));
            b.extend(std::iter::from_fn(|| laned.pop()).map(Some));
            assert_eq!(a, b, "round {round}");
        }
    }

    #[test]
    fn clock_advances_and_relative_scheduling() {
        let mut q = EventQueue::new();
        q.schedule(100, 1u8);
        assert_eq!(q.pop(), Some((100, 1)));
        q.schedule_in(50, 2);
        assert_eq!(q.peek_time(), Some(150));
        q.schedule_in(u64::MAX, 3);
        assert_eq!(q.pop(), Some((150, 2)));
        assert_eq!(q.pop(), Some((u64::MAX, 3)));
        assert!(q.is_empty());
    }
}

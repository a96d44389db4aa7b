//! The domain-free simulation kernel: integer time, the event queue, named random streams and
//! the distributions sampled from them.
//!
//! Nothing in here knows about payments. The model (`crate::model`) sits on top.
//!
//! Ordering guarantee: events run in order of `(time, insertion sequence)`, so events scheduled
//! for the same instant run first-in first-out. Time is an integer count of nanoseconds that only
//! the queue advances; there is no wall clock anywhere inside a run.

pub mod dist;
pub mod interrupt;
pub mod queue;
pub mod rng;
pub mod time;

pub use dist::Dist;
pub use queue::EventQueue;
pub use rng::{KeyedWords, Stream};
pub use time::{DAY, HOUR, MICRO, MILLI, MINUTE, Nanos, SECOND};

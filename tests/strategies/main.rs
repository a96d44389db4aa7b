//! Resilience strategies and the comparison of designs, in one test binary (each integration
//! test file is linked on its own, so related files share one to keep the build short):
//!
//! - [`retry`]: request retries, idempotency keys, duplicate charges, paying again;
//! - [`guard`]: failover, circuit breakers, bulkheads, load shedding;
//! - [`upkeep`]: autoscaling, monitoring, support desk, fleet, Luhn, risk tuning, SLAs, SAF;
//! - [`costs`]: `[costs]` priced from each run's counts;
//! - [`compare`]: `[[variant]]` designs, common random numbers, `compare` and `sweep`;
//! - [`shipped`]: the shipped comparison scenarios head to head.

#[path = "../common/mod.rs"]
mod common;

mod compare;
mod costs;
mod guard;
mod periods;
mod retry;
mod shipped;
mod upkeep;

//! Resilience strategies: the remedies an architect switches on and off and compares.
//!
//! - [`retry`]: request retries (terminal or acquirer), backoff, jitter, retry budget,
//!   idempotency keys, and the cardholder who pays again;
//! - [`guard`]: circuit breakers, bulkheads, load shedding with deadlines, failover driven by
//!   health checks or observed failures, announced maintenance routed around;
//! - [`upkeep`]: capacity and autoscaling, monitoring and repair, the support desk, terminal
//!   fleet upkeep, input validation, risk-engine tuning, review SLAs, store-and-forward tuning.

pub mod guard;
pub mod retry;
pub mod upkeep;

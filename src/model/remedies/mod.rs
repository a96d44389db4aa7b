//! The remedies a design can switch on, apart from the journey they act on. Each is an
//! `impl World` block (or plain state) that the journey calls through a few hooks, behind a
//! flag computed once per run, with its code out of line:
//!
//! - [`guard`]: circuit breakers, bulkheads, load shedding and failover by refusal, health
//!   checks, observed failures or announced maintenance;
//! - [`breaker`]: the count-based circuit breaker, a pure state machine the guards keep;
//! - [`retry`]: request retries, idempotency keys, and the cardholder who pays again;
//! - [`upkeep`]: monitoring and repair, autoscaling, the support desk, terminal fleet upkeep,
//!   the Luhn check and review SLAs.

pub(in crate::model) mod breaker;
pub(in crate::model) mod guard;
pub(in crate::model) mod retry;
pub(in crate::model) mod upkeep;

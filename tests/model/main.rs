//! The model's behaviour against theory and the scenarios' own parameters, in one test binary
//! (each integration test file is linked on its own, so related files share one to keep the
//! build short): outcomes and causes, common random numbers, conservation, determinism,
//! holidays, outages, payouts, the path after authorisation, queueing theory, sharding and
//! merging, and the trace.

#[path = "../common/mod.rs"]
mod common;

mod account_caps;
mod causes;
mod common_random_numbers;
mod conservation;
mod determinism;
mod disputes;
mod fees;
mod holidays;
mod interval_coverage;
mod merchant_limits;
mod outage_stuck;
mod payout;
mod payout_channel;
mod pos_batch;
mod postauth;
mod qr;
mod queueing_theory;
mod recon_source;
mod shard;
mod shard_tamper;
mod trace_language;
mod trace_story;
mod transactions;

//! The memory a command will need, estimated before anything runs, stage by stage.
//!
//! A batch holds, at its peak: the process itself; per worker thread, one run's simulation (the
//! cardholder account tables, the payments in flight and their events); the rows a command
//! keeps until the end (compare pairs designs run by run, a shard keeps its rows for the
//! partial file); and after the batch, the report stage: one replay of run 0 and the census
//! behind the example stories, sampled to a bound (`runner::replay::STORY_SAMPLE`). The fold of
//! the runs, the histograms, `runs.csv` (streamed through working files) and the charts (a
//! fixed number of sample points) are flat in the number of runs and the scenario's size, and
//! are inside the process's share.
//!
//! [`Estimate::check`] compares the peak with the memory the process may use (the address-space
//! limit, `ulimit -v`, found by reserving that much once; and on Linux the machine's memory and
//! a container's limit, cgroup v2's `memory.max` at the root of the hierarchy it sees) and
//! refuses up front, exit 2, with the table of stages, instead of an abort minutes later. The constants are measured (`tests/memory.rs` runs every shipped
//! scenario and checks that the estimate bounds the measured peak; docs/RELIABILITY.md).

use super::replay::{ROW_BYTES, STORY_SAMPLE, sample_rate};
use crate::engine::time::as_secs_f64;
use crate::scenario::{Scenario, capacity};

/// The process before any run: the program, the allocator's arenas, the thread stacks, the
/// catalogue, the histograms, the charts' sample points and bitmaps.
pub const PROCESS_BYTES: u64 = 48 << 20;

/// A run's fixed share (clearing, ledgers, per-run metrics, the event queue's first blocks).
pub const RUN_BYTES: u64 = 4 << 20;

/// One payment in flight: its arena slot (112 bytes), its pending events and queue place,
/// rounded up.
pub const PAYMENT_BYTES: u64 = 256;

/// How long an ordinary payment stays in flight before it is judged or retired into its
/// clearing batch (seconds): generous against a till timeout of tens of seconds.
pub const IN_FLIGHT_S: f64 = 120.0;

/// What a command keeps per run until its batch ends.
#[derive(Clone, Copy, Debug, Default)]
pub struct Kept {
    /// Runs whose rows are kept.
    pub runs: u64,
    /// Bytes a kept run costs.
    pub bytes_per_run: u64,
}

/// The memory a command will need, stage by stage (bytes).
#[derive(Clone, Debug)]
pub struct Estimate {
    pub threads: u64,
    /// One run's simulation.
    pub per_worker: u64,
    /// Rows kept until the end of the batch.
    pub kept: u64,
    /// The report stage beside its replay: the example stories, with the census that finds
    /// them when the batch keeps no candidates (0: no report).
    pub report: u64,
    /// Whether the report stage takes a census (a scenario that retries).
    pub report_census: bool,
}

/// Payments one run may hold at once: a few minutes of the busiest traffic, plus what piles up
/// while a station is overloaded (its excess rate over the whole traffic window) and every
/// extra payment of a surge, never more than the run's payments. (Approved payments are retired into their clearing batch as compact
/// totals, so a day's sales do not stay in flight until the cut-off; when they cannot be
/// (`model::folds_sales`: a payout channel, personal account caps, retries ...), every sale
/// stays whole until its payout, and the bound is the run's payments.)
pub fn in_flight(s: &Scenario) -> f64 {
    let peak = capacity::peak_rate(s);
    let window = as_secs_f64(s.traffic_window);
    let overload: f64 = capacity::loads(s)
        .iter()
        .filter(|l| l.utilization >= 1.0)
        .map(|l| (l.arrival_rate - l.servers as f64 / l.mean_service_s.max(1e-12)).max(0.0))
        .sum::<f64>()
        * window;
    // A surge's extra payments may all queue at once (an attack's junk requests are turned
    // away at the gateway or time out in seconds: measured, they add nothing).
    let horizon = crate::scenario::calendar::horizon(s);
    let extra: f64 = s
        .faults
        .iter()
        .filter(|f| matches!(f.effect, crate::scenario::faults::FaultEffect::Surge { .. }))
        .map(|f| crate::scenario::faults::extra_requests(s, f, horizon))
        .sum();
    let expected = 1.5 * s.mean_arrival_rate() * window + extra;
    if !crate::model::folds_sales(s) {
        // Every approved sale stays whole until its payout, a day or more later.
        return expected.max(1.0);
    }
    (peak * IN_FLIGHT_S + overload + extra).min(expected.max(1.0))
}

/// One run's simulation: the account tables, the payments in flight, the fixed share.
pub fn run_bytes(s: &Scenario) -> u64 {
    let pays = (in_flight(s) * PAYMENT_BYTES as f64).min(u64::MAX as f64 / 4.0) as u64;
    capacity::table_bytes(s)
        .saturating_add(pays)
        .saturating_add(RUN_BYTES)
}

/// The report's stories (the steps of three payments) and the charts' series of run 0 (a few
/// hundred snapshots): a generous bound.
pub const STORIES_BYTES: u64 = 1 << 20;

/// The census behind the report's example stories when the batch keeps no candidates: about
/// [`STORY_SAMPLE`]` / 1.5` rows at most (unlike `replay::census_bytes`, the full census
/// `payfault trace` needs).
pub fn sampled_census_bytes(s: &Scenario) -> u64 {
    let expected = s.mean_arrival_rate() * as_secs_f64(s.traffic_window);
    let rows = expected / sample_rate(s, STORY_SAMPLE) as f64;
    (rows * 1.05 * ROW_BYTES as f64).min(u64::MAX as f64 / 4.0) as u64
}

impl Estimate {
    /// A batch of `s` on `threads` worker threads, without a report stage.
    pub fn batch(s: &Scenario, threads: usize) -> Self {
        Estimate {
            threads: threads.max(1) as u64,
            per_worker: run_bytes(s),
            kept: 0,
            report: 0,
            report_census: false,
        }
    }

    /// With the report stage after the batch: one replay of run 0 that records a few stories
    /// and samples the charts' series, plus the stories' census when the batch keeps no
    /// candidate stories (a scenario that retries: `model::output::Exemplars::off`).
    pub fn with_report(mut self, s: &Scenario) -> Self {
        self.report_census = s.strategy.retry.on();
        self.report = if self.report_census {
            sampled_census_bytes(s).max(STORIES_BYTES)
        } else {
            STORIES_BYTES
        };
        self
    }

    /// With rows kept until the end: several designs of a compare or a shard add up.
    pub fn keeping(mut self, k: Kept) -> Self {
        self.kept = self
            .kept
            .saturating_add(k.runs.saturating_mul(k.bytes_per_run));
        self
    }

    /// The most the command holds at once: the workers during the batch, or the report's
    /// replay and census after it, with the kept rows throughout.
    pub fn peak(&self) -> u64 {
        let batch = self.per_worker.saturating_mul(self.threads);
        let after = if self.report > 0 {
            self.per_worker.saturating_add(self.report)
        } else {
            0
        };
        PROCESS_BYTES
            .saturating_add(self.kept)
            .saturating_add(batch.max(after))
    }

    /// The stages, one line each, for messages and `validate`.
    pub fn table(&self) -> String {
        let mb = |b: u64| format!("{} MB", b.div_ceil(1_000_000));
        let mut t = format!(
            "  simulation (account tables, payments in flight): {} per run × {} worker \
             thread(s) = {}\n",
            mb(self.per_worker),
            self.threads,
            mb(self.per_worker.saturating_mul(self.threads))
        );
        if self.kept > 0 {
            t.push_str(&format!("  rows kept until the end: {}\n", mb(self.kept)));
        }
        if self.report > 0 {
            t.push_str(&format!(
                "  report stage: one replay ({}) and {} ({})\n",
                mb(self.per_worker),
                if self.report_census {
                    "the census that finds the stories"
                } else {
                    "the stories"
                },
                mb(self.report)
            ));
        }
        t.push_str(&format!(
            "  the process: {}\n  peak: about {}",
            mb(PROCESS_BYTES),
            mb(self.peak())
        ));
        t
    }

    /// Refuses up front a command whose peak would not fit in the memory the process may
    /// use, with the table of stages and what to reduce.
    pub fn check(&self) -> Result<(), String> {
        let peak = self.peak();
        let room = limit();
        let reserved = usize::try_from(peak)
            .ok()
            .is_some_and(|n| Vec::<u8>::new().try_reserve_exact(n).is_ok());
        if reserved && room.is_none_or(|r| peak <= r) {
            return Ok(());
        }
        let why = match room {
            Some(r) if peak > r => format!("the {} MB this machine allows", r / 1_000_000),
            _ => "what this process may allocate (its address-space limit)".to_owned(),
        };
        Err(format!(
            "the scenario needs about {} MB, more than {why}:\n{}\nreduce the account pools \
             (issuers.accounts.count), the traffic (terminals.rate, simulation.traffic_window), \
             the runs kept (simulation.runs), or run fewer worker threads (--threads)",
            peak.div_ceil(1_000_000),
            self.table()
        ))
    }
}

/// The worker threads a batch asked for `threads` (0: one per core) will have.
pub fn workers(threads: usize) -> usize {
    if threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        threads
    }
}

/// The memory of this machine, or of its container if that is smaller (Linux: cgroup v2's
/// `memory.max` at the root of the hierarchy the process sees, as in a container; a nested
/// group's limit outside a container is not looked for); `None` where neither can be read.
fn limit() -> Option<u64> {
    let total = std::fs::read_to_string("/proc/meminfo").ok().and_then(|m| {
        m.lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map(|kb| kb * 1024)
    });
    let group = std::fs::read_to_string("/sys/fs/cgroup/memory.max")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok());
    match (total, group) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario;

    #[test]
    fn the_peak_is_the_larger_of_the_batch_and_the_report_stage() {
        let s = scenario::baseline();
        let e = Estimate::batch(&s, 2);
        assert_eq!(e.peak(), PROCESS_BYTES + 2 * e.per_worker);
        let r = e.clone().with_report(&s);
        assert!(r.report > 0);
        assert_eq!(
            r.peak(),
            PROCESS_BYTES + (2 * r.per_worker).max(r.per_worker + r.report)
        );
        let k = r.clone().keeping(Kept {
            runs: 1000,
            bytes_per_run: 100,
        });
        assert_eq!(k.peak(), r.peak() + 100_000);
    }

    #[test]
    fn the_census_stays_under_its_sample_whatever_the_traffic() {
        let mut s = scenario::baseline();
        let small = sampled_census_bytes(&s);
        for g in &mut s.terminals {
            g.rate *= 1000.0;
        }
        let huge = sampled_census_bytes(&s);
        let bound = (STORY_SAMPLE / 1.5 * 1.05 * ROW_BYTES as f64 * 1.01) as u64;
        assert!(huge <= bound, "{huge} > {bound}");
        assert!(small < huge);
    }

    #[test]
    fn account_tables_are_counted_per_worker() {
        let mut s = scenario::baseline();
        let before = run_bytes(&s);
        s.issuers[0].accounts.count += 1_000_000;
        assert_eq!(run_bytes(&s), before + 16_000_000);
    }

    #[test]
    fn an_impossible_peak_is_refused_with_the_table() {
        let e = Estimate {
            threads: 4,
            per_worker: u64::MAX / 8,
            kept: 0,
            report: 0,
            report_census: false,
        };
        let msg = e.check().unwrap_err();
        for needle in ["simulation (", "worker thread", "peak: about", "--threads"] {
            assert!(msg.contains(needle), "{needle} not in {msg}");
        }
    }
}

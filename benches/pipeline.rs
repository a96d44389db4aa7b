//! Issue #3: how fast is payfault on the fault-free pipeline, against the fastest event loop one
//! could hand-write for exactly that pipeline?
//!
//! - `payfault/pipeline_run`: one full run of `scenarios/pipeline.toml` through
//!   `payfault::model::simulate` (the scenario is loaded once, outside the timing).
//! - `minimal_loop/pipeline_run`: a hand-written event loop for exactly this pipeline and
//!   nothing else: one `BinaryHeap` of `(time ns, seq, event)`, Poisson arrivals at 50/s for
//!   3600 s, terminal→gateway latency Exp(50 ms), gateway 8 servers Exp(100 ms) FIFO, channel
//!   4 servers Exp(40 ms), issuer 4 servers Exp(60 ms), response to the terminal after
//!   Exp(50 ms). It records only the number of answered payments and the sum of their
//!   response times.
//!
//! - `payfault/pipeline_run_every_fault`: the same pipeline with a fault of every kind active
//!   for a stretch of the hour (`tests/fixtures/every_fault.toml`).
//!
//! - `rng_floor/pipeline_draws`: only the random draws of one minimal-loop run (six per
//!   payment), with no event loop: the floor under both loops.
//!
//! Both draw from the same RNG family (`payfault::engine::Stream`, i.e. ChaCha8) and the same
//! samplers (inversion for arrivals, `rand_distr::Exp1` for latencies and services), so the
//! comparison is about the engine and the model, not the generator.
//!
//! Every iteration simulates the same run: master seed 1 (the scenario's), run index 0. The
//! throughput is reported in payments (elements) per second.
//!
//! Run with `cargo bench --bench pipeline`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use payfault::engine::{Nanos, SECOND, Stream};
use payfault::model::{NoTrace, simulate};
use payfault::scenario::{self, Limits, Scenario};
use rand_distr::{Distribution, Exp1};
use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};
use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

/// The run every iteration simulates.
const RUN: u64 = 0;

fn load_pipeline() -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/pipeline.toml");
    scenario::load(&path, &Limits::default()).expect("scenarios/pipeline.toml loads")
}

/// One payfault run: (payments, events, mean terminal response time in seconds).
fn payfault_run(s: &Scenario, master: u64, run: u64) -> (u64, u64, f64) {
    let out = simulate(s, master, run, &mut NoTrace).expect("pipeline run has no violation");
    (out.payments, out.events, out.auth_latency_us.mean() / 1e6)
}

// ---------------------------------------------------------------------------------------------
// The minimal loop.

const ARRIVAL_RATE: f64 = 50.0; // per second
const WINDOW: Nanos = 3600 * SECOND;
const TERMINAL_LATENCY_MEAN: f64 = 0.050e9; // ns, each way
/// (servers, mean service in ns) of the gateway, the channel and the issuer.
const STATIONS: [(u32, f64); 3] = [(8, 0.100e9), (4, 0.040e9), (4, 0.060e9)];

/// Every event carries the payment's sale time: that is all the state a payment has.
#[derive(Clone, Copy)]
enum Ev {
    /// The next payment is made at a terminal.
    Arrival,
    /// A request reaches the gateway.
    AtGateway { sale: Nanos },
    /// A service ends at station 0 (gateway), 1 (channel) or 2 (issuer).
    Done { station: u8, sale: Nanos },
    /// The response reaches the terminal.
    Answered { sale: Nanos },
}

struct Entry {
    time: Nanos,
    seq: u64,
    ev: Ev,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        (self.time, self.seq) == (other.time, other.seq)
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        // Reversed: the earliest (time, seq) on top of the max-heap.
        (other.time, other.seq).cmp(&(self.time, self.seq))
    }
}

struct Station {
    servers: u32,
    busy: u32,
    mean: f64,
    /// Sale times of the waiting requests, FIFO.
    queue: VecDeque<Nanos>,
    rng: Stream,
}

impl Station {
    #[inline]
    fn service(&mut self) -> Nanos {
        let e: f64 = Exp1.sample(self.rng.rng());
        (self.mean * e).round() as Nanos
    }
}

struct Loop {
    heap: BinaryHeap<Entry>,
    seq: u64,
}

impl Loop {
    #[inline]
    fn push(&mut self, time: Nanos, ev: Ev) {
        self.heap.push(Entry {
            time,
            seq: self.seq,
            ev,
        });
        self.seq += 1;
    }
}

/// A request reaches station `i`: service starts now if a server is free, else it queues.
#[inline]
fn admit(q: &mut Loop, s: &mut Station, i: usize, now: Nanos, sale: Nanos) {
    if s.busy < s.servers {
        s.busy += 1;
        let end = now + s.service();
        q.push(
            end,
            Ev::Done {
                station: i as u8,
                sale,
            },
        );
    } else {
        s.queue.push_back(sale);
    }
}

#[inline]
fn exp_ns(rng: &mut Stream, mean: f64) -> Nanos {
    let e: f64 = Exp1.sample(rng.rng());
    (mean * e).round() as Nanos
}

/// One run of the hand-written loop: (answered payments, sum of response times in ns).
fn minimal_run(master: u64, run: u64) -> (u64, u64) {
    let mut arrivals = Stream::new(master, run, "min/arrivals");
    let mut lat_up = Stream::new(master, run, "min/latency/up");
    let mut lat_down = Stream::new(master, run, "min/latency/down");
    let mut st: [Station; 3] = std::array::from_fn(|i| Station {
        servers: STATIONS[i].0,
        busy: 0,
        mean: STATIONS[i].1,
        queue: VecDeque::with_capacity(64),
        rng: Stream::new(master, run, &format!("min/service/{i}")),
    });
    let mut q = Loop {
        heap: BinaryHeap::with_capacity(1024),
        seq: 0,
    };
    let next_arrival = |rng: &mut Stream, now: Nanos| -> Option<Nanos> {
        let dt = rng.exp1() / ARRIVAL_RATE * SECOND as f64;
        let t = now + (dt.ceil() as Nanos).max(1);
        (t < WINDOW).then_some(t)
    };
    if let Some(t) = next_arrival(&mut arrivals, 0) {
        q.push(t, Ev::Arrival);
    }
    let (mut answered, mut response_sum) = (0u64, 0u64);
    while let Some(Entry { time: now, ev, .. }) = q.heap.pop() {
        match ev {
            Ev::Arrival => {
                if let Some(t) = next_arrival(&mut arrivals, now) {
                    q.push(t, Ev::Arrival);
                }
                let at = now + exp_ns(&mut lat_up, TERMINAL_LATENCY_MEAN);
                q.push(at, Ev::AtGateway { sale: now });
            }
            Ev::AtGateway { sale } => admit(&mut q, &mut st[0], 0, now, sale),
            Ev::Done { station, sale } => {
                let i = station as usize;
                // The freed server takes the head of the queue, if any.
                let s = &mut st[i];
                match s.queue.pop_front() {
                    Some(next) => {
                        let end = now + s.service();
                        q.push(
                            end,
                            Ev::Done {
                                station,
                                sale: next,
                            },
                        );
                    }
                    None => s.busy -= 1,
                }
                // Internal links are instantaneous: the request moves on at once.
                if i < 2 {
                    admit(&mut q, &mut st[i + 1], i + 1, now, sale);
                } else {
                    let at = now + exp_ns(&mut lat_down, TERMINAL_LATENCY_MEAN);
                    q.push(at, Ev::Answered { sale });
                }
            }
            Ev::Answered { sale } => {
                answered += 1;
                response_sum += now - sale;
            }
        }
    }
    (answered, response_sum)
}

/// The random draws of one minimal-loop run with no event loop around them (one inversion
/// exponential for the arrival and five `Exp1` draws per payment): the floor under both loops.
fn rng_floor(master: u64, run: u64, payments: u64) -> f64 {
    let mut arrivals = Stream::new(master, run, "min/arrivals");
    let mut other = Stream::new(master, run, "min/other");
    let mut acc = 0.0;
    for _ in 0..payments {
        acc += arrivals.exp1();
        for _ in 0..5 {
            let e: f64 = Exp1.sample(other.rng());
            acc += e;
        }
    }
    acc
}

// ---------------------------------------------------------------------------------------------

fn bench_pipeline(c: &mut Criterion) {
    let s = load_pipeline();
    let master = s.seed;

    // Sanity, outside the timing: both simulate the same system at the same size.
    let (pf_payments, pf_events, pf_mean) = payfault_run(&s, master, RUN);
    let (min_payments, min_sum) = minimal_run(master, RUN);
    let min_mean = min_sum as f64 / min_payments as f64 / 1e9;
    eprintln!(
        "pipeline run {RUN}: payfault {pf_payments} payments, {pf_events} events, mean response \
         {pf_mean:.4} s; minimal loop {min_payments} payments, mean response {min_mean:.4} s"
    );
    let rel = (pf_payments as f64 - min_payments as f64).abs() / pf_payments as f64;
    assert!(
        rel < 0.02,
        "payment counts differ by {:.2}%: payfault {pf_payments}, minimal {min_payments}",
        rel * 100.0
    );
    let rel_mean = (pf_mean - min_mean).abs() / pf_mean;
    assert!(
        rel_mean < 0.05,
        "mean response times differ by {:.2}%: payfault {pf_mean} s, minimal {min_mean} s",
        rel_mean * 100.0
    );

    let mut g = c.benchmark_group("payfault");
    g.throughput(Throughput::Elements(pf_payments));
    g.bench_function("pipeline_run", |b| {
        b.iter(|| simulate(black_box(&s), black_box(master), RUN, &mut NoTrace))
    });
    // The cost of the hooks when nothing uses them. Tracing compiled in (a `Recorder` that
    // selects no payment, so every hook runs its check) and fault checks armed (an outage on
    // every station, scheduled after the run ends, so every station visit scans it).
    g.bench_function("pipeline_run_trace_idle", |b| {
        b.iter(|| {
            let mut rec = payfault::model::Recorder::default();
            simulate(black_box(&s), black_box(master), RUN, &mut rec)
        })
    });
    let mut armed = s.clone();
    let late = 300 * payfault::engine::DAY;
    for target in [
        payfault::scenario::Component::Gateway,
        payfault::scenario::Component::Channel(0),
        payfault::scenario::Component::Issuer(0),
    ] {
        armed.faults.push(payfault::scenario::FaultSpec::outage(
            "armed",
            target,
            late,
            late + 1,
            payfault::scenario::OutageMode::Drop,
            None,
        ));
    }
    g.bench_function("pipeline_run_faults_dormant", |b| {
        b.iter(|| simulate(black_box(&armed), black_box(master), RUN, &mut NoTrace))
    });
    // The same pipeline with a fault of every kind of the catalogue, each active for a stretch
    // of the hour (tests/fixtures/every_fault.toml): the cost of the fault hooks when they fire.
    let every = scenario::load(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/every_fault.toml"),
        &Limits::default(),
    )
    .expect("tests/fixtures/every_fault.toml loads");
    g.bench_function("pipeline_run_every_fault", |b| {
        b.iter(|| simulate(black_box(&every), black_box(master), RUN, &mut NoTrace))
    });
    g.finish();

    let mut g = c.benchmark_group("minimal_loop");
    g.throughput(Throughput::Elements(min_payments));
    g.bench_function("pipeline_run", |b| {
        b.iter(|| black_box(minimal_run(black_box(master), RUN)))
    });
    g.finish();

    let mut g = c.benchmark_group("rng_floor");
    g.throughput(Throughput::Elements(min_payments));
    g.bench_function("pipeline_draws", |b| {
        b.iter(|| black_box(rng_floor(black_box(master), RUN, min_payments)))
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(10));
    targets = bench_pipeline
}
criterion_main!(benches);

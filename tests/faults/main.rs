//! The fault catalogue, kind by kind: each test injects one fault into a small scenario and
//! checks its signature (docs/scenarios.md, `[[faults]]`) against figures computed from the
//! scenario's own parameters (a rate times a duration, a share, a ratio of mean times), never
//! against numbers from an earlier run. Counts are checked with Poisson or binomial tolerances
//! of about five standard deviations, so they hold across seeds; where a payment's timing
//! matters, a tracer records every payment's story. `FAULTS_SEED=<n>` runs them on another
//! master seed.
//!
//! The tests are grouped by the kind of fault, a module each: outages, stations (partial
//! failures, slow stations, attacks), links, terminal groups, accounts, risk rules,
//! terminals, timing, and attribution. The base scenario and the tracer are here.

use payfault::engine::{DAY, HOUR, MILLI, MINUTE, Nanos, SECOND, Stream};
use payfault::i18n::Lang;
use payfault::metrics::Catalogue;
use payfault::model::{self, NoTrace, Outcome, Recorder, RunOutput, Step};
use payfault::scenario::Scenario;

#[path = "../common/mod.rs"]
mod common;

mod accounts;
mod attribution;
mod groups;
mod links;
mod outages;
mod risk;
mod stations;
mod terminals;
mod timing;

use common::{FLAT, assert_binomial, assert_near, assert_poisson};

/// The base scenario: one group `shops` of 200 terminals at 60 payments an hour each (12,000
/// an hour, flat) for four hours on a Monday, amounts uniform in (0, 200]; a gateway, a
/// channel `scheme` and an issuer `bank` with fixed service times and ample servers; 10 ms
/// links; accounts that always pay; no fraud and no risk rules; the default strategy (30 s
/// terminal timeout, reversals, store-and-forward). `extra` adds tables; a table it names
/// replaces the base's.
fn scen(extra: &str) -> Scenario {
    let mut base = String::from("name = \"faults\"\n");
    let unless = |base: &mut String, header: &str, text: &str| {
        if !extra.contains(header) {
            base.push_str(text);
        }
    };
    unless(
        &mut base,
        "[simulation]",
        "[simulation]\nruns = 3\nseed = 3\ntraffic_window = \"4h\"\nstart_weekday = \"monday\"\n",
    );
    unless(
        &mut base,
        "[[terminals]]",
        &format!(
            "[[terminals]]\nid = \"shops\"\ncount = 200\nrate = \"60/h\"\n\
             amount = {{ kind = \"uniform\", min = \"0.01\", max = \"200.00\" }}\n\
             miskey_share = 0.0\nprofile = {FLAT}\n"
        ),
    );
    unless(
        &mut base,
        "[gateway]",
        "[gateway]\nservers = 64\nservice = \"1ms\"\n",
    );
    unless(&mut base, "[network]", "[network]\nlatency = \"10ms\"\n");
    unless(
        &mut base,
        "[risk]",
        "[risk]\nenabled = false\nfraud_share = 0.0\n",
    );
    unless(
        &mut base,
        "[[channels]]",
        "[[channels]]\nid = \"scheme\"\nservers = 64\nservice = \"1ms\"\n",
    );
    unless(&mut base, "[[issuers]]", &issuer("bank", "", ""));
    base.push_str(extra);
    common::parse(&base, "faults")
}

/// An issuer with fixed 5 ms service, ample servers, no declines of its own and 1,000
/// accounts that always pay; `fields` adds fields to its table, `accounts` to its accounts.
fn issuer(id: &str, fields: &str, accounts: &str) -> String {
    let count = if accounts.contains("count") {
        ""
    } else {
        "count = 1000\n"
    };
    let balance = if accounts.contains("balance") {
        ""
    } else {
        "balance = \"100000000.00\"\n"
    };
    format!(
        "\n[[issuers]]\nid = \"{id}\"\nservers = 100000\nservice = \"5ms\"\n\
         do_not_honour_share = 0.0\n{fields}\n[issuers.accounts]\n{count}{balance}\
         frozen_share = 0.0\n{accounts}\n"
    )
}

/// The payment rate of the base scenario, per second.
const LAMBDA: f64 = 200.0 * 60.0 / 3600.0;

fn secs(t: Nanos) -> f64 {
    t as f64 / SECOND as f64
}

/// The master seed of every run: 11, or `FAULTS_SEED` to check the tolerances on others.
fn master() -> u64 {
    std::env::var("FAULTS_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(11)
}

fn run(s: &Scenario, r: u64) -> RunOutput {
    model::simulate(s, master(), r, &mut NoTrace).unwrap_or_else(|v| panic!("run {r}: {v}"))
}

/// The runs of a scenario, summed by `f`.
fn total(s: &Scenario, f: impl Fn(&RunOutput) -> u64) -> u64 {
    (0..s.runs).map(|r| f(&run(s, r))).sum()
}

/// The outcomes (count, amount) of the payments counted against the cause `name`.
fn by_cause(s: &Scenario, out: &RunOutput, name: &str) -> [(u64, i64); Outcome::COUNT] {
    let names = payfault::scenario::cause::names(s);
    let c = names
        .iter()
        .position(|n| n == name)
        .unwrap_or_else(|| panic!("no cause {name} in {names:?}"));
    out.by_cause[c]
}

/// How many payments the cause `name` struck, whatever their outcome.
fn struck(s: &Scenario, out: &RunOutput, name: &str) -> u64 {
    by_cause(s, out, name).iter().map(|c| c.0).sum()
}

fn n_of(s: &Scenario, out: &RunOutput, name: &str, o: Outcome) -> u64 {
    by_cause(s, out, name)[o as usize].0
}

/// For every outcome, the payments of all causes add up to the outcome's count and amount.
fn assert_causes_add_up(s: &Scenario, out: &RunOutput) {
    let names = payfault::scenario::cause::names(s);
    for o in Outcome::ALL {
        if o == Outcome::SettledOnTime {
            continue;
        }
        let (n, a) = out.by_cause.iter().fold((0, 0), |(n, a), c| {
            (n + c[o as usize].0, a + c[o as usize].1)
        });
        assert_eq!(
            (n, a),
            (out.count(o), out.amount(o)),
            "{}: the causes ({names:?}) do not add up",
            o.name()
        );
    }
}

fn settled(out: &RunOutput) -> u64 {
    out.count(Outcome::SettledOnTime) + out.count(Outcome::SettledLate)
}

fn settled_amount(out: &RunOutput) -> i64 {
    out.amount(Outcome::SettledOnTime) + out.amount(Outcome::SettledLate)
}

/// One payment's story, from the tracer.
#[derive(Clone, Debug, Default)]
struct Story {
    t_sale: Nanos,
    group: String,
    fraud: bool,
    /// What the till showed before the timeout: the code, and when.
    till: Option<(u8, Nanos)>,
    timed_out: Option<Nanos>,
    late_answers: u32,
    /// When a reversal released the hold (or refunded the debit).
    released: Option<Nanos>,
    /// When the merchant was credited.
    settled: Option<Nanos>,
    /// Codes decided anywhere (the risk engine, the gateway, the issuer).
    decided: Vec<u8>,
    outcome: &'static str,
    /// The cause it is counted against (none when settled on time).
    cause: Option<String>,
    /// Other causes that struck it.
    also: Vec<String>,
    /// Steps `Says`/`Dropped`/`Lost`, with their times, for the mechanisms that tell them.
    told: Vec<(Nanos, String)>,
}

/// One run with every payment traced: the output and every payment's story, by serial.
fn stories(s: &Scenario, r: u64) -> (RunOutput, Vec<Story>) {
    let mut rec = Recorder {
        all: true,
        ..Default::default()
    };
    let out = model::simulate(s, master(), r, &mut rec).unwrap_or_else(|v| panic!("run {r}: {v}"));
    let mut v: Vec<Story> = vec![Story::default(); out.payments as usize];
    for (t, serial, step) in rec.steps {
        let st = &mut v[serial as usize];
        match step {
            Step::Created { group, fraud, .. } => {
                st.t_sale = t;
                st.group = group;
                st.fraud = fraud;
            }
            Step::Answered { code } => st.till = Some((code, t)),
            Step::TimedOut => st.timed_out = Some(t),
            Step::LateAnswer { .. } => st.late_answers += 1,
            Step::Released => st.released = Some(t),
            Step::Settled { .. } => st.settled = Some(t),
            Step::Decided { code, .. } => st.decided.push(code),
            Step::Outcome { outcome, .. } => st.outcome = outcome,
            Step::Cause { name, .. } => st.cause = Some(name),
            Step::AlsoCause { name } => st.also.push(name),
            // Sentences are catalogue keys: told in English.
            Step::Says(key, args) => {
                let args: Vec<(&str, &dyn std::fmt::Display)> = args
                    .iter()
                    .map(|(n, v)| (*n, v as &dyn std::fmt::Display))
                    .collect();
                st.told
                    .push((t, payfault::i18n::fill(Lang::En.get(key), &args)))
            }
            Step::Note(key) => st.told.push((t, Lang::En.get(key).to_string())),
            Step::Coded(key, c) => {
                let code = payfault::report::story::code_text(Lang::En, c);
                st.told.push((
                    t,
                    payfault::i18n::fill(Lang::En.get(key), &[("code", &code)]),
                ))
            }
            Step::Dropped { what, at, reason } => st
                .told
                .push((t, format!("{what} dropped at {at} ({reason})"))),
            Step::Lost { what, link } => st.told.push((t, format!("{what} lost on {link}"))),
            _ => {}
        }
    }
    (out, v)
}

/// Whether `t` lies in `[a, b)`.
fn inside(t: Nanos, (a, b): (Nanos, Nanos)) -> bool {
    a <= t && t < b
}

/// The first message of a sale reaches the issuer this long after the sale: three 10 ms links,
/// the gateway's and the channel's 1 ms service.
const TO_ISSUER: Nanos = 32 * MILLI;

/// The issuer's service time in the base scenario.
const ISSUER_SERVICE: Nanos = 5 * MILLI;

/// Whether a down issuer (an outage over `w`) strikes the request of a sale at `t_sale`: it
/// reaches the issuer inside the window, or its service ends inside it.
fn struck_at_issuer(t_sale: Nanos, w: (Nanos, Nanos)) -> bool {
    let reaches = t_sale + TO_ISSUER;
    inside(reaches, w) || inside(reaches + ISSUER_SERVICE, w)
}

/// The payments the fault (or rule) `id` declined.
fn k_of(s: &Scenario, out: &RunOutput, id: &str) -> u64 {
    n_of(s, out, id, Outcome::Declined)
}

/// The windows a fault of `s` is active in during run `r`, from its own stream.
fn windows_of(s: &Scenario, k: usize, r: u64, horizon: Nanos) -> Vec<(Nanos, Nanos)> {
    let f = &s.faults[k];
    let mut rng = Stream::new(master(), r, &format!("faults/{}/timing", f.id));
    f.windows(horizon, &mut rng)
}

/// 20,000 terminals (one merchant each) at 0.6 sales an hour: the base's 12,000 an hour,
/// spread over enough merchants that a share of merchants is a precise share of sales.
fn many_merchants() -> String {
    format!(
        "[[terminals]]\nid = \"shops\"\ncount = 20000\nrate = \"0.6/h\"\n\
         amount = {{ kind = \"uniform\", min = \"0.01\", max = \"200.00\" }}\n\
         miskey_share = 0.0\nprofile = {FLAT}\n"
    )
}

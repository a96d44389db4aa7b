//! Request retries, idempotency keys, duplicate charges and the cardholder who pays again
//! (`[strategy.retry]`, `[strategy.idempotency]`, `[strategy.cardholder]`). Expectations come
//! from the scenarios' own parameters (a loss probability, a budget rate, a backoff), checked
//! with binomial tolerances of about five standard deviations; designs are compared on the
//! same seed (common random numbers). Money conservation and one outcome per record are
//! checked inside every run.

use payfault::engine::{Nanos, SECOND};
use payfault::model::{self, NoTrace, Outcome, Recorder, RunOutput, Step};
use payfault::scenario::Scenario;

use crate::common::load;
use crate::common::{self, FLAT, assert_binomial};

/// A small scenario: one group `shops` of 100 terminals at 60 payments an hour (6,000 an hour)
/// for `window`, 10 ms links, a single-message channel `scheme` (the debit is posted at once,
/// so a charge never lapses) and an issuer `bank` whose accounts always pay; no risk engine,
/// no fraud. `extra` is appended (strategy tables, faults); `channel` and `issuer` add fields
/// to those tables.
fn scen(window: &str, channel: &str, issuer: &str, extra: &str) -> Scenario {
    let text = format!(
        "name = \"retry\"\n\
         [simulation]\nruns = 2\nseed = 5\ntraffic_window = \"{window}\"\nstart_weekday = \"monday\"\n\
         [[terminals]]\nid = \"shops\"\ncount = 100\nrate = \"60/h\"\n\
         amount = {{ kind = \"uniform\", min = \"1.00\", max = \"100.00\" }}\n\
         miskey_share = 0.0\nprofile = {FLAT}\n\
         [gateway]\nservers = 64\nservice = \"1ms\"\n\
         [network]\nlatency = \"10ms\"\n\
         [risk]\nenabled = false\nfraud_share = 0.0\n\
         [[channels]]\nid = \"scheme\"\nservers = 64\nservice = \"1ms\"\nflow = \"single\"\n{channel}\n\
         [[issuers]]\nid = \"bank\"\nservers = 1000\nservice = \"5ms\"\ndo_not_honour_share = 0.0\n{issuer}\n\
         [issuers.accounts]\ncount = 1000\nbalance = \"100000000.00\"\nfrozen_share = 0.0\n\
         {extra}"
    );
    common::parse(&text, "retry")
}

/// Responses lost with probability `p` on the issuer → channel link for the whole window.
fn response_loss(p: f64) -> String {
    format!(
        "[[faults]]\nid = \"lossy\"\nkind = \"loss\"\ntarget = \"scheme-bank\"\n\
         direction = \"down\"\nstart = \"0h\"\nduration = \"30d\"\nprobability = {p}\n"
    )
}

const NO_REVERSALS: &str = "[strategy.reversal]\nenabled = false\n";

fn retry(layer: &str, attempts: u32) -> String {
    format!(
        "[strategy.retry]\nlayer = \"{layer}\"\nattempts = {attempts}\nbackoff = \"constant\"\n\
         base = \"1s\"\njitter = \"none\"\n"
    )
}

const IDEMPOTENT: &str = "[strategy.idempotency]\nenabled = true\nretention = \"24h\"\n";

fn run(s: &Scenario, r: u64) -> RunOutput {
    model::simulate(s, 17, r, &mut NoTrace).unwrap_or_else(|v| panic!("run {r}: {v}"))
}

/// Responses lost with p = 0.2, reversals off, two attempts per sale. Without a key each
/// attempt is a new charge: a sale whose first response was lost is charged twice (the
/// second attempt is approved too, whether or not its answer arrives), so duplicates ≈ N p.
/// With a key the issuer answers the retry from its first decision: no duplicate at all.
#[test]
fn retries_without_a_key_charge_twice_and_keys_prevent_it() {
    let p = 0.2;
    let plain = scen(
        "1h",
        "",
        "",
        &format!("{NO_REVERSALS}{}{}", retry("terminal", 2), response_loss(p)),
    );
    let out = run(&plain, 0);
    assert!(out.payments > 4_000, "{}", out.payments);
    assert_binomial("duplicate charges", out.duplicate_charges, out.payments, p);
    assert_eq!(
        out.retry_attempts, out.duplicate_charges,
        "with two attempts, every retried sale's first attempt was approved and kept"
    );
    assert!(out.duplicate_charge_amount > 0);
    assert_eq!(out.idempotent_replays, 0);

    let keyed = scen(
        "1h",
        "",
        "",
        &format!(
            "{NO_REVERSALS}{}{IDEMPOTENT}{}",
            retry("terminal", 2),
            response_loss(p)
        ),
    );
    let k = run(&keyed, 0);
    assert_eq!(k.payments, out.payments, "same sales on the same seed");
    assert_eq!(k.duplicate_charges, 0);
    assert_eq!(k.duplicate_charge_amount, 0);
    assert!(k.idempotent_replays > 0);
    assert_binomial("idempotent replays", k.idempotent_replays, k.payments, p);
    // Every retry was a carrier: no money moved in it, no outcome of its own.
    assert_eq!(k.attempts_without_outcome, k.retry_attempts);
    let total: u64 = Outcome::ALL.iter().map(|&o| k.count(o)).sum();
    assert_eq!(total, k.payments, "one outcome per sale with keys");
}

/// Retries raise the share of sales the till approves under transient loss: with two
/// attempts a sale fails only if both responses are lost, p² instead of p.
#[test]
fn retries_raise_the_share_approved_at_the_till() {
    let p = 0.2;
    let base = format!("{NO_REVERSALS}{IDEMPOTENT}{}", response_loss(p));
    let none = run(&scen("1h", "", "", &base), 1);
    let with = run(
        &scen("1h", "", "", &format!("{base}{}", retry("terminal", 2))),
        1,
    );
    assert_eq!(
        none.payments, with.payments,
        "same sales (common random numbers)"
    );
    let n = none.payments;
    let ok_none = none.count(Outcome::SettledOnTime);
    let ok_with = with.count(Outcome::SettledOnTime);
    assert!(ok_with > ok_none, "{ok_with} <= {ok_none}");
    assert_binomial("approved without retry", ok_none, n, 1.0 - p);
    assert_binomial("approved with one retry", ok_with, n, 1.0 - p * p);
    assert_eq!(none.retry_attempts, 0);
    assert_binomial("retries", with.retry_attempts, n, p);
}

/// The acquirer layer: the acquirer re-sends to the channel after its own timeout; the
/// terminal does not retry, and the till's approvals rise the same way.
#[test]
fn acquirer_retries_raise_approvals_too() {
    let p = 0.2;
    let base = format!(
        "{NO_REVERSALS}{}[strategy]\nacquirer_timeout = \"5s\"\n",
        response_loss(p)
    );
    // `[strategy]` must come before its sub-tables in TOML: put the sub-tables after.
    let none = run(&scen("1h", "", "", &base), 2);
    let plain = run(
        &scen(
            "1h",
            "",
            "",
            &format!("{base}{}", strategy_tables("acquirer", false)),
        ),
        2,
    );
    let keyed = run(
        &scen(
            "1h",
            "",
            "",
            &format!("{base}{}", strategy_tables("acquirer", true)),
        ),
        2,
    );
    let n = none.payments;
    assert_eq!(plain.payments, n);
    assert_eq!(keyed.payments, n);
    assert_binomial(
        "approved without retry",
        none.count(Outcome::SettledOnTime),
        n,
        1.0 - p,
    );
    for (what, o) in [("plain", &plain), ("keyed", &keyed)] {
        assert_binomial(what, o.count(Outcome::SettledOnTime), n, 1.0 - p * p);
        assert_eq!(
            o.timeouts, 0,
            "{what}: the acquirer answers within the till's 30 s"
        );
    }
    assert_eq!(keyed.duplicate_charges, 0);
    assert!(keyed.idempotent_replays > 0);
}

/// `[strategy.retry]` (and the key) as sub-tables written after `[strategy]` itself.
fn strategy_tables(layer: &str, key: bool) -> String {
    format!("{}{}", retry(layer, 2), if key { IDEMPOTENT } else { "" })
}

/// Hard declines are never retried, and the cardholder does not pay again after one: every
/// account has no money, so every sale is declined 51.
#[test]
fn hard_declines_are_never_retried() {
    let s = scen(
        "30m",
        "",
        "",
        &format!(
            "{}[strategy.cardholder]\npay_again_share = 1.0\n",
            retry("terminal", 5)
        ),
    );
    let mut s = s;
    s.issuers[0].accounts.balance = payfault::scenario::Dist::Constant(0.0);
    let out = run(&s, 0);
    assert!(out.payments > 1_000);
    assert_eq!(out.count(Outcome::Declined), out.payments);
    assert_eq!(out.retry_attempts, 0);
    assert_eq!(out.cardholder_repeats, 0);
    assert_eq!(out.retries_denied_by_budget, 0);
}

/// A slow issuer (one server, 0.65 s a request: 1.54 a second against 1.67 offered) makes the
/// till time out. Retries without a budget send more requests into it; a budget of b tokens
/// per first attempt, burst B, allows at most b × first attempts + B retries.
#[test]
fn retries_amplify_load_unless_budgeted() {
    let slow = "[[faults]]\nid = \"slow\"\nkind = \"slow\"\ntarget = \"bank\"\nstart = \"0h\"\n\
                duration = \"30d\"\nmultiplier = 130.0\n";
    let base = format!("[strategy]\nterminal_timeout = \"10s\"\n{slow}");
    let one_server = |extra: &str| {
        let mut s = scen("30m", "", "", extra);
        s.issuers[0].station.servers = 1;
        s
    };
    let none = run(&one_server(&base), 3);
    let free = run(&one_server(&format!("{base}{}", retry("terminal", 3))), 3);
    let budget = 0.05;
    let burst = 5.0;
    let capped = run(
        &one_server(&format!(
            "{base}{}budget = {budget}\nbudget_burst = {burst}\n",
            retry("terminal", 3)
        )),
        3,
    );
    let served = |o: &RunOutput| {
        o.stations
            .iter()
            .find(|(id, _)| id == "bank")
            .map(|(_, st)| st.arrivals_in_window)
            .unwrap()
    };
    assert!(none.timeouts > 100, "the slow issuer must cause timeouts");
    assert!(free.retry_attempts > 0);
    assert!(
        served(&free) > served(&none),
        "retries add requests at the slow issuer: {} <= {}",
        served(&free),
        served(&none)
    );
    assert!(free.timeouts > none.timeouts);
    let cap = budget * capped.payments as f64 + burst;
    assert!(
        capped.retry_attempts as f64 <= cap,
        "{} retries with a budget allowing {cap}",
        capped.retry_attempts
    );
    assert!(capped.retries_denied_by_budget > 0);
    assert!(capped.retry_attempts < free.retry_attempts);
}

/// Constant backoff without jitter: with every response lost, attempt k+1 of a sale leaves
/// exactly `base` after attempt k's timer expired, i.e. at t_sale + k × (timeout + base).
#[test]
fn attempts_follow_the_backoff_schedule() {
    let s = scen(
        "2m",
        "",
        "",
        &format!(
            "{NO_REVERSALS}[strategy]\nterminal_timeout = \"30s\"\n\
             [strategy.retry]\nlayer = \"terminal\"\nattempts = 3\nbackoff = \"constant\"\n\
             base = \"2s\"\njitter = \"none\"\n{}",
            response_loss(1.0)
        ),
    );
    let mut rec = Recorder {
        all: true,
        ..Default::default()
    };
    let out = model::simulate(&s, 17, 0, &mut rec).unwrap();
    assert_eq!(out.retry_attempts, 2 * out.payments);
    let timeout = 30 * SECOND;
    let base = 2 * SECOND;
    let mut checked = 0;
    for serial in 0..out.payments.min(20) {
        let steps: Vec<&(Nanos, u64, Step)> =
            rec.steps.iter().filter(|(_, s, _)| *s == serial).collect();
        let t_sale = steps
            .iter()
            .find(|(_, _, st)| matches!(st, Step::Created { .. }))
            .map(|(t, _, _)| *t)
            .expect("created");
        let sent: Vec<Nanos> = steps
            .iter()
            .filter(
                |(_, _, st)| matches!(st, Step::Says(k, _) if k.starts_with("trace.says.attempt_")),
            )
            .map(|(t, _, _)| *t)
            .collect();
        assert_eq!(sent.len(), 2, "payment {serial}: two retries");
        for (k, &t) in sent.iter().enumerate() {
            let want = t_sale + (k as u64 + 1) * (timeout + base);
            assert_eq!(t, want, "payment {serial}, retry {}", k + 1);
        }
        checked += 1;
    }
    assert!(checked > 5);
}

/// Exponential backoff with full jitter: every wait lies in [0, base × 2^(n−1)].
#[test]
fn jittered_waits_stay_within_the_backoff() {
    let s = scen(
        "2m",
        "",
        "",
        &format!(
            "{NO_REVERSALS}[strategy]\nterminal_timeout = \"30s\"\n\
             [strategy.retry]\nlayer = \"terminal\"\nattempts = 4\nbackoff = \"exponential\"\n\
             base = \"4s\"\nmax_backoff = \"60s\"\njitter = \"full\"\n{}",
            response_loss(1.0)
        ),
    );
    let mut rec = Recorder {
        all: true,
        ..Default::default()
    };
    let out = model::simulate(&s, 17, 0, &mut rec).unwrap();
    let mut waits = vec![];
    for serial in 0..out.payments.min(30) {
        let steps: Vec<&(Nanos, u64, Step)> =
            rec.steps.iter().filter(|(_, s, _)| *s == serial).collect();
        let t_sale = steps[0].0;
        let mut prev_end = t_sale;
        let mut i = 0;
        for (t, _, st) in &steps {
            if matches!(st, Step::Says(k, _) if k.starts_with("trace.says.attempt_")) {
                waits.push((i, t - prev_end - 30 * SECOND));
                prev_end = *t;
                i += 1;
            }
        }
    }
    assert!(waits.len() > 30);
    for &(i, w) in &waits {
        assert!(
            w <= (4 * SECOND) << i,
            "retry {} waited {} s",
            i + 1,
            w as f64 / 1e9
        );
    }
    assert!(waits.iter().any(|&(_, w)| w > 0), "jitter draws vary");
}

/// The cardholder pays again after a till failure. Responses lost with p, no retry, no
/// reversal: each failed sale was charged at the issuer (a phantom charge), so each repeat is
/// a second charge of the same purchase: duplicates == repeats, and repeats ≈ N p.
#[test]
fn paying_again_after_a_phantom_charge_charges_twice() {
    let p = 0.1;
    let s = scen(
        "1h",
        "",
        "",
        &format!(
            "{NO_REVERSALS}[strategy.cardholder]\npay_again_share = 1.0\npay_again_delay = \"2m\"\n{}",
            response_loss(p)
        ),
    );
    let out = run(&s, 4);
    assert!(out.cardholder_repeats > 0);
    let first = out.payments - out.cardholder_repeats;
    assert_binomial("repeats", out.cardholder_repeats, first, p);
    assert_eq!(out.duplicate_charges, out.cardholder_repeats);
    assert_eq!(out.retry_attempts, 0);
    // Half the cardholders pay again: about half as many repeats, on the same failures.
    let mut half = s.clone();
    half.strategy.cardholder.pay_again_share = 0.5;
    let h = run(&half, 4);
    assert_binomial(
        "half repeat",
        h.cardholder_repeats,
        out.cardholder_repeats,
        0.5,
    );
}

/// Switched off, the strategies change nothing: the same run with the tables present but
/// off (layer "none", share 0, keys off) is identical.
#[test]
fn switched_off_changes_nothing() {
    let base = response_loss(0.1);
    let a = run(&scen("30m", "", "", &base), 0);
    let b = run(
        &scen(
            "30m",
            "",
            "",
            &format!(
                "{base}[strategy.retry]\nlayer = \"none\"\nattempts = 5\n\
                 [strategy.idempotency]\nenabled = true\n\
                 [strategy.cardholder]\npay_again_share = 0.0\n"
            ),
        ),
        0,
    );
    assert_eq!(format!("{:?}", a.outcomes), format!("{:?}", b.outcomes));
    assert_eq!((a.events, a.postings), (b.events, b.postings));
}

/// The shipped scenario is a valid run on its own.
#[test]
fn shipped_scenario_runs() {
    let mut s = load("scenarios/retry_idempotency.toml");
    s.traffic_window = 12 * 3600 * SECOND; // the loss is at 11:00-11:40
    let out = run(&s, 0);
    assert!(out.retry_attempts > 0);
    assert!(
        out.duplicate_charges > 0,
        "retries without keys charge twice"
    );
}

/// Acquirer retries with keys, a breaker that sends the retry to a backup channel, and
/// requests lost on the way to the issuer: the primary channel's timeout reversal of the first
/// attempt can reach the issuer before the backup's stand-in advice for the second attempt
/// (the same key). The issuer, having reversed the key first, charges nothing; the acquirer
/// holds a sale nobody backs. It is a reversal mismatch while observation ends before the
/// presentment, an unmatched presentment after it: an open break either way, never an
/// unrecorded disagreement (found by the thread-count property, seed 40529).
#[test]
fn a_timeout_reversal_overtaking_a_stand_in_advice_is_a_break() {
    let text = format!(
        "name = \"crossing\"\n\
         [simulation]\nruns = 4\nseed = 5\ntraffic_window = \"10m\"\nstart_weekday = \"monday\"\n\
         [[terminals]]\nid = \"shops\"\ncount = 100\nrate = \"60/h\"\n\
         amount = {{ kind = \"uniform\", min = \"1.00\", max = \"100.00\" }}\n\
         miskey_share = 0.0\nprofile = {FLAT}\n\
         [gateway]\nservers = 64\nservice = \"1ms\"\n[network]\nlatency = \"10ms\"\n\
         [risk]\nenabled = false\nfraud_share = 0.0\n\
         [[channels]]\nid = \"ch0\"\nservers = 64\nservice = \"1ms\"\nissuer_timeout = \"9s\"\n\
         [[channels]]\nid = \"ch1\"\nservers = 64\nservice = \"1ms\"\nweight = 0.0\n\
         issuer_timeout = \"1s\"\nstand_in = {{ enabled = true, limit = \"1000.00\" }}\n\
         [[issuers]]\nid = \"bank\"\nservers = 1000\nservice = \"5ms\"\ndo_not_honour_share = 0.0\n\
         [issuers.accounts]\ncount = 1000\nbalance = \"100000000.00\"\nfrozen_share = 0.0\n\
         [[routing]]\nissuer = \"bank\"\nchannel = \"ch0\"\nbackup = \"ch1\"\n\
         [[faults]]\nid = \"lossy0\"\nkind = \"loss\"\ntarget = \"ch0-bank\"\ndirection = \"up\"\n\
         start = \"0h\"\nduration = \"30d\"\nprobability = 0.5\n\
         [[faults]]\nid = \"lossy1\"\nkind = \"loss\"\ntarget = \"ch1-bank\"\ndirection = \"up\"\n\
         start = \"0h\"\nduration = \"30d\"\nprobability = 0.5\n\
         [strategy]\nacquirer_timeout = \"3s\"\n{NO_REVERSALS}\
         [strategy.breaker]\nenabled = true\nat = \"acquirer\"\nfailure_rate = 0.5\nwindow = 4\n\
         min_calls = 1\nopen_for = \"20s\"\nhalf_open_calls = 1\n\
         {}{IDEMPOTENT}",
        retry("acquirer", 2)
    );
    let long = common::parse(&text, "crossing");
    let mut short = long.clone();
    short.observation = Some(2 * 3600 * SECOND); // ends long before the 22:00 cut-off
    let mut crossed = 0;
    for r in 0..4 {
        for (s, open_kind) in [(&short, 1), (&long, 2)] {
            let mut rec = Recorder {
                all: true,
                ..Recorder::default()
            };
            let out =
                model::simulate(s, 17, r, &mut rec).unwrap_or_else(|v| panic!("run {r}: {v}"));
            let here = rec
                .steps
                .iter()
                .filter(|(_, _, st)| {
                    matches!(
                        st,
                        Step::Note("trace.note.issuer_advice_finds_sale_reversed")
                    )
                })
                .count() as u64;
            // Each crossing leaves its sale unbacked (reconciliation is off: it stays open).
            assert!(
                out.breaks_open[open_kind] >= here,
                "run {r}: {here} crossings, {:?}",
                out.breaks_open
            );
            crossed += here;
        }
    }
    assert!(crossed > 0, "the scenario produces the crossing");
}

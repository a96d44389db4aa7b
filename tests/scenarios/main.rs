//! The shipped scenarios: all valid and described, the built-in default is
//! `scenarios/baseline.toml`, the baseline behaves as its own parameters say and is calibrated
//! (approval rate, decline mix), and each scenario of the path after authorisation shows the
//! effect its header promises. [`browser`]: a run's report.html in a real browser;
//! [`check_cli`]: `payfault check` (expectations, JUnit, Markdown); [`check_cli_baseline`]:
//! missing, empty, null and tampered baselines; [`webfont`]: the Chinese report's own font.

#[path = "../common/mod.rs"]
mod common;

mod browser;
mod check_cli;
mod check_cli_baseline;
mod progress;
mod webfont;

use payfault::runner::{BatchOptions, run_batch};
use payfault::scenario::{self, Limits};
use std::sync::atomic::AtomicBool;

use common::{load, payfault};

#[test]
fn every_shipped_scenario_is_valid() {
    let mut n = 0;
    for e in std::fs::read_dir("scenarios").unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "toml") {
            scenario::load(&p, &Limits::default())
                .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            n += 1;
        }
    }
    assert!(n >= 3);
}

#[test]
fn built_in_default_is_the_baseline_file() {
    assert_eq!(
        scenario::BASELINE,
        std::fs::read_to_string("scenarios/baseline.toml").unwrap()
    );
    assert_eq!(scenario::baseline().name, "baseline");
}

#[test]
fn pipeline_is_as_the_issue_specifies() {
    let s = load("scenarios/pipeline.toml");
    assert_eq!(s.mean_arrival_rate(), 50.0);
    assert_eq!(
        (
            s.gateway.servers,
            s.channels[0].station.servers,
            s.issuers[0].station.servers
        ),
        (8, 4, 4)
    );
    assert_eq!(s.gateway.service.mean(), 100e6);
    assert_eq!(s.channels[0].station.service.mean(), 40e6);
    assert_eq!(s.issuers[0].station.service.mean(), 60e6);
    assert_eq!(s.links.terminal[0].latency.mean(), 50e6);
    assert!(s.risk.is_none() && s.faults.is_empty());
}

#[test]
fn baseline_risk_engine_declines_what_its_rates_imply() {
    // E[risk declines] = payments reaching the gateway × (f·d + (1 − f)·fp).
    let s = scenario::baseline();
    let b = run_batch(
        &s,
        &BatchOptions {
            runs: 6,
            seed: 3,
            threads: 0,
        },
        &AtomicBool::new(false),
        |_, _| Ok(()),
        |_| {},
    )
    .unwrap();
    let r = s.risk.as_ref().unwrap();
    let f = s.fraud_share;
    let p = f * r.detection_rate + (1.0 - f) * r.false_positive_rate;
    let payments = b.summary("payments").unwrap().mean.unwrap();
    let declines = b.summary("risk_declines").unwrap();
    let expected = payments * (1.0 - s.links.terminal[0].loss) * p;
    let se = (expected / declines.n as f64).sqrt(); // Poisson counts
    assert!(
        (declines.mean.unwrap() - expected).abs() < 4.0 * se,
        "risk declines {} vs expected {expected}",
        declines.mean.unwrap()
    );
    // Nothing is pending after the default observation period, and the books balanced (else
    // run_batch would have failed).
    assert_eq!(b.summary("pending").unwrap().max, Some(0.0));
    // Payments per run follow count × rate × 24 h.
    let expected_payments = s.mean_arrival_rate() * 86_400.0;
    let sd = b.summary("payments").unwrap();
    assert!(
        (sd.mean.unwrap() - expected_payments).abs() < 4.0 * expected_payments.sqrt(),
        "{} vs {expected_payments}",
        sd.mean.unwrap()
    );
}

/// The till's answers by code and the declined payments' codes, from a traced run (the
/// calibration check of `scenarios/baseline.toml`; `examples/decline_mix.rs` prints the table).
#[derive(Default)]
struct DeclineMix {
    till: std::collections::HashMap<u64, u8>,
    approved: u64,
    declined: std::collections::BTreeMap<u8, u64>,
}

impl payfault::model::Tracer for DeclineMix {
    const ON: bool = true;
    fn wants(&self, _: u64) -> bool {
        true
    }
    fn record(&mut self, _: payfault::engine::Nanos, serial: u64, step: payfault::model::Step) {
        use payfault::model::Step;
        match step {
            Step::Answered { code } => {
                self.till.insert(serial, code);
                self.approved += u64::from(code == 0);
            }
            Step::Outcome { outcome, .. } => {
                let c = self.till.remove(&serial).unwrap_or(255);
                if outcome == "declined" {
                    *self.declined.entry(c).or_default() += 1;
                }
            }
            _ => {}
        }
    }
}

#[test]
fn baseline_approval_rate_and_decline_mix_are_calibrated() {
    // docs/background.md, calibration figures: card-present approval in the mid-90s; insufficient
    // funds 40-50% of declines. One full day (run 0, seed 1), every payment traced.
    let s = scenario::baseline();
    let mut mix = DeclineMix::default();
    let out = payfault::model::simulate(&s, 1, 0, &mut mix).unwrap();
    let approval = mix.approved as f64 / out.payments as f64;
    assert!((0.94..0.98).contains(&approval), "approval rate {approval}");
    let declined: u64 = mix.declined.values().sum();
    let share = |c: u8| mix.declined.get(&c).copied().unwrap_or(0) as f64 / declined as f64;
    assert!((0.40..=0.50).contains(&share(51)), "51: {}", share(51));
    // The issuers' own answers at their shares of the payments (0.8%, 0.6%, 0.2%): 05 about
    // 18%, 55 about 14%, 54 about 5% of the declines.
    assert!((0.13..=0.23).contains(&share(5)), "05: {}", share(5));
    assert!((0.10..=0.18).contains(&share(55)), "55: {}", share(55));
    assert!((0.03..=0.07).contains(&share(54)), "54: {}", share(54));
    // The other codes of an ordinary day, each a minority; no answer is rare.
    for c in [5, 14, 54, 55, 59, 61, 62] {
        assert!(
            share(c) > 0.0 && share(c) < share(51),
            "{c:02}: {}",
            share(c)
        );
    }
    assert!(share(255) < 0.02, "no answer: {}", share(255));
}

#[test]
fn every_shipped_scenario_says_what_it_demonstrates() {
    for e in std::fs::read_dir("scenarios").unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "toml") {
            let s = scenario::load(&p, &Limits::default()).unwrap();
            assert!(
                !s.description.trim().is_empty(),
                "{}: a shipped scenario needs a description",
                p.display()
            );
            let text = std::fs::read_to_string(&p).unwrap();
            assert!(
                text.starts_with('#'),
                "{}: a shipped scenario opens with a header comment",
                p.display()
            );
        }
    }
}

/// One run of a shipped scenario (its own seed): metric name -> value.
fn shipped_run(name: &str, run: u64) -> std::collections::HashMap<String, f64> {
    use payfault::metrics::Catalogue;
    let s = scenario::load(
        format!("scenarios/{name}.toml").as_ref(),
        &Limits::default(),
    )
    .unwrap();
    let out = payfault::model::simulate(&s, s.seed, run, &mut payfault::model::NoTrace)
        .unwrap_or_else(|e| panic!("{name}, run {run}: {e}"));
    let c = Catalogue::for_scenario(&s);
    c.names()
        .into_iter()
        .zip(c.values(&out))
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect()
}

#[test]
fn clearing_reject_settles_mondays_sales_a_business_day_late() {
    let m = shipped_run("clearing_reject", 0);
    assert_eq!(m["clearing_files_rejected"], 1.0);
    assert!(m["settled_late"] > 0.9 * (m["settled_late"] + m["settled_on_time"]));
    assert!(
        m["settled_on_time_ratio"] < 0.05,
        "{}",
        m["settled_on_time_ratio"]
    );
    // A business day late: credited on Wednesday 09:00, not Tuesday.
    assert!(m["settlement_delay_p50_s"] > 86_400.0 * 1.5);
    assert_eq!(m["presentment_exceptions"], 0.0);
    assert_eq!(m["not_arrived"] + m["pending"], 0.0);
}

#[test]
fn merchant_hold_pays_late_or_not_at_all_and_refunds_a_few_frauds() {
    let mut refunds = 0.0;
    for run in 0..3 {
        let m = shipped_run("merchant_hold", run);
        assert!(m["merchant_risk_holds"] > 0.03 * m["payments"], "run {run}");
        assert!(
            m["settled_late"] > 0.0 && m["not_arrived"] > 0.0,
            "run {run}"
        );
        // What has not arrived waits in the risk hold.
        assert!((m["risk_hold_amount"] - m["not_arrived_amount"]).abs() < 0.005);
        refunds += m["merchant_risk_fraud_refunds"];
    }
    assert!(refunds > 0.0);
}

#[test]
fn d0_payout_pays_in_minutes_up_to_the_cap() {
    let m = shipped_run("d0_payout", 0);
    assert!(m["d0_payouts"] > 0.5 * m["settled_on_time"]);
    assert!(m["d0_over_cap"] > 0.0 && m["payouts_delayed_by_maintenance"] > 0.0);
    // Terminal timeout (30 s) plus a minute after the sale.
    assert!(
        m["settlement_delay_p50_s"] < 120.0,
        "{}",
        m["settlement_delay_p50_s"]
    );
}

#[test]
fn single_message_refunds_reversals_after_posting_and_stands_in() {
    let m = shipped_run("single_message", 0);
    assert!(m["refunds_after_posting"] > 0.0);
    assert_eq!(m["holds_expired"], 0.0, "single message: no holds to lapse");
    assert!(m["stand_ins"] > 0.0 && m["advices_sent"] >= m["stand_ins"]);
    assert_eq!(
        m["advices_expired"], 0.0,
        "the issuer is back within the expiry"
    );
    assert_eq!(m["charged_without_sale"] + m["not_arrived"], 0.0);
}

#[test]
fn reconciliation_repairs_exactly_the_phantom_charges_of_the_outage() {
    // Same traffic, outage and seed: the same payments.
    let mut found = 0.0;
    for run in 0..4 {
        let outage = shipped_run("outage", run);
        let rec = shipped_run("reconciliation", run);
        assert_eq!(outage["breaks_found"], 0.0);
        assert_eq!(
            rec["breaks_found_phantom_charge"], outage["charged_without_sale"],
            "run {run}"
        );
        assert_eq!(rec["breaks_repaired"], rec["breaks_found"], "run {run}");
        assert_eq!(rec["charged_without_sale"], 0.0, "run {run}");
        if rec["breaks_repaired"] > 0.0 {
            assert!(rec["break_repair_age_max_s"] < 2.0 * 86_400.0);
        }
        found += rec["breaks_found"];
    }
    assert!(found > 0.0);
}

/// The TOML blocks of docs/scenarios.md from `## <heading>` on.
fn doc_examples(heading: &str) -> Vec<String> {
    let doc = std::fs::read_to_string("docs/scenarios.md").unwrap();
    let from = doc
        .find(&format!("## {heading}"))
        .unwrap_or_else(|| panic!("docs/scenarios.md has no section {heading}"));
    doc[from..]
        .split("```toml\n")
        .skip(1)
        .map(|b| b[..b.find("```").unwrap()].to_string())
        .collect()
}

#[test]
fn the_complete_example_in_the_docs_is_every_default() {
    let blocks = doc_examples("A complete example");
    assert!(blocks.len() >= 2, "the complete and the larger example");
    let parse = |text: &str| {
        let mut s = scenario::parse(text, "docs/scenarios.md", &Limits::default())
            .unwrap_or_else(|e| panic!("{e}"));
        s.source.clear();
        s
    };
    let written = parse(&blocks[0]);
    let defaults = parse("name = \"defaults\"\n");
    assert_eq!(format!("{written:?}"), format!("{defaults:?}"));
    for b in &blocks[1..] {
        parse(b);
    }
}

#[test]
fn every_metric_is_documented() {
    // docs/scenarios.md, Metrics: each name in backticks (station metrics as `<name>.<id>`).
    let doc = std::fs::read_to_string("docs/scenarios.md").unwrap();
    let s = scenario::baseline();
    let stations: Vec<String> = s.stations().iter().map(|st| st.id.clone()).collect();
    for name in payfault::metrics::Catalogue::for_scenario(&s).names() {
        if let Some(rest) = name.strip_prefix(payfault::metrics::CAUSES) {
            // Per-cause metrics: the cause in the Causes table, the outcome in Outcomes.
            let (cause, outcome) = rest.split_once('.').unwrap();
            let outcome = outcome.trim_end_matches("_amount");
            for w in [cause, outcome] {
                assert!(
                    doc.contains(&format!("`{w}`")),
                    "`{w}` is not in docs/scenarios.md"
                );
            }
            continue;
        }
        let written = match name.split_once('.') {
            Some((prefix, id)) if stations.iter().any(|s| s == id) => format!("`{prefix}.<id>`"),
            // Outcome amounts are documented together as `<outcome>_amount`.
            _ if name.ends_with("_amount")
                && doc.contains(&format!("`{}`", &name[..name.len() - 7])) =>
            {
                "`<outcome>_amount`".to_string()
            }
            _ => format!("`{name}`"),
        };
        assert!(
            doc.contains(&written),
            "{written} is not in docs/scenarios.md"
        );
    }
}

/// One run of a scenario replayed with the sampling tracer: its metrics by name, and its sales
/// and till failures by minute.
fn sampled_run(
    s: &scenario::Scenario,
    run: u64,
) -> (
    std::collections::HashMap<String, f64>,
    payfault::model::probe::TillBuckets,
) {
    use payfault::metrics::Catalogue;
    let mut sampler = payfault::model::probe::Sampler::new(2);
    let out = payfault::model::simulate(s, s.seed, run, &mut sampler)
        .unwrap_or_else(|e| panic!("{}, run {run}: {e}", s.name));
    let c = Catalogue::for_scenario(s);
    let m = c
        .names()
        .into_iter()
        .zip(c.values(&out))
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect();
    (m, sampler.till)
}

/// The failure share at the till of the sales made in `[from, to)` (whole minutes), and of each
/// quarter hour wholly inside it: (its start, its share, its sales).
fn till_shares(
    till: &payfault::model::probe::TillBuckets,
    from: u64,
    to: u64,
) -> (f64, Vec<(u64, f64, u64)>) {
    use payfault::model::probe::BUCKET;
    let (a, b) = ((from / BUCKET) as usize, (to / BUCKET) as usize);
    let (sales, failed, _) = till.totals(a, b);
    let quarters = (a.div_ceil(15)..b / 15)
        .map(|k| {
            let (n, f, _) = till.totals(15 * k, 15 * (k + 1));
            (k as u64 * 15 * BUCKET, f as f64 / n as f64, n)
        })
        .collect();
    (failed as f64 / sales as f64, quarters)
}

#[test]
fn visa_2018_fails_by_its_mechanisms_not_by_a_flat_rate() {
    // The reconstruction's mechanisms (scenarios/visa_2018.toml): a partial failure at the
    // primary site that the health checks do not see, its synchronisation load on the
    // secondary, cardholders paying again. A flat failure share would pass none of this.
    use payfault::scenario::{Component, FaultEffect, FaultKind, Length, OutageMode};
    const MINUTE: u64 = 60_000_000_000;
    let s = load("scenarios/visa_2018.toml");
    let k = s
        .faults
        .iter()
        .position(|f| f.kind == FaultKind::Partial)
        .expect("visa_2018 has a partial failure");
    let f = &s.faults[k];
    let FaultEffect::Partial {
        fail_share,
        sync: Some(sync),
        ..
    } = f.effect
    else {
        panic!("the primary's partial failure synchronises with the secondary")
    };
    let Length::Fixed(d) = f.timing.length else {
        panic!("the outage has a fixed duration")
    };
    let (from, to) = (f.timing.start, f.timing.start + d);
    assert_eq!((from, to), (875 * MINUTE, 1485 * MINUTE), "14:35 to 00:45");
    assert!(s.traffic_window >= to, "traffic continues to 00:45");
    let secondary = s.channels.iter().position(|c| c.station.id == "visa-dc2");
    assert_eq!(Some(sync.to), secondary.map(Component::Channel));
    let mut quiet = s.clone();
    quiet.faults[k].effect = FaultEffect::Partial {
        servers_lost: 0,
        fail_share,
        mode: OutageMode::Drop,
        code: 91,
        sync: None,
    };
    let (mut till, mut till_quiet) = (Default::default(), Default::default());
    let add = |t: &mut payfault::model::probe::TillBuckets, x| t.add(&x);
    for run in 0..2 {
        let (m, t) = sampled_run(&s, run);
        let (q, tq) = sampled_run(&quiet, run);
        // (a) The health checks see nothing: no failover, although thousands fail.
        assert!(m["echoes_sent"] > 0.0);
        assert_eq!((m["failovers"], m["channels_marked_down"]), (0.0, 0.0));
        // (b) The secondary's refusals come from the synchronisation load: without it there
        // are hardly any (a few at the primary, whose lost requests hold their place in its
        // bulkhead until the till gives up), and the secondary's utilisation drops.
        let refused = m["bulkhead_rejections"];
        assert!(refused > 500.0, "{refused}");
        assert!(q["bulkhead_rejections"] < 0.02 * refused);
        assert!(m["utilization.visa-dc2"] > q["utilization.visa-dc2"] + 0.1);
        assert_eq!(q["junk_requests"], 0.0);
        // One message per request reaching the primary in the window, times the load: half
        // of the window's sales (the two sites share the cards half and half).
        let (sales, _, _) = t.totals((from / MINUTE) as usize, (to / MINUTE) as usize);
        let expected = sync.load * 0.5 * sales as f64;
        let junk = m["junk_requests"];
        assert!(
            (junk / expected - 1.0).abs() < 0.04,
            "{junk} synchronisation messages, {expected:.0} expected"
        );
        // (c) Cardholders pay again after a failure.
        assert!(m["cardholder_repeats"] > 500.0);
        add(&mut till, t);
        add(&mut till_quiet, tq);
    }
    // The window's failure share is near the published 10.2%.
    let (share, quarters) = till_shares(&till, from, to);
    assert!((0.085..0.12).contains(&share), "window share {share}");
    // Without the synchronisation load every quarter hour fails alike (within binomial noise
    // of five standard deviations), at about the primary's lost share of its half of the
    // cards. With it the evening rush fails several times more often than that.
    let (flat, quiet_quarters) = till_shares(&till_quiet, from, to);
    assert!(
        (flat / (fail_share * 0.5) - 1.0).abs() < 0.2,
        "without sync: {flat} against {fail_share} of half the cards"
    );
    let sd = |n: u64| 5.0 * (flat * (1.0 - flat) / n as f64).sqrt();
    for &(t, q, n) in &quiet_quarters {
        assert!(
            (q - flat).abs() < sd(n),
            "without sync: {q} at {t}, flat {flat}"
        );
    }
    let (peak_at, hi, _) = quarters
        .iter()
        .fold((0, 0.0, 0), |a, &q| if q.1 > a.1 { q } else { a });
    assert!(hi > 3.0 * flat, "quarter hours up to {hi}, flat {flat}");
    assert!((17 * 60 * MINUTE..19 * 60 * MINUTE + 15 * MINUTE).contains(&peak_at));
    let raised = quarters
        .iter()
        .filter(|&&(_, q, n)| q > flat + sd(n))
        .count();
    let calm = quarters
        .iter()
        .filter(|&&(_, q, n)| (q - flat).abs() < sd(n))
        .count();
    assert!(
        raised >= 4 && calm >= 20,
        "{raised} raised and {calm} calm quarter hours"
    );
    // Failed purchases against failed attempts: a repeat that gets through turns a failed
    // attempt into a purchase made (the letter: about half).
    let (_, failed, repeats) = till.totals((from / MINUTE) as usize, (to / MINUTE) as usize);
    let purchases_failed = (failed - repeats) as f64 / failed as f64;
    assert!(
        (0.4..0.7).contains(&purchases_failed),
        "failed purchases / failed attempts {purchases_failed}"
    );
    // A full failure of the primary instead is seen by the health checks: its cards go to the
    // secondary.
    let mut down = s.clone();
    down.faults[k].effect = FaultEffect::Outage {
        mode: OutageMode::Drop,
        code: 91,
    };
    down.faults[k].kind = FaultKind::Outage;
    let (m, _) = sampled_run(&down, 0);
    assert!(m["channels_marked_down"] >= 1.0);
    assert!(m["failovers"] > 10_000.0, "{}", m["failovers"]);
}

#[test]
fn every_fault_kind_is_demonstrated_by_a_shipped_scenario() {
    // Every kind, from the one table that declares them (`scenario::faults::kinds`).
    let all = scenario::FaultKind::ALL;
    let mut shown = vec![false; all.len()];
    for e in std::fs::read_dir("scenarios").unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "toml") {
            let s = scenario::load(&p, &Limits::default()).unwrap();
            for f in &s.faults {
                if let Some(i) = all.iter().position(|&k| k == f.kind) {
                    shown[i] = true;
                }
            }
        }
    }
    let missing: Vec<String> = all
        .iter()
        .zip(shown)
        .filter(|(_, shown)| !shown)
        .map(|(k, _)| payfault::scenario::faults::kind_name(*k).to_string())
        .collect();
    assert!(
        missing.is_empty(),
        "no shipped scenario demonstrates these kinds: {}",
        missing.join(", ")
    );
}

#[test]
fn list_shows_every_shipped_scenario_and_names_run_from_anywhere() {
    let out = payfault().args(["list", "--json"]).output().unwrap();
    assert!(out.status.success());
    let list: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let mut files: Vec<String> = std::fs::read_dir("scenarios")
        .unwrap()
        .filter_map(|e| {
            let n = e.unwrap().file_name().into_string().unwrap();
            n.strip_suffix(".toml").map(str::to_owned)
        })
        .collect();
    files.sort();
    let names: Vec<&str> = list.iter().map(|e| e["name"].as_str().unwrap()).collect();
    assert_eq!(names, files);
    // Each says what it demonstrates as its file does (validated against its causes).
    for e in &list {
        let name = e["name"].as_str().unwrap();
        let s = scenario::load(
            format!("scenarios/{name}.toml").as_ref(),
            &Limits::default(),
        )
        .unwrap();
        let listed: Vec<&str> = e["demonstrates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(listed, s.demonstrates, "{name}");
        assert_eq!(e["description"].as_str().unwrap(), s.description);
    }
    let text = payfault().arg("list").output().unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("outage") && text.contains("demonstrates: scheme-outage"));

    // A name instead of a path, from a folder without the scenarios.
    let dir = tempfile::tempdir().unwrap();
    payfault()
        .current_dir(dir.path())
        .args(["validate", "outage", "timeouts.toml"])
        .assert()
        .success()
        .stdout(predicates::str::contains("ok: outage (outage)"));
}

#[test]
fn run_in_chinese_and_without_charts() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("zh");
    let o = payfault()
        .args([
            "run",
            "outage",
            "-n",
            "2",
            "--lang",
            "zh",
            "--no-charts",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let table = String::from_utf8(o.stdout).unwrap();
    for term in ["按时结算", "拒绝", "未到账", "扣款未成交", "95% 置信区间"] {
        assert!(table.contains(term), "{term} missing from\n{table}");
    }
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("<html lang=\"zh-Hans\">"));
    assert!(html.contains("关键数字") && html.contains("未到账"));
    // --no-charts: neither charts nor their replay; the teaching aids stay (the network
    // diagram, the stories' swimlanes, the glossary), which need no replay of their own.
    let files: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(
        !files
            .iter()
            .any(|f| f.ends_with(".png") || f.ends_with(".svg") && f != "topology.svg"),
        "{files:?}"
    );
    assert!(files.iter().any(|f| f == "topology.svg"), "{files:?}");
    let swimlanes = html.matches("<figure class=\"swimlane\">").count();
    assert_eq!(
        html.matches("<svg").count(),
        1 + swimlanes,
        "only the teaching aids"
    );
    // The glossary, in Chinese, linked from the page's header.
    assert!(html.contains("<h2 id=\"glossary\">术语表</h2>"));
    assert!(html.contains("href=\"#glossary\"") && html.contains("id=\"g-reversal\""));
    assert!(
        html.contains("href=\"#g-charged-without-sale\""),
        "outcomes link the glossary"
    );
    assert!(html.contains("id=\"topology\""));
}

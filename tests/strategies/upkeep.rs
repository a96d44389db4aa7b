//! The upkeep strategies (docs/scenarios.md, "Upkeep strategies"): each test switches one on in
//! a small scenario and checks its effect against figures computed from the scenario's own
//! parameters (a rate times a duration, a share, a point on the ROC curve), with Poisson or
//! binomial tolerances of about five standard deviations.

use payfault::engine::{HOUR, MINUTE, SECOND};
use payfault::model::{self, NoTrace, Outcome, RunOutput};
use payfault::scenario::strategies::upkeep::std_normal_cdf;
use payfault::scenario::{self, FaultEffect, Limits, Scenario};

use crate::common::{self, FLAT, assert_binomial, assert_poisson};

/// Payments per second of the base scenario (200 terminals at 60 an hour).
const LAMBDA: f64 = 200.0 * 60.0 / 3600.0;

/// One group of 200 terminals at 60 payments an hour each, flat, for four hours on a Monday;
/// ample fixed-time stations, 10 ms links, accounts that always pay, no fraud, no risk engine.
/// A table named in `extra` replaces the base's.
fn scen(extra: &str) -> Scenario {
    let mut base = String::from("name = \"upkeep\"\n");
    let mut unless = |header: &str, text: &str| {
        if !extra.contains(header) {
            base.push_str(text);
        }
    };
    unless(
        "[simulation]",
        "[simulation]\nruns = 3\nseed = 3\ntraffic_window = \"4h\"\nstart_weekday = \"monday\"\n",
    );
    unless(
        "[[terminals]]",
        &format!(
            "[[terminals]]\nid = \"shops\"\ncount = 200\nrate = \"60/h\"\n\
             amount = {{ kind = \"uniform\", min = \"0.01\", max = \"200.00\" }}\n\
             miskey_share = 0.0\nprofile = {FLAT}\n"
        ),
    );
    unless("[gateway]", "[gateway]\nservers = 64\nservice = \"1ms\"\n");
    unless("[network]", "[network]\nlatency = \"10ms\"\n");
    unless("[risk]", "[risk]\nenabled = false\nfraud_share = 0.0\n");
    unless(
        "[[channels]]",
        "[[channels]]\nid = \"scheme\"\nservers = 64\nservice = \"1ms\"\n",
    );
    unless(
        "[[issuers]]",
        "[[issuers]]\nid = \"bank\"\nservers = 100000\nservice = \"5ms\"\n\
         do_not_honour_share = 0.0\n[issuers.accounts]\ncount = 1000\n\
         balance = \"100000000.00\"\nfrozen_share = 0.0\n",
    );
    base.push_str(extra);
    common::parse(&base, "upkeep")
}

fn run(s: &Scenario, r: u64) -> RunOutput {
    model::simulate(s, 11, r, &mut NoTrace).unwrap_or_else(|v| panic!("run {r}: {v}"))
}

fn station<'a>(out: &'a RunOutput, id: &str) -> &'a payfault::metrics::StationStats {
    &out.stations.iter().find(|(s, _)| s == id).unwrap().1
}

// ---- 1. Autoscaling -----------------------------------------------------------------------

/// One gateway server at 400 ms a request against 3.33 requests a second (ρ = 1.33): the
/// queue grows without bound. Autoscaling to at most 3 servers brings ρ to 0.44.
const OVERLOADED: &str = "[gateway]\nservers = 1\nservice = \"400ms\"\n";

#[test]
fn autoscaling_lowers_waits_under_overload_and_never_exceeds_max() {
    let plain = scen(OVERLOADED);
    let scaled = scen(&format!(
        "{OVERLOADED}autoscale = {{ max = 3, step = 1, above = 0.8, below = 0.3, check = \"1m\", \
         delay = \"2m\" }}\n"
    ));
    let a = run(&plain, 0);
    let b = run(&scaled, 0);
    let (wa, wb) = (
        station(&a, "gateway").mean_wait_s().unwrap(),
        station(&b, "gateway").mean_wait_s().unwrap(),
    );
    assert!(
        wb < wa / 10.0,
        "waits: {wb} s with autoscaling, {wa} s without"
    );
    assert!(
        b.timeouts < a.timeouts / 10,
        "{} vs {}",
        b.timeouts,
        a.timeouts
    );
    assert!(b.scale_ups >= 1);
    // Server-hours: between the base and the maximum over the traffic window.
    let h = scaled.traffic_window as f64 / HOUR as f64;
    let sh = station(&b, "gateway").server_hours;
    assert!(
        sh > 1.0 * h && sh <= 3.0 * h + 1e-9,
        "{sh} server-hours over {h} h"
    );
    // Two servers (ρ = 0.67) suffice: the controller stops at or below 3, and at least 2
    // servers work for most of the traffic window.
    assert!(sh >= h + 0.8 * 4.0, "{sh}");
    assert_eq!(station(&a, "gateway").server_hours, h);
}

#[test]
fn autoscaling_without_overload_stays_at_the_base() {
    let s = scen(
        "[gateway]\nservers = 8\nservice = \"1ms\"\n\
         autoscale = { max = 32, step = 4 }\n",
    );
    let out = run(&s, 1);
    assert_eq!(out.scale_ups, 0);
    let h = s.traffic_window as f64 / HOUR as f64;
    assert_eq!(station(&out, "gateway").server_hours, 8.0 * h);
}

// ---- 2. Monitoring ------------------------------------------------------------------------

#[test]
fn monitoring_gives_an_incident_detection_plus_repair() {
    // The issuer refuses with 91 from 30 min until noticed (15 min) and repaired (2 h): about
    // λ × 2.25 h refusals a run.
    let s = scen(
        "[strategy.monitoring]\ndetection = \"15m\"\nrepair = \"2h\"\n\
         [[faults]]\nid = \"down\"\ntarget = \"bank\"\nmode = \"reject\"\nstart = \"30m\"\n",
    );
    let out = run(&s, 0);
    let hits = station(&out, "bank").outage_hits as f64;
    assert_poisson("refusals", hits, LAMBDA * 2.25 * 3600.0);
    // A fault's own detection wins; the repair comes from monitoring.
    let s = scen(
        "[strategy.monitoring]\ndetection = \"15m\"\nrepair = \"1h\"\n\
         [[faults]]\nid = \"down\"\ntarget = \"bank\"\nmode = \"reject\"\nstart = \"30m\"\n\
         detection = \"30m\"\n",
    );
    let hits = station(&run(&s, 0), "bank").outage_hits as f64;
    assert_poisson("refusals", hits, LAMBDA * 1.5 * 3600.0);
    // Without monitoring the incident lasts to the end of traffic (3.5 h).
    let s =
        scen("[[faults]]\nid = \"down\"\ntarget = \"bank\"\nmode = \"reject\"\nstart = \"30m\"\n");
    let hits = station(&run(&s, 0), "bank").outage_hits as f64;
    assert_poisson("refusals", hits, LAMBDA * 3.5 * 3600.0);
}

// ---- 3. Support desk ----------------------------------------------------------------------

#[test]
fn support_desk_pays_returned_payouts_after_its_response_time() {
    let base = "[payout]\nwrong_account_share = 0.2\ncorrection_delay = \"3d\"\n";
    let without = run(&scen(base), 0);
    let with = run(
        &scen(&format!(
            "{base}[support]\nenabled = true\nresponse_time = \"4h\"\n"
        )),
        0,
    );
    assert!(without.payouts_returned > 100);
    assert_eq!(with.payouts_returned, without.payouts_returned);
    assert_eq!(with.support_cases, with.payouts_returned);
    // Returned at the 09:00 credit, a payout the desk has sent again by 13:00 still keeps the
    // T+1 promise, judged by the day; corrected 3 days later it is late. The mean settlement
    // delay falls by the returned share times (3 d − 4 h).
    assert_eq!(
        without.count(Outcome::SettledLate),
        without.payouts_returned
    );
    assert_eq!(with.count(Outcome::SettledLate), 0);
    let n = with.settle_delay_ms.len() as f64;
    let shift_ms = with.payouts_returned as f64 / n * (3.0 * 24.0 - 4.0) * 3_600_000.0;
    let d = without.settle_delay_ms.mean() - with.settle_delay_ms.mean();
    assert!(
        (d - shift_ms).abs() < 0.01 * shift_ms,
        "{d} ms vs {shift_ms} ms"
    );
    // Observed for two days only: without the desk the returned payouts have not arrived;
    // with it they all have.
    let sim = "[simulation]\nruns = 1\nseed = 3\ntraffic_window = \"4h\"\n\
               start_weekday = \"monday\"\nobservation = \"2d\"\n";
    let without = run(&scen(&format!("{sim}{base}")), 0);
    let with = run(
        &scen(&format!(
            "{sim}{base}[support]\nenabled = true\nresponse_time = \"4h\"\n"
        )),
        0,
    );
    assert_eq!(without.count(Outcome::NotArrived), without.payouts_returned);
    assert_eq!(with.count(Outcome::NotArrived), 0);
    assert_eq!(with.outcome_amounts[Outcome::NotArrived as usize], 0);
}

// ---- 4. Fleet upkeep ----------------------------------------------------------------------

/// Expected refusals of terminals failing after exponential up times (mean `mtbf`) and
/// repaired after exponential times (mean `mttr`), all up at 0: a terminal is down at t with
/// probability π(1 − e^(−rt)), π = mttr/(mtbf + mttr), r = 1/mtbf + 1/mttr; over T hours.
fn expected_refusals(mtbf_h: f64, mttr_h: f64, t_h: f64) -> f64 {
    let pi = mttr_h / (mtbf_h + mttr_h);
    let r = 1.0 / mtbf_h + 1.0 / mttr_h;
    LAMBDA * 3600.0 * pi * (t_h - (1.0 - (-r * t_h).exp()) / r)
}

#[test]
fn fleet_maintenance_divides_the_failure_rate() {
    let hw = "[[faults]]\nid = \"hw\"\nkind = \"terminal_hardware\"\ntarget = \"all\"\n\
              terminal_mtbf = { kind = \"exponential\", mean = \"2h\" }\n\
              terminal_mttr = { kind = \"exponential\", mean = \"30m\" }\n";
    let plain = scen(hw);
    let kept = scen(&format!("[strategy.fleet]\nmaintenance_factor = 0.5\n{hw}"));
    let (mut a, mut b) = (0, 0);
    for r in 0..3 {
        a += run(&plain, r).terminal_refusals;
        b += run(&kept, r).terminal_refusals;
    }
    // Refusals are not Poisson: a terminal's payments share its up and down times (200
    // terminals, a few failures each), so the tolerance is relative (10%).
    let (ea, eb) = (
        3.0 * expected_refusals(2.0, 0.5, 4.0),
        3.0 * expected_refusals(4.0, 0.5, 4.0),
    );
    for (what, k, e) in [("without upkeep", a, ea), ("with upkeep", b, eb)] {
        assert!(
            (k as f64 - e).abs() < 0.1 * e,
            "{what}: {k} refusals, expected {e:.0}"
        );
    }
}

#[test]
fn fleet_update_rollout_replaces_the_faults_rollout() {
    let s = scen(
        "[strategy.fleet]\nupdate_rollout = \"1d\"\n[[faults]]\nkind = \"terminal_upgrade\"\n\
         target = \"all\"\nold_share = 0.5\nfailure = \"sign_on\"\nrollout = \"5d\"\n",
    );
    match &s.faults[0].effect {
        FaultEffect::TerminalUpgrade { rollout, .. } => {
            assert_eq!(rollout, &Some(scenario::Dist::Constant((24 * HOUR) as f64)));
        }
        e => panic!("{e:?}"),
    }
}

// ---- 5. Luhn check ------------------------------------------------------------------------

#[test]
fn luhn_check_removes_its_share_of_invalid_card_declines() {
    let group = |extra: &str| {
        format!(
            "[[terminals]]\nid = \"shops\"\ncount = 200\nrate = \"60/h\"\n\
             amount = {{ kind = \"uniform\", min = \"0.01\", max = \"200.00\" }}\n\
             miskey_share = 0.05\nprofile = {FLAT}\n{extra}"
        )
    };
    let plain = run(&scen(&group("")), 0);
    let luhn = run(
        &scen(&group("[strategy]\nluhn_check = true\nluhn_catch = 0.9\n")),
        0,
    );
    assert_eq!(plain.payments, luhn.payments);
    // Every decline is a 14 (accounts always pay): a mis-keyed share of the payments.
    let miskeyed = plain.count(Outcome::Declined);
    assert_binomial("14s", miskeyed, plain.payments, 0.05);
    assert_binomial("caught", luhn.luhn_catches, miskeyed, 0.9);
    assert_eq!(luhn.count(Outcome::Declined), miskeyed - luhn.luhn_catches);
    assert_eq!(plain.luhn_catches, 0);
}

// ---- 6. Risk threshold --------------------------------------------------------------------

#[test]
fn risk_threshold_follows_the_binormal_roc_curve() {
    let risk = "[risk]\nenabled = true\nfraud_share = 0.05\nthreshold = 2.0\nd_prime = 3.0\n";
    let s = scen(risk);
    let r = s.risk.as_ref().unwrap();
    let (tpr, fpr) = (std_normal_cdf(1.0), std_normal_cdf(-2.0));
    assert!((r.detection_rate - tpr).abs() < 1e-9);
    assert!((r.false_positive_rate - fpr).abs() < 1e-9);
    let out = run(&s, 0);
    // Declines by the engine: frauds detected plus legitimate payments flagged.
    let p = 0.05 * tpr + 0.95 * fpr;
    assert_binomial("risk declines", out.risk_declines, out.payments, p);
    // The threshold and the rates exclude each other.
    let e = scenario::parse(
        "name = \"x\"\n[risk]\nthreshold = 1.0\ndetection_rate = 0.5\n",
        "x",
        &Limits::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("risk.threshold"), "{e}");
}

// ---- 7. Review SLA ------------------------------------------------------------------------

#[test]
fn review_sla_caps_reviews_and_counts_the_breaches() {
    let risk = |sla: &str| {
        scen(&format!(
            "[risk]\nenabled = true\nfraud_share = 0.0\nfalse_positive_rate = 0.01\n\
             action = \"review\"\nreview_delay = \"1d\"\n{sla}"
        ))
    };
    let capped = run(&risk("review_sla = \"4h\"\n"), 0);
    assert!(capped.risk_reviews > 100);
    assert_eq!(capped.review_sla_breaches, capped.risk_reviews);
    let loose = run(&risk("review_sla = \"2d\"\n"), 0);
    assert_eq!(loose.review_sla_breaches, 0);
    // A sale reviewed within 4 h of the day (traffic ends at 04:00) clears at the 22:00
    // cut-off of the same day: on time; a day's review makes it late.
    assert_eq!(capped.count(Outcome::SettledLate), 0);
    let plain = run(&risk(""), 0);
    assert_eq!(plain.count(Outcome::SettledLate), plain.risk_reviews);

    // Merchant risk: reviews drawn from a lognormal (median 1 d) beyond the SLA are counted.
    let m = scen(
        "[merchant_risk]\nenabled = true\nmisfire_share = 0.2\n\
         review_time = { kind = \"lognormal\", median = \"1d\", p99 = \"7d\" }\nreview_sla = \"2d\"\n",
    );
    let out = run(&m, 0);
    let sigma = (7.0f64).ln() / 2.326_347_874_040_841;
    let p = 1.0 - std_normal_cdf(2.0f64.ln() / sigma);
    assert_binomial(
        "merchant breaches",
        out.review_sla_breaches,
        out.merchant_holds,
        p,
    );
}

// ---- 8. Store-and-forward -----------------------------------------------------------------

#[test]
fn saf_blocking_makes_phantom_charges_last_longer() {
    // Responses lost after the issuer approved for an hour: the terminals time out and
    // reverse; the host's store-and-forward carries the reversals to the issuer.
    let loss = "[simulation]\nruns = 1\nseed = 3\ntraffic_window = \"4h\"\nstart_weekday = \"monday\"\n\
                observation = \"2d\"\n\
                [[faults]]\nkind = \"loss\"\ntarget = \"scheme-bank\"\ndirection = \"down\"\n\
                probability = 0.5\nstart = \"1h\"\nduration = \"1h\"\n";
    let plain = run(&scen(loss), 0);
    let blocked = run(
        &scen(&format!(
            "[strategy.saf]\nblocking = true\nbad_record_share = 0.05\nunblock_after = \"1d\"\n{loss}"
        )),
        0,
    );
    assert!(blocked.saf_bad_records > 0);
    assert!(blocked.saf_blocked > 0);
    assert!(
        blocked.count(Outcome::ChargedWithoutSale) > plain.count(Outcome::ChargedWithoutSale),
        "{} vs {}",
        blocked.count(Outcome::ChargedWithoutSale),
        plain.count(Outcome::ChargedWithoutSale)
    );
    // One attempt each: the host never repeats.
    let once = run(&scen(&format!("[strategy.saf]\nattempts = 1\n{loss}")), 0);
    assert!(once.saf_sent <= plain.saf_sent);
    assert!(once.saf_expired > 0);
}

#[test]
fn everything_off_changes_nothing() {
    let a = run(&scen(""), 0);
    let b = run(
        &scen("[strategy]\nluhn_check = false\n[support]\nenabled = false\n"),
        0,
    );
    assert_eq!(a.events, b.events);
    assert_eq!(a.outcomes, b.outcomes);
    let _ = (MINUTE, SECOND);
}

// ---- 9. Timeouts from a latency percentile ------------------------------------------------

#[test]
fn terminal_timeout_from_a_pilot_percentile() {
    // Fixed 10 ms links (six crossings), 1 ms at the gateway and the channel, and an issuer
    // with exponential service (mean 100 ms) and no queue: the answer comes after
    // 62 ms + Exp(100 ms), whose 99.9th percentile is 62 ms + 100 ms × ln 1000.
    // The percentile is measured by a pilot run when the scenario is prepared to run.
    let s = payfault::runner::prepare::prepare(scen(
        "[[issuers]]\nid = \"bank\"\nservers = 100000\n\
         service = { kind = \"exponential\", mean = \"100ms\" }\ndo_not_honour_share = 0.0\n\
         [issuers.accounts]\ncount = 1000\nbalance = \"100000000.00\"\nfrozen_share = 0.0\n\
         [strategy]\nterminal_timeout = { percentile = 99.9 }\n",
    ))
    .unwrap();
    let theory = 0.062 + 0.1 * 1000f64.ln();
    let got = s.strategy.terminal_timeout as f64 / SECOND as f64;
    assert!(
        (got - theory).abs() < 0.1 * theory,
        "timeout {got} s, theory {theory} s"
    );
    // On other payments, about one good request in a thousand times out (a false timeout).
    let out = run(&s, 1);
    assert_binomial("false timeouts", out.timeouts, out.payments, 0.001);
    let e = scenario::parse(
        "name = \"x\"\n[strategy]\nterminal_timeout = { percentile = 100 }\n",
        "x",
        &Limits::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("(0, 100)"), "{e}");
    let _ = MINUTE;
}

// ---- Variants ------------------------------------------------------------------------------

#[test]
fn upkeep_fields_are_overridden_by_variants() {
    let src = "name = \"v\"\n[[channels]]\nid = \"scheme\"\nservers = 4\n\
               [[variant]]\nname = \"plain\"\n\
               [[variant]]\nname = \"upkept\"\n\
               channels.scheme.autoscale.max = 12\n\
               gateway.autoscale.enabled = true\n\
               strategy.luhn_check = true\n\
               strategy.monitoring.repair = \"1h\"\n\
               support.enabled = true\n\
               risk.review_sla = \"4h\"\n\
               strategy.saf.blocking = true\n";
    let v = scenario::variants::parse_variants(src, "v", &Limits::default()).unwrap();
    assert_eq!(v.designs.len(), 2);
    let plain = &v.designs[0].scenario.upkeep;
    assert!(!plain.any());
    let u = &v.designs[1].scenario.upkeep;
    let chan = u.autoscale[1].as_ref().unwrap();
    assert_eq!((chan.base, chan.max, chan.step), (4, 12, 4));
    let gw = u.autoscale[0].as_ref().unwrap();
    assert_eq!((gw.base, gw.max), (16, 32));
    assert_eq!(u.luhn_catch, Some(0.9));
    assert_eq!(u.support, Some(4 * HOUR));
    assert_eq!(u.risk_review_sla, Some(4 * HOUR));
    assert!(u.saf_blocking.is_some());
}

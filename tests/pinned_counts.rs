//! Pins the exact event, posting and payment counts of small fixed runs. An optimisation must
//! not change behaviour: if one of these moves, the change altered what the simulator does
//! (event order, draws, or the journey), and that needs a deliberate decision and a changelog
//! line, not a silent update of the numbers.

use payfault::engine::MINUTE;
use payfault::model::{self, NoTrace, Outcome};
use payfault::scenario::{self, Limits};

fn counts(path: &str, window_min: u64) -> (u64, u64, u64, [u64; 8]) {
    let mut s = scenario::load(path.as_ref(), &Limits::default()).unwrap();
    s.traffic_window = window_min * MINUTE;
    let out = model::simulate(&s, 1, 0, &mut NoTrace).unwrap();
    let mut o = [0; 8];
    for (i, &k) in Outcome::ALL.iter().enumerate() {
        o[i] = out.count(k);
    }
    (out.events, out.postings, out.payments, o)
}

#[test]
fn pipeline_two_minutes() {
    assert_eq!(counts("scenarios/pipeline.toml", 2), PIPELINE);
}

#[test]
fn outage_thirteen_hours() {
    // Covers the outage window (12:00-12:30), timeouts, reversals, risk and declines.
    assert_eq!(counts("scenarios/outage.toml", 13 * 60), OUTAGE);
}

/// (events, postings, payments, outcomes in `Outcome::ALL` order), recorded 2026-11-25.
/// Changelog: pipeline events 65991 -> 41995 when zero-latency hops became function calls
/// (four fewer events per payment; same postings and outcomes). Postings 23996 -> 6002 and
/// 506940 -> 126738 when payments awaiting settlement were folded into their batch (one set of
/// postings per route and batch; same events and outcomes). 2026-11-26, issue 7 part 2: every
/// random quantity of a payment now comes from its own keyed words (common random numbers per
/// payment: SplitMix64 as a counter-based generator keyed per group, drawn by inversion) and
/// links keep one stream per direction: the outage run's events 1655642 -> 1655877, postings
/// 126738 -> 126804, settled 126717 -> 126777, declined 20576 -> 20510, fraud losses 18 -> 24
/// (same payments: arrivals keep their stream). The pipeline's counts did not move (no loss,
/// no declines, the same arrivals). Issue 8: outcomes are now the eight of `Outcome::ALL`
/// (settled on time, settled late, declined, reversed, not arrived, charged without a sale,
/// chargeback, pending), judged from the till's, the cardholder's and the merchant's views;
/// same events and postings, settled -> settled on time, fraud loss -> chargeback. Issue 8,
/// the path after authorisation: outage postings 126804 -> 126900, because a chargeback now
/// posts the refund to the cardholder from the liable party, so fraudulent payments are no
/// longer folded into their batch: 24 chargebacks x 4 postings (issuer -> channel ->
/// acquirer -> merchant -> cardholder) instead of their share of the per-route postings. Same
/// events and outcomes. Issue 9 (the fault catalogue): nothing moved. Payments with a cause on
/// their path are no longer folded into their batch (the aggregate would lose the cause); in
/// these two runs the folded payments have none, so events, postings and outcomes are equal.
const PIPELINE: (u64, u64, u64, [u64; 8]) = (41995, 6002, 5999, [5999, 0, 0, 0, 0, 0, 0, 0]);
const OUTAGE: (u64, u64, u64, [u64; 8]) =
    (1655877, 126900, 147311, [126777, 0, 20510, 0, 0, 0, 24, 0]);

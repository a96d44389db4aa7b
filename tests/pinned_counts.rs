//! Pins what the simulator does, so that an accidental change is caught and must be
//! acknowledged: the exact event, posting and payment counts of small fixed runs, the first
//! values of the random generator, and the complete summary of one small scenario (the golden
//! test). An optimisation must not change behaviour, and an update of a dependency (the ChaCha
//! generator of `rand_chacha`, the float formatting of `serde_json`, a quantile of
//! `hdrhistogram`) must not change results silently: if one of these moves, the change altered
//! what the simulator does (event order, draws, or the journey), and that needs a deliberate
//! decision and a changelog line here, not a silent update of the numbers.
//!
//! To acknowledge a deliberate change of the golden summary, rewrite it and commit it with the
//! change that caused it:
//!
//!     PAYFAULT_BLESS=1 cargo test --release --test pinned_counts
//!
//! then read `git diff tests/golden/` (every number that moved, and only those, should be
//! explained by the change) and add a line to the changelog on `GOLDEN_SUMMARY` below.

use payfault::engine::MINUTE;
use payfault::engine::rng::{self, KeyedWords, Stream};
use payfault::model::{self, NoTrace, Outcome};
use payfault::runner::{BatchOptions, run_batch};
use payfault::scenario::{self, Limits};
use serde_json::Value;
use std::path::Path;
use std::sync::atomic::AtomicBool;

mod common;

use common::load;

fn counts(path: &str, window_min: u64) -> (u64, u64, u64, [u64; Outcome::COUNT]) {
    let mut s = scenario::load(path.as_ref(), &Limits::default()).unwrap();
    s.traffic_window = window_min * MINUTE;
    let out = model::simulate(&s, 1, 0, &mut NoTrace).unwrap();
    let mut o = [0; Outcome::COUNT];
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
/// Issue 21.2 (the promise judged by the day, T+1 kept until 24:00 of the promised day): the
/// automatic horizon now lasts until the last sale's promise has come due, an hour after the
/// end of day 2 instead of an hour after its 09:00 credit, so one more (empty) cut-off falls
/// inside it, at 22:00 on day 2: events 41995 -> 41996 and 1655877 -> 1655878. Same postings
/// and outcomes (every payout here is credited at 09:00 of its T+1 day, on time either way).
/// Issue 25 (fees): a ninth outcome, paid short (a merchant credited less than its agreement),
/// appended to `Outcome::ALL`; these scenarios have no `[fees]`, so it is 0 and nothing else
/// moved. Issue 25 (transaction types): a tenth and an eleventh outcome, voided and refunded
/// (`[transactions]`), appended; 0 here, nothing else moved.
const PIPELINE: (u64, u64, u64, [u64; Outcome::COUNT]) =
    (41996, 6002, 5999, [5999, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
const OUTAGE: (u64, u64, u64, [u64; Outcome::COUNT]) = (
    1655878,
    126900,
    147311,
    [126777, 0, 20510, 0, 0, 0, 24, 0, 0, 0, 0],
);

/// The first words of the named random streams, through the crate's API: ChaCha8 keyed by
/// `(master seed, run, "payfault")` with the FNV-1a hash of the stream's name as its stream
/// number (`Stream`), and the per-payment words (`KeyedWords`: SplitMix64 seeded by a stream's
/// first word). Recorded 2026-11-26 and checked against an independent implementation of
/// ChaCha8 (Bernstein's quarter round, 8 rounds, 64-bit counter and 64-bit stream number, as
/// `rand_chacha` lays them out) and of SplitMix64. A change here changes every result: it needs
/// the changelog line of the counts above.
#[test]
fn random_generator_first_values() {
    assert_eq!(rng::stream_id("arrivals/shops"), 0x0758_96cd_7d7a_5001);
    let first = |master, run, name: &str, n| -> Vec<u64> {
        let mut s = Stream::new(master, run, name);
        (0..n).map(|_| s.next_u64()).collect()
    };
    assert_eq!(
        first(1, 0, "arrivals/pos", 4),
        [
            14_095_764_714_169_918_083,
            12_004_231_508_410_946_241,
            7_225_063_134_752_042_416,
            16_926_574_234_580_582_649
        ],
        "the ChaCha8 stream changed"
    );
    assert_eq!(
        first(42, 7, "latency/pos-gateway/up", 2),
        [12_958_135_486_267_294_101, 6_591_435_630_837_532_670],
        "the ChaCha8 stream changed"
    );
    // Past the first 64-byte block (words 16 to 19): the block counter.
    assert_eq!(
        first(3, 2, "x", 20)[16..],
        [
            9_976_239_547_785_074_919,
            4_480_696_806_839_739_486,
            17_929_104_917_016_837_353,
            12_284_458_908_308_795_291
        ],
        "the ChaCha8 stream changed"
    );
    let w = KeyedWords::new(1, 0, "payments/pos");
    assert_eq!(
        [w.word(0, 0), w.word(0, 1), w.word(0, 2), w.word(1000, 63)],
        [
            16_730_923_330_253_124_888,
            3_356_379_100_477_785_791,
            14_678_793_566_519_949_003,
            6_335_119_168_432_862_756
        ],
        "the per-payment words changed"
    );
    // Words into values: uniform in (0, 1), a chance, an index.
    let u = rng::unit(w.word(0, 0));
    assert_eq!(u, ((w.word(0, 0) >> 12) as f64 + 0.5) / (1u64 << 52) as f64);
    assert_eq!(rng::below(w.word(0, 1), 1000), 181);
    let mut s = Stream::new(1, 0, "arrivals/pos");
    assert_eq!(
        s.uniform(),
        (14_095_764_714_169_918_083u64 >> 11) as f64 / (1u64 << 53) as f64
    );
}

/// The golden summary: the complete `summary.json` of tests/golden/summary_small.toml (three
/// runs of two minutes, every stage of the journey; a fraction of a second).
const GOLDEN_SCENARIO: &str = "tests/golden/summary_small.toml";
/// Changelog of the golden summary, one line per deliberate change (date, issue, what moved and
/// why): 2026-11-26, issue 12: recorded. Issue 21.2 (the promise judged by the day): nothing
/// moved (its horizon is set by the 3-day correction of returned payouts, past the promise, and
/// its late payouts are the returned ones, late by days). 2026-12-06, issue 21.3 (an outcome's
/// cause is the one that produced it): a chargeback whose payout had first bounced off a wrong
/// account moves from `wrong_account` to `fraud` (chargebacks 3.33 -> 3.67 a run, amount
/// 92.42 -> 94.56), and every cause gains `also` (0 but `wrong_account`, 0.33). Issue 21.5
/// (terminals keep their reversal until acknowledged) and 21.1 (the books' fixes): nothing
/// else moved; the pinned outage run keeps old terminals explicitly (`until = "attempts"`).
/// Issue 22: a new metric `loss_total` (money not arrived + charged without sale + charged
/// twice, plus `cost_total` under `[costs]`), the objective compare ranks designs by; no
/// simulated number moved. Issue 22.1: every summary names its interval method (`ci_method`)
/// and its `warnings`; counts and amounts get quasi-Poisson intervals (wider at 3 runs, e.g.
/// declined [115.3, 208.4] instead of Student's), figures never seen a rule-of-three upper
/// bound instead of [0, 0], metrics whose mechanism is off `null` with `off`; a new count
/// `payouts` (the denominator of payout_return_share). Means, spreads, min and max unchanged.
/// 2026-12-07, issue 24: the normal quantile became Wichura's AS 241 (equal to statrs'
/// erfc_inv to 1e-14 relative), the queue keeps its lanes' minimum and arrivals got lanes;
/// nothing here moved. The report's example stories of scenarios over about 330,000 payments
/// a run changed on purpose (they came from a sampled census; now from the candidates the
/// batch keeps: see `runner::replay::pick`); report.html is not pinned here.
/// Issue 25 (fees): new metrics, all `off` here (no `[fees]`): the outcome `paid_short` with
/// its amount, `merchant_fees_amount`, `net_paid_amount`, `acquirer_revenue_amount`,
/// `interchange_amount`, `scheme_fees_amount`, `paid_short_shortfall_amount`. Nothing moved.
/// 2026-12-07, issue 25 (disputes): new metrics, all `off` here (no `[disputes]`):
/// `disputes`, `disputes_time_barred`, `retrieval_requests`, `retrievals_unanswered`,
/// `retrievals_resolved`, `chargebacks_fraud`, `_processing`, `_late_presentment`, `_goods`,
/// `representments`, `representments_won`, `disputes_open`; five new fixed causes (`wrong_pin`,
/// `expired_card`, `processing_error`, `late_presentment`, `goods_dispute`) with their zero
/// counts. Nothing moved (the issuers' new 54/55 shares default to 0).
/// Issue 25 (QR aggregators): new metrics `qr_payments`, `qr_notifications_lost`, `qr_queries`,
/// `qr_resolved_by_query`, `qr_paid_not_shown`, all `off` here (no `[channels.qr]`). Nothing
/// moved.
/// Issue 25 (merchant limits): a new metric `merchant_limit_declines`, `off` here; a new fixed
/// cause `merchant_limit` (after `observation_ended`), which never struck here. Nothing moved.
/// Issue 25 (D+1 payouts): `d0_payouts` counts D+1 advances too; its `off` reason reads
/// "payouts are not advanced (D+0, D+1)". Nothing else moved.
/// Issue 25 (the payout channel, personal accounts): new metrics `payout_orders`,
/// `payout_status_unknown`, `payout_inquiries`, `payout_resends`, `duplicate_payouts`,
/// `duplicate_payout_amount`, `duplicate_payout_open_amount`, `duplicates_recovered`,
/// `payouts_over_account_cap`, all `off` here; new fixed causes `payout_unknown` and
/// `account_cap`, which never struck here. Nothing moved. Then `pos_batch_mismatches` and
/// `pos_batch_mismatch_amount` (terminal batch settlement), `off` here. Nothing moved.
/// Issue 25 (voids and refunds, `[transactions]`): the outcomes `voided` and `refunded` with
/// their amounts, and `voids`, `voids_refused`, `voids_unanswered`, `merchant_refunds`,
/// `merchant_refund_amount`, `refunds_refused`, `refunds_unanswered`, `refunds_netted`,
/// `refunds_credited`, all `off` here. Nothing moved.
/// Then `pos_batch_reversals` (the batch upload, `settlement.pos_batch_upload`), `off` here;
/// a cause's outcome metric (`causes.<cause>.<outcome>`) is `off` when its outcome is (here
/// `paid_short`, `voided`, `refunded`). Nothing moved. Then pre-authorisations: `preauths`,
/// `preauth_completions`, `preauth_expired`, `completions_unanswered`, all `off` here, and a
/// new fixed cause `preauth_expired` (after `account_cap`), which never struck. Nothing moved.
/// 2026-12-07, issue 25 (duplicates disputed): a new metric `chargebacks_duplicate`, `off` here
/// (no `[disputes]`). Nothing moved.
/// Issue 26 (costs over the traffic day): `server_hours` and `server_hours.<station>` count the
/// servers over the traffic window (2 minutes here), not the whole observation: 1484 -> 0.467
/// in all, e.g. 212 -> 0.067 for a station of 2 servers. Nothing else moved.
/// 2026-12-08, issue 26 (one denominator in the report): a new metric `settled_on_time_share`
/// (settled on time over every payment's outcome), 0.804 here. Nothing moved.
const GOLDEN_SUMMARY: &str = "tests/golden/summary_small.json";

const BLESS: &str = "PAYFAULT_BLESS=1 cargo test --release --test pinned_counts";

#[test]
fn golden_summary_small() {
    let s = load(GOLDEN_SCENARIO);
    let opts = BatchOptions {
        runs: s.runs,
        seed: s.seed,
        threads: 2,
    };
    let b = run_batch(&s, &opts, &AtomicBool::new(false), |_, _| Ok(()), |_| {}).unwrap();
    let got = payfault::report::summary_json(&b);
    let path = Path::new(GOLDEN_SUMMARY);
    if std::env::var_os("PAYFAULT_BLESS").is_some_and(|v| !v.is_empty() && v != "0") {
        std::fs::write(path, &got).unwrap();
        eprintln!(
            "wrote {GOLDEN_SUMMARY}: review `git diff tests/golden/` and add a changelog line"
        );
        return;
    }
    let want = std::fs::read_to_string(path)
        .unwrap_or_else(|e| {
            panic!("cannot read {GOLDEN_SUMMARY} ({e}); write it with\n    {BLESS}")
        })
        .replace("\r\n", "\n");
    if got == want {
        return;
    }
    let parsed = |text: &str| serde_json::from_str::<Value>(text).unwrap();
    let mut moved = vec![];
    differences("", &parsed(&want), &parsed(&got), &mut moved);
    let shown = moved.len().min(20);
    panic!(
        "the summary of {GOLDEN_SCENARIO} is not the golden one ({GOLDEN_SUMMARY}): {} \
         value(s) moved{}:\n  {}{}\n\nIf the change is deliberate (the engine, the model or a \
         dependency changed what a run does), acknowledge it: rewrite the golden file with\n    \
         {BLESS}\nreview `git diff tests/golden/`, and add a line to the changelog on GOLDEN_SUMMARY in \
         tests/pinned_counts.rs saying what moved and why. Otherwise the change is a bug.",
        moved.len(),
        if moved.is_empty() {
            " (only the text's layout differs)"
        } else {
            ""
        },
        moved[..shown].join("\n  "),
        if moved.len() > shown { "\n  ..." } else { "" }
    );
}

/// The paths at which two JSON values differ, with both values (`was -> now`).
fn differences(path: &str, was: &Value, now: &Value, out: &mut Vec<String>) {
    match (was, now) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, va) in a {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                match b.get(k) {
                    Some(vb) => differences(&p, va, vb, out),
                    None => out.push(format!("{p}: {va} -> (gone)")),
                }
            }
            for (k, vb) in b {
                if !a.contains_key(k) {
                    let p = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    out.push(format!("{p}: (new) -> {vb}"));
                }
            }
        }
        _ if was != now => out.push(format!("{path}: {was} -> {now}")),
        _ => {}
    }
}

#[test]
fn golden_differences_name_what_moved() {
    let was = serde_json::json!({"metrics": {"a": {"mean": 1.0}, "b": 2}, "gone": 1});
    let now = serde_json::json!({"metrics": {"a": {"mean": 1.5}, "b": 2}, "new": true});
    let mut d = vec![];
    differences("", &was, &now, &mut d);
    assert_eq!(
        d,
        [
            "gone: 1 -> (gone)",
            "metrics.a.mean: 1.0 -> 1.5",
            "new: (new) -> true"
        ]
    );
}

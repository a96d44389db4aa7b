//! Random valid scenarios with faults and strategies switched on at random: every run conserves
//! money, classifies each payment once, settles nothing twice (all checked inside `simulate`),
//! produces no NaN or infinity, and gives the same output on one thread or two.

use payfault::engine::{DAY, HOUR, MILLI, MINUTE, SECOND};
use payfault::metrics;
use payfault::model::{self, NoTrace, Outcome};
use payfault::runner::{BatchOptions, run_batch};
use payfault::scenario::strategies::upkeep::{AutoscaleSpec, SafBlocking, UpkeepSpec};
use payfault::scenario::{
    self, ChannelSpec, Component, Dist, FaultEffect, FaultKind, FaultSpec, FaultTarget, IssuerSpec,
    Length, LinkDirection, LinkRef, OutageMode, ReversalSpec, ReversalUntil, RiskAction, RiskSpec,
    Scenario, Timing, UpgradeFailure,
};
use proptest::prelude::*;

#[path = "../common/mod.rs"]
mod common;
mod faults;
use common::{cases, seed};
use faults::{Pick, network_fault, population_fault};
use std::sync::atomic::AtomicBool;

fn dist() -> impl Strategy<Value = Dist> {
    prop_oneof![
        (0u64..200).prop_map(|ms| Dist::Constant((ms * MILLI) as f64)),
        (1u64..300).prop_map(|ms| Dist::Exponential {
            mean: (ms * MILLI) as f64
        }),
        (0u64..100, 0u64..200).prop_map(|(a, w)| Dist::Uniform {
            lo: (a * MILLI) as f64,
            width: (w * MILLI) as f64
        }),
        (1u64..100, 1u64..20).prop_map(|(med, k)| Dist::LogNormal {
            mu: ((med * MILLI) as f64).ln(),
            sigma: k as f64 / 10.0
        }),
    ]
}

/// A fault's timing: scheduled, recurring, stochastic, until repaired, or from its start on.
fn timing() -> impl Strategy<Value = Timing> {
    (0..5usize, 0u64..180, 1u64..90).prop_map(|(t, start, len)| {
        let fixed = Length::Fixed(len * MINUTE);
        let repaired = Length::Repaired {
            detection: len * MINUTE / 2,
            repair: Dist::Exponential {
                mean: (len * MINUTE) as f64,
            },
        };
        let (length, repeat, mtbf) = match t {
            0 => (fixed, None, None),
            1 => (fixed, Some((len + 30) * MINUTE), None),
            2 => (
                repaired,
                None,
                Some(Dist::Exponential {
                    mean: (2 * HOUR) as f64,
                }),
            ),
            3 => (repaired, None, None),
            _ => (Length::Forever, None, None),
        };
        Timing {
            start: start * MINUTE,
            length,
            repeat,
            mtbf,
        }
    })
}

/// A fault of any kind on any target it can strike.
fn fault(channels: usize, issuers: usize) -> impl Strategy<Value = FaultSpec> {
    (
        0..21usize,
        0..8usize,
        0.0..1.0f64,
        0..3usize,
        timing(),
        dist(),
    )
        .prop_map(move |(kind, k, x, m, timing, d)| {
            let pick = Pick {
                k,
                x,
                m,
                channels,
                issuers,
            };
            let (kind, target, effect) = if kind < 9 {
                network_fault(kind, &pick, d)
            } else {
                population_fault(kind, &pick, d)
            };
            // Terminal hardware draws its own failures per terminal: its window is fixed.
            let timing = if kind == FaultKind::TerminalHardware {
                Timing {
                    mtbf: None,
                    ..timing
                }
            } else {
                timing
            };
            FaultSpec {
                id: format!("fault-{kind:?}"),
                kind,
                target,
                timing,
                effect,
            }
        })
}

/// Upkeep strategies at random (each off in some cases): autoscaling of up to the first three
/// stations, a support desk, a Luhn check, review SLAs, store-and-forward attempts and
/// blocking. `stations` is the number of stations.
fn upkeep(stations: usize) -> impl Strategy<Value = UpkeepSpec> {
    let scale = (
        0u32..8,
        1u32..4,
        0.3..1.0f64,
        0.0..1.0f64,
        10u64..300,
        0u64..900,
    );
    (
        proptest::collection::vec(proptest::option::of(scale), stations.min(3)),
        proptest::option::of(1u64..72),
        proptest::option::of(0.0..1.0f64),
        proptest::option::of(1u64..48),
        proptest::option::of(1u32..5),
        proptest::option::of((0.0..0.5f64, 1u64..180)),
    )
        .prop_map(
            move |(scales, support, luhn, sla, attempts, blocking)| UpkeepSpec {
                autoscale: (0..stations)
                    .map(|i| {
                        scales.get(i).copied().flatten().map(
                            |(more, step, above, below, check_s, delay_s)| AutoscaleSpec {
                                base: 0, // set from the station below
                                max: more,
                                step,
                                above,
                                below: below * above,
                                check: check_s * SECOND,
                                delay: delay_s * SECOND,
                            },
                        )
                    })
                    .collect(),
                support: support.map(|h| h * HOUR),
                luhn_catch: luhn,
                risk_review_sla: sla.map(|h| h * HOUR),
                merchant_review_sla: sla.map(|h| h * HOUR),
                saf_attempts: attempts,
                saf_blocking: blocking.map(|(share, min)| SafBlocking {
                    bad_record_share: share,
                    unblock_after: min * MINUTE,
                }),
            },
        )
}

/// Guards at random: (failover mode, echo interval and timeout in seconds, breaker (where,
/// failure rate, window, min calls, open for in seconds, trial calls), shedding, a channel
/// bulkhead, an issuer bulkhead, announced outages, a routing table with backups).
type Guards = (
    u8,
    (u64, u64),
    Option<(u8, f64, u32, u32, u64, u32)>,
    bool,
    Option<u32>,
    Option<u32>,
    bool,
    bool,
);

fn guard(channels: usize, issuers: usize) -> impl Strategy<Value = Guards> {
    let _ = (channels, issuers);
    (
        0u8..4,
        (1u64..60, 1u64..60),
        proptest::option::of((0u8..3, 0.05..1.0f64, 1u32..40, 1u32..40, 1u64..120, 1u32..8)),
        any::<bool>(),
        proptest::option::of(1u32..40),
        proptest::option::of(1u32..40),
        any::<bool>(),
        any::<bool>(),
    )
}

fn apply_guard(s: &mut Scenario, g: Guards) {
    use payfault::scenario::strategies::guard::{BreakerAt, BreakerSpec, FailoverMode, GuardSpec};
    let (mode, (interval, timeout), breaker, shedding, cb, ib, announced, routing) = g;
    let (nc, ni) = (s.channels.len(), s.issuers.len());
    let mut spec = GuardSpec::off(nc, ni);
    spec.failover.mode = [
        FailoverMode::None,
        FailoverMode::Refusal,
        FailoverMode::HealthCheck,
        FailoverMode::Observed,
    ][mode as usize];
    spec.failover.echo_interval = interval.max(timeout) * SECOND;
    spec.failover.echo_timeout = timeout.min(interval) * SECOND;
    spec.failover.announced = announced;
    spec.breaker = breaker.map(|(at, rate, window, min, open, half)| BreakerSpec {
        at: [BreakerAt::Acquirer, BreakerAt::Channel, BreakerAt::Both][at as usize],
        failure_rate: rate,
        window,
        min_calls: min.min(window),
        open_for: open * SECOND,
        half_open_calls: half,
    });
    spec.shedding = shedding;
    spec.channel_bulkhead[0] = cb;
    spec.issuer_bulkhead[ni - 1] = ib;
    for (k, f) in s.faults.iter().enumerate() {
        if let (FaultEffect::Outage { .. }, FaultTarget::Station(Component::Channel(c))) =
            (&f.effect, &f.target)
        {
            spec.announced.push((k, *c));
        }
    }
    if routing && nc > 1 {
        s.routing = Some(
            (0..ni)
                .map(|i| payfault::scenario::RouteSpec {
                    channel: i % nc,
                    backup: Some((i + 1) % nc),
                })
                .collect(),
        );
    }
    s.strategy.guard = spec;
}

/// The rest of the path at random, each on or off: per channel the message flow (with
/// UnionPay's codes on a single-message channel) and the
/// channel's issuer timeout with or without stand-in; the acquirer's timeout and its
/// store-and-forward; clearing-file faults and a settlement bank's down day; the payout
/// (wrong accounts, D+0 with or without a cap, the receiving bank's maintenance window);
/// merchant risk; reconciliation; who bears fraud; a peak hour.
type Postauth = (
    Vec<(bool, Option<(u64, Option<(i64, u64, u64)>)>)>,
    Option<u64>,
    Option<(u64, u64)>,
    (f64, f64, Option<u64>),
    (f64, u64, bool, Option<i64>, Option<(u64, u64)>),
    Option<(Option<i64>, bool, Option<u32>, f64, u64)>,
    Option<(u64, u64, u64, u64)>,
    (usize, Option<(u64, u64, f64)>),
);

fn postauth(channels: usize) -> impl Strategy<Value = Postauth> {
    let stand_in = (1i64..50_000, 1u64..120, 1u64..120);
    (
        proptest::collection::vec(
            (
                any::<bool>(),
                proptest::option::of((1u64..40, proptest::option::of(stand_in))),
            ),
            channels,
        ),
        proptest::option::of(1u64..60),
        proptest::option::of((1u64..60, 1u64..120)),
        (0.0..0.3f64, 0.0..0.3f64, proptest::option::of(0u64..3)),
        (
            prop_oneof![Just(0.0), 0.0..0.2f64],
            1u64..72,
            any::<bool>(),
            proptest::option::of(1i64..200_000),
            proptest::option::of((0u64..24, 1u64..180)),
        ),
        proptest::option::of((
            proptest::option::of(1i64..50_000),
            any::<bool>(),
            proptest::option::of(1u32..20),
            0.0..0.2f64,
            1u64..48,
        )),
        proptest::option::of((0u64..24, 1u64..48, 0u64..24, 1u64..24)),
        (
            0..3usize,
            proptest::option::of((0u64..23, 1u64..4, 1.0..4.0f64)),
        ),
    )
}

fn apply_postauth(s: &mut Scenario, p: Postauth) {
    use payfault::scenario::{
        CodeSet, Liability, MerchantRiskSpec, MessageFlow, PayoutSchedule, ReconSpec, SafSpec,
        StandInSpec,
    };
    let (chans, acquirer, saf, (reject, late, down), payout, mrisk, recon, (liab, peak)) = p;
    let (wrong, correction, ..) = payout;
    for (k, (c, (single, timeout))) in s.channels.iter_mut().zip(chans).enumerate() {
        // A single-message channel answers in UnionPay's codes (98 on its issuer timeout).
        (c.flow, c.codes) = if single {
            (MessageFlow::Single, CodeSet::UnionPay)
        } else {
            (MessageFlow::Dual, CodeSet::Iso)
        };
        // The first single-message channel is a QR aggregator in a third of the scenarios:
        // many notifications lost, queried or not, on a grid that may outlast the till.
        c.qr = (single && k == 0 && correction % 3 == 1).then(|| payfault::scenario::qr::QrSpec {
            notify_loss: 0.2 + wrong,
            query_interval: (1 + correction % 40) * SECOND,
            query_attempts: (correction % 4) as u8,
        });
        c.issuer_timeout = timeout.map(|(t, _)| t * SECOND);
        c.stand_in = timeout
            .and_then(|(_, si)| si)
            .map(|(limit, every, expiry)| StandInSpec {
                limit,
                advice_interval: every * SECOND,
                advice_expiry: expiry * MINUTE,
            });
    }
    if s.strategy.acquirer_timeout.is_none() {
        s.strategy.acquirer_timeout = acquirer.map(|t| t * SECOND);
    }
    s.strategy.saf = saf.map(|(every, expiry)| SafSpec {
        interval: every * SECOND,
        expiry: expiry * MINUTE,
    });
    s.settlement.file_reject_share = reject;
    s.settlement.file_late_share = late;
    s.settlement.bank_down = down.into_iter().collect();
    let (wrong, correction, d0, cap, maintenance) = payout;
    s.payout.wrong_account_share = wrong;
    s.payout.correction_delay = correction * HOUR;
    // Half the advancing scenarios pay D+1 instead of D+0 (by the correction delay's parity,
    // which keeps the strategy's shape); account verification off, half or whole by its
    // remainder by 3.
    s.payout.schedule = match (d0, correction % 2) {
        (false, _) => PayoutSchedule::T1,
        (true, 0) => PayoutSchedule::D0,
        (true, _) => PayoutSchedule::D1,
    };
    if s.payout.schedule == PayoutSchedule::D1 {
        s.payout.d0_promise = payfault::scenario::promise::Promise::Natural { days: 1, by: DAY };
    }
    s.payout.account_verification = (correction % 3) as f64 / 2.0;
    // A return delay in some: hours, so that some returns outlast observation.
    s.payout.return_delay = (correction % 4 == 0).then_some(Dist::Exponential {
        mean: (6 * HOUR) as f64,
    });
    // A payout channel in a fifth: a slow one, with many unknowns, inquiring or re-sending.
    s.payout.channel =
        (correction % 5 == 1).then_some(payfault::scenario::payout_channel::PayoutChannelSpec {
            latency: Dist::Exponential {
                mean: (20 * MINUTE) as f64,
            },
            unknown_share: 0.3,
            unknown_executed: 0.5,
            inquiry: correction % 2 == 0,
            inquiry_interval: 10 * MINUTE,
            resend_after: 15 * MINUTE,
            max_orders: 3,
        });
    // The terminals' batch settlement in a third.
    s.settlement.pos_batch = correction % 3 == 2;
    // Half of those with the batch upload that reverses what the till never showed.
    s.settlement.pos_batch_upload = s.settlement.pos_batch && correction % 2 == 0;
    // Voids and refunds in a quarter: many, some after the cut-off, some before settlement.
    s.transactions =
        (correction % 4 == 2).then_some(payfault::scenario::transactions::TransactionsSpec {
            void_share: 0.1,
            void_after: Dist::Exponential {
                mean: (2 * HOUR) as f64,
            },
            refund_share: 0.2,
            refund_after: Dist::Exponential {
                mean: (36 * HOUR) as f64,
            },
            preauth_share: 0.2,
            complete_after: Dist::Exponential {
                mean: (60 * HOUR) as f64,
            },
        });
    // The dispute cycle in a fifth, short enough to run its course: every reason, retrieval
    // requests, representments; late presentment in half of those.
    s.disputes = (correction % 5 == 3).then(|| payfault::scenario::disputes::DisputesSpec {
        goods_share: 0.05,
        processing_share: 0.03,
        duplicate_share: 0.7,
        late_presentment: (correction % 2 == 0).then_some(30 * HOUR),
        late_presentment_share: 0.5,
        fraud_after: Dist::Exponential {
            mean: (2 * DAY) as f64,
        },
        dispute_after: Dist::Exponential { mean: DAY as f64 },
        time_limit: 5 * DAY,
        retrieval_share: 0.5,
        retrieval_deadline: 12 * HOUR,
        merchant_answers: 0.5,
        answer_resolves: 0.5,
        represent_share: 0.5,
        representment_time: DAY,
        represent_wins: 0.5,
    });
    // Personal accounts with a small daily cap in a seventh.
    s.payout.personal_account_share = if correction % 7 == 3 { 0.5 } else { 0.0 };
    s.payout.personal_daily_cap = 20_000;
    // Class III accounts beside them in a third of those, and alone in another seventh.
    s.payout.class3_account_share = match correction % 7 {
        3 if correction % 3 == 0 => 0.3,
        5 => 0.4,
        _ => 0.0,
    };
    s.payout.class3_daily_cap = 8_000;
    s.payout.d0_daily_cap = cap.filter(|_| d0);
    s.payout.bank_maintenance = maintenance
        .map(|(h, m)| (h * HOUR, (h * HOUR + m * MINUTE) % DAY))
        .into_iter()
        .collect();
    s.merchant_risk = mrisk.map(
        |(large, night, count, misfire, review_h)| MerchantRiskSpec {
            large_sale: large,
            night: night.then_some((22 * HOUR, 6 * HOUR)),
            daily_count: count,
            misfire_share: misfire,
            review_time: Dist::Exponential {
                mean: (review_h * HOUR) as f64,
            },
        },
    );
    s.reconciliation = recon.map(|(at, every, detect, repair)| ReconSpec {
        at: at * HOUR,
        interval: every * HOUR,
        detection_delay: detect * HOUR,
        repair_time: repair * HOUR,
        // Against the scheme's file only in half (the dual-message holds it cannot see).
        source: if at % 2 == 0 {
            payfault::scenario::ReconSource::Records
        } else {
            payfault::scenario::ReconSource::SchemeFile
        },
    });
    s.liability = [Liability::Merchant, Liability::Acquirer, Liability::Issuer][liab];
    s.terminals[0].peak = peak.map(|(h, len, x)| (h * HOUR, ((h + len) * HOUR).min(DAY), x));
}

prop_compose! {
    fn random_scenario()(
        channels in 1..4usize,
        issuers in 1..4usize,
    )(
        window_min in 10u64..120,
        rate in 1u32..20,
        services in proptest::collection::vec((1u32..20, dist()), 1 + channels + issuers),
        weights in proptest::collection::vec(0u32..5, channels + issuers),
        losses in proptest::collection::vec(prop_oneof![Just(0.0), 0.0..0.2f64], 3),
        faults in proptest::collection::vec(fault(channels, issuers), 0..4),
        timeout_s in 1u64..60,
        reversal in proptest::option::of((1u32..5, 1u64..120, any::<bool>())),
        risk in proptest::option::of((0.0..0.3f64, 0.0..1.0f64, 0.0..0.2f64, any::<bool>(), 1u64..48)),
        fraud in 0.0..0.05f64,
        hold_h in 1u64..240,
        observation_h in proptest::option::of(1u64..60),
        start_weekday in 0u8..7,
        frozen in 0.0..0.2f64,
        dnh in 0.0..0.2f64,
        miskey in 0.0..0.1f64,
        lag in 0u32..3,
        channels in Just(channels),
        issuers in Just(issuers),
        upkeep in upkeep(1 + channels + issuers),
        guard in guard(channels, issuers),
        retry in proptest::option::of((any::<bool>(), 2u32..5, any::<bool>(), 0..3usize, proptest::option::of(0.0..0.5f64), prop_oneof![Just(0.0), 0.0..0.6f64])),
        post in postauth(channels),
        fees in proptest::option::of((0u32..20_000, 0u32..5_000, 0.0..1.0f64, proptest::option::of(1i64..5_000), any::<bool>())),
        limits in (proptest::option::of(1i64..50_000), proptest::option::of(1i64..500_000)),
    ) -> Scenario {
        let mut s = scenario::baseline();
        s.traffic_window = window_min * MINUTE;
        s.observation = observation_h.map(|h| s.traffic_window + h * HOUR);
        s.start_weekday = start_weekday;
        s.terminals[0].rate = rate as f64;
        s.terminals[0].hourly = [1.0; 24];
        s.terminals[0].miskey_share = miskey;
        s.fraud_share = fraud;
        s.gateway.servers = services[0].0;
        s.gateway.service = services[0].1.clone();
        let chan0 = s.channels[0].clone();
        s.channels = (0..channels).map(|c| {
            let mut ch: ChannelSpec = chan0.clone();
            ch.station.id = format!("ch{c}");
            ch.station.servers = services[1 + c].0;
            ch.station.service = services[1 + c].1.clone();
            ch.weight = weights[c] as f64 + if c == 0 { 1.0 } else { 0.0 };
            ch
        }).collect();
        let iss0 = s.issuers[0].clone();
        s.issuers = (0..issuers).map(|i| {
            let mut is: IssuerSpec = iss0.clone();
            is.station.id = format!("iss{i}");
            is.station.servers = services[1 + channels + i].0;
            is.station.service = services[1 + channels + i].1.clone();
            is.share = weights[channels + i] as f64 + if i == 0 { 1.0 } else { 0.0 };
            is.hold_expiry = hold_h * HOUR;
            is.accounts.count = 500;
            is.accounts.frozen_share = frozen;
            is.do_not_honour_share = dnh;
            is
        }).collect();
        let link = s.links.terminal[0].clone();
        s.links.terminal[0].loss = losses[0];
        s.links.gateway_channel = (0..channels).map(|_| { let mut l = link.clone(); l.loss = losses[1]; l }).collect();
        s.links.channel_issuer = (0..channels).map(|_| (0..issuers).map(|_| { let mut l = link.clone(); l.loss = losses[2]; l }).collect()).collect();
        s.faults = faults;
        s.strategy.terminal_timeout = timeout_s * SECOND;
        s.strategy.reversal = reversal.map(|(attempts, interval, keep)| ReversalSpec {
            attempts,
            interval: interval * SECOND,
            until: if keep { ReversalUntil::Acknowledged } else { ReversalUntil::Attempts },
        });
        s.risk = risk.map(|(_, det, fp, review, delay)| RiskSpec {
            detection_rate: det,
            false_positive_rate: fp,
            action: if review { RiskAction::Review } else { RiskAction::Decline },
            review_delay: delay * HOUR,
        });
        s.settlement.lag_days = lag;
        s.upkeep = upkeep;
        let servers: Vec<u32> = s.stations().iter().map(|st| st.servers).collect();
        for (a, base) in s.upkeep.autoscale.iter_mut().zip(servers) {
            if let Some(a) = a {
                a.max += base; // `max` was drawn as the room above the base
                a.base = base;
            }
        }
        apply_guard(&mut s, guard);
        if let Some((acquirer, attempts, idem, jitter, budget, again)) = retry {
            use payfault::scenario::strategies::retry::{Backoff, IdempotencySpec, Jitter, RetryLayer};
            let r = &mut s.strategy.retry;
            r.layer = if acquirer { RetryLayer::Acquirer } else { RetryLayer::Terminal };
            r.attempts = attempts;
            r.backoff = if jitter == 1 { Backoff::Constant } else { Backoff::Exponential };
            r.base = SECOND;
            r.max_backoff = 10 * SECOND;
            r.jitter = [Jitter::None, Jitter::Full, Jitter::Decorrelated][jitter];
            r.budget = budget.map(|b| (b, 3.0));
            if acquirer {
                s.strategy.acquirer_timeout = Some(timeout_s * SECOND * 2 / 3 + MILLI);
            }
            s.strategy.idempotency = idem.then_some(IdempotencySpec { retention: DAY });
            s.strategy.cardholder.pay_again_share = again;
        }
        apply_postauth(&mut s, post);
        apply_fees(&mut s, fees);
        (s.terminals[0].sale_limit, s.terminals[0].daily_limit) = limits;
        assert!(payfault::scenario::calendar::horizon(&s) < 40 * DAY);
        s
    }
}

/// `[fees]` at random: a discount rate, a D+0 surcharge, a credit-card share, a cap per sale;
/// the other rates China's defaults or, half the time, an interchange above the discount (the
/// acquirer's revenue negative). A scenario with a mis-set fee fault always has fees.
fn apply_fees(s: &mut Scenario, fees: Option<(u32, u32, f64, Option<i64>, bool)>) {
    use payfault::scenario::fees::{Discount, FeeSpec};
    let fee_fault = s
        .faults
        .iter()
        .any(|f| f.kind == FaultKind::FeeMisconfigured);
    let (mdr, d0, credit, cap, dear) = match fees {
        Some(f) => f,
        None if fee_fault => (6_000, 0, 0.4, None, false),
        None => return,
    };
    s.fees = Some(FeeSpec {
        discount: vec![Discount { ppm: mdr, cap }; s.terminals.len()],
        d0_extra_ppm: d0,
        interchange_debit_ppm: if dear { 30_000 } else { 3_500 },
        interchange_debit_cap: Some(1_300),
        interchange_credit_ppm: 4_500,
        scheme_ppm: 325,
        scheme_cap: Some(325),
        credit_share: credit,
    });
}

/// A violation's message with the story of the payment it names, up to the violation.
fn with_story(s: &Scenario, seed: u64, msg: &str) -> String {
    let serial = msg
        .split("payment #")
        .nth(1)
        .and_then(|r| r.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|x| x.parse::<u64>().ok());
    let Some(serial) = serial else {
        return msg.to_string();
    };
    let lang = payfault::i18n::Lang::En;
    let (recorded, _) = payfault::runner::replay::record_until_violation(s, seed, 0, &[serial]);
    let stories = payfault::report::story::tell(s, seed, &recorded, lang);
    let told: String = stories
        .iter()
        .map(|st| payfault::report::story::text(st, lang))
        .collect();
    format!("{msg}\n{told}")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(48), failure_persistence: None, rng_seed: seed(), ..ProptestConfig::default() })]

    #[test]
    fn random_scenarios_keep_every_invariant(s in random_scenario(), seed in any::<u64>()) {
        let out = model::simulate(&s, seed, 0, &mut NoTrace).map_err(|v| TestCaseError::fail(with_story(&s, seed, &v.to_string())))?;
        let total: u64 = Outcome::ALL.iter().map(|&o| out.count(o)).sum();
        prop_assert_eq!(total + out.attempts_without_outcome, out.payments + out.retry_attempts);
        prop_assert!(out.duplicate_charges <= out.payments);
        prop_assert!(out.false_declines <= out.count(Outcome::Declined));
        if s.observation.is_none() {
            prop_assert_eq!(out.count(Outcome::Pending), 0, "the default observation leaves nothing pending");
        }
        let catalogue = metrics::Catalogue::for_scenario(&s);
        for (m, v) in catalogue.metrics.iter().zip(catalogue.values(&out)) {
            if let Some(x) = v {
                prop_assert!(x.is_finite(), "{} = {}", m.name, x);
                // A metric marked off ("its mechanism is off", metrics::applies) never moves.
                prop_assert!(m.off.is_none() || x == 0.0, "{} = {} though off: {:?}", m.name, x, m.off);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(8), failure_persistence: None, rng_seed: seed(), ..ProptestConfig::default() })]

    #[test]
    fn random_scenarios_are_thread_count_independent(s in random_scenario(), seed in any::<u64>()) {
        // Runs twice, four runs each: bounded in traffic and horizon, so that a case costs
        // seconds, not the hours a 19/s gateway hang with reversals until acknowledged takes.
        let mut s = s;
        s.terminals[0].rate = s.terminals[0].rate.min(4.0);
        s.observation = Some(s.observation.unwrap_or(u64::MAX).min(s.traffic_window + 6 * HOUR));
        let batch = |threads| {
            let mut rows = vec![];
            let b = run_batch(&s, &BatchOptions { runs: 4, seed, threads }, &AtomicBool::new(false), |run, v| {
                rows.push((run, format!("{v:?}")));
                Ok(())
            }, |_| {}).unwrap();
            (rows, format!("{:?}", b.summaries), b.settle_delay_ms.len())
        };
        prop_assert_eq!(batch(1), batch(2));
    }
}

//! What one run measured: the per-run result type the model fills and the metrics read. It
//! holds counts, amounts, histograms and station statistics, nothing of the model's insides.

use crate::engine::Nanos;
use hdrhistogram::Histogram;

/// Settlement delays are recorded in milliseconds up to 1000 days.
pub const SETTLE_DELAY_MAX_MS: u64 = 1000 * 86_400_000;
/// Authorisation latencies are recorded in microseconds up to one day.
pub const AUTH_LATENCY_MAX_US: u64 = 86_400_000_000;
/// Significant figures of every histogram.
pub const HIST_SIGFIG: u8 = 3;

pub fn settle_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, SETTLE_DELAY_MAX_MS, HIST_SIGFIG).expect("valid histogram bounds")
}

pub fn latency_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, AUTH_LATENCY_MAX_US, HIST_SIGFIG).expect("valid histogram bounds")
}

/// Everything one run measured.
#[derive(Clone, Debug)]
pub struct RunOutput {
    pub run: u64,
    pub seed: u64,
    pub horizon: Nanos,
    pub payments: u64,
    /// Count and amount per outcome, indexed like [`Outcome::ALL`].
    pub outcomes: [u64; Outcome::COUNT],
    pub outcome_amounts: [i64; Outcome::COUNT],
    pub false_declines: u64,
    /// Age at the end of observation of the oldest sale the till approved whose money did not
    /// reach the merchant, nanoseconds (0 when there is none).
    pub not_arrived_oldest: Nanos,
    /// Money issuers still hold at the end of observation for classified payments.
    pub held_at_end: i64,
    /// Money in the acquirer's suspense account at the end of observation (returned payouts).
    pub suspense_at_end: i64,
    /// Payouts to merchants made after settlement, and those returned (wrong accounts).
    pub payouts: u64,
    pub payouts_returned: u64,
    /// The payout channel (`[payout.channel]`): orders sent (re-sends included), answered
    /// "status unknown", status inquiries, orders sent again, duplicate payouts (count and
    /// amount) and those reconciliation took back.
    pub payout_orders: u64,
    /// Terminal batch settlements at the cut-off that did not balance with the host, and the
    /// amounts they differed by (`settlement.pos_batch`).
    pub pos_batch_mismatches: u64,
    pub pos_batch_mismatch_amount: i64,
    /// Sales the host reversed after a terminal's batch upload (`settlement.pos_batch_upload`).
    pub pos_batch_reversals: u64,
    /// The merchants' voids (`[transactions]`): accepted, refused by the host (already
    /// cleared, or no such approval), and sent without an answer reaching the till.
    pub voids: u64,
    pub voids_refused: u64,
    pub voids_unanswered: u64,
    /// The merchants' refunds: accepted (and their gross), refused (not settled, or no such
    /// sale), sent without an answer, taken from a merchant already paid (netted from its
    /// later payouts), and credited to the cardholder within observation.
    pub merchant_refunds: u64,
    pub merchant_refund_amount: i64,
    pub refunds_refused: u64,
    pub refunds_unanswered: u64,
    pub refunds_netted: u64,
    pub refunds_credited: u64,
    /// Pre-authorisations the till approved (`preauth_share`), those completed in time, those
    /// that expired first, and completions whose answer never reached the till.
    pub preauths: u64,
    pub preauth_completions: u64,
    pub preauth_expired: u64,
    pub completions_unanswered: u64,
    /// The dispute cycle (`[disputes]`): disputes raised, barred by the time limit,
    /// retrieval requests (those unanswered by the deadline, those the slip settled),
    /// chargebacks by reason family (fraud, processing errors, late presentment, goods or
    /// services), representments and those the issuer accepted, disputes still open at the end.
    pub disputes: u64,
    pub disputes_time_barred: u64,
    pub retrieval_requests: u64,
    pub retrievals_unanswered: u64,
    pub retrievals_resolved: u64,
    pub chargebacks_by: [u64; 5],
    pub representments: u64,
    pub representments_won: u64,
    pub disputes_open: u64,
    /// QR payments through an aggregator (`[channels.qr]`): payments, notifications lost,
    /// status queries sent and those that found the answer, and payments the wallet paid that
    /// the merchant's till never showed approved.
    pub qr_payments: u64,
    pub qr_notifications_lost: u64,
    pub qr_queries: u64,
    pub qr_resolved_by_query: u64,
    pub qr_paid_not_shown: u64,
    /// Payouts a personal Class II account returned over its daily inflow cap.
    pub payouts_over_account_cap: u64,
    pub payout_status_unknown: u64,
    pub payout_inquiries: u64,
    pub payout_resends: u64,
    pub duplicate_payouts: u64,
    pub duplicate_payout_amount: i64,
    pub duplicates_recovered: u64,
    /// Books of the payout channel: duplicates still with the merchants, and money that left
    /// the acquirer for extra orders and has not come back.
    pub duplicate_open: i64,
    pub rail_extra_out: i64,
    /// Reversals sent from the acquirer host's store-and-forward queue, and those given up.
    pub saf_sent: u64,
    pub saf_expired: u64,
    pub holds_expired: u64,
    pub timeouts: u64,
    pub late_answers: u64,
    pub reversals_sent: u64,
    pub messages_lost: u64,
    /// Messages a fault delivered twice; junk requests (attacks, duplicates) served.
    pub duplicates: u64,
    pub junk_requests: u64,
    /// Sales a terminal could not take (down, or failing software), and payments whose
    /// terminal crashed after the issuer approved.
    pub terminal_refusals: u64,
    pub terminal_crashes: u64,
    /// Sales carrying bad input from a fault (14, 30, 54, 55).
    pub bad_input: u64,
    pub risk_declines: u64,
    /// Sales the acquirer declined over a merchant's limit (per sale or per day).
    pub merchant_limit_declines: u64,
    pub risk_reviews: u64,
    /// Upkeep strategies: servers ordered by autoscaling (scale-ups), mis-keyed numbers caught
    /// by the terminal's Luhn check, reviews escalated at their SLA, merchant support cases,
    /// bad records in store-and-forward and sends they held up.
    pub scale_ups: u64,
    pub luhn_catches: u64,
    pub review_sla_breaches: u64,
    pub support_cases: u64,
    pub saf_bad_records: u64,
    pub saf_blocked: u64,
    /// Late responses refused with 68 (by the acquirer or a channel after giving up).
    pub late_refused: u64,
    /// Requests re-sent to a backup channel after the primary refused.
    pub failovers: u64,
    /// Guards (`remedies::guard`): requests routed around an announced outage; echoes sent and
    /// failed; channels marked down and the time they spent down (summed over channels);
    /// breakers opened, requests they refused, and the time breakers spent not closed (summed
    /// over breakers); requests a bulkhead refused and the most in flight at any bulkhead;
    /// queued requests shed.
    pub routed_around: u64,
    pub echoes_sent: u64,
    pub echoes_failed: u64,
    pub channels_marked_down: u64,
    pub channel_down_time: Nanos,
    pub breaker_opens: u64,
    pub breaker_fast_fails: u64,
    pub breaker_open_time: Nanos,
    pub bulkhead_rejections: u64,
    pub bulkhead_in_flight_max: u64,
    pub requests_shed: u64,
    pub acquirer_timeouts: u64,
    pub channel_timeouts: u64,
    /// Stand-in approvals by a channel, and its 0120 advices sent and given up.
    pub stand_ins: u64,
    pub advices_sent: u64,
    pub advices_expired: u64,
    /// Posted debits refunded by a reversal after posting; merchants debited to fund one.
    pub refunds: u64,
    pub merchant_debits: u64,
    /// Clearing files rejected, and late (each delays the batches waiting on it).
    pub files_rejected: u64,
    pub files_late: u64,
    /// Presentments with no hold to match at the issuer (the exception queue).
    pub exceptions: u64,
    /// Payouts that waited for the receiving bank's maintenance window.
    pub payouts_delayed: u64,
    /// D+0 payouts made, and sales over the merchant's daily cap.
    pub advances: u64,
    pub d0_over_cap: u64,
    /// Approvals whose payout merchant risk control held; held frauds refunded.
    pub merchant_holds: u64,
    pub merchant_fraud_refunds: u64,
    /// Chargeback amounts borne by the merchant, the acquirer and the issuer (indexed like
    /// `scenario::Liability`).
    pub chargeback_loss: [i64; 3],
    /// Money in the merchant-risk hold account at the end, and the acquirer's own balance.
    pub risk_hold_at_end: i64,
    /// Payouts to wrong accounts still on the payout rail at the end (`return_delay`).
    pub rail_at_end: i64,
    pub acquirer_at_end: i64,
    /// Breaks found by reconciliation, by kind (phantom charge, reversal mismatch, unmatched
    /// presentment, returned payout); breaks repaired; breaks still open at the end, by kind.
    pub breaks_found: [u64; 4],
    pub breaks_repaired: u64,
    pub breaks_open: [u64; 4],
    /// Sum and maximum of the age of repaired breaks at their repair (from when they arose).
    pub repaired_age_sum: u128,
    pub repaired_age_max: Nanos,
    /// Age at the end of the oldest break still open.
    pub open_break_oldest: Nanos,
    /// Count and amount per outcome of the payments of each cause (indexed like
    /// `model::cause::names`; settled-on-time payments are not counted).
    pub by_cause: Vec<[(u64, i64); Outcome::COUNT]>,
    /// Per cause: payments it struck whose outcome is counted against another cause.
    pub cause_also: Vec<u64>,
    /// Candidate example payments for the report's stories: the payments that did not settle
    /// on time, in the order their outcomes were judged, at most [`EXEMPLARS_PER_CAUSE`] per
    /// cause and outcome. Kept while the run runs (a push per bad outcome, until its pair has enough), so
    /// the stories need no census of the run afterwards.
    pub exemplars: Exemplars,
    /// Retries sent (new records of a sale), and retries the budget refused.
    pub retry_attempts: u64,
    pub retries_denied_by_budget: u64,
    /// Superseded attempts of retried sales in which nobody's money moved: they record no
    /// outcome (so outcomes + these = payments + retry_attempts).
    pub attempts_without_outcome: u64,
    /// Purchases whose cardholder's money was taken more than once at the end, and the money
    /// taken beyond the first time (minor units).
    pub duplicate_charges: u64,
    pub duplicate_charge_amount: i64,
    /// Requests answered from their idempotency key (the acquirer's record or the issuer's
    /// first decision) instead of being decided again.
    pub idempotent_replays: u64,
    /// Sales the cardholder made again after the till showed a failure.
    pub cardholder_repeats: u64,
    /// Sum of merchant credits over finished payments.
    pub merchant_credited: i64,
    /// `[fees]`: the splits of the sales whose money left the acquirer towards their
    /// merchants (paid out, held for review or returned), summed; and by how much the
    /// merchants paid short fell below their agreements.
    pub fees: crate::scenario::fees::Split,
    pub shortfall: i64,
    /// Sale-to-credit delay of settled payments, milliseconds.
    pub settle_delay_ms: Histogram<u64>,
    /// Sale-to-answer time at the terminal, microseconds.
    pub auth_latency_us: Histogram<u64>,
    pub stations: Vec<(String, StationStats)>,
    pub events: u64,
    pub postings: u64,
}

impl RunOutput {
    pub fn new(run: u64, seed: u64) -> Self {
        RunOutput {
            run,
            seed,
            horizon: 0,
            payments: 0,
            outcomes: [0; Outcome::COUNT],
            outcome_amounts: [0; Outcome::COUNT],
            false_declines: 0,
            fees: Default::default(),
            shortfall: 0,
            not_arrived_oldest: 0,
            held_at_end: 0,
            suspense_at_end: 0,
            payouts: 0,
            payouts_returned: 0,
            payout_orders: 0,
            pos_batch_mismatches: 0,
            pos_batch_mismatch_amount: 0,
            pos_batch_reversals: 0,
            voids: 0,
            voids_refused: 0,
            voids_unanswered: 0,
            merchant_refunds: 0,
            merchant_refund_amount: 0,
            refunds_refused: 0,
            refunds_unanswered: 0,
            refunds_netted: 0,
            refunds_credited: 0,
            preauths: 0,
            preauth_completions: 0,
            preauth_expired: 0,
            completions_unanswered: 0,
            disputes: 0,
            disputes_time_barred: 0,
            retrieval_requests: 0,
            retrievals_unanswered: 0,
            retrievals_resolved: 0,
            chargebacks_by: [0; 5],
            representments: 0,
            representments_won: 0,
            disputes_open: 0,
            qr_payments: 0,
            qr_notifications_lost: 0,
            qr_queries: 0,
            qr_resolved_by_query: 0,
            qr_paid_not_shown: 0,
            payouts_over_account_cap: 0,
            payout_status_unknown: 0,
            payout_inquiries: 0,
            payout_resends: 0,
            duplicate_payouts: 0,
            duplicate_payout_amount: 0,
            duplicates_recovered: 0,
            duplicate_open: 0,
            rail_extra_out: 0,
            saf_sent: 0,
            saf_expired: 0,
            holds_expired: 0,
            timeouts: 0,
            late_answers: 0,
            reversals_sent: 0,
            messages_lost: 0,
            duplicates: 0,
            junk_requests: 0,
            terminal_refusals: 0,
            terminal_crashes: 0,
            bad_input: 0,
            risk_declines: 0,
            merchant_limit_declines: 0,
            risk_reviews: 0,
            scale_ups: 0,
            luhn_catches: 0,
            review_sla_breaches: 0,
            support_cases: 0,
            saf_bad_records: 0,
            saf_blocked: 0,
            late_refused: 0,
            failovers: 0,
            routed_around: 0,
            echoes_sent: 0,
            echoes_failed: 0,
            channels_marked_down: 0,
            channel_down_time: 0,
            breaker_opens: 0,
            breaker_fast_fails: 0,
            breaker_open_time: 0,
            bulkhead_rejections: 0,
            bulkhead_in_flight_max: 0,
            requests_shed: 0,
            acquirer_timeouts: 0,
            channel_timeouts: 0,
            stand_ins: 0,
            advices_sent: 0,
            advices_expired: 0,
            refunds: 0,
            merchant_debits: 0,
            files_rejected: 0,
            files_late: 0,
            exceptions: 0,
            payouts_delayed: 0,
            advances: 0,
            d0_over_cap: 0,
            merchant_holds: 0,
            merchant_fraud_refunds: 0,
            chargeback_loss: [0; 3],
            rail_at_end: 0,
            risk_hold_at_end: 0,
            acquirer_at_end: 0,
            breaks_found: [0; 4],
            breaks_repaired: 0,
            breaks_open: [0; 4],
            repaired_age_sum: 0,
            repaired_age_max: 0,
            open_break_oldest: 0,
            by_cause: vec![],
            cause_also: vec![],
            exemplars: Exemplars::default(),
            retry_attempts: 0,
            retries_denied_by_budget: 0,
            attempts_without_outcome: 0,
            duplicate_charges: 0,
            duplicate_charge_amount: 0,
            idempotent_replays: 0,
            cardholder_repeats: 0,
            merchant_credited: 0,
            settle_delay_ms: settle_histogram(),
            auth_latency_us: latency_histogram(),
            stations: vec![],
            events: 0,
            postings: 0,
        }
    }

    pub fn count(&self, o: Outcome) -> u64 {
        self.outcomes[o as usize]
    }

    pub fn amount(&self, o: Outcome) -> i64 {
        self.outcome_amounts[o as usize]
    }

    pub fn record_outcome(&mut self, o: Outcome, amount: i64, false_decline: bool, credited: i64) {
        self.outcomes[o as usize] += 1;
        self.outcome_amounts[o as usize] += amount;
        self.false_declines += false_decline as u64;
        self.merchant_credited += credited;
    }

    pub fn record_outcomes(&mut self, o: Outcome, n: u64, amount: i64, credited: i64) {
        self.outcomes[o as usize] += n;
        self.outcome_amounts[o as usize] += amount;
        self.merchant_credited += credited;
    }

    /// Counts payments of an outcome against their cause.
    pub fn record_cause(&mut self, cause: u8, o: Outcome, n: u64, amount: i64) {
        if o != Outcome::SettledOnTime {
            let c = &mut self.by_cause[cause as usize][o as usize];
            c.0 += n;
            c.1 += amount;
        }
    }

    /// Adds the fees of sales paid out.
    pub fn add_fees(&mut self, s: &crate::scenario::fees::Split) {
        self.fees += s;
    }

    pub fn record_settlement(&mut self, delay: Nanos) {
        self.settle_delay_ms
            .saturating_record((delay / 1_000_000).max(1));
    }
}

/// The most candidate example payments a run keeps per cause and outcome
/// ([`RunOutput::exemplars`]): enough for the report's stories.
pub const EXEMPLARS_PER_CAUSE: u64 = 5;

/// A payment that did not settle on time: its serial, the cause its outcome is counted
/// against (indexed like `model::cause::names`) and the outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Exemplar {
    pub serial: u64,
    pub cause: u8,
    /// The payment's outcome, its index in [`Outcome::ALL`].
    pub outcome: u8,
}

/// A run's candidate example payments ([`RunOutput::exemplars`]).
#[derive(Clone, Debug, Default)]
pub struct Exemplars {
    /// In the order the payments' outcomes were judged.
    pub list: Vec<Exemplar>,
    /// How many of the list each cause has of each outcome (`cause * Outcome::COUNT + outcome`).
    per_pair: Vec<u8>,
    /// Nothing is kept: in a scenario that retries, attempts share their sale's serial and the
    /// story of a serial ends with its last attempt's outcome, which only a census of the run
    /// knows.
    pub off: bool,
}

impl Exemplars {
    /// The candidates of a run of `s` (kept unless `s` retries: see [`Exemplars::off`]).
    pub fn for_scenario(s: &crate::scenario::Scenario) -> Self {
        Exemplars {
            off: s.strategy.retry.on(),
            ..Exemplars::default()
        }
    }

    /// Keeps payment `serial`, which did not settle on time because of `cause` and ended
    /// `outcome`, while that cause has fewer than [`EXEMPLARS_PER_CAUSE`] of that outcome (so a
    /// rare bad outcome of a common cause still has its candidates).
    #[inline]
    pub fn offer(&mut self, serial: u64, cause: u8, outcome: Outcome) {
        if self.off {
            return;
        }
        let o = outcome as usize;
        let at = cause as usize * Outcome::COUNT + o;
        if at >= self.per_pair.len() {
            self.per_pair.resize(at + 1, 0);
        }
        if u64::from(self.per_pair[at]) < EXEMPLARS_PER_CAUSE {
            self.per_pair[at] += 1;
            self.list.push(Exemplar {
                serial,
                cause,
                outcome: o as u8,
            });
        }
    }
}

/// The one outcome of a payment, judged at the end of observation from its three views: what
/// the till showed, what happened to the cardholder's money, and to the merchant's
/// (docs/background.md, outcomes; docs/scenarios.md defines each in plain words).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    /// The till approved; the merchant was credited by the promised date.
    SettledOnTime,
    /// The till approved; the merchant was credited, after the promised date.
    SettledLate,
    /// The till showed a decline or no answer, and nobody's money moved.
    Declined,
    /// The till showed a decline or no answer; the cardholder's money was held, then returned.
    Reversed,
    /// The till approved, and the merchant was not credited by the end of observation although
    /// the promised date had passed: the money did not arrive.
    NotArrived,
    /// The till showed a decline or no answer, yet the cardholder's money is held or taken at
    /// the end of observation (a phantom charge; the cardholder has likely paid again).
    ChargedWithoutSale,
    /// A fraudulent payment was approved and credited; the cardholder disputes it and a
    /// chargeback takes the money back.
    Chargeback,
    /// Still in its normal settlement cycle when observation ends (the default observation
    /// period makes this zero).
    Pending,
    /// The till approved and the merchant was credited, but less than its agreement says (a
    /// mis-set fee rate): on time or late, the amount that arrived is wrong.
    PaidShort,
    /// The till approved, then the merchant voided the sale the same day: the cardholder's
    /// money went back and the merchant was not paid (`[transactions]`).
    Voided,
    /// The till approved and the sale settled, then the merchant refunded it: the merchant's
    /// money was taken back, and goes (or went) to the cardholder (`[transactions]`).
    Refunded,
}

impl Outcome {
    pub const COUNT: usize = 11;
    pub const ALL: [Outcome; Outcome::COUNT] = [
        Outcome::SettledOnTime,
        Outcome::SettledLate,
        Outcome::Declined,
        Outcome::Reversed,
        Outcome::NotArrived,
        Outcome::ChargedWithoutSale,
        Outcome::Chargeback,
        Outcome::Pending,
        Outcome::PaidShort,
        Outcome::Voided,
        Outcome::Refunded,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Outcome::SettledOnTime => "settled_on_time",
            Outcome::SettledLate => "settled_late",
            Outcome::Declined => "declined",
            Outcome::Reversed => "reversed",
            Outcome::NotArrived => "not_arrived",
            Outcome::ChargedWithoutSale => "charged_without_sale",
            Outcome::Chargeback => "chargeback",
            Outcome::Pending => "pending",
            Outcome::PaidShort => "paid_short",
            Outcome::Voided => "voided",
            Outcome::Refunded => "refunded",
        }
    }

    /// The name of its metrics in reports (`<metric>` count and `<metric>_amount`).
    pub fn metric(self) -> &'static str {
        match self {
            Outcome::Chargeback => "chargebacks",
            o => o.name(),
        }
    }
}

/// What one run measured at one station.
#[derive(Clone, Debug, Default)]
pub struct StationStats {
    /// Requests that arrived (and were admitted) during the traffic window.
    pub arrivals_in_window: u64,
    /// Requests that arrived during the traffic window and started service, and the sum of
    /// their waits in queue.
    pub started: u64,
    pub wait_sum: u128,
    /// Time-averages over the traffic window.
    pub mean_queue_len: f64,
    pub utilization: f64,
    /// Messages this station dropped or refused during an outage.
    pub outage_hits: u64,
    /// Servers provisioned (base plus those added by autoscaling) times hours, over the
    /// traffic window.
    pub server_hours: f64,
}

impl StationStats {
    pub fn mean_wait_s(&self) -> Option<f64> {
        (self.started > 0).then(|| self.wait_sum as f64 / self.started as f64 / 1e9)
    }
}

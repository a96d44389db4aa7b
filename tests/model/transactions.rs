//! The merchants' voids and refunds (`[transactions]`). Expectations from the scenario's own
//! parameters: each share of the sales the till approved, the cut-off that ends a void's day,
//! the settlement a refund needs, and the terminal's batch totals a lost void answer leaves
//! out of balance. Every run checks the books (`simulate` fails on a violation).

use payfault::model::{self, NoTrace, Outcome, RunOutput};
use payfault::scenario::Scenario;

use crate::common::{self, FLAT, QUIET_PATH, binomial_ok, count};

/// 100 terminals, 60 sales an hour each for 4 hours on Monday on a path that never fails;
/// cut-off 22:00, T+1 (Tuesday 09:00); observed 8 days; `extra` TOML after the path (a
/// `[transactions]`).
fn scen(extra: &str) -> Scenario {
    scen_for(extra, "8d")
}

fn scen_for(extra: &str, observation: &str) -> Scenario {
    let text = format!(
        "name = \"transactions\"\n\
         [simulation]\nruns = 1\nseed = 5\ntraffic_window = \"4h\"\nstart_weekday = \"monday\"\n\
         observation = \"{observation}\"\n\
         [[terminals]]\nid = \"shops\"\ncount = 100\nrate = \"60/h\"\n\
         amount = {{ kind = \"uniform\", min = \"1.00\", max = \"100.00\" }}\n\
         miskey_share = 0.0\nprofile = {FLAT}\n\
         {QUIET_PATH}{extra}"
    );
    common::parse(&text, "transactions")
}

fn run(s: &Scenario, r: u64) -> RunOutput {
    model::simulate(s, 17, r, &mut NoTrace).unwrap_or_else(|v| panic!("run {r}: {v}"))
}

#[test]
fn voids_and_refunds_follow_their_shares_and_end_as_their_own_outcomes() {
    // Voids a few minutes after the sale (before the cut-off); refunds 3 to 4 days later
    // (after Tuesday's settlement, inside observation).
    let s = scen(
        "[transactions]\nvoid_share = 0.05\nrefund_share = 0.1\n\
         refund_after = { kind = \"uniform\", min = \"3d\", max = \"4d\" }\n",
    );
    for r in 0..2 {
        let o = run(&s, r);
        let sales = o.payments;
        assert!(sales > 20_000, "{sales}");
        assert!(binomial_ok(o.voids, sales, 0.05), "{} of {sales}", o.voids);
        assert!(binomial_ok(o.merchant_refunds, sales, 0.1));
        // Nothing is refused, every answer arrives, every refund reaches the cardholder.
        assert_eq!((o.voids_refused, o.voids_unanswered), (0, 0));
        assert_eq!((o.refunds_refused, o.refunds_unanswered), (0, 0));
        assert_eq!(o.refunds_credited, o.merchant_refunds);
        // The merchant was paid (Tuesday) before the refund: netted from later payouts.
        assert_eq!(o.refunds_netted, o.merchant_refunds);
        // Each ends as its own outcome, with its gross.
        assert_eq!(count(&o, Outcome::Voided), o.voids);
        assert_eq!(count(&o, Outcome::Refunded), o.merchant_refunds);
        assert_eq!(
            o.outcome_amounts[Outcome::Refunded as usize],
            o.merchant_refund_amount
        );
        assert_eq!(
            count(&o, Outcome::SettledOnTime) + o.voids + o.merchant_refunds,
            sales
        );
    }
}

#[test]
fn without_transactions_every_sale_settles_and_nothing_is_counted() {
    let o = run(&scen(""), 0);
    assert_eq!(count(&o, Outcome::SettledOnTime), o.payments);
    assert_eq!(o.voids + o.voids_refused + o.merchant_refunds, 0);
    assert_eq!(o.refunds_refused, 0);
}

#[test]
fn a_void_after_the_cut_off_is_refused_and_so_is_a_refund_before_settlement() {
    // Sales at 0–4 h; each void 20 h later, at 20–24 h: those of sales before 02:00 come
    // before the 22:00 cut-off (accepted), the others after it (refused, 12): half each.
    // Refunds 20 h after the sale come before Tuesday's 09:00 settlement: all refused (25).
    let s = scen(
        "[transactions]\nvoid_share = 0.1\nrefund_share = 0.1\n\
         void_after = { kind = \"constant\", value = \"20h\" }\n\
         refund_after = { kind = \"constant\", value = \"20h\" }\n",
    );
    let o = run(&s, 0);
    let voids = o.voids + o.voids_refused;
    assert!(binomial_ok(voids, o.payments, 0.1));
    assert!(binomial_ok(o.voids, voids, 0.5), "{} of {voids}", o.voids);
    assert!(binomial_ok(o.refunds_refused, o.payments, 0.1));
    assert_eq!(o.merchant_refunds, 0);
    // A refused void or refund leaves its sale as it was: settled on time.
    assert_eq!(count(&o, Outcome::Voided), o.voids);
    assert_eq!(count(&o, Outcome::SettledOnTime) + o.voids, o.payments);
}

/// Voids 90 minutes after the sale, with the terminal batch settlement; the host's answers on
/// the terminal link are lost with `loss` from 4 h on (after the last sale's answer).
fn lost_void_answers(loss: f64) -> Scenario {
    scen(&format!(
        "[settlement]\npos_batch = true\n\
         [transactions]\nvoid_share = 0.05\n\
         void_after = {{ kind = \"constant\", value = \"90m\" }}\n\
         [[faults]]\nid = \"lossy\"\nkind = \"loss\"\ntarget = \"shops-gateway\"\n\
         direction = \"down\"\nstart = \"4h\"\nduration = \"2h\"\nprobability = {loss}\n"
    ))
}

#[test]
fn a_void_answered_leaves_both_batches_and_a_lost_answer_unbalances_its_terminal() {
    let o = run(&lost_void_answers(0.0), 0);
    assert!(o.voids > 1000);
    // Out of the host's open batch and out of the terminal's totals alike.
    assert_eq!((o.pos_batch_mismatches, o.voids_unanswered), (0, 0));

    let o = run(&lost_void_answers(1.0), 0);
    // The voids of the last 1.5 of the 4 hours' sales are answered after 4 h: all lost.
    assert!(binomial_ok(o.voids_unanswered, o.voids, 1.5 / 4.0));
    // The host voided them; the terminals still count them: each such terminal is out.
    assert!(o.pos_batch_mismatches > 0);
    assert!(o.pos_batch_mismatches <= o.voids_unanswered.min(100));
    assert!(o.pos_batch_mismatch_amount > 0);
    assert!(o.pos_batch_mismatch_amount <= o.outcome_amounts[Outcome::Voided as usize]);
    assert_eq!(count(&o, Outcome::Voided), o.voids);
}

#[test]
fn a_void_whose_reversal_is_lost_leaves_the_cardholder_charged_until_reconciliation() {
    // No store-and-forward: the host reverses a voided sale with one 0420, lost on the way to
    // the channel from 4 h on. Those voids (of the last 1.5 of 4 hours' sales) keep the
    // cardholder's hold: a charge without a sale, until reconciliation releases it (observed
    // 3 days, inside the issuer's 7-day hold expiry, which would release it too).
    let base = "[strategy.saf]\nenabled = false\n\
         [transactions]\nvoid_share = 0.05\n\
         void_after = { kind = \"constant\", value = \"90m\" }\n\
         [[faults]]\nid = \"lossy\"\nkind = \"loss\"\ntarget = \"gateway-scheme\"\n\
         direction = \"up\"\nstart = \"4h\"\nduration = \"2h\"\nprobability = 1.0\n";
    let o = run(&scen_for(base, "3d"), 0);
    let stuck = count(&o, Outcome::ChargedWithoutSale);
    assert!(
        binomial_ok(stuck, o.voids, 1.5 / 4.0),
        "{stuck} of {}",
        o.voids
    );
    assert_eq!(count(&o, Outcome::Voided) + stuck, o.voids);

    let repaired = format!(
        "{base}[reconciliation]\nenabled = true\nat = \"06:00\"\ninterval = \"24h\"\n\
         detection_delay = \"1h\"\nrepair_time = \"1h\"\n"
    );
    let o = run(&scen_for(&repaired, "3d"), 0);
    assert_eq!(count(&o, Outcome::ChargedWithoutSale), 0);
    assert_eq!(count(&o, Outcome::Voided), o.voids);
    assert!(o.breaks_repaired >= stuck.saturating_sub(stuck / 5));
}

/// Pre-authorisations in half the payments, completed `after` the pre-authorisation; the
/// issuer's holds last 7 days (the default); observed `observation`; batch settlement on.
fn preauths(after: &str, observation: &str) -> Scenario {
    scen_for(
        &format!(
            "[settlement]\npos_batch = true\n\
             [transactions]\npreauth_share = 0.5\n\
             complete_after = {{ kind = \"constant\", value = \"{after}\" }}\n"
        ),
        observation,
    )
}

#[test]
fn a_pre_authorisation_completed_in_time_is_a_sale_paid_from_its_completion() {
    let o = run(&preauths("2d", "8d"), 0);
    assert!(binomial_ok(o.preauths, o.payments, 0.5), "{}", o.preauths);
    assert_eq!(o.preauth_completions, o.preauths);
    assert_eq!((o.preauth_expired, o.completions_unanswered), (0, 0));
    // Completed on Wednesday, paid T+1 from then: on time against the completion's promise.
    assert_eq!(count(&o, Outcome::SettledOnTime), o.payments);
    // The completion joins the terminal's totals and the host's batch alike.
    assert_eq!(o.pos_batch_mismatches, 0);
}

#[test]
fn a_completion_after_the_hold_expired_is_refused_and_the_merchant_never_paid() {
    let o = run(&preauths("8d", "10d"), 0);
    assert!(binomial_ok(o.preauths, o.payments, 0.5));
    assert_eq!(o.preauth_expired, o.preauths);
    assert_eq!(o.preauth_completions, 0);
    // Approved at the till, the hold released, the merchant never credited.
    assert_eq!(count(&o, Outcome::NotArrived), o.preauths);
    let expired = payfault::model::cause::id::PREAUTH_EXPIRED as usize;
    assert_eq!(
        o.by_cause[expired][Outcome::NotArrived as usize].0,
        o.preauths
    );
    assert_eq!(count(&o, Outcome::SettledOnTime) + o.preauths, o.payments);
}

#[test]
fn a_pre_authorisation_still_held_at_the_end_is_pending() {
    // Completions on day 5, observation ends on day 3, inside the holds' 7 days.
    let o = run(&preauths("5d", "3d"), 0);
    assert_eq!(count(&o, Outcome::Pending), o.preauths);
    assert_eq!(o.preauth_expired + o.preauth_completions, 0);
    assert_eq!(count(&o, Outcome::NotArrived), 0);
}

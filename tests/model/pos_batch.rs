//! The terminals' day-end batch settlement (批结算, `settlement.pos_batch`): each terminal's
//! totals of the day against the host's. Expectations from the scenario's own mechanism: with
//! responses lost on the way to the till and no reversals, exactly the sales the host approved
//! and the till never showed (charged without a sale) unbalance their terminals' batches.

use payfault::model::{self, NoTrace, Outcome, RunOutput};
use payfault::scenario::Scenario;

use crate::common::{self, FLAT, QUIET_PATH};

/// 100 terminals, 60 sales an hour each for 4 hours on Monday, batch settlement at the 22:00
/// cut-off, no reversals; `loss` of the host's answers on the terminal link.
fn scen(loss: f64) -> Scenario {
    scen_with(loss, false)
}

/// The same, with the batch upload (批上送) after a batch that did not balance, or without.
fn scen_with(loss: f64, upload: bool) -> Scenario {
    let text = format!(
        "name = \"pos_batch\"\n\
         [simulation]\nruns = 1\nseed = 5\ntraffic_window = \"4h\"\nstart_weekday = \"monday\"\n\
         [[terminals]]\nid = \"shops\"\ncount = 100\nrate = \"60/h\"\n\
         amount = {{ kind = \"uniform\", min = \"1.00\", max = \"100.00\" }}\n\
         miskey_share = 0.0\nprofile = {FLAT}\n\
         {QUIET_PATH}\
         [settlement]\npos_batch = true\npos_batch_upload = {upload}\n\
         [strategy.reversal]\nenabled = false\n\
         [[faults]]\nid = \"lossy\"\nkind = \"loss\"\ntarget = \"shops-gateway\"\n\
         direction = \"down\"\nstart = \"0h\"\nduration = \"30d\"\nprobability = {loss}\n"
    );
    common::parse(&text, "pos_batch")
}

fn run(s: &Scenario, r: u64) -> RunOutput {
    model::simulate(s, 31, r, &mut NoTrace).unwrap_or_else(|v| panic!("run {r}: {v}"))
}

#[test]
fn batches_are_out_of_balance_by_the_sales_the_till_never_showed() {
    for r in 0..2 {
        let o = run(&scen(0.05), r);
        let lost = o.outcomes[Outcome::ChargedWithoutSale as usize];
        assert!(lost > 0);
        // Each such sale is on the host's side only: the batches differ by exactly their amount.
        assert_eq!(
            o.pos_batch_mismatch_amount,
            o.outcome_amounts[Outcome::ChargedWithoutSale as usize]
        );
        // A terminal is out of balance if one of its sales was lost: at most one per sale, and
        // each of the 100 terminals very likely (about 12 lost answers each).
        assert!(o.pos_batch_mismatches <= lost.min(100));
        assert!(o.pos_batch_mismatches >= 90, "{}", o.pos_batch_mismatches);
    }
}

#[test]
fn without_lost_answers_every_batch_balances() {
    let o = run(&scen(0.0), 0);
    assert_eq!(
        (o.pos_batch_mismatches, o.pos_batch_mismatch_amount),
        (0, 0)
    );
    assert!(o.payments > 0);
}

#[test]
fn the_batch_upload_reverses_the_sales_the_till_never_showed() {
    for r in 0..2 {
        // The same payments and losses with and without the upload (common random numbers).
        let without = run(&scen_with(0.05, false), r);
        let with = run(&scen_with(0.05, true), r);
        let lost = without.outcomes[Outcome::ChargedWithoutSale as usize];
        assert!(lost > 500, "{lost}");
        assert_eq!(without.pos_batch_reversals, 0);
        // Every one of them is on an unbalanced terminal, found at Monday's cut-off, reversed
        // by the host before clearing, and its hold released: the cardholder is not charged.
        assert_eq!(with.pos_batch_reversals, lost);
        assert_eq!(with.outcomes[Outcome::ChargedWithoutSale as usize], 0);
        assert_eq!(
            with.outcomes[Outcome::Reversed as usize],
            without.outcomes[Outcome::Reversed as usize] + lost
        );
        // The batches were out of balance all the same: the upload follows the mismatch.
        assert_eq!(with.pos_batch_mismatches, without.pos_batch_mismatches);
    }
}

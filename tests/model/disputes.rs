//! The dispute cycle (`[disputes]`). Expectations from the scenario's own parameters: each
//! reason's share of the settled sales, the time limit against the delay's distribution, the
//! retrieval request's deadline and the merchant's answers, the representment's outcome, who
//! bears each reason, and late presentment against the clearing's lateness. Every run checks
//! the books (`simulate` fails on a violation).

use payfault::model::{self, NoTrace, Outcome, RunOutput};
use payfault::scenario::Scenario;

use crate::common::{self, FLAT, QUIET_PATH, binomial_ok, count};

/// 100 terminals, 60 sales an hour each for 4 hours on Monday 12 October 2026 on a path that never fails;
/// cut-off 22:00, T+1 (Tuesday 09:00), so every merchant is credited on Tuesday morning;
/// observed for `observation`; `extra` TOML after the path (a `[disputes]`).
fn scen(extra: &str, observation: &str) -> Scenario {
    let text = format!(
        "name = \"disputes\"\n\
         [simulation]\nruns = 1\nseed = 5\ntraffic_window = \"4h\"\nstart_date = \"2026-10-12\"\n\
         observation = \"{observation}\"\n\
         [[terminals]]\nid = \"shops\"\ncount = 100\nrate = \"60/h\"\n\
         amount = {{ kind = \"uniform\", min = \"1.00\", max = \"100.00\" }}\n\
         miskey_share = 0.0\nprofile = {FLAT}\n\
         {QUIET_PATH}{extra}"
    );
    common::parse(&text, "disputes")
}

fn run(s: &Scenario, r: u64) -> RunOutput {
    model::simulate(s, 17, r, &mut NoTrace).unwrap_or_else(|v| panic!("run {r}: {v}"))
}

/// The chargebacks counted against the cause `name` of `s`.
fn cause_count(s: &Scenario, o: &RunOutput, name: &str) -> u64 {
    let names = payfault::scenario::cause::names(s);
    let at = names.iter().position(|x| x == name).unwrap();
    o.by_cause[at][Outcome::Chargeback as usize].0
}

/// Goods and processing disputes 10 days after the credit, straight to a chargeback.
const DIRECT: &str = "[disputes]\ngoods_share = 0.02\nprocessing_share = 0.01\n\
     dispute_after = { kind = \"constant\", value = \"10d\" }\n";

#[test]
fn each_reason_follows_its_share_and_the_merchant_bears_it() {
    let o = run(&scen(DIRECT, "20d"), 0);
    let sales = o.payments;
    assert!(sales > 20_000, "{sales}");
    let [fraud, processing, late, goods, duplicate] = o.chargebacks_by;
    assert!(binomial_ok(goods, sales, 0.02), "{goods} of {sales}");
    assert!(binomial_ok(processing, sales, 0.01), "{processing}");
    assert_eq!((fraud, late, duplicate), (0, 0, 0));
    // Every dispute is raised (10 days < 120) and charged back at once; none is open.
    assert_eq!(o.disputes, goods + processing);
    assert_eq!((o.disputes_time_barred, o.disputes_open), (0, 0));
    assert_eq!((o.retrieval_requests, o.representments), (0, 0));
    // Each is its own outcome, borne by the merchant to the cent.
    assert_eq!(count(&o, Outcome::Chargeback), o.disputes);
    let amount = o.outcome_amounts[Outcome::Chargeback as usize];
    assert_eq!(o.chargeback_loss, [amount, 0, 0]);
    assert_eq!(count(&o, Outcome::SettledOnTime) + o.disputes, sales);
    // Counted against their causes.
    let s = scen(DIRECT, "20d");
    let by = |name: &str| cause_count(&s, &o, name);
    assert_eq!(by("goods_dispute"), goods);
    assert_eq!(by("processing_error"), processing);
}

#[test]
fn without_disputes_nothing_legitimate_is_charged_back() {
    let o = run(&scen("", "20d"), 0);
    assert_eq!(count(&o, Outcome::SettledOnTime), o.payments);
    assert_eq!(o.disputes + o.chargebacks_by.iter().sum::<u64>(), 0);
}

#[test]
fn the_time_limit_bars_the_disputes_drawn_after_it() {
    // Delays uniform over 10 to 20 days, limit 15 days: half are barred.
    let s = scen(
        "[disputes]\ngoods_share = 0.05\ntime_limit = \"15d\"\n\
         dispute_after = { kind = \"uniform\", min = \"10d\", max = \"20d\" }\n",
        "30d",
    );
    let o = run(&s, 0);
    let disputed = o.disputes + o.disputes_time_barred;
    assert!(binomial_ok(disputed, o.payments, 0.05));
    assert!(binomial_ok(o.disputes_time_barred, disputed, 0.5));
    assert_eq!(o.chargebacks_by[3], o.disputes);
}

#[test]
fn a_retrieval_request_unanswered_is_charged_back_at_its_deadline() {
    // Raised at day 10 (from Tuesday's credit), deadline 10 days: charged back by day 21.
    let unanswered = format!("{DIRECT}retrieval_share = 1.0\nmerchant_answers = 0.0\n");
    let retrieval = |deadline: &str, observation: &str| {
        let text = format!("{unanswered}retrieval_deadline = \"{deadline}\"\n");
        run(&scen(&text, observation), 0)
    };
    let o = retrieval("10d", "25d");
    assert!(o.disputes > 300);
    assert_eq!(o.retrieval_requests, o.disputes);
    assert_eq!(o.retrievals_unanswered, o.disputes);
    assert_eq!(count(&o, Outcome::Chargeback), o.disputes);
    // A deadline after the end of observation: every dispute is still open, nobody paid back.
    let o = retrieval("20d", "25d");
    assert_eq!(o.retrieval_requests, o.disputes);
    assert_eq!(o.disputes_open, o.disputes);
    assert_eq!(count(&o, Outcome::Chargeback) + o.retrievals_unanswered, 0);
    assert_eq!(count(&o, Outcome::SettledOnTime), o.payments);
}

#[test]
fn an_answered_retrieval_request_settles_its_share_of_the_disputes() {
    let text =
        format!("{DIRECT}retrieval_share = 0.5\nmerchant_answers = 1.0\nanswer_resolves = 0.4\n");
    let o = run(&scen(&text, "60d"), 0);
    assert!(binomial_ok(o.retrieval_requests, o.disputes, 0.5));
    assert!(binomial_ok(
        o.retrievals_resolved,
        o.retrieval_requests,
        0.4
    ));
    assert_eq!(o.retrievals_unanswered, 0);
    let charged: u64 = o.chargebacks_by.iter().sum();
    assert_eq!(charged + o.retrievals_resolved, o.disputes);
    assert_eq!(count(&o, Outcome::Chargeback), charged);
}

#[test]
fn a_representment_accepted_undoes_the_chargeback_and_one_refused_leaves_it() {
    let represent = |wins: f64| {
        let text = format!(
            "{DIRECT}represent_share = 1.0\nrepresent_wins = {wins}\n\
             representment_time = \"5d\"\n"
        );
        run(&scen(&text, "30d"), 0)
    };
    let o = represent(1.0);
    assert!(o.disputes > 300);
    assert_eq!(o.representments, o.disputes);
    assert_eq!(o.representments_won, o.disputes);
    // The cardholders are debited again: every sale stands, the merchants whole.
    assert_eq!(count(&o, Outcome::SettledOnTime), o.payments);
    assert_eq!(o.chargeback_loss, [0, 0, 0]);
    let o = represent(0.0);
    assert_eq!((o.representments, o.representments_won), (o.disputes, 0));
    assert_eq!(count(&o, Outcome::Chargeback), o.disputes);
    // Half-way: represented, not yet decided at the end (chargeback at day 11, decision
    // 5 days later, observation 14 days): still open, the chargeback standing meanwhile.
    let text = format!("{DIRECT}represent_share = 1.0\nrepresentment_time = \"5d\"\n");
    let o = run(&scen(&text, "14d"), 0);
    assert_eq!(o.disputes_open, o.disputes);
    assert_eq!(count(&o, Outcome::Chargeback), o.disputes);
}

/// Fraud of 1 payment in 100, approved (no risk engine), liability `liability`.
fn fraud(extra: &str, liability: &str) -> Scenario {
    let mut s = scen(extra, "60d");
    s.fraud_share = 0.01;
    s.liability = match liability {
        "merchant" => payfault::scenario::Liability::Merchant,
        _ => payfault::scenario::Liability::Acquirer,
    };
    s
}

#[test]
fn a_fraud_is_disputed_after_its_delay_and_a_won_representment_moves_it_to_the_issuer() {
    // Without [disputes] every fraud is charged back when its merchant is credited; with
    // them, the same frauds, 30 days later.
    let simple = run(&fraud("", "merchant"), 0);
    let frauds = count(&simple, Outcome::Chargeback);
    assert!(binomial_ok(frauds, simple.payments, 0.01), "{frauds}");
    let text = "[disputes]\nfraud_after = { kind = \"constant\", value = \"30d\" }\n";
    let o = run(&fraud(text, "merchant"), 0);
    assert_eq!(o.chargebacks_by, [frauds, 0, 0, 0, 0]);
    assert_eq!(o.chargeback_loss, simple.chargeback_loss);
    // The acquirer bears it, represents every one, and wins: the issuer bears it in the end
    // and the outcome stays a chargeback (the real cardholder keeps the refund).
    let text =
        format!("{text}represent_share = 1.0\nrepresent_wins = 1.0\nrepresentment_time = \"5d\"\n");
    let o = run(&fraud(&text, "acquirer"), 0);
    let amount = o.outcome_amounts[Outcome::Chargeback as usize];
    assert_eq!(o.representments_won, frauds);
    assert_eq!(o.chargeback_loss, [0, 0, amount]);
    assert_eq!(count(&o, Outcome::Chargeback), frauds);
}

#[test]
fn a_late_presentment_is_charged_back_to_the_acquirer() {
    // Normal clearing pays Monday's sales on Tuesday 09:00 (under 2 days); with Monday's file
    // rejected, with Tuesday's, on Wednesday 09:00 (over 2 days).
    let late_share = |rejected: &str, share: f64| {
        let text = format!(
            "[settlement]\nfile_rejected = [{rejected}]\n\
             [disputes]\nlate_presentment = \"2d\"\nlate_presentment_share = {share}\n\
             dispute_after = {{ kind = \"constant\", value = \"5d\" }}\n"
        );
        let s = scen(&text, "20d");
        (run(&s, 0), s)
    };
    let late = |rejected: &str| late_share(rejected, 1.0);
    let (o, _) = late("");
    assert_eq!(o.chargebacks_by, [0, 0, 0, 0, 0]);
    let (o, s) = late("\"2026-10-12\"");
    assert_eq!(o.chargebacks_by, [0, 0, o.payments, 0, 0]);
    let amount = o.outcome_amounts[Outcome::Chargeback as usize];
    assert_eq!(o.chargeback_loss, [0, amount, 0]);
    // The acquirer bore it: the merchant keeps its money; the cause is the late presentment.
    assert_eq!(cause_count(&s, &o, "late_presentment"), o.payments);
    // Only the issuers' share of them (accounts closed or in bad standing).
    let (o, _) = late_share("\"2026-10-12\"", 0.3);
    assert!(binomial_ok(o.chargebacks_by[2], o.payments, 0.3));
}

#[test]
fn the_trace_tells_the_dispute_cycle_step_by_step() {
    // Every goods dispute begins with a retrieval request the merchant leaves unanswered;
    // every chargeback is represented and refused.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("dispute_story.toml");
    let text = format!(
        "name = \"dispute_story\"\n\
         [simulation]\nruns = 1\nseed = 5\ntraffic_window = \"1h\"\nstart_date = \"2026-10-12\"\n\
         [[terminals]]\nid = \"shops\"\ncount = 10\nrate = \"60/h\"\nprofile = {FLAT}\n\
         {QUIET_PATH}\
         [disputes]\ngoods_share = 0.05\nretrieval_share = 1.0\nmerchant_answers = 0.0\n\
         retrieval_deadline = \"5d\"\nrepresent_share = 1.0\nrepresent_wins = 0.0\n\
         representment_time = \"10d\"\ntime_limit = \"20d\"\n"
    );
    std::fs::write(&file, text).unwrap();
    let out = common::payfault()
        .arg("trace")
        .arg(&file)
        .args(["--cause", "goods_dispute"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let story = String::from_utf8(out.stdout).unwrap();
    let steps = [
        "retrieval request (调单)",
        "did not answer the retrieval request",
        "charges the sale back (拒付)",
        "represents the chargeback (再请款)",
        "refuses the representment",
        "outcome: chargeback",
    ];
    let mut at = 0;
    for step in steps {
        let found = story[at..].find(step);
        assert!(
            found.is_some(),
            "`{step}` missing or out of order in:\n{story}"
        );
        at += found.unwrap();
    }
}

/// The sales of `scen` on a single-message channel whose responses are lost with p = 0.2,
/// reversals off, two attempts a sale without idempotency keys: a sale whose first answer was
/// lost is charged twice (the first charge stays, a phantom; the retry is credited). `extra`
/// adds a `[disputes]`.
fn twice(extra: &str) -> Scenario {
    let path = QUIET_PATH.replace(
        "service = \"1ms\"\n[[issuers]]",
        "service = \"1ms\"\nflow = \"single\"\n[[issuers]]",
    );
    assert_ne!(path, QUIET_PATH);
    let text = format!(
        "name = \"twice\"\n\
         [simulation]\nruns = 1\nseed = 5\ntraffic_window = \"1h\"\nstart_date = \"2026-10-12\"\n\
         observation = \"20d\"\n\
         [[terminals]]\nid = \"shops\"\ncount = 100\nrate = \"60/h\"\n\
         amount = {{ kind = \"uniform\", min = \"1.00\", max = \"100.00\" }}\n\
         miskey_share = 0.0\nprofile = {FLAT}\n{path}\
         [[faults]]\nid = \"lossy\"\nkind = \"loss\"\ntarget = \"scheme-bank\"\n\
         direction = \"down\"\nstart = \"0h\"\nduration = \"30d\"\nprobability = 0.2\n\
         [strategy.reversal]\nenabled = false\n\
         [strategy.retry]\nlayer = \"terminal\"\nattempts = 2\nbackoff = \"constant\"\n\
         base = \"1s\"\njitter = \"none\"\n{extra}"
    );
    common::parse(&text, "twice")
}

/// A purchase the model charged twice (a retry without a key) is disputed as a duplicate by
/// `duplicate_share` of the cardholders, always the later charge, once the merchant has been
/// credited for it (the retry's own answer is lost too with p = 0.2: two phantom charges, the
/// reconciliation's business, not a dispute's): charged back from the merchant, never
/// represented, and the purchase no longer counts as charged twice.
#[test]
fn a_purchase_charged_twice_is_disputed_as_a_duplicate() {
    let plain = run(&twice(""), 0);
    let dups = plain.duplicate_charges;
    assert!(dups > 500, "{dups}");
    assert_eq!(plain.retry_attempts, dups, "two charges at most a purchase");
    let all = "[disputes]\nduplicate_share = 1.0\nrepresent_share = 1.0\n\
         dispute_after = { kind = \"constant\", value = \"10d\" }\n";
    let o = run(&twice(all), 0);
    assert_eq!(o.payments, plain.payments, "the same sales");
    let disputed = o.chargebacks_by[4];
    assert!(binomial_ok(disputed, dups, 0.8), "{disputed} of {dups}");
    assert_eq!(o.chargebacks_by, [0, 0, 0, 0, disputed]);
    assert_eq!((o.disputes, o.representments), (disputed, 0));
    // The merchant gives back exactly the disputed second charges, which leave the count.
    let [merchant, acquirer, issuer] = o.chargeback_loss;
    assert_eq!((acquirer, issuer), (0, 0));
    assert!(merchant > 0);
    assert_eq!(o.duplicate_charges, dups - disputed);
    assert_eq!(
        o.duplicate_charge_amount,
        plain.duplicate_charge_amount - merchant
    );
    let s = twice(all);
    assert_eq!(cause_count(&s, &o, "processing_error"), disputed);
    // Half the cardholders dispute: a binomial half of the same duplicates.
    let half = run(&twice(&all.replace("= 1.0\nrep", "= 0.5\nrep")), 0);
    let some = half.chargebacks_by[4];
    assert!(binomial_ok(some, disputed, 0.5), "{some} of {disputed}");
    assert_eq!(half.duplicate_charges, dups - some);
    // Without retries nobody is charged twice: `duplicate_share` changes nothing.
    let once = run(&scen(all, "20d"), 0);
    assert_eq!(once.disputes, 0);
}

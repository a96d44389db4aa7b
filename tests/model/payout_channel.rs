//! The payout channel (代付, `[payout.channel]`): orders answered "status unknown", the
//! acquirer's inquiries, orders sent again, and the duplicate payouts of re-sending without
//! asking. Expectations come from the channel's own parameters: the unknown share (binomial),
//! and designs where every unknown order was in fact executed, or none was, for exact counts.

use payfault::model::{self, NoTrace, RunOutput};
use payfault::scenario::Scenario;

use crate::common::{self, FLAT, QUIET_PATH, assert_binomial};

/// 100 terminals at 60 sales an hour each for 4 hours (about 24,000 sales), flat, no declines,
/// paid T+1 through a payout channel; `channel` gives its fields, `extra`
/// tables.
fn scen(channel: &str, extra: &str) -> Scenario {
    let text = format!(
        "name = \"payout_channel\"\n\
         [simulation]\nruns = 2\nseed = 5\ntraffic_window = \"4h\"\nstart_weekday = \"monday\"\n\
         [[terminals]]\nid = \"shops\"\ncount = 100\nrate = \"60/h\"\n\
         amount = {{ kind = \"uniform\", min = \"1.00\", max = \"100.00\" }}\n\
         miskey_share = 0.0\nprofile = {FLAT}\n\
         {QUIET_PATH}\
         [payout.channel]\n{channel}\n{extra}"
    );
    common::parse(&text, "payout_channel")
}

fn run(s: &Scenario, r: u64) -> RunOutput {
    model::simulate(s, 23, r, &mut NoTrace).unwrap_or_else(|v| panic!("run {r}: {v}"))
}

/// With inquiries, a tenth of the orders is unknown (binomial); each is asked about once (the
/// 5 s latency is within the 10 min interval), only the failed half is sent again, and nobody
/// is paid twice.
#[test]
fn inquiring_resends_only_the_failed_unknowns_and_never_pays_twice() {
    let s = scen(
        "latency = \"5s\"\nunknown_share = 0.1\nunknown_executed = 0.5\ninquiry = true\n\
         inquiry_interval = \"10m\"",
        "",
    );
    for r in 0..2 {
        let o = run(&s, r);
        assert!(o.payout_status_unknown > 0);
        assert_binomial("unknown", o.payout_status_unknown, o.payout_orders, 0.1);
        assert_eq!(o.payout_inquiries, o.payout_status_unknown);
        assert_binomial(
            "failed unknowns",
            o.payout_resends,
            o.payout_status_unknown,
            0.5,
        );
        assert_eq!(o.payout_orders, o.payouts + o.payout_resends);
        assert_eq!((o.duplicate_payouts, o.duplicate_open), (0, 0));
    }
}

/// Re-sent without asking, 30 min later: when every unknown order was in fact executed, every
/// re-sent order pays the merchant a second time (duplicates = re-sends, exactly); when none
/// was, nobody is paid twice. Reconciliation takes every duplicate back before the end.
#[test]
fn resending_an_executed_unknown_pays_twice_until_reconciliation_takes_it_back() {
    let resend = "latency = \"5s\"\nunknown_share = 0.1\ninquiry = false\nresend_after = \"30m\"\nmax_orders = 7\n";
    let all = scen(&format!("{resend}unknown_executed = 1.0"), "");
    let none = scen(&format!("{resend}unknown_executed = 0.0"), "");
    let recon = "[reconciliation]\nenabled = true\nat = \"06:00\"\ninterval = \"24h\"\n\
                 detection_delay = \"12h\"\nrepair_time = \"24h\"\n";
    let recovered = scen(&format!("{resend}unknown_executed = 1.0"), recon);
    for r in 0..2 {
        let a = run(&all, r);
        assert!(a.payout_status_unknown > 0);
        assert_binomial("unknown", a.payout_status_unknown, a.payout_orders, 0.1);
        // Every unknown is re-sent once it has gone through (7 unknowns in a row: never here).
        assert_eq!(a.payout_resends, a.payout_status_unknown);
        assert_eq!(a.duplicate_payouts, a.payout_resends);
        assert_eq!(a.duplicate_open, a.duplicate_payout_amount);
        assert_eq!(a.duplicates_recovered, 0);
        let n = run(&none, r);
        assert_eq!(n.payout_resends, n.payout_status_unknown);
        assert_eq!((n.duplicate_payouts, n.duplicate_open), (0, 0));
        // The same unknowns with reconciliation: all taken back from the merchants.
        let k = run(&recovered, r);
        assert_eq!(k.duplicate_payouts, a.duplicate_payouts);
        assert_eq!(k.duplicates_recovered, k.duplicate_payouts);
        assert_eq!(k.duplicate_open, 0);
    }
}

/// Inquiring while the bank is slower than the interval: an order is asked about until its
/// status is final, ⌈latency / interval⌉ times.
#[test]
fn a_slow_order_is_asked_about_until_final() {
    let s = scen(
        "latency = \"25m\"\nunknown_share = 0.2\nunknown_executed = 1.0\ninquiry = true\n\
         inquiry_interval = \"10m\"",
        "",
    );
    let o = run(&s, 0);
    assert!(o.payout_status_unknown > 0);
    assert_eq!(o.payout_inquiries, 3 * o.payout_status_unknown);
    assert_eq!(o.payout_resends, 0);
}

/// The channel down for every merchant over the 09:00 credit of Monday's sales, for 40 min:
/// every order sent then goes unanswered and fails, the inquiries at 09:10, 09:20 and 09:30 go
/// unanswered, the one at 09:40 finds the order failed and sends it again, and every payout is
/// made once, on time (T+1 by the end of Tuesday). Counted against the fault.
#[test]
fn an_outage_of_the_channel_leaves_orders_unanswered_until_it_ends() {
    let s = scen(
        "latency = \"5s\"\nunknown_share = 0.0\ninquiry = true\ninquiry_interval = \"10m\"",
        "[[faults]]\nid = \"daifu-down\"\nkind = \"payout_channel_down\"\ntarget = \"all\"\n\
         start = \"33h\"\nduration = \"40m\"\n",
    );
    let o = run(&s, 0);
    assert!(o.payouts > 0);
    assert_eq!(o.payout_status_unknown, o.payouts);
    assert_eq!(o.payout_inquiries, 4 * o.payouts);
    assert_eq!(o.payout_resends, o.payouts);
    assert_eq!(o.duplicate_payouts, 0);
    let settled = o.outcomes[payfault::model::Outcome::SettledOnTime as usize];
    assert_eq!(settled, o.payouts);
}

/// D+0 advances through a slow channel, re-sent without asking, and reversals that arrive
/// after the advance (the terminal's first reversal lost, repeated a minute later): the
/// advance is taken back while its orders are still on their way. They are void, their money
/// comes back, and the books balance (checked inside every run).
#[test]
fn an_advance_taken_back_voids_its_orders_on_their_way() {
    let s = scen(
        "latency = \"10m\"\nunknown_share = 0.5\nunknown_executed = 0.5\ninquiry = false\n\
         resend_after = \"1m\"\nmax_orders = 3",
        "[payout]\nschedule = \"d0\"\n\
         [strategy.reversal]\nenabled = true\ninterval = \"60s\"\n\
         [[faults]]\nid = \"lossy\"\nkind = \"loss\"\ntarget = \"shops-gateway\"\n\
         direction = \"both\"\nstart = \"0h\"\nduration = \"30d\"\nprobability = 0.3\n",
    );
    let mut voided = 0;
    for r in 0..2 {
        let mut rec = payfault::model::Recorder {
            all: true,
            ..Default::default()
        };
        let o = model::simulate(&s, 23, r, &mut rec).unwrap_or_else(|v| panic!("run {r}: {v}"));
        assert!(o.advances > 0 && o.payout_resends > 0);
        voided += rec
            .steps
            .iter()
            .filter(|(_, _, st)| {
                matches!(
                    st,
                    payfault::model::Step::Note("trace.note.rail_orders_void")
                )
            })
            .count();
    }
    assert!(
        voided > 0,
        "some advance is taken back with orders on their way"
    );
}

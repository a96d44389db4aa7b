//! QR payments through an aggregator (`[channels.qr]`). Expectations from the scenario's own
//! parameters: the notification loss share, the status queries' grid against the merchant
//! device's timeout, and what the customer's phone and the merchant's till each show. Every
//! run checks the books (`simulate` fails on a violation).

use payfault::model::{self, NoTrace, Outcome, RunOutput};
use payfault::scenario::Scenario;

use crate::common::{self, FLAT, binomial_ok, count};

/// 100 merchants, 60 QR payments an hour each for 4 hours on Monday, every wallet pays; the
/// merchant's device waits `timeout` and never closes an order it has no result for (no
/// reversal); the aggregator loses `loss` of its notifications and is polled `attempts` times,
/// every `interval`.
fn scen(loss: f64, attempts: u32, interval: &str, timeout: &str) -> Scenario {
    let text = format!(
        "name = \"qr\"\n\
         [simulation]\nruns = 1\nseed = 5\ntraffic_window = \"4h\"\nstart_weekday = \"monday\"\n\
         observation = \"3d\"\n\
         [[terminals]]\nid = \"shops\"\ncount = 100\nrate = \"60/h\"\n\
         amount = {{ kind = \"uniform\", min = \"1.00\", max = \"100.00\" }}\n\
         miskey_share = 0.0\nprofile = {FLAT}\n\
         [gateway]\nservers = 64\nservice = \"1ms\"\n[network]\nlatency = \"10ms\"\n\
         [risk]\nenabled = false\nfraud_share = 0.0\n\
         [[channels]]\nid = \"aggregator\"\nservers = 64\nservice = \"1ms\"\nflow = \"single\"\n\
         [channels.qr]\nnotify_loss = {loss}\nquery_attempts = {attempts}\n\
         query_interval = \"{interval}\"\n\
         [[issuers]]\nid = \"wallets\"\nservers = 1000\nservice = \"5ms\"\n\
         do_not_honour_share = 0.0\n\
         [issuers.accounts]\ncount = 1000\nbalance = \"100000000.00\"\nfrozen_share = 0.0\n\
         [strategy]\nterminal_timeout = \"{timeout}\"\n\
         [strategy.reversal]\nenabled = false\n[strategy.saf]\nenabled = false\n"
    );
    common::parse(&text, "qr")
}

fn run(s: &Scenario) -> RunOutput {
    model::simulate(s, 17, 0, &mut NoTrace).unwrap_or_else(|v| panic!("{v}"))
}

#[test]
fn without_status_queries_a_lost_notification_is_paid_but_not_received() {
    let o = run(&scen(0.1, 0, "5s", "60s"));
    assert!(o.payments > 20_000, "{}", o.payments);
    assert_eq!(o.qr_payments, o.payments);
    assert!(binomial_ok(o.qr_notifications_lost, o.payments, 0.1));
    assert_eq!((o.qr_queries, o.qr_resolved_by_query), (0, 0));
    // Every lost notification: the wallet paid, the till timed out.
    assert_eq!(o.qr_paid_not_shown, o.qr_notifications_lost);
    assert_eq!(
        count(&o, Outcome::ChargedWithoutSale),
        o.qr_notifications_lost
    );
    assert_eq!(
        count(&o, Outcome::SettledOnTime) + o.qr_notifications_lost,
        o.payments
    );
}

#[test]
fn a_status_query_within_the_device_timeout_recovers_every_lost_notification() {
    // The first query, 5 s after the order, long before the device gives up at 60 s.
    let o = run(&scen(0.1, 6, "5s", "60s"));
    assert!(o.qr_notifications_lost > 1000);
    assert_eq!(o.qr_queries, o.qr_notifications_lost);
    assert_eq!(o.qr_resolved_by_query, o.qr_notifications_lost);
    assert_eq!(o.qr_paid_not_shown, 0);
    assert_eq!(count(&o, Outcome::SettledOnTime), o.payments);
}

#[test]
fn a_status_query_after_the_device_timeout_comes_too_late() {
    // Queries every 20 s; the device gives up after 10 s: the answer found is a late one.
    let o = run(&scen(0.1, 6, "20s", "10s"));
    assert!(o.qr_notifications_lost > 1000);
    assert_eq!(o.qr_resolved_by_query, o.qr_notifications_lost);
    assert_eq!(o.qr_paid_not_shown, o.qr_notifications_lost);
    // Same payments, same losses, as without queries.
    let none = run(&scen(0.1, 0, "20s", "10s"));
    assert_eq!(none.qr_notifications_lost, o.qr_notifications_lost);
}

#[test]
fn a_card_channel_counts_no_qr_payments() {
    let text = "[[terminals]]\nid = \"shops\"\ncount = 10\nrate = \"60/h\"\n";
    let s = common::parse(
        &format!("name = \"card\"\n[simulation]\nruns = 1\ntraffic_window = \"1h\"\n{text}"),
        "card",
    );
    let o = run(&s);
    assert_eq!(o.qr_payments + o.qr_notifications_lost + o.qr_queries, 0);
}

/// The trace names the aggregator's own API calls beyond the acquirer (the order, the wallet's
/// debit and result, the payment notification), not ISO 8583 types; the terminal's link keeps
/// its financial message.
#[test]
fn the_trace_names_the_aggregators_messages() {
    use payfault::model::{Recorder, Step};
    let mut s = scen(0.0, 0, "5s", "60s");
    s.traffic_window = 60 * payfault::engine::SECOND;
    let mut rec = Recorder {
        all: true,
        ..Recorder::default()
    };
    model::simulate(&s, 17, 0, &mut rec).unwrap_or_else(|v| panic!("{v}"));
    let serial = rec.steps.first().map(|s| s.1).expect("a payment");
    let sent: Vec<&str> = rec
        .steps
        .iter()
        .filter(|(_, k, _)| *k == serial)
        .filter_map(|(_, _, st)| match st {
            Step::Sent { what, .. } => Some(*what),
            _ => None,
        })
        .collect();
    assert_eq!(
        sent,
        [
            "0200 request",
            "QR order",
            "QR wallet debit",
            "QR wallet result",
            "QR payment notification",
            "0210 response"
        ]
    );
}

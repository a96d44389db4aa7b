use super::*;
use crate::runner::replay::{self, Filter, Replayed};
use crate::scenario::{Limits, library, parse};

/// The first payment of the first runs of a shipped scenario with `outcome` (or not settled on time),
/// recorded.
fn recorded(name: &str, outcome: Option<&str>) -> (Scenario, Replayed) {
    let b = library::find(name).unwrap();
    let s = parse(b.source, name, &Limits::default()).unwrap();
    let f = Filter {
        outcome: outcome.map(String::from),
        ..Filter::default()
    };
    for run in 0..10 {
        let serials = replay::first_matching(&s, s.seed, run, &f, 1).unwrap();
        if !serials.is_empty() {
            let mut r = replay::record(&s, s.seed, run, &serials).unwrap();
            return (s, r.remove(0));
        }
    }
    panic!("{name}: no payment {outcome:?} in runs 0-9")
}

/// The lane a message is sent to, read from the step independently of the drawing.
fn lane_of(to: &str) -> &'static str {
    match to {
        "terminal" => "terminal",
        "gateway" => "acquirer",
        "channel" => "channel",
        _ => "issuer",
    }
}

fn check(s: &Scenario, r: &Replayed) {
    for lang in Lang::ALL {
        let svg = swimlane_svg(s, r.serial, &r.steps, lang);
        let doc = roxmltree::Document::parse(&svg)
            .unwrap_or_else(|e| panic!("{} ({lang:?}): not well-formed: {e}", s.name));
        let arrows: Vec<_> = doc
            .descendants()
            .filter(|n| n.attribute("class") == Some("msg"))
            .collect();
        let messages: Vec<_> = r
            .steps
            .iter()
            .filter(|(_, st)| matches!(st, Step::Sent { .. } | Step::Lost { .. }))
            .collect();
        assert!(
            messages.len() < MAX_ROWS,
            "{}: the test wants every step drawn",
            s.name
        );
        // Each message once, in the story's order, between the right lanes.
        assert_eq!(arrows.len(), messages.len(), "{}", s.name);
        let lanes = |a: &str| LANES.iter().position(|l| *l == a).unwrap();
        for (a, (t, st)) in arrows.iter().zip(&messages) {
            assert_eq!(a.attribute("data-t").unwrap(), t.to_string());
            let (from, to) = (
                a.attribute("data-from").unwrap(),
                a.attribute("data-to").unwrap(),
            );
            assert_eq!(lanes(from).abs_diff(lanes(to)), 1, "{}: one hop", s.name);
            match st {
                Step::Sent { what, to: dest } => {
                    assert_eq!(a.attribute("data-what"), Some(*what));
                    assert_eq!(to, lane_of(dest), "{}: {what}", s.name);
                    assert_eq!(a.attribute("data-lost"), Some("0"));
                }
                Step::Lost { what, .. } => {
                    assert_eq!(a.attribute("data-what"), Some(*what));
                    assert_eq!(a.attribute("data-lost"), Some("1"));
                }
                _ => unreachable!(),
            }
            // A response travels back towards the terminal.
            let what = a.attribute("data-what").unwrap();
            if what.contains("response") {
                assert!(lanes(to) < lanes(from), "{}: {what} {from}->{to}", s.name);
            }
            if what.contains("request") || what.contains("reversal") && !what.contains("ack") {
                assert!(lanes(to) > lanes(from), "{}: {what} {from}->{to}", s.name);
            }
        }
        // Everything drawn with a time is in time order, top to bottom.
        let mut last = (0u64, f64::MIN);
        for n in doc
            .descendants()
            .filter(|n| n.attribute("data-t").is_some())
        {
            let t: u64 = n.attribute("data-t").unwrap().parse().unwrap();
            let y: f64 = n
                .descendants()
                .find_map(|c| c.attribute("y1").or(c.attribute("y")).or(c.attribute("cy")))
                .unwrap()
                .parse()
                .unwrap();
            assert!(t >= last.0 && y > last.1, "{}: out of order at {t}", s.name);
            last = (t, y);
        }
        // The money's postings are drawn, each once.
        let postings = r
            .steps
            .iter()
            .filter(|(_, st)| matches!(st, Step::Posting { .. }))
            .count();
        let drawn = doc
            .descendants()
            .filter(|n| n.attribute("class") == Some("posting"))
            .count();
        assert_eq!(postings, drawn, "{}", s.name);
        assert_eq!(
            svg,
            swimlane_svg(s, r.serial, &r.steps, lang),
            "deterministic"
        );
    }
}

#[test]
fn a_phantom_charge_is_drawn_lane_by_lane() {
    let (s, r) = recorded("outage", Some("charged_without_sale"));
    check(&s, &r);
    let svg = swimlane_svg(&s, r.serial, &r.steps, Lang::En);
    assert!(svg.contains("0100 request") && svg.contains(Lang::En.get("teach.swim.timeout")));
    assert!(
        svg.contains("data-lost=\"1\"") || svg.contains("0400"),
        "{svg}"
    );
}

#[test]
fn a_settled_payment_shows_its_money_reaching_the_merchant() {
    let (s, r) = recorded("baseline", Some("settled_on_time"));
    check(&s, &r);
    let svg = swimlane_svg(&s, r.serial, &r.steps, Lang::Zh);
    assert!(svg.contains("data-to=\"merchant\""), "a payout posting");
    assert!(svg.contains("0110"));
}

#[test]
fn reversals_and_stored_reversals_are_drawn() {
    for (name, outcome) in [
        ("response_loss", Some("reversed")),
        ("hang", None),
        ("single_message", None),
        ("qr_aggregator", None),
    ] {
        let (s, r) = recorded(name, outcome);
        check(&s, &r);
    }
}

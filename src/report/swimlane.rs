//! The swimlane of one payment: a sequence diagram for a room. One lane per party (the
//! terminal, the acquirer, the channel, the issuer, clearing and settlement, the merchant's
//! account); the messages as arrows between lanes in time order, named by their ISO 8583
//! types (0100/0110, reversal 0400 ...), a lost message ending in a cross; timeouts, refusals,
//! decisions and the other steps marked on their lane with a sentence beside the row; the
//! money's postings (the charge, the interbank settlement, the payout) as green dashed arrows
//! between the lanes of the accounts they move between.
//!
//! Drawn from the same recorded steps as the payment's story (`model::trace::Step`, from a
//! replay: `runner::replay::record`), so it tells the same thing step for step. Rows follow
//! the steps' order; a long quiet spell (over an hour) is a row of its own saying how long,
//! so a payment settled days later still fits on a page. Pure: steps in, SVG text out.

use super::html::esc;
use super::topology::font;
use crate::engine::Nanos;
use crate::engine::time::{HOUR, as_secs_f64};
use crate::i18n::Lang;
use crate::model::Step;
use crate::model::ledger::Account;
use crate::scenario::Scenario;
use crate::tr;
use std::fmt::Write;

/// The lanes, left to right: their names in the drawing's `data-` attributes.
pub const LANES: [&str; 6] = [
    "terminal",
    "acquirer",
    "channel",
    "issuer",
    "settlement",
    "merchant",
];
const TERMINAL: usize = 0;
const ACQUIRER: usize = 1;
const CHANNEL: usize = 2;
const ISSUER: usize = 3;
const SETTLEMENT: usize = 4;
const MERCHANT: usize = 5;

/// Steps drawn at most; the rest are counted in a last row.
pub const MAX_ROWS: usize = 400;

const ROW: f64 = 30.0;
const CLOCK_W: f64 = 190.0;
const LANE_W: f64 = 150.0;
const HEAD: f64 = 130.0;
const TEXT_W: f64 = 560.0;

/// What a row shows.
enum Mark {
    /// A message from one lane to another (`lost`: it never arrived).
    Msg {
        from: usize,
        to: usize,
        what: &'static str,
        lost: bool,
    },
    /// Money moved between the lanes of two accounts.
    Money {
        from: usize,
        to: usize,
        text: String,
    },
    /// Something happened on a lane: its symbol, colour and sentence.
    Event {
        lane: usize,
        symbol: &'static str,
        colour: &'static str,
        text: String,
    },
    /// Time passed: the gap's length.
    Gap(String),
    /// The outcome, across every lane.
    Outcome(String),
}

/// A message travelling back towards the terminal (a response or an acknowledgement) rather
/// than towards the issuer.
fn backwards(what: &str) -> bool {
    ["response", "ack", "result", "notification"]
        .iter()
        .any(|w| what.contains(w))
}

/// The lane of a ledger account.
fn account_lane(a: Account) -> usize {
    match a {
        Account::Cardholders | Account::IssuerHolds(_) | Account::IssuerLoss => ISSUER,
        Account::IssuerFees => ISSUER,
        Account::Channel(_) | Account::SchemeFees => SETTLEMENT,
        Account::Merchants | Account::PayoutRail => MERCHANT,
        _ => ACQUIRER,
    }
}

/// The lane of a sentence, from its key's family (`trace.note.<part>_...`), as the story
/// tells who it is about.
fn note_lane(key: &str) -> usize {
    let part = key.rsplit('.').next().unwrap_or("");
    match part.split('_').next().unwrap_or("") {
        "channel" | "failover" => CHANNEL,
        "issuer" => ISSUER,
        "terminal" | "retry" | "pay" | "pays" | "attempt" => TERMINAL,
        "reconcile" | "settlement" => SETTLEMENT,
        "payout" | "merchant" => MERCHANT,
        _ => ACQUIRER,
    }
}

/// The lane of a station kind ("gateway", "channel", "issuer").
fn kind_lane(kind: &str) -> usize {
    match kind {
        "channel" => CHANNEL,
        "issuer" => ISSUER,
        _ => ACQUIRER,
    }
}

/// Reads the steps into rows, in order. Also returns the lanes' names (the payment's
/// terminal group, gateway, channels in order of use, issuer).
fn rows(s: &Scenario, steps: &[(Nanos, Step)], lang: Lang) -> (Vec<(Nanos, Mark)>, [String; 4]) {
    let mut group = String::new();
    let mut channels: Vec<String> = vec![];
    let mut issuer = String::new();
    let mut out: Vec<(Nanos, Mark)> = vec![];
    let ev = |lane, symbol, colour, text: String| Mark::Event {
        lane,
        symbol,
        colour,
        text,
    };
    let code = |c: u8| format!("{c:02}");
    for (t, step) in steps {
        let mark = match step {
            Step::Created {
                amount,
                group: g,
                issuer: i,
                channel: c,
                ..
            } => {
                group = g.clone();
                issuer = i.clone();
                if !channels.contains(c) {
                    channels.push(c.clone());
                }
                let amount = super::format::grouped(*amount as f64 / 100.0, 2);
                ev(
                    TERMINAL,
                    "●",
                    "#0072B2",
                    tr!(lang, "teach.swim.sale", amount = amount),
                )
            }
            Step::Sent { .. } | Step::Lost { .. } => match message(step, &group) {
                Some(m) => m,
                None => continue,
            },
            Step::Dropped { what, at, .. } => {
                let lane = if *at == issuer {
                    ISSUER
                } else if channels.contains(at) {
                    CHANNEL
                } else {
                    ACQUIRER
                };
                let what = super::story::what(lang, what);
                ev(
                    lane,
                    "×",
                    "#D55E00",
                    tr!(lang, "teach.swim.dropped", what = what),
                )
            }
            Step::Rejected {
                what,
                kind,
                code: c,
                ..
            } => {
                let what = super::story::what(lang, what);
                let text = tr!(lang, "teach.swim.refused", what = what, code = code(*c));
                ev(kind_lane(kind), "×", "#D55E00", text)
            }
            Step::Hangs { kind, .. } => ev(
                kind_lane(kind),
                "‖",
                "#D55E00",
                tr!(lang, "teach.swim.hangs").into(),
            ),
            Step::Queued { .. } | Step::Served { .. } => continue,
            Step::Decided { by, code: c, .. } => {
                let lane = if *by == "issuer" { ISSUER } else { ACQUIRER };
                let text = tr!(lang, "teach.swim.decided", code = code(*c));
                ev(lane, "◆", "#333333", text)
            }
            Step::Answered { code: c } => {
                let text = tr!(lang, "teach.swim.till", code = code(*c));
                ev(TERMINAL, "■", "#333333", text)
            }
            Step::LateAnswer { code: c } => {
                let text = tr!(lang, "teach.swim.late_answer", code = code(*c));
                ev(TERMINAL, "■", "#E69F00", text)
            }
            Step::LateResponse { by, code: c, .. } => {
                let text = tr!(lang, "teach.swim.late_response", code = code(*c));
                ev(kind_lane(by), "◆", "#E69F00", text)
            }
            Step::TimedOut => ev(
                TERMINAL,
                "⊘",
                "#D55E00",
                tr!(lang, "teach.swim.timeout").into(),
            ),
            Step::FailedOver { to } => {
                if !channels.contains(to) {
                    channels.push(to.clone());
                }
                let text = tr!(lang, "teach.swim.failover", to = to);
                ev(ACQUIRER, "↷", "#E69F00", text)
            }
            Step::Posting { from, to, amount } => {
                let text = tr!(
                    lang,
                    "teach.swim.posting",
                    from = super::story::account(s, lang, *from),
                    to = super::story::account(s, lang, *to),
                    amount = super::format::grouped(*amount as f64 / 100.0, 2)
                );
                Mark::Money {
                    from: account_lane(*from),
                    to: account_lane(*to),
                    text,
                }
            }
            Step::Note(key) | Step::Says(key, _) | Step::Coded(key, _) => {
                ev(note_lane(key), "•", "#555555", sentence(lang, step))
            }
            Step::Outcome { outcome, .. } => {
                let name = lang.get(&format!("outcome.{outcome}"));
                Mark::Outcome(tr!(lang, "teach.swim.outcome", outcome = name))
            }
            Step::Cause { .. } | Step::AlsoCause { .. } | Step::Views { .. } => continue,
            other => match state_step(other, lang) {
                Some(m) => m,
                None => continue,
            },
        };
        if let Some(&(prev, _)) = out.last()
            && t.saturating_sub(prev) > HOUR
        {
            let gap = super::format::duration(as_secs_f64(t - prev));
            out.push((prev, Mark::Gap(tr!(lang, "teach.swim.gap", gap = gap))));
        }
        out.push((*t, mark));
    }
    let names = [group, s.gateway.id.clone(), channels.join(" / "), issuer];
    (out, names)
}

/// A message sent (to its lane, from the neighbouring lane it comes from) or lost on a link.
fn message(step: &Step, group: &str) -> Option<Mark> {
    match step {
        Step::Sent { what, to } => {
            let to = match to.as_str() {
                "terminal" => TERMINAL,
                "gateway" => ACQUIRER,
                "channel" => CHANNEL,
                _ => ISSUER,
            };
            let from = match (to, backwards(what)) {
                (TERMINAL, _) => ACQUIRER,
                (ISSUER, _) => CHANNEL,
                (_, true) => to + 1,
                (_, false) => to - 1,
            };
            Some(Mark::Msg {
                from,
                to,
                what,
                lost: false,
            })
        }
        Step::Lost { what, link } => {
            let hop = if *link == format!("{group}-gateway") {
                (TERMINAL, ACQUIRER)
            } else if link.starts_with("gateway-") {
                (ACQUIRER, CHANNEL)
            } else {
                (CHANNEL, ISSUER)
            };
            let (from, to) = if backwards(what) { (hop.1, hop.0) } else { hop };
            Some(Mark::Msg {
                from,
                to,
                what,
                lost: true,
            })
        }
        _ => None,
    }
}

/// A note's sentence, as the story tells it (with its values).
fn sentence(lang: Lang, step: &Step) -> String {
    match step {
        Step::Note(key) => lang.get(key).to_owned(),
        Step::Says(key, args) => {
            let args: Vec<(&str, &dyn std::fmt::Display)> = args
                .iter()
                .map(|(n, v)| (*n, v as &dyn std::fmt::Display))
                .collect();
            crate::i18n::fill(lang.get(key), &args)
        }
        Step::Coded(key, c) => crate::i18n::fill(lang.get(key), &[("code", &format!("{c:02}"))]),
        _ => String::new(),
    }
}

/// The money's state: held, released, cleared, presented, settled, returned, the acquirer's
/// stored reversal.
fn state_step(step: &Step, lang: Lang) -> Option<Mark> {
    let (lane, symbol, colour, key) = match step {
        Step::Held => (ISSUER, "■", "#0072B2", "trace.held"),
        Step::Released => (ISSUER, "□", "#0072B2", "trace.released"),
        Step::HoldExpired => (ISSUER, "□", "#E69F00", "trace.hold_expired"),
        Step::Cleared => (SETTLEMENT, "□", "#0072B2", "trace.cleared"),
        Step::Presented => (SETTLEMENT, "□", "#0072B2", "trace.presented"),
        Step::Settled { on_time: true } => (SETTLEMENT, "√", "#009E73", "trace.settled_on_time"),
        Step::Settled { on_time: false } => (SETTLEMENT, "√", "#E69F00", "trace.settled_late"),
        Step::PayoutReturned => (MERCHANT, "↩", "#D55E00", "trace.payout_returned"),
        Step::SafQueued => (ACQUIRER, "↻", "#555555", "trace.saf_queued"),
        Step::SafRepeat => (ACQUIRER, "↻", "#555555", "trace.saf_repeat"),
        Step::SafAcked => (ACQUIRER, "√", "#555555", "trace.saf_acked"),
        Step::SafExpired => (ACQUIRER, "×", "#D55E00", "trace.saf_expired"),
        Step::ReversalAcked { by: "channel" } => {
            (CHANNEL, "√", "#555555", "trace.reversal_acked.channel")
        }
        Step::ReversalAcked { .. } => (ACQUIRER, "√", "#555555", "trace.reversal_acked.acquirer"),
        _ => return None,
    };
    Some(Mark::Event {
        lane,
        symbol,
        colour,
        text: lang.get(key).to_owned(),
    })
}

fn lane_x(lane: usize) -> f64 {
    CLOCK_W + LANE_W * (lane as f64 + 0.5)
}

/// Text cut to `n` characters with an ellipsis.
fn cut(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(n - 1).collect();
        t.push('…');
        t
    }
}

/// The swimlane of payment `serial` from its recorded steps, in `lang`.
pub fn swimlane_svg(s: &Scenario, serial: u64, steps: &[(Nanos, Step)], lang: Lang) -> String {
    let (mut rows, names) = rows(s, steps, lang);
    let more = rows.len().saturating_sub(MAX_ROWS);
    rows.truncate(MAX_ROWS);
    let n = rows.len() + usize::from(more > 0);
    let width = CLOCK_W + LANE_W * LANES.len() as f64 + TEXT_W;
    let height = HEAD + ROW * n as f64 + 30.0;
    let mut o = String::with_capacity(8 * 1024 + rows.len() * 400);
    let title = tr!(lang, "teach.swim.title", serial = serial, scenario = s.name);
    let _ = writeln!(
        o,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:.0}\" height=\"{height:.0}\" \
         viewBox=\"0 0 {width:.0} {height:.0}\" font-family=\"{}\" role=\"img\">\n\
         <title>{}</title>\n<defs>\
         <marker id=\"sl-arrow-{serial}\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" \
         markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" \
         fill=\"#222\"/></marker>\
         <marker id=\"sl-money-{serial}\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" \
         markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" \
         fill=\"#009E73\"/></marker></defs>\n<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n\
         <text x=\"20\" y=\"32\" font-size=\"22\" font-weight=\"bold\">{}</text>\n\
         <text x=\"20\" y=\"56\" font-size=\"13\" fill=\"#444\">{}</text>",
        font(lang),
        esc(&title),
        esc(&title),
        esc(tr!(lang, "teach.swim.legend"))
    );
    lanes_svg(&mut o, &names, lang, height);
    for (j, (t, mark)) in rows.iter().enumerate() {
        row_svg(&mut o, j, (*t, serial), mark, lang);
    }
    if more > 0 {
        let _ = writeln!(
            o,
            "<text x=\"20\" y=\"{:.1}\" font-size=\"13\" fill=\"#555\">{}</text>",
            HEAD + ROW * rows.len() as f64 + 20.0,
            esc(&tr!(lang, "teach.swim.more", n = more))
        );
    }
    o.push_str("</svg>\n");
    o
}

/// The lanes' headers and lifelines.
fn lanes_svg(o: &mut String, names: &[String; 4], lang: Lang, height: f64) {
    for (lane, id) in LANES.iter().enumerate() {
        let role = lang.get(&format!("teach.swim.lane.{id}"));
        let name = names.get(lane).filter(|n| !n.is_empty());
        let x = lane_x(lane);
        let _ = writeln!(
            o,
            "<g class=\"lane\" data-lane=\"{id}\"><rect x=\"{:.1}\" y=\"72\" width=\"{:.1}\" \
             height=\"46\" rx=\"6\" fill=\"#E8F1FA\" stroke=\"#333\"/>\
             <text x=\"{x:.1}\" y=\"91\" font-size=\"{}\" font-weight=\"bold\" \
             text-anchor=\"middle\">{}</text><text x=\"{x:.1}\" y=\"110\" font-size=\"12\" \
             text-anchor=\"middle\">{}</text><line x1=\"{x:.1}\" y1=\"118\" x2=\"{x:.1}\" \
             y2=\"{:.1}\" stroke=\"#bbb\" stroke-dasharray=\"4 4\"/></g>",
            x - LANE_W / 2.0 + 5.0,
            LANE_W - 10.0,
            if role.chars().count() > 15 { 11 } else { 14 },
            esc(role),
            esc(&name.map(|n| cut(n, 22)).unwrap_or_default()),
            height - 10.0
        );
    }
}

/// One row: its clock, then the arrow or the mark, and its sentence.
fn row_svg(o: &mut String, j: usize, (t, serial): (Nanos, u64), mark: &Mark, lang: Lang) {
    let y = HEAD + ROW * j as f64 + ROW / 2.0;
    let text_x = CLOCK_W + LANE_W * LANES.len() as f64 + 10.0;
    if !matches!(mark, Mark::Gap(_)) {
        let _ = writeln!(
            o,
            "<text x=\"10\" y=\"{:.1}\" font-size=\"12\" fill=\"#555\">{}</text>",
            y + 4.0,
            esc(&when_ms(lang, t))
        );
    }
    match mark {
        Mark::Msg {
            from,
            to,
            what,
            lost,
        } => {
            let (x1, x2) = (lane_x(*from), lane_x(*to));
            let end = if *lost { (x1 + x2) / 2.0 } else { x2 };
            let name = super::story::what(lang, what);
            let label = if *lost {
                tr!(lang, "teach.swim.lost", what = name)
            } else {
                name
            };
            let _ = write!(
                o,
                "<g class=\"msg\" data-t=\"{t}\" data-what=\"{}\" data-from=\"{}\" data-to=\"{}\" \
                 data-lost=\"{}\"><line x1=\"{x1:.1}\" y1=\"{y:.1}\" x2=\"{end:.1}\" y2=\"{y:.1}\" \
                 stroke=\"{}\" stroke-width=\"2\"{}/>",
                esc(what),
                LANES[*from],
                LANES[*to],
                u8::from(*lost),
                if *lost { "#D55E00" } else { "#222" },
                if *lost {
                    String::new()
                } else {
                    format!(" marker-end=\"url(#sl-arrow-{serial})\"")
                }
            );
            if *lost {
                let _ = write!(
                    o,
                    "<text x=\"{end:.1}\" y=\"{:.1}\" font-size=\"16\" fill=\"#D55E00\" \
                     text-anchor=\"middle\">×</text>",
                    y + 6.0
                );
            }
            let _ = writeln!(
                o,
                "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"middle\">{}</text>\
                 <text x=\"{text_x:.1}\" y=\"{:.1}\" font-size=\"12\" fill=\"#333\">{}</text></g>",
                (x1 + end) / 2.0,
                y - 4.0,
                esc(&cut(&label, 30)),
                y + 4.0,
                esc(&cut(&label, 70))
            );
        }
        Mark::Money { from, to, text } => {
            let (x1, x2) = (lane_x(*from), lane_x(*to));
            let shape = if from == to {
                format!(
                    "<circle cx=\"{x1:.1}\" cy=\"{y:.1}\" r=\"7\" fill=\"#009E73\"/>\
                     <text x=\"{x1:.1}\" y=\"{:.1}\" font-size=\"10\" fill=\"#fff\" \
                     text-anchor=\"middle\">¤</text>",
                    y + 3.5
                )
            } else {
                format!(
                    "<line x1=\"{x1:.1}\" y1=\"{y:.1}\" x2=\"{x2:.1}\" y2=\"{y:.1}\" \
                     stroke=\"#009E73\" stroke-width=\"2.5\" stroke-dasharray=\"7 4\" \
                     marker-end=\"url(#sl-money-{serial})\"/>"
                )
            };
            let _ = writeln!(
                o,
                "<g class=\"posting\" data-t=\"{t}\" data-from=\"{}\" data-to=\"{}\">{shape}\
                 <text x=\"{text_x:.1}\" y=\"{:.1}\" font-size=\"12\" fill=\"#006B4F\">{}</text></g>",
                LANES[*from],
                LANES[*to],
                y + 4.0,
                esc(&cut(text, 75))
            );
        }
        Mark::Event {
            lane,
            symbol,
            colour,
            text,
        } => {
            let x = lane_x(*lane);
            let _ = writeln!(
                o,
                "<g class=\"event\" data-t=\"{t}\" data-lane=\"{}\"><title>{}</title>\
                 <text x=\"{x:.1}\" y=\"{:.1}\" font-size=\"16\" fill=\"{colour}\" \
                 text-anchor=\"middle\">{symbol}</text><text x=\"{text_x:.1}\" y=\"{:.1}\" \
                 font-size=\"12\" fill=\"{colour}\">{}</text></g>",
                LANES[*lane],
                esc(text),
                y + 5.0,
                y + 4.0,
                esc(&cut(text, 75))
            );
        }
        Mark::Gap(text) => band(
            o,
            (r#"class="gap""#, r##"fill="#f3f3f3""##),
            r##"font-size="12" fill="#666""##,
            &format!("⋯ {} ⋯", esc(text)),
            y,
        ),
        Mark::Outcome(text) => band(
            o,
            (
                &format!(r#"class="outcome" data-t="{t}""#),
                r##"rx="4" fill="#FFF4DC" stroke="#E69F00""##,
            ),
            r#"font-size="13" font-weight="bold""#,
            &esc(text),
            y,
        ),
    }
}

/// A row across every lane at `y`: a rectangle (`group`'s attributes, the rectangle's) with
/// `text` (already escaped) centred in it.
fn band(o: &mut String, (group, rect): (&str, &str), style: &str, text: &str, y: f64) {
    let _ = writeln!(
        o,
        "<g {group}><rect x=\"{CLOCK_W:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" \
         {rect}/><text x=\"{:.1}\" y=\"{:.1}\" {style} text-anchor=\"middle\">{text}</text></g>",
        y - ROW / 2.0 + 3.0,
        LANE_W * LANES.len() as f64,
        ROW - 6.0,
        CLOCK_W + LANE_W * LANES.len() as f64 / 2.0,
        y + 4.0,
    );
}

/// "day 0 10:00:03.120": the clock of a row, to the millisecond.
fn when_ms(lang: Lang, t: Nanos) -> String {
    use crate::engine::time::{DAY, MINUTE, SECOND};
    let (day, rem) = (t / DAY, t % DAY);
    let (h, m, s) = (rem / HOUR, (rem % HOUR) / MINUTE, (rem % MINUTE) / SECOND);
    let ms = (rem % SECOND) / 1_000_000;
    let clock = format!("{h:02}:{m:02}:{s:02}.{ms:03}");
    tr!(lang, "teach.at", day = day, clock = clock)
}

#[cfg(test)]
mod tests;

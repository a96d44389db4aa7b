//! The story of a payment, told for a trainer: what happened at each step (with the money's
//! postings), the three views at the end (the till, the cardholder's money, the merchant's
//! money) and one closing sentence saying why the money did not arrive, naming the cause.
//!
//! A story is data ([`Story`]), built from a deterministic replay of one run with a
//! [`Recorder`], and rendered as text ([`text`]) or JSON (serde). Every sentence comes from the
//! message catalogue (`src/i18n/<lang>/trace.toml`), so a story can be told in any language of
//! [`Lang`]. A [`Census`] run finds which payments of a run match a filter (outcome, cause,
//! code) and gives one row per payment for a spreadsheet ([`csv`]).

use crate::engine::Nanos;
use crate::engine::time::{DAY, as_secs_f64};
use crate::i18n::Lang;
use crate::model::ledger::Account;
use crate::model::payment::code;
use crate::model::{self, Recorder, RunError, Step, Tracer};
use crate::scenario::{Component, FaultTarget, LinkRef, Scenario};
use crate::tr;
use serde::Serialize;
use std::collections::HashMap;

/// One posting of the payment's money.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Posting {
    pub from: String,
    pub to: String,
    /// Minor units (cents).
    pub amount: i64,
}

/// One step of the story.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct StoryLine {
    /// Simulated time, seconds from the start of the run.
    pub time_s: f64,
    /// The same, as day and clock time ("day 1 09:00:00.000").
    pub clock: String,
    /// Who acted ("the issuer `bank-a`").
    pub component: String,
    /// What kind of step: created, sent, lost, dropped, refused, queued, decided, answered,
    /// timed_out, held, batch_cut, presented, settled, reconciled, outcome, ...
    pub kind: &'static str,
    /// The response code of the step, if it has one.
    pub code: Option<u8>,
    /// The sentence.
    pub text: String,
    /// Money moved at this step.
    pub postings: Vec<Posting>,
}

/// The three views at the end.
#[derive(Clone, Debug, Serialize, PartialEq, Default)]
pub struct Views {
    pub till: String,
    pub cardholder: String,
    pub merchant: String,
}

/// The story of one payment.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Story {
    pub run: u64,
    pub serial: u64,
    pub lines: Vec<StoryLine>,
    pub views: Views,
    /// The closing sentence: why the money did not arrive (or arrived late, or was declined).
    pub why: String,
    /// The outcome's name as in the results (`not_arrived`, ...).
    pub outcome: &'static str,
    /// The cause's name as in summary.json (a fault's id for a fault), `none` if settled on time.
    pub cause: String,
    /// Other causes that struck the payment, not the one its outcome is counted against
    /// (counted in summary.json as `causes.<cause>.also`).
    pub also: Vec<String>,
    /// Declined although the payment was payable.
    pub false_decline: bool,
    pub scenario: String,
    pub seed: u64,
}

/// "day 1 09:00:00.000": the day of the run (from 1) and the clock time.
pub fn clock(lang: Lang, t: Nanos) -> String {
    let day = t / DAY + 1;
    let rem = t % DAY;
    let (h, m) = (rem / 3_600_000_000_000, (rem / 60_000_000_000) % 60);
    let (s, ms) = ((rem / 1_000_000_000) % 60, (rem / 1_000_000) % 1000);
    tr!(
        lang,
        "trace.time",
        day = day,
        clock = format!("{h:02}:{m:02}:{s:02}.{ms:03}")
    )
}

/// A response code with its meaning: "05 (do not honour)".
pub fn code_text(lang: Lang, c: u8) -> String {
    if c == code::NONE {
        return lang.get("code.none").to_string();
    }
    let key = format!("code.{c:02}");
    let meaning = if lang.has(&key) {
        lang.get(&key).to_string()
    } else {
        code::describe(c).to_string()
    };
    format!("{c:02} ({meaning})")
}

/// A sum of minor units as "12.34".
fn money(a: i64) -> String {
    let sign = if a < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", a.abs() / 100, a.abs() % 100)
}

/// A station read as a name: "the issuer `bank-a`".
fn station(lang: Lang, kind: &str, id: &str) -> String {
    match kind {
        "channel" => tr!(lang, "trace.comp.channel", name = id),
        "issuer" => tr!(lang, "trace.comp.issuer", name = id),
        _ => tr!(lang, "trace.comp.gateway", name = id),
    }
}

fn account(s: &Scenario, lang: Lang, a: Account) -> String {
    match a {
        Account::Cardholders => tr!(lang, "trace.account.cardholder").into(),
        Account::IssuerHolds(i) => tr!(
            lang,
            "trace.account.issuer",
            name = s.issuers.get(i as usize).map_or("?", |x| &x.station.id)
        ),
        Account::Channel(c) => tr!(
            lang,
            "trace.account.channel",
            name = s.channels.get(c as usize).map_or("?", |x| &x.station.id)
        ),
        Account::Acquirer => tr!(lang, "trace.account.acquirer").into(),
        Account::Merchants => tr!(lang, "trace.account.merchant").into(),
        Account::Suspense => tr!(lang, "trace.account.suspense").into(),
        Account::RiskHold => tr!(lang, "trace.account.risk_hold").into(),
        Account::AcquirerLoss => tr!(lang, "trace.account.acquirer_loss").into(),
        Account::IssuerLoss => tr!(lang, "trace.account.issuer_loss").into(),
    }
}

/// The message's name ("0100 request") in the language.
fn what(lang: Lang, w: &str) -> String {
    let key = format!("trace.what.{}", w.replace([' ', '-'], "_"));
    if lang.has(&key) {
        lang.get(&key).to_string()
    } else {
        w.to_string()
    }
}

/// Every message name the model uses (`model::event::what`), for the catalogue test.
#[cfg(test)]
const WHATS: [&str; 6] = [
    "0100 request",
    "0110 response",
    "0400 reversal",
    "0410 reversal ack",
    "0120 stand-in advice",
    "0130 advice ack",
];

/// A fault described for a person: "an outage of the channel `scheme`".
pub fn fault_phrase(s: &Scenario, lang: Lang, k: usize) -> String {
    let Some(f) = s.faults.get(k) else {
        return String::new();
    };
    let kind = lang.get(&format!(
        "trace.fault_kind.{}",
        crate::scenario::faults::kind_name(f.kind)
    ));
    let comp = |c: &Component| match *c {
        Component::Gateway => station(lang, "gateway", &s.gateway.id),
        Component::Channel(i) => station(lang, "channel", &s.channels[i].station.id),
        Component::Issuer(i) => station(lang, "issuer", &s.issuers[i].station.id),
    };
    let target = match &f.target {
        FaultTarget::Station(c) => comp(c),
        FaultTarget::Issuer(i) => station(lang, "issuer", &s.issuers[*i].station.id),
        FaultTarget::Link(l, _) => {
            let name = match *l {
                LinkRef::Terminal(g) => format!("{}-{}", s.terminals[g].id, s.gateway.id),
                LinkRef::GatewayChannel(c) => {
                    format!("{}-{}", s.gateway.id, s.channels[c].station.id)
                }
                LinkRef::ChannelIssuer(c, i) => {
                    format!("{}-{}", s.channels[c].station.id, s.issuers[i].station.id)
                }
            };
            tr!(lang, "trace.comp.link", name = name)
        }
        FaultTarget::Groups(gs) => tr!(
            lang,
            "trace.comp.groups",
            names = gs
                .iter()
                .map(|&g| format!("`{}`", s.terminals[g].id))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    tr!(lang, "trace.fault", kind = kind, target = target)
}

/// A cause named for a person: a fault with its id, kind and target, or a fixed cause with
/// its meaning.
pub fn cause_phrase(s: &Scenario, lang: Lang, name: &str) -> String {
    let names = model::cause::names(s);
    let fixed = model::cause::FIXED_NAMES.len();
    match names.iter().position(|n| n == name) {
        Some(i) if i >= fixed => tr!(
            lang,
            "trace.why.fault",
            id = name,
            fault = fault_phrase(s, lang, i - fixed)
        ),
        _ => tr!(
            lang,
            "trace.why.fixed",
            name = name,
            meaning = lang.get(&format!("cause.{name}"))
        ),
    }
}

/// Who a fixed sentence is about, from its key's family (`trace.note.<part>_...`).
fn note_component(key: &str, st: &State, lang: Lang) -> (String, &'static str) {
    let part = key
        .rsplit('.')
        .next()
        .unwrap_or("")
        .split('_')
        .next()
        .unwrap_or("");
    match part {
        "channel" | "failover" => (station(lang, "channel", &st.channel), "note"),
        "issuer" => (station(lang, "issuer", &st.issuer), "note"),
        "terminal" | "retry" | "pay" | "pays" | "attempt" => (st.terminal(lang), "note"),
        "reconcile" => (tr!(lang, "trace.comp.reconciliation").into(), "reconciled"),
        "settlement" => (tr!(lang, "trace.comp.clearing").into(), "note"),
        "shed" => (tr!(lang, "trace.comp.acquirer").into(), "shed"),
        _ => (tr!(lang, "trace.comp.acquirer").into(), "note"),
    }
}

/// What the story knows as it reads the steps: the payment's terminal group, issuer and
/// channel (which a failover changes).
#[derive(Default)]
struct State {
    group: String,
    issuer: String,
    channel: String,
}

impl State {
    fn terminal(&self, lang: Lang) -> String {
        tr!(lang, "trace.comp.terminal", name = self.group)
    }
}

/// Builds the story of payment `serial` from its recorded steps (in order).
pub fn build(
    s: &Scenario,
    seed: u64,
    run: u64,
    serial: u64,
    steps: &[(Nanos, Step)],
    lang: Lang,
) -> Story {
    let mut st = State::default();
    let mut lines: Vec<StoryLine> = vec![];
    let mut views = Views::default();
    let mut cause = "none".to_string();
    let mut also: Vec<String> = vec![];
    let mut outcome = "pending";
    let mut false_decline = false;
    // The moment the outcome became final: the last step of the payment's own life.
    let mut last_t = steps.first().map_or(0, |x| x.0);
    // Whether the till's answer was a decline of a payable payment (known at the end).
    let false_decline_at_end = steps.iter().any(|(_, x)| {
        matches!(
            x,
            Step::Outcome {
                false_decline: true,
                ..
            }
        )
    });
    for (t, step) in steps {
        let t = *t;
        let mut line = |component: String, kind: &'static str, code: Option<u8>, text: String| {
            lines.push(StoryLine {
                time_s: as_secs_f64(t),
                clock: clock(lang, t),
                component,
                kind,
                code,
                text,
                postings: vec![],
            });
        };
        let acq = || -> String { tr!(lang, "trace.comp.acquirer").into() };
        match step {
            Step::Created {
                amount,
                group,
                fraud,
                payable,
                issuer,
                channel,
            } => {
                st.group = group.clone();
                st.issuer = issuer.clone();
                st.channel = channel.clone();
                let who = if *fraud {
                    tr!(lang, "trace.created.fraud")
                } else if *payable {
                    tr!(lang, "trace.created.payable")
                } else {
                    tr!(lang, "trace.created.unpayable")
                };
                line(
                    st.terminal(lang),
                    "created",
                    None,
                    tr!(
                        lang,
                        "trace.created.sale",
                        amount = money(*amount),
                        issuer = station(lang, "issuer", issuer),
                        channel = station(lang, "channel", channel),
                        who = who
                    ),
                );
            }
            Step::Sent { what: w, to } => {
                let to = match to.as_str() {
                    "terminal" => st.terminal(lang),
                    "gateway" => station(lang, "gateway", &s.gateway.id),
                    "channel" => station(lang, "channel", &st.channel),
                    _ => station(lang, "issuer", &st.issuer),
                };
                line(
                    tr!(lang, "trace.comp.network").into(),
                    "sent",
                    None,
                    tr!(lang, "trace.sent", what = what(lang, w), to = to),
                );
            }
            Step::Lost { what: w, link } => line(
                tr!(lang, "trace.comp.link", name = link),
                "lost",
                None,
                tr!(lang, "trace.lost", what = what(lang, w)),
            ),
            Step::Dropped { what: w, at, .. } => {
                let kind = if at == &st.channel {
                    "channel"
                } else if at == &st.issuer {
                    "issuer"
                } else {
                    "gateway"
                };
                line(
                    station(lang, kind, at),
                    "dropped",
                    None,
                    tr!(lang, "trace.dropped", what = what(lang, w)),
                )
            }
            Step::Rejected {
                what: w,
                kind,
                at,
                code,
            } => line(
                station(lang, kind, at),
                "refused",
                Some(*code),
                tr!(
                    lang,
                    "trace.rejected",
                    what = what(lang, w),
                    code = code_text(lang, *code)
                ),
            ),
            Step::Hangs { kind, at } => line(
                station(lang, kind, at),
                "hang",
                None,
                tr!(lang, "trace.hangs").into(),
            ),
            Step::Queued { kind, at } => line(
                station(lang, kind, at),
                "queued",
                None,
                tr!(lang, "trace.queued").into(),
            ),
            Step::Served { kind, at } => line(
                station(lang, kind, at),
                "served",
                None,
                tr!(lang, "trace.served", station = station(lang, kind, at)),
            ),
            Step::Decided { by, at, code } => {
                let who = match *by {
                    "issuer" => station(lang, "issuer", at),
                    _ => station(lang, "gateway", &s.gateway.id),
                };
                let key = format!("trace.decided.{by}");
                let text = crate::i18n::fill(
                    lang.get(&key),
                    &[("who", &who), ("code", &code_text(lang, *code))],
                );
                line(who, "decided", Some(*code), text)
            }
            Step::Answered { code } => {
                let mut text = tr!(lang, "trace.answered", code = code_text(lang, *code));
                if *code != code::APPROVED && false_decline_at_end {
                    text.push_str(tr!(lang, "trace.false_decline"));
                }
                line(st.terminal(lang), "answered", Some(*code), text)
            }
            Step::LateAnswer { code } => line(
                st.terminal(lang),
                "late_answer",
                Some(*code),
                tr!(
                    lang,
                    "trace.late_answer",
                    code = code_text(lang, *code),
                    ignored = code_text(lang, code::TOO_LATE)
                ),
            ),
            Step::TimedOut => line(
                st.terminal(lang),
                "timed_out",
                None,
                tr!(lang, "trace.timed_out").into(),
            ),
            Step::Held => line(
                station(lang, "issuer", &st.issuer),
                "held",
                None,
                tr!(lang, "trace.held").into(),
            ),
            Step::Released => line(
                station(lang, "issuer", &st.issuer),
                "released",
                None,
                tr!(lang, "trace.released").into(),
            ),
            Step::Cleared => line(acq(), "batch_cut", None, tr!(lang, "trace.cleared").into()),
            Step::Presented => line(
                station(lang, "issuer", &st.issuer),
                "presented",
                None,
                tr!(lang, "trace.presented").into(),
            ),
            Step::Settled { on_time } => line(
                acq(),
                "settled",
                None,
                if *on_time {
                    tr!(lang, "trace.settled_on_time").into()
                } else {
                    tr!(lang, "trace.settled_late").into()
                },
            ),
            Step::HoldExpired => line(
                station(lang, "issuer", &st.issuer),
                "hold_expired",
                None,
                tr!(lang, "trace.hold_expired").into(),
            ),
            Step::SafQueued => line(
                acq(),
                "reversal_queued",
                None,
                tr!(lang, "trace.saf_queued").into(),
            ),
            Step::SafRepeat => line(
                acq(),
                "reversal_repeated",
                None,
                tr!(lang, "trace.saf_repeat").into(),
            ),
            Step::SafAcked => line(
                acq(),
                "reversal_acked",
                None,
                tr!(lang, "trace.saf_acked").into(),
            ),
            Step::SafExpired => line(
                acq(),
                "reversal_expired",
                None,
                tr!(lang, "trace.saf_expired").into(),
            ),
            Step::PayoutReturned => line(
                acq(),
                "payout_returned",
                None,
                tr!(lang, "trace.payout_returned").into(),
            ),
            Step::Note(key) => {
                let (comp, kind) = note_component(key, &st, lang);
                line(comp, kind, None, lang.get(key).to_string())
            }
            Step::Says(key, args) => {
                let (comp, kind) = note_component(key, &st, lang);
                let args: Vec<(&str, &dyn std::fmt::Display)> = args
                    .iter()
                    .map(|(n, v)| (*n, v as &dyn std::fmt::Display))
                    .collect();
                line(comp, kind, None, crate::i18n::fill(lang.get(key), &args))
            }
            Step::Refused { code } => line(
                acq(),
                "refused",
                Some(code::TOO_LATE),
                tr!(
                    lang,
                    "trace.refused_late",
                    code = code_text(lang, *code),
                    refusal = code_text(lang, code::TOO_LATE)
                ),
            ),
            Step::FailedOver { to } => {
                st.channel = to.clone();
                line(
                    acq(),
                    "failover",
                    None,
                    tr!(lang, "trace.failed_over", to = station(lang, "channel", to)),
                )
            }
            Step::Posting { from, to, amount } => {
                let p = Posting {
                    from: account(s, lang, *from),
                    to: account(s, lang, *to),
                    amount: *amount,
                };
                match lines.last_mut() {
                    Some(l) if l.time_s == as_secs_f64(t) && l.kind != "outcome" => {
                        l.postings.push(p)
                    }
                    _ => {
                        lines.push(StoryLine {
                            time_s: as_secs_f64(t),
                            clock: clock(lang, t),
                            component: tr!(lang, "trace.comp.ledger").into(),
                            kind: "posting",
                            code: None,
                            text: tr!(lang, "trace.posting").into(),
                            postings: vec![p],
                        });
                    }
                }
            }
            Step::Cause { name, .. } => {
                cause = name.clone();
                continue;
            }
            Step::AlsoCause { name } => {
                also.push(name.clone());
                continue;
            }
            Step::Views {
                till,
                till_ok,
                cardholder,
                merchant,
            } => {
                views = Views {
                    till: match till {
                        None => tr!(lang, "trace.view.till_none").into(),
                        Some(c) if *till_ok => {
                            tr!(lang, "trace.view.till_approved", code = code_text(lang, *c))
                        }
                        Some(c) => {
                            tr!(lang, "trace.view.till_declined", code = code_text(lang, *c))
                        }
                    },
                    cardholder: lang
                        .get(&format!("trace.view.cardholder.{cardholder}"))
                        .to_string(),
                    merchant: lang
                        .get(&format!("trace.view.merchant.{merchant}"))
                        .to_string(),
                };
                continue;
            }
            Step::Outcome {
                outcome: o,
                at_end,
                false_decline: fd,
                ..
            } => {
                outcome = o;
                false_decline = *fd;
                let name = lang.get(&format!("outcome.{o}"));
                // Stamped when the outcome became final, not when the payment's last timer
                // (such as the terminal's, after a decline) let it go.
                let (at, text) = if *at_end {
                    (t, tr!(lang, "trace.outcome_at_end", outcome = name))
                } else {
                    (last_t, tr!(lang, "trace.outcome", outcome = name))
                };
                lines.push(StoryLine {
                    time_s: as_secs_f64(at),
                    clock: clock(lang, at),
                    component: tr!(lang, "trace.comp.outcome").into(),
                    kind: "outcome",
                    code: None,
                    text,
                    postings: vec![],
                });
                continue;
            }
        }
        last_t = t;
    }
    let why = why(s, lang, outcome, &cause, false_decline);
    Story {
        run,
        serial,
        lines,
        views,
        why,
        outcome,
        cause,
        also,
        false_decline,
        scenario: s.name.clone(),
        seed,
    }
}

/// The closing sentence.
fn why(s: &Scenario, lang: Lang, outcome: &str, cause: &str, false_decline: bool) -> String {
    if outcome == "settled_on_time" {
        return tr!(lang, "trace.why.settled_on_time").into();
    }
    let c = cause_phrase(s, lang, cause);
    let key = if outcome == "declined" && false_decline {
        "trace.why.false_decline".to_string()
    } else {
        format!("trace.why.{outcome}")
    };
    crate::i18n::fill(lang.get(&key), &[("cause", &c)])
}

/// The story as text, one line per step, then the views and the closing sentence.
pub fn text(st: &Story, lang: Lang) -> String {
    let mut out = tr!(
        lang,
        "trace.header",
        serial = st.serial,
        run = st.run,
        seed = st.seed,
        scenario = st.scenario
    );
    out.push('\n');
    let width = st
        .lines
        .iter()
        .map(|l| l.component.chars().count())
        .max()
        .unwrap_or(0)
        .min(28);
    for l in &st.lines {
        let pad = width.saturating_sub(l.component.chars().count());
        out.push_str(&format!(
            "  {}  {}{}  {}\n",
            l.clock,
            l.component,
            " ".repeat(pad),
            l.text
        ));
        for p in &l.postings {
            out.push_str(&format!(
                "      {}\n",
                tr!(
                    lang,
                    "trace.posting_line",
                    from = p.from,
                    to = p.to,
                    amount = money(p.amount)
                )
            ));
        }
    }
    out.push_str(&format!("  {}\n", tr!(lang, "trace.views")));
    out.push_str(&format!(
        "    {} {}\n    {} {}\n    {} {}\n",
        tr!(lang, "trace.view.till"),
        st.views.till,
        tr!(lang, "trace.view.cardholder_label"),
        st.views.cardholder,
        tr!(lang, "trace.view.merchant_label"),
        st.views.merchant
    ));
    out.push_str(&format!("  {}\n", st.why));
    if !st.also.is_empty() {
        let phrases: Vec<String> = st.also.iter().map(|c| format!("`{c}`")).collect();
        out.push_str(&format!(
            "  {}\n",
            tr!(lang, "trace.also", causes = phrases.join(", "))
        ));
    }
    out
}

/// Stories as JSON (an array), for scripts.
pub fn json(stories: &[Story]) -> String {
    serde_json::to_string_pretty(stories).expect("stories serialise") + "\n"
}

/// What a census knows of one payment, enough to filter and to write a spreadsheet row.
#[derive(Clone, Debug, Default)]
pub struct Row {
    pub serial: u64,
    pub group: String,
    pub amount: i64,
    pub created: Nanos,
    pub issuer: String,
    pub channel: String,
    /// The code the till showed, if it got an answer in time.
    pub till_code: Option<u8>,
    /// Every code the payment was answered or decided with.
    pub codes: Vec<u8>,
    pub outcome: Option<&'static str>,
    pub cause: String,
    pub settled_at: Option<Nanos>,
    pub credited: i64,
    pub false_decline: bool,
    /// The order in which outcomes were judged (the payment's rank in the run).
    pub rank: u64,
}

/// A tracer that keeps a [`Row`] per payment of a run (every payment is traced, so a census
/// run is slower than a normal one, but its numbers are the same).
#[derive(Default)]
pub struct Census {
    pub rows: HashMap<u64, Row>,
    judged: u64,
}

impl Tracer for Census {
    const ON: bool = true;
    fn wants(&self, _: u64) -> bool {
        true
    }
    fn record(&mut self, t: Nanos, serial: u64, step: Step) {
        let r = self.rows.entry(serial).or_default();
        match step {
            Step::Created {
                amount,
                group,
                issuer,
                channel,
                ..
            } => {
                r.serial = serial;
                r.amount = amount;
                r.group = group;
                r.created = t;
                r.issuer = issuer;
                r.channel = channel;
            }
            Step::FailedOver { to } => r.channel = to,
            Step::Answered { code } => {
                r.till_code = Some(code);
                r.codes.push(code);
            }
            Step::Decided { code, .. }
            | Step::Rejected { code, .. }
            | Step::LateAnswer { code } => r.codes.push(code),
            Step::Settled { .. } => r.settled_at = Some(t),
            Step::Cause { name, .. } => r.cause = name,
            Step::Outcome {
                outcome,
                false_decline,
                credited,
                ..
            } => {
                r.outcome = Some(outcome);
                r.false_decline = false_decline;
                r.credited = credited;
                r.rank = self.judged;
                self.judged += 1;
                if r.cause.is_empty() {
                    r.cause = "none".into();
                }
            }
            _ => {}
        }
    }
}

/// Which payments to tell.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// An outcome's name, or `false_decline`; `None` with no other filter: not settled on time.
    pub outcome: Option<String>,
    pub cause: Option<String>,
    pub code: Option<u8>,
}

impl Filter {
    pub fn matches(&self, r: &Row) -> bool {
        let Some(o) = r.outcome else {
            return false; // a superseded attempt: no outcome of its own
        };
        let none = self.outcome.is_none() && self.cause.is_none() && self.code.is_none();
        if none {
            return o != "settled_on_time";
        }
        let outcome_ok = match self.outcome.as_deref() {
            None => true,
            Some("false_decline") => r.false_decline,
            Some(x) => x == o,
        };
        outcome_ok
            && self.cause.as_deref().is_none_or(|c| c == r.cause)
            && self.code.is_none_or(|c| r.codes.contains(&c))
    }
}

/// Runs a census of run `run`: the rows of its payments, in serial order.
pub fn census(s: &Scenario, seed: u64, run: u64) -> Result<Vec<Row>, RunError> {
    let mut c = Census::default();
    model::simulate(s, seed, run, &mut c)?;
    let mut rows: Vec<Row> = c
        .rows
        .into_values()
        .filter(|r| !r.group.is_empty())
        .collect();
    rows.sort_by_key(|r| r.serial);
    Ok(rows)
}

/// The serials of a census's rows that match, in the order their outcomes were judged.
pub fn matching(rows: &[Row], f: &Filter) -> Vec<u64> {
    let mut m: Vec<&Row> = rows.iter().filter(|r| f.matches(r)).collect();
    m.sort_by_key(|r| r.rank);
    m.into_iter().map(|r| r.serial).collect()
}

/// Replays run `run` and tells the stories of `serials` (in that order); a serial the run does
/// not have gives no story.
pub fn tell(
    s: &Scenario,
    seed: u64,
    run: u64,
    serials: &[u64],
    lang: Lang,
) -> Result<Vec<Story>, RunError> {
    match tell_until_violation(s, seed, run, serials, lang) {
        (stories, None) => Ok(stories),
        (_, Some(e)) => Err(e),
    }
}

/// Like [`tell`], but a run stopped by a violated invariant still tells the stories up to the
/// violation (for a developer replaying the payment the violation names), with the error.
pub fn tell_until_violation(
    s: &Scenario,
    seed: u64,
    run: u64,
    serials: &[u64],
    lang: Lang,
) -> (Vec<Story>, Option<RunError>) {
    let mut rec = Recorder {
        serials: serials.to_vec(),
        ..Default::default()
    };
    let err = model::simulate(s, seed, run, &mut rec).err();
    let mut by: HashMap<u64, Vec<(Nanos, Step)>> = HashMap::new();
    for (t, serial, step) in rec.steps {
        by.entry(serial).or_default().push((t, step));
    }
    let stories = serials
        .iter()
        .filter_map(|n| by.get(n).map(|steps| build(s, seed, run, *n, steps, lang)))
        .collect();
    (stories, err)
}

/// Up to `k` stories of payments that did not settle on time, from runs 0.. up to `runs`,
/// preferring different causes (for the report's "a few example stories").
pub fn examples(
    s: &Scenario,
    seed: u64,
    runs: u64,
    lang: Lang,
    k: usize,
) -> Result<Vec<Story>, String> {
    let mut out = vec![];
    let mut seen: Vec<String> = vec![];
    let f = Filter::default();
    for run in 0..runs {
        if out.len() >= k {
            break;
        }
        let rows = census(s, seed, run).map_err(|e| e.to_string())?;
        let by_serial: HashMap<u64, &Row> = rows.iter().map(|r| (r.serial, r)).collect();
        let mut found = matching(&rows, &f);
        // The causes the scenario demonstrates first (stable: in time order within each).
        found.sort_by_key(|n| !s.demonstrates.contains(&by_serial[n].cause));
        // New causes first, then the rest if causes run out in the last run.
        let mut pick: Vec<u64> = vec![];
        for n in &found {
            let c = &by_serial[n].cause;
            if !seen.contains(c) && pick.len() + out.len() < k {
                seen.push(c.clone());
                pick.push(*n);
            }
        }
        if run + 1 == runs {
            for n in &found {
                if pick.len() + out.len() >= k {
                    break;
                }
                if !pick.contains(n) {
                    pick.push(*n);
                }
            }
        }
        if !pick.is_empty() {
            out.extend(tell(s, seed, run, &pick, lang).map_err(|e| e.to_string())?);
        }
    }
    Ok(out)
}

/// The census as CSV, one row per payment, for a class to sort and filter in a spreadsheet.
pub fn csv(s: &Scenario, rows: &[Row]) -> String {
    let _ = s;
    let mut w = csv::Writer::from_writer(vec![]);
    w.write_record([
        "serial",
        "terminal_group",
        "amount",
        "created_at_s",
        "issuer",
        "channel",
        "till_code",
        "outcome",
        "cause",
        "settled_at_s",
        "settlement_delay_s",
        "credited",
        "false_decline",
    ])
    .expect("in memory");
    for r in rows {
        let settled = r.settled_at.map(|t| format!("{:.3}", as_secs_f64(t)));
        let delay = r
            .settled_at
            .map(|t| format!("{:.3}", as_secs_f64(t.saturating_sub(r.created))));
        w.write_record([
            r.serial.to_string(),
            r.group.clone(),
            money(r.amount),
            format!("{:.3}", as_secs_f64(r.created)),
            r.issuer.clone(),
            r.channel.clone(),
            r.till_code.map_or(String::new(), |c| format!("{c:02}")),
            r.outcome.unwrap_or("").to_string(),
            if r.outcome.is_some() {
                r.cause.clone()
            } else {
                String::new()
            },
            settled.unwrap_or_default(),
            delay.unwrap_or_default(),
            money(r.credited),
            r.false_decline.to_string(),
        ])
        .expect("in memory");
    }
    String::from_utf8(w.into_inner().expect("in memory")).expect("utf-8")
}

#[cfg(test)]
mod tests;

//! The story of a payment, told for a trainer: what happened at each step (with the money's
//! postings), the three views at the end (the till, the cardholder's money, the merchant's
//! money) and one closing sentence saying why the money did not arrive, naming the cause.
//!
//! A story is data ([`Story`]), built from the recorded steps of a payment (a deterministic
//! replay of one run, `runner::replay::record`) and rendered as text ([`text`]) or JSON
//! (serde). Every sentence comes from the message catalogue (`src/i18n/<lang>/trace.toml`), so
//! a story can be told in any language of [`Lang`]. The census of a run (`runner::replay`),
//! which finds the payments that match a filter (outcome, cause, code), is written one row per
//! payment for a spreadsheet ([`csv()`]).
//!
//! The story speaks the network's language: each message by its ISO 8583 type as the model
//! names it (`model::trace::MESSAGE_NAMES`), each response code with its meaning in the code
//! set of the payment's channel, and times as "day N hh:mm:ss.mmm" with day 0 the first
//! simulated day, as the scenario reference counts days.

mod census;
mod teller;

pub use census::{csv, tell};
pub use teller::build;

use crate::engine::Nanos;
use crate::engine::time::DAY;
use crate::i18n::Lang;
use crate::model;
use crate::model::ledger::Account;
use crate::model::payment::code;
use crate::scenario::{CodeSet, Component, FaultTarget, LinkRef, Scenario};
use crate::tr;
use serde::Serialize;

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
    /// The same, as day and clock time ("day 0 09:00:00.000"; day 0 is the first day).
    pub clock: String,
    /// Who acted ("the issuer `bank-a`").
    pub component: String,
    /// What kind of step: created, sent, lost, dropped, refused, queued, decided, answered,
    /// late_answer, late_response, timed_out, held, reversal_queued, reversal_acked,
    /// batch_cut, presented, settled, reconciled, outcome, ...
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

/// "day 0 09:00:00.000": the day of the run and the clock time. Days count from day 0, the
/// first simulated day (t = 0 is its midnight), as in the scenario reference, the reports and
/// the charts: a fault with `start = "10h"` acts from "day 0 10:00".
pub fn clock(lang: Lang, t: Nanos) -> String {
    let day = t / DAY;
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

/// A response code with its meaning in ISO 8583: "05 (do not honour)".
pub fn code_text(lang: Lang, c: u8) -> String {
    code_text_in(lang, CodeSet::Iso, c)
}

/// A response code with its meaning in a channel's code set: a UnionPay channel's own
/// meanings (`code.unionpay.NN`) where they differ from ISO 8583 (`code.NN`).
pub fn code_text_in(lang: Lang, set: CodeSet, c: u8) -> String {
    if c == code::NONE {
        return lang.get("code.none").to_string();
    }
    let own = match set {
        CodeSet::Iso => None,
        CodeSet::UnionPay => Some(format!("code.unionpay.{c:02}")),
    };
    let key = format!("code.{c:02}");
    let meaning = match own {
        Some(k) if lang.has(&k) => lang.get(&k).to_string(),
        _ if lang.has(&key) => lang.get(&key).to_string(),
        _ => code::describe(c).to_string(),
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

pub(crate) fn account(s: &Scenario, lang: Lang, a: Account) -> String {
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
        Account::IssuerFees => tr!(lang, "trace.account.issuer_fees").into(),
        Account::SchemeFees => tr!(lang, "trace.account.scheme_fees").into(),
        Account::AcquirerRevenue => tr!(lang, "trace.account.acquirer_revenue").into(),
        Account::PayoutRail => tr!(lang, "trace.account.payout_rail").into(),
    }
}

/// The message's name ("0100 request": one of `model::trace::MESSAGE_NAMES`) in the
/// language.
pub(crate) fn what(lang: Lang, w: &str) -> String {
    let key = format!("trace.what.{}", w.replace([' ', '-'], "_"));
    if lang.has(&key) {
        lang.get(&key).to_string()
    } else {
        w.to_string()
    }
}

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

#[cfg(test)]
mod tests;

//! Builds a [`Story`] from a payment's recorded steps: one line per step in the catalogue's
//! words, the money's postings under the step that moved it, the three views, and the closing
//! sentence chosen to agree with them.

use super::{Posting, Story, StoryLine, Views, account, cause_phrase, clock, code_text_in};
use super::{money, station, what};
use crate::engine::Nanos;
use crate::engine::time::as_secs_f64;
use crate::i18n::{Lang, fill};
use crate::model::Step;
use crate::model::payment::code;
use crate::scenario::{CodeSet, Liability, Scenario};
use crate::tr;

/// What the story knows as it reads the steps: the payment's terminal group, issuer and
/// channel (which a failover changes), and the channel's response codes.
#[derive(Default)]
struct State {
    group: String,
    issuer: String,
    channel: String,
    codes: CodeSet,
}

impl State {
    fn terminal(&self, lang: Lang) -> String {
        tr!(lang, "trace.comp.terminal", name = self.group)
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

/// The story being told.
struct Teller<'a> {
    s: &'a Scenario,
    lang: Lang,
    st: State,
    lines: Vec<StoryLine>,
    views: Views,
    /// The catalogue key of the merchant's view, and whether the till approved.
    merchant: &'static str,
    till_ok: bool,
    cause: String,
    also: Vec<String>,
    outcome: &'static str,
    false_decline: bool,
    /// Whether the till's answer was a decline of a payable payment (known at the end).
    false_decline_at_end: bool,
    /// The moment the outcome became final: the last step of the payment's own life.
    last_t: Nanos,
    /// Who bore its chargeback, if not `risk.liability` (`[disputes]`: the acquirer for a
    /// late presentment, the issuer for a fraud whose representment it accepted).
    liable: Option<Liability>,
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
    let mut tl = Teller {
        s,
        lang,
        st: State::default(),
        lines: vec![],
        views: Views::default(),
        merchant: "not_credited",
        till_ok: false,
        cause: "none".to_string(),
        also: vec![],
        outcome: "pending",
        false_decline: false,
        liable: None,
        false_decline_at_end: steps.iter().any(|(_, x)| {
            matches!(
                x,
                Step::Outcome {
                    false_decline: true,
                    ..
                }
            )
        }),
        last_t: steps.first().map_or(0, |x| x.0),
    };
    for (t, step) in steps {
        if tl.step(*t, step) {
            tl.last_t = *t;
        }
    }
    let why = why(s, lang, &tl);
    Story {
        run,
        serial,
        lines: tl.lines,
        views: tl.views,
        why,
        outcome: tl.outcome,
        cause: tl.cause,
        also: tl.also,
        false_decline: tl.false_decline,
        scenario: s.name.clone(),
        seed,
    }
}

impl Teller<'_> {
    fn line(
        &mut self,
        t: Nanos,
        component: String,
        kind: &'static str,
        code: Option<u8>,
        text: String,
    ) {
        self.lines.push(StoryLine {
            time_s: as_secs_f64(t),
            clock: clock(self.lang, t),
            component,
            kind,
            code,
            text,
            postings: vec![],
        });
    }

    /// A code with its meaning, in the payment's channel's code set.
    fn code(&self, c: u8) -> String {
        code_text_in(self.lang, self.st.codes, c)
    }

    fn acquirer(&self) -> String {
        tr!(self.lang, "trace.comp.acquirer").into()
    }

    fn issuer(&self) -> String {
        station(self.lang, "issuer", &self.st.issuer)
    }

    /// The channel `id`'s response codes.
    fn codes_of(&self, id: &str) -> CodeSet {
        self.s
            .channels
            .iter()
            .find(|c| c.station.id == id)
            .map_or(CodeSet::Iso, |c| c.codes)
    }

    /// Tells one step; `true` when it is a step of the payment's own life (the outcome, the
    /// views and the cause are not).
    fn step(&mut self, t: Nanos, step: &Step) -> bool {
        let lang = self.lang;
        match step {
            Step::Created { .. } => self.created(t, step),
            Step::Sent { .. }
            | Step::Lost { .. }
            | Step::Dropped { .. }
            | Step::Rejected { .. } => self.message(t, step),
            Step::Hangs { kind, at } | Step::Queued { kind, at } | Step::Served { kind, at } => {
                let (k, text) = match step {
                    Step::Hangs { .. } => ("hang", tr!(lang, "trace.hangs").to_string()),
                    Step::Queued { .. } => ("queued", tr!(lang, "trace.queued").to_string()),
                    _ => (
                        "served",
                        tr!(lang, "trace.served", station = station(lang, kind, at)),
                    ),
                };
                self.line(t, station(lang, kind, at), k, None, text)
            }
            Step::Decided { .. }
            | Step::Answered { .. }
            | Step::LateAnswer { .. }
            | Step::LateResponse { .. }
            | Step::TimedOut => self.answer(t, step),
            Step::SafQueued
            | Step::SafRepeat
            | Step::SafAcked
            | Step::SafExpired
            | Step::ReversalAcked { .. } => self.reversal(t, step),
            Step::Note(key) => {
                match *key {
                    "trace.note.issuer_chargeback_late" => self.liable = Some(Liability::Acquirer),
                    "trace.note.issuer_representment_accepted" => {
                        self.liable = Some(Liability::Issuer)
                    }
                    _ => {}
                }
                let (comp, kind) = note_component(key, &self.st, lang);
                self.line(t, comp, kind, None, lang.get(key).to_string())
            }
            Step::Says(key, args) => {
                let (comp, kind) = note_component(key, &self.st, lang);
                let args: Vec<(&str, &dyn std::fmt::Display)> = args
                    .iter()
                    .map(|(n, v)| (*n, v as &dyn std::fmt::Display))
                    .collect();
                self.line(t, comp, kind, None, fill(lang.get(key), &args))
            }
            Step::Coded(key, c) => {
                let (comp, kind) = note_component(key, &self.st, lang);
                let text = fill(lang.get(key), &[("code", &self.code(*c))]);
                self.line(t, comp, kind, Some(*c), text)
            }
            Step::FailedOver { to } => {
                self.st.channel = to.clone();
                self.st.codes = self.codes_of(to);
                let text = tr!(lang, "trace.failed_over", to = station(lang, "channel", to));
                self.line(t, self.acquirer(), "failover", None, text)
            }
            Step::Posting { from, to, amount } => self.posting(t, *from, *to, *amount),
            Step::Cause { name, .. } => {
                self.cause = name.clone();
                return false;
            }
            Step::AlsoCause { name } => {
                self.also.push(name.clone());
                return false;
            }
            Step::Views { .. } | Step::Outcome { .. } => {
                self.end(t, step);
                return false;
            }
            _ => self.money_step(t, step),
        }
        true
    }

    fn created(&mut self, t: Nanos, step: &Step) {
        let Step::Created {
            amount,
            group,
            fraud,
            payable,
            issuer,
            channel,
        } = step
        else {
            return;
        };
        let lang = self.lang;
        self.st.group = group.clone();
        self.st.issuer = issuer.clone();
        self.st.channel = channel.clone();
        self.st.codes = self.codes_of(channel);
        let who = if *fraud {
            tr!(lang, "trace.created.fraud")
        } else if *payable {
            tr!(lang, "trace.created.payable")
        } else {
            tr!(lang, "trace.created.unpayable")
        };
        let text = tr!(
            lang,
            "trace.created.sale",
            amount = money(*amount),
            issuer = station(lang, "issuer", issuer),
            channel = station(lang, "channel", channel),
            who = who
        );
        self.line(t, self.st.terminal(lang), "created", None, text)
    }

    /// A message sent, lost, dropped or refused.
    fn message(&mut self, t: Nanos, step: &Step) {
        let lang = self.lang;
        match step {
            Step::Sent { what: w, to } => {
                let to = match to.as_str() {
                    "terminal" => self.st.terminal(lang),
                    "gateway" => station(lang, "gateway", &self.s.gateway.id),
                    "channel" => station(lang, "channel", &self.st.channel),
                    _ => self.issuer(),
                };
                let text = tr!(lang, "trace.sent", what = what(lang, w), to = to);
                self.line(
                    t,
                    tr!(lang, "trace.comp.network").into(),
                    "sent",
                    None,
                    text,
                )
            }
            Step::Lost { what: w, link } => self.line(
                t,
                tr!(lang, "trace.comp.link", name = link),
                "lost",
                None,
                tr!(lang, "trace.lost", what = what(lang, w)),
            ),
            Step::Dropped { what: w, at, .. } => {
                let kind = if at == &self.st.channel {
                    "channel"
                } else if at == &self.st.issuer {
                    "issuer"
                } else {
                    "gateway"
                };
                let text = tr!(lang, "trace.dropped", what = what(lang, w));
                self.line(t, station(lang, kind, at), "dropped", None, text)
            }
            Step::Rejected {
                what: w,
                kind,
                at,
                code,
            } => {
                let text = tr!(
                    lang,
                    "trace.rejected",
                    what = what(lang, w),
                    code = self.code(*code)
                );
                self.line(t, station(lang, kind, at), "refused", Some(*code), text)
            }
            _ => {}
        }
    }

    /// A decision, an answer, or one that came too late.
    fn answer(&mut self, t: Nanos, step: &Step) {
        let lang = self.lang;
        match step {
            Step::Decided { by, at, code } => {
                let who = match *by {
                    "issuer" => station(lang, "issuer", at),
                    _ => station(lang, "gateway", &self.s.gateway.id),
                };
                let key = format!("trace.decided.{by}");
                let text = fill(
                    lang.get(&key),
                    &[("who", &who), ("code", &self.code(*code))],
                );
                self.line(t, who, "decided", Some(*code), text)
            }
            Step::Answered { code } => {
                let mut text = tr!(lang, "trace.answered", code = self.code(*code));
                if *code != code::APPROVED && self.false_decline_at_end {
                    text.push_str(tr!(lang, "trace.false_decline"));
                }
                self.line(t, self.st.terminal(lang), "answered", Some(*code), text)
            }
            Step::LateAnswer { code } => {
                let text = tr!(lang, "trace.late_answer", code = self.code(*code));
                self.line(t, self.st.terminal(lang), "late_answer", Some(*code), text)
            }
            Step::LateResponse { by, code, then } => {
                let comp = match *by {
                    "channel" => station(lang, "channel", &self.st.channel),
                    _ => self.acquirer(),
                };
                let text = fill(
                    lang.get(&format!("trace.late.{by}.{then}")),
                    &[("code", &self.code(*code))],
                );
                self.line(t, comp, "late_response", Some(*code), text)
            }
            Step::TimedOut => self.line(
                t,
                self.st.terminal(lang),
                "timed_out",
                None,
                tr!(lang, "trace.timed_out").into(),
            ),
            _ => {}
        }
    }

    /// The acquirer's stored reversal, and the acknowledgements of reversals.
    fn reversal(&mut self, t: Nanos, step: &Step) {
        let lang = self.lang;
        let (comp, kind, key) = match step {
            Step::SafQueued => (self.acquirer(), "reversal_queued", "trace.saf_queued"),
            Step::SafRepeat => (self.acquirer(), "reversal_repeated", "trace.saf_repeat"),
            Step::SafAcked => (self.acquirer(), "reversal_acked", "trace.saf_acked"),
            Step::SafExpired => (self.acquirer(), "reversal_expired", "trace.saf_expired"),
            Step::ReversalAcked { by: "channel" } => (
                station(lang, "channel", &self.st.channel),
                "reversal_acked",
                "trace.reversal_acked.channel",
            ),
            _ => (
                self.acquirer(),
                "reversal_acked",
                "trace.reversal_acked.acquirer",
            ),
        };
        self.line(t, comp, kind, None, lang.get(key).to_string())
    }

    /// What happens to the money's state: held, released, cleared, presented, settled...
    fn money_step(&mut self, t: Nanos, step: &Step) {
        let lang = self.lang;
        let (comp, kind, key) = match step {
            Step::Held => (self.issuer(), "held", "trace.held"),
            Step::Released => (self.issuer(), "released", "trace.released"),
            Step::Cleared => (self.acquirer(), "batch_cut", "trace.cleared"),
            Step::Presented => (self.issuer(), "presented", "trace.presented"),
            Step::Settled { on_time: true } => {
                (self.acquirer(), "settled", "trace.settled_on_time")
            }
            Step::Settled { on_time: false } => (self.acquirer(), "settled", "trace.settled_late"),
            Step::HoldExpired => (self.issuer(), "hold_expired", "trace.hold_expired"),
            Step::PayoutReturned => (self.acquirer(), "payout_returned", "trace.payout_returned"),
            _ => return,
        };
        self.line(t, comp, kind, None, lang.get(key).to_string())
    }

    /// A posting joins the line of the step that moved the money (same instant), else gets a
    /// line of its own.
    fn posting(
        &mut self,
        t: Nanos,
        from: crate::model::ledger::Account,
        to: crate::model::ledger::Account,
        amount: i64,
    ) {
        let lang = self.lang;
        let p = Posting {
            from: account(self.s, lang, from),
            to: account(self.s, lang, to),
            amount,
        };
        match self.lines.last_mut() {
            Some(l) if l.time_s == as_secs_f64(t) && l.kind != "outcome" => l.postings.push(p),
            _ => {
                self.line(
                    t,
                    tr!(lang, "trace.comp.ledger").into(),
                    "posting",
                    None,
                    tr!(lang, "trace.posting").into(),
                );
                if let Some(l) = self.lines.last_mut() {
                    l.postings.push(p);
                }
            }
        }
    }

    /// The three views and the outcome.
    fn end(&mut self, t: Nanos, step: &Step) {
        let lang = self.lang;
        match step {
            Step::Views {
                till,
                till_ok,
                cardholder,
                merchant,
            } => {
                self.merchant = merchant;
                self.till_ok = till.is_some() && *till_ok;
                self.views = Views {
                    till: match till {
                        None => tr!(lang, "trace.view.till_none").into(),
                        Some(c) if *till_ok => {
                            tr!(lang, "trace.view.till_approved", code = self.code(*c))
                        }
                        Some(c) => tr!(lang, "trace.view.till_declined", code = self.code(*c)),
                    },
                    cardholder: lang
                        .get(&format!("trace.view.cardholder.{cardholder}"))
                        .to_string(),
                    merchant: lang
                        .get(&format!("trace.view.merchant.{merchant}"))
                        .to_string(),
                };
            }
            Step::Outcome {
                outcome: o,
                at_end,
                false_decline: fd,
                ..
            } => {
                self.outcome = o;
                self.false_decline = *fd;
                let name = lang.get(&format!("outcome.{o}"));
                // Stamped when the outcome became final, not when the payment's last timer
                // (such as the terminal's, after a decline) let it go.
                let (at, text) = if *at_end {
                    (t, tr!(lang, "trace.outcome_at_end", outcome = name))
                } else {
                    (self.last_t, tr!(lang, "trace.outcome", outcome = name))
                };
                self.line(
                    at,
                    tr!(lang, "trace.comp.outcome").into(),
                    "outcome",
                    None,
                    text,
                )
            }
            _ => {}
        }
    }
}

/// The closing sentence, in agreement with the three views: a phantom charge whose merchant
/// was paid all the same says so, a reversal after an approval at the till does not say the
/// sale failed there, and a chargeback borne by the acquirer or the issuer does not say that
/// the merchant lost the money.
fn why(s: &Scenario, lang: Lang, tl: &Teller) -> String {
    if tl.outcome == "settled_on_time" {
        if tl.cause.is_empty() || tl.cause == "none" {
            return tr!(lang, "trace.why.settled_on_time").into();
        }
        let c = cause_phrase(s, lang, &tl.cause);
        return fill(
            lang.get("trace.why.settled_on_time_despite"),
            &[("cause", &c)],
        );
    }
    let paid = matches!(
        tl.merchant,
        "credited_on_time" | "credited_late" | "credited_short"
    );
    let liability = tl.liable.unwrap_or(s.liability);
    let key = match tl.outcome {
        "declined" if tl.false_decline => "trace.why.false_decline".to_string(),
        "charged_without_sale" if paid => "trace.why.charged_without_sale_paid".to_string(),
        "charged_without_sale" if tl.till_ok => "trace.why.charged_without_sale_voided".to_string(),
        "reversed" if tl.till_ok => "trace.why.reversed_after_approval".to_string(),
        "chargeback" if paid && liability != Liability::Merchant => {
            "trace.why.chargeback_kept".to_string()
        }
        o => format!("trace.why.{o}"),
    };
    let liable = lang.get(&format!("trace.why.liable.{}", liability.name()));
    let c = cause_phrase(s, lang, &tl.cause);
    fill(lang.get(&key), &[("cause", &c), ("liable", &liable)])
}

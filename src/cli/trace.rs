//! `payfault trace`: the story of one payment, step by step, for trainers.

use super::Failure;
use crate::engine::time::{as_secs_f64, format_clock};
use crate::model::payment::code;
use crate::model::{self, Outcome, OutcomeFinder, Recorder, Step};
use crate::scenario::Scenario;

/// Which payment to tell.
pub enum Pick {
    Serial(u64),
    FirstWith(Outcome),
}

/// Parses an outcome name as written in reports.
pub fn parse_outcome(s: &str) -> Result<Outcome, Failure> {
    Outcome::ALL
        .iter()
        .copied()
        .find(|o| o.name() == s)
        .ok_or_else(|| {
            let names: Vec<&str> = Outcome::ALL.iter().map(|o| o.name()).collect();
            Failure::BadInput(format!(
                "--outcome {s}: unknown outcome; expected one of {}",
                names.join(", ")
            ))
        })
}

fn describe(step: &Step) -> String {
    let c = |x: u8| format!("{x:02} ({})", code::describe(x));
    match step {
        Step::Created {
            amount,
            group,
            fraud,
            payable,
        } => {
            let who = if *fraud {
                "fraudulent: a stolen card"
            } else if *payable {
                "legitimate, and the account can pay"
            } else {
                "legitimate, but the issuer will refuse it (funds, status, limit or card number)"
            };
            format!(
                "sale of {}.{:02} at a terminal of `{group}` ({who})",
                amount / 100,
                amount % 100
            )
        }
        Step::Sent { what, to } => format!("{what} sent towards the {to}"),
        Step::Lost { what, link } => format!("{what} LOST on link {link}"),
        Step::Dropped { what, at, reason } => format!("{what} DROPPED at {at} ({reason})"),
        Step::Queued { at } => format!("waits in the queue at {at} (all servers busy)"),
        Step::Served { at } => format!("processed by {at}"),
        Step::Decided { at, code } => format!("{at} decides {}", c(*code)),
        Step::Answered { code } => format!("terminal shows {}", c(*code)),
        Step::LateAnswer { code } => format!(
            "answer {} arrives after the terminal gave up: ignored (68)",
            c(*code)
        ),
        Step::TimedOut => {
            "terminal times out: no answer in time; the sale failed at the till".into()
        }
        Step::Held => "funds held on the cardholder's account".into(),
        Step::Released => "hold released: the cardholder has the money back".into(),
        Step::Cleared => "sent for clearing in the cut-off batch".into(),
        Step::Settled { on_time } => format!(
            "merchant credited ({})",
            if *on_time { "on time" } else { "LATE" }
        ),
        Step::HoldExpired => {
            "the hold expired unclaimed: money back to the cardholder after days".into()
        }
        Step::SafQueued => "the acquirer host acknowledges the reversal at once and stores it \
            for delivery (store-and-forward, 0420)"
            .into(),
        Step::SafRepeat => "the host repeats its stored reversal (0421)".into(),
        Step::SafAcked => "the issuer side acknowledges the host's reversal".into(),
        Step::SafExpired => "the host gives up its stored reversal (expired)".into(),
        Step::PayoutReturned => "the payout to the merchant's settlement account is returned \
            (wrong account details): the money waits in the acquirer's suspense account"
            .into(),
        Step::Note(text) => (*text).to_string(),
        Step::Says(text) => text.clone(),
        Step::Cause { name, meaning } => format!("cause: `{name}`: {meaning}"),
        Step::Refused { code } => format!(
            "the acquirer had given up: it refuses the late response {} with 68 (response \
             received too late)",
            c(*code)
        ),
        Step::FailedOver { to } => {
            format!("the acquirer re-sends the request to the backup channel {to}")
        }
        Step::Views {
            till,
            cardholder,
            merchant,
        } => format!(
            "the till showed: {till}; the cardholder's money: {cardholder}; \
             the merchant's money: {merchant}"
        ),
        Step::Outcome { outcome } => format!("OUTCOME: {}", outcome.to_uppercase()),
    }
}

/// Simulates run `run` and returns the story of the chosen payment.
pub fn story(s: &Scenario, seed: u64, run: u64, pick: Pick) -> Result<String, Failure> {
    let serial = match pick {
        Pick::Serial(n) => n,
        Pick::FirstWith(o) => {
            let mut finder = OutcomeFinder {
                outcome: o.name(),
                found: None,
            };
            model::simulate(s, seed, run, &mut finder)
                .map_err(|v| Failure::Runtime(v.to_string()))?;
            // Finding none is an answer, not a failure of the simulator (exit 0).
            let Some(found) = finder.found else {
                return Ok(format!(
                    "no payment ended {} in run {run} (seed {seed}); try another --run or \
                     --outcome\n",
                    o.name()
                ));
            };
            found
        }
    };
    let mut rec = Recorder {
        serials: vec![serial],
        ..Default::default()
    };
    let out =
        model::simulate(s, seed, run, &mut rec).map_err(|v| Failure::Runtime(v.to_string()))?;
    if rec.steps.is_empty() {
        return Err(Failure::BadInput(format!(
            "--payment {serial}: run {run} has only {} payments (numbered from 0)",
            out.payments
        )));
    }
    let t0 = rec.steps[0].0;
    let mut text = format!(
        "payment #{serial} of run {run} (seed {seed}), scenario {}:\n",
        s.name
    );
    for (t, _, step) in &rec.steps {
        text.push_str(&format!(
            "  {}  +{:>10.3} s  {}\n",
            format_clock(*t),
            as_secs_f64(t - t0),
            describe(step)
        ));
    }
    Ok(text)
}

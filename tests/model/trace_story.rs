//! `payfault trace` and `report::story` tell a payment's story from a deterministic replay: the
//! steps in the order they happened, the outcome stamped when it became final, the three views,
//! and a closing sentence naming the cause and the fault (checked against the scenario's own
//! parameters).

use payfault::i18n::Lang;
use payfault::model::{self, NoTrace};
use payfault::report::story::{self, Story};
use payfault::runner::replay::{self, Filter};
use payfault::runner::stories;
use payfault::scenario::Scenario;

use crate::common::payfault;
use crate::common::{load, tell};

fn trace(args: &[&str]) -> (i32, String, String) {
    let out = payfault()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("trace")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The first story over the runs of `s` that matches `f`.
fn first(s: &Scenario, f: &Filter, lang: Lang) -> Story {
    for run in 0..s.runs {
        let rows = replay::census(s, s.seed, run).unwrap();
        if let Some(&n) = replay::matching(&rows, f).first() {
            return tell(s, s.seed, run, &[n], lang).unwrap().remove(0);
        }
    }
    panic!("no payment of {} matches {f:?}", s.name);
}

fn index(st: &Story, kind: &str) -> usize {
    st.lines
        .iter()
        .position(|l| l.kind == kind)
        .unwrap_or_else(|| panic!("no `{kind}` step:\n{}", story::text(st, Lang::En)))
}

#[test]
fn a_phantom_charge_of_an_outage_is_told_in_order_with_its_fault() {
    let s = load("scenarios/outage.toml");
    let fault = &s.faults[0];
    let channel = &s.channels[0].station.id;
    let f = Filter {
        outcome: Some("charged_without_sale".into()),
        ..Default::default()
    };
    let st = first(&s, &f, Lang::En);
    let text = story::text(&st, Lang::En);
    // The order of the journey: the sale, the approval, the hold and its posting, the
    // response lost at the dead channel, the terminal's timeout, the outcome.
    let created = index(&st, "created");
    let decided = index(&st, "decided");
    let held = index(&st, "held");
    let dropped = index(&st, "dropped");
    let timed_out = index(&st, "timed_out");
    let outcome = index(&st, "outcome");
    assert!(
        created < decided && decided < held && held < dropped && dropped < timed_out,
        "{text}"
    );
    assert_eq!(outcome, st.lines.len() - 1, "{text}");
    assert_eq!(st.lines[decided].code, Some(0), "{text}");
    assert_eq!(st.lines[held].postings.len(), 1, "{text}");
    assert_eq!(
        st.lines[dropped].component,
        format!("the channel `{channel}`")
    );
    // Times never go backwards, and the outcome is stamped at the last step of the payment's
    // life, not later.
    for w in st.lines.windows(2) {
        assert!(w[0].time_s <= w[1].time_s, "{text}");
    }
    assert_eq!(
        st.lines[outcome].time_s,
        st.lines[outcome - 1].time_s,
        "{text}"
    );
    // The cause is the scenario's fault, named with its id, kind and target.
    assert_eq!(st.cause, fault.id);
    assert_eq!(st.outcome, "charged_without_sale");
    assert!(
        st.why.starts_with("The money did not arrive")
            && st.why.contains(&format!("the fault `{}`", fault.id))
            && st
                .why
                .contains(&format!("an outage of the channel `{channel}`")),
        "{}",
        st.why
    );
    assert_eq!(st.views.till, "no answer");
    assert_eq!(st.views.cardholder, "held (not yet taken)");
    assert_eq!(st.views.merchant, "not credited");
    assert!(text.ends_with(&format!("{}\n", st.why)), "{text}");
}

#[test]
fn a_decline_is_stamped_at_the_answer_not_at_the_terminal_timer() {
    let s = load("scenarios/outage.toml");
    let f = Filter {
        outcome: Some("declined".into()),
        ..Default::default()
    };
    let st = first(&s, &f, Lang::En);
    let answered = index(&st, "answered");
    let outcome = index(&st, "outcome");
    assert_eq!(
        st.lines[outcome].time_s,
        st.lines[answered].time_s,
        "{}",
        story::text(&st, Lang::En)
    );
    // The terminal's timer expires later: the outcome line is not stamped then.
    let timeout = s.strategy.terminal_timeout as f64 / 1e9;
    assert!(st.lines[outcome].time_s < st.lines[0].time_s + timeout);
    let code = st.lines[answered].code.unwrap();
    assert!(
        st.lines[answered].text.contains(&format!("{code:02} (")),
        "the code carries its meaning: {}",
        st.lines[answered].text
    );
    assert!(st.why.starts_with("The payment was declined"), "{}", st.why);
}

#[test]
fn a_reject_mode_outage_is_a_refusal_with_its_code_not_a_drop() {
    let s = load("scenarios/issuer_reject.toml");
    let fault = &s.faults[0];
    let f = Filter {
        cause: Some(fault.id.clone()),
        ..Default::default()
    };
    let st = first(&s, &f, Lang::En);
    let text = story::text(&st, Lang::En);
    let refused = index(&st, "refused");
    let code = st.lines[refused].code.unwrap();
    assert!(
        st.lines[refused]
            .text
            .contains(&format!("{code:02} (issuer or switch inoperative)"))
            || st.lines[refused].text.contains(&format!("{code:02} (")),
        "{text}"
    );
    assert!(!st.lines.iter().any(|l| l.kind == "dropped"), "{text}");
    assert!(
        st.false_decline && st.why.contains("false decline"),
        "{text}"
    );
    assert!(
        st.why.contains(&format!("the fault `{}`", fault.id)),
        "{text}"
    );
}

#[test]
fn examples_prefer_different_causes() {
    let s = load("scenarios/issuer_reject.toml");
    let rows = replay::census(&s, s.seed, 0).unwrap();
    let mut available: Vec<&str> = rows
        .iter()
        .filter(|r| Filter::default().matches(r))
        .map(|r| r.cause.as_str())
        .collect();
    available.sort();
    available.dedup();
    let k = 3;
    let run0 = model::simulate(&s, s.seed, 0, &mut NoTrace).unwrap();
    let picks = stories::pick(&s, &stories::Wanted::default(), &[run0.exemplars.list]);
    let serials: Vec<u64> = picks.iter().map(|p| p.1).collect();
    let picked = replay::record(&s, s.seed, 0, &serials).unwrap();
    let ex = story::tell(&s, s.seed, &picked, Lang::En);
    assert_eq!(
        ex.len(),
        k.min(rows.iter().filter(|r| Filter::default().matches(r)).count())
    );
    assert!(ex.iter().all(|e| e.outcome != "settled_on_time"));
    let mut causes: Vec<&str> = ex.iter().map(|e| e.cause.as_str()).collect();
    causes.sort();
    causes.dedup();
    assert_eq!(
        causes.len(),
        k.min(available.len()),
        "{causes:?} of {available:?}"
    );
}

/// The report's stories come from the candidates a run keeps as it runs (no census), told by a
/// replay that ends when they have their outcomes: every candidate is a payment the full
/// census finds did not settle on time, with the same cause; every cause of such payments has
/// candidates; and the shortened replay tells exactly what a replay to the end tells.
#[test]
fn run_candidates_match_the_census_and_a_short_replay_tells_the_same() {
    let names = |s: &Scenario| payfault::model::cause::names(s).to_vec();
    for entry in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let mut s = load(&path);
        for g in &mut s.terminals {
            g.rate /= 10.0;
        }
        let names = names(&s);
        let run0 = model::simulate(&s, s.seed, 0, &mut NoTrace).unwrap();
        let rows = replay::census(&s, s.seed, 0).unwrap();
        // A scenario that retries keeps none (the report finds them with a census).
        assert_eq!(run0.exemplars.off, s.strategy.retry.on(), "{}", s.name);
        let kept = &match run0.exemplars.off {
            true => replay::exemplars_of(&s, &rows),
            false => run0.exemplars.list,
        };
        let bad: Vec<&replay::Row> = rows
            .iter()
            .filter(|r| Filter::default().matches(r))
            .collect();
        for e in kept {
            let r = bad.iter().find(|r| r.serial == e.serial);
            let r = r.unwrap_or_else(|| panic!("{}: #{} kept but not bad", s.name, e.serial));
            assert_eq!(
                r.cause, names[e.cause as usize],
                "{}: #{}",
                s.name, e.serial
            );
        }
        let mut causes: Vec<&str> = bad.iter().map(|r| r.cause.as_str()).collect();
        causes.sort();
        causes.dedup();
        let mut kept_causes: Vec<&str> = kept
            .iter()
            .map(|e| names[e.cause as usize].as_str())
            .collect();
        kept_causes.sort();
        kept_causes.dedup();
        assert_eq!(kept_causes, causes, "{}", s.name);
        let picks = stories::pick(&s, &stories::Wanted::default(), std::slice::from_ref(kept));
        let serials: Vec<u64> = picks.iter().map(|p| p.1).collect();
        let short = replay::record(&s, s.seed, 0, &serials).unwrap();
        let (whole, err) = replay::record_until_violation(&s, s.seed, 0, &serials);
        assert!(err.is_none());
        assert_eq!(short.len(), serials.len(), "{}", s.name);
        assert_eq!(format!("{short:?}"), format!("{whole:?}"), "{}", s.name);
    }
}

/// `trace`'s search ends at the last payment it needs: it finds exactly the first matches of a
/// full census, in the same order, whatever the filter.
#[test]
fn a_search_that_stops_at_its_last_match_finds_what_the_census_finds() {
    let filters = [
        Filter::default(),
        Filter {
            code: Some(5),
            ..Default::default()
        },
        Filter {
            outcome: Some("false_decline".into()),
            ..Default::default()
        },
        Filter {
            outcome: Some("settled_on_time".into()),
            ..Default::default()
        },
    ];
    for name in [
        "outage",
        "issuer_reject",
        "wrong_account",
        "retry_idempotency",
    ] {
        let mut s = load(format!("scenarios/{name}.toml"));
        for g in &mut s.terminals {
            g.rate /= 10.0;
        }
        let rows = replay::census(&s, s.seed, 0).unwrap();
        for f in &filters {
            for n in [1, 3, 50] {
                let mut all = replay::matching(&rows, f);
                all.truncate(n);
                let found = replay::first_matching(&s, s.seed, 0, f, n).unwrap();
                assert_eq!(found, all, "{name}, {f:?}, {n}");
            }
        }
    }
}

#[test]
fn no_argument_trace_tells_a_story_or_says_none_was_found() {
    let (code, out, err) = trace(&[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("payment #") || out.contains("no payment matched"),
        "{out}"
    );
    if out.contains("payment #") {
        assert!(!out.contains("outcome: settled on time"), "{out}");
    }
}

#[test]
fn finding_nothing_is_an_answer_not_a_failure() {
    // A fault-free pipeline has no phantom charge in its first run.
    let (code, out, err) = trace(&[
        "scenarios/pipeline.toml",
        "--run",
        "0",
        "--outcome",
        "charged_without_sale",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("no payment matched"), "{out}");
}

#[test]
fn false_decline_is_found_case_insensitively() {
    let (code, out, err) = trace(&["scenarios/bad_input.toml", "--outcome", "FALSE_DECLINE"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("a false decline"), "{out}");
}

#[test]
fn code_62_finds_a_62() {
    let (code, out, err) = trace(&["scenarios/frozen_accounts.toml", "--code", "62"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("62 (restricted card"), "{out}");
}

#[test]
fn chinese_story_uses_the_chinese_terms() {
    let (code, out, err) = trace(&["scenarios/issuer_reject.toml", "--lang", "zh"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("拒绝") || out.contains("未到账"), "{out}");
    assert!(out.contains("第0天"), "{out}");
}

#[test]
fn csv_has_one_row_per_payment_of_the_run_and_json_parses() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("run.csv");
    let (code, out, err) = trace(&[
        "scenarios/issuer_reject.toml",
        "--run",
        "1",
        "--limit",
        "2",
        "--json",
        "--csv",
        file.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let s = load("scenarios/issuer_reject.toml");
    let payments = model::simulate(&s, s.seed, 1, &mut NoTrace)
        .unwrap()
        .payments;
    let csv = std::fs::read_to_string(&file).unwrap();
    assert_eq!(
        csv.lines().count() as u64,
        payments + 1,
        "a header and a row each"
    );
    assert!(csv.starts_with("serial,terminal_group,amount,"));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let stories = v.as_array().unwrap();
    assert_eq!(stories.len(), 2);
    for st in stories {
        assert_eq!(st["run"], 1);
        assert!(st["lines"][0]["time_s"].is_number());
        assert!(st["why"].as_str().unwrap().ends_with('.'));
        assert!(st["views"]["till"].is_string());
    }
}

#[test]
fn a_payment_by_number_tells_the_same_story_as_the_search() {
    let (code, found, err) = trace(&["scenarios/outage.toml", "--run", "2"]);
    assert_eq!(code, 0, "{err}");
    let serial = found
        .split('#')
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap();
    let (_, again, _) = trace(&["scenarios/outage.toml", "--run", "2", "--payment", serial]);
    assert_eq!(found, again);
}

/// The report's stories show each shipped scenario's point: every cause it demonstrates that
/// struck in the batch's first runs is told, and every bad outcome those runs produced (within
/// the report's most stories), whichever run it came from.
#[test]
fn each_shipped_scenarios_stories_tell_its_demonstrated_causes() {
    use payfault::runner::{BatchOptions, run_batch};
    use std::sync::atomic::AtomicBool;
    let (mut told_causes, mut from_later_runs) = (0, 0);
    for entry in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let mut s = load(&path);
        if s.demonstrates.is_empty() {
            continue;
        }
        for g in &mut s.terminals {
            g.rate /= 4.0;
        }
        let opts = BatchOptions {
            runs: 3,
            seed: s.seed,
            threads: 2,
        };
        let batch = run_batch(&s, &opts, &AtomicBool::new(false), |_, _| Ok(()), |_| {}).unwrap();
        let first = match batch.exemplars.clone() {
            Some(kept) => kept,
            None => vec![replay::census_exemplars(&s, s.seed, 0, replay::STORY_SAMPLE).unwrap()],
        };
        let wanted = stories::Wanted::of(&s, &batch);
        let picked = stories::for_report(&s, s.seed, &batch, first).unwrap();
        let told = story::tell(&s, s.seed, &picked, Lang::En);
        let names = model::cause::names(&s);
        // Every demonstrated cause that struck, or as many as the stories hold.
        let shown = (wanted.causes.iter())
            .filter(|&&c| told.iter().any(|t| t.cause == names[c as usize]))
            .count();
        assert_eq!(
            shown,
            wanted.causes.len().min(stories::MAX_STORIES),
            "{}: demonstrated causes that struck: {:?}; told: {:?}",
            s.name,
            (wanted.causes.iter().map(|&c| &names[c as usize])).collect::<Vec<_>>(),
            told.iter()
                .map(|t| (&t.cause, &t.outcome))
                .collect::<Vec<_>>()
        );
        told_causes += shown;
        if told.len() < stories::MAX_STORIES {
            for &o in &wanted.outcomes {
                let o = payfault::metrics::Outcome::ALL[o as usize].name();
                assert!(
                    told.iter().any(|t| t.outcome == o),
                    "{}: the outcome {o} happened but no story tells it",
                    s.name
                );
            }
        }
        from_later_runs += picked.iter().filter(|r| r.run > 0).count();
    }
    // Not vacuous: most shipped scenarios demonstrate a cause that strikes in three runs, and
    // some stories come from runs after run 0.
    assert!(
        told_causes >= 30,
        "only {told_causes} demonstrated causes told"
    );
    assert!(from_later_runs > 0);
}

use super::*;

/// Every key a story builds at run time exists in both languages.
#[test]
fn run_time_key_families_exist_in_both_languages() {
    let mut keys: Vec<String> = vec![];
    for o in crate::model::Outcome::ALL {
        keys.push(format!("trace.why.{}", o.name()));
        keys.push(format!("outcome.{}", o.name()));
    }
    for k in [
        "false_decline",
        "charged_without_sale_paid",
        "reversed_after_approval",
        "chargeback_kept",
        "liable.merchant",
        "liable.acquirer",
        "liable.issuer",
    ] {
        keys.push(format!("trace.why.{k}"));
    }
    for (by, then) in [
        ("acquirer", "dropped"),
        ("acquirer", "reversed"),
        ("acquirer", "stored"),
        ("acquirer", "declined"),
        ("channel", "dropped"),
        ("channel", "reversed"),
        ("channel", "stood_in"),
    ] {
        keys.push(format!("trace.late.{by}.{then}"));
    }
    for by in ["channel", "acquirer"] {
        keys.push(format!("trace.reversal_acked.{by}"));
    }
    for k in crate::scenario::cause::FIXED_NAMES.iter().skip(1) {
        keys.push(format!("cause.{k}"));
    }
    for by in [
        "issuer",
        "gateway",
        "risk",
        "merchant_limit",
        "breaker",
        "bulkhead",
    ] {
        keys.push(format!("trace.decided.{by}"));
    }
    for v in [
        "held",
        "charged",
        "charged_back",
        "released",
        "refunded",
        "never_held",
    ] {
        keys.push(format!("trace.view.cardholder.{v}"));
    }
    for v in [
        "credited_charged_back",
        "credited_on_time",
        "credited_late",
        "credited_short",
        "returned",
        "risk_hold",
        "awaiting",
        "not_credited",
    ] {
        keys.push(format!("trace.view.merchant.{v}"));
    }
    for w in crate::model::trace::MESSAGE_NAMES {
        keys.push(format!("trace.what.{}", w.replace([' ', '-'], "_")));
    }
    for &k in crate::scenario::FaultKind::ALL {
        keys.push(format!(
            "trace.fault_kind.{}",
            crate::scenario::faults::kind_name(k)
        ));
    }
    for k in &keys {
        for lang in Lang::ALL {
            assert!(lang.has(k), "`{k}` missing in {lang:?}");
        }
    }
}

/// Every `Step::Note("trace.note.…")` and `Step::Says("trace.says.…")` key written in the
/// model's sources (and passed through helpers as literals) exists in both languages.
#[test]
fn every_note_and_says_key_in_the_model_exists() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/model");
    let mut found = 0;
    let mut stack = vec![std::path::PathBuf::from(dir)];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let text = std::fs::read_to_string(&p).unwrap();
            for prefix in ["\"trace.note.", "\"trace.says."] {
                for (i, _) in text.match_indices(prefix) {
                    let rest = &text[i + 1..];
                    let key = &rest[..rest.find('"').unwrap()];
                    found += 1;
                    for lang in Lang::ALL {
                        assert!(
                            lang.has(key),
                            "{}: `{key}` missing in {lang:?}",
                            p.display()
                        );
                    }
                }
            }
        }
    }
    assert!(found > 30, "found only {found} note keys");
}

#[test]
fn clock_reads_as_day_and_time() {
    // Day 0 is the first simulated day, as in the scenario reference.
    let t = 9 * 3_600_000_000_000 + 1_500_000_000;
    assert_eq!(clock(Lang::En, t), "day 0 09:00:01.500");
    assert_eq!(clock(Lang::En, DAY + t), "day 1 09:00:01.500");
    assert_eq!(clock(Lang::Zh, t), "第0天 09:00:01.500");
}

#[test]
fn codes_carry_their_meaning() {
    assert_eq!(code_text(Lang::En, 68), "68 (response received too late)");
    assert_eq!(code_text(Lang::En, 5), "05 (do not honour)");
    assert!(code_text(Lang::Zh, 62).starts_with("62 ("));
    assert_eq!(code_text(Lang::En, code::NONE), "no response");
    // A UnionPay channel's own meaning where it has one, else ISO 8583's.
    assert_eq!(
        code_text_in(Lang::En, CodeSet::UnionPay, 98),
        "98 (no answer from the issuer at the switch)"
    );
    assert_eq!(
        code_text_in(Lang::En, CodeSet::UnionPay, 51),
        code_text(Lang::En, 51)
    );
}

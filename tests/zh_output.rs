//! `--lang zh` speaks Chinese throughout: `list`, `run`'s terminal summary, `compare` and
//! `sweep` on small shipped scenarios, and the errors a mistyped name gets, checked for English
//! words left in what they print. Latin that is legitimately Latin is allowed: numbers and
//! units, identifiers (a metric's key, a setting's path, a file's name: anything with `_`,
//! `.`, `/`, `-`, `=` or a digit in it), the ids the scenario gives its stations, terminal
//! groups, faults and designs, and the trade's own abbreviations (T+1, QR, POS ...).

mod common;

use common::{exec, payfault};
use payfault::scenario::{self, Limits};
use std::collections::BTreeSet;

/// Words a Chinese reader of payments reads in Latin letters.
const ALLOWED: &[&str] = &[
    "payfault", "ms", "p50", "p99", "T", "D", "MDR", "QR", "POS", "ISO", "SLA", "CNY", "Luhn",
    "DDoS", "Visa", "MTBF", "MTTR", "Hsu", "Holm", "Welch", "Student", "Cochran", "DBS",
    "Citibank", "MAS", "UnionPay", "ID", "CI", "JSON", "CSV", "HTML", "PNG", "SVG", "TOML", "NAME",
    "METRIC", // The commands, as the user types them.
    "run", "compare", "sweep", "trace", "list", "check", "merge", "validate",
];

/// The ids a scenario (and its designs) gives its parts: names the user reads in the file.
fn ids(name: &str) -> BTreeSet<String> {
    let b = scenario::library::find(name).expect("a built-in scenario");
    let v = scenario::variants::parse_variants(b.source, name, &Limits::default()).unwrap();
    let s = &v.base;
    let mut out: BTreeSet<String> = [s.name.clone(), s.gateway.id.clone()].into();
    out.extend(s.channels.iter().map(|c| c.station.id.clone()));
    out.extend(s.issuers.iter().map(|i| i.station.id.clone()));
    out.extend(s.terminals.iter().map(|t| t.id.clone()));
    out.extend(s.faults.iter().map(|f| f.id.clone()));
    out.extend(v.designs.iter().map(|d| d.name.clone()));
    // The built-in causes' ids and the metrics' keys: columns of the machine output.
    out.extend(scenario::cause::FIXED_NAMES.iter().map(|n| n.to_string()));
    out.extend(payfault::metrics::Catalogue::for_scenario(s).names());
    out
}

/// The English words of `text`: runs of Latin letters that are neither an identifier (a
/// flag, a setting's path, a `[table]`, a file, a key: a word with `_`, `.`, `/`, `-`, `=`,
/// `+` or a digit inside, or written in brackets or back quotes), an id of `allowed`, nor a
/// word of [`ALLOWED`].
fn english(text: &str, allowed: &BTreeSet<String>) -> BTreeSet<String> {
    let token = |c: char| c.is_ascii_alphanumeric() || "_./-+=[]`<>#*:'\"".contains(c);
    let mut found = BTreeSet::new();
    for raw in text.split(|c: char| !token(c)) {
        let word = raw.trim_matches(|c: char| ":.,`'\"[]<>*#=+-/".contains(c));
        let quoted = raw.starts_with(['[', '`', '<', '-']) || raw.ends_with(['`', ']', '>']);
        let identifier = word
            .chars()
            .any(|c| c.is_ascii_digit() || "_./-=+".contains(c));
        if word.chars().filter(char::is_ascii_alphabetic).count() < 2
            || identifier
            || quoted
            || allowed.contains(word)
            || ALLOWED.contains(&word)
        {
            continue;
        }
        found.insert(word.to_owned());
    }
    found
}

/// Runs payfault with `args` and `--lang zh`; fails on English in what it prints.
fn speaks_chinese(args: &[&str], scenario_ids: &BTreeSet<String>) -> String {
    let mut c = payfault();
    c.args(args).args(["--lang", "zh"]);
    let (out, stdout, stderr) = exec(&mut c);
    let all = format!("{stdout}{stderr}");
    assert!(!all.contains("panicked"), "{all}");
    // What the user typed is theirs.
    let mut allowed = scenario_ids.clone();
    allowed.extend(args.iter().map(|a| a.to_string()));
    let words = english(&all, &allowed);
    assert!(
        words.is_empty(),
        "payfault {}: English in the Chinese output: {words:?}\n{all}",
        args.join(" ")
    );
    assert!(
        all.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "{all}"
    );
    let _ = out;
    all
}

#[test]
fn the_detector_finds_english_words_and_spares_identifiers() {
    let none = BTreeSet::new();
    let e = english(
        "错误：--variant x：none；not_arrived 12.0 h T+1 summary.json output/a/b QR [disputes]",
        &none,
    );
    assert_eq!(e, ["none".to_owned()].into());
    assert_eq!(english("error: did you mean", &none).len(), 4);
}

#[test]
fn list_in_chinese() {
    let all_ids: BTreeSet<String> = scenario::library::names()
        .into_iter()
        .flat_map(ids)
        .collect();
    let text = speaks_chinese(&["list"], &all_ids);
    for e in scenario::library::entries() {
        let zh = e.description_zh.as_deref().unwrap_or("");
        let start: String = zh.chars().take(8).collect();
        assert!(text.contains(&start), "{}: {start}", e.name);
    }
}

#[test]
fn run_summary_in_chinese() {
    let out = tempfile::tempdir().unwrap();
    let o = out.path().to_str().unwrap();
    for name in ["outage", "refunds"] {
        let args = ["run", name, "-n", "2", "--no-charts", "--out", o];
        speaks_chinese(&args, &ids(name));
    }
}

#[test]
fn compare_and_sweep_in_chinese() {
    let out = tempfile::tempdir().unwrap();
    let o = out.path().to_str().unwrap();
    let ids_p = ids("payout_products");
    let text = speaks_chinese(
        &[
            "compare",
            "payout_products",
            "-n",
            "2",
            "--no-charts",
            "--out",
            o,
        ],
        &ids_p,
    );
    assert!(text.contains("下一个工作日到账"), "{text}");
    let args = [
        "sweep",
        "timeouts",
        "--set",
        "strategy.terminal_timeout=5s,30s",
        "-n",
        "2",
        "--no-charts",
        "--out",
        o,
    ];
    speaks_chinese(&args, &ids("timeouts"));
}

#[test]
fn mistyped_names_are_refused_in_chinese() {
    let ids = ids("outage");
    let e = speaks_chinese(&["run", "outag", "-n", "1"], &ids);
    assert!(e.contains("“outage”"), "{e}");
    let e = speaks_chinese(
        &["run", "outage", "--variant", "old-terminal", "-n", "1"],
        &ids,
    );
    assert!(e.contains("“old-terminals”"), "{e}");
}

/// Every shipped scenario, and every design of one, says what it is in Chinese.
#[test]
fn every_shipped_description_has_a_chinese_one() {
    let cjk = |s: &str| s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    for b in scenario::library::LIBRARY {
        let v = scenario::variants::parse_variants(b.source, b.name, &Limits::default()).unwrap();
        let zh = v.base.description_in(payfault::i18n::Lang::Zh);
        assert!(cjk(zh), "{}: no Chinese description", b.name);
        assert_eq!(
            v.base.description_in(payfault::i18n::Lang::En),
            v.base.description
        );
        for d in &v.designs {
            assert!(
                !d.description.is_empty(),
                "{}/{}: no description",
                b.name,
                d.name
            );
            let zh = d.description_in(payfault::i18n::Lang::Zh);
            assert!(cjk(zh), "{}/{}: no Chinese description", b.name, d.name);
        }
    }
}

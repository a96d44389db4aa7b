//! The glossary: the terms a trainer's audience meets in the report, each defined in a sentence
//! or two, in English and in Simplified Chinese (`teach.gloss.term.<slug>.term` and `.def` in
//! `src/i18n/<lang>/teach.toml`). report.html ends with it in the page's language, each entry
//! with an anchor (`id="g-reversal"`); `docs/glossary.md` is generated from the same catalogue
//! ([`markdown`]; a test keeps the file up to date).

use super::html::esc;
use crate::i18n::Lang;
use crate::tr;

/// The entries, in the order they are shown: the parties, authorisation and its failures, the
/// money's way after it, disputes, remedies, then the statistics.
pub const TERMS: [&str; 38] = [
    "acquirer",
    "issuer",
    "scheme",
    "channel",
    "authorisation",
    "hold",
    "response_code",
    "timeout",
    "reversal",
    "store_and_forward",
    "stand_in",
    "void",
    "refund",
    "charged_without_sale",
    "false_decline",
    "clearing",
    "presentment",
    "cutoff",
    "settlement",
    "t_plus_n",
    "mdr",
    "payout",
    "returned_payout",
    "suspense",
    "not_arrived",
    "settled_late",
    "reconciliation",
    "one_sided_entry",
    "chargeback",
    "retrieval_request",
    "representment",
    "retry",
    "idempotency",
    "failover",
    "circuit_breaker",
    "run",
    "confidence_interval",
    "percentile",
];

/// The anchor of an entry in report.html: `g-reversal`, `g-one-sided-entry`.
pub fn anchor(slug: &str) -> String {
    format!("g-{}", slug.replace('_', "-"))
}

/// The term of entry `slug` in `lang`.
pub fn term(lang: Lang, slug: &str) -> &'static str {
    lang.get(&format!("teach.gloss.term.{slug}.term"))
}

/// The definition of entry `slug` in `lang`.
pub fn definition(lang: Lang, slug: &str) -> &'static str {
    lang.get(&format!("teach.gloss.term.{slug}.def"))
}

/// The glossary entry that explains an outcome of the results, if one does.
pub fn for_outcome(outcome: &str) -> Option<&'static str> {
    Some(match outcome {
        "settled_late" => "settled_late",
        "not_arrived" => "not_arrived",
        "charged_without_sale" => "charged_without_sale",
        "reversed" => "reversal",
        "chargeback" | "chargebacks" => "chargeback",
        "voided" => "void",
        "refunded" => "refund",
        "declined" => "authorisation",
        "paid_short" => "mdr",
        _ => return None,
    })
}

/// A link to entry `slug` around `html` (already escaped).
pub fn link(slug: &str, html: &str) -> String {
    format!("<a href=\"#{}\">{html}</a>", anchor(slug))
}

/// report.html's glossary section, in the page's language.
pub fn html_section(lang: Lang) -> String {
    let mut h = format!(
        "<h2 id=\"glossary\">{}</h2>\n<p class=\"meta\">{}</p>\n<dl class=\"glossary\">\n",
        esc(tr!(lang, "teach.gloss.heading")),
        esc(tr!(lang, "teach.gloss.note"))
    );
    for slug in TERMS {
        h.push_str(&format!(
            "<dt id=\"{}\">{}</dt><dd>{}</dd>\n",
            anchor(slug),
            esc(term(lang, slug)),
            esc(definition(lang, slug))
        ));
    }
    h.push_str("</dl>\n");
    h
}

/// `docs/glossary.md`: each entry in English with the Chinese term beside it.
pub fn markdown() -> String {
    let mut m = String::from(
        "# Glossary\n\n\
         <!-- Generated from src/i18n/{en,zh}/teach.toml by report::glossary::markdown; a test \
         checks it (UPDATE_GLOSSARY=1 cargo test --profile ci --lib report::glossary rewrites \
         it). -->\n\n\
         The terms a trainer's audience meets in payfault's report, each with its Chinese term \
         (as the industry in China says it). `report.html` ends with the same glossary in the \
         page's language (`--lang zh` for Chinese), each entry linkable as `#g-<term>` \
         (`#g-reversal`).\n\n",
    );
    for slug in TERMS {
        m.push_str(&format!(
            "- <a id=\"{}\"></a>**{}** ({}): {}\n",
            anchor(slug),
            term(Lang::En, slug),
            term(Lang::Zh, slug),
            definition(Lang::En, slug)
        ));
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_exists_in_both_languages() {
        for slug in TERMS {
            for lang in Lang::ALL {
                for part in ["term", "def"] {
                    let key = format!("teach.gloss.term.{slug}.{part}");
                    assert!(lang.has(&key), "{key} in {lang:?}");
                    assert!(!lang.get(&key).trim().is_empty(), "{key} in {lang:?}");
                }
            }
            // Chinese entries are written in Chinese.
            assert!(
                definition(Lang::Zh, slug)
                    .chars()
                    .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{slug}"
            );
        }
        let mut sorted = TERMS.to_vec();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), TERMS.len(), "an entry twice");
        // Every entry of the catalogue is shown (none forgotten in TERMS).
        let en = include_str!("../i18n/en/teach.toml");
        let listed = en
            .split("[teach.gloss.term]")
            .nth(1)
            .unwrap()
            .lines()
            .filter(|l| l.contains("= { term"))
            .count();
        assert_eq!(listed, TERMS.len());
    }

    #[test]
    fn the_section_has_an_anchor_per_entry() {
        for lang in Lang::ALL {
            let h = html_section(lang);
            assert!(h.contains("id=\"glossary\""));
            for slug in TERMS {
                assert!(h.contains(&format!("id=\"{}\"", anchor(slug))), "{slug}");
            }
        }
        assert_eq!(anchor("one_sided_entry"), "g-one-sided-entry");
    }

    #[test]
    fn docs_glossary_md_is_up_to_date() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/glossary.md");
        let want = markdown();
        if std::env::var_os("UPDATE_GLOSSARY").is_some() {
            std::fs::write(path, &want).unwrap();
        }
        let have = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            have == want,
            "docs/glossary.md is out of date: UPDATE_GLOSSARY=1 cargo test --profile ci --lib \
             report::glossary"
        );
    }
}

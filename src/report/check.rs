//! What `payfault check` writes: the terminal table, JUnit XML for any CI, and a Markdown
//! summary for a pull request.
//!
//! The JUnit file follows the element names of the JUnit XML schema that CI servers read
//! (Jenkins, GitLab, GitHub test reporters): `testsuites` › `testsuite` (one per scenario,
//! with `tests`, `failures`, `errors`, `skipped`, `time`) › `testcase` (one per bound, with
//! `name`, `classname`, `file`, `line`, `time`) › `failure` or `skipped` (an undecided bound
//! is neither passed nor failed). Only the `time` attributes depend on the machine.

mod baseline;
mod json;

pub use baseline::{baseline_cells, changes_markdown, headline_table};
pub use json::json;

use super::console::{display_width, pad, pad_left};
use crate::check::{BaselineOutcome, Doubt, Judgement, ScenarioCheck, Verdict};
use crate::i18n::Lang;
use crate::scenario::expect::Stat;
use crate::tr;

/// A number as a scenario author wrote it: no thousands separators (it is compared with the
/// bound), as many decimals as its size needs, trailing zeros dropped.
pub fn number(x: f64) -> String {
    let a = x.abs();
    let s = if a == 0.0 || a.fract() == 0.0 && a < 1e15 {
        format!("{x:.0}")
    } else if a >= 1000.0 {
        format!("{x:.1}")
    } else if a >= 1.0 {
        format!("{x:.3}")
    } else {
        // Six significant digits: a share near 1 (0.999987) must not read as 1.
        let digits = (5 - a.log10().floor() as i32).clamp(0, 15) as usize;
        format!("{x:.digits$}")
    };
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s
    }
}

/// The value a bound compared, as text (`-` when undefined).
pub fn observed(j: &Judgement) -> String {
    j.value.map_or_else(|| "-".into(), number)
}

/// The mean's interval, `[lo, hi]` (`-` when undefined).
pub fn interval(j: &Judgement) -> String {
    j.interval.map_or_else(
        || "-".into(),
        |(l, h)| format!("[{}, {}]", number(l), number(h)),
    )
}

/// The confidence in percent, as a column heading shows it ("95", "98.75").
fn percent(c: f64) -> String {
    number(c * 100.0)
}

/// The verdict's word.
pub fn verdict_word(lang: Lang, v: Verdict) -> &'static str {
    lang.get(&format!("check.verdict.{}", v.name()))
}

/// Why an undecided bound is undecided, and what would decide it.
pub fn doubt_text(lang: Lang, j: &Judgement) -> String {
    match j.doubt {
        Some(Doubt::Straddles(Some(n))) => tr!(lang, "check.doubt.runs", runs = n),
        Some(Doubt::Straddles(None)) | Some(Doubt::OnTheBound) => {
            tr!(lang, "check.doubt.on_the_bound").to_owned()
        }
        Some(Doubt::Undefined) => tr!(lang, "check.doubt.undefined").to_owned(),
        Some(Doubt::OneRun) => tr!(lang, "check.doubt.one_run").to_owned(),
        Some(Doubt::NeedsTolerance) => tr!(lang, "check.tolerance.doubt").to_owned(),
        None => String::new(),
    }
}

/// The note of a bound's row: why it is undecided, or that a bare `==` on a varying figure
/// wants a tolerance.
pub fn note_text(lang: Lang, j: &Judgement) -> String {
    if j.doubt.is_none() && j.needs_tolerance {
        tr!(lang, "check.tolerance.doubt").to_owned()
    } else {
        doubt_text(lang, j)
    }
}

/// One sentence for a bound that did not pass: what was observed against what was expected.
pub fn finding(lang: Lang, j: &Judgement) -> String {
    let stat = if j.bound.stat == Stat::Mean {
        tr!(lang, "check.stat.mean").to_owned()
    } else {
        j.bound.stat.name().to_owned()
    };
    let mut s = tr!(
        lang,
        "check.finding",
        stat = stat,
        value = observed(j),
        conf = percent(j.confidence),
        interval = interval(j),
        bound = j.bound.text
    );
    if j.verdict == Verdict::Undecided {
        s.push_str("; ");
        s.push_str(&doubt_text(lang, j));
    } else if j.needs_tolerance {
        s.push_str("; ");
        s.push_str(tr!(lang, "check.tolerance.doubt"));
    }
    s
}

/// The confidence the bounds were judged at (the same for every bound of a check).
fn confidence(checks: &[ScenarioCheck]) -> f64 {
    checks
        .iter()
        .find_map(|c| c.judgements.first())
        .map_or(crate::check::CONFIDENCE, |j| j.confidence)
}

/// Totals over every scenario: (pass, fail, undecided).
pub fn totals(checks: &[ScenarioCheck]) -> (usize, usize, usize) {
    checks.iter().fold((0, 0, 0), |(p, f, u), c| {
        (
            p + c.count(Verdict::Pass),
            f + c.count(Verdict::Fail),
            u + c.count(Verdict::Undecided),
        )
    })
}

/// The widest line of the terminal table, in display columns.
const TABLE_WIDTH: usize = 100;

/// Lines of at most `width` display columns (at least 20): at spaces, else within a word
/// after a `.` or anywhere.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let opts = textwrap::Options::new(width.max(20)).word_separator(
        textwrap::WordSeparator::Custom(|line| {
            // Words end after a space, or after a `.` that a letter follows (a metric's path,
            // never a number's decimal point).
            let b = line.as_bytes();
            let mut cuts = vec![];
            for (i, &c) in b.iter().enumerate() {
                let next = b.get(i + 1).copied().unwrap_or(b' ');
                if (c == b' ' && next != b' ') || (c == b'.' && next.is_ascii_alphabetic()) {
                    cuts.push(i + 1);
                }
            }
            cuts.push(line.len());
            let mut start = 0;
            let words: Vec<textwrap::core::Word> = cuts
                .into_iter()
                .filter_map(|end| {
                    let w = &line[start..end];
                    start = end;
                    // (A trailing space is the word's whitespace.)
                    (!w.is_empty()).then(|| textwrap::core::Word::from(w))
                })
                .collect();
            Box::new(words.into_iter())
        }),
    );
    textwrap::wrap(text, opts)
        .into_iter()
        .map(|l| l.into_owned())
        .collect()
}

/// The terminal table, at most 100 columns wide: a heading per scenario, then a row per bound
/// (result, expectation, observed value, the mean's interval) with why an undecided one is
/// undecided on the lines below; a long expectation wraps in its column. Then the totals.
pub fn table(checks: &[ScenarioCheck], lang: Lang) -> String {
    let conf = confidence(checks);
    let head = [
        tr!(lang, "check.col.result").to_owned(),
        tr!(lang, "check.col.bound").to_owned(),
        tr!(lang, "check.col.observed").to_owned(),
        tr!(lang, "check.col.interval", conf = percent(conf)),
    ];
    // Per scenario: its rows, each [result, expectation, observed, interval, note]; a
    // baseline row has no interval, and its observed figures go below it with its note.
    let groups: Vec<(&ScenarioCheck, Vec<[String; 5]>)> = checks
        .iter()
        .map(|c| {
            let bounds = c.judgements.iter().map(|j| {
                [
                    verdict_word(lang, j.verdict).to_owned(),
                    j.bound.text.clone(),
                    observed(j),
                    interval(j),
                    note_text(lang, j),
                ]
            });
            let base = c.baseline.as_ref().map(|b| {
                let (name, observed, note) = baseline_cells(lang, b);
                [
                    verdict_word(lang, b.verdict()).to_owned(),
                    name,
                    String::new(),
                    String::new(),
                    format!("{observed}; {note}"),
                ]
            });
            (c, bounds.chain(base).collect())
        })
        .collect();
    let width = |k: usize| {
        groups
            .iter()
            .flat_map(|(_, rows)| rows.iter().map(move |r| display_width(&r[k])))
            .chain([display_width(&head[k])])
            .max()
            .unwrap_or(0)
    };
    let mut w: Vec<usize> = (0..4).map(width).collect();
    // The expectation takes what the other columns leave.
    let others = w[0] + w[2] + w[3] + 6;
    w[1] = w[1].min(TABLE_WIDTH.saturating_sub(others)).max(20);
    let indent = w[0] + 2;
    let mut out = String::new();
    let line = |out: &mut String, cells: [&str; 4]| {
        let l = format!(
            "{}  {}  {}  {}",
            pad(cells[0], w[0]),
            pad(cells[1], w[1]),
            pad_left(cells[2], w[2]),
            cells[3],
        );
        out.push_str(l.trim_end());
        out.push('\n');
    };
    line(&mut out, [&head[0], &head[1], &head[2], &head[3]]);
    for (c, rows) in &groups {
        out.push_str(&tr!(
            lang,
            "check.scenario_heading",
            name = c.name,
            file = c.file,
            runs = c.runs,
            seed = c.seed
        ));
        out.push('\n');
        for r in rows {
            let parts = wrap(&r[1], w[1]);
            for (i, part) in parts.iter().enumerate() {
                if i == 0 {
                    line(&mut out, [&r[0], part, &r[2], &r[3]]);
                } else {
                    line(&mut out, ["", part, "", ""]);
                }
            }
            let note = if r[4].is_empty() {
                vec![]
            } else {
                wrap(&r[4], TABLE_WIDTH - indent)
            };
            for part in note {
                out.push_str(&" ".repeat(indent));
                out.push_str(&part);
                out.push('\n');
            }
        }
    }
    let (p, f, u) = totals(checks);
    out.push('\n');
    out.push_str(&tr!(
        lang,
        "check.totals",
        pass = p,
        fail = f,
        undecided = u
    ));
    out.push('\n');
    out
}

/// Escapes text for XML attributes and content: as for HTML, and the control characters XML
/// 1.0 does not allow become U+FFFD.
fn xml(s: &str) -> String {
    let allowed: String = s
        .chars()
        .map(|c| {
            if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect();
    super::html::esc(&allowed)
}

/// JUnit XML: a `testsuite` per scenario, a `testcase` per bound.
/// JUnit XML for scenario files that failed to load: a testsuite per file with one testcase
/// whose `<error>` carries the loader's message (file, line:column, field, value).
pub fn junit_load_errors(errors: &[(String, String)]) -> String {
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    x.push_str(&format!(
        "<testsuites name=\"payfault check\" tests=\"{n}\" failures=\"0\" errors=\"{n}\" \
         skipped=\"0\" time=\"0\">\n",
        n = errors.len()
    ));
    for (file, message) in errors {
        x.push_str(&format!(
            "  <testsuite name=\"{f}\" tests=\"1\" failures=\"0\" errors=\"1\" skipped=\"0\" \
             time=\"0\">\n    <testcase name=\"load\" classname=\"{f}\" file=\"{f}\" time=\"0\">\n      \
             <error message=\"{m}\" type=\"load\">{m}</error>\n    </testcase>\n  </testsuite>\n",
            f = xml(file),
            m = xml(message)
        ));
    }
    x.push_str("</testsuites>\n");
    x
}

pub fn junit(checks: &[ScenarioCheck], lang: Lang) -> String {
    let (p, f, u) = totals(checks);
    let total_time: f64 = checks.iter().map(|c| c.seconds).sum();
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    x.push_str(&format!(
        "<testsuites name=\"payfault check\" tests=\"{}\" failures=\"{f}\" errors=\"0\" \
         skipped=\"{u}\" time=\"{total_time:.3}\">\n",
        p + f + u
    ));
    for c in checks {
        let (cp, cf, cu) = (
            c.count(Verdict::Pass),
            c.count(Verdict::Fail),
            c.count(Verdict::Undecided),
        );
        x.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{cf}\" errors=\"0\" \
             skipped=\"{cu}\" time=\"{:.3}\">\n",
            xml(&c.name),
            cp + cf + cu,
            c.seconds
        ));
        x.push_str("    <properties>\n");
        for (k, v) in [
            ("file", c.file.clone()),
            ("runs", c.runs.to_string()),
            ("seed", c.seed.to_string()),
            ("looks", c.looks.to_string()),
        ] {
            x.push_str(&format!(
                "      <property name=\"{k}\" value=\"{}\"/>\n",
                xml(&v)
            ));
        }
        x.push_str("    </properties>\n");
        for j in &c.judgements {
            let open = format!(
                "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\" line=\"{}\" time=\"0\"",
                xml(&j.bound.text),
                xml(&c.name),
                xml(&c.file),
                j.bound.line
            );
            match j.verdict {
                Verdict::Pass => x.push_str(&format!("{open}/>\n")),
                Verdict::Fail => x.push_str(&format!(
                    "{open}>\n      <failure message=\"{}\" type=\"bound\"/>\n    </testcase>\n",
                    xml(&finding(lang, j))
                )),
                Verdict::Undecided => x.push_str(&format!(
                    "{open}>\n      <skipped message=\"{}\"/>\n    </testcase>\n",
                    xml(&format!(
                        "{}: {}",
                        verdict_word(lang, Verdict::Undecided),
                        finding(lang, j)
                    ))
                )),
            }
        }
        if let Some(b) = &c.baseline {
            let (name, observed, note) = baseline_cells(lang, b);
            let open = format!(
                "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\" time=\"0\"",
                xml(&name),
                xml(&c.name),
                xml(&c.file)
            );
            match b.verdict() {
                Verdict::Pass => x.push_str(&format!("{open}/>\n")),
                Verdict::Fail => x.push_str(&format!(
                    "{open}>\n      <failure message=\"{}\" type=\"baseline\"/>\n    </testcase>\n",
                    xml(&format!("{observed}: {note}"))
                )),
                Verdict::Undecided => x.push_str(&format!(
                    "{open}>\n      <skipped message=\"{}\"/>\n    </testcase>\n",
                    xml(&note)
                )),
            }
        }
        x.push_str("  </testsuite>\n");
    }
    x.push_str("</testsuites>\n");
    x
}

/// Escapes a Markdown table cell.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// A Markdown summary for a pull request: the totals, the bounds that did not pass, then
/// every bound in a collapsed section.
pub fn markdown(checks: &[ScenarioCheck], lang: Lang) -> String {
    let (p, f, u) = totals(checks);
    let mark = |v: Verdict| match v {
        Verdict::Pass => "✅",
        Verdict::Fail => "❌",
        Verdict::Undecided => "❔",
    };
    let mut m = format!(
        "### {}\n\n",
        tr!(
            lang,
            "check.md.title",
            pass = p,
            fail = f,
            undecided = u,
            scenarios = checks.len()
        )
    );
    let conf = confidence(checks);
    let header = format!(
        "| {} | {} | {} | {} | {} | {} |\n|---|---|---|--:|---|---|\n",
        tr!(lang, "check.col.result"),
        tr!(lang, "check.col.scenario"),
        tr!(lang, "check.col.bound"),
        tr!(lang, "check.col.observed"),
        tr!(lang, "check.col.interval", conf = percent(conf)),
        tr!(lang, "check.col.note"),
    );
    let row = |c: &ScenarioCheck, j: &Judgement| {
        format!(
            "| {} {} | {} | `{}` | {} | {} | {} |\n",
            mark(j.verdict),
            verdict_word(lang, j.verdict),
            cell(&c.name),
            j.bound.text.replace('`', "'"),
            observed(j),
            interval(j),
            cell(&note_text(lang, j)),
        )
    };
    let base_row = |c: &ScenarioCheck, b: &BaselineOutcome| {
        let (name, observed, note) = baseline_cells(lang, b);
        format!(
            "| {} {} | {} | {} | {} |  | {} |\n",
            mark(b.verdict()),
            verdict_word(lang, b.verdict()),
            cell(&c.name),
            cell(&name),
            cell(&observed),
            cell(&note),
        )
    };
    let rows_of = |c: &ScenarioCheck, only_not_passed: bool| -> Vec<String> {
        let mut v: Vec<String> = c
            .judgements
            .iter()
            .filter(|j| !only_not_passed || j.verdict != Verdict::Pass)
            .map(|j| row(c, j))
            .collect();
        if let Some(b) = &c.baseline
            && (!only_not_passed || b.verdict() != Verdict::Pass)
        {
            v.push(base_row(c, b));
        }
        v
    };
    let not_passed: Vec<String> = checks.iter().flat_map(|c| rows_of(c, true)).collect();
    if !not_passed.is_empty() {
        m.push_str(&header);
        not_passed.iter().for_each(|r| m.push_str(r));
        m.push('\n');
    }
    m.push_str(&format!(
        "<details><summary>{}</summary>\n\n",
        tr!(lang, "check.md.all")
    ));
    m.push_str(&header);
    for c in checks {
        rows_of(c, false).iter().for_each(|r| m.push_str(r));
    }
    m.push_str("\n</details>\n\n");
    m.push_str(&changes_markdown(checks, lang));
    m.push_str(tr!(lang, "check.md.runs"));
    m.push('\n');
    for c in checks {
        m.push_str(&format!(
            "- {}: {}\n",
            cell(&c.name),
            tr!(
                lang,
                "check.md.batch",
                runs = c.runs,
                seed = c.seed,
                file = c.file
            )
        ));
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_like_bounds() {
        assert_eq!(number(0.0), "0");
        assert_eq!(number(500.0), "500");
        assert_eq!(number(612.304), "612.304");
        assert_eq!(number(0.99512345), "0.995123");
        assert_eq!(number(0.9999871), "0.999987");
        assert_eq!(number(0.0001234), "0.0001234");
        assert_eq!(number(123456.78), "123456.8");
        assert_eq!(number(-2.5), "-2.5");
        assert_eq!(number(98.75), "98.75");
    }

    #[test]
    fn every_verdict_has_a_word_in_both_languages() {
        for lang in Lang::ALL {
            for v in [Verdict::Pass, Verdict::Fail, Verdict::Undecided] {
                assert!(
                    lang.has(&format!("check.verdict.{}", v.name())),
                    "{lang:?} {v:?}"
                );
            }
        }
    }

    #[test]
    fn every_headline_column_has_a_heading_in_both_languages() {
        for lang in Lang::ALL {
            for k in baseline::COLUMNS {
                assert!(lang.has(&format!("check.power.col.{k}")), "{lang:?} {k}");
            }
        }
    }

    #[test]
    fn xml_is_escaped() {
        assert_eq!(
            xml("a < b & \"c\"\u{1}"),
            "a &lt; b &amp; &quot;c&quot;\u{FFFD}"
        );
    }
}

//! The baseline comparison in the check's outputs: its row (every change), the
//! headline metrics' table with their effect sizes and minimum detectable changes, and the
//! Markdown list of every change.

use super::super::console::{display_width, pad, pad_left};
use super::{cell, number};
use crate::check::baseline::{Family, Method, Shift};
use crate::check::{BaselineOutcome, ScenarioCheck};
use crate::i18n::Lang;
use crate::tr;

/// The headline table's columns (keys `check.power.col.<name>`).
pub const COLUMNS: [&str; 10] = [
    "metric", "before", "after", "change", "relative", "std", "p", "min", "mdc", "result",
];

/// A relative change as a signed percentage (`+0.4%`), `-` when undefined.
pub fn percent_change(x: Option<f64>) -> String {
    x.map_or_else(|| "-".into(), |r| format!("{:+.2}%", r * 100.0))
}

/// A p-value, `-` for a deterministic change.
fn p(x: Option<f64>) -> String {
    x.map_or_else(
        || "-".into(),
        |p| {
            if p >= 0.001 {
                format!("{p:.3}")
            } else {
                format!("{p:.2e}")
            }
        },
    )
}

/// The test the comparison used, in words.
fn test_name(lang: Lang, b: &BaselineOutcome) -> String {
    if b.paired {
        tr!(lang, "check.power.paired").to_owned()
    } else if b.format < 2 {
        tr!(lang, "check.power.welch_format1").to_owned()
    } else {
        tr!(lang, "check.power.welch").to_owned()
    }
}

/// One changed metric, for the row's note.
fn shift_text(lang: Lang, s: &Shift) -> String {
    let before = s.before.mean.map_or("-".into(), number);
    let after = s.after.mean.map_or("-".into(), number);
    if s.method == Method::Exact {
        return tr!(
            lang,
            "check.power.exact",
            metric = s.metric,
            before = before,
            after = after
        );
    }
    tr!(
        lang,
        "check.power.shift",
        metric = s.metric,
        before = before,
        after = after,
        change = percent_change(s.relative),
        family = family_word(lang, s.family),
        p = p(s.adjusted_p)
    )
}

fn family_word(lang: Lang, f: Family) -> &'static str {
    match f {
        Family::Headline => tr!(lang, "check.power.headline"),
        Family::Exploratory => tr!(lang, "check.power.exploratory"),
    }
}

/// The baseline comparison as a row: its name, what was observed, and every change (the
/// terminal table wraps the list; `--json` has each change's figures).
pub fn baseline_cells(lang: Lang, b: &BaselineOutcome) -> (String, String, String) {
    let name = tr!(lang, "check.baseline.name").to_owned();
    let Some((seed, runs, version)) = &b.found else {
        return (
            name,
            "-".into(),
            tr!(lang, "check.baseline.missing").to_owned(),
        );
    };
    let observed = tr!(
        lang,
        "check.power.observed",
        headline = b.changed(Family::Headline).count(),
        headline_tested = b.tested(Family::Headline),
        exploratory = b.changed(Family::Exploratory).count(),
        exploratory_tested = b.tested(Family::Exploratory)
    );
    let mut note = tr!(
        lang,
        "check.power.against",
        seed = seed,
        runs = runs,
        version = version,
        test = test_name(lang, b),
        alpha = number(b.alpha),
        headline = b.family(Family::Headline),
        exploratory = b.family(Family::Exploratory),
        constant = b.constant.len()
    );
    // Headline changes first, then the exploratory ones; the most significant first.
    let mut changed: Vec<&Shift> = b.shifts.iter().filter(|s| s.changed).collect();
    changed.sort_by(|x, y| {
        (x.family, x.adjusted_p.unwrap_or(0.0))
            .partial_cmp(&(y.family, y.adjusted_p.unwrap_or(0.0)))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    for s in &changed {
        note.push_str("; ");
        note.push_str(&shift_text(lang, s));
    }
    if !b.strict && b.changed(Family::Exploratory).next().is_some() {
        note.push_str("; ");
        note.push_str(tr!(lang, "check.power.exploratory_only"));
    }
    (name, observed, note)
}

/// The headline metrics of each scenario compared with a baseline: before, after, the change
/// (absolute, relative, standardised), the adjusted p-value, the minimum change, the minimum
/// detectable change and whether it changed. Empty when no scenario was compared.
pub fn headline_table(checks: &[ScenarioCheck], lang: Lang) -> String {
    let mut out = String::new();
    for c in checks {
        let Some(b) = &c.baseline else { continue };
        if b.found.is_none() {
            continue;
        }
        out.push('\n');
        let title = tr!(
            lang,
            "check.power.table_title",
            scenario = c.name,
            test = test_name(lang, b),
            family = b.family(Family::Headline),
            alpha = number(b.alpha)
        );
        for (i, part) in super::wrap(&title, WIDTH).iter().enumerate() {
            out.push_str(if i == 0 { "" } else { "  " });
            out.push_str(part);
            out.push('\n');
        }
        let head: Vec<String> = COLUMNS
            .iter()
            .map(|k| lang.get(&format!("check.power.col.{k}")).to_owned())
            .collect();
        let rows: Vec<Vec<String>> = b
            .shifts
            .iter()
            .filter(|s| s.family == Family::Headline)
            .map(|s| row(lang, s))
            .collect();
        let w: Vec<usize> = (0..head.len())
            .map(|k| {
                rows.iter()
                    .map(|r| display_width(&r[k]))
                    .chain([display_width(&head[k])])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        // The figures of a row, right-aligned in their columns, the result last.
        let figures = |r: &[String]| {
            let mut line = String::new();
            for k in 1..r.len() - 1 {
                line.push_str("  ");
                line.push_str(&pad_left(&r[k], w[k]));
            }
            line.push_str("  ");
            line.push_str(&r[r.len() - 1]);
            line
        };
        // A metric's name beside its figures when that fits in WIDTH columns, else on a line
        // of its own above them.
        let beside = (std::iter::once(&head).chain(&rows))
            .all(|r| 2 + w[0] + display_width(&figures(r)) <= WIDTH);
        for r in std::iter::once(&head).chain(&rows) {
            let line = match beside {
                true => format!("  {}{}", pad(&r[0], w[0]), figures(r)),
                false => format!("  {}\n  {}", r[0], figures(r)),
            };
            out.push_str(line.trim_end());
            out.push('\n');
        }
        let same: Vec<&str> = b
            .constant
            .iter()
            .filter(|(_, f)| *f == Family::Headline)
            .map(|(m, _)| m.as_str())
            .collect();
        if !same.is_empty() {
            // Named, wrapped within 100 columns: no list is cut short.
            let text = tr!(
                lang,
                "check.power.same",
                count = same.len(),
                metrics = same.join(", ")
            );
            // (The table's own wrapping: a metric's name breaks only after a dot.)
            for (i, part) in super::wrap(&text, WIDTH - 6).iter().enumerate() {
                out.push_str(if i == 0 { "  " } else { "    " });
                out.push_str(part);
                out.push('\n');
            }
        }
    }
    if !out.is_empty() {
        out.push_str(tr!(lang, "check.power.json_hint"));
        out.push('\n');
    }
    out
}

/// The columns the headline table fits in.
const WIDTH: usize = 100;

/// A change or a detectable change: four significant digits (the JSON has every digit),
/// in scientific notation when small.
fn brief(x: f64) -> String {
    let a = x.abs();
    if a == 0.0 || a >= 1e-3 {
        let digits = if a >= 1000.0 {
            1
        } else {
            (3 - a.log10().floor() as i32).clamp(0, 6) as usize
        };
        number(format!("{x:.digits$}").parse().unwrap_or(x))
    } else {
        format!("{x:.3e}")
    }
}

/// A headline metric's row.
fn row(lang: Lang, s: &Shift) -> Vec<String> {
    let exact = s.method == Method::Exact;
    let signed = |x: f64| match x > 0.0 {
        true => format!("+{}", brief(x)),
        false => brief(x),
    };
    vec![
        s.metric.clone(),
        s.before.mean.map_or("-".into(), number),
        s.after.mean.map_or("-".into(), number),
        signed(s.diff),
        percent_change(s.relative),
        s.standardised.map_or("-".into(), |d| format!("{d:+.2}")),
        if exact {
            tr!(lang, "check.power.exact_word").to_owned()
        } else {
            p(s.adjusted_p)
        },
        number(s.delta),
        s.mdc.map_or("-".into(), brief),
        if s.changed {
            tr!(lang, "check.power.changed_word").to_owned()
        } else {
            "-".to_owned()
        },
    ]
}

/// Markdown: every changed metric of every scenario (never abbreviated), then each
/// scenario's headline table in a collapsed section. Empty without a baseline comparison.
pub fn changes_markdown(checks: &[ScenarioCheck], lang: Lang) -> String {
    let compared: Vec<(&ScenarioCheck, &BaselineOutcome)> = checks
        .iter()
        .filter_map(|c| {
            c.baseline
                .as_ref()
                .filter(|b| b.found.is_some())
                .map(|b| (c, b))
        })
        .collect();
    if compared.is_empty() {
        return String::new();
    }
    let cols = COLUMNS;
    let header = |first: &str| {
        let mut h = format!("| {first} |");
        for k in cols {
            h.push_str(&format!(" {} |", lang.get(&format!("check.power.col.{k}"))));
        }
        h.push_str("\n|---|---|");
        h.push_str(&"--:|".repeat(cols.len() - 2));
        h.push_str("---|\n");
        h
    };
    let line = |first: &str, s: &Shift| {
        let mut l = format!("| {} |", cell(first));
        for v in row(lang, s) {
            l.push_str(&format!(" {} |", cell(&v)));
        }
        l.push('\n');
        l
    };
    let mut m = format!("#### {}\n\n", tr!(lang, "check.power.md_title"));
    let changed: Vec<(&ScenarioCheck, &Shift)> = compared
        .iter()
        .flat_map(|(c, b)| b.shifts.iter().filter(|s| s.changed).map(move |s| (*c, s)))
        .collect();
    if changed.is_empty() {
        m.push_str(tr!(lang, "check.power.md_none"));
        m.push_str("\n\n");
    } else {
        m.push_str(&header(tr!(lang, "check.col.scenario")));
        for (c, s) in changed {
            m.push_str(&line(
                &format!("{} ({})", c.name, family_word(lang, s.family)),
                s,
            ));
        }
        m.push('\n');
    }
    for (c, b) in compared {
        m.push_str(&format!(
            "<details><summary>{}</summary>\n\n",
            cell(&tr!(
                lang,
                "check.power.table_title",
                scenario = c.name,
                test = test_name(lang, b),
                family = b.family(Family::Headline),
                alpha = number(b.alpha)
            ))
        ));
        m.push_str(&header(tr!(lang, "check.col.scenario")));
        for s in b.shifts.iter().filter(|s| s.family == Family::Headline) {
            m.push_str(&line(&c.name, s));
        }
        m.push_str("\n</details>\n\n");
    }
    m
}

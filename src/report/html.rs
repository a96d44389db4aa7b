//! `report.html`: one self-contained page for a trainer to project: the scenario's
//! description, the key figures with confidence intervals, the outcomes, the charts (inline
//! SVG), the network diagram (`topology`), the table of causes, a few example stories each with
//! its swimlane (`swimlane`), and the glossary (`glossary`). Nothing is fetched from the network:
//! no script, no external style sheet, font or image; the Chinese page carries its font
//! (`report::webfont`).

use super::console::value;
use super::format;
use crate::i18n::Lang;
use crate::metrics::{BatchResult, CAUSES, Outcome, Unit};
use crate::scenario::Scenario;
use crate::tr;
use std::collections::BTreeMap;

/// A chart to show: its title and its SVG text.
pub struct Figure<'a> {
    pub title: &'a str,
    pub svg: &'a str,
}

/// An example story: a heading and its text, one step per line.
pub struct Example {
    pub title: String,
    pub text: String,
    /// Its swimlane (`report::swimlane`, SVG), shown under it; empty: none.
    pub swimlane: String,
}

/// Escapes text for HTML.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// What cause number `i` of `s` means, in `lang`.
pub fn cause_meaning(lang: Lang, s: &Scenario, i: usize) -> String {
    let fixed = crate::scenario::cause::FIXED_NAMES.len();
    match i.checked_sub(fixed).filter(|&k| k < s.faults.len()) {
        Some(k) => super::story::fault_phrase(s, lang, k),
        None => crate::scenario::cause::FIXED_NAMES
            .get(i)
            .map(|n| lang.get(&format!("cause.{n}")).to_owned())
            .unwrap_or_default(),
    }
}

/// The cause column's cell: in English the cause's id; in Chinese a fixed cause's short name
/// (`chart.cause.*`, the id in its tooltip) or a fault's kind followed by the fault's id (a
/// name the scenario gives it).
fn cause_cell(lang: Lang, s: &Scenario, cause: &str, i: Option<usize>) -> String {
    let code = format!("<code>{}</code>", esc(cause));
    if lang == Lang::En {
        return code;
    }
    let fixed = crate::scenario::cause::FIXED_NAMES.len();
    match i.map(|i| i.checked_sub(fixed).and_then(|k| s.faults.get(k))) {
        Some(Some(f)) => format!(
            "{}<br><small>{code}</small>",
            esc(lang.get(&format!(
                "trace.fault_kind.{}",
                crate::scenario::faults::kind_name(f.kind)
            )))
        ),
        _ if lang.has(&format!("chart.cause.{cause}")) => format!(
            "<span title=\"{}\">{}</span>",
            esc(cause),
            esc(lang.get(&format!("chart.cause.{cause}")))
        ),
        _ => code,
    }
}

const STYLE: &str = "
body{font-family:'Noto Sans','DejaVu Sans','Noto Sans CJK SC','Source Han Sans SC',
 'Microsoft YaHei',sans-serif;font-size:20px;line-height:1.45;color:#1a1a1a;background:#fff;
 margin:0 auto;max-width:1400px;padding:24px 40px}
h1{font-size:40px;margin:0 0 8px}h2{font-size:30px;margin:40px 0 12px;
 border-bottom:3px solid #0072B2;padding-bottom:4px}
.lead{font-size:24px;margin:4px 0}.meta{color:#555}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:16px}
.card{border:2px solid #ccc;border-radius:10px;padding:14px 18px}
.card .v{font-size:34px;font-weight:bold}.card .ci{color:#555;font-size:18px}
.card .k{font-size:18px}
table{border-collapse:collapse;font-size:19px}th,td{padding:6px 12px;text-align:right;
 border-bottom:1px solid #ddd}th:first-child,td:first-child{text-align:left}
td small{color:#555}.bar{display:inline-block;height:16px;background:#0072B2}
figure{margin:20px 0}figure svg{width:100%;height:auto;border:1px solid #eee}
figcaption{font-weight:bold;font-size:22px}
pre{font-size:16px;background:#f6f6f6;padding:12px;overflow-x:auto;white-space:pre-wrap}
footer{margin-top:40px;color:#666;font-size:16px}
nav.toc{margin:8px 0;font-size:18px}dl.glossary dt{font-weight:bold;margin-top:10px}
dl.glossary dd{margin:2px 0 0 24px}a{color:#0060A0}
";

/// Where the page's own font goes in its style sheet (`report::webfont`).
const FONT_FACE: &str = "/*font-face*/";

/// Makes a chart's SVG scale to the page: keeps (or adds) its viewBox and drops the fixed
/// width and height of the root element.
fn responsive_svg(svg: &str) -> String {
    let Some(start) = svg.find("<svg") else {
        return String::new();
    };
    let Some(end) = svg[start..].find('>').map(|e| start + e) else {
        return String::new();
    };
    let head = &svg[start..end];
    let attr = |name: &str| {
        let pat = format!(" {name}=\"");
        head.find(&pat).map(|i| {
            let v = &head[i + pat.len()..];
            v[..v.find('"').unwrap_or(v.len())].to_owned()
        })
    };
    let (w, h) = (attr("width"), attr("height"));
    let mut new_head = head.to_owned();
    for (name, v) in [("width", &w), ("height", &h)] {
        if let Some(v) = v {
            new_head = new_head.replacen(&format!(" {name}=\"{v}\""), "", 1);
        }
    }
    if let (None, Some(w), Some(h)) = (attr("viewBox"), &w, &h) {
        new_head.push_str(&format!(" viewBox=\"0 0 {w} {h}\""));
    }
    format!("{new_head}{}", &svg[end..])
}

/// The page.
pub fn report_html(
    s: &Scenario,
    b: &BatchResult,
    figures: &[Figure],
    stories: &[Example],
    lang: Lang,
) -> String {
    let mut h = String::with_capacity(64 * 1024);
    let title = tr!(lang, "report.title", scenario = b.scenario);
    h.push_str(&format!(
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}{FONT_FACE}</style>\n</head>\n<body>\n",
        lang.code(),
        esc(&title)
    ));
    h.push_str(&format!("<h1>{}</h1>\n", esc(&title)));
    h.push_str(&format!(
        "<p class=\"lead\">{}</p>\n",
        esc(s.description_in(lang))
    ));
    if !s.demonstrates.is_empty() {
        h.push_str(&format!(
            "<p>{}</p>\n",
            esc(&tr!(
                lang,
                "report.demonstrates",
                causes = s
                    .demonstrates
                    .iter()
                    .map(|c| match lang.has(&format!("chart.cause.{c}")) {
                        true if lang == Lang::Zh => {
                            format!("{}（{c}）", lang.get(&format!("chart.cause.{c}")))
                        }
                        _ => c.clone(),
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        ));
    }
    h.push_str(&format!(
        "<p class=\"meta\">{}</p>\n",
        esc(&tr!(
            lang,
            "report.runs",
            runs = b.runs,
            seed = b.seed,
            days = super::console::duration(lang, b.horizon_s)
        ))
    ));

    let mean = |name: &str| b.summary(name).and_then(|s| s.mean).unwrap_or(0.0);
    // The one denominator of the shares on this page: every payment's outcome, per run.
    let total: f64 = Outcome::ALL.iter().map(|o| mean(o.metric())).sum();

    h.push_str(&teach_nav(lang));

    // Key figures.
    h.push_str(&format!(
        "<h2>{}</h2>\n<p class=\"meta\">{}</p>\n<div class=\"cards\">\n",
        tr!(lang, "report.key_figures"),
        tr!(
            lang,
            "report.key_note",
            payments = format::grouped(total, 1)
        )
    ));
    h.push_str(&key_cards(b, lang));
    h.push_str("</div>\n");

    // Outcomes.
    h.push_str(&outcome_table(b, lang, total));

    // Charts.
    if !figures.is_empty() {
        h.push_str(&format!("<h2>{}</h2>\n", tr!(lang, "report.charts")));
        for f in figures {
            // The chart carries its title; the figure names it for screen readers.
            h.push_str(&format!(
                "<figure role=\"img\" aria-label=\"{}\">\n{}\n</figure>\n",
                esc(f.title),
                responsive_svg(f.svg)
            ));
        }
    }

    // The network, with the scenario's faults where they strike.
    h.push_str(&topology_section(s, lang));

    // Causes.
    h.push_str(&format!("<h2>{}</h2>\n", tr!(lang, "report.causes")));
    h.push_str(&cause_table(s, b, lang));

    // Stories.
    h.push_str(&format!(
        "<h2>{}</h2>\n<p class=\"meta\">{}</p>\n",
        tr!(lang, "report.stories"),
        tr!(
            lang,
            "report.stories_note",
            runs = crate::runner::stories::STORY_RUNS
        )
    ));
    if stories.is_empty() {
        h.push_str(&format!("<p>{}</p>\n", tr!(lang, "report.no_stories")));
    }
    for st in stories {
        h.push_str(&format!(
            "<h3>{}</h3>\n<pre>{}</pre>\n",
            esc(&st.title),
            esc(&st.text)
        ));
        h.push_str(&swimlane_figure(st));
    }
    h.push_str(&super::glossary::html_section(lang));
    h.push_str(&format!(
        "<footer>{}</footer>\n</body>\n</html>\n",
        esc(&tr!(
            lang,
            "report.footer",
            version = env!("CARGO_PKG_VERSION")
        ))
    ));
    // The Chinese page's own font, cut to the characters of the page now written.
    let css = super::webfont::font_face_css(lang, &h);
    h.replacen(FONT_FACE, &css, 1)
}

/// The outcomes: each outcome's mean count per run, its share of all payments (`total` per
/// run, the page's one denominator) and amount, with a bar.
fn outcome_table(b: &BatchResult, lang: Lang, total: f64) -> String {
    let mut h = String::new();
    let mean = |name: &str| b.summary(name).and_then(|s| s.mean).unwrap_or(0.0);
    h.push_str(&format!(
        "<h2>{}</h2>\n<table class=\"outcomes\">\n<tr><th></th><th>{}</th><th>{}</th>\
         <th>{}</th><th></th></tr>\n",
        tr!(lang, "report.outcomes"),
        tr!(lang, "summary.count"),
        tr!(lang, "report.share_of_all"),
        tr!(lang, "summary.amount")
    ));
    // An outcome the scenario cannot produce (paid short without a mis-set fee) has no row.
    let possible = |o: &Outcome| b.summary(o.metric()).is_none_or(|s| s.off.is_none());
    for o in Outcome::ALL.into_iter().filter(possible) {
        let n = mean(o.metric());
        let share = if total > 0.0 { n / total } else { 0.0 };
        h.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{:.1}%</td><td>{}</td>\
             <td style=\"text-align:left\"><span class=\"bar\" style=\"width:{:.0}px\"></span>\
             </td></tr>\n",
            glossary_link(
                o.name(),
                &esc(lang.get(&format!("outcome_label.{}", o.name())))
            ),
            format::grouped(n, 1),
            share * 100.0,
            format::grouped(mean(&format!("{}_amount", o.metric())), 2),
            (share * 300.0).max(if n > 0.0 { 1.0 } else { 0.0 })
        ));
    }
    h.push_str("</table>\n");
    h
}

/// The links of the teaching aids under the page's header: the network diagram and the
/// glossary.
fn teach_nav(lang: Lang) -> String {
    format!(
        "<nav class=\"toc\"><a href=\"#topology\">{}</a> · <a href=\"#glossary\">{}</a></nav>\n",
        esc(tr!(lang, "teach.gloss.nav_network")),
        esc(tr!(lang, "teach.gloss.nav"))
    )
}

/// An outcome's name (escaped) linked to the glossary entry that explains it, if any.
fn glossary_link(outcome: &str, html: &str) -> String {
    match super::glossary::for_outcome(outcome) {
        Some(slug) => super::glossary::link(slug, html),
        None => html.to_owned(),
    }
}

/// The network diagram (`report::topology`), with its heading.
fn topology_section(s: &Scenario, lang: Lang) -> String {
    let title = tr!(lang, "teach.topo.title", scenario = s.name);
    format!(
        "<h2 id=\"topology\">{}</h2>\n<figure role=\"img\" aria-label=\"{}\">\n{}\n</figure>\n",
        esc(tr!(lang, "teach.gloss.nav_network")),
        esc(&title),
        responsive_svg(&super::topology::topology_svg(s, lang))
    )
}

/// A story's swimlane as a figure, if it has one.
fn swimlane_figure(st: &Example) -> String {
    if st.swimlane.is_empty() {
        return String::new();
    }
    format!(
        "<figure class=\"swimlane\">\n{}\n</figure>\n",
        responsive_svg(&st.swimlane)
    )
}

/// The key figures as cards: each metric's mean, its interval (or why it has none) and its
/// warnings.
fn key_cards(b: &BatchResult, lang: Lang) -> String {
    let mut h = String::new();
    let key: [(&str, &str); 8] = [
        ("settled_on_time_share", tr!(lang, "report.on_time_share")),
        ("not_arrived_amount", tr!(lang, "report.not_arrived")),
        ("charged_without_sale", tr!(lang, "report.charged")),
        (
            "charged_without_sale_amount",
            tr!(lang, "report.charged_amount"),
        ),
        ("declined", tr!(lang, "report.declined")),
        ("false_declines", tr!(lang, "report.false_declines")),
        ("not_arrived_oldest_age_s", tr!(lang, "report.oldest")),
        ("settlement_delay_p99_s", tr!(lang, "report.delay_p99")),
    ];
    for (name, label) in key {
        let (Some(i), Some(sm)) = (b.catalogue.position(name), b.summary(name)) else {
            continue;
        };
        let unit = b.catalogue.metrics[i].unit;
        let f = |x: Option<f64>| {
            x.map_or("-".to_owned(), |x| match unit {
                Unit::Ratio => format!("{:.2}%", x * 100.0),
                _ => value(lang, unit, x),
            })
        };
        let mut ci = match sm.off {
            Some(why) => tr!(
                lang,
                "summary.off",
                why = super::console::off_reason(lang, why)
            ),
            None => match super::console::interval(sm, |x| f(Some(x))) {
                none if none == "-" => String::new(),
                ci => ci,
            },
        };
        for w in &sm.warnings {
            ci.push_str(" · ");
            ci.push_str(lang.get(&format!("summary.warning.{}", w.name())));
        }
        let per_run = if matches!(unit, Unit::Count | Unit::Money) {
            format!(" {}", tr!(lang, "report.per_run"))
        } else {
            String::new()
        };
        h.push_str(&format!(
            "<div class=\"card\" data-metric=\"{name}\"><div class=\"k\">{}{}</div>\
             <div class=\"v\">{}</div><div class=\"ci\">{}</div></div>\n",
            esc(label),
            esc(&per_run),
            esc(&f(sm.mean)),
            esc(&ci)
        ));
    }
    h
}

/// The causes that struck some payment, with the mean count (and amount) of each outcome
/// they ended in; only outcomes that some cause produced get a column.
fn cause_table(s: &Scenario, b: &BatchResult, lang: Lang) -> String {
    let names = crate::scenario::cause::names(s);
    // cause -> outcome metric -> (count mean, amount mean)
    type Row<'a> = BTreeMap<&'a str, (f64, f64)>;
    let mut by: BTreeMap<&str, Row> = BTreeMap::new();
    for (m, sm) in b.catalogue.metrics.iter().zip(&b.summaries) {
        let Some((cause, what)) = m.name.strip_prefix(CAUSES).and_then(|r| r.split_once('.'))
        else {
            continue;
        };
        if sm.max.is_none_or(|x| x <= 0.0) {
            continue;
        }
        let (outcome, is_amount) = match what.strip_suffix("_amount") {
            Some(o) => (o, true),
            None => (what, false),
        };
        let e = by.entry(cause).or_default().entry(outcome).or_default();
        let v = sm.mean.unwrap_or(0.0);
        if is_amount { e.1 = v } else { e.0 = v }
    }
    if by.is_empty() {
        return format!("<p>{}</p>\n", tr!(lang, "report.no_causes"));
    }
    let cols: Vec<Outcome> = Outcome::ALL
        .iter()
        .copied()
        .filter(|o| by.values().any(|m| m.contains_key(o.metric())))
        .collect();
    let mut h = format!(
        "<table class=\"causes\">\n<tr><th>{}</th><th style=\"text-align:left\">{}</th>",
        tr!(lang, "report.cause"),
        tr!(lang, "report.meaning")
    );
    for o in &cols {
        h.push_str(&format!(
            "<th>{}</th>",
            glossary_link(o.name(), &esc(lang.get(&format!("outcome.{}", o.name()))))
        ));
    }
    h.push_str("</tr>\n");
    // Most payments struck first.
    let mut rows: Vec<(&str, &Row)> = by.iter().map(|(c, m)| (*c, m)).collect();
    rows.sort_by(|a, b| {
        let n = |m: &Row| m.values().map(|v| v.0).sum::<f64>();
        n(b.1).total_cmp(&n(a.1)).then(a.0.cmp(b.0))
    });
    for (cause, m) in rows {
        let i = names.iter().position(|n| n == cause);
        let meaning = i.map(|i| cause_meaning(lang, s, i)).unwrap_or_default();
        h.push_str(&format!(
            "<tr><td>{}</td><td style=\"text-align:left\">{}</td>",
            cause_cell(lang, s, cause, i),
            esc(&meaning)
        ));
        for o in &cols {
            match m.get(o.metric()) {
                Some((n, amount)) => h.push_str(&format!(
                    "<td>{}<br><small>{}</small></td>",
                    format::grouped(*n, 1),
                    format::grouped(*amount, 2)
                )),
                None => h.push_str("<td></td>"),
            }
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</table>\n");
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(esc("<a & 'b'>"), "&lt;a &amp; &#39;b&#39;&gt;");
    }

    #[test]
    fn svg_scales_to_the_page() {
        let svg =
            "<?xml version=\"1.0\"?>\n<svg width=\"800\" height=\"600\" xmlns=\"x\"><g/></svg>";
        let r = responsive_svg(svg);
        assert!(
            r.starts_with("<svg xmlns=\"x\" viewBox=\"0 0 800 600\">"),
            "{r}"
        );
        assert!(r.ends_with("<g/></svg>"));
    }
}

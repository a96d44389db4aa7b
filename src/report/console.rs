//! The terminal summary of a batch: the outcomes as a small table with a bar per row, then
//! the headline metrics with their 95% confidence intervals, in the chosen language.

use super::format;
use crate::i18n::Lang;
use crate::metrics::{BatchResult, Outcome, Unit};
use crate::tr;

/// Width of the longest bar, in characters.
const BAR: usize = 20;

/// A bar of `share` (0..=1) of [`BAR`] characters; a share too small for a character but not
/// zero still shows a sliver.
fn bar(share: f64) -> String {
    let eighths = (share.clamp(0.0, 1.0) * (BAR * 8) as f64).round() as usize;
    let mut s = "█".repeat(eighths / 8);
    const PART: [&str; 8] = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];
    s.push_str(PART[eighths % 8]);
    if s.is_empty() && share > 0.0 {
        s.push('▏');
    }
    s
}

/// Pads `s` to `width` display columns (a CJK character takes two).
pub fn pad(s: &str, width: usize) -> String {
    let w = display_width(s);
    format!("{s}{}", " ".repeat(width.saturating_sub(w)))
}

/// Right-aligns `s` in `width` display columns.
pub fn pad_left(s: &str, width: usize) -> String {
    let w = display_width(s);
    format!("{}{s}", " ".repeat(width.saturating_sub(w)))
}

/// Display columns of `s`: East Asian wide characters take two.
pub fn display_width(s: &str) -> usize {
    s.chars()
        .map(|c| {
            let u = c as u32;
            let wide = (0x1100..=0x115F).contains(&u)
                || (0x2E80..=0xA4CF).contains(&u)
                || (0xAC00..=0xD7A3).contains(&u)
                || (0xF900..=0xFAFF).contains(&u)
                || (0xFE30..=0xFE4F).contains(&u)
                || (0xFF00..=0xFF60).contains(&u)
                || (0xFFE0..=0xFFE6).contains(&u);
            if wide { 2 } else { 1 }
        })
        .sum()
}

/// The label of metric `name` in `lang`: the catalogue's `metric.<name>`, else `fallback`.
pub fn metric_label(lang: Lang, name: &str, fallback: &'static str) -> &'static str {
    let key = format!("metric.{name}");
    if lang.has(&key) {
        lang.get(&key)
    } else {
        fallback
    }
}

/// The terminal summary: outcomes (count, share, amount, bar), then the other headline
/// metrics with their intervals.
pub fn console_table(b: &BatchResult, lang: Lang) -> String {
    let mean = |name: &str| b.summary(name).and_then(|s| s.mean).unwrap_or(0.0);
    // An outcome the scenario cannot produce (paid short without a mis-set fee) has no row.
    let counts: Vec<(Outcome, f64, f64)> = Outcome::ALL
        .iter()
        .filter(|o| b.summary(o.metric()).is_none_or(|s| s.off.is_none()))
        .map(|&o| (o, mean(o.metric()), mean(&format!("{}_amount", o.metric()))))
        .collect();
    let total: f64 = counts.iter().map(|c| c.1).sum();
    let lw = 36;
    let mut out = format!(
        "{}{} {} {} {}\n",
        pad(tr!(lang, "summary.outcomes"), lw),
        pad_left(tr!(lang, "summary.count"), 12),
        pad_left(tr!(lang, "summary.count_ci"), 25),
        pad_left(tr!(lang, "summary.share"), 7),
        pad_left(tr!(lang, "summary.amount"), 16),
    );
    let mut notes = vec![];
    for (o, n, amount) in &counts {
        let share = if total > 0.0 { n / total } else { 0.0 };
        let label = lang.get(&format!("outcome_label.{}", o.name()));
        let s = b.summary(o.metric());
        let ci = s.map_or("-".into(), |s| interval(s, |x| format::grouped(x, 1)));
        if let Some(s) = s {
            notes.extend(s.warnings.iter().copied());
        }
        out.push_str(&format!(
            "{}{} {} {} {}  {}\n",
            pad(label, lw),
            pad_left(&format::grouped(*n, 1), 12),
            pad_left(&ci, 25),
            pad_left(&format!("{:.1}%", share * 100.0), 7),
            pad_left(&format::grouped(*amount, 2), 16),
            bar(share)
        ));
    }
    out.push('\n');
    out.push_str(&format!(
        "{}{} {}\n",
        pad(tr!(lang, "summary.metric"), lw),
        pad_left(tr!(lang, "summary.mean"), 14),
        pad_left(tr!(lang, "summary.ci"), 31)
    ));
    let outcome_metric = |name: &str| {
        Outcome::ALL
            .iter()
            .any(|o| name == o.metric() || name.strip_suffix("_amount") == Some(o.metric()))
    };
    for (m, s) in b.catalogue.metrics.iter().zip(&b.summaries) {
        let Some(label) = m.label else { continue };
        if outcome_metric(&m.name) {
            continue;
        }
        let f = |v: Option<f64>| v.map_or("-".to_string(), |x| value(lang, m.unit, x));
        let ci = interval(s, |x| value(lang, m.unit, x));
        let note = match s.off {
            Some(why) => tr!(lang, "summary.off", why = off_reason(lang, why)),
            None => s
                .warnings
                .iter()
                .map(|w| lang.get(&format!("summary.warning.{}", w.name())))
                .collect::<Vec<_>>()
                .join(", "),
        };
        notes.extend(s.warnings.iter().copied());
        let line = format!(
            "{}{} {}  {note}",
            pad(metric_label(lang, &m.name, label), lw),
            pad_left(&f(s.mean), 14),
            pad_left(&ci, 31)
        );
        out.push_str(line.trim_end());
        out.push('\n');
    }
    notes.sort();
    notes.dedup();
    for w in notes {
        out.push_str(&format!(
            "  {}: {}\n",
            lang.get(&format!("summary.warning.{}", w.name())),
            lang.get(&format!("summary.explain.{}", w.name()))
        ));
    }
    out
}

/// A summary's interval as `[low, high]`, `≤ high` when nothing was seen (a rule-of-three
/// bound), `-` without one.
pub fn interval(s: &crate::metrics::Summary, f: impl Fn(f64) -> String) -> String {
    use crate::metrics::interval::Method;
    match (s.ci95_low, s.ci95_high, s.ci_method) {
        (Some(0.0), Some(h), Some(Method::RuleOfThree)) => format!("≤ {}", f(h)),
        (Some(l), Some(h), _) => format!("[{}, {}]", f(l), f(h)),
        _ => "-".into(),
    }
}

/// Why a metric is off, in `lang`: the catalogue's `off.*`, else the reason as the metrics
/// layer gives it.
pub fn off_reason(lang: Lang, why: &str) -> String {
    match crate::metrics::applies::off_key(why) {
        Some(k) if lang.has(&k) => lang.get(&k).to_owned(),
        _ => why.to_owned(),
    }
}

/// A value of `unit` for people, durations in the language's units.
pub fn value(lang: Lang, unit: Unit, x: f64) -> String {
    match unit {
        Unit::Seconds => duration(lang, x),
        Unit::Millis => duration(lang, x / 1e3),
        u => format::value(u, x),
    }
}

/// [`format::duration`] in `lang`'s unit words ("1 d 4 h", "1 天 4 小时").
pub fn duration(lang: Lang, secs: f64) -> String {
    units_in(lang, &format::duration(secs))
}

/// A duration written with English unit words ("-7 d 19 h", "1.5 min") in `lang`'s.
pub fn units_in(lang: Lang, en: &str) -> String {
    if lang == Lang::En {
        return en.to_owned();
    }
    en.split(' ')
        .map(|w| match w {
            "d" => tr!(lang, "unit.day"),
            "h" => tr!(lang, "unit.hour"),
            "min" => tr!(lang, "unit.minute"),
            "s" => tr!(lang, "unit.second"),
            "ms" => tr!(lang, "unit.millisecond"),
            n => n,
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_are_proportional_and_a_sliver_shows_a_small_share() {
        assert_eq!(bar(1.0).chars().count(), BAR);
        assert_eq!(bar(0.5).chars().count(), BAR / 2);
        assert_eq!(bar(0.0), "");
        assert_eq!(bar(1e-6), "▏");
    }

    #[test]
    fn wide_characters_take_two_columns() {
        assert_eq!(display_width("未到账"), 6);
        assert_eq!(display_width("abc"), 3);
        assert_eq!(pad("未到账", 8), "未到账  ");
    }

    #[test]
    fn durations_in_chinese() {
        assert_eq!(duration(Lang::Zh, 100_800.0), "1 天 4 小时");
        assert_eq!(duration(Lang::En, 100_800.0), "1 d 4 h");
    }

    #[test]
    fn every_labelled_metric_has_a_label_in_both_languages() {
        let s = crate::scenario::baseline();
        let c = crate::metrics::Catalogue::for_scenario(&s);
        for m in c.metrics.iter().filter(|m| m.label.is_some()) {
            let outcome = Outcome::ALL.iter().any(|o| {
                m.name == o.metric() || m.name.strip_suffix("_amount") == Some(o.metric())
            });
            if outcome {
                continue;
            }
            for lang in Lang::ALL {
                assert!(
                    lang.has(&format!("metric.{}", m.name)),
                    "metric.{} missing in {lang:?}",
                    m.name
                );
            }
        }
        for o in Outcome::ALL {
            for lang in Lang::ALL {
                assert!(lang.has(&format!("outcome_label.{}", o.name())));
                assert!(lang.has(&format!("outcome.{}", o.name())));
            }
        }
    }
}

//! The verdict for people: the block at the top of `payfault compare`'s (and sweep's, and
//! merge's) terminal output, and the number forms that never print a significant difference
//! as zero.

use crate::i18n::Lang;
use crate::metrics::Unit;
use crate::metrics::comparison::Comparison;
use crate::metrics::verdict::{Direction, Status, Verdict};
use crate::report::format;
use crate::tr;

/// Whether `s` shows a non-zero digit.
fn shows_digit(s: &str) -> bool {
    s.chars().any(|c| c.is_ascii_digit() && c != '0')
}

/// The decimals that show `x` with two significant digits (at least `base`).
fn decimals_for(x: f64, base: usize) -> usize {
    let a = x.abs();
    if a == 0.0 || !a.is_finite() {
        return base;
    }
    let lead = (-a.log10()).ceil() as i64 + 1;
    base.max(lead.clamp(0, 15) as usize)
}

/// `x` of `unit` for the terminal with `decimals` (durations in milliseconds).
fn with_decimals(unit: Unit, x: f64, decimals: usize) -> String {
    match unit {
        Unit::Seconds => format!("{} ms", format::grouped(x * 1e3, decimals)),
        Unit::Millis => format!("{} ms", format::grouped(x, decimals)),
        _ => format::grouped(x, decimals),
    }
}

/// The terminal's decimals of `unit`, and the factor to its shown unit (milliseconds for
/// durations shown finely).
fn base(unit: Unit) -> (usize, f64) {
    match unit {
        Unit::Count | Unit::Level | Unit::PerSecond => (1, 1.0),
        Unit::Money => (2, 1.0),
        Unit::Ratio => (4, 1.0),
        Unit::Seconds => (0, 1e3),
        Unit::Millis => (0, 1.0),
    }
}

/// Values of `unit` shown together (a mean and its bounds, or a column of means): in the
/// terminal's usual form, unless `exact` and one of them is non-zero but would print as zero;
/// then all of them with the decimals that show every non-zero one with two significant
/// digits. `sign` adds `+` to positive values (zero stays unsigned).
pub fn shown(unit: Unit, xs: &[f64], sign: bool, exact: bool) -> Vec<String> {
    let signed = |v: String, x: f64| {
        if !sign || !shows_digit(&v) {
            v
        } else if x < 0.0 {
            format!("-{v}")
        } else {
            format!("+{v}")
        }
    };
    let plain: Vec<String> = xs
        .iter()
        .map(|&x| signed(format::value(unit, x.abs()), x))
        .collect();
    if !exact
        || xs
            .iter()
            .zip(&plain)
            .all(|(&x, s)| x == 0.0 || !x.is_finite() || shows_digit(s))
    {
        return plain;
    }
    let (b, factor) = base(unit);
    let d = xs
        .iter()
        .map(|&x| decimals_for(x * factor, b))
        .max()
        .unwrap_or(b);
    xs.iter()
        .map(|&x| signed(with_decimals(unit, x.abs(), d), x))
        .collect()
}

/// The status word of a design.
fn status(lang: Lang, s: Status) -> &'static str {
    match s {
        Status::Best => tr!(lang, "verdict.best"),
        Status::Contender => tr!(lang, "verdict.contender"),
        Status::Worse => tr!(lang, "verdict.worse"),
    }
}

fn percent(p: f64) -> String {
    format!("{:.1}%", p * 100.0)
}

/// A list of names for a sentence: `a`, `a and b`, `a, b and c`.
fn listed(lang: Lang, names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!(
            "{}{}{last}",
            rest.join(tr!(lang, "verdict.more.comma")),
            tr!(lang, "verdict.and")
        ),
    }
}

/// The verdict block: what is ranked, the ranking, and the conclusion (or why there is none
/// and how many runs would give one).
pub fn verdict_text(c: &Comparison, lang: Lang) -> String {
    let v = &c.verdict;
    let metric = &v.objective.metric;
    let (unit, label) = c.batches[0]
        .catalogue
        .metrics
        .iter()
        .find(|m| m.name == *metric)
        .map_or((Unit::Count, None), |m| (m.unit, m.label));
    let better = match v.objective.direction {
        Direction::Min => tr!(lang, "verdict.lower"),
        Direction::Max => tr!(lang, "verdict.higher"),
    };
    let what = match (lang, label) {
        (Lang::En, Some(l)) if l.trim() != metric.replace('_', " ") => {
            format!("{metric} — {}; {better}", l.trim())
        }
        _ => tr!(lang, "verdict.more.what", metric = metric, better = better),
    };
    let mut out = tr!(
        lang,
        "verdict.title",
        what = what,
        runs = v.runs,
        confidence = format!("{:.0}", v.confidence * 100.0)
    );
    out.push('\n');
    out.push_str(&ranking(v, unit, lang));
    out.push_str(&conclusion(v, unit, lang));
    out.push('\n');
    out
}

/// The width of `s` in terminal columns (a CJK character takes two).
fn cols(s: &str) -> usize {
    s.chars().map(|c| if c >= '\u{1100}' { 2 } else { 1 }).sum()
}

/// [`shown`] with durations in `lang`'s unit words.
fn shown_in(lang: Lang, unit: Unit, xs: &[f64], sign: bool, exact: bool) -> Vec<String> {
    let s = shown(unit, xs, sign, exact);
    if matches!(unit, Unit::Seconds | Unit::Millis) {
        s.iter()
            .map(|v| super::console::units_in(lang, v))
            .collect()
    } else {
        s
    }
}

/// `s` padded with spaces to `w` columns, on the left (`right`) or on the right.
fn pad(s: &str, w: usize, right: bool) -> String {
    let fill = " ".repeat(w.saturating_sub(cols(s)));
    if right {
        fill + s
    } else {
        format!("{s}{fill}")
    }
}

/// One line per design, under a header: rank, name, mean, difference to the leader with its
/// simultaneous bounds, status, share of bootstrap resamples won.
fn ranking(v: &Verdict, unit: Unit, lang: Lang) -> String {
    let means: Vec<f64> = v.ranking.iter().map(|r| r.mean.unwrap_or(0.0)).collect();
    let means = if v.runs == 0 {
        vec!["-".to_owned(); means.len()]
    } else {
        shown_in(lang, unit, &means, false, true)
    };
    let rows: Vec<[String; 6]> = v
        .ranking
        .iter()
        .zip(means)
        .map(|(r, mean)| {
            let diff = r.vs_best.as_ref().map_or(String::new(), |d| {
                let exact = d.low > 0.0 || d.high < 0.0;
                let s = shown_in(lang, unit, &[d.mean, d.low, d.high], true, exact);
                format!("{} [{}, {}]", s[0], s[1], s[2])
            });
            [
                r.rank.to_string(),
                r.design.clone(),
                mean,
                diff,
                if v.runs == 0 {
                    String::new()
                } else {
                    status(lang, r.status).to_owned()
                },
                r.p_best.map_or(String::new(), percent),
            ]
        })
        .collect();
    let head: [String; 6] = [
        "verdict.col.rank",
        "verdict.col.design",
        "verdict.col.mean",
        "verdict.col.diff",
        "verdict.col.status",
        "verdict.col.p_best",
    ]
    .map(|k| lang.get(k).to_owned());
    let widths: Vec<usize> = (0..6)
        .map(|c| {
            rows.iter()
                .chain([&head])
                .map(|r| cols(&r[c]))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |r: &[String; 6]| {
        let cells: Vec<String> = (0..6)
            .map(|c| pad(&r[c], widths[c], matches!(c, 0 | 2 | 5)))
            .collect();
        format!("  {}\n", cells.join("  ").trim_end())
    };
    let mut out = line(&head);
    rows.iter().for_each(|r| out.push_str(&line(r)));
    out
}

/// The conclusion: the best, or why there is none yet and how many runs would give one.
fn conclusion(v: &Verdict, unit: Unit, lang: Lang) -> String {
    let metric = &v.objective.metric;
    let conf = format!("{:.0}", v.confidence * 100.0);
    let mut out = String::new();
    if v.runs_without_value > 0 {
        out.push_str(&tr!(
            lang,
            "verdict.dropped",
            dropped = v.runs_without_value,
            metric = metric
        ));
        out.push('\n');
    }
    let Some(best) = &v.best else {
        return out + &tr!(lang, "verdict.no_runs", metric = metric) + "\n";
    };
    if v.ranking.len() == 1 {
        return out + tr!(lang, "verdict.single") + "\n";
    }
    if v.critical_t.is_none() {
        return out + &tr!(lang, "verdict.few_runs", runs = v.runs) + "\n";
    }
    if let Some(l) = &v.leaders
        && let (Some(lo), Some(hi)) = (l.low, l.high)
    {
        let s = shown_in(lang, unit, &[l.mean, lo, hi], true, lo > 0.0 || hi < 0.0);
        out.push_str(&tr!(
            lang,
            "verdict.leaders",
            first = l.first,
            second = l.second,
            diff = s[0],
            low = s[1],
            high = s[2],
            confidence = conf
        ));
        out.push('\n');
    }
    if let Some(s) = &v.skew {
        out.push_str(&tr!(
            lang,
            "verdict.skew",
            leader = best,
            design = s.design,
            skewness = format!("{:.1}", s.skewness),
            runs = s.runs_advised
        ));
        out.push('\n');
    }
    if v.decided {
        out.push_str(&tr!(
            lang,
            "verdict.decided",
            design = best,
            confidence = conf,
            p = v.p_best.map_or("-".into(), percent)
        ));
        return out + "\n";
    }
    out.push_str(&tr!(
        lang,
        "verdict.undecided",
        designs = listed(lang, &v.contenders),
        runs = v.runs,
        confidence = conf
    ));
    out.push('\n');
    if v.identical.len() + 1 == v.ranking.len() {
        out.push_str(&tr!(lang, "verdict.more.all_same", metric = metric));
        return out + "\n";
    }
    if !v.identical.is_empty() {
        out.push_str(&tr!(
            lang,
            "verdict.identical",
            designs = listed(lang, &v.identical),
            leader = best,
            metric = metric
        ));
        out.push('\n');
    }
    if v.identical.len() + 1 < v.contenders.len() {
        match v.runs_needed {
            Some(n) => out.push_str(&tr!(lang, "verdict.runs_needed", need = n)),
            None => out.push_str(tr!(lang, "verdict.no_estimate")),
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_significant_difference_never_prints_as_zero() {
        // A ratio moved by 3e-6 with an interval that excludes zero: the usual four decimals
        // would print 0.0000 beside the `*`.
        assert_eq!(format::value(Unit::Ratio, 0.000003), "0.0000");
        let s = shown(
            Unit::Ratio,
            &[-0.000003, -0.0000046, -0.0000016],
            true,
            true,
        );
        assert_eq!(s, ["-0.0000030", "-0.0000046", "-0.0000016"]);
        // Counts, money and durations likewise; a bound that is exactly 0 stays unsigned.
        let s = shown(Unit::Count, &[0.012, 0.004, 0.02], true, true);
        assert_eq!(s, ["+0.0120", "+0.0040", "+0.0200"]);
        let s = shown(Unit::Money, &[0.001, 0.0, 0.002], true, true);
        assert_eq!(s, ["+0.0010", "0.0000", "+0.0020"]);
        let s = shown(Unit::Seconds, &[0.0002, 0.0001, 0.0003], true, true);
        assert_eq!(s, ["+0.20 ms", "+0.10 ms", "+0.30 ms"]);
        let s = shown(Unit::Millis, &[0.0004, 0.0002, 0.0006], true, true);
        assert_eq!(s, ["+0.00040 ms", "+0.00020 ms", "+0.00060 ms"]);
        // Values that show digits keep the usual form; not significant: the usual form too.
        let s = shown(Unit::Count, &[-732.1, -743.5, -720.7], true, true);
        assert_eq!(s, ["-732.1", "-743.5", "-720.7"]);
        let s = shown(Unit::Ratio, &[0.000003, -0.00001, 0.00002], true, false);
        assert_eq!(s, ["0.0000", "0.0000", "0.0000"]);
        // Means in a column: every non-zero one shows a digit.
        let s = shown(Unit::Money, &[0.004, 12.5], false, true);
        assert_eq!(s, ["0.0040", "12.5000"]);
    }

    #[test]
    fn widths_count_chinese_as_two_columns() {
        assert_eq!(cols("最优"), 4);
        assert_eq!(pad("最优", 6, false), "最优  ");
        assert_eq!(pad("ab", 4, true), "  ab");
    }
}

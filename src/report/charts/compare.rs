//! Paired differences against the reference design, dot and whisker: one panel per headline
//! metric (each in its own unit), one row per design, the dot at the mean difference, the
//! whiskers at its 95% interval, zero marked.

use super::{
    Axis, GREY, LABEL_PX, TICK_PX, axis_value, colour, err, metric_label, note, render, text,
    titled,
};
use crate::i18n::Lang;
use crate::metrics::Unit;
use crate::metrics::comparison::{Comparison, Difference};
use crate::tr;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// At most this many panels (3 × 3).
const MAX_PANELS: usize = 9;

/// The metrics shown: those that separate the designs. The verdict's objective first (the
/// money lost plus the design's cost by default), then the design's cost and money not
/// arrived when a design moves them, then the metrics with a table label that some design
/// moves, those whose difference excludes zero before the others, the clearest difference
/// (largest mean over its interval's half-width) first. A metric no design moves is left out.
pub(super) fn headline(c: &Comparison) -> Vec<(usize, String, Unit)> {
    let b0 = &c.batches[0];
    let objective = c.verdict.objective.metric.as_str();
    let first = [objective, "cost_total", "not_arrived_amount"];
    // (metric, name, unit, rank among `first`, excludes zero, clarity)
    let mut out: Vec<(usize, String, Unit, usize, bool, f64)> = vec![];
    for (j, m) in b0.catalogue.metrics.iter().enumerate() {
        let rank = first
            .iter()
            .position(|f| *f == m.name)
            .unwrap_or(first.len());
        if m.label.is_none() && rank == first.len() {
            continue;
        }
        let diffs: Vec<&Difference> = (c.differences.iter().skip(1))
            .filter_map(|d| d[j].as_ref())
            .collect();
        if !diffs.iter().any(|d| d.mean.is_some_and(|x| x != 0.0)) {
            continue;
        }
        let sure = diffs.iter().any(|d| d.excludes_zero);
        let clarity = (diffs.iter())
            .filter_map(|d| {
                let (m, l, h) = (d.mean?, d.ci95_low?, d.ci95_high?);
                Some(match (h - l) / 2.0 {
                    w if w > 0.0 => m.abs() / w,
                    _ => f64::INFINITY,
                })
            })
            .fold(0.0, f64::max);
        out.push((j, m.name.clone(), m.unit, rank, sure, clarity));
    }
    out.sort_by(|a, b| {
        (a.3, !a.4)
            .cmp(&(b.3, !b.4))
            .then(b.5.total_cmp(&a.5))
            .then(a.0.cmp(&b.0))
    });
    out.truncate(MAX_PANELS);
    out.into_iter().map(|(j, n, u, ..)| (j, n, u)).collect()
}

fn panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    c: &Comparison,
    (j, name, unit): &(usize, String, Unit),
    lang: Lang,
) -> Result<(), String> {
    let designs: Vec<usize> = (1..c.names.len()).collect();
    // Per design: (mean, low, high) of the difference, if it has one.
    type Whisker = Option<(f64, f64, f64)>;
    let rows: Vec<(usize, Whisker)> = designs
        .iter()
        .map(|&k| {
            let d = c.differences[k][*j].as_ref();
            let v = d.and_then(|d| {
                let m = d.mean?;
                Some((
                    axis_value(*unit, m),
                    axis_value(*unit, d.ci95_low.unwrap_or(m)),
                    axis_value(*unit, d.ci95_high.unwrap_or(m)),
                ))
            });
            (k, v)
        })
        .collect();
    let (mut lo, mut hi) = (0.0f64, 0.0f64);
    for (_, v) in &rows {
        if let Some((_, l, h)) = v {
            lo = lo.min(*l);
            hi = hi.max(*h);
        }
    }
    // No difference at all: a readable span around zero.
    let pad = if hi - lo > 0.0 {
        (hi - lo) * 0.15
    } else if *unit == Unit::Ratio {
        0.01
    } else {
        1.0
    };
    // One unit for the whole axis, chosen by its span; values plotted in it.
    let ax = Axis::new(*unit, lo - pad, hi + pad, 4);
    let (lo, hi) = (ax.at(lo - pad), ax.at(hi + pad));
    let rows: Vec<(usize, Whisker)> = (rows.into_iter())
        .map(|(k, v)| (k, v.map(|(m, l, h)| (ax.at(m), ax.at(l), ax.at(h)))))
        .collect();
    let n = rows.len();
    let caption = metric_label(name, lang);
    let mut ch = ChartBuilder::on(area)
        .margin(14)
        .margin_right(30)
        .caption(caption, text(lang, TICK_PX))
        .x_label_area_size(70)
        .y_label_area_size(20)
        .build_cartesian_2d(lo..hi, -0.7..(n as f64 - 0.3))
        .map_err(err)?;
    ch.configure_mesh()
        .disable_y_mesh()
        .y_labels(0)
        .x_labels(4)
        .x_label_formatter(&|x| ax.tick(*x))
        .label_style(text(lang, TICK_PX - 4))
        .axis_desc_style(text(lang, TICK_PX - 6).color(&GREY))
        .x_desc(ax.desc(lang))
        .axis_style(BLACK.stroke_width(2))
        .light_line_style(WHITE.mix(0.0))
        .bold_line_style(BLACK.mix(0.10))
        .draw()
        .map_err(err)?;
    ch.draw_series(std::iter::once(PathElement::new(
        vec![(0.0, -0.7), (0.0, n as f64 - 0.3)],
        GREY.stroke_width(3),
    )))
    .map_err(err)?;
    for (i, (k, v)) in rows.iter().enumerate() {
        let y = (n - 1 - i) as f64;
        let col = colour(*k);
        if let Some((m, l, h)) = *v {
            ch.draw_series(std::iter::once(PathElement::new(
                vec![(l, y), (h, y)],
                col.stroke_width(5),
            )))
            .map_err(err)?;
            for x in [l, h] {
                ch.draw_series(std::iter::once(PathElement::new(
                    vec![(x, y - 0.18), (x, y + 0.18)],
                    col.stroke_width(4),
                )))
                .map_err(err)?;
            }
            ch.draw_series(std::iter::once(Circle::new((m, y), 11, col.filled())))
                .map_err(err)?;
        }
    }
    Ok(())
}

/// `compare_differences`.
pub(super) fn differences(c: &Comparison, lang: Lang) -> Result<super::Chart, String> {
    let reference = c.names.first().cloned().unwrap_or_default();
    let title = tr!(lang, "chart.diff.title", reference = reference);
    let metrics = if c.names.len() > 1 {
        headline(c)
    } else {
        vec![]
    };
    render!("compare_differences", title.clone(), lang, |root| {
        (|| -> Result<(), String> {
            let area = titled(&root, &title, lang)?;
            if metrics.is_empty() {
                return note(&area, tr!(lang, "chart.diff.none"), lang);
            }
            let (w, h) = area.dim_in_pixel();
            let (body, foot) = area.split_vertically(h as i32 - 110);
            let cols = if metrics.len() <= 4 { 2 } else { 3 };
            let rows = metrics.len().div_ceil(cols);
            let panels = body.split_evenly((rows, cols));
            for (m, p) in metrics.iter().zip(&panels) {
                panel(p, c, m, lang)?;
            }
            // The legend: one colour per design, then what a dot and a whisker are.
            let mut x = 30;
            for k in 1..c.names.len() {
                let col = colour(k);
                foot.draw(&Circle::new((x + 10, 30), 11, col.filled()))
                    .map_err(err)?;
                let label = c.names[k].clone();
                foot.draw(&Text::new(
                    label.clone(),
                    (x + 30, 30),
                    text(lang, LABEL_PX - 2).pos(Pos::new(HPos::Left, VPos::Center)),
                ))
                .map_err(err)?;
                let (tw, _) = foot
                    .estimate_text_size(&label, &text(lang, LABEL_PX - 2))
                    .map_err(err)?;
                x += tw as i32 + 80;
                if x > w as i32 - 200 {
                    break;
                }
            }
            foot.draw(&Text::new(
                tr!(
                    lang,
                    "chart.diff.note",
                    reference = reference,
                    runs = c.batches[0].runs
                ),
                (30, 80),
                text(lang, TICK_PX - 2)
                    .color(&GREY)
                    .pos(Pos::new(HPos::Left, VPos::Center)),
            ))
            .map_err(err)
        })()
    })
}

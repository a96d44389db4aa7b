//! Settlement delay as a cumulative distribution on a log time axis: for one batch (with the
//! scenario's promises shaded, from the shortest to the longest delay to their deadlines, and
//! the T+0, T+1, T+2 credit times marked), or one line per design.

use super::{GREY, LABEL_PX, LEGEND_PX, LINE_PX, TICK_PX, colour, err, note, render, text, titled};
use crate::engine::{DAY, MINUTE, Nanos, SECOND};
use crate::i18n::Lang;
use crate::metrics::BatchResult;
use crate::metrics::comparison::Comparison;
use crate::report::console::duration;
use crate::scenario::Scenario;
use crate::scenario::calendar::Calendar;
use crate::scenario::promise::Promise;
use crate::tr;
use hdrhistogram::Histogram;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Points of each CDF line.
const POINTS: usize = 300;

/// The CDF of a histogram of milliseconds at log-spaced delays (seconds), from its minimum to
/// its maximum: `(seconds, share at or below)`.
fn cdf(h: &Histogram<u64>, lo: f64, hi: f64) -> Vec<(f64, f64)> {
    if h.is_empty() {
        return vec![];
    }
    let (a, b) = (lo.ln(), hi.ln());
    (0..POINTS)
        .map(|i| {
            let x = (a + (b - a) * i as f64 / (POINTS - 1) as f64).exp();
            let ms = (x * 1e3).round().max(1.0) as u64;
            (x, h.quantile_below(ms).clamp(0.0, 1.0))
        })
        .collect()
}

/// The range of the delay axis (seconds) over several histograms: a little beyond the
/// smallest and largest delays, and at least a minute to two days.
fn span<'a>(hs: impl Iterator<Item = &'a Histogram<u64>>, marks: &[f64]) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, 0.0f64);
    for h in hs.filter(|h| !h.is_empty()) {
        lo = lo.min(h.min().max(1) as f64 / 1e3);
        hi = hi.max(h.max() as f64 / 1e3);
    }
    for &m in marks {
        lo = lo.min(m);
        hi = hi.max(m);
    }
    if !lo.is_finite() {
        (lo, hi) = (60.0, 2.0 * 86_400.0);
    }
    let hi = (hi * 1.4).max(2.0);
    // At least a decade, so the axis has ticks to read.
    let lo = (lo / 1.4).min(hi / 10.0).max(1.0);
    (lo, hi)
}

/// Readable delays for the ticks of the log axis.
const TICKS: [f64; 16] = [
    1.0,
    10.0,
    60.0,
    600.0,
    3600.0,
    3.0 * 3600.0,
    6.0 * 3600.0,
    12.0 * 3600.0,
    86_400.0,
    2.0 * 86_400.0,
    3.0 * 86_400.0,
    5.0 * 86_400.0,
    7.0 * 86_400.0,
    14.0 * 86_400.0,
    30.0 * 86_400.0,
    100.0 * 86_400.0,
];

/// The sale times of the traffic window, one a minute (at most 2,000).
fn sale_times(s: &Scenario) -> impl Iterator<Item = Nanos> {
    let w = s.traffic_window.max(1);
    let n = (w / MINUTE).clamp(1, 2000);
    (0..n).map(move |k| w * k / n)
}

/// How long this scenario's sales wait for a T+`lag` credit: the median over sale times of
/// the traffic window (seconds).
fn typical_credit(s: &Scenario, cal: &Calendar, lag: u32) -> f64 {
    let mut v: Vec<Nanos> = sale_times(s)
        .map(|t| cal.credit_at(cal.cutoff_day(t), lag) - t)
        .collect();
    v.sort_unstable();
    v[v.len() / 2] as f64 / SECOND as f64
}

/// The delays (seconds) from a sale to the deadline of its promise (`by`: the deadline of a
/// sale at t), over the traffic window: shortest and longest.
fn promise_band(s: &Scenario, by: impl Fn(Nanos) -> Nanos) -> (f64, f64) {
    let (mut lo, mut hi) = (Nanos::MAX, 0);
    for t in sale_times(s) {
        let d = by(t).saturating_sub(t);
        (lo, hi) = (lo.min(d), hi.max(d));
    }
    if lo > hi {
        (lo, hi) = (DAY, DAY);
    }
    (lo as f64 / 1e9, hi as f64 / 1e9)
}

/// The promises to shade, each with its band of delays: the D+0 advance's under D+0, then the
/// payout with the settlement's.
fn promise_bands(s: &Scenario, cal: &Calendar) -> Vec<(Promise, (f64, f64))> {
    let mut v = vec![];
    if s.payout.schedule.advances() {
        v.push((
            s.payout.d0_promise,
            promise_band(s, |t| cal.d0_promised_by(t)),
        ));
    }
    v.push((s.payout.promise, promise_band(s, |t| cal.promised_by(t))));
    v
}

/// The log axis with readable tick labels drawn under it, grid lines at the same delays.
fn chart<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    (lo, hi): (f64, f64),
    lang: Lang,
) -> Result<
    ChartContext<
        'a,
        DB,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
    String,
> {
    let mut c = ChartBuilder::on(area)
        .margin(30)
        .margin_right(60)
        .x_label_area_size(110)
        .y_label_area_size(150)
        .build_cartesian_2d(lo.log10()..hi.log10(), 0.0..1.0)
        .map_err(err)?;
    c.configure_mesh()
        .disable_x_mesh()
        .x_labels(0)
        .y_labels(11)
        .y_label_formatter(&|y| format!("{:.0}%", y * 100.0))
        .label_style(text(lang, TICK_PX))
        .axis_desc_style(text(lang, LABEL_PX))
        .x_desc(tr!(lang, "chart.delay.x"))
        .y_desc(tr!(lang, "chart.delay.y"))
        .axis_style(BLACK.stroke_width(2))
        .light_line_style(WHITE.mix(0.0))
        .bold_line_style(BLACK.mix(0.12))
        .draw()
        .map_err(err)?;
    for x in TICKS.iter().filter(|x| **x >= lo && **x <= hi) {
        let lx = x.log10();
        c.draw_series(std::iter::once(PathElement::new(
            vec![(lx, 0.0), (lx, 1.0)],
            BLACK.mix(0.12).stroke_width(1),
        )))
        .map_err(err)?;
        let (px, py) = c.backend_coord(&(lx, 0.0));
        let style = text(lang, TICK_PX).pos(Pos::new(HPos::Center, VPos::Top));
        area.draw(&Text::new(
            duration(lang, *x),
            (px - area_base(area).0, py - area_base(area).1 + 10),
            style,
        ))
        .map_err(err)?;
    }
    Ok(c)
}

/// The pixel of an area's top-left corner on the canvas.
fn area_base<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>) -> (i32, i32) {
    area.get_base_pixel()
}

/// A labelled vertical line at delay `x` (seconds), the label at the top on the side with
/// more room; `row` staggers labels of lines close together.
#[allow(clippy::too_many_arguments)]
fn mark<DB: DrawingBackend>(
    c: &mut ChartContext<
        '_,
        DB,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
    x: f64,
    (lo, hi): (f64, f64),
    label: &str,
    style: ShapeStyle,
    row: usize,
    lang: Lang,
) -> Result<(), String> {
    let lx = x.log10();
    c.draw_series(std::iter::once(PathElement::new(
        vec![(lx, 0.0), (lx, 1.0)],
        style,
    )))
    .map_err(err)?;
    let y = 0.96 - 0.06 * row as f64;
    let right_half = (lx - lo.log10()) / (hi.log10() - lo.log10()) > 0.5;
    let (h, dx) = if right_half {
        (HPos::Right, -0.01)
    } else {
        (HPos::Left, 0.01)
    };
    let span = hi.log10() - lo.log10();
    c.draw_series(std::iter::once(Text::new(
        label.to_owned(),
        (lx + dx * span, y),
        text(lang, LEGEND_PX - 2)
            .color(&style.color.to_rgba())
            .pos(Pos::new(h, VPos::Center)),
    )))
    .map_err(err)?;
    Ok(())
}

/// `settlement_delay_cdf`: the share of settled payments credited within each delay.
pub(super) fn delay_cdf(b: &BatchResult, s: &Scenario, lang: Lang) -> Result<super::Chart, String> {
    let title = tr!(lang, "chart.delay.title", scenario = b.scenario);
    let cal = Calendar::of(s);
    let t: Vec<f64> = (0..=2).map(|n| typical_credit(s, &cal, n)).collect();
    let bands = promise_bands(s, &cal);
    let mut marks = vec![t[0], t[2]];
    marks.extend(bands.iter().flat_map(|(_, (a, z))| [*a, *z]));
    let (lo, hi) = span(std::iter::once(&b.settle_delay_ms), &marks);
    let line = cdf(&b.settle_delay_ms, lo, hi);
    let n = b.settle_delay_ms.len();
    render!("settlement_delay_cdf", title.clone(), lang, |root| {
        (|| -> Result<(), String> {
            let area = titled(&root, &title, lang)?;
            let mut c = chart(&area, (lo, hi), lang)?;
            // Each promise: shaded from the shortest to the longest delay to its deadline.
            for (k, &(promise, (p_lo, p_hi))) in bands.iter().enumerate() {
                let band = tr!(
                    lang,
                    "chart.delay.promise",
                    promise = promise.to_string(),
                    from = duration(lang, p_lo),
                    to = duration(lang, p_hi)
                );
                let fill = colour(2 + k);
                let (a, z) = (p_lo.log10(), p_hi.max(p_lo * 1.01).log10());
                c.draw_series(std::iter::once(Rectangle::new(
                    [(a, 0.0), (z, 1.0)],
                    fill.mix(0.18).filled(),
                )))
                .map_err(err)?
                .label(band)
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 12), (x + 40, y + 12)], fill.mix(0.35).filled())
                });
            }
            // T+0, T+1, T+2 at the typical credit time of this scenario's sales.
            let mut row = 0;
            for (k, &x) in t.iter().enumerate() {
                let same: Vec<usize> = (0..3).filter(|&j| (t[j] - x).abs() < 1.0).collect();
                if same[0] != k {
                    continue;
                }
                let label = same
                    .iter()
                    .map(|j| format!("T+{j}"))
                    .collect::<Vec<_>>()
                    .join(" = ");
                let label = format!("{label}: {}", duration(lang, x));
                mark(&mut c, x, (lo, hi), &label, GREY.stroke_width(3), row, lang)?;
                row += 1;
            }
            if line.is_empty() {
                return note(&area, tr!(lang, "chart.no_data"), lang);
            }
            c.draw_series(LineSeries::new(
                line.iter().map(|&(x, y)| (x.log10(), y)),
                colour(0).stroke_width(LINE_PX),
            ))
            .map_err(err)?
            .label(tr!(
                lang,
                "chart.delay.settled",
                n = crate::report::format::grouped(n as f64, 0)
            ))
            .legend(|(x, y)| {
                PathElement::new(vec![(x, y), (x + 40, y)], colour(0).stroke_width(LINE_PX))
            });
            super::legend(&mut c, SeriesLabelPosition::LowerRight, lang)
        })()
    })
}

/// `compare_delay_cdf`: one settlement-delay CDF per design.
pub(super) fn compare_cdf(c: &Comparison, lang: Lang) -> Result<super::Chart, String> {
    let scenario = c.batches.first().map_or("", |b| b.scenario.as_str());
    let title = tr!(lang, "chart.compare_delay.title", scenario = scenario);
    let (lo, hi) = span(c.batches.iter().map(|b| &b.settle_delay_ms), &[]);
    let lines: Vec<Vec<(f64, f64)>> = c
        .batches
        .iter()
        .map(|b| cdf(&b.settle_delay_ms, lo, hi))
        .collect();
    render!("compare_delay_cdf", title.clone(), lang, |root| {
        (|| -> Result<(), String> {
            let area = titled(&root, &title, lang)?;
            let mut ch = chart(&area, (lo, hi), lang)?;
            if lines.iter().all(Vec::is_empty) {
                return note(&area, tr!(lang, "chart.no_data"), lang);
            }
            for (k, (line, name)) in lines.iter().zip(&c.names).enumerate() {
                if line.is_empty() {
                    continue;
                }
                let st = colour(k).stroke_width(LINE_PX);
                ch.draw_series(LineSeries::new(
                    line.iter().map(|&(x, y)| (x.log10(), y)),
                    st,
                ))
                .map_err(err)?
                .label(name.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 40, y)], st));
            }
            super::legend(&mut ch, SeriesLabelPosition::LowerRight, lang)
        })()
    })
}

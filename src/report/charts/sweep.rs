//! A sweep: one line chart per headline metric against the first swept setting, one line per
//! combination of the other settings (for a 2-D grid, one line per value of the second), each
//! point the mean over runs with its 95% interval as a whisker. Lines read better than a
//! heatmap for the few values a sweep has, and show the intervals.

use super::{
    Axis, LABEL_PX, LINE_PX, TICK_PX, axis_value, colour, err, metric_label, note, render, text,
    titled,
};
use crate::i18n::Lang;
use crate::metrics::Unit;
use crate::metrics::comparison::Comparison;
use crate::tr;
use plotters::prelude::*;
use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};

/// At most this many charts.
const MAX_CHARTS: usize = 12;

/// `sweep_<metric>` as a `&'static str`, each name made once per process.
fn intern(name: String) -> &'static str {
    static NAMES: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let mut set = NAMES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(s) = set.get(name.as_str()) {
        return s;
    }
    let s: &'static str = Box::leak(name.into_boxed_str());
    set.insert(s);
    s
}

/// The metrics charted: money not arrived, then those with a table label, in catalogue order;
/// only those whose mean is not the same at every grid point.
fn metrics(c: &Comparison) -> Vec<(String, Unit)> {
    let b0 = &c.batches[0];
    let mut out: Vec<(String, Unit)> = vec![];
    for m in &b0.catalogue.metrics {
        if m.label.is_none() && m.name != "not_arrived_amount" {
            continue;
        }
        let means: Vec<f64> = c
            .batches
            .iter()
            .filter_map(|b| b.summary(&m.name).and_then(|s| s.mean))
            .collect();
        let varies = means.windows(2).any(|w| w[0] != w[1]);
        if varies {
            out.push((m.name.clone(), m.unit));
        }
    }
    out.sort_by_key(|(n, _)| n != "not_arrived_amount");
    out.truncate(MAX_CHARTS);
    out
}

pub(super) fn sweep(
    c: &Comparison,
    axes: &[String],
    values: &[Vec<String>],
    lang: Lang,
) -> Result<Vec<super::Chart>, String> {
    if axes.is_empty() || values.len() != c.batches.len() {
        return Err(format!(
            "sweep charts: {} grid points for {} designs and {} settings",
            values.len(),
            c.batches.len(),
            axes.len()
        ));
    }
    // The first setting's values in grid order, and the lines (the other settings' values).
    let mut xs: Vec<&str> = vec![];
    let mut lines: Vec<Vec<String>> = vec![];
    for v in values {
        if !xs.contains(&v[0].as_str()) {
            xs.push(&v[0]);
        }
        let rest = v[1..].to_vec();
        if !lines.contains(&rest) {
            lines.push(rest);
        }
    }
    let mut out = vec![];
    for (name, unit) in metrics(c) {
        let label = metric_label(&name, lang);
        let title = tr!(lang, "chart.sweep.title", metric = label, setting = axes[0]);
        let pts = points(c, &name, unit, (&xs, &lines), values);
        let (lo, hi) = y_range(&pts);
        // One unit for the whole axis, chosen by its span; values plotted in it.
        let ax = Axis::new(unit, lo, hi, 8);
        let (lo, hi) = (ax.at(lo), ax.at(hi));
        let pts: Vec<Vec<(usize, f64, f64, f64)>> = (pts.into_iter())
            .map(|p| {
                (p.into_iter())
                    .map(|(x, m, l, h)| (x, ax.at(m), ax.at(l), ax.at(h)))
                    .collect()
            })
            .collect();
        let n = xs.len();
        let legend_names: Vec<String> = lines
            .iter()
            .map(|l| {
                axes[1..]
                    .iter()
                    .zip(l)
                    .map(|(a, v)| format!("{a}={v}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .collect();
        let chart = render!(
            intern(format!("sweep_{name}")),
            title.clone(),
            lang,
            |root| {
                (|| -> Result<(), String> {
                    let area = titled(&root, &title, lang)?;
                    let mut ch = ChartBuilder::on(&area)
                        .margin(30)
                        .margin_right(60)
                        .x_label_area_size(110)
                        .y_label_area_size(190)
                        .build_cartesian_2d(-0.4..(n as f64 - 0.6), lo..hi)
                        .map_err(err)?;
                    let xlabel = |x: &f64| {
                        let k = x.round();
                        if (x - k).abs() < 1e-6 && k >= 0.0 && (k as usize) < n {
                            xs[k as usize].to_owned()
                        } else {
                            String::new()
                        }
                    };
                    ch.configure_mesh()
                        .disable_x_mesh()
                        .x_labels(n + 1)
                        .x_label_formatter(&xlabel)
                        .y_labels(8)
                        .y_label_formatter(&|y| ax.tick(*y))
                        .label_style(text(lang, TICK_PX))
                        .axis_desc_style(text(lang, LABEL_PX))
                        .x_desc(axes[0].clone())
                        .y_desc(tr!(
                            lang,
                            "chart.in_unit",
                            what = label.as_str(),
                            unit = ax.desc(lang)
                        ))
                        .axis_style(BLACK.stroke_width(2))
                        .light_line_style(WHITE.mix(0.0))
                        .bold_line_style(BLACK.mix(0.12))
                        .draw()
                        .map_err(err)?;
                    if pts.iter().all(Vec::is_empty) {
                        return note(&area, tr!(lang, "chart.no_data"), lang);
                    }
                    for (k, p) in pts.iter().enumerate() {
                        let col = colour(k);
                        let st = col.stroke_width(LINE_PX);
                        let s = ch
                            .draw_series(LineSeries::new(
                                p.iter().map(|&(x, m, _, _)| (x as f64, m)),
                                st,
                            ))
                            .map_err(err)?;
                        if lines.len() > 1 {
                            s.label(legend_names[k].clone()).legend(move |(x, y)| {
                                PathElement::new(vec![(x, y), (x + 40, y)], st)
                            });
                        }
                        for &(x, m, l, h) in p {
                            let x = x as f64;
                            ch.draw_series([
                                PathElement::new(vec![(x, l), (x, h)], col.stroke_width(3)),
                                PathElement::new(
                                    vec![(x - 0.05, l), (x + 0.05, l)],
                                    col.stroke_width(3),
                                ),
                                PathElement::new(
                                    vec![(x - 0.05, h), (x + 0.05, h)],
                                    col.stroke_width(3),
                                ),
                            ])
                            .map_err(err)?;
                            ch.draw_series(std::iter::once(Circle::new((x, m), 10, col.filled())))
                                .map_err(err)?;
                        }
                    }
                    if lines.len() > 1 {
                        super::legend(&mut ch, SeriesLabelPosition::UpperRight, lang)?;
                    }
                    Ok(())
                })()
            }
        )?;
        out.push(chart);
    }
    Ok(out)
}

/// Per line, per x: (x index, mean, low, high) of metric `name` on the chart's axis.
fn points(
    c: &Comparison,
    name: &str,
    unit: Unit,
    (xs, lines): (&[&str], &[Vec<String>]),
    values: &[Vec<String>],
) -> Vec<Vec<(usize, f64, f64, f64)>> {
    lines
        .iter()
        .map(|line| {
            values
                .iter()
                .enumerate()
                .filter(|(_, v)| v[1..] == line[..])
                .filter_map(|(k, v)| {
                    let s = c.batches[k].summary(name)?;
                    let m = axis_value(unit, s.mean?);
                    let x = xs.iter().position(|x| *x == v[0])?;
                    Some((
                        x,
                        m,
                        s.ci95_low.map_or(m, |l| axis_value(unit, l)),
                        s.ci95_high.map_or(m, |h| axis_value(unit, h)),
                    ))
                })
                .collect()
        })
        .collect()
}

/// The y axis's range: every interval, padded by 12%, from 0 if the figures are all positive
/// and close to it.
fn y_range(pts: &[Vec<(usize, f64, f64, f64)>]) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for p in pts.iter().flatten() {
        lo = lo.min(p.2);
        hi = hi.max(p.3);
    }
    if !lo.is_finite() {
        (lo, hi) = (0.0, 1.0);
    }
    let pad = ((hi - lo) * 0.12).max(1e-6);
    let lo = if lo >= 0.0 && lo - pad < 0.0 {
        0.0
    } else {
        lo - pad
    };
    (lo, hi + pad)
}

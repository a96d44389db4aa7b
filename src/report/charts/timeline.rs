//! Over simulated time, from a sampled replay of one run (`model::probe`): where the money
//! taken from cardholders is before it reaches the merchants, how busy the busiest stations
//! are, and what share of each quarter hour's sales failed at the till; the faults' windows
//! shaded and labelled with the fault's id.

use super::{GREY, LABEL_PX, LINE_PX, TICK_PX, colour, err, note, render, short, text, titled};
use crate::engine::{DAY, HOUR, Nanos};
use crate::i18n::Lang;
use crate::model::probe::{FaultWindows, Money, TillBuckets, TimeSeries};
use crate::tr;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Up to this many stations in the utilisation chart.
const MAX_STATIONS: usize = 4;
/// Fault windows labelled (a recurring fault has many; the first few are enough).
const MAX_LABELS: usize = 6;

/// The time axis, in clock time: simulated time 0 is midnight starting day 0. Up to two
/// days, ticks every 1, 3 or 6 hours labelled `12:00` (later days `day 1 06:00`); longer,
/// ticks on whole days labelled `day 3`. Values are plotted in units of the tick step, so the
/// ticks fall on it.
#[derive(Clone, Copy, Debug)]
struct Clock {
    /// Nanoseconds per plotted unit.
    unit: f64,
    days: bool,
}

impl Clock {
    fn of(span: Nanos) -> Clock {
        let step = match span {
            s if s > 2 * DAY => {
                return Clock {
                    unit: DAY as f64,
                    days: true,
                };
            }
            s if s <= 12 * HOUR => HOUR,
            s if s <= 30 * HOUR => 3 * HOUR,
            _ => 6 * HOUR,
        };
        Clock {
            unit: step as f64,
            days: false,
        }
    }

    /// Most ticks on the axis (one per plotted unit up to two days).
    fn ticks(&self) -> usize {
        if self.days { 10 } else { 14 }
    }

    /// The label of the tick at `x` (plotted units); none between whole units.
    fn label(&self, x: f64, lang: Lang) -> String {
        if (x - x.round()).abs() > 1e-6 || x < -1e-6 {
            return String::new();
        }
        let minutes = (x.round() * self.unit / 60e9).round() as u64;
        let (day, hh, mm) = (minutes / 1440, minutes % 1440 / 60, minutes % 60);
        if self.days {
            return tr!(lang, "chart.time.day", day = day);
        }
        let time = format!("{hh:02}:{mm:02}");
        match day {
            0 => time,
            d => tr!(lang, "chart.time.day_clock", day = d, time = time),
        }
    }

    fn desc(&self, lang: Lang) -> &'static str {
        tr!(lang, "chart.time.clock")
    }
}

/// The failure-share chart's buckets: a quarter of an hour, in `TillBuckets` buckets.
const QUARTER: usize = 15;

/// Shades each fault window inside `[0, end]` on a chart whose x is time in `unit` and whose y
/// spans `[y0, y1]`; labels the first windows with the fault's id.
fn shade_faults<DB: DrawingBackend>(
    c: &mut ChartContext<'_, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    faults: &[FaultWindows],
    end: Nanos,
    unit: f64,
    (y0, y1): (f64, f64),
    lang: Lang,
) -> Result<(), String> {
    let mut labelled = 0;
    let mut first = true;
    let shade = RGBColor(0xD5, 0x5E, 0x00).mix(0.16);
    for f in faults {
        for &(a, b) in &f.windows {
            if a >= end {
                continue;
            }
            let b = b.min(end);
            let (xa, xb) = (
                a as f64 / unit,
                (b as f64 / unit).max(a as f64 / unit + 1e-3),
            );
            let s = c
                .draw_series(std::iter::once(Rectangle::new(
                    [(xa, y0), (xb, y1)],
                    shade.filled(),
                )))
                .map_err(err)?;
            if first {
                s.label(tr!(lang, "chart.fault_window"))
                    .legend(move |(x, y)| {
                        Rectangle::new([(x, y - 12), (x + 40, y + 12)], shade.filled())
                    });
                first = false;
            }
            if labelled < MAX_LABELS {
                let y = y1 - (y1 - y0) * (0.04 + 0.06 * (labelled % 3) as f64);
                // After the window, or inside it when the window ends near the chart's end.
                let at_end = b as f64 > 0.85 * end as f64;
                let h = if at_end { HPos::Right } else { HPos::Left };
                let x = if at_end {
                    xb - 0.005 * (end as f64 / unit)
                } else {
                    xb
                };
                c.draw_series(std::iter::once(Text::new(
                    f.id.clone(),
                    (x, y),
                    text(lang, TICK_PX)
                        .color(&RGBColor(0x99, 0x3D, 0x00))
                        .pos(Pos::new(h, VPos::Center)),
                )))
                .map_err(err)?;
                labelled += 1;
            }
        }
    }
    Ok(())
}

/// The lines of the money chart: (catalogue key, colour index, value).
type Part = (&'static str, usize, fn(&Money) -> i64);
const PARTS: [Part; 5] = [
    ("chart.money.on_the_way", 7, |m| m.on_the_way()),
    ("chart.money.issuer_holds", 0, |m| m.issuer_holds),
    ("chart.money.in_settlement", 2, |m| m.in_settlement),
    ("chart.money.suspense", 3, |m| m.suspense),
    ("chart.money.risk_hold", 4, |m| m.risk_hold),
];

/// `money_over_time`.
pub(super) fn money_over_time(ts: &TimeSeries, lang: Lang) -> Result<super::Chart, String> {
    let title = tr!(lang, "chart.money.title", run = ts.run);
    let clock = Clock::of(ts.horizon);
    let unit = clock.unit;
    let x1 = (ts.horizon as f64 / unit).max(1e-3);
    // Parts that are never non-zero are left out (a scenario without merchant risk, say).
    let parts: Vec<&Part> = PARTS
        .iter()
        .filter(|(k, _, f)| {
            *k == "chart.money.on_the_way" || ts.points.iter().any(|p| f(&p.money) != 0)
        })
        .collect();
    let major = |x: i64| x as f64 / 100.0;
    let (mut lo, mut hi) = (0.0f64, 0.0f64);
    for p in &ts.points {
        for (_, _, f) in &parts {
            let v = major(f(&p.money));
            lo = lo.min(v);
            hi = hi.max(v);
        }
    }
    let pad = (hi - lo).max(1.0) * 0.12;
    let (y0, y1) = (if lo < 0.0 { lo - pad } else { 0.0 }, hi + pad);
    render!("money_over_time", title.clone(), lang, |root| {
        (|| -> Result<(), String> {
            let area = titled(&root, &title, lang)?;
            let mut c = ChartBuilder::on(&area)
                .margin(30)
                .margin_right(60)
                .x_label_area_size(100)
                .y_label_area_size(190)
                .build_cartesian_2d(0.0..x1, y0..y1)
                .map_err(err)?;
            c.configure_mesh()
                .x_labels(clock.ticks())
                .y_labels(8)
                .x_label_formatter(&|x| clock.label(*x, lang))
                .y_label_formatter(&|y| short(*y))
                .label_style(text(lang, TICK_PX))
                .axis_desc_style(text(lang, LABEL_PX))
                .x_desc(clock.desc(lang))
                .y_desc(tr!(lang, "chart.money.y"))
                .axis_style(BLACK.stroke_width(2))
                .light_line_style(WHITE.mix(0.0))
                .bold_line_style(BLACK.mix(0.12))
                .draw()
                .map_err(err)?;
            if ts.points.is_empty() {
                return note(&area, tr!(lang, "chart.no_data"), lang);
            }
            shade_faults(&mut c, &ts.faults, ts.horizon, unit, (y0, y1), lang)?;
            for &&(key, k, f) in &parts {
                let width = if k == 7 { LINE_PX + 2 } else { LINE_PX - 1 };
                let st = colour(k).stroke_width(width);
                c.draw_series(LineSeries::new(
                    ts.points
                        .iter()
                        .map(|p| (p.t as f64 / unit, major(f(&p.money)))),
                    st,
                ))
                .map_err(err)?
                .label(lang.get(key))
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 40, y)], st));
            }
            super::legend(&mut c, SeriesLabelPosition::UpperRight, lang)
        })()
    })
}

/// `station_utilisation`: the busiest stations (by mean utilisation over the traffic window).
pub(super) fn station_utilisation(ts: &TimeSeries, lang: Lang) -> Result<super::Chart, String> {
    let title = tr!(lang, "chart.util.title", run = ts.run);
    let end = ts.traffic_window.min(ts.horizon).max(1);
    let clock = Clock::of(end);
    let unit = clock.unit;
    let x1 = end as f64 / unit;
    // (station, utilisation over time, mean)
    type Line = (String, Vec<(Nanos, f64)>, f64);
    let mut series: Vec<Line> = ts
        .stations
        .iter()
        .enumerate()
        .map(|(k, id)| {
            let u = ts.utilisation(k);
            let mean = if u.is_empty() {
                0.0
            } else {
                u.iter().map(|x| x.1).sum::<f64>() / u.len() as f64
            };
            (id.clone(), u, mean)
        })
        .collect();
    series.sort_by(|a, b| b.2.total_cmp(&a.2));
    series.truncate(MAX_STATIONS);
    // The y axis fits what is seen (a lightly loaded station would be a flat line at the
    // bottom of a 0-100% axis), up to a little above 100%.
    let peak = series
        .iter()
        .flat_map(|s| s.1.iter().map(|x| x.1))
        .fold(0.0f64, f64::max);
    let top = if peak > 0.6 {
        1.12
    } else {
        ((peak * 1.25 / 0.05).ceil() * 0.05).max(0.05)
    };
    render!("station_utilisation", title.clone(), lang, |root| {
        (|| -> Result<(), String> {
            let area = titled(&root, &title, lang)?;
            let mut c = ChartBuilder::on(&area)
                .margin(30)
                .margin_right(60)
                .x_label_area_size(100)
                .y_label_area_size(150)
                .build_cartesian_2d(0.0..x1, 0.0..top)
                .map_err(err)?;
            c.configure_mesh()
                .x_labels(clock.ticks())
                .y_labels(7)
                .x_label_formatter(&|x| clock.label(*x, lang))
                .y_label_formatter(&|y| {
                    if *y > 1.0 + 1e-9 {
                        String::new()
                    } else if top < 0.2 {
                        format!("{:.1}%", y * 100.0)
                    } else {
                        format!("{:.0}%", y * 100.0)
                    }
                })
                .label_style(text(lang, TICK_PX))
                .axis_desc_style(text(lang, LABEL_PX))
                .x_desc(clock.desc(lang))
                .y_desc(tr!(lang, "chart.util.y"))
                .axis_style(BLACK.stroke_width(2))
                .light_line_style(WHITE.mix(0.0))
                .bold_line_style(BLACK.mix(0.12))
                .draw()
                .map_err(err)?;
            if series.iter().all(|s| s.1.is_empty()) {
                return note(&area, tr!(lang, "chart.no_data"), lang);
            }
            shade_faults(&mut c, &ts.faults, end, unit, (0.0, top), lang)?;
            if top > 1.0 {
                c.draw_series(std::iter::once(PathElement::new(
                    vec![(0.0, 1.0), (x1, 1.0)],
                    GREY.stroke_width(2),
                )))
                .map_err(err)?;
            }
            for (k, (id, u, mean)) in series.iter().enumerate() {
                let st = colour(k).stroke_width(LINE_PX - 1);
                c.draw_series(LineSeries::new(
                    u.iter().map(|&(t, v)| (t as f64 / unit, v)),
                    st,
                ))
                .map_err(err)?
                .label(tr!(
                    lang,
                    "chart.util.station",
                    station = id,
                    mean = format!("{}%", super::significant(mean * 100.0, 2))
                ))
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 40, y)], st));
            }
            super::legend(&mut c, SeriesLabelPosition::UpperRight, lang)
        })()
    })
}

/// `failure_share`: of the sales made in each quarter hour of the traffic window, the share
/// whose till showed a system failure (no answer, or a decline that is neither the issuer's
/// genuine one nor a suspected fraud), from `till` (one run's counts, or several runs' summed;
/// `which` says which). The share over the whole window is a grey line.
pub(super) fn failure_share(
    till: &TillBuckets,
    faults: &[FaultWindows],
    window: Nanos,
    which: &str,
    lang: Lang,
) -> Result<super::Chart, String> {
    let title = tr!(lang, "chart.failures.title", which = which);
    let end = window.max(1);
    let clock = Clock::of(end);
    let unit = clock.unit;
    let x1 = end as f64 / unit;
    let q = till.coarse(QUARTER);
    let width = (QUARTER as u64 * crate::model::probe::BUCKET) as f64 / unit;
    let bars: Vec<(f64, f64)> = q
        .shares()
        .into_iter()
        .map(|(k, share)| (k as f64 * width, share))
        .filter(|&(x, _)| x < x1)
        .collect();
    let (sales, failed, _) = till.totals(0, till.sales.len());
    let overall = failed as f64 / sales.max(1) as f64;
    let during = during_faults(till, faults, end);
    let peak = bars
        .iter()
        .map(|b| b.1)
        .fold(overall.max(during.as_ref().map_or(0.0, |d| d.1)), f64::max);
    let top = (((peak * 1.15) / 0.05).ceil() * 0.05).clamp(0.05, 1.0);
    render!("failure_share", title.clone(), lang, |root| {
        (|| -> Result<(), String> {
            let area = titled(&root, &title, lang)?;
            let mut c = ChartBuilder::on(&area)
                .margin(30)
                .margin_right(60)
                .x_label_area_size(100)
                .y_label_area_size(150)
                .build_cartesian_2d(0.0..x1, 0.0..top)
                .map_err(err)?;
            c.configure_mesh()
                .x_labels(clock.ticks())
                .y_labels(7)
                .x_label_formatter(&|x| clock.label(*x, lang))
                .y_label_formatter(&|y| format!("{}%", super::significant(y * 100.0, 2)))
                .label_style(text(lang, TICK_PX))
                .axis_desc_style(text(lang, LABEL_PX))
                .x_desc(clock.desc(lang))
                .y_desc(tr!(lang, "chart.failures.y"))
                .axis_style(BLACK.stroke_width(2))
                .light_line_style(WHITE.mix(0.0))
                .bold_line_style(BLACK.mix(0.12))
                .draw()
                .map_err(err)?;
            if sales == 0 {
                return note(&area, tr!(lang, "chart.no_data"), lang);
            }
            shade_faults(&mut c, faults, end, unit, (0.0, top), lang)?;
            let fill = colour(0).filled();
            c.draw_series(
                bars.iter()
                    .map(|&(x, y)| Rectangle::new([(x, 0.0), ((x + width).min(x1), y)], fill)),
            )
            .map_err(err)?
            .label(tr!(lang, "chart.failures.bar"))
            .legend(move |(x, y)| Rectangle::new([(x, y - 12), (x + 40, y + 12)], fill));
            let st = GREY.stroke_width(3);
            c.draw_series(std::iter::once(PathElement::new(
                vec![(0.0, overall), (x1, overall)],
                st,
            )))
            .map_err(err)?
            .label(tr!(
                lang,
                "chart.failures.overall",
                share = format!("{}%", super::significant(overall * 100.0, 3))
            ))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 40, y)], st));
            if let Some((spans, share)) = &during {
                let st = colour(3).stroke_width(LINE_PX - 1);
                let mut first = true;
                for &(a, b) in spans {
                    let line = vec![(a as f64 / unit, *share), (b as f64 / unit, *share)];
                    let s = c
                        .draw_series(std::iter::once(PathElement::new(line, st)))
                        .map_err(err)?;
                    if first {
                        let pct = format!("{}%", super::significant(share * 100.0, 3));
                        s.label(tr!(lang, "chart.failures.during", share = pct))
                            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 40, y)], st));
                        first = false;
                    }
                }
            }
            super::legend(&mut c, SeriesLabelPosition::UpperLeft, lang)
        })()
    })
}

/// The faults' windows inside the traffic window `[0, end)` (merged) and the failure share of
/// the sales made in them, if any sale was; counted by whole minutes of `till`.
fn during_faults(
    till: &TillBuckets,
    faults: &[FaultWindows],
    end: Nanos,
) -> Option<(Vec<(Nanos, Nanos)>, f64)> {
    let mut w: Vec<(Nanos, Nanos)> = faults
        .iter()
        .flat_map(|f| f.windows.iter())
        .filter(|w| w.0 < end)
        .map(|&(a, b)| (a, b.min(end)))
        .collect();
    w.sort_unstable();
    let mut spans: Vec<(Nanos, Nanos)> = vec![];
    for (a, b) in w {
        match spans.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => spans.push((a, b)),
        }
    }
    let minute = crate::model::probe::BUCKET;
    let (mut sales, mut failed) = (0, 0);
    for &(a, b) in &spans {
        let (n, k, _) = till.totals((a / minute) as usize, b.div_ceil(minute) as usize);
        sales += n;
        failed += k;
    }
    (sales > 0).then(|| (spans, failed as f64 / sales as f64))
}

#[cfg(test)]
mod clock_tests {
    use super::*;

    #[test]
    fn the_time_axis_reads_as_a_clock() {
        let c = Clock::of(24 * HOUR);
        assert_eq!(c.unit, (3 * HOUR) as f64);
        let labels: Vec<String> = (0..=8).map(|x| c.label(x as f64, Lang::En)).collect();
        assert_eq!(labels[0], "00:00");
        assert_eq!(labels[4], "12:00");
        assert_eq!(labels[8], "day 1 00:00");
        assert_eq!(c.label(0.5, Lang::En), "", "no label between ticks");
        assert_eq!(Clock::of(48 * HOUR).label(3.0, Lang::Zh), "18:00");
        assert_eq!(Clock::of(48 * HOUR).label(5.0, Lang::Zh), "第 1 天 06:00");
        let d = Clock::of(9 * DAY);
        assert!(d.days);
        assert_eq!(d.label(3.0, Lang::En), "day 3");
        assert_eq!(d.label(3.0, Lang::Zh), "第 3 天");
    }
}

//! Outcomes by cause: for each cause that struck, its payments' outcomes (mean per run) as
//! stacked horizontal bars, by count (left) and by amount (right).

use super::{LABEL_PX, TICK_PX, colour, err, note, render, short, text, titled};
use crate::i18n::Lang;
use crate::metrics::{BatchResult, CAUSES, Outcome};
use crate::tr;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// At most this many causes (the largest by count); the rest are named in a note.
const MAX_CAUSES: usize = 12;

/// The outcomes a cause is counted against (settled on time has no cause).
fn outcomes() -> Vec<Outcome> {
    Outcome::ALL
        .into_iter()
        .filter(|&o| o != Outcome::SettledOnTime)
        .collect()
}

/// A colour per outcome, the same in every chart.
fn outcome_colour(o: Outcome) -> RGBColor {
    match o {
        Outcome::SettledLate => colour(1),
        Outcome::Declined => colour(5),
        Outcome::Reversed => colour(0),
        Outcome::NotArrived => colour(3),
        Outcome::ChargedWithoutSale => colour(4),
        Outcome::Chargeback => colour(7),
        // Off the palette: a dark red, apart from every other outcome.
        Outcome::PaidShort => RGBColor(0x99, 0x22, 0x22),
        Outcome::Voided => colour(2),
        // The merchant's own decision, not a failure: a quiet grey.
        Outcome::Refunded => RGBColor(0xAA, 0xAA, 0xAA),
        Outcome::Pending | Outcome::SettledOnTime => colour(6),
    }
}

/// A cause's label: a fixed cause's short name from the catalogue, or a fault's id.
pub(super) fn cause_label(name: &str, lang: Lang) -> String {
    let key = format!("chart.cause.{name}");
    if lang.has(&key) {
        lang.get(&key).to_owned()
    } else {
        name.to_owned()
    }
}

/// One cause's means per run, by outcome: (counts, amounts).
struct Row {
    cause: String,
    counts: Vec<f64>,
    amounts: Vec<f64>,
}

fn rows(b: &BatchResult) -> Vec<Row> {
    let mut out: Vec<Row> = vec![];
    let os = outcomes();
    for m in &b.catalogue.metrics {
        let Some((cause, _)) = m.name.strip_prefix(CAUSES).and_then(|r| r.split_once('.')) else {
            continue;
        };
        if out.iter().any(|r| r.cause == cause) {
            continue;
        }
        let mean = |suffix: &str, o: Outcome| {
            b.summary(&format!("{CAUSES}{cause}.{}{suffix}", o.metric()))
                .and_then(|s| s.mean)
                .unwrap_or(0.0)
        };
        out.push(Row {
            cause: cause.to_owned(),
            counts: os.iter().map(|&o| mean("", o)).collect(),
            amounts: os.iter().map(|&o| mean("_amount", o)).collect(),
        });
    }
    out.retain(|r| r.counts.iter().sum::<f64>() > 0.0);
    out.sort_by(|a, b| {
        let (x, y) = (a.counts.iter().sum::<f64>(), b.counts.iter().sum::<f64>());
        y.total_cmp(&x)
    });
    out
}

/// One panel: stacked bars of `values` (per row, per outcome).
fn panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    rows: &[Row],
    amount: bool,
    names: bool,
    lang: Lang,
) -> Result<(), String> {
    let os = outcomes();
    fn pick(r: &Row, amount: bool) -> &[f64] {
        if amount { &r.amounts } else { &r.counts }
    }
    let value = |r| pick(r, amount);
    let max = rows
        .iter()
        .map(|r| value(r).iter().sum::<f64>())
        .fold(0.0f64, f64::max)
        .max(1e-9)
        * 1.22;
    let n = rows.len();
    let label = |y: &f64| -> String {
        let k = y.round();
        if (y - k).abs() > 1e-6 || k < 0.0 || k as usize >= n || !names {
            return String::new();
        }
        rows[n - 1 - k as usize].cause.clone()
    };
    let desc = if amount {
        tr!(lang, "chart.outcomes.x_amount")
    } else {
        tr!(lang, "chart.outcomes.x_count")
    };
    let mut c = ChartBuilder::on(area)
        .margin(20)
        .margin_right(50)
        .x_label_area_size(100)
        .y_label_area_size(if names { 330 } else { 20 })
        .caption(
            if amount {
                tr!(lang, "chart.outcomes.by_amount")
            } else {
                tr!(lang, "chart.outcomes.by_count")
            },
            text(lang, LABEL_PX + 4),
        )
        .build_cartesian_2d(0.0..max, -0.6..(n as f64 - 0.4))
        .map_err(err)?;
    c.configure_mesh()
        .disable_y_mesh()
        .y_labels(n + 1)
        .y_label_formatter(&label)
        .x_labels(6)
        .x_label_formatter(&|x| short(*x))
        .label_style(text(lang, TICK_PX))
        .axis_desc_style(text(lang, LABEL_PX))
        .x_desc(desc)
        .axis_style(BLACK.stroke_width(2))
        .light_line_style(WHITE.mix(0.0))
        .bold_line_style(BLACK.mix(0.12))
        .draw()
        .map_err(err)?;
    for (j, &o) in os.iter().enumerate() {
        let bars: Vec<Rectangle<(f64, f64)>> = rows
            .iter()
            .enumerate()
            .filter_map(|(i, r)| {
                let v = value(r);
                let (start, w) = (v[..j].iter().sum::<f64>(), v[j]);
                let y = (n - 1 - i) as f64;
                (w > 0.0).then(|| {
                    Rectangle::new(
                        [(start, y - 0.35), (start + w, y + 0.35)],
                        outcome_colour(o).filled(),
                    )
                })
            })
            .collect();
        let s = c.draw_series(bars).map_err(err)?;
        if names && rows.iter().any(|r| value(r)[j] > 0.0) {
            let col = outcome_colour(o);
            s.label(lang.get(&format!("outcome.{}", o.name())))
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 12), (x + 36, y + 12)], col.filled())
                });
        }
    }
    // Each bar's total at its end.
    for (i, r) in rows.iter().enumerate() {
        let total: f64 = value(r).iter().sum();
        let y = (n - 1 - i) as f64;
        c.draw_series(std::iter::once(Text::new(
            format!(" {}", short(total)),
            (total, y),
            text(lang, TICK_PX).pos(Pos::new(HPos::Left, VPos::Center)),
        )))
        .map_err(err)?;
    }
    if names {
        super::legend(&mut c, SeriesLabelPosition::LowerRight, lang)?;
    }
    Ok(())
}

/// `outcomes_by_cause`.
pub(super) fn outcomes_by_cause(b: &BatchResult, lang: Lang) -> Result<super::Chart, String> {
    let title = tr!(lang, "chart.outcomes.title", scenario = b.scenario);
    let mut all = rows(b);
    let rest = all.len().saturating_sub(MAX_CAUSES);
    all.truncate(MAX_CAUSES);
    for r in &mut all {
        r.cause = cause_label(&r.cause, lang);
    }
    render!("outcomes_by_cause", title.clone(), lang, |root| {
        (|| -> Result<(), String> {
            let area = titled(&root, &title, lang)?;
            if all.is_empty() {
                return note(&area, tr!(lang, "chart.outcomes.none"), lang);
            }
            let (w, h) = area.dim_in_pixel();
            let (body, foot) = area.split_vertically(h as i32 - 50);
            let (left, right) = body.split_horizontally((w as f64 * 0.58) as i32);
            panel(&left, &all, false, true, lang)?;
            panel(&right, &all, true, false, lang)?;
            let mut msg = tr!(lang, "chart.outcomes.note", runs = b.runs).to_string();
            if rest > 0 {
                msg.push_str(&tr!(lang, "chart.outcomes.more", n = rest));
            }
            foot.draw(&Text::new(
                msg,
                (30, 10),
                text(lang, TICK_PX).color(&super::GREY),
            ))
            .map_err(err)
        })()
    })
}

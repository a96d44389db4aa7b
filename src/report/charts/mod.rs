//! Charts a room understands at a glance: SVG and PNG (1600×1000, large type, thick lines,
//! the Okabe–Ito colour-blind-safe palette), drawn with `plotters` and fonts compiled into the
//! binary (`assets/fonts/`: DejaVu Sans for English, a subset of Noto Sans CJK SC for
//! Chinese), so they look the same on every machine.
//!
//! - [`run_charts`]: one batch: the settlement-delay CDF ([`delay`]), outcomes by cause
//!   ([`outcomes`]), and from a sampled replay of one run ([`crate::model::probe`]) the money
//!   on its way, the busiest stations' utilisation and the failure share at the till by quarter
//!   hour over time ([`timeline`]);
//! - [`compare_charts`]: designs head to head: their delay CDFs overlaid and the paired
//!   differences against the first design with 95% intervals ([`compare`]);
//! - [`sweep_charts`]: one line chart per headline metric against the swept setting
//!   ([`sweep`]).
//!
//! Every label comes from the message catalogue (`chart.*` keys).

pub(crate) mod bitmap;
mod compare;
mod delay;
mod outcomes;
mod sweep;
mod timeline;

#[cfg(test)]
mod tests;

use crate::atomic::AtomicDir;
use crate::i18n::Lang;
use crate::metrics::BatchResult;
use crate::metrics::comparison::Comparison;
use crate::model::probe::TimeSeries;
use crate::scenario::Scenario;
use crate::tr;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::sync::Once;

/// One chart, in both formats.
#[derive(Clone, Debug)]
pub struct Chart {
    /// The file stem: `<name>.svg` and `<name>.png`.
    pub name: &'static str,
    pub title: String,
    pub svg: String,
    pub png: Vec<u8>,
}

/// Width and height of every chart, pixels.
pub const SIZE: (u32, u32) = (1600, 1000);

/// The charts of a batch: `settlement_delay_cdf`, `outcomes_by_cause`, and from `series` (a
/// sampled replay of one run, [`crate::model::probe::sample_run`]) `money_over_time`,
/// `station_utilisation` and `failure_share`.
pub fn run_charts(
    b: &BatchResult,
    s: &Scenario,
    series: &TimeSeries,
    lang: Lang,
) -> Result<Vec<Chart>, String> {
    Ok(vec![
        delay::delay_cdf(b, s, lang)?,
        outcomes::outcomes_by_cause(b, lang)?,
        timeline::money_over_time(series, lang)?,
        timeline::station_utilisation(series, lang)?,
        timeline::failure_share(
            &series.till,
            &series.faults,
            series.traffic_window,
            &tr!(lang, "chart.failures.one_run", run = series.run),
            lang,
        )?,
    ])
}

/// `failure_share` (see [`run_charts`]) of several runs of one scenario, their counts summed
/// (`TillBuckets::add`): the share of each quarter hour's sales that failed at the till.
pub fn failure_share_chart(
    till: &crate::model::probe::TillBuckets,
    faults: &[crate::model::probe::FaultWindows],
    traffic_window: crate::engine::Nanos,
    runs: usize,
    lang: Lang,
) -> Result<Chart, String> {
    let which = tr!(lang, "chart.failures.runs", n = runs);
    timeline::failure_share(till, faults, traffic_window, &which, lang)
}

/// The charts of a comparison: `compare_delay_cdf` (one line per design) and
/// `compare_differences` (paired differences against the first design, 95% intervals).
pub fn compare_charts(c: &Comparison, lang: Lang) -> Result<Vec<Chart>, String> {
    Ok(vec![
        delay::compare_cdf(c, lang)?,
        compare::differences(c, lang)?,
    ])
}

/// The charts of a sweep (`payfault sweep`): one `sweep_<metric>` line chart per headline
/// metric that changes over the grid, against the first swept setting, one line per
/// combination of the other settings. `axes` are the swept settings' paths and `values` each
/// grid point's values of them, in the order of the comparison's designs (as `sweep.csv`).
pub fn sweep_charts(
    c: &Comparison,
    axes: &[String],
    values: &[Vec<String>],
    lang: Lang,
) -> Result<Vec<Chart>, String> {
    sweep::sweep(c, axes, values, lang)
}

/// Writes `<name>.svg` and `<name>.png` of each chart.
pub fn write(charts: &[Chart], out: &mut AtomicDir) -> std::io::Result<()> {
    for c in charts {
        out.write(&format!("{}.svg", c.name), c.svg.as_bytes())?;
        out.write(&format!("{}.png", c.name), &c.png)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Fonts.

const LATIN: &str = "DejaVu Sans";
const CJK: &str = "Noto Sans CJK SC";
pub(crate) const LATIN_FONT: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");
pub(crate) const CJK_FONT: &[u8] = include_bytes!("../../../assets/fonts/NotoSansSC-subset.otf");

/// Registers both fonts with plotters (once per process).
fn fonts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        for (name, bytes) in [(LATIN, LATIN_FONT), (CJK, CJK_FONT)] {
            if plotters::style::register_font(name, FontStyle::Normal, bytes).is_err() {
                panic!("the embedded font {name} does not parse");
            }
        }
    });
}

/// The font family of a language.
fn family(lang: Lang) -> &'static str {
    match lang {
        Lang::En => LATIN,
        Lang::Zh => CJK,
    }
}

/// The families an SVG names: in Chinese first the face report.html embeds
/// (`report::webfont::FAMILY`, unknown elsewhere), then what a viewer of the standalone file
/// falls back to.
pub(crate) fn svg_family(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "DejaVu Sans, Verdana, Arial, Helvetica, sans-serif",
        Lang::Zh => {
            "payfault-cjk, Noto Sans CJK SC, Noto Sans SC, Source Han Sans SC, PingFang SC, \
             Microsoft YaHei, SimHei, sans-serif"
        }
    }
}

// ---------------------------------------------------------------------------------------
// Style.

/// The Okabe–Ito palette (Okabe & Ito 2008), in the order series take it: blue, orange,
/// bluish green, vermillion, reddish purple, sky blue, yellow, black.
pub(crate) const PALETTE: [RGBColor; 8] = [
    RGBColor(0x00, 0x72, 0xB2),
    RGBColor(0xE6, 0x9F, 0x00),
    RGBColor(0x00, 0x9E, 0x73),
    RGBColor(0xD5, 0x5E, 0x00),
    RGBColor(0xCC, 0x79, 0xA7),
    RGBColor(0x56, 0xB4, 0xE9),
    RGBColor(0xF0, 0xE4, 0x42),
    RGBColor(0x00, 0x00, 0x00),
];

pub(crate) fn colour(k: usize) -> RGBColor {
    PALETTE[k % PALETTE.len()]
}

pub(crate) const GREY: RGBColor = RGBColor(0x66, 0x66, 0x66);
pub(crate) const TITLE_PX: u32 = 46;
pub(crate) const LABEL_PX: u32 = 30;
pub(crate) const TICK_PX: u32 = 26;
pub(crate) const LEGEND_PX: u32 = 28;
pub(crate) const LINE_PX: u32 = 5;

pub(crate) fn text(lang: Lang, px: u32) -> TextStyle<'static> {
    (family(lang), px as f64).into_font().color(&BLACK)
}

/// Draws the series' legend in the house style: a white box with a thin border, large type.
pub(crate) fn legend<'a, DB, CT>(
    ch: &mut ChartContext<'a, DB, CT>,
    at: SeriesLabelPosition,
    lang: Lang,
) -> Result<(), String>
where
    DB: DrawingBackend + 'a,
    CT: plotters::coord::CoordTranslate,
{
    ch.configure_series_labels()
        .position(at)
        .label_font(text(lang, LEGEND_PX))
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK.stroke_width(1))
        .margin(20)
        .legend_area_size(50)
        .draw()
        .map_err(err)
}

/// A drawing error as a message.
pub(crate) fn err<E: std::fmt::Debug>(e: E) -> String {
    format!("drawing a chart failed: {e:?}")
}

/// Draws the chart's title at the top of `root` and returns the area below it.
pub(crate) fn titled<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    lang: Lang,
) -> Result<DrawingArea<DB, Shift>, String> {
    root.fill(&WHITE).map_err(err)?;
    let (w, _) = root.dim_in_pixel();
    let style = text(lang, TITLE_PX).pos(plotters::style::text_anchor::Pos::new(
        plotters::style::text_anchor::HPos::Center,
        plotters::style::text_anchor::VPos::Top,
    ));
    root.draw(&Text::new(title.to_owned(), (w as i32 / 2, 28), style))
        .map_err(err)?;
    Ok(root.split_vertically(TITLE_PX as i32 + 56).1)
}

/// A centred note on an area (e.g. "no data").
pub(crate) fn note<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    msg: &str,
    lang: Lang,
) -> Result<(), String> {
    let (w, h) = area.dim_in_pixel();
    let style = text(lang, LABEL_PX + 6)
        .color(&GREY)
        .pos(plotters::style::text_anchor::Pos::new(
            plotters::style::text_anchor::HPos::Center,
            plotters::style::text_anchor::VPos::Center,
        ));
    area.draw(&Text::new(
        msg.to_owned(),
        (w as i32 / 2, h as i32 / 2),
        style,
    ))
    .map_err(err)
}

/// Renders one chart: `$draw` is an expression using `root` (a `DrawingArea` of either
/// backend) that returns `Result<(), String>`; it runs once per format.
macro_rules! render {
    ($name:expr, $title:expr, $lang:expr, |$root:ident| $draw:expr) => {{
        $crate::report::charts::fonts_ready();
        let (w, h) = $crate::report::charts::SIZE;
        let mut svg = String::new();
        {
            let $root =
                plotters::prelude::SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
            $draw?;
            $root.present().map_err($crate::report::charts::err)?;
        }
        let mut rgb = vec![255u8; (w * h * 3) as usize];
        {
            let $root = $crate::report::charts::bitmap::Bitmap(
                plotters::prelude::BitMapBackend::with_buffer(&mut rgb, (w, h)),
            )
            .into_drawing_area();
            $draw?;
            $root.present().map_err($crate::report::charts::err)?;
        }
        let title: String = $title;
        Ok::<_, String>($crate::report::charts::Chart {
            name: $name,
            svg: $crate::report::charts::finish_svg(svg, $lang),
            png: $crate::report::charts::encode_png(&rgb, (w, h))?,
            title,
        })
    }};
}
pub(crate) use render;

pub(crate) fn fonts_ready() {
    fonts();
}

/// Names the fallback fonts in the SVG.
pub(crate) fn finish_svg(svg: String, lang: Lang) -> String {
    let from = format!("font-family=\"{}\"", family(lang));
    let to = format!("font-family=\"{}\"", svg_family(lang));
    svg.replace(&from, &to)
}

/// An RGB buffer as PNG.
pub(crate) fn encode_png(rgb: &[u8], (w, h): (u32, u32)) -> Result<Vec<u8>, String> {
    let mut out = vec![];
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut wr = enc.write_header().map_err(|e| e.to_string())?;
        wr.write_image_data(rgb).map_err(|e| e.to_string())?;
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// Labels.

/// A metric's label in `lang`: an outcome's table label, `<outcome> (amount)`, a headline
/// metric's label, or else its name.
pub(crate) fn metric_label(name: &str, lang: Lang) -> String {
    use crate::metrics::Outcome;
    let outcome = |m: &str| Outcome::ALL.into_iter().find(|o| o.metric() == m);
    if let Some(o) = name.strip_suffix("_amount").and_then(outcome) {
        return tr!(
            lang,
            "chart.amount_of",
            what = lang.get(&format!("outcome.{}", o.name()))
        );
    }
    if let Some(o) = outcome(name) {
        return lang.get(&format!("outcome_label.{}", o.name())).to_owned();
    }
    let key = format!("metric.{name}");
    if lang.has(&key) {
        lang.get(&key).trim().to_owned()
    } else {
        name.to_owned()
    }
}

/// The unit shown after an axis title, by the metric's unit.
pub(crate) fn unit_label(unit: crate::metrics::Unit, lang: Lang) -> &'static str {
    use crate::metrics::Unit;
    match unit {
        Unit::Count => tr!(lang, "chart.unit.count"),
        Unit::Money => tr!(lang, "chart.unit.money"),
        Unit::Ratio => tr!(lang, "chart.unit.ratio"),
        Unit::Seconds | Unit::Millis => tr!(lang, "chart.unit.seconds"),
        Unit::PerSecond => tr!(lang, "chart.unit.per_second"),
        Unit::Level => tr!(lang, "chart.unit.level"),
    }
}

/// A metric value in the axis's unit (durations in seconds).
pub(crate) fn axis_value(unit: crate::metrics::Unit, x: f64) -> f64 {
    match unit {
        crate::metrics::Unit::Millis => x / 1e3,
        _ => x,
    }
}

/// How a value axis of one metric shows its values: durations in one unit chosen by the
/// axis's span (ms, s, min, h or d, named in the axis title, never per tick), shares in per
/// cent, and every tick with as many decimals as the span needs (so neither `0 ms, 0 ms,
/// 1 ms` nor `8.3 min`). Values are plotted divided by `div`, so the ticks fall on round
/// numbers of the shown unit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Axis {
    unit: crate::metrics::Unit,
    /// Axis values (seconds for durations, see [`axis_value`]) per plotted unit.
    pub div: f64,
    /// The catalogue key of the shown duration unit, if a duration.
    time_key: Option<&'static str>,
    decimals: usize,
}

impl Axis {
    /// The axis of `unit` over `[lo, hi]` (axis values) with about `ticks` ticks.
    pub fn new(unit: crate::metrics::Unit, lo: f64, hi: f64, ticks: usize) -> Axis {
        use crate::metrics::Unit;
        let top = lo.abs().max(hi.abs());
        let (div, time_key) = match unit {
            Unit::Ratio => (0.01, None),
            Unit::Seconds | Unit::Millis => match top {
                t if t < 1.0 => (1e-3, Some("unit.millisecond")),
                t if t < 120.0 => (1.0, Some("unit.second")),
                t if t < 7200.0 => (60.0, Some("unit.minute")),
                t if t < 2.0 * 86_400.0 => (3600.0, Some("unit.hour")),
                _ => (86_400.0, Some("unit.day")),
            },
            _ => (1.0, None),
        };
        let step = ((hi - lo) / div / ticks.max(1) as f64).abs();
        let decimals = if step > 0.0 && step.is_finite() {
            (1.0 - step.log10().floor()).clamp(0.0, 8.0) as usize
        } else {
            0
        };
        Axis {
            unit,
            div,
            time_key,
            decimals,
        }
    }

    /// An axis value in plotted units.
    pub fn at(&self, x: f64) -> f64 {
        x / self.div
    }

    /// The label of a tick at `v` (plotted units).
    pub fn tick(&self, v: f64) -> String {
        let d = self.decimals;
        let mut s = if v.abs() >= 1000.0 {
            short(v)
        } else {
            let s = format!("{v:.d$}");
            match s.contains('.') {
                true => s.trim_end_matches('0').trim_end_matches('.').to_owned(),
                false => s,
            }
        };
        if s.trim_start_matches('-')
            .chars()
            .all(|c| c == '0' || c == '.')
        {
            s = "0".to_owned();
        }
        match self.unit {
            crate::metrics::Unit::Ratio => format!("{s}%"),
            _ => s,
        }
    }

    /// The axis title's unit: the metric's ([`unit_label`]), with the shown duration unit.
    pub fn desc(&self, lang: Lang) -> String {
        match self.time_key {
            Some(k) => tr!(
                lang,
                "chart.in_unit",
                what = unit_label(self.unit, lang),
                unit = lang.get(k)
            ),
            None => unit_label(self.unit, lang).to_owned(),
        }
    }
}

/// `x` with `digits` significant digits below 100 (`0.0123`), else as [`short`].
pub(crate) fn significant(x: f64, digits: i32) -> String {
    if x == 0.0 || !x.is_finite() || x.abs() >= 100.0 {
        return short(x);
    }
    let decimals = (digits - 1 - x.abs().log10().floor() as i32).clamp(0, 8) as usize;
    let s = format!("{x:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s
    }
}

/// A number for a tick: `1,234`, `12.5`, `0.25`, `1.5M`.
pub(crate) fn short(x: f64) -> String {
    fn trim(s: String) -> String {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_owned()
        } else {
            s
        }
    }
    let a = x.abs();
    let s = if a >= 1e6 {
        format!("{}M", trim(format!("{:.1}", a / 1e6)))
    } else if a >= 1000.0 {
        crate::report::format::grouped(a, 0)
    } else if a >= 10.0 {
        trim(format!("{a:.1}"))
    } else {
        trim(format!("{a:.2}"))
    };
    if x < 0.0 && s.chars().any(|c| c.is_ascii_digit() && c != '0') {
        format!("-{s}")
    } else {
        s
    }
}

#[cfg(test)]
mod short_tests {
    #[test]
    fn tick_numbers_are_short() {
        use super::short;
        assert_eq!(short(0.0), "0");
        assert_eq!(short(5.0), "5");
        assert_eq!(short(0.5), "0.5");
        assert_eq!(short(12.25), "12.2");
        assert_eq!(short(1500.0), "1,500");
        assert_eq!(short(5_000_000.0), "5M");
        assert_eq!(short(-1_500_000.0), "-1.5M");
        assert_eq!(short(-0.001), "0");
        assert_eq!(super::significant(0.0123, 2), "0.012");
        assert_eq!(super::significant(-0.5, 2), "-0.5");
        assert_eq!(super::significant(2.0, 2), "2");
    }

    #[test]
    fn axis_ticks_show_the_spans_digits_in_one_unit() {
        use super::Axis;
        use crate::i18n::Lang;
        use crate::metrics::Unit;
        // A sub-millisecond span: milliseconds with their decimals, not `0 ms, 0 ms, 1 ms`.
        let a = Axis::new(Unit::Seconds, 0.0, 0.0012, 4);
        let t: Vec<String> = [0.0, 0.0004, 0.0008, 0.0012]
            .iter()
            .map(|x| a.tick(a.at(*x)))
            .collect();
        assert_eq!(t, ["0", "0.4", "0.8", "1.2"]);
        assert_eq!(a.desc(Lang::En), "time (ms)");
        assert_eq!(a.desc(Lang::Zh), "时间（毫秒）");
        // Minutes on round minutes: 500 s is 8.33 min, but the plotted axis is in minutes, so
        // its ticks are round numbers of minutes.
        let m = Axis::new(Unit::Millis, -600.0, 600.0, 4);
        assert_eq!(m.div, 60.0);
        assert_eq!(m.tick(-10.0), "-10");
        assert_eq!(m.tick(5.0), "5");
        // Shares in per cent with the digits their span needs.
        let r = Axis::new(Unit::Ratio, -0.001, 0.002, 4);
        assert_eq!(r.tick(r.at(0.0005)), "0.05%");
        assert_eq!(r.tick(r.at(0.0)), "0%");
        let c = Axis::new(Unit::Count, 0.0, 3_000_000.0, 4);
        assert_eq!(c.tick(2_500_000.0), "2.5M");
    }
}

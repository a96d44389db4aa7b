//! Charts: valid PNGs of the right size, SVGs with the expected titles and legend labels in
//! both languages, the CJK font covering the Chinese catalogue, and empty batches drawn with a
//! note instead of a panic.

use super::*;
use crate::model::probe::sample_run;
use crate::runner::compare::compare;
use crate::runner::{BatchOptions, run_batch};
use crate::scenario::variants::{Design, parse_variants};
use std::sync::atomic::AtomicBool;

fn load(name: &str) -> Scenario {
    let path = format!("{}/scenarios/{name}.toml", env!("CARGO_MANIFEST_DIR"));
    crate::scenario::load(std::path::Path::new(&path), &Default::default()).unwrap()
}

/// A quicker version of a shipped scenario: a twentieth of its traffic.
fn small(name: &str) -> Scenario {
    let mut s = load(name);
    for g in &mut s.terminals {
        g.rate /= 20.0;
    }
    s
}

fn batch(s: &Scenario, runs: u64) -> BatchResult {
    let opts = BatchOptions {
        runs,
        seed: 11,
        threads: 1,
    };
    run_batch(s, &opts, &AtomicBool::new(false), |_, _| Ok(()), |_| {}).unwrap()
}

/// The outcomes that some cause struck in some run of the batch.
fn struck_outcomes(b: &BatchResult) -> Vec<crate::metrics::Outcome> {
    crate::metrics::Outcome::ALL
        .into_iter()
        .filter(|o| {
            b.catalogue.metrics.iter().zip(&b.summaries).any(|(m, s)| {
                m.name.starts_with(crate::metrics::CAUSES)
                    && m.name.ends_with(&format!(".{}", o.metric()))
                    && s.mean.is_some_and(|x| x > 0.0)
            })
        })
        .collect()
}

/// The text of every `<text>` element of an SVG, unescaped.
fn texts(svg: &str) -> Vec<String> {
    let mut out = vec![];
    let mut rest = svg;
    while let Some(i) = rest.find("<text") {
        let after = &rest[i..];
        let open_end = after.find('>').expect("a closed tag");
        let body = &after[open_end + 1..];
        let close = body.find("</text>").expect("a closing </text>");
        out.push(
            body[..close]
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&#39;", "'")
                .replace("&amp;", "&"),
        );
        rest = &body[close..];
    }
    out
}

/// XML-ish: starts with an `<svg` element, ends with `</svg>`, tags balanced.
fn check_svg(c: &Chart) -> Vec<String> {
    let svg = c.svg.trim();
    assert!(svg.starts_with("<svg"), "{}: not an SVG", c.name);
    assert!(svg.ends_with("</svg>"), "{}: SVG not closed", c.name);
    assert_eq!(
        svg.matches("<text").count(),
        svg.matches("</text>").count(),
        "{}: unbalanced <text>",
        c.name
    );
    assert!(
        svg.contains(&format!("width=\"{}\"", SIZE.0))
            && svg.contains(&format!("height=\"{}\"", SIZE.1)),
        "{}: SVG size",
        c.name
    );
    texts(svg)
}

/// A valid PNG of the expected size: signature, IHDR, and it decodes.
fn check_png(c: &Chart) {
    assert_eq!(
        &c.png[..8],
        b"\x89PNG\r\n\x1a\n",
        "{}: PNG signature",
        c.name
    );
    let dec = png::Decoder::new(std::io::Cursor::new(&c.png[..]));
    let mut r = dec.read_info().expect("PNG header");
    let info = r.info();
    assert_eq!((info.width, info.height), SIZE, "{}: PNG size", c.name);
    let mut buf = vec![0; r.output_buffer_size()];
    let frame = r.next_frame(&mut buf).expect("PNG data");
    // Not a blank canvas: some pixels are dark (text, lines).
    let dark = buf[..frame.buffer_size()]
        .chunks(3)
        .filter(|p| p.iter().all(|&v| v < 80))
        .count();
    assert!(dark > 1000, "{}: the PNG is blank", c.name);
}

fn has(texts: &[String], want: &str, chart: &str) {
    assert!(
        texts.iter().any(|t| t.contains(want)),
        "{chart}: no text {want:?} among {texts:?}"
    );
}

#[test]
fn run_charts_have_titles_legends_and_valid_images_in_both_languages() {
    let s = small("outage");
    let b = batch(&s, 3);
    let ts = sample_run(&s, 11, 0, 200).unwrap();
    for lang in Lang::ALL {
        let charts = run_charts(&b, &s, &ts, lang).unwrap();
        let names: Vec<_> = charts.iter().map(|c| c.name).collect();
        assert_eq!(
            names,
            [
                "settlement_delay_cdf",
                "outcomes_by_cause",
                "money_over_time",
                "station_utilisation",
                "failure_share"
            ]
        );
        for c in &charts {
            check_png(c);
            let t = check_svg(c);
            has(&t, &c.title, c.name);
        }
        let t = |k: usize| check_svg(&charts[k]);
        // The delay chart: T+1 and the promise.
        has(&t(0), "T+1", "settlement_delay_cdf");
        has(
            &t(0),
            &tr!(
                lang,
                "chart.delay.promise",
                promise = s.payout.promise.to_string(),
                from = "",
                to = ""
            )[..6],
            "settlement_delay_cdf",
        );
        // Outcomes: the outage's id as a cause, and the name of every outcome some cause
        // struck in the batch.
        has(&t(1), &s.faults[0].id, "outcomes_by_cause");
        let struck = struck_outcomes(&b);
        assert!(struck.len() >= 2, "{struck:?}");
        for o in struck {
            has(
                &t(1),
                lang.get(&format!("outcome.{}", o.name())),
                "outcomes_by_cause",
            );
        }
        // The money chart names the fault window and its lines.
        has(&t(2), &s.faults[0].id, "money_over_time");
        has(
            &t(2),
            tr!(lang, "chart.money.on_the_way"),
            "money_over_time",
        );
        // The scheme is one of the busiest stations in an outage of the scheme.
        has(&t(3), "scheme", "station_utilisation");
        // The failure share names the fault window and the share over the whole window.
        has(&t(4), &s.faults[0].id, "failure_share");
        has(
            &t(4),
            &tr!(lang, "chart.failures.overall", share = "")[..6],
            "failure_share",
        );
    }
}

#[test]
fn chinese_charts_have_chinese_titles_and_outcome_names() {
    let s = small("outage");
    let b = batch(&s, 2);
    let ts = sample_run(&s, 11, 0, 100).unwrap();
    let zh = run_charts(&b, &s, &ts, Lang::Zh).unwrap();
    let en = run_charts(&b, &s, &ts, Lang::En).unwrap();
    for (z, e) in zh.iter().zip(&en) {
        assert_ne!(z.title, e.title);
        assert!(
            z.title
                .chars()
                .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
        );
        assert!(z.svg.contains(&z.title), "{}", z.name);
        assert!(z.svg.contains("Noto Sans CJK SC"), "{}: CJK font", z.name);
        assert!(e.svg.contains("DejaVu Sans"), "{}: Latin font", e.name);
        // The PNGs differ: the Chinese text was drawn with its own glyphs.
        assert_ne!(z.png, e.png, "{}", z.name);
    }
    let t = texts(&zh[1].svg);
    for o in struck_outcomes(&b) {
        let name = Lang::Zh.get(&format!("outcome.{}", o.name()));
        assert!(name.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)));
        has(&t, name, "outcomes_by_cause");
    }
}

/// Every character of the Chinese catalogue has a glyph in the embedded CJK font.
#[test]
fn every_chinese_message_has_glyphs() {
    use ab_glyph::{Font, FontRef};
    let font = FontRef::try_from_slice(CJK_FONT).expect("the CJK font parses");
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/i18n/zh");
    let mut missing = std::collections::BTreeSet::new();
    let mut checked = 0;
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_none_or(|x| x != "toml") {
            continue;
        }
        for ch in std::fs::read_to_string(&p).unwrap().chars() {
            if ch.is_control() {
                continue;
            }
            checked += 1;
            if font.glyph_id(ch).0 == 0 {
                missing.insert(ch);
            }
        }
    }
    assert!(checked > 100);
    assert!(
        missing.is_empty(),
        "characters of src/i18n/zh/ missing from assets/fonts/NotoSansSC-subset.otf (run \
         scripts/subset-font.py): {missing:?}"
    );
    // And the Latin font has the ASCII of the English charts.
    let latin = FontRef::try_from_slice(LATIN_FONT).expect("the Latin font parses");
    for ch in ' '..='~' {
        assert_ne!(latin.glyph_id(ch).0, 0, "{ch:?}");
    }
}

/// Keys built at run time exist in both languages.
#[test]
fn chart_key_families_exist_in_both_languages() {
    for lang in Lang::ALL {
        for name in crate::scenario::cause::FIXED_NAMES.iter().skip(1) {
            assert!(lang.has(&format!("chart.cause.{name}")), "{lang:?}: {name}");
        }
        for o in crate::metrics::Outcome::ALL {
            assert!(
                lang.has(&format!("outcome.{}", o.name())),
                "{lang:?}: {o:?}"
            );
        }
        for k in ["chart.time.clock", "chart.time.day", "chart.time.day_clock"] {
            assert!(lang.has(k));
        }
        for k in [
            "chart.money.on_the_way",
            "chart.money.issuer_holds",
            "chart.money.in_settlement",
            "chart.money.suspense",
            "chart.money.risk_hold",
        ] {
            assert!(lang.has(k), "{lang:?}: {k}");
        }
    }
}

#[test]
fn an_empty_batch_still_renders_with_a_note() {
    // No traffic at all: nothing settles, no cause strikes.
    let mut s = small("baseline");
    for g in &mut s.terminals {
        g.rate = 1e-9;
    }
    let b = batch(&s, 2);
    assert_eq!(b.settle_delay_ms.len(), 0);
    let ts = sample_run(&s, 11, 0, 20).unwrap();
    for lang in Lang::ALL {
        let charts = run_charts(&b, &s, &ts, lang).unwrap();
        let t = check_svg(&charts[0]);
        has(&t, tr!(lang, "chart.no_data"), "settlement_delay_cdf");
        let t = check_svg(&charts[1]);
        has(&t, tr!(lang, "chart.outcomes.none"), "outcomes_by_cause");
        for c in &charts {
            check_png(c);
        }
    }
    // A time series with no snapshot at all.
    let empty = TimeSeries::default();
    let c = timeline::money_over_time(&empty, Lang::En).unwrap();
    has(&check_svg(&c), "no data", "money_over_time");
    let c = timeline::station_utilisation(&empty, Lang::En).unwrap();
    check_png(&c);
}

fn comparison(file: &str, runs: u64) -> Comparison {
    let path = format!("{}/scenarios/{file}.toml", env!("CARGO_MANIFEST_DIR"));
    let src = std::fs::read_to_string(&path).unwrap();
    let v = parse_variants(&src, &path, &Default::default()).unwrap();
    let designs: Vec<Design> = v
        .designs
        .into_iter()
        .map(|mut d| {
            for g in &mut d.scenario.terminals {
                g.rate /= 20.0;
            }
            d
        })
        .collect();
    let opts = BatchOptions {
        runs,
        seed: 5,
        threads: 1,
    };
    compare(&designs, &opts, &AtomicBool::new(false), |_| {}).unwrap()
}

#[test]
fn compare_charts_name_every_design_and_mark_the_intervals() {
    let c = comparison("failover", 4);
    for lang in Lang::ALL {
        let charts = compare_charts(&c, lang).unwrap();
        assert_eq!(charts.len(), 2);
        for ch in &charts {
            check_png(ch);
            let t = check_svg(ch);
            has(&t, &ch.title, ch.name);
        }
        let t = check_svg(&charts[0]);
        for name in &c.names {
            has(&t, name, "compare_delay_cdf");
        }
        let t = check_svg(&charts[1]);
        for name in &c.names[1..] {
            has(&t, name, "compare_differences");
        }
        has(&t, &metric_label("loss_total", lang), "compare_differences");
    }
    // The metrics that separate the designs: the verdict's objective first, the design's cost
    // ([costs] in failover.toml) among them, and none that no design moves.
    let h = compare::headline(&c);
    assert_eq!(h[0].1, c.verdict.objective.metric);
    assert!(h.iter().any(|m| m.1 == "cost_total"), "{h:?}");
    for (j, name, _) in &h {
        let moved = (c.differences.iter().skip(1)).any(|d| {
            d[*j]
                .as_ref()
                .and_then(|d| d.mean)
                .is_some_and(|x| x != 0.0)
        });
        assert!(moved, "{name} is shown but no design moves it");
    }
}

#[test]
fn sweep_charts_one_per_metric_that_moves() {
    let c = comparison("failover", 3);
    let axes = vec!["design".to_owned()];
    let values: Vec<Vec<String>> = c.names.iter().map(|n| vec![n.clone()]).collect();
    let charts = sweep_charts(&c, &axes, &values, Lang::En).unwrap();
    assert!(!charts.is_empty());
    for ch in &charts {
        assert!(ch.name.starts_with("sweep_"));
        check_png(ch);
        let t = check_svg(ch);
        has(&t, &ch.title, ch.name);
        for n in &c.names {
            has(&t, n, ch.name);
        }
    }
    // A mismatched grid is an error, not a panic.
    assert!(sweep_charts(&c, &axes, &values[..1], Lang::En).is_err());
}

#[test]
fn write_puts_both_files_of_each_chart() {
    let c = comparison("failover", 2);
    let charts = compare_charts(&c, Lang::En).unwrap();
    let root = tempfile::tempdir().unwrap();
    let mut d = AtomicDir::create(root.path()).unwrap();
    write(&charts, &mut d).unwrap();
    d.commit().unwrap();
    for ch in &charts {
        assert_eq!(
            std::fs::read(root.path().join(format!("{}.png", ch.name))).unwrap(),
            ch.png
        );
        assert!(root.path().join(format!("{}.svg", ch.name)).exists());
    }
}

/// Writes the charts of the outage scenario (full size, 20 runs) and a comparison to
/// /tmp/payfault-charts/ and prints how long rendering took: for looking at them.
/// `cargo test --release --lib -- --ignored charts_to_tmp --nocapture`
#[test]
#[ignore]
fn charts_to_tmp() {
    let dir = std::path::Path::new("/tmp/payfault-charts");
    let s = load("outage");
    let b = batch(&s, 20);
    let t0 = std::time::Instant::now();
    let ts = sample_run(&s, 11, 0, crate::model::probe::DEFAULT_POINTS).unwrap();
    let t1 = std::time::Instant::now();
    let mut all = vec![];
    for lang in Lang::ALL {
        let charts = run_charts(&b, &s, &ts, lang).unwrap();
        all.push((lang, charts));
    }
    let t2 = std::time::Instant::now();
    println!(
        "outage: sampled replay {:?}, run charts in two languages {:?}",
        t1 - t0,
        t2 - t1
    );
    let c = comparison("failover", 10);
    for lang in Lang::ALL {
        all.push((lang, compare_charts(&c, lang).unwrap()));
        let values: Vec<Vec<String>> = c.names.iter().map(|n| vec![n.clone()]).collect();
        all.push((
            lang,
            sweep_charts(&c, &["design".to_owned()], &values, lang).unwrap(),
        ));
    }
    for (lang, charts) in all {
        let d = dir.join(lang.code());
        let mut out = AtomicDir::create(&d).unwrap();
        write(&charts, &mut out).unwrap();
        out.commit().unwrap();
    }
}

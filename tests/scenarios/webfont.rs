//! report.html in Chinese carries its own font (`report::webfont`): the font read back out of a
//! real page has a glyph for every character the page shows, its charts' text included, and
//! the page and its charts name it first. The English page embeds nothing.

use base64::Engine;

use crate::common::payfault;

/// The page's text: what is between its tags (the inline charts' `<text>` too), without the
/// style sheet, its character references decoded.
fn visible_text(html: &str) -> String {
    let (head, rest) = html.split_once("<style>").expect("a style sheet");
    let (_, body) = rest.split_once("</style>").expect("the style sheet ends");
    let mut text = String::new();
    for piece in format!("{head}{body}").split('<') {
        text.push_str(piece.split_once('>').map_or(piece, |(_, t)| t));
        text.push(' ');
    }
    payfault::report::webfont::characters(&text)
        .into_iter()
        .filter(|c| !c.is_ascii())
        .chain(text.chars().filter(|c| c.is_ascii_graphic()))
        .collect()
}

/// The font of the page's `@font-face`, decoded.
fn embedded_font(html: &str) -> Vec<u8> {
    let start = "src:url(data:font/otf;base64,";
    let (_, rest) = html
        .split_once(start)
        .expect("report.html in Chinese embeds a font");
    let (data, _) = rest.split_once(')').expect("the data URL ends");
    base64::engine::general_purpose::STANDARD
        .decode(data)
        .expect("the data URL is base64")
}

#[test]
fn a_chinese_report_embeds_a_font_with_every_character_it_shows() {
    let dir = tempfile::tempdir().unwrap();
    let page = |lang: &str| {
        let out = dir.path().join(lang);
        payfault()
            .args(["run", "outage", "-n", "2", "-q", "--lang", lang, "--out"])
            .arg(&out)
            .assert()
            .success();
        std::fs::read_to_string(out.join("report.html")).unwrap()
    };
    let zh = page("zh");
    let font = embedded_font(&zh);
    let face = ttf_parser::Face::parse(&font, 0).expect("the embedded font parses");
    assert!(face.tables().cmap.is_some(), "a cmap, for the browser");
    let text = visible_text(&zh);
    let chinese = text.chars().filter(|c| !c.is_ascii()).count();
    assert!(chinese > 100, "{chinese} Chinese characters: {text}");
    let missing: String = text
        .chars()
        .filter(|&c| face.glyph_index(c).is_none_or(|g| g.0 == 0))
        .collect();
    assert!(
        missing.is_empty(),
        "no glyph in the embedded font: {missing}"
    );
    // Some of them from the charts alone: the y axis title of the delay chart.
    // Every inline SVG (charts, the network diagram, the swimlanes) names it first.
    let families: Vec<&str> = zh.split("font-family=\"").skip(1).collect();
    assert!(families.len() >= 7, "{} SVG font families", families.len());
    for f in families {
        assert!(
            f.starts_with("payfault-cjk, "),
            "an SVG without it: {f:.80}"
        );
    }
    assert!(
        zh.contains("body{font-family:'payfault-cjk',"),
        "the page names it first"
    );
    // Only the page's glyphs: a few hundred, not the thousands of the compiled-in font.
    assert!(
        face.number_of_glyphs() < 700,
        "{} glyphs",
        face.number_of_glyphs()
    );

    let en = page("en");
    assert!(!en.contains("@font-face") && !en.contains("payfault-cjk"));
}

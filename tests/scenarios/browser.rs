//! report.html in a real browser: headless Chromium loads the page of a shipped scenario's
//! run, and it must render (a screenshot of the window's size, not blank) with the key figures
//! in the page's text, fetching nothing from the network; the Chinese page draws its Chinese
//! with the font it carries ([`chinese_report_is_drawn_with_its_own_font`]). `.ci/run` installs Debian's
//! Chromium (`scripts/install-browser.sh`). Without one on `PATH`, outside CI, the build script
//! compiles the test as ignored, so `cargo test` names it as ignored with the way to install
//! one; under CI (`CI` set) it runs, and a missing Chromium fails it.

use std::path::{Path, PathBuf};

use crate::common::payfault;

fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|b| {
            std::env::split_paths(&path)
                .map(|d| d.join(b))
                .find(|p| p.is_file())
        })
}

/// Runs headless Chromium on `page` with the flags this machine's closed network needs.
fn headless(browser: &Path, profile: &Path, extra: &[&str], page: &Path) -> std::process::Output {
    chromium_command(browser, profile, extra, page)
        .output()
        .expect("chromium starts")
}

/// The command line of [`headless`], to run as it is or with more settings.
fn chromium_command(
    browser: &Path,
    profile: &Path,
    extra: &[&str],
    page: &Path,
) -> std::process::Command {
    let mut c = std::process::Command::new(browser);
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
    ])
    .arg(format!("--user-data-dir={}", profile.display()))
    .args(extra)
    .arg(format!("file://{}", page.display()));
    c
}

/// Width and height from a PNG's IHDR chunk.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    assert_eq!(&bytes[12..16], b"IHDR");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    (be(&bytes[16..20]), be(&bytes[20..24]))
}

#[test]
#[cfg_attr(
    no_chromium,
    ignore = "no Chromium on PATH: `bash scripts/install-browser.sh` installs Debian's (CI does)"
)]
fn report_renders_in_a_real_browser_with_its_key_figures() {
    let Some(browser) = chromium() else {
        panic!("no Chromium on PATH: run `bash scripts/install-browser.sh` (.ci/run does)");
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    payfault()
        .args(["run", "outage", "-n", "3", "-q", "--out"])
        .arg(&out)
        .assert()
        .success();
    let page = out.join("report.html");
    let html = std::fs::read_to_string(&page).unwrap();
    // Self-contained: nothing to fetch.
    for pat in ["src=\"http", "href=\"http", "url(http", "<script", "<link"] {
        assert!(!html.contains(pat), "report.html fetches something: {pat}");
    }

    let (w, h) = (1280, 900);
    let shot = dir.path().join("shot.png");
    let o = headless(
        &browser,
        &dir.path().join("profile1"),
        &[
            &format!("--window-size={w},{h}"),
            &format!("--screenshot={}", shot.display()),
        ],
        &page,
    );
    let png = std::fs::read(&shot).unwrap_or_else(|e| {
        panic!(
            "no screenshot ({e}); chromium said: {}",
            String::from_utf8_lossy(&o.stderr)
        )
    });
    assert_eq!(png_size(&png), (w, h));
    // A blank page compresses to a few kilobytes; text and tables do not.
    assert!(
        png.len() > 30_000,
        "the screenshot looks blank: {} bytes",
        png.len()
    );

    let o = headless(
        &browser,
        &dir.path().join("profile2"),
        &["--dump-dom"],
        &page,
    );
    let dom = String::from_utf8_lossy(&o.stdout);
    assert!(
        dom.contains("<h1>payfault report: outage</h1>"),
        "{dom:.400}"
    );
    // The key figures, as summary.json has them, formatted as on the page.
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let mean = |m: &str| summary["metrics"][m]["mean"].as_f64().unwrap();
    let grouped = payfault::report::format::grouped;
    for figure in [
        grouped(mean("declined"), 1),
        grouped(mean("false_declines"), 1),
        grouped(mean("charged_without_sale_amount"), 2),
        format!("{:.2}%", mean("settled_on_time_share") * 100.0),
    ] {
        assert!(
            dom.contains(&figure),
            "{figure} is not in the rendered page"
        );
    }
    // The cause this scenario demonstrates, in the cause table.
    assert!(dom.contains("<code>scheme-outage</code>"));
    // The five charts, inline, with their titles, the network diagram, and the example
    // stories each with its swimlane.
    let stories = dom.matches("<h3>").count();
    assert!(stories >= 1, "example stories");
    assert_eq!(
        dom.matches("<svg").count(),
        5 + 1 + stories,
        "charts in the page"
    );
    assert!(dom.contains("how long merchants wait for their money"));
    // The first example story is one of the cause the scenario demonstrates (the outage of
    // the channel `scheme`).
    let first = dom.split("<h3>").nth(1).expect("an example story");
    let first = first.split("</h3>").next().unwrap_or_default();
    assert!(first.contains("scheme"), "{first:.300}");
}

/// Writes the report of a short run of `outage` in `lang` under `dir` and returns its path.
fn outage_report(dir: &Path, lang: &str) -> PathBuf {
    let out = dir.join(format!("out-{lang}"));
    payfault()
        .args(["run", "outage", "-n", "2", "-q", "--lang", lang, "--out"])
        .arg(&out)
        .assert()
        .success();
    out.join("report.html")
}

/// A screenshot of `page`, 1200×800, by Chromium with `fontconfig` as its font configuration
/// (`None`: the machine's fonts), decoded: one RGB(A) row after another, and bytes per pixel.
fn screenshot(
    browser: &Path,
    dir: &Path,
    page: &Path,
    name: &str,
    fontconfig: Option<&Path>,
) -> (Vec<u8>, usize) {
    let shot = dir.join(format!("{name}.png"));
    let mut c = chromium_command(
        browser,
        &dir.join(format!("profile-{name}")),
        &[
            "--window-size=1200,800",
            &format!("--screenshot={}", shot.display()),
        ],
        page,
    );
    if let Some(f) = fontconfig {
        c.env("FONTCONFIG_FILE", f);
    }
    let o = c.output().expect("chromium starts");
    let png = std::fs::read(&shot).unwrap_or_else(|e| {
        panic!(
            "no screenshot of {name} ({e}); chromium said: {}",
            String::from_utf8_lossy(&o.stderr)
        )
    });
    assert_eq!(png_size(&png), (1200, 800), "{name}");
    let mut decoder = png::Decoder::new(std::io::Cursor::new(png));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut pixels).unwrap();
    pixels.truncate(info.buffer_size());
    (pixels, info.color_type.samples())
}

/// Dark grey pixels (text; not the page's blue rules nor its pale borders) in rows `rows` of a
/// screenshot.
fn ink((pixels, bpp): &(Vec<u8>, usize), rows: std::ops::Range<usize>) -> usize {
    let row = 1200 * bpp;
    pixels[rows.start * row..rows.end * row]
        .chunks(*bpp)
        .filter(|p| p[..3].iter().all(|&v| v < 110))
        .count()
}

#[test]
#[cfg_attr(
    no_chromium,
    ignore = "no Chromium on PATH: `bash scripts/install-browser.sh` installs Debian's (CI does)"
)]
fn chinese_report_is_drawn_with_its_own_font() {
    let Some(browser) = chromium() else {
        panic!("no Chromium on PATH: run `bash scripts/install-browser.sh` (.ci/run does)");
    };
    let dir = tempfile::tempdir().unwrap();
    let (en, zh) = (
        outage_report(dir.path(), "en"),
        outage_report(dir.path(), "zh"),
    );
    // Both pages, with the machine's fonts: not blank at the top (the title and the lead).
    for (page, name) in [(&en, "en"), (&zh, "zh")] {
        let shot = screenshot(&browser, dir.path(), page, name, None);
        assert!(
            ink(&shot, 0..160) > 2_000,
            "the top of the {name} page is blank"
        );
    }

    // The machine's fonts less every font for Chinese (or Japanese, Korean): a machine
    // without a CJK font, as CI is, whichever fonts this one has.
    let conf = dir.path().join("fonts.conf");
    let reject: String = ["zh-cn", "zh-tw", "ja", "ko"]
        .iter()
        .map(|l| format!("<rejectfont><pattern><patelt name=\"lang\"><string>{l}</string></patelt></pattern></rejectfont>"))
        .collect();
    std::fs::write(
        &conf,
        format!(
            "<?xml version=\"1.0\"?>\n<fontconfig><include ignore_missing=\"yes\">\
             /etc/fonts/fonts.conf</include><selectfont>{reject}</selectfont></fontconfig>\n"
        ),
    )
    .unwrap();
    // The same page without its @font-face.
    let html = std::fs::read_to_string(&zh).unwrap();
    let start = html
        .find("\n@font-face{")
        .expect("the Chinese page carries a font");
    let end = start + html[start..].find('}').unwrap() + 1;
    let without = |html: &str| format!("{}{}", &html[..start], &html[end..]);
    let bare = dir.path().join("out-zh").join("bare.html");
    std::fs::write(&bare, without(&html)).unwrap();
    let own = screenshot(&browser, dir.path(), &zh, "zh-own", Some(&conf));
    let none = screenshot(&browser, dir.path(), &bare, "zh-bare", Some(&conf));
    let top = |(p, bpp): &(Vec<u8>, usize)| p[..160 * 1200 * bpp].to_vec();
    assert_ne!(top(&own), top(&none), "the page's font changes nothing");

    // Chinese alone (a heading of the page, with the page's style sheet): without the page's
    // font it can only be boxes here, so a difference is the embedded font's Chinese glyphs.
    let heading = html
        .split("<h2>")
        .nth(1)
        .and_then(|h| h.split_once('<'))
        .unwrap()
        .0;
    assert!(heading.chars().all(|c| !c.is_ascii()), "{heading}");
    let (head, _) = html.split_once("<body>").unwrap();
    let chinese = format!("{head}<body>\n<h1>{heading}</h1>\n</body>\n</html>\n");
    let (own_page, bare_page) = (dir.path().join("own.html"), dir.path().join("bare.html"));
    std::fs::write(&own_page, &chinese).unwrap();
    std::fs::write(&bare_page, without(&chinese)).unwrap();
    let own = screenshot(&browser, dir.path(), &own_page, "heading-own", Some(&conf));
    let none = screenshot(
        &browser,
        dir.path(),
        &bare_page,
        "heading-bare",
        Some(&conf),
    );
    assert!(
        ink(&own, 0..160) > 500,
        "no Chinese drawn with the page's font"
    );
    assert_ne!(top(&own), top(&none), "the page's font draws no Chinese");
}

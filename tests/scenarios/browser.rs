//! report.html in a real browser: headless Chromium loads the page of a shipped scenario's
//! run, and it must render (a screenshot of the window's size, not blank) with the key figures
//! in the page's text, fetching nothing from the network. `.ci/run` installs Debian's
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
    std::process::Command::new(browser)
        .args([
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
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium starts")
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
        format!("{:.2}%", mean("settled_on_time_ratio") * 100.0),
    ] {
        assert!(
            dom.contains(&figure),
            "{figure} is not in the rendered page"
        );
    }
    // The cause this scenario demonstrates, in the cause table.
    assert!(dom.contains("<code>scheme-outage</code>"));
    // The five charts, inline, with their titles; and the example stories.
    assert_eq!(dom.matches("<svg").count(), 5, "charts in the page");
    assert!(dom.contains("how long merchants wait for their money"));
    // The first example story is one of the cause the scenario demonstrates.
    let first = dom.split("<h3>").nth(1).expect("an example story");
    assert!(first.contains("· scheme-outage</h3>"), "{first:.300}");
}

//! A build-time fact the tests need: whether a Chromium is on `PATH`. Without one, outside CI,
//! the browser test of report.html (tests/scenarios/browser.rs) is compiled as ignored, so
//! that `cargo test` reports it as ignored by name with the way to install one
//! (`bash scripts/install-browser.sh`), not as a silent pass. Under CI (`CI` set) the test
//! always runs: `.ci/run` installs Chromium first, and a missing one fails.

fn main() {
    println!("cargo:rustc-check-cfg=cfg(no_chromium)");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=PATH");
    println!("cargo:rerun-if-env-changed=CI");
    let path = std::env::var_os("PATH").unwrap_or_default();
    let dirs: Vec<std::path::PathBuf> = std::env::split_paths(&path).collect();
    // A browser installed later changes its folder: the fact is found again.
    for d in dirs.iter().filter(|d| d.is_dir()) {
        println!("cargo:rerun-if-changed={}", d.display());
    }
    let found = ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .any(|b| dirs.iter().any(|d| d.join(b).is_file()));
    let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
    if !found && !ci {
        println!("cargo:rustc-cfg=no_chromium");
    }
}

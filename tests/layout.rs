//! The shape of the tree, kept by a test (docs/ARCHITECTURE.md): the layers run one way
//! (engine < scenario < model < metrics < runner < check < report < cli; `i18n` and `atomic`
//! are utilities any layer may use), no source file over 700 lines, no function over 150.

use std::path::{Path, PathBuf};

/// The layers, lowest first; a module may use only its own layer and those before it.
const LAYERS: [&str; 8] = [
    "engine", "scenario", "model", "metrics", "runner", "check", "report", "cli",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

fn files(roots: &[&str]) -> Vec<PathBuf> {
    let mut v = vec![];
    for r in roots {
        rust_files(Path::new(r), &mut v);
    }
    v.sort();
    v
}

/// The code of a line, without a `//` comment (good enough for this tree: no `//` in strings
/// that matter here).
fn code(line: &str) -> &str {
    line.split("//").next().unwrap_or("")
}

#[test]
fn layers_run_one_way() {
    let mut bad = vec![];
    for f in files(&["src"]) {
        let rel = f.strip_prefix("src").unwrap();
        let top = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_string();
        let Some(own) = LAYERS.iter().position(|l| *l == top) else {
            continue; // lib.rs, main.rs and the utilities
        };
        let text = std::fs::read_to_string(&f).unwrap();
        // Lines of `use crate::{a, b::{..}}` groups are joined so their names are seen.
        for (n, line) in text.lines().enumerate() {
            let c = code(line);
            for (higher, name) in LAYERS.iter().enumerate().skip(own + 1) {
                let direct = format!("crate::{name}");
                let grouped = c.trim_start().starts_with(&format!("{name}::"))
                    || c.contains(&format!("{{{name}::"))
                    || c.contains(&format!(", {name}::"));
                if c.contains(&direct) || (grouped && in_crate_group(&text, n)) {
                    bad.push(format!(
                        "{}:{}: `{top}` (layer {own}) uses `{name}` (layer {higher}): {}",
                        f.display(),
                        n + 1,
                        line.trim()
                    ));
                }
            }
        }
    }
    assert!(bad.is_empty(), "layer violations:\n{}", bad.join("\n"));
}

/// Whether line `n` of `text` is inside a `use crate::{ ... }` group.
fn in_crate_group(text: &str, n: usize) -> bool {
    let lines: Vec<&str> = text.lines().collect();
    for i in (0..=n).rev() {
        let c = code(lines[i]);
        if c.contains("use crate::{") {
            return !lines[i..n].iter().any(|l| code(l).contains("};"));
        }
        if i < n && (c.contains(';') || c.trim().is_empty()) {
            return false;
        }
    }
    false
}

#[test]
fn no_file_over_700_lines() {
    let bad: Vec<String> = files(&["src", "tests", "benches", "examples"])
        .into_iter()
        .filter_map(|f| {
            let n = std::fs::read_to_string(&f).unwrap().lines().count();
            (n > 700).then(|| format!("{}: {n} lines", f.display()))
        })
        .collect();
    assert!(bad.is_empty(), "files over 700 lines:\n{}", bad.join("\n"));
}

#[test]
fn no_function_over_150_lines() {
    let mut bad = vec![];
    for f in files(&["src"]) {
        let text = std::fs::read_to_string(&f).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let t = line.trim_start();
            let indent = line.len() - t.len();
            let is_fn = [
                "fn ",
                "pub fn ",
                "pub(crate) fn ",
                "pub(super) fn ",
                "const fn ",
            ]
            .iter()
            .any(|p| t.starts_with(p))
                || (t.starts_with("pub(in ") && t.contains(") fn "));
            if !is_fn || t.ends_with(';') {
                continue;
            }
            // The body ends at the first later line that closes at the same indentation.
            let close = " ".repeat(indent) + "}";
            let len = lines[i + 1..]
                .iter()
                .position(|l| l.starts_with(&close) && l.trim() == "}");
            if let Some(len) = len
                && len + 2 > 150
            {
                let after = t.split_once("fn ").map_or(t, |(_, r)| r);
                let name = after.split(['(', '<']).next().unwrap_or(after);
                bad.push(format!(
                    "{}:{}: {name}: {} lines",
                    f.display(),
                    i + 1,
                    len + 2
                ));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "functions over 150 lines:\n{}",
        bad.join("\n")
    );
}

//! Languages: every sentence a person reads (trace stories, the terminal summary, chart labels,
//! the report) comes from a message catalogue, one TOML file per language, never from strings
//! scattered through the code (`src/i18n/<lang>/*.toml`, one file per part). English is the default; `--lang zh` gives Simplified Chinese.
//!
//! A message is looked up by key with [`tr!`]: `tr!(lang, "outcome.declined")`, or with named
//! arguments `tr!(lang, "trace.sent", what = "0100", to = name)`, which replace `{what}` and
//! `{to}` in the text. Both catalogues must have the same keys with the same placeholders, and
//! every key the code uses must exist (tests below read the sources to check it).

use std::collections::HashMap;
use std::sync::OnceLock;

/// A language of the catalogue.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Lang {
    /// English.
    #[default]
    En,
    /// Simplified Chinese (简体中文).
    Zh,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Zh];

    /// The language's tag, as in `--lang` and HTML's `lang` attribute.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh-Hans",
        }
    }

    /// The catalogue's files: one per part of the program, so that each part keeps its own.
    fn sources(self) -> [(&'static str, &'static str); 6] {
        match self {
            Lang::En => [
                ("en/common.toml", include_str!("en/common.toml")),
                ("en/trace.toml", include_str!("en/trace.toml")),
                ("en/chart.toml", include_str!("en/chart.toml")),
                ("en/report.toml", include_str!("en/report.toml")),
                ("en/check.toml", include_str!("en/check.toml")),
                ("en/teach.toml", include_str!("en/teach.toml")),
            ],
            Lang::Zh => [
                ("zh/common.toml", include_str!("zh/common.toml")),
                ("zh/trace.toml", include_str!("zh/trace.toml")),
                ("zh/chart.toml", include_str!("zh/chart.toml")),
                ("zh/report.toml", include_str!("zh/report.toml")),
                ("zh/check.toml", include_str!("zh/check.toml")),
                ("zh/teach.toml", include_str!("zh/teach.toml")),
            ],
        }
    }

    fn table(self) -> &'static HashMap<String, String> {
        static EN: OnceLock<HashMap<String, String>> = OnceLock::new();
        static ZH: OnceLock<HashMap<String, String>> = OnceLock::new();
        let cell = match self {
            Lang::En => &EN,
            Lang::Zh => &ZH,
        };
        cell.get_or_init(|| {
            let mut all = HashMap::new();
            for (file, src) in self.sources() {
                for (k, v) in parse(src).unwrap_or_else(|e| panic!("src/i18n/{file}: {e}")) {
                    assert!(
                        all.insert(k.clone(), v).is_none(),
                        "src/i18n/{file}: `{k}` is defined twice"
                    );
                }
            }
            all
        })
    }

    /// The message `key`, or the key itself when it is missing (which a test forbids).
    pub fn get(self, key: &str) -> &'static str {
        match self.table().get(key) {
            Some(s) => s.as_str(),
            None => match Lang::En.table().get(key) {
                Some(s) => s.as_str(),
                None => Box::leak(key.to_owned().into_boxed_str()),
            },
        }
    }

    /// Whether the catalogue has `key` (for keys built at run time, such as a code's meaning).
    pub fn has(self, key: &str) -> bool {
        self.table().contains_key(key)
    }

    /// The message `key` with each `{name}` replaced by its argument.
    pub fn format(self, key: &str, args: &[(&str, &dyn std::fmt::Display)]) -> String {
        fill(self.get(key), args)
    }
}

/// Replaces each `{name}` of `text` by its argument; an unknown placeholder is left as is.
pub fn fill(text: &str, args: &[(&str, &dyn std::fmt::Display)]) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let name = &after[..close];
                match args.iter().find(|(n, _)| *n == name) {
                    Some((_, v)) => out.push_str(&v.to_string()),
                    None => out.push_str(&rest[open..open + close + 2]),
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// Flattens a catalogue: nested tables become dotted keys (`[outcome] declined = ".."` is
/// `outcome.declined`).
fn parse(src: &str) -> Result<HashMap<String, String>, String> {
    let v: toml::Table = toml::from_str(src).map_err(|e| e.to_string())?;
    let mut out = HashMap::new();
    fn walk(
        prefix: &str,
        t: &toml::Table,
        out: &mut HashMap<String, String>,
    ) -> Result<(), String> {
        for (k, v) in t {
            let key = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}.{k}")
            };
            match v {
                toml::Value::String(s) => {
                    out.insert(key, s.clone());
                }
                toml::Value::Table(t) => walk(&key, t, out)?,
                _ => return Err(format!("{key}: a message must be a string")),
            }
        }
        Ok(())
    }
    walk("", &v, &mut out)?;
    Ok(out)
}

/// Looks a message up: `tr!(lang, "key")` or `tr!(lang, "key", name = value, ...)`.
#[macro_export]
macro_rules! tr {
    ($lang:expr, $key:literal) => {
        $lang.get($key)
    };
    ($lang:expr, $key:literal, $($name:ident = $value:expr),+ $(,)?) => {
        $lang.format($key, &[$((stringify!($name), &$value as &dyn std::fmt::Display)),+])
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn placeholders(s: &str) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        let mut rest = s;
        while let Some(o) = rest.find('{') {
            let after = &rest[o + 1..];
            let Some(c) = after.find('}') else { break };
            out.insert(after[..c].to_owned());
            rest = &after[c + 1..];
        }
        out
    }

    #[test]
    fn catalogues_have_the_same_keys_and_placeholders() {
        let en = Lang::En.table();
        let zh = Lang::Zh.table();
        let ek: BTreeSet<_> = en.keys().collect();
        let zk: BTreeSet<_> = zh.keys().collect();
        let only_en: Vec<_> = ek.difference(&zk).collect();
        let only_zh: Vec<_> = zk.difference(&ek).collect();
        assert!(only_en.is_empty(), "keys missing from zh/: {only_en:?}");
        assert!(only_zh.is_empty(), "keys missing from en/: {only_zh:?}");
        for (k, e) in en {
            assert_eq!(
                placeholders(e),
                placeholders(&zh[k]),
                "`{k}` has different placeholders in en and zh"
            );
        }
    }

    /// Every `tr!(lang, "key" ...)` in the sources names a key of the catalogue.
    #[test]
    fn every_key_the_code_uses_exists() {
        let mut used = vec![];
        let mut stack = vec![std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/src"
        ))];
        while let Some(dir) = stack.pop() {
            for e in std::fs::read_dir(&dir).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    let text = std::fs::read_to_string(&p).unwrap();
                    for (i, _) in text.match_indices("tr!(") {
                        let line_start = text[..i].rfind('\n').map_or(0, |n| n + 1);
                        let before = text[..i].chars().next_back();
                        if before.is_some_and(|c| c.is_alphanumeric() || c == '_')
                            || text[line_start..i].trim_start().starts_with("//")
                        {
                            continue; // documentation
                        }
                        let call = &text[i..];
                        let Some(q) = call.find('"') else { continue };
                        // Only the first argument may precede the key literal.
                        if call[..q].contains(';') || call[..q].contains(')') {
                            continue;
                        }
                        let key = &call[q + 1..];
                        let key = &key[..key.find('"').unwrap()];
                        if !call[..q].contains(',')
                            || !key
                                .chars()
                                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
                        {
                            continue; // not a call with a key (this test's own text)
                        }
                        used.push((p.display().to_string(), key.to_owned()));
                    }
                }
            }
        }
        assert!(!used.is_empty(), "found no use of tr!");
        for (file, key) in used {
            assert!(Lang::En.has(&key), "{file}: `{key}` is not in src/i18n/en/");
            assert!(Lang::Zh.has(&key), "{file}: `{key}` is not in src/i18n/zh/");
        }
    }

    #[test]
    fn fill_replaces_named_arguments() {
        assert_eq!(
            fill("{a} and {b}, not {c}", &[("a", &1), ("b", &"two")]),
            "1 and two, not {c}"
        );
        assert_eq!(fill("no braces", &[]), "no braces");
        assert_eq!(fill("open { only", &[]), "open { only");
    }

    #[test]
    fn a_missing_key_falls_back_to_english_then_to_the_key() {
        assert_eq!(Lang::Zh.get("no.such.key"), "no.such.key");
        assert_eq!(tr!(Lang::Zh, "outcome.declined"), "拒绝");
        assert_eq!(tr!(Lang::En, "outcome.declined"), "declined");
    }
}

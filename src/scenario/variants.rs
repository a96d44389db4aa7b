//! Designs built from one scenario: the `[[variant]]` blocks of a file and the `--set`
//! overrides of `payfault sweep`.
//!
//! A variant is a name plus overrides of any setting, written in dotted form:
//!
//! ```toml
//! [[variant]]
//! name = "failover"
//! strategy.failover.mode = "health_check"
//! channels.scheme.servers = 8      # an entry of an array of tables, by its id
//! faults = []                      # a whole value replaced
//! ```
//!
//! Overrides are merged into the scenario's own table: a table merges key by key; an entry
//! of an array of tables (`[[terminals]]`, `[[channels]]`, `[[issuers]]`, `[[faults]]`,
//! `[[routing]]` by its issuer, `[[network.links]]` by its index) is addressed by its id or
//! its index; any other value is replaced. The merged table is then validated exactly like a
//! file, and an error is reported at the override in the file that caused it.

use super::error::{Diagnostic, ScenarioError, did_you_mean};
use super::{Limits, Scenario, parse_base};
use std::ops::Range;
use toml::Value;
use toml::de::{DeTable, DeValue};

/// One design: a name, what it is, and the validated scenario it runs.
#[derive(Clone, Debug)]
pub struct Design {
    pub name: String,
    pub description: String,
    /// `description_zh`: the description in Simplified Chinese, if the file gives one.
    pub description_zh: Option<String>,
    pub scenario: Scenario,
}

impl Design {
    /// The description in `lang` (`description_zh` in Chinese, falling back to `description`).
    pub fn description_in(&self, lang: crate::i18n::Lang) -> &str {
        super::described(&self.description, self.description_zh.as_deref(), lang)
    }
}

/// One override: the path as the user wrote it, the value, and where it was written.
#[derive(Clone, Debug)]
pub struct Override {
    pub path: Vec<String>,
    pub value: Value,
    /// Byte span in the scenario file (`None` for a `--set` on the command line).
    pub span: Option<Range<usize>>,
}

/// A scenario and its variants, read from one file.
#[derive(Debug)]
pub struct Variants {
    pub base: Scenario,
    pub designs: Vec<Design>,
}

/// Largest number of variants in one file, and of grid points in one sweep.
pub const MAX_DESIGNS: usize = 256;

/// Reads a scenario file's base and its `[[variant]]` designs (empty when it declares none).
pub fn parse_variants(src: &str, file: &str, limits: &Limits) -> Result<Variants, ScenarioError> {
    let base = parse_base(src, file, limits)?;
    let err = |span: Option<Range<usize>>, field: &str, msg: String| {
        Diagnostic::new(file, src, span, field, &msg).into_error()
    };
    // The file parsed, so both readings succeed.
    let spanned = DeTable::parse(src).map_err(|e| err(e.span(), "", e.message().to_owned()))?;
    let Some(entries) = spanned
        .get_ref()
        .get("variant")
        .map(|v| v.get_ref())
        .and_then(|v| match v {
            DeValue::Array(a) => Some(a),
            _ => None,
        })
    else {
        return Ok(Variants {
            base,
            designs: vec![],
        });
    };
    if entries.len() > MAX_DESIGNS {
        return Err(err(
            Some(entries[MAX_DESIGNS].span()),
            &format!("variant[{MAX_DESIGNS}]"),
            format!(
                "{} variants; at most {MAX_DESIGNS} are allowed in one file",
                entries.len()
            ),
        ));
    }
    let doc: toml::Table =
        toml::from_str(src).map_err(|e| err(e.span(), "", e.message().to_owned()))?;
    let plain: Vec<toml::Table> = match doc.get("variant") {
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| v.as_table().cloned().unwrap_or_default())
            .collect(),
        _ => vec![],
    };
    let mut designs: Vec<Design> = vec![];
    for (i, entry) in entries.iter().enumerate() {
        let field = format!("variant[{i}]");
        let DeValue::Table(t) = entry.get_ref() else {
            return Err(err(
                Some(entry.span()),
                &field,
                "a variant is a table: [[variant]] with a name and overrides".into(),
            ));
        };
        let mut name = None;
        let mut description = String::new();
        let mut description_zh = None;
        let mut overrides = vec![];
        for (k, v) in t.iter() {
            match k.get_ref().as_ref() {
                "name" => match v.get_ref() {
                    DeValue::String(s) => name = Some((s.to_string(), v.span())),
                    _ => {
                        return Err(err(
                            Some(v.span()),
                            &format!("{field}.name"),
                            "a variant's name is a string, e.g. name = \"failover\"".into(),
                        ));
                    }
                },
                key @ ("description" | "description_zh") => match v.get_ref() {
                    DeValue::String(s) if key == "description" => description = s.to_string(),
                    DeValue::String(s) => description_zh = Some(s.to_string()),
                    _ => {
                        return Err(err(
                            Some(v.span()),
                            &format!("{field}.{key}"),
                            format!("a variant's {key} is a string"),
                        ));
                    }
                },
                key => collect(
                    &mut overrides,
                    &plain[i],
                    vec![key.to_owned()],
                    k.span(),
                    v.get_ref(),
                ),
            }
        }
        let Some((name, name_span)) = name else {
            return Err(err(
                Some(entry.span()),
                &field,
                "a variant needs a name, e.g. name = \"no-retry\"".into(),
            ));
        };
        if let Err(why) = check_name(&name) {
            return Err(err(Some(name_span), &format!("{field}.name"), why));
        }
        if designs.iter().any(|d| d.name == name) {
            return Err(err(
                Some(name_span),
                &format!("{field}.name"),
                format!("a variant named \"{name}\" is already declared; names must differ"),
            ));
        }
        let scenario = apply(src, file, &base, &overrides, &name, limits)?;
        designs.push(Design {
            name,
            description,
            description_zh,
            scenario,
        });
    }
    Ok(Variants { base, designs })
}

/// Names a design may not take: the folders `compare`, `sweep` and `shard-K-of-M` sit beside a
/// variant's results in `output/<scenario>/`.
const RESERVED: [&str; 2] = ["compare", "sweep"];

/// Why `name` cannot name a variant (it names a column, a file and a folder).
fn check_name(name: &str) -> Result<(), String> {
    let shown = super::error::clip(name, 64);
    let ok = !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-.+".contains(c));
    if !ok {
        return Err(format!(
            "invalid variant name \"{shown}\": use letters, digits, '_', '-', '+' and '.', not \
             starting with '.', 1 to 64 characters (it names a column and a folder)"
        ));
    }
    let lower = name.to_ascii_lowercase();
    if RESERVED.contains(&lower.as_str()) || lower.starts_with("shard-") {
        return Err(format!(
            "the variant name \"{shown}\" is reserved: `compare`, `sweep` and `shard-...` name \
             the folders of other results beside the variants' in output/<scenario>/; choose \
             another name"
        ));
    }
    Ok(())
}

/// Why a design may not set `canon` (the canonical path of an override), if it may not: the
/// setting would not take effect, or belongs to the scenario as a whole.
fn forbidden(canon: &str) -> Option<&'static str> {
    let is = |p: &str| {
        canon == p || canon.starts_with(&format!("{p}.")) || canon.starts_with(&format!("{p}["))
    };
    if is("expect") {
        Some(
            "a design cannot set expectations: [expect] belongs to the scenario, which \
             `payfault check` runs; compare designs with `payfault compare`",
        )
    } else if canon == "name" {
        Some("a design cannot rename the scenario (the name of the results)")
    } else if is("variant") {
        Some("a design cannot declare designs: [[variant]] blocks belong to the scenario")
    } else if canon == "simulation.seed" {
        Some(
            "a design cannot set the seed: every design runs on the same seeds (common random \
             numbers), so a design's seed would be ignored; set [simulation] seed in the \
             scenario, or pass --seed",
        )
    } else if canon == "simulation.runs" {
        Some(
            "a design cannot set the number of runs: every design runs as many, so a design's \
             would be ignored; set [simulation] runs in the scenario, or pass --runs",
        )
    } else {
        None
    }
}

/// Flattens a variant's value into leaf overrides: tables recurse (dotted keys and inline
/// tables alike), anything else is one override.
fn collect(
    out: &mut Vec<Override>,
    plain: &toml::Table,
    path: Vec<String>,
    key_span: Range<usize>,
    v: &DeValue,
) {
    match v {
        DeValue::Table(t) if !t.is_empty() => {
            for (k, sub) in t.iter() {
                let mut p = path.clone();
                p.push(k.get_ref().to_string());
                // From the first key of the path to this one: `channels.scheme.servers`.
                collect(out, plain, p, key_span.start..k.span().end, sub.get_ref());
            }
        }
        _ => {
            if let Some(value) = lookup(plain, &path) {
                out.push(Override {
                    path,
                    value,
                    span: Some(key_span),
                });
            }
        }
    }
}

/// The value at `path` in a variant's plain table.
fn lookup(t: &toml::Table, path: &[String]) -> Option<Value> {
    let (first, rest) = path.split_first()?;
    let v = t.get(first)?;
    if rest.is_empty() {
        return Some(v.clone());
    }
    lookup(v.as_table()?, rest)
}

/// The scenario `src` with `overrides` applied, validated. `design` names the design in
/// messages (a variant's name, or a sweep's grid point).
pub fn apply(
    src: &str,
    file: &str,
    base: &Scenario,
    overrides: &[Override],
    design: &str,
    limits: &Limits,
) -> Result<Scenario, ScenarioError> {
    let fail = |o: Option<&Override>, field: &str, msg: String| {
        let msg = format!("{msg} (in the design \"{design}\")");
        match o.and_then(|o| o.span.clone()) {
            Some(span) => Diagnostic::new(file, src, Some(span), field, &msg).into_error(),
            None => Diagnostic::new(file, "", None, field, &msg).into_error(),
        }
    };
    let mut doc: toml::Table =
        toml::from_str(src).map_err(|e| fail(None, "", e.message().to_owned()))?;
    doc.remove("variant");
    // Expectations are the scenario's own: a design is judged by `payfault compare`.
    doc.remove("expect");
    let mut canon = Vec::with_capacity(overrides.len());
    for o in overrides {
        if let Some(why) = o.path.first().and_then(|p| forbidden(p)) {
            return Err(fail(Some(o), &o.path.join("."), why.into()));
        }
        let c = set(&mut doc, &o.path, o.value.clone()).map_err(|m| fail(Some(o), "", m))?;
        if let Some(why) = forbidden(&c) {
            return Err(fail(Some(o), &c, why.into()));
        }
        canon.push(c);
    }
    if overrides.is_empty() {
        return Ok(base.clone());
    }
    let text = toml::to_string(&doc).map_err(|e| fail(None, "", e.to_string()))?;
    match parse_base(&text, file, limits) {
        Ok(mut s) => {
            if (s.seed, s.runs) != (base.seed, base.runs) {
                // A whole `simulation` table replaced: its seed and runs would be ignored.
                let o = overrides.iter().find(|o| o.path == ["simulation"]);
                return Err(fail(
                    o,
                    "simulation",
                    "replacing [simulation] changes its seed or runs, which a design cannot set: \
                     every design runs as many runs on the same seeds (common random numbers); \
                     set its other fields one by one, e.g. simulation.traffic_window = \"2h\""
                        .into(),
                ));
            }
            s.source = text;
            Ok(s)
        }
        Err(ScenarioError::Invalid(d)) => {
            // Point at the override that caused it: the one whose path is closest to the field.
            let best = canon
                .iter()
                .enumerate()
                .max_by_key(|(i, c)| (common_prefix(c, &d.field), usize::MAX - i))
                .map(|(i, _)| &overrides[i]);
            let what = best.map_or(String::new(), |o| {
                format!(", which sets `{}`", o.path.join("."))
            });
            let mut e = match best.and_then(|o| o.span.clone()) {
                Some(span) => Diagnostic::new(file, src, Some(span), &d.field, &d.message),
                None => Diagnostic::new(file, "", None, &d.field, &d.message),
            };
            e.message = format!("{} (in the design \"{design}\"{what})", d.message);
            Err(e.into_error())
        }
        Err(e) => Err(e),
    }
}

/// Length of the common dotted prefix of two field paths, in segments.
fn common_prefix(a: &str, b: &str) -> usize {
    let seg = |s: &str| -> Vec<String> {
        s.replace('[', ".")
            .replace(']', "")
            .split('.')
            .map(str::to_owned)
            .collect()
    };
    seg(a)
        .iter()
        .zip(seg(b))
        .take_while(|(x, y)| **x == *y)
        .count()
}

/// The key an entry of an array of tables is addressed by.
fn id_key(array: &str) -> &'static str {
    match array {
        "routing" => "issuer",
        _ => "id",
    }
}

/// Sets `value` at `path` in `doc`; returns the canonical field path (`channels[0].servers`)
/// or what is wrong.
fn set(doc: &mut toml::Table, path: &[String], value: Value) -> Result<String, String> {
    let mut canon = String::new();
    let mut table = doc;
    for (depth, key) in path.iter().enumerate() {
        if !canon.is_empty() {
            canon.push('.');
        }
        canon.push_str(key);
        let last = depth + 1 == path.len();
        if last {
            table.insert(key.clone(), value);
            return Ok(canon);
        }
        let entry = table
            .entry(key.clone())
            .or_insert_with(|| Value::Table(toml::Table::new()));
        table = match entry {
            Value::Table(t) => t,
            Value::Array(items) => {
                // An entry of an array of tables, by id (or index).
                let sel = &path[depth + 1];
                let idk = id_key(key);
                let ids: Vec<String> = items
                    .iter()
                    .enumerate()
                    .map(|(i, t)| {
                        t.get(idk)
                            .and_then(Value::as_str)
                            .map_or(i.to_string(), str::to_owned)
                    })
                    .collect();
                let pos = ids
                    .iter()
                    .position(|x| x == sel)
                    .or_else(|| sel.parse::<usize>().ok().filter(|&i| i < items.len()));
                let Some(pos) = pos else {
                    let cands: Vec<&str> = ids.iter().map(String::as_str).collect();
                    return Err(format!(
                        "`{}` has no entry \"{sel}\"{}; its entries are {} (by `{idk}`, or by \
                         index from 0)",
                        path[..=depth].join("."),
                        did_you_mean(sel, &cands),
                        if cands.is_empty() {
                            "none".to_owned()
                        } else {
                            cands.join(", ")
                        }
                    ));
                };
                if depth + 2 == path.len() {
                    return Err(format!(
                        "`{}` is an entry of `[[{key}]]`; set one of its fields, e.g. `{}.{sel}.\
                         <field>`, or replace the whole array with `{key} = [...]`",
                        path.join("."),
                        key
                    ));
                }
                canon = format!("{canon}[{pos}]");
                match &mut items[pos] {
                    Value::Table(t) => {
                        // Skip the selector segment.
                        return set(t, &path[depth + 2..], value)
                            .map(|rest| format!("{canon}.{rest}"));
                    }
                    _ => return Err(format!("`{}` is not a table", path[..=depth].join("."))),
                }
            }
            other => {
                return Err(format!(
                    "`{}` is {}, not a table: it has no field `{}`",
                    path[..=depth].join("."),
                    describe(other),
                    path[depth + 1]
                ));
            }
        };
    }
    Err("an override needs a field path".into())
}

fn describe(v: &Value) -> &'static str {
    match v {
        Value::String(_) => "a string",
        Value::Integer(_) => "an integer",
        Value::Float(_) => "a number",
        Value::Boolean(_) => "a boolean",
        Value::Datetime(_) => "a date",
        Value::Array(_) => "an array",
        Value::Table(_) => "a table",
    }
}

/// Parses one `--set path=v1,v2,...` into its path and values. Values are TOML values
/// (`3`, `0.5`, `true`, `"30s"`, `{ kind = "fixed", value = "1s" }`); a bare word that is not
/// one (`30s`) is taken as a string. Commas inside quotes, brackets and braces do not split.
pub fn parse_set(arg: &str) -> Result<(Vec<String>, Vec<Value>), String> {
    if let Some(c) = arg.chars().find(|c| c.is_control()) {
        return Err(format!(
            "--set {}: contains the control character {}; a --set is one line, \
             path=value[,value...], and its values cannot carry more TOML",
            super::error::clip(arg, super::error::QUOTE_MAX),
            c.escape_unicode()
        ));
    }
    let Some((path, values)) = arg.split_once('=') else {
        return Err(format!(
            "--set {arg}: expected path=value[,value...], e.g. strategy.terminal_timeout=10s,30s"
        ));
    };
    let path: Vec<String> = path
        .trim()
        .split('.')
        .map(|s| s.trim().to_owned())
        .collect();
    if path.iter().any(String::is_empty) {
        return Err(format!(
            "--set {arg}: the path `{}` has an empty segment; write it like \
             strategy.retry.attempts or channels.scheme.servers",
            path.join(".")
        ));
    }
    let mut out = vec![];
    for raw in split_top(values) {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(format!("--set {arg}: an empty value"));
        }
        out.push(set_value(raw).map_err(|m| format!("--set {}: {m}", path.join(".")))?);
    }
    if out.is_empty() {
        return Err(format!("--set {arg}: no values"));
    }
    Ok((path, out))
}

/// One value of a `--set`: a TOML value, or a bare word taken as a string. Exactly one value:
/// nothing after it may add keys.
fn set_value(raw: &str) -> Result<Value, String> {
    let shown = super::error::clip(raw, super::error::QUOTE_MAX);
    match format!("v = {raw}").parse::<toml::Table>() {
        Ok(mut t) if t.len() == 1 => t
            .remove("v")
            .ok_or_else(|| format!("`{shown}` is not one value")),
        Ok(_) => Err(format!(
            "`{shown}` is more than one value; give one TOML value per comma"
        )),
        Err(e) if raw.starts_with(['"', '\'', '[', '{']) => Err(format!(
            "`{shown}` is not a TOML value: {}",
            e.message().trim()
        )),
        Err(_) => Ok(Value::String(raw.to_owned())),
    }
}

/// Splits on commas outside quotes, brackets and braces.
fn split_top(s: &str) -> Vec<&str> {
    let (mut depth, mut quote, mut start, mut out) = (0i32, None, 0, vec![]);
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[' | '{') => depth += 1,
            (None, ']' | '}') => depth -= 1,
            (None, ',') if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

/// A value as the user would write it, for names of grid points (`30s`, `3`, `true`).
pub fn show(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRC: &str = r#"
name = "t"
[simulation]
runs = 2
traffic_window = "1h"
[[channels]]
id = "scheme"
servers = 4
[[channels]]
id = "third"
servers = 2
[[variant]]
name = "base"
[[variant]]
name = "big"
channels.third.servers = 9
strategy.terminal_timeout = "10s"
[[variant]]
name = "by-index"
channels.0.servers = 7
"#;

    #[test]
    fn variants_override_by_id_and_index() {
        let v = parse_variants(SRC, "t.toml", &Limits::default()).unwrap();
        assert_eq!(v.designs.len(), 3);
        let servers = |d: &Design| -> Vec<u32> {
            d.scenario
                .channels
                .iter()
                .map(|c| c.station.servers)
                .collect()
        };
        assert_eq!(servers(&v.designs[0]), vec![4, 2]);
        assert_eq!(servers(&v.designs[1]), vec![4, 9]);
        assert_eq!(servers(&v.designs[2]), vec![7, 2]);
        assert_eq!(
            v.designs[1].scenario.strategy.terminal_timeout,
            10 * crate::engine::SECOND
        );
    }

    #[test]
    fn an_unknown_entry_points_at_the_override() {
        let src = SRC.replace("channels.third.servers", "channels.thrid.servers");
        let e = parse_variants(&src, "t.toml", &Limits::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("t.toml:16:"), "{e}");
        assert!(e.contains("did you mean \"third\""), "{e}");
    }

    #[test]
    fn a_bad_value_points_at_the_override() {
        let src = SRC.replace("servers = 9", "servers = 0");
        let e = parse_variants(&src, "t.toml", &Limits::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("t.toml:16:"), "{e}");
        assert!(e.contains("channels[1].servers"), "{e}");
        assert!(e.contains("design \"big\""), "{e}");
    }

    #[test]
    fn set_values_split_outside_brackets() {
        let (p, v) = parse_set("a.b=1,2.5,\"x,y\",{ k = 1, j = 2 },30s").unwrap();
        assert_eq!(p, vec!["a", "b"]);
        assert_eq!(v.len(), 5);
        assert_eq!(v[0], Value::Integer(1));
        assert_eq!(v[2], Value::String("x,y".into()));
        assert_eq!(v[4], Value::String("30s".into()));
    }
}

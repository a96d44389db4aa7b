//! Errors in scenario files: where (file:line:column), which field, the bad value, and what is
//! accepted instead.

use std::fmt;
use std::ops::Range;
use std::path::PathBuf;

/// Why a scenario could not be used. Every variant is the user's input, never a bug; the CLI
/// maps all of them to exit code 2.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file is missing or unreadable.
    #[error("cannot read scenario file {}: {}", clip(&path.display().to_string(), QUOTE_MAX), clip(&source.to_string(), MESSAGE_MAX))]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The file was read but its content is not a valid scenario.
    #[error("{0}")]
    Invalid(Box<Diagnostic>),
}

/// One problem at one place in a scenario file.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    /// File name as given by the user (or `<built-in ...>`).
    pub file: String,
    /// 1-based line and column, when the problem has a place.
    pub location: Option<(usize, usize)>,
    /// Dotted path of the field, e.g. `network.links[0].latency` (empty for syntax errors).
    pub field: String,
    /// What is wrong and what would be accepted.
    pub message: String,
    /// The offending source line and the caret span within it.
    pub snippet: Option<(String, usize, usize)>,
}

impl Diagnostic {
    /// Builds a diagnostic, resolving a byte span in `source` to line:column and a snippet.
    pub fn new(
        file: &str,
        source: &str,
        span: Option<Range<usize>>,
        field: &str,
        message: &str,
    ) -> Self {
        let (location, snippet) = match span {
            Some(span) if span.start <= source.len() => {
                let start = floor_char_boundary(source, span.start);
                let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
                let line_no = source[..start].matches('\n').count() + 1;
                let line_end = source[start..]
                    .find('\n')
                    .map_or(source.len(), |i| start + i);
                let line = source[line_start..line_end].trim_end_matches('\r');
                let col = source[line_start..start].chars().count() + 1;
                let end = floor_char_boundary(source, span.end.clamp(start, line_end));
                let width = source[start..end].chars().count().max(1);
                (Some((line_no, col)), Some(window(line, col, width)))
            }
            _ => (None, None),
        };
        Diagnostic {
            file: file.to_owned(),
            location,
            field: field.to_owned(),
            message: message.to_owned(),
            snippet,
        }
    }

    pub fn into_error(self) -> ScenarioError {
        ScenarioError::Invalid(Box::new(self))
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Everything here may quote the file: escaped and clipped to stay on one screen.
        write!(f, "{}", clip(&self.file, QUOTE_MAX))?;
        if let Some((l, c)) = self.location {
            write!(f, ":{l}:{c}")?;
        }
        let message = clip_message(&self.message);
        if self.field.is_empty() {
            write!(f, ": {message}")?;
        } else {
            write!(f, ": field `{}`: {message}", clip(&self.field, QUOTE_MAX))?;
        }
        if let (Some((line, col, width)), Some((l, _))) = (&self.snippet, self.location) {
            let gutter = l.to_string().len();
            write!(
                f,
                "\n{:gutter$} |\n{l} | {line}\n{:gutter$} | {}{}",
                "",
                "",
                " ".repeat(col - 1),
                "^".repeat((*width).min(80))
            )?;
        }
        Ok(())
    }
}

/// Longest quoted value, field path or file name shown in a message, in characters.
pub const QUOTE_MAX: usize = 200;
/// Longest message shown (a few lines of a terminal), in characters.
pub const MESSAGE_MAX: usize = 1200;
/// Characters of a source line shown around the place of an error.
const SNIPPET_MAX: usize = 160;

/// Whether a character must not reach a terminal raw: control characters (escape sequences,
/// carriage returns, bells, newlines inside one-line text) and the bidirectional controls
/// that reorder what is shown.
fn hostile(c: char) -> bool {
    (c.is_control() && c != '\t')
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// One character as shown: itself, or escaped like `\u{1b}`.
fn shown(c: char) -> String {
    if hostile(c) {
        c.escape_unicode().to_string()
    } else {
        c.to_string()
    }
}

/// `s` with hostile characters escaped (`\u{1b}`) and cut to `max` characters with an
/// ellipsis: safe to echo to a terminal, on one screen.
pub fn clip(s: &str, max: usize) -> String {
    let mut out = String::new();
    for (n, c) in s.chars().enumerate() {
        if n >= max {
            out.push('…');
            break;
        }
        out.push_str(&shown(c));
    }
    out
}

/// A message with every quoted part (in `"` or `` ` ``) clipped to [`QUOTE_MAX`], the
/// whole to [`MESSAGE_MAX`], and hostile characters escaped.
pub fn clip_message(msg: &str) -> String {
    let mut out = String::new();
    let mut quote: Option<char> = None;
    let mut inside = 0usize;
    for c in msg.chars() {
        if out.chars().count() >= MESSAGE_MAX {
            out.push('…');
            break;
        }
        match quote {
            Some(q) if c == q => {
                quote = None;
                out.push(c);
            }
            Some(_) => {
                inside += 1;
                if inside <= QUOTE_MAX {
                    out.push_str(&shown(c));
                } else if inside == QUOTE_MAX + 1 {
                    out.push('…');
                }
            }
            None => {
                if matches!(c, '"' | '`') {
                    quote = Some(c);
                    inside = 0;
                }
                out.push_str(&shown(c));
            }
        }
    }
    out
}

/// The part of a source line shown under an error: at most [`SNIPPET_MAX`] characters around
/// the column, hostile characters escaped, with the caret's column and width in that text.
fn window(line: &str, col: usize, width: usize) -> (String, usize, usize) {
    let chars: Vec<char> = line.chars().collect();
    let at = col.saturating_sub(1).min(chars.len());
    let start = if chars.len() <= SNIPPET_MAX {
        0
    } else {
        at.saturating_sub(SNIPPET_MAX / 3)
    };
    let end = (start + SNIPPET_MAX).min(chars.len());
    let mut text = String::new();
    if start > 0 {
        text.push('…');
    }
    let (mut caret, mut caret_end) = (None, None);
    for (i, c) in chars[start..end].iter().enumerate() {
        if start + i == at {
            caret = Some(text.chars().count());
        }
        if start + i == at + width {
            caret_end = Some(text.chars().count());
        }
        text.push_str(&shown(*c));
    }
    let caret = caret.unwrap_or(text.chars().count());
    let caret_end = caret_end.unwrap_or(text.chars().count());
    if end < chars.len() {
        text.push('…');
    }
    (text, caret + 1, caret_end.saturating_sub(caret).max(1))
}

/// ` (did you mean "x"?)` when `word` is close to one of `candidates`, else empty.
pub fn did_you_mean(word: &str, candidates: &[&str]) -> String {
    did_you_mean_in(crate::i18n::Lang::En, word, candidates)
}

/// [`did_you_mean`] in `lang`, for the messages of the layers that know the language.
pub fn did_you_mean_in(lang: crate::i18n::Lang, word: &str, candidates: &[&str]) -> String {
    candidates
        .iter()
        .map(|c| (strsim::jaro_winkler(word, c), *c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| crate::tr!(lang, "cli.did_you_mean", word = c))
        .unwrap_or_default()
}

/// Adds a did-you-mean hint to serde's "unknown field `x`, expected one of `a`, `b`" message,
/// and to its "unknown variant `x`, expected `a` or `b`" (a value outside a fixed set).
pub fn enrich_serde_message(msg: &str) -> String {
    let Some((what, rest)) = ["unknown field `", "unknown variant `"]
        .into_iter()
        .find_map(|p| msg.strip_prefix(p).map(|r| (p, r)))
    else {
        return plain_types(msg);
    };
    let Some((word, tail)) = rest.split_once('`') else {
        return msg.to_owned();
    };
    let candidates: Vec<&str> = tail.split('`').skip(1).step_by(2).collect();
    format!("{what}{word}`{}{}", did_you_mean(word, &candidates), tail)
}

/// Replaces Rust type names in serde's messages with words a scenario author knows.
fn plain_types(msg: &str) -> String {
    let mut m = msg.replace(" as i128", "");
    for (rust, plain) in [
        ("expected u64", "expected a whole number (0 or more)"),
        ("expected u32", "expected a whole number (0 or more)"),
        ("expected i64", "expected a whole number"),
        ("expected f64", "expected a number"),
        ("expected a boolean", "expected true or false"),
        ("expected a sequence", "expected an array such as [1, 2]"),
        ("expected a map", "expected a table"),
    ] {
        m = m.replace(rust, plain);
    }
    m
}

/// Makes the TOML reader's syntax messages say what is wrong where they are terse.
pub fn enrich_syntax_message(msg: &str, src: &str, span: Option<std::ops::Range<usize>>) -> String {
    let at = span
        .as_ref()
        .and_then(|s| src.get(s.clone()))
        .unwrap_or("")
        .trim();
    if msg.contains("duplicate") {
        let what = if at.is_empty() {
            String::new()
        } else {
            format!(" `{at}`")
        };
        return format!(
            "{msg}{what}: each key may be set once per table, and each [table] header may appear \
             once"
        );
    }
    if let Some(s) = &span {
        let line_start = src[..s.start.min(src.len())]
            .rfind('\n')
            .map_or(0, |i| i + 1);
        let before = &src[line_start..s.start.min(src.len())];
        let rest_of_line = src[s.start.min(src.len())..]
            .split('\n')
            .next()
            .unwrap_or("");
        if before.trim_end().ends_with('=')
            && (rest_of_line.trim().is_empty() || rest_of_line.trim_start().starts_with('#'))
        {
            return "a value is missing after `=`".into();
        }
    }
    msg.to_owned()
}

/// The span of the line with the most nesting characters (`.`, `[`, `{`), for errors that the
/// TOML reader reports without a place.
pub fn deepest_line(src: &str) -> Option<std::ops::Range<usize>> {
    let mut best: Option<(usize, std::ops::Range<usize>)> = None;
    let mut start = 0;
    for line in src.split_inclusive('\n') {
        let depth = line
            .bytes()
            .filter(|b| matches!(b, b'.' | b'[' | b'{'))
            .count();
        if best.as_ref().is_none_or(|(d, _)| depth > *d) {
            best = Some((depth, start..start + line.trim_end().len().max(1)));
        }
        start += line.len();
    }
    best.map(|(_, r)| r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_location_and_snippet() {
        let src = "name = \"x\"\n[gateway]\nservers = -1\n";
        let at = src.find("-1").unwrap();
        let d = Diagnostic::new(
            "s.toml",
            src,
            Some(at..at + 2),
            "gateway.servers",
            "must be at least 1",
        );
        assert_eq!(d.location, Some((3, 11)));
        let text = d.to_string();
        assert!(
            text.starts_with("s.toml:3:11: field `gateway.servers`: must be at least 1"),
            "{text}"
        );
        assert!(
            text.contains("3 | servers = -1\n  |           ^^"),
            "{text}"
        );
    }

    #[test]
    fn long_values_are_cut_and_control_characters_escaped() {
        let long = "y".repeat(10_000);
        let m = clip_message(&format!("bad value \"{long}\", expected `a` or `b`"));
        assert!(m.len() < 400, "{m}");
        assert!(m.ends_with("…\", expected `a` or `b`"), "{m}");
        assert_eq!(clip("a\u{1b}[2J\u{202e}b", 80), "a\\u{1b}[2J\\u{202e}b");
        assert_eq!(clip("abcdef", 3), "abc…");
        // A caret at the end of a long line: the line is shown around it, and the caret
        // still points at the character.
        let line = format!("{long}\u{7}z");
        let (text, col, width) = window(&line, 10_001, 1);
        assert!(
            text.starts_with('…') && text.chars().count() < 200,
            "{text}"
        );
        let at: String = text.chars().skip(col - 1).take(width).collect();
        assert_eq!(at, "\\u{7}");
    }

    #[test]
    fn suggests_close_names() {
        assert_eq!(
            did_you_mean("latncy", &["latency", "loss"]),
            " (did you mean \"latency\"?)"
        );
        assert_eq!(did_you_mean("zzz", &["latency", "loss"]), "");
        let m = enrich_serde_message("unknown field `serverz`, expected `servers` or `service`");
        assert!(m.contains("did you mean \"servers\""), "{m}");
        let m = enrich_serde_message("unknown variant `sngle`, expected `dual` or `single`");
        assert_eq!(
            m,
            "unknown variant `sngle` (did you mean \"single\"?), expected `dual` or `single`"
        );
    }
}

//! `payfault list`: the built-in scenario library, each with its description and the causes
//! it demonstrates.

use super::Failure;
use crate::i18n::Lang;
use crate::scenario::library;
use crate::tr;
use clap::Args;

#[derive(Args, Debug)]
pub(super) struct ListArgs {
    #[command(flatten)]
    print: super::args::Print,
}

pub(super) fn list_cmd(a: ListArgs) -> Result<(), Failure> {
    let entries = library::entries();
    if a.print.json {
        let text =
            serde_json::to_string_pretty(&entries).map_err(|e| Failure::Runtime(e.to_string()))?;
        println!("{text}");
        return Ok(());
    }
    print!("{}", text(&entries, a.print.lang));
    Ok(())
}

/// The list for people: a name per scenario, what it demonstrates, its description wrapped.
pub fn text(entries: &[library::Entry], lang: Lang) -> String {
    let mut out = tr!(lang, "list.header", count = entries.len()) + "\n";
    for e in entries {
        out.push('\n');
        let what = if e.demonstrates.is_empty() {
            tr!(lang, "list.calendar").to_owned()
        } else {
            format!(
                "{}: {}",
                tr!(lang, "list.demonstrates"),
                e.demonstrates.join(", ")
            )
        };
        out.push_str(&format!("{:<20} {what}\n", e.name));
        if !e.designs.is_empty() {
            out.push_str(&format!(
                "{:<20} {}: {}\n",
                "",
                tr!(lang, "list.designs"),
                e.designs.join(", ")
            ));
        }
        for line in wrap(&e.description, 70) {
            out.push_str(&format!("{:<20} {line}\n", ""));
        }
    }
    out
}

/// Splits `text` into lines of at most `width` characters at spaces.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![];
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_scenario_is_listed_with_what_it_demonstrates() {
        let entries = library::entries();
        let t = text(&entries, Lang::En);
        for e in &entries {
            assert!(
                t.contains(&format!("\n{:<20} ", e.name)),
                "{} missing",
                e.name
            );
        }
        assert!(t.contains("demonstrates: scheme-outage"));
        assert!(text(&entries, Lang::Zh).contains("演示的原因"));
    }

    #[test]
    fn wrapping_keeps_words_whole() {
        assert_eq!(wrap("aa bb cc", 5), vec!["aa bb", "cc"]);
        assert_eq!(wrap("", 5), Vec::<String>::new());
    }
}

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

impl ListArgs {
    /// The language of what the command prints (`--lang`).
    pub(super) fn lang(&self) -> crate::i18n::Lang {
        self.print.lang
    }
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
            let causes: Vec<String> = e.demonstrates.iter().map(|c| cause(lang, c)).collect();
            format!("{}: {}", tr!(lang, "list.demonstrates"), causes.join(", "))
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
        for line in wrap(e.description_in(lang), 70) {
            out.push_str(&format!("{:<20} {line}\n", ""));
        }
    }
    out
}

/// A demonstrated cause: its id, in Chinese after a fixed cause's short name (a fault's id
/// is the scenario's own name for it).
fn cause(lang: Lang, id: &str) -> String {
    let key = format!("chart.cause.{id}");
    if lang == Lang::En || !lang.has(&key) {
        return id.to_owned();
    }
    format!("{}（{id}）", lang.get(&key))
}

/// Splits `text` into lines of at most `width` display columns: at spaces, and between two
/// Chinese characters (a closing punctuation mark stays with the character before it).
fn wrap(text: &str, width: usize) -> Vec<String> {
    use crate::report::console::display_width;
    // Units to place: (a space before it, its text).
    let mut units: Vec<(bool, String)> = vec![];
    let mut space = false;
    for c in text.chars() {
        let wide = display_width(c.encode_utf8(&mut [0; 4])) == 2;
        let last_wide = units.last().is_some_and(|(_, u)| {
            u.chars()
                .last()
                .is_some_and(|l| display_width(&l.to_string()) == 2)
        });
        match units.last_mut() {
            _ if c.is_whitespace() => {
                space = true;
                continue;
            }
            Some((_, u)) if !space && "，。；：、）”！？".contains(c) => u.push(c),
            Some((_, u)) if !space && !wide && !last_wide => u.push(c),
            _ => units.push((space, c.to_string())),
        }
        space = false;
    }
    let mut lines = vec![];
    let mut line = String::new();
    for (space, u) in units {
        let sep = usize::from(space && !line.is_empty());
        if !line.is_empty() && display_width(&line) + sep + display_width(&u) > width {
            lines.push(std::mem::take(&mut line));
        } else if sep == 1 {
            line.push(' ');
        }
        line.push_str(&u);
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
        // Chinese breaks between characters, by display width, punctuation kept with its
        // character; a number stays whole.
        assert_eq!(
            wrap("商户每 200 笔撤销，退货", 10),
            vec!["商户每 200", "笔撤销，退", "货"]
        );
    }
}

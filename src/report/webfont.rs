//! The Chinese report's own font: `report.html` in Chinese carries, as an `@font-face` with a
//! `data:` URL, the compiled-in CJK font ([`super::charts::CJK_FONT`]) cut down to the glyphs of
//! the characters its page uses (its text and its inline charts' text), so the page shows
//! Chinese on a machine without a Chinese font instead of boxes. The English page needs no font
//! of its own and embeds nothing.
//!
//! The cut is made with `allsorts` (its subsetter keeps a Unicode `cmap`, which a browser needs
//! to find a character's glyph) and is deterministic: the same characters give the same bytes.

use super::charts::CJK_FONT;
use crate::i18n::Lang;
use base64::Engine;
use std::collections::BTreeSet;

/// The family name of the embedded face: no system font has it, so text set in it is drawn
/// with the page's own font or not at all.
pub const FAMILY: &str = "payfault-cjk";

/// The CSS to add to the page's style sheet for `lang`: nothing for English; for Chinese the
/// `@font-face` of the embedded font cut to the characters of `page_text` (any text that
/// contains the page's: the page's HTML itself will do, markup being ASCII), and the rules that
/// put it first in the page's font families. Empty if the font cannot be cut (it is compiled
/// in, and a test cuts it).
pub fn font_face_css(lang: Lang, page_text: &str) -> String {
    if lang == Lang::En {
        return String::new();
    }
    let Some(font) = subset(&characters(page_text)) else {
        return String::new();
    };
    let data = base64::engine::general_purpose::STANDARD.encode(font);
    format!(
        "\n@font-face{{font-family:'{FAMILY}';src:url(data:font/otf;base64,{data}) \
         format('opentype')}}\nbody{{font-family:'{FAMILY}','Noto Sans CJK SC',\
         'Source Han Sans SC','Microsoft YaHei',sans-serif}}\n\
         pre,code{{font-family:'DejaVu Sans Mono',monospace,'{FAMILY}'}}\n"
    )
}

/// The characters of `text`, with those its numeric character references (`&#20013;`,
/// `&#x4E2D;`) stand for.
pub fn characters(text: &str) -> BTreeSet<char> {
    let mut set: BTreeSet<char> = text.chars().filter(|c| !c.is_control()).collect();
    for reference in text.split("&#").skip(1) {
        let Some((num, _)) = reference.split_once(';') else {
            continue;
        };
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok(),
            None => num.parse().ok(),
        };
        set.extend(code.and_then(char::from_u32).filter(|c| !c.is_control()));
    }
    set
}

/// The embedded CJK font cut to the glyphs of `chars` (those it has) and `.notdef`: an
/// OpenType (CFF) font with a Unicode `cmap`. `None` if the font does not parse or cut.
pub fn subset(chars: &BTreeSet<char>) -> Option<Vec<u8>> {
    use allsorts::binary::read::ReadScope;
    use allsorts::subset::{CmapTarget, SubsetProfile};
    let face = ttf_parser::Face::parse(CJK_FONT, 0).ok()?;
    let glyphs: BTreeSet<u16> = std::iter::once(0)
        .chain(
            chars
                .iter()
                .filter_map(|&c| face.glyph_index(c))
                .map(|g| g.0),
        )
        .collect();
    let glyphs: Vec<u16> = glyphs.into_iter().collect();
    let font = ReadScope::new(CJK_FONT)
        .read::<allsorts::tables::OpenTypeFont>()
        .ok()?;
    let provider = font.table_provider(0).ok()?;
    allsorts::subset::subset(
        &provider,
        &glyphs,
        &SubsetProfile::Minimal,
        CmapTarget::Unicode,
    )
    .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_embeds_nothing() {
        assert_eq!(font_face_css(Lang::En, "报告 report"), "");
    }

    #[test]
    fn references_count_as_their_characters() {
        let set = characters("a&#20013;b&#x6587;&#xZZ;&#;&#1");
        assert!(set.contains(&'中') && set.contains(&'文'), "{set:?}");
    }

    #[test]
    fn the_cut_font_maps_every_character_it_was_cut_for_and_is_deterministic() {
        let text = "支付报告：outage 1,234.5 （钱）——结算";
        let chars = characters(text);
        let font = subset(&chars).expect("the embedded font cuts");
        assert_eq!(subset(&chars).as_deref(), Some(&font[..]), "deterministic");
        let face = ttf_parser::Face::parse(&font, 0).expect("the cut font parses");
        assert!(face.tables().cmap.is_some(), "a cmap for browsers");
        for c in chars {
            let g = face.glyph_index(c);
            assert!(g.is_some_and(|g| g.0 != 0), "{c:?} has no glyph");
            let outline = face.glyph_bounding_box(g.unwrap());
            assert!(c == ' ' || outline.is_some(), "{c:?} has no outline");
        }
        // A few glyphs, not the whole font.
        assert!(font.len() < CJK_FONT.len() / 50, "{} bytes", font.len());
        let css = font_face_css(Lang::Zh, text);
        assert!(
            css.contains("@font-face{font-family:'payfault-cjk';src:url(data:font/otf;base64,")
        );
        assert_eq!(css, font_face_css(Lang::Zh, text));
    }
}

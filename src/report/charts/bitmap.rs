//! The PNG's drawing surface: plotters' bitmap backend, with text drawn glyph by glyph at its
//! place. plotters 0.3.7 draws each glyph's ink where the pen stands, dropping the glyph's
//! left side bearing; a full-width opening bracket, whose ink sits on the right of its em box,
//! then lands on the left and leaves a gap after it: `资金（第 0 次运行）` read as
//! `资金(  第 0 次运行)`. Here each glyph's ink starts at the pen plus its bearing, as in the
//! SVG (a browser lays it out); everything else is the bitmap backend's own drawing.

use ab_glyph::{Font, FontRef, ScaleFont};
use plotters::prelude::BitMapBackend;
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind,
    FontFamily,
};

/// The bitmap backend with glyphs at their place.
pub struct Bitmap<'a>(pub BitMapBackend<'a>);

type Error<'a> = DrawingErrorKind<<BitMapBackend<'a> as DrawingBackend>::ErrorType>;

/// The embedded font of a family name of `super` (none for another family).
fn font(family: FontFamily) -> Option<FontRef<'static>> {
    let bytes = match family {
        FontFamily::Name(n) if n == super::LATIN => super::LATIN_FONT,
        FontFamily::Name(n) if n == super::CJK => super::CJK_FONT,
        _ => return None,
    };
    FontRef::try_from_slice(bytes).ok()
}

impl<'a> DrawingBackend for Bitmap<'a> {
    type ErrorType = <BitMapBackend<'a> as DrawingBackend>::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.0.get_size()
    }
    fn ensure_prepared(&mut self) -> Result<(), Error<'a>> {
        self.0.ensure_prepared()
    }
    fn present(&mut self) -> Result<(), Error<'a>> {
        self.0.present()
    }
    fn draw_pixel(&mut self, p: BackendCoord, c: BackendColor) -> Result<(), Error<'a>> {
        self.0.draw_pixel(p, c)
    }
    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), Error<'a>> {
        self.0.draw_line(from, to, style)
    }
    fn draw_rect<S: BackendStyle>(
        &mut self,
        a: BackendCoord,
        b: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), Error<'a>> {
        self.0.draw_rect(a, b, style, fill)
    }
    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        (w, h): (u32, u32),
        src: &[u8],
    ) -> Result<(), Error<'a>> {
        self.0.blit_bitmap(pos, (w, h), src)
    }

    /// plotters' own text drawing (anchor, rotation, colour), with each glyph's ink placed at
    /// the pen plus the glyph's left side bearing.
    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> Result<(), Error<'a>> {
        let color = style.color();
        let Some(f) = font(style.family()) else {
            return self.0.draw_text(text, style, pos);
        };
        if color.alpha == 0.0 {
            return Ok(());
        }
        let ((min_x, min_y), (max_x, max_y)) = style
            .layout_box(text)
            .map_err(|e| DrawingErrorKind::FontError(Box::new(e)))?;
        let dx = match style.anchor().h_pos {
            HPos::Left => 0,
            HPos::Right => -(max_x - min_x),
            HPos::Center => -(max_x - min_x) / 2,
        };
        let dy = match style.anchor().v_pos {
            VPos::Top => 0,
            VPos::Center => -(max_y - min_y) / 2,
            VPos::Bottom => -(max_y - min_y),
        };
        let trans = style.transform();
        let (w, h) = self.get_size();
        let size = style.size() as f32;
        let scaled = f.as_scaled(size);
        let mut pen = 0f32;
        let mut prev = None;
        for c in text.chars() {
            let id = scaled.glyph_id(c);
            if let Some(p) = prev {
                pen += scaled.kern(p, id);
            }
            prev = Some(id);
            if let Some(q) = scaled.outline_glyph(scaled.scaled_glyph(c)) {
                let rect = q.px_bounds();
                let x0 = (pen + rect.min.x) as i32;
                let y0 = (size / 2.0 + rect.min.y) as i32;
                let mut ink = vec![];
                q.draw(|x, y, a| ink.push((x as i32 + x0, y as i32 + y0, a)));
                for (x, y, a) in ink {
                    let (x, y) = trans.transform(x + dx - min_x, y + dy - min_y);
                    let (x, y) = (pos.0 + x, pos.1 + y);
                    if x >= 0 && x < w as i32 && y >= 0 && y < h as i32 {
                        self.0.draw_pixel((x, y), color.mix(a as f64))?;
                    }
                }
            }
            pen += scaled.h_advance(id);
        }
        Ok(())
    }
}

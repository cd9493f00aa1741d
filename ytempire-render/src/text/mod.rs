//! Text on the CPU: shaping, wrapping and rasterising with cosmic-text and the bundled DejaVu
//! Sans font, into premultiplied RGBA overlays (fill, outline stroke, background box).
//!
//! Both compositors draw these overlays, so CPU and GPU text is pixel-identical. DejaVu covers
//! Latin, Greek, Cyrillic, Arabic, Hebrew, Armenian and Georgian; complex scripts are shaped
//! by harfrust (via cosmic-text). No system font is needed for those.
//!
//! Other scripts (Chinese, Japanese, Korean, Thai, …) fall back to the machine's installed
//! fonts, found once per process (`scripts/setup.sh` installs `fonts-droid-fallback`, which
//! covers CJK). Text with a character no font covers is refused with a typed error naming the
//! character, rather than published as empty boxes.

mod overlays;

pub(crate) use overlays::{OverlayKey, OverlayStore};

use std::sync::atomic::{AtomicU64, Ordering};

use cosmic_text::{
    Align, Attrs, Buffer, Color as CtColor, Family, FontSystem, Metrics, Shaping, SwashCache,
    Weight, Wrap, fontdb,
};
use ytempire_core::{Error, Result};

use crate::scene::Color;

/// A premultiplied RGBA8 image drawn over the frame at an integer position.
#[derive(Clone, PartialEq, Eq)]
pub struct Overlay {
    /// Unique id (GPU texture cache key).
    pub id: u64,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Premultiplied RGBA8, tightly packed.
    pub rgba: Vec<u8>,
}

impl std::fmt::Debug for Overlay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Overlay")
            .field("id", &self.id)
            .field("width", &self.width)
            .field("height", &self.height)
            .finish_non_exhaustive()
    }
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

impl Overlay {
    /// Wrap premultiplied pixels, assigning a fresh id.
    pub fn new(width: u32, height: u32, rgba: Vec<u8>) -> Self {
        Self {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            width,
            height,
            rgba,
        }
    }
}

/// How to draw a block of text.
#[derive(Debug, Clone, PartialEq)]
pub struct TextBlock<'a> {
    /// Runs of text with their fill colours.
    pub spans: &'a [(&'a str, Color)],
    /// Font size in pixels.
    pub font_px: f32,
    /// Smallest font size tried before giving up.
    pub min_font_px: f32,
    /// Outline width in pixels (0 for none).
    pub stroke_px: f32,
    /// Outline colour.
    pub stroke: Color,
    /// Box behind the text (alpha 0 for none).
    pub box_color: Color,
    /// Padding inside the box, pixels.
    pub padding_px: f32,
    /// Largest overlay size allowed `(width, height)`.
    pub max_size: (u32, u32),
    /// Centre lines (else left-align).
    pub centered: bool,
}

impl<'a> TextBlock<'a> {
    /// A key phrase over a `width` × `height` picture: bold white with a dark outline, at
    /// most 70 % of the width and 40 % of the height (the procedural pictures' key phrase,
    /// and the compositor's animated headline, which must lay out the same).
    pub(crate) fn headline(spans: &'a [(&'a str, Color)], width: u32, height: u32) -> Self {
        let (wf, hf) = (width as f32, height as f32);
        TextBlock {
            spans,
            font_px: hf / 9.0,
            min_font_px: (hf / 40.0).max(8.0),
            stroke_px: (hf / 200.0).max(1.0),
            stroke: Color::rgba(10, 10, 20, 220),
            box_color: Color::rgba(0, 0, 0, 0),
            padding_px: 0.0,
            max_size: ((wf * 0.7) as u32, (hf * 0.4) as u32),
            centered: true,
        }
    }
}

/// Where a headline overlay of `size` sits on a `width` × `height` frame: centred, its
/// middle at 42 % of the height.
pub(crate) fn headline_origin(size: (u32, u32), width: u32, height: u32) -> (u32, u32) {
    let x0 = width.saturating_sub(size.0) / 2;
    let y0 = ((height as f32 * 0.42 - size.1 as f32 / 2.0).max(0.0) as u32)
        .min(height.saturating_sub(size.1));
    (x0, y0)
}

/// Shapes and rasterises text with the bundled font.
pub struct TextRenderer {
    fonts: FontSystem,
    cache: SwashCache,
}

impl std::fmt::Debug for TextRenderer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TextRenderer").finish_non_exhaustive()
    }
}

impl Default for TextRenderer {
    fn default() -> Self {
        Self::new()
    }
}

impl TextRenderer {
    /// A renderer with DejaVu Sans (regular and bold) first and the system's fonts as
    /// fallbacks for characters DejaVu lacks.
    pub fn new() -> Self {
        static BASE: std::sync::OnceLock<fontdb::Database> = std::sync::OnceLock::new();
        let db = BASE
            .get_or_init(|| {
                let mut db = fontdb::Database::new();
                db.load_system_fonts();
                db.load_font_data(dejavu::sans::bold().to_vec());
                db.load_font_data(dejavu::sans::regular().to_vec());
                db.set_sans_serif_family("DejaVu Sans");
                db
            })
            .clone();
        Self {
            fonts: FontSystem::new_with_locale_and_db("en-US".to_owned(), db),
            cache: SwashCache::new(),
        }
    }

    /// Characters of a shaped buffer that no loaded font can draw (the `.notdef` glyph).
    fn missing_glyphs(buf: &Buffer) -> Vec<char> {
        let mut missing = Vec::new();
        for run in buf.layout_runs() {
            for g in run.glyphs.iter().filter(|g| g.glyph_id == 0) {
                for c in run.text.get(g.start..g.end).unwrap_or("").chars() {
                    if !c.is_whitespace() && !c.is_control() && !missing.contains(&c) {
                        missing.push(c);
                    }
                }
            }
        }
        missing
    }

    /// Lay out and rasterise `block`, shrinking the font down to `min_font_px` if needed.
    ///
    /// # Errors
    /// `InvalidRequest` when the text cannot fit in `max_size` even at the smallest size,
    /// when it has nothing to draw, or when it has characters no installed font covers.
    pub fn render(&mut self, block: &TextBlock<'_>) -> Result<Overlay> {
        if block.spans.iter().all(|(s, _)| s.trim().is_empty()) {
            return Err(Error::invalid_request("text is empty"));
        }
        let mut size = block.font_px.max(1.0);
        let mut check_glyphs = true;
        loop {
            if let Some(ov) = self.try_render(block, size, std::mem::take(&mut check_glyphs))? {
                return Ok(ov);
            }
            if size <= block.min_font_px.max(1.0) {
                let text: String = block.spans.iter().map(|(s, _)| *s).collect();
                return Err(Error::invalid_request(format!(
                    "text {text:?} cannot fit in {}x{} pixels even at {size:.0} px",
                    block.max_size.0, block.max_size.1
                )));
            }
            size = (size * 0.85).max(block.min_font_px.max(1.0));
        }
    }

    /// One layout at `size`: `None` when it does not fit. With `check_glyphs`, characters no
    /// font covers are a typed error (the glyph coverage is the same at every size).
    fn try_render(
        &mut self,
        block: &TextBlock<'_>,
        size: f32,
        check_glyphs: bool,
    ) -> Result<Option<Overlay>> {
        let stroke = block.stroke_px.max(0.0).round() as i32;
        let pad = block.padding_px.max(0.0).round() as i32;
        let margin = stroke + pad;
        let avail_w = block.max_size.0 as i32 - 2 * margin;
        let avail_h = block.max_size.1 as i32 - 2 * margin;
        if avail_w < 1 || avail_h < 1 {
            return Ok(None);
        }
        let metrics = Metrics::new(size, (size * 1.2).ceil());
        let mut buf = Buffer::new(&mut self.fonts, metrics);
        buf.set_wrap(Wrap::WordOrGlyph);
        let attrs = Attrs::new()
            .family(Family::Name("DejaVu Sans"))
            .weight(Weight::BOLD);
        // cosmic-text hands glyph pixels over with the coverage as alpha, dropping the
        // span colour's own: a translucent span is drawn in a stand-in colour no opaque span
        // uses, and translated back (colour and alpha) when its pixels come.
        let mut translucent: Vec<([u8; 3], [u8; 4])> = Vec::new();
        let spans: Vec<(&str, Attrs<'_>)> = block
            .spans
            .iter()
            .map(|(s, c)| {
                let [r, g, b, a] = c.0;
                let [r, g, b] = if a == 255 {
                    [r, g, b]
                } else {
                    let stand_in = (1u8..=255)
                        .map(|k| [k, 255 - k, k / 2])
                        .find(|k| {
                            !block
                                .spans
                                .iter()
                                .any(|(_, c)| c.0[..3] == k[..] && c.0[3] == 255)
                                && !translucent.iter().any(|(t, _)| t == k)
                        })
                        .unwrap_or([r, g, b]);
                    translucent.push((stand_in, c.0));
                    stand_in
                };
                (*s, attrs.clone().color(CtColor::rgba(r, g, b, 255)))
            })
            .collect();
        let align = if block.centered {
            Align::Center
        } else {
            Align::Left
        };
        buf.set_size(Some(avail_w as f32), None);
        buf.set_rich_text(spans.clone(), &attrs, Shaping::Advanced, Some(align));
        buf.shape_until_scroll(&mut self.fonts, false);
        if check_glyphs {
            let missing = Self::missing_glyphs(&buf);
            if !missing.is_empty() {
                let all: String = block.spans.iter().map(|(s, _)| *s).collect();
                let list: Vec<String> = missing
                    .iter()
                    .take(5)
                    .map(|c| format!("{c:?} (U+{:04X})", u32::from(*c)))
                    .collect();
                return Err(Error::invalid_request(format!(
                    "no installed font can draw {} in {all:?}: install a font that covers them \
                     (Debian/Ubuntu: fonts-droid-fallback or fonts-noto-cjk for Chinese, \
                     Japanese and Korean, fonts-tlwg-loma-otf for Thai, fonts-noto-core for \
                     most other scripts; scripts/setup.sh installs fonts-droid-fallback and \
                     fonts-tlwg-loma-otf)",
                    list.join(", ")
                )));
            }
        }
        let (mut text_w, mut text_h) = (0.0f32, 0.0f32);
        for run in buf.layout_runs() {
            text_w = text_w.max(run.line_w);
            text_h = text_h.max(run.line_top + run.line_height);
        }
        if text_w > avail_w as f32 + 0.5 || text_h > avail_h as f32 || text_w <= 0.0 {
            return Ok(None);
        }
        // Re-layout at the tight width so centring is relative to the block itself.
        let tight = (text_w.ceil() + 1.0).min(avail_w as f32);
        buf.set_size(Some(tight), None);
        buf.set_rich_text(spans, &attrs, Shaping::Advanced, Some(align));
        buf.shape_until_scroll(&mut self.fonts, false);
        let w = (tight as i32 + 2 * margin) as u32;
        let h = (text_h.ceil() as i32 + 2 * margin) as u32;
        let (wu, hu) = (w as usize, h as usize);
        let mut fill = vec![0u8; wu * hu * 4];
        let mut cover = vec![0u8; wu * hu];
        buf.draw(
            &mut self.fonts,
            &mut self.cache,
            CtColor::rgb(255, 255, 255),
            |x, y, gw, gh, color| {
                let [mut r, mut g, mut b, mut a] = color.as_rgba();
                if let Some((_, real)) = translucent.iter().find(|(k, _)| *k == [r, g, b]) {
                    [r, g, b] = [real[0], real[1], real[2]];
                    a = mul255(a, real[3]);
                }
                if a == 0 {
                    return;
                }
                for yy in y..y + gh as i32 {
                    for xx in x..x + gw as i32 {
                        let (px, py) = (xx + margin, yy + margin);
                        if px < 0 || py < 0 || px >= w as i32 || py >= h as i32 {
                            continue;
                        }
                        let i = py as usize * wu + px as usize;
                        cover[i] = cover[i].max(a);
                        over(
                            &mut fill[i * 4..i * 4 + 4],
                            Color::rgba(r, g, b, a).premultiplied(),
                        );
                    }
                }
            },
        );
        let stroke_cover = if stroke > 0 {
            dilate(&cover, wu, hu, stroke)
        } else {
            Vec::new()
        };
        let box_px = block.box_color.premultiplied();
        let stroke_px = block.stroke.premultiplied();
        let mut out = vec![0u8; wu * hu * 4];
        for (i, (px, f)) in out
            .chunks_exact_mut(4)
            .zip(fill.chunks_exact(4))
            .enumerate()
        {
            px.copy_from_slice(&box_px);
            let s = stroke_cover.get(i).copied().unwrap_or(0);
            // Most of a block is neither glyph nor outline (premultiplied: alpha 0 is 0).
            if s == 0 && f[3] == 0 {
                continue;
            }
            if s > 0 {
                over(px, stroke_px.map(|c| mul255(c, s)));
            }
            over(px, [f[0], f[1], f[2], f[3]]);
        }
        Ok(Some(Overlay::new(w, h, out)))
    }
}

/// `a * b / 255`, rounded.
pub(crate) fn mul255(a: u8, b: u8) -> u8 {
    let x = u32::from(a) * u32::from(b) + 128;
    ((x + (x >> 8)) >> 8) as u8
}

/// Premultiplied source-over of `src` onto `dst`.
fn over(dst: &mut [u8], src: [u8; 4]) {
    let inv = 255 - src[3];
    for (d, s) in dst.iter_mut().zip(src) {
        *d = s.saturating_add(mul255(*d, inv));
    }
}

/// Half-widths of a disk of radius `r`, one per row offset `-r..=r`.
fn disk_spans(r: i32) -> impl Iterator<Item = (i32, usize)> {
    (-r..=r).map(move |dy| {
        let hw = (((r * r - dy * dy) as f32).sqrt()).round() as usize;
        (dy, hw)
    })
}

/// Grey-level dilation with a disk of radius `r` (the stroke's coverage).
///
/// Separable: each row's running maximum over `x − k ..= x + k` (clamped at the edges) is
/// built for `k = 1, 2, …` from the one before, three bytes at a time; each output row is
/// then the maximum of the rows within the disk's height, each at its half-width. Every step
/// is a plain loop over row slices, which the compiler vectorises.
fn dilate(src: &[u8], w: usize, h: usize, r: i32) -> Vec<u8> {
    let spans: Vec<(i32, usize)> = disk_spans(r).collect();
    let widest = spans.iter().map(|s| s.1).max().unwrap_or(0);
    let mut widened: Vec<Vec<u8>> = vec![src.to_vec()];
    for _ in 0..widest {
        let prev = widened.last().map_or(&[][..], |v| v.as_slice());
        let mut next = vec![0u8; w * h];
        for (p, n) in prev.chunks_exact(w).zip(next.chunks_exact_mut(w)) {
            widen_row(p, n);
        }
        widened.push(next);
    }
    let mut out = vec![0u8; w * h];
    for (y, row) in out.chunks_exact_mut(w).enumerate() {
        for &(dy, hw) in &spans {
            let Some(sy) = y.checked_add_signed(dy as isize).filter(|&sy| sy < h) else {
                continue;
            };
            let Some(src_row) = widened.get(hw).and_then(|m| m.get(sy * w..(sy + 1) * w)) else {
                continue;
            };
            for (d, &v) in row.iter_mut().zip(src_row) {
                *d = (*d).max(v);
            }
        }
    }
    out
}

/// `out[x] = max(row[x − 1], row[x], row[x + 1])`, clamped at both ends.
fn widen_row(row: &[u8], out: &mut [u8]) {
    let n = row.len().min(out.len());
    if n < 2 {
        out[..n].copy_from_slice(&row[..n]);
        return;
    }
    out[0] = row[0].max(row[1]);
    out[n - 1] = row[n - 2].max(row[n - 1]);
    let middle = row[..n - 2].iter().zip(&row[1..n - 1]).zip(&row[2..n]);
    for (d, ((&a, &b), &c)) in out[1..n - 1].iter_mut().zip(middle) {
        *d = a.max(b).max(c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block<'a>(spans: &'a [(&'a str, Color)], max: (u32, u32)) -> TextBlock<'a> {
        TextBlock {
            spans,
            font_px: 40.0,
            min_font_px: 12.0,
            stroke_px: 3.0,
            stroke: Color::rgb(0, 0, 0),
            box_color: Color::rgba(0, 0, 0, 0),
            padding_px: 4.0,
            max_size: max,
            centered: true,
        }
    }

    #[test]
    fn transparent_spans_keep_their_place_but_draw_nothing() {
        let mut r = TextRenderer::new();
        let shown = [
            ("Hello ", Color::rgb(255, 255, 255)),
            ("world", Color::rgb(255, 255, 255)),
        ];
        let hidden = [
            ("Hello ", Color::rgb(255, 255, 255)),
            ("world", Color::rgba(255, 255, 255, 0)),
        ];
        let half = [
            ("Hello ", Color::rgb(255, 255, 255)),
            ("world", Color::rgba(255, 255, 255, 128)),
        ];
        let a = r.render(&block(&shown, (600, 200))).unwrap();
        let b = r.render(&block(&hidden, (600, 200))).unwrap();
        let c = r.render(&block(&half, (600, 200))).unwrap();
        // Same layout: same size.
        assert_eq!((a.width, a.height), (b.width, b.height));
        assert_eq!((a.width, a.height), (c.width, c.height));
        // The right part ("world") is empty when hidden, fainter at half alpha.
        let ink = |o: &Overlay| {
            let w = o.width as usize;
            o.rgba
                .chunks_exact(4)
                .enumerate()
                .filter(|(i, _)| i % w > w * 3 / 5)
                .map(|(_, p)| u64::from(p[3]))
                .sum::<u64>()
        };
        assert_eq!(ink(&b), 0);
        assert!(ink(&c) > 0 && ink(&c) < ink(&a), "{} {}", ink(&c), ink(&a));
        // The left part ("Hello") is the same in all three.
        let left = |o: &Overlay| {
            let w = o.width as usize;
            o.rgba
                .chunks_exact(4)
                .enumerate()
                .filter(|(i, _)| i % w < w / 3)
                .map(|(_, p)| p.to_vec())
                .collect::<Vec<_>>()
        };
        assert_eq!(left(&a), left(&b));
    }

    #[test]
    fn renders_fill_and_stroke_within_bounds() {
        let mut r = TextRenderer::new();
        let spans = [
            ("Hello ", Color::rgb(255, 255, 255)),
            ("world", Color::rgb(255, 0, 0)),
        ];
        let ov = r.render(&block(&spans, (600, 200))).unwrap();
        assert!(ov.width <= 600 && ov.height <= 200);
        let px = |c: [u8; 3]| {
            ov.rgba
                .chunks_exact(4)
                .filter(|p| p[..3] == c && p[3] == 255)
                .count()
        };
        assert!(px([255, 255, 255]) > 50, "white fill present");
        assert!(px([255, 0, 0]) > 50, "red highlight present");
        assert!(px([0, 0, 0]) > 50, "black stroke present");
    }

    #[test]
    fn wraps_long_and_non_latin_text_and_reports_misfit() {
        let mut r = TextRenderer::new();
        let long = [(
            "Supercalifragilisticexpialidocious Привет мир שלום",
            Color::rgb(255, 255, 255),
        )];
        let ov = r.render(&block(&long, (200, 400))).unwrap();
        assert!(
            ov.width <= 200 && ov.height > 60,
            "wrapped onto several lines: {ov:?}"
        );
        let e = r.render(&block(&long, (60, 30))).unwrap_err();
        assert_eq!(e.kind(), ytempire_core::ErrorKind::InvalidRequest);
        assert!(
            r.render(&block(&[("  ", Color::rgb(1, 1, 1))], (100, 100)))
                .is_err()
        );
    }

    /// Whether a CJK font is installed where `scripts/setup.sh` looks for one (a file named
    /// `*cjk*` or `DroidSansFallback*` under /usr/share/fonts).
    fn cjk_font_installed() -> bool {
        fn walk(dir: &std::path::Path) -> bool {
            let Ok(entries) = std::fs::read_dir(dir) else {
                return false;
            };
            entries.flatten().any(|e| {
                let name = e.file_name().to_string_lossy().to_lowercase();
                name.contains("cjk")
                    || name.starts_with("droidsansfallback")
                    || (e.path().is_dir() && walk(&e.path()))
            })
        }
        walk(std::path::Path::new("/usr/share/fonts"))
    }

    #[test]
    fn cjk_falls_back_to_a_system_font_or_is_refused_by_name() {
        let installed = cjk_font_installed();
        assert!(
            installed || std::env::var("CI").as_deref() != Ok("true"),
            "CI runs scripts/setup.sh, which installs fonts-droid-fallback: no CJK font found"
        );
        let mut r = TextRenderer::new();
        let white = |ov: &Overlay| {
            ov.rgba
                .chunks_exact(4)
                .filter(|p| p[0] > 200 && p[1] > 200 && p[2] > 200 && p[3] > 200)
                .count()
        };
        let cjk = [("你好，世界", Color::rgb(255, 255, 255))];
        if installed {
            // Drawn with the fallback font's real glyphs: plenty of white fill pixels, and
            // different characters draw differently (not one box repeated).
            let ov = r.render(&block(&cjk, (600, 200))).unwrap();
            assert!(white(&ov) > 200, "{} white pixels in {ov:?}", white(&ov));
            let a = r.render(&block(&[("你你", Color::rgb(255, 255, 255))], (600, 200)));
            let b = r.render(&block(&[("界界", Color::rgb(255, 255, 255))], (600, 200)));
            assert_ne!(a.unwrap().rgba, b.unwrap().rgba);
        } else {
            let e = r.render(&block(&cjk, (600, 200))).unwrap_err();
            assert_eq!(e.kind(), ytempire_core::ErrorKind::InvalidRequest);
            let msg = e.to_string();
            assert!(msg.contains("U+4F60") && msg.contains("fonts-"), "{msg}");
            eprintln!("no CJK font installed: {msg}");
        }
        // A private-use character no font has is always refused, naming it.
        let odd = [("Hello \u{F8FF}\u{10FFFD}", Color::rgb(255, 255, 255))];
        let e = r.render(&block(&odd, (600, 200))).unwrap_err();
        assert_eq!(e.kind(), ytempire_core::ErrorKind::InvalidRequest);
        assert!(e.to_string().contains("U+10FFFD"), "{e}");
    }

    /// The disk dilation by definition: each pixel is the maximum of the source within the
    /// disk's half-width on every row offset.
    fn dilate_by_definition(src: &[u8], w: usize, h: usize, r: i32) -> Vec<u8> {
        let mut out = vec![0u8; w * h];
        for y in 0..h as i32 {
            for x in 0..w as i32 {
                let mut m = 0;
                for (dy, hw) in disk_spans(r) {
                    let sy = y + dy;
                    if sy < 0 || sy >= h as i32 {
                        continue;
                    }
                    for sx in (x - hw as i32).max(0)..=(x + hw as i32).min(w as i32 - 1) {
                        m = m.max(src[sy as usize * w + sx as usize]);
                    }
                }
                out[y as usize * w + x as usize] = m;
            }
        }
        out
    }

    #[test]
    fn dilate_equals_the_disk_maximum() {
        let mut state = 0x9e37_79b9_u32;
        for (w, h) in [(1, 1), (1, 9), (9, 1), (2, 3), (37, 23)] {
            // Sparse coverage, as glyph edges are: mostly zero, some partial and full.
            let src: Vec<u8> = (0..w * h)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 17;
                    state ^= state << 5;
                    if state.is_multiple_of(5) {
                        (state >> 24) as u8
                    } else {
                        0
                    }
                })
                .collect();
            for r in 0..=7 {
                assert_eq!(
                    dilate(&src, w, h, r),
                    dilate_by_definition(&src, w, h, r),
                    "{w}x{h}, radius {r}"
                );
            }
        }
    }

    #[test]
    fn dilate_grows_a_point_into_a_disk() {
        let mut src = vec![0u8; 11 * 11];
        src[5 * 11 + 5] = 200;
        let d = dilate(&src, 11, 11, 3);
        assert_eq!(d[5 * 11 + 8], 200);
        assert_eq!(d[8 * 11 + 5], 200);
        assert_eq!(d[5 * 11 + 9], 0);
        assert_eq!(d[8 * 11 + 8], 0, "corner of the square is outside the disk");
    }
}

//! YouTube thumbnails: 1280×720 JPEG under 2 MB, a background crop with large outlined title
//! text in an automatically contrasting colour, in N deterministic variants for A/B tests.
//!
//! ```no_run
//! # fn main() -> ytempire_core::Result<()> {
//! let bg = image::RgbaImage::from_pixel(1920, 1080, image::Rgba([30, 60, 90, 255]));
//! let thumbs = ytempire_render::thumbnail::thumbnails(&bg, "Ten facts about owls", 3, 42)?;
//! assert_eq!(thumbs.len(), 3);
//! # Ok(()) }
//! ```

use image::codecs::jpeg::JpegEncoder;
use image::imageops::{self, FilterType};
use image::{Rgba, RgbaImage};
use ytempire_core::{Error, ErrorKind, Result, Thumbnail, ThumbnailFormat, Visual};

use crate::scene::{Color, decode_visual};
use crate::text::{TextBlock, TextRenderer};

/// Thumbnail width.
pub const WIDTH: u32 = 1280;
/// Thumbnail height.
pub const HEIGHT: u32 = 720;
/// YouTube's limit on a custom thumbnail's size.
pub const MAX_BYTES: usize = 2 * 1024 * 1024;

/// Where the title sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    Top,
    Centre,
    Bottom,
    Left,
}

const LAYOUTS: [Layout; 4] = [Layout::Bottom, Layout::Centre, Layout::Top, Layout::Left];
const ACCENTS: [Color; 4] = [
    Color::rgb(255, 214, 0),
    Color::rgb(255, 255, 255),
    Color::rgb(0, 229, 255),
    Color::rgb(255, 82, 82),
];

/// Thumbnails from a visual's image (see [`thumbnails`]).
///
/// # Errors
/// `NotFound`/`Render` when the image (or, for a video clip, its first frame) cannot be read,
/// and everything [`thumbnails`] returns.
pub fn thumbnails_from_visual(
    background: &Visual,
    title: &str,
    variants: usize,
    seed: u64,
) -> Result<Vec<Thumbnail>> {
    if background.kind == ytempire_core::MediaKind::VideoClip {
        // A clip's background is its first frame.
        let first = crate::clip::ClipSource::from_visual(background)?.first_frame()?;
        return thumbnails(&first, title, variants, seed);
    }
    thumbnails(&decode_visual(background)?, title, variants, seed)
}

/// `variants` thumbnails (named "a", "b", …) of `background` with `title`. The same inputs
/// always give the same bytes; variants differ in layout, colour and crop.
///
/// # Errors
/// `InvalidRequest` for an empty title or background, zero or more than 26 variants, or a
/// title that cannot fit; `Encode` if JPEG encoding fails.
pub fn thumbnails(
    background: &RgbaImage,
    title: &str,
    variants: usize,
    seed: u64,
) -> Result<Vec<Thumbnail>> {
    if !(1..=26).contains(&variants) {
        return Err(Error::invalid_request(format!(
            "thumbnail variants {variants} must be between 1 and 26"
        )));
    }
    if title.trim().is_empty() {
        return Err(Error::invalid_request("thumbnail title is empty"));
    }
    if background.width() == 0 || background.height() == 0 {
        return Err(Error::invalid_request("thumbnail background has no pixels"));
    }
    let mut text = TextRenderer::new();
    let mut out = Vec::with_capacity(variants);
    for v in 0..variants {
        let mut rng = crate::rng::SplitMix(seed ^ (v as u64).wrapping_mul(0xA24B_AED4_963E_E407));
        let layout = LAYOUTS[(v + (seed as usize)) % LAYOUTS.len()];
        let accent = ACCENTS[(v + (seed as usize >> 2)) % ACCENTS.len()];
        let zoom = 1.0 + 0.25 * rng.unit_f32();
        let centre = (0.3 + 0.4 * rng.unit_f32(), 0.3 + 0.4 * rng.unit_f32());
        let mut img = crop_cover(background, zoom, centre);
        render_variant(&mut text, &mut img, title, layout, accent)?;
        let data = encode_jpeg(&img)?;
        out.push(Thumbnail {
            width: WIDTH,
            height: HEIGHT,
            format: ThumbnailFormat::Jpeg,
            variant: char::from(b'a' + v as u8).to_string(),
            data,
        });
    }
    Ok(out)
}

/// Crop a 16:9 window (zoom ≥ 1, centre as fractions) and scale it to 1280×720.
fn crop_cover(bg: &RgbaImage, zoom: f32, centre: (f32, f32)) -> RgbaImage {
    let (bw, bh) = (bg.width() as f32, bg.height() as f32);
    let target = WIDTH as f32 / HEIGHT as f32;
    let (mut cw, mut ch) = if bw / bh > target {
        (bh * target, bh)
    } else {
        (bw, bw / target)
    };
    cw = (cw / zoom).max(1.0);
    ch = (ch / zoom).max(1.0);
    let x = (centre.0 * bw - cw / 2.0).clamp(0.0, bw - cw);
    let y = (centre.1 * bh - ch / 2.0).clamp(0.0, bh - ch);
    let view = imageops::crop_imm(bg, x as u32, y as u32, cw as u32, ch as u32).to_image();
    imageops::resize(&view, WIDTH, HEIGHT, FilterType::Triangle)
}

fn render_variant(
    text: &mut TextRenderer,
    img: &mut RgbaImage,
    title: &str,
    layout: Layout,
    accent: Color,
) -> Result<()> {
    let margin = 56u32;
    let (max_w, max_h) = match layout {
        Layout::Left => (WIDTH * 3 / 5, HEIGHT - 2 * margin),
        _ => (WIDTH - 2 * margin, HEIGHT / 2),
    };
    // Automatic contrast: look at the region the text will cover.
    let region_y = match layout {
        Layout::Top => 0,
        Layout::Centre => HEIGHT / 4,
        Layout::Bottom => HEIGHT / 2,
        Layout::Left => 0,
    };
    let luma = mean_luma(img, region_y, HEIGHT / 2);
    let (fill, stroke) = if luma > 0.6 {
        (Color::rgb(16, 16, 16), Color::rgb(255, 255, 255))
    } else {
        (accent, Color::rgb(0, 0, 0))
    };
    // Darken (or lighten) behind the text a little for extra contrast.
    shade(img, region_y, HEIGHT / 2, luma > 0.6);
    let spans = [(title, fill)];
    let ov = text.render(&TextBlock {
        spans: &spans,
        font_px: 120.0,
        min_font_px: 36.0,
        stroke_px: 8.0,
        stroke,
        box_color: Color::rgba(0, 0, 0, 0),
        padding_px: 0.0,
        max_size: (max_w, max_h),
        centered: layout != Layout::Left,
    })?;
    let x = match layout {
        Layout::Left => margin as i64,
        _ => (i64::from(WIDTH) - i64::from(ov.width)) / 2,
    };
    let y = match layout {
        Layout::Top => i64::from(margin),
        Layout::Centre | Layout::Left => (i64::from(HEIGHT) - i64::from(ov.height)) / 2,
        Layout::Bottom => i64::from(HEIGHT - margin) - i64::from(ov.height),
    };
    for oy in 0..ov.height {
        for ox in 0..ov.width {
            let (px, py) = (x + i64::from(ox), y + i64::from(oy));
            if px < 0 || py < 0 || px >= i64::from(WIDTH) || py >= i64::from(HEIGHT) {
                continue;
            }
            let i = (oy as usize * ov.width as usize + ox as usize) * 4;
            let s = &ov.rgba[i..i + 4];
            let d = img.get_pixel_mut(px as u32, py as u32);
            let inv = 255 - u32::from(s[3]);
            for (dc, sc) in d.0[..3].iter_mut().zip(s) {
                *dc = (u32::from(*sc) + (u32::from(*dc) * inv + 127) / 255).min(255) as u8;
            }
            d.0[3] = 255;
        }
    }
    Ok(())
}

fn mean_luma(img: &RgbaImage, y0: u32, h: u32) -> f32 {
    let mut sum = 0.0f64;
    let mut n = 0u64;
    for y in (y0..(y0 + h).min(img.height())).step_by(4) {
        for x in (0..img.width()).step_by(4) {
            let Rgba([r, g, b, _]) = *img.get_pixel(x, y);
            sum += f64::from(Color::rgb(r, g, b).luminance());
            n += 1;
        }
    }
    if n == 0 { 0.0 } else { (sum / n as f64) as f32 }
}

fn shade(img: &mut RgbaImage, y0: u32, h: u32, lighten: bool) {
    for y in y0..(y0 + h).min(img.height()) {
        for x in 0..img.width() {
            let p = img.get_pixel_mut(x, y);
            for c in &mut p.0[..3] {
                *c = if lighten {
                    (u32::from(*c) * 3 / 4 + 64) as u8
                } else {
                    (u32::from(*c) * 3 / 4) as u8
                };
            }
        }
    }
}

fn encode_jpeg(img: &RgbaImage) -> Result<Vec<u8>> {
    let rgb = image::DynamicImage::ImageRgba8(img.clone()).to_rgb8();
    for quality in [90u8, 80, 70, 55, 40] {
        let mut data = Vec::new();
        JpegEncoder::new_with_quality(&mut data, quality)
            .encode_image(&rgb)
            .map_err(|e| Error::new(ErrorKind::Encode, format!("JPEG encoding failed: {e}")))?;
        if data.len() < MAX_BYTES {
            return Ok(data);
        }
    }
    Err(Error::new(
        ErrorKind::Encode,
        "thumbnail stays over 2 MB even at JPEG quality 40",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn noisy_bg() -> RgbaImage {
        RgbaImage::from_fn(640, 480, |x, y| {
            Rgba([
                (x * 7 % 256) as u8,
                (y * 3 % 256) as u8,
                ((x ^ y) % 256) as u8,
                255,
            ])
        })
    }

    #[test]
    fn sizes_determinism_variants_and_limit() {
        let bg = noisy_bg();
        let a = thumbnails(&bg, "Why owls turn their heads", 3, 7).unwrap();
        let b = thumbnails(&bg, "Why owls turn their heads", 3, 7).unwrap();
        assert_eq!(a, b, "deterministic");
        assert_eq!(a.len(), 3);
        for t in &a {
            assert!(t.data.len() < MAX_BYTES);
            let img = image::load_from_memory(&t.data).unwrap();
            assert_eq!((img.width(), img.height()), (WIDTH, HEIGHT));
        }
        assert_ne!(a[0].data, a[1].data);
        assert_ne!(a[1].data, a[2].data);
        assert_eq!(
            a.iter().map(|t| t.variant.as_str()).collect::<Vec<_>>(),
            ["a", "b", "c"]
        );
        let c = thumbnails(&bg, "Why owls turn their heads", 1, 8).unwrap();
        assert_ne!(c[0].data, a[0].data, "seed changes the output");
    }

    #[test]
    fn contrast_follows_background() {
        let white = RgbaImage::from_pixel(320, 180, Rgba([250, 250, 250, 255]));
        let black = RgbaImage::from_pixel(320, 180, Rgba([5, 5, 5, 255]));
        let mut text = TextRenderer::new();
        for (bg, dark_text) in [(white, true), (black, false)] {
            let mut img = crop_cover(&bg, 1.0, (0.5, 0.5));
            render_variant(
                &mut text,
                &mut img,
                "HELLO",
                Layout::Centre,
                Color::rgb(255, 255, 0),
            )
            .unwrap();
            let dark = img.pixels().filter(|p| p.0[0] < 40 && p.0[1] < 40).count();
            let bright = img
                .pixels()
                .filter(|p| p.0[0] > 215 && p.0[1] > 215)
                .count();
            if dark_text {
                assert!(dark > 1000, "dark title on a light background");
            } else {
                assert!(bright > 1000, "bright title on a dark background");
            }
        }
    }

    #[test]
    fn rejects_bad_input() {
        let bg = noisy_bg();
        for (title, n) in [("", 1), ("ok", 0), ("ok", 27)] {
            let e = thumbnails(&bg, title, n, 1).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidRequest);
        }
        let missing = Visual::image_file("m", 1, 1, "/nonexistent/x.png".into());
        let e = thumbnails_from_visual(&missing, "t", 1, 1).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound);
    }
}

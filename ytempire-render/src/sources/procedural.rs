//! [`Procedural`]: offline, free, deterministic backgrounds drawn from the query text.
//!
//! The query is hashed (SHA-256) into a seed, so the same scene always gets the same picture
//! and different scenes get different ones. A palette comes from the channel's brand colours
//! when given, otherwise from the video's topic (the request's `theme`: one hue family for
//! all its scenes), otherwise from keywords in the query ("ocean" is blue, "forest" green, "fire"
//! orange, …) or from the hash. On top of a diagonal gradient one of three styles is drawn
//! (soft bokeh discs, flowing light bands, or large glowing blobs with sparkles), then a
//! glow, a vignette and fine film grain. Output is a real PNG at exactly the requested size.
//!
//! As an [`ImageSource`], each picture also carries the scene's key phrase (the request's
//! query, i.e. the scene's visual cue: at most eight words) as its
//! [`headline`](Visual::headline): the compositor draws it as bold typography in the upper
//! middle, white with a dark outline, one word at a time in step with the narration (see
//! `scene::headline`), over a soft shade drawn into the picture here, so an offline video
//! still says what each scene is about ([`Procedural::plain`] turns that off;
//! [`Procedural::render`] always draws the plain background, and
//! [`Procedural::render_with_phrase`] draws the phrase into the pixels, for stills).
//!
//! ```
//! use ytempire_render::sources::Procedural;
//! let img = Procedural::new().render("octopus coral reef", 0, 320, 180).unwrap();
//! assert_eq!((img.width(), img.height()), (320, 180));
//! ```

use async_trait::async_trait;
use image::{DynamicImage, RgbImage};
use sha2::{Digest, Sha256};
use ytempire_core::{
    Capabilities, ChannelProfile, Error, ImageRequest, ImageResponse, ImageSource, ProviderInfo,
    Result, Usage, Visual,
};

use super::inspect::encode_png;
use crate::rng::SplitMix;
use crate::scene::Color;
use crate::text::{TextBlock, TextRenderer, headline_origin};

/// Largest side [`Procedural`] draws, in pixels.
pub const MAX_SIDE: u32 = 8192;

type Rgb = [f32; 3];

/// Offline generator of deterministic, seed-varied backgrounds. Implements [`ImageSource`].
#[derive(Debug, Clone, Default)]
pub struct Procedural {
    palette: Option<Vec<Rgb>>,
    plain: bool,
}

impl std::fmt::Display for Procedural {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Procedural")
    }
}

/// Parse `#rrggbb` (or `rrggbb`).
fn parse_hex(s: &str) -> Option<Rgb> {
    let h = s.trim().trim_start_matches('#');
    if h.len() != 6 || !h.is_ascii() {
        return None;
    }
    let c = |i: usize| {
        u8::from_str_radix(&h[i..i + 2], 16)
            .ok()
            .map(|v| f32::from(v) / 255.0)
    };
    Some([c(0)?, c(2)?, c(4)?])
}

fn hsl(h: f32, s: f32, l: f32) -> Rgb {
    let h = h.rem_euclid(360.0) / 60.0;
    let c = (1.0 - (2.0 * l - 1.0).abs()) * s;
    let x = c * (1.0 - (h % 2.0 - 1.0).abs());
    let m = l - c / 2.0;
    let (r, g, b) = match h {
        h if h < 1.0 => (c, x, 0.0),
        h if h < 2.0 => (x, c, 0.0),
        h if h < 3.0 => (0.0, c, x),
        h if h < 4.0 => (0.0, x, c),
        h if h < 5.0 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    [r + m, g + m, b + m]
}

fn luminance(c: Rgb) -> f32 {
    0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]
}

fn scale(c: Rgb, k: f32) -> Rgb {
    [c[0] * k, c[1] * k, c[2] * k]
}

fn lerp(a: Rgb, b: Rgb, t: f32) -> Rgb {
    [
        a[0] + (b[0] - a[0]) * t,
        a[1] + (b[1] - a[1]) * t,
        a[2] + (b[2] - a[2]) * t,
    ]
}

fn smoothstep(e0: f32, e1: f32, x: f32) -> f32 {
    let t = ((x - e0) / (e1 - e0)).clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

/// Screen blend of `col` at strength `a` onto `dst` (lightens, never clips harshly).
fn screen(dst: &mut Rgb, col: Rgb, a: f32) {
    for i in 0..3 {
        dst[i] = 1.0 - (1.0 - dst[i]) * (1.0 - col[i] * a);
    }
}

/// Hue hints for common subjects; the first keyword found wins.
const HUE_HINTS: &[(&[&str], f32)] = &[
    (
        &[
            "ocean",
            "sea",
            "reef",
            "water",
            "underwater",
            "octopus",
            "whale",
            "fish",
            "wave",
        ],
        200.0,
    ),
    (
        &["ice", "snow", "winter", "arctic", "glacier", "frozen"],
        190.0,
    ),
    (
        &[
            "forest", "tree", "nature", "plant", "leaf", "jungle", "garden", "green",
        ],
        130.0,
    ),
    (
        &[
            "fire", "sun", "desert", "volcano", "lava", "summer", "heat", "sunset",
        ],
        22.0,
    ),
    (
        &[
            "space", "galaxy", "star", "night", "cosmos", "planet", "universe", "moon",
        ],
        258.0,
    ),
    (
        &[
            "money", "finance", "gold", "wealth", "invest", "stock", "rich", "coin",
        ],
        44.0,
    ),
    (&["love", "heart", "rose", "romance", "valentine"], 340.0),
    (
        &[
            "tech", "ai", "computer", "code", "robot", "digital", "software", "data",
        ],
        215.0,
    ),
    (
        &["history", "ancient", "rome", "egypt", "castle", "war"],
        32.0,
    ),
];

fn hue_hint(query: &str) -> Option<f32> {
    let words: Vec<String> = query
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    HUE_HINTS.iter().find_map(|(keys, hue)| {
        words
            .iter()
            .any(|w| {
                keys.iter().any(|k| {
                    w == k || [w.strip_suffix('s'), w.strip_suffix("es")].contains(&Some(k))
                })
            })
            .then_some(*hue)
    })
}

/// Seed for a query: the first 8 bytes of SHA-256 of its normalised text.
pub fn query_seed(query: &str) -> u64 {
    let norm = query.trim().to_lowercase();
    let digest = Sha256::digest(norm.as_bytes());
    let mut b = [0u8; 8];
    b.copy_from_slice(&digest[..8]);
    u64::from_le_bytes(b)
}

/// Integer hash of a pixel position, for film grain: in `[-0.5, 0.5)`.
fn grain(x: u32, y: u32, seed: u64) -> f32 {
    let mut h = u64::from(x).wrapping_mul(0x9E37_79B1) ^ u64::from(y).wrapping_mul(0x85EB_CA77);
    h ^= seed;
    h = (h ^ (h >> 33)).wrapping_mul(0xFF51_AFD7_ED55_8CCD);
    h ^= h >> 33;
    let v = (h & 0xFFFF) as f32 / 65536.0;
    v - 0.5
}

/// A float canvas.
struct Canvas {
    w: u32,
    h: u32,
    px: Vec<Rgb>,
}

impl Canvas {
    fn idx(&self, x: u32, y: u32) -> usize {
        y as usize * self.w as usize + x as usize
    }

    /// Apply `f(pixel, dx, dy)` to every pixel in the box around (cx, cy) of half-size r.
    fn around(&mut self, cx: f32, cy: f32, r: f32, mut f: impl FnMut(&mut Rgb, f32, f32)) {
        let clampi = |v: f32, max: u32| v.clamp(0.0, max as f32) as u32;
        let (x0, x1) = (clampi(cx - r, self.w), clampi(cx + r + 1.0, self.w));
        let (y0, y1) = (clampi(cy - r, self.h), clampi(cy + r + 1.0, self.h));
        for y in y0..y1 {
            for x in x0..x1 {
                let i = self.idx(x, y);
                let (dx, dy) = (x as f32 - cx, y as f32 - cy);
                f(&mut self.px[i], dx, dy);
            }
        }
    }
}

impl Procedural {
    /// A generator whose palette follows each query.
    pub fn new() -> Self {
        Self::default()
    }

    /// Use brand colours (`#rrggbb`); unparsable entries are rejected.
    ///
    /// # Errors
    /// [`ytempire_core::ErrorKind::InvalidRequest`] naming the bad colour.
    pub fn with_palette<S: AsRef<str>>(mut self, colours: &[S]) -> Result<Self> {
        let parsed = colours
            .iter()
            .map(|c| {
                parse_hex(c.as_ref()).ok_or_else(|| {
                    Error::invalid_request(format!("colour {:?} is not #rrggbb", c.as_ref()))
                })
            })
            .collect::<Result<Vec<_>>>()?;
        self.palette = (!parsed.is_empty()).then_some(parsed);
        Ok(self)
    }

    /// A generator using the channel's brand palette (entries that do not parse are skipped).
    pub fn for_channel(channel: &ChannelProfile) -> Self {
        let parsed: Vec<Rgb> = channel
            .visual
            .palette
            .iter()
            .filter_map(|c| parse_hex(c))
            .collect();
        Self {
            palette: (!parsed.is_empty()).then_some(parsed),
            plain: false,
        }
    }

    /// Backgrounds only, without the key phrase over them.
    pub fn plain(mut self) -> Self {
        self.plain = true;
        self
    }

    /// [`Self::render`] with `query`'s key phrase drawn over it (see the module docs); the
    /// plain background when the picture is under 90 pixels high or no font can draw the
    /// phrase.
    ///
    /// # Errors
    /// As [`Self::render`].
    pub fn render_with_phrase(
        &self,
        query: &str,
        variant: u64,
        width: u32,
        height: u32,
    ) -> Result<RgbImage> {
        let mut img = self.render(query, variant, width, height)?;
        let phrase = key_phrase(query);
        if height >= 90 && !phrase.is_empty() {
            // A phrase no font covers leaves the background as it is.
            let _ = draw_phrase(&mut img, &phrase);
        }
        Ok(img)
    }

    /// Four colours, darkest first: base, second base, accent, highlight.
    fn colours(&self, query: &str, theme: Option<&str>, rng: &mut SplitMix) -> [Rgb; 4] {
        if let Some(p) = &self.palette {
            let mut p = p.clone();
            p.sort_by(|a, b| luminance(*a).total_cmp(&luminance(*b)));
            let dark = p[0];
            let light = p[p.len() - 1];
            let mid = p[p.len() / 2];
            // Keep the background dark enough for captions over it.
            let base_k = if luminance(dark) > 0.2 {
                0.2 / luminance(dark)
            } else {
                1.0
            };
            return [
                scale(dark, base_k * 0.6),
                scale(lerp(dark, mid, 0.5), base_k),
                mid,
                lerp(light, [1.0; 3], 0.3),
            ];
        }
        // A theme sets the hue (its keywords', else its hash's); each scene stays within
        // 30 degrees of it. Without one, the query's keywords or its hash decide.
        let theme_hue = theme
            .map(|t| hue_hint(t).unwrap_or_else(|| (query_seed(&t.to_lowercase()) % 360) as f32));
        let hint = theme_hue.or_else(|| hue_hint(query));
        let spread = if theme_hue.is_some() { 30.0 } else { 14.0 };
        let hue = hint.unwrap_or_else(|| rng.range(0.0, 360.0)) + rng.range(-spread, spread);
        let shift = if rng.below(2) == 0 { 38.0 } else { -38.0 };
        // A complementary accent only when the subject does not dictate the colours.
        let accent = if hint.is_none() && rng.below(3) == 0 {
            hue + 165.0
        } else {
            hue - shift * 0.6
        };
        [
            hsl(hue, 0.55, 0.09),
            hsl(hue + shift, 0.6, 0.26),
            hsl(accent, 0.8, 0.6),
            hsl(hue + 10.0, 0.55, 0.86),
        ]
    }

    /// Draw the background for `query` and `variant` at `width`×`height`.
    ///
    /// # Errors
    /// [`ytempire_core::ErrorKind::InvalidRequest`] for a zero size or a side above
    /// [`MAX_SIDE`].
    pub fn render(&self, query: &str, variant: u64, width: u32, height: u32) -> Result<RgbImage> {
        self.render_in(query, None, variant, width, height)
    }

    /// [`Self::render`] in the palette of `theme` (the video's topic): every query of one
    /// theme gets a hue near the theme's, so a video's scenes belong together (brand colours,
    /// when set, still win).
    ///
    /// # Errors
    /// As [`Self::render`].
    pub fn render_in(
        &self,
        query: &str,
        theme: Option<&str>,
        variant: u64,
        width: u32,
        height: u32,
    ) -> Result<RgbImage> {
        if width == 0 || height == 0 || width > MAX_SIDE || height > MAX_SIDE {
            return Err(Error::invalid_request(format!(
                "procedural size {width}x{height} must be within 1..={MAX_SIDE} per side"
            )));
        }
        let seed = query_seed(query) ^ variant.wrapping_mul(0xA076_1D64_78BD_642F);
        let mut rng = SplitMix(seed);
        let [c0, c1, c2, c3] = self.colours(query, theme, &mut rng);
        let (wf, hf) = (width as f32, height as f32);
        let min_side = wf.min(hf);
        let diag = wf.hypot(hf);
        let mut canvas = Canvas {
            w: width,
            h: height,
            px: Vec::with_capacity(width as usize * height as usize),
        };

        // 1. Diagonal gradient.
        let angle = rng.range(0.0, std::f32::consts::TAU);
        let (ca, sa) = (angle.cos(), angle.sin());
        for y in 0..height {
            for x in 0..width {
                let (px, py) = (x as f32 - wf / 2.0, y as f32 - hf / 2.0);
                let t = smoothstep(-0.5, 0.5, (px * ca + py * sa) / diag);
                canvas.px.push(lerp(c0, c1, t));
            }
        }

        // 2. One style on top.
        match rng.below(3) {
            0 => bokeh(&mut canvas, &mut rng, [c1, c2, c3], min_side),
            1 => bands(&mut canvas, &mut rng, [c2, c3], min_side),
            _ => blobs(&mut canvas, &mut rng, [c1, c2, c3], min_side),
        }

        // 3. A soft glow, vignette and grain; quantise.
        let (gx, gy) = (rng.range(0.15, 0.85) * wf, rng.range(0.15, 0.6) * hf);
        let glow_r = diag * 0.45;
        let grain_seed = rng.next_u64();
        let mut out = RgbImage::new(width, height);
        for (i, p) in canvas.px.iter_mut().enumerate() {
            let x = u32::try_from(i % width as usize).unwrap_or(0);
            let y = u32::try_from(i / width as usize).unwrap_or(0);
            let (fx, fy) = (x as f32, y as f32);
            let g = (-((fx - gx).powi(2) + (fy - gy).powi(2)) / (glow_r * glow_r)).exp();
            screen(p, c2, 0.22 * g);
            let r = ((fx / wf - 0.5).powi(2) + (fy / hf - 0.5).powi(2)).sqrt() * 1.414;
            let v = 1.0 - 0.5 * smoothstep(0.45, 1.15, r);
            let n = grain(x, y, grain_seed) * 0.035;
            let q = |c: f32| ((c * v + n).clamp(0.0, 1.0) * 255.0 + 0.5) as u8;
            out.put_pixel(x, y, image::Rgb([q(p[0]), q(p[1]), q(p[2])]));
        }
        Ok(out)
    }
}

/// The phrase drawn for a query: whitespace collapsed, at most eight words, the first letter
/// upper-case.
pub(crate) fn key_phrase(query: &str) -> String {
    let words: Vec<&str> = query.split_whitespace().take(8).collect();
    let joined = words.join(" ");
    let mut chars = joined.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Draw `phrase` centred at 42 % of the height, at most 70 % wide and 40 % high, bold white
/// with a dark outline, over a soft elliptical shade.
fn draw_phrase(img: &mut RgbImage, phrase: &str) -> Result<()> {
    let (w, h) = img.dimensions();
    let spans = [(phrase, Color::rgb(255, 255, 255))];
    let ov = TextRenderer::new().render(&TextBlock::headline(&spans, w, h))?;
    let (x0, y0) = shade(img, (ov.width, ov.height));
    for oy in 0..ov.height.min(h - y0) {
        for ox in 0..ov.width.min(w - x0) {
            let i = (oy as usize * ov.width as usize + ox as usize) * 4;
            let Some(src) = ov.rgba.get(i..i + 4) else {
                continue;
            };
            let a = u16::from(src[3]);
            if a == 0 {
                continue;
            }
            let p = img.get_pixel_mut(x0 + ox, y0 + oy);
            for (dst, s) in p.0.iter_mut().zip(src) {
                let v = u16::from(*s) + u16::from(*dst) * (255 - a) / 255;
                *dst = v.min(255) as u8;
            }
        }
    }
    Ok(())
}

/// Darken the picture where `phrase` will be drawn over it as a headline by the compositor
/// (the same place and size as [`draw_phrase`]), so the words read on light palettes.
fn shade_for(img: &mut RgbImage, phrase: &str) -> Result<()> {
    let (w, h) = img.dimensions();
    let spans = [(phrase, Color::rgb(255, 255, 255))];
    let ov = TextRenderer::new().render(&TextBlock::headline(&spans, w, h))?;
    shade(img, (ov.width, ov.height));
    Ok(())
}

/// Darken an ellipse a little larger than a headline of `size` at its place; returns the
/// headline's top-left corner.
fn shade(img: &mut RgbImage, size: (u32, u32)) -> (u32, u32) {
    let (w, h) = img.dimensions();
    let (x0, y0) = headline_origin(size, w, h);
    let (cx, cy) = (
        x0 as f32 + size.0 as f32 / 2.0,
        y0 as f32 + size.1 as f32 / 2.0,
    );
    let (rx, ry) = (size.0 as f32 * 0.75 + 1.0, size.1 as f32 * 1.1 + 1.0);
    for (x, y, p) in img.enumerate_pixels_mut() {
        let d = ((x as f32 - cx) / rx).powi(2) + ((y as f32 - cy) / ry).powi(2);
        if d < 1.0 {
            let k = 1.0 - 0.45 * (1.0 - smoothstep(0.3, 1.0, d));
            for c in &mut p.0 {
                *c = (f32::from(*c) * k).round() as u8;
            }
        }
    }
    (x0, y0)
}

/// Soft out-of-focus discs of light.
fn bokeh(c: &mut Canvas, rng: &mut SplitMix, cols: [Rgb; 3], min_side: f32) {
    let (wf, hf) = (c.w as f32, c.h as f32);
    let n = 14 + rng.below(16);
    for _ in 0..n {
        let (cx, cy) = (rng.range(-0.05, 1.05) * wf, rng.range(-0.05, 1.05) * hf);
        let r = min_side * rng.range(0.025, 0.17);
        let col = cols[usize::try_from(rng.below(3)).unwrap_or(0)];
        let a = rng.range(0.12, 0.45);
        let edge = rng.range(0.72, 0.92);
        c.around(cx, cy, r, |p, dx, dy| {
            let d = (dx * dx + dy * dy).sqrt() / r;
            // Flat disc with a soft rim and a brighter edge ring, like a lens highlight.
            let body = 1.0 - smoothstep(edge, 1.0, d);
            let ring = (-(d - edge).powi(2) * 90.0).exp() * 0.35;
            screen(p, col, a * (body * 0.8 + ring));
        });
    }
}

/// Flowing bands of light across the frame.
fn bands(c: &mut Canvas, rng: &mut SplitMix, cols: [Rgb; 2], min_side: f32) {
    let (wf, hf) = (c.w as f32, c.h as f32);
    let n = 3 + rng.below(3);
    for k in 0..n {
        let base = rng.range(0.2, 0.85) * hf;
        let amp = rng.range(0.04, 0.16) * hf;
        let freq = rng.range(0.6, 2.2) * std::f32::consts::TAU / wf;
        let phase = rng.range(0.0, std::f32::consts::TAU);
        let thick = min_side * rng.range(0.03, 0.12);
        let col = cols[usize::try_from(k % 2).unwrap_or(0)];
        let a = rng.range(0.25, 0.55);
        for x in 0..c.w {
            let y0 = base + amp * (freq * x as f32 + phase).sin();
            let reach = thick * 3.0;
            let (ya, yb) = (
                (y0 - reach).clamp(0.0, hf) as u32,
                (y0 + reach).clamp(0.0, hf) as u32,
            );
            for y in ya..yb {
                let d = (y as f32 - y0) / thick;
                let i = c.idx(x, y);
                screen(&mut c.px[i], col, a * (-d * d).exp());
            }
        }
    }
}

/// Large glowing blobs (an aurora-like wash) with a few sparkles.
fn blobs(c: &mut Canvas, rng: &mut SplitMix, cols: [Rgb; 3], min_side: f32) {
    let (wf, hf) = (c.w as f32, c.h as f32);
    for k in 0..(3 + rng.below(3)) {
        let (cx, cy) = (rng.range(0.0, 1.0) * wf, rng.range(0.0, 1.0) * hf);
        let sigma = min_side * rng.range(0.18, 0.4);
        let col = cols[usize::try_from(k % 3).unwrap_or(0)];
        let a = rng.range(0.3, 0.6);
        c.around(cx, cy, sigma * 3.0, |p, dx, dy| {
            let g = (-(dx * dx + dy * dy) / (2.0 * sigma * sigma)).exp();
            screen(p, col, a * g);
        });
    }
    for _ in 0..(20 + rng.below(30)) {
        let (cx, cy) = (rng.range(0.0, 1.0) * wf, rng.range(0.0, 1.0) * hf);
        let r = min_side * rng.range(0.002, 0.007);
        let a = rng.range(0.4, 0.9);
        c.around(cx, cy, r * 3.0, |p, dx, dy| {
            let g = (-(dx * dx + dy * dy) / (r * r)).exp();
            screen(p, cols[2], a * g);
        });
    }
}

#[async_trait]
impl ImageSource for Procedural {
    fn info(&self) -> ProviderInfo {
        ProviderInfo::new("procedural", "v1", Capabilities::new())
    }

    async fn fetch(&self, request: &ImageRequest) -> Result<ImageResponse> {
        request.validate()?;
        let base = request.seed.unwrap_or(0);
        let mut visuals = Vec::new();
        let mut variant = base;
        // Variants are endless: skip excluded ids and keep drawing until `count` are made.
        let budget = u64::from(request.count) + request.exclude.len() as u64 + 1;
        for _ in 0..budget {
            if visuals.len() >= request.count as usize {
                break;
            }
            let id = format!(
                "procedural:{:016x}:{variant}:{}x{}",
                query_seed(&request.query),
                request.width,
                request.height
            );
            let this = variant;
            variant = variant.wrapping_add(1);
            if request.exclude.contains(&id) {
                continue;
            }
            let mut img = self.render_in(
                &request.query,
                request.theme.as_deref(),
                this,
                request.width,
                request.height,
            )?;
            let phrase = key_phrase(&request.query);
            // The key phrase is drawn by the compositor, word by word with the narration
            // (`Visual::headline`); the picture only gets the shade it reads on. A phrase no
            // font covers is left out.
            let headline = (!self.plain && request.height >= 90 && !phrase.is_empty())
                .then(|| shade_for(&mut img, &phrase).ok())
                .flatten()
                .map(|()| phrase);
            let png = encode_png(&DynamicImage::ImageRgb8(img))?;
            let mut visual =
                Visual::image_bytes(id, request.width, request.height, "image/png", png)
                    .with_origin("procedural", request.query.clone());
            if let Some(h) = headline {
                visual = visual.with_headline(h);
            }
            visuals.push(visual);
        }
        let usage = Usage {
            images: visuals.len() as u64,
            ..Usage::default()
        };
        Ok(ImageResponse::new(visuals, usage))
    }
}

#[cfg(test)]
mod tests;

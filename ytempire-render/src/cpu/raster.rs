//! Integer pixel kernels of the CPU compositor; each works on a band of rows.
//!
//! The math mirrors `gpu/shader.wgsl` exactly: sample positions `u = a·x + (b·y + c)` in f32,
//! 8-bit bilinear weights `floor(u·256) & 255`, clamp-to-edge, rounding `(Σ + 32768) >> 16`.
//!
//! The kernels are plain loops the compiler vectorises; each is also compiled for AVX2 and
//! for SSE4.1 (`multiversion`), and the best one this CPU runs is chosen at run time. The
//! integers are the same on every path.

use multiversion::multiversion;
use multiversion::target::match_target;

use crate::scene::plan::{Affine, IRect};
use crate::scene::{Background, SourceImage};
use crate::text::Overlay;

/// A horizontal band of the output: rows `y0..y0 + rows` of a `width`-wide RGBA frame.
pub(crate) struct Band<'a> {
    pub(crate) px: &'a mut [u8],
    pub(crate) y0: u32,
    pub(crate) width: u32,
    pub(crate) height: u32,
}

impl Band<'_> {
    fn rows(&self) -> u32 {
        (self.px.len() / (self.width as usize * 4)) as u32
    }

    /// Rows of `[ya, yb)` inside this band, as absolute y.
    fn span(&self, ya: u32, yb: u32) -> std::ops::Range<u32> {
        ya.max(self.y0)..yb.min(self.y0 + self.rows())
    }

    fn row(&mut self, y: u32) -> &mut [u8] {
        let s = self.width as usize * 4;
        let i = (y - self.y0) as usize * s;
        &mut self.px[i..i + s]
    }
}

/// `a * b / 255`, rounded.
#[inline(always)]
fn mul255(a: u32, b: u32) -> u32 {
    let x = a * b + 128;
    (x + (x >> 8)) >> 8
}

/// Premultiplied source-over.
#[inline(always)]
fn blend(dst: &mut [u8], src: [u32; 4]) {
    let inv = 255 - src[3];
    for (d, s) in dst.iter_mut().zip(src) {
        *d = (s + mul255(u32::from(*d), inv)).min(255) as u8;
    }
}

#[multiversion(targets("x86_64+avx2+fma", "x86_64+sse4.1"))]
pub(crate) fn background(band: &mut Band<'_>, bg: &Background) {
    let h = band.height as f32;
    for y in band.span(0, band.height) {
        let c: [u8; 4] = match bg {
            Background::Solid(c) => c.premultiplied(),
            Background::VerticalGradient { top, bottom } => {
                let t = (y as f32 + 0.5) / h;
                let (a, b) = (top.premultiplied(), bottom.premultiplied());
                let mut o = [0u8; 4];
                for k in 0..4 {
                    let v = f32::from(a[k]) + (f32::from(b[k]) - f32::from(a[k])) * t;
                    o[k] = (v + 0.5).floor().clamp(0.0, 255.0) as u8;
                }
                o
            }
        };
        for px in band.row(y).chunks_exact_mut(4) {
            px.copy_from_slice(&c);
        }
    }
}

#[multiversion(targets("x86_64+avx2+fma", "x86_64+sse4.1"))]
pub(crate) fn rect(band: &mut Band<'_>, r: IRect, color: [u8; 4]) {
    let src = color.map(u32::from);
    for y in band.span(r.y0, r.y1) {
        let row = band.row(y);
        for px in row[r.x0 as usize * 4..r.x1 as usize * 4].chunks_exact_mut(4) {
            blend(px, src);
        }
    }
}

#[multiversion(targets("x86_64+avx2+fma", "x86_64+sse4.1"))]
pub(crate) fn overlay(band: &mut Band<'_>, ov: &Overlay, ox: i32, oy: i32, opacity: u8) {
    let (w, h) = (i64::from(band.width), i64::from(band.height));
    let (ox, oy) = (i64::from(ox), i64::from(oy));
    let xa = ox.clamp(0, w) as u32;
    let xb = (ox + i64::from(ov.width)).clamp(0, w) as u32;
    let ya = oy.clamp(0, h) as u32;
    let yb = (oy + i64::from(ov.height)).clamp(0, h) as u32;
    if xa >= xb {
        return;
    }
    let o = u16::from(opacity);
    let ostride = ov.width as usize * 4;
    let (sa, sb) = (
        (i64::from(xa) - ox) as usize * 4,
        (i64::from(xb) - ox) as usize * 4,
    );
    for y in band.span(ya, yb) {
        let sy = (i64::from(y) - oy) as usize;
        let Some(src) = ov.rgba.get(sy * ostride + sa..sy * ostride + sb) else {
            continue;
        };
        let row = &mut band.row(y)[xa as usize * 4..xb as usize * 4];
        // Premultiplied source-over at opacity `o`, without branches so the compiler
        // vectorises it: a transparent pixel (all zero) leaves the byte as it is
        // (`mul255(d, 255) = d`) and an opaque one replaces it (`mul255(d, 0) = 0`).
        for (d, s) in row.chunks_exact_mut(4).zip(src.chunks_exact(4)) {
            let inv = 255 - mul255_16(u16::from(s[3]), o);
            for (d, &s) in d.iter_mut().zip(s) {
                let v = mul255_16(u16::from(s), o) + mul255_16(u16::from(*d), inv);
                *d = v.min(255) as u8;
            }
        }
    }
}

/// Bilinear taps along one axis of `n` texels at texel coordinate `u`: the two texels
/// (clamped to the edge) and the 8-bit weight of the second.
#[inline(always)]
pub(crate) fn axis(u: f32, n: u32) -> (usize, usize, u32) {
    let q = (u * 256.0).floor() as i32;
    let i = q >> 8;
    let f = (q & 255) as u32;
    let last = n as i32 - 1;
    (
        i.clamp(0, last) as usize,
        (i + 1).clamp(0, last) as usize,
        f,
    )
}

/// Two channels (0 and 2, or 1 and 3) of a pixel in the 32-bit lanes of a u64.
#[inline(always)]
fn lanes(src: &[u8], i: usize, k: usize) -> u64 {
    u64::from(src[i + k]) | (u64::from(src[i + k + 2]) << 32)
}

/// Bilinear filter of the four texels at byte offsets `i00..i11`, all channels at once.
#[inline(always)]
fn bilinear(src: &[u8], i: [usize; 4], fx: u32, fy: u32) -> [u32; 4] {
    let (wx0, wx1) = (u64::from(256 - fx), u64::from(fx));
    let (wy0, wy1) = (u64::from(256 - fy), u64::from(fy));
    const R: u64 = 32768 | (32768 << 32);
    let mut out = [0u32; 4];
    for k in 0..2 {
        let top = lanes(src, i[0], k) * wx0 + lanes(src, i[1], k) * wx1;
        let bot = lanes(src, i[2], k) * wx0 + lanes(src, i[3], k) * wx1;
        let v = (top * wy0 + bot * wy1 + R) >> 16;
        out[k] = (v & 0xFFFF) as u32;
        out[k + 2] = ((v >> 32) & 0xFFFF) as u32;
    }
    out
}

#[inline(always)]
fn put(d: &mut [u8], mut out: [u32; 4], direct: bool, o: u32) {
    if direct {
        d.copy_from_slice(&[out[0] as u8, out[1] as u8, out[2] as u8, out[3] as u8]);
    } else {
        if o != 255 {
            out = out.map(|c| mul255(c, o));
        }
        blend(d, out);
    }
}

/// The separable image paths' row buffers (this one's and `cpu::yuv`'s planes'), kept by
/// each thread from band to band.
#[derive(Default)]
pub(crate) struct Scratch {
    /// Two horizontally filtered source rows, a 16-bit lane per channel of each output column.
    pub(crate) bufs: [Vec<u16>; 2],
    /// A vertically blended row waiting to be blended onto the band.
    pub(crate) tmp: Vec<u8>,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

/// Run `f` with this thread's [`Scratch`].
pub(crate) fn with_scratch<R>(f: impl FnOnce(&mut Scratch) -> R) -> R {
    SCRATCH.with_borrow_mut(f)
}

/// Draw `img` through `m` inside `clip`: with the op's [`column_taps`] (an unrotated map) on
/// the separable path, else every pixel samples on its own.
pub(crate) fn image(
    band: &mut Band<'_>,
    img: &SourceImage,
    m: &Affine,
    taps: Option<&Taps>,
    opacity: u8,
    clip: IRect,
) {
    let rows = band.span(clip.y0, clip.y1);
    if rows.is_empty() {
        return;
    }
    match taps {
        Some(taps) => with_scratch(|scratch| {
            image_axis_aligned(band, img, m, taps, opacity, clip, scratch);
        }),
        None => image_general(band, img, m, opacity, clip, rows),
    }
}

/// Any affine map: every output pixel computes its own four taps.
#[multiversion(targets("x86_64+avx2+fma", "x86_64+sse4.1"))]
fn image_general(
    band: &mut Band<'_>,
    img: &SourceImage,
    m: &Affine,
    opacity: u8,
    clip: IRect,
    rows: std::ops::Range<u32>,
) {
    let stride = img.width as usize * 4;
    let src = &img.rgba;
    let direct = opacity == 255 && img.opaque;
    let o = u32::from(opacity);
    for y in rows {
        let yf = y as f32;
        let (bu, bv) = (m.b * yf + m.c, m.e * yf + m.f);
        let row = band.row(y);
        for x in clip.x0..clip.x1 {
            let xf = x as f32;
            let (x0, x1, fx) = axis(m.a * xf + bu, img.width);
            let (y0, y1, fy) = axis(m.d * xf + bv, img.height);
            let (r0, r1) = (y0 * stride, y1 * stride);
            let (c0, c1) = (x0 * 4, x1 * 4);
            let out = bilinear(src, [r0 + c0, r0 + c1, r1 + c0, r1 + c1], fx, fy);
            put(&mut row[x as usize * 4..x as usize * 4 + 4], out, direct, o);
        }
    }
}

/// One output column's horizontal tap: source pixels `c0` and `c0 + 1`, the second weighted
/// `fx / 256`. Where [`axis`] clamps both taps to one pixel, `fx` is 0, which gives the same
/// sum (`p·256`) from `c0` alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Tap {
    pub(crate) c0: u32,
    pub(crate) fx: u32,
}

/// How many source pixels the taps of a [`Block`] span, which says how the AVX2 filter
/// fetches them (`cpu::simd`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Span {
    /// `c0` within 8 pixels from `base`: one load and one permute per tap pixel.
    Eight,
    /// Within 16 pixels: two loads, two permutes and a blend.
    Sixteen,
    /// Wider (or too near the row's end to load whole windows): pixel by pixel.
    Wider,
}

/// Eight consecutive columns' taps laid out for the AVX2 filter: `idx[i] = c0 − base` of
/// column `first + i`, and `fx` of each column repeated over its 4 channels in the order the
/// filter widens pixels to 16 bits (`w1[0]`: pixels 0, 1, 4, 5; `w1[1]`: 2, 3, 6, 7).
#[derive(Clone, Debug)]
pub(crate) struct Block {
    pub(crate) first: u32,
    pub(crate) base: u32,
    pub(crate) span: Span,
    pub(crate) idx: [u32; 8],
    pub(crate) w1: [[u16; 16]; 2],
}

impl Block {
    fn new(first: usize, cols: &[Tap], width: u32) -> Self {
        let base = cols.iter().map(|t| t.c0).min().unwrap_or(0);
        let reach = cols.iter().map(|t| t.c0 - base).max().unwrap_or(0);
        // Window loads read pixels base .. base + 8 (or 16), and one further for `c0 + 1`.
        let fits = |n: u32| reach < n && base + n < width;
        let span = if fits(8) {
            Span::Eight
        } else if fits(16) {
            Span::Sixteen
        } else {
            Span::Wider
        };
        let mut idx = [0u32; 8];
        let mut w1 = [[0u16; 16]; 2];
        for (i, t) in cols.iter().enumerate() {
            idx[i] = t.c0 - base;
            let at = (i / 4) * 8 + (i % 2) * 4;
            w1[(i % 4) / 2][at..at + 4].fill(t.fx as u16);
        }
        Self {
            first: first as u32,
            base,
            span,
            idx,
            w1,
        }
    }
}

/// An image op's horizontal taps, one per output column of its clip, and the same taps in
/// [`Block`]s of 8 columns (the columns after the last whole block have none).
#[derive(Clone, Debug)]
pub(crate) struct Taps {
    pub(crate) cols: Vec<Tap>,
    pub(crate) blocks: Vec<Block>,
}

/// Horizontal taps of an image op, one per output column of `clip`; `None` when the map
/// rotates (`b` or `d` not 0), so the separable path does not apply. They depend on the op
/// only, so the compositor computes them once per frame and every band shares them.
pub(crate) fn column_taps(img: &SourceImage, m: &Affine, clip: IRect) -> Option<Taps> {
    if m.b != 0.0 || m.d != 0.0 {
        return None;
    }
    // u depends on x only (b·y + c = c with b = 0, same f32 arithmetic as the general path).
    let cols = axis_taps(m.a, m.b * 0.0 + m.c, img.width, clip.x0..clip.x1);
    let blocks = cols
        .chunks_exact(8)
        .enumerate()
        .map(|(i, c)| Block::new(i * 8, c, img.width))
        .collect();
    Some(Taps { cols, blocks })
}

/// The taps of output columns `cols` sampling `u = a·x + c` across `n` texels.
pub(crate) fn axis_taps(a: f32, c: f32, n: u32, cols: std::ops::Range<u32>) -> Vec<Tap> {
    cols.map(|x| {
        let (c0, c1, fx) = axis(a * x as f32 + c, n);
        let fx = if c1 == c0 { 0 } else { fx };
        Tap { c0: c0 as u32, fx }
    })
    .collect()
}

/// One column's horizontal filter straight from a source row of RGBA bytes, into its 4 lanes.
#[inline(always)]
pub(crate) fn horizontal_tap(row: &[u8], t: Tap, lanes: &mut [u16]) {
    let i0 = t.c0 as usize * 4;
    let i1 = if t.fx == 0 { i0 } else { i0 + 4 };
    let (Some(p0), Some(p1)) = (row.get(i0..i0 + 4), row.get(i1..i1 + 4)) else {
        return;
    };
    let (w0, w1) = (256 - t.fx as u16, t.fx as u16);
    for ((l, &a), &b) in lanes.iter_mut().zip(p0).zip(p1) {
        *l = u16::from(a) * w0 + u16::from(b) * w1;
    }
}

/// One lane's vertical blend of two horizontal sums, `fy / 256` of the way to `bot`.
#[inline(always)]
pub(crate) fn vertical_tap(top: u16, bot: u16, fy: u32) -> u8 {
    ((u32::from(top) * (256 - fy) + u32::from(bot) * fy + 32768) >> 16) as u8
}

/// One source row (`row`, RGBA bytes) filtered horizontally at every column of `taps` into
/// `out` (four 16-bit lanes per column): on AVX2 in blocks of 8 columns (`cpu::simd`),
/// elsewhere a column at a time with [`horizontal_tap`], the same integers.
#[multiversion(targets("x86_64+avx2+fma", "x86_64+sse4.1"))]
fn filter_source_row(row: &[u8], taps: &Taps, out: &mut [u16]) {
    match_target! {
        "x86_64+avx2" => super::simd::filter_row(row, taps, out),
        _ => {
            for (lanes, t) in out.chunks_exact_mut(4).zip(&taps.cols) {
                horizontal_tap(row, *t, lanes);
            }
        }
    }
}

/// Two filtered rows blended vertically into bytes, `fy / 256` of the way to `bot`
/// ([`vertical_tap`] per lane; on AVX2 in `cpu::simd`).
#[multiversion(targets("x86_64+avx2+fma", "x86_64+sse4.1"))]
pub(crate) fn blend_rows(top: &[u16], bot: &[u16], fy: u32, out: &mut [u8]) {
    match_target! {
        "x86_64+avx2" => super::simd::vertical_row(top, bot, fy, out),
        _ => {
            for ((d, &a), &b) in out.iter_mut().zip(top).zip(bot) {
                *d = vertical_tap(a, b, fy);
            }
        }
    }
}

/// `a * b / 255`, rounded, in 16 bits, so a loop of them vectorises 16 lanes wide. Same
/// integers as [`mul255`]: with `x = a·b + 128 < 65536`, `(x + (x >> 8)) >> 8` equals
/// `(x·257) >> 16` (both are `⌊(x + x / 256) / 256⌋`; dropping the fraction of `x / 256`
/// cannot cross a multiple of 256), which the compiler emits as one high-half multiply
/// (`pmulhuw`) instead of two shifts and an add.
#[inline(always)]
pub(crate) fn mul255_16(a: u16, b: u16) -> u16 {
    let x = a * b + 128;
    ((u32::from(x) * 257) >> 16) as u16
}

/// Make `bufs[0]` hold source row `y0` and `bufs[1]` row `y1` filtered (`rows_at` says which
/// rows they hold), reusing whatever is already filtered and calling `filter(row, buf)` for the
/// rest.
#[inline(always)]
pub(crate) fn source_rows(
    bufs: &mut [Vec<u16>; 2],
    rows_at: &mut [usize; 2],
    (y0, y1): (usize, usize),
    mut filter: impl FnMut(usize, &mut [u16]),
) {
    if rows_at[0] != y0 {
        if rows_at[1] == y0 {
            bufs.swap(0, 1);
            rows_at.swap(0, 1);
        } else {
            filter(y0, &mut bufs[0]);
            rows_at[0] = y0;
        }
    }
    if rows_at[1] != y1 {
        filter(y1, &mut bufs[1]);
        rows_at[1] = y1;
    }
}

/// Blend the opaque bytes `src` over `dst` at opacity `o`: `src·o/255 + dst·(255 − o)/255` per
/// byte (`put`'s integers for a pixel of alpha 255), which the compiler vectorises.
#[multiversion(targets("x86_64+avx2+fma", "x86_64+sse4.1"))]
pub(crate) fn fade_into(dst: &mut [u8], src: &[u8], o: u8) {
    let (o, inv) = (u16::from(o), u16::from(255 - o));
    for (d, &v) in dst.iter_mut().zip(src) {
        let v = mul255_16(u16::from(v), o) + mul255_16(u16::from(*d), inv);
        *d = v.min(255) as u8;
    }
}

/// The unrotated image path, separable: each source row is filtered horizontally once and
/// reused by every output row of the band that samples it, then rows are blended vertically.
/// Exactly the same integers as [`bilinear`] (`(top·(256 − fy) + bot·fy + 32768) >> 16` with
/// `top`/`bot` the exact horizontal sums), so the output is bit-identical to the general path
/// and to the GPU shader's arithmetic. On AVX2 both passes run in `cpu::simd` (same
/// integers); elsewhere rows are filtered a column at a time. `taps` comes from
/// [`column_taps`].
#[multiversion(targets("x86_64+avx2+fma", "x86_64+sse4.1"))]
fn image_axis_aligned(
    band: &mut Band<'_>,
    img: &SourceImage,
    m: &Affine,
    taps: &Taps,
    opacity: u8,
    clip: IRect,
    scratch: &mut Scratch,
) {
    let rows = band.span(clip.y0, clip.y1);
    let stride = img.width as usize * 4;
    let src = &img.rgba;
    let direct = opacity == 255 && img.opaque;
    let fade = opacity != 255 && img.opaque;
    let o = u32::from(opacity);
    let n = taps.cols.len();
    let Scratch { bufs, tmp } = scratch;
    // Two filtered source rows: `rows_at[k]` is the source row held in `bufs[k]`.
    for buf in bufs.iter_mut() {
        buf.resize(n * 4, 0);
    }
    let mut rows_at = [usize::MAX; 2];
    tmp.resize(if direct { 0 } else { n * 4 }, 0);
    let filter = |r: usize, out: &mut [u16]| {
        let row = src.get(r * stride..(r + 1) * stride).unwrap_or(&[]);
        filter_source_row(row, taps, out);
    };
    for y in rows {
        let (y0, y1, fy) = axis(m.d * 0.0 + (m.e * y as f32 + m.f), img.height);
        source_rows(bufs, &mut rows_at, (y0, y1), &filter);
        let row = &mut band.row(y)[clip.x0 as usize * 4..clip.x1 as usize * 4];
        let dst: &mut [u8] = if direct { row } else { tmp };
        blend_rows(&bufs[0], &bufs[1], fy, dst);
        if direct {
            continue;
        }
        let row = &mut band.row(y)[clip.x0 as usize * 4..clip.x1 as usize * 4];
        if fade {
            // An opaque picture at opacity `o` (a crossfade): every filtered pixel's alpha is
            // 255, so `put`'s blend weight is `255 − o` for every byte of the row.
            fade_into(row, tmp, opacity);
            continue;
        }
        for (d, s) in row.chunks_exact_mut(4).zip(tmp.chunks_exact(4)) {
            let out = [
                u32::from(s[0]),
                u32::from(s[1]),
                u32::from(s[2]),
                u32::from(s[3]),
            ];
            put(d, out, false, o);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn noise(w: u32, h: u32, opaque: bool) -> SourceImage {
        let mut state = 0x2545_f491_u32;
        let mut img = image::RgbaImage::new(w, h);
        for px in img.pixels_mut() {
            for c in &mut px.0 {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                *c = (state >> 24) as u8;
            }
            if opaque {
                px.0[3] = 255;
            }
        }
        SourceImage::from_rgba(img)
    }

    fn draw(img: &SourceImage, m: &Affine, separable: bool, opacity: u8) -> Vec<u8> {
        let (w, h) = (97u32, 61u32);
        let mut px: Vec<u8> = (0..w * h * 4).map(|i| (i * 7 % 251) as u8).collect();
        let clip = IRect {
            x0: 3,
            y0: 2,
            x1: w - 5,
            y1: h - 1,
        };
        // Two bands, as the compositor splits frames.
        let (top, bottom) = px.split_at_mut((w * 4 * 30) as usize);
        for (y0, part) in [(0u32, top), (30, bottom)] {
            let mut band = Band {
                px: part,
                y0,
                width: w,
                height: h,
            };
            let taps = separable.then(|| column_taps(img, m, clip)).flatten();
            image(&mut band, img, m, taps.as_ref(), opacity, clip);
        }
        px
    }

    #[test]
    fn separable_path_is_bit_identical_to_per_pixel_bilinear() {
        let zooms = [
            (1.0f32, 0.0f32),
            (0.77, 5.3),
            (0.31, -2.0),
            (1.9, 1.25),
            (3.1, -0.6),
        ];
        for opaque in [true, false] {
            let img = noise(53, 41, opaque);
            for &(scale, off) in &zooms {
                let m = Affine {
                    a: scale,
                    b: 0.0,
                    c: off,
                    d: 0.0,
                    e: scale * 0.9,
                    f: off * 0.5,
                };
                for opacity in [255u8, 128, 0] {
                    let fast = draw(&img, &m, true, opacity);
                    let slow = draw(&img, &m, false, opacity);
                    assert!(
                        fast == slow,
                        "scale {scale} offset {off} opacity {opacity} opaque {opaque}"
                    );
                }
            }
        }
    }

    fn xorshift(state: &mut u32) -> u32 {
        *state ^= *state << 13;
        *state ^= *state >> 17;
        *state ^= *state << 5;
        *state
    }

    #[test]
    fn mul255_16_equals_mul255_on_every_pair_of_bytes() {
        for a in 0..=255u16 {
            for b in 0..=255u16 {
                let want = mul255(u32::from(a), u32::from(b));
                assert_eq!(u32::from(mul255_16(a, b)), want, "{a} · {b}");
                assert_eq!(
                    want,
                    (u32::from(a) * u32::from(b) * 2 + 255) / 510,
                    "{a} · {b}"
                );
            }
        }
    }

    #[test]
    fn blend_rows_equals_the_per_lane_formula_for_every_weight() {
        // 32-lane chunks plus a tail of 13; the extremes of the horizontal sums included.
        let n = 32 * 9 + 13;
        let mut state = 0x9e37_79b9;
        let mut lane = |i: usize| match i % 7 {
            0 => 0u16,
            1 => 255 * 256,
            _ => (xorshift(&mut state) % (255 * 256 + 1)) as u16,
        };
        let top: Vec<u16> = (0..n).map(&mut lane).collect();
        let bot: Vec<u16> = (0..n).map(|i| lane(i + 3)).collect();
        for fy in 0..256 {
            let mut out = vec![0u8; n];
            blend_rows(&top, &bot, fy, &mut out);
            for (i, &v) in out.iter().enumerate() {
                assert_eq!(v, vertical_tap(top[i], bot[i], fy), "fy {fy} lane {i}");
            }
        }
    }

    #[test]
    fn the_row_filter_equals_the_per_column_taps_at_every_span() {
        let img = noise(211, 3, false);
        let row = &img.rgba[..211 * 4];
        let mut spans = Vec::new();
        // Enlarged, unscaled, shrunk 2× and 3×, clamped at both ends, shifted by fractions.
        let maps = [
            (0.31f32, 2.2f32),
            (0.77, -3.9),
            (1.0, 0.0),
            (1.0, 0.5),
            (1.6, 7.25),
        ];
        let maps = maps
            .into_iter()
            .chain([(2.05, -1.0), (3.3, 0.1), (0.93, 40.0)]);
        for (a, c) in maps {
            let m = Affine {
                a,
                b: 0.0,
                c,
                d: 0.0,
                e: 1.0,
                f: 0.0,
            };
            // 8·24 + 5 columns: whole blocks and a tail.
            let clip = IRect {
                x0: 2,
                y0: 0,
                x1: 199,
                y1: 1,
            };
            let Some(taps) = column_taps(&img, &m, clip) else {
                panic!("an unrotated map has taps");
            };
            spans.extend(taps.blocks.iter().map(|b| b.span));
            let mut expected = vec![0u16; taps.cols.len() * 4];
            for (lanes, t) in expected.chunks_exact_mut(4).zip(&taps.cols) {
                horizontal_tap(row, *t, lanes);
            }
            let mut out = vec![0u16; taps.cols.len() * 4];
            filter_source_row(row, &taps, &mut out);
            assert!(out == expected, "dispatched filter, a {a} c {c}");
        }
        for span in [Span::Eight, Span::Sixteen, Span::Wider] {
            assert!(spans.contains(&span), "no block of span {span:?}");
        }
    }

    #[test]
    fn overlay_blends_like_per_pixel_source_over() {
        let (w, h) = (41u32, 9u32);
        let mut state = 0x1234_5678;
        let mut rgba = Vec::new();
        for i in 0..29 * 7 {
            // Premultiplied: every channel at most alpha; some pixels clear, some opaque.
            let a = match i % 5 {
                0 => 0,
                1 => 255,
                _ => (xorshift(&mut state) >> 24) as u8,
            };
            for _ in 0..3 {
                let c = (xorshift(&mut state) >> 24) as u8;
                rgba.push(if a == 0 {
                    0
                } else {
                    c % a.saturating_add(1).max(1)
                });
            }
            rgba.push(a);
        }
        let ov = Overlay {
            id: 1,
            width: 29,
            height: 7,
            rgba,
        };
        for (ox, oy, opacity) in [(3, 1, 255u8), (-5, -2, 128), (20, 4, 77), (0, 0, 0)] {
            let backdrop: Vec<u8> = (0..w * h * 4).map(|i| (i * 13 % 256) as u8).collect();
            let mut px = backdrop.clone();
            let mut band = Band {
                px: &mut px,
                y0: 0,
                width: w,
                height: h,
            };
            overlay(&mut band, &ov, ox, oy, opacity);
            let mut want = backdrop;
            for y in 0..h as i32 {
                for x in 0..w as i32 {
                    let (sx, sy) = (x - ox, y - oy);
                    if sx < 0 || sy < 0 || sx >= 29 || sy >= 7 {
                        continue;
                    }
                    let si = (sy as usize * 29 + sx as usize) * 4;
                    let src: [u32; 4] = std::array::from_fn(|k| {
                        mul255(u32::from(ov.rgba[si + k]), u32::from(opacity))
                    });
                    let di = (y as usize * w as usize + x as usize) * 4;
                    blend(&mut want[di..di + 4], src);
                }
            }
            assert!(px == want, "offset ({ox}, {oy}) opacity {opacity}");
        }
    }
}

//! Drawing the I420 planes directly: the CPU compositor's path for
//! [`Compositor::render_frame_yuv`](crate::Compositor::render_frame_yuv) on the frames most of a
//! video is made of, an opaque still through an unrotated Ken Burns map (crossfading into the
//! next) under captions, a headline and a progress bar.
//!
//! Drawn in RGBA, such a frame costs four bytes a pixel in every pass, and a conversion to I420
//! at the end. Here each still is converted to I420 once, when it comes on screen, and the frame
//! is filtered and blended plane by plane, a byte and a half a pixel, with no conversion:
//! - luma with the RGBA path's own column taps and rows (the same sample positions and 8-bit
//!   weights);
//! - chroma at half resolution, with the map moved to the chroma samples' centres (a chroma
//!   sample sits between two luma pixels: `u_c = (u − ½) / 2` at `x = 2·x_c + ½`);
//! - overlays and rectangles converted once to premultiplied Y, U, V and alpha planes, padded so
//!   their 2×2 chroma blocks are the frame's, and blended source-over in each plane.
//!
//! Filtering, blending and the conversion are all linear, so the planes equal the converted RGBA
//! frame up to rounding (a level or two). Chroma also differs where a 2×2 block straddles a sharp
//! edge, since it is filtered at half resolution rather than averaged after filtering; a test
//! bounds both. Any frame with another layer (a background, a rotated, sliding, translucent or
//! odd-sized picture, a video clip) is drawn in RGBA and converted, to the byte as before.

use std::sync::Arc;

use multiversion::multiversion;
use multiversion::target::match_target;

use super::raster::{
    Scratch, Tap, axis, axis_taps, blend_rows, fade_into, mul255_16, source_rows, with_scratch,
};
use crate::YuvFrame;
use crate::convert::rgba_to_i420;
use crate::scene::plan::{Affine, DrawOp, IRect};
use crate::scene::{SegmentMedia, SourceImage};

/// 16 consecutive output columns' taps laid out for the AVX2 plane filter (`cpu::simd`): each
/// half (8 columns) picks its pixels from the 16 source bytes at `base[half]`, `shuf` giving
/// `p0` then `p1` of each column, and `w1` the weight of `p1`.
#[derive(Clone, Debug)]
pub(crate) struct Block16 {
    pub(crate) first: u32,
    pub(crate) base: [u32; 2],
    /// Whether every tap falls inside its half's window (else pixel by pixel).
    pub(crate) fits: bool,
    pub(crate) shuf: [u8; 32],
    pub(crate) w1: [u16; 16],
}

impl Block16 {
    fn new(first: usize, cols: &[Tap], texels: u32) -> Self {
        let mut block = Self {
            first: first as u32,
            base: [0; 2],
            fits: true,
            shuf: [0; 32],
            w1: [0; 16],
        };
        for (half, cols) in cols.chunks(8).enumerate().take(2) {
            let base = cols.iter().map(|t| t.c0).min().unwrap_or(0);
            let reach = cols.iter().map(|t| t.c0 - base).max().unwrap_or(0);
            // The window is source bytes base .. base + 16, and `c0 + 1` must fall inside it.
            block.fits &= reach < 15 && base + 16 <= texels;
            block.base[half] = base;
            for (i, t) in cols.iter().enumerate() {
                let k = (t.c0 - base).min(14) as u8;
                block.shuf[half * 16 + i] = k;
                block.shuf[half * 16 + 8 + i] = k + 1;
                block.w1[half * 8 + i] = t.fx as u16;
            }
        }
        block
    }
}

/// One plane's horizontal taps, one per output column, and the same in [`Block16`]s (the
/// columns after the last whole block have none).
#[derive(Clone, Debug)]
pub(crate) struct PlaneTaps {
    pub(crate) cols: Vec<Tap>,
    pub(crate) blocks: Vec<Block16>,
}

impl PlaneTaps {
    /// Taps of `columns` output columns sampling `u = a·x + c` across `texels` source pixels.
    fn new(a: f32, c: f32, texels: u32, columns: u32) -> Self {
        let cols = axis_taps(a, c, texels, 0..columns);
        let blocks = cols
            .chunks_exact(16)
            .enumerate()
            .map(|(i, c)| Block16::new(i * 16, c, texels))
            .collect();
        Self { cols, blocks }
    }
}

/// One column's horizontal filter of a plane row: `p0·(256 − fx) + p1·fx`.
#[inline(always)]
pub(crate) fn plane_tap(row: &[u8], t: Tap) -> u16 {
    let i0 = t.c0 as usize;
    let i1 = if t.fx == 0 { i0 } else { i0 + 1 };
    let (Some(&p0), Some(&p1)) = (row.get(i0), row.get(i1)) else {
        return 0;
    };
    u16::from(p0) * (256 - t.fx as u16) + u16::from(p1) * t.fx as u16
}

/// A plane row filtered at every column of `taps` into `out`: on AVX2 16 columns a step
/// (`cpu::simd`), elsewhere a column at a time with [`plane_tap`], the same integers.
#[multiversion(targets("x86_64+avx2+fma", "x86_64+sse4.1"))]
fn filter_plane_row(row: &[u8], taps: &PlaneTaps, out: &mut [u16]) {
    match_target! {
        "x86_64+avx2" => super::simd::filter_plane_row(row, taps, out),
        _ => {
            for (lane, t) in out.iter_mut().zip(&taps.cols) {
                *lane = plane_tap(row, *t);
            }
        }
    }
}

/// A layer (overlay or rectangle) as premultiplied planes: luma and its alpha at full
/// resolution, chroma and the 2×2 blocks' mean alpha at half. Its size is even, and it is placed
/// at even frame coordinates.
pub(crate) struct LayerPlanes {
    width: u32,
    height: u32,
    y: Vec<u8>,
    a: Vec<u8>,
    u: Vec<u8>,
    v: Vec<u8>,
    a2: Vec<u8>,
}

impl LayerPlanes {
    /// `w × h` premultiplied RGBA pixels from `pixel`, moved `pad` pixels (0 or 1 each way)
    /// into a layer of even size, with clear pixels around them.
    fn new(w: u32, h: u32, pad: (u32, u32), pixel: impl Fn(u32, u32) -> [u8; 4]) -> Self {
        let (pw, ph) = ((w + pad.0 + 1) & !1, (h + pad.1 + 1) & !1);
        let at = |x: u32, y: u32| -> [i32; 4] {
            match (x.checked_sub(pad.0), y.checked_sub(pad.1)) {
                (Some(x), Some(y)) if x < w && y < h => pixel(x, y).map(i32::from),
                _ => [0; 4],
            }
        };
        let n = pw as usize * ph as usize;
        let (mut luma, mut alpha) = (Vec::with_capacity(n), Vec::with_capacity(n));
        for y in 0..ph {
            for x in 0..pw {
                let [r, g, b, a] = at(x, y);
                // `Y = 16 + …` for colour scaled by alpha: the 16 is scaled too.
                let l = (66 * r + 129 * g + 25 * b + (4096 * a + 127) / 255) >> 8;
                luma.push(l.clamp(0, 255) as u8);
                alpha.push(a as u8);
            }
        }
        let m = n / 4;
        let (mut u, mut v, mut a2) = (
            Vec::with_capacity(m),
            Vec::with_capacity(m),
            Vec::with_capacity(m),
        );
        for cy in 0..ph / 2 {
            for cx in 0..pw / 2 {
                let mut sum = [0i32; 4];
                for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                    let p = at(2 * cx + dx, 2 * cy + dy);
                    for (s, c) in sum.iter_mut().zip(p) {
                        *s += c;
                    }
                }
                let [r, g, b, a] = sum.map(|s| (s + 2) / 4);
                let mid = (32768 * a + 127) / 255;
                u.push((((-38 * r - 74 * g + 112 * b) + mid) >> 8).clamp(0, 255) as u8);
                v.push((((112 * r - 94 * g - 18 * b) + mid) >> 8).clamp(0, 255) as u8);
                a2.push(a as u8);
            }
        }
        Self {
            width: pw,
            height: ph,
            y: luma,
            a: alpha,
            u,
            v,
            a2,
        }
    }
}

/// One layer of a frame drawn in planes.
pub(crate) enum PlaneOp {
    /// An opaque still: luma and chroma taps and rows (`v = e·y + f`), at `fade` opacity
    /// (`None`: drawn over everything below).
    Image {
        planes: Arc<YuvFrame>,
        taps: [PlaneTaps; 2],
        rows: [(f32, f32); 2],
        fade: Option<u8>,
    },
    /// A layer whose top-left corner is at `(x, y)` (even), at `opacity`.
    Layer {
        planes: Arc<LayerPlanes>,
        x: i32,
        y: i32,
        opacity: u8,
    },
}

/// Which layer a [`LayerPlanes`] was made from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum LayerKey {
    Overlay { id: u64, pad: (u32, u32) },
    Rect { rect: IRect, color: [u8; 4] },
}

/// Stills' and layers' planes, kept while the frames drawn use them.
#[derive(Default)]
pub(crate) struct PlaneCache {
    stills: Vec<(Arc<SourceImage>, Arc<YuvFrame>)>,
    layers: Vec<(LayerKey, Arc<LayerPlanes>)>,
    /// Stills and layers converted so far.
    converted: [u64; 2],
}

impl std::fmt::Debug for PlaneCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlaneCache")
            .field("stills", &self.stills.len())
            .field("layers", &self.layers.len())
            .field("converted", &self.converted)
            .finish()
    }
}

/// Even pixel offset of a layer placed at `x`, and the padding that moves it there.
fn even(x: i32) -> (i32, u32) {
    let pad = x.rem_euclid(2);
    (x - pad, pad as u32)
}

impl PlaneCache {
    /// The frame's `ops` as plane ops over a `width × height` frame, converting what is not kept
    /// yet; `None` when a layer has no plane form (the frame is drawn in RGBA). Keeps only what
    /// this frame uses.
    pub(crate) fn ops(
        &mut self,
        ops: &[DrawOp],
        media: &SegmentMedia,
        (width, height): (u32, u32),
    ) -> Option<Vec<PlaneOp>> {
        let full = IRect {
            x0: 0,
            y0: 0,
            x1: width,
            y1: height,
        };
        // Check every layer before converting anything, so a frame drawn in RGBA (during a
        // crossfade into a clip, say) does not convert a still for nothing every frame. The
        // first layer must cover the frame: an opaque still at full opacity.
        let first_covers = matches!(ops.first(), Some(DrawOp::Image { opacity: 255, .. }));
        if !first_covers || !ops.iter().all(|op| in_planes(op, media, full)) {
            // Drawn in RGBA: keep nothing, so stills that have left the screen are not held
            // (with their RGBA) through a run of such frames.
            self.stills.clear();
            self.layers.clear();
            return None;
        }
        let mut stills: Vec<(Arc<SourceImage>, Arc<YuvFrame>)> = Vec::new();
        let mut layers: Vec<(LayerKey, Arc<LayerPlanes>)> = Vec::new();
        let mut out = Vec::with_capacity(ops.len());
        let mut converted = [0u64; 2];
        for op in ops {
            out.push(match op {
                DrawOp::Image {
                    image,
                    affine,
                    opacity,
                    ..
                } => {
                    let img = media.still(*image)?;
                    let planes = reuse(&mut stills, &self.stills, img, Arc::ptr_eq, || {
                        converted[0] += 1;
                        still_planes(img)
                    })?;
                    image_op(planes, affine, *opacity, width)
                }
                DrawOp::Overlay {
                    overlay,
                    x,
                    y,
                    opacity,
                } => {
                    let ((x, px), (y, py)) = (even(*x), even(*y));
                    let key = LayerKey::Overlay {
                        id: overlay.id,
                        pad: (px, py),
                    };
                    let planes = reuse(&mut layers, &self.layers, &key, PartialEq::eq, || {
                        let (w, h) = (overlay.width, overlay.height);
                        converted[1] += 1;
                        Some(LayerPlanes::new(w, h, (px, py), |x, y| {
                            let i = (y as usize * w as usize + x as usize) * 4;
                            overlay
                                .rgba
                                .get(i..i + 4)
                                .and_then(|p| p.try_into().ok())
                                .unwrap_or([0; 4])
                        }))
                    })?;
                    PlaneOp::Layer {
                        planes,
                        x,
                        y,
                        opacity: *opacity,
                    }
                }
                DrawOp::Rect { rect, color } => {
                    let ((x, px), (y, py)) = (even(rect.x0 as i32), even(rect.y0 as i32));
                    let key = LayerKey::Rect {
                        rect: *rect,
                        color: *color,
                    };
                    let planes = reuse(&mut layers, &self.layers, &key, PartialEq::eq, || {
                        let (w, h) = (rect.x1 - rect.x0, rect.y1 - rect.y0);
                        converted[1] += 1;
                        Some(LayerPlanes::new(w, h, (px, py), |_, _| *color))
                    })?;
                    PlaneOp::Layer {
                        planes,
                        x,
                        y,
                        opacity: 255,
                    }
                }
                DrawOp::Background(_) => return None,
            });
        }
        self.stills = stills;
        self.layers = layers;
        for (total, n) in self.converted.iter_mut().zip(converted) {
            *total += n;
        }
        Some(out)
    }
}

/// Whether `op` can be drawn in planes over a frame `full`: an opaque still of even size
/// through an unrotated map over the whole frame, an overlay or a rectangle.
fn in_planes(op: &DrawOp, media: &SegmentMedia, full: IRect) -> bool {
    match op {
        DrawOp::Image {
            image,
            affine,
            clip,
            ..
        } => media.still(*image).is_some_and(|img| {
            *clip == full
                && affine.b == 0.0
                && affine.d == 0.0
                && img.opaque
                && img.width.is_multiple_of(2)
                && img.height.is_multiple_of(2)
        }),
        DrawOp::Overlay { .. } | DrawOp::Rect { .. } => true,
        DrawOp::Background(_) => false,
    }
}

/// The value for `key` (`same` compares keys): from this frame's `kept`, the last frame's
/// `last`, or `make` now (`None` when it cannot be made); kept in `kept` for the next frame.
fn reuse<K: Clone, V>(
    kept: &mut Vec<(K, Arc<V>)>,
    last: &[(K, Arc<V>)],
    key: &K,
    same: impl Fn(&K, &K) -> bool,
    make: impl FnOnce() -> Option<V>,
) -> Option<Arc<V>> {
    if let Some((_, v)) = kept.iter().find(|(k, _)| same(k, key)) {
        return Some(Arc::clone(v));
    }
    let v = match last.iter().find(|(k, _)| same(k, key)) {
        Some((_, v)) => Arc::clone(v),
        None => Arc::new(make()?),
    };
    kept.push((key.clone(), Arc::clone(&v)));
    Some(v)
}

/// An opaque still converted to I420; `None` for odd sizes, which have no whole chroma blocks.
fn still_planes(img: &SourceImage) -> Option<YuvFrame> {
    let mut planes = YuvFrame::new(img.width, img.height).ok()?;
    let YuvFrame { y, u, v, .. } = &mut planes;
    rgba_to_i420(&img.rgba, img.width as usize, y, u, v).then_some(planes)
}

/// A still's plane op through `m` (unrotated) at `opacity` in a frame `width` pixels wide.
fn image_op(planes: Arc<YuvFrame>, m: &Affine, opacity: u8, width: u32) -> PlaneOp {
    // The same f32 expressions as the RGBA path's taps and rows (`b`, `d` are 0).
    let (c, f) = (m.b * 0.0 + m.c, m.f);
    let luma = PlaneTaps::new(m.a, c, planes.width, width);
    let cc = (c + 0.5 * m.a - 0.5) / 2.0;
    let cf = (f + 0.5 * m.e - 0.5) / 2.0;
    let chroma = PlaneTaps::new(m.a, cc, planes.width / 2, width / 2);
    PlaneOp::Image {
        planes,
        taps: [luma, chroma],
        rows: [(m.e, f), (m.e, cf)],
        fade: (opacity != 255).then_some(opacity),
    }
}

/// A source plane: `width × height` bytes.
struct Plane<'a> {
    px: &'a [u8],
    width: u32,
    height: u32,
}

/// Draw `src` into the band `dst` (rows of `dst_w` bytes from plane row `y0`) with `taps` and
/// rows `v = e·y + f`, over everything (`fade` `None`) or at `fade` opacity.
fn plane_image(
    dst: &mut [u8],
    (dst_w, y0): (usize, u32),
    src: &Plane<'_>,
    (taps, (e, f)): (&PlaneTaps, (f32, f32)),
    fade: Option<u8>,
    scratch: &mut Scratch,
) {
    let Scratch { bufs, tmp } = scratch;
    for buf in bufs.iter_mut() {
        buf.resize(dst_w, 0);
    }
    tmp.resize(if fade.is_some() { dst_w } else { 0 }, 0);
    let stride = src.width as usize;
    let filter = |r: usize, out: &mut [u16]| {
        let row = src.px.get(r * stride..(r + 1) * stride).unwrap_or(&[]);
        filter_plane_row(row, taps, out);
    };
    let mut rows_at = [usize::MAX; 2];
    for (r, row) in dst.chunks_exact_mut(dst_w).enumerate() {
        let y = y0 + r as u32;
        let (s0, s1, fy) = axis(0.0 + (e * y as f32 + f), src.height);
        source_rows(bufs, &mut rows_at, (s0, s1), &filter);
        match fade {
            None => blend_rows(&bufs[0], &bufs[1], fy, row),
            Some(o) => {
                blend_rows(&bufs[0], &bufs[1], fy, tmp);
                fade_into(row, tmp, o);
            }
        }
    }
}

/// Premultiplied `src` with `alpha` over `dst`, at opacity `o`: the RGBA overlay's integers.
#[multiversion(targets("x86_64+avx2+fma", "x86_64+sse4.1"))]
fn blend_span(dst: &mut [u8], src: &[u8], alpha: &[u8], o: u8) {
    let o = u16::from(o);
    for ((d, &s), &a) in dst.iter_mut().zip(src).zip(alpha) {
        let inv = 255 - mul255_16(u16::from(a), o);
        *d = (mul255_16(u16::from(s), o) + mul255_16(u16::from(*d), inv)).min(255) as u8;
    }
}

/// Blend a layer plane (`src` and `alpha`, `sw × sh`, top-left at `(ox, oy)`) onto the band
/// `dst` (rows of `dst_w` bytes from plane row `y0`).
fn blend_layer(
    dst: &mut [u8],
    (dst_w, y0): (usize, u32),
    (src, alpha): (&[u8], &[u8]),
    (sw, sh): (u32, u32),
    (ox, oy): (i32, i32),
    o: u8,
) {
    let (ox, oy, sw) = (i64::from(ox), i64::from(oy), i64::from(sw));
    let xa = ox.clamp(0, dst_w as i64);
    let xb = (ox + sw).clamp(0, dst_w as i64);
    if xa >= xb {
        return;
    }
    let (sa, sb) = ((xa - ox) as usize, (xb - ox) as usize);
    let stride = sw as usize;
    for (r, row) in dst.chunks_exact_mut(dst_w).enumerate() {
        let sy = i64::from(y0) + r as i64 - oy;
        if sy < 0 || sy >= i64::from(sh) {
            continue;
        }
        let at = sy as usize * stride;
        let (Some(s), Some(a)) = (src.get(at + sa..at + sb), alpha.get(at + sa..at + sb)) else {
            continue;
        };
        blend_span(&mut row[xa as usize..xb as usize], s, a, o);
    }
}

/// Band `i` of a frame `width` pixels wide, `band_rows` luma rows a band (even): every op
/// bottom to top into its luma rows `y` and chroma rows `u`, `v`.
pub(crate) fn draw_band(
    ops: &[PlaneOp],
    (i, band_rows): (usize, usize),
    width: usize,
    y: &mut [u8],
    u: &mut [u8],
    v: &mut [u8],
) {
    let (ly, cy) = ((i * band_rows) as u32, (i * band_rows / 2) as u32);
    let half = width / 2;
    with_scratch(|scratch| {
        for op in ops {
            match op {
                PlaneOp::Image {
                    planes,
                    taps: [luma, chroma],
                    rows: [lrows, crows],
                    fade,
                } => {
                    let (w, h) = (planes.width, planes.height);
                    let src = Plane {
                        px: &planes.y,
                        width: w,
                        height: h,
                    };
                    plane_image(y, (width, ly), &src, (luma, *lrows), *fade, scratch);
                    for (dst, px) in [(&mut *u, &planes.u), (&mut *v, &planes.v)] {
                        let src = Plane {
                            px,
                            width: w / 2,
                            height: h / 2,
                        };
                        plane_image(dst, (half, cy), &src, (chroma, *crows), *fade, scratch);
                    }
                }
                PlaneOp::Layer {
                    planes: l,
                    x,
                    y: top,
                    opacity,
                } => {
                    let (size, at) = ((l.width, l.height), (*x, *top));
                    blend_layer(y, (width, ly), (&l.y, &l.a), size, at, *opacity);
                    let (size, at) = ((l.width / 2, l.height / 2), (*x / 2, *top / 2));
                    blend_layer(u, (half, cy), (&l.u, &l.a2), size, at, *opacity);
                    blend_layer(v, (half, cy), (&l.v, &l.a2), size, at, *opacity);
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn xorshift(state: &mut u32) -> u32 {
        *state ^= *state << 13;
        *state ^= *state >> 17;
        *state ^= *state << 5;
        *state
    }

    /// The plane filter (AVX2 where this CPU has it) gives the per-column taps' integers at
    /// every scale: magnified (every block in its window), shrunk up to about 2× (windows of 16
    /// bytes) and beyond (pixel by pixel), with columns after the last whole block and taps
    /// clamped at both edges.
    #[test]
    fn the_plane_filter_equals_the_per_column_taps() {
        let mut state = 0x9e37_79b9;
        let row: Vec<u8> = (0..333).map(|_| xorshift(&mut state) as u8).collect();
        for (a, c) in [
            (0.37, -3.2),
            (0.8, 10.4),
            (1.0, 0.0),
            (1.0, 0.5),
            (1.31, 7.7),
            (1.87, -0.3),
            (2.6, 1.1),
            (0.9, 120.0),
        ] {
            for columns in [16, 250, 333] {
                let taps = PlaneTaps::new(a, c, row.len() as u32, columns);
                let mut got = vec![0u16; columns as usize];
                filter_plane_row(&row, &taps, &mut got);
                let want: Vec<u16> = taps.cols.iter().map(|t| plane_tap(&row, *t)).collect();
                assert_eq!(got, want, "a = {a}, c = {c}, {columns} columns");
                // Each lane is the bilinear sum of its two pixels.
                let t = taps.cols[5];
                let (p0, p1) = (row[t.c0 as usize], row[(t.c0 as usize + 1).min(332)]);
                let sum = u32::from(p0) * (256 - t.fx) + u32::from(p1) * t.fx;
                assert_eq!(u32::from(want[5]), sum);
            }
        }
    }

    /// An opaque layer's planes are the conversion of its pixels (luma per pixel, chroma per
    /// 2×2 block), a clear one's are all zero, and padding moves the pixels by one.
    #[test]
    fn layer_planes_are_premultiplied_conversions() {
        let mut state = 0x1234_5678;
        let (w, h) = (6u32, 4u32);
        let rgba: Vec<u8> = (0..w * h * 4)
            .map(|i| {
                if i % 4 == 3 {
                    255
                } else {
                    xorshift(&mut state) as u8
                }
            })
            .collect();
        let pixel = |x: u32, y: u32| {
            let i = ((y * w + x) * 4) as usize;
            [rgba[i], rgba[i + 1], rgba[i + 2], rgba[i + 3]]
        };
        let layer = LayerPlanes::new(w, h, (0, 0), pixel);
        let mut want = YuvFrame::new(w, h).unwrap_or_else(|e| panic!("{e}"));
        let YuvFrame { y, u, v, .. } = &mut want;
        assert!(rgba_to_i420(&rgba, w as usize, y, u, v));
        assert_eq!((layer.width, layer.height), (w, h));
        assert_eq!(layer.y, want.y);
        assert_eq!(layer.u, want.u);
        assert_eq!(layer.v, want.v);
        assert!(layer.a.iter().chain(&layer.a2).all(|&a| a == 255));

        let clear = LayerPlanes::new(3, 3, (1, 1), |_, _| [0; 4]);
        assert_eq!((clear.width, clear.height), (4, 4));
        assert!(
            clear
                .y
                .iter()
                .chain(&clear.u)
                .chain(&clear.a2)
                .all(|&b| b == 0)
        );

        let padded = LayerPlanes::new(w, h, (1, 0), pixel);
        assert_eq!((padded.width, padded.height), (w + 2, h));
        let row = (w + 2) as usize;
        assert_eq!(padded.y[1..=w as usize], layer.y[..w as usize]);
        assert_eq!((padded.a[0], padded.a[row - 1], padded.a[1]), (0, 0, 255));
        // A half-covered block: half the alpha, half the premultiplied colour.
        assert_eq!(padded.a2[0], 128);
    }

    /// A still is converted once while it is on screen, however many frames show it (and
    /// once only through a crossfade, where two stills are on screen); a caption once per
    /// state; what the frames stop using is let go, and nothing is kept through frames drawn
    /// in RGBA.
    #[test]
    fn stills_and_layers_are_converted_once_while_frames_use_them() {
        use crate::Compositor;
        use ytempire_core::{Motion, Segment, Timeline, Transition, VideoSpec, Visual, WordTiming};

        let png = |hue: u8| {
            let img = image::RgbaImage::from_fn(96, 54, |x, y| {
                image::Rgba([x as u8 * 2, y as u8 * 4, hue, 255])
            });
            let mut out = std::io::Cursor::new(Vec::new());
            img.write_to(&mut out, image::ImageFormat::Png)
                .unwrap_or_else(|e| panic!("{e}"));
            Visual::image_bytes(format!("v{hue}"), 96, 54, "image/png", out.into_inner())
        };
        let kb = Motion::KenBurns {
            from_zoom: 1.0,
            to_zoom: 1.2,
            from_center: (0.5, 0.5),
            to_center: (0.6, 0.5),
        };
        let mut t = Timeline::new(VideoSpec::new(64, 36, 30))
            .with_segment(Segment::new(png(0), 0.0, 1.0).with_motion(kb))
            .with_segment(
                Segment::new(png(200), 1.0, 2.0)
                    .with_transition(Transition::Crossfade { secs: 0.5 }),
            )
            .with_segment(
                Segment::new(png(100), 2.0, 3.0).with_transition(Transition::Slide { secs: 0.5 }),
            );
        t.captions = vec![
            WordTiming::new("one", 0.0, 0.9),
            WordTiming::new("two", 1.0, 2.0),
        ];
        let style = crate::SceneStyle {
            on_screen_text: false,
            ..crate::SceneStyle::default()
        };
        let scene = crate::RenderPlan::from_timeline(&t, &style).unwrap_or_else(|e| panic!("{e}"));
        let mut c = super::super::CpuCompositor::new();
        c.prepare(&scene).unwrap_or_else(|e| panic!("{e}"));
        let mut frame = YuvFrame::new(64, 36).unwrap_or_else(|e| panic!("{e}"));
        let mut draw = |c: &mut super::super::CpuCompositor, t: f64| {
            c.render_frame_yuv(&scene, t, &mut frame)
                .unwrap_or_else(|e| panic!("{e}"));
        };
        for i in 0..25 {
            draw(&mut c, f64::from(i) / 30.0);
        }
        assert_eq!(c.planes.converted[0], 1, "first still, 25 frames");
        assert_eq!(c.planes.stills.len(), 1);
        let layers = c.planes.converted[1];
        assert!(layers >= 1, "the caption");
        for i in 0..10 {
            draw(&mut c, 1.1 + f64::from(i) / 30.0);
        }
        assert_eq!(
            c.planes.converted[0], 2,
            "the crossfade adds the second still"
        );
        assert_eq!(c.planes.stills.len(), 2);
        draw(&mut c, 1.8);
        assert_eq!(c.planes.converted[0], 2);
        assert_eq!(c.planes.stills.len(), 1, "the first still is let go");
        assert!(c.planes.converted[1] > layers, "the second word's caption");
        assert_eq!(c.frames_drawn_in_planes(), 36);
        // A slide is drawn in RGBA: nothing is kept through it.
        draw(&mut c, 2.2);
        assert_eq!(c.frames_drawn_in_planes(), 36);
        assert!(c.planes.stills.is_empty() && c.planes.layers.is_empty());
    }

    /// Blending a layer plane is source-over at the layer's opacity, clipped to the band.
    #[test]
    fn layers_blend_source_over_inside_the_band() {
        let (w, rows) = (8usize, 4usize);
        let mut band = vec![100u8; w * rows];
        let src = [200u8, 0, 50, 120];
        let alpha = [255u8, 0, 128, 255];
        // A 2×2 layer whose top-left is (-1, 3): one column and one row fall outside.
        blend_layer(&mut band, (w, 2), (&src, &alpha), (2, 2), (-1, 3), 255);
        // Only frame row 4 (band row 2) at x = 0 is covered, by layer pixel (1, 1).
        let mut want = vec![100u8; w * rows];
        want[2 * w] = (u16::from(src[3]) + mul255_16(100, 0)) as u8;
        assert_eq!(band, want);
        // A translucent pixel at half opacity.
        let mut band = vec![100u8; 2];
        blend_layer(
            &mut band,
            (2, 0),
            (&src[2..], &alpha[2..]),
            (2, 1),
            (0, 0),
            128,
        );
        let inv = 255 - mul255_16(128, 128);
        assert_eq!(band[0], (mul255_16(50, 128) + mul255_16(100, inv)) as u8);
        assert_eq!(band[1], (mul255_16(120, 128) + mul255_16(100, 127)) as u8);
    }
}

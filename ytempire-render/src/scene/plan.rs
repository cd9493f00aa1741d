//! The draw operations of one instant, shared by the CPU and GPU compositors.
//!
//! Geometry conventions (both backends follow them exactly):
//! - Pixel `(x, y)` has its centre at `(x + 0.5, y + 0.5)`.
//! - An image is sampled at texel coordinates `(u, v) = affine(x, y)` where texel centres are
//!   integers; bilinear filtering uses 8-bit weights `floor(fract(u) * 256)` between
//!   `floor(u)` and `floor(u) + 1`, clamped to the image edge.
//! - Everything is premultiplied RGBA8 and blended source-over.
//! - A segment's picture is its still or, for a video clip, the clip frame that
//!   `SegmentMedia::update` decoded for this instant; both go through the same cover-and-Ken-Burns
//!   affine ([`RenderPlan::segment_affine`]).

use std::sync::Arc;

use ytempire_core::{Motion, Result, Transition};

use super::{Background, RenderPlan, SegmentMedia, SourceImage};
use crate::text::{Overlay, OverlayKey, OverlayStore};

/// An integer pixel rectangle `[x0, x1) × [y0, y1)`, inside the frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct IRect {
    pub(crate) x0: u32,
    pub(crate) y0: u32,
    pub(crate) x1: u32,
    pub(crate) y1: u32,
}

impl IRect {
    pub(crate) fn is_empty(&self) -> bool {
        self.x0 >= self.x1 || self.y0 >= self.y1
    }
}

/// Maps a pixel index `(x, y)` to texel coordinates: `u = a x + b y + c`, `v = d x + e y + f`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Affine {
    pub(crate) a: f32,
    pub(crate) b: f32,
    pub(crate) c: f32,
    pub(crate) d: f32,
    pub(crate) e: f32,
    pub(crate) f: f32,
}

/// One layer to draw, bottom first.
#[derive(Debug, Clone)]
pub(crate) enum DrawOp {
    /// Fill the whole frame.
    Background(Background),
    /// A segment's image through an affine map, with opacity, inside `clip`.
    Image {
        image: usize,
        affine: Affine,
        opacity: u8,
        clip: IRect,
    },
    /// A solid premultiplied colour.
    Rect { rect: IRect, color: [u8; 4] },
    /// A CPU-rasterised premultiplied overlay placed at an integer offset.
    Overlay {
        overlay: Arc<Overlay>,
        x: i32,
        y: i32,
        opacity: u8,
    },
}

fn opacity_u8(o: f64) -> u8 {
    (o.clamp(0.0, 1.0) * 255.0).round() as u8
}

/// A render time made safe: non-finite times become 0, negative ones 0.
pub(crate) fn clamp_time(t: f64) -> f64 {
    if t.is_finite() { t.max(0.0) } else { 0.0 }
}

/// The segment leaving the screen during another's transition in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Leaving {
    /// Its index.
    pub(crate) index: usize,
    /// Transition progress 0..1.
    pub(crate) progress: f64,
    /// Slide (true) or crossfade.
    pub(crate) slide: bool,
}

/// Which segments' pictures are on screen at one instant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Visible {
    /// The current segment (the last one that has started).
    pub(crate) cur: usize,
    /// The previous segment, while the current one transitions in.
    pub(crate) prev: Option<Leaving>,
}

impl Visible {
    /// Whether segment `i`'s picture is on screen (current, or leaving in a transition).
    pub(crate) fn shows(&self, i: usize) -> bool {
        self.cur == i || self.prev.is_some_and(|p| p.index == i)
    }
}

impl RenderPlan {
    /// The segments drawn at `t` (a [`clamp_time`]d time); `None` before the first segment or
    /// in a gap between segments.
    pub(crate) fn visible(&self, t: f64) -> Option<Visible> {
        let i = self.segments.iter().rposition(|s| s.start <= t)?;
        let seg = &self.segments[i];
        let is_last = i + 1 == self.segments.len();
        if !(t < seg.end || (is_last && t <= seg.end + 1e-9)) {
            return None;
        }
        let (trans_secs, slide) = match seg.transition {
            Transition::Cut => (0.0, false),
            Transition::Crossfade { secs } => (secs, false),
            Transition::Slide { secs } => (secs, true),
        };
        let prev = (i > 0 && trans_secs > 0.0 && t < seg.start + trans_secs).then(|| Leaving {
            index: i - 1,
            progress: (t - seg.start) / trans_secs,
            slide,
        });
        Some(Visible { cur: i, prev })
    }

    /// The draw operations at `t` seconds, appended to `ops` (cleared first). Clip frames in
    /// `media` must have been brought to `t` (`SegmentMedia::update`).
    pub(crate) fn plan(
        &self,
        t: f64,
        media: &SegmentMedia,
        overlays: &mut OverlayStore,
        ops: &mut Vec<DrawOp>,
    ) -> Result<()> {
        ops.clear();
        let (w, h) = (self.spec.width, self.spec.height);
        let full = IRect {
            x0: 0,
            y0: 0,
            x1: w,
            y1: h,
        };
        ops.push(DrawOp::Background(self.style.background));
        let t = clamp_time(t);

        if let Some(v) = self.visible(t) {
            let i = v.cur;
            match v.prev {
                Some(prev) => {
                    let p = prev.progress;
                    self.push_image(prev.index, t, 0, 255, full, media, ops);
                    if prev.slide {
                        let off = (self.style.easing.apply(1.0 - p) * f64::from(w)).round();
                        let off = (off.max(0.0) as u32).min(w);
                        let clip = IRect { x0: off, ..full };
                        self.push_image(i, t, off, 255, clip, media, ops);
                    } else {
                        self.push_image(i, t, 0, opacity_u8(p), full, media, ops);
                    }
                }
                None => self.push_image(i, t, 0, 255, full, media, ops),
            }
            self.push_segment_text(i, t, overlays, ops)?;
            self.push_headline(i, t, overlays, ops)?;
        }
        self.push_caption(t, overlays, ops)?;
        self.push_watermark(overlays, ops)?;
        if let Some(color) = self.style.progress_bar {
            let bar_h = ((self.style.progress_bar_px * self.unit()).round() as u32).clamp(1, h);
            let frac = if self.duration > 0.0 {
                (t / self.duration).clamp(0.0, 1.0)
            } else {
                0.0
            };
            let rect = IRect {
                x0: 0,
                y0: h - bar_h,
                x1: ((frac * f64::from(w)).round() as u32).min(w),
                y1: h,
            };
            if !rect.is_empty() {
                ops.push(DrawOp::Rect {
                    rect,
                    color: color.premultiplied(),
                });
            }
        }
        // Layers under an opaque full-frame image are invisible: skip them.
        if let Some(k) = ops.iter().rposition(|op| match op {
            DrawOp::Image {
                image,
                opacity: 255,
                clip,
                ..
            } => *clip == full && media.image(*image).is_some_and(|i| i.opaque),
            _ => false,
        }) {
            ops.drain(..k);
        }
        Ok(())
    }

    /// Ken Burns affine of segment `i` at time `t`, slid right by `off` pixels.
    pub(crate) fn segment_affine(&self, i: usize, t: f64, img: &SourceImage, off: u32) -> Affine {
        let seg = &self.segments[i];
        let len = (seg.end - seg.start).max(1e-9);
        let p = self.style.easing.apply((t - seg.start) / len);
        let (zoom, center, rot) = match seg.motion {
            Motion::Still => (1.0, (0.5, 0.5), 0.0),
            Motion::KenBurns {
                from_zoom,
                to_zoom,
                from_center,
                to_center,
            } => {
                let l = |a: f32, b: f32| f64::from(a) + (f64::from(b) - f64::from(a)) * p;
                (
                    l(from_zoom, to_zoom),
                    (l(from_center.0, to_center.0), l(from_center.1, to_center.1)),
                    f64::from(self.style.ken_burns_rotation_deg).to_radians() * p,
                )
            }
        };
        let (fw, fh) = (f64::from(self.spec.width), f64::from(self.spec.height));
        let (iw, ih) = (f64::from(img.width), f64::from(img.height));
        let (sin, cos) = rot.sin_cos();
        // Enlarge enough that the rotated frame stays inside the image.
        let rot_cover = cos.abs() + sin.abs() * (fw / fh).max(fh / fw);
        let scale = (fw / iw).max(fh / ih) * zoom * rot_cover;
        let clamp_c = |c: f64, half: f64, n: f64| {
            if n >= 2.0 * half {
                (c * n).clamp(half, n - half)
            } else {
                n / 2.0
            }
        };
        let cx = clamp_c(center.0, fw / (2.0 * scale), iw);
        let cy = clamp_c(center.1, fh / (2.0 * scale), ih);
        let dx0 = 0.5 - fw / 2.0 - f64::from(off);
        let dy0 = 0.5 - fh / 2.0;
        Affine {
            a: (cos / scale) as f32,
            b: (sin / scale) as f32,
            c: (cx - 0.5 + (cos * dx0 + sin * dy0) / scale) as f32,
            d: (-sin / scale) as f32,
            e: (cos / scale) as f32,
            f: (cy - 0.5 + (-sin * dx0 + cos * dy0) / scale) as f32,
        }
    }

    #[expect(clippy::too_many_arguments, reason = "internal helper")]
    fn push_image(
        &self,
        i: usize,
        t: f64,
        off: u32,
        opacity: u8,
        clip: IRect,
        media: &SegmentMedia,
        ops: &mut Vec<DrawOp>,
    ) {
        let Some(img) = media.image(i) else { return };
        if opacity == 0 || clip.is_empty() {
            return;
        }
        let seg_t = t.min(self.segments[i].end);
        ops.push(DrawOp::Image {
            image: i,
            affine: self.segment_affine(i, seg_t, img, off),
            opacity,
            clip,
        });
    }

    fn push_segment_text(
        &self,
        i: usize,
        t: f64,
        overlays: &mut OverlayStore,
        ops: &mut Vec<DrawOp>,
    ) -> Result<()> {
        let seg = &self.segments[i];
        if !self.style.on_screen_text || seg.text.is_none() {
            return Ok(());
        }
        let since = t - seg.start;
        let dur = self.style.on_screen_text_secs.min(seg.end - seg.start);
        if since >= dur {
            return Ok(());
        }
        let fade = self.style.fade_secs;
        let o = if fade > 0.0 {
            (since / fade).min((dur - since) / fade).clamp(0.0, 1.0)
        } else {
            1.0
        };
        let key = if i == 0 {
            OverlayKey::Title(i)
        } else {
            OverlayKey::LowerThird(i)
        };
        let ov = overlays.get(self, key)?;
        let (sx, sy, sw, sh) = self.safe_rect();
        let (x, y) = if i == 0 {
            (
                centre(sx, sw, ov.width),
                centre(sy, sh, ov.height) - (sh / 8) as i32,
            )
        } else {
            (
                sx as i32,
                (sy + sh) as i32 - ov.height as i32 - (sh / 5) as i32,
            )
        };
        push_overlay(ops, ov, x, y, opacity_u8(o));
        Ok(())
    }

    /// Segment `i`'s headline at `t`: the words spoken so far, the newest fading in.
    fn push_headline(
        &self,
        i: usize,
        t: f64,
        overlays: &mut OverlayStore,
        ops: &mut Vec<DrawOp>,
    ) -> Result<()> {
        let Some((shown, fade_in, fade_out)) = self.segments[i]
            .headline
            .as_ref()
            .and_then(|h| h.state_at(t))
        else {
            return Ok(());
        };
        let (w, h) = (self.spec.width, self.spec.height);
        let mut push = |shown: usize, opacity: f64| -> Result<()> {
            let ov = overlays.get(self, OverlayKey::Headline { segment: i, shown })?;
            let (x, y) = crate::text::headline_origin((ov.width, ov.height), w, h);
            push_overlay(ops, ov, x as i32, y as i32, opacity_u8(opacity));
            Ok(())
        };
        // The newest word fades in (fill and outline together): the words before it at
        // full opacity, and the state with it over them at the fade's opacity.
        if fade_in < 1.0 && shown > 1 {
            push(shown - 1, fade_out)?;
        }
        push(shown, fade_in * fade_out)
    }

    fn push_caption(
        &self,
        t: f64,
        overlays: &mut OverlayStore,
        ops: &mut Vec<DrawOp>,
    ) -> Result<()> {
        if !self.style.caption.enabled || self.phrases.is_empty() {
            return Ok(());
        }
        let Some((pi, word)) = self.caption_index(t) else {
            return Ok(());
        };
        let ov = overlays.get(self, OverlayKey::Caption { phrase: pi, word })?;
        let (sx, sy, sw, sh) = self.safe_rect();
        let bottom = match self.style.caption.bottom_px {
            Some(b) => self.spec.height as i32 - (b * self.unit()).round() as i32,
            None => (sy + sh) as i32,
        };
        push_overlay(
            ops,
            ov.clone(),
            centre(sx, sw, ov.width),
            bottom - ov.height as i32,
            255,
        );
        Ok(())
    }

    fn push_watermark(&self, overlays: &mut OverlayStore, ops: &mut Vec<DrawOp>) -> Result<()> {
        let Some(wm) = &self.style.watermark else {
            return Ok(());
        };
        let ov = overlays.get(self, OverlayKey::Watermark)?;
        let (sx, sy, sw, sh) = self.safe_rect();
        let (right, bottom) = (
            (sx + sw) as i32 - ov.width as i32,
            (sy + sh) as i32 - ov.height as i32,
        );
        let (x, y) = match wm.corner {
            super::Corner::TopLeft => (sx as i32, sy as i32),
            super::Corner::TopRight => (right, sy as i32),
            super::Corner::BottomLeft => (sx as i32, bottom),
            super::Corner::BottomRight => (right, bottom),
        };
        push_overlay(ops, ov, x, y, opacity_u8(f64::from(wm.opacity)));
        Ok(())
    }
}

fn centre(start: u32, len: u32, size: u32) -> i32 {
    start as i32 + (len as i32 - size as i32) / 2
}

fn push_overlay(ops: &mut Vec<DrawOp>, overlay: Arc<Overlay>, x: i32, y: i32, opacity: u8) {
    if opacity > 0 && overlay.width > 0 && overlay.height > 0 {
        ops.push(DrawOp::Overlay {
            overlay,
            x,
            y,
            opacity,
        });
    }
}

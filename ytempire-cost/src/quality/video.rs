//! Video scoring from sampled decoded frames and facts about the rendered file.
//!
//! This crate does not decode video (it does not depend on `ytempire-render`): the caller
//! decodes a few frames (two per second is plenty), reads the declared size and frame rate
//! from the file, and hands them over in a [`VideoSample`] with the durations, the caption and
//! narration intervals and the visual ids of the timeline's segments. [`score_video`] gives:
//!
//! | sub-score | what is measured | 10 when |
//! |---|---|---|
//! | `black_frames` | sampled frames whose mean BT.601 luma is below 16 (of 255) | at most 5 % of them; −4 points per 10 % more |
//! | `frozen_frames` | the longest stretch in which every sampled frame stays within a mean absolute luma difference of 1.0 from the stretch's first frame | at most 4 s; −2.5 points per second more |
//! | `resolution` | declared size against the requested size; decoded frames match it (or its shape, when downscaled) | all equal (else 0) |
//! | `frame_rate` | declared frame rate against the requested one | within 1 % (else 2) |
//! | `caption_coverage` | fraction of narration time (union of narration intervals) covered by a caption | at least 95 %; −4 points per 10 % less |
//! | `duration_match` | video duration against audio duration | within 0.5 s; −4 points per second more |
//! | `repeated_visuals` | segments showing a visual id already used earlier | none; −2 points per 10 % of segments |
//!
//! Frozen frames are measured against the *first* frame of a candidate stretch, not frame to
//! frame: Ken Burns motion changes each frame only slightly, but the change accumulates, so
//! a moving still leaves the stretch within a second or two, while a truly frozen picture
//! (identical frames, or ones that differ only by encoder noise) stays in it. A still shown
//! without motion for longer than [`VideoLimits::max_frozen_secs`] is reported as frozen:
//! that is what a viewer sees.
//!
//! `caption_coverage` is left out when there is no narration, `repeated_visuals` when no
//! visual ids are given, and `frozen_frames` when fewer than two frames were sampled. The
//! overall uses the weakest-link rule ([`QualityScore::from_parts_capped`]).

use image::RgbImage;
use serde::Serialize;
use std::collections::HashSet;
use ytempire_core::{VideoSpec, WordTiming};

use super::{QualityScore, SubScore, WEAKEST_LINK_SLACK, luma};

/// Luma samples per row and column taken from each frame.
const GRID_W: u32 = 256;
const GRID_H: u32 = 144;

/// One decoded frame and when it is shown.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SampledFrame {
    /// Presentation time in seconds.
    pub at_secs: f64,
    /// The decoded picture.
    pub image: RgbImage,
}

impl SampledFrame {
    /// A frame shown at `at_secs`.
    pub fn new(at_secs: f64, image: RgbImage) -> Self {
        Self { at_secs, image }
    }
}

/// Thresholds for [`score_video`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[non_exhaustive]
pub struct VideoLimits {
    /// A frame whose mean luma (0–255) is below this is black (default 16).
    pub black_luma: f64,
    /// Fraction of black sampled frames that still scores 10 (default 0.05: fades).
    pub max_black_fraction: f64,
    /// Mean absolute luma difference (0–255) under which two frames are the same picture
    /// (default 1.0).
    pub frozen_mad: f64,
    /// Longest frozen stretch that scores 10, in seconds (default 4).
    pub max_frozen_secs: f64,
    /// Video/audio duration difference that scores 10, in seconds (default 0.5).
    pub duration_tolerance_secs: f64,
    /// Caption coverage of narration that scores 10 (default 0.95).
    pub min_caption_coverage: f64,
}

impl Default for VideoLimits {
    fn default() -> Self {
        Self {
            black_luma: 16.0,
            max_black_fraction: 0.05,
            frozen_mad: 1.0,
            max_frozen_secs: 4.0,
            duration_tolerance_secs: 0.5,
            min_caption_coverage: 0.95,
        }
    }
}

impl VideoLimits {
    /// Set the longest frozen stretch that scores 10.
    #[must_use]
    pub fn with_max_frozen_secs(mut self, secs: f64) -> Self {
        self.max_frozen_secs = secs;
        self
    }

    /// Set the duration difference that scores 10.
    #[must_use]
    pub fn with_duration_tolerance(mut self, secs: f64) -> Self {
        self.duration_tolerance_secs = secs;
        self
    }
}

/// What [`score_video`] looks at: sampled frames plus facts about the rendered video.
///
/// ```
/// use image::{Rgb, RgbImage};
/// use ytempire_core::{VideoSpec, WordTiming};
/// use ytempire_cost::quality::VideoSample;
///
/// let words = [WordTiming::new("hi", 0.2, 0.6), WordTiming::new("there", 0.6, 1.0)];
/// let sample = VideoSample::new(VideoSpec::new(320, 180, 30))
///     .with_frame(0.0, RgbImage::from_pixel(320, 180, Rgb([200, 40, 40])))
///     .with_durations(1.5, 1.0)
///     .with_narration_timings(&words)
///     .with_caption_timings(&words)
///     .with_visuals(["img-1"]);
/// assert_eq!((sample.width, sample.height, sample.fps), (320, 180, 30.0));
/// assert_eq!(sample.narration, vec![(0.2, 0.6), (0.6, 1.0)]);
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct VideoSample {
    /// Decoded frames with their times (any order; sorted when scored).
    pub frames: Vec<SampledFrame>,
    /// Width the file declares.
    pub width: u32,
    /// Height the file declares.
    pub height: u32,
    /// Frame rate the file declares.
    pub fps: f64,
    /// What was asked for.
    pub requested: VideoSpec,
    /// Video duration in seconds.
    pub video_secs: f64,
    /// Audio duration in seconds (0: no audio).
    pub audio_secs: f64,
    /// `(start, end)` seconds in which a caption is on screen.
    pub captions: Vec<(f64, f64)>,
    /// `(start, end)` seconds in which narration is spoken (e.g. word timings).
    pub narration: Vec<(f64, f64)>,
    /// The visual id or content hash shown by each timeline segment, in order.
    pub visuals: Vec<String>,
    /// Thresholds.
    pub limits: VideoLimits,
}

fn intervals(timings: &[WordTiming]) -> Vec<(f64, f64)> {
    timings.iter().map(|t| (t.start_secs, t.end_secs)).collect()
}

impl VideoSample {
    /// A sample for a video rendered to `requested`; the declared size and rate start equal
    /// to the request and everything else empty.
    pub fn new(requested: VideoSpec) -> Self {
        Self {
            frames: Vec::new(),
            width: requested.width,
            height: requested.height,
            fps: f64::from(requested.fps),
            requested,
            video_secs: 0.0,
            audio_secs: 0.0,
            captions: Vec::new(),
            narration: Vec::new(),
            visuals: Vec::new(),
            limits: VideoLimits::default(),
        }
    }

    /// Set the size and frame rate the file declares.
    #[must_use]
    pub fn with_declared(mut self, width: u32, height: u32, fps: f64) -> Self {
        self.width = width;
        self.height = height;
        self.fps = fps;
        self
    }

    /// Add one decoded frame shown at `at_secs`.
    #[must_use]
    pub fn with_frame(mut self, at_secs: f64, image: RgbImage) -> Self {
        self.frames.push(SampledFrame::new(at_secs, image));
        self
    }

    /// Add decoded frames.
    #[must_use]
    pub fn with_frames(mut self, frames: impl IntoIterator<Item = SampledFrame>) -> Self {
        self.frames.extend(frames);
        self
    }

    /// Set the video and audio durations in seconds.
    #[must_use]
    pub fn with_durations(mut self, video_secs: f64, audio_secs: f64) -> Self {
        self.video_secs = video_secs;
        self.audio_secs = audio_secs;
        self
    }

    /// Set the caption intervals.
    #[must_use]
    pub fn with_captions(mut self, captions: Vec<(f64, f64)>) -> Self {
        self.captions = captions;
        self
    }

    /// Set the caption intervals from the timeline's caption word timings.
    #[must_use]
    pub fn with_caption_timings(self, timings: &[WordTiming]) -> Self {
        self.with_captions(intervals(timings))
    }

    /// Set the narration intervals.
    #[must_use]
    pub fn with_narration(mut self, narration: Vec<(f64, f64)>) -> Self {
        self.narration = narration;
        self
    }

    /// Set the narration intervals from the narration's word timings.
    #[must_use]
    pub fn with_narration_timings(self, timings: &[WordTiming]) -> Self {
        self.with_narration(intervals(timings))
    }

    /// Set the visual id (or content hash) of each segment, in order.
    #[must_use]
    pub fn with_visuals<S: Into<String>>(mut self, visuals: impl IntoIterator<Item = S>) -> Self {
        self.visuals = visuals.into_iter().map(Into::into).collect();
        self
    }

    /// Set the thresholds.
    #[must_use]
    pub fn with_limits(mut self, limits: VideoLimits) -> Self {
        self.limits = limits;
        self
    }
}

/// Luma on a fixed grid of positions, so frames of one size compare sample for sample.
struct LumaGrid {
    width: u32,
    height: u32,
    values: Vec<f32>,
    mean: f64,
}

impl LumaGrid {
    fn of(image: &RgbImage) -> Self {
        let (w, h) = image.dimensions();
        let (gw, gh) = (w.min(GRID_W), h.min(GRID_H));
        let mut values = Vec::with_capacity((gw * gh) as usize);
        for gy in 0..gh {
            let y = ((u64::from(gy) * 2 + 1) * u64::from(h) / (u64::from(gh) * 2)) as u32;
            for gx in 0..gw {
                let x = ((u64::from(gx) * 2 + 1) * u64::from(w) / (u64::from(gw) * 2)) as u32;
                values.push(luma(image.get_pixel(x, y)) as f32);
            }
        }
        let mean = if values.is_empty() {
            0.0
        } else {
            values.iter().map(|&v| f64::from(v)).sum::<f64>() / values.len() as f64
        };
        Self {
            width: w,
            height: h,
            values,
            mean,
        }
    }

    /// Mean absolute difference, or `None` when the frames are not comparable.
    fn mad(&self, other: &Self) -> Option<f64> {
        if (self.width, self.height) != (other.width, other.height) || self.values.is_empty() {
            return None;
        }
        let sum: f64 = self
            .values
            .iter()
            .zip(&other.values)
            .map(|(a, b)| f64::from((a - b).abs()))
            .sum();
        Some(sum / self.values.len() as f64)
    }
}

/// Merge intervals into sorted, disjoint ones (reversed or non-finite ones are dropped).
fn merged(list: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut v: Vec<(f64, f64)> = list
        .iter()
        .copied()
        .filter(|(s, e)| s.is_finite() && e.is_finite() && e > s)
        .collect();
    v.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut out: Vec<(f64, f64)> = Vec::with_capacity(v.len());
    for (s, e) in v {
        match out.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

fn overlap(a: &[(f64, f64)], b: &[(f64, f64)]) -> f64 {
    let mut total = 0.0;
    for &(s1, e1) in a {
        for &(s2, e2) in b {
            total += (e1.min(e2) - s1.max(s2)).max(0.0);
        }
    }
    total
}

/// Score a rendered video; see the [module docs](self) for every sub-score's scale.
///
/// ```
/// use image::{Rgb, RgbImage};
/// use ytempire_core::VideoSpec;
/// use ytempire_cost::quality::{score_video, VideoSample};
///
/// // Ten seconds of a black 320×180 video: black and frozen.
/// let mut sample = VideoSample::new(VideoSpec::new(320, 180, 30)).with_durations(10.0, 10.0);
/// for i in 0..20 {
///     sample = sample.with_frame(i as f64 * 0.5, RgbImage::new(320, 180));
/// }
/// let q = score_video(&sample);
/// assert_eq!(q.part("black_frames").map(|p| p.score), Some(0.0));
/// assert!(q.part("frozen_frames").is_some_and(|p| p.reason.contains("9.5s")));
/// assert!(q.overall <= 4.0);
/// ```
pub fn score_video(sample: &VideoSample) -> QualityScore {
    let limits = &sample.limits;
    let mut frames: Vec<&SampledFrame> = sample.frames.iter().collect();
    frames.sort_by(|a, b| a.at_secs.total_cmp(&b.at_secs));
    let grids: Vec<LumaGrid> = frames.iter().map(|f| LumaGrid::of(&f.image)).collect();
    let mut parts = Vec::with_capacity(7);

    // Black frames.
    if grids.is_empty() {
        parts.push(SubScore::new(
            "black_frames",
            0.0,
            "no frames were sampled; nothing to check",
        ));
    } else {
        let black = grids.iter().filter(|g| g.mean < limits.black_luma).count();
        let frac = black as f64 / grids.len() as f64;
        parts.push(SubScore::new(
            "black_frames",
            10.0 - (frac - limits.max_black_fraction).max(0.0) * 40.0,
            format!(
                "{black} of {} sampled frames ({:.0}%) are black (mean luma below {:.0})",
                grids.len(),
                frac * 100.0,
                limits.black_luma
            ),
        ));
    }

    // Frozen frames: stretches that stay close to their first frame.
    if grids.len() >= 2 {
        let mut longest = (0.0f64, 0.0f64); // (span, start)
        let mut anchor = 0;
        while anchor < grids.len() {
            let mut end = anchor + 1;
            while end < grids.len()
                && grids[end]
                    .mad(&grids[anchor])
                    .is_some_and(|d| d < limits.frozen_mad)
            {
                end += 1;
            }
            let span = frames[end - 1].at_secs - frames[anchor].at_secs;
            if span > longest.0 {
                longest = (span, frames[anchor].at_secs);
            }
            anchor = end;
        }
        let (span, start) = longest;
        parts.push(SubScore::new(
            "frozen_frames",
            10.0 - (span - limits.max_frozen_secs).max(0.0) * 2.5,
            if span > 0.0 {
                format!(
                    "longest frozen stretch {span:.1}s from {start:.1}s (sampled frames within {:.1} luma levels); limit {:.1}s",
                    limits.frozen_mad, limits.max_frozen_secs
                )
            } else {
                format!(
                    "every sampled frame differs from the one before (by at least {:.1} luma levels)",
                    limits.frozen_mad
                )
            },
        ));
    }

    // Resolution: declared and decoded against requested. Sampled frames may be downscaled
    // copies (callers keep memory flat on long videos), so a frame only has to match the
    // declared size or its aspect ratio to within one pixel.
    let want = (sample.requested.width, sample.requested.height);
    let same_shape = |(w, h): (u32, u32)| {
        (w, h) == (sample.width, sample.height)
            || (w <= sample.width
                && h <= sample.height
                && (f64::from(w) * f64::from(sample.height) / f64::from(sample.width.max(1))
                    - f64::from(h))
                .abs()
                    <= 1.0)
    };
    let odd_frame = frames
        .iter()
        .map(|f| f.image.dimensions())
        .find(|&d| !same_shape(d));
    parts.push(match ((sample.width, sample.height) == want, odd_frame) {
        (true, None) => SubScore::new(
            "resolution",
            10.0,
            format!("{}×{} as requested", want.0, want.1),
        ),
        (false, _) => SubScore::new(
            "resolution",
            0.0,
            format!(
                "declared {}×{}, requested {}×{}",
                sample.width, sample.height, want.0, want.1
            ),
        ),
        (true, Some((w, h))) => SubScore::new(
            "resolution",
            0.0,
            format!(
                "declared {}×{} as requested, but a decoded frame is {w}×{h}",
                want.0, want.1
            ),
        ),
    });

    // Frame rate.
    let want_fps = f64::from(sample.requested.fps);
    let fps_ok = sample.fps.is_finite() && (sample.fps - want_fps).abs() <= want_fps * 0.01;
    parts.push(SubScore::new(
        "frame_rate",
        if fps_ok { 10.0 } else { 2.0 },
        format!("{:.3} fps declared, {want_fps} requested", sample.fps),
    ));

    // Caption coverage of narration.
    let narration = merged(&sample.narration);
    let spoken: f64 = narration.iter().map(|(s, e)| e - s).sum();
    if spoken > 0.0 {
        let covered = overlap(&narration, &merged(&sample.captions));
        let coverage = (covered / spoken).clamp(0.0, 1.0);
        parts.push(SubScore::new(
            "caption_coverage",
            10.0 - (limits.min_caption_coverage - coverage).max(0.0) * 40.0,
            format!(
                "captions cover {:.0}% of {spoken:.1}s of narration (aim for {:.0}%)",
                coverage * 100.0,
                limits.min_caption_coverage * 100.0
            ),
        ));
    }

    // Audio/video duration.
    let (v, a) = (sample.video_secs, sample.audio_secs);
    parts.push(if !(v.is_finite() && v > 0.0) {
        SubScore::new("duration_match", 0.0, "the video has no duration")
    } else if !(a.is_finite() && a > 0.0) {
        SubScore::new(
            "duration_match",
            0.0,
            format!("video is {v:.2}s but there is no audio"),
        )
    } else {
        let gap = (v - a).abs();
        SubScore::new(
            "duration_match",
            10.0 - (gap - limits.duration_tolerance_secs).max(0.0) * 4.0,
            format!(
                "video {v:.2}s vs audio {a:.2}s: {gap:.2}s apart (tolerance {:.2}s)",
                limits.duration_tolerance_secs
            ),
        )
    });

    // Repeated visuals.
    if !sample.visuals.is_empty() {
        let mut seen = HashSet::new();
        let repeats = sample
            .visuals
            .iter()
            .filter(|v| !seen.insert(v.as_str()))
            .count();
        let ratio = repeats as f64 / sample.visuals.len() as f64;
        parts.push(SubScore::new(
            "repeated_visuals",
            10.0 - ratio * 20.0,
            format!(
                "{repeats} of {} segments reuse a visual already shown ({} distinct)",
                sample.visuals.len(),
                seen.len()
            ),
        ));
    }

    QualityScore::from_parts_capped(parts, WEAKEST_LINK_SLACK)
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    fn textured(w: u32, h: u32, zoom: f64) -> RgbImage {
        // A photo-like texture sampled through a centred zoom (Ken Burns).
        RgbImage::from_fn(w, h, |x, y| {
            let cx = (f64::from(x) - f64::from(w) / 2.0) / zoom + f64::from(w) / 2.0;
            let cy = (f64::from(y) - f64::from(h) / 2.0) / zoom + f64::from(h) / 2.0;
            let v = ((cx * 0.21).sin() * (cy * 0.17).cos() * 90.0 + 128.0) as u8;
            Rgb([v, v / 2 + 40, 255 - v])
        })
    }

    #[test]
    fn ken_burns_is_not_frozen_but_a_still_is() {
        let spec = VideoSpec::new(320, 180, 30);
        let mut moving = VideoSample::new(spec).with_durations(8.0, 8.0);
        let mut still = VideoSample::new(spec).with_durations(8.0, 8.0);
        for i in 0..16 {
            let t = f64::from(i) * 0.5;
            // 1.0 → 1.08 zoom over 8 s: under 0.3 % per sample.
            moving = moving.with_frame(t, textured(320, 180, 1.0 + 0.01 * t));
            still = still.with_frame(t, textured(320, 180, 1.0));
        }
        let m = score_video(&moving);
        assert_eq!(m.part("frozen_frames").unwrap().score, 10.0, "{m:?}");
        let s = score_video(&still);
        let frozen = s.part("frozen_frames").unwrap();
        assert!(
            (frozen.score - (10.0 - 3.5 * 2.5)).abs() < 1e-9,
            "{frozen:?}"
        );
        assert!(frozen.reason.contains("7.5s from 0.0s"), "{frozen:?}");
    }

    #[test]
    fn encoder_noise_does_not_break_a_frozen_stretch() {
        let base = textured(160, 90, 1.0);
        let mut sample = VideoSample::new(VideoSpec::new(160, 90, 30)).with_durations(6.0, 6.0);
        for i in 0..13u32 {
            let mut f = base.clone();
            // ±1 level of noise on a third of the pixels, different each frame.
            for (n, p) in f.pixels_mut().enumerate() {
                if (n as u32 + i).is_multiple_of(3) {
                    p.0[0] = p.0[0].saturating_add(1);
                    p.0[1] = p.0[1].saturating_sub(1);
                }
            }
            sample = sample.with_frame(f64::from(i) * 0.5, f);
        }
        let q = score_video(&sample);
        assert!(q.part("frozen_frames").unwrap().reason.contains("6.0s"));
    }

    #[test]
    fn intervals_are_merged_before_coverage() {
        assert_eq!(
            merged(&[
                (2.0, 3.0),
                (0.0, 1.0),
                (0.5, 1.5),
                (5.0, 4.0),
                (f64::NAN, 1.0)
            ]),
            vec![(0.0, 1.5), (2.0, 3.0)]
        );
        let spec = VideoSpec::new(64, 36, 30);
        let q = score_video(
            &VideoSample::new(spec)
                .with_narration(vec![(0.0, 2.0), (1.0, 4.0)])
                .with_captions(vec![(0.0, 1.0), (0.5, 3.0)])
                .with_durations(4.0, 4.0),
        );
        let c = q.part("caption_coverage").unwrap();
        assert!(c.reason.contains("cover 75% of 4.0s"), "{c:?}");
        assert!((c.score - 2.0).abs() < 1e-9, "{c:?}");
    }

    #[test]
    fn missing_inputs_are_reported_or_left_out() {
        let q = score_video(&VideoSample::new(VideoSpec::new(64, 36, 30)));
        assert!(q.part("frozen_frames").is_none());
        assert!(q.part("caption_coverage").is_none());
        assert!(q.part("repeated_visuals").is_none());
        assert_eq!(q.part("black_frames").unwrap().score, 0.0);
        assert_eq!(
            q.part("duration_match").unwrap().reason,
            "the video has no duration"
        );
        let q = score_video(&VideoSample::new(VideoSpec::new(64, 36, 30)).with_durations(3.0, 0.0));
        assert!(
            q.part("duration_match")
                .unwrap()
                .reason
                .contains("no audio")
        );
    }

    #[test]
    fn decoded_frame_shape_must_match_too() {
        // A downscaled sample of the same shape is fine (callers sample small frames)...
        let q = score_video(
            &VideoSample::new(VideoSpec::new(64, 36, 30))
                .with_frame(0.0, RgbImage::from_pixel(32, 18, Rgb([128, 128, 128])))
                .with_durations(1.0, 1.0),
        );
        assert_eq!(q.part("resolution").unwrap().score, 10.0);
        // ...a frame of another shape or larger than declared is not.
        for (w, h) in [(32, 32), (128, 72)] {
            let q = score_video(
                &VideoSample::new(VideoSpec::new(64, 36, 30))
                    .with_frame(0.0, RgbImage::from_pixel(w, h, Rgb([128, 128, 128])))
                    .with_durations(1.0, 1.0),
            );
            let r = q.part("resolution").unwrap();
            assert_eq!(r.score, 0.0);
            assert!(
                r.reason.contains(&format!("decoded frame is {w}×{h}")),
                "{r:?}"
            );
        }
        let q = score_video(
            &VideoSample::new(VideoSpec::new(64, 36, 30))
                .with_declared(64, 36, 29.97)
                .with_durations(1.0, 1.0),
        );
        assert_eq!(q.part("frame_rate").unwrap().score, 10.0);
    }
}

//! Backend-independent scene description: what is on screen at any time, with no wgpu types.
//!
//! A [`RenderPlan`] is built once from a core [`Timeline`] and a [`SceneStyle`]. Compositors ask it
//! for the draw operations of one instant (the `plan` module) and turn those into pixels; the CPU
//! and GPU compositors share the plan, so they agree on every layer's geometry and timing.
//!
//! A segment shows a still image or a video clip ([`ytempire_core::MediaKind::VideoClip`], an
//! H.264 MP4; see [`crate::clip`]). Both are scaled to fill the frame (cover: the short side
//! fits, the rest is cropped around the centre) by the same geometry, so Ken Burns motion,
//! crossfades and slides work the same on clips and stills. A clip plays from its segment's
//! start; the frame shown at time `t` is the latest one presented at or before
//! `t - segment.start`. A clip longer than its segment is trimmed (its first part plays); a
//! shorter one loops or holds its last frame, as [`SceneStyle::clip_playback`] says. During a
//! transition the leaving clip keeps playing. The clip's length comes from the file itself,
//! not from `Visual::duration_secs`.

mod assets;
mod headline;
mod media;
pub(crate) mod plan;
mod style;

pub(crate) use assets::MAX_IMAGE_SIDE;
pub use assets::SourceImage;
pub(crate) use assets::decode_visual;
pub(crate) use headline::Headline;
pub(crate) use media::{SegmentMedia, Stills};
pub use style::{
    Background, CaptionStyle, ClipPlayback, Color, Corner, Easing, SafeArea, SceneStyle, Watermark,
    WatermarkContent,
};

use ytempire_core::{Error, Motion, Result, Timeline, Transition, VideoSpec, Visual, WordTiming};

/// One visual on screen for a time range (a validated copy of a core `Segment`).
#[derive(Debug, Clone)]
pub(crate) struct SceneSegment {
    pub(crate) visual: Visual,
    pub(crate) start: f64,
    pub(crate) end: f64,
    pub(crate) motion: Motion,
    pub(crate) transition: Transition,
    pub(crate) text: Option<String>,
    /// The picture's headline, timed (see the `headline` module).
    pub(crate) headline: Option<Headline>,
}

/// A few caption words shown together; one of them is highlighted while it is spoken.
#[derive(Debug, Clone)]
pub(crate) struct Phrase {
    pub(crate) words: Vec<WordTiming>,
    pub(crate) start: f64,
    pub(crate) end: f64,
}

/// A validated, renderable video description.
///
/// ```no_run
/// use ytempire_core::{Segment, Timeline, VideoSpec, Visual};
/// use ytempire_render::scene::{RenderPlan, SceneStyle};
/// # fn main() -> ytempire_core::Result<()> {
/// let still = Visual::image_file("bg", 1920, 1080, "bg.png".into());
/// let timeline = Timeline::new(VideoSpec::landscape()).with_segment(Segment::new(still, 0.0, 10.0));
/// let scene = RenderPlan::from_timeline(&timeline, &SceneStyle::default())?;
/// assert_eq!(scene.duration_secs(), 10.0);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct RenderPlan {
    /// Unique per `from_timeline` call (clones share it): compositors check they were
    /// prepared for this scene.
    pub(crate) id: u64,
    pub(crate) spec: VideoSpec,
    pub(crate) duration: f64,
    pub(crate) segments: Vec<SceneSegment>,
    pub(crate) phrases: Vec<Phrase>,
    pub(crate) style: SceneStyle,
}

impl RenderPlan {
    /// Validate a timeline and turn it into a scene.
    ///
    /// Images and clips are not read here: a compositor's `prepare` decodes stills and probes
    /// clips, and reports missing or corrupt files then.
    ///
    /// # Errors
    /// `InvalidRequest` for an empty timeline, zero/odd/oversized dimensions, fps 0, bad
    /// segment or caption times, or an invalid style.
    pub fn from_timeline(t: &Timeline, style: &SceneStyle) -> Result<RenderPlan> {
        t.validate()?;
        style.validate()?;
        let mut segments = Vec::with_capacity(t.segments.len());
        for (i, s) in t.segments.iter().enumerate() {
            match s.transition {
                Transition::Crossfade { secs } | Transition::Slide { secs }
                    if !(secs.is_finite() && secs >= 0.0) =>
                {
                    return Err(Error::invalid_request(format!(
                        "segment {i}: transition length {secs}s must be a finite number >= 0"
                    )));
                }
                _ => {}
            }
            if let Motion::KenBurns {
                from_zoom, to_zoom, ..
            } = s.motion
                && !(from_zoom.is_finite()
                    && to_zoom.is_finite()
                    && from_zoom > 0.0
                    && to_zoom > 0.0)
            {
                return Err(Error::invalid_request(format!(
                    "segment {i}: Ken Burns zoom {from_zoom}→{to_zoom} must be finite and positive"
                )));
            }
            segments.push(SceneSegment {
                visual: s.visual.clone(),
                start: s.start_secs,
                end: s.end_secs,
                motion: s.motion.clone(),
                transition: s.transition.clone(),
                text: s
                    .on_screen_text
                    .as_ref()
                    .filter(|x| !x.trim().is_empty())
                    .cloned(),
                headline: None,
            });
        }
        segments.sort_by(|a, b| a.start.total_cmp(&b.start));
        for i in 0..segments.len() {
            segments[i].headline = Headline::for_segment(&segments, i, &t.captions);
        }
        let phrases = group_phrases(&t.captions, style.caption.max_words)?;
        static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        Ok(RenderPlan {
            id: NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            spec: t.spec,
            duration: t.duration_secs(),
            segments,
            phrases,
            style: style.clone(),
        })
    }

    /// The caption on screen at `t` seconds: its phrase's words (as grouped from the
    /// timeline's word timings) and the index of the highlighted (spoken) word; `None` when
    /// no caption shows.
    pub fn caption_at(&self, t: f64) -> Option<(Vec<&str>, usize)> {
        let (pi, word) = self.caption_index(t)?;
        let phrase = self.phrases.get(pi)?;
        Some((phrase.words.iter().map(|w| w.word.as_str()).collect(), word))
    }

    /// `(phrase, highlighted word)` at `t`, ignoring whether captions are enabled.
    pub(crate) fn caption_index(&self, t: f64) -> Option<(usize, usize)> {
        let pi = self
            .phrases
            .partition_point(|p| p.start <= t)
            .checked_sub(1)?;
        let phrase = self.phrases.get(pi)?;
        if t >= phrase.end && t > phrase.start {
            return None;
        }
        let word = phrase
            .words
            .iter()
            .rposition(|w| w.start_secs <= t)
            .unwrap_or(0);
        Some((pi, word))
    }

    /// Length in seconds (end of the last segment).
    pub fn duration_secs(&self) -> f64 {
        self.duration
    }

    /// Output size and frame rate.
    pub fn spec(&self) -> VideoSpec {
        self.spec
    }

    /// Number of frames at the spec's frame rate (rounded up).
    pub fn frame_count(&self) -> u64 {
        let n = (self.duration * f64::from(self.spec.fps)).ceil();
        if n.is_finite() && n > 0.0 {
            n as u64
        } else {
            0
        }
    }

    /// The style this scene was built with.
    pub fn style(&self) -> &SceneStyle {
        &self.style
    }

    /// The caption safe area in pixels: `(x, y, width, height)`.
    pub fn safe_rect(&self) -> (u32, u32, u32, u32) {
        self.style
            .safe_area
            .unwrap_or_else(|| SafeArea::for_aspect(self.spec.aspect()))
            .rect(self.spec.width, self.spec.height)
    }

    /// Scale from style units (pixels at a 1080-pixel short side) to this frame.
    pub(crate) fn unit(&self) -> f32 {
        self.spec.width.min(self.spec.height) as f32 / 1080.0
    }
}

/// Group word timings into phrases of at most `max_words` words, breaking early after
/// sentence punctuation or a pause longer than 0.6 s.
fn group_phrases(words: &[WordTiming], max_words: usize) -> Result<Vec<Phrase>> {
    let mut sorted: Vec<WordTiming> = Vec::with_capacity(words.len());
    for (i, w) in words.iter().enumerate() {
        if !(w.start_secs.is_finite() && w.end_secs.is_finite())
            || w.start_secs < 0.0
            || w.end_secs < w.start_secs
        {
            return Err(Error::invalid_request(format!(
                "caption word {i} ({:?}) runs from {}s to {}s; times must be finite, >= 0 and in order",
                w.word, w.start_secs, w.end_secs
            )));
        }
        split_words(w, &mut sorted);
    }
    sorted.sort_by(|a, b| a.start_secs.total_cmp(&b.start_secs));
    let mut phrases: Vec<Phrase> = Vec::new();
    let mut cur: Vec<WordTiming> = Vec::new();
    for w in sorted {
        let pause = cur.last().is_some_and(|p| w.start_secs - p.end_secs > 0.6);
        if !cur.is_empty() && (cur.len() >= max_words.max(1) || pause) {
            phrases.push(make_phrase(std::mem::take(&mut cur)));
        }
        let ends_sentence = w
            .word
            .trim_end()
            .ends_with(['.', '!', '?', '。', '！', '？']);
        cur.push(w);
        if ends_sentence {
            phrases.push(make_phrase(std::mem::take(&mut cur)));
        }
    }
    if !cur.is_empty() {
        phrases.push(make_phrase(cur));
    }
    // A phrase stays up until the next one starts (at most 0.5 s after its last word).
    for i in 0..phrases.len() {
        let next = phrases.get(i + 1).map_or(f64::INFINITY, |p| p.start);
        if let Some(p) = phrases.get_mut(i) {
            p.end = (p.end + 0.5).min(next).max(p.end.min(next));
        }
    }
    Ok(phrases)
}

/// Push `w`, split into its words when it holds several (a provider that times a whole
/// Chinese, Japanese or Thai clause as one "word"), each part timed by its share of the
/// characters. Blank words are dropped.
fn split_words(w: &WordTiming, out: &mut Vec<WordTiming>) {
    let parts = ytempire_core::text::words(&w.word);
    if parts.len() <= 1 {
        if !w.word.trim().is_empty() {
            out.push(w.clone());
        }
        return;
    }
    let total: usize = parts.iter().map(|p| p.chars().count()).sum();
    let span = w.end_secs - w.start_secs;
    let mut done = 0usize;
    for p in parts {
        let start = w.start_secs + span * done as f64 / total.max(1) as f64;
        done += p.chars().count();
        let end = w.start_secs + span * done as f64 / total.max(1) as f64;
        out.push(WordTiming::new(p, start, end.min(w.end_secs)));
    }
}

fn make_phrase(words: Vec<WordTiming>) -> Phrase {
    let start = words.first().map_or(0.0, |w| w.start_secs);
    let end = words.iter().map(|w| w.end_secs).fold(start, f64::max);
    Phrase { words, start, end }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ytempire_core::Segment;

    fn still() -> Visual {
        Visual::image_bytes("x", 2, 2, "image/png", vec![1, 2, 3])
    }

    #[test]
    fn rejects_bad_timelines() {
        let style = SceneStyle::default();
        let empty = Timeline::new(VideoSpec::new(320, 180, 30));
        assert_eq!(
            RenderPlan::from_timeline(&empty, &style)
                .unwrap_err()
                .kind(),
            ytempire_core::ErrorKind::InvalidRequest
        );
        for spec in [
            VideoSpec::new(0, 180, 30),
            VideoSpec::new(321, 180, 30),
            VideoSpec::new(320, 180, 0),
        ] {
            let t = Timeline::new(spec).with_segment(Segment::new(still(), 0.0, 1.0));
            let e = RenderPlan::from_timeline(&t, &style).unwrap_err();
            assert_eq!(
                e.kind(),
                ytempire_core::ErrorKind::InvalidRequest,
                "{spec:?}"
            );
        }
    }

    #[test]
    fn groups_words_into_phrases() {
        let words: Vec<WordTiming> = [
            "One", "two", "three.", "Four", "five", "six", "seven", "eight",
        ]
        .iter()
        .enumerate()
        .map(|(i, w)| WordTiming::new(*w, i as f64 * 0.3, i as f64 * 0.3 + 0.25))
        .collect();
        let p = group_phrases(&words, 4).unwrap();
        let texts: Vec<Vec<&str>> = p
            .iter()
            .map(|p| p.words.iter().map(|w| w.word.as_str()).collect())
            .collect();
        assert_eq!(
            texts,
            vec![
                vec!["One", "two", "three."],
                vec!["Four", "five", "six", "seven"],
                vec!["eight"]
            ]
        );
        // Each phrase holds until the next one starts.
        assert!((p[0].end - p[1].start).abs() < 1e-9);
        assert!(group_phrases(&[WordTiming::new("x", 2.0, 1.0)], 4).is_err());
    }

    #[test]
    fn a_clause_timed_as_one_word_is_split_into_its_words() {
        let clause = "为什么熊猫是黑白色的？科学家认为这种颜色帮助它们隐藏自己。";
        let p = group_phrases(&[WordTiming::new(clause, 1.0, 7.0)], 4).unwrap();
        assert!(p.len() >= 3, "{p:?}");
        let words: Vec<&WordTiming> = p.iter().flat_map(|p| &p.words).collect();
        let text: String = words.iter().map(|w| w.word.as_str()).collect();
        assert_eq!(text, clause);
        for ph in &p {
            assert!(ph.words.len() <= 4);
            let chars: usize = ph.words.iter().map(|w| w.word.chars().count()).sum();
            assert!(chars <= 16, "{ph:?}");
        }
        // In order, inside the clause's time, and the sentence end closes a phrase.
        assert!((words[0].start_secs - 1.0).abs() < 1e-9);
        assert!((words.last().unwrap().end_secs - 7.0).abs() < 1e-9);
        assert!(
            words
                .windows(2)
                .all(|w| w[0].end_secs <= w[1].start_secs + 1e-9)
        );
        assert!(
            p.iter()
                .any(|ph| ph.words.last().unwrap().word.ends_with('？'))
        );
    }
}

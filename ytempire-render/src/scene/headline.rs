//! Headlines: a picture's key phrase ([`ytempire_core::Visual::headline`], set by the
//! procedural source) drawn by the compositor as animated typography, one word at a time in
//! step with the narration.
//!
//! Word `k` of the headline appears, fading in over [`WORD_FADE_SECS`], when the `k`-th word
//! spoken in its segment starts (after the segment's transition in, so it never appears on
//! the leaving picture); a headline longer than what is spoken there finishes at the speech's
//! pace. The headline fades out over [`FADE_OUT_SECS`] before the next segment's transition
//! begins, so two headlines are never on screen together. The words keep their places as
//! they appear: every state is laid out from the whole phrase, with the words not yet spoken
//! drawn transparent.

use ytempire_core::{Transition, WordTiming};

use super::SceneSegment;

/// Seconds each newly spoken headline word takes to fade in.
pub(crate) const WORD_FADE_SECS: f64 = 0.25;
/// Seconds the headline takes to fade out before its segment leaves.
pub(crate) const FADE_OUT_SECS: f64 = 0.3;
/// Gap between word appearances when nothing is spoken in the segment.
const UNSPOKEN_STEP_SECS: f64 = 0.35;
/// Most headline words drawn.
const MAX_WORDS: usize = 8;

/// A segment's headline and when each word appears.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Headline {
    /// The words, in reading order.
    pub(crate) words: Vec<String>,
    /// When each word starts to appear (non-decreasing, one per word).
    pub(crate) reveal: Vec<f64>,
    /// When the headline is gone (it fades out over the [`FADE_OUT_SECS`] before).
    pub(crate) hide: f64,
}

impl Headline {
    /// The headline of `segments[i]`, timed by the spoken `words`; `None` when its picture
    /// has no headline.
    pub(crate) fn for_segment(
        segments: &[SceneSegment],
        i: usize,
        spoken: &[WordTiming],
    ) -> Option<Headline> {
        let seg = segments.get(i)?;
        // Dictionary words for Chinese, Japanese and Thai, which write no spaces.
        let words: Vec<String> = ytempire_core::text::words(seg.visual.headline.as_deref()?)
            .into_iter()
            .take(MAX_WORDS)
            .map(str::to_owned)
            .collect();
        if words.is_empty() {
            return None;
        }
        let from = seg.start + transition_secs(&seg.transition);
        // Gone when the next segment starts: its transition in shows this picture leaving.
        let hide = match segments.get(i + 1) {
            Some(next) => next.start.min(seg.end),
            None => f64::INFINITY,
        };
        let hide = hide.max(from);
        let said: Vec<f64> = spoken
            .iter()
            .map(|w| w.start_secs)
            .filter(|&s| s >= from && s < hide)
            .collect();
        let mut reveal = Vec::with_capacity(words.len());
        let mut last = from;
        for k in 0..words.len() {
            let at = match said.get(k) {
                Some(&s) => s,
                None if k == 0 => from,
                None => last + UNSPOKEN_STEP_SECS,
            };
            last = at.max(last);
            reveal.push(last);
        }
        Some(Headline {
            words,
            reveal,
            hide,
        })
    }

    /// How many words show at `t` and the newest one's fade-in (0–1), and the whole
    /// headline's opacity (0–1); `None` when nothing shows.
    pub(crate) fn state_at(&self, t: f64) -> Option<(usize, f64, f64)> {
        if t >= self.hide {
            return None;
        }
        let shown = self.reveal.partition_point(|&r| r <= t);
        let newest = *self.reveal.get(shown.checked_sub(1)?)?;
        let fade_in = ((t - newest) / WORD_FADE_SECS).clamp(0.0, 1.0);
        let fade_out = ((self.hide - t) / FADE_OUT_SECS).clamp(0.0, 1.0);
        Some((shown, fade_in, fade_out))
    }
}

/// Seconds a segment's transition in lasts.
fn transition_secs(t: &Transition) -> f64 {
    match *t {
        Transition::Cut => 0.0,
        Transition::Crossfade { secs } | Transition::Slide { secs } => secs,
    }
}

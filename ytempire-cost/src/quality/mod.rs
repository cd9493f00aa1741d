//! Quality scoring 0–10 and the pre-upload gate.
//!
//! Every scorer returns a [`QualityScore`]: an overall 0–10 figure and the [`SubScore`]s it
//! came from, each with a human-readable reason carrying the measured figure.
//!
//! | scorer | input | sub-scores |
//! |---|---|---|
//! | [`score_script`] | [`Script`](ytempire_core::Script) | length, hook, repetition, reading level, banned terms, title length |
//! | [`score_audio`] | [`AudioTrack`](ytempire_core::AudioTrack) + [`AudioExpectations`] | integrated loudness, clipping, silence, speaking rate |
//! | [`score_video`] | [`VideoSample`] (decoded frames and facts about the video) | black frames, frozen frames, resolution, frame rate, caption coverage, duration match, repeated visuals |
//! | [`score_metadata`] | [`VideoMetadata`](ytempire_core::VideoMetadata) | YouTube rules, title length, description, tags |
//! | [`score_thumbnail`] | decoded thumbnail + encoded size | dimensions, file size, contrast, text prominence |
//!
//! How the overall is formed:
//! - [`score_script`] keeps its original rule: the plain mean of its sub-scores.
//! - The audio, video, metadata and thumbnail scorers use the *weakest-link* rule of
//!   [`QualityScore::from_parts_capped`]: the mean, capped at the lowest sub-score plus
//!   [`WEAKEST_LINK_SLACK`]. A silent track or an all-black video therefore cannot be averaged
//!   up to a pass by its other, perfect, sub-scores.
//! - A sub-score that could not be measured (no word timings, no visual ids, no narration to
//!   caption) is left out rather than guessed; [`QualityScore::parts`] lists what was
//!   measured.
//!
//! [`QualityReport`] combines the per-kind scores of one video and [`gate_report`] gates on it;
//! [`gate`] gates a single [`QualityScore`]. Both apply the content-policy checklist
//! (made-for-kids declared, synthetic-media disclosure declared, no banned terms) before the
//! channel's threshold and [`GatePolicy`].
//!
//! [`AbStore`] records A/B variant assignments (thumbnails, titles, prompt versions) and their
//! outcomes (views, impressions, clicks) with a per-variant summary.
//!
//! ```
//! use ytempire_core::{AudioTrack, VideoMetadata, WordTiming};
//! use ytempire_cost::quality::{
//!     gate_report, score_audio, score_metadata, AudioExpectations, GateDecision, GatePolicy,
//!     QualityReport, ScoreKind,
//! };
//!
//! // Two seconds of digital silence: the audio scorer says so.
//! let silent = AudioTrack::new(24_000, 1, vec![0; 48_000])?;
//! let audio = score_audio(&silent, &AudioExpectations::default());
//! assert_eq!(audio.overall, 0.0);
//! assert!(audio.problems().iter().any(|p| p.contains("silent")));
//!
//! let meta = VideoMetadata::new("Why octopuses have three hearts")
//!     .with_description("Three hearts, blue blood and a brain in every arm: how the octopus works.")
//!     .with_tags(["octopus", "biology", "facts"])
//!     .with_made_for_kids(false)
//!     .with_synthetic_media(true);
//! let report = QualityReport::new()
//!     .with(ScoreKind::Audio, audio)
//!     .with(ScoreKind::Metadata, score_metadata(&meta));
//! let decision = gate_report(&report, 7.0, GatePolicy::Block, &meta, &[]);
//! assert!(matches!(decision, GateDecision::Block(reasons) if reasons.iter().any(|r| r.starts_with("audio/"))));
//! # Ok::<(), ytempire_core::Error>(())
//! ```

use serde::Serialize;

pub mod ab;
pub mod audio;
mod gate;
pub mod metadata;
mod meter;
pub mod script;
pub mod video;

pub use ab::{
    AbStore, Assignment, ExperimentSummary, Outcome, VariantKind, VariantSummary, assign_variant,
};
pub use audio::{
    AudioExpectations, AudioMeasurements, measure_audio, score_audio, score_audio_measurements,
};
pub use gate::{GateDecision, GatePolicy, QualityReport, ScoreKind, gate, gate_report};
pub use metadata::{ThumbnailMeasurements, measure_thumbnail, score_metadata, score_thumbnail};
pub use meter::{AudioMeter, measure_wav};
pub use script::score_script;
pub use video::{SampledFrame, VideoLimits, VideoSample, score_video};

/// How far above its lowest sub-score an overall may be under the weakest-link rule of
/// [`QualityScore::from_parts_capped`].
pub const WEAKEST_LINK_SLACK: f64 = 4.0;

/// One scored aspect, 0–10.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct SubScore {
    /// What was measured.
    pub name: &'static str,
    /// 0–10.
    pub score: f64,
    /// Why, in words.
    pub reason: String,
}

impl SubScore {
    /// A sub-score, clamped to 0–10 (a non-finite score becomes 0).
    ///
    /// ```
    /// use ytempire_cost::quality::SubScore;
    /// assert_eq!(SubScore::new("loudness", 12.0, "very loud").score, 10.0);
    /// assert_eq!(SubScore::new("loudness", f64::NAN, "unmeasurable").score, 0.0);
    /// ```
    pub fn new(name: &'static str, score: f64, reason: impl Into<String>) -> Self {
        Self {
            name,
            score: clamp10(score),
            reason: reason.into(),
        }
    }
}

/// An overall 0–10 score with the sub-scores it came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct QualityScore {
    /// 0–10.
    pub overall: f64,
    /// The parts.
    pub parts: Vec<SubScore>,
}

impl QualityScore {
    /// Combine sub-scores by their mean (0 when empty).
    ///
    /// ```
    /// use ytempire_cost::quality::{QualityScore, SubScore};
    /// let q = QualityScore::from_parts(vec![
    ///     SubScore::new("a", 10.0, "fine"),
    ///     SubScore::new("b", 6.0, "meh"),
    /// ]);
    /// assert_eq!(q.overall, 8.0);
    /// ```
    pub fn from_parts(parts: Vec<SubScore>) -> Self {
        let overall = mean(parts.iter().map(|p| p.score));
        Self { overall, parts }
    }

    /// Combine sub-scores by the weakest-link rule: the mean, but never more than the lowest
    /// sub-score plus `slack` (0 when empty). One failed aspect (score 0) caps the overall at
    /// `slack`, however good the rest is.
    ///
    /// ```
    /// use ytempire_cost::quality::{QualityScore, SubScore};
    /// let parts = vec![
    ///     SubScore::new("loudness", 10.0, "-14.0 LUFS"),
    ///     SubScore::new("clipping", 10.0, "none"),
    ///     SubScore::new("silence", 10.0, "8 % silent"),
    ///     SubScore::new("speaking_rate", 0.0, "310 wpm"),
    /// ];
    /// assert_eq!(QualityScore::from_parts(parts.clone()).overall, 7.5);
    /// assert_eq!(QualityScore::from_parts_capped(parts, 4.0).overall, 4.0);
    /// ```
    pub fn from_parts_capped(parts: Vec<SubScore>, slack: f64) -> Self {
        let avg = mean(parts.iter().map(|p| p.score));
        let overall = match parts.iter().map(|p| p.score).reduce(f64::min) {
            Some(lowest) => avg.min(lowest + slack.max(0.0)),
            None => 0.0,
        };
        Self {
            overall: clamp10(overall),
            parts,
        }
    }

    /// The sub-score called `name`, if it was measured.
    ///
    /// ```
    /// use ytempire_cost::quality::{QualityScore, SubScore};
    /// let q = QualityScore::from_parts(vec![SubScore::new("hook", 4.0, "no question")]);
    /// assert_eq!(q.part("hook").map(|p| p.score), Some(4.0));
    /// assert!(q.part("loudness").is_none());
    /// ```
    pub fn part(&self, name: &str) -> Option<&SubScore> {
        self.parts.iter().find(|p| p.name == name)
    }

    /// Reasons of sub-scores below 7, as `"name: reason"`.
    ///
    /// ```
    /// use ytempire_cost::quality::{QualityScore, SubScore};
    /// let q = QualityScore::from_parts(vec![
    ///     SubScore::new("hook", 4.0, "no question"),
    ///     SubScore::new("length", 9.0, "close to target"),
    /// ]);
    /// assert_eq!(q.problems(), vec!["hook: no question".to_owned()]);
    /// ```
    pub fn problems(&self) -> Vec<String> {
        self.parts
            .iter()
            .filter(|p| p.score < 7.0)
            .map(|p| format!("{}: {}", p.name, p.reason))
            .collect()
    }
}

/// Clamp to 0–10; non-finite values become 0.
pub(crate) fn clamp10(x: f64) -> f64 {
    if x.is_finite() {
        x.clamp(0.0, 10.0)
    } else {
        0.0
    }
}

fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let (sum, n) = values.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    if n == 0 { 0.0 } else { sum / n as f64 }
}

/// Score a title by its length in characters: 20–70 best, 100 the YouTube limit.
pub(crate) fn title_length_part(title: &str) -> SubScore {
    let t = title.chars().count();
    SubScore::new(
        "title_length",
        match t {
            0 => 0.0,
            1..=19 => 5.0,
            20..=70 => 10.0,
            71..=100 => 6.0,
            _ => 0.0,
        },
        format!("title is {t} characters (best 20–70, limit 100)"),
    )
}

/// BT.601 luma of an 8-bit RGB pixel, 0–255.
pub(crate) fn luma(p: &image::Rgb<u8>) -> f64 {
    0.299 * f64::from(p.0[0]) + 0.587 * f64::from(p.0[1]) + 0.114 * f64::from(p.0[2])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capped_mean_is_bounded_by_weakest_part() {
        let q = QualityScore::from_parts_capped(
            vec![
                SubScore::new("a", 10.0, ""),
                SubScore::new("b", 10.0, ""),
                SubScore::new("c", 1.0, ""),
            ],
            4.0,
        );
        assert_eq!(q.overall, 5.0);
        let q = QualityScore::from_parts_capped(
            vec![SubScore::new("a", 9.0, ""), SubScore::new("b", 7.0, "")],
            4.0,
        );
        assert_eq!(q.overall, 8.0);
        assert_eq!(QualityScore::from_parts_capped(vec![], 4.0).overall, 0.0);
    }

    #[test]
    fn title_length_bands() {
        assert_eq!(title_length_part("").score, 0.0);
        assert_eq!(title_length_part("short").score, 5.0);
        assert_eq!(title_length_part(&"x".repeat(40)).score, 10.0);
        assert_eq!(title_length_part(&"x".repeat(90)).score, 6.0);
        assert_eq!(title_length_part(&"x".repeat(101)).score, 0.0);
    }
}

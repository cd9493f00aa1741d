//! Audio scoring: integrated loudness, clipping, silence and speaking rate.
//!
//! [`measure_audio`] takes the figures from the PCM (EBU R128 integrated loudness with the
//! `ebur128` crate; sample counts for clipping; 50 ms RMS windows for silence) and
//! [`score_audio`] turns them, with the word timings in [`AudioExpectations`], into four
//! sub-scores:
//!
//! | sub-score | 10 when | falls to 0 |
//! |---|---|---|
//! | `loudness` | within ±1 LU of −14 LUFS | 2 points per LU further away; silence scores 0 |
//! | `clipping` | at most 0.001 % of samples within 0.09 dB (1 %) of full scale | at 1 % of samples (log scale) |
//! | `silence` | at most 25 % of windows below −50 dBFS and no silent stretch over 2 s | 3 points per 10 % of windows over 25 %; 3 points per second of dead air over 2 s |
//! | `speaking_rate` | 130–170 words per minute | 0.2 points per wpm outside the range |
//!
//! The overall uses the weakest-link rule ([`QualityScore::from_parts_capped`]); a track with
//! no window above the silence level scores 0 overall. The speaking rate is left out when
//! there are neither word timings nor a word count.

use serde::Serialize;
use ytempire_core::{AudioTrack, WordTiming};

use super::meter::AudioMeter;
use super::{QualityScore, SubScore, WEAKEST_LINK_SLACK};

/// A sample at or above this magnitude (99 % of full scale, −0.09 dBFS) counts as clipped.
pub(super) const CLIP_LEVEL: i32 = 32_440;
/// Window length for the silence measurement.
pub(super) const WINDOW_SECS: f64 = 0.05;

/// What the audio is expected to be: loudness target, speaking rate, silence limits, and the
/// word timings (from the speech provider) that give the speaking rate.
///
/// ```
/// use ytempire_core::WordTiming;
/// use ytempire_cost::quality::AudioExpectations;
///
/// let exp = AudioExpectations::default()
///     .with_word_timings(vec![WordTiming::new("hello", 0.0, 0.4), WordTiming::new("there", 0.4, 0.8)])
///     .with_target_lufs(-16.0);
/// assert_eq!(exp.target_lufs, -16.0);
/// assert_eq!(exp.words_per_minute, (130.0, 170.0));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct AudioExpectations {
    /// Integrated loudness target in LUFS (default −14, YouTube's playback reference).
    pub target_lufs: f64,
    /// Deviation from the target that still scores 10, in LU (default 1).
    pub loudness_tolerance_lu: f64,
    /// One timing per spoken word, in seconds from the start of the track.
    pub word_timings: Vec<WordTiming>,
    /// Words spoken, used for the speaking rate when there are no timings (the rate is then
    /// taken over the span from the first to the last non-silent window).
    pub word_count: Option<usize>,
    /// Speaking rate that scores 10, in words per minute (default 130–170).
    pub words_per_minute: (f64, f64),
    /// A 50 ms window whose RMS is below this many dBFS is silent (default −50).
    pub silence_dbfs: f64,
    /// Longest silent stretch that scores 10, in seconds (default 2).
    pub max_dead_air_secs: f64,
    /// Integrated loudness already measured on the final soundtrack (e.g. by the renderer
    /// after mixing and normalisation). When set, the loudness sub-score uses it instead of
    /// the track's own loudness: scoring a raw narration against −14 LUFS would judge audio
    /// the renderer is about to normalise.
    pub measured_lufs: Option<f64>,
}

impl Default for AudioExpectations {
    fn default() -> Self {
        Self {
            target_lufs: -14.0,
            loudness_tolerance_lu: 1.0,
            word_timings: Vec::new(),
            word_count: None,
            words_per_minute: (130.0, 170.0),
            silence_dbfs: -50.0,
            max_dead_air_secs: 2.0,
            measured_lufs: None,
        }
    }
}

impl AudioExpectations {
    /// Set the word timings.
    #[must_use]
    pub fn with_word_timings(mut self, timings: Vec<WordTiming>) -> Self {
        self.word_timings = timings;
        self
    }

    /// Set the word count (used when there are no timings).
    #[must_use]
    pub fn with_word_count(mut self, words: usize) -> Self {
        self.word_count = Some(words);
        self
    }

    /// Set the loudness target in LUFS.
    #[must_use]
    pub fn with_target_lufs(mut self, lufs: f64) -> Self {
        self.target_lufs = lufs;
        self
    }

    /// Set the speaking rate range that scores 10, in words per minute.
    #[must_use]
    pub fn with_words_per_minute(mut self, low: f64, high: f64) -> Self {
        self.words_per_minute = (low.min(high), low.max(high));
        self
    }

    /// Score loudness from a figure measured on the final soundtrack (see
    /// [`measured_lufs`](Self::measured_lufs)).
    #[must_use]
    pub fn with_measured_lufs(mut self, lufs: f64) -> Self {
        self.measured_lufs = Some(lufs).filter(|l| l.is_finite());
        self
    }

    /// Set the longest silent stretch that scores 10, in seconds.
    #[must_use]
    pub fn with_max_dead_air(mut self, secs: f64) -> Self {
        self.max_dead_air_secs = secs;
        self
    }
}

/// Figures measured from the PCM by [`measure_audio`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct AudioMeasurements {
    /// Duration in seconds.
    pub duration_secs: f64,
    /// EBU R128 integrated loudness in LUFS; `None` for silence, audio shorter than one 400 ms
    /// gating block, or a format the meter refuses.
    pub integrated_lufs: Option<f64>,
    /// Why `integrated_lufs` is `None`.
    pub loudness_error: Option<String>,
    /// Fraction of samples at or above 99 % of full scale.
    pub clipped_fraction: f64,
    /// Fraction of 50 ms windows whose RMS is below the silence level.
    pub silent_fraction: f64,
    /// Longest run of silent windows, in seconds.
    pub longest_silence_secs: f64,
    /// From the start of the first non-silent window to the end of the last, in seconds.
    pub voiced_span_secs: f64,
}

/// Measure loudness, clipping and silence (windows below `silence_dbfs` are silent).
///
/// ```
/// use ytempire_core::AudioTrack;
/// use ytempire_cost::quality::measure_audio;
///
/// // One second of a full-scale square wave: every sample is clipped.
/// let samples: Vec<i16> = (0..24_000).map(|i| if i % 100 < 50 { i16::MAX } else { i16::MIN }).collect();
/// let m = measure_audio(&AudioTrack::new(24_000, 1, samples)?, -50.0);
/// assert_eq!(m.clipped_fraction, 1.0);
/// assert_eq!(m.silent_fraction, 0.0);
/// assert!(m.integrated_lufs.is_some_and(|l| l > -3.0));
/// # Ok::<(), ytempire_core::Error>(())
/// ```
pub fn measure_audio(track: &AudioTrack, silence_dbfs: f64) -> AudioMeasurements {
    let mut meter = AudioMeter::new(track.sample_rate, track.channels, silence_dbfs);
    meter.push(&track.samples);
    meter.finish()
}

/// Score a narration or final mix against `expect`; see the [module docs](self) for the
/// scale of each sub-score.
///
/// ```
/// use ytempire_core::{AudioTrack, WordTiming};
/// use ytempire_cost::quality::{score_audio, AudioExpectations};
///
/// // Three seconds of a steady 220 Hz tone at about −14 LUFS, "spoken" at 160 wpm.
/// let samples: Vec<i16> = (0..72_000)
///     .map(|i| ((i as f64 * 220.0 * std::f64::consts::TAU / 24_000.0).sin() * 9_000.0) as i16)
///     .collect();
/// let track = AudioTrack::new(24_000, 1, samples)?;
/// let timings: Vec<WordTiming> = (0..8)
///     .map(|i| WordTiming::new("word", i as f64 * 0.375, i as f64 * 0.375 + 0.3))
///     .collect();
/// let q = score_audio(&track, &AudioExpectations::default().with_word_timings(timings));
/// assert!(q.overall >= 9.0, "{:?}", q.problems());
/// assert!(q.part("loudness").is_some_and(|p| p.reason.contains("LUFS")));
/// # Ok::<(), ytempire_core::Error>(())
/// ```
pub fn score_audio(track: &AudioTrack, expect: &AudioExpectations) -> QualityScore {
    score_audio_measurements(&measure_audio(track, expect.silence_dbfs), expect)
}

/// [`score_audio`] from measurements already taken, e.g. by [`measure_wav`](super::measure_wav) straight from a
/// file (measure with `expect.silence_dbfs` as the silence level).
///
/// ```no_run
/// use ytempire_cost::quality::{measure_wav, score_audio_measurements, AudioExpectations};
/// let expect = AudioExpectations::default();
/// let m = measure_wav(std::path::Path::new("narration.wav"), expect.silence_dbfs)?;
/// let score = score_audio_measurements(&m, &expect);
/// # Ok::<(), ytempire_core::Error>(())
/// ```
pub fn score_audio_measurements(m: &AudioMeasurements, expect: &AudioExpectations) -> QualityScore {
    let mut parts = Vec::with_capacity(4);

    parts.push(match expect.measured_lufs.or(m.integrated_lufs) {
        Some(lufs) => {
            let dev = (lufs - expect.target_lufs).abs();
            let over = (dev - expect.loudness_tolerance_lu).max(0.0);
            let side = if lufs < expect.target_lufs {
                "too quiet"
            } else {
                "too loud"
            };
            SubScore::new(
                "loudness",
                10.0 - over * 2.0,
                if over == 0.0 {
                    format!(
                        "integrated loudness {lufs:.1} LUFS (target {:.1} ± {:.1} LU)",
                        expect.target_lufs, expect.loudness_tolerance_lu
                    )
                } else {
                    format!(
                        "integrated loudness {lufs:.1} LUFS is {dev:.1} LU off the {:.1} LUFS target ({side})",
                        expect.target_lufs
                    )
                },
            )
        }
        None => SubScore::new(
            "loudness",
            0.0,
            format!(
                "silent or unmeasurable: {}",
                m.loudness_error.as_deref().unwrap_or("no loudness")
            ),
        ),
    });

    let clip_score = if m.clipped_fraction <= 1e-5 {
        10.0
    } else {
        // 10 at 0.001 %, 0 at 1 %, linear in the logarithm.
        10.0 - (m.clipped_fraction.log10() + 5.0) * 10.0 / 3.0
    };
    parts.push(SubScore::new(
        "clipping",
        clip_score,
        format!(
            "{:.3}% of samples at or within 1% of full scale",
            m.clipped_fraction * 100.0
        ),
    ));

    let ratio_score = 10.0 - (m.silent_fraction - 0.25).max(0.0) * 30.0;
    let dead_air_score = 10.0 - (m.longest_silence_secs - expect.max_dead_air_secs).max(0.0) * 3.0;
    parts.push(SubScore::new(
        "silence",
        ratio_score.min(dead_air_score),
        if m.silent_fraction >= 1.0 {
            format!(
                "the whole {:.1}s track is silent (below {:.0} dBFS)",
                m.duration_secs, expect.silence_dbfs
            )
        } else {
            format!(
                "{:.0}% of 50 ms windows below {:.0} dBFS; longest silence {:.2}s (limit {:.1}s)",
                m.silent_fraction * 100.0,
                expect.silence_dbfs,
                m.longest_silence_secs,
                expect.max_dead_air_secs
            )
        },
    ));

    if let Some(part) = speaking_rate(m, expect) {
        parts.push(part);
    }
    let mut score = QualityScore::from_parts_capped(parts, WEAKEST_LINK_SLACK);
    if m.silent_fraction >= 1.0 {
        // Nothing audible: a perfect clipping figure must not lift it off zero.
        score.overall = 0.0;
    }
    score
}

fn speaking_rate(m: &AudioMeasurements, expect: &AudioExpectations) -> Option<SubScore> {
    let (words, span, source) = if expect.word_timings.len() >= 2 {
        let start = expect
            .word_timings
            .iter()
            .map(|t| t.start_secs)
            .fold(f64::INFINITY, f64::min);
        let end = expect
            .word_timings
            .iter()
            .map(|t| t.end_secs)
            .fold(f64::NEG_INFINITY, f64::max);
        (
            expect.word_timings.len(),
            end - start,
            "from the word timings",
        )
    } else {
        (
            expect.word_count?,
            m.voiced_span_secs,
            "from the word count over the voiced span",
        )
    };
    if !(span.is_finite() && span > 0.0) {
        return Some(SubScore::new(
            "speaking_rate",
            0.0,
            format!("{words} words over no measurable time"),
        ));
    }
    let wpm = words as f64 * 60.0 / span;
    let (low, high) = expect.words_per_minute;
    let outside = (low - wpm).max(wpm - high).max(0.0);
    let verdict = if wpm < low {
        " (too slow)"
    } else if wpm > high {
        " (too fast)"
    } else {
        ""
    };
    Some(SubScore::new(
        "speaking_rate",
        10.0 - outside * 0.2,
        format!("{wpm:.0} words per minute {source}{verdict}; aim for {low:.0}–{high:.0}"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(secs: f64, amplitude: f64) -> Vec<i16> {
        (0..(secs * 24_000.0) as usize)
            .map(|i| {
                ((i as f64 * 440.0 * std::f64::consts::TAU / 24_000.0).sin() * amplitude) as i16
            })
            .collect()
    }

    #[test]
    fn silence_and_dead_air_are_measured() {
        let mut samples = tone(1.0, 8000.0);
        samples.extend(std::iter::repeat_n(0, 72_000)); // 3 s of dead air
        samples.extend(tone(1.0, 8000.0));
        let m = measure_audio(&AudioTrack::new(24_000, 1, samples).unwrap(), -50.0);
        assert!((m.duration_secs - 5.0).abs() < 1e-9);
        assert!((m.longest_silence_secs - 3.0).abs() < 0.051, "{m:?}");
        assert!((m.silent_fraction - 0.6).abs() < 0.02, "{m:?}");
        assert!((m.voiced_span_secs - 5.0).abs() < 0.051, "{m:?}");
        let q = score_audio(
            &AudioTrack::new(24_000, 1, {
                let mut s = tone(1.0, 8000.0);
                s.extend(std::iter::repeat_n(0, 72_000));
                s.extend(tone(1.0, 8000.0));
                s
            })
            .unwrap(),
            &AudioExpectations::default(),
        );
        let silence = q.part("silence").unwrap();
        // 3 s of dead air: 10 − 1 × 3 = 7; 60 % silent windows: 10 − 0.35 × 30 < 0.
        assert_eq!(silence.score, 0.0, "{silence:?}");
        assert!(
            silence.reason.contains("longest silence 3.00s"),
            "{silence:?}"
        );
    }

    #[test]
    fn stereo_is_measured_per_frame() {
        let mono = tone(2.0, 8000.0);
        let stereo: Vec<i16> = mono.iter().flat_map(|&s| [s, s]).collect();
        let m1 = measure_audio(&AudioTrack::new(24_000, 1, mono).unwrap(), -50.0);
        let m2 = measure_audio(&AudioTrack::new(24_000, 2, stereo).unwrap(), -50.0);
        assert!((m1.duration_secs - m2.duration_secs).abs() < 1e-9);
        // Two identical channels sum to +3 LU under BS.1770.
        let (l1, l2) = (m1.integrated_lufs.unwrap(), m2.integrated_lufs.unwrap());
        assert!((l2 - l1 - 3.01).abs() < 0.1, "{l1} {l2}");
    }

    #[test]
    fn too_short_or_empty_audio_scores_zero_loudness_with_reason() {
        let q = score_audio(
            &AudioTrack::new(24_000, 1, tone(0.2, 8000.0)).unwrap(),
            &AudioExpectations::default(),
        );
        let l = q.part("loudness").unwrap();
        assert_eq!(l.score, 0.0);
        assert!(l.reason.contains("−70 LUFS absolute gate"), "{l:?}");
        let empty = AudioTrack::new(24_000, 1, vec![]).unwrap();
        let q = score_audio(&empty, &AudioExpectations::default());
        assert!(q.part("loudness").unwrap().reason.contains("no samples"));
        assert_eq!(q.overall, 0.0);
    }

    #[test]
    fn speaking_rate_falls_back_to_word_count_or_is_left_out() {
        let track = AudioTrack::new(24_000, 1, tone(6.0, 8000.0)).unwrap();
        let q = score_audio(&track, &AudioExpectations::default());
        assert!(q.part("speaking_rate").is_none());
        assert_eq!(q.parts.len(), 3);
        let q = score_audio(&track, &AudioExpectations::default().with_word_count(15));
        let rate = q.part("speaking_rate").unwrap();
        assert_eq!(rate.score, 10.0, "{rate:?}");
        assert!(
            rate.reason
                .starts_with("150 words per minute from the word count")
        );
        let q = score_audio(&track, &AudioExpectations::default().with_word_count(20));
        let rate = q.part("speaking_rate").unwrap();
        assert!((rate.score - 4.0).abs() < 1e-9, "{rate:?}"); // 200 wpm: 30 over
        assert!(rate.reason.contains("too fast"));
        let same_instant = vec![
            WordTiming::new("a", 1.0, 1.0),
            WordTiming::new("b", 1.0, 1.0),
        ];
        let q = score_audio(
            &track,
            &AudioExpectations::default().with_word_timings(same_instant),
        );
        assert_eq!(q.part("speaking_rate").unwrap().score, 0.0);
    }

    #[test]
    fn loudness_scale_is_symmetric_and_tolerant() {
        // Calibrate: measure the tone, then rescale it to land at chosen offsets.
        let base = tone(3.0, 4000.0);
        let l0 = measure_audio(&AudioTrack::new(24_000, 1, base.clone()).unwrap(), -50.0)
            .integrated_lufs
            .unwrap();
        let at = |target: f64| {
            let gain = 10f64.powf((target - l0) / 20.0);
            let s: Vec<i16> = base.iter().map(|&x| (f64::from(x) * gain) as i16).collect();
            score_audio(
                &AudioTrack::new(24_000, 1, s).unwrap(),
                &AudioExpectations::default(),
            )
            .part("loudness")
            .unwrap()
            .clone()
        };
        assert_eq!(at(-14.5).score, 10.0);
        assert_eq!(at(-13.5).score, 10.0);
        let quiet = at(-18.0);
        assert!((quiet.score - 4.0).abs() < 0.1, "{quiet:?}");
        assert!(quiet.reason.contains("too quiet"));
        let loud = at(-10.0);
        assert!((loud.score - 4.0).abs() < 0.1, "{loud:?}");
        assert!(loud.reason.contains("too loud"));
        assert_eq!(at(-30.0).score, 0.0);
    }

    #[test]
    fn measured_soundtrack_loudness_replaces_the_tracks_own() {
        // A quiet narration (about -30 LUFS) that the renderer normalised to -14.2.
        let rate = 48_000;
        let samples: Vec<i16> = (0..rate * 3)
            .map(|i| (600.0 * (i as f32 * 0.05).sin()) as i16)
            .collect();
        let track = AudioTrack::new(rate, 1, samples).unwrap();
        let raw = score_audio(&track, &AudioExpectations::default());
        assert!(raw.part("loudness").is_some_and(|p| p.score < 5.0));
        let q = score_audio(
            &track,
            &AudioExpectations::default().with_measured_lufs(-14.2),
        );
        let l = q.part("loudness").unwrap();
        assert_eq!(l.score, 10.0, "{}", l.reason);
        assert!(l.reason.contains("-14.2"), "{}", l.reason);
    }
}

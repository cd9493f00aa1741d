//! Word timings: splitting text into words, estimating timings by syllable weight, turning
//! provider alignments (ElevenLabs characters, Google marks) into word timings, and measuring
//! an estimate's error against a reference.
//!
//! ```
//! use ytempire_tts::timing;
//! let t = timing::distribute("Hello wonderful world.", 1.0, 3.0);
//! assert_eq!(t.len(), 3);
//! assert_eq!(t[0].start_secs, 1.0);
//! assert!((t[2].end_secs - 3.0).abs() < 1e-9);
//! // "wonderful" (3 syllables) gets more time than "world" (1)
//! assert!(t[1].end_secs - t[1].start_secs > t[2].end_secs - t[2].start_secs);
//! ```

use ytempire_core::{
    AudioTrack, Error, Result, Speech, SpeechRequest, TimingSource, Usage, WordTiming,
};

/// The words of `text` as written ([`ytempire_core::text::words`]: split on whitespace, and
/// Chinese, Japanese, Thai and other unspaced scripts by dictionary; tokens without a letter
/// or digit, such as a lone dash, are not words).
pub fn words(text: &str) -> Vec<&str> {
    ytempire_core::text::words(text)
        .into_iter()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .collect()
}

/// A rough syllable count: vowel groups (with a silent final `e`), digits one each, each
/// Chinese character or kana one, a syllable per three letters of Thai and other unspaced
/// scripts; at least 1.
pub fn syllables(word: &str) -> u32 {
    if word.chars().any(ytempire_core::text::is_unspaced_script) {
        let (mut cjk, mut other, mut rest) = (0u32, 0u32, String::new());
        for c in word.chars().filter(|c| c.is_alphanumeric()) {
            match c as u32 {
                0x3040..=0x30FF | 0x3400..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3FFFF => {
                    cjk += 1;
                }
                _ if ytempire_core::text::is_unspaced_script(c) => other += 1,
                _ => rest.push(c),
            }
        }
        let rest = if rest.is_empty() { 0 } else { syllables(&rest) };
        return (cjk + other.div_ceil(3) + rest).max(1);
    }
    let lower: Vec<char> = word
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    let digits = lower.iter().filter(|c| c.is_ascii_digit()).count() as u32;
    let is_vowel = |c: char| "aeiouyàáâäèéêëìíîïòóôöùúûüåæø".contains(c);
    let mut groups = 0u32;
    let mut prev = false;
    for &c in &lower {
        let v = is_vowel(c);
        if v && !prev {
            groups += 1;
        }
        prev = v;
    }
    let n = lower.len();
    if groups > 1 && n > 2 && lower[n - 1] == 'e' && !is_vowel(lower[n - 2]) && lower[n - 2] != 'l'
    {
        groups -= 1;
    }
    (groups + digits).max(1)
}

/// Pause weight (in syllables) after a word, from its trailing punctuation.
fn pause_after(word: &str) -> f64 {
    match word.chars().last() {
        Some(',' | ';' | ':' | '，' | '、' | '；' | '：') => 0.8,
        Some('.' | '!' | '?' | '。' | '！' | '？') => 1.2,
        Some('—' | '–') => 0.6,
        _ => 0.0,
    }
}

/// Spread the words of `text` over `[start, end]` seconds by syllable weight, leaving short
/// pauses after commas and sentence ends (except after the last word).
pub fn distribute(text: &str, start: f64, end: f64) -> Vec<WordTiming> {
    let ws = words(text);
    if ws.is_empty() {
        return Vec::new();
    }
    let weights: Vec<(f64, f64)> = ws
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let pause = if i + 1 == ws.len() {
                0.0
            } else {
                pause_after(w)
            };
            (f64::from(syllables(w)), pause)
        })
        .collect();
    let total: f64 = weights.iter().map(|(s, p)| s + p).sum();
    let span = (end - start).max(0.0);
    let mut t = start;
    ws.iter()
        .zip(weights)
        .map(|(w, (syl, pause))| {
            let word_end = t + span * syl / total;
            let timing = WordTiming::new(*w, t, word_end.min(end));
            t = word_end + span * pause / total;
            timing
        })
        .collect()
}

/// The [`Speech`] of a provider whose word timings are estimates (espeak-ng, OpenAI): the
/// `timings` are kept only when the request wants them (then [`TimingSource::Estimated`],
/// else none), and usage bills `characters` over the track's length.
pub(crate) fn estimated_speech(
    request: &SpeechRequest,
    track: AudioTrack,
    timings: Vec<WordTiming>,
    voice: impl Into<String>,
    characters: usize,
) -> Speech {
    let timings = if request.word_timings {
        timings
    } else {
        Vec::new()
    };
    let source = if timings.is_empty() {
        TimingSource::None
    } else {
        TimingSource::Estimated
    };
    let secs = track.duration_secs();
    Speech::new(
        track,
        timings,
        source,
        voice,
        Usage::characters(characters as u64, secs),
    )
}

/// Word timings from per-character alignment (ElevenLabs `/with-timestamps`): each word runs
/// from its first character's start to its last character's end.
pub fn from_char_alignment(
    chars: &[String],
    starts: &[f64],
    ends: &[f64],
) -> Result<Vec<WordTiming>> {
    if chars.len() != starts.len() || chars.len() != ends.len() {
        return Err(Error::new(
            ytempire_core::ErrorKind::InvalidResponse,
            format!(
                "alignment lists differ in length: {} characters, {} starts, {} ends",
                chars.len(),
                starts.len(),
                ends.len()
            ),
        ));
    }
    let mut out = Vec::new();
    let mut current: Option<(String, f64, f64)> = None;
    for ((c, s), e) in chars.iter().zip(starts).zip(ends) {
        if c.chars().all(char::is_whitespace) {
            if let Some(w) = current.take() {
                out.push(w);
            }
            continue;
        }
        match &mut current {
            Some((word, _, end)) => {
                word.push_str(c);
                *end = *e;
            }
            None => current = Some((c.clone(), *s, *e)),
        }
    }
    out.extend(current);
    Ok(out
        .into_iter()
        .filter(|(w, _, _)| w.chars().any(char::is_alphanumeric))
        .map(|(w, s, e)| WordTiming::new(w, s, e.max(s)))
        .collect())
}

/// Word timings from mark times: `marks[i]` is when word `i` starts (Google time pointing);
/// a word ends where the next starts, the last at `total_secs`.
pub fn from_word_starts(words: &[&str], starts: &[f64], total_secs: f64) -> Vec<WordTiming> {
    words
        .iter()
        .zip(starts)
        .enumerate()
        .map(|(i, (w, s))| {
            let end = starts.get(i + 1).copied().unwrap_or(total_secs).max(*s);
            WordTiming::new(*w, *s, end)
        })
        .collect()
}

/// Error of estimated timings against reference timings, in milliseconds, over every word
/// boundary (starts and ends).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimingError {
    /// Boundaries compared.
    pub samples: usize,
    /// Mean absolute error.
    pub mean_ms: f64,
    /// 95th-percentile absolute error.
    pub p95_ms: f64,
    /// Largest absolute error.
    pub max_ms: f64,
}

/// Compare `estimated` with `reference` word by word (same word count required).
pub fn compare(estimated: &[WordTiming], reference: &[WordTiming]) -> Result<TimingError> {
    if estimated.len() != reference.len() || estimated.is_empty() {
        return Err(Error::invalid_request(format!(
            "cannot compare {} estimated timings with {} reference timings",
            estimated.len(),
            reference.len()
        )));
    }
    let mut errs: Vec<f64> = estimated
        .iter()
        .zip(reference)
        .flat_map(|(e, r)| {
            [
                (e.start_secs - r.start_secs).abs() * 1000.0,
                (e.end_secs - r.end_secs).abs() * 1000.0,
            ]
        })
        .collect();
    errs.sort_by(f64::total_cmp);
    let n = errs.len();
    let p95_index = ((n as f64 * 0.95).ceil() as usize).clamp(1, n) - 1;
    Ok(TimingError {
        samples: n,
        mean_ms: errs.iter().sum::<f64>() / n as f64,
        p95_ms: errs[p95_index],
        max_ms: errs[n - 1],
    })
}

/// Check timings are ordered, non-negative and end within `duration_secs` (plus 10 ms).
pub fn check_monotonic(timings: &[WordTiming], duration_secs: f64) -> bool {
    let mut last = 0.0;
    timings.iter().all(|t| {
        let ok = t.start_secs >= last - 1e-9
            && t.end_secs >= t.start_secs
            && t.end_secs <= duration_secs + 0.01;
        last = t.start_secs;
        ok
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syllable_counts_are_plausible() {
        assert_eq!(syllables("cat"), 1);
        assert_eq!(syllables("make"), 1);
        assert_eq!(syllables("table"), 2);
        assert_eq!(syllables("wonderful"), 3);
        assert_eq!(syllables("2026"), 4);
        assert_eq!(syllables("—"), 1);
    }

    #[test]
    fn distribute_leaves_pauses_and_covers_span() {
        let t = distribute("One, two three.", 0.0, 4.0);
        assert_eq!(
            t.iter().map(|w| w.word.as_str()).collect::<Vec<_>>(),
            ["One,", "two", "three."]
        );
        assert!(t[1].start_secs > t[0].end_secs);
        assert!((t[2].end_secs - 4.0).abs() < 1e-9);
        assert!(check_monotonic(&t, 4.0));
        assert!(distribute(" - ", 0.0, 1.0).is_empty());
    }

    #[test]
    fn char_alignment_groups_words() {
        let chars: Vec<String> = "Hi yo".chars().map(String::from).collect();
        let starts = [0.0, 0.1, 0.2, 0.3, 0.4];
        let ends = [0.1, 0.2, 0.3, 0.4, 0.5];
        let w = from_char_alignment(&chars, &starts, &ends).unwrap();
        assert_eq!(
            w,
            vec![
                WordTiming::new("Hi", 0.0, 0.2),
                WordTiming::new("yo", 0.3, 0.5)
            ]
        );
        assert!(from_char_alignment(&chars, &starts[..2], &ends).is_err());
    }

    #[test]
    fn compare_reports_mean_and_p95() {
        let r = vec![
            WordTiming::new("a", 0.0, 1.0),
            WordTiming::new("b", 1.0, 2.0),
        ];
        let e = vec![
            WordTiming::new("a", 0.1, 1.0),
            WordTiming::new("b", 1.0, 2.3),
        ];
        let err = compare(&e, &r).unwrap();
        assert_eq!(err.samples, 4);
        assert!((err.mean_ms - 100.0).abs() < 1e-6);
        assert!((err.p95_ms - 300.0).abs() < 1e-6);
        assert!(compare(&e[..1], &r).is_err());
    }
}

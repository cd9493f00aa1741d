//! Conformance scenarios for [`SpeechSynthesizer`].

use super::{Report, Runner, Skip, Verdict, ensure, expect_kind, ok_or_fail};
use crate::{AudioTrack, ErrorKind, SpeechRequest, SpeechSynthesizer};

/// Run every scenario against `provider`.
pub async fn run_all(provider: &dyn SpeechSynthesizer, skips: &[Skip]) -> Report {
    let mut r = Runner::new("tts", provider.to_string(), skips);
    r.run("returns_audio", returns_audio(provider)).await;
    r.run("usage_reported", usage_reported(provider)).await;
    r.run("timings_within_audio", timings_within_audio(provider))
        .await;
    r.run("empty_text_rejected", empty_text_rejected(provider))
        .await;
    r.run("ssml_matches_capability", ssml_matches_capability(provider))
        .await;
    r.finish()
}

/// Plain text gives valid, non-empty PCM that survives a WAV round trip.
pub async fn returns_audio(p: &dyn SpeechSynthesizer) -> Verdict {
    let speech = ok_or_fail!(
        p.synthesize(&SpeechRequest::new("The quick brown fox jumps."))
            .await,
        "synthesize"
    );
    let audio = &speech.audio;
    ensure!(!audio.samples.is_empty(), "no samples");
    ensure!(
        audio.sample_rate > 0 && audio.channels > 0,
        "bad shape {audio:?}"
    );
    ensure!(audio.duration_secs() > 0.0, "zero duration");
    let wav = ok_or_fail!(audio.to_wav_bytes(), "encode WAV");
    let back = ok_or_fail!(AudioTrack::from_wav_bytes(&wav), "decode WAV");
    ensure!(back == *audio, "WAV round trip changed the audio");
    Verdict::Passed
}

/// A successful call reports characters or audio seconds.
pub async fn usage_reported(p: &dyn SpeechSynthesizer) -> Verdict {
    let speech = ok_or_fail!(
        p.synthesize(&SpeechRequest::new("Usage should be counted."))
            .await,
        "synthesize"
    );
    ensure!(
        speech.usage.characters > 0 || speech.usage.audio_seconds > 0.0,
        "usage reports nothing: {:?}",
        speech.usage
    );
    Verdict::Passed
}

/// With `word_timings`, timings are present, monotonic and within the audio.
pub async fn timings_within_audio(p: &dyn SpeechSynthesizer) -> Verdict {
    if !p.info().capabilities.word_timings {
        return Verdict::Skipped("word_timings capability is off".into());
    }
    let text = "One two three four five.";
    let speech = ok_or_fail!(p.synthesize(&SpeechRequest::new(text)).await, "synthesize");
    let duration = speech.audio.duration_secs();
    ensure!(!speech.timings.is_empty(), "no word timings");
    let mut prev_start = 0.0;
    for t in &speech.timings {
        ensure!(!t.word.trim().is_empty(), "empty word in timings");
        ensure!(
            t.start_secs >= prev_start && t.start_secs <= t.end_secs,
            "timing {t:?} is not monotonic"
        );
        ensure!(
            t.end_secs <= duration + 0.05,
            "timing {t:?} ends after the audio ({duration:.3}s)"
        );
        prev_start = t.start_secs;
    }
    ensure!(
        speech.timings.len() <= text.split_whitespace().count() * 2,
        "{} timings for 5 words",
        speech.timings.len()
    );
    Verdict::Passed
}

/// Empty and blank text are `InvalidRequest`.
pub async fn empty_text_rejected(p: &dyn SpeechSynthesizer) -> Verdict {
    for text in ["", "   "] {
        let verdict = expect_kind(
            p.synthesize(&SpeechRequest::new(text)).await,
            ErrorKind::InvalidRequest,
            "empty text",
        );
        if verdict != Verdict::Passed {
            return verdict;
        }
    }
    Verdict::Passed
}

/// SSML is refused with `Unsupported` without the `ssml` capability, and spoken with it.
pub async fn ssml_matches_capability(p: &dyn SpeechSynthesizer) -> Verdict {
    let req = SpeechRequest::ssml("<speak>Hello <break time=\"200ms\"/> there.</speak>");
    if p.info().capabilities.ssml {
        let speech = ok_or_fail!(p.synthesize(&req).await, "synthesize SSML");
        ensure!(!speech.audio.samples.is_empty(), "SSML gave no audio");
        Verdict::Passed
    } else {
        expect_kind(
            p.synthesize(&req).await,
            ErrorKind::Unsupported,
            "SSML without capability",
        )
    }
}

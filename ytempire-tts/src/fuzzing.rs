//! Entry points for the fuzz targets in `scripts/fuzz` (feature `fuzzing`; not a stable API).
//!
//! A parse failure is an ordinary outcome; `Err(String)` means an invariant broke, and the
//! fuzz target (or the corpus replay test, `tests/fuzz_corpus.rs`) turns it into a failure.

use ytempire_core::AudioTrack;

use crate::audio;

/// Read untrusted WAV bytes as the crate does: core's decoder, and the streamed-WAV reader
/// that rewrites the header sizes of piped output first; then find the voiced span.
///
/// # Errors
/// A description of a broken invariant: a decoded track whose samples do not fill whole
/// frames, or a voiced span outside the track.
#[doc(hidden)]
pub fn wav(data: &[u8]) -> Result<(), String> {
    for (what, track) in [
        ("from_wav_bytes", AudioTrack::from_wav_bytes(data)),
        ("wav_from_stream", audio::wav_from_stream(data)),
    ] {
        let Ok(track) = track else { continue };
        let channels = usize::from(track.channels.max(1));
        if track.samples.len() % channels != 0 {
            return Err(format!(
                "{what}: {} samples do not fill {channels}-channel frames",
                track.samples.len()
            ));
        }
        let total = track.duration_secs();
        if let Some((start, end)) = audio::voiced_span(&track)
            && !(0.0 <= start && start <= end && end <= total + 1e-9)
        {
            return Err(format!(
                "{what}: voiced span {start}..{end} outside 0..{total}"
            ));
        }
    }
    Ok(())
}

/// Decode an ElevenLabs `/with-timestamps` answer (base64 PCM and character alignment), and
/// read the same bytes as an error body of a 401, a 422 and a 429.
///
/// # Errors
/// A description of a broken invariant: a word timing outside the decoded audio or ending
/// before it starts, or an error that loses its status.
#[doc(hidden)]
#[cfg(feature = "elevenlabs")]
pub fn elevenlabs(data: &[u8]) -> Result<(), String> {
    use crate::elevenlabs::fuzzing::{error_body, with_timestamps};
    if let Ok((track, timings, _)) = with_timestamps(data, "Hello there, fuzzing world.") {
        let total = track.duration_secs();
        for w in &timings {
            if !(0.0 <= w.start_secs && w.start_secs <= w.end_secs && w.end_secs <= total) {
                return Err(format!(
                    "word {:?} at {}..{} outside the {total} s of audio",
                    w.word, w.start_secs, w.end_secs
                ));
            }
        }
    }
    for status in [401, 422, 429] {
        let err = ytempire_core::http::status_error(
            "elevenlabs/fuzz",
            status,
            &reqwest::header::HeaderMap::new(),
            error_body(data),
            None,
        );
        if err.status() != Some(status) {
            return Err(format!("status {status} became {:?}", err.status()));
        }
    }
    Ok(())
}

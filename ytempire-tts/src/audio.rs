//! PCM helpers: raw PCM and streamed-WAV decoding, joining chunks with a short crossfade,
//! resampling (rubato), and finding the voiced part of a clip.
//!
//! ```
//! use ytempire_core::AudioTrack;
//! use ytempire_tts::audio;
//! let a = AudioTrack::new(16_000, 1, vec![1000; 16_000]).unwrap();
//! let b = AudioTrack::new(16_000, 1, vec![1000; 16_000]).unwrap();
//! let (joined, offsets) = audio::join(&[a, b], 10).unwrap();
//! assert_eq!(offsets.len(), 2);
//! assert_eq!(joined.frames(), 32_000 - 160);
//! ```

use rubato::audioadapter_buffers::owned::InterleavedOwned;
use rubato::{Fft, FixedSync, Resampler};
use ytempire_core::{AudioTrack, Error, ErrorKind, Result};

/// Default crossfade between synthesized chunks, in milliseconds.
pub const DEFAULT_CROSSFADE_MS: u32 = 15;

/// Decode little-endian signed 16-bit PCM bytes.
pub fn pcm16le_to_track(bytes: &[u8], sample_rate: u32, channels: u16) -> Result<AudioTrack> {
    if !bytes.len().is_multiple_of(2) {
        return Err(Error::new(
            ErrorKind::InvalidResponse,
            format!(
                "PCM body has an odd length ({} bytes): truncated",
                bytes.len()
            ),
        ));
    }
    let samples = bytes
        .chunks_exact(2)
        .map(|c| i16::from_le_bytes([c[0], c[1]]))
        .collect();
    AudioTrack::new(sample_rate, channels, samples)
}

/// Encode a track's samples as little-endian 16-bit PCM bytes.
pub fn track_to_pcm16le(track: &AudioTrack) -> Vec<u8> {
    track.samples.iter().flat_map(|s| s.to_le_bytes()).collect()
}

/// Decode a WAV file whose header sizes may be wrong (programs that stream to a pipe write
/// placeholder sizes): the RIFF and data sizes are rewritten from the real length first.
pub fn wav_from_stream(bytes: &[u8]) -> Result<AudioTrack> {
    let mut fixed = bytes.to_vec();
    if fixed.len() >= 12 && &fixed[..4] == b"RIFF" && &fixed[8..12] == b"WAVE" {
        let riff = u32::try_from(fixed.len().saturating_sub(8)).unwrap_or(u32::MAX);
        fixed[4..8].copy_from_slice(&riff.to_le_bytes());
        // Walk the chunks to the data chunk and fix its size.
        let mut pos = 12;
        while pos + 8 <= fixed.len() {
            let id = [fixed[pos], fixed[pos + 1], fixed[pos + 2], fixed[pos + 3]];
            let size = u32::from_le_bytes([
                fixed[pos + 4],
                fixed[pos + 5],
                fixed[pos + 6],
                fixed[pos + 7],
            ]) as usize;
            if &id == b"data" {
                let mut real = fixed.len() - (pos + 8);
                real -= real % 2;
                let real = u32::try_from(real).unwrap_or(u32::MAX);
                fixed[pos + 4..pos + 8].copy_from_slice(&real.to_le_bytes());
                fixed.truncate(pos + 8 + real as usize);
                break;
            }
            pos += 8 + size + (size % 2);
        }
    }
    AudioTrack::from_wav_bytes(&fixed)
}

/// `frames` of silence at a rate and channel count.
pub fn silence(sample_rate: u32, channels: u16, frames: usize) -> Result<AudioTrack> {
    AudioTrack::new(
        sample_rate,
        channels,
        vec![0; frames * usize::from(channels)],
    )
}

/// Join tracks end to end with a linear crossfade of `crossfade_ms` between neighbours.
///
/// Every track must share the first track's rate and channel count (resample first).
/// Returns the joined track and each input's start offset in seconds, for shifting timings.
pub fn join(tracks: &[AudioTrack], crossfade_ms: u32) -> Result<(AudioTrack, Vec<f64>)> {
    let Some(first) = tracks.first() else {
        return Err(Error::invalid_request("nothing to join: no audio chunks"));
    };
    let (rate, channels) = (first.sample_rate, first.channels);
    let ch = usize::from(channels);
    let fade_frames = (u64::from(rate) * u64::from(crossfade_ms) / 1000) as usize;
    let mut out: Vec<i16> = Vec::new();
    let mut offsets = Vec::with_capacity(tracks.len());
    for track in tracks {
        if track.sample_rate != rate || track.channels != channels {
            return Err(Error::invalid_request(format!(
                "cannot join {} Hz/{}ch audio onto {rate} Hz/{channels}ch; resample first",
                track.sample_rate, track.channels
            )));
        }
        let out_frames = out.len() / ch;
        let fade = fade_frames.min(out_frames).min(track.frames() / 2);
        let start = out_frames - fade;
        offsets.push(start as f64 / f64::from(rate));
        for f in 0..fade {
            let w = (f as f32 + 0.5) / fade as f32;
            for c in 0..ch {
                let i = (start + f) * ch + c;
                let mixed =
                    f32::from(out[i]) * (1.0 - w) + f32::from(track.samples[f * ch + c]) * w;
                out[i] = mixed
                    .round()
                    .clamp(f32::from(i16::MIN), f32::from(i16::MAX))
                    as i16;
            }
        }
        out.extend_from_slice(&track.samples[fade * ch..]);
    }
    Ok((AudioTrack::new(rate, channels, out)?, offsets))
}

/// Resample a track to `to_rate` with rubato's FFT resampler (unchanged if already there).
pub fn resample(track: &AudioTrack, to_rate: u32) -> Result<AudioTrack> {
    if to_rate == 0 {
        return Err(Error::invalid_request(
            "target sample rate must be above 0 Hz",
        ));
    }
    if track.sample_rate == to_rate || track.samples.is_empty() {
        return AudioTrack::new(to_rate, track.channels, track.samples.clone());
    }
    let ch = usize::from(track.channels);
    let frames = track.frames();
    let data: Vec<f32> = track
        .samples
        .iter()
        .map(|s| f32::from(*s) / 32768.0)
        .collect();
    let encode = |e: &dyn std::fmt::Display| {
        Error::new(
            ErrorKind::Encode,
            format!("resampling to {to_rate} Hz: {e}"),
        )
    };
    let input = InterleavedOwned::new_from(data, ch, frames).map_err(|e| encode(&e))?;
    let mut resampler = Fft::<f32>::new(
        track.sample_rate as usize,
        to_rate as usize,
        1024,
        ch,
        FixedSync::Both,
    )
    .map_err(|e| encode(&e))?;
    let output = resampler
        .process_all(&input, frames, None)
        .map_err(|e| encode(&e))?;
    let samples = output
        .take_data()
        .into_iter()
        .map(|v| (v * 32768.0).round().clamp(-32768.0, 32767.0) as i16)
        .collect();
    AudioTrack::new(to_rate, track.channels, samples)
}

/// The voiced span of a clip, in seconds: from the first to the last 10 ms window whose RMS is
/// above 2% of full scale. `None` when the clip is silent.
pub fn voiced_span(track: &AudioTrack) -> Option<(f64, f64)> {
    let ch = usize::from(track.channels.max(1));
    let window = (track.sample_rate as usize / 100).max(1);
    let threshold = 0.02 * 32768.0;
    let frames = track.frames();
    let loud = |w: usize| {
        let start = w * window;
        let end = ((w + 1) * window).min(frames);
        let n = (end - start) * ch;
        if n == 0 {
            return false;
        }
        let sum: f64 = track.samples[start * ch..end * ch]
            .iter()
            .map(|s| f64::from(*s).powi(2))
            .sum();
        (sum / n as f64).sqrt() > threshold
    };
    let windows = frames.div_ceil(window);
    let first = (0..windows).find(|w| loud(*w))?;
    let last = (0..windows).rev().find(|w| loud(*w))?;
    let rate = f64::from(track.sample_rate);
    Some((
        (first * window) as f64 / rate,
        (((last + 1) * window).min(frames)) as f64 / rate,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(rate: u32, secs: f64, hz: f64) -> AudioTrack {
        let n = (f64::from(rate) * secs) as usize;
        let samples = (0..n)
            .map(|i| {
                ((i as f64 / f64::from(rate) * hz * std::f64::consts::TAU).sin() * 12_000.0) as i16
            })
            .collect();
        AudioTrack::new(rate, 1, samples).unwrap()
    }

    #[test]
    fn join_crossfades_and_reports_offsets() {
        let a = tone(8000, 1.0, 200.0);
        let b = tone(8000, 0.5, 300.0);
        let (joined, offsets) = join(&[a, b], 20).unwrap();
        assert_eq!(joined.frames(), 8000 + 4000 - 160);
        assert_eq!(offsets[0], 0.0);
        assert!((offsets[1] - (8000.0 - 160.0) / 8000.0).abs() < 1e-9);
        let mono = silence(8000, 2, 10).unwrap();
        assert!(join(&[joined, mono], 20).is_err());
    }

    #[test]
    fn resample_changes_rate_and_keeps_duration() {
        let t = tone(22_050, 1.0, 440.0);
        let r = resample(&t, 24_000).unwrap();
        assert_eq!(r.sample_rate, 24_000);
        assert!(
            (r.duration_secs() - 1.0).abs() < 0.01,
            "{}",
            r.duration_secs()
        );
        let peak = r.samples.iter().map(|s| s.unsigned_abs()).max().unwrap();
        assert!(peak > 10_000 && peak < 14_000, "{peak}");
    }

    #[test]
    fn streamed_wav_with_bogus_sizes_decodes() {
        let t = tone(16_000, 0.25, 300.0);
        let mut bytes = t.to_wav_bytes().unwrap();
        bytes[4..8].copy_from_slice(&0x7fff_ffffu32.to_le_bytes());
        bytes[40..44].copy_from_slice(&0x7fff_ffffu32.to_le_bytes());
        assert_eq!(wav_from_stream(&bytes).unwrap(), t);
    }

    #[test]
    fn voiced_span_skips_silence() {
        let (joined, _) = join(
            &[
                silence(8000, 1, 4000).unwrap(),
                tone(8000, 1.0, 200.0),
                silence(8000, 1, 8000).unwrap(),
            ],
            0,
        )
        .unwrap();
        let (s, e) = voiced_span(&joined).unwrap();
        assert!(
            (s - 0.5).abs() < 0.011 && (e - 1.5).abs() < 0.011,
            "{s} {e}"
        );
        assert!(voiced_span(&silence(8000, 1, 100).unwrap()).is_none());
    }

    #[test]
    fn pcm_round_trip_and_truncation() {
        let t = tone(8000, 0.1, 100.0);
        let bytes = track_to_pcm16le(&t);
        assert_eq!(pcm16le_to_track(&bytes, 8000, 1).unwrap(), t);
        assert_eq!(
            pcm16le_to_track(&bytes[..bytes.len() - 1], 8000, 1)
                .unwrap_err()
                .kind(),
            ErrorKind::InvalidResponse
        );
    }
}

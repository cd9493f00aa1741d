//! The streaming soundtrack (`audio::stream`) against the in-memory one it replaces in renders.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests"
)]

use std::path::Path;

use ytempire_core::ErrorKind;
use ytempire_render::audio::aac::AacEncoder;
use ytempire_render::audio::stream::soundtrack_aac;
use ytempire_render::audio::{self, AudioBuffer, MixSettings};
use ytempire_render::mux::AacFrames;

/// Speech-like test signal at `rate`: gliding harmonics under a syllable envelope with pauses
/// and occasional loud peaks (so the limiter has work to do).
fn voice(rate: u32, secs: f32, amp: f32) -> AudioBuffer {
    let n = (secs * rate as f32) as usize;
    let samples = (0..n)
        .map(|i| {
            let t = i as f32 / rate as f32;
            let f0 = 120.0 + 30.0 * (t * 1.3).sin();
            let syllable = (t * 4.0 * std::f32::consts::PI).sin().abs().powf(0.5);
            let pause = if (t % 3.0) > 2.4 { 0.0 } else { 1.0 };
            let burst = if (t % 1.7) < 0.01 { 4.0 } else { 1.0 };
            let v: f32 = (1..12)
                .map(|h| (t * f0 * h as f32 * std::f32::consts::TAU).sin() / h as f32)
                .sum();
            (amp * syllable * pause * burst * v).clamp(-1.0, 1.0)
        })
        .collect();
    AudioBuffer {
        sample_rate: rate,
        samples,
    }
}

fn music(rate: u32, secs: f32) -> AudioBuffer {
    let n = (secs * rate as f32) as usize;
    AudioBuffer {
        sample_rate: rate,
        samples: (0..n)
            .map(|i| 0.3 * (i as f32 * 440.0 * std::f32::consts::TAU / rate as f32).sin())
            .collect(),
    }
}

fn write_wav(path: &Path, b: &AudioBuffer, channels: u16) {
    let spec = hound::WavSpec {
        channels,
        sample_rate: b.sample_rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for s in &b.samples {
        for _ in 0..channels {
            w.write_sample((s * 32767.0).round().clamp(-32768.0, 32767.0) as i16)
                .unwrap();
        }
    }
    w.finalize().unwrap();
}

/// Decode spooled frames back to PCM (left channel) with syom.
fn decode(frames: &mut AacFrames) -> Vec<f32> {
    let AacFrames::Spooled(_) = frames else {
        panic!("the streaming soundtrack spools its frames");
    };
    // Read the frames through a muxer-independent path: re-encode as ADTS.
    let n = frames.len();
    let mut adts = Vec::new();
    for i in 0..n {
        let f = frames.read_frame(i).unwrap();
        adts.extend(syom::wrap_adts_au(&f, 48_000, 2).unwrap());
    }
    syom::decode(&adts).unwrap().channels.remove(0)
}

#[test]
fn streaming_matches_the_in_memory_soundtrack() {
    let dir = tempfile::tempdir().unwrap();
    let narr = dir.path().join("narration.wav");
    let bed = dir.path().join("music.wav");
    // 22.05 kHz stereo narration (resampled and downmixed), 44.1 kHz music that loops.
    write_wav(&narr, &voice(22_050, 7.3, 0.05), 2);
    write_wav(&bed, &music(44_100, 2.0), 1);
    let settings = MixSettings::default();
    let secs = 9.0;
    let (mem, mem_l) = audio::soundtrack(Some(&narr), Some(&bed), secs, &settings).unwrap();
    let (mut input, l) = soundtrack_aac(
        Some(&narr),
        Some(&bed),
        secs,
        &settings,
        192_000,
        AacEncoder::Syom,
    )
    .unwrap();
    assert_eq!(input.sample_rate, 48_000);
    assert_eq!(input.channels, 2);
    assert_eq!(input.frames.len(), mem.samples.len().div_ceil(1024));
    assert!(
        (l.integrated_lufs - mem_l.integrated_lufs).abs() < 0.3,
        "stream {l:?} vs memory {mem_l:?}"
    );
    assert!((l.integrated_lufs + 14.0).abs() <= 1.0, "{l:?}");
    assert!(l.true_peak_dbtp <= -1.0, "{l:?}");
    // The same PCM through the same encoder gives (nearly) the same decoded audio: encode the
    // in-memory mix and compare the two decodes by signal-to-noise ratio.
    let decoded = decode(&mut input.frames);
    let mut reference = AacFrames::from(audio::aac::encode_aac(&mem, 192_000).unwrap().frames);
    let mut adts = Vec::new();
    for i in 0..reference.len() {
        let f = reference.read_frame(i).unwrap();
        adts.extend(syom::wrap_adts_au(&f, 48_000, 2).unwrap());
    }
    let expected = syom::decode(&adts).unwrap().channels.remove(0);
    let n = mem.samples.len().min(expected.len());
    let (sig, err) = expected[..n]
        .iter()
        .zip(&decoded[..n])
        .fold((0.0f64, 0.0f64), |(s, e), (a, b)| {
            (s + f64::from(a * a), e + f64::from((a - b) * (a - b)))
        });
    let snr = 10.0 * (sig / err.max(1e-30)).log10();
    println!("stream_vs_memory_snr_db {snr:.2}");
    assert!(snr > 40.0, "SNR {snr} dB");
}

#[test]
fn long_peaky_narration_is_normalised_across_block_boundaries() {
    let dir = tempfile::tempdir().unwrap();
    let narr = dir.path().join("narration.wav");
    // Loud with bursts: needs the limiter, whose blocks are one second long.
    write_wav(&narr, &voice(48_000, 25.0, 0.6), 1);
    let (input, l) = soundtrack_aac(
        Some(&narr),
        None,
        25.0,
        &MixSettings::default(),
        128_000,
        AacEncoder::default(),
    )
    .unwrap();
    assert_eq!(input.frames.len(), (25 * 48_000usize).div_ceil(1024));
    assert!((l.integrated_lufs + 14.0).abs() <= 1.0, "{l:?}");
    assert!(l.true_peak_dbtp <= -1.0, "{l:?}");
}

#[test]
fn silence_and_bad_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let s = MixSettings::default();
    let (input, l) = soundtrack_aac(None, None, 2.0, &s, 128_000, AacEncoder::Syom).unwrap();
    assert_eq!(input.frames.len(), 94);
    assert!(!l.integrated_lufs.is_finite() || l.integrated_lufs < -70.0);
    let missing = dir.path().join("nope.wav");
    let e = soundtrack_aac(Some(&missing), None, 1.0, &s, 128_000, AacEncoder::Syom).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    let bad = dir.path().join("bad.wav");
    std::fs::write(&bad, b"<html>not a wav</html>").unwrap();
    let e = soundtrack_aac(Some(&bad), None, 1.0, &s, 128_000, AacEncoder::Syom).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidRequest);
    let e = soundtrack_aac(None, None, 0.0, &s, 128_000, AacEncoder::Syom).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidRequest);
    let e = soundtrack_aac(None, None, f64::NAN, &s, 128_000, AacEncoder::Syom).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidRequest);
}

//! The streaming soundtrack (`audio::stream`) against the in-memory one it replaces in renders.

use crate::common;

use std::path::Path;
use std::process::Command;

use ytempire_core::{ErrorKind, Segment, Timeline, VideoSpec, Visual};
use ytempire_render::audio::aac::AacEncoder;
use ytempire_render::audio::music::ambient_bed;
use ytempire_render::audio::stream::soundtrack_aac;
use ytempire_render::audio::{self, AudioBuffer, Loudness, MixSettings, SAMPLE_RATE, StereoBuffer};
use ytempire_render::encode::EncoderChoice;
use ytempire_render::mux::{AacFrames, AudioInput};
use ytempire_render::video::{CompositorChoice, RenderOptions, render_video_blocking};

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

/// Decode spooled frames back to PCM (left and right channels) with syom.
fn decode(frames: &mut AacFrames) -> Vec<Vec<f32>> {
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
    split_decode(&adts)
}

/// Decode ADTS with each channel kept (syom's default mixes to mono).
fn split_decode(adts: &[u8]) -> Vec<Vec<f32>> {
    let opts = syom::DecodeOptions::speech().with_channel_mode(syom::ChannelMode::Split);
    syom::decode_with(adts, &opts).unwrap().channels
}

/// The soundtrack of `narr` over `bed` mixed in memory and streamed to AAC (192 kb/s, syom),
/// with the default mix: (in-memory buffer, its loudness, the AAC input, its loudness).
fn both_soundtracks(
    narr: &Path,
    bed: &Path,
    secs: f64,
) -> (StereoBuffer, Loudness, AudioInput, Loudness) {
    let settings = MixSettings::default();
    let (mem, mem_l) = audio::soundtrack(Some(narr), Some(bed), secs, &settings).unwrap();
    let (input, l) = soundtrack_aac(
        Some(narr),
        Some(bed),
        secs,
        &settings,
        192_000,
        AacEncoder::Syom,
    )
    .unwrap();
    (mem, mem_l, input, l)
}

/// `voice` pauses where `t % 3.0 > 2.4`: those spans (with 0.15 s margins) up to `secs`,
/// as sample ranges at 48 kHz.
fn pauses(secs: f32) -> Vec<std::ops::Range<usize>> {
    let rate = SAMPLE_RATE as f32;
    (0..)
        .map(|k| 3.0 * k as f32)
        .take_while(|t| t + 3.0 <= secs)
        .map(|t| ((t + 2.55) * rate) as usize..((t + 2.85) * rate) as usize)
        .collect()
}

#[test]
fn streaming_matches_the_in_memory_soundtrack() {
    let dir = tempfile::tempdir().unwrap();
    let narr = dir.path().join("narration.wav");
    let bed = dir.path().join("music.wav");
    // 22.05 kHz stereo narration (resampled and downmixed), 44.1 kHz music that loops.
    write_wav(&narr, &voice(22_050, 7.3, 0.05), 2);
    write_wav(&bed, &music(44_100, 2.0), 1);
    let secs = 9.0;
    let (mem, mem_l, mut input, l) = both_soundtracks(&narr, &bed, secs);
    assert_eq!(input.sample_rate, 48_000);
    assert_eq!(input.channels, 2);
    assert_eq!(input.frames.len(), mem.frames().div_ceil(1024));
    assert!(
        (l.integrated_lufs - mem_l.integrated_lufs).abs() < 0.3,
        "stream {l:?} vs memory {mem_l:?}"
    );
    assert!((l.integrated_lufs + 14.0).abs() <= 1.0, "{l:?}");
    assert!(l.true_peak_dbtp <= -1.0, "{l:?}");
    // The same PCM through the same encoder gives (nearly) the same decoded audio: encode the
    // in-memory mix and compare the two decodes by signal-to-noise ratio.
    let decoded = decode(&mut input.frames).remove(0);
    let mut reference =
        AacFrames::from(audio::aac::encode_aac_stereo(&mem, 192_000).unwrap().frames);
    let mut adts = Vec::new();
    for i in 0..reference.len() {
        let f = reference.read_frame(i).unwrap();
        adts.extend(syom::wrap_adts_au(&f, 48_000, 2).unwrap());
    }
    let expected = split_decode(&adts).remove(0);
    let n = mem.frames().min(expected.len());
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

#[test]
fn streaming_keeps_the_stereo_bed_and_centres_the_narration() {
    let dir = tempfile::tempdir().unwrap();
    let narr = dir.path().join("narration.wav");
    let bed = dir.path().join("bed.wav");
    write_wav(&narr, &voice(48_000, 9.0, 0.05), 1);
    ambient_bed(11, 48_000).write_wav(&bed).unwrap();
    let secs = 9.0;
    let (mem, mem_l, mut input, l) = both_soundtracks(&narr, &bed, secs);
    assert_eq!(input.channels, 2);
    assert!((l.integrated_lufs + 14.0).abs() <= 1.0, "{l:?}");
    assert!(
        (l.integrated_lufs - mem_l.integrated_lufs).abs() < 0.3,
        "{l:?} vs {mem_l:?}"
    );
    assert!(l.true_peak_dbtp <= -1.0, "{l:?}");
    let dec = decode(&mut input.frames);
    assert_eq!(dec.len(), 2);
    let (left, right) = (&dec[0], &dec[1]);
    for r in pauses(secs as f32) {
        let c = common::signal::correlation(&left[r.clone()], &right[r.clone()]);
        let m = common::signal::correlation(&mem.left[r.clone()], &mem.right[r.clone()]);
        println!("stream_pause_lr_correlation decoded={c:.3} pcm={m:.3} ({r:?})");
        assert!(
            c < 0.98 && m < 0.98,
            "pause {r:?}: L/R correlation {c} (PCM {m})"
        );
    }
    // Each decoded channel follows the in-memory mix's channel.
    for (d, e) in [(left, &mem.left), (right, &mem.right)] {
        let n = d.len().min(e.len());
        let (sig, err) = e[..n]
            .iter()
            .zip(&d[..n])
            .fold((0.0f64, 0.0f64), |(s, x), (a, b)| {
                (s + f64::from(a * a), x + f64::from((a - b) * (a - b)))
            });
        let snr = 10.0 * (sig / err.max(1e-30)).log10();
        println!("stream_vs_memory_channel_snr_db {snr:.2}");
        assert!(snr > 15.0, "SNR {snr} dB");
    }

    // Without music both channels carry the same narration.
    let (mut dry, _) = soundtrack_aac(
        Some(&narr),
        None,
        secs,
        &MixSettings::default(),
        192_000,
        AacEncoder::Syom,
    )
    .unwrap();
    let dec = decode(&mut dry.frames);
    let worst = dec[0]
        .iter()
        .zip(&dec[1])
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(
        worst < 1e-4,
        "narration alone differs between channels by {worst}"
    );
}

#[test]
fn rendered_mp4_with_music_has_two_different_channels_at_the_target_loudness() {
    let dir = tempfile::tempdir().unwrap();
    let secs = 6.0;
    let img = dir.path().join("still.png");
    image::RgbaImage::from_fn(160, 90, |x, _| image::Rgba([x as u8, 90, 140, 255]))
        .save(&img)
        .unwrap();
    let mut t = Timeline::new(VideoSpec::new(160, 90, 10)).with_segment(Segment::new(
        Visual::image_file("still", 160, 90, img),
        0.0,
        secs,
    ));
    let narr = dir.path().join("narration.wav");
    let bed = dir.path().join("bed.wav");
    write_wav(&narr, &voice(22_050, secs as f32, 0.05), 1);
    ambient_bed(5, 48_000).write_wav(&bed).unwrap();
    t.narration = Some(narr);
    t.music = Some(bed);
    let out = dir.path().join("music.mp4");
    let opts = RenderOptions {
        compositor: CompositorChoice::Cpu,
        encoder: EncoderChoice::OpenH264,
        ..Default::default()
    };
    let r = render_video_blocking(&t, &opts, &out).unwrap();
    assert!((r.loudness_lufs + 14.0).abs() <= 1.0, "{r:?}");
    if !(common::tool_ok("ffprobe") && common::tool_ok("ffmpeg")) {
        return;
    }
    let probe = Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", "a:0"])
        .args(["-show_entries", "stream=codec_name,channels,sample_rate"])
        .args(["-of", "default=nw=1"])
        .arg(&out)
        .output()
        .unwrap();
    let p = String::from_utf8_lossy(&probe.stdout);
    assert!(
        p.contains("codec_name=aac") && p.contains("channels=2"),
        "{p}"
    );
    assert!(p.contains("sample_rate=48000"), "{p}");
    // Decode with ffmpeg's own AAC decoder, keeping both channels as they are.
    let pcm = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(&out)
        .args(["-map", "0:a:0", "-f", "f32le", "-acodec", "pcm_f32le", "-"])
        .output()
        .unwrap();
    assert!(
        pcm.status.success(),
        "{}",
        String::from_utf8_lossy(&pcm.stderr)
    );
    let samples: Vec<f32> = pcm
        .stdout
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    let left: Vec<f32> = samples.iter().step_by(2).copied().collect();
    let right: Vec<f32> = samples.iter().skip(1).step_by(2).copied().collect();
    assert!(
        (left.len() as f64 / 48_000.0 - secs).abs() < 0.05,
        "{}",
        left.len()
    );
    for r in pauses(secs as f32) {
        let c = common::signal::correlation(&left[r.clone()], &right[r.clone()]);
        println!("mp4_pause_lr_correlation {c:.3} ({r:?})");
        assert!(c < 0.98, "pause {r:?}: L/R correlation {c}");
    }
    // The decoded file measured as a stereo programme (BS.1770, as YouTube reads it).
    let decoded = StereoBuffer {
        sample_rate: SAMPLE_RATE,
        left,
        right,
    };
    let m = audio::measure_stereo(&decoded).unwrap();
    println!(
        "mp4_stereo_loudness {m:?} (render reported {} LUFS)",
        r.loudness_lufs
    );
    assert!((m.integrated_lufs + 14.0).abs() <= 1.0, "{m:?}");
    assert!(
        (m.integrated_lufs - r.loudness_lufs).abs() <= 0.5,
        "{m:?} vs {r:?}"
    );
}

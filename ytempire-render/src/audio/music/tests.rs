use super::*;
use crate::audio::{MixSettings, load_wav, mix, resample};

#[path = "../../../tests/common/signal.rs"]
mod signal;
use signal::correlation;

fn db(x: f64) -> f64 {
    20.0 * x.max(1e-12).log10()
}

fn rms(s: &[f32]) -> f64 {
    (s.iter().map(|v| f64::from(*v) * f64::from(*v)).sum::<f64>() / s.len().max(1) as f64).sqrt()
}

/// Synthetic narration: `sentences` of 2.5 s (a voiced buzz with harmonics and a syllable
/// rhythm) separated by 0.7 s of digital silence, after 0.3 s of silence.
fn narration(sentences: usize) -> (AudioBuffer, Vec<(usize, usize)>) {
    let rate = SAMPLE_RATE as usize;
    let mut samples = vec![0.0f32; rate * 3 / 10];
    let mut spans = Vec::new();
    for k in 0..sentences {
        let start = samples.len();
        let len = rate * 5 / 2;
        let f0 = 120.0 + 15.0 * k as f32;
        for i in 0..len {
            let t = i as f32 / rate as f32;
            let syllable = 0.6 + 0.4 * (std::f32::consts::TAU * 4.0 * t).sin().abs();
            let v: f32 = (1..6)
                .map(|h| (std::f32::consts::TAU * f0 * h as f32 * t).sin() / h as f32)
                .sum();
            samples.push(0.15 * syllable * v);
        }
        spans.push((start, start + len));
        samples.extend(std::iter::repeat_n(0.0, rate * 7 / 10));
    }
    (
        AudioBuffer {
            sample_rate: SAMPLE_RATE,
            samples,
        },
        spans,
    )
}

/// Share of 50 ms windows after the first second below −50 dBFS RMS.
fn silent_share(mix: &[f32]) -> f64 {
    let w = SAMPLE_RATE as usize / 20;
    let windows: Vec<f64> = mix[SAMPLE_RATE as usize..]
        .chunks_exact(w)
        .map(|c| db(rms(c)))
        .collect();
    windows.iter().filter(|d| **d < -50.0).count() as f64 / windows.len().max(1) as f64
}

#[test]
fn bed_is_deterministic_stereo_seamless_and_at_level() {
    let a = ambient_bed(7, SAMPLE_RATE);
    let b = ambient_bed(7, SAMPLE_RATE);
    let c = ambient_bed(8, SAMPLE_RATE);
    assert_eq!(a, b);
    assert_ne!(a.left, c.left);
    assert_eq!(a.left.len(), (LOOP_SECS * f64::from(SAMPLE_RATE)) as usize);
    assert_ne!(a.left, a.right, "the sides are detuned apart");
    let level = db(rms(&a.to_mono().samples));
    assert!((-24.0..-18.0).contains(&level), "{level}");
    // Seamless: the jump from the last sample back to the first is no bigger than the
    // largest step inside the loop.
    for side in [&a.left, &a.right] {
        let max_step = side
            .windows(2)
            .map(|w| (w[1] - w[0]).abs())
            .fold(0.0f32, f32::max);
        let seam = (side[0] - side[side.len() - 1]).abs();
        assert!(seam <= max_step, "seam {seam} > {max_step}");
    }
    // Never quiet: every 50 ms window of the loop is above −40 dBFS (chords crossfade).
    let mono = a.to_mono();
    let quietest = mono
        .samples
        .chunks_exact(SAMPLE_RATE as usize / 20)
        .map(|c| db(rms(c)))
        .fold(f64::INFINITY, f64::min);
    assert!(quietest > -40.0, "{quietest}");
}

#[test]
fn bed_fills_pauses_in_stereo_and_sits_under_speech() {
    let (speech, spans) = narration(6);
    let len = speech.samples.len();
    let settings = MixSettings::default();
    let (dry, _) = mix(Some(&speech), None, len, &settings).unwrap();
    assert_eq!(
        dry.left, dry.right,
        "narration alone is centred: identical channels"
    );
    let before = silent_share(&dry.left);
    assert!(before > 0.15, "the dry narration has pauses: {before}");

    // Through a stereo WAV, as the render stage hands it to the mixer.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bed.wav");
    ambient_bed(3, SAMPLE_RATE).write_wav(&path).unwrap();
    let bed = load_wav_stereo(&path).unwrap();
    let (wet, loud) = mix(Some(&speech), Some(&bed), len, &settings).unwrap();
    assert_eq!(wet.frames(), len);
    assert!((loud.integrated_lufs + 14.0).abs() < 0.5, "{loud:?}");
    assert!(loud.true_peak_dbtp <= -1.0, "{loud:?}");
    // The stereo programme (BS.1770) is what was normalised.
    assert_eq!(
        crate::audio::measure_stereo(&wet).unwrap().integrated_lufs,
        loud.integrated_lufs
    );

    // The bed keeps its stereo image: in the pauses (only music sounds) the channels differ.
    let edge = SAMPLE_RATE as usize / 10;
    let (mut pl, mut pr) = (Vec::new(), Vec::new());
    for w in spans.windows(2) {
        let (a, b) = (w[0].1 + edge, w[1].0 - edge);
        pl.extend_from_slice(&wet.left[a..b]);
        pr.extend_from_slice(&wet.right[a..b]);
    }
    let corr = correlation(&pl, &pr);
    eprintln!("L/R correlation in the pauses: {corr:.3}");
    assert!(
        corr < 0.98,
        "the bed's sides are detuned apart: correlation {corr}"
    );
    assert_ne!(wet.left, wet.right);

    for (name, side) in [("left", &wet.left), ("right", &wet.right)] {
        let after = silent_share(side);
        eprintln!(
            "{name}: silent 50 ms windows after 1 s: {:.1} % dry, {:.1} % with the bed",
            before * 100.0,
            after * 100.0
        );
        assert_eq!(
            after, 0.0,
            "{name}: no 50 ms window below −50 dBFS after 1 s"
        );

        // The music's part of this channel: the channel minus the narration at the mix's
        // gain (least squares; the pad and the buzz are nearly uncorrelated).
        let g = side
            .iter()
            .zip(&speech.samples)
            .map(|(m, s)| f64::from(*m) * f64::from(*s))
            .sum::<f64>()
            / speech
                .samples
                .iter()
                .map(|s| f64::from(*s) * f64::from(*s))
                .sum::<f64>();
        let music: Vec<f32> = side
            .iter()
            .zip(&speech.samples)
            .map(|(m, s)| m - g as f32 * s)
            .collect();
        for &(a, b) in &spans {
            let (a, b) = (a + edge, b - edge);
            let voice = db(g * rms(&speech.samples[a..b]));
            let under = db(rms(&music[a..b]));
            eprintln!("{name} under speech: voice {voice:.1} dBFS, music {under:.1} dBFS");
            assert!(
                voice - under >= 10.0,
                "{name}: music {under:.1} dB vs voice {voice:.1} dB"
            );
        }
    }

    // A mono music file goes to both sides: the mix stays centred.
    let mono_path = dir.path().join("mono.wav");
    write_mono_wav(&bed.to_mono(), &mono_path).unwrap();
    let mono = load_wav_stereo(&mono_path).unwrap();
    assert_eq!(mono.left, mono.right);
    let (centred, _) = mix(Some(&speech), Some(&mono), len, &settings).unwrap();
    assert_eq!(centred.left, centred.right);
}

#[test]
fn seamless_loop_crossfades_the_tail_into_the_head() {
    let n = SAMPLE_RATE as usize * 4;
    let buf = AudioBuffer {
        sample_rate: SAMPLE_RATE,
        samples: (0..n).map(|i| if i < n / 2 { 0.5 } else { -0.5 }).collect(),
    };
    let l = seamless_loop(&buf, 0.5);
    assert_eq!(l.samples.len(), n - SAMPLE_RATE as usize / 2);
    // The seam: the last kept sample (−0.5) runs into a head that starts on the tail (−0.5).
    assert!((l.samples[0] + 0.5).abs() < 0.01, "{}", l.samples[0]);
    assert!((l.samples[SAMPLE_RATE as usize] - 0.5).abs() < 1e-6);
}

#[test]
fn library_indexes_moods_from_folders_and_sidecars() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("Calm/piano")).unwrap();
    std::fs::create_dir_all(root.join("upbeat")).unwrap();
    let bed = ambient_bed(1, 8_000);
    for p in ["Calm/piano/a.wav", "upbeat/b.wav", "c.wav"] {
        bed.write_wav(&root.join(p)).unwrap();
    }
    std::fs::write(root.join("c.wav.tags"), "calm, Warm\nsoft").unwrap();
    std::fs::write(root.join("notes.txt"), "not music").unwrap();
    let lib = MusicLibrary::index(root).unwrap();
    assert_eq!(lib.tracks.len(), 3);
    let names = |it: Vec<&MusicTrack>| -> Vec<String> {
        it.iter()
            .map(|t| t.path.file_name().unwrap().to_string_lossy().into_owned())
            .collect()
    };
    assert_eq!(names(lib.with_mood("CALM").collect()), ["a.wav", "c.wav"]);
    assert!(lib.tracks[0].moods.contains("piano"));
    for seed in 0..20 {
        let t = lib.pick(Some("calm"), seed).unwrap();
        assert!(t.moods.contains("calm"), "{t:?}");
        assert!(
            lib.pick(Some("warm"), seed)
                .unwrap()
                .path
                .ends_with("c.wav")
        );
    }
    // An unknown mood falls back to any track; an empty library has none.
    assert!(lib.pick(Some("sad"), 1).is_some());
    let empty = tempfile::tempdir().unwrap();
    assert!(
        MusicLibrary::index(empty.path())
            .unwrap()
            .pick(None, 1)
            .is_none()
    );
    assert!(MusicLibrary::index(&root.join("missing")).is_err());
    // A prepared track is at the mix rate, shorter by its crossfade, and keeps its stereo
    // channels (the file's left and right differ).
    let prepared = prepare_track(&root.join("c.wav")).unwrap();
    assert_eq!(prepared.sample_rate, SAMPLE_RATE);
    let full = (LOOP_SECS * f64::from(SAMPLE_RATE)) as usize;
    assert!(prepared.frames() < full && prepared.frames() > full - 3 * SAMPLE_RATE as usize);
    assert_eq!(prepared.left.len(), prepared.right.len());
    assert_ne!(prepared.left, prepared.right);
    // Downmixed, it matches the mono load of the same file (resampled the same way).
    let mono = resample(&load_wav(&root.join("c.wav")).unwrap(), SAMPLE_RATE).unwrap();
    let mid = prepared.to_mono();
    let k = SAMPLE_RATE as usize * 3;
    assert!((mid.samples[k] - mono.samples[k]).abs() < 1e-3);
}

//! Speech-like audio: harmonic "words" with attack/release and a 4 Hz syllable modulation.

use ebur128::{EbuR128, Mode};
use ytempire_core::{AudioTrack, WordTiming};
use ytempire_cost::quality::{AudioExpectations, score_audio};

use super::Example;

#[derive(Clone, Copy)]
pub(crate) enum Source {
    Voice,
    Noise,
    Silence,
}

#[derive(Clone, Copy)]
pub(crate) struct Clip {
    rate: u32,
    channels: u16,
    wpm: f64,
    words: usize,
    lufs: f64,
    /// Extra silence after word 15.
    pause_secs: f64,
    /// Gain after normalising; samples beyond full scale are hard-clipped.
    drive_db: f64,
    /// Every n-th sample becomes a full-scale click.
    click_every: Option<usize>,
    source: Source,
}

const CLIP: Clip = Clip {
    rate: 24_000,
    channels: 1,
    wpm: 150.0,
    words: 40,
    lufs: -14.0,
    pause_secs: 0.0,
    drive_db: 0.0,
    click_every: None,
    source: Source::Voice,
};

fn integrated_lufs(mono: &[f64], rate: u32) -> f64 {
    let mut meter = EbuR128::new(1, rate, Mode::I).unwrap();
    meter.add_frames_f64(mono).unwrap();
    meter.loudness_global().unwrap()
}

fn synth(c: Clip) -> (AudioTrack, Vec<WordTiming>) {
    let rate = f64::from(c.rate);
    let slot = 60.0 / c.wpm;
    let len = slot * 0.86;
    let lead = 0.2;
    let mut timings = Vec::new();
    let mut t = lead;
    for i in 0..c.words {
        timings.push(WordTiming::new(format!("w{i}"), t, t + len));
        t += slot;
        if i == 15 {
            t += c.pause_secs;
        }
    }
    let total = t + lead;
    let n = (total * rate) as usize;
    let mut mono = vec![0.0f64; n];
    let mut noise = 0x2545_f491u32;
    for (i, w) in timings.iter().enumerate() {
        let f0 = 120.0 + (i % 7) as f64 * 9.0;
        let start = (w.start_secs * rate) as usize;
        let end = ((w.end_secs * rate) as usize).min(n);
        for (k, s) in mono[start..end].iter_mut().enumerate() {
            let tt = k as f64 / rate;
            let ramp = 0.03;
            let env = if tt < ramp {
                0.5 - 0.5 * (std::f64::consts::PI * tt / ramp).cos()
            } else if tt > len - ramp {
                0.5 - 0.5 * (std::f64::consts::PI * (len - tt) / ramp).cos()
            } else {
                1.0
            } * (0.6 + 0.4 * (std::f64::consts::TAU * 4.0 * tt).cos().abs());
            let x = match c.source {
                Source::Voice => (1..=6)
                    .map(|h| (std::f64::consts::TAU * f0 * f64::from(h) * tt).sin() / f64::from(h))
                    .sum::<f64>(),
                Source::Noise => {
                    noise ^= noise << 13;
                    noise ^= noise >> 17;
                    noise ^= noise << 5;
                    f64::from(noise) / f64::from(u32::MAX) * 2.0 - 1.0
                }
                Source::Silence => 0.0,
            };
            *s = x * env;
        }
    }
    if !matches!(c.source, Source::Silence) {
        // Identical channels add up: n of them measure 10·log10(n) LU louder than one.
        let per_channel = c.lufs - 10.0 * f64::from(c.channels).log10();
        let gain = 10f64.powf((per_channel - integrated_lufs(&mono, c.rate) + c.drive_db) / 20.0);
        for s in &mut mono {
            *s *= gain;
        }
    }
    let mut samples: Vec<i16> = mono
        .iter()
        .flat_map(|&s| {
            let v = (s * 32_767.0).clamp(-32_768.0, 32_767.0) as i16;
            std::iter::repeat_n(v, usize::from(c.channels))
        })
        .collect();
    if let Some(every) = c.click_every {
        for s in samples.iter_mut().step_by(every) {
            *s = i16::MAX;
        }
    }
    (
        AudioTrack::new(c.rate, c.channels, samples).unwrap(),
        timings,
    )
}

fn audio_example(name: &'static str, good: bool, clip: Clip) -> Example {
    let (track, timings) = synth(clip);
    let score = score_audio(
        &track,
        &AudioExpectations::default().with_word_timings(timings),
    );
    Example { name, good, score }
}

/// The labelled set, built once per test binary.
pub(crate) fn audio_set() -> &'static [Example] {
    static SET: std::sync::OnceLock<Vec<Example>> = std::sync::OnceLock::new();
    SET.get_or_init(build_audio_set)
}

fn build_audio_set() -> Vec<Example> {
    vec![
        audio_example("150 wpm at -14 LUFS", true, CLIP),
        audio_example(
            "140 wpm at -14.8 LUFS",
            true,
            Clip {
                wpm: 140.0,
                lufs: -14.8,
                ..CLIP
            },
        ),
        audio_example(
            "stereo 48 kHz, 160 wpm, -13.5",
            true,
            Clip {
                rate: 48_000,
                channels: 2,
                wpm: 160.0,
                lufs: -13.5,
                ..CLIP
            },
        ),
        audio_example(
            "borderline: -16.5 LUFS",
            true,
            Clip {
                lufs: -16.5,
                ..CLIP
            },
        ),
        audio_example("borderline: 175 wpm", true, Clip { wpm: 175.0, ..CLIP }),
        audio_example(
            "1.5 s pause mid-way",
            true,
            Clip {
                pause_secs: 1.5,
                ..CLIP
            },
        ),
        audio_example(
            "borderline: 128 wpm at -12.6",
            true,
            Clip {
                wpm: 128.0,
                lufs: -12.6,
                ..CLIP
            },
        ),
        audio_example(
            "hard clipped (+9 dB drive)",
            false,
            Clip {
                drive_db: 9.0,
                ..CLIP
            },
        ),
        audio_example(
            "full-scale clicks (0.2 %)",
            false,
            Clip {
                click_every: Some(500),
                ..CLIP
            },
        ),
        audio_example(
            "silent with timings",
            false,
            Clip {
                source: Source::Silence,
                ..CLIP
            },
        ),
        audio_example(
            "too quiet: -30 LUFS",
            false,
            Clip {
                lufs: -30.0,
                ..CLIP
            },
        ),
        audio_example(
            "borderline: -19.5 LUFS",
            false,
            Clip {
                lufs: -19.5,
                ..CLIP
            },
        ),
        audio_example(
            "300 wpm",
            false,
            Clip {
                wpm: 300.0,
                words: 60,
                ..CLIP
            },
        ),
        audio_example("85 wpm", false, Clip { wpm: 85.0, ..CLIP }),
        audio_example(
            "5 s of dead air",
            false,
            Clip {
                pause_secs: 5.0,
                ..CLIP
            },
        ),
        // Blind spot: the scorer measures level, clipping, silence and timing, not whether
        // the sound is a voice.
        audio_example(
            "noise bursts instead of a voice",
            false,
            Clip {
                source: Source::Noise,
                ..CLIP
            },
        ),
    ]
}

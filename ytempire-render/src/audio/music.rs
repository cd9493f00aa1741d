//! Background music for the soundtrack: a generated ambient bed, and a local music library
//! indexed by mood.
//!
//! - [`ambient_bed`] synthesises a seamless loop of slow, detuned sine pads on a four-chord
//!   progression (the key, mode and voicing chosen by a seed), in stereo: each note is two
//!   oscillators detuned apart, one per side. Every frequency is a whole number of cycles per
//!   loop, so the loop repeats without a click when the mixer cycles it; chords change with
//!   two-second equal-power crossfades (the soft attack), so the level never drops between
//!   chords. It is written at −20 dBFS RMS; the mixer sets its final level (10 LU under the
//!   narration, ducked a further 12 dB under speech; see [`super::MixSettings`]).
//! - [`MusicLibrary`] indexes a folder of WAV files (WAV only: 8 to 32-bit PCM or float, any
//!   rate and channel count) by mood. A file's moods are the names of the folders between the
//!   library root and the file (`calm/piano.wav` is "calm"), plus the words in an optional
//!   sidecar `<file>.tags` (comma, space or newline separated: `calm, warm`). Moods are
//!   compared lower-case.
//! - [`seamless_loop`] prepares a library track for looping: its tail is crossfaded into its
//!   head (equal power), so the mixer can cycle it to the video's length without a jump;
//!   music longer than the video is cut by the mixer with a short fade. [`prepare_track`]
//!   does this to each channel of a library track.
//!
//! The mixer is stereo (see [`super`]): the bed's two detuned sides and a stereo library
//! track's left and right reach the AAC track as they are (a mono track goes to both
//! sides), with the narration centred over them.

use std::collections::BTreeSet;
use std::f64::consts::TAU;
use std::path::{Path, PathBuf};

use ytempire_core::{Error, Result};

use super::{AudioBuffer, SAMPLE_RATE, load_wav_stereo, resample_stereo};
use crate::rng::SplitMix;

/// Seconds each chord of the generated bed lasts.
pub const CHORD_SECS: f64 = 8.0;
/// Length of the generated bed's loop (four chords).
pub const LOOP_SECS: f64 = 4.0 * CHORD_SECS;
/// Crossfade between chords, in seconds.
const CHORD_FADE_SECS: f64 = 2.0;
/// RMS level the bed is written at.
const BED_RMS_DBFS: f64 = -20.0;

/// Two channels of PCM at one rate, `f32` in −1..=1.
#[derive(Clone, PartialEq)]
pub struct StereoBuffer {
    /// Samples per second.
    pub sample_rate: u32,
    /// Left channel.
    pub left: Vec<f32>,
    /// Right channel (as long as the left).
    pub right: Vec<f32>,
}

impl std::fmt::Debug for StereoBuffer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StereoBuffer")
            .field("sample_rate", &self.sample_rate)
            .field("frames", &self.left.len())
            .finish()
    }
}

impl StereoBuffer {
    /// A mono buffer in both channels (centred).
    pub fn from_mono(buf: &AudioBuffer) -> Self {
        Self {
            sample_rate: buf.sample_rate,
            left: buf.samples.clone(),
            right: buf.samples.clone(),
        }
    }

    /// Frames (samples per channel).
    pub fn frames(&self) -> usize {
        self.left.len()
    }

    /// Length in seconds.
    pub fn duration_secs(&self) -> f64 {
        if self.sample_rate == 0 {
            return 0.0;
        }
        self.left.len() as f64 / f64::from(self.sample_rate)
    }

    /// The two channels averaged.
    pub fn to_mono(&self) -> AudioBuffer {
        AudioBuffer {
            sample_rate: self.sample_rate,
            samples: self
                .left
                .iter()
                .zip(&self.right)
                .map(|(l, r)| 0.5 * (l + r))
                .collect(),
        }
    }

    /// Write as a 16-bit stereo WAV.
    ///
    /// # Errors
    /// `Io` when the file cannot be written.
    pub fn write_wav(&self, path: &Path) -> Result<()> {
        let spec = hound::WavSpec {
            channels: 2,
            sample_rate: self.sample_rate,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        write_wav(
            path,
            spec,
            self.left
                .iter()
                .zip(&self.right)
                .flat_map(|(l, r)| [*l, *r]),
        )
    }
}

/// Write `samples` (interleaved per `spec.channels`) as 16-bit PCM.
fn write_wav(path: &Path, spec: hound::WavSpec, samples: impl Iterator<Item = f32>) -> Result<()> {
    let fail = |e: hound::Error| {
        Error::io(
            format!("writing music WAV {}", path.display()),
            std::io::Error::other(e.to_string()),
        )
    };
    let mut w = hound::WavWriter::create(path, spec).map_err(fail)?;
    for s in samples {
        let v = (s.clamp(-1.0, 1.0) * f32::from(i16::MAX)).round() as i16;
        w.write_sample(v).map_err(fail)?;
    }
    w.finalize().map_err(fail)
}

/// Write a mono buffer as a 16-bit WAV.
///
/// # Errors
/// `Io` when the file cannot be written.
pub fn write_mono_wav(buf: &AudioBuffer, path: &Path) -> Result<()> {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: buf.sample_rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    write_wav(path, spec, buf.samples.iter().copied())
}

/// Progressions as (semitones above the key's root, minor chord?) per chord.
const PROGRESSIONS: [[(i32, bool); 4]; 4] = [
    [(0, false), (9, true), (5, false), (7, false)], // I–vi–IV–V
    [(0, false), (5, false), (9, true), (7, false)], // I–IV–vi–V
    [(0, true), (8, false), (3, false), (10, false)], // i–VI–III–VII
    [(0, true), (5, true), (8, false), (7, false)],  // i–iv–VI–V
];

/// One oscillator: frequency (a whole number of cycles per loop), amplitude, phase.
struct Osc {
    freq: f64,
    amp: f64,
    phase: f64,
}

/// Frequencies of one chord's voicing: the root low, then a triad an octave up, and the fifth.
fn chord_notes(key_midi: i32, offset: i32, minor: bool) -> [f64; 4] {
    let third = if minor { 3 } else { 4 };
    let root = key_midi + offset;
    let midi = [root - 12, root, root + third, root + 7];
    midi.map(|m| 440.0 * 2f64.powf(f64::from(m - 69) / 12.0))
}

/// Round to a whole number of cycles per loop, so the loop is seamless.
fn snap(freq: f64) -> f64 {
    (freq * LOOP_SECS).round().max(1.0) / LOOP_SECS
}

/// A seamless [`LOOP_SECS`] loop of ambient pads at `sample_rate`, chosen by `seed`: the key
/// (A2 to E3 for the bass note), the progression (two major, two minor), the detune and the
/// stereo spread all follow from it, so the same seed gives the same samples.
pub fn ambient_bed(seed: u64, sample_rate: u32) -> StereoBuffer {
    let mut rng = SplitMix(seed);
    let key = 57 + rng.below(8) as i32; // A3..E4 as the chord root; the bass an octave down
    let progression = PROGRESSIONS[rng.below(PROGRESSIONS.len() as u64) as usize];
    let detune_cents = 4.0 + 6.0 * rng.unit_f64();
    // Per chord, per side: oscillators (each note a sine plus a soft third harmonic, so it
    // reads as a mellow triangle-like pad).
    let mut chords: Vec<[Vec<Osc>; 2]> = Vec::new();
    for (offset, minor) in progression {
        let notes = chord_notes(key, offset, minor);
        let mut sides: [Vec<Osc>; 2] = [Vec::new(), Vec::new()];
        for (n, f) in notes.iter().enumerate() {
            let level = if n == 0 { 1.0 } else { 0.7 };
            for (side, sign) in [(0usize, -1.0), (1usize, 1.0)] {
                let f = f * 2f64.powf(sign * detune_cents / 1200.0);
                let phase = TAU * rng.unit_f64();
                sides[side].push(Osc {
                    freq: snap(f),
                    amp: level,
                    phase,
                });
                sides[side].push(Osc {
                    freq: snap(3.0 * f),
                    amp: level / 12.0,
                    phase,
                });
            }
        }
        chords.push(sides);
    }
    // A slow swell (one cycle per chord) keeps the pad moving.
    let swell = 1.0 / CHORD_SECS;
    let frames = (LOOP_SECS * f64::from(sample_rate)).round() as usize;
    let rate = f64::from(sample_rate.max(1));
    let mut left = Vec::with_capacity(frames);
    let mut right = Vec::with_capacity(frames);
    for i in 0..frames {
        let t = i as f64 / rate;
        let pos = t / CHORD_SECS;
        let k = (pos.floor() as usize) % chords.len();
        let into = (pos - pos.floor()) * CHORD_SECS;
        // Equal-power crossfade from the previous chord over the first seconds of this one.
        let (g_now, g_prev) = if into < CHORD_FADE_SECS {
            let a = into / CHORD_FADE_SECS * std::f64::consts::FRAC_PI_2;
            (a.sin(), a.cos())
        } else {
            (1.0, 0.0)
        };
        let prev = (k + chords.len() - 1) % chords.len();
        let motion = 0.85 + 0.15 * (TAU * swell * t).sin();
        for (side, out) in [(0usize, &mut left), (1usize, &mut right)] {
            let mut s = 0.0;
            for (chord, g) in [(k, g_now), (prev, g_prev)] {
                if g <= 0.0 {
                    continue;
                }
                let sum: f64 = chords[chord][side]
                    .iter()
                    .map(|o| o.amp * (TAU * o.freq * t + o.phase).sin())
                    .sum();
                s += g * sum;
            }
            out.push((s * motion) as f32);
        }
    }
    let mut bed = StereoBuffer {
        sample_rate,
        left,
        right,
    };
    let energy: f64 = bed
        .left
        .iter()
        .chain(&bed.right)
        .map(|s| f64::from(*s) * f64::from(*s))
        .sum();
    let rms = (energy / (2 * frames.max(1)) as f64).sqrt();
    if rms > 0.0 {
        let g = (10f64.powf(BED_RMS_DBFS / 20.0) / rms) as f32;
        for s in bed.left.iter_mut().chain(bed.right.iter_mut()) {
            *s *= g;
        }
    }
    bed
}

/// Crossfade the last `fade_secs` of `buf` (at most a quarter of it) into its start, equal
/// power, and drop that tail: cycling the result has no jump at the seam. Buffers shorter
/// than 0.1 s come back unchanged.
pub fn seamless_loop(buf: &AudioBuffer, fade_secs: f64) -> AudioBuffer {
    let n = buf.samples.len();
    let fade = ((fade_secs.max(0.0) * f64::from(buf.sample_rate)) as usize).min(n / 4);
    if n < (buf.sample_rate as usize / 10).max(4) || fade == 0 {
        return buf.clone();
    }
    let keep = n - fade;
    let mut samples = buf.samples[..keep].to_vec();
    for (i, s) in samples[..fade].iter_mut().enumerate() {
        let a = (i as f64 + 0.5) / fade as f64 * std::f64::consts::FRAC_PI_2;
        *s = *s * a.sin() as f32 + buf.samples[keep + i] * a.cos() as f32;
    }
    AudioBuffer {
        sample_rate: buf.sample_rate,
        samples,
    }
}

/// One WAV file of a [`MusicLibrary`] and its moods.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MusicTrack {
    /// The file.
    pub path: PathBuf,
    /// Its moods, lower-case (folder names and sidecar tags).
    pub moods: BTreeSet<String>,
}

/// A folder of WAV files indexed by mood; see the module docs for where moods come from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MusicLibrary {
    /// The folder indexed.
    pub root: PathBuf,
    /// Its tracks, in path order.
    pub tracks: Vec<MusicTrack>,
}

fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| c == ',' || c.is_whitespace())
        .map(|w| w.trim().to_lowercase())
        .filter(|w| !w.is_empty())
}

impl MusicLibrary {
    /// Index every `.wav` file under `root` (any depth; hidden entries skipped).
    ///
    /// # Errors
    /// `NotFound` when `root` is not a folder; `Io` when a folder cannot be listed.
    pub fn index(root: &Path) -> Result<Self> {
        if !root.is_dir() {
            return Err(Error::new(
                ytempire_core::ErrorKind::NotFound,
                format!("music library {} is not a folder", root.display()),
            ));
        }
        let mut tracks = Vec::new();
        let mut pending = vec![root.to_path_buf()];
        while let Some(dir) = pending.pop() {
            let entries = std::fs::read_dir(&dir)
                .map_err(|e| Error::io(format!("listing music folder {}", dir.display()), e))?;
            for entry in entries {
                let entry = entry
                    .map_err(|e| Error::io(format!("listing music folder {}", dir.display()), e))?;
                let path = entry.path();
                if entry.file_name().to_string_lossy().starts_with('.') {
                    continue;
                }
                if path.is_dir() {
                    pending.push(path);
                    continue;
                }
                let is_wav = path
                    .extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("wav"));
                if !is_wav {
                    continue;
                }
                let mut moods = BTreeSet::new();
                if let Ok(rel) = path.strip_prefix(root)
                    && let Some(parent) = rel.parent()
                {
                    for c in parent.components() {
                        moods.extend(words(&c.as_os_str().to_string_lossy()));
                    }
                }
                let mut sidecar = path.clone().into_os_string();
                sidecar.push(".tags");
                if let Ok(text) = std::fs::read_to_string(PathBuf::from(sidecar)) {
                    moods.extend(words(&text));
                }
                tracks.push(MusicTrack { path, moods });
            }
        }
        tracks.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(Self {
            root: root.to_path_buf(),
            tracks,
        })
    }

    /// The tracks tagged `mood` (case-insensitive).
    pub fn with_mood<'a>(&'a self, mood: &str) -> impl Iterator<Item = &'a MusicTrack> + 'a {
        let mood = mood.trim().to_lowercase();
        self.tracks.iter().filter(move |t| t.moods.contains(&mood))
    }

    /// One track for `mood`, chosen by `seed` among those tagged with it; with no mood given
    /// or none tagged with it, one among all tracks; `None` for an empty library.
    pub fn pick(&self, mood: Option<&str>, seed: u64) -> Option<&MusicTrack> {
        let matching: Vec<&MusicTrack> = match mood {
            Some(m) => self.with_mood(m).collect(),
            None => Vec::new(),
        };
        let pool: Vec<&MusicTrack> = if matching.is_empty() {
            self.tracks.iter().collect()
        } else {
            matching
        };
        if pool.is_empty() {
            return None;
        }
        let i = SplitMix(seed).below(pool.len() as u64) as usize;
        pool.get(i).copied()
    }
}

/// Load a library track in stereo (a mono file in both channels), resample it to
/// [`SAMPLE_RATE`] and make each channel loop seamlessly ([`seamless_loop`] with a
/// two-second crossfade), ready to write for the mixer.
///
/// # Errors
/// What [`super::load_wav_stereo`] and [`super::resample_stereo`] report.
pub fn prepare_track(path: &Path) -> Result<StereoBuffer> {
    let buf = resample_stereo(&load_wav_stereo(path)?, SAMPLE_RATE)?;
    let side = |samples: &[f32]| {
        seamless_loop(
            &AudioBuffer {
                sample_rate: buf.sample_rate,
                samples: samples.to_vec(),
            },
            2.0,
        )
        .samples
    };
    Ok(StereoBuffer {
        sample_rate: buf.sample_rate,
        left: side(&buf.left),
        right: side(&buf.right),
    })
}

#[cfg(test)]
mod tests;

//! The soundtrack: load narration and music, resample to 48 kHz, mix with the music ducked
//! under speech, fit to the video's length, and normalise to −14 LUFS integrated with true
//! peak ≤ −1 dBTP (EBU R128, measured with the `ebur128` crate).
//!
//! Length adjustments (documented behaviour, not errors): narration shorter than the video is
//! padded with silence, longer narration is cut at the end of the video with a 10 ms fade;
//! music shorter than the video loops, longer music is cut the same way.
//!
//! The mix is stereo ([`StereoBuffer`]): the narration is centred (the same in both channels),
//! the music keeps its stereo image (a mono music file goes to both sides). Integrated
//! loudness is measured as ITU-R BS.1770 measures a stereo programme (the channels' powers
//! summed, as YouTube's and ffmpeg's meters read the file), so the −14 LUFS target is met as
//! they read it; a centred voice reads [`CENTRED_LU`] (3 LU) above the same voice in mono,
//! and the music is set under the voice as it sounds centred. Speech detection, which ducks
//! the music, works on the mono narration with a threshold relative to its own level. True
//! peak is the larger of the two channels', and the limiter is linked (one gain for both
//! channels), so normalisation never shifts the image. The AAC track carries the two channels as they
//! are; without music they are identical.

use std::path::Path;

use ebur128::{EbuR128, Mode};
use rubato::audioadapter_buffers::owned::InterleavedOwned;
use rubato::{Fft, FixedSync, Resampler};
use ytempire_core::{Error, ErrorKind, Result};

pub mod aac;
mod limiter;
pub mod music;
mod normalize;
pub mod stream;

pub use music::StereoBuffer;

/// The output sample rate (YouTube recommends 48 kHz AAC-LC).
pub const SAMPLE_RATE: u32 = 48_000;

/// Mono PCM, `f32` in −1..=1.
#[derive(Clone, PartialEq)]
pub struct AudioBuffer {
    /// Samples per second.
    pub sample_rate: u32,
    /// One sample per tick.
    pub samples: Vec<f32>,
}

impl std::fmt::Debug for AudioBuffer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AudioBuffer")
            .field("sample_rate", &self.sample_rate)
            .field("samples", &self.samples.len())
            .finish()
    }
}

impl AudioBuffer {
    /// `len` samples of silence.
    pub fn silence(sample_rate: u32, len: usize) -> Self {
        Self {
            sample_rate,
            samples: vec![0.0; len],
        }
    }

    /// Length in seconds.
    pub fn duration_secs(&self) -> f64 {
        if self.sample_rate == 0 {
            return 0.0;
        }
        self.samples.len() as f64 / f64::from(self.sample_rate)
    }
}

fn audio_err(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::Encode, msg)
}

/// Interleaved samples of an open WAV file as `f32` in −1..=1, with typed read errors.
pub(crate) type WavSamples = Box<dyn Iterator<Item = Result<f32>>>;

/// Open a WAV file: its spec, frame count and sample iterator. A missing file is
/// `NotFound`; an unreadable one (or a sample rate of 0) `InvalidRequest`.
pub(crate) fn open_wav(path: &Path) -> Result<(hound::WavSpec, usize, WavSamples)> {
    if !path.exists() {
        return Err(Error::new(
            ErrorKind::NotFound,
            format!("audio file {} does not exist", path.display()),
        ));
    }
    let shown = path.display().to_string();
    let bad =
        move |e: hound::Error| Error::invalid_request(format!("cannot read WAV {shown}: {e}"));
    let reader = hound::WavReader::open(path).map_err(&bad)?;
    let spec = reader.spec();
    if spec.sample_rate == 0 {
        return Err(Error::invalid_request(format!(
            "WAV {} has a sample rate of 0",
            path.display()
        )));
    }
    let frames = reader.duration() as usize;
    let samples: WavSamples = match spec.sample_format {
        hound::SampleFormat::Float => {
            Box::new(reader.into_samples::<f32>().map(move |s| s.map_err(&bad)))
        }
        hound::SampleFormat::Int => {
            let scale = 1.0 / (1u64 << (spec.bits_per_sample.clamp(1, 32) - 1)) as f32;
            Box::new(
                reader
                    .into_samples::<i32>()
                    .map(move |s| s.map(|v| v as f32 * scale).map_err(&bad)),
            )
        }
    };
    Ok((spec, frames, samples))
}

/// Read a WAV file (8/16/24/32-bit integer or 32-bit float PCM, any channel count) and
/// downmix it to mono. A missing file is `NotFound`; an unreadable one `InvalidRequest`.
pub fn load_wav(path: &Path) -> Result<AudioBuffer> {
    let (spec, _, samples) = open_wav(path)?;
    let channels = usize::from(spec.channels.max(1));
    let interleaved: Vec<f32> = samples.collect::<Result<_>>()?;
    let samples = interleaved
        .chunks(channels)
        .map(|c| c.iter().sum::<f32>() / channels as f32)
        .collect();
    Ok(AudioBuffer {
        sample_rate: spec.sample_rate,
        samples,
    })
}

/// Read a WAV file keeping two channels: a mono file goes to both sides, a stereo one keeps
/// its left and right, one with more channels keeps its first two (front left and right in
/// WAV order). Errors as [`load_wav`].
pub fn load_wav_stereo(path: &Path) -> Result<StereoBuffer> {
    let (spec, frames, samples) = open_wav(path)?;
    let channels = usize::from(spec.channels.max(1));
    let interleaved: Vec<f32> = samples.collect::<Result<_>>()?;
    let (mut left, mut right) = (Vec::with_capacity(frames), Vec::with_capacity(frames));
    for f in interleaved.chunks_exact(channels) {
        let l = f.first().copied().unwrap_or(0.0);
        left.push(l);
        right.push(f.get(1).copied().unwrap_or(l));
    }
    Ok(StereoBuffer {
        sample_rate: spec.sample_rate,
        left,
        right,
    })
}

/// [`resample`] both channels of a stereo buffer.
pub fn resample_stereo(buf: &StereoBuffer, to_rate: u32) -> Result<StereoBuffer> {
    let side = |samples: &[f32]| {
        resample(
            &AudioBuffer {
                sample_rate: buf.sample_rate,
                samples: samples.to_vec(),
            },
            to_rate,
        )
        .map(|b| b.samples)
    };
    Ok(StereoBuffer {
        sample_rate: to_rate,
        left: side(&buf.left)?,
        right: side(&buf.right)?,
    })
}

/// Resample to `to_rate` with rubato's FFT resampler (a copy when already there).
pub fn resample(buf: &AudioBuffer, to_rate: u32) -> Result<AudioBuffer> {
    if to_rate == 0 || buf.sample_rate == 0 {
        return Err(Error::invalid_request("sample rates must be above 0 Hz"));
    }
    if buf.sample_rate == to_rate || buf.samples.is_empty() {
        return Ok(AudioBuffer {
            sample_rate: to_rate,
            samples: buf.samples.clone(),
        });
    }
    let frames = buf.samples.len();
    let fail = |e: &dyn std::fmt::Display| audio_err(format!("resampling to {to_rate} Hz: {e}"));
    let input = InterleavedOwned::new_from(buf.samples.clone(), 1, frames).map_err(|e| fail(&e))?;
    let mut resampler = Fft::<f32>::new(
        buf.sample_rate as usize,
        to_rate as usize,
        1024,
        1,
        FixedSync::Both,
    )
    .map_err(|e| fail(&e))?;
    let output = resampler
        .process_all(&input, frames, None)
        .map_err(|e| fail(&e))?;
    Ok(AudioBuffer {
        sample_rate: to_rate,
        samples: output.take_data(),
    })
}

/// Integrated loudness and true peak of a buffer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Loudness {
    /// Integrated loudness in LUFS (`-inf` for silence).
    pub integrated_lufs: f64,
    /// True peak in dBTP (`-inf` for silence).
    pub true_peak_dbtp: f64,
}

/// How much louder a mono signal reads once centred in both channels of a stereo programme
/// (BS.1770 sums the channels' powers): `10 log10 2` LU. The music is set under the
/// narration as it sounds centred: its mono loudness plus this.
pub const CENTRED_LU: f64 = 3.010_299_956_639_812;

/// The RMS level (linear) above which a 20 ms window of a narration whose integrated mono
/// loudness is `narration_lufs` counts as speech (and ducks the music): 24 dB under the
/// narration's level, at most −40 dBFS, at least −70 dBFS, so quiet and loud narrations
/// are ducked alike.
pub(crate) fn speech_threshold(narration_lufs: f64) -> f32 {
    let db = if narration_lufs.is_finite() {
        (narration_lufs - 24.0).clamp(-70.0, -40.0)
    } else {
        -40.0
    };
    db_to_gain(db)
}

/// Measure EBU R128 integrated loudness and true peak.
pub fn measure(buf: &AudioBuffer) -> Result<Loudness> {
    let mut meter = Meter::new(buf.sample_rate, 1)?;
    meter.add(&buf.samples)?;
    meter.result()
}

/// Measure a stereo buffer as a stereo programme: ITU-R BS.1770 integrated loudness (the
/// channels' powers summed, as YouTube's and ffmpeg's meters read the file) and the louder
/// channel's true peak. A centred voice reads [`CENTRED_LU`] above the same voice in mono.
pub fn measure_stereo(buf: &StereoBuffer) -> Result<Loudness> {
    measure_stereo_gained(buf, 1.0)
}

/// [`measure_stereo`] of `buf` times `gain`, one block at a time.
fn measure_stereo_gained(buf: &StereoBuffer, gain: f32) -> Result<Loudness> {
    let mut meter = Meter::new(buf.sample_rate, 2)?;
    let mut block = Vec::new();
    for (l, r) in buf
        .left
        .chunks(SAMPLE_RATE as usize)
        .zip(buf.right.chunks(SAMPLE_RATE as usize))
    {
        block.clear();
        block.extend(l.iter().zip(r).flat_map(|(l, r)| [l * gain, r * gain]));
        meter.add(&block)?;
    }
    meter.result()
}

/// An EBU R128 meter over blocks of interleaved frames (1 or 2 channels): integrated
/// loudness of the programme as ITU-R BS.1770 defines it (the channels' powers summed),
/// true peak over all channels.
pub(crate) struct Meter {
    loudness: EbuR128,
    peak: EbuR128,
    channels: usize,
}

fn meter_err(e: ebur128::Error) -> Error {
    audio_err(format!("loudness measurement: {e}"))
}

impl Meter {
    pub(crate) fn new(sample_rate: u32, channels: usize) -> Result<Self> {
        let channels = channels.max(1);
        let ch = u32::try_from(channels)
            .map_err(|_| audio_err(format!("cannot meter {channels} channels")))?;
        Ok(Meter {
            loudness: EbuR128::new(ch, sample_rate, Mode::I).map_err(meter_err)?,
            peak: EbuR128::new(ch, sample_rate, Mode::TRUE_PEAK).map_err(meter_err)?,
            channels,
        })
    }

    /// Add interleaved frames.
    pub(crate) fn add(&mut self, s: &[f32]) -> Result<()> {
        self.loudness.add_frames_f32(s).map_err(meter_err)?;
        self.peak.add_frames_f32(s).map_err(meter_err)
    }

    pub(crate) fn result(&self) -> Result<Loudness> {
        let integrated_lufs = self.loudness.loudness_global().map_err(meter_err)?;
        let mut peak = 0.0f64;
        for c in 0..self.channels {
            let c = u32::try_from(c).map_err(|_| audio_err("channel index out of range"))?;
            peak = peak.max(self.peak.true_peak(c).map_err(meter_err)?);
        }
        Ok(Loudness {
            integrated_lufs,
            true_peak_dbtp: 20.0 * peak.log10(),
        })
    }
}

fn db_to_gain(db: f64) -> f32 {
    10f64.powf(db / 20.0) as f32
}

fn apply_gain(buf: &mut AudioBuffer, gain: f32) {
    for s in &mut buf.samples {
        *s *= gain;
    }
}

/// Normalise to `target_lufs` integrated loudness with true peak at most `max_true_peak_dbtp`.
///
/// Gain brings the loudness to target; where that pushes peaks over the ceiling, the
/// look-ahead limiter (see `limiter`) runs on the gained original and the gain is searched
/// until the limited result reaches the target (see `normalize`). Silence (or nearly: below
/// −70 LUFS) is left alone. Returns the measured result.
pub fn normalize_loudness(
    buf: &mut AudioBuffer,
    target_lufs: f64,
    max_true_peak_dbtp: f64,
) -> Result<Loudness> {
    let m = measure(buf)?;
    let taken = std::mem::replace(
        buf,
        AudioBuffer {
            sample_rate: buf.sample_rate,
            samples: Vec::new(),
        },
    );
    let (mut out, gain, m) = normalize::normalize(taken, m, target_lufs, max_true_peak_dbtp)?;
    apply_gain(&mut out, gain);
    *buf = out;
    Ok(m)
}

/// [`normalize_loudness`] for a stereo buffer: BS.1770 loudness ([`measure_stereo`]), true
/// peak of both channels, and one gain (and a linked limiter) for both channels.
pub fn normalize_stereo(
    buf: &mut StereoBuffer,
    target_lufs: f64,
    max_true_peak_dbtp: f64,
) -> Result<Loudness> {
    let m = measure_stereo(buf)?;
    let taken = std::mem::replace(
        buf,
        StereoBuffer {
            sample_rate: buf.sample_rate,
            left: Vec::new(),
            right: Vec::new(),
        },
    );
    let (mut out, gain, m) = normalize::normalize(taken, m, target_lufs, max_true_peak_dbtp)?;
    for s in out.left.iter_mut().chain(out.right.iter_mut()) {
        *s *= gain;
    }
    *buf = out;
    Ok(m)
}

impl normalize::Levels for StereoBuffer {
    fn measure_gained(&self, gain: f32) -> Result<Loudness> {
        measure_stereo_gained(self, gain)
    }

    fn limited(&self, gain: f32, ceiling: f32) -> Result<(Self, Loudness)> {
        let mut inter: Vec<f32> = self
            .left
            .iter()
            .zip(&self.right)
            .flat_map(|(l, r)| [l * gain, r * gain])
            .collect();
        limiter::limit(&mut inter, 2, self.sample_rate, ceiling);
        let out = StereoBuffer {
            sample_rate: self.sample_rate,
            left: inter.iter().step_by(2).copied().collect(),
            right: inter.iter().skip(1).step_by(2).copied().collect(),
        };
        let m = measure_stereo(&out)?;
        Ok((out, m))
    }
}

impl normalize::Levels for AudioBuffer {
    fn measure_gained(&self, gain: f32) -> Result<Loudness> {
        let mut meter = Meter::new(self.sample_rate, 1)?;
        let mut scaled = Vec::new();
        for block in self.samples.chunks(SAMPLE_RATE as usize) {
            scaled.clear();
            scaled.extend(block.iter().map(|s| s * gain));
            meter.add(&scaled)?;
        }
        meter.result()
    }

    fn limited(&self, gain: f32, ceiling: f32) -> Result<(Self, Loudness)> {
        let mut out = self.clone();
        apply_gain(&mut out, gain);
        limiter::limit(&mut out.samples, 1, out.sample_rate, ceiling);
        let m = measure(&out)?;
        Ok((out, m))
    }
}

/// Pad with silence or cut (with a 10 ms fade-out) to exactly `len` samples.
pub fn fit_length(buf: &mut AudioBuffer, len: usize) {
    fit_samples(&mut buf.samples, buf.sample_rate, len);
}

/// [`fit_length`] on one channel at `rate`.
fn fit_samples(samples: &mut Vec<f32>, rate: u32, len: usize) {
    if samples.len() > len {
        samples.truncate(len);
        let fade = (rate as usize / 100).min(len);
        let start = len - fade;
        for (i, s) in samples[start..].iter_mut().enumerate() {
            *s *= 1.0 - (i + 1) as f32 / fade as f32;
        }
    } else {
        samples.resize(len, 0.0);
    }
}

/// How narration and music are combined.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MixSettings {
    /// Integrated loudness target (YouTube plays back at −14 LUFS).
    pub target_lufs: f64,
    /// True-peak ceiling in dBTP.
    pub max_true_peak_dbtp: f64,
    /// Music loudness below the narration's, in LU, when nobody speaks.
    pub music_below_speech_lu: f64,
    /// Extra attenuation of the music while speech is present, in dB.
    pub duck_db: f64,
}

impl Default for MixSettings {
    fn default() -> Self {
        Self {
            target_lufs: -14.0,
            max_true_peak_dbtp: -1.0,
            music_below_speech_lu: 10.0,
            duck_db: 12.0,
        }
    }
}

/// Per-sample music gain: 1 where nobody speaks, `duck` under speech, with a 20 ms attack and
/// 300 ms release so the music does not pump.
fn duck_envelope(speech: &[f32], rate: u32, threshold: f32, duck: f32) -> Vec<f32> {
    let window = (rate as usize / 50).max(1); // 20 ms
    let mut active = Vec::with_capacity(speech.len().div_ceil(window));
    for w in speech.chunks(window) {
        let rms = (w.iter().map(|s| s * s).sum::<f32>() / w.len() as f32).sqrt();
        active.push(rms > threshold);
    }
    let attack = 1.0 - (-1.0 / (0.02 * rate as f32)).exp();
    let release = 1.0 - (-1.0 / (0.3 * rate as f32)).exp();
    let mut g = 1.0f32;
    let mut out = Vec::with_capacity(speech.len());
    for i in 0..speech.len() {
        // Look 20 ms ahead so the duck is in place when the word starts.
        let target = if active.get(i / window + 1).copied().unwrap_or(false)
            || active.get(i / window).copied().unwrap_or(false)
        {
            duck
        } else {
            1.0
        };
        let coeff = if target < g { attack } else { release };
        g += (target - g) * coeff;
        out.push(g);
    }
    out
}

/// Mix narration (mono, centred) and music (stereo, its image kept) — both already at
/// [`SAMPLE_RATE`] — into exactly `len` stereo frames, the music looped or cut to fit and
/// ducked under speech, then normalised per `settings` (BS.1770 stereo loudness; see the
/// module docs). A mono music track goes in as [`StereoBuffer::from_mono`].
pub fn mix(
    narration: Option<&AudioBuffer>,
    music: Option<&StereoBuffer>,
    len: usize,
    settings: &MixSettings,
) -> Result<(StereoBuffer, Loudness)> {
    let rates = [
        narration.map(|b| b.sample_rate),
        music.map(|b| b.sample_rate),
    ];
    for rate in rates.into_iter().flatten() {
        if rate != SAMPLE_RATE {
            return Err(Error::invalid_request(format!(
                "mix inputs must be {SAMPLE_RATE} Hz, got {rate} Hz"
            )));
        }
    }
    let mut speech = AudioBuffer::silence(SAMPLE_RATE, len);
    let mut speech_lufs = settings.target_lufs;
    let mut threshold = speech_threshold(f64::NAN);
    if let Some(n) = narration {
        speech.samples.clone_from(&n.samples);
        fit_length(&mut speech, len);
        let m = measure(&speech)?;
        threshold = speech_threshold(m.integrated_lufs);
        if m.integrated_lufs.is_finite() {
            speech_lufs = m.integrated_lufs + CENTRED_LU;
        }
    }
    let mut out = StereoBuffer {
        sample_rate: SAMPLE_RATE,
        left: speech.samples.clone(),
        right: speech.samples.clone(),
    };
    if let Some(mu) = music.filter(|m| !m.left.is_empty()) {
        let looped = |side: &[f32]| {
            let mut s: Vec<f32> = side.iter().copied().cycle().take(len).collect();
            fit_samples(&mut s, SAMPLE_RATE, len);
            s
        };
        let looped = StereoBuffer {
            sample_rate: SAMPLE_RATE,
            left: looped(&mu.left),
            right: looped(&mu.right),
        };
        let m = measure_stereo(&looped)?;
        let base = if m.integrated_lufs.is_finite() {
            db_to_gain(speech_lufs - settings.music_below_speech_lu - m.integrated_lufs)
        } else {
            1.0
        };
        let env = duck_envelope(
            &speech.samples,
            SAMPLE_RATE,
            threshold,
            db_to_gain(-settings.duck_db),
        );
        for (o, m) in [
            (&mut out.left, &looped.left),
            (&mut out.right, &looped.right),
        ] {
            for ((o, m), g) in o.iter_mut().zip(m).zip(&env) {
                *o += m * base * g;
            }
        }
    }
    let loudness = normalize_stereo(&mut out, settings.target_lufs, settings.max_true_peak_dbtp)?;
    Ok((out, loudness))
}

/// Load, resample, mix and normalise a timeline's narration (downmixed to mono) and music
/// (kept in stereo) to `duration_secs`. With neither, the result is silence of that length.
pub fn soundtrack(
    narration: Option<&Path>,
    music: Option<&Path>,
    duration_secs: f64,
    settings: &MixSettings,
) -> Result<(StereoBuffer, Loudness)> {
    if !(duration_secs.is_finite() && duration_secs > 0.0) {
        return Err(Error::invalid_request(format!(
            "soundtrack duration {duration_secs}s must be positive"
        )));
    }
    let len = (duration_secs * f64::from(SAMPLE_RATE)).round() as usize;
    let narration = narration
        .map(|p| load_wav(p).and_then(|b| resample(&b, SAMPLE_RATE)))
        .transpose()?;
    let music = music
        .map(|p| load_wav_stereo(p).and_then(|b| resample_stereo(&b, SAMPLE_RATE)))
        .transpose()?;
    mix(narration.as_ref(), music.as_ref(), len, settings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(freq: f32, amp: f32, secs: f32) -> AudioBuffer {
        let n = (secs * SAMPLE_RATE as f32) as usize;
        AudioBuffer {
            sample_rate: SAMPLE_RATE,
            samples: (0..n)
                .map(|i| amp * (i as f32 * freq * std::f32::consts::TAU / SAMPLE_RATE as f32).sin())
                .collect(),
        }
    }

    #[test]
    fn fit_pads_and_trims() {
        let mut b = tone(440.0, 0.5, 0.1);
        fit_length(&mut b, 9600);
        assert_eq!(b.samples.len(), 9600);
        assert!(b.samples[4800..].iter().all(|s| *s == 0.0));
        let mut b = tone(440.0, 0.5, 1.0);
        fit_length(&mut b, 4800);
        assert_eq!(b.samples.len(), 4800);
        assert_eq!(b.samples[4799], 0.0);
    }

    #[test]
    fn ducking_lowers_music_under_speech() {
        let mut speech = vec![0.0f32; 48_000];
        for s in &mut speech[24_000..] {
            *s = 0.3;
        }
        let env = duck_envelope(&speech, SAMPLE_RATE, speech_threshold(f64::NAN), 0.25);
        assert!((env[10_000] - 1.0).abs() < 1e-3);
        assert!((env[40_000] - 0.25).abs() < 1e-2, "{}", env[40_000]);
    }

    #[test]
    fn resample_changes_rate_and_length() {
        let b = AudioBuffer {
            sample_rate: 22_050,
            samples: vec![0.1; 22_050],
        };
        let r = resample(&b, SAMPLE_RATE).unwrap();
        assert_eq!(r.sample_rate, SAMPLE_RATE);
        assert!(
            (r.samples.len() as i64 - 48_000).abs() < 100,
            "{}",
            r.samples.len()
        );
    }
}

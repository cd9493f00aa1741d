//! [`AudioMeter`]: the audio measurements of [`measure_audio`](super::measure_audio) taken
//! over a stream of sample blocks, so a long narration can be scored straight from its WAV
//! file ([`measure_wav`]) without holding it in memory.

use std::path::Path;

use ebur128::{EbuR128, Mode};
use ytempire_core::{Error, ErrorKind};

use super::audio::{AudioMeasurements, CLIP_LEVEL, WINDOW_SECS};

/// Accumulates loudness, clipping and silence over blocks of interleaved 16-bit samples.
/// Blocks may end anywhere, even mid-frame; a partial frame left at the end is ignored.
///
/// ```
/// use ytempire_cost::quality::AudioMeter;
///
/// let tone: Vec<i16> = (0..48_000)
///     .map(|i| ((i as f64 * 0.1).sin() * 8_000.0) as i16)
///     .collect();
/// let mut meter = AudioMeter::new(24_000, 1, -50.0);
/// for block in tone.chunks(1_000) {
///     meter.push(block);
/// }
/// let m = meter.finish();
/// assert_eq!(m.duration_secs, 2.0);
/// assert_eq!(m.silent_fraction, 0.0);
/// ```
pub struct AudioMeter {
    channels: usize,
    rate: u32,
    silence_dbfs: f64,
    loudness: Result<EbuR128, String>,
    /// Samples of an unfinished frame carried to the next block.
    carry: Vec<i16>,
    frames: usize,
    clipped: usize,
    window_len: usize,
    energy: f64,
    in_window: usize,
    windows: usize,
    silent_windows: usize,
    run: usize,
    longest: usize,
    first_voiced: Option<usize>,
    last_voiced: usize,
}

impl std::fmt::Debug for AudioMeter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AudioMeter")
            .field("rate", &self.rate)
            .field("channels", &self.channels)
            .field("frames", &self.frames)
            .finish_non_exhaustive()
    }
}

impl AudioMeter {
    /// A meter for `rate` Hz, `channels` interleaved; windows below `silence_dbfs` are silent.
    pub fn new(rate: u32, channels: u16, silence_dbfs: f64) -> Self {
        let loudness = if rate == 0 {
            Err("the track has no samples".to_owned())
        } else {
            EbuR128::new(u32::from(channels.max(1)), rate, Mode::I)
                .map_err(|e| format!("loudness meter refused the track: {e}"))
        };
        let channels = usize::from(channels.max(1));
        let window_frames = ((f64::from(rate) * WINDOW_SECS).round() as usize).max(1);
        Self {
            channels,
            rate,
            silence_dbfs,
            loudness,
            carry: Vec::new(),
            frames: 0,
            clipped: 0,
            window_len: window_frames * channels,
            energy: 0.0,
            in_window: 0,
            windows: 0,
            silent_windows: 0,
            run: 0,
            longest: 0,
            first_voiced: None,
            last_voiced: 0,
        }
    }

    /// Add the next block of interleaved samples.
    pub fn push(&mut self, block: &[i16]) {
        if self.carry.is_empty() {
            let whole = block.len() - block.len() % self.channels;
            self.whole_frames(&block[..whole]);
            self.carry.extend_from_slice(&block[whole..]);
            return;
        }
        let mut joined = std::mem::take(&mut self.carry);
        joined.extend_from_slice(block);
        let whole = joined.len() - joined.len() % self.channels;
        self.whole_frames(&joined[..whole]);
        self.carry = joined.split_off(whole);
    }

    fn whole_frames(&mut self, samples: &[i16]) {
        if samples.is_empty() {
            return;
        }
        self.frames += samples.len() / self.channels;
        if let Ok(meter) = &mut self.loudness
            && let Err(e) = meter.add_frames_i16(samples)
        {
            self.loudness = Err(format!("loudness measurement failed: {e}"));
        }
        for &s in samples {
            if i32::from(s).abs() >= CLIP_LEVEL {
                self.clipped += 1;
            }
            let x = f64::from(s) / 32_768.0;
            self.energy += x * x;
            self.in_window += 1;
            if self.in_window == self.window_len {
                self.close_window();
            }
        }
    }

    fn close_window(&mut self) {
        let energy = self.energy / self.in_window as f64;
        let i = self.windows;
        self.windows += 1;
        if energy == 0.0 || 10.0 * energy.log10() < self.silence_dbfs {
            self.silent_windows += 1;
            self.run += 1;
            self.longest = self.longest.max(self.run);
        } else {
            self.run = 0;
            self.first_voiced.get_or_insert(i);
            self.last_voiced = i;
        }
        self.energy = 0.0;
        self.in_window = 0;
    }

    /// The measurements of everything pushed.
    pub fn finish(mut self) -> AudioMeasurements {
        if self.in_window > 0 {
            self.close_window();
        }
        let rate = f64::from(self.rate.max(1));
        let duration_secs = if self.rate == 0 {
            0.0
        } else {
            self.frames as f64 / rate
        };
        let window_secs = (self.window_len / self.channels) as f64 / rate;
        let loudness = match self.loudness {
            Err(e) => Err(e),
            Ok(_) if self.frames == 0 => Err("the track has no samples".to_owned()),
            Ok(m) => m
                .loudness_global()
                .map_err(|e| format!("loudness measurement failed: {e}")),
        };
        let (integrated_lufs, loudness_error) = match loudness {
            Ok(l) if l.is_finite() && l > -70.0 => (Some(l), None),
            Ok(_) => (
                None,
                Some("no 400 ms block is above the −70 LUFS absolute gate".to_owned()),
            ),
            Err(e) => (None, Some(e)),
        };
        let samples = self.frames * self.channels;
        AudioMeasurements {
            duration_secs,
            integrated_lufs,
            loudness_error,
            clipped_fraction: if samples == 0 {
                0.0
            } else {
                self.clipped as f64 / samples as f64
            },
            silent_fraction: if self.windows == 0 {
                1.0
            } else {
                self.silent_windows as f64 / self.windows as f64
            },
            longest_silence_secs: (self.longest as f64 * window_secs).min(duration_secs),
            voiced_span_secs: self.first_voiced.map_or(0.0, |first| {
                ((self.last_voiced - first + 1) as f64 * window_secs).min(duration_secs)
            }),
        }
    }
}

/// [`measure_audio`](super::measure_audio) over a WAV file (16-bit PCM), streamed in blocks.
///
/// # Errors
/// `NotFound`/`Io` when the file cannot be opened, `InvalidResponse` when it is not WAV,
/// `Unsupported` for other sample formats, `Io` for a truncated file.
pub fn measure_wav(path: &Path, silence_dbfs: f64) -> Result<AudioMeasurements, Error> {
    let file = std::fs::File::open(path)
        .map_err(|e| Error::io(format!("opening {}", path.display()), e))?;
    let reader = hound::WavReader::new(std::io::BufReader::new(file)).map_err(|e| {
        Error::new(
            ErrorKind::InvalidResponse,
            format!("{} is not a WAV file: {e}", path.display()),
        )
    })?;
    let spec = reader.spec();
    if (spec.sample_format, spec.bits_per_sample) != (hound::SampleFormat::Int, 16) {
        return Err(Error::unsupported(format!(
            "{}: {}-bit {:?} WAV; measuring reads 16-bit PCM",
            path.display(),
            spec.bits_per_sample,
            spec.sample_format
        )));
    }
    let mut meter = AudioMeter::new(spec.sample_rate, spec.channels, silence_dbfs);
    let mut block = Vec::with_capacity(1 << 16);
    for s in reader.into_samples::<i16>() {
        block.push(
            s.map_err(|e| Error::new(ErrorKind::Io, format!("reading {}: {e}", path.display())))?,
        );
        if block.len() == block.capacity() {
            meter.push(&block);
            block.clear();
        }
    }
    meter.push(&block);
    Ok(meter.finish())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quality::measure_audio;
    use ytempire_core::AudioTrack;

    /// Speech-like stereo: bursts of a tone with gaps, one clipped stretch.
    fn track() -> AudioTrack {
        let rate = 22_050;
        let samples: Vec<i16> = (0..rate * 3)
            .flat_map(|i| {
                let t = f64::from(i) / f64::from(rate);
                let on = (t * 2.0).fract() < 0.6;
                let v = if (1.0..1.1).contains(&t) {
                    i16::MAX
                } else if on {
                    ((t * 300.0 * std::f64::consts::TAU).sin() * 9_000.0) as i16
                } else {
                    0
                };
                [v, v / 2]
            })
            .collect();
        AudioTrack::new(rate as u32, 2, samples).unwrap()
    }

    #[test]
    fn blocks_of_any_size_measure_the_same_as_the_whole_track() {
        let t = track();
        let whole = measure_audio(&t, -50.0);
        assert!(
            whole.clipped_fraction > 0.0 && whole.silent_fraction > 0.2,
            "{whole:?}"
        );
        for size in [1, 7, 1_103, 65_536] {
            let mut meter = AudioMeter::new(t.sample_rate, t.channels, -50.0);
            for block in t.samples.chunks(size) {
                meter.push(block);
            }
            assert_eq!(meter.finish(), whole, "blocks of {size}");
        }
    }

    #[test]
    fn a_wav_file_measures_the_same_as_its_samples() {
        let t = track();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("n.wav");
        std::fs::write(&path, t.to_wav_bytes().unwrap()).unwrap();
        assert_eq!(measure_wav(&path, -50.0).unwrap(), measure_audio(&t, -50.0));

        let e = measure_wav(&dir.path().join("missing.wav"), -50.0).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound, "{e}");
        std::fs::write(dir.path().join("page.wav"), b"<html>not audio</html>").unwrap();
        let e = measure_wav(&dir.path().join("page.wav"), -50.0).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidResponse, "{e}");
        // Cut mid-way: the header promises more samples than the file holds.
        let bytes = t.to_wav_bytes().unwrap();
        std::fs::write(&path, &bytes[..bytes.len() / 2 + 1]).unwrap();
        let e = measure_wav(&path, -50.0).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Io, "{e}");
    }
}

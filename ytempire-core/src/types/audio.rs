//! PCM audio and the word timings that drive captions.

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// Interleaved signed 16-bit PCM audio.
///
/// ```
/// use ytempire_core::AudioTrack;
/// let track = AudioTrack::new(24_000, 1, vec![0; 48_000]).unwrap();
/// assert_eq!(track.duration_secs(), 2.0);
/// ```
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AudioTrack {
    /// Samples per second per channel.
    pub sample_rate: u32,
    /// Channel count (1 mono, 2 stereo).
    pub channels: u16,
    /// Interleaved samples.
    #[serde(with = "super::serde_b64::pcm16")]
    pub samples: Vec<i16>,
}

impl std::fmt::Debug for AudioTrack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AudioTrack")
            .field("sample_rate", &self.sample_rate)
            .field("channels", &self.channels)
            .field("samples", &format_args!("[{} samples]", self.samples.len()))
            .finish()
    }
}

impl AudioTrack {
    /// A track, checked: the rate and channel count must be non-zero and the sample count a
    /// multiple of the channel count.
    pub fn new(sample_rate: u32, channels: u16, samples: Vec<i16>) -> Result<Self> {
        if sample_rate == 0 {
            return Err(Error::invalid_request(
                "audio sample rate must be above 0 Hz",
            ));
        }
        if channels == 0 {
            return Err(Error::invalid_request(
                "audio must have at least one channel",
            ));
        }
        if !samples.len().is_multiple_of(usize::from(channels)) {
            return Err(Error::invalid_request(format!(
                "{} samples do not divide into {channels} channels",
                samples.len()
            )));
        }
        Ok(Self {
            sample_rate,
            channels,
            samples,
        })
    }

    /// Frames (samples per channel).
    pub fn frames(&self) -> usize {
        self.samples.len() / usize::from(self.channels.max(1))
    }

    /// Duration in seconds.
    pub fn duration_secs(&self) -> f64 {
        if self.sample_rate == 0 {
            return 0.0;
        }
        self.frames() as f64 / f64::from(self.sample_rate)
    }

    /// Encode as a 16-bit PCM WAV file in memory.
    pub fn to_wav_bytes(&self) -> Result<Vec<u8>> {
        let spec = hound::WavSpec {
            channels: self.channels,
            sample_rate: self.sample_rate,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut cursor = std::io::Cursor::new(Vec::new());
        {
            let mut writer = hound::WavWriter::new(&mut cursor, spec).map_err(wav_err)?;
            for s in &self.samples {
                writer.write_sample(*s).map_err(wav_err)?;
            }
            writer.finalize().map_err(wav_err)?;
        }
        Ok(cursor.into_inner())
    }

    /// Decode a WAV file (16-bit integer or 32-bit float PCM) from memory.
    pub fn from_wav_bytes(bytes: &[u8]) -> Result<Self> {
        Self::from_wav_reader(std::io::Cursor::new(bytes))
    }

    /// Decode a WAV file from disk, streaming: only the samples are held, never the file.
    ///
    /// # Errors
    /// `NotFound`/`Io` when the file cannot be read, else as [`from_wav_bytes`](Self::from_wav_bytes).
    pub fn read_wav(path: &std::path::Path) -> Result<Self> {
        let file = std::fs::File::open(path)
            .map_err(|e| Error::io(format!("opening {}", path.display()), e))?;
        Self::from_wav_reader(std::io::BufReader::new(file))
    }

    /// Decode a WAV stream (16-bit integer or 32-bit float PCM).
    ///
    /// # Errors
    /// `InvalidResponse` when it is not WAV, `Unsupported` for other sample formats, `Encode`
    /// for a truncated or corrupt stream.
    pub fn from_wav_reader(source: impl std::io::Read) -> Result<Self> {
        let reader = hound::WavReader::new(source).map_err(|e| {
            Error::new(
                crate::ErrorKind::InvalidResponse,
                format!("not a WAV file: {e}"),
            )
        })?;
        let spec = reader.spec();
        let samples: Vec<i16> = match (spec.sample_format, spec.bits_per_sample) {
            (hound::SampleFormat::Int, 16) => reader
                .into_samples::<i16>()
                .collect::<std::result::Result<_, _>>()
                .map_err(wav_err)?,
            (hound::SampleFormat::Float, 32) => reader
                .into_samples::<f32>()
                .map(|s| s.map(|v| (v.clamp(-1.0, 1.0) * f32::from(i16::MAX)) as i16))
                .collect::<std::result::Result<_, _>>()
                .map_err(wav_err)?,
            (format, bits) => {
                return Err(Error::unsupported(format!(
                    "WAV with {bits}-bit {format:?} samples is not supported; use 16-bit PCM"
                )));
            }
        };
        Self::new(spec.sample_rate, spec.channels, samples)
    }
}

fn wav_err(e: hound::Error) -> Error {
    Error::new(crate::ErrorKind::Encode, format!("WAV: {e}"))
}

/// When one spoken word starts and ends, in seconds from the start of its track.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WordTiming {
    /// The word as written in the narration (punctuation stripped by the producer or not).
    pub word: String,
    /// Start, in seconds.
    pub start_secs: f64,
    /// End, in seconds (≥ start).
    pub end_secs: f64,
}

impl WordTiming {
    /// A timing for `word` from `start_secs` to `end_secs`.
    pub fn new(word: impl Into<String>, start_secs: f64, end_secs: f64) -> Self {
        Self {
            word: word.into(),
            start_secs,
            end_secs,
        }
    }

    /// The same timing moved later by `offset_secs`.
    #[must_use]
    pub fn shifted(&self, offset_secs: f64) -> Self {
        Self {
            word: self.word.clone(),
            start_secs: self.start_secs + offset_secs,
            end_secs: self.end_secs + offset_secs,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wav_round_trip() {
        let track = AudioTrack::new(16_000, 2, vec![1, -1, 300, -300]).unwrap();
        let bytes = track.to_wav_bytes().unwrap();
        assert_eq!(&bytes[..4], b"RIFF");
        assert_eq!(AudioTrack::from_wav_bytes(&bytes).unwrap(), track);
    }

    #[test]
    fn rejects_bad_shapes() {
        assert!(AudioTrack::new(0, 1, vec![]).is_err());
        assert!(AudioTrack::new(8000, 2, vec![1, 2, 3]).is_err());
        assert!(AudioTrack::from_wav_bytes(b"<html>").is_err());
    }

    #[test]
    fn serde_is_compact_and_round_trips() {
        let track = AudioTrack::new(8000, 1, vec![i16::MIN, 0, i16::MAX]).unwrap();
        let json = serde_json::to_string(&track).unwrap();
        assert!(json.len() < 80, "{json}");
        let back: AudioTrack = serde_json::from_str(&json).unwrap();
        assert_eq!(back, track);
    }
}

//! The soundtrack with memory that does not grow with the video's length.
//!
//! [`soundtrack_aac`] produces what [`super::soundtrack`] + [`super::aac::encode_aac`] produce
//! (the same stereo mix, ducking, loudness normalisation and AAC-LC encoding), but PCM never
//! sits in memory whole: samples live in temporary files ("spools" of 48 kHz `f32` frames,
//! interleaved when stereo) between passes, and every pass reads and writes blocks of one
//! second.
//!
//! 1. Narration is decoded, downmixed to mono and resampled block by block into a spool;
//!    music likewise but kept in stereo (a mono file in both channels).
//! 2. One pass measures the narration (fit to the video's length) and notes which 20 ms
//!    windows hold speech; one measures the looped music; one mixes them into a
//!    stereo spool — the narration centred, the music's two channels ducked under speech by
//!    one shared envelope — and measures the mix (BS.1770 loudness, true peak of both
//!    channels).
//! 3. Loudness normalisation runs the same search as [`super::normalize_loudness`]: a gain is
//!    carried along and applied on read; when plain gain would cross the peak ceiling, the
//!    linked look-ahead limiter runs over the gained mix in one-second blocks with half a second of
//!    context on each side (far longer than the limiter's 1.5 ms look-ahead and 100 ms
//!    release), writing a new spool, and the gain is searched until that spool is on target.
//! 4. The final pass encodes AAC-LC frames into a spooled [`AacFrames`] the muxer reads one
//!    frame at a time.
//!
//! Peak memory is a few blocks of stereo PCM plus one `u32` per AAC frame (about 190 KiB for ten
//! minutes), whatever the length; the temporary files are deleted on drop.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::Path;

use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Indexing, Resampler};
use tempfile::NamedTempFile;
use ytempire_core::{Error, Result};

use super::aac::{AacEncoder, FRAME_SAMPLES};
use super::normalize::{Levels, normalize};
use super::{Loudness, Meter, MixSettings, SAMPLE_RATE, audio_err, db_to_gain, limiter};
use crate::mux::{AacFrames, AudioInput};

/// Frames per block (one second).
const BLOCK: usize = SAMPLE_RATE as usize;
/// Context on each side of a limiter block.
const CONTEXT: usize = BLOCK / 2;

fn io_err(what: &str) -> impl Fn(std::io::Error) -> Error + '_ {
    move |e| Error::io(format!("soundtrack spool: {what}"), e)
}

/// 48 kHz `f32` frames (mono, or interleaved stereo) in a temporary file.
pub(crate) struct Spool {
    file: NamedTempFile,
    /// Frames.
    len: usize,
    /// Samples per frame (1 or 2).
    channels: usize,
}

impl Spool {
    fn writer(channels: usize) -> Result<SpoolWriter> {
        let file = NamedTempFile::new().map_err(io_err("creating"))?;
        let w = BufWriter::with_capacity(1 << 18, file.reopen().map_err(io_err("opening"))?);
        Ok(SpoolWriter {
            file,
            w,
            len: 0,
            channels: channels.max(1),
            bytes: Vec::new(),
        })
    }

    fn reader(&self) -> Result<SpoolReader> {
        let f = self.file.reopen().map_err(io_err("opening"))?;
        Ok(SpoolReader {
            r: BufReader::with_capacity(1 << 18, f),
            left: self.len,
            channels: self.channels,
            bytes: Vec::new(),
        })
    }
}

struct SpoolWriter {
    file: NamedTempFile,
    w: BufWriter<File>,
    len: usize,
    channels: usize,
    bytes: Vec<u8>,
}

impl SpoolWriter {
    /// Append whole interleaved frames.
    fn push(&mut self, s: &[f32]) -> Result<()> {
        self.bytes.clear();
        self.bytes.extend(s.iter().flat_map(|v| v.to_le_bytes()));
        self.w.write_all(&self.bytes).map_err(io_err("writing"))?;
        self.len += s.len() / self.channels;
        Ok(())
    }

    fn finish(mut self) -> Result<Spool> {
        self.w.flush().map_err(io_err("writing"))?;
        Ok(Spool {
            file: self.file,
            len: self.len,
            channels: self.channels,
        })
    }
}

struct SpoolReader {
    r: BufReader<File>,
    /// Frames left.
    left: usize,
    channels: usize,
    bytes: Vec<u8>,
}

impl SpoolReader {
    /// Replace `out` with the next `max` frames, interleaved (fewer at the end; empty when
    /// done); returns how many frames.
    fn read(&mut self, out: &mut Vec<f32>, max: usize) -> Result<usize> {
        let n = max.min(self.left);
        self.bytes.resize(n * self.channels * 4, 0);
        self.r
            .read_exact(&mut self.bytes)
            .map_err(io_err("reading"))?;
        out.clear();
        out.extend(
            self.bytes
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
        );
        self.left -= n;
        Ok(n)
    }
}

/// Decode a WAV file and resample it to 48 kHz into a spool of `out_channels` (1: the
/// file's channels averaged; 2: a mono file in both channels, a stereo one as it is, more
/// channels their first two).
fn decode_to_spool(path: &Path, out_channels: usize) -> Result<Spool> {
    let (spec, in_frames, mut samples) = super::open_wav(path)?;
    let channels = usize::from(spec.channels.max(1));
    let out_channels = out_channels.clamp(1, 2);
    // Fill `buf` with up to `buf.len() / out_channels` frames; returns how many.
    let mut frame = vec![0.0f32; channels];
    let mut fill = |buf: &mut [f32]| -> Result<usize> {
        for (n, slot) in buf.chunks_exact_mut(out_channels).enumerate() {
            for (c, v) in frame.iter_mut().enumerate() {
                match samples.next() {
                    Some(s) => *v = s?,
                    None if c == 0 => return Ok(n),
                    None => {
                        return Err(Error::invalid_request(format!(
                            "WAV {} ends in the middle of a frame",
                            path.display()
                        )));
                    }
                }
            }
            if out_channels == 1 {
                slot[0] = frame.iter().sum::<f32>() / channels as f32;
            } else {
                let l = frame.first().copied().unwrap_or(0.0);
                slot[0] = l;
                slot[1] = frame.get(1).copied().unwrap_or(l);
            }
        }
        Ok(buf.len() / out_channels)
    };
    let mut out = Spool::writer(out_channels)?;
    if spec.sample_rate == SAMPLE_RATE {
        let mut buf = vec![0.0f32; BLOCK * out_channels];
        loop {
            let n = fill(&mut buf)?;
            if n == 0 {
                break;
            }
            out.push(&buf[..n * out_channels])?;
        }
        return out.finish();
    }
    let fail = |e: &dyn std::fmt::Display| {
        audio_err(format!(
            "resampling {} to {SAMPLE_RATE} Hz: {e}",
            path.display()
        ))
    };
    let mut rs = Fft::<f32>::new(
        spec.sample_rate as usize,
        SAMPLE_RATE as usize,
        1024,
        out_channels,
        FixedSync::Both,
    )
    .map_err(|e| fail(&e))?;
    let expected = (rs.resample_ratio() * in_frames as f64).ceil() as usize;
    let mut trim = rs.output_delay();
    let mut inbuf = vec![0.0f32; rs.input_frames_max() * out_channels];
    let mut outbuf = vec![0.0f32; rs.output_frames_max() * out_channels];
    let mut produced = 0usize;
    let mut idle = 0;
    while produced < expected {
        let need = rs.input_frames_next().min(inbuf.len() / out_channels);
        let got = fill(&mut inbuf[..need * out_channels])?;
        let input = InterleavedSlice::new(&inbuf[..need * out_channels], out_channels, need)
            .map_err(|e| fail(&e))?;
        let cap = outbuf.len() / out_channels;
        let mut output =
            InterleavedSlice::new_mut(&mut outbuf, out_channels, cap).map_err(|e| fail(&e))?;
        let indexing = Indexing::new().partial_len(got);
        let (_, n) = rs
            .process_into_buffer(&input, &mut output, Some(&indexing))
            .map_err(|e| fail(&e))?;
        let chunk = outbuf.get(..n * out_channels).unwrap_or(&[]);
        let t = trim.min(chunk.len() / out_channels);
        trim -= t;
        let chunk = &chunk[t * out_channels..];
        let keep = (chunk.len() / out_channels).min(expected - produced);
        out.push(&chunk[..keep * out_channels])?;
        produced += keep;
        // Flushing the delay takes a few empty chunks; never loop forever.
        idle = if got == 0 { idle + 1 } else { 0 };
        if idle > 64 {
            return Err(fail(&"the resampler stopped producing output"));
        }
    }
    out.finish()
}

/// Reads a spool fit to `len` frames: padded with silence, or cut with a 10 ms fade-out
/// (as [`super::fit_length`]); with `looped`, a non-empty spool repeats instead of padding.
struct Fitted<'a> {
    spool: &'a Spool,
    reader: SpoolReader,
    len: usize,
    pos: usize,
    looped: bool,
}

impl<'a> Fitted<'a> {
    fn new(spool: &'a Spool, len: usize, looped: bool) -> Result<Self> {
        Ok(Self {
            spool,
            reader: spool.reader()?,
            len,
            pos: 0,
            looped,
        })
    }

    /// The next `out.len() / channels` frames, interleaved (zeros past the end).
    fn read(&mut self, out: &mut [f32], tmp: &mut Vec<f32>) -> Result<()> {
        let ch = self.spool.channels;
        let fade = (SAMPLE_RATE as usize / 100).min(self.len);
        let cut = !self.looped && self.spool.len > self.len;
        let frames = out.len() / ch;
        let mut filled = 0;
        while filled < frames {
            let n = self.reader.read(tmp, frames - filled)?;
            if n == 0 {
                if self.looped && self.spool.len > 0 {
                    self.reader = self.spool.reader()?;
                    continue;
                }
                out[filled * ch..].fill(0.0);
                break;
            }
            out[filled * ch..(filled + n) * ch].copy_from_slice(tmp);
            filled += n;
        }
        if cut {
            for (k, f) in out.chunks_exact_mut(ch).enumerate() {
                let i = self.pos + k;
                let g = if i >= self.len {
                    0.0
                } else if i >= self.len - fade {
                    1.0 - (i - (self.len - fade) + 1) as f32 / fade as f32
                } else {
                    continue;
                };
                f.iter_mut().for_each(|s| *s *= g);
            }
        }
        self.pos += frames;
        Ok(())
    }
}

/// Measure `spool` fit to `len` frames (BS.1770 loudness); also returns, per 20 ms
/// window, whether it holds speech.
fn measure_fitted(spool: &Spool, len: usize, looped: bool) -> Result<(Loudness, Vec<bool>)> {
    let ch = spool.channels;
    let window = (SAMPLE_RATE as usize / 50).max(1);
    let mut meter = Meter::new(SAMPLE_RATE, ch)?;
    let mut active = Vec::with_capacity(len.div_ceil(window));
    let mut f = Fitted::new(spool, len, looped)?;
    let (mut buf, mut tmp) = (Vec::new(), Vec::new());
    let mut pos = 0;
    while pos < len {
        // Whole windows per block (BLOCK is a multiple of the window).
        let n = BLOCK.min(len - pos);
        buf.resize(n * ch, 0.0);
        f.read(&mut buf, &mut tmp)?;
        meter.add(&buf)?;
        for w in buf.chunks(window * ch) {
            active.push((w.iter().map(|s| s * s).sum::<f32>() / w.len() as f32).sqrt());
        }
        pos += n;
    }
    let loudness = meter.result()?;
    // Speech is judged against the narration's own level, so a quiet narration is ducked
    // under as well as a loud one.
    let threshold = super::speech_threshold(loudness.integrated_lufs);
    Ok((
        loudness,
        active.into_iter().map(|rms| rms > threshold).collect(),
    ))
}

/// Mix the mono narration (centred) and the stereo music (ducked, one envelope for both
/// channels) into a new stereo spool of `len` frames; measure it.
fn mix_pass(
    narration: Option<&Spool>,
    music: Option<(&Spool, f32)>,
    active: &[bool],
    len: usize,
    settings: &MixSettings,
) -> Result<(Spool, Loudness)> {
    let window = (SAMPLE_RATE as usize / 50).max(1);
    let duck = db_to_gain(-settings.duck_db);
    let attack = 1.0 - (-1.0 / (0.02 * SAMPLE_RATE as f32)).exp();
    let release = 1.0 - (-1.0 / (0.3 * SAMPLE_RATE as f32)).exp();
    let mut g = 1.0f32;
    let mut narr = narration.map(|s| Fitted::new(s, len, false)).transpose()?;
    let mut mus = music
        .map(|(s, base)| Fitted::new(s, len, true).map(|f| (f, base)))
        .transpose()?;
    let mut out = Spool::writer(2)?;
    let mut meter = Meter::new(SAMPLE_RATE, 2)?;
    let (mut a, mut b, mut o, mut tmp) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut pos = 0;
    while pos < len {
        let n = BLOCK.min(len - pos);
        a.resize(n, 0.0);
        match narr.as_mut() {
            Some(f) => f.read(&mut a, &mut tmp)?,
            None => a.fill(0.0),
        }
        o.clear();
        o.extend(a.iter().flat_map(|s| [*s, *s]));
        if let Some((f, base)) = mus.as_mut() {
            b.resize(2 * n, 0.0);
            f.read(&mut b, &mut tmp)?;
            for (k, (o, m)) in o.chunks_exact_mut(2).zip(b.chunks_exact(2)).enumerate() {
                let i = pos + k;
                // Look 20 ms ahead so the duck is in place when the word starts.
                let speaking = active.get(i / window + 1).copied().unwrap_or(false)
                    || active.get(i / window).copied().unwrap_or(false);
                let target = if speaking { duck } else { 1.0 };
                let coeff = if target < g { attack } else { release };
                g += (target - g) * coeff;
                o[0] += m[0] * *base * g;
                o[1] += m[1] * *base * g;
            }
        }
        meter.add(&o)?;
        out.push(&o)?;
        pos += n;
    }
    Ok((out.finish()?, meter.result()?))
}

/// Measure `spool` with `gain` applied.
fn measure_gained(spool: &Spool, gain: f32) -> Result<Loudness> {
    let mut r = spool.reader()?;
    let mut meter = Meter::new(SAMPLE_RATE, spool.channels)?;
    let mut buf = Vec::new();
    while r.read(&mut buf, BLOCK)? > 0 {
        buf.iter_mut().for_each(|s| *s *= gain);
        meter.add(&buf)?;
    }
    meter.result()
}

/// Apply `gain`, then limit peaks to `ceiling` (linked across channels) in one-second blocks
/// with context; measure.
fn limit_pass(spool: &Spool, gain: f32, ceiling: f32) -> Result<(Spool, Loudness)> {
    let ch = spool.channels;
    let mut r = spool.reader()?;
    let mut out = Spool::writer(ch)?;
    let mut meter = Meter::new(SAMPLE_RATE, ch)?;
    // `data` holds interleaved frames from absolute frame `base` on; positions are frames.
    let (mut data, mut base, mut pos) = (Vec::<f32>::new(), 0usize, 0usize);
    let mut chunk = Vec::new();
    let mut eof = false;
    loop {
        while !eof && base + data.len() / ch < pos + BLOCK + CONTEXT {
            if r.read(&mut chunk, BLOCK)? == 0 {
                eof = true;
            }
            data.extend(chunk.iter().map(|s| s * gain));
        }
        let have = base + data.len() / ch;
        let end = (pos + BLOCK).min(have);
        if end <= pos {
            break;
        }
        let w0 = pos.saturating_sub(CONTEXT).max(base);
        let w1 = (end + CONTEXT).min(have);
        let mut win = data[(w0 - base) * ch..(w1 - base) * ch].to_vec();
        limiter::limit(&mut win, ch, SAMPLE_RATE, ceiling);
        let block = &win[(pos - w0) * ch..(end - w0) * ch];
        meter.add(block)?;
        out.push(block)?;
        pos = end;
        let keep_from = pos.saturating_sub(CONTEXT);
        if keep_from > base {
            data.drain(..(keep_from - base) * ch);
            base = keep_from;
        }
    }
    Ok((out.finish()?, meter.result()?))
}

impl Levels for Spool {
    fn measure_gained(&self, gain: f32) -> Result<Loudness> {
        measure_gained(self, gain)
    }

    fn limited(&self, gain: f32, ceiling: f32) -> Result<(Self, Loudness)> {
        limit_pass(self, gain, ceiling)
    }
}

/// Mix and normalise a timeline's narration and music to `duration_secs`, then encode AAC-LC
/// at `bitrate` bits/s, with flat memory (see the module docs). With neither input the result
/// is silence of that length.
///
/// # Errors
/// `InvalidRequest` for a non-positive duration or an unreadable WAV, `NotFound` for a
/// missing file, `Encode` when resampling, measuring or encoding fails, `Io` when the
/// temporary files cannot be written.
pub fn soundtrack_aac(
    narration: Option<&Path>,
    music: Option<&Path>,
    duration_secs: f64,
    settings: &MixSettings,
    bitrate: u32,
    encoder: AacEncoder,
) -> Result<(AudioInput, Loudness)> {
    if !(duration_secs.is_finite() && duration_secs > 0.0) {
        return Err(Error::invalid_request(format!(
            "soundtrack duration {duration_secs}s must be positive"
        )));
    }
    let len = (duration_secs * f64::from(SAMPLE_RATE)).round() as usize;
    let narration = narration.map(|p| decode_to_spool(p, 1)).transpose()?;
    let music = music.map(|p| decode_to_spool(p, 2)).transpose()?;
    let mut speech_lufs = settings.target_lufs;
    let mut active = Vec::new();
    if let Some(n) = &narration {
        let (m, a) = measure_fitted(n, len, false)?;
        if m.integrated_lufs.is_finite() {
            speech_lufs = m.integrated_lufs + super::CENTRED_LU;
        }
        active = a;
    }
    let music = match music.filter(|m| m.len > 0) {
        Some(mu) => {
            let (m, _) = measure_fitted(&mu, len, true)?;
            let base = if m.integrated_lufs.is_finite() {
                db_to_gain(speech_lufs - settings.music_below_speech_lu - m.integrated_lufs)
            } else {
                1.0
            };
            Some((mu, base))
        }
        None => None,
    };
    let (mixed, m) = mix_pass(
        narration.as_ref(),
        music.as_ref().map(|(s, b)| (s, *b)),
        &active,
        len,
        settings,
    )?;
    drop((narration, music));
    let (fin, gain, loudness) =
        normalize(mixed, m, settings.target_lufs, settings.max_true_peak_dbtp)?;
    let frames = encode_spool(&fin, gain, bitrate, encoder)?;
    Ok((
        AudioInput {
            sample_rate: SAMPLE_RATE,
            channels: 2,
            bitrate,
            frames,
        },
        loudness,
    ))
}

/// Encode a stereo spool (times `gain`) into spooled AAC frames.
fn encode_spool(spool: &Spool, gain: f32, bitrate: u32, encoder: AacEncoder) -> Result<AacFrames> {
    if spool.channels != 2 {
        return Err(audio_err("the mixed soundtrack must be stereo"));
    }
    let mut r = spool.reader()?;
    let mut next = |out: &mut Vec<f32>| -> Result<usize> {
        let n = r.read(out, FRAME_SAMPLES)?;
        out.iter_mut().for_each(|s| *s *= gain);
        Ok(n)
    };
    match encoder {
        AacEncoder::Syom => {
            let mut sink = AacFrames::spool_writer()?;
            super::aac::encode_stream(spool.len, SAMPLE_RATE, bitrate, &mut next, &mut |f| {
                sink.push(f)
            })?;
            sink.finish()
        }
        #[cfg(feature = "fdk-aac")]
        AacEncoder::Fdk => {
            // The FDK binding encodes a whole buffer: this path holds the soundtrack in memory.
            let mut all = super::StereoBuffer {
                sample_rate: SAMPLE_RATE,
                left: Vec::with_capacity(spool.len),
                right: Vec::with_capacity(spool.len),
            };
            let mut buf = Vec::new();
            while next(&mut buf)? > 0 {
                for f in buf.chunks_exact(2) {
                    all.left.push(f[0]);
                    all.right.push(f[1]);
                }
            }
            let track = super::aac::encode_aac_fdk_stereo(&all, bitrate)?;
            Ok(AacFrames::Memory(track.frames))
        }
    }
}

//! MP4 muxing with `shiguredo_mp4`: samples stream straight to disk, `moov` goes before `mdat`.
//!
//! The file is laid out as `ftyp`, a `free` area big enough for the `moov` (sized from the
//! expected sample counts with `estimate_maximum_moov_box_size`), then `mdat`. Samples are
//! appended to `mdat` as they arrive, so memory does not grow with the video's length; at
//! [`Mp4Writer::finish`] the `moov` is written into the reserved area (fast start). Should the
//! estimate be too small the `moov` lands at the end instead and [`MuxSummary::fast_start`]
//! says so.
//!
//! Video samples carry their decode duration (1 tick at `timescale = fps`) and, when an
//! encoder emits B-frames, a composition offset (`ctts`). Audio is interleaved with the video
//! by time in half-second chunks: players read both tracks from nearby bytes, and the muxer's
//! per-chunk bookkeeping stays small (per-frame chunks made a 10-minute video's muxer state
//! grow by about 20 MB).

use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};

use shiguredo_mp4::TrackKind;
use shiguredo_mp4::bitstream::aac::{
    AudioObjectType, AudioSpecificConfig, ChannelConfiguration, Mp4aSampleEntryConfig,
    SamplingFrequency, build_mp4a_box,
};
use shiguredo_mp4::bitstream::h264::{
    H264SampleEntryConfig, LengthSize, build_avc1_box_from_annexb,
};
use shiguredo_mp4::boxes::SampleEntry;
use shiguredo_mp4::mux::{
    Mp4FileMuxer, Mp4FileMuxerOptions, Sample, estimate_maximum_moov_box_size,
};
use ytempire_core::{Error, ErrorKind, Result};

use crate::encode::Packet;

mod spool;
pub(crate) use spool::PacketSpool;

/// Samples per AAC frame.
const AAC_FRAME: u64 = 1024;

/// AAC audio handed to the muxer: raw frames of 1024 samples.
#[derive(PartialEq, Eq)]
pub struct AudioInput {
    /// Sample rate in Hz.
    pub sample_rate: u32,
    /// 1 or 2.
    pub channels: u16,
    /// Average bitrate (bits/s) for the `esds` descriptor.
    pub bitrate: u32,
    /// Raw AAC-LC access units in order.
    pub frames: AacFrames,
}

impl std::fmt::Debug for AudioInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AudioInput")
            .field("sample_rate", &self.sample_rate)
            .field("channels", &self.channels)
            .field("frames", &self.frames.len())
            .finish()
    }
}

/// Raw AAC access units, in memory or in a temporary file read one at a time (so a long
/// video's audio does not sit in memory while it is muxed).
pub enum AacFrames {
    /// Frames in memory.
    Memory(Vec<Vec<u8>>),
    /// Frames back to back in a temporary file (deleted on drop), with their sizes.
    Spooled(SpooledFrames),
}

impl std::fmt::Debug for AacFrames {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Memory(v) => write!(f, "AacFrames::Memory({} frames)", v.len()),
            Self::Spooled(s) => write!(f, "AacFrames::Spooled({} frames)", s.sizes.len()),
        }
    }
}

impl std::fmt::Debug for SpooledFrames {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpooledFrames")
            .field("frames", &self.sizes.len())
            .field("next", &self.next)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for AacSpoolWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AacSpoolWriter")
            .field("frames", &self.sizes.len())
            .finish_non_exhaustive()
    }
}

impl PartialEq for AacFrames {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Memory(a), Self::Memory(b)) => a == b,
            _ => false,
        }
    }
}

impl Eq for AacFrames {}

impl From<Vec<Vec<u8>>> for AacFrames {
    fn from(frames: Vec<Vec<u8>>) -> Self {
        Self::Memory(frames)
    }
}

/// Frames spooled to a temporary file by [`AacFrames::spool_writer`].
pub struct SpooledFrames {
    file: tempfile::NamedTempFile,
    sizes: Vec<u32>,
    reader: Option<std::io::BufReader<File>>,
    next: usize,
}

/// Writes frames into a [`SpooledFrames`].
pub struct AacSpoolWriter {
    file: tempfile::NamedTempFile,
    w: BufWriter<File>,
    sizes: Vec<u32>,
}

impl AacSpoolWriter {
    /// Append one frame.
    ///
    /// # Errors
    /// `Io` when the temporary file cannot be written.
    pub fn push(&mut self, frame: &[u8]) -> Result<()> {
        let size = u32::try_from(frame.len())
            .map_err(|_| Error::invalid_request("AAC frame larger than 4 GiB"))?;
        self.w
            .write_all(frame)
            .map_err(|e| Error::io("spooling AAC frames", e))?;
        self.sizes.push(size);
        Ok(())
    }

    /// Finish writing.
    ///
    /// # Errors
    /// `Io` when the temporary file cannot be flushed.
    pub fn finish(mut self) -> Result<AacFrames> {
        self.w
            .flush()
            .map_err(|e| Error::io("spooling AAC frames", e))?;
        Ok(AacFrames::Spooled(SpooledFrames {
            file: self.file,
            sizes: self.sizes,
            reader: None,
            next: 0,
        }))
    }
}

impl AacFrames {
    /// A writer that spools frames to a temporary file.
    ///
    /// # Errors
    /// `Io` when the temporary file cannot be created.
    pub fn spool_writer() -> Result<AacSpoolWriter> {
        let io = |e| Error::io("creating the AAC spool", e);
        let file = tempfile::NamedTempFile::new().map_err(io)?;
        let w = BufWriter::new(file.reopen().map_err(io)?);
        Ok(AacSpoolWriter {
            file,
            w,
            sizes: Vec::new(),
        })
    }

    /// Number of frames.
    pub fn len(&self) -> usize {
        match self {
            Self::Memory(f) => f.len(),
            Self::Spooled(s) => s.sizes.len(),
        }
    }

    /// Whether there are no frames.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Frame `i`. Spooled frames are read in order, once (as the muxer does).
    ///
    /// # Errors
    /// `Internal` for an index out of range or out of order, `Io` when the spool cannot be
    /// read.
    pub fn read_frame(&mut self, i: usize) -> Result<Vec<u8>> {
        match self {
            Self::Memory(f) => f
                .get(i)
                .cloned()
                .ok_or_else(|| Error::internal(format!("AAC frame {i} out of range"))),
            Self::Spooled(s) => {
                if i != s.next {
                    return Err(Error::internal(format!(
                        "spooled AAC frames are read in order: asked for {i}, next is {}",
                        s.next
                    )));
                }
                let io = |e| Error::io("reading the AAC spool", e);
                let reader = match &mut s.reader {
                    Some(r) => r,
                    None => s
                        .reader
                        .insert(std::io::BufReader::new(s.file.reopen().map_err(io)?)),
                };
                let size = s.sizes.get(i).copied().unwrap_or(0) as usize;
                let mut buf = vec![0u8; size];
                std::io::Read::read_exact(reader, &mut buf).map_err(io)?;
                s.next += 1;
                Ok(buf)
            }
        }
    }
}

/// What [`Mp4Writer::finish`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MuxSummary {
    /// Video samples written.
    pub video_frames: u64,
    /// Audio frames written.
    pub audio_frames: u64,
    /// Whether `moov` precedes `mdat`.
    pub fast_start: bool,
    /// File size in bytes.
    pub bytes: u64,
}

fn mux_err(e: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::Encode, format!("MP4 mux: {e}"))
}

/// Streams H.264 packets (and optional AAC audio) into an MP4 file.
pub struct Mp4Writer {
    path: PathBuf,
    file: BufWriter<File>,
    pos: u64,
    muxer: Mp4FileMuxer,
    fps: NonZeroU32,
    video_entry: bool,
    video_frames: u64,
    audio: Option<AudioInput>,
    audio_entry: bool,
    audio_next: usize,
}

impl std::fmt::Debug for Mp4Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mp4Writer")
            .field("path", &self.path)
            .field("video_frames", &self.video_frames)
            .field("audio_next", &self.audio_next)
            .finish()
    }
}

impl Mp4Writer {
    /// Create `path` for a video at `fps` expected to hold about `expected_frames` frames
    /// (used to reserve room for the `moov`), with optional audio.
    pub fn create(
        path: &Path,
        fps: u32,
        expected_frames: u64,
        audio: Option<AudioInput>,
    ) -> Result<Self> {
        let fps = NonZeroU32::new(fps)
            .ok_or_else(|| Error::invalid_request("MP4 frame rate must be above 0"))?;
        if let Some(a) = &audio
            && (a.sample_rate == 0 || !(1..=2).contains(&a.channels))
        {
            return Err(Error::invalid_request(
                "MP4 audio needs a sample rate above 0 and 1 or 2 channels",
            ));
        }
        let audio_frames = audio.as_ref().map_or(0, |a| a.frames.len());
        // 10% + 64 frames of slack on the video count.
        let video =
            usize::try_from(expected_frames + expected_frames / 10 + 64).unwrap_or(usize::MAX);
        let reserved = estimate_maximum_moov_box_size(&[video, audio_frames]);
        let options = Mp4FileMuxerOptions {
            reserved_moov_box_size: reserved,
            ..Default::default()
        };
        let muxer = Mp4FileMuxer::with_options(options).map_err(mux_err)?;
        let file =
            File::create(path).map_err(|e| Error::io(format!("creating {}", path.display()), e))?;
        let mut file = BufWriter::with_capacity(1 << 20, file);
        let head = muxer.initial_boxes_bytes();
        file.write_all(head)
            .map_err(|e| Error::io(format!("writing {}", path.display()), e))?;
        Ok(Self {
            path: path.to_path_buf(),
            pos: head.len() as u64,
            file,
            muxer,
            fps,
            video_entry: false,
            video_frames: 0,
            audio,
            audio_entry: false,
            audio_next: 0,
        })
    }

    fn write_data(&mut self, data: &[u8]) -> Result<u64> {
        let at = self.pos;
        self.file
            .write_all(data)
            .map_err(|e| Error::io(format!("writing {}", self.path.display()), e))?;
        self.pos += data.len() as u64;
        Ok(at)
    }

    /// Append one video packet (decode order). The first must be a keyframe carrying SPS/PPS.
    pub fn write_video(&mut self, packet: &Packet) -> Result<()> {
        let sample_entry = if self.video_entry {
            None
        } else {
            if !packet.keyframe {
                return Err(mux_err("the first video packet must be a keyframe"));
            }
            let config = H264SampleEntryConfig {
                length_size: LengthSize::FourBytes,
            };
            let avc1 = build_avc1_box_from_annexb(&packet.data, &config).map_err(mux_err)?;
            self.video_entry = true;
            Some(SampleEntry::Avc1(avc1))
        };
        let avcc = annexb_to_avcc(&packet.data);
        if avcc.is_empty() {
            return Err(mux_err(format!(
                "video packet {} holds no NAL units",
                packet.dts
            )));
        }
        let offset = self.write_data(&avcc)?;
        let cto = packet.pts - packet.dts;
        let sample = Sample {
            track_kind: TrackKind::Video,
            sample_entry,
            keyframe: packet.keyframe,
            timescale: self.fps,
            duration: 1,
            composition_time_offset: (cto != 0).then_some(cto),
            data_offset: offset,
            data_size: avcc.len(),
        };
        self.muxer.append_sample(&sample).map_err(mux_err)?;
        self.video_frames += 1;
        // Every half second of video, interleave the audio up to the end of this frame.
        let chunk = u64::from(self.fps.get() / 2).max(1);
        if self.video_frames.is_multiple_of(chunk) {
            self.write_audio_until(Some(self.video_frames))?;
        }
        Ok(())
    }

    /// Write audio frames starting before video frame `until` (all when `None`).
    fn write_audio_until(&mut self, until: Option<u64>) -> Result<()> {
        let Some(audio) = self.audio.as_ref() else {
            return Ok(());
        };
        let rate = u64::from(audio.sample_rate);
        let fps = u64::from(self.fps.get());
        let total = audio.frames.len();
        let mut end = self.audio_next;
        while end < total {
            let start_sample = end as u64 * AAC_FRAME;
            // start_sample / rate < until / fps
            if until.is_some_and(|u| start_sample * fps >= u * rate) {
                break;
            }
            end += 1;
        }
        for i in self.audio_next..end {
            let Some(audio) = self.audio.as_mut() else {
                break;
            };
            let data = audio.frames.read_frame(i)?;
            let audio = &*audio;
            let sample_entry = if self.audio_entry {
                None
            } else {
                let asc = AudioSpecificConfig {
                    audio_object_type: AudioObjectType::AacLc,
                    sampling_frequency: SamplingFrequency::from_hz(audio.sample_rate)
                        .map_err(mux_err)?,
                    channel_configuration: if audio.channels == 1 {
                        ChannelConfiguration::Mono
                    } else {
                        ChannelConfiguration::Stereo
                    },
                };
                let config = Mp4aSampleEntryConfig {
                    es_id: 1,
                    buffer_size_db: 6144 * u32::from(audio.channels) / 8,
                    max_bitrate: audio.bitrate,
                    avg_bitrate: audio.bitrate,
                };
                self.audio_entry = true;
                Some(SampleEntry::Mp4a(
                    build_mp4a_box(&asc, &config).map_err(mux_err)?,
                ))
            };
            let timescale = NonZeroU32::new(audio.sample_rate)
                .ok_or_else(|| Error::invalid_request("audio sample rate must be above 0"))?;
            let offset = self.write_data(&data)?;
            let sample = Sample {
                track_kind: TrackKind::Audio,
                sample_entry,
                keyframe: true,
                timescale,
                duration: AAC_FRAME as u32,
                composition_time_offset: None,
                data_offset: offset,
                data_size: data.len(),
            };
            self.muxer.append_sample(&sample).map_err(mux_err)?;
        }
        self.audio_next = end;
        Ok(())
    }

    /// Write the remaining audio and the `moov`, flush and sync the file.
    pub fn finish(mut self) -> Result<MuxSummary> {
        if self.video_frames == 0 {
            return Err(mux_err("no video frames were written"));
        }
        self.write_audio_until(None)?;
        let io = |e: std::io::Error| Error::io("finishing the MP4 file", e);
        self.file.flush().map_err(io)?;
        let finalized = self.muxer.finalize().map_err(mux_err)?;
        let fast_start = finalized.is_faststart_enabled();
        let mut file = self.file.into_inner().map_err(|e| io(e.into_error()))?;
        for (offset, bytes) in finalized.offset_and_bytes_pairs() {
            file.seek(SeekFrom::Start(offset)).map_err(io)?;
            file.write_all(bytes).map_err(io)?;
        }
        file.sync_all().map_err(io)?;
        let bytes = file.seek(SeekFrom::End(0)).map_err(io)?;
        Ok(MuxSummary {
            video_frames: self.video_frames,
            audio_frames: self.audio_next as u64,
            fast_start,
            bytes,
        })
    }
}

/// Annex B (start codes) to 4-byte length-prefixed NAL units, dropping access unit
/// delimiters (NAL type 9), which MP4 does not need.
pub fn annexb_to_avcc(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 16);
    for nal in annexb_nals(data) {
        if nal.first().is_some_and(|b| b & 0x1f == 9) {
            continue;
        }
        out.extend_from_slice(&(nal.len() as u32).to_be_bytes());
        out.extend_from_slice(nal);
    }
    out
}

/// NAL unit payloads of an Annex B buffer (without start codes or trailing zero bytes).
fn annexb_nals(data: &[u8]) -> Vec<&[u8]> {
    let mut starts = Vec::new();
    let mut i = 0;
    while i + 3 <= data.len() {
        if data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 1 {
            starts.push(i + 3);
            i += 3;
        } else {
            i += 1;
        }
    }
    let mut nals = Vec::with_capacity(starts.len());
    for (k, &s) in starts.iter().enumerate() {
        let mut e = starts.get(k + 1).map_or(data.len(), |n| n - 3);
        while e > s && data[e - 1] == 0 {
            e -= 1;
        }
        if e > s {
            nals.push(&data[s..e]);
        }
    }
    nals
}

/// Top-level box types of an MP4 file, in order (for checking the layout).
pub fn top_level_boxes(path: &Path) -> Result<Vec<String>> {
    let mut file =
        File::open(path).map_err(|e| Error::io(format!("opening {}", path.display()), e))?;
    let len = file
        .metadata()
        .map_err(|e| Error::io("reading metadata", e))?
        .len();
    let mut pos = 0u64;
    let mut out = Vec::new();
    let io = |e: std::io::Error| Error::io("reading MP4 boxes", e);
    while pos + 8 <= len {
        file.seek(SeekFrom::Start(pos)).map_err(io)?;
        let mut header = [0u8; 16];
        std::io::Read::read_exact(&mut file, &mut header[..8]).map_err(io)?;
        let mut size = u64::from(u32::from_be_bytes([
            header[0], header[1], header[2], header[3],
        ]));
        if size == 1 {
            std::io::Read::read_exact(&mut file, &mut header[8..]).map_err(io)?;
            let mut b = [0u8; 8];
            b.copy_from_slice(&header[8..16]);
            size = u64::from_be_bytes(b);
        } else if size == 0 {
            size = len - pos;
        }
        out.push(String::from_utf8_lossy(&header[4..8]).into_owned());
        if size < 8 {
            return Err(mux_err(format!("box at {pos} has size {size}")));
        }
        pos += size;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_annexb_to_length_prefixed() {
        let annexb = [
            0u8, 0, 0, 1, 0x09, 0xf0, 0, 0, 0, 1, 0x67, 1, 2, 0, 0, 1, 0x65, 3,
        ];
        let avcc = annexb_to_avcc(&annexb);
        assert_eq!(avcc, vec![0, 0, 0, 3, 0x67, 1, 2, 0, 0, 0, 2, 0x65, 3]);
    }
}

//! On-demand H.264 decoding of a probed clip with openh264.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use openh264::OpenH264API;
use openh264::decoder::{DecodedYUV, Decoder, DecoderConfig, Flush};
use openh264::formats::YUVSource;
use ytempire_core::{Error, ErrorKind, Result};

use super::color::{ClipColor, Planes, i420_to_rgba};
use super::mp4::{ClipIndex, avcc_to_annexb};
use super::{ClipInfo, ClipSource, MAX_CLIP_SIDE, clip_err};
use crate::scene::SourceImage;

pub(crate) use super::mp4::Reader;

/// Source of [`ClipDecoder::serial`] values: unique per converted frame in this process.
static NEXT_SERIAL: AtomicU64 = AtomicU64::new(1);

/// One decoded frame, borrowed from its [`ClipDecoder`].
#[derive(Debug, Clone, Copy)]
pub struct ClipFrame<'a> {
    /// Position in display order (0 is the first frame shown).
    pub index: usize,
    /// Presentation time in seconds (the first frame is at 0).
    pub time_secs: f64,
    /// The picture: opaque, premultiplied RGBA8.
    pub image: &'a SourceImage,
}

/// Decodes a clip's frames on demand, keeping only the current one in memory.
///
/// See the [module documentation](super) for how frames are chosen and how seeking works.
///
/// ```no_run
/// use ytempire_render::clip::ClipSource;
/// # fn main() -> ytempire_core::Result<()> {
/// let mut decoder = ClipSource::open("clip.mp4".as_ref())?.decoder()?;
/// let f = decoder.frame_at(1.5)?; // the frame on screen 1.5 s into the clip
/// println!("frame {} ({} s), {}x{}", f.index, f.time_secs, f.image.width, f.image.height);
/// # Ok(()) }
/// ```
pub struct ClipDecoder {
    label: String,
    index: Arc<ClipIndex>,
    reader: Reader,
    decoder: Option<Decoder>,
    /// Next sample to feed, in decode order.
    next_sample: usize,
    /// Display index the decoder's next output picture will have.
    produced: usize,
    /// Whether the parameter sets must go in front of the next sample.
    send_params: bool,
    /// Whether the decoder's buffered pictures have been drained after the last sample.
    flushed: bool,
    /// Frames the stream really yields (fewer than the samples if the decoder drops some).
    available: usize,
    current: Option<usize>,
    image: SourceImage,
    serial: u64,
    sample: Vec<u8>,
    annexb: Vec<u8>,
}

impl std::fmt::Debug for ClipDecoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClipDecoder")
            .field("label", &self.label)
            .field("info", &self.index.info)
            .field("current", &self.current)
            .field("next_sample", &self.next_sample)
            .finish_non_exhaustive()
    }
}

/// A fresh openh264 decoder. Without B-frames each picture is taken out as soon as its sample
/// is decoded; with them the decoder keeps pictures until their display turn.
fn new_decoder(label: &str, reordered: bool) -> Result<Decoder> {
    let flush = if reordered {
        Flush::NoFlush
    } else {
        Flush::Flush
    };
    let config = DecoderConfig::new().flush_after_decode(flush);
    Decoder::with_api_config(OpenH264API::from_source(), config).map_err(|e| {
        clip_err(
            ErrorKind::Render,
            label,
            format!("cannot create H.264 decoder: {e}"),
        )
    })
}

/// Convert a decoded picture into `image` (opaque RGBA; premultiplying is a no-op).
fn convert(
    yuv: &DecodedYUV<'_>,
    color: ClipColor,
    image: &mut SourceImage,
    label: &str,
) -> Result<()> {
    let (w, h) = yuv.dimensions();
    let (Ok(width), Ok(height)) = (u32::try_from(w), u32::try_from(h)) else {
        return Err(clip_err(
            ErrorKind::Render,
            label,
            "decoded picture too large",
        ));
    };
    if width == 0 || height == 0 || width > MAX_CLIP_SIDE || height > MAX_CLIP_SIDE {
        return Err(clip_err(
            ErrorKind::Render,
            label,
            format!("decoded picture is {width}x{height} pixels"),
        ));
    }
    image.rgba.resize(w * h * 4, 0);
    if color.is_openh264_native() {
        yuv.write_rgba8(&mut image.rgba);
    } else {
        let planes = Planes {
            y: yuv.y(),
            u: yuv.u(),
            v: yuv.v(),
            strides: yuv.strides(),
        };
        i420_to_rgba(&planes, w, h, color, &mut image.rgba);
    }
    image.width = width;
    image.height = height;
    image.opaque = true;
    Ok(())
}

impl ClipDecoder {
    pub(crate) fn new(source: &ClipSource) -> Result<Self> {
        let reader = Reader::open(&source.bytes, &source.label)?;
        if reader.len() < source.index.samples.last().map_or(0, |s| s.offset) {
            return Err(clip_err(
                ErrorKind::Render,
                &source.label,
                "the file shrank since it was probed",
            ));
        }
        Ok(Self {
            label: source.label.clone(),
            available: source.index.display.len(),
            index: Arc::clone(&source.index),
            reader,
            decoder: None,
            next_sample: 0,
            produced: 0,
            send_params: true,
            flushed: false,
            current: None,
            image: SourceImage {
                width: 0,
                height: 0,
                rgba: Vec::new(),
                opaque: true,
            },
            serial: 0,
            sample: Vec::new(),
            annexb: Vec::new(),
        })
    }

    /// What probing the clip found.
    pub fn info(&self) -> &ClipInfo {
        &self.index.info
    }

    /// The frame decoded last, if any.
    pub fn current(&self) -> Option<ClipFrame<'_>> {
        self.current.map(|index| ClipFrame {
            index,
            time_secs: self.index.time_of(index),
            image: &self.image,
        })
    }

    /// Changes whenever the current frame's pixels change; unique across decoders.
    pub(crate) fn serial(&self) -> u64 {
        self.serial
    }

    /// The frame after the current one (the first frame on a fresh decoder); `None` after the
    /// last frame.
    ///
    /// # Errors
    /// `Render` for corrupt or truncated data, `Io` when the file cannot be read.
    pub fn next_frame(&mut self) -> Result<Option<ClipFrame<'_>>> {
        let next = self.current.map_or(0, |c| c + 1);
        if next >= self.available {
            return Ok(None);
        }
        self.frame(next).map(Some)
    }

    /// The frame on screen `secs` seconds into the clip: the latest whose presentation time is
    /// at or before `secs` (the first frame for earlier times, the last for later ones).
    ///
    /// # Errors
    /// `Render` for corrupt or truncated data, `Io` when the file cannot be read.
    pub fn frame_at(&mut self, secs: f64) -> Result<ClipFrame<'_>> {
        let k = self.index.frame_index_at(secs);
        self.frame(k)
    }

    /// Frame `index` in display order (clamped to the last frame).
    ///
    /// # Errors
    /// `Render` for corrupt or truncated data, `Io` when the file cannot be read.
    pub fn frame(&mut self, index: usize) -> Result<ClipFrame<'_>> {
        let mut k = index.min(self.available.saturating_sub(1));
        let mut restarts = 0;
        while self.current != Some(k) {
            // Pictures are counted from the first decoded one, including those the edit list
            // hides.
            let picture = k + self.index.skip;
            let passed = self.produced > picture;
            if self.decoder.is_none() || passed {
                self.restart(picture)?;
            } else if !self.index.info.reordered {
                // Without B-frames display order is decode order: skip whole GOPs.
                let kf = self.index.keyframe_before(picture);
                if kf > self.next_sample {
                    self.restart(picture)?;
                }
            }
            if self.next_sample < self.index.samples.len() {
                self.feed(picture)?;
            } else if !self.flushed {
                self.drain(picture)?;
            } else {
                // The stream ended before frame `k`: it yields fewer frames than it has samples.
                restarts += 1;
                if self.produced <= self.index.skip || restarts > 1 {
                    return Err(clip_err(
                        ErrorKind::Render,
                        &self.label,
                        format!("no picture could be decoded for frame {k}"),
                    ));
                }
                self.available = self.produced - self.index.skip;
                k = self.available - 1;
                self.current = None;
                self.decoder = None;
            }
        }
        Ok(ClipFrame {
            index: k,
            time_secs: self.index.time_of(k),
            image: &self.image,
        })
    }

    /// Start decoding afresh at the keyframe that leads to picture `k` (counted in display order
    /// from the first decoded picture).
    fn restart(&mut self, k: usize) -> Result<()> {
        let start = if self.index.info.reordered {
            0
        } else {
            self.index.keyframe_before(k)
        };
        // Drop the old decoder (and its reference pictures) before making the new one.
        self.decoder = None;
        self.decoder = Some(new_decoder(&self.label, self.index.info.reordered)?);
        self.next_sample = start;
        self.produced = start;
        self.send_params = true;
        self.flushed = false;
        Ok(())
    }

    /// Feed the next sample; convert its picture if it is picture `k`.
    fn feed(&mut self, k: usize) -> Result<()> {
        let i = self.next_sample;
        let Some(s) = self.index.samples.get(i).copied() else {
            return Ok(());
        };
        self.reader
            .read_at(s.offset, s.size, &mut self.sample)
            .map_err(|e| Error::io(format!("clip {}: reading frame data", self.label), e))?;
        if self.sample.len() != s.size {
            return Err(clip_err(
                ErrorKind::Render,
                &self.label,
                format!("truncated: sample {i} runs past the end of the file"),
            ));
        }
        self.annexb.clear();
        if self.send_params {
            self.annexb.extend_from_slice(&self.index.params);
            self.send_params = false;
        }
        avcc_to_annexb(&self.sample, self.index.length_size, &mut self.annexb)
            .map_err(|m| clip_err(ErrorKind::Render, &self.label, format!("sample {i}: {m}")))?;
        self.next_sample += 1;
        let Some(dec) = self.decoder.as_mut() else {
            return Ok(());
        };
        let picture = dec.decode(&self.annexb).map_err(|e| {
            clip_err(
                ErrorKind::Render,
                &self.label,
                format!("corrupt H.264 data in sample {i}: {e}"),
            )
        })?;
        if let Some(yuv) = picture {
            let n = self.produced;
            self.produced += 1;
            if n == k {
                convert(&yuv, self.index.info.color, &mut self.image, &self.label)?;
                self.current = Some(n - self.index.skip);
                self.serial = NEXT_SERIAL.fetch_add(1, Ordering::Relaxed);
            }
        }
        Ok(())
    }

    /// After the last sample: take the pictures the decoder still holds.
    fn drain(&mut self, k: usize) -> Result<()> {
        self.flushed = true;
        let Some(dec) = self.decoder.as_mut() else {
            return Ok(());
        };
        let pictures = dec.flush_remaining().map_err(|e| {
            clip_err(
                ErrorKind::Render,
                &self.label,
                format!("corrupt H.264 data at the end of the clip: {e}"),
            )
        })?;
        for yuv in pictures {
            let n = self.produced;
            self.produced += 1;
            if n == k {
                convert(&yuv, self.index.info.color, &mut self.image, &self.label)?;
                self.current = Some(n - self.index.skip);
                self.serial = NEXT_SERIAL.fetch_add(1, Ordering::Relaxed);
            }
        }
        Ok(())
    }
}

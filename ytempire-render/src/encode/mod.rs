//! H.264 video encoders behind one [`Encoder`] trait.
//!
//! - [`OpenH264Encoder`]: Cisco's BSD-licensed openh264, built from source and bundled. The
//!   automatic choice unless NVENC is usable.
//! - [`FfmpegEncoder`]: pipes I420 frames into an `ffmpeg` process (`libx264`, or
//!   `h264_nvenc` when `ffmpeg -encoders` lists it; NVENC is chosen automatically).
//! - `X264Encoder` (feature `x264`, GPL): libx264 in this process, no pipe.
//!
//! Every encoder follows YouTube's upload recommendations: progressive H.264, yuv420p, a closed
//! GOP of half the frame rate (IDR every `fps / 2` frames), constant frame rate, and a bitrate
//! chosen from the resolution ([`recommended_bitrate`]). Packets are Annex B access units in
//! decode order with presentation/decode timestamps in frame units, so the muxer handles
//! encoders that emit B-frames.

use ytempire_core::{Error, Result, VideoSpec};

use crate::{Frame, YuvFrame};

mod ffmpeg;
mod openh264;
#[cfg(feature = "x264")]
mod x264;

pub use ffmpeg::{FfmpegCodec, FfmpegEncoder, ffmpeg_available, ffmpeg_has_encoder, nvenc_usable};
pub use openh264::OpenH264Encoder;
#[cfg(feature = "x264")]
pub use x264::X264Encoder;

/// What the encoder is asked to produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EncoderSettings {
    /// Width in pixels (even).
    pub width: u32,
    /// Height in pixels (even).
    pub height: u32,
    /// Frames per second (constant).
    pub fps: u32,
    /// Target bitrate in bits per second; with [`crf`](Self::crf) set, the ceiling instead
    /// (VBV maximum rate, buffer twice that).
    pub bitrate_bps: u32,
    /// Constant quality for encoders that have it (x264's CRF, 0–51, lower is better):
    /// simple pictures (slow zooms over stills, flat colour) then take fewer bits and less
    /// time, and no frame exceeds the bitrate ceiling. `None` encodes at `bitrate_bps`.
    /// openh264 and NVENC always encode at `bitrate_bps`.
    pub crf: Option<u8>,
    /// Distance between IDR frames, in frames (a closed GOP).
    pub gop: u32,
    /// Speed/quality trade-off for encoders that have presets (x264 names).
    pub preset: Preset,
}

/// x264-style speed presets (openh264 maps them onto its complexity levels).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Preset {
    /// Fastest, largest files.
    Ultrafast,
    /// Fast; the default.
    #[default]
    Veryfast,
    /// Balanced.
    Medium,
}

impl Preset {
    /// The x264 preset name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Ultrafast => "ultrafast",
            Self::Veryfast => "veryfast",
            Self::Medium => "medium",
        }
    }
}

/// The constant-quality factor [`EncoderSettings::youtube`] picks (x264 CRF 18: visually
/// transparent, so YouTube's own re-encode starts from a clean picture).
pub const DEFAULT_CRF: u8 = 18;

/// YouTube's recommended SDR upload bitrate for a resolution and frame rate, in bits/s
/// (e.g. 8 Mbps for 1080p30, 12 Mbps for 1080p60, 5 Mbps for 720p30).
pub fn recommended_bitrate(width: u32, height: u32, fps: u32) -> u32 {
    let short_side = width.min(height);
    let (standard, high_fps) = match short_side {
        2160.. => (40_000_000, 60_000_000),
        1440.. => (16_000_000, 24_000_000),
        1080.. => (8_000_000, 12_000_000),
        720.. => (5_000_000, 7_500_000),
        480.. => (2_500_000, 4_000_000),
        360.. => (1_000_000, 1_500_000),
        _ => (600_000, 900_000),
    };
    if fps > 30 { high_fps } else { standard }
}

impl EncoderSettings {
    /// YouTube-recommended settings for a video spec (validated: even sizes, fps 1..=120).
    pub fn youtube(spec: &VideoSpec) -> Result<Self> {
        spec.validate()?;
        Ok(Self {
            width: spec.width,
            height: spec.height,
            fps: spec.fps,
            bitrate_bps: recommended_bitrate(spec.width, spec.height, spec.fps),
            // Visually transparent, capped at YouTube's recommended bitrate: on this
            // project's reference job x264 takes 3.7 s instead of 6.6 s at a constant 8 Mbps,
            // and the file is a quarter of the size.
            crf: Some(DEFAULT_CRF),
            gop: (spec.fps / 2).max(1),
            preset: Preset::default(),
        })
    }

    /// Check the settings an encoder can accept.
    pub fn validate(&self) -> Result<()> {
        VideoSpec::new(self.width, self.height, self.fps).validate()?;
        if self.bitrate_bps == 0 || self.gop == 0 {
            return Err(Error::invalid_request(
                "encoder bitrate and GOP length must be positive",
            ));
        }
        if let Some(crf) = self.crf.filter(|&c| c > 51) {
            return Err(Error::invalid_request(format!(
                "crf {crf} is out of range; x264 takes 0 (lossless) to 51"
            )));
        }
        Ok(())
    }
}

/// One encoded access unit.
#[derive(Clone, PartialEq, Eq)]
pub struct Packet {
    /// Annex B bytes (start codes), SPS/PPS included before each IDR.
    pub data: Vec<u8>,
    /// An IDR frame (random access point).
    pub keyframe: bool,
    /// Presentation time in frames.
    pub pts: i64,
    /// Decode time in frames (`dts <= pts`; equal when there are no B-frames).
    pub dts: i64,
}

impl std::fmt::Debug for Packet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Packet")
            .field("bytes", &self.data.len())
            .field("keyframe", &self.keyframe)
            .field("pts", &self.pts)
            .field("dts", &self.dts)
            .finish()
    }
}

/// An H.264 encoder fed one frame at a time, RGBA or already I420.
pub trait Encoder: Send {
    /// A short name for reports and logs (e.g. `openh264`, `ffmpeg:libx264`).
    fn name(&self) -> String;
    /// Encode one RGBA frame (must match the settings' size): converted to I420 with
    /// [`YuvFrame::fill_from_rgba`] on this thread, into the encoder's
    /// [`conversion_buffer`](Encoder::conversion_buffer), then coded by
    /// [`encode_yuv`](Encoder::encode_yuv). Returns the packets now ready, in decode order
    /// (possibly none while the encoder buffers).
    fn encode(&mut self, frame: &Frame) -> Result<Vec<Packet>> {
        let mut buf = std::mem::take(self.conversion_buffer());
        if (buf.width, buf.height) != (frame.width, frame.height) || !buf.planes_fit() {
            buf = YuvFrame::new(frame.width, frame.height)?;
        }
        let packets = buf
            .fill_from_rgba(frame)
            .and_then(|()| self.encode_yuv(&buf));
        *self.conversion_buffer() = buf;
        packets
    }
    /// The buffer [`encode`](Encoder::encode) converts RGBA frames into: empty until the
    /// first RGBA frame (a render fed I420 never needs it), then kept between frames so that
    /// encoding does not allocate.
    fn conversion_buffer(&mut self) -> &mut YuvFrame;
    /// Encode one I420 frame (must match the settings' size), with no conversion: what the
    /// render uses when the compositor draws I420 itself
    /// ([`Compositor::draws_yuv`](crate::Compositor::draws_yuv)).
    fn encode_yuv(&mut self, frame: &YuvFrame) -> Result<Vec<Packet>>;
    /// Flush: the remaining packets in decode order. The encoder is unusable afterwards.
    fn finish(&mut self) -> Result<Vec<Packet>>;
    /// How many cores this encoder keeps busy: 1 by default (the bundled openh264 codes one
    /// slice at a time on its thread). The render leaves them to it, drawing with the CPU
    /// compositor on the rest ([`Compositor::leave_cores`](crate::Compositor::leave_cores)).
    fn threads(&self) -> usize {
        1
    }
}

/// The cores this machine offers this process (1 when it cannot tell).
pub(crate) fn available_cores() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
}

/// Which encoder [`create_encoder`] builds.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum EncoderChoice {
    /// NVENC through ffmpeg when it opens (hardware), else the bundled openh264. libx264
    /// compresses better per bit but is slower on small CPUs (the 10 s 1080p reference job on
    /// 2 cores: 6.2 s in-process and 7.0 s through ffmpeg at veryfast, CRF 18, against 4.8 s
    /// with openh264), so it is chosen explicitly.
    #[default]
    Auto,
    /// The bundled openh264.
    OpenH264,
    /// An ffmpeg process with this codec.
    Ffmpeg(FfmpegCodec),
    /// libx264 in this process (feature `x264`, GPL).
    #[cfg(feature = "x264")]
    X264,
}

/// Build the chosen encoder.
pub fn create_encoder(
    choice: &EncoderChoice,
    settings: EncoderSettings,
) -> Result<Box<dyn Encoder>> {
    settings.validate()?;
    match choice {
        EncoderChoice::OpenH264 => Ok(Box::new(OpenH264Encoder::new(settings)?)),
        EncoderChoice::Ffmpeg(codec) => Ok(Box::new(FfmpegEncoder::new(settings, *codec)?)),
        #[cfg(feature = "x264")]
        EncoderChoice::X264 => Ok(Box::new(X264Encoder::new(settings)?)),
        EncoderChoice::Auto => {
            if ffmpeg_available() && nvenc_usable() {
                match FfmpegEncoder::new(settings, FfmpegCodec::Nvenc) {
                    Ok(e) => return Ok(Box::new(e)),
                    Err(e) => {
                        tracing::warn!(error = %e, "NVENC failed to start; using openh264")
                    }
                }
            }
            Ok(Box::new(OpenH264Encoder::new(settings)?))
        }
    }
}

pub(crate) fn check_yuv(settings: &EncoderSettings, frame: &YuvFrame) -> Result<()> {
    if frame.width != settings.width || frame.height != settings.height || !frame.planes_fit() {
        return Err(Error::invalid_request(format!(
            "frame is {}x{} but the encoder was set up for {}x{}",
            frame.width, frame.height, settings.width, settings.height
        )));
    }
    Ok(())
}

/// Whether an Annex B access unit contains an IDR slice (NAL type 5).
pub(crate) fn annexb_has_idr(data: &[u8]) -> bool {
    annexb_nal_types(data).any(|t| t == 5)
}

/// NAL unit types in an Annex B buffer, in order.
pub(crate) fn annexb_nal_types(data: &[u8]) -> impl Iterator<Item = u8> + '_ {
    data.windows(4).filter_map(|w| {
        if w[0] == 0 && w[1] == 0 && w[2] == 1 {
            Some(w[3] & 0x1f)
        } else {
            None
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bitrates_follow_youtube_table() {
        assert_eq!(recommended_bitrate(1920, 1080, 30), 8_000_000);
        assert_eq!(recommended_bitrate(1080, 1920, 30), 8_000_000);
        assert_eq!(recommended_bitrate(1920, 1080, 60), 12_000_000);
        assert_eq!(recommended_bitrate(1280, 720, 30), 5_000_000);
        assert_eq!(recommended_bitrate(3840, 2160, 30), 40_000_000);
    }

    #[test]
    fn youtube_settings_use_half_second_gop() {
        let s = EncoderSettings::youtube(&VideoSpec::new(320, 180, 30)).unwrap();
        assert_eq!(s.gop, 15);
        let s = EncoderSettings::youtube(&VideoSpec::new(320, 180, 1)).unwrap();
        assert_eq!(s.gop, 1);
        assert!(EncoderSettings::youtube(&VideoSpec::new(321, 180, 30)).is_err());
        assert!(EncoderSettings::youtube(&VideoSpec::new(320, 180, 0)).is_err());
    }

    #[test]
    fn finds_idr_nal() {
        assert!(annexb_has_idr(&[0, 0, 0, 1, 0x67, 1, 0, 0, 1, 0x65, 9]));
        assert!(!annexb_has_idr(&[0, 0, 0, 1, 0x41, 1, 2, 3]));
    }
}

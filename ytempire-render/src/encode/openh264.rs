//! The bundled openh264 encoder (BSD-2-Clause, Cisco).

use openh264::OpenH264API;
use openh264::encoder::{
    BitRate, Complexity, EncoderConfig, FrameRate, FrameType, IntraFramePeriod, Profile,
    RateControlMode, UsageType, VuiConfig,
};
use openh264::formats::YUVSlices;
use ytempire_core::{Error, ErrorKind, Result};

use super::{Encoder, EncoderSettings, Packet, Preset, check_yuv};
use crate::YuvFrame;

/// openh264 with YouTube-friendly settings: bitrate rate control, no frame skipping (CFR),
/// IDR every `gop` frames, BT.601 colour signalled in the VUI. openh264 emits no B-frames,
/// so `pts == dts`.
pub struct OpenH264Encoder {
    settings: EncoderSettings,
    inner: openh264::encoder::Encoder,
    yuv: YuvFrame,
    next: i64,
}

impl std::fmt::Debug for OpenH264Encoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenH264Encoder")
            .field("settings", &self.settings)
            .field("frames", &self.next)
            .finish()
    }
}

fn encode_err(e: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::Encode, format!("openh264: {e}"))
}

impl OpenH264Encoder {
    /// Create an encoder for `settings`.
    pub fn new(settings: EncoderSettings) -> Result<Self> {
        settings.validate()?;
        let complexity = match settings.preset {
            Preset::Ultrafast => Complexity::Low,
            Preset::Veryfast => Complexity::Low,
            Preset::Medium => Complexity::Medium,
        };
        let config = EncoderConfig::new()
            .bitrate(BitRate::from_bps(settings.bitrate_bps))
            .max_frame_rate(FrameRate::from_hz(settings.fps as f32))
            .rate_control_mode(RateControlMode::Bitrate)
            .usage_type(UsageType::CameraVideoRealTime)
            .profile(Profile::High)
            .complexity(complexity)
            .skip_frames(false)
            .scene_change_detect(false)
            .intra_frame_period(IntraFramePeriod::from_num_frames(settings.gop))
            .vui(VuiConfig::bt601());
        let inner = openh264::encoder::Encoder::with_api_config(OpenH264API::from_source(), config)
            .map_err(encode_err)?;
        Ok(Self {
            settings,
            inner,
            yuv: YuvFrame::default(),
            next: 0,
        })
    }
}

impl Encoder for OpenH264Encoder {
    fn name(&self) -> String {
        "openh264".into()
    }

    fn conversion_buffer(&mut self) -> &mut YuvFrame {
        &mut self.yuv
    }

    fn encode_yuv(&mut self, frame: &YuvFrame) -> Result<Vec<Packet>> {
        check_yuv(&self.settings, frame)?;
        let (w, h) = (frame.width as usize, frame.height as usize);
        let planes = YUVSlices::new((&frame.y, &frame.u, &frame.v), (w, h), (w, w / 2, w / 2));
        let index = self.next;
        let bits = self.inner.encode(&planes).map_err(encode_err)?;
        let keyframe = matches!(bits.frame_type(), FrameType::IDR);
        if matches!(bits.frame_type(), FrameType::Skip | FrameType::Invalid) {
            return Err(Error::new(
                ErrorKind::Encode,
                format!("openh264 skipped frame {index}; output would not be constant frame rate"),
            ));
        }
        let data = bits.to_vec();
        self.next += 1;
        Ok(vec![Packet {
            data,
            keyframe,
            pts: index,
            dts: index,
        }])
    }

    fn finish(&mut self) -> Result<Vec<Packet>> {
        Ok(Vec::new())
    }
}

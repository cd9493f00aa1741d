//! [`X264Encoder`]: libx264 in this process (feature `x264`, GPL), through the `x264-sys`
//! bindings to the system library (`libx264-dev`; bindgen needs `libclang-dev`). Frames are
//! drawn as I420 by the CPU compositor, or converted to I420 here (`YuvFrame::fill_from_rgba`),
//! and handed over without a pipe.
#![allow(
    unsafe_code,
    reason = "FFI to libx264: every call is wrapped here with its invariants"
)]

use std::ffi::c_int;
use std::ptr;

use x264_sys as sys;
use ytempire_core::{Error, ErrorKind, Result};

use super::{Encoder, EncoderSettings, Packet, check_yuv};
use crate::YuvFrame;

fn encode_err(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::Encode, format!("x264: {}", msg.into()))
}

/// BT.601 (SMPTE 170M) in the VUI: the matrix openh264's converter uses.
const BT601: c_int = 6;

/// libx264 in this process with YouTube's upload recommendations (feature `x264`).
///
/// **Licence:** x264 is GPL-2.0-or-later; a binary built with this feature must be
/// distributed under the GPL. Needs the system library (`libx264-dev`).
///
/// Settings match the ffmpeg-process libx264 path: the preset, High profile, a closed GOP of
/// `gop` frames with an IDR at each start, no B-frames, SPS/PPS before every IDR, constant
/// frame rate, BT.601 limited range signalled in the VUI, and CRF under a VBV ceiling or a
/// constant bitrate ([`EncoderSettings::crf`]).
pub struct X264Encoder {
    settings: EncoderSettings,
    /// Open encoder; null only after `finish`.
    handle: *mut sys::x264_t,
    /// Input picture's description. Its planes point into the frame being encoded only for
    /// the length of one `x264_encoder_encode` call (x264 copies the picture into a frame of
    /// its own within that call) and are null otherwise.
    picture: sys::x264_picture_t,
    yuv: YuvFrame,
    next: i64,
}

// SAFETY: the encoder and its picture are only touched through `&mut self`, so never from two
// threads at once, and libx264 handles carry no thread affinity.
unsafe impl Send for X264Encoder {}

impl std::fmt::Debug for X264Encoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("X264Encoder")
            .field("settings", &self.settings)
            .field("frames", &self.next)
            .finish_non_exhaustive()
    }
}

/// The parameters for `settings`, or why x264 refused them.
fn params(settings: &EncoderSettings) -> Result<sys::x264_param_t> {
    let preset = std::ffi::CString::new(settings.preset.as_str())
        .map_err(|_| encode_err("preset name contains a NUL byte"))?;
    let int = |v: u32, what: &str| {
        c_int::try_from(v).map_err(|_| Error::invalid_request(format!("{what} {v} is too large")))
    };
    let mut p = std::mem::MaybeUninit::<sys::x264_param_t>::uninit();
    // SAFETY: x264_param_default_preset initialises the whole struct before returning 0.
    let mut p = unsafe {
        if sys::x264_param_default_preset(p.as_mut_ptr(), preset.as_ptr(), ptr::null()) != 0 {
            return Err(encode_err(format!("unknown preset {preset:?}")));
        }
        p.assume_init()
    };
    p.i_log_level = -1; // X264_LOG_NONE: errors come back as return codes.
    p.i_width = int(settings.width, "width")?;
    p.i_height = int(settings.height, "height")?;
    p.i_csp = sys::X264_CSP_I420 as c_int;
    p.i_fps_num = settings.fps;
    p.i_fps_den = 1;
    p.i_timebase_num = 1;
    p.i_timebase_den = settings.fps;
    p.b_vfr_input = 0;
    p.i_keyint_max = int(settings.gop, "gop")?;
    p.i_keyint_min = p.i_keyint_max;
    p.i_scenecut_threshold = 0;
    p.b_open_gop = 0;
    p.i_bframe = 0;
    p.b_annexb = 1;
    p.b_repeat_headers = 1;
    p.vui.b_fullrange = 0;
    p.vui.i_colorprim = BT601;
    p.vui.i_transfer = BT601;
    p.vui.i_colmatrix = BT601;
    let kbps = int(settings.bitrate_bps.div_ceil(1000), "bitrate")?;
    p.rc.i_vbv_max_bitrate = kbps;
    p.rc.i_vbv_buffer_size = kbps.saturating_mul(2);
    match settings.crf {
        Some(crf) => {
            p.rc.i_rc_method = sys::X264_RC_CRF as c_int;
            p.rc.f_rf_constant = f32::from(crf);
        }
        None => {
            p.rc.i_rc_method = sys::X264_RC_ABR as c_int;
            p.rc.i_bitrate = kbps;
        }
    }
    // SAFETY: `p` is initialised; the profile name is a NUL-terminated literal.
    if unsafe { sys::x264_param_apply_profile(&mut p, c"high".as_ptr()) } != 0 {
        return Err(encode_err("the settings do not fit the High profile"));
    }
    Ok(p)
}

impl X264Encoder {
    /// Open libx264 for `settings`.
    ///
    /// # Errors
    /// `InvalidRequest` for invalid settings; `Encode` when libx264 refuses them.
    pub fn new(settings: EncoderSettings) -> Result<Self> {
        settings.validate()?;
        let mut p = params(&settings)?;
        // SAFETY: `p` is a fully initialised parameter set; x264 copies what it keeps.
        let handle = unsafe { sys::x264_encoder_open(&mut p) };
        if handle.is_null() {
            return Err(encode_err(format!(
                "libx264 refused {}x{} at {} fps",
                settings.width, settings.height, settings.fps
            )));
        }
        let mut picture = std::mem::MaybeUninit::<sys::x264_picture_t>::uninit();
        // SAFETY: x264_picture_init writes every field (defaults, null planes).
        let mut picture = unsafe {
            sys::x264_picture_init(picture.as_mut_ptr());
            picture.assume_init()
        };
        picture.img.i_csp = p.i_csp;
        picture.img.i_plane = 3;
        Ok(Self {
            settings,
            handle,
            picture,
            yuv: YuvFrame::default(),
            next: 0,
        })
    }

    /// One call of `x264_encoder_encode` with `input` (its planes checked to fit the
    /// settings), or none to flush a delayed frame.
    fn call(&mut self, input: Option<&YuvFrame>) -> Result<Option<Packet>> {
        if self.handle.is_null() {
            return Err(encode_err("the encoder already finished"));
        }
        let mut nals: *mut sys::x264_nal_t = ptr::null_mut();
        let mut count: c_int = 0;
        let mut out = std::mem::MaybeUninit::<sys::x264_picture_t>::uninit();
        let pic_in = match input {
            Some(frame) => {
                // x264 reads the planes in place: no copy of ours before its own.
                let w = c_int::try_from(frame.width).unwrap_or(0);
                let img = &mut self.picture.img;
                img.i_stride[..3].copy_from_slice(&[w, w / 2, w / 2]);
                img.plane[0] = frame.y.as_ptr().cast_mut();
                img.plane[1] = frame.u.as_ptr().cast_mut();
                img.plane[2] = frame.v.as_ptr().cast_mut();
                &mut self.picture as *mut sys::x264_picture_t
            }
            None => ptr::null_mut(),
        };
        // SAFETY: the handle is open. `pic_in` is null or our picture, whose planes are the
        // borrowed frame's (planes of `width × height`, `width/2 × height/2` bytes at those
        // strides, checked by `check_yuv`): x264 only reads them, and copies the picture into
        // its own frame before returning. x264 fills `out`, `nals` and `count` whenever it
        // returns a positive size.
        let size = unsafe {
            sys::x264_encoder_encode(self.handle, &mut nals, &mut count, pic_in, out.as_mut_ptr())
        };
        // Keep no pointer into the frame past the call.
        self.picture.img.plane = [ptr::null_mut(); 4];
        if size < 0 {
            return Err(encode_err(format!("encoding failed (code {size})")));
        }
        if size == 0 || nals.is_null() || count <= 0 {
            return Ok(None);
        }
        // SAFETY: with a positive size `out` was written, and the NAL payloads are one
        // contiguous buffer of `size` bytes starting at the first payload, valid until the
        // next encoder call (we copy it out now).
        let (data, out) = unsafe {
            let first = (*nals).p_payload;
            let len = usize::try_from(size).unwrap_or(0);
            (
                std::slice::from_raw_parts(first, len).to_vec(),
                out.assume_init(),
            )
        };
        Ok(Some(Packet {
            data,
            keyframe: out.b_keyframe != 0,
            pts: out.i_pts,
            dts: out.i_dts,
        }))
    }
}

impl Encoder for X264Encoder {
    /// libx264's own frame threads cover every core (its default thread count).
    fn threads(&self) -> usize {
        super::available_cores()
    }

    fn name(&self) -> String {
        format!("x264 (libx264 build {})", sys::X264_BUILD)
    }

    fn conversion_buffer(&mut self) -> &mut YuvFrame {
        &mut self.yuv
    }

    fn encode_yuv(&mut self, frame: &YuvFrame) -> Result<Vec<Packet>> {
        check_yuv(&self.settings, frame)?;
        self.picture.i_pts = self.next;
        self.picture.i_type = sys::X264_TYPE_AUTO as c_int;
        self.next += 1;
        Ok(self.call(Some(frame))?.into_iter().collect())
    }

    fn finish(&mut self) -> Result<Vec<Packet>> {
        let mut out = Vec::new();
        // SAFETY (in the loop condition): the handle is open until closed below.
        while !self.handle.is_null() && unsafe { sys::x264_encoder_delayed_frames(self.handle) } > 0
        {
            match self.call(None)? {
                Some(p) => out.push(p),
                None => break,
            }
        }
        if !self.handle.is_null() {
            // SAFETY: the handle is open and not used again (nulled).
            unsafe { sys::x264_encoder_close(self.handle) };
            self.handle = ptr::null_mut();
        }
        Ok(out)
    }
}

impl Drop for X264Encoder {
    fn drop(&mut self) {
        if !self.handle.is_null() {
            // SAFETY: the encoder is still open, and is closed once.
            unsafe { sys::x264_encoder_close(self.handle) };
        }
    }
}

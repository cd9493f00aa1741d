//! Entry points for the fuzz targets in `scripts/fuzz` (feature `fuzzing`; not a stable API).
//!
//! Each function takes untrusted bytes the way the crate receives them (a downloaded stock
//! clip, an `avcC` sample or SPS, a music WAV, a Pexels search answer) and runs them through
//! the code the renderer uses. A parse failure is an ordinary outcome; `Err(String)` means an
//! invariant broke, and the fuzz target (or the corpus replay test, `tests/fuzz_corpus.rs`)
//! turns it into a failure.

use std::io::Write as _;

use crate::clip::{ClipColor, ClipSource, MAX_CLIP_SIDE};

/// Largest picture (in pixels) whose frames are decoded; bigger clips are only probed, so one
/// input cannot take seconds.
const DECODE_PIXELS: u64 = 320 * 240;

/// Probe an MP4 (demuxer, `avcC`, sample index, edit list, SPS colour) and, when the picture
/// is small, decode its first frames and seek.
///
/// # Errors
/// A description of a broken invariant: a probed clip without frames, with frame times that
/// are not finite, start elsewhere than 0 or go backwards, with a size outside
/// 1..=`MAX_CLIP_SIDE`; a decoded frame whose pixels do not match its size.
#[doc(hidden)]
pub fn mp4(data: &[u8]) -> Result<(), String> {
    let Ok(source) = ClipSource::from_bytes("fuzz", data) else {
        return Ok(());
    };
    let info = source.info().clone();
    let sides = 1..=MAX_CLIP_SIDE;
    if !sides.contains(&info.width) || !sides.contains(&info.height) {
        return Err(format!("probed a {}x{} clip", info.width, info.height));
    }
    let times: Vec<f64> = source.frame_times().collect();
    if info.frames == 0 || times.len() != info.frames {
        return Err(format!(
            "{} frames, {} frame times",
            info.frames,
            times.len()
        ));
    }
    if times.first() != Some(&0.0)
        || times.iter().any(|t| !t.is_finite())
        || times.windows(2).any(|w| w[1] < w[0])
        || !info.duration_secs.is_finite()
        || info.duration_secs < 0.0
    {
        return Err(format!(
            "frame times {:?} / duration {}",
            &times[..times.len().min(8)],
            info.duration_secs
        ));
    }
    if u64::from(info.width) * u64::from(info.height) > DECODE_PIXELS {
        return Ok(());
    }
    let Ok(mut decoder) = source.decoder() else {
        return Ok(());
    };
    let check = |frame: &crate::clip::ClipFrame<'_>| {
        let img = frame.image;
        let want = u64::from(img.width) * u64::from(img.height) * 4;
        if !sides.contains(&img.width)
            || !sides.contains(&img.height)
            || want != img.rgba.len() as u64
        {
            return Err(format!(
                "frame {} is {}x{} with {} bytes",
                frame.index,
                img.width,
                img.height,
                img.rgba.len()
            ));
        }
        Ok(())
    };
    for _ in 0..3 {
        match decoder.next_frame() {
            Ok(Some(frame)) => check(&frame)?,
            Ok(None) | Err(_) => break,
        }
    }
    for at in [info.duration_secs / 2.0, 0.0] {
        if let Ok(frame) = decoder.frame_at(at) {
            check(&frame)?;
        }
    }
    Ok(())
}

/// Read an SPS (colour description from its VUI) and rewrite a length-prefixed sample as
/// Annex B with each NAL length size.
///
/// # Errors
/// A description of a broken invariant: an Annex B rewrite longer than the sample plus the
/// start codes it adds.
#[doc(hidden)]
pub fn h264(data: &[u8]) -> Result<(), String> {
    for height in [480, 1080] {
        let _ = ClipColor::from_sps(data, height);
    }
    for length_size in 1..=4 {
        let mut out = Vec::new();
        if crate::clip::avcc_to_annexb(data, length_size, &mut out).is_ok() {
            // Each NAL unit trades its length prefix for a 4-byte start code.
            let most = data.len() / length_size.max(1) * 4 + data.len();
            if out.len() > most {
                return Err(format!(
                    "{} sample bytes became {} Annex B bytes",
                    data.len(),
                    out.len()
                ));
            }
        }
    }
    Ok(())
}

/// Load WAV bytes as a music track is loaded (from a file: any integer or float format,
/// downmixed to mono).
///
/// # Errors
/// A description of a broken invariant: samples outside −1..=1 from an integer WAV, or a
/// temporary file that cannot be written.
#[doc(hidden)]
pub fn wav(data: &[u8]) -> Result<(), String> {
    let mut file = tempfile::NamedTempFile::new().map_err(|e| format!("temp file: {e}"))?;
    file.write_all(data)
        .map_err(|e| format!("temp file: {e}"))?;
    let Ok(buf) = crate::audio::load_wav(file.path()) else {
        return Ok(());
    };
    let is_float = hound::WavReader::new(data)
        .is_ok_and(|r| r.spec().sample_format == hound::SampleFormat::Float);
    if !is_float
        && let Some(s) = buf
            .samples
            .iter()
            .find(|s| !s.is_finite() || s.abs() > 1.0 + 1e-6)
    {
        return Err(format!("integer WAV decoded to sample {s}"));
    }
    Ok(())
}

/// Decode a Pexels search answer as a photo page and as a video page, pick each photo's size
/// and each video's rendition for 1080p and 720p vertical, and read the bytes as an error
/// body.
///
/// # Errors
/// A description of a broken invariant: a picked rendition that is not an MP4, or a picked
/// photo URL that the photo does not have.
#[doc(hidden)]
#[cfg(feature = "pexels")]
pub fn pexels(data: &[u8]) -> Result<(), String> {
    use crate::sources::pexels::{PhotoPage, VideoPage, pick_photo_size, vendor_error};
    use ytempire_core::http;
    let sizes = [(1920, 1080), (720, 1280), (0, 0), (u32::MAX, u32::MAX)];
    if let Ok(page) = http::json::<PhotoPage>("pexels/fuzz", data) {
        for photo in &page.photos {
            for (w, h) in sizes {
                let (_, url) = pick_photo_size(photo, w, h);
                if !photo.src.all().iter().any(|(_, u)| *u == url) {
                    return Err(format!("picked {url:?}, not one of photo {}'s", photo.id));
                }
            }
        }
    }
    if let Ok(page) = http::json::<VideoPage>("pexels/fuzz", data) {
        for video in &page.videos {
            for (w, h) in sizes {
                if let Some(file) = video.best_file(w, h)
                    && !file.is_mp4()
                {
                    return Err(format!("picked {:?}, not an MP4", file.link));
                }
            }
        }
    }
    let err = http::status_error(
        "pexels/fuzz",
        429,
        &reqwest::header::HeaderMap::new(),
        vendor_error(data),
        None,
    );
    if err.status() != Some(429) {
        return Err(format!("status 429 became {:?}", err.status()));
    }
    Ok(())
}

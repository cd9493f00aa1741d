//! Probing an MP4: the first video track's `avcC`, its sample index and the part of it that
//! its edit list shows, read through `shiguredo_mp4`'s I/O-free demuxer.
//!
//! Edit lists: the first entry that maps media (`media_time` ≥ 0) decides which frames are
//! shown. Frames before its start are decoded as references but not shown (the one on screen
//! at the start, or the first frame when the edit starts before it, is shown from 0 s), frames
//! at or after its end are dropped, and the clip's duration is the edit's. Leading empty
//! edits (a delay before the media) are not reproduced, later entries (multi-segment edits)
//! and media rates other than 1 are ignored. Without an edit list the first presented frame is
//! at 0 s.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::sync::Arc;

use shiguredo_mp4::boxes::{MoovBox, SampleEntry};
use shiguredo_mp4::demux::{DemuxError, Input, Mp4FileDemuxer};
use shiguredo_mp4::{BaseBox, Decode, TrackKind};
use ytempire_core::{Error, ErrorKind, Result};

use super::{ClipBytes, ClipColor, ClipInfo, MAX_CLIP_SIDE, clip_err};

/// Largest `moov` box read (the sample tables of a multi-hour clip fit well below this).
const MAX_MOOV_BYTES: u64 = 256 << 20;
/// Largest single sample accepted.
const MAX_SAMPLE_BYTES: usize = 64 << 20;
/// Top-level boxes walked before giving up on finding `moov`.
const MAX_BOXES: usize = 100_000;

/// Random access to a clip's bytes (a file or memory).
pub(crate) struct Reader {
    inner: Inner,
    len: u64,
}

enum Inner {
    File(File),
    Memory(Arc<[u8]>),
}

impl Reader {
    pub(crate) fn open(bytes: &ClipBytes, label: &str) -> Result<Self> {
        match bytes {
            ClipBytes::File(path) => {
                let file = File::open(path)
                    .map_err(|e| Error::io(format!("clip {label}: cannot open"), e))?;
                let meta = file
                    .metadata()
                    .map_err(|e| Error::io(format!("clip {label}: cannot stat"), e))?;
                if meta.is_dir() {
                    return Err(clip_err(
                        ErrorKind::InvalidRequest,
                        label,
                        "is a directory, not an MP4 file",
                    ));
                }
                Ok(Self {
                    len: meta.len(),
                    inner: Inner::File(file),
                })
            }
            ClipBytes::Memory(m) => Ok(Self {
                len: m.len() as u64,
                inner: Inner::Memory(Arc::clone(m)),
            }),
        }
    }

    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    /// Read up to `size` bytes at `offset` into `buf` (fewer at the end of the data).
    pub(crate) fn read_at(
        &mut self,
        offset: u64,
        size: usize,
        buf: &mut Vec<u8>,
    ) -> std::io::Result<()> {
        buf.clear();
        let avail = self.len.saturating_sub(offset);
        let n = usize::try_from(avail).map_or(size, |a| a.min(size));
        if n == 0 {
            return Ok(());
        }
        match &mut self.inner {
            Inner::File(f) => {
                f.seek(SeekFrom::Start(offset))?;
                buf.resize(n, 0);
                f.read_exact(buf)
            }
            Inner::Memory(m) => {
                let start = usize::try_from(offset).unwrap_or(usize::MAX);
                if let Some(s) = m.get(start..start.saturating_add(n)) {
                    buf.extend_from_slice(s);
                }
                Ok(())
            }
        }
    }
}

/// Where one sample (an access unit, in decode order) is.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SampleRef {
    pub(crate) offset: u64,
    pub(crate) size: usize,
    pub(crate) keyframe: bool,
}

/// Everything a decoder needs to find and feed a clip's frames.
#[derive(Debug)]
pub(crate) struct ClipIndex {
    pub(crate) info: ClipInfo,
    pub(crate) timescale: u32,
    /// Bytes of each NAL unit length prefix (1, 2 or 4).
    pub(crate) length_size: usize,
    /// SPS and PPS from `avcC` as Annex B.
    pub(crate) params: Vec<u8>,
    /// Samples in decode order.
    pub(crate) samples: Vec<SampleRef>,
    /// Decoded pictures (in display order) before the first one shown: hidden by the edit list.
    pub(crate) skip: usize,
    /// Presentation times of the frames shown, in ticks from the start of the edit, sorted
    /// (display order); the first is 0.
    pub(crate) display: Vec<i64>,
}

impl ClipIndex {
    /// Presentation time of display frame `k` in seconds.
    pub(crate) fn time_of(&self, k: usize) -> f64 {
        self.display
            .get(k)
            .map_or(0.0, |&d| d as f64 / f64::from(self.timescale))
    }

    /// Display index of the latest frame presented at or before `secs` (0 before the first).
    pub(crate) fn frame_index_at(&self, secs: f64) -> usize {
        // A hair of tolerance so that `n / fps` lands on frame `n` despite rounding.
        let ticks = if secs.is_nan() {
            0.0
        } else {
            let x = secs * f64::from(self.timescale);
            x + 1e-6 + x.abs() * 1e-12
        };
        self.display
            .partition_point(|&d| d as f64 <= ticks)
            .saturating_sub(1)
    }

    /// Decode index of the last keyframe at or before decode index `i` (0 if none).
    pub(crate) fn keyframe_before(&self, i: usize) -> usize {
        let end = i.min(self.samples.len().saturating_sub(1));
        (0..=end)
            .rev()
            .find(|&j| self.samples.get(j).is_some_and(|s| s.keyframe))
            .unwrap_or(0)
    }
}

/// What the first bytes look like, for "not an MP4" messages.
fn sniff(head: &[u8]) -> &'static str {
    let lower: Vec<u8> = head
        .iter()
        .skip_while(|b| b.is_ascii_whitespace())
        .take(9)
        .map(u8::to_ascii_lowercase)
        .collect();
    if head.starts_with(b"\x89PNG") {
        "it is a PNG image"
    } else if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        "it is a JPEG image"
    } else if head.starts_with(b"RIFF") {
        "it is a RIFF file (WebP, WAV or AVI)"
    } else if head.starts_with(b"GIF8") {
        "it is a GIF image"
    } else if head.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]) {
        "it is Matroska/WebM"
    } else if lower.starts_with(b"<!doctype")
        || lower.starts_with(b"<html")
        || lower.starts_with(b"<?xml")
    {
        "it is an HTML/XML page, perhaps an error page served instead of the video"
    } else if lower.starts_with(b"{") {
        "it looks like JSON"
    } else {
        "no `ftyp` box at the start"
    }
}

fn codec_name(entry: &SampleEntry) -> String {
    match entry {
        SampleEntry::Avc1(_) => "H.264".into(),
        SampleEntry::Hev1(_) | SampleEntry::Hvc1(_) => "H.265/HEVC".into(),
        SampleEntry::Vp08(_) => "VP8".into(),
        SampleEntry::Vp09(_) => "VP9".into(),
        SampleEntry::Av01(_) => "AV1".into(),
        other => format!("`{}`", other.box_type()),
    }
}

/// The video track's `avc1` sample entry, as the index needs it.
struct Avc {
    width: u32,
    height: u32,
    color: ClipColor,
    profile_idc: u8,
    level_idc: u8,
    length_size: usize,
    /// SPS and PPS in Annex B form.
    params: Vec<u8>,
}

/// The media a track's edit list shows: ticks (media timescale) from `start`, for `len` ticks
/// (`None`: to the end of the media).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Edit {
    pub(crate) start: i64,
    pub(crate) len: Option<i64>,
}

/// The first media-mapping entry of track `track_id`'s edit list, in its media timescale.
fn edit_of(moov: &MoovBox, track_id: u32, media_scale: u32) -> Option<Edit> {
    let trak = moov
        .trak_boxes
        .iter()
        .find(|t| t.tkhd_box.track_id == track_id)?;
    let elst = trak.edts_box.as_ref()?.elst_box.as_ref()?;
    let e = elst.entries.iter().find(|e| e.media_time >= 0)?;
    Some(Edit::from_entry(
        e.edit_duration,
        e.media_time,
        moov.mvhd_box.timescale.get(),
        media_scale,
    ))
}

impl Edit {
    /// An `elst` entry's `edit_duration` (movie timescale; 0: to the end of the media) and
    /// `media_time` (media timescale), in the media timescale.
    fn from_entry(edit_duration: u64, media_time: i64, movie_scale: u32, media_scale: u32) -> Self {
        let len = (edit_duration > 0).then(|| {
            let ticks = u128::from(edit_duration) * u128::from(media_scale)
                / u128::from(movie_scale.max(1));
            i64::try_from(ticks).unwrap_or(i64::MAX)
        });
        Self {
            start: media_time,
            len,
        }
    }
}

/// Which of the frames with sorted presentation times `pts` (media ending at tick `end`) an
/// edit shows: `(hidden before, shown times from the edit start, shown length in ticks)`.
///
/// Without an edit, everything from the first frame on. The frame on screen at the edit's
/// start is the first shown, at 0 (also when the edit starts before the first frame: that
/// frame then fills the gap); the others keep their time from the edit's start. Frames at or
/// after the edit's end are dropped, and the length is the edit's, cut at the end of the media
/// (one average frame past the last frame shown when that leaves it no time). `pts` must not be
/// empty.
pub(crate) fn apply_edit(pts: &[i64], end: i64, edit: Option<Edit>) -> (usize, Vec<i64>, i64) {
    let n = pts.len().max(1);
    let count = i64::try_from(n).unwrap_or(i64::MAX);
    let first = pts.first().copied().unwrap_or(0);
    let last = pts.last().copied().unwrap_or(0);
    // A zero-length last sample gets the average frame length (at least one tick).
    let end = if end > last {
        end
    } else {
        let gap = last.saturating_sub(first) / (count - 1).max(1);
        last.saturating_add(gap.max(1))
    };
    let origin = edit.map_or(first, |e| e.start);
    // The frame on screen at the edit's start is the latest at or before it.
    let skip = pts
        .partition_point(|&d| d <= origin)
        .saturating_sub(1)
        .min(n - 1);
    let stop = edit
        .and_then(|e| e.len)
        .map_or(end, |l| origin.saturating_add(l).min(end));
    let upto = pts.partition_point(|&d| d < stop).max(skip + 1).min(n);
    let mut shown: Vec<i64> = pts
        .get(skip..upto)
        .unwrap_or_default()
        .iter()
        .map(|&d| d.saturating_sub(origin))
        .collect();
    // Only the first frame can start before the edit (or after it, when the edit starts
    // before the first frame): it is shown from 0.
    if let Some(f) = shown.first_mut() {
        *f = 0;
    }
    let last_shown = shown.last().copied().unwrap_or(0);
    let mut len = stop.saturating_sub(origin);
    if len <= last_shown {
        // The edit ends at (or before) its last frame's start: give that frame one average length.
        let average = end.saturating_sub(first) / count;
        len = last_shown.saturating_add(average.max(1));
    }
    (skip, shown, len)
}

/// Read the `moov` and index the first video track.
pub(crate) fn probe(reader: &mut Reader, label: &str) -> Result<ClipIndex> {
    let render = |msg: String| clip_err(ErrorKind::Render, label, msg);
    let len = reader.len();
    if len == 0 {
        return Err(render("the file is empty (0 bytes)".into()));
    }
    let mut buf = Vec::new();
    reader
        .read_at(0, 16, &mut buf)
        .map_err(|e| Error::io(format!("clip {label}: cannot read"), e))?;
    if buf.len() < 8 || buf.get(4..8) != Some(b"ftyp".as_slice()) {
        return Err(render(format!("not an MP4 file: {}", sniff(&buf))));
    }

    let mut demuxer = Mp4FileDemuxer::new();
    // Our own decode of the `moov`, for the edit list (the demuxer does not expose it).
    let mut moov: Option<MoovBox> = None;
    let mut rounds = 0;
    loop {
        match demuxer.tracks() {
            Ok(_) => break,
            Err(DemuxError::InputRequired(req)) => {
                rounds += 1;
                if req.position >= len || rounds > MAX_BOXES {
                    return Err(render(
                        "no `moov` box before the end of the file (truncated download, or not a complete MP4)"
                            .into(),
                    ));
                }
                let want = req.size.map_or(len - req.position, |s| s as u64);
                if want > MAX_MOOV_BYTES {
                    return Err(render(format!(
                        "a {want}-byte header box is larger than the {MAX_MOOV_BYTES}-byte limit"
                    )));
                }
                reader
                    .read_at(req.position, want as usize, &mut buf)
                    .map_err(|e| Error::io(format!("clip {label}: cannot read"), e))?;
                if (buf.len() as u64) < want {
                    return Err(render(format!(
                        "truncated: the file ends at byte {len}, inside the box at byte {}",
                        req.position
                    )));
                }
                // The demuxer first asks for the `moov` header alone (which does not decode),
                // then for the whole box (its size, or the rest of the file for a size-0 box).
                if buf.get(4..8) == Some(b"moov".as_slice())
                    && let Ok((m, _)) = MoovBox::decode(&buf)
                {
                    moov = Some(m);
                }
                demuxer.handle_input(Input {
                    position: req.position,
                    data: &buf,
                });
            }
            Err(e) => return Err(render(format!("not a readable MP4: {e}"))),
        }
    }
    let tracks = demuxer
        .tracks()
        .map_err(|e| render(format!("not a readable MP4: {e}")))?;
    let Some(track) = tracks.iter().find(|t| t.kind == TrackKind::Video) else {
        let kinds: Vec<String> = tracks.iter().map(|t| format!("{:?}", t.kind)).collect();
        return Err(clip_err(
            ErrorKind::InvalidRequest,
            label,
            format!("the MP4 has no video track (tracks: {kinds:?})"),
        ));
    };
    let (track_id, timescale) = (track.track_id, track.timescale.get());

    let mut avc: Option<Avc> = None;
    let mut samples = Vec::new();
    let mut pts: Vec<i64> = Vec::new();
    let mut end = i64::MIN;
    let mut reordered = false;
    loop {
        let s = match demuxer.next_sample() {
            Ok(Some(s)) => s,
            Ok(None) => break,
            Err(e) => return Err(render(format!("broken sample table: {e}"))),
        };
        if s.track.track_id != track_id {
            continue;
        }
        if let Some(entry) = s.sample_entry {
            if avc.is_some() {
                return Err(clip_err(
                    ErrorKind::Unsupported,
                    label,
                    "the video track changes its codec settings mid-stream",
                ));
            }
            let SampleEntry::Avc1(b) = entry else {
                return Err(clip_err(
                    ErrorKind::Unsupported,
                    label,
                    format!(
                        "the video is {}, not H.264 (`avc1`); re-encode it as H.264",
                        codec_name(entry)
                    ),
                ));
            };
            let c = &b.avcc_box;
            let mut params = Vec::new();
            for ps in c.sps_list.iter().chain(&c.pps_list) {
                params.extend_from_slice(&[0, 0, 0, 1]);
                params.extend_from_slice(ps);
            }
            let height = u32::from(b.visual.height);
            let sps = c.sps_list.first().map_or(&[][..], |s| s.as_slice());
            let color = ClipColor::from_sps(sps, height);
            avc = Some(Avc {
                width: u32::from(b.visual.width),
                height,
                color,
                profile_idc: c.avc_profile_indication,
                level_idc: c.avc_level_indication,
                length_size: usize::from(c.length_size_minus_one.get()) + 1,
                params,
            });
        }
        let in_file = s
            .data_offset
            .checked_add(s.data_size as u64)
            .is_some_and(|e| e <= len);
        if !in_file {
            return Err(render(format!(
                "truncated: frame {} lies at bytes {}..{} but the file has {len} bytes",
                samples.len(),
                s.data_offset,
                s.data_offset.saturating_add(s.data_size as u64)
            )));
        }
        if s.data_size > MAX_SAMPLE_BYTES {
            return Err(render(format!(
                "frame {} is {} bytes, above the {MAX_SAMPLE_BYTES}-byte limit",
                samples.len(),
                s.data_size
            )));
        }
        let p = i64::try_from(s.timestamp)
            .unwrap_or(i64::MAX / 2)
            .saturating_add(s.composition_time_offset.unwrap_or(0));
        if pts.last().is_some_and(|&last| p < last) {
            reordered = true;
        }
        end = end.max(p.saturating_add(i64::from(s.duration)));
        pts.push(p);
        samples.push(SampleRef {
            offset: s.data_offset,
            size: s.data_size,
            keyframe: s.keyframe,
        });
    }
    let Some(Avc {
        width,
        height,
        color,
        profile_idc,
        level_idc,
        length_size,
        params,
    }) = avc
    else {
        return Err(render("the video track has no frames".into()));
    };
    if width == 0 || height == 0 {
        return Err(render(format!("the video is {width}x{height} pixels")));
    }
    if width > MAX_CLIP_SIDE || height > MAX_CLIP_SIDE {
        return Err(clip_err(
            ErrorKind::Unsupported,
            label,
            format!(
                "{width}x{height} is larger than {MAX_CLIP_SIDE} pixels on a side; downscale it first"
            ),
        ));
    }
    pts.sort_unstable();
    let edit = moov.as_ref().and_then(|m| edit_of(m, track_id, timescale));
    let (skip, display, len) = apply_edit(&pts, end, edit);
    let duration_secs = len as f64 / f64::from(timescale);
    let frames = display.len();
    Ok(ClipIndex {
        info: ClipInfo {
            width,
            height,
            frames,
            duration_secs,
            fps: frames as f64 / duration_secs,
            profile_idc,
            level_idc,
            reordered,
            color,
        },
        timescale,
        length_size,
        params,
        samples,
        skip,
        display,
    })
}

/// Rewrite one length-prefixed (`avcC`-style) sample as Annex B, appending to `out`.
///
/// # Errors
/// A description of the corruption: a NAL length running past the sample, or a NAL header with
/// the forbidden bit set.
pub(crate) fn avcc_to_annexb(
    sample: &[u8],
    length_size: usize,
    out: &mut Vec<u8>,
) -> std::result::Result<(), String> {
    let mut rest = sample;
    let mut nals = 0;
    while !rest.is_empty() {
        let Some((prefix, body)) = rest.split_at_checked(length_size) else {
            return Err(format!(
                "{} stray bytes after NAL unit {nals} (a {length_size}-byte length prefix does not fit)",
                rest.len()
            ));
        };
        let n = prefix
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        let Some((nal, tail)) = body.split_at_checked(n) else {
            return Err(format!(
                "NAL unit {nals} claims {n} bytes but only {} remain in the sample (corrupt data)",
                body.len()
            ));
        };
        if let Some(&h) = nal.first() {
            if h & 0x80 != 0 {
                return Err(format!(
                    "NAL unit {nals} has the forbidden_zero_bit set (corrupt data)"
                ));
            }
            out.extend_from_slice(&[0, 0, 0, 1]);
            out.extend_from_slice(nal);
        }
        rest = tail;
        nals += 1;
    }
    if nals == 0 {
        return Err("the sample is empty".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_prefixed_nals_become_start_codes() {
        let mut out = Vec::new();
        avcc_to_annexb(&[0, 0, 0, 2, 0x65, 0xAA, 0, 0, 0, 1, 0x41], 4, &mut out).unwrap();
        assert_eq!(out, [0, 0, 0, 1, 0x65, 0xAA, 0, 0, 0, 1, 0x41]);
        out.clear();
        avcc_to_annexb(&[0, 2, 0x65, 0xAA], 2, &mut out).unwrap();
        assert_eq!(out, [0, 0, 0, 1, 0x65, 0xAA]);
    }

    #[test]
    fn corrupt_nal_lengths_are_reported() {
        let mut out = Vec::new();
        assert!(avcc_to_annexb(&[0, 0, 0, 9, 0x65], 4, &mut out).is_err());
        assert!(avcc_to_annexb(&[0, 0, 0, 1, 0x65, 0, 0], 4, &mut out).is_err());
        assert!(avcc_to_annexb(&[0, 0, 0, 1, 0xE5], 4, &mut out).is_err());
        assert!(avcc_to_annexb(&[], 4, &mut out).is_err());
    }

    fn edit(start: i64, len: Option<i64>) -> Option<Edit> {
        Some(Edit { start, len })
    }

    /// Ten frames, 100 ticks apart from 0, the media ending at 1000.
    const TEN: [i64; 10] = [0, 100, 200, 300, 400, 500, 600, 700, 800, 900];

    #[test]
    fn without_an_edit_the_first_frame_is_at_zero() {
        // A composition offset (B-frames without an edit list): rebased to 0.
        let pts = [200, 300, 400, 500];
        assert_eq!(
            apply_edit(&pts, 600, None),
            (0, vec![0, 100, 200, 300], 400)
        );
        assert_eq!(apply_edit(&TEN, 1000, None), (0, TEN.to_vec(), 1000));
    }

    #[test]
    fn an_edit_starting_on_a_frame_hides_the_frames_before_it() {
        assert_eq!(
            apply_edit(&TEN, 1000, edit(300, None)),
            (3, vec![0, 100, 200, 300, 400, 500, 600], 700)
        );
        // libx264 with B-frames: the edit starts at the first composition offset and lasts as
        // long as the media, so every frame is shown from 0.
        let pts = [200, 300, 400, 500];
        let all = (0, vec![0, 100, 200, 300], 400);
        assert_eq!(apply_edit(&pts, 600, edit(200, None)), all);
        assert_eq!(apply_edit(&pts, 600, edit(200, Some(400))), all);
    }

    #[test]
    fn an_edit_starting_between_frames_shows_the_frame_on_screen_from_zero() {
        assert_eq!(
            apply_edit(&TEN, 1000, edit(350, None)),
            (3, vec![0, 50, 150, 250, 350, 450, 550], 650)
        );
    }

    #[test]
    fn an_edit_shorter_than_the_media_drops_the_frames_after_it() {
        // Ends at 750, inside frame 7: frames 3..=7 shown, for the edit's 450 ticks.
        assert_eq!(
            apply_edit(&TEN, 1000, edit(300, Some(450))),
            (3, vec![0, 100, 200, 300, 400], 450)
        );
        // Ends exactly where frame 7 starts: frame 7 is not shown.
        assert_eq!(
            apply_edit(&TEN, 1000, edit(300, Some(400))),
            (3, vec![0, 100, 200, 300], 400)
        );
        // Longer than the media: ends with the media.
        assert_eq!(
            apply_edit(&TEN, 1000, edit(300, Some(5000))),
            apply_edit(&TEN, 1000, edit(300, None))
        );
    }

    #[test]
    fn an_edit_of_length_zero_runs_to_the_end() {
        // `edit_duration` 0 in the file means "to the end of the media".
        assert_eq!(
            Edit::from_entry(0, 300, 1000, 10_240),
            Edit {
                start: 300,
                len: None
            }
        );
        // 1.3 s at a movie timescale of 1000 in a 10240 Hz media timescale.
        assert_eq!(
            Edit::from_entry(1300, 2048, 1000, 10_240),
            Edit {
                start: 2048,
                len: Some(13_312)
            }
        );
        assert_eq!(
            apply_edit(&TEN, 1000, Some(Edit::from_entry(0, 300, 1000, 100))),
            (3, vec![0, 100, 200, 300, 400, 500, 600], 700)
        );
        // A length that rounds to 0 ticks still shows the frame on screen, one frame long.
        assert_eq!(Edit::from_entry(1, 0, 1_000_000, 90).len, Some(0));
        assert_eq!(
            apply_edit(&TEN, 1000, edit(300, Some(0))),
            (3, vec![0], 100)
        );
    }

    #[test]
    fn a_zero_length_last_sample_gets_the_average_frame_length() {
        let pts = [0, 100, 200, 300];
        assert_eq!(
            apply_edit(&pts, 300, None),
            (0, vec![0, 100, 200, 300], 400)
        );
        assert_eq!(
            apply_edit(&pts, 300, edit(100, None)),
            (1, vec![0, 100, 200], 300)
        );
        assert_eq!(apply_edit(&[500], 500, None), (0, vec![0], 1));
    }

    #[test]
    fn an_edit_starting_before_the_first_frame_shows_it_from_zero() {
        // The first frame fills the gap before it; the others keep their times in the edit.
        let pts = [200, 300, 400, 500];
        assert_eq!(
            apply_edit(&pts, 600, edit(0, None)),
            (0, vec![0, 300, 400, 500], 600)
        );
        assert_eq!(
            apply_edit(&pts, 600, edit(0, Some(400))),
            (0, vec![0, 300], 400)
        );
        // Ending before the first frame: that frame alone, for the edit's length.
        assert_eq!(apply_edit(&pts, 600, edit(0, Some(100))), (0, vec![0], 100));
    }

    #[test]
    fn an_edit_starting_after_the_media_shows_the_last_frame() {
        assert_eq!(apply_edit(&TEN, 1000, edit(5000, None)), (9, vec![0], 100));
        assert_eq!(
            apply_edit(&TEN, 1000, edit(i64::MAX, Some(i64::MAX))),
            (9, vec![0], 100)
        );
    }

    #[test]
    fn sniffs_common_impostors() {
        assert!(sniff(b"\x89PNG\r\n\x1a\n").contains("PNG"));
        assert!(sniff(b"  <!DOCTYPE html>").contains("HTML"));
        assert!(sniff(b"\xff\xd8\xff\xe0").contains("JPEG"));
    }
}

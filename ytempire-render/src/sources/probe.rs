//! Checking that bytes claimed to be an MP4 clip are one, and reading its size and length
//! from the container (`ftyp`, `moov/mvhd`, `moov/trak/tkhd`) without decoding video.

use ytempire_core::{Error, ErrorKind, Result};

/// What the container says about a clip.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct Mp4Probe {
    /// Width of the first video track (`tkhd`), if a `moov` was found.
    pub width: Option<u32>,
    /// Height of the first video track.
    pub height: Option<u32>,
    /// Movie duration in seconds (`mvhd`).
    pub duration_secs: Option<f64>,
}

/// Top-level (or child) boxes of `data`: `(type, payload)`.
fn boxes(data: &[u8]) -> impl Iterator<Item = ([u8; 4], &[u8])> {
    let mut pos = 0usize;
    std::iter::from_fn(move || {
        let head = data.get(pos..pos + 8)?;
        let size32 = u32::from_be_bytes([head[0], head[1], head[2], head[3]]);
        let kind = [head[4], head[5], head[6], head[7]];
        let (start, size) = match size32 {
            0 => (pos + 8, data.len() - pos),
            1 => {
                let large = data.get(pos + 8..pos + 16)?;
                let mut b = [0u8; 8];
                b.copy_from_slice(large);
                (pos + 16, usize::try_from(u64::from_be_bytes(b)).ok()?)
            }
            n => (pos + 8, n as usize),
        };
        let end = pos.checked_add(size)?;
        if size < start - pos || end > data.len() {
            return None;
        }
        let payload = &data[start..end];
        pos = end;
        Some((kind, payload))
    })
}

fn child<'a>(data: &'a [u8], kind: &[u8; 4]) -> impl Iterator<Item = &'a [u8]> {
    boxes(data).filter(move |(k, _)| k == kind).map(|(_, p)| p)
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at + 4)?;
    Some(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

fn be64(b: &[u8], at: usize) -> Option<u64> {
    let s = b.get(at..at + 8)?;
    let mut a = [0u8; 8];
    a.copy_from_slice(s);
    Some(u64::from_be_bytes(a))
}

fn duration(mvhd: &[u8]) -> Option<f64> {
    let (timescale, duration) = if *mvhd.first()? == 1 {
        (be32(mvhd, 20)?, be64(mvhd, 24)?)
    } else {
        (be32(mvhd, 12)?, u64::from(be32(mvhd, 16)?))
    };
    (timescale > 0).then(|| duration as f64 / f64::from(timescale))
}

fn track_size(tkhd: &[u8]) -> Option<(u32, u32)> {
    let at = if *tkhd.first()? == 1 { 88 } else { 76 };
    // 16.16 fixed point.
    let (w, h) = (be32(tkhd, at)? >> 16, be32(tkhd, at + 4)? >> 16);
    (w > 0 && h > 0).then_some((w, h))
}

/// Check `bytes` are an MP4 (an `ftyp` box first) and read what the `moov` says, naming
/// `what` in errors.
///
/// # Errors
/// [`ErrorKind::InvalidResponse`] for zero bytes, an HTML page, or anything not starting with
/// an `ftyp` box.
pub fn probe_mp4(bytes: &[u8], what: &str) -> Result<Mp4Probe> {
    let bad = |why: &str| Error::new(ErrorKind::InvalidResponse, format!("{what}: {why}"));
    if bytes.is_empty() {
        return Err(bad("zero-byte clip"));
    }
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(256)]).to_ascii_lowercase();
    if head.trim_start().starts_with('<') {
        return Err(bad("got an HTML page where an MP4 clip was expected"));
    }
    if bytes.get(4..8) != Some(b"ftyp") {
        return Err(bad("not an MP4 clip (no ftyp box)"));
    }
    let mut probe = Mp4Probe {
        width: None,
        height: None,
        duration_secs: None,
    };
    if let Some(moov) = child(bytes, b"moov").next() {
        probe.duration_secs = child(moov, b"mvhd").next().and_then(duration);
        if let Some((w, h)) = child(moov, b"trak")
            .filter_map(|trak| child(trak, b"tkhd").next().and_then(track_size))
            .next()
        {
            probe.width = Some(w);
            probe.height = Some(h);
        }
    }
    Ok(probe)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mk(kind: &[u8; 4], payload: &[u8]) -> Vec<u8> {
        let mut v = ((payload.len() + 8) as u32).to_be_bytes().to_vec();
        v.extend_from_slice(kind);
        v.extend_from_slice(payload);
        v
    }

    #[test]
    fn reads_size_and_duration() {
        let mut mvhd = vec![0u8; 100];
        mvhd[12..16].copy_from_slice(&1000u32.to_be_bytes());
        mvhd[16..20].copy_from_slice(&2500u32.to_be_bytes());
        let mut tkhd = vec![0u8; 84];
        tkhd[76..80].copy_from_slice(&(1080u32 << 16).to_be_bytes());
        tkhd[80..84].copy_from_slice(&(1920u32 << 16).to_be_bytes());
        let trak = mk(b"trak", &mk(b"tkhd", &tkhd));
        let moov = mk(b"moov", &[mk(b"mvhd", &mvhd), trak].concat());
        let file = [mk(b"ftyp", b"isom\0\0\0\0isom"), mk(b"mdat", b"xx"), moov].concat();
        let p = probe_mp4(&file, "f").unwrap();
        assert_eq!((p.width, p.height), (Some(1080), Some(1920)));
        assert_eq!(p.duration_secs, Some(2.5));
    }

    #[test]
    fn refuses_html_empty_and_other_bytes() {
        for bad in [&b""[..], b"<!doctype html><html>", b"GIF89a...."] {
            let e = probe_mp4(bad, "x").unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidResponse);
        }
    }
}

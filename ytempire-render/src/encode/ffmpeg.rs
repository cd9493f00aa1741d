//! An encoder that pipes raw frames into an `ffmpeg` process.
//!
//! Frames are converted to I420 (BT.601, limited range: what ffmpeg's own `rgba` →
//! `yuv420p` conversion produces) in this process ([`YuvFrame::fill_from_rgba`], or by the
//! compositor as it draws) before they are piped, which sends 3/8 of the RGBA bytes and
//! spares ffmpeg's software scaler.
//!
//! ffmpeg writes an Annex B elementary stream to its stdout with an access unit delimiter
//! before every frame (`h264_metadata=aud=insert`); a reader thread splits it into packets.
//! B-frames are disabled (`-bf 0`), so packets arrive in presentation order.

use std::io::{Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::thread::JoinHandle;

use ytempire_core::{Error, ErrorKind, Result};

use super::{Encoder, EncoderSettings, Packet, annexb_has_idr, check_yuv};
use crate::YuvFrame;

/// Which ffmpeg H.264 encoder to drive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FfmpegCodec {
    /// `libx264` (GPL, inside the ffmpeg binary).
    Libx264,
    /// `h264_nvenc` (NVIDIA hardware encoder).
    Nvenc,
}

impl FfmpegCodec {
    /// ffmpeg's name for the encoder.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Libx264 => "libx264",
            Self::Nvenc => "h264_nvenc",
        }
    }
}

/// Whether an `ffmpeg` binary runs.
pub fn ffmpeg_available() -> bool {
    Command::new("ffmpeg")
        .arg("-version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// Whether `ffmpeg -encoders` lists `name`.
pub fn ffmpeg_has_encoder(name: &str) -> bool {
    Command::new("ffmpeg")
        .args(["-hide_banner", "-encoders"])
        .stderr(Stdio::null())
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .split_whitespace()
                .any(|w| w == name)
        })
        .unwrap_or(false)
}

/// Whether `h264_nvenc` actually opens (ffmpeg builds list it even on machines without an
/// NVIDIA GPU): encodes a few blank frames to nowhere.
pub fn nvenc_usable() -> bool {
    ffmpeg_has_encoder("h264_nvenc")
        && Command::new("ffmpeg")
            .args(["-v", "error", "-f", "lavfi", "-i", "color=s=256x256:d=0.2"])
            .args(["-c:v", "h264_nvenc", "-f", "null", "-"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
}

/// Raw frames in, H.264 packets out, through an `ffmpeg` child process.
pub struct FfmpegEncoder {
    settings: EncoderSettings,
    codec: FfmpegCodec,
    child: Child,
    stdin: Option<ChildStdin>,
    packets: Receiver<Vec<u8>>,
    reader: Option<JoinHandle<std::io::Result<()>>>,
    stderr: Option<JoinHandle<String>>,
    next: i64,
    yuv: YuvFrame,
}

impl std::fmt::Debug for FfmpegEncoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FfmpegEncoder")
            .field("codec", &self.codec)
            .field("settings", &self.settings)
            .field("frames", &self.next)
            .finish()
    }
}

fn ffmpeg_err(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::Encode, msg)
}

impl FfmpegEncoder {
    /// Start `ffmpeg` with `codec`; fails with `Config` if ffmpeg cannot be started.
    pub fn new(settings: EncoderSettings, codec: FfmpegCodec) -> Result<Self> {
        settings.validate()?;
        let size = format!("{}x{}", settings.width, settings.height);
        let rate = settings.fps.to_string();
        let gop = settings.gop.to_string();
        let bitrate = settings.bitrate_bps.to_string();
        let bufsize = (u64::from(settings.bitrate_bps) * 2).to_string();
        let mut cmd = Command::new("ffmpeg");
        cmd.args([
            "-hide_banner",
            "-loglevel",
            "error",
            "-nostdin",
            "-f",
            "rawvideo",
        ])
        .args([
            "-pix_fmt", "yuv420p", "-s", &size, "-r", &rate, "-i", "pipe:0", "-an",
        ])
        .args(["-c:v", codec.as_str()]);
        match codec {
            FfmpegCodec::Libx264 => {
                cmd.args(["-preset", settings.preset.as_str(), "-profile:v", "high"])
                    .args(["-flags", "+cgop", "-sc_threshold", "0", "-keyint_min", &gop]);
            }
            FfmpegCodec::Nvenc => {
                cmd.args(["-preset", "p4", "-profile:v", "high", "-forced-idr", "1"]);
            }
        }
        cmd.args(["-g", &gop, "-bf", "0", "-pix_fmt", "yuv420p"]);
        match (codec, settings.crf) {
            (FfmpegCodec::Libx264, Some(crf)) => {
                cmd.args(["-crf", &crf.to_string()]);
            }
            _ => {
                cmd.args(["-b:v", &bitrate]);
            }
        }
        cmd.args(["-maxrate", &bitrate, "-bufsize", &bufsize])
            .args(["-bsf:v", "h264_metadata=aud=insert", "-f", "h264", "pipe:1"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd
            .spawn()
            .map_err(|e| Error::config(format!("cannot start ffmpeg: {e}")))?;
        let stdin = child.stdin.take();
        let stdout = child.stdout.take();
        let stderr = child.stderr.take();
        let (Some(stdin), Some(stdout), Some(mut stderr)) = (stdin, stdout, stderr) else {
            return Err(Error::internal("ffmpeg pipes missing"));
        };
        let yuv = YuvFrame::default();
        let (tx, rx) = channel();
        let reader = std::thread::Builder::new()
            .name("ffmpeg-h264-reader".into())
            .spawn(move || split_access_units(stdout, &tx))
            .map_err(|e| Error::io("spawning the ffmpeg reader", e))?;
        let stderr = std::thread::Builder::new()
            .name("ffmpeg-stderr".into())
            .spawn(move || {
                let mut s = String::new();
                let _ = stderr.read_to_string(&mut s);
                s
            })
            .map_err(|e| Error::io("spawning the ffmpeg stderr reader", e))?;
        Ok(Self {
            settings,
            codec,
            child,
            stdin: Some(stdin),
            packets: rx,
            reader: Some(reader),
            stderr: Some(stderr),
            next: 0,
            yuv,
        })
    }

    fn packet(&mut self, data: Vec<u8>) -> Packet {
        let i = self.next;
        self.next += 1;
        Packet {
            keyframe: annexb_has_idr(&data),
            data,
            pts: i,
            dts: i,
        }
    }

    fn ready(&mut self) -> Vec<Packet> {
        let mut out = Vec::new();
        while let Ok(data) = self.packets.try_recv() {
            out.push(self.packet(data));
        }
        out
    }

    fn failure(&mut self, what: &str) -> Error {
        self.stdin = None;
        let _ = self.child.wait();
        let log = self
            .stderr
            .take()
            .and_then(|h| h.join().ok())
            .unwrap_or_default();
        ffmpeg_err(format!("ffmpeg {what}: {}", log.trim()))
    }
}

/// Read an Annex B stream and send one buffer per access unit (split at AUD NAL units).
fn split_access_units(mut src: impl Read, tx: &Sender<Vec<u8>>) -> std::io::Result<()> {
    let mut buf: Vec<u8> = Vec::with_capacity(1 << 20);
    let mut chunk = vec![0u8; 1 << 16];
    // Position from which to look for the next AUD start code.
    let mut scan = 0usize;
    loop {
        let n = src.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
        loop {
            // Find an AUD start code after the first byte (the current AU starts with one).
            let from = scan.max(1);
            let found = buf
                .get(from..)
                .and_then(|rest| {
                    rest.windows(4)
                        .position(|w| w[..3] == [0, 0, 1] && w[3] & 0x1f == 9)
                })
                .map(|p| p + from);
            match found {
                Some(p) => {
                    let cut = if p > 0 && buf[p - 1] == 0 { p - 1 } else { p };
                    if cut == 0 {
                        scan = p + 1;
                        continue;
                    }
                    let rest = buf.split_off(cut);
                    let au = std::mem::replace(&mut buf, rest);
                    scan = 1;
                    if tx.send(au).is_err() {
                        return Ok(());
                    }
                }
                None => {
                    scan = buf.len().saturating_sub(4);
                    break;
                }
            }
        }
    }
    if !buf.is_empty() {
        let _ = tx.send(buf);
    }
    Ok(())
}

impl Encoder for FfmpegEncoder {
    fn name(&self) -> String {
        format!("ffmpeg:{}", self.codec.as_str())
    }

    /// libx264 threads over every core; NVENC encodes on the GPU, and ffmpeg's colour
    /// conversion and muxing keep about one core busy.
    fn threads(&self) -> usize {
        match self.codec {
            FfmpegCodec::Libx264 => super::available_cores(),
            FfmpegCodec::Nvenc => 1,
        }
    }

    fn conversion_buffer(&mut self) -> &mut YuvFrame {
        &mut self.yuv
    }

    fn encode_yuv(&mut self, frame: &YuvFrame) -> Result<Vec<Packet>> {
        check_yuv(&self.settings, frame)?;
        let Some(stdin) = self.stdin.as_mut() else {
            return Err(ffmpeg_err("ffmpeg encoder already finished"));
        };
        let ok = [&frame.y, &frame.u, &frame.v]
            .iter()
            .all(|plane| stdin.write_all(plane).is_ok());
        if !ok {
            return Err(self.failure("stopped accepting frames"));
        }
        Ok(self.ready())
    }

    fn finish(&mut self) -> Result<Vec<Packet>> {
        self.stdin = None;
        let read = self.reader.take().map(|h| h.join());
        let status = self
            .child
            .wait()
            .map_err(|e| Error::io("waiting for ffmpeg", e))?;
        if !status.success() || !matches!(read, Some(Ok(Ok(())))) {
            return Err(self.failure("failed"));
        }
        Ok(self.ready())
    }
}

impl Drop for FfmpegEncoder {
    fn drop(&mut self) {
        self.stdin = None;
        if self.reader.is_some() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_at_access_unit_delimiters() {
        let stream: Vec<u8> = [
            &[0u8, 0, 0, 1, 0x09, 0xf0][..],
            &[0, 0, 0, 1, 0x67, 1, 2],
            &[0, 0, 0, 1, 0x65, 3, 4],
            &[0, 0, 0, 1, 0x09, 0xf0],
            &[0, 0, 1, 0x41, 5, 6],
        ]
        .concat();
        let (tx, rx) = channel();
        // Feed it through a reader that returns 3 bytes at a time to cross chunk borders.
        struct Slow<'a>(&'a [u8]);
        impl Read for Slow<'_> {
            fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
                let n = self.0.len().min(3).min(out.len());
                out[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        split_access_units(Slow(&stream), &tx).unwrap();
        drop(tx);
        let aus: Vec<Vec<u8>> = rx.iter().collect();
        assert_eq!(aus.len(), 2);
        assert_eq!(aus[0], stream[..20].to_vec());
        assert_eq!(aus[1], stream[20..].to_vec());
        assert!(annexb_has_idr(&aus[0]));
        assert!(!annexb_has_idr(&aus[1]));
    }
}

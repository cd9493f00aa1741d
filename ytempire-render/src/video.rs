//! Timeline to MP4 (called `pipeline` before; not the job pipeline of `ytempire_core::pipeline`):
//! timeline → compositor → bounded channel → encoder thread → MP4.
//!
//! [`render_video`] (async) and [`render_video_blocking`] validate the timeline, start the
//! soundtrack (mix, loudness, AAC) on its own thread, then composite frames one at a time on
//! the calling thread and hand them through a bounded channel to an encoder thread that
//! streams packets into the MP4 muxer. The CPU compositor hands over I420 planes it drew
//! directly or converted band by band as it drew ([`Compositor::draws_yuv`]); the GPU
//! compositor hands over RGBA frames, which the encoder thread converts. Until the soundtrack
//! is ready the encoder thread parks its packets in a temporary file (the muxer interleaves
//! audio every half second, so it needs the audio first) and replays them once it is; a
//! failing soundtrack (a missing or corrupt narration) stops the render as soon as it fails.
//! Frame buffers are recycled through a second channel, so memory stays flat whatever the
//! video's length. The MP4 is written to a temporary sibling of `out` and renamed into place
//! only when complete: on any error nothing is left under the final name. A render counts its
//! frames in the render metrics as they are drawn and, when finished, sets its frames per
//! second ([`ytempire_core::telemetry`]).

use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::time::{Duration, Instant};

use ytempire_core::{Error, ErrorKind, Result, Timeline};

use crate::audio::{self, Loudness, MixSettings};
use crate::compositor::{Backend, Compositor, auto_compositor};
use crate::encode::{Encoder, EncoderChoice, EncoderSettings, Packet, Preset, create_encoder};
use crate::mux::{AudioInput, Mp4Writer, MuxSummary, PacketSpool};
use crate::scene::{RenderPlan, SceneStyle};
use crate::{CpuCompositor, Frame, YuvFrame};

/// Which compositor draws the frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CompositorChoice {
    /// GPU on a hardware adapter, else CPU ([`auto_compositor`]; `YTEMPIRE_COMPOSITOR` overrides).
    #[default]
    Auto,
    /// Always the CPU compositor.
    Cpu,
    /// The wgpu compositor; an error when no adapter exists.
    #[cfg(feature = "gpu")]
    Gpu,
}

/// How to render.
#[derive(Debug, Clone)]
pub struct RenderOptions {
    /// Compositor backend.
    pub compositor: CompositorChoice,
    /// H.264 encoder.
    pub encoder: EncoderChoice,
    /// Encoder speed preset.
    pub preset: Preset,
    /// Video bitrate (the ceiling when `crf` is set); `None` uses YouTube's recommendation
    /// for the resolution.
    pub video_bitrate_bps: Option<u32>,
    /// Constant quality under that ceiling, for encoders that have it (see
    /// [`EncoderSettings::crf`]); `None` encodes at a constant bitrate.
    pub crf: Option<u8>,
    /// AAC bitrate in bits/s.
    pub audio_bitrate_bps: u32,
    /// AAC encoder (`syom` unless the `fdk-aac` feature is on and FDK is chosen).
    pub aac: audio::aac::AacEncoder,
    /// Look of captions, backgrounds and overlays.
    pub style: SceneStyle,
    /// Narration/music mix and loudness target.
    pub mix: MixSettings,
    /// Frames in flight between compositor and encoder (at least 1).
    pub channel_capacity: usize,
}

impl Default for RenderOptions {
    fn default() -> Self {
        Self {
            compositor: CompositorChoice::Auto,
            encoder: EncoderChoice::Auto,
            preset: Preset::Veryfast,
            video_bitrate_bps: None,
            crf: Some(crate::encode::DEFAULT_CRF),
            audio_bitrate_bps: 192_000,
            aac: audio::aac::AacEncoder::default(),
            style: SceneStyle::default(),
            mix: MixSettings::default(),
            channel_capacity: 4,
        }
    }
}

/// What a render produced.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderReport {
    /// Video frames written.
    pub frames: u64,
    /// Video duration.
    pub duration: Duration,
    /// Compositor backend used.
    pub backend: Backend,
    /// Encoder used (e.g. `openh264`, `ffmpeg:libx264`).
    pub encoder: String,
    /// Frames per second achieved over the whole render (wall clock).
    pub fps_achieved: f64,
    /// Size of the MP4 in bytes.
    pub output_bytes: u64,
    /// Integrated loudness of the soundtrack after normalisation (LUFS; `-inf` if silent).
    pub loudness_lufs: f64,
    /// True peak of the soundtrack after normalisation (dBTP).
    pub true_peak_dbtp: f64,
    /// Whether `moov` precedes `mdat`.
    pub fast_start: bool,
    /// Where the MP4 is.
    pub path: PathBuf,
}

/// Render `timeline` to an MP4 at `out` on a blocking thread (see [`render_video_blocking`]).
///
/// ```no_run
/// # async fn demo(timeline: ytempire_core::Timeline) -> ytempire_core::Result<()> {
/// use ytempire_render::video::{RenderOptions, render_video};
/// let report = render_video(&timeline, &RenderOptions::default(), "out.mp4".as_ref()).await?;
/// println!("{} frames at {:.1} fps on {}", report.frames, report.fps_achieved, report.backend);
/// # Ok(())
/// # }
/// ```
pub async fn render_video(
    timeline: &Timeline,
    opts: &RenderOptions,
    out: &Path,
) -> Result<RenderReport> {
    render_video_with_progress(timeline, opts, out, |_, _| {}).await
}

/// [`render_video`], calling `progress(frames_drawn, frames_total)` from the render thread
/// as frames are drawn: each time the whole percentage drawn grows (every frame of a video
/// under [`PROGRESS_STEPS`] frames, at most [`PROGRESS_STEPS`] times in all), the last call
/// with `frames_drawn == frames_total`. Keep `progress` cheap (send it on a channel).
pub async fn render_video_with_progress(
    timeline: &Timeline,
    opts: &RenderOptions,
    out: &Path,
    progress: impl Fn(u64, u64) + Send + 'static,
) -> Result<RenderReport> {
    let timeline = timeline.clone();
    let opts = opts.clone();
    let out = out.to_path_buf();
    tokio::task::spawn_blocking(move || {
        render_video_blocking_with_progress(&timeline, &opts, &out, &progress)
    })
    .await
    .map_err(|e| Error::internal(format!("render task failed: {e}")))?
}

/// How many progress calls a render makes at most (one per 1 % of its frames).
pub const PROGRESS_STEPS: u64 = 100;

fn make_compositor(choice: CompositorChoice) -> Result<Box<dyn Compositor>> {
    Ok(match choice {
        CompositorChoice::Auto => auto_compositor(),
        CompositorChoice::Cpu => Box::new(CpuCompositor::new()),
        #[cfg(feature = "gpu")]
        CompositorChoice::Gpu => Box::new(crate::GpuCompositor::new()?),
    })
}

/// Render synchronously: the compositor runs on this thread, the encoder and muxer on one
/// of their own, the soundtrack on another. Typed errors: `InvalidRequest` (bad timeline or
/// spec: fps 0, odd sizes, no segments), `NotFound` (missing narration, music or image),
/// `Render`, `Encode`, `Io`.
pub fn render_video_blocking(
    timeline: &Timeline,
    opts: &RenderOptions,
    out: &Path,
) -> Result<RenderReport> {
    render_video_blocking_with_progress(timeline, opts, out, &|_, _| {})
}

/// [`render_video_blocking`] with a progress callback, as in [`render_video_with_progress`].
pub fn render_video_blocking_with_progress(
    timeline: &Timeline,
    opts: &RenderOptions,
    out: &Path,
    progress: &dyn Fn(u64, u64),
) -> Result<RenderReport> {
    let started = Instant::now();
    timeline.validate()?;
    let scene = RenderPlan::from_timeline(timeline, &opts.style)?;
    let spec = scene.spec();
    let mut settings = EncoderSettings::youtube(&spec)?;
    settings.preset = opts.preset;
    if let Some(b) = opts.video_bitrate_bps {
        settings.bitrate_bps = b;
    }
    settings.crf = opts.crf;
    let frames = scene.frame_count();
    if frames == 0 {
        return Err(Error::invalid_request(
            "the timeline is shorter than one frame",
        ));
    }
    let video_secs = frames as f64 / f64::from(spec.fps);

    // The soundtrack is made on its own thread while frames are drawn and encoded.
    let soundtrack = {
        let narration = timeline.narration.clone();
        let music = timeline.music.clone();
        let (mix, bitrate, aac) = (opts.mix, opts.audio_bitrate_bps, opts.aac);
        std::thread::Builder::new()
            .name("ytempire-audio".into())
            .spawn(move || {
                audio::stream::soundtrack_aac(
                    narration.as_deref(),
                    music.as_deref(),
                    video_secs,
                    &mix,
                    bitrate,
                    aac,
                )
            })
            .map_err(|e| Error::io("spawning the soundtrack thread", e))?
    };

    let encoder = create_encoder(&opts.encoder, settings)?;
    let encoder_name = encoder.name();
    let mut compositor = make_compositor(opts.compositor)?;
    let backend = compositor.backend();
    // The encoder thread keeps its cores; the compositor draws on the others, so neither
    // waits for the other on a small machine (the limit bench's (b)/(a), docs/rendering.md).
    compositor.leave_cores(encoder.threads())?;
    compositor.prepare(&scene)?;
    tracing::info!(%backend, encoder = %encoder_name, frames, "rendering");

    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|e| Error::io(format!("creating {}", parent.display()), e))?;
    }
    let tmp = ytempire_core::fs::temp_path_for(out);
    let result = (|| {
        let sink = Sink::waiting(
            PendingAudio {
                soundtrack,
                path: tmp.clone(),
                fps: spec.fps,
                frames,
            },
            PacketSpool::new()?,
        );
        let fps = f64::from(spec.fps);
        // Report when the whole percentage drawn grows: every frame of a short video, one
        // in a hundred of a long one. The frame counter moves at the same steps, so a
        // scrape during a long render sees it grow.
        let mut reported = 0;
        let mut counted = 0;
        let frame_counter = frames_counter(backend, &encoder_name);
        let mut drawn = |i: u64| {
            let drawn = i + 1;
            let step = drawn * PROGRESS_STEPS / frames;
            if step > reported || drawn == frames {
                reported = step;
                progress(drawn, frames);
                frame_counter.increment(drawn - counted);
                counted = drawn;
            }
        };
        let (w, h, capacity) = (spec.width, spec.height, opts.channel_capacity);
        // A compositor that draws I420 itself converts each band while it is in cache; the
        // encoder then codes the planes as they come.
        let yuv = compositor.draws_yuv();
        let c = compositor.as_mut();
        let mut draw = |i: u64, frame: &mut dyn Picture| {
            frame.draw(c, &scene, i as f64 / fps)?;
            drawn(i);
            Ok(())
        };
        if yuv {
            encode_into(
                w,
                h,
                frames,
                encoder,
                sink,
                capacity,
                |i, f: &mut YuvFrame| draw(i, f),
            )
        } else {
            encode_into(w, h, frames, encoder, sink, capacity, |i, f: &mut Frame| {
                draw(i, f)
            })
        }
    })();
    let (summary, loudness) = match result {
        Ok((s, Some(l))) => (s, l),
        Ok((_, None)) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(Error::internal("the soundtrack was never joined"));
        }
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
    };
    ytempire_core::fs::commit_temp(&tmp, out)?;
    let elapsed = started.elapsed().as_secs_f64().max(1e-9);
    let fps_achieved = summary.video_frames as f64 / elapsed;
    record_render_fps(backend, &encoder_name, fps_achieved);
    Ok(RenderReport {
        frames: summary.video_frames,
        duration: Duration::from_secs_f64(video_secs),
        backend,
        encoder: encoder_name,
        fps_achieved,
        output_bytes: summary.bytes,
        loudness_lufs: loudness.integrated_lufs,
        true_peak_dbtp: loudness.true_peak_dbtp,
        fast_start: summary.fast_start,
        path: out.to_path_buf(),
    })
}

/// The frames counter of renders by this compositor and encoder
/// ([`ytempire_core::telemetry`]: `ytempire_render_frames_total`), advanced as frames are
/// drawn.
fn frames_counter(backend: Backend, encoder: &str) -> metrics::Counter {
    use ytempire_core::telemetry::RENDER_FRAMES_TOTAL;
    metrics::counter!(RENDER_FRAMES_TOTAL, "compositor" => backend.to_string(), "encoder" => encoder.to_owned())
}

/// Set a finished render's frames per second (`ytempire_render_frames_per_second`, by
/// compositor and encoder).
fn record_render_fps(backend: Backend, encoder: &str, fps: f64) {
    use ytempire_core::telemetry::RENDER_FRAMES_PER_SECOND;
    metrics::gauge!(RENDER_FRAMES_PER_SECOND, "compositor" => backend.to_string(), "encoder" => encoder.to_owned())
        .set(fps);
}

/// Drive any frame source through the encoder thread into `writer`: `draw(i, frame)` fills
/// frame `i`. Exposed so callers with their own frame source (tests, benches) share the
/// threading and muxing code.
pub fn encode_frames(
    width: u32,
    height: u32,
    frames: u64,
    encoder: Box<dyn Encoder>,
    writer: Mp4Writer,
    capacity: usize,
    draw: impl FnMut(u64, &mut Frame) -> Result<()>,
) -> Result<MuxSummary> {
    let sink = Sink {
        writer: Some(writer),
        pending: None,
        loudness: None,
    };
    encode_into(width, height, frames, encoder, sink, capacity, draw).map(|(s, _)| s)
}

/// A picture the encoder thread codes: an RGBA [`Frame`] (converted on that thread) or an
/// I420 [`YuvFrame`] (coded as it is).
trait Picture: Send {
    fn blank(width: u32, height: u32) -> Result<Self>
    where
        Self: Sized;
    fn draw(&mut self, c: &mut dyn Compositor, scene: &RenderPlan, t_secs: f64) -> Result<()>;
    fn encode_with(&self, encoder: &mut dyn Encoder) -> Result<Vec<Packet>>;
}

impl Picture for Frame {
    fn blank(width: u32, height: u32) -> Result<Self> {
        Frame::new(width, height)
    }
    fn draw(&mut self, c: &mut dyn Compositor, scene: &RenderPlan, t_secs: f64) -> Result<()> {
        c.render_frame(scene, t_secs, self)
    }
    fn encode_with(&self, encoder: &mut dyn Encoder) -> Result<Vec<Packet>> {
        encoder.encode(self)
    }
}

impl Picture for YuvFrame {
    fn blank(width: u32, height: u32) -> Result<Self> {
        YuvFrame::new(width, height)
    }
    fn draw(&mut self, c: &mut dyn Compositor, scene: &RenderPlan, t_secs: f64) -> Result<()> {
        c.render_frame_yuv(scene, t_secs, self)
    }
    fn encode_with(&self, encoder: &mut dyn Encoder) -> Result<Vec<Packet>> {
        encoder.encode_yuv(self)
    }
}

/// [`encode_frames`] into a [`Sink`], for either kind of [`Picture`]; also returns the
/// soundtrack's loudness when the sink was waiting for one.
fn encode_into<P: Picture + Sized + 'static>(
    width: u32,
    height: u32,
    frames: u64,
    encoder: Box<dyn Encoder>,
    sink: Sink,
    capacity: usize,
    mut draw: impl FnMut(u64, &mut P) -> Result<()>,
) -> Result<(MuxSummary, Option<Loudness>)> {
    let capacity = capacity.max(1);
    let (to_encoder, from_compositor) = sync_channel::<P>(capacity);
    let (recycle_tx, recycle_rx) = sync_channel::<P>(capacity + 1);
    let worker = std::thread::Builder::new()
        .name("ytempire-encoder".into())
        .spawn(move || encoder_thread(encoder, sink, &from_compositor, &recycle_tx))
        .map_err(|e| Error::io("spawning the encoder thread", e))?;
    let mut produce = || -> Result<()> {
        for i in 0..frames {
            let mut frame = match recycle_rx.try_recv() {
                Ok(f) => f,
                Err(_) => P::blank(width, height)?,
            };
            draw(i, &mut frame)?;
            if to_encoder.send(frame).is_err() {
                // The encoder stopped early; its error is reported below.
                break;
            }
        }
        Ok(())
    };
    let produced = produce();
    drop(to_encoder);
    let encoded = worker
        .join()
        .map_err(|_| Error::internal("the encoder thread panicked"))?;
    // The encoder's error first: when it stops early (a failed soundtrack, a full disk) the
    // compositor may have stopped only because of it.
    let (summary, loudness) = encoded?;
    produced?;
    if summary.video_frames != frames {
        return Err(Error::new(
            ErrorKind::Encode,
            format!("encoded {} of {frames} frames", summary.video_frames),
        ));
    }
    Ok((summary, loudness))
}

/// A soundtrack being made on its own thread, and where the MP4 goes once it is ready.
struct PendingAudio {
    soundtrack: std::thread::JoinHandle<Result<(AudioInput, Loudness)>>,
    path: PathBuf,
    fps: u32,
    frames: u64,
}

/// Where the encoder thread's packets go: the muxer, or, while the soundtrack it interleaves
/// is still being made, a spool that is replayed into the muxer once it is ready.
struct Sink {
    writer: Option<Mp4Writer>,
    pending: Option<(PendingAudio, PacketSpool)>,
    loudness: Option<Loudness>,
}

impl Sink {
    fn waiting(audio: PendingAudio, spool: PacketSpool) -> Self {
        Self {
            writer: None,
            pending: Some((audio, spool)),
            loudness: None,
        }
    }

    /// Join the soundtrack thread (waiting for it when `wait`, else only if it has ended),
    /// open the muxer and replay the parked packets into it.
    fn settle(&mut self, wait: bool) -> Result<()> {
        let ready = self
            .pending
            .as_ref()
            .is_some_and(|(a, _)| wait || a.soundtrack.is_finished());
        if !ready {
            return Ok(());
        }
        let Some((audio, spool)) = self.pending.take() else {
            return Ok(());
        };
        let (input, loudness) = audio
            .soundtrack
            .join()
            .map_err(|_| Error::internal("the soundtrack thread panicked"))??;
        let mut writer = Mp4Writer::create(&audio.path, audio.fps, audio.frames, Some(input))?;
        spool.replay(|p| writer.write_video(p))?;
        self.writer = Some(writer);
        self.loudness = Some(loudness);
        Ok(())
    }

    fn write(&mut self, packet: &Packet) -> Result<()> {
        match (&mut self.writer, &mut self.pending) {
            (Some(w), _) => w.write_video(packet),
            (None, Some((_, spool))) => spool.push(packet),
            (None, None) => Err(Error::internal("the MP4 writer is gone")),
        }
    }

    fn finish(mut self) -> Result<(MuxSummary, Option<Loudness>)> {
        self.settle(true)?;
        let writer = self
            .writer
            .ok_or_else(|| Error::internal("the MP4 writer is gone"))?;
        Ok((writer.finish()?, self.loudness))
    }
}

fn encoder_thread<P: Picture + Sized + 'static>(
    mut encoder: Box<dyn Encoder>,
    mut sink: Sink,
    frames: &Receiver<P>,
    recycle: &SyncSender<P>,
) -> Result<(MuxSummary, Option<Loudness>)> {
    for frame in frames.iter() {
        for packet in frame.encode_with(encoder.as_mut())? {
            sink.write(&packet)?;
        }
        // Take the soundtrack as soon as it is ready; one that failed stops the render now,
        // not after the last frame.
        sink.settle(false)?;
        let _ = recycle.try_send(frame);
    }
    for packet in encoder.finish()? {
        sink.write(&packet)?;
    }
    sink.finish()
}

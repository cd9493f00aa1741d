//! To the encoder's limit: how close a full render comes to the cost of encoding alone.
//!
//! For each job and each encoder, the job's frames are composited once (CPU compositor) and
//! kept in memory; then, alternating, (a) the encoder alone encodes those RGBA frames (its
//! thread converts each to I420 first, as `Encoder::encode` does), (a') the encoder alone
//! encodes the same frames already converted to I420 (coding only), and (b) the full render
//! of the same job runs (compositor, encoder, soundtrack, MP4). Prints the best wall time of
//! each over the rounds and the ratios (b)/(a) and (b)/(a'): 1.00 would mean compositing,
//! audio and muxing cost nothing beyond the encoder. The CPU compositor draws I420 itself in
//! (b), converting each band on its own threads, so with a one-thread encoder (openh264) (b)
//! can beat (a): the conversion left the encoder's core; (b)/(a') is the stricter figure.
//! (c) is the one-off compositing of all frames on one thread; it allocates and keeps every
//! frame (8 MB each at 1080p), which the render does not, and draws RGBA, while the render
//! draws most frames (opaque stills under overlays) straight into the I420 planes at about a
//! third of the cost, so it overstates the compositor's share of (b). The mean CPU seconds (user + system, this process) of each run show how
//! much work each adds and how many cores it kept busy.
//!
//! ```text
//! cargo bench -p ytempire-benches --bench limit [--features x264] -- [ROUNDS] [SECS]
//! ```
//! (defaults: 3 rounds, 10 s per job). Jobs, 1080p30:
//! - `reference`: one still, Ken Burns 1.0→1.3, one caption line, a narration (the job of
//!   `benches/render_vs_ffmpeg.sh`);
//! - `quickstart`: four procedural scenes with their key phrase as a headline, crossfades,
//!   word-highlighted captions at speech pace, narration and the generated music bed.
//!
//! Encoders: the bundled openh264 and, with `--features x264`, libx264 in this process
//! (veryfast, CRF 23, as the reference comparison with ffmpeg uses).
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "bench")]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use ytempire_core::{
    ImageRequest, ImageSource, Motion, Segment, Timeline, Transition, VideoSpec, Visual, WordTiming,
};
use ytempire_render::audio::AudioBuffer;
use ytempire_render::audio::music::{ambient_bed, write_mono_wav};
use ytempire_render::encode::{EncoderChoice, EncoderSettings, Preset, create_encoder};
use ytempire_render::scene::RenderPlan;
use ytempire_render::sources::Procedural;
use ytempire_render::video::{CompositorChoice, RenderOptions, render_video_blocking};
use ytempire_render::{Compositor, CpuCompositor, Frame, SceneStyle, YuvFrame};

const WORDS: &str = "Octopuses change colour in a fraction of a second because their skin holds \
    thousands of tiny sacs of pigment that muscles stretch and squeeze while the brain watches \
    the world around them and picks a pattern that hides them from every hungry eye";

/// A mono narration tone of `secs` with syllable-like bursts (the soundtrack's work is the
/// same as for speech: resampling, mixing, ducking, loudness, AAC).
fn narration(path: &Path, secs: f64) {
    let rate = 48_000u32;
    let samples = (0..(secs * f64::from(rate)) as usize)
        .map(|i| {
            let t = i as f64 / f64::from(rate);
            let env = (t * 2.5 * std::f64::consts::PI).sin().abs();
            (0.3 * env * (t * 180.0 * std::f64::consts::TAU).sin()) as f32
        })
        .collect();
    write_mono_wav(
        &AudioBuffer {
            sample_rate: rate,
            samples,
        },
        path,
    )
    .unwrap();
}

/// Captions at speech pace (2.5 words a second) from `WORDS`, repeated to fill `secs`.
fn captions(secs: f64) -> Vec<WordTiming> {
    let words: Vec<&str> = WORDS.split_whitespace().collect();
    (0..(secs * 2.5) as usize)
        .map(|i| {
            let start = i as f64 * 0.4;
            WordTiming::new(words[i % words.len()], start, start + 0.34)
        })
        .collect()
}

fn still(dir: &Path) -> Visual {
    let path = dir.join("still.png");
    ytempire_render::reference::write_still(&path).unwrap();
    Visual::image_file("still", 1920, 1080, path)
}

fn reference(dir: &Path, secs: f64) -> Timeline {
    let mut t = Timeline::new(VideoSpec::new(1920, 1080, 30))
        .with_segment(ytempire_render::reference::segment(still(dir), secs));
    t.captions = vec![WordTiming::new(
        ytempire_render::reference::CAPTION,
        0.0,
        secs,
    )];
    let wav = dir.join("reference.wav");
    narration(&wav, secs);
    t.narration = Some(wav);
    t
}

async fn quickstart(dir: &Path, secs: f64) -> Timeline {
    let cues = [
        "octopus skin cells",
        "colour changing pigment",
        "hiding on the reef",
        "the brain in charge",
    ];
    let mut t = Timeline::new(VideoSpec::new(1920, 1080, 30));
    let part = secs / cues.len() as f64;
    for (i, cue) in cues.iter().enumerate() {
        let req = ImageRequest::new(*cue, 1920, 1080).with_theme("How octopuses change colour");
        let visual = Procedural::new()
            .fetch(&req)
            .await
            .unwrap()
            .visuals
            .remove(0);
        let start = (i as f64 * part - 0.5).max(0.0);
        let mut seg =
            Segment::new(visual, start, (i + 1) as f64 * part).with_motion(Motion::KenBurns {
                from_zoom: 1.0,
                to_zoom: 1.15,
                from_center: (0.45, 0.5),
                to_center: (0.55, 0.5),
            });
        if i > 0 {
            seg = seg.with_transition(Transition::Crossfade { secs: 0.5 });
        }
        t = t.with_segment(seg);
    }
    t.captions = captions(secs);
    let wav = dir.join("quickstart.wav");
    narration(&wav, secs);
    t.narration = Some(wav);
    let music = dir.join("bed.wav");
    ambient_bed(7, 48_000).write_wav(&music).unwrap();
    t.music = Some(music);
    t
}

/// A job's frames, as drawn or converted.
enum Frames {
    Rgba(Vec<Frame>),
    I420(Vec<YuvFrame>),
}

impl Frames {
    fn len(&self) -> usize {
        match self {
            Self::Rgba(f) => f.len(),
            Self::I420(f) => f.len(),
        }
    }
}

/// Every frame of `timeline`, composited once.
fn frames(timeline: &Timeline, style: &SceneStyle) -> Vec<Frame> {
    let plan = RenderPlan::from_timeline(timeline, style).unwrap();
    let mut c = CpuCompositor::new();
    c.prepare(&plan).unwrap();
    let fps = f64::from(plan.spec().fps);
    (0..plan.frame_count())
        .map(|i| {
            let mut f = Frame::new(plan.spec().width, plan.spec().height).unwrap();
            c.render_frame(&plan, i as f64 / fps, &mut f).unwrap();
            f
        })
        .collect()
}

fn options(encoder: &EncoderChoice) -> RenderOptions {
    RenderOptions {
        compositor: CompositorChoice::Cpu,
        encoder: encoder.clone(),
        preset: Preset::Veryfast,
        crf: Some(23),
        ..RenderOptions::default()
    }
}

/// CPU seconds this process has used so far (user + system, from `/proc/self/stat`; 0 where
/// that file does not exist).
fn cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may hold spaces) start at `state`; utime and
    // stime are the 12th and 13th of them, in clock ticks (100 a second on Linux).
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let ticks: Vec<f64> = rest
        .split_whitespace()
        .filter_map(|f| f.parse().ok())
        .collect();
    ticks.get(10..12).map_or(0.0, |t| (t[0] + t[1]) / 100.0)
}

/// (a): the encoder alone over `frames`, RGBA (converted on the encoder's thread) or, for
/// (a'), already I420.
fn encode_only(frames: &Frames, spec: &VideoSpec, opts: &RenderOptions) -> Duration {
    let mut settings = EncoderSettings::youtube(spec).unwrap();
    settings.preset = opts.preset;
    settings.crf = opts.crf;
    let started = Instant::now();
    let mut enc = create_encoder(&opts.encoder, settings).unwrap();
    let mut packets = 0;
    match frames {
        Frames::Rgba(frames) => {
            for f in frames {
                packets += enc.encode(f).unwrap().len();
            }
        }
        Frames::I420(frames) => {
            for f in frames {
                packets += enc.encode_yuv(f).unwrap().len();
            }
        }
    }
    let frames = frames.len();
    packets += enc.finish().unwrap().len();
    assert_eq!(packets, frames, "one packet per frame");
    started.elapsed()
}

/// (b): the full render.
fn full_render(timeline: &Timeline, opts: &RenderOptions, out: &Path) -> Duration {
    let started = Instant::now();
    let report = render_video_blocking(timeline, opts, out).unwrap();
    assert!(report.frames > 0);
    started.elapsed()
}

fn main() {
    // `cargo bench` passes `--bench`; numbers are ours.
    let nums: Vec<f64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let rounds = nums.first().map_or(3, |r| (*r as usize).max(1));
    let secs = nums.get(1).copied().unwrap_or(10.0).clamp(1.0, 60.0);
    let dir: PathBuf = std::env::temp_dir().join(format!("ytempire-limit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let jobs = [
        ("reference", reference(&dir, secs)),
        ("quickstart", rt.block_on(quickstart(&dir, secs))),
    ];
    let encoders = [
        ("openh264", EncoderChoice::OpenH264),
        #[cfg(feature = "x264")]
        ("libx264", EncoderChoice::X264),
    ];
    println!("limit bench: {secs} s of 1080p30 per job, best of {rounds} alternated rounds");
    println!(
        "{:<11} {:<9} {:>8} {:>8} {:>8} {:>7} {:>7} {:>7}   mean CPU s (a)/(a')/(b)",
        "job", "encoder", "(a)", "(a')", "(b)", "(b)/(a)", "(b)/(a')", "(c)"
    );
    for (job, timeline) in &jobs {
        let style = SceneStyle::default();
        let started = Instant::now();
        let rgba = frames(timeline, &style);
        let composite = started.elapsed();
        let i420 = Frames::I420(
            rgba.iter()
                .map(|f| YuvFrame::from_rgba(f).unwrap())
                .collect(),
        );
        let rgba = Frames::Rgba(rgba);
        for (name, choice) in &encoders {
            let opts = options(choice);
            let mut best = [Duration::MAX; 3];
            let mut cpu = [0.0; 3];
            for _ in 0..rounds {
                let runs: [&dyn Fn() -> Duration; 3] = [
                    &|| encode_only(&rgba, &timeline.spec, &opts),
                    &|| encode_only(&i420, &timeline.spec, &opts),
                    &|| full_render(timeline, &opts, &dir.join("out.mp4")),
                ];
                for (k, run) in runs.iter().enumerate() {
                    let before = cpu_secs();
                    best[k] = best[k].min(run());
                    cpu[k] += cpu_secs() - before;
                }
            }
            let [a, a_i420, b] = best.map(|d| d.as_secs_f64());
            let n = rounds as f64;
            println!(
                "{job:<11} {name:<9} {a:>7.2}s {a_i420:>7.2}s {b:>7.2}s {:>7.2} {:>7.2} {:>6.2}s   {:.2} / {:.2} / {:.2}",
                b / a,
                b / a_i420,
                composite.as_secs_f64(),
                cpu[0] / n,
                cpu[1] / n,
                cpu[2] / n
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

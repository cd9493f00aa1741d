//! To the encoder's limit: how close a full render comes to the cost of encoding alone.
//!
//! For each job and each encoder, the job's frames are composited once (CPU compositor) and
//! kept in memory; then, alternating, (a) the encoder alone encodes those frames and (b) the
//! full render of the same job runs (compositor, encoder, soundtrack, MP4). Prints the best
//! wall time of each over the rounds and the ratio (b)/(a): 1.00 would mean compositing,
//! audio and muxing cost nothing beyond the encoder. (c) is the one-off compositing of all
//! frames on one thread; it allocates and keeps every frame (8 MB each at 1080p), which
//! the render does not, so it overstates the compositor's share of (b).
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
use ytempire_render::{Compositor, CpuCompositor, Frame, SceneStyle};

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

/// (a): the encoder alone over `frames`.
fn encode_only(frames: &[Frame], spec: &VideoSpec, opts: &RenderOptions) -> Duration {
    let mut settings = EncoderSettings::youtube(spec).unwrap();
    settings.preset = opts.preset;
    settings.crf = opts.crf;
    let started = Instant::now();
    let mut enc = create_encoder(&opts.encoder, settings).unwrap();
    let mut packets = 0;
    for f in frames {
        packets += enc.encode(f).unwrap().len();
    }
    packets += enc.finish().unwrap().len();
    assert_eq!(packets, frames.len(), "one packet per frame");
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
        "{:<11} {:<9} {:>10} {:>10} {:>7}   (c) compositor alone",
        "job", "encoder", "(a) enc", "(b) full", "(b)/(a)"
    );
    for (job, timeline) in &jobs {
        let style = SceneStyle::default();
        let started = Instant::now();
        let frames = frames(timeline, &style);
        let composite = started.elapsed();
        for (name, choice) in &encoders {
            let opts = options(choice);
            let (mut a, mut b) = (Duration::MAX, Duration::MAX);
            for _ in 0..rounds {
                a = a.min(encode_only(&frames, &timeline.spec, &opts));
                b = b.min(full_render(timeline, &opts, &dir.join("out.mp4")));
            }
            println!(
                "{job:<11} {name:<9} {:>9.2}s {:>9.2}s {:>7.2}   {:.2}s",
                a.as_secs_f64(),
                b.as_secs_f64(),
                b.as_secs_f64() / a.as_secs_f64(),
                composite.as_secs_f64()
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

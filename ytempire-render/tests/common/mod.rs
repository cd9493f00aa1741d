//! RenderPlan corpus shared by the compositor tests: every layer type in every aspect.
#![allow(dead_code, reason = "each test binary uses a different subset")]

pub(crate) mod signal;

use std::path::Path;
use std::sync::OnceLock;

use image::{Rgba, RgbaImage};
use ytempire_core::{
    MediaKind, Motion, Segment, Timeline, Transition, VideoSpec, Visual, WordTiming,
};
use ytempire_render::Frame;
use ytempire_render::encode::{Encoder, EncoderSettings, OpenH264Encoder};
use ytempire_render::mux::Mp4Writer;
use ytempire_render::scene::{
    Background, ClipPlayback, Color, Corner, RenderPlan, SceneStyle, Watermark, WatermarkContent,
};

/// PNG bytes of an image.
pub(crate) fn png(img: &RgbaImage) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// A detailed opaque test picture (gradients, checker, diagonal lines).
pub(crate) fn picture(w: u32, h: u32, hue: u8) -> RgbaImage {
    RgbaImage::from_fn(w, h, |x, y| {
        let checker = ((x / 16 + y / 16) % 2) as u8 * 60;
        let line = if (x + y) % 23 < 2 { 90 } else { 0 };
        Rgba([
            ((x * 255 / w) as u8).wrapping_add(hue).saturating_sub(line),
            ((y * 255 / h) as u8).saturating_add(checker / 2),
            (hue / 2).wrapping_add(checker).saturating_add(line),
            255,
        ])
    })
}

pub(crate) fn visual(id: &str, img: &RgbaImage) -> Visual {
    Visual::image_bytes(id, img.width(), img.height(), "image/png", png(img))
}

/// The clip tests' test clip: 160×90 at 10 fps, 20 frames (2 s), IDR every 5 frames.
pub(crate) const CLIP_W: u32 = 160;
pub(crate) const CLIP_H: u32 = 90;
pub(crate) const CLIP_FPS: u32 = 10;
pub(crate) const CLIP_FRAMES: usize = 20;

/// Green level with which a test clip's frame `i` encodes its index.
pub(crate) fn green(i: usize) -> u8 {
    (20 + 10 * i) as u8
}

/// Which frame of a test clip a pixel painted with [`green`] shows.
pub(crate) fn frame_of(p: [u8; 4]) -> usize {
    ((f64::from(p[1]) - 20.0) / 10.0).round().max(0.0) as usize
}

/// Whether an `ffmpeg` binary runs; says SKIPPED when not (a failure under `CI=true`).
pub(crate) fn ffmpeg_ok() -> bool {
    tool_ok("ffmpeg")
}

/// The standard output of `cmd`, which must succeed (its standard error is the failure's
/// message).
pub(crate) fn stdout_of(cmd: &mut std::process::Command) -> Vec<u8> {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Whether `tool -version` runs; says SKIPPED when not, and fails under `CI=true`, where
/// scripts/setup.sh installed ffmpeg and ffprobe.
pub(crate) fn tool_ok(tool: &str) -> bool {
    let ok = std::process::Command::new(tool)
        .arg("-version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{tool} is missing under CI=true (scripts/setup.sh installs it)"
        );
        eprintln!("SKIPPED: {tool} not on PATH");
    }
    ok
}

/// Encode the test clip (`CLIP_W`×`CLIP_H`, `CLIP_FRAMES` frames at `CLIP_FPS`, painted by
/// `paint`) with ffmpeg into `out`, with extra output arguments (codec and its options);
/// `None` when that fails (ffmpeg or the encoder missing).
pub(crate) fn ffmpeg_clip(
    out: &Path,
    paint: impl Fn(usize, &mut Frame),
    args: &[&str],
) -> Option<std::path::PathBuf> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgba"])
        .args([
            "-s",
            &format!("{CLIP_W}x{CLIP_H}"),
            "-r",
            &CLIP_FPS.to_string(),
        ])
        .args(["-i", "-"])
        .args(args)
        .arg(out)
        .stdin(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let mut stdin = child.stdin.take()?;
    let mut f = Frame::new(CLIP_W, CLIP_H).unwrap();
    for i in 0..CLIP_FRAMES {
        paint(i, &mut f);
        stdin.write_all(&f.rgba).ok()?;
    }
    drop(stdin);
    child.wait().ok()?.success().then(|| out.to_path_buf())
}

/// Encode `frames` frames painted by `paint` into an H.264 MP4 at `path` with the crate's own
/// openh264 encoder and muxer (IDR every `fps / 2` frames).
pub(crate) fn make_clip(
    path: &Path,
    (w, h, fps): (u32, u32, u32),
    frames: usize,
    paint: impl Fn(usize, &mut Frame),
) {
    let settings = EncoderSettings::youtube(&VideoSpec::new(w, h, fps)).unwrap();
    let mut enc = OpenH264Encoder::new(settings).unwrap();
    let mut mux = Mp4Writer::create(path, fps, frames as u64, None).unwrap();
    let mut f = Frame::new(w, h).unwrap();
    for i in 0..frames {
        paint(i, &mut f);
        for p in enc.encode(&f).unwrap() {
            mux.write_video(&p).unwrap();
        }
    }
    for p in enc.finish().unwrap() {
        mux.write_video(&p).unwrap();
    }
    mux.finish().unwrap();
}

/// The bytes of an MP4 made by [`make_clip`].
pub(crate) fn clip_bytes(
    size: (u32, u32, u32),
    frames: usize,
    paint: impl Fn(usize, &mut Frame),
) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("clip.mp4");
    make_clip(&path, size, frames, paint);
    std::fs::read(path).unwrap()
}

/// A video-clip visual holding MP4 bytes.
pub(crate) fn clip_visual(id: &str, w: u32, h: u32, mp4: Vec<u8>) -> Visual {
    let mut v = Visual::image_bytes(id, w, h, "video/mp4", mp4);
    v.kind = MediaKind::VideoClip;
    v
}

/// A 2-second, 10 fps, 192×108 clip of a detailed picture that drifts and changes hue.
pub(crate) fn corpus_clip() -> Vec<u8> {
    static CLIP: OnceLock<Vec<u8>> = OnceLock::new();
    CLIP.get_or_init(|| {
        clip_bytes((192, 108, 10), 20, |i, f| {
            let pic = picture(192 + 40, 108, (i * 12) as u8);
            for (p, px) in f.rgba.chunks_exact_mut(4).enumerate() {
                let (x, y) = (p as u32 % 192, p as u32 / 192);
                px.copy_from_slice(&pic.get_pixel(x + i as u32 * 2, y).0);
            }
        })
    })
    .clone()
}

/// The three aspects, small enough for quick tests.
pub(crate) const SPECS: [VideoSpec; 3] = [
    VideoSpec::new(320, 180, 30),
    VideoSpec::new(180, 320, 30),
    VideoSpec::new(200, 200, 30),
];

/// A named scene and the times to render it at.
pub(crate) struct Case {
    pub(crate) name: String,
    pub(crate) scene: RenderPlan,
    pub(crate) times: Vec<f64>,
}

fn captions() -> Vec<WordTiming> {
    ["Hello", "from", "the", "caption", "test,", "Привет", "мир!"]
        .iter()
        .enumerate()
        .map(|(i, w)| WordTiming::new(*w, 0.2 + i as f64 * 0.35, 0.5 + i as f64 * 0.35))
        .collect()
}

fn ken_burns() -> Motion {
    Motion::KenBurns {
        from_zoom: 1.0,
        to_zoom: 1.3,
        from_center: (0.4, 0.45),
        to_center: (0.6, 0.55),
    }
}

/// Every layer type, for one spec.
pub(crate) fn corpus(spec: VideoSpec) -> Vec<Case> {
    let a = picture(400, 300, 0);
    let b = picture(300, 420, 120);
    let translucent = RgbaImage::from_fn(64, 64, |x, y| {
        Rgba([200, (x * 4) as u8, (y * 4) as u8, ((x + y) * 2) as u8])
    });
    let tag = format!("{}x{}", spec.width, spec.height);
    let mut cases = Vec::new();
    let mut add = |name: &str, t: Timeline, style: SceneStyle, times: Vec<f64>| {
        let scene = RenderPlan::from_timeline(&t, &style).unwrap();
        cases.push(Case {
            name: format!("{name}-{tag}"),
            scene,
            times,
        });
    };
    let no_text = SceneStyle {
        on_screen_text: false,
        ..SceneStyle::default()
    };

    // Still image, and Ken Burns with rotation.
    add(
        "still",
        Timeline::new(spec).with_segment(Segment::new(visual("a", &a), 0.0, 2.0)),
        no_text.clone(),
        vec![0.0, 1.0],
    );
    add(
        "kenburns",
        Timeline::new(spec)
            .with_segment(Segment::new(visual("a", &a), 0.0, 2.0).with_motion(ken_burns())),
        SceneStyle {
            ken_burns_rotation_deg: 3.0,
            ..no_text.clone()
        },
        vec![0.0, 0.77, 1.5, 2.0],
    );
    // Crossfade and slide.
    for (name, tr) in [
        ("crossfade", Transition::Crossfade { secs: 1.0 }),
        ("slide", Transition::Slide { secs: 1.0 }),
    ] {
        add(
            name,
            Timeline::new(spec)
                .with_segment(Segment::new(visual("a", &a), 0.0, 1.0).with_motion(ken_burns()))
                .with_segment(Segment::new(visual("b", &b), 1.0, 3.0).with_transition(tr)),
            no_text.clone(),
            vec![1.2, 1.5, 1.9],
        );
    }
    // Solid and gradient backgrounds (before the first segment) and a translucent image.
    add(
        "gradient",
        Timeline::new(spec).with_segment(Segment::new(visual("t", &translucent), 1.0, 2.0)),
        no_text.clone(),
        vec![0.5, 1.5],
    );
    add(
        "solid",
        Timeline::new(spec).with_segment(Segment::new(visual("t", &translucent), 1.0, 2.0)),
        SceneStyle {
            background: Background::Solid(Color::rgb(10, 120, 200)),
            ..no_text.clone()
        },
        vec![0.5, 1.5],
    );
    // Video clips: plain, looping past their end, Ken Burns with rotation, a crossfade from a
    // clip to a still and a slide from a still to a held clip.
    let clip = || clip_visual("clip", 192, 108, corpus_clip());
    add(
        "clip",
        Timeline::new(spec).with_segment(Segment::new(clip(), 0.0, 3.0)),
        no_text.clone(),
        vec![0.0, 0.37, 1.23, 2.5],
    );
    add(
        "clip-kenburns",
        Timeline::new(spec).with_segment(Segment::new(clip(), 0.0, 2.0).with_motion(ken_burns())),
        SceneStyle {
            ken_burns_rotation_deg: 3.0,
            ..no_text.clone()
        },
        vec![0.1, 0.9, 1.9],
    );
    add(
        "clip-crossfade",
        Timeline::new(spec)
            .with_segment(Segment::new(clip(), 0.0, 1.0).with_motion(ken_burns()))
            .with_segment(
                Segment::new(visual("b", &b), 1.0, 3.0)
                    .with_transition(Transition::Crossfade { secs: 1.0 }),
            ),
        no_text.clone(),
        vec![1.2, 1.5],
    );
    add(
        "clip-slide",
        Timeline::new(spec)
            .with_segment(Segment::new(visual("a", &a), 0.0, 1.0))
            .with_segment(
                Segment::new(clip(), 1.0, 4.0).with_transition(Transition::Slide { secs: 1.0 }),
            ),
        SceneStyle {
            clip_playback: ClipPlayback::HoldLastFrame,
            ..no_text.clone()
        },
        vec![1.4, 3.5],
    );
    // Captions with word highlight, stroke and box.
    let mut t = Timeline::new(spec).with_segment(Segment::new(visual("a", &a), 0.0, 3.0));
    t.captions = captions();
    add("captions", t, no_text.clone(), vec![0.3, 0.9, 2.3]);
    // A headline appearing word by word with the captions (one word fading in at 0.6 s),
    // then fading out before a crossfade to the next picture.
    let mut t = Timeline::new(spec)
        .with_segment(
            Segment::new(
                visual("a", &a).with_headline("Octopus skin cells"),
                0.0,
                2.0,
            )
            .with_motion(ken_burns()),
        )
        .with_segment(
            Segment::new(visual("b", &b), 2.0, 3.0)
                .with_transition(Transition::Crossfade { secs: 0.5 }),
        );
    t.captions = captions();
    add("headline", t, no_text.clone(), vec![0.3, 0.6, 1.2, 1.9]);
    // Title card and lower third.
    add(
        "titles",
        Timeline::new(spec)
            .with_segment(Segment::new(visual("a", &a), 0.0, 2.0).with_text("The Title"))
            .with_segment(Segment::new(visual("b", &b), 2.0, 4.0).with_text("Lower third")),
        SceneStyle::default(),
        vec![0.1, 1.0, 2.5],
    );
    // Watermarks (text and logo) and progress bar.
    for (name, content) in [
        ("wm-text", WatermarkContent::Text("@ytempire".into())),
        (
            "wm-logo",
            WatermarkContent::Image(visual("logo", &translucent)),
        ),
    ] {
        add(
            name,
            Timeline::new(spec).with_segment(Segment::new(visual("a", &a), 0.0, 2.0)),
            SceneStyle {
                watermark: Some(Watermark {
                    content,
                    corner: Corner::BottomRight,
                    opacity: 0.7,
                    height_px: 80.0,
                }),
                progress_bar: Some(Color::rgba(255, 0, 0, 200)),
                ..no_text.clone()
            },
            vec![0.0, 1.3],
        );
    }
    cases
}

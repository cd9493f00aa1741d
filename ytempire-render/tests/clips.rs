//! Video clips as visuals: demuxing and decoding H.264 MP4s made at test time with the crate's
//! own encoder and muxer, playback semantics (trim, loop, hold, nearest-earlier frame),
//! scale-to-fill geometry, typed errors for bad files, and a full render job with a clip.

use crate::common;

use std::path::Path;
use std::process::Command;

use image::{Rgba, RgbaImage};
use ytempire_core::{ErrorKind, Motion, Segment, Timeline, Transition, VideoSpec, Visual};
use ytempire_render::clip::{ClipSource, ColorMatrix, clip_visual};
use ytempire_render::encode::EncoderChoice;
use ytempire_render::scene::{ClipPlayback, RenderPlan, SceneStyle, SourceImage};
use ytempire_render::video::{CompositorChoice, RenderOptions, render_video_blocking};
use ytempire_render::{Compositor, CpuCompositor, Frame};

// Test clip geometry: 160×90 at 10 fps, 20 frames (2 s), IDR every 5 frames.
use common::{CLIP_FPS as FPS, CLIP_FRAMES as FRAMES, CLIP_H as H, CLIP_W as W};
use common::{ffmpeg_ok, frame_of, green};

const RED: [u8; 3] = [220, 30, 30];
const BLUE: [u8; 3] = [30, 30, 220];
const WHITE: [u8; 3] = [235, 235, 235];
const YELLOW: [u8; 3] = [230, 230, 30];
const CYAN: [u8; 3] = [30, 230, 230];
const MAGENTA: [u8; 3] = [230, 20, 230];

/// The colour of frame `i`'s open area.
fn body(i: usize) -> [u8; 3] {
    [40, green(i), 120]
}

/// Frame `i` of a `w`×`h` test clip: a red band on the left fifth, a blue band on the right
/// fifth, a white column in the middle, a yellow stripe along the top and a cyan one along the
/// bottom (between the bands), and the frame's colour everywhere else.
fn paint(i: usize, f: &mut Frame) {
    let (w, h) = (f.width, f.height);
    for (p, px) in f.rgba.chunks_exact_mut(4).enumerate() {
        let (x, y) = (p as u32 % w, p as u32 / w);
        let c = if x < w / 5 {
            RED
        } else if x >= w - w / 5 {
            BLUE
        } else if x.abs_diff(w / 2) < w / 40 || x == w / 2 - w / 40 {
            WHITE
        } else if y < h / 10 {
            YELLOW
        } else if y >= h - h / 10 {
            CYAN
        } else {
            body(i)
        };
        px[..3].copy_from_slice(&c);
        px[3] = 255;
    }
}

fn write_clip(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("bands.mp4");
    common::make_clip(&path, (W, H, FPS), FRAMES, paint);
    path
}

fn near(a: [u8; 4], b: [u8; 3], tol: u8) -> bool {
    a[..3].iter().zip(b).all(|(x, y)| x.abs_diff(y) <= tol)
}

fn px(f: &Frame, x: u32, y: u32) -> [u8; 4] {
    let i = (y as usize * f.width as usize + x as usize) * 4;
    [f.rgba[i], f.rgba[i + 1], f.rgba[i + 2], f.rgba[i + 3]]
}

/// One pixel of a decoded clip picture.
fn texel(img: &SourceImage, x: u32, y: u32) -> [u8; 4] {
    let i = (y * img.width + x) as usize * 4;
    [
        img.rgba[i],
        img.rgba[i + 1],
        img.rgba[i + 2],
        img.rgba[i + 3],
    ]
}

fn clip_seg(path: &Path, start: f64, end: f64) -> Segment {
    Segment::new(clip_visual("bands", path).unwrap(), start, end)
}

fn render(t: &Timeline, style: &SceneStyle, times: &[f64]) -> Vec<Frame> {
    let scene = RenderPlan::from_timeline(t, style).unwrap();
    let mut c = CpuCompositor::new();
    c.prepare(&scene).unwrap();
    times
        .iter()
        .map(|&tt| {
            let mut f = Frame::new(scene.spec().width, scene.spec().height).unwrap();
            c.render_frame(&scene, tt, &mut f).unwrap();
            f
        })
        .collect()
}

fn no_text() -> SceneStyle {
    SceneStyle {
        on_screen_text: false,
        ..SceneStyle::default()
    }
}

#[test]
fn probe_reports_size_frames_and_duration() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_clip(dir.path());
    let src = ClipSource::open(&path).unwrap();
    let info = src.info();
    assert_eq!((info.width, info.height), (W, H));
    assert_eq!(info.frames, FRAMES);
    assert!((info.duration_secs - 2.0).abs() < 1e-9, "{info:?}");
    assert!((info.fps - 10.0).abs() < 1e-9, "{info:?}");
    assert!(!info.reordered, "openh264 emits no B-frames");
    assert_eq!(info.profile_idc, 100, "High profile");
    let times: Vec<f64> = src.frame_times().collect();
    assert_eq!(times.len(), FRAMES);
    for (i, t) in times.iter().enumerate() {
        assert!((t - i as f64 / 10.0).abs() < 1e-9, "frame {i} at {t}");
    }
    // The visual helper fills in what probing found.
    let v = clip_visual("bands", &path).unwrap();
    assert_eq!(v.kind, ytempire_core::MediaKind::VideoClip);
    assert_eq!((v.width, v.height), (W, H));
    assert!((v.duration_secs.unwrap() - 2.0).abs() < 1e-9);
    // In-memory bytes probe the same.
    let mem = ClipSource::from_bytes("mem", std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(mem.info(), info);
}

#[test]
fn decodes_every_frame_in_order_with_timestamps_and_colours() {
    let dir = tempfile::tempdir().unwrap();
    let src = ClipSource::open(&write_clip(dir.path())).unwrap();
    let mut dec = src.decoder().unwrap();
    assert!(dec.current().is_none());
    let mut n = 0;
    while let Some(f) = dec.next_frame().unwrap() {
        assert_eq!(f.index, n);
        assert!((f.time_secs - n as f64 / 10.0).abs() < 1e-9);
        assert_eq!((f.image.width, f.image.height), (W, H));
        assert!(f.image.opaque);
        let at = |x: u32, y: u32| texel(f.image, x, y);
        assert!(near(at(50, 45), body(n), 8), "frame {n}: {:?}", at(50, 45));
        assert!(near(at(10, 45), RED, 10), "frame {n}: {:?}", at(10, 45));
        assert!(near(at(150, 45), BLUE, 10), "frame {n}: {:?}", at(150, 45));
        assert!(near(at(80, 45), WHITE, 10), "frame {n}: {:?}", at(80, 45));
        assert_eq!(at(50, 45)[3], 255);
        n += 1;
    }
    assert_eq!(n, FRAMES);
    assert!(dec.next_frame().unwrap().is_none(), "stays at the end");
}

#[test]
fn frame_at_picks_the_latest_earlier_frame_and_seeks_both_ways() {
    let dir = tempfile::tempdir().unwrap();
    let src = ClipSource::open(&write_clip(dir.path())).unwrap();
    let mut dec = src.decoder().unwrap();
    let green_at = |f: ytempire_render::clip::ClipFrame<'_>| {
        let i = (45 * W + 50) as usize * 4;
        f.image.rgba[i + 1]
    };
    for (t, want) in [
        (-1.0, 0),
        (0.0, 0),
        (0.0999, 0),
        (0.1, 1),
        (3.0 / 30.0, 1),
        (0.55, 5),
        (1.2, 12),
        (0.3, 3),   // backward: re-opens at the keyframe before frame 3
        (1.75, 17), // forward past two keyframes: jumps to frame 15's keyframe
        (1.95, 19),
        (2.0, 19), // past the end: the last frame
        (99.0, 19),
        (f64::NAN, 0),
        (0.9, 9),
    ] {
        let f = dec.frame_at(t).unwrap();
        assert_eq!(f.index, want, "t = {t}");
        let g = green_at(f);
        assert!(g.abs_diff(green(want)) <= 8, "t = {t}: green {g}");
    }
    assert_eq!(dec.frame(7).unwrap().index, 7);
    assert_eq!(dec.frame(1000).unwrap().index, 19);
}

#[test]
fn frames_are_read_from_disk_only_when_needed() {
    // Corrupt the third IDR (frame 10) after probing: frames before it still decode, which
    // shows samples are read on demand; reaching it is a typed error, not a panic.
    let dir = tempfile::tempdir().unwrap();
    let path = write_clip(dir.path());
    let src = ClipSource::open(&path).unwrap();
    let mut bytes = std::fs::read(&path).unwrap();
    let mdat = find_box(&bytes, b"mdat").unwrap();
    let mut p = mdat.0;
    let (mut idr, mut prev_type) = (0, 0);
    while p + 4 <= mdat.1 {
        let n = u32::from_be_bytes(bytes[p..p + 4].try_into().unwrap()) as usize;
        let nal_type = bytes[p + 4] & 0x1f;
        let first_slice_of_idr = nal_type == 5 && prev_type != 5;
        prev_type = nal_type;
        if first_slice_of_idr {
            idr += 1;
            if idr == 3 {
                bytes[p..p + 4].copy_from_slice(&0x7fff_ff00u32.to_be_bytes());
                break;
            }
        }
        p += 4 + n;
    }
    assert_eq!(idr, 3, "IDR frames at 0, 5 and 10");
    std::fs::write(&path, &bytes).unwrap();
    let mut dec = src.decoder().unwrap();
    for i in 0..10 {
        let f = dec
            .next_frame()
            .unwrap_or_else(|e| panic!("frame {i}: {e}"));
        assert_eq!(f.unwrap().index, i);
    }
    let e = dec.next_frame().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Render, "{e}");
    assert!(e.to_string().contains("NAL"), "{e}");
    // A fresh decoder can still show the good part.
    assert_eq!(src.decoder().unwrap().frame_at(0.45).unwrap().index, 4);
}

#[test]
fn corrupt_slice_data_never_panics() {
    // Scramble bytes inside the NAL units (their lengths stay intact): every frame either
    // decodes or gives a typed `Render` error.
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read(write_clip(dir.path())).unwrap();
    let mdat = find_box(&good, b"mdat").unwrap();
    for seed in 1..=6u64 {
        let mut bytes = good.clone();
        let mut rng = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let mut p = mdat.0;
        while p + 4 <= mdat.1 {
            let n = u32::from_be_bytes(bytes[p..p + 4].try_into().unwrap()) as usize;
            let slice = matches!(bytes[p + 4] & 0x1f, 1 | 5);
            for b in &mut bytes[p + 5..p + 4 + n] {
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                if slice && rng % 4000 < seed * seed {
                    *b = (rng >> 32) as u8;
                }
            }
            p += 4 + n;
        }
        let src = ClipSource::from_bytes("scrambled", bytes).unwrap();
        let mut dec = src.decoder().unwrap();
        let mut decoded = 0;
        loop {
            match dec.next_frame() {
                Ok(Some(_)) => decoded += 1,
                Ok(None) => break,
                Err(e) => {
                    assert_eq!(e.kind(), ErrorKind::Render, "seed {seed}: {e}");
                    break;
                }
            }
        }
        eprintln!("seed {seed}: {decoded} frames decoded before the end or an error");
    }
}

/// `(payload start, end)` of the first top-level box of type `kind`.
fn find_box(b: &[u8], kind: &[u8; 4]) -> Option<(usize, usize)> {
    let mut p = 0;
    while p + 8 <= b.len() {
        let (mut size, mut header) = (
            u32::from_be_bytes(b[p..p + 4].try_into().unwrap()) as usize,
            8,
        );
        if size == 1 {
            size = u64::from_be_bytes(b[p + 8..p + 16].try_into().unwrap()) as usize;
            header = 16;
        } else if size == 0 {
            size = b.len() - p;
        }
        if &b[p + 4..p + 8] == kind {
            return Some((p + header, p + size));
        }
        p += size.max(8);
    }
    None
}

#[test]
fn loops_by_default_and_can_hold_the_last_frame() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_clip(dir.path());
    let t = Timeline::new(VideoSpec::new(W, H, 30)).with_segment(clip_seg(&path, 0.0, 5.0));
    let times = [0.0, 0.55, 1.99, 2.0, 2.35, 4.25, 4.9];
    let looped: Vec<usize> = render(&t, &no_text(), &times)
        .iter()
        .map(|f| frame_of(px(f, 50, 45)))
        .collect();
    assert_eq!(looped, [0, 5, 19, 0, 3, 2, 9]);
    let hold = SceneStyle {
        clip_playback: ClipPlayback::HoldLastFrame,
        ..no_text()
    };
    let held: Vec<usize> = render(&t, &hold, &times)
        .iter()
        .map(|f| frame_of(px(f, 50, 45)))
        .collect();
    assert_eq!(held, [0, 5, 19, 19, 19, 19, 19]);
}

#[test]
fn a_long_clip_is_trimmed_and_plays_from_its_segment_start() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_clip(dir.path());
    let magenta = RgbaImage::from_pixel(16, 9, Rgba([MAGENTA[0], MAGENTA[1], MAGENTA[2], 255]));
    // Clip (2 s) in a 1-second segment, then a still: only the clip's first second shows.
    let t = Timeline::new(VideoSpec::new(W, H, 30))
        .with_segment(clip_seg(&path, 0.0, 1.0))
        .with_segment(Segment::new(common::visual("m", &magenta), 1.0, 2.0));
    let f = render(&t, &no_text(), &[0.0, 0.95, 1.05]);
    assert_eq!(frame_of(px(&f[0], 50, 45)), 0);
    assert_eq!(frame_of(px(&f[1], 50, 45)), 9);
    assert!(
        near(px(&f[2], 50, 45), MAGENTA, 2),
        "{:?}",
        px(&f[2], 50, 45)
    );
    // A clip starting at 1 s plays its frame 5 at 1.55 s.
    let t = Timeline::new(VideoSpec::new(W, H, 30))
        .with_segment(Segment::new(common::visual("m", &magenta), 0.0, 1.0))
        .with_segment(clip_seg(&path, 1.0, 3.0));
    let f = render(&t, &no_text(), &[0.5, 1.0, 1.55, 2.99]);
    assert!(near(px(&f[0], 50, 45), MAGENTA, 2));
    assert_eq!(frame_of(px(&f[1], 50, 45)), 0);
    assert_eq!(frame_of(px(&f[2], 50, 45)), 5);
    assert_eq!(frame_of(px(&f[3], 50, 45)), 19);
}

#[test]
fn clips_fill_portrait_and_landscape_frames() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_clip(dir.path());
    // 9:16 from a 16:9 clip: scaled by 160/90 so the height fits, the sides are cropped;
    // clip columns 54.7..105.3 are visible, so neither side band shows.
    let t = Timeline::new(VideoSpec::new(90, 160, 30)).with_segment(clip_seg(&path, 0.0, 2.0));
    let f = &render(&t, &no_text(), &[0.45])[0];
    for (x, y) in [(5, 80), (84, 80), (30, 60), (60, 100)] {
        assert!(near(px(f, x, y), body(4), 8), "({x},{y}) {:?}", px(f, x, y));
    }
    // The white centre column (clip 76..84) lands on output columns 38..52.
    for x in 40..50 {
        assert!(near(px(f, x, 80), WHITE, 10), "x {x}: {:?}", px(f, x, 80));
    }
    assert!(!near(px(f, 34, 80), WHITE, 40) && !near(px(f, 56, 80), WHITE, 40));
    // Full height: the top and bottom stripes (9 clip rows = 16 output rows) show.
    assert!(near(px(f, 10, 4), YELLOW, 10), "{:?}", px(f, 10, 4));
    assert!(near(px(f, 10, 155), CYAN, 10), "{:?}", px(f, 10, 155));
    for p in f.rgba.chunks_exact(4) {
        let p = [p[0], p[1], p[2], p[3]];
        assert!(
            !near(p, RED, 30) && !near(p, BLUE, 30),
            "side band visible: {p:?}"
        );
    }
    // 16:9 at twice the size: everything shows, scaled by 2.
    let t = Timeline::new(VideoSpec::new(320, 180, 30)).with_segment(clip_seg(&path, 0.0, 2.0));
    let f = &render(&t, &no_text(), &[0.45])[0];
    assert!(near(px(f, 20, 90), RED, 10));
    assert!(near(px(f, 300, 90), BLUE, 10));
    assert!(near(px(f, 160, 90), WHITE, 10));
    assert!(near(px(f, 100, 90), body(4), 8));
    assert!(near(px(f, 100, 4), YELLOW, 10));
    assert!(near(px(f, 100, 175), CYAN, 10));
}

#[test]
fn ken_burns_and_transitions_work_on_clips() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_clip(dir.path());
    let spec = VideoSpec::new(W, H, 30);
    // Zoomed 2× on the centre: clip columns 40..120 fill the frame, the red band is gone.
    let zoom = Motion::KenBurns {
        from_zoom: 2.0,
        to_zoom: 2.0,
        from_center: (0.5, 0.5),
        to_center: (0.5, 0.5),
    };
    let t = Timeline::new(spec).with_segment(clip_seg(&path, 0.0, 2.0).with_motion(zoom));
    let f = &render(&t, &no_text(), &[0.65])[0];
    assert!(near(px(f, 2, 45), body(6), 8), "{:?}", px(f, 2, 45));
    assert!(near(px(f, 80, 45), WHITE, 10));
    // Crossfade from a clip to a still: halfway through, an even mix of the still and the
    // clip, which keeps playing (frame 15 at 1.5 s) while it fades out.
    let magenta = RgbaImage::from_pixel(16, 9, Rgba([MAGENTA[0], MAGENTA[1], MAGENTA[2], 255]));
    let t = Timeline::new(spec)
        .with_segment(clip_seg(&path, 0.0, 1.0))
        .with_segment(
            Segment::new(common::visual("m", &magenta), 1.0, 3.0)
                .with_transition(Transition::Crossfade { secs: 1.0 }),
        );
    let f = &render(&t, &no_text(), &[1.5])[0];
    let mix = |a: u8, b: u8| ((u16::from(a) + u16::from(b)) / 2) as u8;
    let want = [
        mix(body(15)[0], MAGENTA[0]),
        mix(body(15)[1], MAGENTA[1]),
        mix(body(15)[2], MAGENTA[2]),
    ];
    assert!(
        near(px(f, 50, 45), want, 8),
        "{:?} vs {want:?}",
        px(f, 50, 45)
    );
    // Slide from a still to a clip: the clip enters from the right.
    let t = Timeline::new(spec)
        .with_segment(Segment::new(common::visual("m", &magenta), 0.0, 1.0))
        .with_segment(clip_seg(&path, 1.0, 3.0).with_transition(Transition::Slide { secs: 1.0 }));
    // Halfway (eased to half the width), clip column 0 is at output column 80.
    let f = &render(&t, &no_text(), &[1.5])[0];
    assert!(near(px(f, 10, 45), MAGENTA, 2), "{:?}", px(f, 10, 45));
    assert!(near(px(f, 90, 45), RED, 12), "{:?}", px(f, 90, 45));
    assert!(near(px(f, 150, 45), body(5), 8), "{:?}", px(f, 150, 45));
}

fn kind_of(path: &Path) -> (ErrorKind, String) {
    let e = ClipSource::open(path).unwrap_err();
    (e.kind(), e.to_string())
}

#[test]
fn bad_files_give_typed_errors() {
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read(write_clip(dir.path())).unwrap();
    let file = |name: &str, bytes: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    };
    let empty = file("empty.mp4", b"");
    let (k, m) = kind_of(&empty);
    assert_eq!(k, ErrorKind::Render, "{m}");
    assert!(m.contains("empty"), "{m}");

    let html = file(
        "page.mp4",
        b"<!DOCTYPE html><html><body>429 Too Many Requests</body></html>",
    );
    let (k, m) = kind_of(&html);
    assert_eq!(k, ErrorKind::Render, "{m}");
    assert!(m.contains("HTML"), "{m}");

    let png = file("still.mp4", &common::png(&common::picture(32, 18, 0)));
    let (k, m) = kind_of(&png);
    assert_eq!(k, ErrorKind::Render, "{m}");
    assert!(m.contains("PNG"), "{m}");

    for cut in [good.len() / 2, good.len() - 1, 40] {
        let truncated = file("cut.mp4", &good[..cut]);
        let (k, m) = kind_of(&truncated);
        assert_eq!(k, ErrorKind::Render, "cut at {cut}: {m}");
        assert!(m.contains("truncated"), "{m}");
    }

    let (k, m) = kind_of(&dir.path().join("missing.mp4"));
    assert_eq!(k, ErrorKind::NotFound, "{m}");
    assert_eq!(kind_of(dir.path()).0, ErrorKind::InvalidRequest);

    // In-memory bytes too.
    let e = ClipSource::from_bytes("html", b"<html>oops</html>".to_vec()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Render);

    // The compositor and the render job report the same kinds before drawing anything.
    let spec = VideoSpec::new(W, H, 30);
    let mut c = CpuCompositor::new();
    for (path, kind) in [
        (&empty, ErrorKind::Render),
        (&html, ErrorKind::Render),
        (&png, ErrorKind::Render),
        (&dir.path().join("missing.mp4"), ErrorKind::NotFound),
    ] {
        let mut v = Visual::image_file("bad", W, H, path.clone());
        v.kind = ytempire_core::MediaKind::VideoClip;
        let t = Timeline::new(spec).with_segment(Segment::new(v, 0.0, 1.0));
        let scene = RenderPlan::from_timeline(&t, &no_text()).unwrap();
        let e = c.prepare(&scene).unwrap_err();
        assert_eq!(e.kind(), kind, "{}: {e}", path.display());
        assert!(e.to_string().contains("segment 0"), "{e}");
        let out = dir.path().join("out.mp4");
        let e = render_video_blocking(&t, &cpu_opts(), &out).unwrap_err();
        assert_eq!(e.kind(), kind, "{e}");
        assert!(!out.exists());
    }
}

/// Encode the test clip with an ffmpeg codec and extra arguments; `None` when it fails
/// (encoder missing).
fn ffmpeg_clip(dir: &Path, name: &str, args: &[&str]) -> Option<std::path::PathBuf> {
    common::ffmpeg_clip(&dir.join(name), paint, args)
}

#[test]
fn b_frames_and_other_codecs_from_ffmpeg() {
    if !ffmpeg_ok() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // libx264 with B-frames: decode order differs from display order.
    match ffmpeg_clip(
        dir.path(),
        "bframes.mp4",
        &[
            "-c:v", "libx264", "-bf", "3", "-g", "10", "-pix_fmt", "yuv420p",
        ],
    ) {
        Some(p) => {
            let src = ClipSource::open(&p).unwrap();
            assert!(src.info().reordered, "{:?}", src.info());
            assert_eq!(src.info().frames, FRAMES);
            let mut dec = src.decoder().unwrap();
            let mut n = 0;
            while let Some(f) = dec.next_frame().unwrap() {
                let i = (45 * W + 50) as usize * 4;
                let g = f.image.rgba[i + 1];
                assert!(g.abs_diff(green(n)) <= 8, "frame {n}: green {g}");
                assert!(
                    (f.time_secs - n as f64 / 10.0).abs() < 1e-6,
                    "{}",
                    f.time_secs
                );
                n += 1;
            }
            assert_eq!(n, FRAMES);
            for (t, want) in [(1.25, 12), (0.35, 3), (1.95, 19)] {
                let f = dec.frame_at(t).unwrap();
                assert_eq!(f.index, want);
                let g = f.image.rgba[(45 * W + 50) as usize * 4 + 1];
                assert!(g.abs_diff(green(want)) <= 8, "t {t}: green {g}");
            }
        }
        None => eprintln!("SKIPPED B-frame clip: ffmpeg has no libx264"),
    }
    // MPEG-4 Part 2 video in an MP4: a typed Unsupported error.
    if let Some(p) = ffmpeg_clip(dir.path(), "mpeg4.mp4", &["-c:v", "mpeg4"]) {
        let (k, m) = kind_of(&p);
        assert_eq!(k, ErrorKind::Unsupported, "{m}");
    }
    // Audio only: no video track.
    let audio = dir.path().join("audio.mp4");
    let ok = Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "sine=d=0.5",
            "-c:a",
            "aac",
        ])
        .arg(&audio)
        .status()
        .is_ok_and(|s| s.success());
    if ok {
        let (k, m) = kind_of(&audio);
        assert_eq!(k, ErrorKind::InvalidRequest, "{m}");
        assert!(m.contains("no video track"), "{m}");
    }
}

fn cpu_opts() -> RenderOptions {
    RenderOptions {
        compositor: CompositorChoice::Cpu,
        encoder: EncoderChoice::OpenH264,
        style: no_text(),
        ..Default::default()
    }
}

#[test]
fn render_job_with_a_clip_makes_a_valid_mp4() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_clip(dir.path());
    let magenta = RgbaImage::from_pixel(16, 9, Rgba([MAGENTA[0], MAGENTA[1], MAGENTA[2], 255]));
    let t = Timeline::new(VideoSpec::new(320, 180, 30))
        .with_segment(Segment::new(common::visual("m", &magenta), 0.0, 1.0))
        .with_segment(
            clip_seg(&path, 1.0, 3.0).with_transition(Transition::Crossfade { secs: 0.5 }),
        );
    let out = dir.path().join("video.mp4");
    let r = render_video_blocking(&t, &cpu_opts(), &out).unwrap();
    assert_eq!(r.frames, 90);
    assert!(r.fast_start);
    // Read the result back with the clip decoder: 90 frames, and 2.5 s into the video the clip
    // shows its frame 15.
    let src = ClipSource::open(&out).unwrap();
    assert_eq!(src.info().frames, 90);
    assert_eq!((src.info().width, src.info().height), (320, 180));
    assert!((src.info().duration_secs - 3.0).abs() < 1e-6);
    let mut dec = src.decoder().unwrap();
    let f = dec.frame_at(2.5).unwrap();
    let i = (90 * 320 + 100) as usize * 4;
    let p = [
        f.image.rgba[i],
        f.image.rgba[i + 1],
        f.image.rgba[i + 2],
        255,
    ];
    assert!(near(p, body(15), 12), "{p:?}");
    let f = dec.frame_at(0.5).unwrap();
    let p = [
        f.image.rgba[i],
        f.image.rgba[i + 1],
        f.image.rgba[i + 2],
        255,
    ];
    assert!(near(p, MAGENTA, 12), "{p:?}");
    if !common::tool_ok("ffprobe") {
        return;
    }
    let o = Command::new("ffprobe")
        .args(["-v", "error", "-count_frames", "-select_streams", "v:0"])
        .args([
            "-show_entries",
            "stream=codec_name,width,height,nb_read_frames",
        ])
        .args(["-of", "default=nw=1"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let s = String::from_utf8_lossy(&o.stdout);
    assert!(s.contains("codec_name=h264"), "{s}");
    assert!(s.contains("width=320") && s.contains("height=180"), "{s}");
    assert!(s.contains("nb_read_frames=90"), "{s}");
}

/// Two clips of different sizes crossfading in a portrait video, every frame of 3 s rendered
/// forwards and then backwards on both compositors: the GPU's reused clip textures must show
/// the same frames as the CPU (max difference ≤ 2, mean ≤ 0.5).
#[cfg(feature = "gpu")]
#[test]
#[cfg_attr(skip_gpu_tests, ignore = "YTEMPIRE_GPU_TESTS=no")]
fn gpu_plays_clips_like_the_cpu() {
    let gpu = match ytempire_render::GpuCompositor::new() {
        Ok(g) => g,
        Err(e) if std::env::var("YTEMPIRE_GPU_TESTS").as_deref() == Ok("optional") => {
            eprintln!("SKIPPED: no GPU adapter: {e}");
            return;
        }
        Err(e) => panic!("no GPU adapter ({e}); install mesa-vulkan-drivers (lavapipe)"),
    };
    let dir = tempfile::tempdir().unwrap();
    let path = write_clip(dir.path());
    let t = Timeline::new(VideoSpec::new(90, 160, 30))
        .with_segment(clip_seg(&path, 0.0, 1.5))
        .with_segment(
            Segment::new(
                common::clip_visual("b", 192, 108, common::corpus_clip()),
                1.5,
                3.0,
            )
            .with_motion(Motion::KenBurns {
                from_zoom: 1.0,
                to_zoom: 1.4,
                from_center: (0.3, 0.5),
                to_center: (0.6, 0.4),
            })
            .with_transition(Transition::Crossfade { secs: 0.5 }),
        );
    let scene = RenderPlan::from_timeline(&t, &no_text()).unwrap();
    let mut cpu = CpuCompositor::new();
    let mut gpu = gpu;
    cpu.prepare(&scene).unwrap();
    gpu.prepare(&scene).unwrap();
    let times: Vec<f64> = (0..90)
        .chain((0..90).rev().step_by(7))
        .map(|i| f64::from(i) / 30.0)
        .collect();
    let mut a = Frame::new(90, 160).unwrap();
    let mut b = Frame::new(90, 160).unwrap();
    let mut seen = std::collections::HashSet::new();
    for &tt in &times {
        cpu.render_frame(&scene, tt, &mut a).unwrap();
        gpu.render_frame(&scene, tt, &mut b).unwrap();
        let (mut max, mut sum) = (0u8, 0u64);
        for (x, y) in a.rgba.iter().zip(&b.rgba) {
            max = max.max(x.abs_diff(*y));
            sum += u64::from(x.abs_diff(*y));
        }
        let mean = sum as f64 / a.rgba.len() as f64;
        assert!(
            max <= 2 && mean <= 0.5,
            "t = {tt}: max {max}, mean {mean:.3}"
        );
        seen.insert(a.rgba.clone());
    }
    assert!(
        seen.len() > 40,
        "the picture moves: {} distinct frames",
        seen.len()
    );
}

/// Clips tagged BT.709 (the usual stock footage) and BT.601 both decode to the colours that
/// were painted: each is converted with the matrix its SPS names.
#[test]
fn clips_decode_with_the_matrix_their_sps_names() {
    if !ffmpeg_ok() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for (name, matrix, space, want) in [
        ("709.mp4", "bt709", "bt709", ColorMatrix::Bt709),
        ("601.mp4", "bt601", "smpte170m", ColorMatrix::Bt601),
    ] {
        let scale = format!("scale=out_color_matrix={matrix}:out_range=tv,format=yuv420p");
        let args = [
            "-vf",
            &scale,
            "-c:v",
            "libx264",
            "-colorspace",
            space,
            "-color_primaries",
            space,
            "-color_trc",
            space,
        ];
        let Some(p) = ffmpeg_clip(dir.path(), name, &args) else {
            eprintln!("SKIPPED {name}: ffmpeg has no libx264");
            continue;
        };
        let src = ClipSource::open(&p).unwrap();
        assert_eq!(src.info().color.matrix, want, "{name}");
        let mut dec = src.decoder().unwrap();
        let f = dec.next_frame().unwrap().unwrap();
        let at = |x: u32, y: u32| texel(f.image, x, y);
        assert!(near(at(10, 45), RED, 10), "{name}: {:?}", at(10, 45));
        assert!(near(at(150, 45), BLUE, 10), "{name}: {:?}", at(150, 45));
        assert!(near(at(80, 45), WHITE, 10), "{name}: {:?}", at(80, 45));
    }
}

//! Video clips whose video track has an edit list (`edts/elst`): clips made at test time with
//! the crate's own encoder (or ffmpeg's libx264, with B-frames), cut without re-encoding by
//! `ffmpeg -ss 0.7 -c copy` (which keeps the frames from the keyframe at 0.5 s and hides the
//! first 0.2 s with an edit), and edits patched into the file's bytes: a shorter edit, and one
//! starting between two frames. Each frame's green level encodes its index.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;

use ytempire_core::{Segment, Timeline, VideoSpec};
use ytempire_render::clip::{ClipFrame, ClipSource, clip_visual};
use ytempire_render::scene::{ClipPlayback, RenderPlan, SceneStyle};
use ytempire_render::{Compositor, CpuCompositor, Frame};

// Test clip geometry: 160×90 at 10 fps, 20 frames (2 s), IDR every 5 frames.
use common::{CLIP_FPS as FPS, CLIP_FRAMES as FRAMES, CLIP_H as H, CLIP_W as W};
use common::{ffmpeg_ok, frame_of, green};
/// Where the clips are cut, and the first frame shown after the cut.
const CUT: &str = "0.7";
const FIRST: usize = 7;

/// Frame `i`: one flat colour whose green level encodes `i`.
fn paint(i: usize, f: &mut Frame) {
    for px in f.rgba.chunks_exact_mut(4) {
        px.copy_from_slice(&[40, green(i), 120, 255]);
    }
}

/// Which frame of the test clip a decoded clip frame is.
fn shows(f: &ClipFrame<'_>) -> usize {
    let i = (45 * f.image.width + 80) as usize * 4;
    let p = &f.image.rgba[i..i + 4];
    frame_of([p[0], p[1], p[2], p[3]])
}

/// `ffmpeg -ss CUT -i src -c copy out`, without re-encoding.
fn cut(src: &Path, out: &Path) {
    let o = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-ss", CUT, "-i"])
        .arg(src)
        .args(["-c", "copy"])
        .arg(out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// The crate's own clip, cut at 0.7 s by ffmpeg: `(dir, cut path)`.
fn own_cut() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("own.mp4");
    common::make_clip(&src, (W, H, FPS), FRAMES, paint);
    let out = dir.path().join("cut.mp4");
    cut(&src, &out);
    (dir, out)
}

/// The test clip encoded by ffmpeg's libx264 with B-frames; `None` without libx264.
fn x264_clip(dir: &Path) -> Option<PathBuf> {
    let args = [
        "-c:v", "libx264", "-bf", "3", "-g", "10", "-pix_fmt", "yuv420p",
    ];
    common::ffmpeg_clip(&dir.join("bframes.mp4"), paint, &args)
}

/// `(start, end)` in `b` of the first box of each type along `path`, each searched inside the
/// one before (the last one's range is returned, header included).
fn find_box(b: &[u8], path: &[&[u8; 4]]) -> Option<(usize, usize)> {
    let be32 = |p: usize| u32::from_be_bytes(b[p..p + 4].try_into().unwrap());
    let (mut p, mut end) = (0, b.len());
    let mut found = None;
    for kind in path {
        found = None;
        while p + 8 <= end {
            let (size, header) = match be32(p) {
                0 => (end - p, 8),
                1 => (
                    u64::from_be_bytes(b[p + 8..p + 16].try_into().unwrap()) as usize,
                    16,
                ),
                s => (s as usize, 8),
            };
            if &b[p + 4..p + 8] == *kind {
                found = Some((p, p + size));
                (p, end) = (p + header, p + size);
                break;
            }
            p += size.max(8);
        }
        found?;
    }
    found
}

/// The `timescale` of an `mvhd` or `mdhd` box at `at`.
fn timescale(b: &[u8], at: usize) -> u32 {
    let p = if b[at + 8] == 1 { at + 28 } else { at + 20 };
    u32::from_be_bytes(b[p..p + 4].try_into().unwrap())
}

/// The first track's edit list: where each entry is in `b`, with its `edit_duration` (movie
/// timescale) and `media_time` (media timescale).
struct Elst {
    version: u8,
    entries: Vec<(usize, u64, i64)>,
}

fn elst(b: &[u8]) -> Option<Elst> {
    let (at, _) = find_box(b, &[b"moov", b"trak", b"edts", b"elst"])?;
    let version = b[at + 8];
    let count = u32::from_be_bytes(b[at + 12..at + 16].try_into().unwrap()) as usize;
    let size = if version == 1 { 20 } else { 12 };
    let entries = (0..count)
        .map(|i| {
            let p = at + 16 + i * size;
            if version == 1 {
                let d = u64::from_be_bytes(b[p..p + 8].try_into().unwrap());
                let m = i64::from_be_bytes(b[p + 8..p + 16].try_into().unwrap());
                (p, d, m)
            } else {
                let d = u32::from_be_bytes(b[p..p + 4].try_into().unwrap());
                let m = i32::from_be_bytes(b[p + 4..p + 8].try_into().unwrap());
                (p, u64::from(d), i64::from(m))
            }
        })
        .collect();
    Some(Elst { version, entries })
}

/// Rewrite entry `i` of the first track's edit list.
fn set_edit(b: &mut [u8], i: usize, edit_duration: u64, media_time: i64) {
    let e = elst(b).unwrap();
    let p = e.entries[i].0;
    if e.version == 1 {
        b[p..p + 8].copy_from_slice(&edit_duration.to_be_bytes());
        b[p + 8..p + 16].copy_from_slice(&media_time.to_be_bytes());
    } else {
        let d = u32::try_from(edit_duration).unwrap();
        let m = i32::try_from(media_time).unwrap();
        b[p..p + 4].copy_from_slice(&d.to_be_bytes());
        b[p + 4..p + 8].copy_from_slice(&m.to_be_bytes());
    }
}

/// The movie and media (first track) timescales.
fn timescales(b: &[u8]) -> (u32, u32) {
    let mvhd = find_box(b, &[b"moov", b"mvhd"]).unwrap().0;
    let mdhd = find_box(b, &[b"moov", b"trak", b"mdia", b"mdhd"])
        .unwrap()
        .0;
    (timescale(b, mvhd), timescale(b, mdhd))
}

/// Every frame by `next_frame`: `(index, time, frame of the test clip shown)`.
fn play(src: &ClipSource) -> Vec<(usize, f64, usize)> {
    let mut dec = src.decoder().unwrap();
    let mut out = Vec::new();
    while let Some(f) = dec.next_frame().unwrap() {
        out.push((f.index, f.time_secs, shows(&f)));
    }
    assert!(dec.next_frame().unwrap().is_none(), "stays at the end");
    out
}

/// Check that `next_frame` gives frames `FIRST..FIRST + times.len()` of the test clip at
/// `times`.
fn assert_plays(src: &ClipSource, times: &[f64]) {
    let got = play(src);
    assert_eq!(got.len(), times.len(), "{got:?}");
    for (n, ((index, t, frame), want)) in got.into_iter().zip(times).enumerate() {
        assert_eq!((index, frame), (n, FIRST + n), "frame {n}");
        assert!((t - want).abs() < 1e-6, "frame {n} at {t} s, not {want}");
    }
    let listed: Vec<f64> = src.frame_times().collect();
    assert_eq!(listed.len(), times.len());
    assert!(listed.iter().zip(times).all(|(a, b)| (a - b).abs() < 1e-6));
}

/// `frame_at(t)` for each `(t, index)`: that index, showing frame `FIRST + index`.
fn assert_seeks(src: &ClipSource, seeks: &[(f64, usize)]) {
    let mut dec = src.decoder().unwrap();
    for &(t, want) in seeks {
        let f = dec.frame_at(t).unwrap();
        assert_eq!((f.index, shows(&f)), (want, FIRST + want), "t = {t}");
    }
}

fn render(path: &Path, playback: ClipPlayback, times: &[f64]) -> Vec<usize> {
    let seg = Segment::new(clip_visual("cut", path).unwrap(), 0.0, 3.0);
    let t = Timeline::new(VideoSpec::new(W, H, 30)).with_segment(seg);
    let style = SceneStyle {
        on_screen_text: false,
        clip_playback: playback,
        ..SceneStyle::default()
    };
    let scene = RenderPlan::from_timeline(&t, &style).unwrap();
    let mut c = CpuCompositor::new();
    c.prepare(&scene).unwrap();
    let mut f = Frame::new(W, H).unwrap();
    times
        .iter()
        .map(|&tt| {
            c.render_frame(&scene, tt, &mut f).unwrap();
            let i = (45 * W + 80) as usize * 4;
            let p = &f.rgba[i..i + 4];
            frame_of([p[0], p[1], p[2], p[3]])
        })
        .collect()
}

/// `n` times 0.1 s apart from 0.
fn tenths(n: usize) -> Vec<f64> {
    (0..n).map(|i| i as f64 / 10.0).collect()
}

#[test]
fn a_clip_cut_by_ffmpeg_plays_from_its_cut_at_time_zero() {
    if !ffmpeg_ok() {
        return;
    }
    let (_dir, path) = own_cut();
    let bytes = std::fs::read(&path).unwrap();
    // What ffmpeg wrote: the frames from the keyframe at 0.5 s, the first 0.2 s of them hidden
    // by a single edit lasting the remaining 1.3 s.
    let (movie, media) = timescales(&bytes);
    let e = elst(&bytes).expect("ffmpeg -ss … -c copy writes an edit list");
    let mapped: Vec<(u64, i64)> = e.entries.iter().map(|&(_, d, m)| (d, m)).collect();
    assert_eq!(
        mapped,
        [(u64::from(movie) * 13 / 10, i64::from(media) / 5)],
        "movie timescale {movie}, media timescale {media}"
    );

    let src = ClipSource::open(&path).unwrap();
    let info = src.info();
    assert_eq!(info.frames, 13, "frames 7..=19 of the 15 kept: {info:?}");
    assert!((info.duration_secs - 1.3).abs() < 1e-6, "{info:?}");
    assert!((info.fps - 10.0).abs() < 1e-6, "{info:?}");
    assert!(!info.reordered);
    let v = clip_visual("cut", &path).unwrap();
    assert!((v.duration_secs.unwrap() - 1.3).abs() < 1e-6);
    let mem = ClipSource::from_bytes("cut", bytes).unwrap();
    assert_eq!(mem.info(), info);

    assert_plays(&src, &tenths(13));
    assert_seeks(
        &src,
        &[
            (0.0, 0),
            (-1.0, 0),
            (0.0999, 0),
            (0.1, 1),
            (0.55, 5),
            (0.25, 2), // backward: restarts at the (hidden) keyframe, frame 5 of the source
            (0.35, 3), // frame 10 of the source: its own keyframe
            (1.25, 12), // forward past a keyframe
            (1.3, 12), // the end: the last frame
            (99.0, 12),
            (0.05, 0), // back to the start
            (f64::NAN, 0),
        ],
    );
    let mut dec = src.decoder().unwrap();
    assert_eq!(dec.frame(1000).unwrap().index, 12);
    assert_eq!(shows(&dec.frame(0).unwrap()), FIRST);
    let first = src.first_frame().unwrap();
    assert_eq!(frame_of(first.get_pixel(80, 45).0), FIRST);
}

#[test]
fn an_edit_shorter_than_the_media_never_shows_the_frames_after_it() {
    if !ffmpeg_ok() {
        return;
    }
    let (dir, path) = own_cut();
    let mut bytes = std::fs::read(&path).unwrap();
    let (movie, _) = timescales(&bytes);
    let media_time = elst(&bytes).unwrap().entries[0].2;
    // 0.85 s from the cut: frames 7..=15 (15 starts at 0.8 s), frame 16 (at 0.9 s) dropped.
    set_edit(&mut bytes, 0, u64::from(movie) * 85 / 100, media_time);
    let short = dir.path().join("short.mp4");
    std::fs::write(&short, &bytes).unwrap();

    let src = ClipSource::open(&short).unwrap();
    assert_eq!(src.info().frames, 9, "{:?}", src.info());
    assert!(
        (src.info().duration_secs - 0.85).abs() < 1e-6,
        "{:?}",
        src.info()
    );
    assert_plays(&src, &tenths(9));
    assert_seeks(&src, &[(0.84, 8), (0.86, 8), (5.0, 8), (0.3, 3), (1.0, 8)]);
    let mut dec = src.decoder().unwrap();
    assert_eq!(shows(&dec.frame(1000).unwrap()), 15);

    // Played for 3 s, looping or holding: never a frame past 15.
    let times: Vec<f64> = (0..90).map(|i| f64::from(i) / 30.0).collect();
    let looped = render(&short, ClipPlayback::Loop, &times);
    assert!(
        looped.iter().all(|f| (FIRST..=15).contains(f)),
        "{looped:?}"
    );
    assert_eq!(looped[0], FIRST);
    assert_eq!(looped[25], 15, "0.833 s: still the last frame");
    assert_eq!(looped[26], FIRST, "0.867 s: looped back to the start");
    let held = render(&short, ClipPlayback::HoldLastFrame, &[0.0, 0.84, 1.0, 2.9]);
    assert_eq!(held, [FIRST, 15, 15, 15]);
}

#[test]
fn an_edit_starting_between_frames_shows_the_frame_on_screen_from_zero() {
    if !ffmpeg_ok() {
        return;
    }
    let (_dir, path) = own_cut();
    let mut bytes = std::fs::read(&path).unwrap();
    let (_, media) = timescales(&bytes);
    let (_, duration, media_time) = elst(&bytes).unwrap().entries[0];
    // Start 0.05 s later, at 0.75 s into the source: frame 7 is on screen until 0.8 s.
    set_edit(&mut bytes, 0, duration, media_time + i64::from(media) / 20);
    let src = ClipSource::from_bytes("late", bytes).unwrap();
    assert_eq!(src.info().frames, 13, "{:?}", src.info());
    // The edit's 1.3 s would run past the media, which ends 1.25 s after the edit's start.
    assert!(
        (src.info().duration_secs - 1.25).abs() < 1e-6,
        "{:?}",
        src.info()
    );
    let mut times = vec![0.0];
    times.extend((1..13).map(|i| i as f64 / 10.0 - 0.05));
    assert_plays(&src, &times);
    assert_seeks(
        &src,
        &[(0.0, 0), (0.049, 0), (0.05, 1), (1.2, 12), (0.1, 1)],
    );
}

#[test]
fn a_cut_b_frame_clip_plays_from_its_cut() {
    if !ffmpeg_ok() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let Some(full) = x264_clip(dir.path()) else {
        eprintln!("SKIPPED: ffmpeg has no libx264");
        return;
    };
    // Uncut, libx264's edit starts at the first composition offset: every frame, from 0 s.
    let src = ClipSource::open(&full).unwrap();
    assert!(src.info().reordered, "{:?}", src.info());
    assert_eq!(src.info().frames, FRAMES);
    assert!((src.info().duration_secs - 2.0).abs() < 1e-6);
    let got = play(&src);
    assert_eq!(got.first().map(|g| (g.1, g.2)), Some((0.0, 0)), "{got:?}");
    assert_eq!(got.len(), FRAMES);

    // Cut at 0.7 s: the frames before it are hidden, frames 7..=19 shown, still reordered.
    let path = dir.path().join("bcut.mp4");
    cut(&full, &path);
    let src = ClipSource::open(&path).unwrap();
    assert!(src.info().reordered, "{:?}", src.info());
    assert_eq!(src.info().frames, 13, "{:?}", src.info());
    assert!(
        (src.info().duration_secs - 1.3).abs() < 1e-6,
        "{:?}",
        src.info()
    );
    assert_plays(&src, &tenths(13));
    assert_seeks(&src, &[(0.35, 3), (0.05, 0), (1.25, 12), (0.6, 6)]);
}

#[test]
fn a_rendered_video_starts_with_the_cut_s_first_frame() {
    if !ffmpeg_ok() {
        return;
    }
    let (_dir, path) = own_cut();
    // 30 fps output over a 1.3-second clip that loops: frame 7 first, again after 1.3 s.
    let got = render(
        &path,
        ClipPlayback::Loop,
        &[0.0, 1.0 / 30.0, 0.55, 1.25, 1.32, 1.45, 2.95],
    );
    assert_eq!(got, [7, 7, 12, 19, 7, 8, 10]);
}

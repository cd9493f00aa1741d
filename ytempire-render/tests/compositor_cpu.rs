//! CPU compositor behaviour: layers change the pixels they should, bad input gives typed
//! errors (never a panic).

use crate::common;

use image::{Rgba, RgbaImage};
use ytempire_core::{ErrorKind, Segment, Timeline, VideoSpec, Visual, WordTiming};
use ytempire_render::scene::{Color, RenderPlan, SceneStyle};
use ytempire_render::{Backend, Compositor, CpuCompositor, Frame, YuvFrame};

fn render(scene: &RenderPlan, t: f64) -> Frame {
    let mut c = CpuCompositor::new();
    c.prepare(scene).unwrap();
    let mut f = Frame::new(scene.spec().width, scene.spec().height).unwrap();
    c.render_frame(scene, t, &mut f).unwrap();
    f
}

fn px(f: &Frame, x: u32, y: u32) -> [u8; 4] {
    let i = (y as usize * f.width as usize + x as usize) * 4;
    [f.rgba[i], f.rgba[i + 1], f.rgba[i + 2], f.rgba[i + 3]]
}

#[test]
fn still_image_fills_frame_with_its_pixels() {
    // A 2x1 image (red | blue) covering a 4x2 frame: left half red, right half blue.
    let img = RgbaImage::from_fn(2, 1, |x, _| {
        if x == 0 {
            Rgba([255, 0, 0, 255])
        } else {
            Rgba([0, 0, 255, 255])
        }
    });
    let t = Timeline::new(VideoSpec::new(4, 2, 30)).with_segment(Segment::new(
        common::visual("rb", &img),
        0.0,
        1.0,
    ));
    let f = render(
        &RenderPlan::from_timeline(&t, &SceneStyle::default()).unwrap(),
        0.5,
    );
    assert_eq!(px(&f, 0, 0), [255, 0, 0, 255]);
    assert_eq!(px(&f, 3, 1), [0, 0, 255, 255]);
    // Pixel 1 samples at texel 0.25 → clamped/blended toward red, pixel 2 toward blue.
    let p1 = px(&f, 1, 0);
    let p2 = px(&f, 2, 0);
    assert!(p1[0] > p1[2] && p2[2] > p2[0], "{p1:?} {p2:?}");
}

#[test]
fn layers_show_up_where_expected() {
    let spec = VideoSpec::new(320, 180, 30);
    for case in common::corpus(spec) {
        let frames: Vec<Frame> = case.times.iter().map(|&t| render(&case.scene, t)).collect();
        assert!(
            frames
                .iter()
                .all(|f| f.rgba.chunks_exact(4).all(|p| p[3] == 255)),
            "{}: frames are opaque",
            case.name
        );
        if [
            "kenburns",
            "crossfade",
            "slide",
            "captions",
            "titles",
            "clip",
        ]
        .iter()
        .any(|n| case.name.starts_with(n))
        {
            assert_ne!(
                frames[0].rgba, frames[1].rgba,
                "{}: frames change over time",
                case.name
            );
        }
    }
}

#[test]
fn caption_highlight_moves_with_the_spoken_word() {
    let spec = VideoSpec::new(320, 180, 30);
    let bg = RgbaImage::from_pixel(32, 18, Rgba([0, 0, 80, 255]));
    let mut t = Timeline::new(spec).with_segment(Segment::new(common::visual("bg", &bg), 0.0, 3.0));
    t.captions = vec![
        WordTiming::new("Left", 0.0, 1.0),
        WordTiming::new("Right", 1.0, 2.0),
    ];
    let mut style = SceneStyle::default();
    style.caption.highlight = Color::rgb(255, 0, 0);
    let scene = RenderPlan::from_timeline(&t, &style).unwrap();
    let red_x = |f: &Frame| {
        let xs: Vec<u32> = (0..f.height)
            .flat_map(|y| (0..f.width).map(move |x| (x, y)))
            .filter(|&(x, y)| {
                let p = px(f, x, y);
                p[0] > 200 && p[1] < 60 && p[2] < 60
            })
            .map(|(x, _)| x)
            .collect();
        assert!(!xs.is_empty(), "highlight visible");
        xs.iter().sum::<u32>() / xs.len() as u32
    };
    let a = red_x(&render(&scene, 0.5));
    let b = red_x(&render(&scene, 1.5));
    assert!(a < 160 && b > 160, "highlight moves right: {a} → {b}");
    // No captions before the first word or long after the last.
    let none = render(&scene, 2.9);
    assert!(none.rgba.chunks_exact(4).all(|p| p[0] < 100));
}

#[test]
fn progress_bar_grows() {
    let spec = VideoSpec::new(200, 200, 30);
    let bg = RgbaImage::from_pixel(8, 8, Rgba([0, 0, 0, 255]));
    let t = Timeline::new(spec).with_segment(Segment::new(common::visual("bg", &bg), 0.0, 4.0));
    let style = SceneStyle {
        progress_bar: Some(Color::rgb(0, 255, 0)),
        ..SceneStyle::default()
    };
    let scene = RenderPlan::from_timeline(&t, &style).unwrap();
    let green = |f: &Frame| (0..200).filter(|&x| px(f, x, 199)[1] == 255).count();
    assert_eq!(green(&render(&scene, 1.0)), 50);
    assert_eq!(green(&render(&scene, 3.0)), 150);
    assert_eq!(
        px(&render(&scene, 3.0), 10, 150)[1],
        0,
        "only the bottom rows"
    );
}

#[test]
fn bad_input_gives_typed_errors() {
    let spec = VideoSpec::new(320, 180, 30);
    let style = SceneStyle::default();
    let mut c = CpuCompositor::new();
    assert_eq!(c.backend(), Backend::Cpu);

    let missing = Visual::image_file("m", 10, 10, "/nonexistent/ytempire.png".into());
    let s = RenderPlan::from_timeline(
        &Timeline::new(spec).with_segment(Segment::new(missing, 0.0, 1.0)),
        &style,
    )
    .unwrap();
    assert_eq!(c.prepare(&s).unwrap_err().kind(), ErrorKind::NotFound);

    let corrupt = Visual::image_bytes("c", 10, 10, "image/png", b"\x89PNG not really".to_vec());
    let s = RenderPlan::from_timeline(
        &Timeline::new(spec).with_segment(Segment::new(corrupt, 0.0, 1.0)),
        &style,
    )
    .unwrap();
    assert_eq!(c.prepare(&s).unwrap_err().kind(), ErrorKind::Render);

    let img = common::picture(16, 16, 0);
    let good = RenderPlan::from_timeline(
        &Timeline::new(spec).with_segment(Segment::new(common::visual("g", &img), 0.0, 1.0)),
        &style,
    )
    .unwrap();
    let mut f = Frame::new(320, 180).unwrap();
    let e = CpuCompositor::new()
        .render_frame(&good, 0.0, &mut f)
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidRequest, "not prepared");
    c.prepare(&good).unwrap();
    let other = RenderPlan::from_timeline(
        &Timeline::new(spec).with_segment(Segment::new(common::visual("g", &img), 0.0, 1.0)),
        &style,
    )
    .unwrap();
    assert_eq!(
        c.render_frame(&other, 0.0, &mut f).unwrap_err().kind(),
        ErrorKind::InvalidRequest,
        "prepared for another scene"
    );
    c.render_frame(&good.clone(), 0.0, &mut f).unwrap();
    let mut wrong = Frame::new(100, 100).unwrap();
    assert_eq!(
        c.render_frame(&good, 0.0, &mut wrong).unwrap_err().kind(),
        ErrorKind::InvalidRequest
    );
    // Odd times are clamped, not panics.
    for t in [-1.0, f64::NAN, f64::INFINITY, 1e9] {
        c.render_frame(&good, t, &mut f).unwrap();
    }

    // Caption text that cannot fit a tiny frame.
    let mut t = Timeline::new(spec).with_segment(Segment::new(common::visual("g", &img), 0.0, 1.0));
    t.captions = vec![WordTiming::new(
        "Supercalifragilisticexpialidocious",
        0.0,
        0.5,
    )];
    let mut huge = SceneStyle::default();
    huge.caption.font_px = 400.0;
    huge.caption.min_font_px = 400.0;
    let s = RenderPlan::from_timeline(&t, &huge).unwrap();
    assert_eq!(
        CpuCompositor::new().prepare(&s).unwrap_err().kind(),
        ErrorKind::InvalidRequest
    );

    // Bad style values.
    let mut bad = SceneStyle::default();
    bad.caption.font_px = f32::NAN;
    let t = Timeline::new(spec).with_segment(Segment::new(common::visual("g", &img), 0.0, 1.0));
    assert_eq!(
        RenderPlan::from_timeline(&t, &bad).unwrap_err().kind(),
        ErrorKind::InvalidRequest
    );
}

/// Leaving cores to the encoder moves the bands to the compositor's own, smaller pool: the
/// pixels are the same to the byte, for every corpus scene, however many cores are left
/// (all of them falls back to drawing on every core).
#[test]
fn leaving_cores_to_the_encoder_changes_no_pixel() {
    let spec = VideoSpec::new(320, 180, 30);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    for case in common::corpus(spec) {
        for left in [1, cores, cores + 3] {
            let mut c = CpuCompositor::new();
            c.leave_cores(left).unwrap();
            c.prepare(&case.scene).unwrap();
            for &t in &case.times {
                let mut f = Frame::new(spec.width, spec.height).unwrap();
                c.render_frame(&case.scene, t, &mut f).unwrap();
                assert!(
                    f.rgba == render(&case.scene, t).rgba,
                    "{} at {t} s with {left} cores left",
                    case.name
                );
            }
        }
    }
}

/// Largest and mean absolute difference of two planes.
fn plane_diff(a: &[u8], b: &[u8]) -> (u8, f64) {
    let max = a
        .iter()
        .zip(b)
        .map(|(x, y)| x.abs_diff(*y))
        .max()
        .unwrap_or(0);
    let sum: u64 = a
        .iter()
        .zip(b)
        .map(|(x, y)| u64::from(x.abs_diff(*y)))
        .sum();
    (max, sum as f64 / a.len().max(1) as f64)
}

/// Drawing I420 gives the RGBA frame converted afterwards: to the byte for the frames drawn in
/// RGBA (backgrounds, clips, rotated or sliding pictures), and up to rounding and chroma
/// sampled at half resolution for the frames drawn in planes (opaque stills under overlays),
/// for every corpus scene and time, on the global pool and on a pool of one (bands converted
/// on whichever thread drew them), at a size whose last band is short (180 = 5 · 32 + 20).
/// The corpus picture is full of sharp edges (a checker, 2-pixel lines), where chroma
/// filtered at half resolution differs most.
#[test]
fn drawing_i420_equals_converting_the_rgba_frame() {
    let spec = VideoSpec::new(320, 180, 30);
    let in_planes = [
        "still",
        "crossfade",
        "captions",
        "headline",
        "titles",
        "wm-",
    ];
    for case in common::corpus(spec) {
        let planes = in_planes.iter().any(|p| case.name.starts_with(p));
        for left in [0, 1] {
            let mut c = CpuCompositor::new();
            c.leave_cores(left).unwrap();
            c.prepare(&case.scene).unwrap();
            assert!(c.draws_yuv());
            for &t in &case.times {
                let before = c.frames_drawn_in_planes();
                let mut yuv = YuvFrame::new(spec.width, spec.height).unwrap();
                c.render_frame_yuv(&case.scene, t, &mut yuv).unwrap();
                let want = YuvFrame::from_rgba(&render(&case.scene, t)).unwrap();
                let what = format!("{} at {t} s, {left} cores left", case.name);
                // The Ken Burns case's first frame has no rotation yet: drawn in planes.
                let drawn = c.frames_drawn_in_planes() - before;
                let expected = planes || (case.name.starts_with("kenburns") && t == 0.0);
                assert_eq!(drawn, u64::from(expected), "{what}");
                if !expected {
                    assert!(yuv == want, "{what}");
                    continue;
                }
                let (y, u, v) = (
                    plane_diff(&yuv.y, &want.y),
                    plane_diff(&yuv.u, &want.u),
                    plane_diff(&yuv.v, &want.v),
                );
                assert!(y.0 <= 3 && y.1 < 0.5, "{what}: luma {y:?}");
                for c in [u, v] {
                    assert!(c.0 <= 24 && c.1 < 2.0, "{what}: chroma {c:?}");
                }
            }
        }
    }
}

/// On a smooth picture, the planes drawn directly are the converted RGBA frame to within a
/// level or two in every plane, through Ken Burns, a crossfade and a progress bar; and they
/// follow the picture, not a constant: a frame drawn in planes differs from the next.
#[test]
fn drawing_in_planes_matches_the_converted_frame_on_a_smooth_picture() {
    let spec = VideoSpec::new(320, 180, 30);
    let smooth = |hue: f32| {
        RgbaImage::from_fn(500, 300, move |x, y| {
            let (x, y) = (x as f32 / 500.0, y as f32 / 300.0);
            let c = |k: f32| (127.5 + 120.0 * ((x * 3.0 + y * 2.0) * k + hue).sin()) as u8;
            Rgba([c(30.0), c(41.0), c(53.0), 255])
        })
    };
    let t = Timeline::new(spec)
        .with_segment(
            Segment::new(common::visual("a", &smooth(0.0)), 0.0, 1.0).with_motion(
                ytempire_core::Motion::KenBurns {
                    from_zoom: 1.0,
                    to_zoom: 1.25,
                    from_center: (0.4, 0.45),
                    to_center: (0.6, 0.55),
                },
            ),
        )
        .with_segment(
            Segment::new(common::visual("b", &smooth(2.0)), 1.0, 2.0)
                .with_transition(ytempire_core::Transition::Crossfade { secs: 0.5 }),
        );
    let style = SceneStyle {
        on_screen_text: false,
        progress_bar: Some(Color::rgba(250, 40, 40, 200)),
        ..SceneStyle::default()
    };
    let scene = RenderPlan::from_timeline(&t, &style).unwrap();
    let mut c = CpuCompositor::new();
    c.prepare(&scene).unwrap();
    let times = [0.0, 0.33, 0.9, 1.1, 1.25, 1.4, 1.9];
    let mut last: Option<YuvFrame> = None;
    for t in times {
        let mut yuv = YuvFrame::new(spec.width, spec.height).unwrap();
        c.render_frame_yuv(&scene, t, &mut yuv).unwrap();
        let want = YuvFrame::from_rgba(&render(&scene, t)).unwrap();
        for (name, got, want) in [
            ("y", &yuv.y, &want.y),
            ("u", &yuv.u, &want.u),
            ("v", &yuv.v, &want.v),
        ] {
            let (max, mean) = plane_diff(got, want);
            let (tmax, tmean) = if name == "y" { (2, 0.5) } else { (10, 1.6) };
            assert!(
                max <= tmax && mean < tmean,
                "{name} at {t} s: {max}, {mean}"
            );
        }
        if let Some(last) = &last {
            assert!(plane_diff(&last.y, &yuv.y).1 > 1.0, "frame at {t} s");
        }
        last = Some(yuv);
    }
    assert_eq!(c.frames_drawn_in_planes(), times.len() as u64);
}

#[test]
fn drawing_i420_checks_its_frame() {
    let spec = VideoSpec::new(320, 180, 30);
    let case = common::corpus(spec).remove(0);
    let mut c = CpuCompositor::new();
    let mut yuv = YuvFrame::new(spec.width, spec.height).unwrap();
    let err = c.render_frame_yuv(&case.scene, 0.0, &mut yuv).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidRequest);
    assert!(err.to_string().contains("prepare"), "{err}");
    c.prepare(&case.scene).unwrap();
    let mut small = YuvFrame::new(160, 90).unwrap();
    let err = c
        .render_frame_yuv(&case.scene, 0.0, &mut small)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidRequest);
    assert!(err.to_string().contains("320x180"), "{err}");
    // Planes cut short are refused, not written past.
    yuv.u.pop();
    let err = c.render_frame_yuv(&case.scene, 0.0, &mut yuv).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidRequest);
}

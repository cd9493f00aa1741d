//! Compositor frame time per backend and layer type at 1920×1080.
//!
//! `cargo bench -p ytempire-render --bench compositor`. `cpu-i420` draws the same scenes
//! straight into I420 (what a render with the CPU compositor does); `rgba-to-i420` times the
//! conversion of one RGBA frame, ours against openh264's hand-written SIMD converter (which
//! the encoders used before); `text` times rasterising one caption and one headline state. The
//! GPU groups (`gpu`: the exact
//! image filter, `gpu-sampler`: the texture unit's) are skipped with a message when no wgpu
//! adapter exists.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    reason = "bench"
)]

use criterion::{Criterion, criterion_group, criterion_main};
use image::{Rgba, RgbaImage};
use ytempire_core::{Motion, Segment, Timeline, Transition, VideoSpec, Visual, WordTiming};
use ytempire_render::scene::{Color, RenderPlan, SceneStyle, Watermark, WatermarkContent};
use ytempire_render::{Compositor, CpuCompositor, Frame, YuvFrame};

fn picture() -> Visual {
    let img = RgbaImage::from_fn(1920, 1080, |x, y| {
        Rgba([(x % 256) as u8, (y % 256) as u8, ((x ^ y) % 256) as u8, 255])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    Visual::image_bytes("bg", 1920, 1080, "image/png", out.into_inner())
}

fn scenes() -> Vec<(&'static str, RenderPlan)> {
    let spec = VideoSpec::landscape();
    let v = picture();
    let kb = Motion::KenBurns {
        from_zoom: 1.0,
        to_zoom: 1.3,
        from_center: (0.5, 0.5),
        to_center: (0.5, 0.5),
    };
    let plain = SceneStyle {
        on_screen_text: false,
        ..SceneStyle::default()
    };
    let one = |m: Motion| {
        Timeline::new(spec).with_segment(Segment::new(v.clone(), 0.0, 10.0).with_motion(m))
    };
    let mut captioned = one(kb.clone());
    captioned.captions = "Hello from the reference caption"
        .split(' ')
        .enumerate()
        .map(|(i, w)| WordTiming::new(w, i as f64 * 0.4, i as f64 * 0.4 + 0.35))
        .collect();
    let crossfade = Timeline::new(spec)
        .with_segment(Segment::new(v.clone(), 0.0, 5.0).with_motion(kb.clone()))
        .with_segment(
            Segment::new(v.clone(), 5.0, 10.0)
                .with_motion(kb.clone())
                .with_transition(Transition::Crossfade { secs: 10.0 }),
        );
    let full_style = SceneStyle {
        progress_bar: Some(Color::rgb(255, 0, 0)),
        watermark: Some(Watermark {
            content: WatermarkContent::Text("@ytempire".into()),
            corner: ytempire_render::scene::Corner::TopRight,
            opacity: 0.8,
            height_px: 60.0,
        }),
        ..plain.clone()
    };
    let mk = |t: &Timeline, s: &SceneStyle| RenderPlan::from_timeline(t, s).unwrap();
    vec![
        ("still", mk(&one(Motion::Still), &plain)),
        ("kenburns", mk(&one(kb.clone()), &plain)),
        ("crossfade", mk(&crossfade, &plain)),
        ("kenburns+caption", mk(&captioned, &plain)),
        ("full", mk(&captioned, &full_style)),
    ]
}

fn bench_backend(c: &mut Criterion, name: &str, comp: &mut dyn Compositor) {
    let mut group = c.benchmark_group(format!("compositor-1080p/{name}"));
    group.sample_size(20);
    for (layer, scene) in scenes() {
        comp.prepare(&scene).unwrap();
        let mut frame = Frame::new(1920, 1080).unwrap();
        let mut i = 0u64;
        group.bench_function(layer, |b| {
            b.iter(|| {
                // Walk through time so captions and motion change like in a real render.
                let t = 5.0 + (i % 150) as f64 / 30.0;
                i += 1;
                comp.render_frame(&scene, t, &mut frame).unwrap();
            });
        });
    }
    group.finish();
}

fn bench_i420(c: &mut Criterion) {
    let mut group = c.benchmark_group("compositor-1080p/cpu-i420");
    group.sample_size(20);
    let mut comp = CpuCompositor::new();
    for (layer, scene) in scenes() {
        comp.prepare(&scene).unwrap();
        let mut frame = YuvFrame::new(1920, 1080).unwrap();
        let mut i = 0u64;
        group.bench_function(layer, |b| {
            b.iter(|| {
                let t = 5.0 + (i % 150) as f64 / 30.0;
                i += 1;
                comp.render_frame_yuv(&scene, t, &mut frame).unwrap();
            });
        });
    }
    group.finish();
}

fn bench_conversion(c: &mut Criterion) {
    use openh264::formats::{RgbaSliceU8, YUVBuffer};
    let mut rgba = Frame::new(1920, 1080).unwrap();
    for (i, b) in rgba.rgba.iter_mut().enumerate() {
        *b = (i * 7 % 251) as u8;
    }
    let mut group = c.benchmark_group("rgba-to-i420-1080p");
    group.sample_size(30);
    let mut ours = YuvFrame::new(1920, 1080).unwrap();
    group.bench_function("ytempire", |b| {
        b.iter(|| ours.fill_from_rgba(&rgba).unwrap());
    });
    let mut theirs = YUVBuffer::new(1920, 1080);
    group.bench_function("openh264", |b| {
        b.iter(|| theirs.read_rgba8(RgbaSliceU8::new(&rgba.rgba, (1920, 1080))));
    });
    group.finish();
}

/// Rasterising one caption state (four words, one highlighted) and one headline state (the
/// procedural pictures' key phrase at 1080p, words not yet shown transparent): a render
/// rasterises one of these whenever the spoken word changes.
fn bench_text(c: &mut Criterion) {
    use ytempire_render::text::{TextBlock, TextRenderer};
    let mut group = c.benchmark_group("text-1080p");
    group.sample_size(30);
    let mut text = TextRenderer::new();
    let (white, gold) = (Color::rgb(255, 255, 255), Color::rgb(255, 214, 0));
    let caption = [
        ("Octopuses ", white),
        ("change ", gold),
        ("colour ", white),
        ("quickly", white),
    ];
    group.bench_function("caption", |b| {
        b.iter(|| {
            text.render(&TextBlock {
                spans: &caption,
                font_px: 64.0,
                min_font_px: 28.0,
                stroke_px: 4.0,
                stroke: Color::rgb(0, 0, 0),
                box_color: Color::rgba(0, 0, 0, 110),
                padding_px: 14.0,
                max_size: (1728, 486),
                centered: true,
            })
            .unwrap()
        });
    });
    let clear = Color::rgba(0, 0, 0, 0);
    let headline = [
        ("Skin ", white),
        ("that ", white),
        ("thinks ", clear),
        ("in ", clear),
        ("colour", clear),
    ];
    group.bench_function("headline", |b| {
        b.iter(|| {
            text.render(&TextBlock {
                spans: &headline,
                font_px: 120.0,
                min_font_px: 27.0,
                stroke_px: 5.4,
                stroke: Color::rgba(10, 10, 20, 220),
                box_color: clear,
                padding_px: 0.0,
                max_size: (1344, 432),
                centered: true,
            })
            .unwrap()
        });
    });
    group.finish();
}

fn compositor(c: &mut Criterion) {
    bench_text(c);
    bench_conversion(c);
    bench_backend(c, "cpu", &mut CpuCompositor::new());
    bench_i420(c);
    #[cfg(feature = "gpu")]
    match ytempire_render::GpuCompositor::new() {
        Ok(mut g) => {
            eprintln!("GPU adapter: {}", g.adapter_name());
            g.set_image_filter(ytempire_render::gpu::ImageFilter::Exact);
            bench_backend(c, "gpu", &mut g);
            g.set_image_filter(ytempire_render::gpu::ImageFilter::Sampler);
            bench_backend(c, "gpu-sampler", &mut g);
        }
        Err(e) => eprintln!("skipping GPU compositor bench: {e}"),
    }
}

criterion_group!(benches, compositor);
criterion_main!(benches);

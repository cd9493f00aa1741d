//! Scene corpus shared by the compositor tests: every layer type in every aspect.
#![allow(dead_code, reason = "each test binary uses a different subset")]

use image::{Rgba, RgbaImage};
use ytempire_core::{Motion, Segment, Timeline, Transition, VideoSpec, Visual, WordTiming};
use ytempire_render::scene::{
    Background, Color, Corner, Scene, SceneStyle, Watermark, WatermarkContent,
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

/// The three aspects, small enough for quick tests.
pub(crate) const SPECS: [VideoSpec; 3] = [
    VideoSpec::new(320, 180, 30),
    VideoSpec::new(180, 320, 30),
    VideoSpec::new(200, 200, 30),
];

/// A named scene and the times to render it at.
pub(crate) struct Case {
    pub(crate) name: String,
    pub(crate) scene: Scene,
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
        let scene = Scene::from_timeline(&t, &style).unwrap();
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
    // Captions with word highlight, stroke and box.
    let mut t = Timeline::new(spec).with_segment(Segment::new(visual("a", &a), 0.0, 3.0));
    t.captions = captions();
    add("captions", t, no_text.clone(), vec![0.3, 0.9, 2.3]);
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

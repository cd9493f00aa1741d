//! Headlines (a procedural picture's key phrase) drawn by the compositor as animated
//! typography: one word appears as each word is spoken in its segment, the words keep their
//! places, and the headline is gone before the next picture crossfades in.

use crate::common;

use image::{Rgba, RgbaImage};
use ytempire_core::{
    ImageRequest, ImageSource, Segment, Timeline, Transition, VideoSpec, WordTiming,
};
use ytempire_render::scene::{RenderPlan, SceneStyle};
use ytempire_render::sources::{Procedural, SelectorConfig, VisualSelector};
use ytempire_render::{Compositor, CpuCompositor, Frame};

fn frame(plan: &RenderPlan, t: f64) -> Frame {
    let mut c = CpuCompositor::new();
    c.prepare(plan).unwrap();
    let mut f = Frame::new(plan.spec().width, plan.spec().height).unwrap();
    c.render_frame(plan, t, &mut f).unwrap();
    f
}

/// White pixels above the captions (the headline's area): `(count, leftmost x)`.
fn headline_pixels(plan: &RenderPlan, t: f64) -> (usize, u32) {
    let f = frame(plan, t);
    let (mut n, mut left) = (0, u32::MAX);
    for y in 0..f.height * 6 / 10 {
        for x in 0..f.width {
            let i = (y as usize * f.width as usize + x as usize) * 4;
            if f.rgba[i..i + 3].iter().all(|&c| c > 235) {
                n += 1;
                left = left.min(x);
            }
        }
    }
    (n, left)
}

fn spoken(words: &[&str], from: f64) -> Vec<WordTiming> {
    words
        .iter()
        .enumerate()
        .map(|(i, w)| WordTiming::new(*w, from + i as f64 * 0.5, from + i as f64 * 0.5 + 0.4))
        .collect()
}

#[test]
fn headline_words_appear_as_they_are_spoken_and_leave_before_the_crossfade() {
    let bg = RgbaImage::from_pixel(64, 36, Rgba([20, 40, 90, 255]));
    let a = common::visual("a", &bg).with_headline("Octopus skin cells");
    let b = common::visual("b", &bg).with_headline("Deep sea light");
    let mut t = Timeline::new(VideoSpec::new(640, 360, 30))
        .with_segment(Segment::new(a, 0.0, 4.0))
        .with_segment(
            Segment::new(b, 4.0, 8.0).with_transition(Transition::Crossfade { secs: 0.5 }),
        );
    let mut words = spoken(&["Octopuses", "change", "colour", "in", "a", "blink."], 0.5);
    words.extend(spoken(&["Deep", "down", "there", "is", "light."], 4.6));
    t.captions = words;
    let style = SceneStyle {
        caption: ytempire_render::scene::CaptionStyle {
            enabled: false,
            ..SceneStyle::default().caption
        },
        ..SceneStyle::default()
    };
    let plan = RenderPlan::from_timeline(&t, &style).unwrap();

    // Nothing before the first spoken word.
    assert_eq!(headline_pixels(&plan, 0.3).0, 0);
    // One word, then two, then all three (each after its 0.25 s fade-in).
    let (one, left1) = headline_pixels(&plan, 0.8);
    let (two, left2) = headline_pixels(&plan, 1.3);
    let (three, left3) = headline_pixels(&plan, 1.8);
    assert!(one > 50, "{one}");
    assert!(two > one + 50 && three > two + 50, "{one} {two} {three}");
    // The first word stays where it was as the others appear (centred as a whole phrase).
    assert_eq!((left1, left2), (left3, left3));
    // Words not yet spoken leave no mark at all (no dark glyphs, no outline): with one word
    // shown, the right part of the phrase is the bare picture.
    let mut bare = t.clone();
    for s in &mut bare.segments {
        s.visual.headline = None;
    }
    let bare = RenderPlan::from_timeline(&bare, &style).unwrap();
    let (f, g) = (frame(&plan, 0.8), frame(&bare, 0.8));
    let differ = (0..f.height * 6 / 10)
        .flat_map(|y| (f.width * 6 / 10..f.width).map(move |x| (x, y)))
        .filter(|&(x, y)| {
            let i = (y as usize * f.width as usize + x as usize) * 4;
            (0..3).any(|c| f.rgba[i + c].abs_diff(g.rgba[i + c]) > 8)
        })
        .count();
    assert_eq!(differ, 0);
    // Fading out before the next segment starts; gone while the pictures crossfade.
    let (fading, _) = headline_pixels(&plan, 3.9);
    assert!(fading < three, "{fading} vs {three}");
    assert_eq!(headline_pixels(&plan, 4.2).0, 0);
    // The next headline starts with its segment's first spoken word after the crossfade.
    assert_eq!(headline_pixels(&plan, 4.55).0, 0);
    assert!(headline_pixels(&plan, 4.9).0 > 50);
}

#[tokio::test]
async fn procedural_pictures_carry_their_key_phrase_as_a_headline_not_in_their_pixels() {
    let req = ImageRequest::new("octopus skin cells", 640, 360);
    let with = Procedural::new().fetch(&req).await.unwrap();
    let plain = Procedural::new().plain().fetch(&req).await.unwrap();
    assert_eq!(
        with.visuals[0].headline.as_deref(),
        Some("Octopus skin cells")
    );
    assert_eq!(plain.visuals[0].headline, None);
    // No text in the picture itself: no more near-white pixels than the plain picture.
    let white = |v: &ytempire_core::Visual| {
        let ytempire_core::VisualContent::Bytes { data, .. } = &v.content else {
            panic!("bytes")
        };
        image::load_from_memory(data)
            .unwrap()
            .to_rgb8()
            .pixels()
            .filter(|p| p.0.iter().all(|&c| c > 235))
            .count()
    };
    assert!(white(&with.visuals[0]) <= white(&plain.visuals[0]));
    let baked = Procedural::new()
        .render_with_phrase("octopus skin cells", 0, 640, 360)
        .unwrap();
    let baked_white = baked
        .pixels()
        .filter(|p| p.0.iter().all(|&c| c > 235))
        .count();
    assert!(baked_white > white(&with.visuals[0]) + 500, "{baked_white}");

    // The selector's crop keeps the headline (and everything else said about the picture).
    let chain: Vec<ytempire_core::DynImageSource> = vec![std::sync::Arc::new(Procedural::new())];
    let mut selector = VisualSelector::new(chain, SelectorConfig::new(640, 360));
    let picked = selector.select_query("octopus skin cells").await.unwrap();
    assert_eq!(
        picked.visual.headline.as_deref(),
        Some("Octopus skin cells")
    );
    assert_eq!(picked.visual.provider, "procedural");
}

//! Tests of the procedural source: determinism, palettes, key phrases, bad input.

use super::*;
use crate::sources::inspect::decode_image;
use ytempire_core::{ImageSourceExt, VisualContent};

fn mean_abs_diff(a: &RgbImage, b: &RgbImage) -> f64 {
    let sum: u64 = a
        .as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(x, y)| u64::from(x.abs_diff(*y)))
        .sum();
    sum as f64 / a.as_raw().len() as f64
}

#[test]
fn same_query_same_pixels() {
    let p = Procedural::new();
    let a = p.render("Octopus camouflage", 0, 96, 160).unwrap();
    let b = p.render("  octopus CAMOUFLAGE ", 0, 96, 160).unwrap();
    assert_eq!(a, b);
}

#[test]
fn different_queries_and_variants_differ() {
    let p = Procedural::new();
    let a = p.render("octopus camouflage", 0, 96, 160).unwrap();
    let b = p.render("stock market crash", 0, 96, 160).unwrap();
    let c = p.render("octopus camouflage", 1, 96, 160).unwrap();
    assert!(mean_abs_diff(&a, &b) > 8.0, "{}", mean_abs_diff(&a, &b));
    assert!(mean_abs_diff(&a, &c) > 4.0, "{}", mean_abs_diff(&a, &c));
}

#[test]
fn not_flat_and_not_blown_out() {
    let img = Procedural::new()
        .render("galaxy at night", 3, 200, 120)
        .unwrap();
    let lum: Vec<f64> = img
        .pixels()
        .map(|p| (f64::from(p[0]) + f64::from(p[1]) + f64::from(p[2])) / 3.0)
        .collect();
    let mean = lum.iter().sum::<f64>() / lum.len() as f64;
    let var = lum.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / lum.len() as f64;
    assert!(var.sqrt() > 4.0, "picture is flat: sd {}", var.sqrt());
    assert!((8.0..200.0).contains(&mean), "mean luminance {mean}");
}

#[test]
fn keyword_hues_steer_the_palette() {
    let p = Procedural::new();
    let blue = p.render("deep ocean reef", 0, 64, 64).unwrap();
    assert_eq!(hue_hint("How octopuses change colour"), Some(200.0));
    let (mut r, mut b) = (0u64, 0u64);
    for px in blue.pixels() {
        r += u64::from(px[0]);
        b += u64::from(px[2]);
    }
    assert!(b > r, "ocean should be blue-ish: r {r} b {b}");
}

/// Hue (degrees) of a picture's mean colour.
fn mean_hue(img: &RgbImage) -> f32 {
    let n = img.pixels().len() as f32;
    let [r, g, b] = img.pixels().fold([0.0f32; 3], |mut acc, p| {
        for (a, c) in acc.iter_mut().zip(p.0) {
            *a += f32::from(c) / n;
        }
        acc
    });
    let (max, min) = (r.max(g).max(b), r.min(g).min(b));
    let d = (max - min).max(1e-3);
    let h = if max == r {
        (g - b) / d
    } else if max == g {
        (b - r) / d + 2.0
    } else {
        (r - g) / d + 4.0
    };
    (h * 60.0).rem_euclid(360.0)
}

/// The widest circular gap between any two hues.
fn hue_spread(hues: &[f32]) -> f32 {
    let mut worst: f32 = 0.0;
    for a in hues {
        for b in hues {
            let d = (a - b).abs() % 360.0;
            worst = worst.max(d.min(360.0 - d));
        }
    }
    worst
}

#[test]
fn a_theme_gives_all_its_scenes_one_hue_family() {
    let p = Procedural::new();
    let queries = [
        "ocean waves",
        "forest trees",
        "fire flames",
        "castle walls",
        "robot",
    ];
    let hues = |theme: Option<&str>| -> Vec<f32> {
        queries
            .iter()
            .map(|q| mean_hue(&p.render_in(q, theme, 0, 64, 36).unwrap()))
            .collect()
    };
    let free = hues(None);
    let themed = hues(Some("How octopuses change colour"));
    let other = hues(Some("The history of Rome"));
    assert!(hue_spread(&free) > 90.0, "{free:?}");
    assert!(hue_spread(&themed) < 70.0, "{themed:?}");
    assert!(hue_spread(&other) < 70.0, "{other:?}");
    // Different topics, different families.
    assert!(
        hue_spread(&[themed[0], other[0]]) > 20.0,
        "{themed:?} {other:?}"
    );
}

#[test]
fn brand_palette_is_used_and_bad_colours_rejected() {
    assert!(Procedural::new().with_palette(&["#12345"]).is_err());
    let red = Procedural::new()
        .with_palette(&["#400000", "#ff2020", "#ffd0d0"])
        .unwrap()
        .render("anything", 0, 64, 64)
        .unwrap();
    let (mut r, mut g) = (0u64, 0u64);
    for px in red.pixels() {
        r += u64::from(px[0]);
        g += u64::from(px[1]);
    }
    assert!(r > g * 2, "brand red expected: r {r} g {g}");
}

#[test]
fn phrase_is_drawn_over_the_background() {
    let p = Procedural::new();
    let plain = p.render("octopus skin cells", 0, 640, 360).unwrap();
    let with = p
        .render_with_phrase("octopus skin cells", 0, 640, 360)
        .unwrap();
    assert_eq!(key_phrase("  octopus   skin cells "), "Octopus skin cells");
    // White glyphs appear in the text band, and the corners are untouched.
    let white = |img: &RgbImage| {
        img.enumerate_pixels()
            .filter(|(_, y, p)| (100..200).contains(y) && p.0.iter().all(|c| *c > 240))
            .count()
    };
    assert!(white(&with) > 500 + white(&plain), "{}", white(&with));
    assert_eq!(plain.get_pixel(2, 2), with.get_pixel(2, 2));
    // Too small to read: the plain background.
    assert_eq!(
        p.render_with_phrase("octopus", 0, 64, 36).unwrap(),
        p.render("octopus", 0, 64, 36).unwrap()
    );
}

#[test]
fn rejects_bad_sizes() {
    let p = Procedural::new();
    assert!(p.render("x", 0, 0, 10).is_err());
    assert!(p.render("x", 0, MAX_SIDE + 1, 10).is_err());
}

#[tokio::test]
async fn fetch_returns_decodable_pngs_and_honours_exclude() {
    let p = Procedural::new();
    let first = p.fetch_one("coral reef", 90, 160).await.unwrap();
    let VisualContent::Bytes { mime, data } = &first.content else {
        panic!("expected bytes");
    };
    assert_eq!(mime, "image/png");
    let dec = decode_image(data, "p").unwrap();
    assert_eq!((dec.width(), dec.height()), (90, 160));
    assert_eq!(first.provider, "procedural");

    let mut req = ImageRequest::new("coral reef", 90, 160).with_count(2);
    req.exclude.push(first.id.clone());
    let resp = p.fetch(&req).await.unwrap();
    assert_eq!(resp.visuals.len(), 2);
    assert!(resp.visuals.iter().all(|v| v.id != first.id));
    assert_ne!(resp.visuals[0].id, resp.visuals[1].id);
}

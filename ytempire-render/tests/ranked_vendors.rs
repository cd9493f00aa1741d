//! The ranked visuals stage over the Pexels **and** Pixabay fakes (issue 16's pipeline
//! test): each vendor's catalogue holds, per scene, a fitting picture and decoys that share a
//! word with the scene but show something else; two scenes only Pexels can illustrate, two
//! only Pixabay. The chosen visuals must be the fitting ones (the best-scoring text across
//! both catalogues), none repeats, and the description built with core's `with_credits`
//! carries both vendors' attribution within YouTube's 5000 bytes.
//!
//! Taking candidates first-come would fail: Pexels is asked first and always answers, so the
//! Pixabay scenes would get a Pexels decoy.
#![cfg(all(feature = "pexels", feature = "pixabay", feature = "testing"))]

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use ytempire_core::pipeline::{JobSpec, VisualsStage};
use ytempire_core::{DynImageSource, MediaKind, Scene, Script, Topic, VideoSpec, with_credits};
use ytempire_render::sources::testing::{FakePexels, FakePixabay};
use ytempire_render::sources::{
    Pexels, PexelsConfig, Pixabay, PixabayConfig, Procedural, RankedVisuals, Relevance, SceneTerms,
};

const PEXELS_KEY: &str = "pexels-key-SECRET-ranked-2";
const PIXABAY_KEY: &str = "pixabay-key-SECRET-ranked-2";

/// Pexels `alt` texts: fits for the octopus and bee scenes, decoys for them, and unrelated
/// pictures.
const ALTS: &[&str] = &[
    "Plastic octopus toy floating in a bathtub",
    "Octopus blending into coral reef camouflage",
    "Jar of honey on a breakfast table",
    "Bees crawling over golden honeycomb in a hive",
    "A red car on a motorway",
    "Office desk with a laptop",
];

/// Pixabay `tags`: fits for the volcano and glacier scenes, and decoys for them.
const TAGS: &[&str] = &[
    "cake, chocolate, dessert, volcano cake",
    "ice cream, cone, summer, dessert",
    "volcano, eruption, lava, night, black rock",
    "glacier, ice, melting, arctic, iceberg",
    "city, street, traffic, night",
];

/// (narration, visual cue, the vendor that has the fitting picture, what it shows)
const SCENES: &[(&str, &str, &str, &str)] = &[
    (
        "Octopuses change colour in a fraction of a second to hide from predators.",
        "octopus camouflage on reef",
        "pexels",
        "coral reef camouflage",
    ),
    (
        "Lava from an erupting volcano cools into new black rock.",
        "volcano eruption lava",
        "pixabay",
        "volcano, eruption, lava",
    ),
    (
        "Honey bees dance to tell the hive where the flowers are.",
        "honey bees on honeycomb",
        "pexels",
        "golden honeycomb",
    ),
    (
        "Arctic glaciers are melting, and the ice raises the sea.",
        "melting glacier ice",
        "pixabay",
        "glacier, ice, melting",
    ),
];

fn script() -> Script {
    let mut s = Script::new("Nature's tricks");
    s.scenes = SCENES
        .iter()
        .map(|(narration, cue, _, _)| Scene::new(*narration, *cue, 5.0))
        .collect();
    s
}

fn job(id: &str) -> JobSpec {
    JobSpec::new(id, Topic::new("nature")).with_video(VideoSpec::new(640, 360, 30))
}

struct Vendors {
    pexels_fake: FakePexels,
    pixabay_fake: FakePixabay,
    stage: RankedVisuals,
}

async fn vendors() -> Vendors {
    let pexels_fake = FakePexels::start().await.unwrap();
    pexels_fake.require_key(PEXELS_KEY);
    pexels_fake.set_alts(ALTS.iter().map(|s| (*s).to_owned()).collect());
    let pixabay_fake = FakePixabay::start().await.unwrap();
    pixabay_fake.require_key(PIXABAY_KEY);
    pixabay_fake.set_tags(TAGS.iter().map(|s| (*s).to_owned()).collect());
    // Clips that fit no scene, unless a test says otherwise.
    pixabay_fake.set_video_tags(vec!["test, video".to_owned()]);
    let pexels: DynImageSource = Arc::new(
        Pexels::new(
            PexelsConfig::new(PEXELS_KEY.to_owned().into())
                .with_base_url(pexels_fake.base_url())
                .with_timeout(Duration::from_secs(10)),
        )
        .unwrap(),
    );
    let pixabay: DynImageSource = Arc::new(
        Pixabay::new(
            PixabayConfig::new(PIXABAY_KEY.to_owned().into())
                .with_base_url(pixabay_fake.base_url())
                .with_timeout(Duration::from_secs(10)),
        )
        .unwrap(),
    );
    let stage = RankedVisuals::new(vec![pexels, pixabay, Arc::new(Procedural::new())]);
    Vendors {
        pexels_fake,
        pixabay_fake,
        stage,
    }
}

#[tokio::test]
async fn the_fitting_picture_is_chosen_from_whichever_vendor_has_it() {
    let v = vendors().await;
    let visuals = v
        .stage
        .visuals(&job("ranked-vendors-1"), &script())
        .await
        .unwrap();
    assert_eq!(visuals.len(), SCENES.len());

    let relevance = Relevance::english();
    for (visual, (narration, cue, vendor, shows)) in visuals.iter().zip(SCENES) {
        assert_eq!(visual.provider, *vendor, "{narration}: {visual:?}");
        assert!(
            visual.description.contains(shows),
            "{narration}: {shows:?} not in {:?}",
            visual.description
        );
        // The choice is the best-scoring text of both catalogues for this scene.
        let terms = SceneTerms::new(&relevance, narration, cue);
        let best = ALTS
            .iter()
            .chain(TAGS)
            .map(|text| (relevance.score(text, &terms), *text))
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .unwrap();
        assert!(
            best.1.contains(shows),
            "{narration}: the catalogue's best is {best:?}"
        );
        let score = visual.relevance.unwrap();
        assert!((0.3..=1.0).contains(&score), "{narration}: {score}");
        assert_eq!(
            (visual.width, visual.height),
            (640, 360),
            "cropped to the frame"
        );
        assert!(visual.answered_by.is_some());
    }
    let ids: HashSet<&str> = visuals.iter().map(|v| v.id.as_str()).collect();
    assert_eq!(ids.len(), visuals.len(), "no repeats: {ids:?}");

    // The description credits both vendors' uploaders with their links.
    let described = with_credits("How nature hides, builds and melts.", &visuals);
    assert!(described.len() <= 5000, "{}", described.len());
    for visual in &visuals {
        let a = visual.attribution.as_ref().unwrap();
        let line = format!(
            "- {} ({}): {}",
            a.author,
            visual.provider,
            a.url.as_deref().unwrap()
        );
        assert!(described.contains(&line), "{line:?} not in {described}");
    }
    assert!(
        described.contains("(pexels): https://www.pexels.com/@"),
        "{described}"
    );
    assert!(
        described.contains("(pixabay): https://pixabay.com/photos/"),
        "{described}"
    );

    // A description already near the limit keeps within 5000 bytes.
    let long = "Nature. ".repeat(610);
    let described = with_credits(&long, &visuals);
    assert!(described.len() <= 5000, "{}", described.len());
    assert!(described.starts_with(long.trim_end()));

    for text in [format!("{visuals:?}"), described] {
        assert!(!text.contains("SECRET"), "a key leaked: {text}");
    }
    assert!(
        v.pexels_fake.violations().is_empty(),
        "{:?}",
        v.pexels_fake.violations()
    );
    assert!(
        v.pixabay_fake.violations().is_empty(),
        "{:?}",
        v.pixabay_fake.violations()
    );
    // Pixabay was asked only for the scenes Pexels could not illustrate, with its key.
    let searches: Vec<_> = v
        .pixabay_fake
        .requests()
        .into_iter()
        .filter(|r| r.path == "/api/")
        .collect();
    assert!(!searches.is_empty());
    assert!(
        searches
            .iter()
            .all(|r| r.query_value("key") == Some(PIXABAY_KEY))
    );
    assert!(
        searches
            .iter()
            .all(|r| !r.query_value("q").unwrap().contains("octopus")),
        "Pexels' fit was taken first"
    );
}

#[tokio::test]
async fn with_pixabay_down_its_scenes_fall_back_without_failing_the_video() {
    let v = vendors().await;
    v.pixabay_fake
        .fail_always(Some(ytempire_render::sources::testing::Fault::ServerError(
            503,
        )));
    let visuals = v
        .stage
        .visuals(&job("ranked-vendors-2"), &script())
        .await
        .unwrap();
    assert_eq!(visuals.len(), SCENES.len());
    for (visual, (narration, _, vendor, _)) in visuals.iter().zip(SCENES) {
        assert_ne!(visual.provider, "pixabay", "{narration}");
        if *vendor == "pexels" {
            assert_eq!(visual.provider, "pexels", "{narration}");
        }
    }
    let ids: HashSet<&str> = visuals.iter().map(|v| v.id.as_str()).collect();
    assert_eq!(ids.len(), visuals.len(), "no repeats");
}

/// Pexels videos are described by their page slug only; one fits the bee scene better than
/// any photo.
const PEXELS_VIDEOS: &[&str] = &[
    "Honey bees flying over golden honeycomb in a hive",
    "Traffic on a motorway at night",
];

/// Pixabay video tags: one is the glacier photo's tags exactly (a tie the clip wins), the
/// rest are decoys.
const PIXABAY_VIDEOS: &[&str] = &[
    "cake, chocolate, dessert",
    "glacier, ice, melting, arctic, iceberg",
    "city, street, traffic, night",
];

#[tokio::test]
async fn clips_compete_with_photos_and_only_the_best_is_downloaded() {
    let v = vendors().await;
    v.pexels_fake
        .set_video_descriptions(PEXELS_VIDEOS.iter().map(|s| (*s).to_owned()).collect());
    v.pixabay_fake
        .set_video_tags(PIXABAY_VIDEOS.iter().map(|s| (*s).to_owned()).collect());
    let visuals = v
        .stage
        .visuals(&job("ranked-vendors-3"), &script())
        .await
        .unwrap();
    let got: Vec<(&str, MediaKind, &str)> = visuals
        .iter()
        .map(|v| (v.provider.as_str(), v.kind, v.id.split(':').next().unwrap()))
        .collect();
    assert_eq!(
        got,
        [
            ("pexels", MediaKind::Image, "pexels"),
            ("pixabay", MediaKind::Image, "pixabay"),
            ("pexels", MediaKind::VideoClip, "pexels-video"),
            ("pixabay", MediaKind::VideoClip, "pixabay-video"),
        ],
        "{visuals:#?}"
    );
    for clip in visuals.iter().filter(|v| v.kind == MediaKind::VideoClip) {
        assert!(clip.duration_secs.is_some_and(|d| d > 0.0), "{clip:?}");
        // Clips keep their size (the compositors scale them to fill); this one is 16:9.
        assert_eq!(clip.width * 9, clip.height * 16, "{clip:?}");
        assert!(clip.width >= 640, "{clip:?}");
        assert!(clip.relevance.unwrap() >= 0.3, "{clip:?}");
    }
    assert!(visuals[2].description.contains("honey bees flying"));
    let described = with_credits("Bees and glaciers.", &visuals);
    assert!(
        described.contains("(pixabay): https://pixabay.com/videos/"),
        "{described}"
    );

    // Search first, download only the best: each vendor downloaded one file per scene it
    // illustrated, and nothing for a scene none of its results mention.
    let downloads = |paths: Vec<String>| -> Vec<String> {
        paths
            .into_iter()
            .filter(|p| !p.ends_with("/search") && !p.starts_with("/api/"))
            .collect()
    };
    let pexels = downloads(
        v.pexels_fake
            .requests()
            .into_iter()
            .map(|r| r.path)
            .collect(),
    );
    let pixabay = downloads(
        v.pixabay_fake
            .requests()
            .into_iter()
            .map(|r| r.path)
            .collect(),
    );
    assert_eq!(pexels.len(), 2, "pexels downloads: {pexels:?}");
    assert_eq!(pixabay.len(), 2, "pixabay downloads: {pixabay:?}");
    assert!(
        pexels.iter().any(|p| p.starts_with("/video-files/")),
        "{pexels:?}"
    );
    assert!(
        pixabay.iter().any(|p| p.starts_with("/video/")),
        "{pixabay:?}"
    );
}

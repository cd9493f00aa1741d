//! The ranked visuals stage over the Pexels fake: among results where only some fit each
//! scene, the fitting ones are chosen (best relevance first), none repeats within a video or
//! across the channel's recent videos, scores and credits are recorded, and a scene with no
//! fitting stock picture falls through to the procedural source.
#![cfg(all(feature = "pexels", feature = "testing"))]

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use ytempire_core::pipeline::{JobSpec, VisualsStage};
use ytempire_core::{DynImageSource, Scene, Script, Topic, VideoSpec, Visual, with_credits};
use ytempire_render::sources::testing::FakePexels;
use ytempire_render::sources::{Pexels, PexelsConfig, Procedural, RankedVisuals, VisualHistory};

const KEY: &str = "pexels-test-key-SECRET-ranked";

/// Three fitting photos (one per scene) and three that share a word with a scene but show
/// something else.
const ALTS: &[&str] = &[
    "Plastic octopus toy floating in a bathtub",
    "Bees crawling over golden honeycomb in a hive",
    "Black rock beach with waves",
    "Octopus blending into coral reef camouflage",
    "Jar of honey on a breakfast table",
    "Lava flowing from an erupting volcano at night",
];

fn script() -> Script {
    let mut s = Script::new("Nature's tricks");
    s.scenes = vec![
        Scene::new(
            "Octopuses change colour in a fraction of a second to hide from predators.",
            "octopus camouflage on reef",
            5.0,
        ),
        Scene::new(
            "Honey bees dance to tell the hive where the flowers are.",
            "honey bees on honeycomb",
            5.0,
        ),
        Scene::new(
            "Lava from an erupting volcano cools into new black rock.",
            "volcano eruption lava",
            5.0,
        ),
    ];
    s
}

fn job(id: &str) -> JobSpec {
    JobSpec::new(id, Topic::new("nature")).with_video(VideoSpec::new(640, 360, 30))
}

async fn pexels(alts: &[&str]) -> (FakePexels, DynImageSource) {
    let fake = FakePexels::start().await.unwrap();
    fake.require_key(KEY);
    fake.set_alts(alts.iter().map(|s| (*s).to_owned()).collect());
    let client = Pexels::new(
        PexelsConfig::new(KEY.to_owned().into())
            .with_base_url(fake.base_url())
            .with_timeout(Duration::from_secs(10)),
    )
    .unwrap();
    (fake, Arc::new(client))
}

fn stage(pexels: DynImageSource) -> RankedVisuals {
    RankedVisuals::new(vec![pexels, Arc::new(Procedural::new())])
}

#[tokio::test]
async fn the_fitting_stock_photo_is_chosen_for_each_scene() {
    let (fake, pexels) = pexels(ALTS).await;
    let visuals = stage(pexels)
        .visuals(&job("ranked-1"), &script())
        .await
        .unwrap();
    assert_eq!(visuals.len(), 3);
    let expected = [
        "coral reef camouflage",
        "golden honeycomb",
        "erupting volcano",
    ];
    for (v, want) in visuals.iter().zip(expected) {
        assert_eq!(v.provider, "pexels", "{v:?}");
        assert!(
            v.description.contains(want),
            "{want:?} not in {:?}",
            v.description
        );
        let score = v.relevance.unwrap();
        assert!((0.3..=1.0).contains(&score), "{score}");
        assert!(v.attribution.is_some());
        assert!(v.answered_by.is_some());
        assert_eq!((v.width, v.height), (640, 360), "cropped to the frame");
    }
    let ids: HashSet<&str> = visuals.iter().map(|v| v.id.as_str()).collect();
    assert_eq!(ids.len(), 3, "no repeats");
    // The upload description credits each photographer with a link.
    let described = with_credits("About nature.", &visuals);
    for v in &visuals {
        let a = v.attribution.as_ref().unwrap();
        assert!(described.contains(&a.author), "{described}");
        assert!(described.contains(a.url.as_deref().unwrap()), "{described}");
    }
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}

#[tokio::test]
async fn no_fitting_stock_photo_falls_through_to_procedural() {
    let unrelated = ["A red car on a motorway", "Office desk with a laptop"];
    let (_fake, pexels) = pexels(&unrelated).await;
    let visuals = stage(pexels)
        .visuals(&job("ranked-2"), &script())
        .await
        .unwrap();
    assert_eq!(visuals.len(), 3);
    for v in &visuals {
        assert_ne!(v.provider, "pexels", "{v:?}");
        assert_eq!(v.relevance, None, "generated pictures are not ranked");
    }
}

#[tokio::test]
async fn the_channel_history_bans_the_last_videos_pictures() {
    let dir = tempfile::tempdir().unwrap();
    let history = VisualHistory::new(dir.path().join("visual-history.json"));
    let (_fake, pexels) = pexels(ALTS).await;
    let stage = stage(pexels).with_history(history.clone());

    let first: Vec<Visual> = stage.visuals(&job("video-1"), &script()).await.unwrap();
    let second: Vec<Visual> = stage.visuals(&job("video-2"), &script()).await.unwrap();
    let first_ids: HashSet<String> = first.iter().map(|v| v.id.clone()).collect();
    for v in &second {
        assert!(!first_ids.contains(&v.id), "{} reused from video-1", v.id);
    }
    // Rerunning the first job may use its own pictures again.
    let again: Vec<Visual> = stage.visuals(&job("video-1"), &script()).await.unwrap();
    assert!(again.iter().all(|v| !second.iter().any(|s| s.id == v.id)));
    // The default channel's history now holds both videos' stock pictures.
    let banned = history.recent("ytempire", "video-3").unwrap();
    assert!(banned.is_superset(&first_ids), "{banned:?}");
    assert!(second.iter().all(|v| banned.contains(&v.id)), "{second:#?}");
}

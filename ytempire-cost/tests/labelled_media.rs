//! Labelled audio clips, short videos and thumbnails, all synthesised here: each scorer must
//! separate the good from the bad (overall ≥ threshold ⇔ labelled good) with accuracy ≥ 0.9.
//!
//! The labels are what a person would say, not what the scorer can see: each set holds one
//! *known blind spot* (a bad example the scorer cannot detect by design), listed in
//! `blind_spots`; any other misclassification fails the test.
//!
//! Run `cargo test -p ytempire-cost --test integration -- labelled_media --nocapture` to see the figures.

use crate::labelled;

use labelled::audio::audio_set;
use labelled::video::{thumbnail_set, video_set};
use labelled::{THRESHOLD, accuracy};
use ytempire_core::{Scene, Script, VideoMetadata};
use ytempire_cost::quality::{
    GateDecision, GatePolicy, QualityReport, ScoreKind, gate_report, score_metadata, score_script,
};

#[test]
fn labelled_audio_is_separated() {
    let set = audio_set();
    assert!(set.len() >= 10);
    let acc = accuracy("audio", set, &["noise bursts instead of a voice"]);
    assert!(acc >= 0.9, "audio accuracy {acc}");
}

#[test]
fn audio_reasons_name_the_measured_figures() {
    let set = audio_set();
    let by_name = |n: &str| &set.iter().find(|e| e.name == n).unwrap().score;
    let good = by_name("150 wpm at -14 LUFS");
    let loud = good.part("loudness").unwrap();
    assert!(loud.reason.contains("-14.0 LUFS"), "{loud:?}");
    // 40 words over 39 slots of 0.4 s plus one 0.344 s word: 150.5 wpm.
    let rate = good.part("speaking_rate").unwrap();
    let wpm: f64 = rate.reason.split(' ').next().unwrap().parse().unwrap();
    assert!((wpm - 150.5).abs() <= 0.5, "{rate:?}");
    assert!(
        rate.reason
            .contains("words per minute from the word timings")
    );
    let fast = by_name("300 wpm").part("speaking_rate").unwrap();
    assert!(
        fast.reason.contains("too fast") && fast.score == 0.0,
        "{fast:?}"
    );
    let silent = by_name("silent with timings");
    assert_eq!(silent.overall, 0.0);
    assert!(
        silent
            .part("loudness")
            .unwrap()
            .reason
            .starts_with("silent")
    );
    let clicks = by_name("full-scale clicks (0.2 %)")
        .part("clipping")
        .unwrap();
    assert!(clicks.reason.starts_with("0.200% of samples"), "{clicks:?}");
    let dead = by_name("5 s of dead air").part("silence").unwrap();
    assert!(dead.reason.contains("longest silence 5.0"), "{dead:?}");
    let quiet = by_name("too quiet: -30 LUFS").part("loudness").unwrap();
    assert!(quiet.reason.contains("too quiet") && quiet.score == 0.0);
}

#[test]
fn labelled_video_is_separated() {
    let set = video_set();
    assert!(set.len() >= 10);
    let acc = accuracy("video", set, &["same picture under 4 ids"]);
    assert!(acc >= 0.9, "video accuracy {acc}");
}

#[test]
fn video_reasons_name_the_measured_figures() {
    let set = video_set();
    let by_name = |n: &str| &set.iter().find(|e| e.name == n).unwrap().score;
    let good = by_name("moving gradients, all correct");
    assert_eq!(good.parts.len(), 7, "{good:?}");
    assert!(good.parts.iter().all(|p| p.score == 10.0), "{good:?}");
    let black = by_name("all black").part("black_frames").unwrap();
    assert!(
        black.reason.starts_with("24 of 24 sampled frames (100%)"),
        "{black:?}"
    );
    let still = by_name("still picture for 3.5 s")
        .part("frozen_frames")
        .unwrap();
    assert!(
        still.reason.contains("3.5s from 0.5s") && still.score == 10.0,
        "{still:?}"
    );
    let frozen = by_name("frozen for 8 s").part("frozen_frames").unwrap();
    assert!(frozen.reason.contains("8.0s from 2.0s"), "{frozen:?}");
    let res = by_name("wrong resolution 160×90")
        .part("resolution")
        .unwrap();
    assert_eq!(res.reason, "declared 160×90, requested 192×108");
    let cap = by_name("no captions").part("caption_coverage").unwrap();
    assert!(cap.reason.starts_with("captions cover 0%"), "{cap:?}");
    let dur = by_name("audio 2.5 s shorter than video")
        .part("duration_match")
        .unwrap();
    assert!(dur.reason.contains("2.50s apart"), "{dur:?}");
    let rep = by_name("two visuals alternating")
        .part("repeated_visuals")
        .unwrap();
    assert_eq!(
        rep.reason,
        "4 of 6 segments reuse a visual already shown (2 distinct)"
    );
}

#[test]
fn labelled_thumbnails_are_separated() {
    let set = thumbnail_set();
    let acc = accuracy("thumbnail", set, &[]);
    assert!(acc >= 0.9, "thumbnail accuracy {acc}");
}

// ---------------------------------------------------------------------------------------
// All kinds together through the gate.

#[test]
fn combined_report_gates_on_the_weakest_kind() {
    let script = Script::new("Why octopuses have three hearts")
        .with_hook("Did you know an octopus has three hearts?")
        .with_scene(Scene::new(
            "Two hearts pump blood through the gills. The third one feeds the rest of the body. \
             It even stops beating while the octopus swims, which is why they prefer to crawl.",
            "octopus",
            10.0,
        ))
        .with_outro("Follow for more strange facts.");
    let meta = VideoMetadata::new("Why octopuses have three hearts")
        .with_description(
            "Octopuses have three hearts and blue blood. Two hearts push blood through the \
             gills and the third through the body. Here is why that design suits an animal \
             living in cold water.",
        )
        .with_tags(["octopus", "biology", "animal facts"])
        .with_made_for_kids(false)
        .with_synthetic_media(true);
    let good_audio = audio_set()[0].score.clone();
    let good_video = video_set()[0].score.clone();
    let good_thumb = thumbnail_set()[0].score.clone();
    let report = QualityReport::new()
        .with(ScoreKind::Script, score_script(&script, 15.0, 150, &[]))
        .with(ScoreKind::Audio, good_audio)
        .with(ScoreKind::Video, good_video.clone())
        .with(ScoreKind::Metadata, score_metadata(&meta))
        .with(ScoreKind::Thumbnail, good_thumb);
    assert!(report.overall() >= 8.0, "{:?}", report.problems());
    assert_eq!(
        gate_report(&report, THRESHOLD, GatePolicy::Block, &meta, &[]),
        GateDecision::Pass
    );

    // The same video with a silent narration is held for review, naming the audio.
    let silent = audio_set()
        .iter()
        .find(|e| e.name == "silent with timings")
        .unwrap()
        .score
        .clone();
    let report = report.with(ScoreKind::Audio, silent);
    assert!(report.overall() <= 4.0);
    match gate_report(&report, THRESHOLD, GatePolicy::RequireReview, &meta, &[]) {
        GateDecision::Review(reasons) => {
            assert!(
                reasons
                    .iter()
                    .any(|r| r.starts_with("audio/loudness: silent")),
                "{reasons:?}"
            );
            assert!(
                !reasons.iter().any(|r| r.starts_with("video/")),
                "{reasons:?}"
            );
        }
        other => panic!("expected review, got {other:?}"),
    }
    // Callers of the single-score gate can pass the flattened report.
    let flat = report.to_quality_score();
    assert!(matches!(
        ytempire_cost::quality::gate(&flat, THRESHOLD, GatePolicy::Block, &meta, &[]),
        GateDecision::Block(_)
    ));
}

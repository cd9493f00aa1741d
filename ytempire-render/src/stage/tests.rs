//! The render and thumbnail stages on a short CPU render: progress that rises to 1, a
//! summary that matches the file, frames that decode back, thumbnails from the first visual.

use std::path::Path;
use std::sync::{Arc, Mutex};

use ytempire_core::pipeline::{JobSpec, RenderStage, ScriptOutput, ThumbnailStage, with_progress};
use ytempire_core::{Script, Segment, Timeline, Topic, VideoMetadata, VideoSpec, Visual};

use super::*;
use crate::encode::EncoderChoice;
use crate::video::CompositorChoice;

fn still(dir: &Path) -> Visual {
    let path = dir.join("still.png");
    image::RgbImage::from_fn(160, 90, |x, y| {
        image::Rgb([(x * 255 / 160) as u8, (y * 2) as u8, 90])
    })
    .save(&path)
    .unwrap();
    Visual::image_file("still", 160, 90, path)
}

fn cpu() -> VideoRenderer {
    VideoRenderer::new(RenderOptions {
        compositor: CompositorChoice::Cpu,
        encoder: EncoderChoice::OpenH264,
        ..RenderOptions::default()
    })
}

#[tokio::test]
async fn render_reports_rising_progress_and_the_frames_decode() {
    let dir = tempfile::tempdir().unwrap();
    let spec = VideoSpec::new(160, 90, 10);
    let timeline = Timeline::new(spec).with_segment(Segment::new(still(dir.path()), 0.0, 3.0));
    let out = dir.path().join("out.mp4");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let summary = with_progress(
        Arc::new(move |f| sink.lock().unwrap().push(f)),
        cpu().render(&timeline, &out),
    )
    .await
    .unwrap();
    assert_eq!(summary.frames, 30);
    assert_eq!(summary.backend, "cpu");
    let seen = seen.lock().unwrap().clone();
    // One event per frame at 30 frames (≤ 100), rising to exactly 1.
    assert_eq!(seen.len(), 30, "{seen:?}");
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "{seen:?}");
    assert_eq!(seen.last().copied(), Some(1.0));

    let samples = sample_frames(&out, 1.0).unwrap();
    assert_eq!((samples.width, samples.height), (160, 90));
    assert!(
        (samples.duration_secs - 3.0).abs() < 0.2,
        "{}",
        samples.duration_secs
    );
    assert_eq!(samples.frames.len(), 3);
    assert!(samples.frames.windows(2).all(|w| w[0].0 < w[1].0));
    assert!(sample_frames(&dir.path().join("missing.mp4"), 1.0).is_err());
}

#[tokio::test]
async fn long_renders_report_once_per_percent() {
    let dir = tempfile::tempdir().unwrap();
    let spec = VideoSpec::new(64, 36, 30);
    let timeline = Timeline::new(spec).with_segment(Segment::new(still(dir.path()), 0.0, 12.0));
    let seen = Arc::new(Mutex::new(0usize));
    let sink = seen.clone();
    let summary = with_progress(
        Arc::new(move |_| *sink.lock().unwrap() += 1),
        cpu().render(&timeline, &dir.path().join("long.mp4")),
    )
    .await
    .unwrap();
    assert_eq!(summary.frames, 360);
    let n = *seen.lock().unwrap();
    assert_eq!(n, 100, "one progress event per 1 % of 360 frames");
}

#[tokio::test]
async fn thumbnails_come_from_the_first_visual() {
    let dir = tempfile::tempdir().unwrap();
    let job = JobSpec::new("j1", Topic::new("Tides"));
    let script = ScriptOutput {
        script: Script::new("Tides"),
        metadata: VideoMetadata::new("Why the tides turn"),
    };
    let thumbs = ThumbnailMaker { variants: 2 }
        .thumbnails(&job, &script, &[still(dir.path())])
        .await
        .unwrap();
    assert_eq!(thumbs.len(), 2);
    let none = ThumbnailMaker::default()
        .thumbnails(&job, &script, &[])
        .await;
    assert!(none.is_err());
}

#[test]
fn music_plan_writes_a_bed_a_library_track_or_nothing() {
    use crate::audio::music::{LOOP_SECS, MusicLibrary, ambient_bed};
    let out = Path::new("/jobs/a/video.mp4");
    let bed = MusicPlan::default().materialise(out).unwrap().unwrap();
    let spec = hound::WavReader::open(bed.path()).unwrap().spec();
    assert_eq!(
        (spec.channels, spec.sample_rate),
        (2, crate::audio::SAMPLE_RATE)
    );
    let secs = crate::audio::load_wav(bed.path()).unwrap().duration_secs();
    assert!((secs - LOOP_SECS).abs() < 0.01, "{secs}");
    assert!(MusicPlan::none().materialise(out).unwrap().is_none());

    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("calm")).unwrap();
    ambient_bed(5, 16_000)
        .write_wav(&dir.path().join("calm/slow.wav"))
        .unwrap();
    let plan = MusicPlan {
        library: Some(MusicLibrary::index(dir.path()).unwrap()),
        mood: Some("calm".into()),
        ..MusicPlan::none()
    };
    let track = plan.materialise(out).unwrap().unwrap();
    let spec = hound::WavReader::open(track.path()).unwrap().spec();
    assert_eq!(
        spec.channels, 2,
        "library tracks keep their stereo image for the mixer"
    );
    let secs = crate::audio::load_wav(track.path())
        .unwrap()
        .duration_secs();
    assert!(
        (secs - (LOOP_SECS - 2.0)).abs() < 0.05,
        "looped with a 2 s crossfade: {secs}"
    );
}

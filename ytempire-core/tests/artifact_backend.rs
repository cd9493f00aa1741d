//! A job resumes on "another machine" from an [`ArtifactBackend`]: the first run fails at the
//! render, the local folder is wiped, and a new pipeline over the same backend restores every
//! finished stage instead of paying for it again. Without the backend the same wipe loses
//! everything.
#![cfg(feature = "testing")]

use std::path::Path;
use std::sync::Arc;

use ytempire_core::pipeline::{
    ArtifactBackend, CancellationToken, JobSpec, Pipeline, SourceVisuals, SpeechNarrator, StageName,
};
use ytempire_core::testing::{FakeImage, FakeRender, FakeScript, FakeTts, MemoryArtifacts};
use ytempire_core::{ErrorKind, Topic, VideoSpec};

struct Fakes {
    tts: Arc<FakeTts>,
    images: Arc<FakeImage>,
    render: Arc<FakeRender>,
}

fn pipeline(root: &Path, backend: Option<Arc<dyn ArtifactBackend>>) -> (Pipeline, Fakes) {
    let fakes = Fakes {
        tts: Arc::new(FakeTts::new()),
        images: Arc::new(FakeImage::new()),
        render: Arc::new(FakeRender::new()),
    };
    let mut builder = Pipeline::builder(root)
        .script(FakeScript::new())
        .narration(SpeechNarrator::new(fakes.tts.clone()))
        .visuals(SourceVisuals::new(fakes.images.clone()))
        .render(fakes.render.clone());
    if let Some(b) = backend {
        builder = builder.artifacts(b);
    }
    (builder.build().unwrap(), fakes)
}

fn job() -> JobSpec {
    JobSpec::new("job-1", Topic::new("Tides")).with_video(VideoSpec::new(64, 36, 10))
}

#[tokio::test]
async fn a_wiped_folder_resumes_from_the_backend() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("jobs");
    let bucket = Arc::new(MemoryArtifacts::new());

    let (first, fakes) = pipeline(&root, Some(bucket.clone()));
    fakes.render.fail_next(ErrorKind::Render);
    let err = first
        .run(&job(), &CancellationToken::new())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Render);
    let paid_tts = fakes.tts.calls();
    assert!(paid_tts > 0);
    let keys = bucket.keys();
    assert!(keys.contains(&"job-1/manifest.json".to_owned()), "{keys:?}");
    assert!(
        keys.iter()
            .any(|k| k.starts_with("job-1/artifacts/") && k.ends_with(".wav"))
    );

    // Another machine: the same folder path, nothing in it.
    std::fs::remove_dir_all(&root).unwrap();
    let (second, fakes) = pipeline(&root, Some(bucket.clone()));
    let out = second.run(&job(), &CancellationToken::new()).await.unwrap();
    assert_eq!(
        out.resumed,
        [
            StageName::Script,
            StageName::Narration,
            StageName::Visuals,
            StageName::Timeline
        ]
    );
    assert_eq!(fakes.tts.calls(), 0, "the narration came from the backend");
    assert_eq!(fakes.images.calls(), 0, "the visuals came from the backend");
    assert_eq!(fakes.render.calls(), 1);
    assert!(bucket.gets() > 0);
    // The new video reached the backend, byte for byte.
    let video = std::fs::read(&out.video).unwrap();
    let name = out.video.file_name().unwrap().to_string_lossy().to_string();
    let stored = bucket
        .get(&format!("job-1/artifacts/{name}"))
        .await
        .unwrap();
    assert_eq!(stored.as_deref(), Some(video.as_slice()));
}

#[tokio::test]
async fn without_a_backend_a_wiped_folder_starts_over() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("jobs");
    let (first, fakes) = pipeline(&root, None);
    fakes.render.fail_next(ErrorKind::Render);
    first
        .run(&job(), &CancellationToken::new())
        .await
        .unwrap_err();
    std::fs::remove_dir_all(&root).unwrap();
    let (second, fakes) = pipeline(&root, None);
    let out = second.run(&job(), &CancellationToken::new()).await.unwrap();
    assert!(out.resumed.is_empty());
    assert!(fakes.tts.calls() > 0);
}

//! The pipeline's upload stage from `YouTubeAccounts` against the fake YouTube: a passing
//! gate uploads the video and its thumbnail (with progress events), a failing gate uploads
//! nothing, and when the first account's project quota is spent the second account uploads.

use crate::common;

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use common::*;
use secrecy::SecretString;
use ytempire_core::pipeline::{
    CancellationToken, JobSpec, Pipeline, PipelineEvent, QualityInputs, QualityStage,
    QualityVerdict, RenderStage, RenderSummary, ScriptOutput, ScriptStage, SourceVisuals,
    SpeechNarrator, StageName, ThumbnailStage,
};
use ytempire_core::testing::{FakeImage, FakeTts};
use ytempire_core::{
    Result, Scene, Script, Thumbnail, Timeline, Topic, VideoMetadata, VideoSpec, Visual,
};
use ytempire_youtube::testing::{FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, FakeYouTube, Fault};
use ytempire_youtube::{Account, ClientSecrets, TokenStore, YouTubeAccounts};

#[derive(Debug)]
struct Writer;

#[async_trait]
impl ScriptStage for Writer {
    async fn write(&self, job: &JobSpec) -> Result<ScriptOutput> {
        let script = Script::new(job.topic.title.clone())
            .with_hook("Octopuses change colour.")
            .with_scene(Scene::new("They have three hearts.", "octopus", 3.0))
            .with_outro("Subscribe for more.");
        let metadata = VideoMetadata::new(job.topic.title.clone())
            .with_description("A pipeline test.")
            .with_made_for_kids(false)
            .with_synthetic_media(true);
        Ok(ScriptOutput { script, metadata })
    }
}

/// "Renders" 5 chunks and a bit of pseudo-random bytes.
#[derive(Debug)]
struct Render;

pub(crate) const VIDEO_LEN: usize = 5 * CHUNK as usize + 123;

#[async_trait]
impl RenderStage for Render {
    async fn render(&self, timeline: &Timeline, out: &Path) -> Result<RenderSummary> {
        std::fs::write(out, bytes(VIDEO_LEN, 42)).unwrap();
        Ok(RenderSummary {
            frames: 10,
            duration_secs: timeline.duration_secs(),
            backend: "cpu".into(),
            encoder: "test".into(),
            loudness_lufs: None,
        })
    }
}

#[derive(Debug)]
struct Thumbs;

#[async_trait]
impl ThumbnailStage for Thumbs {
    async fn thumbnails(
        &self,
        _: &JobSpec,
        _: &ScriptOutput,
        _: &[Visual],
    ) -> Result<Vec<Thumbnail>> {
        Ok(vec![png(5, 64)])
    }
}

#[derive(Debug)]
struct Gate(bool);

#[async_trait]
impl QualityStage for Gate {
    async fn assess(&self, _: QualityInputs<'_>) -> Result<QualityVerdict> {
        Ok(QualityVerdict {
            score: if self.0 { 8.5 } else { 3.0 },
            passed: self.0,
            reasons: if self.0 {
                Vec::new()
            } else {
                vec!["narration too quiet".into()]
            },
        })
    }
}

/// Registers `names` at the fake (one Cloud project each) and in a token store.
async fn setup(fake: &FakeYouTube, dir: &Path, names: &[&str]) -> YouTubeAccounts {
    let store = TokenStore::open(dir.join("accounts.json"));
    for (i, name) in names.iter().enumerate() {
        let project = format!("proj-{i}");
        let refresh = fake.add_account(name, &project, &format!("UC{name}"));
        store
            .add(
                Account::new(*name, project).with_channel_id(format!("UC{name}")),
                SecretString::from(refresh),
            )
            .await
            .unwrap();
    }
    YouTubeAccounts::new(dir.join("accounts.json"))
        .with_client_secrets(ClientSecrets::new(FAKE_CLIENT_ID, FAKE_CLIENT_SECRET))
        .with_endpoints(fake.endpoints())
        .with_ledger_file(dir.join("quota.json"))
        .with_session_dir(dir.join("sessions"))
        .with_accounts(names.iter().copied())
        .with_upload_config(config(3).with_thumbnail_retries(1))
}

async fn pipeline(dir: &Path, accounts: &YouTubeAccounts, passes: bool) -> Pipeline {
    Pipeline::builder(dir.join("jobs"))
        .script(Writer)
        .narration(SpeechNarrator::new(Arc::new(FakeTts::new())))
        .visuals(SourceVisuals::new(Arc::new(FakeImage::new())))
        .render(Render)
        .thumbnails(Thumbs)
        .quality(Gate(passes))
        .uploader(accounts.uploader().await.unwrap())
        .build()
        .unwrap()
}

fn job(id: &str) -> JobSpec {
    JobSpec::new(id, Topic::new("Octopus facts"))
        .with_video(VideoSpec::new(64, 36, 10))
        .with_upload(true)
}

fn inserts(fake: &FakeYouTube) -> usize {
    fake.requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path == "/upload/youtube/v3/videos")
        .count()
}

fn drain(rx: &mut tokio::sync::broadcast::Receiver<PipelineEvent>) -> Vec<PipelineEvent> {
    let mut seen = Vec::new();
    while let Ok(e) = rx.try_recv() {
        seen.push(e);
    }
    seen
}

#[tokio::test]
async fn a_passing_gate_uploads_the_video_and_its_thumbnail_with_progress() {
    let fake = FakeYouTube::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let accounts = setup(&fake, dir.path(), &["main"]).await;
    let p = pipeline(dir.path(), &accounts, true).await;
    let mut rx = p.subscribe();
    let out = p
        .run(&job("pass"), &CancellationToken::new())
        .await
        .unwrap();

    let receipt = out.receipt.expect("uploaded");
    assert_eq!(out.upload_blocked, None);
    assert_eq!(receipt.account, "main");
    assert!(receipt.thumbnail_set);
    let videos = fake.videos();
    assert_eq!(videos.len(), 1);
    assert_eq!(videos[0].id, receipt.video_id);
    assert_eq!(
        videos[0].sha256,
        ytempire_youtube::testing::sha256_hex(&bytes(VIDEO_LEN, 42))
    );
    assert_eq!(videos[0].resource["snippet"]["title"], "Octopus facts");
    assert_eq!(fake.thumbnails()[&receipt.video_id].1, png(5, 64).data);
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
    // The ledger file recorded the spend.
    assert!(dir.path().join("quota.json").exists());

    // Upload progress reached the event stream: increasing fractions ending at 1.0.
    let fractions: Vec<f64> = drain(&mut rx)
        .into_iter()
        .filter_map(|e| match e {
            PipelineEvent::StageProgress {
                stage: StageName::Upload,
                fraction,
                ..
            } => Some(fraction),
            _ => None,
        })
        .collect();
    assert!(!fractions.is_empty(), "no upload progress events");
    assert!(fractions.windows(2).all(|w| w[0] < w[1]), "{fractions:?}");
    assert_eq!(fractions.last().copied(), Some(1.0));
    assert!(
        fractions.len() <= 7,
        "one event per chunk at most: {fractions:?}"
    );

    // A rerun restores the receipt and uploads nothing.
    let again = p
        .run(&job("pass"), &CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(again.receipt.unwrap().video_id, receipt.video_id);
    assert_eq!(inserts(&fake), 1);
}

#[tokio::test]
async fn a_failing_gate_uploads_nothing() {
    let fake = FakeYouTube::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let accounts = setup(&fake, dir.path(), &["main"]).await;
    let p = pipeline(dir.path(), &accounts, false).await;
    let mut rx = p.subscribe();
    let out = p
        .run(&job("fail"), &CancellationToken::new())
        .await
        .unwrap();
    assert!(out.receipt.is_none());
    let why = out.upload_blocked.expect("blocked");
    assert!(why.contains("narration too quiet"), "{why}");
    assert!(fake.videos().is_empty());
    assert!(fake.thumbnails().is_empty());
    assert!(
        fake.requests()
            .iter()
            .all(|r| !r.path.starts_with("/upload/")),
        "{:?}",
        fake.requests()
    );
    assert!(drain(&mut rx).iter().any(|e| matches!(
        e,
        PipelineEvent::Warning { message, .. } if message.contains("quality gate blocked")
    )));
}

#[tokio::test]
async fn when_the_first_accounts_quota_is_spent_the_second_uploads() {
    let fake = FakeYouTube::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let accounts = setup(&fake, dir.path(), &["first", "second"]).await;
    // The first account's project has (really) spent its quota; our ledger does not know.
    fake.set_quota_limit("proj-0", 100);
    let p = pipeline(dir.path(), &accounts, true).await;
    let out = p
        .run(&job("rotate"), &CancellationToken::new())
        .await
        .unwrap();
    let receipt = out.receipt.unwrap();
    assert_eq!(receipt.account, "second");
    assert_eq!(receipt.channel_id.as_deref(), Some("UCsecond"));
    assert!(receipt.thumbnail_set);
    let videos = fake.videos();
    assert_eq!(videos.len(), 1);
    assert_eq!(videos[0].account, "second");
    assert!(fake.thumbnails().contains_key(&videos[0].id));
    assert_eq!(inserts(&fake), 2, "first refused, second accepted");

    // The next job goes straight to the second account (the ledger remembers), and a fresh
    // process reading the same ledger file does too.
    let p2 = pipeline(dir.path(), &accounts, true).await;
    let out = p2
        .run(&job("rotate-2"), &CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(out.receipt.unwrap().account, "second");
    assert_eq!(inserts(&fake), 3);
}

#[tokio::test]
async fn a_thumbnail_that_cannot_be_set_is_a_warning_and_can_be_set_later() {
    let fake = FakeYouTube::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let accounts = setup(&fake, dir.path(), &["main"]).await;
    // One retry allowed: two failures exhaust it.
    fake.inject(Fault::ThumbnailError { status: 503 });
    fake.inject(Fault::ThumbnailError { status: 500 });
    let p = pipeline(dir.path(), &accounts, true).await;
    let mut rx = p.subscribe();
    let out = p
        .run(&job("thumb"), &CancellationToken::new())
        .await
        .unwrap();
    let receipt = out.receipt.unwrap();
    assert!(!receipt.thumbnail_set);
    assert!(receipt.thumbnail_error.is_some());
    assert!(drain(&mut rx).iter().any(|e| matches!(
        e,
        PipelineEvent::Warning { message, .. } if message.contains("thumbnail was not set")
    )));
    assert!(fake.thumbnails().is_empty());

    accounts
        .set_thumbnail(&receipt.account, &receipt.video_id, &png(5, 64))
        .await
        .unwrap();
    assert_eq!(fake.thumbnails()[&receipt.video_id].1, png(5, 64).data);
}

//! Thumbnails survive transient failures (retries, then a receipt that keeps the reason and a
//! call to set it later), and `publishAt` scheduling goes to the wire as `status.publishAt`.

use crate::common;

use chrono::TimeZone as _;
use common::*;
use serde_json::json;
use ytempire_core::{ErrorKind, Privacy, UploadRequest, UploaderExt};
use ytempire_youtube::testing::{FakeYouTube, Fault};

fn thumbnail_posts(fake: &FakeYouTube) -> usize {
    fake.requests()
        .iter()
        .filter(|r| r.path == "/upload/youtube/v3/thumbnails/set")
        .count()
}

#[tokio::test]
async fn a_503_on_thumbnails_set_is_retried_and_the_thumbnail_stored() {
    let fake = FakeYouTube::start().await.unwrap();
    let up = uploader(&fake, "main", "proj").await;
    let v = video(CHUNK as usize + 5, 1);
    fake.inject(Fault::ThumbnailError { status: 503 });
    let req = UploadRequest::new(&v.path, meta("thumb retry")).with_thumbnail(png(7, 300));
    let receipt = up.upload_quietly(&req).await.unwrap();
    assert!(receipt.thumbnail_set, "{receipt:?}");
    assert_eq!(receipt.thumbnail_error, None);
    assert_eq!(thumbnail_posts(&fake), 2, "one 503, one success");
    let stored = fake.thumbnails();
    assert_eq!(
        stored[&receipt.video_id],
        ("image/png".into(), png(7, 300).data)
    );
    assert!(fake.pending_faults().is_empty());
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}

#[tokio::test]
async fn a_lasting_failure_keeps_the_reason_and_the_thumbnail_can_be_set_later() {
    let fake = FakeYouTube::start().await.unwrap();
    // 2 retries: three attempts, all refused.
    let refresh = fake.add_account("main", "proj", "UCmain");
    let up = ytempire_youtube::YouTubeUploader::new(client(&fake, "main", "proj", &refresh))
        .with_config(config(5).with_thumbnail_retries(2));
    for _ in 0..3 {
        fake.inject(Fault::ThumbnailError { status: 503 });
    }
    let v = video(1000, 2);
    let req = UploadRequest::new(&v.path, meta("thumb later")).with_thumbnail(png(9, 300));
    let receipt = up.upload_quietly(&req).await.unwrap();
    assert_eq!(fake.videos().len(), 1, "the video is up");
    assert!(!receipt.thumbnail_set);
    let why = receipt.thumbnail_error.clone().expect("the reason is kept");
    assert!(why.contains("injected thumbnail failure"), "{why}");
    assert_eq!(thumbnail_posts(&fake), 3);
    assert!(fake.thumbnails().is_empty());
    // The receipt round-trips through JSON with its reason (the pipeline stores it).
    let back: ytempire_core::UploadReceipt =
        serde_json::from_str(&serde_json::to_string(&receipt).unwrap()).unwrap();
    assert_eq!(back.thumbnail_error.as_deref(), Some(why.as_str()));

    // Later: set it for the uploaded video id.
    let units = up
        .set_thumbnail(&receipt.video_id, &png(9, 300))
        .await
        .unwrap();
    assert_eq!(units, 50);
    assert_eq!(fake.thumbnails()[&receipt.video_id].1, png(9, 300).data);
    assert_eq!(fake.videos().len(), 1, "no second insert");
}

#[tokio::test]
async fn a_permanent_thumbnail_error_is_not_retried() {
    let fake = FakeYouTube::start().await.unwrap();
    let up = uploader(&fake, "main", "proj").await;
    let err = up
        .set_thumbnail("no-such-video", &png(1, 300))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
    assert_eq!(thumbnail_posts(&fake), 1);
}

#[tokio::test]
async fn publish_at_goes_to_the_wire_as_rfc3339_on_a_private_video() {
    let fake = FakeYouTube::start().await.unwrap();
    let up = uploader(&fake, "main", "proj").await;
    let v = video(2000, 3);
    let at = chrono::Utc.with_ymd_and_hms(2031, 1, 2, 3, 4, 5).unwrap();
    let scheduled = meta("scheduled")
        .with_privacy(Privacy::Private)
        .with_publish_at(at);
    let receipt = up
        .upload_quietly(&UploadRequest::new(&v.path, scheduled))
        .await
        .unwrap();
    let stored = fake.videos();
    assert_eq!(stored[0].id, receipt.video_id);
    assert_eq!(
        stored[0].resource["status"]["publishAt"],
        json!("2031-01-02T03:04:05Z")
    );
    assert_eq!(
        stored[0].resource["status"]["privacyStatus"],
        json!("private")
    );
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());

    // A public video cannot be scheduled: refused before any request.
    let before = fake.requests().len();
    let public = meta("public scheduled")
        .with_privacy(Privacy::Public)
        .with_publish_at(at);
    let err = up
        .upload_quietly(&UploadRequest::new(&v.path, public))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidRequest, "{err}");
    assert_eq!(fake.requests().len(), before);
}

#[tokio::test]
async fn the_fake_refuses_publish_at_on_a_public_video_as_google_does() {
    let fake = FakeYouTube::start().await.unwrap();
    fake.add_account("main", "proj", "UCmain");
    let token = fake.issue_token("main");
    let resp = reqwest::Client::new()
        .post(format!("{}/upload/youtube/v3/videos", fake.base_url()))
        .query(&[("uploadType", "resumable"), ("part", "snippet,status")])
        .bearer_auth(token)
        .header("X-Upload-Content-Length", "10")
        .header("X-Upload-Content-Type", "video/mp4")
        .json(&json!({"snippet": {"title": "t"}, "status": {"privacyStatus": "public", "publishAt": "2031-01-02T03:04:05Z"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(
        body["error"]["errors"][0]["reason"],
        json!("invalidPublishAt")
    );
}

//! Resumable uploads against the loopback fake: every cut, expiry, resume by a new process.

use crate::common;

use common::*;
use ytempire_core::{ErrorKind, Thumbnail, ThumbnailFormat, UploadRequest, Uploader, UploaderExt};
use ytempire_youtube::testing::{FakeYouTube, Fault, sha256_hex};

/// 4 full chunks and a short fifth.
const LEN: usize = 4 * CHUNK as usize + 1000;

fn session_posts(fake: &FakeYouTube) -> usize {
    fake.requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path == "/upload/youtube/v3/videos")
        .count()
}

#[tokio::test(start_paused = true)]
async fn uploads_byte_identical_with_monotonic_progress_and_thumbnail() {
    let fake = FakeYouTube::start().await.unwrap();
    let up = uploader(&fake, "main", "proj-a").await;
    let v = video(LEN, 1);
    let png = Thumbnail {
        width: 1,
        height: 1,
        format: ThumbnailFormat::Png,
        variant: "a".into(),
        data: b"\x89PNG\r\n\x1a\nfake-png".to_vec(),
    };
    let req = UploadRequest::new(&v.path, meta("Octopus colours")).with_thumbnail(png.clone());
    let progress = Progress::default();
    let receipt = up.upload(&req, &progress).await.unwrap();

    let stored = fake.videos();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].id, receipt.video_id);
    assert_eq!(stored[0].sha256, sha256_hex(&v.data));
    assert_eq!(stored[0].bytes, v.data);
    assert_eq!(stored[0].resource["status"]["containsSyntheticMedia"], true);
    assert_eq!(
        stored[0].resource["status"]["selfDeclaredMadeForKids"],
        false
    );
    assert_eq!(receipt.channel_id.as_deref(), Some("UCmain"));
    assert!(receipt.thumbnail_set);
    assert_eq!(receipt.usage.quota_units, 1650);
    assert_eq!(fake.quota_used("proj-a"), 1650);
    assert_eq!(
        fake.thumbnails()[&receipt.video_id],
        ("image/png".to_string(), png.data)
    );

    let events = progress.events();
    assert_eq!(events.len(), 5, "{events:?}");
    assert!(events.windows(2).all(|w| w[0].bytes_sent < w[1].bytes_sent));
    assert_eq!(events.last().unwrap().bytes_sent, LEN as u64);
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}

#[tokio::test(start_paused = true)]
async fn survives_a_cut_at_every_chunk_boundary_and_mid_chunk() {
    let v = video(LEN, 2);
    for chunk in 1..=5u32 {
        let this_len = if chunk == 5 { 1000 } else { CHUNK };
        let faults = [
            Fault::ServerErrorOnChunk { chunk, status: 503 },
            Fault::ServerErrorOnChunk { chunk, status: 500 },
            Fault::DropMidChunk {
                chunk,
                after_bytes: 0,
            },
            Fault::DropMidChunk {
                chunk,
                after_bytes: this_len / 2,
            },
            Fault::DropMidChunk {
                chunk,
                after_bytes: this_len - 1,
            },
            // The whole chunk arrived but the reply was lost.
            Fault::DropMidChunk {
                chunk,
                after_bytes: this_len,
            },
        ];
        for fault in faults {
            let fake = FakeYouTube::start().await.unwrap();
            let up = uploader(&fake, "main", "proj-a").await;
            eprintln!("case {fault:?}");
            fake.inject(fault.clone());
            let receipt = up
                .upload_quietly(&UploadRequest::new(&v.path, meta("cut")))
                .await
                .unwrap_or_else(|e| panic!("{fault:?}: {e}"));
            assert!(
                fake.pending_faults().is_empty(),
                "{fault:?} never triggered"
            );
            let stored = fake.videos();
            assert_eq!(stored.len(), 1, "{fault:?}");
            assert_eq!(stored[0].id, receipt.video_id);
            assert_eq!(stored[0].sha256, sha256_hex(&v.data), "{fault:?}");
            assert_eq!(session_posts(&fake), 1, "{fault:?} started a second insert");
            assert!(
                fake.violations().is_empty(),
                "{fault:?}: {:?}",
                fake.violations()
            );
        }
    }
}

#[tokio::test(start_paused = true)]
async fn expired_session_starts_a_new_one() {
    let fake = FakeYouTube::start().await.unwrap();
    let up = uploader(&fake, "main", "proj-a").await;
    let v = video(LEN, 3);
    fake.inject(Fault::ExpireSessionOnChunk { chunk: 3 });
    up.upload_quietly(&UploadRequest::new(&v.path, meta("expiry")))
        .await
        .unwrap();
    assert_eq!(session_posts(&fake), 2);
    assert_eq!(fake.quota_used("proj-a"), 3200);
    let stored = fake.videos();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].sha256, sha256_hex(&v.data));
}

#[tokio::test(start_paused = true)]
async fn truncated_completion_reply_is_recovered_by_a_status_query() {
    let fake = FakeYouTube::start().await.unwrap();
    let up = uploader(&fake, "main", "proj-a").await;
    let v = video(LEN, 4);
    fake.inject(Fault::TruncateCompletion);
    let receipt = up
        .upload_quietly(&UploadRequest::new(&v.path, meta("truncated")))
        .await
        .unwrap();
    assert!(fake.pending_faults().is_empty());
    assert_eq!(fake.videos().len(), 1);
    assert_eq!(fake.videos()[0].id, receipt.video_id);
}

#[tokio::test(start_paused = true)]
async fn a_new_process_resumes_the_persisted_session() {
    let fake = FakeYouTube::start().await.unwrap();
    let refresh = fake.add_account("main", "proj-a", "UCmain");
    let v = video(LEN, 5);
    let sessions = v.dir.path().join("sessions");
    let req = UploadRequest::new(&v.path, meta("resume me"));

    // First process: dies (no retries left) after two chunks and part of the third.
    let first = ytempire_youtube::YouTubeUploader::new(client(&fake, "main", "proj-a", &refresh))
        .with_config(config(0))
        .with_session_dir(&sessions);
    fake.inject(Fault::DropMidChunk {
        chunk: 3,
        after_bytes: 1234,
    });
    let err = first.upload_quietly(&req).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport, "{err}");
    assert_eq!(std::fs::read_dir(&sessions).unwrap().count(), 1);
    drop(first);

    // Second process: a new uploader, a new token source, the same session directory.
    let second = ytempire_youtube::YouTubeUploader::new(client(&fake, "main", "proj-a", &refresh))
        .with_config(config(3))
        .with_session_dir(&sessions);
    let progress = Progress::default();
    second.upload(&req, &progress).await.unwrap();
    assert_eq!(session_posts(&fake), 1, "the second process inserted again");
    assert_eq!(fake.quota_used("proj-a"), 1600);
    let stored = fake.videos();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].sha256, sha256_hex(&v.data));
    // It resumed: its first progress report is past the bytes the first process got through.
    assert!(
        progress.events()[0].bytes_sent >= 2 * CHUNK + 1234,
        "{:?}",
        progress.events()
    );
    assert_eq!(
        std::fs::read_dir(&sessions).unwrap().count(),
        0,
        "finished session not removed"
    );
}

#[tokio::test]
async fn bad_metadata_is_rejected_with_zero_http_calls() {
    let fake = FakeYouTube::start().await.unwrap();
    let up = uploader(&fake, "main", "proj-a").await;
    let v = video(1000, 6);
    for bad in [
        ytempire_core::VideoMetadata::new("Bad <title>")
            .with_made_for_kids(false)
            .with_synthetic_media(false),
        ytempire_core::VideoMetadata::new("undeclared flags"),
        meta(&"x".repeat(101)),
        meta("ok").with_tags(["a,b"]),
    ] {
        let err = up
            .upload_quietly(&UploadRequest::new(&v.path, bad))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidRequest, "{err}");
    }
    let big = Thumbnail {
        width: 1,
        height: 1,
        format: ThumbnailFormat::Jpeg,
        variant: "a".into(),
        data: vec![0xFF; 3 * 1024 * 1024],
    };
    let err = up
        .upload_quietly(&UploadRequest::new(&v.path, meta("ok")).with_thumbnail(big))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidRequest);
    assert!(fake.requests().is_empty(), "{:?}", fake.requests());
}

#[tokio::test(start_paused = true)]
async fn rate_limits_are_retried_and_5xx_exhaustion_is_reported() {
    let fake = FakeYouTube::start().await.unwrap();
    let up = uploader(&fake, "main", "proj-a").await;
    let v = video(LEN, 7);
    fake.inject(Fault::RateLimitNext { count: 2 });
    up.upload_quietly(&UploadRequest::new(&v.path, meta("rl")))
        .await
        .unwrap();
    assert_eq!(session_posts(&fake), 3);

    let fake = FakeYouTube::start().await.unwrap();
    let up = uploader(&fake, "main", "proj-a").await;
    // Fail every chunk from the second on: chunk numbers 2..=20.
    for chunk in 2..=20 {
        fake.inject(Fault::ServerErrorOnChunk { chunk, status: 503 });
    }
    let err = up
        .upload_quietly(&UploadRequest::new(&v.path, meta("5xx")))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Upstream, "{err}");
    assert_eq!(err.status(), Some(503));
    assert!(err.attempts().unwrap() > 5, "{err}");
    assert!(fake.videos().is_empty());
}

#[tokio::test]
async fn quota_exceeded_is_not_retried() {
    let fake = FakeYouTube::start().await.unwrap();
    let up = uploader(&fake, "main", "proj-a").await;
    fake.set_quota_limit("proj-a", 1000);
    let v = video(1000, 8);
    let err = up
        .upload_quietly(&UploadRequest::new(&v.path, meta("no quota")))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::QuotaExhausted);
    assert_eq!(err.code(), Some("quotaExceeded"));
    assert_eq!(session_posts(&fake), 1);
}

#[tokio::test]
async fn conformance_suite_passes() {
    let fake = FakeYouTube::start().await.unwrap();
    let up = uploader(&fake, "main", "proj-a").await;
    // Every scenario runs: none is skipped.
    let skips = [];
    let r = ytempire_core::conformance::upload::run_all(&up, &skips).await;
    assert!(r.is_ok(), "{r}");
}

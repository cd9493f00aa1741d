//! Rotation across three accounts under quota exhaustion and channel upload limits, and the
//! JSON quota ledger's rules it rests on (the Postgres ledger keeps the same ones:
//! `tests/postgres_accounts.rs`).

use crate::common;

use std::sync::Arc;

use common::*;
use ytempire_core::{ErrorKind, UploadRequest, UploaderExt};
use ytempire_youtube::testing::{FakeYouTube, Fault, sha256_hex};
use ytempire_youtube::{QuotaCosts, QuotaLedger, RotatingUploader, YouTubeUploader};

fn posts_by(fake: &FakeYouTube) -> usize {
    fake.requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path == "/upload/youtube/v3/videos")
        .count()
}

#[tokio::test]
async fn rotates_across_three_accounts_until_all_are_spent() {
    let fake = FakeYouTube::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ledger_path = dir.path().join("quota.json");
    let ledger = Arc::new(QuotaLedger::open(&ledger_path, QuotaCosts::default()).unwrap());
    let mut uploaders = Vec::new();
    for (name, project) in [("alpha", "proj-a"), ("beta", "proj-b"), ("gamma", "proj-c")] {
        let refresh = fake.add_account(name, project, &format!("UC{name}"));
        uploaders.push(
            YouTubeUploader::new(client(&fake, name, project, &refresh)).with_config(config(2)),
        );
    }
    let rot = RotatingUploader::new(uploaders, Arc::clone(&ledger));
    // alpha's project is really out of quota (the ledger does not know yet);
    // beta's channel hit its 24-hour upload cap; gamma can take two uploads.
    fake.set_quota_limit("proj-a", 100);
    fake.set_upload_limited("beta", true);
    fake.set_quota_limit("proj-c", 2 * 1600);
    let v = video(3 * CHUNK as usize + 17, 9);
    let req = UploadRequest::new(&v.path, meta("rotate"));

    let first = rot.upload_quietly(&req).await.unwrap();
    assert_eq!(first.account, "gamma");
    assert_eq!(posts_by(&fake), 3, "alpha, beta, then gamma");
    assert_eq!(
        ledger.remaining("proj-a").await,
        0,
        "quotaExceeded marks the project exhausted"
    );
    assert!(ledger.channel_blocked_at("beta", chrono::Utc::now()).await);

    // The second upload goes straight to gamma: no wasted calls on alpha or beta.
    let second = rot.upload_quietly(&req).await.unwrap();
    assert_eq!(second.account, "gamma");
    assert_eq!(posts_by(&fake), 4);

    // The third finds gamma's project spent at the server: every account is out.
    let err = rot.upload_quietly(&req).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::QuotaExhausted, "{err}");
    assert!(err.retry_after().is_some());
    assert_eq!(posts_by(&fake), 5);
    // And with everything marked, nothing is even tried.
    let err = rot.upload_quietly(&req).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::QuotaExhausted);
    assert_eq!(posts_by(&fake), 5);

    let videos = fake.videos();
    assert_eq!(videos.len(), 2);
    assert!(
        videos
            .iter()
            .all(|x| x.sha256 == sha256_hex(&v.data) && x.account == "gamma")
    );

    // The ledger survives a restart.
    let reopened = QuotaLedger::open(&ledger_path, QuotaCosts::default()).unwrap();
    assert_eq!(reopened.remaining("proj-a").await, 0);
    assert_eq!(reopened.remaining("proj-c").await, 0);
    assert!(
        reopened
            .channel_blocked_at("beta", chrono::Utc::now())
            .await
    );
}

#[tokio::test]
async fn prefers_the_project_with_most_quota_left_and_honours_a_pinned_account() {
    let fake = FakeYouTube::start().await.unwrap();
    let ledger = Arc::new(QuotaLedger::in_memory(QuotaCosts::default()));
    let now = chrono::Utc::now();
    for _ in 0..3 {
        ledger
            .charge_at("proj-a", "videos.insert", now)
            .await
            .unwrap();
    }
    let mut uploaders = Vec::new();
    for (name, project) in [("alpha", "proj-a"), ("beta", "proj-b")] {
        let refresh = fake.add_account(name, project, &format!("UC{name}"));
        uploaders.push(
            YouTubeUploader::new(client(&fake, name, project, &refresh)).with_config(config(2)),
        );
    }
    let rot = RotatingUploader::new(uploaders, Arc::clone(&ledger));
    let v = video(1000, 10);
    let r = rot
        .upload_quietly(&UploadRequest::new(&v.path, meta("most left")))
        .await
        .unwrap();
    assert_eq!(r.account, "beta");
    let r = rot
        .upload_quietly(&UploadRequest::new(&v.path, meta("pinned")).with_account("alpha"))
        .await
        .unwrap();
    assert_eq!(r.account, "alpha");
    assert_eq!(ledger.remaining("proj-a").await, 10_000 - 4 * 1600);
}

#[tokio::test]
async fn a_rerun_resumes_the_saved_session_instead_of_rotating_to_a_fuller_account() {
    let fake = FakeYouTube::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let sessions = dir.path().join("sessions");
    let ledger_path = dir.path().join("quota.json");
    let refresh_a = fake.add_account("alpha", "proj-a", "UCalpha");
    let refresh_b = fake.add_account("beta", "proj-b", "UCbeta");
    let build = || {
        let ledger = Arc::new(QuotaLedger::open(&ledger_path, QuotaCosts::default()).unwrap());
        let ups = [
            ("alpha", "proj-a", &refresh_a),
            ("beta", "proj-b", &refresh_b),
        ]
        .into_iter()
        .map(|(n, p, r)| {
            YouTubeUploader::new(client(&fake, n, p, r))
                .with_config(config(1))
                .with_session_dir(&sessions)
        })
        .collect();
        RotatingUploader::new(ups, ledger)
    };
    let v = video(3 * CHUNK as usize + 9, 5);
    let req = UploadRequest::new(&v.path, meta("crash"));
    // The first run dies mid-upload (the server keeps failing), leaving its session saved.
    fake.inject(Fault::ServerErrorOnChunk {
        chunk: 2,
        status: 503,
    });
    fake.inject(Fault::ServerErrorOnChunk {
        chunk: 3,
        status: 503,
    });
    let err = build().upload_quietly(&req).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Upstream, "{err}");
    assert_eq!(posts_by(&fake), 1);
    // alpha's project now has less quota left than beta's, but alpha holds the session.
    let receipt = build().upload_quietly(&req).await.unwrap();
    assert_eq!(receipt.account, "alpha");
    assert_eq!(posts_by(&fake), 1, "resumed: no second videos.insert");
    assert_eq!(fake.videos().len(), 1);
    assert_eq!(fake.videos()[0].sha256, sha256_hex(&v.data));
}

#[tokio::test]
async fn the_json_ledger_keeps_the_rules() {
    let ledger = QuotaLedger::in_memory(QuotaCosts::default()).with_limit("small", 3300);
    let t = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 1, 15, 12, 0, 0).unwrap();
    assert_ledger_rules(&ledger, t).await;
}

#[tokio::test]
async fn the_json_ledger_persists_across_instances_and_blocks_channels() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("quota.json");
    let t = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 5, 2, 18, 0, 0).unwrap();
    {
        let ledger = QuotaLedger::open(&path, QuotaCosts::default()).unwrap();
        ledger.charge_at("p", "videos.insert", t).await.unwrap();
        ledger.block_channel_at("acct", t).await.unwrap();
    }
    let again = QuotaLedger::open(&path, QuotaCosts::default()).unwrap();
    assert_eq!(again.remaining_at("p", t).await, 8400);
    assert_blocked_for_a_day(&again, "acct", t).await;
}

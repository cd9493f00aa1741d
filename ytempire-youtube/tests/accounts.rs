//! `YouTubeAccounts`: adding an account through the consent flow against the fake (a test
//! plays the browser), listing and removing, building the rotating uploader from the store,
//! and the readable errors.

use crate::common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine as _;
use common::*;
use secrecy::SecretString;
use ytempire_core::{ErrorKind, NoProgress, UploadRequest};
use ytempire_youtube::testing::{FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, FakeYouTube};
use ytempire_youtube::{Account, AddAccount, TokenStore, YouTubeAccounts};

/// Google's client-secrets JSON for a desktop client whose endpoints are the fake's.
fn secrets_file(dir: &Path, fake: &FakeYouTube) -> PathBuf {
    let path = dir.join("client_secret.json");
    let json = serde_json::json!({"installed": {
        "client_id": FAKE_CLIENT_ID,
        "client_secret": FAKE_CLIENT_SECRET,
        "auth_uri": format!("{}/auth", fake.base_url()),
        "token_uri": format!("{}/token", fake.base_url()),
        "redirect_uris": ["http://localhost"],
    }});
    std::fs::write(&path, json.to_string()).unwrap();
    path
}

fn accounts(dir: &Path, fake: &FakeYouTube) -> YouTubeAccounts {
    YouTubeAccounts::new(dir.join("accounts.json"))
        .with_client_secrets_file(secrets_file(dir, fake))
        .with_endpoints(fake.endpoints())
        .with_session_dir(dir.join("sessions"))
        .with_upload_config(config(3))
}

/// Plays the user's browser: follows the consent URL (the fake redirects to the loopback
/// listener with a code).
fn browser(url: &url::Url) {
    let url = url.to_string();
    tokio::spawn(async move {
        let resp = reqwest::get(&url).await.unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        assert!(
            resp.text()
                .await
                .unwrap()
                .contains("authorisation received")
        );
    });
}

#[tokio::test]
async fn add_account_stores_the_channel_and_the_account_uploads() {
    let fake = FakeYouTube::start().await.unwrap();
    fake.add_account("cooking", "proj-cook", "UCcook");
    fake.set_channel_title("cooking", "Cooking With Rust");
    fake.set_consenting_account("cooking");
    let dir = tempfile::tempdir().unwrap();
    let key = base64::engine::general_purpose::STANDARD.encode([3u8; 32]);
    let accts = accounts(dir.path(), &fake).with_store_key(SecretString::from(key));

    let mut printed = None;
    let added = accts
        .add_account(
            &AddAccount::new("cooking")
                .with_project("proj-cook")
                .with_open_browser(false)
                .with_timeout(Duration::from_secs(20)),
            |url| {
                printed = Some(url.clone());
                browser(url);
            },
        )
        .await
        .unwrap();
    let url = printed.expect("the URL always reaches the callback");
    assert!(
        url.as_str()
            .starts_with(&format!("{}/auth?", fake.base_url()))
    );
    assert!(url.as_str().contains("code_challenge_method=S256"));
    assert_eq!(added.name, "cooking");
    assert_eq!(added.project, "proj-cook");
    assert_eq!(added.channel_id.as_deref(), Some("UCcook"));
    assert_eq!(added.channel_title.as_deref(), Some("Cooking With Rust"));
    let seen = fake.requests();
    let list = seen
        .iter()
        .find(|r| r.path == "/youtube/v3/channels")
        .expect("channels.list was called");
    assert!(list.query.contains("mine=true"), "{}", list.query);
    assert!(list.query.contains("part=id%2Csnippet"), "{}", list.query);
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());

    // Stored (encrypted), listed, and usable for uploads.
    let raw = std::fs::read_to_string(dir.path().join("accounts.json")).unwrap();
    assert!(
        !raw.contains("fake-refresh"),
        "the refresh token is encrypted"
    );
    assert_eq!(accts.list().await.unwrap(), vec![added.clone()]);
    let v = video(CHUNK as usize * 2 + 3, 4);
    let receipt = accts
        .uploader()
        .await
        .unwrap()
        .upload(&UploadRequest::new(&v.path, meta("added")), &NoProgress)
        .await
        .unwrap();
    assert_eq!(receipt.account, "cooking");
    assert_eq!(receipt.channel_id.as_deref(), Some("UCcook"));
    assert_eq!(fake.videos()[0].account, "cooking");

    // Removing forgets it; the uploader then says how to add one.
    assert!(accts.remove("cooking").await.unwrap());
    assert!(!accts.remove("cooking").await.unwrap());
    let err = accts.uploader().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(err.to_string().contains("accounts add"), "{err}");
}

#[tokio::test]
async fn add_account_defaults_the_project_to_the_client() {
    let fake = FakeYouTube::start().await.unwrap();
    fake.add_account("second", "p", "UCsecond");
    let dir = tempfile::tempdir().unwrap();
    let added = accounts(dir.path(), &fake)
        .add_account(&AddAccount::new("second").with_open_browser(false), browser)
        .await
        .unwrap();
    assert_eq!(
        added.project, FAKE_CLIENT_ID,
        "not a numeric client id: kept whole"
    );
    assert_eq!(added.channel_title.as_deref(), Some("second"));
}

#[tokio::test]
async fn add_account_gives_up_when_the_browser_never_answers() {
    let fake = FakeYouTube::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let started = std::time::Instant::now();
    let err = accounts(dir.path(), &fake)
        .add_account(
            &AddAccount::new("slow")
                .with_open_browser(false)
                .with_timeout(Duration::from_secs(1)),
            |_| {},
        )
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(err.kind(), ErrorKind::Timeout);
    let msg = err.to_string();
    assert!(
        msg.contains("no answer from the browser within 1 s; rerun"),
        "{msg}"
    );
    assert!(msg.contains("ytempire accounts add slow"), "{msg}");
    assert!(!dir.path().join("accounts.json").exists(), "nothing stored");
}

#[tokio::test]
async fn refused_consent_is_an_error_and_stores_nothing() {
    let fake = FakeYouTube::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let err = accounts(dir.path(), &fake)
        .add_account(&AddAccount::new("nope").with_open_browser(false), |url| {
            // The user clicks "Cancel": Google redirects with error=access_denied.
            let redirect = url
                .query_pairs()
                .find(|(k, _)| k == "redirect_uri")
                .unwrap()
                .1
                .into_owned();
            tokio::spawn(async move {
                let _ = reqwest::get(format!("{redirect}?error=access_denied")).await;
            });
        })
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthenticated);
    assert!(err.to_string().contains("access_denied"), "{err}");
    assert!(!dir.path().join("accounts.json").exists());
}

#[tokio::test]
async fn readable_errors_for_the_store_the_names_and_the_secrets() {
    let fake = FakeYouTube::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let accts = accounts(dir.path(), &fake);

    // No accounts at all.
    let err = accts.rotating_uploader().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    let msg = err.to_string();
    assert!(msg.contains("no YouTube accounts in"), "{msg}");
    assert!(msg.contains("ytempire accounts add NAME"), "{msg}");

    let store = TokenStore::open(dir.path().join("accounts.json"));
    for name in ["alpha", "beta"] {
        store
            .add(
                Account::new(name, "p"),
                SecretString::from("1//r".to_string()),
            )
            .await
            .unwrap();
    }
    // An unknown account name (e.g. a channel's upload accounts in the config).
    let err = accts
        .clone()
        .with_accounts(["beta", "gamma"])
        .rotating_uploader()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    let msg = err.to_string();
    assert!(msg.contains("no account named \"gamma\""), "{msg}");
    assert!(msg.contains("alpha, beta"), "{msg}");

    // A missing client-secrets file.
    let err = accts
        .clone()
        .with_client_secrets_file(dir.path().join("missing.json"))
        .rotating_uploader()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    let msg = err.to_string();
    assert!(msg.contains("missing.json not found"), "{msg}");
    assert!(msg.contains("Desktop app"), "{msg}");

    // A chosen subset keeps its order.
    let rot = accts
        .clone()
        .with_accounts(["beta", "alpha"])
        .rotating_uploader()
        .await
        .unwrap();
    let names: Vec<&str> = rot.accounts().iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["beta", "alpha"]);
    assert_eq!(accts.list().await.unwrap().len(), 2);

    // Setting a thumbnail for an account that is not stored.
    let png = ytempire_core::Thumbnail {
        width: 1,
        height: 1,
        format: ytempire_core::ThumbnailFormat::Png,
        variant: "a".into(),
        data: b"\x89PNG\r\n\x1a\nx".to_vec(),
    };
    let err = accts.set_thumbnail("zeta", "vid1", &png).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(err.to_string().contains("zeta"), "{err}");
}

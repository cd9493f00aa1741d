//! OAuth against the fake: loopback + PKCE consent, refresh caching, invalid_grant, and
//! tokens never appearing in Debug output, errors or logs.

use crate::common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::*;
use secrecy::ExposeSecret;
use ytempire_core::{ErrorKind, UploadRequest, UploaderExt};
use ytempire_youtube::testing::{FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, FakeYouTube};
use ytempire_youtube::{
    AccessTokenSource, Account, ClientSecrets, InstalledAppFlow, OAuthClient, RefreshingToken,
    TokenStore, YouTubeUploader,
};

#[tokio::test]
async fn installed_app_flow_with_loopback_and_pkce() {
    let fake = FakeYouTube::start().await.unwrap();
    let refresh = fake.add_account("main", "proj-a", "UCmain");
    let secrets_json = format!(
        r#"{{"installed":{{"client_id":"{FAKE_CLIENT_ID}","client_secret":"{FAKE_CLIENT_SECRET}","auth_uri":"{base}/auth","token_uri":"{base}/token","redirect_uris":["http://localhost"]}}}}"#,
        base = fake.base_url()
    );
    let secrets = ClientSecrets::from_json(&secrets_json).unwrap();
    let flow = InstalledAppFlow::new(OAuthClient::new(secrets));
    let grant = flow
        .run(|url| {
            // The "browser": follows Google's redirect back to the loopback listener.
            let url = url.clone();
            assert!(url.query().unwrap().contains("code_challenge_method=S256"));
            tokio::spawn(async move {
                let _ = reqwest::get(url).await;
            });
        })
        .await
        .unwrap();
    assert_eq!(
        grant.refresh_token.as_ref().unwrap().expose_secret(),
        refresh
    );
    assert!(grant.access_token.expose_secret().starts_with("ya29."));
    let shown = format!("{grant:?}");
    assert!(
        !shown.contains("ya29.") && !shown.contains(&refresh),
        "{shown}"
    );
}

#[tokio::test]
async fn refresh_is_cached_invalidated_and_invalid_grant_says_reauthorise() {
    let fake = FakeYouTube::start().await.unwrap();
    let refresh = fake.add_account("main", "proj-a", "UCmain");
    let tok = RefreshingToken::new(oauth(&fake), refresh.clone().into());
    let a = tok.access_token().await.unwrap();
    let b = tok.access_token().await.unwrap();
    assert_eq!(a.expose_secret(), b.expose_secret());
    assert_eq!(fake.refreshes(), 1);
    tok.invalidate().await;
    let c = tok.access_token().await.unwrap();
    assert_ne!(a.expose_secret(), c.expose_secret());
    assert_eq!(fake.refreshes(), 2);
    // A skew longer than the token's life refreshes every time.
    let eager = RefreshingToken::new(oauth(&fake), refresh.clone().into())
        .with_skew(std::time::Duration::from_secs(3600));
    eager.access_token().await.unwrap();
    eager.access_token().await.unwrap();
    assert_eq!(fake.refreshes(), 4);

    fake.revoke("main");
    tok.invalidate().await;
    let err = tok.access_token().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthenticated);
    assert!(
        err.to_string().contains("re-authorise this account"),
        "{err}"
    );
    let shown = format!("{err} {err:?} {tok:?}");
    assert!(
        !shown.contains(&refresh) && !shown.contains("ya29."),
        "{shown}"
    );
}

/// A `MakeWriter` that appends to a shared buffer.
#[derive(Clone, Default)]
struct Buf(Arc<Mutex<Vec<u8>>>);

impl Write for Buf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Buf {
    type Writer = Buf;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[tokio::test]
async fn tokens_never_reach_logs_debug_or_errors() {
    let logs = Buf::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(logs.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let fake = FakeYouTube::start().await.unwrap();
    let refresh = fake.add_account("main", "proj-a", "UCmain");
    let up = YouTubeUploader::new(client(&fake, "main", "proj-a", &refresh)).with_config(config(3));
    let v = video(2 * CHUNK as usize + 5, 11);
    fake.inject(ytempire_youtube::testing::Fault::DropMidChunk {
        chunk: 2,
        after_bytes: 10,
    });
    up.upload_quietly(&UploadRequest::new(&v.path, meta("logged")))
        .await
        .unwrap();
    // A failing call too, so error paths are logged and formatted.
    fake.set_quota_limit("proj-a", 0);
    let err = up
        .upload_quietly(&UploadRequest::new(&v.path, meta("no quota")))
        .await
        .unwrap_err();
    fake.revoke("main");
    let up2 = YouTubeUploader::new(client(&fake, "main", "proj-a", &refresh));
    let err2 = up2
        .upload_quietly(&UploadRequest::new(&v.path, meta("revoked")))
        .await
        .unwrap_err();
    assert_eq!(err2.kind(), ErrorKind::Unauthenticated);

    let dir = tempfile::tempdir().unwrap();
    let store = TokenStore::open(dir.path().join("a.json"));
    store
        .add(Account::new("main", "proj-a"), refresh.clone().into())
        .await
        .unwrap();
    let (_, rt) = store.get("main").await.unwrap();

    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(
        text.contains("upload attempt failed"),
        "the test must see real log lines: {text}"
    );
    let everything = format!(
        "{text}\n{up:?}\n{err}\n{err:?}\n{err2}\n{err2:?}\n{store:?}\n{:?}\n{:?}",
        ClientSecrets::new(FAKE_CLIENT_ID, FAKE_CLIENT_SECRET),
        RefreshingToken::new(oauth(&fake), rt),
    );
    for secret in ["ya29.", refresh.as_str(), FAKE_CLIENT_SECRET] {
        assert!(
            !everything.contains(secret),
            "{secret} leaked:\n{everything}"
        );
    }
}

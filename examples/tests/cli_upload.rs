//! `ytempire make --upload` end to end through the built binary against loopback fakes: the
//! language model is ytempire-llm's fake OpenAI, YouTube is ytempire-youtube's fake. The
//! first account's project has no quota left, so rotation uploads with the second; and a
//! run killed during the upload resumes its session on rerun, repeating no paid call.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests"
)]

mod cli_common;

use std::path::Path;
use std::time::{Duration, Instant};

use cli_common::{command, small_config, start};
use secrecy::SecretString;
use ytempire_llm::testing::FakeOpenAi;
use ytempire_youtube::fake::{FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, FakeYouTube, Fault};
use ytempire_youtube::{Account, TokenStore};

/// Config for the fakes: the fake OpenAI writes the script (offline as fallback), espeak
/// narrates, procedural visuals; YouTube files under `dir`; the channel rotates `accounts`.
fn fake_config(dir: &Path, fake: &FakeYouTube, accounts: &[&str]) -> String {
    let secrets = dir.join("client_secret.json");
    std::fs::write(
        &secrets,
        serde_json::json!({"installed": {
            "client_id": FAKE_CLIENT_ID,
            "client_secret": FAKE_CLIENT_SECRET,
            "auth_uri": format!("{}/auth", fake.base_url()),
            "token_uri": format!("{}/token", fake.base_url()),
        }})
        .to_string(),
    )
    .unwrap();
    let names: Vec<String> = accounts.iter().map(|a| format!("{a:?}")).collect();
    let extra = format!(
        r#"[[providers.script]]
kind = "openai"
model = "gpt-4o-mini"

[[providers.narration]]
kind = "espeak"

[[providers.visuals]]
kind = "procedural"

[youtube]
client_secrets = "{secrets}"
token_store = "{store}"
quota_ledger = "{quota}"
session_dir = "{sessions}"

[[channels]]
name = "Tides"
niche = "oceans"
accounts = [{names}]
"#,
        secrets = secrets.display(),
        store = dir.join("accounts.json").display(),
        quota = dir.join("quota.json").display(),
        sessions = dir.join("sessions").display(),
        names = names.join(", "),
    );
    small_config(dir, &extra).to_str().unwrap().to_string()
}

async fn store_account(dir: &Path, fake: &FakeYouTube, name: &str, project: &str, channel: &str) {
    let refresh = fake.add_account(name, project, channel);
    TokenStore::open(dir.join("accounts.json"))
        .add(
            Account::new(name, project).with_channel_id(channel),
            SecretString::from(refresh),
        )
        .await
        .unwrap();
}

fn env(llm: &FakeOpenAi, yt: &FakeYouTube) -> Vec<(&'static str, String)> {
    let e = yt.endpoints();
    vec![
        ("OPENAI_API_KEY", "sk-test-key".to_string()),
        ("OPENAI_BASE_URL", llm.base_url()),
        ("YTEMPIRE_YOUTUBE_API_BASE", e.api_base.clone()),
        ("YTEMPIRE_YOUTUBE_UPLOAD_BASE", e.upload_base.clone()),
        ("YTEMPIRE_OAUTH_TOKEN_URL", e.token_url.clone()),
    ]
}

fn inserts(yt: &FakeYouTube) -> usize {
    yt.requests()
        .iter()
        .filter(|r| {
            r.method == "POST"
                && r.path.ends_with("/youtube/v3/videos")
                && r.query.contains("uploadType=resumable")
        })
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn make_upload_rotates_to_the_account_with_quota() {
    let dir = tempfile::tempdir().unwrap();
    let llm = FakeOpenAi::start().await.unwrap();
    llm.require_key("sk-test-key");
    let yt = FakeYouTube::start().await.unwrap();
    store_account(dir.path(), &yt, "first", "project-a", "UCfirst").await;
    store_account(dir.path(), &yt, "second", "project-b", "UCsecond").await;
    yt.set_quota_limit("project-a", 0);
    let cfg = fake_config(dir.path(), &yt, &["first", "second"]);

    let args = [
        "--config",
        cfg.as_str(),
        "make",
        "--upload",
        "--duration",
        "10",
        "How tides work",
    ];
    let out = start(
        command(dir.path(), &args, &env(&llm, &yt)),
        dir.path(),
        "e2e",
    )
    .wait(Duration::from_secs(240))
    .await;
    assert_eq!(out.code, Some(0), "{out:?}");

    let videos = yt.videos();
    assert_eq!(videos.len(), 1, "{out:?}");
    assert_eq!(
        videos[0].account, "second",
        "rotation skipped the spent project"
    );
    let printed = cli_common::printed_paths(&out.stdout, "video:");
    assert_eq!(
        videos[0].bytes,
        std::fs::read(&printed[0]).unwrap(),
        "the fake stored the video exactly"
    );
    let thumbs = yt.thumbnails();
    assert!(
        thumbs.contains_key(&videos[0].id),
        "thumbnail set: {thumbs:?}"
    );
    assert!(yt.violations().is_empty(), "{:?}", yt.violations());
    assert!(
        !llm.requests().is_empty(),
        "the script came from the fake OpenAI"
    );
    assert!(llm.violations().is_empty(), "{:?}", llm.violations());
    assert!(
        out.stdout.contains("script by:  openai/gpt-4o-mini"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("account second"), "{}", out.stdout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_during_upload_resumes_the_session_and_pays_nothing_twice() {
    let dir = tempfile::tempdir().unwrap();
    let llm = FakeOpenAi::start().await.unwrap();
    let yt = FakeYouTube::start().await.unwrap();
    store_account(dir.path(), &yt, "solo", "project-s", "UCsolo").await;
    // The first two chunk attempts fail with 503: the uploader backs off (≥ 0.5 s, then
    // ≥ 1 s) with its session open, the window this test kills it in.
    yt.inject(Fault::ServerErrorOnChunk {
        chunk: 1,
        status: 503,
    });
    yt.inject(Fault::ServerErrorOnChunk {
        chunk: 2,
        status: 503,
    });
    let cfg = fake_config(dir.path(), &yt, &["solo"]);
    let args = [
        "--config",
        cfg.as_str(),
        "make",
        "--upload",
        "--duration",
        "10",
        "--job",
        "crash",
        "How tides work",
    ];

    let running = start(
        command(dir.path(), &args, &env(&llm, &yt)),
        dir.path(),
        "first",
    );
    let began = Instant::now();
    let mut running = running;
    loop {
        let chunk_sent = yt.requests().iter().any(|r| r.method == "PUT");
        if chunk_sent {
            break;
        }
        assert!(!running.exited(), "exited before uploading");
        assert!(
            began.elapsed() < Duration::from_secs(240),
            "no upload started"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let first = running.kill();
    assert_eq!(first.code, None, "killed: {first:?}");
    assert!(yt.videos().is_empty(), "killed before the upload finished");
    assert_eq!(inserts(&yt), 1);
    let llm_calls = llm.requests().len();
    assert!(llm_calls >= 1);

    let out = start(
        command(dir.path(), &args, &env(&llm, &yt)),
        dir.path(),
        "second",
    )
    .wait(Duration::from_secs(120))
    .await;
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_eq!(yt.videos().len(), 1, "{out:?}");
    assert_eq!(
        inserts(&yt),
        1,
        "the rerun resumed the session: one videos.insert"
    );
    assert_eq!(
        llm.requests().len(),
        llm_calls,
        "the script was not paid for twice"
    );
    assert!(
        out.stdout.contains(
            "resumed:    script, narration, visuals, timeline, render, thumbnail, quality"
        ),
        "{}",
        out.stdout
    );
    let ledger = ytempire_examples::open_ledger(&dir.path().join("data/ledger.sqlite")).unwrap();
    let script_calls = ledger
        .entries()
        .unwrap()
        .iter()
        .filter(|e| e.job.as_deref() == Some("crash") && e.stage.as_deref() == Some("script"))
        .count();
    assert_eq!(
        script_calls, llm_calls,
        "one ledger row per paid script call, none repeated"
    );
}

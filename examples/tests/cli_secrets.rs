//! Secrets never leave their stores: the command runs (`make --upload` against the loopback
//! fakes with debug logging, `accounts list`, `report`) with every key it reads set to a
//! recognisable canary, and the YouTube refresh tokens it holds; then stdout, stderr and
//! every file it wrote (outputs, job directory, cache, ledger, quota ledger, upload
//! sessions, cost report) are searched for each canary. Only the token store and the
//! client-secrets file, which exist to hold them, may.

use crate::cli_common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use cli_common::fakes::{Media, env, fake_config};
use cli_common::{command, start};
use ytempire_llm::testing::FakeOpenAi;
use ytempire_youtube::testing::{FAKE_CLIENT_SECRET, FakeYouTube};

/// Every key variable the command reads (ytempire-core's http env helpers, the config's
/// providers, the webhook signer), each set to `CANARY-<name>-7f3a9`.
const KEYS: &[&str] = &[
    "OPENAI_API_KEY",
    "ANTHROPIC_API_KEY",
    "ELEVENLABS_API_KEY",
    "GOOGLE_TTS_API_KEY",
    "GOOGLE_API_KEY",
    "PEXELS_API_KEY",
    "STABILITY_API_KEY",
    "YTEMPIRE_WEBHOOK_SECRET",
];

fn canary(name: &str) -> String {
    format!("CANARY-{name}-7f3a9")
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files(&path, out);
        } else {
            out.push(path);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_key_or_token_appears_in_output_logs_or_files() {
    let dir = tempfile::tempdir().unwrap();
    let llm = FakeOpenAi::start().await.unwrap();
    llm.require_key(&canary("OPENAI_API_KEY"));
    let yt = FakeYouTube::start().await.unwrap();
    let media = Media::start().await;
    let refresh = yt.add_account("solo", "project-s", "UCsolo");
    ytempire_youtube::TokenStore::open(dir.path().join("accounts.json"))
        .add(
            ytempire_youtube::Account::new("solo", "project-s").with_channel_id("UCsolo"),
            secrecy::SecretString::from(refresh.clone()),
        )
        .await
        .unwrap();
    let cfg = fake_config(dir.path(), &yt, &["solo"]);
    let mut env = env(&llm, &yt, &media);
    for k in KEYS {
        env.push((k, canary(k)));
    }
    env.push(("RUST_LOG", "debug".to_string()));

    let runs: [&[&str]; 3] = [
        &[
            "--config",
            &cfg,
            "make",
            "--upload",
            "--duration",
            "10",
            "How tides work",
        ],
        &["--config", &cfg, "accounts", "list"],
        &["--config", &cfg, "report"],
    ];
    let mut printed = String::new();
    for (i, args) in runs.iter().enumerate() {
        let out = start(command(dir.path(), args, &env), dir.path(), "run")
            .wait(Duration::from_secs(240))
            .await;
        assert_eq!(out.code, Some(0), "{args:?}: {out:?}");
        if i == 0 {
            // The canary keys were in use: each vendor answered.
            for who in [
                "script by:  openai/",
                "spoken by:  elevenlabs/",
                "visuals by: pexels/",
            ] {
                assert!(out.stdout.contains(who), "{who}: {}", out.stdout);
            }
            assert_eq!(yt.videos().len(), 1);
            assert!(out.stderr.contains("DEBUG"), "debug logging was on");
        }
        printed.push_str(&out.stdout);
        printed.push_str(&out.stderr);
    }
    assert!(printed.contains("solo"), "accounts list ran: {printed}");
    assert!(dir.path().join("out/cost-report.html").is_file());

    let mut secrets: Vec<String> = KEYS.iter().map(|k| canary(k)).collect();
    secrets.push(refresh);
    secrets.push(FAKE_CLIENT_SECRET.to_string());
    let stores = [
        dir.path().join("accounts.json"),
        dir.path().join("client_secret.json"),
    ];
    let mut written = Vec::new();
    files(dir.path(), &mut written);
    written.retain(|p| !stores.contains(p));
    assert!(written.len() > 10, "{written:?}");
    for secret in &secrets {
        assert!(
            !printed.contains(secret.as_str()),
            "{secret} printed: {printed}"
        );
        for path in &written {
            let bytes = std::fs::read(path).unwrap();
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "{secret} found in {}",
                path.display()
            );
        }
    }
}

//! The quota ledger and the token store on PostgreSQL against a real server (`DATABASE_URL`;
//! `scripts/postgres.sh` starts a throwaway one): three OS processes updating both at once
//! lose no update, refresh tokens stay sealed in their rows, and the ledger keeps the JSON
//! ledger's rules (Pacific days, exhaustion, blocked channels). Each test uses its own schema.
//!
//! The processes re-execute this test binary (`child_process_entry`), as the queue's
//! multi-process tests do.
#![cfg(feature = "postgres")]

use crate::common;

use base64::Engine as _;
use chrono::{DateTime, TimeZone, Utc};
use secrecy::{ExposeSecret, SecretString};
use std::process::{Command, Stdio};
use ytempire_core::ErrorKind;
use ytempire_core::pg::PgOptions;
use ytempire_youtube::{Account, QuotaCosts, QuotaLedger, TokenStore};

const CHILD_ENV: &str = "YTEMPIRE_PGA_CHILD_SCHEMA";
const INDEX_ENV: &str = "YTEMPIRE_PGA_CHILD_INDEX";
/// A file the children wait for, so that all three update at once.
const GO_ENV: &str = "YTEMPIRE_PGA_GO";
/// Updates of each kind per process.
const UPDATES: u64 = 40;

/// The server, or `None` (skipped) outside CI; under CI a missing server fails the test.
fn database_url() -> Option<String> {
    ytempire_core::pg::test_database_url("postgres_accounts").unwrap()
}

fn schema(name: &str) -> String {
    format!("t{}_{name}", std::process::id())
}

fn key(byte: u8) -> SecretString {
    SecretString::from(base64::engine::general_purpose::STANDARD.encode([byte; 32]))
}

fn noon() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 10, 19, 0, 0).unwrap()
}

async fn open(url: &str, schema: &str) -> (QuotaLedger, TokenStore) {
    let options = PgOptions::default().with_schema(schema).with_pool_size(2);
    let ledger = QuotaLedger::connect_postgres(url, &options, QuotaCosts::default())
        .await
        .unwrap();
    let store = TokenStore::connect_postgres(url, &options)
        .await
        .unwrap()
        .with_key(key(7))
        .unwrap();
    (ledger, store)
}

/// Entry point of a child process; a no-op when run as an ordinary test.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn child_process_entry() {
    let Ok(schema) = std::env::var(CHILD_ENV) else {
        return;
    };
    let index: u64 = std::env::var(INDEX_ENV).unwrap().parse().unwrap();
    let url = std::env::var("DATABASE_URL").unwrap();
    let (ledger, store) = open(&url, &schema).await;
    let go = std::path::PathBuf::from(std::env::var(GO_ENV).unwrap());
    while !go.exists() {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    for n in 0..UPDATES {
        // One unit each, and every fifth a 50-unit thumbnail, on the project all share.
        ledger
            .charge_at("shared", "videos.list", noon())
            .await
            .unwrap();
        if n % 5 == 0 {
            ledger
                .charge_at("shared", "thumbnails.set", noon())
                .await
                .unwrap();
        }
        store
            .add(
                Account::new(format!("w{index}-{n:02}"), "shared"),
                SecretString::from(format!("1//token-{index}-{n}")),
            )
            .await
            .unwrap();
        // Everyone also rewrites one shared account.
        store
            .add(
                Account::new("common", "shared").with_channel_title(format!("by {index}")),
                SecretString::from(format!("1//common-{index}")),
            )
            .await
            .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_processes_updating_quota_and_tokens_lose_no_update() {
    let Some(url) = database_url() else { return };
    let schema = schema("three");
    // The tables exist before the processes race (they would also migrate safely).
    let (ledger, store) = open(&url, &schema).await;
    let dir = tempfile::tempdir().unwrap();
    let go = dir.path().join("go");
    let children: Vec<_> = (0..3)
        .map(|i| {
            Command::new(std::env::current_exe().unwrap())
                .args([
                    "postgres_accounts::child_process_entry",
                    "--exact",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env(CHILD_ENV, &schema)
                .env(INDEX_ENV, i.to_string())
                .env(GO_ENV, &go)
                .stdout(Stdio::null())
                .stderr(Stdio::inherit())
                .spawn()
                .unwrap()
        })
        .collect();
    std::fs::write(&go, b"go").unwrap();
    for mut child in children {
        assert!(child.wait().unwrap().success(), "a child process failed");
    }

    let thumbnails = UPDATES.div_ceil(5);
    let expected = 3 * (UPDATES + 50 * thumbnails);
    assert_eq!(ledger.used_at("shared", noon()).await, expected);
    assert_eq!(
        ledger.remaining_at("shared", noon()).await,
        10_000 - expected
    );

    let accounts = store.list().await.unwrap();
    assert_eq!(accounts.len() as u64, 3 * UPDATES + 1, "every account kept");
    for i in 0..3 {
        for n in 0..UPDATES {
            let (a, token) = store.get(&format!("w{i}-{n:02}")).await.unwrap();
            assert_eq!(a.project, "shared");
            assert_eq!(token.expose_secret(), format!("1//token-{i}-{n}"));
        }
    }
    let (common, token) = store.get("common").await.unwrap();
    let writer = common.channel_title.unwrap();
    assert_eq!(
        token.expose_secret(),
        format!("1//common-{}", writer.trim_start_matches("by ")),
        "the shared account's fields come from one writer"
    );

    // The rows hold sealed tokens only.
    let db = store.database().unwrap();
    let client = db.client().await.unwrap();
    let rows = client
        .query(
            "SELECT refresh_token, encryption FROM youtube_accounts",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(rows.len() as u64, 3 * UPDATES + 1);
    for row in rows {
        let raw: String = row.get(0);
        let encryption: Option<String> = row.get(1);
        assert!(
            !raw.contains("1//"),
            "a refresh token is stored in plaintext"
        );
        assert_eq!(encryption.as_deref(), Some("AES-256-GCM"));
    }
}

#[tokio::test]
async fn sealed_rows_need_the_key_and_never_leak() {
    let Some(url) = database_url() else { return };
    let options = PgOptions::default().with_schema(schema("sealed"));
    let store = TokenStore::connect_postgres(&url, &options)
        .await
        .unwrap()
        .with_key(key(7))
        .unwrap();
    store
        .add(
            Account::new("a", "p").with_channel_id("UC1"),
            SecretString::from("1//very-secret-refresh".to_string()),
        )
        .await
        .unwrap();
    let (a, token) = store.get("a").await.unwrap();
    assert_eq!(a.channel_id.as_deref(), Some("UC1"));
    assert_eq!(token.expose_secret(), "1//very-secret-refresh");

    let no_key = TokenStore::connect_postgres(&url, &options).await.unwrap();
    assert_eq!(no_key.list().await.unwrap().len(), 1, "names are listable");
    let err = no_key.get("a").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    let wrong = TokenStore::connect_postgres(&url, &options)
        .await
        .unwrap()
        .with_key(key(8))
        .unwrap();
    let err2 = wrong.get("a").await.unwrap_err();
    assert_eq!(err2.kind(), ErrorKind::Unauthenticated);
    let missing = store.get("nobody").await.unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);
    let shown = format!("{err} {err:?} {err2} {err2:?} {store:?} {wrong:?} {missing}");
    assert!(!shown.contains("very-secret"), "{shown}");
    assert!(
        !shown.contains("postgres://"),
        "the URL (and its password) stays out"
    );

    assert!(store.remove("a").await.unwrap());
    assert!(!store.remove("a").await.unwrap());

    // A machine's token file moves onto the server; accounts already there are kept.
    let dir = tempfile::tempdir().unwrap();
    let file = TokenStore::open(dir.path().join("accounts.json"));
    file.add(
        Account::new("x", "p1"),
        SecretString::from("1//x".to_string()),
    )
    .await
    .unwrap();
    file.add(
        Account::new("y", "p2"),
        SecretString::from("1//y-file".to_string()),
    )
    .await
    .unwrap();
    store
        .add(
            Account::new("y", "p2"),
            SecretString::from("1//y-db".to_string()),
        )
        .await
        .unwrap();
    assert_eq!(store.import_missing(&file).await.unwrap(), ["x"]);
    assert_eq!(store.get("x").await.unwrap().1.expose_secret(), "1//x");
    assert_eq!(store.get("y").await.unwrap().1.expose_secret(), "1//y-db");
}

#[tokio::test]
async fn postgres_quota_ledger_keeps_the_rules() {
    let Some(url) = database_url() else { return };
    let options = PgOptions::default().with_schema(schema("rules"));
    let costs = QuotaCosts::default();
    let ledger = QuotaLedger::connect_postgres(&url, &options, costs.clone())
        .await
        .unwrap()
        .with_limit("small", 3300);
    let t = noon();
    common::assert_ledger_rules(&ledger, t).await;
    ledger.block_channel_at("acct", t).await.unwrap();

    // Another process (another pool) sees the same counts and blocks.
    let again = QuotaLedger::connect_postgres(&url, &options, costs)
        .await
        .unwrap();
    assert_eq!(again.used_at("small", t).await, 3250);
    assert_eq!(again.remaining_at("other", t).await, 0);
    common::assert_blocked_for_a_day(&again, "acct", t).await;
}

//! The YouTube commands on a PostgreSQL server (`DATABASE_URL`; `scripts/postgres.sh` starts
//! a throwaway one): `accounts list` on one machine copies its token file's accounts to the
//! server, another machine without a token file then lists them, uploads through them
//! (charging the server's quota ledger, not a local file) and removes them.
//!
//! Without `DATABASE_URL` the test is skipped, except under CI (`CI=true`), where it fails.

use crate::cli_common;

use std::time::Duration;

use chrono::Utc;
use cli_common::fakes::{store_account, youtube_config, youtube_env};
use cli_common::run;
use ytempire_core::pg::PgOptions;
use ytempire_youtube::testing::FakeYouTube;
use ytempire_youtube::{QuotaCosts, QuotaLedger};

#[test]
fn accounts_and_quota_live_on_the_server() {
    let Some(url) = ytempire_core::pg::test_database_url("cli_accounts_pg").unwrap() else {
        return;
    };
    let db = cli_common::schema_url(&url, "accounts");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let fake = rt.block_on(FakeYouTube::start()).unwrap();
    let machine_a = tempfile::tempdir().unwrap();
    let machine_b = tempfile::tempdir().unwrap();
    rt.block_on(store_account(
        machine_a.path(),
        &fake,
        "cooking",
        "proj-cook",
        "UCcook",
    ));
    let cfg_a = youtube_config(machine_a.path(), &fake, "");
    let cfg_b = youtube_config(machine_b.path(), &fake, "");
    let local_env = youtube_env(&fake);
    let mut env = local_env.clone();
    env.push(("DATABASE_URL", db.clone()));
    let ytempire = |dir: &std::path::Path, cfg: &str, args: &[&str], env| {
        let mut all = vec!["--config", cfg];
        all.extend_from_slice(args);
        run(dir, &all, env, Duration::from_secs(60))
    };

    // Machine A: its token file's account goes up to the server.
    let list = ytempire(machine_a.path(), &cfg_a, &["accounts", "list"], &env);
    assert_eq!(list.code, Some(0), "{list:?}");
    assert!(list.stdout.contains("cooking"), "{list:?}");
    assert!(
        list.stderr.contains("copied 1 account(s)") && list.stderr.contains("cooking"),
        "{list:?}"
    );

    // Machine B has no token file: without the server it has no account, with it it does.
    let local = ytempire(machine_b.path(), &cfg_b, &["accounts", "list"], &local_env);
    assert!(local.stdout.contains("no accounts in"), "{local:?}");
    let shared = ytempire(machine_b.path(), &cfg_b, &["accounts", "list"], &env);
    assert_eq!(shared.code, Some(0), "{shared:?}");
    assert!(
        shared.stdout.contains("cooking") && shared.stdout.contains("UCcook"),
        "{shared:?}"
    );

    // An upload from machine B uses the server's account and charges the server's ledger.
    let video = machine_b.path().join("clip.mp4");
    std::fs::write(&video, vec![7u8; 200_000]).unwrap();
    let args = [
        "upload",
        video.to_str().unwrap(),
        "--title",
        "Pasta",
        "--account",
        "cooking",
    ];
    let up = ytempire(machine_b.path(), &cfg_b, &args, &env);
    assert_eq!(up.code, Some(0), "{up:?}");
    assert_eq!(fake.videos().len(), 1);
    let used = rt.block_on(async {
        let ledger =
            QuotaLedger::connect_postgres(&db, &PgOptions::default(), QuotaCosts::default())
                .await
                .unwrap();
        ledger.used_at("proj-cook", Utc::now()).await
    });
    assert!(
        used >= 1600,
        "videos.insert is charged on the server: {used}"
    );
    assert!(
        !machine_b.path().join("data").join("quota.json").exists()
            && !machine_b.path().join("quota.json").exists(),
        "no local quota file on machine B"
    );

    // Removing on machine B removes it for everyone.
    let rm = ytempire(
        machine_b.path(),
        &cfg_b,
        &["accounts", "remove", "cooking"],
        &env,
    );
    assert_eq!(rm.code, Some(0), "{rm:?}");
    assert!(rm.stdout.contains("removed from the database"), "{rm:?}");
    let gone = ytempire(machine_b.path(), &cfg_b, &["accounts", "list"], &env);
    assert!(
        gone.stdout.contains("no accounts in the database"),
        "{gone:?}"
    );
}

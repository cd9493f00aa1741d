//! `ytempire queue` on a PostgreSQL server (`DATABASE_URL`; `scripts/postgres.sh` starts a
//! throwaway one): submit, list --json, cancel and status with `--database`, the database
//! from `DATABASE_URL` and from the config's `database` key, and `status --follow` printing a job's events live while another
//! process (`queue work --offline`) makes the video.
//!
//! Without `DATABASE_URL` the test is skipped, except under CI (`CI=true`), where it fails.

use crate::cli_common;

use std::time::Duration;

use cli_common::{command, run, schema_url, small_config, start};

fn database_url() -> Option<String> {
    ytempire_core::pg::test_database_url("cli_queue_pg").unwrap()
}

#[test]
fn queue_commands_on_postgres_with_a_live_follow() {
    let Some(url) = database_url() else { return };
    let db = schema_url(&url, "queue");
    let dir = tempfile::tempdir().unwrap();
    let cfg = small_config(dir.path(), "");
    let cfg = cfg.to_str().unwrap();
    let q = |args: &[&str]| {
        let mut all = vec!["--config", cfg, "queue", "--database", &db];
        all.extend_from_slice(args);
        run(dir.path(), &all, &[], Duration::from_secs(60))
    };
    let sub = q(&[
        "submit",
        "How tides work",
        "--duration",
        "8",
        "--job",
        "tides",
    ]);
    assert_eq!(sub.code, Some(0), "{sub:?}");
    assert!(sub.stdout.contains("queued tides (place 1)"), "{sub:?}");
    let sub = q(&[
        "submit",
        "Why the sky is blue",
        "--job",
        "sky",
        "--priority",
        "3",
    ]);
    assert_eq!(sub.code, Some(0), "{sub:?}");
    assert!(sub.stdout.contains("queued sky (place 1)"), "{sub:?}");
    let dup = q(&["submit", "How tides work", "--job", "tides"]);
    assert_eq!(dup.code, Some(1), "a second job with the same id: {dup:?}");

    // The database from DATABASE_URL instead of --database.
    let list = run(
        dir.path(),
        &["--config", cfg, "queue", "list", "--json"],
        &[("DATABASE_URL", db.clone())],
        Duration::from_secs(60),
    );
    assert_eq!(list.code, Some(0), "{list:?}");
    let jobs: serde_json::Value = serde_json::from_str(&list.stdout).unwrap();
    let ids: Vec<&str> = jobs
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["spec"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["sky", "tides"], "priority first: {}", list.stdout);

    // The database from the config file's `database` key.
    let with_db = dir.path().join("with-database.toml");
    let text = std::fs::read_to_string(cfg).unwrap();
    std::fs::write(&with_db, format!("database = \"{db}\"\n{text}")).unwrap();
    let status = run(
        dir.path(),
        &[
            "--config",
            with_db.to_str().unwrap(),
            "queue",
            "status",
            "sky",
        ],
        &[],
        Duration::from_secs(60),
    );
    assert!(
        status.stdout.contains("state:     queued") && status.stdout.contains("place:     1"),
        "{status:?}"
    );

    let cancel = q(&["cancel", "sky"]);
    assert_eq!(cancel.code, Some(0), "{cancel:?}");
    let status = q(&["status", "sky"]);
    assert!(status.stdout.contains("state:     cancelled"), "{status:?}");

    // Follow tides from one process while another works the queue.
    let follower = start(
        command(
            dir.path(),
            &[
                "--config",
                cfg,
                "queue",
                "--database",
                &db,
                "status",
                "tides",
                "--follow",
            ],
            &[],
        ),
        dir.path(),
        "follow",
    );
    let work = q(&["work", "--offline"]);
    assert_eq!(work.code, Some(0), "{work:?}");
    let followed = follower.wait_blocking(Duration::from_secs(60));
    assert_eq!(followed.code, Some(0), "{followed:?}");
    println!("{}", followed.stdout);
    for what in ["submitted", "claimed", "stage_finished", "succeeded"] {
        assert!(
            followed.stdout.contains(what),
            "follow printed {what}: {}",
            followed.stdout
        );
    }
    assert!(
        followed.stdout.trim_end().ends_with("state:     succeeded"),
        "{}",
        followed.stdout
    );
    let status = q(&["status", "tides"]);
    assert!(status.stdout.contains("state:     succeeded"), "{status:?}");
}

#[test]
fn the_database_flag_picks_a_sqlite_file_and_refuses_other_schemes() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = small_config(dir.path(), "");
    let cfg = cfg.to_str().unwrap();
    let file = dir.path().join("elsewhere").join("q.db");
    let file = file.to_str().unwrap();
    let sub = run(
        dir.path(),
        &[
            "--config",
            cfg,
            "queue",
            "--database",
            file,
            "submit",
            "Tides",
            "--job",
            "t1",
        ],
        &[],
        Duration::from_secs(60),
    );
    assert_eq!(sub.code, Some(0), "{sub:?}");
    assert!(std::path::Path::new(file).exists(), "the named SQLite file");
    let list = run(
        dir.path(),
        &["--config", cfg, "queue", "list"],
        &[("DATABASE_URL", format!("sqlite://{file}"))],
        Duration::from_secs(60),
    );
    assert!(list.stdout.contains("t1"), "{list:?}");
    let default = run(
        dir.path(),
        &["--config", cfg, "queue", "list"],
        &[],
        Duration::from_secs(60),
    );
    assert!(
        default.stdout.contains("no jobs"),
        "the default file is another queue: {default:?}"
    );
    let bad = run(
        dir.path(),
        &[
            "--config",
            cfg,
            "queue",
            "--database",
            "mysql://u:secret@h/db",
            "list",
        ],
        &[],
        Duration::from_secs(60),
    );
    assert_eq!(bad.code, Some(1), "{bad:?}");
    assert!(
        bad.stderr.contains("postgres:// URL or a SQLite file path"),
        "{bad:?}"
    );
    assert!(
        !bad.stderr.contains("secret"),
        "no password in errors: {bad:?}"
    );
    // A server that does not answer: one readable line, no panic, no password.
    let down = run(
        dir.path(),
        &[
            "--config",
            cfg,
            "report",
            "--database",
            "postgres://u:secret@127.0.0.1:1/db",
        ],
        &[],
        Duration::from_secs(60),
    );
    assert_eq!(down.code, Some(1), "{down:?}");
    assert!(
        down.stderr.contains("cost ledger (PostgreSQL)") && down.stderr.contains("reachable"),
        "{down:?}"
    );
    assert!(!down.stderr.contains("panicked") && !down.stderr.contains("secret"));
}

/// Three `queue work` processes on one PostgreSQL server make and upload 20 videos with the
/// paid fakes: the server's cost ledger holds each paid call exactly once (and the machine's
/// SQLite ledger none), its quota ledger counts every unit the fake YouTube charged, and the
/// token store there holds the account copied from the machine's token file.
#[test]
fn three_workers_keep_costs_quota_and_accounts_on_postgres() {
    use cli_common::fakes::{Media, env, fake_config, store_account};
    use std::collections::HashSet;
    use ytempire_core::pg::PgOptions;
    use ytempire_cost::{Catalog, CostLedger};
    use ytempire_llm::testing::FakeOpenAi;
    use ytempire_youtube::testing::FakeYouTube;
    use ytempire_youtube::{QuotaCosts, QuotaLedger, TokenStore};

    const ACCOUNTS: [&str; 4] = ["north", "east", "south", "west"];
    let Some(url) = database_url() else { return };
    let db = schema_url(&url, "books");
    let options = PgOptions::default().with_schema(format!("cli{}_books", std::process::id()));
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (llm, yt, media) = rt.block_on(async {
        let llm = FakeOpenAi::start().await.unwrap();
        let yt = FakeYouTube::start().await.unwrap();
        let media = Media::start().await;
        // A project pays for six uploads a day: four accounts, four projects.
        for a in ACCOUNTS {
            store_account(
                dir.path(),
                &yt,
                a,
                &format!("project-{a}"),
                &format!("UC{a}"),
            )
            .await;
        }
        (llm, yt, media)
    });
    let cfg = fake_config(dir.path(), &yt, &ACCOUNTS);
    let env = env(&llm, &yt, &media);
    let q = |args: &[&str]| {
        let mut all = vec!["--config", cfg.as_str(), "queue", "--database", &db];
        all.extend_from_slice(args);
        all.iter().map(|s| s.to_string()).collect::<Vec<_>>()
    };
    let jobs: Vec<String> = (0..20).map(|i| format!("tide-{i}")).collect();
    for (i, job) in jobs.iter().enumerate() {
        // A topic of its own: no job is answered from another's cache.
        let topic = format!("How tides work, part {i}");
        let args = q(&[
            "submit",
            &topic,
            "--duration",
            "6",
            "--upload",
            "--job",
            job,
        ]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let sub = run(dir.path(), &args, &env, Duration::from_secs(60));
        assert_eq!(sub.code, Some(0), "{sub:?}");
    }
    let work = q(&["work"]);
    let work: Vec<&str> = work.iter().map(String::as_str).collect();
    let workers: Vec<_> = (0..3)
        .map(|i| {
            start(
                command(dir.path(), &work, &env),
                dir.path(),
                &format!("worker{i}"),
            )
        })
        .collect();
    for w in workers {
        let out = w.wait_blocking(Duration::from_secs(300));
        assert_eq!(out.code, Some(0), "{out:?}");
    }
    assert_eq!(
        cli_common::fakes::inserts(&yt),
        jobs.len(),
        "one upload per job"
    );

    let ledger =
        CostLedger::connect_postgres(&url, &options, Catalog::embedded().unwrap()).unwrap();
    let entries = ledger.entries().unwrap();
    let mut seen = HashSet::new();
    for e in &entries {
        let key = (
            e.job.clone(),
            e.stage.clone(),
            e.provider.clone(),
            e.model.clone(),
            e.attempt,
            e.started_at,
        );
        assert!(seen.insert(key), "a call recorded twice: {e:?}");
        assert!(jobs.contains(e.job.as_ref().unwrap()), "{e:?}");
    }
    let rows = |provider: &str| entries.iter().filter(|e| e.provider == provider).count();
    assert_eq!(
        rows("openai"),
        llm.requests().len(),
        "each script call once: {entries:?}"
    );
    assert!(rows("openai") >= jobs.len());
    assert_eq!(
        rows("elevenlabs"),
        media.voice.requests().len(),
        "each narration call once"
    );
    for job in &jobs {
        assert!(
            ledger.job_spend(job) > ytempire_cost::Decimal::ZERO,
            "{job} paid for its script"
        );
    }
    // `ytempire report --database` reports the server's ledger: every worker's spend.
    let html = dir.path().join("shared-report.html");
    let args = [
        "--config",
        cfg.as_str(),
        "report",
        "--database",
        db.as_str(),
        "--out",
        html.to_str().unwrap(),
    ];
    let report = run(dir.path(), &args, &env, Duration::from_secs(60));
    assert_eq!(report.code, Some(0), "{report:?}");
    let total = ledger.total().unwrap();
    assert!(
        report.stdout.contains(&format!("total:     ${total}")),
        "{} vs {total}",
        report.stdout
    );
    assert!(total > ytempire_cost::Decimal::ZERO);
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        page.contains("openai") && page.contains("elevenlabs"),
        "{page}"
    );
    let local = dir.path().join("data/ledger.sqlite");
    assert!(
        !local.exists()
            || ytempire_examples::open_ledger(&local)
                .unwrap()
                .entries()
                .unwrap()
                .is_empty(),
        "no cost went to the machine's SQLite ledger"
    );

    rt.block_on(async {
        let quota = QuotaLedger::connect_postgres(&url, &options, QuotaCosts::default())
            .await
            .unwrap();
        let mut total = 0;
        for a in ACCOUNTS {
            let project = format!("project-{a}");
            let used = quota.used_at(&project, chrono::Utc::now()).await;
            assert_eq!(
                used,
                yt.quota_used(&project),
                "every unit of {project} counted once"
            );
            total += used;
        }
        assert!(total >= 1600 * jobs.len() as u64, "{total}");
        let tokens = TokenStore::connect_postgres(&url, &options).await.unwrap();
        let names: Vec<String> = tokens
            .list()
            .await
            .unwrap()
            .into_iter()
            .map(|a| a.name)
            .collect();
        let mut expected = ACCOUNTS.to_vec();
        expected.sort_unstable();
        assert_eq!(names, expected, "the accounts were copied to the server");
    });
    assert!(
        !dir.path().join("quota.json").exists(),
        "no quota went to the machine's file"
    );
}

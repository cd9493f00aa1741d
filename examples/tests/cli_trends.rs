//! `ytempire trends` and `ytempire plan` through the built binary against the fake YouTube
//! (keyword search + statistics, the most-popular chart) and a fake RSS feed: ranked topics
//! with reasons, `--json`, the quota spent, and a plan that a second run leaves alone.

use crate::cli_common;

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Duration as Span, Utc};
use cli_common::fakes::{store_account, youtube_config, youtube_env};
use cli_common::{assert_mentions, run};
use ytempire_youtube::testing::{FakeYouTube, Fault, RSS_FIXTURE, SearchVideo};

const NOW: &str = "2026-10-20T12:00:00Z";
/// Where `plan` starts: Thursday 22 October, a week across the DST change.
const FROM: &str = "2026-10-22T00:00:00Z";

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(NOW)
        .unwrap()
        .with_timezone(&Utc)
}

/// The config of channel "reef", which reads `feed` among its sources.
fn config(dir: &Path, fake: &FakeYouTube, feed: &str) -> String {
    let channel = format!(
        r#"[[channels]]
name = "Reef Facts"
niche = "marine biology, ocean life"
keywords = ["octopus", "coral reef"]
banned_terms = ["shark attack"]
cadence = "Mon, Wed, Fri 15:00"
time_zone = "Europe/Berlin"
sources = [
  {{ kind = "search", within_days = 7 }},
  {{ kind = "most_popular", region = "US" }},
  {{ kind = "feed", url = "{feed}" }},
]
"#
    );
    youtube_config(dir, fake, &channel)
}

fn seed(fake: &FakeYouTube) {
    let v = |id: &str, title: &str, hours: i64, views: u64| {
        SearchVideo::new(id, title, now() - Span::hours(hours), views)
    };
    for video in [
        v(
            "oct1",
            "Octopus punches fish during group hunt",
            20,
            480_000,
        )
        .with_description("Day octopuses in the Red Sea lash out at lazy partners.")
        .with_tags(&["octopus"]),
        v("oct2", "Why octopuses have three hearts", 70, 95_000)
            .with_tags(&["octopus", "marine biology"]),
        v(
            "reef1",
            "Coral reef bleaching 2026: what divers see",
            30,
            210_000,
        ),
        v("kids1", "Octopus song for kids", 10, 900_000).made_for_kids(true),
    ] {
        fake.add_search_video(video);
    }
    fake.add_popular(&v("pop1", "Supercar drag race", 5, 2_000_000).with_tags(&["cars"]));
    fake.add_popular(
        &v("pop2", "Shark attack at a surfing beach", 3, 3_000_000).with_tags(&["ocean"]),
    );
}

/// A channel "reef" with a stored account on a fresh fake YouTube, its search and chart
/// answers seeded.
async fn channel_on_fake() -> (tempfile::TempDir, FakeYouTube) {
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeYouTube::start().await.unwrap();
    store_account(dir.path(), &fake, "reef", "proj-reef", "UCreef").await;
    seed(&fake);
    (dir, fake)
}

/// The config (with the ocean feed) and environment for `fake`, and the first
/// `ytempire trends --at NOW`, which must succeed (its output is printed).
fn first_trends(
    dir: &tempfile::TempDir,
    fake: &FakeYouTube,
) -> (String, Vec<(&'static str, String)>, cli_common::Output) {
    let feed = fake.set_feed("ocean", RSS_FIXTURE, "application/rss+xml");
    let cfg = config(dir.path(), fake, &feed);
    let env = youtube_env(fake);
    let out = run(
        dir.path(),
        &["--config", &cfg, "trends", "--at", NOW],
        &env,
        Duration::from_secs(30),
    );
    assert_eq!(out.code, Some(0), "{out:?}");
    println!("$ ytempire trends --at {NOW}\n{}{}", out.stdout, out.stderr);
    (cfg, env, out)
}

/// `ytempire plan --days 7 --from FROM`, which must succeed.
fn plan(dir: &tempfile::TempDir, cfg: &str, env: &[(&'static str, String)]) -> cli_common::Output {
    let args = ["--config", cfg, "plan", "--days", "7", "--from", FROM];
    let out = run(dir.path(), &args, env, Duration::from_secs(30));
    assert_eq!(out.code, Some(0), "{out:?}");
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trends_ranks_every_source_with_reasons_and_plan_is_idempotent() {
    let (dir, fake) = channel_on_fake().await;
    let (cfg, env, out) = first_trends(&dir, &fake);
    let limit = Duration::from_secs(30);
    let lines: Vec<&str> = out.stdout.lines().collect();
    // Fitting topics first, each with its reasons and source.
    assert!(lines[0].contains(".* "), "{}", out.stdout);
    assert!(
        lines[0].contains("fit ") && lines[0].contains("views/h"),
        "{}",
        out.stdout
    );
    let pos = |needle: &str| lines.iter().position(|l| l.contains(needle)).unwrap();
    assert!(pos("Supercar drag race") > pos("Why octopuses have three hearts"));
    assert!(lines[pos("Supercar drag race")].contains("off-niche"));
    // The RSS item about the same story as the search hit is dropped as a near-duplicate.
    assert_mentions(
        &out.stdout,
        &[
            "group hunts, new study finds — near-duplicate of the better-ranked \"Octopus punches fish during group hunt\"",
            "dropped: Octopus song for kids — policy: a made-for-kids",
            "dropped: Shark attack at a surfing beach — policy: mentions the banned term",
            "near-duplicate of the better-ranked",
        ],
    );
    // What each refresh cost: search 101 units, the chart 1, the feed nothing; past uploads
    // for novelty: channels.list + the uploads playlist (empty: a 404, as on YouTube), 1 unit
    // each.
    assert_mentions(
        &out.stderr,
        &[
            "youtube/search: 4 topics, 101 quota units",
            "youtube/mostPopular: 2 topics, 1 quota unit",
            "feed/127.0.0.1: 3 topics, 0 quota units",
            "youtube/uploads: 0 past uploads, 2 quota units",
        ],
    );
    assert_eq!(fake.quota_used("proj-reef"), 104);

    // --json: the same ranking, machine-readable; the feed now answers 304 for free.
    let out = run(
        dir.path(),
        &["--config", &cfg, "trends", "--json", "--at", NOW],
        &env,
        limit,
    );
    assert_eq!(out.code, Some(0), "{out:?}");
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["channel"], "Reef Facts");
    assert!(v["ranked"][0]["score"].as_f64().unwrap() > 0.0);
    assert!(v["ranked"][0]["reasons"].as_array().unwrap().len() >= 4);
    assert!(v["dropped"].as_array().unwrap().len() >= 3);
    assert!(
        out.stderr
            .contains("feed/127.0.0.1: 3 topics, not modified"),
        "{}",
        out.stderr
    );
    assert_eq!(fake.feed_hits("ocean"), (1, 1));

    // plan: 7 days from Thursday 22 October across the DST change.
    let out = plan(&dir, &cfg, &env);
    println!("$ ytempire plan --days 7 --from {FROM}\n{}", out.stdout);
    assert_mentions(
        &out.stdout,
        &[
            "Fri 2026-10-23 15:00 CEST  plan-reef-facts-20261023T1300Z",
            "Mon 2026-10-26 15:00 CET  plan-reef-facts-20261026T1400Z",
            "Wed 2026-10-28 15:00 CET  plan-reef-facts-20261028T1400Z",
            "queued 3 job(s)",
        ],
    );
    let out = plan(&dir, &cfg, &env);
    assert!(
        out.stdout
            .contains("nothing to plan for the next 7 days: every slot already has a job"),
        "{}",
        out.stdout
    );
    let out = run(
        dir.path(),
        &["--config", &cfg, "queue", "list"],
        &env,
        limit,
    );
    assert_eq!(
        out.stdout
            .lines()
            .filter(|l| l.starts_with("plan-reef-facts-"))
            .count(),
        3,
        "{}",
        out.stdout
    );
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}

/// A topic the channel already uploaded (read from its uploads playlist on YouTube, not from
/// the config) is dropped as a near-duplicate by `trends` and never planned; when the read
/// fails, one warning line and the trends still come, that topic among them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_topic_the_channel_already_uploaded_is_dropped_for_novelty() {
    let (dir, fake) = channel_on_fake().await;
    fake.add_channel_upload(
        "UCreef",
        SearchVideo::new(
            "mine1",
            "Why do octopuses have three hearts?",
            now() - Span::days(40),
            12_000,
        ),
    );
    fake.add_channel_upload(
        "UCreef",
        SearchVideo::new(
            "mine2",
            "Manta rays up close",
            now() - Span::days(60),
            8_000,
        ),
    );
    let (cfg, env, out) = first_trends(&dir, &fake);
    let limit = Duration::from_secs(30);
    assert!(
        out.stdout.contains(
            "dropped: Why octopuses have three hearts — near-duplicate of the channel's \"Why do octopuses have three hearts?\""
        ),
        "{}",
        out.stdout
    );
    assert!(
        !out.stdout
            .lines()
            .any(|l| !l.contains("dropped:") && l.contains("Why octopuses have three hearts")),
        "{}",
        out.stdout
    );
    assert!(
        out.stderr
            .contains("youtube/uploads: 2 past uploads, 2 quota units"),
        "{}",
        out.stderr
    );
    let uploads_reads = |f: &FakeYouTube| {
        f.requests()
            .iter()
            .filter(|r| r.path == "/youtube/v3/playlistItems")
            .count()
    };
    assert_eq!(uploads_reads(&fake), 1);

    // plan reads them too: the covered topic is not queued, so only the two other fitting
    // topics fill the three slots.
    let out = plan(&dir, &cfg, &env);
    assert!(out.stdout.contains("queued 2 job(s)"), "{}", out.stdout);
    assert!(
        !out.stdout.contains("Why octopuses have three hearts"),
        "{}",
        out.stdout
    );
    assert_eq!(uploads_reads(&fake), 2);

    // The read fails (rate limited at channels.list): a warning, and the trends still come,
    // the covered topic now among them.
    fake.inject(Fault::RateLimitNext { count: 1 });
    let out = run(
        dir.path(),
        &["--config", &cfg, "trends", "--at", NOW],
        &env,
        limit,
    );
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(
        out.stderr.contains("ytempire: warning: youtube/uploads: ")
            && out
                .stderr
                .contains("past uploads are not counted for novelty this time"),
        "{}",
        out.stderr
    );
    assert!(
        !out.stderr.contains("youtube/uploads: 2 past"),
        "{}",
        out.stderr
    );
    assert!(
        out.stdout
            .lines()
            .any(|l| !l.contains("dropped:") && l.contains("Why octopuses have three hearts")),
        "{}",
        out.stdout
    );
    assert!(fake.pending_faults().is_empty());
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}

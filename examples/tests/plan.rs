//! `ytempire plan`'s core: publishing slots from a cadence in the channel's time zone across
//! a daylight-saving change, the best topics queued into empty slots with `publishAt`, and a
//! second run that adds nothing.

use chrono::{DateTime, Duration, TimeZone, Utc};
use ytempire_core::queue::{QueueBackend, SqliteQueue};
use ytempire_core::{Topic, TrendEvidence, TrendItem};
use ytempire_examples::cli::plan::{Cadence, plan_jobs, slot_job_id};
use ytempire_examples::config::{Config, TrendSourceSettings};

const CONFIG: &str = r#"
[[channels]]
name = "Reef Facts"
niche = "marine biology, ocean life"
keywords = ["octopus", "coral reef", "shark"]
banned_terms = ["shark attack"]
cadence = "Mon, Wed, Fri 15:00"
time_zone = "Europe/Berlin"
sources = [
  { kind = "search", within_days = 3 },
  { kind = "most_popular", region = "DE" },
  { kind = "feed", url = "https://ocean-news.example/rss" },
]
"#;

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn candidates(now: DateTime<Utc>) -> Vec<TrendItem> {
    let row = |title: &str, views: u64, hours: i64| {
        let mut ev = TrendEvidence::default();
        ev.views = Some(views);
        ev.published_at = Some(now - Duration::hours(hours));
        ev.summary = Some(format!("What happened: {title}."));
        ev.link = Some(format!("https://news.example/{}", title.len()));
        TrendItem::new(Topic::new(title), ev)
    };
    vec![
        row("Octopus punches fish during group hunt", 480_000, 20),
        row("Octopuses caught punching fish in group hunts", 120_000, 30),
        row("Coral reef bleaching 2026 explained", 210_000, 30),
        row("Great white shark migration mapped", 150_000, 26),
        row("Shark attack at surfing beach", 3_000_000, 3),
        row("Supercar drag race", 2_000_000, 5),
        row("Why octopuses have three hearts", 95_000, 70),
    ]
}

#[test]
fn the_cadence_parses_and_is_checked() {
    let config = Config::parse(CONFIG, "ytempire.toml").unwrap();
    let ch = config.channel(Some("Reef Facts")).unwrap();
    assert_eq!(
        ch.cadence.as_ref().unwrap().to_string(),
        "Mon, Wed, Fri 15:00"
    );
    assert_eq!(ch.time_zone.unwrap().0, chrono_tz::Europe::Berlin);
    assert_eq!(ch.sources.len(), 3);
    assert!(matches!(ch.sources[2], TrendSourceSettings::Feed { .. }));
    let bad = CONFIG.replace("Mon, Wed, Fri 15:00", "Someday 15:00");
    let err = Config::parse(&bad, "ytempire.toml").unwrap_err();
    assert!(
        err.to_string()
            .contains("cadence \"Someday 15:00\" must be weekdays"),
        "{err}"
    );
    let bad = CONFIG.replace("Europe/Berlin", "Mars/Olympus");
    let err = Config::parse(&bad, "ytempire.toml").unwrap_err();
    assert!(err.to_string().contains("not an IANA time zone"), "{err}");
    assert!("daily 9:30".parse::<Cadence>().is_ok());
    assert!("Fri".parse::<Cadence>().is_err());
}

#[test]
fn slots_follow_the_local_clock_across_daylight_saving() {
    let c: Cadence = "Mon, Wed, Fri 15:00".parse().unwrap();
    let berlin = chrono_tz::Europe::Berlin;
    // The week of the change (CEST ends Sunday 25 October 2026): all three still at UTC+2.
    assert_eq!(
        c.slots(berlin, utc("2026-10-19T00:00:00Z"), 7),
        [
            utc("2026-10-19T13:00:00Z"),
            utc("2026-10-21T13:00:00Z"),
            utc("2026-10-23T13:00:00Z"),
        ]
    );
    // Seven days that cross it: Friday at UTC+2, Monday and Wednesday at UTC+1.
    assert_eq!(
        c.slots(berlin, utc("2026-10-22T00:00:00Z"), 7),
        [
            utc("2026-10-23T13:00:00Z"),
            utc("2026-10-26T14:00:00Z"),
            utc("2026-10-28T14:00:00Z"),
        ]
    );
    // A time skipped by spring-forward moves an hour later.
    let d: Cadence = "daily 02:30".parse().unwrap();
    let s = d.slots(berlin, utc("2026-03-28T12:00:00Z"), 1);
    assert_eq!(s, [utc("2026-03-29T01:30:00Z")]);
}

#[tokio::test]
async fn plan_queues_three_jobs_with_publish_times_and_a_rerun_adds_none() {
    let config = Config::parse(CONFIG, "ytempire.toml").unwrap();
    let channel = config.channel(None).unwrap();
    let queue = SqliteQueue::in_memory().unwrap();
    let now = Utc.with_ymd_and_hms(2026, 10, 22, 0, 0, 0).unwrap();
    let items = candidates(now);
    let outcome = plan_jobs(&queue, &config, &channel, &items, now, 7)
        .await
        .unwrap();
    let (planned, ranking) = (outcome.planned, outcome.ranking);
    assert_eq!((outcome.slots, outcome.filled), (3, 0));
    let times: Vec<DateTime<Utc>> = planned.iter().map(|p| p.publish_at).collect();
    assert_eq!(
        times,
        [
            utc("2026-10-23T13:00:00Z"),
            utc("2026-10-26T14:00:00Z"),
            utc("2026-10-28T14:00:00Z"),
        ]
    );
    let titles: Vec<&str> = planned.iter().map(|p| p.job.topic.title.as_str()).collect();
    assert_eq!(titles.len(), 3);
    assert!(
        !titles
            .iter()
            .any(|t| t.contains("Supercar") || t.contains("attack")),
        "{titles:?}"
    );
    assert!(
        !(titles.iter().any(|t| t.starts_with("Octopus punches"))
            && titles.iter().any(|t| t.starts_with("Octopuses caught"))),
        "near-duplicates both planned: {titles:?}"
    );
    for p in &planned {
        assert_eq!(p.job.publish_at, Some(p.publish_at));
        assert!(p.job.upload);
        assert_eq!(p.job.id, slot_job_id("Reef Facts", p.publish_at));
        let notes = p.job.topic.notes.as_deref().unwrap();
        assert!(
            notes.contains("Trend: ") && notes.contains("Source: https://news.example/"),
            "{notes}"
        );
        assert!(notes.contains("Why now (score"), "{notes}");
        assert!(p.job.topic.score.is_some());
    }
    assert_eq!(planned[0].job.id, "plan-reef-facts-20261023T1300Z");
    let stored = queue.list(None).await.unwrap();
    assert_eq!(stored.len(), 3);
    assert_eq!(stored[0].spec.publish_at, Some(planned[0].publish_at));
    assert!(
        ranking
            .dropped
            .iter()
            .any(|d| d.reason.contains("banned term"))
    );

    // Again, even an hour later with the same candidates: every slot is filled.
    let again = plan_jobs(
        &queue,
        &config,
        &channel,
        &items,
        now + Duration::hours(1),
        7,
    )
    .await
    .unwrap();
    assert!(again.planned.is_empty(), "{:?}", again.planned);
    assert_eq!((again.slots, again.filled), (3, 3));
    assert_eq!(queue.list(None).await.unwrap().len(), 3);

    // Two more days: one new slot (Fri 30th), filled with a topic not already queued.
    let more = plan_jobs(&queue, &config, &channel, &items, now, 9)
        .await
        .unwrap()
        .planned;
    assert_eq!(more.len(), 1);
    assert_eq!(more[0].publish_at, utc("2026-10-30T14:00:00Z"));
    assert!(!titles.contains(&more[0].job.topic.title.as_str()));
}

/// A planned job's script is written from the trend: the model's prompt carries the
/// trend's headline, summary and link (the topic's notes), and the description cites the
/// page the trend came from.
#[tokio::test]
async fn a_planned_job_s_script_is_written_from_the_trend_and_cites_it() {
    use std::sync::Arc;
    use ytempire_core::pipeline::ScriptStage;
    use ytempire_llm::testing::FakeOpenAi;
    use ytempire_llm::{OpenAiCompatible, OpenAiConfig, WriterStage};

    let config = Config::parse(CONFIG, "ytempire.toml").unwrap();
    let channel = config.channel(None).unwrap();
    let queue = SqliteQueue::in_memory().unwrap();
    let now = Utc.with_ymd_and_hms(2026, 10, 22, 0, 0, 0).unwrap();
    let items = candidates(now);
    let planned = plan_jobs(&queue, &config, &channel, &items, now, 7)
        .await
        .unwrap()
        .planned;
    // The job as a worker reads it back from the queue.
    let stored = queue.get(&planned[0].job.id).await.unwrap().unwrap();
    let topic = &stored.spec.topic;
    let item = items.iter().find(|i| i.topic.title == topic.title).unwrap();
    let (summary, link) = (
        item.evidence.summary.clone().unwrap(),
        item.evidence.link.clone().unwrap(),
    );
    assert_eq!(topic.link.as_deref(), Some(link.as_str()));

    let fake = FakeOpenAi::start().await.unwrap();
    let model = OpenAiCompatible::new(
        OpenAiConfig::openai("gpt-4o-mini", "sk-plan-test".to_owned().into())
            .with_base_url(fake.base_url()),
    )
    .unwrap();
    let out = WriterStage::new(Arc::new(model))
        .write(&stored.spec)
        .await
        .unwrap();
    let prompts = fake.requests();
    let prompt = prompts[0].json.to_string();
    for needle in [topic.title.as_str(), summary.as_str(), link.as_str()] {
        assert!(
            prompt.contains(needle),
            "{needle:?} not in the prompt: {prompt}"
        );
    }
    let description = &out.metadata.description;
    assert!(
        description.ends_with(&format!("Source: {link}")),
        "{description}"
    );
    assert_eq!(
        description.matches(link.as_str()).count(),
        1,
        "{description}"
    );
}

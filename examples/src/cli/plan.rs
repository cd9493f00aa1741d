//! `ytempire plan --channel NAME --days N`: the channel's publishing slots for the next days,
//! from its cadence (e.g. `"Mon, Wed, Fri 15:00"`) in its time zone, filled with its best
//! trend topics as queued jobs that upload private and go public at their slot
//! (`publishAt`).
//!
//! A slot that already has a job of this channel is skipped, and topics already queued or
//! made, and the channel's past uploads on YouTube (read as `ytempire trends` reads them),
//! count as past videos for the scorer, so running the plan again adds nothing. Slots
//! fall on local wall-clock times: across a daylight-saving change the UTC time moves with
//! the zone; a local time that does not exist that day (spring forward) moves an hour later.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, Duration, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use serde::Deserialize;
use serde::de::{self, Deserializer};
use ytempire_core::pipeline::JobSpec;
use ytempire_core::queue::{QueueBackend, SubmitOptions};
use ytempire_core::{Error, Result, TrendItem};

use super::args::PlanArgs;
use crate::config::{ChannelSettings, Config};
use crate::scoring::{ChannelFit, Ranking, rank};

/// When a channel publishes: weekdays and a local time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cadence {
    days: Vec<Weekday>,
    time: NaiveTime,
}

impl Cadence {
    /// The publishing weekdays, Monday first.
    pub fn days(&self) -> &[Weekday] {
        &self.days
    }

    /// The local publishing time.
    pub fn time(&self) -> NaiveTime {
        self.time
    }

    /// Slots after `from` and at most `days` days later, in `tz`, as UTC instants, earliest
    /// first.
    pub fn slots(&self, tz: Tz, from: DateTime<Utc>, days: u32) -> Vec<DateTime<Utc>> {
        let until = from + Duration::days(i64::from(days));
        let start = from.with_timezone(&tz).date_naive();
        let mut out = Vec::new();
        for offset in 0..=i64::from(days) + 1 {
            let date = start + Duration::days(offset);
            if !self.days.contains(&date.weekday()) {
                continue;
            }
            let local = date.and_time(self.time);
            // A time in a spring-forward gap moves an hour later; a repeated one takes the
            // first occurrence.
            let at = tz.from_local_datetime(&local).earliest().or_else(|| {
                tz.from_local_datetime(&(local + Duration::hours(1)))
                    .earliest()
            });
            if let Some(at) = at.map(|t| t.with_timezone(&Utc))
                && at > from
                && at <= until
            {
                out.push(at);
            }
        }
        out
    }
}

fn weekday(word: &str) -> Option<Weekday> {
    const NAMES: [(&str, &str, Weekday); 7] = [
        ("mon", "monday", Weekday::Mon),
        ("tue", "tuesday", Weekday::Tue),
        ("wed", "wednesday", Weekday::Wed),
        ("thu", "thursday", Weekday::Thu),
        ("fri", "friday", Weekday::Fri),
        ("sat", "saturday", Weekday::Sat),
        ("sun", "sunday", Weekday::Sun),
    ];
    let w = word.to_ascii_lowercase();
    NAMES
        .iter()
        .find(|(short, long, _)| w == *short || w == *long)
        .map(|(_, _, d)| *d)
}

impl FromStr for Cadence {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let bad = || {
            format!(
                "cadence {s:?} must be weekdays and a 24-hour local time, e.g. \"Mon, Wed, Fri 15:00\" or \"daily 09:30\""
            )
        };
        let words: Vec<&str> = s
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|w| !w.is_empty())
            .collect();
        let (time, day_words) = words.split_last().ok_or_else(bad)?;
        let time = NaiveTime::parse_from_str(time, "%H:%M").map_err(|_| bad())?;
        let mut days = Vec::new();
        for w in day_words {
            if w.eq_ignore_ascii_case("daily") {
                days.extend([
                    Weekday::Mon,
                    Weekday::Tue,
                    Weekday::Wed,
                    Weekday::Thu,
                    Weekday::Fri,
                    Weekday::Sat,
                    Weekday::Sun,
                ]);
            } else {
                days.push(weekday(w).ok_or_else(bad)?);
            }
        }
        if days.is_empty() {
            return Err(bad());
        }
        days.sort_by_key(Weekday::num_days_from_monday);
        days.dedup();
        Ok(Self { days, time })
    }
}

impl<'de> Deserialize<'de> for Cadence {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        String::deserialize(d)?.parse().map_err(de::Error::custom)
    }
}

impl fmt::Display for Cadence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days: Vec<String> = self.days.iter().map(ToString::to_string).collect();
        write!(f, "{} {}", days.join(", "), self.time.format("%H:%M"))
    }
}

/// An IANA time zone name, e.g. `Europe/Berlin`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeZoneName(pub Tz);

impl<'de> Deserialize<'de> for TimeZoneName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse::<Tz>().map(Self).map_err(|_| {
            de::Error::custom(format!(
                "{s:?} is not an IANA time zone; use a name such as \"Europe/Berlin\" or \"America/New_York\""
            ))
        })
    }
}

/// One planned job: its slot and topic.
#[derive(Debug, Clone, PartialEq)]
pub struct Planned {
    /// When it goes public.
    pub publish_at: DateTime<Utc>,
    /// The queued job.
    pub job: JobSpec,
}

/// The job id for `channel`'s slot at `at` (stable: the same slot, the same id).
pub fn slot_job_id(channel: &str, at: DateTime<Utc>) -> String {
    let slug: String = channel
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let slug = slug.trim_matches('-');
    let slug: String = slug.chars().take(60).collect();
    format!("plan-{slug}-{}", at.format("%Y%m%dT%H%MZ"))
}

/// What the channel already has: titles of its jobs (queued or made) and their slots.
async fn existing(
    backend: &dyn QueueBackend,
    channel: &str,
) -> Result<(Vec<String>, Vec<DateTime<Utc>>)> {
    let jobs = backend.list(None).await?;
    let mine = jobs.iter().filter(|j| j.spec.channel.name == channel);
    let titles = mine.clone().map(|j| j.spec.topic.title.clone()).collect();
    let slots = mine.filter_map(|j| j.spec.publish_at).collect();
    Ok((titles, slots))
}

/// The channel's fit for the scorer (past videos and queued jobs added by the planner).
pub fn channel_fit(channel: &ChannelSettings) -> ChannelFit {
    ChannelFit {
        niche: channel.niche.clone(),
        keywords: channel.keywords.clone(),
        banned_terms: channel.banned_terms.clone(),
        made_for_kids: channel.made_for_kids,
        existing: channel.past_topics.clone(),
    }
}

/// What a planning run did.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanOutcome {
    /// Jobs added, earliest slot first.
    pub planned: Vec<Planned>,
    /// The candidates as scored (queued and past topics counted as existing).
    pub ranking: Ranking,
    /// Slots in the window that already had a job of this channel.
    pub filled: usize,
    /// Slots in the window.
    pub slots: usize,
}

/// Queue jobs for the empty slots of the next `days` days after `now`, best topics first
/// (none when every slot is filled or no topic fits).
///
/// # Errors
/// `Config` when the channel has no cadence or time zone; queue errors.
pub async fn plan_jobs(
    backend: &dyn QueueBackend,
    config: &Config,
    channel: &ChannelSettings,
    candidates: &[TrendItem],
    now: DateTime<Utc>,
    days: u32,
) -> Result<PlanOutcome> {
    let (Some(cadence), Some(tz)) = (&channel.cadence, channel.time_zone) else {
        return Err(Error::config(format!(
            "channel {:?} needs `cadence = \"Mon, Wed, Fri 15:00\"` and `time_zone = \"Europe/Berlin\"` in its [[channels]] entry to be planned",
            channel.name
        )));
    };
    let (titles, filled) = existing(backend, &channel.name).await?;
    let mut fit = channel_fit(channel);
    fit.existing.extend(titles);
    let ranking = rank(&fit, candidates, now);
    let slots = cadence.slots(tz.0, now, days);
    let open: Vec<DateTime<Utc>> = slots
        .iter()
        .copied()
        .filter(|s| !filled.contains(s))
        .collect();
    let filled = slots.len() - open.len();
    let mut planned = Vec::new();
    for (slot, scored) in open.into_iter().zip(ranking.fitting()) {
        let mut topic = scored.item.topic.clone();
        topic.score = Some((scored.score * 1000.0).round() / 1000.0);
        let ev = &scored.item.evidence;
        let mut notes = vec![format!("Trend: {}", topic.title)];
        notes.extend(ev.summary.iter().map(|s| format!("Summary: {s}")));
        notes.extend(ev.link.iter().map(|l| format!("Source: {l}")));
        notes.push(format!(
            "Why now (score {:.2}): {}",
            scored.score,
            scored.reasons.join("; ")
        ));
        topic.notes = Some(notes.join("\n"));
        topic.link = ev.link.clone();
        let job = JobSpec::new(slot_job_id(&channel.name, slot), topic)
            .with_channel(channel.profile())
            .with_video(config.video.spec(None))
            .with_duration(config.video.duration_secs.0)
            .with_upload(true)
            .with_publish_at(slot);
        job.validate()?;
        if backend.get(&job.id).await?.is_some() {
            continue;
        }
        backend
            .submit(job.clone(), SubmitOptions::default())
            .await?;
        planned.push(Planned {
            publish_at: slot,
            job,
        });
    }
    Ok(PlanOutcome {
        planned,
        ranking,
        filled,
        slots: slots.len(),
    })
}

/// Run `ytempire plan`.
///
/// # Errors
/// `Config` for a channel without cadence/time zone; trend source and queue errors.
pub async fn run(config: &Config, args: PlanArgs) -> Result<()> {
    let mut channel = config.channel(args.channel.as_deref())?;
    let now = args.from.unwrap_or_else(Utc::now);
    // The queue first: a bad database fails before the trend searches spend quota.
    let backend = super::queue::open_database(config, args.database.as_deref(), 1).await?;
    // The channel's past uploads count as existing topics (a failure is a warning).
    let (past, _) = super::trends::past_uploads(config, &channel).await;
    channel.past_topics.extend(past);
    let (items, _) = super::trends::gather(config, &channel, &args.region, 50, now).await?;
    let outcome = plan_jobs(backend.as_ref(), config, &channel, &items, now, args.days).await?;
    let planned = &outcome.planned;
    let tz = channel.time_zone.map_or(chrono_tz::UTC, |t| t.0);
    if planned.is_empty() {
        let why = if outcome.slots == 0 {
            "the cadence has no slot in that time"
        } else if outcome.filled == outcome.slots {
            "every slot already has a job"
        } else {
            "no new trend topic fits the channel"
        };
        println!("nothing to plan for the next {} days: {why}", args.days);
    }
    for p in planned {
        println!(
            "{}  {}  {}",
            p.publish_at
                .with_timezone(&tz)
                .format("%a %Y-%m-%d %H:%M %Z"),
            p.job.id,
            p.job.topic.title
        );
    }
    if !planned.is_empty() {
        println!(
            "queued {} job(s), private until their time; run `ytempire queue work` to make them",
            planned.len()
        );
    }
    Ok(())
}

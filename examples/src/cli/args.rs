//! The command line, as clap derive types, with value checks that turn bad input into usage
//! errors (exit 2) naming the flag.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use clap::{Args, Parser, Subcommand};

/// Topic → script → narration → visuals → MP4 → thumbnails → quality gate → YouTube.
///
/// Everything runs offline with no keys; vendors switch on from their environment variables
/// (OPENAI_API_KEY, ANTHROPIC_API_KEY, ELEVENLABS_API_KEY, …). Settings come from a TOML
/// config file (see examples/ytempire.example.toml).
#[derive(Debug, Parser)]
#[command(name = "ytempire", version, propagate_version = true)]
pub struct Cli {
    /// Config file (TOML); default: $YTEMPIRE_CONFIG, else built-in defaults.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Make one video (resumable with --job), optionally upload it.
    Make(MakeArgs),
    /// Upload an MP4 to YouTube (resumable), rotating over the stored accounts.
    Upload(UploadArgs),
    /// Set the thumbnail of an uploaded video (when the upload could not), retrying
    /// transient failures.
    Thumbnail(ThumbnailArgs),
    /// Add, list or remove YouTube accounts.
    #[command(subcommand)]
    Accounts(AccountsCommand),
    /// The persistent job queue: submit, list, status, cancel, retry, work.
    Queue(QueueArgs),
    /// Trending topics from the channel's sources, ranked against the channel with reasons.
    Trends(TrendsArgs),
    /// Queue the best trend topics into the channel's publishing slots for the next days.
    Plan(PlanArgs),
    /// The HTML cost report over every recorded provider call.
    Report(ReportArgs),
    /// Webhook delivery as its own process: follow the queue's job events from a stored
    /// cursor and post each one, signed, at least once.
    #[command(subcommand)]
    Webhooks(super::webhooks::WebhooksCommand),
}

/// `ytempire make`.
#[derive(Debug, Clone, Args)]
pub struct MakeArgs {
    /// What the video is about (default: "How octopuses change colour").
    #[arg(value_name = "TOPIC", value_parser = topic, conflicts_with = "topic_flag")]
    pub topic: Option<String>,
    /// The topic, as a flag (same as TOPIC).
    #[arg(long = "topic", value_name = "TOPIC", value_parser = topic)]
    pub topic_flag: Option<String>,
    /// Channel from the config (default: the first one).
    #[arg(long, value_name = "NAME")]
    pub channel: Option<String>,
    /// Use only the offline providers (no network, no keys).
    #[arg(long, overrides_with = "offline")]
    pub offline: bool,
    /// The offline voice: piper (neural; espeak-ng when not installed) or espeak (default
    /// from the config's providers.offline_voice, else piper).
    #[arg(long, value_name = "VOICE", value_parser = offline_voice)]
    pub voice: Option<crate::config::OfflineVoice>,
    /// Length and shape of the video.
    #[command(flatten)]
    pub shape: VideoShape,
    /// Upload the finished video (rotating over the channel's accounts).
    #[arg(long)]
    pub upload: bool,
    /// Schedule the upload (private until then), RFC 3339, e.g. 2030-01-31T15:00:00Z.
    #[arg(long, value_name = "RFC3339", value_parser = publish_at, requires = "upload")]
    pub publish_at: Option<DateTime<Utc>>,
    /// Output directory for the video, thumbnails and reports (default from the config).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Your media library: a folder of images (png, jpg, webp) and H.264 clips (mp4), its
    /// sub-folder names and `<name>.txt`/`<name>.tags` sidecars as tags, searched after the
    /// stock sources (default from the config's paths.library).
    #[arg(long, value_name = "DIR")]
    pub library: Option<PathBuf>,
    /// Job id: rerun with the same id to resume (default: derived from the topic).
    #[arg(long, value_name = "ID", value_parser = job_id)]
    pub job: Option<String>,
    /// Render on the CPU compositor.
    #[arg(long)]
    pub cpu: bool,
    /// Post every job event to URL, signed with YTEMPIRE_WEBHOOK_SECRET.
    #[arg(long, value_name = "URL")]
    pub webhook: Option<String>,
}

/// The video's length and shape, as `make` and `queue submit` take them.
#[derive(Debug, Clone, Default, Args)]
pub struct VideoShape {
    /// Target length in seconds (5–3600; default from the config, else 60).
    #[arg(long, value_name = "SECS", value_parser = duration, allow_negative_numbers = true)]
    pub duration: Option<f64>,
    /// Vertical 1080×1920 (YouTube Shorts).
    #[arg(long, conflicts_with = "square")]
    pub shorts: bool,
    /// Square 1080×1080.
    #[arg(long)]
    pub square: bool,
}

impl VideoShape {
    /// The format asked for (`None`: the config's).
    pub fn format(&self) -> Option<crate::config::Format> {
        use crate::config::Format;
        match (self.shorts, self.square) {
            (true, _) => Some(Format::Shorts),
            (false, true) => Some(Format::Square),
            (false, false) => None,
        }
    }

    /// The length asked for, else `config`'s.
    pub fn duration_secs(&self, config: &crate::config::Config) -> f64 {
        self.duration.unwrap_or(config.video.duration_secs.0)
    }
}

/// `ytempire upload`.
#[derive(Debug, Clone, Args)]
pub struct UploadArgs {
    /// The MP4 to upload.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Title.
    #[arg(long, value_parser = nonempty("--title"))]
    pub title: String,
    /// Description.
    #[arg(long, default_value = "")]
    pub description: String,
    /// Comma-separated tags.
    #[arg(long, value_delimiter = ',')]
    pub tags: Vec<String>,
    /// private, unlisted or public (default: private).
    #[arg(long, value_name = "P", value_parser = privacy)]
    pub privacy: Option<ytempire_core::Privacy>,
    /// Thumbnail image (PNG or JPEG, under 2 MB).
    #[arg(long, value_name = "IMG")]
    pub thumbnail: Option<PathBuf>,
    /// Upload with this account only (default: rotate over all).
    #[arg(long, value_name = "NAME")]
    pub account: Option<String>,
    /// Schedule publication (the video stays private until then), RFC 3339.
    #[arg(long, value_name = "RFC3339", value_parser = publish_at)]
    pub publish_at: Option<DateTime<Utc>>,
    /// The token store and OAuth client, when not the config's.
    #[command(flatten)]
    pub youtube: YouTubeFiles,
    /// Where resumable sessions are saved (default from the config).
    #[arg(long, value_name = "DIR")]
    pub session_dir: Option<PathBuf>,
}

/// The YouTube files `upload` and `thumbnail` may take from the command line instead of the
/// config.
#[derive(Debug, Clone, Default, Args)]
pub struct YouTubeFiles {
    /// Token store (default from the config).
    #[arg(long, value_name = "FILE")]
    pub store: Option<PathBuf>,
    /// OAuth client secrets JSON (default from the config).
    #[arg(long, value_name = "FILE")]
    pub secrets: Option<PathBuf>,
}

/// `ytempire thumbnail`.
#[derive(Debug, Clone, Args)]
pub struct ThumbnailArgs {
    /// The video's id (printed by the upload, e.g. `dQw4w9WgXcQ`).
    #[arg(value_name = "VIDEO_ID", value_parser = nonempty("VIDEO_ID"))]
    pub video_id: String,
    /// The image (PNG or JPEG, under 2 MB).
    #[arg(value_name = "IMG")]
    pub image: PathBuf,
    /// The account that uploaded the video (default: the only stored account).
    #[arg(long, value_name = "NAME")]
    pub account: Option<String>,
    /// The token store and OAuth client, when not the config's.
    #[command(flatten)]
    pub youtube: YouTubeFiles,
}

/// `ytempire accounts …`.
#[derive(Debug, Clone, Subcommand)]
pub enum AccountsCommand {
    /// Authorise a Google account in the browser and store it with its channel id.
    Add(AccountAddArgs),
    /// List the stored accounts.
    List,
    /// Remove a stored account.
    Remove {
        /// The account's name.
        name: String,
    },
}

/// `ytempire accounts add`.
#[derive(Debug, Clone, Args)]
pub struct AccountAddArgs {
    /// Your name for the account (e.g. the channel's).
    pub name: String,
    /// Google Cloud project the quota is charged to (default: the OAuth client's).
    #[arg(long, value_name = "ID")]
    pub project: Option<String>,
    /// OAuth client secrets JSON (default from the config).
    #[arg(long, value_name = "FILE")]
    pub secrets: Option<PathBuf>,
    /// Seconds to wait for the browser's answer.
    #[arg(long, value_name = "SECS", default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: u64,
    /// Only print the consent URL; do not open a browser.
    #[arg(long)]
    pub no_browser: bool,
}

/// `ytempire queue [--database URL] …`.
#[derive(Clone, Args)]
pub struct QueueArgs {
    /// The queue's database: a `postgres://user:password@host:port/db` URL (a PostgreSQL
    /// server that worker processes on many machines share) or a SQLite file. Default:
    /// `DATABASE_URL`, then the config's `database`, then `DATA_DIR/queue.sqlite`.
    #[arg(long, global = true, value_name = "URL")]
    pub database: Option<String>,
    /// What to do.
    #[command(subcommand)]
    pub command: QueueCommand,
}

impl std::fmt::Debug for QueueArgs {
    // The database URL may hold a password: never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QueueArgs")
            .field("database", &self.database.as_ref().map(|_| "…"))
            .field("command", &self.command)
            .finish()
    }
}

/// `ytempire queue …`.
#[derive(Debug, Clone, Subcommand)]
pub enum QueueCommand {
    /// Add a video job to the queue.
    Submit(QueueSubmitArgs),
    /// List jobs (optionally in one state).
    List {
        /// queued, running, succeeded, failed or cancelled.
        #[arg(long, value_parser = job_state)]
        state: Option<ytempire_core::queue::JobState>,
        /// Print the jobs as JSON.
        #[arg(long)]
        json: bool,
    },
    /// One job's state, attempts, place in the queue and last error.
    Status {
        /// Job id.
        id: String,
        /// Then print the job's events as they happen (from any worker process) until it
        /// finishes, fails or is cancelled.
        #[arg(long)]
        follow: bool,
    },
    /// Cancel a queued or running job (a running one stops within seconds, whichever
    /// process runs it).
    Cancel {
        /// Job id.
        id: String,
    },
    /// Put a failed or cancelled job back in the queue.
    Retry {
        /// Job id.
        id: String,
    },
    /// Run queued jobs until none is left (Ctrl-C stops; unfinished jobs resume next time).
    Work {
        /// Jobs in flight at once.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=64))]
        workers: u16,
        /// Use only the offline providers.
        #[arg(long)]
        offline: bool,
        /// Serve Prometheus metrics at http://ADDR/metrics while working (e.g.
        /// 127.0.0.1:9898; default: the config's `metrics_addr`).
        #[arg(long, value_name = "ADDR")]
        metrics_addr: Option<std::net::SocketAddr>,
        /// Keep waiting for new jobs when the queue is empty (until Ctrl-C), as a
        /// long-running worker whose metrics are scraped.
        #[arg(long)]
        watch: bool,
        /// What this worker may run at once: network=N (vendor-bound stages), render=N
        /// (renders), memory=MiB (render memory), e.g. `render=2,memory=4096` (default: the
        /// config's `lanes`, else network=8,render=1,memory=2048).
        #[arg(long, value_name = "LANES")]
        lanes: Option<crate::lanes::Lanes>,
    },
}

/// `ytempire queue submit`.
#[derive(Debug, Clone, Args)]
pub struct QueueSubmitArgs {
    /// What the video is about.
    #[arg(value_parser = topic)]
    pub topic: String,
    /// Channel from the config.
    #[arg(long, value_name = "NAME")]
    pub channel: Option<String>,
    /// Length and shape of the video.
    #[command(flatten)]
    pub shape: VideoShape,
    /// Upload when done.
    #[arg(long)]
    pub upload: bool,
    /// Higher runs first.
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    pub priority: i32,
    /// Job id (default: derived from the topic).
    #[arg(long, value_name = "ID", value_parser = job_id)]
    pub job: Option<String>,
    /// Not a job setting: the worker chooses the providers (`queue work --offline`). Taken
    /// only to say so.
    #[arg(long, hide = true)]
    pub offline: bool,
}

/// `ytempire trends`.
#[derive(Debug, Clone, Args)]
pub struct TrendsArgs {
    /// Channel whose niche and accounts to use.
    #[arg(long, value_name = "NAME")]
    pub channel: Option<String>,
    /// ISO 3166-1 region, e.g. US.
    #[arg(long, default_value = "US")]
    pub region: String,
    /// How many topics.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=50))]
    pub limit: u32,
    /// Print the ranking (scores, parts, reasons, dropped topics) as JSON.
    #[arg(long)]
    pub json: bool,
    /// Score as of this time instead of now (replaying stored inputs).
    #[arg(long, value_name = "RFC3339", value_parser = at_time)]
    pub at: Option<DateTime<Utc>>,
}

/// `ytempire plan`.
#[derive(Debug, Clone, Args)]
pub struct PlanArgs {
    /// Channel from the config (needs `cadence` and `time_zone`).
    #[arg(long, value_name = "NAME")]
    pub channel: Option<String>,
    /// How many days ahead to fill.
    #[arg(long, default_value_t = 7, value_parser = clap::value_parser!(u32).range(1..=60))]
    pub days: u32,
    /// ISO 3166-1 region for the most-popular chart when the channel names no source.
    #[arg(long, default_value = "US")]
    pub region: String,
    /// Plan from this time instead of now.
    #[arg(long, value_name = "RFC3339", value_parser = at_time)]
    pub from: Option<DateTime<Utc>>,
    /// The queue to plan into: a `postgres://` URL or a SQLite file (default: `DATABASE_URL`,
    /// else the config's `database`, else the data directory's queue).
    #[arg(long, value_name = "URL")]
    pub database: Option<String>,
}

/// `ytempire report`.
#[derive(Debug, Clone, Args)]
pub struct ReportArgs {
    /// Where to write the HTML report (default: OUTPUT_DIR/cost-report.html).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Report the cost ledger of the workers' PostgreSQL server (`postgres://…`; default:
    /// `DATABASE_URL`, else the config's `database`, when they name PostgreSQL; else this
    /// machine's SQLite ledger).
    #[arg(long, value_name = "URL")]
    pub database: Option<String>,
}

fn topic(s: &str) -> Result<String, String> {
    let t = s.trim();
    if t.is_empty() {
        return Err(
            "the topic is empty; say what the video is about, e.g. \"How volcanoes form\"".into(),
        );
    }
    if t.chars().count() > 200 {
        return Err("the topic is longer than 200 characters; shorten it".into());
    }
    Ok(t.to_string())
}

fn duration(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("--duration takes seconds, e.g. 60, not {s:?}"))?;
    if !v.is_finite() || !(5.0..=3600.0).contains(&v) {
        return Err(format!(
            "--duration {s} is out of range: give between 5 and 3600 seconds"
        ));
    }
    Ok(v)
}

fn publish_at(s: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(s.trim())
        .map(|d| d.with_timezone(&Utc))
        .map_err(|e| {
            format!(
                "--publish-at {s:?} is not an RFC 3339 time ({e}); write e.g. 2030-01-31T15:00:00Z"
            )
        })
}

fn at_time(s: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(s.trim())
        .map(|d| d.with_timezone(&Utc))
        .map_err(|e| {
            format!("{s:?} is not an RFC 3339 time ({e}); write e.g. 2026-10-19T08:00:00Z")
        })
}

fn job_id(s: &str) -> Result<String, String> {
    let ok = !s.is_empty()
        && s.len() <= 100
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(s.to_string())
    } else {
        Err(format!(
            "--job {s:?} must be 1-100 ASCII letters, digits, '-' or '_'"
        ))
    }
}

fn privacy(s: &str) -> Result<ytempire_core::Privacy, String> {
    s.parse()
        .map_err(|_| format!("--privacy {s:?} must be private, unlisted or public"))
}

fn offline_voice(s: &str) -> Result<crate::config::OfflineVoice, String> {
    use crate::config::OfflineVoice;
    match s.trim().to_ascii_lowercase().as_str() {
        "piper" => Ok(OfflineVoice::Piper),
        "espeak" | "espeak-ng" => Ok(OfflineVoice::Espeak),
        _ => Err(format!("--voice {s:?} must be piper or espeak")),
    }
}

fn job_state(s: &str) -> Result<ytempire_core::queue::JobState, String> {
    ytempire_core::queue::JobState::parse(s).ok_or_else(|| {
        format!("{s:?} is not a job state: queued, running, succeeded, failed or cancelled")
    })
}

fn nonempty(flag: &'static str) -> impl Fn(&str) -> Result<String, String> + Clone {
    move |s: &str| {
        if s.trim().is_empty() {
            Err(format!("{flag} is empty"))
        } else {
            Ok(s.to_string())
        }
    }
}

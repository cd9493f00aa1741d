//! `ytempire queue submit|list|status|cancel|retry|work` over the persistent job queue: a
//! SQLite file (`DATA_DIR/queue.sqlite`, one machine) or, with a `postgres://` URL from
//! `--database`, `DATABASE_URL` or the config's `database`, a PostgreSQL server shared by
//! worker processes on many machines. Jobs survive restarts, `work` resumes unfinished ones, a
//! killed worker's job is taken over when its lease expires, and `status --follow` prints a
//! job's events live from whichever process runs it. With a PostgreSQL queue, `work` also keeps
//! the cost ledger (and so the budgets), the YouTube quota ledger and the token store on that
//! server (`shared_books`), so workers on several machines share them; the job directories
//! stay on disk (a network file system shared by the machines). `work --metrics-addr ADDR` serves
//! Prometheus metrics at `http://ADDR/metrics` ([`super::exporter`]); `work --watch` keeps
//! waiting for new jobs instead of exiting when the queue is empty.

use futures::StreamExt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use ytempire_core::pipeline::{CancellationToken, JobSpec};
use ytempire_core::queue::{
    JobEvent, JobQueue, JobRecord, JobState, PgQueue, PgQueueOptions, QueueBackend, QueueConfig,
    SqliteQueue, SubmitOptions, follow,
};
use ytempire_core::{Error, ErrorKind, Result, Topic};

use super::args::{QueueArgs, QueueCommand};
use super::jobid::job_id_for;
use super::make::build_pipeline;
use crate::config::Config;

/// The queue's database: `--database`, else `DATABASE_URL`, else the config's `database`.
pub(crate) fn database(config: &Config, flag: Option<&str>) -> Option<String> {
    flag.map(str::to_string)
        .or_else(|| std::env::var("DATABASE_URL").ok())
        .or_else(|| config.database.as_ref().map(|d| d.0.clone()))
        .filter(|s| !s.trim().is_empty())
}

/// The books a worker on a PostgreSQL queue keeps on that server: the cost ledger, and (when
/// it uploads) the quota ledger and the token store. Accounts this machine's token file holds
/// that the server lacks are copied there first (`ytempire accounts add` writes the file).
///
/// # Errors
/// An unreachable server; the token file's errors.
async fn shared_books(
    config: &Config,
    url: &str,
    accounts: Option<ytempire_youtube::YouTubeAccounts>,
) -> Result<(
    Arc<ytempire_cost::CostLedger>,
    Option<ytempire_youtube::YouTubeAccounts>,
)> {
    let ledger = super::make::open_shared_ledger(config, url)?;
    let Some(yt) = accounts else {
        return Ok((ledger, None));
    };
    let yt = super::upload::on_server(yt, url).await?;
    Ok((ledger, Some(yt)))
}

/// Open the queue: PostgreSQL for a `postgres://` URL, else the SQLite file it names (or
/// `DATA_DIR/queue.sqlite`).
async fn open(config: &Config, args: &QueueArgs) -> Result<Arc<dyn QueueBackend>> {
    // Each job in flight uses a connection now and then (events, heartbeats).
    let workers = match &args.command {
        QueueCommand::Work { workers, .. } => usize::from(*workers),
        _ => 1,
    };
    open_database(config, args.database.as_deref(), workers).await
}

/// Open the queue database named by `flag`, `DATABASE_URL` or the config's `database`
/// (see [`open`]), with connections for `workers` jobs in flight.
///
/// # Errors
/// `Config` for an unsupported URL scheme; the backend's error when it cannot be opened.
pub(crate) async fn open_database(
    config: &Config,
    flag: Option<&str>,
    workers: usize,
) -> Result<Arc<dyn QueueBackend>> {
    match database(config, flag) {
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            let options = PgQueueOptions {
                pool_size: Some(workers + 3),
                ..PgQueueOptions::default()
            };
            Ok(Arc::new(PgQueue::connect_with(&url, options).await?))
        }
        Some(url) => {
            let path = match url.strip_prefix("sqlite://") {
                Some(path) => path,
                None if url.contains("://") => {
                    let scheme = url.split("://").next().unwrap_or_default();
                    return Err(Error::new(
                        ErrorKind::Config,
                        format!(
                            "the queue database {scheme}://… is not supported: give a postgres:// URL or a SQLite file path (--database, DATABASE_URL or the config's `database`)"
                        ),
                    ));
                }
                None => url.as_str(),
            };
            Ok(Arc::new(SqliteQueue::open(Path::new(path))?))
        }
        None => {
            let data = config.paths.data_dir();
            std::fs::create_dir_all(&data)
                .map_err(|e| Error::io(format!("creating {}", data.display()), e))?;
            Ok(Arc::new(SqliteQueue::open(&data.join("queue.sqlite"))?))
        }
    }
}

/// One event as a line: time, sequence, name, then the rest of its fields.
fn event_line(e: &JobEvent) -> String {
    let mut rest = e.data.clone();
    if let Some(o) = rest.as_object_mut() {
        o.remove("event");
        o.remove("job");
    }
    let rest = match &rest {
        serde_json::Value::Object(o) if o.is_empty() => String::new(),
        v => v.to_string(),
    };
    format!(
        "{} #{:<4} {:<15} {rest}",
        e.at.format("%H:%M:%S%.3f"),
        e.seq,
        e.name()
    )
}

fn not_found(id: &str) -> Error {
    Error::new(
        ErrorKind::NotFound,
        format!("no job {id:?} in the queue; `ytempire queue list` shows the jobs"),
    )
}

fn line(j: &JobRecord) -> String {
    format!(
        "{:<40} {:<9} attempt {}/{} {}",
        j.id(),
        j.state.as_str(),
        j.attempts,
        j.max_attempts,
        j.error.as_deref().unwrap_or("")
    )
}

/// Run `ytempire queue …`.
///
/// # Errors
/// Queue errors; `NotFound` for an unknown job id.
pub async fn run(config: &Config, args: QueueArgs) -> Result<()> {
    let backend = open(config, &args).await?;
    let database_flag = args.database.clone();
    match args.command {
        QueueCommand::Submit(a) => {
            if a.offline {
                return Err(Error::invalid_request(
                    "--offline is the worker's choice, not the job's (the worker holds the keys): submit without it and run `ytempire queue work --offline`",
                ));
            }
            let channel = config.channel(a.channel.as_deref())?;
            let id = a.job.clone().unwrap_or_else(|| job_id_for(&a.topic));
            let spec = JobSpec::new(id.clone(), Topic::new(a.topic.clone()))
                .with_channel(channel.profile())
                .with_video(config.video.spec(a.shape.format()))
                .with_duration(a.shape.duration_secs(config))
                .with_upload(a.upload);
            spec.validate()?;
            let options = SubmitOptions {
                priority: a.priority,
                ..SubmitOptions::default()
            };
            backend.submit(spec, options).await?;
            let place = backend.position(&id).await?.map_or(0, |p| p + 1);
            println!("queued {id} (place {place}); run `ytempire queue work` to make it");
        }
        QueueCommand::List { state, json } => {
            let jobs = backend.list(state).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&jobs)?);
            } else {
                if jobs.is_empty() {
                    println!("no jobs");
                }
                for j in &jobs {
                    println!("{}", line(j));
                }
            }
        }
        QueueCommand::Status { id, follow: live } => {
            let j = backend.get(&id).await?.ok_or_else(|| not_found(&id))?;
            println!("job:       {}", j.id());
            println!("topic:     {}", j.spec.topic.title);
            println!("state:     {}", j.state.as_str());
            println!("attempts:  {}/{}", j.attempts, j.max_attempts);
            if let Some(p) = backend.position(&id).await? {
                println!("place:     {}", p + 1);
            }
            if let Some(e) = &j.error {
                println!("error:     {e}");
            }
            println!("submitted: {}", j.submitted_at.to_rfc3339());
            if live {
                let mut events = std::pin::pin!(follow(backend.clone(), id.clone(), 0));
                while let Some(ev) = events.next().await {
                    println!("{}", event_line(&ev?));
                }
                let j = backend.get(&id).await?.ok_or_else(|| not_found(&id))?;
                println!("state:     {}", j.state.as_str());
            }
        }
        QueueCommand::Cancel { id } => {
            backend.get(&id).await?.ok_or_else(|| not_found(&id))?;
            if backend.cancel(&id).await? {
                println!("cancelled {id}");
            } else {
                return Err(Error::invalid_request(format!(
                    "job {id} is already finished; nothing to cancel"
                )));
            }
        }
        QueueCommand::Retry { id } => {
            backend.get(&id).await?.ok_or_else(|| not_found(&id))?;
            backend.retry(&id).await?;
            println!("requeued {id}");
        }
        QueueCommand::Work {
            workers,
            offline,
            metrics_addr,
            watch,
            lanes,
        } => {
            // `--lanes` over the config's `lanes`.
            let with_lanes;
            let config = match lanes {
                Some(lanes) => {
                    let mut c = config.clone();
                    c.lanes = Some(lanes);
                    with_lanes = c;
                    &with_lanes
                }
                None => config,
            };
            if let Some(addr) = metrics_addr.or(config.metrics_addr) {
                super::exporter::serve(addr)?;
            }
            let channel = config.channel(None)?;
            let paths = config.paths.clone();
            let jobs = backend.list(None).await?;
            // A watching worker may be handed upload jobs later: it needs the uploader of
            // a channel that has accounts.
            let uploads = jobs.iter().any(|j| j.spec.upload && !j.state.is_terminal())
                || (watch && !channel.accounts.is_empty());
            let mut yt = if uploads {
                Some(super::upload::accounts(
                    config,
                    &paths.data_dir(),
                    &channel.accounts,
                    None,
                )?)
            } else {
                None
            };
            // On a PostgreSQL queue, the ledgers and accounts live on the same server.
            let mut ledger = None;
            if let Some(url) = database(config, database_flag.as_deref())
                .filter(|u| ytempire_core::pg::is_postgres_url(u))
            {
                let (shared, accounts) = shared_books(config, &url, yt).await?;
                (ledger, yt) = (Some(shared), accounts);
            }
            let upload = match yt {
                Some(yt) => Some(yt.uploader().await?),
                None => None,
            };
            let (pipeline, ..) =
                build_pipeline(config, &paths, &channel, offline, false, upload, ledger).await?;
            let queue = JobQueue::new(
                backend.clone(),
                pipeline,
                QueueConfig {
                    workers: usize::from(workers),
                    poll_interval: Duration::from_millis(200),
                    retry_base: Duration::from_secs(5),
                },
            );
            let stop = CancellationToken::new();
            let ctrl_c = stop.clone();
            let signals = tokio::spawn(async move {
                if tokio::signal::ctrl_c().await.is_ok() {
                    ctrl_c.cancel();
                }
            });
            // Ctrl-C stops the running jobs and puts them back in the queue at once.
            let result = if watch {
                queue.run(stop).await
            } else {
                queue.run_until_idle_or(stop).await
            };
            signals.abort();
            result?;
            let all = backend.list(None).await?;
            for j in &all {
                println!("{}", line(j));
            }
            let failed = all.iter().filter(|j| j.state == JobState::Failed).count();
            if failed > 0 {
                return Err(Error::new(
                    ErrorKind::Upstream,
                    format!(
                        "{failed} job(s) failed; see `ytempire queue status ID`, fix, then `ytempire queue retry ID`"
                    ),
                ));
            }
        }
    }
    Ok(())
}

//! `ytempire queue submit|list|status|cancel|retry|work` over the persistent SQLite job
//! queue (`DATA_DIR/queue.sqlite`): jobs survive restarts, and `work` resumes unfinished ones.

use std::sync::Arc;
use std::time::Duration;

use ytempire_core::pipeline::{CancellationToken, JobSpec};
use ytempire_core::queue::{
    JobQueue, JobRecord, JobState, QueueBackend, QueueConfig, SqliteQueue, SubmitOptions,
};
use ytempire_core::{Error, ErrorKind, Result, Topic};

use super::args::QueueCommand;
use super::jobid::job_id_for;
use super::make::build_pipeline;
use crate::config::{Config, Format};

fn open(config: &Config) -> Result<Arc<SqliteQueue>> {
    let data = config.paths.data_dir();
    std::fs::create_dir_all(&data)
        .map_err(|e| Error::io(format!("creating {}", data.display()), e))?;
    Ok(Arc::new(SqliteQueue::open(&data.join("queue.sqlite"))?))
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
pub async fn run(config: &Config, cmd: QueueCommand) -> Result<()> {
    let backend = open(config)?;
    match cmd {
        QueueCommand::Submit(a) => {
            let channel = config.channel(a.channel.as_deref())?;
            let format = if a.shorts {
                Some(Format::Shorts)
            } else if a.square {
                Some(Format::Square)
            } else {
                None
            };
            let id = a.job.clone().unwrap_or_else(|| job_id_for(&a.topic));
            let spec = JobSpec::new(id.clone(), Topic::new(a.topic.clone()))
                .with_channel(channel.profile())
                .with_video(config.video.spec(format))
                .with_duration(a.duration.unwrap_or(config.video.duration_secs.0))
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
        QueueCommand::List { state } => {
            let jobs = backend.list(state).await?;
            if jobs.is_empty() {
                println!("no jobs");
            }
            for j in &jobs {
                println!("{}", line(j));
            }
        }
        QueueCommand::Status { id } => {
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
        QueueCommand::Work { workers, offline } => {
            let channel = config.channel(None)?;
            let paths = config.paths.clone();
            let jobs = backend.list(None).await?;
            let upload = if jobs.iter().any(|j| j.spec.upload && !j.state.is_terminal()) {
                let yt =
                    super::upload::accounts(config, &paths.data_dir(), &channel.accounts, None)?;
                Some(yt.uploader().await?)
            } else {
                None
            };
            let (pipeline, _ledger) =
                build_pipeline(config, &paths, &channel, offline, false, upload).await?;
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
            let run = queue.run_until_idle();
            let result = tokio::select! {
                r = run => r,
                () = stop.cancelled() => Ok(()),
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

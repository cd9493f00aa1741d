//! `ytempire webhooks run`: webhook delivery as its own process. It follows the job queue's
//! persisted events (every job's, in order) from a cursor stored in the queue's database and
//! posts each one, signed, to `--url` ([`QueueWebhookFollower`]), at least once: a crash or
//! `kill -9` re-sends at most the event in flight, with the same event id. Ctrl-C or SIGTERM
//! finishes the delivery in flight, saves the cursor and exits; `--once` delivers what exists
//! and exits.

use std::sync::Arc;

use clap::{Args, Subcommand};
use ytempire_core::pipeline::{
    CancellationToken, DEFAULT_CURSOR, QueueWebhookFollower, WebhookConfig, WebhookUrl,
};
use ytempire_core::{Error, ErrorKind, Result};

use crate::config::Config;
use crate::webhook::{ReqwestWebhookTransport, SECRET_ENV};

/// `ytempire webhooks …`.
#[derive(Debug, Clone, Subcommand)]
pub enum WebhooksCommand {
    /// Post every job event of the queue to URL, signed, from a stored cursor (at least once)
    /// until Ctrl-C or SIGTERM (`--once`: until caught up).
    ///
    /// Each event is one POST with a JSON body {id, sequence, occurred_at, job, job_sequence,
    /// event} and the headers X-Ytempire-Event-Id (`JOB:SEQ`, the same on every send: drop
    /// duplicates by it), X-Ytempire-Timestamp and X-Ytempire-Signature (`sha256=` HMAC-SHA256
    /// of "TIMESTAMP.BODY" with the shared secret). Failed posts are retried with backoff; an
    /// event the endpoint rejects (4xx other than 429) or that fails 5 times is skipped with a
    /// warning. The cursor is saved after each event, so a restart resumes after the last one
    /// handled; a crash re-sends at most the event in flight.
    Run(WebhooksRunArgs),
}

/// `ytempire webhooks run`.
#[derive(Clone, Args)]
pub struct WebhooksRunArgs {
    /// Where to POST the events (http:// or https://).
    #[arg(long, value_name = "URL")]
    pub url: String,
    /// The environment variable holding the shared signing secret.
    #[arg(long, value_name = "NAME", default_value = SECRET_ENV)]
    pub secret_env: String,
    /// The queue's database: a `postgres://` URL or a SQLite file (default: `DATABASE_URL`,
    /// else the config's `database`, else `DATA_DIR/queue.sqlite`).
    #[arg(long, value_name = "URL")]
    pub database: Option<String>,
    /// The cursor's name in the database: one per endpoint (give each follower its own).
    #[arg(long = "name", value_name = "CURSOR", default_value = DEFAULT_CURSOR)]
    pub name: String,
    /// Deliver the events recorded so far, then exit.
    #[arg(long)]
    pub once: bool,
}

impl std::fmt::Debug for WebhooksRunArgs {
    // The URL may carry a token and the database URL a password: neither is printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhooksRunArgs")
            .field(
                "url",
                &WebhookUrl::parse(&self.url).map(|u| u.redacted().to_owned()),
            )
            .field("secret_env", &self.secret_env)
            .field("database", &self.database.as_ref().map(|_| "…"))
            .field("name", &self.name)
            .field("once", &self.once)
            .finish()
    }
}

/// Run `ytempire webhooks …`.
///
/// # Errors
/// A bad URL, a missing secret, an unreachable or unsupported database, or a database error
/// while following (the cursor then stays at the last event handled).
pub async fn run(config: &Config, command: WebhooksCommand) -> Result<()> {
    match command {
        WebhooksCommand::Run(args) => run_follower(config, args).await,
    }
}

/// The secret from the variable `name`, never echoed.
fn secret(name: &str) -> Result<String> {
    std::env::var(name).ok().filter(|s| !s.is_empty()).ok_or_else(|| {
        Error::config(format!(
            "the webhook signing secret is missing: set {name} to the secret the receiver shares (or name another variable with --secret-env)"
        ))
    })
}

async fn run_follower(config: &Config, args: WebhooksRunArgs) -> Result<()> {
    let url = WebhookUrl::parse(&args.url)
        .map_err(|e| Error::new(ErrorKind::InvalidRequest, format!("--url: {}", e.message())))?;
    let webhook = WebhookConfig::new(url.as_str(), secret(&args.secret_env)?)?;
    let queue = super::queue::open_database(config, args.database.as_deref(), 1)
        .await
        .map_err(|e| {
            Error::new(
                e.kind(),
                format!("cannot open the queue database: {}", e.message()),
            )
        })?;
    let follower =
        QueueWebhookFollower::new(queue, webhook, Arc::new(ReqwestWebhookTransport::new()?))
            .with_name(&args.name)?;
    let stop = CancellationToken::new();
    spawn_stop_on_signal(stop.clone());
    eprintln!(
        "webhooks: posting the queue's events to {} (cursor {:?}){}",
        url.redacted(),
        follower.name(),
        if args.once { "" } else { "; Ctrl-C stops" }
    );
    let report = if args.once {
        follower.run_once(&stop).await?
    } else {
        follower.run(&stop).await?
    };
    eprintln!(
        "webhooks: {} delivered, {} failed, {} retried; cursor {:?} at {}",
        report.delivered,
        report.failed,
        report.retried,
        follower.name(),
        report.cursor
    );
    Ok(())
}

/// Cancel `stop` on Ctrl-C or (Unix) SIGTERM.
fn spawn_stop_on_signal(stop: CancellationToken) {
    tokio::spawn(async move {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            match signal(SignalKind::terminate()) {
                Ok(mut term) => {
                    tokio::select! {
                        Ok(()) = tokio::signal::ctrl_c() => {}
                        Some(()) = term.recv() => {}
                    }
                }
                Err(_) => {
                    if tokio::signal::ctrl_c().await.is_err() {
                        return;
                    }
                }
            }
        }
        #[cfg(not(unix))]
        {
            if tokio::signal::ctrl_c().await.is_err() {
                return;
            }
        }
        eprintln!("webhooks: stopping after the delivery in flight");
        stop.cancel();
    });
}

//! [`PgQueue`]: the job queue on a PostgreSQL server (feature `postgres`), shared by worker
//! processes on any number of machines.
//!
//! Claims take the best runnable row with `FOR UPDATE SKIP LOCKED` (priority, then submit
//! order, `not_before` respected) and lease it to the claiming worker; leases are timed by the
//! server's clock, so machines' clocks need not agree. A job whose lease expired is claimed
//! again. Cancels and new events are announced with `NOTIFY`, so a running job's worker stops
//! within moments and followers see events live. The schema is versioned and migrated on open
//! (under an advisory lock, so many workers may start at once).
//!
//! # Event positions
//!
//! Each event also gets a global position (`job_events.pos`, a `BIGSERIAL`) that followers of
//! every job's events ([`QueueBackend::events_after`]) read in order from a stored cursor
//! (`event_cursors`). Sequence values are handed out when a row is inserted but become visible
//! when its transaction commits, so two concurrent appends could commit out of order and a
//! follower that already moved past the later one would skip the earlier one for good. To rule
//! that out, every append takes a transaction-level advisory lock (one per queue schema) after
//! locking its job's row and holds it until it commits: appends are serialised, a position is
//! drawn only after every lower one committed or rolled back, and so once a position is
//! readable no lower one can appear later. (Rolled-back appends leave gaps, which followers
//! skip.) The cost is that event appends of all workers take turns, each holding the lock for
//! one short statement plus its commit.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use deadpool_postgres::Pool;
use futures::StreamExt;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, broadcast};
use tokio_postgres::{AsyncMessage, NoTls, Row};

use super::sqlite::LEASE_EXHAUSTED;
use super::{
    Heartbeat, JobEvent, JobRecord, JobState, LeaseConfig, PositionedEvent, QueueBackend, Signal,
    SubmitOptions,
};
use crate::pipeline::JobSpec;
use crate::{Error, ErrorKind, Result};

/// Options for [`PgQueue::connect_with`].
#[derive(Debug, Clone, Default)]
pub struct PgQueueOptions {
    /// The schema holding the queue's tables (created when missing); `None`: the server's
    /// search path (normally `public`). Lower-case letters, digits and `_`.
    pub schema: Option<String>,
    /// Leases of this process's claims.
    pub lease: LeaseConfig,
    /// Connections in the pool (default 4).
    pub pool_size: Option<usize>,
}

/// The PostgreSQL queue. Cheap to clone; clones share the pool and the lease owner.
#[derive(Clone)]
pub struct PgQueue {
    pool: Pool,
    config: tokio_postgres::Config,
    channel: String,
    lease: LeaseConfig,
    listener: Arc<Mutex<Option<Listener>>>,
    /// The receiver [`QueueBackend::wait_events`] keeps between calls, so a notification that
    /// arrives while its caller reads is not lost.
    events_rx: Arc<Mutex<Option<broadcast::Receiver<String>>>>,
}

impl std::fmt::Debug for PgQueue {
    // The connection settings may hold a password: never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgQueue")
            .field("channel", &self.channel)
            .field("lease", &self.lease)
            .finish_non_exhaustive()
    }
}

/// The connection that `LISTEN`s for this queue's notifications.
struct Listener {
    client: tokio_postgres::Client,
    tx: broadcast::Sender<String>,
}

/// The component name in the queue's errors.
const COMPONENT: &str = "job queue database";

fn db_err(e: tokio_postgres::Error) -> Error {
    crate::pg::db_err(COMPONENT, e)
}

fn pool_err(e: deadpool_postgres::PoolError) -> Error {
    crate::pg::pool_err(COMPONENT, e)
}

/// Schema migrations, in order; `ytempire_schema` records how many ran.
const MIGRATIONS: &[&str] = &[
    "CREATE TABLE jobs (
       seq BIGSERIAL PRIMARY KEY,
       id TEXT NOT NULL UNIQUE,
       spec TEXT NOT NULL,
       state TEXT NOT NULL,
       priority INTEGER NOT NULL,
       attempts INTEGER NOT NULL,
       max_attempts INTEGER NOT NULL,
       not_before TIMESTAMPTZ NOT NULL,
       error TEXT,
       submitted_at TIMESTAMPTZ NOT NULL,
       updated_at TIMESTAMPTZ NOT NULL,
       lease_owner TEXT,
       lease_until TIMESTAMPTZ,
       cancel_requested BOOLEAN NOT NULL DEFAULT FALSE,
       event_seq BIGINT NOT NULL DEFAULT 0
     );
     CREATE INDEX jobs_runnable ON jobs (state, priority DESC, seq);
     CREATE TABLE job_events (
       job_id TEXT NOT NULL,
       seq BIGINT NOT NULL,
       at TIMESTAMPTZ NOT NULL,
       data TEXT NOT NULL,
       PRIMARY KEY (job_id, seq)
     );",
    // 2: global event positions and followers' cursors (old events are numbered in the
    // table's physical order, roughly the order they were recorded).
    "ALTER TABLE job_events ADD COLUMN pos BIGSERIAL;
     CREATE UNIQUE INDEX job_events_pos ON job_events (pos);
     CREATE TABLE event_cursors (
       name TEXT PRIMARY KEY,
       position BIGINT NOT NULL,
       updated_at TIMESTAMPTZ NOT NULL
     );",
];

/// The `job_events` columns [`event_row`] reads, in its order.
const EVENT_COLUMNS: &str = "pos, job_id, seq, at, data";

/// A `job_events` row selected as [`EVENT_COLUMNS`].
fn event_row(r: &Row) -> Result<PositionedEvent> {
    let pos: i64 = r.try_get(0).map_err(db_err)?;
    let seq: i64 = r.try_get(2).map_err(db_err)?;
    let data: String = r.try_get(4).map_err(db_err)?;
    Ok(PositionedEvent {
        position: u64::try_from(pos).unwrap_or(0),
        event: JobEvent {
            job: r.try_get(1).map_err(db_err)?,
            seq: u64::try_from(seq).unwrap_or(0),
            at: r.try_get(3).map_err(db_err)?,
            data: serde_json::from_str(&data)?,
        },
    })
}

const COLUMNS: &str =
    "spec, state, priority, attempts, max_attempts, not_before, error, submitted_at, updated_at";
const ORDER: &str = "ORDER BY priority DESC, seq ASC";

fn record(row: &Row) -> Result<JobRecord> {
    let spec: String = row.try_get(0).map_err(db_err)?;
    let state: String = row.try_get(1).map_err(db_err)?;
    let state = JobState::parse(&state).ok_or_else(|| {
        Error::new(
            ErrorKind::Io,
            format!("unknown job state {state:?} in queue"),
        )
    })?;
    let attempts: i32 = row.try_get(3).map_err(db_err)?;
    let max_attempts: i32 = row.try_get(4).map_err(db_err)?;
    Ok(JobRecord {
        spec: serde_json::from_str(&spec)?,
        state,
        priority: row.try_get(2).map_err(db_err)?,
        attempts: u32::try_from(attempts).unwrap_or(0),
        max_attempts: u32::try_from(max_attempts).unwrap_or(1),
        not_before: row.try_get(5).map_err(db_err)?,
        error: row.try_get(6).map_err(db_err)?,
        submitted_at: row.try_get(7).map_err(db_err)?,
        updated_at: row.try_get(8).map_err(db_err)?,
    })
}

fn not_found(id: &str) -> Error {
    Error::new(ErrorKind::NotFound, format!("no job {id:?} in the queue"))
}

impl PgQueue {
    /// Connect to the server at `url` (`postgres://user:password@host:port/database`) with
    /// default options, creating or migrating the queue's tables.
    ///
    /// # Errors
    /// `Config` for a malformed URL, `Transport` when the server cannot be reached.
    pub async fn connect(url: &str) -> Result<Self> {
        Self::connect_with(url, PgQueueOptions::default()).await
    }

    /// [`PgQueue::connect`] with options.
    ///
    /// # Errors
    /// As [`PgQueue::connect`]; `Config` for an invalid schema name.
    pub async fn connect_with(url: &str, options: PgQueueOptions) -> Result<Self> {
        let (pool, config) = crate::pg::pool(
            url,
            &crate::pg::PgOptions {
                schema: options.schema.clone(),
                pool_size: options.pool_size,
            },
            COMPONENT,
        )?;
        let channel = match &options.schema {
            Some(schema) => format!("ytempire_queue_{schema}"),
            None => "ytempire_queue".to_string(),
        };
        let queue = Self {
            pool,
            config,
            channel,
            lease: options.lease,
            listener: Arc::default(),
            events_rx: Arc::default(),
        };
        queue.migrate(options.schema.as_deref()).await?;
        Ok(queue)
    }

    async fn migrate(&self, schema: Option<&str>) -> Result<()> {
        let mut client = self.pool.get().await.map_err(pool_err)?;
        crate::pg::migrate(&mut client, schema, "queue", MIGRATIONS).await
    }

    async fn client(&self) -> Result<deadpool_postgres::Object> {
        self.pool.get().await.map_err(pool_err)
    }

    fn lease_secs(&self) -> f64 {
        self.lease.duration.as_secs_f64()
    }

    /// A receiver of this queue's notifications (`cancel:ID`, `event:ID`), starting the
    /// listening connection when none is open.
    async fn subscribe(&self) -> Result<broadcast::Receiver<String>> {
        let mut guard = self.listener.lock().await;
        if let Some(l) = guard.as_ref().filter(|l| !l.client.is_closed()) {
            return Ok(l.tx.subscribe());
        }
        let (client, mut connection) = self.config.connect(NoTls).await.map_err(db_err)?;
        let (tx, rx) = broadcast::channel(1024);
        let sender = tx.clone();
        tokio::spawn(async move {
            let mut messages = futures::stream::poll_fn(move |cx| connection.poll_message(cx));
            while let Some(msg) = messages.next().await {
                match msg {
                    Ok(AsyncMessage::Notification(n)) => {
                        let _ = sender.send(n.payload().to_string());
                    }
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, "job queue notification connection closed");
                        break;
                    }
                }
            }
        });
        client
            .batch_execute(&format!("LISTEN \"{}\"", self.channel))
            .await
            .map_err(db_err)?;
        *guard = Some(Listener { client, tx });
        Ok(rx)
    }

    async fn notify(&self, client: &deadpool_postgres::Object, what: &str, id: &str) -> Result<()> {
        client
            .execute(
                "SELECT pg_notify($1, $2)",
                &[&self.channel, &format!("{what}:{id}")],
            )
            .await
            .map_err(db_err)?;
        Ok(())
    }
}

/// Lock job `$1`'s row, then take this queue's event-append lock (`$2`: the channel, one per
/// schema) until the transaction ends; see the module docs. The row first, always, so an
/// append never waits for the append lock while holding nothing and then for a row another
/// append holds.
const LOCK_EVENTS: &str = "WITH j AS (SELECT id FROM jobs WHERE id = $1 FOR UPDATE)
     SELECT pg_advisory_xact_lock(72163071, hashtext($2)) FROM j";

/// Store event `data` of job `id` in transaction `tx` under the append lock (see the module
/// docs); its sequence number, `None` for an unknown job.
async fn append_locked(
    tx: &tokio_postgres::Transaction<'_>,
    channel: &str,
    id: &str,
    data: &str,
) -> Result<Option<u64>> {
    tx.execute(LOCK_EVENTS, &[&id, &channel])
        .await
        .map_err(db_err)?;
    let row = tx
        .query_opt(APPEND_EVENT, &[&id, &data, &channel])
        .await
        .map_err(db_err)?;
    row.map(|r| r.try_get::<_, i64>(0).map_err(db_err))
        .transpose()
        .map(|s| s.and_then(|s| u64::try_from(s).ok()))
}

/// Bump the job's event counter and store the event, announcing it; `None` for an unknown job.
/// Run it only through [`append_locked`].
const APPEND_EVENT: &str = "WITH s AS (UPDATE jobs SET event_seq = event_seq + 1 WHERE id = $1 RETURNING event_seq),
     i AS (INSERT INTO job_events (job_id, seq, at, data) SELECT $1, event_seq, clock_timestamp(), $2 FROM s RETURNING seq)
     SELECT i.seq FROM i CROSS JOIN LATERAL (SELECT pg_notify($3, 'event:' || $1)) AS n";

#[async_trait]
impl QueueBackend for PgQueue {
    async fn submit(&self, spec: JobSpec, options: SubmitOptions) -> Result<JobRecord> {
        spec.validate()?;
        let json = serde_json::to_string(&spec)?;
        let max = i32::try_from(options.max_attempts.max(1)).unwrap_or(i32::MAX);
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db_err)?;
        let row = tx
            .query_opt(
                &format!(
                    "INSERT INTO jobs (id, spec, state, priority, attempts, max_attempts, not_before, submitted_at, updated_at)
                     VALUES ($1, $2, 'queued', $3, 0, $4, clock_timestamp(), clock_timestamp(), clock_timestamp())
                     ON CONFLICT (id) DO NOTHING RETURNING {COLUMNS}"
                ),
                &[&spec.id, &json, &options.priority, &max],
            )
            .await
            .map_err(db_err)?;
        let Some(row) = row else {
            return Err(Error::invalid_request(format!(
                "a job with id {:?} is already in the queue; pick another id",
                spec.id
            )));
        };
        let data = serde_json::json!({"event": "submitted"}).to_string();
        append_locked(&tx, &self.channel, &spec.id, &data).await?;
        tx.commit().await.map_err(db_err)?;
        record(&row)
    }

    async fn get(&self, id: &str) -> Result<Option<JobRecord>> {
        let client = self.client().await?;
        client
            .query_opt(&format!("SELECT {COLUMNS} FROM jobs WHERE id = $1"), &[&id])
            .await
            .map_err(db_err)?
            .as_ref()
            .map(record)
            .transpose()
    }

    async fn list(&self, state: Option<JobState>) -> Result<Vec<JobRecord>> {
        let client = self.client().await?;
        let rows = match state {
            Some(s) => {
                client
                    .query(
                        &format!("SELECT {COLUMNS} FROM jobs WHERE state = $1 {ORDER}"),
                        &[&s.as_str()],
                    )
                    .await
            }
            None => {
                client
                    .query(&format!("SELECT {COLUMNS} FROM jobs {ORDER}"), &[])
                    .await
            }
        }
        .map_err(db_err)?;
        rows.iter().map(record).collect()
    }

    async fn position(&self, id: &str) -> Result<Option<usize>> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT (SELECT count(*) FROM jobs o WHERE o.state = 'queued'
                   AND (o.priority > j.priority OR (o.priority = j.priority AND o.seq < j.seq)))
                 FROM jobs j WHERE j.id = $1 AND j.state = 'queued'",
                &[&id],
            )
            .await
            .map_err(db_err)?;
        row.map(|r| r.try_get::<_, i64>(0).map_err(db_err))
            .transpose()
            .map(|n| n.map(|n| usize::try_from(n).unwrap_or(0)))
    }

    async fn claim(&self, now: DateTime<Utc>) -> Result<Option<JobRecord>> {
        let client = self.client().await?;
        client
            .execute(
                "UPDATE jobs SET state = 'failed', error = $1, lease_owner = NULL, lease_until = NULL, updated_at = clock_timestamp()
                 WHERE state = 'running' AND lease_until < clock_timestamp() AND attempts >= max_attempts",
                &[&LEASE_EXHAUSTED],
            )
            .await
            .map_err(db_err)?;
        let row = client
            .query_opt(
                &format!(
                    "WITH next AS (
                       SELECT seq FROM jobs
                       WHERE (state = 'queued' AND not_before <= $1)
                          OR (state = 'running' AND lease_until < clock_timestamp())
                       {ORDER} LIMIT 1 FOR UPDATE SKIP LOCKED)
                     UPDATE jobs j SET state = 'running', attempts = j.attempts + 1, lease_owner = $2,
                       lease_until = clock_timestamp() + make_interval(secs => $3),
                       cancel_requested = FALSE, updated_at = clock_timestamp()
                     FROM next WHERE j.seq = next.seq
                     RETURNING {}",
                    COLUMNS
                        .split(", ")
                        .map(|c| format!("j.{c}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                &[&now, &self.lease.owner, &self.lease_secs()],
            )
            .await
            .map_err(db_err)?;
        row.as_ref().map(record).transpose()
    }

    async fn succeed(&self, id: &str) -> Result<()> {
        self.client()
            .await?
            .execute(
                "UPDATE jobs SET state = 'succeeded', error = NULL, lease_owner = NULL, lease_until = NULL,
                 updated_at = clock_timestamp() WHERE id = $1 AND state = 'running' AND lease_owner = $2",
                &[&id, &self.lease.owner],
            )
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn fail(&self, id: &str, error: &str, retry_at: Option<DateTime<Utc>>) -> Result<()> {
        let client = self.client().await?;
        match retry_at {
            Some(at) => {
                client.execute(
                    "UPDATE jobs SET state = 'queued', error = $1, not_before = $2, lease_owner = NULL, lease_until = NULL,
                     updated_at = clock_timestamp() WHERE id = $3 AND state = 'running' AND lease_owner = $4",
                    &[&error, &at, &id, &self.lease.owner],
                )
                .await
            }
            None => {
                client.execute(
                    "UPDATE jobs SET state = 'failed', error = $1, lease_owner = NULL, lease_until = NULL,
                     updated_at = clock_timestamp() WHERE id = $2 AND state = 'running' AND lease_owner = $3",
                    &[&error, &id, &self.lease.owner],
                )
                .await
            }
        }
        .map_err(db_err)?;
        Ok(())
    }

    async fn cancel(&self, id: &str) -> Result<bool> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db_err)?;
        let row = tx
            .query_opt("SELECT state FROM jobs WHERE id = $1 FOR UPDATE", &[&id])
            .await
            .map_err(db_err)?;
        let Some(row) = row else {
            return Err(not_found(id));
        };
        let state: String = row.try_get(0).map_err(db_err)?;
        if state != "queued" && state != "running" {
            return Ok(false);
        }
        tx.execute(
            "UPDATE jobs SET cancel_requested = (state = 'running'), state = 'cancelled',
             updated_at = clock_timestamp() WHERE id = $1",
            &[&id],
        )
        .await
        .map_err(db_err)?;
        let data = serde_json::json!({"event": "cancelled"}).to_string();
        append_locked(&tx, &self.channel, id, &data).await?;
        tx.execute(
            "SELECT pg_notify($1, $2)",
            &[&self.channel, &format!("cancel:{id}")],
        )
        .await
        .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        Ok(true)
    }

    async fn retry(&self, id: &str) -> Result<()> {
        let client = self.client().await?;
        let Some(job) = self.get(id).await? else {
            return Err(not_found(id));
        };
        if !matches!(job.state, JobState::Failed | JobState::Cancelled) {
            return Err(Error::invalid_request(format!(
                "job {id:?} is {}; only failed or cancelled jobs can be retried",
                job.state.as_str()
            )));
        }
        client
            .execute(
                "UPDATE jobs SET state = 'queued', attempts = 0, not_before = clock_timestamp(),
                 updated_at = clock_timestamp(), lease_owner = NULL, lease_until = NULL,
                 cancel_requested = FALSE WHERE id = $1 AND state IN ('failed', 'cancelled')",
                &[&id],
            )
            .await
            .map_err(db_err)?;
        self.notify(&client, "event", id).await
    }

    async fn recover(&self) -> Result<usize> {
        let n = self
            .client()
            .await?
            .execute(
                "UPDATE jobs SET state = 'queued', lease_owner = NULL, lease_until = NULL, updated_at = clock_timestamp()
                 WHERE state = 'running' AND (lease_until IS NULL OR lease_until < clock_timestamp() OR lease_owner = $1)",
                &[&self.lease.owner],
            )
            .await
            .map_err(db_err)?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    fn lease(&self) -> Option<Duration> {
        Some(self.lease.duration)
    }

    async fn heartbeat(&self, id: &str) -> Result<Heartbeat> {
        let client = self.client().await?;
        let n = client
            .execute(
                "UPDATE jobs SET lease_until = clock_timestamp() + make_interval(secs => $3)
                 WHERE id = $1 AND state = 'running' AND lease_owner = $2",
                &[&id, &self.lease.owner, &self.lease_secs()],
            )
            .await
            .map_err(db_err)?;
        if n > 0 {
            return Ok(Heartbeat::Held);
        }
        let state: Option<String> = client
            .query_opt("SELECT state FROM jobs WHERE id = $1", &[&id])
            .await
            .map_err(db_err)?
            .map(|r| r.try_get(0))
            .transpose()
            .map_err(db_err)?;
        Ok(match state.as_deref() {
            Some("cancelled") => Heartbeat::Cancelled,
            _ => Heartbeat::Lost,
        })
    }

    async fn append_event(&self, id: &str, data: serde_json::Value) -> Result<Option<u64>> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db_err)?;
        let seq = append_locked(&tx, &self.channel, id, &data.to_string()).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(seq)
    }

    async fn events(&self, id: &str, after: u64) -> Result<Vec<JobEvent>> {
        let after = i64::try_from(after).unwrap_or(i64::MAX);
        let rows = self
            .client()
            .await?
            .query(
                &format!(
                    "SELECT {EVENT_COLUMNS} FROM job_events WHERE job_id = $1 AND seq > $2 ORDER BY seq"
                ),
                &[&id, &after],
            )
            .await
            .map_err(db_err)?;
        rows.iter().map(|r| event_row(r).map(|p| p.event)).collect()
    }

    async fn wait_signal(&self, id: &str, signal: Signal, timeout: Duration) {
        let want = match signal {
            Signal::Event => format!("event:{id}"),
            Signal::Cancel => format!("cancel:{id}"),
        };
        let Ok(mut rx) = self.subscribe().await else {
            // No listening connection: fall back to polling.
            tokio::time::sleep(timeout.min(Duration::from_millis(250))).await;
            return;
        };
        let _ = tokio::time::timeout(timeout, async {
            loop {
                match rx.recv().await {
                    Ok(msg) if msg == want => return,
                    Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => {
                        tokio::time::sleep(timeout).await;
                    }
                }
            }
        })
        .await;
    }

    async fn events_after(&self, after: u64, limit: usize) -> Result<Vec<PositionedEvent>> {
        let after = i64::try_from(after).unwrap_or(i64::MAX);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = self
            .client()
            .await?
            .query(
                &format!(
                    "SELECT {EVENT_COLUMNS} FROM job_events WHERE pos > $1 ORDER BY pos LIMIT $2"
                ),
                &[&after, &limit],
            )
            .await
            .map_err(db_err)?;
        rows.iter().map(event_row).collect()
    }

    async fn load_cursor(&self, name: &str) -> Result<u64> {
        let row = self
            .client()
            .await?
            .query_opt(
                "SELECT position FROM event_cursors WHERE name = $1",
                &[&name],
            )
            .await
            .map_err(db_err)?;
        let pos = row
            .map(|r| r.try_get::<_, i64>(0).map_err(db_err))
            .transpose()?;
        Ok(pos.and_then(|p| u64::try_from(p).ok()).unwrap_or(0))
    }

    async fn save_cursor(&self, name: &str, position: u64) -> Result<()> {
        let pos = i64::try_from(position).map_err(|_| {
            Error::invalid_request(format!("cursor position {position} is out of range"))
        })?;
        self.client()
            .await?
            .execute(
                "INSERT INTO event_cursors (name, position, updated_at) VALUES ($1, $2, clock_timestamp())
                 ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position, updated_at = EXCLUDED.updated_at",
                &[&name, &pos],
            )
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn wait_events(&self, timeout: Duration) {
        let mut slot = self.events_rx.lock().await;
        if slot.is_none() {
            *slot = self.subscribe().await.ok();
        }
        let Some(rx) = slot.as_mut() else {
            // No listening connection: fall back to polling.
            drop(slot);
            tokio::time::sleep(timeout.min(Duration::from_millis(250))).await;
            return;
        };
        let woke = tokio::time::timeout(timeout, async {
            loop {
                match rx.recv().await {
                    Ok(msg) if msg.starts_with("event:") => return true,
                    Ok(_) => {}
                    // Missed notifications may have been events: look now.
                    Err(broadcast::error::RecvError::Lagged(_)) => return true,
                    Err(broadcast::error::RecvError::Closed) => return false,
                }
            }
        })
        .await;
        match woke {
            // Notifications of events already read with this one: one look covers them.
            Ok(true) => while rx.try_recv().is_ok() {},
            // The listening connection closed: a new one next time; poll meanwhile.
            Ok(false) => {
                *slot = None;
                drop(slot);
                tokio::time::sleep(timeout.min(Duration::from_millis(250))).await;
            }
            Err(_) => {}
        }
    }
}

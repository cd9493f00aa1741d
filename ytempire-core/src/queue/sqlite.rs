//! [`SqliteQueue`]: the embedded [`QueueBackend`], one SQLite file in WAL mode with full fsync.
//! Claims are leased ([`LeaseConfig`]), so several worker processes on one machine can share
//! the file; job events live in its `job_events` table, each with a global position (`pos`;
//! SQLite has one writer at a time, so positions become visible in order), and followers'
//! cursors in `event_cursors`. The schema is versioned (`PRAGMA user_version`) and migrated on
//! open.

use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::{
    Heartbeat, JobEvent, JobRecord, JobState, LeaseConfig, PositionedEvent, QueueBackend, Signal,
    SubmitOptions,
};
use crate::pipeline::JobSpec;
use crate::{Error, ErrorKind, Result};

/// The embedded queue.
#[derive(Debug, Clone)]
pub struct SqliteQueue {
    conn: Arc<Mutex<Connection>>,
    lease: LeaseConfig,
}

fn db_err(e: rusqlite::Error) -> Error {
    Error::new(ErrorKind::Io, format!("job queue database: {e}")).with_source(e)
}

fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

fn from_ms(v: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(v).single().unwrap_or_default()
}

fn lease_ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX / 4)
}

/// Schema migrations, applied in order; `PRAGMA user_version` is how many ran.
const MIGRATIONS: &[&str] = &[
    // 1: the jobs table (as before versioning; IF NOT EXISTS adopts an old file).
    "CREATE TABLE IF NOT EXISTS jobs (
       seq INTEGER PRIMARY KEY AUTOINCREMENT,
       id TEXT NOT NULL UNIQUE,
       spec TEXT NOT NULL,
       state TEXT NOT NULL,
       priority INTEGER NOT NULL,
       attempts INTEGER NOT NULL,
       max_attempts INTEGER NOT NULL,
       not_before INTEGER NOT NULL,
       error TEXT,
       submitted_at INTEGER NOT NULL,
       updated_at INTEGER NOT NULL
     );
     CREATE INDEX IF NOT EXISTS jobs_runnable ON jobs(state, priority DESC, seq);",
    // 2: leases, cross-process cancel, persisted events.
    "ALTER TABLE jobs ADD COLUMN lease_owner TEXT;
     ALTER TABLE jobs ADD COLUMN lease_until INTEGER;
     ALTER TABLE jobs ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0;
     ALTER TABLE jobs ADD COLUMN event_seq INTEGER NOT NULL DEFAULT 0;
     CREATE TABLE IF NOT EXISTS job_events (
       job_id TEXT NOT NULL,
       seq INTEGER NOT NULL,
       at INTEGER NOT NULL,
       data TEXT NOT NULL,
       PRIMARY KEY (job_id, seq)
     );",
    // 3: a global position per event (`pos`, never reused: AUTOINCREMENT) for followers of
    // every job's events, and their stored cursors. Old events get positions in the order they
    // were recorded.
    "CREATE TABLE job_events_v3 (
       pos INTEGER PRIMARY KEY AUTOINCREMENT,
       job_id TEXT NOT NULL,
       seq INTEGER NOT NULL,
       at INTEGER NOT NULL,
       data TEXT NOT NULL,
       UNIQUE (job_id, seq)
     );
     INSERT INTO job_events_v3 (job_id, seq, at, data)
       SELECT job_id, seq, at, data FROM job_events ORDER BY at, rowid;
     DROP TABLE job_events;
     ALTER TABLE job_events_v3 RENAME TO job_events;
     CREATE TABLE IF NOT EXISTS event_cursors (
       name TEXT PRIMARY KEY,
       position INTEGER NOT NULL,
       updated_at INTEGER NOT NULL
     );",
];

fn migrate(conn: &mut Connection) -> Result<()> {
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(db_err)?;
    let version: usize = tx
        .query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))
        .map_err(db_err)?
        .try_into()
        .unwrap_or(0);
    if version > MIGRATIONS.len() {
        return Err(Error::new(
            ErrorKind::Config,
            format!(
                "the job queue database has schema version {version}, newer than this build knows ({}); upgrade ytempire",
                MIGRATIONS.len()
            ),
        ));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version) {
        tx.execute_batch(sql).map_err(db_err)?;
        tx.execute_batch(&format!("PRAGMA user_version = {}", i + 1))
            .map_err(db_err)?;
    }
    tx.commit().map_err(db_err)
}

/// The `job_events` columns [`event_row`] reads, in its order.
const EVENT_COLUMNS: &str = "pos, job_id, seq, at, data";

/// A `job_events` row selected as [`EVENT_COLUMNS`].
type EventRow = (i64, String, i64, i64, String);

fn event_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<EventRow> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
}

fn positioned((pos, job, seq, at, data): EventRow) -> Result<PositionedEvent> {
    Ok(PositionedEvent {
        position: u64::try_from(pos).unwrap_or(0),
        event: JobEvent {
            job,
            seq: u64::try_from(seq).unwrap_or(0),
            at: from_ms(at),
            data: serde_json::from_str(&data)?,
        },
    })
}

fn append_event_tx(conn: &Connection, id: &str, data: &serde_json::Value) -> Result<Option<u64>> {
    let n = conn
        .execute(
            "UPDATE jobs SET event_seq = event_seq + 1 WHERE id = ?1",
            params![id],
        )
        .map_err(db_err)?;
    if n == 0 {
        return Ok(None);
    }
    let seq: i64 = conn
        .query_row(
            "SELECT event_seq FROM jobs WHERE id = ?1",
            params![id],
            |r| r.get(0),
        )
        .map_err(db_err)?;
    conn.execute(
        "INSERT INTO job_events (job_id, seq, at, data) VALUES (?1, ?2, ?3, ?4)",
        params![id, seq, ms(Utc::now()), data.to_string()],
    )
    .map_err(db_err)?;
    Ok(u64::try_from(seq).ok())
}

const COLUMNS: &str =
    "spec, state, priority, attempts, max_attempts, not_before, error, submitted_at, updated_at";
const ORDER: &str = "ORDER BY priority DESC, seq ASC";

fn row_to_record(row: &rusqlite::Row<'_>) -> rusqlite::Result<(String, String, JobRecordParts)> {
    Ok((
        row.get::<_, String>(0)?,
        row.get::<_, String>(1)?,
        JobRecordParts {
            priority: row.get(2)?,
            attempts: row.get(3)?,
            max_attempts: row.get(4)?,
            not_before: row.get(5)?,
            error: row.get(6)?,
            submitted_at: row.get(7)?,
            updated_at: row.get(8)?,
        },
    ))
}

struct JobRecordParts {
    priority: i32,
    attempts: u32,
    max_attempts: u32,
    not_before: i64,
    error: Option<String>,
    submitted_at: i64,
    updated_at: i64,
}

fn assemble((spec, state, p): (String, String, JobRecordParts)) -> Result<JobRecord> {
    let spec: JobSpec = serde_json::from_str(&spec)?;
    let state = JobState::parse(&state).ok_or_else(|| {
        Error::new(
            ErrorKind::Io,
            format!("unknown job state {state:?} in queue"),
        )
    })?;
    Ok(JobRecord {
        spec,
        state,
        priority: p.priority,
        attempts: p.attempts,
        max_attempts: p.max_attempts,
        not_before: from_ms(p.not_before),
        error: p.error,
        submitted_at: from_ms(p.submitted_at),
        updated_at: from_ms(p.updated_at),
    })
}

impl SqliteQueue {
    /// Open (or create) the queue database at `path`.
    pub fn open(path: &Path) -> Result<Self> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|e| Error::io(format!("creating {}", parent.display()), e))?;
        }
        let conn = Connection::open(path).map_err(db_err)?;
        Self::init(conn)
    }

    /// An in-memory queue (tests, throwaway tools).
    pub fn in_memory() -> Result<Self> {
        Self::init(Connection::open_in_memory().map_err(db_err)?)
    }

    fn init(mut conn: Connection) -> Result<Self> {
        conn.execute_batch(
            "PRAGMA journal_mode=WAL;
             PRAGMA synchronous=FULL;
             PRAGMA busy_timeout=5000;",
        )
        .map_err(db_err)?;
        migrate(&mut conn)?;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
            lease: LeaseConfig::default(),
        })
    }

    /// The same queue with claims leased as `lease` says (default: 30 s, a per-process owner).
    #[must_use]
    pub fn with_lease(mut self, lease: LeaseConfig) -> Self {
        self.lease = lease;
        self
    }

    async fn with<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            let mut guard = conn
                .lock()
                .map_err(|_| Error::internal("job queue lock poisoned"))?;
            f(&mut guard)
        })
        .await
        .map_err(|e| Error::internal(format!("job queue task failed: {e}")))?
    }
}

fn get_one(conn: &Connection, id: &str) -> Result<Option<JobRecord>> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM jobs WHERE id = ?1"),
        params![id],
        row_to_record,
    )
    .optional()
    .map_err(db_err)?
    .map(assemble)
    .transpose()
}

fn not_found(id: &str) -> Error {
    Error::new(ErrorKind::NotFound, format!("no job {id:?} in the queue"))
}

/// The message of a job that ran out of attempts because its workers kept dying.
pub(super) const LEASE_EXHAUSTED: &str =
    "its worker stopped answering (lease expired) on the last attempt";

/// A transaction that will write, taking the write lock at `BEGIN` (`IMMEDIATE`): a deferred
/// one that read first cannot wait for another process's write (SQLite answers `BUSY` at once
/// when the snapshot it read is stale), whereas `BEGIN IMMEDIATE` waits out `busy_timeout`.
fn write_tx(c: &mut Connection) -> Result<rusqlite::Transaction<'_>> {
    c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(db_err)
}

#[async_trait]
impl QueueBackend for SqliteQueue {
    async fn submit(&self, spec: JobSpec, options: SubmitOptions) -> Result<JobRecord> {
        spec.validate()?;
        let id = spec.id.clone();
        let json = serde_json::to_string(&spec)?;
        self.with(move |c| {
            let tx = write_tx(c)?;
            let now = ms(Utc::now());
            let inserted = tx
                .execute(
                    "INSERT OR IGNORE INTO jobs (id, spec, state, priority, attempts, max_attempts, not_before, error, submitted_at, updated_at)
                     VALUES (?1, ?2, 'queued', ?3, 0, ?4, ?5, NULL, ?5, ?5)",
                    params![id, json, options.priority, options.max_attempts.max(1), now],
                )
                .map_err(db_err)?;
            if inserted == 0 {
                return Err(Error::invalid_request(format!(
                    "a job with id {id:?} is already in the queue; pick another id"
                )));
            }
            append_event_tx(&tx, &id, &serde_json::json!({"event": "submitted"}))?;
            let rec = get_one(&tx, &id)?.ok_or_else(|| not_found(&id))?;
            tx.commit().map_err(db_err)?;
            Ok(rec)
        })
        .await
    }

    async fn get(&self, id: &str) -> Result<Option<JobRecord>> {
        let id = id.to_string();
        self.with(move |c| get_one(c, &id)).await
    }

    async fn list(&self, state: Option<JobState>) -> Result<Vec<JobRecord>> {
        self.with(move |c| {
            let (sql, filter) = match state {
                Some(s) => (
                    format!("SELECT {COLUMNS} FROM jobs WHERE state = ?1 {ORDER}"),
                    Some(s.as_str()),
                ),
                None => (format!("SELECT {COLUMNS} FROM jobs {ORDER}"), None),
            };
            let mut stmt = c.prepare(&sql).map_err(db_err)?;
            let rows = match filter {
                Some(f) => stmt.query_map(params![f], row_to_record),
                None => stmt.query_map([], row_to_record),
            }
            .map_err(db_err)?;
            rows.map(|r| r.map_err(db_err).and_then(assemble)).collect()
        })
        .await
    }

    async fn position(&self, id: &str) -> Result<Option<usize>> {
        let queued = self.list(Some(JobState::Queued)).await?;
        Ok(queued.iter().position(|j| j.id() == id))
    }

    async fn claim(&self, now: DateTime<Utc>) -> Result<Option<JobRecord>> {
        let lease = self.lease.clone();
        self.with(move |c| {
            let tx = c
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .map_err(db_err)?;
            let wall = ms(Utc::now());
            // Jobs whose worker died on their last attempt fail instead of looping.
            tx.execute(
                "UPDATE jobs SET state = 'failed', error = ?1, lease_owner = NULL, lease_until = NULL, updated_at = ?2
                 WHERE state = 'running' AND lease_until IS NOT NULL AND lease_until < ?3 AND attempts >= max_attempts",
                params![LEASE_EXHAUSTED, wall, wall],
            )
            .map_err(db_err)?;
            let id: Option<String> = tx
                .query_row(
                    &format!(
                        "SELECT id FROM jobs WHERE (state = 'queued' AND not_before <= ?1)
                         OR (state = 'running' AND lease_until IS NOT NULL AND lease_until < ?2) {ORDER} LIMIT 1"
                    ),
                    params![ms(now), wall],
                    |r| r.get(0),
                )
                .optional()
                .map_err(db_err)?;
            let Some(id) = id else {
                tx.commit().map_err(db_err)?;
                return Ok(None);
            };
            tx.execute(
                "UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_owner = ?1, lease_until = ?2,
                 cancel_requested = 0, updated_at = ?3 WHERE id = ?4",
                params![lease.owner, wall.saturating_add(lease_ms(lease.duration)), wall, id],
            )
            .map_err(db_err)?;
            let rec = get_one(&tx, &id)?;
            tx.commit().map_err(db_err)?;
            Ok(rec)
        })
        .await
    }

    async fn succeed(&self, id: &str) -> Result<()> {
        let (id, owner) = (id.to_string(), self.lease.owner.clone());
        self.with(move |c| {
            c.execute(
                "UPDATE jobs SET state = 'succeeded', error = NULL, lease_owner = NULL, lease_until = NULL, updated_at = ?1
                 WHERE id = ?2 AND state = 'running' AND lease_owner = ?3",
                params![ms(Utc::now()), id, owner],
            )
            .map_err(db_err)?;
            Ok(())
        })
        .await
    }

    async fn fail(&self, id: &str, error: &str, retry_at: Option<DateTime<Utc>>) -> Result<()> {
        let (id, error, owner) = (id.to_string(), error.to_string(), self.lease.owner.clone());
        self.with(move |c| {
            let now = ms(Utc::now());
            match retry_at {
                Some(at) => c.execute(
                    "UPDATE jobs SET state = 'queued', error = ?1, not_before = ?2, updated_at = ?3, lease_owner = NULL, lease_until = NULL
                     WHERE id = ?4 AND state = 'running' AND lease_owner = ?5",
                    params![error, ms(at), now, id, owner],
                ),
                None => c.execute(
                    "UPDATE jobs SET state = 'failed', error = ?1, updated_at = ?2, lease_owner = NULL, lease_until = NULL
                     WHERE id = ?3 AND state = 'running' AND lease_owner = ?4",
                    params![error, now, id, owner],
                ),
            }
            .map_err(db_err)?;
            Ok(())
        })
        .await
    }

    async fn cancel(&self, id: &str) -> Result<bool> {
        let id = id.to_string();
        self.with(move |c| {
            let tx = write_tx(c)?;
            if get_one(&tx, &id)?.is_none() {
                return Err(not_found(&id));
            }
            let n = tx
                .execute(
                    "UPDATE jobs SET cancel_requested = (state = 'running'), state = 'cancelled', updated_at = ?1
                     WHERE id = ?2 AND state IN ('queued', 'running')",
                    params![ms(Utc::now()), id],
                )
                .map_err(db_err)?;
            if n > 0 {
                append_event_tx(&tx, &id, &serde_json::json!({"event": "cancelled"}))?;
            }
            tx.commit().map_err(db_err)?;
            Ok(n > 0)
        })
        .await
    }

    async fn retry(&self, id: &str) -> Result<()> {
        let id = id.to_string();
        self.with(move |c| {
            let Some(job) = get_one(c, &id)? else {
                return Err(not_found(&id));
            };
            if !matches!(job.state, JobState::Failed | JobState::Cancelled) {
                return Err(Error::invalid_request(format!(
                    "job {id:?} is {}; only failed or cancelled jobs can be retried",
                    job.state.as_str()
                )));
            }
            c.execute(
                "UPDATE jobs SET state = 'queued', attempts = 0, not_before = ?1, updated_at = ?1,
                 lease_owner = NULL, lease_until = NULL, cancel_requested = 0 WHERE id = ?2",
                params![ms(Utc::now()), id],
            )
            .map_err(db_err)?;
            Ok(())
        })
        .await
    }

    async fn recover(&self) -> Result<usize> {
        let owner = self.lease.owner.clone();
        self.with(move |c| {
            let now = ms(Utc::now());
            c.execute(
                "UPDATE jobs SET state = 'queued', lease_owner = NULL, lease_until = NULL, updated_at = ?1
                 WHERE state = 'running' AND (lease_until IS NULL OR lease_until < ?1 OR lease_owner = ?2)",
                params![now, owner],
            )
            .map_err(db_err)
        })
        .await
    }

    fn lease(&self) -> Option<Duration> {
        Some(self.lease.duration)
    }

    async fn heartbeat(&self, id: &str) -> Result<Heartbeat> {
        let (id, lease) = (id.to_string(), self.lease.clone());
        self.with(move |c| {
            let row: Option<(String, Option<String>, Option<i64>)> = c
                .query_row(
                    "SELECT state, lease_owner, lease_until FROM jobs WHERE id = ?1",
                    params![id],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()
                .map_err(db_err)?;
            let Some((state, owner, until)) = row else {
                return Ok(Heartbeat::Lost);
            };
            if state == "cancelled" {
                return Ok(Heartbeat::Cancelled);
            }
            if state != "running" || owner.as_deref() != Some(lease.owner.as_str()) {
                return Ok(Heartbeat::Lost);
            }
            // Reads cost no fsync: write only once a quarter of the lease is used up.
            let now = ms(Utc::now());
            let full = lease_ms(lease.duration);
            if until.is_some_and(|u| u.saturating_sub(now) > full - full / 4) {
                return Ok(Heartbeat::Held);
            }
            let n = c
                .execute(
                    "UPDATE jobs SET lease_until = ?1 WHERE id = ?2 AND state = 'running' AND lease_owner = ?3",
                    params![now.saturating_add(full), id, lease.owner],
                )
                .map_err(db_err)?;
            Ok(if n > 0 { Heartbeat::Held } else { Heartbeat::Lost })
        })
        .await
    }

    async fn append_event(&self, id: &str, data: serde_json::Value) -> Result<Option<u64>> {
        let id = id.to_string();
        self.with(move |c| {
            let tx = write_tx(c)?;
            let seq = append_event_tx(&tx, &id, &data)?;
            tx.commit().map_err(db_err)?;
            Ok(seq)
        })
        .await
    }

    async fn events(&self, id: &str, after: u64) -> Result<Vec<JobEvent>> {
        let id = id.to_string();
        self.with(move |c| {
            let mut stmt = c
                .prepare(&format!(
                    "SELECT {EVENT_COLUMNS} FROM job_events WHERE job_id = ?1 AND seq > ?2 ORDER BY seq"
                ))
                .map_err(db_err)?;
            let rows = stmt
                .query_map(params![id, i64::try_from(after).unwrap_or(i64::MAX)], event_row)
                .map_err(db_err)?;
            rows.map(|r| positioned(r.map_err(db_err)?).map(|p| p.event))
                .collect()
        })
        .await
    }

    async fn wait_signal(&self, _id: &str, _signal: Signal, timeout: Duration) {
        // No notifications in SQLite: callers poll, at most every 250 ms.
        tokio::time::sleep(timeout.min(Duration::from_millis(250))).await;
    }

    async fn events_after(&self, after: u64, limit: usize) -> Result<Vec<PositionedEvent>> {
        self.with(move |c| {
            let mut stmt = c
                .prepare(&format!(
                    "SELECT {EVENT_COLUMNS} FROM job_events WHERE pos > ?1 ORDER BY pos LIMIT ?2"
                ))
                .map_err(db_err)?;
            let bounds = params![
                i64::try_from(after).unwrap_or(i64::MAX),
                i64::try_from(limit).unwrap_or(i64::MAX)
            ];
            let rows = stmt.query_map(bounds, event_row).map_err(db_err)?;
            rows.map(|r| positioned(r.map_err(db_err)?)).collect()
        })
        .await
    }

    async fn load_cursor(&self, name: &str) -> Result<u64> {
        let name = name.to_string();
        self.with(move |c| {
            let pos: Option<i64> = c
                .query_row(
                    "SELECT position FROM event_cursors WHERE name = ?1",
                    params![name],
                    |r| r.get(0),
                )
                .optional()
                .map_err(db_err)?;
            Ok(pos.and_then(|p| u64::try_from(p).ok()).unwrap_or(0))
        })
        .await
    }

    async fn save_cursor(&self, name: &str, position: u64) -> Result<()> {
        let name = name.to_string();
        let pos = i64::try_from(position).map_err(|_| {
            Error::invalid_request(format!("cursor position {position} is out of range"))
        })?;
        self.with(move |c| {
            c.execute(
                "INSERT INTO event_cursors (name, position, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (name) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at",
                params![name, pos, ms(Utc::now())],
            )
            .map_err(db_err)?;
            Ok(())
        })
        .await
    }

    async fn wait_events(&self, timeout: Duration) {
        // No notifications in SQLite: followers poll, at most every 250 ms.
        tokio::time::sleep(timeout.min(Duration::from_millis(250))).await;
    }
}

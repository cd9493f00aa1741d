//! [`SqliteQueue`]: the embedded [`QueueBackend`], one SQLite file in WAL mode with full fsync.

use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;
use std::sync::{Arc, Mutex};

use super::{JobRecord, JobState, QueueBackend, SubmitOptions};
use crate::pipeline::JobSpec;
use crate::{Error, ErrorKind, Result};

/// The embedded queue.
#[derive(Debug, Clone)]
pub struct SqliteQueue {
    conn: Arc<Mutex<Connection>>,
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

    fn init(conn: Connection) -> Result<Self> {
        conn.execute_batch(
            "PRAGMA journal_mode=WAL;
             PRAGMA synchronous=FULL;
             PRAGMA busy_timeout=5000;
             CREATE TABLE IF NOT EXISTS jobs (
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
        )
        .map_err(db_err)?;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
        })
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

fn set_state(conn: &Connection, id: &str, from: &[JobState], to: JobState) -> Result<bool> {
    let allowed: Vec<String> = from.iter().map(|s| format!("'{}'", s.as_str())).collect();
    let n = conn
        .execute(
            &format!(
                "UPDATE jobs SET state = ?1, updated_at = ?2 WHERE id = ?3 AND state IN ({})",
                allowed.join(",")
            ),
            params![to.as_str(), ms(Utc::now()), id],
        )
        .map_err(db_err)?;
    Ok(n > 0)
}

fn not_found(id: &str) -> Error {
    Error::new(ErrorKind::NotFound, format!("no job {id:?} in the queue"))
}

#[async_trait]
impl QueueBackend for SqliteQueue {
    async fn submit(&self, spec: JobSpec, options: SubmitOptions) -> Result<JobRecord> {
        spec.validate()?;
        let id = spec.id.clone();
        let json = serde_json::to_string(&spec)?;
        self.with(move |c| {
            let now = ms(Utc::now());
            let inserted = c
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
            get_one(c, &id)?.ok_or_else(|| not_found(&id))
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
        self.with(move |c| {
            let tx = c.transaction().map_err(db_err)?;
            let id: Option<String> = tx
                .query_row(
                    &format!("SELECT id FROM jobs WHERE state = 'queued' AND not_before <= ?1 {ORDER} LIMIT 1"),
                    params![ms(now)],
                    |r| r.get(0),
                )
                .optional()
                .map_err(db_err)?;
            let Some(id) = id else {
                return Ok(None);
            };
            tx.execute(
                "UPDATE jobs SET state = 'running', attempts = attempts + 1, updated_at = ?1 WHERE id = ?2",
                params![ms(Utc::now()), id],
            )
            .map_err(db_err)?;
            let rec = get_one(&tx, &id)?;
            tx.commit().map_err(db_err)?;
            Ok(rec)
        })
        .await
    }

    async fn succeed(&self, id: &str) -> Result<()> {
        let id = id.to_string();
        self.with(move |c| {
            c.execute(
                "UPDATE jobs SET state = 'succeeded', error = NULL, updated_at = ?1 WHERE id = ?2 AND state = 'running'",
                params![ms(Utc::now()), id],
            )
            .map_err(db_err)?;
            Ok(())
        })
        .await
    }

    async fn fail(&self, id: &str, error: &str, retry_at: Option<DateTime<Utc>>) -> Result<()> {
        let (id, error) = (id.to_string(), error.to_string());
        self.with(move |c| {
            let now = ms(Utc::now());
            match retry_at {
                Some(at) => c.execute(
                    "UPDATE jobs SET state = 'queued', error = ?1, not_before = ?2, updated_at = ?3 WHERE id = ?4 AND state = 'running'",
                    params![error, ms(at), now, id],
                ),
                None => c.execute(
                    "UPDATE jobs SET state = 'failed', error = ?1, updated_at = ?2 WHERE id = ?3 AND state = 'running'",
                    params![error, now, id],
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
            if get_one(c, &id)?.is_none() {
                return Err(not_found(&id));
            }
            set_state(
                c,
                &id,
                &[JobState::Queued, JobState::Running],
                JobState::Cancelled,
            )
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
                "UPDATE jobs SET state = 'queued', attempts = 0, not_before = ?1, updated_at = ?1 WHERE id = ?2",
                params![ms(Utc::now()), id],
            )
            .map_err(db_err)?;
            Ok(())
        })
        .await
    }

    async fn recover(&self) -> Result<usize> {
        self.with(|c| {
            c.execute(
                "UPDATE jobs SET state = 'queued', updated_at = ?1 WHERE state = 'running'",
                params![ms(Utc::now())],
            )
            .map_err(db_err)
        })
        .await
    }
}

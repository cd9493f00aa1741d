//! Shared plumbing for state kept on a PostgreSQL server (feature `postgres`): a connection
//! pool with an optional schema, versioned migrations per component, readable errors that
//! never hold the URL (which may carry a password), and [`PgBlocking`], a bridge for the
//! synchronous APIs (the cost ledger is a synchronous [`UsageSink`](crate::UsageSink)).
//!
//! The cost ledger (ytempire-cost), the quota ledger and the token store (ytempire-youtube)
//! use it, so workers on several machines that name one server (`--database URL`,
//! `DATABASE_URL` or the config's `database`) share one set of books: every update is one
//! statement or one transaction on the server (an atomic `UPDATE … RETURNING`, an upsert or
//! a row lock), so concurrent processes lose none.
//!
//! ```no_run
//! # async fn demo() -> ytempire_core::Result<()> {
//! use ytempire_core::pg::{PgOptions, PgStore};
//! const MIGRATIONS: &[&str] = &["CREATE TABLE notes (id BIGSERIAL PRIMARY KEY, body TEXT)"];
//! let db = PgStore::connect("postgres://localhost/ytempire", &PgOptions::default(), "notes", MIGRATIONS).await?;
//! let client = db.client().await?;
//! client.execute("INSERT INTO notes (body) VALUES ($1)", &[&"hi"]).await.map_err(|e| db.err(e))?;
//! # Ok(()) }
//! ```

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use std::future::Future;
use std::time::Duration;
use tokio_postgres::NoTls;

use crate::{Error, ErrorKind, Result};

pub use deadpool_postgres;
pub use tokio_postgres;

/// Where and how to connect.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PgOptions {
    /// The schema holding the tables (created when missing); `None`: the server's search path
    /// (normally `public`). Lower-case letters, digits and `_`, at most 48.
    pub schema: Option<String>,
    /// Connections in the pool (default 4).
    pub pool_size: Option<usize>,
}

impl PgOptions {
    /// Keep the tables in `schema`.
    #[must_use]
    pub fn with_schema(mut self, schema: impl Into<String>) -> Self {
        self.schema = Some(schema.into());
        self
    }

    /// Use at most `size` connections.
    #[must_use]
    pub fn with_pool_size(mut self, size: usize) -> Self {
        self.pool_size = Some(size);
        self
    }
}

/// Whether `s` is a schema name this crate accepts (quoted into SQL, so kept simple).
pub fn valid_schema(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 48
        && s.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Whether `url` names a PostgreSQL server (`postgres://` or `postgresql://`).
pub fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// A pool on one server and schema, for one component (its name is in every error). Cheap to
/// clone; clones share the pool.
#[derive(Clone)]
pub struct PgStore {
    pool: Pool,
    component: &'static str,
}

impl std::fmt::Debug for PgStore {
    // The connection settings may hold a password: never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("component", &self.component)
            .finish_non_exhaustive()
    }
}

impl PgStore {
    /// Connect to `url` (`postgres://user:password@host:port/database`) and bring
    /// `component`'s tables to the latest of `migrations` (each applied once, in order, under
    /// an advisory lock so many processes may start at once).
    ///
    /// # Errors
    /// `Config` for a malformed URL, a bad schema name or a database newer than this build;
    /// `Transport` when the server cannot be reached.
    pub async fn connect(
        url: &str,
        options: &PgOptions,
        component: &'static str,
        migrations: &[&str],
    ) -> Result<Self> {
        let (pool, _) = pool(url, options, component)?;
        let store = Self { pool, component };
        let mut client = store.client().await?;
        migrate(
            &mut client,
            options.schema.as_deref(),
            component,
            migrations,
        )
        .await?;
        Ok(store)
    }

    /// The component's name (as in its errors).
    pub fn component(&self) -> &'static str {
        self.component
    }

    /// A connection from the pool.
    ///
    /// # Errors
    /// `Transport`, saying why, when no connection can be made.
    pub async fn client(&self) -> Result<deadpool_postgres::Object> {
        self.pool
            .get()
            .await
            .map_err(|e| pool_err(self.component, e))
    }

    /// A server error as this component's error: `Transport` when the connection failed,
    /// `Io` when the server refused the statement.
    pub fn err(&self, e: tokio_postgres::Error) -> Error {
        db_err(self.component, e)
    }
}

/// A pool on the server at `url` (at most [`PgOptions::pool_size`] connections, each with
/// the schema first on its search path), and the connection settings for connections of
/// one's own (e.g. to `LISTEN`). Connects lazily: nothing is tried yet.
///
/// # Errors
/// `Config` for a malformed URL or schema name.
pub fn pool(
    url: &str,
    options: &PgOptions,
    component: &str,
) -> Result<(Pool, tokio_postgres::Config)> {
    let mut config: tokio_postgres::Config = url.parse().map_err(|e| {
        Error::new(
            ErrorKind::Config,
            format!("{component}: the database URL is not a PostgreSQL URL (postgres://user:password@host:port/database): {e}"),
        )
    })?;
    if let Some(schema) = &options.schema {
        if !valid_schema(schema) {
            return Err(Error::new(
                ErrorKind::Config,
                format!(
                    "{component}: schema name {schema:?}: use lower-case letters, digits and _ (at most 48)"
                ),
            ));
        }
        config.options(format!("-c search_path={schema}"));
    }
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(Duration::from_secs(10));
    }
    let manager = Manager::from_config(
        config.clone(),
        NoTls,
        ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        },
    );
    let pool = Pool::builder(manager)
        .max_size(options.pool_size.unwrap_or(4).max(1))
        .build()
        .map_err(|e| Error::internal(format!("{component}: connection pool: {e}")))?;
    Ok((pool, config))
}

/// The server tests run against: `DATABASE_URL`, or `Ok(None)` when it is unset (the caller
/// skips, after this prints a notice naming `test`), except under CI (`CI=true`), where a
/// missing server is an error: the tests must run there (through `scripts/postgres.sh`).
///
/// # Errors
/// `Config` under CI without `DATABASE_URL`.
#[cfg(feature = "testing")]
pub fn test_database_url(test: &str) -> Result<Option<String>> {
    match std::env::var("DATABASE_URL") {
        Ok(u) if !u.is_empty() => Ok(Some(u)),
        _ => {
            let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
            if ci {
                return Err(Error::config(format!(
                    "DATABASE_URL is unset under CI, so the PostgreSQL tests of {test} cannot run: run them through `bash scripts/postgres.sh cargo test ...` (scripts/test.sh does)"
                )));
            }
            eprintln!(
                "skipped: DATABASE_URL is unset; `bash scripts/postgres.sh cargo test --workspace --all-features -- {test}` starts a throwaway PostgreSQL server"
            );
            Ok(None)
        }
    }
}

/// A server error as `component`'s error (see [`PgStore::err`]).
pub fn db_err(component: &str, e: tokio_postgres::Error) -> Error {
    let kind = if e.is_closed() || e.as_db_error().is_none() {
        ErrorKind::Transport
    } else {
        ErrorKind::Io
    };
    Error::new(kind, format!("{component} (PostgreSQL): {e}")).with_source(e)
}

/// No connection from the pool, with every cause (refused, timed out, authentication); none
/// holds the URL.
pub fn pool_err(component: &str, e: deadpool_postgres::PoolError) -> Error {
    let mut why = e.to_string();
    let mut cause = std::error::Error::source(&e);
    while let Some(c) = cause {
        let text = c.to_string();
        if !why.ends_with(&text) {
            why.push_str(&format!(": {text}"));
        }
        cause = c.source();
    }
    Error::new(
        ErrorKind::Transport,
        format!(
            "{component} (PostgreSQL): no connection: {why}; check that the server named by --database, DATABASE_URL or the config's `database` is running and reachable"
        ),
    )
}

/// Apply `component`'s pending `migrations` in one transaction, under an advisory lock; the
/// `ytempire_schema` table records how many ran per component.
///
/// # Errors
/// The server's; `Config` when the database is newer than this build.
pub async fn migrate(
    client: &mut deadpool_postgres::Object,
    schema: Option<&str>,
    component: &str,
    migrations: &[&str],
) -> Result<()> {
    let err = |e| db_err(component, e);
    let tx = client.transaction().await.map_err(err)?;
    tx.batch_execute("SELECT pg_advisory_xact_lock(7216307190)")
        .await
        .map_err(err)?;
    if let Some(schema) = schema {
        tx.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS \"{schema}\""))
            .await
            .map_err(err)?;
    }
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS ytempire_schema (component TEXT PRIMARY KEY, version INTEGER NOT NULL)",
    )
    .await
    .map_err(err)?;
    let version: i32 = tx
        .query_opt(
            "SELECT version FROM ytempire_schema WHERE component = $1",
            &[&component],
        )
        .await
        .map_err(err)?
        .map_or(Ok(0), |r| r.try_get(0))
        .map_err(err)?;
    let version = usize::try_from(version).unwrap_or(0);
    if version > migrations.len() {
        return Err(Error::new(
            ErrorKind::Config,
            format!(
                "the {component} database has schema version {version}, newer than this build knows ({}); upgrade ytempire",
                migrations.len()
            ),
        ));
    }
    for sql in &migrations[version..] {
        tx.batch_execute(sql).await.map_err(err)?;
    }
    let now = i32::try_from(migrations.len()).unwrap_or(i32::MAX);
    tx.execute(
        "INSERT INTO ytempire_schema (component, version) VALUES ($1, $2)
         ON CONFLICT (component) DO UPDATE SET version = EXCLUDED.version",
        &[&component, &now],
    )
    .await
    .map_err(err)?;
    tx.commit().await.map_err(err)
}

/// A [`PgStore`] for synchronous callers: its own small runtime runs the statements, and a
/// call blocks the calling thread until the answer (as a SQLite call would). Safe to call from
/// inside another Tokio runtime (the work runs on this one's thread, never `block_on`).
pub struct PgBlocking {
    store: PgStore,
    runtime: Option<tokio::runtime::Runtime>,
}

impl std::fmt::Debug for PgBlocking {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgBlocking")
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

impl PgBlocking {
    /// Connect as [`PgStore::connect`] does, from synchronous code.
    ///
    /// # Errors
    /// As [`PgStore::connect`]; `Internal` when the runtime cannot start.
    pub fn connect(
        url: &str,
        options: &PgOptions,
        component: &'static str,
        migrations: &'static [&'static str],
    ) -> Result<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name(format!("ytempire-pg-{component}"))
            .enable_all()
            .build()
            .map_err(|e| Error::internal(format!("{component}: starting its runtime: {e}")))?;
        let (url, options) = (url.to_string(), options.clone());
        let connected = run_on(&runtime, component, async move {
            PgStore::connect(&url, &options, component, migrations).await
        });
        let store = match connected {
            Ok(store) => store,
            Err(e) => {
                // As in `Drop`: a runtime dropped the plain way blocks, which panics when
                // the caller is itself on a runtime (an unreachable server did exactly that).
                runtime.shutdown_background();
                return Err(e);
            }
        };
        Ok(Self {
            store,
            runtime: Some(runtime),
        })
    }

    /// The pool (for async callers).
    pub fn store(&self) -> &PgStore {
        &self.store
    }

    /// Run `f` on this store's runtime and wait for its answer.
    ///
    /// # Errors
    /// `f`'s; `Internal` when the runtime is gone.
    pub fn call<T, F, Fut>(&self, f: F) -> Result<T>
    where
        F: FnOnce(PgStore) -> Fut,
        Fut: Future<Output = Result<T>> + Send + 'static,
        T: Send + 'static,
    {
        let runtime = self
            .runtime
            .as_ref()
            .ok_or_else(|| Error::internal(format!("{}: runtime stopped", self.store.component)))?;
        run_on(runtime, self.store.component, f(self.store.clone()))
    }

    /// Run `f` on this store's runtime without waiting (its error is logged).
    pub fn spawn<F, Fut>(&self, f: F)
    where
        F: FnOnce(PgStore) -> Fut,
        Fut: Future<Output = Result<()>> + Send + 'static,
    {
        if let Some(runtime) = &self.runtime {
            let component = self.store.component;
            let fut = f(self.store.clone());
            runtime.spawn(async move {
                if let Err(err) = fut.await {
                    tracing::warn!(%err, component, "background database update failed");
                }
            });
        }
    }
}

impl Drop for PgBlocking {
    fn drop(&mut self) {
        // Dropping a runtime blocks, which is refused inside another runtime: let it go.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

fn run_on<T: Send + 'static>(
    runtime: &tokio::runtime::Runtime,
    component: &str,
    fut: impl Future<Output = Result<T>> + Send + 'static,
) -> Result<T> {
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    runtime.spawn(async move {
        let _ = tx.send(fut.await);
    });
    rx.recv().map_err(|_| {
        Error::internal(format!(
            "{component}: the database task stopped without an answer"
        ))
    })?
}

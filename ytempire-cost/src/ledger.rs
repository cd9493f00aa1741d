//! The cost ledger: one priced row per provider attempt, persisted in SQLite or (feature
//! `postgres`) on a PostgreSQL server.
//!
//! [`CostLedger`] implements [`UsageSink`], so the core `Metered` decorator feeds it directly.
//! Every record is committed in its own transaction (SQLite: WAL, `synchronous=FULL`) before
//! [`UsageSink::record`] returns, so a crash loses nothing that was recorded. Aggregates are
//! summed with exact decimals; CSV and JSON exports carry every row. Both stores hold the same
//! rows, and everything above them (aggregates, exports, reports, budgets) is shared.
//!
//! ## Many processes, many machines
//!
//! Several processes may write one ledger: each row is its own insert, and the budgets
//! ([`crate::budget`]) read the spend of the job and of the provider's day from the store
//! before admitting a call, so a cap holds across every worker writing it. On one machine
//! that is one SQLite file; workers on several machines share a PostgreSQL server
//! ([`CostLedger::connect_postgres`], the database `ytempire queue work --database URL`
//! names), each keeping its rows in the `cost_attempts` table.
//!
//! ```no_run
//! use std::sync::Arc;
//! use ytempire_cost::{Catalog, CostLedger, GroupBy};
//!
//! let ledger = Arc::new(CostLedger::open("costs.sqlite", Catalog::embedded()?)?);
//! // ... hand `ledger.clone()` to `Metered` layers as their UsageSink ...
//! for row in ledger.aggregate(GroupBy::Stage)? {
//!     println!("{}: ${} over {} attempts", row.key, row.cost, row.attempts);
//! }
//! # Ok::<(), ytempire_core::Error>(())
//! ```

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::Path;
use std::sync::Mutex;
use ytempire_core::metering::{CapabilityKind, Outcome};
use ytempire_core::{Error, ErrorKind, Usage, UsageRecord, UsageSink};

use crate::budget::BudgetState;
use crate::catalog::{Catalog, Cost};

#[cfg(feature = "postgres")]
mod postgres;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    job TEXT,
    stage TEXT,
    capability TEXT NOT NULL,
    provider TEXT NOT NULL,
    model TEXT NOT NULL,
    usage_json TEXT NOT NULL,
    cost_usd TEXT,
    unpriced_reason TEXT,
    cached INTEGER NOT NULL,
    attempt INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    started_at TEXT NOT NULL,
    day TEXT NOT NULL,
    elapsed_ms INTEGER NOT NULL,
    catalog_version TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS attempts_job ON attempts(job);
CREATE INDEX IF NOT EXISTS attempts_provider_day ON attempts(provider, day);
CREATE TABLE IF NOT EXISTS budget_alerts (
    scope TEXT NOT NULL,
    percent INTEGER NOT NULL,
    PRIMARY KEY (scope, percent)
);
";

/// One recorded attempt with its price.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LedgerEntry {
    /// Row id (insertion order).
    pub id: i64,
    /// Job (video) id.
    pub job: Option<String>,
    /// Pipeline stage.
    pub stage: Option<String>,
    /// Which trait.
    pub capability: CapabilityKind,
    /// Provider id.
    pub provider: String,
    /// Model.
    pub model: String,
    /// What the attempt consumed.
    pub usage: Usage,
    /// Its price.
    pub cost: Cost,
    /// Served from cache (cost zero).
    pub cached: bool,
    /// 1-based attempt number.
    pub attempt: u32,
    /// Success or failure kind.
    pub outcome: Outcome,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// UTC day (`YYYY-MM-DD`).
    pub day: String,
    /// Duration in milliseconds.
    pub elapsed_ms: u64,
    /// Catalog version that priced it.
    pub catalog_version: String,
}

/// How to group [`CostLedger::aggregate`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GroupBy {
    /// Per job (video).
    Job,
    /// Per pipeline stage.
    Stage,
    /// Per provider.
    Provider,
    /// Per `provider/model`.
    Model,
    /// Per UTC day.
    Day,
}

/// Totals for one group.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Aggregate {
    /// The group key (`"(none)"` for a missing job or stage).
    pub key: String,
    /// Sum of priced attempts, USD.
    pub cost: Decimal,
    /// Attempts the catalog could not price (not included in `cost`).
    pub unpriced: u64,
    /// All attempts.
    pub attempts: u64,
    /// Failed attempts.
    pub failures: u64,
    /// Cache hits.
    pub cached: u64,
    /// Cost of failed attempts, USD (included in `cost`).
    pub failed_cost: Decimal,
}

/// Where the rows live.
#[derive(Debug)]
enum Store {
    Sqlite(Mutex<Connection>),
    #[cfg(feature = "postgres")]
    Postgres(postgres::PgLedger),
}

impl Store {
    /// The alerts no process sharing this store fired before (each claimed here, so it fires
    /// once across workers). When the store cannot say, all of them: an alert twice beats
    /// none.
    fn claim_alerts(&self, alerts: Vec<crate::budget::Alert>) -> Vec<crate::budget::Alert> {
        if alerts.is_empty() {
            return alerts;
        }
        let claimed = match self {
            Self::Sqlite(conn) => {
                let conn = conn.lock().unwrap_or_else(|p| p.into_inner());
                alerts
                    .iter()
                    .map(|a| {
                        conn.execute(
                            "INSERT OR IGNORE INTO budget_alerts (scope, percent) VALUES (?1, ?2)",
                            params![a.scope.to_string(), a.percent],
                        )
                        .map(|n| n == 1)
                        .map_err(db_err)
                    })
                    .collect::<Result<Vec<bool>, Error>>()
            }
            #[cfg(feature = "postgres")]
            Self::Postgres(pg) => pg.claim_alerts(&alerts),
        };
        match claimed {
            Ok(fresh) => alerts
                .into_iter()
                .zip(fresh)
                .filter_map(|(a, fresh)| fresh.then_some(a))
                .collect(),
            Err(err) => {
                tracing::warn!(%err, "budget alerts could not be claimed in the ledger; firing them here");
                alerts
            }
        }
    }

    /// Store `row` (its `id` ignored), first deleting the row `replaces`, in one transaction
    /// where the store has them; the new row's id.
    fn insert(&self, row: &RawRow, replaces: Option<i64>) -> Result<i64, Error> {
        match self {
            Self::Sqlite(conn) => {
                let conn = conn.lock().unwrap_or_else(|p| p.into_inner());
                if let Some(old) = replaces {
                    conn.execute("DELETE FROM attempts WHERE id = ?1", params![old])
                        .map_err(db_err)?;
                }
                conn.execute(
                    "INSERT INTO attempts (job, stage, capability, provider, model, usage_json,
                     cost_usd, unpriced_reason, cached, attempt, outcome, started_at, day,
                     elapsed_ms, catalog_version)
                     VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15)",
                    params![
                        row.job,
                        row.stage,
                        row.capability,
                        row.provider,
                        row.model,
                        row.usage_json,
                        row.cost_usd,
                        row.unpriced_reason,
                        row.cached,
                        row.attempt,
                        row.outcome,
                        row.started_at,
                        row.day,
                        row.elapsed_ms,
                        row.catalog_version,
                    ],
                )
                .map_err(db_err)?;
                Ok(conn.last_insert_rowid())
            }
            #[cfg(feature = "postgres")]
            Self::Postgres(pg) => pg.insert(row, replaces),
        }
    }

    /// Every row, in insertion order.
    fn rows(&self) -> Result<Vec<RawRow>, Error> {
        match self {
            Self::Sqlite(conn) => {
                let conn = conn.lock().unwrap_or_else(|p| p.into_inner());
                let mut stmt = conn
                    .prepare(&format!("SELECT {COLUMNS} FROM attempts ORDER BY id"))
                    .map_err(db_err)?;
                let rows = stmt
                    .query_map([], |r| {
                        Ok(RawRow {
                            id: r.get(0)?,
                            job: r.get(1)?,
                            stage: r.get(2)?,
                            capability: r.get(3)?,
                            provider: r.get(4)?,
                            model: r.get(5)?,
                            usage_json: r.get(6)?,
                            cost_usd: r.get(7)?,
                            unpriced_reason: r.get(8)?,
                            cached: r.get(9)?,
                            attempt: r.get(10)?,
                            outcome: r.get(11)?,
                            started_at: r.get(12)?,
                            day: r.get(13)?,
                            elapsed_ms: r.get(14)?,
                            catalog_version: r.get(15)?,
                        })
                    })
                    .map_err(db_err)?;
                rows.map(|r| r.map_err(db_err)).collect()
            }
            #[cfg(feature = "postgres")]
            Self::Postgres(pg) => pg.rows(),
        }
    }

    /// Priced spend recorded by every process: of `job`, and of a provider on a day (each
    /// when given).
    fn spend(&self, job: Option<&str>, provider_day: Option<(&str, &str)>) -> Result<Spend, Error> {
        match self {
            Self::Sqlite(conn) => {
                let conn = conn.lock().unwrap_or_else(|p| p.into_inner());
                let sum = |sql: &str, args: &[&dyn rusqlite::ToSql]| -> Result<Decimal, Error> {
                    let mut stmt = conn.prepare_cached(sql).map_err(db_err)?;
                    let costs = stmt
                        .query_map(args, |r| r.get::<_, String>(0))
                        .map_err(db_err)?;
                    let mut total = Decimal::ZERO;
                    for cost in costs {
                        let cost = cost.map_err(db_err)?;
                        total += cost.parse::<Decimal>().map_err(|e| {
                            Error::new(
                                ErrorKind::Internal,
                                format!("cost ledger: a damaged cost {cost:?}: {e}"),
                            )
                        })?;
                    }
                    Ok(total)
                };
                let job_spend = match job {
                    Some(job) => Some(sum(
                        "SELECT cost_usd FROM attempts WHERE job = ?1 AND cost_usd IS NOT NULL",
                        &[&job],
                    )?),
                    None => None,
                };
                let day_spend = match provider_day {
                    Some((provider, day)) => Some(sum(
                        "SELECT cost_usd FROM attempts WHERE provider = ?1 AND day = ?2 AND cost_usd IS NOT NULL",
                        &[&provider, &day],
                    )?),
                    None => None,
                };
                Ok((job_spend, day_spend))
            }
            #[cfg(feature = "postgres")]
            Self::Postgres(pg) => pg.spend(job, provider_day),
        }
    }
}

/// Spend of a job and of a provider's day, each when asked for.
type Spend = (Option<Decimal>, Option<Decimal>);

/// The columns of a row, in [`RawRow`]'s order.
const COLUMNS: &str = "id, job, stage, capability, provider, model, usage_json, cost_usd,
    unpriced_reason, cached, attempt, outcome, started_at, day, elapsed_ms, catalog_version";

/// The cost ledger (SQLite, or PostgreSQL with the `postgres` feature). See the
/// [module docs](self).
#[derive(Debug)]
pub struct CostLedger {
    store: Store,
    catalog: Catalog,
    pub(crate) budgets: BudgetState,
    /// Rows stored by [`UsageSink::started`] for attempts not yet finished, by attempt key.
    in_flight: Mutex<HashMap<String, i64>>,
}

/// What identifies one attempt between [`UsageSink::started`] and [`UsageSink::record`].
fn attempt_key(record: &UsageRecord) -> String {
    format!(
        "{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}",
        record.labels.job.as_deref().unwrap_or(""),
        record.labels.stage.as_deref().unwrap_or(""),
        record.provider,
        record.model,
        record.attempt,
        record
            .started_at
            .to_rfc3339_opts(chrono::SecondsFormat::Nanos, true),
    )
}

fn db_err(e: rusqlite::Error) -> Error {
    Error::new(ErrorKind::Io, format!("cost ledger: {e}"))
}

/// Settings every SQLite store of this crate uses (write-ahead log, full sync, a 5 s wait on
/// a busy file), then `schema`.
pub(crate) fn prepare_sqlite(conn: &Connection, schema: &str) -> rusqlite::Result<()> {
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.execute_batch(schema)
}

fn enum_str<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

impl CostLedger {
    /// Open (or create) the ledger database at `path`.
    ///
    /// # Errors
    /// [`ErrorKind::Io`] when the database cannot be opened or migrated.
    pub fn open(path: impl AsRef<Path>, catalog: Catalog) -> Result<Self, Error> {
        let conn = Connection::open(path).map_err(db_err)?;
        Self::with_connection(conn, catalog)
    }

    /// A ledger in memory (tests, dry runs).
    ///
    /// # Errors
    /// [`ErrorKind::Io`] when SQLite fails.
    pub fn in_memory(catalog: Catalog) -> Result<Self, Error> {
        Self::with_connection(Connection::open_in_memory().map_err(db_err)?, catalog)
    }

    fn with_connection(conn: Connection, catalog: Catalog) -> Result<Self, Error> {
        prepare_sqlite(&conn, SCHEMA).map_err(db_err)?;
        Self::with_store(Store::Sqlite(Mutex::new(conn)), catalog)
    }

    fn with_store(store: Store, catalog: Catalog) -> Result<Self, Error> {
        let ledger = Self {
            store,
            catalog,
            budgets: BudgetState::default(),
            in_flight: Mutex::new(HashMap::new()),
        };
        ledger.budgets.set_loading(true);
        for entry in ledger.entries()? {
            ledger.budgets.add_spend(&entry);
        }
        ledger.budgets.set_loading(false);
        Ok(ledger)
    }

    /// The catalog pricing new records.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// Price and persist one record; returns the stored entry.
    ///
    /// # Errors
    /// [`ErrorKind::Io`] when the row cannot be committed.
    pub fn try_record(&self, record: &UsageRecord) -> Result<LedgerEntry, Error> {
        let cost = self
            .catalog
            .price(&record.provider, &record.model, &record.usage);
        let day = record.started_at.format("%Y-%m-%d").to_string();
        let usage_json = serde_json::to_string(&record.usage)
            .map_err(|e| Error::new(ErrorKind::Internal, e.to_string()))?;
        let outcome_json = serde_json::to_string(&record.outcome)
            .map_err(|e| Error::new(ErrorKind::Internal, e.to_string()))?;
        let elapsed_ms = u64::try_from(record.elapsed.as_millis()).unwrap_or(u64::MAX);
        let (cost_usd, unpriced_reason) = match &cost {
            Cost::Priced(d) => (Some(d.to_string()), None),
            Cost::Unpriced { reason } => (None, Some(reason.clone())),
        };
        let announced = self
            .in_flight
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&attempt_key(record));
        let row = RawRow {
            id: 0,
            job: record.labels.job.clone(),
            stage: record.labels.stage.clone(),
            capability: enum_str(&record.capability),
            provider: record.provider.clone(),
            model: record.model.clone(),
            usage_json,
            cost_usd,
            unpriced_reason,
            cached: record.usage.cached,
            attempt: record.attempt,
            outcome: outcome_json,
            started_at: record.started_at.to_rfc3339(),
            day: day.clone(),
            elapsed_ms: i64::try_from(elapsed_ms).unwrap_or(i64::MAX),
            catalog_version: self.catalog.version().to_owned(),
        };
        // A finished attempt's placeholder (from `started`) gives way to the real record.
        let id = self.store.insert(&row, announced)?;
        let entry = LedgerEntry {
            id,
            job: record.labels.job.clone(),
            stage: record.labels.stage.clone(),
            capability: record.capability,
            provider: record.provider.clone(),
            model: record.model.clone(),
            usage: record.usage.clone(),
            cost,
            cached: record.usage.cached,
            attempt: record.attempt,
            outcome: record.outcome,
            started_at: record.started_at,
            day,
            elapsed_ms,
            catalog_version: self.catalog.version().to_owned(),
        };
        if let Cost::Unpriced { reason } = &entry.cost {
            tracing::warn!(provider = %entry.provider, model = %entry.model, %reason, "unpriced attempt");
        }
        let alerts = self.budgets.add_spend(&entry);
        self.budgets.fire(self.store.claim_alerts(alerts));
        Ok(entry)
    }

    /// Every entry, in insertion order.
    ///
    /// # Errors
    /// [`ErrorKind::Io`] on database failure, [`ErrorKind::Internal`] on a corrupt row.
    pub fn entries(&self) -> Result<Vec<LedgerEntry>, Error> {
        self.store
            .rows()?
            .into_iter()
            .map(RawRow::into_entry)
            .collect()
    }

    /// Totals grouped by `by`, sorted by cost, highest first.
    ///
    /// # Errors
    /// As [`CostLedger::entries`].
    pub fn aggregate(&self, by: GroupBy) -> Result<Vec<Aggregate>, Error> {
        Ok(aggregate(&self.entries()?, by))
    }

    /// Sum of all priced attempts, USD.
    ///
    /// # Errors
    /// As [`CostLedger::entries`].
    pub fn total(&self) -> Result<Decimal, Error> {
        Ok(self.entries()?.iter().filter_map(|e| e.cost.usd()).sum())
    }

    /// Priced spend of one job so far, by every process writing this ledger (the running
    /// totals, refreshed from the store).
    pub fn job_spend(&self, job: &str) -> Decimal {
        self.refresh_spend(Some(job), None);
        self.budgets.job_spend(job)
    }

    /// Priced spend of one provider on one UTC day (`YYYY-MM-DD`), by every process writing
    /// this ledger.
    pub fn provider_day_spend(&self, provider: &str, day: &str) -> Decimal {
        self.refresh_spend(None, Some((provider, day)));
        self.budgets.provider_day_spend(provider, day)
    }

    /// Bring the running totals of `job` and of a provider's day up to what the store holds,
    /// so spend recorded by other processes counts; on a store error the totals stay as they
    /// are (and the error is logged).
    pub(crate) fn refresh_spend(&self, job: Option<&str>, provider_day: Option<(&str, &str)>) {
        match self.store.spend(job, provider_day) {
            Ok((job_spend, day_spend)) => {
                self.budgets
                    .set_spend(job.zip(job_spend), provider_day.zip(day_spend));
            }
            Err(err) => {
                tracing::warn!(%err, "cost ledger: could not read other processes' spend; budgets use this process's totals");
            }
        }
    }

    /// Write every entry as CSV (header row first).
    ///
    /// # Errors
    /// [`ErrorKind::Io`] when writing fails.
    pub fn export_csv<W: Write>(&self, out: W) -> Result<(), Error> {
        let io = |e: csv::Error| Error::new(ErrorKind::Io, format!("csv export: {e}"));
        let mut w = csv::Writer::from_writer(out);
        w.write_record([
            "id",
            "job",
            "stage",
            "capability",
            "provider",
            "model",
            "input_tokens",
            "cached_input_tokens",
            "output_tokens",
            "characters",
            "images",
            "quota_units",
            "cost_usd",
            "unpriced_reason",
            "cached",
            "attempt",
            "outcome",
            "started_at",
            "day",
            "elapsed_ms",
        ])
        .map_err(io)?;
        for e in self.entries()? {
            let (cost, reason) = match &e.cost {
                Cost::Priced(d) => (d.to_string(), String::new()),
                Cost::Unpriced { reason } => (String::new(), reason.clone()),
            };
            let outcome = match e.outcome {
                Outcome::Success => "success".to_owned(),
                Outcome::Failure(kind) => format!("failure:{kind}"),
            };
            w.write_record([
                e.id.to_string(),
                e.job.unwrap_or_default(),
                e.stage.unwrap_or_default(),
                enum_str(&e.capability),
                e.provider,
                e.model,
                e.usage.input_tokens.to_string(),
                e.usage.cached_input_tokens.to_string(),
                e.usage.output_tokens.to_string(),
                e.usage.characters.to_string(),
                e.usage.images.to_string(),
                e.usage.quota_units.to_string(),
                cost,
                reason,
                e.cached.to_string(),
                e.attempt.to_string(),
                outcome,
                e.started_at.to_rfc3339(),
                e.day,
                e.elapsed_ms.to_string(),
            ])
            .map_err(io)?;
        }
        w.flush()
            .map_err(|e| Error::new(ErrorKind::Io, format!("csv export: {e}")))
    }

    /// Write every entry as a JSON array.
    ///
    /// # Errors
    /// [`ErrorKind::Io`] when writing fails.
    pub fn export_json<W: Write>(&self, out: W) -> Result<(), Error> {
        serde_json::to_writer_pretty(out, &self.entries()?)
            .map_err(|e| Error::new(ErrorKind::Io, format!("json export: {e}")))
    }
}

impl UsageSink for CostLedger {
    /// Price and persist the attempt; its priced cost also grows the
    /// `ytempire_provider_cost_usd` gauge ([`ytempire_core::telemetry`]).
    fn record(&self, record: UsageRecord) {
        match self.try_record(&record) {
            Ok(entry) => {
                if let Some(usd) = entry.cost.usd() {
                    metrics::gauge!(
                        ytempire_core::telemetry::PROVIDER_COST_USD,
                        "provider" => entry.provider.clone(),
                        "capability" => ytempire_core::telemetry::capability_label(entry.capability),
                        "model" => entry.model.clone(),
                    )
                    .increment(crate::budget::decimal_f64(usd));
                }
            }
            Err(err) => {
                tracing::error!(%err, provider = %record.provider, "cost ledger could not record an attempt");
            }
        }
    }

    /// Store the attempt at once as cancelled with no usage, so a paid request the process
    /// dies in still shows (the report counts it as a cancelled attempt); the attempt's
    /// `record` replaces the row.
    fn started(&self, record: &UsageRecord) {
        match self.try_record(record) {
            Ok(entry) => {
                self.in_flight
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(attempt_key(record), entry.id);
            }
            Err(err) => {
                tracing::error!(%err, provider = %record.provider, "cost ledger could not record an attempt's start");
            }
        }
    }
}

/// Group `entries` by `by` (see [`CostLedger::aggregate`]).
pub fn aggregate(entries: &[LedgerEntry], by: GroupBy) -> Vec<Aggregate> {
    let mut groups: BTreeMap<String, Aggregate> = BTreeMap::new();
    for e in entries {
        let key = match by {
            GroupBy::Job => e.job.clone().unwrap_or_else(|| "(none)".into()),
            GroupBy::Stage => e.stage.clone().unwrap_or_else(|| "(none)".into()),
            GroupBy::Provider => e.provider.clone(),
            GroupBy::Model => format!("{}/{}", e.provider, e.model),
            GroupBy::Day => e.day.clone(),
        };
        let g = groups.entry(key.clone()).or_insert_with(|| Aggregate {
            key,
            cost: Decimal::ZERO,
            unpriced: 0,
            attempts: 0,
            failures: 0,
            cached: 0,
            failed_cost: Decimal::ZERO,
        });
        g.attempts += 1;
        let failed = matches!(e.outcome, Outcome::Failure(_));
        g.failures += u64::from(failed);
        g.cached += u64::from(e.cached);
        match e.cost.usd() {
            Some(c) => {
                g.cost += c;
                if failed {
                    g.failed_cost += c;
                }
            }
            None => g.unpriced += 1,
        }
    }
    let mut out: Vec<Aggregate> = groups.into_values().collect();
    if by != GroupBy::Day {
        out.sort_by(|a, b| b.cost.cmp(&a.cost).then_with(|| a.key.cmp(&b.key)));
    }
    out
}

/// One row as stored.
#[derive(Debug, Clone)]
struct RawRow {
    id: i64,
    job: Option<String>,
    stage: Option<String>,
    capability: String,
    provider: String,
    model: String,
    usage_json: String,
    cost_usd: Option<String>,
    unpriced_reason: Option<String>,
    cached: bool,
    attempt: u32,
    outcome: String,
    started_at: String,
    day: String,
    elapsed_ms: i64,
    catalog_version: String,
}

impl RawRow {
    fn into_entry(self) -> Result<LedgerEntry, Error> {
        let bad = |what: &str, e: &dyn std::fmt::Display| {
            Error::new(
                ErrorKind::Internal,
                format!("cost ledger row {}: {what}: {e}", self.id),
            )
        };
        let capability = serde_json::from_value(serde_json::Value::String(self.capability.clone()))
            .map_err(|e| bad("capability", &e))?;
        let usage = serde_json::from_str(&self.usage_json).map_err(|e| bad("usage", &e))?;
        let outcome = serde_json::from_str(&self.outcome).map_err(|e| bad("outcome", &e))?;
        let cost = match &self.cost_usd {
            Some(s) => Cost::Priced(s.parse().map_err(|e| bad("cost", &e))?),
            None => Cost::Unpriced {
                reason: self.unpriced_reason.clone().unwrap_or_default(),
            },
        };
        let started_at = DateTime::parse_from_rfc3339(&self.started_at)
            .map_err(|e| bad("started_at", &e))?
            .with_timezone(&Utc);
        Ok(LedgerEntry {
            id: self.id,
            job: self.job,
            stage: self.stage,
            capability,
            provider: self.provider,
            model: self.model,
            usage,
            cost,
            cached: self.cached,
            attempt: self.attempt,
            outcome,
            started_at,
            day: self.day,
            elapsed_ms: u64::try_from(self.elapsed_ms).unwrap_or(0),
            catalog_version: self.catalog_version,
        })
    }
}

//! The cost ledger's rows on a PostgreSQL server (feature `postgres`): the `cost_attempts`
//! table, shared by every worker that names the server, on any machine.
//!
//! Rows are the SQLite ledger's, column for column (costs as exact `NUMERIC`), so the
//! aggregates, exports, reports and budgets above them are the same code. Each record is one
//! transaction (its placeholder's delete and the insert together).
//!
//! Budgets hold across workers: admitting a call is one transaction that takes an advisory
//! lock per budget (the job's, the provider's day), sums the spend recorded by every worker
//! and the estimates of their calls in flight (`cost_reservations`), and, when the call fits,
//! holds its estimate there until it is answered. Each ledger handle renews its holds every
//! 30 s while it lives, so a worker killed mid-call leaves holds that lapse within 90 s
//! ([`CostLedger::with_hold_lease`]) rather than blocking the budget for long.
//!
//! ```no_run
//! use ytempire_core::pg::PgOptions;
//! use ytempire_cost::{Catalog, CostLedger, GroupBy};
//!
//! let ledger = CostLedger::connect_postgres(
//!     "postgres://ytempire@db.internal/ytempire",
//!     &PgOptions::default(),
//!     Catalog::embedded()?,
//! )?;
//! for row in ledger.aggregate(GroupBy::Provider)? {
//!     println!("{}: ${}", row.key, row.cost);
//! }
//! # Ok::<(), ytempire_core::Error>(())
//! ```

use rust_decimal::Decimal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;
use ytempire_core::pg::tokio_postgres::Row;
use ytempire_core::pg::{PgBlocking, PgOptions, PgStore};
use ytempire_core::{Error, ErrorKind};

use super::{COLUMNS, CostLedger, RawRow, Spend, Store};
use crate::budget::Reservation;
use crate::catalog::Catalog;

/// Schema migrations of the `cost_ledger` component, in order.
const MIGRATIONS: &[&str] = &[
    "CREATE TABLE cost_attempts (
       id BIGSERIAL PRIMARY KEY,
       job TEXT,
       stage TEXT,
       capability TEXT NOT NULL,
       provider TEXT NOT NULL,
       model TEXT NOT NULL,
       usage_json TEXT NOT NULL,
       cost_usd NUMERIC,
       unpriced_reason TEXT,
       cached BOOLEAN NOT NULL,
       attempt INTEGER NOT NULL,
       outcome TEXT NOT NULL,
       started_at TEXT NOT NULL,
       day TEXT NOT NULL,
       elapsed_ms BIGINT NOT NULL,
       catalog_version TEXT NOT NULL
     );
     CREATE INDEX cost_attempts_job ON cost_attempts (job);
     CREATE INDEX cost_attempts_provider_day ON cost_attempts (provider, day);
     CREATE TABLE cost_reservations (
       id BIGSERIAL PRIMARY KEY,
       job TEXT,
       provider TEXT NOT NULL,
       day TEXT NOT NULL,
       amount NUMERIC NOT NULL,
       expires_at TIMESTAMPTZ NOT NULL
     );
     CREATE INDEX cost_reservations_job ON cost_reservations (job);
     CREATE INDEX cost_reservations_provider_day ON cost_reservations (provider, day);",
    "CREATE TABLE cost_alerts (
       scope TEXT NOT NULL,
       percent INTEGER NOT NULL,
       fired_at TIMESTAMPTZ NOT NULL DEFAULT now(),
       PRIMARY KEY (scope, percent)
     );",
    "ALTER TABLE cost_reservations ADD COLUMN owner TEXT;
     CREATE INDEX cost_reservations_owner ON cost_reservations (owner);",
];

/// How long a call's hold lasts unless its ledger handle renews it (it does every third of
/// this while it lives): a killed worker's holds lapse after this.
const HOLD_LEASE: Duration = Duration::from_secs(90);

/// The rows on the server.
#[derive(Debug)]
pub(super) struct PgLedger {
    /// Shared with the releases of the holds in flight.
    db: Arc<PgBlocking>,
    /// This handle's mark on its holds (a random UUID from the server).
    owner: String,
    /// How long a hold lasts unrenewed, in milliseconds (shared with the renewal task).
    lease_ms: Arc<AtomicU64>,
    /// Cleared when the handle goes, which ends the renewal task.
    alive: Arc<AtomicBool>,
}

impl Drop for PgLedger {
    fn drop(&mut self) {
        self.alive.store(false, Ordering::SeqCst);
    }
}

impl PgLedger {
    /// Connect, take an owner id and start renewing this handle's holds.
    fn connect(url: &str, options: &PgOptions) -> Result<Self, Error> {
        let db = Arc::new(PgBlocking::connect(
            url,
            options,
            "cost ledger",
            MIGRATIONS,
        )?);
        let owner: String = db.call(|db| async move {
            let client = db.client().await?;
            let row = client
                .query_one("SELECT gen_random_uuid()::text", &[])
                .await
                .map_err(|e| db.err(e))?;
            row.try_get(0).map_err(|e| db.err(e))
        })?;
        let ledger = Self {
            db,
            owner,
            lease_ms: Arc::new(AtomicU64::new(millis(HOLD_LEASE))),
            alive: Arc::new(AtomicBool::new(true)),
        };
        ledger.renew_holds();
        Ok(ledger)
    }

    /// The lease as the server's `make_interval(secs => …)` takes it.
    fn lease_secs(&self) -> f64 {
        self.lease_ms.load(Ordering::SeqCst) as f64 / 1000.0
    }

    /// Every third of the lease, push this handle's holds' expiry a lease ahead, until the
    /// handle is dropped.
    fn renew_holds(&self) {
        let (owner, lease_ms, alive) = (
            self.owner.clone(),
            Arc::clone(&self.lease_ms),
            Arc::clone(&self.alive),
        );
        self.db.spawn(move |db| async move {
            // Short ticks, so a lease changed after the start is followed at once.
            let mut last = tokio::time::Instant::now();
            loop {
                tokio::time::sleep(Duration::from_millis(100)).await;
                if !alive.load(Ordering::SeqCst) {
                    return Ok(());
                }
                let lease = Duration::from_millis(lease_ms.load(Ordering::SeqCst));
                if last.elapsed() < lease / 3 {
                    continue;
                }
                last = tokio::time::Instant::now();
                let secs = lease.as_secs_f64();
                let renewed = async {
                    let client = db.client().await?;
                    client
                        .execute(
                            "UPDATE cost_reservations
                             SET expires_at = now() + make_interval(secs => $2)
                             WHERE owner = $1",
                            &[&owner, &secs],
                        )
                        .await
                        .map_err(|e| db.err(e))
                }
                .await;
                if let Err(err) = renewed {
                    tracing::warn!(%err, "cost ledger: could not renew this worker's budget holds");
                }
            }
        });
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl CostLedger {
    /// Open the ledger on the PostgreSQL server at `url`
    /// (`postgres://user:password@host:port/database`), creating its table when missing; every
    /// process (on any machine) that opens the same server and schema shares the books and
    /// the budgets. See the [module docs](super).
    ///
    /// Callable from synchronous code and from inside a Tokio runtime alike: the ledger runs
    /// its statements on a small runtime of its own.
    ///
    /// # Errors
    /// `Config` for a malformed URL or schema name; `Transport` when the server cannot be
    /// reached; `Io` when the table cannot be created.
    pub fn connect_postgres(
        url: &str,
        options: &PgOptions,
        catalog: Catalog,
    ) -> Result<Self, Error> {
        Self::with_store(Store::Postgres(PgLedger::connect(url, options)?), catalog)
    }

    /// How long a call's budget hold on a PostgreSQL ledger lasts unless this handle renews
    /// it (default 90 s; renewed every third of it while the handle lives): the most a worker
    /// killed mid-call keeps its calls' estimates counted against the budgets. No effect on a
    /// SQLite ledger, whose holds live in the process.
    #[must_use]
    pub fn with_hold_lease(self, lease: Duration) -> Self {
        if let Store::Postgres(pg) = &self.store {
            pg.lease_ms.store(
                millis(lease.max(Duration::from_millis(300))),
                Ordering::SeqCst,
            );
        }
        self
    }

    /// On a shared server: admit a call estimated at `estimate` against the spend and the
    /// holds of every worker, holding it on the server until the reservation is dropped (see
    /// the [module docs](super)). `None` for a SQLite ledger.
    pub(crate) fn admit_shared(
        &self,
        job: Option<&str>,
        provider: &str,
        day: &str,
        estimate: Decimal,
    ) -> Option<Result<Reservation, Error>> {
        let Store::Postgres(pg) = &self.store else {
            return None;
        };
        let budgets = self.budgets.clone();
        let (job, provider, day) = (job.map(str::to_owned), provider.to_owned(), day.to_owned());
        let (owner, lease) = (pg.owner.clone(), pg.lease_secs());
        let admitted = pg.db.call(move |db| async move {
            let err = |e| db.err(e);
            let mut client = db.client().await?;
            let tx = client.transaction().await.map_err(err)?;
            // One admission at a time per budget, always locked in this order.
            let mut locks = vec![format!("ytempire-budget-day:{provider}:{day}")];
            if let Some(job) = &job {
                locks.insert(0, format!("ytempire-budget-job:{job}"));
            }
            for lock in &locks {
                tx.execute("SELECT pg_advisory_xact_lock(hashtext($1))", &[lock])
                    .await
                    .map_err(err)?;
            }
            tx.execute("DELETE FROM cost_reservations WHERE expires_at < now()", &[])
                .await
                .map_err(err)?;
            let row = tx
                .query_one(
                    "SELECT
                       (SELECT COALESCE(SUM(cost_usd), 0)::text FROM cost_attempts WHERE job = $1),
                       (SELECT COALESCE(SUM(amount), 0)::text FROM cost_reservations WHERE job = $1),
                       (SELECT COALESCE(SUM(cost_usd), 0)::text FROM cost_attempts
                          WHERE provider = $2 AND day = $3),
                       (SELECT COALESCE(SUM(amount), 0)::text FROM cost_reservations
                          WHERE provider = $2 AND day = $3)",
                    &[&job.as_deref().unwrap_or(""), &provider, &day],
                )
                .await
                .map_err(err)?;
            let sums = [0, 1, 2, 3].map(|i| text_decimal(&db, &row, i));
            let [job_spent, job_held, day_spent, day_held] = sums;
            let (job_spent, job_held) = (job_spent?, job_held?);
            let (day_spent, day_held) = (day_spent?, day_held?);
            budgets.set_spend(
                job.as_deref().map(|j| (j, job_spent)),
                Some(((provider.as_str(), day.as_str()), day_spent)),
            );
            let held = (
                if job.is_some() { job_held } else { Decimal::ZERO },
                day_held,
            );
            let reservation = budgets.reserve(job.as_deref(), &provider, estimate, Some(held))?;
            let id: i64 = tx
                .query_one(
                    "INSERT INTO cost_reservations (job, provider, day, amount, expires_at, owner)
                     VALUES ($1, $2, $3, CAST($4::text AS NUMERIC),
                             now() + make_interval(secs => $5), $6)
                     RETURNING id",
                    &[&job, &provider, &day, &estimate.to_string(), &lease, &owner],
                )
                .await
                .map_err(err)?
                .try_get(0)
                .map_err(err)?;
            tx.commit().await.map_err(err)?;
            Ok((reservation, id))
        });
        let db = Arc::clone(&pg.db);
        Some(admitted.map(|(reservation, id)| {
            reservation.on_release(move || {
                // Released before the next admission anywhere can count it.
                let released = db.call(move |db| async move {
                    let client = db.client().await?;
                    client
                        .execute("DELETE FROM cost_reservations WHERE id = $1", &[&id])
                        .await
                        .map_err(|e| db.err(e))?;
                    Ok(())
                });
                if let Err(err) = released {
                    tracing::warn!(%err, "cost ledger: a call's budget hold stays until it lapses");
                }
            })
        }))
    }
}

fn text_decimal(db: &PgStore, row: &Row, i: usize) -> Result<Decimal, Error> {
    let text: String = row.try_get(i).map_err(|e| db.err(e))?;
    text.parse().map_err(|e| {
        Error::new(
            ErrorKind::Internal,
            format!("cost ledger (PostgreSQL): a damaged sum {text:?}: {e}"),
        )
    })
}

impl PgLedger {
    pub(super) fn insert(&self, row: &RawRow, replaces: Option<i64>) -> Result<i64, Error> {
        let row = row.clone();
        self.db.call(move |db| async move {
            let err = |e| db.err(e);
            let mut client = db.client().await?;
            let tx = client.transaction().await.map_err(err)?;
            if let Some(old) = replaces {
                tx.execute("DELETE FROM cost_attempts WHERE id = $1", &[&old])
                    .await
                    .map_err(err)?;
            }
            let attempt = i32::try_from(row.attempt).unwrap_or(i32::MAX);
            let id: i64 = tx
                .query_one(
                    "INSERT INTO cost_attempts (job, stage, capability, provider, model,
                     usage_json, cost_usd, unpriced_reason, cached, attempt, outcome, started_at,
                     day, elapsed_ms, catalog_version)
                     VALUES ($1,$2,$3,$4,$5,$6,CAST($7::text AS NUMERIC),$8,$9,$10,$11,$12,$13,$14,$15)
                     RETURNING id",
                    &[
                        &row.job,
                        &row.stage,
                        &row.capability,
                        &row.provider,
                        &row.model,
                        &row.usage_json,
                        &row.cost_usd,
                        &row.unpriced_reason,
                        &row.cached,
                        &attempt,
                        &row.outcome,
                        &row.started_at,
                        &row.day,
                        &row.elapsed_ms,
                        &row.catalog_version,
                    ],
                )
                .await
                .map_err(err)?
                .try_get(0)
                .map_err(err)?;
            tx.commit().await.map_err(err)?;
            Ok(id)
        })
    }

    pub(super) fn rows(&self) -> Result<Vec<RawRow>, Error> {
        self.db.call(|db| async move {
            let err = |e| db.err(e);
            let client = db.client().await?;
            // The cost as text keeps its exact digits.
            let columns = COLUMNS.replace("cost_usd", "cost_usd::text");
            let rows = client
                .query(
                    &format!("SELECT {columns} FROM cost_attempts ORDER BY id"),
                    &[],
                )
                .await
                .map_err(err)?;
            rows.iter()
                .map(|r| {
                    let attempt: i32 = r.try_get(10).map_err(err)?;
                    Ok(RawRow {
                        id: r.try_get(0).map_err(err)?,
                        job: r.try_get(1).map_err(err)?,
                        stage: r.try_get(2).map_err(err)?,
                        capability: r.try_get(3).map_err(err)?,
                        provider: r.try_get(4).map_err(err)?,
                        model: r.try_get(5).map_err(err)?,
                        usage_json: r.try_get(6).map_err(err)?,
                        cost_usd: r.try_get(7).map_err(err)?,
                        unpriced_reason: r.try_get(8).map_err(err)?,
                        cached: r.try_get(9).map_err(err)?,
                        attempt: u32::try_from(attempt).unwrap_or(0),
                        outcome: r.try_get(11).map_err(err)?,
                        started_at: r.try_get(12).map_err(err)?,
                        day: r.try_get(13).map_err(err)?,
                        elapsed_ms: r.try_get(14).map_err(err)?,
                        catalog_version: r.try_get(15).map_err(err)?,
                    })
                })
                .collect()
        })
    }

    /// For each alert, whether this call claimed it (no process fired it before).
    pub(super) fn claim_alerts(&self, alerts: &[crate::budget::Alert]) -> Result<Vec<bool>, Error> {
        let keys: Vec<(String, i32)> = alerts
            .iter()
            .map(|a| (a.scope.to_string(), i32::from(a.percent)))
            .collect();
        self.db.call(move |db| async move {
            let client = db.client().await?;
            let mut fresh = Vec::with_capacity(keys.len());
            for (scope, percent) in &keys {
                let n = client
                    .execute(
                        "INSERT INTO cost_alerts (scope, percent) VALUES ($1, $2)
                         ON CONFLICT DO NOTHING",
                        &[scope, percent],
                    )
                    .await
                    .map_err(|e| db.err(e))?;
                fresh.push(n == 1);
            }
            Ok(fresh)
        })
    }

    pub(super) fn spend(
        &self,
        job: Option<&str>,
        provider_day: Option<(&str, &str)>,
    ) -> Result<Spend, Error> {
        let job = job.map(str::to_owned);
        let provider_day = provider_day.map(|(p, d)| (p.to_owned(), d.to_owned()));
        self.db.call(move |db| async move {
            let client = db.client().await?;
            // One statement: both sums from one snapshot.
            let row = client
                .query_one(
                    "SELECT
                       (SELECT COALESCE(SUM(cost_usd), 0)::text FROM cost_attempts WHERE job = $1),
                       (SELECT COALESCE(SUM(cost_usd), 0)::text FROM cost_attempts
                          WHERE provider = $2 AND day = $3)",
                    &[
                        &job.as_deref().unwrap_or(""),
                        &provider_day.as_ref().map_or("", |(p, _)| p.as_str()),
                        &provider_day.as_ref().map_or("", |(_, d)| d.as_str()),
                    ],
                )
                .await
                .map_err(|e| db.err(e))?;
            let job_spend = match job {
                Some(_) => Some(text_decimal(&db, &row, 0)?),
                None => None,
            };
            let day_spend = match provider_day {
                Some(_) => Some(text_decimal(&db, &row, 1)?),
                None => None,
            };
            Ok((job_spend, day_spend))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{BudgetConfig, Catalog};

    // Renewed every second: a stall of up to 2 s on a busy machine does not lose a live hold.
    const LEASE: Duration = Duration::from_secs(3);

    fn ledger(url: &str, schema: &str) -> CostLedger {
        let options = PgOptions::default().with_schema(schema);
        let budgets = BudgetConfig::default().with_per_job(Some(Decimal::new(15, 3)));
        CostLedger::connect_postgres(url, &options, Catalog::embedded().unwrap())
            .unwrap()
            .with_budgets(budgets)
            .with_hold_lease(LEASE)
    }

    /// Admit a $0.01 call of job `j` today; `Ok(None)` is not expected (a PostgreSQL ledger).
    fn admit(ledger: &CostLedger) -> Result<Reservation, Error> {
        let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
        ledger
            .admit_shared(Some("j"), "openai", &today, Decimal::new(1, 2))
            .unwrap()
    }

    #[test]
    fn a_live_workers_holds_are_renewed_and_a_dead_ones_lapse() {
        let Some(url) = ytempire_core::pg::test_database_url("cost_holds").unwrap() else {
            return;
        };
        let schema = format!("t{}_holds", std::process::id());
        let other = ledger(&url, &schema);

        // A live worker's call outlasts several leases: its hold is renewed, still counted.
        let live = ledger(&url, &schema);
        let held = admit(&live).unwrap();
        std::thread::sleep(LEASE * 3);
        let err = admit(&other).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::BudgetExceeded, "{err}");
        drop(held);
        drop(admit(&other).unwrap());

        // A worker that dies mid-call never releases its hold and stops renewing it: the
        // hold counts until its lease runs out, then lapses.
        let doomed = ledger(&url, &schema);
        std::mem::forget(admit(&doomed).unwrap());
        drop(doomed);
        let began = std::time::Instant::now();
        let admitted = loop {
            match admit(&other) {
                Ok(r) => break r,
                Err(e) => assert_eq!(e.kind(), ErrorKind::BudgetExceeded, "{e}"),
            }
            assert!(
                began.elapsed() < Duration::from_secs(60),
                "the hold never lapsed"
            );
            std::thread::sleep(Duration::from_millis(100));
        };
        drop(admitted);
        assert!(
            began.elapsed() >= LEASE / 2,
            "the dead worker's hold counted at first"
        );
    }
}

//! The quota ledger on a PostgreSQL server (feature `postgres`): one row per project and
//! Pacific day (`youtube_quota`) and one per blocked channel (`youtube_blocked_channels`),
//! shared by every worker on any machine that names the server.
//!
//! Each change is one atomic statement: a charge is an upsert that adds to the row
//! (`used = used + units … RETURNING used`), so processes charging at once lose no unit, and
//! no process keeps a copy that could overwrite another's (unlike the JSON file, which is
//! loaded once and written whole).

use chrono::{DateTime, NaiveDate, Utc};
use ytempire_core::Result;
use ytempire_core::pg::{PgOptions, PgStore};

use super::{QuotaCosts, QuotaLedger};

/// Schema migrations of the `youtube_quota` component, in order.
pub(crate) const MIGRATIONS: &[&str] = &["CREATE TABLE youtube_quota (
       project TEXT NOT NULL,
       day DATE NOT NULL,
       used BIGINT NOT NULL DEFAULT 0,
       exhausted BOOLEAN NOT NULL DEFAULT FALSE,
       PRIMARY KEY (project, day)
     );
     CREATE TABLE youtube_blocked_channels (
       account TEXT PRIMARY KEY,
       until TIMESTAMPTZ NOT NULL
     );"];

/// The component name (in errors and the schema table).
pub(crate) const COMPONENT: &str = "quota ledger";

/// The ledger's rows on the server.
#[derive(Debug, Clone)]
pub(super) struct PgQuota {
    db: PgStore,
}

impl QuotaLedger {
    /// A ledger on the PostgreSQL server at `url`, its tables created when missing; every
    /// process opening the same server and schema shares the counts, and every charge is one
    /// atomic update of its project's row.
    ///
    /// # Errors
    /// `Config` for a malformed URL or schema name; `Transport` when the server cannot be
    /// reached.
    pub async fn connect_postgres(
        url: &str,
        options: &PgOptions,
        costs: QuotaCosts,
    ) -> Result<Self> {
        let db = PgStore::connect(url, options, COMPONENT, MIGRATIONS).await?;
        Ok(Self {
            pg: Some(PgQuota { db }),
            ..Self::in_memory(costs)
        })
    }
}

fn units(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

impl PgQuota {
    /// Units used and whether exhausted, for `project` on `day`.
    pub(super) async fn day(&self, project: &str, day: NaiveDate) -> Result<(u64, bool)> {
        let client = self.db.client().await?;
        let row = client
            .query_opt(
                "SELECT used, exhausted FROM youtube_quota WHERE project = $1 AND day = $2",
                &[&project, &day],
            )
            .await
            .map_err(|e| self.db.err(e))?;
        match row {
            Some(r) => Ok((
                units(r.try_get(0).map_err(|e| self.db.err(e))?),
                r.try_get(1).map_err(|e| self.db.err(e))?,
            )),
            None => Ok((0, false)),
        }
    }

    /// Add `units` to `project`'s `day` atomically; the units used afterwards.
    pub(super) async fn charge(&self, project: &str, day: NaiveDate, add: u64) -> Result<u64> {
        let add = i64::try_from(add).unwrap_or(i64::MAX);
        let client = self.db.client().await?;
        let row = client
            .query_one(
                "INSERT INTO youtube_quota (project, day, used) VALUES ($1, $2, $3)
                 ON CONFLICT (project, day) DO UPDATE SET used = youtube_quota.used + EXCLUDED.used
                 RETURNING used",
                &[&project, &day, &add],
            )
            .await
            .map_err(|e| self.db.err(e))?;
        Ok(units(row.try_get(0).map_err(|e| self.db.err(e))?))
    }

    /// Mark `project` exhausted on `day`.
    pub(super) async fn mark_exhausted(&self, project: &str, day: NaiveDate) -> Result<()> {
        let client = self.db.client().await?;
        client
            .execute(
                "INSERT INTO youtube_quota (project, day, exhausted) VALUES ($1, $2, TRUE)
                 ON CONFLICT (project, day) DO UPDATE SET exhausted = TRUE",
                &[&project, &day],
            )
            .await
            .map_err(|e| self.db.err(e))?;
        Ok(())
    }

    /// Block `account` until `until`.
    pub(super) async fn block(&self, account: &str, until: DateTime<Utc>) -> Result<()> {
        let client = self.db.client().await?;
        client
            .execute(
                "INSERT INTO youtube_blocked_channels (account, until) VALUES ($1, $2)
                 ON CONFLICT (account) DO UPDATE SET until = EXCLUDED.until",
                &[&account, &until],
            )
            .await
            .map_err(|e| self.db.err(e))?;
        Ok(())
    }

    /// Until when `account` is blocked, if it ever was.
    pub(super) async fn blocked_until(&self, account: &str) -> Result<Option<DateTime<Utc>>> {
        let client = self.db.client().await?;
        let row = client
            .query_opt(
                "SELECT until FROM youtube_blocked_channels WHERE account = $1",
                &[&account],
            )
            .await
            .map_err(|e| self.db.err(e))?;
        row.map(|r| r.try_get(0).map_err(|e| self.db.err(e)))
            .transpose()
    }
}

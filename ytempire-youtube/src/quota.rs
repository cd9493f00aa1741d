//! The quota ledger: units spent per Google Cloud project per Pacific day, per-method costs as
//! data, projects marked exhausted on `quotaExceeded` until the reset at midnight
//! America/Los_Angeles, and channels blocked for 24 h on `uploadLimitExceeded`.
//!
//! The ledger is persisted as JSON (written atomically) when given a path, so several runs in a
//! day share one count. The file is loaded once and written whole, so it suits one process at a
//! time; workers running at once, on one machine or many, share a PostgreSQL server instead
//! (feature `postgres`, [`QuotaLedger::connect_postgres`]): there every charge is one atomic
//! update of its project's row, so no process loses another's units.
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use ytempire_youtube::{QuotaCosts, QuotaLedger};
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> ytempire_core::Result<()> {
//! let ledger = QuotaLedger::in_memory(QuotaCosts::default());
//! let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
//! ledger.charge_at("proj", "videos.insert", now).await?;
//! assert_eq!(ledger.remaining_at("proj", now).await, 10_000 - 1_600);
//! # Ok(()) }
//! ```

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::America::Los_Angeles;
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;
use ytempire_core::Result;

#[cfg(feature = "postgres")]
mod postgres;

/// Google's default daily quota per project.
pub const DEFAULT_DAILY_QUOTA: u64 = 10_000;

/// Quota cost per API method (`videos.insert`, `thumbnails.set`, …). Unknown methods cost 1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuotaCosts {
    costs: BTreeMap<String, u64>,
}

impl Default for QuotaCosts {
    /// Google's published costs (determine_quota_cost page).
    fn default() -> Self {
        let costs = [
            ("videos.insert", 1600),
            ("thumbnails.set", 50),
            ("videos.list", 1),
            ("channels.list", 1),
            ("playlistItems.list", 1),
            ("search.list", 100),
            ("videos.update", 50),
            ("captions.insert", 400),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        Self { costs }
    }
}

impl QuotaCosts {
    /// Override one method's cost.
    #[must_use]
    pub fn with_cost(mut self, method: impl Into<String>, units: u64) -> Self {
        self.costs.insert(method.into(), units);
        self
    }

    /// What `method` costs (1 when unknown: every request costs at least one unit).
    pub fn cost(&self, method: &str) -> u64 {
        self.costs.get(method).copied().unwrap_or(1)
    }
}

/// The Pacific calendar day `now` falls in (quota days start at midnight America/Los_Angeles).
pub fn quota_day(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&Los_Angeles).date_naive()
}

/// The next quota reset after `now`: the coming midnight America/Los_Angeles, in UTC.
pub fn next_reset(now: DateTime<Utc>) -> DateTime<Utc> {
    let tomorrow = quota_day(now) + Duration::days(1);
    let midnight = tomorrow.and_hms_opt(0, 0, 0).unwrap_or_default();
    Los_Angeles
        .from_local_datetime(&midnight)
        .earliest()
        .map_or(now + Duration::days(1), |t| t.with_timezone(&Utc))
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct ProjectDay {
    day: Option<NaiveDate>,
    used: u64,
    exhausted: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct State {
    #[serde(default)]
    projects: BTreeMap<String, ProjectDay>,
    /// Channel (account name) → blocked until.
    #[serde(default)]
    blocked_channels: BTreeMap<String, DateTime<Utc>>,
}

/// Units spent per project per Pacific day. Share it behind an `Arc`.
#[derive(Debug)]
pub struct QuotaLedger {
    path: Option<PathBuf>,
    costs: QuotaCosts,
    limits: HashMap<String, u64>,
    default_limit: u64,
    state: Mutex<State>,
    /// The server holding the counts instead of `state` (feature `postgres`).
    #[cfg(feature = "postgres")]
    pg: Option<postgres::PgQuota>,
}

impl QuotaLedger {
    /// A ledger that lives only in memory.
    pub fn in_memory(costs: QuotaCosts) -> Self {
        Self {
            path: None,
            costs,
            limits: HashMap::new(),
            default_limit: DEFAULT_DAILY_QUOTA,
            state: Mutex::new(State::default()),
            #[cfg(feature = "postgres")]
            pg: None,
        }
    }

    /// A ledger persisted at `path` (loaded now if it exists).
    pub fn open(path: impl Into<PathBuf>, costs: QuotaCosts) -> Result<Self> {
        let path = path.into();
        let state = match std::fs::read(&path) {
            Ok(b) => serde_json::from_slice(&b).map_err(|e| {
                ytempire_core::Error::config(format!(
                    "quota ledger {} is damaged: {e}",
                    path.display()
                ))
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => State::default(),
            Err(e) => {
                return Err(ytempire_core::Error::io(
                    format!("reading {}", path.display()),
                    e,
                ));
            }
        };
        Ok(Self {
            path: Some(path),
            state: Mutex::new(state),
            ..Self::in_memory(costs)
        })
    }

    /// Set a project's daily limit (default 10,000 units).
    #[must_use]
    pub fn with_limit(mut self, project: impl Into<String>, units: u64) -> Self {
        self.limits.insert(project.into(), units);
        self
    }

    /// The method costs.
    pub fn costs(&self) -> &QuotaCosts {
        &self.costs
    }

    /// A project's daily limit.
    pub fn limit(&self, project: &str) -> u64 {
        self.limits
            .get(project)
            .copied()
            .unwrap_or(self.default_limit)
    }

    fn today<'a>(state: &'a mut State, project: &str, now: DateTime<Utc>) -> &'a mut ProjectDay {
        let day = quota_day(now);
        let entry = state.projects.entry(project.to_string()).or_default();
        if entry.day != Some(day) {
            *entry = ProjectDay {
                day: Some(day),
                used: 0,
                exhausted: false,
            };
        }
        entry
    }

    /// Units left today for `project` (0 once marked exhausted).
    pub async fn remaining(&self, project: &str) -> u64 {
        self.remaining_at(project, Utc::now()).await
    }

    /// [`Self::remaining`] at a given time.
    /// On a database error the project counts as having nothing left (and the error is
    /// logged), so no call spends quota the ledger cannot count.
    pub async fn remaining_at(&self, project: &str, now: DateTime<Utc>) -> u64 {
        let limit = self.limit(project);
        match self.day_at(project, now).await {
            Some((used, false)) => limit.saturating_sub(used),
            _ => 0,
        }
    }

    /// Units recorded today for `project` (a key such as a trend budget's counts too); on a
    /// database error, `u64::MAX` (logged): nothing is left to spend.
    pub async fn used_at(&self, project: &str, now: DateTime<Utc>) -> u64 {
        self.day_at(project, now)
            .await
            .map_or(u64::MAX, |(used, _)| used)
    }

    /// Units used today and whether exhausted; `None` after logging a database error.
    async fn day_at(&self, project: &str, now: DateTime<Utc>) -> Option<(u64, bool)> {
        #[cfg(feature = "postgres")]
        if let Some(pg) = &self.pg {
            return pg
                .day(project, quota_day(now))
                .await
                .map_err(|err| tracing::warn!(%err, project, "quota ledger unreadable"))
                .ok();
        }
        let mut state = self.state.lock().await;
        let day = Self::today(&mut state, project, now);
        Some((day.used, day.exhausted))
    }

    /// Whether `project` can still pay for all of `methods` today.
    pub async fn can_afford_at(&self, project: &str, methods: &[&str], now: DateTime<Utc>) -> bool {
        let need: u64 = methods.iter().map(|m| self.costs.cost(m)).sum();
        self.remaining_at(project, now).await >= need
    }

    /// Record one call of `method` (every request costs, failed ones included).
    pub async fn charge(&self, project: &str, method: &str) -> Result<u64> {
        self.charge_at(project, method, Utc::now()).await
    }

    /// [`Self::charge`] at a given time; returns the units charged.
    pub async fn charge_at(&self, project: &str, method: &str, now: DateTime<Utc>) -> Result<u64> {
        let units = self.costs.cost(method);
        #[cfg(feature = "postgres")]
        if let Some(pg) = &self.pg {
            pg.charge(project, quota_day(now), units).await?;
            return Ok(units);
        }
        let mut state = self.state.lock().await;
        Self::today(&mut state, project, now).used += units;
        self.persist(&state).await?;
        Ok(units)
    }

    /// Mark `project` exhausted until the next Pacific midnight (after `quotaExceeded`).
    pub async fn mark_exhausted_at(&self, project: &str, now: DateTime<Utc>) -> Result<()> {
        #[cfg(feature = "postgres")]
        if let Some(pg) = &self.pg {
            return pg.mark_exhausted(project, quota_day(now)).await;
        }
        let mut state = self.state.lock().await;
        Self::today(&mut state, project, now).exhausted = true;
        self.persist(&state).await
    }

    /// Block a channel (by account name) for 24 h (after `uploadLimitExceeded`).
    pub async fn block_channel_at(&self, account: &str, now: DateTime<Utc>) -> Result<()> {
        #[cfg(feature = "postgres")]
        if let Some(pg) = &self.pg {
            return pg.block(account, now + Duration::hours(24)).await;
        }
        let mut state = self.state.lock().await;
        state
            .blocked_channels
            .insert(account.to_string(), now + Duration::hours(24));
        self.persist(&state).await
    }

    /// Whether the channel is blocked at `now` (on a database error: blocked, logged).
    pub async fn channel_blocked_at(&self, account: &str, now: DateTime<Utc>) -> bool {
        #[cfg(feature = "postgres")]
        if let Some(pg) = &self.pg {
            return match pg.blocked_until(account).await {
                Ok(until) => until.is_some_and(|until| until > now),
                Err(err) => {
                    tracing::warn!(%err, account, "quota ledger unreadable");
                    true
                }
            };
        }
        let state = self.state.lock().await;
        state
            .blocked_channels
            .get(account)
            .is_some_and(|until| *until > now)
    }

    async fn persist(&self, state: &State) -> Result<()> {
        if let Some(path) = &self.path {
            let bytes = serde_json::to_vec_pretty(state)?;
            ytempire_core::fs::write_atomic(path, &bytes).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    #[test]
    fn resets_at_pacific_midnight_across_dst() {
        // Winter: PST = UTC-8, so the reset is 08:00 UTC.
        assert_eq!(next_reset(utc(2026, 1, 15, 7, 59)), utc(2026, 1, 15, 8, 0));
        assert_eq!(next_reset(utc(2026, 1, 15, 8, 0)), utc(2026, 1, 16, 8, 0));
        // Summer: PDT = UTC-7, so 07:00 UTC.
        assert_eq!(next_reset(utc(2026, 7, 1, 12, 0)), utc(2026, 7, 2, 7, 0));
        assert_ne!(
            quota_day(utc(2026, 1, 15, 7, 59)),
            quota_day(utc(2026, 1, 15, 8, 0))
        );
    }

    /// The cost table (the ledger's rules on every backend are in the integration tests:
    /// `tests/rotation.rs` for this JSON ledger, `tests/postgres_accounts.rs` for Postgres).
    #[test]
    fn costs_are_google_s_with_overrides() {
        let costs = QuotaCosts::default().with_cost("search.list", 99);
        assert_eq!(costs.cost("search.list"), 99);
        assert_eq!(costs.cost("videos.insert"), 1600);
        assert_eq!(costs.cost("thumbnails.set"), 50);
        assert_eq!(costs.cost("unknown.method"), 1);
    }
}

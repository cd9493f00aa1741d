//! A/B records: which variant each video got, what it earned, and which variant wins.
//!
//! [`AbStore`] keeps two SQLite tables (`ab_assignments`, `ab_outcomes`); it can share the
//! cost ledger's database file or use its own. Each write commits before the call returns.
//!
//! - **Assignment**: one variant per video per experiment, with the experiment's
//!   [`VariantKind`] (thumbnail, title, prompt version). [`assign_variant`] picks a variant
//!   deterministically from the video id, so a rerun or another machine assigns the same one.
//! - **Outcomes**: snapshots of a video's counters at an observation time. `views` comes from
//!   the YouTube Data API (`videos.list` `statistics.viewCount`); impressions and clicks from
//!   YouTube Analytics or a Studio export (the Data API does not report them), so they are
//!   optional, and CTR is `clicks / impressions` only where impressions were recorded.
//!   Ingesting the same video and observation time again replaces the earlier row; summaries
//!   use each video's latest observation (the counters are cumulative).
//! - **Summary**: per variant, the videos assigned and measured, total views, impressions and
//!   clicks, mean per-video CTR and pooled CTR, and the best variant, with a caveat when a
//!   compared variant has fewer measured videos than the minimum asked for.
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use ytempire_cost::quality::{AbStore, Outcome, VariantKind};
//!
//! let store = AbStore::in_memory()?;
//! let at = Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap();
//! for (video, variant) in [("v1", "bold"), ("v2", "plain"), ("v3", "bold"), ("v4", "plain")] {
//!     store.assign("thumb-style", video, VariantKind::Thumbnail, variant, at)?;
//! }
//! let later = Utc.with_ymd_and_hms(2026, 11, 8, 12, 0, 0).unwrap();
//! for (video, impressions, clicks) in [("v1", 1000, 80), ("v2", 1000, 40), ("v3", 500, 35), ("v4", 800, 30)] {
//!     store.record_outcome(&Outcome::new(video, later, clicks * 3).with_clicks(impressions, clicks))?;
//! }
//! let summary = store.summary("thumb-style", 2)?;
//! assert_eq!(summary.best.as_deref(), Some("bold"));
//! assert!(summary.conclusive);
//! let bold = &summary.variants[0];
//! assert_eq!((bold.variant.as_str(), bold.videos, bold.total_clicks), ("bold", 2, 115));
//! assert!((bold.mean_ctr.unwrap() - 0.075).abs() < 1e-9);
//! # Ok::<(), ytempire_core::Error>(())
//! ```

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::types::FromSql;
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;
use ytempire_core::{Error, ErrorKind};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS ab_assignments (
    experiment TEXT NOT NULL,
    video_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    variant TEXT NOT NULL,
    assigned_at TEXT NOT NULL,
    PRIMARY KEY (experiment, video_id)
);
CREATE TABLE IF NOT EXISTS ab_outcomes (
    video_id TEXT NOT NULL,
    observed_at TEXT NOT NULL,
    views INTEGER NOT NULL,
    impressions INTEGER,
    clicks INTEGER,
    PRIMARY KEY (video_id, observed_at)
);
";

/// What an experiment varies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum VariantKind {
    /// Thumbnail variants.
    Thumbnail,
    /// Title variants.
    Title,
    /// Script-prompt versions.
    PromptVersion,
}

impl VariantKind {
    /// The stored name (`thumbnail`, `title`, `prompt_version`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Thumbnail => "thumbnail",
            Self::Title => "title",
            Self::PromptVersion => "prompt_version",
        }
    }

    fn parse(s: &str) -> Result<Self, Error> {
        match s {
            "thumbnail" => Ok(Self::Thumbnail),
            "title" => Ok(Self::Title),
            "prompt_version" => Ok(Self::PromptVersion),
            other => Err(Error::new(
                ErrorKind::Io,
                format!("A/B store: unknown variant kind {other:?} in the database"),
            )),
        }
    }
}

/// One video's variant in one experiment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Assignment {
    /// Experiment id.
    pub experiment: String,
    /// Video (job or YouTube) id.
    pub video_id: String,
    /// What the experiment varies.
    pub kind: VariantKind,
    /// The variant label.
    pub variant: String,
    /// When it was assigned.
    pub assigned_at: DateTime<Utc>,
}

/// A snapshot of a video's counters.
///
/// ```
/// use chrono::Utc;
/// use ytempire_cost::quality::Outcome;
/// let o = Outcome::new("v1", Utc::now(), 1200).with_clicks(2000, 90);
/// assert_eq!(o.ctr(), Some(0.045));
/// assert_eq!(Outcome::new("v2", Utc::now(), 10).ctr(), None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Outcome {
    /// Video id.
    pub video_id: String,
    /// When the counters were read.
    pub observed_at: DateTime<Utc>,
    /// Views (Data API `statistics.viewCount`).
    pub views: u64,
    /// Thumbnail impressions (YouTube Analytics), when known.
    pub impressions: Option<u64>,
    /// Clicks from those impressions, when known.
    pub clicks: Option<u64>,
}

impl Outcome {
    /// Views only (what the Data API reports).
    pub fn new(video_id: impl Into<String>, observed_at: DateTime<Utc>, views: u64) -> Self {
        Self {
            video_id: video_id.into(),
            observed_at,
            views,
            impressions: None,
            clicks: None,
        }
    }

    /// Add impressions and the clicks they earned.
    #[must_use]
    pub fn with_clicks(mut self, impressions: u64, clicks: u64) -> Self {
        self.impressions = Some(impressions);
        self.clicks = Some(clicks);
        self
    }

    /// Click-through rate, when impressions (more than zero) and clicks are known.
    pub fn ctr(&self) -> Option<f64> {
        match (self.impressions, self.clicks) {
            (Some(i), Some(c)) if i > 0 => Some(c as f64 / i as f64),
            _ => None,
        }
    }
}

/// One variant's totals in an [`ExperimentSummary`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct VariantSummary {
    /// The variant label.
    pub variant: String,
    /// Videos assigned to it.
    pub videos: usize,
    /// Of those, videos with at least one outcome.
    pub measured: usize,
    /// Sum of the latest views of its videos.
    pub total_views: u64,
    /// Sum of the latest impressions (videos with impressions only).
    pub total_impressions: u64,
    /// Sum of the latest clicks (videos with impressions only).
    pub total_clicks: u64,
    /// Mean of per-video CTRs, over videos with impressions.
    pub mean_ctr: Option<f64>,
    /// `total_clicks / total_impressions`.
    pub pooled_ctr: Option<f64>,
    /// Mean latest views over measured videos.
    pub mean_views: Option<f64>,
}

/// Per-variant results of one experiment, from [`AbStore::summary`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ExperimentSummary {
    /// Experiment id.
    pub experiment: String,
    /// What it varies (`None` when nothing is assigned yet).
    pub kind: Option<VariantKind>,
    /// One entry per variant, by label.
    pub variants: Vec<VariantSummary>,
    /// The variant with the highest mean CTR; by mean views when no CTR is known.
    pub best: Option<String>,
    /// At least two variants were compared and each had `min_videos` measured videos.
    pub conclusive: bool,
    /// Why `best` should be treated as provisional.
    pub caveat: Option<String>,
}

/// Pick one of `variants` for `video_id` in `experiment`, deterministically: the 64-bit
/// FNV-1a hash of `experiment`, a 0xFF separator and `video_id`, modulo the number of
/// variants. The same inputs give the same variant on every machine and in every version of
/// this crate; `None` when `variants` is empty.
///
/// ```
/// use ytempire_cost::quality::assign_variant;
/// let variants = ["a", "b"];
/// let first = assign_variant("thumb-style", "video-42", &variants);
/// assert_eq!(first, assign_variant("thumb-style", "video-42", &variants));
/// assert!(assign_variant("thumb-style", "video-42", &[] as &[&str]).is_none());
/// ```
pub fn assign_variant<'a, S: AsRef<str>>(
    experiment: &str,
    video_id: &str,
    variants: &'a [S],
) -> Option<&'a S> {
    if variants.is_empty() {
        return None;
    }
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in experiment
        .bytes()
        .chain(std::iter::once(0xff))
        .chain(video_id.bytes())
    {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    variants.get((hash % variants.len() as u64) as usize)
}

/// SQLite-backed A/B assignments and outcomes. See the [module docs](self).
#[derive(Debug)]
pub struct AbStore {
    conn: Mutex<Connection>,
}

fn db_err(e: rusqlite::Error) -> Error {
    Error::new(ErrorKind::Io, format!("A/B store: {e}"))
}

fn ts(at: DateTime<Utc>) -> String {
    // Fixed width, so text order is time order.
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn parse_ts(s: &str) -> Result<DateTime<Utc>, Error> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            Error::new(
                ErrorKind::Io,
                format!("A/B store: bad timestamp {s:?}: {e}"),
            )
        })
}

fn to_sql(n: u64, what: &str) -> Result<i64, Error> {
    i64::try_from(n)
        .map_err(|_| Error::invalid_request(format!("{what} {n} is too large to store")))
}

fn from_sql(n: i64) -> Result<u64, Error> {
    u64::try_from(n)
        .map_err(|_| Error::new(ErrorKind::Io, format!("A/B store: negative count {n}")))
}

type AssignmentRow = (String, String, String, String, String);
type OutcomeRow = (String, String, i64, Option<i64>, Option<i64>);

/// One assignment by experiment and video.
const ASSIGNMENT_SQL: &str = "SELECT experiment, video_id, kind, variant, assigned_at
     FROM ab_assignments WHERE experiment = ?1 AND video_id = ?2";

/// The first five columns of a row.
fn five<A: FromSql, B: FromSql, C: FromSql, D: FromSql, E: FromSql>(
    r: &Row<'_>,
) -> rusqlite::Result<(A, B, C, D, E)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
}

/// Every row `sql` (one `?1` parameter, `key`) returns, each read by `read`.
fn all_rows<T>(
    conn: &Connection,
    sql: &str,
    key: &str,
    read: fn(&Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>, Error> {
    let mut stmt = conn.prepare(sql).map_err(db_err)?;
    let rows = stmt
        .query_map(params![key], read)
        .map_err(db_err)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(db_err)?;
    Ok(rows)
}

fn assignment(row: AssignmentRow) -> Result<Assignment, Error> {
    let (experiment, video_id, kind, variant, at) = row;
    Ok(Assignment {
        experiment,
        video_id,
        kind: VariantKind::parse(&kind)?,
        variant,
        assigned_at: parse_ts(&at)?,
    })
}

fn outcome(row: OutcomeRow) -> Result<Outcome, Error> {
    let (video_id, at, views, impressions, clicks) = row;
    Ok(Outcome {
        video_id,
        observed_at: parse_ts(&at)?,
        views: from_sql(views)?,
        impressions: impressions.map(from_sql).transpose()?,
        clicks: clicks.map(from_sql).transpose()?,
    })
}

impl AbStore {
    /// Open (or create) the store in the SQLite database at `path` (the cost ledger's file
    /// is fine: the tables do not clash).
    ///
    /// # Errors
    /// [`ErrorKind::Io`] when the database cannot be opened or migrated.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, Error> {
        Self::with_connection(Connection::open(path).map_err(db_err)?)
    }

    /// A store in memory (tests, dry runs).
    ///
    /// # Errors
    /// [`ErrorKind::Io`] when SQLite fails.
    pub fn in_memory() -> Result<Self, Error> {
        Self::with_connection(Connection::open_in_memory().map_err(db_err)?)
    }

    fn with_connection(conn: Connection) -> Result<Self, Error> {
        crate::ledger::prepare_sqlite(&conn, SCHEMA).map_err(db_err)?;
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Put `video_id` in `variant` of `experiment`. Assigning the same variant again is a
    /// no-op that returns the original assignment.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidRequest`] when the video already has another variant in this
    /// experiment, when the experiment already varies another [`VariantKind`], or when an id
    /// or label is empty; [`ErrorKind::Io`] when SQLite fails.
    pub fn assign(
        &self,
        experiment: &str,
        video_id: &str,
        kind: VariantKind,
        variant: &str,
        at: DateTime<Utc>,
    ) -> Result<Assignment, Error> {
        for (what, value) in [
            ("experiment", experiment),
            ("video id", video_id),
            ("variant", variant),
        ] {
            if value.trim().is_empty() {
                return Err(Error::invalid_request(format!(
                    "A/B {what} must not be empty"
                )));
            }
        }
        let mut conn = self.lock();
        let tx = conn.transaction().map_err(db_err)?;
        let other_kind: Option<String> = tx
            .query_row(
                "SELECT kind FROM ab_assignments WHERE experiment = ?1 AND kind <> ?2 LIMIT 1",
                params![experiment, kind.as_str()],
                |r| r.get(0),
            )
            .optional()
            .map_err(db_err)?;
        if let Some(other) = other_kind {
            return Err(Error::invalid_request(format!(
                "experiment {experiment:?} varies {other}, not {}",
                kind.as_str()
            )));
        }
        let existing: Option<AssignmentRow> = tx
            .query_row(ASSIGNMENT_SQL, params![experiment, video_id], five)
            .optional()
            .map_err(db_err)?;
        if let Some(row) = existing {
            let found = assignment(row)?;
            if found.variant == variant {
                return Ok(found);
            }
            return Err(Error::invalid_request(format!(
                "video {video_id:?} is already in variant {:?} of experiment {experiment:?}",
                found.variant
            )));
        }
        tx.execute(
            "INSERT INTO ab_assignments (experiment, video_id, kind, variant, assigned_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![experiment, video_id, kind.as_str(), variant, ts(at)],
        )
        .map_err(db_err)?;
        tx.commit().map_err(db_err)?;
        Ok(Assignment {
            experiment: experiment.to_owned(),
            video_id: video_id.to_owned(),
            kind,
            variant: variant.to_owned(),
            assigned_at: at,
        })
    }

    /// [`assign`](Self::assign) the variant [`assign_variant`] picks for `video_id` (or the
    /// video's existing assignment, if it has one).
    ///
    /// # Errors
    /// [`ErrorKind::InvalidRequest`] when `variants` is empty, else as [`assign`](Self::assign).
    pub fn assign_hashed<S: AsRef<str>>(
        &self,
        experiment: &str,
        video_id: &str,
        kind: VariantKind,
        variants: &[S],
        at: DateTime<Utc>,
    ) -> Result<Assignment, Error> {
        if let Some(found) = self.assignment(experiment, video_id)? {
            return Ok(found);
        }
        let variant = assign_variant(experiment, video_id, variants).ok_or_else(|| {
            Error::invalid_request(format!("experiment {experiment:?} has no variants"))
        })?;
        self.assign(experiment, video_id, kind, variant.as_ref(), at)
    }

    /// The variant of `video_id` in `experiment`, if assigned.
    ///
    /// # Errors
    /// [`ErrorKind::Io`] when SQLite fails.
    pub fn assignment(
        &self,
        experiment: &str,
        video_id: &str,
    ) -> Result<Option<Assignment>, Error> {
        let row: Option<AssignmentRow> = self
            .lock()
            .query_row(ASSIGNMENT_SQL, params![experiment, video_id], five)
            .optional()
            .map_err(db_err)?;
        row.map(assignment).transpose()
    }

    /// Every assignment of `experiment`, by video id.
    ///
    /// # Errors
    /// [`ErrorKind::Io`] when SQLite fails.
    pub fn assignments(&self, experiment: &str) -> Result<Vec<Assignment>, Error> {
        let rows: Vec<AssignmentRow> = all_rows(
            &self.lock(),
            "SELECT experiment, video_id, kind, variant, assigned_at FROM ab_assignments
             WHERE experiment = ?1 ORDER BY video_id",
            experiment,
            five,
        )?;
        rows.into_iter().map(assignment).collect()
    }

    /// Store a snapshot of a video's counters; a snapshot with the same video and
    /// observation time replaces the earlier one.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidRequest`] when clicks exceed impressions, only one of them is
    /// given, or a count does not fit SQLite's integers; [`ErrorKind::Io`] when SQLite fails.
    pub fn record_outcome(&self, outcome: &Outcome) -> Result<(), Error> {
        match (outcome.impressions, outcome.clicks) {
            (Some(i), Some(c)) if c > i => {
                return Err(Error::invalid_request(format!(
                    "video {:?}: {c} clicks from {i} impressions",
                    outcome.video_id
                )));
            }
            (Some(_), None) | (None, Some(_)) => {
                return Err(Error::invalid_request(format!(
                    "video {:?}: give impressions and clicks together",
                    outcome.video_id
                )));
            }
            _ => {}
        }
        let views = to_sql(outcome.views, "views")?;
        let impressions = outcome
            .impressions
            .map(|n| to_sql(n, "impressions"))
            .transpose()?;
        let clicks = outcome.clicks.map(|n| to_sql(n, "clicks")).transpose()?;
        self.lock()
            .execute(
                "INSERT INTO ab_outcomes (video_id, observed_at, views, impressions, clicks)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (video_id, observed_at) DO UPDATE SET
                   views = excluded.views, impressions = excluded.impressions,
                   clicks = excluded.clicks",
                params![
                    outcome.video_id,
                    ts(outcome.observed_at),
                    views,
                    impressions,
                    clicks
                ],
            )
            .map_err(db_err)?;
        Ok(())
    }

    /// Every snapshot of `video_id`, oldest first.
    ///
    /// # Errors
    /// [`ErrorKind::Io`] when SQLite fails.
    pub fn outcomes(&self, video_id: &str) -> Result<Vec<Outcome>, Error> {
        let rows: Vec<OutcomeRow> = all_rows(
            &self.lock(),
            "SELECT video_id, observed_at, views, impressions, clicks FROM ab_outcomes
             WHERE video_id = ?1 ORDER BY observed_at",
            video_id,
            five,
        )?;
        rows.into_iter().map(outcome).collect()
    }

    /// The most recent snapshot of `video_id`.
    ///
    /// # Errors
    /// [`ErrorKind::Io`] when SQLite fails.
    pub fn latest_outcome(&self, video_id: &str) -> Result<Option<Outcome>, Error> {
        Ok(self.outcomes(video_id)?.pop())
    }

    /// Per-variant totals of `experiment` from each video's latest snapshot, and the best
    /// variant. `min_videos` is the number of measured videos each compared variant needs
    /// before the result is called conclusive.
    ///
    /// # Errors
    /// [`ErrorKind::Io`] when SQLite fails.
    pub fn summary(&self, experiment: &str, min_videos: usize) -> Result<ExperimentSummary, Error> {
        let assignments = self.assignments(experiment)?;
        let mut groups: BTreeMap<String, (VariantSummary, Vec<f64>)> = BTreeMap::new();
        for a in &assignments {
            let (v, ctrs) = groups.entry(a.variant.clone()).or_insert_with(|| {
                (
                    VariantSummary {
                        variant: a.variant.clone(),
                        videos: 0,
                        measured: 0,
                        total_views: 0,
                        total_impressions: 0,
                        total_clicks: 0,
                        mean_ctr: None,
                        pooled_ctr: None,
                        mean_views: None,
                    },
                    Vec::new(),
                )
            });
            v.videos += 1;
            if let Some(o) = self.latest_outcome(&a.video_id)? {
                v.measured += 1;
                v.total_views = v.total_views.saturating_add(o.views);
                if let (Some(ctr), Some(i), Some(c)) = (o.ctr(), o.impressions, o.clicks) {
                    v.total_impressions = v.total_impressions.saturating_add(i);
                    v.total_clicks = v.total_clicks.saturating_add(c);
                    ctrs.push(ctr);
                }
            }
        }
        let variants: Vec<VariantSummary> = groups
            .into_values()
            .map(|(mut v, ctrs)| {
                if !ctrs.is_empty() {
                    v.mean_ctr = Some(ctrs.iter().sum::<f64>() / ctrs.len() as f64);
                }
                if v.total_impressions > 0 {
                    v.pooled_ctr = Some(v.total_clicks as f64 / v.total_impressions as f64);
                }
                if v.measured > 0 {
                    v.mean_views = Some(v.total_views as f64 / v.measured as f64);
                }
                v
            })
            .collect();

        let by_ctr = variants.iter().any(|v| v.mean_ctr.is_some());
        let metric = |v: &VariantSummary| if by_ctr { v.mean_ctr } else { v.mean_views };
        let compared: Vec<&VariantSummary> =
            variants.iter().filter(|v| metric(v).is_some()).collect();
        let best = compared
            .iter()
            .copied()
            .fold(None::<&VariantSummary>, |best, v| match best {
                Some(b) if metric(b) >= metric(v) => Some(b),
                _ => Some(v),
            })
            .map(|v| v.variant.clone());
        let thin: Vec<String> = variants
            .iter()
            .filter(|v| v.measured < min_videos || metric(v).is_none())
            .map(|v| {
                if v.measured >= min_videos {
                    format!("{:?} has no CTR yet", v.variant)
                } else {
                    format!("{:?} has {} measured", v.variant, v.measured)
                }
            })
            .collect();
        let conclusive = compared.len() >= 2 && thin.is_empty();
        let caveat = if conclusive {
            None
        } else if compared.len() < 2 {
            Some(format!(
                "fewer than two variants have {}; nothing to compare yet",
                if by_ctr { "a CTR" } else { "views" }
            ))
        } else {
            Some(format!(
                "provisional: {} (at least {min_videos} measured videos per variant needed)",
                thin.join(", ")
            ))
        };
        let caveat = match (caveat, by_ctr, compared.is_empty()) {
            (Some(c), false, false) => Some(format!(
                "{c}; no impressions recorded, compared by mean views"
            )),
            (None, false, false) => {
                Some("no impressions recorded; compared by mean views".to_owned())
            }
            (c, _, _) => c,
        };
        Ok(ExperimentSummary {
            experiment: experiment.to_owned(),
            kind: assignments.first().map(|a| a.kind),
            variants,
            best,
            conclusive,
            caveat,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_assignment_is_stable_and_balanced() {
        let variants = ["a", "b", "c"];
        let mut counts = [0usize; 3];
        for i in 0..3000 {
            let id = format!("video-{i}");
            let v = assign_variant("exp", &id, &variants).unwrap();
            assert_eq!(assign_variant("exp", &id, &variants), Some(v));
            counts[variants.iter().position(|x| x == v).unwrap()] += 1;
        }
        assert!(
            counts.iter().all(|&n| (850..=1150).contains(&n)),
            "{counts:?}"
        );
        // Fixed by the FNV-1a definition: a change of hash function is caught here.
        assert_eq!(assign_variant("exp", "video-0", &["a", "b"]), Some(&"b"));
        assert_eq!(assign_variant("exp", "video-1", &["a", "b"]), Some(&"a"));
        // Another experiment reshuffles.
        let moved = (0..200)
            .filter(|i| {
                let id = format!("video-{i}");
                assign_variant("exp", &id, &variants) != assign_variant("exp2", &id, &variants)
            })
            .count();
        assert!(moved > 80, "{moved}");
    }
}

//! Conformance scenarios for [`TrendSource`].

use super::{Report, Runner, Skip, Verdict, ensure, expect_kind, ok_or_fail};
use crate::{ErrorKind, TrendRequest, TrendSource};

/// Run every scenario against `provider`.
pub async fn run_all(provider: &dyn TrendSource, skips: &[Skip]) -> Report {
    let mut r = Runner::new("trend", provider.to_string(), skips);
    r.run("returns_at_most_limit", returns_at_most_limit(provider))
        .await;
    r.run("zero_limit_rejected", zero_limit_rejected(provider))
        .await;
    r.run("evidence_aligned", evidence_aligned(provider)).await;
    r.finish()
}

/// At least one and at most `limit` topics, each with a title (a source that answers
/// nothing is not conformant: the suite asks for no niche).
pub async fn returns_at_most_limit(p: &dyn TrendSource) -> Verdict {
    for limit in [1, 3] {
        let resp = ok_or_fail!(p.trends(&TrendRequest::new(limit)).await, "trends");
        ensure!(!resp.topics.is_empty(), "limit {limit} but no topics");
        ensure!(
            resp.topics.len() <= limit as usize,
            "limit {limit} but {} topics",
            resp.topics.len()
        );
        ensure!(
            resp.topics.iter().all(|t| !t.title.trim().is_empty()),
            "a topic has an empty title"
        );
    }
    Verdict::Passed
}

/// Evidence, when given, is one entry per topic (a scorer pairs them by index), and every
/// velocity it yields is a finite number.
pub async fn evidence_aligned(p: &dyn TrendSource) -> Verdict {
    let resp = ok_or_fail!(p.trends(&TrendRequest::new(3)).await, "trends");
    ensure!(!resp.topics.is_empty(), "limit 3 but no topics");
    ensure!(
        resp.evidence.is_empty() || resp.evidence.len() == resp.topics.len(),
        "{} topics but {} evidence entries",
        resp.topics.len(),
        resp.evidence.len()
    );
    ensure!(
        resp.evidence.iter().all(|e| e
            .views_per_hour(chrono::Utc::now())
            .is_none_or(f64::is_finite)),
        "a velocity is not a finite number"
    );
    Verdict::Passed
}

/// A zero limit is `InvalidRequest`.
pub async fn zero_limit_rejected(p: &dyn TrendSource) -> Verdict {
    expect_kind(
        p.trends(&TrendRequest::new(0)).await,
        ErrorKind::InvalidRequest,
        "zero limit",
    )
}

//! Metrics: what ytempire records through the [`metrics`] facade, under which names.
//!
//! Every crate records through the `metrics` macros; without an installed recorder they cost
//! next to nothing and go nowhere. `ytempire queue work --metrics-addr ADDR` installs the
//! Prometheus exporter and serves the text exposition at `http://ADDR/metrics`. Names follow
//! Prometheus conventions (snake case, a `ytempire_` prefix, base units in the name:
//! `_seconds`, `_bytes`, `_usd`; `_total` only on counters). Label values come from small
//! fixed sets (stage names, outcomes, provider ids, model names, encoder names): never a job id,
//! a topic, a title, a URL or a key.
//!
//! | name | type | labels | what |
//! |---|---|---|---|
//! | `ytempire_stage_duration_seconds` | histogram | `stage`, `outcome` | wall time of each pipeline stage run (restored stages are not timed) |
//! | `ytempire_provider_calls_total` | counter | `provider`, `capability`, `model`, `outcome`, `error_kind` | provider attempts (each retry counts) |
//! | `ytempire_provider_call_duration_seconds` | histogram | `provider`, `capability`, `model`, `outcome` | latency of each provider attempt |
//! | `ytempire_provider_cost_usd` | gauge (only grows) | `provider`, `capability`, `model` | US dollars the cost ledger priced since the process started |
//! | `ytempire_render_frames_total` | counter | `compositor`, `encoder` | video frames drawn and encoded (counted as a render goes) |
//! | `ytempire_render_frames_per_second` | gauge | `compositor`, `encoder` | frames per second of the last finished render (wall clock) |
//! | `ytempire_upload_bytes_total` | counter | `provider` | video bytes sent to the platform (a resent chunk counts again) |
//! | `ytempire_queue_depth` | gauge | – | jobs waiting in the queue (all workers' view of the backend) |
//! | `ytempire_queue_running_jobs` | gauge | – | jobs this process is running now |
//! | `ytempire_budget_spent_usd` | gauge | `scope`, `provider` | spend counted against a budget: `scope="provider_day"` today's (UTC) spend of `provider`; `scope="job"` the spend of the job charged last (`provider="all"`) |
//! | `ytempire_budget_used_ratio` | gauge | `scope`, `provider` | the same spend as a share of its cap (1 = cap reached); only for capped budgets |
//!
//! `outcome` is `ok`, `error` or `cancelled`; `error_kind` is the [`ErrorKind`] of a failed
//! attempt (`rate_limited`, `timeout`, …) and `none` for the others. The exporter renders the
//! two histograms with [`STAGE_BUCKETS`] and [`PROVIDER_BUCKETS`] (call [`describe`] once after
//! installing a recorder to give every family its help text).

use std::time::Duration;

use crate::metering::{Outcome, UsageRecord};
use crate::{ErrorKind, Result};

/// Histogram: seconds one pipeline stage took, by `stage` and `outcome`.
pub const STAGE_DURATION_SECONDS: &str = "ytempire_stage_duration_seconds";
/// Counter: provider attempts, by `provider`, `capability`, `model`, `outcome`, `error_kind`.
pub const PROVIDER_CALLS_TOTAL: &str = "ytempire_provider_calls_total";
/// Histogram: seconds one provider attempt took, by `provider`, `capability`, `model`,
/// `outcome`.
pub const PROVIDER_CALL_DURATION_SECONDS: &str = "ytempire_provider_call_duration_seconds";
/// Gauge that only grows: US dollars priced by the cost ledger, by `provider`, `capability`,
/// `model` (a gauge because Prometheus counters are whole numbers in this exporter).
pub const PROVIDER_COST_USD: &str = "ytempire_provider_cost_usd";
/// Counter: video frames drawn, by `compositor` and `encoder` (counted as a render goes).
pub const RENDER_FRAMES_TOTAL: &str = "ytempire_render_frames_total";
/// Gauge: frames per second of the last finished render, by `compositor` and `encoder`.
pub const RENDER_FRAMES_PER_SECOND: &str = "ytempire_render_frames_per_second";
/// Counter: video bytes sent to an upload platform, by `provider`.
pub const UPLOAD_BYTES_TOTAL: &str = "ytempire_upload_bytes_total";
/// Gauge: jobs waiting in the queue.
pub const QUEUE_DEPTH: &str = "ytempire_queue_depth";
/// Gauge: jobs this process is running.
pub const QUEUE_RUNNING_JOBS: &str = "ytempire_queue_running_jobs";
/// Gauge: spend counted against a budget, by `scope` and `provider`.
pub const BUDGET_SPENT_USD: &str = "ytempire_budget_spent_usd";
/// Gauge: spend as a share of its cap, by `scope` and `provider`.
pub const BUDGET_USED_RATIO: &str = "ytempire_budget_used_ratio";

/// Every family name, in the order of the table above.
pub const ALL: [&str; 11] = [
    STAGE_DURATION_SECONDS,
    PROVIDER_CALLS_TOTAL,
    PROVIDER_CALL_DURATION_SECONDS,
    PROVIDER_COST_USD,
    RENDER_FRAMES_TOTAL,
    RENDER_FRAMES_PER_SECOND,
    UPLOAD_BYTES_TOTAL,
    QUEUE_DEPTH,
    QUEUE_RUNNING_JOBS,
    BUDGET_SPENT_USD,
    BUDGET_USED_RATIO,
];

/// Bucket bounds (seconds) for [`STAGE_DURATION_SECONDS`]: a timeline stage takes
/// milliseconds, a long render tens of minutes.
pub const STAGE_BUCKETS: &[f64] = &[
    0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0,
];

/// Bucket bounds (seconds) for [`PROVIDER_CALL_DURATION_SECONDS`]: a local voice answers in
/// milliseconds, a long script or an image generation in a minute or two.
pub const PROVIDER_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0,
];

/// Give every family its unit and help text in the installed recorder (no-op without one).
pub fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_histogram!(
        STAGE_DURATION_SECONDS,
        Unit::Seconds,
        "Wall time of one pipeline stage run, by stage and outcome (ok, error, cancelled)."
    );
    describe_counter!(
        PROVIDER_CALLS_TOTAL,
        Unit::Count,
        "Provider attempts (each retry counts), by provider, capability, model, outcome and error kind."
    );
    describe_histogram!(
        PROVIDER_CALL_DURATION_SECONDS,
        Unit::Seconds,
        "Latency of one provider attempt, by provider, capability, model and outcome."
    );
    describe_gauge!(
        PROVIDER_COST_USD,
        "US dollars the cost ledger priced since the process started (only grows), by provider, capability and model."
    );
    describe_counter!(
        RENDER_FRAMES_TOTAL,
        Unit::Count,
        "Video frames rendered and encoded, by compositor and encoder."
    );
    describe_gauge!(
        RENDER_FRAMES_PER_SECOND,
        "Frames per second of the last finished render (wall clock), by compositor and encoder."
    );
    describe_counter!(
        UPLOAD_BYTES_TOTAL,
        Unit::Bytes,
        "Video bytes sent to the upload platform (a resent chunk counts again), by provider."
    );
    describe_gauge!(QUEUE_DEPTH, "Jobs waiting in the queue.");
    describe_gauge!(QUEUE_RUNNING_JOBS, "Jobs this process is running now.");
    describe_gauge!(
        BUDGET_SPENT_USD,
        "Spend counted against a budget: scope provider_day is today's (UTC) spend of a provider, scope job the spend of the job charged last."
    );
    describe_gauge!(
        BUDGET_USED_RATIO,
        "Budget spend as a share of its cap (1 = cap reached), by scope and provider; only capped budgets."
    );
}

/// The `outcome` label of a finished piece of work.
pub fn outcome_label<T>(result: &Result<T>) -> &'static str {
    match result {
        Ok(_) => "ok",
        Err(e) if e.kind() == ErrorKind::Cancelled => "cancelled",
        Err(_) => "error",
    }
}

/// Record one pipeline stage run.
pub(crate) fn record_stage(stage: &'static str, outcome: &'static str, elapsed: Duration) {
    metrics::histogram!(STAGE_DURATION_SECONDS, "stage" => stage, "outcome" => outcome)
        .record(elapsed.as_secs_f64());
}

/// Record one metered provider attempt: its count and latency.
pub(crate) fn record_provider_call(record: &UsageRecord) {
    let (outcome, error_kind) = match record.outcome {
        Outcome::Success => ("ok", "none"),
        Outcome::Failure(ErrorKind::Cancelled) => ("cancelled", ErrorKind::Cancelled.as_str()),
        Outcome::Failure(kind) => ("error", kind.as_str()),
    };
    let capability = capability_label(record.capability);
    metrics::counter!(
        PROVIDER_CALLS_TOTAL,
        "provider" => record.provider.clone(),
        "capability" => capability,
        "model" => record.model.clone(),
        "outcome" => outcome,
        "error_kind" => error_kind,
    )
    .increment(1);
    metrics::histogram!(
        PROVIDER_CALL_DURATION_SECONDS,
        "provider" => record.provider.clone(),
        "capability" => capability,
        "model" => record.model.clone(),
        "outcome" => outcome,
    )
    .record(record.elapsed.as_secs_f64());
}

/// The `capability` label of a record's trait.
pub fn capability_label(kind: crate::metering::CapabilityKind) -> &'static str {
    use crate::metering::CapabilityKind;
    match kind {
        CapabilityKind::Llm => "llm",
        CapabilityKind::Tts => "tts",
        CapabilityKind::Image => "image",
        CapabilityKind::Upload => "upload",
        CapabilityKind::Trend => "trend",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_prometheus_conventions() {
        for name in ALL {
            assert!(name.starts_with("ytempire_"), "{name}");
            assert!(
                name.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                "{name} is not snake case"
            );
        }
        // `_total` only on the counters.
        let totals: Vec<_> = ALL.iter().filter(|n| n.ends_with("_total")).collect();
        assert_eq!(
            totals,
            [
                &PROVIDER_CALLS_TOTAL,
                &RENDER_FRAMES_TOTAL,
                &UPLOAD_BYTES_TOTAL
            ]
        );
        for buckets in [STAGE_BUCKETS, PROVIDER_BUCKETS] {
            assert!(buckets.windows(2).all(|w| w[0] < w[1]), "{buckets:?}");
        }
    }

    #[test]
    fn outcomes_name_cancellation_apart_from_errors() {
        assert_eq!(outcome_label(&Ok(())), "ok");
        assert_eq!(
            outcome_label::<()>(&Err(crate::Error::cancelled())),
            "cancelled"
        );
        assert_eq!(
            outcome_label::<()>(&Err(crate::Error::internal("boom"))),
            "error"
        );
    }
}

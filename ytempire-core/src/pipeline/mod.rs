//! The pipeline that turns a topic into a published video, one resumable stage at a time.
//!
//! Stages (see [`StageName`]): script → narration → visuals → timeline → render → thumbnail →
//! quality → upload. Each is a trait object ([`ScriptStage`], [`NarrationStage`], …) so apps
//! can replace any of them; [`SpeechNarrator`], [`SourceVisuals`] and [`DefaultTimeline`]
//! implement three of them over core's provider traits, and the provider crates implement the
//! rest. A [`Pipeline`] persists each stage's outputs in an [`ArtifactStore`] (content-addressed
//! files plus an atomically written manifest), so a rerun after a crash resumes after the last
//! finished stage and pays for nothing twice. Wrap paid providers in the cache layer with a
//! filesystem store to make calls inside an interrupted stage free on rerun too.
//!
//! Each stage runs inside a tracing span and with metering labels (`job`, `stage`), emits
//! [`PipelineEvent`]s on a broadcast stream, and stops promptly when its
//! `CancellationToken` fires. Its wall time goes to the `ytempire_stage_duration_seconds`
//! histogram by stage and outcome ([`crate::telemetry`]).

mod artifacts;
mod events;
mod progress;
mod runner;
mod saved;
mod stages;
pub mod webhook;

pub use artifacts::{
    ArtifactBackend, ArtifactRef, ArtifactStore, Manifest, StageRecord, StageState, hash_file,
};
pub use events::{PipelineEvent, report_progress, with_progress};
pub use runner::{CostProbe, JobOutcome, Pipeline, PipelineBuilder, ResourceLimits, job_finished};
pub use stages::{
    DefaultTimeline, JobSpec, KeepInMemory, Narration, NarrationStage, QualityInputs, QualityStage,
    QualityVerdict, RenderStage, RenderSummary, ScriptOutput, ScriptStage, SourceVisuals,
    SpeechNarrator, StageName, ThumbnailStage, TimelineStage, VisualSink, VisualsStage,
    part_queries,
};
pub use tokio_util::sync::CancellationToken;
pub use webhook::{
    ATTEMPT_HEADER, DEFAULT_CURSOR, DEFAULT_TOLERANCE, DeliveryReport, DynWebhookTransport,
    EVENT_ID_HEADER, FollowerReport, JobEventEnvelope, QueueWebhookFollower, SIGNATURE_HEADER,
    TIMESTAMP_HEADER, USER_AGENT, VerifyError, WebhookConfig, WebhookDispatcher, WebhookEnvelope,
    WebhookRequest, WebhookResponse, WebhookSigner, WebhookTransport, WebhookUrl,
    parse_retry_after, verify_signature, verify_signed_request,
};

#[cfg(test)]
mod tests;

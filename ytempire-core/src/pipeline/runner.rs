//! [`Pipeline`]: runs a job's stages in order, persists each stage's outputs, resumes after a
//! crash from the last finished stage, emits events and honours cancellation. Narration and
//! visuals depend only on the script, so they run at the same time (each within the
//! [`ResourceLimits`]); when one fails the other still finishes and is saved, so a rerun
//! restores it and redoes only the failed one. A hard kill (SIGKILL, power loss) during one
//! of them can also cut off a call of the other that was paid but not yet cached; the rerun
//! makes that call again (the ledger records both). Finished calls are never repeated.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, broadcast};
use tokio_util::sync::CancellationToken;
use tracing::Instrument as _;

use super::artifacts::{ArtifactBackend, ArtifactStore, Manifest, StageState};
use super::events::{PipelineEvent, with_progress};
use super::progress::UploadProgressEvents;
use super::saved::{Saved, SavedNarration, SavedThumbnails, SavedVideo};
use super::stages::*;
use crate::metering::{Labels, with_labels};
use crate::{
    DynUploader, Error, Result, Timeline, UploadReceipt, UploadRequest, Visual, VisualContent,
};

/// Bounds on concurrent work across every job a pipeline runs: network-bound stages (script,
/// narration, visuals, quality, upload), renders (render, thumbnail) and a memory budget that
/// each render reserves its estimate from, so many jobs overlap without running out of memory.
#[derive(Debug, Clone)]
pub struct ResourceLimits {
    network: Arc<Semaphore>,
    render: Arc<Semaphore>,
    memory: Arc<Semaphore>,
    memory_mib: u32,
}

impl ResourceLimits {
    /// `network_slots` network stages, `render_slots` renders and `memory_budget_mib` MiB of
    /// render memory at once (each at least 1).
    pub fn new(network_slots: usize, render_slots: usize, memory_budget_mib: u32) -> Self {
        let memory_mib = memory_budget_mib.max(1);
        Self {
            network: Arc::new(Semaphore::new(network_slots.max(1))),
            render: Arc::new(Semaphore::new(render_slots.max(1))),
            memory: Arc::new(Semaphore::new(memory_mib as usize)),
            memory_mib,
        }
    }

    /// Estimated peak memory of one render of `spec`, in MiB: a bounded queue of frames plus
    /// compositor and encoder buffers.
    pub fn render_memory_mib(spec: &crate::VideoSpec) -> u32 {
        let frame = u64::from(spec.width) * u64::from(spec.height) * 4;
        u32::try_from(frame * 16 / (1 << 20) + 96).unwrap_or(u32::MAX)
    }

    async fn acquire(&self, stage: StageName, job: &JobSpec) -> Result<Vec<OwnedSemaphorePermit>> {
        let closed = |_| Error::internal("resource limits closed");
        let mut permits = Vec::new();
        match stage {
            StageName::Render | StageName::Thumbnail => {
                permits.push(self.render.clone().acquire_owned().await.map_err(closed)?);
                if stage == StageName::Render {
                    let need = Self::render_memory_mib(&job.video).min(self.memory_mib);
                    permits.push(
                        self.memory
                            .clone()
                            .acquire_many_owned(need)
                            .await
                            .map_err(closed)?,
                    );
                }
            }
            StageName::Timeline => {}
            _ => permits.push(self.network.clone().acquire_owned().await.map_err(closed)?),
        }
        Ok(permits)
    }
}

impl Default for ResourceLimits {
    /// 8 network stages, 1 render, 2 GiB of render memory.
    fn default() -> Self {
        Self::new(8, 1, 2048)
    }
}

/// Tells the pipeline how much a job has cost so far (implemented by the cost ledger).
pub trait CostProbe: Send + Sync + std::fmt::Debug {
    /// US dollars spent on `job`, if known.
    fn job_cost_usd(&self, job: &str) -> Option<f64>;
}

/// What a finished job produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct JobOutcome {
    /// Job id.
    pub job: String,
    /// Job directory.
    pub dir: PathBuf,
    /// The MP4.
    pub video: PathBuf,
    /// Thumbnail files (first = default).
    pub thumbnails: Vec<PathBuf>,
    /// Script and metadata.
    pub script: ScriptOutput,
    /// Render facts.
    pub render: RenderSummary,
    /// Quality verdict, when a quality stage is configured.
    pub quality: Option<QualityVerdict>,
    /// Upload receipt, when uploaded.
    pub receipt: Option<UploadReceipt>,
    /// Why the upload did not happen, when the quality gate blocked it.
    pub upload_blocked: Option<String>,
    /// Stages restored from a previous run instead of being run.
    pub resumed: Vec<StageName>,
}

/// One builder method per stage: `name(stage)` stores the stage in the field of that name.
macro_rules! stage_setters {
    ($($(#[$doc:meta])* $name:ident: $stage:ident,)*) => {$(
        $(#[$doc])*
        #[must_use]
        pub fn $name(mut self, stage: impl $stage + 'static) -> Self {
            self.$name = Some(Arc::new(stage));
            self
        }
    )*};
}

/// Builds a [`Pipeline`]; every stage but thumbnails, quality and upload is required.
#[derive(Debug, Default)]
pub struct PipelineBuilder {
    root: PathBuf,
    script: Option<Arc<dyn ScriptStage>>,
    narration: Option<Arc<dyn NarrationStage>>,
    visuals: Option<Arc<dyn VisualsStage>>,
    timeline: Option<Arc<dyn TimelineStage>>,
    render: Option<Arc<dyn RenderStage>>,
    thumbnails: Option<Arc<dyn ThumbnailStage>>,
    quality: Option<Arc<dyn QualityStage>>,
    uploader: Option<DynUploader>,
    cost: Option<Arc<dyn CostProbe>>,
    limits: ResourceLimits,
    artifacts: Option<Arc<dyn ArtifactBackend>>,
}

impl PipelineBuilder {
    /// Jobs are stored under `root/<job id>/`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self {
            root: root.into(),
            timeline: Some(Arc::new(DefaultTimeline::new())),
            ..Self::default()
        }
    }

    stage_setters! {
        /// The script stage.
        script: ScriptStage,
        /// The narration stage.
        narration: NarrationStage,
        /// The visuals stage.
        visuals: VisualsStage,
        /// Replace the default timeline stage.
        timeline: TimelineStage,
        /// The render stage.
        render: RenderStage,
        /// The thumbnail stage.
        thumbnails: ThumbnailStage,
        /// The quality stage (gates the upload).
        quality: QualityStage,
    }

    /// The uploader (used for jobs with `upload` set).
    #[must_use]
    pub fn uploader(mut self, uploader: DynUploader) -> Self {
        self.uploader = Some(uploader);
        self
    }

    /// Bound concurrent work across jobs (default: [`ResourceLimits::default`]).
    #[must_use]
    pub fn limits(mut self, limits: ResourceLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Mirror every job directory to `backend` and resume jobs from it on a machine that
    /// lacks their folder (see [`ArtifactBackend`]).
    #[must_use]
    pub fn artifacts(mut self, backend: Arc<dyn ArtifactBackend>) -> Self {
        self.artifacts = Some(backend);
        self
    }

    /// Where cost-so-far events come from.
    #[must_use]
    pub fn cost_probe(mut self, probe: Arc<dyn CostProbe>) -> Self {
        self.cost = Some(probe);
        self
    }

    /// Check that every required stage is present.
    pub fn build(self) -> Result<Pipeline> {
        fn need<T>(v: Option<T>, name: &str) -> Result<T> {
            v.ok_or_else(|| {
                Error::config(format!(
                    "pipeline has no {name} stage; add one with .{name}(..)"
                ))
            })
        }
        let (events, _) = broadcast::channel(1024);
        Ok(Pipeline {
            inner: Arc::new(Inner {
                root: self.root,
                script: need(self.script, "script")?,
                narration: need(self.narration, "narration")?,
                visuals: need(self.visuals, "visuals")?,
                timeline: need(self.timeline, "timeline")?,
                render: need(self.render, "render")?,
                thumbnails: self.thumbnails,
                quality: self.quality,
                uploader: self.uploader,
                cost: self.cost,
                limits: self.limits,
                artifacts: self.artifacts,
                events,
            }),
        })
    }
}

#[derive(Debug)]
struct Inner {
    root: PathBuf,
    script: Arc<dyn ScriptStage>,
    narration: Arc<dyn NarrationStage>,
    visuals: Arc<dyn VisualsStage>,
    timeline: Arc<dyn TimelineStage>,
    render: Arc<dyn RenderStage>,
    thumbnails: Option<Arc<dyn ThumbnailStage>>,
    quality: Option<Arc<dyn QualityStage>>,
    uploader: Option<DynUploader>,
    cost: Option<Arc<dyn CostProbe>>,
    limits: ResourceLimits,
    artifacts: Option<Arc<dyn ArtifactBackend>>,
    events: broadcast::Sender<PipelineEvent>,
}

/// Runs jobs: topic → script → narration → visuals → timeline → render → thumbnail →
/// quality → upload. Cheap to clone; clones share stages and the event stream.
#[derive(Debug, Clone)]
pub struct Pipeline {
    inner: Arc<Inner>,
}

impl Pipeline {
    /// Start building a pipeline that stores jobs under `root`.
    pub fn builder(root: impl Into<PathBuf>) -> PipelineBuilder {
        PipelineBuilder::new(root)
    }

    /// Subscribe to events of every job this pipeline runs.
    pub fn subscribe(&self) -> broadcast::Receiver<PipelineEvent> {
        self.inner.events.subscribe()
    }

    /// The directory of job `id`.
    pub fn job_dir(&self, id: &str) -> PathBuf {
        self.inner.root.join(id)
    }

    fn emit(&self, event: PipelineEvent) {
        let _ = self.inner.events.send(event);
    }

    /// Run (or resume) a job until it finishes, fails or `cancel` fires.
    pub async fn run(&self, job: &JobSpec, cancel: &CancellationToken) -> Result<JobOutcome> {
        job.validate()?;
        let mut store = ArtifactStore::new(&self.inner.root, &job.id);
        if let Some(backend) = &self.inner.artifacts {
            store = store.with_backend(backend.clone());
        }
        let manifest = match store.load_manifest().await? {
            Some(m) if m.job.id == job.id => m,
            _ => Manifest::new(job.clone()),
        };
        // A rerun uses the job as first submitted so restored artifacts stay consistent.
        let job = manifest.job.clone();
        let run_store = store.clone();
        let run = Run {
            pipeline: self,
            store,
            job: &job,
            cancel,
            manifest: tokio::sync::Mutex::new(manifest),
            resumed: std::sync::Mutex::new(Vec::new()),
        };

        let script: ScriptOutput = run
            .step(StageName::Script, || self.inner.script.write(&job))
            .await?;

        // Narration and visuals both need only the script: they run at the same time.
        let narrate = run.step(StageName::Narration, || async {
            let narration = self.inner.narration.narrate(&job, &script.script).await?;
            Ok(SavedNarration {
                narration,
                wav: PathBuf::new(),
            })
        });
        let illustrate = run.step(StageName::Visuals, || async {
            // Each visual's bytes go to the store as soon as it is found.
            let mut sink = StoreSink(run_store.clone());
            self.inner
                .visuals
                .visuals_into(&job, &script.script, &mut sink)
                .await
        });
        // Both run to the end even when one fails, so the other's paid work is saved for
        // the rerun; then the first failure is the job's.
        let (narrated, illustrated) = tokio::join!(narrate, illustrate);
        let (
            SavedNarration {
                mut narration,
                wav: wav_path,
            },
            visuals,
        ): (SavedNarration, Vec<Visual>) = (narrated?, illustrated?);

        let timeline: Timeline = run
            .step(StageName::Timeline, || async {
                self.inner
                    .timeline
                    .build(&job, &script.script, &narration, &wav_path, &visuals)
            })
            .await?;

        // The narration's samples are stored (`wav_path`); let them go so memory does not
        // grow with the video's length. The quality stage streams them from the file.
        narration.audio.samples = Vec::new();

        let partial = run_store.dir().join("render.partial.mp4");
        let SavedVideo {
            video,
            summary: render,
        } = run
            .step(StageName::Render, || async {
                let summary = self.inner.render.render(&timeline, &partial).await?;
                Ok(SavedVideo {
                    video: partial.clone(),
                    summary,
                })
            })
            .await?;

        let mut thumbnails = SavedThumbnails {
            thumbnails: Vec::new(),
            files: Vec::new(),
        };
        if let Some(stage) = &self.inner.thumbnails {
            thumbnails = run
                .step(StageName::Thumbnail, || async {
                    Ok(SavedThumbnails {
                        thumbnails: stage.thumbnails(&job, &script, &visuals).await?,
                        files: Vec::new(),
                    })
                })
                .await?;
        }

        let mut quality: Option<QualityVerdict> = None;
        if let Some(stage) = &self.inner.quality {
            let inputs = QualityInputs {
                job: &job,
                script: &script,
                narration: &narration,
                narration_audio: &wav_path,
                video: &video,
                render: &render,
                thumbnails: &thumbnails.thumbnails,
            };
            quality = Some(
                run.step(StageName::Quality, || stage.assess(inputs))
                    .await?,
            );
        }

        let mut receipt = None;
        let mut upload_blocked = None;
        if job.upload {
            if let Some(q) = quality.as_ref().filter(|q| !q.passed) {
                let why = format!(
                    "quality gate blocked the upload (score {:.1}): {}",
                    q.score,
                    q.reasons.join("; ")
                );
                self.emit(PipelineEvent::Warning {
                    job: job.id.clone(),
                    message: why.clone(),
                });
                upload_blocked = Some(why);
            } else {
                let uploader = self.inner.uploader.clone().ok_or_else(|| {
                    Error::config("job asks for upload but the pipeline has no uploader; add one with .uploader(..)")
                })?;
                // Stock pictures are credited at the end of the description.
                let mut metadata = script.metadata.clone();
                metadata.description = crate::with_credits(&metadata.description, &visuals);
                // A planned job goes up private and public at its slot.
                if let Some(at) = job.publish_at {
                    metadata.privacy = crate::Privacy::Private;
                    metadata.publish_at = Some(at);
                }
                let mut request = UploadRequest::new(video.clone(), metadata);
                if let Some(t) = thumbnails.thumbnails.first() {
                    request = request.with_thumbnail(t.clone());
                }
                let sink = UploadProgressEvents::new(self.inner.events.clone(), &job.id);
                let rec: UploadReceipt = run
                    .step(StageName::Upload, || async {
                        let rec = uploader.upload(&request, &sink).await?;
                        if let Some(why) = &rec.thumbnail_error {
                            self.emit(PipelineEvent::Warning {
                                job: job.id.clone(),
                                message: format!(
                                    "video {} is up but its thumbnail was not set: {why}",
                                    rec.video_id
                                ),
                            });
                        }
                        Ok(rec)
                    })
                    .await?;
                receipt = Some(rec);
            }
        }

        self.emit(PipelineEvent::Finished {
            job: job.id.clone(),
        });
        Ok(JobOutcome {
            job: job.id.clone(),
            dir: run.store.dir().to_path_buf(),
            video,
            thumbnails: thumbnails.files,
            script,
            render,
            quality,
            receipt,
            upload_blocked,
            resumed: run.resumed(),
        })
    }
}

/// Stores a visual's in-memory bytes as an artifact and returns it file-backed.
struct StoreSink(ArtifactStore);

#[async_trait::async_trait]
impl VisualSink for StoreSink {
    async fn keep(&mut self, mut visual: Visual) -> Result<Visual> {
        if let VisualContent::Bytes { mime, data } = &visual.content {
            let ext = mime
                .rsplit('/')
                .next()
                .filter(|e| !e.is_empty())
                .unwrap_or("bin")
                .to_string();
            let r = self.0.put_bytes(&ext, data).await?;
            visual.content = VisualContent::File {
                path: self.0.path(&r),
            };
        }
        Ok(visual)
    }
}

/// State of one `run` call.
struct Run<'a> {
    pipeline: &'a Pipeline,
    store: ArtifactStore,
    job: &'a JobSpec,
    cancel: &'a CancellationToken,
    /// The job's manifest, shared by stages that run at the same time.
    manifest: tokio::sync::Mutex<Manifest>,
    resumed: std::sync::Mutex<Vec<StageName>>,
}

impl Run<'_> {
    /// The stages restored from a previous run, in pipeline order (narration and visuals
    /// are restored at the same time).
    fn resumed(&self) -> Vec<StageName> {
        let done = self
            .resumed
            .lock()
            .map(|r| r.clone())
            .unwrap_or_else(|p| p.into_inner().clone());
        StageName::ALL
            .into_iter()
            .filter(|s| done.contains(s))
            .collect()
    }

    /// One stage by its save/restore contract: the output a previous run finished and
    /// stored (its artifacts intact), else `make()`'s future run as a stage, saved and
    /// recorded as finished.
    async fn step<T, F, Fut>(&self, stage: StageName, make: F) -> Result<T>
    where
        T: Saved,
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<T>>,
    {
        let rec = self.manifest.lock().await.stage(stage);
        let intact = rec.state == StageState::Finished
            && rec.outputs.contains_key(T::KEY)
            && rec.outputs.values().all(|r| self.store.exists(r));
        if intact {
            let value = T::load(&self.store, &rec.outputs).await?;
            self.resumed
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(stage);
            tracing::info!(job = %self.job.id, %stage, "restored from a previous run");
            self.pipeline.emit(PipelineEvent::StageFinished {
                job: self.job.id.clone(),
                stage,
                elapsed_secs: 0.0,
                resumed: true,
            });
            return Ok(value);
        }
        let mut value = self.stage(stage, make()).await?;
        let outputs = value.save(&self.store).await?;
        let mut manifest = self.manifest.lock().await;
        let rec = manifest.stages.entry(stage).or_default();
        rec.state = StageState::Finished;
        rec.finished_at = Some(chrono::Utc::now());
        rec.outputs = outputs;
        self.store.save_manifest(&mut manifest).await?;
        Ok(value)
    }

    /// Run one stage's future with labels, a span, progress events and cancellation.
    async fn stage<T, F>(&self, stage: StageName, fut: F) -> Result<T>
    where
        F: std::future::Future<Output = Result<T>>,
    {
        if self.cancel.is_cancelled() {
            return Err(Error::cancelled());
        }
        let job = self.job.id.clone();
        {
            let mut manifest = self.manifest.lock().await;
            let rec = manifest.stages.entry(stage).or_default();
            rec.state = StageState::Running;
            rec.attempts += 1;
            rec.started_at = Some(chrono::Utc::now());
            rec.error = None;
            self.store.save_manifest(&mut manifest).await?;
        }
        let permits = tokio::select! {
            p = self.pipeline.inner.limits.acquire(stage, self.job) => p?,
            () = self.cancel.cancelled() => return Err(Error::cancelled()),
        };
        self.pipeline.emit(PipelineEvent::StageStarted {
            job: job.clone(),
            stage,
        });
        let events = self.pipeline.inner.events.clone();
        let progress_job = job.clone();
        let progress = Arc::new(move |fraction: f64| {
            let _ = events.send(PipelineEvent::StageProgress {
                job: progress_job.clone(),
                stage,
                fraction,
            });
        });
        let started = Instant::now();
        let span = tracing::info_span!("stage", job = %job, stage = %stage);
        let labelled = with_labels(
            Labels::new(job.clone(), stage.as_str()),
            with_progress(progress, fut),
        );
        let result = tokio::select! {
            r = labelled.instrument(span) => r,
            () = self.cancel.cancelled() => Err(Error::cancelled()),
        };
        drop(permits);
        crate::telemetry::record_stage(
            stage.as_str(),
            crate::telemetry::outcome_label(&result),
            started.elapsed(),
        );
        match result {
            Ok(v) => {
                self.pipeline.emit(PipelineEvent::StageFinished {
                    job: job.clone(),
                    stage,
                    elapsed_secs: started.elapsed().as_secs_f64(),
                    resumed: false,
                });
                if let Some(usd) = self
                    .pipeline
                    .inner
                    .cost
                    .as_ref()
                    .and_then(|c| c.job_cost_usd(&job))
                {
                    self.pipeline.emit(PipelineEvent::Cost { job, usd });
                }
                Ok(v)
            }
            Err(e) => {
                let mut manifest = self.manifest.lock().await;
                let rec = manifest.stages.entry(stage).or_default();
                rec.state = StageState::Failed;
                rec.error = Some(e.to_string());
                self.store.save_manifest(&mut manifest).await?;
                drop(manifest);
                tracing::warn!(job = %job, %stage, error = %e, "stage failed");
                self.pipeline.emit(PipelineEvent::Failed {
                    job,
                    stage,
                    kind: e.kind(),
                    error: e.to_string(),
                });
                Err(e)
            }
        }
    }
}

/// Whether `path` names a finished job directory (has a manifest whose render finished).
pub fn job_finished(path: &Path) -> bool {
    std::fs::read(path.join("manifest.json"))
        .ok()
        .and_then(|b| serde_json::from_slice::<Manifest>(&b).ok())
        .is_some_and(|m| m.stage(StageName::Render).state == StageState::Finished)
}

//! [`DefaultChain`]: the whole default pipeline over an application's providers, with
//! [`Budgeted`] around each paid one.

use std::path::PathBuf;
use std::sync::Arc;

use ytempire_core::pipeline::{Pipeline, PipelineBuilder, ResourceLimits, SpeechNarrator};
use ytempire_core::{DynImageSource, DynLanguageModel, DynSpeechSynthesizer, Result};
use ytempire_llm::WriterStage;
use ytempire_render::sources::{RankedVisuals, VisualHistory};
use ytempire_render::video::RenderOptions;
use ytempire_render::{MusicPlan, ThumbnailMaker, VideoRenderer};

use super::{LedgerProbe, QualityGate};
use crate::{Budgeted, CostLedger};

/// The default pipeline: script ([`WriterStage`]), narration ([`SpeechNarrator`]), visuals
/// ([`RankedVisuals`]: candidates from the image sources in order, ranked by relevance to each
/// scene, no repeats within a video or, with [`visual_history`](Self::visual_history), across
/// the channel's last videos), render ([`VideoRenderer`]), thumbnails ([`ThumbnailMaker`]), quality
/// ([`QualityGate`]) and cost events ([`LedgerProbe`]), over the language model, speech
/// synthesizer and image source an application gives (single providers or fallback chains).
///
/// Each provider whose capabilities say it is paid is wrapped in [`Budgeted`] with the
/// ledger, outermost, so a call that would cross the ledger's per-job or per-provider budget
/// is refused before money is spent. Meter each provider into the same ledger first
/// (`Metered`, then `Cache` with a file store so a rerun pays for nothing twice):
/// `Budgeted(Cache(Fallback[Metered(openai), Metered(offline)]))`.
///
/// [`builder`](Self::builder) returns core's [`PipelineBuilder`] with every stage set, so an
/// application can replace any of them or add the uploader before building.
///
/// ```no_run
/// # fn demo(llm: ytempire_core::DynLanguageModel, tts: ytempire_core::DynSpeechSynthesizer,
/// #         images: ytempire_core::DynImageSource) -> ytempire_core::Result<()> {
/// use std::sync::Arc;
/// use ytempire_cost::stage::{DefaultChain, QualityGate};
/// use ytempire_cost::{Catalog, CostLedger};
///
/// let ledger = Arc::new(CostLedger::open("costs.sqlite", Catalog::embedded()?)?);
/// let pipeline = DefaultChain::new("jobs", llm, tts, images, ledger)
///     .thumbnails(2)
///     .quality(QualityGate { threshold: 7.0, ..QualityGate::default() })
///     .build()?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct DefaultChain {
    root: PathBuf,
    llm: DynLanguageModel,
    tts: DynSpeechSynthesizer,
    images: DynImageSource,
    ledger: Arc<CostLedger>,
    render: RenderOptions,
    thumbnails: usize,
    quality: Option<QualityGate>,
    limits: ResourceLimits,
    music: MusicPlan,
    visual_sources: Vec<DynImageSource>,
    visual_history: Option<PathBuf>,
}

impl DefaultChain {
    /// The default chain storing jobs under `root`, over these providers, budgeted and
    /// probed with `ledger`.
    pub fn new(
        root: impl Into<PathBuf>,
        llm: DynLanguageModel,
        tts: DynSpeechSynthesizer,
        images: DynImageSource,
        ledger: Arc<CostLedger>,
    ) -> Self {
        Self {
            root: root.into(),
            llm,
            tts,
            images,
            ledger,
            render: RenderOptions::default(),
            thumbnails: ThumbnailMaker::default().variants,
            quality: Some(QualityGate::default()),
            limits: ResourceLimits::default(),
            music: MusicPlan::default(),
            visual_sources: Vec::new(),
            visual_history: None,
        }
    }

    /// Rank visuals from these sources, asked in order (stock, library, AI, procedural last),
    /// instead of the single `images` source given to [`new`](Self::new). Paid ones are
    /// [`Budgeted`] like the others.
    #[must_use]
    pub fn visual_sources(mut self, sources: Vec<DynImageSource>) -> Self {
        self.visual_sources = sources;
        self
    }

    /// Remember each channel's stock visuals in the JSON file at `path` and never reuse those
    /// of its last 20 videos (default: no memory across videos).
    #[must_use]
    pub fn visual_history(mut self, path: impl Into<PathBuf>) -> Self {
        self.visual_history = Some(path.into());
        self
    }

    /// Render with `options` (default: [`RenderOptions::default`]).
    #[must_use]
    pub fn render_options(mut self, options: RenderOptions) -> Self {
        self.render = options;
        self
    }

    /// Background music (default: [`MusicPlan::default`], a generated ambient bed under the
    /// narration; [`MusicPlan::none`] for none).
    #[must_use]
    pub fn music(mut self, plan: MusicPlan) -> Self {
        self.music = plan;
        self
    }

    /// Make `variants` thumbnails (default 3; 0 leaves the thumbnail stage out).
    #[must_use]
    pub fn thumbnails(mut self, variants: usize) -> Self {
        self.thumbnails = variants;
        self
    }

    /// Gate uploads with `gate` (default: [`QualityGate::default`]).
    #[must_use]
    pub fn quality(mut self, gate: QualityGate) -> Self {
        self.quality = Some(gate);
        self
    }

    /// Leave the quality stage out (nothing gates the upload).
    #[must_use]
    pub fn without_quality(mut self) -> Self {
        self.quality = None;
        self
    }

    /// Bound concurrent work across jobs (default: [`ResourceLimits::default`]).
    #[must_use]
    pub fn limits(mut self, limits: ResourceLimits) -> Self {
        self.limits = limits;
        self
    }

    /// The language model as the chain calls it: [`Budgeted`] when paid.
    pub fn budgeted_llm(&self) -> DynLanguageModel {
        if self.llm.info().capabilities.paid {
            Arc::new(Budgeted::new(self.llm.clone(), self.ledger.clone()))
        } else {
            self.llm.clone()
        }
    }

    /// The speech synthesizer as the chain calls it: [`Budgeted`] when paid.
    pub fn budgeted_tts(&self) -> DynSpeechSynthesizer {
        if self.tts.info().capabilities.paid {
            Arc::new(Budgeted::new(self.tts.clone(), self.ledger.clone()))
        } else {
            self.tts.clone()
        }
    }

    /// The image source as the chain calls it: [`Budgeted`] when paid.
    pub fn budgeted_images(&self) -> DynImageSource {
        if self.images.info().capabilities.paid {
            Arc::new(Budgeted::new(self.images.clone(), self.ledger.clone()))
        } else {
            self.images.clone()
        }
    }

    /// The visuals stage: [`RankedVisuals`] over the visual sources (or the one image
    /// source), each [`Budgeted`] when paid.
    pub fn visuals_stage(&self) -> RankedVisuals {
        let sources = if self.visual_sources.is_empty() {
            vec![self.budgeted_images()]
        } else {
            self.visual_sources
                .iter()
                .map(|s| {
                    if s.info().capabilities.paid {
                        Arc::new(Budgeted::new(s.clone(), self.ledger.clone())) as DynImageSource
                    } else {
                        s.clone()
                    }
                })
                .collect()
        };
        let stage = RankedVisuals::new(sources);
        match &self.visual_history {
            Some(path) => stage.with_history(VisualHistory::new(path.clone())),
            None => stage,
        }
    }

    /// Core's builder with every default stage set: replace any, add an uploader, then
    /// [`build`](PipelineBuilder::build).
    pub fn builder(self) -> PipelineBuilder {
        let mut builder = Pipeline::builder(&self.root)
            .script(WriterStage::new(self.budgeted_llm()))
            .narration(SpeechNarrator::new(self.budgeted_tts()))
            .visuals(self.visuals_stage())
            .render(VideoRenderer::new(self.render.clone()).with_music(self.music.clone()))
            .cost_probe(Arc::new(LedgerProbe(self.ledger.clone())))
            .limits(self.limits.clone());
        if self.thumbnails > 0 {
            builder = builder.thumbnails(ThumbnailMaker {
                variants: self.thumbnails,
            });
        }
        if let Some(gate) = self.quality {
            builder = builder.quality(gate);
        }
        builder
    }

    /// The pipeline.
    ///
    /// # Errors
    /// As [`PipelineBuilder::build`] (never, with every stage set).
    pub fn build(self) -> Result<Pipeline> {
        self.builder().build()
    }
}

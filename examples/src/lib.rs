//! Shared wiring for the `ytempire` command and the runnable examples: the offline provider
//! preset, a ledger opener and the default pipeline.
//!
//! The pipeline stages live in the crates that own them: the script stage in `ytempire-llm`
//! ([`WriterStage`]), render and thumbnails in `ytempire-render` ([`VideoRenderer`],
//! [`ThumbnailMaker`]), the quality gate, cost probe and the default chain with budgets in
//! `ytempire-cost` ([`QualityGate`], [`LedgerProbe`], [`DefaultChain`]). They are re-exported
//! here so code written against this crate keeps compiling.

pub mod cli;
pub mod config;
pub mod lanes;
pub mod scoring;
pub mod util;
pub mod webhook;

use std::path::Path;
use std::sync::Arc;

use ytempire_core::layers::{
    CacheStore, ImageSourceLayers, LanguageModelLayers, SpeechSynthesizerLayers,
};
use ytempire_core::metering::Labels;
use ytempire_core::pipeline::{Pipeline, ResourceLimits};
use ytempire_core::{
    DynImageSource, DynLanguageModel, DynSpeechSynthesizer, Error, Result, UsageSink,
};
use ytempire_cost::CostLedger;
use ytempire_render::video::RenderOptions;

pub use ytempire_cost::stage::{
    DefaultChain, LedgerProbe, QualityGate, audio_expectations, sample_video, score_job,
};
pub use ytempire_llm::WriterStage;
pub use ytempire_render::{ThumbnailMaker, VideoRenderer};

/// The offline providers as `Cache(Metered(provider))`: the offline writer, espeak-ng and
/// procedural visuals, metered into `sink` and cached in `cache` (so a rerun after a crash
/// repeats no call, even inside an interrupted stage).
pub fn offline_providers(
    sink: Arc<dyn UsageSink>,
    cache: Arc<dyn CacheStore>,
) -> (DynLanguageModel, DynSpeechSynthesizer, DynImageSource) {
    let llm = ytempire_llm::OfflineWriter::new()
        .metered(sink.clone(), Labels::default())
        .with_cache(cache.clone())
        .into_dyn();
    let tts = ytempire_tts::EspeakNg::new()
        .metered(sink.clone(), Labels::default())
        .with_cache(cache.clone())
        .into_dyn();
    let images = ytempire_render::sources::Procedural::new()
        .metered(sink, Labels::default())
        .with_cache(cache)
        .into_dyn();
    (llm, tts, images)
}

/// The default pipeline ([`DefaultChain`]: paid providers budgeted with `ledger`, three
/// thumbnails, the default quality gate, cost events from `ledger`) over the given
/// providers, storing jobs under `root`.
///
/// # Errors
/// As [`DefaultChain::build`].
pub fn pipeline(
    root: &Path,
    llm: DynLanguageModel,
    tts: DynSpeechSynthesizer,
    images: DynImageSource,
    ledger: Arc<CostLedger>,
    render: RenderOptions,
    limits: ResourceLimits,
) -> Result<Pipeline> {
    DefaultChain::new(root, llm, tts, images, ledger)
        .render_options(render)
        .limits(limits)
        .build()
}

/// Open (or create) a cost ledger with the embedded price catalog.
///
/// # Errors
/// `Io` when the parent directory cannot be made; the ledger's errors otherwise.
pub fn open_ledger(path: &Path) -> Result<Arc<CostLedger>> {
    let catalog = ytempire_cost::Catalog::embedded()?;
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| Error::io(format!("creating {}", parent.display()), e))?;
    }
    Ok(Arc::new(CostLedger::open(path, catalog)?))
}

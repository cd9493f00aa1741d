//! # ytempire-cost
//!
//! What a video costs and whether it is good enough to publish.
//!
//! - [`catalog`]: versioned, overridable price data; unknown models are [`Cost::Unpriced`].
//! - [`ledger`]: [`CostLedger`], a [`ytempire_core::UsageSink`] persisting every attempt in
//!   SQLite or (feature `postgres`) on a PostgreSQL server that workers on many machines
//!   share, with aggregates and CSV/JSON export.
//! - [`budget`]: per-job and per-provider-per-day budgets, alerts at 50/80/100 %, and the
//!   [`Budgeted`] decorator that refuses (or degrades) a call before it would cross a cap.
//! - [`report`]: a self-contained HTML cost report with SVG charts and recommendations.
//! - [`quality`]: 0–10 quality scores with sub-scores and human-readable reasons for scripts,
//!   audio (loudness, clipping, silence, speaking rate), video (black and frozen frames,
//!   resolution and frame rate, caption coverage, duration match, repeated visuals), metadata
//!   and thumbnails; a [`QualityReport`] combining them; the pre-upload [`gate`](quality::gate)
//!   and [`gate_report`](quality::gate_report) (content-policy checklist, then threshold and
//!   policy); and [`AbStore`], persisted A/B variant assignments and outcomes with a
//!   per-variant summary.
//! - [`stage`]: the pipeline's quality stage ([`QualityGate`]) and cost probe
//!   ([`LedgerProbe`]), and [`DefaultChain`], the whole default pipeline with [`Budgeted`]
//!   around each paid provider.
//!
//! ## The default pipeline in a few lines
//!
//! Providers metered into the ledger and cached on disk (so a rerun after a crash pays for
//! nothing twice), a fallback from a paid model to the offline writer, and budgets: a call
//! that would take the job past $3.00 (the default cap) is refused before it is made.
//!
//! ```no_run
//! # async fn demo() -> ytempire_core::Result<()> {
//! use std::sync::Arc;
//! use ytempire_core::layers::{
//!     CacheStore, Fallback, FsCacheStore, ImageSourceLayers, LanguageModelLayers,
//!     SpeechSynthesizerLayers,
//! };
//! use ytempire_core::metering::Labels;
//! use ytempire_core::pipeline::{CancellationToken, JobSpec};
//! use ytempire_core::{DynLanguageModel, LanguageModel, Topic};
//! use ytempire_cost::{BudgetConfig, Catalog, CostLedger, DefaultChain};
//!
//! let ledger = Arc::new(
//!     CostLedger::open("jobs/costs.sqlite", Catalog::embedded()?)?
//!         .with_budgets(BudgetConfig::default()),
//! );
//! let cache: Arc<dyn CacheStore> = Arc::new(FsCacheStore::new("jobs/cache"));
//! # let paid: DynLanguageModel = Arc::new(ytempire_llm::OfflineWriter::new());
//! // `paid`: e.g. ytempire_llm::OpenAiCompatible, with the `openai` feature.
//! let llm = Arc::new(Fallback::<dyn LanguageModel>::new(vec![
//!     paid.metered(ledger.clone(), Labels::default()).into_dyn(),
//!     ytempire_llm::OfflineWriter::new().metered(ledger.clone(), Labels::default()).into_dyn(),
//! ]))
//! .with_cache(cache.clone())
//! .into_dyn();
//! let tts = ytempire_tts::EspeakNg::new()
//!     .metered(ledger.clone(), Labels::default())
//!     .with_cache(cache.clone())
//!     .into_dyn();
//! let images = ytempire_render::sources::Procedural::new()
//!     .metered(ledger.clone(), Labels::default())
//!     .into_dyn();
//!
//! let pipeline = DefaultChain::new("jobs", llm, tts, images, ledger).build()?;
//! let job = JobSpec::new("octopus-1", Topic::new("How octopuses change colour"));
//! let outcome = pipeline.run(&job, &CancellationToken::new()).await?;
//! println!(
//!     "{} written by {}",
//!     outcome.video.display(),
//!     outcome.script.script.written_by.unwrap_or_default()
//! );
//! # Ok(()) }
//! ```

#![forbid(unsafe_code)]

pub mod budget;
pub mod catalog;
pub mod ledger;
pub mod quality;
pub mod report;
pub mod stage;

pub use budget::{Alert, BudgetConfig, BudgetScope, Budgeted, Reservation};
pub use catalog::{Catalog, Cost, PriceEntry};
pub use ledger::{Aggregate, CostLedger, GroupBy, LedgerEntry};
pub use quality::{AbStore, QualityReport, QualityScore, SubScore};
pub use report::{CostReport, render_report_file};
pub use rust_decimal::Decimal;
pub use stage::{DefaultChain, LedgerProbe, QualityGate};

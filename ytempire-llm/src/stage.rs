//! The pipeline's script stage: [`WriterStage`] implements core's [`ScriptStage`] over
//! [`ScriptWriter`], so a [`Pipeline`](ytempire_core::pipeline::Pipeline) writes its scripts
//! with any language model (or fallback chain of them), validated and repaired.
//!
//! The script records the model that actually answered (`Script::written_by`), even when a
//! fallback chain skipped its first model. The upload metadata is completed from the job's
//! channel (made for kids, privacy) and always discloses synthetic media: the narration is
//! synthesised and the visuals may be generated. A topic that came from a trend
//! ([`Topic::link`](ytempire_core::Topic::link)) is cited at the end of the description; its
//! notes (the trend's headline, summary and link) reach the model in the prompt.
//!
//! ```no_run
//! use std::sync::Arc;
//! use ytempire_core::pipeline::{Pipeline, SourceVisuals, SpeechNarrator};
//! use ytempire_core::{DynImageSource, DynSpeechSynthesizer};
//! use ytempire_llm::{OfflineWriter, WriterStage};
//! # fn demo(tts: DynSpeechSynthesizer, images: DynImageSource,
//! #         render: impl ytempire_core::pipeline::RenderStage + 'static) -> ytempire_core::Result<()> {
//! let pipeline = Pipeline::builder("jobs")
//!     .script(WriterStage::new(Arc::new(OfflineWriter::new())))
//!     .narration(SpeechNarrator::new(tts))
//!     .visuals(SourceVisuals::new(images))
//!     .render(render)
//!     .build()?;
//! # Ok(()) }
//! ```

use std::time::Duration;

use async_trait::async_trait;
use ytempire_core::pipeline::{JobSpec, ScriptOutput, ScriptStage, report_progress};
use ytempire_core::{DynLanguageModel, Result};

use crate::{ScriptRequest, ScriptWriter};

/// [`ScriptStage`] over [`ScriptWriter`] (any language model, validated and repaired output).
#[derive(Debug, Clone)]
pub struct WriterStage {
    writer: ScriptWriter,
}

impl WriterStage {
    /// Write scripts with `model` and the writer's defaults.
    pub fn new(model: DynLanguageModel) -> Self {
        Self::from_writer(ScriptWriter::new(model))
    }

    /// Write scripts with a configured `writer` (templates, attempts, temperature).
    pub fn from_writer(writer: ScriptWriter) -> Self {
        Self { writer }
    }

    /// The writer.
    pub fn writer(&self) -> &ScriptWriter {
        &self.writer
    }
}

#[async_trait]
impl ScriptStage for WriterStage {
    async fn write(&self, job: &JobSpec) -> Result<ScriptOutput> {
        let req = ScriptRequest::new(
            job.topic.clone(),
            job.channel.clone(),
            Duration::from_secs_f64(job.target_duration_secs),
        );
        let out = self.writer.write(&req).await?;
        let mut metadata = out.metadata;
        metadata.made_for_kids = Some(job.channel.made_for_kids);
        // Synthetic narration and generated visuals: disclose.
        metadata.contains_synthetic_media = Some(true);
        metadata.privacy = job.channel.default_privacy;
        // A topic found in the news cites where it was found.
        if let Some(link) = &job.topic.link {
            metadata.description = ytempire_core::cite_source(&metadata.description, link);
        }
        metadata.validate()?;
        report_progress(1.0);
        Ok(ScriptOutput {
            script: out.script,
            metadata,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use ytempire_core::layers::Fallback;
    use ytempire_core::testing::FakeLlm;
    use ytempire_core::{ErrorKind, LanguageModel, Topic};

    use super::*;
    use crate::OfflineWriter;

    fn job() -> JobSpec {
        JobSpec::new("j1", Topic::new("Why the sky is blue")).with_duration(30.0)
    }

    /// Behind a fallback chain whose first model is down, the script names the model that
    /// wrote it, not the chain's first one.
    #[tokio::test]
    async fn written_by_names_the_model_that_answered() {
        let dead = Arc::new(FakeLlm::new().named("openai", "gpt-4o"));
        dead.fail_next(ErrorKind::Transport);
        let chain: DynLanguageModel = Arc::new(Fallback::<dyn LanguageModel>::new(vec![
            dead.clone(),
            Arc::new(OfflineWriter::new()),
        ]));
        assert_eq!(chain.info().provider, "openai");
        let out = WriterStage::new(chain).write(&job()).await.unwrap();
        assert_eq!(dead.calls(), 1);
        let by = out.script.written_by.unwrap_or_default();
        assert!(by.starts_with("offline/"), "{by}");
    }

    /// The metadata discloses synthetic media and follows the channel.
    #[tokio::test]
    async fn metadata_follows_the_channel_and_discloses_synthetic_media() {
        let stage = WriterStage::new(Arc::new(OfflineWriter::new()));
        let out = stage.write(&job()).await.unwrap();
        assert_eq!(out.metadata.contains_synthetic_media, Some(true));
        assert_eq!(
            out.metadata.made_for_kids,
            Some(job().channel.made_for_kids)
        );
        assert_eq!(out.metadata.privacy, job().channel.default_privacy);
        assert!(!out.script.scenes.is_empty());
    }
}

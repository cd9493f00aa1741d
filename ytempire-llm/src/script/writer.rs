//! [`ScriptWriter`]: turns a topic into a validated [`Script`] and [`VideoMetadata`] with any
//! [`LanguageModel`].

use std::time::Duration;

use serde::Serialize;
use ytempire_core::{
    ChannelProfile, ChatRequest, DynLanguageModel, Error, ErrorKind, InputUnit, Message,
    Provenance, ResponseFormat, Result, Script, Topic, Usage, VideoMetadata,
};

use super::{Brief, ContentScenario, Problem, ScriptValidationError, Tolerance, parse_draft};
use crate::script::script_schema;
use crate::templates::TemplateSet;
use crate::tokens::TokenCounter;

/// What to write.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ScriptRequest {
    /// The subject, with optional keywords and notes.
    pub topic: Topic,
    /// Who it is for.
    pub channel: ChannelProfile,
    /// How long the narration should last.
    pub target_duration: Duration,
    /// Narration language; the channel's when `None`.
    pub language: Option<String>,
    /// Kind of video; detected from the title when `None`.
    pub scenario: Option<ContentScenario>,
}

impl ScriptRequest {
    /// A request for `topic` on `channel`, lasting `target_duration`.
    pub fn new(topic: Topic, channel: ChannelProfile, target_duration: Duration) -> Self {
        Self {
            topic,
            channel,
            target_duration,
            language: None,
            scenario: None,
        }
    }

    /// Set the language.
    #[must_use]
    pub fn with_language(mut self, language: impl Into<String>) -> Self {
        self.language = Some(language.into());
        self
    }

    /// Set the scenario.
    #[must_use]
    pub fn with_scenario(mut self, scenario: ContentScenario) -> Self {
        self.scenario = Some(scenario);
        self
    }

    /// The brief sent to the model.
    pub fn brief(&self) -> Brief {
        let mut brief = Brief::new(
            &self.topic,
            &self.channel,
            self.target_duration,
            self.scenario,
        );
        if let Some(lang) = &self.language {
            brief.language = lang.clone();
        }
        brief
    }
}

/// A validated script with its upload metadata and what it cost.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct GeneratedScript {
    /// The script (its `template` and `written_by` are set).
    pub script: Script,
    /// Upload metadata; passes `VideoMetadata::validate`.
    pub metadata: VideoMetadata,
    /// Hashtags (also appended to the description).
    pub hashtags: Vec<String>,
    /// The brief the script was written to.
    pub brief: Brief,
    /// Usage summed over every attempt.
    pub usage: Usage,
    /// Answers requested (1 when the first answer was valid).
    pub attempts: u32,
    /// `provider/model` that wrote it: the model that actually answered (after any
    /// fallback), as in the script's `written_by`.
    pub provider: String,
    /// `name@version` of the prompt template.
    pub template: String,
}

/// Writes scripts with any [`LanguageModel`](ytempire_core::LanguageModel).
///
/// Structured output uses `json_schema` when the model's capabilities allow it, JSON mode
/// with the schema in the prompt when only that is available, and plain text with the schema
/// in the prompt otherwise. Each answer is parsed and validated (scene count, words per
/// scene and in total against the plan, no empty fields, YouTube metadata rules, banned
/// terms); a failing answer is sent back with the list of problems, up to `max_attempts`
/// answers in all. Provider errors are returned at once: retries and fallback belong to the
/// layers around the model.
///
/// ```no_run
/// # async fn demo() -> ytempire_core::Result<()> {
/// use std::{sync::Arc, time::Duration};
/// use ytempire_core::{ChannelProfile, Topic};
/// use ytempire_llm::{OfflineWriter, ScriptRequest, ScriptWriter};
/// let writer = ScriptWriter::new(Arc::new(OfflineWriter::new()));
/// let req = ScriptRequest::new(Topic::new("Why the sky is blue"), ChannelProfile::default(),
///     Duration::from_secs(60));
/// let out = writer.write(&req).await?;
/// println!("{}", out.script.full_narration());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ScriptWriter {
    model: DynLanguageModel,
    templates: TemplateSet,
    tolerance: Tolerance,
    max_attempts: u32,
    temperature: Option<f32>,
}

#[derive(Serialize)]
struct Vars<'a> {
    topic: &'a str,
    keywords: &'a [String],
    notes: &'a str,
    persona: String,
    channel: &'a str,
    niche: &'a str,
    tone: &'a str,
    audience: &'a str,
    language: &'a str,
    duration_secs: u64,
    words_per_minute: u32,
    total_words: usize,
    scene_count: usize,
    words_per_scene: usize,
    hook_words: usize,
    outro_words: usize,
    scenario: &'a str,
    schema: String,
    brief: String,
    problems: Vec<String>,
}

impl ScriptWriter {
    /// A writer over `model` with the built-in templates, default tolerance and 3 attempts.
    pub fn new(model: DynLanguageModel) -> Self {
        Self {
            model,
            templates: TemplateSet::default(),
            tolerance: Tolerance::default(),
            max_attempts: 3,
            temperature: Some(0.7),
        }
    }

    /// Use other templates.
    #[must_use]
    pub fn with_templates(mut self, templates: TemplateSet) -> Self {
        self.templates = templates;
        self
    }

    /// Use another tolerance.
    #[must_use]
    pub fn with_tolerance(mut self, tolerance: Tolerance) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// Most answers to request per script (at least 1).
    #[must_use]
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The model in use.
    pub fn model(&self) -> &DynLanguageModel {
        &self.model
    }

    /// Write, validate and (if needed) repair a script.
    ///
    /// # Errors
    /// The model's own errors unchanged; [`ErrorKind::ContextLengthExceeded`] before any call
    /// when the prompt cannot fit the model's window; [`ErrorKind::InvalidResponse`] with code
    /// `script_validation_failed` and a [`ScriptValidationError`] source when no answer
    /// validated within the attempts.
    pub async fn write(&self, request: &ScriptRequest) -> Result<GeneratedScript> {
        let info = self.model.info();
        let caps = info.capabilities;
        let brief = request.brief();
        let plan = brief.plan;
        let template = self.templates.get(brief.scenario);
        let schema = script_schema();
        let format = if caps.json_schema {
            ResponseFormat::JsonSchema {
                name: "video_script".into(),
                schema: schema.clone(),
                strict: true,
            }
        } else if caps.json_mode {
            ResponseFormat::JsonObject
        } else {
            ResponseFormat::Text
        };
        let schema_in_prompt = if caps.json_schema {
            String::new()
        } else {
            serde_json::to_string(&schema).unwrap_or_default()
        };
        let persona = format!(
            "the voice of {}, a channel about {}",
            request.channel.name, request.channel.niche
        );
        let mut vars = Vars {
            topic: &brief.topic,
            keywords: &brief.keywords,
            notes: brief.notes.as_deref().unwrap_or_default(),
            persona,
            channel: &brief.channel,
            niche: &brief.niche,
            tone: &brief.tone,
            audience: &brief.audience,
            language: &brief.language,
            duration_secs: plan.duration_secs.round() as u64,
            words_per_minute: plan.words_per_minute,
            total_words: plan.total_words,
            scene_count: plan.scenes,
            words_per_scene: plan.words_per_scene,
            hook_words: plan.hook_words,
            outro_words: plan.outro_words,
            scenario: brief.scenario.as_str(),
            schema: schema_in_prompt,
            brief: brief.to_line(),
            problems: Vec::new(),
        };
        let (system, user) = template.render(&vars)?;
        let mut messages = vec![Message::system(system), Message::user(user)];
        // JSON is wordier than the narration: about 1.4 tokens a word plus structure.
        let want_output = (plan.total_words * 2 + 600) as u32;
        let max_tokens = caps
            .max_output
            .map_or(want_output, |m| want_output.min(m as u32));
        let counter = TokenCounter::for_model(&info.model);
        let mut usage = Usage::default();
        let mut last_problems = Vec::new();
        for attempt in 1..=self.max_attempts {
            let mut req = ChatRequest::new(messages.clone())
                .with_max_tokens(max_tokens)
                .with_format(format.clone());
            req.temperature = self.temperature;
            if let (Some(window), InputUnit::Tokens) = (caps.max_input, caps.input_unit) {
                counter.check_fits(&req, window)?;
            }
            let response = self.model.complete(&req).await?;
            usage += response.usage.clone();
            let problems = match parse_draft(&response.text) {
                Ok(draft) => {
                    let problems = draft.problems(&plan, &self.tolerance, &request.channel);
                    if problems.is_empty() {
                        // Who answered, not who was asked first: behind a fallback chain
                        // `info()` names the chain's first model.
                        let answered = response.provenance(&info);
                        let language = written_language(&answered, &brief.language);
                        if language != brief.language {
                            tracing::warn!(
                                channel_language = %brief.language,
                                "the offline writer writes English only: the script, its voice \
                                 and its captions are English (set a language-model key or a \
                                 local server for {})",
                                brief.language
                            );
                        }
                        let mut script = draft.to_script(&plan, language);
                        let written_by = answered.label();
                        script.template = Some(template.id());
                        script.written_by = Some(written_by.clone());
                        let metadata = draft.to_metadata(&request.channel, language);
                        return Ok(GeneratedScript {
                            script,
                            metadata,
                            hashtags: draft.metadata.hashtags,
                            brief,
                            usage,
                            attempts: attempt,
                            provider: written_by,
                            template: template.id(),
                        });
                    }
                    problems
                }
                Err(p) => vec![p],
            };
            tracing::debug!(attempt, problems = problems.len(), model = %info.label(), "script failed validation");
            vars.problems = problems.iter().map(Problem::to_string).collect();
            let (_, repair) = self.templates.repair().render(&vars)?;
            messages.push(Message::assistant(response.text));
            messages.push(Message::user(repair));
            last_problems = problems;
        }
        let source = ScriptValidationError {
            problems: last_problems,
            attempts: self.max_attempts,
        };
        Err(Error::new(ErrorKind::InvalidResponse, source.to_string())
            .with_provider(info.label())
            .with_code("script_validation_failed")
            .with_source(source))
    }
}

/// The language a script is written in: the channel's, except when the offline writer
/// answered (it writes English only), so the voice and captions follow the text.
fn written_language<'a>(answered: &Provenance, channel_language: &'a str) -> &'a str {
    let english = channel_language
        .split(['-', '_'])
        .next()
        .is_some_and(|l| l.eq_ignore_ascii_case("en"));
    if answered.provider == crate::offline::PROVIDER && !english {
        "en"
    } else {
        channel_language
    }
}

//! Structured script generation: plan → prompt → model → parse → validate → repair.

mod draft;
mod plan;
mod writer;

use std::time::Duration;

use serde::{Deserialize, Serialize};
use ytempire_core::{ChannelProfile, Topic};

pub use draft::{
    MetadataDraft, Problem, SceneDraft, ScriptDraft, ScriptValidationError, parse_draft,
    script_schema,
};
pub use plan::{ContentScenario, ScriptPlan, Tolerance};
pub use writer::{GeneratedScript, ScriptRequest, ScriptWriter};

/// Everything a writer needs to know about one script, in one serialisable value.
///
/// Script prompts end with a `BRIEF: {json}` line carrying it, so any model (and the offline
/// writer) sees the exact sizing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Brief {
    /// The topic title.
    pub topic: String,
    /// Keywords for search, visuals and tags.
    pub keywords: Vec<String>,
    /// Notes or source text supplied by the user.
    pub notes: Option<String>,
    /// The kind of video.
    pub scenario: ContentScenario,
    /// Word and scene budget.
    pub plan: ScriptPlan,
    /// BCP-47 language of the narration.
    pub language: String,
    /// Channel name.
    pub channel: String,
    /// Channel niche.
    pub niche: String,
    /// Who watches.
    pub audience: String,
    /// Tone words.
    pub tone: String,
}

const BRIEF_PREFIX: &str = "BRIEF: ";

impl Brief {
    /// The brief for a topic, channel and duration; the scenario is detected from the title
    /// when not given.
    pub fn new(
        topic: &Topic,
        channel: &ChannelProfile,
        duration: Duration,
        scenario: Option<ContentScenario>,
    ) -> Self {
        let scenario = scenario.unwrap_or_else(|| ContentScenario::detect(&topic.title));
        Self {
            topic: topic.title.clone(),
            keywords: topic.keywords.clone(),
            notes: topic.notes.clone().filter(|n| !n.trim().is_empty()),
            scenario,
            plan: ScriptPlan::for_topic(topic, channel, duration, scenario),
            language: channel.language.clone(),
            channel: channel.name.clone(),
            niche: channel.niche.clone(),
            audience: channel.audience.clone(),
            tone: channel.tone.clone(),
        }
    }

    /// The brief as one line of JSON.
    pub fn to_line(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Find the last `BRIEF: {json}` line in a prompt.
    pub fn find_in(prompt: &str) -> Option<Self> {
        prompt
            .lines()
            .rev()
            .filter_map(|l| l.trim().strip_prefix(BRIEF_PREFIX))
            .find_map(|json| serde_json::from_str(json).ok())
    }
}

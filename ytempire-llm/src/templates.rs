//! Versioned, named prompt templates rendered with `minijinja`.
//!
//! A [`PromptTemplate`] is a name, a version and two Jinja sources (system and user). Each
//! generated script records `name@version` in `Script::template`, so a change of wording
//! shows up in the data. [`TemplateSet`] holds one template per [`ContentScenario`] plus the
//! repair prompt; callers can replace any of them.
//!
//! Variables available to every template: `topic`, `keywords`, `notes`, `persona`, `channel`,
//! `niche`, `tone`, `audience`, `language`, `duration_secs`, `words_per_minute`,
//! `total_words`, `scene_count`, `words_per_scene`, `hook_words`, `outro_words`, `scenario`,
//! `schema` (the JSON Schema, when it must go in the prompt), `brief` (a one-line JSON brief).
//! The repair template also gets `problems` (a list of strings).

use std::collections::BTreeMap;

use minijinja::Environment;
use serde::Serialize;
use ytempire_core::{Error, Result};

use crate::script::ContentScenario;

/// One named, versioned prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromptTemplate {
    /// Name, e.g. `script-explainer`.
    pub name: String,
    /// Version; bump it whenever the wording changes.
    pub version: u32,
    /// Jinja source of the system message.
    pub system: String,
    /// Jinja source of the user message.
    pub user: String,
}

impl PromptTemplate {
    /// A template from its parts.
    pub fn new(
        name: impl Into<String>,
        version: u32,
        system: impl Into<String>,
        user: impl Into<String>,
    ) -> Self {
        Self {
            name: name.into(),
            version,
            system: system.into(),
            user: user.into(),
        }
    }

    /// `name@version`, as recorded in `Script::template`.
    pub fn id(&self) -> String {
        format!("{}@{}", self.name, self.version)
    }

    /// Render the system and user messages with `vars`.
    pub fn render(&self, vars: &impl Serialize) -> Result<(String, String)> {
        let mut env = Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        let ctx = minijinja::Value::from(minijinja::value::Serde(vars));
        let render = |src: &str| {
            env.render_str(src, ctx.clone()).map_err(|e| {
                Error::config(format!(
                    "prompt template {} does not render: {e}",
                    self.id()
                ))
            })
        };
        let system = render(&self.system)?;
        let user = render(&self.user)?;
        Ok((system, user))
    }
}

const SYSTEM: &str = "You are the scriptwriter of the YouTube channel \"{{ channel }}\" about {{ niche }}. \
Persona: {{ persona }}. Tone: {{ tone }}. Audience: {{ audience }}. \
Write narration to be read aloud by a text-to-speech voice in language \"{{ language }}\": short spoken sentences, \
no stage directions, no emojis, no markdown inside the narration. State only facts you are confident of; \
prefer the notes when they are given. Answer with one JSON object and nothing else.";

const USER_TAIL: &str = "
Length: the video lasts {{ duration_secs }} seconds at {{ words_per_minute }} words per minute, so the whole \
narration must have about {{ total_words }} words: a hook of about {{ hook_words }} words, exactly {{ scene_count }} \
scenes of about {{ words_per_scene }} words each, and an outro of about {{ outro_words }} words with a call to action.
Each scene needs a visual_cue (a concrete stock-footage search query, always in English whatever the narration's language: \
stock libraries are searched in English) and on_screen_text (at most 6 words, in the narration's language).
Metadata: a title of at most 90 characters without < or >, a description of 2-4 sentences, 5-12 tags, and 2-4 hashtags.
{% if keywords %}Keywords: {{ keywords | join(\", \") }}.
{% endif %}{% if notes %}Notes and source text to draw on:
\"\"\"
{{ notes }}
\"\"\"
{% endif %}{% if schema %}The JSON must match this JSON Schema:
{{ schema }}
{% endif %}BRIEF: {{ brief }}";

fn user(head: &str) -> String {
    format!("{head}{USER_TAIL}")
}

impl ContentScenario {
    /// The built-in template for this scenario.
    pub fn default_template(self) -> PromptTemplate {
        let head = match self {
            Self::Listicle => {
                "Write a listicle video script: \"{{ topic }}\". Each scene presents one item of the list, \
numbered in the narration (\"Number one: ...\"), with a concrete example or reason."
            }
            Self::Explainer => {
                "Write an explainer video script: \"{{ topic }}\". Start from what viewers already know, \
explain the idea step by step, correct one common misconception, and end with why it matters."
            }
            Self::NewsRecap => {
                "Write a news recap video script: \"{{ topic }}\". Say what happened, who is involved, \
why it matters and what to watch next. Stick to the facts in the notes; do not invent dates or numbers."
            }
            Self::HowTo => {
                "Write a how-to video script: \"{{ topic }}\". List what is needed, then give the steps \
in order, one step per scene, with the common mistake to avoid."
            }
            Self::Story => {
                "Write a storytelling video script: \"{{ topic }}\". Set the scene, build tension, reach a \
turning point and close with what the story teaches."
            }
        };
        PromptTemplate::new(format!("script-{}", self.as_str()), 1, SYSTEM, user(head))
    }
}

/// The built-in repair prompt, sent after an answer fails validation.
pub fn default_repair_template() -> PromptTemplate {
    PromptTemplate::new(
        "script-repair",
        1,
        SYSTEM,
        "Your previous answer cannot be used. Fix every problem below and answer again with the \
complete JSON object only.\nProblems:\n{% for p in problems %}- {{ p }}\n{% endfor %}BRIEF: {{ brief }}",
    )
}

/// One template per scenario plus the repair prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateSet {
    scenarios: BTreeMap<ContentScenario, PromptTemplate>,
    repair: PromptTemplate,
}

impl Default for TemplateSet {
    fn default() -> Self {
        Self {
            scenarios: ContentScenario::ALL
                .iter()
                .map(|s| (*s, s.default_template()))
                .collect(),
            repair: default_repair_template(),
        }
    }
}

impl TemplateSet {
    /// The built-in templates.
    pub fn new() -> Self {
        Self::default()
    }

    /// Replace the template of one scenario.
    #[must_use]
    pub fn with_template(mut self, scenario: ContentScenario, template: PromptTemplate) -> Self {
        self.scenarios.insert(scenario, template);
        self
    }

    /// Replace the repair template.
    #[must_use]
    pub fn with_repair(mut self, template: PromptTemplate) -> Self {
        self.repair = template;
        self
    }

    /// The template of a scenario.
    pub fn get(&self, scenario: ContentScenario) -> PromptTemplate {
        self.scenarios
            .get(&scenario)
            .cloned()
            .unwrap_or_else(|| scenario.default_template())
    }

    /// The repair template.
    pub fn repair(&self) -> &PromptTemplate {
        &self.repair
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_variables_and_reports_missing_ones() {
        let t = PromptTemplate::new("t", 2, "Tone {{ tone }}", "About {{ topic }}");
        let (s, u) = t
            .render(&serde_json::json!({"tone": "calm", "topic": "tides"}))
            .unwrap();
        assert_eq!((s.as_str(), u.as_str()), ("Tone calm", "About tides"));
        assert_eq!(t.id(), "t@2");
        let err = t.render(&serde_json::json!({"tone": "calm"})).unwrap_err();
        assert!(err.to_string().contains("t@2"), "{err}");
    }

    #[test]
    fn every_builtin_has_a_distinct_versioned_name() {
        let set = TemplateSet::new();
        let ids: std::collections::BTreeSet<String> = ContentScenario::ALL
            .iter()
            .map(|s| set.get(*s).id())
            .collect();
        assert_eq!(ids.len(), 5);
        assert!(ids.contains("script-how_to@1"));
    }

    #[test]
    fn every_scenario_asks_for_english_visual_cues() {
        // Stock libraries are searched in English, whatever the narration's language.
        let set = TemplateSet::new();
        for s in ContentScenario::ALL {
            let t = set.get(s);
            assert!(t.user.contains("always in English"), "{}", t.id());
        }
    }
}

//! The JSON a model writes ([`ScriptDraft`]), its JSON Schema, tolerant parsing, validation
//! against a [`ScriptPlan`], and conversion into core's `Script` and `VideoMetadata`.

use std::fmt;

use serde::{Deserialize, Serialize};
use ytempire_core::{ChannelProfile, Scene, Script, VideoMetadata};

use super::plan::{ScriptPlan, Tolerance};

/// One scene as the model writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SceneDraft {
    /// Spoken words.
    pub narration: String,
    /// What to show (a stock-footage query or an image prompt).
    pub visual_cue: String,
    /// A short caption shown on screen.
    pub on_screen_text: String,
}

/// Upload metadata as the model writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetadataDraft {
    /// Video title (1–100 characters, no angle brackets).
    pub title: String,
    /// Video description.
    pub description: String,
    /// Search tags.
    pub tags: Vec<String>,
    /// Hashtags, each starting with `#`.
    pub hashtags: Vec<String>,
}

/// The structured answer a model must give: a script plus its upload metadata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScriptDraft {
    /// Working title of the script.
    pub title: String,
    /// The opening line(s).
    pub hook: String,
    /// Body scenes.
    pub scenes: Vec<SceneDraft>,
    /// Closing line with a call to action.
    pub outro: String,
    /// Upload metadata.
    pub metadata: MetadataDraft,
}

/// The JSON Schema of [`ScriptDraft`], in the subset OpenAI's strict mode accepts (every
/// property required, no additional properties).
pub fn script_schema() -> serde_json::Value {
    let s = || serde_json::json!({"type": "string"});
    let strings = || serde_json::json!({"type": "array", "items": {"type": "string"}});
    serde_json::json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["title", "hook", "scenes", "outro", "metadata"],
        "properties": {
            "title": s(),
            "hook": s(),
            "outro": s(),
            "scenes": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["narration", "visual_cue", "on_screen_text"],
                    "properties": {
                        "narration": s(), "visual_cue": s(), "on_screen_text": s()
                    }
                }
            },
            "metadata": {
                "type": "object",
                "additionalProperties": false,
                "required": ["title", "description", "tags", "hashtags"],
                "properties": {
                    "title": s(), "description": s(), "tags": strings(), "hashtags": strings()
                }
            }
        }
    })
}

/// Parse a model's answer: plain JSON, JSON in a Markdown fence, or JSON surrounded by prose.
pub fn parse_draft(text: &str) -> Result<ScriptDraft, Problem> {
    let trimmed = text.trim();
    let candidate = match (trimmed.find('{'), trimmed.rfind('}')) {
        (Some(start), Some(end)) if end > start => &trimmed[start..=end],
        _ => {
            return Err(Problem::NotJson(
                "the answer contains no JSON object".to_owned(),
            ));
        }
    };
    serde_json::from_str(candidate).map_err(|e| Problem::NotJson(e.to_string()))
}

/// One thing wrong with a draft; the repair prompt lists them back to the model.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Problem {
    /// The answer is not JSON of the required shape.
    NotJson(String),
    /// A required text field is empty.
    Empty(String),
    /// Too few or too many scenes.
    SceneCount {
        /// Scenes delivered.
        got: usize,
        /// Scenes planned.
        want: usize,
    },
    /// A part's word count is outside its band.
    Words {
        /// Which part (`hook`, `scene 3`, `total`).
        part: String,
        /// Words delivered.
        got: usize,
        /// Lowest acceptable.
        min: usize,
        /// Highest acceptable.
        max: usize,
    },
    /// The metadata breaks a YouTube rule.
    Metadata(String),
    /// A hashtag is malformed.
    Hashtag(String),
    /// The script uses a term the channel bans.
    BannedTerm(String),
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotJson(e) => write!(f, "the answer is not valid JSON of the schema: {e}"),
            Self::Empty(field) => write!(f, "`{field}` must not be empty"),
            Self::SceneCount { got, want } => {
                write!(f, "there must be {want} scenes, there are {got}")
            }
            Self::Words {
                part,
                got,
                min,
                max,
            } => write!(
                f,
                "{part} has {got} words; it must have between {min} and {max} words"
            ),
            Self::Metadata(e) => write!(f, "metadata: {e}"),
            Self::Hashtag(h) => write!(
                f,
                "hashtag `{h}` must start with # and contain no spaces or angle brackets"
            ),
            Self::BannedTerm(t) => write!(f, "the channel never uses the term `{t}`; remove it"),
        }
    }
}

/// Every problem of a draft that failed validation, after all repair attempts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptValidationError {
    /// What was wrong with the last answer.
    pub problems: Vec<Problem>,
    /// How many answers were requested.
    pub attempts: u32,
}

impl fmt::Display for ScriptValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the script failed validation after {} attempt(s): ",
            self.attempts
        )?;
        let list: Vec<String> = self.problems.iter().map(ToString::to_string).collect();
        f.write_str(&list.join("; "))
    }
}

impl std::error::Error for ScriptValidationError {}

fn words(s: &str) -> usize {
    ytempire_core::text::word_count(s)
}

fn band(target: usize, tol: f64) -> (usize, usize) {
    let t = target as f64;
    (
        (t * (1.0 - tol)).floor().max(1.0) as usize,
        (t * (1.0 + tol)).ceil() as usize,
    )
}

fn check_words(out: &mut Vec<Problem>, part: String, got: usize, target: usize, tol: f64) {
    let (min, max) = band(target, tol);
    if got < min || got > max {
        out.push(Problem::Words {
            part,
            got,
            min,
            max,
        });
    }
}

impl ScriptDraft {
    /// Check the draft against the plan, the channel and YouTube's metadata rules; returns
    /// every problem found (empty when valid).
    pub fn problems(
        &self,
        plan: &ScriptPlan,
        tolerance: &Tolerance,
        channel: &ChannelProfile,
    ) -> Vec<Problem> {
        let mut out = Vec::new();
        let mut require = |field: String, value: &str| {
            if value.trim().is_empty() {
                out.push(Problem::Empty(field));
            }
        };
        require("title".into(), &self.title);
        require("hook".into(), &self.hook);
        require("outro".into(), &self.outro);
        require("metadata.title".into(), &self.metadata.title);
        require("metadata.description".into(), &self.metadata.description);
        for (i, s) in self.scenes.iter().enumerate() {
            require(format!("scenes[{i}].narration"), &s.narration);
            require(format!("scenes[{i}].visual_cue"), &s.visual_cue);
            require(format!("scenes[{i}].on_screen_text"), &s.on_screen_text);
        }
        if self.metadata.tags.is_empty() {
            out.push(Problem::Empty("metadata.tags".into()));
        }
        if self.scenes.len().abs_diff(plan.scenes) > tolerance.scene_count {
            out.push(Problem::SceneCount {
                got: self.scenes.len(),
                want: plan.scenes,
            });
        }
        // Scenes share the body budget: with a different count, the per-scene target moves.
        let body = plan.total_words - plan.hook_words - plan.outro_words;
        let per_scene = body / self.scenes.len().max(1);
        for (i, s) in self.scenes.iter().enumerate() {
            check_words(
                &mut out,
                format!("scene {}", i + 1),
                words(&s.narration),
                per_scene,
                tolerance.per_scene,
            );
        }
        let total = words(&self.hook)
            + words(&self.outro)
            + self
                .scenes
                .iter()
                .map(|s| words(&s.narration))
                .sum::<usize>();
        check_words(
            &mut out,
            "the whole narration (hook + scenes + outro)".into(),
            total,
            plan.total_words,
            tolerance.total,
        );
        for h in &self.metadata.hashtags {
            let ok = h.starts_with('#')
                && h.chars().count() > 1
                && !h.chars().any(|c| c.is_whitespace() || c == '<' || c == '>');
            if !ok {
                out.push(Problem::Hashtag(h.clone()));
            }
        }
        if let Err(e) = self.to_metadata(channel, &channel.language).validate() {
            for v in e.violations {
                out.push(Problem::Metadata(v.to_string()));
            }
        }
        let all = serde_json::to_string(self)
            .unwrap_or_default()
            .to_lowercase();
        for term in &channel.banned_terms {
            if !term.trim().is_empty() && all.contains(&term.to_lowercase()) {
                out.push(Problem::BannedTerm(term.clone()));
            }
        }
        out
    }

    /// The core [`Script`], with per-scene durations at the plan's speaking rate.
    pub fn to_script(&self, plan: &ScriptPlan, language: &str) -> Script {
        let mut script = Script::new(self.title.trim())
            .with_hook(self.hook.trim())
            .with_outro(self.outro.trim());
        for s in &self.scenes {
            let mut scene = Scene::new(
                s.narration.trim(),
                s.visual_cue.trim(),
                plan.seconds_for(words(&s.narration)),
            );
            if !s.on_screen_text.trim().is_empty() {
                scene = scene.with_on_screen_text(s.on_screen_text.trim());
            }
            script = script.with_scene(scene);
        }
        script.language = language.to_owned();
        script
    }

    /// Upload metadata with the channel's defaults (category, privacy, made-for-kids) and
    /// the synthetic-media disclosure set; hashtags are appended to the description.
    pub fn to_metadata(&self, channel: &ChannelProfile, language: &str) -> VideoMetadata {
        let mut description = self.metadata.description.trim().to_owned();
        if !self.metadata.hashtags.is_empty() {
            description.push_str("\n\n");
            description.push_str(&self.metadata.hashtags.join(" "));
        }
        VideoMetadata::new(self.metadata.title.trim())
            .with_description(description)
            .with_tags(self.metadata.tags.iter().map(|t| t.trim().to_owned()))
            .with_category(channel.category_id.clone())
            .with_privacy(channel.default_privacy)
            .with_made_for_kids(channel.made_for_kids)
            .with_synthetic_media(true)
            .with_language(language)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn sized(n: usize) -> String {
        vec!["word"; n].join(" ")
    }

    fn draft_for(plan: &ScriptPlan) -> ScriptDraft {
        ScriptDraft {
            title: "Why the sky is blue".into(),
            hook: sized(plan.hook_words),
            scenes: (0..plan.scenes)
                .map(|i| SceneDraft {
                    narration: sized(plan.words_per_scene),
                    visual_cue: format!("sky shot {i}"),
                    on_screen_text: "Blue".into(),
                })
                .collect(),
            outro: sized(plan.outro_words),
            metadata: MetadataDraft {
                title: "Why the sky is blue".into(),
                description: "Light and air.".into(),
                tags: vec!["sky".into()],
                hashtags: vec!["#science".into()],
            },
        }
    }

    #[test]
    fn a_sized_draft_validates_and_converts() {
        let plan = ScriptPlan::new(Duration::from_secs(60), 150);
        let d = draft_for(&plan);
        let ch = ChannelProfile::default();
        assert_eq!(d.problems(&plan, &Tolerance::default(), &ch), vec![]);
        let script = d.to_script(&plan, "en");
        assert_eq!(script.word_count(), plan.total_words);
        assert!((script.estimated_duration_secs(150) - 60.0).abs() < 60.0 * 0.15);
        assert!(d.to_metadata(&ch, "en").description.ends_with("#science"));
    }

    #[test]
    fn finds_every_kind_of_problem() {
        let plan = ScriptPlan::new(Duration::from_secs(60), 150);
        let mut d = draft_for(&plan);
        d.scenes.truncate(1);
        d.hook.clear();
        d.metadata.title = "a <b>".into();
        d.metadata.hashtags = vec!["no hash".into()];
        let mut ch = ChannelProfile::default();
        ch.banned_terms = vec!["Word".into()];
        let p = d.problems(&plan, &Tolerance::default(), &ch);
        assert!(p.contains(&Problem::Empty("hook".into())), "{p:?}");
        assert!(
            p.iter()
                .any(|x| matches!(x, Problem::SceneCount { got: 1, .. }))
        );
        assert!(p.iter().any(|x| matches!(x, Problem::Words { .. })));
        assert!(p.iter().any(|x| matches!(x, Problem::Metadata(_))));
        assert!(p.iter().any(|x| matches!(x, Problem::Hashtag(_))));
        assert!(p.iter().any(|x| matches!(x, Problem::BannedTerm(_))));
    }

    #[test]
    fn parses_fenced_and_rejects_garbage() {
        let plan = ScriptPlan::new(Duration::from_secs(60), 150);
        let json = serde_json::to_string(&draft_for(&plan)).unwrap();
        let fenced = format!("Here you go:\n```json\n{json}\n```");
        assert!(parse_draft(&fenced).is_ok());
        assert!(matches!(parse_draft("sorry"), Err(Problem::NotJson(_))));
        assert!(matches!(
            parse_draft(&json[..json.len() / 2]),
            Err(Problem::NotJson(_))
        ));
    }
}

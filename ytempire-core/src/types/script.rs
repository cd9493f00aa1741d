//! A narrated script, split into scenes.

use serde::{Deserialize, Serialize};

/// One scene: what is said, what is shown, for how long.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Scene {
    /// Words the narrator speaks.
    pub narration: String,
    /// What to show: a search query or prompt for the visual source.
    pub visual_cue: String,
    /// Short text overlaid on screen, if any.
    #[serde(default)]
    pub on_screen_text: Option<String>,
    /// Intended duration in seconds.
    pub target_duration_secs: f64,
}

impl Scene {
    /// A scene with narration, a visual cue and a target duration.
    pub fn new(
        narration: impl Into<String>,
        visual_cue: impl Into<String>,
        target_duration_secs: f64,
    ) -> Self {
        Self {
            narration: narration.into(),
            visual_cue: visual_cue.into(),
            on_screen_text: None,
            target_duration_secs,
        }
    }

    /// Add on-screen text.
    #[must_use]
    pub fn with_on_screen_text(mut self, text: impl Into<String>) -> Self {
        self.on_screen_text = Some(text.into());
        self
    }

    /// Number of spoken words (in any script: [`crate::text::words`]).
    pub fn word_count(&self) -> usize {
        crate::text::word_count(&self.narration)
    }
}

/// A complete script: title, hook, scenes and outro.
///
/// ```
/// use ytempire_core::{Scene, Script};
/// let script = Script::new("Why the sky is blue")
///     .with_hook("Ever wondered why the sky is blue?")
///     .with_scene(Scene::new("Sunlight holds every colour.", "sunlight through prism", 4.0))
///     .with_outro("Subscribe for more.");
/// assert_eq!(script.word_count(), 14);
/// assert_eq!(script.narration_parts().len(), 3);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Script {
    /// Working title.
    pub title: String,
    /// The first sentence, written to keep viewers watching.
    pub hook: String,
    /// Body scenes in order.
    pub scenes: Vec<Scene>,
    /// Closing line / call to action.
    pub outro: String,
    /// BCP-47 language tag.
    #[serde(default = "default_language")]
    pub language: String,
    /// Name and version of the prompt template that produced it (e.g. "explainer@3").
    #[serde(default)]
    pub template: Option<String>,
    /// Provider and model that wrote it (e.g. "offline/writer-v1").
    #[serde(default)]
    pub written_by: Option<String>,
}

fn default_language() -> String {
    "en".into()
}

impl Script {
    /// An empty script with a title.
    pub fn new(title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            hook: String::new(),
            scenes: Vec::new(),
            outro: String::new(),
            language: default_language(),
            template: None,
            written_by: None,
        }
    }

    /// Set the hook.
    #[must_use]
    pub fn with_hook(mut self, hook: impl Into<String>) -> Self {
        self.hook = hook.into();
        self
    }

    /// Append a scene.
    #[must_use]
    pub fn with_scene(mut self, scene: Scene) -> Self {
        self.scenes.push(scene);
        self
    }

    /// Set the outro.
    #[must_use]
    pub fn with_outro(mut self, outro: impl Into<String>) -> Self {
        self.outro = outro.into();
        self
    }

    /// Everything spoken, in order: hook, each scene, outro (empty parts skipped).
    pub fn narration_parts(&self) -> Vec<&str> {
        std::iter::once(self.hook.as_str())
            .chain(self.scenes.iter().map(|s| s.narration.as_str()))
            .chain(std::iter::once(self.outro.as_str()))
            .filter(|p| !p.trim().is_empty())
            .collect()
    }

    /// The whole narration as one text.
    pub fn full_narration(&self) -> String {
        self.narration_parts().join(" ")
    }

    /// Spoken words in the whole script (in any script: [`crate::text::words`]).
    pub fn word_count(&self) -> usize {
        self.narration_parts()
            .iter()
            .map(|p| crate::text::word_count(p))
            .sum()
    }

    /// Estimated spoken duration at `words_per_minute`.
    pub fn estimated_duration_secs(&self, words_per_minute: u32) -> f64 {
        if words_per_minute == 0 {
            return 0.0;
        }
        self.word_count() as f64 * 60.0 / f64::from(words_per_minute)
    }
}

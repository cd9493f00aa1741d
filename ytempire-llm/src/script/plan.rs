//! Sizing a script: how many scenes and words a target duration needs at a speaking rate,
//! and which content scenario a topic calls for.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use ytempire_core::{ChannelProfile, Topic};

/// The kind of video a script is written as; each has its own prompt template and, in the
/// offline writer, its own sentence banks.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "snake_case")]
pub enum ContentScenario {
    /// "7 habits of …": numbered items.
    Listicle,
    /// "Why / what / how does …": one idea explained step by step.
    #[default]
    Explainer,
    /// "This week in …": a recap of recent events.
    NewsRecap,
    /// "How to …": instructions in order.
    HowTo,
    /// "The story of …": a narrative with a turning point.
    Story,
}

impl ContentScenario {
    /// Every scenario, in a stable order.
    pub const ALL: [Self; 5] = [
        Self::Listicle,
        Self::Explainer,
        Self::NewsRecap,
        Self::HowTo,
        Self::Story,
    ];

    /// The stable name used in template names (`script-<name>`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Listicle => "listicle",
            Self::Explainer => "explainer",
            Self::NewsRecap => "news_recap",
            Self::HowTo => "how_to",
            Self::Story => "story",
        }
    }

    /// Guess the scenario from a topic title (used when the caller does not say).
    ///
    /// ```
    /// use ytempire_llm::ContentScenario;
    /// assert_eq!(ContentScenario::detect("7 habits of calm people"), ContentScenario::Listicle);
    /// assert_eq!(ContentScenario::detect("How to brew pour-over coffee"), ContentScenario::HowTo);
    /// assert_eq!(ContentScenario::detect("Why the sky is blue"), ContentScenario::Explainer);
    /// ```
    pub fn detect(title: &str) -> Self {
        let t = title.trim().to_lowercase();
        let first = t.split_whitespace().next().unwrap_or_default();
        if leading_number(&t).is_some() || first == "top" {
            Self::Listicle
        } else if t.starts_with("how to") || t.contains("step by step") || t.contains("guide to") {
            Self::HowTo
        } else if [
            "news",
            "recap",
            "this week",
            "today",
            "update",
            "announced",
            "latest",
        ]
        .iter()
        .any(|w| t.contains(w))
        {
            Self::NewsRecap
        } else if [
            "story of",
            "history of",
            "the rise",
            "the fall",
            "who was",
            "legend",
        ]
        .iter()
        .any(|w| t.contains(w))
        {
            Self::Story
        } else {
            Self::Explainer
        }
    }
}

impl fmt::Display for ContentScenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The number a listicle title starts with ("7 habits …" → 7), if any.
pub(crate) fn leading_number(title: &str) -> Option<usize> {
    let first = title.split_whitespace().next()?;
    let first = if first.eq_ignore_ascii_case("top") {
        title.split_whitespace().nth(1)?
    } else {
        first
    };
    first.parse::<usize>().ok().filter(|n| (2..=20).contains(n))
}

/// How far a script may stray from its targets and still validate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Tolerance {
    /// Allowed relative error of the whole script's word count (0.15 = ±15 %).
    pub total: f64,
    /// Allowed relative error of each scene's word count. Models count words poorly, so this
    /// is looser than `total` by default; the total still holds the duration to ±15 %.
    pub per_scene: f64,
    /// Allowed difference between the planned and the delivered number of scenes.
    pub scene_count: usize,
}

impl Default for Tolerance {
    fn default() -> Self {
        Self {
            total: 0.15,
            per_scene: 0.40,
            scene_count: 1,
        }
    }
}

/// Word and scene budget of one script, derived from a target duration and a speaking rate.
///
/// ```
/// use std::time::Duration;
/// use ytempire_llm::ScriptPlan;
/// let plan = ScriptPlan::new(Duration::from_secs(60), 150);
/// assert_eq!(plan.total_words, 150);
/// assert_eq!(plan.hook_words + plan.outro_words + plan.scenes * plan.words_per_scene, 150);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ScriptPlan {
    /// Target duration in seconds.
    pub duration_secs: f64,
    /// Narration speaking rate.
    pub words_per_minute: u32,
    /// Words the whole narration should have.
    pub total_words: usize,
    /// Words in the hook.
    pub hook_words: usize,
    /// Words in the outro.
    pub outro_words: usize,
    /// Number of body scenes.
    pub scenes: usize,
    /// Words per body scene.
    pub words_per_scene: usize,
}

impl ScriptPlan {
    /// Plan a script of `duration` at `words_per_minute` (0 is treated as 150).
    pub fn new(duration: Duration, words_per_minute: u32) -> Self {
        Self::with_scenes(duration, words_per_minute, None)
    }

    /// Plan with a preferred number of scenes (a listicle's item count), clamped to what the
    /// duration can hold.
    pub fn with_scenes(duration: Duration, words_per_minute: u32, scenes: Option<usize>) -> Self {
        let wpm = if words_per_minute == 0 {
            150
        } else {
            words_per_minute
        };
        let secs = duration.as_secs_f64().max(15.0);
        let total = ((secs * f64::from(wpm) / 60.0).round() as usize).max(30);
        let hook = (total * 8 / 100).clamp(10, 30);
        let outro = (total * 7 / 100).clamp(10, 30);
        let body = total - hook - outro;
        // About one scene per 20 seconds, never fewer than 3 or more words than fit.
        let natural = ((secs / 20.0).round() as usize).clamp(3, 15);
        let max_scenes = (body / 12).max(1);
        let count = scenes.unwrap_or(natural).clamp(1, max_scenes.min(20));
        let per_scene = body / count;
        let leftover = body - per_scene * count;
        Self {
            duration_secs: secs,
            words_per_minute: wpm,
            total_words: total,
            // The words that do not divide evenly among scenes go to the hook.
            hook_words: hook + leftover,
            outro_words: outro,
            scenes: count,
            words_per_scene: per_scene,
        }
    }

    /// Plan for a topic and channel: listicles use the number in their title as scene count.
    pub fn for_topic(
        topic: &Topic,
        channel: &ChannelProfile,
        duration: Duration,
        scenario: ContentScenario,
    ) -> Self {
        let items = match scenario {
            ContentScenario::Listicle => leading_number(&topic.title),
            _ => None,
        };
        Self::with_scenes(duration, channel.words_per_minute, items)
    }

    /// Seconds that `words` take at this plan's speaking rate.
    pub fn seconds_for(&self, words: usize) -> f64 {
        words as f64 * 60.0 / f64::from(self.words_per_minute)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_add_up_for_many_durations() {
        for secs in [30_u64, 45, 60, 90, 180, 300, 600, 900] {
            for wpm in [120_u32, 150, 170] {
                let p = ScriptPlan::new(Duration::from_secs(secs), wpm);
                let sum = p.hook_words + p.outro_words + p.scenes * p.words_per_scene;
                assert_eq!(sum, p.total_words, "{secs}s at {wpm}");
                let target = secs as f64 * f64::from(wpm) / 60.0;
                let err = (p.total_words as f64 - target).abs() / target;
                assert!(err < 0.05, "{secs}s at {wpm}: {p:?}");
                assert!(p.scenes >= 3, "{p:?}");
            }
        }
    }

    #[test]
    fn listicle_uses_title_number() {
        let topic = Topic::new("7 habits of calm people");
        let ch = ChannelProfile::default();
        let p = ScriptPlan::for_topic(
            &topic,
            &ch,
            Duration::from_secs(180),
            ContentScenario::Listicle,
        );
        assert_eq!(p.scenes, 7);
    }

    #[test]
    fn detects_scenarios() {
        assert_eq!(
            ContentScenario::detect("Top 10 castles"),
            ContentScenario::Listicle
        );
        assert_eq!(
            ContentScenario::detect("Tech news recap"),
            ContentScenario::NewsRecap
        );
        assert_eq!(
            ContentScenario::detect("The story of the Titanic"),
            ContentScenario::Story
        );
    }
}

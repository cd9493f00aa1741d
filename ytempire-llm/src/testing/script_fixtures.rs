//! The OpenAI fake's script answers: fixture prose sized to the prompt's `BRIEF:` line,
//! written independently of the offline writer (its sentence banks never appear), plus the
//! broken answers a real model gives: malformed JSON, JSON that breaks the schema, and
//! well-formed scripts that miss the plan.

use serde_json::{Value, json};

use ytempire_core::{Message, Role};

use crate::script::Brief;

/// A phrase every fixture script's visual cues carry, so a test can tell the fake's script
/// from the offline writer's.
pub const FIXTURE_CUE: &str = "loopback fixture footage";

/// Fixture prose, cycled word by word (none of it comes from the offline writer's banks).
const PROSE: &str = "Picture a quiet laboratory bench at dawn, where a notebook lies open \
    beside a cooling mug. Somebody measured this twice, frowned, then measured again with a \
    borrowed ruler. The numbers refused to agree until the window was closed. Small details \
    like that decide whole experiments, and the people who notice them rarely get credit. \
    Keep that picture in mind while we follow the evidence step by step.";

/// `n` words of fixture prose starting at word `from`, capitalised, ending with a period.
fn prose(n: usize, from: usize) -> String {
    let words: Vec<&str> = PROSE.split_whitespace().collect();
    let mut out: Vec<String> = (0..n.max(1))
        .map(|i| words[(from + i) % words.len()].to_owned())
        .collect();
    if let Some(first) = out.first_mut() {
        let mut chars = first.chars();
        if let Some(c) = chars.next() {
            *first = c.to_uppercase().chain(chars).collect();
        }
    }
    if let Some(last) = out.last_mut() {
        let trimmed = last.trim_end_matches([',', '.']).to_owned();
        *last = format!("{trimmed}.");
    }
    out.join(" ")
}

/// A script for `brief` that meets its plan: the hook names the topic, every part has the
/// planned word count.
pub(crate) fn script(brief: &Brief) -> Value {
    let plan = &brief.plan;
    let topic: String = brief.topic.chars().take(80).collect();
    let topic_words = topic.split_whitespace().count();
    let hook = if plan.hook_words > topic_words + 1 {
        format!("{topic}: {}", prose(plan.hook_words - topic_words, 0))
    } else {
        prose(plan.hook_words, 0)
    };
    let body = plan
        .total_words
        .saturating_sub(plan.hook_words + plan.outro_words);
    let per_scene = body / plan.scenes.max(1);
    let scenes: Vec<Value> = (0..plan.scenes.max(1))
        .map(|i| {
            json!({
                "narration": prose(per_scene, 7 * (i + 1)),
                "visual_cue": format!("{FIXTURE_CUE}, shot {}", i + 1),
                "on_screen_text": format!("Step {}", i + 1),
            })
        })
        .collect();
    let tag = brief
        .keywords
        .first()
        .cloned()
        .unwrap_or_else(|| "fixture".to_owned());
    json!({
        "title": topic,
        "hook": hook,
        "scenes": scenes,
        "outro": prose(plan.outro_words, 40),
        "metadata": {
            "title": topic,
            "description": format!("{topic}. A fixture description written by the loopback model."),
            "tags": [tag, "loopback"],
            "hashtags": ["#Fixture"],
        },
    })
}

/// Which broken script to answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Broken {
    /// Prose around JSON with a trailing comma: not parseable.
    Malformed,
    /// Valid JSON that breaks the schema: scenes lack the required `visual_cue`.
    SchemaViolating,
    /// Schema-valid, but only the first scene and a one-word hook.
    OffPlan,
}

/// The answer text for `brief`, well-formed or `broken`.
pub(crate) fn answer(brief: &Brief, broken: Option<Broken>) -> String {
    let mut s = script(brief);
    match broken {
        None => s.to_string(),
        Some(Broken::Malformed) => {
            let json = s.to_string();
            let cut = json.trim_end_matches('}');
            format!("Sure! Here is the script you asked for:\n```json\n{cut}, }}}}\n```")
        }
        Some(Broken::SchemaViolating) => {
            if let Some(scenes) = s["scenes"].as_array_mut() {
                for scene in scenes {
                    if let Some(o) = scene.as_object_mut() {
                        o.remove("visual_cue");
                    }
                }
            }
            s.to_string()
        }
        Some(Broken::OffPlan) => {
            if let Some(scenes) = s["scenes"].as_array_mut() {
                scenes.truncate(1);
            }
            s["hook"] = json!("Hello.");
            s.to_string()
        }
    }
}

/// A fake's answer when no plain reply is scripted: a script for a prompt with a brief
/// (broken as asked), else a short fixture text (a JSON object when `json`). Cut to
/// `max_tokens` (4 characters a token); the flag says whether it was cut.
pub(crate) fn default_text(
    messages: &[Message],
    json: bool,
    max_tokens: Option<u64>,
    broken: Option<Broken>,
) -> (String, bool) {
    let prompt: String = messages
        .iter()
        .map(|m| m.content.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    let mut text = match Brief::find_in(&prompt) {
        Some(brief) => answer(&brief, broken),
        None => {
            let asked: String = messages
                .iter()
                .rev()
                .find(|m| m.role == Role::User)
                .map(|m| m.content.chars().take(60).collect())
                .unwrap_or_default();
            let text = format!("A fixture answer from the loopback model to: {asked}");
            if json {
                json!({ "answer": text }).to_string()
            } else {
                text
            }
        }
    };
    let max = max_tokens.and_then(|m| usize::try_from(m).ok());
    let cut = max.is_some_and(|max| text.chars().count() > max * 4);
    if let Some(max) = max.filter(|_| cut) {
        text = text.chars().take(max * 4).collect();
    }
    (text, cut)
}

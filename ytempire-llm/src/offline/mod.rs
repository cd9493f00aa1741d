//! The offline writer: a deterministic, rule-based script writer. **It is not AI.**
//!
//! [`OfflineWriter`] builds a draft from a topic, its keywords and any notes or source text
//! the user supplies, using sentence banks per [`ContentScenario`] (listicle, explainer, news
//! recap, how-to, story). User notes come first in each scene; banked sentences top every part
//! up to its word budget from the [`ScriptPlan`], so the narration fits the target duration at
//! the channel's speaking rate. The same input always gives the same script.
//!
//! It is meant as a draft a person edits, and as the last link of a fallback chain so the
//! product works with no API key. It implements [`LanguageModel`] (it reads the `BRIEF:` line
//! the script prompts carry and answers with the script JSON) and offers a direct path,
//! [`OfflineWriter::draft`].

mod banks;

use std::collections::HashSet;

use async_trait::async_trait;
use ytempire_core::{
    Capabilities, ChannelProfile, ChatRequest, ChatResponse, LanguageModel, ProviderInfo,
    ResponseFormat, Result, Role, Usage,
};

use crate::script::{Brief, ContentScenario, MetadataDraft, SceneDraft, ScriptDraft, ScriptPlan};

/// Provider name reported in [`ProviderInfo`].
pub(crate) const PROVIDER: &str = "offline";

/// Model name reported in [`ProviderInfo`].
pub const OFFLINE_MODEL: &str = "writer-v1";

/// A deterministic, non-AI script writer (see the module docs).
///
/// ```
/// use std::time::Duration;
/// use ytempire_core::{ChannelProfile, Topic};
/// use ytempire_llm::{OfflineWriter, Brief};
/// let brief = Brief::new(&Topic::new("Why the sky is blue"), &ChannelProfile::default(),
///     Duration::from_secs(60), None);
/// let draft = OfflineWriter::new().draft(&brief);
/// assert_eq!(draft.scenes.len(), brief.plan.scenes);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct OfflineWriter;

impl OfflineWriter {
    /// The writer.
    pub fn new() -> Self {
        Self
    }

    /// Write a draft for a brief.
    pub fn draft(&self, brief: &Brief) -> ScriptDraft {
        Composer::new(brief).compose()
    }
}

impl std::fmt::Display for OfflineWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "offline/{OFFLINE_MODEL}")
    }
}

#[async_trait]
impl LanguageModel for OfflineWriter {
    fn info(&self) -> ProviderInfo {
        ProviderInfo::new(
            PROVIDER,
            OFFLINE_MODEL,
            Capabilities::new()
                .with_json_mode(true)
                .with_json_schema(true),
        )
    }

    /// Answers a script prompt (one with a `BRIEF:` line) with the script JSON. Any other
    /// prompt is treated as a topic: JSON formats get a script for a one-minute video, text
    /// format gets its narration. `max_tokens` cuts the text at roughly four characters per
    /// token, reporting [`ytempire_core::FinishReason::Length`].
    async fn complete(&self, request: &ChatRequest) -> Result<ChatResponse> {
        if request.messages.is_empty() {
            return Err(ytempire_core::Error::invalid_request(
                "a chat request needs at least one message",
            )
            .with_provider(self.to_string()));
        }
        let prompt = request.prompt_text();
        let brief = Brief::find_in(&prompt).unwrap_or_else(|| {
            let topic = request
                .messages
                .iter()
                .rev()
                .find(|m| m.role == Role::User)
                .map_or("an interesting idea", |m| m.content.as_str());
            let first = topic.lines().next().unwrap_or(topic);
            let title: String = first.chars().take(90).collect();
            Brief::new(
                &ytempire_core::Topic::new(title.trim()),
                &ChannelProfile::default(),
                std::time::Duration::from_secs(60),
                None,
            )
        });
        let draft = self.draft(&brief);
        let mut text = match request.response_format {
            ResponseFormat::Text if Brief::find_in(&prompt).is_none() => draft
                .to_script(&brief.plan, &brief.language)
                .full_narration(),
            _ => serde_json::to_string(&draft).unwrap_or_default(),
        };
        let mut finish = ytempire_core::FinishReason::Stop;
        if let Some(max) = request.max_tokens {
            let max_chars = max as usize * 4;
            if text.chars().count() > max_chars {
                text = text.chars().take(max_chars).collect();
                finish = ytempire_core::FinishReason::Length;
            }
        }
        let usage = Usage {
            input_tokens: prompt.chars().count().div_ceil(4) as u64,
            output_tokens: text.chars().count().div_ceil(4) as u64,
            requests: 1,
            ..Usage::default()
        };
        let mut response = ChatResponse::new(text, OFFLINE_MODEL, usage);
        response.finish_reason = finish;
        Ok(response)
    }
}

/// Words that stay lower-case when the topic phrase sits inside a sentence.
const FUNCTION_WORDS: &[&str] = &[
    "how", "why", "what", "when", "where", "who", "which", "the", "a", "an", "is", "are", "do",
    "does", "can", "top", "this", "these", "my", "your", "our", "best", "simple", "easy", "every",
];

const STOPWORDS: &[&str] = &[
    "about", "after", "again", "also", "before", "being", "between", "could", "does", "doing",
    "from", "have", "into", "just", "like", "more", "most", "only", "other", "over", "really",
    "should", "some", "such", "than", "that", "their", "them", "then", "there", "these", "they",
    "this", "those", "through", "very", "what", "when", "where", "which", "while", "will", "with",
    "would", "your", "week", "today", "news", "recap", "story", "habits", "ways", "things", "tips",
    "steps", "reasons",
];

struct Composer<'a> {
    brief: &'a Brief,
    phrase: String,
    keywords: Vec<String>,
    items: Vec<String>,
    notes: Vec<String>,
    used: HashSet<String>,
    seed: usize,
}

fn words(s: &str) -> usize {
    ytempire_core::text::word_count(s)
}

/// Split text into sentences (on `.`, `!`, `?` followed by space, and on line breaks).
fn sentences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim().trim_start_matches(['-', '*', '•']).trim();
        let mut current = String::new();
        for word in line.split_whitespace() {
            if !current.is_empty() {
                current.push(' ');
            }
            current.push_str(word);
            if word.ends_with(['.', '!', '?']) {
                out.push(std::mem::take(&mut current));
            }
        }
        if !current.is_empty() {
            if !current.ends_with(['.', '!', '?']) {
                current.push('.');
            }
            out.push(current);
        }
    }
    out
}

fn sentence_case(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

impl<'a> Composer<'a> {
    fn new(brief: &'a Brief) -> Self {
        let title = brief.topic.trim().trim_end_matches(['.', '?', '!']);
        let first = title.split_whitespace().next().unwrap_or_default();
        let phrase = if FUNCTION_WORDS.contains(&first.to_lowercase().as_str())
            || first.parse::<usize>().is_ok()
        {
            let mut chars = title.chars();
            chars
                .next()
                .map(|c| c.to_lowercase().chain(chars).collect())
                .unwrap_or_default()
        } else {
            title.to_owned()
        };
        let mut keywords: Vec<String> = brief
            .keywords
            .iter()
            .map(|k| k.trim().to_lowercase())
            .filter(|k| !k.is_empty())
            .collect();
        for w in title.split(|c: char| !c.is_alphanumeric() && c != '-') {
            let w = w.to_lowercase();
            if w.chars().count() > 3 && !STOPWORDS.contains(&w.as_str()) && !keywords.contains(&w) {
                keywords.push(w);
            }
        }
        if keywords.is_empty() {
            keywords.push(brief.niche.to_lowercase());
        }
        if keywords.len() < 2 {
            keywords.push(brief.niche.to_lowercase());
        }
        let notes = brief.notes.as_deref().map(sentences).unwrap_or_default();
        // Items of a list or steps of a how-to: bullet lines of the notes, else keywords.
        let bullet_items: Vec<String> = brief
            .notes
            .as_deref()
            .unwrap_or_default()
            .lines()
            .map(str::trim)
            .filter(|l| l.starts_with(['-', '*', '•']))
            .map(|l| {
                l.trim_start_matches(['-', '*', '•'])
                    .trim()
                    .trim_end_matches('.')
                    .to_owned()
            })
            .filter(|l| !l.is_empty())
            .collect();
        let items = if bullet_items.is_empty() {
            Vec::new()
        } else {
            bullet_items
        };
        let seed = title
            .bytes()
            .fold(0_usize, |h, b| h.wrapping_mul(31).wrapping_add(b as usize));
        // Bulleted notes become items; their sentences are not repeated as prose.
        let notes = if items.is_empty() { notes } else { Vec::new() };
        Self {
            brief,
            phrase,
            keywords,
            items,
            notes,
            used: HashSet::new(),
            seed,
        }
    }

    fn keyword(&self, i: usize) -> &str {
        let k = &self.keywords;
        k.get((i + self.seed) % k.len().max(1))
            .map_or("it", String::as_str)
    }

    fn item(&self, i: usize) -> String {
        match self.items.get(i) {
            Some(item) => item.clone(),
            None => {
                let kw = self.keyword(i);
                match self.brief.scenario {
                    ContentScenario::HowTo => format!("work on the {kw}"),
                    _ => format!("the {kw} factor"),
                }
            }
        }
    }

    fn fill(&self, template: &str, scene: usize, n: usize, item: &str) -> String {
        template
            .replace("{t}", &self.phrase)
            .replace("{k2}", self.keyword(scene + 1))
            .replace("{k}", self.keyword(scene))
            .replace("{a}", &self.brief.audience)
            .replace("{niche}", &self.brief.niche)
            .replace("{ch}", &self.brief.channel)
            .replace("{n}", &n.to_string())
            .replace("{item}", item)
    }

    /// Greedily add candidate sentences until the part reaches its budget (within ±8 %),
    /// then top up with short filler sentences.
    fn build(&mut self, target: usize, candidates: Vec<String>, scene: usize) -> String {
        let max = target + (target * 8).div_ceil(100);
        let min = target - target * 8 / 100;
        let mut out: Vec<String> = Vec::new();
        let mut count = 0;
        let fillers: Vec<String> = banks::fillers()
            .iter()
            .enumerate()
            .map(|(i, f)| self.fill(f, scene + i, 0, ""))
            .collect();
        let offset = (self.seed + scene * 5) % fillers.len().max(1);
        let rotated = fillers[offset..].iter().chain(fillers[..offset].iter());
        for s in candidates.iter().chain(rotated) {
            if count >= min {
                break;
            }
            let s = sentence_case(s);
            let n = words(&s);
            if count + n > max || self.used.contains(&s) {
                continue;
            }
            count += n;
            self.used.insert(s.clone());
            out.push(s);
        }
        // Still short (very long videos with few keywords and no notes): allow sentences
        // used in earlier scenes, then the shortest fillers, until the budget is met.
        let mut all: Vec<String> = candidates.iter().map(|s| sentence_case(s)).collect();
        all.extend(fillers.iter().map(|s| sentence_case(s)));
        all.sort_by_key(|s| std::cmp::Reverse(words(s)));
        let mut guard = 0;
        while count < min && guard < 200 {
            guard += 1;
            let room = max - count;
            let Some(s) = all
                .iter()
                .find(|s| words(s) <= room && !out.contains(s))
                .or_else(|| all.iter().rev().find(|s| words(s) <= room))
            else {
                break;
            };
            count += words(s);
            out.push(s.clone());
        }
        out.join(" ")
    }

    fn compose(mut self) -> ScriptDraft {
        let plan: ScriptPlan = self.brief.plan;
        let scenario = self.brief.scenario;
        let hook_c: Vec<String> = banks::hook_lines(scenario)
            .iter()
            .map(|l| self.fill(l, 0, 0, ""))
            .collect();
        let hook = self.build(plan.hook_words, hook_c, 0);
        let beats = banks::beats(scenario);
        let per_scene_notes = self.notes.len().div_ceil(plan.scenes.max(1));
        let mut scenes = Vec::with_capacity(plan.scenes);
        for i in 0..plan.scenes {
            let beat = match scenario {
                // Explainers, news and stories walk their beats in order, the last ones
                // (why it matters / what next) reserved for the end.
                ContentScenario::Listicle => &beats[(i + self.seed) % beats.len()],
                ContentScenario::HowTo => {
                    if i == 0 {
                        &beats[0]
                    } else if i + 1 == plan.scenes && plan.scenes > 3 {
                        &beats[3]
                    } else if i + 2 == plan.scenes && plan.scenes > 4 {
                        &beats[2]
                    } else {
                        &beats[1]
                    }
                }
                // The others walk their beats in order; the last beat (why it matters,
                // what to watch, the lesson) closes the video.
                _ => {
                    if i + 1 == plan.scenes && plan.scenes > 1 {
                        &beats[beats.len() - 1]
                    } else {
                        &beats[i % (beats.len() - 1)]
                    }
                }
            };
            let (n, item) = match scenario {
                ContentScenario::Listicle => (plan.scenes - i, self.item(i)),
                ContentScenario::HowTo => (i, self.item(i.saturating_sub(1))),
                _ => (i + 1, String::new()),
            };
            let mut cands: Vec<String> = self
                .notes
                .iter()
                .skip(i * per_scene_notes)
                .take(per_scene_notes)
                .cloned()
                .collect();
            let lines: Vec<String> = beat
                .lines
                .iter()
                .map(|l| self.fill(l, i, n, &item))
                .collect();
            // The beat's opening line introduces the scene, so it goes before the notes.
            if let Some((first, rest)) = lines.split_first() {
                cands.insert(0, first.clone());
                cands.extend(rest.iter().cloned());
            }
            let elab = banks::elaborations();
            let start = (self.seed + i * 3) % elab.len();
            for j in 0..elab.len() {
                let line = elab[(start + j) % elab.len()];
                cands.push(self.fill(line, i + j, n, &item));
            }
            let narration = self.build(plan.words_per_scene, cands, i);
            let caption: String = self
                .fill(beat.caption, i, n, &item)
                .split_whitespace()
                .take(6)
                .collect::<Vec<_>>()
                .join(" ");
            scenes.push(SceneDraft {
                narration,
                visual_cue: self.fill(beat.visual, i, n, &item),
                on_screen_text: sentence_case(&caption),
            });
        }
        let outro_c: Vec<String> = banks::outro_lines()
            .iter()
            .map(|l| self.fill(l, 0, 0, ""))
            .collect();
        let outro = self.build(plan.outro_words, outro_c, plan.scenes);
        let metadata = self.metadata(&hook, &scenes);
        ScriptDraft {
            title: self.title(),
            hook,
            scenes,
            outro,
            metadata,
        }
    }

    fn title(&self) -> String {
        let clean: String = self
            .brief
            .topic
            .trim()
            .chars()
            .filter(|c| !matches!(c, '<' | '>'))
            .collect();
        let mut title = String::new();
        for w in clean.split_whitespace() {
            if title.chars().count() + w.chars().count() + 1 > 90 {
                break;
            }
            if !title.is_empty() {
                title.push(' ');
            }
            title.push_str(w);
        }
        if title.is_empty() {
            title = "Untitled".into();
        }
        sentence_case(&title)
    }

    fn metadata(&self, hook: &str, scenes: &[SceneDraft]) -> MetadataDraft {
        let sanitize = |s: &str| -> String {
            s.chars()
                .filter(|c| !matches!(c, '<' | '>' | ','))
                .collect::<String>()
                .trim()
                .to_owned()
        };
        let first_hook = sentences(hook).into_iter().next().unwrap_or_default();
        let outline: Vec<String> = scenes.iter().map(|s| s.on_screen_text.clone()).collect();
        let description = sanitize(&format!(
            "{first_hook} In this video: {}. {} makes {} videos for {}.",
            outline.join("; "),
            self.brief.channel,
            self.brief.niche,
            self.brief.audience
        ))
        .replace(';', ",");
        let mut tags: Vec<String> = Vec::new();
        let mut total = 0;
        let candidates = std::iter::once(self.phrase.clone())
            .chain(self.keywords.iter().cloned())
            .chain([self.brief.niche.clone(), self.brief.channel.clone()]);
        for t in candidates {
            let t = sanitize(&t);
            let len = t.chars().count() + 3;
            if t.is_empty() || tags.contains(&t) || total + len > 450 || tags.len() >= 12 {
                continue;
            }
            total += len;
            tags.push(t);
        }
        let hashtags = self
            .keywords
            .iter()
            .take(3)
            .map(|k| {
                let camel: String = k
                    .split(|c: char| !c.is_alphanumeric())
                    .map(sentence_case)
                    .collect();
                format!("#{camel}")
            })
            .filter(|h| h.chars().count() > 1)
            .collect();
        MetadataDraft {
            title: self.title(),
            description,
            tags,
            hashtags,
        }
    }
}

#[cfg(test)]
mod tests;

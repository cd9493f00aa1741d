//! Script scoring: length against the target, a hook in the first sentence, repetition,
//! reading level, banned terms and title length.

use std::collections::HashMap;
use ytempire_core::Script;

use super::{QualityScore, SubScore, clamp10, title_length_part};

/// Lower-case words without punctuation; Chinese, Japanese and Thai split by dictionary
/// (`ytempire_core::text::words`).
fn words(text: &str) -> Vec<String> {
    ytempire_core::text::words(text)
        .into_iter()
        .flat_map(|w| w.split(|c: char| !c.is_alphanumeric() && c != '\''))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

fn syllables(word: &str) -> usize {
    let mut count = 0;
    let mut prev_vowel = false;
    for c in word.chars() {
        let v = "aeiouy".contains(c);
        if v && !prev_vowel {
            count += 1;
        }
        prev_vowel = v;
    }
    if word.ends_with('e') && count > 1 {
        count -= 1;
    }
    count.max(1)
}

/// Score a script for a target spoken length at `words_per_minute`, flagging `banned` terms.
///
/// The overall is the plain mean of the six sub-scores (`length`, `hook`, `repetition`,
/// `reading_level`, `banned_terms`, `title_length`).
///
/// ```
/// use ytempire_core::{Scene, Script};
/// use ytempire_cost::quality::score_script;
///
/// let script = Script::new("Why octopuses have three hearts")
///     .with_hook("Did you know an octopus has three hearts?")
///     .with_scene(Scene::new("Two hearts pump blood through the gills. The third feeds the body.", "octopus", 8.0))
///     .with_outro("Follow for more.");
/// let q = score_script(&script, 10.0, 150, &["miracle cure".to_owned()]);
/// assert_eq!(q.part("banned_terms").map(|p| p.score), Some(10.0));
/// assert_eq!(q.part("hook").map(|p| p.score), Some(10.0));
/// ```
pub fn score_script(
    script: &Script,
    target_secs: f64,
    words_per_minute: u32,
    banned: &[String],
) -> QualityScore {
    let body: String = std::iter::once(script.hook.as_str())
        .chain(script.scenes.iter().map(|s| s.narration.as_str()))
        .chain(std::iter::once(script.outro.as_str()))
        .collect::<Vec<_>>()
        .join(" ");
    let ws = words(&body);
    let mut parts = Vec::new();

    let secs = ws.len() as f64 * 60.0 / f64::from(words_per_minute.max(1));
    let dev = if target_secs > 0.0 {
        (secs - target_secs).abs() / target_secs
    } else {
        1.0
    };
    parts.push(SubScore {
        name: "length",
        score: clamp10(10.0 - dev * 20.0),
        reason: format!(
            "{} words ≈ {secs:.0}s spoken vs target {target_secs:.0}s",
            ws.len()
        ),
    });

    let first = script
        .hook
        .split(['.', '!', '?'])
        .next()
        .unwrap_or("")
        .trim();
    let hook_words = words(first);
    let hooky = first.contains('?')
        || script.hook.trim_start().starts_with(first) && script.hook.contains('?')
        || hook_words.iter().any(|w| {
            [
                "you", "your", "why", "how", "what", "secret", "never", "imagine",
            ]
            .contains(&w.as_str())
        })
        || hook_words
            .iter()
            .any(|w| w.chars().any(|c| c.is_ascii_digit()));
    let hook_score = match (hook_words.len(), hooky) {
        (0, _) => 0.0,
        (n, true) if n <= 20 => 10.0,
        (_, true) => 6.0,
        (n, false) if n <= 20 => 4.0,
        _ => 2.0,
    };
    parts.push(SubScore {
        name: "hook",
        score: hook_score,
        reason: if hooky {
            format!(
                "first sentence ({} words) addresses the viewer or poses a question",
                hook_words.len()
            )
        } else {
            "first sentence has no question, number or direct address".to_owned()
        },
    });

    let mut trigrams: HashMap<String, usize> = HashMap::new();
    for w in ws.windows(3) {
        *trigrams.entry(w.join(" ")).or_default() += 1;
    }
    let repeated: usize = trigrams.values().filter(|&&n| n > 1).map(|n| n - 1).sum();
    let ratio = repeated as f64 / (ws.len().saturating_sub(2).max(1)) as f64;
    parts.push(SubScore {
        name: "repetition",
        score: clamp10(10.0 - ratio * 40.0),
        reason: format!("{:.0}% of three-word phrases repeat", ratio * 100.0),
    });

    let sentences = body
        .split(['.', '!', '?'])
        .filter(|s| !words(s).is_empty())
        .count()
        .max(1);
    let syl: usize = ws.iter().map(|w| syllables(w)).sum();
    let grade = 0.39 * ws.len() as f64 / sentences as f64
        + 11.8 * syl as f64 / ws.len().max(1) as f64
        - 15.59;
    parts.push(SubScore {
        name: "reading_level",
        score: clamp10(10.0 - (grade - 8.0).max(0.0) * 1.5 - (4.0 - grade).max(0.0)),
        reason: format!("Flesch-Kincaid grade {grade:.1} (aim for 5–8 for narration)"),
    });

    let hay = format!("{} {body}", script.title).to_lowercase();
    let hits: Vec<&String> = banned
        .iter()
        .filter(|b| hay.contains(&b.to_lowercase()))
        .collect();
    parts.push(SubScore {
        name: "banned_terms",
        score: if hits.is_empty() { 10.0 } else { 0.0 },
        reason: if hits.is_empty() {
            "no banned or policy-risky terms".to_owned()
        } else {
            format!("contains {hits:?}")
        },
    });

    parts.push(title_length_part(&script.title));
    QualityScore::from_parts(parts)
}

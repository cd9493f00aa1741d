//! Lexical relevance of a candidate picture to a scene: how well the text a source gives
//! about a picture (Pexels `alt` and page slug, Pixabay `tags`, a library file's name and
//! sidecar tags; [`ytempire_core::Visual::description`]) matches what the scene says.
//!
//! Both sides become sets of terms: lower-cased words, English stop words and words that say
//! nothing about a picture (`photo`, `background`, `close`) dropped, British spellings folded
//! (`colour` → `color`), then Snowball-stemmed (`octopuses`, `octopus` → `octopus`;
//! `changing`, `changes` → `chang`). The score in 0–1 is
//!
//! `0.5 · cue + 0.3 · narration + 0.2 · precision`
//!
//! where `cue` is the share of the visual cue's terms the candidate has, `narration` the
//! number of the narration's terms it has over min(6, narration terms) (capped at 1), and
//! `precision` the share of the candidate's terms that the scene mentions at all. With no
//! visual cue, `cue` is the narration figure. A candidate with no text scores 0.
//!
//! ```
//! use ytempire_render::sources::{Relevance, SceneTerms};
//! let r = Relevance::english();
//! let scene = SceneTerms::new(&r, "Octopuses change colour in milliseconds.", "octopus camouflage");
//! let fit = r.score("Brown octopus changing color on the reef", &scene);
//! let miss = r.score("Sunset over a city skyline", &scene);
//! assert!(fit > 0.5 && miss == 0.0, "{fit} {miss}");
//! ```

use std::collections::BTreeSet;

use rust_stemmers::{Algorithm, Stemmer};

/// English words that carry no subject: function words, common verbs and adverbs, and the
/// stock-site words that describe every picture.
const STOP_WORDS: &[&str] = &[
    "a",
    "about",
    "above",
    "after",
    "again",
    "against",
    "all",
    "almost",
    "also",
    "always",
    "am",
    "among",
    "an",
    "and",
    "another",
    "any",
    "are",
    "around",
    "as",
    "at",
    "be",
    "became",
    "because",
    "become",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "but",
    "by",
    "can",
    "could",
    "did",
    "do",
    "does",
    "doing",
    "done",
    "down",
    "during",
    "each",
    "even",
    "ever",
    "every",
    "few",
    "for",
    "from",
    "further",
    "get",
    "gets",
    "got",
    "had",
    "has",
    "have",
    "having",
    "he",
    "her",
    "here",
    "hers",
    "him",
    "his",
    "how",
    "however",
    "i",
    "if",
    "in",
    "into",
    "is",
    "it",
    "its",
    "itself",
    "just",
    "know",
    "like",
    "made",
    "make",
    "makes",
    "many",
    "may",
    "me",
    "might",
    "more",
    "most",
    "much",
    "must",
    "my",
    "never",
    "new",
    "no",
    "nor",
    "not",
    "now",
    "of",
    "off",
    "often",
    "on",
    "once",
    "one",
    "only",
    "or",
    "other",
    "our",
    "out",
    "over",
    "own",
    "really",
    "same",
    "say",
    "says",
    "see",
    "she",
    "should",
    "so",
    "some",
    "something",
    "still",
    "such",
    "than",
    "that",
    "the",
    "their",
    "them",
    "then",
    "there",
    "these",
    "they",
    "thing",
    "things",
    "this",
    "those",
    "through",
    "to",
    "too",
    "under",
    "until",
    "up",
    "us",
    "use",
    "used",
    "very",
    "was",
    "way",
    "we",
    "well",
    "were",
    "what",
    "when",
    "where",
    "which",
    "while",
    "who",
    "whom",
    "why",
    "will",
    "with",
    "within",
    "without",
    "would",
    "yet",
    "you",
    "your",
    "ever",
    "actually",
    "let",
    "lets",
    "today",
    "first",
    "last",
    "next",
    "why",
    "s",
    "t",
    "don",
    "isn",
    "aren",
    "won",
    "ll",
    "ve",
    "re",
    // stock-site words
    "photo",
    "photos",
    "photograph",
    "image",
    "images",
    "picture",
    "stock",
    "free",
    "view",
    "close",
    "closeup",
    "background",
    "shot",
    "footage",
    "video",
    "clip",
    "hd",
    "4k",
    "jpg",
    "jpeg",
    "png",
    "mp4",
    "txt",
    "royalty",
];

/// The relevance scorer: a stemmer and the stop words. Cheap to build; not `Clone` because
/// the stemmer is not.
pub struct Relevance {
    stemmer: Stemmer,
}

impl std::fmt::Debug for Relevance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Relevance")
            .field("language", &"english")
            .finish()
    }
}

impl Default for Relevance {
    fn default() -> Self {
        Self::english()
    }
}

/// A scene's terms, prepared once and scored against many candidates.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SceneTerms {
    /// Stemmed terms of the visual cue.
    pub cue: BTreeSet<String>,
    /// Stemmed terms of the narration.
    pub narration: BTreeSet<String>,
}

impl SceneTerms {
    /// The terms of a scene's `narration` and `visual_cue`.
    pub fn new(relevance: &Relevance, narration: &str, visual_cue: &str) -> Self {
        Self {
            cue: relevance.terms(visual_cue),
            narration: relevance.terms(narration),
        }
    }

    /// Whether the scene has no terms at all (nothing to rank by).
    pub fn is_empty(&self) -> bool {
        self.cue.is_empty() && self.narration.is_empty()
    }
}

impl Relevance {
    /// English stemming and stop words.
    pub fn english() -> Self {
        Self {
            stemmer: Stemmer::create(Algorithm::English),
        }
    }

    /// The stemmed content terms of `text`.
    pub fn terms(&self, text: &str) -> BTreeSet<String> {
        content_words(text).map(|w| self.stem(&w)).collect()
    }

    /// The Snowball stem of one lower-case word, British `-our` folded to `-or`.
    fn stem(&self, word: &str) -> String {
        let stem = self.stemmer.stem(word);
        match stem.strip_suffix("our") {
            Some(head) if stem.len() > 5 => format!("{head}or"),
            _ => stem.into_owned(),
        }
    }

    /// Relevance of a candidate's `text` to `scene`, in 0–1 (see the module docs).
    pub fn score(&self, text: &str, scene: &SceneTerms) -> f64 {
        let cand = self.terms(text);
        if cand.is_empty() || scene.is_empty() {
            return 0.0;
        }
        let narration = coverage(&cand, &scene.narration);
        let cue = if scene.cue.is_empty() {
            narration
        } else {
            hits(&cand, &scene.cue) as f64 / scene.cue.len() as f64
        };
        let mentioned = cand
            .iter()
            .filter(|t| scene.cue.contains(*t) || scene.narration.contains(*t))
            .count();
        let precision = mentioned as f64 / cand.len() as f64;
        (0.5 * cue + 0.3 * narration + 0.2 * precision).clamp(0.0, 1.0)
    }
}

/// Narration terms found, over min(6, narration terms), capped at 1.
fn coverage(cand: &BTreeSet<String>, narration: &BTreeSet<String>) -> f64 {
    if narration.is_empty() {
        return 0.0;
    }
    let denom = narration.len().min(6) as f64;
    (hits(cand, narration) as f64 / denom).min(1.0)
}

fn hits(cand: &BTreeSet<String>, wanted: &BTreeSet<String>) -> usize {
    wanted.iter().filter(|t| cand.contains(*t)).count()
}

/// Lower-cased words of `text` that say something: stop words, one-letter words and numbers
/// dropped.
pub fn content_words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() > 1 && !w.chars().all(|c| c.is_ascii_digit()))
        .map(str::to_lowercase)
        .filter(|w| !STOP_WORDS.contains(&w.as_str()))
}

/// Up to `n` key words of `narration` to search for, most telling first: words that occur
/// more than once, then longer words, ties by first appearance; original spelling, lower case,
/// one per stem.
pub fn key_words(relevance: &Relevance, narration: &str, n: usize) -> Vec<String> {
    let words: Vec<String> = content_words(narration).collect();
    let mut seen: Vec<(String, String, usize, usize)> = Vec::new(); // stem, word, count, first
    for (i, w) in words.iter().enumerate() {
        let stem = relevance.stem(w);
        if let Some(e) = seen.iter_mut().find(|e| e.0 == stem) {
            e.2 += 1;
        } else {
            seen.push((stem, w.clone(), 1, i));
        }
    }
    seen.sort_by(|a, b| {
        b.2.cmp(&a.2)
            .then_with(|| b.1.chars().count().cmp(&a.1.chars().count()))
            .then_with(|| a.3.cmp(&b.3))
    });
    seen.into_iter().take(n).map(|e| e.1).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_are_stemmed_and_stripped() {
        let r = Relevance::english();
        let t = r.terms("The Octopuses are changing their colours — photo, 4K");
        assert_eq!(
            t.into_iter().collect::<Vec<_>>(),
            vec!["chang", "color", "octopus"]
        );
    }

    #[test]
    fn cue_words_outweigh_narration_words() {
        let r = Relevance::english();
        let scene = SceneTerms::new(
            &r,
            "Honey bees dance to tell the hive where flowers are.",
            "bee dance hive",
        );
        let cue = r.score("bees dancing in a hive", &scene);
        let narration_only = r.score("yellow flowers in a meadow", &scene);
        let none = r.score("a red car on a motorway", &scene);
        assert!(cue > narration_only, "{cue} vs {narration_only}");
        assert!(narration_only > none, "{narration_only} vs {none}");
        assert_eq!(none, 0.0);
        assert!((0.0..=1.0).contains(&cue));
        assert_eq!(r.score("", &scene), 0.0);
    }

    #[test]
    fn key_words_prefer_repeated_then_long_words() {
        let r = Relevance::english();
        let k = key_words(
            &r,
            "Volcanoes erupt when magma rises. The magma carries gas.",
            3,
        );
        assert_eq!(k, vec!["magma", "volcanoes", "carries"]);
    }
}

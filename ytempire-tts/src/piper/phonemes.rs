//! Text → Piper phoneme ids, with the word each id belongs to.
//!
//! Phonemes come from the `espeak-ng` program (`-q --ipa`), never the library (GPL). Each
//! sentence is phonemized twice in one go each: whole (natural reductions such as `ʌvðə` for
//! "of the", one output line per clause) and one word per line (the phonemes of each written
//! word). With stress marks and spaces removed the two agree letter for letter in the common
//! case, which gives the exact split of the sentence's phonemes into words; when they do not
//! (rare re-spellings), the per-word phonemes are spoken instead, so every phoneme id always
//! belongs to exactly one word and word timings follow from the model's durations by
//! construction.

use std::collections::HashMap;

/// Piper's special symbols: padding after each phoneme, sentence start and end.
pub(crate) const PAD: char = '_';
/// Sentence start.
pub(crate) const BOS: char = '^';
/// Sentence end.
pub(crate) const EOS: char = '$';

/// A sentence as model input: phoneme ids and, for each id, the index of its word (or `None`
/// for start/end, spaces and punctuation between words).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Phonemized {
    /// Model input ids.
    pub ids: Vec<i64>,
    /// The word (index into the sentence's words) each id belongs to.
    pub owner: Vec<Option<usize>>,
}

/// Stress and length marks are not letters of a word's spelling for alignment.
fn is_mark(c: char) -> bool {
    matches!(c, 'ˈ' | 'ˌ' | '\u{200d}') || c.is_whitespace()
}

/// Clause punctuation Piper keeps (espeak-ng drops it from `--ipa` output).
fn clause_punct(word: &str) -> Option<char> {
    word.trim_end_matches(['"', '\'', ')', ']', '”', '’'])
        .chars()
        .last()
        .filter(|c| matches!(c, ',' | '.' | '!' | '?' | ';' | ':'))
}

/// One phoneme string: `(char, owning word)`.
type Chars = Vec<(char, Option<usize>)>;

/// Split the whole-sentence phonemes (`clauses`, one line per clause) over the words, using
/// each word's own phonemes (`per_word`). `None` when they do not agree.
fn align(clauses: &[String], per_word: &[String], words: &[&str]) -> Option<Chars> {
    // Each phoneme letter of the sentence (marks removed) must match the words' letters.
    let word_letters: Vec<(char, usize)> = per_word
        .iter()
        .enumerate()
        .flat_map(|(i, p)| p.chars().filter(|c| !is_mark(*c)).map(move |c| (c, i)))
        .collect();
    let mut out: Chars = Vec::new();
    let mut k = 0;
    for (ci, clause) in clauses.iter().enumerate() {
        let mut pending_marks: Vec<char> = Vec::new();
        for c in clause.trim().chars() {
            if c.is_whitespace() {
                out.push((' ', None));
            } else if is_mark(c) {
                pending_marks.push(c);
            } else {
                let (wc, wi) = *word_letters.get(k)?;
                if wc != c {
                    return None;
                }
                k += 1;
                out.extend(pending_marks.drain(..).map(|m| (m, Some(wi))));
                out.push((c, Some(wi)));
            }
        }
        if !pending_marks.is_empty() {
            return None;
        }
        // The clause ended on the last word phonemized so far: keep its punctuation.
        let last = out.iter().rev().find_map(|(_, w)| *w);
        if let Some(p) = last
            .and_then(|w| words.get(w))
            .and_then(|w| clause_punct(w))
        {
            out.push((p, None));
        }
        if ci + 1 < clauses.len() {
            out.push((' ', None));
        }
    }
    (k == word_letters.len()).then_some(out)
}

/// The per-word phonemes as the sentence's phonemes (the fallback when [`align`] fails).
fn per_word_chars(per_word: &[String], words: &[&str]) -> Chars {
    let mut out: Chars = Vec::new();
    for (i, p) in per_word.iter().enumerate() {
        if i > 0 {
            out.push((' ', None));
        }
        for c in p.trim().chars() {
            out.push(if c.is_whitespace() {
                (' ', Some(i))
            } else {
                (c, Some(i))
            });
        }
        if let Some(p) = words.get(i).and_then(|w| clause_punct(w)) {
            out.push((p, None));
        }
    }
    out
}

/// Build model ids from phonemes: `^ _ (phoneme _)* $`, skipping symbols the voice lacks.
fn to_ids(chars: &Chars, map: &HashMap<char, Vec<i64>>) -> Phonemized {
    let mut ids = Vec::with_capacity(chars.len() * 2 + 3);
    let mut owner = Vec::with_capacity(ids.capacity());
    let mut push = |c: char, w: Option<usize>| {
        if let Some(v) = map.get(&c) {
            ids.extend_from_slice(v);
            owner.extend(std::iter::repeat_n(w, v.len()));
        }
    };
    push(BOS, None);
    push(PAD, None);
    for &(c, w) in chars {
        if !map.contains_key(&c) {
            continue;
        }
        push(c, w);
        push(PAD, w);
    }
    push(EOS, None);
    Phonemized { ids, owner }
}

/// Phonemes for `words` from espeak-ng's whole-sentence output (`clauses`) and one-word-per-line
/// output (`per_word`, one entry per word), as ids of `map`. `aligned` tells which was used.
pub(crate) fn phonemize(
    clauses: &[String],
    per_word: &[String],
    words: &[&str],
    map: &HashMap<char, Vec<i64>>,
) -> (Phonemized, bool) {
    match align(clauses, per_word, words) {
        Some(chars) => (to_ids(&chars, map), true),
        None => (to_ids(&per_word_chars(per_word, words), map), false),
    }
}

/// Word spans in frames from per-id durations: `(first frame, end frame)` per word, for the
/// ids it owns. Words that own no id (nothing the voice can say) get an empty span where they
/// would have been.
pub(crate) fn word_frames(p: &Phonemized, durations: &[f32], n_words: usize) -> Vec<(f64, f64)> {
    let mut spans: Vec<Option<(f64, f64)>> = vec![None; n_words];
    let mut at = 0.0f64;
    for (i, w) in p.owner.iter().enumerate() {
        let d = f64::from(durations.get(i).copied().unwrap_or(0.0).max(0.0));
        if let Some(span) = w.and_then(|w| spans.get_mut(w)) {
            let (s, _) = span.unwrap_or((at, at));
            *span = Some((s, at + d));
        }
        at += d;
    }
    let mut prev_end = 0.0;
    spans
        .into_iter()
        .map(|s| {
            let s = s.unwrap_or((prev_end, prev_end));
            prev_end = s.1;
            s
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map() -> HashMap<char, Vec<i64>> {
        "_^$ ,.!?ʌvðəhlˈoʊɛɹmaɪtkɔs"
            .chars()
            .enumerate()
            .map(|(i, c)| (c, vec![i as i64]))
            .collect()
    }

    #[test]
    fn merged_function_words_are_split_at_their_letters() {
        let words = ["Hello", "there,", "of", "the."];
        let clauses = ["həlˈoʊ ðˈɛɹ".to_owned(), "ʌvðə".to_owned()];
        let per_word: Vec<String> = ["həlˈoʊ", "ðˈɛɹ", "ˈʌv", "ðˈə"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        let chars = align(&clauses, &per_word, &words).unwrap();
        let text: String = chars.iter().map(|(c, _)| *c).collect();
        assert_eq!(text, "həlˈoʊ ðˈɛɹ, ʌvðə.");
        let owners: Vec<Option<usize>> = chars.iter().map(|(_, w)| *w).collect();
        // "ʌv" belongs to "of" (2), "ðə" to "the." (3); the comma to no word.
        assert_eq!(&owners[13..18], &[Some(2), Some(2), Some(3), Some(3), None]);
        assert_eq!(owners[11], None);
    }

    #[test]
    fn disagreement_falls_back_to_per_word_phonemes() {
        let words = ["to", "it."];
        let clauses = ["təɪt".to_owned()];
        let per_word = vec!["tˈuː".to_owned(), "ˈɪt".to_owned()];
        let (p, aligned) = phonemize(&clauses, &per_word, &words, &map());
        assert!(!aligned);
        // Every id between ^_ and $ has an owner or is a space/punctuation.
        assert_eq!(p.ids.len(), p.owner.len());
        assert_eq!(p.owner.first(), Some(&None));
        assert!(p.owner.contains(&Some(0)) && p.owner.contains(&Some(1)));
    }

    #[test]
    fn ids_interleave_padding_and_word_frames_sum_durations() {
        let words = ["ma"];
        let (p, aligned) = phonemize(&["ma".to_owned()], &["mˈa".to_owned()], &words, &map());
        assert!(aligned);
        let m = map();
        let id = |c: char| m[&c][0];
        assert_eq!(
            p.ids,
            [
                id('^'),
                id('_'),
                id('m'),
                id('_'),
                id('a'),
                id('_'),
                id('$')
            ]
        );
        let durations = [1.0, 2.0, 3.0, 1.0, 4.0, 2.0, 5.0];
        let spans = word_frames(&p, &durations, 1);
        assert_eq!(spans, [(3.0, 13.0)]);
    }
}

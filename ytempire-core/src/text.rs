//! Words in any script, for everything that counts, times or groups words: script
//! validation, word timings, caption grouping and reading-rate scoring.
//!
//! Text is split at whitespace first, so words in space-separated scripts keep their
//! punctuation (`"friend."`, `"dollars,"`): captions show it and sentence ends are seen on
//! the word. A whitespace-separated run that holds a script written without spaces (Chinese,
//! Japanese, Thai, Lao, Khmer, Burmese) is split further by ICU4X's word segmenter (UAX #29
//! with its dictionaries for those scripts); punctuation is attached to the word before it
//! (or, at the start of a run, to the word after it), so `"熊猫是黑白色的。"` gives
//! `["熊猫", "是", "黑白", "色", "的。"]` (the exact split follows the dictionary).
//!
//! ```
//! use ytempire_core::text::{word_count, words};
//! assert_eq!(words("Hello there, friend."), ["Hello", "there,", "friend."]);
//! assert!(word_count("我们今天学习海洋里的章鱼。") >= 5);
//! ```

use icu_segmenter::WordSegmenter;
use icu_segmenter::options::WordBreakInvariantOptions;

/// Whether `c` belongs to a script written without spaces between words.
pub fn is_unspaced_script(c: char) -> bool {
    matches!(c as u32,
        0x0E00..=0x0EFF        // Thai, Lao
        | 0x1000..=0x109F      // Myanmar
        | 0x1780..=0x17FF      // Khmer
        | 0x19E0..=0x19FF      // Khmer symbols
        | 0x2E80..=0x2FDF      // CJK radicals
        | 0x3005..=0x3007      // 々 〆 〇
        | 0x3040..=0x30FF      // Hiragana, Katakana
        | 0x31F0..=0x31FF      // Katakana extensions
        | 0x3400..=0x4DBF      // CJK extension A
        | 0x4E00..=0x9FFF      // CJK unified ideographs
        | 0xF900..=0xFAFF      // CJK compatibility ideographs
        | 0xFF66..=0xFF9F      // half-width Katakana
        | 0x20000..=0x3FFFF    // CJK extensions B–H
    )
}

/// The words of `text`, in order, as slices of it (see the module docs).
pub fn words(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for token in text.split_whitespace() {
        if token.chars().any(is_unspaced_script) {
            segment(token, &mut out);
        } else {
            out.push(token);
        }
    }
    out
}

/// How many words `text` has ([`words`]).
pub fn word_count(text: &str) -> usize {
    words(text).len()
}

/// Whether `text` is mostly in scripts written without spaces (then words are joined
/// without a space on screen).
pub fn is_unspaced(text: &str) -> bool {
    let (mut unspaced, mut letters) = (0usize, 0usize);
    for c in text.chars().filter(|c| c.is_alphanumeric()) {
        letters += 1;
        if is_unspaced_script(c) {
            unspaced += 1;
        }
    }
    unspaced * 2 > letters
}

/// Whether two words shown one after the other need a space between them: not when the
/// first ends or the second starts in a script written without spaces (or with its
/// full-width punctuation).
pub fn space_between(first: &str, second: &str) -> bool {
    let unspaced = |c: Option<char>| {
        c.is_some_and(|c| {
            is_unspaced_script(c) || matches!(c as u32, 0x3000..=0x303F | 0xFF00..=0xFF65)
        })
    };
    !(unspaced(first.trim_end().chars().last()) || unspaced(second.trim_start().chars().next()))
}

/// Split one whitespace-free `token` into words with the dictionary segmenter, punctuation
/// joined to a neighbouring word.
fn segment<'a>(token: &'a str, out: &mut Vec<&'a str>) {
    let segmenter = WordSegmenter::new_dictionary(WordBreakInvariantOptions::default());
    let mut breaks = segmenter.segment_str(token);
    // (start, end) of the words of this token; a non-word segment before any word waits in
    // `lead` and becomes the start of the first word.
    let mut spans: Vec<(usize, usize)> = Vec::new();
    let mut lead: Option<usize> = None;
    let mut prev = match breaks.next() {
        Some(b) => b,
        None => return,
    };
    while let Some(b) = breaks.next() {
        let word_like = breaks.is_word_like();
        match spans.last_mut() {
            Some(last) if !word_like => last.1 = b,
            _ if !word_like => {
                lead.get_or_insert(prev);
            }
            _ => spans.push((lead.take().unwrap_or(prev), b)),
        }
        prev = b;
    }
    if spans.is_empty() {
        // Punctuation or symbols only: one "word", as whitespace splitting would give.
        out.push(token);
        return;
    }
    out.extend(spans.into_iter().filter_map(|(a, b)| token.get(a..b)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spaced_text_splits_at_whitespace_keeping_punctuation() {
        assert_eq!(
            words("  It costs 160 dollars, of the U.S. kind!\n"),
            [
                "It", "costs", "160", "dollars,", "of", "the", "U.S.", "kind!"
            ]
        );
        assert_eq!(words("— …"), ["—", "…"]);
        assert!(words(" \n").is_empty());
    }

    #[test]
    fn chinese_japanese_and_thai_split_into_dictionary_words() {
        for text in [
            "为什么熊猫是黑白色的？科学家认为这种颜色帮助它们在雪地和森林里隐藏自己。",
            "タコは海の中でいちばん不思議な動物の一つです。心臓が三つあります。",
            "ปลาหมึกยักษ์เป็นสัตว์ที่ฉลาดมาก มันมีหัวใจสามดวง",
        ] {
            let w = words(text);
            assert!(w.len() >= 8, "{text}: {w:?}");
            // Nothing lost or reordered: the words are the text without whitespace.
            let joined: String = w.concat();
            let bare: String = text.chars().filter(|c| !c.is_whitespace()).collect();
            assert_eq!(joined, bare);
            for x in &w {
                assert!(x.chars().count() <= 8, "{text}: {x:?} is one word?");
                // Punctuation never stands alone.
                assert!(x.chars().any(char::is_alphanumeric), "{x:?}");
            }
            assert!(is_unspaced(text), "{text}");
        }
        // Sentence punctuation stays on the word before it, so sentence ends are seen.
        let w = words("熊猫很可爱。它们吃竹子！");
        assert!(w.iter().any(|x| x.ends_with('。')), "{w:?}");
        assert!(w.last().unwrap().ends_with('！'), "{w:?}");
        // Leading punctuation joins the first word.
        let w = words("「こんにちは」と言った");
        assert!(w[0].starts_with('「') && w[0].len() > 3, "{w:?}");
        assert!(!is_unspaced("Hello 世界 and more English words here"));
        assert!(space_between("Hello", "world."));
        assert!(!space_between("熊猫", "是"));
        assert!(!space_between("的。", "Pandas"));
        assert!(!space_between("AI", "技术"));
    }

    #[test]
    fn mixed_scripts_split_where_the_script_changes() {
        let w = words("AI技术 is 改变世界");
        assert!(w.contains(&"AI") && w.contains(&"is"), "{w:?}");
        assert!(w.len() >= 5, "{w:?}");
    }
}

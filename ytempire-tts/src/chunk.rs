//! Splitting long text under a provider's input limit: at sentence boundaries, then at word
//! boundaries for an over-long sentence; never mid-word and never inside an SSML element.
//!
//! ```
//! use ytempire_core::InputUnit;
//! use ytempire_tts::chunk;
//! let chunks = chunk::chunk_text("One two. Three four five. Six.", 20, InputUnit::Characters).unwrap();
//! assert_eq!(chunks, ["One two.", "Three four five.", "Six."]);
//! ```

use ytempire_core::{Error, InputUnit, Result};

use crate::ssml::{self, Token};

/// Split text into sentences (after `.`, `!`, `?`, `…` followed by whitespace, and at blank
/// lines). Each sentence is trimmed; empty ones are dropped.
pub fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let boundary = match c {
            '.' | '!' | '?' | '…' => chars.peek().is_none_or(|(_, n)| n.is_whitespace()),
            // Chinese and Japanese write no space after a full stop; a closing quote or
            // bracket stays with its sentence.
            '。' | '！' | '？' => chars
                .peek()
                .is_none_or(|(_, n)| !matches!(n, '」' | '』' | '）' | '”' | '’' | '"' | ')')),
            '\n' => chars.peek().is_some_and(|(_, n)| *n == '\n'),
            _ => false,
        };
        if boundary {
            let end = i + c.len_utf8();
            let s = text[start..end].trim();
            if !s.is_empty() {
                out.push(s);
            }
            start = end;
        }
    }
    let s = text[start..].trim();
    if !s.is_empty() {
        out.push(s);
    }
    out
}

fn too_long(piece: &str, max: usize, unit: InputUnit) -> Error {
    Error::invalid_request(format!(
        "cannot split under the limit of {max} {}: the piece {:?}… alone measures {}",
        unit_name(unit),
        piece.chars().take(40).collect::<String>(),
        unit.measure(piece)
    ))
}

fn unit_name(unit: InputUnit) -> &'static str {
    match unit {
        InputUnit::Bytes => "bytes",
        InputUnit::Tokens => "tokens",
        _ => "characters",
    }
}

/// Greedily pack `pieces` (joined by `sep`) into chunks whose measure plus `overhead` stays
/// within `max`.
fn pack(
    pieces: Vec<String>,
    sep: &str,
    max: usize,
    unit: InputUnit,
    overhead: usize,
) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    for piece in pieces {
        if unit.measure(&piece) + overhead > max {
            return Err(too_long(&piece, max, unit));
        }
        let candidate = if current.is_empty() {
            piece.clone()
        } else {
            format!("{current}{sep}{piece}")
        };
        if unit.measure(&candidate) + overhead <= max {
            current = candidate;
        } else {
            out.push(std::mem::take(&mut current));
            current = piece;
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    Ok(out)
}

/// Split a sentence that is too long at word boundaries.
fn split_words(
    sentence: &str,
    max: usize,
    unit: InputUnit,
    overhead: usize,
) -> Result<Vec<String>> {
    // Unspaced scripts (Chinese, Japanese, Thai) split at dictionary words, joined as written.
    let sep = if ytempire_core::text::is_unspaced(sentence) {
        ""
    } else {
        " "
    };
    pack(
        ytempire_core::text::words(sentence)
            .into_iter()
            .map(str::to_owned)
            .collect(),
        sep,
        max,
        unit,
        overhead,
    )
}

/// Split plain text into chunks of at most `max` `unit`s.
pub fn chunk_text(text: &str, max: usize, unit: InputUnit) -> Result<Vec<String>> {
    let mut pieces = Vec::new();
    for s in sentences(text) {
        if unit.measure(s) <= max {
            pieces.push(s.to_owned());
        } else {
            pieces.extend(split_words(s, max, unit, 0)?);
        }
    }
    pack(pieces, " ", max, unit, 0)
}

/// Split a `<speak>` document into `<speak>` documents of at most `max` `unit`s each.
///
/// Top-level text is split into sentences; a top-level element (with everything inside it) is
/// never split. Text inside `<p>`/`<s>` at the top level is treated as one element.
pub fn chunk_ssml(doc: &str, max: usize, unit: InputUnit) -> Result<Vec<String>> {
    let tokens = ssml::validate(doc)?;
    let overhead = unit.measure("<speak></speak>");
    if unit.measure(doc.trim()) <= max {
        return Ok(vec![doc.trim().to_owned()]);
    }
    // Pieces at depth 1 (inside <speak>): sentences of text, or whole elements.
    let mut pieces: Vec<String> = Vec::new();
    let mut depth = 0usize;
    let mut element = String::new();
    let inner = &tokens[1..tokens.len().saturating_sub(1)];
    for t in inner {
        match t {
            Token::Text(text) if depth == 0 => {
                // Keep leading/trailing spaces meaningful by re-joining sentences with a space.
                for s in sentences(text) {
                    if unit.measure(s) + overhead <= max {
                        pieces.push(s.to_owned());
                    } else {
                        pieces.extend(split_words(s, max, unit, overhead)?);
                    }
                }
            }
            Token::Text(text) => element.push_str(text),
            Token::Open {
                raw, self_closing, ..
            } => {
                element.push_str(raw);
                if *self_closing {
                    if depth == 0 {
                        pieces.push(std::mem::take(&mut element));
                    }
                } else {
                    depth += 1;
                }
            }
            Token::Close(name) => {
                element.push_str(&format!("</{name}>"));
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    pieces.push(std::mem::take(&mut element));
                }
            }
        }
    }
    Ok(pack(pieces, " ", max, unit, overhead)?
        .into_iter()
        .map(|c| format!("<speak>{c}</speak>"))
        .collect())
}

/// Refuse a text over a vendor's input limit before spending money, pointing at
/// [`Chunked`](crate::Chunked).
#[cfg(feature = "_http")]
pub(crate) fn check_limit(provider: &str, text: &str, max: usize, unit: InputUnit) -> Result<()> {
    let n = unit.measure(text);
    if n > max {
        let unit_name = match unit {
            InputUnit::Bytes => "bytes",
            _ => "characters",
        };
        return Err(Error::invalid_request(format!(
            "{provider}: input is {n} {unit_name}, over the limit of {max} {unit_name}; split it (ytempire_tts::Chunked)"
        ))
        .with_provider(provider));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_split_on_terminators_only_before_space() {
        assert_eq!(
            sentences("Pi is 3.14 today! Really? Yes.\n\nNew para"),
            ["Pi is 3.14 today!", "Really?", "Yes.", "New para"]
        );
        assert_eq!(
            sentences("熊猫很可爱。它们吃竹子！「真的？」是的。"),
            ["熊猫很可爱。", "它们吃竹子！", "「真的？」是的。"]
        );
    }

    #[test]
    fn long_sentence_splits_at_words_and_never_mid_word() {
        let text = "alpha beta gamma delta epsilon zeta eta theta";
        let chunks = chunk_text(text, 12, InputUnit::Characters).unwrap();
        assert!(chunks.iter().all(|c| c.chars().count() <= 12), "{chunks:?}");
        assert_eq!(chunks.join(" "), text);
        assert!(chunk_text("supercalifragilistic", 5, InputUnit::Characters).is_err());
    }

    #[test]
    fn bytes_unit_counts_utf8() {
        // 10 characters but 20 bytes each sentence.
        let text = "éééééééé. ééééééééé.";
        let chunks = chunk_text(text, 20, InputUnit::Bytes).unwrap();
        assert_eq!(chunks.len(), 2);
        assert!(chunks.iter().all(|c| c.len() <= 20));
        assert_eq!(
            chunk_text(text, 20, InputUnit::Characters).unwrap().len(),
            1
        );
    }

    #[test]
    fn ssml_chunks_keep_elements_whole_and_valid() {
        let doc = "<speak>First sentence here. <emphasis level=\"strong\">Do not split me. Ever.</emphasis> Last one.<mark name=\"m\"/></speak>";
        let chunks = chunk_ssml(doc, 80, InputUnit::Characters).unwrap();
        assert!(chunks.len() > 1);
        for c in &chunks {
            assert!(c.chars().count() <= 80, "{c}");
            ssml::validate(c).unwrap();
        }
        assert!(chunks.iter().any(|c| c.contains("<emphasis level=\"strong\">Do not split me. Ever.</emphasis>")));
        let joined: String = chunks
            .iter()
            .map(|c| ssml::to_plain_text(c).unwrap())
            .collect::<Vec<_>>()
            .join(" ");
        assert_eq!(joined, ssml::to_plain_text(doc).unwrap());
        assert!(chunk_ssml(doc, 60, InputUnit::Characters).is_err());
    }
}

//! SSML: a builder that escapes plain text, a validator for the subset every provider here
//! understands, and a converter back to plain text for providers without SSML.
//!
//! Supported elements: `speak`, `p`, `s`, `break`, `emphasis`, `prosody`, `say-as`, `mark`,
//! `sub`. Anything else, unbalanced tags, unquoted attributes or unknown entities are
//! `InvalidRequest` errors that name the problem and its byte offset.
//!
//! ```
//! use ytempire_tts::ssml::{self, Emphasis, SsmlBuilder};
//! let doc = SsmlBuilder::new()
//!     .text("Fish & chips")
//!     .pause_ms(300)
//!     .emphasis(Emphasis::Strong, "now")
//!     .mark("end")
//!     .build();
//! assert_eq!(doc, r#"<speak>Fish &amp; chips<break time="300ms"/><emphasis level="strong">now</emphasis><mark name="end"/></speak>"#);
//! assert!(ssml::validate(&doc).is_ok());
//! assert_eq!(ssml::to_plain_text(&doc).unwrap(), "Fish & chips now");
//! ```

use ytempire_core::{Error, Result};

/// Elements the validator accepts.
pub const ALLOWED_ELEMENTS: &[&str] = &[
    "speak", "p", "s", "break", "emphasis", "prosody", "say-as", "mark", "sub",
];

/// Escape text for inclusion in SSML (`&`, `<`, `>`, `"`, `'`).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// Emphasis strength for `<emphasis level="…">`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Emphasis {
    /// `strong`
    Strong,
    /// `moderate`
    Moderate,
    /// `reduced`
    Reduced,
}

impl Emphasis {
    fn as_str(self) -> &'static str {
        match self {
            Self::Strong => "strong",
            Self::Moderate => "moderate",
            Self::Reduced => "reduced",
        }
    }
}

/// Builds a valid `<speak>` document; every piece of text is escaped.
#[derive(Debug, Clone, Default)]
pub struct SsmlBuilder {
    body: String,
}

impl SsmlBuilder {
    /// An empty document.
    pub fn new() -> Self {
        Self::default()
    }

    /// Plain text, escaped.
    #[must_use]
    pub fn text(mut self, text: &str) -> Self {
        self.body.push_str(&escape(text));
        self
    }

    /// A pause of `ms` milliseconds (`<break time="…ms"/>`).
    #[must_use]
    pub fn pause_ms(mut self, ms: u32) -> Self {
        self.body.push_str(&format!("<break time=\"{ms}ms\"/>"));
        self
    }

    /// Emphasised text.
    #[must_use]
    pub fn emphasis(mut self, level: Emphasis, text: &str) -> Self {
        self.body.push_str(&format!(
            "<emphasis level=\"{}\">{}</emphasis>",
            level.as_str(),
            escape(text)
        ));
        self
    }

    /// Text with a rate (e.g. `"90%"`, `"slow"`) and pitch (e.g. `"+2st"`, `"low"`).
    #[must_use]
    pub fn prosody(mut self, rate: Option<&str>, pitch: Option<&str>, text: &str) -> Self {
        let mut attrs = String::new();
        if let Some(r) = rate {
            attrs.push_str(&format!(" rate=\"{}\"", escape(r)));
        }
        if let Some(p) = pitch {
            attrs.push_str(&format!(" pitch=\"{}\"", escape(p)));
        }
        self.body
            .push_str(&format!("<prosody{attrs}>{}</prosody>", escape(text)));
        self
    }

    /// Text read as a kind (`"characters"`, `"cardinal"`, `"date"`, …).
    #[must_use]
    pub fn say_as(mut self, interpret_as: &str, text: &str) -> Self {
        self.body.push_str(&format!(
            "<say-as interpret-as=\"{}\">{}</say-as>",
            escape(interpret_as),
            escape(text)
        ));
        self
    }

    /// A named mark (`<mark name="…"/>`), reported back by providers with time pointing.
    #[must_use]
    pub fn mark(mut self, name: &str) -> Self {
        self.body
            .push_str(&format!("<mark name=\"{}\"/>", escape(name)));
        self
    }

    /// The finished `<speak>` document.
    pub fn build(&self) -> String {
        format!("<speak>{}</speak>", self.body)
    }
}

/// One lexical piece of an SSML document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    /// Character data, still escaped as written.
    Text(String),
    /// `<name attr="v">` or `<name/>` when `self_closing`.
    Open {
        /// Element name.
        name: String,
        /// Attributes as written (unescaped values).
        attrs: Vec<(String, String)>,
        /// Whether it closed itself.
        self_closing: bool,
        /// The tag exactly as written.
        raw: String,
    },
    /// `</name>`
    Close(String),
}

fn bad(offset: usize, what: impl std::fmt::Display) -> Error {
    Error::invalid_request(format!("malformed SSML at byte {offset}: {what}"))
}

/// Split an SSML document into tokens, checking tags, attributes and entities.
pub fn tokenize(ssml: &str) -> Result<Vec<Token>> {
    let mut tokens = Vec::new();
    let mut rest = ssml;
    let mut offset = 0;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('<') {
            let end = after
                .find('>')
                .ok_or_else(|| bad(offset, "a tag is never closed with '>'"))?;
            let inner = &after[..end];
            let raw = &rest[..end + 2];
            tokens.push(parse_tag(inner, raw, offset)?);
            offset += end + 2;
            rest = &after[end + 1..];
        } else {
            let end = rest.find('<').unwrap_or(rest.len());
            let text = &rest[..end];
            if text.contains('>') {
                return Err(bad(offset, "'>' in text must be escaped as &gt;"));
            }
            unescape(text).map_err(|m| bad(offset, m))?;
            tokens.push(Token::Text(text.to_owned()));
            offset += end;
            rest = &rest[end..];
        }
    }
    Ok(tokens)
}

fn parse_tag(inner: &str, raw: &str, offset: usize) -> Result<Token> {
    if let Some(name) = inner.strip_prefix('/') {
        let name = name.trim();
        if name.is_empty() || name.contains(char::is_whitespace) {
            return Err(bad(offset, format!("bad closing tag <{inner}>")));
        }
        return Ok(Token::Close(name.to_owned()));
    }
    if inner.starts_with('?') || inner.starts_with('!') {
        return Err(bad(
            offset,
            "XML declarations, comments and DOCTYPEs are not accepted",
        ));
    }
    let (body, self_closing) = match inner.strip_suffix('/') {
        Some(b) => (b, true),
        None => (inner, false),
    };
    let body = body.trim_end();
    let name_end = body.find(char::is_whitespace).unwrap_or(body.len());
    let name = &body[..name_end];
    if name.is_empty() {
        return Err(bad(offset, "empty tag name"));
    }
    let mut attrs = Vec::new();
    let mut rest = body[name_end..].trim_start();
    while !rest.is_empty() {
        let eq = rest
            .find('=')
            .ok_or_else(|| bad(offset, format!("attribute without value in <{name}>")))?;
        let key = rest[..eq].trim();
        if key.is_empty() || key.contains(char::is_whitespace) {
            return Err(bad(offset, format!("bad attribute name in <{name}>")));
        }
        let after = rest[eq + 1..].trim_start();
        let quote = after
            .chars()
            .next()
            .filter(|q| *q == '"' || *q == '\'')
            .ok_or_else(|| bad(offset, format!("attribute {key} of <{name}> is not quoted")))?;
        let close = after[1..]
            .find(quote)
            .ok_or_else(|| bad(offset, format!("attribute {key} of <{name}> is not closed")))?;
        let value = unescape(&after[1..1 + close]).map_err(|m| bad(offset, m))?;
        attrs.push((key.to_owned(), value));
        rest = after[close + 2..].trim_start();
    }
    Ok(Token::Open {
        name: name.to_owned(),
        attrs,
        self_closing,
        raw: raw.to_owned(),
    })
}

/// Replace the five XML entities and numeric references with their characters.
pub fn unescape(text: &str) -> std::result::Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let semi = after
            .find(';')
            .filter(|s| *s <= 10)
            .ok_or_else(|| "'&' must be escaped as &amp;".to_owned())?;
        let entity = &after[..semi];
        let c = match entity {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            e => {
                let code = if let Some(hex) = e.strip_prefix("#x") {
                    u32::from_str_radix(hex, 16).ok()
                } else if let Some(dec) = e.strip_prefix('#') {
                    dec.parse().ok()
                } else {
                    None
                };
                code.and_then(char::from_u32)
                    .ok_or_else(|| format!("unknown entity &{e};"))?
            }
        };
        out.push(c);
        rest = &after[semi + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Check a document: one `<speak>` root, allowed elements only, balanced, well-formed.
pub fn validate(ssml: &str) -> Result<Vec<Token>> {
    let tokens = tokenize(ssml.trim())?;
    let mut stack: Vec<&str> = Vec::new();
    let mut closed_root = false;
    for (i, t) in tokens.iter().enumerate() {
        match t {
            Token::Text(text) => {
                if stack.is_empty() && !text.trim().is_empty() {
                    return Err(Error::invalid_request(
                        "malformed SSML: text outside <speak>",
                    ));
                }
            }
            Token::Open {
                name,
                self_closing,
                attrs,
                ..
            } => {
                if closed_root {
                    return Err(Error::invalid_request(
                        "malformed SSML: content after </speak>",
                    ));
                }
                if i == 0 && name != "speak" {
                    return Err(Error::invalid_request(
                        "malformed SSML: the root element must be <speak>",
                    ));
                }
                if !ALLOWED_ELEMENTS.contains(&name.as_str()) {
                    return Err(Error::invalid_request(format!(
                        "unsupported SSML element <{name}>; supported: {}",
                        ALLOWED_ELEMENTS.join(", ")
                    )));
                }
                if name == "speak" && !stack.is_empty() {
                    return Err(Error::invalid_request("malformed SSML: nested <speak>"));
                }
                if name == "mark" && !attrs.iter().any(|(k, _)| k == "name") {
                    return Err(Error::invalid_request(
                        "malformed SSML: <mark> needs a name attribute",
                    ));
                }
                if !self_closing {
                    stack.push(name);
                }
            }
            Token::Close(name) => match stack.pop() {
                Some(open) if open == name => {
                    if stack.is_empty() {
                        closed_root = true;
                    }
                }
                Some(open) => {
                    return Err(Error::invalid_request(format!(
                        "malformed SSML: </{name}> closes <{open}>"
                    )));
                }
                None => {
                    return Err(Error::invalid_request(format!(
                        "malformed SSML: </{name}> without an opening tag"
                    )));
                }
            },
        }
    }
    if let Some(open) = stack.last() {
        return Err(Error::invalid_request(format!(
            "malformed SSML: <{open}> is never closed"
        )));
    }
    if !closed_root {
        return Err(Error::invalid_request(
            "malformed SSML: expected a <speak> document",
        ));
    }
    Ok(tokens)
}

/// Plain text of a valid document: tags dropped, entities resolved, breaks become spaces,
/// `<sub alias>` reads its alias, whitespace collapsed.
pub fn to_plain_text(ssml: &str) -> Result<String> {
    let tokens = validate(ssml)?;
    let mut out = String::new();
    let mut sub_depth = 0usize;
    for t in tokens {
        match t {
            Token::Text(text) if sub_depth == 0 => {
                out.push_str(&unescape(&text).map_err(Error::invalid_request)?);
            }
            Token::Text(_) => {}
            Token::Open { name, attrs, .. } if name == "sub" => {
                if let Some((_, alias)) = attrs.iter().find(|(k, _)| k == "alias") {
                    out.push_str(alias);
                    sub_depth += 1;
                }
            }
            Token::Close(name) if name == "sub" => sub_depth = sub_depth.saturating_sub(1),
            Token::Open { name, .. } if name == "break" || name == "p" || name == "s" => {
                out.push(' ');
            }
            _ => {}
        }
    }
    Ok(out.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// Wrap plain text as an escaped `<speak>` document.
pub fn from_plain_text(text: &str) -> String {
    SsmlBuilder::new().text(text).build()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ytempire_core::ErrorKind;

    #[test]
    fn builder_escapes_and_validates() {
        let doc = SsmlBuilder::new()
            .text("a < b & \"c\"")
            .prosody(Some("90%"), Some("+2st"), "slow")
            .say_as("characters", "SSML")
            .build();
        assert!(doc.contains("a &lt; b &amp; &quot;c&quot;"));
        assert!(validate(&doc).is_ok());
        assert_eq!(to_plain_text(&doc).unwrap(), "a < b & \"c\"slowSSML");
    }

    #[test]
    fn rejects_malformed_documents() {
        for bad in [
            "<speak>unclosed",
            "<speak><emphasis>x</speak>",
            "<speak>a & b</speak>",
            "<speak><audio src=\"x\"/></speak>",
            "<speak><break time=300ms/></speak>",
            "hello",
            "<speak>x</speak>tail",
            "<speak><mark/></speak>",
            "<speak>&bogus;</speak>",
            "<speak><speak>x</speak></speak>",
        ] {
            let err = validate(bad).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidRequest, "{bad}: {err}");
        }
    }

    #[test]
    fn plain_text_reads_sub_alias_and_entities() {
        let doc = "<speak><sub alias=\"World Wide Web\">WWW</sub> is &#x41;&#66;</speak>";
        assert_eq!(to_plain_text(doc).unwrap(), "World Wide Web is AB");
    }
}

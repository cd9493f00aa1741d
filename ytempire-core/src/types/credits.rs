//! Credits for a video's description: who made each stock picture, on which site, and where
//! to find it ([`with_credits`]), and the page a trend topic came from ([`cite_source`]),
//! appended within YouTube's description limit.
//!
//! ```
//! use ytempire_core::{Attribution, Visual, with_credits};
//! let v = Visual::image_bytes("pexels:1", 10, 10, "image/png", vec![])
//!     .with_origin("pexels", "octopus")
//!     .with_attribution(Attribution {
//!         author: "Jane Doe".into(),
//!         url: Some("https://www.pexels.com/@jane".into()),
//!         license: None,
//!     });
//! let d = with_credits("About octopuses.", &[v]);
//! assert!(d.ends_with("Visuals:\n- Jane Doe (pexels): https://www.pexels.com/@jane"));
//! ```

use super::metadata::DESCRIPTION_MAX_BYTES;
use super::visual::Visual;

/// The heading of the credits block.
const HEADING: &str = "Visuals:";

/// One credit line per distinct attributed visual, in order: `- author (source): link`.
/// Characters YouTube refuses in descriptions (`<`, `>`) are dropped.
pub fn credit_lines(visuals: &[Visual]) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for v in visuals {
        let Some(a) = &v.attribution else { continue };
        let author = clean(&a.author);
        if author.is_empty() {
            continue;
        }
        let source = if v.provider.is_empty() {
            String::new()
        } else {
            format!(" ({})", clean(&v.provider))
        };
        let link = a
            .url
            .as_deref()
            .map(clean)
            .filter(|u| !u.is_empty())
            .map(|u| format!(": {u}"))
            .unwrap_or_default();
        let line = format!("- {author}{source}{link}");
        if !lines.contains(&line) {
            lines.push(line);
        }
    }
    lines
}

/// `description` with a last line `Source: link` citing the page a trend topic came from
/// (see [`crate::Topic::link`]), when the description does not mention the link already, the
/// link is a plain `http(s)` URL and the line fits in [`DESCRIPTION_MAX_BYTES`]; otherwise the
/// description unchanged.
///
/// ```
/// use ytempire_core::cite_source;
/// let d = cite_source("Octopuses were filmed punching fish.", "https://news.example/a");
/// assert!(d.ends_with("\n\nSource: https://news.example/a"));
/// assert_eq!(cite_source(&d, "https://news.example/a"), d, "cited once");
/// ```
pub fn cite_source(description: &str, link: &str) -> String {
    let link = clean(link);
    let url_like = (link.starts_with("https://") || link.starts_with("http://"))
        && !link.contains(char::is_whitespace);
    if !url_like || description.contains(&link) {
        return description.to_owned();
    }
    let base = description.trim_end();
    let out = if base.is_empty() {
        format!("Source: {link}")
    } else {
        format!("{base}\n\nSource: {link}")
    };
    if out.len() > DESCRIPTION_MAX_BYTES {
        return description.to_owned();
    }
    out
}

/// `description` followed by a blank line and the credits of `visuals`, as many lines as fit
/// in [`DESCRIPTION_MAX_BYTES`] (then `- and N more`, when that fits). Returns the description
/// unchanged when no visual carries a credit or not even the heading fits.
pub fn with_credits(description: &str, visuals: &[Visual]) -> String {
    let lines = credit_lines(visuals);
    if lines.is_empty() {
        return description.to_owned();
    }
    let base = description.trim_end();
    let mut out = if base.is_empty() {
        HEADING.to_owned()
    } else {
        format!("{base}\n\n{HEADING}")
    };
    if out.len() > DESCRIPTION_MAX_BYTES {
        return description.to_owned();
    }
    let mut added = 0;
    for line in &lines {
        if out.len() + 1 + line.len() > DESCRIPTION_MAX_BYTES {
            break;
        }
        out.push('\n');
        out.push_str(line);
        added += 1;
    }
    if added < lines.len() {
        // Drop lines until the "and N more" note fits too.
        loop {
            let note = format!("\n- and {} more", lines.len() - added);
            if out.len() + note.len() <= DESCRIPTION_MAX_BYTES {
                out.push_str(&note);
                break;
            }
            if added == 0 {
                break;
            }
            let cut = out.rfind('\n').unwrap_or(out.len());
            out.truncate(cut);
            added -= 1;
        }
    }
    if added == 0 {
        return description.to_owned();
    }
    out
}

fn clean(s: &str) -> String {
    s.chars()
        .filter(|c| *c != '<' && *c != '>' && !c.is_control())
        .collect::<String>()
        .trim()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Attribution;

    fn credited(id: &str, author: &str) -> Visual {
        Visual::image_bytes(id, 1, 1, "image/png", vec![])
            .with_origin("pixabay", "q")
            .with_attribution(Attribution {
                author: author.into(),
                url: Some(format!("https://pixabay.com/users/{author}/")),
                license: None,
            })
    }

    #[test]
    fn credits_are_deduplicated_and_cleaned() {
        let v = vec![
            credited("a", "Ann"),
            credited("b", "Ann"),
            credited("c", "<Bob>"),
            Visual::image_bytes("p", 1, 1, "image/png", vec![]),
        ];
        let d = with_credits("Text.\n", &v);
        assert_eq!(
            d,
            "Text.\n\nVisuals:\n- Ann (pixabay): https://pixabay.com/users/Ann/\n- Bob (pixabay): https://pixabay.com/users/Bob/"
        );
        assert_eq!(with_credits("Text.", &v[3..]), "Text.");
    }

    #[test]
    fn credits_stay_within_the_description_limit() {
        let v: Vec<Visual> = (0..400)
            .map(|i| credited(&i.to_string(), &format!("author{i}")))
            .collect();
        let base = "x".repeat(3000);
        let d = with_credits(&base, &v);
        assert!(d.len() <= DESCRIPTION_MAX_BYTES, "{} bytes", d.len());
        assert!(d.starts_with(&base));
        assert!(d.contains("- author0 (pixabay)"));
        assert!(d.ends_with("more"), "{}", &d[d.len() - 40..]);
        // A description already at the limit is left alone.
        let full = "y".repeat(DESCRIPTION_MAX_BYTES);
        assert_eq!(with_credits(&full, &v), full);
        assert_eq!(
            cite_source(&full, "https://news.example/x"),
            full,
            "no room"
        );
    }
}

//! Upload metadata and YouTube's rules for it (Data API v3 `videos` resource).
//!
//! [`VideoMetadata::validate`] checks every rule before any HTTP call, so a bad title costs
//! nothing. Each broken rule becomes one [`MetadataViolation`] naming the field and the limit.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{Error, ErrorKind};

/// Most characters (Unicode scalar values) a title may have.
pub const TITLE_MAX_CHARS: usize = 100;
/// Most UTF-8 bytes a description may have.
pub const DESCRIPTION_MAX_BYTES: usize = 5000;
/// Most characters all tags may add up to, counted by [`youtube_tags_length`].
pub const TAGS_MAX_CHARS: usize = 500;

/// YouTube's video category ids (`videoCategories.list`, region US, assignable or not).
const CATEGORY_IDS: &[u16] = &[
    1, 2, 10, 15, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36,
    37, 38, 39, 40, 41, 42, 43, 44,
];

/// `status.privacyStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Privacy {
    /// Anyone can find and watch.
    Public,
    /// Anyone with the link can watch.
    Unlisted,
    /// Only the owner (required for scheduled `publishAt`).
    #[default]
    Private,
}

impl Privacy {
    /// The wire value (`public`, `unlisted`, `private`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Unlisted => "unlisted",
            Self::Private => "private",
        }
    }
}

impl std::str::FromStr for Privacy {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "public" => Ok(Self::Public),
            "unlisted" => Ok(Self::Unlisted),
            "private" => Ok(Self::Private),
            other => Err(Error::invalid_request(format!(
                "privacy must be public, unlisted or private, not {other:?}"
            ))),
        }
    }
}

/// Title, description, tags and status of a video to upload.
///
/// ```
/// use ytempire_core::{Privacy, VideoMetadata};
/// let meta = VideoMetadata::new("Why octopuses change colour")
///     .with_description("Three tricks of the octopus skin.")
///     .with_tags(["octopus", "marine biology"])
///     .with_made_for_kids(false)
///     .with_synthetic_media(true);
/// assert!(meta.validate().is_ok());
///
/// let bad = VideoMetadata::new("a <b> title");
/// let err = bad.validate().unwrap_err();
/// assert!(err.to_string().contains("title"));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct VideoMetadata {
    /// `snippet.title`: 1–100 characters, no `<` or `>`.
    pub title: String,
    /// `snippet.description`: at most 5000 UTF-8 bytes, no `<` or `>`.
    #[serde(default)]
    pub description: String,
    /// `snippet.tags`: at most 500 characters in total, counted YouTube's way.
    #[serde(default)]
    pub tags: Vec<String>,
    /// `snippet.categoryId`, e.g. "22" (People & Blogs), "27" (Education).
    #[serde(default = "default_category")]
    pub category_id: String,
    /// `snippet.defaultLanguage` / `defaultAudioLanguage` as a BCP-47 tag.
    #[serde(default)]
    pub language: Option<String>,
    /// `status.privacyStatus`.
    #[serde(default)]
    pub privacy: Privacy,
    /// `status.publishAt`: scheduled publication; only allowed with [`Privacy::Private`].
    #[serde(default)]
    pub publish_at: Option<DateTime<Utc>>,
    /// `status.selfDeclaredMadeForKids`: must be declared before upload.
    #[serde(default)]
    pub made_for_kids: Option<bool>,
    /// `status.containsSyntheticMedia`: the altered/synthetic content disclosure; must be
    /// declared before upload.
    #[serde(default)]
    pub contains_synthetic_media: Option<bool>,
    /// `notifySubscribers` query parameter.
    #[serde(default = "default_true")]
    pub notify_subscribers: bool,
}

fn default_category() -> String {
    "22".into()
}

fn default_true() -> bool {
    true
}

impl VideoMetadata {
    /// Metadata with a title; category 22, private, flags undeclared.
    pub fn new(title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            description: String::new(),
            tags: Vec::new(),
            category_id: default_category(),
            language: None,
            privacy: Privacy::Private,
            publish_at: None,
            made_for_kids: None,
            contains_synthetic_media: None,
            notify_subscribers: true,
        }
    }

    /// Set the description.
    #[must_use]
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = description.into();
        self
    }

    /// Set the tags.
    #[must_use]
    pub fn with_tags<I, S>(mut self, tags: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.tags = tags.into_iter().map(Into::into).collect();
        self
    }

    /// Set the category id.
    #[must_use]
    pub fn with_category(mut self, category_id: impl Into<String>) -> Self {
        self.category_id = category_id.into();
        self
    }

    /// Set the privacy.
    #[must_use]
    pub fn with_privacy(mut self, privacy: Privacy) -> Self {
        self.privacy = privacy;
        self
    }

    /// Schedule publication (requires private).
    #[must_use]
    pub fn with_publish_at(mut self, at: DateTime<Utc>) -> Self {
        self.publish_at = Some(at);
        self
    }

    /// Declare whether the video is made for kids.
    #[must_use]
    pub fn with_made_for_kids(mut self, made_for_kids: bool) -> Self {
        self.made_for_kids = Some(made_for_kids);
        self
    }

    /// Declare whether the video contains realistic synthetic media.
    #[must_use]
    pub fn with_synthetic_media(mut self, synthetic: bool) -> Self {
        self.contains_synthetic_media = Some(synthetic);
        self
    }

    /// Set the default language.
    #[must_use]
    pub fn with_language(mut self, language: impl Into<String>) -> Self {
        self.language = Some(language.into());
        self
    }

    /// Check every YouTube rule; returns all violations at once.
    pub fn validate(&self) -> Result<(), MetadataError> {
        let mut v = Vec::new();
        let title_chars = self.title.chars().count();
        if self.title.trim().is_empty() {
            v.push(MetadataViolation::TitleEmpty);
        }
        if title_chars > TITLE_MAX_CHARS {
            v.push(MetadataViolation::TitleTooLong {
                chars: title_chars,
                max: TITLE_MAX_CHARS,
            });
        }
        if let Some(ch) = self.title.chars().find(|c| matches!(c, '<' | '>')) {
            v.push(MetadataViolation::ForbiddenCharacter {
                field: "title",
                character: ch,
            });
        }
        if self.description.len() > DESCRIPTION_MAX_BYTES {
            v.push(MetadataViolation::DescriptionTooLong {
                bytes: self.description.len(),
                max: DESCRIPTION_MAX_BYTES,
            });
        }
        if let Some(ch) = self.description.chars().find(|c| matches!(c, '<' | '>')) {
            v.push(MetadataViolation::ForbiddenCharacter {
                field: "description",
                character: ch,
            });
        }
        for (index, tag) in self.tags.iter().enumerate() {
            if tag.trim().is_empty() {
                v.push(MetadataViolation::TagEmpty { index });
            } else if let Some(ch) = tag.chars().find(|c| matches!(c, '<' | '>' | ',')) {
                v.push(MetadataViolation::TagForbiddenCharacter {
                    index,
                    character: ch,
                });
            }
        }
        let tag_len = youtube_tags_length(&self.tags);
        if tag_len > TAGS_MAX_CHARS {
            v.push(MetadataViolation::TagsTooLong {
                counted: tag_len,
                max: TAGS_MAX_CHARS,
            });
        }
        let category_ok = self
            .category_id
            .parse::<u16>()
            .is_ok_and(|id| CATEGORY_IDS.contains(&id))
            && !self.category_id.starts_with('0');
        if !category_ok {
            v.push(MetadataViolation::InvalidCategory {
                value: self.category_id.clone(),
            });
        }
        if self.publish_at.is_some() && self.privacy != Privacy::Private {
            v.push(MetadataViolation::PublishAtRequiresPrivate {
                privacy: self.privacy,
            });
        }
        if self.made_for_kids.is_none() {
            v.push(MetadataViolation::MadeForKidsUndeclared);
        }
        if self.contains_synthetic_media.is_none() {
            v.push(MetadataViolation::SyntheticMediaUndeclared);
        }
        if let Some(lang) = &self.language {
            let ok = !lang.is_empty()
                && lang.len() <= 35
                && lang.split('-').all(|part| {
                    (1..=8).contains(&part.len()) && part.chars().all(|c| c.is_ascii_alphanumeric())
                });
            if !ok {
                v.push(MetadataViolation::InvalidLanguage {
                    value: lang.clone(),
                });
            }
        }
        if v.is_empty() {
            Ok(())
        } else {
            Err(MetadataError { violations: v })
        }
    }
}

/// The length YouTube counts for a tag list: each tag's characters, plus 2 for the quotes
/// around a tag that contains a space, plus one comma between tags.
///
/// ```
/// use ytempire_core::youtube_tags_length;
/// assert_eq!(youtube_tags_length(&["Foo-Baz".to_string()]), 7);
/// assert_eq!(youtube_tags_length(&["Foo Baz".to_string()]), 9);
/// assert_eq!(youtube_tags_length(&["a".to_string(), "b".to_string()]), 3);
/// ```
pub fn youtube_tags_length(tags: &[String]) -> usize {
    let words: usize = tags
        .iter()
        .map(|t| t.chars().count() + if t.contains(' ') { 2 } else { 0 })
        .sum();
    words + tags.len().saturating_sub(1)
}

/// One broken YouTube metadata rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MetadataViolation {
    /// The title is empty or only whitespace.
    #[error("title is empty; YouTube requires 1 to {TITLE_MAX_CHARS} characters")]
    TitleEmpty,
    /// The title has too many characters.
    #[error("title has {chars} characters; the limit is {max}")]
    TitleTooLong {
        /// Characters in the title.
        chars: usize,
        /// The limit.
        max: usize,
    },
    /// A field contains `<` or `>`.
    #[error("{field} contains {character:?}, which YouTube does not allow; remove it")]
    ForbiddenCharacter {
        /// `title` or `description`.
        field: &'static str,
        /// The offending character.
        character: char,
    },
    /// The description is too many bytes.
    #[error("description is {bytes} bytes of UTF-8; the limit is {max} bytes")]
    DescriptionTooLong {
        /// UTF-8 bytes in the description.
        bytes: usize,
        /// The limit.
        max: usize,
    },
    /// A tag is empty.
    #[error("tags[{index}] is empty; remove it")]
    TagEmpty {
        /// Index of the tag.
        index: usize,
    },
    /// A tag contains `<`, `>` or a comma.
    #[error("tags[{index}] contains {character:?}; tags may not contain '<', '>' or ','")]
    TagForbiddenCharacter {
        /// Index of the tag.
        index: usize,
        /// The offending character.
        character: char,
    },
    /// The tags add up to too many characters.
    #[error(
        "tags add up to {counted} characters counted YouTube's way (commas between tags, quotes around tags with spaces); the limit is {max}"
    )]
    TagsTooLong {
        /// The counted length.
        counted: usize,
        /// The limit.
        max: usize,
    },
    /// The category id is not one of YouTube's.
    #[error(
        "category_id {value:?} is not a YouTube video category id (e.g. \"22\" People & Blogs, \"27\" Education)"
    )]
    InvalidCategory {
        /// The given value.
        value: String,
    },
    /// `publish_at` was set without private privacy.
    #[error("publish_at is set but privacy is {privacy:?}; scheduled videos must be private")]
    PublishAtRequiresPrivate {
        /// The privacy given.
        privacy: Privacy,
    },
    /// `made_for_kids` was not declared.
    #[error("made_for_kids is not declared; YouTube requires selfDeclaredMadeForKids")]
    MadeForKidsUndeclared,
    /// `contains_synthetic_media` was not declared.
    #[error(
        "contains_synthetic_media is not declared; declare whether the video has realistic synthetic content"
    )]
    SyntheticMediaUndeclared,
    /// The language tag is malformed.
    #[error("language {value:?} is not a BCP-47 tag such as \"en\" or \"pt-BR\"")]
    InvalidLanguage {
        /// The given value.
        value: String,
    },
}

/// Every rule a [`VideoMetadata`] broke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetadataError {
    /// The violations, in field order.
    pub violations: Vec<MetadataViolation>,
}

impl std::fmt::Display for MetadataError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "invalid video metadata: ")?;
        for (i, v) in self.violations.iter().enumerate() {
            if i > 0 {
                write!(f, "; ")?;
            }
            write!(f, "{v}")?;
        }
        Ok(())
    }
}

impl std::error::Error for MetadataError {}

impl From<MetadataError> for Error {
    fn from(err: MetadataError) -> Self {
        Error::new(ErrorKind::InvalidRequest, err.to_string()).with_source(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok_meta(title: &str) -> VideoMetadata {
        VideoMetadata::new(title)
            .with_made_for_kids(false)
            .with_synthetic_media(true)
    }

    fn violations(m: &VideoMetadata) -> Vec<MetadataViolation> {
        m.validate().err().map(|e| e.violations).unwrap_or_default()
    }

    #[test]
    fn title_counts_characters_not_bytes() {
        let hundred = "é".repeat(100);
        assert!(ok_meta(&hundred).validate().is_ok());
        let hundred_cjk = "字".repeat(100);
        assert!(ok_meta(&hundred_cjk).validate().is_ok());
        let v = violations(&ok_meta(&"é".repeat(101)));
        assert_eq!(
            v,
            vec![MetadataViolation::TitleTooLong {
                chars: 101,
                max: 100
            }]
        );
    }

    #[test]
    fn title_rules() {
        assert_eq!(
            violations(&ok_meta("")),
            vec![MetadataViolation::TitleEmpty]
        );
        assert_eq!(
            violations(&ok_meta("   ")),
            vec![MetadataViolation::TitleEmpty]
        );
        assert_eq!(
            violations(&ok_meta("a < b")),
            vec![MetadataViolation::ForbiddenCharacter {
                field: "title",
                character: '<'
            }]
        );
        assert!(!violations(&ok_meta("a > b")).is_empty());
    }

    #[test]
    fn description_counts_bytes() {
        let m = ok_meta("t").with_description("a".repeat(5000));
        assert!(m.validate().is_ok());
        let m = ok_meta("t").with_description("a".repeat(5001));
        assert_eq!(
            violations(&m),
            vec![MetadataViolation::DescriptionTooLong {
                bytes: 5001,
                max: 5000
            }]
        );
        // 2500 two-byte characters = 5000 bytes passes; one more fails.
        assert!(
            ok_meta("t")
                .with_description("é".repeat(2500))
                .validate()
                .is_ok()
        );
        assert!(
            ok_meta("t")
                .with_description("é".repeat(2501))
                .validate()
                .is_err()
        );
        assert!(ok_meta("t").with_description("x > y").validate().is_err());
    }

    #[test]
    fn tags_are_counted_youtubes_way() {
        // 50 tags of 9 chars = 450 + 49 commas = 499.
        let tags: Vec<String> = (0..50).map(|i| format!("tag{i:06}")).collect();
        assert_eq!(youtube_tags_length(&tags), 499);
        assert!(ok_meta("t").with_tags(tags.clone()).validate().is_ok());
        // Give one tag a space: +1 char +2 quotes = 502.
        let mut spaced = tags;
        spaced[0] = "tag 000000".into();
        assert_eq!(youtube_tags_length(&spaced), 502);
        assert_eq!(
            violations(&ok_meta("t").with_tags(spaced)),
            vec![MetadataViolation::TagsTooLong {
                counted: 502,
                max: 500
            }]
        );
        assert_eq!(youtube_tags_length(&[]), 0);
        assert!(!violations(&ok_meta("t").with_tags(["a,b"])).is_empty());
        assert!(!violations(&ok_meta("t").with_tags([""])).is_empty());
    }

    #[test]
    fn status_rules() {
        let at = chrono::DateTime::parse_from_rfc3339("2030-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert!(ok_meta("t").with_publish_at(at).validate().is_ok());
        assert_eq!(
            violations(
                &ok_meta("t")
                    .with_publish_at(at)
                    .with_privacy(Privacy::Public)
            ),
            vec![MetadataViolation::PublishAtRequiresPrivate {
                privacy: Privacy::Public
            }]
        );
        let undeclared = VideoMetadata::new("t");
        assert_eq!(
            violations(&undeclared),
            vec![
                MetadataViolation::MadeForKidsUndeclared,
                MetadataViolation::SyntheticMediaUndeclared
            ]
        );
        assert!(!violations(&ok_meta("t").with_category("99")).is_empty());
        assert!(!violations(&ok_meta("t").with_category("022")).is_empty());
        assert!(!violations(&ok_meta("t").with_category("news")).is_empty());
        assert!(ok_meta("t").with_category("27").validate().is_ok());
        assert!(ok_meta("t").with_language("pt-BR").validate().is_ok());
        assert!(!violations(&ok_meta("t").with_language("pt BR")).is_empty());
        assert_eq!("unlisted".parse::<Privacy>().unwrap(), Privacy::Unlisted);
        assert!("hidden".parse::<Privacy>().is_err());
    }

    #[test]
    fn converts_to_invalid_request_naming_the_field() {
        let err: Error = ok_meta(&"x".repeat(101)).validate().unwrap_err().into();
        assert_eq!(err.kind(), ErrorKind::InvalidRequest);
        assert!(
            err.to_string()
                .contains("title has 101 characters; the limit is 100")
        );
    }
}

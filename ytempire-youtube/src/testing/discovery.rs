//! Request checks against the official discovery document.
//!
//! `discovery_subset.json` is extracted from `youtube-v3-discovery.json` (the official Go
//! client's copy, revision 20240303): for each method the fake serves, its parameters (type,
//! required, repeated, enum), its media-upload limits, and the `part` values (the property names
//! of the `Video`/`Channel`/`PlaylistItem` schemas).

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;

const SUBSET: &str = include_str!("discovery_subset.json");

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Discovery {
    global_parameters: Vec<String>,
    methods: BTreeMap<String, Method>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Method {
    parameters: BTreeMap<String, Param>,
    #[serde(default)]
    pub(crate) media_upload: Option<Media>,
    #[serde(default)]
    part_values: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Media {
    pub(crate) accept: Vec<String>,
    pub(crate) max_size: String,
}

impl Media {
    pub(crate) fn max_bytes(&self) -> u64 {
        self.max_size.parse().unwrap_or(u64::MAX)
    }

    pub(crate) fn accepts(&self, mime: &str) -> bool {
        let mime = mime.split(';').next().unwrap_or("").trim();
        self.accept.iter().any(|a| match a.strip_suffix("/*") {
            Some(prefix) => mime.starts_with(&format!("{prefix}/")),
            None => a == mime,
        })
    }
}

#[derive(Debug, Deserialize)]
struct Param {
    #[serde(rename = "type")]
    ty: String,
    #[serde(default)]
    required: bool,
    #[serde(default)]
    repeated: bool,
    #[serde(default)]
    r#enum: Vec<String>,
}

/// A rule the request broke: the Google `reason` and a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Violation {
    pub(crate) reason: &'static str,
    pub(crate) message: String,
}

impl Discovery {
    pub(crate) fn load() -> Option<Self> {
        serde_json::from_str(SUBSET).ok()
    }

    pub(crate) fn method(&self, name: &str) -> Option<&Method> {
        self.methods.get(name)
    }

    /// Check a query string against `method`'s parameters.
    pub(crate) fn check_query(
        &self,
        method: &str,
        query: &HashMap<String, String>,
    ) -> Result<(), Violation> {
        let Some(m) = self.methods.get(method) else {
            return Err(Violation {
                reason: "notFound",
                message: format!("no method {method}"),
            });
        };
        for (name, p) in &m.parameters {
            if p.required && !query.contains_key(name) {
                return Err(Violation {
                    reason: "missingRequiredParameter",
                    message: format!("{method}: required parameter {name} is missing"),
                });
            }
        }
        for (key, value) in query {
            if let Some(p) = m.parameters.get(key) {
                let values: Vec<&str> = if p.repeated {
                    value.split(',').collect()
                } else {
                    vec![value.as_str()]
                };
                for v in values {
                    let ok = match p.ty.as_str() {
                        "boolean" => v == "true" || v == "false",
                        "integer" => v.parse::<i64>().is_ok(),
                        _ => !v.is_empty(),
                    } && (p.r#enum.is_empty() || p.r#enum.iter().any(|e| e == v));
                    if !ok {
                        return Err(Violation {
                            reason: "invalidParameter",
                            message: format!("{method}: {key}={v:?} is not a valid {}", p.ty),
                        });
                    }
                    if key == "part"
                        && !m.part_values.is_empty()
                        && !m.part_values.iter().any(|pv| pv == v)
                    {
                        return Err(Violation {
                            reason: "unknownPart",
                            message: format!(
                                "{method}: part {v:?} is not one of {:?}",
                                m.part_values
                            ),
                        });
                    }
                }
            } else if !self.global_parameters.iter().any(|g| g == key) {
                return Err(Violation {
                    reason: "unexpectedParameter",
                    message: format!("{method}: unexpected parameter {key}"),
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn checks_required_parts_enums_and_unknowns() {
        let d = Discovery::load().unwrap();
        assert!(
            d.check_query(
                "videos.insert",
                &q(&[("part", "snippet,status"), ("uploadType", "resumable")])
            )
            .is_ok()
        );
        assert_eq!(
            d.check_query("videos.insert", &q(&[("uploadType", "resumable")]))
                .unwrap_err()
                .reason,
            "missingRequiredParameter"
        );
        assert_eq!(
            d.check_query("videos.insert", &q(&[("part", "snippet,bogus")]))
                .unwrap_err()
                .reason,
            "unknownPart"
        );
        assert_eq!(
            d.check_query("videos.list", &q(&[("part", "id"), ("chart", "hot")]))
                .unwrap_err()
                .reason,
            "invalidParameter"
        );
        assert_eq!(
            d.check_query(
                "channels.list",
                &q(&[("part", "statistics"), ("nope", "1")])
            )
            .unwrap_err()
            .reason,
            "unexpectedParameter"
        );
        let media = d
            .method("thumbnails.set")
            .unwrap()
            .media_upload
            .as_ref()
            .unwrap();
        assert_eq!(media.max_bytes(), 2_097_152);
        assert!(media.accepts("image/png"));
        assert!(!media.accepts("image/gif"));
        let video = d
            .method("videos.insert")
            .unwrap()
            .media_upload
            .as_ref()
            .unwrap();
        assert!(video.accepts("video/mp4"));
    }
}

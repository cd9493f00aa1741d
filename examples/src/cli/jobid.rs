//! Job ids from topics in any language: the topic's ASCII words as a slug, plus a short
//! hash of the whole topic when it has other characters (or no ASCII word at all), so
//! "为什么熊猫是黑白色的" gets a valid, stable id.

use sha2::{Digest, Sha256};

/// A valid job id (1–100 of `[A-Za-z0-9_-]`) for `topic`, stable for the same topic.
///
/// ```
/// use ytempire_examples::cli::jobid::job_id_for;
/// assert_eq!(job_id_for("How volcanoes form"), "how-volcanoes-form");
/// let zh = job_id_for("为什么熊猫是黑白色的");
/// assert!(zh.starts_with("topic-") && zh.len() == 14);
/// ```
pub fn job_id_for(topic: &str) -> String {
    let lower = topic.trim().to_lowercase();
    let slug: String = lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    let slug: String = slug.chars().take(60).collect();
    let slug = slug.trim_end_matches('-').to_string();
    let non_ascii = !lower.is_ascii();
    if !slug.is_empty() && !non_ascii {
        return slug;
    }
    let hash = hex::encode(Sha256::digest(topic.trim().as_bytes()));
    let short = &hash[..8];
    if slug.is_empty() {
        format!("topic-{short}")
    } else {
        format!("{slug}-{short}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid(id: &str) -> bool {
        !id.is_empty()
            && id.len() <= 100
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    }

    #[test]
    fn every_topic_gets_a_valid_stable_id() {
        for t in [
            "How octopuses change colour",
            "为什么熊猫是黑白色的",
            "¿Por qué el cielo es azul?",
            "AI と 未来",
            "!!!",
            &"x".repeat(500),
        ] {
            let id = job_id_for(t);
            assert!(valid(&id), "{t:?} -> {id:?}");
            assert_eq!(id, job_id_for(t));
        }
        assert_ne!(
            job_id_for("为什么熊猫是黑白色的"),
            job_id_for("为什么天空是蓝色的")
        );
        assert_eq!(job_id_for("AI と 未来").split('-').next(), Some("ai"));
    }
}

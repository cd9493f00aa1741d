//! Voices and deterministic voice selection from a [`ChannelProfile`].
//!
//! ```
//! use ytempire_core::{ChannelProfile, VoiceGender};
//! use ytempire_tts::voice::{select_voice, Voice};
//! let voices = vec![
//!     Voice::new("en-US-Standard-B", ["en-US"], VoiceGender::Male),
//!     Voice::new("en-US-Standard-C", ["en-US"], VoiceGender::Female),
//!     Voice::new("es-ES-Standard-A", ["es-ES"], VoiceGender::Female),
//! ];
//! let mut channel = ChannelProfile::new("Facts", "science");
//! channel.voice.gender = VoiceGender::Female;
//! let choice = select_voice(&channel, &voices).unwrap();
//! assert_eq!(choice.voice.id, "en-US-Standard-C");
//! assert!(choice.reason.contains("language en"));
//! ```

use serde::{Deserialize, Serialize};
use ytempire_core::{ChannelProfile, Error, Result, VoiceGender};

/// One voice a provider offers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Voice {
    /// The id to send back to the provider.
    pub id: String,
    /// A display name.
    pub name: String,
    /// BCP-47 tags it speaks.
    pub languages: Vec<String>,
    /// Its gender.
    pub gender: VoiceGender,
    /// Whether it costs more than the provider's base tier (Neural2, Studio, cloned…).
    pub premium: bool,
    /// Style words ("calm", "narration", …).
    pub styles: Vec<String>,
}

impl Voice {
    /// A voice with an id (also its name), languages and gender.
    pub fn new<I, S>(id: impl Into<String>, languages: I, gender: VoiceGender) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let id = id.into();
        Self {
            name: id.clone(),
            id,
            languages: languages.into_iter().map(Into::into).collect(),
            gender,
            premium: false,
            styles: Vec::new(),
        }
    }

    /// Mark as premium.
    #[must_use]
    pub fn with_premium(mut self, premium: bool) -> Self {
        self.premium = premium;
        self
    }

    /// Add style words.
    #[must_use]
    pub fn with_styles<I, S>(mut self, styles: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.styles = styles.into_iter().map(Into::into).collect();
        self
    }

    /// How well this voice speaks `language`: 2 exact tag, 1 same primary language, 0 none.
    pub fn language_match(&self, language: &str) -> u8 {
        let want = language.to_ascii_lowercase();
        let primary = want.split(['-', '_']).next().unwrap_or_default().to_owned();
        self.languages
            .iter()
            .map(|l| {
                let l = l.to_ascii_lowercase();
                if l == want {
                    2
                } else if l.split(['-', '_']).next() == Some(primary.as_str()) {
                    1
                } else {
                    0
                }
            })
            .max()
            .unwrap_or(0)
    }
}

/// The chosen voice and why.
#[derive(Debug, Clone, PartialEq)]
pub struct VoiceChoice {
    /// The voice.
    pub voice: Voice,
    /// A sentence explaining the choice.
    pub reason: String,
}

/// Pick a voice for a channel: the profile's `voice_id` if offered; otherwise the best score
/// over language match, gender, style words and premium policy, ties broken by id so the
/// choice is deterministic. No voice for the language is `Unsupported`.
pub fn select_voice(profile: &ChannelProfile, voices: &[Voice]) -> Result<VoiceChoice> {
    let pref = &profile.voice;
    if let Some(id) = &pref.voice_id
        && let Some(v) = voices.iter().find(|v| &v.id == id)
        && (pref.premium_allowed || !v.premium)
    {
        return Ok(VoiceChoice {
            voice: v.clone(),
            reason: format!("the channel asks for voice {id}"),
        });
    }
    let style_words: Vec<String> = pref
        .style
        .as_deref()
        .unwrap_or_default()
        .split([',', ' '])
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    let best = voices
        .iter()
        .filter(|v| pref.premium_allowed || !v.premium)
        .filter(|v| v.language_match(&profile.language) > 0)
        .map(|v| {
            let lang = u32::from(v.language_match(&profile.language)) * 100;
            let gender = if pref.gender == VoiceGender::Any || v.gender == pref.gender {
                50
            } else {
                0
            };
            let style = v
                .styles
                .iter()
                .filter(|s| style_words.contains(&s.to_ascii_lowercase()))
                .count() as u32
                * 10;
            let premium = u32::from(pref.premium_allowed && v.premium) * 5;
            (lang + gender + style + premium, v)
        })
        .max_by(|(a, va), (b, vb)| a.cmp(b).then_with(|| vb.id.cmp(&va.id)));
    let Some((_, v)) = best else {
        return Err(Error::unsupported(format!(
            "no {}voice speaks language {}",
            if pref.premium_allowed {
                ""
            } else {
                "non-premium "
            },
            profile.language
        )));
    };
    let mut why = vec![format!("speaks language {}", profile.language)];
    if pref.gender != VoiceGender::Any {
        why.push(if v.gender == pref.gender {
            format!("is {:?}", pref.gender).to_lowercase()
        } else {
            format!("no {:?} voice available", pref.gender).to_lowercase()
        });
    }
    let styles: Vec<&String> = v
        .styles
        .iter()
        .filter(|s| style_words.contains(&s.to_ascii_lowercase()))
        .collect();
    if !styles.is_empty() {
        why.push(format!("matches style {styles:?}"));
    }
    if v.premium {
        why.push("premium voices allowed".into());
    }
    Ok(VoiceChoice {
        voice: v.clone(),
        reason: format!("{}: {}", v.id, why.join(", ")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ytempire_core::ErrorKind;

    fn voices() -> Vec<Voice> {
        vec![
            Voice::new("b", ["en-GB"], VoiceGender::Male),
            Voice::new("a", ["en-US"], VoiceGender::Male),
            Voice::new("p", ["en-US"], VoiceGender::Female)
                .with_premium(true)
                .with_styles(["calm"]),
            Voice::new("f", ["en-US"], VoiceGender::Female),
            Voice::new("d", ["de-DE"], VoiceGender::Female),
        ]
    }

    #[test]
    fn exact_language_then_gender_then_id() {
        let mut p = ChannelProfile::new("x", "y");
        p.language = "en-US".into();
        assert_eq!(select_voice(&p, &voices()).unwrap().voice.id, "a");
        p.voice.gender = VoiceGender::Female;
        let c = select_voice(&p, &voices()).unwrap();
        assert_eq!(c.voice.id, "f");
        assert!(c.reason.contains("female"), "{}", c.reason);
        p.voice.premium_allowed = true;
        p.voice.style = Some("calm".into());
        let c = select_voice(&p, &voices()).unwrap();
        assert_eq!(c.voice.id, "p");
        assert!(c.reason.contains("calm"), "{}", c.reason);
    }

    #[test]
    fn voice_id_wins_and_missing_language_is_unsupported() {
        let mut p = ChannelProfile::new("x", "y");
        p.voice.voice_id = Some("d".into());
        assert_eq!(select_voice(&p, &voices()).unwrap().voice.id, "d");
        p.voice.voice_id = None;
        p.language = "ja".into();
        assert_eq!(
            select_voice(&p, &voices()).unwrap_err().kind(),
            ErrorKind::Unsupported
        );
        // Deterministic: same input, same choice, regardless of order.
        p.language = "en".into();
        let mut rev = voices();
        rev.reverse();
        assert_eq!(
            select_voice(&p, &rev).unwrap(),
            select_voice(&p, &voices()).unwrap()
        );
    }
}

//! The offline voice at the end of the narration chain, and the line the run summary prints
//! about it: Piper's neural voice (through [`ytempire_tts::offline_voice`]) when it is chosen
//! and installed, with espeak-ng behind it for languages Piper has no voice for; espeak-ng
//! alone when it is chosen, or Piper cannot run (the line then says why).

use ytempire_core::{DynSpeechSynthesizer, SpeechSynthesizer};

use crate::config::OfflineVoice;

/// The offline narrators, in fallback order, and what the summary says about them.
#[derive(Debug, Clone)]
pub struct OfflineNarrators {
    /// Piper then espeak-ng, or espeak-ng alone (not yet metered).
    pub voices: Vec<DynSpeechSynthesizer>,
    /// Which voice speaks, and why (e.g. why Piper was not used).
    pub summary: String,
}

/// The offline narrators for `choice`; `espeak_voice` is the configured espeak-ng voice.
/// Loading Piper's model takes about a second, off the async threads.
pub async fn offline_narrators(
    choice: OfflineVoice,
    espeak_voice: Option<String>,
) -> OfflineNarrators {
    let mut espeak = ytempire_tts::EspeakNg::new();
    if let Some(v) = espeak_voice {
        espeak = espeak.with_voice(v);
    }
    let espeak: DynSpeechSynthesizer = std::sync::Arc::new(espeak);
    if choice == OfflineVoice::Espeak {
        return OfflineNarrators {
            voices: vec![espeak],
            summary: "espeak-ng (chosen: --voice espeak or providers.offline_voice = \"espeak\")"
                .into(),
        };
    }
    let found = tokio::task::spawn_blocking(ytempire_tts::offline_voice).await;
    match found {
        Ok((voice, reason)) if voice.info().provider != ytempire_tts::espeak::PROVIDER => {
            OfflineNarrators {
                voices: vec![voice, espeak],
                summary: format!(
                    "{reason}; espeak-ng for languages it has no voice for (--voice espeak for espeak-ng only)"
                ),
            }
        }
        Ok((_, reason)) => OfflineNarrators {
            voices: vec![espeak],
            summary: reason,
        },
        Err(e) => OfflineNarrators {
            voices: vec![espeak],
            summary: format!("espeak-ng (looking for Piper failed: {e})"),
        },
    }
}

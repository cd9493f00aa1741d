//! [`Piper`]: neural offline voices (Piper VITS models in ONNX) run through onnxruntime,
//! loaded at run time from a library file (never linked, never downloaded).
//!
//! - Phonemes come from the `espeak-ng` program (not the GPL library), mapped through the
//!   voice JSON's `phoneme_id_map` (see `phonemes`).
//! - Word timings come from the model's own phoneme durations (the `/Ceil` tensor, exposed as
//!   an output on load), so they match the audio by construction ([`TimingSource::Provider`]).
//! - Text is spoken sentence by sentence, several sentences at once: the model is loaded as one
//!   onnxruntime session per core (at most four; a session runs one input at a time), each
//!   sentence's phonemes are fetched concurrently, and the sentences are then joined in order.
//!   Each sentence's word timings come from its own durations, offset by the audio before it.
//! - The voice's rate (22 050 Hz for medium voices) is resampled to the requested rate.
//! - Voices and the runtime are found as described in [`voice`]: `scripts/setup.sh` installs
//!   both under `.ytempire/piper/`.
//!
//! ```no_run
//! # async fn demo() -> ytempire_core::Result<()> {
//! use ytempire_core::{SpeechRequest, SpeechSynthesizer};
//! use ytempire_tts::piper::Piper;
//! let tts = Piper::discover()?;
//! println!("{} ({}, {} Hz): {}", tts.voice().id, tts.voice().language,
//!     tts.voice().sample_rate, tts.voice().licence);
//! let speech = tts.synthesize(&SpeechRequest::new("Hello there.").with_sample_rate(48_000)).await?;
//! println!("{} words, {:.1} s", speech.timings.len(), speech.audio.duration_secs());
//! # Ok(()) }
//! ```

mod onnx;
mod phonemes;
pub mod voice;

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use async_trait::async_trait;
use ytempire_core::{
    AudioTrack, Capabilities, Error, ErrorKind, ProviderInfo, Result, Speech, SpeechRequest,
    SpeechSynthesizer, TextFormat, TimingSource, Usage, WordTiming,
};

pub use voice::PiperVoice;

use crate::{audio, chunk, timing};

/// Provider id reported in [`ProviderInfo`] and errors.
pub const PROVIDER: &str = "piper";

/// A voice and its model, loaded on first use.
#[derive(Debug)]
struct Slot {
    voice: PiperVoice,
    model: OnceLock<Arc<onnx::Model>>,
}

/// The Piper synthesizer.
#[derive(Debug, Clone)]
pub struct Piper {
    voices: Arc<Vec<Slot>>,
    default: usize,
    espeak: PathBuf,
    cores: usize,
    parallel: usize,
}

impl std::fmt::Display for Piper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "piper/{}", self.voice().id)
    }
}

fn err(kind: ErrorKind, msg: impl Into<String>) -> Error {
    Error::new(kind, msg).with_provider(PROVIDER)
}

impl Piper {
    /// Find onnxruntime and the voices as [`voice`] describes, load the runtime and the
    /// default voice's model (an English one when there is one, else the first by id). This
    /// blocks for about a second while the model loads.
    pub fn discover() -> Result<Self> {
        let runtime = voice::find_runtime()?;
        let dir = voice::voices_dir().ok_or_else(|| {
            err(
                ErrorKind::Config,
                format!(
                    "no Piper voice directory: run scripts/setup.sh (installs one under {}/voices) or set {}",
                    voice::LOCAL_DIR,
                    voice::ENV_VOICES
                ),
            )
        })?;
        let voices = voice::discover(&dir);
        if voices.is_empty() {
            return Err(err(
                ErrorKind::Config,
                format!(
                    "no Piper voice under {}: run scripts/setup.sh, or put a <voice>.onnx with its <voice>.onnx.json there",
                    dir.display()
                ),
            ));
        }
        Self::new(&runtime, voices)
    }

    /// Use the onnxruntime library `runtime` and these voices; loads the default voice's model.
    pub fn new(runtime: &Path, voices: Vec<PiperVoice>) -> Result<Self> {
        if voices.is_empty() {
            return Err(err(
                ErrorKind::NotFound,
                "no Piper voice installed: run scripts/setup.sh, or put a <voice>.onnx with its <voice>.onnx.json in the voice directory",
            ));
        }
        onnx::init_runtime(runtime)?;
        let default = voices
            .iter()
            .position(|v| v.language.starts_with("en"))
            .unwrap_or(0);
        let tts = Self {
            voices: Arc::new(
                voices
                    .into_iter()
                    .map(|voice| Slot {
                        voice,
                        model: OnceLock::new(),
                    })
                    .collect(),
            ),
            default,
            espeak: PathBuf::from("espeak-ng"),
            cores: 0,
            parallel: 0,
        };
        tts.model(default)?;
        Ok(tts)
    }

    /// Make voice `id` (e.g. `en_US-joe-medium`) the default and load it.
    pub fn with_voice(mut self, id: &str) -> Result<Self> {
        self.default = self.index_of(id)?;
        self.model(self.default)?;
        Ok(self)
    }

    /// Use another `espeak-ng` program for phonemes.
    #[must_use]
    pub fn with_espeak_program(mut self, program: impl Into<PathBuf>) -> Self {
        self.espeak = program.into();
        self
    }

    /// Cores to use in all (0 = every available core), shared out over the sentences run at
    /// once. Models are loaded again, on first use.
    #[must_use]
    pub fn with_threads(mut self, cores: usize) -> Self {
        self.cores = cores;
        self.reload()
    }

    /// Sentences synthesised at once (0 = one per core, at most four; 1 = one after another,
    /// each on all the cores). Each costs a copy of the model in memory. Models are loaded
    /// again, on first use.
    #[must_use]
    pub fn with_parallel_sentences(mut self, parallel: usize) -> Self {
        self.parallel = parallel;
        self.reload()
    }

    /// Forget the loaded models (their thread settings changed).
    fn reload(mut self) -> Self {
        self.voices = Arc::new(
            self.voices
                .iter()
                .map(|s| Slot {
                    voice: s.voice.clone(),
                    model: OnceLock::new(),
                })
                .collect(),
        );
        self
    }

    /// The default voice: id, language, sample rate, licence.
    pub fn voice(&self) -> &PiperVoice {
        // `new` refuses an empty list and `default` always indexes it.
        &self.voices[self.default].voice
    }

    /// Every voice found.
    pub fn voices(&self) -> Vec<&PiperVoice> {
        self.voices.iter().map(|s| &s.voice).collect()
    }

    fn index_of(&self, id: &str) -> Result<usize> {
        self.voices
            .iter()
            .position(|s| s.voice.id == id)
            .ok_or_else(|| {
                let known: Vec<&str> = self.voices.iter().map(|s| s.voice.id.as_str()).collect();
                err(
                    ErrorKind::InvalidRequest,
                    format!("no Piper voice {id:?}; installed: {}", known.join(", ")),
                )
            })
    }

    fn model(&self, i: usize) -> Result<Arc<onnx::Model>> {
        let slot = self
            .voices
            .get(i)
            .ok_or_else(|| err(ErrorKind::InvalidRequest, "no such Piper voice"))?;
        if let Some(m) = slot.model.get() {
            return Ok(m.clone());
        }
        let threads = onnx::Threads::plan(self.cores, self.parallel);
        let m = Arc::new(onnx::Model::load(&slot.voice.model, threads)?);
        Ok(slot.model.get_or_init(|| m).clone())
    }

    fn resolve(&self, request: &SpeechRequest) -> Result<usize> {
        if let Some(id) = &request.voice {
            return self.index_of(id);
        }
        let Some(lang) = &request.language else {
            return Ok(self.default);
        };
        let lang = lang.to_lowercase().replace('_', "-");
        let primary = lang.split('-').next().unwrap_or_default().to_owned();
        let score = |v: &PiperVoice| {
            let l = v.language.to_lowercase();
            if l == lang {
                2
            } else if l.split('-').next() == Some(primary.as_str()) {
                1
            } else {
                0
            }
        };
        // Best match; the default voice wins a tie.
        let best = (0..self.voices.len())
            .map(|i| (score(&self.voices[i].voice), i == self.default, i))
            .max();
        match best {
            Some((s, _, i)) if s > 0 => Ok(i),
            _ => Err(err(
                ErrorKind::Unsupported,
                format!("no Piper voice for language {lang:?}"),
            )),
        }
    }

    async fn espeak(&self, args: &[&str], input: &str) -> Result<String> {
        let out = crate::espeak::pipe(&self.espeak, args, input, |e| {
            err(
                if e.kind() == std::io::ErrorKind::NotFound {
                    ErrorKind::Config
                } else {
                    ErrorKind::Io
                },
                format!(
                    "cannot run {} for Piper phonemes: {e}; install the `espeak-ng` package",
                    self.espeak.display()
                ),
            )
        })
        .await?;
        if !out.status.success() {
            return Err(err(
                ErrorKind::Upstream,
                format!(
                    "espeak-ng failed ({}): {}",
                    out.status,
                    String::from_utf8_lossy(&out.stderr).trim()
                ),
            ));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Each sentence of `text` with its words and phonemes, in order, fetching up to `parallel`
    /// sentences' phonemes at once (each is two `espeak-ng` runs). Sentences without words
    /// are left out.
    async fn phonemize_all(
        &self,
        v: &PiperVoice,
        text: &str,
        parallel: usize,
    ) -> Result<Vec<(Vec<String>, phonemes::Phonemized)>> {
        let sentences: Vec<(String, Vec<String>)> = chunk::sentences(text)
            .into_iter()
            .map(|s| {
                let words = timing::words(s).into_iter().map(str::to_owned).collect();
                (s.to_owned(), words)
            })
            .filter(|(_, w): &(String, Vec<String>)| !w.is_empty())
            .collect();
        let v = Arc::new(v.clone());
        let mut tasks = tokio::task::JoinSet::new();
        let mut done: Vec<(usize, Vec<String>, phonemes::Phonemized)> = Vec::new();
        for (i, (sentence, words)) in sentences.into_iter().enumerate() {
            while tasks.len() >= parallel.max(1) {
                done.push(joined(tasks.join_next().await)?);
            }
            let (me, v) = (self.clone(), v.clone());
            tasks.spawn(async move {
                let refs: Vec<&str> = words.iter().map(String::as_str).collect();
                let p = me.phonemize(&v, &sentence, &refs).await?;
                Ok((i, words, p))
            });
        }
        while !tasks.is_empty() {
            done.push(joined(tasks.join_next().await)?);
        }
        done.sort_by_key(|(i, _, _)| *i);
        Ok(done.into_iter().map(|(_, w, p)| (w, p)).collect())
    }

    /// Phoneme ids of one sentence and the word each id belongs to.
    async fn phonemize(
        &self,
        v: &PiperVoice,
        sentence: &str,
        words: &[&str],
    ) -> Result<phonemes::Phonemized> {
        let lang = v.espeak_voice.as_str();
        let flat = words.join(" ");
        let clauses: Vec<String> = self
            .espeak(&["-q", "--ipa", "-v", lang, "--stdin"], &flat)
            .await?
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_owned)
            .collect();
        // Line mode (no --stdin): one output line per input line, i.e. per word.
        let mut per_word: Vec<String> = self
            .espeak(&["-q", "--ipa", "-v", lang], &(words.join("\n") + "\n"))
            .await?
            .lines()
            .map(str::to_owned)
            .collect();
        if per_word.len() != words.len() {
            per_word.clear();
            for w in words {
                let out = self.espeak(&["-q", "--ipa", "-v", lang], w).await?;
                per_word.push(out.split_whitespace().collect::<Vec<_>>().join(" "));
            }
        }
        let (p, aligned) = phonemes::phonemize(&clauses, &per_word, words, &v.id_map);
        if !aligned {
            tracing::debug!(
                sentence,
                "piper: sentence phonemes differ from per-word ones; speaking per-word phonemes"
            );
        }
        Ok(p)
    }
}

/// One phonemizing task's outcome (`None`: no task was left, which the callers rule out).
fn joined<T>(r: Option<std::result::Result<Result<T>, tokio::task::JoinError>>) -> Result<T> {
    match r {
        Some(Ok(r)) => r,
        Some(Err(e)) => Err(err(
            ErrorKind::Upstream,
            format!("Piper phonemizer task failed: {e}"),
        )),
        None => Err(err(ErrorKind::Upstream, "Piper phonemizer: no task left")),
    }
}

/// The sentences' audio joined in order, with each word's timing from its sentence's
/// durations (frames of [`onnx::HOP`] samples) offset by the audio before the sentence.
fn join_sentences(
    inputs: &[(Vec<String>, phonemes::Phonemized)],
    outputs: Vec<onnx::Output>,
    sr: u32,
) -> Result<(Vec<i16>, Vec<WordTiming>)> {
    let mut samples: Vec<i16> = Vec::new();
    let mut timings: Vec<WordTiming> = Vec::new();
    let frame = onnx::HOP as f64 / f64::from(sr);
    for ((words, p), out) in inputs.iter().zip(outputs) {
        if out.durations.len() != p.ids.len() {
            return Err(err(
                ErrorKind::InvalidResponse,
                format!(
                    "Piper returned {} durations for {} phoneme ids",
                    out.durations.len(),
                    p.ids.len()
                ),
            ));
        }
        let offset = samples.len() as f64 / f64::from(sr);
        let audio_secs = out.audio.len() as f64 / f64::from(sr);
        for (w, (s, e)) in words
            .iter()
            .zip(phonemes::word_frames(p, &out.durations, words.len()))
        {
            let end = (e * frame).min(audio_secs);
            timings.push(WordTiming::new(
                w.clone(),
                offset + (s * frame).min(end),
                offset + end,
            ));
        }
        samples.extend(to_pcm16(&out.audio));
    }
    Ok((samples, timings))
}

/// Peak-normalise one sentence's float audio to 16-bit, as Piper does.
fn to_pcm16(audio: &[f32]) -> Vec<i16> {
    let peak = audio.iter().fold(0.01f32, |m, s| m.max(s.abs()));
    let gain = 0.95 * 32767.0 / peak;
    audio
        .iter()
        .map(|s| (s * gain).clamp(-32768.0, 32767.0) as i16)
        .collect()
}

#[async_trait]
impl SpeechSynthesizer for Piper {
    fn info(&self) -> ProviderInfo {
        ProviderInfo::new(
            PROVIDER,
            self.voice().id.clone(),
            Capabilities::new().with_word_timings(true),
        )
    }

    async fn synthesize(&self, request: &SpeechRequest) -> Result<Speech> {
        request.validate()?;
        if request.format == TextFormat::Ssml {
            return Err(err(
                ErrorKind::Unsupported,
                "Piper speaks plain text only; send plain text (or wrap the provider in a layer that strips SSML)",
            ));
        }
        let vi = self.resolve(request)?;
        let model = self.model(vi)?;
        let v = self
            .voices
            .get(vi)
            .map(|s| s.voice.clone())
            .ok_or_else(|| err(ErrorKind::InvalidRequest, "no such Piper voice"))?;

        let inputs = self
            .phonemize_all(&v, &request.text, model.parallel())
            .await?;
        if inputs.is_empty() {
            return Err(err(
                ErrorKind::InvalidRequest,
                "the text has no words to speak (only punctuation or symbols)",
            ));
        }
        let rate = request.rate.unwrap_or(1.0).clamp(0.25, 4.0);
        let scales = [v.scales[0], v.scales[1] / rate, v.scales[2]];
        let sr = v.sample_rate;
        let (samples, timings) = tokio::task::spawn_blocking(move || {
            let ids: Vec<&[i64]> = inputs.iter().map(|(_, p)| p.ids.as_slice()).collect();
            let outputs = model.run_all(&ids, scales)?;
            join_sentences(&inputs, outputs, sr)
        })
        .await
        .map_err(|e| err(ErrorKind::Upstream, format!("Piper worker failed: {e}")))??;

        let track = AudioTrack::new(sr, 1, samples)?;
        let track = match request.sample_rate {
            Some(rate) if rate != sr => audio::resample(&track, rate)?,
            _ => track,
        };
        let secs = track.duration_secs();
        let (timings, source) = if request.word_timings {
            (timings, TimingSource::Provider)
        } else {
            (Vec::new(), TimingSource::None)
        };
        Ok(Speech::new(
            track,
            timings,
            source,
            v.id.clone(),
            Usage::characters(request.text.chars().count() as u64, secs),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pcm_is_peak_normalised() {
        let pcm = to_pcm16(&[0.0, 0.5, -0.25]);
        assert_eq!(pcm[1], (0.95f32 * 32767.0) as i16);
        assert_eq!(pcm[2], -(0.95f32 * 32767.0 / 2.0) as i16);
        // Silence is not blown up to full scale.
        assert!(to_pcm16(&[0.001]).iter().all(|s| s.abs() < 4000));
    }

    #[test]
    fn no_voice_is_a_not_found_naming_setup() {
        let e = Piper::new(Path::new("/nonexistent/libonnxruntime.so"), Vec::new()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound);
        assert!(e.to_string().contains("scripts/setup.sh"), "{e}");
    }
}

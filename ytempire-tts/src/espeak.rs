//! [`EspeakNg`]: the offline default, driving the `espeak-ng` program (never linked, since
//! libespeak-ng is GPL-3).
//!
//! Plain text is synthesized one sentence per process run (a few milliseconds each), so every
//! sentence's voiced span is known; words are spread over their sentence's span by syllable
//! weight ([`crate::timing::distribute`]). SSML (`-m`) is validated first and synthesized in
//! one run, with timings spread over the voiced span of the whole document.
//!
//! ```no_run
//! # async fn demo() -> ytempire_core::Result<()> {
//! use ytempire_core::{SpeechRequest, SpeechSynthesizer};
//! use ytempire_tts::EspeakNg;
//! let tts = EspeakNg::new().with_words_per_minute(160);
//! let speech = tts.synthesize(&SpeechRequest::new("Hello there. How are you?")).await?;
//! println!("{} words, {:.1} s", speech.timings.len(), speech.audio.duration_secs());
//! # Ok(()) }
//! ```

use std::path::PathBuf;
use std::process::Stdio;

use async_trait::async_trait;
use tokio::io::AsyncWriteExt;
use tokio::process::Command;
use ytempire_core::{
    AudioTrack, Capabilities, Error, ErrorKind, ProviderInfo, Result, Speech, SpeechRequest,
    SpeechSynthesizer, TextFormat, VoiceGender, WordTiming,
};

use crate::client::client_builders;
use crate::voice::Voice;
use crate::{audio, chunk, ssml, timing};

/// Provider id reported in [`ProviderInfo`] and errors.
pub const PROVIDER: &str = "espeak-ng";

/// espeak-ng's default speaking rate in words per minute.
pub const DEFAULT_WPM: u32 = 175;

/// The offline espeak-ng synthesizer.
#[derive(Debug, Clone)]
pub struct EspeakNg {
    program: PathBuf,
    voice: String,
    words_per_minute: u32,
    pitch: u8,
    gender: VoiceGender,
}

impl Default for EspeakNg {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Display for EspeakNg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "espeak-ng/{}", self.voice)
    }
}

client_builders!(EspeakNg {
    voice: "Default voice (an espeak-ng language voice such as `en-gb` or `es`).",
});

impl EspeakNg {
    /// `espeak-ng` from `PATH`, voice `en-us`, 175 wpm, pitch 50.
    pub fn new() -> Self {
        Self {
            program: PathBuf::from("espeak-ng"),
            voice: "en-us".into(),
            words_per_minute: DEFAULT_WPM,
            pitch: 50,
            gender: VoiceGender::Any,
        }
    }

    /// Use another program path.
    #[must_use]
    pub fn with_program(mut self, program: impl Into<PathBuf>) -> Self {
        self.program = program.into();
        self
    }

    /// Base speaking rate (80–450 words per minute).
    #[must_use]
    pub fn with_words_per_minute(mut self, wpm: u32) -> Self {
        self.words_per_minute = wpm.clamp(80, 450);
        self
    }

    /// Base pitch (0–99, 50 normal).
    #[must_use]
    pub fn with_pitch(mut self, pitch: u8) -> Self {
        self.pitch = pitch.min(99);
        self
    }

    /// Prefer a female (`+f3`) or male (`+m3`) variant.
    #[must_use]
    pub fn with_gender(mut self, gender: VoiceGender) -> Self {
        self.gender = gender;
        self
    }

    fn missing(&self, e: &std::io::Error) -> Error {
        let kind = if e.kind() == std::io::ErrorKind::NotFound {
            ErrorKind::Config
        } else {
            ErrorKind::Io
        };
        Error::new(
            kind,
            format!(
                "cannot run {}: {e}; install the `espeak-ng` package (e.g. `apt-get install espeak-ng`, `brew install espeak-ng`)",
                self.program.display()
            ),
        )
        .with_provider(PROVIDER)
    }

    async fn run(&self, args: &[String], input: &str) -> Result<Vec<u8>> {
        let out = pipe(&self.program, args, input, |e| self.missing(&e)).await?;
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let kind = if stderr.contains("voice does not exist") {
                ErrorKind::InvalidRequest
            } else {
                ErrorKind::Upstream
            };
            return Err(Error::new(
                kind,
                format!("espeak-ng failed ({}): {}", out.status, stderr.trim()),
            )
            .with_provider(PROVIDER));
        }
        Ok(out.stdout)
    }

    /// The program's version line; a `Config` error naming the package when it is missing.
    pub async fn version(&self) -> Result<String> {
        let out = self.run(&["--version".to_owned()], "").await?;
        Ok(String::from_utf8_lossy(&out).trim().to_owned())
    }

    /// The language voices espeak-ng offers (`espeak-ng --voices`).
    pub async fn voices(&self) -> Result<Vec<Voice>> {
        let out = self.run(&["--voices".to_owned()], "").await?;
        Ok(parse_voices(&String::from_utf8_lossy(&out)))
    }

    async fn resolve_voice(&self, request: &SpeechRequest) -> Result<String> {
        if let Some(v) = &request.voice {
            return Ok(v.clone());
        }
        let Some(lang) = &request.language else {
            return Ok(self.variant(&self.voice));
        };
        let voices = self.voices().await?;
        voices
            .iter()
            .map(|v| (v.language_match(lang), v))
            .filter(|(m, _)| *m > 0)
            // Exact tag first, then the shortest id (the main voice for the language).
            .max_by(|(a, va), (b, vb)| {
                a.cmp(b)
                    .then_with(|| vb.id.len().cmp(&va.id.len()))
                    .then_with(|| vb.id.cmp(&va.id))
            })
            .map(|(_, v)| self.variant(&v.id))
            .ok_or_else(|| {
                Error::unsupported(format!("espeak-ng has no voice for language {lang:?}"))
                    .with_provider(PROVIDER)
            })
    }

    fn variant(&self, voice: &str) -> String {
        match self.gender {
            VoiceGender::Female if !voice.contains('+') => format!("{voice}+f3"),
            VoiceGender::Male if !voice.contains('+') => format!("{voice}+m3"),
            _ => voice.to_owned(),
        }
    }

    fn args(&self, voice: &str, request: &SpeechRequest, ssml: bool) -> Vec<String> {
        let wpm = (self.words_per_minute as f32 * request.rate.unwrap_or(1.0)).round() as i64;
        // About 4 pitch units per semitone around 50.
        let pitch = (f32::from(self.pitch) + request.pitch.unwrap_or(0.0) * 4.0).round() as i64;
        let mut args = vec![
            "--stdout".to_owned(),
            "-v".to_owned(),
            voice.to_owned(),
            "-s".to_owned(),
            wpm.clamp(80, 450).to_string(),
            "-p".to_owned(),
            pitch.clamp(0, 99).to_string(),
        ];
        if ssml {
            args.push("-m".to_owned());
        }
        args.push("--stdin".to_owned());
        args
    }

    async fn speak_once(
        &self,
        voice: &str,
        request: &SpeechRequest,
        text: &str,
        ssml: bool,
    ) -> Result<AudioTrack> {
        let wav = self.run(&self.args(voice, request, ssml), text).await?;
        audio::wav_from_stream(&wav).map_err(|e| {
            Error::new(ErrorKind::InvalidResponse, format!("espeak-ng output: {e}"))
                .with_provider(PROVIDER)
        })
    }
}

/// Parse `espeak-ng --voices` output.
/// Run `program` with `args`, `input` on its standard input, and collect its output (the
/// process is killed if the future is dropped). `spawn_error` maps a failure to start it
/// (a missing program); the caller judges the exit status. Shared by espeak-ng narration and
/// Piper's phonemes.
pub(crate) async fn pipe<S: AsRef<std::ffi::OsStr>>(
    program: &std::path::Path,
    args: &[S],
    input: &str,
    spawn_error: impl FnOnce(std::io::Error) -> Error,
) -> Result<std::process::Output> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(spawn_error)?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(input.as_bytes())
            .await
            .map_err(|e| Error::io("writing text to espeak-ng", e))?;
    }
    child
        .wait_with_output()
        .await
        .map_err(|e| Error::io("waiting for espeak-ng", e))
}

fn parse_voices(listing: &str) -> Vec<Voice> {
    listing
        .lines()
        .skip(1)
        .filter_map(|line| {
            let cols: Vec<&str> = line.split_whitespace().collect();
            let (lang, age_gender, name) = (cols.get(1)?, cols.get(2)?, cols.get(3)?);
            let gender = match age_gender.rsplit('/').next() {
                Some("F") => VoiceGender::Female,
                Some("M") => VoiceGender::Male,
                _ => VoiceGender::Any,
            };
            // "Other Languages" after the file column: `(zh-cmn 5)(zh 5)` lets `zh` find `cmn`.
            let mut languages = vec![(*lang).to_owned()];
            if let Some(file) = cols.get(4)
                && let Some(at) = line.find(&format!(" {file}"))
            {
                let mut rest = &line[at + file.len() + 1..];
                while let Some(open) = rest.find('(') {
                    let group = &rest[open + 1..];
                    let Some(close) = group.find(')') else { break };
                    if let Some(tag) = group[..close].split_whitespace().next() {
                        languages.push(tag.to_owned());
                    }
                    rest = &group[close + 1..];
                }
            }
            let mut v = Voice::new(*lang, languages, gender);
            v.name = name.replace('_', " ");
            Some(v)
        })
        .collect()
}

#[async_trait]
impl SpeechSynthesizer for EspeakNg {
    fn info(&self) -> ProviderInfo {
        ProviderInfo::new(
            PROVIDER,
            self.voice.clone(),
            Capabilities::new().with_ssml(true).with_word_timings(true),
        )
    }

    async fn synthesize(&self, request: &SpeechRequest) -> Result<Speech> {
        request.validate()?;
        let voice = self.resolve_voice(request).await?;
        let (track, timings, billed) = match request.format {
            TextFormat::Ssml => {
                let plain = ssml::to_plain_text(&request.text)?;
                let track = self
                    .speak_once(&voice, request, request.text.trim(), true)
                    .await?;
                let (s, e) = audio::voiced_span(&track).unwrap_or((0.0, track.duration_secs()));
                (
                    track,
                    timing::distribute(&plain, s, e),
                    plain.chars().count(),
                )
            }
            _ => {
                let sentences = chunk::sentences(&request.text);
                let mut tracks = Vec::with_capacity(sentences.len());
                let mut timings: Vec<WordTiming> = Vec::new();
                let mut offset = 0.0;
                for sentence in &sentences {
                    let track = self.speak_once(&voice, request, sentence, false).await?;
                    let (s, e) = audio::voiced_span(&track).unwrap_or((0.0, track.duration_secs()));
                    timings.extend(timing::distribute(sentence, offset + s, offset + e));
                    offset += track.duration_secs();
                    tracks.push(track);
                }
                let (track, _) = audio::join(&tracks, 0)?;
                (track, timings, request.text.chars().count())
            }
        };
        let track = match request.sample_rate {
            Some(rate) => audio::resample(&track, rate)?,
            None => track,
        };
        Ok(timing::estimated_speech(
            request, track, timings, voice, billed,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_voice_listing() {
        let listing = "Pty Language       Age/Gender VoiceName          File                 Other Languages\n \
            5  af              --/M      Afrikaans          gmw/af\n \
            2  en-us           --/F      English_(America)  gmw/en-US            (en 3)\n";
        let v = parse_voices(listing);
        assert_eq!(v.len(), 2);
        assert_eq!(v[1].id, "en-us");
        assert_eq!(v[1].gender, VoiceGender::Female);
        assert_eq!(v[1].name, "English (America)");
        assert_eq!(v[1].languages, ["en-us", "en"]);
    }

    #[test]
    fn other_languages_let_a_bare_tag_find_its_voice() {
        let listing = "Pty Language       Age/Gender VoiceName          File                 Other Languages\n \
            5  cmn             --/M      Chinese_(Mandarin,_latin_as_English) sit/cmn              (zh-cmn 5)(zh 5)\n \
            5  ja              --/M      Japanese           jpx/ja\n";
        let v = parse_voices(listing);
        assert_eq!(v[0].languages, ["cmn", "zh-cmn", "zh"]);
        assert_eq!(v[0].language_match("zh"), 2, "{v:?}");
        assert_eq!(v[0].language_match("zh-CN"), 1);
        assert_eq!(v[1].languages, ["ja"]);
    }

    #[tokio::test]
    async fn missing_program_is_a_config_error_naming_the_package() {
        let tts = EspeakNg::new().with_program("/nonexistent/espeak-ng");
        let err = tts.synthesize(&SpeechRequest::new("hi")).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
        assert!(
            err.to_string().contains("install the `espeak-ng` package"),
            "{err}"
        );
    }

    #[test]
    fn rate_and_pitch_map_to_arguments() {
        let tts = EspeakNg::new();
        let mut req = SpeechRequest::new("x");
        req.rate = Some(2.0);
        req.pitch = Some(-20.0);
        let args = tts.args("en", &req, true);
        assert!(args.windows(2).any(|w| w == ["-s", "350"]), "{args:?}");
        assert!(args.windows(2).any(|w| w == ["-p", "0"]), "{args:?}");
        assert!(args.contains(&"-m".to_owned()));
        assert_eq!(
            EspeakNg::new()
                .with_gender(VoiceGender::Female)
                .variant("en"),
            "en+f3"
        );
    }
}

//! Piper voices on disk and the onnxruntime library: where they are found and what a voice's
//! JSON and model card say (language, sample rate, licence).
//!
//! Layout written by `scripts/setup.sh` (pip `--target`, no system Python change):
//!
//! ```text
//! <home>/.ytempire/piper/runtime/onnxruntime/capi/libonnxruntime.so.1.*   (pip `onnxruntime`)
//! <home>/.ytempire/piper/voices/**/<voice>.onnx + <voice>.onnx.json        (pip voice packages)
//! ```
//!
//! `<home>` is `$YTEMPIRE_HOME`, else the nearest directory at or above the current one that
//! has `.ytempire/piper`. `YTEMPIRE_ONNXRUNTIME` (a library file) and `YTEMPIRE_PIPER_VOICES`
//! (a directory) override each part.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use ytempire_core::{Error, ErrorKind, Result};

use super::PROVIDER;

/// Environment variable naming the onnxruntime shared library.
pub const ENV_RUNTIME: &str = "YTEMPIRE_ONNXRUNTIME";
/// Environment variable naming the directory searched for Piper voices.
pub const ENV_VOICES: &str = "YTEMPIRE_PIPER_VOICES";
/// Environment variable naming the project home (holding `.ytempire/piper`).
pub const ENV_HOME: &str = "YTEMPIRE_HOME";
/// The project-local directory, relative to the home.
pub const LOCAL_DIR: &str = ".ytempire/piper";

/// The project-local Piper directory: `$YTEMPIRE_HOME/.ytempire/piper`, else the nearest
/// `.ytempire/piper` at or above the current directory.
pub fn local_dir() -> Option<PathBuf> {
    if let Some(home) = std::env::var_os(ENV_HOME) {
        let dir = PathBuf::from(home).join(LOCAL_DIR);
        return dir.is_dir().then_some(dir);
    }
    let cwd = std::env::current_dir().ok()?;
    cwd.ancestors()
        .map(|a| a.join(LOCAL_DIR))
        .find(|d| d.is_dir())
}

/// The onnxruntime library: `$YTEMPIRE_ONNXRUNTIME`, else the newest
/// `libonnxruntime.so*` (`.dylib` on macOS, `onnxruntime.dll` on Windows) under the local
/// directory's `runtime/`.
pub fn find_runtime() -> Result<PathBuf> {
    if let Some(p) = std::env::var_os(ENV_RUNTIME) {
        let p = PathBuf::from(p);
        return if p.is_file() {
            Ok(p)
        } else {
            Err(config(format!(
                "{ENV_RUNTIME}={} is not a file; point it at libonnxruntime.so (pip package `onnxruntime`, onnxruntime/capi/)",
                p.display()
            )))
        };
    }
    match local_dir() {
        Some(d) => find_runtime_in(&d.join("runtime")),
        None => Err(config(format!(
            "onnxruntime not found: run scripts/setup.sh (installs it under {LOCAL_DIR}/runtime) or set {ENV_RUNTIME} to libonnxruntime.so"
        ))),
    }
}

/// The newest onnxruntime library file under `dir` (as [`find_runtime`] searches the local
/// directory's `runtime/`).
pub fn find_runtime_in(dir: &Path) -> Result<PathBuf> {
    let mut found: Vec<PathBuf> = walk(dir, 4)
        .into_iter()
        .filter(|p| {
            p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                n.starts_with("libonnxruntime.so")
                    || (n.starts_with("libonnxruntime.") && n.ends_with(".dylib"))
                    || n == "onnxruntime.dll"
            })
        })
        .collect();
    found.sort();
    found.pop().ok_or_else(|| {
        config(format!(
            "onnxruntime not found under {}: run scripts/setup.sh (installs it under {LOCAL_DIR}/runtime) or set {ENV_RUNTIME} to libonnxruntime.so",
            dir.display()
        ))
    })
}

/// The voice directory: `$YTEMPIRE_PIPER_VOICES`, else the local directory's `voices/`.
pub fn voices_dir() -> Option<PathBuf> {
    match std::env::var_os(ENV_VOICES) {
        Some(p) => Some(PathBuf::from(p)),
        None => local_dir().map(|d| d.join("voices")),
    }
}

/// Every Piper voice (`*.onnx` with a `*.onnx.json` beside it) under `dir`, sorted by id.
pub fn discover(dir: &Path) -> Vec<PiperVoice> {
    let mut voices: Vec<PiperVoice> = walk(dir, 5)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "onnx"))
        .filter_map(|p| match PiperVoice::load(&p) {
            Ok(v) => Some(v),
            Err(e) => {
                tracing::debug!(path = %p.display(), error = %e, "not a Piper voice");
                None
            }
        })
        .collect();
    voices.sort_by(|a, b| a.id.cmp(&b.id));
    voices
}

/// Files under `dir`, `depth` levels deep at most (unreadable entries skipped).
fn walk(dir: &Path, depth: usize) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            if depth > 0 {
                out.extend(walk(&p, depth - 1));
            }
        } else {
            out.push(p);
        }
    }
    out
}

fn config(msg: String) -> Error {
    Error::new(ErrorKind::Config, msg).with_provider(PROVIDER)
}

#[derive(Debug, Deserialize)]
struct Json {
    audio: JsonAudio,
    #[serde(default)]
    espeak: Option<JsonEspeak>,
    #[serde(default)]
    inference: Option<JsonInference>,
    #[serde(default)]
    phoneme_type: Option<String>,
    phoneme_id_map: HashMap<String, Vec<i64>>,
    #[serde(default)]
    language: Option<JsonLanguage>,
    #[serde(default)]
    num_speakers: Option<u32>,
}

#[derive(Debug, Deserialize)]
struct JsonAudio {
    sample_rate: u32,
}

#[derive(Debug, Deserialize)]
struct JsonEspeak {
    voice: String,
}

#[derive(Debug, Deserialize)]
struct JsonInference {
    noise_scale: f32,
    length_scale: f32,
    noise_w: f32,
}

#[derive(Debug, Deserialize)]
struct JsonLanguage {
    code: String,
}

/// One Piper voice: its model, JSON settings and licence.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct PiperVoice {
    /// Voice id: the model file's stem, e.g. `en_US-joe-medium`.
    pub id: String,
    /// The `.onnx` model.
    pub model: PathBuf,
    /// BCP-47 language tag, e.g. `en-US`.
    pub language: String,
    /// The model's native sample rate.
    pub sample_rate: u32,
    /// The espeak-ng voice its phonemes come from, e.g. `en-us`.
    pub espeak_voice: String,
    /// The licence as stated by the voice's model card, with what it was trained from when the
    /// card says so; `unknown (no MODEL_CARD)` otherwise.
    pub licence: String,
    /// `[noise_scale, length_scale, noise_w]`.
    pub(crate) scales: [f32; 3],
    /// Phoneme symbol → ids.
    pub(crate) id_map: HashMap<char, Vec<i64>>,
}

impl PiperVoice {
    /// Read a voice from its `.onnx` path (the JSON must sit beside it as `<model>.json`).
    pub fn load(model: &Path) -> Result<Self> {
        let json_path = PathBuf::from(format!("{}.json", model.display()));
        let text = std::fs::read_to_string(&json_path).map_err(|e| {
            config(format!(
                "cannot read Piper voice settings {}: {e}",
                json_path.display()
            ))
        })?;
        let json: Json = serde_json::from_str(&text).map_err(|e| {
            config(format!(
                "{} is not a Piper voice JSON: {e}",
                json_path.display()
            ))
        })?;
        if json.phoneme_type.as_deref().is_some_and(|t| t != "espeak") {
            return Err(config(format!(
                "{}: phoneme_type {:?} is not supported (only espeak)",
                json_path.display(),
                json.phoneme_type
            )));
        }
        if json.num_speakers.unwrap_or(1) > 1 {
            return Err(config(format!(
                "{}: multi-speaker voices are not supported yet",
                json_path.display()
            )));
        }
        let id_map: HashMap<char, Vec<i64>> = json
            .phoneme_id_map
            .into_iter()
            .filter_map(|(k, v)| {
                let mut cs = k.chars();
                match (cs.next(), cs.next()) {
                    (Some(c), None) => Some((c, v)),
                    _ => None,
                }
            })
            .collect();
        let id = model
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("piper")
            .to_owned();
        let language = json
            .language
            .map(|l| l.code.replace('_', "-"))
            .or_else(|| id.split('-').next().map(|s| s.replace('_', "-")))
            .unwrap_or_default();
        let inf = json.inference.unwrap_or(JsonInference {
            noise_scale: 0.667,
            length_scale: 1.0,
            noise_w: 0.8,
        });
        let card = model.with_file_name("MODEL_CARD");
        let licence = std::fs::read_to_string(&card)
            .map(|c| licence_from_card(&c))
            .unwrap_or_else(|_| "unknown (no MODEL_CARD)".to_owned());
        Ok(Self {
            id,
            model: model.to_path_buf(),
            language,
            sample_rate: json.audio.sample_rate,
            espeak_voice: json
                .espeak
                .map(|e| e.voice)
                .unwrap_or_else(|| "en-us".into()),
            licence,
            scales: [inf.noise_scale, inf.length_scale, inf.noise_w],
            id_map,
        })
    }
}

/// The licence line of a Piper `MODEL_CARD`, plus its "Finetuned from" line: a fine-tuned voice
/// inherits the terms of the voice it started from, which the card does not state.
pub(crate) fn licence_from_card(card: &str) -> String {
    let field = |key: &str| {
        card.lines()
            .map(|l| l.trim().trim_start_matches(['*', '-']).trim())
            .find_map(|l| {
                l.strip_prefix(key)
                    .map(|v| v.trim_start_matches(':').trim().to_owned())
            })
    };
    let licence = field("License").unwrap_or_else(|| "unknown".into());
    match field("Finetuned from") {
        Some(base) => {
            let base = base.trim_end_matches('.');
            let note = if base.to_lowercase().contains("lessac") {
                " (lessac's source recordings restrict commercial use)"
            } else {
                ""
            };
            format!("{licence} (dataset); fine-tuned from {base}{note}")
        }
        None => licence,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn licence_names_the_base_voice_of_a_fine_tune() {
        let card = "# Model card for joe (medium)\n\n* Language: en_US\n\n## Dataset\n\n* URL: x\n* License: CC0\n\n## Training\n\nFinetuned from U.S. English lessac voice (medium quality).\n";
        let l = licence_from_card(card);
        assert!(l.starts_with("CC0 (dataset); fine-tuned from"), "{l}");
        assert!(l.contains("restrict commercial use"), "{l}");
        assert_eq!(licence_from_card("* License: MIT\n"), "MIT");
    }

    #[test]
    fn discovers_voices_and_reads_their_settings() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("pkg/data");
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(sub.join("xx_YY-test-low.onnx"), b"not a model").unwrap();
        std::fs::write(
            sub.join("xx_YY-test-low.onnx.json"),
            r#"{"audio":{"sample_rate":16000},"espeak":{"voice":"xx"},"phoneme_type":"espeak",
                "phoneme_id_map":{"_":[0],"^":[1],"$":[2],"a":[3]},"language":{"code":"xx_YY"}}"#,
        )
        .unwrap();
        std::fs::write(sub.join("MODEL_CARD"), "* License: MIT\n").unwrap();
        // A model without JSON is ignored.
        std::fs::write(dir.path().join("other.onnx"), b"x").unwrap();
        let v = discover(dir.path());
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].id, "xx_YY-test-low");
        assert_eq!(v[0].language, "xx-YY");
        assert_eq!(v[0].sample_rate, 16000);
        assert_eq!(v[0].espeak_voice, "xx");
        assert_eq!(v[0].licence, "MIT");
        assert_eq!(v[0].id_map[&'a'], [3]);
    }
}

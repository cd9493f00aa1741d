//! Speak text offline with espeak-ng, write a WAV and print the word timings as JSON.
//!
//! `cargo run -p ytempire-examples --example speak -- "TEXT" OUT.wav`

use std::sync::Arc;

use ytempire_core::{SpeechRequest, SpeechSynthesizer};
use ytempire_tts::{Chunked, EspeakNg};

#[tokio::main]
async fn main() -> ytempire_core::Result<()> {
    let mut args = std::env::args().skip(1);
    let text = args
        .next()
        .unwrap_or_else(|| "Hello from ytempire. Captions follow every word.".to_owned());
    let out = args.next().unwrap_or_else(|| "speak.wav".to_owned());
    let tts = Chunked::new(Arc::new(EspeakNg::new()));
    let speech = tts.synthesize(&SpeechRequest::new(text)).await?;
    ytempire_core::fs::write_atomic(std::path::Path::new(&out), &speech.audio.to_wav_bytes()?)
        .await?;
    eprintln!(
        "wrote {out}: {:.2} s at {} Hz, voice {}",
        speech.audio.duration_secs(),
        speech.audio.sample_rate,
        speech.voice
    );
    let json = serde_json::to_string_pretty(&speech.timings)
        .map_err(|e| ytempire_core::Error::internal(format!("timings to JSON: {e}")))?;
    println!("{json}");
    Ok(())
}

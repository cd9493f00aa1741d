//! Speak text offline with espeak-ng, write a WAV and print the word timings as JSON.
//!
//! `cargo run -p ytempire-examples --example speak -- "TEXT" OUT.wav`

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use ytempire_core::{SpeechRequest, SpeechSynthesizer};
use ytempire_tts::{Chunked, EspeakNg};

/// Speak text offline with espeak-ng, write a WAV and print the word timings as JSON.
#[derive(Debug, Parser)]
#[command(name = "speak")]
struct Args {
    /// The text to speak.
    #[arg(
        value_name = "TEXT",
        default_value = "Hello from ytempire. Captions follow every word."
    )]
    text: String,
    /// Where to write the WAV.
    #[arg(value_name = "OUT.wav", default_value = "speak.wav")]
    out: PathBuf,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    ytempire_examples::util::finish("speak", run(args).await)
}

async fn run(args: Args) -> ytempire_core::Result<()> {
    if args.text.trim().is_empty() {
        return Err(ytempire_core::Error::invalid_request(
            "the text is empty; give the words to speak",
        ));
    }
    let tts = Chunked::new(Arc::new(EspeakNg::new()));
    let speech = tts.synthesize(&SpeechRequest::new(args.text)).await?;
    ytempire_core::fs::write_atomic(&args.out, &speech.audio.to_wav_bytes()?).await?;
    eprintln!(
        "wrote {}: {:.2} s at {} Hz, voice {}",
        args.out.display(),
        speech.audio.duration_secs(),
        speech.audio.sample_rate,
        speech.voice
    );
    let json = serde_json::to_string_pretty(&speech.timings)
        .map_err(|e| ytempire_core::Error::internal(format!("timings to JSON: {e}")))?;
    println!("{json}");
    Ok(())
}

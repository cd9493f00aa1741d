//! `ytempire make` with a dead OpenAI: `OPENAI_API_KEY` set and `OPENAI_BASE_URL` pointing
//! at a server that accepts each connection, reads the request and hangs up. The script,
//! narration and visuals chains share one cooldown registry, so the dead provider costs one
//! failed call per provider per cooldown (a call being the retry layer's attempts), the
//! summary says which providers are being skipped, and the video is still made by the
//! offline providers. The same run with `providers.cooldown = false` is the "before".

use crate::cli_common;

use std::collections::BTreeMap;
use std::io::Read as _;
use std::net::TcpListener;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cli_common::{Output, assert_mentions, run, small_config};

/// Attempts the retry layer makes per call (`RetryConfig::default`).
const ATTEMPTS_PER_CALL: usize = 4;
/// The first cooldown (`BreakerConfig::default`).
const COOLDOWN_SECS: u64 = 30;

/// A server that reads each request's head, records its path, and closes the connection
/// without answering.
struct HangUp {
    url: String,
    seen: Arc<Mutex<Vec<String>>>,
}

impl HangUp {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/v1", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
                let mut head = Vec::new();
                let mut buf = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let line = String::from_utf8_lossy(&head);
                let path = line.split_whitespace().nth(1).unwrap_or("?").to_string();
                log.lock().unwrap().push(path);
                drop(stream);
            }
        });
        Self { url, seen }
    }

    /// Connections per request path.
    fn counts(&self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for p in self.seen.lock().unwrap().iter() {
            *counts.entry(p.clone()).or_default() += 1;
        }
        counts
    }
}

/// `ytempire make` (30 s, not --offline) with only OpenAI's key set, against `dead`.
fn make(dir: &Path, dead: &HangUp, cooldown: bool) -> Output {
    let cfg = small_config(dir, "");
    if !cooldown {
        let text = std::fs::read_to_string(&cfg).unwrap();
        let text = text.replace(
            "probe_local = false",
            "probe_local = false\ncooldown = false",
        );
        std::fs::write(&cfg, text).unwrap();
    }
    let env = [
        ("OPENAI_API_KEY", "sk-dead-provider-test".to_string()),
        ("OPENAI_BASE_URL", dead.url.clone()),
    ];
    let args = [
        "--config",
        cfg.to_str().unwrap(),
        "make",
        "--duration",
        "30",
        "--job",
        "dead",
        "How tides work",
    ];
    run(dir, &args, &env, Duration::from_secs(600))
}

fn count(counts: &BTreeMap<String, usize>, suffix: &str) -> usize {
    counts
        .iter()
        .filter(|(p, _)| p.ends_with(suffix))
        .map(|(_, n)| n)
        .sum()
}

#[test]
fn a_dead_provider_costs_one_failed_call_per_cooldown_and_the_offline_providers_make_the_video() {
    // Before: cooldowns off, every call tries OpenAI (with its retries) first.
    let before_dir = tempfile::tempdir().unwrap();
    let before_dead = HangUp::start();
    let before = make(before_dir.path(), &before_dead, false);
    assert_eq!(before.code, Some(0), "{before:?}");
    let before_counts = before_dead.counts();

    // After: the default config.
    let dir = tempfile::tempdir().unwrap();
    let dead = HangUp::start();
    let after = make(dir.path(), &dead, true);
    assert_eq!(after.code, Some(0), "{after:?}");
    let counts = dead.counts();
    println!(
        "dead OpenAI, 30-s video: before (cooldown off) {:?} in {:.1} s; after {:?} in {:.1} s",
        before_counts,
        before.elapsed.as_secs_f64(),
        counts,
        after.elapsed.as_secs_f64()
    );

    // At most one failed call per provider per cooldown: the first call's retried attempts,
    // then one single-attempt half-open try per cooldown that ended during the run.
    let cooldowns = usize::try_from(after.elapsed.as_secs() / COOLDOWN_SECS).unwrap();
    let bound = ATTEMPTS_PER_CALL + cooldowns;
    let chat = count(&counts, "/chat/completions");
    let speech = count(&counts, "/audio/speech");
    assert!(chat >= 1 && speech >= 1, "OpenAI was tried: {counts:?}");
    assert!(chat <= bound, "script: {chat} attempts > {bound}");
    assert!(speech <= bound, "narration: {speech} attempts > {bound}");
    assert_eq!(
        counts.values().sum::<usize>(),
        chat + speech,
        "nothing else was called: {counts:?}"
    );
    // Without the cooldown the narration retried OpenAI on every chunk.
    let speech_before = count(&before_counts, "/audio/speech");
    assert!(
        speech_before > speech,
        "before {before_counts:?}, after {counts:?}"
    );

    // The summary names the providers being skipped; the offline providers made the video.
    let cooling: Vec<&str> = after
        .stdout
        .lines()
        .filter(|l| l.starts_with("cooldown:"))
        .collect();
    assert_eq!(cooling.len(), 2, "{}", after.stdout);
    for line in &cooling {
        assert!(
            line.starts_with("cooldown:   openai/") && line.contains(" skipped for 30 s after "),
            "{line}"
        );
        assert!(line.contains("failures"), "{line}");
    }
    assert!(
        !before.stdout.contains("cooldown:"),
        "no cooldown when it is off: {}",
        before.stdout
    );
    assert_mentions(
        &after.stdout,
        &["script by:  offline/", "spoken by:  espeak"],
    );
    let video = cli_common::printed_paths(&after.stdout, "video:");
    assert!(
        std::fs::metadata(&video[0]).unwrap().len() > 10_000,
        "{video:?}"
    );
}

//! Entry points for the fuzz targets in `scripts/fuzz` (feature `fuzzing`; not a stable API),
//! and the corpus replay every crate's `tests/fuzz_corpus.rs` runs on stable.
//!
//! A parse failure is an ordinary outcome; `Err(String)` means an invariant broke, and the
//! fuzz target (or the replay test) turns it into a failure.

use std::path::{Path, PathBuf};
use std::time::{Duration, UNIX_EPOCH};

use crate::pipeline::{WebhookSigner, WebhookUrl, verify_signature, verify_signed_request};
use crate::wire::{parse_retry_after, retry_after};

/// The fields of a webhook input: secret, timestamp, signature header, then the body, split
/// at the first three newlines (missing fields are empty).
fn webhook_fields(data: &[u8]) -> [&[u8]; 4] {
    let mut parts = data.splitn(4, |b| *b == b'\n');
    let mut next = || parts.next().unwrap_or_default();
    [next(), next(), next(), next()]
}

/// Verify untrusted webhook signatures and timestamps, and read the headers a webhook
/// endpoint answers with (`Retry-After`, `retry-after-ms`) and the URL it is configured by.
///
/// # Errors
/// A description of a broken invariant: a signature accepted that the signer would not have
/// made, a signature the signer made that is refused, a tampered body accepted.
#[doc(hidden)]
pub fn webhook(data: &[u8]) -> Result<(), String> {
    let [secret, timestamp, header, body] = webhook_fields(data);
    let timestamp = String::from_utf8_lossy(timestamp);
    let header = String::from_utf8_lossy(header);
    let signer = WebhookSigner::new(secret);

    // The body-only scheme.
    let own = signer.sign(body);
    if verify_signature(secret, body, &header) && *header != own {
        return Err(format!("accepted {header:?}; the signature is {own:?}"));
    }
    if !verify_signature(secret, body, &own) {
        return Err("refused the signer's own body signature".into());
    }

    // The timestamped scheme, with the untrusted values as given.
    let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let tolerance = Duration::from_secs(300);
    let _ = verify_signed_request(secret, &timestamp, body, &header, now, tolerance);

    // Whatever the signer signs verifies at the time it names, and a changed body does not.
    let sent = timestamp.trim().parse::<u64>().unwrap_or(1_700_000_000);
    if let Some(at) = UNIX_EPOCH.checked_add(Duration::from_secs(sent)) {
        let signed = signer.sign_request(sent, body);
        let ts = sent.to_string();
        if let Err(e) = verify_signed_request(secret, &ts, body, &signed, at, tolerance) {
            return Err(format!("refused the signer's own request at {sent}: {e}"));
        }
        let upper = signed
            .to_ascii_uppercase()
            .replacen("SHA256=", "sha256=", 1);
        if let Err(e) = verify_signed_request(secret, &ts, body, &upper, at, tolerance) {
            return Err(format!("refused the signature in upper-case hex: {e}"));
        }
        let mut tampered = body.to_vec();
        match tampered.first_mut() {
            Some(b) => *b ^= 1,
            None => tampered.push(b'x'),
        }
        if verify_signed_request(secret, &ts, &tampered, &signed, at, tolerance).is_ok() {
            return Err("accepted a tampered body".into());
        }
    }

    // What a webhook endpoint answers with, and the URL the dispatcher is given.
    let _ = parse_retry_after(&header, now);
    let _ = parse_retry_after(&timestamp, now);
    let get = |name: &str| match name {
        "retry-after-ms" => Some(&*timestamp),
        "retry-after" => Some(&*header),
        _ => None,
    };
    let _ = retry_after(get, now);
    // The redacted form (the one logged) never shows the query (it can carry a token).
    if let Ok(url) = WebhookUrl::parse(&header)
        && let Some((_, query)) = url.as_str().split_once('?')
        && !query.is_empty()
        && query != "…"
        && url.redacted().contains(&format!("?{query}"))
    {
        return Err(format!(
            "the redacted URL {:?} shows the query",
            url.redacted()
        ));
    }
    Ok(())
}

/// Run every committed input of fuzz target `target` through `run`: the files under
/// `scripts/fuzz/corpus/<target>/` and `scripts/fuzz/regressions/<target>/` (crash inputs
/// kept after a fix), in name order. `crate_dir` is the calling crate's
/// `CARGO_MANIFEST_DIR` (one level below the repository root). Returns how many inputs ran.
///
/// # Errors
/// When a directory or file cannot be read (a missing corpus directory included; the
/// regressions directory may be absent).
#[doc(hidden)]
pub fn replay(
    crate_dir: &str,
    target: &str,
    mut run: impl FnMut(&Path, &[u8]),
) -> std::io::Result<usize> {
    let root = Path::new(crate_dir).join("..").join("scripts").join("fuzz");
    let mut files: Vec<PathBuf> = Vec::new();
    for (dir, required) in [("corpus", true), ("regressions", false)] {
        let dir = root.join(dir).join(target);
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => {
                return Err(std::io::Error::new(
                    e.kind(),
                    format!("fuzz inputs {}: {e}", dir.display()),
                ));
            }
        };
        let mut found = Vec::new();
        for entry in entries {
            let path = entry?.path();
            if path.is_file() {
                found.push(path);
            }
        }
        found.sort();
        files.extend(found);
    }
    for path in &files {
        let data = std::fs::read(path)?;
        run(path, &data);
    }
    Ok(files.len())
}

/// [`replay`] for an entry point that reports a broken invariant as `Err`: how many inputs
/// ran, or the first failure naming the target and the input file.
///
/// # Errors
/// The first input whose run failed, or a corpus that cannot be read.
#[doc(hidden)]
pub fn replay_clean(
    crate_dir: &str,
    target: &str,
    run: impl Fn(&[u8]) -> Result<(), String>,
) -> Result<usize, String> {
    let mut failures = Vec::new();
    let ran = replay(crate_dir, target, |path, data| {
        if let Err(e) = run(data) {
            failures.push(format!("{target} {}: {e}", path.display()));
        }
    })
    .map_err(|e| e.to_string())?;
    match failures.into_iter().next() {
        Some(first) => Err(first),
        None => Ok(ran),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webhook_fields_split_at_the_first_three_newlines() {
        assert_eq!(
            webhook_fields(b"k\n1\nsha256=ab\nbody\nmore"),
            [&b"k"[..], b"1", b"sha256=ab", b"body\nmore"]
        );
        assert_eq!(webhook_fields(b"k"), [&b"k"[..], b"", b"", b""]);
    }

    #[test]
    fn a_genuine_signature_passes_the_webhook_checks() {
        let header = WebhookSigner::new("k").sign(b"{}");
        let input = format!("k\n1700000000\n{header}\n{{}}");
        assert_eq!(webhook(input.as_bytes()), Ok(()));
    }
}

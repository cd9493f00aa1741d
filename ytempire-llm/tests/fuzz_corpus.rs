//! Replays the committed fuzz corpus and crash regressions of the crate's fuzz targets
//! (`scripts/fuzz`: `sse`, `script`, `openai_chat`) on stable, through the same entry points.
#![cfg(feature = "fuzzing")]

use ytempire_core::fuzzing::{replay, replay_clean};
use ytempire_llm::fuzzing;

#[test]
fn sse_corpus_replays_clean() {
    assert!(replay_clean(env!("CARGO_MANIFEST_DIR"), "sse", fuzzing::openai_sse).unwrap() >= 3);
}

#[test]
fn openai_chat_corpus_replays_clean() {
    assert!(
        replay_clean(
            env!("CARGO_MANIFEST_DIR"),
            "openai_chat",
            fuzzing::openai_chat
        )
        .unwrap()
            >= 3
    );
}

#[test]
fn script_corpus_replays_clean_and_accepts_the_valid_answers() {
    let mut accepted = 0;
    let n = replay(
        env!("CARGO_MANIFEST_DIR"),
        "script",
        |path, data| match fuzzing::script(data) {
            Ok(true) => accepted += 1,
            Ok(false) => {}
            Err(e) => panic!("script {}: {e}", path.display()),
        },
    )
    .unwrap();
    assert!(n >= 3, "only {n} script inputs");
    // The seeds include valid answers (plain, fenced, wrapped in prose): the harness can
    // accept, so the fuzzer explores past validation.
    assert!(
        accepted >= 2,
        "only {accepted} of {n} script inputs accepted"
    );
}

#[test]
fn the_script_seed_is_accepted_and_a_banned_term_is_not() {
    let seed = fuzzing::script_seed();
    assert_eq!(fuzzing::script(seed.as_bytes()), Ok(true));
    let banned = seed.replacen("the", "the forbidden", 1);
    assert_eq!(fuzzing::script(banned.as_bytes()), Ok(false));
}

//! Replays the committed fuzz corpus and crash regressions of the config loader's fuzz
//! target (`scripts/fuzz`, target `config`) on stable, through the same entry point.

use ytempire_core::fuzzing::replay;
use ytempire_examples::config::Config;

#[test]
fn config_corpus_replays_clean() {
    let mut parsed = 0;
    let n = replay(env!("CARGO_MANIFEST_DIR"), "config", |_, data| {
        // As the fuzz target: the loader reads text, so only UTF-8 gets to the parser.
        let Ok(text) = std::str::from_utf8(data) else {
            return;
        };
        if let Ok(config) = Config::parse(text, "fuzz.toml") {
            parsed += 1;
            let _ = config.channel(None).map(|c| c.profile());
            let _ = config.video.spec(None);
            let _ = config.paths.data_dir();
        }
    })
    .unwrap();
    assert!(n >= 3, "only {n} config inputs");
    assert!(parsed >= 2, "only {parsed} of {n} config inputs parse");
}

//! The annotated example config loads, and means what its comments say.

use std::path::Path;

use ytempire_examples::config::{Config, Format, NarrationKind, ScriptKind};

#[test]
fn the_example_config_loads() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("ytempire.example.toml");
    let config = Config::load(Some(&path)).unwrap();
    assert_eq!(config.source.as_deref(), Some(path.as_path()));
    assert_eq!(config.video.format, Format::Landscape);
    assert_eq!(config.video.duration_secs.0, 60.0);
    assert_eq!(config.budget.per_video_usd.map(|u| u.0), Some(3.0));
    let kinds: Vec<&ScriptKind> = config.providers.script.iter().map(|p| &p.kind).collect();
    assert_eq!(kinds, [&ScriptKind::Openai, &ScriptKind::Anthropic]);
    assert_eq!(
        config.providers.narration.last().map(|p| &p.kind),
        Some(&NarrationKind::Espeak)
    );
    let channel = config.channel(None).unwrap();
    assert_eq!(channel.name, "Deep Sea Facts");
    assert_eq!(channel.accounts, ["deepsea", "deepsea-backup"]);
    let profile = channel.profile();
    assert_eq!(profile.niche, "marine biology");
    assert!(profile.tone.contains("Dr. Reef"), "persona joins the tone");
    assert_eq!(profile.visual.palette.len(), 2);
    let money = config.channel(Some("Money Basics")).unwrap();
    assert_eq!(
        money.profile().default_privacy,
        ytempire_core::Privacy::Unlisted
    );
    assert!(config.channel(Some("nobody")).is_err());
}

#[test]
fn mistakes_name_the_file_line_and_key() {
    let cases = [
        ("[video]\nfps = 30\nfsp = 30\n", "cfg.toml:3", "fsp"),
        ("[video]\n\nwidth = 321\n", "cfg.toml:3", "width"),
        (
            "[budget]\nper_video_usd = -1\n",
            "cfg.toml:2",
            "per_video_usd",
        ),
        (
            "[[providers.script]]\nkind = \"pexels\"\n",
            "cfg.toml:2",
            "pexels",
        ),
        (
            "[[providers.script]]\nkind = \"openai\"\nbase_url = \"ftp://x\"\n",
            "cfg.toml:3",
            "base_url",
        ),
        (
            "[[channels]]\nname = \"a\"\nwords_per_minute = 5\n",
            "cfg.toml:3",
            "words_per_minute",
        ),
        (
            "[[channels]]\nname = \"a\"\ndefault_privacy = \"secret\"\n",
            "cfg.toml:3",
            "secret",
        ),
        ("api_key = \"sk-123\"\n", "cfg.toml:1", "api_key"),
    ];
    for (text, line, key) in cases {
        let err = Config::parse(text, "cfg.toml").unwrap_err().to_string();
        assert!(err.contains(line) && err.contains(key), "{text:?} -> {err}");
        assert!(!err.contains('\n'), "one line: {err}");
    }
    assert!(Config::parse("", "cfg.toml").is_ok());
}

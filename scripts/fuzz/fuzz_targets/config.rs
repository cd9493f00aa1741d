//! The ytempire TOML config file loader.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ytempire_examples::config::Config;

fuzz_target!(|data: &[u8]| {
    // The loader reads the file as UTF-8 text (`read_to_string`), so only text gets here.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(config) = Config::parse(text, "fuzz.toml") {
        let _ = config.channel(None).map(|c| c.profile());
        let _ = config.video.spec(None);
        let _ = config.paths.data_dir();
    }
});

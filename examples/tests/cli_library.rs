//! `ytempire make --offline --library DIR` through the built binary: a library image whose
//! sidecar tags fit the topic is chosen for a scene (the job's `visuals` artifact says so, with
//! its score), the library's index is cached in the data folder and reused by the next run, a
//! broken file is skipped with its reason, and a library that does not exist (flag or config)
//! fails at once with a message naming the path and what to do.

use crate::cli_common;

use std::path::Path;
use std::time::Duration;

use cli_common::{configured, make_args, run};

/// A 640×360 PNG whose look depends on `k`.
fn png(k: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(640, 360, |x, y| {
        image::Rgb([(x / 3) as u8, (y / 2) as u8, (k * 60) as u8])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// The job's stored `visuals` artifact (from its manifest).
fn visuals_artifact(job_dir: &Path) -> Vec<serde_json::Value> {
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(job_dir.join("manifest.json")).unwrap()).unwrap();
    let rel = manifest["stages"]["visuals"]["outputs"]["visuals"]["path"]
        .as_str()
        .unwrap_or_else(|| panic!("no visuals artifact in {manifest}"));
    serde_json::from_slice(&std::fs::read(job_dir.join(rel)).unwrap()).unwrap()
}

#[test]
fn make_with_a_library_shows_the_fitting_library_picture() {
    let (dir, cfg) = configured("");
    let lib = dir.path().join("my media");
    std::fs::create_dir_all(lib.join("sea")).unwrap();
    std::fs::create_dir_all(lib.join("city")).unwrap();
    std::fs::write(lib.join("sea/IMG_2231.png"), png(1)).unwrap();
    std::fs::write(
        lib.join("sea/IMG_2231.tags"),
        "octopus, colour change, camouflage",
    )
    .unwrap();
    std::fs::write(lib.join("city/traffic-jam.png"), png(2)).unwrap();
    std::fs::write(
        lib.join("sea/octopus-broken.png"),
        b"\x89PNG\r\n\x1a\ntruncated",
    )
    .unwrap();
    let lib_arg = lib.to_str().unwrap();
    let topic = "How octopuses change colour";
    let args = |job| {
        make_args(
            &cfg,
            &["--offline", "--library", lib_arg, "--job", job, topic],
        )
    };
    let out = run(dir.path(), &args("lib-a"), &[], Duration::from_secs(240));
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(
        out.stderr
            .contains("2 usable files (0 clips), 1 skipped; 3 probed, 0 unchanged"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("library: skipping sea/octopus-broken.png: sea/octopus-broken.png"),
        "the broken file is named with its reason: {}",
        out.stderr
    );
    assert!(
        out.stdout.contains("visuals by: local/folder"),
        "{}",
        out.stdout
    );

    let visuals = visuals_artifact(&dir.path().join("data/jobs/lib-a"));
    let ids: Vec<&str> = visuals.iter().filter_map(|v| v["id"].as_str()).collect();
    let chosen: Vec<&serde_json::Value> = visuals
        .iter()
        .filter(|v| v["id"] == "local:sea/IMG_2231.png")
        .collect();
    assert_eq!(chosen.len(), 1, "the tagged picture, once: {ids:?}");
    let v = chosen[0];
    assert_eq!(v["provider"], "local");
    assert_eq!(v["answered_by"]["provider"], "local");
    assert!(
        v["description"].as_str().unwrap().contains("camouflage"),
        "{v}"
    );
    assert!(v["relevance"].as_f64().unwrap() >= 0.3, "{v}");
    assert!(
        !ids.contains(&"local:city/traffic-jam.png"),
        "the unrelated picture is not shown: {ids:?}"
    );
    assert!(dir.path().join("data/library-index.json").exists());

    // A second video: the index is reused, no file is probed again.
    let out = run(dir.path(), &args("lib-b"), &[], Duration::from_secs(240));
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(
        out.stderr
            .contains("0 probed, 3 unchanged since the last index"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_missing_library_fails_at_once_naming_the_path() {
    let (dir, cfg) = configured("");
    let args = [
        "--config",
        &cfg,
        "make",
        "--offline",
        "--library",
        "/nonexistent",
        "octopus",
    ];
    let out = run(dir.path(), &args, &[], Duration::from_secs(60));
    assert_eq!(out.code, Some(1), "{out:?}");
    assert!(
        out.stderr
            .contains("media library /nonexistent does not exist")
            && out.stderr.contains("give --library (or paths.library"),
        "{}",
        out.stderr
    );
    assert!(!dir.path().join("data/jobs").exists(), "no job was started");

    // The same from the config file.
    let missing = dir.path().join("no-such-folder");
    let text = std::fs::read_to_string(&cfg).unwrap().replace(
        "[paths]\n",
        &format!("[paths]\nlibrary = \"{}\"\n", missing.display()),
    );
    let cfg = dir.path().join("with-library.toml");
    std::fs::write(&cfg, text).unwrap();
    let args = [
        "--config",
        cfg.to_str().unwrap(),
        "make",
        "--offline",
        "octopus",
    ];
    let out = run(dir.path(), &args, &[], Duration::from_secs(60));
    assert_eq!(out.code, Some(1), "{out:?}");
    assert!(
        out.stderr.contains(&format!(
            "media library {} does not exist",
            missing.display()
        )),
        "{}",
        out.stderr
    );
}

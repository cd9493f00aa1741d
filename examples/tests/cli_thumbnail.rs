//! Thumbnails that could not be set at upload time, set later with `ytempire thumbnail`:
//! `make --upload` against the loopback fakes with YouTube refusing `thumbnails.set`
//! (503, more times than the uploader retries) still uploads the video, and its summary
//! prints the exact command; that command, run as printed against a YouTube that answers
//! 503 once, retries and sets the thumbnail.

use crate::cli_common;

use std::time::Duration;

use cli_common::fakes::{FIRST, SECOND, SOLO, Stack};
use cli_common::{TOPIC, make_args};
use ytempire_youtube::testing::{FakeYouTube, Fault};

/// `thumbnails.set` attempts the uploader makes before giving up (`UploadConfig::default`).
const THUMBNAIL_ATTEMPTS: usize = 5;

fn thumbnail_calls(yt: &FakeYouTube) -> usize {
    yt.requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/thumbnails/set"))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_thumbnail_is_set_later_with_the_printed_command() {
    let fakes = Stack::start().await;
    let yt = &fakes.yt;
    let cfg = fakes.config(&[SOLO]).await;
    for _ in 0..THUMBNAIL_ATTEMPTS {
        yt.inject(Fault::ThumbnailError { status: 503 });
    }
    let args = make_args(&cfg, &["--upload", "--job", "thumb", TOPIC]);
    let out = fakes
        .ytempire(&args, "make")
        .wait(Duration::from_secs(240))
        .await;
    assert_eq!(out.code, Some(0), "the video is up: {out:?}");
    let videos = yt.videos();
    assert_eq!(videos.len(), 1);
    let id = videos[0].id.clone();
    assert!(yt.thumbnails().is_empty(), "every thumbnails.set failed");
    assert_eq!(
        thumbnail_calls(yt),
        THUMBNAIL_ATTEMPTS,
        "retried by the uploader"
    );
    assert!(yt.pending_faults().is_empty());
    assert!(out.stdout.contains("thumbnail not set"), "{}", out.stdout);
    assert!(
        out.stdout.contains("the thumbnail failed: "),
        "says why: {}",
        out.stdout
    );

    // The printed command, run as printed.
    let line = out
        .stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("set it later with: "))
        .unwrap_or_else(|| panic!("no command in the summary: {}", out.stdout))
        .to_string();
    let image = cli_common::printed_paths(&out.stdout, "thumbnail:")[0].clone();
    assert_eq!(
        line,
        format!(
            "ytempire --config {cfg} thumbnail {id} {} --account solo",
            image.display()
        )
    );
    let words: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(words[0], "ytempire");

    yt.inject(Fault::ThumbnailError { status: 503 });
    let later = fakes
        .ytempire(&words[1..], "later")
        .wait(Duration::from_secs(120))
        .await;
    assert_eq!(later.code, Some(0), "{later:?}");
    assert!(
        later
            .stdout
            .contains(&format!("thumbnail: set on {id} (account solo")),
        "{}",
        later.stdout
    );
    assert_eq!(
        thumbnail_calls(yt),
        THUMBNAIL_ATTEMPTS + 2,
        "the 503 was retried once"
    );
    let thumbs = yt.thumbnails();
    let (mime, bytes) = thumbs.get(&id).expect("thumbnail set");
    assert_eq!(bytes, &std::fs::read(&image).unwrap(), "{mime}");
    assert!(yt.violations().is_empty(), "{:?}", yt.violations());
    assert_eq!(yt.videos().len(), 1, "no second upload");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thumbnail_needs_the_account_when_several_are_stored_and_a_real_image() {
    let fakes = Stack::start().await;
    let cfg = fakes.config(&[FIRST, SECOND]).await;
    let image = fakes.path().join("thumb.png");
    image::RgbImage::from_pixel(64, 36, image::Rgb([200, 40, 40]))
        .save(&image)
        .unwrap();
    let not_image = fakes.path().join("notes.txt");
    std::fs::write(&not_image, "not an image").unwrap();

    let cases = [
        (
            &image,
            None,
            "2 accounts are stored (first, second); say which one uploaded the video with --account NAME",
        ),
        (&not_image, Some("first"), "must be a PNG or JPEG image"),
        (&image, Some("nobody"), "\"nobody\""),
    ];
    for (img, account, says) in cases {
        let img = img.display().to_string();
        let mut args = vec![
            "--config",
            cfg.as_str(),
            "thumbnail",
            "vid123",
            img.as_str(),
        ];
        if let Some(account) = account {
            args.extend(["--account", account]);
        }
        let out = fakes
            .ytempire(&args, account.unwrap_or("noacct"))
            .wait(Duration::from_secs(60))
            .await;
        assert_eq!(out.code, Some(1), "{out:?}");
        assert!(out.stderr.contains(says), "{}", out.stderr);
    }
    assert_eq!(thumbnail_calls(&fakes.yt), 0, "nothing was sent");
}

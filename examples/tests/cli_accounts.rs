//! `ytempire accounts add|list|remove` and `ytempire upload` through the built binary against
//! the fake YouTube: the consent flow (the test plays the browser), the channel id read with
//! `channels.list?mine=true`, an upload with a thumbnail, and a consent that never comes.

use crate::cli_common;

use std::time::{Duration, Instant};

use cli_common::fakes::{youtube_config, youtube_env};
use cli_common::{command, run_async, start};
use ytempire_youtube::testing::FakeYouTube;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn add_list_upload_remove() {
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeYouTube::start().await.unwrap();
    fake.add_account("cooking", "proj-cook", "UCcook");
    fake.set_consenting_account("cooking");
    let cfg = youtube_config(dir.path(), &fake, "");
    let env = youtube_env(&fake);
    let args = [
        "--config",
        cfg.as_str(),
        "accounts",
        "add",
        "cooking",
        "--no-browser",
        "--timeout",
        "30",
    ];
    let running = start(command(dir.path(), &args, &env), dir.path(), "add");
    // Play the browser: follow the printed consent URL.
    let began = Instant::now();
    let url = loop {
        if let Some(u) = running
            .stderr_now()
            .lines()
            .find(|l| l.starts_with("http") && l.contains("/auth?"))
        {
            break u.trim().to_string();
        }
        assert!(
            began.elapsed() < Duration::from_secs(30),
            "{}",
            running.stderr_now()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let page = reqwest::get(&url).await.unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let out = running.wait(Duration::from_secs(30)).await;
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(
        out.stdout.contains("account cooking stored"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("UCcook"), "{}", out.stdout);

    let list_args = ["--config", cfg.as_str(), "accounts", "list"];
    let list = run_async(dir.path(), &list_args, &env, Duration::from_secs(10)).await;
    assert_eq!(list.code, Some(0), "{list:?}");
    assert!(
        list.stdout.contains("cooking") && list.stdout.contains("UCcook"),
        "{}",
        list.stdout
    );

    // Upload a file with a thumbnail through the stored account.
    let video = dir.path().join("clip.mp4");
    let bytes: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(&video, &bytes).unwrap();
    let thumb = dir.path().join("thumb.png");
    image::RgbImage::from_pixel(640, 360, image::Rgb([200, 40, 40]))
        .save(&thumb)
        .unwrap();
    let args = [
        "--config",
        cfg.as_str(),
        "upload",
        video.to_str().unwrap(),
        "--title",
        "Pasta in 60 seconds",
        "--tags",
        "pasta,quick",
        "--thumbnail",
        thumb.to_str().unwrap(),
        "--account",
        "cooking",
        "--publish-at",
        "2031-01-31T15:00:00Z",
    ];
    let up = run_async(dir.path(), &args, &env, Duration::from_secs(30)).await;
    assert_eq!(up.code, Some(0), "{up:?}");
    let videos = fake.videos();
    assert_eq!(videos.len(), 1);
    assert_eq!(videos[0].account, "cooking");
    assert_eq!(videos[0].bytes, bytes);
    assert_eq!(videos[0].resource["status"]["privacyStatus"], "private");
    assert!(
        videos[0].resource["status"]["publishAt"]
            .as_str()
            .is_some_and(|s| s.starts_with("2031-01-31T15:00:00")),
        "{}",
        videos[0].resource
    );
    assert!(fake.thumbnails().contains_key(&videos[0].id));
    assert!(up.stdout.contains(&videos[0].id), "{}", up.stdout);
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());

    // Trending topics through the stored account, niche matches first.
    fake.add_popular_video("v1", "Ten cat facts", 900, &["cats"]);
    fake.add_popular_video("v2", "General knowledge quiz", 500, &["quiz"]);
    let args = ["--config", &cfg, "trends", "--region", "US", "--limit", "5"];
    let trends = run_async(dir.path(), &args, &env, Duration::from_secs(10)).await;
    assert_eq!(trends.code, Some(0), "{trends:?}");
    let lines: Vec<&str> = trends.stdout.lines().collect();
    assert!(
        lines[0].contains("* General knowledge quiz"),
        "{}",
        trends.stdout
    );
    assert!(
        lines[1].contains("Ten cat facts (900 views)"),
        "{}",
        trends.stdout
    );

    let rm = ["--config", cfg.as_str(), "accounts", "remove", "cooking"];
    let first = run_async(dir.path(), &rm, &env, Duration::from_secs(10)).await;
    assert_eq!(first.code, Some(0), "{first:?}");
    let second = run_async(dir.path(), &rm, &env, Duration::from_secs(10)).await;
    assert_eq!(second.code, Some(1), "{second:?}");
    assert!(
        second.stderr.contains("no account named \"cooking\""),
        "{second:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn add_gives_up_when_nobody_consents() {
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeYouTube::start().await.unwrap();
    let cfg = youtube_config(dir.path(), &fake, "");
    let args = [
        "--config",
        cfg.as_str(),
        "accounts",
        "add",
        "late",
        "--no-browser",
        "--timeout",
        "1",
    ];
    let out = run_async(
        dir.path(),
        &args,
        &youtube_env(&fake),
        Duration::from_secs(10),
    )
    .await;
    assert_eq!(out.code, Some(1), "{out:?}");
    let last = out.stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("ytempire: error: ") && last.contains("within 1 s"),
        "{out:?}"
    );
    assert!(
        !dir.path().join("accounts.json").exists()
            || !std::fs::read_to_string(dir.path().join("accounts.json"))
                .unwrap()
                .contains("late")
    );
}

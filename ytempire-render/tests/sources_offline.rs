//! Offline visual sources (`Procedural`, `LocalFolder`) and the `VisualSelector` chain.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use image::{DynamicImage, Rgb, RgbImage};
use ytempire_core::conformance::image::run_all;
use ytempire_core::{
    Attribution, Capabilities, ChannelProfile, DynImageSource, Error, ErrorKind, ImageRequest,
    ImageResponse, ImageSource, ImageSourceExt, ProviderInfo, Result, Scene, Usage, Visual,
    VisualContent,
};
use ytempire_render::sources::inspect::{decode_image, encode_png};
use ytempire_render::sources::{LocalFolder, Procedural, SelectorConfig, VisualSelector};

/// A photo-like test picture: a gradient whose direction and colour depend on `k`, so
/// different `k` give perceptually different pictures.
fn picture(k: u32, w: u32, h: u32) -> Vec<u8> {
    let img = RgbImage::from_fn(w, h, |x, y| {
        let (fx, fy) = (x as f32 / w as f32, y as f32 / h as f32);
        let t = match k % 4 {
            0 => fx,
            1 => fy,
            2 => 1.0 - fx,
            _ => ((fx * 6.0).floor() + (fy * 6.0).floor()) % 2.0,
        };
        let v = (t * 255.0) as u8;
        Rgb([v, v.wrapping_add((k * 40) as u8), 255 - v])
    });
    encode_png(&DynamicImage::ImageRgb8(img)).unwrap()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

fn folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "ocean/blue-whale_01.png", &picture(0, 400, 300));
    write(dir.path(), "ocean/coral reef.png", &picture(1, 300, 400));
    write(dir.path(), "city_night.png", &picture(2, 200, 200));
    write(dir.path(), "misc/img_0042.png", &picture(3, 120, 90));
    write(dir.path(), "misc/img_0042.txt", b"lighthouse, dusk, coast");
    write(
        dir.path(),
        "broken/whale-corrupt.png",
        &picture(0, 64, 64)[..40],
    );
    write(dir.path(), "broken/whale-empty.png", b"");
    write(
        dir.path(),
        "broken/whale-page.jpg",
        b"<!doctype html><html><body>404</body></html>",
    );
    write(dir.path(), "notes.md", b"not an image");
    dir
}

#[tokio::test]
async fn local_folder_matches_names_and_sidecar_tags() {
    let dir = folder();
    let lib = LocalFolder::new(dir.path());
    let v = lib.fetch_one("a blue whale", 10, 10).await.unwrap();
    assert_eq!(v.id, "local:ocean/blue-whale_01.png");
    assert_eq!((v.width, v.height), (400, 300));
    assert!(matches!(v.content, VisualContent::File { .. }));

    let v = lib.fetch_one("lighthouse at dusk", 10, 10).await.unwrap();
    assert_eq!(v.id, "local:misc/img_0042.png", "sidecar tags match");
    assert_eq!((v.width, v.height), (120, 90));

    let e = lib.fetch_one("volcano", 10, 10).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn local_folder_skips_corrupt_zero_byte_and_html_files() {
    let dir = folder();
    let lib = LocalFolder::new(dir.path());
    // "whale" matches the good file and the three broken ones; only the good one comes back.
    let resp = lib
        .fetch(&ImageRequest::new("whale", 10, 10).with_count(10))
        .await
        .unwrap();
    let ids: Vec<_> = resp.visuals.iter().map(|v| v.id.as_str()).collect();
    assert_eq!(ids, ["local:ocean/blue-whale_01.png"]);

    // Only broken files match: the error is InvalidResponse and lists each one.
    let e = lib
        .fetch_one("corrupt page empty", 10, 10)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidResponse, "{e}");
    assert_eq!(e.related().len(), 3);
}

#[tokio::test]
async fn offline_sources_pass_conformance() {
    let r = run_all(&Procedural::new(), &[]).await;
    assert!(r.is_ok(), "{r}");

    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "lighthouse-dusk.png", &picture(0, 128, 96));
    write(dir.path(), "red-balloon-1.png", &picture(1, 96, 96));
    write(dir.path(), "red-balloon-2.png", &picture(2, 96, 96));
    write(dir.path(), "usage-check.png", &picture(3, 96, 96));
    let r = run_all(&LocalFolder::new(dir.path()), &[]).await;
    assert!(r.is_ok(), "{r}");
}

/// A source that serves scripted visuals (or an error) and counts calls.
#[derive(Debug)]
struct Scripted {
    name: &'static str,
    visuals: Vec<Visual>,
    error: Option<ErrorKind>,
    calls: AtomicUsize,
}

impl Scripted {
    fn new(name: &'static str, visuals: Vec<Visual>) -> Arc<Self> {
        Arc::new(Self {
            name,
            visuals,
            error: None,
            calls: AtomicUsize::new(0),
        })
    }

    fn failing(name: &'static str, kind: ErrorKind) -> Arc<Self> {
        Arc::new(Self {
            name,
            visuals: Vec::new(),
            error: Some(kind),
            calls: AtomicUsize::new(0),
        })
    }
}

impl std::fmt::Display for Scripted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

#[async_trait]
impl ImageSource for Scripted {
    fn info(&self) -> ProviderInfo {
        ProviderInfo::new(self.name, "scripted", Capabilities::new())
    }

    async fn fetch(&self, request: &ImageRequest) -> Result<ImageResponse> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if let Some(kind) = self.error {
            return Err(Error::new(kind, format!("{} failed", self.name)));
        }
        let visuals: Vec<Visual> = self
            .visuals
            .iter()
            .filter(|v| !request.exclude.contains(&v.id))
            .take(request.count as usize)
            .cloned()
            .collect();
        if visuals.is_empty() {
            return Err(Error::new(ErrorKind::NotFound, "nothing left"));
        }
        Ok(ImageResponse::new(visuals, Usage::images(1)))
    }
}

fn png_visual(id: &str, bytes: Vec<u8>, w: u32, h: u32) -> Visual {
    Visual::image_bytes(id, w, h, "image/png", bytes).with_origin("stock", "q")
}

fn small_config() -> SelectorConfig {
    SelectorConfig::new(90, 160).with_min_resolution(45, 80)
}

#[tokio::test]
async fn selector_crops_to_frame_and_keeps_attribution() {
    let credit = Attribution {
        author: "Jane Doe".into(),
        url: Some("https://example.invalid/jane".into()),
        license: Some("Pexels License".into()),
    };
    let stock = Scripted::new(
        "stock",
        vec![
            png_visual("stock:1", picture(0, 640, 360), 640, 360).with_attribution(credit.clone()),
        ],
    );
    let mut sel = VisualSelector::new(vec![stock as DynImageSource], small_config());
    let picked = sel.select_query("whale").await.unwrap();
    assert_eq!(picked.source, "stock");
    assert_eq!((picked.visual.width, picked.visual.height), (90, 160));
    assert_eq!(picked.visual.attribution, Some(credit));
    let VisualContent::Bytes { data, .. } = &picked.visual.content else {
        panic!("bytes expected");
    };
    let dec = decode_image(data, "out").unwrap();
    assert_eq!((dec.width(), dec.height()), (90, 160));
}

#[tokio::test]
async fn bad_bytes_fall_through_to_the_next_source() {
    let html = png_visual(
        "stock:html",
        b"<html><body>502</body></html>".to_vec(),
        640,
        360,
    );
    let empty = png_visual("stock:empty", Vec::new(), 640, 360);
    let corrupt = {
        let full = picture(1, 640, 360);
        png_visual("stock:corrupt", full[..full.len() / 3].to_vec(), 640, 360)
    };
    let stock = Scripted::new("stock", vec![html, empty, corrupt]);
    let ai = Scripted::failing("ai", ErrorKind::Upstream);
    let procedural: DynImageSource = Arc::new(Procedural::new());
    let mut sel = VisualSelector::new(
        vec![stock.clone() as DynImageSource, ai.clone(), procedural],
        small_config(),
    );
    let picked = sel.select_query("whale").await.unwrap();
    assert_eq!(picked.source, "Procedural");
    let kinds: Vec<ErrorKind> = picked.skipped.iter().map(Error::kind).collect();
    assert_eq!(
        kinds,
        [
            ErrorKind::InvalidResponse,
            ErrorKind::InvalidResponse,
            ErrorKind::InvalidResponse,
            ErrorKind::Upstream
        ]
    );
    assert_eq!(ai.calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn too_small_is_rejected_and_chain_failure_aggregates() {
    // 100x100 gives a 56x100 region at 9:16: below a 90x160 minimum.
    let small = Scripted::new(
        "stock",
        vec![png_visual("s:1", picture(0, 100, 100), 100, 100)],
    );
    let mut sel = VisualSelector::new(
        vec![small as DynImageSource],
        SelectorConfig::new(90, 160).with_min_resolution(90, 160),
    );
    let e = sel.select_query("x").await.unwrap_err();
    assert_eq!(e.related().len(), 1);
    assert!(e.related()[0].message().contains("below"), "{e}");
}

#[tokio::test]
async fn non_fallback_errors_stop_the_chain() {
    let cancelled = Scripted::failing("stock", ErrorKind::Cancelled);
    let after = Scripted::new(
        "after",
        vec![png_visual("a:1", picture(0, 90, 160), 90, 160)],
    );
    let mut sel = VisualSelector::new(
        vec![cancelled as DynImageSource, after.clone()],
        small_config(),
    );
    let e = sel.select_query("x").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Cancelled);
    assert_eq!(after.calls.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn no_repeats_within_a_video_by_id_and_by_perceptual_hash() {
    // Two ids, one picture (a re-upload); a third, different picture.
    let same = picture(0, 360, 640);
    let stock = Scripted::new(
        "stock",
        vec![
            png_visual("stock:a", same.clone(), 360, 640),
            png_visual("stock:a-reupload", same, 360, 640),
            png_visual("stock:b", picture(3, 360, 640), 360, 640),
        ],
    );
    let mut sel = VisualSelector::new(vec![stock as DynImageSource], small_config());
    let first = sel.select_query("whale").await.unwrap();
    let second = sel.select_query("whale").await.unwrap();
    assert_eq!(first.visual.id, "stock:a");
    assert_eq!(second.visual.id, "stock:b", "the re-upload is a duplicate");
    assert!(
        second
            .skipped
            .iter()
            .any(|e| e.message().contains("already used")),
        "{:?}",
        second.skipped
    );
    assert!(sel.select_query("whale").await.is_err(), "nothing new left");
    sel.reset();
    assert_eq!(
        sel.select_query("whale").await.unwrap().visual.id,
        "stock:a"
    );
}

#[tokio::test]
async fn procedural_scenes_never_repeat_in_a_video() {
    let mut sel = VisualSelector::new(
        vec![Arc::new(Procedural::new()) as DynImageSource],
        small_config(),
    );
    let mut channel = ChannelProfile::new("Deep Sea Facts", "marine biology");
    channel.visual.style = Some("cinematic".into());
    let mut hashes = Vec::new();
    for cue in ["octopus", "octopus", "coral reef", "octopus", "whale song"] {
        let scene = Scene::new("narration", cue, 4.0);
        let picked = sel.select(&scene, Some(&channel)).await.unwrap();
        assert!(picked.visual.query.ends_with("cinematic"));
        assert!(!hashes.contains(&picked.hash), "repeat at {cue}");
        hashes.push(picked.hash);
    }
    assert_eq!(sel.used_ids().count(), 5);
}

/// A clip visual from MP4 bytes (what a stock-video source returns).
#[cfg(feature = "testing")]
fn clip_visual(id: &str, bytes: Vec<u8>, w: u32, h: u32) -> Visual {
    let mut v = Visual::image_bytes(id, w, h, "video/mp4", bytes).with_origin("stock", "q");
    v.kind = ytempire_core::MediaKind::VideoClip;
    v
}

#[cfg(feature = "testing")]
#[tokio::test]
async fn clips_are_selected_deduped_and_bad_clips_fall_through() {
    use ytempire_render::sources::testing::clip_mp4;
    let good = clip_mp4(7, 320, 180, 10).unwrap();
    let same_picture = clip_mp4(7, 320, 180, 12).unwrap();
    let tiny = clip_mp4(8, 32, 18, 5).unwrap();
    let stock = Scripted::new(
        "stock",
        vec![
            clip_visual("clip:corrupt", b"<html>503</html>".to_vec(), 320, 180),
            clip_visual("clip:tiny", tiny, 32, 18),
            clip_visual("clip:good", good, 320, 180),
            clip_visual("clip:again", same_picture, 320, 180),
        ],
    );
    let mut sel = VisualSelector::new(vec![stock as DynImageSource], small_config());
    let picked = sel.select_query("ocean").await.unwrap();
    // The clip is kept as a clip (the compositors scale it to fill the frame).
    assert_eq!(picked.visual.id, "clip:good");
    assert_eq!(picked.visual.kind, ytempire_core::MediaKind::VideoClip);
    let kinds: Vec<ErrorKind> = picked.skipped.iter().map(Error::kind).collect();
    assert_eq!(
        kinds,
        [ErrorKind::InvalidResponse, ErrorKind::InvalidResponse],
        "{:?}",
        picked.skipped
    );
    // The same picture under another id is refused by its first frame's hash.
    let err = sel.select_query("ocean").await.unwrap_err();
    assert!(err.to_string().contains("already used"), "{err}");
}

#[cfg(feature = "testing")]
#[test]
fn thumbnails_from_a_clip_use_its_first_frame() {
    let clip = ytempire_render::sources::testing::clip_mp4(3, 320, 180, 6).unwrap();
    let visual = clip_visual("clip:thumb", clip, 320, 180);
    let thumbs =
        ytempire_render::thumbnail::thumbnails_from_visual(&visual, "Deep sea", 2, 1).unwrap();
    assert_eq!(thumbs.len(), 2);
    for t in &thumbs {
        let img = image::load_from_memory(&t.data).unwrap();
        assert_eq!((img.width(), img.height()), (1280, 720));
    }
    let bad = clip_visual("clip:bad", b"not an mp4".to_vec(), 320, 180);
    assert!(ytempire_render::thumbnail::thumbnails_from_visual(&bad, "x", 1, 1).is_err());
}

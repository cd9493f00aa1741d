//! The local media library (`LocalFolder`): a folder tree of generated images (PNG, JPEG,
//! WebP) and a small H.264 clip, with sidecar tags and broken files, is indexed (broken files
//! skipped with their reasons), ranked by the visuals stage so each scene gets the file whose
//! name or tags fit it, cached on disk (a second index reads no unchanged file) and refreshed
//! when files change; a library clip shorter than its scene loops instead of freezing.

use crate::common;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use image::{DynamicImage, ImageFormat, Rgb, RgbImage};
use ytempire_core::pipeline::{JobSpec, VisualsStage};
use ytempire_core::{
    DynImageSource, ErrorKind, ImageRequest, ImageSource, MediaKind, Scene, Script, Segment,
    Timeline, Topic, VideoSpec,
};
use ytempire_render::scene::{RenderPlan, SceneStyle};
use ytempire_render::sources::{LibraryMedia, LocalFolder, Procedural, RankedVisuals};
use ytempire_render::{Compositor, CpuCompositor, Frame};

use common::{frame_of, green, make_clip};

/// The clip: 320×180 at 10 fps, 10 frames (1 s); frame `i` is painted with `green(i)`.
const CLIP: (u32, u32, u32) = (320, 180, 10);
const CLIP_FRAMES: usize = 10;

/// An image in `format` whose look depends on `k` (so perceptual dedupe keeps them apart).
fn image_bytes(k: u32, w: u32, h: u32, format: ImageFormat) -> Vec<u8> {
    let img = RgbImage::from_fn(w, h, |x, y| {
        let (fx, fy) = (x as f32 / w as f32, y as f32 / h as f32);
        let t = match k % 4 {
            0 => fx,
            // Radial: a vertical gradient would hash like the clip's flat frames.
            1 => ((fx - 0.5).powi(2) + (fy - 0.5).powi(2)).sqrt() * 1.4,
            2 => 1.0 - fx,
            _ => ((fx * 6.0).floor() + (fy * 6.0).floor()) % 2.0,
        };
        let v = (t * 255.0) as u8;
        Rgb([v, v.wrapping_add((k * 40) as u8), 255 - v])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(img)
        .write_to(&mut out, format)
        .unwrap();
    out.into_inner()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// A library: images named for what they show, one known only by its sidecar tags, a clip,
/// a hidden folder, a truncated PNG, a zero-byte JPEG and an MP4 that is not one.
fn library() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "animals/octopus-camouflage.png",
        &image_bytes(0, 640, 360, ImageFormat::Png),
    );
    write(
        d,
        "city/skyline_at_night.jpg",
        &image_bytes(1, 640, 360, ImageFormat::Jpeg),
    );
    write(
        d,
        "ocean/coral reef.webp",
        &image_bytes(2, 640, 360, ImageFormat::WebP),
    );
    write(
        d,
        "misc/IMG_0042.png",
        &image_bytes(3, 640, 360, ImageFormat::Png),
    );
    write(d, "misc/IMG_0042.tags", b"lighthouse, dusk\ncoast storm");
    make_clip(
        &d.join("ocean/jellyfish.mp4"),
        CLIP,
        CLIP_FRAMES,
        |i, f: &mut Frame| {
            for px in f.rgba.chunks_exact_mut(4) {
                px.copy_from_slice(&[40, green(i), 120, 255]);
            }
        },
    );
    write(d, "ocean/jellyfish.txt", b"drifting medusa");
    write(
        d,
        ".thumbnails/octopus-thumb.png",
        &image_bytes(0, 64, 64, ImageFormat::Png),
    );
    let full = image_bytes(1, 640, 360, ImageFormat::Png);
    write(d, "broken/octopus-truncated.png", &full[..full.len() / 3]);
    write(d, "broken/volcano-empty.jpg", b"");
    write(
        d,
        "broken/volcano-eruption.mp4",
        b"<!doctype html><html><body>403</body></html>",
    );
    write(d, "notes.md", b"not media");
    dir
}

fn script() -> Script {
    let mut s = Script::new("Sea and city");
    s.scenes = vec![
        Scene::new(
            "An octopus changes colour in a blink to hide on the reef.",
            "octopus camouflage",
            4.0,
        ),
        Scene::new(
            "At dusk the old lighthouse guides ships along the stormy coast.",
            "lighthouse at dusk",
            4.0,
        ),
        Scene::new(
            "Jellyfish drift with the current, pulsing slowly.",
            "jellyfish drifting",
            4.0,
        ),
        Scene::new(
            "The skyline lights up at night as the city wakes.",
            "city skyline night",
            4.0,
        ),
        Scene::new(
            "Magma rises through the crust beneath a volcano.",
            "volcano eruption",
            4.0,
        ),
    ];
    s
}

#[test]
fn indexing_finds_images_clips_and_tags_and_skips_broken_files() {
    let dir = library();
    let index = LocalFolder::new(dir.path()).index().unwrap();
    let usable: Vec<&str> = index.usable().map(|i| i.path.as_str()).collect();
    assert_eq!(
        usable,
        [
            "animals/octopus-camouflage.png",
            "city/skyline_at_night.jpg",
            "misc/IMG_0042.png",
            "ocean/coral reef.webp",
            "ocean/jellyfish.mp4",
        ],
        "hidden folders and non-media files are left out"
    );
    let clip = index
        .usable()
        .find(|i| i.media == LibraryMedia::Clip)
        .unwrap();
    assert_eq!((clip.width, clip.height), (320, 180));
    assert!((clip.duration_secs.unwrap() - 1.0).abs() < 0.05, "{clip:?}");
    assert!(clip.description().contains("drifting medusa"));
    let tagged = index
        .usable()
        .find(|i| i.path == "misc/IMG_0042.png")
        .unwrap();
    assert_eq!(
        tagged.description(),
        "misc IMG 0042; lighthouse, dusk\ncoast storm"
    );
    assert_eq!(
        tagged.sidecar_paths().collect::<Vec<_>>(),
        ["misc/IMG_0042.tags"]
    );
    let webp = index.usable().find(|i| i.path.ends_with(".webp")).unwrap();
    assert_eq!((webp.width, webp.height), (640, 360));

    let skipped: Vec<(&str, &str)> = index.skipped().collect();
    let paths: Vec<&str> = skipped.iter().map(|(p, _)| *p).collect();
    assert_eq!(
        paths,
        [
            "broken/octopus-truncated.png",
            "broken/volcano-empty.jpg",
            "broken/volcano-eruption.mp4",
        ]
    );
    for (path, why) in &skipped {
        assert!(why.contains(path), "the reason names the file: {why}");
    }
    assert!(skipped[1].1.contains("zero-byte"), "{skipped:?}");
    let stats = index.stats();
    assert_eq!((stats.files, stats.probed, stats.skipped), (8, 8, 3));
}

#[tokio::test]
async fn search_matches_names_folders_and_tags_and_offers_clips_only_when_allowed() {
    let dir = library();
    let lib = LocalFolder::new(dir.path());
    let photo = lib
        .fetch(&ImageRequest::new("jellyfish", 64, 64).with_count(5))
        .await
        .unwrap_err();
    assert_eq!(
        photo.kind(),
        ErrorKind::NotFound,
        "no still jellyfish: {photo}"
    );

    let mut req = ImageRequest::new("jellyfish", 64, 64);
    req.allow_video = true;
    let clip = lib.fetch(&req).await.unwrap().visuals.remove(0);
    assert_eq!(clip.id, "local:ocean/jellyfish.mp4");
    assert_eq!(clip.kind, MediaKind::VideoClip);
    assert!((clip.duration_secs.unwrap() - 1.0).abs() < 0.05);

    // A folder name is a tag: "ocean" finds both files under ocean/.
    let mut req = ImageRequest::new("ocean", 64, 64).with_count(5);
    req.allow_video = true;
    let ids: Vec<String> = lib
        .fetch(&req)
        .await
        .unwrap()
        .visuals
        .into_iter()
        .map(|v| v.id)
        .collect();
    assert_eq!(
        ids,
        ["local:ocean/coral reef.webp", "local:ocean/jellyfish.mp4"]
    );

    // Only broken files match "volcano": InvalidResponse listing each reason.
    let e = lib
        .fetch(&ImageRequest::new("volcano", 64, 64).with_count(5))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidResponse, "{e}");
    assert_eq!(
        e.related().len(),
        1,
        "the MP4 is not offered as a still: {e}"
    );
}

#[tokio::test]
async fn ranking_picks_the_library_file_that_fits_each_scene() {
    let dir = library();
    let lib: DynImageSource = Arc::new(LocalFolder::new(dir.path()));
    let stage = RankedVisuals::new(vec![lib, Arc::new(Procedural::new())]);
    let job =
        JobSpec::new("lib", Topic::new("sea and city")).with_video(VideoSpec::new(320, 180, 30));
    let mut script = script();
    script.hook.clear();
    script.outro.clear();
    let visuals = stage.visuals(&job, &script).await.unwrap();
    let ids: Vec<&str> = visuals.iter().map(|v| v.id.as_str()).collect();
    assert_eq!(
        &ids[..4],
        [
            "local:animals/octopus-camouflage.png",
            "local:misc/IMG_0042.png",
            "local:ocean/jellyfish.mp4",
            "local:city/skyline_at_night.jpg",
        ],
        "{visuals:#?}"
    );
    assert!(
        !ids[4].starts_with("local:"),
        "no library file fits the volcano scene: {}",
        ids[4]
    );
    for v in &visuals[..4] {
        assert_eq!(v.provider, "local");
        assert!(
            v.relevance.unwrap() >= 0.3,
            "{} scored {:?}",
            v.id,
            v.relevance
        );
        assert!(!v.description.is_empty());
    }
    assert_eq!(
        visuals[2].kind,
        MediaKind::VideoClip,
        "the clip stays a clip"
    );
}

/// Set `path`'s modification time to `t`.
fn set_mtime(path: &Path, t: SystemTime) {
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(t)
        .unwrap();
}

#[test]
fn the_index_is_cached_on_disk_and_refreshed_when_files_change() {
    let dir = library();
    let root = dir.path();
    let data = tempfile::tempdir().unwrap();
    let cache = data.path().join("library-index.json");
    let open = || LocalFolder::new(root).with_index_file(&cache);

    let first = open().index().unwrap();
    assert_eq!(first.stats().probed, 8);
    assert!(first.stats().saved && cache.exists());
    let names: Vec<_> = std::fs::read_dir(data.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["library-index.json"], "no temporary file left");

    // Replace the JPEG's bytes with garbage of the same size and put its time back: a new
    // library (a new run) that read it would find it corrupt.
    let jpeg = root.join("city/skyline_at_night.jpg");
    let meta = std::fs::metadata(&jpeg).unwrap();
    std::fs::write(&jpeg, vec![0x5a; meta.len() as usize]).unwrap();
    set_mtime(&jpeg, meta.modified().unwrap());

    let before = std::fs::read(&cache).unwrap();
    let second = open().index().unwrap();
    let s = second.stats();
    assert_eq!((s.probed, s.reused, s.sidecars_read), (0, 8, 0), "{s:?}");
    assert!(!s.saved, "nothing changed, nothing written");
    assert_eq!(std::fs::read(&cache).unwrap(), before);
    assert!(
        second
            .usable()
            .any(|i| i.path == "city/skyline_at_night.jpg"),
        "the unchanged entry was reused, not re-read"
    );
    assert_eq!(second.items(), first.items());

    // Touch the JPEG, change a sidecar, add a picture, remove the truncated one.
    set_mtime(&jpeg, meta.modified().unwrap() + Duration::from_secs(5));
    let tags = root.join("misc/IMG_0042.tags");
    std::fs::write(&tags, b"lighthouse, dusk, coast, storm, waves").unwrap();
    set_mtime(&tags, SystemTime::now() + Duration::from_secs(5));
    write(
        root,
        "animals/whale.png",
        &image_bytes(2, 320, 180, ImageFormat::Png),
    );
    std::fs::remove_file(root.join("broken/octopus-truncated.png")).unwrap();

    let lib = open();
    let third = lib.index().unwrap();
    let s = third.stats();
    assert_eq!(
        (s.files, s.probed, s.reused, s.sidecars_read),
        (8, 2, 6, 1),
        "{s:?}"
    );
    assert!(s.saved);
    let skipped: Vec<&str> = third.skipped().map(|(p, _)| p).collect();
    assert_eq!(
        skipped,
        [
            "broken/volcano-empty.jpg",
            "broken/volcano-eruption.mp4",
            "city/skyline_at_night.jpg",
        ],
        "the changed JPEG was re-read and found corrupt"
    );
    let tagged = third
        .usable()
        .find(|i| i.path == "misc/IMG_0042.png")
        .unwrap();
    assert!(tagged.description().contains("waves"), "{tagged:?}");
    assert!(third.usable().any(|i| i.path == "animals/whale.png"));

    // The rewritten cache is what a fourth run starts from.
    let fourth = open().index().unwrap();
    assert_eq!(fourth.stats().probed, 0);
    assert_eq!(fourth.items(), third.items());

    // A cache that does not parse is rebuilt, not an error.
    std::fs::write(&cache, b"{ not json").unwrap();
    let rebuilt = open().index().unwrap();
    assert_eq!(rebuilt.stats().probed, 8);
    assert!(rebuilt.stats().saved);
}

#[test]
fn a_missing_or_non_folder_library_is_a_typed_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope");
    let e = LocalFolder::new(&missing).index().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(e.message().contains(&missing.display().to_string()), "{e}");
    let file = dir.path().join("file.png");
    std::fs::write(&file, b"x").unwrap();
    let e = LocalFolder::new(&file).index().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidRequest);
    assert!(e.message().contains("not a folder"), "{e}");
}

/// The frame index a rendered frame at `t` shows, read from its centre pixel.
fn shown(c: &mut CpuCompositor, plan: &RenderPlan, t: f64) -> usize {
    let (w, h) = (320, 180);
    let mut f = Frame::new(w, h).unwrap();
    c.render_frame(plan, t, &mut f).unwrap();
    let i = ((h / 2) * w + w / 2) as usize * 4;
    frame_of([f.rgba[i], f.rgba[i + 1], f.rgba[i + 2], f.rgba[i + 3]])
}

#[tokio::test]
async fn a_library_clip_shorter_than_its_scene_loops_and_a_longer_one_is_trimmed() {
    let dir = library();
    let lib = LocalFolder::new(dir.path());
    let mut req = ImageRequest::new("jellyfish", 64, 64);
    req.allow_video = true;
    let clip = lib.fetch(&req).await.unwrap().visuals.remove(0);
    assert_eq!(clip.kind, MediaKind::VideoClip);

    // The 1 s clip over a 3.5 s scene, then a 0.5 s scene with the same clip (trimmed).
    let t = Timeline::new(VideoSpec::new(320, 180, 10))
        .with_segment(Segment::new(clip.clone(), 0.0, 3.5))
        .with_segment(Segment::new(clip, 3.5, 4.0));
    let style = SceneStyle {
        on_screen_text: false,
        ..SceneStyle::default()
    };
    let plan = RenderPlan::from_timeline(&t, &style).unwrap();
    let mut c = CpuCompositor::new();
    c.prepare(&plan).unwrap();
    let early: Vec<usize> = [0.05, 0.25, 0.55]
        .iter()
        .map(|&s| shown(&mut c, &plan, s))
        .collect();
    assert_eq!(early, [0, 2, 5]);
    // Late in the scene: the clip plays again from its start, it is neither black nor frozen
    // on its last frame (9).
    let late: Vec<usize> = [2.05, 2.25, 2.55, 3.15]
        .iter()
        .map(|&s| shown(&mut c, &plan, s))
        .collect();
    assert_eq!(
        late,
        [0, 2, 5, 1],
        "looped: the same frames as at 0.05, 0.25, 0.55, 0.15 s"
    );
    // The 0.5 s scene plays the clip's first half from its own start: trimmed.
    let trimmed: Vec<usize> = [3.55, 3.75, 3.95]
        .iter()
        .map(|&s| shown(&mut c, &plan, s))
        .collect();
    assert_eq!(trimmed, [0, 2, 4]);
    let mut f = Frame::new(320, 180).unwrap();
    c.render_frame(&plan, 2.25, &mut f).unwrap();
    let i = (90 * 320 + 160) * 4;
    assert_eq!(f.rgba[i + 1], green(2), "not black: the clip's own colour");
}

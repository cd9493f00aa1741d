//! The media library's index: every image and clip under the folder with what probing found
//! (size, length, or why it cannot be used) and the words it is known by, kept on disk so a
//! second run only probes what changed.
//!
//! Indexing walks the folder (stat only), and for each media file reuses the previous
//! index's entry when the file's size and modification time are unchanged; otherwise it reads
//! the file: images are decoded fully ([`decode_image`], so a truncated download is caught
//! here), clips are probed ([`ClipSource::open`]: H.264 in MP4 only). Sidecar tag files are
//! treated the same way: re-read only when their size or time changed. A file that cannot be
//! used stays in the index with the reason, so it is not probed again until it changes.
//!
//! The index file is JSON (`{"version", "root", "items": [...]}`), written atomically (a
//! temporary sibling renamed over it) and only when something changed. An index for another
//! folder, of another version or that does not parse is ignored and rebuilt.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use serde::{Deserialize, Serialize};
use ytempire_core::{Error, ErrorKind, Result};

use crate::clip::ClipSource;
use crate::sources::inspect::decode_image;

/// Format version of the index file.
const INDEX_VERSION: u32 = 1;

/// Deepest folder nesting followed (guards against symlink loops).
const MAX_DEPTH: usize = 16;

/// Still-image file extensions (lower case).
pub(crate) const IMAGE_EXTENSIONS: &[&str] = &["png", "jpg", "jpeg", "webp"];

/// Video clip file extensions (lower case).
pub(crate) const CLIP_EXTENSIONS: &[&str] = &["mp4", "m4v"];

/// What a library file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LibraryMedia {
    /// A still image (PNG, JPEG, WebP).
    Image,
    /// An H.264 MP4 video clip.
    Clip,
}

/// A file's size and modification time, compared to tell whether it changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Stamp {
    size: u64,
    /// Nanoseconds since the Unix epoch (negative before it); `None` where the platform has
    /// no modification time (the file is then re-read every time).
    mtime_ns: Option<i64>,
}

impl Stamp {
    fn of(meta: &std::fs::Metadata) -> Self {
        let mtime_ns = meta
            .modified()
            .ok()
            .map(|t| match t.duration_since(UNIX_EPOCH) {
                Ok(d) => i64::try_from(d.as_nanos()).unwrap_or(i64::MAX),
                Err(e) => i64::try_from(e.duration().as_nanos()).map_or(i64::MIN, |n| -n),
            });
        Self {
            size: meta.len(),
            mtime_ns,
        }
    }

    /// Whether `self` (the indexed stamp) still describes a file stamped `now`.
    fn unchanged(&self, now: &Self) -> bool {
        self.mtime_ns.is_some() && self == now
    }
}

/// A sidecar tag file and the text it held.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Sidecar {
    /// Path under the library root, `/`-separated.
    path: String,
    stamp: Stamp,
    text: String,
}

/// One media file of the library.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LibraryItem {
    /// Path under the library root, `/`-separated (e.g. `ocean/blue-whale.jpg`).
    pub path: String,
    /// Image or clip.
    pub media: LibraryMedia,
    /// Pixel width (0 when skipped).
    pub width: u32,
    /// Pixel height (0 when skipped).
    pub height: u32,
    /// Clip length in seconds (clips only).
    pub duration_secs: Option<f64>,
    /// Why the file cannot be used (corrupt, truncated, not H.264, …); `None` when usable.
    pub skipped: Option<String>,
    stamp: Stamp,
    sidecars: Vec<Sidecar>,
}

impl LibraryItem {
    /// The words the file is known by: its folder names and file stem (`-`, `_` and `/` read
    /// as spaces), then `; ` and each sidecar's text.
    pub fn description(&self) -> String {
        let stem = self
            .path
            .rsplit_once('.')
            .map_or(self.path.as_str(), |(s, _)| s);
        let mut description = stem.replace(['/', '-', '_', '.'], " ");
        for s in &self.sidecars {
            let text = s.text.trim();
            if !text.is_empty() {
                description.push_str("; ");
                description.push_str(text);
            }
        }
        description
    }

    /// The sidecar files read for this item, `/`-separated paths under the root.
    pub fn sidecar_paths(&self) -> impl Iterator<Item = &str> {
        self.sidecars.iter().map(|s| s.path.as_str())
    }
}

/// What one indexing pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct IndexStats {
    /// Media files found.
    pub files: usize,
    /// Media files read and probed (new or changed since the last index).
    pub probed: usize,
    /// Media files whose previous entry was reused without reading them.
    pub reused: usize,
    /// Sidecar files read (new or changed).
    pub sidecars_read: usize,
    /// Media files that cannot be used (with their reasons in the index).
    pub skipped: usize,
    /// Whether the index file was (re)written.
    pub saved: bool,
}

/// The on-disk form.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct IndexFile {
    version: u32,
    root: PathBuf,
    pub(crate) items: Vec<LibraryItem>,
}

/// Whether `name` (lower-cased extension) is a media file, and which kind.
fn media_kind(path: &Path) -> Option<LibraryMedia> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    if IMAGE_EXTENSIONS.contains(&ext.as_str()) {
        Some(LibraryMedia::Image)
    } else if CLIP_EXTENSIONS.contains(&ext.as_str()) {
        Some(LibraryMedia::Clip)
    } else {
        None
    }
}

/// `path` under `root`, `/`-separated.
fn rel_of(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// A media file found by the walk.
struct Found {
    path: PathBuf,
    media: LibraryMedia,
    stamp: Stamp,
}

/// Check that `root` is a folder that can be listed.
///
/// # Errors
/// `NotFound` when it does not exist, `InvalidRequest` when it is not a folder, `Io`-kinded
/// errors (e.g. `PermissionDenied`) when it cannot be listed; each names the path.
pub(crate) fn check_root(root: &Path) -> Result<()> {
    let meta = std::fs::metadata(root).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            Error::new(
                ErrorKind::NotFound,
                format!("media library {} does not exist", root.display()),
            )
        } else {
            Error::io(format!("reading media library {}", root.display()), e)
        }
    })?;
    if !meta.is_dir() {
        return Err(Error::invalid_request(format!(
            "media library {} is not a folder",
            root.display()
        )));
    }
    std::fs::read_dir(root)
        .map_err(|e| Error::io(format!("listing media library {}", root.display()), e))?;
    Ok(())
}

/// Every media file under `dir` (hidden files and folders skipped), and the stamps of every
/// other file (sidecar candidates) keyed by path.
fn walk(
    dir: &Path,
    depth: usize,
    media: &mut Vec<Found>,
    others: &mut BTreeMap<PathBuf, Stamp>,
) -> Result<()> {
    if depth > MAX_DEPTH {
        tracing::warn!(folder = %dir.display(), "media library nested too deep; not followed");
        return Ok(());
    }
    let rd = std::fs::read_dir(dir)
        .map_err(|e| Error::io(format!("listing media library folder {}", dir.display()), e))?;
    for entry in rd {
        let entry = entry
            .map_err(|e| Error::io(format!("listing media library folder {}", dir.display()), e))?;
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        // Follows symbolic links; a dangling one is skipped.
        let Ok(meta) = std::fs::metadata(&path) else {
            tracing::warn!(file = %path.display(), "media library entry cannot be read; skipped");
            continue;
        };
        if meta.is_dir() {
            walk(&path, depth + 1, media, others)?;
        } else if let Some(kind) = media_kind(&path) {
            media.push(Found {
                path,
                media: kind,
                stamp: Stamp::of(&meta),
            });
        } else {
            others.insert(path, Stamp::of(&meta));
        }
    }
    Ok(())
}

/// The sidecar files of `media` that exist: `<stem>.txt`, `<stem>.tags`, `<name>.tags`.
fn sidecars_of<'a>(
    media: &Path,
    others: &'a BTreeMap<PathBuf, Stamp>,
) -> Vec<(&'a PathBuf, &'a Stamp)> {
    let mut names = vec![media.with_extension("txt"), media.with_extension("tags")];
    let mut full = media.as_os_str().to_owned();
    full.push(".tags");
    names.push(PathBuf::from(full));
    names
        .iter()
        .filter_map(|n| others.get_key_value(n))
        .collect()
}

/// Probe one media file: its size (and length), or why it cannot be used.
fn probe(path: &Path, rel: &str, media: LibraryMedia) -> (u32, u32, Option<f64>, Option<String>) {
    match media {
        LibraryMedia::Image => {
            let bytes = match std::fs::read(path) {
                Ok(b) => b,
                Err(e) => return (0, 0, None, Some(format!("{rel}: cannot be read: {e}"))),
            };
            match decode_image(&bytes, rel) {
                Ok(img) => (img.width(), img.height(), None, None),
                Err(e) => (0, 0, None, Some(e.message().to_owned())),
            }
        }
        LibraryMedia::Clip => match ClipSource::open(path) {
            Ok(src) => {
                let i = src.info();
                (i.width, i.height, Some(i.duration_secs), None)
            }
            Err(e) => (0, 0, None, Some(format!("{rel}: {}", e.message()))),
        },
    }
}

/// Index `root`, reusing `previous` entries for unchanged files.
pub(crate) fn build(root: &Path, previous: Option<&IndexFile>) -> Result<(IndexFile, IndexStats)> {
    check_root(root)?;
    let key = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let mut found = Vec::new();
    let mut others = BTreeMap::new();
    walk(root, 0, &mut found, &mut others)?;
    found.sort_by(|a, b| a.path.cmp(&b.path));

    let old: BTreeMap<&str, &LibraryItem> = previous
        .filter(|p| p.version == INDEX_VERSION && p.root == key)
        .map(|p| p.items.iter().map(|i| (i.path.as_str(), i)).collect())
        .unwrap_or_default();
    let mut stats = IndexStats {
        files: found.len(),
        ..IndexStats::default()
    };
    let mut items = Vec::with_capacity(found.len());
    for f in found {
        let rel = rel_of(root, &f.path);
        let before = old.get(rel.as_str()).filter(|i| i.media == f.media);
        let mut item = match before {
            Some(i) if i.stamp.unchanged(&f.stamp) => {
                stats.reused += 1;
                (*i).clone()
            }
            _ => {
                stats.probed += 1;
                let (width, height, duration_secs, skipped) = probe(&f.path, &rel, f.media);
                if let Some(why) = &skipped {
                    tracing::warn!(file = %rel, reason = %why, "media library file skipped");
                }
                LibraryItem {
                    path: rel.clone(),
                    media: f.media,
                    width,
                    height,
                    duration_secs,
                    skipped,
                    stamp: f.stamp,
                    sidecars: Vec::new(),
                }
            }
        };
        let old_sidecars = before.map(|i| i.sidecars.as_slice()).unwrap_or_default();
        item.sidecars = sidecars_of(&f.path, &others)
            .into_iter()
            .filter_map(|(path, stamp)| {
                let srel = rel_of(root, path);
                if let Some(s) = old_sidecars
                    .iter()
                    .find(|s| s.path == srel && s.stamp.unchanged(stamp))
                {
                    return Some(s.clone());
                }
                stats.sidecars_read += 1;
                match std::fs::read_to_string(path) {
                    Ok(text) => Some(Sidecar {
                        path: srel,
                        stamp: *stamp,
                        text,
                    }),
                    Err(e) => {
                        tracing::warn!(file = %srel, error = %e, "sidecar tags unreadable; ignored");
                        None
                    }
                }
            })
            .collect();
        if item.skipped.is_some() {
            stats.skipped += 1;
        }
        items.push(item);
    }
    Ok((
        IndexFile {
            version: INDEX_VERSION,
            root: key,
            items,
        },
        stats,
    ))
}

/// Read an index file; `None` when it is missing or cannot be used (it is then rebuilt).
pub(crate) fn load(path: &Path) -> Option<IndexFile> {
    let bytes = std::fs::read(path).ok()?;
    match serde_json::from_slice::<IndexFile>(&bytes) {
        Ok(f) if f.version == INDEX_VERSION => Some(f),
        Ok(_) => None,
        Err(e) => {
            tracing::warn!(file = %path.display(), error = %e, "media library index unreadable; rebuilding it");
            None
        }
    }
}

/// Write the index to `path` atomically.
///
/// # Errors
/// `Io`-kinded errors naming the path when it cannot be written.
pub(crate) fn save(path: &Path, index: &IndexFile) -> Result<()> {
    let json = serde_json::to_vec(index)
        .map_err(|e| Error::internal(format!("serialising the media library index: {e}")))?;
    ytempire_core::fs::write_atomic_blocking(path, &json)
}

/// Whether two indexes hold the same items (so an unchanged index is not rewritten).
pub(crate) fn same(a: &IndexFile, b: &IndexFile) -> bool {
    a.version == b.version && a.root == b.root && a.items == b.items
}

//! [`LocalFolder`]: the user's own media library, a folder of images and video clips searched
//! like a stock source.
//!
//! # What is in a library
//!
//! Every file under the folder, in sub-folders too (hidden files and folders, whose names
//! start with `.`, are left out):
//!
//! - images: `.png`, `.jpg`/`.jpeg`, `.webp`;
//! - clips: `.mp4`/`.m4v`, H.264 video (what phones and stock sites give). A clip in
//!   another codec (H.265, VP9, AV1), a corrupt or truncated file, or an image that does not
//!   decode is *skipped with its reason* (logged, listed by [`LibraryIndex::skipped`]); it
//!   never fails the search.
//!
//! A file is known by the words of its path: its folder names and its file stem, with `-`,
//! `_` and `.` read as spaces (`ocean/blue-whale_01.jpg` → `ocean blue whale 01`), plus the
//! text of its *sidecar tag files* when they exist next to it: `<stem>.txt`, `<stem>.tags`
//! or `<file name>.tags` (`blue-whale_01.txt`, `blue-whale_01.tags`, `blue-whale_01.jpg.tags`,
//! the last as the music library names them). A sidecar is plain UTF-8 text; every word in
//! it is a tag, whatever separates them (spaces, commas, new lines), e.g.
//! `humpback, breaching, Atlantic`. These words are each candidate's
//! [`Visual::description`], by which the ranked visuals stage ([`super::RankedVisuals`])
//! scores it against what the scene says.
//!
//! # Searching
//!
//! [`ImageSource::fetch`] returns the files sharing the most (stemmed) words with the query,
//! best first, fewer other words breaking ties, then by path; at most `request.count`, never
//! an excluded id (`local:<path under the folder>`). Clips are returned only when the
//! request allows video ([`ImageRequest::allow_video`], as the ranked visuals stage does);
//! they keep their length ([`Visual::duration_secs`]), and the compositors loop a clip shorter
//! than its scene and trim a longer one ([`crate::scene::ClipPlayback`]). When only unusable
//! files match, the error is `InvalidResponse` listing each one's reason; when nothing
//! matches, `NotFound`.
//!
//! # The index
//!
//! The folder is indexed on first use (or by [`LocalFolder::index`]): images are decoded and
//! clips probed once, and what was found is kept in memory and, with
//! [`LocalFolder::with_index_file`], on disk, so the next run reads only the files whose size
//! or modification time changed (see the `index` module). Put the index file in a data
//! folder of your own (`ytempire` uses `DATA_DIR/library-index.json`), so a read-only library
//! works.
//!
//! ```no_run
//! # async fn demo() -> ytempire_core::Result<()> {
//! use ytempire_core::ImageSourceExt;
//! use ytempire_render::sources::LocalFolder;
//! let lib = LocalFolder::new("assets/broll").with_index_file("data/library-index.json");
//! let index = lib.index()?;
//! println!("{} usable files, {} skipped", index.usable().count(), index.skipped().count());
//! let visual = lib.fetch_one("blue whale", 1080, 1920).await?;
//! println!("{} is {}x{}", visual.id, visual.width, visual.height);
//! # Ok(()) }
//! ```

mod index;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use ytempire_core::{
    Capabilities, Error, ErrorKind, ImageRequest, ImageResponse, ImageSource, MediaKind,
    ProviderInfo, Result, Usage, Visual,
};

pub use index::{IndexStats, LibraryItem, LibraryMedia};

use super::relevance::Relevance;
use index::IndexFile;

/// File extensions a library indexes: still images, then clips (lower case).
pub const LIBRARY_EXTENSIONS: [&str; 6] = ["png", "jpg", "jpeg", "webp", "mp4", "m4v"];

/// A library item with the stemmed terms it is searched by.
#[derive(Debug, Clone)]
struct Searchable {
    item: LibraryItem,
    description: String,
    terms: BTreeSet<String>,
}

/// The indexed state shared by the clones of a [`LocalFolder`].
#[derive(Debug, Default)]
struct State {
    /// The last index built (as stored), for the next pass to reuse.
    file: Option<IndexFile>,
    /// Its items, ready to search.
    items: Arc<Vec<Searchable>>,
}

/// The user's images and clips in a folder, matched to the query by file and folder names
/// and sidecar tags (see the module docs).
#[derive(Debug, Clone)]
pub struct LocalFolder {
    root: PathBuf,
    index_file: Option<PathBuf>,
    state: Arc<Mutex<State>>,
}

impl std::fmt::Display for LocalFolder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LocalFolder({})", self.root.display())
    }
}

/// One indexing pass's result: every media file found and what the pass did.
#[derive(Debug, Clone)]
pub struct LibraryIndex {
    items: Vec<LibraryItem>,
    stats: IndexStats,
}

impl LibraryIndex {
    /// Every media file, usable or not, by path.
    pub fn items(&self) -> &[LibraryItem] {
        &self.items
    }

    /// The files that can be shown.
    pub fn usable(&self) -> impl Iterator<Item = &LibraryItem> {
        self.items.iter().filter(|i| i.skipped.is_none())
    }

    /// The files that cannot, with why: `(path under the folder, reason)`.
    pub fn skipped(&self) -> impl Iterator<Item = (&str, &str)> {
        self.items
            .iter()
            .filter_map(|i| i.skipped.as_deref().map(|why| (i.path.as_str(), why)))
    }

    /// What the pass read, reused and wrote.
    pub fn stats(&self) -> IndexStats {
        self.stats
    }
}

impl LocalFolder {
    /// A library over the images and clips under `root` (indexed on first use, in memory).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self {
            root: root.into(),
            index_file: None,
            state: Arc::new(Mutex::new(State::default())),
        }
    }

    /// Keep the index on disk at `path` (JSON, written atomically when it changes), so later
    /// runs probe only new and changed files.
    #[must_use]
    pub fn with_index_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.index_file = Some(path.into());
        self
    }

    /// The folder searched.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the index is kept on disk, if anywhere.
    pub fn index_file(&self) -> Option<&Path> {
        self.index_file.as_deref()
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, State>> {
        self.state
            .lock()
            .map_err(|_| Error::internal("media library index lock poisoned"))
    }

    /// (Re)index the folder now, blocking: new and changed files are probed, unchanged ones
    /// reused from the last index (in memory, else the index file), and the index file is
    /// rewritten when anything changed. Searches use the result.
    ///
    /// # Errors
    /// `NotFound` when the folder does not exist, `InvalidRequest` when it is not a folder,
    /// an I/O error when it cannot be listed; each names the folder. Unusable files are not
    /// errors (see [`LibraryIndex::skipped`]); an index file that cannot be written is logged
    /// and the index kept in memory.
    pub fn index(&self) -> Result<LibraryIndex> {
        let previous = {
            let state = self.lock()?;
            state.file.clone()
        };
        let on_disk = match (&previous, &self.index_file) {
            (None, Some(path)) => index::load(path),
            _ => None,
        };
        let (built, mut stats) = index::build(&self.root, previous.as_ref().or(on_disk.as_ref()))?;
        if let Some(path) = &self.index_file {
            let unchanged = previous
                .as_ref()
                .or(on_disk.as_ref())
                .is_some_and(|p| index::same(p, &built))
                && path.exists();
            if !unchanged {
                match index::save(path, &built) {
                    Ok(()) => stats.saved = true,
                    Err(e) => tracing::warn!(
                        file = %path.display(),
                        error = %e,
                        "media library index not saved; it is rebuilt next run"
                    ),
                }
            }
        }
        let relevance = Relevance::english();
        let items: Vec<Searchable> = built
            .items
            .iter()
            .map(|item| {
                let description = item.description();
                Searchable {
                    terms: relevance.terms(&description),
                    description,
                    item: item.clone(),
                }
            })
            .collect();
        let out = LibraryIndex {
            items: built.items.clone(),
            stats,
        };
        let mut state = self.lock()?;
        state.file = Some(built);
        state.items = Arc::new(items);
        Ok(out)
    }

    /// The searchable items, indexing first if this library has not been indexed yet.
    async fn items(&self) -> Result<Arc<Vec<Searchable>>> {
        {
            let state = self.lock()?;
            if state.file.is_some() {
                return Ok(state.items.clone());
            }
        }
        let me = self.clone();
        tokio::task::spawn_blocking(move || me.index())
            .await
            .map_err(|e| Error::internal(format!("media library indexing task failed: {e}")))??;
        Ok(self.lock()?.items.clone())
    }

    /// The visual for a usable item.
    fn visual(&self, s: &Searchable, query: &str) -> Visual {
        let item = &s.item;
        let path = self.root.join(&item.path);
        let mut v = Visual::image_file(
            format!("local:{}", item.path),
            item.width,
            item.height,
            path,
        )
        .with_origin("local", query.to_owned())
        .with_description(s.description.clone());
        if item.media == LibraryMedia::Clip {
            v.kind = MediaKind::VideoClip;
            v.duration_secs = item.duration_secs;
        }
        v
    }
}

#[async_trait]
impl ImageSource for LocalFolder {
    fn info(&self) -> ProviderInfo {
        ProviderInfo::new("local", "folder", Capabilities::new())
    }

    /// Sizes are reported, not filtered: a picture smaller than asked is still returned (the
    /// selector decides what is too small).
    async fn fetch(&self, request: &ImageRequest) -> Result<ImageResponse> {
        request.validate()?;
        let items = self.items().await?;
        let wanted = Relevance::english().terms(&request.query);
        let mut scored: Vec<(usize, &Searchable)> = items
            .iter()
            .filter(|s| request.allow_video || s.item.media == LibraryMedia::Image)
            .map(|s| (wanted.intersection(&s.terms).count(), s))
            .filter(|(score, _)| *score > 0)
            .collect();
        scored.sort_by(|a, b| {
            b.0.cmp(&a.0)
                .then_with(|| a.1.terms.len().cmp(&b.1.terms.len()))
                .then_with(|| a.1.item.path.cmp(&b.1.item.path))
        });

        let mut visuals = Vec::new();
        let mut skipped = Vec::new();
        for (_, s) in scored {
            if visuals.len() >= request.count as usize {
                break;
            }
            let id = format!("local:{}", s.item.path);
            if request.exclude.contains(&id) {
                continue;
            }
            match &s.item.skipped {
                None => visuals.push(self.visual(s, &request.query)),
                Some(why) => skipped.push(Error::new(ErrorKind::InvalidResponse, why.clone())),
            }
        }
        if visuals.is_empty() {
            let msg = format!(
                "no file in the media library {} matches {:?}",
                self.root.display(),
                request.query
            );
            return Err(if skipped.is_empty() {
                Error::new(ErrorKind::NotFound, msg)
            } else {
                Error::aggregate(msg, skipped)
            });
        }
        let usage = Usage {
            images: visuals.len() as u64,
            ..Usage::default()
        };
        Ok(ImageResponse::new(visuals, usage))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions_list_matches_the_index() {
        let mut all: Vec<&str> = index::IMAGE_EXTENSIONS.to_vec();
        all.extend(index::CLIP_EXTENSIONS);
        assert_eq!(all, LIBRARY_EXTENSIONS);
    }

    #[test]
    fn a_missing_folder_is_not_found_and_named() {
        let e = LocalFolder::new("/definitely/not/here")
            .index()
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound);
        assert!(e.message().contains("/definitely/not/here"), "{e}");
    }
}

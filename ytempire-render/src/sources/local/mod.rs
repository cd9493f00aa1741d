//! [`LocalFolder`]: pick images from a directory by matching the query against file names
//! and optional sidecar tags.
//!
//! Every image file (`.png`, `.jpg`, `.jpeg`) under the folder (recursively) is a candidate.
//! Its tags are the words of its path relative to the folder (`ocean/blue-whale_01.jpg` →
//! `ocean blue whale 01`) plus, when a sidecar `<file stem>.txt` sits next to it, the words in
//! that file. A candidate scores one point per query word found among its tags (plurals
//! folded); the best scores win, ties broken by path. Each visual's description is its path
//! words and sidecar text, for the ranked visuals stage. Candidates are decoded before they are
//! returned, so a corrupt or zero-byte file is skipped (and logged) rather than handed out.
//!
//! ```no_run
//! # async fn demo() -> ytempire_core::Result<()> {
//! use ytempire_core::ImageSourceExt;
//! use ytempire_render::sources::LocalFolder;
//! let lib = LocalFolder::new("assets/broll");
//! let visual = lib.fetch_one("blue whale", 1080, 1920).await?;
//! println!("{} is {}x{}", visual.id, visual.width, visual.height);
//! # Ok(()) }
//! ```

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use ytempire_core::{
    Capabilities, Error, ErrorKind, ImageRequest, ImageResponse, ImageSource, ProviderInfo, Result,
    Usage, Visual,
};

use super::inspect::decode_image;

const EXTENSIONS: &[&str] = &["png", "jpg", "jpeg"];

/// Words that say nothing about a picture.
const STOP_WORDS: &[&str] = &[
    "the", "an", "of", "in", "on", "and", "with", "for", "to", "at", "by", "from", "jpg", "jpeg",
    "png", "txt", "is", "it", "its", "this", "that",
];

/// Images from a local directory, matched to the query by name and sidecar tags.
#[derive(Debug, Clone)]
pub struct LocalFolder {
    root: PathBuf,
}

impl std::fmt::Display for LocalFolder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LocalFolder({})", self.root.display())
    }
}

/// Lower-case words of `text`, plurals folded (`whales` → `whale`), one-letter words dropped.
pub(crate) fn words(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() > 1)
        .filter(|w| !STOP_WORDS.contains(&w.to_lowercase().as_str()))
        .map(|w| {
            let w = w.to_lowercase();
            match w.strip_suffix('s') {
                Some(stem) if stem.len() > 2 && !stem.ends_with('s') => stem.to_owned(),
                _ => w,
            }
        })
        .collect()
}

/// One candidate file and its tags.
#[derive(Debug)]
struct Entry {
    path: PathBuf,
    rel: String,
    tags: BTreeSet<String>,
    /// The file's path words and sidecar text, for ranking.
    description: String,
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) -> Result<()> {
    if depth > 16 {
        return Ok(());
    }
    let rd =
        std::fs::read_dir(dir).map_err(|e| Error::io(format!("listing {}", dir.display()), e))?;
    for entry in rd {
        let entry = entry.map_err(|e| Error::io(format!("listing {}", dir.display()), e))?;
        let path = entry.path();
        let ft = entry
            .file_type()
            .map_err(|e| Error::io(format!("inspecting {}", path.display()), e))?;
        if ft.is_dir() {
            walk(&path, out, depth + 1)?;
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
        {
            out.push(path);
        }
    }
    Ok(())
}

impl LocalFolder {
    /// A source over the images under `root`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The folder searched.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn scan(&self) -> Result<Vec<Entry>> {
        let mut paths = Vec::new();
        walk(&self.root, &mut paths, 0)?;
        paths.sort();
        Ok(paths
            .into_iter()
            .map(|path| {
                let rel = path
                    .strip_prefix(&self.root)
                    .unwrap_or(&path)
                    .to_string_lossy()
                    .replace('\\', "/");
                let stem_rel = rel.rsplit_once('.').map_or(rel.as_str(), |(s, _)| s);
                let mut tags = words(stem_rel);
                let mut description = stem_rel.replace(['/', '-', '_'], " ");
                let sidecar = path.with_extension("txt");
                if let Ok(text) = std::fs::read_to_string(&sidecar) {
                    tags.extend(words(&text));
                    description.push_str("; ");
                    description.push_str(text.trim());
                }
                Entry {
                    path,
                    rel,
                    tags,
                    description,
                }
            })
            .collect())
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
        let wanted = words(&request.query);
        let mut scored: Vec<(usize, Entry)> = self
            .scan()?
            .into_iter()
            .map(|e| (wanted.intersection(&e.tags).count(), e))
            .filter(|(score, _)| *score > 0)
            .collect();
        scored.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.rel.cmp(&b.1.rel)));

        let mut visuals = Vec::new();
        let mut skipped = Vec::new();
        for (_, entry) in scored {
            if visuals.len() >= request.count as usize {
                break;
            }
            let id = format!("local:{}", entry.rel);
            if request.exclude.contains(&id) {
                continue;
            }
            let bytes = match std::fs::read(&entry.path) {
                Ok(b) => b,
                Err(e) => {
                    skipped.push(Error::io(format!("reading {}", entry.path.display()), e));
                    continue;
                }
            };
            match decode_image(&bytes, &entry.rel) {
                Ok(img) => visuals.push(
                    Visual::image_file(id, img.width(), img.height(), entry.path)
                        .with_origin("local", request.query.clone())
                        .with_description(entry.description),
                ),
                Err(e) => {
                    tracing::warn!(file = %entry.rel, error = %e, "skipping unreadable image");
                    skipped.push(e);
                }
            }
        }
        if visuals.is_empty() {
            let msg = format!(
                "no image in {} matches {:?}",
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
    fn words_fold_plurals_and_case() {
        let w = words("Blue-Whales_swimming in OCEANS.jpg");
        for k in ["blue", "whale", "swimming", "ocean"] {
            assert!(w.contains(k), "{k} missing from {w:?}");
        }
        assert!(!w.contains("in") && !w.contains("jpg"), "{w:?}");
        assert!(words("glass").contains("glass"));
    }
}

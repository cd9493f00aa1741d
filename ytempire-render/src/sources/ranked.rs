//! [`RankedVisuals`]: the visuals stage that picks, for every narration part, the candidate
//! whose text best matches what is being said, through a [`VisualSelector`].
//!
//! For each part (hook, scenes, outro):
//! 1. queries: the scene's visual cue (plus the channel's style, [`VisualSelector::query_for`]),
//!    then the narration's key words ([`key_words`]); the hook and outro use the title;
//! 2. sources are asked in order (stock, library, AI, procedural), each with the first query
//!    and, when nothing fitting came back, the next; already used ids, and the ids the
//!    channel's last videos used ([`VisualHistory`]), are excluded. Each ask is for one
//!    candidate, allows video clips and carries the part's narration
//!    ([`ImageRequest::context`]): the stock sources (Pexels, Pixabay) search photos and
//!    clips, rank every result by its text, and download only the best. When the selector
//!    refuses it, the next best is asked for with the refused one excluded (the search is
//!    cached, so that costs one download), up to [`RankedVisuals::with_candidates`] times;
//! 3. a candidate that carries text ([`Visual::description`]) is scored by [`Relevance`];
//!    at or above [`RankedVisuals::with_min_relevance`] it is tried through
//!    [`VisualSelector`]'s checks (decodable, minimum resolution at the frame's aspect,
//!    cropped to the frame, no near-duplicate); below it, the source has nothing better
//!    (it answers best first) and the next query or source is asked. Candidates with no
//!    text (generated for the query: AI, procedural) are taken as they come;
//! 4. when no source had a fitting candidate, the best-scoring usable one is taken.
//!
//! The chosen visual keeps its description and carries its score ([`Visual::relevance`]) and
//! the source that answered ([`Visual::answered_by`]): the pipeline stores both in the job's
//! `visuals` artifact. Stock attribution rides on each visual (`Visual::attribution`); the
//! pipeline appends the credits to the upload's description (core's `with_credits`). When
//! every part has a visual, the ids are recorded in the history.

use std::collections::HashSet;

use async_trait::async_trait;
use ytempire_core::pipeline::{JobSpec, KeepInMemory, VisualSink, VisualsStage, report_progress};
use ytempire_core::{
    DynImageSource, Error, ImageRequest, Provenance, Result, Scene, Script, Visual,
};

use super::history::VisualHistory;
use super::procedural::query_seed;
use super::relevance::{Relevance, SceneTerms, key_words};
use super::selector::{SelectorConfig, VisualSelector};

/// Default least relevance a stock candidate needs to be preferred over the next source.
pub const DEFAULT_MIN_RELEVANCE: f64 = 0.3;

/// Default candidates asked of a source per query (see [`RankedVisuals::with_candidates`]).
pub const DEFAULT_CANDIDATES: u32 = 3;

/// Candidates below the bar kept per part in case no source has a fitting one.
const KEEP_UNFIT: usize = 2;

/// The ranked visuals stage (see the module docs).
#[derive(Debug, Clone)]
pub struct RankedVisuals {
    sources: Vec<DynImageSource>,
    history: Option<VisualHistory>,
    min_relevance: f64,
    candidates: u32,
    min_resolution: Option<(u32, u32)>,
}

/// One narration part to find a visual for.
struct Part {
    narration: String,
    cue: String,
}

/// A candidate and its score (`None`: generated for the query, not ranked).
struct Scored {
    visual: Visual,
    score: Option<f64>,
    by: Provenance,
}

impl RankedVisuals {
    /// Rank candidates from `sources`, asked in order (put procedural last: it always answers).
    pub fn new(sources: Vec<DynImageSource>) -> Self {
        Self {
            sources,
            history: None,
            min_relevance: DEFAULT_MIN_RELEVANCE,
            candidates: DEFAULT_CANDIDATES,
            min_resolution: None,
        }
    }

    /// Remember each channel's visuals in `history` and never reuse its last videos' ones.
    #[must_use]
    pub fn with_history(mut self, history: VisualHistory) -> Self {
        self.history = Some(history);
        self
    }

    /// The least relevance (0–1) a candidate needs to be taken before the next source is
    /// asked (default [`DEFAULT_MIN_RELEVANCE`]).
    #[must_use]
    pub fn with_min_relevance(mut self, score: f64) -> Self {
        self.min_relevance = score.clamp(0.0, 1.0);
        self
    }

    /// How many candidates each source is asked for per query, one at a time, while the
    /// selector refuses them (default [`DEFAULT_CANDIDATES`]): a stock source downloads
    /// only the best of its ranked search results per ask.
    #[must_use]
    pub fn with_candidates(mut self, n: u32) -> Self {
        self.candidates = n.max(1);
        self
    }

    /// Smallest source region (at the frame's aspect) accepted; default half the frame.
    #[must_use]
    pub fn with_min_resolution(mut self, width: u32, height: u32) -> Self {
        self.min_resolution = Some((width, height));
        self
    }

    /// The narration parts of `script` with what to show for each, in
    /// [`Script::narration_parts`] order.
    fn parts(script: &Script) -> Vec<Part> {
        let mut parts = Vec::new();
        if !script.hook.trim().is_empty() {
            parts.push(Part {
                narration: script.hook.clone(),
                cue: script.title.clone(),
            });
        }
        for scene in script
            .scenes
            .iter()
            .filter(|s| !s.narration.trim().is_empty())
        {
            parts.push(Part {
                narration: scene.narration.clone(),
                cue: scene.visual_cue.clone(),
            });
        }
        if !script.outro.trim().is_empty() {
            parts.push(Part {
                narration: script.outro.clone(),
                cue: script.title.clone(),
            });
        }
        parts
    }

    /// The search queries for a part: the cue (with the channel style), then key words.
    fn queries(relevance: &Relevance, part: &Part, job: &JobSpec) -> Vec<String> {
        let scene = Scene::new(part.narration.clone(), part.cue.clone(), 1.0);
        let mut queries = vec![VisualSelector::query_for(&scene, Some(&job.channel))];
        let keys = key_words(relevance, &part.narration, 3).join(" ");
        if !keys.is_empty() && !queries.contains(&keys) {
            queries.push(keys);
        }
        queries
    }

    /// Pick one part's visual.
    async fn pick(
        &self,
        selector: &mut VisualSelector,
        relevance: &Relevance,
        part: &Part,
        job: &JobSpec,
        banned: &HashSet<String>,
    ) -> Result<Visual> {
        let terms = SceneTerms::new(relevance, &part.narration, &part.cue);
        let queries = Self::queries(relevance, part, job);
        let config = selector.config().clone();
        let mut unfit: Vec<Scored> = Vec::new();
        let mut skipped: Vec<Error> = Vec::new();
        for source in &self.sources {
            let by = Provenance::from(&source.info());
            for query in &queries {
                // One candidate per ask, best first: a stock source ranks its (cached) search
                // results and downloads only the best; when the selector refuses it, the
                // next best is asked for with the refused one excluded.
                let mut refused: Vec<String> = Vec::new();
                for attempt in 0..u64::from(self.candidates) {
                    let mut req = ImageRequest::new(query.clone(), config.width, config.height)
                        .with_orientation(config.orientation())
                        .with_seed(
                            query_seed(query)
                                ^ selector.used_ids().count() as u64
                                ^ attempt.rotate_left(32),
                        )
                        .with_theme(job.topic.title.clone())
                        .with_context(part.narration.clone());
                    // The selector probes clips and the compositors play them.
                    req.allow_video = true;
                    req.exclude = selector.used_ids().map(str::to_owned).collect();
                    req.exclude.extend(banned.iter().cloned());
                    req.exclude.extend(refused.iter().cloned());
                    req.exclude.sort();
                    req.exclude.dedup();
                    let resp = match source.fetch(&req).await {
                        Ok(resp) => resp,
                        Err(e) if e.should_fallback() => {
                            tracing::info!(source = %source, error = %e, "visual source failed");
                            skipped.push(e);
                            break;
                        }
                        Err(e) => return Err(e),
                    };
                    let answered = resp.answered_by.clone().unwrap_or_else(|| by.clone());
                    let mut scored: Vec<Scored> = resp
                        .visuals
                        .into_iter()
                        .filter(|v| !banned.contains(&v.id))
                        .map(|v| Scored {
                            score: (!v.description.trim().is_empty())
                                .then(|| relevance.score(&v.description, &terms)),
                            by: v.answered_by.clone().unwrap_or_else(|| answered.clone()),
                            visual: v,
                        })
                        .collect();
                    if scored.is_empty() {
                        break;
                    }
                    // Ranked candidates best first, then generated ones in their order.
                    scored.sort_by(|a, b| {
                        let key = |s: &Scored| s.score.unwrap_or(-1.0);
                        key(b).total_cmp(&key(a))
                    });
                    let mut worse_follow = false;
                    for candidate in scored {
                        refused.push(candidate.visual.id.clone());
                        if candidate.score.is_some_and(|x| x < self.min_relevance) {
                            // Sources answer best first: what comes next fits no better.
                            worse_follow = true;
                            if candidate.score.is_some_and(|x| x > 0.0) {
                                unfit.push(candidate);
                            }
                            continue;
                        }
                        match take(selector, candidate) {
                            Ok(v) => return Ok(v),
                            Err(e) => skipped.push(e),
                        }
                    }
                    unfit.sort_by(|a, b| b.score.unwrap_or(0.0).total_cmp(&a.score.unwrap_or(0.0)));
                    unfit.truncate(KEEP_UNFIT);
                    if worse_follow {
                        break;
                    }
                }
            }
        }
        for candidate in unfit {
            match take(selector, candidate) {
                Ok(v) => return Ok(v),
                Err(e) => skipped.push(e),
            }
        }
        // Last resort: the last source again, a look-alike of an earlier picture allowed (a
        // similar background beats no video).
        if let (Some(source), Some(query)) = (self.sources.last(), queries.first()) {
            let mut req = ImageRequest::new(query.clone(), config.width, config.height)
                .with_orientation(config.orientation())
                .with_seed(query_seed(query).rotate_left(17))
                .with_theme(job.topic.title.clone());
            req.exclude = selector.used_ids().map(str::to_owned).collect();
            if let Ok(resp) = source.fetch(&req).await {
                let by = resp
                    .answered_by
                    .clone()
                    .unwrap_or_else(|| Provenance::from(&source.info()));
                for mut visual in resp.visuals {
                    if visual.answered_by.is_none() {
                        visual.answered_by = Some(by.clone());
                    }
                    match selector.accept_with(visual, false) {
                        Ok((v, _)) => {
                            tracing::warn!(visual = %v.id, "no distinct picture: using a look-alike");
                            return Ok(v);
                        }
                        Err(e) => skipped.push(e),
                    }
                }
            }
        }
        Err(Error::aggregate(
            format!(
                "no source produced a usable visual for {:?} ({} attempts failed); add a source \
                 that always answers (procedural) last",
                part.cue,
                skipped.len()
            ),
            skipped,
        ))
    }
}

/// Run one candidate through the selector's checks; on success it carries its score and
/// source.
fn take(selector: &mut VisualSelector, candidate: Scored) -> Result<Visual> {
    let Scored {
        mut visual,
        score,
        by,
    } = candidate;
    visual.relevance = score;
    if visual.answered_by.is_none() {
        visual.answered_by = Some(by);
    }
    let id = visual.id.clone();
    let (visual, _hash) = selector.accept(visual).inspect_err(|e| {
        tracing::info!(visual = %id, error = %e, "visual candidate rejected");
    })?;
    tracing::info!(visual = %visual.id, score = ?visual.relevance, "visual chosen");
    Ok(visual)
}

#[async_trait]
impl VisualsStage for RankedVisuals {
    async fn visuals(&self, job: &JobSpec, script: &Script) -> Result<Vec<Visual>> {
        self.visuals_into(job, script, &mut KeepInMemory).await
    }

    async fn visuals_into(
        &self,
        job: &JobSpec,
        script: &Script,
        sink: &mut dyn VisualSink,
    ) -> Result<Vec<Visual>> {
        let mut config =
            SelectorConfig::new(job.video.width, job.video.height).with_candidates(self.candidates);
        if let Some((w, h)) = self.min_resolution {
            config = config.with_min_resolution(w, h);
        }
        let mut selector = VisualSelector::new(self.sources.clone(), config);
        let relevance = Relevance::english();
        let channel = job.channel.name.clone();
        let banned = match &self.history {
            Some(h) => h.recent(&channel, &job.id)?,
            None => HashSet::new(),
        };
        let parts = Self::parts(script);
        if parts.is_empty() {
            return Err(Error::invalid_request(
                "script has no narration to illustrate",
            ));
        }
        let total = parts.len();
        let mut out = Vec::with_capacity(total);
        for (i, part) in parts.iter().enumerate() {
            let visual = self
                .pick(&mut selector, &relevance, part, job, &banned)
                .await?;
            out.push(sink.keep(visual).await?);
            report_progress((i + 1) as f64 / total as f64);
        }
        if let Some(h) = &self.history {
            // Stock and library pictures only: generated ones are made afresh each time.
            let ids: Vec<String> = out
                .iter()
                .filter(|v| !v.description.is_empty())
                .map(|v| v.id.clone())
                .collect();
            h.record(&channel, &job.id, &ids)?;
        }
        Ok(out)
    }
}

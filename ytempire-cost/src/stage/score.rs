//! Scoring a finished job's artifacts: the scorers of [`crate::quality`] fed from the job
//! (script, narration measurements, sampled video frames, metadata, thumbnails).

use std::path::Path;

use ytempire_core::pipeline::QualityInputs;
use ytempire_core::{Result, Thumbnail, VideoSpec};

use crate::quality::{
    AudioExpectations, AudioMeasurements, QualityReport, QualityScore, SampledFrame, ScoreKind,
    SubScore, VideoLimits, VideoSample,
};

/// Render check from the render summary: the video's length against the narration's.
fn duration_check(inputs: &QualityInputs<'_>, audio: f64) -> SubScore {
    let video = inputs.render.duration_secs;
    let gap = (video - audio).abs();
    SubScore::new(
        "audio/video match",
        // The timeline holds the last picture half a second after the narration ends.
        10.0 - (gap - 0.75).max(0.0) * 5.0,
        format!("video {video:.2}s vs narration {audio:.2}s"),
    )
}

/// Render check from the render summary: the frame count against length × frame rate.
fn frame_count_check(inputs: &QualityInputs<'_>) -> SubScore {
    let video = inputs.render.duration_secs;
    let fps = f64::from(inputs.job.video.fps);
    let expected = (video * fps).round();
    let frames_ok = (inputs.render.frames as f64 - expected).abs() <= 1.0;
    SubScore::new(
        "frame count",
        if frames_ok { 10.0 } else { 3.0 },
        format!(
            "{} frames for {video:.2}s at {fps} fps",
            inputs.render.frames
        ),
    )
}

/// Decode one frame every `every_secs` of a rendered MP4 (at most 90, downscaled to 256 px
/// wide, with ytempire-render's [`sample_frames`](ytempire_render::stage::sample_frames))
/// into a [`VideoSample`] for the video scorer: declared size and rate from the file, and
/// the video's and narration's (`audio_secs`) durations. Blocking.
///
/// # Errors
/// Whatever the decoder reports for a missing or unreadable file.
pub fn sample_video(
    path: &Path,
    requested: VideoSpec,
    audio_secs: f64,
    every_secs: f64,
) -> Result<VideoSample> {
    let samples = ytempire_render::stage::sample_frames(path, every_secs)?;
    Ok(VideoSample::new(requested)
        .with_declared(samples.width, samples.height, samples.fps)
        .with_frames(
            samples
                .frames
                .into_iter()
                .map(|(at, image)| SampledFrame::new(at, image)),
        )
        .with_durations(samples.duration_secs, audio_secs)
        .with_limits(VideoLimits::default().with_duration_tolerance(1.0)))
}

/// What the narration is expected to sound like for `inputs`' channel (speaking rate from the
/// channel's words per minute ±20 %, the word timings, loudness as measured on the final mix
/// by the renderer).
pub fn audio_expectations(inputs: &QualityInputs<'_>) -> AudioExpectations {
    let wpm = f64::from(inputs.job.channel.words_per_minute);
    let mut expect = AudioExpectations::default()
        .with_word_timings(inputs.narration.timings.clone())
        .with_words_per_minute(wpm * 0.8, wpm * 1.2);
    if let Some(lufs) = inputs.render.loudness_lufs {
        expect = expect.with_measured_lufs(lufs);
    }
    expect
}

/// Score a finished job's artifacts with every scorer: script, the narration (`audio`,
/// measured from its WAV with [`measure_wav`](crate::quality::measure_wav) against
/// [`audio_expectations`]), the video (sampled frames from [`sample_video`] when given, plus
/// render checks), metadata and the first thumbnail variant (all variants must be under 2 MB).
pub fn score_job(
    inputs: &QualityInputs<'_>,
    audio: &AudioMeasurements,
    video: Option<&VideoSample>,
) -> QualityReport {
    let job = inputs.job;
    let mut report = QualityReport::new().with(
        ScoreKind::Script,
        crate::quality::score_script(
            &inputs.script.script,
            job.target_duration_secs,
            job.channel.words_per_minute,
            &job.channel.banned_terms,
        ),
    );
    report.insert(
        ScoreKind::Audio,
        crate::quality::score_audio_measurements(audio, &audio_expectations(inputs)),
    );
    let video_score = match video {
        // The sample's own duration check covers the summary's audio/video match.
        Some(sample) => {
            let mut parts = crate::quality::score_video(sample).parts;
            parts.push(frame_count_check(inputs));
            QualityScore::from_parts(parts)
        }
        None => QualityScore::from_parts(vec![
            duration_check(inputs, audio.duration_secs),
            frame_count_check(inputs),
        ]),
    };
    report.insert(ScoreKind::Video, video_score);
    report.insert(
        ScoreKind::Metadata,
        crate::quality::score_metadata(&inputs.script.metadata),
    );
    report.insert(ScoreKind::Thumbnail, thumbnail_score(inputs.thumbnails));
    report
}

/// The first variant scored; every variant must be under 2 MB.
fn thumbnail_score(thumbnails: &[Thumbnail]) -> QualityScore {
    let Some(first) = thumbnails.first() else {
        return QualityScore::from_parts(vec![SubScore::new(
            "present",
            0.0,
            "no thumbnail was made",
        )]);
    };
    let img = match image::load_from_memory(&first.data) {
        Ok(img) => img,
        Err(e) => {
            return QualityScore::from_parts(vec![SubScore::new(
                "decodes",
                0.0,
                format!("thumbnail does not decode: {e}"),
            )]);
        }
    };
    let score = crate::quality::score_thumbnail(&img.to_rgb8(), first.data.len());
    let oversized = thumbnails
        .iter()
        .filter(|t| t.data.len() >= Thumbnail::MAX_BYTES)
        .count();
    if oversized == 0 {
        return score;
    }
    QualityScore::from_parts(
        score
            .parts
            .into_iter()
            .chain([SubScore::new(
                "variants",
                0.0,
                format!("{oversized} variant(s) at or over 2 MB"),
            )])
            .collect(),
    )
}

//! The reference render job: 10 s of 1080p30 from one procedurally generated 1920×1080 still,
//! a centred Ken Burns zoom 1.0→1.3, one caption line ("Hello from the reference caption",
//! 64 px, 4 px stroke, 80 px above the bottom) and a spoken narration (espeak-ng when
//! installed, else a generated tone).
//!
//! ```text
//! cargo run --release -p ytempire-examples --example render_reference -- OUT.mp4 \
//!     [--cpu|--gpu] [--encoder auto|openh264|x264|libx264] [--preset ultrafast|veryfast] [--secs N] [--size WxH]
//!     (x264: libx264 through an ffmpeg process; libx264: in this process, `--features x264`)
//!     [--crf N|off]   (x264 constant quality under the bitrate ceiling; default 18, `off`: constant bitrate)
//!     [--tone-narration]   (a narration as long as the video, for memory measurements)
//!     [--still PATH]   (use this 1920×1080 image instead of the generated one, e.g. the
//!                       baseline's input in benches/render_vs_ffmpeg.sh)
//! ```
//!
//! Prints `frames_per_second: N`, `backend: gpu|cpu` (with `gpu_filter: exact|sampler`, see
//! `YTEMPIRE_GPU_FILTER`), the encoder and the peak RSS.

use std::path::{Path, PathBuf};
use std::process::Command;

use ytempire_core::{Motion, Segment, Timeline, VideoSpec, Visual, WordTiming};
use ytempire_render::encode::{EncoderChoice, FfmpegCodec, Preset};
use ytempire_render::pipeline::{CompositorChoice, RenderOptions, render_video};
use ytempire_render::scene::Easing;

const CAPTION: &str = "Hello from the reference caption";

fn still(path: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let img = image::RgbImage::from_fn(1920, 1080, |x, y| {
        let (fx, fy) = (x as f32 / 1920.0, y as f32 / 1080.0);
        let rings = ((fx - 0.5).hypot(fy - 0.5) * 40.0).sin() * 0.5 + 0.5;
        image::Rgb([
            (255.0 * fx) as u8,
            (255.0 * (0.3 + 0.7 * rings * fy)) as u8,
            (255.0 * (1.0 - fx) * 0.8) as u8,
        ])
    });
    img.save(path)?;
    Ok(())
}

fn narration(
    path: &Path,
    secs: f64,
    tone: bool,
) -> Result<&'static str, Box<dyn std::error::Error>> {
    let spoken = !tone
        && Command::new("espeak-ng")
            .arg("-w")
            .arg(path)
            .arg(format!("{CAPTION}. This is the ytempire reference render."))
            .status()
            .is_ok_and(|s| s.success());
    if spoken {
        return Ok("espeak-ng");
    }
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 48_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec)?;
    for i in 0..(secs * 48_000.0) as usize {
        let t = i as f64 / 48_000.0;
        let env = (t * 2.5 * std::f64::consts::PI).sin().abs();
        w.write_sample((9000.0 * env * (t * 180.0 * std::f64::consts::TAU).sin()) as i16)?;
    }
    w.finalize()?;
    Ok("tone")
}

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut out = PathBuf::from("render_reference.mp4");
    let mut opts = RenderOptions::default();
    let mut secs = 10.0f64;
    let mut tone = false;
    let mut size = (1920u32, 1080u32);
    let mut given_still = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--cpu" => opts.compositor = CompositorChoice::Cpu,
            "--gpu" => opts.compositor = CompositorChoice::Gpu,
            "--encoder" => {
                opts.encoder = match args.next().as_deref() {
                    Some("openh264") => EncoderChoice::OpenH264,
                    Some("x264") => EncoderChoice::Ffmpeg(FfmpegCodec::Libx264),
                    #[cfg(feature = "x264")]
                    Some("libx264") => EncoderChoice::X264,
                    _ => EncoderChoice::Auto,
                }
            }
            "--preset" => {
                opts.preset = match args.next().as_deref() {
                    Some("ultrafast") => Preset::Ultrafast,
                    Some("medium") => Preset::Medium,
                    _ => Preset::Veryfast,
                }
            }
            "--crf" => opts.crf = args.next().and_then(|s| s.parse().ok()),
            "--size" => {
                let v = args.next().unwrap_or_default();
                let mut it = v.split('x').map(|n| n.parse::<u32>().unwrap_or(0));
                size = (it.next().unwrap_or(0), it.next().unwrap_or(0));
            }
            // A narration as long as the video (a modulated tone), for memory measurements.
            "--tone-narration" => tone = true,
            "--still" => given_still = args.next().map(PathBuf::from),
            "--secs" => secs = args.next().and_then(|s| s.parse().ok()).unwrap_or(10.0),
            other => out = PathBuf::from(other),
        }
    }
    let work = std::env::temp_dir().join(format!("ytempire-reference-{}", std::process::id()));
    std::fs::create_dir_all(&work)?;
    let image = match given_still {
        Some(path) => path,
        None => {
            let generated = work.join("still.png");
            still(&generated)?;
            generated
        }
    };
    let voice = work.join("narration.wav");
    let voice_kind = narration(&voice, secs, tone)?;

    let segment = Segment::new(
        Visual::image_file("reference", 1920, 1080, image),
        0.0,
        secs,
    )
    .with_motion(Motion::KenBurns {
        from_zoom: 1.0,
        to_zoom: 1.3,
        from_center: (0.5, 0.5),
        to_center: (0.5, 0.5),
    });
    let mut timeline = Timeline::new(VideoSpec::new(size.0, size.1, 30)).with_segment(segment);
    let words: Vec<&str> = CAPTION.split(' ').collect();
    let per = secs / words.len() as f64;
    timeline.captions = words
        .iter()
        .enumerate()
        .map(|(i, w)| WordTiming::new(*w, i as f64 * per, (i + 1) as f64 * per))
        .collect();
    timeline.narration = Some(voice);
    opts.style.caption.font_px = 64.0;
    opts.style.caption.stroke_px = 4.0;
    opts.style.caption.bottom_px = Some(80.0);
    opts.style.caption.max_words = words.len();
    opts.style.easing = Easing::Linear;

    let report = render_video(&timeline, &opts, &out).await?;
    let _ = std::fs::remove_dir_all(&work);
    println!("frames_per_second: {:.2}", report.fps_achieved);
    println!("backend: {}", report.backend);
    if report.backend == ytempire_render::Backend::Gpu {
        // The filter the GPU compositor took from YTEMPIRE_GPU_FILTER.
        let filter = ytempire_render::gpu::ImageFilter::from_env();
        println!("gpu_filter: {}", filter.as_str());
    }
    println!("encoder: {}", report.encoder);
    println!("narration: {voice_kind}");
    println!("frames: {}", report.frames);
    println!("loudness_lufs: {:.2}", report.loudness_lufs);
    println!("true_peak_dbtp: {:.2}", report.true_peak_dbtp);
    println!("output_bytes: {}", report.output_bytes);
    if let Some(kib) = peak_rss_kib() {
        println!("peak_rss_kib: {kib}");
    }
    println!("output: {}", out.display());
    Ok(())
}

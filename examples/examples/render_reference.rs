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
use std::process::{Command, ExitCode};

use clap::{Parser, ValueEnum};
use ytempire_core::{Timeline, VideoSpec, Visual, WordTiming};
use ytempire_render::encode::{EncoderChoice, FfmpegCodec, Preset};
use ytempire_render::reference;
use ytempire_render::scene::Easing;
use ytempire_render::video::{CompositorChoice, RenderOptions, render_video};

/// Render the reference job: a Ken Burns zoom over one still, a caption line and a narration.
#[derive(Debug, Parser)]
#[command(name = "render_reference")]
struct Args {
    /// Where to write the MP4.
    #[arg(value_name = "OUT.mp4", default_value = "render_reference.mp4")]
    out: PathBuf,
    /// Composite on the CPU.
    #[arg(long, conflicts_with = "gpu")]
    cpu: bool,
    /// Composite on the GPU.
    #[arg(long)]
    gpu: bool,
    /// H.264 encoder (x264: libx264 through an ffmpeg process; libx264: in this process,
    /// needs `--features x264`).
    #[arg(long, value_enum, default_value_t = EncoderArg::Auto)]
    encoder: EncoderArg,
    /// Encoder speed preset.
    #[arg(long, value_enum, default_value_t = PresetArg::Veryfast)]
    preset: PresetArg,
    /// x264 constant quality under the bitrate ceiling (0-51), or `off` for constant bitrate
    /// [default: 18].
    #[arg(long, value_name = "N|off", value_parser = parse_crf)]
    crf: Option<Crf>,
    /// Video length in seconds.
    #[arg(long, value_name = "N", default_value_t = 10.0, value_parser = parse_secs)]
    secs: f64,
    /// Frame size.
    #[arg(long, value_name = "WxH", default_value = "1920x1080", value_parser = ytempire_examples::util::parse_size)]
    size: (u32, u32),
    /// A narration as long as the video (a modulated tone), for memory measurements.
    #[arg(long)]
    tone_narration: bool,
    /// Use this 1920×1080 image instead of the generated one (e.g. the baseline's input in
    /// benches/render_vs_ffmpeg.sh).
    #[arg(long, value_name = "PATH")]
    still: Option<PathBuf>,
}

/// `--encoder` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum EncoderArg {
    Auto,
    Openh264,
    X264,
    Libx264,
}

/// `--preset` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum PresetArg {
    Ultrafast,
    Veryfast,
    Medium,
}

/// A `--crf` value: a quality, or constant bitrate.
#[derive(Debug, Clone, Copy)]
struct Crf(Option<u8>);

fn parse_crf(s: &str) -> Result<Crf, String> {
    if s == "off" {
        return Ok(Crf(None));
    }
    match s.parse::<u8>() {
        Ok(n) if n <= 51 => Ok(Crf(Some(n))),
        _ => Err("expected a number from 0 to 51, or `off`".into()),
    }
}

fn parse_secs(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 && v <= 3600.0 => Ok(v),
        _ => Err("expected a number of seconds above 0 and at most 3600".into()),
    }
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
            .arg(format!(
                "{}. This is the ytempire reference render.",
                reference::CAPTION
            ))
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
async fn main() -> ExitCode {
    let args = Args::parse();
    ytempire_examples::util::finish("render_reference", run(args).await)
}

fn options(args: &Args) -> Result<RenderOptions, Box<dyn std::error::Error>> {
    let mut opts = RenderOptions::default();
    if args.cpu {
        opts.compositor = CompositorChoice::Cpu;
    }
    if args.gpu {
        opts.compositor = CompositorChoice::Gpu;
    }
    opts.encoder = match args.encoder {
        EncoderArg::Auto => EncoderChoice::Auto,
        EncoderArg::Openh264 => EncoderChoice::OpenH264,
        EncoderArg::X264 => EncoderChoice::Ffmpeg(FfmpegCodec::Libx264),
        #[cfg(feature = "x264")]
        EncoderArg::Libx264 => EncoderChoice::X264,
        #[cfg(not(feature = "x264"))]
        EncoderArg::Libx264 => {
            return Err("--encoder libx264 needs a build with `--features x264` \
                        (or use --encoder x264, libx264 through ffmpeg)"
                .into());
        }
    };
    opts.preset = match args.preset {
        PresetArg::Ultrafast => Preset::Ultrafast,
        PresetArg::Veryfast => Preset::Veryfast,
        PresetArg::Medium => Preset::Medium,
    };
    if let Some(Crf(crf)) = args.crf {
        opts.crf = crf;
    }
    Ok(opts)
}

async fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let mut opts = options(&args)?;
    if let Some(still) = &args.still
        && !still.is_file()
    {
        return Err(format!("--still {}: no such image file", still.display()).into());
    }
    let work = std::env::temp_dir().join(format!("ytempire-reference-{}", std::process::id()));
    std::fs::create_dir_all(&work)?;
    let result = render(&args, &mut opts, &work).await;
    let _ = std::fs::remove_dir_all(&work);
    result
}

async fn render(
    args: &Args,
    opts: &mut RenderOptions,
    work: &Path,
) -> Result<(), Box<dyn std::error::Error>> {
    let (secs, tone, size, out) = (args.secs, args.tone_narration, args.size, &args.out);
    let image = match args.still.clone() {
        Some(path) => path,
        None => {
            let generated = work.join("still.png");
            ytempire_render::reference::write_still(&generated)?;
            generated
        }
    };
    let voice = work.join("narration.wav");
    let voice_kind = narration(&voice, secs, tone)?;

    let segment = reference::segment(Visual::image_file("reference", 1920, 1080, image), secs);
    let mut timeline = Timeline::new(VideoSpec::new(size.0, size.1, 30)).with_segment(segment);
    let words: Vec<&str> = reference::CAPTION.split(' ').collect();
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

    let report = render_video(&timeline, opts, out).await?;
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

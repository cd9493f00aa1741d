//! Encoder throughput: frames per second of the H.264 encoders on a moving 720p gradient.
//!
//! `cargo bench -p ytempire-benches --bench encoder` (criterion reports elements/s = frames/s).
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "bench")]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ytempire_core::VideoSpec;
use ytempire_render::Frame;
use ytempire_render::encode::{
    EncoderChoice, EncoderSettings, FfmpegCodec, create_encoder, ffmpeg_has_encoder,
};

const FRAMES: u64 = 30;

fn frames(w: u32, h: u32) -> Vec<Frame> {
    (0..FRAMES)
        .map(|i| {
            let mut f = Frame::new(w, h).unwrap();
            for (p, px) in f.rgba.chunks_exact_mut(4).enumerate() {
                let (x, y) = (p % w as usize, p / w as usize);
                px.copy_from_slice(&[((x as u64 + i * 8) % 256) as u8, (y % 256) as u8, 100, 255]);
            }
            f
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let settings = EncoderSettings::youtube(&VideoSpec::new(1280, 720, 30)).unwrap();
    let input = frames(1280, 720);
    let mut group = c.benchmark_group("encoder_720p");
    group.sample_size(10);
    group.throughput(Throughput::Elements(FRAMES));
    let mut choices = vec![("openh264", EncoderChoice::OpenH264)];
    if ffmpeg_has_encoder("libx264") {
        choices.push((
            "ffmpeg_libx264",
            EncoderChoice::Ffmpeg(FfmpegCodec::Libx264),
        ));
    }
    for (name, choice) in choices {
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut enc = create_encoder(&choice, settings).unwrap();
                let mut n = 0;
                for f in &input {
                    n += enc.encode(f).unwrap().len();
                }
                n += enc.finish().unwrap().len();
                assert_eq!(n as u64, FRAMES);
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

//! Chinese, Japanese and Thai, which write no spaces between words: a script in each passes
//! script validation (words counted by dictionary segmentation, not whitespace), espeak-ng
//! narrates it with a word timing per dictionary word, and the render groups its captions
//! into phrases of a few short words (never a whole sentence as one "word").

use std::io::Cursor;
use std::time::Duration;

use image::{Rgba, RgbaImage};
use serde_json::json;
use ytempire_core::text::{word_count, words};
use ytempire_core::{
    ChannelProfile, Segment, Speech, SpeechRequest, SpeechSynthesizer, Timeline, VideoSpec, Visual,
};
use ytempire_llm::{ScriptPlan, Tolerance, parse_draft};
use ytempire_render::scene::{RenderPlan, SceneStyle};
use ytempire_tts::{EspeakNg, timing};

/// `(channel language, the espeak-ng voice it must pick, prose)` for each language.
const LANGUAGES: [(&str, &str, &str); 3] = [
    (
        "zh",
        "cmn",
        "章鱼是海洋里最奇怪的动物之一。它有三颗心脏和蓝色的血液。每条手臂都有自己的神经细胞，\
         所以手臂可以独立行动。科学家曾经认为这种柔软的动物不可能聪明。章鱼会打开瓶子，\
         也会从水箱里逃跑。它们的皮肤可以在一瞬间改变颜色。",
    ),
    (
        "ja",
        "ja",
        "タコは海の中でいちばん不思議な動物の一つです。心臓が三つあり、血は青い色をしています。\
         それぞれの腕には神経が集まっているので、腕は自分で動くことができます。\
         科学者はやわらかい動物が賢いはずはないと考えていました。タコは瓶のふたを開けたり、\
         水槽から逃げたりします。皮膚の色は一瞬で変わります。",
    ),
    (
        "th",
        "th",
        "ปลาหมึกยักษ์เป็นสัตว์ที่แปลกที่สุดในทะเล มันมีหัวใจสามดวงและเลือดสีน้ำเงิน \
         แขนแต่ละข้างมีเซลล์ประสาทของตัวเอง นักวิทยาศาสตร์เคยคิดว่าสัตว์ที่นิ่มแบบนี้ไม่ฉลาด \
         ปลาหมึกยักษ์เปิดขวดได้และหนีออกจากตู้ปลาได้ ผิวของมันเปลี่ยนสีได้ในพริบตา",
    ),
];

/// `n` words of `prose`, from word `from` on (cycling), joined as the script writes them.
fn take(prose: &str, n: usize, from: usize) -> String {
    let ws = words(prose);
    (0..n).map(|i| ws[(from + i) % ws.len()]).collect()
}

fn draft_json(prose: &str, plan: &ScriptPlan) -> String {
    let body = plan.total_words - plan.hook_words - plan.outro_words;
    let per_scene = body / plan.scenes;
    let scenes: Vec<_> = (0..plan.scenes)
        .map(|i| {
            json!({
                "narration": take(prose, per_scene, 11 * (i + 1)),
                "visual_cue": "octopus underwater",
                "on_screen_text": take(prose, 2, 3 * i),
            })
        })
        .collect();
    json!({
        "title": take(prose, 4, 0),
        "hook": take(prose, plan.hook_words, 0),
        "scenes": scenes,
        "outro": take(prose, plan.outro_words, 40),
        "metadata": {
            "title": take(prose, 5, 0),
            "description": take(prose, 20, 0),
            "tags": ["octopus", take(prose, 1, 0)],
            "hashtags": ["#octopus"],
        },
    })
    .to_string()
}

/// espeak-ng's narration of `text` in `language`, which a voice whose name starts with
/// `voice` must speak.
async fn narrate(espeak: &EspeakNg, text: &str, language: &str, voice: &str) -> Speech {
    let request = SpeechRequest::new(text).with_language(language);
    let speech = espeak.synthesize(&request).await.unwrap();
    assert!(
        speech.voice.starts_with(voice),
        "{language}: {}",
        speech.voice
    );
    speech
}

/// The render plan of a 640×360 video of one dark still as long as `speech`, captioned by
/// its word timings in `style`.
fn captioned(speech: &Speech, style: &SceneStyle) -> RenderPlan {
    let bg = RgbaImage::from_pixel(16, 9, Rgba([0, 0, 80, 255]));
    let mut png = Vec::new();
    bg.write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    let visual = Visual::image_bytes("bg", 16, 9, "image/png", png);
    let mut timeline = Timeline::new(VideoSpec::new(640, 360, 15)).with_segment(Segment::new(
        visual,
        0.0,
        speech.audio.duration_secs(),
    ));
    timeline.captions = speech.timings.clone();
    RenderPlan::from_timeline(&timeline, style).unwrap()
}

#[tokio::test]
async fn unspaced_scripts_validate_narrate_and_caption_by_words() {
    let plan = ScriptPlan::new(Duration::from_secs(30), 150);
    let espeak = EspeakNg::new();
    for (language, voice, prose) in LANGUAGES {
        // Dictionary words: a handful of characters each, never a whole sentence.
        let ws = words(prose);
        let chars = prose.chars().filter(|c| !c.is_whitespace()).count();
        assert!(
            ws.len() * 5 > chars && ws.len() * 3 / 2 < chars,
            "{language}: {} words in {chars} characters: {ws:?}",
            ws.len()
        );
        assert!(
            prose.split_whitespace().count() * 4 < ws.len(),
            "{language}"
        );

        // Script validation counts those words.
        let draft = parse_draft(&draft_json(prose, &plan)).unwrap();
        let mut channel = ChannelProfile::new("Octopus facts", "marine biology");
        channel.language = language.into();
        let problems = draft.problems(&plan, &Tolerance::default(), &channel);
        assert!(problems.is_empty(), "{language}: {problems:?}");
        let script = draft.to_script(&plan, language);
        let total = script.word_count();
        assert!(
            total.abs_diff(plan.total_words) * 100 <= plan.total_words * 15,
            "{language}: {total} words for {}",
            plan.total_words
        );

        // Narration: one timing per word, in order, inside the audio.
        let scene = &script.scenes[0].narration;
        // The channel's language picks the voice (`zh` finds Mandarin through espeak-ng's
        // other-language tags).
        let speech = narrate(&espeak, scene, language, voice).await;
        let dur = speech.audio.duration_secs();
        let timed: Vec<&str> = speech.timings.iter().map(|t| t.word.as_str()).collect();
        assert_eq!(timed, timing::words(scene), "{language}");
        assert_eq!(timed.len(), word_count(scene), "{language}");
        assert!(timing::check_monotonic(&speech.timings, dur), "{language}");
        for t in &speech.timings {
            assert!(t.word.chars().count() <= 12, "{language}: {t:?}");
            assert!(t.end_secs > t.start_secs, "{language}: {t:?}");
        }

        // Captions: phrases of a few words, each word lit while it is spoken.
        let style = SceneStyle::default();
        let render = captioned(&speech, &style);
        let mut phrases = 0;
        let mut last: Option<Vec<String>> = None;
        for t in &speech.timings {
            let (phrase, lit) = render
                .caption_at((t.start_secs + t.end_secs) / 2.0)
                .unwrap_or_else(|| panic!("{language}: no caption for {t:?}"));
            assert_eq!(phrase[lit], t.word, "{language}");
            assert!(phrase.len() <= style.caption.max_words, "{language}");
            let shown: usize = phrase.iter().map(|w| w.chars().count()).sum();
            assert!(shown <= 30, "{language}: {phrase:?}");
            let phrase: Vec<String> = phrase.into_iter().map(str::to_owned).collect();
            if last.as_ref() != Some(&phrase) {
                phrases += 1;
                last = Some(phrase);
            }
        }
        assert!(
            phrases * 2 >= speech.timings.len() / style.caption.max_words,
            "{language}: {phrases} phrases for {} words",
            speech.timings.len()
        );
        // Rendered: the caption is drawn (the script's glyphs are covered by a font) with
        // the spoken word lit.
        let first = &speech.timings[0];
        assert!(
            highlight_x(&render, (first.start_secs + first.end_secs) / 2.0).is_some(),
            "{language}: no lit caption word on the rendered frame"
        );
    }
}

/// The x centre of the caption's highlighted (spoken) word in a frame rendered at `t`, or
/// `None` when no highlight is drawn.
fn highlight_x(plan: &RenderPlan, t: f64) -> Option<f64> {
    use ytempire_render::{Compositor, CpuCompositor, Frame};
    let mut c = CpuCompositor::new();
    c.prepare(plan).unwrap();
    let mut f = Frame::new(plan.spec().width, plan.spec().height).unwrap();
    c.render_frame(plan, t, &mut f).unwrap();
    let (mut sum, mut n) = (0u64, 0u64);
    for (i, p) in f.rgba.chunks_exact(4).enumerate() {
        // The default highlight is (255, 214, 0); the other words are white.
        if p[0] > 200 && p[1] > 150 && p[1] < 240 && p[2] < 90 {
            sum += (i % f.width as usize) as u64;
            n += 1;
        }
    }
    (n > 20).then(|| sum as f64 / n as f64)
}

/// Arabic and Hebrew captions read right to left on the rendered pixels: within a caption
/// phrase each next spoken word lights up to the left of the one before (English, the
/// control, moves to the right). Narrated by espeak-ng's Arabic and Hebrew voices.
#[tokio::test]
async fn right_to_left_captions_light_words_from_right_to_left_on_pixels() {
    const CASES: [(&str, &str, bool); 3] = [
        (
            "ar",
            "الأخطبوط حيوان بحري ذكي جدا يغير لونه بسرعة كبيرة",
            true,
        ),
        ("he", "התמנון הוא בעל חיים ימי חכם מאוד שמשנה את צבעו", true),
        (
            "en",
            "The octopus is a very clever sea animal that changes colour",
            false,
        ),
    ];
    let espeak = EspeakNg::new();
    for (language, prose, rtl) in CASES {
        let speech = narrate(&espeak, prose, language, language).await;
        let plan = captioned(&speech, &SceneStyle::default());
        // (phrase, x of the lit word) at the middle of each spoken word.
        let mut steps = 0;
        let mut last: Option<(Vec<String>, f64)> = None;
        for w in &speech.timings {
            let mid = (w.start_secs + w.end_secs) / 2.0;
            let (phrase, _) = plan.caption_at(mid).unwrap();
            let phrase: Vec<String> = phrase.into_iter().map(str::to_owned).collect();
            let x = highlight_x(&plan, mid)
                .unwrap_or_else(|| panic!("{language}: no highlight for {w:?}"));
            if let Some((p, x0)) = &last
                && *p == phrase
            {
                let moved = x - x0;
                assert!(
                    if rtl { moved < -5.0 } else { moved > 5.0 },
                    "{language}: {:?} lit at x={x:.0} after x={x0:.0} in {phrase:?}",
                    w.word
                );
                steps += 1;
            }
            last = Some((phrase, x));
        }
        assert!(steps >= 3, "{language}: only {steps} steps within phrases");
    }
}

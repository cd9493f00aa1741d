//! Sentence banks of the offline writer: for each scenario a list of beats (what a scene
//! does), each with sentences that are filled from the topic, keywords, audience and niche.
//!
//! Placeholders: `{t}` topic phrase, `{k}` keyword of the scene, `{k2}` another keyword,
//! `{a}` audience, `{niche}`, `{ch}` channel name, `{n}` item number, `{item}` item text.

use crate::script::ContentScenario;

/// One beat: caption, visual cue and sentences, best first.
pub(super) struct Beat {
    pub(super) caption: &'static str,
    pub(super) visual: &'static str,
    pub(super) lines: &'static [&'static str],
}

macro_rules! beat {
    ($caption:expr, $visual:expr, [$($line:expr),+ $(,)?]) => {
        Beat { caption: $caption, visual: $visual, lines: &[$($line),+] }
    };
}

const EXPLAINER: &[Beat] = &[
    beat!(
        "The big question",
        "{k} close-up",
        [
            "Most of us run into {t} without ever stopping to ask how it really works.",
            "At first glance it looks simple, but there is more going on underneath.",
            "To make sense of it, we start with {k}.",
            "Once that piece clicks, the rest of the picture follows.",
        ]
    ),
    beat!(
        "The basics",
        "{k} diagram",
        [
            "Here is the short version: {k} is the piece everything else depends on.",
            "Think of it as the foundation that {k2} is built on.",
            "If you remember one idea from this video, make it this one.",
            "Everything that follows is a consequence of that simple starting point.",
        ]
    ),
    beat!(
        "How it works",
        "{k} in action",
        [
            "So how does it actually happen, step by step?",
            "First, {k} sets things in motion.",
            "Then {k2} responds, and the effect builds on itself.",
            "The result is what we notice from the outside, even though the cause stays hidden.",
        ]
    ),
    beat!(
        "A common myth",
        "person thinking about {k}",
        [
            "There is a popular explanation of {t} that turns out to be wrong.",
            "Many people assume it is all about {k2}, but that misses the real mechanism.",
            "The myth survives because it sounds reasonable and is easy to repeat.",
            "The real answer is less obvious and far more interesting.",
        ]
    ),
    beat!(
        "A real example",
        "everyday {k}",
        [
            "Let us make this concrete with an everyday example.",
            "Picture {k} on an ordinary day, the way most of us see it.",
            "Now watch what changes when {k2} enters the picture.",
            "The same principle shows up again and again once you know where to look.",
        ]
    ),
    beat!(
        "Why it matters",
        "{k} impact",
        [
            "Why should {a} care about any of this?",
            "Because {t} shapes decisions we make without noticing.",
            "Understanding {k} helps you spot bad explanations and ask better questions.",
            "And that is a skill that carries over to the whole field of {niche}.",
        ]
    ),
    beat!(
        "What comes next",
        "future of {k}",
        [
            "Researchers are still learning new things about {k}.",
            "Each answer opens a few new questions about {k2}.",
            "Keep an eye on this area, because the story is far from finished.",
            "The basics you learned today will make the next discovery easier to follow.",
        ]
    ),
];

const LISTICLE: &[Beat] = &[
    beat!(
        "#{n} {item}",
        "{item}",
        [
            "Number {n}: {item}.",
            "This one earns its place because it changes how you think about {t}.",
            "It sounds small, but the effect adds up quickly.",
            "Try it once and you will see why so many people swear by it.",
            "It pairs well with everything else on this list.",
        ]
    ),
    beat!(
        "#{n} {item}",
        "{item} example",
        [
            "Number {n} is {item}.",
            "Here is why it matters more than it first appears.",
            "Most people skip it, and that is exactly why it stands out.",
            "The best part is that it costs almost nothing to start.",
            "Give it a week and judge the results for yourself.",
        ]
    ),
    beat!(
        "#{n} {item}",
        "{item} close-up",
        [
            "Coming in at number {n}: {item}.",
            "This is the one that surprises people the most.",
            "It works because it connects directly to {k2}.",
            "Keep it simple at first, then build on it.",
            "Small, steady steps beat one big push.",
        ]
    ),
];

const NEWS: &[Beat] = &[
    beat!(
        "What happened",
        "{k} news footage",
        [
            "Here is what happened with {t}.",
            "The short version is that {k} moved to the center of attention.",
            "The details are still coming in, so we will stick to what is confirmed.",
            "Let us walk through it piece by piece.",
        ]
    ),
    beat!(
        "Who is involved",
        "{k} people",
        [
            "Several groups have a stake in how this plays out.",
            "The ones most directly affected are those closest to {k}.",
            "Their reactions so far tell us a lot about what comes next.",
            "Not everyone agrees on what this means.",
        ]
    ),
    beat!(
        "Why it matters",
        "{k} impact",
        [
            "So why does this matter for {a}?",
            "Because changes around {k} tend to ripple out into {k2}.",
            "Even if it feels distant today, the effects can show up quickly.",
            "That is why it is worth following closely.",
        ]
    ),
    beat!(
        "The context",
        "{k} archive",
        [
            "This did not come out of nowhere.",
            "Pressure around {k} has been building for a while.",
            "Seen in that light, the latest step makes more sense.",
            "History suggests the next phase will move faster.",
        ]
    ),
    beat!(
        "What to watch",
        "{k} next steps",
        [
            "Here is what to watch over the coming weeks.",
            "First, whether the people involved follow through.",
            "Second, how {k2} responds once the details are clear.",
            "We will update you as soon as there is confirmed news.",
        ]
    ),
];

const HOWTO: &[Beat] = &[
    beat!(
        "What you need",
        "{k} tools",
        [
            "Before you start, gather what you need.",
            "You do not need anything fancy to get good results with {t}.",
            "Having {k} ready before you begin saves time and frustration.",
            "Set aside a few quiet minutes so you can follow along.",
        ]
    ),
    beat!(
        "Step {n}: {item}",
        "{item} step",
        [
            "Step {n}: {item}.",
            "Take your time here, because the next steps build on it.",
            "If it feels awkward at first, that is completely normal.",
            "Check your progress before moving on.",
            "A little patience now prevents problems later.",
        ]
    ),
    beat!(
        "Avoid this mistake",
        "{k} mistake",
        [
            "Here is the mistake almost everyone makes.",
            "They rush past {k} and try to fix the result afterwards.",
            "Slow down at that point and the whole process gets easier.",
            "If something goes wrong, go back one step and try again.",
        ]
    ),
    beat!(
        "Check your result",
        "finished {k}",
        [
            "Now check the result.",
            "If it matches what you expected, you did it right.",
            "If not, compare each step with what you just saw.",
            "With a little practice, the whole thing becomes second nature.",
        ]
    ),
];

const STORY: &[Beat] = &[
    beat!(
        "Where it began",
        "{k} old footage",
        [
            "Our story begins long before most people had heard of {t}.",
            "At the time, {k} seemed like a small detail.",
            "Nobody involved could have guessed where it would lead.",
            "But the first signs were already there.",
        ]
    ),
    beat!(
        "Rising tension",
        "{k} dramatic",
        [
            "Then things began to change.",
            "Pressure around {k} kept growing, and the stakes rose with it.",
            "Every decision seemed to make the next one harder.",
            "It was only a matter of time before something gave way.",
        ]
    ),
    beat!(
        "The turning point",
        "{k} turning point",
        [
            "And then came the turning point.",
            "In a single moment, {k2} changed everything.",
            "What had seemed certain was suddenly open again.",
            "The people involved had to choose, and quickly.",
        ]
    ),
    beat!(
        "The aftermath",
        "{k} aftermath",
        [
            "The aftermath was felt for years.",
            "Some things were lost, and others were built in their place.",
            "The lessons of {k} were not learned overnight.",
            "But slowly, a new picture began to form.",
        ]
    ),
    beat!(
        "The lesson",
        "{k} reflection",
        [
            "So what does this story teach us?",
            "That small details like {k} can shape big outcomes.",
            "And that the people closest to events rarely see the whole picture.",
            "It is worth remembering the next time history seems settled.",
        ]
    ),
];

/// The beats of a scenario.
pub(super) fn beats(scenario: ContentScenario) -> &'static [Beat] {
    match scenario {
        ContentScenario::Explainer => EXPLAINER,
        ContentScenario::Listicle => LISTICLE,
        ContentScenario::NewsRecap => NEWS,
        ContentScenario::HowTo => HOWTO,
        ContentScenario::Story => STORY,
    }
}

/// Hook sentences, best first.
pub(super) fn hook_lines(scenario: ContentScenario) -> &'static [&'static str] {
    match scenario {
        ContentScenario::Listicle => &[
            "These are the ideas about {t} that actually make a difference.",
            "Stay to the end, because the last one is the most useful.",
            "Let us count them down.",
            "You will want to remember these.",
        ],
        ContentScenario::Explainer => &[
            "You have probably wondered about {t}, and the real answer is better than the usual one.",
            "In the next few minutes, it will finally make sense.",
            "Let us take it apart.",
            "Here is how it works.",
        ],
        ContentScenario::NewsRecap => &[
            "There is news about {t}, and it matters more than the headlines suggest.",
            "Here is what you need to know, without the noise.",
            "Let us get into it.",
            "Here is the recap.",
        ],
        ContentScenario::HowTo => &[
            "Getting {t} right is easier than it looks once you know the steps.",
            "Follow along and you will have it done in no time.",
            "Let us start.",
            "Here is how.",
        ],
        ContentScenario::Story => &[
            "This is the story of {t}, and it does not go the way you expect.",
            "It starts with something small that almost nobody noticed.",
            "Let us go back to the beginning.",
            "Listen closely.",
        ],
    }
}

/// Outro sentences, best first.
pub(super) fn outro_lines() -> &'static [&'static str] {
    &[
        "That is the essence of {t}.",
        "If this helped, subscribe to {ch} for more about {niche}.",
        "Tell us in the comments what you want to see next.",
        "Thanks for watching.",
        "See you in the next one.",
    ]
}

/// Short sentences that top a part up to its word budget, in order.
pub(super) fn fillers() -> &'static [&'static str] {
    &[
        "Keep that in mind.",
        "That detail matters more than it seems.",
        "It is worth pausing on {k} for a moment.",
        "This is where {k} comes in.",
        "Remember this part.",
        "That is the key point.",
        "Here is why that matters.",
        "The connection to {k2} is not a coincidence.",
        "Few people notice this at first.",
        "Once you see it, you cannot unsee it.",
        "It all fits together.",
        "Now it starts to make sense.",
        "That is worth repeating.",
        "Think about that for a second.",
        "And it shows.",
        "Simple as that.",
    ]
}

/// Medium sentences that deepen any scene, rotated per scene.
pub(super) fn elaborations() -> &'static [&'static str] {
    &[
        "The details of {k} are where most explanations go wrong.",
        "It helps to compare {k} with {k2}, because the difference is revealing.",
        "Experts in {niche} point to {k} again and again for a reason.",
        "If you only remember one thing here, remember how {k} connects to {t}.",
        "A quick way to test this is to look at {k} in your own life.",
        "The numbers vary from case to case, but the pattern around {k} holds.",
        "This is also where {k2} starts to play a bigger role.",
        "People who understand {k} tend to make better calls about {k2}.",
        "None of this requires special equipment, just attention to {k}.",
        "Ask yourself what would change if {k} were missing entirely.",
        "That question alone explains a lot about {t}.",
        "Once {k} is in place, the next part follows naturally.",
        "It is easy to overlook, but {k} shapes the outcome more than anything else.",
        "Seen from a distance, {k} and {k2} look like separate ideas, but they are linked.",
    ]
}

//! A labelled set of 30 generated scripts: the scorer must separate good from bad.

use ytempire_core::{Scene, Script, VideoMetadata};
use ytempire_cost::quality::{GateDecision, GatePolicy, gate, score_script};

const FACTS: [&str; 12] = [
    "Octopuses have three hearts and blue blood.",
    "Honey found in old tombs can still be eaten today.",
    "A day on Venus lasts longer than its year.",
    "Bananas are berries, but strawberries are not.",
    "Sharks were swimming before trees grew on land.",
    "Wombats leave cube shaped droppings in the grass.",
    "The moon drifts a little farther from us each year.",
    "Sea otters hold hands while they sleep at sea.",
    "Your brain uses about a fifth of your energy.",
    "Some turtles can breathe through their back ends.",
    "A cloud can weigh as much as many elephants.",
    "Hot water can sometimes freeze faster than cold.",
];

fn script(title: &str, hook: &str, sentences: &[&str], rounds: usize) -> Script {
    let mut s = Script::new(title)
        .with_hook(hook)
        .with_outro("Follow for more strange facts like these.");
    for r in 0..rounds {
        let text: Vec<&str> = sentences
            .iter()
            .cycle()
            .skip(r * 3)
            .take(4)
            .copied()
            .collect();
        s = s.with_scene(Scene::new(text.join(" "), "b-roll", 12.0));
    }
    s
}

fn good(i: usize) -> Script {
    let hooks = [
        "Did you know your body hides a secret?",
        "What if everything you knew about animals was wrong?",
        "Here are 5 facts you will never forget.",
    ];
    let mut facts = FACTS.to_vec();
    facts.rotate_left(i % 12);
    script(
        &format!("Strange facts number {} that sound fake", i + 1),
        hooks[i % 3],
        &facts[..12],
        3,
    )
}

fn bad(i: usize) -> Script {
    let facts = FACTS.to_vec();
    match i % 5 {
        // far too short for a 60 s target
        0 => script(
            "Facts about the natural world today",
            "Octopuses are animals.",
            &facts[..2],
            1,
        ),
        // repetitive filler
        1 => script(
            "Facts about the natural world today",
            "Did you know this?",
            &[
                "This is a very interesting fact about nature.",
                "This is a very interesting fact about nature.",
            ],
            3,
        ),
        // banned term
        2 => {
            let mut s = good(i);
            s.scenes[0]
                .narration
                .push_str(" This miracle cure works instantly.");
            s
        }
        // no hook, dense academic prose
        3 => script(
            "Facts about the natural world today",
            "Cephalopod physiology incorporates tricameral circulatory architecture.",
            &[
                "Cephalopod physiology incorporates tricameral circulatory architecture alongside hemocyanin-based oxygenation mechanisms.",
                "Consequently, comparative evolutionary biologists characterize invertebrate cardiovascular specialization extensively.",
            ],
            4,
        ),
        // title too long and empty hook
        _ => {
            let mut s = good(i);
            s.title = "x".repeat(130);
            s.hook = String::new();
            s
        }
    }
}

#[test]
fn labelled_scripts_are_separated_and_accuracy_is_reported() {
    let banned = vec!["miracle cure".to_owned()];
    let threshold = 7.0;
    let mut correct = 0;
    let mut total = 0;
    for i in 0..15 {
        for (label, s) in [(true, good(i)), (false, bad(i))] {
            let q = score_script(&s, 60.0, 150, &banned);
            let predicted = q.overall >= threshold && q.parts.iter().all(|p| p.score >= 4.0);
            total += 1;
            if predicted == label {
                correct += 1;
            } else {
                eprintln!(
                    "misclassified (label {label}): {:.2} {:?}",
                    q.overall,
                    q.problems()
                );
            }
        }
    }
    let accuracy = f64::from(correct) / f64::from(total);
    println!("script scorer accuracy on {total} labelled examples: {accuracy:.3}");
    assert_eq!(total, 30);
    assert!(accuracy >= 0.9, "accuracy {accuracy}");
}

#[test]
fn sub_scores_carry_reasons() {
    let q = score_script(&bad(2), 60.0, 150, &["miracle cure".to_owned()]);
    let banned = q.parts.iter().find(|p| p.name == "banned_terms").unwrap();
    assert_eq!(banned.score, 0.0);
    assert!(banned.reason.contains("miracle cure"));
    let q = score_script(&bad(0), 60.0, 150, &[]);
    assert!(
        q.problems().iter().any(|p| p.starts_with("length:")),
        "{:?}",
        q.problems()
    );
}

#[test]
fn gate_applies_checklist_then_threshold_policy() {
    let q = score_script(&good(0), 60.0, 150, &[]);
    let mut meta = VideoMetadata::new("Strange facts");
    assert!(
        matches!(gate(&q, 7.0, GatePolicy::Warn, &meta, &[]), GateDecision::Block(r) if r.len() == 2)
    );
    meta.made_for_kids = Some(false);
    meta.contains_synthetic_media = Some(true);
    assert_eq!(
        gate(&q, 7.0, GatePolicy::Block, &meta, &[]),
        GateDecision::Pass
    );
    meta.description = "a miracle cure".into();
    assert!(matches!(
        gate(&q, 7.0, GatePolicy::Warn, &meta, &["Miracle Cure".into()]),
        GateDecision::Block(_)
    ));
    meta.description.clear();
    let low = score_script(&bad(1), 60.0, 150, &[]);
    assert!(matches!(
        gate(&low, 10.5, GatePolicy::RequireReview, &meta, &[]),
        GateDecision::Review(_)
    ));
    assert!(matches!(
        gate(&low, 10.5, GatePolicy::Warn, &meta, &[]),
        GateDecision::Warn(_)
    ));
    assert!(matches!(
        gate(&low, 10.5, GatePolicy::Block, &meta, &[]),
        GateDecision::Block(_)
    ));
}

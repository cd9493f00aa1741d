//! Scoring against a labelled set: 44 candidates for two channels (ocean life, space), each
//! labelled on-niche, off-niche, a near-duplicate group, a repeat of a past video, a banned
//! term or made for kids. The top 5 of each channel must hold no off-niche topic and no
//! near-duplicate (of each other or of the channel's past videos), and the policy screen must
//! drop what it should.

use chrono::{DateTime, Duration, TimeZone, Utc};
use ytempire_core::{Topic, TrendEvidence, TrendItem};
use ytempire_examples::scoring::{ChannelFit, rank};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Label {
    /// On-niche and new.
    Fit,
    /// Not about the channel's subject.
    Off,
    /// One of a group of near-duplicates (same story, reworded).
    Dup(u8),
    /// A repeat of a past video.
    Past,
    /// Mentions a banned term.
    Banned,
    /// A made-for-kids video (channel is not).
    Kids,
}
use Label::*;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 10, 20, 12, 0, 0).unwrap()
}

/// (title, tags, views, hours old, label)
type Row = (&'static str, &'static [&'static str], u64, i64, Label);

const OCEAN: &[Row] = &[
    (
        "Octopus punches fish during group hunt",
        &["octopus", "behaviour"],
        480_000,
        20,
        Dup(1),
    ),
    (
        "Octopuses caught punching fish in group hunts, study finds",
        &["octopus"],
        120_000,
        30,
        Dup(1),
    ),
    (
        "Why octopus punch fish while hunting together",
        &[],
        60_000,
        40,
        Dup(1),
    ),
    (
        "Coral reef bleaching 2026: what divers see",
        &["coral reef"],
        210_000,
        30,
        Dup(2),
    ),
    (
        "Coral reef bleaching 2026 explained",
        &["coral", "reef"],
        90_000,
        12,
        Dup(2),
    ),
    (
        "Why octopuses have three hearts",
        &["octopus", "marine biology"],
        95_000,
        70,
        Fit,
    ),
    (
        "Deep sea anglerfish filmed alive for the first time",
        &["deep sea", "fish"],
        300_000,
        18,
        Fit,
    ),
    (
        "Great white shark migration mapped by satellite tags",
        &["shark", "ocean"],
        150_000,
        26,
        Fit,
    ),
    (
        "Kelp forests are disappearing along the Pacific coast",
        &["kelp", "ocean"],
        40_000,
        50,
        Fit,
    ),
    (
        "How sea turtles navigate across the ocean",
        &["sea turtle"],
        70_000,
        60,
        Fit,
    ),
    (
        "Mimic octopus impersonates a lionfish",
        &["octopus", "camouflage"],
        55_000,
        45,
        Fit,
    ),
    (
        "Blue whale song is getting lower every year",
        &["whale", "ocean"],
        33_000,
        80,
        Fit,
    ),
    (
        "How octopuses change colour",
        &["octopus", "camouflage"],
        500_000,
        10,
        Past,
    ),
    (
        "Supercar drag race: V12 versus electric",
        &["cars"],
        2_000_000,
        5,
        Off,
    ),
    (
        "Stock market crash explained in 5 minutes",
        &["finance"],
        900_000,
        8,
        Off,
    ),
    (
        "Celebrity wedding highlights",
        &["celebrity"],
        1_500_000,
        6,
        Off,
    ),
    ("Best budget gaming laptop 2026", &["tech"], 700_000, 9, Off),
    ("iPhone 18 leaks roundup", &["apple"], 1_200_000, 4, Off),
    (
        "Shark attack caught on camera at surfing beach",
        &["shark", "ocean"],
        3_000_000,
        3,
        Banned,
    ),
    (
        "Octopus song for kids | learn sea animals",
        &["octopus", "kids"],
        900_000,
        10,
        Kids,
    ),
    (
        "Ocean cleanup barrier collects its first 100 tonnes of plastic",
        &["ocean", "plastic"],
        110_000,
        22,
        Fit,
    ),
    (
        "Football transfer news live",
        &["football"],
        2_500_000,
        2,
        Off,
    ),
];

const SPACE: &[Row] = &[
    (
        "Webb spots water vapour on a rocky exoplanet",
        &["jwst", "exoplanet"],
        650_000,
        8,
        Dup(1),
    ),
    (
        "Water vapour found on rocky exoplanet by Webb telescope",
        &["exoplanet"],
        300_000,
        12,
        Dup(1),
    ),
    (
        "Starship completes ship-to-ship propellant transfer",
        &["starship", "spaceflight"],
        800_000,
        15,
        Dup(2),
    ),
    (
        "Starship propellant transfer completed in orbit",
        &["starship"],
        200_000,
        20,
        Dup(2),
    ),
    (
        "Strong geomagnetic storm: aurora alert tonight",
        &["aurora", "space weather"],
        400_000,
        6,
        Fit,
    ),
    (
        "Black hole merger detected by gravitational waves",
        &["black hole", "astronomy"],
        150_000,
        30,
        Fit,
    ),
    (
        "Mars sample return mission gets a new plan",
        &["mars", "nasa"],
        90_000,
        40,
        Fit,
    ),
    (
        "Europa Clipper sends first images from the asteroid belt",
        &["europa", "nasa"],
        120_000,
        36,
        Fit,
    ),
    (
        "Betelgeuse is brightening again: astronomers explain",
        &["star", "astronomy"],
        60_000,
        50,
        Fit,
    ),
    (
        "Artemis III crew trains for the lunar south pole",
        &["moon", "artemis"],
        210_000,
        28,
        Fit,
    ),
    (
        "How big is the universe? Scale of galaxies explained",
        &["galaxy", "astronomy"],
        75_000,
        70,
        Past,
    ),
    (
        "New comet visible to the naked eye this week",
        &["comet", "astronomy"],
        330_000,
        14,
        Fit,
    ),
    (
        "Crypto prices surge after ETF approval",
        &["crypto"],
        1_900_000,
        3,
        Off,
    ),
    (
        "Top 10 pasta recipes for busy weeknights",
        &["cooking"],
        600_000,
        10,
        Off,
    ),
    (
        "Election night live coverage",
        &["politics"],
        4_000_000,
        2,
        Off,
    ),
    (
        "Premier league highlights",
        &["football"],
        2_200_000,
        5,
        Off,
    ),
    ("Skincare routine for winter", &["beauty"], 500_000, 12, Off),
    (
        "UFO conspiracy: the alien astronaut cover-up",
        &["ufo", "space"],
        2_800_000,
        4,
        Banned,
    ),
    (
        "Space song for kids: planets of the solar system",
        &["space", "kids"],
        1_100_000,
        7,
        Kids,
    ),
    (
        "Solar Orbiter photographs the Sun's south pole",
        &["sun", "solar", "space"],
        140_000,
        20,
        Fit,
    ),
    (
        "James Webb telescope finds earliest galaxy ever seen",
        &["jwst", "galaxy"],
        500_000,
        9,
        Fit,
    ),
    (
        "Housing market forecast for next year",
        &["real estate"],
        800_000,
        6,
        Off,
    ),
];

fn items(rows: &[Row]) -> Vec<TrendItem> {
    rows.iter()
        .map(|(title, tags, views, hours, label)| {
            let mut ev = TrendEvidence::default();
            ev.views = Some(*views);
            ev.published_at = Some(now() - Duration::hours(*hours));
            ev.made_for_kids = Some(*label == Kids);
            TrendItem::new(Topic::new(*title).with_keywords(tags.iter().copied()), ev)
        })
        .collect()
}

fn label_of(rows: &[Row], title: &str) -> Label {
    rows.iter().find(|r| r.0 == title).unwrap().4
}

fn check(rows: &[Row], channel: &ChannelFit) -> Vec<String> {
    let ranking = rank(channel, &items(rows), now());
    let top: Vec<&str> = ranking
        .ranked
        .iter()
        .take(5)
        .map(|s| s.item.topic.title.as_str())
        .collect();
    let labels: Vec<Label> = top.iter().map(|t| label_of(rows, t)).collect();
    assert_eq!(top.len(), 5, "{top:?}");
    assert!(!labels.contains(&Off), "off-niche in the top 5: {top:?}");
    assert!(!labels.contains(&Past), "a past video again: {top:?}");
    for (i, a) in labels.iter().enumerate() {
        if let Dup(g) = a {
            assert!(
                !labels[i + 1..].contains(&Dup(*g)),
                "two of duplicate group {g} in the top 5: {top:?}"
            );
        }
    }
    // Each duplicate group keeps exactly one member overall; the policy drops what it must.
    for g in 1..=2 {
        let kept = ranking
            .ranked
            .iter()
            .filter(|s| label_of(rows, &s.item.topic.title) == Dup(g))
            .count();
        assert_eq!(kept, 1, "group {g}");
    }
    for s in &ranking.ranked {
        let l = label_of(rows, &s.item.topic.title);
        assert!(
            !matches!(l, Banned | Kids | Past),
            "{:?} kept",
            s.item.topic.title
        );
        assert_eq!(
            s.off_niche,
            l == Off,
            "{:?}: {:?}",
            s.item.topic.title,
            s.reasons
        );
        assert!(s.reasons.len() >= 4, "{:?}", s.reasons);
    }
    let why = |l: Label| {
        ranking
            .dropped
            .iter()
            .find(|d| label_of(rows, &d.item.topic.title) == l)
            .map(|d| d.reason.clone())
            .unwrap()
    };
    assert!(why(Banned).contains("banned term"), "{}", why(Banned));
    assert!(why(Kids).contains("made-for-kids"), "{}", why(Kids));
    assert!(
        why(Past).contains("near-duplicate of the channel's"),
        "{}",
        why(Past)
    );
    ranking
        .ranked
        .iter()
        .take(5)
        .map(|s| {
            format!(
                "{:.2} {} [{}]",
                s.score,
                s.item.topic.title,
                s.reasons.join("; ")
            )
        })
        .collect()
}

#[test]
fn top_five_hold_no_off_niche_and_no_near_duplicate_topic() {
    assert!(OCEAN.len() + SPACE.len() >= 40);
    let ocean = ChannelFit {
        niche: "marine biology, ocean life, sea creatures".into(),
        keywords: vec![
            "octopus".into(),
            "coral reef".into(),
            "shark".into(),
            "whale".into(),
            "deep sea".into(),
        ],
        banned_terms: vec!["shark attack".into()],
        made_for_kids: false,
        existing: vec!["How do octopuses change colour?".into()],
    };
    let space = ChannelFit {
        niche: "astronomy, space science and spaceflight".into(),
        keywords: vec![
            "space".into(),
            "nasa".into(),
            "telescope".into(),
            "galaxy".into(),
            "planet".into(),
            "moon".into(),
        ],
        banned_terms: vec!["ufo".into(), "conspiracy".into()],
        made_for_kids: false,
        existing: vec!["The scale of the universe: how big are galaxies?".into()],
    };
    let a = check(OCEAN, &ocean);
    let b = check(SPACE, &space);
    println!(
        "ocean top 5:\n{}\nspace top 5:\n{}",
        a.join("\n"),
        b.join("\n")
    );
}

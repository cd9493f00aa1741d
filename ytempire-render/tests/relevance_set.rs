//! A labelled relevance set: 30 scenes (narration + visual cue), each with 10 candidate
//! texts written like Pexels `alt` strings and Pixabay tags: the one correct picture, one
//! hard distractor that shares a word with the scene but shows something else, and the
//! correct pictures of eight other scenes. The default lexical scorer must rank the correct
//! one first in at least 80 % of scenes; the measured figure is printed
//! (`cargo test -p ytempire-render --all-features --locked --test integration -- relevance_set --nocapture`).

use ytempire_render::sources::{Relevance, SceneTerms};

/// (narration, visual cue, correct candidate, hard distractor)
const SET: &[(&str, &str, &str, &str)] = &[
    (
        "Octopuses change colour in a fraction of a second to hide from predators.",
        "octopus camouflage",
        "Octopus blending into a coral reef",
        "Plastic octopus toy in a bathtub",
    ),
    (
        "Honey bees dance to tell the hive where the flowers are.",
        "bees on honeycomb",
        "bees, honeycomb, hive, insect, beekeeping",
        "Jar of honey on a breakfast table",
    ),
    (
        "Lava from an erupting volcano cools into new black rock.",
        "volcano eruption lava",
        "Lava flowing from an erupting volcano at night",
        "Black pebbles on a rocky beach",
    ),
    (
        "Emperor penguins huddle together to survive the Antarctic winter.",
        "penguin colony ice",
        "Group of emperor penguins standing on ice",
        "Penguin logo painted on a wall",
    ),
    (
        "The Great Wall of China stretches for thousands of kilometres.",
        "great wall of china",
        "Aerial view of the Great Wall of China winding over hills",
        "Brick wall texture",
    ),
    (
        "Coffee beans are roasted to bring out their flavour.",
        "roasting coffee beans",
        "Coffee beans roasting in a drum roaster",
        "Woman drinking coffee in a cafe",
    ),
    (
        "Lightning heats the air to five times the temperature of the sun.",
        "lightning storm",
        "Lightning bolt striking during a thunderstorm",
        "Sun setting over a calm sea",
    ),
    (
        "Monarch butterflies migrate thousands of miles to Mexico each year.",
        "monarch butterfly migration",
        "monarch, butterfly, orange, wings, migration",
        "Butterfly knife on a wooden table",
    ),
    (
        "Astronauts on the space station see sixteen sunrises every day.",
        "astronaut space station",
        "Astronaut floating outside the International Space Station",
        "Train station platform at sunrise",
    ),
    (
        "Wolves hunt in packs and communicate by howling.",
        "wolf pack howling",
        "Grey wolf howling in the snow",
        "Six-pack of beer cans",
    ),
    (
        "Glaciers carve valleys as they slowly move downhill.",
        "glacier valley",
        "Blue glacier flowing into a mountain valley",
        "Glass of water with ice cubes",
    ),
    (
        "Honeycrisp apples are picked by hand in the autumn orchard.",
        "apple orchard harvest",
        "Farmer picking red apples in an orchard",
        "Apple laptop on an office desk",
    ),
    (
        "Sea turtles return to the beach where they hatched to lay eggs.",
        "sea turtle nesting beach",
        "Sea turtle laying eggs on a sandy beach",
        "Chocolate eggs in a basket",
    ),
    (
        "The human heart beats about one hundred thousand times a day.",
        "human heart anatomy",
        "Anatomical model of a human heart",
        "Heart drawn in the sand",
    ),
    (
        "Bamboo can grow almost a metre in a single day.",
        "bamboo forest",
        "Tall green bamboo forest in Japan",
        "Bamboo toothbrush on a sink",
    ),
    (
        "Chess players calculate many moves ahead before they act.",
        "chess game",
        "Chess pieces on a board during a game",
        "Playing cards spread on a table",
    ),
    (
        "Hot air balloons rise because warm air is lighter than cold air.",
        "hot air balloons",
        "Colourful hot air balloons over Cappadocia",
        "Party balloons tied to a chair",
    ),
    (
        "Tigers are the largest of all wild cats.",
        "tiger in the wild",
        "Bengal tiger walking through tall grass",
        "Tabby cat sleeping on a sofa",
    ),
    (
        "Rain forests produce a large share of the planet's oxygen.",
        "rainforest canopy",
        "Misty tropical rainforest canopy from above",
        "Rain drops on a car window",
    ),
    (
        "Blue whales are the largest animals that have ever lived.",
        "blue whale ocean",
        "Blue whale swimming in the deep ocean",
        "Whale-shaped cloud in the sky",
    ),
    (
        "Vaccines train the immune system to recognise a virus.",
        "vaccine injection",
        "Nurse giving a vaccine injection in the arm",
        "Computer virus warning on a screen",
    ),
    (
        "The pyramids of Giza were built more than four thousand years ago.",
        "pyramids of giza",
        "Pyramids of Giza in the desert",
        "Pyramid of oranges at a market",
    ),
    (
        "Solar panels turn sunlight directly into electricity.",
        "solar panels",
        "Rows of solar panels on a roof",
        "Sunlight through the leaves of a tree",
    ),
    (
        "Dolphins sleep with one half of their brain at a time.",
        "dolphins swimming",
        "Pod of dolphins swimming in clear water",
        "Brain scan on a hospital monitor",
    ),
    (
        "Bread rises because yeast releases carbon dioxide.",
        "bread dough baking",
        "Fresh bread dough rising in a bowl before baking",
        "Baking soda box on a shelf",
    ),
    (
        "Mount Everest grows a few millimetres taller every year.",
        "mount everest summit",
        "Snowy summit of Mount Everest at sunrise",
        "Mountain bike leaning on a fence",
    ),
    (
        "Fireflies glow to attract a mate on summer nights.",
        "fireflies glowing at night",
        "fireflies, glowing, night, forest, insects",
        "City lights at night",
    ),
    (
        "Trains in Japan are famous for arriving on time to the second.",
        "japanese bullet train",
        "Shinkansen bullet train passing Mount Fuji",
        "Clock on a wall showing noon",
    ),
    (
        "Kangaroos cannot walk backwards.",
        "kangaroo hopping",
        "Kangaroo hopping across the Australian outback",
        "Person walking backwards on a treadmill",
    ),
    (
        "Coral reefs are dying as the oceans get warmer.",
        "bleached coral reef",
        "Bleached white coral on a dying reef",
        "Warm fireplace in a living room",
    ),
];

#[test]
fn lexical_top1_accuracy_is_at_least_80_percent() {
    assert!(SET.len() >= 30);
    let relevance = Relevance::english();
    let mut right = 0;
    let mut misses = Vec::new();
    for (i, (narration, cue, correct, hard)) in SET.iter().enumerate() {
        let mut candidates = vec![*hard, *correct];
        // Eight other scenes' correct pictures, placed before and after.
        for k in 1..=8 {
            candidates.push(SET[(i + k * 3) % SET.len()].2);
        }
        let turn = i % candidates.len();
        candidates.rotate_left(turn);
        assert!(candidates.len() >= 10);
        let scene = SceneTerms::new(&relevance, narration, cue);
        let score = |c: &str| relevance.score(c, &scene);
        let right_score = score(correct);
        // Strictly first: a tie with a wrong candidate counts as a miss.
        let best = candidates
            .iter()
            .filter(|c| *c != correct)
            .map(|c| (score(c), *c))
            .fold((-1.0, ""), |a, b| if b.0 > a.0 { b } else { a });
        if right_score > best.0 {
            right += 1;
        } else {
            misses.push(format!("{cue:?}: chose {:?} over {correct:?}", best.1));
        }
    }
    let accuracy = f64::from(right) / SET.len() as f64;
    println!(
        "relevance set: top-1 {right}/{} = {:.1} % (lexical, stemmed)",
        SET.len(),
        accuracy * 100.0
    );
    for m in &misses {
        println!("  miss {m}");
    }
    assert!(
        accuracy >= 0.8,
        "top-1 {:.1} %: {misses:#?}",
        accuracy * 100.0
    );
}

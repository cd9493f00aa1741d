//! Statistics and trends against the fake.

use crate::common;

use common::*;
use ytempire_core::{ErrorKind, TrendRequest, TrendSource};
use ytempire_youtube::MostPopularTrends;
use ytempire_youtube::testing::FakeYouTube;

#[tokio::test]
async fn channel_and_video_statistics_are_typed() {
    let fake = FakeYouTube::start().await.unwrap();
    let refresh = fake.add_account("main", "proj-a", "UCmain");
    fake.set_channel_statistics("UCmain", 12_345_678_901, 4200, 17);
    fake.add_popular_video("pop1", "Popular one", 999, &["a"]);
    let c = client(&fake, "main", "proj-a", &refresh);
    let s = c.channel_statistics(None).await.unwrap();
    assert_eq!(s.channel_id, "UCmain");
    assert_eq!(s.view_count, 12_345_678_901);
    assert_eq!(s.subscriber_count, Some(4200));
    assert_eq!(s.video_count, 17);
    let v = c.video_statistics(&["pop1"]).await.unwrap();
    assert_eq!(v[0].statistics.view_count, 999);
    assert_eq!(v[0].statistics.like_count, Some(49));
    assert_eq!(fake.quota_used("proj-a"), 2);
    assert_eq!(
        c.channel_statistics(Some("UCnobody"))
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::NotFound
    );
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}

#[tokio::test]
async fn most_popular_is_a_trend_source() {
    let fake = FakeYouTube::start().await.unwrap();
    let refresh = fake.add_account("main", "proj-a", "UCmain");
    fake.add_popular_video("v1", "Cats explained", 10, &["cats"]);
    fake.add_popular_video("v2", "Octopus camouflage", 5000, &["ocean", "octopus"]);
    fake.add_popular_video("v3", "Rust in 100 seconds", 300, &["rust"]);
    let trends = MostPopularTrends::new(client(&fake, "main", "proj-a", &refresh));
    let r = trends
        .trends(&TrendRequest::new(3).with_region("US"))
        .await
        .unwrap();
    let titles: Vec<&str> = r.topics.iter().map(|t| t.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "Octopus camouflage",
            "Rust in 100 seconds",
            "Cats explained"
        ]
    );
    assert_eq!(r.topics[0].keywords, ["ocean", "octopus"]);
    assert_eq!(
        r.topics[0].source.as_deref(),
        Some("youtube:mostPopular:US")
    );
    assert_eq!(r.usage.quota_units, 1);
    let q = fake
        .requests()
        .into_iter()
        .find(|x| x.path == "/youtube/v3/videos")
        .unwrap();
    assert!(q.query.contains("chart=mostPopular") && q.query.contains("regionCode=US"));
    let report = ytempire_core::conformance::trend::run_all(&trends, &[]).await;
    assert!(report.is_ok(), "{report}");
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}

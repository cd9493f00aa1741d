//! The loopback fakes `ytempire make --upload` runs against: ytempire-llm's fake OpenAI
//! writes the script, ytempire-tts's fake ElevenLabs narrates, ytempire-render's fake
//! Pexels gives the visuals, ytempire-youtube's fake takes the upload.

use std::path::Path;

use secrecy::SecretString;
use tempfile::TempDir;
use ytempire_llm::testing::{FIXTURE_CUE, FakeOpenAi};
use ytempire_render::sources::testing::FakePexels;
use ytempire_tts::testing::FakeServer;
use ytempire_youtube::testing::{FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, FakeYouTube};
use ytempire_youtube::{Account, TokenStore};

use super::{Running, command, small_config, start};

/// An account on the fake YouTube: name, Cloud project, channel id.
pub(crate) type Seat = (&'static str, &'static str, &'static str);
/// The one account most tests upload with.
pub(crate) const SOLO: Seat = ("solo", "project-s", "UCsolo");
/// The first of two rotated accounts.
pub(crate) const FIRST: Seat = ("first", "project-a", "UCfirst");
/// The second of two rotated accounts.
pub(crate) const SECOND: Seat = ("second", "project-b", "UCsecond");

/// Write the fake's OAuth client (`client_secret.json` under `dir`) and return the
/// `[youtube]` table that uses it, with the token store, quota ledger and sessions under `dir`.
pub(crate) fn youtube_table(dir: &Path, fake: &FakeYouTube) -> String {
    let secrets = dir.join("client_secret.json");
    std::fs::write(
        &secrets,
        serde_json::json!({"installed": {
            "client_id": FAKE_CLIENT_ID,
            "client_secret": FAKE_CLIENT_SECRET,
            "auth_uri": format!("{}/auth", fake.base_url()),
            "token_uri": format!("{}/token", fake.base_url()),
        }})
        .to_string(),
    )
    .unwrap();
    format!(
        r#"[youtube]
client_secrets = "{secrets}"
token_store = "{store}"
quota_ledger = "{quota}"
session_dir = "{sessions}"
"#,
        secrets = secrets.display(),
        store = dir.join("accounts.json").display(),
        quota = dir.join("quota.json").display(),
        sessions = dir.join("sessions").display(),
    )
}

/// [`small_config`] plus the [`youtube_table`] for `fake` and `extra`; the config's path.
pub(crate) fn youtube_config(dir: &Path, fake: &FakeYouTube, extra: &str) -> String {
    let table = youtube_table(dir, fake);
    small_config(dir, &format!("{table}\n{extra}"))
        .to_str()
        .unwrap()
        .to_string()
}

/// The environment that points the YouTube clients at `fake`.
pub(crate) fn youtube_env(fake: &FakeYouTube) -> Vec<(&'static str, String)> {
    let e = fake.endpoints();
    vec![
        ("YTEMPIRE_YOUTUBE_API_BASE", e.api_base.clone()),
        ("YTEMPIRE_YOUTUBE_UPLOAD_BASE", e.upload_base.clone()),
        ("YTEMPIRE_OAUTH_TOKEN_URL", e.token_url.clone()),
    ]
}

/// Config for the fakes: the fake OpenAI writes the script, the fake ElevenLabs narrates, the
/// fake Pexels gives the visuals (offline providers as fallback); YouTube files under `dir`; the channel rotates `accounts`.
pub(crate) fn fake_config(dir: &Path, fake: &FakeYouTube, accounts: &[&str]) -> String {
    let names: Vec<String> = accounts.iter().map(|a| format!("{a:?}")).collect();
    let extra = format!(
        r#"[[providers.script]]
kind = "openai"
model = "gpt-4o-mini"

[[providers.narration]]
kind = "elevenlabs"

[[providers.visuals]]
kind = "pexels"

[[channels]]
name = "Tides"
niche = "oceans"
accounts = [{names}]
"#,
        names = names.join(", "),
    );
    youtube_config(dir, fake, &extra)
}

/// Add account `name` to the fake and to the token store under `dir`.
pub(crate) async fn store_account(
    dir: &Path,
    fake: &FakeYouTube,
    name: &str,
    project: &str,
    channel: &str,
) {
    let refresh = fake.add_account(name, project, channel);
    TokenStore::open(dir.join("accounts.json"))
        .add(
            Account::new(name, project).with_channel_id(channel),
            SecretString::from(refresh),
        )
        .await
        .unwrap();
}

/// The speech and stock-media fakes.
pub(crate) struct Media {
    /// Fake ElevenLabs.
    pub(crate) voice: FakeServer,
    /// Fake Pexels.
    pub(crate) stock: FakePexels,
}

impl Media {
    pub(crate) async fn start() -> Self {
        let stock = FakePexels::start().await.unwrap();
        // Photos that show what the fixture script's scenes ask for (the visuals stage takes
        // only pictures whose text fits the scene).
        stock.set_alts(
            [
                "laboratory bench at dawn",
                "notebook open beside a mug",
                "measuring with a ruler",
            ]
            .iter()
            .map(|s| format!("{FIXTURE_CUE}: {s}"))
            .collect(),
        );
        Self {
            voice: FakeServer::elevenlabs().await.unwrap(),
            stock,
        }
    }
}

/// The environment that points every vendor at the fakes.
pub(crate) fn env(
    llm: &FakeOpenAi,
    yt: &FakeYouTube,
    media: &Media,
) -> Vec<(&'static str, String)> {
    let mut env = vec![
        ("ELEVENLABS_API_KEY", "el-test-key".to_string()),
        ("ELEVENLABS_BASE_URL", media.voice.url("/")),
        ("PEXELS_API_KEY", "px-test-key".to_string()),
        ("PEXELS_BASE_URL", media.stock.base_url()),
        ("OPENAI_API_KEY", "sk-test-key".to_string()),
        ("OPENAI_BASE_URL", llm.base_url()),
    ];
    env.extend(youtube_env(yt));
    env
}

/// `videos.insert` session starts the fake saw.
pub(crate) fn inserts(yt: &FakeYouTube) -> usize {
    yt.requests()
        .iter()
        .filter(|r| {
            r.method == "POST"
                && r.path.ends_with("/youtube/v3/videos")
                && r.query.contains("uploadType=resumable")
        })
        .count()
}

/// Every vendor faked, in a fresh temporary directory: the setup of each end-to-end test.
pub(crate) struct Stack {
    /// Where the config, token store, job data and outputs go.
    pub(crate) dir: TempDir,
    /// Fake OpenAI (the script).
    pub(crate) llm: FakeOpenAi,
    /// Fake YouTube (the upload).
    pub(crate) yt: FakeYouTube,
    /// Fake ElevenLabs and Pexels.
    pub(crate) media: Media,
}

impl Stack {
    /// Start the fakes.
    pub(crate) async fn start() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
            llm: FakeOpenAi::start().await.unwrap(),
            yt: FakeYouTube::start().await.unwrap(),
            media: Media::start().await,
        }
    }

    /// The temporary directory.
    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Store `seats` on the fake and in the token store, and write the [`fake_config`]
    /// whose channel rotates them; the config's path.
    pub(crate) async fn config(&self, seats: &[Seat]) -> String {
        for (name, project, channel) in seats {
            store_account(self.path(), &self.yt, name, project, channel).await;
        }
        let names: Vec<&str> = seats.iter().map(|s| s.0).collect();
        fake_config(self.path(), &self.yt, &names)
    }

    /// The [`env`] that points every vendor at these fakes.
    pub(crate) fn env(&self) -> Vec<(&'static str, String)> {
        env(&self.llm, &self.yt, &self.media)
    }

    /// Start `ytempire ARGS` against the fakes, its output in files tagged `tag`.
    pub(crate) fn ytempire(&self, args: &[&str], tag: &str) -> Running {
        start(command(self.path(), args, &self.env()), self.path(), tag)
    }
}

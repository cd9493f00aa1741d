//! Upload an MP4 to YouTube with the resumable protocol (resumes across runs), optionally
//! with a thumbnail, from an account in the token store.
//!
//! ```text
//! # authorise an account once (opens Google's consent page; loopback redirect + PKCE):
//! cargo run -p ytempire-examples --example upload -- --authorize --account cooking \
//!     --project my-gcp-project --secrets client_secret.json
//! # upload:
//! cargo run -p ytempire-examples --example upload -- video.mp4 --title "Octopus colours" \
//!     [--description TEXT] [--tags a,b] [--privacy private|unlisted|public] \
//!     [--thumbnail thumb.png] [--account cooking] [--store accounts.json] \
//!     [--secrets client_secret.json] [--session-dir .ytempire/sessions] \
//!     [--api-base URL] [--upload-base URL] [--token-url URL]
//! # try it with no Google account against a local fake YouTube:
//! cargo run -p ytempire-examples --example upload -- video.mp4 --title "Demo" --demo
//! ```
//!
//! Base URLs come from the options, else from `YTEMPIRE_YOUTUBE_API_BASE`,
//! `YTEMPIRE_YOUTUBE_UPLOAD_BASE` and `YTEMPIRE_OAUTH_TOKEN_URL`, else Google's. Stored
//! refresh tokens are encrypted when `YTEMPIRE_TOKEN_KEY` is set.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use secrecy::SecretString;
use ytempire_core::{Privacy, UploadProgress, UploadRequest, Uploader, VideoMetadata};
use ytempire_youtube::testing::{FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, FakeYouTube};
use ytempire_youtube::{
    Account, ClientSecrets, Endpoints, InstalledAppFlow, OAuthClient, RefreshingToken, TokenStore,
    YouTubeClient, YouTubeUploader,
};

/// Upload an MP4 to YouTube with the resumable protocol (resumes across runs), optionally
/// with a thumbnail, from an account in the token store; or authorise an account once.
#[derive(Debug, Parser)]
#[command(name = "upload")]
struct Args {
    /// The MP4 to upload.
    #[arg(value_name = "FILE", required_unless_present = "authorize")]
    file: Option<PathBuf>,
    /// Video title.
    #[arg(long, value_name = "T", required_unless_present = "authorize")]
    title: Option<String>,
    /// Video description.
    #[arg(long, value_name = "TEXT", default_value = "")]
    description: String,
    /// Tags, comma separated.
    #[arg(long, value_name = "a,b", value_delimiter = ',')]
    tags: Vec<String>,
    /// Who can see the video.
    #[arg(long, value_name = "P", default_value = "private",
          value_parser = ["private", "unlisted", "public"])]
    privacy: String,
    /// A PNG or JPEG thumbnail to set after the upload.
    #[arg(long, value_name = "IMG")]
    thumbnail: Option<PathBuf>,
    /// The account in the token store (not needed with --demo).
    #[arg(long, value_name = "NAME", required_unless_present = "demo")]
    account: Option<String>,
    /// Google Cloud project of the OAuth client (with --authorize).
    #[arg(long, value_name = "GCP_PROJECT")]
    project: Option<String>,
    /// The token store.
    #[arg(long, value_name = "FILE", default_value = "accounts.json")]
    store: PathBuf,
    /// The OAuth client secrets downloaded from Google Cloud.
    #[arg(long, value_name = "FILE", default_value = "client_secret.json")]
    secrets: PathBuf,
    /// Where resumable upload sessions are kept.
    #[arg(long, value_name = "DIR", default_value = ".ytempire/sessions")]
    session_dir: PathBuf,
    /// YouTube Data API base URL [env: YTEMPIRE_YOUTUBE_API_BASE].
    #[arg(long, value_name = "URL")]
    api_base: Option<String>,
    /// YouTube upload base URL [env: YTEMPIRE_YOUTUBE_UPLOAD_BASE].
    #[arg(long, value_name = "URL")]
    upload_base: Option<String>,
    /// OAuth token endpoint [env: YTEMPIRE_OAUTH_TOKEN_URL].
    #[arg(long, value_name = "URL")]
    token_url: Option<String>,
    /// Authorise --account once (opens Google's consent page; loopback redirect + PKCE).
    #[arg(long, requires_all = ["account", "project"], conflicts_with = "demo")]
    authorize: bool,
    /// Give up waiting for the consent redirect after this many seconds (with --authorize).
    #[arg(long, value_name = "SECS", default_value_t = 300,
          value_parser = clap::value_parser!(u64).range(1..=86_400))]
    auth_timeout: u64,
    /// Upload to a local fake YouTube (no Google account needed).
    #[arg(long)]
    demo: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    ytempire_examples::util::finish("upload", run(args).await)
}

async fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    if let Some(file) = &args.file
        && !args.authorize
        && !file.is_file()
    {
        return Err(format!("{}: no such video file", file.display()).into());
    }
    let mut endpoints = Endpoints::from_env();
    if let Some(v) = &args.api_base {
        endpoints.api_base = v.clone();
    }
    if let Some(v) = &args.upload_base {
        endpoints.upload_base = v.clone();
    }
    if let Some(v) = &args.token_url {
        endpoints.token_url = v.clone();
    }
    let store_path = args.store.clone();

    // --demo: a loopback fake YouTube stands in for Google.
    let mut _fake = None;
    let (account, secrets, refresh) = if args.demo {
        let fake = FakeYouTube::start().await?;
        let refresh = fake.add_account("demo", "demo-project", "UCdemo");
        endpoints = fake.endpoints();
        _fake = Some(fake);
        let secrets = ClientSecrets::new(FAKE_CLIENT_ID, FAKE_CLIENT_SECRET);
        let account = Account::new("demo", "demo-project").with_channel_id("UCdemo");
        (account, secrets, SecretString::from(refresh))
    } else {
        let secrets = ClientSecrets::load(&args.secrets)?;
        let store = TokenStore::open(store_path.clone()).with_key_from_env()?;
        let name = args.account.clone().ok_or("--account NAME is required")?;
        if args.authorize {
            let project = args
                .project
                .clone()
                .ok_or("--authorize needs --project GCP_PROJECT")?;
            let client = OAuthClient::new(secrets.with_token_url(endpoints.token_url.clone()));
            let flow = InstalledAppFlow::new(client);
            let wait = Duration::from_secs(args.auth_timeout);
            let grant = tokio::time::timeout(
                wait,
                flow.run(|url| println!("Open this URL to authorise the account:\n{url}")),
            )
            .await
            .map_err(|_| {
                format!(
                    "no consent redirect within {} s; run --authorize again and open the URL \
                     (or raise --auth-timeout)",
                    args.auth_timeout
                )
            })??;
            let refresh = grant
                .refresh_token
                .ok_or("Google returned no refresh token; remove the app's access and retry")?;
            store
                .add(Account::new(name.clone(), project), refresh)
                .await?;
            println!("account {name} stored in {}", store_path.display());
            return Ok(());
        }
        let (account, refresh) = store.get(&name).await?;
        (account, secrets, refresh)
    };

    let file = args.file.clone().ok_or("give the MP4 to upload")?;
    let title = args.title.clone().ok_or("--title is required")?;
    let privacy: Privacy = args.privacy.parse()?;
    let metadata = VideoMetadata::new(title)
        .with_description(args.description.clone())
        .with_tags(
            args.tags
                .iter()
                .map(|t| t.trim().to_owned())
                .filter(|t| !t.is_empty())
                .collect::<Vec<_>>(),
        )
        .with_privacy(privacy)
        .with_made_for_kids(false)
        .with_synthetic_media(true);
    let mut request = UploadRequest::new(file, metadata);
    if let Some(t) = &args.thumbnail {
        request = request.with_thumbnail(ytempire_examples::cli::upload::read_thumbnail(t)?);
    }

    let client = OAuthClient::new(secrets.with_token_url(endpoints.token_url.clone()));
    let auth = Arc::new(RefreshingToken::new(client, refresh));
    let uploader = YouTubeUploader::new(YouTubeClient::new(account, auth, endpoints))
        .with_session_dir(args.session_dir.clone());
    let progress = |p: UploadProgress| {
        eprintln!(
            "uploaded {:>5.1}% ({} of {} bytes)",
            p.fraction() * 100.0,
            p.bytes_sent,
            p.total_bytes
        );
    };
    let receipt = uploader.upload(&request, &progress).await?;
    println!("{}", serde_json::to_string_pretty(&receipt)?);
    Ok(())
}

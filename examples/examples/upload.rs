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
use std::sync::Arc;

use secrecy::SecretString;
use ytempire_core::{
    Privacy, Thumbnail, ThumbnailFormat, UploadProgress, UploadRequest, Uploader, VideoMetadata,
};
use ytempire_youtube::fake::{FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, FakeYouTube};
use ytempire_youtube::{
    Account, ClientSecrets, Endpoints, InstalledAppFlow, OAuthClient, RefreshingToken, TokenStore,
    YouTubeClient, YouTubeUploader,
};

#[derive(Default)]
struct Args {
    file: Option<PathBuf>,
    title: Option<String>,
    description: String,
    tags: Vec<String>,
    privacy: Option<String>,
    thumbnail: Option<PathBuf>,
    account: Option<String>,
    project: Option<String>,
    store: Option<PathBuf>,
    secrets: Option<PathBuf>,
    session_dir: Option<PathBuf>,
    api_base: Option<String>,
    upload_base: Option<String>,
    token_url: Option<String>,
    authorize: bool,
    demo: bool,
}

fn parse() -> Result<Args, String> {
    let mut a = Args::default();
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut v = |n: &str| it.next().ok_or(format!("{n} needs a value"));
        match arg.as_str() {
            "--title" => a.title = Some(v("--title")?),
            "--description" => a.description = v("--description")?,
            "--tags" => {
                a.tags = v("--tags")?
                    .split(',')
                    .map(|t| t.trim().to_string())
                    .collect()
            }
            "--privacy" => a.privacy = Some(v("--privacy")?),
            "--thumbnail" => a.thumbnail = Some(v("--thumbnail")?.into()),
            "--account" => a.account = Some(v("--account")?),
            "--project" => a.project = Some(v("--project")?),
            "--store" => a.store = Some(v("--store")?.into()),
            "--secrets" => a.secrets = Some(v("--secrets")?.into()),
            "--session-dir" => a.session_dir = Some(v("--session-dir")?.into()),
            "--api-base" => a.api_base = Some(v("--api-base")?),
            "--upload-base" => a.upload_base = Some(v("--upload-base")?),
            "--token-url" => a.token_url = Some(v("--token-url")?),
            "--authorize" => a.authorize = true,
            "--demo" => a.demo = true,
            s if s.starts_with("--") => return Err(format!("unknown option {s}")),
            file => a.file = Some(file.into()),
        }
    }
    Ok(a)
}

fn thumbnail(path: &PathBuf) -> Result<Thumbnail, Box<dyn std::error::Error>> {
    let data = std::fs::read(path)?;
    let format = match image::guess_format(&data)? {
        image::ImageFormat::Png => ThumbnailFormat::Png,
        image::ImageFormat::Jpeg => ThumbnailFormat::Jpeg,
        other => return Err(format!("thumbnail must be PNG or JPEG, not {other:?}").into()),
    };
    let (width, height) = image::load_from_memory(&data)?.into_rgb8().dimensions();
    Ok(Thumbnail {
        width,
        height,
        format,
        variant: "a".into(),
        data,
    })
}

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("upload failed: {e}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args = parse()?;
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
    let store_path = args.store.clone().unwrap_or_else(|| "accounts.json".into());

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
        let secrets_path = args
            .secrets
            .clone()
            .unwrap_or_else(|| "client_secret.json".into());
        let secrets = ClientSecrets::load(&secrets_path)?;
        let store = TokenStore::open(store_path.clone()).with_key_from_env()?;
        let name = args.account.clone().ok_or("--account NAME is required")?;
        if args.authorize {
            let project = args
                .project
                .clone()
                .ok_or("--authorize needs --project GCP_PROJECT")?;
            let client = OAuthClient::new(secrets.with_token_url(endpoints.token_url.clone()));
            let grant = InstalledAppFlow::new(client)
                .run(|url| println!("Open this URL to authorise the account:\n{url}"))
                .await?;
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
    let privacy: Privacy = args.privacy.as_deref().unwrap_or("private").parse()?;
    let metadata = VideoMetadata::new(title)
        .with_description(args.description.clone())
        .with_tags(args.tags.clone())
        .with_privacy(privacy)
        .with_made_for_kids(false)
        .with_synthetic_media(true);
    let mut request = UploadRequest::new(file, metadata);
    if let Some(t) = &args.thumbnail {
        request = request.with_thumbnail(thumbnail(t)?);
    }

    let client = OAuthClient::new(secrets.with_token_url(endpoints.token_url.clone()));
    let auth = Arc::new(RefreshingToken::new(client, refresh));
    let uploader = YouTubeUploader::new(YouTubeClient::new(account, auth, endpoints))
        .with_session_dir(
            args.session_dir
                .clone()
                .unwrap_or_else(|| ".ytempire/sessions".into()),
        );
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

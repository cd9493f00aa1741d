//! `ytempire upload`: one MP4 to YouTube with the resumable protocol, rotating over the
//! stored accounts by remaining quota (or one `--account`), with a thumbnail and
//! `publishAt` scheduling. Also builds the [`YouTubeAccounts`] every YouTube command uses,
//! and runs `ytempire thumbnail`, which sets a thumbnail later when an upload could not
//! ([`thumbnail_command`] is the line the summaries print for it).

use std::path::Path;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use ytempire_core::{
    Error, Privacy, Result, Thumbnail, ThumbnailFormat, UploadProgress, UploadRequest,
    VideoMetadata,
};
use ytempire_youtube::{UploadConfig, YouTubeAccounts};

use super::args::{ThumbnailArgs, UploadArgs};
use crate::config::Config;

/// The YouTube accounts from the config (paths relative to `data` where not configured),
/// limited to `only` (else the channel's `accounts`, else all). `secrets` overrides the
/// client-secrets file.
///
/// # Errors
/// `Config` for a bad upload chunk size.
pub fn accounts(
    config: &Config,
    data: &Path,
    channel_accounts: &[String],
    secrets: Option<&Path>,
) -> Result<YouTubeAccounts> {
    let yt = &config.youtube;
    let mut accounts = YouTubeAccounts::new(yt.token_store(data))
        .with_client_secrets_file(
            secrets
                .map(Path::to_path_buf)
                .unwrap_or_else(|| yt.client_secrets()),
        )
        .with_ledger_file(yt.quota_ledger(data))
        .with_session_dir(yt.session_dir(data));
    if !channel_accounts.is_empty() {
        accounts = accounts.with_accounts(channel_accounts.iter().cloned());
    }
    if let Some(kib) = yt.chunk_kib {
        accounts =
            accounts.with_upload_config(UploadConfig::default().with_chunk_size(kib * 1024)?);
    }
    Ok(accounts)
}

/// [`accounts`] where the YouTube commands keep them: on the PostgreSQL server when the
/// database (`DATABASE_URL` or the config's `database`) is a `postgres://` URL, so every
/// machine sees the same accounts and quota ([`on_server`]), else in this machine's token
/// file and quota ledger. Also returns where that is, for messages.
///
/// # Errors
/// [`accounts`]' errors; an unreachable server.
pub async fn stored_accounts(
    config: &Config,
    data: &Path,
    channel_accounts: &[String],
    secrets: Option<&Path>,
) -> Result<(YouTubeAccounts, String)> {
    let yt = accounts(config, data, channel_accounts, secrets)?;
    match super::queue::database(config, None).filter(|u| ytempire_core::pg::is_postgres_url(u)) {
        Some(url) => Ok((on_server(yt, &url).await?, "the database".to_owned())),
        None => {
            let place = yt.store_path().display().to_string();
            Ok((yt, place))
        }
    }
}

/// `yt` with its token store and quota ledger on the PostgreSQL server at `url`. Accounts
/// this machine's token file holds that the server lacks are copied there first
/// (`ytempire accounts add` without a server writes the file).
///
/// # Errors
/// An unreachable server; the token file's errors.
pub async fn on_server(yt: YouTubeAccounts, url: &str) -> Result<YouTubeAccounts> {
    use std::sync::Arc;
    use ytempire_youtube::{QuotaCosts, QuotaLedger, TokenStore};
    let options = ytempire_core::pg::PgOptions::default();
    let tokens = TokenStore::connect_postgres(url, &options).await?;
    let quota = QuotaLedger::connect_postgres(url, &options, QuotaCosts::default()).await?;
    let file = yt.store()?;
    let db = tokens
        .database()
        .cloned()
        .ok_or_else(|| Error::internal("the token store on the server has no connection pool"))?;
    let yt = yt.with_store_database(db).with_ledger(Arc::new(quota));
    // A machine without a readable token file still works from the server's accounts.
    match yt.store()?.import_missing(&file).await {
        Ok(copied) if !copied.is_empty() => eprintln!(
            "copied {} account(s) from {} to the database: {}",
            copied.len(),
            file.path().display(),
            copied.join(", ")
        ),
        Ok(_) => {}
        Err(e) => eprintln!(
            "note: the accounts of {} were not copied to the database: {e}",
            file.path().display()
        ),
    }
    Ok(yt)
}

/// Read a PNG or JPEG thumbnail.
///
/// # Errors
/// `InvalidRequest` when the file is unreadable or not PNG/JPEG.
pub fn read_thumbnail(path: &Path) -> Result<Thumbnail> {
    let data = std::fs::read(path)
        .map_err(|e| Error::io(format!("reading the thumbnail {}", path.display()), e))?;
    let format = match image::guess_format(&data) {
        Ok(image::ImageFormat::Png) => ThumbnailFormat::Png,
        Ok(image::ImageFormat::Jpeg) => ThumbnailFormat::Jpeg,
        _ => {
            return Err(Error::invalid_request(format!(
                "thumbnail {} must be a PNG or JPEG image",
                path.display()
            )));
        }
    };
    let (width, height) = image::load_from_memory(&data)
        .map_err(|e| {
            Error::invalid_request(format!("thumbnail {} does not decode: {e}", path.display()))
        })?
        .into_rgb8()
        .dimensions();
    Ok(Thumbnail {
        width,
        height,
        format,
        variant: "a".into(),
        data,
    })
}

/// Run `ytempire upload`.
///
/// # Errors
/// A missing file, bad metadata, no usable account, or the upload's error.
pub async fn run(config: &Config, args: UploadArgs) -> Result<()> {
    if !args.file.is_file() {
        return Err(Error::invalid_request(format!(
            "{} is not a file; give the MP4 to upload",
            args.file.display()
        )));
    }
    let data = config.paths.data_dir();
    let mut yt = config.youtube.clone();
    if let Some(s) = &args.youtube.store {
        yt.token_store = Some(s.clone());
    }
    if let Some(s) = &args.session_dir {
        yt.session_dir = Some(s.clone());
    }
    let mut cfg = config.clone();
    cfg.youtube = yt;
    let only: Vec<String> = args.account.iter().cloned().collect();
    let (accounts, _) =
        stored_accounts(&cfg, &data, &only, args.youtube.secrets.as_deref()).await?;

    let mut privacy = args.privacy.unwrap_or(Privacy::Private);
    if args.publish_at.is_some() {
        privacy = Privacy::Private;
    }
    let mut metadata = VideoMetadata::new(args.title.clone())
        .with_description(args.description.clone())
        .with_tags(
            args.tags
                .iter()
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty()),
        )
        .with_privacy(privacy)
        .with_made_for_kids(false)
        .with_synthetic_media(true);
    if let Some(at) = args.publish_at {
        metadata = metadata.with_publish_at(at);
    }
    metadata.validate()?;
    let mut request = UploadRequest::new(args.file.clone(), metadata);
    if let Some(t) = &args.thumbnail {
        request = request.with_thumbnail(read_thumbnail(t)?);
    }
    request.account = args.account.clone();

    let uploader = accounts.uploader().await?;
    let bar = upload_bar(&args.file);
    let progress = |p: UploadProgress| {
        bar.set_length(p.total_bytes.max(1));
        bar.set_position(p.bytes_sent);
    };
    let result = uploader.upload(&request, &progress).await;
    bar.finish_and_clear();
    let receipt = result?;
    println!("uploaded:  {}", receipt.url);
    println!("video id:  {}", receipt.video_id);
    println!("account:   {}", receipt.account);
    println!(
        "thumbnail: {}",
        if receipt.thumbnail_set {
            "set".to_string()
        } else {
            receipt
                .thumbnail_error
                .clone()
                .unwrap_or_else(|| "not set".into())
        }
    );
    if let (Some(_), Some(image)) = (&receipt.thumbnail_error, &args.thumbnail) {
        let command = thumbnail_command(
            config,
            &receipt.video_id,
            image,
            &receipt.account,
            args.youtube.store.as_deref(),
            args.youtube.secrets.as_deref(),
        );
        println!("           set it later with: {command}");
    }
    Ok(())
}

/// Run `ytempire thumbnail`: set the thumbnail of a video through the stored account that
/// uploaded it (`--account`, else the only stored one). Transient failures (5xx, rate
/// limits, dropped connections) are retried by the uploader's one retry loop.
///
/// # Errors
/// An unreadable or unsuitable image, no such account (or several and no `--account`),
/// or YouTube's error once the retries are spent.
pub async fn set_thumbnail(config: &Config, args: ThumbnailArgs) -> Result<()> {
    let thumbnail = read_thumbnail(&args.image)?;
    let data = config.paths.data_dir();
    let mut cfg = config.clone();
    if let Some(s) = &args.youtube.store {
        cfg.youtube.token_store = Some(s.clone());
    }
    let (accounts, place) =
        stored_accounts(&cfg, &data, &[], args.youtube.secrets.as_deref()).await?;
    let account = match &args.account {
        Some(a) => a.clone(),
        None => {
            let list = accounts.list().await?;
            match list.as_slice() {
                [only] => only.name.clone(),
                [] => {
                    return Err(Error::config(format!(
                        "no account in {place}; add the one that uploaded the video with `ytempire accounts add NAME`"
                    )));
                }
                many => {
                    let names: Vec<&str> = many.iter().map(|a| a.name.as_str()).collect();
                    return Err(Error::invalid_request(format!(
                        "{} accounts are stored ({}); say which one uploaded the video with --account NAME",
                        names.len(),
                        names.join(", ")
                    )));
                }
            }
        }
    };
    let units = accounts
        .set_thumbnail(&account, &args.video_id, &thumbnail)
        .await?;
    println!(
        "thumbnail: set on {} (account {account}, {units} quota units)",
        args.video_id
    );
    Ok(())
}

/// The `ytempire thumbnail …` command line that sets `image` on `video_id` later (with
/// `--config` when one was loaded, `--store`/`--secrets` when given), quoted for a POSIX
/// shell.
pub fn thumbnail_command(
    config: &Config,
    video_id: &str,
    image: &Path,
    account: &str,
    store: Option<&Path>,
    secrets: Option<&Path>,
) -> String {
    let mut words = vec!["ytempire".to_string()];
    if let Some(c) = &config.source {
        words.push("--config".into());
        words.push(shell_quote(&c.display().to_string()));
    }
    words.push("thumbnail".into());
    words.push(shell_quote(video_id));
    words.push(shell_quote(&image.display().to_string()));
    words.push("--account".into());
    words.push(shell_quote(account));
    for (flag, path) in [("--store", store), ("--secrets", secrets)] {
        if let Some(p) = path {
            words.push(flag.into());
            words.push(shell_quote(&p.display().to_string()));
        }
    }
    words.join(" ")
}

/// `word` as one POSIX shell word: as is when it holds only safe characters, else in
/// single quotes.
fn shell_quote(word: &str) -> String {
    let safe = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-./:=@%+,".contains(c));
    if safe {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

fn upload_bar(file: &Path) -> ProgressBar {
    use std::io::IsTerminal as _;
    let bar = ProgressBar::with_draw_target(
        Some(1),
        if std::io::stderr().is_terminal() {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        },
    );
    if let Ok(style) = ProgressStyle::with_template(
        "{prefix:>10} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_prefix(
        file.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("upload")
            .to_string(),
    );
    bar
}

//! The pipeline's upload stage and account management, built from the user's accounts.
//!
//! [`YouTubeAccounts`] gathers what every YouTube operation of an application needs: the
//! [`TokenStore`] file (encrypted with [`TOKEN_KEY_ENV`](crate::TOKEN_KEY_ENV) when it is set), the OAuth client
//! secrets, a persisted [`QuotaLedger`], the [`Endpoints`] (from the environment unless set),
//! the directory of resumable sessions, and optionally which accounts a channel uploads with.
//! From it come:
//!
//! - [`YouTubeAccounts::uploader`]: a core [`DynUploader`] for
//!   [`PipelineBuilder::uploader`](ytempire_core::pipeline::PipelineBuilder::uploader) (and
//!   single uploads) that rotates over the accounts by remaining quota ([`RotatingUploader`]):
//!   when the first account's project quota is spent, the next account uploads. An account
//!   holding a saved session for the same upload is tried first, so a rerun after a crash
//!   resumes instead of inserting the video twice;
//! - [`YouTubeAccounts::add_account`]: the installed-app consent flow with a timeout, then
//!   `channels.list?part=id,snippet&mine=true`, then the account stored with its channel;
//! - [`YouTubeAccounts::list`] and [`YouTubeAccounts::remove`];
//! - [`YouTubeAccounts::set_thumbnail`]: set a thumbnail later, when an upload's receipt says
//!   `thumbnail_set: false` (its `thumbnail_error` says why).
//!
//! ```no_run
//! # async fn demo() -> ytempire_core::Result<()> {
//! use ytempire_youtube::{AddAccount, YouTubeAccounts};
//!
//! let accounts = YouTubeAccounts::new("accounts.json")
//!     .with_client_secrets_file("client_secret.json")
//!     .with_ledger_file(".ytempire/quota.json")
//!     .with_session_dir(".ytempire/sessions")
//!     .with_accounts(["cooking", "cooking-2"]); // the channel's accounts, in order
//!
//! // Once per account: consent in the browser (or open the printed URL), 5 minutes at most.
//! let added = accounts
//!     .add_account(&AddAccount::new("cooking"), |url| println!("Open {url}"))
//!     .await?;
//! println!("{} → {:?}", added.name, added.channel_title);
//!
//! // The pipeline's upload stage: rotates across the accounts by remaining quota.
//! let uploader = accounts.uploader().await?;
//! # let _ = uploader;
//! # Ok(()) }
//! ```

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use ytempire_core::{DynUploader, Error, ErrorKind, Result, Thumbnail};

use crate::client::{Endpoints, YouTubeClient};
use crate::error::PROVIDER;
use crate::oauth::{ClientSecrets, InstalledAppFlow, OAuthClient, RefreshingToken, StaticToken};
use crate::quota::{QuotaCosts, QuotaLedger};
use crate::rotate::RotatingUploader;
use crate::store::{Account, TokenStore};
use crate::upload::{UploadConfig, YouTubeUploader};

/// Environment variable naming the OAuth consent (authorization) URL, for tests and proxies
/// (default: the client-secrets file's `auth_uri`, else Google's).
pub const AUTH_URL_ENV: &str = "YTEMPIRE_OAUTH_AUTH_URL";
/// Default client-secrets file.
pub const DEFAULT_SECRETS_FILE: &str = "client_secret.json";
/// Default directory of saved resumable-upload sessions.
pub const DEFAULT_SESSION_DIR: &str = ".ytempire/sessions";
/// How long [`YouTubeAccounts::add_account`] waits for the browser by default (5 minutes).
pub const DEFAULT_CONSENT_TIMEOUT: Duration = Duration::from_secs(300);

/// Everything the YouTube side of an application needs, as one builder. See the module docs.
#[derive(Clone)]
pub struct YouTubeAccounts {
    store_path: PathBuf,
    store_key: Option<SecretString>,
    /// The server holding the accounts instead of the file at `store_path`.
    #[cfg(feature = "postgres")]
    store_db: Option<ytempire_core::pg::PgStore>,
    secrets_path: PathBuf,
    secrets: Option<ClientSecrets>,
    ledger_path: Option<PathBuf>,
    ledger: Option<Arc<QuotaLedger>>,
    endpoints: Endpoints,
    /// Whether the endpoints' token URL replaces the client-secrets file's `token_uri`
    /// (endpoints set explicitly, or [`TOKEN_URL_ENV`](crate::TOKEN_URL_ENV) set).
    override_token_url: bool,
    auth_url: Option<String>,
    session_dir: PathBuf,
    accounts: Vec<String>,
    config: UploadConfig,
}

impl fmt::Debug for YouTubeAccounts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("YouTubeAccounts")
            .field("store", &self.store_path)
            .field("encrypted", &self.store_key.is_some())
            .field("secrets", &self.secrets_path)
            .field("ledger", &self.ledger_file())
            .field("endpoints", &self.endpoints)
            .field("session_dir", &self.session_dir)
            .field("accounts", &self.accounts)
            .finish_non_exhaustive()
    }
}

impl YouTubeAccounts {
    /// Accounts stored in the token store at `store` (created by the first
    /// [`add_account`](Self::add_account)). Defaults: client secrets
    /// [`DEFAULT_SECRETS_FILE`], quota ledger `quota.json` next to the store, endpoints from
    /// the environment ([`Endpoints::from_env`], [`AUTH_URL_ENV`]), sessions under
    /// [`DEFAULT_SESSION_DIR`], every account in the store.
    pub fn new(store: impl Into<PathBuf>) -> Self {
        Self {
            store_path: store.into(),
            store_key: None,
            #[cfg(feature = "postgres")]
            store_db: None,
            secrets_path: PathBuf::from(DEFAULT_SECRETS_FILE),
            secrets: None,
            ledger_path: None,
            ledger: None,
            endpoints: Endpoints::from_env(),
            override_token_url: std::env::var_os(crate::TOKEN_URL_ENV).is_some(),
            auth_url: std::env::var(AUTH_URL_ENV)
                .ok()
                .filter(|v| !v.trim().is_empty()),
            session_dir: PathBuf::from(DEFAULT_SESSION_DIR),
            accounts: Vec::new(),
            config: UploadConfig::default(),
        }
    }

    /// Read the OAuth client from this client-secrets file (Google's JSON for a "Desktop
    /// app" client).
    #[must_use]
    pub fn with_client_secrets_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.secrets_path = path.into();
        self
    }

    /// Use this OAuth client instead of reading a file (accounts that recorded their own
    /// secrets file still use theirs).
    #[must_use]
    pub fn with_client_secrets(mut self, secrets: ClientSecrets) -> Self {
        self.secrets = Some(secrets);
        self
    }

    /// Keep the accounts on this PostgreSQL server (a [`TokenStore::connect_postgres`]
    /// store's [`TokenStore::database`]) instead of the file, so workers on several machines
    /// share them; feature `postgres`.
    #[cfg(feature = "postgres")]
    #[must_use]
    pub fn with_store_database(mut self, db: ytempire_core::pg::PgStore) -> Self {
        self.store_db = Some(db);
        self
    }

    /// Persist the quota ledger in this file.
    #[must_use]
    pub fn with_ledger_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.ledger_path = Some(path.into());
        self
    }

    /// Share this ledger (e.g. one with custom daily limits).
    #[must_use]
    pub fn with_ledger(mut self, ledger: Arc<QuotaLedger>) -> Self {
        self.ledger = Some(ledger);
        self
    }

    /// Use these endpoints (default [`Endpoints::from_env`]); their token URL replaces the
    /// client-secrets file's.
    #[must_use]
    pub fn with_endpoints(mut self, endpoints: Endpoints) -> Self {
        self.endpoints = endpoints;
        self.override_token_url = true;
        self
    }

    /// Send the consent page to this authorization URL instead of the secrets file's.
    #[must_use]
    pub fn with_auth_url(mut self, url: impl Into<String>) -> Self {
        self.auth_url = Some(url.into());
        self
    }

    /// Save resumable sessions here, so a rerun resumes an interrupted upload.
    #[must_use]
    pub fn with_session_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.session_dir = dir.into();
        self
    }

    /// Upload only with these accounts (a channel's accounts), tried in this order when their
    /// remaining quota is equal. Empty: every account in the store.
    #[must_use]
    pub fn with_accounts<I, S>(mut self, names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.accounts = names.into_iter().map(Into::into).collect();
        self
    }

    /// Chunking and retries of every upload.
    #[must_use]
    pub fn with_upload_config(mut self, config: UploadConfig) -> Self {
        self.config = config;
        self
    }

    /// Encrypt the token store with this base64 32-byte key instead of [`TOKEN_KEY_ENV`](crate::TOKEN_KEY_ENV).
    #[must_use]
    pub fn with_store_key(mut self, key_b64: SecretString) -> Self {
        self.store_key = Some(key_b64);
        self
    }

    /// The endpoints in use.
    pub fn endpoints(&self) -> &Endpoints {
        &self.endpoints
    }

    /// The token store file.
    pub fn store_path(&self) -> &Path {
        &self.store_path
    }

    /// The quota ledger file (`quota.json` next to the store unless set).
    pub fn ledger_file(&self) -> PathBuf {
        self.ledger_path
            .clone()
            .unwrap_or_else(|| self.store_path.with_file_name("quota.json"))
    }

    /// Open the token store (encrypted with the key given, else [`TOKEN_KEY_ENV`](crate::TOKEN_KEY_ENV) if set).
    pub fn store(&self) -> Result<TokenStore> {
        #[cfg(feature = "postgres")]
        let store = match &self.store_db {
            Some(db) => TokenStore::from_postgres(db.clone()),
            None => TokenStore::open(self.store_path.clone()),
        };
        #[cfg(not(feature = "postgres"))]
        let store = TokenStore::open(self.store_path.clone());
        match &self.store_key {
            Some(k) => store.with_key(k.clone()),
            None => store.with_key_from_env(),
        }
    }

    /// Every stored account, sorted by name (no tokens).
    pub async fn list(&self) -> Result<Vec<Account>> {
        self.store()?.list().await
    }

    /// Forget an account (its refresh token leaves the store); returns whether it existed.
    pub async fn remove(&self, name: &str) -> Result<bool> {
        self.store()?.remove(name).await
    }

    /// The quota ledger every client of these accounts charges: the one given with
    /// [`with_ledger`](Self::with_ledger), else the [`ledger_file`](Self::ledger_file).
    ///
    /// # Errors
    /// The ledger file's errors.
    pub fn quota_ledger(&self) -> Result<Arc<QuotaLedger>> {
        match &self.ledger {
            Some(l) => Ok(Arc::clone(l)),
            None => Ok(Arc::new(QuotaLedger::open(
                self.ledger_file(),
                QuotaCosts::default(),
            )?)),
        }
    }

    /// The OAuth client from `path` (or the configured one), with the endpoints applied.
    fn client_secrets(&self, path: Option<&Path>) -> Result<ClientSecrets> {
        let secrets = match (path, &self.secrets) {
            (None, Some(s)) => s.clone(),
            (p, _) => load_secrets(p.unwrap_or(&self.secrets_path))?,
        };
        let mut secrets = if self.override_token_url {
            secrets.with_token_url(self.endpoints.token_url.clone())
        } else {
            secrets
        };
        if let Some(auth) = &self.auth_url {
            secrets.auth_url = auth.clone();
        }
        Ok(secrets)
    }

    /// The accounts to upload with, in order, with their refresh tokens.
    async fn chosen(&self, store: &TokenStore) -> Result<Vec<(Account, SecretString)>> {
        let all = store.list().await?;
        if all.is_empty() {
            return Err(Error::config(format!(
                "no YouTube accounts in {}; add one with `ytempire accounts add NAME`",
                store.path().display()
            )));
        }
        let names: Vec<String> = if self.accounts.is_empty() {
            all.iter().map(|a| a.name.clone()).collect()
        } else {
            self.accounts.clone()
        };
        let mut out = Vec::new();
        for name in &names {
            if !all.iter().any(|a| &a.name == name) {
                let known: Vec<&str> = all.iter().map(|a| a.name.as_str()).collect();
                return Err(Error::config(format!(
                    "no account named {name:?} in {} (it has: {}); add it with `ytempire accounts add {name}` or fix the channel's account names",
                    store.path().display(),
                    known.join(", ")
                )));
            }
            if out.iter().any(|(a, _): &(Account, _)| &a.name == name) {
                continue;
            }
            out.push(store.get(name).await?);
        }
        Ok(out)
    }

    fn account_uploader(
        &self,
        account: Account,
        refresh: SecretString,
        secrets: &mut HashMap<Option<PathBuf>, ClientSecrets>,
    ) -> Result<YouTubeUploader> {
        let key = account.client_secrets.clone();
        let s = match secrets.get(&key) {
            Some(s) => s.clone(),
            None => {
                let s = self.client_secrets(key.as_deref())?;
                secrets.insert(key, s.clone());
                s
            }
        };
        let auth = Arc::new(RefreshingToken::new(OAuthClient::new(s), refresh));
        Ok(
            YouTubeUploader::new(YouTubeClient::new(account, auth, self.endpoints.clone()))
                .with_config(self.config.clone())
                .with_session_dir(self.session_dir.clone()),
        )
    }

    /// A [`RotatingUploader`] over the chosen accounts, charging the quota ledger.
    ///
    /// Errors (kind `Config`) when the store has no account, names an unknown account, or
    /// the client-secrets file is missing or is not Google's JSON.
    pub async fn rotating_uploader(&self) -> Result<RotatingUploader> {
        let store = self.store()?;
        let chosen = self.chosen(&store).await?;
        let mut secrets = HashMap::new();
        let uploaders = chosen
            .into_iter()
            .map(|(a, r)| self.account_uploader(a, r, &mut secrets))
            .collect::<Result<Vec<_>>>()?;
        Ok(RotatingUploader::new(uploaders, self.quota_ledger()?))
    }

    /// The pipeline's upload stage: [`rotating_uploader`](Self::rotating_uploader) as a core
    /// [`DynUploader`], for `PipelineBuilder::uploader` or a single `upload` call.
    pub async fn uploader(&self) -> Result<DynUploader> {
        Ok(Arc::new(self.rotating_uploader().await?))
    }

    /// Set the thumbnail of a video `account` uploaded (the receipt's `account` and
    /// `video_id`), retrying transient failures. Returns the quota units charged.
    pub async fn set_thumbnail(
        &self,
        account: &str,
        video_id: &str,
        thumbnail: &Thumbnail,
    ) -> Result<u64> {
        let store = self.store()?;
        let (a, refresh) = store.get(account).await.map_err(|e| {
            if e.kind() == ErrorKind::NotFound {
                Error::config(format!(
                    "no account named {account:?} in {}; the video's uploader account must be in the store",
                    store.path().display()
                ))
            } else {
                e
            }
        })?;
        let uploader = RotatingUploader::new(
            vec![self.account_uploader(a, refresh, &mut HashMap::new())?],
            self.quota_ledger()?,
        );
        uploader.set_thumbnail(account, video_id, thumbnail).await
    }

    /// Authorise a Google account and store it under `request.name`.
    ///
    /// Runs the installed-app flow (loopback redirect, PKCE): `on_url` always receives the
    /// consent URL (print it), and the browser is opened where one exists (see
    /// [`open_in_browser`]) unless `request` says not to. Gives up after `request`'s timeout
    /// with an error (kind `Timeout`) saying so. Then reads the channel with
    /// `channels.list?part=id,snippet&mine=true` and stores the account with its channel id
    /// and title, replacing an account of the same name. The project defaults to the OAuth
    /// client's project number (the prefix of its client id): quota is per project.
    pub async fn add_account(
        &self,
        request: &AddAccount,
        on_url: impl FnOnce(&url::Url) + Send,
    ) -> Result<Account> {
        let name = request.name.trim();
        if name.is_empty() || name.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(Error::invalid_request(format!(
                "account name {:?} must be non-empty, without spaces",
                request.name
            )));
        }
        let store = self.store()?;
        let secrets = self.client_secrets(request.client_secrets.as_deref())?;
        let project = request
            .project
            .clone()
            .unwrap_or_else(|| project_of_client(&secrets.client_id));
        let flow = InstalledAppFlow::new(OAuthClient::new(secrets));
        let open = request.open_browser;
        let run = flow.run(move |url| {
            on_url(url);
            if open {
                open_in_browser(url);
            }
        });
        let secs = request.timeout.as_secs_f64();
        let grant = tokio::time::timeout(request.timeout, run)
            .await
            .map_err(|_| {
                Error::new(
                    ErrorKind::Timeout,
                    format!(
                        "no answer from the browser within {secs:.0} s; rerun `ytempire accounts add {name}` and approve access in the browser (open the printed URL yourself if none opened)"
                    ),
                )
                .with_provider(PROVIDER)
            })??;
        let refresh = grant.refresh_token.clone().ok_or_else(|| {
            Error::new(
                ErrorKind::Unauthenticated,
                "Google returned no refresh token; remove the app's access at https://myaccount.google.com/permissions and add the account again",
            )
            .with_provider(PROVIDER)
        })?;
        let token = Arc::new(StaticToken::new(
            grant.access_token.expose_secret().to_string(),
        ));
        let probe = YouTubeClient::new(
            Account::new(name, project.clone()),
            token,
            self.endpoints.clone(),
        );
        let channel = probe.my_channel().await?;
        let mut account = Account::new(name, project)
            .with_channel_id(channel.id)
            .with_channel_title(channel.title);
        if let Some(p) = &request.client_secrets {
            account = account.with_client_secrets(p.clone());
        }
        store.add(account.clone(), refresh).await?;
        Ok(account)
    }
}

/// What [`YouTubeAccounts::add_account`] should do.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AddAccount {
    /// The name to store it under (your name for the channel).
    pub name: String,
    /// The Cloud project whose quota it spends (default: the OAuth client's project number).
    pub project: Option<String>,
    /// A client-secrets file for this account (another Cloud project), recorded with it.
    pub client_secrets: Option<PathBuf>,
    /// Give up waiting for the browser after this long (default 5 minutes).
    pub timeout: Duration,
    /// Try to open the consent URL in a browser (default true).
    pub open_browser: bool,
}

impl AddAccount {
    /// Add an account named `name` with the defaults.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            project: None,
            client_secrets: None,
            timeout: DEFAULT_CONSENT_TIMEOUT,
            open_browser: true,
        }
    }

    /// Record this Cloud project (quota is per project).
    #[must_use]
    pub fn with_project(mut self, project: impl Into<String>) -> Self {
        self.project = Some(project.into());
        self
    }

    /// Authorise with this client-secrets file (recorded with the account).
    #[must_use]
    pub fn with_client_secrets_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.client_secrets = Some(path.into());
        self
    }

    /// Wait at most this long for the browser.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Whether to try opening a browser (the URL always goes to the callback).
    #[must_use]
    pub fn with_open_browser(mut self, open: bool) -> Self {
        self.open_browser = open;
        self
    }
}

/// Try to open `url` in the user's browser (`open` on macOS, the URL handler on Windows,
/// `xdg-open` elsewhere when a display is present). Never waits for the browser and ignores failures;
/// returns whether a launcher started.
pub fn open_in_browser(url: &url::Url) -> bool {
    use std::process::{Command, Stdio};
    let mut cmd = if cfg!(target_os = "macos") {
        Command::new("open")
    } else if cfg!(windows) {
        // Not `cmd /C start`: cmd would split the URL at its `&`s.
        let mut c = Command::new("rundll32");
        c.arg("url.dll,FileProtocolHandler");
        c
    } else {
        let display = ["DISPLAY", "WAYLAND_DISPLAY"]
            .iter()
            .any(|v| std::env::var_os(v).is_some_and(|x| !x.is_empty()));
        if !display {
            // A terminal-only machine: xdg-open could start a text browser in our terminal.
            return false;
        }
        Command::new("xdg-open")
    };
    cmd.arg(url.as_str())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    match cmd.spawn() {
        Ok(mut child) => {
            // Reap it without blocking the caller.
            std::thread::spawn(move || {
                let _ = child.wait();
            });
            true
        }
        Err(e) => {
            tracing::debug!(error = %e, "could not start a browser");
            false
        }
    }
}

/// Load a client-secrets file, with a message that says how to get one when it is missing.
fn load_secrets(path: &Path) -> Result<ClientSecrets> {
    if !path.exists() {
        return Err(Error::config(format!(
            "client secrets file {} not found: create an OAuth client of type \"Desktop app\" in the Google Cloud console (APIs & Services → Credentials), download its JSON and point to it (ytempire: --secrets FILE)",
            path.display()
        )));
    }
    ClientSecrets::load(path).map_err(|e| {
        Error::config(format!(
            "client secrets file {}: {}",
            path.display(),
            e.message()
        ))
    })
}

/// The Cloud project number in a client id (`123456-abc.apps.googleusercontent.com`).
fn project_of_client(client_id: &str) -> String {
    match client_id.split_once('-') {
        Some((n, _)) if !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()) => n.to_string(),
        _ => client_id.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_comes_from_the_client_id() {
        assert_eq!(
            project_of_client("1234567890-abc.apps.googleusercontent.com"),
            "1234567890"
        );
        assert_eq!(
            project_of_client("fake-client-id.apps.googleusercontent.com"),
            "fake-client-id.apps.googleusercontent.com"
        );
    }

    #[test]
    fn missing_secrets_say_how_to_get_them() {
        let err = load_secrets(Path::new("/nonexistent/client_secret.json")).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
        assert!(err.to_string().contains("Desktop app"), "{err}");
        assert!(
            err.to_string().contains("/nonexistent/client_secret.json"),
            "{err}"
        );
    }
}

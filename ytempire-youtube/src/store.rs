//! A multi-account token store: one file holding every account's refresh token, channel id and
//! Google Cloud project (quota is per project), written atomically with 0600 permissions and
//! optionally encrypted at rest with AES-256-GCM.
//!
//! Workers running at once, on one machine or many, keep the accounts on a PostgreSQL server
//! instead (feature `postgres`, [`TokenStore::connect_postgres`]): one row per account, each
//! change one atomic statement, refresh tokens sealed with the same key and cipher.
//!
//! The key comes from the environment: [`TOKEN_KEY_ENV`] (`YTEMPIRE_TOKEN_KEY`) holds 32 bytes
//! as base64 (e.g. `openssl rand -base64 32`). A store written encrypted cannot be read without
//! the key, and reading never falls back to plaintext silently.
//!
//! ```no_run
//! # async fn demo() -> ytempire_core::Result<()> {
//! use ytempire_youtube::{Account, TokenStore};
//! let store = TokenStore::open("accounts.json").with_key_from_env()?;
//! store
//!     .add(Account::new("cooking", "my-project-1").with_channel_id("UC123"), "1//refresh".into())
//!     .await?;
//! for account in store.list().await? {
//!     println!("{} → {}", account.name, account.project);
//! }
//! # Ok(()) }
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use aes_gcm::Aes256Gcm;
use aes_gcm::aead::{Aead, KeyInit};
use base64::Engine as _;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;
use ytempire_core::{Error, ErrorKind, Result};

#[cfg(feature = "postgres")]
mod postgres;

/// Environment variable holding the base64 AES-256 key for encryption at rest.
pub const TOKEN_KEY_ENV: &str = "YTEMPIRE_TOKEN_KEY";

/// One YouTube account: who it is and which Cloud project pays its quota.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Account {
    /// Your name for it, e.g. "cooking-channel".
    pub name: String,
    /// The Google Cloud project whose quota its calls spend.
    pub project: String,
    /// `UC…` channel id, when known.
    #[serde(default)]
    pub channel_id: Option<String>,
    /// The channel's title, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_title: Option<String>,
    /// The client-secrets file this account was authorised with, when it is not the default
    /// one: a refresh token only works with the OAuth client that obtained it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secrets: Option<PathBuf>,
}

impl Account {
    /// An account named `name` spending `project`'s quota.
    pub fn new(name: impl Into<String>, project: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            project: project.into(),
            channel_id: None,
            channel_title: None,
            client_secrets: None,
        }
    }

    /// Record the channel id.
    #[must_use]
    pub fn with_channel_id(mut self, id: impl Into<String>) -> Self {
        self.channel_id = Some(id.into());
        self
    }

    /// Record the channel title.
    #[must_use]
    pub fn with_channel_title(mut self, title: impl Into<String>) -> Self {
        self.channel_title = Some(title.into());
        self
    }

    /// Record the client-secrets file the account was authorised with.
    #[must_use]
    pub fn with_client_secrets(mut self, path: impl Into<PathBuf>) -> Self {
        self.client_secrets = Some(path.into());
        self
    }
}

#[derive(Serialize, Deserialize)]
struct Record {
    #[serde(flatten)]
    account: Account,
    refresh_token: String,
}

#[derive(Serialize, Deserialize, Default)]
struct Plain {
    version: u32,
    accounts: BTreeMap<String, Record>,
}

#[derive(Serialize, Deserialize)]
struct Sealed {
    version: u32,
    encryption: String,
    nonce: String,
    ciphertext: String,
}

/// A file (or, with the `postgres` feature, a database table) of accounts and their refresh
/// tokens. Cheap to share behind an `Arc`.
pub struct TokenStore {
    path: PathBuf,
    key: Option<SecretString>,
    lock: Mutex<()>,
    /// The server holding the accounts instead of the file.
    #[cfg(feature = "postgres")]
    pg: Option<postgres::PgTokens>,
}

impl fmt::Debug for TokenStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenStore")
            .field("path", &self.path)
            .field("encrypted", &self.key.is_some())
            .finish_non_exhaustive()
    }
}

impl TokenStore {
    /// A store at `path` (created on first write), unencrypted.
    pub fn open(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            key: None,
            lock: Mutex::new(()),
            #[cfg(feature = "postgres")]
            pg: None,
        }
    }

    /// Encrypt with the key in [`TOKEN_KEY_ENV`], if that variable is set.
    pub fn with_key_from_env(self) -> Result<Self> {
        match std::env::var(TOKEN_KEY_ENV) {
            Ok(v) if !v.trim().is_empty() => self.with_key(SecretString::from(v)),
            _ => Ok(self),
        }
    }

    /// Encrypt with this base64 32-byte key.
    pub fn with_key(mut self, key_b64: SecretString) -> Result<Self> {
        decode_key(&key_b64)?;
        self.key = Some(key_b64);
        Ok(self)
    }

    /// Where the store lives (for a database store, a description of its table).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Add or replace an account.
    pub async fn add(&self, account: Account, refresh_token: SecretString) -> Result<()> {
        #[cfg(feature = "postgres")]
        if let Some(pg) = &self.pg {
            return pg
                .put(self.key.as_ref(), &account, &refresh_token, true)
                .await
                .map(drop);
        }
        let _guard = self.lock.lock().await;
        let mut plain = self.read().await?;
        plain.accounts.insert(
            account.name.clone(),
            Record {
                account,
                refresh_token: refresh_token.expose_secret().to_string(),
            },
        );
        self.write(&plain).await
    }

    /// Every account, sorted by name (no tokens).
    pub async fn list(&self) -> Result<Vec<Account>> {
        #[cfg(feature = "postgres")]
        if let Some(pg) = &self.pg {
            return pg.list().await;
        }
        let _guard = self.lock.lock().await;
        let plain = self.read().await?;
        Ok(plain.accounts.into_values().map(|r| r.account).collect())
    }

    /// One account and its refresh token.
    pub async fn get(&self, name: &str) -> Result<(Account, SecretString)> {
        #[cfg(feature = "postgres")]
        if let Some(pg) = &self.pg {
            return pg.get(self.key.as_ref(), name).await;
        }
        let _guard = self.lock.lock().await;
        let mut plain = self.read().await?;
        let rec = plain.accounts.remove(name).ok_or_else(|| {
            Error::new(
                ErrorKind::NotFound,
                format!("no account named {name:?} in {}", self.path.display()),
            )
        })?;
        Ok((rec.account, SecretString::from(rec.refresh_token)))
    }

    /// Remove an account; returns whether it existed.
    pub async fn remove(&self, name: &str) -> Result<bool> {
        #[cfg(feature = "postgres")]
        if let Some(pg) = &self.pg {
            return pg.remove(name).await;
        }
        let _guard = self.lock.lock().await;
        let mut plain = self.read().await?;
        let existed = plain.accounts.remove(name).is_some();
        if existed {
            self.write(&plain).await?;
        }
        Ok(existed)
    }

    /// Copy into this store every account of `from` it lacks (accounts it has are kept as
    /// they are); the names copied. Moves a machine's token file onto a shared server.
    ///
    /// # Errors
    /// Either store's.
    pub async fn import_missing(&self, from: &TokenStore) -> Result<Vec<String>> {
        let mut copied = Vec::new();
        for account in from.list().await? {
            let (account, token) = from.get(&account.name).await?;
            #[cfg(feature = "postgres")]
            if let Some(pg) = &self.pg {
                if pg.put(self.key.as_ref(), &account, &token, false).await? {
                    copied.push(account.name);
                }
                continue;
            }
            let _guard = self.lock.lock().await;
            let mut plain = self.read().await?;
            if !plain.accounts.contains_key(&account.name) {
                copied.push(account.name.clone());
                plain.accounts.insert(
                    account.name.clone(),
                    Record {
                        account,
                        refresh_token: token.expose_secret().to_string(),
                    },
                );
                self.write(&plain).await?;
            }
        }
        Ok(copied)
    }

    async fn read(&self) -> Result<Plain> {
        let bytes = match tokio::fs::read(&self.path).await {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Plain {
                    version: 1,
                    ..Plain::default()
                });
            }
            Err(e) => {
                return Err(Error::io(format!("reading {}", self.path.display()), e));
            }
        };
        let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| {
            Error::config(format!(
                "token store {} is not JSON: {e}",
                self.path.display()
            ))
        })?;
        let is_sealed = value.get("ciphertext").is_some();
        match (is_sealed, &self.key) {
            (false, _) => serde_json::from_value(value).map_err(|e| {
                Error::config(format!(
                    "token store {} is damaged: {e}",
                    self.path.display()
                ))
            }),
            (true, None) => Err(Error::config(format!(
                "token store {} is encrypted; set {TOKEN_KEY_ENV}",
                self.path.display()
            ))),
            (true, Some(key)) => {
                let sealed: Sealed = serde_json::from_value(value).map_err(|e| {
                    Error::config(format!(
                        "token store {} is damaged: {e}",
                        self.path.display()
                    ))
                })?;
                let plain = open_sealed(key, &sealed)?;
                serde_json::from_slice(&plain).map_err(|e| {
                    Error::config(format!(
                        "token store {} is damaged: {e}",
                        self.path.display()
                    ))
                })
            }
        }
    }

    async fn write(&self, plain: &Plain) -> Result<()> {
        let json = serde_json::to_vec_pretty(plain)?;
        let bytes = match &self.key {
            None => json,
            Some(key) => serde_json::to_vec_pretty(&seal(key, &json)?)?,
        };
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || write_private(&path, &bytes))
            .await
            .map_err(|e| Error::internal(format!("token store write task failed: {e}")))?
    }
}

/// Atomic write with 0600 permissions set on the temporary file before any byte is written.
fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write as _;
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|e| Error::io(format!("creating {}", parent.display()), e))?;
    }
    let tmp = ytempire_core::fs::temp_path_for(path);
    let result = (|| {
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            opts.mode(0o600);
        }
        let mut file = opts.open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io(format!("writing {}", path.display()), e));
    }
    ytempire_core::fs::commit_temp(&tmp, path)
}

fn decode_key(key_b64: &SecretString) -> Result<Aes256Gcm> {
    let raw = base64::engine::general_purpose::STANDARD
        .decode(key_b64.expose_secret().trim())
        .map_err(|_| Error::config(format!("{TOKEN_KEY_ENV} must be base64 of 32 bytes")))?;
    Aes256Gcm::new_from_slice(&raw)
        .map_err(|_| Error::config(format!("{TOKEN_KEY_ENV} must decode to exactly 32 bytes")))
}

fn seal(key: &SecretString, plain: &[u8]) -> Result<Sealed> {
    let cipher = decode_key(key)?;
    let nonce_bytes: [u8; 12] = rand::random();
    let nonce = aes_gcm::Nonce::from(nonce_bytes);
    let ciphertext = cipher
        .encrypt(&nonce, plain)
        .map_err(|_| Error::internal("token store encryption failed"))?;
    let b64 = base64::engine::general_purpose::STANDARD;
    Ok(Sealed {
        version: 1,
        encryption: "AES-256-GCM".into(),
        nonce: b64.encode(nonce_bytes),
        ciphertext: b64.encode(ciphertext),
    })
}

fn open_sealed(key: &SecretString, sealed: &Sealed) -> Result<Vec<u8>> {
    let cipher = decode_key(key)?;
    let b64 = base64::engine::general_purpose::STANDARD;
    let damaged = || Error::config("token store is damaged (bad base64)");
    let nonce_raw = b64.decode(&sealed.nonce).map_err(|_| damaged())?;
    let nonce_bytes: [u8; 12] = nonce_raw.try_into().map_err(|_| damaged())?;
    let ciphertext = b64.decode(&sealed.ciphertext).map_err(|_| damaged())?;
    cipher
        .decrypt(&aes_gcm::Nonce::from(nonce_bytes), ciphertext.as_slice())
        .map_err(|_| {
            Error::new(
                ErrorKind::Unauthenticated,
                format!("cannot decrypt the token store: wrong {TOKEN_KEY_ENV} or tampered file"),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SecretString {
        SecretString::from(base64::engine::general_purpose::STANDARD.encode([7u8; 32]))
    }

    #[tokio::test]
    async fn add_list_remove_many_accounts() {
        let dir = tempfile::tempdir().unwrap();
        let store = TokenStore::open(dir.path().join("t/accounts.json"));
        for i in 0..16 {
            let a = Account::new(format!("acct{i:02}"), format!("proj{}", i % 4))
                .with_channel_id(format!("UC{i}"));
            store
                .add(a, SecretString::from(format!("1//refresh-{i}")))
                .await
                .unwrap();
        }
        let list = store.list().await.unwrap();
        assert_eq!(list.len(), 16);
        assert_eq!(list[3].project, "proj3");
        let (a, tok) = store.get("acct05").await.unwrap();
        assert_eq!(a.channel_id.as_deref(), Some("UC5"));
        assert_eq!(tok.expose_secret(), "1//refresh-5");
        assert!(store.remove("acct05").await.unwrap());
        assert!(!store.remove("acct05").await.unwrap());
        assert_eq!(
            store.get("acct05").await.unwrap_err().kind(),
            ErrorKind::NotFound
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(store.path())
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[tokio::test]
    async fn encrypted_store_hides_tokens_and_needs_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("accounts.json");
        let store = TokenStore::open(&path).with_key(key()).unwrap();
        store
            .add(
                Account::new("a", "p"),
                SecretString::from("1//very-secret-refresh".to_string()),
            )
            .await
            .unwrap();
        let raw = std::fs::read_to_string(&path).unwrap();
        assert!(!raw.contains("very-secret-refresh"));
        assert!(!raw.contains("\"a\""));
        assert_eq!(store.list().await.unwrap().len(), 1);
        let (_, tok) = store.get("a").await.unwrap();
        assert_eq!(tok.expose_secret(), "1//very-secret-refresh");

        let no_key = TokenStore::open(&path);
        assert_eq!(no_key.list().await.unwrap_err().kind(), ErrorKind::Config);
        let other = base64::engine::general_purpose::STANDARD.encode([8u8; 32]);
        let wrong = TokenStore::open(&path)
            .with_key(SecretString::from(other))
            .unwrap();
        let err = wrong.list().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unauthenticated);
        assert!(!format!("{err:?} {wrong:?}").contains("very-secret"));
        assert!(
            TokenStore::open(&path)
                .with_key(SecretString::from("c2hvcnQ=".to_string()))
                .is_err()
        );
    }
}

//! The token store on a PostgreSQL server (feature `postgres`): one row per account in
//! `youtube_accounts`, shared by every worker on any machine that names the server.
//!
//! Each change is one atomic statement on one row (an upsert, a delete), so processes adding
//! or replacing accounts at once lose none of each other's (the JSON file is read and written
//! whole, so the last writer wins there). With a key ([`TOKEN_KEY_ENV`](crate::TOKEN_KEY_ENV))
//! the refresh token is sealed with AES-256-GCM exactly as in the file store, a fresh nonce per
//! row; a sealed row cannot be read without the key, and never falls back to plaintext.

use secrecy::{ExposeSecret, SecretString};
use ytempire_core::pg::{PgOptions, PgStore};
use ytempire_core::{Error, ErrorKind, Result};

use super::{Account, Sealed, TOKEN_KEY_ENV, TokenStore, open_sealed, seal};

/// Schema migrations of the `youtube_accounts` component, in order.
const MIGRATIONS: &[&str] = &["CREATE TABLE youtube_accounts (
       name TEXT PRIMARY KEY,
       account TEXT NOT NULL,
       refresh_token TEXT NOT NULL,
       encryption TEXT,
       updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
     );"];

/// Where the store lives, as its errors name it.
pub(super) const LOCATION: &str = "the PostgreSQL table youtube_accounts";

/// The accounts' rows on the server.
#[derive(Debug, Clone)]
pub(super) struct PgTokens {
    db: PgStore,
}

impl TokenStore {
    /// A store on the PostgreSQL server at `url`, its table created when missing; every
    /// process opening the same server and schema shares the accounts. Unencrypted until
    /// [`with_key`](Self::with_key) or [`with_key_from_env`](Self::with_key_from_env).
    ///
    /// # Errors
    /// `Config` for a malformed URL or schema name; `Transport` when the server cannot be
    /// reached.
    pub async fn connect_postgres(url: &str, options: &PgOptions) -> Result<Self> {
        let db = PgStore::connect(url, options, "token store", MIGRATIONS).await?;
        Ok(Self::from_postgres(db))
    }

    /// A store on an open connection pool (from [`TokenStore::connect_postgres`] or another
    /// store's [`TokenStore::database`]), unencrypted until a key is set.
    pub fn from_postgres(db: PgStore) -> Self {
        let mut store = Self::open(LOCATION);
        store.pg = Some(PgTokens { db });
        store
    }

    /// The server this store lives on, if it does.
    pub fn database(&self) -> Option<&PgStore> {
        self.pg.as_ref().map(|p| &p.db)
    }
}

fn damaged(name: &str, e: impl std::fmt::Display) -> Error {
    Error::config(format!(
        "token store: the row of account {name:?} in {LOCATION} is damaged: {e}"
    ))
}

impl PgTokens {
    /// Insert one account's row, replacing an existing one when `replace`; whether a row was
    /// written.
    pub(super) async fn put(
        &self,
        key: Option<&SecretString>,
        account: &Account,
        refresh_token: &SecretString,
        replace: bool,
    ) -> Result<bool> {
        let json = serde_json::to_string(account)?;
        let (token, encryption) = match key {
            None => (refresh_token.expose_secret().to_string(), None),
            Some(key) => {
                let sealed = seal(key, refresh_token.expose_secret().as_bytes())?;
                let encryption = sealed.encryption.clone();
                (serde_json::to_string(&sealed)?, Some(encryption))
            }
        };
        let on_conflict = if replace {
            "DO UPDATE SET account = EXCLUDED.account, refresh_token = EXCLUDED.refresh_token,
               encryption = EXCLUDED.encryption, updated_at = now()"
        } else {
            "DO NOTHING"
        };
        let client = self.db.client().await?;
        let n = client
            .execute(
                &format!(
                    "INSERT INTO youtube_accounts (name, account, refresh_token, encryption)
                     VALUES ($1, $2, $3, $4) ON CONFLICT (name) {on_conflict}"
                ),
                &[&account.name, &json, &token, &encryption],
            )
            .await
            .map_err(|e| self.db.err(e))?;
        Ok(n > 0)
    }

    /// Every account, sorted by name.
    pub(super) async fn list(&self) -> Result<Vec<Account>> {
        let client = self.db.client().await?;
        let rows = client
            .query(
                "SELECT name, account FROM youtube_accounts ORDER BY name",
                &[],
            )
            .await
            .map_err(|e| self.db.err(e))?;
        rows.iter()
            .map(|r| {
                let name: String = r.try_get(0).map_err(|e| self.db.err(e))?;
                let json: String = r.try_get(1).map_err(|e| self.db.err(e))?;
                serde_json::from_str(&json).map_err(|e| damaged(&name, e))
            })
            .collect()
    }

    /// One account and its refresh token (opened with `key` when sealed).
    pub(super) async fn get(
        &self,
        key: Option<&SecretString>,
        name: &str,
    ) -> Result<(Account, SecretString)> {
        let client = self.db.client().await?;
        let row = client
            .query_opt(
                "SELECT account, refresh_token, encryption FROM youtube_accounts WHERE name = $1",
                &[&name],
            )
            .await
            .map_err(|e| self.db.err(e))?
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::NotFound,
                    format!("no account named {name:?} in {LOCATION}"),
                )
            })?;
        let json: String = row.try_get(0).map_err(|e| self.db.err(e))?;
        let token: String = row.try_get(1).map_err(|e| self.db.err(e))?;
        let encryption: Option<String> = row.try_get(2).map_err(|e| self.db.err(e))?;
        let account = serde_json::from_str(&json).map_err(|e| damaged(name, e))?;
        let token = match (encryption, key) {
            (None, _) => token,
            (Some(_), None) => {
                return Err(Error::config(format!(
                    "the refresh token of account {name:?} in {LOCATION} is encrypted; set {TOKEN_KEY_ENV}"
                )));
            }
            (Some(_), Some(key)) => {
                let sealed: Sealed = serde_json::from_str(&token).map_err(|e| damaged(name, e))?;
                let plain = open_sealed(key, &sealed)?;
                String::from_utf8(plain).map_err(|_| damaged(name, "not UTF-8"))?
            }
        };
        Ok((account, SecretString::from(token)))
    }

    /// Delete one account's row; whether it existed.
    pub(super) async fn remove(&self, name: &str) -> Result<bool> {
        let client = self.db.client().await?;
        let n = client
            .execute("DELETE FROM youtube_accounts WHERE name = $1", &[&name])
            .await
            .map_err(|e| self.db.err(e))?;
        Ok(n > 0)
    }
}

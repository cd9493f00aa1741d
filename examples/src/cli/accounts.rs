//! `ytempire accounts add|list|remove`: YouTube accounts in the token store (this machine's
//! file, or the PostgreSQL server when the database names one).

use std::time::Duration;

use ytempire_core::{Error, Result};
use ytempire_youtube::AddAccount;

use super::args::AccountsCommand;
use super::upload::stored_accounts;
use crate::config::Config;

/// Run `ytempire accounts …`.
///
/// # Errors
/// Store, OAuth or API errors; `NotFound` removing an unknown account.
pub async fn run(config: &Config, cmd: AccountsCommand) -> Result<()> {
    let data = config.paths.data_dir();
    match cmd {
        AccountsCommand::Add(a) => {
            let (yt, place) = stored_accounts(config, &data, &[], a.secrets.as_deref()).await?;
            let mut req = AddAccount::new(a.name.clone())
                .with_timeout(Duration::from_secs(a.timeout))
                .with_open_browser(!a.no_browser);
            if let Some(p) = &a.project {
                req = req.with_project(p.clone());
            }
            let added = yt
                .add_account(&req, |url| {
                    eprintln!(
                        "Open this URL to authorise the account (waiting up to {} s):\n{url}",
                        a.timeout
                    );
                })
                .await?;
            println!(
                "account {} stored in {place} (channel {} {}, project {})",
                added.name,
                added.channel_id.as_deref().unwrap_or("?"),
                added.channel_title.as_deref().unwrap_or(""),
                added.project
            );
            Ok(())
        }
        AccountsCommand::List => {
            let (yt, place) = stored_accounts(config, &data, &[], None).await?;
            let list = yt.list().await?;
            if list.is_empty() {
                println!("no accounts in {place}; add one with `ytempire accounts add NAME`");
            }
            for a in list {
                println!(
                    "{:<20} project {:<24} channel {} {}",
                    a.name,
                    a.project,
                    a.channel_id.as_deref().unwrap_or("-"),
                    a.channel_title.as_deref().unwrap_or("")
                );
            }
            Ok(())
        }
        AccountsCommand::Remove { name } => {
            let (yt, place) = stored_accounts(config, &data, &[], None).await?;
            if yt.remove(&name).await? {
                println!("account {name} removed from {place}");
                Ok(())
            } else {
                Err(Error::new(
                    ytempire_core::ErrorKind::NotFound,
                    format!(
                        "no account named {name:?} in {place}; `ytempire accounts list` shows them"
                    ),
                ))
            }
        }
    }
}

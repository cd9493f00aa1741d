//! `ytempire accounts add|list|remove`: YouTube accounts in the token store.

use std::time::Duration;

use ytempire_core::{Error, Result};
use ytempire_youtube::AddAccount;

use super::args::AccountsCommand;
use super::upload::accounts;
use crate::config::Config;

/// Run `ytempire accounts …`.
///
/// # Errors
/// Store, OAuth or API errors; `NotFound` removing an unknown account.
pub async fn run(config: &Config, cmd: AccountsCommand) -> Result<()> {
    let data = config.paths.data_dir();
    match cmd {
        AccountsCommand::Add(a) => {
            let yt = accounts(config, &data, &[], a.secrets.as_deref())?;
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
                "account {} stored in {} (channel {} {}, project {})",
                added.name,
                yt.store_path().display(),
                added.channel_id.as_deref().unwrap_or("?"),
                added.channel_title.as_deref().unwrap_or(""),
                added.project
            );
            Ok(())
        }
        AccountsCommand::List => {
            let yt = accounts(config, &data, &[], None)?;
            let list = yt.list().await?;
            if list.is_empty() {
                println!(
                    "no accounts in {}; add one with `ytempire accounts add NAME`",
                    yt.store_path().display()
                );
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
            let yt = accounts(config, &data, &[], None)?;
            if yt.remove(&name).await? {
                println!("account {name} removed from {}", yt.store_path().display());
                Ok(())
            } else {
                Err(Error::new(
                    ytempire_core::ErrorKind::NotFound,
                    format!(
                        "no account named {name:?} in {}; `ytempire accounts list` shows them",
                        yt.store_path().display()
                    ),
                ))
            }
        }
    }
}

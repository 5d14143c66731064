//! Stage `scan`: which accounts and regions one check reads, and reading them. The
//! caller's account by default; `--accounts` or `--org` add a session in each other
//! account through its role. Accounts are read `--concurrency` at a time, the regions of
//! one account together; an account that cannot be read is reported, never skipped, and
//! does not stop the others.

use anyhow::Context as _;
use futures::stream::{self, StreamExt};

use crate::config::{AccountChoice, RegionChoice, Scope};
use crate::discover::{self, accounts, Aws};
use crate::inventory::AccountInventory;
use crate::progress::Progress;

/// One account as read: its inventory, or why it could not be read.
#[derive(Debug)]
pub enum AccountRead {
    Read(AccountInventory),
    Failed { account_id: String, error: String },
}

/// Reads every account and region in scope. `home` is the configured region, where
/// the account-wide calls (identity, organization, role sessions, region list) go. Fails
/// only when the run cannot start: no identity, no organization listing.
pub async fn read(aws: &Aws, home: &str, scope: &Scope) -> anyhow::Result<Vec<AccountRead>> {
    if scope.accounts == AccountChoice::Caller {
        let regions = regions(aws, home, &scope.regions).await.map_err(anyhow::Error::msg)?;
        let account = discover::account(aws, None, &regions, home).await?;
        return Ok(vec![AccountRead::Read(account)]);
    }
    let (caller, listed) =
        tokio::join!(discover::caller_account(aws, home), listed(aws, home, scope));
    let (caller, listed) = (caller?, listed?);
    let chosen: Vec<String> = match scope.shard {
        Some(shard) => listed.into_iter().filter(|id| shard.includes(id)).collect(),
        None => listed,
    };
    tracing::info!(accounts = chosen.len(), "accounts to audit");
    let progress = Progress::new(chosen.len());
    let reads = stream::iter(chosen)
        .map(|id| {
            let (caller, progress) = (caller.as_str(), &progress);
            async move {
                let read = read_account(aws, home, scope, caller, id).await;
                progress.tick();
                read
            }
        })
        .buffer_unordered(scope.concurrency)
        .collect::<Vec<_>>()
        .await;
    progress.finish();
    Ok(reads)
}

/// The account IDs of `--accounts`, or the organization's.
async fn listed(aws: &Aws, home: &str, scope: &Scope) -> anyhow::Result<Vec<String>> {
    match &scope.accounts {
        AccountChoice::Listed(ids) => Ok(ids.clone()),
        AccountChoice::Organization => accounts::organization(aws, home).await.map_err(|err| {
            anyhow::anyhow!(
                "{err}; --org lists the organization from its management account or a \
                 delegated administrator"
            )
        }),
        AccountChoice::Caller => Ok(Vec::new()),
    }
}

async fn read_account(
    aws: &Aws,
    home: &str,
    scope: &Scope,
    caller: &str,
    account_id: String,
) -> AccountRead {
    match try_read_account(aws, home, scope, caller, &account_id).await {
        Ok(account) => AccountRead::Read(account),
        Err(error) => {
            tracing::warn!(account = %account_id, "not audited: {error:#}");
            AccountRead::Failed { account_id, error: format!("{error:#}") }
        }
    }
}

async fn try_read_account(
    aws: &Aws,
    home: &str,
    scope: &Scope,
    caller: &str,
    account_id: &str,
) -> anyhow::Result<AccountInventory> {
    let session = if account_id == caller {
        aws.clone()
    } else {
        let external_id = scope.external_id.as_deref();
        accounts::assume(aws, account_id, &scope.role_name, external_id, home).await?
    };
    let regions = regions(&session, home, &scope.regions).await.map_err(anyhow::Error::msg)?;
    discover::account(&session, Some(account_id), &regions, home)
        .await
        .with_context(|| format!("read account {account_id}"))
}

/// The regions to audit in one account.
async fn regions(aws: &Aws, home: &str, choice: &RegionChoice) -> Result<Vec<String>, String> {
    match choice {
        RegionChoice::Configured => Ok(vec![home.to_string()]),
        RegionChoice::Listed(regions) => Ok(regions.clone()),
        RegionChoice::AllEnabled => {
            discover::regions::enabled(aws, home).await.map_err(|err| err.to_string())
        }
    }
}

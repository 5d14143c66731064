//! Stage `scan`: which accounts and regions one check reads, and reading them. The
//! caller's account by default; `--accounts` or `--org` add a session in each other
//! account through its role. Accounts are read `--concurrency` at a time, the regions of
//! one account together; an account that cannot be read is reported, never skipped, and
//! does not stop the others. The owner of a log group that audited accounts' trails
//! deliver to is read too, when it is not audited itself, to lend its reading.

use anyhow::Context as _;
use futures::stream::{self, StreamExt};

use crate::chain;
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

/// What one check read: the accounts it audits, and the accounts read only to lend
/// their readings of the trails they own (an organization trail's log group lives in one
/// account and records many). Lenders are never reported.
#[derive(Debug, Default)]
pub struct Scan {
    pub audited: Vec<AccountRead>,
    pub lenders: Vec<AccountInventory>,
}

/// Reads every account and region in scope. `home` is the configured region, where
/// the account-wide calls (identity, organization, role sessions, region list) go. Fails
/// only when the run cannot start: no identity, no organization listing.
pub async fn read(aws: &Aws, home: &str, scope: &Scope) -> anyhow::Result<Scan> {
    if scope.accounts == AccountChoice::Caller {
        let regions = regions(aws, home, &scope.regions).await.map_err(anyhow::Error::msg)?;
        let account = discover::account(aws, None, &regions, home).await?;
        return Ok(Scan { audited: vec![AccountRead::Read(account)], lenders: Vec::new() });
    }
    let (caller, listed) =
        tokio::join!(discover::caller_account(aws, home), listed(aws, home, scope));
    let (caller, listed) = (caller?, listed?);
    let chosen: Vec<String> = match scope.shard {
        Some(shard) => listed.into_iter().filter(|id| shard.includes(id)).collect(),
        None => listed,
    };
    tracing::info!(accounts = chosen.len(), "accounts to audit");
    let lenders = early_lenders(scope, &caller, &chosen);

    let progress = Progress::new(chosen.len());
    let tagged =
        chosen.into_iter().map(|id| (id, true)).chain(lenders.into_iter().map(|id| (id, false)));
    let reads = read_all(aws, home, scope, &caller, tagged, &progress).await;
    progress.finish();
    let mut scan = Scan::default();
    for (read, audited) in reads {
        match (read, audited) {
            (read, true) => scan.audited.push(read),
            (AccountRead::Read(account), false) => scan.lenders.push(account),
            (AccountRead::Failed { account_id, error }, false) => {
                lender_failed(&account_id, &error)
            }
        }
    }
    add_late_lenders(aws, home, scope, &caller, &mut scan).await;
    Ok(scan)
}

/// Lenders read with the audited accounts. A shard of an organization reads the caller
/// too, the management account or a delegated administrator, which owns its
/// organization trails (members see no more than a copy), so that each shard credits
/// its members with the trail as a run over the whole organization does.
fn early_lenders(scope: &Scope, caller: &str, chosen: &[String]) -> Vec<String> {
    let sharded_organization =
        scope.accounts == AccountChoice::Organization && scope.shard.is_some();
    if sharded_organization && !chosen.iter().any(|id| id == caller) {
        vec![caller.to_string()]
    } else {
        Vec::new()
    }
}

/// Reads, as lenders, the owners of the log groups that the accounts read record
/// through trails they do not own, when those owners were not read already: one more
/// round of reads, only when a trail needs it.
async fn add_late_lenders(aws: &Aws, home: &str, scope: &Scope, caller: &str, scan: &mut Scan) {
    let audited = scan.audited.iter().filter_map(|r| match r {
        AccountRead::Read(account) => Some(account),
        AccountRead::Failed { .. } => None,
    });
    let tried = |id: &String| {
        scan.audited.iter().any(|r| r.account_id() == id)
            || scan.lenders.iter().any(|a| &a.account_id == id)
    };
    let owners = chain::log_group_owners(audited.chain(&scan.lenders));
    let missing: Vec<String> = owners.into_iter().filter(|id| !tried(id)).collect();
    if missing.is_empty() {
        return;
    }
    tracing::info!(accounts = missing.len(), "owners of trails' log groups to read");
    let quiet = Progress::new(0);
    let tagged = missing.into_iter().map(|id| (id, false));
    for (read, _) in read_all(aws, home, scope, caller, tagged, &quiet).await {
        match read {
            AccountRead::Read(account) => scan.lenders.push(account),
            AccountRead::Failed { account_id, error } => lender_failed(&account_id, &error),
        }
    }
}

fn lender_failed(account_id: &str, error: &str) {
    tracing::warn!(
        account = %account_id,
        "could not read the owner of trails that audited accounts record; their names on \
         those trails stay undecided: {error}"
    );
}

/// Reads accounts `--concurrency` at a time, each tagged with whether it is audited;
/// the progress counts the audited ones.
async fn read_all(
    aws: &Aws,
    home: &str,
    scope: &Scope,
    caller: &str,
    accounts: impl Iterator<Item = (String, bool)>,
    progress: &Progress,
) -> Vec<(AccountRead, bool)> {
    stream::iter(accounts)
        .map(|(id, audited)| async move {
            let read = read_account(aws, home, scope, caller, id, audited).await;
            if audited {
                progress.tick();
            }
            (read, audited)
        })
        .buffer_unordered(scope.concurrency)
        .collect()
        .await
}

impl AccountRead {
    /// The account this is the reading of.
    pub fn account_id(&self) -> &str {
        match self {
            AccountRead::Read(account) => &account.account_id,
            AccountRead::Failed { account_id, .. } => account_id,
        }
    }
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
    audited: bool,
) -> AccountRead {
    match try_read_account(aws, home, scope, caller, &account_id).await {
        Ok(account) => AccountRead::Read(account),
        Err(error) => {
            if audited {
                tracing::warn!(account = %account_id, "not audited: {error:#}");
            }
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

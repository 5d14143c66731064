//! `vpcwatch check`: reads every account and region in scope, judges every watched name
//! in each, writes the report (to stdout or, with `--output`, to a file) and returns the
//! verdict over all of them as the exit status.

use std::io::Write;
use std::path::Path;

use anyhow::Context as _;

use crate::chain::{self, AccountFindings, Audit, Verdict};
use crate::config::{AccountChoice, CheckConfig};
use crate::discover::Aws;
use crate::events::EventSet;
use crate::exit::Status;
use crate::scan::{self, AccountRead};
use crate::term::Style;
use crate::{aws, report};

/// Runs the audit; the report goes to stdout or the `--output` file, logs to stderr.
pub fn run(config: &CheckConfig) -> anyhow::Result<Status> {
    let events = EventSet::load(&config.events)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("start the async runtime")?;
    let audit = runtime.block_on(audit(config, &events))?;

    // Rendered whole first, so a file is never left half written.
    let style = if config.output.is_some() { Style::plain() } else { Style::for_stdout() };
    let mut rendered = Vec::new();
    report::write(&mut rendered, &audit, &events, config.format, style)
        .context("render the report")?;
    match &config.output {
        Some(path) => write_atomically(path, &rendered)
            .with_context(|| format!("write the report to {}", path.display()))?,
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(&rendered)
                .and_then(|()| stdout.flush())
                .context("write the report to stdout")?;
        }
    }
    Ok(status(audit.verdict))
}

/// Replaces `path` with `bytes` at once: writes a temporary file in the same directory
/// (a rename is atomic only within one file system), syncs it, then renames it over
/// `path`. A reader sees the old file or the new one, never a part.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let written = std::fs::File::create_new(&temp).and_then(|mut file| {
        file.write_all(bytes)?;
        file.sync_all()
    });
    let renamed = written.and_then(|()| std::fs::rename(&temp, path));
    if renamed.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    renamed
}

/// Loads the SDK configuration, reads every account and region in scope and judges
/// them.
pub async fn audit(config: &CheckConfig, events: &EventSet) -> anyhow::Result<Audit> {
    let sdk = aws::load(&config.aws).await?;
    let home = aws::region(&sdk);
    let aws = Aws::new(sdk);
    let reads = scan::read(&aws, &home, &config.scope).await?;
    tracing::info!(calls = aws.calls(), "audit read the accounts");
    let organization = config.scope.accounts == AccountChoice::Organization;
    Ok(judge(reads, events, organization))
}

/// Judges every region of every account read, after lending each account the readings
/// of the trails other audited accounts own.
pub fn judge(reads: Vec<AccountRead>, events: &EventSet, organization: bool) -> Audit {
    let mut read = Vec::new();
    let mut found = Vec::new();
    for account in reads {
        match account {
            AccountRead::Read(inventory) => read.push(inventory),
            AccountRead::Failed { account_id, error } => {
                found.push(AccountFindings::failed(account_id, error));
            }
        }
    }
    chain::share_trails(&mut read, organization);
    found.extend(read.iter().map(|account| {
        let regions = account.regions.iter().map(|inv| chain::judge(inv, events)).collect();
        AccountFindings::judged(account.account_id.clone(), regions)
    }));
    Audit::new(events.name.clone(), found)
}

fn status(verdict: Verdict) -> Status {
    match verdict {
        Verdict::Pass => Status::Pass,
        Verdict::Fail => Status::Fail,
        Verdict::Error => Status::Error,
    }
}

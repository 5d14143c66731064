//! `vpcwatch check`: reads every account and region in scope, judges every watched name
//! in each, applies the exceptions of the configuration file, writes the report (to
//! stdout or, with `--output`, to a file) and returns the verdict over all of them as
//! the exit status.

use std::io::Write;
use std::path::Path;

use anyhow::Context as _;

use crate::chain::{self, AccountFindings, Audit, ExceptionOutcome, ExceptionState, Verdict};
use crate::config::{AccountChoice, CheckConfig, Exception};
use crate::config_file;
use crate::date::Date;
use crate::discover::Aws;
use crate::events::EventSet;
use crate::exit::Status;
use crate::scan::{self, AccountRead, Scan};
use crate::term::Style;
use crate::{aws, report};

/// Runs the audit; the report goes to stdout or the `--output` file, logs to stderr.
pub fn run(config: &CheckConfig) -> anyhow::Result<Status> {
    let events = EventSet::load(&config.events)?;
    if let Some(path) = &config.config_file {
        config_file::check_names(path, &config.exceptions, &events)?;
        tracing::info!(file = %path.display(), "configuration read");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("start the async runtime")?;
    let audit = runtime.block_on(audit(config, &events))?;
    let audit = chain::except(audit, &exceptions_in_share(config), Date::today_utc());
    warn_unheeded(config, &audit.exceptions);

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
    let scan = scan::read(&aws, &home, &config.scope).await?;
    tracing::info!(calls = aws.calls(), "audit read the accounts");
    let organization = config.scope.accounts == AccountChoice::Organization;
    Ok(judge(scan, events, organization))
}

/// Judges every region of every audited account, after lending each the readings of
/// the trails other accounts read (audited ones and lenders) own.
pub fn judge(scan: Scan, events: &EventSet, organization: bool) -> Audit {
    let mut read = Vec::new();
    let mut found = Vec::new();
    for account in scan.audited {
        match account {
            AccountRead::Read(inventory) => read.push(inventory),
            AccountRead::Failed { account_id, error } => {
                found.push(AccountFindings::failed(account_id, error));
            }
        }
    }
    let audited = read.len();
    read.extend(scan.lenders);
    chain::share_trails(&mut read, organization);
    read.truncate(audited);
    found.extend(read.iter().map(|account| {
        let regions = account.regions.iter().map(|inv| chain::judge(inv, events)).collect();
        AccountFindings::judged(account.account_id.clone(), regions)
    }));
    Audit::new(events.name.clone(), found)
}

/// The exceptions this run reports on. With `--shard`, an exception for an account that
/// falls to another shard is that shard's to apply and report, not an unused one here.
fn exceptions_in_share(config: &CheckConfig) -> Vec<Exception> {
    let in_share = |exception: &&Exception| match (&config.scope.shard, &exception.account) {
        (Some(shard), Some(account)) => shard.includes(account),
        _ => true,
    };
    config.exceptions.iter().filter(in_share).cloned().collect()
}

/// Expired and unused exceptions also go to stderr, with the line that holds them, so
/// they are seen whatever the format (the lines of `--format jsonl` do not list them).
fn warn_unheeded(config: &CheckConfig, outcomes: &[ExceptionOutcome]) {
    let file = config.config_file.as_deref().unwrap_or(Path::new(config_file::FILE_NAME));
    for outcome in outcomes {
        let exception = &outcome.exception;
        let at = format!("{}:{}", file.display(), exception.line);
        let names = exception.names.join(", ");
        match outcome.state {
            ExceptionState::Applied => {}
            ExceptionState::Expired => {
                tracing::warn!("exception {at} ({names}) expired after {}", exception.expires)
            }
            ExceptionState::Unused => {
                tracing::warn!("exception {at} ({names}) accepts no gap: no name it lists is a gap")
            }
        }
    }
}

fn status(verdict: Verdict) -> Status {
    match verdict {
        Verdict::Pass => Status::Pass,
        Verdict::Fail => Status::Fail,
        Verdict::Error => Status::Error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{AwsSettings, EventsChoice, ReportFormat, Scope, Shard};

    fn exception(account: Option<&str>) -> Exception {
        Exception {
            account: account.map(str::to_string),
            region: None,
            names: vec!["CreateVpc".into()],
            reason: "test".into(),
            expires: Date::parse("2030-01-01").unwrap(),
            line: 1,
        }
    }

    #[test]
    fn a_shard_reports_only_the_exceptions_of_its_own_accounts() {
        let shard = Shard { index: 1, count: 2 };
        let ids: Vec<String> = (0..20).map(|n| format!("{:012}", 100 + n)).collect();
        let mine = ids.iter().find(|id| shard.includes(id)).unwrap();
        let theirs = ids.iter().find(|id| !shard.includes(id)).unwrap();
        let mut config = CheckConfig {
            aws: AwsSettings::default(),
            events: EventsChoice::Default,
            format: ReportFormat::Json,
            output: None,
            scope: Scope { shard: Some(shard), ..Scope::default() },
            config_file: None,
            exceptions: vec![exception(Some(mine)), exception(Some(theirs)), exception(None)],
        };
        let kept = exceptions_in_share(&config);
        let accounts: Vec<Option<&str>> = kept.iter().map(|e| e.account.as_deref()).collect();
        assert_eq!(accounts, [Some(mine.as_str()), None]);

        config.scope.shard = None;
        assert_eq!(exceptions_in_share(&config).len(), 3, "without a shard, every exception");
    }
}

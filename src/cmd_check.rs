//! `vpcwatch check`: reads one account and region, judges every watched name, writes
//! the report (to stdout or, with `--output`, to a file) and returns the verdict as the
//! exit status.

use std::io::Write;
use std::path::Path;

use anyhow::Context as _;

use crate::chain::{self, Findings, Verdict};
use crate::config::CheckConfig;
use crate::discover::{self, Aws};
use crate::events::EventSet;
use crate::exit::Status;
use crate::term::Style;
use crate::{aws, report};

/// Runs the audit; the report goes to stdout or the `--output` file, logs to stderr.
pub fn run(config: &CheckConfig) -> anyhow::Result<Status> {
    let events = EventSet::load(&config.events)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("start the async runtime")?;
    let findings = runtime.block_on(audit(config, &events))?;

    // Rendered whole first, so a file is never left half written.
    let style = if config.output.is_some() { Style::plain() } else { Style::for_stdout() };
    let mut rendered = Vec::new();
    report::write(&mut rendered, &findings, &events, config.format, style)
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
    Ok(status(findings.verdict))
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

/// Loads the SDK configuration, reads the inventory and judges it.
pub async fn audit(config: &CheckConfig, events: &EventSet) -> anyhow::Result<Findings> {
    let sdk = aws::load(&config.aws).await?;
    let region = aws::region(&sdk);
    let aws = Aws::new(sdk);
    let inventory = discover::inventory(&aws, &region).await?;
    tracing::info!(calls = aws.calls(), region = %region, "audit read the account");
    Ok(chain::judge(&inventory, events))
}

fn status(verdict: Verdict) -> Status {
    match verdict {
        Verdict::Pass => Status::Pass,
        Verdict::Fail => Status::Fail,
        Verdict::Error => Status::Error,
    }
}

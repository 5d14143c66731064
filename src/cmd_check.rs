//! `vpcwatch check`: reads one account and region, judges every watched name, prints
//! the report and returns the verdict as the exit status.

use std::io::Write;

use anyhow::Context as _;

use crate::chain::{self, Findings, Verdict};
use crate::config::CheckConfig;
use crate::discover::{self, Aws};
use crate::events::EventSet;
use crate::exit::Status;
use crate::term::Style;
use crate::{aws, report};

/// Runs the audit; the report goes to stdout, logs to stderr.
pub fn run(config: &CheckConfig) -> anyhow::Result<Status> {
    let events = EventSet::load(&config.events)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("start the async runtime")?;
    let findings = runtime.block_on(audit(config, &events))?;

    let mut stdout = std::io::stdout().lock();
    report::write(&mut stdout, &findings, config.format, Style::for_stdout())
        .and_then(|()| stdout.flush())
        .context("write the report to stdout")?;
    Ok(status(findings.verdict))
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

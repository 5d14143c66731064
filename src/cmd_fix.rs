//! `vpcwatch fix` (and `vpcwatch check --fix`): runs the check, plans the missing chain,
//! prints the plan, and after a confirmation writes it; or prints it as Terraform or
//! CloudFormation. The plan goes to stdout, logs and the question to stderr.

use std::io::{BufRead as _, IsTerminal as _, Write as _};

use anyhow::Context as _;

use crate::config::{FixConfig, FixMode};
use crate::discover::{self, Aws};
use crate::events::EventSet;
use crate::exit::Status;
use crate::fix::plan::{self, Need, Options, Plan};
use crate::fix::{apply, emit, text};
use crate::{aws, chain};

/// Runs the fix; every refusal is an error (exit status 2) and comes before any write.
pub fn run(config: &FixConfig) -> anyhow::Result<Status> {
    let events = EventSet::load(&config.events)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("start the async runtime")?;
    runtime.block_on(fix(config, &events))
}

async fn fix(config: &FixConfig, events: &EventSet) -> anyhow::Result<Status> {
    let sdk = aws::load(&config.aws).await?;
    let region = aws::region(&sdk);
    let aws = Aws::new(sdk);
    let inventory = discover::inventory(&aws, &region).await?;
    let findings = chain::judge(&inventory, events);

    let target = match plan::target(&inventory, &findings)? {
        Need::Cover(target) => target,
        Need::Nothing { awaiting } => {
            let heading = text::heading(&findings.account_id, &region, &findings.events);
            let message = format!("{heading}{}", text::nothing_to_do(&awaiting));
            write_out(config, &message)?;
            return Ok(Status::Pass);
        }
    };
    let topic_arn = config.topic_arn.clone().unwrap_or_else(|| target.own_topic_arn());
    let topic = apply::read_topic(&aws, &topic_arn).await?;
    let options = Options { email: config.email.clone(), topic_arn: config.topic_arn.clone() };
    let plan = plan::plan(&inventory, &target, &options, &topic)?;
    apply::confirm_patterns(&aws, &plan).await?;

    if let FixMode::Emit(format) = config.mode {
        print(&emit::emit(&plan, format))?;
        tracing::info!(
            writes = plan.actions.len(),
            "printed the plan as code; nothing was written"
        );
        return Ok(Status::Pass);
    }
    print(&text::plan(&plan))?;
    if plan.is_empty() {
        return Ok(Status::Pass);
    }
    match config.mode {
        FixMode::DryRun => {
            print("\nDry run: nothing was written.\n")?;
            return Ok(Status::Pass);
        }
        FixMode::Apply { yes: false } => confirm()?,
        FixMode::Apply { yes: true } | FixMode::Emit(_) => {}
    }
    write(&aws, &plan).await
}

/// Applies the plan and prints what was written.
async fn write(aws: &Aws, plan: &Plan) -> anyhow::Result<Status> {
    match apply::apply(aws, plan).await {
        Ok(applied) => {
            print(&text::summary(plan, &applied.written, &applied.found))?;
            tracing::info!(calls = aws.calls(), writes = applied.written.len(), "fix done");
            Ok(Status::Pass)
        }
        Err(failed) => {
            let done = &failed.applied;
            let partial = text::partial(plan, &done.written, &done.found, &failed.left);
            anyhow::bail!("{}; {partial}", failed.error)
        }
    }
}

/// Asks on stderr and reads the answer from a terminal; without one, `--yes` is needed.
fn confirm() -> anyhow::Result<()> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        anyhow::bail!("standard input is not a terminal: pass --yes to write; nothing was written");
    }
    eprint!("Write these resources? [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    stdin.lock().read_line(&mut answer).context("read the answer from standard input")?;
    match answer.trim().to_ascii_lowercase().as_str() {
        "y" | "yes" => Ok(()),
        _ => anyhow::bail!("not confirmed; nothing was written"),
    }
}

/// Text for a person: stdout, except with `--emit`, whose stdout is code only.
fn write_out(config: &FixConfig, message: &str) -> anyhow::Result<()> {
    if matches!(config.mode, FixMode::Emit(_)) {
        eprint!("{message}");
        Ok(())
    } else {
        print(message)
    }
}

fn print(text: &str) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()).context("write to stdout")
}

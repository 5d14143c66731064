//! vpcwatch: checks that every change to an account's VPC networking reaches a person.
//!
//! The pipeline, one module a stage: `cli` turns flags into a validated `config`; `aws`
//! builds the one SDK configuration and classifies SDK errors; `discover` reads the
//! account into an `inventory` of trails, filters, alarms and topics; `pattern`
//! evaluates filter patterns on synthetic CloudTrail `records` of the watched `events`;
//! `coverage` and `chain` turn the inventory into findings without touching AWS;
//! `report` prints them; `fix`, the only stage that writes, plans and creates the missing
//! chain. Each subcommand lives in its own `cmd_*` module.

#[cfg(feature = "aws")]
pub mod aws;
pub mod chain;
pub mod cli;
#[cfg(feature = "aws")]
pub mod cmd_check;
pub mod cmd_completions;
#[cfg(feature = "aws")]
pub mod cmd_fix;
pub mod cmd_pattern;
pub mod config;
pub mod config_file;
pub mod coverage;
pub mod date;
#[cfg(feature = "aws")]
pub mod discover;
pub mod events;
pub mod exit;
pub mod fix;
pub mod inventory;
pub mod logging;
pub mod pattern;
#[cfg(feature = "aws")]
pub mod progress;
pub mod records;
pub mod report;
#[cfg(feature = "aws")]
pub mod scan;
pub mod term;

#[cfg(feature = "aws")]
use config::Task;
#[cfg(feature = "aws")]
use exit::Status;

/// Runs one task to completion and returns its exit status. Errors are failures to
/// audit (exit status 2); findings are not errors.
#[cfg(feature = "aws")]
pub fn run(task: Task) -> anyhow::Result<Status> {
    match task {
        Task::Pattern(config) => cmd_pattern::run(&config),
        Task::Check(config) => cmd_check::run(&config),
        Task::Completions(shell) => cmd_completions::completions(shell),
        Task::Man(subcommand) => cmd_completions::man(subcommand.as_deref()),
        Task::Fix(config) => cmd_fix::run(&config),
    }
}

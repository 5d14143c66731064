//! `vpcwatch pattern`: explains what a filter pattern covers of an event set, or which of
//! the given log messages it matches. Offline: no AWS call.

use crate::config::PatternConfig;
use crate::exit::Status;

/// Runs the subcommand; the report goes to stdout.
pub fn run(config: &PatternConfig) -> anyhow::Result<Status> {
    todo!("pattern subcommand: {config:?}")
}

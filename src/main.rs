//! The `vpcwatch` binary: parse flags, set up logging, run one task, exit with its status.

use std::process::ExitCode;

use clap::Parser;
use vpcwatch::cli::Cli;
use vpcwatch::exit::Status;

fn main() -> ExitCode {
    let cli = Cli::parse();
    vpcwatch::logging::init(cli.verbose, cli.quiet);

    let status = match cli.into_task() {
        Ok(task) => vpcwatch::run(task),
        Err(usage) => Err(usage.into()),
    };
    match status {
        Ok(status) => status.into(),
        Err(err) => {
            eprintln!("vpcwatch: {err:#}");
            Status::Error.into()
        }
    }
}

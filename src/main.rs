//! The `vpcwatch` binary: parse flags, set up logging, run one task, exit with its status.
//!
//! Errors are printed here, once, as one line on stderr, escaped for the terminal: they
//! name resources read from the account and values the user typed.

use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::Parser;
use vpcwatch::cli::Cli;
use vpcwatch::exit::Status;
use vpcwatch::term;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return usage_error(err),
    };
    vpcwatch::logging::init(cli.verbose, cli.quiet);

    let status = match cli.into_task() {
        Ok(task) => vpcwatch::run(task),
        Err(usage) => Err(usage.into()),
    };
    match status {
        Ok(status) => status.into(),
        Err(err) => {
            eprintln!("vpcwatch: {}", term::escape(&one_line(&err)));
            Status::Error.into()
        }
    }
}

/// Help and version go to stdout as clap prints them; a usage error becomes one line on
/// stderr and exit status 2.
fn usage_error(err: clap::Error) -> ExitCode {
    match err.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = err.print();
            return ExitCode::SUCCESS;
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = err.print();
            return Status::Error.into();
        }
        _ => {}
    }
    let rendered = err.render().to_string();
    let paragraph: Vec<&str> =
        rendered.lines().take_while(|line| !line.trim().is_empty()).map(str::trim).collect();
    let problem = paragraph.join(" ");
    let problem = problem.strip_prefix("error: ").unwrap_or(&problem);
    eprintln!("vpcwatch: {} (see vpcwatch --help)", term::escape(problem));
    Status::Error.into()
}

/// The error and its causes joined by ": ", as `{:#}` prints them, but a cause is left
/// out when the text before already ends with it: some errors repeat their source in
/// their own message.
fn one_line(err: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if line.is_empty() {
            line = text;
        } else if !line.ends_with(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
    }
    line
}

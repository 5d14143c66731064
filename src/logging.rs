//! Logs go to stderr through `tracing`, so stdout carries only the report.
//!
//! Levels have fixed meanings: warn for skipped regions and resources, info for
//! milestones and every write, debug for one line per AWS call.

use tracing_subscriber::EnvFilter;

/// Installs the stderr logger. `-v` shows each AWS call, `-vv` adds the SDK's own
/// debugging, `-q` keeps only errors. `RUST_LOG` overrides all of it.
pub fn init(verbose: u8, quiet: bool) {
    let default = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "warn,vpcwatch=debug",
        (false, 2) => "info,vpcwatch=trace",
        (false, _) => "debug,vpcwatch=trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr())
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        .with_target(false)
        .without_time()
        .init();
}

//! Logs go to stderr through `tracing`, so stdout carries only the report.
//!
//! Levels have fixed meanings: warn for skipped regions and resources, info for
//! milestones and every write, debug for one line per AWS call. A status line (the
//! progress of a long check) may sit at the bottom of a terminal's stderr; each log line
//! is written above it, so the two never share a line.

use std::io::Write;
use std::sync::Mutex;

use tracing_subscriber::EnvFilter;

/// The status line shown at the bottom of stderr, if any.
static STATUS: Mutex<Option<String>> = Mutex::new(None);

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
        .with_writer(LogLine::default)
        .with_ansi(ansi)
        .with_target(false)
        .without_time()
        .init();
}

/// Shows `line` as the status line, replacing the one shown before. The caller decides
/// whether stderr is a terminal: the line is drawn with a carriage return.
pub fn show_status(line: String) {
    let mut status = STATUS.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let mut stderr = std::io::stderr().lock();
    let _ = write!(stderr, "\r\x1b[2K{line}");
    let _ = stderr.flush();
    *status = Some(line);
}

/// Removes the status line, leaving the cursor at the start of an empty line.
pub fn clear_status() {
    let mut status = STATUS.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if status.take().is_some() {
        let mut stderr = std::io::stderr().lock();
        let _ = write!(stderr, "\r\x1b[2K");
        let _ = stderr.flush();
    }
}

/// One log event, gathered whole and written when dropped: above the status line when
/// one is shown, which is then drawn again below it.
#[derive(Default)]
struct LogLine(Vec<u8>);

impl Write for LogLine {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for LogLine {
    fn drop(&mut self) {
        let status = STATUS.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut stderr = std::io::stderr().lock();
        let _ = match status.as_deref() {
            Some(line) => {
                let _ = write!(stderr, "\r\x1b[2K");
                stderr.write_all(&self.0).and_then(|()| write!(stderr, "{line}"))
            }
            None => stderr.write_all(&self.0),
        };
        let _ = stderr.flush();
    }
}

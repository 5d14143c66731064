//! Logs go to stderr through `tracing`, so stdout carries only the report.
//!
//! Levels have fixed meanings: warn for skipped regions and resources, info for
//! milestones and every write, debug for one line per AWS call. A status line (the
//! progress of a long check) may sit at the bottom of a terminal's stderr; each log line
//! is written above it, so the two never share a line. Every field and message is
//! escaped for the terminal: log lines name resources read from the account and files
//! named by the user.

use std::io::Write;
use std::sync::Mutex;

use tracing_subscriber::field::RecordFields;
use tracing_subscriber::fmt::format::{DefaultFields, Writer};
use tracing_subscriber::fmt::FormatFields;
use tracing_subscriber::EnvFilter;

use crate::term;

/// The status line shown at the bottom of stderr, if any.
static STATUS: Mutex<Option<String>> = Mutex::new(None);

/// Back to the start of the line, and erase it.
const CLEAR_LINE: &str = "\r\x1b[2K";

/// The status line, still usable after a thread panicked while holding it.
fn status() -> std::sync::MutexGuard<'static, Option<String>> {
    STATUS.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

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
        .fmt_fields(EscapedFields)
        .with_writer(LogLine::default)
        .with_ansi(ansi)
        .with_target(false)
        .without_time()
        .init();
}

/// The fields of events and spans as tracing-subscriber's default writes them, then
/// escaped with [`term::escape`]. The default alone escapes ESC and a few other controls
/// in messages only: a name in a `%` field, a newline or a right-to-left override would
/// reach the terminal raw.
struct EscapedFields;

impl<'writer> FormatFields<'writer> for EscapedFields {
    fn format_fields<R: RecordFields>(
        &self,
        mut out: Writer<'writer>,
        fields: R,
    ) -> std::fmt::Result {
        let mut plain = String::new();
        DefaultFields::new().format_fields(Writer::new(&mut plain), fields)?;
        out.write_str(&term::escape(&plain))
    }
}

/// Shows `line` as the status line, replacing the one shown before. The caller decides
/// whether stderr is a terminal: the line is drawn with a carriage return.
pub fn show_status(line: String) {
    let mut status = status();
    let mut stderr = std::io::stderr().lock();
    let _ = write!(stderr, "{CLEAR_LINE}{line}");
    let _ = stderr.flush();
    *status = Some(line);
}

/// Removes the status line, leaving the cursor at the start of an empty line.
pub fn clear_status() {
    let mut status = status();
    if status.take().is_some() {
        let mut stderr = std::io::stderr().lock();
        let _ = write!(stderr, "{CLEAR_LINE}");
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
        let status = status();
        let mut stderr = std::io::stderr().lock();
        let _ = match status.as_deref() {
            Some(line) => {
                let _ = write!(stderr, "{CLEAR_LINE}");
                stderr.write_all(&self.0).and_then(|()| write!(stderr, "{line}"))
            }
            None => stderr.write_all(&self.0),
        };
        let _ = stderr.flush();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    /// Everything one subscriber writes, shared with the test.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// The lines one warning with a hostile name, as a field, in the message and in a
    /// span, gives with the subscriber `init` installs.
    fn logged(ansi: bool) -> String {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .fmt_fields(EscapedFields)
            .with_writer(move || writer.clone())
            .with_ansi(ansi)
            .without_time()
            .finish();
        let name = "Vpc\x1b[2J\n\r\u{202e}SECAPS\u{200b}";
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::warn_span!("read", group = %name);
            let _entered = span.enter();
            tracing::warn!(filter = %name, "skipped filter {name}");
        });
        let bytes = captured.0.lock().unwrap().clone();
        String::from_utf8(bytes).expect("utf-8")
    }

    #[test]
    fn names_in_fields_messages_and_spans_are_escaped() {
        for ansi in [false, true] {
            let text = logged(ansi);
            assert_eq!(text.lines().count(), 1, "{text:?}");
            for raw in ['\r', '\u{202e}', '\u{200b}'] {
                assert!(!text.contains(raw), "raw {raw:?} in {text:?}");
            }
            assert!(!text.contains("\x1b[2J"), "the name's raw escape in {text:?}");
            assert_eq!(text.matches(r"\u{202e}SECAPS\u{200b}").count(), 3, "{text}");
        }
        assert!(!logged(false).contains('\x1b'), "without colour, no ESC at all");
    }
}

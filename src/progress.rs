//! A one-line progress count on stderr while a check reads many accounts, shown only
//! when stderr is a terminal, so logs and CI output stay clean.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Counts accounts read out of `total` and redraws one line on each.
#[derive(Debug)]
pub struct Progress {
    total: usize,
    done: AtomicUsize,
    shown: bool,
}

impl Progress {
    /// Shown when there is more than one account to read, stderr is a terminal, and the
    /// logs are neither quieted (`-q`) nor detailed enough to interleave (`-v`).
    pub fn new(total: usize) -> Progress {
        let logs_fit =
            tracing::enabled!(tracing::Level::WARN) && !tracing::enabled!(tracing::Level::INFO);
        let shown = total > 1 && logs_fit && std::io::stderr().is_terminal();
        Progress { total, done: AtomicUsize::new(0), shown }
    }

    /// One more account read.
    pub fn tick(&self) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        if self.shown {
            let width = 30;
            let filled = done * width / self.total.max(1);
            let bar = format!("{}{}", "#".repeat(filled), "-".repeat(width - filled));
            let mut stderr = std::io::stderr().lock();
            let _ = write!(stderr, "\r[{bar}] {done}/{} accounts", self.total);
            let _ = stderr.flush();
        }
    }

    /// Clears the line, so the report and later logs start clean.
    pub fn finish(&self) {
        if self.shown {
            let mut stderr = std::io::stderr().lock();
            let _ = write!(stderr, "\r{:60}\r", "");
            let _ = stderr.flush();
        }
    }
}

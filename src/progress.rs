//! A one-line progress bar on stderr while a check reads many accounts, shown only when
//! stderr is a terminal, so logs and CI output stay clean. Log lines are written above
//! it (see `logging`).

use std::io::IsTerminal;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::logging;

/// Width of the bar in characters.
const WIDTH: usize = 30;

/// Counts accounts read out of `total` and redraws one line on each.
#[derive(Debug)]
pub struct Progress {
    total: usize,
    done: AtomicUsize,
    shown: bool,
}

impl Progress {
    /// Shown when there is more than one account to read, stderr is a terminal, and the
    /// logs are neither quieted (`-q`) nor detailed enough to flood it (`-v`).
    pub fn new(total: usize) -> Progress {
        let logs_fit =
            tracing::enabled!(tracing::Level::WARN) && !tracing::enabled!(tracing::Level::INFO);
        let shown = total > 1 && logs_fit && std::io::stderr().is_terminal();
        let progress = Progress { total, done: AtomicUsize::new(0), shown };
        progress.draw(0);
        progress
    }

    /// One more account read.
    pub fn tick(&self) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        self.draw(done);
    }

    /// Clears the line, so the report and later logs start clean.
    pub fn finish(&self) {
        if self.shown {
            logging::clear_status();
        }
    }

    fn draw(&self, done: usize) {
        if self.shown {
            logging::show_status(bar(done, self.total));
        }
    }
}

/// `[#####-----] 3/10 accounts`.
fn bar(done: usize, total: usize) -> String {
    let filled = (done * WIDTH).checked_div(total).unwrap_or(WIDTH).min(WIDTH);
    format!("[{}{}] {done}/{total} accounts", "#".repeat(filled), "-".repeat(WIDTH - filled))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bar_fills_with_the_accounts_read() {
        assert_eq!(bar(0, 4), format!("[{}] 0/4 accounts", "-".repeat(30)));
        assert_eq!(bar(2, 4), format!("[{}{}] 2/4 accounts", "#".repeat(15), "-".repeat(15)));
        assert_eq!(bar(4, 4), format!("[{}] 4/4 accounts", "#".repeat(30)));
        assert_eq!(bar(0, 0), format!("[{}] 0/0 accounts", "#".repeat(30)));
    }
}

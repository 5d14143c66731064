//! Exit statuses, in one place: what a CI step or a script can rely on.

use std::process::ExitCode;

/// The documented exit statuses of every subcommand.
pub const EXIT_STATUS_HELP: &str = "\
Exit status:
  0  pass: every watched event name is covered or excepted (pattern: a message matched)
  1  fail: at least one name is not covered (pattern: no message matched)
  2  could not audit: bad input, no credentials, access denied, an unreadable region";

/// The outcome of one run, as its exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    /// Everything watched is proven covered.
    Pass,
    /// Findings: something watched is not covered.
    Fail,
    /// The run could not decide: bad input, or something could not be read.
    Error,
}

impl Status {
    /// The numeric exit code.
    pub fn code(self) -> u8 {
        match self {
            Status::Pass => 0,
            Status::Fail => 1,
            Status::Error => 2,
        }
    }
}

impl From<Status> for ExitCode {
    fn from(status: Status) -> ExitCode {
        ExitCode::from(status.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_and_ordered_by_severity() {
        let all = [Status::Pass, Status::Fail, Status::Error];
        let codes: Vec<u8> = all.iter().map(|s| s.code()).collect();
        assert_eq!(codes, [0, 1, 2]);
        assert!(Status::Error > Status::Fail && Status::Fail > Status::Pass);
    }

    #[test]
    fn help_text_names_every_code() {
        for status in [Status::Pass, Status::Fail, Status::Error] {
            assert!(EXIT_STATUS_HELP.contains(&format!("  {}  ", status.code())));
        }
    }
}

//! The validated configuration of one run: what the flags mean once checked. Nothing
//! below `main` sees a flag; every stage takes one of these plain values.

use std::path::PathBuf;

/// One subcommand and its settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Task {
    Check(CheckConfig),
    Pattern(PatternConfig),
    /// Print a shell completion script.
    Completions(Shell),
    /// Print the man page of vpcwatch, or of the named subcommand.
    Man(Option<String>),
}

/// How the output of `pattern` is written to stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    Text,
    Json,
}

/// How the report of `check` is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    /// For people, on an 80-column terminal.
    Text,
    /// One object, documented by docs/schema/check-report.schema.json.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning.
    Sarif,
    /// JUnit XML, for the test reports of CI systems.
    Junit,
    /// A short GitHub-flavoured Markdown summary, for a pull request or a job summary.
    Markdown,
}

/// The shells `completions` writes scripts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shell {
    Bash,
    Elvish,
    Fish,
    PowerShell,
    Zsh,
}

/// Which event names to watch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventsChoice {
    /// The 30 VPC names in 8 groups.
    Default,
    /// The CIS AWS Foundations controls 4.10 to 4.14.
    Cis,
    /// A file of names, one a line, `#` comments.
    File(PathBuf),
}

/// Where a text comes from: the command line or standard input (`-`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Stdin,
    Text(String),
}

/// Log messages to test a pattern on, instead of the event set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Messages {
    /// Given one by one with `--message`.
    Inline(Vec<String>),
    /// One message a line, from a file (`--messages PATH`).
    File(PathBuf),
    /// One message a line, from standard input (`--messages -`).
    Stdin,
}

/// `vpcwatch pattern`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternConfig {
    pub pattern: Source,
    pub events: EventsChoice,
    pub format: OutputFormat,
    pub messages: Option<Messages>,
}

/// How to reach AWS: the standard credential chain, narrowed by these when given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AwsSettings {
    pub profile: Option<String>,
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
}

/// `vpcwatch check`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckConfig {
    pub aws: AwsSettings,
    pub events: EventsChoice,
    pub format: ReportFormat,
    /// Write the report to this file (replaced atomically) instead of stdout.
    pub output: Option<PathBuf>,
}

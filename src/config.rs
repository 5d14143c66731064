//! The validated configuration of one run: what the flags mean once checked. Nothing
//! below `main` sees a flag; every stage takes one of these plain values.

use std::path::PathBuf;
use std::time::Duration;

/// One subcommand and its settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Task {
    Check(CheckConfig),
    Pattern(PatternConfig),
    /// Print a shell completion script.
    Completions(Shell),
    /// Print the man page of vpcwatch, or of the named subcommand.
    Man(Option<String>),
    Fix(FixConfig),
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
    /// One JSON object per account, a line each, for large runs and for joining the
    /// outputs of several shards.
    Jsonl,
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
    /// Several sets in one run (`default,cis`): every group of each, a name that stands
    /// in several groups judged once.
    Union(Vec<EventsChoice>),
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsSettings {
    pub profile: Option<String>,
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
    /// Attempts per call, the first included, in [`MAX_ATTEMPTS_RANGE`].
    pub max_attempts: u32,
    /// How long one attempt of one call may take, in [`TIMEOUT_SECONDS_RANGE`] seconds.
    pub attempt_timeout: Duration,
}

/// Attempts per AWS call unless `--max-attempts` says otherwise.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 5;
/// The values `--max-attempts` accepts: at least one try, and few enough that a
/// throttled account does not keep a run waiting for minutes.
pub const MAX_ATTEMPTS_RANGE: std::ops::RangeInclusive<i64> = 1..=10;
/// Seconds one attempt may take unless `--timeout` says otherwise.
pub const DEFAULT_TIMEOUT_SECONDS: u64 = 30;
/// The values `--timeout` accepts.
pub const TIMEOUT_SECONDS_RANGE: std::ops::RangeInclusive<u64> = 1..=600;

impl Default for AwsSettings {
    fn default() -> AwsSettings {
        AwsSettings {
            profile: None,
            region: None,
            endpoint_url: None,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            attempt_timeout: Duration::from_secs(DEFAULT_TIMEOUT_SECONDS),
        }
    }
}

/// `vpcwatch check`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckConfig {
    pub aws: AwsSettings,
    pub events: EventsChoice,
    pub format: ReportFormat,
    /// Write the report to this file (replaced atomically) instead of stdout.
    pub output: Option<PathBuf>,
    /// Which accounts and regions to audit, and how many at once.
    pub scope: Scope,
}

/// Which accounts and regions `check` audits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub regions: RegionChoice,
    pub accounts: AccountChoice,
    /// The role assumed in every audited account but the caller's own.
    pub role_name: String,
    pub external_id: Option<String>,
    /// Accounts audited at once; the regions of one account are read together.
    pub concurrency: usize,
    /// Only this share of the accounts (`--shard I/N`).
    pub shard: Option<Shard>,
}

/// The role `--org` and `--accounts` assume unless `--role-name` says otherwise: the one
/// AWS Organizations creates in every account it creates.
pub const DEFAULT_ROLE_NAME: &str = "OrganizationAccountAccessRole";
/// Accounts audited at once unless `--concurrency` says otherwise.
pub const DEFAULT_CONCURRENCY: u32 = 8;
/// The values `--concurrency` accepts.
pub const CONCURRENCY_RANGE: std::ops::RangeInclusive<i64> = 1..=64;

impl Default for Scope {
    fn default() -> Scope {
        Scope {
            regions: RegionChoice::Configured,
            accounts: AccountChoice::Caller,
            role_name: DEFAULT_ROLE_NAME.to_string(),
            external_id: None,
            concurrency: DEFAULT_CONCURRENCY as usize,
            shard: None,
        }
    }
}

/// Which regions of each account to audit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegionChoice {
    /// The one region of the profile, `AWS_REGION` or the single `--region`.
    Configured,
    /// The regions named by repeated `--region`, in order, without repeats.
    Listed(Vec<String>),
    /// Every region enabled for the account (`--all-regions`).
    AllEnabled,
}

/// Which accounts to audit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountChoice {
    /// The account of the credentials.
    Caller,
    /// These account IDs (`--accounts`), sorted, without repeats.
    Listed(Vec<String>),
    /// Every active account of the caller's organization (`--org`).
    Organization,
}

/// One worker's share of the accounts: `index` of `count`, counted from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Shard {
    /// Whether `account` falls to this shard. The share depends on the account ID alone,
    /// so workers that list the organization at different moments still split it
    /// without overlap, and an account added later does not move the others.
    pub fn includes(&self, account: &str) -> bool {
        let hash = account.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
        });
        hash % u64::from(self.count) == u64::from(self.index - 1)
    }
}

/// `vpcwatch fix`, also reached as `vpcwatch check --fix`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixConfig {
    pub aws: AwsSettings,
    pub events: EventsChoice,
    /// The address that receives the alerts; its syntax is already checked.
    pub email: String,
    /// An existing SNS topic to notify instead of vpcwatch's own; its syntax is checked,
    /// its existence is not.
    pub topic_arn: Option<String>,
    pub mode: FixMode,
}

/// What `fix` does with its plan once it is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixMode {
    /// Writes it: after a y on a terminal, or at once when `yes` (`--yes`).
    Apply { yes: bool },
    /// Stops after printing it (`--dry-run`).
    DryRun,
    /// Prints it as infrastructure code instead, writing nothing (`--emit`).
    Emit(EmitFormat),
}

/// The infrastructure-code languages `fix --emit` speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmitFormat {
    Terraform,
    CloudFormation,
}

//! The validated configuration of one run: what the flags mean once checked. Nothing
//! below `main` sees a flag; every stage takes one of these plain values.

use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;

use crate::date::Date;

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

impl EventsChoice {
    /// `default`, `cis`, the path of a file of names, or several of these joined by
    /// commas (`default,cis`).
    pub fn parse(value: &str) -> EventsChoice {
        let parts: Vec<&str> = value.split(',').map(str::trim).filter(|p| !p.is_empty()).collect();
        match parts.as_slice() {
            [one] => EventsChoice::one(one),
            many if many.len() > 1 => {
                EventsChoice::Union(many.iter().map(|p| EventsChoice::one(p)).collect())
            }
            _ => EventsChoice::one(value),
        }
    }

    fn one(value: &str) -> EventsChoice {
        match value {
            "default" => EventsChoice::Default,
            "cis" => EventsChoice::Cis,
            path => EventsChoice::File(PathBuf::from(path)),
        }
    }
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
    /// The configuration file these settings were read from, if any (`--config`, or the
    /// `vpcwatch.toml` of the working directory).
    pub config_file: Option<PathBuf>,
    /// The gaps the configuration file accepts, in the order written.
    pub exceptions: Vec<Exception>,
}

/// An accepted gap: event names that may stay not covered in an account and region,
/// why, and up to which day. Never hides a name that could not be decided. Serialized
/// as the JSON report shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Exception {
    /// The account it applies to; every audited account when `None`.
    pub account: Option<String>,
    /// The region it applies to; every audited region when `None`.
    pub region: Option<String>,
    /// CloudTrail event names, each once, in the order written.
    pub names: Vec<String>,
    /// Why the gap is accepted; never empty.
    pub reason: String,
    /// The last day (UTC) on which it applies.
    pub expires: Date,
    /// The line of its `names` in the configuration file, for the error that points at
    /// a name the event set does not watch.
    #[serde(skip)]
    pub line: usize,
}

impl Exception {
    /// Whether it reaches `name` in `account` and `region`, whatever the date.
    pub fn covers(&self, account: &str, region: &str, name: &str) -> bool {
        self.account.as_deref().is_none_or(|a| a == account)
            && self.region.as_deref().is_none_or(|r| r == region)
            && self.names.iter().any(|n| n == name)
    }

    /// Whether `today` is past its last day.
    pub fn is_expired(&self, today: Date) -> bool {
        today > self.expires
    }
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

/// A 12-digit AWS account ID.
pub fn is_account_id(id: &str) -> bool {
    id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit())
}

/// A region code: lowercase words joined by hyphens, ending in a number (`us-east-1`,
/// `ap-southeast-2`, `us-gov-west-1`).
pub fn is_region(region: &str) -> bool {
    let parts: Vec<&str> = region.split('-').collect();
    let words_ok = parts.len() >= 3
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()));
    let number_ok =
        parts.last().is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    words_ok && number_ok
}

/// An IAM role name: 1 to 64 of letters, digits and `+=,.@_-`, after an optional path.
pub fn is_role_name(name: &str) -> bool {
    let last = name.rsplit('/').next().unwrap_or_default();
    (1..=64).contains(&last.len())
        && name.len() <= 512
        && name.chars().all(|c| c.is_ascii_alphanumeric() || "+=,.@_-/".contains(c))
}

/// An external ID as STS accepts it: 2 to 1,224 of letters, digits and `+=,.@:/_-`.
pub fn is_external_id(id: &str) -> bool {
    (2..=1224).contains(&id.len())
        && id.chars().all(|c| c.is_ascii_alphanumeric() || "+=,.@:/_-".contains(c))
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

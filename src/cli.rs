//! Stage `cli`: the command-line flags, parsed by clap and turned once into a validated
//! [`Task`]. This is the only module that knows about clap.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::config::{
    is_account_id, is_external_id, is_region, is_role_name, AccountChoice, AwsSettings,
    CheckConfig, EmitFormat, EventsChoice, FixConfig, FixMode, Messages, OutputFormat,
    PatternConfig, RegionChoice, ReportFormat, Scope, Shard, Shell, Source, Task,
    CONCURRENCY_RANGE, DEFAULT_CONCURRENCY, DEFAULT_MAX_ATTEMPTS, DEFAULT_ROLE_NAME,
    DEFAULT_TIMEOUT_SECONDS, MAX_ATTEMPTS_RANGE, TIMEOUT_SECONDS_RANGE,
};
use crate::config_file::{self, FileSettings};
use crate::exit::EXIT_STATUS_HELP;

/// Will a person be told when someone changes your VPC networking?
#[derive(Debug, Parser)]
#[command(name = "vpcwatch", version, after_help = EXIT_STATUS_HELP)]
pub struct Cli {
    /// More logs on stderr: -v for each AWS call, -vv for debugging.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,

    /// Only errors on stderr.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Audit the alert chain for VPC changes in an AWS account.
    #[command(after_help = EXIT_STATUS_HELP)]
    Check(CheckArgs),
    /// Explain what a metric filter pattern covers, or which log messages it matches,
    /// offline.
    #[command(after_help = EXIT_STATUS_HELP)]
    Pattern(PatternArgs),
    /// Create the missing alert chain for the names not yet covered (the only command
    /// that writes to AWS; it shows its plan first).
    #[command(after_help = FIX_EXIT_STATUS_HELP)]
    Fix(FixArgs),
    /// Print a completion script for a shell, generated from these flags.
    #[command(after_help = COMPLETIONS_HELP)]
    Completions(CompletionsArgs),
    /// Print the manual page (roff) of vpcwatch or of one of its subcommands.
    #[command(
        after_help = "Example: vpcwatch man > vpcwatch.1; vpcwatch man check > vpcwatch-check.1"
    )]
    Man(ManArgs),
}

const COMPLETIONS_HELP: &str = "\
Examples:
  vpcwatch completions bash > ~/.local/share/bash-completion/completions/vpcwatch
  vpcwatch completions zsh > ~/.zfunc/_vpcwatch
  vpcwatch completions fish > ~/.config/fish/completions/vpcwatch.fish
  vpcwatch completions powershell >> $PROFILE";

/// The exit statuses of `fix`, which differ from the audit's.
const FIX_EXIT_STATUS_HELP: &str = "\
Exit status:
  0  done, or nothing to do (also after --dry-run and --emit)
  2  refused or could not: bad input, a name taken by someone else's resource, no trail
     to build on, no confirmation, a write that failed";

#[derive(Debug, Args)]
struct AwsArgs {
    /// Named profile from the shared AWS config and credentials files.
    #[arg(long, value_name = "NAME")]
    profile: Option<String>,

    /// Region to audit; check takes it more than once (default: the profile's or
    /// AWS_REGION).
    #[arg(long, value_name = "REGION", action = clap::ArgAction::Append)]
    region: Vec<String>,

    /// Send every AWS call to this endpoint (for example a local emulator).
    #[arg(long, value_name = "URL")]
    endpoint_url: Option<String>,

    /// Attempts per AWS call, the first included (1 to 10); throttled and failed calls
    /// are retried with adaptive backoff.
    #[arg(
        long,
        value_name = "N",
        default_value_t = DEFAULT_MAX_ATTEMPTS,
        value_parser = clap::value_parser!(u32).range(MAX_ATTEMPTS_RANGE),
    )]
    max_attempts: u32,

    /// Seconds one attempt of one AWS call may take before it is abandoned (1 to 600).
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = DEFAULT_TIMEOUT_SECONDS,
        value_parser = clap::value_parser!(u64).range(TIMEOUT_SECONDS_RANGE),
    )]
    timeout: u64,
}

#[derive(Debug, Args)]
struct CheckArgs {
    #[command(flatten)]
    aws: AwsArgs,

    /// Event names to watch: default (30 VPC names), cis (controls 4.10 to 4.14), a
    /// file of names (one a line), or several joined by commas: default,cis
    ///
    /// [default: default]
    #[arg(long, value_name = "SET")]
    events: Option<String>,

    /// Report format
    ///
    /// [default: text]
    #[arg(long, value_enum)]
    format: Option<ReportFormatArg>,

    /// Write the report to this file instead of stdout (replaced whole, never half
    /// written).
    #[arg(long, value_name = "PATH")]
    output: Option<PathBuf>,

    #[command(flatten)]
    scope: ScopeArgs,

    #[command(flatten)]
    config: ConfigArgs,

    /// Run `vpcwatch fix` instead: plan and create the missing alert chain.
    #[arg(long)]
    fix: bool,

    #[command(flatten)]
    fix_options: FixOptions,
}

/// Which accounts and regions `check` audits. The flags that a configuration file may
/// also set are `Option`s, so that one given on the command line overrides the file and
/// one left out does not; their defaults are stated in their help.
#[derive(Debug, Args)]
struct ScopeArgs {
    /// Audit every region enabled for each account (read with ec2:DescribeRegions).
    #[arg(long, conflicts_with = "region")]
    all_regions: bool,

    /// Audit these accounts: IDs joined by commas, or a file of IDs (one a line, `#`
    /// comments). A role is assumed in each but the caller's own.
    #[arg(long, value_name = "IDS|PATH", conflicts_with = "org")]
    accounts: Option<String>,

    /// Audit every active account of the organization (run it from the management
    /// account or a delegated administrator).
    #[arg(long)]
    org: bool,

    /// The role to assume in each audited account
    ///
    /// [default: OrganizationAccountAccessRole]
    #[arg(long, value_name = "NAME")]
    role_name: Option<String>,

    /// The external ID the role's trust policy asks for.
    #[arg(long, value_name = "ID")]
    external_id: Option<String>,

    /// Accounts audited at once (1 to 64); the regions of one account are read together
    ///
    /// [default: 8]
    #[arg(
        long,
        value_name = "N",
        value_parser = clap::value_parser!(u32).range(CONCURRENCY_RANGE),
    )]
    concurrency: Option<u32>,

    /// Audit only share I of N of the accounts (1/4 to 4/4), so that N workers split an
    /// organization; their `--format jsonl` outputs concatenate.
    #[arg(long, value_name = "I/N")]
    shard: Option<String>,
}

/// Where `check` finds its configuration file.
#[derive(Debug, Args)]
struct ConfigArgs {
    /// Read settings and accepted exceptions from this file instead of ./vpcwatch.toml
    /// (flags override it).
    #[arg(long, value_name = "PATH", conflicts_with = "no_config")]
    config: Option<PathBuf>,

    /// Do not read ./vpcwatch.toml.
    #[arg(long)]
    no_config: bool,
}

#[derive(Debug, Args)]
struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum, value_name = "SHELL")]
    shell: ShellArg,
}

#[derive(Debug, Args)]
struct ManArgs {
    /// A subcommand whose page to print (default: the page of vpcwatch itself).
    #[arg(value_name = "COMMAND")]
    command: Option<String>,
}

#[derive(Debug, Args)]
struct FixArgs {
    #[command(flatten)]
    aws: AwsArgs,

    /// Event names to cover: default (30 VPC names), cis (controls 4.10 to 4.14), a
    /// file of names (one a line), or several joined by commas: default,cis.
    #[arg(long, value_name = "SET", default_value = "default")]
    events: String,

    #[command(flatten)]
    fix_options: FixOptions,
}

/// The flags of `fix`, shared with `check --fix`.
#[derive(Debug, Args)]
struct FixOptions {
    /// The email address that receives the alerts (required by fix).
    #[arg(long, value_name = "ADDRESS")]
    email: Option<String>,

    /// Notify this existing SNS topic (in the log group's region) instead of creating
    /// vpcwatch-vpc-changes.
    #[arg(long, value_name = "ARN")]
    topic_arn: Option<String>,

    /// Print the plan and stop; nothing is written.
    #[arg(long, conflicts_with_all = ["yes", "emit"])]
    dry_run: bool,

    /// Write without asking (needed when standard input is not a terminal).
    #[arg(long)]
    yes: bool,

    /// Print the plan as infrastructure code instead of applying it.
    #[arg(long, value_enum, value_name = "FORMAT", conflicts_with = "yes")]
    emit: Option<EmitArg>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum EmitArg {
    Terraform,
    #[value(name = "cloudformation")]
    CloudFormation,
}

#[derive(Debug, Args)]
struct PatternArgs {
    /// The filter pattern; `-` reads it from standard input.
    #[arg(value_name = "PATTERN", allow_hyphen_values = true)]
    pattern: String,

    /// Event names to check coverage of: default, cis or a file of names.
    #[arg(long, value_name = "SET", default_value = "default")]
    events: String,

    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = FormatArg::Text)]
    format: FormatArg,

    /// A log message to test the pattern on (repeatable); replaces the event set.
    #[arg(long, value_name = "TEXT", conflicts_with = "messages")]
    message: Vec<String>,

    /// A file of log messages, one a line (`-` for standard input).
    #[arg(long, value_name = "PATH")]
    messages: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum FormatArg {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ReportFormatArg {
    /// For people, on an 80-column terminal
    Text,
    /// One object; schema in docs/schema/check-report.schema.json
    Json,
    /// SARIF 2.1.0, for GitHub code scanning
    Sarif,
    /// JUnit XML, for CI test reports
    Junit,
    /// A Markdown summary, for a pull request comment or a job summary
    Markdown,
    /// One JSON object per account, a line each
    Jsonl,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ShellArg {
    Bash,
    Elvish,
    Fish,
    #[value(name = "powershell")]
    PowerShell,
    Zsh,
}

/// A flag value that parsed but makes no sense; printed as one line, exit status 2. A
/// value is quoted with `{:?}`, which also escapes control and bidirectional characters.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(String);

impl Cli {
    /// Turns the parsed flags into a validated task.
    pub fn into_task(self) -> Result<Task, UsageError> {
        match self.command {
            Command::Check(args) => check_task(args),
            Command::Pattern(args) => pattern_task(args),
            Command::Completions(args) => Ok(Task::Completions(args.shell.into())),
            Command::Man(args) => man_task(args),
            Command::Fix(args) => fix_task(args.aws, &args.events, args.fix_options),
        }
    }
}

/// The clap definition of every flag, for the completion scripts and the man pages.
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}

fn check_task(args: CheckArgs) -> Result<Task, UsageError> {
    if args.fix {
        return check_fix_task(args);
    }
    if let Some(flag) = args.fix_options.first_flag() {
        return Err(UsageError(format!("{flag} belongs to fix: pass --fix as well")));
    }
    let (config_file, file) = args.config.read()?;
    let (aws, regions) = aws_and_regions(args.aws, args.scope.all_regions, &file)?;
    let events = args.events.as_deref().map(events_choice).transpose()?.or(file.events.clone());
    let format = args.format.map(ReportFormat::from).or(file.format);
    Ok(Task::Check(CheckConfig {
        aws,
        events: events.unwrap_or(EventsChoice::Default),
        format: format.unwrap_or(ReportFormat::Text),
        output: args.output.map(output_path).transpose()?,
        scope: scope(args.scope, regions, &file)?,
        config_file,
        exceptions: file.exceptions,
    }))
}

/// `check --fix`: the fix, refusing every flag that only the check would use.
fn check_fix_task(args: CheckArgs) -> Result<Task, UsageError> {
    let format = args.format.unwrap_or(ReportFormatArg::Text);
    if !matches!(format, ReportFormatArg::Text) || args.output.is_some() {
        return Err(UsageError(
            "--format and --output belong to the check report; --fix prints its plan as text \
             (use --emit for Terraform or CloudFormation)"
                .into(),
        ));
    }
    if let Some(flag) = args.scope.first_flag() {
        return Err(UsageError(format!(
            "{flag} belongs to the check: fix works on one account and region at a time"
        )));
    }
    if let Some(flag) = args.config.first_flag() {
        return Err(UsageError(format!(
            "{flag} belongs to the check: fix reads no configuration file"
        )));
    }
    let events = args.events.as_deref().unwrap_or("default");
    fix_task(args.aws, events, args.fix_options)
}

/// The AWS settings and the regions to audit. `--region` and `--all-regions` override
/// the file's `regions` and `all_regions`; as with repeated `--region`, the first region
/// the file lists is the SDK's region unless `--region` names one.
fn aws_and_regions(
    aws: AwsArgs,
    all_regions: bool,
    file: &FileSettings,
) -> Result<(AwsSettings, RegionChoice), UsageError> {
    let given = !aws.region.is_empty() || all_regions;
    let regions = match (&file.regions, given) {
        (Some(from_file), false) => from_file.clone(),
        _ => region_choice(&aws.region, all_regions),
    };
    let mut settings = aws_settings(aws)?;
    if let (None, RegionChoice::Listed(listed)) = (&settings.region, &regions) {
        settings.region = listed.first().cloned();
    }
    Ok((settings, regions))
}

impl ConfigArgs {
    /// The configuration file and what it sets: `--config`, which must exist, or else
    /// the working directory's vpcwatch.toml unless `--no-config`; nothing without one.
    fn read(&self) -> Result<(Option<PathBuf>, FileSettings), UsageError> {
        let path = match &self.config {
            Some(path) if !path.exists() => {
                return Err(UsageError(format!(
                    "--config {:?}: no such file",
                    path.display().to_string()
                )))
            }
            Some(path) => Some(path.clone()),
            None if self.no_config => None,
            None => config_file::in_working_directory(),
        };
        let settings = match &path {
            Some(path) => config_file::load(path).map_err(|err| UsageError(err.to_string()))?,
            None => FileSettings::default(),
        };
        Ok((path, settings))
    }

    /// The first configuration flag given, for `check --fix`.
    fn first_flag(&self) -> Option<&'static str> {
        [(self.config.is_some(), "--config"), (self.no_config, "--no-config")]
            .into_iter()
            .find_map(|(given, flag)| given.then_some(flag))
    }
}

/// One `--region` is the SDK's region; several are a list to audit in turn.
fn region_choice(regions: &[String], all: bool) -> RegionChoice {
    let mut distinct: Vec<String> = Vec::new();
    for region in regions {
        if !distinct.contains(region) {
            distinct.push(region.clone());
        }
    }
    match distinct.len() {
        _ if all => RegionChoice::AllEnabled,
        0 | 1 => RegionChoice::Configured,
        _ => RegionChoice::Listed(distinct),
    }
}

/// The accounts and regions to audit: each flag given overrides the configuration
/// file's setting, which overrides the default.
fn scope(args: ScopeArgs, regions: RegionChoice, file: &FileSettings) -> Result<Scope, UsageError> {
    let accounts = match (&args.accounts, args.org, &file.accounts) {
        (Some(value), _, _) => AccountChoice::Listed(account_list(value)?),
        (None, true, _) => AccountChoice::Organization,
        (None, false, Some(from_file)) => from_file.clone(),
        (None, false, None) => AccountChoice::Caller,
    };
    let many = accounts != AccountChoice::Caller;
    if !many && (args.external_id.is_some() || args.role_name.is_some()) {
        return Err(UsageError(
            "--role-name and --external-id apply to other accounts: pass --org or --accounts"
                .into(),
        ));
    }
    if !many && args.shard.is_some() {
        return Err(UsageError("--shard splits accounts: pass --org or --accounts".into()));
    }
    if let Some(name) = &args.role_name {
        validate_role_name(name)?;
    }
    if let Some(id) = &args.external_id {
        validate_external_id(id)?;
    }
    let concurrency = args.concurrency.map(|n| n as usize).or(file.concurrency);
    Ok(Scope {
        regions,
        accounts,
        role_name: args
            .role_name
            .or(file.role_name.clone())
            .unwrap_or_else(|| DEFAULT_ROLE_NAME.to_string()),
        external_id: args.external_id.or(file.external_id.clone()),
        concurrency: concurrency.unwrap_or(DEFAULT_CONCURRENCY as usize),
        shard: args.shard.as_deref().map(shard).transpose()?,
    })
}

/// `--accounts`: IDs joined by commas, or else the path of a file of IDs.
fn account_list(value: &str) -> Result<Vec<String>, UsageError> {
    let inline: Vec<&str> = value.split(',').map(str::trim).collect();
    if inline.iter().all(|id| is_account_id(id)) {
        return Ok(sorted_accounts(inline));
    }
    if !std::path::Path::new(value).is_file() {
        let bad = inline.iter().find(|id| !is_account_id(id)).copied().unwrap_or(value);
        return Err(UsageError(format!(
            "--accounts {value:?}: {bad:?} is not a 12-digit account ID and no file {value:?} \
             exists"
        )));
    }
    let text = std::fs::read_to_string(value)
        .map_err(|err| UsageError(format!("--accounts: cannot read {value:?}: {err}")))?;
    accounts_from_file(value, &text)
}

/// One ID a line; blank lines and `#` comments are skipped.
fn accounts_from_file(path: &str, text: &str) -> Result<Vec<String>, UsageError> {
    let mut ids = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let id = line.split('#').next().unwrap_or_default().trim();
        if id.is_empty() {
            continue;
        }
        if !is_account_id(id) {
            return Err(UsageError(format!(
                "--accounts {path}:{}: {:?} is not a 12-digit account ID",
                number + 1,
                id
            )));
        }
        ids.push(id);
    }
    if ids.is_empty() {
        return Err(UsageError(format!("--accounts {path}: the file names no account")));
    }
    Ok(sorted_accounts(ids))
}

fn sorted_accounts(ids: Vec<&str>) -> Vec<String> {
    let set: std::collections::BTreeSet<&str> = ids.into_iter().collect();
    set.into_iter().map(str::to_string).collect()
}

fn validate_role_name(name: &str) -> Result<(), UsageError> {
    if is_role_name(name) {
        Ok(())
    } else {
        Err(UsageError(format!(
            "invalid --role-name {:?}: expected an IAM role name such as {DEFAULT_ROLE_NAME}",
            name
        )))
    }
}

fn validate_external_id(id: &str) -> Result<(), UsageError> {
    if is_external_id(id) {
        Ok(())
    } else {
        Err(UsageError(
            "invalid --external-id: expected 2 to 1,224 letters, digits or +=,.@:/_-".into(),
        ))
    }
}

/// `I/N`, 1 <= I <= N.
fn shard(value: &str) -> Result<Shard, UsageError> {
    let parsed = value.split_once('/').and_then(|(i, n)| {
        let (index, count) = (i.trim().parse::<u32>().ok()?, n.trim().parse::<u32>().ok()?);
        (index >= 1 && index <= count).then_some(Shard { index, count })
    });
    parsed.ok_or_else(|| {
        UsageError(format!(
            "invalid --shard {:?}: expected I/N with 1 <= I <= N, such as 2/4",
            value
        ))
    })
}

/// Checks before any AWS call that the report can be written where asked: a file name
/// in a directory that exists.
fn output_path(path: PathBuf) -> Result<PathBuf, UsageError> {
    let shown = path.display().to_string();
    if path.as_os_str().is_empty() {
        return Err(UsageError("--output is empty; name a file".into()));
    }
    if path.is_dir() || path.file_name().is_none() {
        return Err(UsageError(format!("--output {shown:?} is a directory; name a file")));
    }
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
    if parent.is_some_and(|p| !p.is_dir()) {
        return Err(UsageError(format!(
            "--output {shown:?}: directory {:?} does not exist",
            parent.unwrap_or(&path).display().to_string()
        )));
    }
    Ok(path)
}

fn man_task(args: ManArgs) -> Result<Task, UsageError> {
    let Some(name) = args.command else {
        return Ok(Task::Man(None));
    };
    let known = command().get_subcommands().any(|c| c.get_name() == name);
    if known {
        Ok(Task::Man(Some(name)))
    } else {
        Err(UsageError(format!("man: no subcommand {name:?}")))
    }
}

fn fix_task(aws: AwsArgs, events: &str, options: FixOptions) -> Result<Task, UsageError> {
    if aws.region.len() > 1 {
        return Err(UsageError(
            "fix works in one region at a time: pass --region once and run it again for the \
             next"
                .into(),
        ));
    }
    let email = options.email.ok_or_else(|| {
        UsageError("fix needs --email ADDRESS: the address that receives the alerts".into())
    })?;
    validate_email(&email)?;
    if let Some(arn) = &options.topic_arn {
        validate_topic_arn(arn)?;
    }
    let mode = match (options.emit, options.dry_run) {
        (Some(EmitArg::Terraform), _) => FixMode::Emit(EmitFormat::Terraform),
        (Some(EmitArg::CloudFormation), _) => FixMode::Emit(EmitFormat::CloudFormation),
        (None, true) => FixMode::DryRun,
        (None, false) => FixMode::Apply { yes: options.yes },
    };
    Ok(Task::Fix(FixConfig {
        aws: aws_settings(aws)?,
        events: events_choice(events)?,
        email,
        topic_arn: options.topic_arn,
        mode,
    }))
}

impl ScopeArgs {
    /// The first flag that widens the audit beyond one account and region.
    fn first_flag(&self) -> Option<&'static str> {
        [
            (self.all_regions, "--all-regions"),
            (self.accounts.is_some(), "--accounts"),
            (self.org, "--org"),
            (self.role_name.is_some(), "--role-name"),
            (self.external_id.is_some(), "--external-id"),
            (self.concurrency.is_some(), "--concurrency"),
            (self.shard.is_some(), "--shard"),
        ]
        .into_iter()
        .find_map(|(given, flag)| given.then_some(flag))
    }
}

impl FixOptions {
    /// The first fix flag given, for `check` without `--fix`.
    fn first_flag(&self) -> Option<&'static str> {
        [
            (self.email.is_some(), "--email"),
            (self.topic_arn.is_some(), "--topic-arn"),
            (self.dry_run, "--dry-run"),
            (self.yes, "--yes"),
            (self.emit.is_some(), "--emit"),
        ]
        .into_iter()
        .find_map(|(given, flag)| given.then_some(flag))
    }
}

/// The syntax SNS accepts for an email endpoint, checked loosely but before any call:
/// one `@`, a local part, a domain of dot-separated labels with a dot in it, no spaces.
fn validate_email(email: &str) -> Result<(), UsageError> {
    let bad = || {
        UsageError(format!(
            "invalid email address {:?}: expected an address such as ops@example.com",
            email
        ))
    };
    let (local, domain) = email.split_once('@').ok_or_else(bad)?;
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && local.chars().all(|c| c.is_ascii_graphic() && !"@()<>[]:;,\\\"".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && domain.len() <= 253
        && labels.iter().all(|l| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    if local_ok && domain_ok && email.len() <= 254 {
        Ok(())
    } else {
        Err(bad())
    }
}

/// `arn:PARTITION:sns:REGION:ACCOUNT:NAME`.
fn validate_topic_arn(arn: &str) -> Result<(), UsageError> {
    let parts: Vec<&str> = arn.split(':').collect();
    let ok = parts.len() == 6
        && parts[0] == "arn"
        && parts[1].starts_with("aws")
        && parts[2] == "sns"
        && is_region(parts[3])
        && is_account_id(parts[4])
        && !parts[5].is_empty();
    if ok {
        Ok(())
    } else {
        Err(UsageError(format!(
            "invalid topic ARN {:?}: expected arn:aws:sns:REGION:ACCOUNT:NAME",
            arn
        )))
    }
}

fn pattern_task(args: PatternArgs) -> Result<Task, UsageError> {
    let pattern = source(args.pattern);
    let messages = messages(args.message, args.messages);
    if pattern == Source::Stdin && messages == Some(Messages::Stdin) {
        return Err(UsageError(
            "the pattern and the messages cannot both come from standard input; \
             give the pattern as an argument"
                .into(),
        ));
    }
    Ok(Task::Pattern(PatternConfig {
        pattern,
        events: events_choice(&args.events)?,
        format: args.format.into(),
        messages,
    }))
}

/// `--events`, which must name at least one set: an empty value would be read as the
/// path of a file that cannot exist.
fn events_choice(value: &str) -> Result<EventsChoice, UsageError> {
    if value.split(',').all(|part| part.trim().is_empty()) {
        return Err(UsageError(
            "--events is empty; name a set: default, cis, or a file of event names".into(),
        ));
    }
    Ok(EventsChoice::parse(value))
}

fn source(text: String) -> Source {
    if text == "-" {
        Source::Stdin
    } else {
        Source::Text(text)
    }
}

fn messages(inline: Vec<String>, path: Option<PathBuf>) -> Option<Messages> {
    match path {
        Some(path) if path.as_os_str() == "-" => Some(Messages::Stdin),
        Some(path) => Some(Messages::File(path)),
        None if inline.is_empty() => None,
        None => Some(Messages::Inline(inline)),
    }
}

fn aws_settings(args: AwsArgs) -> Result<AwsSettings, UsageError> {
    for region in &args.region {
        validate_region(region)?;
    }
    if let Some(url) = &args.endpoint_url {
        validate_endpoint(url)?;
    }
    if let Some(profile) = &args.profile {
        if profile.trim().is_empty() {
            return Err(UsageError("--profile is empty; name a profile from ~/.aws/config".into()));
        }
    }
    Ok(AwsSettings {
        profile: args.profile,
        region: args.region.into_iter().next(),
        endpoint_url: args.endpoint_url,
        max_attempts: args.max_attempts,
        attempt_timeout: std::time::Duration::from_secs(args.timeout),
    })
}

fn validate_region(region: &str) -> Result<(), UsageError> {
    if is_region(region) {
        Ok(())
    } else {
        Err(UsageError(format!(
            "invalid region {region:?}: expected a region code such as us-east-1"
        )))
    }
}

fn validate_endpoint(url: &str) -> Result<(), UsageError> {
    let rest = url.strip_prefix("http://").or_else(|| url.strip_prefix("https://"));
    match rest {
        Some(host) if !host.is_empty() && !host.starts_with('/') => Ok(()),
        _ => Err(UsageError(format!(
            "invalid endpoint URL {url:?}: expected http://HOST[:PORT] or https://HOST[:PORT]"
        ))),
    }
}

impl From<ReportFormatArg> for ReportFormat {
    fn from(arg: ReportFormatArg) -> ReportFormat {
        match arg {
            ReportFormatArg::Text => ReportFormat::Text,
            ReportFormatArg::Json => ReportFormat::Json,
            ReportFormatArg::Sarif => ReportFormat::Sarif,
            ReportFormatArg::Junit => ReportFormat::Junit,
            ReportFormatArg::Markdown => ReportFormat::Markdown,
            ReportFormatArg::Jsonl => ReportFormat::Jsonl,
        }
    }
}

impl From<ShellArg> for Shell {
    fn from(arg: ShellArg) -> Shell {
        match arg {
            ShellArg::Bash => Shell::Bash,
            ShellArg::Elvish => Shell::Elvish,
            ShellArg::Fish => Shell::Fish,
            ShellArg::PowerShell => Shell::PowerShell,
            ShellArg::Zsh => Shell::Zsh,
        }
    }
}

impl From<FormatArg> for OutputFormat {
    fn from(arg: FormatArg) -> OutputFormat {
        match arg {
            FormatArg::Text => OutputFormat::Text,
            FormatArg::Json => OutputFormat::Json,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(args: &[&str]) -> Result<Task, UsageError> {
        let argv = std::iter::once("vpcwatch").chain(args.iter().copied());
        Cli::try_parse_from(argv).expect("flags parse").into_task()
    }

    #[test]
    fn check_fix_refuses_report_flags_it_would_ignore() {
        let err =
            task(&["check", "--fix", "--email", "a@example.com", "--format", "json"]).unwrap_err();
        assert!(err.to_string().contains("--format and --output"), "{err}");
        assert!(task(&["check", "--fix", "--email", "a@example.com", "--dry-run"]).is_ok());
    }

    #[test]
    fn event_sets_may_be_joined_by_commas() {
        let Ok(Task::Check(config)) = task(&["check", "--events", "default,cis"]) else {
            panic!("check task expected");
        };
        assert_eq!(
            config.events,
            EventsChoice::Union(vec![EventsChoice::Default, EventsChoice::Cis])
        );
        let Ok(Task::Check(config)) = task(&["check", "--events", "cis"]) else {
            panic!("check task expected");
        };
        assert_eq!(config.events, EventsChoice::Cis);
    }

    #[test]
    fn regions_are_validated() {
        for good in ["us-east-1", "ap-southeast-2", "us-gov-west-1", "eu-central-1"] {
            assert!(validate_region(good).is_ok(), "{good}");
        }
        for bad in ["", "us-east", "US-EAST-1", "useast1", "us--1", "us-east-1a", "east-1"] {
            assert!(validate_region(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn bad_region_is_a_usage_error_naming_the_value() {
        let err = task(&["check", "--region", "mars-1"]).unwrap_err();
        assert!(err.to_string().contains("\"mars-1\""), "{err}");
    }

    #[test]
    fn endpoint_must_be_http_or_https() {
        assert!(task(&["check", "--endpoint-url", "http://127.0.0.1:5000"]).is_ok());
        assert!(task(&["check", "--endpoint-url", "127.0.0.1:5000"]).is_err());
        assert!(task(&["check", "--endpoint-url", "http://"]).is_err());
    }

    #[test]
    fn pattern_dash_reads_stdin_and_events_choices_map() {
        let Ok(Task::Pattern(config)) = task(&["pattern", "-", "--events", "cis"]) else {
            panic!("pattern task expected");
        };
        assert_eq!(config.pattern, Source::Stdin);
        assert_eq!(config.events, EventsChoice::Cis);
        assert_eq!(config.messages, None);
    }

    #[test]
    fn pattern_and_messages_cannot_both_use_stdin() {
        assert!(task(&["pattern", "-", "--messages", "-"]).is_err());
        let Ok(Task::Pattern(config)) = task(&["pattern", "ERROR", "--messages", "-"]) else {
            panic!("pattern task expected");
        };
        assert_eq!(config.messages, Some(Messages::Stdin));
    }

    #[test]
    fn repeated_message_flags_are_kept_in_order() {
        let Ok(Task::Pattern(config)) =
            task(&["pattern", "ERROR", "--message", "a ERROR", "--message", "b"])
        else {
            panic!("pattern task expected");
        };
        assert_eq!(config.messages, Some(Messages::Inline(vec!["a ERROR".into(), "b".into()])));
    }

    #[test]
    fn an_empty_event_set_is_refused_by_every_command() {
        for args in [
            &["check", "--events", ""][..],
            &["check", "--events", " , "],
            &["fix", "--email", "a@example.com", "--events", ""],
            &["pattern", "ERROR", "--events", ","],
        ] {
            let err = task(args).err().unwrap_or_else(|| panic!("{args:?} accepted"));
            assert!(err.to_string().starts_with("--events is empty"), "{args:?}: {err}");
        }
    }

    #[test]
    fn fix_needs_a_valid_email_before_any_call() {
        assert!(task(&["fix"]).unwrap_err().to_string().contains("--email"));
        for bad in ["", "a", "a@b", "a@@b.com", "a b@c.com", "a@b..com", "@b.com", "a@-b.com"] {
            assert!(task(&["fix", "--email", bad]).is_err(), "{bad}");
        }
        for good in ["a@example.com", "first.last+vpc@mail.example.co.uk"] {
            assert!(task(&["fix", "--email", good]).is_ok(), "{good}");
        }
    }

    #[test]
    fn fix_modes_and_check_fix_are_the_same_task() {
        let fix = task(&["fix", "--email", "a@example.com", "--dry-run"]).unwrap();
        let check = task(&["check", "--fix", "--email", "a@example.com", "--dry-run"]).unwrap();
        assert_eq!(fix, check);
        let Task::Fix(config) = fix else { panic!("fix task expected") };
        assert_eq!(config.mode, FixMode::DryRun);
        let Ok(Task::Fix(config)) =
            task(&["fix", "--email", "a@example.com", "--emit", "cloudformation"])
        else {
            panic!("fix task expected");
        };
        assert_eq!(config.mode, FixMode::Emit(EmitFormat::CloudFormation));
    }

    #[test]
    fn fix_flags_without_fix_are_refused() {
        let err = task(&["check", "--email", "a@example.com"]).unwrap_err();
        assert_eq!(err.to_string(), "--email belongs to fix: pass --fix as well");
    }

    #[test]
    fn topic_arns_are_checked_for_shape() {
        let ok = "arn:aws:sns:us-east-1:123456789012:alerts";
        assert!(task(&["fix", "--email", "a@example.com", "--topic-arn", ok]).is_ok());
        for bad in ["alerts", "arn:aws:sqs:us-east-1:123456789012:q", "arn:aws:sns:us-east-1:1:t"] {
            assert!(task(&["fix", "--email", "a@example.com", "--topic-arn", bad]).is_err());
        }
    }

    fn aws(args: &[&str]) -> AwsSettings {
        match task(args).expect("a valid task") {
            Task::Check(config) => config.aws,
            Task::Fix(config) => config.aws,
            other => panic!("check or fix expected, got {other:?}"),
        }
    }

    #[test]
    fn retries_and_timeout_default_to_five_attempts_of_thirty_seconds() {
        let settings = aws(&["check"]);
        assert_eq!(settings.max_attempts, 5);
        assert_eq!(settings.attempt_timeout, std::time::Duration::from_secs(30));
    }

    #[test]
    fn retries_and_timeout_reach_check_and_fix() {
        let settings = aws(&["check", "--max-attempts", "1", "--timeout", "600"]);
        assert_eq!((settings.max_attempts, settings.attempt_timeout.as_secs()), (1, 600));
        let fix = ["fix", "--email", "a@example.com", "--max-attempts", "10", "--timeout", "1"];
        let settings = aws(&fix);
        assert_eq!((settings.max_attempts, settings.attempt_timeout.as_secs()), (10, 1));
    }

    #[test]
    fn retries_and_timeout_out_of_range_are_refused_by_the_parser() {
        for (flag, bad) in [
            ("--max-attempts", "0"),
            ("--max-attempts", "11"),
            ("--max-attempts", "-1"),
            ("--max-attempts", "five"),
            ("--timeout", "0"),
            ("--timeout", "601"),
            ("--timeout", "1.5"),
        ] {
            let argv = ["vpcwatch".to_string(), "check".into(), format!("{flag}={bad}")];
            let err = Cli::try_parse_from(argv).expect_err(&format!("{flag} {bad}"));
            assert_eq!(err.kind(), clap::error::ErrorKind::ValueValidation, "{flag} {bad}");
        }
    }

    #[test]
    fn a_pattern_may_start_with_a_hyphen() {
        let Ok(Task::Pattern(config)) = task(&["pattern", "-DEBUG"]) else {
            panic!("pattern task expected");
        };
        assert_eq!(config.pattern, Source::Text("-DEBUG".into()));
    }

    fn scope(args: &[&str]) -> Result<Scope, UsageError> {
        let argv: Vec<&str> = std::iter::once("check").chain(args.iter().copied()).collect();
        match task(&argv)? {
            Task::Check(config) => Ok(config.scope),
            other => panic!("check task expected, got {other:?}"),
        }
    }

    fn refused(args: &[&str]) -> String {
        scope(args).expect_err(&format!("{args:?} refused")).to_string()
    }

    #[test]
    fn regions_repeat_once_each_and_one_region_is_the_configured_one() {
        assert_eq!(scope(&[]).unwrap().regions, RegionChoice::Configured);
        assert_eq!(scope(&["--region", "eu-west-1"]).unwrap().regions, RegionChoice::Configured);
        let many = ["--region", "eu-west-1", "--region", "us-east-1", "--region", "eu-west-1"];
        assert_eq!(
            scope(&many).unwrap().regions,
            RegionChoice::Listed(vec!["eu-west-1".into(), "us-east-1".into()])
        );
        assert_eq!(scope(&["--all-regions"]).unwrap().regions, RegionChoice::AllEnabled);
        let argv = ["vpcwatch", "check", "--all-regions", "--region", "eu-west-1"];
        assert!(Cli::try_parse_from(argv).is_err(), "--all-regions conflicts with --region");
    }

    #[test]
    fn accounts_come_inline_or_from_a_file_sorted_once_each() {
        let inline = scope(&["--accounts", "222222222222, 111111111111,222222222222"]).unwrap();
        let expected = vec!["111111111111".to_string(), "222222222222".to_string()];
        assert_eq!(inline.accounts, AccountChoice::Listed(expected.clone()));
        let path = std::env::temp_dir().join(format!("vpcwatch-accounts-{}", std::process::id()));
        std::fs::write(
            &path,
            "# payments
222222222222

111111111111  # shared
",
        )
        .unwrap();
        let from_file = scope(&["--accounts", path.to_str().unwrap()]).unwrap();
        assert_eq!(from_file.accounts, AccountChoice::Listed(expected));
        std::fs::write(
            &path,
            "111111111111
12345
",
        )
        .unwrap();
        let err = refused(&["--accounts", path.to_str().unwrap()]);
        assert!(err.ends_with(":2: \"12345\" is not a 12-digit account ID"), "{err}");
        std::fs::remove_file(&path).unwrap();
        let err = refused(&["--accounts", "11111111111"]);
        assert!(err.contains("not a 12-digit account ID and no file"), "{err}");
    }

    #[test]
    fn role_external_id_and_shard_need_other_accounts() {
        assert_eq!(scope(&["--org"]).unwrap().accounts, AccountChoice::Organization);
        assert!(refused(&["--shard", "1/2"]).contains("pass --org or --accounts"));
        assert!(refused(&["--external-id", "abc"]).contains("pass --org or --accounts"));
        assert!(refused(&["--role-name", "Auditor"]).contains("pass --org or --accounts"));
        let with = scope(&["--org", "--role-name", "audit/Auditor", "--external-id", "x-1"]);
        let with = with.unwrap();
        assert_eq!(
            (with.role_name.as_str(), with.external_id.as_deref()),
            ("audit/Auditor", Some("x-1"))
        );
        assert!(refused(&["--org", "--role-name", "bad name"]).contains("invalid --role-name"));
        assert!(refused(&["--org", "--external-id", "x"]).contains("invalid --external-id"));
    }

    #[test]
    fn shards_are_i_of_n_and_split_accounts_without_overlap() {
        assert_eq!(
            scope(&["--org", "--shard", "2/4"]).unwrap().shard,
            Some(Shard { index: 2, count: 4 })
        );
        for bad in ["0/4", "5/4", "2", "a/b", "1/0"] {
            assert!(refused(&["--org", "--shard", bad]).contains("invalid --shard"), "{bad}");
        }
        let ids: Vec<String> = (0..200).map(|n| format!("{:012}", n * 7919)).collect();
        let shards: Vec<Shard> = (1..=3).map(|index| Shard { index, count: 3 }).collect();
        for id in &ids {
            assert_eq!(shards.iter().filter(|s| s.includes(id)).count(), 1, "{id}");
        }
        let sizes: Vec<usize> =
            shards.iter().map(|s| ids.iter().filter(|id| s.includes(id)).count()).collect();
        assert!(sizes.iter().all(|n| (40..=95).contains(n)), "{sizes:?}");
    }

    /// A configuration file with `text` in a directory of its own; its path.
    fn config_file(name: &str, text: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("vpcwatch-cli-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("vpcwatch.toml");
        std::fs::write(&path, text).unwrap();
        path
    }

    fn check_config(args: &[&str]) -> CheckConfig {
        match task(args).expect("a valid task") {
            Task::Check(config) => config,
            other => panic!("check task expected, got {other:?}"),
        }
    }

    const TEAM_FILE: &str = r#"
events = "default,cis"
regions = ["eu-west-1", "us-east-1"]
org = true
role_name = "Auditor"
external_id = "team-1"
format = "json"
concurrency = 3

[[exceptions]]
names = ["CreateVpc"]
reason = "test"
expires = "2030-01-01"
"#;

    #[test]
    fn the_configuration_file_gives_what_no_flag_gives() {
        let path = config_file("team", TEAM_FILE);
        let config = check_config(&["check", "--config", path.to_str().unwrap()]);
        assert_eq!(
            config.events,
            EventsChoice::Union(vec![EventsChoice::Default, EventsChoice::Cis])
        );
        assert_eq!(config.format, ReportFormat::Json);
        assert_eq!(
            config.scope.regions,
            RegionChoice::Listed(vec!["eu-west-1".into(), "us-east-1".into()])
        );
        assert_eq!(config.aws.region.as_deref(), Some("eu-west-1"), "the first is the SDK's");
        assert_eq!(config.scope.accounts, AccountChoice::Organization);
        assert_eq!(config.scope.role_name, "Auditor");
        assert_eq!(config.scope.external_id.as_deref(), Some("team-1"));
        assert_eq!(config.scope.concurrency, 3);
        assert_eq!(config.config_file.as_deref(), Some(path.as_path()));
        assert_eq!(config.exceptions.len(), 1);
        assert_eq!(config.exceptions[0].names, ["CreateVpc"]);
    }

    #[test]
    fn flags_override_the_configuration_file_one_by_one() {
        let path = config_file("override", TEAM_FILE);
        let config = check_config(&[
            "check",
            "--config",
            path.to_str().unwrap(),
            "--events",
            "cis",
            "--format",
            "sarif",
            "--region",
            "ap-southeast-2",
            "--accounts",
            "111111111111",
            "--role-name",
            "Other",
            "--concurrency",
            "9",
            "--shard",
            "1/2",
        ]);
        assert_eq!(config.events, EventsChoice::Cis);
        assert_eq!(config.format, ReportFormat::Sarif);
        assert_eq!(config.scope.regions, RegionChoice::Configured);
        assert_eq!(config.aws.region.as_deref(), Some("ap-southeast-2"));
        assert_eq!(config.scope.accounts, AccountChoice::Listed(vec!["111111111111".into()]));
        assert_eq!(config.scope.role_name, "Other");
        assert_eq!(config.scope.external_id.as_deref(), Some("team-1"), "not overridden");
        assert_eq!(config.scope.concurrency, 9);
        assert_eq!(config.exceptions.len(), 1, "exceptions come from the file alone");

        let all = check_config(&["check", "--config", path.to_str().unwrap(), "--all-regions"]);
        assert_eq!(all.scope.regions, RegionChoice::AllEnabled);
        assert_eq!(all.aws.region, None);
        let one_file = config_file("one-region", "regions = [\"eu-west-1\"]\n");
        let one = check_config(&["check", "--config", one_file.to_str().unwrap()]);
        assert_eq!(one.scope.regions, RegionChoice::Listed(vec!["eu-west-1".into()]));
        assert_eq!(one.aws.region.as_deref(), Some("eu-west-1"));
    }

    #[test]
    fn a_missing_or_bad_configuration_file_is_a_usage_error() {
        let err = task(&["check", "--config", "/nonexistent/team.toml"]).unwrap_err();
        assert_eq!(err.to_string(), "--config \"/nonexistent/team.toml\": no such file");
        let bad = config_file("bad", "format = \"json\"\nconcurrency = 0\n");
        let err = task(&["check", "--config", bad.to_str().unwrap()]).unwrap_err().to_string();
        assert!(err.ends_with("vpcwatch.toml:2: invalid concurrency 0: expected 1 to 64"), "{err}");
        let argv = ["vpcwatch", "check", "--config", "x.toml", "--no-config"];
        assert!(Cli::try_parse_from(argv).is_err(), "--config conflicts with --no-config");
    }

    #[test]
    fn fix_reads_no_configuration_file() {
        let err = task(&["check", "--fix", "--email", "a@example.com", "--config", "x.toml"]);
        assert_eq!(
            err.unwrap_err().to_string(),
            "--config belongs to the check: fix reads no configuration file"
        );
        let no_config = task(&["check", "--fix", "--email", "a@example.com", "--no-config"]);
        assert!(no_config.unwrap_err().to_string().starts_with("--no-config belongs to the check"));
    }

    #[test]
    fn role_flags_without_other_accounts_are_refused_even_with_a_file() {
        let path = config_file("no-accounts", "format = \"json\"\n");
        let err = task(&["check", "--config", path.to_str().unwrap(), "--role-name", "Auditor"]);
        assert!(err.unwrap_err().to_string().contains("pass --org or --accounts"));
    }

    #[test]
    fn fix_takes_one_region_and_no_audit_scope() {
        let err = task(&[
            "fix",
            "--email",
            "a@example.com",
            "--region",
            "us-east-1",
            "--region",
            "eu-west-1",
        ]);
        assert!(err.unwrap_err().to_string().starts_with("fix works in one region at a time"));
        let err = task(&["check", "--fix", "--email", "a@example.com", "--org"]);
        assert!(err.unwrap_err().to_string().starts_with("--org belongs to the check"));
    }
}

//! Bad input from the user, end to end: every flag value, file and combination that
//! cannot be used gives one line on stderr naming the problem, exit status 2, nothing on
//! stdout, no report file and no AWS call. The AWS endpoint of each run is a loopback
//! listener that counts the connections it is offered: any is a call made too early.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// One refused command line: `{dir}` in an argument is the scratch directory of files.
struct Case {
    args: &'static [&'static str],
    /// What the one line on stderr must say.
    says: &'static str,
}

const fn case(args: &'static [&'static str], says: &'static str) -> Case {
    Case { args, says }
}

/// The files the cases name, in the scratch directory.
const FILES: &[(&str, &str)] = &[
    ("bad-events.txt", "CreateVpc\nnot a name!\n"),
    ("no-events.txt", "# nothing here\n"),
    ("syntax.toml", "regions = [\n"),
    ("unknown-key.toml", "fromat = \"json\"\n"),
    ("bad-region.toml", "regions = [\"mars-1\"]\n"),
    (
        "bad-date.toml",
        "[[exceptions]]\nnames = [\"CreateVpc\"]\nreason = \"x\"\nexpires = \"2027-02-30\"\n",
    ),
    (
        "unwatched.toml",
        "[[exceptions]]\nnames = [\"ModifyVpcAttribute\"]\nreason = \"x\"\nexpires = \"2030-01-01\"\n",
    ),
    ("both.toml", "org = true\naccounts = [\"111111111111\"]\n"),
    ("bad-accounts.txt", "111111111111\n12345 # too short\n"),
    ("hostile-region.toml", "regions = [\"m\u{202e}1\"]\n"),
    ("no-accounts.txt", "# none yet\n"),
];

const EMAIL: &str = "--email=ops@example.com";

const CASES: &[Case] = &[
    // The email address, the topic ARN, the region, the profile and the endpoint.
    case(&["fix"], "fix needs --email ADDRESS"),
    case(&["fix", "--email", "ops@example"], "invalid email address \"ops@example\""),
    case(&["fix", "--email", "ops @example.com"], "invalid email address"),
    case(&["check", "--fix", "--email", "@example.com"], "invalid email address"),
    case(&["fix", EMAIL, "--topic-arn", "arn:aws:sns:us-east-1:1:alerts"], "invalid topic ARN"),
    case(&["fix", EMAIL, "--topic-arn", "vpc-alerts"], "invalid topic ARN \"vpc-alerts\""),
    case(&["check", "--region", "mars-1"], "invalid region \"mars-1\""),
    case(&["check", "--region", "us-east-1", "--region", "EU-WEST-1"], "invalid region"),
    case(&["fix", EMAIL, "--region", "us_east_1"], "invalid region \"us_east_1\""),
    case(&["check", "--profile", ""], "--profile is empty"),
    case(&["check", "--profile", "nosuch"], "unknown profile \"nosuch\""),
    case(&["fix", EMAIL, "--profile", "nosuch"], "unknown profile \"nosuch\""),
    case(&["check", "--endpoint-url", "localhost:4566"], "invalid endpoint URL"),
    // Accounts, roles and shards.
    case(&["check", "--accounts", "12345"], "\"12345\" is not a 12-digit account ID"),
    case(&["check", "--accounts", "111111111111,abc"], "\"abc\" is not a 12-digit account ID"),
    case(&["check", "--accounts", "{dir}/bad-accounts.txt"], "bad-accounts.txt:2: \"12345\""),
    case(&["check", "--accounts", "{dir}/no-accounts.txt"], "the file names no account"),
    case(&["check", "--org", "--role-name", "bad name"], "invalid --role-name \"bad name\""),
    case(&["check", "--org", "--external-id", "a b"], "invalid --external-id"),
    case(&["check", "--org", "--shard", "5/4"], "invalid --shard \"5/4\""),
    case(&["check", "--org", "--shard", "0/4"], "invalid --shard"),
    case(&["check", "--org", "--concurrency", "0"], "'--concurrency <N>'"),
    // Event files.
    case(&["check", "--events", "{dir}/bad-events.txt"], "line 2: \"not a name!\""),
    case(&["check", "--events", "{dir}/missing.txt"], "missing.txt: No such file"),
    case(&["check", "--events", "{dir}/no-events.txt"], "no-events.txt"),
    case(&["check", "--events", ""], "--events is empty"),
    case(&["check", "--events", "default,{dir}/missing.txt"], "missing.txt"),
    case(&["fix", EMAIL, "--events", "{dir}/bad-events.txt"], "\"not a name!\""),
    // Configuration files.
    case(&["check", "--config", "{dir}/missing.toml"], "missing.toml\": no such file"),
    case(&["check", "--config", "{dir}/syntax.toml"], "syntax.toml:1:"),
    case(&["check", "--config", "{dir}/unknown-key.toml"], "unknown field `fromat`"),
    case(&["check", "--config", "{dir}/bad-region.toml"], "invalid region \"mars-1\""),
    case(&["check", "--config", "{dir}/bad-date.toml"], "invalid expires \"2027-02-30\""),
    case(&["check", "--config", "{dir}/unwatched.toml"], "ModifyVpcAttribute"),
    case(&["check", "--config", "{dir}/both.toml"], "exclude each other"),
    // The report file.
    case(&["check", "--output", "{dir}/no-such-dir/report.json"], "does not exist"),
    case(&["check", "--output", "{dir}"], "is a directory"),
    // Flags that do not go together.
    case(&["check", EMAIL], "--email belongs to fix: pass --fix as well"),
    case(&["check", "--dry-run"], "--dry-run belongs to fix"),
    case(&["check", "--fix", EMAIL, "--format", "json"], "--format and --output belong"),
    case(&["check", "--fix", EMAIL, "--org"], "--org belongs to the check"),
    case(&["check", "--fix", EMAIL, "--no-config"], "--no-config belongs to the check"),
    case(&["check", "--role-name", "Audit"], "pass --org or --accounts"),
    case(&["check", "--shard", "1/2"], "--shard splits accounts"),
    case(&["check", "--all-regions", "--region", "us-east-1"], "cannot be used with"),
    case(&["check", "--org", "--accounts", "111111111111"], "cannot be used with"),
    case(&["check", "--config", "{dir}/syntax.toml", "--no-config"], "cannot be used with"),
    case(&["check", "-q", "-v"], "cannot be used with"),
    case(&["fix", EMAIL, "--dry-run", "--yes"], "cannot be used with"),
    case(&["fix", EMAIL, "--emit", "terraform", "--yes"], "cannot be used with"),
    case(&["fix", EMAIL, "--region", "us-east-1", "--region", "eu-west-1"], "one region"),
    case(&["pattern", "-", "--messages", "-"], "cannot both come from standard input"),
    case(&["pattern", "ERROR", "--messages", "{dir}/missing.txt"], "missing.txt"),
    case(&["check", "--format", "xml"], "invalid value 'xml' for '--format"),
    case(&["man", "frob"], "no subcommand \"frob\""),
];

/// Values a terminal would act on, in flags and file names: each must come back escaped.
const HOSTILE: &[Case] = &[
    case(&["check", "--format", "x\x1b[2J\u{202e}"], r"'x\u{202e}'"),
    case(&["check", "--region", "us-\x1b[2J\u{202e}"], r"us-\u{1b}[2J\u{202e}"),
    case(&["fix", "--email", "ops\u{202e}@example.com"], r"ops\u{202e}@example.com"),
    case(&["check", "--events", "{dir}/\u{202e}\r.txt"], r"\u{202e}\u{d}.txt"),
    case(&["check", "--config", "{dir}/\u{2066}.toml"], r"\u{2066}.toml"),
    case(&["check", "--profile", "ops\u{200b}\x1b[2J"], r"ops\u{200b}\u{1b}[2J"),
    case(&["check", "--config", "{dir}/hostile-region.toml"], r#"invalid region "m\u{202e}1""#),
];

/// A loopback port that takes connections, counts them and closes them at once: an AWS
/// endpoint that tells whether anything called it.
struct Endpoint {
    url: String,
    connections: Arc<AtomicUsize>,
}

impl Endpoint {
    fn start() -> Endpoint {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let url = format!("http://{}", listener.local_addr().expect("local address"));
        let connections = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&connections);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                counted.fetch_add(1, Ordering::SeqCst);
                drop(stream);
            }
        });
        Endpoint { url, connections }
    }
}

/// A fresh directory with [`FILES`] and empty AWS config and credentials files.
fn scratch() -> PathBuf {
    static COUNT: AtomicUsize = AtomicUsize::new(0);
    let n = COUNT.fetch_add(1, Ordering::Relaxed);
    let name = format!("vpcwatch-bad-input-{}-{n}", std::process::id());
    let dir = std::env::temp_dir().join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create the scratch directory");
    for (name, text) in FILES.iter().chain(&[("aws-config", ""), ("aws-credentials", "")]) {
        std::fs::write(dir.join(name), text).expect("write a scratch file");
    }
    dir
}

/// Runs vpcwatch in `dir` with working credentials, a region and `endpoint`, and nothing
/// of this machine's AWS setup.
fn run(dir: &Path, endpoint: &Endpoint, args: &[String]) -> Output {
    let mut command = assert_cmd::Command::cargo_bin("vpcwatch").expect("the binary is built");
    for (name, _) in std::env::vars_os() {
        if name.to_str().is_some_and(|n| n.starts_with("AWS_")) {
            command.env_remove(name);
        }
    }
    command
        .current_dir(dir)
        .env_remove("RUST_LOG")
        .env("AWS_CONFIG_FILE", dir.join("aws-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", dir.join("aws-credentials"))
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL", &endpoint.url)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .args(args)
        .output()
        .expect("run vpcwatch")
}

/// Runs each case, `--output` added to every `check` that does not name its own, and
/// returns each case's one line on stderr.
fn refused(cases: &[Case]) -> Vec<String> {
    let dir = scratch();
    let endpoint = Endpoint::start();
    let report = dir.join("report.json");
    let mut lines = Vec::new();
    for case in cases {
        let mut args: Vec<String> =
            case.args.iter().map(|a| a.replace("{dir}", &dir.display().to_string())).collect();
        let is_check = args[0] == "check" && !args.iter().any(|a| a == "--fix");
        if is_check && !args.iter().any(|a| a == "--output") {
            args.extend(["--output".to_string(), report.display().to_string()]);
        }
        let output = run(&dir, &endpoint, &args);
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert!(!stderr.contains("panicked"), "{args:?} panicked: {stderr}");
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(output.stdout.is_empty(), "{args:?} printed on stdout");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: one line expected: {stderr:?}");
        assert!(stderr.starts_with("vpcwatch: "), "{args:?}: {stderr}");
        assert!(stderr.contains(case.says), "{args:?}: {:?} not in {stderr:?}", case.says);
        assert!(!report.exists(), "{args:?} wrote the report file");
        assert_eq!(endpoint.connections.load(Ordering::SeqCst), 0, "{args:?} called AWS");
        lines.push(stderr);
    }
    let _ = std::fs::remove_dir_all(&dir);
    lines
}

#[test]
fn bad_input_is_one_line_exit_2_before_any_aws_call_and_nothing_written() {
    let lines = refused(CASES);
    assert_eq!(lines.len(), CASES.len());
}

#[test]
fn hostile_values_in_flags_and_file_names_come_back_escaped() {
    for line in refused(HOSTILE) {
        for raw in ['\x1b', '\r', '\u{202e}', '\u{2066}', '\u{200b}'] {
            assert!(!line.contains(raw), "raw {raw:?} in {line:?}");
        }
    }
}

/// The endpoint really counts: a run that needs AWS reaches it, and fails for want of an
/// answer, without a panic.
#[test]
fn the_endpoint_counts_a_run_that_calls_aws() {
    let dir = scratch();
    let endpoint = Endpoint::start();
    let args = ["check", "--max-attempts", "1", "--timeout", "2"].map(String::from);
    let output = run(&dir, &endpoint, &args);
    let _ = std::fs::remove_dir_all(&dir);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(endpoint.connections.load(Ordering::SeqCst) > 0, "{stderr}");
}

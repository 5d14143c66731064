//! Test harness: a moto AWS emulator on loopback, seeded with named scenarios.
//!
//! Each [`Emulator`] is one `tests/emulator/server.py` process with its own port and
//! state, stopped by PID when dropped, so tests running in parallel threads never share
//! an account. The Python side is installed on first use into `.venv-moto` (see
//! `tests/emulator/install.py`); an install that fails fails the test, it never skips it.
//!
//! Accounts: moto files each request under the account of its access key. The keys
//! `testing` belong to its default account [`DEFAULT_ACCOUNT`]; any other account is
//! reached with keys from `sts:AssumeRole` into a role of that account, which the server
//! obtains and [`Emulator::vpcwatch_as`] passes on.

#![allow(dead_code)] // each test binary uses its own part of the harness

pub mod faultproxy;
pub mod report;

use std::collections::HashMap;
use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// moto's default account: where requests signed with unknown keys (`testing`) land.
pub const DEFAULT_ACCOUNT: &str = "123456789012";

/// The region every scenario is seeded in unless it says otherwise.
pub const DEFAULT_REGION: &str = "us-east-1";

/// Every scenario `tests/emulator/scenarios.py` can seed.
pub const SCENARIOS: &[&str] = &[
    "sound",
    "no_trail",
    "trail_without_logs",
    "split_two_filters",
    "cis_414_only",
    "no_alarm",
    "alarm_without_actions",
    "alarm_actions_disabled",
    "topic_without_subscriptions",
    "pending_subscription",
    "root_only_filter",
    "event_source_filter",
    "stopped_trail",
    "read_only_trail",
    "other_home_region",
    "unreachable_threshold",
    "composite_alarm",
    "composite_with_unrelated",
    "topic_aws_managed_key",
    "alarm_unit_count",
    "missing_data_breaching",
    "default_value_zero",
    "default_value_one",
    "advanced_selectors_write",
    "single_region_trail",
    "organization_trail_one_region",
    "fix_name_collision",
    "hostile_names",
    "invalid_pattern",
    "hundred_filters",
    "non_sns_action",
    "deleted_topic",
    "thousands_of_alarms",
    "control_char_alarm_name",
    "fix_interrupted",
];

const READY_TIMEOUT: Duration = Duration::from_secs(60);
const REPLY_TIMEOUT: Duration = Duration::from_secs(120);
const START_ATTEMPTS: usize = 3;
/// server.py's exit status when it cannot bind its port.
const EXIT_PORT_IN_USE: i32 = 3;

/// Credentials that make moto file requests under one account.
#[derive(Clone, Debug)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
}

/// A running emulator; the process is killed and reaped on drop.
pub struct Emulator {
    child: Child,
    port: u16,
    dir: PathBuf,
    io: Mutex<Io>,
    credentials: Mutex<HashMap<String, Credentials>>,
}

struct Io {
    stdin: ChildStdin,
    lines: mpsc::Receiver<String>,
}

impl Emulator {
    /// Starts an emulator on a free loopback port, installing moto first if needed.
    ///
    /// Panics with the reason (and the server's log) if it does not come up.
    pub fn start() -> Emulator {
        let python = venv_python();
        let mut last_error = String::new();
        for _ in 0..START_ATTEMPTS {
            match Emulator::spawn(&python) {
                Ok(emulator) => return emulator,
                Err(Spawn::PortTaken(why)) => last_error = why,
                Err(Spawn::Failed(why)) => panic!("emulator: {why}"),
            }
        }
        panic!("emulator: no free port after {START_ATTEMPTS} attempts: {last_error}")
    }

    fn spawn(python: &Path) -> Result<Emulator, Spawn> {
        let port = free_port();
        let dir = scratch_dir();
        let log = std::fs::File::create(dir.join("server.log")).expect("create server.log");
        // Empty AWS config and credentials files: no profile of the machine's is seen.
        std::fs::write(dir.join("aws-config"), "").expect("create aws-config");
        std::fs::write(dir.join("aws-credentials"), "").expect("create aws-credentials");
        let mut child = Command::new(python)
            .arg(repo_root().join("tests/emulator/server.py"))
            .arg(port.to_string())
            .env_remove("MOTO_ACCOUNT_ID")
            .env("PYTHONUNBUFFERED", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .map_err(|e| Spawn::Failed(format!("spawn {}: {e}", python.display())))?;
        let lines = read_lines(child.stdout.take().expect("piped stdout"));
        let first = lines.recv_timeout(READY_TIMEOUT);
        if !first.as_deref().is_ok_and(is_ready_line) {
            let why = start_failure(&mut child, first, &dir);
            let _ = child.kill();
            let _ = child.wait();
            let _ = std::fs::remove_dir_all(&dir);
            return Err(why);
        }
        let stdin = child.stdin.take().expect("piped stdin");
        Ok(Emulator {
            child,
            port,
            dir,
            io: Mutex::new(Io { stdin, lines }),
            credentials: Mutex::new(HashMap::new()),
        })
    }

    /// The emulator's URL, `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The emulator's port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Seeds `scenario` in the default account and region; returns the server's reply,
    /// which lists the resources created.
    pub fn seed(&self, scenario: &str) -> Value {
        self.seed_in(scenario, DEFAULT_ACCOUNT, DEFAULT_REGION)
    }

    /// Seeds `scenario` in `account` (12 digits), default region.
    pub fn seed_account(&self, scenario: &str, account: &str) -> Value {
        self.seed_in(scenario, account, DEFAULT_REGION)
    }

    /// Seeds `scenario` in `account` and `region`. A scenario with its own home region
    /// (`other_home_region`) keeps it.
    pub fn seed_in(&self, scenario: &str, account: &str, region: &str) -> Value {
        let reply = self.request(json!({"seed": scenario, "account": account, "region": region}));
        let creds = credentials_from(&reply["credentials"]);
        self.credentials.lock().unwrap().insert(account.to_string(), creds);
        reply
    }

    /// What the emulator holds for `account` as seen from `region`: trails (with
    /// status and selectors), metric filters, alarms, topics and subscriptions.
    pub fn describe(&self, account: &str, region: &str) -> Value {
        self.request(json!({"describe": true, "account": account, "region": region}))
    }

    /// Wipes every account.
    pub fn reset(&self) {
        self.request(json!({"reset": true}));
        self.credentials.lock().unwrap().clear();
    }

    /// Credentials that address `account`, obtained from the emulator once.
    pub fn credentials(&self, account: &str) -> Credentials {
        if let Some(creds) = self.credentials.lock().unwrap().get(account) {
            return creds.clone();
        }
        let reply = self.request(json!({"credentials": account}));
        let creds = credentials_from(&reply["credentials"]);
        self.credentials.lock().unwrap().insert(account.to_string(), creds.clone());
        creds
    }

    /// Sends one command to server.py; panics if it answers `ok: false`.
    pub fn request(&self, command: Value) -> Value {
        self.try_request(&command).unwrap_or_else(|e| panic!("emulator: {command}: {e}"))
    }

    /// Sends one command to server.py and returns its reply, or its error text.
    pub fn try_request(&self, command: &Value) -> Result<Value, String> {
        let mut io = self.io.lock().unwrap();
        writeln!(io.stdin, "{command}")
            .and_then(|_| io.stdin.flush())
            .map_err(|e| format!("write to server.py: {e}\n{}", self.log()))?;
        let line = io.lines.recv_timeout(REPLY_TIMEOUT).map_err(|e| match e {
            mpsc::RecvTimeoutError::Timeout => {
                format!("no reply in {}s\n{}", REPLY_TIMEOUT.as_secs(), self.log())
            }
            mpsc::RecvTimeoutError::Disconnected => {
                format!("server.py died\n{}", self.log())
            }
        })?;
        let reply: Value =
            serde_json::from_str(&line).map_err(|e| format!("reply {line:?}: {e}"))?;
        if reply["ok"] == Value::Bool(true) {
            Ok(reply)
        } else {
            Err(reply["error"].as_str().unwrap_or(&line).to_string())
        }
    }

    /// The built `vpcwatch` binary, aimed at this emulator as the default account.
    pub fn vpcwatch(&self) -> assert_cmd::Command {
        self.vpcwatch_as(DEFAULT_ACCOUNT)
    }

    /// The built `vpcwatch` binary with credentials that moto files under `account`.
    pub fn vpcwatch_as(&self, account: &str) -> assert_cmd::Command {
        let binary = assert_cmd::cargo::cargo_bin("vpcwatch");
        assert_cmd::Command::from_std(self.command_as(binary, account))
    }

    /// Any program with the AWS environment of [`Emulator::vpcwatch_as`]: endpoint,
    /// region and credentials for `account`.
    ///
    /// Every `AWS_*` variable of the calling environment is removed first, so no
    /// developer profile, token or per-service endpoint can leak into a test.
    pub fn command_as(&self, program: impl AsRef<OsStr>, account: &str) -> Command {
        let creds = self.credentials(account);
        let mut cmd = Command::new(program);
        for (name, _) in std::env::vars_os() {
            if name.to_str().is_some_and(|n| n.starts_with("AWS_")) {
                cmd.env_remove(name);
            }
        }
        cmd.env_remove("MOTO_ACCOUNT_ID")
            .env_remove("RUST_LOG")
            .env("AWS_CONFIG_FILE", self.dir.join("aws-config"))
            .env("AWS_SHARED_CREDENTIALS_FILE", self.dir.join("aws-credentials"))
            .env("AWS_ACCESS_KEY_ID", &creds.access_key_id)
            .env("AWS_SECRET_ACCESS_KEY", &creds.secret_access_key)
            .env("AWS_REGION", DEFAULT_REGION)
            .env("AWS_DEFAULT_REGION", DEFAULT_REGION) // what boto3 and the aws CLI read
            .env("AWS_ENDPOINT_URL", self.endpoint())
            .env("AWS_EC2_METADATA_DISABLED", "true");
        if let Some(token) = &creds.session_token {
            cmd.env("AWS_SESSION_TOKEN", token);
        }
        cmd
    }

    /// The venv's python, for checks with boto3 that do not go through vpcwatch.
    pub fn python(&self) -> PathBuf {
        venv_python()
    }

    /// The last lines of the server's stderr (moto tracebacks end up here).
    pub fn log(&self) -> String {
        log_tail(&self.dir)
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

enum Spawn {
    PortTaken(String),
    Failed(String),
}

/// Forwards the server's stdout lines to a channel, so reads can time out.
fn read_lines(stdout: ChildStdout) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

fn is_ready_line(line: &str) -> bool {
    serde_json::from_str::<Value>(line).is_ok_and(|v| v["ready"] == Value::Bool(true))
}

/// Why server.py did not print its ready line: it exited (how), or it hangs.
fn start_failure(
    child: &mut Child,
    first: Result<String, mpsc::RecvTimeoutError>,
    dir: &Path,
) -> Spawn {
    if let Ok(line) = first {
        return Spawn::Failed(format!("unexpected first line {line:?}\n{}", log_tail(dir)));
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        match child.try_wait() {
            Ok(Some(status)) if status.code() == Some(EXIT_PORT_IN_USE) => {
                return Spawn::PortTaken(log_tail(dir));
            }
            Ok(Some(status)) => {
                return Spawn::Failed(format!("server.py {status}:\n{}", log_tail(dir)));
            }
            _ => std::thread::sleep(Duration::from_millis(50)),
        }
    }
    let waited = READY_TIMEOUT.as_secs();
    Spawn::Failed(format!("server.py not ready after {waited}s:\n{}", log_tail(dir)))
}

fn log_tail(dir: &Path) -> String {
    let text = std::fs::read_to_string(dir.join("server.log")).unwrap_or_default();
    let tail: Vec<&str> = text.lines().rev().take(40).collect();
    tail.into_iter().rev().collect::<Vec<_>>().join("\n")
}

fn credentials_from(value: &Value) -> Credentials {
    let field = |name: &str| value[name].as_str().map(str::to_string);
    Credentials {
        access_key_id: field("access_key_id").expect("credentials without access_key_id"),
        secret_access_key: field("secret_access_key").expect("credentials without secret"),
        session_token: field("session_token"),
    }
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local address").port()
}

fn scratch_dir() -> PathBuf {
    static COUNT: AtomicUsize = AtomicUsize::new(0);
    let n = COUNT.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("vpcwatch-emulator-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create emulator scratch directory");
    dir
}

/// The checkout the tests run from. `cargo test` sets CARGO_MANIFEST_DIR at run time too;
/// preferring it keeps a test binary built in a shared target directory from reaching
/// into another checkout.
fn repo_root() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
}

/// The venv's python, installing the venv once per test binary (and under a file lock
/// across binaries, in install.py).
pub fn venv_python() -> PathBuf {
    static PYTHON: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    PYTHON.get_or_init(install).clone().unwrap_or_else(|e| panic!("{e}"))
}

fn install() -> Result<PathBuf, String> {
    let script = repo_root().join("tests/emulator/install.py");
    let out = Command::new("python3")
        .arg(&script)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot install the moto emulator: run python3: {e}"))?;
    let mut stderr = String::new();
    let _ = out.stderr.as_slice().read_to_string(&mut stderr);
    if !out.status.success() {
        return Err(format!(
            "cannot install the moto emulator (python3 {} {}):\n{stderr}",
            script.display(),
            out.status
        ));
    }
    eprint!("{stderr}");
    Ok(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
}

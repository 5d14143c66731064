//! A fault-injecting proxy in front of an [`Emulator`]: `tests/emulator/faultproxy.py`
//! on a free loopback port, stopped by PID when dropped.
//!
//! vpcwatch is pointed at [`FaultProxy::endpoint`] with `--endpoint-url`; the proxy
//! forwards every request to the emulator, except those a rule picks, which get a fault:
//! throttling in the service's own protocol shape, HTTP 500 or 503, a delay, a
//! connection reset, or a body shorter than its Content-Length. Rules name calls as IAM
//! does (`cloudwatch:DescribeAlarms`) and fire on the first `times` matches, or always.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{json, Value};

use super::{log_tail, read_lines, repo_root, scratch_dir, venv_python, Emulator};

const READY_TIMEOUT: Duration = Duration::from_secs(30);
const CONTROL_TIMEOUT: Duration = Duration::from_secs(30);

/// One fault, as a rule for the proxy: `call` gets `fault` for its first `times`
/// requests, or for every request when `times` is `None`.
pub fn rule(call: &str, fault: &str, times: Option<u32>) -> Value {
    json!({"call": call, "fault": fault, "times": times})
}

/// A delay of `seconds` before `call` is forwarded and answered.
pub fn delay(call: &str, seconds: f64, times: Option<u32>) -> Value {
    json!({"call": call, "fault": "delay", "seconds": seconds, "times": times})
}

/// A running proxy; the process is killed and reaped on drop.
pub struct FaultProxy {
    child: Child,
    port: u16,
    dir: PathBuf,
    /// Held open: the proxy exits when its stdin closes, should this process die first.
    _stdin: ChildStdin,
}

impl FaultProxy {
    /// Starts a proxy in front of `emulator` with `rules` (a JSON list).
    pub fn start(emulator: &Emulator, rules: &Value) -> FaultProxy {
        let dir = scratch_dir();
        let log = std::fs::File::create(dir.join("server.log")).expect("create proxy log");
        let mut child = Command::new(venv_python())
            .arg(repo_root().join("tests/emulator/faultproxy.py"))
            .arg(emulator.endpoint())
            .arg(rules.to_string())
            .env("PYTHONUNBUFFERED", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("spawn faultproxy.py");
        let stdin = child.stdin.take().expect("piped stdin");
        let lines = read_lines(child.stdout.take().expect("piped stdout"));
        let ready = lines.recv_timeout(READY_TIMEOUT);
        let port = ready
            .as_deref()
            .ok()
            .and_then(|line| serde_json::from_str::<Value>(line).ok())
            .and_then(|v| v["port"].as_u64())
            .and_then(|p| u16::try_from(p).ok());
        let Some(port) = port else {
            let _ = child.kill();
            let _ = child.wait();
            let why = match ready {
                Ok(line) => format!("unexpected first line {line:?}"),
                Err(mpsc::RecvTimeoutError::Timeout) => "not ready in time".to_string(),
                Err(mpsc::RecvTimeoutError::Disconnected) => "exited".to_string(),
            };
            panic!("faultproxy.py {why}:\n{}", log_tail(&dir));
        };
        FaultProxy { child, port, dir, _stdin: stdin }
    }

    /// The proxy's URL, for `--endpoint-url`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Replaces the rules (and their counts) and empties the log of calls.
    pub fn set_rules(&self, rules: &Value) {
        let (status, body) = self.control("PUT", "rules", &rules.to_string());
        assert_eq!(status, 200, "faultproxy rejected the rules {rules}: {body}");
    }

    /// Every request seen since the rules were set: `{"call", "region", "fault"}`, in order.
    pub fn calls(&self) -> Vec<Value> {
        let (status, body) = self.control("GET", "calls", "");
        assert_eq!(status, 200, "faultproxy calls: {body}");
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("faultproxy calls {body:?}: {e}"))
    }

    /// How many requests of `call` were seen: (all, faulted).
    pub fn count(&self, call: &str) -> (usize, usize) {
        let calls = self.calls();
        let of_call: Vec<&Value> = calls.iter().filter(|c| c["call"] == call).collect();
        let faulted = of_call.iter().filter(|c| !c["fault"].is_null()).count();
        (of_call.len(), faulted)
    }

    /// The last lines of the proxy's stderr.
    pub fn log(&self) -> String {
        log_tail(&self.dir)
    }

    /// One HTTP/1.1 exchange with the control endpoint: the status and the body.
    fn control(&self, method: &str, what: &str, body: &str) -> (u16, String) {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connect to proxy");
        stream.set_read_timeout(Some(CONTROL_TIMEOUT)).expect("set a read timeout");
        let request = format!(
            "{method} /__faultproxy/{what} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n\
             {body}",
            self.port,
            body.len()
        );
        stream.write_all(request.as_bytes()).expect("write to proxy");
        let mut reply = String::new();
        stream.read_to_string(&mut reply).expect("read the proxy's reply");
        let (head, body) = reply.split_once("\r\n\r\n").unwrap_or((&reply, ""));
        let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        (status, body.to_string())
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

//! Faults on the wire: vpcwatch talks to the emulator through tests/emulator/faultproxy.py
//! (`--endpoint-url`), which throttles, fails, delays, resets or truncates chosen calls.
//!
//! A fault that stops before `--max-attempts` is used up changes nothing: the verdict is
//! the one the account gets without faults (the `sound` account passes, exit 0; the
//! `no_alarm` account fails, exit 1). A fault that lasts ends in exit 2, with the report
//! (or, for the call that names the account, the one error line) naming the call, its
//! region and what went wrong; never in a pass. The proxy's log proves each fault fired
//! and how many attempts vpcwatch made.

mod support;

use serde_json::{json, Value};
use support::faultproxy::{delay, rule, FaultProxy};
use support::report::{self, assert_every_name};
use support::{Emulator, DEFAULT_ACCOUNT, DEFAULT_REGION};

/// The account seeded `sound`: every name covered.
const SOUND: &str = DEFAULT_ACCOUNT;
/// The account seeded `no_alarm`: no name covered.
const BROKEN: &str = "111111111111";

/// Attempts and per-attempt timeout for a fault that should be outlasted.
const TRANSIENT: Attempts = Attempts { max: 3, timeout: 2 };
/// Fewer attempts for a fault that lasts, so the runs stay short.
const PERSISTENT: Attempts = Attempts { max: 2, timeout: 2 };

#[derive(Clone, Copy)]
struct Attempts {
    max: u32,
    timeout: u32,
}

/// An emulator with both accounts seeded, and a proxy in front of it.
struct Bench {
    emulator: Emulator,
    proxy: FaultProxy,
}

/// One run of `vpcwatch check --format json` through the proxy.
struct Run {
    code: i32,
    /// The findings of the one account and region audited, or `Null` when the run
    /// printed no report of one region.
    report: Value,
    stdout: String,
    stderr: String,
}

impl Bench {
    /// Seeds both accounts and checks that, without faults, they get their verdicts.
    fn start() -> Bench {
        let emulator = Emulator::start();
        emulator.seed_account("sound", SOUND);
        emulator.seed_account("no_alarm", BROKEN);
        let bench = Bench { proxy: FaultProxy::start(&emulator, &json!([])), emulator };
        for (account, code) in [(SOUND, 0), (BROKEN, 1)] {
            let run = bench.check(account, TRANSIENT, "json");
            assert_eq!(run.code, code, "{account} without faults: {}", run.stderr);
        }
        bench
    }

    fn check(&self, account: &str, attempts: Attempts, format: &str) -> Run {
        let output = self
            .emulator
            .vpcwatch_as(account)
            .args(["check", "--format", format, "--endpoint-url", &self.proxy.endpoint()])
            .args(["--max-attempts", &attempts.max.to_string()])
            .args(["--timeout", &attempts.timeout.to_string()])
            .output()
            .expect("run vpcwatch");
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let whole: Value = serde_json::from_str(&stdout).unwrap_or(Value::Null);
        let regions = whole["accounts"][0]["regions"].as_array().map_or(0, Vec::len);
        Run {
            code: output.status.code().expect("exit status"),
            report: if regions == 1 { report::single_region(&whole) } else { Value::Null },
            stdout,
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// With `rules`, each firing `times` times (fewer than the attempts), `account` gets
    /// its verdict without faults, and each faulted call was retried until it succeeded.
    fn outlasts(&self, account: &str, rules: &[Value]) {
        self.proxy.set_rules(&json!(rules));
        let run = self.check(account, TRANSIENT, "json");
        let (code, status) = if account == SOUND { (0, "covered") } else { (1, "not_covered") };
        assert_eq!(run.code, code, "{rules:?}\n{}\n{}", run.stdout, run.stderr);
        assert_every_name(&run.report, status);
        for rule in rules {
            let call = rule["call"].as_str().expect("call");
            let times = rule["times"].as_u64().expect("a transient rule has times") as usize;
            let attempts = self.proxy.count(call);
            assert_eq!(attempts, (times + 1, times), "{call}: (attempts, faulted)");
        }
    }

    /// With `rules` firing on every request, the sound account's check exits 2, leaves
    /// every name undecided, and its report names each failed call and its region with
    /// the kind expected; each call was tried exactly `PERSISTENT.max` times.
    fn gives_up(&self, rules: &[Value], kinds: &[&str]) -> Run {
        self.proxy.set_rules(&json!(rules));
        let run = self.check(SOUND, PERSISTENT, "json");
        assert_eq!(run.code, 2, "{rules:?}\n{}\n{}", run.stdout, run.stderr);
        assert_eq!(run.report["verdict"], "error");
        assert_every_name(&run.report, "uncertain");
        let errors = run.report["errors"].as_array().expect("errors");
        for (rule, kind) in rules.iter().zip(kinds) {
            let call = rule["call"].as_str().expect("call");
            let named = errors.iter().find(|e| e["operation"] == call);
            let error = named.unwrap_or_else(|| panic!("{call} not named in {errors:#?}"));
            assert_eq!(error["region"], DEFAULT_REGION, "{error}");
            assert_eq!(error["kind"], *kind, "{error}");
            let message = error["message"].as_str().expect("message");
            assert!(message.starts_with(&format!("{call} for ")), "{message}");
            assert!(message.contains(&format!(" in {DEFAULT_REGION}: ")), "{message}");
            let max = PERSISTENT.max as usize;
            assert_eq!(self.proxy.count(call), (max, max), "{call}: (attempts, faulted)");
        }
        run
    }
}

/// Throttling in both wire protocols: `ThrottlingException` in JSON (CloudTrail) and
/// `Throttling` in Query XML (CloudWatch). The SDK's adaptive retry waits about 20 s
/// before it retries a throttled call (its client-side rate limiter), so both calls are
/// ones vpcwatch makes at once, and are throttled in the same runs.
#[test]
fn throttling_is_outlasted_and_named_when_it_lasts() {
    let bench = Bench::start();
    let throttle = |call, times| rule(call, "throttle", times);
    let calls = ["cloudtrail:DescribeTrails", "cloudwatch:DescribeAlarms"];
    bench.outlasts(SOUND, &calls.map(|c| throttle(c, Some(1))));
    let run = bench.gives_up(&calls.map(|c| throttle(c, None)), &["throttled", "throttled"]);
    let errors = run.report["errors"].as_array().expect("errors");
    let details: Vec<&str> = errors.iter().filter_map(|e| e["detail"].as_str()).collect();
    assert!(details.contains(&"ThrottlingException: Rate exceeded"), "{details:?}");
    assert!(details.contains(&"Throttling: Rate exceeded"), "{details:?}");
}

#[test]
fn server_errors_are_outlasted_and_named_when_they_last() {
    let bench = Bench::start();
    let trail_status = |times| rule("cloudtrail:GetTrailStatus", "500", times);
    let subscriptions = |times| rule("sns:ListSubscriptionsByTopic", "503", times);
    bench.outlasts(SOUND, &[trail_status(Some(2)), subscriptions(Some(2))]);
    bench.outlasts(BROKEN, &[rule("cloudtrail:GetEventSelectors", "503", Some(2))]);
    let run = bench.gives_up(&[trail_status(None), subscriptions(None)], &["other", "other"]);
    let text = run.report["errors"].to_string();
    assert!(text.contains("InternalFailure"), "{text}");
    assert!(text.contains("ServiceUnavailable"), "{text}");
}

/// A call that answers later than `--timeout` is abandoned and tried again.
#[test]
fn a_call_slower_than_the_timeout_is_retried_and_named_when_it_stays_slow() {
    let bench = Bench::start();
    let slow = |times| delay("logs:DescribeMetricFilters", 4.0, times);
    bench.outlasts(BROKEN, &[slow(Some(1))]);
    bench.outlasts(SOUND, &[delay("cloudtrail:DescribeTrails", 4.0, Some(2))]);
    let run = bench.gives_up(&[slow(None)], &["timeout"]);
    let message = run.report["errors"][0]["message"].as_str().expect("message");
    assert!(message.contains("timed out"), "{message}");
}

/// A connection reset (RST) or closed (FIN) without an answer: the endpoint was reached,
/// so the report says what happened to the call, not that the endpoint is unreachable.
#[test]
fn a_dropped_connection_is_retried_and_named_when_it_keeps_dropping() {
    let bench = Bench::start();
    let reset = |times| rule("cloudwatch:DescribeAlarms", "reset", times);
    let closed = |times| rule("logs:DescribeMetricFilters", "close", times);
    bench.outlasts(SOUND, &[reset(Some(2)), closed(Some(1))]);
    bench.outlasts(BROKEN, &[rule("cloudtrail:DescribeTrails", "reset", Some(1))]);
    let run = bench.gives_up(&[reset(None), closed(None)], &["other", "other"]);
    let text = run.report["errors"].to_string();
    assert!(!text.contains("not reachable"), "{text}");

    // The text report too: the call in the list of errors, and the ERROR verdict.
    bench.proxy.set_rules(&json!([reset(None)]));
    let run = bench.check(SOUND, PERSISTENT, "text");
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stdout.contains("cloudwatch:DescribeAlarms for metric alarms"), "{}", run.stdout);
    let last = run.stdout.lines().last().unwrap_or_default();
    assert!(last.starts_with("ERROR: 0 of 30"), "{}", run.stdout);
}

/// An answer cut short: a Content-Length larger than the body, then the connection closed.
#[test]
fn a_truncated_answer_is_retried_and_named_when_it_stays_truncated() {
    let bench = Bench::start();
    let truncated = |call, times| rule(call, "truncate", times);
    bench.outlasts(SOUND, &[truncated("sns:ListSubscriptionsByTopic", Some(2))]);
    bench.outlasts(BROKEN, &[truncated("logs:DescribeMetricFilters", Some(1))]);
    bench.gives_up(&[truncated("sns:ListSubscriptionsByTopic", None)], &["other"]);
    bench.gives_up(&[truncated("cloudtrail:GetEventSelectors", None)], &["other"]);
}

/// sts:GetCallerIdentity names the account; without it there is no audit and no report,
/// only one error line naming the call and the region.
#[test]
fn a_lasting_fault_on_the_account_lookup_ends_the_run_naming_the_call() {
    let bench = Bench::start();
    let identity = |fault, times| rule("sts:GetCallerIdentity", fault, times);
    bench.outlasts(BROKEN, &[identity("503", Some(2))]);
    bench.outlasts(SOUND, &[identity("reset", Some(1))]);
    for fault in ["503", "reset", "truncate"] {
        bench.proxy.set_rules(&json!([identity(fault, None)]));
        let run = bench.check(SOUND, PERSISTENT, "json");
        assert_eq!(run.code, 2, "{fault}: {}", run.stdout);
        assert!(run.stdout.is_empty(), "{fault}: no report: {}", run.stdout);
        let last = run.stderr.lines().last().unwrap_or_default();
        let named = format!(
            "vpcwatch: sts:GetCallerIdentity for the caller identity in {DEFAULT_REGION}: failed ("
        );
        assert!(last.starts_with(&named), "{fault}: {last}");
        let max = PERSISTENT.max as usize;
        assert_eq!(bench.proxy.count("sts:GetCallerIdentity"), (max, max), "{fault}");
    }
}

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
/// The attempts of [`TRANSIENT`] with room for a slow answer: an audit of every enabled
/// region makes a hundred calls, which a loaded emulator may answer later than 2 s.
const MANY_REGIONS: Attempts = Attempts { max: 3, timeout: 20 };

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
    /// The whole report, or `Null` when the run printed none.
    whole: Value,
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
        self.check_with(account, attempts, format, &[])
    }

    /// [`Bench::check`] with more flags.
    fn check_with(&self, account: &str, attempts: Attempts, format: &str, args: &[&str]) -> Run {
        let output = self
            .emulator
            .vpcwatch_as(account)
            .args(["check", "--format", format, "--endpoint-url", &self.proxy.endpoint()])
            .args(["--max-attempts", &attempts.max.to_string()])
            .args(["--timeout", &attempts.timeout.to_string()])
            .args(args)
            .output()
            .expect("run vpcwatch");
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let whole: Value = serde_json::from_str(&stdout).unwrap_or(Value::Null);
        let accounts = whole["accounts"].as_array().map_or(0, Vec::len);
        let regions = whole["accounts"][0]["regions"].as_array().map_or(0, Vec::len);
        Run {
            code: output.status.code().expect("exit status"),
            report: if (accounts, regions) == (1, 1) {
                report::single_region(&whole)
            } else {
                Value::Null
            },
            whole,
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
    assert!(run.stdout.contains("cloudwatch:DescribeAlarms for alarms"), "{}", run.stdout);
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

/// The enabled regions (`--all-regions`, read with ec2:DescribeRegions in EC2's own
/// error shape): a fault that stops is outlasted and the account gets its verdict in
/// every region listed; one that lasts leaves nothing to audit, so no report, only one
/// line naming the call.
#[test]
fn a_fault_on_the_region_listing_is_outlasted_or_ends_the_run_naming_the_call() {
    let bench = Bench::start();
    let regions = |fault, times| rule("ec2:DescribeRegions", fault, times);
    let all = ["--all-regions"];
    for (account, rules) in [(SOUND, regions("503", Some(2))), (BROKEN, regions("reset", Some(1)))]
    {
        bench.proxy.set_rules(&json!([rules]));
        let run = bench.check_with(account, MANY_REGIONS, "json", &all);
        let verdict = if account == SOUND { (0, "pass") } else { (1, "fail") };
        let got = (run.code, run.whole["verdict"].as_str().unwrap_or_default());
        assert_eq!(got, verdict, "{}", run.stderr);
        let listed = run.whole["accounts"][0]["regions"].as_array().map_or(0, Vec::len);
        assert!(listed > 10, "every enabled region audited: {listed}");
        let times = rules["times"].as_u64().expect("times") as usize;
        assert_eq!(bench.proxy.count("ec2:DescribeRegions"), (times + 1, times));
    }

    for (fault, detail) in [("503", "Unavailable: injected unavailability"), ("500", "")] {
        bench.proxy.set_rules(&json!([regions(fault, None)]));
        let run = bench.check_with(SOUND, PERSISTENT, "json", &all);
        assert_eq!(run.code, 2, "{fault}: {}", run.stdout);
        assert!(run.stdout.is_empty(), "{fault}: no report: {}", run.stdout);
        assert_eq!(run.stderr.lines().count(), 1, "{fault}: {}", run.stderr);
        let named = format!(
            "vpcwatch: ec2:DescribeRegions for the enabled regions in {DEFAULT_REGION}: failed ("
        );
        assert!(run.stderr.starts_with(&named), "{fault}: {}", run.stderr);
        assert!(run.stderr.contains(detail), "{fault}: {}", run.stderr);
        let max = PERSISTENT.max as usize;
        assert_eq!(bench.proxy.count("ec2:DescribeRegions"), (max, max), "{fault}");
    }
}

/// An organization behind the proxy: the management account (the caller, sound) and two
/// members, one sound and one without an alarm. vpcwatch lists the accounts with
/// organizations:ListAccounts and reads each member through sts:AssumeRole.
struct Organization {
    bench: Bench,
    sound: String,
    broken: String,
}

/// One `check --org --format json` through the proxy: the exit status, each account's
/// verdict and error, and stderr.
struct OrgRun {
    code: i32,
    report: Value,
    stderr: String,
}

impl OrgRun {
    /// The account object of `id` in the report.
    fn account(&self, id: &str) -> &Value {
        let accounts = self.report["accounts"].as_array().expect("accounts");
        let found = accounts.iter().find(|a| a["account_id"] == id);
        found.unwrap_or_else(|| panic!("{id} not in {:#}", self.report))
    }

    fn verdict(&self, id: &str) -> &str {
        self.account(id)["verdict"].as_str().expect("verdict")
    }
}

impl Organization {
    /// Seeds the organization and checks that, without faults, the broken member fails
    /// the run (exit 1) and the others pass.
    fn start() -> Organization {
        let emulator = Emulator::start();
        let reply = emulator.request(json!({"organization": 2}));
        let members: Vec<String> = reply["members"]
            .as_array()
            .expect("member IDs")
            .iter()
            .map(|m| m.as_str().expect("an ID").to_string())
            .collect();
        let [sound, broken] = <[String; 2]>::try_from(members).expect("two members");
        emulator.seed("sound");
        emulator.seed_account("sound", &sound);
        emulator.seed_account("no_alarm", &broken);
        let proxy = FaultProxy::start(&emulator, &json!([]));
        let org = Organization { bench: Bench { emulator, proxy }, sound, broken };
        org.outlasts(&[]);
        org
    }

    fn check(&self, attempts: Attempts, rules: &[Value]) -> OrgRun {
        self.bench.proxy.set_rules(&json!(rules));
        let run = self.bench.check_with(SOUND, attempts, "json", &["--org"]);
        OrgRun { code: run.code, report: run.whole, stderr: run.stderr }
    }

    /// With `rules`, each firing a few times, every account gets its verdict without
    /// faults: the caller and the sound member pass, the broken member fails (exit 1).
    fn outlasts(&self, rules: &[Value]) {
        let run = self.check(TRANSIENT, rules);
        assert_eq!(run.code, 1, "{rules:?}\n{:#}\n{}", run.report, run.stderr);
        assert_eq!(run.report["summary"]["accounts"], 3, "{:#}", run.report);
        assert_eq!(run.verdict(SOUND), "pass");
        assert_eq!(run.verdict(&self.sound), "pass");
        assert_eq!(run.verdict(&self.broken), "fail");
        for rule in rules {
            let call = rule["call"].as_str().expect("call");
            let faulted = rule["times"].as_u64().expect("a transient rule has times") as usize;
            assert_eq!(self.bench.proxy.count(call).1, faulted, "{call}: faulted");
        }
    }

    /// A lasting fault on the role session of `member` alone: that member is an error
    /// naming the call, the role and its account; the others are still judged. The run
    /// exits 2, or 1 when another member has a proven gap (a gap outranks an error).
    fn denies_a_session_to(&self, member: &str, fault: &str, detail: &str) -> OrgRun {
        let only = json!({"call": "sts:AssumeRole", "fault": fault, "body_contains": member});
        let run = self.check(PERSISTENT, &[only]);
        let (code, verdict) = if member == self.broken { (2, "error") } else { (1, "fail") };
        assert_eq!(run.code, code, "{:#}\n{}", run.report, run.stderr);
        assert_eq!(run.report["verdict"], verdict);
        assert_eq!(run.report["summary"]["error"], 1, "{:#}", run.report["summary"]);
        let failed = run.account(member);
        assert_eq!(failed["verdict"], "error", "{failed:#}");
        assert_eq!(failed["regions"], json!([]), "nothing of it was read");
        let error = failed["error"].as_str().expect("why it was not audited");
        let role = format!("arn:aws:iam::{member}:role/OrganizationAccountAccessRole");
        let named = format!("sts:AssumeRole for role {role} in {DEFAULT_REGION}: ");
        assert!(error.starts_with(&named), "{error}");
        assert!(error.contains(detail), "{error}");
        let warned = run.stderr.lines().find(|l| l.contains("not audited"));
        let warned = warned.unwrap_or_else(|| panic!("no warning on stderr: {}", run.stderr));
        assert!(warned.contains(member) && warned.contains("sts:AssumeRole"), "{warned}");
        assert_eq!(run.verdict(SOUND), "pass", "the caller is still judged");
        let max = PERSISTENT.max as usize;
        assert_eq!(self.bench.proxy.count("sts:AssumeRole"), (max + 1, max), "(attempts, faulted)");
        run
    }
}

#[test]
fn a_fault_on_a_role_session_is_outlasted_and_a_lasting_one_fails_only_that_member() {
    let org = Organization::start();
    org.outlasts(&[rule("sts:AssumeRole", "503", Some(2))]);
    org.outlasts(&[rule("sts:AssumeRole", "reset", Some(1))]);

    let run = org.denies_a_session_to(&org.broken, "503", "ServiceUnavailable");
    assert_eq!(run.verdict(&org.sound), "pass");
    let run = org.denies_a_session_to(&org.sound, "reset", "failed (");
    assert_eq!(run.verdict(&org.broken), "fail", "a proven gap stays a gap, and fails the run");
}

/// organizations:ListAccounts names the accounts to audit; without it there is no
/// audit and no report, only one line naming the call and what `--org` needs.
#[test]
fn a_fault_on_the_account_listing_is_outlasted_or_ends_the_run_naming_the_call() {
    let org = Organization::start();
    org.outlasts(&[rule("organizations:ListAccounts", "500", Some(2))]);
    org.outlasts(&[rule("organizations:ListAccounts", "truncate", Some(1))]);

    for (fault, detail) in [("503", "ServiceUnavailableException"), ("reset", "failed (")] {
        let run = org.check(PERSISTENT, &[rule("organizations:ListAccounts", fault, None)]);
        assert_eq!(run.code, 2, "{fault}: {:#}", run.report);
        assert_eq!(run.report, Value::Null, "{fault}: no report");
        assert_eq!(run.stderr.lines().count(), 1, "{fault}: {}", run.stderr);
        let named = format!(
            "vpcwatch: organizations:ListAccounts for the organization's accounts in \
             {DEFAULT_REGION}: "
        );
        assert!(run.stderr.starts_with(&named), "{fault}: {}", run.stderr);
        assert!(run.stderr.contains(detail), "{fault}: {}", run.stderr);
        assert!(run.stderr.contains("--org lists the organization"), "{}", run.stderr);
        let max = PERSISTENT.max as usize;
        assert_eq!(org.bench.proxy.count("organizations:ListAccounts"), (max, max), "{fault}");
        assert_eq!(org.bench.proxy.count("sts:AssumeRole").0, 0, "{fault}: no member read");
    }
}

/// The region listing under `--org` is read in each account: when it fails for good,
/// every account is an error naming it, and the run exits 2.
#[test]
fn a_lasting_fault_on_the_region_listing_under_org_fails_every_account_naming_the_call() {
    let org = Organization::start();
    org.bench.proxy.set_rules(&json!([rule("ec2:DescribeRegions", "503", None)]));
    let run = org.bench.check_with(SOUND, PERSISTENT, "json", &["--org", "--all-regions"]);
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    let accounts = run.whole["accounts"].as_array().expect("a report of every account");
    assert_eq!(accounts.len(), 3, "{:#}", run.whole);
    for account in accounts {
        assert_eq!(account["verdict"], "error", "{account:#}");
        let error = account["error"].as_str().expect("why it was not audited");
        assert!(error.starts_with("ec2:DescribeRegions for the enabled regions in "), "{error}");
    }
    let max = PERSISTENT.max as usize;
    assert_eq!(org.bench.proxy.count("ec2:DescribeRegions"), (3 * max, 3 * max));
}

//! The least privilege of `check` and `fix`, proven under the emulator's IAM enforcement:
//! the policies in docs/iam/ are enough, and without any one of their actions the command
//! exits 2 naming that action.
//!
//! The emulator checks CloudWatch actions under their API prefix `monitoring:`, so the
//! policies' `cloudwatch:` actions are granted under that name here; vpcwatch still names
//! them as IAM does, `cloudwatch:DescribeAlarms`. It also sees every resource as `*`, so
//! the policies are granted on `*` here and their scoping is checked apart.

mod support;

use std::process::Output;

use serde_json::{json, Value};
use support::Emulator;

fn check_policy() -> Value {
    let root = std::env::var("CARGO_MANIFEST_DIR").unwrap_or(env!("CARGO_MANIFEST_DIR").into());
    let path = std::path::Path::new(&root).join("docs/iam/check-policy.json");
    let text = std::fs::read_to_string(path).expect("read docs/iam/check-policy.json");
    serde_json::from_str(&text).expect("the check policy is JSON")
}

fn actions(policy: &Value) -> Vec<String> {
    let list = policy["Statement"][0]["Action"].as_array().expect("an action list");
    list.iter().map(|a| a.as_str().expect("action string").to_string()).collect()
}

/// The policy with `actions` only, CloudWatch's named as the emulator checks them.
fn policy_of(actions: &[String]) -> Value {
    let granted: Vec<String> =
        actions.iter().map(|a| a.replace("cloudwatch:", "monitoring:")).collect();
    json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": granted, "Resource": "*"}]
    })
}

/// Runs the check with the keys of one IAM user.
fn check_as(emulator: &Emulator, user: &Value) -> std::process::Output {
    let creds = &user["credentials"];
    emulator
        .vpcwatch()
        .env("AWS_ACCESS_KEY_ID", creds["access_key_id"].as_str().expect("key id"))
        .env("AWS_SECRET_ACCESS_KEY", creds["secret_access_key"].as_str().expect("secret"))
        .args(["check", "--format", "json", "--max-attempts", "1"])
        .output()
        .expect("run vpcwatch")
}

#[test]
fn the_check_policy_is_enough_and_every_action_in_it_is_needed() {
    let all = actions(&check_policy());
    assert_eq!(all.len(), 7, "{all:?}");

    let emulator = Emulator::start();
    emulator.seed("sound");
    let full = emulator.request(json!({"iam_user": "auditor", "policy": policy_of(&all)}));
    let lacking: Vec<(String, Value)> = all
        .iter()
        .enumerate()
        .map(|(i, missing)| {
            let rest: Vec<String> = all.iter().filter(|a| *a != missing).cloned().collect();
            let user = json!({"iam_user": format!("auditor-{i}"), "policy": policy_of(&rest)});
            (missing.clone(), emulator.request(user))
        })
        .collect();
    emulator.request(json!({"enforce_auth": true}));

    let output = check_as(&emulator, &full);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "with the whole policy: {stderr}");

    for (missing, user) in lacking {
        let output = check_as(&emulator, &user);
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert_eq!(output.status.code(), Some(2), "without {missing}: {said}");
        assert!(said.contains(&missing), "without {missing}, the output must name it: {said}");
    }
}

fn fix_policy() -> Value {
    let root = std::env::var("CARGO_MANIFEST_DIR").unwrap_or(env!("CARGO_MANIFEST_DIR").into());
    let path = std::path::Path::new(&root).join("docs/iam/fix-policy.json");
    let text = std::fs::read_to_string(path).expect("read docs/iam/fix-policy.json");
    serde_json::from_str(&text).expect("the fix policy is JSON")
}

fn statements(policy: &Value) -> &Vec<Value> {
    policy["Statement"].as_array().expect("statements")
}

/// Every action of every statement, in order.
fn all_actions(policy: &Value) -> Vec<String> {
    statements(policy).iter().flat_map(|s| actions(&json!({"Statement": [s]}))).collect()
}

/// The resource of the statement that grants `action`.
fn resource_of<'a>(policy: &'a Value, action: &str) -> &'a str {
    let statement = statements(policy)
        .iter()
        .find(|s| s["Action"].as_array().unwrap().contains(&json!(action)));
    statement
        .and_then(|s| s["Resource"].as_str())
        .unwrap_or_else(|| panic!("no statement grants {action}"))
}

/// IAM's wildcard match of an ARN: `*` any run of characters, `?` one.
fn glob(pattern: &str, arn: &str) -> bool {
    fn matches(p: &[u8], t: &[u8]) -> bool {
        match (p.first(), t.first()) {
            (None, None) => true,
            (Some(b'*'), _) => matches(&p[1..], t) || (!t.is_empty() && matches(p, &t[1..])),
            (Some(&c), Some(&d)) if c == b'?' || c == d => matches(&p[1..], &t[1..]),
            _ => false,
        }
    }
    matches(pattern.as_bytes(), arn.as_bytes())
}

/// An account of its own for each run: moto files an IAM user's requests under the user's
/// account, and every account must be seeded before IAM is enforced (after that the
/// harness's own keys are refused too).
fn account(index: usize) -> String {
    format!("{:012}", 200_000_000_000u64 + index as u64)
}

/// A user of `account`, seeded with `scenario`, allowed `granted` (on any resource).
fn user_in(emulator: &Emulator, account: &str, scenario: &str, granted: &[String]) -> Value {
    emulator.seed_account(scenario, account);
    let name = format!("fixer-{account}");
    emulator.request(json!({"iam_user": name, "policy": policy_of(granted), "account": account}))
}

/// Runs vpcwatch with the keys of one IAM user of `account`.
fn vpcwatch_as(emulator: &Emulator, user: &Value, account: &str, args: &[&str]) -> Output {
    let creds = &user["credentials"];
    emulator
        .vpcwatch_as(account)
        .env("AWS_ACCESS_KEY_ID", creds["access_key_id"].as_str().expect("key id"))
        .env("AWS_SECRET_ACCESS_KEY", creds["secret_access_key"].as_str().expect("secret"))
        .env_remove("AWS_SESSION_TOKEN")
        .args(args)
        .output()
        .expect("run vpcwatch")
}

const FIX: &[&str] = &["fix", "--yes", "--email", "a@example.com", "--max-attempts", "1"];

fn said(output: &Output) -> String {
    let out = String::from_utf8_lossy(&output.stdout);
    format!("{out}{}", String::from_utf8_lossy(&output.stderr))
}

/// `fix` on a broken account under docs/iam/fix-policy.json: the policy is enough (also
/// on an account where an interrupted run left vpcwatch's topic), and without any one of
/// its actions fix stops with exit 2 naming it, except `logs:TestMetricFilter`, which fix
/// does without (its own evaluator checks each pattern) and says so.
///
/// The emulator sees every resource as `*`, so the policy's scoping is checked apart:
/// the statements that create the topic and the alarm match what fix created.
#[test]
fn the_fix_policy_is_enough_and_every_action_in_it_is_needed() {
    let policy = fix_policy();
    let all = all_actions(&policy);
    assert_eq!(all.len(), 12, "{all:?}");
    for action in actions(&check_policy()) {
        assert!(all.contains(&action), "fix runs the check first, so it needs {action}");
    }

    let emulator = Emulator::start();
    let broken = account(0);
    let interrupted = account(1);
    let full = user_in(&emulator, &broken, "no_alarm", &all);
    let full_interrupted = user_in(&emulator, &interrupted, "fix_interrupted", &all);
    let lacking: Vec<(String, String, Value)> = all
        .iter()
        .enumerate()
        .map(|(i, missing)| {
            let rest: Vec<String> = all.iter().filter(|a| *a != missing).cloned().collect();
            let account = account(i + 2);
            let user = user_in(&emulator, &account, "no_alarm", &rest);
            (missing.clone(), account, user)
        })
        .collect();
    emulator.request(json!({"enforce_auth": true}));

    for (user, account) in [(&full, &broken), (&full_interrupted, &interrupted)] {
        let output = vpcwatch_as(&emulator, user, account, FIX);
        assert_eq!(output.status.code(), Some(0), "with the whole policy: {}", said(&output));
        assert!(!said(&output).contains("denied"), "{}", said(&output));
        let check = vpcwatch_as(&emulator, user, account, &["check", "--max-attempts", "1"]);
        assert_eq!(check.status.code(), Some(0), "check after fix: {}", said(&check));
    }

    for (missing, account, user) in lacking {
        let output = vpcwatch_as(&emulator, &user, &account, FIX);
        let said = said(&output);
        if missing == "logs:TestMetricFilter" {
            assert_eq!(output.status.code(), Some(0), "without {missing}: {said}");
            assert!(said.contains("logs:TestMetricFilter denied in us-east-1"), "{said}");
            continue;
        }
        assert_eq!(output.status.code(), Some(2), "without {missing}: {said}");
        let error = said.lines().last().unwrap_or_default();
        assert!(error.contains(&format!("(allow {missing})")), "without {missing}: {said}");
    }

    let topic = format!("arn:aws:sns:us-east-1:{broken}:vpcwatch-vpc-changes");
    let alarm = format!("arn:aws:cloudwatch:us-east-1:{broken}:alarm:vpcwatch-vpc-changes");
    emulator.request(json!({"enforce_auth": false}));
    let state = emulator.describe(&broken, "us-east-1");
    let has = |list: &str, field: &str, value: &str| {
        state[list].as_array().expect(list).iter().any(|v| v[field] == value)
    };
    assert!(has("topics", "arn", &topic), "fix created {topic}: {state:#}");
    assert!(has("alarms", "name", "vpcwatch-vpc-changes"), "fix created its alarm: {state:#}");
    for (action, arn) in [("sns:CreateTopic", &topic), ("cloudwatch:PutMetricAlarm", &alarm)] {
        let resource = resource_of(&policy, action);
        assert!(glob(resource, arn), "{action} is granted on {resource}, fix needs {arn}");
        assert!(!glob(resource, &arn.replace("vpcwatch-", "other-")), "{resource} is not scoped");
    }
}

/// A fix denied half way (the policy without `logs:PutMetricFilter`) exits 2 naming the
/// action, what it wrote before and what it did not; the next run, with full access,
/// writes only the rest and the check passes.
#[test]
fn a_fix_denied_half_way_says_what_it_wrote_and_the_next_run_finishes() {
    let all = all_actions(&fix_policy());
    let rest: Vec<String> = all.into_iter().filter(|a| a != "logs:PutMetricFilter").collect();
    let emulator = Emulator::start();
    let broken = account(0);
    let user = user_in(&emulator, &broken, "no_alarm", &rest);
    emulator.request(json!({"enforce_auth": true}));

    let output = vpcwatch_as(&emulator, &user, &broken, FIX);
    assert_eq!(output.status.code(), Some(2), "{}", said(&output));
    let error = said(&output).lines().last().unwrap_or_default().to_string();
    assert_eq!(
        error,
        "vpcwatch: logs:PutMetricFilter for filter vpcwatch-vpc-changes-1 on log group \
         CloudTrail/Default in us-east-1: access denied (allow logs:PutMetricFilter); written \
         before it: create SNS topic vpcwatch-vpc-changes, subscribe email a@example.com to \
         topic vpcwatch-vpc-changes; not written: create metric filter vpcwatch-vpc-changes-1 \
         on log group CloudTrail/Default, create alarm vpcwatch-vpc-changes; run fix again to \
         finish"
    );

    emulator.request(json!({"enforce_auth": false}));
    let run = |args: &[&str]| emulator.vpcwatch_as(&broken).args(args).output().expect("run");
    let check = run(&["check"]);
    assert_eq!(check.status.code(), Some(1), "not covered yet: {}", said(&check));
    let next = run(FIX);
    assert_eq!(next.status.code(), Some(0), "{}", said(&next));
    let plan = String::from_utf8_lossy(&next.stdout);
    assert!(plan.contains("Plan: 2 write(s), in this order"), "{plan}");
    assert_eq!(run(&["check"]).status.code(), Some(0));
    let state = emulator.describe(&broken, "us-east-1");
    let filters = state["metric_filters"].as_array().expect("filters");
    let ours = filters.iter().filter(|f| f["name"] == "vpcwatch-vpc-changes-1").count();
    assert_eq!(ours, 1, "{filters:?}");
}

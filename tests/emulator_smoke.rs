//! Smoke tests of the emulator harness itself: it starts, seeds, separates accounts and
//! stops. They read state back through server.py, never through vpcwatch.

mod support;

use serde_json::Value;
use support::{Emulator, DEFAULT_ACCOUNT, SCENARIOS};

fn kinds(seed: &Value) -> Vec<&str> {
    let resources = seed["resources"].as_array().expect("seed reply lists resources");
    resources.iter().map(|r| r["kind"].as_str().unwrap()).collect()
}

#[test]
fn sound_scenario_builds_the_whole_chain() {
    let emulator = Emulator::start();
    let seed = emulator.seed("sound");

    let kinds = kinds(&seed);
    for kind in ["trail", "log-group", "metric-filter", "alarm", "sns-topic", "sns-subscription"] {
        assert!(kinds.contains(&kind), "no {kind} in {kinds:?}");
    }

    let state = emulator.describe(DEFAULT_ACCOUNT, "us-east-1");
    let trail = &state["trails"][0];
    assert_eq!(trail["is_logging"], true);
    assert_eq!(trail["is_multi_region"], true);
    let log_group_arn = "arn:aws:logs:us-east-1:123456789012:log-group:CloudTrail/Default:*";
    assert_eq!(trail["log_group_arn"], log_group_arn);

    let pattern = state["metric_filters"][0]["pattern"].as_str().unwrap();
    assert_eq!(pattern.matches("$.eventName=").count(), 30, "{pattern}");
    assert!(pattern.len() <= 1024, "the compact form fits in one filter");
    assert_eq!(
        state["alarms"][0]["alarm_actions"][0],
        "arn:aws:sns:us-east-1:123456789012:vpc-alerts"
    );
    let subscription = state["topics"][0]["subscriptions"][0][1].as_str().unwrap();
    assert!(subscription.starts_with("arn:aws:sns:"), "confirmed: {subscription}");
}

#[test]
fn accounts_are_separate_on_one_server() {
    let emulator = Emulator::start();
    emulator.seed_account("no_alarm", "111111111111");
    emulator.seed_account("pending_subscription", "222222222222");

    let broken = emulator.describe("111111111111", "us-east-1");
    assert_eq!(broken["alarms"].as_array().unwrap().len(), 0);
    assert!(broken["trails"][0]["log_group_arn"].as_str().unwrap().contains(":111111111111:"));

    let pending = emulator.describe("222222222222", "us-east-1");
    assert_eq!(pending["topics"][0]["subscriptions"][0][1], "PendingConfirmation");

    let untouched = emulator.describe(DEFAULT_ACCOUNT, "us-east-1");
    assert_eq!(untouched["trails"].as_array().unwrap().len(), 0);

    let creds = emulator.credentials("222222222222");
    assert!(creds.access_key_id.starts_with("ASIA"), "assumed-role keys");
    assert!(creds.session_token.is_some());
}

#[test]
fn every_scenario_seeds_and_reset_wipes_them() {
    let emulator = Emulator::start();
    let listed = emulator.request(serde_json::json!({"scenarios": true}));
    let listed: Vec<&str> =
        listed["scenarios"].as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
    assert_eq!(listed, SCENARIOS, "support::SCENARIOS is out of date");

    for (i, scenario) in SCENARIOS.iter().enumerate() {
        emulator.seed_account(scenario, &format!("{:012}", 100_000_000_000u64 + i as u64));
    }
    let other = emulator.describe("100000000014", "us-east-1");
    assert_eq!(other["trails"][0]["home_region"], "us-west-2", "other_home_region");

    emulator.reset();
    let wiped = emulator.describe("100000000000", "us-east-1");
    assert_eq!(wiped["trails"].as_array().unwrap().len(), 0);
}

#[test]
fn a_failed_command_is_an_error_not_a_hang() {
    let emulator = Emulator::start();
    let err = emulator.try_request(&serde_json::json!({"seed": "no_such_scenario"})).unwrap_err();
    assert!(err.contains("unknown scenario"), "{err}");
    emulator.seed("sound");
    let again = emulator.try_request(&serde_json::json!({"seed": "sound"}));
    assert!(again.is_err(), "seeding one account twice must fail: {again:?}");
}

#[test]
fn aws_environment_reaches_the_chosen_account() {
    let emulator = Emulator::start();
    emulator.seed_account("no_alarm", "333333333333");

    // An independent AWS client (boto3) reads the environment the harness gives vpcwatch.
    let script = "import boto3; print(boto3.client('sts').get_caller_identity()['Account'], \
                  len(boto3.client('cloudtrail').describe_trails()['trailList']))";
    let run = |account: &str| {
        let out = emulator.command_as(emulator.python(), account).args(["-c", script]).output();
        let out = out.expect("run python");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    assert_eq!(run("333333333333"), "333333333333 1");
    assert_eq!(run(DEFAULT_ACCOUNT), "123456789012 0");
}

#[test]
fn vpcwatch_binary_is_runnable_with_that_environment() {
    let emulator = Emulator::start();
    // Only that the harness finds and runs the binary; its output is not the subject here.
    emulator.vpcwatch().arg("--help").assert().success();
}

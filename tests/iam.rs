//! The least privilege of `check`, proven under the emulator's IAM enforcement: the
//! policy in docs/iam/check-policy.json is enough, and without any one of its actions the
//! check exits 2 naming that action.
//!
//! The emulator checks CloudWatch actions under their API prefix `monitoring:`, so the
//! policy's `cloudwatch:` actions are granted under that name here; vpcwatch still names
//! them as IAM does, `cloudwatch:DescribeAlarms`.

mod support;

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
    assert_eq!(all.len(), 6, "{all:?}");

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

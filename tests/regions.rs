//! The enabled regions, read from the emulator with vpcwatch's own signed EC2
//! `DescribeRegions` call (there is no EC2 client in vpcwatch to compare with, so boto3 is).
//!
//! moto 5.2.5 answers for every partition at once (`cn-` and `us-gov-` regions too) and
//! marks regions such as ap-east-1 `not-opted-in`; AWS lists one partition's regions.

mod support;

use std::process::Command;
use std::time::Duration;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use serde_json::{json, Value};
use support::{Emulator, DEFAULT_ACCOUNT};
use vpcwatch::discover::{regions, Aws};
use vpcwatch::inventory::ErrorKind;

/// A member account, reached with `sts:AssumeRole` keys: a session token included.
const MEMBER: &str = "111111111111";
/// The role the harness assumes into a member account.
const MEMBER_ROLE: &str = "OrganizationAccountAccessRole";

/// The run's configuration (`aws::load`'s retry and timeout settings) aimed at the
/// emulator with `credentials`; no environment variable or profile is read for them.
async fn config(emulator: &Emulator, credentials: &support::Credentials) -> SdkConfig {
    let credentials = Credentials::new(
        &credentials.access_key_id,
        &credentials.secret_access_key,
        credentials.session_token.clone(),
        None,
        "emulator",
    );
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("eu-west-1"))
        .endpoint_url(emulator.endpoint())
        .credentials_provider(credentials)
        .retry_config(aws_config::retry::RetryConfig::adaptive().with_max_attempts(1))
        .timeout_config(
            aws_config::timeout::TimeoutConfig::builder()
                .operation_attempt_timeout(Duration::from_secs(30))
                .build(),
        )
        .load()
        .await
}

/// Runs a boto3 script against the emulator with the keys of `credentials` and the
/// variables `vars`; returns its stdout as JSON.
fn boto3(
    emulator: &Emulator,
    credentials: &support::Credentials,
    script: &str,
    vars: &[(&str, &str)],
) -> Value {
    let mut command = Command::new(emulator.python());
    command
        .args(["-c", script])
        .envs(vars.iter().copied())
        .env("ENDPOINT", emulator.endpoint())
        .env("AWS_ACCESS_KEY_ID", &credentials.access_key_id)
        .env("AWS_SECRET_ACCESS_KEY", &credentials.secret_access_key)
        .env("AWS_DEFAULT_REGION", "eu-west-1")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL");
    if let Some(token) = &credentials.session_token {
        command.env("AWS_SESSION_TOKEN", token);
    }
    let output = command.output().expect("run the venv's python");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "boto3 script failed: {stderr}");
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"))
}

const BOTO3_ENABLED_REGIONS: &str = r#"
import boto3, json, os
ec2 = boto3.client("ec2", endpoint_url=os.environ["ENDPOINT"])
regions = ec2.describe_regions()["Regions"]
enabled = ("opt-in-not-required", "opted-in")
print(json.dumps(sorted(r["RegionName"] for r in regions if r["OptInStatus"] in enabled)))
"#;

/// Creates role ROLE, assumable from account TRUSTED, with the one permission the call
/// needs.
const BOTO3_ALLOW_DESCRIBE_REGIONS: &str = r#"
import boto3, json, os
iam = boto3.client("iam", endpoint_url=os.environ["ENDPOINT"])
trusted = f"arn:aws:iam::{os.environ['TRUSTED']}:root"
trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
         "Principal": {"AWS": trusted}, "Action": "sts:AssumeRole"}]}
iam.create_role(RoleName=os.environ["ROLE"], AssumeRolePolicyDocument=json.dumps(trust))
policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
          "Action": "ec2:DescribeRegions", "Resource": "*"}]}
iam.put_role_policy(RoleName=os.environ["ROLE"], PolicyName="regions",
                    PolicyDocument=json.dumps(policy))
print("{}")
"#;

#[tokio::test(flavor = "multi_thread")]
async fn the_enabled_regions_are_those_ec2_lists_as_enabled() {
    let emulator = Emulator::start();
    let credentials = emulator.credentials(DEFAULT_ACCOUNT);
    let aws = Aws::new(config(&emulator, &credentials).await);

    let regions = regions::enabled(&aws, "eu-west-1").await.expect("the enabled regions");

    let expected: Vec<String> =
        serde_json::from_value(boto3(&emulator, &credentials, BOTO3_ENABLED_REGIONS, &[])).unwrap();
    assert_eq!(regions, expected);
    assert!(regions.contains(&"us-east-1".to_string()), "{regions:?}");
    assert!(!regions.contains(&"ap-east-1".to_string()), "not opted in: {regions:?}");
    assert!(regions.windows(2).all(|w| w[0] < w[1]), "sorted, once each: {regions:?}");
    assert_eq!(aws.calls(), 1);
}

/// Under the emulator's IAM enforcement the signature and the session token are checked:
/// the member account's assumed-role keys work with their token and fail without it, and
/// a user without the permission is told which action to allow.
#[tokio::test(flavor = "multi_thread")]
async fn the_call_is_signed_with_session_credentials_and_checked_by_iam() {
    let emulator = Emulator::start();
    let member = emulator.credentials(MEMBER);
    assert!(member.session_token.is_some(), "assumed-role keys carry a session token");
    let role = [("ROLE", MEMBER_ROLE), ("TRUSTED", DEFAULT_ACCOUNT)];
    boto3(&emulator, &member, BOTO3_ALLOW_DESCRIBE_REGIONS, &role);
    let policy = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["sts:GetCallerIdentity"], "Resource": "*"}]});
    let user = emulator.request(json!({"iam_user": "no-regions", "policy": policy}));
    let user = support::Credentials {
        access_key_id: user["credentials"]["access_key_id"].as_str().unwrap().into(),
        secret_access_key: user["credentials"]["secret_access_key"].as_str().unwrap().into(),
        session_token: None,
    };
    emulator.request(json!({"enforce_auth": true}));

    let with_token = Aws::new(config(&emulator, &member).await);
    let regions = regions::enabled(&with_token, "eu-west-1").await.expect("allowed by the role");
    assert!(regions.contains(&"eu-west-1".to_string()), "{regions:?}");

    let without = support::Credentials { session_token: None, ..member.clone() };
    let without_token = Aws::new(config(&emulator, &without).await);
    let err = regions::enabled(&without_token, "eu-west-1").await.expect_err("no token");
    assert_eq!(err.kind, ErrorKind::InvalidCredentials, "{err} ({})", err.detail);

    let denied = Aws::new(config(&emulator, &user).await);
    let err = regions::enabled(&denied, "eu-west-1").await.expect_err("not allowed");
    assert_eq!(
        err.to_string(),
        "ec2:DescribeRegions for the enabled regions in eu-west-1: access denied \
         (allow ec2:DescribeRegions)"
    );
}

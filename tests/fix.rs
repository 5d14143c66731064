//! `vpcwatch fix` against the emulator: each broken chain it can repair passes the check
//! afterwards; nothing of the user's changes; a second run writes nothing; every refusal
//! writes nothing. "Nothing written" is proven by comparing the emulator's whole state.

mod support;

use std::process::{Output, Stdio};

use serde_json::{json, Value};
use support::faultproxy::{delay, rule, FaultProxy};
use support::{Emulator, DEFAULT_ACCOUNT, DEFAULT_REGION};

const EMAIL: &str = "a@example.com";

fn run(emulator: &Emulator, args: &[&str]) -> Output {
    emulator.vpcwatch().args(args).output().expect("run vpcwatch")
}

fn fix(emulator: &Emulator, extra: &[&str]) -> Output {
    let mut args = vec!["fix", "--email", EMAIL];
    args.extend_from_slice(extra);
    run(emulator, &args)
}

fn code(output: &Output) -> i32 {
    output.status.code().expect("exit status")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The error line `main` prints, after any log lines.
fn error_line(output: &Output) -> String {
    stderr(output).lines().last().unwrap_or_default().to_string()
}

fn describe(emulator: &Emulator) -> Value {
    emulator.describe(DEFAULT_ACCOUNT, DEFAULT_REGION)
}

/// The emulator's state without what vpcwatch created: the user's resources only.
fn users_part(state: &Value) -> Value {
    let mut state = state.clone();
    let ours = |v: &Value| {
        v["name"].as_str().is_some_and(|n| n.starts_with("vpcwatch-"))
            || v["arn"].as_str().is_some_and(|a| a.ends_with(":vpcwatch-vpc-changes"))
    };
    for list in ["metric_filters", "alarms", "topics"] {
        state[list].as_array_mut().expect(list).retain(|v| !ours(v));
    }
    state
}

fn check_code(emulator: &Emulator) -> i32 {
    let output = run(emulator, &["check"]);
    assert!(
        matches!(code(&output), 0 | 1),
        "check could not audit:\n{}{}",
        stdout(&output),
        stderr(&output)
    );
    code(&output)
}

/// fix repairs `scenario`: the check passes after it, the user's resources are the same
/// byte for byte, and a second run finds nothing to do and writes nothing.
fn repairs(scenario: &str) {
    let emulator = Emulator::start();
    emulator.seed(scenario);
    assert_eq!(check_code(&emulator), 1, "{scenario} should fail the check first");
    let before = describe(&emulator);

    let first = fix(&emulator, &["--yes"]);
    assert_eq!(code(&first), 0, "{}{}", stdout(&first), stderr(&first));
    assert!(stdout(&first).contains("must confirm the subscription"), "{}", stdout(&first));
    assert_eq!(check_code(&emulator), 0, "{scenario}: check still fails after fix");
    let after = describe(&emulator);
    assert_eq!(users_part(&after), users_part(&before), "{scenario}: user's resources changed");

    let second = fix(&emulator, &["--yes"]);
    assert_eq!(code(&second), 0, "{}{}", stdout(&second), stderr(&second));
    assert!(stdout(&second).contains("Nothing to do"), "{}", stdout(&second));
    assert_eq!(describe(&emulator), after, "{scenario}: the second run wrote something");
}

#[test]
fn repairs_a_filter_without_an_alarm() {
    repairs("no_alarm");
}

#[test]
fn repairs_an_alarm_without_actions() {
    repairs("alarm_without_actions");
}

#[test]
fn repairs_an_alarm_with_actions_disabled() {
    repairs("alarm_actions_disabled");
}

#[test]
fn repairs_a_topic_without_subscriptions() {
    repairs("topic_without_subscriptions");
}

#[test]
fn repairs_a_root_only_filter() {
    repairs("root_only_filter");
}

#[test]
fn repairs_a_filter_of_the_cis_names_only() {
    repairs("cis_414_only");
}

#[test]
fn repairs_an_unreachable_threshold() {
    repairs("unreachable_threshold");
}

#[test]
fn a_sound_account_has_nothing_to_do() {
    let emulator = Emulator::start();
    emulator.seed("sound");
    let before = describe(&emulator);
    let output = fix(&emulator, &["--yes"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(stdout(&output).contains("Nothing to do: every watched name is covered."));
    assert_eq!(describe(&emulator), before);
}

/// A chain complete but for a click on the confirmation email is not duplicated: fix
/// says what the address must do, and writes nothing.
#[test]
fn a_pending_subscription_is_waited_for_not_duplicated() {
    let emulator = Emulator::start();
    emulator.seed("pending_subscription");
    let before = describe(&emulator);
    let output = fix(&emulator, &["--yes"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let out = stdout(&output);
    assert!(out.contains("30 name(s) wait for a subscription to topic vpc-alerts"), "{out}");
    assert!(out.contains("\"subscription pending\""), "{out}");
    assert_eq!(describe(&emulator), before);
}

#[test]
fn a_filter_name_taken_by_someone_else_is_refused() {
    let emulator = Emulator::start();
    emulator.seed("fix_name_collision");
    let before = describe(&emulator);
    let output = fix(&emulator, &["--yes"]);
    assert_eq!(code(&output), 2);
    assert!(stdout(&output).is_empty(), "{}", stdout(&output));
    assert_eq!(
        error_line(&output),
        "vpcwatch: nothing was created: log group CloudTrail/Default in us-east-1 already has a \
         metric filter named vpcwatch-vpc-changes-1 that publishes to another metric; vpcwatch \
         will not overwrite it (rename it, or it is not vpcwatch's)"
    );
    assert_eq!(describe(&emulator), before);
}

#[test]
fn a_dry_run_writes_nothing() {
    let emulator = Emulator::start();
    emulator.seed("no_alarm");
    let before = describe(&emulator);
    let output = fix(&emulator, &["--dry-run"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(stdout(&output).ends_with("\nDry run: nothing was written.\n"));
    assert_eq!(describe(&emulator), before);
}

#[test]
fn check_fix_is_fix() {
    let emulator = Emulator::start();
    emulator.seed("no_alarm");
    let via_check = run(&emulator, &["check", "--fix", "--email", EMAIL, "--dry-run"]);
    let via_fix = fix(&emulator, &["--dry-run"]);
    assert_eq!(code(&via_check), 0, "{}", stderr(&via_check));
    assert_eq!(stdout(&via_check), stdout(&via_fix));
}

#[test]
fn without_a_terminal_it_needs_yes_and_writes_nothing() {
    let emulator = Emulator::start();
    emulator.seed("no_alarm");
    let before = describe(&emulator);
    let output = fix(&emulator, &[]);
    assert_eq!(code(&output), 2);
    assert_eq!(
        error_line(&output),
        "vpcwatch: standard input is not a terminal: pass --yes to write; nothing was written"
    );
    assert_eq!(describe(&emulator), before);
}

fn refuses_without_a_trail(scenario: &str, reason: &str) {
    let emulator = Emulator::start();
    emulator.seed(scenario);
    let before = describe(&emulator);
    let output = fix(&emulator, &["--yes"]);
    assert_eq!(code(&output), 2);
    let err = error_line(&output);
    assert!(err.starts_with("vpcwatch: nothing was created: "), "{err}");
    assert!(err.contains(reason), "{err}");
    assert!(err.contains("fix needs a logging trail"), "{err}");
    assert_eq!(describe(&emulator), before);
}

#[test]
fn no_trail_is_refused_with_the_reason() {
    refuses_without_a_trail("no_trail", "no CloudTrail trail records us-east-1 in this account");
}

#[test]
fn a_trail_without_cloudwatch_logs_is_refused_with_the_reason() {
    refuses_without_a_trail("trail_without_logs", "no trail delivers to CloudWatch Logs");
}

#[test]
fn a_bad_email_is_refused_before_any_call() {
    let emulator = Emulator::start();
    let output = emulator
        .vpcwatch()
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .args(["fix", "--email", "not-an-address", "--yes"])
        .output()
        .expect("run vpcwatch");
    assert_eq!(code(&output), 2);
    assert_eq!(
        error_line(&output),
        "vpcwatch: invalid email address \"not-an-address\": expected an address such as \
         ops@example.com"
    );
}

#[test]
fn an_unknown_topic_or_one_in_another_region_is_refused() {
    let emulator = Emulator::start();
    emulator.seed("no_alarm");
    let before = describe(&emulator);
    let unknown = format!("arn:aws:sns:us-east-1:{DEFAULT_ACCOUNT}:no-such-topic");
    let output = fix(&emulator, &["--yes", "--topic-arn", &unknown]);
    assert_eq!(code(&output), 2);
    assert_eq!(
        error_line(&output),
        format!("vpcwatch: topic {unknown} does not exist (sns:GetTopicAttributes)")
    );
    let elsewhere = format!("arn:aws:sns:eu-west-1:{DEFAULT_ACCOUNT}:alerts");
    let output = fix(&emulator, &["--yes", "--topic-arn", &elsewhere]);
    assert_eq!(code(&output), 2);
    assert!(error_line(&output).contains("is in eu-west-1, but the alarm must be in us-east-1"));
    assert_eq!(describe(&emulator), before);
}

#[test]
fn a_topic_alarms_cannot_publish_to_is_refused_and_vpcwatch_s_own_repairs_the_chain() {
    let emulator = Emulator::start();
    emulator.seed("topic_aws_managed_key");
    assert_eq!(check_code(&emulator), 1, "an encrypted topic fails the check");
    let before = describe(&emulator);
    let encrypted = format!("arn:aws:sns:us-east-1:{DEFAULT_ACCOUNT}:vpc-alerts");
    let output = fix(&emulator, &["--yes", "--topic-arn", &encrypted]);
    assert_eq!(code(&output), 2, "{}", stdout(&output));
    let line = error_line(&output);
    assert!(line.contains(&format!("topic {encrypted} is encrypted with the AWS managed key")));
    assert_eq!(describe(&emulator), before, "nothing written");

    repairs("topic_aws_managed_key");
}

#[test]
fn an_existing_topic_is_used_when_named() {
    let emulator = Emulator::start();
    emulator.seed("topic_without_subscriptions");
    let topic = format!("arn:aws:sns:us-east-1:{DEFAULT_ACCOUNT}:vpc-alerts");
    let output = fix(&emulator, &["--yes", "--topic-arn", &topic]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(!stdout(&output).contains("create SNS topic"), "{}", stdout(&output));
    assert_eq!(check_code(&emulator), 0);
    let state = describe(&emulator);
    let topics = state["topics"].as_array().expect("topics");
    assert_eq!(topics.len(), 1, "no topic of vpcwatch's own: {topics:?}");
}

/// Our filter grows to (names it covers) ∪ (names now uncovered), so a narrower earlier
/// run loses nothing.
#[test]
fn our_filter_grows_without_losing_names() {
    let emulator = Emulator::start();
    emulator.seed("no_alarm");
    let cis = fix(&emulator, &["--yes", "--events", "cis"]);
    assert_eq!(code(&cis), 0, "{}{}", stdout(&cis), stderr(&cis));
    let default = fix(&emulator, &["--yes"]);
    assert_eq!(code(&default), 0, "{}", stderr(&default));
    assert!(stdout(&default).contains("rewrite vpcwatch's metric filter"), "{}", stdout(&default));
    assert_eq!(check_code(&emulator), 0);
    let cis_check = run(&emulator, &["check", "--events", "cis"]);
    assert_eq!(code(&cis_check), 0, "{}", stdout(&cis_check));
}

const PLAN_NO_ALARM: &str = "\
vpcwatch fix: account 123456789012, region us-east-1, events default
30 name(s) to cover, on log group CloudTrail/Default of trail management-events
  in us-east-1, account 123456789012

Plan: 4 write(s), in this order
  1. create SNS topic vpcwatch-vpc-changes
       in us-east-1, account 123456789012
  2. subscribe email a@example.com to topic vpcwatch-vpc-changes
       in us-east-1, account 123456789012
  3. create metric filter vpcwatch-vpc-changes-1 on log group CloudTrail/Default
       in us-east-1, account 123456789012
       publishes vpcwatch/VpcNetworkChanges = 1 for 30 name(s)
       pattern {$.eventName=CreateVpc||$.eventName=DeleteVpc||$.eventName=CreateSubnet||$.eventName=DeleteSubnet||$.eventName=CreateSecurityGroup||$.eventName=DeleteSecurityGroup||$.eventName=AuthorizeSecurityGroupIngress||$.eventName=AuthorizeSecurityGroupEgress||$.eventName=RevokeSecurityGroupIngress||$.eventName=RevokeSecurityGroupEgress||$.eventName=CreateNetworkAcl||$.eventName=DeleteNetworkAcl||$.eventName=CreateNetworkAclEntry||$.eventName=DeleteNetworkAclEntry||$.eventName=ReplaceNetworkAclEntry||$.eventName=CreateRouteTable||$.eventName=DeleteRouteTable||$.eventName=CreateRoute||$.eventName=DeleteRoute||$.eventName=ReplaceRoute||$.eventName=CreateInternetGateway||$.eventName=DeleteInternetGateway||$.eventName=AttachInternetGateway||$.eventName=DetachInternetGateway||$.eventName=CreateVpcPeeringConnection||$.eventName=DeleteVpcPeeringConnection||$.eventName=AcceptVpcPeeringConnection||$.eventName=RejectVpcPeeringConnection||$.eventName=CreateNatGateway||$.eventName=DeleteNatGateway}
  4. create alarm vpcwatch-vpc-changes
       in us-east-1, account 123456789012
       Sum of vpcwatch/VpcNetworkChanges over 300 s >= 1
       notifies topic vpcwatch-vpc-changes

Dry run: nothing was written.
";

#[test]
fn the_plan_is_printed_as_expected() {
    let emulator = Emulator::start();
    emulator.seed("no_alarm");
    let output = fix(&emulator, &["--dry-run"]);
    assert_eq!(stdout(&output), PLAN_NO_ALARM);
}

/// The emitted code of `scenario` in `format`; nothing written.
fn emitted(scenario: &str, format: &str) -> (String, Emulator) {
    let emulator = Emulator::start();
    emulator.seed(scenario);
    let before = describe(&emulator);
    let output = fix(&emulator, &["--emit", format]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(describe(&emulator), before, "--emit wrote something");
    (stdout(&output), emulator)
}

const TERRAFORM_NO_ALARM: &str = r#"# vpcwatch fix: alert a person when VPC networking changes (30 names).
# Apply with the AWS provider in region us-east-1 and account 123456789012.

resource "aws_sns_topic" "vpcwatch_vpc_changes" {
  name = "vpcwatch-vpc-changes"
}

resource "aws_sns_topic_subscription" "vpcwatch_email" {
  topic_arn = aws_sns_topic.vpcwatch_vpc_changes.arn
  protocol  = "email"
  endpoint  = "a@example.com"
}

resource "aws_cloudwatch_log_metric_filter" "vpcwatch_vpc_changes_1" {
  name           = "vpcwatch-vpc-changes-1"
  log_group_name = "CloudTrail/Default"
  pattern        = "{$.eventName=CreateVpc||$.eventName=DeleteVpc||$.eventName=CreateSubnet||$.eventName=DeleteSubnet||$.eventName=CreateSecurityGroup||$.eventName=DeleteSecurityGroup||$.eventName=AuthorizeSecurityGroupIngress||$.eventName=AuthorizeSecurityGroupEgress||$.eventName=RevokeSecurityGroupIngress||$.eventName=RevokeSecurityGroupEgress||$.eventName=CreateNetworkAcl||$.eventName=DeleteNetworkAcl||$.eventName=CreateNetworkAclEntry||$.eventName=DeleteNetworkAclEntry||$.eventName=ReplaceNetworkAclEntry||$.eventName=CreateRouteTable||$.eventName=DeleteRouteTable||$.eventName=CreateRoute||$.eventName=DeleteRoute||$.eventName=ReplaceRoute||$.eventName=CreateInternetGateway||$.eventName=DeleteInternetGateway||$.eventName=AttachInternetGateway||$.eventName=DetachInternetGateway||$.eventName=CreateVpcPeeringConnection||$.eventName=DeleteVpcPeeringConnection||$.eventName=AcceptVpcPeeringConnection||$.eventName=RejectVpcPeeringConnection||$.eventName=CreateNatGateway||$.eventName=DeleteNatGateway}"

  metric_transformation {
    name      = "VpcNetworkChanges"
    namespace = "vpcwatch"
    value     = "1"
  }
}

resource "aws_cloudwatch_metric_alarm" "vpcwatch_vpc_changes" {
  alarm_name          = "vpcwatch-vpc-changes"
  alarm_description   = "Changes to VPC networking (VPCs, subnets, security groups, network ACLs, route tables, gateways, peering) recorded by CloudTrail. Created by vpcwatch fix."
  namespace           = "vpcwatch"
  metric_name         = "VpcNetworkChanges"
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  datapoints_to_alarm = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  actions_enabled     = true
  alarm_actions       = [aws_sns_topic.vpcwatch_vpc_changes.arn]
}
"#;

#[test]
fn terraform_is_emitted_and_parses_as_hcl() {
    let (text, _emulator) = emitted("no_alarm", "terraform");
    let body: hcl::Body = hcl::from_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let kinds: Vec<String> = body
        .blocks()
        .map(|b| b.labels().iter().map(|l| l.as_str().to_string()).collect::<Vec<_>>().join("."))
        .collect();
    assert_eq!(
        kinds,
        [
            "aws_sns_topic.vpcwatch_vpc_changes",
            "aws_sns_topic_subscription.vpcwatch_email",
            "aws_cloudwatch_log_metric_filter.vpcwatch_vpc_changes_1",
            "aws_cloudwatch_metric_alarm.vpcwatch_vpc_changes",
        ]
    );
    assert_eq!(text, TERRAFORM_NO_ALARM);
}

const CLOUDFORMATION_NO_ALARM: &str = r#"{
  "AWSTemplateFormatVersion": "2010-09-09",
  "Description": "vpcwatch fix: alert a person when VPC networking changes (30 names). Deploy in us-east-1, account 123456789012.",
  "Resources": {
    "VpcwatchAlarm": {
      "Properties": {
        "ActionsEnabled": true,
        "AlarmActions": [
          {
            "Ref": "VpcwatchTopic"
          }
        ],
        "AlarmDescription": "Changes to VPC networking (VPCs, subnets, security groups, network ACLs, route tables, gateways, peering) recorded by CloudTrail. Created by vpcwatch fix.",
        "AlarmName": "vpcwatch-vpc-changes",
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "DatapointsToAlarm": 1,
        "EvaluationPeriods": 1,
        "MetricName": "VpcNetworkChanges",
        "Namespace": "vpcwatch",
        "Period": 300,
        "Statistic": "Sum",
        "Threshold": 1,
        "TreatMissingData": "notBreaching"
      },
      "Type": "AWS::CloudWatch::Alarm"
    },
    "VpcwatchEmailSubscription": {
      "Properties": {
        "Endpoint": "a@example.com",
        "Protocol": "email",
        "TopicArn": {
          "Ref": "VpcwatchTopic"
        }
      },
      "Type": "AWS::SNS::Subscription"
    },
    "VpcwatchFilter1": {
      "Properties": {
        "FilterName": "vpcwatch-vpc-changes-1",
        "FilterPattern": "{$.eventName=CreateVpc||$.eventName=DeleteVpc||$.eventName=CreateSubnet||$.eventName=DeleteSubnet||$.eventName=CreateSecurityGroup||$.eventName=DeleteSecurityGroup||$.eventName=AuthorizeSecurityGroupIngress||$.eventName=AuthorizeSecurityGroupEgress||$.eventName=RevokeSecurityGroupIngress||$.eventName=RevokeSecurityGroupEgress||$.eventName=CreateNetworkAcl||$.eventName=DeleteNetworkAcl||$.eventName=CreateNetworkAclEntry||$.eventName=DeleteNetworkAclEntry||$.eventName=ReplaceNetworkAclEntry||$.eventName=CreateRouteTable||$.eventName=DeleteRouteTable||$.eventName=CreateRoute||$.eventName=DeleteRoute||$.eventName=ReplaceRoute||$.eventName=CreateInternetGateway||$.eventName=DeleteInternetGateway||$.eventName=AttachInternetGateway||$.eventName=DetachInternetGateway||$.eventName=CreateVpcPeeringConnection||$.eventName=DeleteVpcPeeringConnection||$.eventName=AcceptVpcPeeringConnection||$.eventName=RejectVpcPeeringConnection||$.eventName=CreateNatGateway||$.eventName=DeleteNatGateway}",
        "LogGroupName": "CloudTrail/Default",
        "MetricTransformations": [
          {
            "MetricName": "VpcNetworkChanges",
            "MetricNamespace": "vpcwatch",
            "MetricValue": "1"
          }
        ]
      },
      "Type": "AWS::Logs::MetricFilter"
    },
    "VpcwatchTopic": {
      "Properties": {
        "TopicName": "vpcwatch-vpc-changes"
      },
      "Type": "AWS::SNS::Topic"
    }
  }
}
"#;

#[test]
fn cloudformation_is_emitted_and_passes_cfn_lint() {
    let (text, emulator) = emitted("no_alarm", "cloudformation");
    let template: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let resources = template["Resources"].as_object().expect("Resources");
    assert_eq!(resources.len(), 4);
    let path = std::env::temp_dir().join(format!("vpcwatch-fix-{}.json", std::process::id()));
    std::fs::write(&path, &text).expect("write the template");
    let cfn_lint = emulator.python().with_file_name("cfn-lint");
    let lint = std::process::Command::new(&cfn_lint).arg(&path).output();
    let _ = std::fs::remove_file(&path);
    let lint = lint.unwrap_or_else(|e| panic!("run {}: {e}", cfn_lint.display()));
    assert!(lint.status.success(), "cfn-lint:\n{}{}", stdout(&lint), stderr(&lint));
    assert_eq!(text, CLOUDFORMATION_NO_ALARM);
}

/// A run stopped after the topic and the subscription (the first writes) is finished by
/// the next run, which keeps what is there and writes only the rest.
#[test]
fn an_interrupted_run_is_finished_by_the_next() {
    let emulator = Emulator::start();
    emulator.seed("no_alarm");
    let script = "import boto3\n\
        sns = boto3.client('sns')\n\
        arn = sns.create_topic(Name='vpcwatch-vpc-changes')['TopicArn']\n\
        sns.subscribe(TopicArn=arn, Protocol='email', Endpoint='a@example.com')\n";
    let half =
        emulator.command_as(emulator.python(), DEFAULT_ACCOUNT).args(["-c", script]).output();
    let half = half.expect("run python");
    assert!(half.status.success(), "{}", stderr(&half));

    let output = fix(&emulator, &["--yes"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let out = stdout(&output);
    assert!(out.contains("Plan: 2 write(s), in this order"), "{out}");
    assert!(out.contains("Kept as they are (vpcwatch's own, already right):\n  SNS topic vpcwatch-vpc-changes\n  subscription of a@example.com to topic vpcwatch-vpc-changes (confirmed)\n"), "{out}");
    assert_eq!(check_code(&emulator), 0);
}

#[test]
fn fix_covers_default_and_cis_names_in_one_run() {
    let emulator = Emulator::start();
    emulator.seed("sound");
    let output = fix(&emulator, &["--events", "default,cis", "--yes"]);
    assert_eq!(code(&output), 0, "{}{}", stdout(&output), stderr(&output));
    assert!(stdout(&output).contains("11 name(s) to cover"), "{}", stdout(&output));
    let check = run(&emulator, &["check", "--events", "default,cis"]);
    assert_eq!(code(&check), 0, "{}", stdout(&check));
    assert_eq!(stdout(&check).lines().last(), Some("PASS: all 41 names covered"));
}

/// `fix --yes` with `extra`, started now; its output once it ends.
fn spawn_fix(emulator: &Emulator, extra: &[&str]) -> std::process::Child {
    let binary = assert_cmd::cargo::cargo_bin("vpcwatch");
    let mut cmd = emulator.command_as(binary, DEFAULT_ACCOUNT);
    cmd.args(["fix", "--yes", "--email", EMAIL]).args(extra);
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn vpcwatch")
}

/// How many of `list` (`metric_filters`, `alarms`, `topics`) are named `name`.
fn named(state: &Value, list: &str, name: &str) -> usize {
    let items = state[list].as_array().expect(list);
    let is = |v: &Value| {
        v["name"] == name || v["arn"].as_str().is_some_and(|a| a.ends_with(&format!(":{name}")))
    };
    items.iter().filter(|v| is(v)).count()
}

/// vpcwatch's chain, once: one filter, one alarm, one topic with one subscription of
/// the address; and the check passes.
fn one_chain(emulator: &Emulator) {
    let state = describe(emulator);
    assert_eq!(named(&state, "metric_filters", "vpcwatch-vpc-changes-1"), 1, "{state:#}");
    assert_eq!(named(&state, "metric_filters", "vpcwatch-vpc-changes-2"), 0, "{state:#}");
    assert_eq!(named(&state, "alarms", "vpcwatch-vpc-changes"), 1, "{state:#}");
    assert_eq!(named(&state, "topics", "vpcwatch-vpc-changes"), 1, "{state:#}");
    let topics = state["topics"].as_array().expect("topics");
    let ours =
        topics.iter().find(|t| t["arn"].as_str().unwrap().ends_with(":vpcwatch-vpc-changes"));
    let subscriptions = ours.expect("vpcwatch's topic")["subscriptions"].as_array().unwrap();
    assert_eq!(subscriptions.len(), 1, "{subscriptions:?}");
    assert_eq!(check_code(emulator), 0, "check after fix");
}

/// moto appends a second filter when PutMetricFilter names one that exists, so a run
/// that wrote what another already had would show here as a duplicate.
///
/// The two runs drift apart before writing (moto answers logs:TestMetricFilter with
/// HTTP 500, which each run retries after its own random backoff), so one run's re-read
/// sees the other's writes. Were both to re-read the filter before either wrote it, both
/// would write it: AWS replaces a filter of the same name, moto would show a duplicate.
/// The next test makes the stale plan certain rather than likely.
#[test]
fn two_fixes_started_at_once_write_one_chain() {
    let emulator = Emulator::start();
    emulator.seed("no_alarm");
    let runs = [spawn_fix(&emulator, &[]), spawn_fix(&emulator, &[])];
    for run in runs {
        let output = run.wait_with_output().expect("wait for vpcwatch");
        assert_eq!(code(&output), 0, "{}{}", stdout(&output), stderr(&output));
    }
    one_chain(&emulator);
}

/// Both runs plan on the broken account; one writes its whole chain while the other
/// waits (the proxy holds its first write), then the other finds each resource in place
/// just before writing it, and writes only the topic (CreateTopic returns the existing
/// one).
#[test]
fn a_run_whose_plan_went_stale_finds_the_other_runs_chain_and_writes_it_once() {
    let emulator = Emulator::start();
    emulator.seed("no_alarm");
    let hold = |seconds| json!([delay("sns:CreateTopic", seconds, Some(1))]);
    let (first, second) =
        (FaultProxy::start(&emulator, &hold(2.0)), FaultProxy::start(&emulator, &hold(6.0)));
    let flags = |proxy: &FaultProxy| {
        ["--endpoint-url".to_string(), proxy.endpoint(), "--max-attempts".into(), "1".into()]
    };
    let (a, b) = (flags(&first), flags(&second));
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    let b: Vec<&str> = b.iter().map(String::as_str).collect();
    let runs = [spawn_fix(&emulator, &a), spawn_fix(&emulator, &b)];
    let [first_run, second_run] = runs.map(|r| r.wait_with_output().expect("wait for vpcwatch"));
    for run in [&first_run, &second_run] {
        assert_eq!(code(run), 0, "{}{}", stdout(run), stderr(run));
        assert!(stdout(run).contains("Plan: 4 write(s), in this order"), "{}", stdout(run));
    }
    assert!(stdout(&first_run).contains("\nDone: 4 write(s)\n"), "{}", stdout(&first_run));
    let late = stdout(&second_run);
    let expected = "\nDone: 1 write(s)\n  create SNS topic vpcwatch-vpc-changes\n\
        Already in place, written meanwhile by another run:\n  \
        subscribe email a@example.com to topic vpcwatch-vpc-changes\n  \
        create metric filter vpcwatch-vpc-changes-1 on log group CloudTrail/Default\n  \
        create alarm vpcwatch-vpc-changes\n";
    assert!(late.contains(expected), "{late}");
    one_chain(&emulator);
}

/// A write that fails for good half way: fix exits 2 naming the call and its region,
/// what it wrote before and what it did not; the check still fails; the next run writes
/// only the rest.
#[test]
fn a_write_failing_half_way_is_reported_and_the_next_run_finishes() {
    let emulator = Emulator::start();
    emulator.seed("no_alarm");
    let proxy =
        FaultProxy::start(&emulator, &json!([rule("cloudwatch:PutMetricAlarm", "503", None)]));
    let through_proxy = ["--endpoint-url", &proxy.endpoint(), "--max-attempts", "2"];
    let output = fix(&emulator, &[&["--yes"][..], &through_proxy].concat());
    assert_eq!(code(&output), 2, "{}{}", stdout(&output), stderr(&output));
    assert_eq!(
        error_line(&output),
        "vpcwatch: cloudwatch:PutMetricAlarm for alarm vpcwatch-vpc-changes in us-east-1: failed \
         (ServiceUnavailable: injected unavailability); written before it: create SNS topic \
         vpcwatch-vpc-changes, subscribe email a@example.com to topic vpcwatch-vpc-changes, \
         create metric filter vpcwatch-vpc-changes-1 on log group CloudTrail/Default; not \
         written: create alarm vpcwatch-vpc-changes; run fix again to finish"
    );
    assert_eq!(proxy.count("cloudwatch:PutMetricAlarm"), (2, 2));
    assert_eq!(check_code(&emulator), 1, "no alarm yet: the check must still fail");

    let rest = fix(&emulator, &["--yes"]);
    assert_eq!(code(&rest), 0, "{}{}", stdout(&rest), stderr(&rest));
    assert!(
        stdout(&rest).contains("Plan: 1 write(s), in this order\n  1. create alarm"),
        "{}",
        stdout(&rest)
    );
    one_chain(&emulator);
}

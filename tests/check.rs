//! `vpcwatch check` against the emulator: one seeded account per test, the exit status
//! and, for every broken chain, the reason given for the first broken link.

mod support;

use serde_json::Value;
use support::report::{assert_every_name, check_json, finding, reason};
use support::Emulator;

/// Runs `vpcwatch check --format json` with `args` on an emulator seeded with `scenario`.
fn check(scenario: &str, args: &[&str]) -> (i32, Value) {
    let emulator = Emulator::start();
    emulator.seed(scenario);
    check_json(&emulator, args)
}

#[test]
fn a_sound_chain_passes_and_names_each_link() {
    let (code, report) = check("sound", &[]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["verdict"], "pass");
    assert_every_name(&report, "covered");
    assert_eq!(
        reason(&report, "CreateVpc"),
        "filter VpcChanges > alarm VpcChangesAlarm > topic vpc-alerts"
    );
    assert_eq!(report["account_id"], support::DEFAULT_ACCOUNT);
    assert_eq!(report["trails"][0]["log_group"]["name"], "CloudTrail/Default");
}

#[test]
fn no_trail_fails_every_name() {
    let (code, report) = check("no_trail", &[]);
    assert_eq!(code, 1);
    assert_eq!(report["verdict"], "fail");
    assert_every_name(&report, "not_covered");
    assert_eq!(
        reason(&report, "DeleteNatGateway"),
        "no CloudTrail trail records us-east-1 in this account"
    );
}

#[test]
fn a_trail_without_cloudwatch_logs_fails() {
    let (code, report) = check("trail_without_logs", &[]);
    assert_eq!(code, 1);
    assert_every_name(&report, "not_covered");
    assert_eq!(reason(&report, "CreateVpc"), "no trail delivers to CloudWatch Logs");
}

#[test]
fn names_split_over_two_filters_on_one_metric_pass() {
    let (code, report) = check("split_two_filters", &[]);
    assert_eq!(code, 0, "{report:#}");
    assert_every_name(&report, "covered");
    let first = &finding(&report, "CreateVpc")["chain"]["filter"];
    let last = &finding(&report, "DeleteNatGateway")["chain"]["filter"];
    assert_ne!(first, last, "the two halves come from different filters");
}

#[test]
fn a_filter_of_the_cis_vpc_names_covers_only_those() {
    let (code, report) = check("cis_414_only", &[]);
    assert_eq!(code, 1);
    assert_eq!(finding(&report, "CreateVpc")["status"], "covered");
    assert_eq!(finding(&report, "AcceptVpcPeeringConnection")["status"], "covered");
    assert_eq!(finding(&report, "CreateSubnet")["status"], "not_covered");
    assert_eq!(reason(&report, "CreateSubnet"), "filter VpcChanges does not match CreateSubnet");
    assert_eq!(report["summary"]["covered"], 6);
}

#[test]
fn a_filter_without_an_alarm_fails_at_the_metric() {
    let (code, report) = check("no_alarm", &[]);
    assert_eq!(code, 1);
    assert_every_name(&report, "not_covered");
    assert_eq!(
        reason(&report, "CreateVpc"),
        "filter VpcChanges covers it, but no alarm in us-east-1 watches metric CISBenchmark/VpcEventCount"
    );
}

#[test]
fn an_alarm_without_actions_fails() {
    let (code, report) = check("alarm_without_actions", &[]);
    assert_eq!(code, 1);
    assert_eq!(reason(&report, "CreateRoute"), "alarm VpcChangesAlarm has no alarm actions");
}

#[test]
fn an_alarm_with_actions_disabled_fails() {
    let (code, report) = check("alarm_actions_disabled", &[]);
    assert_eq!(code, 1);
    assert_eq!(reason(&report, "CreateRoute"), "alarm VpcChangesAlarm has its actions disabled");
}

#[test]
fn a_topic_without_subscriptions_fails() {
    let (code, report) = check("topic_without_subscriptions", &[]);
    assert_eq!(code, 1);
    assert_eq!(reason(&report, "DeleteSubnet"), "topic vpc-alerts has no subscriptions");
    assert_eq!(finding(&report, "DeleteSubnet")["chain"]["alarm"], "VpcChangesAlarm");
}

#[test]
fn a_pending_email_subscription_fails() {
    let (code, report) = check("pending_subscription", &[]);
    assert_eq!(code, 1);
    let why = reason(&report, "CreateVpc");
    assert!(why.starts_with("subscription pending: topic vpc-alerts"), "{why}");
}

#[test]
fn a_filter_narrowed_to_root_calls_fails_naming_the_callers() {
    let (code, report) = check("root_only_filter", &[]);
    assert_eq!(code, 1);
    assert_every_name(&report, "not_covered");
    assert_eq!(
        reason(&report, "CreateVpc"),
        "filter VpcChanges matches CreateVpc only for Root calls"
    );
}

#[test]
fn one_filter_on_the_ec2_event_source_covers_every_name() {
    let (code, report) = check("event_source_filter", &[]);
    assert_eq!(code, 0, "{report:#}");
    assert_every_name(&report, "covered");
}

#[test]
fn a_stopped_trail_fails() {
    let (code, report) = check("stopped_trail", &[]);
    assert_eq!(code, 1);
    assert!(reason(&report, "CreateVpc").ends_with("is not logging"), "{report:#}");
    assert_eq!(report["trails"][0]["logging"], false);
}

#[test]
fn a_trail_of_read_events_only_fails() {
    let (code, report) = check("read_only_trail", &[]);
    assert_eq!(code, 1);
    assert!(
        reason(&report, "CreateVpc").ends_with("records read-only management events"),
        "{report:#}"
    );
}

#[test]
fn a_multi_region_trail_homed_elsewhere_covers_the_audited_region() {
    let (code, report) = check("other_home_region", &[]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["region"], "us-east-1");
    assert_eq!(report["trails"][0]["home_region"], "us-west-2");
    assert_eq!(report["trails"][0]["log_group"]["region"], "us-west-2");
    assert_every_name(&report, "covered");
}

#[test]
fn an_alarm_threshold_one_event_cannot_reach_fails() {
    let (code, report) = check("unreachable_threshold", &[]);
    assert_eq!(code, 1);
    assert_eq!(
        reason(&report, "CreateVpc"),
        "alarm VpcChangesAlarm needs Sum > 5; one event gives 1"
    );
}

#[test]
fn an_alarm_that_treats_missing_data_as_breaching_notifies_nobody() {
    let (code, report) = check("missing_data_breaching", &[]);
    assert_eq!(code, 1);
    assert_eq!(
        reason(&report, "CreateVpc"),
        "alarm VpcChangesAlarm treats missing data as breaching, so it is in ALARM while \
         nothing happens; an event changes no state and notifies nobody"
    );
}

#[test]
fn a_topic_encrypted_with_the_aws_managed_key_fails() {
    let (code, report) = check("topic_aws_managed_key", &[]);
    assert_eq!(code, 1, "{report:#}");
    assert_every_name(&report, "not_covered");
    let why = reason(&report, "CreateVpc");
    assert!(why.starts_with("topic vpc-alerts is encrypted with the AWS managed key"), "{why}");
}

#[test]
fn an_alarm_that_reads_another_unit_than_the_filter_publishes_fails() {
    let (code, report) = check("alarm_unit_count", &[]);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(
        reason(&report, "CreateVpc"),
        "alarm VpcChangesAlarm reads only datapoints in unit Count; filter VpcChanges \
         publishes in unit None, so the alarm never sees an event"
    );
}

#[test]
fn a_filter_default_value_decides_whether_the_alarm_rests_between_events() {
    let (code, report) = check("default_value_zero", &[]);
    assert_eq!(code, 0, "{report:#}");
    assert_every_name(&report, "covered");

    let (code, report) = check("default_value_one", &[]);
    assert_eq!(code, 1);
    let why = reason(&report, "DeleteSubnet");
    assert!(why.contains("publishes 1 for every log event it does not match"), "{why}");
    assert!(why.ends_with("the alarm stays in ALARM"), "{why}");
}

#[test]
fn an_alarm_without_actions_reaches_a_person_through_a_composite_alarm() {
    let (code, report) = check("composite_alarm", &[]);
    assert_eq!(code, 0, "{report:#}");
    assert_every_name(&report, "covered");
    let name = &report["names"][0];
    assert_eq!(name["chain"]["composite"], "VpcChangesComposite");
    assert_eq!(
        name["reason"],
        "filter VpcChanges > alarm VpcChangesAlarm > composite alarm VpcChangesComposite > \
         topic vpc-alerts"
    );
}

#[test]
fn a_composite_alarm_beside_an_alarm_of_unknown_rest_is_undecided() {
    let (code, report) = check("composite_with_unrelated", &[]);
    assert_eq!(code, 2, "{report:#}");
    assert_every_name(&report, "uncertain");
    let why = reason(&report, "CreateVpc");
    assert!(why.contains("also in ALARM while Unrelated-0000 is"), "{why}");
}

#[test]
fn advanced_selectors_for_write_management_events_pass() {
    let (code, report) = check("advanced_selectors_write", &[]);
    assert_eq!(code, 0, "{report:#}");
    assert_every_name(&report, "covered");
}

#[test]
fn a_single_region_trail_covers_only_its_home_region() {
    let emulator = Emulator::start();
    emulator.seed("single_region_trail");
    let (home, _) = check_json(&emulator, &[]);
    assert_eq!(home, 0);
    let (elsewhere, report) = check_json(&emulator, &["--region", "eu-west-1"]);
    assert_eq!(elsewhere, 1);
    assert_eq!(
        reason(&report, "CreateVpc"),
        "no CloudTrail trail records eu-west-1 in this account"
    );
}

#[test]
fn cis_event_set_reports_each_control() {
    let (code, report) = check("sound", &["--events", "cis"]);
    assert_eq!(code, 1, "the default filter lacks names only CIS asks for");
    assert_eq!(finding(&report, "CreateVpc")["status"], "covered");
    assert_eq!(finding(&report, "ModifyVpcAttribute")["status"], "not_covered");
    assert!(finding(&report, "ModifyVpcAttribute")["group"].as_str().unwrap().starts_with("4.14"));
}

#[test]
fn the_text_report_fits_80_columns_and_ends_with_the_verdict() {
    let emulator = Emulator::start();
    emulator.seed("no_alarm");
    let output = emulator.vpcwatch().arg("check").output().expect("run vpcwatch");
    assert_eq!(output.status.code(), Some(1));
    let text = String::from_utf8(output.stdout).expect("utf-8");
    for line in text.lines() {
        assert!(line.chars().count() <= 80, "too wide: {line:?}");
    }
    assert!(text.contains("\nVPC\n"), "{text}");
    assert!(text.contains("  FAIL    DeleteVpc                     as above\n"), "{text}");
    assert!(text.contains("  FAIL    CreateVpc                     filter VpcChanges"), "{text}");
    assert!(!text.contains('\x1b'), "no colour when stdout is not a terminal");
    assert_eq!(text.lines().last(), Some("FAIL: 0 of 30 names covered, 30 not covered"));
}

#[test]
fn an_unreachable_endpoint_is_one_line_and_exit_2() {
    let emulator = Emulator::start();
    let output = emulator
        .vpcwatch()
        .args(["check", "--endpoint-url", "http://127.0.0.1:9"])
        .output()
        .expect("run vpcwatch");
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().filter(|l| l.starts_with("vpcwatch:")).count(), 1, "{stderr}");
    assert!(stderr.contains("not reachable"), "{stderr}");
}

#[test]
fn one_attempt_with_a_short_timeout_still_reports_an_unreachable_endpoint() {
    let emulator = Emulator::start();
    let output = emulator
        .vpcwatch()
        .args(["check", "--endpoint-url", "http://127.0.0.1:9"])
        .args(["--max-attempts", "1", "--timeout", "5"])
        .output()
        .expect("run vpcwatch");
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().filter(|l| l.starts_with("vpcwatch:")).count(), 1, "{stderr}");
    assert!(stderr.contains("not reachable"), "{stderr}");
}

#[test]
fn an_unknown_profile_is_named() {
    let emulator = Emulator::start();
    let output = emulator.vpcwatch().args(["check", "--profile", "nosuch"]).output().expect("run");
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("unknown profile \"nosuch\""), "{stderr}");
    // The harness points AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE at its own files.
    assert!(stderr.contains("aws-config nor ") && stderr.contains("aws-credentials"), "{stderr}");
    assert!(!stderr.contains("~/.aws/config"), "{stderr}");
    assert!(stderr.contains("aws configure --profile nosuch"), "{stderr}");
}

#[test]
fn missing_credentials_are_one_line_saying_how_to_provide_them() {
    let emulator = Emulator::start();
    let output = emulator
        .vpcwatch()
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_SESSION_TOKEN")
        .arg("check")
        .output()
        .expect("run vpcwatch");
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let line = stderr.lines().find(|l| l.starts_with("vpcwatch:")).expect("an error line");
    assert!(line.contains("no AWS credentials found"), "{stderr}");
    assert!(line.contains("--profile"), "{stderr}");
}

#[test]
fn verbose_logs_each_aws_call_on_stderr_and_keeps_stdout_json() {
    let emulator = Emulator::start();
    emulator.seed("sound");
    let output = emulator
        .vpcwatch()
        .args(["check", "-v", "--format", "json"])
        .output()
        .expect("run vpcwatch");
    assert_eq!(output.status.code(), Some(0));
    let report: Value = serde_json::from_slice(&output.stdout).expect("stdout stays JSON");
    assert_eq!(report["verdict"], "pass");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let calls: Vec<&str> = stderr.lines().filter(|l| l.contains("aws call")).collect();
    for operation in [
        "sts:GetCallerIdentity",
        "cloudtrail:DescribeTrails",
        "cloudtrail:GetTrailStatus",
        "cloudtrail:GetEventSelectors",
        "logs:DescribeMetricFilters",
        "cloudwatch:DescribeAlarms",
        "sns:ListSubscriptionsByTopic",
    ] {
        assert_eq!(
            calls.iter().filter(|l| l.contains(operation)).count(),
            1,
            "{operation}: {stderr}"
        );
    }
    assert!(stderr.contains(&format!("calls={}", calls.len())), "{stderr}");
}

#[test]
fn an_events_file_narrows_the_check() {
    let emulator = Emulator::start();
    emulator.seed("cis_414_only");
    let dir = std::env::temp_dir().join(format!("vpcwatch-events-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("vpc-only.txt");
    std::fs::write(&file, "# the VPC calls only\nCreateVpc\nDeleteVpc\n")
        .expect("write events file");
    let (code, report) = check_json(&emulator, &["--events", file.to_str().expect("utf-8 path")]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["summary"]["total"], 2);
    let missing = dir.join("missing.txt");
    let output = emulator
        .vpcwatch()
        .args(["check", "--events", missing.to_str().expect("utf-8 path")])
        .output()
        .expect("run vpcwatch");
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn default_and_cis_sets_in_one_run_judge_each_name_once() {
    let (code, report) = check("sound", &["--events", "default,cis"]);
    assert_eq!(code, 1, "the names only CIS asks for are not in the sound filter");
    assert_eq!(report["events"], "default+cis");
    assert_eq!(report["summary"]["total"], 41);
    assert_eq!(report["summary"]["covered"], 30);
    assert_eq!(report["summary"]["not_covered"], 11);
    let names = report["names"].as_array().expect("names array");
    let create_vpc: Vec<&Value> = names.iter().filter(|n| n["name"] == "CreateVpc").collect();
    let groups: Vec<&str> = create_vpc.iter().map(|n| n["group"].as_str().unwrap()).collect();
    assert_eq!(groups.len(), 2, "listed under its default group and its CIS control");
    assert!(groups[0] == "VPC" && groups[1].starts_with("4.14"), "{groups:?}");
    assert!(create_vpc.iter().all(|n| n["status"] == "covered"));
}

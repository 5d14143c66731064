//! Verdicts over whole inventories: every link, and what an unreadable part does.

use std::collections::BTreeMap;

use super::fixtures::{self, TOPIC};
use super::*;
use crate::inventory::{ErrorKind, MetricFilter, MetricId, Place, Subscription, TrailStatus};

const ACCOUNT: &str = "123456789012";
const REGION: &str = "us-east-1";
const GROUP: &str = "arn:aws:logs:us-east-1:123456789012:log-group:CloudTrail/Default";

fn compact(names: &[&str]) -> String {
    let terms: Vec<String> = names.iter().map(|n| format!("$.eventName={n}")).collect();
    format!("{{{}}}", terms.join("||"))
}

fn all_names() -> Vec<String> {
    EventSet::default_set().names().map(str::to_string).collect()
}

fn filter(name: &str, pattern: &str) -> MetricFilter {
    fixtures::filter(name, pattern, "1")
}

fn trail(name: &str) -> Trail {
    Trail {
        name: name.into(),
        arn: format!("arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/{name}"),
        home_region: REGION.into(),
        is_multi_region: true,
        log_group: LogGroupRef::from_arn(&format!("{GROUP}:*")),
        status: Ok(TrailStatus { is_logging: true, ..Default::default() }),
        ..Default::default()
    }
}

fn sound() -> Inventory {
    let names = all_names();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let confirmed = Subscription {
        arn: format!("{TOPIC}:6c1d"),
        protocol: "email".into(),
        endpoint: "ops@example.com".into(),
    };
    Inventory {
        account_id: ACCOUNT.into(),
        region: REGION.into(),
        trails: Ok(vec![trail("main")]),
        filters: BTreeMap::from([(
            GROUP.to_string(),
            Ok(vec![filter("VpcChanges", &compact(&names))]),
        )]),
        alarms: BTreeMap::from([(Place::new(ACCOUNT, REGION), Ok(vec![fixtures::alarm()]))]),
        subscriptions: BTreeMap::from([(TOPIC.to_string(), Ok(vec![confirmed]))]),
        topic_keys: BTreeMap::from([(TOPIC.to_string(), Ok(None))]),
    }
}

fn denied(operation: &str, resource: &str) -> ReadError {
    ReadError {
        operation: operation.into(),
        resource: resource.into(),
        region: REGION.into(),
        kind: ErrorKind::AccessDenied,
        detail: "AccessDeniedException: not authorized".into(),
    }
}

fn finding<'a>(findings: &'a Findings, name: &str) -> &'a NameFinding {
    findings.names.iter().find(|n| n.name == name).expect("name in findings")
}

fn judge_default(inventory: &Inventory) -> Findings {
    judge(inventory, &EventSet::default_set())
}

#[test]
fn a_sound_inventory_passes_with_the_whole_chain_named() {
    let findings = judge_default(&sound());
    assert_eq!(findings.verdict, Verdict::Pass);
    let create = finding(&findings, "CreateVpc");
    assert_eq!(create.reason, "filter VpcChanges > alarm VpcChangesAlarm > topic vpc-alerts");
    assert_eq!(create.chain.trail.as_deref(), Some("main"));
    assert_eq!(create.chain.log_group.as_deref(), Some("CloudTrail/Default"));
    assert_eq!(create.group, "VPC");
}

#[test]
fn unreadable_filters_leave_names_undecided_and_name_the_permission() {
    let mut inventory = sound();
    let err = denied("logs:DescribeMetricFilters", "log group CloudTrail/Default");
    inventory.filters.insert(GROUP.into(), Err(err));
    let findings = judge_default(&inventory);
    assert_eq!(findings.verdict, Verdict::Error);
    assert_eq!(findings.count(Status::Uncertain), 30);
    assert!(finding(&findings, "CreateVpc").reason.contains("allow logs:DescribeMetricFilters"));
    assert_eq!(findings.errors.len(), 1);
}

#[test]
fn unreadable_trails_are_an_error_never_a_pass_or_fail() {
    let mut inventory = sound();
    inventory.trails = Err(denied("cloudtrail:DescribeTrails", "trails"));
    let findings = judge_default(&inventory);
    assert_eq!(findings.verdict, Verdict::Error);
    assert!(finding(&findings, "DeleteVpc").reason.starts_with("cloudtrail:DescribeTrails"));
}

#[test]
fn a_proven_gap_beside_an_unreadable_part_still_fails() {
    let mut inventory = sound();
    inventory
        .filters
        .insert(GROUP.into(), Ok(vec![filter("VpcChanges", &compact(&["CreateVpc"]))]));
    inventory
        .subscriptions
        .insert(TOPIC.into(), Err(denied("sns:ListSubscriptionsByTopic", "topic")));
    let findings = judge_default(&inventory);
    assert_eq!(finding(&findings, "CreateVpc").status, Status::Uncertain);
    assert_eq!(finding(&findings, "DeleteVpc").status, Status::NotCovered);
    assert_eq!(findings.verdict, Verdict::Fail);
}

#[test]
fn a_sound_trail_beside_a_stopped_one_still_covers() {
    let mut inventory = sound();
    let mut stopped = trail("old");
    stopped.status = Ok(TrailStatus::default());
    inventory.trails = Ok(vec![stopped, trail("main")]);
    let findings = judge_default(&inventory);
    assert_eq!(findings.verdict, Verdict::Pass);
}

#[test]
fn a_deleted_topic_breaks_the_chain() {
    let mut inventory = sound();
    let gone =
        ReadError { kind: ErrorKind::NotFound, ..denied("sns:ListSubscriptionsByTopic", "topic") };
    inventory.subscriptions.insert(TOPIC.into(), Err(gone));
    let findings = judge_default(&inventory);
    assert_eq!(findings.verdict, Verdict::Fail);
    assert_eq!(finding(&findings, "CreateVpc").reason, "topic vpc-alerts does not exist");
}

#[test]
fn a_metric_math_alarm_is_uncertain_not_a_pass() {
    let mut inventory = sound();
    let mut math = fixtures::alarm();
    math.namespace = None;
    math.metric_name = None;
    math.math_metrics = vec![MetricId {
        namespace: "CISBenchmark".into(),
        name: "VpcEventCount".into(),
        dimensions: BTreeMap::new(),
    }];
    inventory.alarms.insert(Place::new(ACCOUNT, REGION), Ok(vec![math]));
    let findings = judge_default(&inventory);
    assert_eq!(findings.verdict, Verdict::Error);
    assert!(finding(&findings, "CreateVpc").reason.contains("metric math"));
}

#[test]
fn a_pattern_aws_would_reject_covers_nothing() {
    let mut inventory = sound();
    let too_long =
        format!("{{ ($.eventName = CreateVpc) || ($.eventName = \"{}\") }}", "x".repeat(1100));
    inventory.filters.insert(GROUP.into(), Ok(vec![filter("Broken", &too_long)]));
    let findings = judge_default(&inventory);
    let reason = &finding(&findings, "CreateVpc").reason;
    assert!(reason.starts_with("filter Broken has a pattern AWS would reject"), "{reason}");
}

#[test]
fn field_selection_criteria_make_a_filter_uncertain() {
    let mut inventory = sound();
    let mut narrowed = filter("VpcChanges", "{ $.eventSource = ec2.amazonaws.com }");
    narrowed.field_selection = Some("$.awsRegion = \"us-east-1\"".into());
    inventory.filters.insert(GROUP.into(), Ok(vec![narrowed]));
    let findings = judge_default(&inventory);
    assert_eq!(findings.verdict, Verdict::Error);
    assert!(finding(&findings, "CreateVpc").reason.contains("fieldSelectionCriteria"));
}

#[test]
fn names_missed_by_every_filter_get_one_reason() {
    let mut inventory = sound();
    let filters =
        vec![filter("A", &compact(&["CreateVpc"])), filter("B", &compact(&["DeleteVpc"]))];
    inventory.filters.insert(GROUP.into(), Ok(filters));
    let findings = judge_default(&inventory);
    assert_eq!(finding(&findings, "CreateVpc").status, Status::Covered);
    assert_eq!(finding(&findings, "DeleteVpc").chain.filter.as_deref(), Some("B"));
    assert_eq!(
        finding(&findings, "CreateSubnet").reason,
        "none of the 2 metric filters on log group CloudTrail/Default matches CreateSubnet"
    );
}

#[test]
fn the_closest_chain_names_the_furthest_broken_link() {
    let mut inventory = sound();
    let mut disabled = fixtures::alarm();
    disabled.actions_enabled = false;
    inventory.alarms.insert(Place::new(ACCOUNT, REGION), Ok(vec![disabled]));
    let findings = judge_default(&inventory);
    let create = finding(&findings, "CreateVpc");
    assert_eq!(create.reason, "alarm VpcChangesAlarm has its actions disabled");
    assert_eq!(create.chain.filter.as_deref(), Some("VpcChanges"));
}

/// `sound()` with an alarm that notifies nobody itself, beside `others`.
fn silent_alarm_and(others: Vec<crate::inventory::Alarm>) -> Inventory {
    let mut inventory = sound();
    let silent = crate::inventory::Alarm { alarm_actions: Vec::new(), ..fixtures::alarm() };
    inventory.alarms.insert(Place::new(ACCOUNT, REGION), Ok([vec![silent], others].concat()));
    inventory
}

fn composite(name: &str, rule: &str) -> crate::inventory::Alarm {
    crate::inventory::Alarm {
        name: name.into(),
        alarm_rule: Some(rule.into()),
        actions_enabled: true,
        alarm_actions: vec![TOPIC.into()],
        ..Default::default()
    }
}

#[test]
fn an_alarm_reaches_a_person_through_a_composite_alarm_it_trips() {
    let inventory = silent_alarm_and(vec![composite("VpcAndIam", "ALARM(\"VpcChangesAlarm\")")]);
    let findings = judge_default(&inventory);
    assert_eq!(findings.verdict, Verdict::Pass, "{:?}", finding(&findings, "CreateVpc"));
    let create = finding(&findings, "CreateVpc");
    assert_eq!(
        create.reason,
        "filter VpcChanges > alarm VpcChangesAlarm > composite alarm VpcAndIam > topic vpc-alerts"
    );
    assert_eq!(create.chain.composite.as_deref(), Some("VpcAndIam"));
}

#[test]
fn nested_composites_are_followed_to_the_one_that_notifies() {
    let inner = crate::inventory::Alarm {
        alarm_actions: Vec::new(),
        ..composite("Inner", "ALARM(VpcChangesAlarm)")
    };
    let outer = composite("Outer", "ALARM(Inner) OR FALSE");
    let findings = judge_default(&silent_alarm_and(vec![inner, outer]));
    let create = finding(&findings, "CreateVpc");
    assert_eq!(create.status, Status::Covered, "{}", create.reason);
    assert_eq!(create.chain.composite.as_deref(), Some("Inner > Outer"));
}

#[test]
fn a_composite_that_needs_more_than_the_alarm_leaves_the_names_undecided() {
    let and = composite("VpcAndCpu", "ALARM(VpcChangesAlarm) AND ALARM(Cpu)");
    let findings = judge_default(&silent_alarm_and(vec![and]));
    assert_eq!(findings.verdict, Verdict::Error);
    let create = finding(&findings, "CreateVpc");
    assert_eq!(create.status, Status::Uncertain);
    assert!(create.reason.contains("composite alarm VpcAndCpu combines"), "{}", create.reason);
}

#[test]
fn a_composite_without_actions_still_tells_nobody() {
    let quiet = crate::inventory::Alarm {
        actions_enabled: false,
        ..composite("Quiet", "ALARM(VpcChangesAlarm)")
    };
    let findings = judge_default(&silent_alarm_and(vec![quiet]));
    assert_eq!(findings.verdict, Verdict::Fail);
    assert_eq!(finding(&findings, "CreateVpc").reason, "alarm Quiet has its actions disabled");
}

#[test]
fn a_threshold_one_event_cannot_reach_fails_even_through_a_composite() {
    let mut inventory = silent_alarm_and(vec![composite("Any", "ALARM(VpcChangesAlarm)")]);
    let Some(Ok(alarms)) = inventory.alarms.get_mut(&Place::new(ACCOUNT, REGION)) else {
        panic!("alarms")
    };
    alarms[0].threshold = Some(5.0);
    let findings = judge_default(&inventory);
    assert_eq!(findings.verdict, Verdict::Fail);
    assert!(finding(&findings, "CreateVpc").reason.contains("needs Sum >= 5"));
}

#[test]
fn a_topic_encrypted_with_the_aws_managed_key_cannot_be_published_to() {
    let mut inventory = sound();
    inventory.topic_keys.insert(TOPIC.into(), Ok(Some("alias/aws/sns".into())));
    let findings = judge_default(&inventory);
    assert_eq!(findings.verdict, Verdict::Fail);
    let create = finding(&findings, "CreateVpc");
    assert!(
        create.reason.starts_with(
            "topic vpc-alerts is encrypted with the AWS managed key alias/aws/sns, which \
             CloudWatch cannot use"
        ),
        "{}",
        create.reason
    );

    let arn = "arn:aws:kms:us-east-1:123456789012:alias/aws/sns";
    inventory.topic_keys.insert(TOPIC.into(), Ok(Some(arn.into())));
    assert_eq!(judge_default(&inventory).verdict, Verdict::Fail, "the alias as an ARN");

    let own_key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    inventory.topic_keys.insert(TOPIC.into(), Ok(Some(own_key.into())));
    assert_eq!(judge_default(&inventory).verdict, Verdict::Pass);
}

#[test]
fn an_unread_topic_key_leaves_the_names_undecided_and_is_listed() {
    let mut inventory = sound();
    let denied = denied("sns:GetTopicAttributes", &format!("topic {TOPIC}"));
    inventory.topic_keys.insert(TOPIC.into(), Err(denied.clone()));
    let findings = judge_default(&inventory);
    assert_eq!(findings.verdict, Verdict::Error);
    assert_eq!(finding(&findings, "CreateVpc").reason, denied.to_string());
    assert!(findings.errors.contains(&denied), "{:?}", findings.errors);
}

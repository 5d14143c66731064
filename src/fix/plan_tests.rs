//! Planning on hand-built inventories: which trail, which writes, what is kept, and every
//! refusal.

use std::collections::BTreeMap;

use super::*;
use crate::events::EventSet;
use crate::fix::{filter_name, FILTER_BASE};
use crate::inventory::{MetricTransformation, Place, Trail};

const ACCOUNT: &str = "123456789012";
const REGION: &str = "us-east-1";
const GROUP_ARN: &str = "arn:aws:logs:us-east-1:123456789012:log-group:CloudTrail/Default";
const OWN_TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:vpcwatch-vpc-changes";

fn trail(name: &str, multi_region: bool) -> Trail {
    Trail {
        name: name.into(),
        arn: format!("arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/{name}"),
        home_region: REGION.into(),
        is_multi_region: multi_region,
        log_group: LogGroupRef::from_arn(GROUP_ARN),
        status: Ok(crate::inventory::TrailStatus { is_logging: true, ..Default::default() }),
        ..Trail::default()
    }
}

fn inventory(filters: Vec<MetricFilter>, alarms: Vec<Alarm>) -> Inventory {
    Inventory {
        account_id: ACCOUNT.into(),
        region: REGION.into(),
        trails: Ok(vec![trail("management-events", true)]),
        filters: BTreeMap::from([(GROUP_ARN.to_string(), Ok(filters))]),
        alarms: BTreeMap::from([(Place::new(ACCOUNT, REGION), Ok(alarms))]),
        subscriptions: BTreeMap::new(),
        topic_keys: BTreeMap::new(),
    }
}

fn filter(name: &str, pattern: &str, namespace: &str, metric: &str) -> MetricFilter {
    MetricFilter {
        name: name.into(),
        pattern: pattern.into(),
        transformations: vec![MetricTransformation {
            namespace: namespace.into(),
            name: metric.into(),
            value: "1".into(),
            default_value: None,
            unit: None,
            dimensions: BTreeMap::new(),
        }],
        ..MetricFilter::default()
    }
}

fn own_filter(index: usize, names: &[&str]) -> MetricFilter {
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    let pattern = patterns::compact(&names);
    filter(&filter_name(index), &pattern, METRIC_NAMESPACE, METRIC_NAME)
}

fn own_alarm(topic: &str) -> Alarm {
    Alarm {
        name: ALARM_NAME.into(),
        namespace: Some(METRIC_NAMESPACE.into()),
        metric_name: Some(METRIC_NAME.into()),
        statistic: Some("Sum".into()),
        comparison: Some("GreaterThanOrEqualToThreshold".into()),
        threshold: Some(1.0),
        evaluation_periods: Some(1),
        datapoints_to_alarm: Some(1),
        actions_enabled: true,
        alarm_actions: vec![topic.into()],
        ..Alarm::default()
    }
}

fn options() -> Options {
    Options { email: "a@example.com".into(), topic_arn: None }
}

fn no_topic() -> TopicState {
    TopicState { arn: OWN_TOPIC.into(), exists: false, kms_key: None, subscriptions: vec![] }
}

fn subscribed_topic() -> TopicState {
    let sub = Subscription {
        arn: format!("{OWN_TOPIC}:1"),
        protocol: "email".into(),
        endpoint: "a@example.com".into(),
    };
    TopicState { arn: OWN_TOPIC.into(), exists: true, kms_key: None, subscriptions: vec![sub] }
}

/// Judges the inventory with the default set and plans with `topic`.
fn planned(inventory: &Inventory, topic: &TopicState) -> Result<Plan, Refusal> {
    let findings = chain::judge(inventory, &EventSet::default_set());
    match target(inventory, &findings)? {
        Need::Cover(target) => plan(inventory, &target, &options(), topic),
        Need::Nothing { .. } => Err(Refusal("nothing to do".into())),
    }
}

fn kinds(plan: &Plan) -> Vec<&'static str> {
    plan.actions
        .iter()
        .map(|a| match a {
            Action::CreateTopic { .. } => "topic",
            Action::Subscribe { .. } => "subscribe",
            Action::PutFilter(_) => "filter",
            Action::PutAlarm(_) => "alarm",
        })
        .collect()
}

#[test]
fn an_empty_log_group_gets_the_whole_chain_in_write_order() {
    let plan = planned(&inventory(vec![], vec![]), &no_topic()).unwrap();
    assert_eq!(kinds(&plan), ["topic", "subscribe", "filter", "alarm"]);
    assert_eq!(plan.names.len(), 30);
    let Action::PutFilter(spec) = &plan.actions[2] else { panic!("a filter") };
    assert_eq!(spec.name, format!("{FILTER_BASE}-1"));
    assert_eq!(spec.pattern.len(), 990);
    assert!(!spec.replaces);
    assert_eq!(plan.log_group.arn, GROUP_ARN);
}

#[test]
fn our_complete_chain_is_kept_and_plans_nothing() {
    let names: Vec<String> = EventSet::default_set().names().map(str::to_string).collect();
    let ours = filter(&filter_name(1), &patterns::compact(&names), METRIC_NAMESPACE, METRIC_NAME);
    let mut inv = inventory(vec![ours], vec![own_alarm(OWN_TOPIC)]);
    // the check does not see our topic's subscriptions: a name still counts as uncovered
    inv.subscriptions.insert(OWN_TOPIC.into(), Ok(vec![]));
    let plan = planned(&inv, &subscribed_topic()).unwrap();
    assert!(plan.is_empty(), "{:?}", plan.actions);
    assert_eq!(plan.kept.len(), 4, "{:?}", plan.kept);
}

#[test]
fn our_filter_grows_to_the_union_and_is_rewritten() {
    let ours = own_filter(1, &["ModifyVpcAttribute", "CreateVpc"]);
    let plan = planned(&inventory(vec![ours], vec![]), &subscribed_topic()).unwrap();
    assert_eq!(kinds(&plan), ["filter", "alarm"]);
    let Action::PutFilter(spec) = &plan.actions[0] else { panic!("a filter") };
    assert!(spec.replaces);
    assert_eq!(spec.names[..2], ["ModifyVpcAttribute".to_string(), "CreateVpc".to_string()]);
    assert_eq!(spec.names.len(), 31);
}

#[test]
fn a_same_named_filter_of_someone_else_is_refused() {
    let theirs = filter(&filter_name(1), "{ $.eventName = CreateVpc }", "Theirs", "Count");
    let refusal = planned(&inventory(vec![theirs], vec![]), &no_topic()).unwrap_err();
    assert!(refusal.0.contains("already has a metric filter named vpcwatch-vpc-changes-1"));
}

#[test]
fn an_edited_filter_on_our_metric_is_refused() {
    let edited =
        filter(&filter_name(1), "{ $.eventName = Create* }", METRIC_NAMESPACE, METRIC_NAME);
    let refusal = planned(&inventory(vec![edited], vec![]), &no_topic()).unwrap_err();
    assert!(refusal.0.contains("not one vpcwatch writes"), "{refusal}");
}

#[test]
fn an_alarm_of_our_name_on_another_metric_is_refused() {
    let mut theirs = own_alarm(OWN_TOPIC);
    theirs.namespace = Some("Theirs".into());
    let refusal = planned(&inventory(vec![], vec![theirs]), &no_topic()).unwrap_err();
    assert!(refusal.0.contains("an alarm named vpcwatch-vpc-changes"), "{refusal}");
}

#[test]
fn our_alarm_with_actions_disabled_is_rewritten_keeping_its_topics() {
    let mut ours = own_alarm("arn:aws:sns:us-east-1:123456789012:other");
    ours.actions_enabled = false;
    let plan = planned(&inventory(vec![], vec![ours]), &subscribed_topic()).unwrap();
    let Some(Action::PutAlarm(spec)) = plan.actions.last() else { panic!("an alarm") };
    assert!(spec.replaces);
    assert_eq!(spec.actions, ["arn:aws:sns:us-east-1:123456789012:other", OWN_TOPIC]);
}

#[test]
fn our_alarm_that_would_not_rest_or_see_events_is_rewritten() {
    let units = [("breaching", None), ("ignore", None), ("notBreaching", Some("Count"))];
    for (treat, unit) in units {
        let mut ours = own_alarm(OWN_TOPIC);
        ours.treat_missing_data = Some(treat.into());
        ours.unit = unit.map(str::to_string);
        let plan = planned(&inventory(vec![], vec![ours]), &subscribed_topic()).unwrap();
        let Some(Action::PutAlarm(spec)) = plan.actions.last() else { panic!("{treat}") };
        assert!(spec.replaces, "{treat}");
    }
}

#[test]
fn our_filter_with_a_default_value_is_rewritten_without_one() {
    let names: Vec<String> = EventSet::default_set().names().map(str::to_string).collect();
    let mut ours =
        filter(&filter_name(1), &patterns::compact(&names), METRIC_NAMESPACE, METRIC_NAME);
    ours.transformations[0].default_value = Some(1.0);
    let plan =
        planned(&inventory(vec![ours], vec![own_alarm(OWN_TOPIC)]), &subscribed_topic()).unwrap();
    assert_eq!(kinds(&plan), ["filter"], "{:?}", plan.actions);
    let Action::PutFilter(spec) = &plan.actions[0] else { panic!("a filter") };
    assert!(spec.replaces);
    assert_eq!(spec.names.len(), 30);
}

#[test]
fn a_topic_encrypted_with_the_aws_managed_key_is_refused() {
    let mut topic = subscribed_topic();
    topic.kms_key = Some("alias/aws/sns".into());
    let refusal = planned(&inventory(vec![], vec![]), &topic).unwrap_err();
    assert!(refusal.0.starts_with("nothing was created: topic"), "{refusal}");
    assert!(refusal.0.contains("AWS managed key alias/aws/sns"), "{refusal}");
    topic.kms_key = Some("arn:aws:kms:us-east-1:123456789012:key/1234".into());
    assert!(planned(&inventory(vec![], vec![]), &topic).is_ok());
}

#[test]
fn a_multi_region_trail_is_preferred() {
    let mut inv = inventory(vec![], vec![]);
    inv.trails = Ok(vec![trail("a-single", false), trail("z-multi", true)]);
    let findings = chain::judge(&inv, &EventSet::default_set());
    let Ok(Need::Cover(target)) = target(&inv, &findings) else { panic!("a target") };
    assert_eq!(target.trail, "z-multi");
}

#[test]
fn no_qualifying_trail_is_refused_with_the_checks_reason() {
    let mut inv = inventory(vec![], vec![]);
    let mut stopped = trail("management-events", true);
    stopped.status = Ok(crate::inventory::TrailStatus::default());
    inv.trails = Ok(vec![stopped]);
    let findings = chain::judge(&inv, &EventSet::default_set());
    let refusal = target(&inv, &findings).unwrap_err();
    assert!(refusal.0.contains("trail management-events is not logging"), "{refusal}");

    inv.trails = Ok(vec![]);
    let findings = chain::judge(&inv, &EventSet::default_set());
    let refusal = target(&inv, &findings).unwrap_err();
    assert!(refusal.0.contains("no CloudTrail trail records us-east-1"), "{refusal}");
}

#[test]
fn a_topic_in_another_region_or_missing_is_refused() {
    let inv = inventory(vec![], vec![]);
    let findings = chain::judge(&inv, &EventSet::default_set());
    let Ok(Need::Cover(target)) = target(&inv, &findings) else { panic!("a target") };
    let elsewhere = "arn:aws:sns:eu-west-1:123456789012:alerts".to_string();
    let opts = Options { topic_arn: Some(elsewhere.clone()), ..options() };
    let topic = TopicState { arn: elsewhere, exists: true, kms_key: None, subscriptions: vec![] };
    assert!(plan(&inv, &target, &opts, &topic).unwrap_err().0.contains("is in eu-west-1"));

    let missing = "arn:aws:sns:us-east-1:123456789012:gone".to_string();
    let opts = Options { topic_arn: Some(missing.clone()), ..options() };
    let topic = TopicState { arn: missing, exists: false, kms_key: None, subscriptions: vec![] };
    assert!(plan(&inv, &target, &opts, &topic).unwrap_err().0.contains("does not exist"));
}

#[test]
fn the_own_topic_arn_follows_the_log_group() {
    let inv = inventory(vec![], vec![]);
    let findings = chain::judge(&inv, &EventSet::default_set());
    let Ok(Need::Cover(target)) = target(&inv, &findings) else { panic!("a target") };
    assert_eq!(target.own_topic_arn(), OWN_TOPIC);
}

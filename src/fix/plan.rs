//! Fix planning, pure: from the check's inventory and findings to the smallest set of
//! writes of vpcwatch's own resources that covers every name not yet covered. No AWS
//! call, no printing, no SDK type.
//!
//! Planning runs in two steps, because one fact comes from AWS between them: [`target`]
//! picks the names and the log group to cover them on; the caller then reads the SNS
//! topic (vpcwatch's own or `--topic-arn`) in that log group's region; [`plan`] decides
//! each resource: created, rewritten (only vpcwatch's own), or kept as it is.

use std::collections::BTreeSet;

use crate::chain::{self, Findings, NameFinding, Status};
use crate::inventory::{arn_field, Alarm, Inventory, LogGroupRef, MetricFilter, Subscription};
use crate::records::RecordContext;

use super::{patterns, ALARM_NAME, METRIC_NAME, METRIC_NAMESPACE, TOPIC_NAME};

/// Why `fix` will not write anything; one line for the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Refusal(pub String);

/// What the check leaves to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Need {
    /// Every name is covered, or waits only for a subscription to be confirmed.
    Nothing { awaiting: Vec<Awaiting> },
    /// These names need a chain, on this log group.
    Cover(Target),
}

/// Names whose chain is complete but for the confirmation of a subscription to `topic`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Awaiting {
    pub topic: String,
    pub names: usize,
}

/// The names to cover and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The trail whose log group carries the fix.
    pub trail: String,
    pub log_group: LogGroupRef,
    /// The name of the event set.
    pub events: String,
    /// The names not covered, in the event set's order.
    pub names: Vec<String>,
    pub awaiting: Vec<Awaiting>,
}

impl Target {
    /// The ARN of vpcwatch's own topic in the log group's account and region.
    pub fn own_topic_arn(&self) -> String {
        let partition = arn_field(&self.log_group.arn, 1).unwrap_or("aws");
        let group = &self.log_group;
        format!("arn:{partition}:sns:{}:{}:{TOPIC_NAME}", group.region, group.account_id)
    }
}

/// The SNS topic the alarm will notify, as read from AWS before planning.
#[derive(Debug, Clone, PartialEq)]
pub struct TopicState {
    pub arn: String,
    pub exists: bool,
    /// The KMS key that encrypts it, when it exists and is encrypted.
    pub kms_key: Option<String>,
    /// Its subscriptions, when it exists.
    pub subscriptions: Vec<Subscription>,
}

/// The user's choices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    pub email: String,
    /// An existing topic to notify instead of vpcwatch's own.
    pub topic_arn: Option<String>,
}

/// Every write `fix` will make, in the order it makes them, and what it leaves alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The audited account and region.
    pub account_id: String,
    pub region: String,
    pub events: String,
    pub trail: String,
    /// Where every resource goes: the log group's own account and region.
    pub log_group: LogGroupRef,
    /// The names the plan covers.
    pub names: Vec<String>,
    pub topic_arn: String,
    pub email: String,
    /// Writes in order: topic, subscription, filters, alarm, so that an interruption
    /// leaves no alarm pointing at nothing.
    pub actions: Vec<Action>,
    /// vpcwatch's own resources already right, left as they are.
    pub kept: Vec<String>,
    pub awaiting: Vec<Awaiting>,
}

impl Plan {
    /// True when there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }

    /// The short name of the topic.
    pub fn topic_name(&self) -> &str {
        self.topic_arn.rsplit(':').next().unwrap_or(&self.topic_arn)
    }
}

/// One write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// `sns:CreateTopic`, idempotent for the same name.
    CreateTopic { name: String },
    /// `sns:Subscribe` of an email address.
    Subscribe { topic_arn: String, email: String },
    /// `logs:PutMetricFilter`.
    PutFilter(FilterSpec),
    /// `cloudwatch:PutMetricAlarm`.
    PutAlarm(AlarmSpec),
}

/// A metric filter to create, or (only vpcwatch's own) to rewrite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterSpec {
    pub name: String,
    pub pattern: String,
    /// The names its pattern matches.
    pub names: Vec<String>,
    /// True when vpcwatch's own filter of that name is rewritten.
    pub replaces: bool,
}

/// The alarm to create, or (only vpcwatch's own) to rewrite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlarmSpec {
    pub name: String,
    /// The SNS topics it notifies.
    pub actions: Vec<String>,
    pub replaces: bool,
}

/// Step one: which names need a chain, and the log group of the best qualifying trail.
pub fn target(inventory: &Inventory, findings: &Findings) -> Result<Need, Refusal> {
    let awaiting = awaiting(&findings.names);
    let mut names: Vec<String> = Vec::new();
    let wanted = findings.names.iter().filter(|n| n.status != Status::Covered);
    for finding in wanted.filter(|n| !n.is_awaiting_confirmation()) {
        // A name in several groups (`--events default,cis`) is covered once.
        if !names.contains(&finding.name) {
            names.push(finding.name.clone());
        }
    }
    if names.is_empty() {
        return Ok(Need::Nothing { awaiting });
    }
    let trails = inventory.trails.as_ref().map_err(|e| Refusal(e.to_string()))?;
    let qualifying = trails.iter().filter(|t| {
        let owned = t.log_group.as_ref().is_some_and(|g| g.account_id == inventory.account_id);
        owned && names.iter().all(|n| trail_holds(inventory, t, n))
    });
    let best = qualifying.min_by_key(|t| (!t.is_multi_region, t.name.clone()));
    let Some(trail) = best else {
        return Err(no_trail(inventory, findings, &names));
    };
    let log_group = trail.log_group.clone().expect("a qualifying trail has a log group");
    let trail = trail.name.clone();
    let events = findings.events.clone();
    Ok(Need::Cover(Target { trail, log_group, events, names, awaiting }))
}

fn trail_holds(inventory: &Inventory, trail: &crate::inventory::Trail, name: &str) -> bool {
    chain::trail_link(trail, name, &inventory.account_id, &inventory.region).is_ok()
}

/// Names awaiting confirmation, counted per topic.
fn awaiting(names: &[NameFinding]) -> Vec<Awaiting> {
    let mut out: Vec<Awaiting> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let waiting = names.iter().filter(|n| n.is_awaiting_confirmation());
    for finding in waiting.filter(|n| seen.insert(n.name.as_str())) {
        let topic = finding.chain.topic.clone().unwrap_or_default();
        match out.iter_mut().find(|a| a.topic == topic) {
            Some(entry) => entry.names += 1,
            None => out.push(Awaiting { topic, names: 1 }),
        }
    }
    out
}

/// What is missing for a fix, in the check's words.
fn no_trail(inventory: &Inventory, findings: &Findings, names: &[String]) -> Refusal {
    let trails = inventory.trails.as_deref().unwrap_or_default();
    let mut reasons: Vec<String> = trails
        .iter()
        .filter(|t| t.log_group.is_some())
        .filter_map(|t| {
            let failing = names
                .iter()
                .map(|n| chain::trail_link(t, n, &inventory.account_id, &inventory.region).err());
            failing.flatten().next().map(|broken| broken.reason)
        })
        .collect();
    if reasons.is_empty() {
        let first = findings.names.iter().find(|n| n.status != Status::Covered);
        reasons.extend(first.map(|n| n.reason.clone()));
    }
    reasons.dedup();
    Refusal(format!(
        "nothing was created: {}; fix needs a logging trail that records write management \
         events of {} and delivers them to a CloudWatch Logs group of account {}",
        reasons.join("; "),
        inventory.region,
        inventory.account_id
    ))
}

/// Step two: every resource of the chain for `target`, created, rewritten or kept.
pub fn plan(
    inventory: &Inventory,
    target: &Target,
    options: &Options,
    topic: &TopicState,
) -> Result<Plan, Refusal> {
    let group = &target.log_group;
    if let Some(arn) = &options.topic_arn {
        refuse_foreign_topic(arn, group, topic)?;
    }
    refuse_unpublishable_topic(topic)?;
    let mut plan = Plan {
        account_id: inventory.account_id.clone(),
        region: inventory.region.clone(),
        events: target.events.clone(),
        trail: target.trail.clone(),
        log_group: group.clone(),
        names: target.names.clone(),
        topic_arn: topic.arn.clone(),
        email: options.email.clone(),
        actions: Vec::new(),
        kept: Vec::new(),
        awaiting: target.awaiting.clone(),
    };
    plan_topic(&mut plan, options, topic);
    let filters = match inventory.filters.get(&group.arn) {
        Some(Ok(filters)) => filters.as_slice(),
        Some(Err(err)) => return Err(Refusal(format!("cannot plan: {err}"))),
        None => &[],
    };
    plan_filters(&mut plan, filters, &target.names, &inventory.account_id)?;
    let alarms = match inventory.alarms.get(&group.place()) {
        Some(Ok(alarms)) => alarms.as_slice(),
        Some(Err(err)) => return Err(Refusal(format!("cannot plan: {err}"))),
        None => &[],
    };
    plan_alarm(&mut plan, alarms)?;
    Ok(plan)
}

/// A topic of `--topic-arn` must exist and be in the log group's region, where the alarm
/// is: CloudWatch alarms notify topics of their own region only.
fn refuse_foreign_topic(arn: &str, group: &LogGroupRef, topic: &TopicState) -> Result<(), Refusal> {
    let region = arn_field(arn, 3).unwrap_or_default();
    if region != group.region {
        return Err(Refusal(format!(
            "topic {arn} is in {region}, but the alarm must be in {}, the region of log group \
             {}; name a topic of {} or leave out --topic-arn",
            group.region, group.name, group.region
        )));
    }
    if !topic.exists {
        return Err(Refusal(format!("topic {arn} does not exist (sns:GetTopicAttributes)")));
    }
    Ok(())
}

/// An alarm cannot publish to a topic encrypted with the AWS managed key of SNS.
fn refuse_unpublishable_topic(topic: &TopicState) -> Result<(), Refusal> {
    match &topic.kms_key {
        Some(key) if crate::inventory::is_aws_managed_sns_key(key) => Err(Refusal(format!(
            "nothing was created: topic {} is encrypted with the AWS managed key {key}, which \
             CloudWatch cannot use; encrypt it with a customer managed key whose policy allows \
             cloudwatch.amazonaws.com, or name another topic",
            topic.arn
        ))),
        _ => Ok(()),
    }
}

fn plan_topic(plan: &mut Plan, options: &Options, topic: &TopicState) {
    let name = plan.topic_name().to_string();
    if !topic.exists {
        plan.actions.push(Action::CreateTopic { name: name.clone() });
    } else if options.topic_arn.is_none() {
        plan.kept.push(format!("SNS topic {name}"));
    }
    let subscribed = topic
        .subscriptions
        .iter()
        .find(|s| s.protocol == "email" && s.endpoint.eq_ignore_ascii_case(&options.email));
    match subscribed {
        Some(sub) => {
            let state = if sub.is_confirmed() { "confirmed" } else { "pending confirmation" };
            plan.kept.push(format!("subscription of {} to topic {name} ({state})", sub.endpoint));
        }
        None => plan
            .actions
            .push(Action::Subscribe { topic_arn: topic.arn.clone(), email: options.email.clone() }),
    }
}

/// Is this one of vpcwatch's filters: our name and our metric.
fn is_own_filter(filter: &MetricFilter) -> bool {
    filter.name.starts_with(super::FILTER_BASE) && publishes_own_metric(filter)
}

/// True when the filter publishes nothing for the log events it does not match, as
/// vpcwatch writes its filters: a default value can keep the alarm from resting.
pub(super) fn publishes_per_match_only(filter: &MetricFilter) -> bool {
    filter.transformations.iter().all(|t| t.default_value.is_none())
}

pub(super) fn publishes_own_metric(filter: &MetricFilter) -> bool {
    matches!(filter.transformations.as_slice(),
        [t] if t.namespace == METRIC_NAMESPACE && t.name == METRIC_NAME && t.dimensions.is_empty())
}

/// Our filters grow to cover (names ours cover) ∪ (names now uncovered); a filter whose
/// names do not change is kept, so a second run (or one after an interruption) does not
/// rewrite it.
fn plan_filters(
    plan: &mut Plan,
    filters: &[MetricFilter],
    names: &[String],
    account_id: &str,
) -> Result<(), Refusal> {
    let own = own_filter_names(filters)?;
    let covered: BTreeSet<&String> = own.iter().flat_map(|(_, n)| n.iter()).collect();
    let missing: Vec<String> = names.iter().filter(|n| !covered.contains(n)).cloned().collect();
    let as_written = filters.iter().filter(|f| is_own_filter(f)).all(publishes_per_match_only);
    if missing.is_empty() && as_written {
        plan.kept.extend(own.iter().map(|(name, _)| format!("metric filter {name}")));
        return Ok(());
    }
    let mut wanted: Vec<String> = Vec::new();
    for name in own.iter().flat_map(|(_, n)| n.iter()).chain(&missing) {
        if !wanted.contains(name) {
            wanted.push(name.clone());
        }
    }
    let ctx = RecordContext::new(account_id, &plan.log_group.region);
    for (index, chunk) in patterns::chunk(&wanted).into_iter().enumerate() {
        let name = super::filter_name(index + 1);
        refuse_taken_filter(filters, &name, &plan.log_group)?;
        let existing = own.iter().find(|(n, _)| *n == name);
        let same = existing.is_some_and(|(_, have)| same_names(have, &chunk))
            && filters.iter().filter(|f| f.name == name).all(publishes_per_match_only);
        if same {
            plan.kept.push(format!("metric filter {name}"));
            continue;
        }
        let pattern = patterns::compact(&chunk);
        patterns::verify(&pattern, &chunk, &ctx)
            .map_err(|why| Refusal(format!("internal error: filter {name}: {why}")))?;
        let replaces = existing.is_some();
        plan.actions.push(Action::PutFilter(FilterSpec { name, pattern, names: chunk, replaces }));
    }
    Ok(())
}

/// vpcwatch's filters on the log group and the names each covers, by filter name (moto
/// keeps duplicates of one name; their names are merged). A filter that publishes to our
/// metric with a pattern vpcwatch does not write is refused: it cannot be grown safely.
fn own_filter_names(filters: &[MetricFilter]) -> Result<Vec<(String, Vec<String>)>, Refusal> {
    let mut own: Vec<(String, Vec<String>)> = Vec::new();
    for filter in filters.iter().filter(|f| is_own_filter(f)) {
        let names = patterns::own_names(&filter.pattern).ok_or_else(|| {
            Refusal(format!(
                "filter {} publishes to {METRIC_NAMESPACE}/{METRIC_NAME} but its pattern is not \
                 one vpcwatch writes; rename or delete it, then run fix again",
                filter.name
            ))
        })?;
        match own.iter_mut().find(|(n, _)| *n == filter.name) {
            Some((_, have)) => {
                for name in names {
                    if !have.contains(&name) {
                        have.push(name);
                    }
                }
            }
            None => own.push((filter.name.clone(), names)),
        }
    }
    own.sort_by_key(|(name, _)| natural(name));
    Ok(own)
}

/// Orders `vpcwatch-vpc-changes-2` before `-10`.
fn natural(name: &str) -> (usize, String) {
    let index = name.rsplit('-').next().and_then(|n| n.parse().ok()).unwrap_or(usize::MAX);
    (index, name.to_string())
}

fn same_names(have: &[String], want: &[String]) -> bool {
    let have: BTreeSet<&String> = have.iter().collect();
    let want: BTreeSet<&String> = want.iter().collect();
    have == want
}

/// PutMetricFilter silently replaces a filter of the same name: a filter with our name
/// that publishes to another metric is someone else's, and is never overwritten.
fn refuse_taken_filter(
    filters: &[MetricFilter],
    name: &str,
    group: &LogGroupRef,
) -> Result<(), Refusal> {
    match filters.iter().find(|f| f.name == name && !publishes_own_metric(f)) {
        Some(_) => Err(Refusal(format!(
            "nothing was created: log group {} in {} already has a metric filter named {name} \
             that publishes to another metric; vpcwatch will not overwrite it (rename it, or \
             it is not vpcwatch's)",
            group.name, group.region
        ))),
        None => Ok(()),
    }
}

/// The alarm on our metric, notifying the plan's topic; kept when ours and right.
fn plan_alarm(plan: &mut Plan, alarms: &[Alarm]) -> Result<(), Refusal> {
    let existing = alarms.iter().find(|a| a.name == ALARM_NAME);
    if let Some(alarm) = existing.filter(|a| !watches_own_metric(a)) {
        return Err(Refusal(format!(
            "nothing was created: an alarm named {} in {} already watches another metric; \
             vpcwatch will not overwrite it",
            alarm.name, plan.log_group.region
        )));
    }
    if existing.is_some_and(|a| is_right(a, &plan.topic_arn)) {
        plan.kept.push(format!("alarm {ALARM_NAME}"));
        return Ok(());
    }
    let mut actions: Vec<String> = existing
        .map(|a| a.alarm_actions.iter().filter(|t| t.contains(":sns:")).cloned().collect())
        .unwrap_or_default();
    if !actions.contains(&plan.topic_arn) {
        actions.push(plan.topic_arn.clone());
    }
    let replaces = existing.is_some();
    plan.actions.push(Action::PutAlarm(AlarmSpec { name: ALARM_NAME.into(), actions, replaces }));
    Ok(())
}

pub(super) fn watches_own_metric(alarm: &Alarm) -> bool {
    alarm.namespace.as_deref() == Some(METRIC_NAMESPACE)
        && alarm.metric_name.as_deref() == Some(METRIC_NAME)
        && alarm.dimensions.is_empty()
}

/// Our alarm as `fix` writes it: one event in one period alarms, and notifies the topic.
pub(super) fn is_right(alarm: &Alarm, topic_arn: &str) -> bool {
    alarm.actions_enabled
        && alarm.alarm_actions.iter().any(|a| a == topic_arn)
        && alarm.statistic.as_deref() == Some("Sum")
        && alarm.comparison.as_deref() == Some("GreaterThanOrEqualToThreshold")
        && alarm.threshold == Some(1.0)
        && alarm.evaluation_periods == Some(1)
        && alarm.datapoints_to_alarm.unwrap_or(1) == 1
        && matches!(alarm.treat_missing_data.as_deref(), None | Some("missing" | "notBreaching"))
        && alarm.unit.is_none()
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;

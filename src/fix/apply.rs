//! The SDK side of `fix`: the reads a plan needs beyond the inventory (the topic, and
//! AWS's own opinion of each pattern), and the writes, each logged before it is sent and
//! classified like a failed read, naming the IAM action, the resource and the region.

use aws_sdk_cloudwatch::types::{ComparisonOperator, Statistic};
use aws_sdk_cloudwatchlogs::types::MetricTransformation;

use crate::aws::read_error;
use crate::discover::{self, Aws};
use crate::inventory::{arn_field, ErrorKind, ReadError};
use crate::records::{self, Caller, RecordContext};

use super::plan::{Action, AlarmSpec, FilterSpec, Plan, TopicState};
use super::{text, ALARM_DESCRIPTION, ALARM_PERIOD_SECONDS, METRIC_NAME, METRIC_NAMESPACE};

/// TestMetricFilter takes at most 50 messages a call.
const TEST_BATCH: usize = 50;

/// Reads the topic `arn`: whether it exists (`sns:GetTopicAttributes`) and, if so, its
/// subscriptions.
pub async fn read_topic(aws: &Aws, arn: &str) -> Result<TopicState, ReadError> {
    let region = arn_field(arn, 3).unwrap_or_default();
    let client = aws.sns(region);
    aws.record("sns:GetTopicAttributes", region);
    let reply = client.get_topic_attributes().topic_arn(arn).send().await;
    match reply {
        Ok(_) => {}
        Err(err) => {
            let read = read_error(&err, "sns:GetTopicAttributes", format!("topic {arn}"), region);
            if read.kind == ErrorKind::NotFound {
                let topic = TopicState { arn: arn.into(), exists: false, subscriptions: vec![] };
                return Ok(topic);
            }
            return Err(read);
        }
    }
    let subscriptions = discover::subscriptions_of(aws, arn).await?;
    Ok(TopicState { arn: arn.to_string(), exists: true, subscriptions })
}

/// Asks AWS (`logs:TestMetricFilter`) whether each planned pattern matches the record of
/// each of its names. Where the call is not available vpcwatch's own verification stands:
/// a denial is a warning that names the action to allow, any other failure (the emulator
/// answers 500) is logged at debug level. An answer that misses a name is an error.
pub async fn confirm_patterns(aws: &Aws, plan: &Plan) -> anyhow::Result<()> {
    let ctx = RecordContext::new(&plan.log_group.account_id, &plan.log_group.region);
    for action in &plan.actions {
        if let Action::PutFilter(filter) = action {
            confirm_pattern(aws, plan, filter, &ctx).await?;
        }
    }
    Ok(())
}

async fn confirm_pattern(
    aws: &Aws,
    plan: &Plan,
    filter: &FilterSpec,
    ctx: &RecordContext,
) -> anyhow::Result<()> {
    let region = &plan.log_group.region;
    let client = aws.logs(region);
    for names in filter.names.chunks(TEST_BATCH) {
        let messages: Vec<String> =
            names.iter().map(|n| records::record(n, Caller::IamUser, ctx)).collect();
        aws.record("logs:TestMetricFilter", region);
        let reply = client
            .test_metric_filter()
            .filter_pattern(&filter.pattern)
            .set_log_event_messages(Some(messages))
            .send()
            .await;
        let reply = match reply {
            Ok(reply) => reply,
            Err(err) => {
                let why = read_error(&err, "logs:TestMetricFilter", "a pattern", region);
                if why.kind == ErrorKind::AccessDenied {
                    tracing::warn!(
                        "logs:TestMetricFilter denied in {region}: the pattern of filter {} is \
                         checked by vpcwatch alone (allow logs:TestMetricFilter to have AWS \
                         check it too)",
                        filter.name
                    );
                } else {
                    tracing::debug!(filter = %filter.name, error = %why,
                        "logs:TestMetricFilter not available; the pattern engine's check stands");
                }
                return Ok(());
            }
        };
        let matched: Vec<i64> = reply.matches().iter().map(|m| m.event_number()).collect();
        let missed = (1..=names.len() as i64).find(|n| !matched.contains(n));
        if let Some(n) = missed {
            anyhow::bail!(
                "nothing was written: logs:TestMetricFilter in {region} says pattern of filter {} \
                 does not match the record of {}",
                filter.name,
                names[(n - 1) as usize]
            );
        }
    }
    tracing::debug!(filter = %filter.name, "logs:TestMetricFilter confirmed the pattern");
    Ok(())
}

/// A write that failed, and the writes done before it.
#[derive(Debug)]
pub struct Failed {
    pub done: Vec<Action>,
    pub error: ReadError,
}

/// Makes every write of the plan in order; stops at the first failure.
pub async fn apply(aws: &Aws, plan: &Plan) -> Result<Vec<Action>, Failed> {
    let mut done: Vec<Action> = Vec::new();
    let mut topic_arn = plan.topic_arn.clone();
    for action in &plan.actions {
        tracing::info!(region = %plan.log_group.region, "{}", text::describe(action, plan));
        let result = match action {
            Action::CreateTopic { name } => create_topic(aws, plan, name).await.map(|arn| {
                topic_arn = arn;
            }),
            Action::Subscribe { email, .. } => subscribe(aws, plan, &topic_arn, email).await,
            Action::PutFilter(filter) => put_filter(aws, plan, filter).await,
            Action::PutAlarm(alarm) => put_alarm(aws, plan, alarm, &topic_arn).await,
        };
        match result {
            Ok(()) => done.push(action.clone()),
            Err(error) => return Err(Failed { done, error }),
        }
    }
    Ok(done)
}

async fn create_topic(aws: &Aws, plan: &Plan, name: &str) -> Result<String, ReadError> {
    let region = &plan.log_group.region;
    aws.record("sns:CreateTopic", region);
    let reply = aws.sns(region).create_topic().name(name).send().await;
    let reply =
        reply.map_err(|e| read_error(&e, "sns:CreateTopic", format!("topic {name}"), region))?;
    Ok(reply.topic_arn().map(str::to_string).unwrap_or_else(|| plan.topic_arn.clone()))
}

async fn subscribe(aws: &Aws, plan: &Plan, topic: &str, email: &str) -> Result<(), ReadError> {
    let region = &plan.log_group.region;
    aws.record("sns:Subscribe", region);
    let reply =
        aws.sns(region).subscribe().topic_arn(topic).protocol("email").endpoint(email).send().await;
    reply.map(|_| ()).map_err(|e| read_error(&e, "sns:Subscribe", format!("topic {topic}"), region))
}

async fn put_filter(aws: &Aws, plan: &Plan, filter: &FilterSpec) -> Result<(), ReadError> {
    let group = &plan.log_group;
    let resource = format!("filter {} on log group {}", filter.name, group.name);
    let transformation = MetricTransformation::builder()
        .metric_namespace(METRIC_NAMESPACE)
        .metric_name(METRIC_NAME)
        .metric_value(super::METRIC_VALUE)
        .build()
        .expect("namespace, name and value are set");
    aws.record("logs:PutMetricFilter", &group.region);
    let reply = aws
        .logs(&group.region)
        .put_metric_filter()
        .log_group_name(&group.name)
        .filter_name(&filter.name)
        .filter_pattern(&filter.pattern)
        .metric_transformations(transformation)
        .send()
        .await;
    reply.map(|_| ()).map_err(|e| read_error(&e, "logs:PutMetricFilter", resource, &group.region))
}

async fn put_alarm(
    aws: &Aws,
    plan: &Plan,
    alarm: &AlarmSpec,
    topic_arn: &str,
) -> Result<(), ReadError> {
    let region = &plan.log_group.region;
    let actions: Vec<String> = alarm
        .actions
        .iter()
        .map(|a| if *a == plan.topic_arn { topic_arn.to_string() } else { a.clone() })
        .collect();
    aws.record("cloudwatch:PutMetricAlarm", region);
    let reply = aws
        .cloudwatch(region)
        .put_metric_alarm()
        .alarm_name(&alarm.name)
        .alarm_description(ALARM_DESCRIPTION)
        .namespace(METRIC_NAMESPACE)
        .metric_name(METRIC_NAME)
        .statistic(Statistic::Sum)
        .period(ALARM_PERIOD_SECONDS)
        .evaluation_periods(1)
        .datapoints_to_alarm(1)
        .threshold(1.0)
        .comparison_operator(ComparisonOperator::GreaterThanOrEqualToThreshold)
        .treat_missing_data("notBreaching")
        .actions_enabled(true)
        .set_alarm_actions(Some(actions))
        .send()
        .await;
    let resource = format!("alarm {}", alarm.name);
    reply.map(|_| ()).map_err(|e| read_error(&e, "cloudwatch:PutMetricAlarm", resource, region))
}

//! Alarms and topics: `DescribeAlarms` once per region (every metric and composite alarm,
//! every page), then `ListSubscriptionsByTopic` once per SNS topic that an alarm notifies.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_cloudwatch::types as cw;
use futures::stream::{self, StreamExt};

use crate::aws::read_error;
use crate::inventory::{arn_field, Alarm, MetricId, Read, Subscription};

use super::Aws;

/// How many topics are listed at once.
const TOPIC_CONCURRENCY: usize = 8;

/// Every metric and composite alarm of the region.
pub(super) async fn describe(aws: &Aws, region: &str) -> Read<Vec<Alarm>> {
    let client = aws.cloudwatch(region);
    let request = client
        .describe_alarms()
        .alarm_types(cw::AlarmType::MetricAlarm)
        .alarm_types(cw::AlarmType::CompositeAlarm);
    let mut pages = request.into_paginator().send();
    let mut alarms = Vec::new();
    while let Some(page) = pages.next().await {
        aws.record("cloudwatch:DescribeAlarms", region);
        let page =
            page.map_err(|e| read_error(&e, "cloudwatch:DescribeAlarms", "alarms", region))?;
        alarms.extend(page.metric_alarms().iter().map(alarm));
        alarms.extend(page.composite_alarms().iter().map(composite));
    }
    Ok(alarms)
}

/// The metric alarm named `name` in `region`, if there is one.
pub(super) async fn named(aws: &Aws, region: &str, name: &str) -> Read<Option<Alarm>> {
    aws.record("cloudwatch:DescribeAlarms", region);
    let reply = aws
        .cloudwatch(region)
        .describe_alarms()
        .alarm_names(name)
        .alarm_types(cw::AlarmType::MetricAlarm)
        .send()
        .await;
    let reply = reply.map_err(|e| {
        read_error(&e, "cloudwatch:DescribeAlarms", format!("alarm {name}"), region)
    })?;
    let found = reply.metric_alarms().iter().find(|a| a.alarm_name() == Some(name));
    Ok(found.map(alarm))
}

fn alarm(raw: &cw::MetricAlarm) -> Alarm {
    Alarm {
        name: raw.alarm_name().unwrap_or_default().to_string(),
        namespace: raw.namespace().map(str::to_string),
        metric_name: raw.metric_name().map(str::to_string),
        dimensions: dimensions(raw.dimensions()),
        statistic: raw.statistic().map(|s| s.as_str().to_string()),
        extended_statistic: raw.extended_statistic().map(str::to_string),
        comparison: raw.comparison_operator().map(|c| c.as_str().to_string()),
        threshold: raw.threshold(),
        evaluation_periods: raw.evaluation_periods(),
        datapoints_to_alarm: raw.datapoints_to_alarm(),
        unit: raw.unit().map(|u| u.as_str().to_string()),
        evaluate_low_sample_count: raw.evaluate_low_sample_count_percentile().map(str::to_string),
        actions_enabled: raw.actions_enabled().unwrap_or(false),
        alarm_actions: raw.alarm_actions().to_vec(),
        treat_missing_data: raw.treat_missing_data().map(str::to_string),
        math_metrics: raw.metrics().iter().filter_map(math_metric).collect(),
        ..Alarm::default()
    }
}

fn composite(raw: &cw::CompositeAlarm) -> Alarm {
    Alarm {
        name: raw.alarm_name().unwrap_or_default().to_string(),
        actions_enabled: raw.actions_enabled().unwrap_or(false),
        alarm_actions: raw.alarm_actions().to_vec(),
        alarm_rule: Some(raw.alarm_rule().unwrap_or_default().to_string()),
        actions_suppressor: raw.actions_suppressor().filter(|s| !s.is_empty()).map(str::to_string),
        ..Alarm::default()
    }
}

fn dimensions(raw: &[cw::Dimension]) -> BTreeMap<String, String> {
    raw.iter()
        .map(|d| {
            (d.name().unwrap_or_default().to_string(), d.value().unwrap_or_default().to_string())
        })
        .collect()
}

fn math_metric(query: &cw::MetricDataQuery) -> Option<MetricId> {
    let metric = query.metric_stat()?.metric()?;
    Some(MetricId {
        namespace: metric.namespace()?.to_string(),
        name: metric.metric_name()?.to_string(),
        dimensions: dimensions(metric.dimensions()),
    })
}

/// What was read of the SNS topics alarms notify, by topic ARN.
#[derive(Debug, Default)]
pub(super) struct Topics {
    pub subscriptions: BTreeMap<String, Read<Vec<Subscription>>>,
    pub keys: BTreeMap<String, Read<Option<String>>>,
}

/// The subscriptions and the encryption key of each topic, read at once in the topic's
/// own region.
pub(super) async fn topics(aws: &Aws, topics: BTreeSet<&str>) -> Topics {
    let reads: Vec<_> = stream::iter(topics)
        .map(|topic| async move {
            let (subscriptions, key) = tokio::join!(list(aws, topic), kms_key(aws, topic));
            (topic.to_string(), subscriptions, key)
        })
        .buffer_unordered(TOPIC_CONCURRENCY)
        .collect()
        .await;
    let mut read = Topics::default();
    for (topic, subscriptions, key) in reads {
        read.subscriptions.insert(topic.clone(), subscriptions);
        read.keys.insert(topic, key);
    }
    read
}

/// The KMS key that encrypts the topic (`KmsMasterKeyId`), if any, read with
/// `sns:GetTopicAttributes` in the topic's region; a topic that does not exist is an error
/// of kind `NotFound`.
pub(crate) async fn kms_key(aws: &Aws, topic: &str) -> Read<Option<String>> {
    let region = arn_field(topic, 3).unwrap_or_default();
    aws.record("sns:GetTopicAttributes", region);
    let reply = aws.sns(region).get_topic_attributes().topic_arn(topic).send().await;
    let reply = reply
        .map_err(|e| read_error(&e, "sns:GetTopicAttributes", format!("topic {topic}"), region))?;
    let key = reply.attributes().and_then(|a| a.get("KmsMasterKeyId"));
    Ok(key.filter(|k| !k.is_empty()).cloned())
}

/// Every subscription of one topic, read in the topic's own region.
pub(crate) async fn list(aws: &Aws, topic: &str) -> Read<Vec<Subscription>> {
    let region = arn_field(topic, 3).unwrap_or_default();
    let client = aws.sns(region);
    let mut pages = client.list_subscriptions_by_topic().topic_arn(topic).into_paginator().send();
    let mut subscriptions = Vec::new();
    while let Some(page) = pages.next().await {
        aws.record("sns:ListSubscriptionsByTopic", region);
        let page = page.map_err(|e| {
            read_error(&e, "sns:ListSubscriptionsByTopic", format!("topic {topic}"), region)
        })?;
        subscriptions.extend(page.subscriptions().iter().map(|s| Subscription {
            arn: s.subscription_arn().unwrap_or_default().to_string(),
            protocol: s.protocol().unwrap_or_default().to_string(),
            endpoint: s.endpoint().unwrap_or_default().to_string(),
        }));
    }
    Ok(subscriptions)
}

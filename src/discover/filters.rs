//! Metric filters: `DescribeMetricFilters` for each log group, in the log group's own
//! region, every page.

use std::collections::BTreeMap;

use aws_sdk_cloudwatchlogs::types as logs;
use futures::future::join_all;

use crate::aws::read_error;
use crate::inventory::{LogGroupRef, MetricFilter, MetricTransformation, Read};

use super::Aws;

/// The filters of each log group, keyed by the log group's ARN.
pub(super) async fn for_log_groups(
    aws: &Aws,
    groups: &[LogGroupRef],
) -> BTreeMap<String, Read<Vec<MetricFilter>>> {
    let reads =
        join_all(groups.iter().map(|g| async move { (g.arn.clone(), describe(aws, g).await) }));
    reads.await.into_iter().collect()
}

/// Follows `nextToken` until the last page (50 filters a page, 100 a log group at most).
async fn describe(aws: &Aws, group: &LogGroupRef) -> Read<Vec<MetricFilter>> {
    let client = aws.logs(&group.region);
    let mut pages =
        client.describe_metric_filters().log_group_name(&group.name).into_paginator().send();
    let mut filters = Vec::new();
    while let Some(page) = pages.next().await {
        aws.record("logs:DescribeMetricFilters", &group.region);
        let page = page.map_err(|e| {
            let resource = format!("log group {}", group.name);
            read_error(&e, "logs:DescribeMetricFilters", resource, &group.region)
        })?;
        filters.extend(page.metric_filters().iter().map(filter));
    }
    Ok(filters)
}

/// The filters named exactly `name` on the log group (every page).
pub(super) async fn named(aws: &Aws, group: &LogGroupRef, name: &str) -> Read<Vec<MetricFilter>> {
    let client = aws.logs(&group.region);
    let request =
        client.describe_metric_filters().log_group_name(&group.name).filter_name_prefix(name);
    let mut pages = request.into_paginator().send();
    let mut filters = Vec::new();
    while let Some(page) = pages.next().await {
        aws.record("logs:DescribeMetricFilters", &group.region);
        let page = page.map_err(|e| {
            let resource = format!("filter {name} on log group {}", group.name);
            read_error(&e, "logs:DescribeMetricFilters", resource, &group.region)
        })?;
        let named = page.metric_filters().iter().filter(|f| f.filter_name() == Some(name));
        filters.extend(named.map(filter));
    }
    Ok(filters)
}

fn filter(raw: &logs::MetricFilter) -> MetricFilter {
    MetricFilter {
        name: raw.filter_name().unwrap_or_default().to_string(),
        pattern: raw.filter_pattern().unwrap_or_default().to_string(),
        transformations: raw.metric_transformations().iter().map(transformation).collect(),
        field_selection: raw
            .field_selection_criteria()
            .filter(|c| !c.is_empty())
            .map(str::to_string),
        applies_to_transformed_logs: raw.apply_on_transformed_logs(),
    }
}

fn transformation(raw: &logs::MetricTransformation) -> MetricTransformation {
    MetricTransformation {
        namespace: raw.metric_namespace().to_string(),
        name: raw.metric_name().to_string(),
        value: raw.metric_value().to_string(),
        default_value: raw.default_value(),
        unit: raw.unit().map(|u| u.as_str().to_string()),
        dimensions: raw.dimensions().cloned().unwrap_or_default().into_iter().collect(),
    }
}

//! Test fixtures of the chain: the filter and alarm of a sound CIS-style chain.

use std::collections::BTreeMap;

use crate::inventory::{Alarm, MetricFilter, MetricTransformation};

/// The SNS topic the fixture alarm notifies.
pub(super) const TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:vpc-alerts";

/// A filter `name` with `pattern`, publishing CISBenchmark/VpcEventCount = `value`.
pub(super) fn filter(name: &str, pattern: &str, value: &str) -> MetricFilter {
    MetricFilter {
        name: name.into(),
        pattern: pattern.into(),
        transformations: vec![MetricTransformation {
            namespace: "CISBenchmark".into(),
            name: "VpcEventCount".into(),
            value: value.into(),
            default_value: None,
            unit: None,
            dimensions: BTreeMap::new(),
        }],
        ..Default::default()
    }
}

/// Sum of CISBenchmark/VpcEventCount >= 1 over one period, notifying [`TOPIC`].
pub(super) fn alarm() -> Alarm {
    Alarm {
        name: "VpcChangesAlarm".into(),
        namespace: Some("CISBenchmark".into()),
        metric_name: Some("VpcEventCount".into()),
        statistic: Some("Sum".into()),
        comparison: Some("GreaterThanOrEqualToThreshold".into()),
        threshold: Some(1.0),
        evaluation_periods: Some(1),
        actions_enabled: true,
        alarm_actions: vec![TOPIC.into()],
        ..Default::default()
    }
}

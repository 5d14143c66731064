//! The metric and alarm links: what one matching event adds to the filter's metric, and
//! whether an alarm on that metric trips on it and acts.

use crate::inventory::{Alarm, MetricFilter, MetricId};

use super::Broken;

/// The metric a filter publishes and the value one matching event adds to it.
pub(super) fn metric(filter: &MetricFilter) -> Result<(MetricId, f64), Broken> {
    let [transformation] = filter.transformations.as_slice() else {
        return Err(Broken::fail(format!(
            "filter {} has {} metric transformations; AWS requires exactly one",
            filter.name,
            filter.transformations.len()
        )));
    };
    let id = MetricId {
        namespace: transformation.namespace.clone(),
        name: transformation.name.clone(),
        dimensions: transformation.dimensions.clone(),
    };
    if !id.dimensions.is_empty() {
        return Err(Broken::uncertain(format!(
            "filter {} publishes metric {} with dimensions; matching alarms to them is not evaluated",
            filter.name,
            describe(&id)
        )));
    }
    let value = event_value(filter, &transformation.value)?;
    Ok((id, value))
}

fn event_value(filter: &MetricFilter, text: &str) -> Result<f64, Broken> {
    match text.trim().parse::<f64>() {
        Ok(value) if value.is_finite() && value > 0.0 => Ok(value),
        Ok(_) => Err(Broken::fail(format!(
            "filter {} publishes {text} per event; an alarm cannot count that",
            filter.name
        ))),
        Err(_) => Err(Broken::uncertain(format!(
            "filter {} publishes the value of {text}; what one event adds is unknown",
            filter.name
        ))),
    }
}

/// `NAMESPACE/NAME`, as the console shows a metric.
pub(super) fn describe(metric: &MetricId) -> String {
    format!("{}/{}", metric.namespace, metric.name)
}

/// True when the alarm watches exactly this metric: namespace, name and dimensions.
pub(super) fn watches(alarm: &Alarm, metric: &MetricId) -> bool {
    alarm.namespace.as_deref() == Some(metric.namespace.as_str())
        && alarm.metric_name.as_deref() == Some(metric.name.as_str())
        && alarm.dimensions == metric.dimensions
}

/// True when a metric-math alarm reads this metric in one of its queries.
pub(super) fn reads_in_math(alarm: &Alarm, metric: &MetricId) -> bool {
    alarm.math_metrics.iter().any(|m| m == metric)
}

/// Checks that one event of `value` trips the alarm and that it notifies SNS; returns
/// the SNS topics it notifies.
pub(super) fn trips_and_acts(alarm: &Alarm, value: f64) -> Result<Vec<String>, Broken> {
    if !alarm.actions_enabled {
        return Err(Broken::fail(format!("alarm {} has its actions disabled", alarm.name)));
    }
    let topics: Vec<String> = alarm
        .alarm_actions
        .iter()
        .filter(|a| a.starts_with("arn:aws") && a.contains(":sns:"))
        .cloned()
        .collect();
    if alarm.alarm_actions.is_empty() {
        return Err(Broken::fail(format!("alarm {} has no alarm actions", alarm.name)));
    }
    if topics.is_empty() {
        return Err(Broken::fail(format!("alarm {} notifies no SNS topic", alarm.name)));
    }
    trips(alarm, value)?;
    Ok(topics)
}

/// One event in one period must breach: the statistic of a single datapoint of `value`
/// against the threshold, and a single breaching datapoint must be enough.
fn trips(alarm: &Alarm, value: f64) -> Result<(), Broken> {
    let statistic = statistic_of_one(alarm, value)?;
    let threshold = alarm.threshold.ok_or_else(|| {
        Broken::uncertain(format!("alarm {} has no static threshold", alarm.name))
    })?;
    let comparison = alarm.comparison.as_deref().unwrap_or("");
    let breaches = match comparison {
        "GreaterThanOrEqualToThreshold" => statistic >= threshold,
        "GreaterThanThreshold" => statistic > threshold,
        "LessThanThreshold" | "LessThanOrEqualToThreshold" => false,
        other => {
            return Err(Broken::uncertain(format!(
                "alarm {} compares with {other}; not evaluated",
                alarm.name
            )))
        }
    };
    if !breaches {
        return Err(Broken::fail(format!(
            "alarm {} needs {} {} {threshold}; one event gives {statistic}",
            alarm.name,
            statistic_name(alarm),
            symbol(comparison)
        )));
    }
    needs_one_datapoint(alarm)
}

fn needs_one_datapoint(alarm: &Alarm) -> Result<(), Broken> {
    let periods = alarm.evaluation_periods.unwrap_or(1);
    let datapoints = alarm.datapoints_to_alarm.unwrap_or(periods);
    if datapoints > 1 {
        return Err(Broken::fail(format!(
            "alarm {} needs {datapoints} breaching datapoints of {periods}; one event gives one",
            alarm.name
        )));
    }
    Ok(())
}

/// The statistic's value for a period holding a single datapoint of `value`.
fn statistic_of_one(alarm: &Alarm, value: f64) -> Result<f64, Broken> {
    match (alarm.statistic.as_deref(), alarm.extended_statistic.as_deref()) {
        (Some("SampleCount"), _) => Ok(1.0),
        (Some("Sum" | "Average" | "Minimum" | "Maximum"), _) => Ok(value),
        (None, Some(extended)) if extended.starts_with('p') => Ok(value),
        (statistic, extended) => Err(Broken::uncertain(format!(
            "alarm {} uses statistic {}; not evaluated",
            alarm.name,
            statistic.or(extended).unwrap_or("(none)")
        ))),
    }
}

fn statistic_name(alarm: &Alarm) -> &str {
    alarm.statistic.as_deref().or(alarm.extended_statistic.as_deref()).unwrap_or("statistic")
}

fn symbol(comparison: &str) -> &'static str {
    match comparison {
        "GreaterThanOrEqualToThreshold" => ">=",
        "GreaterThanThreshold" => ">",
        "LessThanThreshold" => "<",
        _ => "<=",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::fixtures;
    use crate::chain::Severity;

    fn filter(value: &str) -> MetricFilter {
        fixtures::filter("VpcChanges", "{ $.eventName = CreateVpc }", value)
    }

    #[test]
    fn metric_value_must_be_a_positive_number() {
        assert_eq!(metric(&filter("1")).unwrap().1, 1.0);
        assert_eq!(metric(&filter("0")).unwrap_err().severity, Severity::Fail);
        assert_eq!(metric(&filter("$.count")).unwrap_err().severity, Severity::Uncertain);
    }

    #[test]
    fn the_standard_alarm_trips_on_one_event() {
        let topics = trips_and_acts(&fixtures::alarm(), 1.0).unwrap();
        assert_eq!(topics, ["arn:aws:sns:us-east-1:123456789012:vpc-alerts"]);
    }

    #[test]
    fn greater_than_zero_trips_and_greater_than_five_does_not() {
        let mut zero = fixtures::alarm();
        zero.comparison = Some("GreaterThanThreshold".into());
        zero.threshold = Some(0.0);
        assert!(trips_and_acts(&zero, 1.0).is_ok());
        let mut five = zero.clone();
        five.threshold = Some(5.0);
        let broken = trips_and_acts(&five, 1.0).unwrap_err();
        assert_eq!(broken.reason, "alarm VpcChangesAlarm needs Sum > 5; one event gives 1");
    }

    #[test]
    fn sample_count_counts_one_whatever_the_value() {
        let mut count = fixtures::alarm();
        count.statistic = Some("SampleCount".into());
        count.threshold = Some(1.0);
        assert!(trips_and_acts(&count, 0.5).is_ok());
    }

    #[test]
    fn disabled_or_missing_actions_break_the_alarm_link() {
        let mut disabled = fixtures::alarm();
        disabled.actions_enabled = false;
        assert!(trips_and_acts(&disabled, 1.0).unwrap_err().reason.contains("actions disabled"));
        let mut none = fixtures::alarm();
        none.alarm_actions.clear();
        assert!(trips_and_acts(&none, 1.0).unwrap_err().reason.contains("no alarm actions"));
        let mut not_sns = fixtures::alarm();
        not_sns.alarm_actions = vec!["arn:aws:automate:us-east-1:ec2:stop".into()];
        assert!(trips_and_acts(&not_sns, 1.0).unwrap_err().reason.contains("no SNS topic"));
    }

    #[test]
    fn more_than_one_datapoint_to_alarm_is_too_many() {
        let mut slow = fixtures::alarm();
        slow.evaluation_periods = Some(3);
        slow.datapoints_to_alarm = Some(2);
        assert!(trips_and_acts(&slow, 1.0)
            .unwrap_err()
            .reason
            .contains("2 breaching datapoints of 3"));
        slow.datapoints_to_alarm = Some(1);
        assert!(trips_and_acts(&slow, 1.0).is_ok());
        slow.datapoints_to_alarm = None;
        assert!(
            trips_and_acts(&slow, 1.0).is_err(),
            "DatapointsToAlarm defaults to EvaluationPeriods"
        );
    }

    #[test]
    fn anomaly_detection_comparisons_are_uncertain() {
        let mut band = fixtures::alarm();
        band.comparison = Some("LessThanLowerOrGreaterThanUpperThreshold".into());
        assert_eq!(trips_and_acts(&band, 1.0).unwrap_err().severity, Severity::Uncertain);
    }

    #[test]
    fn alarms_must_match_dimensions_exactly() {
        let (id, _) = metric(&filter("1")).unwrap();
        let mut alarm = fixtures::alarm();
        assert!(watches(&alarm, &id));
        alarm.dimensions.insert("Account".into(), "1".into());
        assert!(!watches(&alarm, &id));
    }
}

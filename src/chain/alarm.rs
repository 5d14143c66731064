//! The metric and alarm links: what one matching event adds to the filter's metric, and
//! whether an alarm on that metric trips on it, acts, and rests again between events.
//!
//! An alarm notifies when it enters ALARM. One that stays in ALARM while nothing happens
//! (missing data treated as breaching or ignored, or a filter default value that
//! breaches) changes no state on the next event and tells nobody.

use crate::inventory::{Alarm, MetricFilter, MetricId, MetricTransformation};

use super::Broken;

/// What a filter adds to its metric: `event` for each log event it matches and, when it
/// has a default value, `default` for each one it does not.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Published {
    pub filter: String,
    pub event: f64,
    pub default: Option<f64>,
    /// The unit of the datapoints: `None` unless the filter sets one.
    pub unit: String,
}

impl Published {
    /// What `filter` publishes through `transformation`, `event` for each match.
    pub(super) fn new(
        filter: &MetricFilter,
        transformation: &MetricTransformation,
        event: f64,
    ) -> Published {
        Published {
            filter: filter.name.clone(),
            event,
            default: transformation.default_value,
            unit: transformation.unit.clone().unwrap_or_else(|| "None".into()),
        }
    }
}

/// The metric a filter publishes and what it adds to it.
pub(super) fn metric(filter: &MetricFilter) -> Result<(MetricId, Published), Broken> {
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
    let event = event_value(filter, &transformation.value)?;
    Ok((id, Published::new(filter, transformation, event)))
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

/// The SNS topics the alarm notifies when it enters ALARM.
pub(super) fn notifies(alarm: &Alarm) -> Result<Vec<String>, Broken> {
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
    Ok(topics)
}

/// Checks that one event trips the alarm and that it leaves ALARM when nothing happens.
pub(super) fn trips_and_rests(alarm: &Alarm, published: &Published) -> Result<(), Broken> {
    sees(alarm, published)?;
    trips(alarm, published.event)?;
    rests(alarm, published)
}

/// An alarm with a unit reads only the datapoints published in that unit.
fn sees(alarm: &Alarm, published: &Published) -> Result<(), Broken> {
    match &alarm.unit {
        Some(unit) if *unit != published.unit => Err(Broken::fail(format!(
            "alarm {} reads only datapoints in unit {unit}; filter {} publishes in unit {}, \
             so the alarm never sees an event",
            alarm.name, published.filter, published.unit
        ))),
        _ => Ok(()),
    }
}

/// One event in one period must breach: the statistic of a single datapoint of `value`
/// against the threshold, and a single breaching datapoint must be enough.
fn trips(alarm: &Alarm, value: f64) -> Result<(), Broken> {
    let statistic = statistic_of_one(alarm, value)?;
    if !breaches(alarm, statistic)? {
        return Err(Broken::fail(format!(
            "alarm {} needs {} {} {}; one event gives {statistic}",
            alarm.name,
            statistic_name(alarm),
            symbol(alarm.comparison.as_deref().unwrap_or("")),
            alarm.threshold.unwrap_or_default()
        )));
    }
    needs_one_datapoint(alarm)
}

/// True when a period whose statistic is `statistic` breaches the alarm's threshold.
fn breaches(alarm: &Alarm, statistic: f64) -> Result<bool, Broken> {
    let threshold = alarm.threshold.ok_or_else(|| {
        Broken::uncertain(format!("alarm {} has no static threshold", alarm.name))
    })?;
    match alarm.comparison.as_deref().unwrap_or("") {
        "GreaterThanOrEqualToThreshold" => Ok(statistic >= threshold),
        "GreaterThanThreshold" => Ok(statistic > threshold),
        "LessThanThreshold" | "LessThanOrEqualToThreshold" => Ok(false),
        other => Err(Broken::uncertain(format!(
            "alarm {} compares with {other}; not evaluated",
            alarm.name
        ))),
    }
}

/// The alarm must be out of ALARM when the next event comes: periods without a match
/// must not breach, and a filter's default value must not hide an event.
pub(super) fn rests(alarm: &Alarm, published: &Published) -> Result<(), Broken> {
    match published.default {
        Some(default) => rests_with_default(alarm, &published.filter, default),
        None => rests_without_data(alarm),
    }
}

/// Without a default value a quiet period has no data, and TreatMissingData decides.
fn rests_without_data(alarm: &Alarm) -> Result<(), Broken> {
    let why = match alarm.treat_missing_data.as_deref() {
        Some("breaching") => {
            "treats missing data as breaching, so it is in ALARM while nothing happens"
        }
        Some("ignore") => "ignores missing data, so after its first event it stays in ALARM",
        _ => return Ok(()),
    };
    Err(Broken::fail(format!(
        "alarm {} {why}; an event changes no state and notifies nobody",
        alarm.name
    )))
}

/// With a default value every period that ingests log events has data: each log event
/// the filter does not match adds `default`, in quiet periods and beside an event alike.
fn rests_with_default(alarm: &Alarm, filter: &str, default: f64) -> Result<(), Broken> {
    let statistic = statistic_name(alarm);
    let stuck = || {
        Broken::fail(format!(
            "alarm {}: filter {filter} publishes {default} for every log event it does not match, \
             so {statistic} breaches while nothing happens and the alarm stays in ALARM",
            alarm.name
        ))
    };
    let hidden = || {
        Broken::fail(format!(
            "alarm {}: filter {filter} publishes {default} for every log event it does not match, \
             so the {statistic} of a period with one event among others need not breach",
            alarm.name
        ))
    };
    match statistic {
        "SampleCount" => Err(stuck()),
        _ if breaches(alarm, default)? => Err(stuck()),
        "Sum" if default > 0.0 => Err(stuck()),
        "Sum" if default < 0.0 => Err(hidden()),
        "Sum" | "Maximum" => Ok(()),
        _ => Err(hidden()),
    }
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
        (None, Some(extended))
            if extended.starts_with('p')
                && alarm.evaluate_low_sample_count.as_deref() == Some("ignore") =>
        {
            Err(Broken::fail(format!(
                "alarm {} keeps its state through periods with too few datapoints for \
                 {extended}; one event is one datapoint",
                alarm.name
            )))
        }
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

    /// What the chain asks of an alarm: that it notifies, trips on one event and rests.
    fn trips_and_acts(alarm: &Alarm, published: &Published) -> Result<Vec<String>, Broken> {
        let topics = notifies(alarm)?;
        trips_and_rests(alarm, published)?;
        Ok(topics)
    }

    /// What a filter without a default value publishes for one event of `value`.
    fn event(value: f64) -> Published {
        Published { filter: "VpcChanges".into(), event: value, default: None, unit: "None".into() }
    }

    fn with_default(default: f64) -> Published {
        Published { default: Some(default), ..event(1.0) }
    }

    fn alarm_on(statistic: &str, comparison: &str, threshold: f64) -> Alarm {
        Alarm {
            statistic: Some(statistic.into()),
            comparison: Some(comparison.into()),
            threshold: Some(threshold),
            ..fixtures::alarm()
        }
    }

    #[test]
    fn metric_value_must_be_a_positive_number() {
        assert_eq!(metric(&filter("1")).unwrap().1.event, 1.0);
        assert_eq!(metric(&filter("0")).unwrap_err().severity, Severity::Fail);
        assert_eq!(metric(&filter("$.count")).unwrap_err().severity, Severity::Uncertain);
    }

    #[test]
    fn the_standard_alarm_trips_on_one_event() {
        let topics = trips_and_acts(&fixtures::alarm(), &event(1.0)).unwrap();
        assert_eq!(topics, ["arn:aws:sns:us-east-1:123456789012:vpc-alerts"]);
    }

    #[test]
    fn greater_than_zero_trips_and_greater_than_five_does_not() {
        let mut zero = fixtures::alarm();
        zero.comparison = Some("GreaterThanThreshold".into());
        zero.threshold = Some(0.0);
        assert!(trips_and_acts(&zero, &event(1.0)).is_ok());
        let mut five = zero.clone();
        five.threshold = Some(5.0);
        let broken = trips_and_acts(&five, &event(1.0)).unwrap_err();
        assert_eq!(broken.reason, "alarm VpcChangesAlarm needs Sum > 5; one event gives 1");
    }

    #[test]
    fn sample_count_counts_one_whatever_the_value() {
        let mut count = fixtures::alarm();
        count.statistic = Some("SampleCount".into());
        count.threshold = Some(1.0);
        assert!(trips_and_acts(&count, &event(0.5)).is_ok());
    }

    #[test]
    fn disabled_or_missing_actions_break_the_alarm_link() {
        let mut disabled = fixtures::alarm();
        disabled.actions_enabled = false;
        assert!(trips_and_acts(&disabled, &event(1.0))
            .unwrap_err()
            .reason
            .contains("actions disabled"));
        let mut none = fixtures::alarm();
        none.alarm_actions.clear();
        assert!(trips_and_acts(&none, &event(1.0))
            .unwrap_err()
            .reason
            .contains("no alarm actions"));
        let mut not_sns = fixtures::alarm();
        not_sns.alarm_actions = vec!["arn:aws:automate:us-east-1:ec2:stop".into()];
        assert!(trips_and_acts(&not_sns, &event(1.0)).unwrap_err().reason.contains("no SNS topic"));
    }

    #[test]
    fn more_than_one_datapoint_to_alarm_is_too_many() {
        let mut slow = fixtures::alarm();
        slow.evaluation_periods = Some(3);
        slow.datapoints_to_alarm = Some(2);
        assert!(trips_and_acts(&slow, &event(1.0))
            .unwrap_err()
            .reason
            .contains("2 breaching datapoints of 3"));
        slow.datapoints_to_alarm = Some(1);
        assert!(trips_and_acts(&slow, &event(1.0)).is_ok());
        slow.datapoints_to_alarm = None;
        assert!(
            trips_and_acts(&slow, &event(1.0)).is_err(),
            "DatapointsToAlarm defaults to EvaluationPeriods"
        );
    }

    #[test]
    fn anomaly_detection_comparisons_are_uncertain() {
        let mut band = fixtures::alarm();
        band.comparison = Some("LessThanLowerOrGreaterThanUpperThreshold".into());
        assert_eq!(trips_and_acts(&band, &event(1.0)).unwrap_err().severity, Severity::Uncertain);
    }

    #[test]
    fn alarms_must_match_dimensions_exactly() {
        let (id, _) = metric(&filter("1")).unwrap();
        let mut alarm = fixtures::alarm();
        assert!(watches(&alarm, &id));
        alarm.dimensions.insert("Account".into(), "1".into());
        assert!(!watches(&alarm, &id));
    }

    #[test]
    fn the_filter_default_value_is_read_with_the_metric() {
        let mut zero = filter("1");
        zero.transformations[0].default_value = Some(0.0);
        assert_eq!(metric(&zero).unwrap().1, with_default(0.0));
    }

    #[test]
    fn missing_data_that_breaches_or_is_ignored_keeps_the_alarm_in_alarm() {
        let mut alarm = fixtures::alarm();
        for (treat, passes) in [(None, true), (Some("missing"), true), (Some("notBreaching"), true)]
            .into_iter()
            .chain([(Some("breaching"), false), (Some("ignore"), false)])
        {
            alarm.treat_missing_data = treat.map(str::to_string);
            let outcome = trips_and_acts(&alarm, &event(1.0));
            assert_eq!(outcome.is_ok(), passes, "TreatMissingData {treat:?}");
            if let Err(broken) = outcome {
                assert_eq!(broken.severity, Severity::Fail);
                assert!(broken.reason.contains("notifies nobody"), "{}", broken.reason);
            }
        }
    }

    #[test]
    fn a_default_of_zero_leaves_a_sum_alarm_at_rest() {
        let sum = alarm_on("Sum", "GreaterThanOrEqualToThreshold", 1.0);
        assert!(trips_and_acts(&sum, &with_default(0.0)).is_ok());
        let breaching = Alarm { treat_missing_data: Some("breaching".into()), ..sum.clone() };
        assert!(
            trips_and_acts(&breaching, &with_default(0.0)).is_ok(),
            "with a default value, periods that ingest logs are never missing"
        );
        let at_zero = alarm_on("Sum", "GreaterThanOrEqualToThreshold", 0.0);
        let stuck = trips_and_acts(&at_zero, &with_default(0.0)).unwrap_err();
        assert!(stuck.reason.contains("breaches while nothing happens"), "{}", stuck.reason);
    }

    #[test]
    fn a_default_that_adds_up_or_subtracts_breaks_a_sum_alarm() {
        let sum = alarm_on("Sum", "GreaterThanOrEqualToThreshold", 1.0);
        let stuck = trips_and_acts(&sum, &with_default(0.5)).unwrap_err();
        assert!(stuck.reason.contains("stays in ALARM"), "{}", stuck.reason);
        let hidden = trips_and_acts(&sum, &with_default(-1.0)).unwrap_err();
        assert!(hidden.reason.contains("need not breach"), "{}", hidden.reason);
    }

    #[test]
    fn sample_count_with_a_default_value_counts_quiet_periods_too() {
        let count = alarm_on("SampleCount", "GreaterThanOrEqualToThreshold", 1.0);
        assert!(trips_and_acts(&count, &event(1.0)).is_ok());
        let broken = trips_and_acts(&count, &with_default(0.0)).unwrap_err();
        assert_eq!(broken.severity, Severity::Fail);
        assert!(broken.reason.contains("SampleCount breaches while nothing happens"));
    }

    #[test]
    fn maximum_rests_on_a_quiet_default_and_averages_are_pulled_down() {
        let max = alarm_on("Maximum", "GreaterThanOrEqualToThreshold", 1.0);
        assert!(trips_and_acts(&max, &with_default(0.0)).is_ok());
        assert!(trips_and_acts(&max, &with_default(1.0))
            .unwrap_err()
            .reason
            .contains("stays in ALARM"));
        for statistic in ["Average", "Minimum"] {
            let alarm = alarm_on(statistic, "GreaterThanOrEqualToThreshold", 1.0);
            assert!(trips_and_acts(&alarm, &event(1.0)).is_ok(), "{statistic} without a default");
            let hidden = trips_and_acts(&alarm, &with_default(0.0)).unwrap_err();
            assert!(
                hidden.reason.contains(&format!("the {statistic} of a period")),
                "{}",
                hidden.reason
            );
        }
        let p90 =
            Alarm { statistic: None, extended_statistic: Some("p90".into()), ..fixtures::alarm() };
        assert!(trips_and_acts(&p90, &with_default(0.0))
            .unwrap_err()
            .reason
            .contains("need not breach"));
    }

    #[test]
    fn an_alarm_on_another_unit_never_sees_the_filter_s_datapoints() {
        let count = Alarm { unit: Some("Count".into()), ..fixtures::alarm() };
        let broken = trips_and_acts(&count, &event(1.0)).unwrap_err();
        assert_eq!(broken.severity, Severity::Fail);
        assert_eq!(
            broken.reason,
            "alarm VpcChangesAlarm reads only datapoints in unit Count; filter VpcChanges \
             publishes in unit None, so the alarm never sees an event"
        );
        let counted = Published { unit: "Count".into(), ..event(1.0) };
        assert!(trips_and_acts(&count, &counted).is_ok());
        let none = Alarm { unit: Some("None".into()), ..fixtures::alarm() };
        assert!(trips_and_acts(&none, &event(1.0)).is_ok());
    }

    #[test]
    fn a_percentile_that_ignores_low_sample_counts_never_trips_on_one_event() {
        let p99 =
            Alarm { statistic: None, extended_statistic: Some("p99".into()), ..fixtures::alarm() };
        assert!(trips_and_acts(&p99, &event(1.0)).is_ok());
        let ignoring = Alarm { evaluate_low_sample_count: Some("ignore".into()), ..p99 };
        let broken = trips_and_acts(&ignoring, &event(1.0)).unwrap_err();
        assert!(broken.reason.contains("too few datapoints for p99"), "{}", broken.reason);
    }

    #[test]
    fn the_filter_unit_is_read_with_the_metric() {
        let mut counted = filter("1");
        counted.transformations[0].unit = Some("Count".into());
        assert_eq!(metric(&counted).unwrap().1.unit, "Count");
        assert_eq!(metric(&filter("1")).unwrap().1.unit, "None");
    }
}

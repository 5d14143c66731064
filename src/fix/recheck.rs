//! Each write of `fix`, decided again just before it is made, pure: the resource is read
//! again, and the write goes ahead, is skipped because another run made it meanwhile, or
//! stops the run because the resource changed in a way the write would undo. So two runs
//! at once, or a run whose plan went stale, write one chain and lose nothing.

use std::collections::BTreeSet;

use crate::inventory::{Alarm, LogGroupRef, MetricFilter, Subscription};

use super::patterns;
use super::plan::{
    is_right, publishes_own_metric, publishes_per_match_only, watches_own_metric, AlarmSpec,
    FilterSpec,
};

/// What to do with one write, given the resource as it is now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recheck<T> {
    /// Write it, with this content.
    Write(T),
    /// It is there already, as the plan wants it: another run wrote it.
    AlreadyThere,
    /// It changed since the plan in a way the write would undo; the reason, for the user.
    Changed(String),
}

/// A subscription of `email` (any state) means another run subscribed it.
pub fn subscription(now: &[Subscription], email: &str) -> Recheck<()> {
    let subscribed =
        now.iter().any(|s| s.protocol == "email" && s.endpoint.eq_ignore_ascii_case(email));
    if subscribed {
        Recheck::AlreadyThere
    } else {
        Recheck::Write(())
    }
}

/// `now`: the filters on the log group with the planned filter's name (moto keeps
/// duplicates of one name). The write may replace only vpcwatch's own filter, and only
/// when every name it covers now is among the planned ones.
pub fn filter(now: &[MetricFilter], spec: &FilterSpec, group: &LogGroupRef) -> Recheck<()> {
    let place = format!("log group {} in {}", group.name, group.region);
    if now.iter().any(|f| !publishes_own_metric(f)) {
        return Recheck::Changed(format!(
            "a metric filter named {} that publishes to another metric appeared on {place} \
             since the plan; vpcwatch will not overwrite it",
            spec.name
        ));
    }
    let mut covered: BTreeSet<String> = BTreeSet::new();
    for existing in now {
        match patterns::own_names(&existing.pattern) {
            Some(names) => covered.extend(names),
            None => return changed_filter(spec, &place),
        }
    }
    let wanted: BTreeSet<String> = spec.names.iter().cloned().collect();
    let as_written = now.iter().all(publishes_per_match_only);
    if !now.is_empty() && covered.is_superset(&wanted) && as_written {
        Recheck::AlreadyThere
    } else if covered.is_subset(&wanted) {
        Recheck::Write(())
    } else {
        changed_filter(spec, &place)
    }
}

fn changed_filter(spec: &FilterSpec, place: &str) -> Recheck<()> {
    Recheck::Changed(format!(
        "vpcwatch's metric filter {} on {place} changed since the plan (another vpcwatch fix \
         running?) and writing it would drop names it covers now",
        spec.name
    ))
}

/// `now`: the alarm with the planned name, if any. The alarm is written to notify the
/// planned topics and every SNS topic it notifies now, so a topic added by another run
/// stays.
pub fn alarm(
    now: Option<&Alarm>,
    spec: &AlarmSpec,
    topic_arn: &str,
    region: &str,
) -> Recheck<Vec<String>> {
    let mut actions = spec.actions.clone();
    let Some(alarm) = now else {
        return Recheck::Write(actions);
    };
    if !watches_own_metric(alarm) {
        return Recheck::Changed(format!(
            "an alarm named {} that watches another metric appeared in {region} since the \
             plan; vpcwatch will not overwrite it",
            spec.name
        ));
    }
    let notifies_all = spec.actions.iter().all(|a| alarm.alarm_actions.contains(a));
    if notifies_all && is_right(alarm, topic_arn) {
        return Recheck::AlreadyThere;
    }
    for action in alarm.alarm_actions.iter().filter(|a| a.contains(":sns:")) {
        if !actions.contains(action) {
            actions.push(action.clone());
        }
    }
    Recheck::Write(actions)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::{ALARM_NAME, METRIC_NAME, METRIC_NAMESPACE};
    use crate::inventory::MetricTransformation;

    const TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:vpcwatch-vpc-changes";
    const OTHER_TOPIC: &str = "arn:aws:sns:us-east-1:123456789012:ops";

    fn group() -> LogGroupRef {
        LogGroupRef::from_arn("arn:aws:logs:us-east-1:123456789012:log-group:CloudTrail/Default")
            .expect("valid ARN")
    }

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|n| n.to_string()).collect()
    }

    fn spec(list: &[&str]) -> FilterSpec {
        let names = names(list);
        FilterSpec {
            name: "vpcwatch-vpc-changes-1".into(),
            pattern: patterns::compact(&names),
            names,
            replaces: false,
        }
    }

    fn own(list: &[&str]) -> MetricFilter {
        MetricFilter {
            name: "vpcwatch-vpc-changes-1".into(),
            pattern: patterns::compact(&names(list)),
            transformations: vec![MetricTransformation {
                namespace: METRIC_NAMESPACE.into(),
                name: METRIC_NAME.into(),
                value: "1".into(),
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    #[test]
    fn a_filter_not_there_is_written() {
        assert_eq!(filter(&[], &spec(&["CreateVpc"]), &group()), Recheck::Write(()));
    }

    #[test]
    fn a_filter_another_run_wrote_is_not_written_again() {
        let want = spec(&["CreateVpc", "DeleteVpc"]);
        assert_eq!(
            filter(&[own(&["CreateVpc", "DeleteVpc"])], &want, &group()),
            Recheck::AlreadyThere
        );
        let twice = [own(&["CreateVpc"]), own(&["DeleteVpc", "CreateSubnet"])];
        assert_eq!(filter(&twice, &want, &group()), Recheck::AlreadyThere);
    }

    #[test]
    fn a_filter_given_a_default_value_since_is_written_again() {
        let mut defaulted = own(&["CreateVpc"]);
        defaulted.transformations[0].default_value = Some(1.0);
        let want = spec(&["CreateVpc"]);
        assert_eq!(filter(&[defaulted], &want, &group()), Recheck::Write(()));
    }

    #[test]
    fn a_filter_that_covers_fewer_names_is_grown() {
        let want = spec(&["CreateVpc", "DeleteVpc"]);
        assert_eq!(filter(&[own(&["CreateVpc"])], &want, &group()), Recheck::Write(()));
    }

    #[test]
    fn a_filter_that_now_covers_other_names_is_not_overwritten() {
        let want = spec(&["CreateVpc", "DeleteVpc"]);
        let now = filter(&[own(&["CreateVpc", "CreateSubnet"])], &want, &group());
        assert!(matches!(&now, Recheck::Changed(why) if why.contains("changed since the plan")));
    }

    #[test]
    fn someone_elses_filter_of_that_name_is_not_overwritten() {
        let mut theirs = own(&["CreateVpc"]);
        theirs.transformations[0].namespace = "CISBenchmark".into();
        let now = filter(&[theirs], &spec(&["CreateVpc"]), &group());
        assert!(
            matches!(&now, Recheck::Changed(why) if why.contains("publishes to another metric"))
        );
        let mut edited = own(&["CreateVpc"]);
        edited.pattern = "{ $.eventName = CreateVpc }".into();
        assert!(matches!(filter(&[edited], &spec(&["CreateVpc"]), &group()), Recheck::Changed(_)));
    }

    fn right_alarm(actions: &[&str]) -> Alarm {
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
            alarm_actions: names(actions),
            ..Default::default()
        }
    }

    fn alarm_spec() -> AlarmSpec {
        AlarmSpec { name: ALARM_NAME.into(), actions: names(&[TOPIC]), replaces: false }
    }

    #[test]
    fn an_alarm_not_there_is_written_as_planned() {
        assert_eq!(alarm(None, &alarm_spec(), TOPIC, "us-east-1"), Recheck::Write(names(&[TOPIC])));
    }

    #[test]
    fn an_alarm_another_run_wrote_is_not_written_again() {
        let now = right_alarm(&[TOPIC]);
        assert_eq!(alarm(Some(&now), &alarm_spec(), TOPIC, "us-east-1"), Recheck::AlreadyThere);
    }

    #[test]
    fn a_topic_another_run_added_is_kept() {
        let now = Alarm { threshold: Some(5.0), ..right_alarm(&[OTHER_TOPIC]) };
        let written = alarm(Some(&now), &alarm_spec(), TOPIC, "us-east-1");
        assert_eq!(written, Recheck::Write(names(&[TOPIC, OTHER_TOPIC])));
    }

    #[test]
    fn an_alarm_on_another_metric_is_not_overwritten() {
        let now = Alarm { namespace: Some("CISBenchmark".into()), ..right_alarm(&[TOPIC]) };
        assert!(matches!(
            alarm(Some(&now), &alarm_spec(), TOPIC, "us-east-1"),
            Recheck::Changed(_)
        ));
    }

    #[test]
    fn an_address_subscribed_meanwhile_is_not_subscribed_again() {
        let pending = Subscription {
            arn: "PendingConfirmation".into(),
            protocol: "email".into(),
            endpoint: "A@example.com".into(),
        };
        assert_eq!(subscription(&[pending], "a@example.com"), Recheck::AlreadyThere);
        assert_eq!(subscription(&[], "a@example.com"), Recheck::Write(()));
    }
}

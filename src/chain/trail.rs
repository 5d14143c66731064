//! The first link: does a trail record this event name, from this region, and deliver it
//! to a CloudWatch Logs group that this account can read?

use crate::inventory::{AdvancedSelector, BasicSelector, FieldSelector, Selectors, Trail};

use super::Broken;

const EVENT_SOURCE: &str = "ec2.amazonaws.com";

/// Checks every part of the trail link for one event name, for an audit of
/// `account_id`, which can read its own log groups only.
pub(super) fn check(
    trail: &Trail,
    name: &str,
    account_id: &str,
    region: &str,
) -> Result<(), Broken> {
    let own = trail.log_group.as_ref().is_some_and(|g| g.account_id == account_id);
    check_readable(trail, name, region, own)
}

/// Checks every part of the trail link for one event name; `readable` says whether the
/// filters of the trail's log group were read (its own account's, or another audited
/// account's).
pub(super) fn check_readable(
    trail: &Trail,
    name: &str,
    region: &str,
    readable: bool,
) -> Result<(), Broken> {
    let group = trail.log_group.as_ref().ok_or_else(|| {
        Broken::fail(format!("trail {} does not deliver to CloudWatch Logs", trail.name))
    })?;
    if !trail.is_multi_region && trail.home_region != region {
        return Err(Broken::fail(format!(
            "trail {} is a single-region trail of {}; it does not record {region}",
            trail.name, trail.home_region
        )));
    }
    if !readable {
        return Err(foreign_log_group(trail, &group.account_id));
    }
    delivering(trail)?;
    records(trail, name)
}

/// An organization trail seen from a member account, or any trail whose log group lives
/// in another account: its filters cannot be read from here. Never a pass, never a fail.
fn foreign_log_group(trail: &Trail, owner: &str) -> Broken {
    let what = if trail.is_organization { "organization trail" } else { "trail" };
    Broken::uncertain(format!(
        "{what} {} delivers to a log group in account {owner}; audit that account to decide",
        trail.name
    ))
}

fn delivering(trail: &Trail) -> Result<(), Broken> {
    let status = trail.status.as_ref().map_err(|err| Broken::uncertain(err.to_string()))?;
    if !status.is_logging {
        return Err(Broken::fail(format!("trail {} is not logging", trail.name)));
    }
    match (&status.delivery_error, &status.last_delivery) {
        (Some(error), None) => Err(Broken::fail(format!(
            "trail {} has never delivered to CloudWatch Logs: {error}",
            trail.name
        ))),
        _ => Ok(()),
    }
}

fn records(trail: &Trail, name: &str) -> Result<(), Broken> {
    let selectors = trail.selectors.as_ref().map_err(|err| Broken::uncertain(err.to_string()))?;
    match selectors {
        Selectors::Basic(list) => basic_records(&trail.name, list),
        Selectors::Advanced(list) => advanced_records(&trail.name, list, name),
    }
}

/// Basic selectors: an empty list is the default, all management events.
fn basic_records(trail: &str, selectors: &[BasicSelector]) -> Result<(), Broken> {
    if selectors.is_empty() || selectors.iter().any(basic_selects_writes) {
        return Ok(());
    }
    let reads_only = selectors.iter().any(|s| {
        s.include_management_events.unwrap_or(true)
            && s.read_write_type.as_deref() == Some("ReadOnly")
    });
    let what = if reads_only { "read-only management events" } else { "no EC2 management events" };
    Err(Broken::fail(format!("trail {trail} records {what}")))
}

fn basic_selects_writes(selector: &BasicSelector) -> bool {
    let writes = matches!(selector.read_write_type.as_deref(), None | Some("All" | "WriteOnly"));
    let excluded = selector.exclude_management_event_sources.iter().any(|s| s == EVENT_SOURCE);
    selector.include_management_events.unwrap_or(true) && writes && !excluded
}

/// Advanced selectors: the event is recorded when any selector holds for it.
fn advanced_records(trail: &str, selectors: &[AdvancedSelector], name: &str) -> Result<(), Broken> {
    let mut unsure = None;
    for selector in selectors {
        match advanced_selects(selector, name) {
            Some(true) => return Ok(()),
            Some(false) => {}
            None => unsure = Some(selector),
        }
    }
    match unsure {
        Some(selector) => Err(Broken::uncertain(format!(
            "trail {trail}: advanced selector {} filters on a field vpcwatch cannot evaluate",
            selector.name.as_deref().unwrap_or("(unnamed)")
        ))),
        None => Err(Broken::fail(format!(
            "trail {trail} does not record write management events of {name}"
        ))),
    }
}

/// Whether one advanced selector records the write management event `name` from EC2;
/// `None` when it filters on a field whose value for a call is not known here.
fn advanced_selects(selector: &AdvancedSelector, name: &str) -> Option<bool> {
    let mut all = true;
    let mut is_management = false;
    for field in &selector.fields {
        let value = match field.field.as_str() {
            "eventCategory" => "Management",
            "readOnly" => "false",
            "eventSource" => EVENT_SOURCE,
            "eventName" => name,
            "eventType" => "AwsApiCall",
            _ => return None,
        };
        let holds = field_holds(field, value);
        is_management |= field.field == "eventCategory" && holds;
        all &= holds;
    }
    Some(all && is_management)
}

/// Values within one operator are alternatives; the operators of a field all apply.
fn field_holds(field: &FieldSelector, value: &str) -> bool {
    let any = |list: &[String], test: &dyn Fn(&str) -> bool| {
        list.is_empty() || list.iter().any(|v| test(v))
    };
    let none = |list: &[String], test: &dyn Fn(&str) -> bool| !list.iter().any(|v| test(v));
    any(&field.equals, &|v| v == value)
        && any(&field.starts_with, &|v| value.starts_with(v))
        && any(&field.ends_with, &|v| value.ends_with(v))
        && none(&field.not_equals, &|v| v == value)
        && none(&field.not_starts_with, &|v| value.starts_with(v))
        && none(&field.not_ends_with, &|v| value.ends_with(v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::Severity;
    use crate::inventory::{LogGroupRef, TrailStatus};

    const ACCOUNT: &str = "123456789012";

    fn trail() -> Trail {
        Trail {
            name: "main".into(),
            arn: format!("arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/main"),
            home_region: "us-east-1".into(),
            is_multi_region: true,
            log_group: LogGroupRef::from_arn(&format!(
                "arn:aws:logs:us-east-1:{ACCOUNT}:log-group:CloudTrail/Default:*"
            )),
            status: Ok(TrailStatus { is_logging: true, ..Default::default() }),
            ..Default::default()
        }
    }

    fn field(name: &str, equals: &[&str]) -> FieldSelector {
        FieldSelector {
            field: name.into(),
            equals: equals.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        }
    }

    fn advanced(fields: Vec<FieldSelector>) -> Selectors {
        Selectors::Advanced(vec![AdvancedSelector { name: Some("mgmt".into()), fields }])
    }

    fn verdict(trail: &Trail) -> Result<(), Broken> {
        check(trail, "CreateVpc", ACCOUNT, "us-east-1")
    }

    #[test]
    fn a_logging_multi_region_trail_with_default_selectors_qualifies() {
        assert_eq!(verdict(&trail()), Ok(()));
    }

    #[test]
    fn a_stopped_trail_breaks_the_chain() {
        let mut stopped = trail();
        stopped.status = Ok(TrailStatus::default());
        let broken = verdict(&stopped).unwrap_err();
        assert_eq!(broken.severity, Severity::Fail);
        assert!(broken.reason.contains("not logging"), "{}", broken.reason);
    }

    #[test]
    fn a_single_region_trail_of_another_region_does_not_reach() {
        let mut west = trail();
        west.is_multi_region = false;
        west.home_region = "us-west-2".into();
        assert!(verdict(&west).unwrap_err().reason.contains("single-region trail of us-west-2"));
        west.home_region = "us-east-1".into();
        assert_eq!(verdict(&west), Ok(()));
    }

    #[test]
    fn read_only_basic_selectors_record_no_writes() {
        let mut reads = trail();
        reads.selectors = Ok(Selectors::Basic(vec![BasicSelector {
            read_write_type: Some("ReadOnly".into()),
            include_management_events: Some(true),
            exclude_management_event_sources: vec![],
        }]));
        assert!(verdict(&reads).unwrap_err().reason.contains("read-only management events"));
    }

    #[test]
    fn advanced_selectors_for_write_management_events_qualify() {
        let mut adv = trail();
        adv.selectors = Ok(advanced(vec![
            field("eventCategory", &["Management"]),
            field("readOnly", &["false"]),
        ]));
        assert_eq!(verdict(&adv), Ok(()));
        adv.selectors = Ok(advanced(vec![
            field("eventCategory", &["Management"]),
            field("readOnly", &["true"]),
        ]));
        assert_eq!(verdict(&adv).unwrap_err().severity, Severity::Fail);
    }

    #[test]
    fn advanced_selector_excluding_ec2_does_not_record() {
        let mut adv = trail();
        let mut source = field("eventSource", &[]);
        source.not_equals = vec![EVENT_SOURCE.into()];
        adv.selectors = Ok(advanced(vec![field("eventCategory", &["Management"]), source]));
        assert_eq!(verdict(&adv).unwrap_err().severity, Severity::Fail);
    }

    #[test]
    fn advanced_selector_on_an_unknown_field_is_uncertain() {
        let mut adv = trail();
        adv.selectors = Ok(advanced(vec![
            field("eventCategory", &["Management"]),
            field("userIdentity.arn", &["arn:aws:iam::1:role/x"]),
        ]));
        assert_eq!(verdict(&adv).unwrap_err().severity, Severity::Uncertain);
    }

    #[test]
    fn a_log_group_in_another_account_is_uncertain_not_failed() {
        let mut org = trail();
        org.is_organization = true;
        org.log_group =
            LogGroupRef::from_arn("arn:aws:logs:us-east-1:999999999999:log-group:org-trail:*");
        let broken = verdict(&org).unwrap_err();
        assert_eq!(broken.severity, Severity::Uncertain);
        assert!(broken.reason.contains("organization trail main"), "{}", broken.reason);
        assert!(broken.reason.contains("999999999999"), "{}", broken.reason);
    }

    #[test]
    fn a_delivery_error_without_any_delivery_breaks_the_chain() {
        let mut failing = trail();
        failing.status = Ok(TrailStatus {
            is_logging: true,
            delivery_error: Some("AccessDenied".into()),
            last_delivery: None,
        });
        assert!(verdict(&failing).unwrap_err().reason.contains("never delivered"));
    }
}

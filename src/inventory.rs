//! Stage `inventory`: what discovery read from one account and region, as plain data.
//! No SDK type crosses into this module, so the verdicts can be computed and tested
//! without AWS.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

/// A value read from AWS, or why it could not be read.
pub type Read<T> = Result<T, ReadError>;

/// Everything `check` knows about one account and audited region.
#[derive(Debug, Clone)]
pub struct Inventory {
    pub account_id: String,
    /// The audited region.
    pub region: String,
    /// Trails visible from the audited region, shadow copies of other regions'
    /// multi-region and organization trails included.
    pub trails: Read<Vec<Trail>>,
    /// Metric filters per log group ARN, for the log groups that trails deliver to.
    pub filters: BTreeMap<String, Read<Vec<MetricFilter>>>,
    /// Metric alarms per account and region, for the places of those log groups.
    pub alarms: BTreeMap<Place, Read<Vec<Alarm>>>,
    /// Subscriptions per SNS topic ARN, for topics named by alarm actions.
    pub subscriptions: BTreeMap<String, Read<Vec<Subscription>>>,
    /// The KMS key that encrypts each of those topics (`None`: not encrypted).
    pub topic_keys: BTreeMap<String, Read<Option<String>>>,
}

/// An account and a region: where a log group's metrics and their alarms live.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Place {
    pub account_id: String,
    pub region: String,
}

impl Place {
    pub fn new(account_id: impl Into<String>, region: impl Into<String>) -> Place {
        Place { account_id: account_id.into(), region: region.into() }
    }
}

/// What one account's audit read: one inventory per audited region.
#[derive(Debug, Clone)]
pub struct AccountInventory {
    pub account_id: String,
    pub regions: Vec<Inventory>,
}

/// A CloudTrail trail.
#[derive(Debug, Clone)]
pub struct Trail {
    pub name: String,
    pub arn: String,
    pub home_region: String,
    pub is_multi_region: bool,
    pub is_organization: bool,
    /// The CloudWatch Logs group it delivers to, if any.
    pub log_group: Option<LogGroupRef>,
    /// Read only for trails that deliver to CloudWatch Logs.
    pub status: Read<TrailStatus>,
    /// Read only for trails that deliver to CloudWatch Logs.
    pub selectors: Read<Selectors>,
}

impl Default for Trail {
    fn default() -> Trail {
        Trail {
            name: String::new(),
            arn: String::new(),
            home_region: String::new(),
            is_multi_region: false,
            is_organization: false,
            log_group: None,
            status: Ok(TrailStatus::default()),
            selectors: Ok(Selectors::Basic(Vec::new())),
        }
    }
}

impl Trail {
    /// The account that owns the trail, from its ARN.
    pub fn owner_account(&self) -> Option<&str> {
        arn_field(&self.arn, 4)
    }
}

/// A log group named by a full ARN: its own account and region, which need not be the
/// audited ones.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct LogGroupRef {
    /// The ARN without the `:*` suffix CloudTrail adds.
    pub arn: String,
    pub account_id: String,
    pub region: String,
    pub name: String,
}

impl LogGroupRef {
    /// Parses `arn:aws:logs:REGION:ACCOUNT:log-group:NAME[:*]`.
    pub fn from_arn(arn: &str) -> Option<LogGroupRef> {
        let trimmed = arn.strip_suffix(":*").unwrap_or(arn);
        let mut parts = trimmed.splitn(7, ':');
        let (prefix, _partition, service) = (parts.next()?, parts.next()?, parts.next()?);
        let (region, account, kind, name) =
            (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        let well_formed = prefix == "arn" && service == "logs" && kind == "log-group";
        (well_formed && !region.is_empty() && !account.is_empty() && !name.is_empty()).then(|| {
            LogGroupRef {
                arn: trimmed.to_string(),
                account_id: account.to_string(),
                region: region.to_string(),
                name: name.to_string(),
            }
        })
    }
}

impl LogGroupRef {
    /// Where the log group's metrics, and so the alarms on them, live.
    pub fn place(&self) -> Place {
        Place::new(&self.account_id, &self.region)
    }
}

/// The field at `index` of a colon-separated ARN (3 = region, 4 = account).
pub fn arn_field(arn: &str, index: usize) -> Option<&str> {
    arn.split(':').nth(index).filter(|field| !field.is_empty())
}

/// What `GetTrailStatus` says about delivery.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrailStatus {
    pub is_logging: bool,
    /// `LatestCloudWatchLogsDeliveryError`.
    pub delivery_error: Option<String>,
    /// `LatestCloudWatchLogsDeliveryTime`, as an RFC 3339 string.
    pub last_delivery: Option<String>,
}

/// Which events a trail records.
#[derive(Debug, Clone, PartialEq)]
pub enum Selectors {
    /// Basic event selectors; an empty list is CloudTrail's default (all management
    /// events, read and write).
    Basic(Vec<BasicSelector>),
    /// Advanced event selectors.
    Advanced(Vec<AdvancedSelector>),
}

/// One basic event selector.
#[derive(Debug, Clone, PartialEq)]
pub struct BasicSelector {
    /// `All`, `ReadOnly` or `WriteOnly`; absent means `All`.
    pub read_write_type: Option<String>,
    /// Absent means true.
    pub include_management_events: Option<bool>,
    pub exclude_management_event_sources: Vec<String>,
}

/// One advanced event selector: all of its field selectors must hold.
#[derive(Debug, Clone, PartialEq)]
pub struct AdvancedSelector {
    pub name: Option<String>,
    pub fields: Vec<FieldSelector>,
}

/// One condition of an advanced event selector.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FieldSelector {
    pub field: String,
    pub equals: Vec<String>,
    pub not_equals: Vec<String>,
    pub starts_with: Vec<String>,
    pub not_starts_with: Vec<String>,
    pub ends_with: Vec<String>,
    pub not_ends_with: Vec<String>,
}

/// A metric filter on a log group.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MetricFilter {
    pub name: String,
    pub pattern: String,
    /// AWS allows exactly one; more or none is reported, not assumed.
    pub transformations: Vec<MetricTransformation>,
    /// `fieldSelectionCriteria`: events are narrowed before the pattern runs.
    pub field_selection: Option<String>,
    /// `applyOnTransformedLogs`: the pattern sees transformed records.
    pub applies_to_transformed_logs: bool,
}

/// The metric a filter publishes, and the value of one match.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MetricTransformation {
    pub namespace: String,
    pub name: String,
    /// A number, or a `$.field` selector.
    pub value: String,
    /// What the filter publishes for a log event it does not match, when set.
    pub default_value: Option<f64>,
    /// The unit of the published datapoints; AWS uses `None` when it is not set.
    pub unit: Option<String>,
    pub dimensions: BTreeMap<String, String>,
}

/// A CloudWatch metric alarm.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Alarm {
    pub name: String,
    pub namespace: Option<String>,
    pub metric_name: Option<String>,
    pub dimensions: BTreeMap<String, String>,
    pub statistic: Option<String>,
    pub extended_statistic: Option<String>,
    pub comparison: Option<String>,
    pub threshold: Option<f64>,
    pub evaluation_periods: Option<i32>,
    pub datapoints_to_alarm: Option<i32>,
    /// When set, the alarm reads only datapoints published in this unit.
    pub unit: Option<String>,
    /// For a percentile: `ignore` keeps the state through periods of too few datapoints.
    pub evaluate_low_sample_count: Option<String>,
    pub actions_enabled: bool,
    pub alarm_actions: Vec<String>,
    /// `missing` (the default), `notBreaching`, `breaching` or `ignore`.
    pub treat_missing_data: Option<String>,
    /// For a composite alarm: its rule (`ALARM("a") OR ALARM("b")`); it watches no metric.
    pub alarm_rule: Option<String>,
    /// For a composite alarm: the alarm whose ALARM state suppresses its actions.
    pub actions_suppressor: Option<String>,
    /// For metric-math alarms: the metrics their queries read.
    pub math_metrics: Vec<MetricId>,
}

/// A metric's identity: namespace, name and dimensions.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct MetricId {
    pub namespace: String,
    pub name: String,
    pub dimensions: BTreeMap<String, String>,
}

/// An SNS subscription.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Subscription {
    /// A subscription ARN once confirmed; `PendingConfirmation` until then.
    pub arn: String,
    pub protocol: String,
    pub endpoint: String,
}

/// True for the AWS managed key of SNS (`alias/aws/sns`, as a name or an ARN): its key
/// policy cannot be changed to let CloudWatch use it, so alarms cannot publish to a topic
/// it encrypts.
pub fn is_aws_managed_sns_key(key: &str) -> bool {
    key == "alias/aws/sns" || key.ends_with(":alias/aws/sns")
}

impl Subscription {
    /// True once the endpoint confirmed: AWS then gives a real ARN.
    pub fn is_confirmed(&self) -> bool {
        self.arn.starts_with("arn:")
    }
}

/// Why a read failed, classified from the SDK error's type and code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    AccessDenied,
    Throttled,
    NotFound,
    NoCredentials,
    InvalidCredentials,
    Unreachable,
    Timeout,
    Other,
}

/// A read that failed: the operation (as its IAM action), the resource and the region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReadError {
    /// The IAM action of the call, e.g. `logs:DescribeMetricFilters`.
    pub operation: String,
    /// What was read, e.g. `log group CloudTrail/Default`.
    pub resource: String,
    pub region: String,
    pub kind: ErrorKind,
    /// The service's own words, for the details.
    pub detail: String,
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            ErrorKind::AccessDenied => format!("access denied (allow {})", self.operation),
            ErrorKind::Throttled => "throttled beyond retries".to_string(),
            ErrorKind::NotFound => "not found".to_string(),
            ErrorKind::NoCredentials => "no credentials".to_string(),
            ErrorKind::InvalidCredentials => "credentials rejected".to_string(),
            ErrorKind::Unreachable => "endpoint not reachable".to_string(),
            ErrorKind::Timeout => "timed out".to_string(),
            ErrorKind::Other => "failed".to_string(),
        };
        write!(f, "{} for {} in {}: {what}", self.operation, self.resource, self.region)?;
        if !self.detail.is_empty() && self.kind != ErrorKind::AccessDenied {
            write!(f, " ({})", self.detail)?;
        }
        Ok(())
    }
}

impl std::error::Error for ReadError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_group_arn_gives_its_own_region_and_account() {
        let group = LogGroupRef::from_arn(
            "arn:aws:logs:eu-west-1:111122223333:log-group:CloudTrail/Default:*",
        )
        .expect("valid ARN");
        assert_eq!(group.region, "eu-west-1");
        assert_eq!(group.account_id, "111122223333");
        assert_eq!(group.name, "CloudTrail/Default");
        assert_eq!(group.arn, "arn:aws:logs:eu-west-1:111122223333:log-group:CloudTrail/Default");
    }

    #[test]
    fn log_group_names_may_contain_colons_free_text() {
        let group = LogGroupRef::from_arn("arn:aws-cn:logs:cn-north-1:1:log-group:a/b.c_d-e#f")
            .expect("valid ARN");
        assert_eq!(group.name, "a/b.c_d-e#f");
    }

    #[test]
    fn malformed_log_group_arns_are_rejected() {
        for bad in ["", "CloudTrail/Default", "arn:aws:s3:::bucket", "arn:aws:logs::1:log-group:x"]
        {
            assert_eq!(LogGroupRef::from_arn(bad), None, "{bad}");
        }
    }

    #[test]
    fn only_real_arns_are_confirmed_subscriptions() {
        let pending = Subscription { arn: "PendingConfirmation".into(), ..Default::default() };
        let confirmed =
            Subscription { arn: "arn:aws:sns:us-east-1:1:t:0a1b".into(), ..Default::default() };
        assert!(!pending.is_confirmed());
        assert!(confirmed.is_confirmed());
    }

    #[test]
    fn read_errors_name_operation_resource_region_and_permission() {
        let err = ReadError {
            operation: "logs:DescribeMetricFilters".into(),
            resource: "log group CloudTrail/Default".into(),
            region: "eu-west-1".into(),
            kind: ErrorKind::AccessDenied,
            detail: "User is not authorized".into(),
        };
        assert_eq!(
            err.to_string(),
            "logs:DescribeMetricFilters for log group CloudTrail/Default in eu-west-1: \
             access denied (allow logs:DescribeMetricFilters)"
        );
    }
}

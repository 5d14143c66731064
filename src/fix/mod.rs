//! Stage `fix`: the only module that writes to AWS. `plan` turns the check's inventory
//! and findings into the smallest set of vpcwatch's own resources that covers the names
//! not yet covered (pure); `patterns` builds and verifies the filter patterns (pure);
//! `text` and `emit` render a plan as text or as Terraform and CloudFormation (pure);
//! `apply` reads the few facts the plan needs beyond the inventory and does the writes,
//! reading each resource again just before its write and letting `recheck` (pure) decide
//! whether the write still goes ahead.
//!
//! Everything vpcwatch creates is named with [`PREFIX`], publishes to or watches one
//! metric ([`METRIC_NAMESPACE`]/[`METRIC_NAME`]), and is never changed unless it is
//! vpcwatch's own.

#[cfg(feature = "aws")]
pub mod apply;
pub mod emit;
pub mod patterns;
pub mod plan;
pub mod recheck;
pub mod text;

/// The prefix of every resource name vpcwatch creates.
pub const PREFIX: &str = "vpcwatch-";
/// Metric filters are named `vpcwatch-vpc-changes-1`, `-2`, ... on the log group.
pub const FILTER_BASE: &str = "vpcwatch-vpc-changes";
/// The metric alarm, in the log group's region.
pub const ALARM_NAME: &str = "vpcwatch-vpc-changes";
/// The SNS topic vpcwatch creates unless `--topic-arn` names one.
pub const TOPIC_NAME: &str = "vpcwatch-vpc-changes";
/// The namespace of the metric every vpcwatch filter publishes to.
pub const METRIC_NAMESPACE: &str = "vpcwatch";
/// The metric every vpcwatch filter publishes to.
pub const METRIC_NAME: &str = "VpcNetworkChanges";
/// The value a filter publishes for one matching record.
pub const METRIC_VALUE: &str = "1";
/// The alarm's period: one event within five minutes alarms.
pub const ALARM_PERIOD_SECONDS: i32 = 300;
/// The alarm's description, which says what it watches and who made it.
pub const ALARM_DESCRIPTION: &str = "Changes to VPC networking (VPCs, subnets, security \
groups, network ACLs, route tables, gateways, peering) recorded by CloudTrail. Created by \
vpcwatch fix.";

/// The name of the `index`-th (from 1) metric filter.
pub fn filter_name(index: usize) -> String {
    format!("{FILTER_BASE}-{index}")
}

//! `fix --emit`: the plan as infrastructure code instead of writes, pure. The same
//! resources the plan would create (metric filters, the topic unless `--topic-arn`, the
//! email subscription, the alarm), referring to the existing log group by name.

use std::fmt::Write as _;

use serde_json::{json, Map, Value};

use crate::config::EmitFormat;

use super::plan::{Action, AlarmSpec, FilterSpec, Plan};
use super::{ALARM_DESCRIPTION, ALARM_PERIOD_SECONDS, METRIC_NAME, METRIC_NAMESPACE, METRIC_VALUE};

/// The plan in `format`.
pub fn emit(plan: &Plan, format: EmitFormat) -> String {
    match format {
        EmitFormat::Terraform => terraform(plan),
        EmitFormat::CloudFormation => cloudformation(plan),
    }
}

fn creates_topic(plan: &Plan) -> bool {
    plan.actions.iter().any(|a| matches!(a, Action::CreateTopic { .. }))
}

/// Terraform (HCL) for the AWS provider, configured for the log group's region.
pub fn terraform(plan: &Plan) -> String {
    let group = &plan.log_group;
    let mut out = format!(
        "# vpcwatch fix: alert a person when VPC networking changes ({} names).\n\
         # Apply with the AWS provider in region {} and account {}.\n",
        plan.names.len(),
        group.region,
        group.account_id
    );
    for action in &plan.actions {
        out.push('\n');
        out.push_str(&match action {
            Action::CreateTopic { name } => tf_topic(name),
            Action::Subscribe { email, .. } => tf_subscription(plan, email),
            Action::PutFilter(filter) => tf_filter(plan, filter),
            Action::PutAlarm(alarm) => tf_alarm(plan, alarm),
        });
    }
    out
}

const TF_TOPIC: &str = "aws_sns_topic.vpcwatch_vpc_changes.arn";

fn tf_topic_ref(plan: &Plan) -> String {
    if creates_topic(plan) {
        TF_TOPIC.to_string()
    } else {
        hcl_string(&plan.topic_arn)
    }
}

fn tf_topic(name: &str) -> String {
    format!(
        "resource \"aws_sns_topic\" \"vpcwatch_vpc_changes\" {{\n  name = {}\n}}\n",
        hcl_string(name)
    )
}

fn tf_subscription(plan: &Plan, email: &str) -> String {
    format!(
        "resource \"aws_sns_topic_subscription\" \"vpcwatch_email\" {{\n  \
         topic_arn = {}\n  protocol  = \"email\"\n  endpoint  = {}\n}}\n",
        tf_topic_ref(plan),
        hcl_string(email)
    )
}

fn tf_filter(plan: &Plan, filter: &FilterSpec) -> String {
    format!(
        "resource \"aws_cloudwatch_log_metric_filter\" \"{}\" {{\n  \
         name           = {}\n  log_group_name = {}\n  pattern        = {}\n\n  \
         metric_transformation {{\n    name      = {}\n    namespace = {}\n    \
         value     = {}\n  }}\n}}\n",
        label(&filter.name),
        hcl_string(&filter.name),
        hcl_string(&plan.log_group.name),
        hcl_string(&filter.pattern),
        hcl_string(METRIC_NAME),
        hcl_string(METRIC_NAMESPACE),
        hcl_string(METRIC_VALUE)
    )
}

fn tf_alarm(plan: &Plan, alarm: &AlarmSpec) -> String {
    let actions: Vec<String> = alarm
        .actions
        .iter()
        .map(|a| if *a == plan.topic_arn { tf_topic_ref(plan) } else { hcl_string(a) })
        .collect();
    let mut out =
        format!("resource \"aws_cloudwatch_metric_alarm\" \"{}\" {{\n", label(&alarm.name));
    let fields = [
        ("alarm_name", hcl_string(&alarm.name)),
        ("alarm_description", hcl_string(ALARM_DESCRIPTION)),
        ("namespace", hcl_string(METRIC_NAMESPACE)),
        ("metric_name", hcl_string(METRIC_NAME)),
        ("statistic", hcl_string("Sum")),
        ("period", ALARM_PERIOD_SECONDS.to_string()),
        ("evaluation_periods", "1".into()),
        ("datapoints_to_alarm", "1".into()),
        ("threshold", "1".into()),
        ("comparison_operator", hcl_string("GreaterThanOrEqualToThreshold")),
        ("treat_missing_data", hcl_string("notBreaching")),
        ("actions_enabled", "true".into()),
        ("alarm_actions", format!("[{}]", actions.join(", "))),
    ];
    for (key, value) in fields {
        let _ = writeln!(out, "  {key:<19} = {value}");
    }
    out.push_str("}\n");
    out
}

/// A Terraform resource label from a vpcwatch name: `vpcwatch-vpc-changes-1` becomes
/// `vpcwatch_vpc_changes_1`.
fn label(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect()
}

/// A quoted HCL string: backslash, quote and control characters escaped, and template
/// sequences (`${`, `%{`) doubled so they stay literal.
fn hcl_string(text: &str) -> String {
    let mut out = String::from("\"");
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A CloudFormation template (JSON), to deploy in the log group's region and account.
pub fn cloudformation(plan: &Plan) -> String {
    let mut resources = Map::new();
    for action in &plan.actions {
        let (id, resource) = match action {
            Action::CreateTopic { name } => (
                CFN_TOPIC.to_string(),
                json!({"Type": "AWS::SNS::Topic", "Properties": {"TopicName": name}}),
            ),
            Action::Subscribe { email, .. } => (
                "VpcwatchEmailSubscription".to_string(),
                json!({"Type": "AWS::SNS::Subscription", "Properties": {
                    "TopicArn": cfn_topic_ref(plan), "Protocol": "email", "Endpoint": email}}),
            ),
            Action::PutFilter(filter) => (cfn_id(&filter.name), cfn_filter(plan, filter)),
            Action::PutAlarm(alarm) => ("VpcwatchAlarm".to_string(), cfn_alarm(plan, alarm)),
        };
        resources.insert(id, resource);
    }
    let description = format!(
        "vpcwatch fix: alert a person when VPC networking changes ({} names). Deploy in {}, \
         account {}.",
        plan.names.len(),
        plan.log_group.region,
        plan.log_group.account_id
    );
    let template = json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": description,
        "Resources": resources,
    });
    let mut text = serde_json::to_string_pretty(&template).expect("a JSON value serialises");
    text.push('\n');
    text
}

const CFN_TOPIC: &str = "VpcwatchTopic";

fn cfn_topic_ref(plan: &Plan) -> Value {
    if creates_topic(plan) {
        json!({"Ref": CFN_TOPIC})
    } else {
        json!(plan.topic_arn)
    }
}

/// `vpcwatch-vpc-changes-1` becomes `VpcwatchFilter1`.
fn cfn_id(filter: &str) -> String {
    let index: String = filter.chars().filter(char::is_ascii_digit).collect();
    format!("VpcwatchFilter{index}")
}

fn cfn_filter(plan: &Plan, filter: &FilterSpec) -> Value {
    json!({"Type": "AWS::Logs::MetricFilter", "Properties": {
        "FilterName": filter.name,
        "LogGroupName": plan.log_group.name,
        "FilterPattern": filter.pattern,
        "MetricTransformations": [{
            "MetricNamespace": METRIC_NAMESPACE,
            "MetricName": METRIC_NAME,
            "MetricValue": METRIC_VALUE,
        }],
    }})
}

fn cfn_alarm(plan: &Plan, alarm: &AlarmSpec) -> Value {
    let actions: Vec<Value> = alarm
        .actions
        .iter()
        .map(|a| if *a == plan.topic_arn { cfn_topic_ref(plan) } else { json!(a) })
        .collect();
    json!({"Type": "AWS::CloudWatch::Alarm", "Properties": {
        "AlarmName": alarm.name,
        "AlarmDescription": ALARM_DESCRIPTION,
        "Namespace": METRIC_NAMESPACE,
        "MetricName": METRIC_NAME,
        "Statistic": "Sum",
        "Period": ALARM_PERIOD_SECONDS,
        "EvaluationPeriods": 1,
        "DatapointsToAlarm": 1,
        "Threshold": 1,
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "TreatMissingData": "notBreaching",
        "ActionsEnabled": true,
        "AlarmActions": actions,
    }})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hcl_strings_keep_template_sequences_literal() {
        assert_eq!(hcl_string("{$.eventName=A}"), "\"{$.eventName=A}\"");
        assert_eq!(hcl_string("a${b}%{c}"), "\"a$${b}%%{c}\"");
        assert_eq!(hcl_string("q\"\\"), "\"q\\\"\\\\\"");
    }

    #[test]
    fn labels_and_ids_are_identifiers() {
        assert_eq!(label("vpcwatch-vpc-changes-1"), "vpcwatch_vpc_changes_1");
        assert_eq!(cfn_id("vpcwatch-vpc-changes-12"), "VpcwatchFilter12");
    }
}

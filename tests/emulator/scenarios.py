"""Seeding scenarios: one account state per name, built the way an operator would build it.

Each scenario is a `Chain` (the sound alert chain) with one link changed. The chain is
created through the AWS APIs of the emulator itself (boto3 against its own endpoint), so
the state is what moto really returns; only what moto cannot produce through the API
(a subscription still waiting for confirmation) is set by reaching into its backends.

The link names follow alert-chain.md: trail -> log group -> metric filter -> alarm ->
topic -> confirmed subscription.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any, Callable

# The default watched set, in the order of events.md.
DEFAULT_EVENT_NAMES = [
    "CreateVpc", "DeleteVpc",
    "CreateSubnet", "DeleteSubnet",
    "CreateSecurityGroup", "DeleteSecurityGroup",
    "AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress",
    "RevokeSecurityGroupIngress", "RevokeSecurityGroupEgress",
    "CreateNetworkAcl", "DeleteNetworkAcl", "CreateNetworkAclEntry",
    "DeleteNetworkAclEntry", "ReplaceNetworkAclEntry",
    "CreateRouteTable", "DeleteRouteTable", "CreateRoute", "DeleteRoute", "ReplaceRoute",
    "CreateInternetGateway", "DeleteInternetGateway",
    "AttachInternetGateway", "DetachInternetGateway",
    "CreateVpcPeeringConnection", "DeleteVpcPeeringConnection",
    "AcceptVpcPeeringConnection", "RejectVpcPeeringConnection",
    "CreateNatGateway", "DeleteNatGateway",
]  # fmt: skip

# CIS AWS Foundations 4.14 ("VPC changes"), in the benchmark's order.
CIS_414_EVENT_NAMES = [
    "CreateVpc", "DeleteVpc", "ModifyVpcAttribute",
    "AcceptVpcPeeringConnection", "CreateVpcPeeringConnection",
    "DeleteVpcPeeringConnection", "RejectVpcPeeringConnection",
    "AttachClassicLinkVpc", "DetachClassicLinkVpc",
    "DisableVpcClassicLink", "EnableVpcClassicLink",
]  # fmt: skip

# AWS rejects longer patterns (PutMetricFilter, filterPattern max length).
MAX_PATTERN_LEN = 1024

TRAIL_NAME = "management-events"
LOG_GROUP = "CloudTrail/Default"
LOGS_ROLE = "CloudTrail_CloudWatchLogs_Role"
FILTER_NAME = "VpcChanges"
METRIC_NAME = "VpcEventCount"
METRIC_NAMESPACE = "CISBenchmark"
ALARM_NAME = "VpcChangesAlarm"
TOPIC_NAME = "vpc-alerts"
EMAIL = "secops@example.com"


def compact_pattern(names: list[str]) -> str:
    """`{$.eventName=A||$.eventName=B}`: the only form in which all 30 names fit."""
    return "{" + "||".join(f"$.eventName={n}" for n in names) + "}"


def spaced_pattern(names: list[str]) -> str:
    """`{ ($.eventName = A) || ($.eventName = B) }`: the style of the CIS benchmark."""
    return "{ " + " || ".join(f"($.eventName = {n})" for n in names) + " }"


def root_only_pattern(names: list[str]) -> str:
    """The names, but only when the caller is the root user."""
    inner = "||".join(f"$.eventName={n}" for n in names)
    return "{(" + inner + ")&&$.userIdentity.type=Root}"


@dataclasses.dataclass
class Chain:
    """The links of one alert chain; the defaults make a sound chain in us-east-1."""

    region: str = "us-east-1"
    trail: bool = True
    multi_region: bool = True
    # An organization trail: it records every account of the organization.
    organization: bool = False
    logs: bool = True
    logging: bool = True
    stop_logging: bool = False
    event_selectors: list[dict[str, Any]] | None = None
    advanced_event_selectors: list[dict[str, Any]] | None = None
    filters: list[tuple[str, str]] = dataclasses.field(
        default_factory=lambda: [(FILTER_NAME, compact_pattern(DEFAULT_EVENT_NAMES))]
    )
    alarm: bool = True
    comparison: str = "GreaterThanOrEqualToThreshold"
    threshold: float = 1.0
    treat_missing_data: str = "notBreaching"
    # The unit the alarm reads; the filters publish in None (no unit).
    alarm_unit: str | None = None
    # What the filters publish for a log event they do not match (none by default).
    default_value: float | None = None
    actions_enabled: bool = True
    alarm_actions: bool = True
    topic: bool = True
    topic_name: str = TOPIC_NAME
    # The topic's KmsMasterKeyId, when it is encrypted.
    topic_kms_key: str | None = None
    subscription: str | None = "confirmed"  # "confirmed", "pending" or None
    alarm_name: str = ALARM_NAME
    # An alarm action to use instead of the topic (an EC2 or Auto Scaling action).
    alarm_action: str | None = None
    # The topic is deleted once the alarm points at it.
    delete_topic: bool = False
    # Alarms on other metrics, created before the chain's own.
    unrelated_alarms: int = 0
    # A composite alarm with this rule notifies the topic in place of the chain's alarm,
    # which then has no actions of its own.
    composite_rule: str | None = None


# A filter name and an alarm name as someone with write access could set them: an ANSI
# colour and a screen clear, a newline, a right-to-left override, a zero-width space.
# Alarm names get no control characters: CloudWatch refuses them, and its XML answers
# could not carry them (moto sends them raw, and the SDK rightly fails to parse that).
HOSTILE_FILTER_NAME = "Vpc\x1b[31mChanges\x1b[2J\n\u202eSECAPS\u200b"
COMPOSITE_ALARM_NAME = "VpcChangesComposite"
HOSTILE_ALARM_NAME = "Vpc\u202emralA\u2066x\u2069\u200b\ufeff"


def _unrelated_then_covering(count: int) -> list[tuple[str, str]]:
    """`count - 1` filters of other calls, then one that covers the default names."""
    others = [
        (f"Unrelated-{i:03}", f"{{ $.eventName = GetObject{i} }}") for i in range(count - 1)
    ]
    return others + [(f"{FILTER_NAME}-{count:03}", compact_pattern(DEFAULT_EVENT_NAMES))]


def _split(names: list[str]) -> list[tuple[str, str]]:
    half = len(names) // 2
    return [
        (f"{FILTER_NAME}-1", spaced_pattern(names[:half])),
        (f"{FILTER_NAME}-2", spaced_pattern(names[half:])),
    ]


SCENARIOS: dict[str, Chain] = {
    "sound": Chain(),
    "no_trail": Chain(
        trail=False, logs=False, filters=[], alarm=False, topic=False, subscription=None
    ),
    "trail_without_logs": Chain(
        logs=False, filters=[], alarm=False, topic=False, subscription=None
    ),
    "split_two_filters": Chain(filters=_split(DEFAULT_EVENT_NAMES)),
    "cis_414_only": Chain(filters=[(FILTER_NAME, spaced_pattern(CIS_414_EVENT_NAMES))]),
    "no_alarm": Chain(alarm=False),
    "alarm_without_actions": Chain(alarm_actions=False),
    "alarm_actions_disabled": Chain(actions_enabled=False),
    "topic_without_subscriptions": Chain(subscription=None),
    "pending_subscription": Chain(subscription="pending"),
    "root_only_filter": Chain(filters=[(FILTER_NAME, root_only_pattern(DEFAULT_EVENT_NAMES))]),
    "event_source_filter": Chain(
        filters=[(FILTER_NAME, "{ $.eventSource = ec2.amazonaws.com }")]
    ),
    "stopped_trail": Chain(stop_logging=True),
    "read_only_trail": Chain(
        event_selectors=[
            {"ReadWriteType": "ReadOnly", "IncludeManagementEvents": True, "DataResources": []}
        ]
    ),
    "other_home_region": Chain(region="us-west-2"),
    "unreachable_threshold": Chain(comparison="GreaterThanThreshold", threshold=5.0),
    # The chain's alarm tells nobody itself; a composite alarm of it notifies the topic,
    # alone or together with an alarm on a metric that no filter here publishes.
    "composite_alarm": Chain(composite_rule=f'ALARM("{ALARM_NAME}")'),
    "composite_with_unrelated": Chain(
        unrelated_alarms=1, composite_rule=f'ALARM("{ALARM_NAME}") OR ALARM("Unrelated-0000")'
    ),
    # The topic is encrypted with SNS's AWS managed key: CloudWatch cannot publish to it.
    "topic_aws_managed_key": Chain(topic_kms_key="alias/aws/sns"),
    # The alarm reads datapoints in Count; the filter publishes in None: it sees nothing.
    "alarm_unit_count": Chain(alarm_unit="Count"),
    # Quiet periods count as breaching: the alarm sits in ALARM and an event changes nothing.
    "missing_data_breaching": Chain(treat_missing_data="breaching"),
    # Every log event that is not a VPC change publishes 0: Sum >= 1 still rests at 0.
    "default_value_zero": Chain(default_value=0.0),
    # Every other log event publishes 1: the Sum breaches without any VPC change.
    "default_value_one": Chain(default_value=1.0),
    "advanced_selectors_write": Chain(
        advanced_event_selectors=[
            {
                "Name": "Management write events",
                "FieldSelectors": [
                    {"Field": "eventCategory", "Equals": ["Management"]},
                    {"Field": "readOnly", "Equals": ["false"]},
                ],
            }
        ]
    ),
    "single_region_trail": Chain(multi_region=False),
    # Seeded in an organization's management account: an organization trail that records
    # the members' calls in us-east-1 only.
    "organization_trail_one_region": Chain(organization=True, multi_region=False),
    # Someone else's filter already carries the name `vpcwatch fix` would give its own.
    "fix_name_collision": Chain(
        alarm=False,
        filters=[
            (FILTER_NAME, compact_pattern(DEFAULT_EVENT_NAMES)),
            ("vpcwatch-vpc-changes-1", spaced_pattern(CIS_414_EVENT_NAMES)),
        ],
    ),
    "hostile_names": Chain(
        filters=[(HOSTILE_FILTER_NAME, compact_pattern(DEFAULT_EVENT_NAMES))],
        alarm_name=HOSTILE_ALARM_NAME,
    ),
    # Unterminated: AWS rejects it at PutMetricFilter, moto stores it.
    "invalid_pattern": Chain(filters=[("Broken", "{ $.eventName = ")]),
    "hundred_filters": Chain(filters=_unrelated_then_covering(100)),
    "non_sns_action": Chain(alarm_action="arn:aws:automate:us-east-1:ec2:stop"),
    "deleted_topic": Chain(delete_topic=True),
    "thousands_of_alarms": Chain(unrelated_alarms=2000),
    # CloudWatch refuses this name; moto stores it and sends the ESC raw in its XML.
    "control_char_alarm_name": Chain(alarm_name="Vpc\x1b[2JAlarm"),
    # An interrupted `vpcwatch fix`: its topic exists, with a confirmed subscription of
    # EMAIL, beside the user's filter; no filter or alarm of its own yet.
    "fix_interrupted": Chain(alarm=False, topic_name="vpcwatch-vpc-changes"),
}


class Seeder:
    """Builds one `Chain` in one account and records every resource it creates."""

    def __init__(self, client: Callable[[str, str], Any], account: str, chain: Chain):
        self.client = client
        self.account = account
        self.chain = chain
        self.resources: list[dict[str, str]] = []

    def _created(self, kind: str, name: str, arn: str) -> None:
        self.resources.append(
            {"kind": kind, "name": name, "region": self.chain.region, "arn": arn}
        )

    def _c(self, service: str) -> Any:
        return self.client(service, self.chain.region)

    def run(self, mark_pending: Callable[[str, str], None]) -> list[dict[str, str]]:
        c = self.chain
        log_group_arn = self.log_group() if c.logs else None
        if c.trail:
            self.trail(log_group_arn)
        for name, pattern in c.filters:
            self.metric_filter(name, pattern)
        topic_arn = self.topic() if c.topic else None
        if topic_arn and c.subscription:
            sub_arn = self.subscribe(topic_arn)
            if c.subscription == "pending":
                mark_pending(sub_arn, c.region)
        for i in range(c.unrelated_alarms):
            self.unrelated_alarm(i)
        if c.alarm:
            self.alarm(topic_arn)
        if topic_arn and c.delete_topic:
            self._c("sns").delete_topic(TopicArn=topic_arn)
        return self.resources

    def log_group(self) -> str:
        self._c("logs").create_log_group(logGroupName=LOG_GROUP)
        arn = f"arn:aws:logs:{self.chain.region}:{self.account}:log-group:{LOG_GROUP}:*"
        self._created("log-group", LOG_GROUP, arn)
        return arn

    def bucket(self) -> str:
        name = f"aws-cloudtrail-logs-{self.account}-{self.chain.region}"
        s3 = self._c("s3")
        if self.chain.region == "us-east-1":
            s3.create_bucket(Bucket=name)
        else:
            s3.create_bucket(
                Bucket=name,
                CreateBucketConfiguration={"LocationConstraint": self.chain.region},
            )
        self._created("s3-bucket", name, f"arn:aws:s3:::{name}")
        return name

    def logs_role(self) -> str:
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "cloudtrail.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
        iam = self._c("iam")
        try:
            role = iam.create_role(
                RoleName=LOGS_ROLE, AssumeRolePolicyDocument=json.dumps(trust)
            )["Role"]
        except iam.exceptions.EntityAlreadyExistsException:
            # IAM is global: a chain seeded in a second region of the account shares it.
            role = iam.get_role(RoleName=LOGS_ROLE)["Role"]
        self._created("iam-role", LOGS_ROLE, role["Arn"])
        return role["Arn"]

    def trail(self, log_group_arn: str | None) -> None:
        c = self.chain
        args: dict[str, Any] = {
            "Name": TRAIL_NAME,
            "S3BucketName": self.bucket(),
            "IsMultiRegionTrail": c.multi_region,
            "IsOrganizationTrail": c.organization,
            "IncludeGlobalServiceEvents": True,
            "EnableLogFileValidation": True,
        }
        if log_group_arn:
            args["CloudWatchLogsLogGroupArn"] = log_group_arn
            args["CloudWatchLogsRoleArn"] = self.logs_role()
        ct = self._c("cloudtrail")
        arn = ct.create_trail(**args)["TrailARN"]
        self._created("trail", TRAIL_NAME, arn)
        if c.event_selectors is not None:
            ct.put_event_selectors(TrailName=TRAIL_NAME, EventSelectors=c.event_selectors)
        if c.advanced_event_selectors is not None:
            ct.put_event_selectors(
                TrailName=TRAIL_NAME, AdvancedEventSelectors=c.advanced_event_selectors
            )
        if c.logging:
            ct.start_logging(Name=TRAIL_NAME)
        if c.stop_logging:
            ct.stop_logging(Name=TRAIL_NAME)

    def metric_filter(self, name: str, pattern: str) -> None:
        if len(pattern) > MAX_PATTERN_LEN:
            raise ValueError(f"pattern of filter {name} is {len(pattern)} characters long")
        self._c("logs").put_metric_filter(
            logGroupName=LOG_GROUP,
            filterName=name,
            filterPattern=pattern,
            metricTransformations=[self._transformation()],
        )
        self._created("metric-filter", name, f"{LOG_GROUP}/{name}")

    def _transformation(self) -> dict[str, Any]:
        transformation: dict[str, Any] = {
            "metricName": METRIC_NAME,
            "metricNamespace": METRIC_NAMESPACE,
            "metricValue": "1",
        }
        if self.chain.default_value is not None:
            transformation["defaultValue"] = self.chain.default_value
        return transformation

    def topic(self) -> str:
        name = self.chain.topic_name
        key = self.chain.topic_kms_key
        attributes = {"KmsMasterKeyId": key} if key else {}
        arn = self._c("sns").create_topic(Name=name, Attributes=attributes)["TopicArn"]
        self._created("sns-topic", name, arn)
        return arn

    def subscribe(self, topic_arn: str) -> str:
        arn = self._c("sns").subscribe(
            TopicArn=topic_arn, Protocol="email", Endpoint=EMAIL, ReturnSubscriptionArn=True
        )["SubscriptionArn"]
        self._created("sns-subscription", EMAIL, arn)
        return arn

    def unrelated_alarm(self, i: int) -> None:
        self._c("cloudwatch").put_metric_alarm(
            AlarmName=f"Unrelated-{i:04}",
            MetricName=f"Other{i}",
            Namespace="Unrelated",
            Statistic="Sum",
            Period=300,
            EvaluationPeriods=1,
            Threshold=1.0,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
        )

    def alarm(self, topic_arn: str | None) -> None:
        c = self.chain
        actions = [topic_arn] if (topic_arn and c.alarm_actions) else []
        if c.composite_rule is not None:
            actions = []
        if c.alarm_action is not None:
            actions = [c.alarm_action]
        self._c("cloudwatch").put_metric_alarm(
            AlarmName=c.alarm_name,
            AlarmDescription="A VPC, subnet, route, gateway, ACL or security group changed",
            MetricName=METRIC_NAME,
            Namespace=METRIC_NAMESPACE,
            Statistic="Sum",
            Period=300,
            EvaluationPeriods=1,
            Threshold=c.threshold,
            ComparisonOperator=c.comparison,
            TreatMissingData=c.treat_missing_data,
            ActionsEnabled=c.actions_enabled,
            AlarmActions=actions,
            **({"Unit": c.alarm_unit} if c.alarm_unit else {}),
        )
        arn = f"arn:aws:cloudwatch:{c.region}:{self.account}:alarm:{c.alarm_name}"
        self._created("alarm", c.alarm_name, arn)
        if c.composite_rule is not None:
            self.composite_alarm(c.composite_rule, [topic_arn] if topic_arn else [])

    def composite_alarm(self, rule: str, actions: list[str]) -> None:
        """moto has no PutCompositeAlarm: the alarm goes straight into its CloudWatch
        backend, whose DescribeAlarms then lists it among the CompositeAlarms."""
        from moto.cloudwatch.models import cloudwatch_backends

        backend = cloudwatch_backends[self.account][self.chain.region]
        backend.put_metric_alarm(
            name=COMPOSITE_ALARM_NAME,
            namespace=None,  # type: ignore[arg-type]
            metric_name=None,  # type: ignore[arg-type]
            comparison_operator=None,  # type: ignore[arg-type]
            evaluation_periods=None,  # type: ignore[arg-type]
            period=None,  # type: ignore[arg-type]
            threshold=None,  # type: ignore[arg-type]
            statistic=None,  # type: ignore[arg-type]
            description="VPC changes, through a composite alarm",
            dimensions=[],
            alarm_actions=actions,
            rule=rule,
        )
        arn = f"arn:aws:cloudwatch:{self.chain.region}:{self.account}:alarm:{COMPOSITE_ALARM_NAME}"
        self._created("alarm", COMPOSITE_ALARM_NAME, arn)

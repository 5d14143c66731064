//! The SDK side of `fix`: the reads a plan needs beyond the inventory (the topic, and
//! AWS's own opinion of each pattern), and the writes. Just before each write the resource
//! is read again ([`recheck`](super::recheck) decides what that means), and each write is
//! logged before it is sent and classified like a failed read, naming the IAM action, the
//! resource and the region.

use aws_sdk_cloudwatch::types::{ComparisonOperator, Statistic};
use aws_sdk_cloudwatchlogs::types::MetricTransformation;

use crate::aws::read_error;
use crate::discover::{self, Aws};
use crate::inventory::{ErrorKind, ReadError};
use crate::records::{self, Caller, RecordContext};

use super::plan::{Action, AlarmSpec, FilterSpec, Plan, TopicState};
use super::recheck::{self, Recheck};
use super::{text, ALARM_DESCRIPTION, ALARM_PERIOD_SECONDS, METRIC_NAME, METRIC_NAMESPACE};

/// TestMetricFilter takes at most 50 messages a call.
const TEST_BATCH: usize = 50;

/// Reads the topic `arn`: whether it exists and its key (`sns:GetTopicAttributes`) and,
/// if so, its subscriptions.
pub async fn read_topic(aws: &Aws, arn: &str) -> Result<TopicState, ReadError> {
    let kms_key = match discover::topic_key(aws, arn).await {
        Ok(key) => key,
        Err(read) if read.kind == ErrorKind::NotFound => {
            let absent =
                TopicState { arn: arn.into(), exists: false, kms_key: None, subscriptions: vec![] };
            return Ok(absent);
        }
        Err(read) => return Err(read),
    };
    let subscriptions = discover::subscriptions_of(aws, arn).await?;
    Ok(TopicState { arn: arn.to_string(), exists: true, kms_key, subscriptions })
}

/// Asks AWS (`logs:TestMetricFilter`) whether each planned pattern matches the record of
/// each of its names. Where the call is not available vpcwatch's own verification stands:
/// a denial is a warning that names the action to allow, any other failure (the emulator
/// answers 500) is logged at debug level. An answer that misses a name is an error.
pub async fn confirm_patterns(aws: &Aws, plan: &Plan) -> anyhow::Result<()> {
    let ctx = RecordContext::new(&plan.log_group.account_id, &plan.log_group.region);
    for action in &plan.actions {
        if let Action::PutFilter(filter) = action {
            confirm_pattern(aws, plan, filter, &ctx).await?;
        }
    }
    Ok(())
}

async fn confirm_pattern(
    aws: &Aws,
    plan: &Plan,
    filter: &FilterSpec,
    ctx: &RecordContext,
) -> anyhow::Result<()> {
    let region = &plan.log_group.region;
    let client = aws.logs(region);
    for names in filter.names.chunks(TEST_BATCH) {
        let messages: Vec<String> =
            names.iter().map(|n| records::record(n, Caller::IamUser, ctx)).collect();
        aws.record("logs:TestMetricFilter", region);
        let reply = client
            .test_metric_filter()
            .filter_pattern(&filter.pattern)
            .set_log_event_messages(Some(messages))
            .send()
            .await;
        let reply = match reply {
            Ok(reply) => reply,
            Err(err) => {
                let why = read_error(&err, "logs:TestMetricFilter", "a pattern", region);
                if why.kind == ErrorKind::AccessDenied {
                    tracing::warn!(
                        "logs:TestMetricFilter denied in {region}: the pattern of filter {} is \
                         checked by vpcwatch alone (allow logs:TestMetricFilter to have AWS \
                         check it too)",
                        filter.name
                    );
                } else {
                    tracing::debug!(filter = %filter.name, error = %why,
                        "logs:TestMetricFilter not available; the pattern engine's check stands");
                }
                return Ok(());
            }
        };
        let matched: Vec<i64> = reply.matches().iter().map(|m| m.event_number()).collect();
        let missed = (1..=names.len() as i64).find(|n| !matched.contains(n));
        if let Some(n) = missed {
            anyhow::bail!(
                "nothing was written: logs:TestMetricFilter in {region} says pattern of filter {} \
                 does not match the record of {}",
                filter.name,
                names[(n - 1) as usize]
            );
        }
    }
    tracing::debug!(filter = %filter.name, "logs:TestMetricFilter confirmed the pattern");
    Ok(())
}

/// What became of the writes of a plan, in order.
#[derive(Debug, Default)]
pub struct Applied {
    /// Written by this run.
    pub written: Vec<Action>,
    /// Found in place just before the write: another run made them meanwhile.
    pub found: Vec<Action>,
}

/// Why a write was not made.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The call (or the read just before it) failed.
    #[error("{0}")]
    Aws(#[from] ReadError),
    /// The resource changed since the plan in a way the write would undo.
    #[error("{0}")]
    Changed(String),
}

/// A write that was not made: why, what was done before it, and what was left undone
/// (that write and the ones after it).
#[derive(Debug)]
pub struct Failed {
    pub applied: Applied,
    pub error: WriteError,
    pub left: Vec<Action>,
}

enum Step {
    Written,
    Found,
}

/// Makes every write of the plan in order, each decided again on the resource as it is
/// just before; stops at the first write that fails or is refused.
pub async fn apply(aws: &Aws, plan: &Plan) -> Result<Applied, Failed> {
    let mut applied = Applied::default();
    let mut topic_arn = plan.topic_arn.clone();
    for (index, action) in plan.actions.iter().enumerate() {
        let write = Write { aws, plan, line: text::describe(action, plan) };
        let step = match action {
            Action::CreateTopic { name } => write.create_topic(name).await.map(|arn| {
                topic_arn = arn;
                Step::Written
            }),
            Action::Subscribe { email, .. } => write.subscribe(&topic_arn, email).await,
            Action::PutFilter(filter) => write.put_filter(filter).await,
            Action::PutAlarm(alarm) => write.put_alarm(alarm, &topic_arn).await,
        };
        match step {
            Ok(Step::Written) => applied.written.push(action.clone()),
            Ok(Step::Found) => {
                tracing::info!(region = %write.region(),
                    "already in place, written meanwhile by another run: {}", write.line);
                applied.found.push(action.clone());
            }
            Err(error) => {
                let left = plan.actions[index..].to_vec();
                return Err(Failed { applied, error, left });
            }
        }
    }
    Ok(applied)
}

/// One write of a plan, and the line that names it in the log.
struct Write<'a> {
    aws: &'a Aws,
    plan: &'a Plan,
    line: String,
}

impl Write<'_> {
    fn region(&self) -> &str {
        &self.plan.log_group.region
    }

    /// Logs the write just before it is sent.
    fn announce(&self) {
        tracing::info!(region = %self.region(), "{}", self.line);
    }

    /// `sns:CreateTopic` returns the topic of that name if it exists: nothing to read first.
    async fn create_topic(&self, name: &str) -> Result<String, WriteError> {
        let region = self.region();
        self.announce();
        self.aws.record("sns:CreateTopic", region);
        let reply = self.aws.sns(region).create_topic().name(name).send().await;
        let reply = reply
            .map_err(|e| read_error(&e, "sns:CreateTopic", format!("topic {name}"), region))?;
        Ok(reply.topic_arn().map(str::to_string).unwrap_or_else(|| self.plan.topic_arn.clone()))
    }

    async fn subscribe(&self, topic: &str, email: &str) -> Result<Step, WriteError> {
        let now = discover::subscriptions_of(self.aws, topic).await?;
        if let Some(step) = skip(recheck::subscription(&now, email))? {
            return Ok(step);
        }
        let region = self.region();
        self.announce();
        self.aws.record("sns:Subscribe", region);
        let sns = self.aws.sns(region);
        let reply = sns.subscribe().topic_arn(topic).protocol("email").endpoint(email).send().await;
        let resource = format!("topic {topic}");
        reply.map_err(|e| read_error(&e, "sns:Subscribe", resource, region))?;
        Ok(Step::Written)
    }

    async fn put_filter(&self, filter: &FilterSpec) -> Result<Step, WriteError> {
        let group = &self.plan.log_group;
        let now = discover::filters_named(self.aws, group, &filter.name).await?;
        if let Some(step) = skip(recheck::filter(&now, filter, group))? {
            return Ok(step);
        }
        let transformation = MetricTransformation::builder()
            .metric_namespace(METRIC_NAMESPACE)
            .metric_name(METRIC_NAME)
            .metric_value(super::METRIC_VALUE)
            .build()
            .expect("namespace, name and value are set");
        self.announce();
        self.aws.record("logs:PutMetricFilter", &group.region);
        let reply = self
            .aws
            .logs(&group.region)
            .put_metric_filter()
            .log_group_name(&group.name)
            .filter_name(&filter.name)
            .filter_pattern(&filter.pattern)
            .metric_transformations(transformation)
            .send()
            .await;
        let resource = format!("filter {} on log group {}", filter.name, group.name);
        reply.map_err(|e| read_error(&e, "logs:PutMetricFilter", resource, &group.region))?;
        Ok(Step::Written)
    }

    async fn put_alarm(&self, alarm: &AlarmSpec, topic_arn: &str) -> Result<Step, WriteError> {
        let region = self.region();
        // The topic's ARN as CreateTopic returned it, should it differ from the planned one.
        let planned = &self.plan.topic_arn;
        let actions = alarm.actions.iter().map(|a| if a == planned { topic_arn } else { a });
        let spec = AlarmSpec { actions: actions.map(str::to_string).collect(), ..alarm.clone() };
        let now = discover::alarm_named(self.aws, region, &alarm.name).await?;
        let actions = match recheck::alarm(now.as_ref(), &spec, topic_arn, region) {
            Recheck::Write(actions) => actions,
            Recheck::AlreadyThere => return Ok(Step::Found),
            Recheck::Changed(why) => return Err(WriteError::Changed(why)),
        };
        self.announce();
        self.aws.record("cloudwatch:PutMetricAlarm", region);
        let reply = self
            .aws
            .cloudwatch(region)
            .put_metric_alarm()
            .alarm_name(&alarm.name)
            .alarm_description(ALARM_DESCRIPTION)
            .namespace(METRIC_NAMESPACE)
            .metric_name(METRIC_NAME)
            .statistic(Statistic::Sum)
            .period(ALARM_PERIOD_SECONDS)
            .evaluation_periods(1)
            .datapoints_to_alarm(1)
            .threshold(1.0)
            .comparison_operator(ComparisonOperator::GreaterThanOrEqualToThreshold)
            .treat_missing_data("notBreaching")
            .actions_enabled(true)
            .set_alarm_actions(Some(actions))
            .send()
            .await;
        let resource = format!("alarm {}", alarm.name);
        reply.map_err(|e| read_error(&e, "cloudwatch:PutMetricAlarm", resource, region))?;
        Ok(Step::Written)
    }
}

/// `Some(Found)` when the write is done already, `None` when it is to be made.
fn skip<T>(recheck: Recheck<T>) -> Result<Option<Step>, WriteError> {
    match recheck {
        Recheck::Write(_) => Ok(None),
        Recheck::AlreadyThere => Ok(Some(Step::Found)),
        Recheck::Changed(why) => Err(WriteError::Changed(why)),
    }
}

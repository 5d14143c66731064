//! Stage `discover`: read-only calls that build the [`Inventory`] of one account and
//! region. Independent calls run together: the account, the trails and the audited
//! region's alarms with their topics' subscriptions at once; then, for the trails that
//! deliver to CloudWatch Logs, their status, their selectors and their log groups'
//! filters at once. Two round trips on the critical path, plus pages.

pub mod accounts;
mod alarms;
mod filters;
pub mod regions;
mod trails;

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Context as _;
use aws_config::{Region, SdkConfig};
use aws_credential_types::provider::SharedCredentialsProvider;
use futures::future::join_all;

use crate::aws::{self, CallCounter};
use crate::inventory::{
    AccountInventory, Alarm, Inventory, LogGroupRef, MetricFilter, Place, Read, Subscription, Trail,
};

/// The SDK configuration and a counter of the calls made with it.
#[derive(Debug, Clone)]
pub struct Aws {
    config: SdkConfig,
    calls: CallCounter,
}

impl Aws {
    pub fn new(config: SdkConfig) -> Aws {
        Aws { config, calls: CallCounter::default() }
    }

    /// Calls made so far.
    pub fn calls(&self) -> usize {
        self.calls.total()
    }

    /// Counts one call of `operation` in `region` and logs it at debug level.
    pub fn record(&self, operation: &str, region: &str) {
        self.calls.record(operation, region);
    }

    /// A CloudTrail client for `region`, from the one SDK configuration.
    pub fn cloudtrail(&self, region: &str) -> aws_sdk_cloudtrail::Client {
        let conf = aws_sdk_cloudtrail::config::Builder::from(&self.config)
            .region(Region::new(region.to_string()));
        aws_sdk_cloudtrail::Client::from_conf(conf.build())
    }

    /// A CloudWatch Logs client for `region`, from the one SDK configuration.
    pub fn logs(&self, region: &str) -> aws_sdk_cloudwatchlogs::Client {
        let conf = aws_sdk_cloudwatchlogs::config::Builder::from(&self.config)
            .region(Region::new(region.to_string()));
        aws_sdk_cloudwatchlogs::Client::from_conf(conf.build())
    }

    /// A CloudWatch client for `region`, from the one SDK configuration.
    pub fn cloudwatch(&self, region: &str) -> aws_sdk_cloudwatch::Client {
        let conf = aws_sdk_cloudwatch::config::Builder::from(&self.config)
            .region(Region::new(region.to_string()));
        aws_sdk_cloudwatch::Client::from_conf(conf.build())
    }

    /// A SNS client for `region`, from the one SDK configuration.
    pub fn sns(&self, region: &str) -> aws_sdk_sns::Client {
        let conf = aws_sdk_sns::config::Builder::from(&self.config)
            .region(Region::new(region.to_string()));
        aws_sdk_sns::Client::from_conf(conf.build())
    }

    /// An Organizations client for `region`, from the one SDK configuration.
    pub fn organizations(&self, region: &str) -> aws_sdk_organizations::Client {
        let conf = aws_sdk_organizations::config::Builder::from(&self.config)
            .region(Region::new(region.to_string()));
        aws_sdk_organizations::Client::from_conf(conf.build())
    }

    /// The same settings and call counter, signing with other credentials: a session in
    /// another account.
    pub fn with_credentials(&self, credentials: SharedCredentialsProvider) -> Aws {
        let config = self.config.to_builder().credentials_provider(credentials).build();
        Aws { config, calls: self.calls.clone() }
    }

    /// A STS client for `region`, from the one SDK configuration.
    pub fn sts(&self, region: &str) -> aws_sdk_sts::Client {
        let conf = aws_sdk_sts::config::Builder::from(&self.config)
            .region(Region::new(region.to_string()));
        aws_sdk_sts::Client::from_conf(conf.build())
    }
}

/// The filters named exactly `name` on a log group, read in its region (every page).
pub async fn filters_named(aws: &Aws, group: &LogGroupRef, name: &str) -> Read<Vec<MetricFilter>> {
    filters::named(aws, group, name).await
}

/// The metric alarm named `name` in `region`, if there is one.
pub async fn alarm_named(aws: &Aws, region: &str, name: &str) -> Read<Option<Alarm>> {
    alarms::named(aws, region, name).await
}

/// Every subscription of one SNS topic, read in the topic's region (every page).
pub async fn subscriptions_of(aws: &Aws, topic: &str) -> Read<Vec<Subscription>> {
    alarms::list(aws, topic).await
}

/// The KMS key that encrypts one SNS topic, if any (`sns:GetTopicAttributes`); a topic
/// that does not exist is an error of kind `NotFound`.
pub async fn topic_key(aws: &Aws, topic: &str) -> Read<Option<String>> {
    alarms::kms_key(aws, topic).await
}

/// Reads everything the verdicts need for one region of the caller's account. Fails
/// only when nothing can be read at all (no credentials, endpoint unreachable); other
/// failures are kept in the inventory as unreadable parts.
pub async fn inventory(aws: &Aws, region: &str) -> anyhow::Result<Inventory> {
    let mut account = account(aws, None, &[region.to_string()], region).await?;
    account.regions.pop().context("the audit read no region")
}

/// Reads every region of `regions`. The alarms of `ahead` (the configured region, where
/// trails usually deliver) are read at once, before the log groups are known.
/// `account_id` is asked of STS when not known, at the same time as the first reads.
///
/// Round trip 1: the account, every region's trails, the alarms of `ahead` and then
/// their topics' subscriptions. Round trip 2: each distinct trail's status and
/// selectors, the filters of every log group, and the alarms of log-group regions not
/// yet read.
pub async fn account(
    aws: &Aws,
    account_id: Option<&str>,
    regions: &[String],
    ahead: &str,
) -> anyhow::Result<AccountInventory> {
    anyhow::ensure!(!regions.is_empty(), "no region to audit");
    // The alarms branch never holds up the trails branch, nor the other way round.
    let (trails, ahead_alarms) = tokio::join!(
        trails_and_filters(aws, account_id, regions, ahead),
        alarms_and_topics(aws, ahead.to_string()),
    );
    let TrailsRead { account_id, per_region, detailed, filters, other_alarms } = trails?;

    let mut alarms = BTreeMap::new();
    let mut subscriptions = BTreeMap::new();
    let mut topic_keys = BTreeMap::new();
    for (region, read, topics) in std::iter::once(ahead_alarms).chain(other_alarms) {
        alarms.insert(Place::new(&account_id, region), read);
        subscriptions.extend(topics.subscriptions);
        topic_keys.extend(topics.keys);
    }
    let regions = per_region
        .into_iter()
        .map(|(region, trails)| Inventory {
            account_id: account_id.clone(),
            trails: trails.map(|list| with_details(list, &detailed)),
            region,
            filters: filters.clone(),
            alarms: alarms.clone(),
            subscriptions: subscriptions.clone(),
            topic_keys: topic_keys.clone(),
        })
        .collect();
    tracing::debug!(calls = aws.calls(), account = %account_id, "account read");
    Ok(AccountInventory { account_id, regions })
}

/// What the trails branch of one account read.
struct TrailsRead {
    account_id: String,
    per_region: Vec<(String, Read<Vec<Trail>>)>,
    /// Each distinct trail with its status and selectors, by ARN.
    detailed: BTreeMap<String, Trail>,
    filters: BTreeMap<String, Read<Vec<crate::inventory::MetricFilter>>>,
    /// Alarms (and their topics' subscriptions) of log-group regions other than `ahead`.
    other_alarms: Vec<RegionAlarms>,
}

/// The account and every region's trails; then each distinct trail's details, its log
/// group's filters, and the alarms of log-group regions other than `ahead`.
async fn trails_and_filters(
    aws: &Aws,
    account_id: Option<&str>,
    regions: &[String],
    ahead: &str,
) -> anyhow::Result<TrailsRead> {
    let (account, trails) = tokio::join!(
        account_or_caller(aws, account_id, ahead),
        join_all(regions.iter().map(|r| trails::describe(aws, r))),
    );
    let account_id = account?;
    let per_region: Vec<(String, Read<Vec<Trail>>)> = regions.iter().cloned().zip(trails).collect();
    let distinct = distinct_trails(&per_region);
    let groups = log_groups(&distinct, &account_id);
    let other_regions: BTreeSet<String> =
        groups.iter().map(|g| g.region.clone()).filter(|r| r != ahead).collect();
    let (detailed, filters, other_alarms) = tokio::join!(
        trails::details(aws, distinct, &account_id),
        filters::for_log_groups(aws, &groups),
        join_all(other_regions.into_iter().map(|r| alarms_and_topics(aws, r))),
    );
    let detailed = detailed.into_iter().map(|t| (t.arn.clone(), t)).collect();
    Ok(TrailsRead { account_id, per_region, detailed, filters, other_alarms })
}

async fn account_or_caller(aws: &Aws, known: Option<&str>, region: &str) -> anyhow::Result<String> {
    match known {
        Some(id) => Ok(id.to_string()),
        None => caller_account(aws, region).await,
    }
}

/// Every trail seen from any region, once each (shadow copies share the home trail's
/// ARN).
fn distinct_trails(per_region: &[(String, Read<Vec<Trail>>)]) -> Vec<Trail> {
    let mut seen = BTreeMap::new();
    for trail in per_region.iter().filter_map(|(_, read)| read.as_ref().ok()).flatten() {
        seen.entry(trail.arn.clone()).or_insert_with(|| trail.clone());
    }
    seen.into_values().collect()
}

/// A region's trails, each replaced by its copy with status and selectors.
fn with_details(trails: Vec<Trail>, detailed: &BTreeMap<String, Trail>) -> Vec<Trail> {
    trails.into_iter().map(|t| detailed.get(&t.arn).cloned().unwrap_or(t)).collect()
}

/// The caller's account, which decides whose log groups can be read from here. Its
/// failure (no credentials, endpoint down) ends the audit with a message that says
/// what to do.
pub async fn caller_account(aws: &Aws, region: &str) -> anyhow::Result<String> {
    aws.record("sts:GetCallerIdentity", region);
    let reply = aws.sts(region).get_caller_identity().send().await;
    let identity = reply.map_err(|err| {
        let read = aws::read_error(&err, "sts:GetCallerIdentity", "the caller identity", region);
        match aws::fatal_message(&read) {
            Some(message) => anyhow::anyhow!(message),
            None => anyhow::Error::new(read),
        }
    })?;
    identity.account().map(str::to_string).context("sts:GetCallerIdentity returned no account")
}

/// The distinct log groups trails deliver to and that this account can read.
fn log_groups(trails: &[Trail], account_id: &str) -> Vec<crate::inventory::LogGroupRef> {
    let groups: BTreeSet<_> = trails
        .iter()
        .filter_map(|t| t.log_group.clone())
        .filter(|g| g.account_id == account_id)
        .collect();
    groups.into_iter().collect()
}

type RegionAlarms = (String, Read<Vec<Alarm>>, alarms::Topics);

/// A region's alarms, then the subscriptions and key of every SNS topic they notify.
async fn alarms_and_topics(aws: &Aws, region: String) -> RegionAlarms {
    let read = alarms::describe(aws, &region).await;
    let topics: BTreeSet<&str> = read
        .as_deref()
        .unwrap_or_default()
        .iter()
        .flat_map(|a| a.alarm_actions.iter().map(String::as_str))
        .filter(|action| action.contains(":sns:"))
        .collect();
    let topics = alarms::topics(aws, topics).await;
    (region, read, topics)
}

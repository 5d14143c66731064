//! Stage `discover`: read-only calls that build the [`Inventory`] of one account and
//! region. Independent calls run together: the account, the trails and the audited
//! region's alarms with their topics' subscriptions at once; then, for the trails that
//! deliver to CloudWatch Logs, their status, their selectors and their log groups'
//! filters at once. Two round trips on the critical path, plus pages.

mod alarms;
mod filters;
pub mod regions;
mod trails;

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Context as _;
use aws_config::{Region, SdkConfig};
use futures::future::join_all;

use crate::aws::{self, CallCounter};
use crate::inventory::{Alarm, Inventory, Read, Subscription, Trail};

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

    /// A STS client for `region`, from the one SDK configuration.
    pub fn sts(&self, region: &str) -> aws_sdk_sts::Client {
        let conf = aws_sdk_sts::config::Builder::from(&self.config)
            .region(Region::new(region.to_string()));
        aws_sdk_sts::Client::from_conf(conf.build())
    }
}

/// Every subscription of one SNS topic, read in the topic's region (every page).
pub async fn subscriptions_of(aws: &Aws, topic: &str) -> Read<Vec<Subscription>> {
    alarms::list(aws, topic).await
}

/// Reads everything the verdicts need for `region`. Fails only when nothing can be read
/// at all (no credentials, endpoint unreachable); other failures are kept in the
/// inventory as unreadable parts.
pub async fn inventory(aws: &Aws, region: &str) -> anyhow::Result<Inventory> {
    let (account, trails, home_alarms) = tokio::join!(
        account_id(aws, region),
        trails::describe(aws, region),
        alarms_and_topics(aws, region.to_string()),
    );
    let account_id = account?;

    let groups = log_groups(&trails, &account_id);
    let other_regions: BTreeSet<String> =
        groups.iter().map(|g| g.region.clone()).filter(|r| r != region).collect();
    let (trails, filters, other_alarms) = tokio::join!(
        trail_details(aws, trails, &account_id),
        filters::for_log_groups(aws, &groups),
        join_all(other_regions.into_iter().map(|r| alarms_and_topics(aws, r))),
    );

    let mut alarms = BTreeMap::new();
    let mut subscriptions = BTreeMap::new();
    for (alarm_region, read, subs) in std::iter::once(home_alarms).chain(other_alarms) {
        alarms.insert(alarm_region, read);
        subscriptions.extend(subs);
    }
    tracing::debug!(calls = aws.calls(), region, "inventory read");
    Ok(Inventory { account_id, region: region.to_string(), trails, filters, alarms, subscriptions })
}

/// The caller's account, which decides whose log groups can be read from here. Its
/// failure (no credentials, endpoint down) ends the audit with a message that says
/// what to do.
async fn account_id(aws: &Aws, region: &str) -> anyhow::Result<String> {
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

async fn trail_details(aws: &Aws, trails: Read<Vec<Trail>>, account_id: &str) -> Read<Vec<Trail>> {
    match trails {
        Ok(list) => Ok(trails::details(aws, list, account_id).await),
        Err(err) => Err(err),
    }
}

/// The distinct log groups trails deliver to and that this account can read.
fn log_groups(trails: &Read<Vec<Trail>>, account_id: &str) -> Vec<crate::inventory::LogGroupRef> {
    let trails = trails.as_deref().unwrap_or_default();
    let groups: BTreeSet<_> = trails
        .iter()
        .filter_map(|t| t.log_group.clone())
        .filter(|g| g.account_id == account_id)
        .collect();
    groups.into_iter().collect()
}

type RegionAlarms = (String, Read<Vec<Alarm>>, BTreeMap<String, Read<Vec<Subscription>>>);

/// A region's metric alarms, then the subscriptions of every SNS topic they notify.
async fn alarms_and_topics(aws: &Aws, region: String) -> RegionAlarms {
    let read = alarms::describe(aws, &region).await;
    let topics: BTreeSet<&str> = read
        .as_deref()
        .unwrap_or_default()
        .iter()
        .flat_map(|a| a.alarm_actions.iter().map(String::as_str))
        .filter(|action| action.contains(":sns:"))
        .collect();
    let subscriptions = alarms::subscriptions(aws, topics).await;
    (region, read, subscriptions)
}

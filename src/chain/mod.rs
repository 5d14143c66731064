//! Stage `chain`: pure verdicts. Takes the inventory of one account and region and the
//! watched event set, and decides for each name whether a complete chain (trail, log
//! group, metric filter, metric, alarm, topic, confirmed subscription) covers it, and if
//! not, which link of the closest chain is broken. No AWS call, no printing.

mod alarm;
mod audit;
mod composite;
mod exceptions;
mod shared;
mod trail;

pub use audit::{combine, AccountFindings, Audit};
pub use exceptions::{except, Excepted, ExceptionOutcome, ExceptionState};
pub use shared::{log_group_owners, share_trails};

use std::collections::HashMap;

use serde::Serialize;

use crate::coverage::{self, Coverage, ReadRecords};
use crate::events::EventSet;
use crate::inventory::{Inventory, LogGroupRef, MetricFilter, ReadError, Trail};
use crate::pattern;
use crate::records::{Caller, RecordContext, RecordSet};

/// The verdict of one audit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Every watched name is proven covered.
    Pass,
    /// At least one name is proven not covered.
    Fail,
    /// Nothing is proven missing, but something could not be read or decided.
    Error,
}

/// Whether one name is covered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Covered,
    NotCovered,
    Uncertain,
    /// Not covered, but an exception of the configuration file accepts the gap: it does
    /// not fail the run. Only a proven gap can be excepted, never an uncertain name.
    Excepted,
}

/// How a link is broken: proven broken, or not decidable from here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Fail,
    Uncertain,
}

/// A broken link and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    pub severity: Severity,
    pub reason: String,
}

impl Broken {
    fn fail(reason: String) -> Broken {
        Broken { severity: Severity::Fail, reason }
    }

    fn uncertain(reason: String) -> Broken {
        Broken { severity: Severity::Uncertain, reason }
    }
}

/// The links of one chain, as far as it goes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Links {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trail: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_group: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alarm: Option<String>,
    /// The composite alarms through which the alarm notifies, outermost last (`a > b`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub composite: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
}

/// The verdict for one event name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NameFinding {
    pub name: String,
    pub group: String,
    pub status: Status,
    /// For a covered name, the chain; otherwise the first broken link of the closest one.
    pub reason: String,
    pub chain: Links,
    /// For an excepted name, the exception that accepts its gap.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exception: Option<Excepted>,
}

/// How the reason of a chain complete but for an unconfirmed subscription starts.
const PENDING: &str = "subscription pending";

/// How many composite alarms deep a notification is followed.
const MAX_COMPOSITE_DEPTH: usize = 4;

impl NameFinding {
    /// True when the closest chain is complete except that no subscription of its topic
    /// is confirmed yet: a click on the confirmation email covers the name.
    pub fn is_awaiting_confirmation(&self) -> bool {
        self.status == Status::NotCovered && self.reason.starts_with(PENDING)
    }
}

/// Checks the first link for one name: `trail` is logging, records the write management
/// event `name` of `region`, and delivers it to a log group of `account_id`.
pub fn trail_link(trail: &Trail, name: &str, account_id: &str, region: &str) -> Result<(), Broken> {
    trail::check(trail, name, account_id, region)
}

/// What the audit found about one trail, whatever the names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrailFinding {
    pub name: String,
    pub arn: String,
    pub home_region: String,
    pub multi_region: bool,
    pub organization: bool,
    pub log_group: Option<LogGroupRef>,
    pub logging: Option<bool>,
}

/// Everything `check` reports for one account and region.
#[derive(Debug, Clone, Serialize)]
pub struct Findings {
    pub verdict: Verdict,
    pub account_id: String,
    pub region: String,
    pub events: String,
    pub trails: Vec<TrailFinding>,
    pub names: Vec<NameFinding>,
    pub errors: Vec<ReadError>,
}

impl Findings {
    /// How many names have `status`. A name that stands in several groups
    /// (`--events default,cis`) counts once.
    pub fn count(&self, status: Status) -> usize {
        distinct(self.names.iter().filter(|n| n.status == status))
    }

    /// How many distinct names were judged.
    pub fn total(&self) -> usize {
        distinct(self.names.iter())
    }
}

fn distinct<'a>(names: impl Iterator<Item = &'a NameFinding>) -> usize {
    names.map(|n| n.name.as_str()).collect::<std::collections::HashSet<_>>().len()
}

/// How far a chain got before it broke; the closest chain is the one that got furthest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Stage {
    Trail,
    Filter,
    FilterPartial,
    Metric,
    Alarm,
    Topic,
    Subscription,
    Complete,
}

/// One chain tried for one name.
#[derive(Debug, Clone)]
struct Attempt {
    stage: Stage,
    outcome: Result<(), Broken>,
    links: Links,
}

impl Attempt {
    /// Covered beats uncertain beats not covered; among equals, the furthest chain wins.
    fn rank(&self) -> (u8, Stage) {
        let status = match &self.outcome {
            Ok(()) => 2,
            Err(broken) if broken.severity == Severity::Uncertain => 1,
            Err(_) => 0,
        };
        (status, self.stage)
    }
}

/// Decides every watched name of `events` for the inventory.
pub fn judge(inventory: &Inventory, events: &EventSet) -> Findings {
    let context = Context::new(inventory, events);
    let names = events
        .groups
        .iter()
        .flat_map(|group| group.names.iter().map(move |name| (group, name)))
        .map(|(group, name)| context.judge_name(&group.title, name))
        .collect::<Vec<_>>();
    Findings {
        verdict: verdict(&names),
        account_id: inventory.account_id.clone(),
        region: inventory.region.clone(),
        events: events.name.clone(),
        trails: trail_findings(inventory),
        names,
        errors: read_errors(inventory),
    }
}

/// The verdict over some names, of a region or of one group: fail when a name is proven
/// not covered, else error when one could not be decided, else pass. An excepted name
/// passes.
pub fn verdict<'a>(names: impl IntoIterator<Item = &'a NameFinding>) -> Verdict {
    let mut verdict = Verdict::Pass;
    for name in names {
        match name.status {
            Status::NotCovered => return Verdict::Fail,
            Status::Uncertain => verdict = Verdict::Error,
            Status::Covered | Status::Excepted => {}
        }
    }
    verdict
}

fn trail_findings(inventory: &Inventory) -> Vec<TrailFinding> {
    let trails = inventory.trails.as_deref().unwrap_or_default();
    trails
        .iter()
        .map(|t| TrailFinding {
            name: t.name.clone(),
            arn: t.arn.clone(),
            home_region: t.home_region.clone(),
            multi_region: t.is_multi_region,
            organization: t.is_organization,
            log_group: t.log_group.clone(),
            logging: t.status.as_ref().ok().map(|s| s.is_logging).filter(|_| t.log_group.is_some()),
        })
        .collect()
}

/// Every read that failed, once each.
fn read_errors(inventory: &Inventory) -> Vec<ReadError> {
    let trails = inventory.trails.as_ref().err().into_iter();
    let trail_parts =
        inventory.trails.as_deref().unwrap_or_default().iter().flat_map(|t| {
            [t.status.as_ref().err(), t.selectors.as_ref().err()].into_iter().flatten()
        });
    let filters = inventory.filters.values().filter_map(|r| r.as_ref().err());
    let alarms = inventory.alarms.values().filter_map(|r| r.as_ref().err());
    let topics = inventory.subscriptions.values().filter_map(|r| r.as_ref().err());
    let keys = inventory.topic_keys.values().filter_map(|r| r.as_ref().err());
    let mut errors: Vec<ReadError> = trails
        .chain(trail_parts)
        .chain(filters)
        .chain(alarms)
        .chain(topics)
        .chain(keys)
        .cloned()
        .collect();
    errors.dedup();
    errors
}

/// The inventory with each filter's pattern evaluated once for all names.
struct Context<'a> {
    inventory: &'a Inventory,
    /// Per log group ARN and filter name: the coverage of each watched name.
    coverage: HashMap<(&'a str, &'a str), HashMap<String, FilterMatch>>,
}

impl<'a> Context<'a> {
    fn new(inventory: &'a Inventory, events: &EventSet) -> Context<'a> {
        let context = RecordContext::new(&inventory.account_id, &inventory.region);
        let built = RecordSet::build(events, &context);
        let records = ReadRecords::new(&built);
        let mut coverage = HashMap::new();
        for (group, filters) in &inventory.filters {
            for filter in filters.as_deref().unwrap_or_default() {
                let per_name = filter_coverage(filter, events, &records);
                coverage.insert((group.as_str(), filter.name.as_str()), per_name);
            }
        }
        Context { inventory, coverage }
    }

    fn judge_name(&self, group: &str, name: &str) -> NameFinding {
        let best = self.attempts(name).into_iter().max_by_key(Attempt::rank);
        let best = best.unwrap_or_else(|| self.no_trail());
        let (status, reason) = match best.outcome {
            Ok(()) => (Status::Covered, covered_reason(&best.links)),
            Err(Broken { severity: Severity::Uncertain, reason }) => (Status::Uncertain, reason),
            Err(Broken { severity: Severity::Fail, reason }) => (Status::NotCovered, reason),
        };
        NameFinding {
            name: name.to_string(),
            group: group.to_string(),
            status,
            reason,
            chain: best.links,
            exception: None,
        }
    }

    /// Why nothing could even be tried: no trail, or the trails could not be read.
    fn no_trail(&self) -> Attempt {
        let outcome = match &self.inventory.trails {
            Err(err) => Broken::uncertain(err.to_string()),
            Ok(trails) if trails.is_empty() => Broken::fail(format!(
                "no CloudTrail trail records {} in this account",
                self.inventory.region
            )),
            Ok(_) => Broken::fail("no trail delivers to CloudWatch Logs".to_string()),
        };
        Attempt { stage: Stage::Trail, outcome: Err(outcome), links: Links::default() }
    }

    fn attempts(&self, name: &str) -> Vec<Attempt> {
        let trails = self.inventory.trails.as_deref().unwrap_or_default();
        trails
            .iter()
            .filter(|t| t.log_group.is_some())
            .flat_map(|t| self.through_trail(t, name))
            .collect()
    }

    fn through_trail(&self, trail: &Trail, name: &str) -> Vec<Attempt> {
        let links = Links { trail: Some(trail.name.clone()), ..Links::default() };
        let readable = trail.log_group.as_ref().is_some_and(|g| {
            g.account_id == self.inventory.account_id || self.inventory.filters.contains_key(&g.arn)
        });
        let checked = trail::check_readable(trail, name, &self.inventory.region, readable);
        let (Ok(()), Some(group)) = (checked.clone(), trail.log_group.as_ref()) else {
            return vec![Attempt { stage: Stage::Trail, outcome: checked, links }];
        };
        let links = Links { log_group: Some(group.name.clone()), ..links };
        match self.inventory.filters.get(&group.arn) {
            Some(Ok(filters)) if !filters.is_empty() => {
                let attempts: Vec<Attempt> = filters
                    .iter()
                    .map(|f| self.through_filter(group, f, name, links.clone()))
                    .collect();
                summarise_misses(attempts, group, name, links)
            }
            Some(Err(err)) => {
                vec![broken(Stage::Filter, Broken::uncertain(err.to_string()), links)]
            }
            _ => vec![broken(
                Stage::Filter,
                Broken::fail(format!("log group {} has no metric filters", group.name)),
                links,
            )],
        }
    }

    fn through_filter(
        &self,
        group: &LogGroupRef,
        filter: &MetricFilter,
        name: &str,
        links: Links,
    ) -> Attempt {
        let links = Links { filter: Some(filter.name.clone()), ..links };
        let coverage = self
            .coverage
            .get(&(group.arn.as_str(), filter.name.as_str()))
            .and_then(|c| c.get(name));
        match coverage {
            Some(FilterMatch::Matches) => self.through_metric(group, filter, links),
            Some(FilterMatch::Uncertain(why)) => broken(
                Stage::Filter,
                Broken::uncertain(format!("filter {}: {why}", filter.name)),
                links,
            ),
            Some(FilterMatch::Misses { reason, partial }) => {
                let stage = if *partial { Stage::FilterPartial } else { Stage::Filter };
                broken(stage, Broken::fail(format!("filter {} {reason}", filter.name)), links)
            }
            None => broken(
                Stage::Filter,
                Broken::uncertain(format!("filter {} was not evaluated", filter.name)),
                links,
            ),
        }
    }

    fn through_metric(&self, group: &LogGroupRef, filter: &MetricFilter, links: Links) -> Attempt {
        if let Some(why) = filter_narrowing(filter) {
            return broken(Stage::Metric, Broken::uncertain(why), links);
        }
        let (metric, published) = match alarm::metric(filter) {
            Ok(found) => found,
            Err(why) => return broken(Stage::Metric, why, links),
        };
        let alarms = match self.inventory.alarms.get(&group.place()) {
            Some(Ok(alarms)) => alarms,
            Some(Err(err)) => {
                return broken(Stage::Metric, Broken::uncertain(err.to_string()), links)
            }
            None => {
                return broken(
                    Stage::Metric,
                    Broken::uncertain(format!("alarms of {} were not read", group.region)),
                    links,
                )
            }
        };
        let watching: Vec<_> = alarms.iter().filter(|a| alarm::watches(a, &metric)).collect();
        let attempts =
            watching.iter().map(|a| self.through_alarm(a, &published, alarms, links.clone()));
        let best = attempts.max_by_key(Attempt::rank);
        best.unwrap_or_else(|| no_alarm(alarms, &metric, filter, &group.region, links))
    }

    fn through_alarm(
        &self,
        alarm: &crate::inventory::Alarm,
        published: &alarm::Published,
        alarms: &[crate::inventory::Alarm],
        links: Links,
    ) -> Attempt {
        let links = Links { alarm: Some(alarm.name.clone()), ..links };
        let notified = self.through_notifier(alarm, alarms, links.clone(), 0);
        let Err(why) = alarm::trips_and_rests(alarm, published) else {
            return notified;
        };
        // An alarm that tells nobody is named first; a proven break anywhere outranks a
        // threshold that could not be decided.
        let tells_nobody = matches!(&notified.outcome, Err(b) if b.severity == Severity::Fail);
        if tells_nobody && (notified.stage == Stage::Alarm || why.severity == Severity::Uncertain) {
            notified
        } else {
            broken(Stage::Alarm, why, links)
        }
    }

    /// Who hears of `alarm` entering ALARM: its own topics, or those of the composite
    /// alarms it makes enter ALARM, `depth` composites up.
    fn through_notifier(
        &self,
        alarm: &crate::inventory::Alarm,
        alarms: &[crate::inventory::Alarm],
        links: Links,
        depth: usize,
    ) -> Attempt {
        let own = match alarm::notifies(alarm) {
            Ok(topics) => {
                let attempts = topics.iter().map(|topic| self.through_topic(topic, links.clone()));
                attempts.max_by_key(Attempt::rank).expect("an alarm that acts notifies a topic")
            }
            Err(why) => broken(Stage::Alarm, why, links.clone()),
        };
        if depth == MAX_COMPOSITE_DEPTH {
            return own;
        }
        let through_composites = composite::parents(alarm, alarms).map(|parent| {
            let path = match &links.composite {
                Some(path) => format!("{path} > {}", parent.name),
                None => parent.name.clone(),
            };
            let links = Links { composite: Some(path), ..links.clone() };
            match composite::fires_on(parent, alarm, self.inventory, alarms) {
                Ok(()) => self.through_notifier(parent, alarms, links, depth + 1),
                Err(why) => broken(Stage::Alarm, why, links),
            }
        });
        let attempts = std::iter::once(own).chain(through_composites);
        attempts.max_by_key(Attempt::rank).expect("the alarm's own attempt")
    }

    fn through_topic(&self, topic: &str, links: Links) -> Attempt {
        let short = topic.rsplit(':').next().unwrap_or(topic).to_string();
        let links = Links { topic: Some(short.clone()), ..links };
        let subscriptions = match self.inventory.subscriptions.get(topic) {
            Some(Ok(subscriptions)) => subscriptions,
            Some(Err(err)) if err.kind == crate::inventory::ErrorKind::NotFound => {
                return broken(
                    Stage::Topic,
                    Broken::fail(format!("topic {short} does not exist")),
                    links,
                )
            }
            Some(Err(err)) => {
                return broken(Stage::Topic, Broken::uncertain(err.to_string()), links)
            }
            None => {
                return broken(
                    Stage::Topic,
                    Broken::uncertain(format!("topic {short} was not read")),
                    links,
                )
            }
        };
        if subscriptions.iter().any(|s| s.is_confirmed()) {
            match self.publishable(topic, &short) {
                Ok(()) => Attempt { stage: Stage::Complete, outcome: Ok(()), links },
                Err(why) => broken(Stage::Subscription, why, links),
            }
        } else if subscriptions.is_empty() {
            broken(Stage::Topic, Broken::fail(format!("topic {short} has no subscriptions")), links)
        } else {
            let reason = format!(
                "{PENDING}: topic {short} has {} subscription(s), none confirmed",
                subscriptions.len()
            );
            broken(Stage::Subscription, Broken::fail(reason), links)
        }
    }

    /// Whether CloudWatch can publish to the topic: not when it is encrypted with the AWS
    /// managed key of SNS, whose key policy no one can change to let CloudWatch use it.
    /// A customer managed key is taken to allow it; its key policy is not read.
    fn publishable(&self, topic: &str, short: &str) -> Result<(), Broken> {
        match self.inventory.topic_keys.get(topic) {
            Some(Ok(Some(key))) if crate::inventory::is_aws_managed_sns_key(key) => {
                Err(Broken::fail(format!(
                    "topic {short} is encrypted with the AWS managed key {key}, which CloudWatch \
                 cannot use: an alarm cannot publish to it (encrypt with a customer managed key \
                 whose policy allows cloudwatch.amazonaws.com)"
                )))
            }
            Some(Ok(_)) => Ok(()),
            Some(Err(err)) => Err(Broken::uncertain(err.to_string())),
            None => Err(Broken::uncertain(format!("the encryption of topic {short} was not read"))),
        }
    }
}

/// Several filters that all miss a name say one thing: none of them matches it.
fn summarise_misses(
    attempts: Vec<Attempt>,
    group: &LogGroupRef,
    name: &str,
    links: Links,
) -> Vec<Attempt> {
    let all_miss = attempts.iter().all(|a| {
        a.stage == Stage::Filter && matches!(&a.outcome, Err(b) if b.severity == Severity::Fail)
    });
    if attempts.len() < 2 || !all_miss {
        return attempts;
    }
    let reason = format!(
        "none of the {} metric filters on log group {} matches {name}",
        attempts.len(),
        group.name
    );
    vec![broken(Stage::Filter, Broken::fail(reason), links)]
}

fn broken(stage: Stage, why: Broken, links: Links) -> Attempt {
    Attempt { stage, outcome: Err(why), links }
}

/// Filters whose pattern alone does not decide what they see.
fn filter_narrowing(filter: &MetricFilter) -> Option<String> {
    if let Some(criteria) = &filter.field_selection {
        return Some(format!(
            "filter {} selects events with fieldSelectionCriteria {criteria:?} before its pattern runs",
            filter.name
        ));
    }
    filter.applies_to_transformed_logs.then(|| {
        format!(
            "filter {} runs on transformed logs; its pattern does not see the raw records",
            filter.name
        )
    })
}

fn no_alarm(
    alarms: &[crate::inventory::Alarm],
    metric: &crate::inventory::MetricId,
    filter: &MetricFilter,
    region: &str,
    links: Links,
) -> Attempt {
    if let Some(math) = alarms.iter().find(|a| alarm::reads_in_math(a, metric)) {
        let reason = format!(
            "alarm {} reads metric {} through metric math; not evaluated",
            math.name,
            alarm::describe(metric)
        );
        let links = Links { alarm: Some(math.name.clone()), ..links };
        return broken(Stage::Alarm, Broken::uncertain(reason), links);
    }
    let reason = format!(
        "filter {} covers it, but no alarm in {region} watches metric {}",
        filter.name,
        alarm::describe(metric)
    );
    broken(Stage::Metric, Broken::fail(reason), links)
}

fn covered_reason(links: &Links) -> String {
    let part = |label: &str, value: &Option<String>| value.as_ref().map(|v| format!("{label} {v}"));
    let composite = part("composite alarm", &links.composite);
    [
        part("filter", &links.filter),
        part("alarm", &links.alarm),
        composite,
        part("topic", &links.topic),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" > ")
}

/// What one filter's pattern does with the record of one name.
#[derive(Debug, Clone, PartialEq, Eq)]
enum FilterMatch {
    Matches,
    /// `partial`: it matches the calls of some caller types, not all.
    Misses {
        reason: String,
        partial: bool,
    },
    Uncertain(String),
}

/// Evaluates one filter's pattern for every watched name. A pattern AWS would reject
/// (possible only where it was never validated, as in an emulator) matches nothing.
fn filter_coverage(
    filter: &MetricFilter,
    events: &EventSet,
    records: &ReadRecords<'_>,
) -> HashMap<String, FilterMatch> {
    let analysis = pattern::analyze(&filter.pattern);
    let rejected = analysis.errors.first().map(|e| e.message.clone());
    match (analysis.pattern, rejected) {
        (Some(parsed), None) => coverage::cover_records(&parsed, records)
            .into_iter()
            .map(|(name, coverage)| {
                let verdict = filter_match(&name, coverage);
                (name, verdict)
            })
            .collect(),
        (_, why) => {
            let reason = format!("has a pattern AWS would reject: {}", why.unwrap_or_default());
            let misses = FilterMatch::Misses { reason, partial: false };
            events.names().map(|n| (n.to_string(), misses.clone())).collect()
        }
    }
}

fn filter_match(name: &str, coverage: Coverage) -> FilterMatch {
    match coverage {
        Coverage::Covered => FilterMatch::Matches,
        Coverage::Uncertain(why) => FilterMatch::Uncertain(why),
        Coverage::NotCovered { callers } => {
            let partial = callers.len() < Caller::ALL.len();
            let reason = if partial {
                let matched: Vec<String> = Caller::ALL
                    .iter()
                    .filter(|c| !callers.contains(c))
                    .map(|c| c.to_string())
                    .collect();
                format!("matches {name} only for {} calls", matched.join(" and "))
            } else {
                format!("does not match {name}")
            };
            FilterMatch::Misses { reason, partial }
        }
    }
}

#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod tests;

//! Trails: `DescribeTrails` (shadow trails included), then `GetTrailStatus` and
//! `GetEventSelectors` for each trail that delivers to a log group this account can read.

use aws_sdk_cloudtrail::types as ct;
use futures::future::join_all;

use crate::aws::read_error;
use crate::inventory::{
    AdvancedSelector, BasicSelector, FieldSelector, LogGroupRef, Read, Selectors, Trail,
    TrailStatus,
};

use super::Aws;

/// Every trail that records `region`: its own and other regions' multi-region and
/// organization trails (their shadow copies).
pub(super) async fn describe(aws: &Aws, region: &str) -> Read<Vec<Trail>> {
    aws.record("cloudtrail:DescribeTrails", region);
    let reply = aws.cloudtrail(region).describe_trails().include_shadow_trails(true).send().await;
    let reply = reply.map_err(|e| read_error(&e, "cloudtrail:DescribeTrails", "trails", region))?;
    Ok(reply.trail_list().iter().map(|t| trail(t, region)).collect())
}

fn trail(raw: &ct::Trail, region: &str) -> Trail {
    Trail {
        name: raw.name().unwrap_or_default().to_string(),
        arn: raw.trail_arn().unwrap_or_default().to_string(),
        home_region: raw.home_region().unwrap_or(region).to_string(),
        is_multi_region: raw.is_multi_region_trail().unwrap_or(false),
        is_organization: raw.is_organization_trail().unwrap_or(false),
        log_group: raw.cloud_watch_logs_log_group_arn().and_then(LogGroupRef::from_arn),
        ..Trail::default()
    }
}

/// Reads status and selectors, concurrently, for the trails whose log group this
/// account owns; the others keep defaults and are judged by their log group alone.
pub(super) async fn details(aws: &Aws, trails: Vec<Trail>, account_id: &str) -> Vec<Trail> {
    join_all(trails.into_iter().map(|t| async move {
        let readable = t.log_group.as_ref().is_some_and(|g| g.account_id == account_id);
        if !readable {
            return t;
        }
        let (status, selectors) = tokio::join!(status(aws, &t), selectors(aws, &t));
        Trail { status, selectors, ..t }
    }))
    .await
}

async fn status(aws: &Aws, trail: &Trail) -> Read<TrailStatus> {
    let region = &trail.home_region;
    aws.record("cloudtrail:GetTrailStatus", region);
    let reply = aws.cloudtrail(region).get_trail_status().name(&trail.arn).send().await;
    let reply = reply.map_err(|e| {
        read_error(&e, "cloudtrail:GetTrailStatus", format!("trail {}", trail.name), region)
    })?;
    Ok(TrailStatus {
        is_logging: reply.is_logging().unwrap_or(false),
        delivery_error: reply.latest_cloud_watch_logs_delivery_error().map(str::to_string),
        last_delivery: reply.latest_cloud_watch_logs_delivery_time().map(|t| t.to_string()),
    })
}

async fn selectors(aws: &Aws, trail: &Trail) -> Read<Selectors> {
    let region = &trail.home_region;
    aws.record("cloudtrail:GetEventSelectors", region);
    let reply = aws.cloudtrail(region).get_event_selectors().trail_name(&trail.arn).send().await;
    let reply = reply.map_err(|e| {
        read_error(&e, "cloudtrail:GetEventSelectors", format!("trail {}", trail.name), region)
    })?;
    let advanced = reply.advanced_event_selectors();
    if advanced.is_empty() {
        Ok(Selectors::Basic(reply.event_selectors().iter().map(basic).collect()))
    } else {
        Ok(Selectors::Advanced(advanced.iter().map(advanced_selector).collect()))
    }
}

fn basic(raw: &ct::EventSelector) -> BasicSelector {
    BasicSelector {
        read_write_type: raw.read_write_type().map(|t| t.as_str().to_string()),
        include_management_events: raw.include_management_events(),
        exclude_management_event_sources: raw.exclude_management_event_sources().to_vec(),
    }
}

fn advanced_selector(raw: &ct::AdvancedEventSelector) -> AdvancedSelector {
    AdvancedSelector {
        name: raw.name().map(str::to_string),
        fields: raw.field_selectors().iter().map(field).collect(),
    }
}

fn field(raw: &ct::AdvancedFieldSelector) -> FieldSelector {
    FieldSelector {
        field: raw.field().to_string(),
        equals: raw.equals().to_vec(),
        not_equals: raw.not_equals().to_vec(),
        starts_with: raw.starts_with().to_vec(),
        not_starts_with: raw.not_starts_with().to_vec(),
        ends_with: raw.ends_with().to_vec(),
        not_ends_with: raw.not_ends_with().to_vec(),
    }
}

//! Accounts: the organization's active accounts (`organizations:ListAccounts`, every
//! page) and a session in each through `sts:AssumeRole`.

use std::time::SystemTime;

use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;
use aws_sdk_organizations::types::{AccountState, AccountStatus};

use crate::aws::read_error;
use crate::inventory::{ErrorKind, Read, ReadError};

use super::Aws;

/// The session name the audited accounts' CloudTrail shows for vpcwatch's reads.
const SESSION_NAME: &str = "vpcwatch-check";

/// The IDs of the organization's active accounts, sorted. Only the management account
/// and a delegated administrator may list them.
pub async fn organization(aws: &Aws, region: &str) -> Read<Vec<String>> {
    let client = aws.organizations(region);
    let mut pages = client.list_accounts().into_paginator().send();
    let mut ids = Vec::new();
    while let Some(page) = pages.next().await {
        aws.record("organizations:ListAccounts", region);
        let page = page.map_err(|e| {
            read_error(&e, "organizations:ListAccounts", "the organization's accounts", region)
        })?;
        let active = page.accounts().iter().filter(|a| {
            a.state() == Some(&AccountState::Active)
                || (a.state().is_none() && a.status() == Some(&AccountStatus::Active))
        });
        ids.extend(active.filter_map(|a| a.id().map(str::to_string)));
    }
    ids.sort();
    ids.dedup();
    Ok(ids)
}

/// A session in `account` as role `role_name`: one `sts:AssumeRole` call, whose
/// temporary credentials then sign every read of that account.
pub async fn assume(
    aws: &Aws,
    account: &str,
    role_name: &str,
    external_id: Option<&str>,
    region: &str,
) -> Read<Aws> {
    let role = format!("arn:{}:iam::{account}:role/{role_name}", partition(region));
    aws.record("sts:AssumeRole", region);
    let reply = aws
        .sts(region)
        .assume_role()
        .role_arn(&role)
        .role_session_name(SESSION_NAME)
        .set_external_id(external_id.map(str::to_string))
        .send()
        .await
        .map_err(|e| read_error(&e, "sts:AssumeRole", format!("role {role}"), region))?;
    let keys = reply.credentials().ok_or_else(|| ReadError {
        operation: "sts:AssumeRole".into(),
        resource: format!("role {role}"),
        region: region.to_string(),
        kind: ErrorKind::Other,
        detail: "the reply holds no credentials".into(),
    })?;
    let expiry = SystemTime::try_from(*keys.expiration()).ok();
    let credentials = Credentials::new(
        keys.access_key_id(),
        keys.secret_access_key(),
        Some(keys.session_token().to_string()),
        expiry,
        "vpcwatch-assumed-role",
    );
    Ok(aws.with_credentials(SharedCredentialsProvider::new(credentials)))
}

/// The partition of a region: where its ARNs live.
fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_arns_follow_the_partition_of_the_region() {
        assert_eq!(partition("eu-west-1"), "aws");
        assert_eq!(partition("cn-north-1"), "aws-cn");
        assert_eq!(partition("us-gov-west-1"), "aws-us-gov");
    }
}

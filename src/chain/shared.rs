//! Trails judged with another audited account's reading. An organization trail, or any
//! trail that delivers to a log group of another account, is read once, in the account
//! that owns its log group (status, selectors, the group's filters, the alarms beside
//! them and their topics' subscriptions), and that reading is lent to every account the
//! trail records. An account whose log-group owner was not audited keeps its trail
//! undecided.

use std::collections::{BTreeMap, BTreeSet};

use crate::inventory::{AccountInventory, Inventory, Trail};

/// Lends each audited account the owners' readings of the trails it sees but cannot
/// read. With `organization` (the audited accounts are the organization's), every
/// organization trail is also added to the accounts and regions it records, as AWS
/// shows it to members.
pub fn share_trails(accounts: &mut [AccountInventory], organization: bool) {
    let owners: BTreeMap<String, Owner> = needed_owners(accounts, organization)
        .into_iter()
        .filter_map(|id| {
            let account = accounts.iter().find(|a| a.account_id == id)?;
            Some((id, Owner::of(account)))
        })
        .collect();
    let organization_trails: Vec<&Trail> = if organization {
        owners.values().flat_map(|o| o.trails.values()).filter(|t| t.is_organization).collect()
    } else {
        Vec::new()
    };
    for account in accounts.iter_mut() {
        for inventory in &mut account.regions {
            add_organization_trails(inventory, &organization_trails);
            lend(inventory, &owners);
        }
    }
}

/// What an owner account read about its own trails and their log groups.
struct Owner {
    trails: BTreeMap<String, Trail>,
    read: Inventory,
}

impl Owner {
    fn of(account: &AccountInventory) -> Owner {
        let mut trails = BTreeMap::new();
        for inventory in &account.regions {
            let own = inventory.trails.as_deref().unwrap_or_default().iter();
            let own = own.filter(|t| t.owner_account() == Some(account.account_id.as_str()));
            for trail in own {
                trails.entry(trail.arn.clone()).or_insert_with(|| trail.clone());
            }
        }
        let read = account.regions.first().cloned().unwrap_or_else(|| Inventory {
            account_id: account.account_id.clone(),
            region: String::new(),
            trails: Ok(Vec::new()),
            filters: BTreeMap::new(),
            alarms: BTreeMap::new(),
            subscriptions: BTreeMap::new(),
            topic_keys: BTreeMap::new(),
        });
        Owner { trails, read }
    }
}

/// The accounts whose readings someone needs: owners of foreign log groups, and with
/// `organization` every account (any may own an organization trail).
fn needed_owners(accounts: &[AccountInventory], organization: bool) -> BTreeSet<String> {
    if organization {
        return accounts.iter().map(|a| a.account_id.clone()).collect();
    }
    log_group_owners(accounts)
}

/// The accounts that own the log group of a trail some of `accounts` record but do not
/// own: whose reading those accounts need before their trail can be judged.
pub fn log_group_owners<'a>(
    accounts: impl IntoIterator<Item = &'a AccountInventory>,
) -> BTreeSet<String> {
    let mut owners = BTreeSet::new();
    for account in accounts {
        for inventory in &account.regions {
            for trail in inventory.trails.as_deref().unwrap_or_default() {
                let Some(group) = &trail.log_group else { continue };
                if group.account_id != account.account_id {
                    owners.insert(group.account_id.clone());
                }
            }
        }
    }
    owners
}

/// An organization trail records every member account in its home region, and in every
/// region when it is multi-region.
fn add_organization_trails(inventory: &mut Inventory, trails: &[&Trail]) {
    let Ok(seen) = &mut inventory.trails else { return };
    for trail in trails {
        let records = trail.is_multi_region || trail.home_region == inventory.region;
        let present = seen.iter().any(|t| t.arn == trail.arn);
        if records && !present {
            seen.push((*trail).clone());
        }
    }
}

/// Replaces each trail that delivers to another audited account's log group by that
/// account's reading of it, and copies in what the chain after it needs.
fn lend(inventory: &mut Inventory, owners: &BTreeMap<String, Owner>) {
    let Ok(trails) = &mut inventory.trails else { return };
    let mut borrowed = Vec::new();
    for trail in trails.iter_mut() {
        let Some(group) = trail.log_group.clone() else { continue };
        if group.account_id == inventory.account_id {
            continue;
        }
        let Some(owner) = owners.get(&group.account_id) else { continue };
        if let Some(read) = owner.trails.get(&trail.arn) {
            *trail = read.clone();
        }
        borrowed.push((owner, group));
    }
    for (owner, group) in borrowed {
        copy_chain(inventory, &owner.read, &group);
    }
}

fn copy_chain(into: &mut Inventory, from: &Inventory, group: &crate::inventory::LogGroupRef) {
    if let Some(filters) = from.filters.get(&group.arn) {
        into.filters.insert(group.arn.clone(), filters.clone());
    }
    let Some(alarms) = from.alarms.get(&group.place()) else { return };
    into.alarms.insert(group.place(), alarms.clone());
    let topics = alarms.as_deref().unwrap_or_default().iter().flat_map(|a| &a.alarm_actions);
    for topic in topics {
        if let Some(key) = from.topic_keys.get(topic) {
            into.topic_keys.insert(topic.clone(), key.clone());
        }
        if let Some(subscriptions) = from.subscriptions.get(topic) {
            into.subscriptions.insert(topic.clone(), subscriptions.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::chain::{fixtures, judge, Status};
    use crate::events::EventSet;
    use crate::inventory::{LogGroupRef, Place, Subscription, TrailStatus};

    const OWNER: &str = "111111111111";
    const MEMBER: &str = "222222222222";
    const REGION: &str = "us-east-1";
    const GROUP: &str = "arn:aws:logs:us-east-1:111111111111:log-group:OrgTrail";

    fn org_trail(status: TrailStatus) -> Trail {
        Trail {
            name: "org".into(),
            arn: format!("arn:aws:cloudtrail:{REGION}:{OWNER}:trail/org"),
            home_region: REGION.into(),
            is_multi_region: true,
            is_organization: true,
            log_group: LogGroupRef::from_arn(GROUP),
            status: Ok(status),
            ..Trail::default()
        }
    }

    fn names() -> String {
        let events = EventSet::default_set();
        let terms: Vec<String> = events.names().map(|n| format!("$.eventName={n}")).collect();
        format!("{{{}}}", terms.join("||"))
    }

    /// The owner reads its organization trail and the chain behind it.
    fn owner() -> AccountInventory {
        let topic = fixtures::TOPIC.to_string();
        let subscription = Subscription {
            arn: format!("{topic}:1"),
            protocol: "email".into(),
            endpoint: "ops@example.com".into(),
        };
        let logging = TrailStatus { is_logging: true, ..TrailStatus::default() };
        let inventory = Inventory {
            account_id: OWNER.into(),
            region: REGION.into(),
            trails: Ok(vec![org_trail(logging)]),
            filters: BTreeMap::from([(
                GROUP.to_string(),
                Ok(vec![fixtures::filter("VpcChanges", &names(), "1")]),
            )]),
            alarms: BTreeMap::from([(Place::new(OWNER, REGION), Ok(vec![fixtures::alarm()]))]),
            subscriptions: BTreeMap::from([(topic.clone(), Ok(vec![subscription]))]),
            topic_keys: BTreeMap::from([(topic, Ok(None))]),
        };
        AccountInventory { account_id: OWNER.into(), regions: vec![inventory] }
    }

    /// A member that sees the organization trail (as AWS shows it) or nothing (as an
    /// emulator does), and cannot read its log group.
    fn member(sees_trail: bool) -> AccountInventory {
        let trails = if sees_trail { vec![org_trail(TrailStatus::default())] } else { vec![] };
        let inventory = Inventory {
            account_id: MEMBER.into(),
            region: REGION.into(),
            trails: Ok(trails),
            filters: BTreeMap::new(),
            alarms: BTreeMap::new(),
            subscriptions: BTreeMap::new(),
            topic_keys: BTreeMap::new(),
        };
        AccountInventory { account_id: MEMBER.into(), regions: vec![inventory] }
    }

    fn member_statuses(accounts: &[AccountInventory]) -> Vec<Status> {
        let member = accounts.iter().find(|a| a.account_id == MEMBER).unwrap();
        let findings = judge(&member.regions[0], &EventSet::default_set());
        let mut statuses: Vec<Status> = findings.names.iter().map(|n| n.status).collect();
        statuses.dedup();
        statuses
    }

    #[test]
    fn the_owners_reading_covers_a_member_that_sees_the_trail() {
        let mut accounts = vec![owner(), member(true)];
        share_trails(&mut accounts, false);
        assert_eq!(member_statuses(&accounts), [Status::Covered]);
    }

    #[test]
    fn without_the_owner_the_member_stays_undecided() {
        let mut accounts = vec![member(true)];
        share_trails(&mut accounts, false);
        assert_eq!(member_statuses(&accounts), [Status::Uncertain]);
    }

    #[test]
    fn an_organization_trail_is_credited_to_members_that_do_not_list_it() {
        let mut accounts = vec![owner(), member(false)];
        let mut listed = accounts.clone();
        share_trails(&mut listed, false);
        assert_eq!(member_statuses(&listed), [Status::NotCovered], "not an organization run");
        share_trails(&mut accounts, true);
        assert_eq!(member_statuses(&accounts), [Status::Covered]);
    }

    #[test]
    fn a_single_region_organization_trail_is_credited_to_its_home_region_only() {
        let mut owner = owner();
        let Ok(trails) = &mut owner.regions[0].trails else { unreachable!() };
        trails[0].is_multi_region = false;
        let mut other = member(false);
        other.regions[0].region = "eu-west-1".into();
        let mut accounts = vec![owner, other];
        share_trails(&mut accounts, true);
        assert_eq!(member_statuses(&accounts), [Status::NotCovered]);
    }
}

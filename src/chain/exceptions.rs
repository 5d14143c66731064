//! Accepted gaps: the exceptions of the configuration file applied to a judged audit.
//! Pure: the audit, the exceptions and today's date in; out comes the audit with each
//! gap an exception accepts marked excepted, every verdict judged again, and what became
//! of each exception.
//!
//! Only a proven gap (not covered) is ever excepted. A name that could not be read or
//! decided stays uncertain: an exception must never hide a failure to audit.

use std::collections::HashSet;

use serde::Serialize;

use super::{verdict, AccountFindings, Audit, Findings, Status};
use crate::config::Exception;
use crate::date::Date;

/// Why the gap of an excepted name is accepted, and until when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Excepted {
    pub reason: String,
    pub expires: Date,
}

/// What became of one exception in a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ExceptionState {
    /// In force, and it accepted at least one gap.
    Applied,
    /// Past its last day: it accepts nothing, and the names it reaches fail as before.
    Expired,
    /// In force, but no name it reaches is a gap in the audited accounts and regions:
    /// the gap was closed, or the account or region was not audited.
    Unused,
}

/// One exception and what became of it, as the JSON report lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExceptionOutcome {
    #[serde(flatten)]
    pub exception: Exception,
    pub state: ExceptionState,
    /// The gaps it reaches, each name counted once per account and region; for an
    /// expired exception, the gaps it would have accepted.
    pub matches: usize,
}

/// Applies `exceptions` to `audit` as of `today` (UTC): an exception applies up to and
/// including its `expires` day. Verdicts are judged again, so a run whose every gap is
/// accepted passes.
pub fn except(audit: Audit, exceptions: &[Exception], today: Date) -> Audit {
    let outcomes: Vec<ExceptionOutcome> =
        exceptions.iter().map(|e| outcome(&audit, e, today)).collect();
    let in_force: Vec<&Exception> = outcomes
        .iter()
        .filter(|o| o.state == ExceptionState::Applied)
        .map(|o| &o.exception)
        .collect();
    let accounts = audit.accounts.into_iter().map(|a| except_account(a, &in_force)).collect();
    Audit { exceptions: outcomes, ..Audit::new(audit.events, accounts) }
}

fn outcome(audit: &Audit, exception: &Exception, today: Date) -> ExceptionOutcome {
    let matches = audit.targets().map(|findings| gaps(findings, exception)).sum();
    let state = if exception.is_expired(today) {
        ExceptionState::Expired
    } else if matches > 0 {
        ExceptionState::Applied
    } else {
        ExceptionState::Unused
    };
    ExceptionOutcome { exception: exception.clone(), state, matches }
}

/// How many distinct names of one account and region `exception` reaches that are not
/// covered. A name in several groups (`--events default,cis`) counts once.
fn gaps(findings: &Findings, exception: &Exception) -> usize {
    let reached = findings.names.iter().filter(|n| {
        n.status == Status::NotCovered
            && exception.covers(&findings.account_id, &findings.region, &n.name)
    });
    reached.map(|n| n.name.as_str()).collect::<HashSet<_>>().len()
}

/// An account that could not be audited has nothing to except and stays an error.
fn except_account(account: AccountFindings, in_force: &[&Exception]) -> AccountFindings {
    if account.error.is_some() {
        return account;
    }
    let regions = account.regions.into_iter().map(|f| except_region(f, in_force)).collect();
    AccountFindings::judged(account.account_id, regions)
}

/// Marks each gap the first exception in force accepts; the reason stays the gap's own.
fn except_region(mut findings: Findings, in_force: &[&Exception]) -> Findings {
    for name in findings.names.iter_mut().filter(|n| n.status == Status::NotCovered) {
        let accepting =
            in_force.iter().find(|e| e.covers(&findings.account_id, &findings.region, &name.name));
        if let Some(exception) = accepting {
            name.status = Status::Excepted;
            name.exception =
                Some(Excepted { reason: exception.reason.clone(), expires: exception.expires });
        }
    }
    findings.verdict = verdict(&findings.names);
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::{Links, NameFinding, Verdict};

    const SANDBOX: &str = "111111111111";
    const PAYMENTS: &str = "222222222222";

    fn date(text: &str) -> Date {
        Date::parse(text).expect("a date")
    }

    /// One account and region whose names have the statuses given.
    fn findings(account: &str, region: &str, names: &[(&str, Status)]) -> Findings {
        let names: Vec<NameFinding> = names
            .iter()
            .map(|(name, status)| NameFinding {
                name: (*name).into(),
                group: "VPC peering".into(),
                status: *status,
                reason: format!("filter VpcChanges does not match {name}"),
                chain: Links::default(),
                exception: None,
            })
            .collect();
        Findings {
            verdict: verdict(&names),
            account_id: account.into(),
            region: region.into(),
            events: "default".into(),
            trails: vec![],
            names,
            errors: vec![],
        }
    }

    /// The sandbox account in two regions, peering not covered in both; payments covered.
    fn audit() -> Audit {
        let gaps = [
            ("CreateVpc", Status::Covered),
            ("CreateVpcPeeringConnection", Status::NotCovered),
            ("AcceptVpcPeeringConnection", Status::NotCovered),
        ];
        let sandbox = AccountFindings::judged(
            SANDBOX.into(),
            vec![findings(SANDBOX, "eu-west-1", &gaps), findings(SANDBOX, "us-east-1", &gaps)],
        );
        let covered =
            [("CreateVpc", Status::Covered), ("CreateVpcPeeringConnection", Status::Covered)];
        let payments = AccountFindings::judged(
            PAYMENTS.into(),
            vec![findings(PAYMENTS, "eu-west-1", &covered)],
        );
        Audit::new("default".into(), vec![sandbox, payments])
    }

    fn peering(account: Option<&str>, region: Option<&str>, expires: &str) -> Exception {
        Exception {
            account: account.map(str::to_string),
            region: region.map(str::to_string),
            names: vec!["CreateVpcPeeringConnection".into(), "AcceptVpcPeeringConnection".into()],
            reason: "peering is blocked by SCP".into(),
            expires: date(expires),
            line: 7,
        }
    }

    fn status(audit: &Audit, account: &str, region: &str, name: &str) -> Status {
        let findings = audit
            .targets()
            .find(|f| f.account_id == account && f.region == region)
            .expect("account and region audited");
        findings.names.iter().find(|n| n.name == name).expect("name judged").status
    }

    #[test]
    fn an_exception_in_force_accepts_every_gap_it_names_and_the_run_passes() {
        let before = audit();
        assert_eq!(before.verdict, Verdict::Fail);
        let after =
            except(before, &[peering(Some(SANDBOX), None, "2027-03-31")], date("2027-01-01"));
        assert_eq!(after.verdict, Verdict::Pass);
        assert!(after.accounts.iter().all(|a| a.verdict == Verdict::Pass));
        assert!(after.targets().all(|f| f.verdict == Verdict::Pass));
        let name = after
            .targets()
            .next()
            .unwrap()
            .names
            .iter()
            .find(|n| n.name == "AcceptVpcPeeringConnection");
        let name = name.unwrap();
        assert_eq!(name.status, Status::Excepted);
        assert_eq!(name.reason, "filter VpcChanges does not match AcceptVpcPeeringConnection");
        assert_eq!(
            name.exception,
            Some(Excepted {
                reason: "peering is blocked by SCP".into(),
                expires: date("2027-03-31")
            })
        );
        assert_eq!(after.exceptions.len(), 1);
        assert_eq!(after.exceptions[0].state, ExceptionState::Applied);
        assert_eq!(after.exceptions[0].matches, 4, "two names in each of two regions");
    }

    #[test]
    fn an_exception_applies_on_its_last_day_and_expires_the_day_after() {
        let exception = [peering(None, None, "2027-03-31")];
        let last_day = except(audit(), &exception, date("2027-03-31"));
        assert_eq!(last_day.verdict, Verdict::Pass);

        let expired = except(audit(), &exception, date("2027-04-01"));
        assert_eq!(expired.verdict, Verdict::Fail, "the gaps fail as before");
        assert_eq!(
            status(&expired, SANDBOX, "eu-west-1", "CreateVpcPeeringConnection"),
            Status::NotCovered
        );
        assert_eq!(expired.exceptions[0].state, ExceptionState::Expired);
        assert_eq!(expired.exceptions[0].matches, 4, "the gaps it would have accepted");
    }

    #[test]
    fn an_exception_reaches_only_its_account_and_region() {
        let exception = [peering(Some(SANDBOX), Some("eu-west-1"), "2027-03-31")];
        let after = except(audit(), &exception, date("2027-01-01"));
        assert_eq!(
            status(&after, SANDBOX, "eu-west-1", "CreateVpcPeeringConnection"),
            Status::Excepted
        );
        assert_eq!(
            status(&after, SANDBOX, "us-east-1", "CreateVpcPeeringConnection"),
            Status::NotCovered
        );
        assert_eq!(after.verdict, Verdict::Fail, "us-east-1 still has its gaps");
        assert_eq!(after.exceptions[0].matches, 2);

        let elsewhere = [peering(Some(PAYMENTS), None, "2027-03-31")];
        let after = except(audit(), &elsewhere, date("2027-01-01"));
        assert_eq!(after.verdict, Verdict::Fail);
        assert_eq!(after.exceptions[0].state, ExceptionState::Unused, "payments has no gap");
        let other_region = [peering(None, Some("ap-southeast-2"), "2027-03-31")];
        let after = except(audit(), &other_region, date("2027-01-01"));
        assert_eq!(after.exceptions[0].state, ExceptionState::Unused, "region not audited");
    }

    #[test]
    fn an_uncertain_name_is_never_excepted() {
        let undecided = [("CreateVpcPeeringConnection", Status::Uncertain)];
        let account = AccountFindings::judged(
            SANDBOX.into(),
            vec![findings(SANDBOX, "eu-west-1", &undecided)],
        );
        let audit = Audit::new("default".into(), vec![account]);
        let after = except(audit, &[peering(None, None, "2027-03-31")], date("2027-01-01"));
        assert_eq!(
            status(&after, SANDBOX, "eu-west-1", "CreateVpcPeeringConnection"),
            Status::Uncertain
        );
        assert_eq!(after.verdict, Verdict::Error);
        assert_eq!(after.exceptions[0].state, ExceptionState::Unused);
    }

    #[test]
    fn an_account_that_could_not_be_audited_stays_an_error() {
        let denied = AccountFindings::failed(SANDBOX.into(), "role denied".into());
        let audit = Audit::new("default".into(), vec![denied]);
        let after =
            except(audit, &[peering(Some(SANDBOX), None, "2027-03-31")], date("2027-01-01"));
        assert_eq!(after.verdict, Verdict::Error);
        assert_eq!(after.accounts[0].error.as_deref(), Some("role denied"));
        assert_eq!(after.exceptions[0].state, ExceptionState::Unused);
    }

    #[test]
    fn a_name_in_two_groups_is_one_gap_and_two_exceptions_may_both_apply() {
        let mut region = findings(SANDBOX, "eu-west-1", &[("CreateVpc", Status::NotCovered)]);
        let mut again = region.names[0].clone();
        again.group = "4.14 VPC changes".into();
        region.names.push(again);
        let audit = Audit::new(
            "default+cis".into(),
            vec![AccountFindings::judged(SANDBOX.into(), vec![region])],
        );
        let create_vpc = |reason: &str| Exception {
            names: vec!["CreateVpc".into()],
            reason: reason.into(),
            ..peering(None, None, "2027-03-31")
        };
        let after = except(audit, &[create_vpc("first"), create_vpc("second")], date("2027-01-01"));
        assert_eq!(after.exceptions[0].matches, 1, "counted once");
        assert_eq!(after.exceptions[1].state, ExceptionState::Applied);
        let names = &after.targets().next().unwrap().names;
        assert!(names.iter().all(|n| n.status == Status::Excepted), "{names:?}");
        assert!(names.iter().all(|n| n.exception.as_ref().unwrap().reason == "first"));
        assert_eq!(after.verdict, Verdict::Pass);
    }

    #[test]
    fn outcomes_serialize_as_the_json_report_lists_them() {
        let after =
            except(audit(), &[peering(Some(SANDBOX), None, "2027-03-31")], date("2027-01-01"));
        let json = serde_json::to_value(&after.exceptions[0]).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "account": SANDBOX,
                "region": null,
                "names": ["CreateVpcPeeringConnection", "AcceptVpcPeeringConnection"],
                "reason": "peering is blocked by SCP",
                "expires": "2027-03-31",
                "state": "applied",
                "matches": 4,
            })
        );
    }
}

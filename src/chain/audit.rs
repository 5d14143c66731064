//! The findings of a whole run: every audited account, each with its regions, and one
//! verdict over all of them.

use serde::Serialize;

use super::{ExceptionOutcome, Findings, Verdict};

/// Everything `check` found, over every audited account and region.
#[derive(Debug, Clone, Serialize)]
pub struct Audit {
    /// Fail when any name of any account is proven not covered; else error when anything
    /// could not be read or decided; else pass.
    pub verdict: Verdict,
    pub events: String,
    pub accounts: Vec<AccountFindings>,
    /// What became of each exception of the configuration file, in the order written;
    /// empty until [`super::except`] applies them.
    pub exceptions: Vec<ExceptionOutcome>,
}

/// What was found in one account.
#[derive(Debug, Clone, Serialize)]
pub struct AccountFindings {
    pub account_id: String,
    pub verdict: Verdict,
    /// Why the account could not be audited at all: its role could not be assumed, its
    /// regions could not be listed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// One entry per audited region, in the order audited.
    pub regions: Vec<Findings>,
}

impl AccountFindings {
    /// The findings of an account whose regions were all judged.
    pub fn judged(account_id: String, regions: Vec<Findings>) -> AccountFindings {
        let verdict = combine(regions.iter().map(|r| r.verdict));
        AccountFindings { account_id, verdict, error: None, regions }
    }

    /// An account that could not be audited: never a pass.
    pub fn failed(account_id: String, error: String) -> AccountFindings {
        AccountFindings { account_id, verdict: Verdict::Error, error: Some(error), regions: vec![] }
    }
}

impl Audit {
    pub fn new(events: String, mut accounts: Vec<AccountFindings>) -> Audit {
        accounts.sort_by(|a, b| a.account_id.cmp(&b.account_id));
        let verdict = combine(accounts.iter().map(|a| a.verdict));
        Audit { verdict, events, accounts, exceptions: Vec::new() }
    }

    /// Every judged account and region, in report order.
    pub fn targets(&self) -> impl Iterator<Item = &Findings> {
        self.accounts.iter().flat_map(|a| a.regions.iter())
    }

    /// The findings of a run that audited exactly one account and region.
    pub fn single(&self) -> Option<&Findings> {
        match self.accounts.as_slice() {
            [only] if only.error.is_none() && only.regions.len() == 1 => only.regions.first(),
            _ => None,
        }
    }

    /// How many accounts have `verdict`.
    pub fn accounts_with(&self, verdict: Verdict) -> usize {
        self.accounts.iter().filter(|a| a.verdict == verdict).count()
    }
}

/// A proven gap anywhere fails the whole; otherwise anything undecided makes it an
/// error; a pass needs every part to pass. Nothing audited passes: a shard may hold no
/// account.
pub fn combine(verdicts: impl Iterator<Item = Verdict>) -> Verdict {
    verdicts.fold(Verdict::Pass, |whole, part| match (whole, part) {
        (Verdict::Fail, _) | (_, Verdict::Fail) => Verdict::Fail,
        (Verdict::Error, _) | (_, Verdict::Error) => Verdict::Error,
        _ => Verdict::Pass,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn findings(verdict: Verdict, region: &str) -> Findings {
        Findings {
            verdict,
            account_id: "111111111111".into(),
            region: region.into(),
            events: "default".into(),
            trails: vec![],
            names: vec![],
            errors: vec![],
        }
    }

    #[test]
    fn one_failing_region_fails_the_account_and_the_run() {
        let sound = AccountFindings::judged(
            "111111111111".into(),
            vec![findings(Verdict::Pass, "us-east-1"), findings(Verdict::Pass, "eu-west-1")],
        );
        let broken = AccountFindings::judged(
            "222222222222".into(),
            vec![findings(Verdict::Pass, "us-east-1"), findings(Verdict::Fail, "eu-west-1")],
        );
        assert_eq!((sound.verdict, broken.verdict), (Verdict::Pass, Verdict::Fail));
        let audit = Audit::new("default".into(), vec![broken, sound]);
        assert_eq!(audit.verdict, Verdict::Fail);
        assert_eq!(audit.accounts[0].account_id, "111111111111", "sorted by account");
        assert_eq!(audit.targets().count(), 4);
        assert!(audit.single().is_none());
    }

    #[test]
    fn an_account_that_could_not_be_audited_is_an_error_never_a_pass() {
        let denied = AccountFindings::failed("333333333333".into(), "denied".into());
        let sound = AccountFindings::judged(
            "111111111111".into(),
            vec![findings(Verdict::Pass, "us-east-1")],
        );
        let audit = Audit::new("default".into(), vec![sound, denied]);
        assert_eq!(audit.verdict, Verdict::Error);
        assert_eq!(audit.accounts_with(Verdict::Error), 1);
    }

    #[test]
    fn a_fail_outweighs_an_error_and_an_empty_run_passes() {
        let verdicts = [Verdict::Error, Verdict::Fail, Verdict::Pass];
        assert_eq!(combine(verdicts.into_iter()), Verdict::Fail);
        assert_eq!(combine(std::iter::empty()), Verdict::Pass);
    }

    #[test]
    fn one_account_and_region_is_a_single_target() {
        let one = AccountFindings::judged(
            "111111111111".into(),
            vec![findings(Verdict::Pass, "us-east-1")],
        );
        let audit = Audit::new("default".into(), vec![one]);
        assert_eq!(audit.single().map(|f| f.region.as_str()), Some("us-east-1"));
    }
}

//! Stage `coverage`: which watched event names a filter pattern covers, decided by
//! meaning: a name is covered when the pattern matches the CloudTrail record of the call
//! for every common caller type (see docs/alert-chain.md, section 2). Plain data in,
//! plain data out: no AWS, no printing.

use crate::events::EventSet;
use crate::pattern::{Kind, Message, Outcome, Pattern};
use crate::records::{Caller, RecordContext, RecordSet};

/// Why a space-delimited pattern is not evaluated on CloudTrail records.
pub const DELIMITED_REASON: &str =
    "space-delimited patterns are not meant for JSON records; not evaluable";

/// Whether one event name is covered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Coverage {
    /// The pattern matches the record of every caller type.
    Covered,
    /// The pattern does not match the records of these callers, in [`Caller::ALL`] order.
    NotCovered { callers: Vec<Caller> },
    /// The answer depends on behaviour real AWS has not shown, or cannot be evaluated.
    Uncertain(String),
}

impl Coverage {
    pub fn is_covered(&self) -> bool {
        matches!(self, Coverage::Covered)
    }

    /// Why a name is not covered, in words for a report: "matches only Root calls".
    pub fn reason(&self) -> Option<String> {
        match self {
            Coverage::Covered => None,
            Coverage::NotCovered { callers } => Some(missed_reason(callers)),
            Coverage::Uncertain(reason) => Some(reason.clone()),
        }
    }
}

/// What coverage needs of a pattern. [`Pattern`] implements it; tests use fakes.
pub trait Evaluator {
    fn kind(&self) -> Kind;
    fn evaluate(&self, message: &Message<'_>) -> Outcome;
}

impl Evaluator for Pattern {
    fn kind(&self) -> Kind {
        Pattern::kind(self)
    }

    fn evaluate(&self, message: &Message<'_>) -> Outcome {
        Pattern::evaluate_message(self, message)
    }
}

/// The records of an event set, each read once (its JSON parsed), so that many patterns
/// can be evaluated on them without reading them again.
#[derive(Debug, Clone)]
pub struct ReadRecords<'a> {
    entries: Vec<(&'a str, [Message<'a>; 4])>,
}

impl<'a> ReadRecords<'a> {
    /// Reads every record of `records`.
    pub fn new(records: &'a RecordSet) -> ReadRecords<'a> {
        let entries = records
            .iter()
            .map(|(name, texts)| (name, [0, 1, 2, 3].map(|i| Message::new(&texts[i]))))
            .collect();
        ReadRecords { entries }
    }

    /// The number of names.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there is no name.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// The coverage of every name of `set` under one pattern, in set order. Builds and reads
/// the records; to evaluate many patterns, build a [`RecordSet`] and its [`ReadRecords`]
/// once and use [`cover_records`].
pub fn cover(
    pattern: &impl Evaluator,
    set: &EventSet,
    ctx: &RecordContext,
) -> Vec<(String, Coverage)> {
    let records = RecordSet::build(set, ctx);
    cover_records(pattern, &ReadRecords::new(&records))
}

/// The coverage of every name of `records` under one pattern, in their order.
pub fn cover_records(
    pattern: &impl Evaluator,
    records: &ReadRecords<'_>,
) -> Vec<(String, Coverage)> {
    let delimited = pattern.kind() == Kind::Delimited;
    records
        .entries
        .iter()
        .map(|(name, texts)| {
            let coverage = if delimited {
                Coverage::Uncertain(DELIMITED_REASON.into())
            } else {
                cover_name(pattern, texts)
            };
            (name.to_string(), coverage)
        })
        .collect()
}

/// The coverage of one name, given its records in [`Caller::ALL`] order.
pub fn cover_name(pattern: &impl Evaluator, records: &[Message<'_>; 4]) -> Coverage {
    let mut missed = Vec::new();
    for (caller, record) in Caller::ALL.into_iter().zip(records) {
        match pattern.evaluate(record) {
            Outcome::Match(_) => {}
            Outcome::NoMatch => missed.push(caller),
            Outcome::Undecided(reason) => return Coverage::Uncertain(reason),
        }
    }
    if missed.is_empty() {
        Coverage::Covered
    } else {
        Coverage::NotCovered { callers: missed }
    }
}

/// The coverage of one name under several patterns together (several filters of one
/// log group). Covered when each caller's record is matched by some pattern; otherwise
/// uncertain when a pattern was uncertain (it might match the callers the others miss);
/// otherwise not covered, naming the callers no pattern matches. No pattern covers
/// nothing.
pub fn combine<'a>(coverages: impl IntoIterator<Item = &'a Coverage>) -> Coverage {
    let mut missed: Vec<Caller> = Caller::ALL.to_vec();
    let mut uncertain: Option<&String> = None;
    for coverage in coverages {
        match coverage {
            Coverage::Covered => return Coverage::Covered,
            Coverage::NotCovered { callers } => missed.retain(|c| callers.contains(c)),
            Coverage::Uncertain(reason) => {
                uncertain.get_or_insert(reason);
            }
        }
    }
    match (missed.is_empty(), uncertain) {
        (true, _) => Coverage::Covered,
        (false, Some(reason)) => Coverage::Uncertain(reason.clone()),
        (false, None) => Coverage::NotCovered { callers: missed },
    }
}

/// The coverage of every name of `set` under several patterns together, in set order;
/// each element of `per_pattern` is the result of [`cover`] or [`cover_records`] for one
/// pattern. A name that no list mentions is not covered.
pub fn union(set: &EventSet, per_pattern: &[Vec<(String, Coverage)>]) -> Vec<(String, Coverage)> {
    set.names()
        .map(|name| {
            let of_name = per_pattern
                .iter()
                .filter_map(|list| list.iter().find(|(n, _)| n == name).map(|(_, c)| c));
            (name.to_string(), combine(of_name))
        })
        .collect()
}

/// How many names are covered, not covered and uncertain.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub covered: usize,
    pub not_covered: usize,
    pub uncertain: usize,
}

impl Tally {
    /// Counts a coverage list.
    pub fn of(coverages: &[(String, Coverage)]) -> Tally {
        let mut tally = Tally::default();
        for (_, coverage) in coverages {
            match coverage {
                Coverage::Covered => tally.covered += 1,
                Coverage::NotCovered { .. } => tally.not_covered += 1,
                Coverage::Uncertain(_) => tally.uncertain += 1,
            }
        }
        tally
    }

    pub fn total(&self) -> usize {
        self.covered + self.not_covered + self.uncertain
    }

    /// True when every name is covered.
    pub fn is_complete(&self) -> bool {
        self.covered == self.total()
    }
}

/// "matches only Root calls", "matches only IAMUser and AssumedRole calls", "matches no
/// call".
fn missed_reason(missed: &[Caller]) -> String {
    let matched: Vec<String> = Caller::ALL
        .into_iter()
        .filter(|c| !missed.contains(c))
        .map(|c| c.identity_type().to_string())
        .collect();
    match matched.as_slice() {
        [] => "matches no call".into(),
        [one] => format!("matches only {one} calls"),
        [init @ .., last] => format!("matches only {} and {last} calls", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fake pattern: a closure on the record text.
    struct Fake<F>(Kind, F);

    impl<F: Fn(&str) -> Outcome> Evaluator for Fake<F> {
        fn kind(&self) -> Kind {
            self.0
        }
        fn evaluate(&self, message: &Message<'_>) -> Outcome {
            (self.1)(message.text())
        }
    }

    fn when(test: impl Fn(&str) -> bool) -> impl Fn(&str) -> Outcome {
        move |m| if test(m) { Outcome::Match(Vec::new()) } else { Outcome::NoMatch }
    }

    fn ctx() -> RecordContext {
        RecordContext::example()
    }

    #[test]
    fn matching_every_caller_covers() {
        let all = Fake(Kind::Json, when(|m| m.contains("\"eventName\":\"CreateVpc\"")));
        let result = cover(&all, &EventSet::default_set(), &ctx());
        assert_eq!(result.len(), 30);
        assert_eq!(result[0], ("CreateVpc".into(), Coverage::Covered));
        assert_eq!(
            result[1],
            ("DeleteVpc".into(), Coverage::NotCovered { callers: Caller::ALL.to_vec() })
        );
    }

    #[test]
    fn a_root_only_pattern_names_the_missed_callers() {
        let root = Fake(Kind::Json, when(|m| m.contains("\"type\":\"Root\"")));
        let result = cover(&root, &EventSet::default_set(), &ctx());
        let expected = vec![Caller::IamUser, Caller::AssumedRole, Caller::AwsService];
        assert_eq!(result[0].1, Coverage::NotCovered { callers: expected });
        assert_eq!(result[0].1.reason().unwrap(), "matches only Root calls");
    }

    #[test]
    fn delimited_patterns_are_uncertain_without_evaluation() {
        let delimited = Fake(Kind::Delimited, |_: &str| -> Outcome { panic!("evaluated") });
        let result = cover(&delimited, &EventSet::cis(), &ctx());
        assert_eq!(result.len(), 37);
        assert!(result.iter().all(|(_, c)| *c == Coverage::Uncertain(DELIMITED_REASON.into())));
    }

    #[test]
    fn an_undecided_outcome_makes_the_name_uncertain() {
        let undecided = Fake(Kind::Json, |m: &str| {
            if m.contains("AWSService") {
                Outcome::Undecided("internal star".into())
            } else {
                Outcome::NoMatch
            }
        });
        let result = cover(&undecided, &EventSet::default_set(), &ctx());
        assert_eq!(result[0].1, Coverage::Uncertain("internal star".into()));
    }

    #[test]
    fn reasons_list_the_matched_callers() {
        let not = |callers: Vec<Caller>| Coverage::NotCovered { callers };
        assert_eq!(not(Caller::ALL.to_vec()).reason().unwrap(), "matches no call");
        assert_eq!(
            not(vec![Caller::Root, Caller::AwsService]).reason().unwrap(),
            "matches only IAMUser and AssumedRole calls"
        );
        assert_eq!(
            not(vec![Caller::AwsService]).reason().unwrap(),
            "matches only IAMUser, AssumedRole and Root calls"
        );
        assert_eq!(Coverage::Covered.reason(), None);
    }

    #[test]
    fn combine_takes_the_union_per_caller() {
        let not = |callers: &[Caller]| Coverage::NotCovered { callers: callers.to_vec() };
        let unsure = Coverage::Uncertain("why".into());
        let no_root = not(&[Caller::Root]);
        let only_root = not(&[Caller::IamUser, Caller::AssumedRole, Caller::AwsService]);

        assert_eq!(combine([]), not(&Caller::ALL));
        assert_eq!(combine([&no_root, &Coverage::Covered]), Coverage::Covered);
        assert_eq!(combine([&no_root, &only_root]), Coverage::Covered);
        assert_eq!(combine([&no_root, &no_root]), no_root);
        assert_eq!(combine([&no_root, &unsure]), unsure);
        assert_eq!(combine([&unsure, &no_root, &only_root]), Coverage::Covered);
    }

    #[test]
    fn union_follows_set_order_and_fills_gaps() {
        let set = EventSet::default_set();
        let first = vec![("DeleteVpc".to_string(), Coverage::Covered)];
        let second = vec![("CreateVpc".to_string(), Coverage::Uncertain("why".into()))];
        let result = union(&set, &[first, second]);
        assert_eq!(result.len(), 30);
        assert_eq!(result[0], ("CreateVpc".into(), Coverage::Uncertain("why".into())));
        assert_eq!(result[1], ("DeleteVpc".into(), Coverage::Covered));
        assert!(!result[2].1.is_covered());
        let tally = Tally::of(&result);
        assert_eq!(tally, Tally { covered: 1, not_covered: 28, uncertain: 1 });
        assert!(!tally.is_complete());
    }

    /// The same questions on the real engine, with patterns as accounts write them.
    mod with_the_engine {
        use super::*;
        use crate::pattern;

        fn cover_text(text: &str, set: &EventSet) -> Vec<(String, Coverage)> {
            let parsed = pattern::analyze(text).pattern.expect("the pattern parses");
            cover(&parsed, set, &ctx())
        }

        fn coverage_of(text: &str, name: &str) -> Coverage {
            let result = cover_text(text, &EventSet::default_set());
            result.into_iter().find(|(n, _)| n == name).expect("a watched name").1
        }

        #[test]
        fn the_cis_root_usage_filter_matches_only_root_records() {
            let cis_root = r#"{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }"#;
            let coverage = coverage_of(cis_root, "CreateVpc");
            assert_eq!(coverage.reason().unwrap(), "matches only Root calls");
        }

        #[test]
        fn a_filter_that_drops_service_calls_misses_them() {
            let text = r#"{ $.eventName = "DeleteVpc" && $.userIdentity.invokedBy NOT EXISTS }"#;
            let expected = Coverage::NotCovered { callers: vec![Caller::AwsService] };
            assert_eq!(coverage_of(text, "DeleteVpc"), expected);
        }

        #[test]
        fn a_term_covers_every_name_that_contains_it() {
            let result = cover_text("CreateVpc", &EventSet::default_set());
            let covered: Vec<&str> =
                result.iter().filter(|(_, c)| c.is_covered()).map(|(n, _)| n.as_str()).collect();
            assert_eq!(covered, ["CreateVpc", "CreateVpcPeeringConnection"]);
        }

        #[test]
        fn wildcards_and_regexes_cover_by_meaning() {
            assert!(coverage_of("{ $.eventName = *SecurityGroup* }", "RevokeSecurityGroupEgress")
                .is_covered());
            assert!(coverage_of("{ $.eventName = %^Delete.*Vpc$% }", "DeleteVpc").is_covered());
            assert!(!coverage_of("{ $.eventName = %^Delete.*Vpc$% }", "CreateVpc").is_covered());
        }

        #[test]
        fn an_internal_star_is_uncertain() {
            let coverage = coverage_of("{ $.eventName = Create*Vpc }", "CreateVpc");
            assert!(matches!(coverage, Coverage::Uncertain(_)), "{coverage:?}");
        }

        #[test]
        fn two_partial_filters_cover_together() {
            let set = EventSet::default_set();
            let root = cover_text(r#"{ $.userIdentity.type = "Root" }"#, &set);
            let others = cover_text(r#"{ $.userIdentity.type != "Root" }"#, &set);
            let result = union(&set, &[root, others]);
            assert!(Tally::of(&result).is_complete(), "{result:?}");
        }
    }
}

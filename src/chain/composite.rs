//! Composite alarms: an alarm that tells nobody itself can still reach a person through a
//! composite alarm whose rule it makes true.
//!
//! A composite notifies when it enters ALARM. It does so for sure when one of its alarms
//! does only if its rule is an OR of `ALARM(...)` terms and every other alarm in the rule
//! is at rest between its own events; otherwise the composite may already be in ALARM,
//! or may need more than this alarm. Rules with AND, NOT, or the OK and
//! INSUFFICIENT_DATA states are not evaluated, and never pass.

use crate::inventory::{Alarm, Inventory, MetricId};

use super::alarm::{self, Published};
use super::Broken;

/// A composite alarm rule, as AWS writes it: `ALARM("name")`, `OK(name)`,
/// `INSUFFICIENT_DATA(arn)`, `TRUE`, `FALSE`, joined with AND, OR, NOT and parentheses.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Rule {
    State(State, String),
    Constant(bool),
    Not(Box<Rule>),
    And(Vec<Rule>),
    Or(Vec<Rule>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum State {
    Alarm,
    Ok,
    InsufficientData,
}

/// The composite alarms of `alarms` whose rule names `child`.
pub(super) fn parents<'a>(
    child: &'a Alarm,
    alarms: &'a [Alarm],
) -> impl Iterator<Item = &'a Alarm> {
    alarms.iter().filter(move |a| {
        let rule = a.alarm_rule.as_deref().and_then(|r| parse(r).ok());
        rule.is_some_and(|rule| names(&rule, &child.name))
    })
}

/// Whether `composite` enters ALARM, from rest, when `child` does. Its own actions are
/// not looked at here.
pub(super) fn fires_on(
    composite: &Alarm,
    child: &Alarm,
    inventory: &Inventory,
    alarms: &[Alarm],
) -> Result<(), Broken> {
    let text = composite.alarm_rule.as_deref().unwrap_or_default();
    let rule = parse(text).map_err(|why| {
        Broken::uncertain(format!("composite alarm {}: its rule {text:?} {why}", composite.name))
    })?;
    let mut terms = Vec::new();
    or_terms(&rule, &mut terms);
    for term in terms {
        match term {
            Rule::State(State::Alarm, name) if refers_to(name, &child.name) => {}
            Rule::State(State::Alarm, name) => sibling_rests(composite, name, inventory, alarms)?,
            Rule::Constant(false) => {}
            Rule::Constant(true) => {
                return Err(Broken::fail(format!(
                    "composite alarm {}: its rule is always true, so it stays in ALARM and \
                     notifies nobody of {}",
                    composite.name, child.name
                )))
            }
            _ => {
                return Err(Broken::uncertain(format!(
                    "composite alarm {} combines {} with AND, NOT, OK or INSUFFICIENT_DATA; \
                     not evaluated",
                    composite.name, child.name
                )))
            }
        }
    }
    if let Some(suppressor) = &composite.actions_suppressor {
        return Err(Broken::uncertain(format!(
            "composite alarm {}: its actions are suppressed while alarm {suppressor} is in \
             ALARM; not evaluated",
            composite.name
        )));
    }
    Ok(())
}

/// Another alarm of the composite's OR must be at rest when the child trips: a metric
/// alarm on a metric that only metric filters read here publish, resting between events.
fn sibling_rests(
    composite: &Alarm,
    name: &str,
    inventory: &Inventory,
    alarms: &[Alarm],
) -> Result<(), Broken> {
    let Some(sibling) = alarms.iter().find(|a| refers_to(name, &a.name)) else {
        return Ok(()); // an alarm that no longer exists is never in ALARM
    };
    let unknown = |why: String| {
        Broken::uncertain(format!(
            "composite alarm {} is also in ALARM while {} is, and {why}",
            composite.name, sibling.name
        ))
    };
    if sibling.alarm_rule.is_some() {
        return Err(unknown("nested composite alarms are not evaluated".into()));
    }
    let (Some(namespace), Some(metric)) = (&sibling.namespace, &sibling.metric_name) else {
        return Err(unknown("its metric math is not evaluated".into()));
    };
    let id = MetricId {
        namespace: namespace.clone(),
        name: metric.clone(),
        dimensions: sibling.dimensions.clone(),
    };
    let publishers = publishers(inventory, &id);
    if publishers.is_empty() {
        return Err(unknown(format!(
            "no metric filter read here publishes its metric {}: whether it rests is unknown",
            alarm::describe(&id)
        )));
    }
    for published in &publishers {
        alarm::rests(sibling, published)?;
    }
    Ok(())
}

/// What every metric filter read in the inventory publishes to `metric`.
fn publishers(inventory: &Inventory, metric: &MetricId) -> Vec<Published> {
    let filters = inventory.filters.values().filter_map(|read| read.as_ref().ok()).flatten();
    filters
        .flat_map(|filter| {
            filter.transformations.iter().filter_map(move |t| {
                let same = t.namespace == metric.namespace
                    && t.name == metric.name
                    && t.dimensions == metric.dimensions;
                // Only the rest between events is asked of these: any event value will do.
                same.then(|| Published::new(filter, t, 1.0))
            })
        })
        .collect()
}

/// True when `reference`, from a rule, is the alarm `name`: its name or its ARN.
fn refers_to(reference: &str, name: &str) -> bool {
    reference == name
        || (reference.starts_with("arn:")
            && reference.strip_suffix(name).is_some_and(|r| r.ends_with(":alarm:")))
}

/// True when the rule names the alarm anywhere.
fn names(rule: &Rule, name: &str) -> bool {
    match rule {
        Rule::State(_, reference) => refers_to(reference, name),
        Rule::Constant(_) => false,
        Rule::Not(inner) => names(inner, name),
        Rule::And(rules) | Rule::Or(rules) => rules.iter().any(|r| names(r, name)),
    }
}

/// The terms of the rule's outermost ORs, flattened.
fn or_terms<'a>(rule: &'a Rule, terms: &mut Vec<&'a Rule>) {
    match rule {
        Rule::Or(rules) => rules.iter().for_each(|r| or_terms(r, terms)),
        other => terms.push(other),
    }
}

/// Parses a rule: NOT binds tightest, then AND, then OR; keywords in any case.
pub(super) fn parse(text: &str) -> Result<Rule, String> {
    let mut parser = Parser { tokens: tokens(text)?, at: 0, depth: 0 };
    let rule = parser.or()?;
    match parser.tokens.get(parser.at) {
        None => Ok(rule),
        Some(token) => Err(format!("has {token:?} where it should end")),
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Quoted(String),
    Open,
    Close,
}

fn tokens(text: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' | ')' => {
                chars.next();
                tokens.push(if c == '(' { Token::Open } else { Token::Close });
            }
            '"' => {
                chars.next();
                let quoted: String = chars.by_ref().take_while(|&c| c != '"').collect();
                tokens.push(Token::Quoted(quoted));
            }
            _ => {
                let mut word = String::new();
                while let Some(&c) =
                    chars.peek().filter(|c| !c.is_whitespace() && !"()\"".contains(**c))
                {
                    word.push(c);
                    chars.next();
                }
                tokens.push(Token::Word(word));
            }
        }
    }
    if text.matches('"').count() % 2 == 1 {
        return Err("has an unclosed quote".into());
    }
    Ok(tokens)
}

/// How deep parentheses and NOTs may nest: far beyond any real rule, and shallow enough
/// that a hostile one cannot exhaust the stack.
const MAX_NESTING: usize = 64;

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    depth: usize,
}

impl Parser {
    fn keyword(&mut self, word: &str) -> bool {
        let next = self.tokens.get(self.at);
        let found = matches!(next, Some(Token::Word(w)) if w.eq_ignore_ascii_case(word));
        self.at += usize::from(found);
        found
    }

    fn or(&mut self) -> Result<Rule, String> {
        let mut rules = vec![self.and()?];
        while self.keyword("OR") {
            rules.push(self.and()?);
        }
        Ok(if rules.len() == 1 { rules.remove(0) } else { Rule::Or(rules) })
    }

    fn and(&mut self) -> Result<Rule, String> {
        let mut rules = vec![self.not()?];
        while self.keyword("AND") {
            rules.push(self.not()?);
        }
        Ok(if rules.len() == 1 { rules.remove(0) } else { Rule::And(rules) })
    }

    fn not(&mut self) -> Result<Rule, String> {
        if self.keyword("NOT") {
            let inner = self.nested(Self::not)?;
            return Ok(Rule::Not(Box::new(inner)));
        }
        self.term()
    }

    /// Parses one level deeper with `parse`, within [`MAX_NESTING`].
    fn nested(&mut self, parse: fn(&mut Self) -> Result<Rule, String>) -> Result<Rule, String> {
        if self.depth == MAX_NESTING {
            return Err(format!("nests deeper than {MAX_NESTING} levels"));
        }
        self.depth += 1;
        let rule = parse(self);
        self.depth -= 1;
        rule
    }

    fn term(&mut self) -> Result<Rule, String> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        match token {
            Some(Token::Open) => {
                let rule = self.nested(Self::or)?;
                self.close()?;
                Ok(rule)
            }
            Some(Token::Word(word)) => self.word(&word),
            Some(other) => Err(format!("has {other:?} where a term should be")),
            None => Err("ends where a term should be".into()),
        }
    }

    fn word(&mut self, word: &str) -> Result<Rule, String> {
        let state = match word.to_ascii_uppercase().as_str() {
            "TRUE" => return Ok(Rule::Constant(true)),
            "FALSE" => return Ok(Rule::Constant(false)),
            "ALARM" => State::Alarm,
            "OK" => State::Ok,
            "INSUFFICIENT_DATA" => State::InsufficientData,
            _ => return Err(format!("has {word:?} where a term should be")),
        };
        if self.tokens.get(self.at) != Some(&Token::Open) {
            return Err(format!("has {word} without an alarm in parentheses"));
        }
        self.at += 1;
        let name = match self.tokens.get(self.at).cloned() {
            Some(Token::Word(name) | Token::Quoted(name)) if !name.is_empty() => name,
            _ => return Err(format!("has {word}() without an alarm name")),
        };
        self.at += 1;
        self.close()?;
        Ok(Rule::State(state, name))
    }

    fn close(&mut self) -> Result<(), String> {
        if self.tokens.get(self.at) == Some(&Token::Close) {
            self.at += 1;
            Ok(())
        } else {
            Err("has an unclosed parenthesis".into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::{fixtures, Severity};

    fn composite(rule: &str) -> Alarm {
        Alarm {
            name: "Composite".into(),
            alarm_rule: Some(rule.into()),
            namespace: None,
            metric_name: None,
            statistic: None,
            ..fixtures::alarm()
        }
    }

    fn empty() -> Inventory {
        Inventory {
            account_id: "123456789012".into(),
            region: "us-east-1".into(),
            trails: Ok(Vec::new()),
            filters: Default::default(),
            alarms: Default::default(),
            subscriptions: Default::default(),
            topic_keys: Default::default(),
        }
    }

    fn inventory_with(filters: Vec<crate::inventory::MetricFilter>) -> Inventory {
        let mut inventory = empty();
        inventory.filters.insert("group".into(), Ok(filters));
        inventory
    }

    #[test]
    fn rules_parse_with_aws_precedence_and_either_quoting() {
        let rule = parse(r#"ALARM("a b") OR alarm(c) AND NOT OK(d)"#).unwrap();
        let expected = Rule::Or(vec![
            Rule::State(State::Alarm, "a b".into()),
            Rule::And(vec![
                Rule::State(State::Alarm, "c".into()),
                Rule::Not(Box::new(Rule::State(State::Ok, "d".into()))),
            ]),
        ]);
        assert_eq!(rule, expected);
        assert_eq!(parse("(FALSE)").unwrap(), Rule::Constant(false));
        for broken in [
            "ALARM(a",
            "ALARM()",
            "ALARM a",
            "ALARM(\"a)",
            "ALARM(a) OR",
            "MAYBE(a)",
            "ALARM(a) ALARM(b)",
        ] {
            assert!(parse(broken).is_err(), "{broken}");
        }
    }

    #[test]
    fn hostile_rules_are_errors_not_crashes() {
        let deep = format!("{}ALARM(a){}", "(".repeat(10_000), ")".repeat(10_000));
        assert!(parse(&deep).unwrap_err().contains("nests deeper than 64"));
        let nots = format!("{}ALARM(a)", "NOT ".repeat(10_000));
        assert!(parse(&nots).is_err());
        let within = format!("{}ALARM(a){}", "(".repeat(60), ")".repeat(60));
        assert_eq!(parse(&within).unwrap(), Rule::State(State::Alarm, "a".into()));
        for text in ["", "(", ")", "\"", "ALARM(\"\")", "OR", "AND ALARM(a)", "ALARM(a) OR ("] {
            assert!(parse(text).is_err(), "{text:?}");
        }
    }

    #[test]
    fn a_rule_names_an_alarm_by_name_or_arn() {
        let child = fixtures::alarm();
        let alarms = [
            composite("ALARM(VpcChangesAlarm)"),
            composite("ALARM(\"arn:aws:cloudwatch:us-east-1:123456789012:alarm:VpcChangesAlarm\")"),
            composite("ALARM(OtherVpcChangesAlarm)"),
            composite("ALARM(VpcChangesAlarm"),
        ];
        assert_eq!(parents(&child, &alarms).count(), 2);
    }

    #[test]
    fn a_composite_of_one_alarm_fires_with_it() {
        let child = fixtures::alarm();
        let inventory = empty();
        assert!(fires_on(&composite("ALARM(VpcChangesAlarm) OR FALSE"), &child, &inventory, &[])
            .is_ok());
    }

    #[test]
    fn and_not_and_other_states_are_not_evaluated() {
        let child = fixtures::alarm();
        let inventory = empty();
        for rule in [
            "ALARM(VpcChangesAlarm) AND ALARM(Other)",
            "NOT OK(VpcChangesAlarm)",
            "ALARM(VpcChangesAlarm) OR OK(Other)",
        ] {
            let broken = fires_on(&composite(rule), &child, &inventory, &[]).unwrap_err();
            assert_eq!(broken.severity, Severity::Uncertain, "{rule}");
        }
        let always =
            fires_on(&composite("TRUE OR ALARM(VpcChangesAlarm)"), &child, &inventory, &[])
                .unwrap_err();
        assert_eq!(always.severity, Severity::Fail);
    }

    #[test]
    fn a_sibling_must_be_known_to_rest() {
        let child = fixtures::alarm();
        let rule = composite("ALARM(VpcChangesAlarm) OR ALARM(Cpu)");
        let cpu = Alarm {
            name: "Cpu".into(),
            namespace: Some("AWS/EC2".into()),
            metric_name: Some("CPUUtilization".into()),
            ..fixtures::alarm()
        };
        let unknown = fires_on(&rule, &child, &empty(), &[cpu]).unwrap_err();
        assert_eq!(unknown.severity, Severity::Uncertain);
        assert!(
            unknown.reason.contains("no metric filter read here publishes"),
            "{}",
            unknown.reason
        );

        let iam = Alarm {
            name: "Cpu".into(),
            metric_name: Some("IamChanges".into()),
            ..fixtures::alarm()
        };
        let mut filter =
            fixtures::filter("IamChanges", "{ $.eventSource = iam.amazonaws.com }", "1");
        filter.transformations[0].name = "IamChanges".into();
        let inventory = inventory_with(vec![filter.clone()]);
        assert!(fires_on(&rule, &child, &inventory, std::slice::from_ref(&iam)).is_ok());

        filter.transformations[0].default_value = Some(1.0);
        let stuck = fires_on(&rule, &child, &inventory_with(vec![filter]), &[iam]).unwrap_err();
        assert!(stuck.reason.contains("stays in ALARM"), "{}", stuck.reason);

        assert!(fires_on(&rule, &child, &empty(), &[]).is_ok(), "a deleted alarm never fires");
    }

    #[test]
    fn suppressed_actions_are_not_evaluated() {
        let child = fixtures::alarm();
        let suppressed = Alarm {
            actions_suppressor: Some("Maintenance".into()),
            ..composite("ALARM(VpcChangesAlarm)")
        };
        let broken = fires_on(&suppressed, &child, &empty(), &[]).unwrap_err();
        assert_eq!(broken.severity, Severity::Uncertain);
    }

    /// Rule-like text: the words, quotes and parentheses of the language, in any order.
    fn rule_text() -> impl proptest::strategy::Strategy<Value = String> {
        let token = proptest::sample::select(vec![
            "ALARM",
            "OK",
            "INSUFFICIENT_DATA",
            "TRUE",
            "FALSE",
            "AND",
            "OR",
            "NOT",
            "(",
            ")",
            "\"",
            "a",
            "VpcChangesAlarm",
            " ",
            "arn:aws:cloudwatch:us-east-1:1:alarm:a",
        ]);
        proptest::collection::vec(token, 0..40).prop_map(|tokens| tokens.concat())
    }

    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        #[test]
        fn any_rule_text_parses_or_is_refused_without_panicking(text in rule_text()) {
            let child = fixtures::alarm();
            let parsed = parse(&text);
            let alarm = composite(&text);
            let decided = fires_on(&alarm, &child, &empty(), &[]);
            let refused = format!("its rule {text:?}");
            let named = decided.as_ref().is_err_and(|b| b.reason.contains(&refused));
            prop_assert_eq!(parsed.is_err(), named, "{:?}", decided);
        }

        #[test]
        fn arbitrary_strings_never_panic(text in any::<String>()) {
            let _ = parse(&text);
        }
    }
}

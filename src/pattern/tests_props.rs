//! Stage `pattern`: property tests. `analyze` never panics, evaluation never panics, and
//! every pattern that parses prints (`Display`) to a text that parses back to an equal
//! pattern.

use proptest::prelude::*;

use super::*;

/// A CloudTrail-like record every parsed pattern is evaluated on.
const RECORD: &str = r#"{"eventSource":"ec2.amazonaws.com","eventName":"CreateVpc","userIdentity":{"type":"IAMUser"},"n":1.0,"z":null,"a":[1,null,{"x":"y"}],"b":true}"#;

/// Analyzes `text`, then evaluates and round-trips whatever parsed.
fn check(text: &str) -> Result<(), TestCaseError> {
    let analysis = analyze(text);
    prop_assert_eq!(analysis.length, text.chars().count());
    prop_assert_eq!(analysis.is_valid(), analysis.errors.is_empty());
    let Some(pattern) = analysis.pattern else {
        prop_assert!(!analysis.errors.is_empty());
        return Ok(());
    };
    let _ = pattern.evaluate(RECORD);
    let _ = pattern.evaluate(text);
    let printed = pattern.to_string();
    let again = analyze(&printed).pattern;
    prop_assert_eq!(again.as_ref(), Some(&pattern), "printed as {:?}", printed);
    Ok(())
}

/// Optional white space between tokens.
fn ws() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["", " ", "  ", "\t"])
}

fn selector() -> impl Strategy<Value = String> {
    let step = prop_oneof![
        "[a-zA-Z_][a-zA-Z0-9_-]{0,6}".prop_map(|n| format!(".{n}")),
        (0usize..4).prop_map(|i| format!("[{i}]")),
        Just("[*]".to_string()),
        Just(".*".to_string()),
    ];
    prop::collection::vec(step, 1..4).prop_map(|steps| format!("${}", steps.concat()))
}

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-z0-9_.:/-]{1,8}",
        "\\*?[A-Za-z0-9]{1,5}\\*?",
        number(),
        "\"[ -~]{0,8}\"".prop_filter("no escapes", |s| !s[1..s.len() - 1].contains(['"', '\\'])),
        regex(),
    ]
    .prop_filter("null is not a value", |v| v != "null")
}

fn number() -> impl Strategy<Value = String> {
    "[+-]?[0-9]{1,3}(\\.[0-9]{1,2})?([eE][+-]?[0-9])?"
}

fn regex() -> impl Strategy<Value = String> {
    "%\\^?[A-Za-z0-9]{1,3}[.+*?]?(\\|[a-z]{1,3})?\\$?%"
}

fn condition() -> impl Strategy<Value = String> {
    let equality = (prop::sample::select(vec!["=", "!="]), value());
    let ordering = (prop::sample::select(vec!["<", ">", "<=", ">="]), number());
    let compare = (selector(), ws(), prop_oneof![equality, ordering], ws())
        .prop_map(|(s, w1, (o, v), w2)| format!("{s}{w1}{o}{w2}{v}"));
    let keyword =
        (selector(), prop::sample::select(vec!["IS NULL", "IS TRUE", "IS FALSE", "NOT EXISTS"]))
            .prop_map(|(s, k)| format!("{s} {k}"));
    prop_oneof![3 => compare, 1 => keyword]
}

fn json_expr() -> impl Strategy<Value = String> {
    condition().prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            (inner.clone(), ws(), prop::sample::select(vec!["&&", "||"]), ws(), inner.clone())
                .prop_map(|(a, w1, op, w2, b)| format!("{a}{w1}{op}{w2}{b}")),
            (ws(), inner).prop_map(|(w, e)| format!("({w}{e}{w})")),
        ]
    })
}

fn json_pattern() -> impl Strategy<Value = String> {
    (ws(), json_expr(), ws()).prop_map(|(a, e, b)| format!("{{{a}{e}{b}}}"))
}

fn delimited_pattern() -> impl Strategy<Value = String> {
    let equality = (prop::sample::select(vec!["=", "!="]), value());
    let ordering = (prop::sample::select(vec!["<", ">"]), number());
    let op = prop_oneof![equality, ordering];
    let field = prop_oneof![
        Just("...".to_string()),
        Just(String::new()),
        "[a-z][a-z0-9_]{0,4}",
        ("[a-z][a-z0-9_]{0,4}", op).prop_map(|(n, (o, v))| format!("{n}{o}{v}")),
    ];
    prop::collection::vec(field, 0..5).prop_map(|fields| format!("[{}]", fields.join(", ")))
}

fn term_pattern() -> impl Strategy<Value = String> {
    let term = prop_oneof![
        "[A-Za-z0-9_.:{}\\[\\]]{1,6}",
        "\"[ -~]{0,6}\"".prop_filter("no escapes", |s| !s[1..s.len() - 1].contains(['"', '\\'])),
        regex(),
    ];
    let prefixed =
        (prop::sample::select(vec!["", "-", "?"]), term).prop_map(|(p, t)| format!("{p}{t}"));
    prop::collection::vec(prefixed, 1..5).prop_map(|terms| terms.join(" "))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn analyze_never_panics_on_any_string(text in any::<String>()) {
        check(&text)?;
    }

    #[test]
    fn analyze_never_panics_on_pattern_alphabet(text in "[{}\\[\\]()$.*=!<>&|%\"?a-zA-Z0-9 -]{0,60}") {
        check(&text)?;
    }

    #[test]
    fn json_patterns_round_trip(text in json_pattern()) {
        let analysis = analyze(&text);
        prop_assert!(analysis.pattern.is_some(), "{:?} did not parse: {:?}", text, analysis.errors);
        check(&text)?;
    }

    #[test]
    fn delimited_patterns_round_trip(text in delimited_pattern()) {
        check(&text)?;
    }

    #[test]
    fn term_patterns_round_trip(text in term_pattern()) {
        check(&text)?;
    }

    #[test]
    fn evaluation_never_panics_on_any_message(message in any::<String>()) {
        for pattern in ["{ $.a = 1 }", "[a, ..., b]", "ERROR -x", "[a, b]", "{ $.* NOT EXISTS }"] {
            let _ = analyze(pattern).pattern.map(|p| p.evaluate(&message));
        }
    }
}

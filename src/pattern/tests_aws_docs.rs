//! Stage `pattern`: the examples of the AWS CloudWatch Logs User Guide ("Filter pattern
//! syntax for metric filters...", "Using regular expressions in filter patterns") with
//! their documented outcomes.

use super::tests::{matches, valid};
use super::*;

/// The JSON event of the guide's "JSON metric filter examples".
const EXAMPLE_EVENT: &str = r#"{
  "eventType": "UpdateTrail",
  "sourceIPAddress": "111.111.111.111",
  "arrayKey": ["value", "another value"],
  "objectList": [{"name": "a", "id": 1}, {"name": "b", "id": 2}],
  "SomeObject": null,
  "ThisFlag": true
}"#;

/// The JSON event of the guide's "JSON compound conditions".
const COMPOUND_EVENT: &str = r#"{
  "user": {"id": 1, "email": "John.Stiles@example.com"},
  "users": [{"id": 2, "email": "John.Doe@example.com"}, {"id": 3, "email": "Jane.Doe@example.com"}],
  "actions": ["GET", "PUT", "DELETE"],
  "coordinates": [[0, 1, 2], [4, 5, 6], [7, 8, 9]]
}"#;

#[test]
fn json_metric_filter_examples_match() {
    for pattern in [
        r#"{ $.eventType = "UpdateTrail" }"#,
        "{ $.sourceIPAddress != 123.123.* }",
        r#"{ $.arrayKey[0] = "value" }"#,
        "{ $.objectList[1].id = 2 }",
        "{ $.SomeObject IS NULL }",
        "{ $.SomeOtherObject NOT EXISTS }",
        "{ $.ThisFlag IS TRUE }",
    ] {
        assert!(matches(pattern, EXAMPLE_EVENT), "{pattern}");
    }
}

#[test]
fn json_compound_examples_have_their_documented_outcomes() {
    let table = [
        (r#"{ ($.user.id = 1) && ($.users[0].email = "John.Doe@example.com") }"#, true),
        (r#"{ ($.user.id = 2 && $.users[0].email = "nonmatch") || $.actions[2] = "GET" }"#, false),
        (
            r#"{ $.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch && $.actions[2] = nomatch }"#,
            true,
        ),
        (
            r#"{ ($.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch) && $.actions[2] = nomatch }"#,
            false,
        ),
    ];
    for (pattern, expected) in table {
        assert_eq!(matches(pattern, COMPOUND_EVENT), expected, "{pattern}");
    }
}

#[test]
fn selector_on_an_array_fails_both_equal_and_not_equal() {
    let event = r#"{"users": [1, 2, 3]}"#;
    assert!(!matches("{$.users = 1}", event));
    assert!(!matches("{$.users != 1}", event));
}

#[test]
fn numeric_comparison_examples_parse() {
    for pattern in [
        "{ $.latency >= 500 }",
        "{ $.numbers[0] < 10e3 }",
        "{ $.numbers[0] < 10e-3 }",
        "{ $.processes[4].averageRuntime <= 55.5 }",
        "{ $.errorCode = 400 }",
        "{ $.errorCode != 500 }",
        "{ $.latency > +1000 }",
        "{ $.latency = * }",
    ] {
        valid(pattern);
    }
    assert!(matches("{ $.latency > +1000 }", r#"{"latency": 1500}"#));
    assert!(matches("{ $.numbers[0] < 10e-3 }", r#"{"numbers": [0.001]}"#));
}

#[test]
fn or_matching_in_json_filters() {
    let (bar, baz) = (r#"{"foo": "bar"}"#, r#"{"foo": "baz"}"#);
    assert!(matches("{$.foo = bar}", bar) && !matches("{$.foo = bar}", baz));
    assert!(matches("{$.foo = baz }", baz) && !matches("{$.foo = baz }", bar));
    assert!(matches("{$.foo = bar || $.foo = baz }", bar));
    assert!(matches("{$.foo = bar || $.foo = baz }", baz));
}

/// The three events of the guide's "OR pattern matching" section.
const OR_EVENTS: [&str; 3] = ["ERROR WARN message", "ERROR message", "WARN message"];

/// Which of `OR_EVENTS` the pattern matches.
fn or_hits(pattern: &str) -> Vec<bool> {
    OR_EVENTS.iter().map(|e| matches(pattern, e)).collect()
}

#[test]
fn or_pattern_matching_in_terms() {
    assert_eq!(or_hits("ERROR"), [true, true, false]);
    assert_eq!(or_hits("?ERROR ?WARN"), [true, true, true]);
    assert_eq!(or_hits("ERROR WARN"), [true, false, false]);
    assert_eq!(or_hits("ERROR -WARN"), [false, true, false]);
}

#[test]
fn or_pattern_matching_in_space_delimited_filters() {
    assert_eq!(or_hits("[w1=ERROR, w2]"), [true, true, false]);
    assert_eq!(or_hits("[w1=ERROR || w1=WARN, w2]"), [true, true, true]);
}

#[test]
fn term_examples() {
    assert!(matches("ERROR", "[ERROR] A fatal exception has occurred"));
    assert!(matches("ERROR", "Exiting with ERRORCODE: -1"));
    assert!(!matches("\"ERROR\" - \"Exiting\"", "Exiting with ERRORCODE: -1"));
    assert!(matches("\"ERROR\" - \"Exiting\"", "[ERROR] A fatal exception has occurred"));
    assert!(matches("ERROR Exception", "[ERROR] Caught IllegalArgumentException"));
    assert!(matches("ERROR Exception", "[ERROR] Unhandled Exception"));
    let phrase = "Failed to process the request";
    assert!(matches(phrase, "[WARN] Failed to process the request"));
    assert!(matches(phrase, "[ERROR] Unable to continue: Failed to process the request"));
}

/// The Apache access log lines of the guide's space-delimited section.
const ACCESS_LOG: [&str; 3] = [
    r#"127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 200 1534"#,
    r#"127.0.0.1 - frank [10/Oct/2000:13:35:22 -0700] "GET /apache_pb.gif HTTP/1.0" 500 5324"#,
    r#"127.0.0.1 - frank [10/Oct/2000:13:50:35 -0700] "GET /apache_pb.gif HTTP/1.0" 200 4355"#,
];

#[test]
fn space_delimited_examples() {
    let hits =
        |pattern: &str| -> Vec<bool> { ACCESS_LOG.iter().map(|l| matches(pattern, l)).collect() };
    assert_eq!(hits("[ip, user, username, timestamp, request, status_code, bytes]"), [true; 3]);
    assert_eq!(hits("[..., status_code, bytes]"), [true; 3]);
    assert_eq!(hits("[ip, user, ..., status_code, bytes]"), [true; 3]);
    assert_eq!(hits("[ip, user, ...]"), [true; 3]);
    assert_eq!(
        hits("[ip, user, username, timestamp, request, status_code, bytes > 1000]"),
        [true; 3]
    );
    assert_eq!(
        hits("[ip, user, username, timestamp, request, status_code = 200, bytes]"),
        [true, false, true]
    );
    assert_eq!(
        hits("[ip, user, username, timestamp, request, status_code = 5*, bytes]"),
        [false, true, false]
    );
    assert_eq!(
        hits("[ip, user, username, timestamp, request = *gif*, status_code = 4*, bytes]"),
        [false; 3]
    );
    assert_eq!(
        hits("[ip, user, username, timestamp, request, status_code = 5* && status_code != 403, bytes]"),
        [false, true, false]
    );
}

#[test]
fn space_delimited_extracted_values_are_named_as_aws_names_them() {
    let pattern = valid("[..., request=*.html*, status_code=4*,]");
    let event = r#"127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /products/index.html HTTP/1.0" 404 1534"#;
    let expected: Vec<(String, String)> = [
        ("$1", "127.0.0.1"),
        ("$2", "-"),
        ("$3", "frank"),
        ("$4", "10/Oct/2000:13:25:15 -0700"),
        ("$request", "GET /products/index.html HTTP/1.0"),
        ("$status_code", "404"),
        ("$7", "1534"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(pattern.evaluate(event), Outcome::Match(expected));
}

#[test]
fn regex_examples() {
    assert!(matches("%AUTHORIZED%", "[ERROR 401] UNAUTHORIZED REQUEST"));
    assert!(matches("%AUTHORIZED%", "[SUCCESS 200] AUTHORIZED REQUEST"));
    let ip = r"%\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}%";
    assert!(matches(ip, "connection from 203.0.113.7 refused"));
    assert!(!matches(ip, "connection from localhost refused"));
    let errors = "%[Ee]rror|[Ff]ail%";
    assert!(matches(errors, "an error occurred"));
    assert!(matches(errors, "Failed to start"));
    assert!(!matches(errors, "all good"));
}

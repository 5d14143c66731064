//! Stage `pattern`: unit tests of the grammar and the evaluation rules, one test per
//! behaviour, most of them tables of pattern, message and expected outcome.

use super::*;

/// Parses `pattern`, panicking with its errors when it is not valid.
pub(super) fn valid(pattern: &str) -> Pattern {
    let analysis = analyze(pattern);
    assert!(analysis.is_valid(), "{pattern:?} should be valid: {:?}", analysis.errors);
    analysis.pattern.expect("a valid pattern parses")
}

/// The first error of an invalid pattern.
pub(super) fn invalid(pattern: &str) -> PatternError {
    let analysis = analyze(pattern);
    assert!(!analysis.is_valid(), "{pattern:?} should be invalid");
    analysis.errors[0].clone()
}

/// True when `pattern` matches `message`; panics on `Undecided`.
pub(super) fn matches(pattern: &str, message: &str) -> bool {
    match valid(pattern).evaluate(message) {
        Outcome::Match(_) => true,
        Outcome::NoMatch => false,
        Outcome::Undecided(why) => panic!("{pattern:?} on {message:?} is undecided: {why}"),
    }
}

/// Checks a table of (pattern, message, expected match).
fn check_table(table: &[(&str, &str, bool)]) {
    for (pattern, message, expected) in table {
        assert_eq!(matches(pattern, message), *expected, "{pattern:?} on {message:?}");
    }
}

#[test]
fn kind_is_decided_by_the_first_non_blank_character() {
    assert_eq!(analyze("").kind, Kind::Empty);
    assert_eq!(analyze("  \t ").kind, Kind::Empty);
    assert_eq!(analyze("  { $.a = 1 }").kind, Kind::Json);
    assert_eq!(analyze(" [a, b]").kind, Kind::Delimited);
    assert_eq!(analyze("ERROR").kind, Kind::Term);
    assert_eq!(analyze("{ broken").kind, Kind::Json);
}

#[test]
fn only_the_empty_pattern_matches_everything() {
    assert!(matches("", "anything"));
    assert!(matches("   ", ""));
    assert!(!matches("\" \"", "nospace"));
    assert!(matches("\" \"", "a space"));
}

#[test]
fn json_grammar_accepts_the_documented_forms() {
    for pattern in [
        "{ $.eventName = CreateVpc }",
        "{$.eventName=CreateVpc||$.eventName=DeleteVpc}",
        "{ ($.a = 1 || $.b = 2) && $.c = \"x\" }",
        "{ $.a != 1 && $.b < 2 && $.c > -3 && $.d <= 4.5 && $.e >= 1e3 }",
        "{ $.a IS NULL || $.b IS TRUE || $.c IS FALSE || $.d NOT EXISTS }",
        "{ $.a is null }",
        "{ $.users[0].email = \"x@example.com\" }",
        "{ $.coordinates[0][1] = 1 }",
        "{ $.a[*].b = 1 }",
        "{ $.* = 1 }",
        "{ $.a-b_c = *Create* }",
        "{ $.a = %^Create% }",
        "{ $.a = +1000 }",
        "{ $.a = \"a b\\\"c\" }",
        "{ (((($.a = 1)))) }",
    ] {
        valid(pattern);
    }
}

#[test]
fn json_grammar_rejects_what_aws_rejects() {
    for pattern in [
        "{ $.a[-1] = 1 }",
        "{ $.a[0:2] = 1 }",
        "{ $..x = 1 }",
        "{ $.a == 1 }",
        "{ $.a ! 1 }",
        "{ $.a = 1 AND $.b = 2 }",
        "{ $.a = null }",
        "{ $.a > abc }",
        "{ $.a > \"5\" }",
        "{ $.a IS NOT NULL }",
        "{ $.a EXISTS }",
        "{ \"v\": [1] }",
        "{ }",
        "{ $.a = 1",
        "{ $.a = 1 } x",
        "{ $.a = 1 & $.b = 2 }",
        "{ $.a = 1 | $.b = 2 }",
        "{ ($.a = 1 }",
        "{ $.a }",
        "{ $.a = }",
        "{ $. = 1 }",
        "{ $.a = \"x }",
        "{ a = 1 }",
        "{ $.a = x@y }",
        "{ $.a IS MAYBE }",
    ] {
        invalid(pattern);
    }
}

#[test]
fn json_errors_carry_character_offsets_and_say_what_was_expected() {
    let err = invalid("{ $.a ) }");
    assert_eq!(err.message, "expected a comparison operator after the selector, found ')'");
    assert_eq!(err.offset, Some(6));
    let err = invalid("{ \u{e9}\u{e9} $.a }");
    assert_eq!(err.offset, Some(2), "offsets count characters, not bytes");
    let err = invalid("{ $.a = 1 AND $.b = 2 }");
    assert_eq!(err.offset, Some(10));
    assert!(err.message.starts_with("expected '&&', '||', ')' or '}'"), "{}", err.message);
}

#[test]
fn and_binds_tighter_than_or() {
    let msg = r#"{"a": 1, "b": 0, "c": 0}"#;
    assert!(matches("{ $.a = 1 || $.b = 1 && $.c = 1 }", msg));
    assert!(!matches("{ ($.a = 1 || $.b = 1) && $.c = 1 }", msg));
}

#[test]
fn string_equality_is_exact_and_case_sensitive() {
    let msg = r#"{"eventName": "CreateRouteTable"}"#;
    check_table(&[
        ("{ $.eventName = CreateRouteTable }", msg, true),
        ("{ $.eventName = \"CreateRouteTable\" }", msg, true),
        ("{ $.eventName = CreateRoute }", msg, false),
        ("{ $.eventName = createroutetable }", msg, false),
        ("{ $.eventName = Create* }", msg, true),
        ("{ $.eventName = *Table }", msg, true),
        ("{ $.eventName = *Route* }", msg, true),
        ("{ $.eventName = %Route% }", msg, true),
        ("{ $.eventName = %^Route% }", msg, false),
    ]);
}

#[test]
fn not_equal_holds_only_for_a_string_or_number_that_differs() {
    let msg = r#"{"s": "x", "n": 2, "z": null, "t": true, "arr": [1], "obj": {"k": 1}}"#;
    check_table(&[
        ("{ $.s != y }", msg, true),
        ("{ $.s != x }", msg, false),
        ("{ $.n != 1 }", msg, true),
        ("{ $.n != 2 }", msg, false),
        ("{ $.missing != 1 }", msg, false),
        ("{ $.z != 1 }", msg, false),
        ("{ $.t != 1 }", msg, false),
        ("{ $.arr != 1 }", msg, false),
        ("{ $.obj != 1 }", msg, false),
    ]);
}

#[test]
fn numeric_equality_follows_real_aws() {
    let msg = r#"{"a": 1, "b": 1.0, "c": 1e0, "d": "1", "e": "1.0"}"#;
    check_table(&[
        ("{ $.a = 1 }", msg, true),
        ("{ $.b = 1 }", msg, true),
        ("{ $.c = 1 }", msg, true),
        ("{ $.d = 1 }", msg, true),
        ("{ $.e = 1 }", msg, false),
        ("{ $.a = \"1\" }", msg, true),
        ("{ $.b = \"1\" }", msg, false),
        ("{ $.b = \"1.0\" }", msg, true),
    ]);
}

#[test]
fn ordering_applies_only_to_json_numbers() {
    let msg = r#"{"n": 10, "s": "10", "neg": -5, "f": 55.5}"#;
    check_table(&[
        ("{ $.n > 1 }", msg, true),
        ("{ $.s > 1 }", msg, false),
        ("{ $.neg < -1 }", msg, true),
        ("{ $.f <= 55.5 }", msg, true),
        ("{ $.f >= 55.6 }", msg, false),
        ("{ $.n < 10e3 }", msg, true),
        ("{ $.missing < 1 }", msg, false),
    ]);
}

#[test]
fn bare_true_is_a_string_and_booleans_need_is_true() {
    let msg = r#"{"b": true, "s": "true", "f": false}"#;
    check_table(&[
        ("{ $.b = true }", msg, false),
        ("{ $.s = true }", msg, true),
        ("{ $.b IS TRUE }", msg, true),
        ("{ $.s IS TRUE }", msg, false),
        ("{ $.f IS FALSE }", msg, true),
        ("{ $.b IS FALSE }", msg, false),
    ]);
}

#[test]
fn star_matches_any_string_or_number_only() {
    let msg = r#"{"s": "", "n": 0, "z": null, "b": false, "a": [], "o": {}}"#;
    check_table(&[
        ("{ $.s = * }", msg, true),
        ("{ $.n = * }", msg, true),
        ("{ $.z = * }", msg, false),
        ("{ $.b = * }", msg, false),
        ("{ $.a = * }", msg, false),
        ("{ $.o = * }", msg, false),
        ("{ $.missing = * }", msg, false),
    ]);
}

#[test]
fn is_null_holds_for_null_and_arrays_holding_null() {
    let msg = r#"{"z": null, "a": [1, null], "b": [1], "s": "null"}"#;
    check_table(&[
        ("{ $.z IS NULL }", msg, true),
        ("{ $.a IS NULL }", msg, true),
        ("{ $.b IS NULL }", msg, false),
        ("{ $.s IS NULL }", msg, false),
        ("{ $.missing IS NULL }", msg, false),
    ]);
}

#[test]
fn not_exists_follows_real_aws() {
    let msg = r#"{"z": null, "arr": [{"x": 1}], "o": {"x": 1}}"#;
    check_table(&[
        ("{ $.missing NOT EXISTS }", msg, true),
        ("{ $.z NOT EXISTS }", msg, false),
        ("{ $.z.child NOT EXISTS }", msg, true),
        ("{ $.arr.x NOT EXISTS }", msg, true),
        ("{ $.o.x NOT EXISTS }", msg, false),
        ("{ $.o.y NOT EXISTS }", msg, true),
    ]);
}

#[test]
fn selectors_walk_keys_and_indexes() {
    let msg = r#"{"a": {"b": [10, {"c": "deep"}]}, "m": [[0, 1], [2, 3]]}"#;
    check_table(&[
        ("{ $.a.b[0] = 10 }", msg, true),
        ("{ $.a.b[1].c = deep }", msg, true),
        ("{ $.a.b[2] = 10 }", msg, false),
        ("{ $.m[1][0] = 2 }", msg, true),
        ("{ $.a[0] = 10 }", msg, false),
        ("{ $.a.b = 10 }", msg, false),
    ]);
}

#[test]
fn wildcards_satisfy_each_comparison_on_its_own() {
    let msg = r#"{"a": [{"x": 1, "y": 0}, {"x": 0, "y": 2}], "o": {"p": "v", "q": "w"}}"#;
    check_table(&[
        ("{ $.a[*].x = 1 && $.a[*].y = 2 }", msg, true),
        ("{ $.a[*].x = 5 }", msg, false),
        ("{ $.o[*] = w }", msg, true),
        ("{ $.* = 5 }", msg, false),
        ("{ $.o.* = v }", msg, true),
    ]);
}

#[test]
fn duplicate_keys_last_one_wins() {
    assert!(matches("{ $.a = 2 }", r#"{"a": 1, "a": 2}"#));
    assert!(!matches("{ $.a = 1 }", r#"{"a": 1, "a": 2}"#));
}

#[test]
fn non_object_messages_never_match_a_json_pattern() {
    for msg in ["[1, 2]", "not json", "", "\"s\"", "{\"a\": 1} trailing", "1"] {
        assert!(!matches("{ $.missing NOT EXISTS }", msg), "{msg:?}");
        assert!(!matches("{ $.a = * }", msg), "{msg:?}");
    }
}

#[test]
fn internal_star_is_undecided_only_when_it_decides() {
    let pattern = valid("{ $.eventName = Create*Vpc }");
    assert!(matches!(pattern.evaluate(r#"{"eventName": "CreateNatVpc"}"#), Outcome::Undecided(_)));
    assert_eq!(pattern.evaluate(r#"{"eventName": "DeleteSubnet"}"#), Outcome::NoMatch);
    let settled = valid("{ $.eventName = Create*Vpc || $.eventName = CreateNatVpc }");
    assert!(settled.evaluate(r#"{"eventName": "CreateNatVpc"}"#).is_match());
}

#[test]
fn term_grammar() {
    for pattern in ["ERROR", "\"a phrase\"", "-ERROR", "?ERROR ?WARN", "%AUTH%", "ERROR -\"x y\""] {
        valid(pattern);
    }
    assert_eq!(invalid("ERR*").offset, Some(3));
    assert_eq!(invalid("ok \"unclosed").offset, Some(3));
    assert_eq!(invalid("a \"b\"c").offset, Some(5));
    invalid("ERROR -");
    invalid("%(a)%");
}

#[test]
fn terms_are_case_sensitive_substrings() {
    check_table(&[
        ("ERROR", "[ERROR] fatal", true),
        ("ERROR", "Exiting with ERRORCODE: -1", true),
        ("ERROR", "error", false),
        ("ERROR Exception", "[ERROR] Caught IllegalArgumentException", true),
        ("ERROR Exception", "[ERROR] nothing", false),
        ("\"Failed to process\"", "[WARN] Failed to process the request", true),
        ("\"Failed to process\"", "Failed  to process", false),
    ]);
}

#[test]
fn optional_terms_are_ignored_beside_plain_or_excluded_terms() {
    check_table(&[
        ("?ERROR ?WARN", "WARN message", true),
        ("?ERROR ?WARN", "INFO message", false),
        ("?ERROR ?ARGUMENTS -REQUEST", "INFO message", true),
        ("?ERROR ?ARGUMENTS -REQUEST", "ERROR REQUEST", false),
        ("ok ?ERROR", "ok", true),
        ("-ERROR", "all good", true),
        ("-ERROR", "an ERROR", false),
    ]);
}

#[test]
fn regex_terms_search_the_whole_message() {
    check_table(&[
        ("%AUTHORIZED%", "[ERROR 401] UNAUTHORIZED REQUEST", true),
        ("%^AUTH%", "[ERROR 401] UNAUTHORIZED REQUEST", false),
        (r"%\d{3}%", "code 404", true),
    ]);
}

#[test]
fn delimited_grammar() {
    for pattern in [
        "[]",
        "[ ]",
        "[a]",
        "[ip, user, ..., status_code, bytes]",
        "[..., status_code = 4*, bytes > 1000]",
        "[w1=ERROR || w1=WARN, w2]",
        "[a = %ERR%, b != \"x y\", c <= 5]",
        "[..., request=*.html*, status_code=4*,]",
        "[a, , b]",
    ] {
        valid(pattern);
    }
    assert_eq!(invalid("[a, b, a]").offset, Some(7));
    assert!(invalid("[..., a, ...]").message.contains("only one"));
    invalid("[a b]");
    invalid("[a = ]");
    invalid("[a > x]");
    invalid("[a");
    invalid("[a] b");
    invalid("[a == 1]");
}

#[test]
fn delimited_fields_split_on_runs_of_blanks() {
    let p = valid("[a, b, c]");
    let out = p.evaluate("x \t  y z");
    assert_eq!(out, Outcome::Match(vec![kv("$a", "x"), kv("$b", "y"), kv("$c", "z")]));
}

#[test]
fn delimited_last_field_takes_the_rest_of_the_line() {
    let p = valid("[level, message]");
    let out = p.evaluate("ERROR disk is  full  ");
    assert_eq!(out, Outcome::Match(vec![kv("$level", "ERROR"), kv("$message", "disk is  full")]));
}

#[test]
fn delimited_needs_as_many_words_as_fields() {
    assert!(matches("[w1=ERROR, w2]", "ERROR message"));
    assert!(!matches("[w1=ERROR, w2]", "ERROR"));
    assert!(matches("[]", ""));
    assert!(matches("[]", "anything at all"));
    assert!(matches("[...]", ""));
}

#[test]
fn delimited_fields_after_a_leading_ellipsis_line_up_from_the_end() {
    let p = valid("[..., status, bytes > 1000]");
    let out = p.evaluate("1.2.3.4 - - 500 5324");
    let expected = vec![
        kv("$1", "1.2.3.4"),
        kv("$2", "-"),
        kv("$3", "-"),
        kv("$status", "500"),
        kv("$bytes", "5324"),
    ];
    assert_eq!(out, Outcome::Match(expected));
    assert!(!matches("[..., status, bytes > 1000]", "1.2.3.4 - - 500 999"));
}

#[test]
fn delimited_quotes_and_brackets_keep_a_field_whole() {
    let p = valid("[ip, id, user, time, request, status, bytes]");
    let msg =
        r#"127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 200 1534"#;
    let Outcome::Match(values) = p.evaluate(msg) else { panic!("should match") };
    assert_eq!(values[3], kv("$time", "10/Oct/2000:13:25:15 -0700"));
    assert_eq!(values[4], kv("$request", "GET /apache_pb.gif HTTP/1.0"));
}

#[test]
fn delimited_conditions_and_or() {
    check_table(&[
        ("[w1=ERROR || w1=WARN, w2]", "WARN message", true),
        ("[w1=ERROR || w1=WARN, w2]", "INFO message", false),
        ("[w1!=ERROR && w1!=WARN, w2]", "INFO message", true),
        ("[w1!=ERROR && w1!=WARN, w2]", "ERROR message", false),
        ("[a = 200, b]", "200.0 x", true),
        ("[a = 200, b]", "abc x", false),
        ("[a != 200, b]", "abc x", true),
        ("[a > 5, b]", "abc x", false),
        ("[a = %^4\\d\\d$%, b]", "404 x", true),
    ]);
}

#[test]
fn delimited_condition_naming_another_field_is_undecided() {
    let p = valid("[a, status = 4* && bytes > 1000, bytes]");
    assert!(matches!(p.evaluate("x 404 2000"), Outcome::Undecided(_)));
    assert_eq!(p.evaluate("x 200 2000"), Outcome::NoMatch, "settled by the own-field test");
}

#[test]
fn length_limit_keeps_the_parsed_pattern() {
    let long = format!("{{ $.a = \"{}\" }}", "x".repeat(1100));
    let analysis = analyze(&long);
    assert!(!analysis.is_valid());
    assert!(analysis.pattern.is_some());
    assert_eq!(analysis.errors[0].offset, Some(MAX_PATTERN_LENGTH));
    let exact = format!("{{ $.a = \"{}\" }}", "x".repeat(1024 - 12));
    assert_eq!(analyze(&exact).length, 1024);
    assert!(analyze(&exact).is_valid());
}

#[test]
fn at_most_two_regexes_in_json_and_delimited_patterns() {
    valid("{ $.a = %a% || $.b = %b% }");
    let three = analyze("{ $.a = %a% || $.b = %b% || $.c = %c% }");
    assert!(three.pattern.is_some());
    assert_eq!(three.errors.len(), 1);
    assert_eq!(three.errors[0].offset, Some(34));
    assert!(!analyze("[a = %a%, b = %b%, c = %c%]").is_valid());
}

#[test]
fn wildcard_selector_limits() {
    valid("{ $.a[*].x = 1 && $.b[*] = 2 && $.* = 3 }");
    let four = analyze("{ $.a[*] = 1 && $.b[*] = 2 && $.c[*] = 3 && $.d[*] = 4 }");
    assert!(four.pattern.is_some() && !four.is_valid());
    let double = analyze("{ $.a[*].b[*] = 1 }");
    assert!(double.pattern.is_some() && !double.is_valid());
}

#[test]
fn deep_parentheses_are_an_error_not_a_crash() {
    let deep = format!("{{ {}$.a = 1{} }}", "(".repeat(10_000), ")".repeat(10_000));
    assert!(!analyze(&deep).is_valid());
}

#[test]
fn display_prints_a_canonical_form() {
    let cases = [
        (
            "{$.eventName=CreateVpc||$.eventName=DeleteVpc}",
            "{ $.eventName = \"CreateVpc\" || $.eventName = \"DeleteVpc\" }",
        ),
        ("{ ($.a=1) && $.b IS NULL }", "{ ($.a = 1) && $.b IS NULL }"),
        ("{ $.a[*].b[0] >= -1e3 }", "{ $.a[*].b[0] >= -1e3 }"),
        ("ERROR  -\"a b\"   ?%x%", "ERROR -\"a b\" ?%x%"),
        ("[a,..., b=4*&&b!=403 || b = 5,]", "[a, ..., b = \"4*\" && b != 403 || b = 5, ]"),
        ("  ", ""),
    ];
    for (input, canonical) in cases {
        let pattern = analyze(input).pattern.expect("parses");
        assert_eq!(pattern.to_string(), canonical);
        assert_eq!(analyze(canonical).pattern, Some(pattern));
    }
}

#[test]
fn pattern_parse_reports_the_first_error() {
    assert!(Pattern::parse("{ $.a = 1 }").is_ok());
    assert_eq!(Pattern::parse("ERR*").unwrap_err().offset, Some(3));
}

fn kv(name: &str, value: &str) -> (String, String) {
    (name.to_string(), value.to_string())
}

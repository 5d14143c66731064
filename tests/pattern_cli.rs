//! `vpcwatch pattern` as a user runs it: the built binary, its stdout, stderr and exit
//! status, in both modes (coverage of an event set, and tests of log messages).

use assert_cmd::Command;
use serde_json::Value;
use vpcwatch::events::EventSet;

/// What one run left behind.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", self.stdout))
    }
}

fn run_with_stdin(args: &[&str], stdin: Option<&str>) -> Run {
    let mut cmd = Command::cargo_bin("vpcwatch").expect("the binary is built");
    cmd.arg("pattern").args(args).env("NO_COLOR", "1").env_remove("RUST_LOG");
    if let Some(input) = stdin {
        cmd.write_stdin(input);
    }
    let output = cmd.output().expect("the binary runs");
    Run {
        code: output.status.code().expect("an exit code"),
        stdout: String::from_utf8(output.stdout).expect("UTF-8 stdout"),
        stderr: String::from_utf8(output.stderr).expect("UTF-8 stderr"),
    }
}

fn run(args: &[&str]) -> Run {
    run_with_stdin(args, None)
}

fn default_names() -> Vec<String> {
    EventSet::default_set().names().map(str::to_string).collect()
}

/// `{$.eventName=CreateVpc||...}`: the only form of the 30 names that fits in one filter
/// (990 characters; docs/events.md rounds it to 992).
fn compact_pattern(operator: &str) -> String {
    let conditions: Vec<String> =
        default_names().iter().map(|n| format!("$.eventName={n}")).collect();
    format!("{{{}}}", conditions.join(operator))
}

/// `{ ($.eventName = "CreateVpc") || ... }`: the usual style, too long for one filter.
fn spaced_pattern() -> String {
    let conditions: Vec<String> =
        default_names().iter().map(|n| format!("($.eventName = \"{n}\")")).collect();
    format!("{{ {} }}", conditions.join(" || "))
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .expect("an array")
        .iter()
        .map(|v| v.as_str().expect("a string").to_string())
        .collect()
}

fn assert_one_line_error(run: &Run, starts_with: &str) {
    assert_eq!(run.code, 2, "stderr: {}", run.stderr);
    assert_eq!(run.stdout, "", "nothing on stdout");
    assert_eq!(run.stderr.lines().count(), 1, "one line: {}", run.stderr);
    assert!(run.stderr.starts_with(starts_with), "{}", run.stderr);
}

// ---- coverage mode ----

#[test]
fn the_compact_30_name_pattern_covers_the_default_set() {
    let pattern = compact_pattern("||");
    assert_eq!(pattern.chars().count(), 990);
    let run = run(&[&pattern]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.stdout.starts_with("JSON pattern, length 990 of 1,024\n"), "{}", run.stdout);
    assert!(run.stdout.contains("\nroute table\n"), "groups are headed: {}", run.stdout);
    assert!(run.stdout.contains("  covered      CreateRoute\n"), "{}", run.stdout);
    assert!(!run.stdout.contains("not covered"), "{}", run.stdout);
    assert!(run.stdout.ends_with("\n30 of 30 covered\n"), "{}", run.stdout);
    assert_eq!(run.stderr, "");
}

#[test]
fn the_compact_30_name_pattern_in_json() {
    let run = run(&[&compact_pattern("||"), "--format", "json"]);
    assert_eq!(run.code, 0);
    assert_eq!(run.stdout.lines().count(), 1, "one object on one line");
    let report = run.json();
    let fields: Vec<&str> = report.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(fields.len(), 8, "{fields:?}");
    assert_eq!(report["reasons"], serde_json::json!({}), "no reason when all are covered");
    assert_eq!(report["valid"], true);
    assert_eq!(report["kind"], "json");
    assert_eq!(report["length"], 990);
    assert_eq!(report["errors"], Value::Array(vec![]));
    assert_eq!(strings(&report["covered"]), default_names(), "set order");
    assert!(strings(&report["uncovered"]).is_empty());
    assert!(strings(&report["uncertain"]).is_empty());
}

#[test]
fn an_and_chain_of_names_covers_nothing() {
    let pattern = compact_pattern("&&");
    let text = run(&[&pattern]);
    assert_eq!(text.code, 1);
    assert!(text.stdout.contains("  not covered  CreateVpc: matches no call\n"), "{}", text.stdout);
    assert!(text.stdout.ends_with("\n0 of 30 covered, 30 not covered\n"), "{}", text.stdout);

    let report = run(&[&pattern, "--format", "json"]).json();
    assert_eq!(report["valid"], true);
    assert!(strings(&report["covered"]).is_empty());
    assert_eq!(strings(&report["uncovered"]), default_names());
    assert_eq!(report["reasons"]["CreateVpc"], "matches no call");
    assert_eq!(report["reasons"].as_object().map(|r| r.len()), Some(30));
}

#[test]
fn a_root_only_filter_is_not_coverage_and_says_why() {
    let pattern = r#"{ $.userIdentity.type = "Root" && $.eventSource = "ec2.amazonaws.com" }"#;
    let run = run(&[pattern]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains("  not covered  CreateVpc: matches only Root calls\n"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.ends_with("\n0 of 30 covered, 30 not covered\n"), "{}", run.stdout);
}

#[test]
fn an_exact_name_covers_one_call_and_a_term_its_prefixes_too() {
    let exact = run(&[r#"{ $.eventName = "CreateRoute" }"#, "--format", "json"]).json();
    assert_eq!(strings(&exact["covered"]), ["CreateRoute"]);
    assert_eq!(strings(&exact["uncovered"]).len(), 29);

    // A term is a substring search over the whole record text.
    let term = run(&["CreateRoute", "--format", "json"]);
    assert_eq!(term.code, 1);
    let term = term.json();
    assert_eq!(term["kind"], "term");
    assert_eq!(strings(&term["covered"]), ["CreateRouteTable", "CreateRoute"]);
}

#[test]
fn a_filter_on_the_event_source_covers_every_name() {
    let run = run(&["{ $.eventSource = ec2.amazonaws.com }", "--format", "json"]);
    assert_eq!(run.code, 0);
    assert_eq!(strings(&run.json()["covered"]), default_names());
}

#[test]
fn an_over_long_pattern_is_invalid_but_its_coverage_is_reported() {
    let pattern = spaced_pattern();
    let length = pattern.chars().count();
    assert!(length > 1024, "{length}");

    let json = run(&[&pattern, "--format", "json"]);
    assert_eq!(json.code, 2);
    let report = json.json();
    assert_eq!(report["valid"], false);
    assert_eq!(report["length"], length);
    assert!(!report["errors"].as_array().unwrap().is_empty());
    assert_eq!(strings(&report["covered"]), default_names());

    let text = run(&[&pattern]);
    assert_eq!(text.code, 2);
    let expected = format!("JSON pattern, length 1,{:03} of 1,024\n", length - 1000);
    assert!(text.stdout.starts_with(&expected), "{}", text.stdout);
    assert!(text.stdout.contains("invalid: AWS would reject this pattern"), "{}", text.stdout);
    assert!(text.stdout.ends_with("\n30 of 30 covered\n"), "{}", text.stdout);
}

#[test]
fn a_syntax_error_is_shown_with_a_caret_and_an_offset() {
    let pattern = "{ $.eventName = }";
    let text = run(&[pattern]);
    assert_eq!(text.code, 2);
    assert!(text.stdout.contains("  error: "), "{}", text.stdout);
    let lines: Vec<&str> = text.stdout.lines().collect();
    let at = lines.iter().position(|l| *l == format!("    {pattern}")).expect("the pattern line");
    let caret = lines[at + 1];
    assert!(caret.starts_with("    ") && caret.trim() == "^", "{caret:?}");

    let report = run(&[pattern, "--format", "json"]).json();
    assert_eq!(report["valid"], false);
    let error = &report["errors"][0];
    assert!(error["message"].is_string());
    let offset = error["offset"].as_u64().expect("an offset") as usize;
    assert_eq!(caret.len() - 4 - 1, offset, "the caret is under the offset");
}

#[test]
fn a_delimited_pattern_is_not_evaluable_on_records() {
    let run = run(&["[version, account, eni]"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains(
            "  uncertain    CreateVpc: space-delimited patterns are not meant for JSON records; not evaluable\n"
        ),
        "{}",
        run.stdout
    );
    assert!(run.stdout.ends_with("\n0 of 30 covered, 30 uncertain\n"), "{}", run.stdout);
}

#[test]
fn the_cis_controls_are_reported_one_group_each() {
    let text = run(&[&compact_pattern("||"), "--events", "cis"]);
    assert_eq!(text.code, 1);
    for title in ["4.10 security group changes", "4.14 VPC changes"] {
        assert!(text.stdout.contains(&format!("\n{title}\n")), "{}", text.stdout);
    }
    assert!(text.stdout.ends_with("\n26 of 37 covered, 11 not covered\n"), "{}", text.stdout);

    let report = run(&[&compact_pattern("||"), "--events", "cis", "--format", "json"]).json();
    let uncovered = strings(&report["uncovered"]);
    assert_eq!(uncovered.first().map(String::as_str), Some("ModifySecurityGroupRules"));
    assert_eq!(uncovered.len(), 11);
}

#[test]
fn a_file_of_event_names_replaces_the_set() {
    let dir = std::env::temp_dir().join(format!("vpcwatch-pattern-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("names.txt");
    std::fs::write(&path, "# ours\nCreateVpc\n\nDeleteVpc # and this\nCreateVpc\n").unwrap();
    let path = path.to_str().unwrap();

    let pattern = "{ $.eventName = CreateVpc || $.eventName = DeleteVpc }";
    let run = run(&[pattern, "--events", path, "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(strings(&run.json()["covered"]), ["CreateVpc", "DeleteVpc"]);
}

#[test]
fn a_bad_file_of_event_names_is_one_line_on_stderr() {
    let dir = std::env::temp_dir().join(format!("vpcwatch-pattern-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bad-names.txt");
    std::fs::write(&path, "CreateVpc\n\ncreate vpc\n").unwrap();

    let run = run(&["{ $.eventName = CreateVpc }", "--events", path.to_str().unwrap()]);
    assert_one_line_error(&run, "vpcwatch: read event names from ");
    assert!(run.stderr.contains(": line 3: \"create vpc\" is not an event name"), "{}", run.stderr);

    let missing = self::run(&["CreateVpc", "--events", "/nonexistent/vpcwatch/names.txt"]);
    assert_one_line_error(&missing, "vpcwatch: read event names from /nonexistent/");
}

#[test]
fn the_pattern_can_come_from_stdin_without_its_newline() {
    let run = run_with_stdin(&["-", "--format", "json"], Some("{ $.eventName = CreateVpc }\n"));
    assert_eq!(run.code, 1);
    let report = run.json();
    assert_eq!(report["length"], 27);
    assert_eq!(strings(&report["covered"]), ["CreateVpc"]);
}

#[test]
fn json_stays_clean_with_verbose_logging() {
    let run = run(&["-vv", "{ $.eventSource = ec2.amazonaws.com }", "--format", "json"]);
    assert_eq!(run.code, 0);
    assert_eq!(run.json()["valid"], true);
}

// ---- message mode ----

#[test]
fn messages_are_numbered_matched_or_not() {
    let run = run(&["ERROR", "--message", "ERROR disk full", "--message", "all fine"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.starts_with("term pattern, length 5 of 1,024\n"), "{}", run.stdout);
    assert!(run.stdout.contains("\n1  matched      ERROR disk full\n"), "{}", run.stdout);
    assert!(run.stdout.contains("\n2  not matched  all fine\n"), "{}", run.stdout);
    assert!(run.stdout.ends_with("\n1 of 2 messages matched\n"), "{}", run.stdout);
}

#[test]
fn no_matching_message_fails() {
    let run = run(&["{ $.eventName = CreateVpc }", "--message", "{\"eventName\":\"DeleteVpc\"}"]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.ends_with("\n0 of 1 message matched\n"), "{}", run.stdout);
}

#[test]
fn a_delimited_pattern_shows_its_extracted_values() {
    let pattern = "[ip, identity, user, timestamp, request, status_code = 404, size]";
    let message =
        r#"127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 404 2326"#;
    let text = run(&[pattern, "--message", message]);
    assert_eq!(text.code, 0, "{}", text.stdout);
    assert!(text.stdout.contains("\n     $ip = 127.0.0.1\n"), "{}", text.stdout);
    assert!(text.stdout.contains("\n     $user = frank\n"), "{}", text.stdout);

    let report = run(&[pattern, "--message", message, "--format", "json"]).json();
    let values = &report["matches"][0]["extractedValues"];
    assert_eq!(values["$ip"], "127.0.0.1");
    assert_eq!(values["$status_code"], "404");
    assert_eq!(values["$size"], "2326");
}

#[test]
fn message_json_has_the_shape_of_test_metric_filter() {
    let messages =
        ["{\"eventName\":\"CreateVpc\"}", "not json", "{\"eventName\":\"CreateVpc\",\"x\":1}"];
    let mut args = vec!["{ $.eventName = CreateVpc }", "--format", "json"];
    for message in &messages {
        args.extend(["--message", message]);
    }
    let run = run(&args);
    assert_eq!(run.code, 0);
    let report = run.json();
    let fields: Vec<&str> = report.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(fields.len(), 3, "no undecided field when nothing is undecided: {fields:?}");
    assert_eq!(report["valid"], true);
    assert_eq!(report["errors"], Value::Array(vec![]));
    let matches = report["matches"].as_array().unwrap();
    assert_eq!(matches.len(), 2, "only matched messages are listed");
    assert_eq!(matches[0]["eventNumber"], 1);
    assert_eq!(matches[0]["eventMessage"], messages[0]);
    assert_eq!(matches[0]["extractedValues"], serde_json::json!({}));
    assert_eq!(matches[1]["eventNumber"], 3);
}

#[test]
fn messages_can_come_from_stdin_one_a_line() {
    let input = "ERROR one\nnothing\n\nERROR three\n";
    let run = run_with_stdin(&["ERROR", "--messages", "-", "--format", "json"], Some(input));
    assert_eq!(run.code, 0);
    let numbers: Vec<u64> = run.json()["matches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["eventNumber"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers, [1, 3], "empty lines are not messages");
}

#[test]
fn messages_can_come_from_a_file_and_a_missing_one_is_one_line() {
    let dir = std::env::temp_dir().join(format!("vpcwatch-pattern-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("messages.log");
    std::fs::write(&path, "WARN a\nERROR b\n").unwrap();
    let found = run(&["ERROR", "--messages", path.to_str().unwrap()]);
    assert_eq!(found.code, 0);
    assert!(found.stdout.contains("\n2  matched      ERROR b\n"), "{}", found.stdout);

    let missing = run(&["ERROR", "--messages", "/nonexistent/vpcwatch/messages.log"]);
    assert_one_line_error(&missing, "vpcwatch: read log messages from /nonexistent/");
}

#[test]
fn messages_are_escaped_on_a_terminal_and_exact_in_json() {
    let message = "ERROR \u{1b}[31mred";
    let text = run(&["ERROR", "--message", message]);
    assert!(text.stdout.contains("matched      ERROR \\u{1b}[31mred\n"), "{}", text.stdout);
    assert!(!text.stdout.contains('\u{1b}'));

    let report = run(&["ERROR", "--message", message, "--format", "json"]).json();
    assert_eq!(report["matches"][0]["eventMessage"], message);
}

#[test]
fn an_invalid_pattern_in_message_mode_exits_2_after_the_report() {
    let run = run(&["{ $.eventName = }", "--message", "x", "--format", "json"]);
    assert_eq!(run.code, 2);
    let report = run.json();
    assert_eq!(report["valid"], false);
    assert!(!report["errors"].as_array().unwrap().is_empty());
}

// ---- usage ----

#[test]
fn pattern_and_messages_cannot_both_read_stdin() {
    let run = run_with_stdin(&["-", "--messages", "-"], Some("x\n"));
    assert_one_line_error(&run, "vpcwatch: the pattern and the messages cannot both come from");
}

#[test]
fn flag_errors_exit_2_with_nothing_on_stdout() {
    for args in
        [&[][..], &["ERROR", "--format", "yaml"], &["ERROR", "--message", "a", "--messages", "f"]]
    {
        let run = run(args);
        assert_eq!(run.code, 2, "{args:?}");
        assert_eq!(run.stdout, "", "{args:?}");
        assert!(run.stderr.starts_with("vpcwatch: "), "{args:?}: {}", run.stderr);
        assert_eq!(run.stderr.lines().count(), 1, "{args:?}: {}", run.stderr);
    }
}

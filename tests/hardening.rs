//! Faults and bad data: what vpcwatch does when its credentials are secret, when the
//! account holds strange names or patterns, and when it holds a great many resources.

mod support;

use std::process::Output;

use serde_json::{json, Value};
use support::report::{self, assert_every_name, finding, reason};
use support::Emulator;

/// A secret key and a session token no run could print by chance. moto files requests
/// signed with the access key `testing` under its default account whatever the secret,
/// and ignores the token, so the audit still reads the seeded account.
const SECRET: &str = "vpcwatch-secret-2f9c1a7e5b";
const TOKEN: &str = "vpcwatch-session-token-8d3e6f0b4a";

fn with_secrets(emulator: &Emulator, args: &[&str]) -> Output {
    emulator
        .vpcwatch()
        .env("AWS_SECRET_ACCESS_KEY", SECRET)
        .env("AWS_SESSION_TOKEN", TOKEN)
        .args(args)
        .output()
        .expect("run vpcwatch")
}

fn assert_no_secret(output: &Output) {
    for (stream, bytes) in [("stdout", &output.stdout), ("stderr", &output.stderr)] {
        let text = String::from_utf8_lossy(bytes);
        assert!(!text.contains(SECRET), "{stream} shows the secret key");
        assert!(!text.contains(TOKEN), "{stream} shows the session token");
    }
}

#[test]
fn the_secret_key_and_session_token_never_reach_stdout_or_stderr() {
    let emulator = Emulator::start();
    emulator.seed("sound");
    let check = with_secrets(&emulator, &["check", "-vvv", "--format", "json"]);
    assert_eq!(check.status.code(), Some(0), "{}", String::from_utf8_lossy(&check.stderr));
    let report: Value = serde_json::from_slice(&check.stdout).expect("stdout is JSON");
    let report = report::single_region(&report);
    assert_eq!(report["account_id"], support::DEFAULT_ACCOUNT, "the credentials were used");
    assert!(!check.stderr.is_empty(), "-vvv logs something to search");
    assert_no_secret(&check);

    let fix = ["fix", "--dry-run", "--email", "a@example.com", "-vvv"];
    let fix = with_secrets(&emulator, &fix);
    assert_eq!(fix.status.code(), Some(0), "{}", String::from_utf8_lossy(&fix.stderr));
    assert_no_secret(&fix);
}

/// At trace level the SDK prints every request's headers, the session token's among
/// them; it must print them redacted.
#[test]
fn trace_logs_show_the_token_header_but_not_its_value() {
    let emulator = Emulator::start();
    emulator.seed("sound");
    let output = emulator
        .vpcwatch()
        .env("AWS_SECRET_ACCESS_KEY", SECRET)
        .env("AWS_SESSION_TOKEN", TOKEN)
        .env("RUST_LOG", "trace")
        .args(["check", "--format", "json"])
        .output()
        .expect("run vpcwatch");
    assert_eq!(output.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("x-amz-security-token"), "the token was sent and headers logged");
    assert_no_secret(&output);
}

/// The names `hostile_names` in tests/emulator/scenarios.py gives its filter and alarm.
const HOSTILE_FILTER_NAME: &str = "Vpc\x1b[31mChanges\x1b[2J\n\u{202e}SECAPS\u{200b}";
const HOSTILE_ALARM_NAME: &str = "Vpc\u{202e}mralA\u{2066}x\u{2069}\u{200b}\u{feff}";

/// Runs `vpcwatch check` with `args` on an emulator seeded with `scenario`.
fn check(scenario: &str, args: &[&str]) -> Output {
    let emulator = Emulator::start();
    emulator.seed(scenario);
    emulator.vpcwatch().arg("check").args(args).output().expect("run vpcwatch")
}

/// `check --format json` on `scenario`: the exit status and the report.
fn check_json(scenario: &str) -> (i32, Value) {
    let emulator = Emulator::start();
    emulator.seed(scenario);
    report::check_json(&emulator, &[])
}

#[test]
fn hostile_names_are_escaped_in_text_and_exact_in_json() {
    let emulator = Emulator::start();
    emulator.seed("hostile_names");

    let text = emulator.vpcwatch().arg("check").output().expect("run vpcwatch");
    assert_eq!(text.status.code(), Some(0), "{}", String::from_utf8_lossy(&text.stderr));
    let stdout = String::from_utf8(text.stdout).expect("utf-8");
    for raw in ['\x1b', '\u{202e}', '\u{200b}', '\u{2066}', '\u{feff}'] {
        assert!(!stdout.contains(raw), "raw {raw:?} in the text report:\n{stdout:?}");
    }
    // Each escaped name is one word, wrapped onto a line of its own.
    let filter = r"Vpc\u{1b}[31mChanges\u{1b}[2J\u{a}\u{202e}SECAPS\u{200b}";
    let alarm = r"Vpc\u{202e}mralA\u{2066}x\u{2069}\u{200b}\u{feff}";
    for escaped in [filter, alarm] {
        assert!(stdout.lines().any(|l| l.trim() == escaped), "{escaped} in\n{stdout}");
    }

    let json = emulator.vpcwatch().args(["check", "--format", "json"]).output().expect("run");
    assert_eq!(json.status.code(), Some(0));
    let report: Value = serde_json::from_slice(&json.stdout).expect("stdout is JSON");
    let report = report::single_region(&report);
    assert_every_name(&report, "covered");
    let chain = &finding(&report, "CreateVpc")["chain"];
    assert_eq!(chain["filter"], HOSTILE_FILTER_NAME);
    assert_eq!(chain["alarm"], HOSTILE_ALARM_NAME);
}

/// An answer that is not valid XML is a failure to read, not a pass and not a panic.
#[test]
fn an_alarm_name_xml_cannot_carry_leaves_every_name_undecided() {
    let output = check("control_char_alarm_name", &[]);
    assert_eq!(output.status.code(), Some(2), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8(output.stdout).expect("utf-8");
    assert!(!stdout.contains('\x1b'), "{stdout:?}");
    assert!(stdout.contains("cloudwatch:DescribeAlarms"), "{stdout}");
    assert!(stdout.contains(r"\u{1b}"), "the parse error is escaped: {stdout}");
    assert!(stdout.lines().last().is_some_and(|l| l.starts_with("ERROR: 0 of 30")), "{stdout}");
}

#[test]
fn a_pattern_aws_would_reject_covers_nothing() {
    let (code, report) = check_json("invalid_pattern");
    assert_eq!(code, 1, "{report:#}");
    assert_every_name(&report, "not_covered");
    let why = reason(&report, "CreateVpc");
    assert!(why.starts_with("filter Broken has a pattern AWS would reject"), "{why}");
}

#[test]
fn the_last_of_a_hundred_filters_covering_the_names_passes() {
    let (code, report) = check_json("hundred_filters");
    assert_eq!(code, 0, "{report:#}");
    assert_every_name(&report, "covered");
    assert_eq!(finding(&report, "DeleteNatGateway")["chain"]["filter"], "VpcChanges-100");
}

#[test]
fn an_alarm_whose_only_action_is_not_sns_notifies_nobody() {
    let (code, report) = check_json("non_sns_action");
    assert_eq!(code, 1, "{report:#}");
    assert_every_name(&report, "not_covered");
    assert_eq!(reason(&report, "CreateVpc"), "alarm VpcChangesAlarm notifies no SNS topic");
}

#[test]
fn an_alarm_notifying_a_deleted_topic_fails_naming_it() {
    let (code, report) = check_json("deleted_topic");
    assert_eq!(code, 1, "{report:#}");
    assert_every_name(&report, "not_covered");
    assert_eq!(reason(&report, "CreateVpc"), "topic vpc-alerts does not exist");
}

/// Volume only: moto answers DescribeAlarms with every alarm in one page (it ignores
/// MaxRecords), so paging itself is not exercised here.
#[test]
fn the_right_alarm_among_thousands_is_found() {
    let emulator = Emulator::start();
    emulator.seed("thousands_of_alarms");
    let output = emulator.vpcwatch().args(["check", "--format", "json"]).output().expect("run");
    let report: Value = serde_json::from_slice(&output.stdout).expect("stdout is JSON");
    assert_eq!(output.status.code(), Some(0), "{report:#}");
    let report = report::single_region(&report);
    assert_every_name(&report, "covered");
    assert_eq!(finding(&report, "CreateVpc")["chain"]["alarm"], "VpcChangesAlarm");
}

/// Characters that must never reach a terminal raw from a name: ESC (ANSI sequences), a
/// carriage return, a right-to-left override, a left-to-right isolate, a zero-width space.
const RAW_ON_A_TERMINAL: [char; 5] = ['\x1b', '\r', '\u{202e}', '\u{2066}', '\u{200b}'];

fn assert_nothing_raw(stream: &str, text: &str) {
    for raw in RAW_ON_A_TERMINAL {
        assert!(!text.contains(raw), "raw {raw:?} on {stream}:\n{text:?}");
    }
}

/// A log group name CloudWatch Logs refuses (`[-._/#A-Za-z0-9]+`). moto creates it and a
/// trail delivering to it, then refuses to read its metric filters, so the failed read
/// names it.
const HOSTILE_LOG_GROUP: &str = "Trail\x1b[31mLogs\u{202e}SGOL\u{200b}";

/// A trail that logs to [`HOSTILE_LOG_GROUP`], made with boto3 in the default account.
fn trail_to_hostile_log_group(emulator: &Emulator) {
    let script = "import boto3, os\n\
        group = os.environ['LOG_GROUP']\n\
        boto3.client('logs').create_log_group(logGroupName=group)\n\
        boto3.client('s3').create_bucket(Bucket='hostile-trail-logs')\n\
        iam = boto3.client('iam')\n\
        role = iam.create_role(RoleName='trail-logs', AssumeRolePolicyDocument='{}')\n\
        trail = boto3.client('cloudtrail')\n\
        trail.create_trail(Name='hostile', S3BucketName='hostile-trail-logs',\n\
            IsMultiRegionTrail=True, CloudWatchLogsRoleArn=role['Role']['Arn'],\n\
            CloudWatchLogsLogGroupArn=f'arn:aws:logs:us-east-1:123456789012:log-group:{group}:*')\n\
        trail.start_logging(Name='hostile')\n";
    let made = emulator
        .command_as(emulator.python(), support::DEFAULT_ACCOUNT)
        .env("LOG_GROUP", HOSTILE_LOG_GROUP)
        .args(["-c", script])
        .output()
        .expect("run python");
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
}

/// The error line `main` prints names the log group whose read failed, escaped.
#[test]
fn an_error_naming_a_hostile_log_group_reaches_stderr_escaped() {
    let emulator = Emulator::start();
    trail_to_hostile_log_group(&emulator);
    let escaped = r"Trail\u{1b}[31mLogs\u{202e}SGOL\u{200b}";

    let fix = ["fix", "--email", "a@example.com", "--dry-run", "-vv"];
    let output = emulator.vpcwatch().args(fix).output().expect("run vpcwatch");
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty(), "{}", String::from_utf8_lossy(&output.stdout));
    let stderr = String::from_utf8(output.stderr).expect("utf-8");
    assert_nothing_raw("stderr", &stderr);
    let last = stderr.lines().last().unwrap_or_default();
    let named =
        format!("vpcwatch: cannot plan: logs:DescribeMetricFilters for log group {escaped}");
    assert!(last.starts_with(&named), "{last}");
    assert!(!stderr.contains("panicked"), "{stderr}");

    // The check reports the same failure on stdout, escaped too, and logs nothing raw.
    let check = emulator.vpcwatch().args(["check", "-vvv"]).output().expect("run vpcwatch");
    assert_eq!(check.status.code(), Some(2));
    let stdout = String::from_utf8(check.stdout).expect("utf-8");
    assert_nothing_raw("stdout", &stdout);
    assert!(stdout.contains(escaped), "{stdout}");
    assert_nothing_raw("stderr", &String::from_utf8(check.stderr).expect("utf-8"));
}

/// A warning that names a file the user named: the configuration file, whose exception
/// expired, under a name with a newline and a right-to-left override.
#[test]
fn a_warning_naming_a_hostile_file_name_is_one_escaped_line() {
    let emulator = Emulator::start();
    emulator.seed("sound");
    let dir = std::env::temp_dir().join(format!("vpcwatch-hardening-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create a scratch directory");
    let path = dir.join("team\n\u{202e}lmot.toml");
    let exception = "[[exceptions]]\nnames = [\"CreateVpc\"]\nreason = \"sandbox\"\n\
                     expires = \"2020-01-01\"\n";
    std::fs::write(&path, exception).expect("write the configuration file");

    let output = emulator.vpcwatch().arg("check").arg("--config").arg(&path).output();
    let output = output.expect("run vpcwatch");
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let stderr = String::from_utf8(output.stderr).expect("utf-8");
    assert_nothing_raw("stderr", &stderr);
    assert_eq!(stderr.lines().count(), 1, "one warning, on one line: {stderr:?}");
    let warning = stderr.trim_end();
    assert!(warning.contains(r"team\u{a}\u{202e}lmot.toml:"), "{warning}");
    assert!(warning.ends_with("(CreateVpc) expired after 2020-01-01"), "{warning}");
}

/// The keys of every role session vpcwatch obtained (its session name is
/// `vpcwatch-check`), as the emulator handed them out.
fn assumed_by_vpcwatch(emulator: &Emulator) -> Vec<(String, String)> {
    let reply = emulator.request(json!({"assumed_roles": true}));
    let sessions = reply["assumed_roles"].as_array().expect("assumed_roles");
    let ours = sessions.iter().filter(|s| s["session_name"] == "vpcwatch-check");
    ours.map(|s| {
        let key = |name: &str| s[name].as_str().expect("a key").to_string();
        (key("secret_access_key"), key("session_token"))
    })
    .collect()
}

/// `check --org` reads each member with keys from sts:AssumeRole: neither those keys nor
/// the caller's may be printed, at `-vvv` nor with every target at trace level.
#[test]
fn no_secret_of_the_caller_or_of_an_assumed_role_reaches_stdout_or_stderr() {
    let emulator = Emulator::start();
    let reply = emulator.request(json!({"organization": 2}));
    let members: Vec<&str> =
        reply["members"].as_array().expect("members").iter().filter_map(Value::as_str).collect();
    emulator.seed("sound");
    for member in &members {
        emulator.seed_account("sound", member);
    }

    for trace in [false, true] {
        let mut command = emulator.vpcwatch();
        command.env("AWS_SECRET_ACCESS_KEY", SECRET).env("AWS_SESSION_TOKEN", TOKEN);
        command.args(["check", "--org", "--format", "json"]);
        if trace {
            command.env("RUST_LOG", "trace");
        } else {
            command.arg("-vvv");
        }
        let output = command.output().expect("run vpcwatch");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "trace {trace}: {stderr}");
        let report: Value = serde_json::from_slice(&output.stdout).expect("stdout is JSON");
        assert_eq!(report["summary"]["accounts"], 3, "{report:#}");
        assert!(stderr.contains("sts:AssumeRole"), "the sessions were logged: {stderr}");
        assert_no_secret(&output);

        let sessions = assumed_by_vpcwatch(&emulator);
        assert!(sessions.len() >= members.len(), "one session a member: {sessions:?}");
        for (stream, bytes) in [("stdout", &output.stdout), ("stderr", &output.stderr)] {
            let text = String::from_utf8_lossy(bytes);
            for (secret, token) in &sessions {
                assert!(secret.len() >= 20 && token.len() >= 20, "real keys: {secret} {token}");
                assert!(!text.contains(secret.as_str()), "{stream} shows a role's secret key");
                assert!(!text.contains(token.as_str()), "{stream} shows a role's session token");
            }
        }
    }
}

//! Faults and bad data: what vpcwatch does when its credentials are secret, when the
//! account holds strange names or patterns, and when it holds a great many resources.

mod support;

use std::process::Output;

use serde_json::Value;
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

//! Several regions and several accounts in one check, against the emulator: which trail
//! covers which region, an organization whose members are sound, broken, denied and
//! covered only by the organization trail, and shards that split the accounts.

mod support;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Output;

use serde_json::{json, Value};
use support::report::{check_json_whole, validate};
use support::{Emulator, DEFAULT_ACCOUNT};
use vpcwatch::config::Shard;

/// The account object of `id` in a whole report.
fn account<'a>(report: &'a Value, id: &str) -> &'a Value {
    let accounts = report["accounts"].as_array().expect("accounts array");
    accounts.iter().find(|a| a["account_id"] == id).unwrap_or_else(|| panic!("{id} in {report:#}"))
}

/// The region object `name` of an account object.
fn region<'a>(account: &'a Value, name: &str) -> &'a Value {
    let regions = account["regions"].as_array().expect("regions array");
    regions.iter().find(|r| r["region"] == name).unwrap_or_else(|| panic!("{name} in {account:#}"))
}

/// The statuses of every name of a region, once each.
fn statuses(region: &Value) -> BTreeSet<String> {
    let names = region["names"].as_array().expect("names array");
    names.iter().map(|n| n["status"].as_str().unwrap().to_string()).collect()
}

fn reasons(region: &Value) -> BTreeSet<String> {
    let names = region["names"].as_array().expect("names array");
    names.iter().map(|n| n["reason"].as_str().unwrap().to_string()).collect()
}

fn trails_of_chains(region: &Value) -> BTreeSet<String> {
    let names = region["names"].as_array().expect("names array");
    names.iter().filter_map(|n| n["chain"]["trail"].as_str()).map(str::to_string).collect()
}

#[test]
fn a_multi_region_trail_homed_elsewhere_covers_every_audited_region() {
    let emulator = Emulator::start();
    emulator.seed("other_home_region");
    let regions = ["--region", "us-east-1", "--region", "eu-west-1", "--region", "us-west-2"];
    let (code, report) = check_json_whole(&emulator, &regions);
    assert_eq!(code, 0, "{report:#}");
    let only = account(&report, DEFAULT_ACCOUNT);
    let audited: Vec<&str> =
        only["regions"].as_array().unwrap().iter().map(|r| r["region"].as_str().unwrap()).collect();
    assert_eq!(audited, ["us-east-1", "eu-west-1", "us-west-2"], "in the order given");
    for name in audited {
        let found = region(only, name);
        assert_eq!(statuses(found), BTreeSet::from(["covered".to_string()]), "{name}");
        assert_eq!(found["trails"][0]["home_region"], "us-west-2");
        assert_eq!(trails_of_chains(found), BTreeSet::from(["management-events".to_string()]));
    }
}

#[test]
fn a_single_region_trail_leaves_the_other_regions_uncovered() {
    let emulator = Emulator::start();
    emulator.seed("single_region_trail");
    let (code, report) =
        check_json_whole(&emulator, &["--region", "us-east-1", "--region", "eu-west-1"]);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(report["verdict"], "fail");
    let only = account(&report, DEFAULT_ACCOUNT);
    assert_eq!(only["verdict"], "fail");
    assert_eq!(region(only, "us-east-1")["verdict"], "pass");
    let elsewhere = region(only, "eu-west-1");
    assert_eq!(elsewhere["verdict"], "fail");
    assert_eq!(elsewhere["summary"]["not_covered"], 30);
    assert_eq!(
        reasons(elsewhere),
        BTreeSet::from(["no CloudTrail trail records eu-west-1 in this account".to_string()])
    );
}

#[test]
fn the_text_report_of_several_regions_is_a_table_then_the_gaps() {
    let emulator = Emulator::start();
    emulator.seed("single_region_trail");
    let output = emulator
        .vpcwatch()
        .args(["check", "--region", "us-east-1", "--region", "eu-west-1"])
        .output()
        .expect("run vpcwatch");
    assert_eq!(output.status.code(), Some(1));
    let text = String::from_utf8(output.stdout).unwrap();
    let row = |region: &str| text.lines().find(|l| l.contains(region) && l.starts_with("1234"));
    let east = row("us-east-1").unwrap_or_else(|| panic!("{text}"));
    assert!(east.contains("pass") && east.contains("30/30") && east.contains("management-events"));
    let west = row("eu-west-1").unwrap_or_else(|| panic!("{text}"));
    assert!(west.contains("FAIL") && west.contains("0/30"), "{west}");
    assert!(text.contains("30 not covered: CreateVpc, DeleteVpc"), "{text}");
    assert!(text.lines().all(|l| l.chars().count() <= 80), "{text}");
    assert!(text.ends_with("FAIL: 0 of 1 account(s) pass, 1 fail, 0 undecided\n"), "{text}");
}

/// The organization of the issue: a management account with a single-region
/// organization trail in us-east-1, and four members. Returns (sound, broken, denied,
/// organization-only).
fn organization(emulator: &Emulator) -> [String; 4] {
    let reply = emulator.request(json!({"organization": 4}));
    let members: Vec<String> = reply["members"]
        .as_array()
        .expect("member IDs")
        .iter()
        .map(|m| m.as_str().unwrap().to_string())
        .collect();
    let [sound, broken, denied, org_only] = <[String; 4]>::try_from(members).expect("4 members");
    emulator.seed("organization_trail_one_region");
    emulator.seed_in("single_region_trail", DEFAULT_ACCOUNT, "us-west-2");
    emulator.seed_account("sound", &sound);
    emulator.seed_in("single_region_trail", &org_only, "us-west-2");
    emulator.request(json!({"deny_role": denied}));
    [sound, broken, denied, org_only]
}

#[test]
fn an_organization_is_judged_account_by_account() {
    let emulator = Emulator::start();
    let [sound, broken, denied, org_only] = organization(&emulator);
    let args = ["--org", "--region", "us-east-1", "--region", "us-west-2"];
    let (code, report) = check_json_whole(&emulator, &args);

    assert_eq!(code, 1, "a proven gap in one member fails the run:\n{report:#}");
    assert_eq!(report["summary"]["accounts"], 5);
    assert_eq!(account(&report, DEFAULT_ACCOUNT)["verdict"], "pass");
    assert_eq!(account(&report, &sound)["verdict"], "pass");

    let gap = account(&report, &broken);
    assert_eq!(gap["verdict"], "fail");
    assert_eq!(region(gap, "us-east-1")["verdict"], "pass", "the organization trail covers it");
    assert_eq!(region(gap, "us-west-2")["verdict"], "fail");

    let refused = account(&report, &denied);
    assert_eq!(refused["verdict"], "error");
    let error = refused["error"].as_str().expect("why it was not audited");
    assert!(error.contains("sts:AssumeRole"), "{error}");
    assert!(error.contains(&format!("arn:aws:iam::{denied}:role/OrganizationAccountAccessRole")));
    assert!(error.contains("access denied"), "{error}");
    assert_eq!(refused["regions"], json!([]));

    let lent = account(&report, &org_only);
    assert_eq!(lent["verdict"], "pass", "{lent:#}");
    let east = region(lent, "us-east-1");
    let trail = &east["trails"].as_array().unwrap()[0];
    assert_eq!(trail["organization"], true);
    assert_eq!(trail["log_group"]["account_id"], DEFAULT_ACCOUNT, "read in the owner account");
    assert!(east["names"].as_array().unwrap().iter().all(|n| n["status"] == "covered"));
}

/// The JSON lines of `check --format jsonl` with `args`, and its exit status.
fn jsonl(emulator: &Emulator, args: &[&str]) -> (i32, Vec<Value>) {
    let output = emulator
        .vpcwatch()
        .args(["check", "--format", "jsonl"])
        .args(args)
        .output()
        .expect("run vpcwatch");
    let stdout = String::from_utf8(output.stdout).unwrap();
    let lines = stdout.lines().map(|l| serde_json::from_str(l).expect("one JSON object a line"));
    (output.status.code().expect("exit status"), lines.collect())
}

/// Runs `args` whole and as three shards; the shards' lines, joined, must be the whole
/// run's, each account once, judged alike.
fn shards_join_into_the_whole(emulator: &Emulator, args: &[&str]) -> Vec<Value> {
    let (code, whole) = jsonl(emulator, args);
    assert_eq!(code, 1, "the broken member fails the run");
    assert_eq!(whole.len(), 5);
    let mut joined = Vec::new();
    let mut codes = Vec::new();
    for (shard, concurrency) in [("1/3", "1"), ("2/3", "8"), ("3/3", "8")] {
        let extra = ["--shard", shard, "--concurrency", concurrency];
        let (code, lines) = jsonl(emulator, &[args, &extra].concat());
        codes.push(code);
        joined.extend(lines);
    }
    let key = |v: &Value| v["account_id"].as_str().unwrap().to_string();
    joined.sort_by_key(key);
    let mut whole_sorted = whole.clone();
    whole_sorted.sort_by_key(key);
    assert_eq!(joined, whole_sorted, "every account once, judged as in one run");
    assert!(codes.contains(&1), "the shard of the broken member fails: {codes:?}");
    whole
}

/// The shard an account falls to is part of the interface: workers of different
/// releases must split an organization alike. These values are FNV-1a (64 bits) of the
/// account ID, modulo the shard count.
#[test]
fn shard_shares_are_pinned_across_releases() {
    let share = |account: &str, count: u32| {
        (1..=count).find(|&index| Shard { index, count }.includes(account)).unwrap()
    };
    let pinned = [
        ("123456789012", [4, 7, 32]),
        ("111122223333", [2, 3, 34]),
        ("444455556666", [2, 2, 46]),
        ("000000000001", [3, 1, 35]),
        ("999999999999", [2, 3, 50]),
    ];
    for (account, shares) in pinned {
        let got = [share(account, 4), share(account, 7), share(account, 50)];
        assert_eq!(got, shares, "the shards of {account} in 4, 7 and 50");
    }
}

#[test]
fn shards_of_a_list_of_accounts_join_into_the_whole() {
    let emulator = Emulator::start();
    let [sound, broken, denied, org_only] = organization(&emulator);
    let ids = [DEFAULT_ACCOUNT, &sound, &broken, &denied, &org_only].join(",");
    shards_join_into_the_whole(&emulator, &["--accounts", &ids]);
}

#[test]
fn every_shard_of_an_organization_credits_its_members_with_the_organization_trail() {
    let emulator = Emulator::start();
    let [sound, broken, _denied, org_only] = organization(&emulator);
    let args = ["--org", "--region", "us-east-1", "--region", "us-west-2"];
    let whole = shards_join_into_the_whole(&emulator, &args);
    let verdict =
        |id: &str| whole.iter().find(|a| a["account_id"] == id).unwrap()["verdict"].clone();
    assert_eq!(verdict(&org_only), "pass", "lent the organization trail");
    assert_eq!(verdict(&sound), "pass");
    assert_eq!(verdict(&broken), "fail");

    // A shard that holds the organization-only member and not the management account
    // reads the management account too, credits the member, and does not report it.
    let shard_of = |id: &str, count: u32| {
        (1..=count).map(|index| Shard { index, count }).find(|s| s.includes(id)).unwrap()
    };
    let count = (2..64)
        .find(|&n| shard_of(&org_only, n) != shard_of(DEFAULT_ACCOUNT, n))
        .expect("a shard count that parts the two accounts");
    let shard = shard_of(&org_only, count);
    let share = format!("{}/{}", shard.index, shard.count);
    let (_, lines) = jsonl(&emulator, &[&args[..], &["--shard", &share]].concat());
    let ids: Vec<&str> = lines.iter().map(|l| l["account_id"].as_str().unwrap()).collect();
    assert!(ids.contains(&org_only.as_str()) && !ids.contains(&DEFAULT_ACCOUNT), "{ids:?}");
    let member = lines.iter().find(|l| l["account_id"] == org_only.as_str()).unwrap();
    assert_eq!(member["verdict"], "pass", "{member:#}");
}

/// What the organization workflow (docs/ci/github-actions-organization.yml) runs: the
/// audit step's script, the join step's, the shard count of the matrix, and the
/// workflow's environment.
struct Workflow {
    audit: String,
    join: String,
    shards: usize,
    env: Vec<(String, String)>,
}

fn organization_workflow() -> Workflow {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let workflow = validate("yaml", &[&root.join("docs/ci/github-actions-organization.yml")]);
    let run_of = |job: &str, needle: &str| {
        let steps = workflow["jobs"][job]["steps"].as_array().expect("steps");
        let mut runs = steps.iter().filter_map(|s| s["run"].as_str());
        runs.find(|r| r.contains(needle)).expect(needle).to_string()
    };
    let matrix = &workflow["jobs"]["audit"]["strategy"]["matrix"]["shard"];
    let env = workflow["env"].as_object().expect("env");
    Workflow {
        audit: run_of("audit", "vpcwatch check"),
        join: run_of("verdict", "jq"),
        shards: matrix.as_array().expect("shard matrix").len(),
        env: env.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string())).collect(),
    }
}

/// Runs `script` as GitHub Actions runs a `run:` step (bash -e -o pipefail) in `dir`,
/// with vpcwatch on the PATH, the workflow's environment and the emulator's AWS one.
fn run_step(emulator: &Emulator, workflow: &Workflow, dir: &Path, script: &str) -> Output {
    let binary = assert_cmd::cargo::cargo_bin("vpcwatch");
    let bin_dir = binary.parent().unwrap().display().to_string();
    let path = format!("{bin_dir}:{}", std::env::var("PATH").unwrap_or_default());
    let mut bash = emulator.command_as("bash", DEFAULT_ACCOUNT);
    for (name, value) in workflow.env.iter().filter(|(name, _)| !name.starts_with("AWS_")) {
        bash.env(name, value);
    }
    bash.args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
        .current_dir(dir)
        .env("PATH", path);
    bash.output().expect("run bash")
}

/// Runs every shard of the workflow's audit step with `scope` in place of its
/// `--org --all-regions`, drops the report of `lost`, then runs the join step; the join's
/// exit status and output.
fn run_workflow(emulator: &Emulator, scope: &str, lost: Option<usize>) -> (bool, String) {
    let workflow = organization_workflow();
    let dir = temporary_dir(&format!("workflow-{lost:?}-{}", scope.len()));
    let audit = workflow.audit.replace("--org --all-regions", scope);
    assert_ne!(audit, workflow.audit, "the audit step runs --org --all-regions");
    for shard in 1..=workflow.shards {
        let script = audit.replace("${{ matrix.shard }}", &shard.to_string());
        let output = run_step(emulator, &workflow, &dir, &script);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(dir.join(format!("shard-{shard}.jsonl")).exists(), "shard {shard}: {stderr}");
    }
    if let Some(shard) = lost {
        std::fs::remove_file(dir.join(format!("shard-{shard}.jsonl"))).unwrap();
    }
    let joined = run_step(emulator, &workflow, &dir, &workflow.join);
    let _ = std::fs::remove_dir_all(&dir);
    let out = String::from_utf8_lossy(&joined.stdout) + String::from_utf8_lossy(&joined.stderr);
    (joined.status.success(), out.into_owned())
}

/// A fresh directory under the system's temporary one.
fn temporary_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("vpcwatch-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create a temporary directory");
    dir
}

#[test]
fn the_organization_workflow_passes_only_when_every_shard_reported_and_every_account_passed() {
    let emulator = Emulator::start();
    let [sound, broken, denied, org_only] = organization(&emulator);

    // In us-east-1 the organization trail covers every member; the workflow's role is
    // not the one the emulator refuses.
    let (passed, out) = run_workflow(&emulator, "--org --region us-east-1", None);
    assert!(passed, "every account passes:\n{out}");

    let (passed, out) = run_workflow(&emulator, "--org --region us-east-1", Some(2));
    assert!(!passed, "a lost shard fails the organization:\n{out}");
    assert!(out.contains("shard 2/4 wrote no report"), "{out}");

    let (passed, out) =
        run_workflow(&emulator, "--org --region us-east-1 --region us-west-2", None);
    assert!(!passed, "{out}");
    assert!(out.contains(&format!("{broken} fail")), "{out}");
    assert!(out.contains(&format!("{denied} ")), "its us-west-2 is not covered: {out}");
    for passing in [&sound, &org_only] {
        assert!(!out.contains(&format!("{passing} ")), "{passing} passed: {out}");
    }
}

#[test]
fn the_external_id_goes_with_every_role_session() {
    let emulator = Emulator::start();
    let [sound, ..] = organization(&emulator);
    emulator.request(json!({"require_external_id": "vpcwatch-7f3a", "account": sound}));
    let args = ["--accounts", sound.as_str(), "--region", "us-east-1"];

    for (extra, code) in [(&[][..], 2), (&["--external-id", "other"][..], 2)] {
        let (status, lines) = jsonl(&emulator, &[&args[..], extra].concat());
        assert_eq!(status, code, "{extra:?}: {lines:?}");
        let error = lines[0]["error"].as_str().unwrap_or_default();
        assert!(error.contains("sts:AssumeRole") && error.contains("access denied"), "{error}");
    }
    let (status, lines) =
        jsonl(&emulator, &[&args[..], &["--external-id", "vpcwatch-7f3a"]].concat());
    assert_eq!(status, 0, "{lines:?}");
    assert_eq!(lines[0]["verdict"], "pass");
}

#[test]
fn a_closed_member_is_not_audited() {
    let emulator = Emulator::start();
    let [sound, broken, ..] = organization(&emulator);
    emulator.request(json!({"close_account": broken}));
    let (_, lines) = jsonl(&emulator, &["--org", "--region", "us-east-1"]);
    let ids: Vec<&str> = lines.iter().map(|l| l["account_id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 4, "the management account and three active members: {ids:?}");
    assert!(ids.contains(&sound.as_str()) && !ids.contains(&broken.as_str()), "{ids:?}");
}

#[test]
fn all_regions_reads_each_trail_and_alarm_list_once_for_every_enabled_region() {
    let emulator = Emulator::start();
    emulator.seed("sound");
    let output = emulator
        .vpcwatch()
        .args(["check", "-v", "--all-regions", "--format", "json"])
        .output()
        .expect("run vpcwatch");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let report: Value = serde_json::from_slice(&output.stdout).expect("JSON report");
    let regions = account(&report, DEFAULT_ACCOUNT)["regions"].as_array().unwrap().clone();
    let names: BTreeSet<&str> = regions.iter().map(|r| r["region"].as_str().unwrap()).collect();
    assert!(names.len() > 10 && names.contains("us-east-1") && names.contains("eu-west-1"));
    assert!(regions.iter().all(|r| r["verdict"] == "pass"), "{report:#}");

    let calls = |operation: &str| {
        stderr.lines().filter(|l| l.contains("aws call") && l.contains(operation)).count()
    };
    assert_eq!(calls("ec2:DescribeRegions"), 1);
    assert_eq!(calls("cloudtrail:DescribeTrails"), names.len(), "one per region");
    assert_eq!(calls("cloudtrail:GetTrailStatus"), 1, "the multi-region trail read once");
    assert_eq!(calls("logs:DescribeMetricFilters"), 1);
    assert_eq!(calls("cloudwatch:DescribeAlarms"), 1, "alarms of the log group's region only");
}

/// What a terminal shows of each line: the text after the last carriage return or
/// line erase on it.
fn visible(line: &str) -> &str {
    let after_erase = line.rsplit("\x1b[2K").next().unwrap_or(line);
    after_erase.trim_end_matches('\r').rsplit('\r').next().unwrap_or(after_erase)
}

#[test]
fn a_terminal_sees_the_progress_of_the_accounts_and_a_pipe_does_not() {
    let emulator = Emulator::start();
    organization(&emulator);
    let binary = assert_cmd::cargo::cargo_bin("vpcwatch");
    let command = format!("{} check --org --format json", binary.display());
    // util-linux `script` runs the command on a pseudo-terminal and copies what it shows.
    let shown = emulator
        .command_as("script", DEFAULT_ACCOUNT)
        .args(["-qec", &command, "/dev/null"])
        .output()
        .expect("run script");
    let screen = String::from_utf8_lossy(&shown.stdout);
    assert_eq!(shown.status.code(), Some(2), "one member is denied, none fails:\n{screen}");
    assert!(screen.contains(&format!("[{}] 0/5 accounts", "-".repeat(30))), "{screen}");
    assert!(screen.contains(&format!("[{}] 5/5 accounts", "#".repeat(30))), "{screen}");
    let lines: Vec<&str> = screen.split('\n').map(visible).collect();
    let warning = lines.iter().find(|l| l.contains("not audited")).expect("the denied member");
    assert!(!warning.contains(" accounts"), "the warning has a line of its own: {warning:?}");
    assert!(lines.contains(&"{"), "the report starts on a clean line:\n{lines:#?}");

    let piped =
        emulator.vpcwatch().args(["check", "--org", "--format", "json"]).output().expect("run");
    assert_eq!(piped.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&piped.stderr);
    assert!(
        !stderr.contains(" accounts") && !stderr.contains('\r'),
        "no bar into a pipe: {stderr}"
    );
    let report: Value = serde_json::from_slice(&piped.stdout).expect("only the report on stdout");
    assert_eq!(report["summary"]["error"], 1);
    assert_eq!(report["summary"]["pass"], 4);
}

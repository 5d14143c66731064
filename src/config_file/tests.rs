//! Parsing vpcwatch.toml: a full file, and every way a file can be wrong, each reported
//! on one line naming the file and the line.

use super::*;

const PATH: &str = "team/vpcwatch.toml";

fn parsed(text: &str) -> FileSettings {
    parse(Path::new(PATH), text).unwrap_or_else(|e| panic!("{text}\n→ {e}"))
}

/// The one-line error for `text`; it must start with the file and `line`.
fn refused(text: &str, line: usize) -> String {
    let err = parse(Path::new(PATH), text).expect_err(text).to_string();
    let prefix = format!("{PATH}:{line}: ");
    assert!(err.starts_with(&prefix), "expected {prefix:?}…, got {err:?}");
    assert!(!err.contains('\n'), "one line: {err:?}");
    err[prefix.len()..].to_string()
}

fn date(text: &str) -> Date {
    Date::parse(text).expect("a date")
}

const FULL: &str = r#"
# The platform team's daily audit.
events = "default,cis"
regions = ["eu-west-1", "us-east-1", "eu-west-1"]
accounts = ["222222222222", "111111111111"]
role_name = "audit/VpcwatchAudit"
external_id = "platform-7"
format = "sarif"
concurrency = 4

[[exceptions]]
account = "111111111111"
region = "eu-west-1"
names = ["CreateVpcPeeringConnection", "AcceptVpcPeeringConnection"]
reason = "sandbox account: peering is blocked by SCP"
expires = "2027-03-31"

[[exceptions]]
names = ["CreateNatGateway"]
reason = "  no NAT gateways anywhere  "
expires = 2026-12-31
"#;

#[test]
fn a_full_file_becomes_settings_and_exceptions() {
    let settings = parsed(FULL);
    assert_eq!(
        settings.events,
        Some(EventsChoice::Union(vec![EventsChoice::Default, EventsChoice::Cis]))
    );
    assert_eq!(
        settings.regions,
        Some(RegionChoice::Listed(vec!["eu-west-1".into(), "us-east-1".into()])),
        "each region once, in the order written"
    );
    assert_eq!(
        settings.accounts,
        Some(AccountChoice::Listed(vec!["111111111111".into(), "222222222222".into()])),
        "sorted, as --accounts gives them"
    );
    assert_eq!(settings.role_name.as_deref(), Some("audit/VpcwatchAudit"));
    assert_eq!(settings.external_id.as_deref(), Some("platform-7"));
    assert_eq!(settings.format, Some(ReportFormat::Sarif));
    assert_eq!(settings.concurrency, Some(4));
    assert_eq!(
        settings.exceptions,
        [
            Exception {
                account: Some("111111111111".into()),
                region: Some("eu-west-1".into()),
                names: vec![
                    "CreateVpcPeeringConnection".into(),
                    "AcceptVpcPeeringConnection".into()
                ],
                reason: "sandbox account: peering is blocked by SCP".into(),
                expires: date("2027-03-31"),
                line: 14,
            },
            Exception {
                account: None,
                region: None,
                names: vec!["CreateNatGateway".into()],
                reason: "no NAT gateways anywhere".into(),
                expires: date("2026-12-31"),
                line: 19,
            },
        ]
    );
}

#[test]
fn an_empty_file_sets_nothing() {
    assert_eq!(parsed(""), FileSettings::default());
    assert_eq!(parsed("# only a comment\n"), FileSettings::default());
    let off = parsed("all_regions = false\norg = false\n");
    assert_eq!((off.regions, off.accounts), (None, None));
}

#[test]
fn events_may_be_a_list_and_files_of_names_are_found_beside_the_file() {
    let settings = parsed("events = [\"cis\", \"extra.txt\", \"/etc/names.txt\"]");
    assert_eq!(
        settings.events,
        Some(EventsChoice::Union(vec![
            EventsChoice::Cis,
            EventsChoice::File(PathBuf::from("team/extra.txt")),
            EventsChoice::File(PathBuf::from("/etc/names.txt")),
        ]))
    );
    assert_eq!(parsed("events = \"cis\"").events, Some(EventsChoice::Cis));
    let here = parse(Path::new("vpcwatch.toml"), "events = \"names.txt\"").unwrap();
    assert_eq!(here.events, Some(EventsChoice::File(PathBuf::from("names.txt"))));
}

#[test]
fn all_regions_and_org_are_choices_of_their_own() {
    let settings = parsed("all_regions = true\norg = true\nrole_name = \"Auditor\"\n");
    assert_eq!(settings.regions, Some(RegionChoice::AllEnabled));
    assert_eq!(settings.accounts, Some(AccountChoice::Organization));
}

#[test]
fn toml_syntax_errors_name_the_line() {
    let err = refused("format = \"json\"\n\nevents = \"default\nregions = []\n", 3);
    assert!(err.contains("string"), "{err}");
    refused("[[exceptions]\nnames = []\n", 1);
    refused("format = \"json\"\nformat = \"text\"\n", 2);
}

#[test]
fn unknown_keys_are_refused_with_their_line() {
    let err = refused("format = \"json\"\nregion = \"eu-west-1\"\n", 2);
    assert!(err.starts_with("unknown field `region`, expected one of"), "{err}");
    let err = refused(
        "[[exceptions]]\nnames = [\"CreateVpc\"]\nreason = \"r\"\nexpires = \"2027-01-01\"\nuntil = \"x\"\n",
        5,
    );
    assert!(err.starts_with("unknown field `until`"), "{err}");
}

#[test]
fn wrong_types_are_refused_with_their_line() {
    let err = refused("\nconcurrency = \"eight\"\n", 2);
    assert!(err.contains("invalid type: string \"eight\", expected i64"), "{err}");
    let err = refused("org = \"yes\"\n", 1);
    assert!(err.contains("expected a boolean"), "{err}");
    let err = refused("regions = \"eu-west-1\"\n", 1);
    assert!(err.contains("expected a sequence"), "{err}");
    let err = refused("events = 5\n", 1);
    assert_eq!(
        err,
        "events: expected a string such as \"default,cis\" or an array of strings, found integer"
    );
    let err = refused("events = [\"default\", 5]\n", 1);
    assert!(err.ends_with("found integer"), "{err}");
}

#[test]
fn bad_values_are_refused_with_the_line_of_the_value() {
    let err = refused("accounts = [\n  \"111111111111\",\n  \"12345\",\n]\n", 3);
    assert_eq!(err, "invalid account \"12345\": expected 12 digits");
    let err = refused("regions = [\"eu-west-1\", \"Mars-1\"]\n", 1);
    assert_eq!(err, "invalid region \"Mars-1\": expected a region code such as eu-west-1");
    assert_eq!(refused("regions = []\n", 1), "regions is empty; name at least one");
    assert_eq!(refused("accounts = []\n", 1), "accounts is empty; name at least one");
    let err = refused("format = \"xml\"\n", 1);
    assert_eq!(err, "invalid format \"xml\": expected text, json, sarif, junit, markdown or jsonl");
    assert_eq!(refused("concurrency = 65\n", 1), "invalid concurrency 65: expected 1 to 64");
    assert_eq!(refused("concurrency = 0\n", 1), "invalid concurrency 0: expected 1 to 64");
    assert_eq!(refused("events = \" , \"\n", 1), "events names no event set");
    let err = refused("org = true\nrole_name = \"bad name\"\n", 2);
    assert!(err.starts_with("invalid role_name \"bad name\""), "{err}");
    let err = refused("org = true\nexternal_id = \"secret value\"\n", 2);
    assert!(!err.contains("secret"), "the value is not echoed: {err}");
}

#[test]
fn choices_that_exclude_each_other_are_refused() {
    let err = refused("accounts = [\"111111111111\"]\norg = true\n", 2);
    assert_eq!(err, "org = true and accounts exclude each other; keep one");
    let err = refused("regions = [\"eu-west-1\"]\n\nall_regions = true\n", 3);
    assert_eq!(err, "all_regions = true and regions exclude each other; keep one");
    let err = refused("role_name = \"Auditor\"\n", 1);
    assert_eq!(err, "role_name applies to other accounts: set accounts or org too");
    let err = refused("format = \"json\"\nexternal_id = \"x-1\"\n", 2);
    assert_eq!(err, "external_id applies to other accounts: set accounts or org too");
}

/// An exception of `fields` (TOML lines) after two lines of other settings.
fn exception(fields: &str) -> String {
    format!("format = \"json\"\n\n[[exceptions]]\n{fields}")
}

const NAMES: &str = "names = [\"CreateVpc\"]\n";
const REASON: &str = "reason = \"sandbox\"\n";
const EXPIRES: &str = "expires = \"2027-03-31\"\n";

#[test]
fn an_exception_needs_names_a_reason_and_an_expiry() {
    let err = refused(&exception(&format!("{NAMES}{EXPIRES}")), 3);
    assert!(err.contains("missing field `reason`"), "{err}");
    let err = refused(&exception(&format!("{NAMES}{REASON}")), 3);
    assert!(err.contains("missing field `expires`"), "{err}");
    let err = refused(&exception(&format!("{REASON}{EXPIRES}")), 3);
    assert!(err.contains("missing field `names`"), "{err}");
    let err = refused(&exception(&format!("{NAMES}reason = \"  \"\n{EXPIRES}")), 5);
    assert_eq!(err, "reason is empty: say why the gap is accepted");
    let err = refused(&exception(&format!("names = []\n{REASON}{EXPIRES}")), 4);
    assert_eq!(err, "names is empty; name the accepted events");
}

#[test]
fn an_exception_names_event_names_once_each() {
    let text = exception(&format!(
        "names = [\"CreateVpc\", \"DeleteVpc\", \"CreateVpc\"]\n{REASON}{EXPIRES}"
    ));
    assert_eq!(parsed(&text).exceptions[0].names, ["CreateVpc", "DeleteVpc"]);
    let err = refused(
        &exception(&format!("names = [\"CreateVpc\", \"vpc peering\"]\n{REASON}{EXPIRES}")),
        4,
    );
    assert_eq!(
        err,
        "invalid event name \"vpc peering\": expected a CloudTrail event name such as CreateVpc"
    );
}

#[test]
fn an_exception_is_scoped_by_a_valid_account_and_region() {
    let err = refused(&exception(&format!("account = \"1111\"\n{NAMES}{REASON}{EXPIRES}")), 4);
    assert_eq!(err, "invalid account \"1111\": expected 12 digits");
    let err = refused(&exception(&format!("{NAMES}region = \"eu-west\"\n{REASON}{EXPIRES}")), 5);
    assert_eq!(err, "invalid region \"eu-west\": expected a region code such as eu-west-1");
}

#[test]
fn an_expiry_is_a_real_calendar_day() {
    for (bad, shown) in [
        ("\"2027-02-30\"", "2027-02-30"),
        ("\"31/03/2027\"", "31/03/2027"),
        ("2027-03-31T12:00:00Z", "2027-03-31T12:00:00Z"),
        ("12:00:00", "12:00:00"),
        ("20270331", "integer"),
    ] {
        let err = refused(&exception(&format!("{NAMES}{REASON}expires = {bad}\n")), 6);
        assert_eq!(
            err,
            format!("invalid expires {shown:?}: expected a date YYYY-MM-DD such as 2027-03-31"),
            "{bad}"
        );
    }
    let local = parsed(&exception(&format!("{NAMES}{REASON}expires = 2028-02-29\n")));
    assert_eq!(local.exceptions[0].expires, date("2028-02-29"));
}

#[test]
fn exception_names_must_be_watched_by_the_event_set() {
    let text = exception(&format!("names = [\"CreateVpc\", \"CreateSubnet\"]\n{REASON}{EXPIRES}"));
    let settings = parsed(&text);
    let path = Path::new(PATH);
    assert_eq!(check_names(path, &settings.exceptions, &EventSet::default_set()), Ok(()));
    let err = check_names(path, &settings.exceptions, &EventSet::cis()).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("{PATH}:4: exception names CreateSubnet, which the event set cis does not watch")
    );
}

#[test]
fn a_missing_file_is_named() {
    let err = load(Path::new("/nonexistent/vpcwatch.toml")).unwrap_err().to_string();
    assert!(err.starts_with("/nonexistent/vpcwatch.toml: cannot read it: "), "{err}");
}

//! Stage `pattern`: the pitfalls that make a VPC-change filter miss or over-match, as
//! tests on realistic one-line CloudTrail records.

use super::tests::{invalid, matches, valid};
use super::*;

/// The 30 event names vpcwatch checks by default.
const DEFAULT_NAMES: [&str; 30] = [
    "CreateVpc",
    "DeleteVpc",
    "CreateSubnet",
    "DeleteSubnet",
    "CreateSecurityGroup",
    "DeleteSecurityGroup",
    "AuthorizeSecurityGroupIngress",
    "AuthorizeSecurityGroupEgress",
    "RevokeSecurityGroupIngress",
    "RevokeSecurityGroupEgress",
    "CreateNetworkAcl",
    "DeleteNetworkAcl",
    "CreateNetworkAclEntry",
    "DeleteNetworkAclEntry",
    "ReplaceNetworkAclEntry",
    "CreateRouteTable",
    "DeleteRouteTable",
    "CreateRoute",
    "DeleteRoute",
    "ReplaceRoute",
    "CreateInternetGateway",
    "DeleteInternetGateway",
    "AttachInternetGateway",
    "DetachInternetGateway",
    "CreateVpcPeeringConnection",
    "DeleteVpcPeeringConnection",
    "AcceptVpcPeeringConnection",
    "RejectVpcPeeringConnection",
    "CreateNatGateway",
    "DeleteNatGateway",
];

/// A one-line CloudTrail record for `event_name` called by an identity of `identity_type`.
fn record(event_name: &str, identity_type: &str) -> String {
    format!(
        concat!(
            r#"{{"eventVersion":"1.09","userIdentity":{{"type":"{t}","principalId":"AIDAEXAMPLE","#,
            r#""arn":"arn:aws:iam::123456789012:user/alice","accountId":"123456789012","#,
            r#""accessKeyId":"AKIAEXAMPLE","userName":"alice"}},"eventTime":"2026-09-01T12:00:00Z","#,
            r#""eventSource":"ec2.amazonaws.com","eventName":"{n}","awsRegion":"eu-west-1","#,
            r#""sourceIPAddress":"203.0.113.7","userAgent":"aws-cli/2.15.0","#,
            r#""requestParameters":{{"routeTableId":"rtb-0123456789abcdef0","#,
            r#""destinationCidrBlock":"0.0.0.0/0","gatewayId":"igw-0123456789abcdef0"}},"#,
            r#""responseElements":{{"requestId":"1b2c3d4e","_return":true}},"#,
            r#""requestID":"1b2c3d4e","eventID":"5f6a7b8c","readOnly":false,"#,
            r#""eventType":"AwsApiCall","managementEvent":true,"#,
            r#""recipientAccountId":"123456789012","eventCategory":"Management"}}"#
        ),
        t = identity_type,
        n = event_name
    )
}

fn iam_user(event_name: &str) -> String {
    record(event_name, "IAMUser")
}

#[test]
fn record_is_json_the_reader_accepts() {
    assert!(matches("{ $.eventVersion = \"1.09\" }", &iam_user("CreateVpc")));
    assert!(matches("{ $.responseElements._return IS TRUE }", &iam_user("CreateVpc")));
}

#[test]
fn and_of_two_event_names_matches_nothing() {
    let pattern = "{ $.eventName = CreateVpc && $.eventName = DeleteVpc }";
    for name in DEFAULT_NAMES {
        assert!(!matches(pattern, &iam_user(name)), "{name}");
    }
}

#[test]
fn filter_narrowed_to_root_misses_iam_users() {
    let pattern = "{ $.eventName = CreateVpc && $.userIdentity.type = Root }";
    assert!(!matches(pattern, &iam_user("CreateVpc")));
    assert!(matches(pattern, &record("CreateVpc", "Root")));
}

#[test]
fn json_equality_tells_create_route_from_create_route_table() {
    let pattern = "{ $.eventName = CreateRoute }";
    assert!(matches(pattern, &iam_user("CreateRoute")));
    assert!(!matches(pattern, &iam_user("CreateRouteTable")));
}

#[test]
fn term_create_route_also_matches_create_route_table() {
    assert!(matches("CreateRoute", &iam_user("CreateRouteTable")));
    assert!(matches("CreateRoute", &iam_user("CreateRoute")));
    assert!(matches("\"\\\"CreateRoute\\\"\"", &iam_user("CreateRoute")));
    assert!(!matches("\"\\\"CreateRoute\\\"\"", &iam_user("CreateRouteTable")));
}

#[test]
fn create_wildcard_matches_every_create_call_and_nothing_else() {
    let pattern = "{ $.eventName = Create* }";
    for name in DEFAULT_NAMES {
        assert_eq!(matches(pattern, &iam_user(name)), name.starts_with("Create"), "{name}");
    }
}

#[test]
fn anchored_regex_alternatives_match_exact_names() {
    let pattern = "{ $.eventName = %^CreateVpc$|^DeleteVpc$% }";
    assert!(matches(pattern, &iam_user("CreateVpc")));
    assert!(matches(pattern, &iam_user("DeleteVpc")));
    assert!(!matches(pattern, &iam_user("CreateVpcPeeringConnection")));
    invalid("{ $.eventName = %^(Create|Delete)Vpc$% }");
}

#[test]
fn unquoted_event_source_with_dots_compares_exactly() {
    let pattern = "{ $.eventSource = ec2.amazonaws.com && $.eventName = CreateVpc }";
    assert!(matches(pattern, &iam_user("CreateVpc")));
    assert!(!matches("{ $.eventSource = ec2 }", &iam_user("CreateVpc")));
}

#[test]
fn or_and_precedence_without_parentheses() {
    let pattern =
        "{ $.eventName = CreateVpc || $.eventName = DeleteVpc && $.userIdentity.type = Root }";
    assert!(matches(pattern, &iam_user("CreateVpc")), "A alone satisfies A || (B && C)");
    assert!(!matches(pattern, &iam_user("DeleteVpc")), "B without C does not");
    assert!(matches(pattern, &record("DeleteVpc", "Root")));
}

#[test]
fn compact_thirty_name_pattern_fits_and_covers_every_name() {
    let body: Vec<String> = DEFAULT_NAMES.iter().map(|n| format!("$.eventName={n}")).collect();
    let compact = format!("{{ {} }}", body.join("||"));
    let analysis = analyze(&compact);
    assert_eq!(analysis.length, 992);
    assert!(analysis.is_valid(), "{:?}", analysis.errors);
    let pattern = analysis.pattern.expect("parses");
    for name in DEFAULT_NAMES {
        assert!(pattern.evaluate(&iam_user(name)).is_match(), "{name}");
    }
    assert!(!pattern.evaluate(&iam_user("CreateVpcEndpoint")).is_match());
}

#[test]
fn spaced_thirty_name_pattern_breaks_the_length_limit_but_parses() {
    let body: Vec<String> =
        DEFAULT_NAMES.iter().map(|n| format!("($.eventName = \"{n}\")")).collect();
    let spaced = format!("{{ {} }}", body.join(" || "));
    let analysis = analyze(&spaced);
    assert_eq!(analysis.length, 1230);
    assert!(!analysis.is_valid());
    assert!(analysis.errors[0].message.contains("1024"), "{}", analysis.errors[0].message);
    let pattern = analysis.pattern.expect("still parses, so coverage can be reported");
    assert!(pattern.evaluate(&iam_user("DeleteNatGateway")).is_match());
}

#[test]
fn cis_style_pattern_matches_its_names() {
    let pattern = valid(concat!(
        "{ ($.eventName = CreateVpc) || ($.eventName = DeleteVpc) || ",
        "($.eventName = ModifyVpcAttribute) || ($.eventName = AcceptVpcPeeringConnection) }"
    ));
    assert!(pattern.evaluate(&iam_user("DeleteVpc")).is_match());
    assert_eq!(pattern.evaluate(&iam_user("CreateSubnet")), Outcome::NoMatch);
}

#[test]
fn the_thirty_name_pattern_matches_each_of_its_names() {
    let body: Vec<String> = DEFAULT_NAMES.iter().map(|n| format!("$.eventName={n}")).collect();
    let pattern = valid(&format!("{{ {} }}", body.join("||")));
    let records: Vec<String> = (0..120).map(|i| iam_user(DEFAULT_NAMES[i % 30])).collect();
    let hits = records.iter().filter(|r| pattern.evaluate(r).is_match()).count();
    assert_eq!(hits, 120);
    assert_eq!(pattern.evaluate(&iam_user("CreateVpcEndpoint")), Outcome::NoMatch);
}

#[test]
fn cis_benchmark_patterns_parse() {
    for pattern in [
        r#"{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }"#,
        r#"{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }"#,
        "{($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion))}",
        r#"{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }"#,
        "{ ($.eventName = CreateNetworkAcl) || ($.eventName = CreateNetworkAclEntry) || ($.eventName = DeleteNetworkAcl) || ($.eventName = DeleteNetworkAclEntry) || ($.eventName = ReplaceNetworkAclEntry) || ($.eventName = ReplaceNetworkAclAssociation) }",
    ] {
        valid(pattern);
    }
}

#[test]
fn root_usage_pattern_ignores_service_events() {
    let pattern = r#"{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }"#;
    assert!(matches(pattern, &record("CreateVpc", "Root")));
    assert!(!matches(pattern, &iam_user("CreateVpc")));
}

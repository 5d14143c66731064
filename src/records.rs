//! Stage `records`: synthetic CloudTrail records, one per event name and caller type.
//!
//! Coverage is decided by evaluating a filter pattern on the record a call would leave,
//! so the records are shaped as CloudTrail shapes them (CloudTrail User Guide, "CloudTrail
//! record contents for management events" and "CloudTrail userIdentity element"): the
//! fields in CloudTrail's order, the `userIdentity` of each caller type, and request and
//! response elements that fit each EC2 call. Never an `errorCode`: a failed call changes
//! nothing. Everything is derived from the inputs, so the output is reproducible.

use std::fmt;

use serde::Serialize;
use serde_json::{json, Value};

use crate::events::EventSet;

/// The `eventSource` of every VPC networking call.
pub const EVENT_SOURCE: &str = "ec2.amazonaws.com";

/// Who made a call: the `userIdentity.type` values a VPC change commonly carries. Shown
/// as CloudTrail spells the type (`IAMUser`, `AWSService`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Caller {
    /// An IAM user with long-term access keys (the CLI).
    #[serde(rename = "IAMUser")]
    IamUser,
    /// A role session (Terraform under an assumed role).
    AssumedRole,
    /// The account's root user (the console).
    Root,
    /// An AWS service acting on its own (CloudFormation).
    #[serde(rename = "AWSService")]
    AwsService,
}

impl Caller {
    /// Every caller type, in report order. A name is covered only when a pattern matches
    /// the record of each of them.
    pub const ALL: [Caller; 4] =
        [Caller::IamUser, Caller::AssumedRole, Caller::Root, Caller::AwsService];

    /// The `userIdentity.type` CloudTrail writes.
    pub fn identity_type(self) -> &'static str {
        match self {
            Caller::IamUser => "IAMUser",
            Caller::AssumedRole => "AssumedRole",
            Caller::Root => "Root",
            Caller::AwsService => "AWSService",
        }
    }
}

impl fmt::Display for Caller {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.identity_type())
    }
}

/// The account and region the records are written for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordContext {
    pub account_id: String,
    pub region: String,
}

impl RecordContext {
    pub fn new(account_id: &str, region: &str) -> RecordContext {
        RecordContext { account_id: account_id.into(), region: region.into() }
    }

    /// The documentation example account 123456789012 in us-east-1, for offline use.
    pub fn example() -> RecordContext {
        RecordContext::new("123456789012", "us-east-1")
    }
}

/// The one-line JSON CloudTrail record of a successful `name` call made by `caller`.
/// Names vpcwatch knows (see [`is_known`]) get request and response elements that fit
/// the call; any other name a generic record of an EC2 call on a VPC.
pub fn record(name: &str, caller: Caller, ctx: &RecordContext) -> String {
    let ids = Ids::new(ctx, name, caller);
    let (request, response) = call_elements(name, &ids).unwrap_or_else(|| generic_call(&ids));
    let record = Record {
        event_version: if caller == Caller::AwsService { "1.09" } else { "1.10" },
        user_identity: user_identity(caller, &ids),
        event_time: ids.event_time(),
        event_source: EVENT_SOURCE,
        event_name: name,
        aws_region: &ctx.region,
        source_ip_address: source_ip_address(caller),
        user_agent: user_agent(caller),
        request_parameters: request,
        response_elements: response,
        request_id: ids.request_id.clone(),
        event_id: ids.uuid("event"),
        read_only: false,
        event_type: "AwsApiCall",
        management_event: true,
        recipient_account_id: &ctx.account_id,
        event_category: "Management",
        tls_details: tls_details(caller, ctx),
        session_credential_from_console: (caller == Caller::Root).then_some("true"),
    };
    serde_json::to_string(&record)
        .expect("a record of strings, booleans and JSON values serializes")
}

/// True when `name` has request and response elements of its own (the 41 names of the
/// default and CIS sets); other names get a generic record.
pub fn is_known(name: &str) -> bool {
    let ctx = RecordContext::example();
    let ids = Ids::new(&ctx, name, Caller::IamUser);
    call_elements(name, &ids).is_some()
}

/// The records of every name of an event set for every caller type, built once so that
/// many patterns can be evaluated on them.
#[derive(Debug, Clone)]
pub struct RecordSet {
    entries: Vec<(String, [String; 4])>,
}

impl RecordSet {
    /// Builds the records of `set`'s names, in set order.
    pub fn build(set: &EventSet, ctx: &RecordContext) -> RecordSet {
        let entries = set
            .names()
            .map(|name| (name.to_string(), Caller::ALL.map(|caller| record(name, caller, ctx))))
            .collect();
        RecordSet { entries }
    }

    /// Each name with its records, one per caller of [`Caller::ALL`] in that order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[String; 4])> {
        self.entries.iter().map(|(name, records)| (name.as_str(), records))
    }

    /// The number of names.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there is no name.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// A CloudTrail record, its fields in the order CloudTrail writes them.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Record<'a> {
    event_version: &'static str,
    user_identity: Value,
    event_time: String,
    event_source: &'static str,
    event_name: &'a str,
    aws_region: &'a str,
    #[serde(rename = "sourceIPAddress")]
    source_ip_address: &'static str,
    user_agent: &'static str,
    request_parameters: Value,
    response_elements: Value,
    #[serde(rename = "requestID")]
    request_id: String,
    #[serde(rename = "eventID")]
    event_id: String,
    read_only: bool,
    event_type: &'static str,
    management_event: bool,
    recipient_account_id: &'a str,
    event_category: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    tls_details: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    session_credential_from_console: Option<&'static str>,
}

/// Deterministic identifiers for one record: resource IDs depend on the account only, so
/// that `CreateVpc` and `DeleteVpc` name the same VPC; request and event IDs also on the
/// call and the caller.
struct Ids<'a> {
    ctx: &'a RecordContext,
    call_seed: String,
    request_id: String,
}

impl<'a> Ids<'a> {
    fn new(ctx: &'a RecordContext, name: &str, caller: Caller) -> Ids<'a> {
        let call_seed = format!("{}/{}/{name}/{caller}", ctx.account_id, ctx.region);
        let request_id = uuid(&[&call_seed, "request"]);
        Ids { ctx, call_seed, request_id }
    }

    /// An EC2 resource ID such as `vpc-0c2b5f1e9a7d34e81`: the prefix and 17 hex digits.
    fn id(&self, prefix: &str) -> String {
        self.other_id(prefix, "")
    }

    /// A second resource of the same type, told apart by `which`.
    fn other_id(&self, prefix: &str, which: &str) -> String {
        format!("{prefix}-0{}", hex(&[&self.ctx.account_id, prefix, which], 16))
    }

    /// An EC2 resource ARN.
    fn arn(&self, kind: &str, id: &str) -> String {
        format!("arn:aws:ec2:{}:{}:{kind}/{id}", self.ctx.region, self.ctx.account_id)
    }

    fn uuid(&self, purpose: &str) -> String {
        uuid(&[&self.call_seed, purpose])
    }

    /// A time on a fixed day, spread over the day by call and caller.
    fn event_time(&self) -> String {
        let h = fnv(&[&self.call_seed, "time"]);
        format!("2026-03-14T{:02}:{:02}:{:02}Z", h % 24, (h >> 8) % 60, (h >> 16) % 60)
    }

    /// An IAM unique ID such as `AIDA...`: the prefix and 17 base-32 characters.
    fn unique_id(&self, prefix: &str, which: &str) -> String {
        const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        let mut h = fnv(&[&self.ctx.account_id, prefix, which]);
        let mut out = String::from(prefix);
        for i in 0..17 {
            if i == 12 {
                h = fnv(&[&self.ctx.account_id, prefix, which, "more"]);
            }
            out.push(char::from(ALPHABET[(h & 31) as usize]));
            h >>= 5;
        }
        out
    }

    fn account(&self) -> &str {
        &self.ctx.account_id
    }
}

/// FNV-1a, 64 bits: stable across Rust versions, unlike `DefaultHasher`.
fn fnv(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in part.bytes().chain(std::iter::once(0)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

/// `len` lowercase hex digits derived from `parts`.
fn hex(parts: &[&str], len: usize) -> String {
    let mut out = String::with_capacity(len + 16);
    let mut round = 0u32;
    while out.len() < len {
        let round_text = round.to_string();
        let mut seed = parts.to_vec();
        seed.push(&round_text);
        out.push_str(&format!("{:016x}", fnv(&seed)));
        round += 1;
    }
    out.truncate(len);
    out
}

/// A version-4-shaped UUID derived from `parts`.
fn uuid(parts: &[&str]) -> String {
    let h = hex(parts, 32);
    format!("{}-{}-4{}-8{}-{}", &h[0..8], &h[8..12], &h[13..16], &h[17..20], &h[20..32])
}

fn user_identity(caller: Caller, ids: &Ids) -> Value {
    let account = ids.account();
    let creation_date = "2026-03-14T00:00:00Z";
    match caller {
        Caller::IamUser => json!({
            "type": "IAMUser",
            "principalId": ids.unique_id("AIDA", "alice"),
            "arn": format!("arn:aws:iam::{account}:user/alice"),
            "accountId": account,
            "accessKeyId": ids.unique_id("AKIA", "alice")[..20].to_string(),
            "userName": "alice",
        }),
        Caller::AssumedRole => {
            let role_id = ids.unique_id("AROA", "NetworkAdmin");
            json!({
                "type": "AssumedRole",
                "principalId": format!("{role_id}:terraform"),
                "arn": format!("arn:aws:sts::{account}:assumed-role/NetworkAdmin/terraform"),
                "accountId": account,
                "accessKeyId": ids.unique_id("ASIA", "terraform")[..20].to_string(),
                "sessionContext": {
                    "sessionIssuer": {
                        "type": "Role",
                        "principalId": role_id,
                        "arn": format!("arn:aws:iam::{account}:role/NetworkAdmin"),
                        "accountId": account,
                        "userName": "NetworkAdmin",
                    },
                    "webIdFederationData": {},
                    "attributes": { "creationDate": creation_date, "mfaAuthenticated": "false" },
                },
            })
        }
        Caller::Root => json!({
            "type": "Root",
            "principalId": account,
            "arn": format!("arn:aws:iam::{account}:root"),
            "accountId": account,
            "accessKeyId": ids.unique_id("ASIA", "root")[..20].to_string(),
            "sessionContext": {
                "sessionIssuer": {},
                "webIdFederationData": {},
                "attributes": { "creationDate": creation_date, "mfaAuthenticated": "true" },
            },
        }),
        // A service acting on its own carries no principal, only the service's name.
        Caller::AwsService => json!({
            "type": "AWSService",
            "invokedBy": "cloudformation.amazonaws.com",
        }),
    }
}

fn source_ip_address(caller: Caller) -> &'static str {
    match caller {
        Caller::IamUser => "198.51.100.23",
        Caller::AssumedRole => "203.0.113.45",
        Caller::Root => "192.0.2.10",
        Caller::AwsService => "cloudformation.amazonaws.com",
    }
}

fn user_agent(caller: Caller) -> &'static str {
    match caller {
        Caller::IamUser => {
            "aws-cli/2.17.20 md/awscrt#0.20.11 ua/2.0 os/linux#6.5.0 md/arch#x86_64 \
             lang/python#3.11.9 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe \
             md/prompt#off"
        }
        Caller::AssumedRole => {
            "APN/1.0 HashiCorp/1.0 Terraform/1.9.5 (+https://www.terraform.io) \
             terraform-provider-aws/5.62.0 (+https://registry.terraform.io/providers/hashicorp/aws) \
             aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5 md/GOOS#linux md/GOARCH#amd64"
        }
        Caller::Root => "AWS Internal",
        Caller::AwsService => "cloudformation.amazonaws.com",
    }
}

/// Calls over the network carry TLS details; a service's internal call does not.
fn tls_details(caller: Caller, ctx: &RecordContext) -> Option<Value> {
    (caller != Caller::AwsService).then(|| {
        json!({
            "tlsVersion": "TLSv1.3",
            "cipherSuite": "TLS_AES_128_GCM_SHA256",
            "clientProvidedHostHeader": format!("ec2.{}.amazonaws.com", ctx.region),
        })
    })
}

/// `requestParameters` and `responseElements` of a known call.
fn call_elements(name: &str, ids: &Ids) -> Option<(Value, Value)> {
    vpc_call(name, ids)
        .or_else(|| subnet_call(name, ids))
        .or_else(|| security_group_call(name, ids))
        .or_else(|| network_acl_call(name, ids))
        .or_else(|| route_table_call(name, ids))
        .or_else(|| gateway_call(name, ids))
        .or_else(|| peering_call(name, ids))
        .or_else(|| nat_gateway_call(name, ids))
        .or_else(|| classic_link_call(name, ids))
}

/// The response of most EC2 mutations: the request ID and `true`.
fn returned_true(ids: &Ids) -> Value {
    json!({ "requestId": ids.request_id, "_return": true })
}

fn vpc_call(name: &str, ids: &Ids) -> Option<(Value, Value)> {
    let vpc_id = ids.id("vpc");
    let elements = match name {
        "CreateVpc" => (
            json!({ "cidrBlock": "10.0.0.0/16", "instanceTenancy": "default",
                    "amazonProvidedIpv6CidrBlock": false }),
            json!({ "requestId": ids.request_id, "vpc": {
                "vpcId": vpc_id, "state": "pending", "ownerId": ids.account(),
                "cidrBlock": "10.0.0.0/16",
                "cidrBlockAssociationSet": { "items": [{
                    "cidrBlock": "10.0.0.0/16", "associationId": ids.id("vpc-cidr-assoc"),
                    "cidrBlockState": { "state": "associated" } }] },
                "ipv6CidrBlockAssociationSet": {}, "dhcpOptionsId": ids.id("dopt"),
                "instanceTenancy": "default", "tagSet": {}, "isDefault": false } }),
        ),
        "DeleteVpc" => (json!({ "vpcId": vpc_id }), returned_true(ids)),
        "ModifyVpcAttribute" => (
            json!({ "vpcId": vpc_id, "enableDnsHostnames": { "value": true } }),
            returned_true(ids),
        ),
        _ => return None,
    };
    Some(elements)
}

fn subnet_call(name: &str, ids: &Ids) -> Option<(Value, Value)> {
    let subnet_id = ids.id("subnet");
    let elements = match name {
        "CreateSubnet" => (
            json!({ "vpcId": ids.id("vpc"), "cidrBlock": "10.0.1.0/24",
                    "availabilityZone": format!("{}a", ids.ctx.region) }),
            json!({ "requestId": ids.request_id, "subnet": {
                "subnetId": subnet_id, "subnetArn": ids.arn("subnet", &subnet_id),
                "state": "pending", "vpcId": ids.id("vpc"), "cidrBlock": "10.0.1.0/24",
                "ipv6CidrBlockAssociationSet": {}, "availableIpAddressCount": 251,
                "availabilityZone": format!("{}a", ids.ctx.region), "ownerId": ids.account(),
                "defaultForAz": false, "mapPublicIpOnLaunch": false,
                "assignIpv6AddressOnCreation": false } }),
        ),
        "DeleteSubnet" => (json!({ "subnetId": subnet_id }), returned_true(ids)),
        _ => return None,
    };
    Some(elements)
}

fn security_group_call(name: &str, ids: &Ids) -> Option<(Value, Value)> {
    let group_id = ids.id("sg");
    let rule_id = ids.id("sgr");
    let elements = match name {
        "CreateSecurityGroup" => (
            json!({ "groupName": "web", "groupDescription": "web servers",
                    "vpcId": ids.id("vpc") }),
            json!({ "requestId": ids.request_id, "_return": true, "groupId": group_id,
                    "securityGroupArn": ids.arn("security-group", &group_id) }),
        ),
        "DeleteSecurityGroup" => (
            json!({ "groupId": group_id }),
            json!({ "requestId": ids.request_id, "_return": true, "groupId": group_id }),
        ),
        "AuthorizeSecurityGroupIngress" | "AuthorizeSecurityGroupEgress" => {
            let egress = name.ends_with("Egress");
            let (port, cidr) = if egress { (5432, "10.0.0.0/16") } else { (443, "0.0.0.0/0") };
            (
                json!({ "groupId": group_id, "ipPermissions": { "items": [{
                    "ipProtocol": "tcp", "fromPort": port, "toPort": port, "groups": {},
                    "ipRanges": { "items": [{ "cidrIp": cidr }] }, "ipv6Ranges": {},
                    "prefixListIds": {} }] } }),
                json!({ "requestId": ids.request_id, "_return": true,
                    "securityGroupRuleSet": { "items": [{
                        "groupOwnerId": ids.account(), "groupId": group_id,
                        "securityGroupRuleId": rule_id, "isEgress": egress,
                        "ipProtocol": "tcp", "fromPort": port, "toPort": port,
                        "cidrIpv4": cidr }] } }),
            )
        }
        "RevokeSecurityGroupIngress" | "RevokeSecurityGroupEgress" => (
            json!({ "groupId": group_id,
                    "securityGroupRuleIds": { "items": [{ "securityGroupRuleId": rule_id }] } }),
            returned_true(ids),
        ),
        // Newer EC2 calls are logged in the wrapped, capitalised form of the Query API.
        "ModifySecurityGroupRules" => (
            json!({ "ModifySecurityGroupRulesRequest": {
                "GroupId": group_id,
                "SecurityGroupRule": { "SecurityGroupRuleId": rule_id, "tag": 1,
                    "SecurityGroupRule": { "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
                        "CidrIpv4": "10.0.0.0/16" } } } }),
            json!({ "ModifySecurityGroupRulesResponse": {
                "xmlns": "http://ec2.amazonaws.com/doc/2016-11-15/",
                "requestId": ids.request_id, "return": true } }),
        ),
        _ => return None,
    };
    Some(elements)
}

fn network_acl_call(name: &str, ids: &Ids) -> Option<(Value, Value)> {
    let acl_id = ids.id("acl");
    let entry = |action: &str| {
        json!({ "networkAclId": acl_id, "ruleNumber": 100, "egress": false,
                "ruleAction": action, "icmpTypeCode": {}, "portRange": { "from": 22, "to": 22 },
                "aclProtocol": "6", "cidrBlock": "0.0.0.0/0" })
    };
    let elements = match name {
        "CreateNetworkAcl" => (
            json!({ "vpcId": ids.id("vpc") }),
            json!({ "requestId": ids.request_id, "networkAcl": {
                "networkAclId": acl_id, "vpcId": ids.id("vpc"), "default": false,
                "entrySet": { "items": [
                    { "ruleNumber": 32767, "protocol": "-1", "ruleAction": "deny",
                      "egress": true, "cidrBlock": "0.0.0.0/0" },
                    { "ruleNumber": 32767, "protocol": "-1", "ruleAction": "deny",
                      "egress": false, "cidrBlock": "0.0.0.0/0" }] },
                "associationSet": {}, "tagSet": {}, "ownerId": ids.account() } }),
        ),
        "DeleteNetworkAcl" => (json!({ "networkAclId": acl_id }), returned_true(ids)),
        "CreateNetworkAclEntry" => (entry("allow"), returned_true(ids)),
        "ReplaceNetworkAclEntry" => (entry("deny"), returned_true(ids)),
        "DeleteNetworkAclEntry" => (
            json!({ "networkAclId": acl_id, "ruleNumber": 100, "egress": false }),
            returned_true(ids),
        ),
        "ReplaceNetworkAclAssociation" => (
            json!({ "associationId": ids.id("aclassoc"), "networkAclId": acl_id }),
            json!({ "requestId": ids.request_id, "newAssociationId": ids.other_id("aclassoc", "new") }),
        ),
        _ => return None,
    };
    Some(elements)
}

fn route_table_call(name: &str, ids: &Ids) -> Option<(Value, Value)> {
    let table_id = ids.id("rtb");
    let elements = match name {
        // CloudTrail really writes the route's origin, which repeats the call's name.
        "CreateRouteTable" => (
            json!({ "vpcId": ids.id("vpc") }),
            json!({ "requestId": ids.request_id, "routeTable": {
                "routeTableId": table_id, "vpcId": ids.id("vpc"),
                "routeSet": { "items": [{ "destinationCidrBlock": "10.0.0.0/16",
                    "gatewayId": "local", "state": "active", "origin": "CreateRouteTable" }] },
                "associationSet": {}, "propagatingVgwSet": {}, "tagSet": {},
                "ownerId": ids.account() } }),
        ),
        "DeleteRouteTable" => (json!({ "routeTableId": table_id }), returned_true(ids)),
        "CreateRoute" => (
            json!({ "routeTableId": table_id, "destinationCidrBlock": "0.0.0.0/0",
                    "gatewayId": ids.id("igw") }),
            returned_true(ids),
        ),
        "ReplaceRoute" => (
            json!({ "routeTableId": table_id, "destinationCidrBlock": "0.0.0.0/0",
                    "natGatewayId": ids.id("nat") }),
            returned_true(ids),
        ),
        "DeleteRoute" => (
            json!({ "routeTableId": table_id, "destinationCidrBlock": "0.0.0.0/0" }),
            returned_true(ids),
        ),
        "ReplaceRouteTableAssociation" => (
            json!({ "associationId": ids.id("rtbassoc"), "routeTableId": table_id }),
            json!({ "requestId": ids.request_id, "newAssociationId": ids.other_id("rtbassoc", "new"),
                    "associationState": { "state": "associated" } }),
        ),
        "DisassociateRouteTable" => {
            (json!({ "associationId": ids.id("rtbassoc") }), returned_true(ids))
        }
        _ => return None,
    };
    Some(elements)
}

fn gateway_call(name: &str, ids: &Ids) -> Option<(Value, Value)> {
    let igw_id = ids.id("igw");
    let cgw_id = ids.id("cgw");
    let elements = match name {
        "CreateInternetGateway" => (
            json!({}),
            json!({ "requestId": ids.request_id, "internetGateway": {
                "internetGatewayId": igw_id, "ownerId": ids.account(),
                "attachmentSet": {}, "tagSet": {} } }),
        ),
        "DeleteInternetGateway" => (json!({ "internetGatewayId": igw_id }), returned_true(ids)),
        "AttachInternetGateway" | "DetachInternetGateway" => {
            (json!({ "internetGatewayId": igw_id, "vpcId": ids.id("vpc") }), returned_true(ids))
        }
        "CreateCustomerGateway" => (
            json!({ "type": "ipsec.1", "ipAddress": "203.0.113.12", "bgpAsn": 65000 }),
            json!({ "requestId": ids.request_id, "customerGateway": {
                "customerGatewayId": cgw_id, "state": "available", "type": "ipsec.1",
                "ipAddress": "203.0.113.12", "bgpAsn": "65000", "tagSet": {} } }),
        ),
        "DeleteCustomerGateway" => (json!({ "customerGatewayId": cgw_id }), returned_true(ids)),
        _ => return None,
    };
    Some(elements)
}

fn peering_call(name: &str, ids: &Ids) -> Option<(Value, Value)> {
    let pcx_id = ids.id("pcx");
    let connection = |status: &str, message: &str| {
        json!({ "requestId": ids.request_id, "vpcPeeringConnection": {
            "vpcPeeringConnectionId": pcx_id,
            "requesterVpcInfo": { "ownerId": ids.account(), "vpcId": ids.id("vpc"),
                                  "cidrBlock": "10.0.0.0/16", "region": ids.ctx.region },
            "accepterVpcInfo": { "ownerId": ids.account(), "vpcId": ids.other_id("vpc", "peer"),
                                 "region": ids.ctx.region },
            "status": { "code": status, "message": message }, "tagSet": {} } })
    };
    let elements = match name {
        "CreateVpcPeeringConnection" => (
            json!({ "vpcId": ids.id("vpc"), "peerVpcId": ids.other_id("vpc", "peer"),
                    "peerOwnerId": ids.account() }),
            connection("initiating-request", &format!("Initiating Request to {}", ids.account())),
        ),
        "AcceptVpcPeeringConnection" => (
            json!({ "vpcPeeringConnectionId": pcx_id }),
            connection("provisioning", "Provisioning"),
        ),
        "RejectVpcPeeringConnection" | "DeleteVpcPeeringConnection" => {
            (json!({ "vpcPeeringConnectionId": pcx_id }), returned_true(ids))
        }
        _ => return None,
    };
    Some(elements)
}

fn nat_gateway_call(name: &str, ids: &Ids) -> Option<(Value, Value)> {
    let nat_id = ids.id("nat");
    let xmlns = "http://ec2.amazonaws.com/doc/2016-11-15/";
    let elements = match name {
        "CreateNatGateway" => (
            json!({ "CreateNatGatewayRequest": {
                "SubnetId": ids.id("subnet"), "AllocationId": ids.id("eipalloc"),
                "ConnectivityType": "public", "ClientToken": ids.uuid("client-token") } }),
            json!({ "CreateNatGatewayResponse": {
                "xmlns": xmlns, "requestId": ids.request_id,
                "clientToken": ids.uuid("client-token"),
                "natGateway": { "natGatewayId": nat_id, "subnetId": ids.id("subnet"),
                    "vpcId": ids.id("vpc"), "state": "pending", "connectivityType": "public",
                    "createTime": "2026-03-14T00:00:00.000Z",
                    "natGatewayAddressSet": { "item": { "allocationId": ids.id("eipalloc"),
                        "isPrimary": true, "status": "associating" } } } } }),
        ),
        "DeleteNatGateway" => (
            json!({ "DeleteNatGatewayRequest": { "NatGatewayId": nat_id } }),
            json!({ "DeleteNatGatewayResponse": {
                "xmlns": xmlns, "requestId": ids.request_id, "natGatewayId": nat_id } }),
        ),
        _ => return None,
    };
    Some(elements)
}

fn classic_link_call(name: &str, ids: &Ids) -> Option<(Value, Value)> {
    let vpc_id = ids.id("vpc");
    let elements = match name {
        "AttachClassicLinkVpc" => (
            json!({ "instanceId": ids.id("i"), "vpcId": vpc_id,
                    "groupSet": { "items": [{ "groupId": ids.id("sg") }] } }),
            returned_true(ids),
        ),
        "DetachClassicLinkVpc" => {
            (json!({ "instanceId": ids.id("i"), "vpcId": vpc_id }), returned_true(ids))
        }
        "EnableVpcClassicLink" | "DisableVpcClassicLink" => {
            (json!({ "vpcId": vpc_id }), returned_true(ids))
        }
        _ => return None,
    };
    Some(elements)
}

/// An unknown name: a call on a VPC that succeeded, as most EC2 mutations log.
fn generic_call(ids: &Ids) -> (Value, Value) {
    (json!({ "vpcId": ids.id("vpc") }), returned_true(ids))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_known() -> Vec<String> {
        let default = EventSet::default_set();
        let cis = EventSet::cis();
        let mut names: Vec<String> =
            default.names().chain(cis.names()).map(str::to_string).collect();
        names.sort();
        names.dedup();
        names
    }

    fn parsed(name: &str, caller: Caller) -> Value {
        let text = record(name, caller, &RecordContext::example());
        assert!(!text.contains('\n'), "one line: {text}");
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name} {caller}: {e}: {text}"))
    }

    #[test]
    fn the_default_and_cis_sets_have_41_known_names() {
        let names = all_known();
        assert_eq!(names.len(), 41);
        for name in &names {
            assert!(is_known(name), "{name}");
        }
        assert!(!is_known("CreateVpcEndpoint"));
    }

    #[test]
    fn every_record_parses_and_has_the_cloudtrail_fields() {
        let mut names = all_known();
        names.push("CreateVpcEndpoint".into());
        for name in &names {
            for caller in Caller::ALL {
                let r = parsed(name, caller);
                for field in [
                    "eventVersion",
                    "userIdentity",
                    "eventTime",
                    "awsRegion",
                    "sourceIPAddress",
                    "userAgent",
                    "requestParameters",
                    "responseElements",
                    "requestID",
                    "eventID",
                ] {
                    assert!(r.get(field).is_some(), "{name} {caller}: no {field}");
                }
                assert_eq!(r["eventName"], name.as_str());
                assert_eq!(r["eventSource"], "ec2.amazonaws.com");
                assert_eq!(r["awsRegion"], "us-east-1");
                assert_eq!(r["recipientAccountId"], "123456789012");
                assert_eq!(r["readOnly"], false);
                assert_eq!(r["eventType"], "AwsApiCall");
                assert_eq!(r["managementEvent"], true);
                assert_eq!(r["eventCategory"], "Management");
                assert_eq!(r["userIdentity"]["type"], caller.identity_type());
                assert!(r.get("errorCode").is_none() && r.get("errorMessage").is_none());
                assert!(matches!(r["eventVersion"].as_str(), Some("1.09" | "1.10")));
            }
        }
    }

    #[test]
    fn fields_come_in_cloudtrail_order() {
        let text = record("CreateVpc", Caller::IamUser, &RecordContext::example());
        assert!(text.starts_with(r#"{"eventVersion":"1.10","userIdentity":{"#), "{text}");
        let at = |field: &str| text.find(&format!("\"{field}\":")).unwrap();
        assert!(at("eventTime") < at("eventSource") && at("eventSource") < at("eventName"));
        assert!(at("requestParameters") < at("responseElements"));
        assert!(at("eventID") < at("recipientAccountId"));
    }

    #[test]
    fn caller_shapes_differ_as_cloudtrail_writes_them() {
        let user = parsed("CreateVpc", Caller::IamUser)["userIdentity"].clone();
        assert_eq!(user["userName"], "alice");
        assert!(user["accessKeyId"].as_str().unwrap().starts_with("AKIA"));
        assert!(user["principalId"].as_str().unwrap().starts_with("AIDA"));

        let role = parsed("CreateVpc", Caller::AssumedRole)["userIdentity"].clone();
        assert_eq!(role["sessionContext"]["sessionIssuer"]["type"], "Role");
        assert!(role["arn"].as_str().unwrap().contains(":assumed-role/NetworkAdmin/"));

        let root = parsed("CreateVpc", Caller::Root);
        assert_eq!(root["userIdentity"]["arn"], "arn:aws:iam::123456789012:root");
        assert!(root["userIdentity"].get("invokedBy").is_none());

        let service = parsed("CreateVpc", Caller::AwsService);
        assert_eq!(service["userIdentity"]["invokedBy"], "cloudformation.amazonaws.com");
        assert!(service["userIdentity"].get("arn").is_none());
        assert_eq!(service["sourceIPAddress"], "cloudformation.amazonaws.com");
    }

    #[test]
    fn calls_carry_fitting_elements() {
        let create = parsed("CreateVpc", Caller::IamUser);
        assert_eq!(create["requestParameters"]["cidrBlock"], "10.0.0.0/16");
        let vpc_id = create["responseElements"]["vpc"]["vpcId"].as_str().unwrap().to_string();
        assert!(vpc_id.starts_with("vpc-") && vpc_id.len() == 21, "{vpc_id}");
        let delete = parsed("DeleteVpc", Caller::Root);
        assert_eq!(delete["requestParameters"]["vpcId"], vpc_id.as_str());
        assert_eq!(create["responseElements"]["requestId"], create["requestID"]);

        let nat = parsed("CreateNatGateway", Caller::AssumedRole);
        let nat_id =
            &nat["responseElements"]["CreateNatGatewayResponse"]["natGateway"]["natGatewayId"];
        assert!(nat_id.as_str().unwrap().starts_with("nat-"));
    }

    #[test]
    fn records_are_reproducible_and_ids_unique() {
        let ctx = RecordContext::example();
        assert_eq!(
            record("CreateRoute", Caller::Root, &ctx),
            record("CreateRoute", Caller::Root, &ctx)
        );
        let mut event_ids = std::collections::HashSet::new();
        for name in all_known() {
            for caller in Caller::ALL {
                let id = parsed(&name, caller)["eventID"].as_str().unwrap().to_string();
                assert_eq!(id.len(), 36);
                assert!(event_ids.insert(id), "{name} {caller}");
            }
        }
    }

    /// A term pattern searches the whole record text, so a record must not mention
    /// another watched call unless its own name contains it (CreateRouteTable and
    /// CreateRoute).
    #[test]
    fn a_record_mentions_no_other_call() {
        let names = all_known();
        for name in &names {
            for caller in Caller::ALL {
                let text = record(name, caller, &RecordContext::example());
                for other in names.iter().filter(|o| !name.contains(o.as_str())) {
                    assert!(!text.contains(other.as_str()), "{name} {caller} mentions {other}");
                }
            }
        }
    }

    #[test]
    fn record_set_holds_every_name_for_every_caller_in_order() {
        let set = RecordSet::build(&EventSet::default_set(), &RecordContext::example());
        assert_eq!(set.len(), 30);
        let (name, records) = set.iter().next().unwrap();
        assert_eq!(name, "CreateVpc");
        for (caller, text) in Caller::ALL.iter().zip(records) {
            assert!(text.contains(&format!("\"type\":\"{caller}\"")), "{text}");
        }
    }
}

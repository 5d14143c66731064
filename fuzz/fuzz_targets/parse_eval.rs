//! Fuzz target: analyzes arbitrary text as a filter pattern and evaluates whatever parses
//! on a fixed CloudTrail record and on the text itself. Nothing may panic, and a parsed
//! pattern must print to a text that parses back to an equal pattern.

#![no_main]

use libfuzzer_sys::fuzz_target;
use vpcwatch::pattern::analyze;

/// A one-line CloudTrail record for a VPC change.
const RECORD: &str = concat!(
    r#"{"eventVersion":"1.09","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::123456789012:user/alice"},"#,
    r#""eventSource":"ec2.amazonaws.com","eventName":"CreateRoute","awsRegion":"eu-west-1","#,
    r#""requestParameters":{"routeTableId":"rtb-0123","destinationCidrBlock":"0.0.0.0/0"},"#,
    r#""responseElements":{"_return":true},"readOnly":false,"n":1.0,"z":null,"a":[1,null]}"#
);

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let analysis = analyze(text);
    let Some(pattern) = analysis.pattern else {
        assert!(!analysis.errors.is_empty());
        return;
    };
    let _ = pattern.evaluate(RECORD);
    let _ = pattern.evaluate(text);
    let printed = pattern.to_string();
    assert_eq!(analyze(&printed).pattern.as_ref(), Some(&pattern), "printed as {printed:?}");
});

//! Regions: the regions enabled for the account, read with EC2 `DescribeRegions`.
//!
//! One signed EC2 Query API call sent through the SDK's own orchestrator (as aws-config
//! does for IMDS), so `--all-regions` costs no `aws-sdk-ec2`, which takes minutes to
//! compile for this one operation. The call takes everything else from the run's
//! `SdkConfig`: credentials and their cache, HTTP client and TLS, retries, timeouts and
//! endpoint, as the generated clients do.
//!
//! `account:ListRegions` would say the same; the EC2 call is used because the test
//! emulator implements it.

use aws_config::SdkConfig;
use aws_runtime::auth::sigv4::{SigV4AuthScheme, SCHEME_ID};
use aws_runtime::auth::SigV4OperationSigningConfig;
use aws_runtime::retries::classifiers::AwsErrorCodeClassifier;
use aws_smithy_runtime::client::orchestrator::operation::Operation;
use aws_smithy_runtime::client::retries::classifiers::{
    HttpStatusCodeClassifier, TransientErrorClassifier,
};
use aws_smithy_runtime::client::retries::RetryPartition;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::auth::static_resolver::StaticAuthSchemeOptionResolver;
use aws_smithy_runtime_api::client::auth::AuthSchemeOptionResolverParams;
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse, OrchestratorError};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponentsBuilder;
use aws_smithy_runtime_api::client::runtime_plugin::StaticRuntimePlugin;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::config_bag::Layer;
use aws_smithy_types::error::ErrorMetadata;
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;
use aws_smithy_xml::decode::{try_data, Document, ScopedDecoder, XmlDecodeError};
use aws_types::region::{Region, SigningRegion};
use aws_types::service_config::ServiceConfigKey;
use aws_types::SigningName;

use crate::aws::read_error;
use crate::inventory::Read;

use super::Aws;

/// The IAM action, which is also how errors name the call.
const OPERATION: &str = "ec2:DescribeRegions";
/// What errors say was being read.
const RESOURCE: &str = "the enabled regions";
/// The whole request: EC2's Query protocol at its only API version. Without `AllRegions`
/// EC2 lists the enabled regions only; the opt-in status is checked anyway.
const REQUEST_BODY: &str = "Action=DescribeRegions&Version=2016-11-15";

/// The regions enabled for the account (opt-in status `opt-in-not-required` or
/// `opted-in`), sorted, read with ec2:DescribeRegions in `region`.
pub async fn enabled(aws: &Aws, region: &str) -> Read<Vec<String>> {
    aws.record(OPERATION, region);
    let reply = describe_regions(&aws.config, region).invoke(()).await;
    let regions = reply.map_err(|e| read_error(&e, OPERATION, RESOURCE, region))?;
    Ok(enabled_names(regions))
}

/// One entry of `DescribeRegions`' `regionInfo`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct RegionInfo {
    name: String,
    /// `opt-in-not-required`, `opted-in` or `not-opted-in`.
    opt_in_status: Option<String>,
}

impl RegionInfo {
    /// A region listed without a status is enabled: EC2 lists only enabled regions unless
    /// asked for all of them.
    fn is_enabled(&self) -> bool {
        matches!(self.opt_in_status.as_deref(), None | Some("opt-in-not-required" | "opted-in"))
    }
}

fn enabled_names(regions: Vec<RegionInfo>) -> Vec<String> {
    let mut names: Vec<String> = regions
        .into_iter()
        .filter(|r| r.is_enabled() && !r.name.is_empty())
        .map(|r| r.name)
        .collect();
    names.sort();
    names.dedup();
    names
}

type DescribeRegions = Operation<(), Vec<RegionInfo>, ErrorMetadata>;

/// The operation, configured as a generated EC2 client would be from `config`.
fn describe_regions(config: &SdkConfig, region: &str) -> DescribeRegions {
    let retry = config.retry_config().cloned().unwrap_or_else(RetryConfig::standard);
    let timeouts = config.timeout_config().cloned().unwrap_or_else(TimeoutConfig::disabled);
    let mut builder = Operation::builder()
        .service_name("ec2")
        .operation_name("DescribeRegions")
        .endpoint_url(&endpoint(config, region))
        .standard_retry(&retry)
        .timeout_config(timeouts)
        .retry_classifier(AwsErrorCodeClassifier::<ErrorMetadata>::new())
        .retry_classifier(TransientErrorClassifier::<ErrorMetadata>::new())
        .retry_classifier(HttpStatusCodeClassifier::default())
        .with_connection_poisoning()
        .runtime_plugin(signed_with_sdk_config(config, region));
    if let Some(version) = config.behavior_version() {
        builder = builder.behavior_version(version);
    }
    builder.serializer(|()| request()).deserializer(response).build()
}

/// The endpoint a generated client would use: `--endpoint-url` given to the loader, then
/// `AWS_ENDPOINT_URL_EC2` or the profile's `ec2` services section, then `AWS_ENDPOINT_URL`,
/// then EC2's regional endpoint.
fn endpoint(config: &SdkConfig, region: &str) -> String {
    let explicit = config.get_origin("endpoint_url").is_client_config();
    let for_ec2 = config.service_config().filter(|_| !explicit).and_then(|services| {
        let key = ServiceConfigKey::builder()
            .service_id("EC2")
            .env("AWS_ENDPOINT_URL")
            .profile("endpoint_url")
            .build()
            .expect("every field is set");
        services.load_config(key)
    });
    for_ec2
        .or_else(|| config.endpoint_url().map(str::to_string))
        .unwrap_or_else(|| regional_endpoint(region))
}

/// EC2's endpoint in `region`, in the China partition's domain for `cn-` regions.
/// <https://docs.aws.amazon.com/general/latest/gr/ec2-service.html>
fn regional_endpoint(region: &str) -> String {
    let domain = if region.starts_with("cn-") { "amazonaws.com.cn" } else { "amazonaws.com" };
    format!("https://ec2.{region}.{domain}")
}

/// SigV4 for service `ec2` in `region`, with the configuration's credentials (session
/// token included), their cache, HTTP client, sleep and clock; and the retry partition a
/// generated EC2 client would use, so adaptive retries slow down this region's EC2 calls
/// only.
fn signed_with_sdk_config(config: &SdkConfig, region: &str) -> StaticRuntimePlugin {
    let mut layer = Layer::new("vpcwatch_ec2_describe_regions");
    layer.store_put(RetryPartition::new(format!("ec2-{region}")));
    layer.store_put(AuthSchemeOptionResolverParams::new(()));
    layer.store_put(SigV4OperationSigningConfig {
        region: Some(SigningRegion::from(Region::new(region.to_string()))),
        name: Some(SigningName::from_static("ec2")),
        ..SigV4OperationSigningConfig::default()
    });

    let mut components = RuntimeComponentsBuilder::new("vpcwatch_ec2_describe_regions")
        .with_auth_scheme(SigV4AuthScheme::new())
        .with_auth_scheme_option_resolver(Some(StaticAuthSchemeOptionResolver::new(vec![
            SCHEME_ID,
        ])))
        .with_identity_cache(config.identity_cache())
        .with_http_client(config.http_client())
        .with_sleep_impl(config.sleep_impl())
        .with_time_source(config.time_source());
    if let Some(credentials) = config.credentials_provider() {
        components.set_identity_resolver(SCHEME_ID, credentials);
    }
    StaticRuntimePlugin::new().with_config(layer.freeze()).with_runtime_components(components)
}

/// `POST /` with the form body; the endpoint resolver supplies scheme and host.
fn request() -> Result<HttpRequest, BoxError> {
    let mut request = HttpRequest::new(SdkBody::from(REQUEST_BODY));
    request.set_method("POST")?;
    let headers = request.headers_mut();
    headers.insert("content-type", "application/x-www-form-urlencoded");
    headers.insert("content-length", REQUEST_BODY.len().to_string());
    Ok(request)
}

/// The regions of a success; the service's code and message otherwise, which the retry
/// classifiers and [`read_error`] read.
fn response(response: &HttpResponse) -> Result<Vec<RegionInfo>, OrchestratorError<ErrorMetadata>> {
    let body = response.body().bytes().unwrap_or_default();
    let status = response.status();
    if !status.is_success() {
        return Err(OrchestratorError::operation(error_metadata(status.as_u16(), body)));
    }
    parse_regions(body).map_err(|e| OrchestratorError::response(e.into()))
}

/// Parses `<DescribeRegionsResponse><regionInfo><item>…</item></regionInfo>`.
fn parse_regions(body: &[u8]) -> Result<Vec<RegionInfo>, XmlDecodeError> {
    let mut document = Document::try_from(body)?;
    let mut root = document.root_element()?;
    if !root.start_el().matches("DescribeRegionsResponse") {
        let found = root.start_el().local().to_string();
        return Err(XmlDecodeError::custom(format!(
            "expected DescribeRegionsResponse, got {found}"
        )));
    }
    let mut regions = Vec::new();
    while let Some(mut tag) = root.next_tag() {
        if tag.start_el().matches("regionInfo") {
            while let Some(mut item) = tag.next_tag() {
                if item.start_el().matches("item") {
                    regions.push(region_info(&mut item)?);
                }
            }
        }
    }
    Ok(regions)
}

fn region_info(item: &mut ScopedDecoder<'_, '_>) -> Result<RegionInfo, XmlDecodeError> {
    let mut region = RegionInfo::default();
    while let Some(mut field) = item.next_tag() {
        match field.start_el().local() {
            "regionName" => region.name = try_data(&mut field)?.trim().to_string(),
            "optInStatus" => region.opt_in_status = Some(try_data(&mut field)?.trim().to_string()),
            _ => {}
        }
    }
    Ok(region)
}

/// The code and message of an error reply, or just its HTTP status when the body is not
/// EC2's error document.
fn error_metadata(status: u16, body: &[u8]) -> ErrorMetadata {
    match parse_error(body) {
        Ok(Some(metadata)) => metadata,
        _ => ErrorMetadata::builder().message(format!("HTTP status {status}")).build(),
    }
}

/// Parses the first error of `<Response><Errors><Error><Code>…`, EC2's error document
/// (moto's root is `ErrorResponse`; only the root's children are looked at).
/// <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html>
fn parse_error(body: &[u8]) -> Result<Option<ErrorMetadata>, XmlDecodeError> {
    let mut document = Document::try_from(body)?;
    let mut root = document.root_element()?;
    while let Some(mut tag) = root.next_tag() {
        if tag.start_el().matches("Errors") {
            while let Some(mut error) = tag.next_tag() {
                if error.start_el().matches("Error") {
                    return first_error(&mut error).map(Some);
                }
            }
        }
    }
    Ok(None)
}

fn first_error(error: &mut ScopedDecoder<'_, '_>) -> Result<ErrorMetadata, XmlDecodeError> {
    let mut metadata = ErrorMetadata::builder();
    while let Some(mut field) = error.next_tag() {
        match field.start_el().local() {
            "Code" => metadata = metadata.code(try_data(&mut field)?.trim()),
            "Message" => metadata = metadata.message(try_data(&mut field)?.trim()),
            _ => {}
        }
    }
    Ok(metadata.build())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region(name: &str, status: Option<&str>) -> RegionInfo {
        RegionInfo { name: name.into(), opt_in_status: status.map(str::to_string) }
    }

    #[test]
    fn a_success_reply_gives_every_region_with_its_status() {
        let body = br#"<?xml version="1.0" encoding="UTF-8"?>
<DescribeRegionsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
   <requestId>59dbff89-35bd-4eac-99ed-be587EXAMPLE</requestId>
   <regionInfo>
      <item>
         <regionName>us-east-1</regionName>
         <regionEndpoint>ec2.us-east-1.amazonaws.com</regionEndpoint>
         <optInStatus>opt-in-not-required</optInStatus>
      </item>
      <item>
         <optInStatus>opted-in</optInStatus>
         <regionName>af-south-1</regionName>
      </item>
      <item>
         <regionName>ap-east-1</regionName>
         <optInStatus>not-opted-in</optInStatus>
      </item>
   </regionInfo>
</DescribeRegionsResponse>"#;
        let regions = parse_regions(body).expect("a valid reply");
        assert_eq!(
            regions,
            vec![
                region("us-east-1", Some("opt-in-not-required")),
                region("af-south-1", Some("opted-in")),
                region("ap-east-1", Some("not-opted-in")),
            ]
        );
    }

    #[test]
    fn an_empty_region_list_is_no_region() {
        let body = b"<DescribeRegionsResponse><regionInfo/></DescribeRegionsResponse>";
        assert_eq!(parse_regions(body).expect("a valid reply"), vec![]);
    }

    #[test]
    fn escaped_text_is_unescaped() {
        let body = b"<DescribeRegionsResponse><regionInfo><item>\
            <regionName>x&amp;y</regionName></item></regionInfo></DescribeRegionsResponse>";
        assert_eq!(parse_regions(body).expect("a valid reply"), vec![region("x&y", None)]);
    }

    #[test]
    fn an_error_document_is_not_a_region_list() {
        let body = b"<Response><Errors><Error><Code>UnauthorizedOperation</Code>\
            </Error></Errors></Response>";
        assert!(parse_regions(body).is_err());
        assert!(parse_regions(b"not xml").is_err());
    }

    #[test]
    fn only_enabled_regions_are_kept_sorted_and_once() {
        let regions = vec![
            region("us-west-2", Some("opt-in-not-required")),
            region("ap-east-1", Some("not-opted-in")),
            region("af-south-1", Some("opted-in")),
            region("eu-west-1", None),
            region("us-west-2", Some("opt-in-not-required")),
            region("", Some("opted-in")),
        ];
        assert_eq!(enabled_names(regions), vec!["af-south-1", "eu-west-1", "us-west-2"]);
    }

    #[test]
    fn ec2_error_documents_give_code_and_message() {
        let body = br#"<?xml version="1.0" encoding="UTF-8"?>
<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>You are not authorized to perform this operation.</Message></Error></Errors><RequestID>ea966190-f9aa-478e-9ede-example</RequestID></Response>"#;
        let metadata = error_metadata(403, body);
        assert_eq!(metadata.code(), Some("UnauthorizedOperation"));
        assert_eq!(metadata.message(), Some("You are not authorized to perform this operation."));
    }

    #[test]
    fn moto_error_documents_give_code_and_message() {
        let body = b"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<ErrorResponse><Errors><Error>\
            <Code>AuthFailure</Code><Message>AWS was not able to validate the provided access \
            credentials</Message><Type>Sender</Type></Error></Errors></ErrorResponse>";
        let metadata = error_metadata(401, body);
        assert_eq!(metadata.code(), Some("AuthFailure"));
    }

    #[test]
    fn other_error_bodies_give_the_http_status() {
        for body in [&b"<html>503 Service Unavailable</html>"[..], b"", b"<Response/>"] {
            let metadata = error_metadata(503, body);
            assert_eq!(metadata.code(), None);
            assert_eq!(metadata.message(), Some("HTTP status 503"));
        }
    }

    #[test]
    fn regional_endpoints_follow_the_partition() {
        assert_eq!(regional_endpoint("eu-west-1"), "https://ec2.eu-west-1.amazonaws.com");
        assert_eq!(regional_endpoint("cn-north-1"), "https://ec2.cn-north-1.amazonaws.com.cn");
        assert_eq!(regional_endpoint("us-gov-west-1"), "https://ec2.us-gov-west-1.amazonaws.com");
    }
}

/// The call on the wire, against a scripted server on loopback: what is sent and signed,
/// and how the run's retry and timeout settings apply.
#[cfg(test)]
mod wire_tests {
    use std::io::{BufRead, BufReader, Read as _, Write as _};
    use std::net::{TcpListener, TcpStream};
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};

    use aws_config::BehaviorVersion;
    use aws_credential_types::Credentials;

    use super::*;
    use crate::inventory::ErrorKind;

    const REGIONS: &str = "<DescribeRegionsResponse><regionInfo>\
        <item><regionName>us-west-2</regionName>\
        <optInStatus>opt-in-not-required</optInStatus></item>\
        <item><regionName>ap-east-1</regionName><optInStatus>not-opted-in</optInStatus></item>\
        <item><regionName>af-south-1</regionName><optInStatus>opted-in</optInStatus></item>\
        </regionInfo></DescribeRegionsResponse>";
    const THROTTLED: &str = "<Response><Errors><Error><Code>RequestLimitExceeded</Code>\
        <Message>Request limit exceeded.</Message></Error></Errors></Response>";
    const DENIED: &str = "<Response><Errors><Error><Code>UnauthorizedOperation</Code>\
        <Message>You are not authorized to perform this operation.</Message></Error></Errors>\
        </Response>";

    /// A loopback server that answers the n-th request with the n-th reply (`None`: never
    /// answers) and keeps every request's head and body.
    struct Script {
        url: String,
        requests: Arc<Mutex<Vec<String>>>,
    }

    fn serve(replies: Vec<Option<(u16, &'static str)>>) -> Script {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&requests);
        std::thread::spawn(move || {
            let mut silent = Vec::new();
            for (reply, stream) in replies.into_iter().zip(listener.incoming()) {
                let mut stream = stream.expect("accept");
                seen.lock().unwrap().push(read_request(&mut stream));
                match reply {
                    Some((status, body)) => answer(&mut stream, status, body),
                    None => silent.push(stream),
                }
            }
            std::thread::sleep(Duration::from_secs(30)); // keeps silent connections open
        });
        Script { url, requests }
    }

    fn read_request(stream: &mut TcpStream) -> String {
        let mut reader = BufReader::new(stream);
        let mut text = String::new();
        let mut length = 0;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).expect("read a header line");
            if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = value.trim().parse().expect("a length");
            }
            text.push_str(&line);
            if line == "\r\n" || line.is_empty() {
                break;
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).expect("read the body");
        text + &String::from_utf8_lossy(&body)
    }

    fn answer(stream: &mut TcpStream, status: u16, body: &str) {
        let head = format!(
            "HTTP/1.1 {status} X\r\ncontent-type: text/xml\r\ncontent-length: {}\r\n\
             connection: close\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).and_then(|_| stream.write_all(body.as_bytes())).ok();
    }

    /// The run's configuration as `aws::load` builds it, aimed at `url`, with session
    /// credentials and short backoffs (adaptive retries would wait up to 20 s).
    async fn config(url: &str, max_attempts: u32, attempt_timeout: Duration) -> SdkConfig {
        let credentials = Credentials::new(
            "AKIDEXAMPLE",
            "secret",
            Some("the-session-token".into()),
            None,
            "test",
        );
        let retry = RetryConfig::adaptive()
            .with_max_attempts(max_attempts)
            .with_initial_backoff(Duration::from_millis(1))
            .with_max_backoff(Duration::from_millis(50));
        aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new("us-west-2"))
            .endpoint_url(url)
            .credentials_provider(credentials)
            .retry_config(retry)
            .timeout_config(
                TimeoutConfig::builder().operation_attempt_timeout(attempt_timeout).build(),
            )
            .load()
            .await
    }

    /// Each test reads in its own region: adaptive retries slow down a whole region's
    /// calls after throttling, in every client of the process.
    async fn enabled_via(script: &Script, max_attempts: u32, region: &str) -> Read<Vec<String>> {
        let config = config(&script.url, max_attempts, Duration::from_secs(10)).await;
        enabled(&Aws::new(config), region).await
    }

    #[tokio::test]
    async fn the_call_is_a_signed_query_api_post_with_the_session_token() {
        let script = serve(vec![Some((200, REGIONS))]);
        let regions = enabled_via(&script, 1, "us-west-2").await.expect("regions");
        assert_eq!(regions, vec!["af-south-1", "us-west-2"]);

        let requests = script.requests.lock().unwrap();
        let request = requests[0].to_ascii_lowercase();
        assert!(request.starts_with("post / http/1.1\r\n"), "{request}");
        assert!(request.contains("content-type: application/x-www-form-urlencoded"), "{request}");
        assert!(
            request.ends_with("\r\n\r\naction=describeregions&version=2016-11-15"),
            "{request}"
        );
        assert!(request.contains("x-amz-security-token: the-session-token"), "{request}");
        let authorization = request.lines().find(|l| l.starts_with("authorization:")).unwrap();
        assert!(authorization.contains("aws4-hmac-sha256 credential=akidexample/"), "{request}");
        assert!(authorization.contains("/us-west-2/ec2/aws4_request"), "{request}");
    }

    #[tokio::test]
    async fn throttling_is_retried_up_to_the_max_attempts() {
        let script =
            serve(vec![Some((503, THROTTLED)), Some((503, THROTTLED)), Some((200, REGIONS))]);
        assert_eq!(enabled_via(&script, 3, "eu-west-1").await.expect("regions").len(), 2);
        assert_eq!(script.requests.lock().unwrap().len(), 3);

        let script =
            serve(vec![Some((503, THROTTLED)), Some((503, THROTTLED)), Some((200, REGIONS))]);
        let err = enabled_via(&script, 2, "eu-west-2").await.expect_err("throttled twice");
        assert_eq!(err.kind, ErrorKind::Throttled);
        assert_eq!(script.requests.lock().unwrap().len(), 2);
    }

    #[tokio::test]
    async fn a_denial_names_the_action_to_allow() {
        let script = serve(vec![Some((403, DENIED))]);
        let err = enabled_via(&script, 3, "eu-north-1").await.expect_err("denied");
        assert_eq!(
            err.to_string(),
            "ec2:DescribeRegions for the enabled regions in eu-north-1: access denied \
             (allow ec2:DescribeRegions)"
        );
        assert_eq!(script.requests.lock().unwrap().len(), 1, "a denial is not retried");
    }

    #[tokio::test]
    async fn each_attempt_is_bounded_by_the_timeout() {
        let script = serve(vec![None, None]);
        let config = config(&script.url, 2, Duration::from_millis(300)).await;
        let started = Instant::now();
        let err = enabled(&Aws::new(config), "ap-south-1").await.expect_err("no answer");
        assert_eq!(err.kind, ErrorKind::Timeout, "{err}");
        assert_eq!(script.requests.lock().unwrap().len(), 2, "a timeout is retried");
        assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    }
}

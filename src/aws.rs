//! Stage `aws`: the one SDK configuration of a run, and the classification of SDK errors
//! into the few kinds a user can act on.

use std::borrow::Cow;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::error::CredentialsError;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::config::AwsSettings;
use crate::inventory::{ErrorKind, ReadError};

/// The SDK's own default connect timeout; a shorter `--timeout` lowers it too.
const CONNECT_TIMEOUT: Duration = Duration::from_millis(3100);

/// Loads the SDK configuration once: the standard credential and region chains, narrowed
/// by `--profile`, `--region` and `--endpoint-url`, with adaptive retries for throttling
/// (`--max-attempts`) and a time limit on each attempt (`--timeout`).
pub async fn load(settings: &AwsSettings) -> anyhow::Result<SdkConfig> {
    if let Some(profile) = &settings.profile {
        ensure_profile_exists(profile).await?;
    }
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(RetryConfig::adaptive().with_max_attempts(settings.max_attempts))
        .timeout_config(timeouts(settings.attempt_timeout));
    if let Some(profile) = &settings.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(region) = &settings.region {
        loader = loader.region(Region::new(region.clone()));
    }
    if let Some(url) = &settings.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    let config = loader.load().await;
    if config.region().is_none() {
        anyhow::bail!("no region: pass --region, set AWS_REGION, or set a region in the profile");
    }
    Ok(config)
}

/// Each attempt is bounded, not the whole operation: retries then get a fresh budget, and
/// the run's length stays at most attempts times timeout per call.
fn timeouts(attempt: Duration) -> TimeoutConfig {
    TimeoutConfig::builder()
        .operation_attempt_timeout(attempt)
        .connect_timeout(attempt.min(CONNECT_TIMEOUT))
        .build()
}

/// The SDK would only fail on the first call, with a vaguer message.
async fn ensure_profile_exists(profile: &str) -> anyhow::Result<()> {
    use aws_runtime::env_config::file::EnvConfigFiles;
    use aws_types::os_shim_internal::{Env, Fs};

    let files = EnvConfigFiles::default();
    let set = aws_config::profile::load(
        &Fs::real(),
        &Env::real(),
        &files,
        Some(Cow::Owned(profile.into())),
    )
    .await
    .map_err(|err| anyhow::anyhow!("read the AWS config and credentials files: {err}"))?;
    if set.get_profile(profile).is_none() {
        let known: Vec<&str> = set.profiles().collect();
        anyhow::bail!(
            "unknown profile {profile:?}: it is in neither {} nor {} (profiles found: {}); \
             name one of those, or add it with `aws configure --profile {profile}`",
            profile_file("AWS_CONFIG_FILE", "~/.aws/config"),
            profile_file("AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials"),
            if known.is_empty() { "none".to_string() } else { known.join(", ") }
        );
    }
    Ok(())
}

/// Where the SDK reads a profile file: the variable's path when it is set, else `default`.
fn profile_file(variable: &str, default: &str) -> String {
    match std::env::var_os(variable).filter(|v| !v.is_empty()) {
        Some(path) => std::path::PathBuf::from(path).display().to_string(),
        None => default.to_string(),
    }
}

/// The region a configuration resolved to.
pub fn region(config: &SdkConfig) -> String {
    config.region().map(|r| r.to_string()).unwrap_or_default()
}

/// Counts AWS calls, so a run can say how many it made.
#[derive(Debug, Clone, Default)]
pub struct CallCounter(Arc<AtomicUsize>);

impl CallCounter {
    /// Records one call and logs it at debug level.
    pub fn record(&self, operation: &str, region: &str) {
        self.0.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(operation, region, "aws call");
    }

    /// Calls made so far.
    pub fn total(&self) -> usize {
        self.0.load(Ordering::Relaxed)
    }
}

/// Classifies an SDK error by its type, error code and HTTP status; never by its text.
pub fn read_error<E>(
    err: &SdkError<E, HttpResponse>,
    operation: &str,
    resource: impl Into<String>,
    region: &str,
) -> ReadError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    ReadError {
        operation: operation.to_string(),
        resource: resource.into(),
        region: region.to_string(),
        kind: classify(err),
        detail: detail(err),
    }
}

fn classify<E>(err: &SdkError<E, HttpResponse>) -> ErrorKind
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    if has_source::<CredentialsError>(err) {
        return ErrorKind::NoCredentials;
    }
    match err {
        SdkError::TimeoutError(_) => ErrorKind::Timeout,
        SdkError::DispatchFailure(failure) if failure.is_timeout() => ErrorKind::Timeout,
        // The endpoint took the connection, then dropped it or sent half an answer: it was
        // reached, so this is not "unreachable". The detail says what happened.
        SdkError::DispatchFailure(failure) if failure.is_other() || is_connection_lost(err) => {
            ErrorKind::Other
        }
        SdkError::DispatchFailure(failure) if failure.is_io() => ErrorKind::Unreachable,
        SdkError::DispatchFailure(_) => ErrorKind::Unreachable,
        _ => classify_response(err.code(), err.raw_response().map(|r| r.status().as_u16())),
    }
}

/// Error codes as the services spell them; the HTTP status covers services (and
/// emulators) that answer with a bare status.
fn classify_response(code: Option<&str>, status: Option<u16>) -> ErrorKind {
    match (code.unwrap_or(""), status) {
        (
            "UnrecognizedClientException"
            | "InvalidClientTokenId"
            | "SignatureDoesNotMatch"
            | "ExpiredToken"
            | "ExpiredTokenException"
            | "InvalidSignatureException"
            | "AuthFailure",
            _,
        ) => ErrorKind::InvalidCredentials,
        (
            "AccessDenied"
            | "AccessDeniedException"
            | "UnauthorizedOperation"
            | "AuthorizationError"
            | "AuthorizationErrorException"
            | "403",
            _,
        )
        | (_, Some(403)) => ErrorKind::AccessDenied,
        (
            "Throttling"
            | "ThrottlingException"
            | "TooManyRequestsException"
            | "RequestLimitExceeded"
            | "LimitExceededException",
            _,
        )
        | (_, Some(429)) => ErrorKind::Throttled,
        (
            "ResourceNotFoundException"
            | "NotFound"
            | "NotFoundException"
            | "TrailNotFoundException"
            | "CloudTrailARNInvalidException",
            _,
        )
        | (_, Some(404)) => ErrorKind::NotFound,
        _ => ErrorKind::Other,
    }
}

/// True when an I/O error in the chain says an open connection was reset, aborted or
/// closed early; a refused connection or a failed name lookup is not one.
fn is_connection_lost(err: &(dyn std::error::Error + 'static)) -> bool {
    use std::io::ErrorKind as Io;
    let mut current = Some(err);
    while let Some(e) = current {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            return matches!(
                io.kind(),
                Io::ConnectionReset | Io::ConnectionAborted | Io::BrokenPipe | Io::UnexpectedEof
            );
        }
        current = e.source();
    }
    false
}

fn has_source<T: std::error::Error + 'static>(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(err);
    while let Some(e) = current {
        if e.is::<T>() {
            return true;
        }
        current = e.source();
    }
    false
}

/// The service's own code and message, or the innermost cause.
fn detail<E>(err: &SdkError<E, HttpResponse>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match (err.code(), err.message()) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.to_string(),
        (None, Some(message)) => message.to_string(),
        (None, None) => innermost(err),
    }
}

fn innermost(err: &(dyn std::error::Error + 'static)) -> String {
    let mut current = err;
    while let Some(next) = current.source() {
        current = next;
    }
    current.to_string()
}

/// A one-line message for a read that stops the whole audit (no credentials, endpoint
/// unreachable), saying what to do.
pub fn fatal_message(err: &ReadError) -> Option<String> {
    let advice = match err.kind {
        ErrorKind::NoCredentials => {
            "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, \
             pass --profile, or run `aws sso login`"
        }
        ErrorKind::InvalidCredentials => {
            "the AWS credentials were rejected: refresh or replace them"
        }
        ErrorKind::Unreachable => {
            "the AWS endpoint is not reachable: check the network or --endpoint-url"
        }
        _ => return None,
    };
    Some(format!("{advice} ({} in {}: {})", err.operation, err.region, err.detail))
}

#[cfg(test)]
mod tests {
    use aws_smithy_runtime_api::client::result::ConnectorError;

    use super::*;

    #[test]
    fn denials_are_classified_by_code_or_status() {
        assert_eq!(
            classify_response(Some("AccessDeniedException"), Some(400)),
            ErrorKind::AccessDenied
        );
        assert_eq!(
            classify_response(Some("AuthorizationError"), Some(403)),
            ErrorKind::AccessDenied
        );
        assert_eq!(classify_response(Some("403"), None), ErrorKind::AccessDenied);
        assert_eq!(classify_response(None, Some(403)), ErrorKind::AccessDenied);
    }

    #[test]
    fn throttling_and_not_found_are_recognised() {
        assert_eq!(classify_response(Some("ThrottlingException"), Some(400)), ErrorKind::Throttled);
        assert_eq!(classify_response(Some("Throttling"), Some(400)), ErrorKind::Throttled);
        assert_eq!(classify_response(None, Some(429)), ErrorKind::Throttled);
        assert_eq!(classify_response(Some("NotFound"), Some(404)), ErrorKind::NotFound);
        assert_eq!(
            classify_response(Some("ResourceNotFoundException"), Some(400)),
            ErrorKind::NotFound
        );
    }

    #[test]
    fn rejected_credentials_are_not_access_denied() {
        assert_eq!(
            classify_response(Some("InvalidClientTokenId"), Some(403)),
            ErrorKind::InvalidCredentials
        );
        // EC2's spelling, with HTTP 401.
        assert_eq!(
            classify_response(Some("AuthFailure"), Some(401)),
            ErrorKind::InvalidCredentials
        );
    }

    fn dispatch(connector: ConnectorError) -> ErrorKind {
        type Sts = aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityError;
        let err: SdkError<Sts, HttpResponse> = SdkError::dispatch_failure(connector);
        read_error(&err, "sts:GetCallerIdentity", "the caller identity", "us-east-1").kind
    }

    fn io(kind: std::io::ErrorKind) -> ConnectorError {
        ConnectorError::io(Box::new(std::io::Error::from(kind)))
    }

    #[test]
    fn a_refused_connection_is_unreachable() {
        assert_eq!(dispatch(io(std::io::ErrorKind::ConnectionRefused)), ErrorKind::Unreachable);
    }

    #[test]
    fn a_connection_dropped_after_it_was_made_is_not_unreachable() {
        for kind in [std::io::ErrorKind::ConnectionReset, std::io::ErrorKind::UnexpectedEof] {
            assert_eq!(dispatch(io(kind)), ErrorKind::Other, "{kind:?}");
        }
        let incomplete =
            ConnectorError::other("connection closed before message completed".into(), None);
        assert_eq!(dispatch(incomplete), ErrorKind::Other);
    }

    #[test]
    fn unknown_codes_are_other() {
        assert_eq!(classify_response(Some("InternalFailure"), Some(500)), ErrorKind::Other);
    }
}

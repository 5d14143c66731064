//! Stage `config_file`: `vpcwatch.toml`, the options a team runs `check` with every day
//! and the gaps it accepts, read with the `toml` crate into the settings of `config`.
//! Every problem is one line naming the file, the line and what is wrong, found before
//! any AWS call. Which settings the flags override is decided in `cli`; whether an
//! exception names a watched event waits for the event set ([`check_names`]).

use std::collections::{BTreeSet, HashSet};
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::config::{
    is_account_id, is_external_id, is_region, is_role_name, AccountChoice, EventsChoice, Exception,
    RegionChoice, ReportFormat, CONCURRENCY_RANGE,
};
use crate::date::Date;
use crate::events::{is_event_name, EventSet};
use crate::term;

/// The file `check` reads from the working directory unless `--config` or `--no-config`
/// says otherwise.
pub const FILE_NAME: &str = "vpcwatch.toml";

/// What a configuration file sets. `None` leaves a setting to the flags and their
/// defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileSettings {
    pub events: Option<EventsChoice>,
    /// [`RegionChoice::Listed`] or [`RegionChoice::AllEnabled`].
    pub regions: Option<RegionChoice>,
    /// [`AccountChoice::Listed`] or [`AccountChoice::Organization`].
    pub accounts: Option<AccountChoice>,
    pub role_name: Option<String>,
    pub external_id: Option<String>,
    pub format: Option<ReportFormat>,
    pub concurrency: Option<usize>,
    pub exceptions: Vec<Exception>,
}

/// A configuration file that cannot be used, as one line: `FILE:LINE: problem`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}{}: {problem}", line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct ConfigError {
    file: String,
    line: Option<usize>,
    problem: String,
}

/// The `vpcwatch.toml` of the working directory, if there is one.
pub fn in_working_directory() -> Option<PathBuf> {
    let path = PathBuf::from(FILE_NAME);
    path.exists().then_some(path)
}

/// Reads the file at `path` and checks everything that can be checked without the event
/// set.
pub fn load(path: &Path) -> Result<FileSettings, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|err| ConfigError {
        file: shown(path),
        line: None,
        problem: format!("cannot read it: {err}"),
    })?;
    parse(path, &text)
}

/// Parses `text`, the content of the file at `path` (relative event files are found
/// beside it).
pub fn parse(path: &Path, text: &str) -> Result<FileSettings, ConfigError> {
    let source = Source { path, text };
    let raw: RawFile = toml::from_str(text).map_err(|err| source.toml_error(&err))?;
    source.settings(raw)
}

/// Checks that every name of every exception is watched by `events`: an exception for a
/// name the run does not judge could never apply, and is most likely a typo.
pub fn check_names(
    path: &Path,
    exceptions: &[Exception],
    events: &EventSet,
) -> Result<(), ConfigError> {
    let watched: HashSet<&str> = events.names().collect();
    for exception in exceptions {
        if let Some(name) = exception.names.iter().find(|n| !watched.contains(n.as_str())) {
            return Err(ConfigError {
                file: shown(path),
                line: Some(exception.line),
                problem: format!(
                    "exception names {name}, which the event set {} does not watch",
                    term::escape(&events.name)
                ),
            });
        }
    }
    Ok(())
}

/// The file as written. Every key is optional; any other key is an error.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    events: Option<Spanned<toml::Value>>,
    regions: Option<Spanned<Vec<Spanned<String>>>>,
    all_regions: Option<Spanned<bool>>,
    accounts: Option<Spanned<Vec<Spanned<String>>>>,
    org: Option<Spanned<bool>>,
    role_name: Option<Spanned<String>>,
    external_id: Option<Spanned<String>>,
    format: Option<Spanned<String>>,
    concurrency: Option<Spanned<i64>>,
    #[serde(default)]
    exceptions: Vec<RawException>,
}

/// One `[[exceptions]]` table as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawException {
    account: Option<Spanned<String>>,
    region: Option<Spanned<String>>,
    names: Spanned<Vec<Spanned<String>>>,
    reason: Spanned<String>,
    /// A string `"2027-03-31"` or a TOML local date `2027-03-31`.
    expires: Spanned<toml::Value>,
}

/// The file being read: where errors point.
struct Source<'a> {
    path: &'a Path,
    text: &'a str,
}

impl Source<'_> {
    fn error(&self, span: Range<usize>, problem: String) -> ConfigError {
        ConfigError { file: shown(self.path), line: Some(self.line(span.start)), problem }
    }

    /// A syntax or type error from the `toml` crate, on one line.
    fn toml_error(&self, err: &toml::de::Error) -> ConfigError {
        let problem: Vec<&str> =
            err.message().lines().map(str::trim).filter(|l| !l.is_empty()).collect();
        ConfigError {
            file: shown(self.path),
            line: err.span().map(|span| self.line(span.start)),
            problem: term::escape(&problem.join("; ")),
        }
    }

    /// The 1-based line of a byte offset.
    fn line(&self, offset: usize) -> usize {
        let before = &self.text.as_bytes()[..offset.min(self.text.len())];
        before.iter().filter(|&&b| b == b'\n').count() + 1
    }

    fn settings(&self, raw: RawFile) -> Result<FileSettings, ConfigError> {
        let accounts = self.accounts(raw.accounts, raw.org)?;
        for (key, value) in [("role_name", &raw.role_name), ("external_id", &raw.external_id)] {
            if let (Some(value), None) = (value, &accounts) {
                let problem = format!("{key} applies to other accounts: set accounts or org too");
                return Err(self.error(value.span(), problem));
            }
        }
        Ok(FileSettings {
            events: raw.events.map(|v| self.events(v)).transpose()?,
            regions: self.regions(raw.regions, raw.all_regions)?,
            accounts,
            role_name: raw.role_name.map(|v| self.role_name(v)).transpose()?,
            external_id: raw.external_id.map(|v| self.external_id(v)).transpose()?,
            format: raw.format.map(|v| self.format(v)).transpose()?,
            concurrency: raw.concurrency.map(|v| self.concurrency(v)).transpose()?,
            exceptions: self.exceptions(raw.exceptions)?,
        })
    }

    fn exceptions(&self, raw: Vec<RawException>) -> Result<Vec<Exception>, ConfigError> {
        raw.into_iter().map(|e| self.exception(e)).collect()
    }

    /// `"default,cis"` or `["default", "cis"]`; a file of names is found beside this one.
    fn events(&self, value: Spanned<toml::Value>) -> Result<EventsChoice, ConfigError> {
        let span = value.span();
        let parts: Vec<String> = match value.into_inner() {
            toml::Value::String(text) => text.split(',').map(|p| p.trim().to_string()).collect(),
            toml::Value::Array(items) => items
                .into_iter()
                .map(|item| match item {
                    toml::Value::String(text) => Ok(text.trim().to_string()),
                    other => Err(self.events_type(span.clone(), &other)),
                })
                .collect::<Result<_, _>>()?,
            other => return Err(self.events_type(span, &other)),
        };
        let parts: Vec<EventsChoice> =
            parts.iter().filter(|p| !p.is_empty()).map(|p| self.beside(p)).collect();
        match parts.len() {
            0 => Err(self.error(span, "events names no event set".into())),
            1 => Ok(parts.into_iter().next().expect("one part")),
            _ => Ok(EventsChoice::Union(parts)),
        }
    }

    fn events_type(&self, span: Range<usize>, found: &toml::Value) -> ConfigError {
        let problem = format!(
            "events: expected a string such as \"default,cis\" or an array of strings, found {}",
            found.type_str()
        );
        self.error(span, problem)
    }

    /// One event set; the path of a file of names is taken relative to this file.
    fn beside(&self, part: &str) -> EventsChoice {
        match EventsChoice::parse(part) {
            EventsChoice::File(path) if path.is_relative() => {
                let dir = self.path.parent().unwrap_or(Path::new(""));
                EventsChoice::File(dir.join(path))
            }
            choice => choice,
        }
    }

    fn regions(
        &self,
        list: Option<Spanned<Vec<Spanned<String>>>>,
        all: Option<Spanned<bool>>,
    ) -> Result<Option<RegionChoice>, ConfigError> {
        let all = all.filter(|a| *a.get_ref());
        match (list, all) {
            (Some(_), Some(all)) => Err(self.error(
                all.span(),
                "all_regions = true and regions exclude each other; keep one".into(),
            )),
            (Some(list), None) => Ok(Some(RegionChoice::Listed(self.region_list(list)?))),
            (None, Some(_)) => Ok(Some(RegionChoice::AllEnabled)),
            (None, None) => Ok(None),
        }
    }

    /// Each region once, in the order written.
    fn region_list(&self, list: Spanned<Vec<Spanned<String>>>) -> Result<Vec<String>, ConfigError> {
        if list.get_ref().is_empty() {
            return Err(self.error(list.span(), "regions is empty; name at least one".into()));
        }
        let mut regions: Vec<String> = Vec::new();
        for region in list.into_inner() {
            let region =
                self.checked(region, is_region, "region", "a region code such as eu-west-1")?;
            if !regions.contains(&region) {
                regions.push(region);
            }
        }
        Ok(regions)
    }

    fn accounts(
        &self,
        list: Option<Spanned<Vec<Spanned<String>>>>,
        org: Option<Spanned<bool>>,
    ) -> Result<Option<AccountChoice>, ConfigError> {
        let org = org.filter(|o| *o.get_ref());
        match (list, org) {
            (Some(_), Some(org)) => Err(self
                .error(org.span(), "org = true and accounts exclude each other; keep one".into())),
            (Some(list), None) => Ok(Some(AccountChoice::Listed(self.account_list(list)?))),
            (None, Some(_)) => Ok(Some(AccountChoice::Organization)),
            (None, None) => Ok(None),
        }
    }

    /// Sorted, each once, as `--accounts` gives them.
    fn account_list(
        &self,
        list: Spanned<Vec<Spanned<String>>>,
    ) -> Result<Vec<String>, ConfigError> {
        if list.get_ref().is_empty() {
            return Err(self.error(list.span(), "accounts is empty; name at least one".into()));
        }
        let mut accounts = BTreeSet::new();
        for account in list.into_inner() {
            accounts.insert(self.checked(account, is_account_id, "account", "12 digits")?);
        }
        Ok(accounts.into_iter().collect())
    }

    fn role_name(&self, value: Spanned<String>) -> Result<String, ConfigError> {
        let expected = "an IAM role name such as OrganizationAccountAccessRole";
        self.checked(value, is_role_name, "role_name", expected)
    }

    /// The value is not repeated in the message: it is half a secret.
    fn external_id(&self, value: Spanned<String>) -> Result<String, ConfigError> {
        if is_external_id(value.get_ref()) {
            return Ok(value.into_inner());
        }
        let problem = "invalid external_id: expected 2 to 1,224 letters, digits or +=,.@:/_-";
        Err(self.error(value.span(), problem.into()))
    }

    fn format(&self, value: Spanned<String>) -> Result<ReportFormat, ConfigError> {
        let format = match value.get_ref().as_str() {
            "text" => ReportFormat::Text,
            "json" => ReportFormat::Json,
            "sarif" => ReportFormat::Sarif,
            "junit" => ReportFormat::Junit,
            "markdown" => ReportFormat::Markdown,
            "jsonl" => ReportFormat::Jsonl,
            other => {
                let problem = format!(
                    "invalid format {other:?}: expected text, json, sarif, junit, markdown or jsonl"
                );
                return Err(self.error(value.span(), problem));
            }
        };
        Ok(format)
    }

    fn concurrency(&self, value: Spanned<i64>) -> Result<usize, ConfigError> {
        let n = *value.get_ref();
        if CONCURRENCY_RANGE.contains(&n) {
            return Ok(n as usize);
        }
        let (low, high) = (CONCURRENCY_RANGE.start(), CONCURRENCY_RANGE.end());
        Err(self.error(value.span(), format!("invalid concurrency {n}: expected {low} to {high}")))
    }

    fn exception(&self, raw: RawException) -> Result<Exception, ConfigError> {
        let account = raw.account.map(|a| self.checked(a, is_account_id, "account", "12 digits"));
        let region = raw
            .region
            .map(|r| self.checked(r, is_region, "region", "a region code such as eu-west-1"));
        let line = self.line(raw.names.span().start);
        Ok(Exception {
            account: account.transpose()?,
            region: region.transpose()?,
            names: self.names(raw.names)?,
            reason: self.reason(raw.reason)?,
            expires: self.expires(raw.expires)?,
            line,
        })
    }

    /// Event names, each once, in the order written.
    fn names(&self, list: Spanned<Vec<Spanned<String>>>) -> Result<Vec<String>, ConfigError> {
        if list.get_ref().is_empty() {
            return Err(self.error(list.span(), "names is empty; name the accepted events".into()));
        }
        let mut names: Vec<String> = Vec::new();
        for name in list.into_inner() {
            let expected = "a CloudTrail event name such as CreateVpc";
            let name = self.checked(name, is_event_name, "event name", expected)?;
            if !names.contains(&name) {
                names.push(name);
            }
        }
        Ok(names)
    }

    fn reason(&self, reason: Spanned<String>) -> Result<String, ConfigError> {
        if reason.get_ref().trim().is_empty() {
            let problem = "reason is empty: say why the gap is accepted".into();
            return Err(self.error(reason.span(), problem));
        }
        Ok(reason.into_inner().trim().to_string())
    }

    /// `"2027-03-31"`, or the same as a TOML local date without quotes.
    fn expires(&self, value: Spanned<toml::Value>) -> Result<Date, ConfigError> {
        let span = value.span();
        let date = match value.into_inner() {
            toml::Value::String(text) => Date::parse(&text).ok_or(text),
            toml::Value::Datetime(when) => match (when.date, when.time, when.offset) {
                (Some(d), None, None) => {
                    Date::new(i32::from(d.year), d.month, d.day).ok_or(when.to_string())
                }
                _ => Err(when.to_string()),
            },
            other => Err(other.type_str().to_string()),
        };
        date.map_err(|found| {
            let problem =
                format!("invalid expires {found:?}: expected a date YYYY-MM-DD such as 2027-03-31");
            self.error(span, problem)
        })
    }

    /// The string, if `is_valid`; else an error naming the key, the value and what was
    /// expected.
    fn checked(
        &self,
        value: Spanned<String>,
        is_valid: fn(&str) -> bool,
        key: &str,
        expected: &str,
    ) -> Result<String, ConfigError> {
        if is_valid(value.get_ref()) {
            return Ok(value.into_inner());
        }
        let problem = format!("invalid {key} {:?}: expected {expected}", value.get_ref());
        Err(self.error(value.span(), problem))
    }
}

/// A path as it may be shown on a terminal.
fn shown(path: &Path) -> String {
    term::escape(&path.display().to_string())
}

#[cfg(test)]
mod tests;

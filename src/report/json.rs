//! The JSON report of `check`: one object, stable field names, strings kept exact.

use std::io::Write;

use serde::Serialize;

use crate::chain::{Findings, NameFinding, Status, TrailFinding, Verdict};
use crate::inventory::ReadError;

#[derive(Serialize)]
struct Report<'a> {
    verdict: Verdict,
    account_id: &'a str,
    region: &'a str,
    events: &'a str,
    summary: Summary,
    trails: &'a [TrailFinding],
    names: &'a [NameFinding],
    errors: Vec<ErrorEntry<'a>>,
}

#[derive(Serialize)]
struct Summary {
    total: usize,
    covered: usize,
    not_covered: usize,
    uncertain: usize,
}

#[derive(Serialize)]
struct ErrorEntry<'a> {
    #[serde(flatten)]
    error: &'a ReadError,
    message: String,
}

/// Writes the findings as one JSON object and a newline.
pub(super) fn write(out: &mut dyn Write, findings: &Findings) -> std::io::Result<()> {
    let report = Report {
        verdict: findings.verdict,
        account_id: &findings.account_id,
        region: &findings.region,
        events: &findings.events,
        summary: Summary {
            total: findings.total(),
            covered: findings.count(Status::Covered),
            not_covered: findings.count(Status::NotCovered),
            uncertain: findings.count(Status::Uncertain),
        },
        trails: &findings.trails,
        names: &findings.names,
        errors: findings
            .errors
            .iter()
            .map(|e| ErrorEntry { error: e, message: e.to_string() })
            .collect(),
    };
    serde_json::to_writer_pretty(&mut *out, &report)?;
    writeln!(out)
}

//! Stage `report`: writes the findings of `check` to stdout, as text for people or JSON
//! for programs. Reports never decide anything; they only print what `chain` found.

mod json;
mod text;

use std::io::Write;

use crate::chain::Findings;
use crate::config::OutputFormat;
use crate::term::Style;

pub use text::wrap;

/// Writes the report in the chosen format.
pub fn write(
    out: &mut dyn Write,
    findings: &Findings,
    format: OutputFormat,
    style: Style,
) -> std::io::Result<()> {
    match format {
        OutputFormat::Text => text::write(out, findings, style),
        OutputFormat::Json => json::write(out, findings),
    }
}

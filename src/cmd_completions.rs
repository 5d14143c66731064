//! `vpcwatch completions` and `vpcwatch man`: shell completion scripts and manual pages,
//! generated from the same clap definitions that parse the flags, so they never drift.

use std::io::Write;

use anyhow::Context as _;

use crate::cli;
use crate::config::Shell;
use crate::exit::Status;

/// Writes the completion script for `shell` to stdout.
pub fn completions(shell: Shell) -> anyhow::Result<Status> {
    let shell = match shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Elvish => clap_complete::Shell::Elvish,
        Shell::Fish => clap_complete::Shell::Fish,
        Shell::PowerShell => clap_complete::Shell::PowerShell,
        Shell::Zsh => clap_complete::Shell::Zsh,
    };
    // Rendered into memory first: clap_complete panics on a write error, such as a
    // closed pipe, where this returns it.
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cli::command(), "vpcwatch", &mut script);
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(&script)
        .and_then(|()| stdout.flush())
        .context("write the completion script to stdout")?;
    Ok(Status::Pass)
}

/// Writes the man page of vpcwatch, or of `subcommand` (`vpcwatch-check(1)`), to stdout.
pub fn man(subcommand: Option<&str>) -> anyhow::Result<Status> {
    let command = cli::command();
    let page = match subcommand {
        None => command,
        Some(name) => {
            let sub = command
                .find_subcommand(name)
                .with_context(|| format!("man: no subcommand {name:?}"))?
                .clone();
            sub.name(format!("vpcwatch-{name}"))
                .bin_name(format!("vpcwatch {name}"))
                .version(env!("CARGO_PKG_VERSION"))
        }
    };
    let mut page_text = Vec::new();
    clap_mangen::Man::new(page).render(&mut page_text).context("render the man page")?;
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(&page_text).and_then(|()| stdout.flush()).context("write the man page")?;
    Ok(Status::Pass)
}

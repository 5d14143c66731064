//! The plan and the outcome of `fix` as text for a person, pure. Names read from the
//! account are escaped before they reach a terminal.

use std::fmt::Write as _;

use crate::term::escape;

use super::plan::{Action, Awaiting, Plan};
use super::{ALARM_PERIOD_SECONDS, METRIC_NAME, METRIC_NAMESPACE, METRIC_VALUE};

/// The heading of every `fix` output.
pub fn heading(account_id: &str, region: &str, events: &str) -> String {
    format!("vpcwatch fix: account {account_id}, region {region}, events {}\n", escape(events))
}

/// What `fix` says when the check leaves nothing to create.
pub fn nothing_to_do(awaiting: &[Awaiting]) -> String {
    let mut out = String::from("Nothing to do: every watched name is covered");
    if awaiting.is_empty() {
        out.push_str(".\n");
        return out;
    }
    out.push_str(" or waits only for a confirmation.\n");
    for wait in awaiting {
        let _ = writeln!(
            out,
            "{} name(s) wait for a subscription to topic {} to be confirmed.",
            wait.names,
            escape(&wait.topic)
        );
    }
    out.push_str(PENDING_NOTE);
    out
}

const PENDING_NOTE: &str = "The address must confirm the subscription with the link in the \
email AWS sent it; until then `vpcwatch check` keeps failing with \"subscription pending\".\n";

/// The plan, as printed before anything is written.
pub fn plan(plan: &Plan) -> String {
    let mut out = heading(&plan.account_id, &plan.region, &plan.events);
    let group = &plan.log_group;
    let _ = writeln!(
        out,
        "{} name(s) to cover, on log group {} of trail {}\n  in {}, account {}",
        plan.names.len(),
        escape(&group.name),
        escape(&plan.trail),
        group.region,
        group.account_id
    );
    if plan.is_empty() {
        out.push_str("\nNothing to do: vpcwatch's chain is already in place.\n");
    } else {
        let _ = writeln!(out, "\nPlan: {} write(s), in this order", plan.actions.len());
        for (index, action) in plan.actions.iter().enumerate() {
            let _ = writeln!(out, "  {}. {}", index + 1, describe(action, plan));
            for detail in details(action, plan) {
                let _ = writeln!(out, "       {detail}");
            }
        }
    }
    if !plan.kept.is_empty() {
        out.push_str("Kept as they are (vpcwatch's own, already right):\n");
        for kept in &plan.kept {
            let _ = writeln!(out, "  {}", escape(kept));
        }
    }
    out
}

/// One line naming a write, for the plan, the logs and the summary.
pub fn describe(action: &Action, plan: &Plan) -> String {
    let group = escape(&plan.log_group.name);
    match action {
        Action::CreateTopic { name } => format!("create SNS topic {}", escape(name)),
        Action::Subscribe { email, .. } => {
            format!("subscribe email {} to topic {}", escape(email), escape(plan.topic_name()))
        }
        Action::PutFilter(f) if f.replaces => {
            format!("rewrite vpcwatch's metric filter {} on log group {group}", f.name)
        }
        Action::PutFilter(f) => format!("create metric filter {} on log group {group}", f.name),
        Action::PutAlarm(a) if a.replaces => format!("rewrite vpcwatch's alarm {}", a.name),
        Action::PutAlarm(a) => format!("create alarm {}", a.name),
    }
}

fn details(action: &Action, plan: &Plan) -> Vec<String> {
    let place = format!("in {}, account {}", plan.log_group.region, plan.log_group.account_id);
    match action {
        Action::CreateTopic { .. } | Action::Subscribe { .. } => vec![place],
        Action::PutFilter(f) => vec![
            place,
            format!(
                "publishes {METRIC_NAMESPACE}/{METRIC_NAME} = {METRIC_VALUE} for {} name(s)",
                f.names.len()
            ),
            format!("pattern {}", f.pattern),
        ],
        Action::PutAlarm(a) => {
            let topics: Vec<String> = a.actions.iter().map(|t| escape(short(t))).collect();
            vec![
                place,
                format!(
                    "Sum of {METRIC_NAMESPACE}/{METRIC_NAME} over {ALARM_PERIOD_SECONDS} s >= 1"
                ),
                format!("notifies topic {}", topics.join(", ")),
            ]
        }
    }
}

fn short(arn: &str) -> &str {
    arn.rsplit(':').next().unwrap_or(arn)
}

/// What was written, after a run that completed, and what another run wrote meanwhile.
pub fn summary(plan: &Plan, written: &[Action], found: &[Action]) -> String {
    let mut out = format!("\nDone: {} write(s)\n", written.len());
    for action in written {
        let _ = writeln!(out, "  {}", describe(action, plan));
    }
    if !found.is_empty() {
        out.push_str("Already in place, written meanwhile by another run:\n");
        for action in found {
            let _ = writeln!(out, "  {}", describe(action, plan));
        }
    }
    if needs_confirmation(plan, written, found) {
        let _ = write!(out, "{} must confirm the subscription. ", escape(&plan.email));
        out.push_str(PENDING_NOTE);
    }
    out
}

/// True when the address has a subscription that may still wait for its click.
fn needs_confirmation(plan: &Plan, written: &[Action], found: &[Action]) -> bool {
    let subscribed = written.iter().chain(found).any(|a| matches!(a, Action::Subscribe { .. }));
    subscribed || plan.kept.iter().any(|k| k.ends_with("(pending confirmation)"))
}

/// The rest of the line printed when a write fails or is refused: what was written
/// before it, and what was not.
pub fn partial(plan: &Plan, written: &[Action], found: &[Action], left: &[Action]) -> String {
    let list = |actions: &[Action]| -> String {
        let lines: Vec<String> = actions.iter().map(|a| describe(a, plan)).collect();
        lines.join(", ")
    };
    let mut out = if written.is_empty() {
        "nothing was written".to_string()
    } else {
        format!("written before it: {}", list(written))
    };
    if !found.is_empty() {
        let _ = write!(out, "; found in place (another run wrote them): {}", list(found));
    }
    if written.is_empty() && found.is_empty() {
        return out;
    }
    let _ = write!(out, "; not written: {}; run fix again to finish", list(left));
    out
}

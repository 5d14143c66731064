//! Stage `events`: the sets of CloudTrail event names vpcwatch watches, as data.
//!
//! The default set (30 names in 8 groups) and the CIS AWS Foundations controls 4.10 to
//! 4.14 are described in docs/events.md; a test holds that page and the tables below to
//! the same names. A file of names can replace both, and sets join into one.

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::config::EventsChoice;
use crate::term;

/// A named list of event names, split into groups that are reported together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventSet {
    /// What the set is called in a report: `default`, `cis` or the file's path.
    pub name: String,
    pub groups: Vec<Group>,
}

/// One group of an event set: a part of the default set or one CIS control.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// Stable identifier, unique within a set: kebab-case for the default set
    /// (`route-table`), the control number for CIS (`4.13`), `file-` and the file's stem
    /// for a file of names (`file-extra-names`).
    pub id: String,
    /// How the group is headed in a report.
    pub title: String,
    /// CloudTrail event names, in the documented order, no duplicates within the group.
    pub names: Vec<String>,
}

/// Why an event set could not be loaded from a file.
#[derive(Debug, thiserror::Error)]
pub enum EventsError {
    #[error("read event names from {}: {source}", shown(.path))]
    Read { path: PathBuf, source: std::io::Error },
    #[error(
        "read event names from {}: line {line}: {name:?} is not an event name; write one \
         CloudTrail event name a line (CreateVpc), `#` for comments",
        shown(.path)
    )]
    NotAnEventName { path: PathBuf, line: usize, name: String },
    #[error(
        "read event names from {}: the file names no event; write one CloudTrail event name \
         a line (CreateVpc)",
        shown(.path)
    )]
    Empty { path: PathBuf },
}

/// The default set: (id, title, names), in the order of docs/events.md.
const DEFAULT_GROUPS: [(&str, &str, &[&str]); 8] = [
    ("vpc", "VPC", &["CreateVpc", "DeleteVpc"]),
    ("subnet", "subnet", &["CreateSubnet", "DeleteSubnet"]),
    (
        "security-group",
        "security group",
        &[
            "CreateSecurityGroup",
            "DeleteSecurityGroup",
            "AuthorizeSecurityGroupIngress",
            "AuthorizeSecurityGroupEgress",
            "RevokeSecurityGroupIngress",
            "RevokeSecurityGroupEgress",
        ],
    ),
    (
        "network-acl",
        "network ACL",
        &[
            "CreateNetworkAcl",
            "DeleteNetworkAcl",
            "CreateNetworkAclEntry",
            "DeleteNetworkAclEntry",
            "ReplaceNetworkAclEntry",
        ],
    ),
    (
        "route-table",
        "route table",
        &["CreateRouteTable", "DeleteRouteTable", "CreateRoute", "DeleteRoute", "ReplaceRoute"],
    ),
    (
        "internet-gateway",
        "internet gateway",
        &[
            "CreateInternetGateway",
            "DeleteInternetGateway",
            "AttachInternetGateway",
            "DetachInternetGateway",
        ],
    ),
    (
        "vpc-peering",
        "VPC peering",
        &[
            "CreateVpcPeeringConnection",
            "DeleteVpcPeeringConnection",
            "AcceptVpcPeeringConnection",
            "RejectVpcPeeringConnection",
        ],
    ),
    ("nat-gateway", "NAT gateway", &["CreateNatGateway", "DeleteNatGateway"]),
];

/// CIS AWS Foundations controls 4.10 to 4.14: (control, title, names). 4.10 ends with
/// ModifySecurityGroupRules, which CIS v5 added: that call changes a rule in place and
/// would otherwise go unwatched, so the set always includes it (37 names in all).
const CIS_GROUPS: [(&str, &str, &[&str]); 5] = [
    (
        "4.10",
        "4.10 security group changes",
        &[
            "AuthorizeSecurityGroupIngress",
            "AuthorizeSecurityGroupEgress",
            "RevokeSecurityGroupIngress",
            "RevokeSecurityGroupEgress",
            "CreateSecurityGroup",
            "DeleteSecurityGroup",
            "ModifySecurityGroupRules",
        ],
    ),
    (
        "4.11",
        "4.11 network ACL changes",
        &[
            "CreateNetworkAcl",
            "CreateNetworkAclEntry",
            "DeleteNetworkAcl",
            "DeleteNetworkAclEntry",
            "ReplaceNetworkAclEntry",
            "ReplaceNetworkAclAssociation",
        ],
    ),
    (
        "4.12",
        "4.12 network gateway changes",
        &[
            "CreateCustomerGateway",
            "DeleteCustomerGateway",
            "AttachInternetGateway",
            "CreateInternetGateway",
            "DeleteInternetGateway",
            "DetachInternetGateway",
        ],
    ),
    (
        "4.13",
        "4.13 route table changes",
        &[
            "CreateRoute",
            "CreateRouteTable",
            "ReplaceRoute",
            "ReplaceRouteTableAssociation",
            "DeleteRouteTable",
            "DeleteRoute",
            "DisassociateRouteTable",
        ],
    ),
    (
        "4.14",
        "4.14 VPC changes",
        &[
            "CreateVpc",
            "DeleteVpc",
            "ModifyVpcAttribute",
            "AcceptVpcPeeringConnection",
            "CreateVpcPeeringConnection",
            "DeleteVpcPeeringConnection",
            "RejectVpcPeeringConnection",
            "AttachClassicLinkVpc",
            "DetachClassicLinkVpc",
            "DisableVpcClassicLink",
            "EnableVpcClassicLink",
        ],
    ),
];

impl EventSet {
    /// The 30 VPC names in 8 groups that vpcwatch checks unless told otherwise.
    pub fn default_set() -> EventSet {
        EventSet::from_table("default", &DEFAULT_GROUPS)
    }

    /// The CIS controls 4.10 to 4.14, one group per control (37 names).
    pub fn cis() -> EventSet {
        EventSet::from_table("cis", &CIS_GROUPS)
    }

    /// Reads a file of event names: one a line, `#` starts a comment, blank lines and
    /// repeated names are ignored. Every name must look like a CloudTrail event name.
    pub fn from_file(path: &Path) -> Result<EventSet, EventsError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| EventsError::Read { path: path.to_path_buf(), source })?;
        let names = parse_names(&text).map_err(|(line, name)| EventsError::NotAnEventName {
            path: path.to_path_buf(),
            line,
            name,
        })?;
        if names.is_empty() {
            return Err(EventsError::Empty { path: path.to_path_buf() });
        }
        let title = path.display().to_string();
        let group = Group { id: file_group_id(path), title: title.clone(), names };
        Ok(EventSet { name: title, groups: vec![group] })
    }

    /// The set a run asked for.
    pub fn load(choice: &EventsChoice) -> Result<EventSet, EventsError> {
        match choice {
            EventsChoice::Default => Ok(EventSet::default_set()),
            EventsChoice::Cis => Ok(EventSet::cis()),
            EventsChoice::File(path) => EventSet::from_file(path),
            EventsChoice::Union(choices) => {
                let sets = choices.iter().map(EventSet::load).collect::<Result<Vec<_>, _>>()?;
                Ok(EventSet::union(sets))
            }
        }
    }

    /// The groups of every set, in order, under the joined names (`default+cis`). A name
    /// in several groups keeps each group; [`EventSet::names`] gives it once. A group
    /// given twice (`cis,cis`, one file twice) is kept once, and a group whose id or title
    /// another group already has gets a suffix: reports tell groups apart by both (SARIF
    /// rule IDs, the group of each finding).
    pub fn union(sets: Vec<EventSet>) -> EventSet {
        let mut union = EventSet { name: String::new(), groups: Vec::new() };
        let mut set_names: Vec<String> = Vec::new();
        for set in sets {
            let mut added = false;
            for group in set.groups {
                added |= union.add(group);
            }
            if added && !set_names.contains(&set.name) {
                set_names.push(set.name);
            }
        }
        union.name = set_names.join("+");
        union
    }

    /// Adds `group` unless an equal one is there, its id and title made unique; true
    /// when added.
    fn add(&mut self, mut group: Group) -> bool {
        if self.groups.contains(&group) {
            return false;
        }
        let id_taken = |id: &str| self.groups.iter().any(|g| g.id == id);
        group.id = unique(&group.id, id_taken, |base, n| format!("{base}-{n}"));
        let title_taken = |title: &str| self.groups.iter().any(|g| g.title == title);
        group.title = unique(&group.title, title_taken, |base, n| format!("{base} ({n})"));
        self.groups.push(group);
        true
    }

    /// Every name once, in set order (a name in two groups comes where it first appears).
    pub fn names(&self) -> impl Iterator<Item = &str> {
        let mut seen = HashSet::new();
        self.groups
            .iter()
            .flat_map(|group| group.names.iter().map(String::as_str))
            .filter(move |name| seen.insert(*name))
    }

    /// The number of distinct names.
    pub fn len(&self) -> usize {
        self.names().count()
    }

    /// True when the set names no event (never for a loaded set).
    pub fn is_empty(&self) -> bool {
        self.names().next().is_none()
    }

    fn from_table(name: &str, table: &[(&str, &str, &[&str])]) -> EventSet {
        let groups = table
            .iter()
            .map(|(id, title, names)| Group {
                id: (*id).into(),
                title: (*title).into(),
                names: names.iter().map(|n| (*n).to_string()).collect(),
            })
            .collect();
        EventSet { name: name.into(), groups }
    }
}

impl Group {
    /// The CIS AWS Foundations Benchmark control the group stands for (`4.13`), when it
    /// is one.
    pub fn cis_control(&self) -> Option<&str> {
        let is_control = self.id.starts_with(|c: char| c.is_ascii_digit())
            && self.id.bytes().all(|b| b.is_ascii_digit() || b == b'.');
        is_control.then_some(self.id.as_str())
    }

    /// True for the group of a file of names.
    pub fn is_file(&self) -> bool {
        self.id == "file" || self.id.starts_with("file-")
    }

    /// What the group's names change, for a sentence: the title, without the control
    /// number of a CIS control (`security group changes`, `route table`).
    pub fn subject(&self) -> &str {
        self.cis_control()
            .and_then(|control| self.title.strip_prefix(control))
            .map_or(self.title.as_str(), str::trim_start)
    }
}

/// `base` unless it is `taken`, else the first `numbered(base, n)` for n = 2, 3, ...
/// that is not.
fn unique(
    base: &str,
    taken: impl Fn(&str) -> bool,
    numbered: impl Fn(&str, usize) -> String,
) -> String {
    if !taken(base) {
        return base.to_string();
    }
    (2..).map(|n| numbered(base, n)).find(|c| !taken(c)).unwrap_or_default()
}

/// The id of a file's group: `file-` and the file's stem in lowercase kebab-case
/// (`names/Extra_Names.txt` gives `file-extra-names`); `file` when the stem has no ASCII
/// letter or digit.
fn file_group_id(path: &Path) -> String {
    let stem = path.file_stem().map(|s| s.to_string_lossy()).unwrap_or_default();
    let mut id = String::from("file");
    let mut separate = true;
    for c in stem.chars() {
        if !c.is_ascii_alphanumeric() {
            separate = true;
            continue;
        }
        if separate {
            id.push('-');
            separate = false;
        }
        id.push(c.to_ascii_lowercase());
    }
    id
}

/// True for a plausible CloudTrail event name: ASCII letters and digits, starting with
/// an uppercase letter (`CreateVpc`, `AttachClassicLinkVpc`).
pub fn is_event_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_uppercase())
        && name.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The names of a file's text in order, without duplicates; or the first bad line
/// (1-based) and its text.
fn parse_names(text: &str) -> Result<Vec<String>, (usize, String)> {
    let mut names: Vec<String> = Vec::new();
    let mut seen = HashSet::new();
    for (index, line) in text.lines().enumerate() {
        let name = line.split('#').next().unwrap_or_default().trim();
        if name.is_empty() || seen.contains(name) {
            continue;
        }
        if !is_event_name(name) {
            return Err((index + 1, name.to_string()));
        }
        seen.insert(name);
        names.push(name.to_string());
    }
    Ok(names)
}

/// A path as it may be shown on a terminal.
fn shown(path: &Path) -> String {
    term::escape(&path.display().to_string())
}

impl fmt::Display for EventSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_temp(name: &str, text: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("vpcwatch-events-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn default_set_has_30_names_in_8_groups_in_documented_order() {
        let set = EventSet::default_set();
        assert_eq!(set.groups.len(), 8);
        assert_eq!(set.len(), 30);
        assert_eq!(set.groups.iter().map(|g| g.names.len()).sum::<usize>(), 30);
        let titles: Vec<&str> = set.groups.iter().map(|g| g.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "VPC",
                "subnet",
                "security group",
                "network ACL",
                "route table",
                "internet gateway",
                "VPC peering",
                "NAT gateway"
            ]
        );
        let names: Vec<&str> = set.names().collect();
        assert_eq!(names.first(), Some(&"CreateVpc"));
        assert_eq!(names.last(), Some(&"DeleteNatGateway"));
        assert!(names.iter().all(|n| is_event_name(n)));
    }

    #[test]
    fn cis_has_37_names_in_5_controls_with_modify_security_group_rules_in_4_10() {
        let set = EventSet::cis();
        let ids: Vec<&str> = set.groups.iter().map(|g| g.id.as_str()).collect();
        assert_eq!(ids, ["4.10", "4.11", "4.12", "4.13", "4.14"]);
        assert_eq!(set.len(), 37);
        assert_eq!(set.groups[0].title, "4.10 security group changes");
        assert_eq!(set.groups[0].names.len(), 7);
        assert!(set.groups[0].names.iter().any(|n| n == "ModifySecurityGroupRules"));
        let counts: Vec<usize> = set.groups.iter().map(|g| g.names.len()).collect();
        assert_eq!(counts, [7, 6, 6, 7, 11]);
    }

    #[test]
    fn cis_and_default_differ_as_documented() {
        let default_set = EventSet::default_set();
        let default: HashSet<&str> = default_set.names().collect();
        let cis_set = EventSet::cis();
        let cis: HashSet<&str> = cis_set.names().collect();
        let mut only_default: Vec<&str> = default.difference(&cis).copied().collect();
        only_default.sort_unstable();
        assert_eq!(
            only_default,
            ["CreateNatGateway", "CreateSubnet", "DeleteNatGateway", "DeleteSubnet"]
        );
        assert_eq!(cis.difference(&default).count(), 11);
    }

    #[test]
    fn names_are_unique_and_in_set_order() {
        let set = EventSet {
            name: "t".into(),
            groups: vec![
                Group { id: "a".into(), title: "a".into(), names: vec!["B".into(), "A".into()] },
                Group { id: "b".into(), title: "b".into(), names: vec!["A".into(), "C".into()] },
            ],
        };
        assert_eq!(set.names().collect::<Vec<_>>(), ["B", "A", "C"]);
        assert_eq!(set.len(), 3);
    }

    #[test]
    fn event_names_are_validated() {
        for good in ["CreateVpc", "A", "AttachClassicLinkVpc", "Create2Things"] {
            assert!(is_event_name(good), "{good}");
        }
        for bad in ["", "createVpc", "create vpc", "Create-Vpc", "2Create", "CréateVpc", "Create*"]
        {
            assert!(!is_event_name(bad), "{bad}");
        }
    }

    #[test]
    fn file_names_skip_comments_blanks_and_duplicates() {
        let text = "# watched\n\nCreateVpc\n  DeleteVpc  # trailing comment\r\nCreateVpc\n";
        assert_eq!(parse_names(text).unwrap(), ["CreateVpc", "DeleteVpc"]);
    }

    #[test]
    fn bad_file_line_is_reported_with_its_number() {
        assert_eq!(parse_names("CreateVpc\n\ncreate vpc\n"), Err((3, "create vpc".into())));
    }

    #[test]
    fn from_file_reads_one_group_named_after_the_file() {
        let path = write_temp("good.txt", "CreateVpc\nModifyVpcAttribute\n");
        let set = EventSet::from_file(&path).unwrap();
        assert_eq!(set.groups.len(), 1);
        assert_eq!(set.names().collect::<Vec<_>>(), ["CreateVpc", "ModifyVpcAttribute"]);
        assert_eq!(set.name, path.display().to_string());
    }

    #[test]
    fn from_file_errors_name_the_file_and_line() {
        let path = write_temp("bad.txt", "CreateVpc\n# ok\ncreate vpc\n");
        let err = EventSet::from_file(&path).unwrap_err().to_string();
        let expected = format!(
            "read event names from {}: line 3: \"create vpc\" is not an event name; write one \
             CloudTrail event name a line (CreateVpc), `#` for comments",
            path.display()
        );
        assert_eq!(err, expected);
    }

    #[test]
    fn default_and_cis_together_have_41_distinct_names_in_13_groups() {
        let both =
            EventSet::load(&EventsChoice::Union(vec![EventsChoice::Default, EventsChoice::Cis]))
                .expect("built-in sets load");
        assert_eq!(both.name, "default+cis");
        assert_eq!(both.groups.len(), 13);
        assert_eq!(both.names().count(), 41);
    }

    #[test]
    fn a_set_given_twice_is_watched_once() {
        let twice =
            EventSet::load(&EventsChoice::Union(vec![EventsChoice::Cis, EventsChoice::Cis]))
                .expect("built-in sets load");
        assert_eq!(twice, EventSet::cis());

        let path = write_temp("twice.txt", "CreateVpc\n");
        let file = EventsChoice::File(path.clone());
        let twice = EventSet::load(&EventsChoice::Union(vec![file.clone(), file])).unwrap();
        assert_eq!(twice, EventSet::from_file(&path).unwrap());
    }

    #[test]
    fn groups_of_different_files_get_distinct_ids_from_their_stems() {
        let dir = std::env::temp_dir().join(format!("vpcwatch-stems-{}", std::process::id()));
        let (a, b) = (dir.join("a"), dir.join("b"));
        let paths = [a.join("Extra_Names.txt"), b.join("extra-names.txt"), a.join("more.txt")];
        for path in &paths {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "CreateVpc\nModifyVpcAttribute\n").unwrap();
        }
        let choices = paths.iter().map(|p| EventsChoice::File(p.clone())).collect();
        let set = EventSet::load(&EventsChoice::Union(choices)).unwrap();
        let ids: Vec<&str> = set.groups.iter().map(|g| g.id.as_str()).collect();
        assert_eq!(ids, ["file-extra-names", "file-extra-names-2", "file-more"]);
        assert!(set.groups.iter().all(Group::is_file));
        assert_eq!(set.groups[1].title, paths[1].display().to_string());
    }

    #[test]
    fn file_group_ids_are_kebab_case_stems() {
        assert_eq!(file_group_id(Path::new("names/VPC events.v2.txt")), "file-vpc-events-v2");
        assert_eq!(file_group_id(Path::new("x/__names__")), "file-names");
        assert_eq!(file_group_id(Path::new("x/…")), "file");
    }

    #[test]
    fn a_file_titled_like_a_built_in_group_keeps_a_title_of_its_own() {
        let dir = std::env::temp_dir().join(format!("vpcwatch-title-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("subnet"), "CreateSubnet\n").unwrap();
        let file = EventSet::from_file(&dir.join("subnet")).unwrap();
        let clash = EventSet {
            groups: vec![Group { title: "subnet".into(), ..file.groups[0].clone() }],
            ..file
        };
        let set = EventSet::union(vec![EventSet::default_set(), clash]);
        let titles: Vec<&str> = set.groups.iter().map(|g| g.title.as_str()).collect();
        assert_eq!(titles.iter().filter(|t| **t == "subnet").count(), 1);
        assert_eq!(titles.last(), Some(&"subnet (2)"));
    }

    #[test]
    fn cis_groups_name_their_control_and_subject() {
        let cis = EventSet::cis();
        assert_eq!(cis.groups[3].cis_control(), Some("4.13"));
        assert_eq!(cis.groups[3].subject(), "route table changes");
        let default = EventSet::default_set();
        assert_eq!(default.groups[4].cis_control(), None);
        assert_eq!(default.groups[4].subject(), "route table");
        assert!(!default.groups.iter().chain(&cis.groups).any(Group::is_file));
    }

    /// The groups of docs/events.md: each `### `ID`: subject` heading and the
    /// backquoted names of the `- ` items under it.
    fn documented_groups() -> Vec<(String, String, Vec<String>)> {
        let root = std::env::var("CARGO_MANIFEST_DIR").unwrap_or(env!("CARGO_MANIFEST_DIR").into());
        let text = std::fs::read_to_string(Path::new(&root).join("docs/events.md"))
            .expect("read docs/events.md");
        let mut groups: Vec<(String, String, Vec<String>)> = Vec::new();
        for line in text.lines() {
            if let Some(heading) = line.strip_prefix("### ") {
                let group = heading.strip_prefix('`').and_then(|h| h.split_once("`: "));
                if let Some((id, subject)) = group {
                    groups.push((id.into(), subject.into(), Vec::new()));
                    continue;
                }
            }
            if line.starts_with("## ") || line.starts_with("### ") {
                groups.push((String::new(), line.into(), Vec::new()));
            }
            let item = line.strip_prefix("- `").and_then(|l| l.split_once('`'));
            if let (Some((name, _)), Some(group)) = (item, groups.last_mut()) {
                group.2.push(name.into());
            }
        }
        groups.retain(|(id, _, _)| !id.is_empty());
        groups
    }

    #[test]
    fn docs_events_md_lists_every_group_with_exactly_its_names() {
        let documented = documented_groups();
        let (default, cis) = (EventSet::default_set(), EventSet::cis());
        let code: Vec<(String, String, Vec<String>)> = default
            .groups
            .iter()
            .chain(&cis.groups)
            .map(|g| (g.id.clone(), g.subject().to_string(), g.names.clone()))
            .collect();
        for (id, subject, names) in &code {
            let doc = documented.iter().find(|(d, _, _)| d == id);
            let (_, doc_subject, doc_names) =
                doc.unwrap_or_else(|| panic!("docs/events.md has no heading for group `{id}`"));
            assert_eq!(doc_subject, subject, "the heading of group `{id}`");
            assert_eq!(doc_names, names, "the names of group `{id}` in docs/events.md");
        }
        for (id, _, _) in &documented {
            assert!(code.iter().any(|(c, _, _)| c == id), "docs/events.md: no group `{id}`");
        }
        assert_eq!(documented.len(), 13);
    }

    #[test]
    fn empty_or_missing_file_is_an_error() {
        let path = write_temp("empty.txt", "# nothing\n\n");
        let err = EventSet::from_file(&path).unwrap_err().to_string();
        assert!(err.contains("the file names no event; write one CloudTrail event"), "{err}");

        let missing = Path::new("/nonexistent/vpcwatch/names.txt");
        let err = EventSet::load(&EventsChoice::File(missing.into())).unwrap_err().to_string();
        assert!(err.starts_with("read event names from /nonexistent/vpcwatch/names.txt: "));
    }
}

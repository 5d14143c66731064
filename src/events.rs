//! Stage `events`: the sets of CloudTrail event names vpcwatch watches, as data.
//!
//! The default set (30 names in 8 groups) and the CIS AWS Foundations controls 4.10 to
//! 4.14 are listed in docs/events.md, which is the source of truth for the tables below;
//! a file of names can replace both.

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
    /// Stable identifier: kebab-case for the default set (`route-table`), the control
    /// number for CIS (`4.13`), `file` for a file of names.
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
    #[error("read event names from {}: line {line}: {name:?} is not an event name", shown(.path))]
    NotAnEventName { path: PathBuf, line: usize, name: String },
    #[error("read event names from {}: the file names no event", shown(.path))]
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
        let group = Group { id: "file".into(), title: title.clone(), names };
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
    /// in several groups keeps each group; [`EventSet::names`] gives it once.
    pub fn union(sets: Vec<EventSet>) -> EventSet {
        let name = sets.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join("+");
        let groups = sets.into_iter().flat_map(|s| s.groups).collect();
        EventSet { name, groups }
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
            "read event names from {}: line 3: \"create vpc\" is not an event name",
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
    fn empty_or_missing_file_is_an_error() {
        let path = write_temp("empty.txt", "# nothing\n\n");
        let err = EventSet::from_file(&path).unwrap_err().to_string();
        assert!(err.ends_with("the file names no event"), "{err}");

        let missing = Path::new("/nonexistent/vpcwatch/names.txt");
        let err = EventSet::load(&EventsChoice::File(missing.into())).unwrap_err().to_string();
        assert!(err.starts_with("read event names from /nonexistent/vpcwatch/names.txt: "));
    }
}

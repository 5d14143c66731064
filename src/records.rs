//! Stage `records`: synthetic CloudTrail records, one per event name and caller type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caller {
    IamUser,
    AssumedRole,
    Root,
    AwsService,
}
impl Caller {
    pub const ALL: [Caller; 4] =
        [Caller::IamUser, Caller::AssumedRole, Caller::Root, Caller::AwsService];
}
impl std::fmt::Display for Caller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self:?}")
    }
}
pub struct RecordContext {
    pub account_id: String,
    pub region: String,
}
impl RecordContext {
    pub fn new(a: &str, r: &str) -> Self {
        RecordContext { account_id: a.into(), region: r.into() }
    }
}

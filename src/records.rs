//! Stage `records`: synthetic CloudTrail records, one per event name and caller type.

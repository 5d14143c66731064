//! vpcwatch: checks that every change to an account's VPC networking reaches a person.
//!
//! The pipeline, one module a stage: `cli` turns flags into a validated configuration;
//! `aws` builds the one SDK configuration and classifies SDK errors; `discover` reads the
//! account into an `inventory` of trails, filters, alarms and topics; `pattern`
//! evaluates filter patterns on synthetic CloudTrail `records` of the watched `events`;
//! `coverage` and `chain` turn the inventory into findings without touching AWS;
//! `report` prints them; `fix` is the only stage that writes to AWS.

pub mod events;
pub mod pattern;
pub mod records;

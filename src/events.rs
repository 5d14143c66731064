//! Stage `events`: the sets of CloudTrail event names vpcwatch watches.

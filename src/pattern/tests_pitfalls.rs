//! Stage `pattern`: CloudTrail pitfalls as tests.

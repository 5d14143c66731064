//! Stage `pattern`: examples from the AWS documentation as tests.

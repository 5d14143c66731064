//! Stage `pattern`: property tests.

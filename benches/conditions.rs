//! Condition evaluation timings (filled in by issue 3).
fn main() {}

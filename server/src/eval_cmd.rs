//! Placeholder until the conditions work lands `tailor eval`.
pub fn run(_args: &[String]) -> i32 {
    eprintln!("tailor eval: not available yet");
    2
}

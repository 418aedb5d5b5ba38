//! `cargo xtask bench`: the figures in BENCHMARKS.md. Not yet written.

pub fn run() -> Result<(), String> {
    Err("bench is not written yet".to_owned())
}

//! `cargo xtask bench`: builds the release site, then runs the measuring program in `crates/e2e`, which prints the
//! figures that BENCHMARKS.md records.

use std::process::Command;

use crate::{Tools, root, run, which};

pub fn run_bench() -> Result<(), String> {
    let tools = Tools::locate()?;
    tools.install(true)?;
    crate::build_site(&tools)?;
    let chromedriver = which("chromedriver").ok_or("chromedriver is not on PATH")?;
    run(Command::new("cargo")
        .args(["run", "--release", "--quiet", "--package", "e2e", "--bin", "bench"])
        .current_dir(root())
        .env("E2E_SITE_DIR", root().join("dist"))
        .env("CHROMEDRIVER", chromedriver))
}

//! `cargo xtask`: the project's setup, demo, test and benchmark commands, in one Rust program instead of scripts.
//!
//! Every tool it needs is installed here, pinned, and checked by version first so that a second run skips it:
//! the wasm32 target, Trunk, the `wasm-bindgen` CLI at the version in Cargo.lock, wasm-opt from npm's binaryen,
//! esbuild from npm, and Debian's Chromium and ChromeDriver for the browser tests. Nothing here downloads a binary
//! on its own: each tool comes from crates.io, npm or Debian's packages.

mod bench;

use std::env;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

const TRUNK_VERSION: &str = "0.21.14";
const BINARYEN_VERSION: &str = "132.0.0";
/// The JavaScript minifier for the release site: Trunk's own fails on wasm-bindgen's glue and ships it as it is.
const ESBUILD_VERSION: &str = "0.28.2";
/// The accessibility engine that the end-to-end tests inject into each screen.
const AXE_VERSION: &str = "4.14.1";
const WASM_TARGET: &str = "wasm32-unknown-unknown";

const USAGE: &str = "usage: cargo xtask <command>

commands:
  setup            install the pinned tools that the build needs (and Chromium with --browser)
  build            build the widget site into dist/ in release mode
  dist             build the npm package into target/npm/mfa-enroll (then `npm pack` there makes the tarball)
  demo [--listen ADDR]
                   set up, build, and run the proxy with its embedded simulator (default 127.0.0.1:8080)
  test             set up everything and run every test: native, browser and end to end
  bench            measure the page's payload and the proxy's overhead; writes figures to stdout
  soak [PEOPLE] [ROUNDS]
                   PEOPLE (default 200) enroll every type at once, ROUNDS times (default 4, one every 10 s),
                   through three replicas of the release proxy sharing a real redis-server, while PingOne fails,
                   drops, slows and revokes and Redis restarts; prints lost, duplicated and half-made devices,
                   messages per enrollment and each replica's memory
  fuzz [SECONDS | --runs N]
                   run every fuzz target for SECONDS each (default 60), or for N executions each, with cargo-fuzz
                   and the nightly toolchain;
                   prints each target's executions and whether it found a crash";

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("setup") => Tools::locate().and_then(|tools| tools.install(args.iter().any(|a| a == "--browser"))),
        Some("build") => Tools::locate().and_then(|tools| tools.install(false).and_then(|()| build_site(&tools))),
        Some("dist") => Tools::locate().and_then(|tools| tools.install(false).and_then(|()| build_package(&tools))),
        Some("demo") => demo(&args[1..]),
        Some("test") => test(),
        Some("bench") => bench::run_bench(),
        Some("soak") => {
            let number = |at: usize, default: usize| args.get(at).map_or(Ok(default), |n| n.parse().map_err(|_| USAGE));
            number(1, 200)
                .and_then(|people| number(2, 4).map(|rounds| (people, rounds)))
                .map_err(str::to_owned)
                .and_then(|(people, rounds)| soak(people, rounds))
        }
        Some("fuzz") => {
            let budget = match (args.get(1).map(String::as_str), args.get(2)) {
                (None, _) => Ok(FuzzBudget::Seconds(60)),
                (Some("--runs"), Some(runs)) => runs.parse().map(FuzzBudget::Runs).map_err(|_| USAGE.to_owned()),
                (Some(seconds), None) => seconds.parse().map(FuzzBudget::Seconds).map_err(|_| USAGE.to_owned()),
                _ => Err(USAGE.to_owned()),
            };
            budget.and_then(fuzz)
        }
        _ => Err(USAGE.to_owned()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root: the folder above this crate.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the workspace").to_owned()
}

/// Where pinned tools are installed: outside the work tree, so that a fresh clone on the same machine reuses them.
pub struct Tools {
    dir: PathBuf,
}

impl Tools {
    pub fn locate() -> Result<Self, String> {
        let dir = match env::var_os("XTASK_TOOLS_DIR") {
            Some(dir) => PathBuf::from(dir),
            None => PathBuf::from(env::var_os("HOME").ok_or("HOME is not set")?).join(".cache/mfa-enroll/tools"),
        };
        std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        Ok(Self { dir })
    }

    fn bin(&self) -> PathBuf {
        self.dir.join("bin")
    }

    fn npm_bin(&self) -> PathBuf {
        self.dir.join("npm/node_modules/.bin")
    }

    /// PATH with the pinned tools first.
    pub fn path(&self) -> OsString {
        let mut paths = vec![self.bin(), self.npm_bin()];
        paths.extend(env::split_paths(&env::var_os("PATH").unwrap_or_default()));
        env::join_paths(paths).expect("tool paths have no separator in them")
    }

    pub fn install(&self, browser: bool) -> Result<(), String> {
        let steps = if browser { 7 } else { 5 };
        step(1, steps, "wasm32 target");
        let targets = output(Command::new("rustup").args(["target", "list", "--installed"]))?;
        if !targets.lines().any(|line| line.trim() == WASM_TARGET) {
            run(Command::new("rustup").args(["target", "add", WASM_TARGET]))?;
        }

        step(2, steps, &format!("Trunk {TRUNK_VERSION} (about 8 minutes the first time)"));
        if !self.has_version("trunk", TRUNK_VERSION) {
            self.cargo_install(&["trunk", "--version", TRUNK_VERSION, "--locked"])?;
        }

        let bindgen = wasm_bindgen_version()?;
        step(3, steps, &format!("wasm-bindgen-cli {bindgen}, as Cargo.lock pins (about 3 minutes the first time)"));
        if !self.has_version("wasm-bindgen", &bindgen) || !self.bin().join("wasm-bindgen-test-runner").exists() {
            // `--locked` fails here: a crate in its own lockfile is missing from the index.
            self.cargo_install(&["wasm-bindgen-cli", "--version", &bindgen])?;
        }

        step(4, steps, &format!("wasm-opt from npm binaryen@{BINARYEN_VERSION}"));
        if !self.has_version("wasm-opt", &format!("version {}", BINARYEN_VERSION.split('.').next().unwrap_or(""))) {
            self.npm_install(&format!("binaryen@{BINARYEN_VERSION}"))?;
        }

        step(5, steps, &format!("esbuild {ESBUILD_VERSION} from npm, to minify the site's JavaScript"));
        if !self.has_version("esbuild", ESBUILD_VERSION) {
            self.npm_install(&format!("esbuild@{ESBUILD_VERSION}"))?;
        }

        if browser {
            step(6, steps, &format!("axe-core {AXE_VERSION} from npm, for the accessibility tests"));
            let installed = self.dir.join("npm/node_modules/axe-core/package.json");
            let version = std::fs::read_to_string(installed).unwrap_or_default();
            if !version.contains(&format!("\"version\": \"{AXE_VERSION}\"")) {
                self.npm_install(&format!("axe-core@{AXE_VERSION}"))?;
            }

            // oathtool is the standard TOTP generator that the tests check the simulator against; the proxy's
            // shared rate limits are tested against a real redis-server.
            step(7, steps, "Chromium, ChromeDriver, oathtool and redis-server from Debian");
            if ["chromium", "chromedriver", "oathtool", "redis-server"].iter().any(|tool| which(tool).is_none()) {
                run(Command::new("apt-get").arg("update"))?;
                run(Command::new("apt-get")
                    .args([
                        "install",
                        "-y",
                        "--no-install-recommends",
                        "chromium",
                        "chromium-driver",
                        "oathtool",
                        "redis-server",
                    ])
                    .env("DEBIAN_FRONTEND", "noninteractive"))?;
            }
        }
        Ok(())
    }

    /// Whether the tool on our PATH prints a version line containing `version`.
    /// axe-core's browser bundle, which the end-to-end tests read.
    pub fn axe_script(&self) -> PathBuf {
        self.dir.join("npm/node_modules/axe-core/axe.min.js")
    }

    fn has_version(&self, tool: &str, version: &str) -> bool {
        Command::new(tool)
            .arg("--version")
            .env("PATH", self.path())
            .output()
            .is_ok_and(|out| out.status.success() && String::from_utf8_lossy(&out.stdout).contains(version))
    }

    fn npm_install(&self, package: &str) -> Result<(), String> {
        let prefix = self.dir.join("npm");
        run(Command::new("npm").args(["install", "--no-audit", "--no-fund", "--prefix"]).arg(prefix).arg(package))
    }

    fn cargo_install(&self, args: &[&str]) -> Result<(), String> {
        run(Command::new("cargo").arg("install").args(args).arg("--root").arg(&self.dir))
    }
}

/// The `wasm-bindgen` version in Cargo.lock, which the CLI must match exactly.
fn wasm_bindgen_version() -> Result<String, String> {
    let lock =
        std::fs::read_to_string(root().join("Cargo.lock")).map_err(|e| format!("cannot read Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"wasm-bindgen\"" {
            let version = lines.next().and_then(|l| l.strip_prefix("version = \"")).and_then(|v| v.strip_suffix('"'));
            return version.map(str::to_owned).ok_or_else(|| "Cargo.lock has no wasm-bindgen version".to_owned());
        }
    }
    Err("Cargo.lock has no wasm-bindgen package".to_owned())
}

pub fn build_site(tools: &Tools) -> Result<(), String> {
    println!("==> building the widget site into dist/ (release)");
    run(Command::new("cargo").arg("fetch").current_dir(root()))?;
    run(Command::new("trunk")
        .args(["build", "--release"])
        .current_dir(root())
        .env("PATH", tools.path())
        .env("TRUNK_SKIP_VERSION_CHECK", "true"))?;
    println!("==> minifying the site's JavaScript (esbuild)");
    for script in ["mfa-enroll.js", "boot.js", "demo.js"] {
        run(Command::new("esbuild")
            .arg(script)
            .args(["--minify", "--format=esm", "--log-level=warning", "--allow-overwrite"])
            .arg(format!("--outfile={script}"))
            .current_dir(root().join("dist"))
            .env("PATH", tools.path()))?;
    }
    Ok(())
}

/// Where `cargo xtask dist` writes the npm package.
pub fn package_dir() -> PathBuf {
    root().join("target/npm/mfa-enroll")
}

/// The npm package: the self-service site's own wasm and wasm-bindgen glue (one build serves both: its one
/// export is `mountWidget`), beside the hand-written entry (`www/package/`). The style sheet and the catalogues
/// become ES modules (`styles.js`, `locales/de.js`, …), so that every bundler carries them without configuration
/// and no page fetches a style sheet or a data URL that its CSP would refuse.
pub fn build_package(tools: &Tools) -> Result<(), String> {
    build_site(tools)?;
    println!("==> assembling the npm package in {}", package_dir().display());
    let out = package_dir();
    if out.exists() {
        std::fs::remove_dir_all(&out).map_err(|e| format!("cannot empty {}: {e}", out.display()))?;
    }
    std::fs::create_dir_all(out.join("locales")).map_err(|e| format!("cannot make {}: {e}", out.display()))?;
    let copy = |from: PathBuf, to: &str| {
        std::fs::copy(&from, out.join(to)).map(drop).map_err(|e| format!("cannot copy {}: {e}", from.display()))
    };
    for file in ["mfa-enroll.js", "mfa-enroll_bg.wasm", "mfa-enroll.css"] {
        copy(root().join("dist").join(file), file)?;
    }
    for file in ["package.json", "index.js", "index.d.ts", "README.md", "LICENSE"] {
        copy(root().join("www/package").join(file), file)?;
    }
    let read = |path: &Path| std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()));
    let write =
        |to: &str, text: String| std::fs::write(out.join(to), text).map_err(|e| format!("cannot write {to}: {e}"));
    let css = read(&root().join("www/mfa-enroll.css"))?;
    let template = css.replace('\\', "\\\\").replace('`', "\\`").replace("${", "\\${");
    write(
        "styles.js",
        format!("// The widget's style sheet, for a constructable CSSStyleSheet.\nexport default `{template}`;\n"),
    )?;
    for entry in std::fs::read_dir(root().join("www/locales")).map_err(|e| format!("www/locales: {e}"))? {
        let path = entry.map_err(|e| format!("www/locales: {e}"))?.path();
        let lang = path.file_stem().and_then(|stem| stem.to_str()).unwrap_or_default().to_owned();
        // JSON is a JavaScript expression: the catalogue becomes the module's default export as it is.
        write(&format!("locales/{lang}.js"), format!("export default {};\n", read(&path)?.trim()))?;
    }
    Ok(())
}

/// The npm-wrapped apps in `www/examples`, each built by Vite against the package that `build_package` assembled,
/// installed from its `npm pack` tarball as from the registry (a copy in `node_modules`, which Vite's dev server
/// pre-bundles, unlike a linked folder), and type-checked against the package's declarations:
///
/// - `vite`: no plugin and no configuration; `typecheck.ts` compiled by `tsc`;
/// - `react`: React 19 and `@vitejs/plugin-react`, its other packages from its lockfile (`npm ci`); `tsc`;
/// - `vue`: Vue 3 and `@vitejs/plugin-vue`, from its lockfile; `vue-tsc`.
fn build_examples() -> Result<(), String> {
    let packed = package_dir().with_file_name("mfa-enroll.tgz");
    let pack = Command::new("npm")
        .args(["pack", "--offline", "--loglevel=error", "--pack-destination", ".."])
        .current_dir(package_dir())
        .output()
        .map_err(|e| format!("npm pack: {e}"))?;
    // npm pack's last line on stdout names the tarball, `mfa-enroll-VERSION.tgz`.
    let stdout = String::from_utf8_lossy(&pack.stdout);
    let tarball = stdout.lines().last().filter(|name| pack.status.success() && name.ends_with(".tgz"));
    let tarball = tarball.ok_or_else(|| format!("npm pack failed: {}", String::from_utf8_lossy(&pack.stderr)))?;
    std::fs::rename(package_dir().with_file_name(tarball), &packed).map_err(|e| format!("{tarball}: {e}"))?;
    let quiet = ["--no-audit", "--no-fund", "--loglevel=error"];
    for (app, typecheck) in [("vite", "tsc"), ("react", "tsc"), ("vue", "vue-tsc")] {
        println!("==> building the {app} example against the package, and checking its types ({typecheck})");
        let example = root().join("www/examples").join(app);
        // The same version with new contents: npm would keep the copy it has.
        let installed = example.join("node_modules/mfa-enroll");
        if installed.exists() {
            std::fs::remove_dir_all(&installed).map_err(|e| format!("cannot remove {}: {e}", installed.display()))?;
        }
        if example.join("package-lock.json").is_file() {
            run(Command::new("npm").arg("ci").args(quiet).current_dir(&example))?;
            run(Command::new("npm").args(["install", "--no-save"]).args(quiet).arg(&packed).current_dir(&example))?;
        } else {
            run(Command::new("npm").args(["install", "--no-package-lock"]).args(quiet).current_dir(&example))?;
        }
        run(Command::new("npx").args(["--no-install", "vite", "build", "--logLevel", "warn"]).current_dir(&example))?;
        run(Command::new("npx").args(["--no-install", typecheck, "--noEmit"]).current_dir(&example))?;
    }
    Ok(())
}

fn demo(args: &[String]) -> Result<(), String> {
    let listen = match args {
        [] => "127.0.0.1:8080".to_owned(),
        [flag, address] if flag == "--listen" => address.clone(),
        _ => return Err("usage: cargo xtask demo [--listen ADDR]".to_owned()),
    };
    let tools = Tools::locate()?;
    tools.install(false)?;
    build_site(&tools)?;
    println!("==> starting the proxy with its embedded PingOne simulator");
    run(Command::new("cargo")
        .args(["run", "--release", "--quiet", "--package", "mfa-enroll-proxy", "--", "--listen", &listen, "--site"])
        .arg(root().join("dist"))
        .current_dir(root()))
}

fn test() -> Result<(), String> {
    let started = Instant::now();
    let tools = Tools::locate()?;
    tools.install(true)?;
    build_package(&tools)?;
    build_examples()?;
    let chromedriver = which("chromedriver").ok_or("chromedriver is not on PATH")?;

    proxy_without_simulator()?;

    println!("==> native tests: unit, proxy and simulator over loopback, end to end in Chromium");
    run(Command::new("cargo")
        .args(["test", "--workspace"])
        .current_dir(root())
        .env("E2E_SITE_DIR", root().join("dist"))
        .env("E2E_PACKAGE_DIR", package_dir())
        .env("E2E_VITE_DIR", root().join("www/examples/vite/dist"))
        .env("E2E_AXE_SCRIPT", tools.axe_script())
        .env("CHROMEDRIVER", &chromedriver))?;

    println!("==> browser tests of the widget (wasm-bindgen-test in headless Chromium)");
    run(Command::new("cargo")
        .args(["test", "--package", "mfa-enroll", "--target", WASM_TARGET, "--test", "*"])
        .current_dir(root())
        .env("PATH", tools.path())
        .env("CHROMEDRIVER", &chromedriver)
        .env("WASM_BINDGEN_TEST_WEBDRIVER_JSON", root().join("tests/webdriver.json")))?;

    println!("==> every test passed in {:.0} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// Builds the release proxy and runs the soak (`crates/e2e/src/bin/soak.rs`) against it; fails when its goal is
/// not met.
fn soak(people: usize, rounds: usize) -> Result<(), String> {
    Tools::locate()?.install(true)?;
    run(Command::new("cargo")
        .args(["build", "--release", "--package", "mfa-enroll-proxy", "--bin", "mfa-enroll-proxy"])
        .current_dir(root()))?;
    run(Command::new("cargo")
        .args(["run", "--release", "--quiet", "--package", "e2e", "--bin", "soak", "--"])
        .args([people.to_string(), rounds.to_string()])
        .current_dir(root())
        .env("SOAK_PROXY", root().join("target/release/mfa-enroll-proxy")))
}

/// The fuzz targets in `fuzz/`, each a parser that meets untrusted bytes.
const FUZZ_TARGETS: [&str; 5] = ["validate", "wire_model", "proxy_requests", "bearer_tokens", "simulator_requests"];
/// cargo-fuzz, from crates.io, pinned like every other tool.
const CARGO_FUZZ_VERSION: &str = "0.13.1";

/// How long each fuzz target runs: for so many seconds, or for so many executions.
#[derive(Clone, Copy)]
enum FuzzBudget {
    Seconds(u64),
    Runs(u64),
}

impl std::fmt::Display for FuzzBudget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Seconds(seconds) => write!(f, "{seconds} s"),
            Self::Runs(runs) => write!(f, "{runs} executions"),
        }
    }
}

/// Runs every fuzz target for its `budget` with the nightly toolchain that this machine kind has (rustup installs
/// one where it is missing), and reports each one's executions; a crash fails the run and leaves its input in
/// `fuzz/artifacts/`, to become a regression test.
fn fuzz(budget: FuzzBudget) -> Result<(), String> {
    let tools = Tools::locate()?;
    let has_nightly = Command::new("rustc").arg("+nightly").arg("-V").output().is_ok_and(|out| out.status.success());
    if !has_nightly {
        run(Command::new("rustup").args(["toolchain", "install", "nightly", "--profile", "minimal"]))?;
    }
    let cargo_fuzz = tools.bin().join("cargo-fuzz");
    if !cargo_fuzz.is_file() {
        run(Command::new("cargo")
            .args(["install", "cargo-fuzz", "--locked", "--version", CARGO_FUZZ_VERSION, "--root"])
            .arg(&tools.dir))?;
    }
    let mut report = Vec::new();
    for target in FUZZ_TARGETS {
        println!("==> fuzzing {target} for {budget}");
        let started = std::time::Instant::now();
        let limit = match budget {
            FuzzBudget::Seconds(seconds) => format!("-max_total_time={seconds}"),
            FuzzBudget::Runs(runs) => format!("-runs={runs}"),
        };
        let output = Command::new("cargo")
            .args(["+nightly", "fuzz", "run", target, "--", &limit, "-print_final_stats=1"])
            .current_dir(root().join("fuzz"))
            .env("PATH", tools.path())
            .output()
            .map_err(|e| format!("cannot run cargo fuzz: {e}"))?;
        let said = String::from_utf8_lossy(&output.stderr);
        let executions = said
            .lines()
            .find_map(|line| line.strip_prefix("stat::number_of_executed_units:"))
            .map_or("?".to_owned(), |count| count.trim().to_owned());
        let crashed = said.contains("Test unit written to");
        if !output.status.success() && !crashed {
            return Err(format!("cargo fuzz could not run {target}:\n{said}"));
        }
        let outcome = if crashed { "CRASH (its input is in fuzz/artifacts)" } else { "no crash" };
        let took = started.elapsed().as_secs();
        println!("    {executions} executions in {took} s, {outcome}");
        report.push((target, executions, took, !crashed));
        if crashed {
            let tail: Vec<&str> = said.lines().rev().take(40).collect();
            eprintln!("{}", tail.into_iter().rev().collect::<Vec<_>>().join("\n"));
        }
    }
    println!("\n## Fuzzing ({budget} a target)");
    for (target, executions, took, clean) in &report {
        println!("- {target}: {executions} executions in {took} s, {}", if *clean { "no crash" } else { "a crash" });
    }
    if report.iter().all(|(_, _, _, clean)| *clean) { Ok(()) } else { Err("a fuzz target crashed".to_owned()) }
}

/// Builds the proxy as an operator may, without the embedded simulator and its known worker secret, and checks that
/// it refuses to run one. Cargo links the default build again when the tests ask for it.
fn proxy_without_simulator() -> Result<(), String> {
    println!("==> the proxy without the embedded simulator (--no-default-features)");
    run(Command::new("cargo")
        .args(["build", "--package", "mfa-enroll-proxy", "--no-default-features", "--bin", "mfa-enroll-proxy"])
        .current_dir(root()))?;
    let proxy = root().join("target/debug/mfa-enroll-proxy");
    let checked =
        Command::new(&proxy).arg("--check-config").output().map_err(|e| format!("cannot run {proxy:?}: {e}"))?;
    let said = String::from_utf8_lossy(&checked.stderr);
    if checked.status.success() || !said.contains("built without the embedded simulator") {
        return Err(format!("the proxy without the simulator accepted the simulator as its upstream: {said}"));
    }
    Ok(())
}

fn step(number: usize, total: usize, what: &str) {
    println!("==> [{number}/{total}] {what}");
}

pub fn which(tool: &str) -> Option<PathBuf> {
    env::split_paths(&env::var_os("PATH")?).map(|dir| dir.join(tool)).find(|path| path.is_file())
}

pub fn run(command: &mut Command) -> Result<(), String> {
    let status = command.status().map_err(|e| format!("cannot run {command:?}: {e}"))?;
    if status.success() { Ok(()) } else { Err(format!("{command:?} failed with {status}")) }
}

fn output(command: &mut Command) -> Result<String, String> {
    let out = command.output().map_err(|e| format!("cannot run {command:?}: {e}"))?;
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

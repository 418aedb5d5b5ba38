//! Support for the whole-system tests in `tests/`: a running proxy with its embedded simulator, a ChromeDriver with
//! headless Chromium, and the test's own RFC 6238 code generator.
//!
//! Everything listens on 127.0.0.1 on ports that the OS picks, and everything stops when the [`Harness`] is dropped.
//! The generator here is written apart from the simulator's on purpose: a shared bug could not then pass unseen.

use std::net::TcpListener as StdListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub use mfa_enroll_proxy::Config;
use mfa_enroll_proxy::Proxy;
use thirtyfour::prelude::*;
use tokio::sync::oneshot;

/// How long a test waits for something to appear on the page before it fails.
pub const PAGE_WAIT: Duration = Duration::from_secs(20);
const POLL: Duration = Duration::from_millis(50);

/// The npm package that `cargo xtask dist` assembles (`E2E_PACKAGE_DIR` overrides where).
pub fn package_dir() -> PathBuf {
    std::env::var_os("E2E_PACKAGE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/npm/mfa-enroll"))
}

/// A site of the example pages (`www/examples`) with the package installed beside them in
/// `node_modules/mfa-enroll`, as `npm install` would, in a fresh folder under `target/` of its own: tests that run
/// side by side never share one.
pub fn examples_site(name: &str) -> PathBuf {
    static SITES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let number = SITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let examples = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../www/examples");
    let site =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/e2e-sites").join(format!("{name}-{number}"));
    if site.exists() {
        std::fs::remove_dir_all(&site).expect("the old site is removed");
    }
    copy_tree(&examples, &site);
    let package = package_dir();
    assert!(package.join("index.js").is_file(), "no package in {}: run `cargo xtask dist`", package.display());
    copy_tree(&package, &site.join("node_modules/mfa-enroll"));
    site
}

fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("a folder");
    for entry in std::fs::read_dir(from).expect("a readable folder").filter_map(Result::ok) {
        let path = entry.path();
        if path.is_dir() {
            copy_tree(&path, &to.join(entry.file_name()));
        } else {
            std::fs::copy(&path, to.join(entry.file_name())).expect("a copy");
        }
    }
}

/// The built site that the proxy serves: `E2E_SITE_DIR`, or `dist/` at the workspace root.
pub fn site_dir() -> PathBuf {
    let dir = std::env::var_os("E2E_SITE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../dist"));
    assert!(
        dir.join("index.html").is_file(),
        "no built site at {}: run `cargo xtask test`, which builds it first",
        dir.display()
    );
    dir
}

/// A proxy (with its simulator) and a browser, both stopped on drop.
pub struct Harness {
    pub proxy_url: String,
    pub simulator_url: String,
    pub driver: WebDriver,
    chromedriver: Child,
    stop_proxy: Option<oneshot::Sender<()>>,
}

impl Harness {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// A harness whose proxy has the defaults changed by `configure`, such as its rate limits or identity mode.
    pub async fn start_with(configure: impl FnOnce(&mut Config)) -> Self {
        Self::start_in(configure, Screen::Desktop).await
    }

    /// A harness whose browser is a 360 px touch phone, as Chromium's device emulation makes it.
    pub async fn start_on_phone() -> Self {
        Self::start_in(|_| {}, Screen::TouchPhone).await
    }

    async fn start_in(configure: impl FnOnce(&mut Config), screen: Screen) -> Self {
        let mut config = Config { site_dir: Some(site_dir()), ..Config::default() };
        configure(&mut config);
        let proxy = Proxy::start(config).await.expect("the proxy starts");
        // Empty when the test points the proxy at an upstream of its own.
        let simulator_url = proxy.simulator_url().unwrap_or_default().to_owned();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
        let proxy_url = format!("http://{}", listener.local_addr().expect("bound"));
        let (stop_proxy, stopped) = oneshot::channel::<()>();
        tokio::spawn(proxy.serve(listener, async move {
            stopped.await.ok();
        }));
        let (chromedriver, driver) = start_browser(screen).await;
        Self { proxy_url, simulator_url, driver, chromedriver, stop_proxy: Some(stop_proxy) }
    }

    /// The demo user's devices, as the proxy lists them.
    pub async fn devices(&self) -> serde_json::Value {
        testkit::json(reqwest::Client::new().get(format!("{}/api/devices", self.proxy_url))).await
    }

    /// The embedded simulator's control API.
    pub fn simulator(&self) -> testkit::Control {
        testkit::Control::at(&self.simulator_url)
    }

    /// The first element matching `by`, waiting for it to appear.
    pub async fn find(&self, by: By) -> WebElement {
        self.driver.query(by).wait(PAGE_WAIT, POLL).first().await.expect("the element appears")
    }

    /// The first element matching `by` whose text is `text`, waiting for it to appear. The invisible marks that
    /// isolate a value for bidirectional text (U+2068, U+2069) are not compared. Elements that the widget re-renders
    /// while they are read go stale; the search then starts again.
    pub async fn find_with_text(&self, by: By, text: &str) -> WebElement {
        eventually(&format!("an element with text {text:?} appears"), async || {
            for element in self.driver.find_all(by.clone()).await.ok()? {
                if element.text().await.is_ok_and(|shown| visible(&shown) == text) {
                    return Some(element);
                }
            }
            None
        })
        .await
    }

    /// Looks at the page as it is now at 1280, 360 and 320 px wide: nothing may scroll sideways at any width, and
    /// the 1280 and 360 px views are saved as `target/screenshots/{screen}-{width}.png` for a person to look at.
    pub async fn check_screen_widths(&self, screen: &str) {
        let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
        std::fs::create_dir_all(&folder).expect("a screenshot folder");
        for width in [1280, 360, 320] {
            self.driver.set_window_rect(0, 0, width, 900).await.expect("the window resizes");
            let overflow = format!("return document.documentElement.scrollWidth <= {width}");
            self.wait_until(&format!("{screen} fits {width} px without scrolling sideways"), &overflow).await;
            if width != 320 {
                let png = self.driver.screenshot_as_png().await.expect("a screenshot");
                std::fs::write(folder.join(format!("{screen}-{width}.png")), png).expect("the screenshot is saved");
            }
        }
        self.driver.set_window_rect(0, 0, 1024, 1400).await.expect("the window resizes back");
    }

    /// The first element matching `css` inside the shadow root of the page's element `host` (a CSS selector), whose
    /// text is `text` when one is given; waiting for it to appear.
    pub async fn find_in_shadow(&self, host: &str, css: &str, text: Option<&str>) -> WebElement {
        let what = format!("{css:?} with text {text:?} appears in {host}'s shadow root");
        eventually(&what, async || self.shadow_element(host, css, text).await).await
    }

    async fn shadow_element(&self, host: &str, css: &str, text: Option<&str>) -> Option<WebElement> {
        let root = self.driver.find(By::Css(host)).await.ok()?.get_shadow_root().await.ok()?;
        for element in root.find_all(By::Css(css)).await.ok()? {
            let shown = element.text().await.ok()?;
            if text.is_none_or(|text| visible(&shown) == text) {
                return Some(element);
            }
        }
        None
    }

    /// Starts recording every `mfa-enroll:*` event that reaches `window`, with its detail, for [`Harness::events`].
    pub async fn record_events(&self) {
        let script = r#"
            window.__events = [];
            for (const name of ["ready", "enrolled", "activation-sent", "resynced", "renamed", "removed",
                "default-changed", "rate-limited", "error", "session-expired"]) {
                window.addEventListener(`mfa-enroll:${name}`, (event) => window.__events.push({ type: name, detail: event.detail }));
            }
        "#;
        self.driver.execute(script, Vec::new()).await.expect("the recorder installs");
    }

    /// The details of the recorded events called `mfa-enroll:{name}`, oldest first.
    pub async fn events(&self, name: &str) -> Vec<serde_json::Value> {
        let script = "return window.__events.filter((e) => e.type === arguments[0]).map((e) => e.detail)";
        let details = self.driver.execute(script, vec![serde_json::Value::from(name)]).await.expect("script");
        details.json().as_array().cloned().unwrap_or_default()
    }

    /// Replaces what the input named `name` holds with `text`, typed key by key.
    pub async fn type_into(&self, name: &str, text: &str) {
        let field = self.find(By::Css(format!("input[name='{name}']"))).await;
        field.clear().await.expect("the field clears");
        field.send_keys(text).await.expect("typing");
    }

    /// Clicks "Send a new code" once its countdown has ended.
    pub async fn resend_when_allowed(&self) {
        let resend = self.find_with_text(By::Css("button"), "Send a new code").await;
        self.wait_until("the resend countdown ends", "return !document.querySelector('.mfa-countdown')?.textContent")
            .await;
        resend.click().await.expect("click");
    }

    /// The code of the `nth` message (from 1) that the simulator has sent, once it has been sent.
    pub async fn sent_code(&self, nth: usize) -> String {
        eventually(&format!("message {nth} is sent"), async || {
            let sent = self.simulator().outbox(None).await;
            sent.get(nth - 1).map(|message| message["otp"].as_str().expect("a code").to_owned())
        })
        .await
    }

    /// Waits until `script` returns true in the page.
    pub async fn wait_until(&self, what: &str, script: &str) {
        eventually(what, async || {
            let ret = self.driver.execute(script, Vec::new()).await.expect("the script runs");
            (ret.json().as_bool() == Some(true)).then_some(())
        })
        .await
    }

    /// Runs axe-core on the page as it is now and fails with every WCAG 2.x A and AA violation it finds.
    pub async fn assert_accessible(&self, screen: &str) {
        let violations = self.accessibility_violations().await;
        assert!(violations.is_empty(), "accessibility violations on {screen}:\n{}", violations.join("\n"));
    }

    /// Every WCAG 2.x A and AA violation that axe-core finds on the page as it is now.
    pub async fn accessibility_violations(&self) -> Vec<String> {
        let script = std::env::var_os("E2E_AXE_SCRIPT").map(PathBuf::from).unwrap_or_else(|| {
            let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default();
            home.join(".cache/mfa-enroll/tools/npm/node_modules/axe-core/axe.min.js")
        });
        let axe = std::fs::read_to_string(&script).unwrap_or_else(|e| {
            panic!("cannot read axe-core at {}: {e}; `cargo xtask test` installs it", script.display())
        });
        self.driver.execute(axe, Vec::new()).await.expect("axe-core loads");
        let found = self
            .driver
            .execute_async(
                r#"const done = arguments[arguments.length - 1];
                axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] } })
                    .then((result) => done(result.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)))
                    .catch((error) => done([`axe failed: ${error}`]));"#,
                Vec::new(),
            )
            .await
            .expect("axe-core runs");
        found.convert().expect("a list of violations")
    }

    /// The Content-Security-Policy violations that the browser reported since the last look.
    pub async fn csp_violations(&self) -> Vec<String> {
        let entries = self.driver.get_log("browser").await.expect("the browser log");
        entries
            .into_iter()
            .map(|entry| entry.message)
            .filter(|message| message.contains("Content Security Policy"))
            .collect()
    }

    /// Ends the test's browser and proxy; every test that ends this way has run under the site's CSP with no
    /// violation.
    pub async fn stop(mut self) {
        let violations = self.csp_violations().await;
        assert!(violations.is_empty(), "the page broke its Content-Security-Policy:\n{}", violations.join("\n"));
        if let Some(stop) = self.stop_proxy.take() {
            stop.send(()).ok();
        }
        let driver = self.driver.clone();
        driver.quit().await.ok();
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        self.chromedriver.kill().ok();
        self.chromedriver.wait().ok();
    }
}

/// What `attempt` gives, tried again every 50 ms until it gives something; the test fails, saying it was waiting
/// until `what`, when nothing came within [`PAGE_WAIT`].
pub async fn eventually<T>(what: &str, mut attempt: impl AsyncFnMut() -> Option<T>) -> T {
    let deadline = std::time::Instant::now() + PAGE_WAIT;
    loop {
        if let Some(found) = attempt().await {
            return found;
        }
        assert!(std::time::Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(POLL).await;
    }
}

/// `shown` as a person reads it: without the isolates around values, and without surrounding space.
fn visible(shown: &str) -> String {
    shown.replace(['\u{2068}', '\u{2069}'], "").trim().to_owned()
}

/// The kind of screen the browser has.
#[derive(Clone, Copy, PartialEq)]
enum Screen {
    Desktop,
    TouchPhone,
}

async fn start_browser(screen: Screen) -> (Child, WebDriver) {
    let chromedriver = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".to_owned());
    let port = StdListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
    let child = Command::new(&chromedriver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {chromedriver}: {e}; `cargo xtask test` installs it"));
    let mut caps = DesiredCapabilities::chrome();
    // The browser's console, where Chromium reports every Content-Security-Policy violation.
    caps.set_logging_prefs("browser", thirtyfour::common::log::LoggingPrefsLogLevel::All).expect("logging prefs");
    for arg in [
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-sync",
        "--window-size=1024,1400",
    ] {
        caps.add_arg(arg).expect("a valid argument");
    }
    if screen == Screen::TouchPhone {
        let phone =
            serde_json::json!({ "deviceMetrics": { "width": 360, "height": 740, "pixelRatio": 2.0, "touch": true } });
        caps.add_experimental_option("mobileEmulation", phone).expect("mobile emulation");
    }
    let url = format!("http://127.0.0.1:{port}");
    let deadline = std::time::Instant::now() + PAGE_WAIT;
    loop {
        match WebDriver::new(&url, caps.clone()).await {
            Ok(driver) => return (child, driver),
            Err(error) if std::time::Instant::now() > deadline => panic!("no WebDriver session: {error}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

/// The RFC 6238 code (HMAC-SHA-1, 30 s steps, 6 digits) of a base32 `secret` at `unix_seconds`, by `totp-rs`: a
/// generator independent of the simulator's.
pub fn totp_at(secret_base32: &str, unix_seconds: u64) -> String {
    generator(secret_base32, 6, 30).generate(unix_seconds)
}

/// The code an authenticator app shows now.
pub fn totp_now(secret_base32: &str) -> String {
    totp_at(secret_base32, SystemTime::now().duration_since(UNIX_EPOCH).expect("after 1970").as_secs())
}

/// The RFC 4226 code of a base32 `secret` at `counter`, as a hardware token shows it.
pub fn hotp_at(secret_base32: &str, counter: u64, digits: usize) -> String {
    // HOTP is TOTP with one-second steps read at second `counter`: the counter is the step.
    generator(secret_base32, digits, 1).generate(counter)
}

fn generator(secret_base32: &str, digits: usize, step_seconds: u64) -> totp_rs::TOTP {
    let key = totp_rs::Secret::Encoded(secret_base32.to_owned()).to_bytes().expect("a base32 secret");
    // Unchecked: the RFC's test secrets and hardware tokens' may be shorter than the 128 bits totp-rs asks of new ones.
    totp_rs::TOTP::new_unchecked(totp_rs::Algorithm::SHA1, digits, 0, step_seconds, key)
}

/// Reads the QR code in a PNG image.
pub fn decode_qr(png: &[u8]) -> String {
    let image = image::load_from_memory_with_format(png, image::ImageFormat::Png).expect("a PNG").to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(image);
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1, "expected one QR code in the screenshot");
    let (_, content) = grids[0].decode().expect("the QR code decodes");
    content
}

/// The most that what the page loads (its HTML, wasm, JS and CSS, release build) may weigh under Brotli, in KiB.
pub const PAYLOAD_BUDGET_KIB: usize = 145;

/// How a server compresses what it sends.
#[derive(Clone, Copy, Debug)]
pub enum Encoding {
    /// Brotli at quality 11, what browsers download from a server that precompresses.
    Brotli,
    /// gzip -9, for comparison with earlier figures.
    Gzip,
}

impl Encoding {
    pub fn compress(self, bytes: &[u8]) -> Vec<u8> {
        use std::io::Write;
        match self {
            Self::Brotli => {
                let mut compressed = Vec::new();
                let mut encoder = brotli::CompressorWriter::new(&mut compressed, 4096, 11, 22);
                encoder.write_all(bytes).expect("compressed");
                drop(encoder);
                compressed
            }
            Self::Gzip => {
                let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
                encoder.write_all(bytes).expect("compressed");
                encoder.finish().expect("compressed")
            }
        }
    }
}

/// What the page loads, compressed as a server would send it: the size of each `.html`, `.wasm`, `.js`, `.css` and
/// `.json` file in a folder of the built site, by file name.
pub fn payload_sizes(site: &std::path::Path, encoding: Encoding) -> Vec<(String, usize)> {
    let loaded = ["html", "wasm", "js", "css", "json"];
    let mut sizes: Vec<(String, usize)> = std::fs::read_dir(site)
        .expect("the site folder")
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| loaded.iter().any(|known| ext == *known)))
        .map(|path| {
            let name = path.file_name().expect("a name").to_string_lossy().into_owned();
            (name, encoding.compress(&std::fs::read(&path).expect("readable")).len())
        })
        .collect();
    sizes.sort();
    sizes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totp_matches_rfc_6238_appendix_b_for_sha1() {
        let secret = data_encoding::BASE32_NOPAD.encode(b"12345678901234567890");
        for (time, code) in
            [(59, "94287082"), (1111111109, "07081804"), (1234567890, "89005924"), (20000000000, "65353130")]
        {
            assert_eq!(generator(&secret, 8, 30).generate(time), code);
        }
        assert_eq!(totp_at(&secret, 59), "287082");
        // RFC 4226 appendix D.
        assert_eq!(hotp_at(&secret, 0, 6), "755224");
        assert_eq!(hotp_at(&secret, 9, 6), "520489");
    }
}

//! The npm package as portals use it, in real Chromium through the proxy: a plain page with one module script and
//! one element, a portal with two widgets under a strict CSP and greedy host styles, mount, destroy and mount
//! again, and a Vite app. In each, a person enrolls an authenticator app; the events arrive with their detail, and no
//! Content-Security-Policy violation happens.

use e2e::{Config, Harness, examples_site, totp_now};
use mfa_enroll_proxy::{Identity, TokenAuth, Upstream};
use serde_json::Value;
use thirtyfour::prelude::*;

async fn harness_for(example: &str) -> Harness {
    let site = examples_site(example);
    let harness = Harness::start_with(|config: &mut Config| config.site_dir = Some(site)).await;
    harness.driver.goto(format!("{}/{example}.html", harness.proxy_url)).await.expect("the page loads");
    harness
}

/// Enrolls an authenticator app in the widget at `host`, as a person would, clicking and typing in its shadow root.
async fn enroll_authenticator_app(harness: &Harness, host: &str, add: &str, verify: &str) -> String {
    harness.find_in_shadow(host, "button", Some(add)).await.click().await.expect("click");
    let secret = harness.find_in_shadow(host, ".mfa-secret-value", None).await.text().await.expect("text");
    let code = harness.find_in_shadow(host, "input[name='otp']", None).await;
    code.send_keys(totp_now(&secret.replace(' ', ""))).await.expect("typing");
    harness.find_in_shadow(host, "button", Some(verify)).await.click().await.expect("click");
    harness.find_in_shadow(host, ".mfa-device-status", None).await;
    secret.replace(' ', "")
}

/// What the page recorded in `window.{what}`.
async fn recorded(harness: &Harness, what: &str) -> Value {
    harness.driver.execute(&format!("return window.{what}"), Vec::new()).await.expect("script").json().clone()
}

/// The events of `kind` that the page heard from the widget `from`.
async fn events(harness: &Harness, kind: &str, from: &str) -> Vec<Value> {
    let all = recorded(harness, "__events").await;
    let all = all.as_array().expect("an array").clone();
    all.into_iter().filter(|event| event["type"] == kind && event["from"] == from).collect()
}

async fn assert_no_violations(harness: &Harness) {
    assert_eq!(recorded(harness, "__violations").await, serde_json::json!([]), "Content-Security-Policy violations");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_page_with_one_script_and_one_element_enrolls_a_device() {
    let harness = harness_for("plain").await;
    harness.find_in_shadow("#widget", "h1", Some("Your sign-in methods")).await;
    harness
        .wait_until("the widget is ready", "return window.__events.some((e) => e.type === 'mfa-enroll:ready')")
        .await;
    let secret = enroll_authenticator_app(&harness, "#widget", "Add authenticator app", "Verify").await;

    let ready = events(&harness, "mfa-enroll:ready", "widget").await;
    assert_eq!(ready.len(), 1, "ready once: {ready:?}");
    let offered = ready[0]["detail"]["types"].as_array().expect("types").len();
    assert!(offered >= 4, "the proxy's demo types are offered: {ready:?}");
    let enrolled = events(&harness, "mfa-enroll:enrolled", "widget").await;
    let devices: Value = harness.devices().await;
    let device_id = devices["_embedded"]["devices"][0]["id"].clone();
    assert_eq!(enrolled.len(), 1);
    assert_eq!(enrolled[0]["detail"], serde_json::json!({ "deviceId": device_id, "type": "TOTP" }));
    let everything = recorded(&harness, "__events").await.to_string();
    assert!(!everything.contains(&secret), "no event carries the secret");

    // Attributes changed after mount are applied: another language, fewer types.
    let change = "const widget = document.getElementById('widget'); widget.setAttribute('locale', 'ja'); widget.setAttribute('types', 'EMAIL')";
    harness.driver.execute(change, Vec::new()).await.expect("script");
    harness.find_in_shadow("#widget", "h1", Some("サインイン方法")).await;
    harness.find_in_shadow("#widget", ".mfa-add", Some("メールを追加")).await;
    let adds = "return document.getElementById('widget').shadowRoot.querySelectorAll('.mfa-add').length";
    assert_eq!(harness.driver.execute(adds, Vec::new()).await.expect("script").json(), 1);
    let widgets = "return document.getElementById('widget').shadowRoot.querySelectorAll('.mfa-enroll').length";
    assert_eq!(harness.driver.execute(widgets, Vec::new()).await.expect("script").json(), 1, "one widget, not two");
    assert_no_violations(&harness).await;
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_portal_with_two_widgets_keeps_its_styles_out_and_its_theme_in() {
    let harness = harness_for("portal").await;
    harness.find_in_shadow("#plain", "h1", Some("Your sign-in methods")).await;
    harness.find_in_shadow("#themed", "h1", Some("Vos méthodes de connexion")).await;

    // The portal's greedy rules reach neither widget; the theme's custom properties reach the themed one.
    let style = |host: &str, css: &str, property: &str| {
        format!(
            "return getComputedStyle(document.querySelector('{host}').shadowRoot.querySelector('{css}')).{property}"
        )
    };
    let computed = |script: String| {
        let driver = harness.driver.clone();
        async move {
            driver.execute(&script, Vec::new()).await.expect("script").json().as_str().unwrap_or_default().to_owned()
        }
    };
    assert_eq!(computed(style("#plain", "h1", "fontSize")).await, "24px", "1.5em of the widget's own 16 px");
    assert_eq!(computed(style("#plain", "h1", "textTransform")).await, "none");
    assert_eq!(computed(style("#plain", "h1", "letterSpacing")).await, "normal");
    assert_ne!(computed(style("#plain", ".mfa-add", "display")).await, "none");
    assert_eq!(computed(style("#plain", ".mfa-add", "backgroundColor")).await, "rgb(11, 87, 208)");
    assert_eq!(computed(style("#themed", ".mfa-add", "backgroundColor")).await, "rgb(107, 33, 168)");
    assert_eq!(computed(style("#themed", ".mfa-add", "borderTopLeftRadius")).await, "0px");
    assert!(!computed(style("#plain", "h1", "fontFamily")).await.contains("cursive"));
    assert_eq!(computed(style("#themed", "h1", "textDecorationLine")).await, "underline", "::part(heading)");
    assert_eq!(computed(style("#plain", "h1", "textDecorationLine")).await, "none");

    // Each widget offers only its own types, and each enrolls on its own; ids do not collide across them.
    let offered = |host: &str| {
        let driver = harness.driver.clone();
        let script = format!("return document.querySelector('{host}').shadowRoot.querySelectorAll('.mfa-add').length");
        async move { driver.execute(&script, Vec::new()).await.expect("script").json().as_u64() }
    };
    assert_eq!(offered("#plain").await, Some(2), "TOTP and EMAIL");
    assert_eq!(offered("#themed").await, Some(1), "TOTP");
    enroll_authenticator_app(&harness, "#themed", "Ajouter une application d’authentification", "Vérifier").await;
    assert_eq!(events(&harness, "mfa-enroll:enrolled", "themed").await.len(), 1);
    assert_eq!(events(&harness, "mfa-enroll:enrolled", "plain").await.len(), 0, "events come from their own widget");
    harness.assert_accessible("a portal with two widgets").await;
    assert_no_violations(&harness).await;
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mount_destroy_and_mount_again_leave_nothing_behind() {
    let harness = harness_for("remount").await;
    harness.wait_until("the first widget is destroyed", "return window.__destroyed !== undefined").await;
    assert_eq!(
        recorded(&harness, "__destroyed").await,
        serde_json::json!({ "children": 0, "accent": 0 }),
        "destroy() empties the shadow root"
    );
    harness.find(By::Css("#remount")).await.click().await.expect("click");
    harness.find_in_shadow("#widget", "h1", Some("Your sign-in methods")).await;
    let count = "return document.querySelector('#widget').shadowRoot.querySelectorAll('.mfa-enroll').length";
    assert_eq!(harness.driver.execute(count, Vec::new()).await.expect("script").json(), 1, "one widget, not two");
    // The second mount's theme reaches the widget through the element's custom properties.
    let accent = "return getComputedStyle(document.querySelector('#widget').shadowRoot.querySelector('.mfa-add')).backgroundColor";
    assert_eq!(harness.driver.execute(accent, Vec::new()).await.expect("script").json(), "rgb(107, 33, 168)");
    enroll_authenticator_app(&harness, "#widget", "Add authenticator app", "Verify").await;
    let ready = events(&harness, "mfa-enroll:ready", "widget").await;
    assert_eq!(ready.len(), 2, "each mount is ready once: {ready:?}");
    assert_eq!(events(&harness, "mfa-enroll:enrolled", "widget").await.len(), 1);
    assert_no_violations(&harness).await;
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vite_app_imports_the_package_without_plugins() {
    let site = std::env::var_os("E2E_VITE_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../www/examples/vite/dist"));
    assert!(site.join("index.html").is_file(), "no Vite build at {}: `cargo xtask test` makes it", site.display());
    let harness = Harness::start_with(|config: &mut Config| config.site_dir = Some(site)).await;
    harness.driver.goto(&harness.proxy_url).await.expect("the page loads");
    // The page is German: the catalogue comes from the chunk that Vite split off the package.
    harness.find_in_shadow("#widget", "h1", Some("Ihre Anmeldemethoden")).await;
    enroll_authenticator_app(&harness, "#widget", "Authenticator-App hinzufügen", "Bestätigen").await;
    let enrolled = events(&harness, "mfa-enroll:enrolled", "widget").await;
    assert_eq!(enrolled.len(), 1);
    assert_eq!(enrolled[0]["detail"]["type"], "TOTP");
    assert_no_violations(&harness).await;
    harness.stop().await;
}

/// Vite's dev server on a loopback port, stopped with the test.
struct ViteDevServer {
    url: String,
    process: std::process::Child,
    /// Vite watches its settings file and restarts when it changes, so the file stays until Vite stops.
    settings: std::path::PathBuf,
}

impl ViteDevServer {
    /// Serves the Vite example on `port` as `npm run dev` does, with the dependency optimizer starting afresh; the
    /// only setting is the route that sends `/api` to the proxy at `api`.
    async fn start(port: u16, api: &str) -> Self {
        let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../www/examples/vite");
        let vite = example.join("node_modules/vite/bin/vite.js");
        assert!(vite.is_file(), "no Vite in {}: `cargo xtask test` installs it", example.display());
        let settings = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("vite-dev-{port}.mjs"));
        std::fs::write(&settings, format!("export default {{ server: {{ proxy: {{ '/api': '{api}' }} }} }};\n"))
            .expect("written");
        let process = std::process::Command::new("node")
            .arg(&vite)
            .arg("--config")
            .arg(&settings)
            .args(["--host", "127.0.0.1", "--port", &port.to_string(), "--strictPort", "--force", "--logLevel", "warn"])
            .current_dir(&example)
            .spawn()
            .expect("Vite starts");
        let server = Self { url: format!("http://127.0.0.1:{port}/"), process, settings };
        e2e::eventually("Vite's dev server answers", async || reqwest::get(&server.url).await.ok()).await;
        server
    }
}

impl Drop for ViteDevServer {
    fn drop(&mut self) {
        self.process.kill().ok();
        self.process.wait().ok();
        std::fs::remove_file(&self.settings).ok();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vites_dev_server_serves_the_package_through_its_dependency_optimizer() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port").local_addr().expect("bound").port();
    // Vite's proxy forwards the page's Origin (the dev server's) and names the proxy in `Host`: both on loopback,
    // which the proxy takes as its own when no public origins are set.
    let harness = Harness::start().await;
    let vite = ViteDevServer::start(port, &harness.proxy_url).await;
    harness.driver.goto(&vite.url).await.expect("the page loads");
    harness.find_in_shadow("#widget", "h1", Some("Ihre Anmeldemethoden")).await;
    let pre_bundled = harness
        .driver
        .execute(
            r#"return performance.getEntriesByType("resource").map((entry) => new URL(entry.name).pathname)
                .filter((path) => path.includes("mfa-enroll"))"#,
            Vec::new(),
        )
        .await
        .expect("script")
        .json()
        .clone();
    let loaded: Vec<&str> = pre_bundled.as_array().expect("paths").iter().filter_map(Value::as_str).collect();
    assert!(
        loaded.iter().any(|path| path.starts_with("/node_modules/.vite/deps/mfa-enroll.js")),
        "the package came through Vite's optimizer, as from the registry: {loaded:?}"
    );
    enroll_authenticator_app(&harness, "#widget", "Authenticator-App hinzufügen", "Bestätigen").await;
    assert_eq!(events(&harness, "mfa-enroll:enrolled", "widget").await.len(), 1);
    drop(vite);
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hosts_access_token_is_the_persons_identity() {
    // A simulator of its own as PingOne, and the proxy in bearer mode against its JWKS: no demo user here.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
    let simulator = pingone_simulator::Simulator::demo();
    let info = simulator.startup_info(&format!("http://{}", listener.local_addr().expect("bound")));
    tokio::spawn(pingone_simulator::serve(listener, simulator, std::future::pending()));
    let issuer = format!("{}/{}/as", info.auth_url, info.environment_id);
    let site = examples_site("bearer");
    let harness = Harness::start_with(|config: &mut Config| {
        config.upstream = Upstream::PingOne(mfa_enroll_proxy::PingOne {
            api_url: info.api_url.clone(),
            auth_url: info.auth_url.clone(),
            environment_id: info.environment_id.clone(),
            client_id: info.client_id.clone(),
            client_secret: info.client_secret.clone().into(),
            token_auth: TokenAuth::Basic,
            policy_id: Some(info.policy_id.clone()),
            ..Default::default()
        });
        config.identity = Identity::Bearer(mfa_enroll_proxy::Bearer {
            jwks_url: format!("{issuer}/jwks"),
            issuer: issuer.clone(),
            audience: "https://api.pingone.com".into(),
            leeway_seconds: 30,
            jwks_refetch_seconds: 30,
        });
        config.site_dir = Some(site);
    })
    .await;
    let simulator = testkit::Control::at(&info.auth_url);
    let user_id = simulator.new_user("grace@example.com").await;
    let minted = simulator.post(&format!("users/{user_id}/tokens"), serde_json::json!({})).await;
    let token = minted["access_token"].as_str().expect("a token").to_owned();

    // Without a token the widget says the session has ended, and the page hears it from the element.
    harness.driver.goto(format!("{}/plain.html", harness.proxy_url)).await.expect("the page loads");
    harness.find_in_shadow("#widget", "p[role='alert']", Some("Your session has ended. Sign in again.")).await;
    harness
        .wait_until(
            "the page hears",
            "return window.__events.some((e) => e.type === 'mfa-enroll:session-expired' && e.from === 'widget')",
        )
        .await;

    // With the host's getAccessToken, the person is the token's subject.
    let give_token = "document.getElementById('widget').getAccessToken = () => Promise.resolve(arguments[0])";
    harness.driver.execute(give_token, vec![Value::from(token.clone())]).await.expect("script");
    harness.find_in_shadow("#widget", "p", Some("You have no sign-in methods yet.")).await;
    enroll_authenticator_app(&harness, "#widget", "Add authenticator app", "Verify").await;
    let devices: Value =
        testkit::json(reqwest::Client::new().get(format!("{}/api/devices", harness.proxy_url)).bearer_auth(&token))
            .await;
    assert_eq!(devices["_embedded"]["devices"][0]["type"], "TOTP", "the device is the token subject's: {devices}");
    assert_no_violations(&harness).await;
    harness.stop().await;
}

#[test]
fn the_package_packs_offline_with_its_entry_declarations_wasm_and_catalogues() {
    let package = e2e::package_dir();
    let output = std::process::Command::new("npm")
        .args(["pack", "--dry-run", "--json", "--offline"])
        .current_dir(&package)
        .output()
        .expect("npm runs");
    assert!(output.status.success(), "npm pack failed: {}", String::from_utf8_lossy(&output.stderr));
    let packed: Value = serde_json::from_slice(&output.stdout).expect("npm pack's JSON");
    let files: Vec<&str> =
        packed[0]["files"].as_array().expect("files").iter().filter_map(|file| file["path"].as_str()).collect();
    for expected in [
        "package.json",
        "index.js",
        "index.d.ts",
        "mfa-enroll.js",
        "mfa-enroll_bg.wasm",
        "mfa-enroll.css",
        "styles.js",
        "locales/ar.js",
        "locales/de.js",
        "locales/es.js",
        "locales/fr.js",
        "locales/ja.js",
        "README.md",
        "LICENSE",
    ] {
        assert!(files.contains(&expected), "{expected} is not in the tarball: {files:?}");
    }
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(package.join("package.json")).expect("package.json"))
            .expect("JSON");
    assert_eq!(manifest["name"], "mfa-enroll");
    assert_eq!(manifest["type"], "module");
    assert_eq!(manifest["types"], "./index.d.ts");
    assert_eq!(manifest["exports"]["."]["types"], "./index.d.ts");
    assert_eq!(manifest["exports"]["."]["import"], "./index.js");
}

/// Counts the intervals, timeouts and window or document listeners that a mounted widget holds, then destroys it
/// in the middle of a resend countdown: nothing may be left running or listening.
const MOUNT_COUNT_AND_DESTROY: &str = r#"
    const done = arguments[arguments.length - 1];
    const held = { intervals: new Set(), listeners: 0 };
    const [setInterval, clearInterval] = [window.setInterval, window.clearInterval];
    window.setInterval = (...args) => { const id = setInterval(...args); held.intervals.add(id); return id; };
    window.clearInterval = (id) => { held.intervals.delete(id); clearInterval(id); };
    for (const target of [window, document]) {
        const [add, remove] = [target.addEventListener.bind(target), target.removeEventListener.bind(target)];
        target.addEventListener = (...args) => { if (!args[0].startsWith("mfa-enroll:")) held.listeners++; add(...args); };
        target.removeEventListener = (...args) => { if (!args[0].startsWith("mfa-enroll:")) held.listeners--; remove(...args); };
    }
    const { mount } = await import("./node_modules/mfa-enroll/index.js");
    const element = document.createElement("div");
    document.body.append(element);
    const widget = await mount(element, { apiBase: "/api" });
    const inside = (css) => element.shadowRoot.querySelector(css);
    const until = async (check) => { while (!check()) await new Promise((r) => setTimeout(r, 50)); };
    await until(() => [...element.shadowRoot.querySelectorAll("button")].some((b) => b.textContent === "Add email"));
    [...element.shadowRoot.querySelectorAll("button")].find((b) => b.textContent === "Add email").click();
    await until(() => inside("input[name='address']"));
    const address = inside("input[name='address']");
    address.value = "ada@example.com";
    address.dispatchEvent(new Event("input", { bubbles: true }));
    inside("button[type='submit']").click();
    await until(() => inside(".mfa-countdown")?.textContent);
    const counting = held.intervals.size;
    widget.destroy();
    // Effects are cleaned up by the widget's scheduler: poll, for at most 3 s.
    for (let waited = 0; held.intervals.size > 0 && waited < 3000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    done({ counting, intervals: held.intervals.size, listeners: held.listeners, children: element.shadowRoot.childElementCount });
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn destroy_in_a_countdown_leaves_no_timer_no_listener_and_no_dom() {
    let harness = harness_for("remount").await;
    harness.wait_until("the example's own widget is destroyed", "return window.__destroyed !== undefined").await;
    let held = harness.driver.execute_async(MOUNT_COUNT_AND_DESTROY, Vec::new()).await.expect("the script runs");
    let held = held.json();
    assert!(held["counting"].as_u64() >= Some(1), "the resend countdown ran an interval: {held}");
    assert_eq!(held["intervals"], 0, "no interval is left: {held}");
    assert_eq!(held["listeners"], 0, "no window or document listener is left: {held}");
    assert_eq!(held["children"], 0, "no DOM is left: {held}");
    harness.stop().await;
}

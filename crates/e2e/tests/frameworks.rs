//! The npm package in the apps that portals are written in, each built by Vite from its own lockfile with the packed
//! package installed as from the registry: React 19 (attributes and `getAccessToken` as props, events through a ref)
//! and Vue 3 (`.prop` and `v-on` with the colon names). In each, in real Chromium through the proxy, the person
//! leaves the settings and comes back, then enrolls an authenticator app; the app hears the events in its own way,
//! the host's token function is the one the widget calls, and the widget that was unmounted leaves nothing behind.

use e2e::{Config, Harness, totp_now};
use serde_json::{Value, json};
use thirtyfour::prelude::*;

/// The app's Vite build, which `cargo xtask test` makes.
fn built(app: &str) -> std::path::PathBuf {
    let site = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../../www/examples/{app}/dist"));
    assert!(
        site.join("index.html").is_file(),
        "no build of the {app} app at {}: `cargo xtask test` makes it",
        site.display()
    );
    site
}

async fn script(harness: &Harness, code: &str) -> Value {
    harness.driver.execute(code, Vec::new()).await.expect("script").json().clone()
}

async fn heard(harness: &Harness, kind: &str) -> Vec<Value> {
    let all = script(harness, "return window.__heard").await;
    all.as_array().expect("a list").iter().filter(|event| event["type"] == kind).cloned().collect()
}

async fn leave_come_back_and_enroll(app: &str) {
    let harness = Harness::start_with(|config: &mut Config| config.site_dir = Some(built(app))).await;
    harness.driver.goto(&harness.proxy_url).await.expect("the page loads");
    harness.find_in_shadow("#widget", "h1", Some("Your sign-in methods")).await;
    harness.wait_until("the app heard ready", "return window.__heard.some(e => e.type === 'mfa-enroll:ready')").await;
    assert!(
        script(&harness, "return window.__tokensGiven").await.as_u64() > Some(0),
        "the widget asked the app's getAccessToken, given as a property"
    );

    script(&harness, "window.__left = document.querySelector('mfa-enroll'); return null").await;
    harness.find(By::Css("#toggle")).await.click().await.expect("click");
    harness.wait_until("the settings are gone", "return document.querySelector('mfa-enroll') === null").await;
    harness
        .wait_until(
            "the unmounted widget emptied its shadow root",
            "return window.__left.shadowRoot.childElementCount === 0",
        )
        .await;

    harness.find(By::Css("#toggle")).await.click().await.expect("click");
    harness.find_in_shadow("#widget", "h1", Some("Your sign-in methods")).await;
    assert_eq!(script(&harness, "return document.querySelectorAll('mfa-enroll').length").await, 1);
    assert_eq!(
        script(&harness, "return window.__left.shadowRoot.childElementCount").await,
        0,
        "the widget that was left stays empty"
    );

    harness.find_in_shadow("#widget", "button", Some("Add authenticator app")).await.click().await.expect("click");
    let secret = harness.find_in_shadow("#widget", ".mfa-secret-value", None).await.text().await.expect("text");
    let code = harness.find_in_shadow("#widget", "input[name='otp']", None).await;
    code.send_keys(totp_now(&secret.replace(' ', ""))).await.expect("typing");
    harness.find_in_shadow("#widget", "button", Some("Verify")).await.click().await.expect("click");
    harness.find_in_shadow("#widget", ".mfa-device-status", Some("Active")).await;
    harness.find_with_text(By::Css("#added"), "Added: TOTP").await;

    let ready = heard(&harness, "mfa-enroll:ready").await;
    assert_eq!(ready.len(), 2, "one ready for each mount, none from the unmounted one: {ready:?}");
    let enrolled = heard(&harness, "mfa-enroll:enrolled").await;
    assert_eq!(enrolled.len(), 1, "{enrolled:?}");
    assert_eq!(enrolled[0]["detail"]["type"], "TOTP");
    assert!(enrolled[0]["detail"]["deviceId"].is_string());
    assert_eq!(heard(&harness, "mfa-enroll:error").await, Vec::<Value>::new());
    assert_eq!(script(&harness, "return window.__violations").await, json!([]), "Content-Security-Policy violations");
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_react_app_leaves_comes_back_and_enrolls() {
    leave_come_back_and_enroll("react").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vue_app_leaves_comes_back_and_enrolls() {
    leave_come_back_and_enroll("vue").await;
}

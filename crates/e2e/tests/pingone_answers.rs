//! The widget in Chromium against what real PingOne tenants hold and answer: lists with devices paired elsewhere
//! and blocked ones, and one test for each variant that the simulator offers where PingOne's documentation is
//! silent (the default variant runs in every other test).

use e2e::{Harness, totp_now};
use mfa_enroll_proxy::Config;
use pingone_simulator::Fixture;
use serde_json::{Value, json};
use thirtyfour::prelude::*;

async fn seed(harness: &Harness, body: Value) -> String {
    let user = Fixture::demo().demo_user_id;
    let seeded = harness.simulator().post(&format!("users/{user}/devices"), body).await;
    seeded["id"].as_str().expect("an id").to_owned()
}

/// The text of the row of device `id`, and whether it offers to be made the default.
async fn row(harness: &Harness, id: &str) -> (String, bool) {
    let row = harness.find(By::Css(format!("li[data-device-id='{id}']"))).await;
    let text = row.text().await.expect("text");
    let offers_default = text.contains("Make default");
    (text, offers_default)
}

async fn add_authenticator_app(harness: &Harness) {
    harness.find_with_text(By::Css("button"), "Add authenticator app").await.click().await.expect("click");
    let secret = harness.find(By::Css(".mfa-secret-value")).await.text().await.expect("text").replace(' ', "");
    harness.type_into("otp", &totp_now(&secret)).await;
    harness.find_with_text(By::Css("button"), "Verify").await.click().await.expect("click");
    harness.find_with_text(By::Css("p[role='status']"), "Authenticator app added.").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_list_of_every_kind_shows_each_for_what_it_is_and_never_defaults_to_a_blocked_one() {
    let harness = Harness::start().await;
    let blocked = seed(&harness, json!({ "type": "SMS", "phone": "+15125201234", "blocked": true })).await;
    let passkey = seed(&harness, json!({ "type": "FIDO2" })).await;
    let mobile = seed(&harness, json!({ "type": "MOBILE", "nickname": "Ada's phone" })).await;
    let whatsapp = seed(&harness, json!({ "type": "WHATSAPP", "phone": "+15125209876" })).await;
    let desktop = seed(&harness, json!({ "type": "PINGID_DESKTOP_GEN2" })).await;
    harness.driver.goto(&harness.proxy_url).await.expect("the page loads");

    let (text, offers_default) = row(&harness, &blocked).await;
    assert!(text.contains("Text message") && text.contains("Blocked by your administrator."), "{text}");
    assert!(!offers_default, "a blocked device is never made the default: {text}");
    let (text, _) = row(&harness, &passkey).await;
    assert!(text.contains("Passkey or security key") && text.contains("Default"), "the first usable one: {text}");
    let (text, offers_default) = row(&harness, &mobile).await;
    assert!(text.contains("Ada's phone") && offers_default, "{text}");
    let (text, _) = row(&harness, &whatsapp).await;
    assert!(text.contains("WhatsApp") && text.contains("•••• 9876"), "{text}");
    let (text, _) = row(&harness, &desktop).await;
    assert!(text.contains("PingID desktop app"), "{text}");
    harness.assert_accessible("a list of every kind").await;
    harness.check_screen_widths("a list of every kind").await;
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_is_marked_in_every_shape_of_the_order() {
    let harness = Harness::start().await;
    let first = seed(&harness, json!({ "type": "FIDO2" })).await;
    let second = seed(&harness, json!({ "type": "MOBILE" })).await;
    let reorder = reqwest::Client::new()
        .post(format!("{}/api/devices", harness.proxy_url))
        .header("Content-Type", "application/vnd.pingidentity.devices.reorder+json")
        .body(json!({ "order": [{ "id": second }, { "id": first }] }).to_string());
    assert!(reorder.send().await.expect("an answer").status().is_success());
    // A list in creation order holds the first device first: only the order itself says that the second is the
    // default. Without an order, the list's own order is all there is.
    for (shape, list_order) in
        [("objects", "creation"), ("strings", "creation"), ("topLevel", "creation"), ("absent", "defaultFirst")]
    {
        harness.simulator().put("variants", json!({ "order": shape, "listOrder": list_order })).await;
        harness.driver.goto(&harness.proxy_url).await.expect("the page loads");
        let marked = harness.find(By::Css("li.mfa-device:has(.mfa-device-default)")).await;
        assert_eq!(marked.attr("data-device-id").await.expect("attr"), Some(second.clone()), "{shape}");
        assert_eq!(harness.driver.find_all(By::Css("li.mfa-device")).await.expect("rows").len(), 2, "{shape}");
    }
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_code_refused_in_other_words_is_still_said_as_wrong() {
    let harness = Harness::start().await;
    harness.driver.goto(&harness.proxy_url).await.expect("the page loads");
    for refusal in ["invalidValue", "bare"] {
        harness.simulator().put("variants", json!({ "codeRefusal": refusal })).await;
        harness.find_with_text(By::Css("button"), "Add authenticator app").await.click().await.expect("click");
        let secret = harness.find(By::Css(".mfa-secret-value")).await.text().await.expect("text").replace(' ', "");
        let current = totp_now(&secret);
        let wrong: String = current.chars().map(|d| if d == '9' { '0' } else { char::from(d as u8 + 1) }).collect();
        harness.type_into("otp", &wrong).await;
        harness.find_with_text(By::Css("button"), "Verify").await.click().await.expect("click");
        let said = "That code is not right. Wait for a new code in your app and try again.";
        harness.find_with_text(By::Css("p[role='alert']"), said).await;
        harness.type_into("otp", &totp_now(&secret)).await;
        harness.find_with_text(By::Css("button"), "Verify").await.click().await.expect("click");
        harness.find_with_text(By::Css("p[role='status']"), "Authenticator app added.").await;
    }
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_resend_answer_and_a_repeated_activation_answered_as_new_both_finish_the_enrollment() {
    let harness = Harness::start_with(|config: &mut Config| config.resend_cooldown_seconds = 1).await;
    harness.simulator().put("variants", json!({ "resendAnswer": "empty", "activeActivation": "device" })).await;
    harness.driver.goto(&harness.proxy_url).await.expect("the page loads");
    harness.find_with_text(By::Css("button"), "Add text message (SMS)").await.click().await.expect("click");
    harness.type_into("address", "+1 512 520 1234").await;
    harness.find_with_text(By::Css("button"), "Send code").await.click().await.expect("click");
    harness.resend_when_allowed().await;
    let code = harness.sent_code(2).await;
    // PingOne activates the device, and its answer is lost; the person sends the code again.
    harness.simulator().put("faults", json!({ "loseNext": 1 })).await;
    harness.type_into("otp", &code).await;
    harness.find_with_text(By::Css("button"), "Verify").await.click().await.expect("click");
    harness
        .find_with_text(By::Css("p[role='alert']"), "The service is unavailable right now. Try again shortly.")
        .await;
    harness.type_into("otp", &code).await;
    harness.find_with_text(By::Css("button"), "Verify").await.click().await.expect("click");
    harness.find_with_text(By::Css("p[role='status']"), "Sign-in method added.").await;
    assert_eq!(harness.devices().await["_embedded"]["devices"].as_array().expect("devices").len(), 1);
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn voice_codes_past_the_daily_quota_are_refused_as_too_many() {
    let harness = Harness::start_with(|config: &mut Config| config.resend_cooldown_seconds = 1).await;
    harness.simulator().put("variants", json!({ "quotaCountsVoice": true })).await;
    harness.simulator().put("settings", json!({ "dailyDeliveries": 1 })).await;
    harness.driver.goto(&harness.proxy_url).await.expect("the page loads");
    harness.find_with_text(By::Css("button"), "Add voice call").await.click().await.expect("click");
    harness.type_into("address", "+1 512 520 1234").await;
    harness.find_with_text(By::Css("button"), "Send code").await.click().await.expect("click");
    harness.resend_when_allowed().await;
    harness.find_with_text(By::Css("p[role='alert']"), "Too many attempts. Wait a little, then try again.").await;
    assert_eq!(harness.simulator().outbox(None).await.len(), 1, "nothing past the quota");
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_device_limit_in_pingones_words_is_said_as_the_limit() {
    let harness = Harness::start().await;
    harness.simulator().put("settings", json!({ "maxAllowedDevices": 2 })).await;
    seed(&harness, json!({ "type": "MOBILE", "blocked": true })).await;
    harness.driver.goto(&harness.proxy_url).await.expect("the page loads");
    add_authenticator_app(&harness).await;
    harness.find_with_text(By::Css("button"), "Add authenticator app").await.click().await.expect("click");
    let said = "You have as many sign-in methods as you may. Remove one to add another.";
    harness.find_with_text(By::Css("p[role='alert']"), said).await;
    harness.stop().await;
}

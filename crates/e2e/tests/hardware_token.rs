//! A person pairs one of the demo's virtual OATH tokens in real Chromium. The token has drifted far ahead of
//! the simulator's counter, so the first code asks for the next one (`EXTRA_OTP_REQUIRED`); the codes come from
//! the test's own RFC 4226 generator.

use e2e::{Harness, hotp_at};
use thirtyfour::prelude::*;

/// The demo fixture's HOTP token, which the demo page lists as a virtual token.
const SERIAL: &str = "DEMO-HOTP-0001";
const SECRET: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_drifted_hardware_token_is_paired_with_its_next_code() {
    let harness = Harness::start().await;
    harness.driver.goto(&harness.proxy_url).await.expect("the page loads");
    harness.record_events().await;
    harness.find_with_text(By::Css("button"), "Add hardware token").await.click().await.expect("click");

    harness.type_into("serial", "NOT-IN-STOCK").await;
    harness.find_with_text(By::Css("button"), "Continue").await.click().await.expect("click");
    harness
        .find_with_text(
            By::Css("p[role='alert']"),
            "We do not know a token with this serial number, or it is in use. Check the number.",
        )
        .await;

    harness.type_into("serial", SERIAL).await;
    harness.find_with_text(By::Css("button"), "Continue").await.click().await.expect("click");
    harness.find_with_text(By::Css("label"), "Code on the token").await;

    // Forty presses ahead of the simulator's counter: beyond the normal window, within the resync window.
    harness.type_into("otp", &hotp_at(SECRET, 40, 6)).await;
    harness.find_with_text(By::Css("button"), "Verify").await.click().await.expect("click");
    harness
        .find_with_text(
            By::Css("p[role='status']"),
            "Your token needs one more code: press the button again and enter the next code.",
        )
        .await;

    harness.type_into("otp", &hotp_at(SECRET, 41, 6)).await;
    harness.find_with_text(By::Css("button"), "Verify").await.click().await.expect("click");
    harness.find_with_text(By::Css("p[role='status']"), "Sign-in method added.").await;
    harness.find_with_text(By::Css(".mfa-device-name"), "Hardware token").await;
    harness.find_with_text(By::Css(".mfa-device-status"), "Active").await;
    harness.find_with_text(By::Css(".mfa-device-destination"), SERIAL).await;
    let device_id = harness.find(By::Css(".mfa-device")).await.attr("data-device-id").await.expect("attr");
    let resynced = harness.events("resynced").await;
    assert_eq!(resynced, vec![serde_json::json!({ "deviceId": device_id })], "the host page hears of the resync");
    // The unknown serial was an error the page heard of, by its codes only.
    let errors = harness.events("error").await;
    assert!(!errors.is_empty(), "the unknown serial was reported");
    assert!(errors.iter().all(|detail| detail.as_object().is_some_and(|fields| fields.len() == 3)), "{errors:?}");
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_and_an_authenticator_app_left_waiting_are_finished_or_started_again_from_the_list() {
    let harness = Harness::start().await;
    harness.driver.goto(&harness.proxy_url).await.expect("the page loads");
    harness.find_with_text(By::Css("button"), "Add hardware token").await.click().await.expect("click");
    harness.type_into("serial", SERIAL).await;
    harness.find_with_text(By::Css("button"), "Continue").await.click().await.expect("click");
    harness.find_with_text(By::Css("label"), "Code on the token").await;
    harness.driver.refresh().await.expect("reloaded");
    harness.find_with_text(By::Css("button"), "Add authenticator app").await.click().await.expect("click");
    let first_secret = harness.find(By::Css(".mfa-secret-value")).await.text().await.expect("text");
    harness.driver.refresh().await.expect("reloaded");

    // The token: its next code finishes it.
    harness.find(By::Css("button[aria-label='Finish setting up Hardware token']")).await.click().await.expect("click");
    harness.type_into("otp", &hotp_at(SECRET, 0, 6)).await;
    harness.find_with_text(By::Css("button"), "Verify").await.click().await.expect("click");
    harness.find_with_text(By::Css("p[role='status']"), "Sign-in method added.").await;

    // The app: its secret cannot be shown again, so it starts again with a new one, and the old one is gone.
    harness.find(By::Css("button[aria-label='Start again Authenticator app']")).await.click().await.expect("click");
    let secret = harness.find(By::Css(".mfa-secret-value")).await.text().await.expect("text");
    assert_ne!(secret, first_secret, "a new secret");
    harness.type_into("otp", &e2e::totp_now(&secret.replace(' ', ""))).await;
    harness.find_with_text(By::Css("button"), "Verify").await.click().await.expect("click");
    harness.find_with_text(By::Css("p[role='status']"), "Authenticator app added.").await;
    let devices = harness.devices().await;
    let statuses: Vec<&str> = devices["_embedded"]["devices"]
        .as_array()
        .expect("devices")
        .iter()
        .filter_map(|device| device["status"].as_str())
        .collect();
    assert_eq!(statuses, ["ACTIVE", "ACTIVE"], "two active devices and nothing left waiting");
    harness.stop().await;
}

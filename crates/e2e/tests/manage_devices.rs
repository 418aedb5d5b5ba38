//! A person manages the devices they have, in real Chromium: renames one (and is told when a name is too long),
//! makes another the default, and removes one after confirming.

use e2e::{Harness, totp_now};
use serde_json::Value;
use thirtyfour::prelude::*;

/// Enrolls an authenticator app through the page and returns its secret.
async fn add_authenticator_app(harness: &Harness) {
    harness.find_with_text(By::Css("button"), "Add authenticator app").await.click().await.expect("click");
    let secret = harness.find(By::Css(".mfa-secret-value")).await.text().await.expect("text").replace(' ', "");
    harness.find(By::Css("input[name='otp']")).await.send_keys(totp_now(&secret)).await.expect("typing");
    harness.find_with_text(By::Css("button"), "Verify").await.click().await.expect("click");
    harness.find_with_text(By::Css("button"), "Add authenticator app").await;
}

async fn listed(harness: &Harness) -> Vec<Value> {
    let list: Value = harness.devices().await;
    list["_embedded"]["devices"].as_array().expect("devices").clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_renames_sets_the_default_and_removes_with_confirmation() {
    let harness = Harness::start().await;
    harness.driver.goto(&harness.proxy_url).await.expect("the page loads");
    harness.record_events().await;
    add_authenticator_app(&harness).await;
    add_authenticator_app(&harness).await;
    let rows = harness.driver.find_all(By::Css("li.mfa-device")).await.expect("rows");
    assert_eq!(rows.len(), 2);
    let first_id = rows[0].attr("data-device-id").await.expect("attr").expect("an id");
    let second_id = rows[1].attr("data-device-id").await.expect("attr").expect("an id");
    let enrolled: Vec<_> = harness.events("enrolled").await;
    assert_eq!(enrolled.len(), 2);
    assert!(enrolled.iter().all(|detail| detail["type"] == "TOTP" && detail.as_object().is_some_and(|d| d.len() == 2)));

    // Rename the second one, after a name that is too long.
    rows[1]
        .find(By::Css("button[aria-label='Rename Authenticator app']"))
        .await
        .expect("a rename button")
        .click()
        .await
        .expect("click");
    let name = harness.find(By::Css("input[name='nickname']")).await;
    name.send_keys("x".repeat(101)).await.expect("typing");
    harness.find_with_text(By::Css("button"), "Save").await.click().await.expect("click");
    let refused = "A name has at most 100 characters and no hidden ones, such as direction marks.";
    harness.find_with_text(By::Css("p[role='alert']"), refused).await;
    name.clear().await.expect("clear");
    name.send_keys("Work phone").await.expect("typing");
    harness.find_with_text(By::Css("button"), "Save").await.click().await.expect("click");
    harness.find_with_text(By::Css("p[role='status']"), "Name saved.").await;
    harness.find_with_text(By::Css(".mfa-device-name"), "Work phone").await;

    // Make it the default: it then lists first, marked as the default.
    harness.find(By::Css("button[aria-label='Make default Work phone']")).await.click().await.expect("click");
    harness.find_with_text(By::Css("p[role='status']"), "Default sign-in method changed.").await;
    let first = harness.find(By::Css("li.mfa-device")).await;
    assert_eq!(first.attr("data-device-id").await.expect("attr").as_deref(), Some(second_id.as_str()));
    assert!(first.find(By::Css(".mfa-device-default")).await.is_ok(), "the default is marked");
    let devices = listed(&harness).await;
    assert_eq!(
        (devices[0]["id"].as_str(), devices[0]["nickname"].as_str()),
        (Some(second_id.as_str()), Some("Work phone"))
    );

    // Removing one of two asks first, without the last-device warning; keeping it changes nothing.
    harness.find(By::Css("button[aria-label='Remove Authenticator app']")).await.click().await.expect("click");
    harness.find_with_text(By::Css(".mfa-confirm p"), "Remove this sign-in method?").await;
    assert!(harness.driver.find_all(By::Css(".mfa-warning")).await.expect("query").is_empty());
    harness.find_with_text(By::Css("button"), "Keep it").await.click().await.expect("click");
    assert_eq!(listed(&harness).await.len(), 2);
    harness.find(By::Css("button[aria-label='Remove Authenticator app']")).await.click().await.expect("click");
    harness.find_with_text(By::Css("button"), "Yes, remove it").await.click().await.expect("click");
    harness.find_with_text(By::Css("p[role='status']"), "Sign-in method removed.").await;
    let devices = listed(&harness).await;
    assert_eq!(devices.len(), 1);
    assert_eq!(devices[0]["nickname"], "Work phone");

    // The host page heard of each change, by the device's id only.
    let only = |id: &str| vec![serde_json::json!({ "deviceId": id })];
    assert_eq!(harness.events("renamed").await, only(&second_id));
    assert_eq!(harness.events("default-changed").await, only(&second_id));
    assert_eq!(harness.events("removed").await, only(&first_id));
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_at_the_device_limit_is_told_so_in_their_words() {
    let harness = Harness::start().await;
    harness.simulator().put("settings", serde_json::json!({ "maxAllowedDevices": 1 })).await;
    harness.driver.goto(&harness.proxy_url).await.expect("the page loads");
    add_authenticator_app(&harness).await;
    harness.find_with_text(By::Css("button"), "Add authenticator app").await.click().await.expect("click");
    harness
        .find_with_text(
            By::Css("p[role='alert']"),
            "You have as many sign-in methods as you may. Remove one to add another.",
        )
        .await;
    harness.find_with_text(By::Css("button"), "Cancel").await.click().await.expect("click");
    harness.find_with_text(By::Css("button"), "Add authenticator app").await;
    harness.stop().await;
}

//! A person adds a phone for text messages in real Chromium: a number typed the way people type them, a code
//! read from the simulator's outbox, a wrong code, a new code once the countdown allows, and activation.

use e2e::{Config, Harness};
use serde_json::Value;
use thirtyfour::prelude::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_adds_a_phone_for_text_messages() {
    let harness = Harness::start().await;
    harness.driver.goto(&harness.proxy_url).await.expect("the page loads");
    harness.find_with_text(By::Css("button"), "Add text message (SMS)").await.click().await.expect("click");
    harness.find_with_text(By::Css("h2"), "Add a phone for text messages").await;
    let heading_has_focus = "return document.activeElement?.tagName === 'H2' && document.activeElement.textContent === 'Add a phone for text messages'";
    harness.wait_until("focus moves to the step's heading", heading_has_focus).await;
    let phone = harness.find(By::Css("input[name='address']")).await;
    assert_eq!(phone.attr("type").await.expect("attr").as_deref(), Some("tel"));
    assert_eq!(phone.attr("autocomplete").await.expect("attr").as_deref(), Some("tel"));

    let country = harness.find(By::Css("select[name='country']")).await;
    assert_eq!(country.value().await.expect("value").as_deref(), Some("US"), "the page's locale (en) means the US");
    harness.type_into("address", "555").await;
    harness.find_with_text(By::Css("button"), "Send code").await.click().await.expect("click");
    harness
        .find_with_text(
            By::Css("p[role='alert']"),
            "This is not a phone number we can reach. Check the number and the country.",
        )
        .await;
    assert!(harness.simulator().outbox(None).await.is_empty(), "nothing was sent for an implausible number");

    harness.type_into("address", "+1 (512) 520-1234").await;
    harness.find_with_text(By::Css("button"), "Send code").await.click().await.expect("click");
    harness.find_with_text(By::Css("p[role='status']"), "We sent a code to •••• 1234.").await;
    harness.wait_until("focus moves to the heading of the code step", heading_has_focus).await;
    let sent = harness.simulator().outbox(None).await;
    assert_eq!(sent.len(), 1);
    assert_eq!((sent[0]["channel"].as_str(), sent[0]["to"].as_str()), (Some("SMS"), Some("+15125201234")));
    let code = sent[0]["otp"].as_str().expect("a code").to_owned();

    let resend = harness.find_with_text(By::Css("button"), "Send a new code").await;
    assert!(!resend.is_enabled().await.expect("state"), "no resend before the countdown ends");
    harness.find(By::Css(".mfa-countdown")).await;

    let wrong: String = code.chars().map(|d| if d == '9' { '0' } else { char::from(d as u8 + 1) }).collect();
    harness.type_into("otp", &wrong).await;
    harness.find_with_text(By::Css("button"), "Verify").await.click().await.expect("click");
    harness
        .find_with_text(By::Css("p[role='alert']"), "That code is not right. Check the message and try again.")
        .await;

    harness.type_into("otp", &code).await;
    harness.find_with_text(By::Css("button"), "Verify").await.click().await.expect("click");
    harness.find_with_text(By::Css("p[role='status']"), "Sign-in method added.").await;
    harness.find_with_text(By::Css(".mfa-device-name"), "Text message").await;
    harness.find_with_text(By::Css(".mfa-device-destination"), "•••• 1234").await;
    harness.find_with_text(By::Css(".mfa-device-status"), "Active").await;
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_removes_the_half_made_device() {
    let harness = Harness::start().await;
    harness.driver.goto(&harness.proxy_url).await.expect("the page loads");
    harness.find_with_text(By::Css("button"), "Add email").await.click().await.expect("click");
    harness.type_into("address", "ada@example.com").await;
    harness.find_with_text(By::Css("button"), "Send code").await.click().await.expect("click");
    harness.find_with_text(By::Css("p[role='status']"), "We sent a code to a•••@example.com.").await;
    harness.find_with_text(By::Css("button"), "Cancel").await.click().await.expect("click");
    // The methods to add come back once the flow has ended, which is after its delete has answered.
    harness.find_with_text(By::Css("button"), "Add email").await;
    let devices: Value = harness.devices().await;
    assert_eq!(devices["_embedded"]["devices"], serde_json::json!([]), "nothing half-done stays behind");
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_adds_a_voice_call_with_a_national_number_and_an_extension() {
    let harness = Harness::start().await;
    // PingOne keeps extensions only when the environment's MFA settings allow them; its default is off.
    harness.simulator().put("settings", serde_json::json!({ "phoneExtensionsEnabled": true })).await;
    harness.driver.goto(&harness.proxy_url).await.expect("the page loads");
    harness.find_with_text(By::Css("button"), "Add voice call").await.click().await.expect("click");
    harness.find_with_text(By::Css("h2"), "Add a phone for voice calls").await;
    let country = harness.find(By::Css("select[name='country']")).await;
    let germany = harness.find_with_text(By::Css("select[name='country'] option"), "Germany (+49)").await;
    assert_eq!(germany.value().await.expect("value").as_deref(), Some("DE"));
    germany.click().await.expect("choose Germany");
    assert_eq!(country.value().await.expect("value").as_deref(), Some("DE"));
    harness.type_into("address", "0151 2345 6789").await;

    harness.type_into("extension", "ext. 12").await;
    harness.find_with_text(By::Css("button"), "Send code").await.click().await.expect("click");
    harness
        .find_with_text(By::Css("p[role='alert']"), "An extension has digits, commas, # and * only, up to 16 of them.")
        .await;
    assert!(harness.simulator().outbox(None).await.is_empty(), "nothing was sent for a bad extension");

    harness.type_into("extension", "12#").await;
    harness.find_with_text(By::Css("button"), "Send code").await.click().await.expect("click");
    harness.find_with_text(By::Css("p[role='status']"), "We sent a code to •••• 6789.").await;
    let sent = harness.simulator().outbox(None).await;
    assert_eq!((sent[0]["channel"].as_str(), sent[0]["to"].as_str()), (Some("VOICE"), Some("+4915123456789")));
    let devices: Value = harness.devices().await;
    assert_eq!(devices["_embedded"]["devices"][0]["extension"], "12#", "the extension reached the server");

    harness.type_into("otp", sent[0]["otp"].as_str().expect("a code")).await;
    harness.find_with_text(By::Css("button"), "Verify").await.click().await.expect("click");
    harness.find_with_text(By::Css("p[role='status']"), "Sign-in method added.").await;
    harness.find_with_text(By::Css(".mfa-device-name"), "Voice call").await;
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_email_locked_by_wrong_codes_says_until_when_and_recovers_with_a_new_code() {
    let harness = Harness::start_with(|config: &mut Config| config.resend_cooldown_seconds = 1).await;
    // A policy that locks email for 2 minutes after 3 wrong codes (PingOne's default cool-down for email is 0).
    // The refusals are the simulator's default: INVALID_OTP and nothing more, no count and no lock code.
    let mut policy = harness.simulator().get("policy").await;
    policy["email"]["otp"]["failure"]["coolDown"] = serde_json::json!({ "duration": 2, "timeUnit": "MINUTES" });
    harness.simulator().put("policy", policy).await;
    harness.driver.goto(&harness.proxy_url).await.expect("the page loads");
    harness.record_events().await;
    harness.find_with_text(By::Css("button"), "Add email").await.click().await.expect("click");
    harness.type_into("address", "ada").await;
    harness.find_with_text(By::Css("button"), "Send code").await.click().await.expect("click");
    harness.find_with_text(By::Css("p[role='alert']"), "This is not an email address. Check it and try again.").await;
    harness.type_into("address", "ada@example.com").await;
    harness.find_with_text(By::Css("button"), "Send code").await.click().await.expect("click");
    harness.find_with_text(By::Css("p[role='status']"), "We sent a code to a•••@example.com.").await;
    let sent = harness.simulator().outbox(None).await;
    assert_eq!((sent[0]["channel"].as_str(), sent[0]["to"].as_str()), (Some("EMAIL"), Some("ada@example.com")));
    let code = sent[0]["otp"].as_str().expect("a code").to_owned();
    let wrong: String = code.chars().map(|d| if d == '9' { '0' } else { char::from(d as u8 + 1) }).collect();

    // The policy locks the device at the third wrong code; the widget learns it from the device itself.
    for _ in 0..2 {
        harness.type_into("otp", &wrong).await;
        harness.find_with_text(By::Css("button"), "Verify").await.click().await.expect("click");
        let expected = "That code is not right. Check the message and try again.";
        harness.find_with_text(By::Css("p[role='alert']"), expected).await;
    }
    harness.type_into("otp", &wrong).await;
    harness.find_with_text(By::Css("button"), "Verify").await.click().await.expect("click");
    let locked = "Too many wrong codes. Wait a few minutes, then try again.";
    let device: Value = harness.devices().await;
    let until = device["_embedded"]["devices"][0]["lock"]["expiresAt"].as_str().expect("a lock").to_owned();
    let local = harness
        .driver
        .execute("return new Date(arguments[0]).toLocaleTimeString('en')", vec![Value::from(until)])
        .await
        .expect("script")
        .json()
        .as_str()
        .expect("a time")
        .to_owned();
    harness.find_with_text(By::Css("p[role='alert']"), &format!("{locked} Locked until {local}.")).await;
    let refused = serde_json::json!({ "status": 400, "code": "INVALID_DATA", "detail": "INVALID_OTP" });
    assert_eq!(harness.events("error").await, vec![refused.clone(), refused.clone(), refused.clone()]);

    // Asking for a new code while locked says so again.
    harness.resend_when_allowed().await;
    e2e::eventually("the resend is refused", async || (harness.events("error").await.len() == 4).then_some(())).await;
    harness.find_with_text(By::Css("p[role='alert']"), &format!("{locked} Locked until {local}.")).await;
    assert_eq!(harness.simulator().outbox(None).await.len(), 1, "nothing sent while locked");

    // Once the lock has passed (the simulator's clock moves on), a new code activates the address.
    harness.simulator().put("clock", serde_json::json!({ "offsetSeconds": 180 })).await;
    harness.resend_when_allowed().await;
    let new_code = harness.sent_code(2).await;
    harness.type_into("otp", &new_code).await;
    harness.find_with_text(By::Css("button"), "Verify").await.click().await.expect("click");
    harness.find_with_text(By::Css("p[role='status']"), "Sign-in method added.").await;
    harness.find_with_text(By::Css(".mfa-device-name"), "Email").await;
    harness.find_with_text(By::Css(".mfa-device-destination"), "a•••@example.com").await;
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sending_again_after_a_lost_answer_sends_one_code_and_makes_one_device() {
    // PingOne sends the code and makes the device, but answers after the proxy has given up.
    let harness = Harness::start_with(|config: &mut Config| {
        config.timeouts.total = std::time::Duration::from_millis(500);
    })
    .await;
    harness.driver.goto(&harness.proxy_url).await.expect("the page loads");
    harness.find_with_text(By::Css("button"), "Add text message (SMS)").await.click().await.expect("click");
    harness.type_into("address", "+1 512 520 1234").await;
    harness.simulator().put("faults", serde_json::json!({ "lateAnswerMs": 1500 })).await;
    harness.find_with_text(By::Css("button"), "Send code").await.click().await.expect("click");
    let unavailable = "The service is unavailable right now. Try again shortly.";
    harness.find_with_text(By::Css("p[role='alert']"), unavailable).await;
    assert_eq!(harness.simulator().outbox(None).await.len(), 1, "the lost call sent its code");

    harness.simulator().put("faults", serde_json::json!({})).await;
    harness.find_with_text(By::Css("button"), "Send code").await.click().await.expect("click");
    harness.find_with_text(By::Css("p[role='status']"), "We sent a code to •••• 1234.").await;
    let sent = harness.simulator().outbox(None).await;
    assert_eq!(sent.len(), 1, "sending again sent nothing more: {sent:?}");
    harness.type_into("otp", sent[0]["otp"].as_str().expect("a code")).await;
    harness.find_with_text(By::Css("button"), "Verify").await.click().await.expect("click");
    harness.find_with_text(By::Css("p[role='status']"), "Sign-in method added.").await;
    let devices: Value = harness.devices().await;
    assert_eq!(devices["_embedded"]["devices"].as_array().map(Vec::len), Some(1), "one device: {devices}");
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_text_message_left_waiting_by_a_reload_is_finished_from_the_list() {
    let harness = Harness::start().await;
    harness.driver.goto(&harness.proxy_url).await.expect("the page loads");
    harness.find_with_text(By::Css("button"), "Add text message (SMS)").await.click().await.expect("click");
    harness.type_into("address", "+1 512 520 1234").await;
    harness.find_with_text(By::Css("button"), "Send code").await.click().await.expect("click");
    harness.find_with_text(By::Css("p[role='status']"), "We sent a code to •••• 1234.").await;

    // The tab is reloaded before the code is typed: the device waits in the list.
    harness.driver.refresh().await.expect("reloaded");
    harness.find_with_text(By::Css(".mfa-device-status"), "Not yet activated").await;
    let finish = harness.find(By::Css("button[aria-label='Finish setting up Text message']")).await;
    finish.click().await.expect("click");
    harness.find_with_text(By::Css("p[role='status']"), "We sent a code to •••• 1234.").await;
    let code = harness.sent_code(2).await;
    harness.type_into("otp", &code).await;
    harness.find_with_text(By::Css("button"), "Verify").await.click().await.expect("click");
    harness.find_with_text(By::Css("p[role='status']"), "Sign-in method added.").await;
    harness.find_with_text(By::Css(".mfa-device-status"), "Active").await;
    let devices = harness.devices().await;
    assert_eq!(devices["_embedded"]["devices"].as_array().expect("devices").len(), 1, "finished, not made again");
    harness.stop().await;
}

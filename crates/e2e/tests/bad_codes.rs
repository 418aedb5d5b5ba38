//! A person mistypes the code in every way the issue names (letters, too few digits, a stale code, a wrong code),
//! reads a clear message each time, and then succeeds with the code that a standard generator, oathtool, gives.

use std::time::{SystemTime, UNIX_EPOCH};

use e2e::{Harness, totp_at, totp_now};

/// The code that oathtool, a standard TOTP generator, gives for `secret` now.
fn oathtool_totp(secret: &str) -> String {
    let output = std::process::Command::new("oathtool")
        .args(["--totp", "--base32", secret])
        .output()
        .expect("oathtool runs; `cargo xtask test` installs it");
    assert!(output.status.success(), "oathtool failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("UTF-8").trim().to_owned()
}
use thirtyfour::prelude::*;

async fn submit(harness: &Harness, code: &str) {
    let field = harness.find(By::Css("input[name='otp']")).await;
    field.clear().await.expect("clear");
    field.send_keys(code).await.expect("typing");
    harness.find_with_text(By::Css("button"), "Verify").await.click().await.expect("click");
}

/// The message tied to the code field through `aria-describedby`.
async fn field_problem(harness: &Harness, expected: &str) {
    let field = harness.find(By::Css("input[name='otp']")).await;
    let problem = harness.find_with_text(By::Css("p[role='alert']"), expected).await;
    let problem_id = problem.attr("id").await.expect("attr").expect("the message has an id");
    let described_by = field.attr("aria-describedby").await.expect("attr").unwrap_or_default();
    assert!(described_by.split(' ').any(|id| id == problem_id), "{described_by:?} does not name {problem_id}");
    assert_eq!(field.attr("aria-invalid").await.expect("attr").as_deref(), Some("true"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_codes_are_refused_clearly_and_the_person_can_retry() {
    let harness = Harness::start().await;
    // The variant where PingOne says how many tries are left: the widget says it too (the default says nothing).
    harness.simulator().put("variants", serde_json::json!({ "codeRefusal": "detailed" })).await;
    harness.driver.goto(&harness.proxy_url).await.expect("the page loads");
    harness.record_events().await;
    harness.find_with_text(By::Css("button"), "Add authenticator app").await.click().await.expect("click");
    let secret = harness.find(By::Css(".mfa-secret-value")).await.text().await.expect("text").replace(' ', "");

    submit(&harness, "12a456").await;
    field_problem(&harness, "The code has digits only. Check what you typed.").await;

    submit(&harness, "12345").await;
    field_problem(&harness, "The code has 6 digits.").await;

    let now = SystemTime::now().duration_since(UNIX_EPOCH).expect("after 1970").as_secs();
    let stale = totp_at(&secret, now - 600);
    submit(&harness, &stale).await;
    field_problem(&harness, "That code is not right. Wait for a new code in your app and try again. 2 tries left.")
        .await;

    let current = totp_now(&secret);
    let wrong: String =
        current.chars().map(|digit| if digit == '9' { '0' } else { char::from(digit as u8 + 1) }).collect();
    submit(&harness, &wrong).await;
    field_problem(&harness, "That code is not right. Wait for a new code in your app and try again. 1 try left.").await;

    // The page heard of both refusals by their codes: never the code typed, never the server's English.
    let refused = serde_json::json!({ "status": 400, "code": "INVALID_DATA", "detail": "INVALID_OTP" });
    assert_eq!(harness.events("error").await, vec![refused.clone(), refused]);

    submit(&harness, &oathtool_totp(&secret)).await;
    harness.find_with_text(By::Css("p[role='status']"), "Authenticator app added.").await;
    harness.find_with_text(By::Css(".mfa-device-status"), "Active").await;
    harness.stop().await;
}

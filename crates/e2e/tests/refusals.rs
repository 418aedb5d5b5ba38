//! Refusals that belong to the whole form, in real Chromium through the proxy: a rate limit with its live
//! countdown from `Retry-After`, and a session that has ended, which the host page hears of.

use std::time::{Duration, UNIX_EPOCH};

use e2e::{Config, Harness};
use mfa_enroll_proxy::{Clock, Identity, Rate};
use thirtyfour::prelude::*;

async fn send_code_to(harness: &Harness, phone: &str) {
    harness.find_with_text(By::Css("button"), "Add text message (SMS)").await.click().await.expect("click");
    harness.type_into("address", phone).await;
    harness.find_with_text(By::Css("button"), "Send code").await.click().await.expect("click");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limit_counts_down_live_and_then_lets_the_person_try_again() {
    // One paid message per person in a minute's window, on a clock that the test holds 3 s before the window
    // ends: the second send is refused with `Retry-After: 3`.
    const WINDOW: Duration = Duration::from_secs(60);
    const LEFT: u64 = 3;
    let clock = Clock::set_at(UNIX_EPOCH + WINDOW * 1_000_000 - Duration::from_secs(LEFT));
    let proxy_clock = clock.clone();
    let harness = Harness::start_with(move |config: &mut Config| {
        config.limits.create_phone = Rate { per_user: 1, per_address: 10, window: WINDOW };
        config.clock = proxy_clock;
    })
    .await;
    harness.driver.goto(&harness.proxy_url).await.expect("the page loads");
    harness.record_events().await;
    send_code_to(&harness, "+1 512 520 1234").await;
    harness.find_with_text(By::Css("p[role='status']"), "We sent a code to •••• 1234.").await;
    harness.find_with_text(By::Css("button"), "Cancel").await.click().await.expect("click");

    send_code_to(&harness, "+1 512 520 9876").await;
    harness.find_with_text(By::Css("p[role='alert']"), "Too many attempts. Wait a little, then try again.").await;
    let timer = harness.find(By::Css("p[role='timer']")).await;
    let seconds = |text: String| -> u32 {
        text.chars().filter(char::is_ascii_digit).collect::<String>().parse().expect("seconds in the countdown")
    };
    let first = seconds(timer.text().await.expect("text"));
    assert!((1..=LEFT as u32).contains(&first), "the countdown starts from Retry-After: {first}");
    let limited = harness.events("rate-limited").await;
    assert_eq!(limited.len(), 1, "{limited:?}");
    assert_eq!(limited[0]["retryAfter"], LEFT, "the event says Retry-After");
    let sent = harness.events("activation-sent").await;
    assert_eq!(sent.len(), 1, "the first code was sent: {sent:?}");
    assert_eq!(sent[0]["type"], "SMS");
    assert!(!sent[0].to_string().contains("1234"), "no phone number in an event: {sent:?}");
    if first > 1 {
        harness.find_with_text(By::Css("p[role='timer']"), &format!("Try again in {} s.", first - 1)).await;
    }
    harness.find_with_text(By::Css("p[role='status']"), "You can try again now.").await;

    clock.advance(Duration::from_secs(LEFT));
    harness.find_with_text(By::Css("button"), "Send code").await.click().await.expect("click");
    harness.find_with_text(By::Css("p[role='status']"), "We sent a code to •••• 9876.").await;
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ended_session_is_said_and_the_host_page_hears_of_it() {
    // Bearer identity, and a page that sends no token: every request is 401 UNAUTHENTICATED, as after a sign-out.
    let harness = Harness::start_with(|config: &mut Config| {
        config.identity = Identity::Bearer(mfa_enroll_proxy::Bearer {
            jwks_url: "http://127.0.0.1:9/jwks.json".into(),
            issuer: "https://idp.example".into(),
            audience: "mfa-enroll".into(),
            leeway_seconds: 0,
            jwks_refetch_seconds: 30,
        });
    })
    .await;
    harness.driver.goto(&harness.proxy_url).await.expect("the page loads");
    harness
        .driver
        .execute(
            "window.__expired = 0; window.addEventListener('mfa-enroll:session-expired', () => window.__expired++);",
            Vec::new(),
        )
        .await
        .expect("the listener installs");
    harness.find_with_text(By::Css("p[role='alert']"), "Your session has ended. Sign in again.").await;
    harness.find_with_text(By::Css("button"), "Try again").await.click().await.expect("click");
    harness.wait_until("the host page hears that the session ended", "return window.__expired > 0").await;
    harness.assert_accessible("the session-ended message").await;
    harness.stop().await;
}

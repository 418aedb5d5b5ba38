//! axe-core (WCAG 2.x A and AA) on every screen of the widget, in English, as a person reaches each one; each
//! screen must also fit 360 and 320 px without scrolling sideways, and is saved as a screenshot at 1280 and 360 px.

use e2e::{Harness, totp_now};
use thirtyfour::prelude::*;

async fn click(harness: &Harness, text: &str) {
    harness.find_with_text(By::Css("button"), text).await.click().await.expect("click");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_screen_passes_axe() {
    let harness = Harness::start().await;
    harness.driver.goto(&harness.proxy_url).await.expect("the page loads");
    harness.find_with_text(By::Css("button"), "Add authenticator app").await;
    harness.assert_accessible("the empty list").await;
    harness.check_screen_widths("list-empty").await;

    click(&harness, "Add authenticator app").await;
    let secret = harness.find(By::Css(".mfa-secret-value")).await.text().await.expect("text").replace(' ', "");
    harness.assert_accessible("the authenticator app's QR code").await;
    harness.check_screen_widths("totp").await;
    harness.type_into("otp", "12a").await;
    click(&harness, "Verify").await;
    harness.find_with_text(By::Css("p[role='alert']"), "The code has digits only. Check what you typed.").await;
    harness.assert_accessible("a code problem").await;
    harness.check_screen_widths("totp-code-problem").await;
    harness.type_into("otp", &totp_now(&secret)).await;
    click(&harness, "Verify").await;
    harness.find_with_text(By::Css(".mfa-device-status"), "Active").await;
    harness.assert_accessible("the list with a device").await;
    harness.check_screen_widths("list-one-device").await;

    click(&harness, "Add text message (SMS)").await;
    harness.type_into("address", "12").await;
    click(&harness, "Send code").await;
    harness.find(By::Css(".mfa-address-form p[role='alert']:not(:empty)")).await;
    harness.assert_accessible("a phone problem").await;
    harness.check_screen_widths("sms-phone-problem").await;
    harness.type_into("address", "+15125201234").await;
    click(&harness, "Send code").await;
    harness.find_with_text(By::Css("button"), "Send a new code").await;
    harness.assert_accessible("the SMS code step with its countdown").await;
    harness.check_screen_widths("sms-code").await;
    click(&harness, "Cancel").await;

    click(&harness, "Add hardware token").await;
    harness.find_with_text(By::Css("label"), "Serial number").await;
    harness.assert_accessible("the hardware token's serial").await;
    harness.check_screen_widths("oath-serial").await;
    click(&harness, "Cancel").await;

    harness.find(By::Css("button[aria-label='Rename Authenticator app']")).await.click().await.expect("click");
    harness.find(By::Css("input[name='nickname']")).await;
    harness.assert_accessible("renaming").await;
    harness.check_screen_widths("rename").await;
    click(&harness, "Cancel").await;
    harness.find(By::Css("button[aria-label='Remove Authenticator app']")).await.click().await.expect("click");
    harness.find(By::Css(".mfa-warning")).await;
    harness.assert_accessible("the removal confirmation").await;
    harness.check_screen_widths("remove-confirm").await;
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axe_finds_a_violation_when_there_is_one() {
    let harness = Harness::start().await;
    harness.driver.goto(&harness.proxy_url).await.expect("the page loads");
    harness.find_with_text(By::Css("button"), "Add authenticator app").await;
    let unlabelled =
        "const field = document.createElement('input'); document.querySelector('.mfa-enroll').append(field);";
    harness.driver.execute(unlabelled, Vec::new()).await.expect("the script runs");
    let violations = harness.accessibility_violations().await;
    assert!(violations.iter().any(|v| v.starts_with("label")), "an unlabelled field is reported: {violations:?}");
    harness.stop().await;
}

/// Presses Tab until the focused element's text or name is `target`; fails after 40 presses.
async fn tab_to(harness: &Harness, target: &str) -> WebElement {
    for _ in 0..40 {
        let focused = harness.driver.active_element().await.expect("a focused element");
        let text = focused.text().await.unwrap_or_default();
        let name = focused.attr("name").await.ok().flatten().unwrap_or_default();
        if text.trim() == target || name == target {
            return focused;
        }
        focused.send_keys(Key::Tab).await.expect("Tab");
    }
    panic!("Tab never reached {target:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_enrolls_and_removes_by_keyboard_alone() {
    let harness = Harness::start().await;
    harness.driver.goto(&harness.proxy_url).await.expect("the page loads");
    harness.find_with_text(By::Css("button"), "Add authenticator app").await;
    tab_to(&harness, "Add authenticator app").await.send_keys(Key::Enter).await.expect("Enter");
    let heading_has_focus = "return document.activeElement?.tagName === 'H2'";
    harness.wait_until("focus moves to the step's heading", heading_has_focus).await;
    let secret = harness.find(By::Css(".mfa-secret-value")).await.text().await.expect("text").replace(' ', "");

    // The spelled secret opens from the keyboard too.
    tab_to(&harness, "Read the secret one character at a time").await.send_keys(Key::Enter).await.expect("Enter");
    harness.wait_until("the spelled secret opens", "return document.querySelector('.mfa-spelled').open").await;
    let code = tab_to(&harness, "otp").await;
    code.send_keys(totp_now(&secret)).await.expect("typing");
    code.send_keys(Key::Enter).await.expect("Enter submits the form");
    harness.find_with_text(By::Css("p[role='status']"), "Authenticator app added.").await;

    tab_to(&harness, "Remove").await.send_keys(Key::Enter).await.expect("Enter");
    tab_to(&harness, "Yes, remove it").await.send_keys(Key::Enter).await.expect("Enter");
    harness.find_with_text(By::Css("p[role='status']"), "Sign-in method removed.").await;
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_touch_phone_the_key_opens_in_the_authenticator_app() {
    let harness = Harness::start_on_phone().await;
    harness.driver.goto(&harness.proxy_url).await.expect("the page loads");
    click(&harness, "Add authenticator app").await;
    let link = harness.find_with_text(By::Css("a.mfa-open-app"), "Open in your authenticator app").await;
    assert!(link.is_displayed().await.expect("display"), "a touch screen shows the otpauth link");
    let href = link.attr("href").await.expect("attr").unwrap_or_default();
    assert!(href.starts_with("otpauth://totp/") && href.contains("secret="), "{href}");
    harness.assert_accessible("the authenticator app step on a phone").await;
    harness.stop().await;
}

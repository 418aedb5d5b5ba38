//! A person enrolls an authenticator app in real Chromium, through the proxy and its simulator: they scan the QR
//! code, type the code their app shows, see the device active, and remove it.

use e2e::{Harness, decode_qr, totp_now};
use thirtyfour::prelude::*;

/// Records the body of every device-create response, so that the test knows what the server really returned.
const RECORD_CREATED: &str = r#"
    window.__created = [];
    const original = window.fetch.bind(window);
    window.fetch = async (...args) => {
        const response = await original(...args);
        const [resource, init] = args;
        const request = resource instanceof Request ? resource : new Request(resource, init);
        if (request.method === "POST" && request.url.endsWith("/api/devices")) {
            response.clone().json().then((body) => window.__created.push(body));
        }
        return response;
    };
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_enrolls_an_authenticator_app_and_removes_it() {
    let harness = Harness::start().await;
    harness.driver.goto(&harness.proxy_url).await.expect("the page loads");
    harness.find_with_text(By::Css("p"), "You have no sign-in methods yet.").await;
    harness.driver.execute(RECORD_CREATED, Vec::new()).await.expect("the recorder installs");

    harness.find_with_text(By::Css("button"), "Add authenticator app").await.click().await.expect("click");
    let qr = harness.find(By::Css("svg[role='img']")).await;
    let label = qr.attr("aria-label").await.expect("attribute").unwrap_or_default();
    assert!(label.contains("QR code"), "the QR image's accessible name is {label:?}");

    harness.wait_until("the create response is recorded", "return window.__created.length === 1").await;
    let created = harness.driver.execute("return window.__created[0]", Vec::new()).await.expect("script");
    let key_uri = created.json()["keyUri"].as_str().expect("keyUri in the create response").to_owned();
    let secret = created.json()["secret"].as_str().expect("secret in the create response").to_owned();
    assert_eq!(created.json()["status"], "ACTIVATION_REQUIRED");
    assert!(created.json().get("_links").is_none(), "the proxy removes _links");

    // The proxy names the issuer (its `issuer` setting): apps show it beside the account; the secret is the same.
    let (account, parameters) =
        key_uri.strip_prefix("otpauth://totp/").and_then(|rest| rest.split_once('?')).expect("a key URI");
    let labelled = format!("otpauth://totp/mfa-enroll%20demo:{account}?{parameters}&issuer=mfa-enroll%20demo");
    let png = qr.screenshot_as_png().await.expect("a screenshot of the QR code");
    assert_eq!(decode_qr(&png), labelled, "the QR code on screen encodes the server's keyUri with the issuer");
    let open_in_app = harness.find(By::Css("a.mfa-open-app")).await;
    assert_eq!(open_in_app.attr("href").await.expect("attr").as_deref(), Some(labelled.as_str()));
    assert!(!open_in_app.is_displayed().await.expect("display"), "the otpauth link is for touch screens only");
    let shown = harness.find(By::Css(".mfa-secret-value")).await.text().await.expect("text");
    assert_eq!(shown.replace(' ', ""), secret);
    assert!(shown.split(' ').all(|group| group.len() <= 4), "the secret is grouped by four: {shown}");
    harness.find(By::Css(".mfa-spelled summary")).await.click().await.expect("click");
    let mut spelled = String::new();
    for item in harness.driver.find_all(By::Css(".mfa-spelled li")).await.expect("the spelled secret") {
        spelled += &item.text().await.expect("text");
    }
    assert_eq!(spelled, secret, "the secret, one list item per character");

    let code_field = harness.find(By::Css("input[name='otp']")).await;
    assert_eq!(code_field.attr("autocomplete").await.expect("attr").as_deref(), Some("one-time-code"));
    assert_eq!(code_field.attr("inputmode").await.expect("attr").as_deref(), Some("numeric"));
    let field_id = code_field.attr("id").await.expect("attr").expect("an id");
    let label = harness.find(By::Css(format!("label[for='{field_id}']"))).await.text().await.expect("text");
    assert!(label.contains("6-digit code"), "the code field's label is {label:?}");

    code_field.send_keys(totp_now(&secret)).await.expect("typing");
    harness.find_with_text(By::Css("button"), "Verify").await.click().await.expect("click");
    harness.find_with_text(By::Css("p[role='status']"), "Authenticator app added.").await;
    harness.find_with_text(By::Css(".mfa-device-status"), "Active").await;

    let devices: serde_json::Value = harness.devices().await;
    let listed = devices["_embedded"]["devices"].as_array().expect("a device list");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["status"], "ACTIVE");
    assert_eq!(listed[0]["type"], "TOTP");

    harness.find(By::Css("button[aria-label='Remove Authenticator app']")).await.click().await.expect("click");
    harness
        .find_with_text(
            By::Css(".mfa-warning"),
            "This is your last active sign-in method. Without one, you may not be able to sign in.",
        )
        .await;
    harness.find_with_text(By::Css("button"), "Yes, remove it").await.click().await.expect("click");
    harness.find_with_text(By::Css("p[role='status']"), "Sign-in method removed.").await;
    harness.find_with_text(By::Css("p"), "You have no sign-in methods yet.").await;
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_page_lists_the_virtual_tokens() {
    let harness = Harness::start().await;
    harness.driver.goto(&harness.proxy_url).await.expect("the page loads");
    let listed = harness.find_with_text(By::Css("#virtual-tokens strong"), "DEMO-HOTP-0001").await;
    assert!(listed.is_displayed().await.expect("visibility"));
    let items = harness.driver.find_all(By::Css("#virtual-tokens li")).await.expect("items");
    assert_eq!(items.len(), 2);
    let totp = items[1].text().await.expect("text");
    assert!(
        totp.contains("DEMO-TOTP-0002") && totp.contains("oathtool --totp -d 8 -b JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"),
        "{totp}"
    );
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inline_script_breaks_the_csp_and_is_reported() {
    let harness = Harness::start().await;
    harness.driver.goto(&harness.proxy_url).await.expect("the page loads");
    harness.find_with_text(By::Css("button"), "Add authenticator app").await;
    assert!(harness.csp_violations().await.is_empty(), "the site itself runs under its CSP");
    let inline = "const script = document.createElement('script'); script.textContent = 'window.inlineRan = true'; document.body.append(script);";
    harness.driver.execute(inline, Vec::new()).await.expect("the script runs");
    let ran = harness.driver.execute("return window.inlineRan === true", Vec::new()).await.expect("script");
    assert_eq!(ran.json().as_bool(), Some(false), "the CSP blocked the inline script");
    let violations = harness.csp_violations().await;
    assert!(violations.iter().any(|v| v.contains("script-src")), "the violation is reported: {violations:?}");
    // Not `stop`, which would fail on the violation made on purpose here.
    harness.driver.clone().quit().await.ok();
}

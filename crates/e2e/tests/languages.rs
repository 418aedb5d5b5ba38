//! The widget in other languages, in real Chromium: the catalogue of the page's locale is fetched, Arabic is laid
//! out right to left with codes and numbers kept left to right, every screen passes axe-core in Arabic, and the
//! phone's country defaults from the locale.

use e2e::Harness;
use thirtyfour::prelude::*;

async fn attribute(harness: &Harness, selector: &str, name: &str) -> Option<String> {
    harness.find(By::Css(selector)).await.attr(name).await.expect("attribute")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_arabic_the_widget_reads_right_to_left_and_every_screen_is_accessible() {
    let harness = Harness::start().await;
    harness.driver.goto(format!("{}/?locale=ar", harness.proxy_url)).await.expect("the page loads");
    harness.find_with_text(By::Css("h1"), "طرق تسجيل الدخول").await;
    harness.find_with_text(By::Css("p"), "ليست لديك أي طريقة لتسجيل الدخول بعد.").await;
    assert_eq!(attribute(&harness, ".mfa-enroll", "lang").await.as_deref(), Some("ar"));
    assert_eq!(attribute(&harness, ".mfa-enroll", "dir").await.as_deref(), Some("rtl"));
    let direction = "return getComputedStyle(document.querySelector('.mfa-add')).direction";
    assert_eq!(harness.driver.execute(direction, Vec::new()).await.expect("script").json(), "rtl");
    harness.assert_accessible("the list, in Arabic").await;
    harness.check_screen_widths("list-ar").await;

    harness.find_with_text(By::Css("button"), "إضافة رسالة نصية (SMS)").await.click().await.expect("click");
    harness.find_with_text(By::Css("h2"), "إضافة هاتف للرسائل النصية").await;
    let country = harness.find(By::Css("select[name='country']")).await;
    assert_eq!(country.value().await.expect("value").as_deref(), Some("EG"), "Arabic most likely means Egypt");
    harness.find(By::Css("select[name='country'] option[value='EG']")).await;
    let phone = harness.find(By::Css("input[name='address']")).await;
    phone.send_keys("12").await.expect("typing");
    harness.find_with_text(By::Css("button"), "إرسال الرمز").await.click().await.expect("click");
    harness.find_with_text(By::Css("p[role='alert']"), "لا يمكننا الوصول إلى هذا الرقم. راجِع الرقم والبلد.").await;
    harness.assert_accessible("the phone form with its error, in Arabic").await;
    harness.check_screen_widths("sms-ar").await;

    phone.clear().await.expect("clear");
    phone.send_keys("+20 10 1234 5678").await.expect("typing");
    harness.find_with_text(By::Css("button"), "إرسال الرمز").await.click().await.expect("click");
    let sent = harness.find_with_text(By::Css("p[role='status']"), "أرسلنا رمزًا إلى •••• 5678.").await;
    let text = sent.text().await.expect("text");
    assert!(text.contains("\u{2068}•••• 5678\u{2069}"), "the masked number is isolated from the Arabic: {text:?}");
    harness.assert_accessible("the code form, in Arabic").await;
    harness.check_screen_widths("sms-code-ar").await;
    harness.find_with_text(By::Css("button"), "إلغاء").await.click().await.expect("click");

    harness.find_with_text(By::Css("button"), "إضافة تطبيق مصادقة").await.click().await.expect("click");
    harness.find_with_text(By::Css("h2"), "إضافة تطبيق مصادقة").await;
    harness.find(By::Css("svg[role='img']")).await;
    assert_eq!(attribute(&harness, ".mfa-secret-value", "dir").await.as_deref(), Some("ltr"));
    harness.assert_accessible("the authenticator app's QR code, in Arabic").await;
    harness.check_screen_widths("totp-ar").await;
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_regional_locale_picks_its_language_and_its_country() {
    let harness = Harness::start().await;
    harness.driver.goto(format!("{}/?locale=de-CH", harness.proxy_url)).await.expect("the page loads");
    harness.find_with_text(By::Css("h1"), "Ihre Anmeldemethoden").await;
    harness.find_with_text(By::Css("button"), "Sprachanruf hinzufügen").await.click().await.expect("click");
    let country = harness.find(By::Css("select[name='country']")).await;
    assert_eq!(country.value().await.expect("value").as_deref(), Some("CH"));
    harness.find_with_text(By::Css("select[name='country'] option"), "Schweiz (+41)").await;
    let extension = harness.driver.find_all(By::Css("input[name='extension']")).await.expect("query");
    assert!(extension.is_empty(), "no extension asked for where PingOne would drop it (its default)");
    harness.assert_accessible("the voice form, in German").await;
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_language_without_a_catalogue_gets_english() {
    let harness = Harness::start().await;
    harness.driver.goto(format!("{}/?locale=pt-BR", harness.proxy_url)).await.expect("the page loads");
    harness.find_with_text(By::Css("h1"), "Your sign-in methods").await;
    assert_eq!(attribute(&harness, ".mfa-enroll", "lang").await.as_deref(), Some("en"));
    assert_eq!(attribute(&harness, ".mfa-enroll", "dir").await.as_deref(), Some("ltr"));
    harness.stop().await;
}

//! A full run through the proxy with every log line captured (at the most verbose level): no answer and no log
//! line may hold the worker token or the client secret, and no log line may hold an OTP, a TOTP secret, a full
//! phone number or a full email address.

use std::time::{SystemTime, UNIX_EPOCH};
use testkit::Control;

use mfa_enroll_proxy::{Config, Proxy};
use reqwest::Method;
use serde_json::{Value, json};

const ACTIVATE: &str = "application/vnd.pingidentity.device.activate+json";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_reaches_an_answer_or_a_log_line() {
    let captured = testkit::Captured::default();
    let writer = captured.clone();
    tracing_subscriber::fmt().json().with_max_level(tracing::Level::TRACE).with_writer(move || writer.clone()).init();

    let proxy = Proxy::start(Config::default()).await.expect("the proxy starts");
    let simulator = proxy.simulator_url().expect("embedded").to_owned();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
    let base = format!("http://{}/api", listener.local_addr().expect("bound"));
    tokio::spawn(proxy.serve(listener, std::future::pending()));
    let http = reqwest::Client::new();
    let mut answers = Vec::new();
    let mut call = async |method: Method, path: &str, content_type: &str, body: Value| -> Value {
        let mut request = http.request(method, format!("{base}{path}"));
        if !body.is_null() {
            request = request.header("Content-Type", content_type).body(body.to_string());
        }
        let text = request.send().await.expect("answer").text().await.expect("text");
        answers.push(text.clone());
        serde_json::from_str(&text).unwrap_or(Value::Null)
    };

    let mut otps = Vec::new();
    let totp = call(Method::POST, "/devices", "application/json", json!({ "type": "TOTP" })).await;
    let secret = totp["secret"].as_str().expect("a secret").to_owned();
    let key = data_encoding::BASE32_NOPAD.decode(secret.as_bytes()).expect("base32");
    let now = SystemTime::now().duration_since(UNIX_EPOCH).expect("after 1970").as_secs();
    let code = pingone_simulator::otp::hotp(&key, now / 30, 6);
    otps.push(code.clone());
    let totp_id = totp["id"].as_str().expect("id").to_owned();
    call(Method::POST, &format!("/devices/{totp_id}"), ACTIVATE, json!({ "otp": code })).await;

    let sms =
        call(Method::POST, "/devices", "application/json", json!({ "type": "SMS", "phone": "+1 (512) 520-1234" }))
            .await;
    let email = call(
        Method::POST,
        "/devices",
        "application/json",
        json!({ "type": "EMAIL", "email": "ada.lovelace@example.com" }),
    )
    .await;
    call(Method::POST, "/devices", "application/json", json!({ "type": "SMS", "phone": "not a phone" })).await;
    let sms_id = sms["id"].as_str().expect("id").to_owned();
    call(Method::POST, &format!("/devices/{sms_id}"), ACTIVATE, json!({ "otp": "99999999" })).await;
    call(
        Method::POST,
        &format!("/devices/{sms_id}"),
        "application/vnd.pingidentity.device.sendActivationCode+json",
        json!({}),
    )
    .await;
    let outbox = Control::at(&simulator).outbox(None).await;
    for message in &outbox {
        otps.push(message["otp"].as_str().expect("a code").to_owned());
    }
    let latest_sms = outbox.iter().rev().find(|m| m["channel"] == "SMS").expect("an SMS");
    call(Method::POST, &format!("/devices/{sms_id}"), ACTIVATE, json!({ "otp": latest_sms["otp"] })).await;
    let email_code = outbox.iter().find(|m| m["channel"] == "EMAIL").expect("an email");
    call(
        Method::POST,
        &format!("/devices/{}", email["id"].as_str().expect("id")),
        ACTIVATE,
        json!({ "otp": email_code["otp"] }),
    )
    .await;
    call(Method::PUT, &format!("/devices/{sms_id}/nickname"), "application/json", json!({ "nickname": "Phone" })).await;
    call(Method::GET, "/devices", "", Value::Null).await;
    call(Method::DELETE, &format!("/devices/{totp_id}"), "", Value::Null).await;

    let tokens: Vec<String> = serde_json::from_value(Control::at(&simulator).get("tokens").await).expect("tokens");
    assert!(!tokens.is_empty(), "the proxy fetched a worker token");
    let client_secret = pingone_simulator::Fixture::demo().client_secret;
    let logs = captured.text();
    assert!(logs.lines().count() > 20, "the run was logged");

    for token in &tokens {
        assert!(!logs.contains(token.as_str()), "a worker token is in the logs");
        assert!(answers.iter().all(|answer| !answer.contains(token.as_str())), "a worker token is in an answer");
    }
    assert!(!logs.contains(&client_secret) && answers.iter().all(|answer| !answer.contains(&client_secret)));
    for never_logged in [secret.as_str(), "15125201234", "ada.lovelace@example.com", "ada.lovelace"] {
        assert!(!logs.contains(never_logged), "{never_logged} is in the logs");
    }
    for otp in &otps {
        assert!(!logs.contains(otp.as_str()), "an OTP is in the logs");
    }
}

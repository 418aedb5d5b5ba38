//! A create whose answer is lost, or that a client sends again with its `Idempotency-Key`, never makes a second
//! device or sends a second message, and leaves no half-made device behind: counted in the simulator's own devices
//! and outbox, against what the client was told.

use std::time::Duration;

mod support;

use mfa_enroll_proxy::{Config, Gateway, Identity, Timeouts};
use reqwest::StatusCode;
use serde_json::{Value, json};
use support::Running;
use testkit::{Answer, Control};

const PHONE: &str = "+15125550101";

async fn start(config: Config) -> Running {
    let running = support::start(config).await;
    // The first request fetches the worker token, so that faults set afterwards hit device calls.
    assert_eq!(running.list().await.0, StatusCode::OK);
    running
}

/// A proxy whose upstream answers are late for a stretch: it gives up after half a second.
async fn impatient() -> Running {
    let timeouts = Timeouts { connect: Duration::from_secs(1), total: Duration::from_millis(500) };
    start(Config { timeouts, ..Config::default() }).await
}

fn new_key() -> String {
    uuid::Uuid::new_v4().to_string()
}

async fn create(base: &str, key: &str, body: Value) -> Answer {
    let request = reqwest::Client::new().post(format!("{base}/api/devices")).header("Idempotency-Key", key).json(&body);
    testkit::send(request).await
}

/// The devices that the simulator holds for the demo user, read with the faults cleared.
async fn devices(simulator: &Control, proxy: &Running) -> Vec<Value> {
    simulator.put("faults", json!({})).await;
    proxy.list().await.1["_embedded"]["devices"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn an_sms_create_whose_answer_is_lost_is_answered_from_the_device_that_it_made() {
    let proxy = start(Config::default()).await;
    let simulator = proxy.simulator();
    simulator.put("faults", json!({ "loseNext": 1 })).await;
    let created = create(&proxy.base, &new_key(), json!({ "type": "SMS", "phone": PHONE })).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.body["status"], "ACTIVATION_REQUIRED");
    let devices = devices(&simulator, &proxy).await;
    assert_eq!(devices.len(), 1, "one device: {devices:?}");
    assert_eq!(devices[0]["id"], created.body["id"], "the device that the lost call made");
    assert_eq!(simulator.outbox(None).await.len(), 1, "its one message: the person enters the code from it");
}

#[tokio::test]
async fn a_retry_after_a_timeout_finds_the_device_and_sends_no_second_message() {
    let proxy = impatient().await;
    let simulator = proxy.simulator();
    let key = new_key();
    let sms = json!({ "type": "SMS", "phone": PHONE });
    // PingOne makes the device and sends the code, but answers after the proxy has given up; so does the list
    // that the proxy reads to find it.
    simulator.put("faults", json!({ "lateAnswerMs": 1500 })).await;
    let lost = create(&proxy.base, &key, sms.clone()).await;
    assert_eq!(lost.status, StatusCode::GATEWAY_TIMEOUT, "{}", lost.body);

    simulator.put("faults", json!({})).await;
    let retried = create(&proxy.base, &key, sms.clone()).await;
    assert_eq!(retried.status, StatusCode::CREATED, "{}", retried.body);
    let again = create(&proxy.base, &key, sms.clone()).await;
    assert_eq!((again.status, &again.body["id"]), (StatusCode::CREATED, &retried.body["id"]), "the same device");

    let devices = devices(&simulator, &proxy).await;
    assert_eq!(devices.len(), 1, "no duplicate: {devices:?}");
    assert_eq!(devices[0]["id"], retried.body["id"]);
    assert_eq!(simulator.outbox(None).await.len(), 1, "one message for one enrollment");

    let other_phone = create(&proxy.base, &key, json!({ "type": "SMS", "phone": "+15125550102" })).await;
    assert_eq!(other_phone.status, StatusCode::UNPROCESSABLE_ENTITY, "a key names one request");
    let a_fresh_key = create(&proxy.base, &new_key(), sms).await;
    assert_eq!(a_fresh_key.status, StatusCode::CREATED, "another key is another create");
}

#[tokio::test]
async fn an_authenticator_app_whose_answer_is_lost_is_removed_and_its_retry_starts_clean() {
    let proxy = start(Config::default()).await;
    let simulator = proxy.simulator();
    let key = new_key();
    simulator.put("faults", json!({ "loseNext": 1 })).await;
    let lost = create(&proxy.base, &key, json!({ "type": "TOTP" })).await;
    assert_eq!(lost.status, StatusCode::BAD_GATEWAY, "its secret was in the lost answer: {}", lost.body);
    assert_eq!(devices(&simulator, &proxy).await, Vec::<Value>::new(), "the half-made device is gone");

    let retried = create(&proxy.base, &key, json!({ "type": "TOTP" })).await;
    assert_eq!(retried.status, StatusCode::CREATED, "{}", retried.body);
    assert!(retried.body["secret"].is_string(), "a secret to scan: {}", retried.body);
    let devices = devices(&simulator, &proxy).await;
    assert_eq!(devices.len(), 1);
    assert_eq!(devices[0]["id"], retried.body["id"]);
}

#[tokio::test]
async fn a_key_in_flight_is_busy_and_a_malformed_key_is_refused() {
    let proxy = start(Config::default()).await;
    let simulator = proxy.simulator();
    let key = new_key();
    simulator.put("faults", json!({ "lateAnswerMs": 1000 })).await;
    let base = proxy.base.clone();
    let first = tokio::spawn({
        let key = key.clone();
        async move { create(&base, &key, json!({ "type": "EMAIL", "email": "ada@example.com" })).await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let second = create(&proxy.base, &key, json!({ "type": "EMAIL", "email": "ada@example.com" })).await;
    assert_eq!(second.status, StatusCode::CONFLICT, "{}", second.body);
    assert_eq!(second.headers.get("retry-after").map(|value| value.as_bytes()), Some(&b"1"[..]));
    assert_eq!(first.await.expect("the first create").status, StatusCode::CREATED);
    assert_eq!(devices(&simulator, &proxy).await.len(), 1);

    for malformed in ["short", "has spaces in it, sixteen+", &"x".repeat(65)] {
        let refused = create(&proxy.base, malformed, json!({ "type": "TOTP" })).await;
        let target = &refused.body["details"][0]["target"];
        assert_eq!(
            (refused.status, target.as_str()),
            (StatusCode::BAD_REQUEST, Some("Idempotency-Key")),
            "{malformed}"
        );
    }
    let two_keys = reqwest::Client::new()
        .post(format!("{}/api/devices", proxy.base))
        .header("Idempotency-Key", new_key())
        .header("Idempotency-Key", new_key())
        .json(&json!({ "type": "TOTP" }));
    assert_eq!(testkit::send(two_keys).await.status, StatusCode::BAD_REQUEST);
    let quoted = create(&proxy.base, &format!("\"{}\"", new_key()), json!({ "type": "TOTP" })).await;
    assert_eq!(quoted.status, StatusCode::CREATED, "the IETF draft's quoted form");
}

#[tokio::test]
async fn replicas_share_each_key_in_redis() {
    let redis = support::Redis::start();
    let upstream_simulator = support::standalone_simulator().await;
    let simulator = Control::at(upstream_simulator.api_url.trim_end_matches("/v1"));
    let secret = "0123456789abcdef0123456789abcdef";
    let replica = |total| {
        let config = Config {
            upstream: support::upstream(&upstream_simulator, mfa_enroll_proxy::TokenAuth::Basic),
            identity: Identity::Header(Gateway {
                user_header: "x-user".into(),
                secret_header: "x-secret".into(),
                secret: secret.to_owned().into(),
                ..Gateway::default()
            }),
            timeouts: Timeouts { connect: Duration::from_secs(1), total: Duration::from_millis(total) },
            rate_limit_redis: Some(redis.url.clone()),
            ..Config::default()
        };
        support::start(config)
    };
    let (first, second) = (replica(500).await, replica(5000).await);
    let user = upstream_simulator.demo_user_id.clone();
    let create = |base: String, key: String| {
        let request = reqwest::Client::new()
            .post(format!("{base}/api/devices"))
            .header("x-user", &user)
            .header("x-secret", secret)
            .header("Idempotency-Key", key)
            .json(&json!({ "type": "VOICE", "phone": PHONE }));
        testkit::send(request)
    };
    let key = new_key();
    simulator.put("faults", json!({ "lateAnswerMs": 1500 })).await;
    assert_eq!(create(first.base.clone(), key.clone()).await.status, StatusCode::GATEWAY_TIMEOUT);
    simulator.put("faults", json!({})).await;
    let on_second = create(second.base.clone(), key.clone()).await;
    assert_eq!(on_second.status, StatusCode::CREATED, "the other replica found the lost device: {}", on_second.body);
    let on_first = create(first.base.clone(), key).await;
    assert_eq!(on_first.body["id"], on_second.body["id"], "and the first one knows it");
    let list = reqwest::Client::new()
        .get(format!("{}/api/devices", second.base))
        .header("x-user", &user)
        .header("x-secret", secret);
    let list = testkit::json(list).await;
    let voice = list["_embedded"]["devices"].as_array().into_iter().flatten().filter(|d| d["type"] == "VOICE");
    assert_eq!(voice.count(), 1, "{list}");
    assert_eq!(simulator.outbox(Some(&user)).await.len(), 1, "one call");
}

#[tokio::test]
async fn a_500_after_the_work_is_answered_from_the_device_that_it_made() {
    let proxy = start(Config::default()).await;
    let simulator = proxy.simulator();
    // An edge in front of PingOne fails the answer of a create that PingOne carried out.
    simulator.put("faults", json!({ "failAfterNext": 1 })).await;
    let created = create(&proxy.base, &new_key(), json!({ "type": "SMS", "phone": PHONE })).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let devices = devices(&simulator, &proxy).await;
    assert_eq!(devices.len(), 1, "{devices:?}");
    assert_eq!(simulator.outbox(None).await.len(), 1);
}

#[tokio::test]
async fn a_key_whose_device_is_gone_makes_it_anew() {
    let proxy = start(Config::default()).await;
    let simulator = proxy.simulator();
    let (key, email) = (new_key(), json!({ "type": "EMAIL", "email": "ada@example.com" }));
    let first = create(&proxy.base, &key, email.clone()).await;
    assert_eq!(first.status, StatusCode::CREATED);
    let id = first.body["id"].as_str().expect("an id");
    let removed = proxy.http.delete(format!("{}/api/devices/{id}", proxy.base)).send().await.expect("answer");
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    let again = create(&proxy.base, &key, email).await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.body);
    assert_ne!(again.body["id"], first.body["id"], "the person started over: a new device, a new code");
    assert_eq!(devices(&simulator, &proxy).await.len(), 1);
}

#[tokio::test]
async fn a_pending_authenticator_app_made_before_a_lost_create_is_left_alone() {
    let proxy = start(Config::default()).await;
    let simulator = proxy.simulator();
    // Another tab's pairing, which the person may be scanning now.
    let other_tab = proxy.create(json!({ "type": "TOTP" })).await;
    assert_eq!(other_tab.0, StatusCode::CREATED);
    // Past the margin that the dating allows the clocks.
    tokio::time::sleep(Duration::from_secs(4)).await;
    simulator.put("faults", json!({ "loseNext": 1 })).await;
    let lost = create(&proxy.base, &new_key(), json!({ "type": "TOTP" })).await;
    assert_eq!(lost.status, StatusCode::BAD_GATEWAY);
    let devices = devices(&simulator, &proxy).await;
    assert_eq!(devices.len(), 1, "only the lost create's device was removed: {devices:?}");
    assert_eq!(devices[0]["id"], other_tab.1["id"]);
}

//! The proxy over real HTTP on 127.0.0.1, in front of its embedded simulator: the contract routes, the edge checks
//! that refuse a request before any upstream call, the worker token's refresh, and the site's security headers.

use std::time::{SystemTime, UNIX_EPOCH};

mod support;

use mfa_enroll_proxy::{Config, Proxy};
use reqwest::StatusCode;
use serde_json::{Value, json};
use support::Running;

const ACTIVATE: &str = "application/vnd.pingidentity.device.activate+json";

async fn start(config: Config) -> Running {
    support::start(config).await
}

fn code_now(secret: &str) -> String {
    let key = data_encoding::BASE32_NOPAD.decode(secret.as_bytes()).expect("base32");
    let now = SystemTime::now().duration_since(UNIX_EPOCH).expect("after 1970").as_secs() as i64;
    pingone_simulator::otp::hotp(&key, pingone_simulator::otp::totp_step(now), 6)
}

#[tokio::test]
async fn create_forces_activation_and_hides_upstream_links() {
    let proxy = start(Config::default()).await;
    // The simulator, like PingOne, would make a worker-created device ACTIVE: the proxy must not let it.
    let (status, device) = proxy.create(json!({ "type": "TOTP", "status": "ACTIVE" })).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(device["status"], "ACTIVATION_REQUIRED");
    assert!(device.get("_links").is_none());
    let (status, list, _) = proxy.list().await;
    assert_eq!(status, StatusCode::OK);
    assert!(!list.to_string().contains("_links"));
    assert_eq!(list["_embedded"]["devices"][0]["status"], "ACTIVATION_REQUIRED");
}

#[tokio::test]
async fn a_device_is_activated_and_deleted_through_the_contract() {
    let proxy = start(Config::default()).await;
    let (_, device) = proxy.create(json!({ "type": "TOTP" })).await;
    let id = device["id"].as_str().expect("id");
    let (status, active) = proxy
        .post(
            &format!("/devices/{id}"),
            ACTIVATE,
            &json!({ "otp": code_now(device["secret"].as_str().expect("secret")) }).to_string(),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{active}");
    assert_eq!(active["status"], "ACTIVE");

    let deleted = proxy.http.delete(format!("{}/api/devices/{id}", proxy.base)).send().await.expect("answer");
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert_eq!(proxy.list().await.1["_embedded"]["devices"], json!([]));
}

#[tokio::test]
async fn a_wrong_code_comes_back_as_pingone_said_it() {
    let proxy = start(Config::default()).await;
    let (_, device) = proxy.create(json!({ "type": "TOTP" })).await;
    let id = device["id"].as_str().expect("id");
    let wrong = if code_now(device["secret"].as_str().expect("secret")) == "000000" { "111111" } else { "000000" };
    let (status, error) = proxy.post(&format!("/devices/{id}"), ACTIVATE, &json!({ "otp": wrong }).to_string()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error["details"][0]["code"], "INVALID_OTP");
}

#[tokio::test]
async fn an_expired_worker_token_is_refreshed_and_the_request_retried() {
    let proxy = start(Config::default()).await;
    assert_eq!(proxy.list().await.0, StatusCode::OK);
    // Two hours later on the simulator's clock, the proxy's cached token is refused upstream with a 401.
    proxy.simulator().put("clock", json!({ "offsetSeconds": 7200 })).await;
    let (status, list, _) = proxy.list().await;
    assert_eq!(status, StatusCode::OK, "{list}");
}

#[tokio::test]
async fn the_demo_identity_is_refused_with_a_real_upstream() {
    let config = Config {
        upstream: support::unreachable_upstream(),
        identity: mfa_enroll_proxy::Identity::Demo,
        ..Config::default()
    };
    let refused = Proxy::start(config).await.err().expect("demo identity with a real upstream is refused");
    assert!(refused.to_string().contains("identity: `demo` is allowed only with the embedded simulator"), "{refused}");
}

#[tokio::test]
async fn the_site_is_served_with_a_strict_content_security_policy() {
    let site = std::env::temp_dir().join(format!("mfa-enroll-site-{}", std::process::id()));
    std::fs::create_dir_all(&site).expect("a temporary site");
    std::fs::write(site.join("index.html"), "<!doctype html><title>t</title>").expect("index.html");
    let proxy = start(Config { site_dir: Some(site.clone()), ..Config::default() }).await;
    let response = proxy.http.get(format!("{}/", proxy.base)).send().await.expect("answer");
    assert_eq!(response.status(), StatusCode::OK);
    let csp = response.headers()["content-security-policy"].to_str().expect("ASCII");
    assert!(csp.contains("script-src 'self' 'wasm-unsafe-eval'"));
    assert!(csp.contains("style-src 'self'") && !csp.contains("unsafe-inline"));
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    let api = proxy.http.get(format!("{}/api/devices", proxy.base)).send().await.expect("answer");
    assert_eq!(api.headers()["cache-control"], "no-store");
    std::fs::remove_dir_all(site).ok();
}

/// The simulator's own API, as an upstream worker would use it: for setting up what a browser could not.
struct Worker {
    api: String,
    token: String,
    http: reqwest::Client,
}

impl Worker {
    async fn connect(simulator: &str) -> Self {
        let fixture = pingone_simulator::Fixture::demo();
        let http = reqwest::Client::new();
        let token = testkit::json(
            http.post(format!("{simulator}/{}/as/token", fixture.environment_id))
                .basic_auth(&fixture.client_id, Some(&fixture.client_secret))
                .form(&[("grant_type", "client_credentials")]),
        )
        .await;
        Self {
            api: format!("{simulator}/v1/environments/{}", fixture.environment_id),
            token: token["access_token"].as_str().expect("a token").to_owned(),
            http,
        }
    }

    async fn device_of(&self, user: &str, body: Value) -> String {
        let request = self.http.post(format!("{}/users/{user}/devices", self.api)).bearer_auth(&self.token).json(&body);
        testkit::json(request).await["id"].as_str().expect("an id").to_owned()
    }

    async fn device_exists(&self, user: &str, id: &str) -> bool {
        let read =
            self.http.get(format!("{}/users/{user}/devices/{id}", self.api)).bearer_auth(&self.token).send().await;
        read.expect("answer").status() == StatusCode::OK
    }
}

#[tokio::test]
async fn an_sms_device_is_enrolled_with_a_normalised_phone_and_a_resent_code() {
    let proxy = start(Config::default()).await;
    let (status, device) =
        proxy.create(json!({ "type": "SMS", "phone": "+1 (512) 520-1234", "status": "ACTIVE" })).await;
    assert_eq!(status, StatusCode::CREATED, "{device}");
    assert_eq!(
        (device["phone"].as_str(), device["status"].as_str()),
        (Some("+15125201234"), Some("ACTIVATION_REQUIRED"))
    );
    let id = device["id"].as_str().expect("id");
    let (status, _) =
        proxy.post(&format!("/devices/{id}"), "application/vnd.pingidentity.device.sendActivationCode+json", "").await;
    assert_eq!(status, StatusCode::OK);
    let codes = proxy.simulator().outbox(None).await;
    assert_eq!(codes.len(), 2, "the first code and the resent one");
    let latest = codes[1]["otp"].as_str().expect("a code");
    let (status, active) = proxy.post(&format!("/devices/{id}"), ACTIVATE, &json!({ "otp": latest }).to_string()).await;
    assert_eq!((status, active["status"].as_str()), (StatusCode::OK, Some("ACTIVE")));
}

#[tokio::test]
async fn each_type_takes_its_own_fields_checked_at_the_edge() {
    let proxy = start(Config::default()).await;
    let refusals = [
        (json!({ "type": "TOTP", "phone": "+15125201234" }), None),
        (json!({ "type": "SMS" }), Some("phone")),
        (json!({ "type": "SMS", "phone": "12" }), Some("phone")),
        (json!({ "type": "VOICE", "phone": "+15125201234", "extension": "12a" }), Some("extension")),
        (json!({ "type": "EMAIL", "email": "not-an-address" }), Some("email")),
        (json!({ "type": "EMAIL", "email": "a@example.com", "phone": "+15125201234" }), None),
        (json!({ "type": "OATH_TOKEN", "serialNumber": "../../x" }), Some("serialNumber")),
        (json!({ "type": "OATH_TOKEN" }), Some("serialNumber")),
        (json!({ "type": "TOTP", "nickname": "bell\u{7}" }), Some("nickname")),
    ];
    for (body, target) in refusals {
        let (status, error) = proxy.create(body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(error["details"][0]["target"].as_str(), target, "{body}: {error}");
    }
    assert!(proxy.simulator().outbox(None).await.is_empty(), "nothing refused reached the upstream");
    let (status, email) = proxy.create(json!({ "type": "EMAIL", "email": "ada@example.com" })).await;
    assert_eq!((status, email["email"].as_str()), (StatusCode::CREATED, Some("ada@example.com")));
    let (status, token) = proxy.create(json!({ "type": "OATH_TOKEN", "serialNumber": "DEMO-HOTP-0001" })).await;
    assert_eq!((status, token["status"].as_str()), (StatusCode::CREATED, Some("ACTIVATION_REQUIRED")));
}

#[tokio::test]
async fn config_reports_what_may_be_enrolled() {
    let proxy = start(Config { issuer: "Acme".into(), ..Config::default() }).await;
    let config: Value =
        proxy.http.get(format!("{}/api/config", proxy.base)).send().await.expect("answer").json().await.expect("JSON");
    assert_eq!(config["deviceTypes"], json!(["TOTP", "SMS", "VOICE", "EMAIL", "OATH_TOKEN"]));
    assert_eq!(config["issuer"], "Acme");
    assert_eq!(config["resendCooldownSeconds"], 30);
    assert_eq!(config["phoneExtensions"], false, "PingOne's default MFA settings drop extensions");
}

#[tokio::test]
async fn config_offers_only_what_the_environments_policy_lets_people_pair() {
    let proxy = start(Config::default()).await;
    let read = || testkit::json(proxy.http.get(format!("{}/api/config", proxy.base)));
    let simulator = proxy.simulator();
    // A new environment's policy (email on; SMS, voice and TOTP off), then voice on, SMS on but paired no more,
    // voice extensions kept, and room for 7 devices.
    let policy_id = simulator.get("policy").await["id"].clone();
    let sms = json!({ "enabled": true, "pairingDisabled": true });
    simulator.put("policy", json!({ "id": policy_id, "sms": sms, "voice": { "enabled": true } })).await;
    simulator.put("settings", json!({ "phoneExtensionsEnabled": true, "maxAllowedDevices": 7 })).await;
    let config = read().await;
    assert_eq!(config["deviceTypes"], json!(["VOICE", "EMAIL", "OATH_TOKEN"]));
    assert_eq!(config["phoneExtensions"], true);
    assert_eq!(config["maxAllowedDevices"], 7, "the MFA settings' pairing.maxAllowedDevices");
    let (status, refused) = proxy.create(json!({ "type": "TOTP" })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "not offered, and refused too: {refused}");

    // Every widget asks on load; PingOne is asked once a minute.
    for _ in 0..3 {
        assert_eq!(read().await["deviceTypes"], json!(["VOICE", "EMAIL", "OATH_TOKEN"]));
    }
    let requests = simulator.requests().await;
    let reads =
        |resource: &str| requests.iter().filter(|r| r["path"].as_str().unwrap_or("").ends_with(resource)).count();
    assert_eq!(reads("/mfaSettings"), 1, "{requests:?}");
}

#[tokio::test]
async fn nicknames_and_order_go_through_checked() {
    let proxy = start(Config::default()).await;
    let mut ids = Vec::new();
    for _ in 0..2 {
        let (_, device) = proxy.create(json!({ "type": "TOTP" })).await;
        let code = code_now(device["secret"].as_str().expect("secret"));
        let id = device["id"].as_str().expect("id").to_owned();
        proxy.post(&format!("/devices/{id}"), ACTIVATE, &json!({ "otp": code }).to_string()).await;
        ids.push(id);
    }
    let renamed = proxy
        .http
        .put(format!("{}/api/devices/{}/nickname", proxy.base, ids[0]))
        .json(&json!({ "nickname": "Work" }))
        .send()
        .await
        .expect("answer");
    assert_eq!(renamed.status(), StatusCode::OK);
    let bad = proxy
        .http
        .put(format!("{}/api/devices/{}/nickname", proxy.base, ids[0]))
        .json(&json!({ "nickname": "x".repeat(101) }))
        .send()
        .await
        .expect("answer");
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);

    let order = json!({ "order": [{ "id": ids[1] }, { "id": ids[0] }] }).to_string();
    let (status, _) = proxy.post("/devices", "application/vnd.pingidentity.devices.reorder+json", &order).await;
    assert_eq!(status, StatusCode::OK);
    let (_, list, _) = proxy.list().await;
    assert_eq!(list["_embedded"]["devices"][0]["id"], ids[1].as_str());
    assert_eq!(list["_embedded"]["devices"][1]["nickname"], "Work");
    let (status, _) = proxy
        .post("/devices", "application/vnd.pingidentity.devices.reorder+json", r#"{"order":[{"id":"../x"}]}"#)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_change_to_a_device_is_one_upstream_call() {
    let proxy = start(Config::default()).await;
    let (_, device) = proxy.create(json!({ "type": "EMAIL", "email": "ada@example.com" })).await;
    let id = device["id"].as_str().expect("id");
    let simulator = proxy.simulator();
    let calls_to_device = || async {
        let requests = simulator.requests().await;
        requests.iter().filter(|r| r["path"].as_str().is_some_and(|path| path.contains(id))).count()
    };
    let resend = "application/vnd.pingidentity.device.sendActivationCode+json";
    assert_eq!(proxy.post(&format!("/devices/{id}"), resend, "").await.0, StatusCode::OK);
    assert_eq!(calls_to_device().await, 1, "the path names the user: PingOne itself keeps others out");
    let code = simulator.outbox(None).await.last().expect("a code")["otp"].clone();
    assert_eq!(
        proxy.post(&format!("/devices/{id}"), ACTIVATE, &json!({ "otp": code }).to_string()).await.0,
        StatusCode::OK
    );
    let renamed =
        proxy.http.put(format!("{}/api/devices/{id}/nickname", proxy.base)).json(&json!({ "nickname": "Work" }));
    assert_eq!(testkit::send(renamed).await.status, StatusCode::OK);
    let deleted = testkit::send(proxy.http.delete(format!("{}/api/devices/{id}", proxy.base))).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_eq!(calls_to_device().await, 4, "resend, activate, rename and delete: one call each");
}

#[tokio::test]
async fn a_reorder_is_checked_with_one_list_and_names_each_device_once() {
    let proxy = start(Config::default()).await;
    let demo_user = pingone_simulator::Fixture::demo().demo_user_id;
    let worker = Worker::connect(proxy.simulator_url()).await;
    let id = worker.device_of(&demo_user, json!({ "type": "TOTP", "status": "ACTIVE" })).await;
    let simulator = proxy.simulator();
    let before = simulator.requests().await.len();
    let order = json!({ "order": vec![json!({ "id": id }); 20] }).to_string();
    let (status, body) = proxy.post("/devices", "application/vnd.pingidentity.devices.reorder+json", &order).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let upstream = simulator.requests().await;
    let calls: Vec<String> = upstream[before..]
        .iter()
        .filter(|r| r["path"].as_str().is_some_and(|path| path.contains("/devices")))
        .map(|r| format!("{} {}", r["method"].as_str().unwrap_or(""), r["path"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(calls.len(), 2, "one list and one reorder, not one read per id: {calls:?}");
    assert!(
        calls[0].starts_with("GET ") && calls[1].starts_with("POST ") && calls[1].ends_with("/devices"),
        "{calls:?}"
    );
}

#[tokio::test]
async fn another_users_device_is_out_of_reach_for_every_method() {
    let proxy = start(Config::default()).await;
    let upstream = Worker::connect(proxy.simulator_url()).await;
    let bob = &proxy.simulator().new_user("bob@example.com").await;
    let bobs = [
        upstream
            .device_of(bob, json!({ "type": "SMS", "phone": "+15125201234", "status": "ACTIVATION_REQUIRED" }))
            .await,
        upstream.device_of(bob, json!({ "type": "TOTP", "status": "ACTIVE" })).await,
    ];
    for id in &bobs {
        let attempts = [
            proxy.post(&format!("/devices/{id}"), ACTIVATE, r#"{"otp":"123456"}"#).await.0,
            proxy
                .post(&format!("/devices/{id}"), "application/vnd.pingidentity.device.sendActivationCode+json", "")
                .await
                .0,
            proxy
                .http
                .put(format!("{}/api/devices/{id}/nickname", proxy.base))
                .json(&json!({ "nickname": "mine" }))
                .send()
                .await
                .expect("answer")
                .status(),
            proxy.http.delete(format!("{}/api/devices/{id}", proxy.base)).send().await.expect("answer").status(),
        ];
        let reorder = json!({ "order": [{ "id": id }] }).to_string();
        let reordered = proxy.post("/devices", "application/vnd.pingidentity.devices.reorder+json", &reorder).await.0;
        assert_eq!(attempts, [StatusCode::NOT_FOUND; 4], "device {id}");
        assert_eq!(reordered, StatusCode::NOT_FOUND, "reorder with device {id}");
        assert!(upstream.device_exists(bob, id).await, "Bob's device {id} is untouched");
    }
    let (_, list, _) = proxy.list().await;
    assert_eq!(list["_embedded"]["devices"], json!([]), "the demo user sees none of Bob's devices");
    let sent = proxy.simulator().outbox(None).await;
    assert_eq!(sent.len(), 1, "no code was resent to Bob's phone");
}

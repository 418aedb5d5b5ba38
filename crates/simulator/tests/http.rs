//! The simulator over real HTTP on 127.0.0.1: the token endpoint, TOTP devices, PingOne's errors, the control API,
//! and the binary's startup line.

use std::time::{SystemTime, UNIX_EPOCH};

use pingone_simulator::otp::{hotp, totp_step};
use pingone_simulator::{Simulator, StartupInfo};
use reqwest::StatusCode;
use serde_json::{Value, json};

const ACTIVATE: &str = "application/vnd.pingidentity.device.activate+json";

struct Sim {
    info: StartupInfo,
    http: reqwest::Client,
    token: String,
}

impl Sim {
    async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
        let base = format!("http://{}", listener.local_addr().expect("bound"));
        let simulator = Simulator::demo();
        let info = simulator.startup_info(&base);
        tokio::spawn(pingone_simulator::serve(listener, simulator, std::future::pending()));
        let http = reqwest::Client::new();
        let token = token_with_basic(&http, &info).await;
        Self { info, http, token }
    }

    fn devices_url(&self) -> String {
        format!("{}/environments/{}/users/{}/devices", self.info.api_url, self.info.environment_id, self.info.demo_user_id)
    }

    async fn create(&self, body: Value) -> (StatusCode, Value) {
        let response = self.http.post(self.devices_url()).bearer_auth(&self.token).json(&body).send().await.expect("answer");
        (response.status(), response.json().await.expect("JSON"))
    }

    async fn activate(&self, device_id: &str, otp: &str) -> (StatusCode, Value) {
        let response = self
            .http
            .post(format!("{}/{device_id}", self.devices_url()))
            .bearer_auth(&self.token)
            .header("Content-Type", ACTIVATE)
            .body(json!({ "otp": otp }).to_string())
            .send()
            .await
            .expect("answer");
        (response.status(), response.json().await.expect("JSON"))
    }

    async fn set_clock(&self, offset_seconds: i64) {
        let response = self
            .http
            .put(format!("{}/sim/clock", self.info.auth_url))
            .json(&json!({ "offsetSeconds": offset_seconds }))
            .send()
            .await
            .expect("answer");
        assert_eq!(response.status(), StatusCode::OK);
    }
}

async fn token_with_basic(http: &reqwest::Client, info: &StartupInfo) -> String {
    let response = http
        .post(format!("{}/{}/as/token", info.auth_url, info.environment_id))
        .basic_auth(&info.client_id, Some(&info.client_secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    body["access_token"].as_str().expect("a token").to_owned()
}

fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).expect("after 1970").as_secs() as i64
}

fn code_at(secret: &str, unix_seconds: i64) -> String {
    let key = data_encoding::BASE32_NOPAD.decode(secret.as_bytes()).expect("base32");
    hotp(&key, totp_step(unix_seconds), 6)
}

#[tokio::test]
async fn token_endpoint_takes_basic_or_form_credentials_and_refuses_others() {
    let sim = Sim::start().await;
    let url = format!("{}/{}/as/token", sim.info.auth_url, sim.info.environment_id);
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", sim.info.client_id.as_str()),
        ("client_secret", sim.info.client_secret.as_str()),
    ];
    let response = sim.http.post(&url).form(&form).send().await.expect("answer");
    assert_eq!(response.status(), StatusCode::OK);

    let wrong = [("grant_type", "client_credentials"), ("client_id", sim.info.client_id.as_str()), ("client_secret", "guess")];
    let response = sim.http.post(&url).form(&wrong).send().await.expect("answer");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(response.json::<Value>().await.expect("JSON")["error"], "invalid_client");

    let response = sim.http.post(&url).form(&[("grant_type", "password")]).send().await.expect("answer");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn worker_tokens_expire_on_the_simulated_clock() {
    let sim = Sim::start().await;
    let list = || sim.http.get(sim.devices_url()).bearer_auth(&sim.token).send();
    assert_eq!(list().await.expect("answer").status(), StatusCode::OK);
    sim.set_clock(3601).await;
    let response = list().await.expect("answer");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["code"], "ACCESS_FAILED");
    assert_eq!(body["details"][0]["code"], "INVALID_TOKEN");

    let no_token = sim.http.get(sim.devices_url()).send().await.expect("answer");
    assert_eq!(no_token.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn totp_create_matches_the_documented_response() {
    let sim = Sim::start().await;
    let (status, device) = sim.create(json!({ "type": "TOTP", "status": "ACTIVATION_REQUIRED" })).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(device["status"], "ACTIVATION_REQUIRED");
    let secret = device["secret"].as_str().expect("a secret");
    assert_eq!(secret.len(), 32);
    assert!(data_encoding::BASE32_NOPAD.decode(secret.as_bytes()).is_ok());
    assert_eq!(device["keyUri"], format!("otpauth://totp/demo@example.com?secret={secret}"));
    let id = device["id"].as_str().expect("an id");
    assert!(device["_links"]["device.activate"]["href"].as_str().expect("activate link").ends_with(id));
    for field in ["createdAt", "updatedAt"] {
        let at = device[field].as_str().expect("a timestamp");
        assert!(at.ends_with('Z') && at.len() == 24, "{field} is {at}");
    }

    let listed: Value = sim.http.get(sim.devices_url()).bearer_auth(&sim.token).send().await.expect("answer").json().await.expect("JSON");
    let devices = listed["_embedded"]["devices"].as_array().expect("a list");
    assert_eq!(devices.len(), 1);
    assert!(devices[0].get("secret").is_none(), "the secret is shown on create only");
}

#[tokio::test]
async fn a_worker_created_device_is_active_unless_activation_is_asked_for() {
    let sim = Sim::start().await;
    let (status, device) = sim.create(json!({ "type": "TOTP" })).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(device["status"], "ACTIVE");
    assert!(device["_links"].get("device.activate").is_none());
}

#[tokio::test]
async fn activation_accepts_codes_within_the_grace_window_only() {
    let sim = Sim::start().await;
    let (_, device) = sim.create(json!({ "type": "TOTP", "status": "ACTIVATION_REQUIRED" })).await;
    let (id, secret) = (device["id"].as_str().expect("id"), device["secret"].as_str().expect("secret"));

    let (status, error) = sim.activate(id, &code_at(secret, now() - 600)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error["code"], "INVALID_DATA");
    assert_eq!(error["details"][0]["code"], "INVALID_OTP");
    assert_eq!(error["details"][0]["target"], "otp");
    assert_eq!(error["details"][0]["innerError"]["remainingAttempts"], 2);

    let (status, active) = sim.activate(id, &code_at(secret, now() - 120)).await;
    assert_eq!(status, StatusCode::OK, "{active}");
    assert_eq!(active["status"], "ACTIVE");
}

#[tokio::test]
async fn three_wrong_codes_lock_the_device_until_the_cool_down_ends() {
    let sim = Sim::start().await;
    let (_, device) = sim.create(json!({ "type": "TOTP", "status": "ACTIVATION_REQUIRED" })).await;
    let (id, secret) = (device["id"].as_str().expect("id"), device["secret"].as_str().expect("secret"));
    let stale = code_at(secret, now() - 3600);
    for _ in 0..3 {
        assert_eq!(sim.activate(id, &stale).await.0, StatusCode::BAD_REQUEST);
    }
    let (status, error) = sim.activate(id, &code_at(secret, now())).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error["details"][0]["code"], "DEVICE_LOCKED");

    sim.set_clock(121).await;
    let token = token_with_basic(&sim.http, &sim.info).await;
    let sim = Sim { token, ..sim };
    let (status, active) = sim.activate(id, &code_at(secret, now() + 121)).await;
    assert_eq!(status, StatusCode::OK, "{active}");
}

#[tokio::test]
async fn errors_have_pingone_shape_and_status() {
    let sim = Sim::start().await;
    let (status, error) = sim.create(json!({ "type": "CARRIER_PIGEON" })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error["code"], "INVALID_DATA");
    assert!(error["id"].as_str().is_some_and(|id| id.len() == 36));

    let wrong_type = sim.http.post(sim.devices_url()).bearer_auth(&sim.token).header("Content-Type", "text/plain").body("{}").send().await.expect("answer");
    assert_eq!(wrong_type.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);

    let missing = format!("{}/1c41a471-3195-4edf-90fd-f9283028ab1a", sim.devices_url());
    let response = sim.http.delete(&missing).bearer_auth(&sim.token).send().await.expect("answer");
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(response.json::<Value>().await.expect("JSON")["code"], "NOT_FOUND");

    let other_user = format!("{}/environments/{}/users/nobody/devices", sim.info.api_url, sim.info.environment_id);
    let response = sim.http.get(other_user).bearer_auth(&sim.token).send().await.expect("answer");
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn one_users_devices_are_out_of_reach_through_another_user() {
    let sim = Sim::start().await;
    let (_, device) = sim.create(json!({ "type": "TOTP" })).await;
    let created: Value = sim
        .http
        .post(format!("{}/sim/users", sim.info.auth_url))
        .json(&json!({ "username": "other@example.com" }))
        .send()
        .await
        .expect("answer")
        .json()
        .await
        .expect("JSON");
    let other = created["id"].as_str().expect("a user id");
    let through_other = format!(
        "{}/environments/{}/users/{other}/devices/{}",
        sim.info.api_url,
        sim.info.environment_id,
        device["id"].as_str().expect("id")
    );
    let response = sim.http.delete(through_other).bearer_auth(&sim.token).send().await.expect("answer");
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn control_api_keeps_the_contract_names() {
    let sim = Sim::start().await;
    let user = sim.http.post(format!("{}/sim/users", sim.info.auth_url)).json(&json!({ "username": "a@example.com" })).send().await.expect("answer");
    assert_eq!(user.status(), StatusCode::CREATED);
    let token = json!({ "serialNumber": "2308734700397", "secret": "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", "tokenType": "HOTP", "digits": 6, "counter": 0 });
    let added = sim.http.post(format!("{}/sim/oath-tokens", sim.info.auth_url)).json(&token).send().await.expect("answer");
    assert_eq!(added.status(), StatusCode::CREATED);
    let outbox: Value = sim.http.get(format!("{}/sim/outbox?userId={}", sim.info.auth_url, sim.info.demo_user_id)).send().await.expect("answer").json().await.expect("JSON");
    assert_eq!(outbox, json!([]));
}

#[test]
fn the_binary_prints_its_startup_line_first() {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_pingone-simulator"))
        .args(["--listen", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("a line");
    child.kill().ok();
    child.wait().ok();
    let info: Value = serde_json::from_str(&line).expect("one JSON object");
    for field in ["apiUrl", "authUrl", "environmentId", "clientId", "clientSecret", "demoUserId", "policyId"] {
        assert!(info[field].as_str().is_some_and(|v| !v.is_empty()), "{field} missing in {line}");
    }
    assert!(info["apiUrl"].as_str().is_some_and(|url| url.starts_with("http://127.0.0.1:") && url.ends_with("/v1")));
}

//! The simulator over real HTTP on 127.0.0.1: the token endpoint, TOTP devices, PingOne's errors, the control API,
//! and the binary's startup line.

mod support;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::{Sim, now};
use testkit::Control;

fn code_at(secret: &str, unix_seconds: i64) -> String {
    support::totp_at(secret, unix_seconds, 6)
}

#[tokio::test]
async fn token_endpoint_takes_basic_or_form_credentials_and_refuses_others() {
    let sim = Sim::start().await;
    let url = format!("{}/{}/as/token", sim.info.auth_url, sim.info.environment_id);
    assert!(!sim.token.is_empty(), "Basic client authentication gave a token");
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", sim.info.client_id.as_str()),
        ("client_secret", sim.info.client_secret.as_str()),
    ];
    let response = sim.http.post(&url).form(&form).send().await.expect("answer");
    assert_eq!(response.status(), StatusCode::OK);

    let wrong =
        [("grant_type", "client_credentials"), ("client_id", sim.info.client_id.as_str()), ("client_secret", "guess")];
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
    let created = sim.create(json!({ "type": "TOTP", "status": "ACTIVATION_REQUIRED" })).await;
    let (status, device) = (created.status, created.body);
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

    let listed: Value = sim
        .http
        .get(sim.devices_url())
        .bearer_auth(&sim.token)
        .send()
        .await
        .expect("answer")
        .json()
        .await
        .expect("JSON");
    let devices = listed["_embedded"]["devices"].as_array().expect("a list");
    assert_eq!(devices.len(), 1);
    assert!(devices[0].get("secret").is_none(), "the secret is shown on create only");
}

#[tokio::test]
async fn a_worker_created_device_is_active_unless_activation_is_asked_for() {
    let sim = Sim::start().await;
    let sms = sim.create(json!({ "type": "SMS", "phone": "+15125550101" })).await;
    assert_eq!((sms.status, sms.body["status"].as_str()), (StatusCode::CREATED, Some("ACTIVE")));
    assert!(sms.body["_links"].get("device.activate").is_none());
    assert!(sim.outbox().await.is_empty(), "an active device is sent no pairing code");
    // PingOne's own TOTP example: with no status, an authenticator app waits for its first code.
    let totp = sim.create(json!({ "type": "TOTP" })).await;
    assert_eq!(totp.body["status"], "ACTIVATION_REQUIRED");
    let active_totp = sim.create(json!({ "type": "TOTP", "status": "ACTIVE" })).await;
    assert_eq!(active_totp.body["status"], "ACTIVE");
}

#[tokio::test]
async fn activation_accepts_codes_within_the_grace_window_only() {
    let sim = Sim::start().await;
    let device = sim.create(json!({ "type": "TOTP", "status": "ACTIVATION_REQUIRED" })).await.body;
    let (id, secret) = (device["id"].as_str().expect("id"), device["secret"].as_str().expect("secret"));

    let (status, error) = activate(&sim, id, &code_at(secret, now() - 600)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error["code"], "INVALID_DATA");
    assert_eq!(error["details"][0]["code"], "INVALID_OTP");
    assert_eq!(error["details"][0]["target"], "otp");
    assert_eq!(error["details"][0].get("innerError"), None, "PingOne publishes no count of tries left");

    let (status, active) = activate(&sim, id, &code_at(secret, now() - 120)).await;
    assert_eq!(status, StatusCode::OK, "{active}");
    assert_eq!(active["status"], "ACTIVE");
}

#[tokio::test]
async fn three_wrong_codes_lock_the_device_until_the_cool_down_ends() {
    let sim = Sim::start().await;
    let device = sim.create(json!({ "type": "TOTP", "status": "ACTIVATION_REQUIRED" })).await.body;
    let (id, secret) = (device["id"].as_str().expect("id"), device["secret"].as_str().expect("secret"));
    let stale = code_at(secret, now() - 3600);
    for _ in 0..3 {
        assert_eq!(activate(&sim, id, &stale).await.0, StatusCode::BAD_REQUEST);
    }
    let (status, _) = activate(&sim, id, &code_at(secret, now())).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "locked: TOTP's cool-down is PingOne's 2 minutes");
    let device = sim.call(Method::GET, &format!("/{id}"), None, None).await.body;
    assert_eq!(device["lock"]["status"], "LOCKED");

    sim.set_clock(121).await;
    let sim = Sim { token: sim.new_token().await, ..sim };
    let (status, active) = activate(&sim, id, &code_at(secret, now() + 121)).await;
    assert_eq!(status, StatusCode::OK, "{active}");
}

#[tokio::test]
async fn errors_have_pingone_shape_and_status() {
    let sim = Sim::start().await;
    let refused = sim.create(json!({ "type": "CARRIER_PIGEON" })).await;
    let (status, error) = (refused.status, refused.body);
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error["code"], "INVALID_DATA");
    assert!(error["id"].as_str().is_some_and(|id| id.len() == 36));

    let wrong_type = sim
        .http
        .post(sim.devices_url())
        .bearer_auth(&sim.token)
        .header("Content-Type", "text/plain")
        .body("{}")
        .send()
        .await
        .expect("answer");
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
    let device = sim.create(json!({ "type": "TOTP", "status": "ACTIVE" })).await.body;
    let other = &Control::at(&sim.info.auth_url).new_user("other@example.com").await;
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
    let user = sim.control(Method::POST, "users", Some(json!({ "username": "a@example.com" }))).await;
    assert_eq!(user.status, StatusCode::CREATED);
    let token = json!({ "serialNumber": "2308734700397", "secret": "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", "tokenType": "HOTP", "digits": 6, "counter": 0 });
    assert_eq!(sim.control(Method::POST, "oath-tokens", Some(token)).await.status, StatusCode::CREATED);
    assert_eq!(sim.outbox().await, Vec::<Value>::new());
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

async fn activate(sim: &Sim, device_id: &str, otp: &str) -> (StatusCode, Value) {
    let answer = sim.activate(device_id, json!({ "otp": otp })).await;
    (answer.status, answer.body)
}

#[tokio::test]
async fn user_tokens_verify_against_the_jwks_and_carry_the_user() {
    use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
    let sim = Sim::start().await;
    let minted = sim.control(Method::POST, &format!("users/{}/tokens", sim.info.demo_user_id), None).await;
    assert_eq!(minted.status, StatusCode::CREATED);
    let token = minted.body["access_token"].as_str().expect("a token");
    let issuer = format!("{}/{}/as", sim.info.auth_url, sim.info.environment_id);
    assert_eq!(minted.body["issuer"], issuer);

    let jwks: Value = sim.http.get(format!("{issuer}/jwks")).send().await.expect("answer").json().await.expect("JSON");
    let header = decode_header(token).expect("a JWT header");
    assert_eq!(header.alg, Algorithm::RS256);
    let key = jwks["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .find(|key| key["kid"].as_str() == header.kid.as_deref())
        .expect("the token's key");
    let decoding =
        DecodingKey::from_rsa_components(key["n"].as_str().expect("n"), key["e"].as_str().expect("e")).expect("a key");
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&["https://api.pingone.com"]);
    validation.set_issuer(&[issuer.as_str()]);
    let claims = decode::<Value>(token, &decoding, &validation).expect("the token verifies").claims;
    assert_eq!(claims["sub"], sim.info.demo_user_id.as_str());
    assert!(claims["exp"].as_i64().expect("exp") > now());

    let expired = sim
        .control(
            Method::POST,
            &format!("users/{}/tokens", sim.info.demo_user_id),
            Some(json!({ "expiresInSeconds": -120, "audience": "other" })),
        )
        .await;
    let expired_token = expired.body["access_token"].as_str().expect("a token");
    assert!(decode::<Value>(expired_token, &decoding, &validation).is_err(), "expired and for another audience");

    let nobody = sim.control(Method::POST, "users/nobody/tokens", None).await;
    assert_eq!(nobody.status, StatusCode::NOT_FOUND);
}

#[test]
fn the_binary_reads_a_fixture_file_and_reports_every_problem_in_a_bad_one() {
    use std::io::BufRead;
    let dir = std::env::temp_dir().join(format!("simulator-fixture-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    let mut fixture: Value = serde_json::from_str(include_str!("../fixtures/demo.json")).expect("the demo fixture");
    fixture["environmentId"] = json!("11111111-2222-4333-8444-555555555555");
    let good = dir.join("good.json");
    std::fs::write(&good, fixture.to_string()).expect("written");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_pingone-simulator"))
        .args(["--listen", "127.0.0.1:0", "--fixture"])
        .arg(&good)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("a line");
    child.kill().ok();
    child.wait().ok();
    let info: Value = serde_json::from_str(&line).expect("one JSON object");
    assert_eq!(info["environmentId"], "11111111-2222-4333-8444-555555555555");

    fixture["policy"]["sms"] = json!({ "otp": {
        "lifeTime": { "duration": 30, "timeUnit": "MINUTES" },
        "failure": { "count": 0, "coolDown": { "duration": 0, "timeUnit": "MINUTES" } },
        "otpLength": 4 } });
    fixture["settings"] = json!({ "maxAllowedDevices": 99 });
    let bad = dir.join("bad.json");
    std::fs::write(&bad, fixture.to_string()).expect("written");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_pingone-simulator"))
        .args(["--listen", "127.0.0.1:0", "--fixture"])
        .arg(&bad)
        .output()
        .expect("the binary runs");
    assert!(!output.status.success());
    let errors = String::from_utf8_lossy(&output.stderr);
    for problem in ["sms.otp.failure.count", "sms.otp.otpLength", "maxAllowedDevices"] {
        assert!(errors.contains(problem), "{problem} is not reported in {errors}");
    }
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn the_environments_mfa_settings_and_policy_read_as_pingone_shapes_them() {
    let sim = Sim::start().await;
    let environment = format!("{}/environments/{}", sim.info.api_url, sim.info.environment_id);
    let read = |path: String| sim.http.get(format!("{environment}{path}")).bearer_auth(&sim.token).send();

    let settings: Value = read("/mfaSettings".into()).await.expect("answer").json().await.expect("JSON");
    assert_eq!(settings["pairing"]["maxAllowedDevices"], 5);
    assert_eq!(settings["phoneExtensions"]["enabled"], false, "PingOne's default");
    sim.control(Method::PUT, "settings", Some(json!({ "phoneExtensionsEnabled": true }))).await;
    let settings: Value = read("/mfaSettings".into()).await.expect("answer").json().await.expect("JSON");
    assert_eq!(settings["phoneExtensions"]["enabled"], true, "the control API's change shows");

    let policy_path = format!("/deviceAuthenticationPolicies/{}", sim.info.policy_id);
    let policy: Value = read(policy_path.clone()).await.expect("answer").json().await.expect("JSON");
    assert_eq!(policy["id"], sim.info.policy_id.as_str());
    assert_eq!(policy["totp"]["enabled"], true, "the demo fixture turns TOTP on");
    let failure = json!({ "count": 3, "coolDown": { "duration": 2, "timeUnit": "MINUTES" } });
    assert_eq!(policy["totp"]["otp"]["failure"], failure, "PingOne's defaults, in its field names");
    assert_eq!(policy["totp"]["passcodeGracePeriod"], 5);
    assert_eq!(policy["sms"]["otp"]["lifeTime"], json!({ "duration": 30, "timeUnit": "MINUTES" }));
    assert_eq!(policy["sms"]["otp"]["failure"]["coolDown"], json!({ "duration": 0, "timeUnit": "MINUTES" }));
    assert_eq!(policy["sms"]["otp"]["otpLength"], 6);
    assert_eq!(policy["oathToken"]["enabled"], true);
    sim.control(Method::PUT, "policy", Some(json!({ "id": sim.info.policy_id, "sms": { "pairingDisabled": true } })))
        .await;
    let policy: Value = read(policy_path.clone()).await.expect("answer").json().await.expect("JSON");
    assert_eq!(policy["sms"]["pairingDisabled"], true);
    assert_eq!(policy["voice"]["enabled"], false, "a method left out has a new environment's default: voice off");
    assert_eq!(policy["email"]["enabled"], true, "and email on");

    let unknown = read("/deviceAuthenticationPolicies/not-a-policy".into()).await.expect("answer");
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    let anonymous = sim.http.get(format!("{environment}/mfaSettings")).send().await.expect("answer");
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

//! Every device rule of the simulator over real HTTP on 127.0.0.1: SMS, voice and email codes, OATH tokens and
//! their resync, policy, limits, order, filters, nickname, and injected faults.

mod support;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::{ACTIVATE, REORDER, RESEND, Sim, detail, hotp_at, now, totp_at};

const HOTP_SECRET: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

async fn pending(sim: &Sim, body: Value) -> Value {
    let created = sim.create(body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    created.body
}

fn id(device: &Value) -> &str {
    device["id"].as_str().expect("an id")
}

#[tokio::test]
async fn an_sms_device_gets_its_code_in_the_outbox_and_activates_with_it() {
    let sim = Sim::start().await;
    let device =
        pending(&sim, json!({ "type": "SMS", "phone": "+1 (512) 520-1234", "status": "ACTIVATION_REQUIRED" })).await;
    assert_eq!(device["phone"], "+1 (512) 520-1234", "echoed as sent");
    assert!(device["_links"]["device.sendActivationCode"].is_object());
    let outbox = sim.outbox().await;
    assert_eq!(outbox.len(), 1);
    assert_eq!((outbox[0]["channel"].as_str(), outbox[0]["to"].as_str()), (Some("SMS"), Some("+1 (512) 520-1234")));
    let otp = outbox[0]["otp"].as_str().expect("a code");
    assert_eq!(otp.len(), 6);
    assert!(outbox[0]["sentAt"].as_str().is_some());
    let active = sim.activate(id(&device), json!({ "otp": otp })).await;
    assert_eq!((active.status, active.body["status"].as_str()), (StatusCode::OK, Some("ACTIVE")));
}

#[tokio::test]
async fn every_documented_phone_form_is_accepted_and_a_bad_number_is_refused() {
    let sim = Sim::start().await;
    sim.control(Method::PUT, "settings", Some(json!({ "maxAllowedDevices": 15 }))).await;
    for phone in
        ["+1.5125201234", "+15125201234", "+1.512.520.1234", "+1 (512) 520-1234", "15125551234", "1-512-555-1234"]
    {
        let created = sim.create(json!({ "type": "VOICE", "phone": phone })).await;
        assert_eq!(created.status, StatusCode::CREATED, "{phone}: {}", created.body);
    }
    let refused = sim.create(json!({ "type": "SMS", "phone": "call me" })).await;
    assert_eq!((refused.status, detail(&refused)), (StatusCode::BAD_REQUEST, "INVALID_VALUE"));
    assert_eq!(refused.body["details"][0]["target"], "phone");
    let missing = sim.create(json!({ "type": "SMS" })).await;
    assert_eq!(detail(&missing), "REQUIRED_VALUE");
}

#[tokio::test]
async fn test_mode_returns_the_code_instead_of_sending_it() {
    let sim = Sim::start().await;
    let device = pending(
        &sim,
        json!({ "type": "EMAIL", "email": "ada@example.com", "status": "ACTIVATION_REQUIRED", "testMode": true }),
    )
    .await;
    let otp = device["test"]["otp"].as_str().expect("test.otp");
    assert!(sim.outbox().await.is_empty());
    assert_eq!(sim.activate(id(&device), json!({ "otp": otp })).await.status, StatusCode::OK);
    let refused = sim.create(json!({ "type": "TOTP", "testMode": true })).await;
    assert_eq!(refused.body["details"][0]["target"], "testMode");
    let bad_email = sim.create(json!({ "type": "EMAIL", "email": "ada@example" })).await;
    assert_eq!(
        (bad_email.status, bad_email.body["details"][0]["target"].as_str()),
        (StatusCode::BAD_REQUEST, Some("email"))
    );
}

#[tokio::test]
async fn a_voice_extension_is_kept_only_when_the_settings_allow_it() {
    let sim = Sim::start().await;
    let without = sim.create(json!({ "type": "VOICE", "phone": "+15125201234", "extension": "123" })).await;
    assert!(without.body.get("extension").is_none());
    let settings = sim.control(Method::PUT, "settings", Some(json!({ "phoneExtensionsEnabled": true }))).await;
    assert_eq!(settings.status, StatusCode::OK);
    let with = sim.create(json!({ "type": "VOICE", "phone": "+15125201234", "extension": "123" })).await;
    assert_eq!(with.body["extension"], "123");
}

#[tokio::test]
async fn a_pairing_code_expires_and_a_resent_one_works() {
    let sim = Sim::start().await;
    let device =
        pending(&sim, json!({ "type": "SMS", "phone": "+15125201234", "status": "ACTIVATION_REQUIRED" })).await;
    let first = sim.outbox().await[0]["otp"].as_str().expect("code").to_owned();
    sim.set_clock(30 * 60 + 1).await;
    let sim = Sim { token: sim.new_token().await, ..sim };
    let expired = sim.activate(id(&device), json!({ "otp": first })).await;
    assert_eq!((expired.status, detail(&expired)), (StatusCode::BAD_REQUEST, "INVALID_OTP"));

    let resent = sim.call(Method::POST, &format!("/{}", id(&device)), Some(RESEND), None).await;
    assert_eq!(resent.status, StatusCode::OK);
    let outbox = sim.outbox().await;
    assert_eq!(outbox.len(), 2);
    let second = outbox[1]["otp"].as_str().expect("code");
    assert_eq!(sim.activate(id(&device), json!({ "otp": second })).await.status, StatusCode::OK);

    let totp = pending(&sim, json!({ "type": "TOTP", "status": "ACTIVATION_REQUIRED" })).await;
    let not_resendable = sim.call(Method::POST, &format!("/{}", id(&totp)), Some(RESEND), None).await;
    assert_eq!(not_resendable.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_policy_failure_count_locks_the_device_for_its_cool_down_and_the_lock_shows() {
    let sim = Sim::start().await;
    let failure = json!({ "count": 2, "coolDown": { "duration": 60, "timeUnit": "SECONDS" } });
    let policy = sim.control(Method::PUT, "policy", Some(json!({ "sms": { "otp": { "failure": failure } } }))).await;
    assert_eq!(policy.status, StatusCode::OK, "{}", policy.body);
    sim.control(Method::PUT, "variants", Some(json!({ "codeRefusal": "detailed" }))).await;
    let device =
        pending(&sim, json!({ "type": "SMS", "phone": "+15125201234", "status": "ACTIVATION_REQUIRED" })).await;
    let unlocked = sim.call(Method::GET, &format!("/{}", id(&device)), None, None).await;
    assert_eq!(unlocked.body["lock"], json!({ "status": "UNLOCKED" }));
    let code = sim.outbox().await[0]["otp"].as_str().expect("code").to_owned();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let first = sim.activate(id(&device), json!({ "otp": wrong })).await;
    assert_eq!(first.body["details"][0]["innerError"]["remainingAttempts"], 1);
    let second = sim.activate(id(&device), json!({ "otp": wrong })).await;
    assert_eq!(second.body["details"][0]["innerError"]["remainingAttempts"], 0);

    let read = sim.call(Method::GET, &format!("/{}", id(&device)), None, None).await;
    assert_eq!(read.body["lock"]["status"], "LOCKED");
    assert!(read.body["lock"]["expiresAt"].as_str().is_some());
    let listed = sim.call(Method::GET, "", None, None).await;
    assert_eq!(listed.body["_embedded"]["devices"][0]["lock"]["status"], "LOCKED");
    let locked = sim.activate(id(&device), json!({ "otp": code })).await;
    assert_eq!(detail(&locked), "DEVICE_LOCKED");
    let resend = sim.call(Method::POST, &format!("/{}", id(&device)), Some(RESEND), None).await;
    assert_eq!(detail(&resend), "DEVICE_LOCKED");

    sim.set_clock(61).await;
    let sim = Sim { token: sim.new_token().await, ..sim };
    let listed = sim.call(Method::GET, "", None, None).await;
    assert_eq!(listed.body["_embedded"]["devices"][0]["lock"], json!({ "status": "UNLOCKED" }), "no stale lock");
    let resent = sim.call(Method::POST, &format!("/{}", id(&device)), Some(RESEND), None).await;
    assert_eq!(resent.status, StatusCode::OK);

    let invalid = json!({ "sms": { "otp": { "failure": { "count": 9, "coolDown": { "duration": 0, "timeUnit": "MINUTES" } } } } });
    let invalid = sim.control(Method::PUT, "policy", Some(invalid)).await;
    assert_eq!(invalid.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_hotp_token_activates_within_its_window() {
    let sim = Sim::start().await;
    let device = pending(
        &sim,
        json!({ "type": "OATH_TOKEN", "serialNumber": "DEMO-HOTP-0001", "status": "ACTIVATION_REQUIRED" }),
    )
    .await;
    assert_eq!(device["tokenType"], "HOTP");
    let active = sim.activate(id(&device), json!({ "otp": hotp_at(HOTP_SECRET, 7, 6) })).await;
    assert_eq!(active.status, StatusCode::OK, "{}", active.body);
}

#[tokio::test]
async fn a_drifted_hotp_token_is_resynced_with_its_next_code() {
    let sim = Sim::start().await;
    let token =
        json!({ "serialNumber": "TEST-0001", "secret": HOTP_SECRET, "tokenType": "HOTP", "digits": 8, "counter": 0 });
    assert_eq!(sim.control(Method::POST, "oath-tokens", Some(token)).await.status, StatusCode::CREATED);
    let device =
        pending(&sim, json!({ "type": "OATH_TOKEN", "serialNumber": "TEST-0001", "status": "ACTIVATION_REQUIRED" }))
            .await;

    let plain = sim.activate(id(&device), json!({ "otp": hotp_at(HOTP_SECRET, 50, 8) })).await;
    assert_eq!(detail(&plain), "INVALID_OTP", "without oathResync a far code is wrong");
    let beyond = sim.activate(id(&device), json!({ "otp": hotp_at(HOTP_SECRET, 101, 8), "oathResync": true })).await;
    assert_eq!(detail(&beyond), "INVALID_OTP", "beyond the resync window a code is wrong");

    let resync = sim.activate(id(&device), json!({ "otp": hotp_at(HOTP_SECRET, 50, 8), "oathResync": true })).await;
    assert_eq!(resync.status, StatusCode::BAD_REQUEST);
    assert_eq!(resync.body["code"], "INVALID_DATA");
    assert_eq!(resync.body["details"][0]["code"], "EXTRA_OTP_REQUIRED");
    assert_eq!(resync.body["details"][0]["target"], "otp");
    let next = sim.activate(id(&device), json!({ "otp": hotp_at(HOTP_SECRET, 51, 8), "oathResync": true })).await;
    assert_eq!((next.status, next.body["status"].as_str()), (StatusCode::OK, Some("ACTIVE")));
    let tokens = sim.control(Method::GET, "oath-tokens", None).await;
    let paired = tokens
        .body
        .as_array()
        .expect("tokens")
        .iter()
        .find(|t| t["serialNumber"] == "TEST-0001")
        .cloned()
        .expect("listed");
    assert_eq!(paired["counter"], 52);
}

#[tokio::test]
async fn a_drifted_totp_token_is_resynced_with_its_next_code() {
    let sim = Sim::start().await;
    let secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
    let device = pending(
        &sim,
        json!({ "type": "OATH_TOKEN", "serialNumber": "DEMO-TOTP-0002", "status": "ACTIVATION_REQUIRED" }),
    )
    .await;
    let drifted = now() + 20 * 30;
    let resync = sim.activate(id(&device), json!({ "otp": totp_at(secret, drifted, 8), "oathResync": true })).await;
    assert_eq!(detail(&resync), "EXTRA_OTP_REQUIRED");
    let next = sim.activate(id(&device), json!({ "otp": totp_at(secret, drifted + 30, 8), "oathResync": true })).await;
    assert_eq!(next.status, StatusCode::OK, "{}", next.body);
}

#[tokio::test]
async fn oath_serials_must_be_in_the_inventory_and_unpaired() {
    let sim = Sim::start().await;
    let unknown = sim.create(json!({ "type": "OATH_TOKEN", "serialNumber": "NOPE" })).await;
    assert_eq!(
        (detail(&unknown), unknown.body["details"][0]["target"].as_str()),
        ("INVALID_VALUE", Some("serialNumber"))
    );
    let device = pending(&sim, json!({ "type": "OATH_TOKEN", "serialNumber": "DEMO-HOTP-0001" })).await;
    assert_eq!(device["status"], "ACTIVE", "a worker pairs a token as active unless told otherwise");
    let twice = sim.create(json!({ "type": "OATH_TOKEN", "serialNumber": "DEMO-HOTP-0001" })).await;
    assert_eq!(detail(&twice), "UNIQUENESS_VIOLATION");
    assert_eq!(sim.call(Method::DELETE, &format!("/{}", id(&device)), None, None).await.status, StatusCode::NO_CONTENT);
    assert_eq!(
        sim.create(json!({ "type": "OATH_TOKEN", "serialNumber": "DEMO-HOTP-0001" })).await.status,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn the_policy_decides_which_methods_pair_and_policy_ids_must_exist() {
    let sim = Sim::start().await;
    let unknown_policy =
        sim.create(json!({ "type": "TOTP", "policy": { "id": "7b2e1f1c-0000-4000-8000-000000000000" } })).await;
    assert_eq!(unknown_policy.body["details"][0]["target"], "policy.id");
    let known =
        sim.create(json!({ "type": "SMS", "phone": "+15125201234", "policy": { "id": sim.info.policy_id } })).await;
    assert_eq!(known.status, StatusCode::CREATED);

    let default_policy = sim.control(Method::PUT, "policy", Some(json!({}))).await;
    assert_eq!(default_policy.body["totp"]["enabled"], false, "PingOne's default policy has TOTP off");
    let refused = sim.create(json!({ "type": "TOTP", "status": "ACTIVE" })).await;
    assert_eq!(
        (detail(&refused), refused.body["details"][0]["target"].as_str()),
        ("CONSTRAINT_VIOLATION", Some("type"))
    );
    sim.control(
        Method::PUT,
        "policy",
        Some(json!({ "totp": { "enabled": true }, "sms": { "pairingDisabled": true } })),
    )
    .await;
    assert_eq!(sim.create(json!({ "type": "TOTP", "status": "ACTIVE" })).await.status, StatusCode::CREATED);
    assert_eq!(detail(&sim.create(json!({ "type": "SMS", "phone": "+15125201234" })).await), "CONSTRAINT_VIOLATION");
}

#[tokio::test]
async fn a_user_at_the_device_limit_cannot_add_another() {
    let sim = Sim::start().await;
    sim.control(Method::PUT, "settings", Some(json!({ "maxAllowedDevices": 2 }))).await;
    pending(&sim, json!({ "type": "TOTP", "status": "ACTIVE" })).await;
    let waiting =
        pending(&sim, json!({ "type": "SMS", "phone": "+15125201234", "status": "ACTIVATION_REQUIRED" })).await;
    pending(&sim, json!({ "type": "EMAIL", "email": "a@example.com" })).await;
    let refused = sim.create(json!({ "type": "TOTP", "status": "ACTIVE" })).await;
    // PingOne's documented body: REQUEST_FAILED, LIMIT_EXCEEDED with no target, and the maximum.
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(refused.body["code"], "REQUEST_FAILED");
    assert_eq!(detail(&refused), "LIMIT_EXCEEDED");
    assert_eq!(refused.body["details"][0].get("target"), None);
    assert_eq!(refused.body["details"][0]["innerError"]["maximumAllowed"], 2);
    let code = sim.outbox().await[0]["otp"].as_str().expect("code").to_owned();
    let late = sim.activate(id(&waiting), json!({ "otp": code })).await;
    assert_eq!(late.status, StatusCode::OK, "PingOne documents no limit at activation: {}", late.body);
}

#[tokio::test]
async fn nicknames_are_set_cleared_and_bounded() {
    let sim = Sim::start().await;
    let device = pending(&sim, json!({ "type": "TOTP", "status": "ACTIVE" })).await;
    let path = format!("/{}/nickname", id(&device));
    let renamed =
        sim.call(Method::PUT, &path, Some("application/json"), Some(json!({ "nickname": "Work phone" }))).await;
    assert_eq!((renamed.status, renamed.body["nickname"].as_str()), (StatusCode::OK, Some("Work phone")));
    let too_long =
        sim.call(Method::PUT, &path, Some("application/json"), Some(json!({ "nickname": "x".repeat(101) }))).await;
    assert_eq!(too_long.status, StatusCode::BAD_REQUEST);
    let cleared = sim.call(Method::PUT, &path, Some("application/json"), Some(json!({ "nickname": "" }))).await;
    assert!(cleared.body.get("nickname").is_none());
}

#[tokio::test]
async fn the_order_puts_the_default_first_and_survives_deletes() {
    let sim = Sim::start().await;
    let first = pending(&sim, json!({ "type": "TOTP", "status": "ACTIVE" })).await;
    let second = pending(&sim, json!({ "type": "EMAIL", "email": "a@example.com" })).await;
    let order = json!({ "order": [{ "id": id(&second) }, { "id": id(&first) }] });
    let set = sim.call(Method::POST, "", Some(REORDER), Some(order)).await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);
    let listed = sim.list("?expand=order").await.body;
    assert_eq!(listed["_embedded"]["devices"][0]["id"], id(&second));
    assert_eq!(listed["_embedded"]["order"][0]["id"], id(&second));

    let third = pending(&sim, json!({ "type": "SMS", "phone": "+15125201234" })).await;
    let listed = sim.list("?expand=order").await.body;
    assert_eq!(listed["_embedded"]["order"][2]["id"], id(&third), "a new active device goes last");

    sim.call(Method::DELETE, &format!("/{}", id(&second)), None, None).await;
    assert_eq!(sim.list("").await.body["_embedded"]["devices"][0]["id"], id(&first), "the next device is the default");

    let pending_device = pending(&sim, json!({ "type": "TOTP", "status": "ACTIVATION_REQUIRED" })).await;
    let refused =
        sim.call(Method::POST, "", Some(REORDER), Some(json!({ "order": [{ "id": id(&pending_device) }] }))).await;
    assert_eq!(refused.body["details"][0]["target"], "order");
}

#[tokio::test]
async fn lists_filter_on_status_and_type() {
    let sim = Sim::start().await;
    pending(&sim, json!({ "type": "TOTP", "status": "ACTIVE" })).await;
    pending(&sim, json!({ "type": "SMS", "phone": "+15125201234", "status": "ACTIVATION_REQUIRED" })).await;
    let active = sim.list("?filter=status%20eq%20%22ACTIVE%22").await.body;
    assert_eq!(active["_embedded"]["devices"].as_array().map(Vec::len), Some(1));
    assert_eq!(active["_embedded"]["devices"][0]["type"], "TOTP");
    let sms = sim.list("?filter=type%20eq%20%22SMS%22").await.body;
    assert_eq!(sms["_embedded"]["devices"][0]["status"], "ACTIVATION_REQUIRED");
    let bad = sim.list("?filter=nickname%20co%20%22x%22").await;
    assert_eq!((bad.status, detail(&bad)), (StatusCode::BAD_REQUEST, "INVALID_FILTER"));
    assert_eq!(sim.list("?limit=1").await.body["count"], 1);
}

#[tokio::test]
async fn a_client_over_its_request_rate_gets_429_with_retry_after() {
    let sim = Sim::start().await;
    sim.control(Method::PUT, "faults", Some(json!({ "requestsPerSecond": 2 }))).await;
    let mut limited = None;
    // Five requests span at most two seconds, so one second holds at least three of them.
    for _ in 0..5 {
        let answer = sim.list("").await;
        if answer.status == StatusCode::TOO_MANY_REQUESTS {
            limited = Some(answer);
        }
    }
    let limited = limited.expect("one request was limited");
    assert_eq!(limited.body["code"], "REQUEST_LIMITED");
    assert_eq!(limited.headers["retry-after"], "1");
}

#[tokio::test]
async fn injected_faults_reach_clients() {
    let sim = Sim::start().await;
    sim.control(Method::PUT, "faults", Some(json!({ "errorRate": 1.0 }))).await;
    let failed = sim.list("").await;
    assert_eq!(
        (failed.status, failed.body["code"].as_str()),
        (StatusCode::INTERNAL_SERVER_ERROR, Some("UNEXPECTED_ERROR"))
    );

    sim.control(Method::PUT, "faults", Some(json!({ "dropRate": 1.0 }))).await;
    let dropped = sim.http.get(sim.devices_url()).bearer_auth(&sim.token).send().await;
    let outcome = match dropped {
        Err(error) => Err(error),
        Ok(response) => response.bytes().await.map(drop),
    };
    assert!(outcome.is_err(), "the connection was dropped");

    sim.control(Method::PUT, "faults", Some(json!({ "latencyMs": 300 }))).await;
    let started = std::time::Instant::now();
    assert_eq!(sim.list("").await.status, StatusCode::OK);
    assert!(started.elapsed() >= std::time::Duration::from_millis(300), "the answer waited for the injected latency");

    sim.control(Method::PUT, "faults", Some(json!({ "tokenLifetimeSeconds": 5 }))).await;
    let short = sim.new_token().await;
    sim.set_clock(6).await;
    let expired = sim.http.get(sim.devices_url()).bearer_auth(short).send().await.expect("answer");
    assert_eq!(expired.status(), StatusCode::UNAUTHORIZED);

    let fresh = Sim { token: sim.new_token().await, ..sim };
    assert_eq!(fresh.control(Method::DELETE, "tokens", None).await.status, StatusCode::NO_CONTENT);
    assert_eq!(fresh.list("").await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn unknown_actions_are_415_and_already_active_devices_refuse_activation() {
    let sim = Sim::start().await;
    let device = pending(&sim, json!({ "type": "TOTP", "status": "ACTIVE" })).await;
    let unknown = sim
        .call(Method::POST, &format!("/{}", id(&device)), Some("application/vnd.pingidentity.device.block+json"), None)
        .await;
    assert_eq!(unknown.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let again =
        sim.call(Method::POST, &format!("/{}", id(&device)), Some(ACTIVATE), Some(json!({ "otp": "123456" }))).await;
    assert_eq!((again.status, again.body["code"].as_str()), (StatusCode::BAD_REQUEST, Some("INVALID_REQUEST")));
}

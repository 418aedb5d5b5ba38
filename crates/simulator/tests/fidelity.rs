//! The behaviours that `../shared/reference/pingone-fidelity.md` found missing or different, each held to what
//! PingOne documents (the row is named in each test), and each variant offered where PingOne is silent.

mod support;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::{RESEND, Sim, detail};

fn id(device: &Value) -> String {
    device["id"].as_str().expect("an id").to_owned()
}

async fn seed(sim: &Sim, body: Value) -> Value {
    let path = format!("users/{}/devices", sim.info.demo_user_id);
    let seeded = sim.control(Method::POST, &path, Some(body)).await;
    assert_eq!(seeded.status, StatusCode::CREATED, "{}", seeded.body);
    seeded.body
}

/// Rows 5 and 54: a worker whose role does not reach the user is refused with PingOne's 403, on every device route.
#[tokio::test]
async fn row_5_a_worker_without_the_role_or_outside_the_population_gets_403() {
    let sim = Sim::start().await;
    let device = sim.create(json!({ "type": "EMAIL", "email": "ada@example.com" })).await.body;
    for access in [json!({ "workerLacksRole": true }), json!({ "usersOutsideRole": [sim.info.demo_user_id] })] {
        sim.control(Method::PUT, "access", Some(access.clone())).await;
        for answer in [
            sim.list("").await,
            sim.create(json!({ "type": "EMAIL", "email": "ada@example.com" })).await,
            sim.call(Method::DELETE, &format!("/{}", id(&device)), None, None).await,
        ] {
            assert_eq!(answer.status, StatusCode::FORBIDDEN, "{access}");
            assert_eq!(
                (answer.body["code"].as_str(), detail(&answer)),
                (Some("ACCESS_FAILED"), "INSUFFICIENT_PERMISSIONS")
            );
        }
    }
    sim.control(Method::PUT, "access", Some(json!({}))).await;
    assert_eq!(sim.list("").await.status, StatusCode::OK);
}

/// Row 11: a new environment's default policy has email on, and SMS, voice and TOTP off.
#[tokio::test]
async fn row_11_a_new_environments_policy_pairs_email_only() {
    let sim = Sim::start().await;
    sim.control(Method::PUT, "policy", Some(json!({}))).await;
    assert_eq!(sim.create(json!({ "type": "EMAIL", "email": "ada@example.com" })).await.status, StatusCode::CREATED);
    for refused in [
        json!({ "type": "SMS", "phone": "+15125201234" }),
        json!({ "type": "VOICE", "phone": "+15125201234" }),
        json!({ "type": "TOTP" }),
    ] {
        assert_eq!(sim.create(refused.clone()).await.status, StatusCode::BAD_REQUEST, "{refused}");
    }
}

/// Rows 36 and 37: without a reorder, active devices are ordered by activation time; where `expand=order` puts the
/// order, and how, is a variant.
#[tokio::test]
async fn rows_36_37_the_order_follows_activation_in_each_shape() {
    let sim = Sim::start().await;
    let first = id(&sim.create(json!({ "type": "EMAIL", "email": "a@example.com" })).await.body);
    let pending =
        sim.create(json!({ "type": "EMAIL", "email": "b@example.com", "status": "ACTIVATION_REQUIRED" })).await;
    let second = id(&sim.create(json!({ "type": "EMAIL", "email": "c@example.com" })).await.body);
    let listed = sim.list("?expand=order").await.body;
    assert_eq!(listed["_embedded"]["order"], json!([{ "id": first }, { "id": second }]));
    let ids: Vec<&str> =
        listed["_embedded"]["devices"].as_array().expect("devices").iter().filter_map(|d| d["id"].as_str()).collect();
    assert_eq!(ids, [first.as_str(), second.as_str(), pending.body["id"].as_str().expect("id")], "ordered ones first");

    for (shape, order_at, expected) in [
        ("strings", "/_embedded/order", json!([first, second])),
        ("topLevel", "/order", json!([{ "id": first }, { "id": second }])),
        ("absent", "/_embedded/order", Value::Null),
    ] {
        sim.control(Method::PUT, "variants", Some(json!({ "order": shape }))).await;
        let listed = sim.list("?expand=order").await.body;
        assert_eq!(listed.pointer(order_at).cloned().unwrap_or(Value::Null), expected, "{shape}");
    }
}

/// Rows 47 and 48: devices paired elsewhere, of every type that real lists hold, are seeded, blocked and unblocked
/// through the control API; blocked ones still count against the limit.
#[tokio::test]
async fn rows_47_48_foreign_and_blocked_devices_are_listed_as_pingone_lists_them() {
    let sim = Sim::start().await;
    for device_type in ["MOBILE", "FIDO2", "WHATSAPP", "PLATFORM", "SECURITY_KEY", "PINGID_DESKTOP_GEN2"] {
        seed(&sim, json!({ "type": device_type, "nickname": device_type })).await;
    }
    let blocked = seed(&sim, json!({ "type": "SMS", "phone": "+15125201234", "blocked": true })).await;
    assert_eq!(blocked["block"]["status"], "BLOCKED");
    assert!(blocked["block"]["blockedAt"].is_string());
    let listed = sim.list("").await.body;
    assert_eq!(listed["_embedded"]["devices"].as_array().expect("devices").len(), 7);
    let refused = sim.create(json!({ "type": "EMAIL", "email": "ada@example.com" })).await;
    assert_eq!(detail(&refused), "LIMIT_EXCEEDED", "six active and one blocked: over PingOne's default of 5");

    let path = format!("users/{}/devices/{}/block", sim.info.demo_user_id, id(&blocked));
    let unblocked = sim.control(Method::PUT, &path, Some(json!({ "blocked": false }))).await;
    assert_eq!(unblocked.body["block"]["status"], "UNBLOCKED");
    let fido2 = &listed["_embedded"]["devices"][1];
    let activate = sim.activate(fido2["id"].as_str().expect("id"), json!({ "otp": "123456" })).await;
    assert_eq!(activate.status, StatusCode::BAD_REQUEST, "never activated here");
}

/// Rows 45 and 46: 429s carry `Retry-After` and `innerError.retryAfter` as a date-time; each user may be sent 50
/// SMS a day, resends included.
#[tokio::test]
async fn rows_45_46_limits_and_quotas_answer_as_pingone_does() {
    let sim = Sim::start().await;
    sim.control(Method::PUT, "settings", Some(json!({ "dailyDeliveries": 2 }))).await;
    let device = sim.create(json!({ "type": "SMS", "phone": "+15125201234", "status": "ACTIVATION_REQUIRED" })).await;
    let path = format!("/{}", id(&device.body));
    assert_eq!(sim.call(Method::POST, &path, Some(RESEND), None).await.status, StatusCode::OK);
    let over = sim.call(Method::POST, &path, Some(RESEND), None).await;
    assert_eq!(over.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!((over.body["code"].as_str(), detail(&over)), (Some("REQUEST_LIMITED"), "QUOTA_EXCEEDED"));
    assert_eq!(over.body["details"][0]["innerError"]["quotaLimit"], 2);
    assert!(over.body["details"][0]["innerError"]["retryAfter"].as_str().is_some_and(|at| at.ends_with('Z')));
    let seconds: i64 = over.headers["retry-after"].to_str().expect("ASCII").parse().expect("seconds");
    assert!((1..=86_400).contains(&seconds));
    assert_eq!(sim.outbox().await.len(), 2, "nothing sent past the quota");
    let voice = sim.create(json!({ "type": "VOICE", "phone": "+15125201234", "status": "ACTIVATION_REQUIRED" })).await;
    assert_eq!(voice.status, StatusCode::CREATED, "voice is not counted unless the variant says");
    sim.control(Method::PUT, "variants", Some(json!({ "quotaCountsVoice": true }))).await;
    sim.create(json!({ "type": "VOICE", "phone": "+15125201234", "status": "ACTIVATION_REQUIRED" })).await;
    let voice = sim.create(json!({ "type": "VOICE", "phone": "+15125201234", "status": "ACTIVATION_REQUIRED" })).await;
    assert_eq!(voice.status, StatusCode::TOO_MANY_REQUESTS);

    sim.control(Method::PUT, "faults", Some(json!({ "requestsPerSecond": 1 }))).await;
    let mut limited = None;
    for _ in 0..10 {
        let answer = sim.list("").await;
        if answer.status == StatusCode::TOO_MANY_REQUESTS {
            limited = Some(answer);
            break;
        }
    }
    let limited = limited.expect("a 429 within 10 requests at 1 a second");
    assert!(limited.body["details"][0]["innerError"]["retryAfter"].is_string());
    assert_eq!(limited.headers["retry-after"], "1");
}

/// A 503 carries `Retry-After`.
#[tokio::test]
async fn a_503_carries_retry_after() {
    let sim = Sim::start().await;
    sim.control(Method::PUT, "faults", Some(json!({ "unavailableNext": 1 }))).await;
    let answer = sim.list("").await;
    assert_eq!(
        (answer.status, answer.headers["retry-after"].to_str().ok()),
        (StatusCode::SERVICE_UNAVAILABLE, Some("1"))
    );
    assert_eq!(sim.list("").await.status, StatusCode::OK);
}

/// Rows 28 and 31: what a resend answers, and what activating an active device answers, are variants.
#[tokio::test]
async fn rows_28_31_resend_and_repeated_activation_answer_in_each_variant() {
    let sim = Sim::start().await;
    let device = sim.create(json!({ "type": "SMS", "phone": "+15125201234", "status": "ACTIVATION_REQUIRED" })).await;
    let path = format!("/{}", id(&device.body));
    assert_eq!(sim.call(Method::POST, &path, Some(RESEND), None).await.status, StatusCode::OK);
    sim.control(Method::PUT, "variants", Some(json!({ "resendAnswer": "empty" }))).await;
    let empty = sim.call(Method::POST, &path, Some(RESEND), None).await;
    assert_eq!((empty.status, empty.body), (StatusCode::NO_CONTENT, Value::Null));
    let code = sim.outbox().await.last().expect("a code")["otp"].as_str().expect("otp").to_owned();
    assert_eq!(sim.activate(&path[1..], json!({ "otp": code })).await.status, StatusCode::OK);
    assert_eq!(sim.activate(&path[1..], json!({ "otp": code })).await.status, StatusCode::BAD_REQUEST);
    sim.control(Method::PUT, "variants", Some(json!({ "activeActivation": "device" }))).await;
    let again = sim.activate(&path[1..], json!({ "otp": code })).await;
    assert_eq!((again.status, again.body["status"].as_str()), (StatusCode::OK, Some("ACTIVE")));
}

/// Row 40: the order can be removed, by `POST` (as the docs show) or `DELETE` (as the SDK's description has it).
#[tokio::test]
async fn row_40_an_order_is_removed_with_its_content_type() {
    const REMOVE: &str = "application/vnd.pingidentity.devices.order.remove+json";
    let sim = Sim::start().await;
    sim.create(json!({ "type": "EMAIL", "email": "a@example.com" })).await;
    for method in [Method::POST, Method::DELETE] {
        let removed = sim.call(method.clone(), "", Some(REMOVE), None).await;
        assert_eq!(removed.status, StatusCode::NO_CONTENT, "{method}");
        assert_eq!(sim.list("?expand=order").await.body["_embedded"]["order"], json!([]), "{method}");
    }
    let other = sim.call(Method::DELETE, "", Some("application/json"), None).await;
    assert_eq!(other.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "a DELETE of the list does nothing else");
}

/// Row 4: the 401 body in the words of one seen from PingOne.
#[tokio::test]
async fn row_4_an_expired_worker_token_is_refused_in_pingones_words() {
    let sim = Sim::start().await;
    sim.set_clock(3600).await;
    let refused = sim.list("").await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(refused.body["code"], "ACCESS_FAILED");
    assert_eq!(refused.body["details"][0]["code"], "INVALID_TOKEN");
    assert_eq!(refused.body["details"][0]["target"], "Authentication Credentials");
}

/// Row 53: a device newly paired is told to the user, by the profile's email or else its phone, as the policy's
/// `newDeviceNotification` says (PingOne's API documents `EMAIL_THEN_SMS` as the default).
#[tokio::test]
async fn row_53_a_new_device_is_told_to_the_user_as_the_policy_says() {
    let sim = Sim::start().await;
    let control = testkit::Control::at(&sim.info.auth_url);
    let profile = json!({ "username": "ada", "email": "ada@example.com", "phone": "+15125201234" });
    let ada = control.post("users", profile).await["id"].as_str().expect("an id").to_owned();
    let create =
        |user: &str, body: Value| sim.http.post(sim.user_devices_url(user)).bearer_auth(&sim.token).json(&body).send();
    create(&ada, json!({ "type": "EMAIL", "email": "work@example.com" })).await.expect("created");
    let notices = |outbox: Vec<Value>| -> Vec<(String, String)> {
        outbox
            .iter()
            .filter(|message| message["kind"] == "NEW_DEVICE")
            .map(|message| {
                (message["channel"].as_str().unwrap_or("").into(), message["to"].as_str().unwrap_or("").into())
            })
            .collect()
    };
    assert_eq!(notices(control.outbox(Some(&ada)).await), [("EMAIL".to_owned(), "ada@example.com".to_owned())]);

    let mut policy = control.get("policy").await;
    policy["newDeviceNotification"] = json!("SMS_THEN_EMAIL");
    control.put("policy", policy.clone()).await;
    create(&ada, json!({ "type": "EMAIL", "email": "home@example.com" })).await.expect("created");
    assert_eq!(notices(control.outbox(Some(&ada)).await).last().expect("a notice").0, "SMS");

    policy["newDeviceNotification"] = json!("NONE");
    control.put("policy", policy).await;
    create(&ada, json!({ "type": "EMAIL", "email": "other@example.com" })).await.expect("created");
    assert_eq!(notices(control.outbox(Some(&ada)).await).len(), 2, "none with NONE");
    control.put("policy", json!({ "newDeviceNotification": "EMAIL_THEN_SMS" })).await;
    sim.create(json!({ "type": "EMAIL", "email": "demo@example.com" })).await;
    assert!(notices(sim.outbox().await).is_empty(), "the demo user has no profile address: nothing to tell");
}
